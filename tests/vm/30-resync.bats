#!/usr/bin/env bats
# SPDX-License-Identifier: (GPL-2.0 OR MIT)
# Dirty tracking and resync between two nodes: bitmap-based resync after a
# disconnect, a resync interrupted and resumed, a Secondary power cut under
# load, split brain detected and resolved (guide.md 6), invalidate and
# invalidate-remote (guide.md 1 and 7).

load ../lib/vm
load ../lib/rblk

setup_file() {
	vm_setup_run
	vm_start pg1 --disk "$(vm_disk pg1 384M)" --net l1 --ip 10.0.0.1/24
	vm_start pg2 --disk "$(vm_disk pg2 384M)" --net l1 --ip 10.0.0.2/24
	for n in pg1 pg2; do
		rblk_write_config $n
		rblk_load $n
	done
}

teardown_file() {
	vm_teardown_all
}

# Fresh metadata on both (zeroed disks with -z), neither up until both are
# done: a node coming up must not meet the other's old generation.
fresh_md() {
	local n
	for n in pg1 pg2; do
		vm_run $n "$RBLKADM down pg"
	done
	for n in pg1 pg2; do
		vm_run $n "${1:+blkdiscard -f -z /dev/vda 2>/dev/null && }$RBLKADM create-md --force pg >/dev/null"
	done
}

resynced() {
	vm_run "$1" "$(st resynced-kib)"
}

@test "disconnect, write 8 MiB, reconnect: only the written blocks are resynced" {
	reseed
	vm_run pg1 "$RBLKADM primary pg && $RBLKADM disconnect pg"
	# 2048 distinct 4 KiB blocks scattered over 256 MiB.
	vm_run pg1 "fio --name=s --filename=/dev/rblk0 --size=256M --io_size=8M --bs=4k \
		--rw=randwrite --ioengine=libaio --iodepth=8 --direct=1 >/dev/null"
	oos=$(vm_run pg1 "$(st out-of-sync-kib)")
	echo "out of sync after 8 MiB of writes: $oos KiB" >&3
	[ "$oos" = 8192 ]
	before=$(resynced pg1)
	vm_run pg1 "$RBLKADM connect pg"
	run vm_run pg1 "$RBLKADM wait-sync pg --timeout 120"
	assert_status 0
	after=$(resynced pg1)
	echo "resynced $((after - before)) KiB for 8192 KiB written" >&3
	[ $((after - before)) -ge 8192 ]
	[ $((after - before)) -le 9011 ]
	run vm_run pg2 "$(st disk); $(st out-of-sync-kib)"
	[ "${lines[0]}" = UpToDate ]
	[ "${lines[1]}" = 0 ]
	vm_run pg1 "$RBLKADM secondary pg"
	md5_both_equal
}

@test "a resync interrupted by a disconnect continues where it stopped" {
	reseed
	vm_run pg1 "$RBLKADM primary pg && $RBLKADM disconnect pg"
	vm_run pg1 "dd if=/dev/urandom of=/dev/rblk0 bs=1M count=64 seek=16 oflag=direct status=none"
	# 64 MiB at 40 Mbit/s take 13 s: after the first 16 MiB the target has
	# 10 s left to go away, not a race with the end of the resync.
	vm_netem pg1 eth0 rate 40mbit
	before=$(resynced pg1)
	vm_run pg1 "$RBLKADM connect pg"
	# Partway through, the target goes away: the check and the disconnect
	# run in one guest command, no round trip from the host between them.
	vm_wait pg2 60 "[ \"\$($(st connection))\" = SyncTarget ] && [ \"\$($RBLKADM status --json pg | jq '.[0][\"sync-done-kib\"] // 0')\" -ge 16384 ] && $RBLKADM disconnect pg"
	disk=$(vm_run pg2 "$(st disk)")
	oos=$(vm_run pg1 "$(st out-of-sync-kib)")
	echo "the target went away $disk with $oos KiB of 65536 left" >&3
	[ "$disk" = Inconsistent ]
	[ "$oos" -gt 0 ]
	[ "$oos" -le 50176 ]	# 16 MiB done, up to 1 MiB in flight
	# A SyncTarget holds no usable data: promotion is refused.
	run vm_run pg2 "$RBLKADM primary pg"
	assert_status 1
	vm_netem pg1 eth0 off
	vm_run pg2 "$RBLKADM connect pg"
	run vm_run pg2 "$RBLKADM wait-sync pg --timeout 120"
	assert_status 0
	after=$(resynced pg1)
	echo "resynced $((after - before)) KiB for 65536 KiB written" >&3
	[ $((after - before)) -le 72089 ]
	vm_run pg1 "$RBLKADM secondary pg"
	md5_both_equal
}

