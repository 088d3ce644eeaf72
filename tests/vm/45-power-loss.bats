#!/usr/bin/env bats
# SPDX-License-Identifier: (GPL-2.0 OR MIT)
# Power cuts with volatile write caches (tests/README.md, "The fault
# disk"). /dev/cachedisk is null_blk with a write-back cache: a write is
# acknowledged from the cache, only a flush or FUA puts it on the
# "platter", and a power cut of the disk drops the cache. What a node
# acknowledged must survive: the Primary keeps what its peer has not
# flushed yet (kmod/tl.c) and resyncs it after a loss; an application's
# flush reaches both platters.
#
# null_blk keeps its platter in the guest's RAM, so a node whose disk
# must outlive a crash of the whole node (the Primary, killed with its
# qemu) runs on /dev/vda instead, which has no volatile cache of its own
# here (qemu cache=none). Its own cache loss is emulated by a log
# instead: dm log-writes over /dev/vda records every write, flush and FUA
# on /dev/vdb, and after the crash the host rebuilds the disk as its
# cache would have left it (tests/tools/lw-replay.c).
#
#   RBLK_TRIALS=N   power cuts per test, each at a random point (default 1)

load ../lib/vm
load ../lib/rblk
load ../lib/pg

TRIALS=${RBLK_TRIALS:-1}

setup_file() {
	vm_setup_run
	vm_start pg1 --disk "$(vm_disk pg1 400M)" --disk "$(vm_disk pg1log 1G)" \
		--disk "$(vm_disk pg1md 64M)" --net l1 --ip 10.0.0.1/24
	vm_start pg2 --disk "$(vm_disk pg2 400M)" --disk "$(vm_disk pg2log 1G)" \
		--disk "$(vm_disk pg2md 64M)" --net l1 --ip 10.0.0.2/24
	for n in pg1 pg2; do
		# A cache larger than the disk: null_blk 6.1 crashed (NULL
		# pointer in __null_lookup_page) writing back a full cache
		# under load; a flush still writes it all back.
		vm_run $n "$(cache_disk_create 400 512)"
		rblk_load $n
	done
	pair_on /dev/cachedisk /dev/cachedisk
}

# After the PostgreSQL test, whatever failed in it: no client, no
# PostgreSQL, no VG_POSTGRES on either node, so that the tests after it
# find their disks free.
teardown() {
	local n
	vm_teardown
	[ -e "$RUN_DIR/pg-stack-up" ] || return 0
	rm -f "$RUN_DIR/pg-stack-up"
	pg_client_stop pg2 || true
	for n in pg1 pg2; do
		vm_run $n "su postgres -c '$PGBIN/pg_ctl -D /pgdata/pg -m immediate -w stop' >/dev/null 2>&1;
			umount /pgdata 2>/dev/null; vgchange -q -a n VG_POSTGRES >/dev/null 2>&1; true" || true
	done
}

teardown_file() {
	vm_teardown_all
}

# Fresh metadata on pg1's disk $1 and pg2's disk $2 (disk options $3, net
# options $4, metadata disks $5 and $6, default internal), one common
# generation, connected: a truthful start.
pair_on() {
	local n
	for n in pg1 pg2; do
		vm_run $n "$RBLKADM down pg >/dev/null 2>&1; true"
	done
	RBLK_DISK=$1 RBLK_META_DISK=${5:-internal} rblk_write_config pg1 "${4:-}" "${3:-}"
	RBLK_DISK=$2 RBLK_META_DISK=${6:-internal} rblk_write_config pg2 "${4:-}" "${3:-}"
	for n in pg1 pg2; do
		vm_run $n "$RBLKADM create-md --force pg >/dev/null &&
			$RBLKADM set-gi pg 1000:0:0:0:consistent,was-up-to-date >/dev/null && $RBLKADM up pg"
	done
	wait_conn pg1 Connected
	wait_conn pg2 Connected
}

