#!/usr/bin/env bats
# SPDX-License-Identifier: (GPL-2.0 OR MIT)
# guide.md 1-7 (and 7a, the Primary's disk failing) as written, with the
# real stack on two nodes:
#   /dev/vda -> VG_RBLK/LV_DATA -> rblk (pg) -> VG_POSTGRES/LV_DATA (95%)
#   -> XFS (noatime,logbsize=256k,allocsize=1m) -> PostgreSQL 15.
# The tests are one story and run in order. A client records every id
# whose INSERT PostgreSQL acknowledged; it runs on the node that survives
# the power cut and connects to whichever node is Primary.
#
#   RBLK_PG_TRIALS=N   crash failover trials in recipe 5 (default 1; the
#                      second and later fail back, pg1 losing power)

load ../lib/vm
load ../lib/rblk
load ../lib/pg

setup_file() {
	vm_setup_run
	vm_start pg1 --disk "$(vm_disk pg1 448M)" --net l1 --ip 10.0.0.1/24
	vm_start pg2 --disk "$(vm_disk pg2 448M)" --net l1 --ip 10.0.0.2/24
	# guide.md 1, word for word.
	cat >"$RUN_DIR/pg.res" <<-'EOF2'
	resource pg {
	    device minor 0;
	    disk /dev/VG_RBLK/LV_DATA;
	    meta-disk internal;
	    on pg1 { address 10.0.0.1:7788; }
	    on pg2 { address 10.0.0.2:7788; }
	}
	EOF2
	pg_write_lvmlocal
	for n in pg1 pg2; do
		node_prepare $n
	done
}

teardown_file() {
	vm_teardown_all
}

# After a boot: configuration, lower LVM active, module loaded.
node_prepare() {
	pg_node_config "$1"
	rblk_load "$1"
}

sql() {
	vm_run "$1" "psql -h /run/postgresql -U postgres -qAt -c \"$2\""
}

# The client, on $1: connects to whichever node is Primary (libpq tries
# both, read-write only); ids continue from the largest in the table.
CONNINFO="host=10.0.0.1,10.0.0.2 user=postgres connect_timeout=2 target_session_attrs=read-write"
client_start() {
	pg_client_start "$1" "$CONNINFO" \
		"$(vm_run "$1" "psql '$CONNINFO' -qAtc 'select coalesce(max(id), 0) from t'")"
}

md5_lower() {
	echo "n=\$($(st size-kib)); dd if=/dev/VG_RBLK/LV_DATA bs=1M count=\$((n / 1024)) iflag=direct status=none | md5sum | cut -d' ' -f1"
}

@test "recipe 1: set up replication, full initial sync with progress, then Primary" {
	for n in pg1 pg2; do
		vm_run $n "pvcreate -q /dev/vda >/dev/null && vgcreate -q VG_RBLK /dev/vda >/dev/null &&
			lvcreate -q -n LV_DATA -l 100%FREE VG_RBLK >/dev/null"
		run vm_run $n "$RBLKADM create-md pg"
		assert_status 0
		vm_run $n "$RBLKADM up pg"
	done
	wait_conn pg1 Connected
	# Slow the wire so that the progress can be seen.
	vm_netem pg1 eth0 rate 200mbit
	vm_run pg1 "$RBLKADM invalidate-remote pg"
	# What showed the progress is what is checked (one status, kept).
	vm_wait pg1 60 "$RBLKADM status pg >/tmp/st && grep -q 'eta' /tmp/st"
	run vm_run pg1 "cat /tmp/st"
	echo "$output" | grep -E 'SyncSource|sync' >&3
	assert_output_has "SyncSource"
	vm_netem pg1 eth0 off
	run vm_run pg1 "$RBLKADM wait-sync pg --timeout 300"
	assert_status 0
	vm_run pg1 "$RBLKADM primary pg"
	vm_wait pg2 30 "[ \"\$($(st peer-role))\" = Primary ]"
	run vm_run pg1 "$RBLKADM status pg"
	echo "$output" | head -3 >&3
	assert_output_has "Primary/Secondary"
	assert_output_has "UpToDate/UpToDate"
}

@test "recipe 2: LVM, XFS and PostgreSQL on pg1; pg2 cannot open /dev/rblk0 for writing" {
	pg_create pg1
	run vm_run pg1 "lvs --noheadings -o lv_name,vg_name VG_POSTGRES | xargs; findmnt -no OPTIONS /pgdata"
	echo "$output" >&3
	assert_output_has "LV_DATA VG_POSTGRES"
	assert_output_has "logbsize=256k"
	run vm_run pg2 "dd if=/dev/zero of=/dev/rblk0 bs=4k count=1 oflag=direct"
	[ "$status" -ne 0 ]
	run vm_run pg2 "$RBLKADM status pg"
	assert_output_has "writable:no(Secondary)"
}

