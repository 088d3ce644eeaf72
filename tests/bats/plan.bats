#!/usr/bin/env bats
# SPDX-License-Identifier: (GPL-2.0 OR MIT)
# --dry-run plans: what up/down/adjust/... would send, without a kernel.

load helper

setup_file() {
	build_rblkadm
}

setup() {
	cd "$FIXTURES"
}

@test "up: new-device, attach, net, connect" {
	run rblkadm -c pg.res --node pg1 --dry-run up pg
	golden plan-up-pg
}

@test "up on the other node swaps local and peer" {
	run rblkadm -c pg.res --node pg2 --dry-run up pg
	golden plan-up-pg2
}

@test "up all: every option in canonical units, IPv6 in brackets" {
	run rblkadm -c full.res --node pg1 --dry-run up all
	golden plan-up-all
}

@test "down: secondary, disconnect, detach, del-device" {
	run rblkadm -c pg.res --node pg1 --dry-run down pg
	golden plan-down
}

@test "attach, detach, connect --discard-my-data, disconnect" {
	run bash -c "cd '$FIXTURES' && for c in attach detach 'connect --discard-my-data' disconnect; do
		'$RBLKADM' -c pg.res --node pg1 -d \$c pg || exit; done"
	golden plan-misc
}

@test "-d after the subcommand works too" {
	run rblkadm -c pg.res --node pg1 up -d pg
	golden plan-up-pg
}

@test "adjust with nothing running is up" {
	run rblkadm -c main.conf --node pg1 -d adjust all
	golden plan-adjust-nothing
}

