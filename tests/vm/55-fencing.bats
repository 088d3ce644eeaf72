#!/usr/bin/env bats
# SPDX-License-Identifier: (GPL-2.0 OR MIT)
# Resource-level fencing (disk { fencing }, docs/ocf.md): a Primary that
# loses a peer with good data runs the fence-peer handler and waits for
# its exit code (RBLK_CMD_HELPER_DONE), which says whether the peer is
# outdated (include/rblk/fence.h); rblkadm kills a handler that runs past
# handler-timeout; a result that comes after the peer connected again is
# ignored; removing the device does not wait for a handler. With
# resource-and-stonith all I/O waits until the peer is fenced, a reconnect
# or 'rblkadm resume-io', writes in flight at the loss included.
# Needs: the qemu harness (two guests on one link), rblk.ko.

# A linear device-mapper target over /dev/vda: suspended on pg2, it keeps
# the peer from acknowledging a write.
RBLK_DISK=/dev/mapper/slow

load ../lib/vm
load ../lib/rblk

# handler-timeout for resource-only: 8 s; 20 s x VM_TIME_SCALE on a slow
# kernel, where the steps of the first test between the handler's start
# and its release took more than 24 s (debug lane: a 16-block dd alone
# takes seconds).
FENCE_TIMEOUT=$((VM_TIME_SCALE == 1 ? 8 : 20 * VM_TIME_SCALE))

# The handler: logs its start, waits for /tmp/fence.go and exits with
# the number written there.
STUB='#!/bin/sh
echo "start $RBLK_RESOURCE $RBLK_PEER" >>/tmp/fence.log
while [ ! -e /tmp/fence.go ]; do sleep 0.1; done
code=$(cat /tmp/fence.go)
rm -f /tmp/fence.go
echo "exit $code" >>/tmp/fence.log
exit $code'

setup_file() {
	vm_setup_run
	vm_start pg1 --disk "$(vm_disk pg1 256M)" --net l1 --ip 10.0.0.1/24
	vm_start pg2 --disk "$(vm_disk pg2 256M)" --net l1 --ip 10.0.0.2/24
	export RBLK_HANDLERS_EXTRA='fence-peer "/tmp/fence-stub";'
	for n in pg1 pg2; do
		vm_run $n "dmsetup create slow --table \"0 \$(blockdev --getsz /dev/vda) linear /dev/vda 0\""
		rblk_write_config $n "" "fencing resource-only; handler-timeout $FENCE_TIMEOUT;"
		vm_run $n "printf '%s\n' '$STUB' >/tmp/fence-stub && chmod +x /tmp/fence-stub"
		rblk_load $n
		vm_run $n "$RBLKADM create-md pg"
		vm_run $n "$RBLKADM set-gi pg 1000:0:0:0:consistent,was-up-to-date"
	done
	for n in pg1 pg2; do
		vm_run $n "$RBLKADM up pg"
	done
	wait_conn pg1 Connected
	wait_conn pg2 Connected
	vm_run pg1 "$RBLKADM primary pg"
}

teardown_file() {
	vm_teardown_all
}

# Guest command: the kernel log lines of the fence-peer handler's result.
fence_log() {
	echo "dmesg | grep -E 'fence-peer (returned|gave)' || true"
}

# Cut the link under the Primary pg1 and wait for its handler to start
# (the handler's log is emptied first, unless $1 is "keep").
cut_and_wait_start() {
	[ "${1:-}" = keep ] || vm_run pg1 ": >/tmp/fence.log"
	vm_run pg1 "rm -f /tmp/fence.go"
	vm_link pg1 down
	wait_conn pg1 Connecting
	vm_wait pg1 20 "grep -q '^start pg pg2' /tmp/fence.log"
}

reconnect() {
	vm_link pg1 up
	wait_conn pg1 Connected 60
	wait_conn pg2 Connected 60
	vm_wait pg1 60 "[ \"\$($(st out-of-sync-kib))\" = 0 ]"
}