@test "recipe 3: verify the mirror; a block changed behind rblk's back is reported and fixed" {
	for n in pg1 pg2; do
		vm_run $n "sed -i 's/meta-disk internal;/meta-disk internal;\n    net { verify-alg sha256; }/' /etc/rblk.d/pg.res && $RBLKADM adjust pg"
		[ "$(vm_run $n "$(st verify-alg)")" = sha256 ]
	done
	client_start pg2
	run vm_run pg1 "$RBLKADM verify pg --wait"
	pg_client_stop pg2
	echo "$output" | tail -1 >&3
	assert_status 0
	assert_output_has "no block differs"
	# 4 KiB near the end of the data area on pg2's lower LV, unused by XFS.
	vm_run pg2 "dd if=/dev/urandom of=/dev/VG_RBLK/LV_DATA bs=4k count=1 seek=1000 oflag=direct conv=notrunc status=none"
	run vm_run pg1 "$RBLKADM verify pg --wait"
	echo "$output" | tail -2 >&3
	assert_status 5
	assert_output_has "4 KiB differ (1 block)"
	vm_run pg1 "$RBLKADM disconnect pg && $RBLKADM connect pg"
	run vm_run pg1 "$RBLKADM wait-sync pg --timeout 120"
	assert_status 0
	run vm_run pg1 "$RBLKADM verify pg --wait"
	assert_status 0
	assert_output_has "no block differs"
}

@test "recipe 4: planned switchover under client load; every committed row is there" {
	client_start pg2
	vm_wait pg2 300 "[ \$(wc -l </tmp/acked) -ge 20 ]"
	start=$(vm_run pg2 "date +%s%3N")
	t0=$(date +%s%N)
	pg_stop pg1
	t1=$(date +%s%N)
	vm_run pg1 "$RBLKADM secondary pg"
	vm_run pg2 "$RBLKADM primary pg"
	t2=$(date +%s%N)
	pg_start pg2
	t3=$(date +%s%N)
	steps=$(( (t3 - t0) / 1000000 ))
	echo "stop+umount+deactivate $(( (t1 - t0) / 1000000 )) ms, roles $(( (t2 - t1) / 1000000 )) ms, activate+mount+start $(( (t3 - t2) / 1000000 )) ms" >&3
	n=$(pg_acked_count pg2)
	vm_wait pg2 300 "[ \$(wc -l </tmp/acked) -ge $((n + 10)) ]"
	pg_client_stop pg2
	gap=$(pg_longest_gap_ms pg2 "$start")
	missing=$(pg_missing_on pg2)
	echo "switchover under load: the recipe's steps took ${steps} ms, longest gap between commits ${gap} ms; $(pg_acked_count pg2) acknowledged, $missing missing" >&3
	[ "$missing" = 0 ]
	[ "$(vm_run pg2 "$(st role)")" = Primary ]
}

@test "recipe 5: Primary power cut mid-load; no acknowledged transaction lost; it rejoins and resyncs little" {
	local p=pg2 s=pg1 t trials=${RBLK_PG_TRIALS:-1} checked=0 n missing size resynced
	for t in $(seq "$trials"); do
		client_start $s
		n=$(pg_acked_count $s)
		vm_wait $s 300 "[ \$(cat /tmp/acked 2>/dev/null | wc -l) -ge $((n + 20)) ]" || {
			vm_run $s "cat /tmp/client.pid; ps ax | grep -c psql; psql '$CONNINFO' -c 'select 1'; ls -la /tmp" >&3
			false
		}
		vm_kill $p
		wait_conn $s Connecting 60
		vm_run $s "$RBLKADM primary pg"
		pg_start $s
		n=$(pg_acked_count $s)
		vm_wait $s 300 "[ \$(wc -l </tmp/acked) -ge $((n + 5)) ]"
		pg_client_stop $s
		missing=$(pg_missing_on $s)
		n=$(pg_acked_count $s)
		checked=$((checked + n))
		echo "trial $t: $p lost power; $n acknowledged ids on $s, $missing missing" >&3
		[ "$missing" = 0 ]
		vm_restart $p
		node_prepare $p
		before=$(vm_run $s "$(st resynced-kib)")
		vm_run $p "$RBLKADM up pg"
		run vm_run $s "$RBLKADM wait-sync pg --timeout 300"
		assert_status 0
		resynced=$(( $(vm_run $s "$(st resynced-kib)") - before ))
		size=$(vm_run $s "$(st size-kib)")
		echo "trial $t: $p rejoined as $(vm_run $p "$(st role)"), resynced $resynced of $size KiB" >&3
		[ "$(vm_run $p "$(st role)")" = Secondary ]
		[ "$(vm_run $p "$(st disk)")" = UpToDate ]
		[ "$resynced" -lt $((size / 4)) ]
		local x=$p; p=$s; s=$x
	done
	echo "$trials trials, $checked acknowledged ids checked in all, none missing" >&3
}

