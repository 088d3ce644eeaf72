#!/usr/bin/env bats
# SPDX-License-Identifier: (GPL-2.0 OR MIT)
# Two nodes, protocol C: connection, role rules, replicated writes,
# flushes, discards, overlapping writes, switchover, peer loss, and a
# hostile peer. Needs: the qemu harness (two guests on one link),
# rblk.ko, fio, the hostile-peer tool (make -C tests/tools).

load ../lib/vm
load ../lib/rblk

setup_file() {
	vm_setup_run
	make -s -C tests/tools >/dev/null
	vm_start pg1 --disk "$(vm_disk pg1 512M)" --net l1 --ip 10.0.0.1/24
	vm_start pg2 --disk "$(vm_disk pg2 512M)" --net l1 --ip 10.0.0.2/24
	for n in pg1 pg2; do
		rblk_write_config $n
		rblk_load $n
		vm_run $n "$RBLKADM create-md pg"
		# Identical fresh disks: start as one generation (no initial sync).
		vm_run $n "$RBLKADM set-gi pg 1000:0:0:0:consistent,was-up-to-date"
	done
}

teardown_file() {
	vm_teardown_all
}

@test "up on both: Connected, both UpToDate, Secondary/Secondary" {
	vm_run pg1 "$RBLKADM up pg"
	vm_run pg2 "$RBLKADM up pg"
	vm_run pg1 "$RBLKADM wait-connect pg --timeout 60"
	wait_conn pg2 Connected
	vm_wait pg1 10 "[ \"\$($(st disk))\" = UpToDate ] && [ \"\$($(st peer-disk))\" = UpToDate ]"
	run vm_run pg1 "$RBLKADM status pg"
	assert_output_has "pg role:Secondary"
	assert_output_has "connection:Connected peer:pg2 address:10.0.0.2:7788 peer-role:Secondary peer-disk:UpToDate"
}

@test "a second Primary is refused while connected" {
	vm_run pg1 "$RBLKADM primary pg"
	vm_wait pg2 10 "[ \"\$($(st peer-role))\" = Primary ]"
	run vm_run pg2 "$RBLKADM primary pg"
	assert_status 1
	assert_output_has "pg: cannot become Primary: the peer pg1 is Primary"
	# It asked pg1 first (rblk_conn_probe), which answered: still connected.
	run vm_run pg2 "$(st connection); dmesg | grep -c 'asked before a promotion'"
	[ "${lines[0]}" = Connected ] && [ "${lines[1]}" = 0 ] || { echo "$output"; false; }
	run vm_run pg2 "dd if=/dev/zero of=/dev/rblk0 bs=4k count=1 oflag=direct"
	[ "$status" -ne 0 ]
	run vm_run pg2 "dmesg | grep 'refusing to open pg for writing'"
	assert_status 0
}

