#!/usr/bin/env bats
# SPDX-License-Identifier: (GPL-2.0 OR MIT)
# A Secondary's backing disk that fails (on-io-error detach, the default;
# kmod/ioerr.c): a write or read error takes its disk Failed, then
# Diskless, and the Secondary stays connected; the Primary's writes go on
# without an error and are marked; the operator's new disk (create-md,
# attach) is resynced in full, the same disk back after a transient
# failure by bitmap. A Primary's disk that fails while its peer is
# connected and UpToDate goes too: the Primary stays Primary, Diskless,
# served by the peer, and no write of its application fails. A read error
# on the Primary's disk is served by the peer and the block written back
# (kmod/req.c). The disk of either node
# is a device-mapper device over its /dev/vda whose table the test swaps
# for an error target (or over a scsi_debug disk with a bad sector);
# pg2's replacement disk is its /dev/vdb.
# Needs: the qemu harness (two guests on one link), rblk.ko, fio, dmsetup,
# the kernel's scsi_debug module.
#
# What it checks, in detail (kmod/ioerr.c, user/status.c, rblkadm attach):
#  - status --json of the node whose disk failed has "disk-error", a
#    string, from the error until a disk is attached again; without an
#    error the field is absent (jq prints null). Its form is
#    "<op> error at sector <N>[ of <backing disk>] (<errno>)": op "write"
#    or "flush" for an error under writes, "read" for one under a read,
#    N the backing disk's sector of the failed I/O (for a write, inside
#    the range written), errno -5 (dm's error target).
#  - text status has the same string as "disk-error:<string>".
#  - the failed Secondary's "disk" becomes Diskless (within 60 s), its role
#    stays Secondary, and its "connection" is (or is again) Connected;
#    "rblkadm dstate pg" prints a word that starts with "Diskless" (rblkadm
#    prints the local/peer pair, "Diskless/UpToDate").
#  - its kernel log says "detached /dev/mapper/rdata after an I/O error".
#  - the Primary shows "peer-disk" Diskless and "connection" Connected;
#    no write of its application fails: fio and dd end with status 0,
#    "io-errors" stays 0 and its kernel log has no "error, dev rblk0"
#    line; each write after the failure is marked ("out-of-sync-kib"),
#    and nothing outside what was written.
#  - "rblkadm attach pg" on the connected Secondary whose disk failed
#    ends with 0 (it disconnects, attaches, connects again).
#  - a fresh disk (create-md on a disk without any signature, no
#    --force) is resynced in full: the target's "resynced-kib" grows by
#    at least "size-kib"; the same disk back resyncs only what was marked
#    (the source's "resynced-kib" grows by 8192..9011 KiB for 8 MiB).
#  - on-io-error call-local-io-error (pg2's from its up, pg1's set live
#    by "adjust": "adjust -d" prints "disk-options minor=0
#    on-io-error=call-local-io-error" first, nothing once applied): the
#    local-io-error handler logs "local-io-error pg 0" exactly once on
#    pg2 for all the errors of 8 MiB of writes, and the kernel log says
#    once "local-io-error handler started"; pg1, whose disk is fine, logs
#    nothing; the line taken out, "adjust -d" prints "disk-options
#    minor=0 on-io-error=detach", then nothing. On a Primary whose write
#    failed the handler runs once, and not again for its disk's later
#    errors.
#  - a 512-byte write from pg1 (512-byte disk) to pg2 on a disk of
#    4096-byte logical blocks (scsi_debug sector_size=4096 under the dm
#    device): dd ends 0 on pg1, its io-errors stays 0 and it marks at
#    least 4 KiB; pg2 goes StandAlone, its kernel log and "last-error"
#    say "protocol error from peer pg1: it wrote 512 bytes at sector
#    8193, not in whole 4096-byte blocks of this disk"; "rblkadm connect"
#    on pg2, and pg1 resyncs at least 4 KiB (out-of-sync 0, peer
#    UpToDate); pg2 stays UpToDate with no disk-error and no
#    local-io-error; md5 of both data areas equal.
#  - the Primary's disk failing under fio (pg2 connected, UpToDate): its
#    "disk" becomes Diskless within 60 s while "role" stays Primary,
#    "connection" Connected and "peer-disk" UpToDate; "disk-error" is
#    "<write|flush> error at sector <N> of /dev/mapper/rdata (-5)"; its
#    kernel log says "detached /dev/mapper/rdata after an I/O error; this
#    Primary's reads and writes go to pg2 now"; pg2's peer-disk becomes
#    Diskless and its log says "pg1's disk failed: new generation"; fio
#    ends 0 with "err= 0", io-errors stays 0, no "error, dev rblk0"; at
#    least 1 MiB written after the detach; fio's verify pass on pg1 (every
#    block read from pg2) finds nothing; pg2 disconnected, a read on pg1
#    fails; connected again, pg1 is Connected, Diskless, Primary with pg2
#    UpToDate, and fio's verify finds nothing again, a 1 MiB write
#    succeeds; the handler logged once; pg2 disconnected, "rblkadm
#    attach pg" on the Primary fails with "attach: pg is Primary and no
#    UpToDate peer serves it", pg1 still Diskless (a served Primary's
#    attach: tests/vm/57-primary-attach.bats); connected again,
#    demoted, not promotable ("refusing to become Primary: the local
#    disk is Diskless, not UpToDate"),
#    the same disk back resynced in full (pg2's resynced-kib grows by at
#    least size-kib), no disk-error, md5 equal, fio's verify from pg1's
#    own disk finds nothing.
#  - the serving Secondary of a Primary detached by "rblkadm detach":
#    its own detach, "invalidate", "new-current-uuid" and "attach" end
#    non-zero with the kernel's reasons ("the peer is Primary without a
#    disk: this disk serves it" / "this node's data serves it" / "it
#    connects again only to this generation"; "attach: pg has a disk
#    attached already (/dev/mapper/rdata, UpToDate)"), and it stays
#    UpToDate and Connected.
#  - a verify led by the Primary while the Secondary's disk fails reads:
#    the Secondary's disk fails (a read error); "verify --wait" on the
#    Primary ends within 120 s with a status other than 0; the Primary's
#    "last-verify-stopped" is true and its text status has "stopped at
#    sector" (the verify summary).
#  - a read error on the Primary's UpToDate disk (a scsi_debug disk, its
#    medium error on sectors 8192..8199) with an UpToDate peer: the reader
#    gets the peer's data without an error; "read-retries" and "healed"
#    count it, "io-errors" stays 0, no "disk-error"; the kernel log says
#    "read error at sector 8192 (<errno>): served by pg2 and written back
#    here"; the disk, read without the fault, has the peer's copy of the
#    blocks (they were made wrong before, then read through rblk with
#    O_DIRECT). Without a connected peer the
#    reader gets an error, "disk-error" is "read error at sector 8192 of
#    /dev/mapper/rdata (<errno>)" and the log says "not retried on the
#    peer: no UpToDate peer is connected".
#  - on-io-error pass_on on both nodes (sectors of the dm device swapped
#    for an error target, the rest linear): pg1 Primary, its 4 KiB write
#    at 4 MiB fails with dd's "Input/output error", one at 8 MiB does
#    not; pg1 stays UpToDate, Primary, Connected, io-errors 1, 4 KiB
#    marked, "disk-error" the write at sector 8192, and its log says
#    "stays attached after an I/O error"; a read of that marked block
#    fails (io-errors 2), a read of the next failing block is pg2's copy
#    (md5), read-retries >= 1; mended and connected again, resynced
#    (out-of-sync 0, md5 equal). pg2's sectors 8192..8199 fail: pg1's
#    write there succeeds (io-errors unchanged); pg2 logs "lacks a write
#    of pg1: Outdated" and "disk UpToDate -> Outdated (a write of the
#    peer failed here)", then goes StandAlone with "last-error"
#    "on-io-error pass_on: an I/O error of ... during a resync or
#    verify (the kernel log says where): the connection to pg1 stops,
#    ...", Inconsistent, and
#    refuses "primary" (output names Inconsistent); mended and
#    connected, UpToDate and equal. A verify led by pg1 whose read fails
#    on pg2 (sector 16384): "verify --wait" ends non-zero within 120 s,
#    pg2 StandAlone with that last-error, still UpToDate, its log says
#    "read error at sector 16384", pg1's last-verify-stopped true.
#  - a Primary without its disk (detach, served by pg2) whose link is
#    cut (pg2's eth0 down) with a 4 KiB write issued after the cut: the
#    write fails; pg1 leaves Connected and, the link back, goes
#    StandAlone with "last-error" "this node is Primary without a usable
#    disk, and pg2 is not the UpToDate Secondary that served it since
#    ...; refusing to connect. ..." (still Diskless, Primary); pg2 goes
#    StandAlone too ("pg1 is Primary without a usable disk; refusing to
#    connect"), UpToDate. pg1 Secondary: "rblkadm connect" fails with
#    "connect: minor 0 has no disk: a node connects with its disk";
#    pg2 connects, "rblkadm adjust pg" on pg1 attaches and connects,
#    resynced in full, md5 equal.
#  - on-io-error pass_on on both nodes, pg1 Primary: its failed 4 KiB
#    write fails and the disk stays (UpToDate); the configuration back
#    to detach and "rblkadm adjust pg" on pg1 (status 0): the kept disk
#    goes now, Diskless, Primary, Connected, "disk-error" the write at
#    sector 8192, its log "detached /dev/mapper/rdata after an I/O error;
#    this Primary's reads and writes go to pg2 now", a 1 MiB write
#    succeeds; once Secondary, mended, the disk back resynced in full.
#    pass_on again, pg1 Primary, its metadata area (from the end of its
#    data area to the end of the disk) failing: a 4 KiB write at 96 MiB
#    (an extent the activity log does not hold) succeeds, pg1 goes
#    Diskless, Primary, Connected, io-errors unchanged, "disk-error" a write in
#    the metadata area, the same log line; resynced in full once back.