@test "recipe 6: split brain with the stack; resolved with pg2 as the survivor" {
	local prim=$(vm_run pg1 "$(st role)")
	# Make pg1 Primary with PostgreSQL, as the recipe's starting point.
	if [ "$prim" != Primary ]; then
		pg_stop pg2
		vm_run pg2 "$RBLKADM secondary pg"
		vm_run pg1 "$RBLKADM primary pg"
		pg_start pg1
	fi
	for n in pg1 pg2; do
		vm_run $n "$RBLKADM disconnect pg"
	done
	vm_run pg2 "$RBLKADM primary --force pg"
	pg_start pg2
	sql pg2 "insert into t values (-2)"
	sql pg1 "insert into t values (-1)"
	run vm_run pg1 "$RBLKADM connect pg"
	vm_run pg2 "$RBLKADM connect pg"
	vm_wait pg1 60 "$RBLKADM status pg | grep -q 'split brain detected'"
	run vm_run pg1 "$RBLKADM status pg"
	echo "$output" | grep 'split brain' >&3
	[ "$(sql pg1 "select count(*) from t where id = -1")" = 1 ]
	[ "$(sql pg2 "select count(*) from t where id = -2")" = 1 ]
	# Resolve as written: pg1's changes go.
	vm_run pg1 "su postgres -c '$PGBIN/pg_ctl -D /pgdata/pg -m fast -w stop' >/dev/null && umount /pgdata"
	vm_run pg1 "vgchange -q -a n VG_POSTGRES >/dev/null && $RBLKADM secondary pg && $RBLKADM connect --discard-my-data pg"
	vm_run pg2 "$RBLKADM connect pg"
	run vm_run pg2 "$RBLKADM wait-sync pg --timeout 300"
	assert_status 0
	[ "$(vm_run pg1 "$(st disk)")" = UpToDate ]
	[ "$(sql pg2 "select count(*) from t where id in (-1, -2)")" = 1 ]
	pg_stop pg2
	vm_run pg2 "$RBLKADM secondary pg"
	a=$(vm_run pg1 "$(md5_lower)")
	b=$(vm_run pg2 "$(md5_lower)")
	[ "$a" = "$b" ]
	# pg1 takes the survivor's data and runs it.
	vm_run pg1 "$RBLKADM primary pg"
	pg_start pg1
	[ "$(sql pg1 "select count(*) from t where id = -2")" = 1 ]
	[ "$(sql pg1 "select count(*) from t where id = -1")" = 0 ]
}

@test "recipe 7: detach a problematic node; pg2 can no longer act as a data source" {
	for n in pg1 pg2; do
		vm_run $n "$RBLKADM disconnect pg"
	done
	vm_run pg1 "$RBLKADM invalidate-remote pg"
	vm_run pg2 "$RBLKADM invalidate pg"
	run vm_run pg2 "$RBLKADM down pg && $RBLKADM wipe-md pg"
	assert_status 0
	run vm_run pg2 "$RBLKADM up pg"
	echo "$output" >&3
	[ "$status" -ne 0 ]
	assert_output_has "no valid rblk metadata"
	# pg1 keeps serving.
	sql pg1 "insert into t values (-7)"
	[ "$(vm_run pg1 "$(st role)")" = Primary ]
}

# Since recipe 7a's mark: no I/O error reached pg1's application (its
# io-errors, the block layer's and XFS's lines in its kernel log,
# PostgreSQL's log).
pg1_saw_no_error() {
	[ "$(vm_run pg1 "$(st io-errors)")" = 0 ]
	run vm_run pg1 "dmesg | sed -n '/rblk-test: 7a\$/,\$p' | grep -c 'error, dev rblk0\|XFS' || true"
	[ "$output" = 0 ] || { vm_run pg1 "dmesg | sed -n '/rblk-test: 7a\$/,\$p'"; false; }
	run vm_run pg1 "grep -c 'PANIC\|could not write\|could not fsync' /tmp/pg.log || true"
	[ "$output" = 0 ] || { vm_run pg1 "tail -20 /tmp/pg.log"; false; }
}

