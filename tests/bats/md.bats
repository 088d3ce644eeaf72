#!/usr/bin/env bats
# SPDX-License-Identifier: (GPL-2.0 OR MIT)
# Metadata subcommands on regular files: create-md, dump-md, restore-md,
# wipe-md, show-gi, set-gi, and every refusal. A refused command must not
# change a byte (checked with cmp against a copy).

load helper

MiB=$((1024 * 1024))

setup_file() {
	build_rblkadm
}

setup() {
	cd "$BATS_TEST_TMPDIR"
	truncate -s 256M disk.img
}

# A config whose disk is disk.img in the test's temp dir.
write_config() {
	cat >rblk.conf <<-EOC
	resource pg {
	    device minor 0;
	    disk $BATS_TEST_TMPDIR/disk.img;
	    meta-disk ${1:-internal};
	    disk { al-extents 257; }
	    on pg1 { address 10.0.0.1:7788; }
	    on pg2 { address 10.0.0.2:7788; }
	}
	EOC
}

@test "create-md on a file, then show-gi explains it" {
	run rblkadm create-md --disk disk.img
	golden md-create
	run rblkadm show-gi --disk disk.img
	golden md-show-gi-new
}

@test "create-md and show-gi through the configuration" {
	write_config
	run rblkadm -c rblk.conf --node pg1 create-md pg
	golden md-create-res
	run rblkadm -c rblk.conf --node pg1 dump-md all
	[ "$status" -eq 0 ]
	[[ "$output" == *"al-extents 257"* ]]
}

@test "create-md RES refuses --al-extents: the configuration says it" {
	write_config
	run rblkadm -c rblk.conf --node pg1 create-md --al-extents 7 pg
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "rblkadm: --al-extents goes with --disk; a resource takes it from its configuration" ]
	[ "${lines[1]}" = "  hint: set 'disk { al-extents N; }' in the resource, or leave --al-extents out" ]
	run rblkadm show-gi --disk disk.img
	[ "$status" -ne 0 ]	# nothing was written
}

@test "create-md refuses existing metadata, --force overwrites it" {
	rblkadm create-md --disk disk.img
	cp disk.img before.img
	run rblkadm create-md --disk disk.img
	golden md-create-exists
	cmp disk.img before.img
	run rblkadm create-md --force --disk disk.img
	[ "$status" -eq 0 ]
}

@test "create-md refuses an XFS filesystem" {
	command -v mkfs.xfs || skip "no mkfs.xfs"
	truncate -s 320M disk.img
	mkfs.xfs -q -f disk.img
	cp disk.img before.img
	run rblkadm create-md --disk disk.img
	golden md-refuse-xfs
	cmp disk.img before.img
}

@test "create-md refuses an ext4 filesystem" {
	command -v mkfs.ext4 || skip "no mkfs.ext4"
	mkfs.ext4 -q -F disk.img
	cp disk.img before.img
	run rblkadm create-md --disk disk.img
	golden md-refuse-ext4
	cmp disk.img before.img
}

@test "create-md refuses an LVM2 physical volume label" {
	printf 'LABELONE' | dd of=disk.img bs=1 seek=512 conv=notrunc status=none
	printf 'LVM2 001' | dd of=disk.img bs=1 seek=536 conv=notrunc status=none
	run rblkadm create-md --disk disk.img
	golden md-refuse-lvm
}

@test "create-md refuses swap space" {
	printf 'SWAPSPACE2' | dd of=disk.img bs=1 seek=4086 conv=notrunc status=none
	run rblkadm create-md --disk disk.img
	golden md-refuse-swap
}

@test "create-md refuses DRBD metadata" {
	printf '\x83\x74\x02\x6b' | dd of=disk.img bs=1 seek=$((256 * MiB - 4096 + 60)) conv=notrunc status=none
	run rblkadm create-md --disk disk.img
	golden md-refuse-drbd
}

@test "create-md on a device too small for its metadata" {
	truncate -s 1M small.img
	run rblkadm create-md --disk small.img
	golden md-too-small
}

@test "dump-md prints what restore-md reads; the round trip is exact" {
	run rblkadm restore-md --disk disk.img "$FIXTURES/md-256m.dump"
	golden md-restore
	run rblkadm dump-md --disk disk.img
	golden md-dump
	rblkadm dump-md --disk disk.img >again.dump
	rblkadm wipe-md --disk disk.img
	rblkadm restore-md --disk disk.img again.dump
	diff <(rblkadm dump-md --disk disk.img) again.dump
}

@test "dump-md --json has the same fields" {
	rblkadm restore-md --disk disk.img "$FIXTURES/md-256m.dump"
	run rblkadm dump-md --json --disk disk.img
	golden md-dump-json
	rblkadm --json dump-md --disk disk.img | jq -e '.["bm-set"] | length == 3'
}

@test "restore-md onto a disk of another size writes nothing" {
	truncate -s 300M disk.img
	cp disk.img before.img
	run rblkadm restore-md --disk disk.img "$FIXTURES/md-256m.dump"
	golden md-restore-size
	cmp disk.img before.img
}

