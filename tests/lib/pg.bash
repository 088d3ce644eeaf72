# SPDX-License-Identifier: (GPL-2.0 OR MIT)
# PostgreSQL on the recipes' stack in two guests, shared by the VM tests
# that run it (50-pg-stack, 60-pacemaker) and scripts/demo:
#   /dev/vda -> VG_RBLK/LV_DATA -> rblk (pg) -> VG_POSTGRES/LV_DATA
#   -> XFS -> PostgreSQL 15 in /pgdata/pg.
# A client records every id whose INSERT PostgreSQL acknowledged in
# /tmp/acked ("id epoch-ms" lines) on the guest it runs on.
# Needs tests/lib/vm.bash, RUN_DIR and RBLKADM.

PGBIN=/usr/lib/postgresql/15/bin
XFS_OPTS=noatime,logbsize=256k,allocsize=1m

# $RUN_DIR/lvmlocal.conf for the guests; $1: more settings of global { }.
# LVM sees the lower PV on the disk and the upper one on rblk, never the
# upper PV through the lower LV (that would be a duplicate).
pg_write_lvmlocal() {
	cat >"$RUN_DIR/lvmlocal.conf" <<-EOF
	activation { udev_sync = 0 udev_rules = 0 monitoring = 0 }
	devices {
	    obtain_device_list_from_udev = 0
	    types = [ "rblk", 16 ]
	    filter = [ "a|^/dev/vda\$|", "a|^/dev/rblk[0-9]+\$|", "r|.*|" ]
	}
	global { use_lvmlockd = 0 ${1:-}}
	EOF
}

# After a boot of $1: /etc/rblk.conf including $RUN_DIR/pg.res, the LVM
# settings, and the lower VG active if it exists.
pg_node_config() {
	vm_run "$1" "mkdir -p /etc/rblk.d && cp $RUN_DIR/pg.res /etc/rblk.d/pg.res &&
		echo 'include \"/etc/rblk.d/*.res\";' >/etc/rblk.conf &&
		cp $RUN_DIR/lvmlocal.conf /etc/lvm/lvmlocal.conf &&
		rm -f /etc/lvm/devices/system.devices"
	vm_run "$1" "vgs VG_RBLK >/dev/null 2>&1 && vgchange -q -a y VG_RBLK >/dev/null; true"
}

# guide.md 2 on the Primary $1: VG_POSTGRES/LV_DATA (95%) on /dev/rblk0,
# XFS mounted on /pgdata, a new cluster in /pgdata/pg that trusts the
# guests' network, started, with the table t(id) the client fills. The
# two settings appended to initdb's files are synced: a crash of $1 soon
# after would lose them otherwise (the survivor's PostgreSQL then listens
# on localhost only).
pg_create() {
	vm_run "$1" "pvcreate -q /dev/rblk0 >/dev/null && vgcreate -q VG_POSTGRES /dev/rblk0 >/dev/null &&
		lvcreate -q -n LV_DATA -l 95%VG VG_POSTGRES >/dev/null &&
		mkfs.xfs -q /dev/VG_POSTGRES/LV_DATA && mkdir -p /pgdata &&
		mount -o $XFS_OPTS /dev/VG_POSTGRES/LV_DATA /pgdata &&
		mkdir /pgdata/pg && chown postgres /pgdata/pg &&
		su postgres -c '$PGBIN/initdb -A trust -D /pgdata/pg' >/dev/null &&
		echo \"listen_addresses='*'\" >>/pgdata/pg/postgresql.conf &&
		echo 'host all all 10.0.0.0/24 trust' >>/pgdata/pg/pg_hba.conf &&
		sync /pgdata/pg/postgresql.conf /pgdata/pg/pg_hba.conf &&
		su postgres -c '$PGBIN/pg_ctl -D /pgdata/pg -l /tmp/pg.log -w start' >/dev/null &&
		psql -h /run/postgresql -U postgres -qAt -c 'create table t(id int primary key)'"
}

# On a Primary $1: activate VG_POSTGRES, mount, start PostgreSQL.
pg_start() {
	vm_run "$1" "vgchange -q -a y VG_POSTGRES >/dev/null && mkdir -p /pgdata &&
		mount -o $XFS_OPTS /dev/VG_POSTGRES/LV_DATA /pgdata &&
		su postgres -c '$PGBIN/pg_ctl -D /pgdata/pg -l /tmp/pg.log -w start' >/dev/null"
}

# The reverse, before the node becomes Secondary.
pg_stop() {
	vm_run "$1" "su postgres -c '$PGBIN/pg_ctl -D /pgdata/pg -m fast -w stop' >/dev/null &&
		umount /pgdata && vgchange -q -a n VG_POSTGRES >/dev/null"
}

# The client on $1, connecting with libpq connection string $2: inserts
# increasing ids, from one past $3 (default: the last it logged), and logs
# each after COMMIT returned. Without a server it retries every 0.2 s (not
# to starve the node taking over).
pg_client_start() {
	local start=${3:-'$(tail -n 1 /tmp/acked 2>/dev/null | cut -d" " -f1)'}
	vm_run "$1" "setsid -f sh -c 'echo \$\$ >/tmp/client.pid
		i=$start; i=\${i:-0}
		while :; do i=\$((i+1))
			psql \"$2\" -qAtc \"insert into t values (\$i)\" >/dev/null 2>&1 &&
				echo \"\$i \$(date +%s%3N)\" >>/tmp/acked ||
				sleep 0.2
		done' </dev/null >/dev/null 2>&1"
}

# The client's whole session (it is a session leader through setsid).
pg_client_stop() {
	vm_run "$1" "kill -- -\$(cat /tmp/client.pid) 2>/dev/null; while pgrep -s \$(cat /tmp/client.pid) >/dev/null; do sleep 0.1; done; true"
}

pg_acked_count() {
	vm_run "$1" "cat /tmp/acked 2>/dev/null | wc -l"
}

# Acknowledged ids (logged on $1, PostgreSQL running there) not in the table.
pg_missing_on() {
	vm_run "$1" "cut -d' ' -f1 /tmp/acked >/tmp/ids && chmod 644 /tmp/ids" >/dev/null
	vm_run "$1" "psql -h /run/postgresql -U postgres -qAt -c 'create temp table a(id int)' \
		-c \"copy a from '/tmp/ids'\" -c 'select count(*) from a where id not in (select id from t)'" | tail -n 1
}

# Longest gap between two acknowledged commits on $1 after epoch-ms $2, in ms.
pg_longest_gap_ms() {
	vm_run "$1" "awk -v s=${2:-0} 'NR > 1 && \$2 > s && \$2 - p > m { m = \$2 - p } { p = \$2 } END { print m + 0 }' /tmp/acked"
}
