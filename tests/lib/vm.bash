# shellcheck shell=bash
#
# vm.bash - qemu test VMs for rblk tests (see tests/README.md).
#
# Load from a bats file with:   load ../lib/vm
#
#   setup_file()    { vm_setup_run; vm_start n1 --disk "$(vm_disk d1 256M)"; }
#   teardown()      { vm_teardown; }          # records failures
#   teardown_file() { vm_teardown_all; }
#
# All per-VM state lives in files under RUN_DIR, so the functions work the
# same from setup_file, the tests (each a separate process) and `run`.

VM_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RBLK_REPO=$(cd "$VM_LIB_DIR/../.." && pwd)
: "${RBLK_BUILD:=$RBLK_REPO/build}"
VM_HARNESS_DIR=$RBLK_REPO/tests/harness
VM_BIN=$RBLK_BUILD/harness

: "${VM_TIMEOUT:=600}"          # vm_run: kill the command after this many s (124)
: "${VM_BOOT_TIMEOUT:=120}"     # vm_start: wait this long for the agent
: "${VM_STOP_TIMEOUT:=30}"      # vm_stop: then fall back to SIGKILL
: "${VM_HEARTBEAT_TIMEOUT:=120}" # vm_run: guest silent this long = hung
: "${VM_MEM:=1024}"             # MiB per guest
: "${VM_CPUS:=1}"               # vCPUs per guest
: "${VM_LOGLEVEL:=5}"           # console loglevel (5 = warnings and worse)
: "${VM_HUNG_TASK_SECS:=90}"    # kernel.hung_task_timeout_secs in the guest
: "${VM_DISK_CACHE:=none}"      # qemu cache= for disks (none|writeback|...)
: "${VM_QEMU_CPU:=max}"         # qemu -cpu model under TCG
: "${VM_USR_CACHE:=loose}"       # 9p cache= of the guest's /usr (none: no own mount)
: "${VM_TIME_SCALE:=1}"         # vm_wait timeouts x this (slow debug kernels)
VM_NPORTS=4                     # agent ports = parallel commands per VM

# Kernel lines that make vm_check_kernel fail.
VM_BAD_KERNEL_RE='(^|\] )WARNING:|-+\[ cut here \]-+|(^|[] ])BUG:|Oops|general protection fault|Kernel panic|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|INFO: task .* blocked for more than|Call Trace:|unreferenced object 0x'
# Extra regex of lines to ignore (e.g. known-benign messages), empty = none.
: "${VM_CHECK_IGNORE:=}"

_vm_err() { echo "vm: $*" >&2; }

# Kernel version to boot: RBLK_KVER, else the newest 6.1 in /boot, else the
# newest kernel in /boot.
vm_default_kver() {
	if [ -n "${RBLK_KVER:-}" ]; then
		echo "$RBLK_KVER"
		return
	fi
	local k
	k=$(cd /boot && ls vmlinuz-6.1.* 2>/dev/null | sed 's/^vmlinuz-//' | sort -V | tail -n1)
	[ -n "$k" ] || k=$(cd /boot && ls vmlinuz-* 2>/dev/null | sed 's/^vmlinuz-//' | sort -V | tail -n1)
	echo "$k"
}

# Build agent/client (make decides whether anything is stale).
_vm_build_tools() {
	mkdir -p "$VM_BIN"
	(
		flock 9
		make -s -C "$VM_HARNESS_DIR" O="$VM_BIN" >"$VM_BIN/make.log" 2>&1 ||
			{ cat "$VM_BIN/make.log" >&2; exit 1; }
	) 9>"$VM_BIN/.lock"
}

