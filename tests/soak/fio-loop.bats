#!/usr/bin/env bats
# SPDX-License-Identifier: (GPL-2.0 OR MIT)
# A long campaign, not part of `make check` (`make soak`, tests/README.md):
# SOAK_ROUNDS times (default 20) a freshly connected pair, then on the
# Primary fio random writes at queue depth 16 with crc32c and the verify
# pass, as the command that hung once did. A round that does not finish in
# SOAK_TIMEOUT seconds (default 300) fails with the guests' blocked tasks
# (sysrq w) and their rblk log; the harness fails on any kernel warning
# or hung task. Prints each round's time.

load ../lib/vm
load ../lib/rblk

setup_file() {
	vm_setup_run
	vm_start pg1 --disk "$(vm_disk pg1 512M)" --net l1 --ip 10.0.0.1/24
	vm_start pg2 --disk "$(vm_disk pg2 512M)" --net l1 --ip 10.0.0.2/24
	for n in pg1 pg2; do
		rblk_write_config $n
		rblk_load $n
	done
}

teardown_file() {
	vm_teardown_all
}

@test "fio randwrite QD16 crc32c + verify on a freshly connected pair, ${SOAK_ROUNDS:-20} rounds" {
	local rounds=${SOAK_ROUNDS:-20} limit=${SOAK_TIMEOUT:-300} i n t0 t1
	for ((i = 1; i <= rounds; i++)); do
		for n in pg1 pg2; do
			vm_run $n "$RBLKADM down pg >/dev/null 2>&1; $RBLKADM create-md --force pg >/dev/null &&
				$RBLKADM set-gi pg 1000:0:0:0:consistent,was-up-to-date >/dev/null"
		done
		for n in pg1 pg2; do
			vm_run $n "$RBLKADM up pg"
		done
		wait_conn pg1 Connected
		wait_conn pg2 Connected
		vm_run pg1 "$RBLKADM primary pg"
		t0=$(date +%s.%N)
		run vm_run pg1 "timeout $limit fio --name=soak --filename=/dev/rblk0 --rw=randwrite \
			--bs=4k --iodepth=16 --ioengine=libaio --verify=crc32c \
			--size=128M --do_verify=1 --verify_state_save=0 >/dev/null && echo DONE"
		t1=$(date +%s.%N)
		if [[ "$output" != *DONE* ]]; then
			echo "round $i: fio did not finish in $limit s (status $status)"
			for n in pg1 pg2; do
				echo "== $n"
				vm_run $n "echo w > /proc/sysrq-trigger; dmesg | tail -n 150; $RBLKADM status pg"
			done
			false
		fi
		awk -v i="$i" -v a="$t0" -v b="$t1" 'BEGIN { printf "round %d: %.1f s\n", i, b - a }' >&3
		vm_run pg1 "$RBLKADM secondary pg"
		md5_both_equal
	done
}