@test "fencing resource-only: the Primary's handler runs, writes go on meanwhile; exit 4 says the peer is outdated" {
	[ "$(stat_of pg1 fencing)" = resource-only ]
	cut_and_wait_start
	[ "$(stat_of pg1 fence-peer-running)" = true ]
	# resource-only: I/O does not wait for the handler.
	run vm_run pg1 "timeout 20 dd if=/dev/urandom of=/dev/rblk0 bs=4k count=16 oflag=direct status=none; echo \$?"
	[ "$output" = 0 ]
	run vm_run pg1 "$(fence_log)"
	[ -z "$output" ]
	vm_run pg1 "echo 4 >/tmp/fence.go"
	vm_wait pg1 20 "dmesg | grep -q 'fence-peer returned 4 (peer outdated): the peer is outdated'"
	[ "$(stat_of pg1 last-fence-peer)" = "4 (peer outdated)" ]
	[ "$(stat_of pg1 fence-peer-running)" = false ]
	[ "$(stat_of pg1 last-fence-peer-exit)" = 4 ]
	# The handler ran once, on the Primary only.
	[ "$(vm_run pg1 "grep -c . /tmp/fence.log")" = 2 ]
	run vm_run pg2 "cat /tmp/fence.log 2>/dev/null || true"
	[ -z "$output" ]
	reconnect
	md5_both_equal
}

@test "exit codes 6 and 1 do not say the peer is outdated, and say why" {
	local code want
	for code in 6 1; do
		case $code in
		6) want="fence-peer returned 6 (peer is Primary): the peer is Primary: split brain, stop one of the two" ;;
		1) want="fence-peer returned 1 (handler broken): the peer is not fenced" ;;
		esac
		vm_run pg1 "dmesg -C"
		cut_and_wait_start
		vm_run pg1 "echo $code >/tmp/fence.go"
		vm_wait pg1 20 "dmesg | grep -qF '$want'"
		[ "$(stat_of pg1 last-fence-peer-exit)" = "$code" ]
		reconnect
	done
}

@test "a handler that runs past handler-timeout is killed (its process group too): no fence" {
	vm_run pg1 "dmesg -C"
	cut_and_wait_start
	# Never released: rblkadm kills it at handler-timeout, 124.
	vm_wait pg1 30 "dmesg | grep -qF 'fence-peer returned 124 (handler broken): the peer is not fenced'"
	# (the bracket keeps pgrep from matching the shell that runs it)
	run vm_run pg1 "pgrep -f '[/]tmp/fence-stub' || echo none"
	[ "$output" = none ]
	[ "$(stat_of pg1 last-fence-peer)" = "124 (handler broken)" ]
	reconnect
}

@test "the peer connects again before the handler ends: its result is ignored" {
	# Long enough that the handler outlives the reconnect (on a debug
	# kernel that takes longer than FENCE_TIMEOUT).
	resource_only 120
	vm_run pg1 "dmesg -C"
	cut_and_wait_start
	reconnect
	vm_run pg1 "echo 4 >/tmp/fence.go"
	vm_wait pg1 20 "dmesg | grep -qF 'fence-peer returned 4 (peer outdated): ignored, the peer connected again'"
	run vm_run pg1 "dmesg | grep -F 'the peer is outdated' || true"
	[ -z "$output" ]
	resource_only
}

@test "HELPER_DONE: refused without CAP_SYS_ADMIN, with a cookie nobody waits for, a status above 255, no cookie" {
	local nobody="setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all --bounding-set=-all"
	run vm_run pg1 "$nobody python3 tests/vm/genl-raw.py helper-done minor=0 cookie=12345 status=4"
	[ "$output" = "errno=-1" ]		# EPERM
	run vm_run pg1 "python3 tests/vm/genl-raw.py helper-done minor=0 cookie=12345 status=4"
	[ "$output" = "errno=-116" ]		# ESTALE
	run vm_run pg1 "python3 tests/vm/genl-raw.py helper-done minor=0 cookie=12345 status=256"
	[ "$output" = "errno=-34" ]		# ERANGE
	run vm_run pg1 "python3 tests/vm/genl-raw.py helper-done minor=0 status=4"
	[ "$output" = "errno=-22" ]		# EINVAL
	# rblkadm run by hand with a stale cookie says so.
	vm_run pg1 "echo 4 >/tmp/fence.go"
	run vm_run pg1 "RBLK_HELPER_COOKIE=00000000000000ab RBLK_HELPER_TIMEOUT=5000 RBLK_MINOR=0 $RBLKADM helper fence-peer pg"
	[ "$status" -eq 4 ]
	assert_output_has "rblk.ko did not take the status 4: Stale file handle: rblk: no handler with this cookie is waited for"
}