@test "restore-md with a bitmap size mismatch writes nothing" {
	sed 's/^bm-bits .*/bm-bits 65000/' "$FIXTURES/md-256m.dump" >bad.dump
	cp disk.img before.img
	run rblkadm restore-md --disk disk.img bad.dump
	golden md-restore-bm-bits
	cmp disk.img before.img
}

@test "the size in use survives dump and restore; one the data area cannot have is refused" {
	sed 's/^md-sectors .*/&\nsize-in-use-sectors 204800/' "$FIXTURES/md-256m.dump" >sized.dump
	rblkadm restore-md --disk disk.img sized.dump
	run rblkadm dump-md --disk disk.img
	[ "$status" -eq 0 ]
	grep -qx 'size-in-use-sectors 204800' <<<"$output"
	rblkadm --json dump-md --disk disk.img | jq -e '.["size-in-use-sectors"] == 204800'
	cp disk.img before.img
	for bad in 524208 204801 2040; do
		sed "s/^size-in-use-sectors .*/size-in-use-sectors $bad/" sized.dump >bad.dump
		run rblkadm restore-md --disk disk.img bad.dump
		[ "$status" -eq 1 ]
		grep -q "size-in-use-sectors $bad is not a size this data area of 524200 sectors can have" <<<"$output"
		cmp disk.img before.img
	done
}

@test "restore-md rejects a malformed dump" {
	sed 's/^flags .*/flags consistent,bogus/' "$FIXTURES/md-256m.dump" >bad.dump
	run rblkadm restore-md --disk disk.img bad.dump
	golden md-restore-malformed
}

@test "a superblock with a bad checksum is refused, nothing written" {
	rblkadm create-md --disk disk.img
	printf '\x01' | dd of=disk.img bs=1 seek=$((256 * MiB - 4096 + 300)) conv=notrunc status=none
	cp disk.img before.img
	run rblkadm dump-md --disk disk.img
	golden md-bad-crc
	run rblkadm set-gi --disk disk.img 1:0:0:0
	[ "$status" -eq 1 ]
	cmp disk.img before.img
}

@test "a shrunk disk has lost its internal metadata" {
	rblkadm create-md --disk disk.img
	truncate -s $((256 * MiB - 512)) disk.img
	run rblkadm dump-md --disk disk.img
	golden md-shrunk
}

@test "external metadata: create, show, truncated data disk" {
	truncate -s 1M meta.img
	run rblkadm create-md --disk disk.img --meta-disk meta.img
	golden md-external-create
	run rblkadm show-gi --disk disk.img --meta-disk meta.img
	[ "$status" -eq 0 ]
	truncate -s 128M disk.img
	run rblkadm dump-md --disk disk.img --meta-disk meta.img
	golden md-external-truncated
}

@test "external metadata device too small" {
	truncate -s 16K meta.img
	run rblkadm create-md --disk disk.img --meta-disk meta.img
	golden md-external-small
}

@test "external metadata through the configuration" {
	truncate -s 1M meta.img
	write_config "$BATS_TEST_TMPDIR/meta.img"
	run rblkadm -c rblk.conf --node pg1 create-md pg
	[ "$status" -eq 0 ]
	run rblkadm -c rblk.conf --node pg1 show-gi pg
	[ "$status" -eq 0 ]
	[[ "$output" == "pg on TMP/meta.img"* || "$output" == "pg on $BATS_TEST_TMPDIR/meta.img"* ]]
}

@test "wipe-md erases, a second wipe-md finds nothing" {
	rblkadm create-md --disk disk.img
	run rblkadm wipe-md --disk disk.img
	golden md-wipe
	run rblkadm wipe-md --disk disk.img
	golden md-wipe-again
	run rblkadm dump-md --disk disk.img
	golden md-wiped-dump
}

@test "set-gi then show-gi" {
	rblkadm create-md --disk disk.img
	run rblkadm set-gi --disk disk.img 9F2C0A7B3E4D5C61:1111000011110000:2222:0:consistent,was-up-to-date,peer-outdated
	golden md-set-gi
	run rblkadm show-gi --disk disk.img
	golden md-show-gi-set
}

@test "set-gi keeps the flags when they are left out" {
	rblkadm create-md --disk disk.img
	rblkadm set-gi --disk disk.img 10:0:0:0:consistent
	run rblkadm set-gi --disk disk.img 20:10:0:0
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "disk.img: new 0000000000000020:0000000000000010:0000000000000000:0000000000000000:consistent" ]
}

@test "set-gi rejects a malformed generation set" {
	rblkadm create-md --disk disk.img
	cp disk.img before.img
	run rblkadm set-gi --disk disk.img 12:34:zz:0
	golden md-set-gi-bad
	cmp disk.img before.img
}

@test "md commands on a missing device" {
	run rblkadm dump-md --disk nosuch.img
	golden md-no-device
}
