#!/usr/bin/env bats
# SPDX-License-Identifier: (GPL-2.0 OR MIT)
# A disk attached to a Primary that its peer serves (kmod/resync.c, "A
# Primary's new disk"): pg1, Primary, lost its disk (rblkadm detach, or
# an I/O error) and goes on served by pg2; "rblkadm attach pg" on pg1,
# still Primary and under writes, makes the new disk the SyncTarget of a
# full resync from pg2 on the same connection, and pg1 is UpToDate again
# without an error reaching its application. The disk of each node is a
# device-mapper device over its /dev/vda (tests/lib/rblk.bash); the
# resync is held to a fixed rate (8 MiB/s, c-plan-ahead 0) so that the
# writes meet it.
# Needs: the qemu harness (two guests on one link), rblk.ko, fio, dmsetup.
#
# What it checks, in detail:
#  - "rblkadm attach pg" on the Primary pg1, Diskless and served by pg2
#    (Connected, pg2 UpToDate), ends 0 and prints "attach: pg is Primary:
#    its new disk is resynced in full from pg2 while it serves; 'rblkadm
#    wait-sync pg' waits for UpToDate"; at once pg1 is Primary,
#    Inconsistent, SyncTarget, and pg1's kernel log says
#    "attached /dev/mapper/rdata to this Primary: a full resync from pg2
#    follows" and pg2's "pg1 attached a disk: resyncing it in full while
#    it is Primary".
#  - the disk was blanked and given new metadata first (blkdiscard -z,
#    create-md --force): a fresh disk. pg2's disk delays each write by
#    50 ms (dm-delay) meanwhile, so that pg1's writes are in flight
#    while the resync sends the blocks they overlap.
#  - while it runs, fio (randwrite, 8 KiB blocks, crc32c in each, 16
#    MiB at 32 MiB) and a second fio (512-byte to 16 KiB blocks over the
#    first 2 MiB, where the resync starts, from before the attach until
#    stopped) write on pg1: both end 0 with "err= 0", io-errors stays 0,
#    no "error, dev rblk0" in pg1's kernel log.
#  - "rblkadm wait-sync pg" on pg1 ends 0; pg1 UpToDate, Connected,
#    Primary, out-of-sync 0; pg2's resynced-kib grew by at least pg1's
#    size-kib less what pg1 wrote meanwhile (written-kib; a write with
#    no resync block of it in flight puts its blocks in sync); pg1's
#    resync-deferred-kib and pg2's acks-held are reported, not asserted
#    (how often the two meet depends on timing).
#  - afterwards: md5 of both data areas equal; fio's verify pass on pg1
#    (its own disk now) finds nothing; "rblkadm verify pg --wait" ends 0
#    with "no block differs".
#  - the link cut (pg2's eth0 down) during such a resync, no write in
#    flight: pg1's new disk goes (Diskless within 60 s, its log says "the
#    connection ended before this Primary's new disk was resynced"), pg1
#    stays Primary; a write meanwhile fails; the link back, pg1 is
#    Connected, Diskless and served again, a 1 MiB write succeeds, and a
#    second attach finishes: UpToDate, md5 equal.
#  - the new disk failing during its resync (its dm table swapped for
#    error): Diskless within 60 s, pg1 Primary and, once connected again,
#    served (Diskless, Connected); "disk-error" names the failing disk;
#    mended, a third attach finishes (md5 equal).
#  - refusals: attach on pg1 while pg2 is disconnected ends non-zero with
#    "attach: pg is Primary and no UpToDate peer serves it", pg1 stays
#    Diskless.
#  - "rblkadm adjust pg" on such a Primary (fresh disk, served) ends 0
#    and attaches it the same way: Primary, SyncTarget (or already
#    UpToDate), then UpToDate, md5 equal.
#  - the device 100 MiB (disk { size 100M; }): a 64 MiB disk is refused
#    ("the disk is smaller than the device (its data area, within
#    size): give it a larger disk"), pg1 stays Diskless, Primary,
#    Connected; the whole 128 MiB disk, without size, is taken at the
#    device's size (size-kib 102400, disk-size-kib 131032), resynced,
#    md5 equal.

RBLK_DISK=/dev/mapper/rdata

load ../lib/vm
load ../lib/rblk

setup_file() {
	vm_setup_run
	vm_start pg1 --no-wait --disk "$(vm_disk pg1 128M)" --net l1 --ip 10.0.0.1/24
	vm_start pg2 --no-wait --disk "$(vm_disk pg2 128M)" --net l1 --ip 10.0.0.2/24
	vm_wait_up pg1 pg2
	for n in pg1 pg2; do
		vm_run $n "$(dm_linear /dev/vda)"
		rblk_write_config $n "verify-alg sha256;" "resync-rate 8M; c-plan-ahead 0;"
		rblk_load $n
	done
}