# bats test_tags=long
@test "power cut of the Secondary under load: it returns and resyncs while the load goes on" {
	reseed
	vm_run pg1 "$RBLKADM primary pg"
	# The load runs until the test stops it (fio runs of 10 s, each
	# verifying what it wrote), not for a time a slow host could outlast.
	# 1 MiB written shows it running (the debug kernel under KASAN has
	# written 130 KiB/s here).
	vm_run pg1 "rm -f /tmp/fio.stop; setsid -f sh -c 'while [ ! -e /tmp/fio.stop ]; do \
		fio --name=l --filename=/dev/rblk0 --size=128M --bs=4k \
		--rw=randwrite --ioengine=libaio --iodepth=16 --direct=1 --time_based --runtime=10 \
		--verify=crc32c --verify_backlog=256 >/tmp/fio.out 2>&1 || { echo \$? >/tmp/fio.rc; exit; }; \
		done; echo 0 >/tmp/fio.rc'"
	vm_wait pg1 60 "[ \"\$($(st written-kib))\" -gt 1024 ]"
	vm_kill pg2
	wait_conn pg1 Connecting
	vm_restart pg2
	rblk_write_config pg2
	rblk_load pg2
	vm_run pg2 "$RBLKADM up pg"
	vm_wait pg2 60 "$(st connection) | grep -qx 'SyncTarget\|Connected'"
	# The resync began under load, and writes go on on the source: its
	# count grows by 1 MiB with the load still running (a state to reach,
	# not a rate within a time: one status call takes a second on the
	# loaded guest, and a resync holds a write to a block it is sending).
	a=$(vm_run pg1 "$(st written-kib)")
	vm_wait pg1 60 "[ ! -f /tmp/fio.rc ] && [ \"\$($(st written-kib))\" -ge $((a + 1024)) ]"
	vm_run pg1 "touch /tmp/fio.stop"
	vm_wait pg1 60 "[ -f /tmp/fio.rc ]"
	run vm_run pg1 "cat /tmp/fio.rc"
	[ "$output" = 0 ] || { vm_run pg1 "cat /tmp/fio.out"; false; }
	run vm_run pg1 "$RBLKADM wait-sync pg --timeout 120"
	assert_status 0
	run resynced pg2
	[ "$output" -gt 0 ]
	vm_run pg1 "$RBLKADM secondary pg"
	md5_both_equal
}

@test "split brain: detected, nothing touched, resolved with --discard-my-data (guide.md 6)" {
	reseed
	vm_run pg1 "$RBLKADM primary pg"
	vm_run pg1 "$RBLKADM disconnect pg"
	vm_run pg2 "$RBLKADM disconnect pg"
	run vm_run pg2 "$RBLKADM primary --force pg"
	assert_status 0
	vm_run pg1 "dd if=/dev/urandom of=/dev/rblk0 bs=4k count=100 seek=1000 oflag=direct status=none"
	vm_run pg2 "dd if=/dev/urandom of=/dev/rblk0 bs=4k count=50 seek=5000 oflag=direct status=none"
	a1=$(vm_run pg1 "$(md5_data)")
	a2=$(vm_run pg2 "$(md5_data)")
	vm_run pg1 "$RBLKADM connect pg"
	vm_run pg2 "$RBLKADM connect pg"
	wait_conn pg1 StandAlone
	wait_conn pg2 StandAlone
	run vm_run pg1 "$RBLKADM status pg"
	assert_output_has "split brain detected: this node and pg2 both wrote since generation"
	assert_output_has "here 400 KiB changed, there 200 KiB"
	assert_output_has "rblkadm connect --discard-my-data pg"
	run vm_run pg1 "dmesg"
	assert_output_has "split brain detected"
	# The split-brain handler ran on both nodes.
	for n in pg1 pg2; do
		vm_wait $n 10 "grep -q 'split-brain pg' /tmp/rblk-handlers.log"
	done
	[ "$a1" = "$(vm_run pg1 "$(md5_data)")" ]
	[ "$a2" = "$(vm_run pg2 "$(md5_data)")" ]
	# pg2 survives: pg1 gives up its changes.
	vm_run pg1 "$RBLKADM secondary pg && $RBLKADM connect --discard-my-data pg"
	vm_run pg2 "$RBLKADM connect pg"
	run vm_run pg1 "$RBLKADM wait-sync pg --timeout 120"
	assert_status 0
	run vm_run pg1 "$(st disk); $(st peer-role); $(st resynced-kib)"
	[ "${lines[0]}" = UpToDate ] && [ "${lines[1]}" = Primary ] || { echo "$output"; false; }
	vm_wait pg1 10 "grep -q 'after-resync-target pg pg2' /tmp/rblk-handlers.log"
	# Bitmap-based: both sides' changes, nothing else.
	[ "${lines[2]}" -le 600 ] || { echo "$output"; false; }
	[ "$a2" = "$(vm_run pg1 "$(md5_data)")" ]
	vm_run pg2 "$RBLKADM secondary pg"
	md5_both_equal
}

