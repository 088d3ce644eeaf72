#!/usr/bin/env bats
# SPDX-License-Identifier: (GPL-2.0 OR MIT)
# The Debian packages (make deb) installed on a guest's root (the host's,
# under the guest's tmpfs overlay: nothing reaches the host): DKMS builds
# rblk.ko for the guest's kernel, modprobe loads it, the installed rblkadm
# brings the resource up from /etc/rblk.d, a handler runs through the
# module's default helper /usr/sbin/rblkadm, and removing rblk-dkms takes
# the module away. pg1 boots the newest kernel with headers (6.12), so
# DKMS builds once (it builds for the running and the newest kernel); pg2
# is the peer with the build tree's module and rblkadm. Needs: debhelper,
# dh-dkms, dkms and lintian (make deps), the qemu harness. Its own target,
# make check-deb (about 11 min, most of it DKMS compiling under TCG), not
# part of make check.

load ../lib/vm
load ../lib/rblk

setup_file() {
	local k
	vm_setup_run
	make -s deb >"$RUN_DIR/deb.log" 2>&1 || { tail -n 30 "$RUN_DIR/deb.log"; return 1; }
	cp build/deb/rblk-dkms_*_all.deb build/deb/rblk-utils_*_amd64.deb "$RUN_DIR/"
	k=$(ls -1 /lib/modules | grep '^6\.12\.' | sort -V | tail -1)
	[ -n "$k" ] && [ -d "/lib/modules/$k/build" ] ||
		{ echo "no 6.12 kernel with headers (make deps)"; return 1; }
	vm_start pg1 --kernel "$k" --mem 1024 --disk "$(vm_disk pg1 256M)" --net l1 --ip 10.0.0.1/24
	vm_start pg2 --disk "$(vm_disk pg2 256M)" --net l1 --ip 10.0.0.2/24
}

teardown_file() {
	vm_teardown_all
}

@test "the packages install: DKMS builds rblk.ko for the running kernel, modprobe loads it with the default handler path" {
	run vm_run pg1 "dpkg -i $RUN_DIR/rblk-dkms_*_all.deb $RUN_DIR/rblk-utils_*_amd64.deb 2>&1"
	assert_status 0
	run vm_run pg1 "dkms status rblk"
	assert_output_has "rblk/0.1.0, $(vm_run pg1 "uname -r"), x86_64: installed"
	run vm_run pg1 "modinfo -n rblk"
	[[ "$output" == /lib/modules/*/updates/dkms/rblk.ko* ]] || { echo "$output"; false; }
	vm_run pg1 "modprobe rblk"
	run vm_run pg1 "cat /sys/module/rblk/parameters/usermode_helper; command -v rblkadm"
	[ "$output" = "$(printf '/usr/sbin/rblkadm\n/usr/sbin/rblkadm')" ] || { echo "$output"; false; }
	# Installed, not enabled: the boot unit is for nodes without Pacemaker.
	run vm_run pg1 "test -f /lib/systemd/system/rblk.service && test ! -e /etc/systemd/system/multi-user.target.wants/rblk.service"
	assert_status 0
}

@test "the installed rblkadm brings the resource up from /etc/rblk.d; its handler runs through /usr/sbin/rblkadm" {
	local conf="$RUN_DIR/rblk.conf.pg2"
	rblk_write_config pg2
	rblk_load pg2
	# pg1: the packaged /etc/rblk.conf, which includes /etc/rblk.d/*.res;
	# pg2 the same (the skeleton's common section applies on both).
	vm_run pg1 "cp $conf /etc/rblk.d/pg.res && grep -qx 'include \"/etc/rblk.d/\*.res\";' /etc/rblk.conf &&
		cmp /etc/rblk.conf conf/rblk.conf"
	vm_run pg2 "cp conf/rblk.conf /etc/rblk.conf && mkdir -p /etc/rblk.d && cp $conf /etc/rblk.d/pg.res"
	vm_run pg1 "/usr/sbin/rblkadm create-md pg"
	vm_run pg2 "$RBLKADM create-md pg"
	vm_run pg1 "/usr/sbin/rblkadm up pg"
	vm_run pg2 "$RBLKADM up pg"
	wait_conn pg2 Connected 60
	# pg2's data is kept: a full resync into pg1, whose after-resync-target
	# handler (rblk_write_config's) runs when it is done.
	vm_run pg2 "$RBLKADM invalidate-remote pg"
	run vm_run pg1 "/usr/sbin/rblkadm wait-sync pg --timeout 120"
	assert_status 0
	vm_wait pg1 30 "grep -qx 'after-resync-target pg pg2' /tmp/rblk-handlers.log"
	md5_both_equal
}

@test "removing rblk-dkms takes the module away" {
	vm_run pg1 "/usr/sbin/rblkadm down pg && rmmod rblk"
	run vm_run pg1 "dpkg -r rblk-utils rblk-dkms 2>&1"
	assert_status 0
	run vm_run pg1 "modinfo -n rblk"
	[ "$status" -ne 0 ] || { echo "still there: $output"; false; }
	run vm_run pg1 "dkms status rblk; test ! -e /usr/sbin/rblkadm && test ! -e /lib/udev/rules.d/65-rblk.rules"
	assert_status 0
	[ -z "$output" ] || { echo "dkms still has it: $output"; false; }
	# The configuration stays (conffiles until purge).
	vm_run pg1 "test -f /etc/rblk.conf && test -f /etc/rblk.d/pg.res"
}