# Print the path of the initramfs for KVER, (re)building it if its inputs
# changed.
_vm_initramfs() {
	local kver=$1 out stamp want
	out=$VM_BIN/initramfs-$kver.cpio
	stamp=$out.stamp
	mkdir -p "$VM_BIN"
	want=$(
		cat "$VM_HARNESS_DIR/mkinitramfs" "$VM_HARNESS_DIR/initramfs-init"
		stat -L -c '%s %Y' /bin/busybox "/lib/modules/$kver/modules.dep" 2>/dev/null
	)
	want=$(echo "$want" | sha256sum | cut -d' ' -f1)
	if [ -s "$out" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
		echo "$out"
		return 0
	fi
	(
		flock 9
		if [ ! -s "$out" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
			"$VM_HARNESS_DIR/mkinitramfs" "$kver" "$out" >&2 || exit 1
			echo "$want" >"$stamp"
		fi
	) 9>"$VM_BIN/.lock" || return 1
	echo "$out"
}

# Print the kernel image to boot for KVER: the uncompressed vmlinux (booted
# through PVH, ~3 s faster under TCG), extracted once and cached; falls back
# to /boot/vmlinuz-KVER (also with RBLK_NO_PVH=1).
_vm_kernel_image() {
	local kver=$1 bz=/boot/vmlinuz-$1 out stamp want
	out=$VM_BIN/vmlinux-$kver
	stamp=$out.stamp
	# A KASAN kernel (the debug kernel, scripts/debug-kernel) dies in its
	# PVH entry, which runs instrumented code before KASAN's shadow memory
	# is mapped: boot its bzImage.
	if [ -n "${RBLK_NO_PVH:-}" ] || grep -qx 'CONFIG_KASAN=y' "/boot/config-$kver" 2>/dev/null; then
		echo "$bz"
		return 0
	fi
	want=$(stat -L -c '%s %Y' "$bz" "$VM_HARNESS_DIR/extract-vmlinux" | tr '\n' ' ')
	if [ -s "$out" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
		echo "$out"
		return 0
	fi
	(
		flock 9
		if [ ! -s "$out" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
			"$VM_HARNESS_DIR/extract-vmlinux" "$bz" "$out" && echo "$want" >"$stamp"
		fi
	) 9>"$VM_BIN/.lock"
	if [ -s "$out" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
		echo "$out"
	else
		echo "$bz"
	fi
}

# Kill qemu processes recorded in a run directory (leftovers of an
# interrupted run, or from the watchdog).
_vm_kill_dir() {
	local dir=$1 f pid
	for f in "$dir"/*.pid; do
		[ -e "$f" ] || continue
		pid=$(cat "$f" 2>/dev/null) || continue
		if _vm_is_qemu "$pid" "$f"; then
			kill -9 "$pid" 2>/dev/null || true
		fi
	done
}

# _vm_is_qemu PID PIDFILE - is PID alive and the qemu that wrote PIDFILE?
_vm_is_qemu() {
	[ -n "${1:-}" ] && [ -r "/proc/$1/cmdline" ] &&
		{ tr '\0' '\n' <"/proc/$1/cmdline"; } 2>/dev/null | grep -qxF -- "$2"
}

# vm_setup_run [NAME] - create the per-test run dir and export RUN_DIR.
vm_setup_run() {
	local name=${1:-}
	if [ -z "$name" ]; then
		name=$(basename "${BATS_TEST_FILENAME:-manual}" .bats)
	fi
	# A run dir still owned by a live process is another run of the same
	# file (e.g. a developer's and the full suite at once): use NAME.2, ...
	local base=$RBLK_BUILD/tests/$name n=1 owner
	RUN_DIR=$base
	mkdir -p "$RBLK_BUILD/tests"
	exec 7>"$RBLK_BUILD/tests/.setup.lock"
	flock 7
	while :; do
		owner=$(cut -d. -f1 "$RUN_DIR/.runid" 2>/dev/null) || owner=""
		if [ -n "$owner" ] && [ "$owner" != $$ ] && kill -0 "$owner" 2>/dev/null; then
			n=$((n + 1))
			RUN_DIR=$base.$n
			continue
		fi
		break
	done
	if [ -d "$RUN_DIR" ]; then
		_vm_kill_dir "$RUN_DIR"
		rm -rf "$RUN_DIR"
	fi
	mkdir -p "$RUN_DIR"
	echo "$$.$RANDOM.$(date +%s%N)" >"$RUN_DIR/.runid"
	flock -u 7
	exec 7>&-
	export RUN_DIR
	# unix socket paths must stay short (108 bytes)
	local sock=$RUN_DIR
	if [ ${#sock} -gt 70 ]; then
		sock=$(mktemp -d /tmp/rblk-vm.XXXXXX)
	fi
	echo "$sock" >"$RUN_DIR/.sockdir"
	_vm_build_tools || return 1
	_vm_initramfs "$(vm_default_kver)" >/dev/null || return 1
	_vm_kernel_image "$(vm_default_kver)" >/dev/null
	# Watchdog: when the process that set up the run (bats-exec-file when
	# called from setup_file) exits, kill whatever VMs are left.
	# In its own session, so that killing the bats process group does not
	# take it along.
	setsid "$VM_HARNESS_DIR/vm-watchdog" $$ "$RUN_DIR" "$(cat "$RUN_DIR/.runid")" "$sock" \
		</dev/null >/dev/null 2>&1 3>&- 4>&- &
	disown $! 2>/dev/null || true
	return 0
}

_vm_need_run() {
	[ -n "${RUN_DIR:-}" ] && [ -d "$RUN_DIR" ] || {
		_vm_err "RUN_DIR not set up (call vm_setup_run in setup_file)"
		return 1
	}
}

_vm_sockdir() { cat "$RUN_DIR/.sockdir" 2>/dev/null || echo "$RUN_DIR"; }

# vm_disk NAME SIZE - create RUN_DIR/NAME.img (sparse) unless it exists;
# prints its path.
vm_disk() {
	_vm_need_run || return 1
	local name=${1:?vm_disk NAME SIZE} size=${2:?vm_disk NAME SIZE}
	local f=$RUN_DIR/$name.img
	if [ ! -e "$f" ]; then
		truncate -s "$size" "$f" || return 1
	fi
	echo "$f"
}

# Current qemu pid of a VM, if it is running.
_vm_pid() {
	local pid
	pid=$(cat "$RUN_DIR/$1.pid" 2>/dev/null) || return 1
	_vm_is_qemu "$pid" "$RUN_DIR/$1.pid" || return 1
	echo "$pid"
}

vm_is_running() { _vm_pid "$1" >/dev/null; }

# Allocate (or look up) the UDP port pair of a link and our side of it.
# Prints "LOCALPORT PEERPORT INDEX".
_vm_link_ports() {
	local link=$1 vm=$2 f=$RUN_DIR/link.$1 idx=-1 i=0 m
	(
		flock 8
		if [ ! -e "$f" ]; then
			local base tries=0
			while :; do
				base=$(( (RANDOM * 32768 + RANDOM) % 19000 * 2 + 20000 ))
				if ! _vm_udp_port_busy "$base" && ! _vm_udp_port_busy $((base + 1)) &&
					! grep -qs -e " $base\$" -e " $((base + 1))\$" "$RBLK_BUILD"/tests/*/link.*.ports 2>/dev/null; then
					break
				fi
				tries=$((tries + 1))
				[ $tries -lt 100 ] || { _vm_err "no free UDP ports"; exit 1; }
			done
			echo "ports $base" >"$f.ports.tmp"
			echo "ports $((base + 1))" >>"$f.ports.tmp"
			mv "$f.ports.tmp" "$f.ports"
			: >"$f"
		fi
		grep -qx "$vm" "$f" || echo "$vm" >>"$f"
	) 8>"$RUN_DIR/.linklock" || return 1
	while read -r m; do
		[ "$m" = "$vm" ] && idx=$i
		i=$((i + 1))
	done <"$f"
	if [ $idx -lt 0 ] || [ $idx -gt 1 ]; then
		_vm_err "link $link already connects two VMs ($(tr '\n' ' ' <"$f")); use another link"
		return 1
	fi
	local p0 p1
	p0=$(sed -n '1s/^ports //p' "$f.ports")
	p1=$(sed -n '2s/^ports //p' "$f.ports")
	if [ $idx -eq 0 ]; then echo "$p0 $p1 0"; else echo "$p1 $p0 1"; fi
}

_vm_udp_port_busy() {
	local hex
	hex=$(printf '%04X' "$1")
	grep -q ":$hex " /proc/net/udp /proc/net/udp6 2>/dev/null
}

# vm_start NAME [--disk FILE]... [--net LINK --ip ADDR/PREFIX]... [--mem MiB]
#          [--cpus N] [--kernel KVER] [--append KERNEL_ARGS] [--no-wait]
# Boots NAME and waits until its agent answers. With --no-wait it returns as
# soon as qemu runs; then call vm_wait_up NAME... (boot VMs in parallel).
vm_start() {
	_vm_need_run || return 1
	local name=${1:?vm_start NAME [options]} nowait="" a
	shift
	local -a args=()
	for a in "$@"; do
		if [ "$a" = --no-wait ]; then nowait=1; else args+=("$a"); fi
	done
	if vm_is_running "$name"; then
		_vm_err "$name is already running"
		return 1
	fi
	printf '%q ' "${args[@]}" >"$RUN_DIR/$name.args"
	echo 0 >"$RUN_DIR/$name.boots"
	_vm_boot "$name" "${args[@]}" || return 1
	[ -n "$nowait" ] || vm_wait_up "$name"
}

# vm_wait_up NAME... - wait until the agents of the VMs answer (after
# vm_start --no-wait / vm_restart --no-wait).
vm_wait_up() {
	local name rc=0 pid boot
	for name in "$@"; do
		boot=$(cat "$RUN_DIR/$name.boots")
		pid=$(cat "$RUN_DIR/$name.pid" 2>/dev/null)
		if ! "$VM_BIN/rblk-agent-client" -s "$(_vm_sockdir)/$name.agent" -n 1 -p "$pid" \
			-w "$VM_BOOT_TIMEOUT" -C / true >"$RUN_DIR/$name.boot.$boot.log" 2>&1; then
			_vm_err "$name did not come up within ${VM_BOOT_TIMEOUT}s (boot $boot):"
			cat "$RUN_DIR/$name.boot.$boot.log" >&2
			echo "--- console tail ($RUN_DIR/$name.console.$boot.log):" >&2
			tail -n 40 "$RUN_DIR/$name.console.$boot.log" >&2
			if [ -s "$RUN_DIR/$name.qemu.$boot.log" ]; then
				echo "--- qemu output ($RUN_DIR/$name.qemu.$boot.log):" >&2
				tail -n 20 "$RUN_DIR/$name.qemu.$boot.log" >&2
			fi
			rc=1
			continue
		fi
		local t0 now
		t0=$(cat "$RUN_DIR/$name.started" 2>/dev/null || echo 0)
		now=$(date +%s%N)
		echo "$name: up after $(( (now - t0) / 1000000 )) ms (boot $boot, kernel $(cat "$RUN_DIR/$name.kver"))" \
			>>"$RUN_DIR/boot-times.log"
	done
	return $rc
}

# vm_restart NAME [--no-wait] - boot NAME again with the options of its
# vm_start (same disks, links, ports), e.g. after vm_kill or vm_stop.
vm_restart() {
	_vm_need_run || return 1
	local name=${1:?vm_restart NAME}
	[ -e "$RUN_DIR/$name.args" ] || { _vm_err "unknown VM $name"; return 1; }
	if vm_is_running "$name"; then
		_vm_err "$name still running, killing it before restart"
		vm_kill "$name"
	fi
	local args
	args=$(cat "$RUN_DIR/$name.args")
	eval "_vm_boot \"\$name\" $args" || return 1
	[ "${2:-}" = --no-wait ] || vm_wait_up "$name"
}

_vm_boot() {
	local name=$1
	shift
	local disks=() nets=() ips=() mem=$VM_MEM cpus=$VM_CPUS kver extra=""
	kver=$(vm_default_kver)
	while [ $# -gt 0 ]; do
		case "$1" in
		--disk) disks+=("$2"); shift 2 ;;
		--net) nets+=("$2"); ips+=(""); shift 2 ;;
		--ip)
			[ ${#nets[@]} -gt 0 ] || { _vm_err "--ip must follow --net"; return 1; }
			ips[${#nets[@]} - 1]=$2
			shift 2 ;;
		--mem) mem=$2; shift 2 ;;
		--cpus) cpus=$2; shift 2 ;;
		--kernel) kver=$2; shift 2 ;;
		--append) extra="$extra $2"; shift 2 ;;
		*) _vm_err "vm_start: unknown option $1"; return 1 ;;
		esac
	done
	local kernel initrd
	[ -r "/boot/vmlinuz-$kver" ] || { _vm_err "no kernel /boot/vmlinuz-$kver"; return 1; }
	[ -d "/lib/modules/$kver" ] || { _vm_err "no /lib/modules/$kver"; return 1; }
	_vm_build_tools || return 1
	initrd=$(_vm_initramfs "$kver") || return 1
	kernel=$(_vm_kernel_image "$kver")

	local boot sockdir accel
	boot=$(( $(cat "$RUN_DIR/$name.boots" 2>/dev/null || echo 0) + 1 ))
	echo "$boot" >"$RUN_DIR/$name.boots"
	echo "$kver" >"$RUN_DIR/$name.kver"
	sockdir=$(_vm_sockdir)
	case "${RBLK_ACCEL:-tcg}" in
	kvm) accel="-accel kvm -cpu host" ;;
	*) accel="-accel tcg,thread=multi -cpu $VM_QEMU_CPU" ;;
	esac

	local -a q=(
		qemu-system-x86_64 -name "$name,debug-threads=on"
		-M pc $accel -m "$mem" -smp "$cpus"
		-nodefaults -display none -no-reboot
		-kernel "$kernel" -initrd "$initrd"
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap
		-virtfs local,path=/usr,mount_tag=hostusr,security_model=none,readonly=on,multidevs=remap
		-device virtio-rng-pci
		-chardev "file,id=con,path=$RUN_DIR/$name.console.$boot.log"
		-serial chardev:con
		-monitor "unix:$sockdir/$name.mon,server=on,wait=off"
		-device virtio-serial-pci,id=vser
		-pidfile "$RUN_DIR/$name.pid"
	)
	local i
	for ((i = 0; i < VM_NPORTS; i++)); do
		rm -f "$sockdir/$name.agent.$i.sock"
		q+=(-chardev "socket,id=ag$i,path=$sockdir/$name.agent.$i.sock,server=on,wait=off"
			-device "virtserialport,bus=vser.0,chardev=ag$i,name=rblk.agent.$i")
	done
	# event_idx=off: every completion interrupts (unless the guest is
	# collecting them). A completion interrupt can be lost under TCG
	# (tests/README.md, "A lost interrupt"); with event_idx no later one
	# comes, and the guest's reads of each disk every 5 s (guest-init)
	# could not collect what was lost.
	local d serial
	for i in "${!disks[@]}"; do
		d=${disks[$i]}
		[ -e "$d" ] || { _vm_err "disk $d does not exist (use vm_disk)"; return 1; }
		serial=$(basename "$d"); serial=${serial%.img}; serial=${serial:0:20}
		q+=(-drive "file=$d,format=raw,if=none,id=d$i,cache=$VM_DISK_CACHE,aio=threads"
			-device "virtio-blk-pci,drive=d$i,serial=$serial,event_idx=off")
	done
	local netspec="" lp pp idx mac h
	for i in "${!nets[@]}"; do
		read -r lp pp idx < <(_vm_link_ports "${nets[$i]}" "$name") || return 1
		[ -n "$lp" ] || return 1
		h=$(printf '%s' "${nets[$i]}" | cksum | cut -d' ' -f1)
		mac=$(printf '52:54:%02x:%02x:%02x:%02x' "$i" $(( (h >> 8) & 255 )) $(( h & 255 )) $((idx + 1)))
		q+=(-netdev "socket,id=n$i,udp=127.0.0.1:$pp,localaddr=127.0.0.1:$lp"
			-device "virtio-net-pci,netdev=n$i,mac=$mac,event_idx=off")
		netspec="$netspec${netspec:+,}eth$i@$mac@${ips[$i]:-none}"
	done
	local cmdline="console=ttyS0 panic=-1 loglevel=$VM_LOGLEVEL sysrq_always_enabled=1"
	cmdline+=" sysctl.kernel.hung_task_timeout_secs=$VM_HUNG_TASK_SECS"
	cmdline+=" mitigations=off random.trust_cpu=on audit=0 tsc=reliable no_timer_check"
	# TCG on a loaded host can starve a vCPU for a while: report soft lockups
	# and RCU stalls only after 60 s instead of ~20 s
	cmdline+=" watchdog_thresh=30 rcupdate.rcu_cpu_stall_timeout=60"
	# A KASAN kernel gets 4-level paging although the "max" CPU has LA57: with
	# LA57, KASAN's idea of where kernel memory starts follows the CPU's LA57
	# feature bit, which identify_cpu() clears for a moment late in
	# start_kernel() with interrupts on; an interrupt in that window gets a
	# false "wild-memory-access" report on its irq_desc lock (6.1, some boots).
	# On the command line, not CONFIG_CMDLINE: the decompressor chooses the
	# paging mode and reads only the boot loader's line.
	if grep -qx 'CONFIG_KASAN=y' "/boot/config-$kver" 2>/dev/null; then
		cmdline+=" no5lvl"
	fi
	cmdline+=" rblk.init=$VM_HARNESS_DIR/guest-init rblk.agent=$VM_BIN/rblk-agent"
	cmdline+=" rblk.hostname=$name"
	[ "$VM_USR_CACHE" = none ] || cmdline+=" rblk.usrcache=$VM_USR_CACHE"
	[ -z "$netspec" ] || cmdline+=" rblk.net=$netspec"
	cmdline+="$extra"
	q+=(-append "$cmdline")

	printf '%q ' "${q[@]}" >"$RUN_DIR/$name.cmdline"
	echo >>"$RUN_DIR/$name.cmdline"
	rm -f "$RUN_DIR/$name.pid"
	date +%s%N >"$RUN_DIR/$name.started"
	# Not -daemonize: that would send qemu's later error messages (e.g. an
	# assertion) to /dev/null. setsid keeps ^C of the terminal away from it;
	# the harness kills it.
	setsid "${q[@]}" </dev/null >"$RUN_DIR/$name.qemu.$boot.log" 2>&1 3>&- 4>&- &
	local qpid=$! i pid why="did not start within 30 s"
	disown "$qpid" 2>/dev/null || true
	for ((i = 0; i < 600; i++)); do
		pid=$(cat "$RUN_DIR/$name.pid" 2>/dev/null) || pid=""
		if [ -n "$pid" ]; then
			if ! _vm_is_qemu "$pid" "$RUN_DIR/$name.pid"; then
				why="exited"
				break
			fi
			[ ! -S "$sockdir/$name.agent.$((VM_NPORTS - 1)).sock" ] || return 0
		elif [ $i -ge 20 ] && ! kill -0 "$qpid" 2>/dev/null; then
			why="exited before writing its pid file"
			break
		fi
		sleep 0.05
	done
	_vm_err "qemu for $name $why; its output:"
	cat "$RUN_DIR/$name.qemu.$boot.log" >&2
	[ -z "$pid" ] || kill -9 "$pid" 2>/dev/null || true
	kill -9 "$qpid" 2>/dev/null || true
	return 1
}