@test "after-sb-0pri discard-least-changes resolves a split brain by itself" {
	for n in pg1 pg2; do
		rblk_write_config $n "after-sb-0pri discard-least-changes;"
	done
	reseed
	vm_run pg1 "$RBLKADM primary pg && $RBLKADM disconnect pg"
	vm_run pg2 "$RBLKADM disconnect pg"
	vm_run pg1 "dd if=/dev/urandom of=/dev/rblk0 bs=4k count=100 seek=1000 oflag=direct status=none"
	vm_run pg1 "$RBLKADM secondary pg"
	vm_run pg2 "$RBLKADM primary --force pg"
	vm_run pg2 "dd if=/dev/urandom of=/dev/rblk0 bs=4k count=20 seek=5000 oflag=direct status=none"
	vm_run pg2 "$RBLKADM secondary pg"
	a1=$(vm_run pg1 "$(md5_data)")
	vm_run pg1 "$RBLKADM connect pg"
	vm_run pg2 "$RBLKADM connect pg"
	run vm_run pg2 "$RBLKADM wait-sync pg --timeout 120"
	assert_status 0
	run vm_run pg2 "dmesg"
	assert_output_has "split brain detected and resolved (discard-least-changes): this node's changes are discarded"
	[ "$a1" = "$(vm_run pg2 "$(md5_data)")" ]
	md5_both_equal
	for n in pg1 pg2; do
		rblk_write_config $n
	done
}

@test "unrelated data is refused, never synced" {
	fresh_md
	vm_run pg1 "$RBLKADM set-gi pg 5000:0:0:0:consistent,was-up-to-date >/dev/null && $RBLKADM up pg"
	vm_run pg2 "$RBLKADM set-gi pg 6000:0:0:0:consistent,was-up-to-date >/dev/null && $RBLKADM up pg"
	wait_conn pg1 StandAlone
	wait_conn pg2 StandAlone
	run vm_run pg1 "$RBLKADM status pg"
	assert_output_has "the disks hold unrelated data"
	run vm_run pg1 "$(st resynced-kib)"
	[ "$output" = 0 ]
}

@test "two fresh zeroed disks: new-current-uuid --clear-bitmap skips the initial sync" {
	fresh_md -z
	for n in pg1 pg2; do
		vm_run $n "$RBLKADM up pg"
	done
	wait_conn pg1 Connected
	wait_conn pg2 Connected
	run vm_run pg1 "$RBLKADM new-current-uuid --clear-bitmap pg"
	assert_output_has "pg: both disks are one generation now: UpToDate, no initial resync"
	vm_wait pg2 10 "[ \"\$($(st disk))\" = UpToDate ] && [ \"\$($(st peer-disk))\" = UpToDate ]"
	run vm_run pg1 "$(st disk); $(st resynced-kib)"
	[ "${lines[0]}" = UpToDate ]
	[ "${lines[1]}" = 0 ]
	g1=$(vm_run pg1 "$(st generation)")
	[ "$g1" != 0000000000000004 ]
	[ "$g1" = "$(vm_run pg2 "$(st generation)")" ]
	# Only for a fresh pair.
	run vm_run pg1 "$RBLKADM new-current-uuid --clear-bitmap pg"
	assert_status 1
	assert_output_has "only for two freshly created disks that are connected to each other"
	md5_both_equal
}