# pg1 after a crash (vm_kill): booted again, up on its own disk (disk and
# net options $1 and $2).
pg1_back() {
	vm_restart pg1
	RBLK_DISK=/dev/vda rblk_write_config pg1 "${2:-}" "${1:-}"
	rblk_load pg1
	vm_run pg1 "$RBLKADM up pg"
}

# pg2 after its disk lost power: down, the disk on again (its platter
# only), up.
pg2_disk_back() {
	vm_run pg2 "$RBLKADM down pg; $(cache_disk_power 1) && $RBLKADM up pg"
}

# Guest command: /dev/mapper/slowflush, dm-delay over /dev/cachedisk that
# holds every flush for 8 s (reads and writes go straight through).
SLOW="/dev/cachedisk 0 0 /dev/cachedisk 0 0 /dev/cachedisk 0 8000"
slow_flush_create() {
	echo "modprobe dm_delay && dmsetup create slowflush --table \"0 \$(blockdev --getsz /dev/cachedisk) delay $SLOW\""
}

# Writes on pg1 (the Primary) until stopped: fio in the background, by
# default random over 8 extents of 4 MiB; $1 replaces the pattern. Each
# run has a seed of its own (randrepeat=0): fio's default repeats the
# offsets and the data of the run before, and a lost write that would
# have rewritten the same bytes cannot be told from one that was kept.
start_writes() {
	local how=${1:-"--size=32M --bsrange=4k-64k --rw=randwrite"}
	vm_run pg1 "rm -f /tmp/fio.stop; setsid -f sh -c 'while [ ! -e /tmp/fio.stop ]; do
		fio --name=w --filename=/dev/rblk0 --offset=8M $how \\
			--ioengine=libaio --iodepth=8 --direct=1 --refill_buffers --randrepeat=0 \\
			--time_based --runtime=5 >/dev/null 2>&1; done' </dev/null >/dev/null 2>&1"
}

stop_writes() {
	vm_run pg1 "touch /tmp/fio.stop; pkill -x fio; timeout 30 sh -c 'while pgrep -x fio; do sleep 0.2; done' >/dev/null; true"
}

# The cut comes after a random 1-16 MiB more were sent to pg2.
wait_random_point() {
	local sent want
	sent=$(stat_of pg1 sent-kib)
	want=$((sent + 1024 * (1 + RANDOM % 16)))
	vm_wait pg1 120 "[ \$($(st sent-kib)) -ge $want ]"
}

# Both nodes connected, resynced and UpToDate.
wait_in_sync() {
	wait_conn pg1 Connected 60
	wait_conn pg2 Connected 60
	vm_wait pg1 120 "[ \"\$($(st disk))\" = UpToDate ] && [ \"\$($(st peer-disk))\" = UpToDate ] && [ \"\$($(st out-of-sync-kib))\" = 0 ]"
	vm_wait pg2 30 "[ \"\$($(st disk))\" = UpToDate ] && [ \"\$($(st out-of-sync-kib))\" = 0 ]"
}

# Records on pg1, each a 4 KiB block "rec N" at block RECS + N, written
# with O_DIRECT and fsync (a flush through rblk to both disks). N is
# printed once its fsync returned, and the output streams to the host
# ($RUN_DIR/acked): what the application was told is durable, kept
# outside the node that crashes. The guests see the host's files, so the
# scripts live in RUN_DIR.
RECS=20480	# 80 MiB in, behind the random writes
start_records() {
	cat >"$RUN_DIR/records.sh" <<-EOF
	i=0
	while [ ! -e /tmp/rec.stop ] && [ \$i -lt 4000 ]; do
		i=\$((i + 1))
		printf '%-4095s\n' "rec \$i" |
			dd of=/dev/rblk0 bs=4k seek=\$(($RECS + i)) oflag=direct conv=fsync status=none || break
		echo \$i
	done
	EOF
	: >"$RUN_DIR/acked"
	vm_run pg1 "rm -f /tmp/rec.stop; sh $RUN_DIR/records.sh" >"$RUN_DIR/acked" 2>/dev/null &
}