@test "fio write with crc32c on the Primary, switch roles, verify on the other node" {
	vm_run pg1 "fio --name=w --filename=/dev/rblk0 --size=64M --bs=4k --rw=randwrite \
		--ioengine=libaio --iodepth=16 --direct=1 --verify=crc32c --do_verify=0 \
		--verify_state_save=0 >/dev/null"
	run vm_run pg1 "$(st pending-acks)"
	[ "$output" = 0 ]
	wait_in_sync
	vm_run pg1 "$RBLKADM secondary pg"
	vm_run pg2 "$RBLKADM primary pg"
	# fio names each bad block: their count and the first ones.
	run vm_run pg2 "fio --name=w --filename=/dev/rblk0 --size=64M --bs=4k --rw=randwrite \
		--ioengine=libaio --iodepth=16 --direct=1 --verify=crc32c --verify_only \
		>/tmp/verify.out 2>&1 && echo VERIFIED ||
		{ echo \"\$(grep -c '^verify:' /tmp/verify.out) bad blocks\"; head -n 3 /tmp/verify.out; }"
	assert_output_has "VERIFIED"
	vm_run pg2 "$RBLKADM secondary pg"
	md5_both_equal
}

@test "queue depth 32 random writes with overlaps, fsync loop, discards: disks identical" {
	vm_run pg1 "$RBLKADM primary pg"
	# A small region so that random 4-64 KiB writes overlap all the time.
	vm_run pg1 "fio --name=o --filename=/dev/rblk0 --offset=96M --size=2M \
		--bsrange=4k-64k --rw=randwrite --norandommap --ioengine=libaio \
		--iodepth=32 --direct=1 --number_ios=4000 >/dev/null"
	vm_run pg1 "for i in \$(seq 1 200); do dd if=/dev/urandom of=/dev/rblk0 bs=4k count=1 \
		seek=\$((30000 + i % 7)) oflag=direct conv=fsync status=none; done"
	vm_run pg1 "blkdiscard -f -o 128M -l 16M /dev/rblk0 && blkdiscard -f -z -o 150M -l 4M /dev/rblk0"
	run vm_run pg1 "$(st flushes 2>/dev/null); $RBLKADM status --json pg | jq '.[0][\"out-of-sync-kib\"]'"
	[ "${lines[-1]}" = 0 ]
	vm_run pg1 "$RBLKADM secondary pg"
	md5_both_equal
}

@test "XFS on the Primary; files read back identical on the other node" {
	vm_run pg1 "$RBLKADM primary pg"
	vm_run pg1 "mkfs.xfs -q -f /dev/rblk0 && mkdir -p /mnt/pg && mount /dev/rblk0 /mnt/pg"
	vm_run pg1 "dd if=/dev/urandom of=/mnt/pg/f bs=1M count=20 status=none && sync && md5sum /mnt/pg/f > /tmp/f.md5"
	vm_run pg1 "umount /mnt/pg"
	wait_in_sync
	vm_run pg1 "$RBLKADM secondary pg"
	vm_run pg2 "$RBLKADM primary pg && mkdir -p /mnt/pg && mount /dev/rblk0 /mnt/pg"
	run vm_run pg2 "md5sum /mnt/pg/f; umount /mnt/pg; $RBLKADM secondary pg"
	want=$(vm_run pg1 'cut -d" " -f1 /tmp/f.md5')
	[ "${lines[0]%% *}" = "$want" ] || { echo "pg2: $output, pg1: $want"; false; }
	md5_both_equal
}

@test "link down: the Primary keeps completing writes within timeout x ko-count" {
	local before
	vm_run pg1 "$RBLKADM primary pg"
	# The counter adds up since the device was made (a slow guest may
	# have resynced before: a write not acknowledged in time).
	before=$(stat_of pg1 resynced-kib)
	vm_link pg2 down
	# 4 MiB of writes must finish: the peer is given up after ~3 s.
	run vm_run pg1 "timeout 60 dd if=/dev/urandom of=/dev/rblk0 bs=64k count=64 seek=100 oflag=direct status=none && echo DONE"
	assert_output_has "DONE"
	wait_conn pg1 Connecting
	run vm_run pg1 "$(st out-of-sync-kib)"
	[ "$output" -ge 4096 ]
	run vm_run pg1 "dmesg"
	assert_output_has "pg: writing without the peer: new generation"
	# Back on the wire: exactly the marked blocks go to pg2.
	vm_link pg2 up
	wait_conn pg1 Connected 60
	wait_conn pg2 Connected
	run vm_run pg1 "$(st out-of-sync-kib); $(st resynced-kib)"
	[ "${lines[0]}" = 0 ] && [ "$(( lines[1] - before ))" = 4096 ] || { echo "$output (resynced-kib was $before)"; false; }
	vm_run pg1 "$RBLKADM secondary pg"
	md5_both_equal
}

# The other side of the test below: writes in flight give an unanswered
# PING timeout x ko-count only while the peer's TCP takes our bytes. A
# peer that is gone acknowledges nothing: found after ping-timeout even
# with ko-count 100 (100 s here; the writes must end long before).
@test "link down with ko-count 100: the silent peer is dropped after ping-timeout, writes go on" {
	rblk_write_config pg1 "ko-count 100;"
	vm_run pg1 "$RBLKADM adjust pg"
	wait_conn pg1 Connected
	vm_run pg1 "$RBLKADM primary pg"
	vm_run pg1 "dmesg -C"
	vm_link pg2 down
	run vm_run pg1 "timeout 60 dd if=/dev/urandom of=/dev/rblk0 bs=64k count=16 seek=200 oflag=direct status=none && echo DONE"
	assert_output_has "DONE"
	run vm_run pg1 "dmesg"
	assert_output_has "pg: peer pg2 did not answer a ping within $((RBLK_PING_TIMEOUT * 100)) ms"
	vm_link pg2 up
	wait_conn pg1 Connected 60
	vm_wait pg1 60 "[ \"\$($(st out-of-sync-kib))\" = 0 ]"
	vm_run pg1 "$RBLKADM secondary pg"
	md5_both_equal
	rblk_write_config pg1
	vm_run pg1 "$RBLKADM adjust pg"
}

# A Secondary whose disk stalls stops reading at its max-buffers (32 pages
# here: the second 1 MiB write waits), so the Primary's PING goes unread
# behind the data. While its writes wait, the Primary gives the answer
# timeout x ko-count (15 s), not ping-timeout: a stall of 5 s (the test's
# stimulus, not a wait) keeps the connection; one that outlasts 15 s
# drops it, with every write done on the Primary.
# bats test_tags=long
@test "a Secondary's disk stalling: kept for timeout x ko-count, not ping-timeout; dropped after" {
	local sz
	vm_run pg2 "$RBLKADM down pg"
	sz=$(vm_run pg2 "blockdev --getsz /dev/vda")
	vm_run pg2 "modprobe dm-mod && dmsetup create slow --table '0 $sz linear /dev/vda 0'"
	rblk_write_config pg1 "timeout 10; ko-count 15;"
	rblk_write_config pg2 "timeout 10; ko-count 15; max-buffers 32;"
	vm_run pg2 "sed -i 's|disk /dev/vda;|disk /dev/mapper/slow;|' /etc/rblk.conf && $RBLKADM up pg"
	vm_run pg1 "$RBLKADM adjust pg"
	wait_conn pg1 Connected 60
	vm_wait pg1 60 "[ \"\$($(st peer-disk))\" = UpToDate ]"
	vm_run pg1 "$RBLKADM primary pg"
	for round in within beyond; do
		vm_run pg1 "dmesg -C"
		vm_run pg2 "dmsetup suspend slow"
		vm_run pg1 'rm -f /tmp/dd.*; for i in 0 1 2 3; do setsid -f sh -c "dd if=/dev/urandom of=/dev/rblk0 bs=1M count=2 seek=$((20 + 2 * i)) oflag=direct status=none; echo \$? >/tmp/dd.$i"; done'
		if [ $round = within ]; then
			sleep 5
			run vm_run pg1 "ls /tmp/dd.* 2>/dev/null | wc -l; $(st connection)"
			[ "${lines[0]}" = 0 ] && [ "${lines[1]}" = Connected ] ||
				{ echo "$output"; vm_run pg1 "dmesg | tail -n 20"; false; }
		else
			wait_conn pg1 Connecting 60
			run vm_run pg1 "dmesg"
			[[ "$output" == *"pg: peer pg2 did not acknowledge a write within 15000 ms (timeout x ko-count)"* ||
			   "$output" == *"pg: peer pg2 did not answer a ping within 15000 ms"* ]] ||
				{ echo "$output"; false; }
		fi
		vm_run pg2 "dmsetup resume slow"
		vm_wait pg1 60 '[ "$(cat /tmp/dd.* 2>/dev/null | grep -c "^0$")" = 4 ]'
		wait_conn pg1 Connected 60
		vm_wait pg1 60 "[ \"\$($(st peer-disk))\" = UpToDate ] && [ \"\$($(st out-of-sync-kib))\" = 0 ]"
	done
	vm_run pg1 "$RBLKADM secondary pg"
	md5_both_equal
	vm_run pg2 "$RBLKADM down pg && dmsetup remove slow"
	rblk_write_config pg1
	rblk_write_config pg2
	vm_run pg1 "$RBLKADM adjust pg"
	vm_run pg2 "$RBLKADM up pg"
	wait_conn pg1 Connected 60
}

@test "hostile peer: every bad packet drops the connection, no data touched" {
	vm_run pg2 "$RBLKADM down pg"
	vm_run pg1 "$RBLKADM disconnect pg && $RBLKADM connect pg"
	wait_conn pg1 Connecting
	before=$(vm_run pg1 "$(md5_of /dev/vda)")	# metadata included
	for s in bad-magic unknown-type bad-flags oversized out-of-order truncated \
		 write-to-secondary ack-unknown hello-again pre-commit-data; do
		run vm_run pg2 "build/tools/hostile-peer 10.0.0.1:7788 pg pg2 $s"
		[ "$output" = dropped ] || { echo "$s: $output"; false; }
	done
	# At most one answer waits: the last PING is answered, nothing piles up.
	run vm_run pg2 "build/tools/hostile-peer 10.0.0.1:7788 pg pg2 ping-flood"
	[ "$output" = "last answered: yes"$'\n'"alive" ] || { echo "$output"; false; }
	run vm_run pg1 "dmesg | grep -c 'protocol error from peer pg2'"
	[ "$output" -ge 8 ]
	run vm_run pg1 "dmesg"
	assert_output_has "bad magic"
	assert_output_has "unknown packet type"
	assert_output_has "bad length"
	assert_output_has "out-of-order sequence number"
	[ "$before" = "$(vm_run pg1 "$(md5_of /dev/vda)")" ]
}

# A peer that asks for reads and never reads the answers: the node holds
# at most max-buffers (2048 pages, 8 MiB) of answers, stops reading, and
# drops the peer once it has taken nothing for timeout x ko-count (10 s
# here: time to measure; x RBLK_NET_SCALE, as the guest's handshake and
# its reading of the flood take longer on the debug kernel). Twice: what the first round leaves in the page
# allocator's per-cpu lists is not free memory, a second round must not
# take more (a leak would).
@test "a peer that floods READ_REQs and never reads: memory bounded by max-buffers, dropped" {
	local wait=$((60 * RBLK_NET_SCALE))
	rblk_write_config pg1 "timeout $RBLK_TIMEOUT; ko-count 10;"
	vm_run pg1 "$RBLKADM disconnect pg && $RBLKADM connect pg"
	wait_conn pg1 Connecting
	avail() { vm_run pg1 "awk '/MemAvailable/ {print \$2}' /proc/meminfo"; }
	before=$(avail)
	for round in 1 2; do
		vm_run pg2 "rm -f /tmp/hp.out; setsid -f sh -c 'build/tools/hostile-peer --wait $wait 10.0.0.1:7788 pg pg2 read-flood >/tmp/hp.out 2>&1'"
		vm_wait pg2 60 "grep -q requested /tmp/hp.out"
		held=$(avail)
		run vm_run pg1 "$(st connection)"
		[ "$output" = Connected ] || { echo "not held: $output"; vm_run pg2 "cat /tmp/hp.out"; false; }
		vm_wait pg2 $wait "grep -q 'dropped\|alive' /tmp/hp.out"
		run vm_run pg2 "cat /tmp/hp.out"
		echo "round $round: $output; MemAvailable $before KiB before, $held KiB held" >&3
		assert_output_has "dropped after"
		n=$(sed -n 's/^requested: //p' <<<"$output")
		# Each request asks for 1 MiB: without a bound the node would
		# hold an answer (and a read buffer) for each, 100 MiB and more.
		[ "$n" -ge 100 ] || { echo "only $n requests sent"; false; }
		[ $((before - held)) -lt $((48 * 1024)) ] || { echo "grew by $((before - held)) KiB"; false; }
		run vm_run pg1 "dmesg | tail -n 20"
		assert_output_has "pg: peer pg2 has taken nothing we sent for $((RBLK_TIMEOUT * 1000)) ms (timeout x ko-count): it does not read"
		wait_conn pg1 Connecting
		after[$round]=$(avail)
	done
	[ $((after[1] - after[2])) -lt $RBLK_MEM_SLACK_KIB ] || { echo "round 2 kept $((after[1] - after[2])) KiB more"; false; }
	rblk_write_config pg1
	vm_run pg1 "$RBLKADM disconnect pg && $RBLKADM connect pg"
}

# A pause inside a packet (a retransmission) is waited out for the
# connection's timeout (3 s here), not the short receive timeout of an
# idle link (the ping timeout, 0.5 s); a longer one ends the connection.
@test "a pause inside a packet shorter than timeout keeps the connection; a longer one, or a trickle, drops it" {
	rblk_write_config pg1 "timeout 30;"
	vm_run pg1 "$RBLKADM disconnect pg && $RBLKADM connect pg"
	wait_conn pg1 Connecting
	for s in stall-header stall-payload; do
		run vm_run pg2 "build/tools/hostile-peer 10.0.0.1:7788 pg pg2 $s"
		[ "$output" = alive ] || { echo "$s: $output"; false; }
	done
	run vm_run pg2 "build/tools/hostile-peer 10.0.0.1:7788 pg pg2 stall-long"
	[ "$output" = dropped ]
	run vm_run pg1 "dmesg | tail -n 20"
	assert_output_has "pg: peer pg2 stopped for 3000 ms in the middle of a packet"
	# (and for the tests up to the next reseed, which measure it too)
	rblk_write_config pg1 "timeout 10;"
	vm_run pg1 "$RBLKADM disconnect pg && $RBLKADM connect pg"
	wait_conn pg1 Connecting
	# A byte every 300 ms: no gap is as long as timeout (1 s), but the
	# packet (24 bytes, 7 s) must be whole within timeout x ko-count.
	run vm_run pg2 "build/tools/hostile-peer 10.0.0.1:7788 pg pg2 trickle"
	[[ "$output" == "dropped after "*" bytes" ]] || { echo "$output"; false; }
	n=${output#dropped after }; n=${n% bytes}
	[ "$n" -ge 8 ] && [ "$n" -le 20 ] || { echo "after $n bytes"; false; }
	run vm_run pg1 "dmesg | tail -n 20"
	assert_output_has "pg: peer pg2 took more than 3000 ms to send one packet (timeout x ko-count)"
	# ko-count 0 lifts the limit on a write's ACK, not this one: the
	# packet must be whole within timeout x 7 (4.2 s; each gap 0.3 s is
	# shorter than timeout, 0.6 s).
	rblk_write_config pg1 "timeout 6; ko-count 0;"
	vm_run pg1 "$RBLKADM adjust pg"
	run vm_run pg2 "build/tools/hostile-peer 10.0.0.1:7788 pg pg2 trickle"
	[[ "$output" == "dropped after "*" bytes" ]] || { echo "$output"; false; }
	n=${output#dropped after }; n=${n% bytes}
	[ "$n" -ge 12 ] && [ "$n" -le 22 ] || { echo "after $n bytes"; false; }
	run vm_run pg1 "dmesg | tail -n 20"
	assert_output_has "pg: peer pg2 took more than 4200 ms to send one packet (timeout x 7 with ko-count 0)"
	rblk_write_config pg1 "timeout 10;"
	vm_run pg1 "$RBLKADM adjust pg"
}

# Before the connect decision the peer may only say who it is; a verify
# it leads cannot end in a resync it did not start with.
@test "packets before the decision, and a repair no verify asked for: refused, nothing changes" {
	wait_conn pg1 Connecting
	before=$(vm_run pg1 "$(md5_of /dev/vda)")
	for s in early-new-uuid early-read early-sizes; do
		run vm_run pg2 "build/tools/hostile-peer 10.0.0.1:7788 pg pg2 $s"
		[ "$output" = "received:"$'\n'"dropped" ] || { echo "$s: $output"; false; }
	done
	run vm_run pg2 "build/tools/hostile-peer 10.0.0.1:7788 pg pg2 verify-repair-trick"
	[ "$output" = dropped ] || { echo "$output"; false; }
	run vm_run pg1 "dmesg | tail -n 60"
	assert_output_has "protocol error from peer pg2: packet not allowed in this state (packet type 16)"
	assert_output_has "protocol error from peer pg2: packet not allowed in this state (packet type 8)"
	# SIZES from a peer that did not offer the feature (RBLK_FEAT_SIZES)
	assert_output_has "protocol error from peer pg2: packet not allowed in this state (packet type 25)"
	assert_output_has "protocol error from peer pg2: malformed payload (packet type 20)"
	[[ "$output" != *SyncTarget* ]] || { echo "$output"; false; }
	[ "$(stat_of pg1 disk)" = UpToDate ]
	[ "$before" = "$(vm_run pg1 "$(md5_of /dev/vda)")" ]
}

# Writes wait for the handshake's decision (docs/protocol.md); a peer that
# answers pings but never says its state must not hold them for long.
@test "a peer that never sends its state is dropped after timeout; writes go on" {
	vm_run pg1 "$RBLKADM primary pg"
	vm_run pg2 "setsid -f sh -c 'build/tools/hostile-peer 10.0.0.1:7788 pg pg2 no-state >/tmp/hp.out 2>&1'"
	run vm_run pg1 "timeout 60 sh -c 'for i in \$(seq 40); do
		dd if=/dev/urandom of=/dev/rblk0 bs=4k count=1 seek=\$((300 + i)) oflag=direct status=none || exit 1
		sleep 0.1; done' && echo DONE"
	assert_output_has "DONE"
	vm_wait pg2 90 "grep -q . /tmp/hp.out"
	[ "$(vm_run pg2 "cat /tmp/hp.out")" = dropped ]
	run vm_run pg1 "dmesg | grep 'did not send its state'"
	assert_output_has "peer pg2 did not send its state within 1000 ms of connecting"
	vm_run pg1 "$RBLKADM secondary pg"
}

# The Primary's barriers (kmod/tl.c) retire what the peer's flush made
# durable: an ACK for one never sent, or for one already answered, is a
# lie about durability and ends the connection. A peer that never answers
# one holds a demotion no longer than timeout x 7 (ko-count 0 here, so
# that no write's ACK timeout ends the link first): the node drops it,
# marks what it acknowledged but never confirmed durable out of sync, and
# becomes Secondary. The writes (one of 16 KiB each time) copy blocks
# onto themselves, so that the real pg2 stays in sync with what it missed.
@test "barrier ACKs: one never sent, or one answered twice, ends the connection; a barrier never answered cannot hold a demotion" {
	local same="dd if=/dev/rblk0 of=/tmp/b bs=16k count=1 skip=125 iflag=direct status=none &&
		dd if=/tmp/b of=/dev/rblk0 bs=16k seek=125 oflag=direct status=none"
	vm_run pg1 "$RBLKADM primary pg"
	vm_run pg2 "$RBLKADM up pg"
	vm_wait pg1 60 "[ \"\$($(st peer-disk))\" = UpToDate ] && [ \"\$($(st out-of-sync-kib))\" = 0 ]"
	vm_run pg2 "$RBLKADM down pg"
	wait_conn pg1 Connecting
	vm_run pg1 "dmesg -C"
	run vm_run pg2 "build/tools/hostile-peer 10.0.0.1:7788 pg pg2 barrier-forged"
	[ "$output" = dropped ] || { echo "forged: $output"; false; }
	vm_wait pg1 10 "dmesg | grep -qF 'pg: protocol error from peer pg2: packet not allowed in this state (packet type 7)'"

	wait_conn pg1 Connecting
	vm_run pg1 "dmesg -C"
	vm_run pg2 "rm -f /tmp/hp.out; setsid -f sh -c 'build/tools/hostile-peer 10.0.0.1:7788 pg pg2 barrier-twice >/tmp/hp.out 2>&1'"
	wait_conn pg1 Connected
	# No fsync: an application's flush is a request of its own, which
	# retires the log too; the barrier comes 1 s after the write.
	run vm_run pg1 "$same && echo DONE"
	assert_output_has DONE
	vm_wait pg2 30 "grep -q 'dropped\|alive\|came' /tmp/hp.out"
	run vm_run pg2 "cat /tmp/hp.out"
	[[ "${lines[0]}" == "barrier acked twice: 0x"*ffff ]] && [ "${lines[1]}" = dropped ] ||
		{ echo "twice: $output"; false; }
	vm_wait pg1 10 "dmesg | grep -qF 'pg: protocol error from peer pg2: packet not allowed in this state (packet type 7)'"

	rblk_write_config pg1 "ko-count 0;"
	vm_run pg1 "$RBLKADM adjust pg"
	wait_conn pg1 Connecting
	vm_run pg1 "dmesg -C"
	vm_run pg2 "rm -f /tmp/hp.out; setsid -f sh -c 'build/tools/hostile-peer 10.0.0.1:7788 pg pg2 barrier-never >/tmp/hp.out 2>&1'"
	wait_conn pg1 Connected
	vm_run pg1 "$same"
	[ "$(stat_of pg1 out-of-sync-kib)" = 0 ]
	run vm_run pg1 "$RBLKADM secondary pg"
	[ "$status" = 0 ] || { echo "demotion: $output"; false; }
	[ "$(stat_of pg1 role)" = Secondary ]
	run vm_run pg1 "dmesg"
	assert_output_has "pg: peer pg2 did not confirm a flush of its disk within $((RBLK_TIMEOUT * 700)) ms (timeout x 7 with ko-count 0)"
	[[ "$output" =~ "pg: 16 KiB acknowledged by pg2 but not yet flushed there (1 write): marked out of sync" ]] ||
		{ echo "$output"; false; }
	[ "$(stat_of pg1 out-of-sync-kib)" = 16 ]
	vm_wait pg2 30 "grep -q 'dropped\|alive' /tmp/hp.out"
	run vm_run pg2 "cat /tmp/hp.out"
	[[ "${lines[0]}" == "barriers unanswered: "* ]] && [ "${lines[1]}" = dropped ] ||
		{ echo "never: $output"; false; }
	rblk_write_config pg1
	vm_run pg1 "$RBLKADM adjust pg"
}

# Every packet type with a field its check refuses (include/rblk/wire.h),
# from a peer that says it is Secondary and from one that says it is
# Primary: each ends the connection with its reason in the log, the node
# keeps no memory for it and writes no data.
@test "hostile peer: every packet type malformed, as Secondary and as Primary: dropped with its reason; memory and data unchanged" {
	local types="HELLO AUTH COMMIT STATE PING PING_ACK WRITE WRITE_ACK READ_REQ
		READ_REPLY DISCONNECT BITMAP SYNC_START RS_DATA RS_ACK SYNC_DONE
		NEW_UUID VERIFY_START VERIFY_REQ VERIFY_REPLY VERIFY_DONE RS_CSUM
		RS_CSUM_REPLY SYNC_REQ SIZES" role t n=0 want
	# Start in sync: the real pg2 takes what the tests before wrote
	# without it (with blocks marked here, a peer claiming Primary would
	# make this node its SyncTarget, rightly).
	vm_run pg2 "$RBLKADM up pg"
	vm_wait pg1 60 "[ \"\$($(st peer-disk))\" = UpToDate ] && [ \"\$($(st out-of-sync-kib))\" = 0 ]"
	vm_run pg2 "$RBLKADM down pg"
	wait_conn pg1 Connecting
	[ "$(stat_of pg1 role)" = Secondary ]
	# The data area: the metadata records each connect decision.
	before=$(vm_run pg1 "$(md5_data)")
	mem() { vm_run pg1 "awk '/^(MemAvailable|Slab):/ {print \$2}' /proc/meminfo"; }
	m0=($(mem))
	for role in secondary primary; do
		for t in $types; do
			case $t in
			COMMIT|PING|PING_ACK|DISCONNECT) want="bad length" ;;
			# out of place after the handshake; digests of a resync with
			# csums, or of a verify we lead, when none runs
			AUTH|RS_CSUM|VERIFY_REPLY) want="packet not allowed in this state" ;;
			*) want="malformed payload" ;;
			esac
			run vm_run pg2 "build/tools/hostile-peer --as $role 10.0.0.1:7788 pg pg2 bad:$t"
			[ "${lines[1]}" = dropped ] && [[ "${lines[0]}" == "$want (packet type "* ]] ||
				{ echo "$role $t: $output"; false; }
			# the node's own words for it, as the last protocol error
			vm_wait pg1 10 "dmesg | grep 'protocol error from peer pg2' | tail -n 1 |
				grep -qF 'pg: protocol error from peer pg2: ${lines[0]}'" ||
				{ echo "$role $t"; vm_run pg1 "dmesg | tail -n 5"; false; }
			wait_conn pg1 Connecting
			n=$((n + 1))
		done
	done
	[ "$n" = 50 ]
	m1=($(mem))
	echo "MemAvailable ${m0[0]} -> ${m1[0]} KiB, Slab ${m0[1]} -> ${m1[1]} KiB after $n connections" >&3
	# A leak of a page per connection would show; noise is well under it.
	[ $((m0[0] - m1[0])) -lt 8192 ] && [ $((m1[1] - m0[1])) -lt 4096 ] ||
		{ echo "grew: MemAvailable ${m0[0]} -> ${m1[0]}, Slab ${m0[1]} -> ${m1[1]}"; false; }
	[ "$before" = "$(vm_run pg1 "$(md5_data)")" ]
	[ "$(stat_of pg1 disk)" = UpToDate ]
}