@test "fencing dont-care (changed by adjust): no handler runs when the Primary loses its peer" {
	local runs n0 n1
	rblk_write_config pg1 "" "fencing dont-care;"
	n0=$(vm_run pg1 "dmesg | grep -c 'network options changed' || true")
	vm_run pg1 "$RBLKADM adjust pg"
	[ "$(stat_of pg1 fencing)" = dont-care ]
	run vm_run pg1 "dmesg | grep 'network options changed' | tail -1"
	assert_output_has "fencing dont-care)"
	# The kernel reports what it was given: a second adjust does nothing.
	vm_run pg1 "$RBLKADM adjust pg"
	n1=$(vm_run pg1 "dmesg | grep -c 'network options changed' || true")
	[ "$n1" = $((n0 + 1)) ] || { echo "net-options sent $((n1 - n0)) times"; false; }
	runs=$(stat_of pg1 fence-peer-runs)
	vm_run pg1 "dmesg -C"
	vm_link pg1 down
	# The handler is asked for before the teardown ends with this line.
	vm_wait pg1 30 "dmesg | grep -q 'connection to pg2 ended'"
	[ "$(stat_of pg1 fence-peer-runs)" = "$runs" ]
	run vm_run pg1 "$(fence_log); dmesg | grep 'fence-peer handler started' || true"
	[ -z "$output" ]
	reconnect
	resource_only
	[ "$(stat_of pg1 fencing)" = resource-only ]
}

# Guest command: start a writer of $1 4 KiB blocks at block $2 with
# O_DIRECT, each block's number logged in /tmp/acked once it completed.
writer() {
	echo "rm -f /tmp/acked; setsid -f sh -c 'i=0; while [ \$i -lt $1 ]; do dd if=/dev/urandom of=/dev/rblk0 bs=4k count=1 seek=\$((i + $2)) oflag=direct status=none || exit 1; echo \$i >>/tmp/acked; i=\$((i + 1)); done' </dev/null >/dev/null 2>&1"
}

acked() {
	vm_run pg1 "cat /tmp/acked 2>/dev/null | wc -l"
}

# pg1 back to fencing resource-only, handler-timeout $1 (default
# FENCE_TIMEOUT), on the running connection.
resource_only() {
	rblk_write_config pg1 "" "fencing resource-only; handler-timeout ${1:-$FENCE_TIMEOUT};"
	vm_run pg1 "$RBLKADM adjust pg"
}

stonith() {
	rblk_write_config pg1 "" "fencing resource-and-stonith; handler-timeout ${1:-$((30 * VM_TIME_SCALE))};"
	vm_run pg1 "$RBLKADM adjust pg"
	[ "$(stat_of pg1 fencing)" = resource-and-stonith ]
}

# The handler has run for 3 s: long enough for a write that does not
# wait to have completed.
handler_ran_3s() {
	vm_wait pg1 30 "[ \$($RBLKADM status --json pg | jq '.[0][\"fence-peer-elapsed-ms\"]') -ge 3000 ]"
}

