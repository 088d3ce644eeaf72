# SPDX-License-Identifier: (GPL-2.0 OR MIT)
# rblk helpers for VM tests, on top of vm.bash. Commands run in the guest
# with the repository root as working directory.

# The module built for the guest's running kernel.
RBLK_KO='$(k=$(uname -r); m=build/kmod-$k/rblk.ko; [ -f "$m" ] || m=kmod/rblk.ko; echo "$m")'
RBLKADM=user/rblkadm

# Handlers run through this checkout's rblkadm (the guest sees the host's
# files at the same path).
rblk_load() {
	vm_run "$1" "insmod $RBLK_KO usermode_helper=\$PWD/$RBLKADM"
}

rblk_unload() {
	vm_run "$1" "rmmod rblk"
}

# Guest command: md5 of a whole block device, read with O_DIRECT so that
# no stale page cache of the backing disk hides what rblk wrote under it.
md5_of() {
	echo "dd if=$1 bs=1M iflag=direct status=none | md5sum | cut -d' ' -f1"
}

# Assert that $output contains the fixed string $1.
assert_output_has() {
	if [[ "$output" != *"$1"* ]]; then
		echo "expected output to contain: $1" >&2
		echo "actual output: $output" >&2
		return 1
	fi
}

assert_status() {
	if [ "$status" -ne "$1" ]; then
		echo "expected exit status $1, got $status; output: $output" >&2
		return 1
	fi
}

# The liveness settings of the test config in tenths of a second (0.5 s
# and 1 s), times RBLK_NET_SCALE (default VM_TIME_SCALE): under a debug
# kernel a guest can take longer than a second to acknowledge a write
# (9 s seen under KASAN), and a peer given up on starts a resync no test
# expects. A test that asserts these times gives them itself.
RBLK_NET_SCALE=${RBLK_NET_SCALE:-${VM_TIME_SCALE:-1}}
RBLK_PING_TIMEOUT=$((5 * RBLK_NET_SCALE))
RBLK_TIMEOUT=$((10 * RBLK_NET_SCALE))

# How far MemAvailable may fall from one round of a flood test to the
# next, once the connection is gone (KiB). Under KASAN (the debug lane)
# freed memory does not all come back at once: the shadow of vmalloc'd
# areas (the kernel stacks of exited processes among them) goes with their
# lazy purge, and KASAN's stack depot keeps every new allocation stack for
# good. There the lane's kmemleak scan at teardown is the leak check.
if grep -qx 'CONFIG_KASAN=y' "/boot/config-$(vm_default_kver)" 2>/dev/null; then
	RBLK_MEM_SLACK_KIB=8192
else
	RBLK_MEM_SLACK_KIB=2048
fi

# The backing disk of the tests' resource (a test file may set another).
RBLK_DISK=${RBLK_DISK:-/dev/vda}

# The two-node resource "pg" on pg1 (10.0.0.1) and pg2 (10.0.0.2) over
# $RBLK_DISK (metadata on $RBLK_META_DISK, default internal), with fast
# liveness settings so that tests do not wait long.
# Extra net{} options may be passed as $2 (one of the liveness settings
# there replaces ours), extra disk{} options as $3. Handlers log
# "EVENT RESOURCE PEER" lines to /tmp/rblk-handlers.log; more handlers
# may be given in RBLK_HANDLERS_EXTRA, and RBLK_BEFORE_RESYNC_TARGET
# replaces the before-resync-target command (a guest path, say).
rblk_write_config() {
	local vm=$1 net_extra=${2:-} disk_extra=${3:-} f="$RUN_DIR/rblk.conf.$1"
	local o net=""

	for o in "ping-int 1" "ping-timeout $RBLK_PING_TIMEOUT" "timeout $RBLK_TIMEOUT" \
		 "ko-count 3" "connect-int 1"; do
		[[ " $net_extra" == *" ${o% *} "* ]] || net+="$o; "
	done

	cat >"$f" <<-EOF2
	resource pg {
	    device minor 0;
	    disk $RBLK_DISK;
	    meta-disk ${RBLK_META_DISK:-internal};
	    net { $net$net_extra }
	    ${disk_extra:+disk { $disk_extra \}}
	    handlers {
	        split-brain "echo \$RBLK_EVENT \$RBLK_RESOURCE \$RBLK_PEER >> /tmp/rblk-handlers.log";
	        before-resync-target "${RBLK_BEFORE_RESYNC_TARGET:-echo \$RBLK_EVENT \$RBLK_RESOURCE \$RBLK_PEER >> /tmp/rblk-handlers.log}";
	        after-resync-target "echo \$RBLK_EVENT \$RBLK_RESOURCE \$RBLK_PEER >> /tmp/rblk-handlers.log";
	        out-of-sync "echo \$RBLK_EVENT \$RBLK_RESOURCE \$RBLK_PEER >> /tmp/rblk-handlers.log";
	        ${RBLK_HANDLERS_EXTRA:-}
	    }
	    on pg1 { address 10.0.0.1:7788; }
	    on pg2 { address 10.0.0.2:7788; }
	}
	EOF2
	# The guest sees the host's files: copy it into the guest's /etc.
	vm_run "$vm" "cp '$f' /etc/rblk.conf"
}