# vm_run NAME CMD... - run CMD (joined with spaces) with sh -c in the guest
# as root, cwd = repo root. Prints stdout+stderr, returns the exit status
# (124 on VM_TIMEOUT, 255 if the VM died / is not running).
vm_run() {
	local name=${1:?vm_run NAME CMD...}
	shift
	local pid
	pid=$(_vm_pid "$name") || { echo "vm: $name is not running" >&2; return 255; }
	"$VM_BIN/rblk-agent-client" -s "$(_vm_sockdir)/$name.agent" -n "$VM_NPORTS" -m \
		-w "${VM_SYNC_TIMEOUT:-60}" -t "$VM_TIMEOUT" -H "$VM_HEARTBEAT_TIMEOUT" \
		-p "$pid" -C "$RBLK_REPO" -- "$*" 2>&1
}

# vm_run_split NAME CMD... - like vm_run but stdout and stderr stay separate.
vm_run_split() {
	local name=${1:?vm_run_split NAME CMD...}
	shift
	local pid
	pid=$(_vm_pid "$name") || { echo "vm: $name is not running" >&2; return 255; }
	"$VM_BIN/rblk-agent-client" -s "$(_vm_sockdir)/$name.agent" -n "$VM_NPORTS" \
		-w "${VM_SYNC_TIMEOUT:-60}" -t "$VM_TIMEOUT" -H "$VM_HEARTBEAT_TIMEOUT" \
		-p "$pid" -C "$RBLK_REPO" -- "$*"
}