@test "resource-and-stonith: a write in flight at the loss is held and a read parked until the fence; exit 4 completes them" {
	local g0
	stonith
	vm_run pg1 "dmesg -C"
	g0=$(stat_of pg1 generation)
	# pg2 acknowledges nothing: pg1's write is in flight when the link
	# goes (or when pg1 gives up on pg2 after timeout x ko-count).
	vm_run pg2 "dmsetup suspend --noflush slow"
	vm_run pg1 ": >/tmp/fence.log; $(writer 20 0)"
	vm_wait pg1 20 "[ \"\$($(st pending-acks))\" -ge 1 ]"
	cut_and_wait_start keep
	[ "$(stat_of pg1 io-suspended)" = fencing ]
	# A read waits too.
	vm_run pg1 "rm -f /tmp/readdone; setsid -f sh -c 'dd if=/dev/rblk0 of=/dev/null bs=4k count=1 skip=1000 iflag=direct status=none; echo \$? >/tmp/readdone' </dev/null >/dev/null 2>&1"
	handler_ran_3s
	[ "$(acked)" = 0 ]
	run vm_run pg1 "cat /tmp/readdone 2>/dev/null || echo waiting"
	[ "$output" = waiting ]
	[ "$(stat_of pg1 in-flight)" -ge 2 ]
	# Nothing completed without the peer yet: no new generation either.
	[ "$(stat_of pg1 generation)" = "$g0" ]
	vm_run pg1 "echo 4 >/tmp/fence.go"
	vm_wait pg1 30 "[ \$(cat /tmp/acked 2>/dev/null | wc -l) = 20 ] && [ \"\$(cat /tmp/readdone 2>/dev/null)\" = 0 ]"
	run vm_run pg1 "dmesg | grep -E 'I/O resumed: [0-9]+ writes held'"
	[[ "$output" == *"I/O resumed: 1 writes held since the connection was lost completed" ]]
	[ "$(stat_of pg1 io-suspended)" = null ]
	[ "$(stat_of pg1 generation)" != "$g0" ]
	vm_run pg2 "dmsetup resume slow"
	reconnect
	md5_both_equal
}

@test "resource-and-stonith: exit 6 keeps I/O suspended, a demotion is refused, resume-io resumes" {
	stonith
	vm_run pg1 "dmesg -C"
	cut_and_wait_start
	vm_run pg1 "$(writer 10 100)"
	vm_wait pg1 20 "[ \"\$($(st in-flight))\" -ge 1 ]"
	vm_run pg1 "echo 6 >/tmp/fence.go"
	vm_wait pg1 20 "dmesg | grep -qF 'I/O stays suspended'"
	[ "$(stat_of pg1 io-suspended)" = fencing ]
	[ "$(acked)" = 0 ]
	run vm_run pg1 "$RBLKADM secondary pg"
	[ "$status" -eq 1 ]
	assert_output_has "cannot become Secondary: I/O is suspended until the peer is fenced"
	run vm_run pg1 "$RBLKADM resume-io pg"
	[ "$status" -eq 0 ]
	[ "$output" = "pg: I/O resumed without a fenced peer: if the peer is promoted too, that is a split brain" ]
	vm_wait pg1 30 "[ \$(cat /tmp/acked 2>/dev/null | wc -l) = 10 ]"
	run vm_run pg1 "$RBLKADM resume-io pg"
	[ "$status" -eq 1 ]
	[ "$output" = "rblkadm: resume-io pg: I/O is not suspended" ]
	reconnect
	md5_both_equal
}

@test "resource-and-stonith: the peer connecting again ends the suspension; the late exit code is ignored" {
	# Long enough that the handler is not killed before it is released.
	stonith 120
	vm_run pg1 "dmesg -C"
	cut_and_wait_start
	vm_run pg1 "$(writer 10 200)"
	vm_wait pg1 20 "[ \"\$($(st in-flight))\" -ge 1 ]"
	handler_ran_3s
	[ "$(acked)" = 0 ]
	reconnect
	vm_wait pg1 30 "[ \$(cat /tmp/acked 2>/dev/null | wc -l) = 10 ]"
	[ "$(stat_of pg1 io-suspended)" = null ]
	vm_run pg1 "echo 4 >/tmp/fence.go"
	vm_wait pg1 20 "dmesg | grep -qF 'fence-peer returned 4 (peer outdated): ignored, the peer connected again'"
	md5_both_equal
}

@test "removing the device with the handler still running does not wait for it" {
	resource_only
	vm_run pg1 "dmesg -C"
	cut_and_wait_start
	run vm_run pg1 "s=\$(date +%s); $RBLKADM down pg; echo \$? \$((\$(date +%s) - s))"
	[ "${output%% *}" = 0 ]
	[ "${output##* }" -lt 5 ]
	# Released after the device is gone: rblkadm's report finds no
	# device, and nothing in the kernel takes it.
	vm_run pg1 "echo 4 >/tmp/fence.go"
	vm_wait pg1 20 "grep -q '^exit 4' /tmp/fence.log"
	vm_wait pg1 20 "! pgrep -f '[r]blkadm helper fence-peer' >/dev/null"
	run vm_run pg1 "$(fence_log)"
	[ -z "$output" ]
}