# Wait until pg on both nodes is Connected, both disks UpToDate, nothing
# out of sync (within $1 s, default 60): what an operator sees before a
# switchover. A connection lost meanwhile (a guest that stalled longer
# than timeout x ko-count on a loaded host) has resynced by then; without
# fencing, a Secondary promoted while it reconnects is promoted alone,
# with what it had.
wait_in_sync() {
	local n
	for n in pg1 pg2; do
		vm_wait $n "${1:-60}" "$RBLKADM status --json pg | jq -e '.[0] |
			.connection == \"Connected\" and .disk == \"UpToDate\" and
			.[\"peer-disk\"] == \"UpToDate\" and .[\"out-of-sync-kib\"] == 0' >/dev/null"
	done
}

# Guest command: the value of a status --json field of resource pg.
st() {
	echo "$RBLKADM status --json pg | jq -r '.[0][\"$1\"]'"
}

# Wait until pg on $1 shows connection state $2 (within $3 s, default 30).
wait_conn() {
	vm_wait "$1" "${3:-30}" "[ \"\$($(st connection))\" = $2 ]"
}

# The value of status field $2 of pg on $1.
stat_of() {
	vm_run "$1" "$(st "$2")"
}

# Guest command: md5 of the replicated data area of the backing disk as
# status names it (the metadata at its end is per node and differs by
# design).
md5_data() {
	echo "n=\$($(st size-kib)); dd if=\$($(st backing)) bs=1M count=\$((n * 1024)) iflag=direct,count_bytes status=none | md5sum | cut -d' ' -f1"
}

# The data areas of pg1 and pg2 are identical.
# Both at once: each guest reads its own disk (on two host cores).
md5_both_equal() {
	local a b f pid
	f=$(mktemp "$RUN_DIR/md5.XXXXXX")
	vm_run pg2 "$(md5_data)" >"$f" &
	pid=$!
	a=$(vm_run pg1 "$(md5_data)")
	wait "$pid" || { echo "pg2: reading the data area failed"; rm -f "$f"; return 1; }
	b=$(<"$f")
	rm -f "$f"
	[ -n "$a" ] && [ "$a" = "$b" ] || { echo "pg1 $a != pg2 $b"; return 1; }
}

# Both disks of pg1 and pg2 zeroed, fresh metadata, one common generation,
# connected, the handler log emptied: a truthful "in sync" start for a
# test that follows a divergence. Both go down before either comes up: an
# old peer must not meet a new one. A device-mapper $RBLK_DISK
# (/dev/mapper/NAME, see dm_swap below) is made linear over /dev/vda again
# first (pg1's over $1 if given), whatever a test left: an error table,
# another disk, a suspended device.
reseed() {
	local n name=${RBLK_DISK#/dev/mapper/} resume= relink=
	if [ "$name" != "$RBLK_DISK" ]; then
		resume="dmsetup resume $name >/dev/null 2>&1"
	fi
	for n in pg1 pg2; do
		# A load a failed test left running (the /tmp/fio.stop and
		# /tmp/w.stop loops).
		vm_run $n "touch /tmp/fio.stop /tmp/w.stop; pkill -x fio; timeout 30 sh -c 'while pgrep -x fio || pgrep -x dd; do sleep 0.2; done' >/dev/null
			$resume
			$RBLKADM down pg >/dev/null 2>&1; rm -f /tmp/rblk-handlers.log /tmp/fio.rc; true"
	done
	for n in pg1 pg2; do
		if [ -n "$resume" ]; then
			relink="$(dm_linear "$([ $n = pg1 ] && echo "${1:-/dev/vda}" || echo /dev/vda)") &&"
		fi
		vm_run $n "$relink blkdiscard -f -z $RBLK_DISK &&
			$RBLKADM create-md --force pg >/dev/null &&
			$RBLKADM set-gi pg 3000:0:0:0:consistent,was-up-to-date >/dev/null &&
			$RBLKADM up pg"
	done
	wait_conn pg1 Connected
	wait_conn pg2 Connected
}

# A new line in both kernel logs; since_mark prints (a guest command) what
# came after the last one, so that a test looks only at what it caused
# (the log is never cleared: the harness checks all of it).
mark() {
	local n
	mark_id=$BATS_TEST_NUMBER.$RANDOM
	for n in pg1 pg2; do
		vm_run $n "echo 'rblk-test: mark $mark_id' >/dev/kmsg"
	done
}

since_mark() {
	echo "dmesg | sed -n '/rblk-test: mark $mark_id\$/,\$p'"
}

# The fault disk of the power-loss tests (tests/README.md): null_blk with
# memory_backed and a write-back cache of $2 MiB in front of $1 MiB of
# "platter". Writes are acknowledged from the cache and reach the platter
# on a flush or FUA (or when the cache is full); powering it off drops the
# cache, powering it on brings back /dev/cachedisk (null_blk names a disk
# made in configfs after its directory) with the platter only. Guest
# commands.
cache_disk_create() {
	echo "modprobe null_blk nr_devices=0 &&
		{ mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config; } &&
		d=/sys/kernel/config/nullb/cachedisk && mkdir \$d && echo 1 >\$d/memory_backed &&
		echo 4096 >\$d/blocksize && echo $1 >\$d/size && echo $2 >\$d/cache_size &&
		echo 1 >\$d/power && [ -b /dev/cachedisk ]"
}

# Power the fault disk off (1 -> 0: its cache is gone) or on (0 -> 1).
cache_disk_power() {
	echo "echo $1 >/sys/kernel/config/nullb/cachedisk/power && { [ $1 = 0 ] || [ -b /dev/cachedisk ]; }"
}

# ---- A backing disk that fails or is replaced (tests/vm/56-disk-failure.bats)
# The resource's disk $RBLK_DISK is a device-mapper device, /dev/mapper/NAME
# (the test file sets RBLK_DISK before loading this file), over a guest
# disk. Swapping its table fails it (an error target: every I/O ends with
# EIO) or replaces it (a linear target over another disk). Guest commands,
# like md5_of.

# Guest command: swap the table of $RBLK_DISK for "0 SIZE $1", SIZE the
# device's own. I/O in flight is held (--noflush) and goes to the new
# table; a table that does not load leaves the old one running.
dm_swap() {
	local name=${RBLK_DISK#/dev/mapper/}
	echo "sz=\$(blockdev --getsz $RBLK_DISK) && dmsetup suspend --noflush $name &&
		{ dmsetup load $name --table \"0 \$sz $1\" && dmsetup resume $name ||
		  { dmsetup resume $name; false; }; }"
}

# Guest command: $RBLK_DISK linear over guest disk $1 from its start:
# created (as large as $1), or its table swapped (as large as before: $1
# must be at least that large).
dm_linear() {
	local name=${RBLK_DISK#/dev/mapper/}
	echo "modprobe dm-mod && if [ -b $RBLK_DISK ]; then $(dm_swap "linear $1 0");
		else dmsetup create $name --table \"0 \$(blockdev --getsz $1) linear $1 0\"; fi"
}

# Guest command: from now on every I/O to $RBLK_DISK fails (EIO).
dm_fail() {
	dm_swap error
}

# Guest command: a scsi_debug disk as large as the others (128 MiB, $2-byte
# logical blocks, default 512), its name (sdX) left in /tmp/sdebug. Once
# sdebug_faulty 1, reading sectors $1..$1+7 fails (a medium error: an
# unreadable sector) while writing them succeeds (as a disk that remaps a
# sector when it is written).
sdebug_create() {
	echo "modprobe sd_mod && modprobe scsi_debug dev_size_mb=128 sector_size=${2:-512} delay=0 opts=0 medium_error_start=$1 medium_error_count=8 &&
		for i in \$(seq 100); do
			d=\$(ls /sys/bus/pseudo/drivers/scsi_debug/adapter0/host*/target*/*:*/block 2>/dev/null) &&
			[ -b /dev/\$d ] && break; sleep 0.1; done &&
		[ -b /dev/\$d ] && echo /dev/\$d >/tmp/sdebug"
}

# Guest command: the scsi_debug disk's bad sectors fail reads (1) or not (0).
sdebug_faulty() {
	echo "echo $(($1 * 2)) >/sys/bus/pseudo/drivers/scsi_debug/opts"
}
