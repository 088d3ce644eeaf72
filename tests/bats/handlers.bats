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

@test "helper fence-peer runs only when disk { fencing } is not dont-care" {
	sed 's/handlers {/handlers { fence-peer "echo fencing $RBLK_PEER; exit 3";/' \
		"$BATS_TEST_TMPDIR/h.res" >"$BATS_TEST_TMPDIR/f.res"
	run rblkadm -c "$BATS_TEST_TMPDIR/f.res" --node pg1 helper fence-peer pg
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	sed -i 's/meta-disk internal;/meta-disk internal;\n    disk { fencing resource-only; }/' "$BATS_TEST_TMPDIR/f.res"
	run rblkadm -c "$BATS_TEST_TMPDIR/f.res" --node pg1 helper fence-peer pg
	[ "$status" -eq 3 ] && [ "$output" = "fencing pg2" ]
}