# vm_wait NAME TIMEOUT CMD... - poll CMD every 0.2 s until it succeeds.
# TIMEOUT is multiplied by VM_TIME_SCALE (an integer, default 1).
vm_wait() {
	local name=${1:?vm_wait NAME TIMEOUT CMD...} timeout=${2:?vm_wait NAME TIMEOUT CMD...}
	shift 2
	timeout=$((timeout * VM_TIME_SCALE))
	local deadline out rc
	deadline=$(( $(date +%s%N) / 1000000 + timeout * 1000 ))
	while :; do
		rc=0
		out=$(VM_TIMEOUT=$((timeout > 0 ? timeout : 1)) vm_run "$name" "$@") || rc=$?
		[ $rc -ne 0 ] || return 0
		if ! vm_is_running "$name"; then
			echo "vm_wait: $name is not running"
			printf '%s\n' "$out"
			return 1
		fi
		if [ $(( $(date +%s%N) / 1000000 )) -ge $deadline ]; then
			echo "vm_wait: '$*' on $name still failing after ${timeout}s (status $rc), last output:"
			printf '%s\n' "$out"
			return 1
		fi
		sleep 0.2
	done
}

# _vm_wait_gone PID PIDFILE TIMEOUT
_vm_wait_gone() {
	local pid=$1 pidfile=$2 tmo=${3:-10} i
	for ((i = 0; i < tmo * 20; i++)); do
		_vm_is_qemu "$pid" "$pidfile" || return 0
		sleep 0.05
	done
	return 1
}

