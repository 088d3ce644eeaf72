/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * Generation identifiers (GI): which data a disk holds, and what to do when
 * two disks meet.
 *
 * Every disk carries four 64-bit UUIDs:
 *   current   the generation the data is in now
 *   bitmap    the generation the write-intent bitmap counts changes from
 *             (0 = the bitmap is empty: in sync with the peer)
 *   history0, history1   older generations, newest first
 * and flags (RBLK_MDF_*). A new current UUID is made whenever data starts
 * to diverge from the peer; rblk_gi_compare() decides at connect time by
 * matching one side's current UUID against the other side's set. The
 * rules are numbered; docs/generations.md has them as a table and
 * tests/unit/gi_test.c tests every row.
 *
 * Pure static inline code: compiled into rblk.ko and rblkadm alike.
 */
#ifndef RBLK_GI_H
#define RBLK_GI_H

#include "types.h"

enum rblk_uuid_index {
	RBLK_UI_CURRENT,
	RBLK_UI_BITMAP,
	RBLK_UI_HISTORY0,
	RBLK_UI_HISTORY1,
	RBLK_UI_COUNT
};

/*
 * The current UUID of a disk create-md just made. It names no data: two
 * such disks have nothing to sync and one with data beats it (full sync).
 */
#define RBLK_UUID_JUST_CREATED	((u64)4)

/* Metadata flags; stored in the superblock (struct rblk_md_sb.flags). */
enum rblk_md_flags {
	RBLK_MDF_CONSISTENT	 = 1U << 0, /* no resync into this disk is half done */
	RBLK_MDF_WAS_UP_TO_DATE	 = 1U << 1, /* held the newest data when last written */
	RBLK_MDF_PRIMARY	 = 1U << 2, /* Primary when the metadata was written */
	RBLK_MDF_CRASHED_PRIMARY = 1U << 3, /* found PRIMARY at attach: it crashed */
	RBLK_MDF_PEER_OUTDATED	 = 1U << 4, /* the peer is known to be outdated */
	RBLK_MDF_FULL_SYNC	 = 1U << 5, /* every block must be resynced */
	RBLK_MDF_AL_CLEAN	 = 1U << 6, /* clean detach: the AL names nothing */
	RBLK_MDF_LOST_AS_PRIMARY = 1U << 7, /* was Primary when the peer went away */
	__RBLK_MDF_ALL		 = (1U << 8) - 1
};

struct rblk_gi {
	u64 uuid[RBLK_UI_COUNT];
	u32 flags;
};

enum rblk_gi_result {
	RBLK_GI_NO_SYNC,	/* same data: nothing to do */
	RBLK_GI_BOTH_NEW,	/* both just created: nothing to sync, no source yet */
	RBLK_GI_BITMAP_SOURCE,	/* resync what the bitmaps name, local -> peer */
	RBLK_GI_BITMAP_TARGET,	/* resync what the bitmaps name, peer -> local */
	RBLK_GI_FULL_SOURCE,	/* resync every block, local -> peer */
	RBLK_GI_FULL_TARGET,	/* resync every block, peer -> local */
	RBLK_GI_SPLIT_BRAIN,	/* both wrote since a common generation; the
				 * bitmaps cover it: an after-sb policy or
				 * --discard-my-data can resolve it by bitmap */
	RBLK_GI_SPLIT_BRAIN_FULL, /* split brain, common generation only in the
				 * history: resolving it needs a full sync */
	RBLK_GI_UNRELATED,	/* no common generation: never sync */
	__RBLK_GI_LAST
};

static inline const char *rblk_gi_result_name(enum rblk_gi_result r)
{
	static const char *const names[] = {
		"no-sync", "both-new", "bitmap-source", "bitmap-target",
		"full-source", "full-target", "split-brain",
		"split-brain-full", "unrelated",
	};

	return (unsigned int)r < __RBLK_GI_LAST ? names[r] : "?";
}

/* 0 and RBLK_UUID_JUST_CREATED name no data: they never match. */
static inline bool rblk_gi_real(u64 u)
{
	return u && u != RBLK_UUID_JUST_CREATED;
}

/* True if u is a real UUID found in the bitmap or history of g. */
static inline bool rblk_gi_in_past(const struct rblk_gi *g, u64 u)
{
	int i;

	for (i = RBLK_UI_BITMAP; i < RBLK_UI_COUNT; i++)
		if (rblk_gi_real(u) && g->uuid[i] == u)
			return true;
	return false;
}

static inline bool rblk_gi_in_history(const struct rblk_gi *g, u64 u)
{
	return rblk_gi_real(u) && (g->uuid[RBLK_UI_HISTORY0] == u ||
				   g->uuid[RBLK_UI_HISTORY1] == u);
}

/* Rules 4-7: same current generation; a crashed Primary resyncs its AL. */
static inline enum rblk_gi_result
gi_same_current(const struct rblk_gi *l, const struct rblk_gi *p,
		bool local_wins_ties, int *rule)
{
	bool lc = l->flags & RBLK_MDF_CRASHED_PRIMARY;
	bool pc = p->flags & RBLK_MDF_CRASHED_PRIMARY;

	if (!lc && !pc)
		return *rule = 4, RBLK_GI_NO_SYNC;
	if (lc && !pc)
		return *rule = 5, RBLK_GI_BITMAP_SOURCE;
	if (!lc && pc)
		return *rule = 6, RBLK_GI_BITMAP_TARGET;
	*rule = 7;
	return local_wins_ties ? RBLK_GI_BITMAP_SOURCE : RBLK_GI_BITMAP_TARGET;
}

