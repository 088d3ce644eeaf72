// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The fence-peer handler's exit codes (include/rblk/fence.h): every code
 * from -1 (no result) to 255, with an UpToDate disk and without. Only
 * 3, 4, 7, and 5 with an UpToDate disk say the peer is outdated.
 */
#include <rblk/fence.h>

#include "test.h"

int main(void)
{
	int e, up;

	for (up = 0; up <= 1; up++) {
		for (e = RBLK_FENCE_NO_RESULT; e <= 255; e++) {
			enum rblk_fence_outcome o = rblk_fence_outcome(e, up);
			enum rblk_fence_outcome want;

			if (e == 3 || e == 4 || e == 7 || (e == 5 && up))
				want = RBLK_FENCE_PEER_OUTDATED;
			else if (e == 5)
				want = RBLK_FENCE_NOTHING_KNOWN;
			else if (e == 6)
				want = RBLK_FENCE_PEER_PRIMARY;
			else
				want = RBLK_FENCE_BROKEN;
			CHECK(o == want, "exit %d, disk %s: outcome %d, want %d",
			      e, up ? "UpToDate" : "not UpToDate", o, want);
		}
	}
	/* A timeout (124, as timeout(1)) and a signal (128 + n) are broken. */
	CHECK(rblk_fence_outcome(124, true) == RBLK_FENCE_BROKEN, "124");
	CHECK(rblk_fence_outcome(137, true) == RBLK_FENCE_BROKEN, "137");
	CHECK(rblk_fence_outcome(0, true) == RBLK_FENCE_BROKEN, "0 is not a fence result");
	CHECK_STR(rblk_fence_exit_name(4), "peer outdated");
	CHECK_STR(rblk_fence_exit_name(6), "peer is Primary");
	CHECK_STR(rblk_fence_exit_name(RBLK_FENCE_NO_RESULT), "no result");
	CHECK_STR(rblk_fence_exit_name(1), "handler broken");
	TEST_DONE();
}
