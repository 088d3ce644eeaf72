#!/usr/bin/env bats
# SPDX-License-Identifier: (GPL-2.0 OR MIT)
# Disks of different sizes and disk { size } (docs/guide.md, "Disks of
# different sizes"): the device is the size both agree on at the
# handshake (rblk_cd_size(), include/rblk/state.h), recorded in each
# superblock; data keeps its size. The disk of each node is a
# device-mapper device over its /dev/vda, made as large as a test needs.
# Needs: the qemu harness (two guests on one link), rblk.ko, dmsetup.
#
# Data areas (include/rblk/md.h, internal metadata: 4 KiB superblock,
# 32 KiB activity log, the bitmap in whole 4 KiB blocks):
#   200 MiB disk: 204756 KiB, 160 MiB: 163796 KiB, 120 MiB: 122840 KiB.
#
# What it checks, in detail:
#  - pg1 on 200 MiB, pg2 on 160 MiB, both fresh: they connect; both
#    devices are 163796 KiB (size-kib, and blockdev on /dev/rblk0);
#    disk-size-kib is 204756 on pg1 and 163796 on pg2, and each one's
#    peer-disk-size-kib is the other's disk-size-kib; pg1's kernel log
#    says "163796 KiB in size now, as with pg2 (this disk gives 204756
#    KiB)". pg1 made Primary (--force): the full resync ends; 4 MiB of
#    random data written at the device's end reach pg2 (md5 of both
#    data areas equal); a write one block past the end fails. Both down:
#    dump-md says size-in-use-sectors 327592 on both; up again, the same
#    sizes, Connected, nothing to resync.
#  - then pg2's disk made 120 MiB and fresh (create-md --force): it may
#    not hold pg1's data. Both go StandAlone; pg2's last-error says
#    "size mismatch: pg1's data is 163796 KiB in size, but this node's
#    disk gives only 122840 KiB", pg1's "the data here is 163796 KiB in
#    size, but pg2's disk gives only 122840 KiB"; pg1 stays UpToDate,
#    163796 KiB. A fresh 192 MiB disk then (196564 KiB) takes 163796
#    KiB, is resynced in full, md5 equal.
#  - disk { size 100M; } on both over 200 MiB disks: size-kib,
#    disk-size-kib and size-limit-kib are 102400 on both; a full resync
#    and a write at the end, md5 equal. On pg2 (Secondary) size lowered
#    to 64M: "rblkadm adjust pg" ends 1 with "adjust: pg: size changed
#    (131072 sectors configured, 204800 in use by the attached disk)"
#    and leaves the disk attached; detached, "rblkadm attach pg" ends 1
#    with "attach: the data on /dev/mapper/rd is larger than its size
#    option allows", the kernel log gives "its data is 102400 KiB in
#    size, more than size 65536 KiB allows", pg2 stays Diskless; size
#    back to 100M, attach: Connected, UpToDate, md5 equal. size 512K is
#    refused when the configuration is read.
#  - a peer without the sizes feature (the hostile peer) while size cuts
#    pg1's 200 MiB disk to 100 MiB: pg1 StandAlone, last-error "pg2's
#    rblk is older: it connects only to a device that uses its disk's
#    whole data area, here 102400 KiB of 204756 KiB".

RBLK_DISK=/dev/mapper/rd

load ../lib/vm
load ../lib/rblk

setup_file() {
	vm_setup_run
	vm_start pg1 --no-wait --disk "$(vm_disk pg1 256M)" --net l1 --ip 10.0.0.1/24
	vm_start pg2 --no-wait --disk "$(vm_disk pg2 256M)" --net l1 --ip 10.0.0.2/24
	vm_wait_up pg1 pg2
	for n in pg1 pg2; do
		vm_run $n "modprobe dm-mod"
		rblk_write_config $n
		rblk_load $n
	done
}

teardown_file() {
	vm_teardown_all
}

