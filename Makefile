# SPDX-License-Identifier: (GPL-2.0 OR MIT)
# rblk top-level build. 'make' builds the module (against the newest
# installed 6.1 headers unless KVER=/KDIR= say otherwise) and rblkadm.
KVER ?= $(shell ls -1d /lib/modules/6.1.*/build 2>/dev/null | sort -V | tail -1 | cut -d/ -f4)
KVER_612 ?= $(shell ls -1d /lib/modules/6.12.*/build 2>/dev/null | sort -V | tail -1 | cut -d/ -f4)
PREFIX ?= /usr/local
DESTDIR ?=

# Every build and test dependency, from Debian 12's archive.
DEB_PACKAGES := build-essential clang llvm libclang-rt-14-dev pkg-config kmod cpio zstd xz-utils \
	linux-headers-amd64 linux-image-amd64 \
	linux-headers-6.12-amd64 linux-image-6.12-amd64 \
	qemu-system-x86 busybox-static \
	libnl-3-dev libnl-genl-3-dev libssl-dev liburing-dev libaio-dev \
	bats jq python3 iproute2 iputils-ping util-linux e2fsprogs xfsprogs lvm2 \
	fio postgresql drbd-utils procps \
	resource-agents pacemaker-cli-utils libxml2-utils pacemaker corosync \
	debhelper dh-dkms dkms lintian

all: kmod user

kmod:
	$(MAKE) -C kmod KVER=$(KVER)

