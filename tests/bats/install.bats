#!/usr/bin/env bats
# SPDX-License-Identifier: (GPL-2.0 OR MIT)
# make install into a DESTDIR: the files land where the docs say, and
# rblk.ko is told where rblkadm is (it runs handlers through
# /usr/sbin/rblkadm unless /etc/modprobe.d/rblk.conf says otherwise), so
# that fence-peer and every other handler run after a default install;
# the skeleton /etc/rblk.conf is installed once, never over an edited one.

load helper

REPO=$BATS_DIR/../..

@test "make install (PREFIX /usr/local): rblkadm, man pages, OCF agent, fence-peer, and the module's handler path in /etc/modprobe.d" {
	local d=$BATS_TEST_TMPDIR/root helper
	run make -s -C "$REPO" install DESTDIR="$d"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"wrote /etc/modprobe.d/rblk.conf: rblk.ko runs handlers through /usr/local/sbin/rblkadm (from its next load)"* ]]
	[ -x "$d/usr/local/sbin/rblkadm" ]
	[ -f "$d/usr/local/share/man/man8/rblkadm.8" ]
	[ -f "$d/usr/local/share/man/man5/rblk.conf.5" ]
	[ -x "$d/usr/lib/ocf/resource.d/rblk/rblk" ]
	[ -x "$d/usr/lib/rblk/rblk-fence-peer" ]
	# The boot unit runs the rblkadm installed, and systemd takes it.
	grep -qxF 'ExecStart=/usr/local/sbin/rblkadm adjust all' "$d/usr/lib/systemd/system/rblk.service"
	grep -qxF 'ExecStop=/usr/local/sbin/rblkadm down all' "$d/usr/lib/systemd/system/rblk.service"
	# (systemd-analyze checks that each command exists: the build's here)
	sed "s|@SBINDIR@|$REPO/user|" "$REPO/conf/rblk.service.in" >"$BATS_TEST_TMPDIR/rblk.service"
	run systemd-analyze verify --man=no "$BATS_TEST_TMPDIR/rblk.service"
	[ "$status" -eq 0 ] && [[ "$output" != *rblk.service* ]] || { echo "$output"; false; }
	[ -f "$d/usr/share/bash-completion/completions/rblkadm" ]
	# The udev rule runs the rblkadm installed.
	grep -qxF 'IMPORT{program}="/usr/local/sbin/rblkadm sh-udev %n"' "$d/usr/lib/udev/rules.d/65-rblk.rules"
	[ "$(sed -n 2p "$d/etc/modprobe.d/rblk.conf")" = "options rblk usermode_helper=/usr/local/sbin/rblkadm" ]
	# The skeleton configuration parses, and includes /etc/rblk.d/*.res.
	[ -d "$d/etc/rblk.d" ]
	run "$d/usr/local/sbin/rblkadm" -c "$d/etc/rblk.conf" dump
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	grep -qx 'include "/etc/rblk.d/\*.res";' "$d/etc/rblk.conf"
	# A second install keeps the administrator's configuration.
	echo "# mine" >>"$d/etc/rblk.conf"
	run make -s -C "$REPO" install DESTDIR="$d"
	[ "$status" -eq 0 ]
	[[ "$output" == *"kept the existing /etc/rblk.conf"* ]]
	[ "$(tail -n 1 "$d/etc/rblk.conf")" = "# mine" ]
	# The path it names is the rblkadm just installed.
	helper=$(sed -n 's/^options rblk usermode_helper=//p' "$d/etc/modprobe.d/rblk.conf")
	cmp "$d$helper" "$REPO/user/rblkadm"
}

@test "make install PREFIX=/usr: rblkadm where rblk.ko looks by default, no modprobe.d file" {
	local d=$BATS_TEST_TMPDIR/root
	run make -s -C "$REPO" install DESTDIR="$d" PREFIX=/usr
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ -x "$d/usr/sbin/rblkadm" ]
	[ ! -e "$d/etc/modprobe.d/rblk.conf" ]
	grep -q 'usermode_helper = "/usr/sbin/rblkadm"' "$REPO/kmod/helper.c"
}

@test "make install PREFIX=/usr over a /usr/local install: the modprobe.d file it wrote goes; an administrator's stays, whatever the prefix" {
	local d=$BATS_TEST_TMPDIR/root
	run make -s -C "$REPO" install DESTDIR="$d"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ -e "$d/etc/modprobe.d/rblk.conf" ]
	run make -s -C "$REPO" install DESTDIR="$d" PREFIX=/usr
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"removed /etc/modprobe.d/rblk.conf: rblk.ko's default, /usr/sbin/rblkadm, is this install's"* ]]
	[ ! -e "$d/etc/modprobe.d/rblk.conf" ]
	# One written before the mark: the options line alone.
	echo "options rblk usermode_helper=/usr/local/sbin/rblkadm" >"$d/etc/modprobe.d/rblk.conf"
	run make -s -C "$REPO" install DESTDIR="$d" PREFIX=/usr
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ ! -e "$d/etc/modprobe.d/rblk.conf" ]
	printf '# mine\noptions rblk usermode_helper=/opt/rblk/rblkadm\n' >"$d/etc/modprobe.d/rblk.conf"
	run make -s -C "$REPO" install DESTDIR="$d" PREFIX=/usr
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"kept /etc/modprobe.d/rblk.conf (not written by make install): check that its usermode_helper is /usr/sbin/rblkadm"* ]]
	[ "$(sed -n 2p "$d/etc/modprobe.d/rblk.conf")" = "options rblk usermode_helper=/opt/rblk/rblkadm" ]
	run make -s -C "$REPO" install DESTDIR="$d"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(sed -n 2p "$d/etc/modprobe.d/rblk.conf")" = "options rblk usermode_helper=/opt/rblk/rblkadm" ]
}