# The positive control of the above: what a Primary may send, the node does.
@test "hostile peer as Primary: a valid WRITE is written and acknowledged" {
	wait_conn pg1 Connecting
	run vm_run pg2 "build/tools/hostile-peer --as primary 10.0.0.1:7788 pg pg2 write"
	[ "$output" = "acked: 0"$'\n'"alive" ] || { echo "$output"; false; }
	run vm_run pg1 "dd if=/dev/vda bs=512 skip=64 count=8 iflag=direct status=none | md5sum | cut -d' ' -f1"
	[ "$output" = "$(head -c 4096 /dev/zero | tr '\0' Z | md5sum | cut -d' ' -f1)" ]
}

# Answers that hold no pages (a DISCARD's ACK) cost no max-buffers: a
# peer that sends requests and reads none of the answers is bounded by the
# count of unanswered requests instead (4096, RBLK_OWED_MAX in
# kmod/conn.h), well before the node's sends have stalled for timeout x
# ko-count (10 s here). Twice, with memory compared between the rounds.
# pg1's disk takes no discard meanwhile (discard_max_bytes 0), so that
# each DISCARD is a hint not taken, answered at once: in one CI run qemu
# left 48 of the flood's discards of one sector in flight for good, and
# the receiver waited for them in writeback throttling (blk-wbt) until
# the hung-task detector fired. What is measured is the count of answers.
@test "a Primary that floods DISCARDs, or VERIFY_STARTs that are refused, and never reads the answers: dropped at 4096 unanswered, memory bounded" {
	rblk_write_config pg1 "timeout $RBLK_TIMEOUT; ko-count 10;"
	vm_run pg1 "$RBLKADM adjust pg"
	vm_run pg1 "cat /sys/block/vda/queue/discard_max_bytes >/tmp/dmb &&
		echo 0 >/sys/block/vda/queue/discard_max_bytes"
	mem() { vm_run pg1 "awk '/^(MemAvailable|Slab):/ {print \$2}' /proc/meminfo"; }
	for round in 1 2; do
		wait_conn pg1 Connecting
		vm_run pg1 "dmesg -C"
		run vm_run pg2 "timeout 120 build/tools/hostile-peer --as primary 10.0.0.1:7788 pg pg2 discard-flood"
		echo "round $round: $output" >&3
		[ "${lines[1]}" = "dropped after 0 s" ] || { echo "$output"; false; }
		n=$(sed -n 's/^requested: //p' <<<"$output")
		[ "$n" -ge 4096 ] || { echo "only $n requests sent"; false; }
		run vm_run pg1 "dmesg | grep 'requests waiting'"
		[[ "$output" == *"pg: peer pg2 has 4096 requests waiting for their answers here: it asks without reading them" ]] ||
			{ echo "$output"; vm_run pg1 "dmesg | tail -n 20"; false; }
		m[$round]=$(mem)
	done
	m1=(${m[1]}) m2=(${m[2]})
	echo "MemAvailable ${m1[0]} -> ${m2[0]} KiB, Slab ${m1[1]} -> ${m2[1]} KiB" >&3
	[ $((m1[0] - m2[0])) -lt $RBLK_MEM_SLACK_KIB ] && [ $((m2[1] - m1[1])) -lt 2048 ] ||
		{ echo "round 2 kept more"; false; }
	# A refusal is an answer too: VERIFY_STARTs asking this Secondary to
	# lead, each refused with a VERIFY_DONE nobody reads.
	wait_conn pg1 Connecting
	vm_run pg1 "dmesg -C"
	run vm_run pg2 "timeout 120 build/tools/hostile-peer 10.0.0.1:7788 pg pg2 verify-ask-flood"
	[ "${lines[1]}" = "dropped after 0 s" ] || { echo "$output"; false; }
	run vm_run pg1 "dmesg | grep 'requests waiting'"
	[[ "$output" == *"pg: peer pg2 has 4096 requests waiting for their answers here: it asks without reading them" ]] ||
		{ echo "$output"; vm_run pg1 "dmesg | tail -n 20"; false; }
	# 7.2 refuses it back (EINVAL: the 0 also zeroed the disk's
	# discard_granularity): pg1's disk then takes no discard for the rest
	# of this file, whose later tests send none.
	run vm_run pg1 "cat /tmp/dmb >/sys/block/vda/queue/discard_max_bytes"
	[ "$status" -eq 0 ] || echo "pg1's discard_max_bytes not restored: $output" >&3
	rblk_write_config pg1
	vm_run pg1 "$RBLKADM adjust pg"
}

