#!/usr/bin/env bats
# SPDX-License-Identifier: (GPL-2.0 OR MIT)
# make deb: the two packages build and lintian passes them (debian/
# lintian-tags explains what it does not fail on); each holds what
# debian/control says. make check-deb installs them in a guest.

load helper

REPO=$BATS_DIR/../..

@test "make deb: rblk-utils (rblkadm at the module's default path, agent, handlers, udev, unit) and rblk-dkms (the module's sources and dkms.conf), lintian clean" {
	run make -s -C "$REPO" deb
	[ "$status" -eq 0 ] || { echo "$output" | tail -n 30; false; }
	run dpkg-deb -c "$REPO"/build/deb/rblk-utils_*_amd64.deb
	[ "$status" -eq 0 ]
	local f
	for f in ./usr/sbin/rblkadm ./usr/lib/ocf/resource.d/rblk/rblk ./usr/lib/rblk/rblk-fence-peer \
		 ./lib/udev/rules.d/65-rblk.rules ./lib/systemd/system/rblk.service ./etc/rblk.conf \
		 ./usr/share/man/man8/rblkadm.8.gz ./usr/share/bash-completion/completions/rblkadm; do
		[[ "$output" == *" $f"$'\n'* || "$output" == *" $f" ]] || { echo "rblk-utils lacks $f"; false; }
	done
	run dpkg-deb -c "$REPO"/build/deb/rblk-dkms_*_all.deb
	for f in dkms.conf kmod/Kbuild kmod/main.c include/rblk/genl.h; do
		[[ "$output" == *" ./usr/src/rblk-0.1.0/$f"* ]] || { echo "rblk-dkms lacks $f"; false; }
	done
	# /etc/rblk.conf is a conffile: an upgrade keeps the administrator's.
	run dpkg-deb -I "$REPO"/build/deb/rblk-utils_*_amd64.deb conffiles
	[ "$output" = /etc/rblk.conf ]
}
