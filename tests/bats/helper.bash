# SPDX-License-Identifier: (GPL-2.0 OR MIT)
# Shared by the host bats tests: run the built rblkadm and compare what it
# printed (stdout and stderr) and its exit status with a golden file.
# UPDATE_GOLDEN=1 bats tests/bats rewrites the golden files instead.

BATS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RBLKADM=$BATS_DIR/../../user/rblkadm
FIXTURES=$BATS_DIR/fixtures
GOLDEN=$BATS_DIR/golden

# Where rblkadm records where metadata is (user/md_move.c): the test's own.
rblkadm() {
	RBLK_STATE_DIR=${RBLK_STATE_DIR:-$BATS_TEST_TMPDIR/var-lib-rblk} "$RBLKADM" "$@"
}

build_rblkadm() {
	[ -x "$RBLKADM" ] || make -s -C "$BATS_DIR/../../user" >&2
}

# golden NAME: "$output" (with the temp dir shown as TMP, and volatile
# fields masked) plus "exit $status" must equal golden/NAME.
golden() {
	local want=$GOLDEN/$1 got
	got=$(printf '%s\nexit %s\n' "$output" "$status" |
		sed -e "s|$BATS_TEST_TMPDIR|TMP|g" -e "s|$FIXTURES|FIXTURES|g" \
		    -e 's/^\(device-uuid\) 0x[0-9A-F]*/\1 MASKED/' \
		    -e 's/"\(device-uuid\)": "0x[0-9A-F]*"/"\1": "MASKED"/' \
		    -e 's/^\(create-time\) [0-9]*/\1 MASKED/')
	if [ -n "${UPDATE_GOLDEN:-}" ]; then
		printf '%s\n' "$got" >"$want"
		return 0
	fi
	if [ ! -f "$want" ]; then
		echo "missing golden file $want; got:" >&2
		printf '%s\n' "$got" >&2
		return 1
	fi
	diff -u "$want" - <<<"$got"
}