# A linear device-mapper target over /dev/vda on both nodes (tests/lib/
# rblk.bash: dm_linear, dm_fail, reseed).
RBLK_DISK=/dev/mapper/rdata

load ../lib/vm
load ../lib/rblk

setup_file() {
	vm_setup_run
	vm_start pg1 --no-wait --disk "$(vm_disk pg1 128M)" --net l1 --ip 10.0.0.1/24
	# pg2's second disk stands for the disk the operator puts in.
	vm_start pg2 --no-wait --disk "$(vm_disk pg2 128M)" --disk "$(vm_disk pg2new 128M)" \
		--net l1 --ip 10.0.0.2/24
	vm_wait_up pg1 pg2
	for n in pg1 pg2; do
		vm_run $n "$(dm_linear /dev/vda)"
		rblk_write_config $n "verify-alg sha256;"
		rblk_load $n
	done
}

teardown() {
	vm_teardown
}

teardown_file() {
	vm_teardown_all
}


# Lines of pg1's kernel log since the mark that say an I/O of /dev/rblk0
# failed (the block layer's "I/O error, dev rblk0, sector ...").
rblk0_errors() {
	vm_run pg1 "$(since_mark) | grep -c 'error, dev rblk0' || true"
}

# pg2's disk error as its status gives it, left in $disk_error, checked
# against the regex $1; the text status says the same.
disk_error_is() {
	disk_error=$(stat_of pg2 disk-error)
	[[ "$disk_error" =~ $1 ]] || { echo "disk-error: '$disk_error', expected /$1/"; return 1; }
	run vm_run pg2 "$RBLKADM status pg"
	assert_output_has "disk-error:$disk_error"
}

# pg2 has let go of its disk, and is still pg1's connected Secondary
# (the connection may have been made again meanwhile).
pg2_diskless() {
	vm_wait pg2 60 "[ \"\$($(st disk))\" = Diskless ]"
	wait_conn pg2 Connected 60
	[ "$(stat_of pg2 role)" = Secondary ]
	vm_wait pg1 60 "[ \"\$($(st connection))\" = Connected ] && [ \"\$($(st peer-disk))\" = Diskless ]"
}

# on-io-error call-local-io-error on $@, with a local-io-error handler that
# logs its event, resource and minor (reseed clears the log); without
# "on", back to the file's default configuration.
io_error_handler() {
	local n on=$1
	shift
	for n; do
		if [ "$on" = on ]; then
			RBLK_HANDLERS_EXTRA='local-io-error "echo $RBLK_EVENT $RBLK_RESOURCE $RBLK_MINOR >> /tmp/rblk-handlers.log";' \
				rblk_write_config $n "verify-alg sha256;" "on-io-error call-local-io-error;"
		else
			rblk_write_config $n "verify-alg sha256;"
		fi
	done
}

cat_handlers() {
	vm_run $1 "cat /tmp/rblk-handlers.log" || true
}

# Guest command: the lines the local-io-error handler logged.
lioe_lines() {
	echo "cat /tmp/rblk-handlers.log 2>/dev/null | grep -c '^local-io-error pg 0\$' || true"
}

# pg2 attaches its disk again (a connected resource: rblkadm disconnects,
# attaches and connects) and is resynced; both UpToDate, nothing marked,
# the disk error gone.
reattach() {
	run vm_run pg2 "$RBLKADM attach pg"
	assert_status 0
	run vm_run pg2 "$RBLKADM wait-sync pg --timeout 300"
	assert_status 0
	wait_conn pg1 Connected 60
	vm_wait pg1 30 "[ \"\$($(st disk))\" = UpToDate ] && [ \"\$($(st peer-disk))\" = UpToDate ] && [ \"\$($(st out-of-sync-kib))\" = 0 ]"
	run vm_run pg2 "$(st disk); $(st connection); $(st disk-error)"
	[ "${lines[0]}" = UpToDate ] || { echo "$output"; false; }
	[ "${lines[1]}" = Connected ] || { echo "$output"; false; }
	[ "${lines[2]}" = null ] || { echo "$output"; false; }
}