# guide.md 7a: pg1's own disk fails under the client while pg2 is
# connected and UpToDate (kmod/ioerr.c). The lower LV's table is swapped
# for an error target: PostgreSQL sees no error and goes on, pg1 is
# Primary without a disk, served by pg2; the disk mended and given new
# metadata, attached on pg1 still Primary under the client, is resynced
# in full from pg2 (kmod/resync.c); after a switchover to pg2 no
# acknowledged transaction is missing, and a verify finds nothing.
# bats test_tags=long
@test "recipe 7a: the Primary's disk fails under PostgreSQL: no error, no acknowledged transaction lost; a new disk attached while Primary is resynced in full, verify finds nothing" {
	local n missing size r0 r1 w0 w1 err
	# pg2 back (recipe 7 wiped it; its up failed at the attach): a full
	# sync from pg1.
	vm_run pg2 "$RBLKADM down pg && $RBLKADM create-md --force pg >/dev/null && $RBLKADM up pg"
	vm_run pg1 "$RBLKADM connect pg"
	run vm_run pg2 "$RBLKADM wait-sync pg --timeout 300"
	assert_status 0
	vm_wait pg1 60 "[ \"\$($(st peer-disk))\" = UpToDate ]"
	client_start pg2
	n=$(pg_acked_count pg2)
	vm_wait pg2 300 "[ \$(wc -l </tmp/acked) -ge $((n + 20)) ]"
	vm_run pg1 "echo 'rblk-test: 7a' >/dev/kmsg"
	vm_run pg1 "dmsetup table VG_RBLK-LV_DATA >/tmp/lv.table &&
		dmsetup suspend VG_RBLK-LV_DATA &&
		dmsetup load VG_RBLK-LV_DATA --table \"0 \$(blockdev --getsz /dev/VG_RBLK/LV_DATA) error\" &&
		dmsetup resume VG_RBLK-LV_DATA"
	vm_wait pg1 120 "[ \"\$($(st disk))\" = Diskless ]"
	run vm_run pg1 "$(st role); $(st connection); $(st peer-disk)"
	[ "$output" = "Primary"$'\n'"Connected"$'\n'"UpToDate" ] || { echo "$output"; false; }
	err=$(vm_run pg1 "$(st disk-error)")
	echo "pg1's disk: $err" >&3
	[[ "$err" =~ ^(write|flush|read)\ error\ at\ sector\ [0-9]+\ of\ /dev/VG_RBLK/LV_DATA\ \(-5\)$ ]]
	# The client goes on against pg1, served by pg2.
	n=$(pg_acked_count pg2)
	vm_wait pg2 300 "[ \$(wc -l </tmp/acked) -ge $((n + 20)) ]"
	pg1_saw_no_error
	# The disk mended and given new metadata (a replacement disk): on
	# pg1, still Primary, under the client, a full resync from pg2.
	vm_run pg1 "dmsetup suspend VG_RBLK-LV_DATA && dmsetup load VG_RBLK-LV_DATA /tmp/lv.table &&
		dmsetup resume VG_RBLK-LV_DATA && $RBLKADM create-md --force pg >/dev/null"
	size=$(vm_run pg2 "$(st size-kib)")
	r0=$(vm_run pg2 "$(st resynced-kib)")
	w0=$(vm_run pg1 "$(st written-kib)")
	run vm_run pg1 "$RBLKADM attach pg"
	assert_status 0
	assert_output_has "its new disk is resynced in full from pg2 while it serves"
	run vm_run pg1 "$RBLKADM wait-sync pg --timeout 300"
	assert_status 0
	vm_wait pg1 60 "[ \"\$($(st disk))\" = UpToDate ] && [ \"\$($(st connection))\" = Connected ]"
	[ "$(vm_run pg1 "$(st role)")" = Primary ]
	# Every block resynced, but those PostgreSQL's writes meanwhile put
	# in sync themselves (RBLK_ACKF_IN_SYNC).
	r1=$(vm_run pg2 "$(st resynced-kib)")
	w1=$(vm_run pg1 "$(st written-kib)")
	echo "pg1's disk back while Primary: $((r1 - r0)) KiB resynced of $size, $((w1 - w0)) KiB written meanwhile" >&3
	[ $((r1 - r0 + w1 - w0)) -ge "$size" ]
	n=$(pg_acked_count pg2)
	vm_wait pg2 300 "[ \$(wc -l </tmp/acked) -ge $((n + 10)) ]"
	pg1_saw_no_error
	# Switched over to pg2 (guide.md 4), under the client: every
	# acknowledged transaction is there.
	pg_stop pg1
	vm_run pg1 "$RBLKADM secondary pg"
	vm_run pg2 "$RBLKADM primary pg"
	pg_start pg2
	n=$(pg_acked_count pg2)
	vm_wait pg2 300 "[ \$(wc -l </tmp/acked) -ge $((n + 10)) ]"
	pg_client_stop pg2
	missing=$(pg_missing_on pg2)
	echo "pg1's disk failed and was replaced under the client: $(pg_acked_count pg2) acknowledged, $missing missing" >&3
	[ "$missing" = 0 ]
	# pg1 leads it: its configuration has recipe 3's verify-alg (pg2's
	# was written anew after recipe 5's power cut).
	run vm_run pg1 "$RBLKADM verify pg --wait"
	assert_status 0
	assert_output_has "no block differs"
}