# The last record the writer was told is durable.
records_acked() {
	grep -x '[0-9]*' "$RUN_DIR/acked" | tail -n 1
}

# How many of records 1..$2 on /dev/rblk0 of $1 are not "rec N".
records_bad() {
	cat >"$RUN_DIR/check.awk" <<-'EOF'
	$0 !~ ("^rec " NR " ") { bad++ }
	END { print bad + 0 }
	EOF
	vm_run "$1" "dd if=/dev/rblk0 bs=4k skip=$((RECS + 1)) count=$2 iflag=direct status=none |
		awk -f $RUN_DIR/check.awk"
}

@test "a Secondary's disk cache loses power: what it acknowledged is resynced (RBLK_TRIALS cuts)" {
	local t lost
	vm_run pg1 "$RBLKADM primary pg"
	for ((t = 1; t <= TRIALS; t++)); do
		start_writes
		wait_random_point
		# pg2 loses power: disk and link at once, in either order (the
		# disk first: pg1's last barriers fail; the link first: the
		# connection ends with writes in the log).
		if ((t % 2)); then
			vm_run pg2 "ip link set dev eth0 down && $(cache_disk_power 0)"
		else
			vm_run pg2 "$(cache_disk_power 0) && ip link set dev eth0 down"
		fi
		wait_conn pg1 Connecting
		stop_writes
		pg2_disk_back
		vm_link pg2 up
		wait_in_sync
		md5_both_equal || { echo "trial $t of $TRIALS"; false; }
	done
	# How often each path marked acknowledged writes, for the campaign's figures.
	run vm_run pg1 "dmesg | grep -c 'but not yet flushed there (.*): marked out of sync'"
	lost=$output
	run vm_run pg1 "dmesg | grep -c 'failed a .*flush.* of its disk'"
	echo "# $TRIALS trials; acknowledged writes marked at the connection's end in $lost, by a failed barrier in $output" >&3
	vm_run pg1 "$RBLKADM secondary pg"
}

@test "a SyncTarget's disk cache loses power in the middle of a resync: the resync ends with identical disks (RBLK_TRIALS cuts)" {
	local t total want
	# A slow resync (2 MiB/s), so that the cut lands in it.
	pair_on /dev/cachedisk /dev/cachedisk "c-plan-ahead 0; resync-rate 2M;"
	vm_run pg1 "$RBLKADM primary pg"
	for ((t = 1; t <= TRIALS; t++)); do
		# 24 MiB written while pg2 is away: its resync to come.
		vm_link pg2 down
		wait_conn pg1 Connecting
		vm_run pg1 "fio --name=s --filename=/dev/rblk0 --offset=8M --size=24M --bs=64k \
			--rw=write --ioengine=libaio --iodepth=8 --direct=1 --refill_buffers \
			--randrepeat=0 >/dev/null"
		total=$(stat_of pg1 out-of-sync-kib)
		vm_link pg2 up
		vm_wait pg2 60 "[ \"\$($(st connection))\" = SyncTarget ]"
		# The cut: after a random 1 MiB .. all but 1 MiB of it arrived.
		want=$((1024 + RANDOM % (total - 2048)))
		vm_wait pg2 120 "[ \$($(st resynced-kib)) -ge $want ] || [ \"\$($(st connection))\" = Connected ]"
		vm_run pg2 "$(cache_disk_power 0) && ip link set dev eth0 down"
		wait_conn pg1 Connecting
		pg2_disk_back
		vm_link pg2 up
		wait_in_sync
		md5_both_equal || { echo "trial $t of $TRIALS (cut after $want of $total KiB)"; false; }
	done
	vm_run pg1 "$RBLKADM secondary pg"
}