# A SyncTarget reads the blocks it lacks from its source (read_from_peer in
# kmod/req.c). A source that answers with the wrong kind of packet, or
# with fewer bytes than asked, ends the connection and the read fails: a
# reader never gets pages nobody filled. A right answer is what it reads.
@test "hostile sync source: a read answered by a WRITE_ACK or a short reply fails (never garbage); a right reply is read" {
	wait_conn pg1 Connecting
	vm_run pg1 "$RBLKADM disconnect pg && $RBLKADM invalidate pg && $RBLKADM connect pg"
	[ "$(stat_of pg1 disk)" = Inconsistent ]
	zz=$(head -c 4096 /dev/zero | tr '\0' Z | md5sum | cut -d' ' -f1)
	for how in read-reply read-ack read-short; do
		wait_conn pg1 Connecting
		vm_run pg2 "rm -f /tmp/hp.out; setsid -f sh -c 'build/tools/hostile-peer --as source 10.0.0.1:7788 pg pg2 $how >/tmp/hp.out 2>&1'"
		vm_wait pg1 30 "[ \"\$($(st peer-disk))\" = UpToDate ]"
		run vm_run pg1 "rm -f /tmp/rd; dd if=/dev/rblk0 of=/tmp/rd bs=4k skip=100 count=1 iflag=direct status=none 2>/dev/null; echo \$?; md5sum </tmp/rd | cut -d' ' -f1"
		vm_wait pg2 60 "grep -q 'dropped\|alive\|no read' /tmp/hp.out" ||
			{ echo "dd: $output"; vm_run pg2 "cat /tmp/hp.out"; vm_run pg1 "dmesg | tail -n 20"; false; }
		hp=$(vm_run pg2 "cat /tmp/hp.out")
		echo "$how: dd $output; peer: $hp" >&3
		[ "${hp%%$'\n'*}" = "asked: 800+4096" ] || { echo "$hp"; false; }
		case $how in
		read-reply)
			[ "${lines[0]}" = 0 ] && [ "${lines[1]}" = "$zz" ] || { echo "$output"; false; }
			[ "${hp##*$'\n'}" = alive ]
			vm_run pg1 "$RBLKADM disconnect pg && $RBLKADM connect pg" ;;
		read-ack)
			[ "${lines[0]}" != 0 ] && [ "${lines[1]}" != "$zz" ] ||
				{ echo "read succeeded: $output"; false; }
			[ "${hp##*$'\n'}" = dropped ]
			run vm_run pg1 "dmesg | grep 'protocol error from peer pg2' | tail -n 1"
			assert_output_has "pg: protocol error from peer pg2: packet not allowed in this state (packet type 7)" ;;
		read-short)
			[ "${lines[0]}" != 0 ] && [ "${lines[1]}" != "$zz" ] ||
				{ echo "read succeeded: $output"; false; }
			[ "${hp##*$'\n'}" = dropped ]
			run vm_run pg1 "dmesg | grep 'protocol error from peer pg2' | tail -n 1"
			assert_output_has "pg: protocol error from peer pg2: malformed payload (packet type 9)" ;;
		esac
	done
	[ "$(stat_of pg1 disk)" = Inconsistent ]
}