# vm_kill NAME - power cut: SIGKILL qemu and wait until it is gone.
vm_kill() {
	local name=${1:?vm_kill NAME} pid
	pid=$(_vm_pid "$name") || return 0
	kill -9 "$pid" 2>/dev/null || true
	_vm_wait_gone "$pid" "$RUN_DIR/$name.pid" 10 || { _vm_err "qemu $pid of $name did not die"; return 1; }
}

# vm_stop NAME - clean shutdown: unmount disk filesystems, sync, power off;
# SIGKILL after VM_STOP_TIMEOUT.
vm_stop() {
	local name=${1:?vm_stop NAME} pid
	pid=$(_vm_pid "$name") || return 0
	VM_TIMEOUT=$VM_STOP_TIMEOUT vm_run "$name" \
		'sync; awk '\''$1 ~ "^/dev/" {print $2}'\'' /proc/mounts | sort -r | while read -r m; do umount "$m"; done; sync; echo o >/proc/sysrq-trigger' \
		>/dev/null 2>&1 || true
	if ! _vm_wait_gone "$pid" "$RUN_DIR/$name.pid" "$VM_STOP_TIMEOUT"; then
		_vm_err "$name did not power off in ${VM_STOP_TIMEOUT}s, killing it"
		vm_kill "$name"
	fi
}

