#!/usr/bin/env bats
# SPDX-License-Identifier: (GPL-2.0 OR MIT)
# The option tables of the docs against rblkadm's own (what `dump
# --defaults` writes): every option rblkadm parses has its row in
# docs/config.md and its entry in rblk.conf(5), and no row there names an
# option rblkadm does not know.

load helper

DOCS=$BATS_DIR/../../docs

setup_file() {
	build_rblkadm
}

# The option names of global { } and of a resource's net, disk, handlers
# and startup sections, one per line.
options() {
	rblkadm -c "$FIXTURES/full.res" --node pg1 dump --defaults | awk '
		/^global \{/ { sec = "global"; next }
		/^    (net|disk|handlers|startup) \{/ { sec = "opt"; next }
		/^ *\}/ { sec = ""; next }
		sec == "global" && /^    [a-z]/ { sub(/;$/, "", $1); print $1 }
		sec == "opt" && /^        [a-z]/ { sub(/;$/, "", $1); print $1 }' | sort -u
}

@test "docs: every option has its row in docs/config.md and its entry in rblk.conf.5" {
	local o e missing=
	run options
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -ge 50 ] || { echo "only ${#lines[@]} options: $output"; false; }
	for o in "${lines[@]}"; do
		grep -q "^| \`$o\` |" "$DOCS/config.md" || missing+=" config.md:$o"
		e=${o//-/\\\\-}
		grep -q -e "$o" -e "$e" "$DOCS/rblk.conf.5" || missing+=" rblk.conf.5:$o"
	done
	[ -z "$missing" ] || { echo "not documented:$missing"; false; }
}

@test "docs: every option row of docs/config.md is an option rblkadm knows" {
	local known row extra= n=0
	known=$(options)
	while read -r row; do
		n=$((n + 1))
		grep -qx -- "$row" <<<"$known" || extra+=" $row"
	done < <(sed -n '/^### /,$p' "$DOCS/config.md" |
		 sed -n 's/^| `\([a-z0-9-]*\)` | .* | .* | .* | .* |$/\1/p')
	[ "$n" -ge 50 ] || { echo "only $n option rows found in docs/config.md"; false; }
	[ -z "$extra" ] || { echo "rows for options rblkadm does not parse:$extra"; false; }
}
