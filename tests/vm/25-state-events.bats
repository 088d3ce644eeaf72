#!/usr/bin/env bats
# SPDX-License-Identifier: (GPL-2.0 OR MIT)
# Every change of a device's state (role, disk, connection, the peer's
# role and disk, sync-paused) is announced by exactly one "change" event,
# and nothing else is: through a switchover, a disconnect and reconnect,
# a resync, and pause-sync/resume-sync (docs/internals.md, "State").
# Needs: the qemu harness (two guests on one link), rblk.ko.

load ../lib/vm
load ../lib/rblk

setup_file() {
	vm_setup_run
	vm_start pg1 --disk "$(vm_disk pg1 256M)" --net l1 --ip 10.0.0.1/24
	vm_start pg2 --disk "$(vm_disk pg2 256M)" --net l1 --ip 10.0.0.2/24
	for n in pg1 pg2; do
		rblk_write_config $n
		rblk_load $n
		vm_run $n "$RBLKADM create-md pg"
		vm_run $n "$RBLKADM set-gi pg 1000:0:0:0:consistent,was-up-to-date"
	done
	for n in pg1 pg2; do
		vm_run $n "$RBLKADM up pg"
	done
	wait_conn pg1 Connected
	wait_conn pg2 Connected
	vm_wait pg1 20 "[ \"\$($(st peer-disk))\" = UpToDate ]"
	vm_wait pg2 20 "[ \"\$($(st peer-disk))\" = UpToDate ]"
	# From here on every change line of pg goes to /tmp/ev.log.
	for n in pg1 pg2; do
		vm_run $n "setsid -f $RBLKADM events > /tmp/ev.log 2>&1 < /dev/null"
		vm_wait $n 10 "grep -q '^exists pg' /tmp/ev.log"
	done
}

teardown_file() {
	vm_teardown_all
}

# Guest command: the state of each change line of pg, in order, one per
# line, without the fields that are not state (minor, size, verify).
changes() {
	echo "grep '^change pg ' /tmp/ev.log | sed -E 's/^change pg //; s/ minor:[0-9]+ size-kib:[0-9]+//; s/ last-verify.*//'"
}

# Guest command: the count of change lines so far.
nchanges() {
	echo "grep -c '^change pg ' /tmp/ev.log || true"
}

# The same fields from status, as an event line prints them.
status_state() {
	vm_run "$1" "$RBLKADM status --json pg | jq -r '.[0] | \"role:\(.role) disk:\(.disk) connection:\(.connection)\" + (if .[\"peer-role\"] then \" peer-role:\(.[\"peer-role\"]) peer-disk:\(.[\"peer-disk\"])\" else \"\" end)'"
}

# Node $1 shows exactly the change lines $3.. after the first $2 lines:
# waited for (they come as the changes happen), then compared.
expect_changes() {
	local vm=$1 from=$2 want
	shift 2
	want=$(printf '%s\n' "$@")
	vm_wait "$vm" 20 "[ \$($(nchanges)) -ge $((from + $#)) ]"
	run vm_run "$vm" "$(changes) | tail -n +$((from + 1))"
	[ "$output" = "$want" ] || {
		echo "$vm: change events after the first $from:"
		echo "$output"
		echo "wanted:"
		echo "$want"
		return 1
	}
}

# No two consecutive change lines carry the same state, and the last one
# is what status shows now.
consistent_stream() {
	local vm=$1 last now
	run vm_run "$vm" "$(changes) | uniq -d"
	[ -z "$output" ] || { echo "$vm: the same state announced twice in a row: $output"; return 1; }
	last=$(vm_run "$vm" "$(changes) | tail -1")
	now=$(status_state "$vm")
	[ "$last" = "$now" ] || { echo "$vm: last event '$last', status '$now'"; return 1; }
}

