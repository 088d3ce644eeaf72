#!/usr/bin/env bats
# SPDX-License-Identifier: (GPL-2.0 OR MIT)
# Single node: rblk.ko as a pass-through device over one virtio disk.
# Needs: the qemu harness, rblk.ko for the guest kernel, xfsprogs, fio,
# PostgreSQL 15. One guest, booted once for the file.

load ../lib/vm
load ../lib/rblk

setup_file() {
	vm_setup_run
	vm_start n1 --disk "$(vm_disk backing 512M)" --disk "$(vm_disk spare 64M)"
}

teardown_file() {
	vm_teardown_all
}

# The udev test's udevd goes whatever happened in it: it runs the host's
# rules (LVM's included) on every device event after it.
teardown() {
	vm_teardown
	[[ "$BATS_TEST_DESCRIPTION" != udev* ]] || vm_run n1 "udevadm control --exit 2>/dev/null; true" || true
}

@test "rblkadm without the module: clear error, exit 3" {
	run vm_run n1 "lsmod | grep -q '^rblk ' && rmmod rblk; $RBLKADM status"
	assert_status 3
	assert_output_has "rblk kernel module is not loaded"
	assert_output_has "hint: load it with 'modprobe rblk'"
}

@test "load and unload leave nothing behind" {
	vm_run n1 "test ! -e /sys/module/rblk"
	rblk_load n1
	run vm_run n1 "grep -w rblk /proc/devices && cat /sys/module/rblk/initstate && python3 tests/vm/genl-raw.py family"
	assert_status 0
	assert_output_has "live"
	assert_output_has "family rblk id="
	rblk_unload n1
	run vm_run n1 "test -e /sys/module/rblk || grep -cw rblk /proc/devices"
	assert_output_has "0"
	rblk_load n1
}

