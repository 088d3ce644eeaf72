#!/usr/bin/env bats
# Self-test of the VM harness (tests/lib/vm.bash): boot, commands, disks,
# power cut, network between two guests, link faults, kernel log checks,
# and the tools the rblk tests rely on (xfs, lvm, postgres, modprobe).

load ../lib/vm

setup_file() {
	vm_setup_run
	vm_disk d1 512M >/dev/null
	vm_disk d2 64M >/dev/null
	vm_start n1 --no-wait --disk "$RUN_DIR/d1.img" --disk "$RUN_DIR/d2.img" \
		--net l1 --ip 10.0.0.1/24
	vm_start n2 --no-wait --net l1 --ip 10.0.0.2/24
	vm_wait_up n1 n2
	sed 's/^/# /' "$RUN_DIR/boot-times.log" >&3
}

teardown() {
	vm_teardown
}

teardown_file() {
	vm_teardown_all
}

@test "command output and exit status" {
	run vm_run n1 'echo hello; echo oops >&2; hostname'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = hello ]
	[ "${lines[1]}" = oops ]
	[ "${lines[2]}" = n1 ]

	run vm_run n1 'exit 7'
	[ "$status" -eq 7 ]

	run vm_run n1 false
	[ "$status" -eq 1 ]

	# arguments are joined and run by sh -c, cwd is the repo root
	run vm_run n1 echo a b '&&' pwd
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "a b" ]
	[ "${lines[1]}" = "$RBLK_REPO" ]

	# separate streams
	out=$(vm_run_split n1 'echo to-out; echo to-err >&2' 2>/dev/null)
	[ "$out" = to-out ]
}

@test "large output arrives intact" {
	local want got
	want=$(vm_run n1 'seq 1 1500000 | md5sum' | cut -d' ' -f1)
	got=$(vm_run n1 'seq 1 1500000' | md5sum | cut -d' ' -f1)
	[ -n "$want" ]
	[ "$want" = "$got" ]
	# binary data
	want=$(vm_run n1 'head -c 8000000 /dev/urandom | tee /tmp/rnd | md5sum' | cut -d' ' -f1)
	got=$(vm_run_split n1 'cat /tmp/rnd' | md5sum | cut -d' ' -f1)
	[ "$want" = "$got" ]
}

@test "timeout, parallel commands, background processes" {
	local t0 t1
	t0=$SECONDS
	VM_TIMEOUT=2 run vm_run n1 'sleep 60'
	[ "$status" -eq 124 ]
	[ $((SECONDS - t0)) -lt 15 ]

	# background processes outlive the command and do not block it
	run vm_run n1 'sleep 300 >/dev/null 2>&1 & sleep 100 & echo started'
	[ "$status" -eq 0 ]
	[ "$output" = started ]
	run vm_run n1 'pgrep -x sleep | wc -l'
	[ "$output" -ge 2 ]
	vm_run n1 'pkill -x sleep; true'

	# several commands at once on one guest: three in parallel take less
	# than two one after the other (one alone: 5 s plus a round trip)
	t0=$(date +%s%N)
	vm_run n1 'sleep 5' &
	vm_run n1 'sleep 5' &
	vm_run n1 'sleep 5' &
	wait
	t1=$(date +%s%N)
	[ $(( (t1 - t0) / 1000000 )) -lt 10000 ]
}

@test "a command stuck in D state times out and does not block the guest" {
	vm_run n2 'modprobe dm-mod && dmsetup create stuck --table "0 1000 zero" && dmsetup suspend stuck'
	local t0=$SECONDS
	VM_TIMEOUT=2 run vm_run n2 'exec dd if=/dev/mapper/stuck of=/dev/null iflag=direct count=1'
	[ "$status" -eq 124 ]
	[[ "$output" == *"did not die"* ]]
	[ $((SECONDS - t0)) -lt 30 ]
	run vm_run n2 'echo alive'
	[ "$output" = alive ]
	vm_run n2 'dmsetup resume stuck && dmsetup remove stuck'
}

@test "disks are present with their sizes" {
	run vm_run n1 'blockdev --getsize64 /dev/vda /dev/vdb'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 536870912 ]
	[ "${lines[1]}" = 67108864 ]
	run vm_run n1 'readlink /dev/disk/by-id/virtio-d1 /dev/disk/by-id/virtio-d2'
	[ "${lines[0]}" = ../../vda ]
	[ "${lines[1]}" = ../../vdb ]
	run vm_run n2 'ls /sys/block | grep -c ^vd'
	[ "$output" = 0 ]
}