# The module built against the 6.12 headers, in its own directory so both
# builds can coexist (sources are symlinked, never copied).
# Only the sources: generated files (rblk.mod.c) must stay per build.
KMOD_SRCS = kmod/Kbuild $(filter-out %.mod.c,$(wildcard kmod/*.c)) $(wildcard kmod/*.h)

kmod-6.12:
	@mkdir -p build/kmod-$(KVER_612)
	@find build/kmod-$(KVER_612) -maxdepth 1 -type l -delete
	@for f in $(KMOD_SRCS); do \
		ln -sf ../../$$f build/kmod-$(KVER_612)/; done
	@ln -sfn ../include build/include
	$(MAKE) -C /lib/modules/$(KVER_612)/build M=$(CURDIR)/build/kmod-$(KVER_612) modules

user:
	$(MAKE) -C user

deps:
	@if dpkg-query -W -f='$${Status}\n' $(DEB_PACKAGES) 2>/dev/null | \
		grep -qv '^install ok installed$$' || \
		[ "$$(dpkg-query -W -f='$${Status}\n' $(DEB_PACKAGES) 2>/dev/null | wc -l)" -lt "$(words $(DEB_PACKAGES))" ]; then \
		echo "  DEPS    installing with apt-get"; \
		apt-get -o DPkg::Lock::Timeout=600 update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $(DEB_PACKAGES) >/dev/null; \
	else echo "  DEPS    all installed"; fi

unit: user
	$(MAKE) -C tests/unit run

fuzz-smoke:
	$(MAKE) -C tests/fuzz smoke

fuzz:
	$(MAKE) -C tests/fuzz run

check: deps
	@bash tests/run-all

demo: deps all
	@bash scripts/demo

# Two guests: raw disk vs rblk and DRBD 8.4 (protocol C), and the harness
# limits; docs/performance.md. BENCH_SMOKE=1 for a quick check of the script.
bench: all
	@bash scripts/bench

# Two modules interleaved in one pair of guests (docs/performance.md,
# "Measured interleaved"): make bench-ab OLD=path/rblk.ko [NEW=kmod/rblk.ko]
NEW ?= kmod/rblk.ko
bench-ab: all
	@test -n "$(OLD)" || { echo "usage: make bench-ab OLD=old/rblk.ko [NEW=kmod/rblk.ko]"; exit 2; }
	@bash scripts/bench-ab $(OLD) $(NEW)

# The debug-kernel lane (tests/README.md): a guest kernel with lockdep,
# KASAN, kmemleak, hung task detection (scripts/debug-kernel; cached in
# /var/cache/rblk-debug-kernel, a no-op when up to date), and the VM tests
# of replication, resync, after-sb, verify and auth on it.
debug-kernel:
	@bash scripts/debug-kernel

check-debug: debug-kernel
	@bash scripts/check-debug

# A long campaign (tests/README.md): SOAK_ROUNDS fio rounds on a fresh pair.
soak: all
	@bats tests/soak/fio-loop.bats

# The power-cut campaign (tests/README.md): every test of
# tests/vm/45-power-loss.bats with TRIALS cuts at random points (make
# check runs three of them with one cut, make check-long four more, and
# the PostgreSQL one is 50-pg-stack's recipe 5 there).
TRIALS ?= 25
# tests/pkg/deb.bats: the Debian packages installed in a guest (DKMS
# build, modprobe, up, a handler, removal); about 11 minutes.
check-deb: all
	@make -s -C tests/harness
	@bats tests/pkg/deb.bats

power-cuts: all
	@make -s -C tests/tools
	@RBLK_TRIALS=$(TRIALS) bats tests/vm/45-power-loss.bats

# The VM tests tagged "long" (tests/README.md), which make check leaves
# out to stay within CI's time: more power cuts, Pacemaker's failovers.
check-long: deps all
	@make -s -C tests/harness
	@make -s -C tests/tools
	@bats --timing --filter-tags long tests/vm

# The newest kernel Debian has (unstable; tests/README.md): its image for
# the guests, rblk.ko built against it in an unstable root made with
# debootstrap (scripts/newest-kernel, in /var/cache/rblk-newest-kernel),
# then the VM tests NEWEST_VM_TESTS on it.
NEWEST_VM_TESTS ?= tests/vm
kmod-newest:
	@bash scripts/newest-kernel

check-newest: all kmod-newest
	@make -s -C tests/harness
	@make -s -C tests/tools
	@RBLK_KVER=$$(bash scripts/newest-kernel --kver) bats $(NEWEST_VM_TESTS)

# Userspace and the Pacemaker agent. The module: 'make -C kmod install'
# would need the running kernel's headers; copy kmod/rblk.ko to
# /lib/modules/$$(uname -r)/extra/ and run depmod -a instead.
# systemd and udev read only their own directories, whatever the prefix.
UNITDIR ?= /usr/lib/systemd/system
UDEVDIR ?= /usr/lib/udev/rules.d
install: user
	install -D -m 755 user/rblkadm $(DESTDIR)$(PREFIX)/sbin/rblkadm
	install -D -m 644 docs/rblkadm.8 $(DESTDIR)$(PREFIX)/share/man/man8/rblkadm.8
	install -D -m 644 docs/rblk.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/rblk.conf.5
	# Pacemaker only looks under /usr/lib/ocf, whatever the prefix.
	install -D -m 755 scripts/ocf/rblk $(DESTDIR)/usr/lib/ocf/resource.d/rblk/rblk
	install -D -m 755 scripts/ocf/fence-peer $(DESTDIR)/usr/lib/rblk/rblk-fence-peer
	install -D -m 644 conf/rblkadm.bash-completion $(DESTDIR)/usr/share/bash-completion/completions/rblkadm
	# /dev/rblk/by-res/RES links (udev reads only its own directories).
	install -d $(DESTDIR)$(UDEVDIR)
	sed 's|@SBINDIR@|$(PREFIX)/sbin|' conf/65-rblk.rules.in >$(DESTDIR)$(UDEVDIR)/65-rblk.rules
	chmod 644 $(DESTDIR)$(UDEVDIR)/65-rblk.rules
	# The boot unit (not enabled: see its comment).
	install -d $(DESTDIR)$(UNITDIR)
	sed 's|@SBINDIR@|$(PREFIX)/sbin|' conf/rblk.service.in >$(DESTDIR)$(UNITDIR)/rblk.service
	chmod 644 $(DESTDIR)$(UNITDIR)/rblk.service
	# The configuration: a skeleton, never over an existing one.
	install -d $(DESTDIR)/etc/rblk.d
	@if [ -e $(DESTDIR)/etc/rblk.conf ]; then \
		echo "kept the existing /etc/rblk.conf"; \
	else install -m 644 conf/rblk.conf $(DESTDIR)/etc/rblk.conf; fi
	# rblk.ko runs handlers through /usr/sbin/rblkadm unless told otherwise:
	# the file names this install's rblkadm, and goes with an install into
	# /usr; one this target did not write is left alone (its first line is
	# the mark, or, written before the mark, it is that one options line).
	# It takes effect at the module's next load.
	@f=$(DESTDIR)/etc/modprobe.d/rblk.conf; mark="# written by rblk's make install"; \
	ours() { [ "$$(head -n 1 "$$f")" = "$$mark" ] || \
		 [ "$$(grep -cvx 'options rblk usermode_helper=/.*/sbin/rblkadm' "$$f")" = 0 ]; }; \
	if [ -e "$$f" ] && ! ours; then \
		echo "kept /etc/modprobe.d/rblk.conf (not written by make install): check that its usermode_helper is $(PREFIX)/sbin/rblkadm"; \
	elif [ "$(PREFIX)" != /usr ]; then \
		mkdir -p $(DESTDIR)/etc/modprobe.d && \
		printf '%s\noptions rblk usermode_helper=%s\n' "$$mark" "$(PREFIX)/sbin/rblkadm" >"$$f" && \
		echo "wrote /etc/modprobe.d/rblk.conf: rblk.ko runs handlers through $(PREFIX)/sbin/rblkadm (from its next load)"; \
	elif [ -e "$$f" ]; then \
		rm -f "$$f" && echo "removed /etc/modprobe.d/rblk.conf: rblk.ko's default, /usr/sbin/rblkadm, is this install's"; \
	fi
	@echo "For LVM on top of /dev/rblkN add to /etc/lvm/lvm.conf devices{}:"
	@echo '  types = [ "rblk", 16 ]   and a filter accepting /dev/rblk* but rejecting the backing disk'

# Debian packages (debian/): rblk-dkms and rblk-utils, built from a copy
# of the tree in build/deb, where the .deb files land.
DEB_TREE := Makefile debian kmod include user docs conf scripts/ocf
deb:
	rm -rf build/deb && mkdir -p build/deb/rblk
	tar -c --exclude='*.o' --exclude='*.d' --exclude='*.ko' --exclude='*.mod*' \
		--exclude='.*.cmd' --exclude=user/rblkadm --exclude='Module.symvers' \
		--exclude=modules.order $(DEB_TREE) | tar -x -C build/deb/rblk
	cd build/deb/rblk && dpkg-buildpackage -us -uc -b
	lintian --fail-on error,warning --suppress-tags-from-file debian/lintian-tags build/deb/*.changes
	@ls build/deb/*.deb

clean:
	$(MAKE) -C kmod clean || true
	$(MAKE) -C user clean
	-$(MAKE) -C tests/unit clean
	-$(MAKE) -C tests/fuzz clean
	rm -rf build

.PHONY: all kmod kmod-6.12 user deps unit fuzz fuzz-smoke check demo bench bench-ab install deb clean
.PHONY: debug-kernel check-debug soak power-cuts check-long check-deb kmod-newest check-newest
