#!/usr/bin/env bats
# SPDX-License-Identifier: (GPL-2.0 OR MIT)
# Automatic split brain recovery, one test per after-sb policy: a real
# split brain (both disconnected, both Primary in turn and writing
# different amounts, reconnect), then who lost (it resyncs from the
# winner, and both disks end up with the winner's data) or the refusal.
# discard-least-changes is in 30-resync.bats. Also the fixed resync rate
# (c-plan-ahead 0), changed live by adjust, and the before-resync-target,
# initial-split-brain, split-brain and pri-lost-after-sb handlers.

load ../lib/vm
load ../lib/rblk

# Logged like the handlers of every test config (tests/lib/rblk.bash).
RBLK_HANDLERS_EXTRA='initial-split-brain "echo $RBLK_EVENT $RBLK_RESOURCE $RBLK_PEER >> /tmp/rblk-handlers.log";
	        pri-lost-after-sb "echo $RBLK_EVENT $RBLK_RESOURCE $RBLK_PEER >> /tmp/rblk-handlers.log";'

# 128 MiB disks: the tests write below 81 MiB, and each comparison of the
# two data areas reads them whole (about 70 of them).
setup_file() {
	vm_setup_run
	vm_start pg1 --no-wait --disk "$(vm_disk pg1 128M)" --net l1 --ip 10.0.0.1/24
	vm_start pg2 --no-wait --disk "$(vm_disk pg2 128M)" --net l1 --ip 10.0.0.2/24
	vm_wait_up pg1 pg2
	for n in pg1 pg2; do
		rblk_write_config $n
		rblk_load $n
	done
}

teardown() {
	vm_teardown
}

teardown_file() {
	vm_teardown_all
}

# Both nodes get the same net { } ($1) and disk { } ($2) options.
configure() {
	local n
	for n in pg1 pg2; do
		rblk_write_config $n "$1" "${2:-}"
	done
}


# Guest command: the handler log's lines naming $1 (0 if there is none).
handler_count() {
	echo "cat /tmp/rblk-handlers.log 2>/dev/null | grep -c '$1'"
}

# write NODE BLOCKS SEEK: BLOCKS random 4 KiB blocks from block SEEK on.
write_blocks() {
	[ "$2" = 0 ] || vm_run "$1" "dd if=/dev/urandom of=/dev/rblk0 bs=4k count=$2 seek=$3 oflag=direct status=none"
}

# A split brain from one common generation. pg1 is Primary when the two
# part (lost-as-primary: the older Primary) and writes $1 blocks; pg2 is
# promoted afterwards (the younger Primary) and writes $2 blocks, at other
# offsets. $3 and $4 are the roles pg1 and pg2 reconnect with. Leaves
# md5_pg1/md5_pg2 (the data areas before the reconnect) and a log mark.
split_brain() {
	reseed
	vm_run pg1 "$RBLKADM primary pg && $RBLKADM disconnect pg"
	vm_run pg2 "$RBLKADM disconnect pg"
	write_blocks pg1 "$1" 1000
	vm_run pg1 "$RBLKADM $3 pg"
	vm_run pg2 "$RBLKADM primary --force pg"
	write_blocks pg2 "$2" 5000
	vm_run pg2 "$RBLKADM $4 pg"
	md5_pg1=$(vm_run pg1 "$(md5_data)")
	md5_pg2=$(vm_run pg2 "$(md5_data)")
	[ -n "$md5_pg1" ] && [ "$md5_pg1" != "$md5_pg2" ] ||
		{ echo "data areas before the reconnect: pg1 $md5_pg1, pg2 $md5_pg2"; false; }
	mark
	vm_run pg1 "$RBLKADM connect pg"
	vm_run pg2 "$RBLKADM connect pg"
}

