#!/usr/bin/env bats
# SPDX-License-Identifier: (GPL-2.0 OR MIT)
# guide.md 8: a real two-node Corosync + Pacemaker cluster runs the
# PostgreSQL stack of 50-pg-stack.bats
#   /dev/vda -> VG_RBLK/LV_DATA -> rblk (pg) -> VG_POSTGRES/LV_DATA
#   -> XFS (noatime,logbsize=256k,allocsize=1m) -> PostgreSQL 15
# as a promotable clone of ocf:rblk:rblk with LVM-activate, Filesystem,
# IPaddr2 and pgsql colocated with the promoted instance and ordered after
# the promotion (tests/vm/60-pacemaker.cib.xml). The tests are one story
# and run in order:
#   - the cluster comes up and puts the stack on one node (P);
#   - a client on the other node (S) records every acknowledged INSERT;
#     P loses power; the stack must run on S, nothing acknowledged lost;
#   - P boots again, joins the cluster, stays unpromoted and resyncs;
#   - the replication link alone breaks: the Primary fences its peer in the
#     CIB (fence-peer handler), the constraint goes after the resync.
#
# STONITH: the guests have no fence device (no IPMI, no shared disk for
# sbd, no hypervisor agent that could kill the other qemu), so the cluster
# runs with stonith-enabled=false. The test still means something because
# the failure it causes is a clean one: vm_kill is a real power cut, so the
# lost node cannot write any more, which is exactly what a successful
# STONITH would guarantee. Where a node stays alive but loses the
# replication link, rblk's resource-level fencing does the job STONITH
# would otherwise do for the data: rblk.ko runs the fence-peer handler
# when a Primary loses its peer (disk { fencing resource-and-stonith; }:
# I/O waits until the handler has said the peer is outdated), which
# adds a -INFINITY location constraint for the promoted role on the peer,
# and after-resync-target removes it once that peer is UpToDate again. That
# path needs Corosync to survive the replication link, hence a second,
# Corosync-only link (eth1, 10.0.1.0/24) like the redundant ring a real
# cluster would have. A production cluster must still configure STONITH
# (a split of both links would otherwise promote both sides).
#
# Corosync uses knet over UDP on the guests' own addresses only (link 0
# 10.0.0.x on eth0, link 1 10.0.1.x on eth1); the harness carries these
# wires over qemu's UDP socket backend on the host's loopback.

load ../lib/vm
load ../lib/rblk
load ../lib/pg

SERVICE_IP=10.0.0.10

setup_file() {
	vm_setup_run
	vm_start pg1 --no-wait --disk "$(vm_disk pg1 448M)" \
		--net l1 --ip 10.0.0.1/24 --net l2 --ip 10.0.1.1/24
	vm_start pg2 --no-wait --disk "$(vm_disk pg2 448M)" \
		--net l1 --ip 10.0.0.2/24 --net l2 --ip 10.0.1.2/24
	vm_wait_up pg1 pg2

	# guide.md 1 plus resource-level fencing through Pacemaker, and fast
	# liveness settings so that a lost peer is noticed within seconds
	# (ping-timeout 20 = 2 s: with 500 ms the Primary dropped a live peer
	# several times on a loaded host, each time fencing it in the CIB).
	cat >"$RUN_DIR/pg.res" <<-'EOF2'
	resource pg {
	    device minor 0;
	    disk /dev/VG_RBLK/LV_DATA;
	    meta-disk internal;
	    net { ping-int 1; ping-timeout 20; timeout 10; ko-count 3; connect-int 1; }
	    disk { fencing resource-and-stonith; handler-timeout 60; }
	    handlers {
	        fence-peer          "/usr/lib/rblk/rblk-fence-peer";
	        unfence-peer        "/usr/lib/rblk/rblk-fence-peer --unfence";
	        after-resync-target "/usr/lib/rblk/rblk-fence-peer --after-resync-target";
	    }
	    on pg1 { address 10.0.0.1:7788; }
	    on pg2 { address 10.0.0.2:7788; }
	}
	EOF2
	# As in 50-pg-stack, plus a system ID (the host name) for
	# LVM-activate's vg_access_mode=system_id: no lvmlockd needed.
	pg_write_lvmlocal 'system_id_source = "uname" '
	cat >"$RUN_DIR/corosync.conf" <<-'EOF2'
	totem {
	    version: 2
	    cluster_name: rblktest
	    transport: knet
	    crypto_cipher: none
	    crypto_hash: none
	}
	nodelist {
	    node {
	        name: pg1
	        nodeid: 1
	        ring0_addr: 10.0.0.1
	        ring1_addr: 10.0.1.1
	    }
	    node {
	        name: pg2
	        nodeid: 2
	        ring0_addr: 10.0.0.2
	        ring1_addr: 10.0.1.2
	    }
	}
	quorum {
	    provider: corosync_votequorum
	    two_node: 1
	}
	logging {
	    to_logfile: yes
	    logfile: /var/log/corosync/corosync.log
	    to_syslog: no
	    to_stderr: no
	    timestamp: on
	}
	EOF2
	for n in pg1 pg2; do
		node_prepare $n
	done
}