@test "create a device: size, limits and status follow the backing disk" {
	vm_run n1 "$RBLKADM create-device --minor 0 --disk /dev/vda r0"
	vm_wait n1 10 "test -b /dev/rblk0"
	run vm_run n1 "blockdev --getsize64 /dev/rblk0 /dev/vda"
	assert_status 0
	[ "$(echo "$output" | sed -n 1p)" = "$(echo "$output" | sed -n 2p)" ]
	# Limits follow the disk, capped where rblk needs it: a request fits
	# one 1 MiB packet, a discard range one 4 MiB activity log extent.
	for f in logical_block_size:0 physical_block_size:0 max_hw_sectors_kb:1024 \
		 discard_max_hw_bytes:4194304 write_zeroes_max_bytes:4194304; do
		run vm_run n1 "cat /sys/block/rblk0/queue/${f%:*} /sys/block/vda/queue/${f%:*}"
		assert_status 0
		local got=${lines[0]} want=${lines[1]} cap=${f#*:}
		[ "$cap" -eq 0 ] || [ "$want" -le "$cap" ] || want=$cap
		[ "$got" = "$want" ] || { echo "${f%:*}: rblk0 $got, expected $want"; false; }
	done
	run vm_run n1 "cat /sys/block/rblk0/queue/write_cache"
	[ "$output" = "write back" ]
	run vm_run n1 "$RBLKADM status r0"
	assert_status 0
	assert_output_has "r0 role:Secondary"
	assert_output_has "disk:UpToDate device:/dev/rblk0 minor:0 size-kib:524288 backing:/dev/vda"
	assert_output_has "writable:no(Secondary)"
	run vm_run n1 "$RBLKADM status --json | jq -r '.[0][\"json-version\"], .[0].resource, .[0].role, .[0][\"size-kib\"]'"
	assert_status 0
	[ "$output" = "$(printf '1\nr0\nSecondary\n524288')" ]
	# The same facts for Prometheus (node_exporter's textfile collector).
	run vm_run n1 "$RBLKADM status --metrics r0"
	assert_status 0
	assert_output_has 'rblk_role{resource="r0",minor="0",role="Secondary"} 1'
	assert_output_has 'rblk_role{resource="r0",minor="0",role="Primary"} 0'
	assert_output_has 'rblk_connection_state{resource="r0",minor="0",state="Connected"} 0'
	assert_output_has 'rblk_disk_state{resource="r0",minor="0",state="UpToDate"} 1'
	assert_output_has 'rblk_size_bytes{resource="r0",minor="0"} 536870912'
	assert_output_has '# TYPE rblk_written_bytes_total counter'
	[[ "$output" != *rblk_sent_bytes_total{* ]] || { echo "a sample of a peer counter without a peer: $output"; false; }
	# drbdadm's one-word answers, local/peer.
	run vm_run n1 "$RBLKADM role r0; $RBLKADM cstate r0; $RBLKADM dstate r0"
	[ "$output" = "$(printf 'Secondary/Unknown\nStandAlone\nUpToDate/DUnknown')" ] || { echo "$output"; false; }
	# Not up: Unconfigured for a resource of the configuration, as
	# drbdadm; a name it lacks is an error.
	vm_run n1 "printf 'resource r9 { device minor 9; disk /dev/vdb; on n1 { address 127.0.0.1:7799; } on n2 { address 127.0.0.2:7799; } }\n' >/tmp/r9.res"
	run vm_run n1 "for c in role cstate dstate; do $RBLKADM -c /tmp/r9.res --node n1 \$c r9 || exit; done"
	assert_status 0
	[ "$output" = "$(printf 'Unconfigured\nUnconfigured\nUnconfigured')" ] || { echo "$output"; false; }
	run vm_run n1 "$RBLKADM -c /tmp/r9.res --node n1 cstate nosuch"
	assert_status 2
	assert_output_has "unknown resource 'nosuch'"
}

@test "a Secondary refuses to be opened for writing and says why" {
	run vm_run n1 "dd if=/dev/zero of=/dev/rblk0 bs=4k count=1 oflag=direct"
	[ "$status" -ne 0 ]
	assert_output_has "Read-only file system"
	run vm_run n1 "dmesg | tail -n 20"
	assert_output_has "rblk0: refusing to open r0 for writing: it is Secondary; run 'rblkadm primary r0' first"
	# Reading is fine.
	vm_run n1 "dd if=/dev/rblk0 of=/dev/null bs=4k count=16 iflag=direct"
}

@test "XFS on /dev/rblk0: fio write + crc32c verify, md5 equals backing" {
	vm_run n1 "$RBLKADM primary r0"
	run vm_run n1 "$RBLKADM status r0"
	assert_output_has "r0 role:Primary"
	vm_run n1 "mkfs.xfs -q -f /dev/rblk0 && mkdir -p /mnt/r0 && mount /dev/rblk0 /mnt/r0"
	# 30 s here: a hang fails in 5 min, not 10 (and shows its stacks).
	VM_TIMEOUT=300 run vm_run n1 "fio --name=w --directory=/mnt/r0 --size=48M --bs=4k --rw=randwrite \
		--ioengine=libaio --iodepth=16 --direct=1 --verify=crc32c --do_verify=1 \
		--fsync=64 --output-format=terse --minimal >/dev/null && echo FIO-OK"
	assert_status 0
	assert_output_has "FIO-OK"
	vm_run n1 "umount /mnt/r0"
	run vm_run n1 "$(md5_of /dev/rblk0); $(md5_of /dev/vda)"
	assert_status 0
	[ "$(echo "$output" | sed -n 1p)" = "$(echo "$output" | sed -n 2p)" ]
}

@test "write latency: every completed write is in the histogram, in status and for Prometheus" {
	run vm_run n1 "$RBLKADM status --metrics r0"
	assert_status 0
	local m=$output writes count inf sum
	writes=$(awk '/^rblk_writes_total[{]/ {print $2}' <<<"$m")
	count=$(awk '/^rblk_write_latency_seconds_count[{]/ {print $2}' <<<"$m")
	inf=$(awk '/^rblk_write_latency_seconds_bucket[{].*le="[+]Inf"/ {print $2}' <<<"$m")
	sum=$(awk '/^rblk_write_latency_seconds_sum[{]/ {print $2}' <<<"$m")
	# fio wrote 48 MiB in 4 KiB blocks; nothing is in flight now.
	[ "$writes" -ge 12288 ] || { echo "writes: $writes"; false; }
	[ "$count" = "$writes" ] || { echo "count $count, writes $writes"; false; }
	[ "$inf" = "$count" ] || { echo "+Inf $inf, count $count"; false; }
	# In seconds: none took 10 s, the mean is under one.
	run awk '/^rblk_write_latency_seconds_bucket[{].*le="10"/ {print $2}' <<<"$m"
	[ "$output" = "$count" ] || { echo "le=10: $output, count $count"; false; }
	awk -v s="$sum" -v n="$count" 'BEGIN { exit !(s > 0 && s / n < 1) }' || { echo "sum: $sum s, count $count"; false; }
	# Cumulative: each bucket holds at least the one before it.
	run awk '/^rblk_write_latency_seconds_bucket[{]/ { if ($2 < last) { print "falls at " $0; exit 1 } last = $2 } END { print NR }' <<<"$m"
	assert_status 0
	[ "$(grep -c '^rblk_write_latency_seconds_bucket{' <<<"$m")" -eq 17 ]
	# status and --json say the mean and what it is made of.
	run vm_run n1 "$RBLKADM status --json | jq -r '.[0][\"write-latency-count\"], .[0][\"write-latency-avg-us\"], .[0][\"write-latency-sum-us\"]'"
	assert_status 0
	[ "${lines[0]}" = "$count" ] || { echo "json count: $output"; false; }
	[ "${lines[1]}" -gt 0 ] || { echo "json mean: $output"; false; }
	[ "${lines[2]}" = "$(tr -d . <<<"$sum" | sed 's/^0*//')" ] || { echo "json sum-us ${lines[2]}, metrics sum $sum s"; false; }
	[ "${lines[1]}" -eq $((lines[2] / count)) ] || { echo "json mean, sum: $output"; false; }
	local mean=${lines[1]}
	run vm_run n1 "$RBLKADM status r0"
	[[ "$output" == *" io-errors:0 read-retries:0 healed:0 write-latency-avg-us:$mean"$'\n'* ]] || { echo "$output"; false; }
}

@test "flushes reach the backing disk; discard and write-zeroes pass through" {
	run vm_run n1 "awk '{print \$16}' /sys/block/vda/stat"
	before=$output
	vm_run n1 "dd if=/dev/urandom of=/dev/rblk0 bs=1M count=4 seek=8 oflag=direct conv=fsync"
	run vm_run n1 "awk '{print \$16}' /sys/block/vda/stat"
	[ "$output" -gt "$before" ]
	run vm_run n1 "$RBLKADM status --json | jq '.[0][\"written-kib\"]'"
	[ "$output" -ge 4096 ]
	# write-zeroes: the backing disk reads back zeros.
	vm_run n1 "blkdiscard -f -z -o 8M -l 4M /dev/rblk0"
	run vm_run n1 "dd if=/dev/vda bs=1M skip=8 count=4 iflag=direct status=none | cmp -n 4194304 - /dev/zero && echo ZERO"
	assert_output_has "ZERO"
	# discard is accepted and the device stays readable.
	vm_run n1 "dd if=/dev/urandom of=/dev/rblk0 bs=1M count=2 seek=16 oflag=direct"
	run vm_run n1 "blkdiscard -f -o 16M -l 2M /dev/rblk0 && echo DISCARDED"
	assert_output_has "DISCARDED"
	run vm_run n1 "$(md5_of /dev/rblk0); $(md5_of /dev/vda)"
	[ "$(echo "$output" | sed -n 1p)" = "$(echo "$output" | sed -n 2p)" ]
}

# Not in the 6.12 smoke run (tests/run-all): the I/O path is XFS + fio's.
# bats test_tags=pg
@test "PostgreSQL on /dev/rblk0: initdb, start, transactions" {
	vm_run n1 "mount /dev/rblk0 /mnt/r0 && mkdir -p /mnt/r0/pg && chown postgres /mnt/r0/pg"
	vm_run n1 "su postgres -c '/usr/lib/postgresql/15/bin/initdb -D /mnt/r0/pg -A trust' >/dev/null"
	vm_run n1 "su postgres -c '/usr/lib/postgresql/15/bin/pg_ctl -D /mnt/r0/pg -o \"-k /tmp -c listen_addresses=\" -w start' >/dev/null"
	vm_run n1 "su postgres -c \"psql -h /tmp -qc 'create table t(id int primary key)'\""
	# 50 transactions, each committed (fsync) on its own, in one session
	vm_run n1 "for i in \$(seq 1 50); do echo \"insert into t values (\$i);\"; done |
		su postgres -c 'psql -h /tmp -q -v ON_ERROR_STOP=1'"
	run vm_run n1 "su postgres -c \"psql -h /tmp -tAc 'select count(*), sum(id) from t'\""
	assert_status 0
	[ "$output" = "50|1275" ]
	vm_run n1 "su postgres -c '/usr/lib/postgresql/15/bin/pg_ctl -D /mnt/r0/pg -m fast -w stop' >/dev/null"
}

@test "removing or demoting a mounted device fails with EBUSY and a clear message" {
	# Mounted by the PostgreSQL test; here when that one is left out.
	vm_run n1 "mountpoint -q /mnt/r0 || mount /dev/rblk0 /mnt/r0"
	run vm_run n1 "$RBLKADM remove-device r0"
	assert_status 1
	assert_output_has "r0: cannot remove /dev/rblk0: it is in use"
	assert_output_has "hint: unmount it"
	run vm_run n1 "$RBLKADM secondary r0"
	assert_status 1
	assert_output_has "r0: cannot become Secondary: /dev/rblk0 is in use (1 open)"
	vm_run n1 "test -b /dev/rblk0 && mountpoint -q /mnt/r0"
	vm_run n1 "umount /mnt/r0"
	vm_run n1 "$RBLKADM secondary r0"
}

@test "bad input: missing disk, not a block device, minor in use, not root" {
	run vm_run n1 "$RBLKADM create-device --minor 1 --disk /dev/nonexistent r1"
	assert_status 1
	assert_output_has "/dev/nonexistent: No such file or directory"
	run vm_run n1 "$RBLKADM create-device --minor 1 --disk /etc/hostname r1"
	assert_status 1
	assert_output_has "/etc/hostname: not a block device"
	assert_output_has "losetup"
	run vm_run n1 "$RBLKADM create-device --minor 0 --disk /dev/vdb r1"
	assert_status 1
	assert_output_has "minor 0 is in use: /dev/rblk0 belongs to resource 'r0'"
	run vm_run n1 "$RBLKADM create-device --minor 1 --disk /dev/vda r1"
	assert_status 1
	assert_output_has "/dev/vda is in use"
	run vm_run n1 "$RBLKADM create-device --minor 1 --disk /dev/vdb r0"
	assert_status 1
	assert_output_has "resource 'r0' is already up"
	run vm_run n1 "$RBLKADM create-device --minor 256 --disk /dev/vdb r1"
	assert_status 2
	assert_output_has "--minor: '256' is not a number from 0 to 255"
	run vm_run n1 "$RBLKADM create-device --minor 1 --disk /dev/vdb 'bad name'"
	assert_status 2
	assert_output_has "'bad name' is not a valid resource name"
	run vm_run n1 "setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all --bounding-set=-all $RBLKADM create-device --minor 1 --disk /dev/vdb r1"
	assert_status 1
	assert_output_has "permission denied: changing rblk devices needs root"
	run vm_run n1 "$RBLKADM status r9"
	assert_status 1
	assert_output_has "r9: no such resource is up"
	# Nothing of the failed attempts is left behind.
	run vm_run n1 "ls /dev/rblk* | tr '\n' ' '"
	[ "$output" = "/dev/rblk0 " ]
}

@test "netlink: the kernel itself refuses non-root and malformed requests" {
	# genl-raw.py speaks raw generic netlink, bypassing rblkadm's checks.
	local nobody="setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all --bounding-set=-all"
	run vm_run n1 "$nobody python3 tests/vm/genl-raw.py new-device minor=5 resource=x backing=/dev/vdb"
	assert_output_has "errno=-1"		# EPERM
	run vm_run n1 "python3 tests/vm/genl-raw.py new-device minor=300 resource=x"
	assert_output_has "errno=-34"		# minor out of range (ERANGE)
	run vm_run n1 "python3 tests/vm/genl-raw.py new-device minor=5 resource=x unknown=1"
	assert_output_has "errno=-22"		# unknown attribute
	run vm_run n1 "python3 tests/vm/genl-raw.py new-device minor=5 resource=x flags=8"
	assert_output_has "errno=-22"		# unknown flag
	run vm_run n1 "python3 tests/vm/genl-raw.py new-device minor=5 resource=../x"
	assert_output_has "errno=-22"		# bad name
	run vm_run n1 "python3 tests/vm/genl-raw.py new-device minor=5 resource=$(printf 'x%.0s' $(seq 70))"
	assert_output_has "errno=-22"		# name too long
	run vm_run n1 "python3 tests/vm/genl-raw.py new-device minor=5"
	assert_output_has "errno=-22"		# missing resource
	run vm_run n1 "python3 tests/vm/genl-raw.py set-role minor=0 role=7"
	assert_output_has "errno=-34"		# role out of range (ERANGE)
	run vm_run n1 "python3 tests/vm/genl-raw.py del-device minor=77"
	assert_output_has "errno=-19"		# ENODEV
	run vm_run n1 "ls /dev/rblk* | tr '\\n' ' '"
	[ "$output" = "/dev/rblk0 " ]
}

@test "the events stream announces create, each state change once, and destroy" {
	vm_run n1 "setsid -f $RBLKADM events > /tmp/events.log 2>&1 < /dev/null"
	vm_wait n1 10 "grep -q '^exists r0' /tmp/events.log"
	vm_run n1 "$RBLKADM create-device --minor 1 --disk /dev/vdb r1"
	vm_run n1 "$RBLKADM remove-device r1"
	vm_wait n1 10 "grep -q '^destroy r1' /tmp/events.log"
	run vm_run n1 "cat /tmp/events.log; pkill -x rblkadm"
	# Created Diskless, then attached (one change: the disk), then gone.
	assert_output_has "create r1 role:Secondary disk:Diskless minor:1 size-kib:0"
	assert_output_has "change r1 role:Secondary disk:UpToDate minor:1 size-kib:65536"
	assert_output_has "destroy r1"
	[ "$(grep -c ' r1 ' <<<"$output")" -eq 3 ]
}

@test "udev (conf/65-rblk.rules): /dev/rblk/by-res/RES and by-minor/N come with the device and go with it" {
	# The guest runs no udevd of its own: one with the rule, the build's
	# rblkadm in it, for this test.
	vm_run n1 "mkdir -p /run/udev/rules.d &&
		sed \"s|@SBINDIR@|\$PWD/user|\" conf/65-rblk.rules.in >/run/udev/rules.d/65-rblk.rules &&
		/lib/systemd/systemd-udevd --daemon && udevadm settle -t 30"
	vm_run n1 "$RBLKADM create-device --minor 3 --disk /dev/vdb spare.1"
	vm_wait n1 30 "[ \"\$(readlink /dev/rblk/by-res/spare.1)\" = ../../rblk3 ]"
	run vm_run n1 "readlink /dev/rblk/by-minor/3"
	[ "$output" = ../../rblk3 ]
	vm_run n1 "$RBLKADM remove-device spare.1"
	vm_wait n1 30 "[ ! -e /dev/rblk/by-res/spare.1 ] && [ ! -e /dev/rblk/by-minor/3 ]"
	# r0 was there before udevd: an add event makes its links too.
	vm_run n1 "udevadm trigger --action=add /sys/block/rblk0 && udevadm settle -t 30"
	run vm_run n1 "readlink /dev/rblk/by-res/r0 /dev/rblk/by-minor/0"
	[ "$output" = "$(printf '../../rblk0\n../../rblk0')" ] || { echo "$output"; false; }
	run vm_run n1 "$RBLKADM sh-udev 0"
	[ "$output" = "$(printf 'RBLK_RESOURCE=r0\nRBLK_MINOR=0')" ] || { echo "$output"; false; }
}

@test "remove and unload: nothing left behind" {
	vm_run n1 "$RBLKADM remove-device r0"
	vm_wait n1 10 "test ! -e /dev/rblk0"
	rblk_unload n1
	run vm_run n1 "test -e /sys/module/rblk || grep -cw rblk /proc/devices"
	assert_output_has "0"
	run vm_run n1 "dmesg | grep -c 'rblk' "
	[ "$output" -gt 0 ]
}