# The policy $3 ($4 on the winner, if its own differs) made $1 lose to
# $2: $1 became SyncTarget of $2, and both backing disks now hold exactly
# what $2 had.
assert_lost() {
	local loser=$1 winner=$2 policy=$3 wpolicy=${4:-$3} want a b
	run vm_run "$loser" "$RBLKADM wait-sync pg --timeout 120"
	assert_status 0
	vm_wait "$winner" 30 "[ \"\$($(st connection))\" = Connected ]"
	run vm_run "$loser" "$(since_mark)"
	assert_output_has "split brain detected and resolved ($policy): this node's changes are discarded"
	assert_output_has "resync from $winner"
	run vm_run "$winner" "$(since_mark)"
	assert_output_has "split brain detected and resolved ($wpolicy): the peer's changes are discarded"
	assert_output_has "resync to $loser"
	run vm_run "$loser" "$(st disk); $(st out-of-sync-kib)"
	[ "${lines[0]}" = UpToDate ] && [ "${lines[1]}" = 0 ] || { echo "$output"; false; }
	# Resolved or not: initial-split-brain on both.
	vm_wait "$loser" 10 "grep -qx 'initial-split-brain pg $winner' /tmp/rblk-handlers.log"
	vm_wait "$winner" 10 "grep -qx 'initial-split-brain pg $loser' /tmp/rblk-handlers.log"
	vm_wait "$loser" 10 "grep -qx 'before-resync-target pg $winner' /tmp/rblk-handlers.log"
	vm_wait "$loser" 10 "grep -qx 'after-resync-target pg $winner' /tmp/rblk-handlers.log"
	run vm_run "$winner" "$(handler_count resync-target)"
	[ "$output" = 0 ]
	want=$md5_pg1
	[ "$winner" = pg2 ] && want=$md5_pg2
	a=$(vm_run pg1 "$(md5_data)")
	b=$(vm_run pg2 "$(md5_data)")
	[ "$a" = "$want" ] && [ "$b" = "$want" ] ||
		{ echo "pg1 $a pg2 $b, want $want (what $winner had)"; false; }
}

# Neither side resolved it: both StandAlone (within $1 s, default 30)
# with "split brain detected", no resync, and neither disk touched.
assert_refused() {
	local n
	wait_conn pg1 StandAlone "${1:-30}"
	wait_conn pg2 StandAlone "${1:-30}"
	for n in pg1 pg2; do
		run vm_run $n "$RBLKADM status pg"
		assert_output_has "split brain detected"
		run vm_run $n "$(since_mark)"
		[[ "$output" != *"split brain detected and resolved"* ]] || { echo "$output"; false; }
		[[ "$output" != *"resync from"* && "$output" != *"resync to"* ]] ||
			{ echo "$output"; false; }
		vm_wait $n 10 "grep -q '^split-brain pg ' /tmp/rblk-handlers.log"
		# Also initial-split-brain (started first; the two run at once).
		vm_wait $n 10 "grep -q '^initial-split-brain pg ' /tmp/rblk-handlers.log"
	done
	[ "$md5_pg1" = "$(vm_run pg1 "$(md5_data)")" ]
	[ "$md5_pg2" = "$(vm_run pg2 "$(md5_data)")" ]
}

@test "after-sb-0pri disconnect: both Secondary, refused with 'split brain detected'" {
	configure "after-sb-0pri disconnect;"
	split_brain 100 50 secondary secondary
	assert_refused
}

# connect --discard-my-data decides one split brain, as in DRBD: once a
# connection is made with it, the next split brain on the same connect
# (the link cut and back, no new command) goes by the policy again, here
# disconnect; it does not throw away this node's later writes.
# bats test_tags=long
@test "--discard-my-data decides one split brain only: a later one, after the link came back, is refused by the policy" {
	local hc1 hc2
	configure "after-sb-0pri disconnect;"
	split_brain 100 50 secondary secondary
	assert_refused
	vm_run pg1 "$RBLKADM connect --discard-my-data pg"
	vm_run pg2 "$RBLKADM connect pg"
	run vm_run pg1 "$RBLKADM wait-sync pg --timeout 120"
	assert_status 0
	[ "$md5_pg2" = "$(vm_run pg1 "$(md5_data)")" ]
	run vm_run pg1 "$(since_mark)"
	assert_output_has "pg: --discard-my-data has taken effect; a later split brain goes by the after-sb policies"
	# The second split: the link, not a command, parts and joins them.
	vm_link pg1 down
	wait_conn pg1 Connecting
	wait_conn pg2 Connecting
	vm_run pg1 "$RBLKADM primary pg"
	write_blocks pg1 30 2000
	vm_run pg1 "$RBLKADM secondary pg"
	vm_run pg2 "$RBLKADM primary --force pg"
	write_blocks pg2 20 6000
	vm_run pg2 "$RBLKADM secondary pg"
	md5_pg1=$(vm_run pg1 "$(md5_data)")
	md5_pg2=$(vm_run pg2 "$(md5_data)")
	hc1=$(vm_run pg1 "$(handler_count '^split-brain pg ')")
	hc2=$(vm_run pg2 "$(handler_count '^split-brain pg ')")
	mark
	vm_link pg1 up
	assert_refused 60
	# this split brain's own handler calls, not the first one's
	vm_wait pg1 10 "[ \$($(handler_count '^split-brain pg ')) -gt $hc1 ]"
	vm_wait pg2 10 "[ \$($(handler_count '^split-brain pg ')) -gt $hc2 ]"
}