@test "fresh disks, invalidate-remote: full initial sync with progress, pause and resume (guide.md 1)" {
	fresh_md
	for n in pg1 pg2; do
		vm_run $n "$RBLKADM up pg"
	done
	wait_conn pg1 Connected
	run vm_run pg1 "$(st disk); $(st peer-disk)"
	[ "${lines[0]}" = Inconsistent ]
	[ "${lines[1]}" = Inconsistent ]
	# Connected is not in sync: wait-sync says what is missing.
	run vm_run pg1 "$RBLKADM wait-sync pg --timeout 1"
	assert_status 1
	assert_output_has "pg: not in sync after 1 s (Connected, disk Inconsistent, peer-disk Inconsistent)"
	assert_output_has "neither disk is UpToDate: 'rblkadm invalidate-remote pg' on the node with the good data starts the initial sync"
	vm_run pg1 "dd if=/dev/urandom of=/dev/vda bs=1M count=8 seek=40 oflag=direct status=none"
	# Paused on the target before it starts (most blocks are zeros: a
	# running resync may end before a pause reaches the source), the
	# source starts it paused and sends nothing until resume-sync.
	vm_run pg2 "$RBLKADM pause-sync pg"
	vm_wait pg1 10 "$RBLKADM status pg | grep -q 'sync-paused:peer'"
	run vm_run pg1 "$RBLKADM invalidate-remote pg"
	assert_output_has "pg: the peer's data is invalid: a full resync to it follows once connected"
	vm_wait pg1 30 "$RBLKADM status pg | grep -q 'sync-paused:yes'"
	a=$(vm_run pg1 "$RBLKADM status --json pg | jq '.[0][\"sync-done-kib\"]'")
	b=$(vm_run pg1 "sleep 1; $RBLKADM status --json pg | jq '.[0][\"sync-done-kib\"]'")
	[ "$a" = 0 ] && [ "$b" = 0 ] || { echo "moved while paused: $a -> $b"; false; }
	run vm_run pg1 "$RBLKADM status pg"
	assert_output_has "connection:SyncSource"
	assert_output_has "sync-percent:"
	assert_output_has "sync-eta-s:"
	run vm_run pg2 "$RBLKADM pause-sync pg"
	assert_status 1
	assert_output_has "pause-sync pg: the resync is already paused"
	vm_run pg2 "$RBLKADM resume-sync pg"
	run vm_run pg1 "$RBLKADM wait-sync pg --timeout 300"
	assert_status 0
	vm_run pg1 "$RBLKADM primary pg"
	run vm_run pg1 "$RBLKADM status pg"
	assert_output_has "pg role:Primary"
	assert_output_has "disk:UpToDate"
	assert_output_has "peer-role:Secondary peer-disk:UpToDate"
	run vm_run pg2 "$(st resynced-kib); $(st size-kib)"
	[ "${lines[0]}" = "${lines[1]}" ] || { echo "$output"; vm_run pg2 "dmesg | grep rblk | tail -30"; false; }
	vm_run pg1 "$RBLKADM secondary pg"
	md5_both_equal
}

@test "detach a problematic node: invalidate-remote, invalidate, wipe-md (guide.md 7)" {
	vm_run pg1 "$RBLKADM disconnect pg"
	vm_run pg2 "$RBLKADM disconnect pg"
	vm_run pg1 "$RBLKADM invalidate-remote pg"
	run vm_run pg2 "$RBLKADM invalidate pg"
	assert_output_has "pg: the local data is invalid: a full resync from the peer follows once connected"
	run vm_run pg2 "$(st disk)"
	[ "$output" = Inconsistent ]
	run vm_run pg2 "$RBLKADM primary pg"
	assert_status 1
	vm_run pg2 "$RBLKADM down pg && $RBLKADM wipe-md pg"
	# Without metadata pg2 cannot even come up as a data source.
	run vm_run pg2 "$RBLKADM up pg"
	[ "$status" -ne 0 ]
	run vm_run pg1 "$(st disk)"
	[ "$output" = UpToDate ]
}

# The write job of the power-cut test; the verify run replays it.
pc_job() {
	cat <<-JOB
	[pc]
	filename=/dev/rblk0
	rw=randwrite
	bs=4k
	size=96M
	ioengine=libaio
	iodepth=16
	direct=1
	verify=crc32c
	do_verify=0
	verify_state_save=1
	randseed=4242
	JOB
}