@test "the Primary crashes: the promoted survivor has every fsynced record, the old Primary resyncs (RBLK_TRIALS cuts)" {
	local t acked bad
	pair_on /dev/vda /dev/cachedisk
	for ((t = 1; t <= TRIALS; t++)); do
		vm_run pg1 "$RBLKADM primary pg"
		start_writes
		start_records
		wait_random_point
		vm_kill pg1
		wait
		acked=$(records_acked)
		[ -n "$acked" ] && [ "$acked" -gt 0 ] || { echo "trial $t: no record acknowledged"; false; }
		# The survivor takes over: every record whose fsync returned is there.
		wait_conn pg2 Connecting
		vm_run pg2 "$RBLKADM primary pg"
		bad=$(records_bad pg2 "$acked")
		[ "$bad" = 0 ] || { echo "trial $t: $bad of $acked fsynced records missing on pg2"; false; }
		# The old Primary comes back and catches up.
		pg1_back
		wait_in_sync
		md5_both_equal || { echo "trial $t of $TRIALS"; false; }
		vm_run pg2 "$RBLKADM secondary pg"
	done
}

# The disk of node $1 as a disk with a volatile write cache:
# /dev/mapper/lw, dm log-writes over its /dev/vda logging to its
# /dev/vdb. The start of the log is $RUN_DIR/$1.base.img, a copy of the
# node's disk taken while rblk was down on it; the log image is emptied
# first (the kernel never clears it, and a stale entry past the new end
# could pass for one).
lw_start() {
	local log=$RUN_DIR/${1}log.img
	cp --sparse=always "$RUN_DIR/$1.img" "$RUN_DIR/$1.base.img"
	truncate -s 0 "$log" && truncate -s 1G "$log"
	vm_run $1 "modprobe dm_log_writes &&
		dmsetup create lw --table \"0 \$(blockdev --getsz /dev/vda) log-writes /dev/vda /dev/vdb\""
}

# The power cut of node $1's disk: a mark in its log. Then the log is
# drained (dmsetup remove logs every write still held for a flush, after
# the mark: lost with the cache) and the node is killed; on the host its
# disk becomes the base image and the log replayed up to the last flush
# before the mark, with the FUA writes between them. Prints lw-replay's
# summary.
lw_power_cut() {
	local img=$RUN_DIR/$1.img
	vm_run $1 "dmsetup message lw 0 mark powercut"
	vm_run $1 "ip link set dev eth0 down"
	wait_conn $1 Connecting
	vm_run $1 "$RBLKADM secondary pg && $RBLKADM down pg && dmsetup status lw >/tmp/lw.status &&
		dmsetup remove lw && blockdev --flushbufs /dev/vdb"
	run vm_run $1 "cat /tmp/lw.status"
	[[ "$output" != *logging_disabled* ]] || { echo "the log is incomplete: $output"; return 1; }
	vm_kill $1
	cp --sparse=always "$RUN_DIR/$1.base.img" "$img"
	"$BATS_TEST_DIRNAME/../../build/tools/lw-replay" --mark powercut "$RUN_DIR/${1}log.img" "$img"
}

