#!/usr/bin/env bats
# SPDX-License-Identifier: (GPL-2.0 OR MIT)
# Internal metadata of a disk that grew (user/md_move.c, docs/metadata.md
# "A disk that grew"), on regular files: found at the former end through
# the hint file, moved to the new end by move-md (attach does the same,
# tests/vm/47-resize.bats), and a stop at each step of the move (as a
# power cut would leave it) is finished by the next run.

load helper

MiB=$((1024 * 1024))
OLD=$((256 * MiB))
NEW=$((320 * MiB))

setup_file() {
	build_rblkadm
}

setup() {
	cd "$BATS_TEST_TMPDIR"
	truncate -s $OLD disk.img
	cat >rblk.conf <<-EOC
	resource pg {
	    device minor 3;
	    disk $BATS_TEST_TMPDIR/disk.img;
	    meta-disk internal;
	    on pg1 { address 10.0.0.1:7788; }
	    on pg2 { address 10.0.0.2:7788; }
	}
	EOC
	# Metadata with data and bits (the fixture's), some data, the log.
	rblkadm -c rblk.conf --node pg1 restore-md pg "$FIXTURES/md-256m.dump" >/dev/null
	printf 'first block' | dd of=disk.img conv=notrunc status=none
	printf 'last block' | dd of=disk.img bs=4096 seek=$((524200 / 8 - 1)) conv=notrunc status=none
	rblkadm -c rblk.conf --node pg1 dump-md pg | grep -v '^#' >before.dump
	dd if=disk.img bs=4096 skip=$((OLD / 4096 - 9)) count=8 status=none >al.before
	head -c $((524200 * 512)) disk.img | md5sum >data.md5
}

md() {
	rblkadm -c rblk.conf --node pg1 "$@"
}

# The dump after a move: the new layout, the size in use, nothing else.
expected_dump() {
	sed -e 's/^data-sectors .*/data-sectors 655264/' -e 's/^disk-sectors .*/disk-sectors 655360/' \
	    -e 's/^md-sectors .*/md-sectors 96/' \
	    -e 's/^size-in-use-sectors 0/size-in-use-sectors 524200/' -e 's/^bm-bits .*/bm-bits 81908/' \
	    before.dump
}

# Everything the move must keep and make: the data, generations and bits
# (dump), the activity log's ring as it was, the old superblock gone,
# the hint at the new size.
check_moved() {
	check_moved_data
	grep -qx "disk-bytes $NEW" var-lib-rblk/minor-3.md
}

check_moved_data() {
	local d
	d=$(md dump-md pg | grep -v '^#')
	diff <(expected_dump) - <<<"$d"
	[ "$(head -c $((524200 * 512)) disk.img | md5sum)" = "$(cat data.md5)" ] ||
		{ echo "data changed"; return 1; }
	cmp al.before <(dd if=disk.img bs=4096 skip=$((NEW / 4096 - 9)) count=8 status=none)
	cmp <(head -c 4096 /dev/zero) <(dd if=disk.img bs=4096 skip=$((OLD / 4096 - 1)) count=1 status=none)
}

@test "a grown disk: dump-md finds the metadata at its former end; move-md moves it, keeping data, bits and log" {
	grep -qx "disk-bytes $OLD" var-lib-rblk/minor-3.md
	truncate -s $NEW disk.img
	run md dump-md pg
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "rblkadm: $BATS_TEST_TMPDIR/disk.img: the disk grew from 262144 KiB since its metadata was written; the metadata is still at that former end ('rblkadm attach' or 'move-md' moves it)" ]
	diff before.dump <(md dump-md pg 2>/dev/null | grep -v '^#')
	run md move-md pg
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "move-md: $BATS_TEST_TMPDIR/disk.img grew from 262144 to 327680 KiB since its metadata was written: moving the metadata to its new end" ]
	[ "${lines[1]}" = "move-md: $BATS_TEST_TMPDIR/disk.img: metadata moved; its data area is 327632 KiB now (the device keeps its size)" ]
	[ "${lines[2]}" = "pg: the metadata is at the end of $BATS_TEST_TMPDIR/disk.img" ]
	check_moved
	run md move-md pg
	[ "$status" -eq 0 ]
	[ "$output" = "pg: the metadata is at the end of $BATS_TEST_TMPDIR/disk.img" ]
	check_moved
}