teardown() {
	local n
	if [ -z "${BATS_TEST_COMPLETED:-}" ] && [ -n "${RUN_DIR:-}" ]; then
		for n in $(vm_names); do
			vm_is_running "$n" || continue
			vm_run "$n" "crm_mon -1 -r -A 2>&1; tail -n 40 /var/log/pacemaker/pacemaker.log 2>/dev/null" \
				>"$RUN_DIR/$n.pacemaker-tail.txt" 2>&1 || true
		done
	fi
	vm_teardown
}

teardown_file() {
	vm_teardown_all
}

# After every boot: configuration, lower LVM, module, and the agent and the
# handler where Pacemaker and rblk.conf expect them. The guest's / is an
# overlay with a tmpfs upper layer over the host's read-only root, so these
# files exist in this guest until it powers off and never on the host.
node_prepare() {
	pg_node_config "$1"
	vm_run "$1" "install -D -m 755 scripts/ocf/rblk /usr/lib/ocf/resource.d/rblk/rblk &&
		install -D -m 755 scripts/ocf/fence-peer /usr/lib/rblk/rblk-fence-peer &&
		ln -sfn \$PWD/$RBLKADM /usr/local/sbin/rblkadm &&
		cp $RUN_DIR/corosync.conf /etc/corosync/corosync.conf"
	rblk_load "$1"
}

# Corosync and Pacemaker as plain daemons (no systemd in the guests): each
# in its own session so that it outlives the vm_run that started it. On
# the nodes named, each step on all of them before the next (they start
# together, as a cluster's nodes booting at once do).
cluster_start() {
	local n
	for n; do
		vm_run $n "mkdir -p /var/log/corosync /var/lib/corosync &&
			setsid -f corosync -f </dev/null >/var/log/corosync/stdout.log 2>&1"
	done
	for n; do
		vm_wait $n 60 "corosync-cfgtool -s >/dev/null 2>&1"
	done
	for n; do
		vm_run $n "setsid -f pacemakerd </dev/null >/var/log/pacemaker/stdout.log 2>&1"
	done
	for n; do
		vm_wait $n 120 "crm_mon -1 >/dev/null 2>&1"
	done
}

# Node running Pacemaker resource $2, as seen from $1 (empty if none).
located() {
	vm_run "$1" "crm_resource --locate -r $2 2>/dev/null" |
		sed -n 's/.*is running on: \([^ ]*\).*/\1/p' | head -n1
}

# The client, on $1: inserts increasing ids through the service IP
# (tests/lib/pg.bash), continuing from the last id it logged.
client_start() {
	pg_client_start "$1" "host=$SERVICE_IP user=postgres connect_timeout=10"
}

@test "data prepared by hand (recipes 1-2), then left to Pacemaker" {
	local n
	for n in pg1 pg2; do
		vm_run $n "pvcreate -q /dev/vda >/dev/null && vgcreate -q VG_RBLK /dev/vda >/dev/null &&
			lvcreate -q -n LV_DATA -l 100%FREE VG_RBLK >/dev/null"
		vm_run $n "$RBLKADM create-md pg"
		vm_run $n "$RBLKADM up pg"
	done
	wait_conn pg1 Connected
	vm_run pg1 "$RBLKADM invalidate-remote pg"
	run vm_run pg1 "$RBLKADM wait-sync pg --timeout 300"
	assert_status 0
	vm_run pg1 "$RBLKADM primary pg"
	pg_create pg1
	pg_stop pg1
	# The VG carries pg1's system ID; LVM-activate moves it.
	run vm_run pg1 "vgs --noheadings -o systemid VG_POSTGRES"
	assert_output_has pg1
	vm_run pg1 "$RBLKADM secondary pg"
	for n in pg1 pg2; do
		vm_run $n "$RBLKADM down pg"
	done
}

