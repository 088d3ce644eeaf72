/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * Automatic split brain recovery: given the after-sb policies and what
 * each side knows of itself and its peer, which side's changes are thrown
 * away (it becomes SyncTarget), or none (the connection is refused). Both
 * nodes run this with themselves as "local" and must reach mirror
 * verdicts; tests/unit/gi_test.c checks every policy from both sides.
 *
 * Pure static inline code: compiled into rblk.ko and the unit tests.
 */
#ifndef RBLK_SPLITBRAIN_H
#define RBLK_SPLITBRAIN_H

#include "genl.h"
#include "types.h"

struct rblk_sb_side {
	bool primary;			/* Primary now */
	bool lost_as_primary;		/* was Primary when the peer went away */
	bool discard_my_data;		/* connect --discard-my-data */
	u64 changes;			/* blocks set in its bitmap */
};

enum rblk_sb_verdict {
	RBLK_SB_REFUSE,
	RBLK_SB_LOCAL_LOSES,
	RBLK_SB_PEER_LOSES,
	RBLK_SB_PRI_LOST,	/* refused; this Primary lost: pri-lost-after-sb
				 * (the peer sees RBLK_SB_REFUSE) */
};

static inline enum rblk_sb_verdict rblk_sb_who(bool local_loses)
{
	return local_loses ? RBLK_SB_LOCAL_LOSES : RBLK_SB_PEER_LOSES;
}

/* after-sb-0pri, also the basis of 1pri consensus. */
static inline enum rblk_sb_verdict
rblk_sb_0pri(unsigned int policy, const struct rblk_sb_side *l,
	     const struct rblk_sb_side *p, bool local_wins_ties)
{
	switch (policy) {
	case RBLK_ASB_DISCARD_YOUNGER_PRI:
	case RBLK_ASB_DISCARD_OLDER_PRI:
		if (l->lost_as_primary == p->lost_as_primary)
			return RBLK_SB_REFUSE;
		/* Younger: the one that was not Primary at the split. */
		return rblk_sb_who((policy == RBLK_ASB_DISCARD_YOUNGER_PRI) !=
				   l->lost_as_primary);
	case RBLK_ASB_DISCARD_ZERO_CHANGES:
		if (l->changes && p->changes)
			return RBLK_SB_REFUSE;
		if (!l->changes && !p->changes)
			return rblk_sb_who(!local_wins_ties);
		return rblk_sb_who(!l->changes);
	case RBLK_ASB_DISCARD_LEAST_CHANGES:
		if (l->changes == p->changes)
			return rblk_sb_who(!local_wins_ties);
		return rblk_sb_who(l->changes < p->changes);
	case RBLK_ASB_DISCARD_LOCAL:
		return RBLK_SB_LOCAL_LOSES;
	case RBLK_ASB_DISCARD_REMOTE:
		return RBLK_SB_PEER_LOSES;
	default:
		return RBLK_SB_REFUSE;
	}
}

/*
 * The verdict. An explicit --discard-my-data on exactly one side decides
 * first; then the policy for the number of Primaries. A Primary never
 * loses (it cannot become SyncTarget): such a verdict is a refusal.
 */
static inline enum rblk_sb_verdict
rblk_sb_resolve(const unsigned int policy[3], const struct rblk_sb_side *l,
		const struct rblk_sb_side *p, bool local_wins_ties)
{
	enum rblk_sb_verdict v = RBLK_SB_REFUSE;
	int primaries = l->primary + p->primary;

	if (l->discard_my_data != p->discard_my_data)
		v = rblk_sb_who(l->discard_my_data);
	else if (l->discard_my_data)
		return RBLK_SB_REFUSE;
	else if (primaries == 0)
		v = rblk_sb_0pri(policy[0], l, p, local_wins_ties);
	else if (primaries == 1 && policy[1] == RBLK_ASB_DISCARD_SECONDARY)
		v = rblk_sb_who(!l->primary);
	else if (primaries == 1 && policy[1] == RBLK_ASB_CONSENSUS) {
		v = rblk_sb_0pri(policy[0], l, p, local_wins_ties);
		if (v != rblk_sb_who(!l->primary))
			v = RBLK_SB_REFUSE;
	} else if (primaries == 1 &&
		   policy[1] == RBLK_ASB_CALL_PRI_LOST_AFTER_SB) {
		/*
		 * DRBD demotes the losing Primary first; a Primary in use
		 * cannot be demoted from here, so it is refused, and told.
		 */
		v = rblk_sb_0pri(policy[0], l, p, local_wins_ties);
		if (v == rblk_sb_who(l->primary))
			return l->primary ? RBLK_SB_PRI_LOST : RBLK_SB_REFUSE;
	}
	if ((v == RBLK_SB_LOCAL_LOSES && l->primary) ||
	    (v == RBLK_SB_PEER_LOSES && p->primary))
		return RBLK_SB_REFUSE;
	return v;
}

#endif /* RBLK_SPLITBRAIN_H */
