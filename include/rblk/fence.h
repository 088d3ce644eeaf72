/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * What a Primary that lost its peer makes of the fence-peer handler's
 * exit code (disk { fencing }), by DRBD 8.4's convention, so that the
 * same handler scripts work:
 *
 *   3  the peer's disk is Inconsistent    -> the peer is outdated
 *   4  the peer was outdated              -> the peer is outdated
 *   5  the peer is down or unreachable    -> outdated if our disk is
 *                                            UpToDate, else nothing known
 *   6  the peer is Primary                -> a split brain is under way
 *   7  the peer was fenced by STONITH     -> the peer is outdated (with
 *                                            resource-only: said, but taken)
 *   anything else, or no result in time   -> the handler is broken
 *
 * Only "the peer is outdated" lets a frozen Primary go on; every other
 * outcome leaves the decision to the operator (docs/ocf.md).
 *
 * Pure static inline code: compiled into rblk.ko and the unit tests.
 */
#ifndef RBLK_FENCE_H
#define RBLK_FENCE_H

#include "types.h"

/* An exit status, or this: the handler gave no result (timeout, exec). */
#define RBLK_FENCE_NO_RESULT	(-1)

enum rblk_fence_outcome {
	RBLK_FENCE_PEER_OUTDATED,
	RBLK_FENCE_NOTHING_KNOWN,	/* 5 with a disk that is not UpToDate */
	RBLK_FENCE_PEER_PRIMARY,	/* 6 */
	RBLK_FENCE_BROKEN,
};

static inline enum rblk_fence_outcome
rblk_fence_outcome(int exit, bool disk_uptodate)
{
	switch (exit) {
	case 3:
	case 4:
	case 7:
		return RBLK_FENCE_PEER_OUTDATED;
	case 5:
		return disk_uptodate ? RBLK_FENCE_PEER_OUTDATED :
				       RBLK_FENCE_NOTHING_KNOWN;
	case 6:
		return RBLK_FENCE_PEER_PRIMARY;
	default:
		return RBLK_FENCE_BROKEN;
	}
}

/* For the log and for 'rblkadm status': what the exit code means. */
static inline const char *rblk_fence_exit_name(int exit)
{
	switch (exit) {
	case RBLK_FENCE_NO_RESULT: return "no result";
	case 3: return "peer Inconsistent";
	case 4: return "peer outdated";
	case 5: return "peer unreachable";
	case 6: return "peer is Primary";
	case 7: return "peer fenced by STONITH";
	default: return "handler broken";
	}
}

#endif /* RBLK_FENCE_H */