@test "Corosync on the guests' links, Pacemaker promotes one node and starts the stack there" {
	local n p s bad
	cluster_start pg1 pg2
	vm_wait pg1 300 "crm_mon -1 | grep -q 'Online: \[ pg1 pg2 \]'"
	# The configuration: options first, so nothing starts without it.
	vm_run pg1 "crm_attribute -t crm_config -n stonith-enabled -v false"
	vm_run pg1 "f=tests/vm/60-pacemaker.cib.xml
		for s in resources constraints; do
			sed -n \"/<\$s>/,/<\\/\$s>/p\" \$f >/tmp/\$s.xml &&
			cibadmin --replace -o \$s --xml-file /tmp/\$s.xml || exit 1
		done
		for s in rsc_defaults op_defaults; do
			sed -n \"/<\$s>/,/<\\/\$s>/p\" \$f >/tmp/\$s.xml &&
			cibadmin --create -o configuration --xml-file /tmp/\$s.xml || exit 1
		done"
	run vm_run pg1 "crm_verify -L -V"
	assert_status 0
	# Started, not only Starting (--locate also names a starting resource).
	vm_wait pg1 600 "crm_mon -1 -r | grep -Eq 'pg-db.*Started (pg1|pg2)\$'"
	p=$(located pg1 pg-db)
	[ -n "$p" ]
	if [ "$p" = pg1 ]; then s=pg2; else s=pg1; fi
	echo "$p" >"$RUN_DIR/promoted"
	run vm_run pg1 "crm_mon -1 -r"
	echo "$output" | sed -n '/Node List/,$p' >&3
	# The stack is on the rblk Primary, the other node is Secondary.
	[ "$(vm_run $p "$(st role)")" = Primary ]
	[ "$(vm_run $s "$(st role)")" = Secondary ]
	vm_wait $s 120 "[ \"\$($(st disk))\" = UpToDate ] && [ \"\$($(st connection))\" = Connected ]"
	run vm_run $p "findmnt -no OPTIONS /pgdata; vgs --noheadings -o systemid VG_POSTGRES; ip -4 -o addr show dev eth0"
	echo "$output" >&3
	assert_output_has "logbsize=256k"
	assert_output_has "$p"
	assert_output_has "$SERVICE_IP"
	# Corosync talks on the guests' addresses only.
	run vm_run $p "corosync-cfgtool -n; ss -Huanp | grep corosync"
	echo "$output" >&3
	assert_output_has "10.0.0."
	bad=$(echo "$output" | grep corosync | grep -vE ' (10\.0\.[01]\.[12]|127\.0\.0\.1|\[::1\]|0\.0\.0\.0|\*):[0-9]+ ' || true)
	[ -z "$bad" ]
}

# bats test_tags=long
@test "power cut of the promoted node: the stack runs on the survivor, no acknowledged transaction lost" {
	local p s t0 t_db first n missing
	p=$(cat "$RUN_DIR/promoted")
	if [ "$p" = pg1 ]; then s=pg2; else s=pg1; fi
	client_start $s
	vm_wait $s 300 "[ \$(wc -l </tmp/acked 2>/dev/null || echo 0) -ge 10 ]"
	t0=$(vm_run $s "date +%s%3N")
	vm_kill $p
	vm_wait $s 600 "crm_mon -1 -r | grep -Eq 'pg-db.*Started $s\$'"
	t_db=$(vm_run $s "date +%s%3N")
	n=$(pg_acked_count $s)
	vm_wait $s 300 "[ \$(wc -l </tmp/acked) -ge $((n + 5)) ]"
	pg_client_stop $s
	first=$(vm_run $s "awk -v t=$t0 '\$2 > t { print \$2; exit }' /tmp/acked")
	missing=$(pg_missing_on $s)
	n=$(pg_acked_count $s)
	echo "failover $p -> $s: Pacemaker reports pg-db started on $s $(( (t_db - t0) / 1000 )).$(( (t_db - t0) % 1000 / 100 )) s after the power cut; first acknowledged commit after $(( (first - t0) / 1000 )).$(( (first - t0) % 1000 / 100 )) s" >&3
	echo "$n acknowledged ids, $missing missing" >&3
	# Where the failover's time went: the controller's operations.
	vm_run $s "grep -E 'Result of (stop|start|promote|demote) operation' /var/log/pacemaker/pacemaker.log |
		tail -n 12 | cut -c 1-200" >&3 || true
	echo "$(( (first - t0) / 1000 ))" >"$RUN_DIR/failover-seconds"
	[ "$missing" = 0 ]
	[ "$(vm_run $s "$(st role)")" = Primary ]
	[ "$(located $s pg-vg)" = $s ]
	[ "$(located $s pg-fs)" = $s ]
	[ "$(located $s pg-ip)" = $s ]
	echo "$s" >"$RUN_DIR/promoted"
}

