#!/usr/bin/env bats
# SPDX-License-Identifier: (GPL-2.0 OR MIT)
# rblkadm verify: the command line and the request it makes (--dry-run
# resolves the minor from the configuration), all without a kernel.

load helper

setup_file() {
	build_rblkadm
}

setup() {
	cd "$FIXTURES"
}

@test "verify --dry-run: the whole device" {
	run rblkadm -c pg.res --node pg1 -d verify pg
	golden verify-dry-run
}

@test "verify --dry-run: a range, repair, all resources" {
	run rblkadm -c full.res --node pg1 verify --dry-run --start 8 --stop 2048 --repair all
	golden verify-dry-run-range
}

@test "verify: --start not before --stop" {
	run rblkadm -c pg.res --node pg1 -d verify pg --start 100 --stop 100
	golden verify-start-stop
}

@test "verify: a sector that is no number" {
	run rblkadm -c pg.res --node pg1 -d verify pg --stop 12k
	golden verify-bad-sector
}

@test "verify: unknown resource" {
	run rblkadm -c pg.res --node pg1 -d verify nosuch
	golden verify-unknown
}

@test "verify: bad usage" {
	run rblkadm -c pg.res --node pg1 -d verify pg --bogus
	golden verify-usage
	run rblkadm -c pg.res --node pg1 -d verify
	golden verify-usage-nores
}

@test "verify: help names the options and the exit status" {
	run rblkadm help verify
	golden verify-help
	run rblkadm verify --help
	golden verify-help
}
