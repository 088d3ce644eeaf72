/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The ranges of the transfer log (kmod/tl.c): writes the peer acknowledged
 * that no flush on the peer has covered yet, in a ring in the order their
 * ACKs came. A flush covers what was logged before it was queued: it
 * retires a prefix of the ring once its ACK comes. Sequential writes
 * extend the last range, but never one that a queued flush or barrier
 * already covers: the flush might have run before the new write was on
 * the peer's disk.
 *
 * Pure static inline code, tested by tests/unit/tl_test.c; the caller
 * locks.
 */
#ifndef RBLK_TL_LOG_H
#define RBLK_TL_LOG_H

#include "types.h"

#define RBLK_TL_CAP	4096		/* ranges, a power of 2 */
/* A range grows to this at most: marking it out of sync is one lock hold. */
#define RBLK_TL_RANGE_MAX	(64U << 20)

struct rblk_tl_range {
	u64 sector;
	u32 bytes;
};

struct rblk_tl_log {
	struct rblk_tl_range *ring;	/* RBLK_TL_CAP entries */
	u64 head, tail;			/* logged, not yet durable: [head, tail) */
	u64 seal;			/* what the last queued flush covers */
	u64 open_bytes;			/* logged past it */
	u32 reserved;			/* writes in flight that will log */
};

/* The first position no queued flush (or barrier) covers. */
static inline u64 rblk_tl_open_start(const struct rblk_tl_log *l)
{
	return l->seal > l->head ? l->seal : l->head;
}

/* Ranges logged that no queued flush covers. */
static inline u64 rblk_tl_open(const struct rblk_tl_log *l)
{
	return l->tail - rblk_tl_open_start(l);
}

/* A place for a write about to be queued for the peer. */
static inline bool rblk_tl_reserve_one(struct rblk_tl_log *l)
{
	if (l->tail - l->head + l->reserved >= RBLK_TL_CAP)
		return false;
	l->reserved++;
	return true;
}

/*
 * The ACK of a write that reserved its place: log @bytes at @sector.
 * True if it is the first range no queued flush covers (the caller
 * starts the barrier clock).
 */
static inline bool rblk_tl_add(struct rblk_tl_log *l, u64 sector, u32 bytes)
{
	u64 open = rblk_tl_open_start(l);
	struct rblk_tl_range *r;

	l->reserved--;
	if (l->tail > open) {
		r = &l->ring[(l->tail - 1) & (RBLK_TL_CAP - 1)];
		if (r->sector + (r->bytes >> 9) == sector &&
		    bytes <= RBLK_TL_RANGE_MAX &&
		    r->bytes <= RBLK_TL_RANGE_MAX - bytes) {
			r->bytes += bytes;
			l->open_bytes += bytes;
			return false;
		}
	}
	r = &l->ring[l->tail & (RBLK_TL_CAP - 1)];
	r->sector = sector;
	r->bytes = bytes;
	l->tail++;
	if (l->tail - 1 == open) {
		l->open_bytes = bytes;
		return true;
	}
	l->open_bytes += bytes;
	return false;
}

/*
 * A flush (an application's, or a barrier) is queued: it will cover
 * everything logged so far. Returns its mark, for rblk_tl_retire().
 */
static inline u64 rblk_tl_flush_queued(struct rblk_tl_log *l)
{
	l->seal = l->tail;
	l->open_bytes = 0;
	return l->tail;
}

/* Everything logged before @mark is on the peer's stable storage. */
static inline void rblk_tl_retire(struct rblk_tl_log *l, u64 mark)
{
	if (mark > l->tail)
		mark = l->tail;
	if (mark > l->head)
		l->head = mark;
}

#endif /* RBLK_TL_LOG_H */
