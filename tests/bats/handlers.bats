#!/usr/bin/env bats
# SPDX-License-Identifier: (GPL-2.0 OR MIT)
# rblkadm helper EVENT RES: what rblk.ko runs; the handler of the
# configuration runs with RBLK_* set and its exit status is returned.

load helper

setup_file() {
	build_rblkadm
}

setup() {
	# helper is a root command (rblk.ko runs it as root)
	[ "$(id -u)" = 0 ] || skip "needs root"
	cat >"$BATS_TEST_TMPDIR/h.res" <<-'RES'
	resource pg {
	    device minor 3;
	    disk /dev/VG_RBLK/LV_DATA;
	    meta-disk internal;
	    handlers {
	        out-of-sync "echo $RBLK_EVENT $RBLK_RESOURCE $RBLK_MINOR $RBLK_PEER; exit 7";
	        before-resync-target "echo $RBLK_EVENT $RBLK_RESOURCE $RBLK_MINOR $RBLK_PEER";
	    }
	    on pg1 { address 10.0.0.1:7788; }
	    on pg2 { address 10.0.0.2:7788; }
	}
	RES
}

# f.res: h.res with fence-peer running the shell command $1 (taken as
# it is: no sed, whose replacement would read & and / in it).
fence_peer_handler() {
	local res
	res=$(<"$BATS_TEST_TMPDIR/h.res")
	shopt -u patsub_replacement 2>/dev/null || true
	printf '%s\n' "${res/"handlers {"/"handlers { fence-peer \"$1\";"}" \
		>"$BATS_TEST_TMPDIR/f.res"
}

# Process $1 no longer runs (absent, or a zombie).
gone() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || true
	[ -z "$st" ] || [ "${st:0:1}" = Z ] || { echo "pid $1 still runs ($st)"; false; }
}

@test "helper out-of-sync runs the out-of-sync handler (verify found differences)" {
	run rblkadm -c "$BATS_TEST_TMPDIR/h.res" --node pg1 helper out-of-sync pg
	golden helper-out-of-sync
}

@test "helper before-resync-target runs its handler (a resync to this node is about to start)" {
	run rblkadm -c "$BATS_TEST_TMPDIR/h.res" --node pg1 helper before-resync-target pg
	golden helper-before-resync-target
}

@test "helper with no handler configured for the event does nothing" {
	run rblkadm -c "$BATS_TEST_TMPDIR/h.res" --node pg1 helper split-brain pg
	golden helper-none
}

@test "helper with an unknown event" {
	run rblkadm -c "$BATS_TEST_TMPDIR/h.res" --node pg1 helper out-of-snyc pg
	golden helper-unknown
}

@test "helper fence-peer runs the handler (rblk.ko decides when to ask: disk { fencing })" {
	fence_peer_handler 'echo fencing $RBLK_PEER; exit 3'
	run rblkadm -c "$BATS_TEST_TMPDIR/f.res" --node pg1 helper fence-peer pg
	[ "$status" -eq 3 ]
	[ "$output" = "fencing pg2" ]
}

@test "helper with a cookie: the handler is killed at RBLK_HELPER_TIMEOUT (status 124, its process group too)" {
	fence_peer_handler "sleep 60 & echo \$! >$BATS_TEST_TMPDIR/bg; echo \$\$ >$BATS_TEST_TMPDIR/sh; sleep 60"
	local t0=$SECONDS
	RBLK_HELPER_COOKIE=00000000000000ab RBLK_HELPER_TIMEOUT=1000 RBLK_MINOR=3 \
		run rblkadm -c "$BATS_TEST_TMPDIR/f.res" --node pg1 helper fence-peer pg
	[ "$status" -eq 124 ]
	[ $((SECONDS - t0)) -lt 10 ]
	# Both the shell and what it started in the background are gone
	# (killed; a zombie waits for its new parent to reap it).
	gone "$(cat "$BATS_TEST_TMPDIR/sh")"
	gone "$(cat "$BATS_TEST_TMPDIR/bg")"
}

@test "helper with a cookie: a handler that ignores SIGTERM is killed 5 s later" {
	fence_peer_handler "trap '' TERM; sleep 60"
	local t0=$SECONDS
	RBLK_HELPER_COOKIE=00000000000000ab RBLK_HELPER_TIMEOUT=500 RBLK_MINOR=3 \
		run rblkadm -c "$BATS_TEST_TMPDIR/f.res" --node pg1 helper fence-peer pg
	[ "$status" -eq 124 ]
	[ $((SECONDS - t0)) -ge 5 ]
	[ $((SECONDS - t0)) -lt 15 ]
}

@test "helper with a cookie and no RBLK_MINOR reports for the configuration's minor" {
	fence_peer_handler 'exit 4'
	RBLK_HELPER_COOKIE=00000000000000ab RBLK_HELPER_TIMEOUT=1000 \
		run rblkadm -c "$BATS_TEST_TMPDIR/f.res" --node pg1 helper fence-peer pg
	[ "$status" -eq 4 ]
	# No rblk.ko here: the report was tried, and failed for that reason.
	[ "$output" = "rblkadm: helper: cannot report the status 4 to rblk.ko (no netlink family)" ]
}

@test "helper with a malformed cookie says so and still runs the handler" {
	fence_peer_handler 'exit 4'
	RBLK_HELPER_COOKIE=xyz RBLK_HELPER_TIMEOUT=1000 RBLK_MINOR=3 \
		run rblkadm -c "$BATS_TEST_TMPDIR/f.res" --node pg1 helper fence-peer pg
	[ "$status" -eq 4 ]
	[ "$output" = "rblkadm: helper: RBLK_HELPER_COOKIE, RBLK_HELPER_TIMEOUT or RBLK_MINOR malformed: not reporting" ]
}

@test "helper with an option rblk refuses in the configuration: a warning, and the handler runs (a configuration from before the refusal never stops a fence)" {
	sed 's/    handlers {/    disk { on-io-error call-local-io-error; }\n    handlers {/' "$BATS_TEST_TMPDIR/h.res" >"$BATS_TEST_TMPDIR/old.res"
	run rblkadm -c "$BATS_TEST_TMPDIR/old.res" --node pg1 helper out-of-sync pg
	[ "$status" -eq 7 ]
	[[ "$output" == *"old.res:5:12: warning: on-io-error call-local-io-error needs a local-io-error handler in resource 'pg'"* ]]
	[[ "$output" == *"(ignored here; up, adjust and dump refuse it)"* ]]
	[[ "$output" == *"out-of-sync pg 3 pg2"* ]]
	# up refuses it.
	run rblkadm -c "$BATS_TEST_TMPDIR/old.res" --node pg1 up pg
	[ "$status" -eq 4 ]
}