/* Rules 12-13: neither descends from the other; do they share a past? */
static inline enum rblk_gi_result
gi_diverged(const struct rblk_gi *l, const struct rblk_gi *p, int *rule)
{
	int i;

	if (rblk_gi_real(l->uuid[RBLK_UI_BITMAP]) &&
	    l->uuid[RBLK_UI_BITMAP] == p->uuid[RBLK_UI_BITMAP])
		return *rule = 12, RBLK_GI_SPLIT_BRAIN;
	for (i = RBLK_UI_BITMAP; i < RBLK_UI_COUNT; i++)
		if (rblk_gi_in_past(p, l->uuid[i]))
			return *rule = 13, RBLK_GI_SPLIT_BRAIN_FULL;
	return *rule = 14, RBLK_GI_UNRELATED;
}

/*
 * Compare the local generation set l with the peer's p. The first rule that
 * matches wins; *rule (if not NULL) tells which, for logs and tests.
 * local_wins_ties breaks the one symmetric case (both crashed as Primary
 * in the same generation): exactly one of the two nodes must pass true.
 */
static inline enum rblk_gi_result
rblk_gi_compare(const struct rblk_gi *l, const struct rblk_gi *p,
		bool local_wins_ties, int *rule)
{
	u64 lc = l->uuid[RBLK_UI_CURRENT], pc = p->uuid[RBLK_UI_CURRENT];
	int dummy;

	if (!rule)
		rule = &dummy;
	if (!lc || !pc)
		return *rule = 0, RBLK_GI_UNRELATED;
	if (lc == RBLK_UUID_JUST_CREATED && pc == RBLK_UUID_JUST_CREATED)
		return *rule = 1, RBLK_GI_BOTH_NEW;
	if (lc == RBLK_UUID_JUST_CREATED)
		return *rule = 2, RBLK_GI_FULL_TARGET;
	if (pc == RBLK_UUID_JUST_CREATED)
		return *rule = 3, RBLK_GI_FULL_SOURCE;
	if (lc == pc)
		return gi_same_current(l, p, local_wins_ties, rule);
	if (p->uuid[RBLK_UI_BITMAP] == lc)
		return *rule = 8, RBLK_GI_BITMAP_TARGET;
	if (l->uuid[RBLK_UI_BITMAP] == pc)
		return *rule = 9, RBLK_GI_BITMAP_SOURCE;
	if (rblk_gi_in_history(p, lc))
		return *rule = 10, RBLK_GI_FULL_TARGET;
	if (rblk_gi_in_history(l, pc))
		return *rule = 11, RBLK_GI_FULL_SOURCE;
	return gi_diverged(l, p, rule);
}

/* Push u onto the history (newest first); the oldest entry falls off. */
static inline void rblk_gi_push_history(struct rblk_gi *g, u64 u)
{
	g->uuid[RBLK_UI_HISTORY1] = g->uuid[RBLK_UI_HISTORY0];
	g->uuid[RBLK_UI_HISTORY0] = u;
}

/*
 * Start a new generation (a Primary writes without its peer, or a forced
 * promotion, or invalidate-remote). The bitmap keeps counting from the
 * generation the peer last had, so only an empty bitmap takes the old
 * current UUID; otherwise the old current UUID goes to the history. A
 * just-created disk simply gets its first generation.
 */
static inline void rblk_gi_new_current(struct rblk_gi *g, u64 fresh)
{
	if (g->uuid[RBLK_UI_CURRENT] == RBLK_UUID_JUST_CREATED)
		;	/* the first real generation: nothing to track from */
	else if (!g->uuid[RBLK_UI_BITMAP])
		g->uuid[RBLK_UI_BITMAP] = g->uuid[RBLK_UI_CURRENT];
	else
		rblk_gi_push_history(g, g->uuid[RBLK_UI_CURRENT]);
	g->uuid[RBLK_UI_CURRENT] = fresh;
}

/* The sync source after a finished resync: its bitmap is empty again. */
static inline void rblk_gi_sync_source_done(struct rblk_gi *g)
{
	if (g->uuid[RBLK_UI_BITMAP])
		rblk_gi_push_history(g, g->uuid[RBLK_UI_BITMAP]);
	g->uuid[RBLK_UI_BITMAP] = 0;
}

/* The sync target after a finished resync takes the source's generation. */
static inline void rblk_gi_sync_target_done(struct rblk_gi *g, u64 src_current)
{
	u64 old = g->uuid[RBLK_UI_CURRENT];

	if (old != RBLK_UUID_JUST_CREATED && old != src_current)
		rblk_gi_push_history(g, old);
	g->uuid[RBLK_UI_BITMAP] = 0;
	g->uuid[RBLK_UI_CURRENT] = src_current;
	g->flags |= RBLK_MDF_CONSISTENT | RBLK_MDF_WAS_UP_TO_DATE;
	g->flags &= ~RBLK_MDF_FULL_SYNC;
}

#endif /* RBLK_GI_H */