@test "Primary power cut under fio: no acknowledged write lost; the old Primary resyncs what its log names (guide.md 5)" {
	reseed
	vm_run pg1 "$RBLKADM primary pg"
	pc_job >"$RUN_DIR/pc.fio"
	{ pc_job; echo verify_only=1; echo do_verify=1; echo verify_state_load=1; } \
		>"$RUN_DIR/pc-verify.fio"
	# fio's server on pg1 writes; its client on pg2 keeps the write state,
	# which the server sends when the trigger fires, before the power cut.
	vm_run pg1 "setsid -f fio --server=ip:10.0.0.1 </dev/null >/tmp/fio-server.log 2>&1"
	vm_wait pg1 10 "ss -ltn | grep -q ':8765'"
	vm_run pg2 "mkdir -p /tmp/pc && cd /tmp/pc && setsid -f fio --client=10.0.0.1 \
		--trigger-timeout=6 --trigger-remote='sleep 600' $RUN_DIR/pc.fio \
		</dev/null >/tmp/pc/client.log 2>&1"
	vm_wait pg2 60 "ls /tmp/pc/*pc-0-verify.state"
	vm_kill pg1
	wait_conn pg2 Connecting
	vm_run pg2 "$RBLKADM primary pg"
	# Replay the writes the state names and check every one of them.
	run vm_run pg2 "cd /tmp/pc && cp *pc-0-verify.state local-pc-0-verify.state &&
		fio $RUN_DIR/pc-verify.fio >verify.log 2>&1; echo rc=\$?"
	assert_output_has "rc=0"
	run vm_run pg2 "grep -c 'verify.*bad\|crc32c.*mismatch' /tmp/pc/verify.log; sed -n 's/.*issued rwts: total=\([0-9]*\),.*/\1/p' /tmp/pc/verify.log"
	echo "acknowledged writes verified on pg2 after the power cut: ${lines[1]}" >&3
	[ "${lines[0]}" = 0 ] && [ "${lines[1]}" -gt 100 ] || { vm_run pg2 "cat /tmp/pc/verify.log"; false; }
	vm_run pg2 "dd if=/dev/urandom of=/dev/rblk0 bs=4k count=1 seek=70000 oflag=direct status=none"
	# The old Primary comes back as Secondary and resyncs bitmap + log only.
	vm_restart pg1
	rblk_write_config pg1
	rblk_load pg1
	run vm_run pg1 "$RBLKADM up pg && dmesg | grep 'crashed while Primary'"
	assert_output_has "the activity log marks"
	run vm_run pg2 "$RBLKADM wait-sync pg --timeout 180"
	assert_status 0
	run vm_run pg1 "$(st disk); $(st resynced-kib); $(st size-kib)"
	echo "resynced into the old Primary: ${lines[1]} of ${lines[2]} KiB" >&3
	[ "${lines[0]}" = UpToDate ]
	[ "${lines[1]}" -lt "${lines[2]}" ]
	vm_run pg2 "$RBLKADM secondary pg"
	md5_both_equal
}

@test "a SyncTarget reads blocks it lacks from the peer; without the peer they fail, never stale" {
	reseed
	vm_run pg1 "$RBLKADM primary pg && $RBLKADM disconnect pg"
	vm_run pg1 "dd if=/dev/urandom of=/dev/rblk0 bs=1M count=32 seek=16 oflag=direct status=none"
	want=$(vm_run pg1 "dd if=/dev/rblk0 bs=1M count=32 skip=16 iflag=direct status=none | md5sum")
	# The resync stays paused, so every one of those blocks is still missing on pg2.
	vm_run pg1 "$RBLKADM pause-sync pg && $RBLKADM connect pg"
	wait_conn pg2 SyncTarget
	before=$(vm_run pg2 "$(st received-kib)")
	run vm_run pg2 "dd if=/dev/rblk0 bs=1M count=32 skip=16 iflag=direct status=none | md5sum"
	[ "$output" = "$want" ]
	got=$(( $(vm_run pg2 "$(st received-kib)") - before ))
	echo "pg2 read 32 MiB as SyncTarget, $got KiB of it from pg1" >&3
	[ "$got" -ge 32768 ]
	[ "$(vm_run pg2 "$(st connection)")" = SyncTarget ]
	run vm_run pg2 "dd if=/dev/vda bs=1M count=32 skip=16 iflag=direct status=none | md5sum"
	[ "$output" != "$want" ]	# the disk itself has not been written
	# No UpToDate peer: the read fails rather than return stale data.
	vm_run pg1 "$RBLKADM disconnect pg"
	run vm_run pg2 "dd if=/dev/rblk0 of=/dev/null bs=1M count=1 skip=20 iflag=direct"
	[ "$status" -ne 0 ]
	run vm_run pg2 "dmesg | tail -5"
	assert_output_has "out of sync here and no UpToDate peer is connected"
	vm_run pg1 "$RBLKADM resume-sync pg && $RBLKADM connect pg"
	run vm_run pg1 "$RBLKADM wait-sync pg --timeout 120"
	assert_status 0
	vm_run pg1 "$RBLKADM secondary pg"
	md5_both_equal
}

