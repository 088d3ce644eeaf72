# SPDX-License-Identifier: (GPL-2.0 OR MIT)
# rblk helpers for VM tests, on top of vm.bash. Commands run in the guest
# with the repository root as working directory.

# The module built for the guest's running kernel.
RBLK_KO='$(k=$(uname -r); m=build/kmod-$k/rblk.ko; [ -f "$m" ] || m=kmod/rblk.ko; echo "$m")'
RBLKADM=user/rblkadm

rblk_load() {
	vm_run "$1" "insmod $RBLK_KO"
}

rblk_unload() {
	vm_run "$1" "rmmod rblk"
}

# Guest command: md5 of a whole block device.
md5_of() {
	echo "md5sum < $1 | cut -d' ' -f1"
}

# Assert that $output contains the fixed string $1.
assert_output_has() {
	if [[ "$output" != *"$1"* ]]; then
		echo "expected output to contain: $1" >&2
		echo "actual output: $output" >&2
		return 1
	fi
}

assert_status() {
	if [ "$status" -ne "$1" ]; then
		echo "expected exit status $1, got $status; output: $output" >&2
		return 1
	fi
}