# Guest command: sectors $1..$1+$2-1 of $RBLK_DISK fail (EIO) from now
# on, the rest of it stays linear over /dev/vda (a bad region; up to
# the end of the disk, nothing after it).
dm_bad() {
	local name=${RBLK_DISK#/dev/mapper/} end=$(($1 + $2))
	echo "sz=\$(blockdev --getsz $RBLK_DISK) && dmsetup suspend --noflush $name &&
		{ { printf '0 $1 linear /dev/vda 0\n$1 $2 error\n'
		    [ \$sz -le $end ] || printf '$end %s linear /dev/vda $end\n' \$((sz - $end)); } |
		  dmsetup load $name && dmsetup resume $name || { dmsetup resume $name; false; }; }"
}

# "rblkadm $2" on $1 is refused: it ends non-zero, its output has $3.
refused() {
	run vm_run "$1" "$RBLKADM $2"
	[ "$status" -ne 0 ] || { echo "rblkadm $2 on $1 was not refused: $output"; return 1; }
	assert_output_has "$3"
}

# Guest command: md5 of 4 KiB block $2 of $1 (/dev/rblk0 or a backing
# disk), read with O_DIRECT; fails if the read does.
md5_blk() {
	echo "dd if=$1 of=/tmp/blk bs=4k count=1 skip=$2 iflag=direct status=none && md5sum </tmp/blk | cut -d' ' -f1"
}

# $1 (Secondary), whose disk was detached or failed, attaches it again
# ("rblkadm $2 pg", default attach; adjust if it is not connected):
# resynced in full from the other node (its resynced-kib grows by at
# least size-kib), both UpToDate, nothing marked, no disk error, the data
# areas equal.
reattach_full() {
	local n=$1 cmd=${2:-attach} o size r0 r1
	o=$([ "$n" = pg1 ] && echo pg2 || echo pg1)
	size=$(stat_of $o size-kib)
	r0=$(stat_of $o resynced-kib)
	run vm_run $n "$RBLKADM $cmd pg"
	assert_status 0
	run vm_run $n "$RBLKADM wait-sync pg --timeout 300"
	assert_status 0
	vm_wait $o 60 "[ \"\$($(st disk))\" = UpToDate ] && [ \"\$($(st peer-disk))\" = UpToDate ] && [ \"\$($(st out-of-sync-kib))\" = 0 ]"
	r1=$(stat_of $o resynced-kib)
	echo "$n's disk back: $((r1 - r0)) KiB resynced of $size" >&3
	[ $((r1 - r0)) -ge "$size" ]
	[ "$(stat_of $n disk-error)" = null ]
	md5_both_equal
}

# The writes of the first test and their verify pass: 16 MiB in 8 KiB
# blocks at random, each block once (fio's random map), crc32c in each.
# The seed ($1) is new in every run, which is what randrepeat=0 is for
# (data an earlier run left cannot pass for this run's), but given, so
# that the verify pass replays the same blocks (with randrepeat=0 and no
# seed, verify_only would draw other offsets and seeds). More options
# follow the seed.
fio_job() {
	local seed=$1
	shift
	echo "fio --name=w --filename=/dev/rblk0 --size=16M --bs=8k --rw=randwrite \
		--ioengine=libaio --iodepth=16 --direct=1 --verify=crc32c --randseed=$seed $*"
}

# Guest command: fio_job's verify pass on this node, "0" if it found
# nothing (its output in /tmp/fio-verify.out).
fio_verify() {
	echo "$(fio_job "$1" --verify_only) >/tmp/fio-verify.out 2>&1; echo \$?"
}

@test "a Secondary's disk fails under writes: the Primary goes on and marks; a fresh disk is resynced fully" {
	local seed w0 w1 w2 oos size r0 r1
	reseed
	vm_run pg1 "$RBLKADM primary pg"
	mark
	seed=$((RANDOM * 32768 + RANDOM + 1))
	w0=$(stat_of pg1 written-kib)
	# At most 512 KiB/s: 32 s or more for the 16 MiB, so that many of
	# them come after the failure however fast the guest writes (polling
	# the start and failing the disk have taken 13 s; on the debug kernel
	# more than 16 s, hence the rate / VM_TIME_SCALE).
	vm_run pg1 "rm -f /tmp/fio.rc; setsid -f sh -c '$(fio_job $seed --rate=$((512 / VM_TIME_SCALE))k --do_verify=0 --verify_state_save=0) \
		>/tmp/fio.out 2>&1; echo \$? >/tmp/fio.rc' </dev/null >/dev/null 2>&1"
	vm_wait pg1 60 "[ \"\$($(st written-kib))\" -ge $((w0 + 2048)) ]"
	# pg2's disk fails under the writes it receives.
	vm_run pg2 "$(dm_fail)"
	pg2_diskless
	w1=$(stat_of pg1 written-kib)
	disk_error_is '^(write|flush) error at sector [0-9]+( of /dev/mapper/rdata)? \(-5\)$'
	echo "pg2's disk failed after pg1 wrote $((w1 - w0)) KiB: $disk_error" >&3
	run vm_run pg2 "$RBLKADM dstate pg"
	[[ "$output" == Diskless* ]] || { echo "dstate: $output"; false; }
	run vm_run pg2 "$(since_mark)"
	assert_output_has "detached $RBLK_DISK after an I/O error"
	# The writer never saw an error.
	vm_wait pg1 120 "[ -f /tmp/fio.rc ]"
	run vm_run pg1 "cat /tmp/fio.rc"
	[ "$output" = 0 ] || { vm_run pg1 "cat /tmp/fio.out"; false; }
	vm_run pg1 "grep -q 'err= 0:' /tmp/fio.out"
	[ "$(stat_of pg1 io-errors)" = 0 ]
	[ "$(rblk0_errors)" = 0 ] || { vm_run pg1 "$(since_mark) | grep 'error, dev rblk0'"; false; }
	# Every block written after pg2 had let go of its disk is marked
	# (each block once: up to 16 writes of 8 KiB in flight at w1 may have
	# reached pg2's disk before), and nothing beyond the 16 MiB.
	w2=$(stat_of pg1 written-kib)
	oos=$(stat_of pg1 out-of-sync-kib)
	echo "pg1 wrote $((w2 - w1)) KiB after pg2's disk was gone; $oos KiB marked" >&3
	[ $((w2 - w1)) -ge 1024 ] || { echo "the writes ended before pg2's disk failed"; false; }
	[ "$oos" -ge $((w2 - w1 - 256)) ]
	[ "$oos" -le 16384 ]
	[ "$(stat_of pg1 connection)" = Connected ]
	[ "$(stat_of pg1 peer-disk)" = Diskless ]

	# The operator's new disk: pg2's /dev/vdb, full of a pattern rather
	# than zeros, so that a block the resync left out differs.
	vm_run pg2 "tr '\\000' '\\252' </dev/zero | head -c \$(blockdev --getsize64 /dev/vdb) |
		dd of=/dev/vdb bs=1M iflag=fullblock oflag=direct status=none"
	vm_run pg2 "$(dm_linear /dev/vdb)"
	run vm_run pg2 "$RBLKADM create-md pg"
	assert_status 0
	r0=$(stat_of pg2 resynced-kib)
	reattach
	size=$(stat_of pg1 size-kib)
	r1=$(stat_of pg2 resynced-kib)
	echo "the new disk: $((r1 - r0)) KiB resynced, $size KiB of data" >&3
	[ $((r1 - r0)) -ge "$size" ]
	# What fio wrote, read back on the Primary, then on pg2 as Primary
	# (from its new disk).
	run vm_run pg1 "$(fio_verify $seed)"
	[ "$output" = 0 ] || { vm_run pg1 "cat /tmp/fio-verify.out"; false; }
	vm_run pg1 "$RBLKADM secondary pg"
	vm_run pg2 "$RBLKADM primary pg"
	run vm_run pg2 "$(fio_verify $seed)"
	[ "$output" = 0 ] || { vm_run pg2 "cat /tmp/fio-verify.out"; false; }
	vm_run pg2 "$RBLKADM secondary pg"
	md5_both_equal
}

@test "the same disk back after a transient failure: bitmap resync; on-io-error call-local-io-error runs its handler once" {
	local s oos before after n
	# pg2 has the policy from its up; pg1 gets it from adjust, live.
	io_error_handler on pg2
	reseed
	io_error_handler on pg1
	run vm_run pg1 "$RBLKADM adjust -d pg"
	[ "$output" = "disk-options minor=0 on-io-error=call-local-io-error" ] || { echo "$output"; false; }
	vm_run pg1 "$RBLKADM adjust pg"
	run vm_run pg1 "$RBLKADM adjust -d pg"
	[ -z "$output" ] || { echo "the kernel did not keep it: $output"; false; }
	vm_run pg1 "$RBLKADM primary pg"
	mark
	vm_run pg2 "$(dm_fail)"
	# 8 MiB at 64 MiB (sectors 131072..147455): the first of them to
	# reach pg2's disk fails there.
	run vm_run pg1 "timeout 120 dd if=/dev/urandom of=/dev/rblk0 bs=1M count=8 seek=64 oflag=direct status=none; echo \$?"
	[ "$output" = 0 ] || { echo "dd: $output"; false; }
	pg2_diskless
	disk_error_is '^(write|flush) error at sector [0-9]+( of /dev/mapper/rdata)? \(-5\)$'
	echo "pg2's disk failed: $disk_error" >&3
	# The handler, once for all the errors of the 8 MiB; none on pg1.
	vm_wait pg2 30 "[ \$($(lioe_lines)) -ge 1 ]"
	run vm_run pg2 "$(lioe_lines); $(since_mark) | grep -c 'local-io-error handler started'"
	[ "$output" = 1$'\n'1 ] || { cat_handlers pg2; echo "$output"; false; }
	[ "$(vm_run pg1 "$(lioe_lines)")" = 0 ]
	if [[ "$disk_error" == write* ]]; then
		s=${disk_error#write error at sector }
		s=${s%% *}
		[ "$s" -ge 131072 ] || { echo "not a sector written: $disk_error"; false; }
		[ "$s" -lt 147456 ] || { echo "not a sector written: $disk_error"; false; }
	fi
	oos=$(stat_of pg1 out-of-sync-kib)
	[ "$oos" -ge 8192 ] || { echo "$oos KiB marked for 8192 written"; false; }
	[ "$oos" -le 9011 ] || { echo "$oos KiB marked for 8192 written"; false; }
	[ "$(stat_of pg1 io-errors)" = 0 ]
	[ "$(rblk0_errors)" = 0 ]
	# The disk is back as it was (the old table), not written to since
	# the failure: its metadata says what it held, the Primary's bitmap
	# what changed since.
	vm_run pg2 "$(dm_linear /dev/vda)"
	before=$(stat_of pg1 resynced-kib)
	reattach
	after=$(stat_of pg1 resynced-kib)
	echo "the same disk back: $((after - before)) KiB resynced for 8192 KiB written, $(stat_of pg1 size-kib) KiB of data" >&3
	[ $((after - before)) -ge 8192 ]
	[ $((after - before)) -le 9011 ]
	vm_run pg1 "$RBLKADM secondary pg"
	md5_both_equal
	# Taken back by adjust: the default again, and nothing left to do.
	io_error_handler off pg1 pg2
	for n in pg1 pg2; do
		run vm_run $n "$RBLKADM adjust -d pg"
		[ "$output" = "disk-options minor=0 on-io-error=detach" ] || { echo "$n: $output"; false; }
		vm_run $n "$RBLKADM adjust pg"
		run vm_run $n "$RBLKADM adjust -d pg"
		[ -z "$output" ] || { echo "$n: $output"; false; }
	done
}

# 'rblkadm detach' on a connected Secondary (kmod/ioerr.c,
# rblk_disk_detach()): the disk goes as a failed one does, on purpose,
# while the Primary writes: Failed, then Diskless once its last write is
# done, and detach waits for that. No disk-error, no local-io-error
# handler (configured on pg2 here), still connected; the Primary marks
# what it writes from then on, and the same disk attached again is
# resynced by bitmap (the detach wrote the bitmap and flushed the disk
# first). A Primary's detach without its peer connected is refused.
@test "rblkadm detach on a connected Secondary: Diskless without an error or the handler; the Primary marks; attach resyncs what changed; a Primary's detach without its peer is refused" {
	local before after oos
	io_error_handler on pg2
	reseed
	vm_run pg1 "$RBLKADM primary pg"
	vm_run pg2 "$RBLKADM disconnect pg"
	wait_conn pg1 Connecting
	refused pg1 "detach pg" "detach: refused: the device is Primary and no UpToDate peer is connected to serve it"
	assert_output_has "connect the peer and wait for UpToDate"
	[ "$(stat_of pg1 disk)" = UpToDate ]
	vm_run pg2 "$RBLKADM connect pg"
	wait_conn pg1 Connected 60
	mark
	# A writer on pg1 before, during and after pg2's detach: 1 MiB at a
	# time over 32-64 MiB, until told to stop.
	vm_run pg1 "rm -f /tmp/w.stop /tmp/w.rc; setsid -f sh -c 'i=0; while [ ! -e /tmp/w.stop ]; do
		dd if=/dev/urandom of=/dev/rblk0 bs=64k count=16 seek=\$((512 + i % 32 * 16)) oflag=direct status=none ||
		{ echo \$? >/tmp/w.rc; exit; }; i=\$((i + 1)); done; echo 0 >/tmp/w.rc' </dev/null >/dev/null 2>&1"
	vm_wait pg1 30 "[ \"\$($(st written-kib))\" -ge 2048 ]"
	run vm_run pg2 "$RBLKADM detach pg"
	assert_status 0
	# Diskless when detach returns: no wait here.
	run vm_run pg2 "$(st disk); $(st disk-error); $(st connection); $(lioe_lines)"
	[ "$output" = "Diskless"$'\n'"null"$'\n'"Connected"$'\n'"0" ] || { echo "$output"; false; }
	vm_wait pg2 10 "$(since_mark) | grep -q 'rblk0: pg: detached $RBLK_DISK; '"
	# The writer goes on: 2 MiB more after the detach, then stops.
	before=$(stat_of pg1 written-kib)
	vm_wait pg1 60 "[ \"\$($(st written-kib))\" -ge $((before + 2048)) ]"
	vm_run pg1 "touch /tmp/w.stop"
	vm_wait pg1 60 "[ -s /tmp/w.rc ]"
	[ "$(vm_run pg1 "cat /tmp/w.rc")" = 0 ]
	vm_wait pg1 30 "[ \"\$($(st peer-disk))\" = Diskless ]"
	before=$(stat_of pg1 out-of-sync-kib)
	[ "$before" -ge 2048 ] || { echo "$before KiB marked for 2 MiB written after the detach"; false; }
	# 4 MiB at 64 MiB with pg2 Diskless: all marked.
	vm_run pg1 "dd if=/dev/urandom of=/dev/rblk0 bs=64k count=64 seek=1024 oflag=direct status=none"
	oos=$(stat_of pg1 out-of-sync-kib)
	echo "pg2 detached under writes: $before KiB marked by the writer, $oos KiB after 4 MiB more" >&3
	[ $((oos - before)) -ge 4096 ] || { echo "$before -> $oos KiB marked"; false; }
	[ "$(stat_of pg1 io-errors)" = 0 ]
	[ "$(rblk0_errors)" = 0 ]
	before=$(stat_of pg1 resynced-kib)
	reattach
	after=$(stat_of pg1 resynced-kib)
	echo "the same disk back: $((after - before)) KiB resynced for $oos KiB marked, $(stat_of pg1 size-kib) KiB of data" >&3
	[ $((after - before)) -ge "$oos" ]
	[ $((after - before)) -le $((oos + 1024)) ]
	[ "$(vm_run pg2 "$(lioe_lines)")" = 0 ]
	vm_run pg1 "$RBLKADM secondary pg"
	md5_both_equal
	# Both Secondary: pg1 takes the detach for a failed disk and starts
	# a generation (kmod/gen.c): the disk back is resynced in full.
	run vm_run pg2 "$RBLKADM detach pg"
	assert_status 0
	vm_wait pg1 30 "[ \"\$($(st peer-disk))\" = Diskless ]"
	before=$(stat_of pg1 resynced-kib)
	reattach
	after=$(stat_of pg1 resynced-kib)
	[ $((after - before)) -ge "$(stat_of pg1 size-kib)" ] || { echo "$((after - before)) KiB resynced"; false; }
	md5_both_equal
	io_error_handler off pg2
}

# 'rblkadm detach' on a connected Primary that is written meanwhile: the
# disk goes as a failed one does, on purpose (kmod/ioerr.c), and the
# Primary stays Primary, served by pg2, whose own detach is refused while
# it does. No write fails; pg2 starts a generation: the disk back, once
# pg1 is Secondary, is resynced in full.
@test "rblkadm detach on a connected Primary under writes: Diskless, served by its peer, no write fails; the peer's detach, invalidate, new-current-uuid and attach are refused meanwhile; the disk back is resynced in full" {
	local before a b
	reseed
	vm_run pg1 "$RBLKADM primary pg"
	mark
	vm_run pg1 "rm -f /tmp/w.stop /tmp/w.rc; setsid -f sh -c 'i=0; while [ ! -e /tmp/w.stop ]; do
		dd if=/dev/urandom of=/dev/rblk0 bs=64k count=16 seek=\$((512 + i % 32 * 16)) oflag=direct status=none ||
		{ echo \$? >/tmp/w.rc; exit; }; i=\$((i + 1)); done; echo 0 >/tmp/w.rc' </dev/null >/dev/null 2>&1"
	vm_wait pg1 30 "[ \"\$($(st written-kib))\" -ge 2048 ]"
	run vm_run pg1 "$RBLKADM detach pg"
	assert_status 0
	run vm_run pg1 "$(st disk); $(st role); $(st connection); $(st disk-error)"
	[ "$output" = "Diskless"$'\n'"Primary"$'\n'"Connected"$'\n'"null" ] || { echo "$output"; false; }
	vm_wait pg1 10 "$(since_mark) | grep -q 'rblk0: pg: detached $RBLK_DISK; this Primary.s reads and writes go to pg2 now'"
	vm_wait pg2 60 "[ \"\$($(st peer-disk))\" = Diskless ]"
	run vm_run pg2 "$(since_mark)"
	assert_output_has "pg1's disk failed: new generation"
	refused pg2 "detach pg" "detach: refused: the peer is Primary without a disk: this disk serves it"
	# Nor does it throw its data away, start a generation of its own or
	# take another disk in its place meanwhile.
	refused pg2 "invalidate pg" "the peer is Primary without a disk: this node's data serves it"
	refused pg2 "new-current-uuid pg" "the peer is Primary without a disk: it connects again only to this generation"
	refused pg2 "attach pg" "attach: pg has a disk attached already ($RBLK_DISK, UpToDate)"
	[ "$(stat_of pg2 disk)" = UpToDate ]
	[ "$(stat_of pg2 connection)" = Connected ]
	# The writer goes on: 2 MiB more, then stops; nothing failed.
	before=$(stat_of pg1 written-kib)
	vm_wait pg1 60 "[ \"\$($(st written-kib))\" -ge $((before + 2048)) ]"
	vm_run pg1 "touch /tmp/w.stop"
	vm_wait pg1 60 "[ -s /tmp/w.rc ]"
	[ "$(vm_run pg1 "cat /tmp/w.rc")" = 0 ]
	[ "$(stat_of pg1 io-errors)" = 0 ]
	[ "$(rblk0_errors)" = 0 ]
	# What pg1 reads, from pg2, is pg2's disk.
	a=$(vm_run pg1 "dd if=/dev/rblk0 bs=1M count=32 skip=32 iflag=direct status=none | md5sum")
	b=$(vm_run pg2 "dd if=$RBLK_DISK bs=1M count=32 skip=32 iflag=direct status=none | md5sum")
	[ "$a" = "$b" ] || { echo "pg1 reads $a, pg2 has $b"; false; }
	vm_run pg1 "$RBLKADM secondary pg"
	reattach_full pg1
}

@test "a read error on a Secondary's disk detaches it too: the Primary's verify ends" {
	reseed
	vm_run pg1 "$RBLKADM primary pg"
	mark
	vm_run pg2 "$(dm_fail)"
	# pg1 leads: pg2 reads its disk for the digests, and fails.
	run vm_run pg1 "timeout 120 $RBLKADM verify pg --wait"
	echo "$output" >&3
	[ "$status" -ne 124 ] || { echo "the verify did not end within 120 s"; false; }
	[ "$status" -ne 0 ] || { echo "a verify that could not read pg2's disk found everything equal"; false; }
	pg2_diskless
	disk_error_is '^read error at sector [0-9]+( of /dev/mapper/rdata)? \(-5\)$'
	echo "pg2's disk failed: $disk_error" >&3
	run vm_run pg2 "$(since_mark)"
	assert_output_has "detached $RBLK_DISK after an I/O error"
	# The Primary says why the verify stopped: the peer has no disk.
	[ "$(stat_of pg1 last-verify-stopped)" = true ]
	run vm_run pg1 "$RBLKADM status pg"
	assert_output_has "peer-disk:Diskless"
	assert_output_has "stopped at sector"
	vm_run pg2 "$(dm_linear /dev/vda)"
	reattach
	vm_run pg1 "$RBLKADM secondary pg"
	md5_both_equal
}

# What a peer whose disk failed may say (include/rblk/state.h: a side
# without a disk compares nothing; kmod/conn.c: its disk comes back only
# through a new handshake). The hostile peer (tests/tools/hostile-peer.c)
# plays pg2: as a Primary without a disk it is refused; as a Secondary
# without one it is taken, and pg1 marks its writes; a later STATE that
# says its disk is back on the same connection is a protocol error.
@test "hostile peer: a diskless Primary is refused; a disk back without a handshake drops the connection" {
	local oos
	reseed
	vm_run pg2 "$RBLKADM down pg"
	vm_run pg1 "$RBLKADM disconnect pg && $RBLKADM connect pg"
	wait_conn pg1 Connecting
	mark
	run vm_run pg2 "build/tools/hostile-peer --as diskless-primary 10.0.0.1:7788 pg pg2 disk-back"
	[ "$output" = refused ] || { echo "$output"; false; }
	wait_conn pg1 StandAlone
	[[ "$(stat_of pg1 last-error)" == "pg2 is Primary without a usable disk; refusing to connect"* ]] ||
		{ stat_of pg1 last-error; false; }
	# A Secondary without a disk: connected, pg1's writes marked, not sent.
	vm_run pg1 "$RBLKADM connect pg && $RBLKADM primary pg"
	wait_conn pg1 Connecting
	vm_run pg2 "rm -f /tmp/hp.out; setsid -f sh -c 'build/tools/hostile-peer --as diskless 10.0.0.1:7788 pg pg2 disk-back >/tmp/hp.out 2>&1'"
	vm_wait pg2 30 "grep -qx connected /tmp/hp.out"
	vm_wait pg2 30 "grep -qx dropped /tmp/hp.out"
	run vm_run pg2 "cat /tmp/hp.out"
	[ "$output" = "connected"$'\n'"dropped" ] || { echo "$output"; false; }
	run vm_run pg1 "$(since_mark)"
	assert_output_has "protocol error from peer pg2"
	# Writes while pg2 is away are marked, as always: the diskless peer
	# took none of them, and no write failed.
	vm_run pg1 "dd if=/dev/urandom of=/dev/rblk0 bs=1M count=4 oflag=direct status=none"
	oos=$(stat_of pg1 out-of-sync-kib)
	[ "$oos" -ge 4096 ] || { echo "$oos KiB marked"; false; }
	[ "$(stat_of pg1 io-errors)" = 0 ]
	vm_run pg1 "$RBLKADM secondary pg"
	vm_run pg2 "$RBLKADM up pg"
	wait_conn pg1 Connected 120
	vm_run pg2 "$RBLKADM wait-sync pg --timeout 300"
	md5_both_equal
}

# A Primary whose disk fails while its peer is connected and UpToDate
# (kmod/ioerr.c): the disk goes and the Primary stays Primary, served by
# pg2: no write of the application fails (fio's, before, during and
# after; a write that failed on pg1's disk stands on pg2's ACK) and its
# reads come from pg2. pg2 starts a generation that makes the disk's
# return a full resync; without pg2 no disk comes back to the Primary.
@test "a Primary's disk fails under writes: Diskless and served by its peer, no write fails, local-io-error runs once; once Secondary, the same disk back is resynced in full" {
	local seed w0 w1 w2 err
	io_error_handler on pg1
	reseed
	vm_run pg1 "$RBLKADM primary pg"
	mark
	seed=$((RANDOM * 32768 + RANDOM + 1))
	w0=$(stat_of pg1 written-kib)
	# As in the first test: many of the 16 MiB come after the failure.
	vm_run pg1 "rm -f /tmp/fio.rc; setsid -f sh -c '$(fio_job $seed --rate=$((512 / VM_TIME_SCALE))k --do_verify=0 --verify_state_save=0) \
		>/tmp/fio.out 2>&1; echo \$? >/tmp/fio.rc' </dev/null >/dev/null 2>&1"
	vm_wait pg1 60 "[ \"\$($(st written-kib))\" -ge $((w0 + 2048)) ]"
	vm_run pg1 "$(dm_fail)"
	vm_wait pg1 60 "[ \"\$($(st disk))\" = Diskless ]"
	w1=$(stat_of pg1 written-kib)
	run vm_run pg1 "$(st role); $(st connection); $(st peer-disk)"
	[ "$output" = "Primary"$'\n'"Connected"$'\n'"UpToDate" ] || { echo "$output"; false; }
	err=$(stat_of pg1 disk-error)
	[[ "$err" =~ ^(write|flush)\ error\ at\ sector\ [0-9]+\ of\ /dev/mapper/rdata\ \(-5\)$ ]] || { echo "disk-error: $err"; false; }
	echo "pg1's disk failed after it wrote $((w1 - w0)) KiB: $err" >&3
	run vm_run pg1 "$(since_mark)"
	assert_output_has "detached $RBLK_DISK after an I/O error; this Primary's reads and writes go to pg2 now"
	vm_wait pg2 60 "[ \"\$($(st peer-disk))\" = Diskless ] && [ \"\$($(st disk))\" = UpToDate ]"
	run vm_run pg2 "$(since_mark)"
	assert_output_has "pg1's disk failed: new generation"
	# The writer never saw an error, and wrote on after the detach.
	vm_wait pg1 120 "[ -f /tmp/fio.rc ]"
	run vm_run pg1 "cat /tmp/fio.rc"
	[ "$output" = 0 ] || { vm_run pg1 "cat /tmp/fio.out"; false; }
	vm_run pg1 "grep -q 'err= 0:' /tmp/fio.out"
	[ "$(stat_of pg1 io-errors)" = 0 ]
	[ "$(rblk0_errors)" = 0 ] || { vm_run pg1 "$(since_mark) | grep 'error, dev rblk0'"; false; }
	w2=$(stat_of pg1 written-kib)
	echo "pg1 wrote $((w2 - w1)) KiB without its disk" >&3
	[ $((w2 - w1)) -ge 1024 ] || { echo "the writes ended before pg1's disk failed"; false; }
	# Every block fio wrote, read back on pg1 from pg2.
	run vm_run pg1 "$(fio_verify $seed)"
	[ "$output" = 0 ] || { vm_run pg1 "cat /tmp/fio-verify.out"; false; }
	[ "$(stat_of pg1 io-errors)" = 0 ]
	# The connection lost: no data anywhere for pg1. Made again, pg1
	# goes on through pg2 (it gives pg2's new generation as its own).
	vm_run pg2 "$RBLKADM disconnect pg"
	wait_conn pg1 Connecting
	run vm_run pg1 "dd if=/dev/rblk0 of=/dev/null bs=4k count=1 iflag=direct status=none"
	[ "$status" -ne 0 ] || { echo "a read without a disk or a peer succeeded"; false; }
	vm_run pg2 "$RBLKADM connect pg"
	wait_conn pg1 Connected 60
	run vm_run pg1 "$(st disk); $(st role); $(st peer-disk)"
	[ "$output" = "Diskless"$'\n'"Primary"$'\n'"UpToDate" ] || { echo "$output"; false; }
	run vm_run pg1 "$(fio_verify $seed)"
	[ "$output" = 0 ] || { vm_run pg1 "cat /tmp/fio-verify.out"; false; }
	# Flushed: a write acknowledged but not flushed there when the
	# connection ends keeps pg1 from pg2 (below, pg2 disconnects).
	vm_run pg1 "dd if=/dev/urandom of=/dev/rblk0 bs=1M count=1 seek=20 oflag=direct conv=fsync status=none"
	# The handler ran once, for the first error.
	vm_wait pg1 30 "[ \$($(lioe_lines)) -ge 1 ]"
	[ "$(vm_run pg1 "$(lioe_lines)")" = 1 ]
	io_error_handler off pg1
	# Without its serving peer no disk comes back to a Primary (with it,
	# one does: tests/vm/57-primary-attach.bats).
	vm_run pg2 "$RBLKADM disconnect pg"
	wait_conn pg1 Connecting
	refused pg1 "attach pg" "attach: pg is Primary and no UpToDate peer serves it"
	[ "$(stat_of pg1 disk)" = Diskless ]
	vm_run pg2 "$RBLKADM connect pg"
	wait_conn pg1 Connected 60
	run vm_run pg1 "$RBLKADM secondary pg"
	assert_status 0
	# Not promoted while its disk is gone; pg2 is.
	refused pg1 "primary pg" "refusing to become Primary: the local disk is Diskless, not UpToDate"
	vm_run pg2 "$RBLKADM primary pg"
	vm_run pg2 "dd if=/dev/urandom of=/dev/rblk0 bs=1M count=2 seek=16 oflag=direct status=none"
	vm_run pg2 "$RBLKADM secondary pg"
	# The same disk back: in full, whatever its metadata says.
	vm_run pg1 "$(dm_linear /dev/vda)"
	reattach_full pg1
	# fio's blocks, now from pg1's own disk.
	vm_run pg1 "$RBLKADM primary pg"
	run vm_run pg1 "$(fio_verify $seed)"
	[ "$output" = 0 ] || { vm_run pg1 "cat /tmp/fio-verify.out"; false; }
	vm_run pg1 "$RBLKADM secondary pg"
}

@test "a read error on the Primary's disk: served by the peer and written back (a bad sector heals); without the peer, the reader's error" {
	local bad=8192 sd want
	vm_run pg1 "modinfo scsi_debug >/dev/null 2>&1" || skip "this kernel has no scsi_debug module"
	# pg1's disk: a scsi_debug disk whose sectors 8192..8199 (4 MiB in)
	# fail reads once sdebug_faulty 1 (tests/lib/rblk.bash).
	vm_run pg1 "$(sdebug_create $bad)"
	sd=$(vm_run pg1 "cat /tmp/sdebug")
	reseed "$sd"
	vm_run pg1 "$RBLKADM primary pg"
	mark
	# 1 MiB from 4 MiB on, on both disks.
	vm_run pg1 "dd if=/dev/urandom of=/dev/rblk0 bs=4k count=256 seek=1024 oflag=direct status=none"
	want=$(vm_run pg2 "dd if=$RBLK_DISK bs=4k count=256 skip=1024 iflag=direct status=none | md5sum")
	# pg1's copy of the bad sectors wrong behind rblk's back, then
	# unreadable: only a write-back of pg2's copy makes it right again.
	vm_run pg1 "dd if=/dev/zero of=$RBLK_DISK bs=512 count=8 seek=$bad oflag=direct status=none && $(sdebug_faulty 1)"
	run vm_run pg1 "dd if=$RBLK_DISK of=/dev/null bs=512 count=8 skip=$bad iflag=direct status=none"
	[ "$status" -ne 0 ] || { echo "the bad sectors read"; false; }
	# Through rblk: no error, pg2's data.
	run vm_run pg1 "dd if=/dev/rblk0 of=/tmp/r bs=4k count=256 skip=1024 iflag=direct status=none && md5sum </tmp/r"
	assert_status 0
	[ "$output" = "$want" ] || { echo "read $output, pg2 has $want"; false; }
	[ "$(stat_of pg1 read-retries)" -ge 1 ]
	[ "$(stat_of pg1 healed)" -ge 1 ]
	[ "$(stat_of pg1 io-errors)" = 0 ]
	[ "$(stat_of pg1 disk-error)" = null ]
	[ "$(stat_of pg1 disk)" = UpToDate ]
	[ "$(rblk0_errors)" = 0 ]
	run vm_run pg1 "$(since_mark)"
	assert_output_has "read error at sector $bad ("
	assert_output_has "served by pg2 and written back here"
	# The write-back is on pg1's disk: with the fault off, it reads as
	# pg2's copy.
	vm_run pg1 "$(sdebug_faulty 0)"
	run vm_run pg1 "dd if=$RBLK_DISK bs=4k count=256 skip=1024 iflag=direct status=none | md5sum"
	[ "$output" = "$want" ] || { echo "pg1's disk has $output, pg2's $want"; false; }
	# Without the peer, the reader gets the disk's error, and the disk has
	# had one (a Primary without an UpToDate peer keeps it, kmod/ioerr.c).
	vm_run pg1 "$(sdebug_faulty 1)"
	vm_run pg2 "$RBLKADM disconnect pg"
	vm_wait pg1 60 "[ \"\$($(st peer-disk))\" != UpToDate ]"
	run vm_run pg1 "dd if=/dev/rblk0 of=/dev/null bs=4k count=1 skip=1024 iflag=direct status=none"
	[ "$status" -ne 0 ] || { echo "the read did not fail"; false; }
	[[ "$(stat_of pg1 disk-error)" =~ ^read\ error\ at\ sector\ $bad\ of\ /dev/mapper/rdata\ \(-[0-9]+\)$ ]] || { stat_of pg1 disk-error; false; }
	[ "$(stat_of pg1 io-errors)" = 1 ]
	run vm_run pg1 "$(since_mark)"
	assert_output_has "read error at sector $bad, not retried on the peer: no UpToDate peer is connected"
	vm_run pg1 "$(sdebug_faulty 0)"
}

# A peer's write this disk cannot take as it is (kmod/recv.c): pg2's disk
# has 4096-byte logical blocks, pg1's 512. A 512-byte write would fail in
# pg2's block layer, an error that is not the disk's; refused while the
# connection goes on, it would leave pg2 UpToDate without it. The
# connection goes instead (a protocol error): pg2 keeps its disk, with no
# disk error and no local-io-error, pg1 marks the write as for any peer
# lost, and pg2 stays StandAlone (every such write would end the next
# connection). Connected again by hand, the resync, in whole 4 KiB
# blocks, makes the two copies equal.
@test "a write not in whole blocks of the Secondary's disk (4096-byte sectors, the Primary's 512): the connection goes for good, not the disk; the resync after a connect makes the copies equal" {
	local r0 r1
	vm_run pg2 "modinfo scsi_debug >/dev/null 2>&1" || skip "this kernel has no scsi_debug module"
	io_error_handler on pg2
	reseed
	vm_run pg2 "$RBLKADM down pg && dmsetup remove ${RBLK_DISK#/dev/mapper/} && $(sdebug_create 0 4096) &&
		$(dm_linear '$(cat /tmp/sdebug)') && [ \$(blockdev --getss $RBLK_DISK) = 4096 ] &&
		blkdiscard -f -z $RBLK_DISK && $RBLKADM create-md --force pg >/dev/null &&
		$RBLKADM set-gi pg 3000:0:0:0:consistent,was-up-to-date >/dev/null && $RBLKADM up pg"
	wait_conn pg1 Connected
	vm_run pg1 "$RBLKADM primary pg"
	r0=$(stat_of pg1 resynced-kib)
	mark
	run vm_run pg1 "dd if=/dev/urandom of=/dev/rblk0 bs=512 count=1 seek=8193 oflag=direct status=none"
	assert_status 0
	wait_conn pg2 StandAlone 60
	run vm_run pg2 "$(since_mark)"
	assert_output_has "protocol error from peer pg1: it wrote 512 bytes at sector 8193, not in whole 4096-byte blocks of this disk"
	[[ "$(stat_of pg2 last-error)" == "protocol error from peer pg1: it wrote 512 bytes at sector 8193, not in whole 4096-byte blocks of this disk"* ]] ||
		{ stat_of pg2 last-error; false; }
	[ "$(stat_of pg1 io-errors)" = 0 ]
	[ "$(stat_of pg1 out-of-sync-kib)" -ge 4 ]
	# Connected again, resynced from pg1's bitmap.
	vm_run pg2 "$RBLKADM connect pg"
	vm_wait pg1 120 "[ \"\$($(st connection))\" = Connected ] && [ \"\$($(st peer-disk))\" = UpToDate ] && [ \"\$($(st out-of-sync-kib))\" = 0 ]"
	r1=$(stat_of pg1 resynced-kib)
	[ $((r1 - r0)) -ge 4 ] || { echo "resynced $((r1 - r0)) KiB"; false; }
	run vm_run pg2 "$(st disk); $(st disk-error); $(lioe_lines)"
	[ "$output" = "UpToDate"$'\n'"null"$'\n'0 ] || { echo "$output"; false; }
	vm_run pg1 "$RBLKADM secondary pg"
	md5_both_equal
	io_error_handler off pg2
	vm_run pg2 "$RBLKADM down pg && dmsetup remove ${RBLK_DISK#/dev/mapper/} && rmmod scsi_debug && $(dm_linear /dev/vda)"
}

@test "on-io-error pass_on: the disk stays; a Primary's failed write reaches the application, marked; a read is served by the peer unless marked; a Secondary that missed a write goes Outdated; a resync or verify that fails there ends the connection for good" {
	local n peer
	for n in pg1 pg2; do
		rblk_write_config $n "verify-alg sha256;" "on-io-error pass_on;"
	done
	reseed
	vm_run pg1 "$RBLKADM primary pg"
	mark
	# The Primary's sectors 8192..8207 (8 KiB at 4 MiB) fail.
	vm_run pg1 "$(dm_bad 8192 16)"
	run vm_run pg1 "dd if=/dev/urandom of=/dev/rblk0 bs=4k count=1 seek=1024 oflag=direct status=none"
	[ "$status" -ne 0 ] || { echo "the write did not fail"; false; }
	assert_output_has "Input/output error"
	run vm_run pg1 "dd if=/dev/urandom of=/dev/rblk0 bs=4k count=1 seek=2048 oflag=direct status=none"
	assert_status 0
	run vm_run pg1 "$(st disk); $(st role); $(st connection); $(st peer-disk); $(st disk-error); $(st io-errors); $(st out-of-sync-kib)"
	[ "$output" = "UpToDate"$'\n'Primary$'\n'Connected$'\n'UpToDate$'\n'"write error at sector 8192 of $RBLK_DISK (-5)"$'\n'1$'\n'4 ] ||
		{ echo "$output"; false; }
	run vm_run pg1 "$(since_mark)"
	assert_output_has "on-io-error pass_on: $RBLK_DISK stays attached after an I/O error (first: write error at sector 8192 of $RBLK_DISK (-5))"
	# The failed write's block, marked, is not read from pg2 (which may
	# lack a write there): the reader's error. The next one, not marked,
	# is read from pg2.
	run vm_run pg1 "$(md5_blk /dev/rblk0 1024)"
	[ "$status" -ne 0 ] || { echo "read the marked block"; false; }
	assert_output_has "Input/output error"
	[ "$(stat_of pg1 io-errors)" = 2 ]
	peer=$(vm_run pg2 "$(md5_blk $RBLK_DISK 1025)")
	run vm_run pg1 "$(md5_blk /dev/rblk0 1025)"
	assert_status 0
	[ "$output" = "$peer" ] || { echo "read $output, pg2 has $peer"; false; }
	run vm_run pg1 "$(st read-retries); $(st io-errors); $(st disk)"
	[ "${lines[0]}" -ge 1 ] || { echo "$output"; false; }
	[ "${lines[1]}" = 2 ] || { echo "$output"; false; }
	[ "${lines[2]}" = UpToDate ] || { echo "$output"; false; }
	# The disk mended: the next connection resyncs the marked block from
	# the Primary.
	vm_run pg1 "$(dm_linear /dev/vda)"
	vm_run pg2 "$RBLKADM disconnect pg && $RBLKADM connect pg"
	vm_wait pg1 120 "[ \"\$($(st connection))\" = Connected ] && [ \"\$($(st peer-disk))\" = UpToDate ] && [ \"\$($(st out-of-sync-kib))\" = 0 ]"
	md5_both_equal

	# The Secondary's sectors 8192..8199 fail: pg1's write succeeds on its
	# own disk; pg2 writes down that it is Outdated and drops the
	# connection; the resync of the next one fails there again, and that
	# connection ends for good.
	mark
	vm_run pg2 "$(dm_bad 8192 8)"
	run vm_run pg1 "dd if=/dev/urandom of=/dev/rblk0 bs=4k count=1 seek=1024 oflag=direct status=none"
	assert_status 0
	wait_conn pg2 StandAlone 120
	run vm_run pg2 "$(since_mark)"
	assert_output_has "on-io-error pass_on: $RBLK_DISK lacks a write of pg1: Outdated; the resync on the next connection brings it"
	# Outdated while still connected, before the connection ends.
	assert_output_has "disk UpToDate -> Outdated (a write of the peer failed here)"
	[[ "$(stat_of pg2 last-error)" == "on-io-error pass_on: an I/O error of $RBLK_DISK during a resync or verify (the kernel log says where): the connection to pg1 stops, as another would meet it again; mend or replace the disk, or set on-io-error detach, then 'rblkadm connect pg'" ]] ||
		{ stat_of pg2 last-error; false; }
	run vm_run pg2 "$(st disk); $(st role); $(st disk-error)"
	[ "$output" = "Inconsistent"$'\n'Secondary$'\n'"write error at sector 8192 of $RBLK_DISK (-5)" ] || { echo "$output"; false; }
	[ "$(stat_of pg1 io-errors)" = 2 ]
	[ "$(stat_of pg1 out-of-sync-kib)" -ge 4 ]
	# Not promoted with the hole.
	vm_run pg1 "$RBLKADM secondary pg"
	refused pg2 "primary pg" "Inconsistent"
	# The disk mended: connect, resynced from pg1, equal.
	vm_run pg2 "$(dm_linear /dev/vda) && $RBLKADM connect pg"
	vm_wait pg1 120 "[ \"\$($(st connection))\" = Connected ] && [ \"\$($(st peer-disk))\" = UpToDate ] && [ \"\$($(st out-of-sync-kib))\" = 0 ]"
	[ "$(stat_of pg2 disk)" = UpToDate ]
	md5_both_equal

	# A verify led by pg1 whose read fails on pg2: that connection ends
	# for good (another would only fail the same way), pg2 keeps its
	# UpToDate disk.
	vm_run pg1 "$RBLKADM primary pg"
	mark
	vm_run pg2 "$(dm_bad 16384 8)"
	run vm_run pg1 "timeout 120 $RBLKADM verify pg --wait"
	[ "$status" -ne 124 ] || { echo "the verify did not end within 120 s"; false; }
	[ "$status" -ne 0 ] || { echo "a verify that could not read pg2's disk found everything equal"; false; }
	wait_conn pg2 StandAlone 60
	[[ "$(stat_of pg2 last-error)" == "on-io-error pass_on: an I/O error of $RBLK_DISK during a resync or verify (the kernel log says where): the connection to pg1 stops"* ]] ||
		{ stat_of pg2 last-error; false; }
	run vm_run pg2 "$(since_mark)"
	assert_output_has "read error at sector 16384 of $RBLK_DISK (-5)"
	[ "$(stat_of pg2 disk)" = UpToDate ]
	[ "$(stat_of pg1 last-verify-stopped)" = true ]
	vm_run pg2 "$(dm_linear /dev/vda) && $RBLKADM connect pg"
	vm_wait pg1 120 "[ \"\$($(st connection))\" = Connected ] && [ \"\$($(st peer-disk))\" = UpToDate ]"
	vm_run pg1 "$RBLKADM secondary pg"
	md5_both_equal
	for n in pg1 pg2; do
		rblk_write_config $n "verify-alg sha256;"
	done
}

@test "a Primary without its disk whose link drops with a write in flight does not connect to its peer again (that peer may lack what it acknowledged); once Secondary its disk back is resynced in full" {
	reseed
	vm_run pg1 "$RBLKADM primary pg"
	run vm_run pg1 "$RBLKADM detach pg"
	assert_status 0
	run vm_run pg1 "$(st disk); $(st role); $(st connection)"
	[ "$output" = "Diskless"$'\n'"Primary"$'\n'"Connected" ] || { echo "$output"; false; }
	vm_run pg1 "dd if=/dev/urandom of=/dev/rblk0 bs=1M count=1 seek=8 oflag=direct status=none"
	mark
	# The link cut, then a write that reaches no one.
	vm_link pg2 down
	vm_run pg1 "rm -f /tmp/w.rc; setsid -f sh -c 'dd if=/dev/urandom of=/dev/rblk0 bs=4k count=1 seek=64 oflag=direct status=none; echo \$? >/tmp/w.rc' </dev/null >/dev/null 2>&1"
	vm_wait pg1 60 "[ \"\$($(st connection))\" != Connected ]"
	vm_wait pg1 60 "[ -s /tmp/w.rc ]"
	run vm_run pg1 "cat /tmp/w.rc"
	[ "$output" != 0 ] || { echo "a write without a disk or a peer succeeded"; false; }
	vm_link pg2 up
	wait_conn pg1 StandAlone 60
	[[ "$(stat_of pg1 last-error)" == "this node is Primary without a usable disk, and pg2 is not the UpToDate Secondary that served it since (at the generation it started then); refusing to connect. Make this node Secondary, attach a disk ('rblkadm attach pg'), then connect" ]] ||
		{ stat_of pg1 last-error; false; }
	run vm_run pg1 "$(st disk); $(st role)"
	[ "$output" = "Diskless"$'\n'"Primary" ] || { echo "$output"; false; }
	# pg2 refuses it as well, for good.
	wait_conn pg2 StandAlone 60
	[[ "$(stat_of pg2 last-error)" == "pg1 is Primary without a usable disk; refusing to connect"* ]] ||
		{ stat_of pg2 last-error; false; }
	[ "$(stat_of pg2 disk)" = UpToDate ]
	vm_run pg2 "$RBLKADM connect pg"
	vm_run pg1 "$RBLKADM secondary pg"
	# Not without a disk: adjust attaches it and connects.
	refused pg1 "connect pg" "connect: minor 0 has no disk: a node connects with its disk"
	reattach_full pg1 adjust
}

@test "on-io-error pass_on lets a disk go when it must: a kept disk goes once the policy is detach (adjust); a metadata write error detaches it as under detach" {
	local size sz n e0
	for n in pg1 pg2; do
		rblk_write_config $n "verify-alg sha256;" "on-io-error pass_on;"
	done
	reseed
	vm_run pg1 "$RBLKADM primary pg"
	mark
	# A failed write: kept, the error the application's.
	vm_run pg1 "$(dm_bad 8192 16)"
	run vm_run pg1 "dd if=/dev/urandom of=/dev/rblk0 bs=4k count=1 seek=1024 oflag=direct status=none"
	[ "$status" -ne 0 ] || { echo "the write did not fail"; false; }
	[ "$(stat_of pg1 disk)" = UpToDate ]
	# The policy changed to detach on the running device: the disk goes
	# now, and pg1, Primary, is served by pg2.
	rblk_write_config pg1 "verify-alg sha256;"
	run vm_run pg1 "$RBLKADM adjust pg"
	assert_status 0
	vm_wait pg1 60 "[ \"\$($(st disk))\" = Diskless ]"
	run vm_run pg1 "$(st role); $(st connection); $(st disk-error)"
	[ "$output" = Primary$'\n'Connected$'\n'"write error at sector 8192 of $RBLK_DISK (-5)" ] || { echo "$output"; false; }
	vm_wait pg1 10 "$(since_mark) | grep -q 'rblk0: pg: detached $RBLK_DISK after an I/O error; this Primary.s reads and writes go to pg2 now'"
	run vm_run pg1 "dd if=/dev/urandom of=/dev/rblk0 bs=1M count=1 seek=16 oflag=direct status=none"
	assert_status 0
	vm_run pg1 "$RBLKADM secondary pg && $(dm_linear /dev/vda)"
	reattach_full pg1

	# pass_on again, and pg1's metadata area (from the end of its data
	# area to the end of the disk) fails: a write to an extent the
	# activity log does not hold yet needs a metadata write, which fails.
	# The disk goes as under detach, and the write succeeds on pg2.
	rblk_write_config pg1 "verify-alg sha256;" "on-io-error pass_on;"
	run vm_run pg1 "$RBLKADM adjust pg"
	assert_status 0
	vm_run pg1 "$RBLKADM primary pg"
	mark
	size=$(stat_of pg1 size-kib)
	sz=$(vm_run pg1 "blockdev --getsz $RBLK_DISK")
	e0=$(stat_of pg1 io-errors)
	vm_run pg1 "$(dm_bad $((size * 2)) $((sz - size * 2)))"
	run vm_run pg1 "dd if=/dev/urandom of=/dev/rblk0 bs=4k count=1 seek=24576 oflag=direct status=none"
	assert_status 0
	vm_wait pg1 60 "[ \"\$($(st disk))\" = Diskless ]"
	run vm_run pg1 "$(st role); $(st connection); $(st disk-error); $(st io-errors)"
	[ "${lines[0]}" = Primary ] && [ "${lines[1]}" = Connected ] && [ "${lines[3]}" = "$e0" ] || { echo "$output"; false; }
	[[ "${lines[2]}" =~ ^write\ error\ at\ sector\ ([0-9]+)\ of\ $RBLK_DISK\ \(-5\)$ ]] || { echo "$output"; false; }
	[ "${BASH_REMATCH[1]}" -ge $((size * 2)) ] || { echo "the error is not in the metadata area: $output"; false; }
	vm_wait pg1 10 "$(since_mark) | grep -q 'rblk0: pg: detached $RBLK_DISK after an I/O error; this Primary.s reads and writes go to pg2 now'"
	vm_run pg1 "$RBLKADM secondary pg && $(dm_linear /dev/vda)"
	reattach_full pg1
	for n in pg1 pg2; do
		rblk_write_config $n "verify-alg sha256;"
	done
}