# tests/README.md, "A lost interrupt": the disks run without event_idx, and
# the guest reads each one every 5 s, so that a completion whose interrupt
# was lost is collected by the next one.
@test "a lost disk interrupt is collected: no event_idx, each disk read every 5 s" {
	local f
	run vm_monitor n1 "info virtio"
	f=$(sed -n 's|^\(/machine/[^ ]*virtio-backend\) \[virtio-blk\].*|\1|p' <<<"$output" | head -n 1)
	[ -n "$f" ] || { echo "$output"; false; }
	run vm_monitor n1 "info virtio-status $f"
	[[ "$output" == *VIRTIO_BLK_F_FLUSH* ]] || { echo "$output"; false; }
	[[ "$(sed -n '/Guest features/,/Host features/p' <<<"$output")" != *EVENT_IDX* ]] ||
		{ echo "$output"; false; }
	# reads completed (the first field of stat) grow on both disks, idle
	run vm_run n1 'r() { read -r n _ </sys/block/$1/stat; echo $n; }
		a=$(r vda) b=$(r vdb)
		for i in $(seq 60); do
			[ $(r vda) -gt $a ] && [ $(r vdb) -gt $b ] && echo read && exit 0
			sleep 0.2
		done; echo "vda $a -> $(r vda), vdb $b -> $(r vdb)"'
	[ "$output" = read ] || { echo "$output"; false; }
}

@test "power cut keeps synced writes, guest boots again on the same disks" {
	local sum sum1
	# 4 MiB pattern at 16 MiB with O_DIRECT, 1 MiB at 64 MiB buffered + sync
	sum=$(vm_run n1 'head -c 4194304 /dev/urandom >/tmp/pat && md5sum </tmp/pat' | cut -d' ' -f1)
	sum1=$(vm_run n1 'head -c 1048576 /tmp/pat | md5sum' | cut -d' ' -f1)
	vm_run n1 'dd if=/tmp/pat of=/dev/vda bs=1M seek=16 oflag=direct status=none'
	vm_run n1 'head -c 1048576 /tmp/pat | dd of=/dev/vda bs=1M seek=64 status=none && sync'
	vm_kill n1
	run vm_is_running n1
	[ "$status" -ne 0 ]
	run vm_run n1 true
	[ "$status" -eq 255 ]

	vm_restart n1
	[ "$(cat "$RUN_DIR/n1.boots")" = 2 ]
	[ -s "$RUN_DIR/n1.console.2.log" ]
	run vm_run n1 'dd if=/dev/vda bs=1M skip=16 count=4 iflag=direct status=none | md5sum'
	[ "${output%% *}" = "$sum" ]
	run vm_run n1 'dd if=/dev/vda bs=1M skip=64 count=1 iflag=direct status=none | md5sum'
	[ "${output%% *}" = "$sum1" ]
	# the network comes back too
	vm_wait n1 30 ping -c1 -W1 10.0.0.2
}

@test "two guests on one link ping each other" {
	run vm_run n1 'ping -c 10 -i 0.2 -q 10.0.0.2'
	echo "$output"
	[ "$status" -eq 0 ]
	echo "# n1 -> n2: $(echo "$output" | grep -E 'rtt|round-trip')" >&3
	run vm_run n2 'ping -c 3 -i 0.2 -q 10.0.0.1'
	[ "$status" -eq 0 ]
	# only the two guests are on the wire
	run vm_run n1 'ping -c 1 -W 1 10.0.0.3'
	[ "$status" -ne 0 ]
}

@test "link down breaks the connection, up restores it" {
	vm_link n2 down
	run vm_run n1 'ping -c 2 -i 0.2 -W 1 10.0.0.2'
	[ "$status" -ne 0 ]
	vm_link n2 up
	vm_wait n1 30 ping -c1 -W1 10.0.0.2
}

@test "netem adds delay" {
	vm_netem n1 eth0 delay 100ms
	run vm_run n1 'ping -c 3 -i 0.2 -q 10.0.0.2'
	echo "$output"
	[ "$status" -eq 0 ]
	local avg
	avg=$(echo "$output" | sed -n 's|.* = [0-9.]*/\([0-9.]*\)/.*|\1|p')
	[ "${avg%.*}" -ge 100 ]
	vm_netem n1 eth0 off
	run vm_run n1 'ping -c 3 -i 0.2 -q 10.0.0.2'
	avg=$(echo "$output" | sed -n 's|.* = [0-9.]*/\([0-9.]*\)/.*|\1|p')
	[ "${avg%.*}" -lt 100 ]
}