# Guest command: pg down, $RBLK_DISK made $1 MiB of /dev/vda, fresh
# metadata on it.
fresh_disk() {
	echo "$RBLKADM down pg >/dev/null 2>&1; dmsetup remove rd 2>/dev/null;
		dmsetup create rd --table '0 $(($1 * 2048)) linear /dev/vda 0' &&
		$RBLKADM create-md --force pg >/dev/null"
}

# The status fields size-kib, disk-size-kib, peer-disk-size-kib and
# size-limit-kib of pg on $1, on one line.
sizes() {
	vm_run "$1" "$RBLKADM status --json pg | jq -r '.[0] | [.\"size-kib\", .\"disk-size-kib\", .\"peer-disk-size-kib\", .\"size-limit-kib\"] | map(. // \"-\") | join(\" \")'"
}

@test "disks of different sizes connect and use the smaller; the size is recorded" {
	vm_run pg1 "$(fresh_disk 200)"
	vm_run pg2 "$(fresh_disk 160)"
	mark
	vm_run pg1 "$RBLKADM up pg"
	vm_run pg2 "$RBLKADM up pg"
	wait_conn pg1 Connected
	wait_conn pg2 Connected
	[ "$(sizes pg1)" = "163796 204756 163796 -" ] || { sizes pg1; false; }
	[ "$(sizes pg2)" = "163796 163796 204756 -" ] || { sizes pg2; false; }
	[ "$(vm_run pg1 'blockdev --getsize64 /dev/rblk0')" = $((163796 * 1024)) ]
	run vm_run pg1 "$(since_mark)"
	assert_output_has "pg: 163796 KiB in size now, as with pg2 (this disk gives 204756 KiB)"
	vm_run pg1 "$RBLKADM primary --force pg"
	run vm_run pg1 "$RBLKADM wait-sync pg --timeout 300"
	assert_status 0
	vm_run pg1 "dd if=/dev/urandom of=/dev/rblk0 bs=1M count=4 seek=$((163796 / 1024 - 4)) oflag=direct status=none"
	run vm_run pg1 "dd if=/dev/zero of=/dev/rblk0 bs=4k count=1 seek=$((163796 / 4)) oflag=direct status=none"
	[ "$status" -ne 0 ]
	[[ "$output" == *"No space left on device"* ]] || { echo "$output"; false; }
	vm_run pg1 "$RBLKADM secondary pg"
	md5_both_equal
	for n in pg1 pg2; do
		vm_run $n "$RBLKADM down pg"
	done
	for n in pg1 pg2; do
		run vm_run $n "$RBLKADM dump-md pg | grep '^size-in-use-sectors'"
		[ "$output" = "size-in-use-sectors 327592" ] || { echo "$n: $output"; false; }
	done
	vm_run pg1 "$RBLKADM up pg"
	vm_run pg2 "$RBLKADM up pg"
	wait_conn pg1 Connected
	wait_conn pg2 Connected
	[ "$(sizes pg1)" = "163796 204756 163796 -" ]
	[ "$(stat_of pg2 disk)" = UpToDate ]
	[ "$(stat_of pg1 out-of-sync-kib)" = 0 ]
}

@test "a disk too small for the data in use is refused, with both sizes" {
	[ "$(stat_of pg1 size-kib)" = 163796 ] || skip "needs the test before"
	vm_run pg2 "$(fresh_disk 120)"
	vm_run pg2 "$RBLKADM up pg"
	wait_conn pg2 StandAlone
	wait_conn pg1 StandAlone
	run stat_of pg2 last-error
	assert_output_has "size mismatch: pg1's data is 163796 KiB in size, but this node's disk gives only 122840 KiB"
	run stat_of pg1 last-error
	assert_output_has "size mismatch: the data here is 163796 KiB in size, but pg2's disk gives only 122840 KiB"
	[ "$(stat_of pg1 disk)" = UpToDate ]
	[ "$(stat_of pg1 size-kib)" = 163796 ]
	# A larger one takes the size in use, and pg1's data in a full resync.
	vm_run pg2 "$(fresh_disk 192) && $RBLKADM up pg"
	vm_run pg1 "$RBLKADM connect pg"
	wait_conn pg1 Connected 120
	[ "$(sizes pg2)" = "163796 196564 204756 -" ] || { sizes pg2; false; }
	vm_wait pg2 120 "[ \"\$($(st disk))\" = UpToDate ]"
	md5_both_equal
}

