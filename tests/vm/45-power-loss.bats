#!/usr/bin/env bats
# SPDX-License-Identifier: (GPL-2.0 OR MIT)
# Disks with a volatile write cache that lose power. Both nodes' backing
# disks are the fault disk of tests/lib/rblk.bash (null_blk with a
# write-back cache): a write is acknowledged from the cache, and only a
# flush or FUA puts it on the "platter"; a power cut drops the cache.
# What a node acknowledged must survive it: the Primary keeps what its
# peer has not flushed yet (kmod/tl.c) and resyncs it after a loss.
#
#   RBLK_TRIALS=N   power cuts per test, each at a random point (default 1)

load ../lib/vm
load ../lib/rblk

RBLK_DISK=/dev/cachedisk
TRIALS=${RBLK_TRIALS:-1}

setup_file() {
	vm_setup_run
	vm_start pg1 --net l1 --ip 10.0.0.1/24
	vm_start pg2 --net l1 --ip 10.0.0.2/24
	for n in pg1 pg2; do
		vm_run $n "$(cache_disk_create 128 64)"
		rblk_write_config $n
		rblk_load $n
		vm_run $n "$RBLKADM create-md pg >/dev/null &&
			$RBLKADM set-gi pg 1000:0:0:0:consistent,was-up-to-date && $RBLKADM up pg"
	done
	wait_conn pg1 Connected
	wait_conn pg2 Connected
}

teardown_file() {
	vm_teardown_all
}

# Random writes on pg1 (the Primary) until stopped: fio in the background.
start_writes() {
	vm_run pg1 "rm -f /tmp/fio.stop; setsid -f sh -c 'while [ ! -e /tmp/fio.stop ]; do
		fio --name=w --filename=/dev/rblk0 --offset=8M --size=32M --bsrange=4k-64k \\
			--rw=randwrite --ioengine=libaio --iodepth=8 --direct=1 --refill_buffers \\
			--time_based --runtime=5 >/dev/null 2>&1; done' </dev/null >/dev/null 2>&1"
}

stop_writes() {
	vm_run pg1 "touch /tmp/fio.stop; pkill -x fio; timeout 30 sh -c 'while pgrep -x fio; do sleep 0.2; done' >/dev/null; true"
}

# Both nodes connected, resynced and UpToDate.
wait_in_sync() {
	wait_conn pg1 Connected 60
	wait_conn pg2 Connected 60
	vm_wait pg1 120 "[ \"\$($(st disk))\" = UpToDate ] && [ \"\$($(st peer-disk))\" = UpToDate ] && [ \"\$($(st out-of-sync-kib))\" = 0 ]"
	vm_wait pg2 30 "[ \"\$($(st disk))\" = UpToDate ] && [ \"\$($(st out-of-sync-kib))\" = 0 ]"
}

@test "a Secondary's disk cache loses power: what it acknowledged is resynced (RBLK_TRIALS cuts)" {
	local t sent want lost
	vm_run pg1 "$RBLKADM primary pg"
	for ((t = 1; t <= TRIALS; t++)); do
		start_writes
		# The cut comes after a random 1-16 MiB more were sent to pg2.
		sent=$(stat_of pg1 sent-kib)
		want=$((sent + 1024 * (1 + RANDOM % 16)))
		vm_wait pg1 120 "[ \$($(st sent-kib)) -ge $want ]"
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
		# pg2 comes back with what was on its platter.
		vm_run pg2 "$RBLKADM down pg; $(cache_disk_power 1) && $RBLKADM up pg"
		vm_link pg2 up
		wait_in_sync
		md5_both_equal || { echo "trial $t of $TRIALS"; false; }
	done
	# How often each path marked acknowledged writes, for the campaign's figures.
	run vm_run pg1 "dmesg | grep -c 'but not yet flushed there: marked out of sync'"
	lost=$output
	run vm_run pg1 "dmesg | grep -c 'failed to flush its disk'"
	echo "# $TRIALS trials; acknowledged writes marked at the connection's end in $lost, by a failed barrier in $output" >&3
	vm_run pg1 "$RBLKADM secondary pg"
}