# bats test_tags=long
@test "the node returns: it joins the cluster unpromoted and resyncs to UpToDate" {
	local p r
	p=$(cat "$RUN_DIR/promoted")
	if [ "$p" = pg1 ]; then r=pg2; else r=pg1; fi
	vm_restart $r
	node_prepare $r
	cluster_start $r
	vm_wait $p 400 "crm_mon -1 | grep -q 'Online: \[ pg1 pg2 \]'"
	# Pacemaker starts the clone instance there (rblkadm up); it connects
	# and becomes SyncTarget of what the bitmap names.
	vm_wait $r 400 "[ \"\$($(st role))\" = Secondary ]"
	run vm_run $r "$RBLKADM wait-sync pg --timeout 300"
	assert_status 0
	run vm_run $r "$RBLKADM status pg"
	echo "$output" | head -3 >&3
	assert_output_has "Secondary/Primary"
	assert_output_has "UpToDate/UpToDate"
	# Still promoted where it was, the stack did not move back.
	vm_wait $p 300 "crm_mon -1 -r | grep -A3 'rblk-pg-clone' | grep -q 'Unpromoted: \[ $r \]'"
	[ "$(located $p pg-db)" = $p ]
	[ "$(vm_run $p "$(st role)")" = Primary ]
	run vm_run $p "crm_mon -1 -r"
	echo "$output" | sed -n '/Full List/,$p' >&3
}

@test "replication link lost, Corosync alive: the Primary fences its peer in the CIB until it resynced" {
	local p s c
	p=$(cat "$RUN_DIR/promoted")
	if [ "$p" = pg1 ]; then s=pg2; else s=pg1; fi
	c=rblk-fence-pg-$s
	vm_run $p "setsid -f $RBLKADM events pg > /tmp/fev.log 2>&1 < /dev/null"
	vm_wait $p 10 "grep -q '^exists pg' /tmp/fev.log"
	vm_link $s down eth0
	# rblk on the Primary notices the lost peer and runs fence-peer.
	vm_wait $p 120 "cibadmin -Q -o constraints | grep -q 'id=\"$c\"'"
	run vm_run $p "cibadmin -Q -o constraints | grep '$c'"
	echo "$output" >&3
	assert_output_has 'score="-INFINITY"'
	# The handler's exit code (4: the peer is outdated) reached rblk.ko,
	# which had suspended I/O until then (resource-and-stonith).
	vm_wait $p 60 "dmesg | grep -q 'fence-peer returned 4 (peer outdated): the peer is outdated'"
	[ "$(vm_run $p "$(st last-fence-peer)")" = "4 (peer outdated)" ]
	vm_wait $p 20 "grep '^change pg ' /tmp/fev.log | tail -1 | grep -qv io-suspended"
	run vm_run $p "grep '^change pg ' /tmp/fev.log"
	echo "$output" >&3
	[ "$(echo "$output" | grep -c 'io-suspended:fencing')" -ge 1 ]
	[ "$(vm_run $p "$(st io-suspended)")" = null ]
	# Both nodes are still members (Corosync link 1), the stack stays.
	run vm_run $p "crm_mon -1"
	assert_output_has "Online: [ pg1 pg2 ]"
	vm_run $p "psql -h /run/postgresql -U postgres -qAt -c 'insert into t select -g from generate_series(1, 1000) g'"
	vm_link $s up eth0
	vm_wait $s 300 "[ \"\$($(st disk))\" = UpToDate ] && [ \"\$($(st connection))\" = Connected ]"
	# after-resync-target on the fenced node removed the constraint.
	vm_wait $p 120 "! cibadmin -Q -o constraints | grep -q 'id=\"$c\"'"
	echo "constraint $c added on link loss, removed after the resync" >&3
	[ "$(located $p pg-db)" = $p ]
}
