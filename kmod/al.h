/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RBLK_AL_H_KMOD
#define RBLK_AL_H_KMOD

#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/xarray.h>
#include <rblk/md.h>

/*
 * The activity log of a Primary: the set of 4 MiB extents that may have
 * writes in flight, on disk before any write to them starts, so that after
 * a crash only those extents need a resync (include/rblk/al.h has the
 * format). A write to an extent already in the set costs nothing; a write
 * to a cold extent waits for one 4 KiB transaction, which it shares with
 * every other write that needed a cold extent meanwhile (group commit: up
 * to RBLK_AL_UPDATES slot changes per transaction).
 */
struct rblk_al {
	u32 nr;				/* slots: al_extents of the superblock */
	u32 *set;			/* extent per slot, or RBLK_AL_EMPTY */
	u32 *refs;			/* writes in flight per slot */
	u64 *used;			/* last use, to evict the coldest */
	unsigned long *pending;		/* slot's transaction not on disk yet */
	unsigned long *dead;		/* its transaction failed: its owner frees it */
	struct xarray map;		/* extent -> slot + 1 */
	u64 tick;
	u16 batch_slot[RBLK_AL_UPDATES];	/* changes for the next transaction */
	u32 batch_ext[RBLK_AL_UPDATES];
	u32 batch_n;
	u32 batch_res;			/* places promised, not filled yet */
	spinlock_t lock;		/* all of the above but the map's entries */
	struct mutex span;		/* one request across two extents at a time */
	struct mutex io;		/* one transaction at a time; it holds: */
	u32 *log_set;			/* the set as the log on disk has it */
	u64 tr_number;			/* of the last transaction written */
	u32 context;			/* where the next window starts */
	wait_queue_head_t wq;		/* a slot was released or committed */
	struct page *page;
	atomic64_t transactions;	/* written since attach */
};

struct rblk_meta;

int rblk_al_load(struct rblk_meta *m, u32 al_extents);
void rblk_al_free(struct rblk_al *al);
u64 rblk_al_mark_bits(struct rblk_meta *m);
int rblk_al_reset(struct rblk_meta *m);
int rblk_al_begin(struct rblk_meta *m, sector_t sector, u32 bytes);
void rblk_al_end(struct rblk_meta *m, sector_t sector, u32 bytes);

#endif /* RBLK_AL_H_KMOD */