# vm_dmesg NAME - print the guest's kernel log.
vm_dmesg() {
	local name=${1:?vm_dmesg NAME}
	VM_TIMEOUT=60 vm_run "$name" dmesg
}

# vm_console NAME [BOOT] - print the console log of a boot (default: last).
vm_console() {
	local name=${1:?vm_console NAME [BOOT]} boot=${2:-}
	[ -n "$boot" ] || boot=$(cat "$RUN_DIR/$name.boots" 2>/dev/null || echo 1)
	cat "$RUN_DIR/$name.console.$boot.log"
}

_vm_scan() {
	# _vm_scan LABEL FILE [OFFSET] - print findings, return 1 if any
	local label=$1 f=$2 off=${3:-0} hits
	[ -s "$f" ] || return 0
	hits=$(tail -c +$((off + 1)) "$f" | tr -d '\r' | grep -a -n -E "$VM_BAD_KERNEL_RE" |
		{ if [ -n "$VM_CHECK_IGNORE" ]; then grep -a -v -E "$VM_CHECK_IGNORE"; else cat; fi; } |
		cut -d: -f1) || true
	[ -n "$hits" ] || return 0
	echo "=== $label: bad kernel messages ==="
	local first
	first=$(echo "$hits" | head -n1)
	tail -c +$((off + 1)) "$f" | tr -d '\r' |
		sed -n "$((first > 5 ? first - 5 : 1)),$((first + 60))p"
	local n
	n=$(echo "$hits" | wc -l)
	[ "$n" -le 1 ] || echo "... ($n matching lines in total)"
	return 1
}