@test "kernel log checker: patterns" {
	local f=$BATS_TEST_TMPDIR/console.log
	# what a WARN looks like on the console
	cat >"$f" <<'EOF'
[    5.101000] virtio_blk virtio2: [vda] 524288 512-byte logical blocks (268 MB/256 MiB)
[   12.345678] ------------[ cut here ]------------
[   12.345690] WARNING: CPU: 0 PID: 1234 at drivers/block/rblk/device.c:321 rblk_submit_bio+0x1a2/0x3c0 [rblk]
[   12.345700] Modules linked in: rblk(OE) xfs
[   12.345800] Call Trace:
[   12.345810]  <TASK>
EOF
	run _vm_scan test "$f"
	[ "$status" -eq 1 ]
	[[ "$output" == *"WARNING: CPU: 0 PID: 1234 at"* ]]
	local bad
	for bad in \
		'[    1.000000] BUG: kernel NULL pointer dereference, address: 0000000000000008' \
		'[    1.000000] Oops: 0000 [#1] PREEMPT SMP NOPTI' \
		'[    1.000000] general protection fault, probably for non-canonical address 0xdead000000000100: 0000 [#1] SMP' \
		'[    1.000000] Kernel panic - not syncing: Fatal exception' \
		'[    1.000000] WARNING: possible circular locking dependency detected' \
		'[    1.000000] INFO: task kworker/0:1:42 blocked for more than 120 seconds.' \
		'[    1.000000] BUG: sleeping function called from invalid context at kernel/locking/mutex.c:580' \
		'[    1.000000] =============================
[    1.000000] WARNING: suspicious RCU usage' \
		'[    1.000000] BUG: KASAN: use-after-free in rblk_endio+0x10/0x20 [rblk]' \
		'WARNING: CPU: 1 PID: 77 at fs/xfs/xfs_log.c:100 xfs_foo+0x1/0x2 [xfs]'; do
		printf '%s\n' "$bad" >"$f"
		run _vm_scan test "$f"
		[ "$status" -eq 1 ] || { echo "not caught: $bad"; false; }
	done
	# harmless lines
	printf '%s\n' '[    0.500000] ACPI: warning: something firmware' \
		'[    2.000000] rblk: peer 10.0.0.2 connected' \
		'[    3.000000] XFS (vda): Mounting V5 Filesystem' >"$f"
	run _vm_scan test "$f"
	[ "$status" -eq 0 ]
}

@test "tools used by the tests work in the guest" {
	# xfs on a virtio disk
	run vm_run n1 'mkfs.xfs -f -q /dev/vda && mkdir -p /mnt/x && mount /dev/vda /mnt/x && echo hi >/mnt/x/f && umount /mnt/x && echo ok'
	echo "$output"
	[ "$status" -eq 0 ]
	# lvm without udev
	run vm_run n1 'pvcreate -q -y -ff /dev/vdb && vgcreate -q vgt /dev/vdb && lvcreate -q -y -L 32M -n lv1 vgt && lvs --noheadings -o lv_name vgt && ls -l /dev/vgt/lv1 && vgremove -q -f vgt && pvremove -q /dev/vdb'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *lv1* ]]
	# modules, both from the initramfs-less root
	run vm_run n1 'for m in xfs dm-mod dm-flakey sch_netem drbd; do modprobe $m || exit 1; done; lsmod | grep -c -E "^(xfs|dm_mod|dm_flakey|sch_netem|drbd) "'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = 5 ]
}

@test "postgres runs as the postgres user" {
	run vm_run n2 'PG=/usr/lib/postgresql/15/bin; install -d -o postgres -g postgres /tmp/pg && su postgres -c "$PG/initdb -N -D /tmp/pg/data -A trust >/tmp/pg/initdb.log 2>&1 && $PG/pg_ctl -D /tmp/pg/data -l /tmp/pg/log -w start >/dev/null" && su postgres -c "psql -Atc \"select 40+2\"" && su postgres -c "$PG/pg_ctl -D /tmp/pg/data -w stop >/dev/null"'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = 42 ]
}

@test "a real kernel WARN is caught by vm_check_kernel" {
	local kver ko
	kver=$(cat "$RUN_DIR/n2.kver")
	ko=$VM_BIN/warnmod-$kver/rblk_warn_test.ko
	if [ ! -e "$ko" ]; then
		# make deps installs the headers: a failure here is a bug, not a skip
		run make -s -C "$VM_HARNESS_DIR" warnmod O="$VM_BIN" KVER="$kver"
		echo "$output"
		[ "$status" -eq 0 ]
	fi
	run vm_check_kernel n2
	[ "$status" -eq 0 ]
	run vm_run n2 "insmod $ko"
	[ "$status" -ne 0 ]
	run vm_check_kernel n2
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"WARNING: CPU: "*" at "*"rblk_warn_test"* ]]
	# also a fake one written to /dev/kmsg
	vm_kernel_ack n2
	run vm_check_kernel n2
	[ "$status" -eq 0 ]
	vm_run n2 'echo "<4>WARNING: CPU: 0 PID: 1 at drivers/block/fake.c:1 fake+0x0/0x10" >/dev/kmsg'
	run vm_check_kernel n2
	[ "$status" -eq 1 ]
	# accept them so teardown_file does not fail
	vm_kernel_ack n2
	run vm_check_kernel n2
	[ "$status" -eq 0 ]
}

@test "kernels are clean" {
	vm_check_kernel n1
	vm_check_kernel n2
}