@test "a move stopped after each of its steps (bitmap and log, new superblock, old one zeroed) is finished by the next run" {
	local step
	cp disk.img base.img
	cp var-lib-rblk/minor-3.md hint.base
	for step in 1 2 3; do
		cp base.img disk.img
		cp hint.base var-lib-rblk/minor-3.md
		truncate -s $NEW disk.img
		RBLKADM_TEST_MOVE_CRASH=$step run md move-md pg
		[ "$status" -eq 99 ]
		# what a reader sees now: the same generations and bits
		diff <(grep -v '^data-sectors\|^disk-sectors\|^md-sectors\|^bm-bits\|^size-in-use' before.dump) \
		     <(md dump-md pg 2>/dev/null | grep -v '^#\|^data-sectors\|^disk-sectors\|^md-sectors\|^bm-bits\|^size-in-use')
		run md move-md pg
		[ "$status" -eq 0 ]
		if [ $step = 2 ]; then
			[ "${lines[0]}" = "move-md: $BATS_TEST_TMPDIR/disk.img: zeroed the copy of its superblock left at its former end ($OLD bytes) by a move that stopped there" ]
		fi
		check_moved
	done
}

@test "a torn new superblock: the old one counts, and the move runs again" {
	truncate -s $NEW disk.img
	RBLKADM_TEST_MOVE_CRASH=2 run md move-md pg
	[ "$status" -eq 99 ]
	# the first of the new superblock's sectors did not reach the disk
	dd if=/dev/zero of=disk.img bs=512 seek=$((NEW / 512 - 8)) count=1 conv=notrunc status=none
	diff before.dump <(md dump-md pg 2>/dev/null | grep -v '^#')
	run md move-md pg
	[ "$status" -eq 0 ]
	check_moved
}

@test "a disk grown by less than its metadata's size: refused, nothing written" {
	truncate -s $((OLD + 4096)) disk.img
	cp disk.img copy.img
	run md move-md pg
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "rblkadm: $BATS_TEST_TMPDIR/disk.img grew from 268435456 to 268439552 bytes: too little for its metadata to move (it needs 48 KiB, which must not overlap where it is now)" ]
	[ "${lines[1]}" = "  hint: grow the disk to at least 268484608 bytes (lvextend -L 268484608b), or shrink it back to 268435456 bytes; nothing was written" ]
	cmp disk.img copy.img
	truncate -s 268484608 disk.img
	run md move-md pg
	[ "$status" -eq 0 ]
	[ "$(md dump-md pg | grep '^data-sectors')" = "data-sectors 524288" ]
}

@test "without the hint: move-md --from-size finds it" {
	truncate -s $NEW disk.img
	rm var-lib-rblk/minor-3.md
	run md dump-md pg
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "rblkadm: $BATS_TEST_TMPDIR/disk.img: no rblk metadata (magic not found) (superblock at byte 335540224)" ]
	run md move-md --from-size $((OLD - 4096)) pg
	[ "$status" -eq 1 ]
	[[ "${lines[0]}" == "rblkadm: move-md: $BATS_TEST_TMPDIR/disk.img: no rblk metadata (magic not found) (superblock at byte 335540224); nor at its former end, 268431360 bytes: "* ]]
	[ "${lines[1]}" = "  hint: --from-size must be the disk's size when its metadata was last written (its last 4 KiB then held the superblock)" ]
	run md move-md --from-size $OLD pg
	[ "$status" -eq 0 ]
	check_moved
	run rblkadm move-md --disk disk.img
	[ "$status" -eq 2 ]
	[ "$output" = "rblkadm: move-md --disk needs --from-size: the disk's size when its metadata was last written" ]
}

