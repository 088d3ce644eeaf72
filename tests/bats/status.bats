#!/usr/bin/env bats
# SPDX-License-Identifier: (GPL-2.0 OR MIT)
# status without a kernel: its command line (the output itself is tested
# in tests/unit/status_test.c and, against rblk.ko, in tests/vm/).

load helper

setup_file() {
	build_rblkadm
}

@test "status: --json and --metrics together are refused before the kernel is asked" {
	run rblkadm status --json --metrics
	[ "$status" -eq 2 ]
	[ "$output" = "rblkadm: status: --json and --metrics are two formats: give one" ]
}

@test "status --metrics without the module: exit 3 and the hint" {
	[ ! -e /sys/module/rblk ] || skip "rblk.ko is loaded here"
	run rblkadm status --metrics
	[ "$status" -eq 3 ]
	[[ "$output" == *"hint: load it with 'modprobe rblk'"* ]]
}

@test "role, cstate, dstate: one resource, no options" {
	local c
	for c in role cstate dstate; do
		run rblkadm $c
		[ "$status" -eq 2 ]
		[[ "$output" == "Usage: rblkadm $c RES"* ]] || { echo "$output"; false; }
		run rblkadm $c pg extra
		[ "$status" -eq 2 ]
	done
}
