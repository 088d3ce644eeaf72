#!/usr/bin/env bats
# SPDX-License-Identifier: (GPL-2.0 OR MIT)
# Configuration: dump output, round trip, includes, node selection and every
# validation error (fixtures/bad/*.res) against golden output.

load helper

setup_file() {
	build_rblkadm
}

setup() {
	cd "$FIXTURES"
}

@test "dump: the guide.md example" {
	run rblkadm -c pg.res --node pg1 dump
	golden dump-pg
}

@test "dump: every option, common folded in, per-host disks, IPv6" {
	run rblkadm -c full.res --node pg1 dump
	golden dump-full
}

@test "dump --defaults shows every option with its value" {
	run rblkadm -c pg.res --node pg2 dump --defaults pg
	golden dump-defaults
}

# The secret is dumped as "<hidden>", which is refused as a secret: the
# round trip puts one back.
@test "dump output parses back to the same configuration" {
	for f in pg.res full.res main.conf; do
		rblkadm -c "$f" --node pg1 dump | sed 's/"<hidden>"/"s3cr3t"/' >"$BATS_TEST_TMPDIR/once"
		rblkadm -c "$BATS_TEST_TMPDIR/once" --node pg1 dump | sed 's/"<hidden>"/"s3cr3t"/' >"$BATS_TEST_TMPDIR/twice"
		diff <(tail -n +2 "$BATS_TEST_TMPDIR/once") <(tail -n +2 "$BATS_TEST_TMPDIR/twice")
	done
}

@test "dump --defaults parses back to the same configuration" {
	rblkadm -c full.res --node pg2 dump --defaults | sed 's/"<hidden>"/"s3cr3t"/' >"$BATS_TEST_TMPDIR/once"
	rblkadm -c "$BATS_TEST_TMPDIR/once" --node pg2 dump --defaults | sed 's/"<hidden>"/"s3cr3t"/' >"$BATS_TEST_TMPDIR/twice"
	diff <(tail -n +2 "$BATS_TEST_TMPDIR/once") <(tail -n +2 "$BATS_TEST_TMPDIR/twice")
}

@test "the secret is never dumped, and the dump's placeholder is refused as one" {
	run rblkadm -c full.res --node pg1 dump
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" != *s3cr3t* ]]
	[[ "$output" == *'shared-secret "<hidden>";'* ]]
	rblkadm -c full.res --node pg1 dump >"$BATS_TEST_TMPDIR/dumped"
	run rblkadm -c "$BATS_TEST_TMPDIR/dumped" --node pg1 dump
	[ "$status" -ne 0 ]
	[[ "$output" == *"is the placeholder 'rblkadm dump' writes, not a secret"* ]]
	[[ "$output" == *"hint: put the real secret here (dump never shows it)"* ]]
}

@test "cram-hmac-alg none (older configurations) means no authentication" {
	printf 'resource pg { device minor 0; disk /dev/x; net { cram-hmac-alg none; } on pg1 { address 10.0.0.1:7788; } on pg2 { address 10.0.0.2:7788; } }\n' >"$BATS_TEST_TMPDIR/none.res"
	run rblkadm -c "$BATS_TEST_TMPDIR/none.res" --node pg1 up pg --dry-run
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" != *cram-hmac-alg* ]]
	run rblkadm -c "$BATS_TEST_TMPDIR/none.res" --node pg1 dump --defaults pg
	[[ "$output" == *"cram-hmac-alg none;"* ]]
}

@test "include: globs relative to the including file, empty globs allowed" {
	run rblkadm -c main.conf --node pg2 dump
	golden dump-include
}

@test "node name from RBLK_NODE and RBLK_CONFIG" {
	RBLK_CONFIG=pg.res RBLK_NODE=pg2 run "$RBLKADM" dump pg
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "# rblkadm dump of pg.res for node pg2" ]
}

@test "unknown resource lists the known ones" {
	run rblkadm -c main.conf --node pg1 dump nosuch
	golden unknown-resource
}

@test "missing configuration file" {
	run rblkadm -c no-such.conf --node pg1 dump
	golden missing-config
}

bad() {
	run rblkadm -c "bad/$1.res" --node pg1 dump
	[ "$status" -eq 4 ]
	golden "bad-$1"
}

@test "error: near-miss keyword gets 'did you mean'" { bad typo; }
@test "error: value out of range names the range and unit" { bad range; }
@test "error: unknown unit suffix" { bad rate-unit; }
@test "error: missing semicolon" { bad semicolon; }
@test "error: host name instead of an address" { bad address; }
@test "error: IPv6 without brackets" { bad ipv6-brackets; }
@test "error: missing disk" { bad missing-disk; }
@test "error: duplicate minor" { bad dup-minor; }
@test "error: duplicate port" { bad dup-port; }
@test "error: no 'on' section for this node" { bad no-host; }
@test "error: only one host" { bad one-host; }
@test "error: DRBD device name" { bad drbd-name; }
@test "error: DRBD volume section" { bad volume; }
@test "error: protocol A" { bad protocol-a; }
@test "error: option in the wrong section" { bad wrong-section; }
@test "error: shared-secret without cram-hmac-alg" { bad secret; }
@test "error: fencing resource-and-stonith without a fence-peer handler" { bad stonith-no-handler; }
@test "error: after-sb-1pri violently-as0p (not supported)" { bad sb1-violently; }
@test "error: after-sb-2pri other than disconnect (not supported)" { bad sb2-call-pri-lost; }
@test "error: rr-conflict violently, from common (not supported)" { bad rr-violently; }
@test "error: disk-flushes no (rblk always flushes)" { bad disk-flushes-no; }
@test "error: md-flushes no (rblk always flushes)" { bad md-flushes-no; }
@test "error: a local-io-error handler without on-io-error call-local-io-error" { bad local-io-error; }
@test "error: pri-on-incon-degr handler (nothing runs it)" { bad pri-on-incon-degr; }
@test "error: on-io-error call-local-io-error without a local-io-error handler" { bad io-error-no-handler; }
@test "error: c-max-rate (the resync controller takes no bounds)" { bad c-max-rate; }
@test "error: wfc-timeout, from common (nothing runs at boot)" { bad wfc-timeout; }
@test "error: usage-count yes (rblk never reports usage)" { bad usage-count-yes; }
@test "error: a minor not below minor-count" { bad minor-count; }
@test "error: include of a missing file" { bad include-missing; }
@test "error: unterminated string" { bad unterminated; }
@test "error: end of file inside a resource" { bad eof; }
@test "error: option given twice" { bad dup-option; }