teardown() {
	vm_teardown
}

teardown_file() {
	vm_teardown_all
}

# pg1's kernel log lines since the mark that say an I/O of /dev/rblk0
# failed.
rblk0_errors() {
	vm_run pg1 "$(since_mark) | grep -c 'error, dev rblk0' || true"
}

# fio on pg1: 16 MiB of 8 KiB blocks at random, each once, crc32c in
# each, the seed $1 given so that the verify pass replays them.
fio_job() {
	local seed=$1
	shift
	echo "fio --name=w --filename=/dev/rblk0 --offset=32M --size=16M --bs=8k --rw=randwrite \
		--ioengine=libaio --iodepth=16 --direct=1 --verify=crc32c --randseed=$seed $*"
}

# pg1, Primary, without its disk (detached), served by pg2; its disk
# blanked and given new metadata, as a replacement disk would be.
primary_served_fresh_disk() {
	reseed
	vm_run pg1 "$RBLKADM primary pg"
	vm_run pg1 "dd if=/dev/urandom of=/dev/rblk0 bs=1M count=8 seek=32 oflag=direct status=none"
	run vm_run pg1 "$RBLKADM detach pg"
	assert_status 0
	run vm_run pg1 "$(st disk); $(st role); $(st connection); $(st peer-disk)"
	[ "$output" = Diskless$'\n'Primary$'\n'Connected$'\n'UpToDate ] || { echo "$output"; false; }
	vm_run pg1 "blkdiscard -f -z $RBLK_DISK && $RBLKADM create-md --force pg >/dev/null"
}

# pg1 attaches its disk; the resync starts, pg1 Primary and SyncTarget.
attach_primary() {
	run vm_run pg1 "$RBLKADM attach pg"
	assert_status 0
	assert_output_has "attach: pg is Primary: its new disk is resynced in full from pg2 while it serves; 'rblkadm wait-sync pg' waits for UpToDate"
	run vm_run pg1 "$(st role); $(st disk); $(st connection)"
	[ "$output" = Primary$'\n'Inconsistent$'\n'SyncTarget ] || { echo "$output"; false; }
}

# pg1 back UpToDate and Connected, nothing marked (its writers may run
# on: the caller compares the data areas once they stopped).
resynced() {
	run vm_run pg1 "$RBLKADM wait-sync pg --timeout 300"
	assert_status 0
	vm_wait pg1 60 "[ \"\$($(st disk))\" = UpToDate ] && [ \"\$($(st connection))\" = Connected ] && [ \"\$($(st out-of-sync-kib))\" = 0 ]"
	[ "$(stat_of pg1 role)" = Primary ]
	[ "$(stat_of pg2 disk)" = UpToDate ]
}