# Both nodes decide on the STATEs they exchanged first: a promotion and
# writes on one node while the other's STATE is still on the wire must
# wait for that decision (a generation or role changed behind the peer's
# back made the two decide differently, then drop the connection).
# bats test_tags=long
@test "a promotion with writes during a slow handshake: one connection, both decide alike" {
	local n
	# Liveness settings that the 300 ms round trip cannot trip on a loaded
	# host: one connection per round is what the test counts.
	for n in pg1 pg2; do
		rblk_write_config $n "ping-timeout 30; timeout 30; connect-int 3;"
	done
	reseed
	perr() { vm_run $1 "dmesg | grep -c 'protocol error' || true"; }
	e1=$(perr pg1) e2=$(perr pg2)
	vm_netem pg2 eth0 delay 150ms
	for wait in 0 0.15 0.3 0.6; do
		# (status shows the counters of a connected resource only)
		c1=$(vm_run pg1 "$(st connects)")
		c2=$(vm_run pg2 "$(st connects)")
		vm_run pg1 "$RBLKADM disconnect pg"
		vm_run pg2 "$RBLKADM disconnect pg"
		vm_run pg2 "$RBLKADM connect pg"
		vm_run pg1 "$RBLKADM connect pg && sleep $wait && $RBLKADM primary pg &&
			dd if=/dev/urandom of=/dev/rblk0 bs=64k count=32 seek=$((RANDOM % 2000)) oflag=direct status=none"
		run vm_run pg1 "$RBLKADM wait-sync pg --timeout 60"
		assert_status 0
		wait_conn pg1 Connected
		wait_conn pg2 Connected
		run vm_run pg2 "$(st peer-role); $(st disk); $(st connects)"
		echo "promoted $wait s after connect: pg2 sees ${lines[0]}, ${lines[1]}" >&3
		[ "${lines[0]}" = Primary ]
		[ "${lines[1]}" = UpToDate ]
		[ "${lines[2]}" = $((c2 + 1)) ]
		[ "$(vm_run pg1 "$(st connects)")" = $((c1 + 1)) ]
		[ "$(vm_run pg1 "$(st out-of-sync-kib)")" = 0 ]
		vm_run pg1 "$RBLKADM secondary pg"
	done
	# Once, after all rounds: a round's difference would still be there
	# (a later round resyncs only what it marks).
	md5_both_equal
	vm_netem pg2 eth0 off
	[ "$(perr pg1)" = "$e1" ]
	[ "$(perr pg2)" = "$e2" ]
	for n in pg1 pg2; do
		rblk_write_config $n
	done
}

# Without its peer a Primary keeps the bits of writes the activity log
# covers in memory only; they reach the disk before the log lets go of
# their extent (al.c). A power cut in the middle of random writes over
# many more extents than the log holds (al-extents 7, so extents come and
# go all the time) must still leave every changed block named by the
# bitmap on disk or the log.
# bats test_tags=long
@test "peer away, random writes over more extents than the log holds, power cut: every changed block is resynced" {
	local n
	for n in pg1 pg2; do
		rblk_write_config $n "" "al-extents 7;"
	done
	reseed
	vm_run pg1 "$RBLKADM primary pg && $RBLKADM disconnect pg"
	vm_run pg1 "setsid -f fio --name=w --filename=/dev/rblk0 --rw=randwrite --bs=4k \
		--size=360M --ioengine=libaio --iodepth=16 --direct=1 --time_based --runtime=120 \
		</dev/null >/tmp/fio.out 2>&1"
	vm_wait pg1 60 "[ \"\$($(st written-kib))\" -gt 8192 ]"
	run vm_run pg1 "$(st al-writes); $(st out-of-sync-kib)"
	echo "before the power cut: ${lines[0]} activity log writes, ${lines[1]} KiB marked" >&3
	vm_kill pg1
	vm_restart pg1
	rblk_write_config pg1 "" "al-extents 7;"
	rblk_load pg1
	vm_run pg1 "$RBLKADM up pg"
	run vm_run pg1 "$RBLKADM wait-sync pg --timeout 300"
	assert_status 0
	run vm_run pg1 "$(st resynced-kib); $(st size-kib)"
	echo "resynced ${lines[0]} of ${lines[1]} KiB" >&3
	md5_both_equal
	for n in pg1 pg2; do
		rblk_write_config $n
	done
}