@test "adjust with everything running as configured does nothing" {
	rblkadm -c pg.res --node pg1 -d up pg >"$BATS_TEST_TMPDIR/state"
	RBLK_DRY_RUN_STATE=$BATS_TEST_TMPDIR/state run "$RBLKADM" -c pg.res --node pg1 -d adjust pg
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "adjust after net options changed on a connection sends net-options" {
	rblkadm -c pg.res --node pg1 -d up pg >"$BATS_TEST_TMPDIR/state"
	sed -e 's/^\( *on pg1\)/    net { verify-alg sha256; ping-int 3; }\n\1/' pg.res >"$BATS_TEST_TMPDIR/pg.res"
	RBLK_DRY_RUN_STATE=$BATS_TEST_TMPDIR/state run "$RBLKADM" -c "$BATS_TEST_TMPDIR/pg.res" --node pg1 -d adjust pg
	golden plan-adjust-net
}

# The kernel's view of a connected resource (tests/bats/fixtures/state-*):
# only what GET_DEVICE reports, "none" digests spelled out.
adjust_state() {
	sed -e "$1" "$FIXTURES/state-pg-connected" >"$BATS_TEST_TMPDIR/state"
	RBLK_DRY_RUN_STATE=$BATS_TEST_TMPDIR/state run "$RBLKADM" -c "${2:-pg.res}" --node pg1 -d adjust pg
}

@test "adjust with the kernel's view as configured does nothing" {
	adjust_state ''
	golden plan-adjust-unchanged
}

@test "adjust after verify-alg changed: net-options, no reconnect" {
	sed -e 's/^\( *on pg1\)/    net { verify-alg sha256; csums-alg crc32c; }\n\1/' pg.res >"$BATS_TEST_TMPDIR/pg.res"
	adjust_state '' "$BATS_TEST_TMPDIR/pg.res"
	golden plan-adjust-verify-alg
}

@test "adjust after resync-rate and c-plan-ahead changed (disk { }): net-options, no reconnect" {
	sed -e 's/^\( *on pg1\)/    disk { resync-rate 4M; c-plan-ahead 0; }\n\1/' pg.res >"$BATS_TEST_TMPDIR/pg.res"
	adjust_state '' "$BATS_TEST_TMPDIR/pg.res"
	golden plan-adjust-resync-rate
}

@test "adjust after fencing and handler-timeout changed (disk { }): net-options, no reconnect" {
	sed -e 's/^\( *on pg1\)/    disk { fencing resource-and-stonith; handler-timeout 30; }\n    handlers { fence-peer "true"; }\n\1/' pg.res >"$BATS_TEST_TMPDIR/pg.res"
	adjust_state '' "$BATS_TEST_TMPDIR/pg.res"
	golden plan-adjust-fencing
}

# disk { on-io-error call-local-io-error }: a disk-options step before the
# attach; adjust changes it on the running device (no detach, no
# reconnect) and back to the default when the line goes.
@test "on-io-error call-local-io-error: up sends disk-options before attach; adjust changes it alone, both ways" {
	sed -e 's/^\( *on pg1\)/    disk { on-io-error call-local-io-error; }\n    handlers { local-io-error "poweroff -f"; }\n\1/' pg.res >"$BATS_TEST_TMPDIR/pg.res"
	run rblkadm -c "$BATS_TEST_TMPDIR/pg.res" --node pg1 -d up pg
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "new-device minor=0 resource=pg" ]
	[ "${lines[1]}" = "disk-options minor=0 on-io-error=call-local-io-error" ]
	[[ "${lines[2]}" == "attach minor=0 "* ]]
	adjust_state '' "$BATS_TEST_TMPDIR/pg.res"
	[ "$status" -eq 0 ]
	[ "$output" = "disk-options minor=0 on-io-error=call-local-io-error" ]
	# The kernel has it: nothing to do.
	adjust_state '/^attach /i disk-options minor=0 on-io-error=call-local-io-error' "$BATS_TEST_TMPDIR/pg.res"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	# The line removed: back to the default.
	adjust_state '/^attach /i disk-options minor=0 on-io-error=call-local-io-error'
	[ "$status" -eq 0 ]
	[ "$output" = "disk-options minor=0 on-io-error=detach" ]
	# attach sets it too, first (a module that refuses it leaves the
	# connection alone), and only if the device lacks it.
	sed -e "/^attach /i disk-options minor=0 on-io-error=call-local-io-error" "$FIXTURES/state-pg-connected" >"$BATS_TEST_TMPDIR/state"
	RBLK_DRY_RUN_STATE=$BATS_TEST_TMPDIR/state run "$RBLKADM" -c "$BATS_TEST_TMPDIR/pg.res" --node pg1 -d attach pg
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "disconnect minor=0" ] || { echo "$output"; false; }
	[[ "${lines[1]}" == "attach minor=0 "* ]]
	RBLK_DRY_RUN_STATE=$BATS_TEST_TMPDIR/state run "$RBLKADM" -c pg.res --node pg1 -d attach pg
	[ "${lines[0]}" = "disk-options minor=0 on-io-error=detach" ] || { echo "$output"; false; }
	[ "${lines[1]}" = "disconnect minor=0" ]
	RBLK_DRY_RUN_STATE=$FIXTURES/state-pg-connected run "$RBLKADM" -c "$BATS_TEST_TMPDIR/pg.res" --node pg1 -d attach pg
	[ "${lines[0]}" = "disk-options minor=0 on-io-error=call-local-io-error" ] || { echo "$output"; false; }
	[ "${lines[1]}" = "disconnect minor=0" ]
}

# A Primary whose disk failed and is served by its peer (kmod/ioerr.c):
# the kernel reports no disk; adjust attaches it on the connection (the
# kernel resyncs it in full, kmod/resync.c), without a disconnect. Not
# served (its peer away), it leaves the disk alone and says so; so does
# the peer that serves it.
@test "adjust on a Primary without a disk: served by its peer, an attach without a disconnect; not served, said why" {
	adjust_state 's/^attach .*/diskless-primary minor=0 served=yes/'
	[ "$status" -eq 0 ]
	[ "$output" = "attach minor=0 disk=/dev/VG_RBLK/LV_DATA meta-disk=internal" ] || { echo "$output"; false; }
	[[ "$output" != *disconnect* ]]
	[[ "$output" != *"left as it is"* ]]
	adjust_state 's/^attach .*/diskless-primary minor=0/'
	[ "$status" -eq 0 ]
	[[ "$output" == *"rblkadm: adjust: pg is Primary without a disk (its peer serves it): its disk is left as it is for now"* ]] || { echo "$output"; false; }
	[[ "$output" == *"hint: once this node is Secondary, 'rblkadm adjust pg' applies it"* ]]
	[[ "$output" != *disconnect* ]]
	[[ "$output" != *"attach minor"* ]]
	# The peer that serves it, with another disk configured: left too.
	adjust_state 's|^attach .*|attach minor=0 disk=/dev/other\nserving-diskless minor=0|'
	[ "$status" -eq 0 ]
	[[ "$output" == *"rblkadm: adjust: pg serves its peer, a Primary without a disk: its disk is left as it is for now"* ]] || { echo "$output"; false; }
	[[ "$output" != *disconnect* ]]
	[[ "$output" != *detach* ]]
	# Nor its connection's address.
	adjust_state 's|peer=10.0.0.2:7788|peer=10.0.0.3:7788|; /^connect /i serving-diskless minor=0'
	[ "$status" -eq 0 ]
	[[ "$output" == *"its connection (address or names changed) is left as it is for now"* ]] || { echo "$output"; false; }
	[[ "$output" != *disconnect* ]]
}

