#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0 OR MIT)
# Host-only test of lw-replay (tests/tools/lw-replay.c, run by 'make -C
# tests/unit run'): synthetic logs in the kernel's format (lw-gen.py),
# replayed and compared byte for byte with hand-derived expected images.
#   lw-replay-test.sh BINARY
set -u
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:?usage: lw-replay-test.sh BINARY}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0

pass() { echo "ok   $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

# run NAME WANT_RC [args...]: run lw-replay on a fresh copy of init.img
run() {
	local name=$1 want=$2 rc
	shift 2
	cp "$d/init.img" "$d/out.img"
	"$bin" "$@" >"$d/stdout" 2>"$d/stderr"
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		fail "$name: exit $rc, want $want"
		sed 's/^/       /' "$d/stderr"
		return 1
	fi
	return 0
}

# replay NAME EXPECTED_IMG SUMMARY [args...]
replay() {
	local name=$1 exp=$2 sum=$3
	shift 3
	run "$name" 0 "$@" "$d/out.img" || return
	if ! cmp -s "$d/out.img" "$d/$exp"; then
		fail "$name: image differs from $exp"
	elif [ -n "$sum" ] && [ "$(cat "$d/stdout")" != "$sum" ]; then
		fail "$name: summary '$(cat "$d/stdout")', want '$sum'"
	else
		pass "$name: $(cat "$d/stdout")"
	fi
}

# error NAME WANT_RC [args...]: must fail and leave the image untouched
error() {
	local name=$1 want=$2
	shift 2
	run "$name" "$want" "$@" || return
	if cmp -s "$d/out.img" "$d/init.img"; then
		pass "$name: exit $want: $(tail -n1 "$d/stderr")"
	else
		fail "$name: image modified on error"
	fi
}

for bs in 4096 512; do
	d=$work/$bs
	python3 "$here/lw-gen.py" "$d" "$bs" || exit 1
	echo "== sectorsize $bs"
	if [ "$bs" = 4096 ]; then
		sd="entries: 13, flushes: 2, replayed: 8 (40 KiB), dropped after the cut: 2 (12 KiB)"
		s1="entries: 13, flushes: 2, replayed: 4 (24 KiB), dropped after the cut: 6 (28 KiB)"
	else
		sd="entries: 13, flushes: 2, replayed: 8 (5 KiB), dropped after the cut: 2 (1.5 KiB)"
		s1="entries: 13, flushes: 2, replayed: 4 (3 KiB), dropped after the cut: 6 (3.5 KiB)"
	fi
	replay "default" exp-default.img "$sd" "$d/log.img"
	replay "--flush 1" exp-flush1.img "$s1" --flush 1 "$d/log.img"
	replay "--flush 2 (= last)" exp-flush2.img "$sd" --flush 2 "$d/log.img"
	replay "--flush 0" exp-flush0.img "" --flush 0 "$d/log.img"
	replay "--mark before flush 2" exp-mark1.img "" --mark cut "$d/log-mark1.img"
	replay "--mark after flush 2" exp-mark2.img "" --mark cut "$d/log-mark2.img"
	grep -q "^entries: 11, flushes: 2, .*, after the mark: 2 (" "$d/stdout" || fail "--mark: count"
	error "--mark that is not there" 1 --mark nosuch "$d/log-mark1.img" "$d/out.img"
	error "--mark with --flush" 2 --mark cut --flush 1 "$d/log-mark1.img" "$d/out.img"
	replay "clean log with end mark" exp-default.img "" "$d/log-clean.img"
	replay "zero tail past stale nr_entries" exp-default.img "$sd" "$d/log-zerotail.img"
	replay "garbage tail" exp-default.img "$sd" "$d/log-garbage-tail.img"
	grep -q "warning: log ends at entry 13" "$d/stderr" ||
		fail "garbage tail: no warning"
	replay "torn last entry" exp-default.img "" "$d/log-trunc-tail.img"
	grep -q "^entries: 12," "$d/stdout" || fail "torn last entry: count"
	replay "--no-scan" exp-default.img "" --no-scan "$d/log.img"
	grep -q "^entries: 12," "$d/stdout" || fail "--no-scan: count"
	error "truncated inside nr_entries" 1 "$d/log-trunc-in.img" "$d/out.img"
	error "nr_entries beyond log" 1 "$d/log-overcount.img" "$d/out.img"
	error "bad magic" 1 "$d/log-badmagic.img" "$d/out.img"
	error "bad version" 1 "$d/log-badver.img" "$d/out.img"
	error "data_len on a write" 1 "$d/log-datalen.img" "$d/out.img"
	error "--flush 3 of 2" 1 --flush 3 "$d/log.img" "$d/out.img"
	error "image too small" 1 "$d/log.img" "$d/init-small.img"
	error "missing image" 1 "$d/log.img" "$d/nonexistent.img"
	error "same file" 1 "$d/log.img" "$d/log.img"
	error "no arguments" 2
	error "--flush abc" 2 --flush abc "$d/log.img" "$d/out.img"
	error "--flush -1" 2 --flush -1 "$d/log.img" "$d/out.img"
done

if [ "$fails" -ne 0 ]; then
	echo "lw-replay: $fails check(s) FAILED"
	exit 1
fi
echo "lw-replay: all passed"