@test "after-sb-0pri discard-younger-primary: the node promoted during the split loses, though it wrote more" {
	configure "after-sb-0pri discard-younger-primary;"
	split_brain 20 100 secondary secondary
	assert_lost pg2 pg1 discard-younger-primary
}

@test "after-sb-0pri discard-older-primary: the node that was Primary at the split loses, though it wrote more" {
	configure "after-sb-0pri discard-older-primary;"
	split_brain 100 20 secondary secondary
	assert_lost pg1 pg2 discard-older-primary
}

@test "after-sb-0pri discard-zero-changes: the node that wrote nothing loses" {
	configure "after-sb-0pri discard-zero-changes;"
	split_brain 0 30 secondary secondary
	assert_lost pg1 pg2 discard-zero-changes
}

@test "after-sb-0pri discard-local on one node, discard-remote on the other" {
	rblk_write_config pg1 "after-sb-0pri discard-local;"
	rblk_write_config pg2 "after-sb-0pri discard-remote;"
	split_brain 30 100 secondary secondary
	assert_lost pg1 pg2 discard-local discard-remote
}

@test "after-sb-1pri disconnect: one Primary, refused with 'split brain detected'" {
	configure "after-sb-0pri discard-least-changes; after-sb-1pri disconnect;"
	split_brain 100 50 secondary primary
	assert_refused
	run vm_run pg2 "$(st role)"
	[ "$output" = Primary ]
}

@test "after-sb-1pri consensus: refused while the 0pri policy picks the Primary, resolved once it picks the Secondary" {
	configure "after-sb-0pri discard-least-changes; after-sb-1pri consensus;"
	# pg2, the Primary, changed less: least-changes says pg2, a Primary
	# cannot lose.
	split_brain 100 40 secondary primary
	assert_refused
	# pg2 writes on: now pg1, the Secondary, changed less.
	write_blocks pg2 200 20000
	md5_pg2=$(vm_run pg2 "$(md5_data)")
	mark
	vm_run pg1 "$RBLKADM connect pg"
	vm_run pg2 "$RBLKADM connect pg"
	assert_lost pg1 pg2 consensus
	run vm_run pg2 "$(st role)"
	[ "$output" = Primary ]
}

@test "after-sb-1pri discard-secondary: the Secondary loses, though it wrote more" {
	configure "after-sb-0pri disconnect; after-sb-1pri discard-secondary;"
	split_brain 100 20 secondary primary
	assert_lost pg1 pg2 discard-secondary
}

# bats test_tags=long
@test "after-sb-1pri call-pri-lost-after-sb: a Primary the 0pri policy makes lose is refused and told; a losing Secondary resyncs" {
	configure "after-sb-0pri discard-least-changes; after-sb-1pri call-pri-lost-after-sb;"
	# The Primary changed less: it would lose.
	split_brain 20 100 primary secondary
	assert_refused
	vm_wait pg1 10 "grep -qx 'pri-lost-after-sb pg pg2' /tmp/rblk-handlers.log"
	run vm_run pg2 "$(handler_count pri-lost-after-sb)"
	[ "$output" = 0 ]
	run vm_run pg1 "$(since_mark)"
	assert_output_has "after-sb-1pri call-pri-lost-after-sb says this Primary's changes are the ones to discard"
	[ "$(stat_of pg1 role)" = Primary ]
	# The Secondary changed less: it loses, as with consensus.
	split_brain 100 20 primary secondary
	assert_lost pg2 pg1 call-pri-lost-after-sb
	run vm_run pg1 "$(handler_count pri-lost-after-sb)"
	[ "$output" = 0 ]
}

@test "after-sb-2pri disconnect: both Primary, refused with 'split brain detected'" {
	configure "after-sb-0pri discard-least-changes; after-sb-1pri discard-secondary; after-sb-2pri disconnect;"
	split_brain 100 50 primary primary
	assert_refused
	for n in pg1 pg2; do
		run vm_run $n "$(st role)"
		[ "$output" = Primary ]
	done
}