# disk { on-io-error pass_on; } (kmod/ioerr.c keeps a failing disk): a
# disk-options step before the attach, dumped as written, and no handler
# asked for.
@test "on-io-error pass_on: accepted and dumped; up sends disk-options before attach; adjust back to detach" {
	sed -e 's/^\( *on pg1\)/    disk { on-io-error pass_on; }\n\1/' pg.res >"$BATS_TEST_TMPDIR/pg.res"
	run rblkadm -c "$BATS_TEST_TMPDIR/pg.res" --node pg1 dump
	[ "$status" -eq 0 ]
	[[ "$output" == *"on-io-error pass_on;"* ]] || { echo "$output"; false; }
	run rblkadm -c "$BATS_TEST_TMPDIR/pg.res" --node pg1 -d up pg
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "disk-options minor=0 on-io-error=pass_on" ] || { echo "$output"; false; }
	[[ "${lines[2]}" == "attach minor=0 "* ]]
	adjust_state '/^attach /i disk-options minor=0 on-io-error=pass_on'
	[ "$status" -eq 0 ]
	[ "$output" = "disk-options minor=0 on-io-error=detach" ]
}

# disk { on-io-error detach; }, as DRBD configurations have it: the
# default, written out; dumped as written, and no disk-options step (the
# kernel's default is the same).
@test "on-io-error detach: accepted and dumped; up and adjust send nothing for it" {
	sed -e 's/^\( *on pg1\)/    disk { on-io-error detach; }\n\1/' pg.res >"$BATS_TEST_TMPDIR/pg.res"
	run rblkadm -c "$BATS_TEST_TMPDIR/pg.res" --node pg1 dump
	[ "$status" -eq 0 ]
	[[ "$output" == *"on-io-error detach;"* ]] || { echo "$output"; false; }
	run rblkadm -c "$BATS_TEST_TMPDIR/pg.res" --node pg1 -d up pg
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "new-device minor=0 resource=pg" ]
	[[ "${lines[1]}" == "attach minor=0 "* ]] || { echo "$output"; false; }
	adjust_state '' "$BATS_TEST_TMPDIR/pg.res"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "adjust after a before-resync-target handler was added: net-options tell the kernel to wait for it, no reconnect" {
	sed -e 's/^\( *on pg1\)/    handlers { before-resync-target "lvcreate -s -n snap -L 1G vg\/data"; }\n\1/' pg.res >"$BATS_TEST_TMPDIR/pg.res"
	adjust_state '' "$BATS_TEST_TMPDIR/pg.res"
	golden plan-adjust-before-resync-target
	# ... and nothing once the kernel reports it.
	adjust_state 's/before-resync-target-wait=0/before-resync-target-wait=1/' "$BATS_TEST_TMPDIR/pg.res"
	golden plan-adjust-unchanged
}

@test "adjust with the fencing the kernel reports changes nothing" {
	sed -e 's/^\( *on pg1\)/    disk { fencing resource-only; }\n\1/' pg.res >"$BATS_TEST_TMPDIR/pg.res"
	adjust_state 's/fencing=dont-care/fencing=resource-only/' "$BATS_TEST_TMPDIR/pg.res"
	golden plan-adjust-unchanged
}

@test "adjust against a kernel that does not report the resync rate does not compare it" {
	sed -e 's/^\( *on pg1\)/    disk { resync-rate 4M; c-plan-ahead 0; }\n\1/' pg.res >"$BATS_TEST_TMPDIR/pg.res"
	adjust_state 's/ resync-rate=[0-9]* c-plan-ahead=[0-9]*//' "$BATS_TEST_TMPDIR/pg.res"
	golden plan-adjust-unchanged
}