@test "disk { size } is honoured; lowered below the data in use it is refused" {
	for n in pg1 pg2; do
		rblk_write_config $n "" "size 100M;"
		vm_run $n "$(fresh_disk 200)"
	done
	vm_run pg1 "$RBLKADM up pg"
	vm_run pg2 "$RBLKADM up pg"
	wait_conn pg1 Connected
	wait_conn pg2 Connected
	[ "$(sizes pg1)" = "102400 102400 102400 102400" ] || { sizes pg1; false; }
	[ "$(sizes pg2)" = "102400 102400 102400 102400" ] || { sizes pg2; false; }
	vm_run pg1 "$RBLKADM primary --force pg"
	run vm_run pg1 "$RBLKADM wait-sync pg --timeout 300"
	assert_status 0
	vm_run pg1 "dd if=/dev/urandom of=/dev/rblk0 bs=1M count=1 seek=99 oflag=direct status=none"
	md5_both_equal
	# Lowered on the Secondary: adjust refuses, the disk stays.
	rblk_write_config pg2 "" "size 64M;"
	run vm_run pg2 "$RBLKADM adjust pg"
	[ "$status" -eq 1 ]
	assert_output_has "adjust: pg: size changed (131072 sectors configured, 204800 in use by the attached disk)"
	[ "$(stat_of pg2 disk)" = UpToDate ]
	vm_run pg2 "$RBLKADM detach pg"
	mark
	run vm_run pg2 "$RBLKADM attach pg"
	[ "$status" -eq 1 ]
	assert_output_has "attach: the data on /dev/mapper/rd is larger than its size option allows"
	run vm_run pg2 "$(since_mark)"
	assert_output_has "its data is 102400 KiB in size, more than size 65536 KiB allows"
	[ "$(stat_of pg2 disk)" = Diskless ]
	# Too small to be a size at all.
	rblk_write_config pg2 "" "size 512K;"
	run vm_run pg2 "$RBLKADM attach pg"
	[ "$status" -ne 0 ]
	assert_output_has "out of range for 'size'"
	rblk_write_config pg2 "" "size 100M;"
	vm_run pg2 "$RBLKADM attach pg && $RBLKADM connect pg"
	wait_conn pg2 Connected
	vm_wait pg2 60 "[ \"\$($(st disk))\" = UpToDate ]"
	vm_run pg1 "$RBLKADM secondary pg"
	md5_both_equal
}