@test "a switchover: one event per role change on each node" {
	local a b
	a=$(vm_run pg1 "$(nchanges)")
	b=$(vm_run pg2 "$(nchanges)")
	[ "$a" -eq 0 ]
	[ "$b" -eq 0 ]

	vm_run pg1 "$RBLKADM primary pg"
	vm_run pg1 "$RBLKADM secondary pg"
	vm_run pg2 "$RBLKADM primary pg"
	expect_changes pg1 0 \
		"role:Primary disk:UpToDate connection:Connected peer-role:Secondary peer-disk:UpToDate" \
		"role:Secondary disk:UpToDate connection:Connected peer-role:Secondary peer-disk:UpToDate" \
		"role:Secondary disk:UpToDate connection:Connected peer-role:Primary peer-disk:UpToDate"
	expect_changes pg2 0 \
		"role:Secondary disk:UpToDate connection:Connected peer-role:Primary peer-disk:UpToDate" \
		"role:Secondary disk:UpToDate connection:Connected peer-role:Secondary peer-disk:UpToDate" \
		"role:Primary disk:UpToDate connection:Connected peer-role:Secondary peer-disk:UpToDate"
	# A command that changes nothing announces nothing.
	vm_run pg2 "$RBLKADM primary pg && $RBLKADM new-current-uuid pg"
	vm_run pg1 "$RBLKADM secondary pg"
	[ "$(vm_run pg2 "$(nchanges)")" -eq 3 ]
	[ "$(vm_run pg1 "$(nchanges)")" -eq 3 ]
	consistent_stream pg1
	consistent_stream pg2
	# drbdadm's one-word answers, local/peer.
	run vm_run pg1 "$RBLKADM role pg; $RBLKADM cstate pg; $RBLKADM dstate pg"
	[ "$output" = "$(printf 'Secondary/Primary\nConnected\nUpToDate/UpToDate')" ] || { echo "$output"; false; }
	run vm_run pg2 "$RBLKADM role pg"
	[ "$output" = Primary/Secondary ]
}

@test "disconnect and reconnect: one event per connection change" {
	local a b
	# The new generation of the last test: both in sync on it again.
	vm_run pg2 "$RBLKADM wait-sync pg --timeout 60"
	consistent_stream pg1
	consistent_stream pg2
	a=$(vm_run pg1 "$(nchanges)")
	b=$(vm_run pg2 "$(nchanges)")

	vm_run pg1 "$RBLKADM disconnect pg"
	# The disconnecting node goes StandAlone in one change; its peer
	# loses the connection in one.
	expect_changes pg1 "$a" "role:Secondary disk:UpToDate connection:StandAlone"
	expect_changes pg2 "$b" "role:Primary disk:UpToDate connection:Connecting"

	vm_run pg1 "$RBLKADM connect pg"
	wait_conn pg1 Connected
	wait_conn pg2 Connected
	vm_run pg2 "$RBLKADM wait-sync pg --timeout 60"
	run vm_run pg1 "$(changes) | tail -n +$((a + 2)) | head -1"
	[ "$output" = "role:Secondary disk:UpToDate connection:Connecting" ]
	consistent_stream pg1
	consistent_stream pg2
}

@test "a resync: SyncSource/SyncTarget and back, each change once" {
	local a b
	a=$(vm_run pg1 "$(nchanges)")
	b=$(vm_run pg2 "$(nchanges)")
	vm_run pg1 "$RBLKADM disconnect pg"
	wait_conn pg2 Connecting
	vm_run pg2 "dd if=/dev/urandom of=/dev/rblk0 bs=1M count=8 oflag=direct status=none"
	vm_run pg1 "$RBLKADM connect pg"
	vm_run pg1 "$RBLKADM wait-sync pg --timeout 120"
	vm_run pg2 "$RBLKADM wait-sync pg --timeout 60"
	# pg1 (target, a before-resync-target handler configured by
	# rblk_write_config): StandAlone, Connecting, Outdated while the
	# handler runs, SyncTarget with its disk Inconsistent (one change),
	# then Connected and UpToDate (one change).
	expect_changes pg1 "$a" \
		"role:Secondary disk:UpToDate connection:StandAlone" \
		"role:Secondary disk:UpToDate connection:Connecting" \
		"role:Secondary disk:Outdated connection:Connecting" \
		"role:Secondary disk:Inconsistent connection:SyncTarget peer-role:Primary peer-disk:UpToDate" \
		"role:Secondary disk:UpToDate connection:Connected peer-role:Primary peer-disk:UpToDate"
	# pg2 (source): the lost connection, SyncSource with the peer's disk
	# as its first STATE said, then the peer's STATEs in their order:
	# Outdated (its handler runs), Inconsistent (its resync began); back
	# to Connected, then UpToDate.
	expect_changes pg2 "$b" \
		"role:Primary disk:UpToDate connection:Connecting" \
		"role:Primary disk:UpToDate connection:SyncSource peer-role:Secondary peer-disk:UpToDate" \
		"role:Primary disk:UpToDate connection:SyncSource peer-role:Secondary peer-disk:Outdated" \
		"role:Primary disk:UpToDate connection:SyncSource peer-role:Secondary peer-disk:Inconsistent" \
		"role:Primary disk:UpToDate connection:Connected peer-role:Secondary peer-disk:Inconsistent" \
		"role:Primary disk:UpToDate connection:Connected peer-role:Secondary peer-disk:UpToDate"
	consistent_stream pg1
	consistent_stream pg2
	md5_both_equal
}

