#!/usr/bin/env bats
# SPDX-License-Identifier: (GPL-2.0 OR MIT)
# The test files themselves: no assertion that cannot fail
# (tests/tools/lint-bats.py says why).

@test "no bats assertion is an && chain or a ! that errexit ignores" {
	cd "$BATS_TEST_DIRNAME/../.."
	run python3 tests/tools/lint-bats.py tests/*/*.bats
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "the lint finds both kinds" {
	printf '@test "x" {\n\t[ 1 = 1 ] && [ 2 = 2 ]\n\t! true\n\ttrue\n}\n' >"$BATS_TEST_TMPDIR/t.bats"
	run python3 "$BATS_TEST_DIRNAME/../tools/lint-bats.py" "$BATS_TEST_TMPDIR/t.bats"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" == *":2: [ 1 = 1 ] && [ 2 = 2 ]" ]]
	[[ "${lines[1]}" == *":3: ! true" ]]
}
