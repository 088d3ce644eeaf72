/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RBLK_BITMAP_H
#define RBLK_BITMAP_H

#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>

/*
 * The write-intent bitmap: one bit per 4 KiB block of data, set while the
 * block may differ from the peer's. The in-memory copy has the on-disk
 * byte order (include/rblk/md.h), so each 4 KiB of it is written as is;
 * ->dirty names the 4 KiB blocks changed since they were last written.
 */
struct rblk_bitmap {
	unsigned long *bits;		/* vmalloc, area_bytes long */
	unsigned long *dirty;		/* one bit per 4 KiB block of ->bits */
	u64 nbits;			/* blocks of the size in use */
	u64 area_bytes;			/* whole 4 KiB blocks */
	u64 weight;			/* bits set */
	u64 clears;			/* calls that cleared bits of our disk */
	u64 clears_durable;		/* of them, data flushed since */
	spinlock_t lock;		/* the above; taken from endio */
	struct mutex io_mutex;		/* one flush at a time */
	unsigned long last_flush;	/* jiffies */
};

struct rblk_meta;

int rblk_bm_load(struct rblk_meta *m, u64 nbits);
void rblk_bm_resize(struct rblk_bitmap *bm, u64 nbits);
u64 rblk_bm_wire_bytes(const struct rblk_bitmap *bm, bool sizes);
void rblk_bm_free(struct rblk_bitmap *bm);
u64 rblk_bm_set(struct rblk_bitmap *bm, sector_t sector, u64 bytes);
u64 rblk_bm_clear(struct rblk_bitmap *bm, sector_t sector, u64 bytes,
		  bool local);
void rblk_bm_set_all(struct rblk_bitmap *bm);
void rblk_bm_clear_all(struct rblk_bitmap *bm);
u64 rblk_bm_weight(struct rblk_bitmap *bm);
u64 rblk_bm_next_set(struct rblk_bitmap *bm, u64 from);
u64 rblk_bm_run(struct rblk_bitmap *bm, u64 from, u64 max);
void rblk_bm_or(struct rblk_bitmap *bm, u64 offset, const void *buf, u32 len);
int rblk_bm_flush_data(struct rblk_meta *m);
int rblk_bm_flush(struct rblk_meta *m);
int rblk_bm_flush_lazy(struct rblk_meta *m, unsigned int ms);

#endif /* RBLK_BITMAP_H */