# A SyncTarget sends its bitmap in slices, in order, with data in all but
# the last (kmod/resync.c). While its before-resync-target handler runs it
# says so every second (RBLK_SF_RESYNC_WAITS, docs/protocol.md) and the
# source marks its writes for the resync instead of sending them. Only a
# target that says it is behind (Outdated) holds the source longer than
# timeout x ko-count; meanwhile the source writes and changes its role.
@test "hostile sync target: bitmap slices out of order or empty are refused; 'my handler runs' holds the source only from a target behind, whose writes and role change go on" {
	local p=$((RBLK_TIMEOUT * 3 / 10)) n s w
	w=$((p > 3 ? p : 3))
	reseed
	vm_run pg2 "$RBLKADM down pg"
	wait_conn pg1 Connecting
	vm_run pg1 "$RBLKADM primary pg"
	vm_run pg1 "dd if=/dev/urandom of=/dev/rblk0 bs=4k count=1 seek=10 oflag=direct status=none"
	[ "$(stat_of pg1 out-of-sync-kib)" = 4 ]
	for s in bitmap-disorder bitmap-empty; do
		run vm_run pg2 "build/tools/hostile-peer --as target 10.0.0.1:7788 pg pg2 $s"
		[ "$output" = dropped ] || { echo "$s: $output"; false; }
		vm_wait pg1 10 "dmesg | grep 'protocol error from peer pg2' | tail -n 1 |
			grep -qF 'pg: protocol error from peer pg2: malformed payload (packet type 11)'" ||
			{ echo "$s"; vm_run pg1 "dmesg | tail -n 5"; false; }
		wait_conn pg1 Connecting
	done
	# UpToDate, and "my handler runs": the source waits timeout x ko-count.
	run vm_run pg2 "build/tools/hostile-peer --as target --wait $((4 * p)) 10.0.0.1:7788 pg pg2 waits:UpToDate"
	[ "${lines[0]}" = announcing ] && [[ "${lines[1]}" == "dropped after "*" s" ]] ||
		{ echo "$output"; false; }
	n=${lines[1]#dropped after }; n=${n% s}
	[ "$n" -ge $((p - 1)) ] && [ "$n" -le $((p + 2 * RBLK_NET_SCALE)) ] ||
		{ echo "dropped after $n s, timeout x ko-count is $p s"; false; }
	run vm_run pg1 "dmesg | tail -n 20"
	assert_output_has "pg: peer pg2 did not send its bitmap, nor say that its before-resync-target handler runs, within $((RBLK_TIMEOUT * 300)) ms (timeout x ko-count): no resync"
	wait_conn pg1 Connecting
	# Outdated: held for three times as long; the Primary's write is
	# marked for the resync at once (a parked one would wait that long).
	vm_run pg2 "rm -f /tmp/hp.out; setsid -f sh -c 'build/tools/hostile-peer --as target --wait $((3 * p)) 10.0.0.1:7788 pg pg2 waits:Outdated >/tmp/hp.out 2>&1'"
	vm_wait pg2 30 "grep -q announcing /tmp/hp.out"
	run vm_run pg1 "timeout $p dd if=/dev/urandom of=/dev/rblk0 bs=4k count=1 seek=20 oflag=direct status=none && echo DONE"
	[ "$output" = DONE ] || { echo "write: $output"; false; }
	[ "$(stat_of pg1 out-of-sync-kib)" = 8 ]
	run vm_run pg1 "timeout $p $RBLKADM secondary pg && $(st role)"
	[ "$output" = Secondary ] || { echo "secondary: $output"; false; }
	vm_wait pg2 $((4 * p)) "grep -q 'dropped\|alive' /tmp/hp.out"
	run vm_run pg2 "cat /tmp/hp.out"
	[ "$output" = "announcing"$'\n'"alive" ] || { echo "$output"; false; }
	wait_conn pg1 Connecting
	# ... but no longer than twice the source's handler-timeout + 10 s,
	# + twice timeout x ko-count (at least 3 s each), from the decision.
	rblk_write_config pg1 "" "handler-timeout 2;"
	vm_run pg1 "$RBLKADM adjust pg"
	run vm_run pg2 "build/tools/hostile-peer --as target --wait $((40 + 4 * w)) 10.0.0.1:7788 pg pg2 waits:Outdated"
	[ "${lines[0]}" = announcing ] && [[ "${lines[1]}" == "dropped after "*" s" ]] ||
		{ echo "$output"; false; }
	n=${lines[1]#dropped after }; n=${n% s}
	[ "$n" -ge $((23 + 2 * w)) ] && [ "$n" -le $((24 + 2 * w + 2 * RBLK_NET_SCALE)) ] ||
		{ echo "dropped after $n s, want 2 x (2 + 10) + 2 x $w s"; false; }
	run vm_run pg1 "dmesg | tail -n 20"
	assert_output_has "pg: peer pg2 kept its before-resync-target handler running longer than 2 x (handler-timeout (2000 ms) + 10 s) + $((2 * w * 1000)) ms: no resync"
	rblk_write_config pg1
	vm_run pg1 "$RBLKADM adjust pg"
	wait_conn pg1 Connecting
	# A bitmap in order: the resync starts with both blocks.
	run vm_run pg2 "build/tools/hostile-peer --as target 10.0.0.1:7788 pg pg2 bitmap"
	[ "$output" = "sync started: 2" ] || { echo "$output"; false; }
	wait_conn pg1 Connecting
	vm_run pg2 "$RBLKADM up pg"
	vm_wait pg2 60 "[ \"\$($(st disk))\" = UpToDate ]"
	run vm_run pg2 "dmesg | grep 'resync from pg1 done'"
	assert_output_has "pg: resync from pg1 done: 8 KiB"
	md5_both_equal
}

@test "power cut of the Secondary: the Primary goes on; after reboot the peer resyncs" {
	rblk_write_config pg1	# the usual liveness settings again
	reseed
	vm_run pg1 "$RBLKADM primary pg"
	vm_kill pg2
	run vm_run pg1 "timeout 60 dd if=/dev/urandom of=/dev/rblk0 bs=4k count=16 seek=200 oflag=direct status=none && echo DONE"
	assert_output_has "DONE"
	wait_conn pg1 Connecting
	vm_restart pg2
	rblk_write_config pg2
	rblk_load pg2
	vm_run pg2 "$RBLKADM up pg"
	wait_conn pg2 Connected 60
	wait_conn pg1 Connected
	run vm_run pg2 "$(st disk); $(st resynced-kib)"
	[ "${lines[0]}" = UpToDate ] && [ "${lines[1]}" = 64 ] || { echo "$output"; false; }
	run vm_run pg2 "dmesg | grep 'resync from pg1 done'"
	assert_output_has "pg: resync from pg1 done: 64 KiB"
	vm_run pg1 "$RBLKADM secondary pg"
	md5_both_equal
}

# A Primary that loses its power is noticed by its Secondary only after
# ping-int of silence and then ping-timeout (10.5 s with the defaults).
# Until then `primary` on the survivor would be refused: its peer is
# Primary. The promotion pings the peer first and drops it when neither a
# packet nor a TCP acknowledgement comes back within ping-timeout
# (kmod/conn.c, rblk_conn_probe); a live peer answers and the refusal
# stands (the test "a second Primary is refused while connected").
@test "power cut of the Primary: primary on the survivor succeeds at once, without waiting for ping-int" {
	local n ms want limit=$((RBLK_PING_TIMEOUT * 100 + 1500 * RBLK_NET_SCALE))
	# ping-int 30 s: the survivor's own ping would come long after.
	for n in pg1 pg2; do
		rblk_write_config $n "ping-int 30;"
		vm_run $n "$RBLKADM down pg && $RBLKADM up pg"
	done
	wait_conn pg1 Connected
	wait_conn pg2 Connected
	vm_wait pg2 30 "[ \"\$($(st disk))\" = UpToDate ] && [ \"\$($(st peer-disk))\" = UpToDate ]"
	vm_run pg1 "$RBLKADM primary pg"
	vm_wait pg2 10 "[ \"\$($(st peer-role))\" = Primary ]"
	vm_run pg1 "dd if=/dev/urandom of=/dev/rblk0 bs=4k count=16 seek=300 oflag=direct status=none"
	want=$(vm_run pg1 "dd if=/dev/rblk0 bs=4k count=16 skip=300 iflag=direct status=none | md5sum")
	vm_kill pg1
	run vm_run pg2 "t0=\$(date +%s%N); $RBLKADM primary pg; echo \"rc=\$? ms=\$(( (\$(date +%s%N) - t0) / 1000000 ))\""
	echo "$output"
	assert_output_has "rc=0 "
	ms=${output##*ms=}
	[ "$ms" -lt "$limit" ] || { echo "primary took $ms ms, limit $limit (ping-timeout + 1.5 s x RBLK_NET_SCALE)"; false; }
	echo "primary on the survivor, run right after its Primary peer's power cut: $ms ms (ping-int 30 s)" >&3
	run vm_run pg2 "$(st role); $(st connection); dmesg | grep 'asked before a promotion'"
	[ "${lines[0]}" = Primary ] && [ "${lines[1]}" = Connecting ] || { echo "$output"; false; }
	# What pg1 was told is written is here.
	[ "$(vm_run pg2 "dd if=/dev/rblk0 bs=4k count=16 skip=300 iflag=direct status=none | md5sum")" = "$want" ]
	assert_output_has "pg: peer pg1 did not answer a ping within $((RBLK_PING_TIMEOUT * 100)) ms (asked before a promotion): connection dropped"
	# The survivor writes; the old Primary comes back and takes it all.
	vm_run pg2 "dd if=/dev/urandom of=/dev/rblk0 bs=4k count=16 seek=400 oflag=direct status=none"
	vm_restart pg1
	for n in pg1 pg2; do
		rblk_write_config $n	# the usual liveness settings again
	done
	rblk_load pg1
	vm_run pg1 "$RBLKADM up pg"
	vm_run pg2 "$RBLKADM adjust pg"
	wait_conn pg1 Connected 60
	vm_wait pg1 60 "[ \"\$($(st disk))\" = UpToDate ]"
	vm_run pg2 "$RBLKADM secondary pg"
	md5_both_equal
}

# rblkadm outdate (docs/rblkadm.8): what a fence-peer handler does to the
# peer it fences, by hand here.
@test "outdate: refused while connected; a disconnected Secondary is Outdated on disk and refuses a plain primary until it meets its UpToDate peer" {
	local r0
	run vm_run pg2 "$RBLKADM outdate pg"
	assert_status 1
	assert_output_has "outdate pg: connected to pg1: the peer's state says whether this node's data is current"
	vm_run pg2 "$RBLKADM disconnect pg"
	run vm_run pg2 "$RBLKADM outdate pg"
	assert_status 0
	assert_output_has "pg: the local data is Outdated"
	[ "$(vm_run pg2 "$(st disk)")" = Outdated ]
	# On disk: pg2 comes back alone (pg1 does not listen) still Outdated.
	vm_run pg1 "$RBLKADM disconnect pg"
	vm_run pg2 "$RBLKADM down pg"
	run vm_run pg2 "$RBLKADM show-gi pg | sed -n 2p"	# C:B:H0:H1:FLAGS
	[ "${output##*:}" = consistent ] || { echo "$output"; false; }
	vm_run pg2 "$RBLKADM up pg"
	[ "$(vm_run pg2 "$(st disk)")" = Outdated ]
	run vm_run pg2 "$RBLKADM outdate pg"	# again: not an error
	assert_status 0
	run vm_run pg2 "$RBLKADM primary pg"
	assert_status 1
	assert_output_has "pg: refusing to become Primary: the local data is Outdated"
	assert_output_has "hint: connect to the peer"
	# The peer is UpToDate in the same generation: UpToDate, no resync.
	syncs() { vm_run pg2 "dmesg | grep -c 'pg: .* resync from pg1' || true"; }
	r0=$(syncs)
	vm_run pg1 "$RBLKADM connect pg"
	wait_conn pg2 Connected 60
	vm_wait pg2 30 "[ \"\$($(st disk))\" = UpToDate ]"
	[ "$(syncs)" = "$r0" ]
	vm_run pg2 "$RBLKADM down pg"
	run vm_run pg2 "$RBLKADM show-gi pg | sed -n 2p"
	[ "${output##*:}" = consistent,was-up-to-date ] || { echo "$output"; false; }
	vm_run pg2 "$RBLKADM up pg"
	wait_conn pg2 Connected 60
	vm_run pg2 "$RBLKADM primary pg && $RBLKADM secondary pg"
}

@test "fresh metadata is Inconsistent: primary is refused without --force" {
	# Alone: connected, pg1 would start a full resync into the fresh disk.
	vm_run pg1 "$RBLKADM disconnect pg"
	vm_run pg2 "$RBLKADM down pg && $RBLKADM create-md --force pg >/dev/null && $RBLKADM up pg"
	run vm_run pg2 "$(st disk)"
	[ "$output" = Inconsistent ]
	run vm_run pg2 "$RBLKADM primary pg"
	assert_status 1
	assert_output_has "pg: refusing to become Primary: the local disk is Inconsistent, not UpToDate"
	assert_output_has "hint: 'rblkadm primary --force pg' only if you are sure this node has the best data"
	vm_run pg2 "$RBLKADM primary --force pg"
	run vm_run pg2 "$(st disk)"
	[ "$output" = UpToDate ]
	vm_run pg2 "$RBLKADM secondary pg && $RBLKADM down pg"
	run vm_run pg2 "$RBLKADM show-gi pg | head -2"
	# The forced promotion started a new generation on disk.
	[[ "$output" != *"0000000000000004:"* ]]
}