# vm_check_kernel NAME - fail (1) and print the offending lines if the console
# logs of any boot of NAME or its current dmesg show warnings, BUGs, oopses,
# lockdep/RCU reports, hung tasks or call traces.
vm_check_kernel() {
	_vm_need_run || return 1
	local name=${1:?vm_check_kernel NAME} rc=0 f boot off
	for f in "$RUN_DIR/$name".console.*.log; do
		[ -e "$f" ] || continue
		boot=${f%.log}; boot=${boot##*.}
		off=$(cat "$RUN_DIR/$name.ack.$boot" 2>/dev/null || echo 0)
		_vm_scan "$name console (boot $boot)" "$f" "$off" || rc=1
	done
	for f in "$RUN_DIR/$name".kmemleak.*.txt; do
		[ -e "$f" ] || continue
		boot=${f%.txt}; boot=${boot##*.}
		_vm_scan "$name kmemleak (boot $boot)" "$f" || rc=1
	done
	if vm_is_running "$name"; then
		boot=$(cat "$RUN_DIR/$name.boots")
		if vm_dmesg "$name" >"$RUN_DIR/$name.dmesg.$boot.txt" 2>&1; then
			_vm_scan "$name dmesg (boot $boot)" "$RUN_DIR/$name.dmesg.$boot.txt" || rc=1
		fi
	fi
	return $rc
}

# vm_kernel_ack NAME - accept all kernel messages logged so far (for tests
# that provoke warnings on purpose): later vm_check_kernel calls only look at
# what comes after. Clears the guest's dmesg buffer.
vm_kernel_ack() {
	local name=${1:?vm_kernel_ack NAME} f boot
	if vm_is_running "$name"; then
		vm_run "$name" 'dmesg -C' >/dev/null || return 1
		# let the console catch up with the kernel log
		sleep 0.2
	fi
	for f in "$RUN_DIR/$name".console.*.log; do
		[ -e "$f" ] || continue
		boot=${f%.log}; boot=${boot##*.}
		stat -c %s "$f" >"$RUN_DIR/$name.ack.$boot"
	done
}

# vm_names - the VMs started in this run.
vm_names() {
	local f
	for f in "$RUN_DIR"/*.args; do
		[ -e "$f" ] || continue
		f=${f##*/}
		echo "${f%.args}"
	done
}

# _vm_fail_diag NAME FILE - what a failed test leaves in a running guest,
# into FILE: the tasks in uninterruptible sleep with their kernel stacks
# (a hang), the requests in flight on rblk and its disks, rblk's status,
# and after a line "--- dmesg" the kernel log.
_vm_fail_diag() {
	VM_TIMEOUT=30 vm_run "$1" '
		for s in /proc/[0-9]*/status; do
			grep -q "^State:.*(disk sleep)" "$s" 2>/dev/null || continue
			p=${s%/status}
			echo "in D state: $(cat "$p/comm" 2>/dev/null) (pid ${p#/proc/})"
			sed "s/^/  /" "$p/stack" 2>/dev/null | head -n 14
		done
		for d in /sys/block/rblk* /sys/block/vd*; do
			[ -e "$d/inflight" ] && echo "${d##*/} in flight (reads writes): $(cat "$d/inflight")"
		done
		[ ! -e /sys/module/rblk ] || timeout 10 '"${RBLKADM:-user/rblkadm}"' status 2>&1 | head -n 24
		echo "--- dmesg"
		dmesg' >"$2" 2>&1
}

# vm_teardown - call from teardown(): remembers failed tests so that
# vm_teardown_all keeps the logs, and prints what each guest shows of the
# failure (all of it in RUN_DIR/NAME.fail.K.txt): hung tasks, requests in
# flight, rblk's status and its last kernel messages; a dead guest's
# console.
vm_teardown() {
	[ -n "${RUN_DIR:-}" ] && [ -d "$RUN_DIR" ] || return 0
	if [ -z "${BATS_TEST_COMPLETED:-}" ]; then
		echo "${BATS_TEST_DESCRIPTION:-?}" >>"$RUN_DIR/.failed"
		local n k f
		k=$(wc -l <"$RUN_DIR/.failed")
		for n in $(vm_names); do
			if ! vm_is_running "$n"; then
				echo "--- $n is not running; its console's tail (full logs in $RUN_DIR):"
				tail -n 20 "$RUN_DIR/$n.console.$(cat "$RUN_DIR/$n.boots").log" 2>/dev/null
				continue
			fi
			f=$RUN_DIR/$n.fail.$k.txt
			_vm_fail_diag "$n" "$f" || true
			echo "--- $n after the failure (all of it in $f):"
			sed '/^--- dmesg$/,$d' "$f" | head -n 60
			sed '1,/^--- dmesg$/d' "$f" | grep -E 'rblk|WARNING|BUG|blocked for' |
				grep -vE 'rblk_agent|rblk-agent' | tail -n 15
		done
	fi
	return 0
}

# Every VM test file's teardown unless it defines its own (which then
# calls vm_teardown itself).
teardown() {
	vm_teardown
}

# _vm_kmemleak NAME - on a kernel with kmemleak (CONFIG_DEBUG_KMEMLEAK=y in
# /boot/config-KVER: the debug kernel, not Debian's), scan the running
# guest's memory for leaks now and save the report (the "unreferenced
# object" entries) in RUN_DIR/NAME.kmemleak.BOOT.txt, which vm_check_kernel
# scans. Nothing is reported for objects younger than 5 s: the scan runs
# after a short wait.
_vm_kmemleak() {
	local name=$1 kver boot
	kver=$(cat "$RUN_DIR/$name.kver" 2>/dev/null) || return 0
	grep -qx 'CONFIG_DEBUG_KMEMLEAK=y' "/boot/config-$kver" 2>/dev/null || return 0
	vm_is_running "$name" || return 0
	boot=$(cat "$RUN_DIR/$name.boots")
	VM_TIMEOUT=${VM_KMEMLEAK_TIMEOUT:-600} vm_run "$name" \
		'f=/sys/kernel/debug/kmemleak
		[ -e $f ] || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
		[ -w $f ] || { echo "kmemleak: no $f" >&2; exit 0; }
		sleep 6; echo scan >$f && sleep 1 && echo scan >$f && cat $f' \
		>"$RUN_DIR/$name.kmemleak.$boot.txt" 2>&1 || true
}

# vm_teardown_all - for teardown_file: check all kernels, stop all VMs,
# remove RUN_DIR if everything passed (unless VM_KEEP is set).
vm_teardown_all() {
	[ -n "${RUN_DIR:-}" ] && [ -d "$RUN_DIR" ] || return 0
	local rc=0 n pids=()
	for n in $(vm_names); do
		_vm_kmemleak "$n" &
		pids+=($!)
	done
	[ ${#pids[@]} -eq 0 ] || wait "${pids[@]}"
	for n in $(vm_names); do
		vm_check_kernel "$n" || rc=1
	done
	for n in $(vm_names); do
		vm_kill "$n" || rc=1
	done
	if [ $rc -ne 0 ]; then
		echo "vm: kernel problems found; logs kept in $RUN_DIR" >&2
	fi
	local sock
	sock=$(_vm_sockdir)
	if [ $rc -eq 0 ] && [ ! -e "$RUN_DIR/.failed" ] && [ "${bats_exec_file_status:-0}" = 0 ] &&
		[ -z "${VM_KEEP:-}" ]; then
		rm -rf "$RUN_DIR"
	else
		rm -f "$RUN_DIR"/*.img.tmp
		[ $rc -ne 0 ] || echo "vm: logs kept in $RUN_DIR" >&2
	fi
	[ "$sock" = "$RUN_DIR" ] || rm -rf "$sock"
	return $rc
}

# vm_link NAME up|down [IFACE] - set the guest's interface (default eth0)
# up or down.
vm_link() {
	local name=${1:?vm_link NAME up|down [IFACE]} state=${2:?vm_link NAME up|down [IFACE]}
	local ifc=${3:-eth0}
	case "$state" in up | down) ;; *) _vm_err "vm_link: up or down"; return 1 ;; esac
	vm_run "$name" "ip link set dev $ifc $state"
}

# vm_netem NAME IFACE NETEM_ARGS... - e.g. vm_netem n1 eth0 delay 50ms loss 1%;
# vm_netem NAME IFACE off - remove it.
vm_netem() {
	local name=${1:?vm_netem NAME IFACE ARGS...} ifc=${2:?vm_netem NAME IFACE ARGS...}
	shift 2
	if [ "${1:-}" = off ]; then
		vm_run "$name" "tc qdisc del dev $ifc root 2>/dev/null; true"
	else
		vm_run "$name" "modprobe sch_netem && tc qdisc replace dev $ifc root netem $*"
	fi
}

# vm_shell NAME - interactive shell (bash on a pty) in a running guest.
vm_shell() {
	local name=${1:?vm_shell NAME} pid
	pid=$(_vm_pid "$name") || { _vm_err "$name is not running"; return 1; }
	"$VM_BIN/rblk-agent-client" -s "$(_vm_sockdir)/$name.agent" -n "$VM_NPORTS" -T \
		-p "$pid" -C "$RBLK_REPO" -- 'exec bash -l -i'
}

# vm_monitor NAME HMP-COMMAND - send a command to the qemu monitor
# (e.g. "sendkey alt-sysrq-t") and print the answer.
vm_monitor() {
	local name=${1:?vm_monitor NAME CMD} cmd=${2:?vm_monitor NAME CMD}
	python3 - "$(_vm_sockdir)/$name.mon" "$cmd" <<'EOF'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(2)
def drain():
    data = b""
    try:
        while not data.endswith(b"(qemu) "):
            d = s.recv(65536)
            if not d:
                break
            data += d
    except socket.timeout:
        pass
    return data
drain()
s.sendall(sys.argv[2].encode() + b"\n")
out = drain().decode(errors="replace").replace("\r", "")
lines = out.split("\n")[1:]
print("\n".join(l for l in lines if not l.startswith("(qemu)")))
EOF
}
