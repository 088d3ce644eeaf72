#!/usr/bin/env bats
# SPDX-License-Identifier: (GPL-2.0 OR MIT)
# conf/rblkadm.bash-completion: commands, a command's options and the
# resources of the configuration, all read from rblkadm itself.

load helper

setup() {
	build_rblkadm
	PATH=$(dirname "$RBLKADM"):$PATH
	# shellcheck source=../../conf/rblkadm.bash-completion
	source "$BATS_DIR/../../conf/rblkadm.bash-completion"
}

# complete WORD...: COMPREPLY for the command line WORD..., the last word
# being completed, one per line.
complete_line() {
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMPREPLY=()
	_rblkadm
	printf '%s\n' "${COMPREPLY[@]}"
}

@test "completion: commands" {
	run complete_line rblkadm pri
	[ "$output" = primary ]
	run complete_line rblkadm wait-
	[ "$output" = "$(printf 'wait-connect\nwait-sync')" ]
}

@test "completion: a command's options, from its usage line" {
	run complete_line rblkadm verify --
	[ "$output" = "$(printf -- '--start\n--stop\n--repair\n--wait')" ]
	run complete_line rblkadm status --j
	[ "$output" = --json ]
}

@test "completion: the resources of the configuration given with -c, and all" {
	run complete_line rblkadm -c "$FIXTURES/full.res" --node pg1 up ""
	[ "$output" = "$(printf 'all\npg\next')" ]
	run complete_line rblkadm -c "$FIXTURES/full.res" --node pg1 down e
	[ "$output" = ext ]
}

@test "completion: --config=FILE, and helper completes RES after EVENT only" {
	run complete_line rblkadm --config="$FIXTURES/full.res" --node=pg1 status p
	[ "$output" = pg ]
	run complete_line rblkadm -c "$FIXTURES/full.res" -n pg1 helper ""
	[ -z "$output" ]
	run complete_line rblkadm -c "$FIXTURES/full.res" -n pg1 helper fence-peer e
	[ "$output" = ext ]
}