@test "pause-sync and resume-sync: one event each, here and on the peer" {
	local a b
	a=$(vm_run pg1 "$(nchanges)")
	b=$(vm_run pg2 "$(nchanges)")
	vm_run pg1 "$RBLKADM pause-sync pg"
	expect_changes pg1 "$a" \
		"role:Secondary disk:UpToDate connection:Connected peer-role:Primary peer-disk:UpToDate sync-paused:user"
	expect_changes pg2 "$b" \
		"role:Primary disk:UpToDate connection:Connected peer-role:Secondary peer-disk:UpToDate sync-paused:peer"
	run vm_run pg1 "$RBLKADM pause-sync pg"
	[ "$status" -ne 0 ]
	vm_run pg1 "$RBLKADM resume-sync pg"
	expect_changes pg1 $((a + 1)) \
		"role:Secondary disk:UpToDate connection:Connected peer-role:Primary peer-disk:UpToDate"
	expect_changes pg2 $((b + 1)) \
		"role:Primary disk:UpToDate connection:Connected peer-role:Secondary peer-disk:UpToDate"
	vm_run pg1 "pkill -x rblkadm; true"
	vm_run pg2 "pkill -x rblkadm; true"
}

# Guest command: the boot unit's (conf/rblk.service.in) line $1, with the
# build's rblkadm for @SBINDIR@.
unit_cmd() {
	sed -n "s|^$1=||p" conf/rblk.service.in | sed 's|@SBINDIR@|$PWD/user|'
}

# What the boot unit runs, run as it runs it (the guests have no systemd;
# its ExecStartPre, modprobe, is the harness's insmod here): a node that
# boots alone goes on without waiting for its peer, the other one joins
# it, a second start changes nothing, and the stop takes both down.
@test "the boot unit's commands: up alone without waiting, then connected; again: nothing; down at shutdown" {
	for n in pg1 pg2; do
		vm_run $n "$RBLKADM down pg"
	done
	run vm_run pg1 "timeout 20 $(unit_cmd ExecStart)"
	assert_status 0
	wait_conn pg1 Connecting
	run vm_run pg2 "timeout 20 $(unit_cmd ExecStart)"
	assert_status 0
	wait_conn pg1 Connected
	wait_conn pg2 Connected
	run vm_run pg1 "$(unit_cmd ExecStart)"
	assert_status 0
	[ "$(vm_run pg1 "$(st connects)")" = 1 ]
	# What adjust would still do, from the kernel's state: nothing.
	run vm_run pg1 "$(unit_cmd ExecStart | sed 's/ adjust / -d adjust /')"
	[ "$status" -eq 0 ] && [ -z "$output" ] || { echo "adjust would still do: $output"; false; }
	vm_run pg1 "$RBLKADM disconnect pg"
	run vm_run pg1 "$(unit_cmd ExecStart | sed 's/ adjust / -d adjust /')"
	[ "$output" = "$(printf 'net minor=0 %s\nconnect minor=0' "$(vm_run pg1 "$RBLKADM -d up pg" | sed -n 's/^net minor=0 //p')")" ] ||
		{ echo "adjust of a StandAlone resource: $output"; false; }
	vm_run pg1 "$(unit_cmd ExecStart)"
	wait_conn pg1 Connected
	for n in pg1 pg2; do
		run vm_run $n "$(unit_cmd ExecStop) && test ! -e /dev/rblk0"
		assert_status 0
	done
}