# Guest command: milliseconds since the time saved in /tmp/t0 (ns).
elapsed_ms() {
	echo "echo \$(( (\$(date +%s%N) - \$(cat /tmp/t0)) / 1000000 ))"
}

# bats test_tags=long
@test "fixed resync-rate (c-plan-ahead 0): set live by adjust, the resync keeps to it, back to dynamic mid-resync; before-resync-target ran" {
	local mib=16 rate=1024 ms min_ms n0 n1
	configure ""
	reseed
	# Connected, dynamic: adjust changes the rate on the running connection.
	n0=$(vm_run pg1 "dmesg | grep -c 'network options changed' || true")
	configure "" "resync-rate 1M; c-plan-ahead 0;"
	for n in pg1 pg2; do
		vm_run $n "$RBLKADM adjust pg"
	done
	run vm_run pg1 "dmesg | grep 'network options changed' | tail -1"
	assert_output_has "resync-rate $rate KiB/s"
	# The kernel reports the new values: a second adjust has nothing to do.
	vm_run pg1 "$RBLKADM adjust pg"
	n1=$(vm_run pg1 "dmesg | grep -c 'network options changed' || true")
	[ "$n1" = $((n0 + 1)) ] || { echo "net-options sent $((n1 - n0)) times"; false; }
	wait_conn pg1 Connected

	vm_run pg1 "$RBLKADM primary pg && $RBLKADM disconnect pg"
	vm_run pg1 "dd if=/dev/urandom of=/dev/rblk0 bs=1M count=$mib seek=16 oflag=direct status=none"
	mark
	vm_run pg1 "date +%s%N >/tmp/t0 && $RBLKADM connect pg"
	vm_wait pg1 60 "[ \"\$($(st connection))\" = SyncSource ] &&
		[ \"\$($(st sync-done-kib))\" -ge 4096 ]"
	run vm_run pg1 "$(st sync-rate-kib); $(st sync-done-kib); $(elapsed_ms)"
	echo "fixed rate $rate KiB/s: ${lines[1]} KiB in ${lines[2]} ms, status sync-rate ${lines[0]} KiB/s" >&3
	run vm_run pg1 "$RBLKADM wait-sync pg --timeout 120 >/dev/null && $(elapsed_ms)"
	assert_status 0
	ms=$output
	min_ms=$((mib * 1024 * 1000 / rate * 8 / 10))
	run vm_run pg1 "$(since_mark) | grep 'resync to pg2 done'"
	echo "resync of $mib MiB at resync-rate $rate KiB/s: $ms ms (lower bound $min_ms ms); kernel: ${output##*: }" >&3
	[ "$ms" -ge "$min_ms" ] || { echo "$mib MiB in $ms ms: faster than $rate KiB/s"; false; }
	# The target ran its before-resync-target handler, the source did not.
	vm_wait pg2 10 "grep -qx 'before-resync-target pg pg1' /tmp/rblk-handlers.log"
	run vm_run pg1 "$(handler_count resync-target)"
	[ "$output" = 0 ]
	run vm_run pg2 "$(since_mark) | grep 'before-resync-target handler started'"
	assert_status 0
	vm_wait pg2 30 "[ \"\$($(st disk))\" = UpToDate ]"

	# Back to the dynamic rate in the middle of the next resync.
	vm_run pg1 "$RBLKADM disconnect pg"
	vm_run pg1 "dd if=/dev/urandom of=/dev/rblk0 bs=1M count=$mib seek=64 oflag=direct status=none"
	vm_run pg1 "date +%s%N >/tmp/t0 && $RBLKADM connect pg"
	vm_wait pg1 60 "[ \"\$($(st connection))\" = SyncSource ] &&
		[ \"\$($(st sync-done-kib))\" -ge 2048 ]"
	configure ""
	for n in pg1 pg2; do
		vm_run $n "$RBLKADM adjust pg"
	done
	run vm_run pg1 "dmesg | grep 'network options changed' | tail -1"
	assert_output_has "dynamic resync rate"
	run vm_run pg1 "$RBLKADM wait-sync pg --timeout 120 >/dev/null && $(elapsed_ms)"
	assert_status 0
	echo "next resync of $mib MiB, switched to the dynamic rate after 2 MiB: $output ms" >&3
	vm_wait pg2 30 "[ \"\$($(st disk))\" = UpToDate ]"
	vm_run pg1 "$RBLKADM secondary pg"
	[ "$(vm_run pg1 "$(md5_data)")" = "$(vm_run pg2 "$(md5_data)")" ]
}

# The before-resync-target stub: logs its start like the other handlers
# (and when, in s), waits for /tmp/brt.go and exits with the number
# written there.
BRT_STUB='#!/bin/sh
echo "$RBLK_EVENT $RBLK_RESOURCE $RBLK_PEER" >>/tmp/rblk-handlers.log
date +%s >/tmp/brt.start
while [ ! -e /tmp/brt.go ]; do sleep 0.1; done
code=$(cat /tmp/brt.go)
rm -f /tmp/brt.go
exit $code'

# Both nodes run BRT_STUB as before-resync-target with handler-timeout
# $1 s, from fresh data; pg1 is Primary.
brt_setup() {
	local n
	for n in pg1 pg2; do
		vm_run $n "printf '%s\n' '$BRT_STUB' >/tmp/brt-stub && chmod +x /tmp/brt-stub"
	done
	RBLK_BEFORE_RESYNC_TARGET=/tmp/brt-stub configure "" "handler-timeout $1;"
	reseed
	vm_run pg1 "$RBLKADM primary pg"
}

# pg2 reconnects to the Primary pg1, which wrote $1 blocks meanwhile; the
# stub starts on pg2. Leaves pg2's disk state and data md5 from before in
# disk_before and md5_before, and a log mark.
reconnect_to_resync() {
	vm_run pg2 "$RBLKADM disconnect pg"
	wait_conn pg1 Connecting
	write_blocks pg1 "$1" $((RANDOM % 8000))
	disk_before=$(stat_of pg2 disk)
	md5_before=$(vm_run pg2 "$(md5_data)")
	mark
	vm_run pg2 "rm -f /tmp/brt.start /tmp/brt.go; $RBLKADM connect pg"
	vm_wait pg2 30 "[ -e /tmp/brt.start ]"
}

# pg2 did not become SyncTarget: StandAlone with $1 in its status,
# Outdated (not promotable without --force), its data as before.
assert_no_resync() {
	wait_conn pg2 StandAlone 60
	run vm_run pg2 "$RBLKADM status pg"
	assert_output_has "$1"
	[ "$(stat_of pg2 disk)" = Outdated ]
	[ "$(vm_run pg2 "$(md5_data)")" = "$md5_before" ]
	run vm_run pg2 "$(since_mark) | grep -c 'resync from pg1' || true"
	[ "$output" = 0 ]
}

# bats test_tags=long
@test "before-resync-target is waited for: nothing reaches the target's disk, the Primary's writes complete on its own disk and the resync after exit 0 carries them; after exit 1 or handler-timeout no resync (StandAlone)" {
	brt_setup $((30 * VM_TIME_SCALE))

	# Exit 0, after 3 s.
	reconnect_to_resync 64
	[ "$disk_before" != Inconsistent ]
	# A write meanwhile completes on pg1's disk alone, marked for the
	# resync: it does not wait for the handler.
	vm_run pg1 "dd if=/dev/urandom of=/dev/rblk0 bs=4k count=1 seek=9000 oflag=direct status=none"
	vm_wait pg2 30 "[ \$((\$(date +%s) - \$(cat /tmp/brt.start))) -ge 3 ]"
	[ "$(stat_of pg2 connection)" = Connecting ]
	# Outdated on disk and in its state, its data untouched; the
	# Primary knows it.
	[ "$(stat_of pg2 disk)" = Outdated ]
	[ "$(stat_of pg1 peer-disk)" = Outdated ]
	[ "$(vm_run pg2 "$(md5_data)")" = "$md5_before" ]
	[ "$(stat_of pg1 connection)" = SyncSource ]
	# The source's role may change meanwhile: the resync still begins.
	run vm_run pg1 "timeout 10 $RBLKADM secondary pg && $(st role)"
	[ "$output" = Secondary ] || { echo "secondary: $output"; false; }
	vm_run pg2 "echo 0 >/tmp/brt.go"
	run vm_run pg2 "$RBLKADM wait-sync pg --timeout 60"
	assert_status 0
	run vm_run pg2 "$(since_mark)"
	assert_output_has "the before-resync-target handler returned 0"
	assert_output_has "resync from pg1"
	[[ "$output" != *"connecting again"* ]] || { echo "$output"; false; }
	md5_both_equal
	vm_run pg1 "$RBLKADM primary pg"

	# A short handler-timeout for the rest (the stub is released at once).
	RBLK_BEFORE_RESYNC_TARGET=/tmp/brt-stub rblk_write_config pg2 "" "handler-timeout $((6 * VM_TIME_SCALE));"
	vm_run pg2 "$RBLKADM adjust pg"
	# Exit 1: no resync; the Primary goes on without pg2.
	reconnect_to_resync 16
	vm_run pg2 "echo 1 >/tmp/brt.go"
	assert_no_resync "the before-resync-target handler returned 1: not becoming SyncTarget of pg1; 'rblkadm connect pg' tries again"
	wait_conn pg1 Connecting
	write_blocks pg1 1 9001

	# Never exits: rblkadm kills it at handler-timeout (124).
	mark
	vm_run pg2 "rm -f /tmp/brt.start; $RBLKADM connect pg"
	vm_wait pg2 30 "[ -e /tmp/brt.start ]"
	assert_no_resync "the before-resync-target handler returned 124"
	run vm_run pg2 "pgrep -f '[/]tmp/brt-stub' || echo none"
	[ "$output" = none ]
	run vm_run pg2 "$RBLKADM primary pg"
	[ "$status" -ne 0 ]

	# Released at once: the resync of all that pg1 wrote meanwhile.
	vm_run pg2 "rm -f /tmp/brt.start; echo 0 >/tmp/brt.go; $RBLKADM connect pg"
	run vm_run pg2 "$RBLKADM wait-sync pg --timeout 60"
	assert_status 0
	vm_run pg1 "$RBLKADM secondary pg"
	md5_both_equal
}

@test "before-resync-target of a connection that ended while it ran: the next connection waits for it, on the same connection, then runs its own; never two at once" {
	local queued
	brt_setup $((60 * VM_TIME_SCALE))
	reconnect_to_resync 16
	# The source ends the connection while pg2's handler runs, and
	# connects again.
	vm_run pg1 "$RBLKADM disconnect pg"
	vm_wait pg2 30 "$(since_mark) | grep -q 'connection to pg1 ended'"
	vm_run pg1 "$RBLKADM connect pg"
	queued="the before-resync-target handler of an earlier connection to pg1 still runs: this connection's starts once it is over"
	vm_wait pg2 30 "$(since_mark) | grep -qF 'of an earlier connection to pg1 still runs: this connection'"
	wait_conn pg1 SyncSource
	# The Primary's writes complete meanwhile (marked for the resync).
	vm_run pg1 "timeout 20 dd if=/dev/urandom of=/dev/rblk0 bs=4k count=4 seek=7000 oflag=direct status=none"
	# One handler runs (the stub's process groups: rblkadm gives each
	# handler its own), and only the first connection's started.
	run vm_run pg2 "$(handler_count before-resync-target); ps -eo pgid=,args= | awk '\$2 == \"/bin/sh\" && \$3 == \"/tmp/brt-stub\" { print \$1 }' | sort -u | wc -l"
	[ "${lines[0]}" = 1 ] && [ "${lines[1]}" = 1 ] ||
		{ echo "handler log lines, stub process groups: $output"; false; }
	run vm_run pg2 "$(since_mark) | grep -c 'before-resync-target handler started'"
	[ "$output" = 1 ] || { echo "handlers started: $output"; false; }
	[ "$(stat_of pg2 disk)" = Outdated ]
	[ "$(stat_of pg2 connection)" = Connecting ]
	[ "$(vm_run pg2 "$(md5_data)")" = "$md5_before" ]
	# The first exits: its late report ends the wait at once (not its
	# handler-timeout + 10 s), and this connection runs its own handler.
	vm_run pg2 "rm -f /tmp/brt.start; echo 0 >/tmp/brt.go"
	vm_wait pg2 10 "[ -e /tmp/brt.start ]"
	run vm_run pg2 "$(handler_count before-resync-target)"
	[ "$output" = 2 ] || { echo "handler log lines: $output"; false; }
	vm_run pg2 "echo 0 >/tmp/brt.go"
	run vm_run pg2 "$RBLKADM wait-sync pg --timeout 60"
	assert_status 0
	run vm_run pg2 "$(since_mark)"
	assert_output_has "$queued"
	assert_output_has "the earlier before-resync-target handler is over"
	assert_output_has "the before-resync-target handler returned 0"
	assert_output_has "resync from pg1"
	# Two connections: the first, and the one that waited.
	run vm_run pg2 "$(since_mark) | grep -c 'connected to pg1'"
	[ "$output" = 2 ] || { echo "connections: $output"; false; }
	vm_run pg1 "$RBLKADM secondary pg"
	md5_both_equal
}