@test "two different superblocks (another disk's at the new end, or this disk's of another time) are refused, nothing written" {
	# the blocks of the grown part once held another disk's metadata
	truncate -s $NEW other.img
	rblkadm create-md --disk other.img >/dev/null
	dd if=other.img of=disk.img bs=4096 skip=$((NEW / 4096 - 1)) seek=$((NEW / 4096 - 1)) count=1 status=none
	[ "$(stat -c %s disk.img)" -eq $NEW ]
	cp disk.img copy.img
	run md move-md pg
	[ "$status" -eq 1 ]
	[[ "${lines[0]}" == "rblkadm: move-md: $BATS_TEST_TMPDIR/disk.img: two different rblk superblocks: at the end (device uuid "*", generation 0000000000000004 (al-clean), created "*") and at the former end, 268435456 bytes (device uuid 0123456789ABCDEF, generation 9F2C0A7B3E4D5C61 (consistent,was-up-to-date,al-clean), created "*")" ]]
	[ "${lines[1]}" = "  hint: one of them is left from another use of these blocks (or of this disk at another time); nothing was written. 'rblkadm dump-md --disk $BATS_TEST_TMPDIR/disk.img' shows the one at the end; make the other go (wipe-md, or zero its 4 KiB) and run 'move-md' again" ]
	cmp disk.img copy.img
	run md dump-md pg
	[ "$status" -eq 1 ]
	# the operator zeroes the stale one: the move goes on
	dd if=/dev/zero of=disk.img bs=4096 seek=$((NEW / 4096 - 1)) count=1 conv=notrunc status=none
	run md move-md pg
	[ "$status" -eq 0 ]
	check_moved
	# this disk's superblocks of two times: a move stopped after its new
	# superblock, then the generation changed at the end only
	cp copy.img disk.img
	dd if=/dev/zero of=disk.img bs=4096 seek=$((NEW / 4096 - 1)) count=1 conv=notrunc status=none
	cp hint.ok var-lib-rblk/minor-3.md 2>/dev/null || sed -i "s/^disk-bytes .*/disk-bytes $OLD/" var-lib-rblk/minor-3.md
	RBLKADM_TEST_MOVE_CRASH=2 run md move-md pg
	[ "$status" -eq 99 ]
	rblkadm set-gi --disk disk.img 2000:0:0:0:consistent >/dev/null
	run md move-md pg
	[ "$status" -eq 1 ]
	[[ "${lines[0]}" == *"two different rblk superblocks: at the end (device uuid 0123456789ABCDEF, generation 0000000000002000 (consistent), "*"at the former end, 268435456 bytes (device uuid 0123456789ABCDEF, generation 9F2C0A7B3E4D5C61"* ]]
}

@test "create-md refuses a grown disk whose former end holds metadata; the --disk forms keep the record" {
	truncate -s $NEW disk.img
	run md create-md pg
	[ "$status" -eq 1 ]
	[ "${lines[1]}" = "  rblk metadata at its former end ($OLD bytes): the disk grew since; 'rblkadm move-md pg' moves it to the end" ]
	diff before.dump <(md dump-md pg 2>/dev/null | grep -v '^#')
	# --disk: the record of that disk follows the new metadata
	run rblkadm create-md --force --disk disk.img
	[ "$status" -eq 0 ]
	grep -qx "disk-bytes $NEW" var-lib-rblk/minor-3.md
	[[ "$(md dump-md pg)" == *"uuid-current 0x0000000000000004"* ]]
	run rblkadm wipe-md --disk disk.img
	[ "$status" -eq 0 ]
	[ ! -e var-lib-rblk/minor-3.md ]
}

@test "a record that cannot be written: create-md and move-md say so and go on" {
	truncate -s $NEW disk.img
	touch notadir
	RBLK_STATE_DIR=$BATS_TEST_TMPDIR/notadir/x run md move-md --from-size $OLD pg
	[ "$status" -eq 0 ]
	[[ "$output" == *"rblkadm: cannot create $BATS_TEST_TMPDIR/notadir/x: Not a directory"* ]]
	[[ "$output" == *"  hint: move-md: without this record, should $BATS_TEST_TMPDIR/disk.img grow while rblk is down, 'rblkadm move-md RES --from-size BYTES' needs its size of now ($NEW bytes)"* ]]
	check_moved_data
	RBLK_STATE_DIR=$BATS_TEST_TMPDIR/notadir/x run md create-md --force pg
	[ "$status" -eq 0 ]
	[[ "$output" == *"  hint: the metadata is written all the same; should the disk grow while rblk is down, 'rblkadm move-md pg --from-size $NEW' finds it (RBLK_STATE_DIR sets the directory of the records)"* ]]
	[[ "$output" == *"pg: created internal metadata on $BATS_TEST_TMPDIR/disk.img"* ]]
}

@test "create-md and wipe-md on a grown disk: the former end's superblock never counts again" {
	truncate -s $NEW disk.img
	cp disk.img grown.img
	run md create-md --force pg
	[ "$status" -eq 0 ]
	grep -qx "disk-bytes $NEW" var-lib-rblk/minor-3.md
	[[ "$(md dump-md pg)" == *"uuid-current 0x0000000000000004"* ]]
	cp grown.img disk.img
	cp hint.base var-lib-rblk/minor-3.md 2>/dev/null || sed -i "s/^disk-bytes .*/disk-bytes $OLD/" var-lib-rblk/minor-3.md
	run md wipe-md pg
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "pg: wiped the superblock at the former end of $BATS_TEST_TMPDIR/disk.img ($OLD bytes)" ]
	[ ! -e var-lib-rblk/minor-3.md ]
	run md dump-md pg
	[ "$status" -eq 1 ]
}