@test "a Primary served by its peer takes a fresh disk under writes: a full resync while it serves, no write fails; UpToDate again, verify finds nothing" {
	local seed size r0 r1 w0 w1 deferred held
	primary_served_fresh_disk
	# pg2's disk takes 50 ms per write (reads as fast as before): pg1's
	# writes stay in flight while the resync reads and sends the blocks
	# they overlap.
	vm_run pg2 "modprobe dm-delay && $(dm_swap "delay /dev/vda 0 0 /dev/vda 0 50")"
	mark
	size=$(stat_of pg1 size-kib)
	r0=$(stat_of pg2 resynced-kib)
	w0=$(stat_of pg1 written-kib)
	seed=$((RANDOM * 32768 + RANDOM + 1))
	vm_run pg1 "rm -f /tmp/fio.rc /tmp/w.rc; setsid -f sh -c '$(fio_job $seed --rate=$((512 / VM_TIME_SCALE))k --do_verify=0 --verify_state_save=0) \
		>/tmp/fio.out 2>&1; echo \$? >/tmp/fio.rc' </dev/null >/dev/null 2>&1"
	# Small writes all over the first 2 MiB, where the resync begins:
	# they meet its first blocks (512 bytes to 16 KiB, at 512-byte
	# offsets, 8 at a time) until stopped.
	vm_run pg1 "setsid -f sh -c 'fio --name=hot --filename=/dev/rblk0 --size=2M --rw=randwrite \
		--bsrange=512-16k --blockalign=512 --ioengine=libaio --iodepth=8 --direct=1 --time_based --runtime=900 \
		>/tmp/hot.out 2>&1 & echo \$! >/tmp/hot.pid; wait \$!; echo \$? >/tmp/w.rc' </dev/null >/dev/null 2>&1"
	vm_wait pg1 30 "[ \"\$($(st written-kib))\" -ge 1024 ]"
	attach_primary
	run vm_run pg1 "$(since_mark)"
	assert_output_has "attached $RBLK_DISK to this Primary: a full resync from pg2 follows"
	run vm_run pg2 "$(since_mark)"
	assert_output_has "pg1 attached a disk: resyncing it in full while it is Primary"
	resynced
	vm_run pg2 "$(dm_linear /dev/vda)"
	# Stopped by SIGINT: its summary says whether any write failed.
	vm_run pg1 "kill -INT \$(cat /tmp/hot.pid)"
	vm_wait pg1 60 "[ -s /tmp/w.rc ]"
	vm_run pg1 "grep -q 'err= 0:' /tmp/hot.out" || { vm_run pg1 "cat /tmp/hot.out"; false; }
	vm_wait pg1 300 "[ -f /tmp/fio.rc ]"
	run vm_run pg1 "cat /tmp/fio.rc"
	[ "$output" = 0 ] || { vm_run pg1 "cat /tmp/fio.out"; false; }
	vm_run pg1 "grep -q 'err= 0:' /tmp/fio.out"
	[ "$(stat_of pg1 io-errors)" = 0 ]
	[ "$(rblk0_errors)" = 0 ] || { vm_run pg1 "$(since_mark) | grep 'error, dev rblk0'"; false; }
	# Every block resynced, but those the writes meanwhile put in sync
	# themselves (RBLK_ACKF_IN_SYNC).
	r1=$(stat_of pg2 resynced-kib)
	w1=$(stat_of pg1 written-kib)
	[ $((r1 - r0 + w1 - w0)) -ge "$size" ] || { echo "resynced $((r1 - r0)) KiB of $size, $((w1 - w0)) KiB written"; false; }
	deferred=$(stat_of pg1 resync-deferred-kib)
	held=$(stat_of pg2 acks-held)
	echo "resynced $((r1 - r0)) KiB of $size under writes; resync KiB put off for writes in flight: $deferred; answers held on pg2: $held" >&3
	md5_both_equal
	run vm_run pg1 "$(fio_job $seed --verify_only) >/tmp/fio-verify.out 2>&1; echo \$?"
	[ "$output" = 0 ] || { vm_run pg1 "cat /tmp/fio-verify.out"; false; }
	run vm_run pg1 "$RBLKADM verify pg --wait"
	assert_status 0
	assert_output_has "no block differs"
}

# bats test_tags=long
@test "the link cut during a Primary's resync: the new disk goes, the Primary is served again; attached once more, it is UpToDate" {
	primary_served_fresh_disk
	mark
	attach_primary
	vm_wait pg1 60 "[ \"\$($(st sync-done-kib))\" -ge 4096 ]"
	vm_link pg2 down
	vm_wait pg1 60 "[ \"\$($(st disk))\" = Diskless ]"
	[ "$(stat_of pg1 role)" = Primary ]
	run vm_run pg1 "$(since_mark)"
	assert_output_has "the connection ended before this Primary's new disk was resynced"
	run vm_run pg1 "dd if=/dev/urandom of=/dev/rblk0 bs=4k count=1 seek=64 oflag=direct status=none"
	[ "$status" -ne 0 ] || { echo "a write without a disk or a peer succeeded"; false; }
	vm_link pg2 up
	wait_conn pg1 Connected 120
	run vm_run pg1 "$(st disk); $(st role); $(st peer-disk)"
	[ "$output" = Diskless$'\n'Primary$'\n'UpToDate ] || { echo "$output"; false; }
	run vm_run pg1 "dd if=/dev/urandom of=/dev/rblk0 bs=1M count=1 seek=80 oflag=direct status=none"
	assert_status 0
	attach_primary
	resynced
	md5_both_equal
	vm_run pg1 "$RBLKADM secondary pg"
}

# bats test_tags=long
@test "the new disk fails during its resync: Diskless again, the Primary served; mended, attached once more, UpToDate" {
	primary_served_fresh_disk
	mark
	attach_primary
	vm_wait pg1 60 "[ \"\$($(st sync-done-kib))\" -ge 4096 ]"
	vm_run pg1 "$(dm_fail)"
	vm_wait pg1 60 "[ \"\$($(st disk))\" = Diskless ]"
	[ "$(stat_of pg1 role)" = Primary ]
	[[ "$(stat_of pg1 disk-error)" =~ ^(write|read|flush)\ error\ at\ sector\ [0-9]+\ of\ $RBLK_DISK\ \(-5\)$ ]] ||
		{ stat_of pg1 disk-error; false; }
	wait_conn pg1 Connected 120
	run vm_run pg1 "$(st disk); $(st role); $(st peer-disk)"
	[ "$output" = Diskless$'\n'Primary$'\n'UpToDate ] || { echo "$output"; false; }
	run vm_run pg1 "dd if=/dev/urandom of=/dev/rblk0 bs=1M count=1 seek=80 oflag=direct status=none"
	assert_status 0
	vm_run pg1 "$(dm_linear /dev/vda)"
	attach_primary
	resynced
	md5_both_equal
	[ "$(stat_of pg1 disk-error)" = null ]
	vm_run pg1 "$RBLKADM secondary pg"
}