@test "adjust after verify-alg was taken out: net-options without it" {
	adjust_state 's/verify-alg=none/verify-alg=sha256/'
	golden plan-adjust-verify-alg-off
}

@test "adjust after the peer address changed: disconnect, net, connect" {
	adjust_state 's/peer=10.0.0.2:7788/peer=10.0.0.3:7788/'
	golden plan-adjust-peer
}

@test "adjust after the peer node name changed: disconnect, net, connect" {
	adjust_state 's/peer-node=pg2/peer-node=old/'
	golden plan-adjust-peer
}

@test "adjust of a StandAlone resource: net, connect" {
	adjust_state '/^connect/d; s/ping-int=10000/ping-int=1000/'
	golden plan-adjust-standalone
}

@test "adjust with only the device and disk reported adds net and connect" {
	printf '# what GET_DEVICE reports\nnew-device minor=0 resource=pg\nattach minor=0 disk=/dev/VG_RBLK/LV_DATA\n' \
		>"$BATS_TEST_TMPDIR/state"
	RBLK_DRY_RUN_STATE=$BATS_TEST_TMPDIR/state run "$RBLKADM" -c pg.res --node pg1 -d adjust pg
	golden plan-adjust-disk-only
}

@test "adjust with another disk attached detaches it first" {
	printf 'new-device minor=0 resource=pg\nattach minor=0 disk=/dev/old meta-disk=internal\nnet minor=0 local=10.0.0.1:7788 peer=10.0.0.9:7788\nconnect minor=0\n' \
		>"$BATS_TEST_TMPDIR/state"
	RBLK_DRY_RUN_STATE=$BATS_TEST_TMPDIR/state run "$RBLKADM" -c pg.res --node pg1 -d adjust pg
	golden plan-adjust-changed
}

@test "adjust after the disk failed: disconnect, attach, connect again" {
	printf 'new-device minor=0 resource=pg\nnet minor=0 local=10.0.0.1:7788 peer=10.0.0.2:7788 node=pg1 peer-node=pg2 protocol=C\nconnect minor=0\n' \
		>"$BATS_TEST_TMPDIR/state"
	RBLK_DRY_RUN_STATE=$BATS_TEST_TMPDIR/state run "$RBLKADM" -c pg.res --node pg1 -d adjust pg
	golden plan-adjust-failed-disk
}

@test "attach on a connected resource: disconnect, attach, connect again" {
	printf 'new-device minor=0 resource=pg\nnet minor=0 local=10.0.0.1:7788 peer=10.0.0.2:7788 node=pg1 peer-node=pg2 protocol=C\nconnect minor=0\n' \
		>"$BATS_TEST_TMPDIR/state"
	RBLK_DRY_RUN_STATE=$BATS_TEST_TMPDIR/state run "$RBLKADM" -c pg.res --node pg1 -d attach pg
	golden plan-attach-connected
}

@test "attach on a StandAlone resource attaches only" {
	printf 'new-device minor=0 resource=pg\n' >"$BATS_TEST_TMPDIR/state"
	RBLK_DRY_RUN_STATE=$BATS_TEST_TMPDIR/state run "$RBLKADM" -c pg.res --node pg1 -d attach pg
	golden plan-attach-standalone
}

@test "adjust refuses a minor held by another resource" {
	printf 'new-device minor=0 resource=other\n' >"$BATS_TEST_TMPDIR/state"
	RBLK_DRY_RUN_STATE=$BATS_TEST_TMPDIR/state run "$RBLKADM" -c pg.res --node pg1 -d adjust pg
	golden plan-adjust-taken
}

@test "adjust with an unreadable state line" {
	printf 'net minor=0 "open\n' >"$BATS_TEST_TMPDIR/state"
	RBLK_DRY_RUN_STATE=$BATS_TEST_TMPDIR/state run "$RBLKADM" -c pg.res --node pg1 -d adjust pg
	golden plan-adjust-bad-state
}

@test "unknown resource" {
	run rblkadm -c full.res --node pg1 -d up nosuch
	golden plan-unknown
}

@test "bad usage" {
	run rblkadm -c pg.res --node pg1 -d up
	golden plan-usage
}