# The Primary's own cache: lost with the node, and what the application
# wrote since its last fsync with it. The survivor has every record whose
# fsync returned; the old Primary's disk lacks writes it had completed
# (its data differs from the survivor's), and its activity log must cover
# them: after its resync the disks are identical. The writers stop before the
# cut (and the link goes down after it), so that nothing reaches the peer
# after the moment pg1's disk lost its cache: pg2 has only what pg1's log
# saw before it, whose activity-log transactions were FUA writes before
# the mark. Follows the test above: pg1 on /dev/vda, in sync.
# bats test_tags=long
@test "the Primary's disk cache loses power with the node: the survivor has every fsynced record; the old Primary's activity log covers what its cache lost (RBLK_TRIALS cuts)" {
	local t acked bad kib
	for ((t = 1; t <= TRIALS; t++)); do
		vm_run pg1 "$RBLKADM down pg"
		lw_start pg1
		RBLK_DISK=/dev/mapper/lw rblk_write_config pg1
		vm_run pg1 "$RBLKADM up pg"
		wait_conn pg1 Connected 60
		vm_run pg1 "$RBLKADM primary pg"
		start_writes
		start_records
		wait_random_point
		vm_run pg1 "touch /tmp/rec.stop"
		wait
		acked=$(records_acked)
		[ -n "$acked" ] && [ "$acked" -gt 0 ] || { echo "trial $t: no record acknowledged"; false; }
		# fio alone for a moment: writes completed, never flushed here.
		wait_random_point
		stop_writes
		run lw_power_cut pg1
		echo "# trial $t: $acked records; pg1's disk: $output" >&3
		[ "$status" = 0 ] || { echo "trial $t: $output"; false; }
		wait_conn pg2 Connecting
		vm_run pg2 "$RBLKADM primary pg"
		bad=$(records_bad pg2 "$acked")
		[ "$bad" = 0 ] || { echo "trial $t: $bad of $acked fsynced records missing on pg2"; false; }
		# pg1's disk lost writes pg2 has (pg2 has nothing pg1 did not send).
		kib=$(stat_of pg2 size-kib)
		[ "$(head -c $((kib * 1024)) "$RUN_DIR/pg1.img" | md5sum | cut -d' ' -f1)" != \
		  "$(vm_run pg2 "$(md5_data)")" ] || { echo "trial $t: pg1's disk lost nothing"; false; }
		pg1_back
		wait_in_sync
		md5_both_equal || { echo "trial $t of $TRIALS"; false; }
		vm_run pg2 "$RBLKADM secondary pg"
	done
}

# bats test_tags=long
@test "the Primary crashes while the Secondary's cache loses power, and the activity log evicts extents: the crashed Primary's log covers what the peer lost (RBLK_TRIALS cuts)" {
	local t
	# 7 extents of 4 MiB in the log, sequential writes sweeping over 16:
	# each new extent evicts the one written 7 extents (28 MiB) ago. pg2's
	# flushes take 8 s (dm-delay), so without a wait for the peer's flush
	# the log would forget extents whose writes are in pg2's cache only
	# (more than 28 MiB are written in 8 s here). A receiver that waits
	# for such a flush reads and answers nothing meanwhile (the SyncTarget
	# writes its bitmap after a flush of its disk): ping-timeout 12 s,
	# timeout 15 s.
	vm_run pg2 "$RBLKADM down pg; $(slow_flush_create)"
	pair_on /dev/vda /dev/mapper/slowflush "al-extents 7;" "ping-timeout 120; timeout 150;"
	for ((t = 1; t <= TRIALS; t++)); do
		vm_run pg1 "$RBLKADM primary pg"
		start_writes "--size=64M --bs=64k --rw=write"
		wait_random_point
		# One moment: pg2's disk and link, pg1 whole.
		vm_run pg2 "$(cache_disk_power 0) && ip link set dev eth0 down" &
		vm_kill pg1
		wait
		vm_run pg2 "$RBLKADM down pg; dmsetup remove slowflush && $(cache_disk_power 1) &&
			$(slow_flush_create) && $RBLKADM up pg"
		vm_link pg2 up
		pg1_back "al-extents 7;" "ping-timeout 120; timeout 150;"
		wait_in_sync
		md5_both_equal || { echo "trial $t of $TRIALS"; false; }
	done
	# The next test's disks.
	vm_run pg2 "$RBLKADM down pg; dmsetup remove slowflush"
}

PG_CONN="host=10.0.0.1 user=postgres dbname=postgres connect_timeout=5"