# bats test_tags=long
@test "a Primary without a serving peer takes no disk" {
	primary_served_fresh_disk
	vm_run pg2 "$RBLKADM disconnect pg"
	wait_conn pg1 Connecting
	run vm_run pg1 "$RBLKADM attach pg"
	[ "$status" -ne 0 ] || { echo "$output"; false; }
	assert_output_has "attach: pg is Primary and no UpToDate peer serves it"
	[ "$(stat_of pg1 disk)" = Diskless ]
	vm_run pg2 "$RBLKADM connect pg"
	wait_conn pg1 Connected 60
	attach_primary
	resynced
	md5_both_equal
	vm_run pg1 "$RBLKADM secondary pg"
}

# adjust does what attach does here: the configured disk is missing, and
# the running state says the Primary is served (user/plan.c).
# bats test_tags=long
@test "adjust on a served Primary attaches its disk the same way" {
	primary_served_fresh_disk
	run vm_run pg1 "$RBLKADM adjust pg"
	assert_status 0
	run vm_run pg1 "$(st role); $(st disk); $(st connection)"
	[[ "$output" == Primary$'\n'@(Inconsistent$'\n'SyncTarget|UpToDate$'\n'Connected) ]] ||
		{ echo "$output"; false; }
	resynced
	md5_both_equal
	vm_run pg1 "$RBLKADM secondary pg"
}

# The device keeps its size (it is in use): a new disk must give at least
# that much (its data area, within size), and takes that size if it
# gives more. Here the device is 100 MiB (size 100M on fresh disks: not
# reseed's, whose generation says the whole data area holds data); pg1's
# disk made 64 MiB is refused, its whole 128 MiB (131032 KiB of data
# area) is taken at 102400 KiB.
@test "a Primary's new disk smaller than the device is refused; a larger one takes the device's size" {
	for n in pg1 pg2; do
		rblk_write_config $n "verify-alg sha256;" "resync-rate 8M; c-plan-ahead 0; size 100M;"
		vm_run $n "$RBLKADM down pg && $RBLKADM create-md --force pg >/dev/null"
	done
	for n in pg1 pg2; do
		vm_run $n "$RBLKADM up pg"
	done
	wait_conn pg1 Connected
	vm_run pg1 "$RBLKADM primary --force pg"
	run vm_run pg1 "$RBLKADM wait-sync pg --timeout 120"
	assert_status 0
	[ "$(stat_of pg1 size-kib)" = 102400 ]
	run vm_run pg1 "$RBLKADM detach pg"
	assert_status 0
	run vm_run pg1 "$(st disk); $(st role); $(st connection); $(st peer-disk)"
	[ "$output" = Diskless$'\n'Primary$'\n'Connected$'\n'UpToDate ] || { echo "$output"; false; }
	rblk_write_config pg1 "verify-alg sha256;" "resync-rate 8M; c-plan-ahead 0;"
	vm_run pg1 "dmsetup remove rdata && dmsetup create rdata --table '0 $((64 * 2048)) linear /dev/vda 0' &&
		$RBLKADM create-md --force pg >/dev/null"
	run vm_run pg1 "$RBLKADM attach pg"
	[ "$status" -ne 0 ] || { echo "$output"; false; }
	assert_output_has "the disk is smaller than the device (its data area, within size): give it a larger disk"
	run vm_run pg1 "$(st disk); $(st role); $(st connection)"
	[ "$output" = Diskless$'\n'Primary$'\n'Connected ] || { echo "$output"; false; }
	vm_run pg1 "dmsetup remove rdata && $(dm_linear /dev/vda) && $RBLKADM create-md --force pg >/dev/null"
	attach_primary
	resynced
	run vm_run pg1 "$(st size-kib); $(st disk-size-kib)"
	[ "$output" = 102400$'\n'131032 ] || { echo "$output"; false; }
	md5_both_equal
	vm_run pg1 "$RBLKADM secondary pg"
	for n in pg1 pg2; do
		rblk_write_config $n "verify-alg sha256;" "resync-rate 8M; c-plan-ahead 0;"
	done
}