# pg2's disk grows while rblk is down there (dm linear, as lvextend):
# its superblock is now at its former end. up finds it through the hint
# file and moves the metadata to the new end before the kernel attaches
# (user/md_move.c); the device keeps the size in use.
@test "a disk that grew while down: attach moves its metadata to the new end; the size in use stays" {
	# pg2's disk was 200 MiB once: the blocks it grows into below hold
	# that disk's superblock, a different one.
	vm_run pg2 "$(fresh_disk 200)"
	for n in pg1 pg2; do
		rblk_write_config $n
		vm_run $n "$(fresh_disk 160) && $RBLKADM up pg"
	done
	wait_conn pg1 Connected
	vm_run pg1 "$RBLKADM primary --force pg"
	run vm_run pg1 "$RBLKADM wait-sync pg --timeout 300"
	assert_status 0
	vm_run pg1 "dd if=/dev/urandom of=/dev/rblk0 bs=1M count=4 seek=$((163796 / 1024 - 4)) oflag=direct status=none"
	run vm_run pg2 "grep disk-bytes /var/lib/rblk/minor-0.md"
	[ "$output" = "disk-bytes $((160 * 1024 * 1024))" ]
	vm_run pg2 "$RBLKADM down pg && dmsetup suspend rd &&
		dmsetup reload rd --table '0 $((200 * 2048)) linear /dev/vda 0' && dmsetup resume rd"
	# written while pg2 is away: resynced from the bitmap
	vm_run pg1 "dd if=/dev/urandom of=/dev/rblk0 bs=1M count=1 seek=7 oflag=direct status=none"
	# two different superblocks: refused, nothing written, Diskless
	run vm_run pg2 "md5sum </dev/mapper/rd"
	local before=$output
	run vm_run pg2 "$RBLKADM up pg"
	[ "$status" -eq 1 ]
	assert_output_has "rblkadm: attach: /dev/mapper/rd: two different rblk superblocks: at the end (device uuid "
	assert_output_has "and at the former end, $((160 * 1024 * 1024)) bytes (device uuid "
	[ "$(vm_run pg2 'md5sum </dev/mapper/rd')" = "$before" ]
	[ "$(stat_of pg2 disk)" = Diskless ]
	# the stale one zeroed by hand: up moves the metadata
	vm_run pg2 "$RBLKADM down pg && dd if=/dev/zero of=/dev/mapper/rd bs=4k seek=$((200 * 256 - 1)) count=1 oflag=direct status=none"
	run vm_run pg2 "$RBLKADM up pg"
	assert_status 0
	assert_output_has "attach: /dev/mapper/rd grew from 163840 to 204800 KiB since its metadata was written: moving the metadata to its new end"
	assert_output_has "attach: /dev/mapper/rd: metadata moved; its data area is 204756 KiB now (the device keeps its size)"
	wait_conn pg2 Connected
	vm_wait pg2 60 "[ \"\$($(st disk))\" = UpToDate ]"
	[ "$(sizes pg2)" = "163796 204756 163796 -" ] || { sizes pg2; false; }
	[ "$(sizes pg1)" = "163796 163796 204756 -" ] || { sizes pg1; false; }
	run vm_run pg2 "grep disk-bytes /var/lib/rblk/minor-0.md"
	[ "$output" = "disk-bytes $((200 * 1024 * 1024))" ]
	vm_run pg1 "$RBLKADM secondary pg"
	md5_both_equal
	# up again: found at the end, nothing moves
	vm_run pg2 "$RBLKADM down pg"
	run vm_run pg2 "$RBLKADM up pg && $RBLKADM dump-md pg 2>&1 | grep -c 'former end'"
	[ "$output" = 0 ] || { echo "$output"; false; }
	wait_conn pg2 Connected
	[ "$(stat_of pg2 out-of-sync-kib)" = 0 ]
}

# An rblk without RBLK_FEAT_SIZES (the hostile peer offers only
# resync-waits) exchanges whole bitmaps: it connects only to a device
# that uses its disk's whole data area, here cut to 100 MiB by size.
@test "a peer without sizes is refused while size cuts the data area" {
	vm_run pg2 "$RBLKADM down pg"
	rblk_write_config pg1 "" "size 100M;"
	vm_run pg1 "$(fresh_disk 200) && $RBLKADM up pg"
	run vm_run pg2 "build/tools/hostile-peer 10.0.0.1:7788 pg pg2 barrier-forged"
	[ "$output" = "dropped early" ] || { echo "$output"; false; }
	wait_conn pg1 StandAlone
	run stat_of pg1 last-error
	assert_output_has "pg2's rblk is older: it connects only to a device that uses its disk's whole data area, here 102400 KiB of 204756 KiB"
	[ "$(stat_of pg1 size-kib)" = 102400 ]
}