# In make check (RBLK_TRIALS unset) 50-pg-stack's recipe 5 is this test,
# with two cuts; the campaign (make power-cuts) runs this one.
@test "PostgreSQL: the Primary crashes; the promoted survivor has every committed transaction (RBLK_TRIALS cuts)" {
	local t n want missing max
	[ -n "${RBLK_TRIALS:-}" ] ||
		skip "in make check 50-pg-stack's recipe 5 does this; make power-cuts runs it"
	touch "$RUN_DIR/pg-stack-up"	# teardown() takes it down, whatever fails
	# Plain disks: what is checked is the survivor's, whose disk keeps
	# its cache (null_blk 6.1 also crashed here under mkfs.xfs's writes).
	pair_on /dev/vda /dev/vda
	# VG_POSTGRES/LV_DATA on /dev/rblk0 -> XFS -> PostgreSQL; LVM looks
	# at rblk devices only (pg1's /dev/vda holds the same PV).
	cat >"$RUN_DIR/lvmlocal.conf" <<-EOF
	activation { udev_sync = 0 udev_rules = 0 monitoring = 0 }
	devices {
	    obtain_device_list_from_udev = 0
	    types = [ "rblk", 16 ]
	    filter = [ "a|^/dev/rblk[0-9]+\$|", "r|.*|" ]
	}
	global { use_lvmlockd = 0 }
	EOF
	for n in pg1 pg2; do
		vm_run $n "cp $RUN_DIR/lvmlocal.conf /etc/lvm/lvmlocal.conf && rm -f /etc/lvm/devices/system.devices"
	done
	vm_run pg1 "$RBLKADM primary pg && dd if=/dev/zero of=/dev/rblk0 bs=1M count=4 oflag=direct status=none"
	pg_create pg1
	for ((t = 1; t <= TRIALS; t++)); do
		# The client runs on pg2: its record of commits outlives pg1. It
		# starts past the ids of the trials before (each taken id would
		# cost it a failed INSERT).
		vm_run pg2 "rm -f /tmp/acked"
		max=$(vm_run pg1 "psql -h /run/postgresql -U postgres -qAt -c 'select coalesce(max(id), 0) from t'")
		pg_client_start pg2 "$PG_CONN" "$max"
		# About one commit a second here (a psql per INSERT under TCG).
		want=$((10 + RANDOM % 50))
		vm_wait pg2 240 "[ \$(cat /tmp/acked 2>/dev/null | wc -l) -ge $want ]" || {
			echo "trial $t: fewer than $want commits acknowledged"
			vm_run pg2 "wc -l /tmp/acked; psql '$PG_CONN' -c 'insert into t values (-1)'" || true
			vm_run pg1 "tail -n 20 /tmp/pg.log; ss -ltn; ip -br addr; mount | grep pgdata" || true
			false
		}
		vm_kill pg1
		pg_client_stop pg2
		# pg2 takes over: every commit PostgreSQL acknowledged is there.
		wait_conn pg2 Connecting
		vm_run pg2 "$RBLKADM primary pg"
		pg_start pg2
		missing=$(pg_missing_on pg2)
		[ "$missing" = 0 ] || { echo "trial $t: $missing of $(pg_acked_count pg2) committed ids missing"; false; }
		pg1_back
		vm_run pg1 "cp $RUN_DIR/lvmlocal.conf /etc/lvm/lvmlocal.conf && rm -f /etc/lvm/devices/system.devices"
		wait_in_sync
		# Back to pg1, the disks compared on the way (both Secondary).
		pg_stop pg2
		vm_run pg2 "$RBLKADM secondary pg"
		md5_both_equal || { echo "trial $t of $TRIALS"; false; }
		vm_run pg1 "$RBLKADM primary pg"
		pg_start pg1
	done
	pg_stop pg1
	vm_run pg1 "$RBLKADM secondary pg"
}

# What the old Primary wrote on a Secondary was acknowledged from its
# cache; once that Secondary is the Primary, it is the data of record and
# must survive that cache: the promotion flushes the disk first
# (promote_flush_local in kmod/state.c). pg2's metadata is on a disk of
# its own (/dev/vdc, no cache): with internal metadata the metadata write
# when the connection to the Primary ends is a PREFLUSH on the same disk
# and would hide a promotion without its flush (a negative control on
# 2026-12-04 passed that way). 1 MiB written on pg1 and acknowledged by
# pg2, pg1 killed at once (before its next barrier, 1 s later, would
# flush pg2's disk), pg2 promoted, then pg2's data disk loses its cache
# (dm log-writes, as above): the 1 MiB is on pg2's disk, and after pg1's
# return on both. Last but one in the file: it zeroes both /dev/vda and
# leaves pg2 without its null_blk disk.
# bats test_tags=long
@test "a promoted Secondary makes the old Primary's writes durable first: its cache lost right after the promotion keeps them" {
	local pat=$RUN_DIR/pattern sum n
	for n in pg1 pg2; do
		vm_run $n "$RBLKADM down pg >/dev/null 2>&1; blkdiscard -z /dev/vda"
	done
	lw_start pg2
	# External metadata on both, so that the data areas are the same size:
	# pg1's on its log disk, unused here.
	pair_on /dev/vda /dev/mapper/lw "" "" /dev/vdb /dev/vdc
	head -c 1M /dev/urandom >"$pat"
	sum=$(md5sum <"$pat" | cut -d' ' -f1)
	vm_run pg1 "$RBLKADM primary pg"
	vm_run pg1 "dd if=$pat of=/dev/rblk0 bs=1M seek=16 oflag=direct status=none"
	vm_kill pg1
	wait_conn pg2 Connecting
	vm_run pg2 "$RBLKADM primary pg"
	run lw_power_cut pg2
	echo "# pg2's disk: $output" >&3
	[ "$status" = 0 ] || { echo "$output"; false; }
	vm_restart pg2
	RBLK_DISK=/dev/vda RBLK_META_DISK=/dev/vdc rblk_write_config pg2
	rblk_load pg2
	run vm_run pg2 "dd if=/dev/vda bs=1M skip=16 count=1 iflag=direct status=none | md5sum | cut -d' ' -f1"
	[ "$output" = "$sum" ] || { echo "the 1 MiB pg2 had acknowledged is not on its disk"; false; }
	vm_run pg2 "$RBLKADM up pg"
	RBLK_META_DISK=/dev/vdb pg1_back
	wait_in_sync
	md5_both_equal
}

# The other way round: a Primary that becomes Secondary clears the primary
# flag in its metadata, and with it the replay of its activity log after a
# crash; what it wrote must be durable on its own disk first. With
# internal metadata the flag's write is a PREFLUSH on that disk; with
# metadata on a disk of its own (/dev/vdc here) the data disk is flushed
# first (rblk_meta_write in kmod/meta.c). 1 MiB written on pg1 without a
# flush (its AL transaction goes to /dev/vdc, the barriers to pg2's disk),
# pg1 demoted, then its data disk loses its cache (dm log-writes): the
# 1 MiB is on pg1's disk, and nothing needs a resync. Without that flush
# (the negative control) the 1 MiB is lost and, both nodes in one
# generation with nothing marked, never resynced.
# bats test_tags=long
@test "a demoted Primary with external metadata makes its writes durable first: its cache lost right after the demotion keeps them" {
	local pat=$RUN_DIR/pattern sum n
	for n in pg1 pg2; do
		vm_run $n "$RBLKADM down pg >/dev/null 2>&1; blkdiscard -z /dev/vda"
	done
	lw_start pg1
	pair_on /dev/mapper/lw /dev/vda "" "" /dev/vdc /dev/vdc
	head -c 1M /dev/urandom >"$pat"
	sum=$(md5sum <"$pat" | cut -d' ' -f1)
	vm_run pg1 "$RBLKADM primary pg"
	vm_run pg1 "dd if=$pat of=/dev/rblk0 bs=1M seek=16 oflag=direct status=none"
	vm_run pg1 "$RBLKADM secondary pg"
	run lw_power_cut pg1
	echo "# pg1's disk: $output" >&3
	[ "$status" = 0 ] || { echo "$output"; false; }
	vm_restart pg1
	RBLK_DISK=/dev/vda RBLK_META_DISK=/dev/vdc rblk_write_config pg1
	rblk_load pg1
	run vm_run pg1 "dd if=/dev/vda bs=1M skip=16 count=1 iflag=direct status=none | md5sum | cut -d' ' -f1"
	[ "$output" = "$sum" ] || { echo "the 1 MiB pg1 wrote before its demotion is not on its disk"; false; }
	vm_run pg1 "$RBLKADM up pg"
	wait_in_sync
	md5_both_equal
}
