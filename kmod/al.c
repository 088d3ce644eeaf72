// SPDX-License-Identifier: GPL-2.0
/*
 * Activity log I/O and the in-memory set (kmod/al.h). The ring is read
 * and replayed at attach; a node that crashed as Primary marks every
 * extent of the set in its bitmap. Promotion starts from an empty set.
 */
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/slab.h>
#include <rblk/al.h>

#include "al.h"
#include "bitmap.h"
#include "device.h"
#include "meta.h"

#define EXTENT_SECTORS	(1U << (RBLK_AL_EXTENT_SHIFT - SECTOR_SHIFT))

static int al_io(struct rblk_meta *m, u32 ring, struct page *page,
		 blk_opf_t opf)
{
	u64 pos = m->layout.al_offset + ring * RBLK_MD_BLOCK;
	struct bio_vec bvec;
	struct bio bio;
	int ret;

	if (READ_ONCE(m->failed))
		return -EIO;
	bio_init(&bio, m->bdev, &bvec, 1, opf | REQ_SYNC | REQ_META);
	bio.bi_iter.bi_sector = pos >> SECTOR_SHIFT;
	__bio_add_page(&bio, page, RBLK_MD_BLOCK, 0);
	ret = submit_bio_wait(&bio);
	bio_uninit(&bio);
	if (op_is_write(opf))
		rblk_meta_io_error(m, REQ_OP_WRITE, pos, ret);
	return ret;
}

void rblk_al_free(struct rblk_al *al)
{
	kvfree(al->set);
	kvfree(al->refs);
	kvfree(al->used);
	bitmap_free(al->pending);
	if (al->page)
		__free_page(al->page);
	if (al->nr)
		xa_destroy(&al->map);
	memset(al, 0, sizeof(*al));
}

/* Read and replay the ring; the set is what was active at the last write. */
int rblk_al_load(struct rblk_meta *m, u32 al_extents)
{
	struct rblk_al *al = &m->al;
	struct rblk_al_tr *ring;
	u32 i;
	int ret = 0;

	al->nr = al_extents;
	spin_lock_init(&al->lock);
	mutex_init(&al->io);
	init_waitqueue_head(&al->wq);
	xa_init(&al->map);
	al->set = kvcalloc(al_extents, sizeof(u32), GFP_KERNEL);
	al->refs = kvcalloc(al_extents, sizeof(u32), GFP_KERNEL);
	al->used = kvcalloc(al_extents, sizeof(u64), GFP_KERNEL);
	al->pending = bitmap_zalloc(al_extents, GFP_KERNEL);
	al->page = alloc_page(GFP_KERNEL);
	ring = kvmalloc(RBLK_AL_BYTES, GFP_KERNEL);
	if (!al->set || !al->refs || !al->used || !al->pending || !al->page ||
	    !ring) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < RBLK_AL_SLOTS && !ret; i++) {
		ret = al_io(m, i, al->page, REQ_OP_READ);
		if (!ret)
			memcpy(&ring[i], page_address(al->page), RBLK_MD_BLOCK);
	}
	if (ret)
		goto out;
	al->tr_number = rblk_al_replay(al->set, al_extents, ring, RBLK_AL_SLOTS);
out:
	kvfree(ring);
	if (ret)
		rblk_al_free(al);
	return ret;
}

/* After a crash as Primary: every extent of the set may differ. */
u64 rblk_al_mark_bits(struct rblk_meta *m)
{
	struct rblk_al *al = &m->al;
	u64 n = 0;
	u32 i;

	for (i = 0; i < al->nr; i++)
		if (al->set[i] != RBLK_AL_EMPTY)
			n += rblk_bm_set(&m->bm, (sector_t)al->set[i] * EXTENT_SECTORS,
					 1U << RBLK_AL_EXTENT_SHIFT);
	return n;
}

/* Write the next transaction with @n updates; called with ->io held. */
static int write_tr(struct rblk_meta *m, const u16 *slot, const u32 *ext, u32 n)
{
	struct rblk_al *al = &m->al;
	u64 num = al->tr_number + 1;
	unsigned long flags;
	int ret;

	spin_lock_irqsave(&al->lock, flags);
	al->context = rblk_al_tr_fill(page_address(al->page), num, al->set,
				      al->nr, al->context, slot, ext, n);
	spin_unlock_irqrestore(&al->lock, flags);
	ret = al_io(m, num % RBLK_AL_SLOTS, al->page,
		    REQ_OP_WRITE | REQ_FUA);
	if (!ret) {
		al->tr_number = num;
		atomic64_inc(&al->transactions);
	}
	return ret;
}

/*
 * A new Primary: no write of ours is in flight, so the set is empty, and
 * windows covering every slot make the ring say so too.
 */
int rblk_al_reset(struct rblk_meta *m)
{
	struct rblk_al *al = &m->al;
	unsigned long flags;
	u32 i;
	int ret = 0;

	if (!al->nr)
		return 0;
	mutex_lock(&al->io);
	spin_lock_irqsave(&al->lock, flags);
	for (i = 0; i < al->nr; i++)
		al->set[i] = RBLK_AL_EMPTY;
	spin_unlock_irqrestore(&al->lock, flags);
	/*
	 * Not under al->lock, which completions take in hard irq: the map's
	 * own lock is not irq-safe (lockdep). What stays in it until then
	 * names no slot (lookup() checks set[]).
	 */
	xa_destroy(&al->map);
	for (i = 0; i < rblk_al_full_cover(al->nr) && !ret; i++)
		ret = write_tr(m, NULL, NULL, 0);
	mutex_unlock(&al->io);
	return ret;
}

/* Slot of @extent if it is in the set; -EAGAIN while it is being added. */
static int lookup(struct rblk_al *al, u32 extent)
{
	unsigned long v = xa_to_value(xa_load(&al->map, extent) ?: xa_mk_value(0));

	if (!v || al->set[v - 1] != extent)
		return -ENOENT;
	return test_bit(v - 1, al->pending) ? -EAGAIN : (int)(v - 1);
}

/* The coldest slot without writes in flight, or -1. */
static int victim(struct rblk_al *al)
{
	int i, best = -1;

	for (i = 0; i < al->nr; i++) {
		if (al->refs[i] || test_bit(i, al->pending))
			continue;
		if (al->set[i] == RBLK_AL_EMPTY)
			return i;
		if (best < 0 || al->used[i] < al->used[best])
			best = i;
	}
	return best;
}

/*
 * Write one transaction with every slot change batched so far; called
 * with al->io held by the writer whose change is among them.
 */
static int commit_batch(struct rblk_meta *m)
{
	struct rblk_al *al = &m->al;
	u16 slot[RBLK_AL_UPDATES];
	u32 ext[RBLK_AL_UPDATES];
	unsigned long flags;
	bool evicts;
	u32 i, n;
	int ret;

	spin_lock_irqsave(&al->lock, flags);
	n = al->batch_n;
	memcpy(slot, al->batch_slot, n * sizeof(*slot));
	memcpy(ext, al->batch_ext, n * sizeof(*ext));
	al->batch_n = 0;
	evicts = al->batch_evicts;
	al->batch_evicts = false;
	spin_unlock_irqrestore(&al->lock, flags);
	/*
	 * Bits set for writes in an extent the log is about to forget are
	 * on disk before it forgets it (they were set before those writes
	 * began, and all of them have ended). So a write the log covers
	 * needs its bit in memory only (start_write()). And those writes
	 * are durable on the data disk first: a volatile cache that loses
	 * power must not lose a write the log no longer names.
	 */
	if (evicts) {
		/*
		 * And durable on the peer's disk: its cache may hold writes
		 * it acknowledged (kmod/tl.c). Both flushes run at once; the
		 * bitmap write below also takes what a lost connection
		 * marked out of sync meanwhile.
		 */
		struct rblk_conn *conn = &container_of(m, struct rblk_device,
						       meta)->conn;
		u64 target = rblk_tl_flush_start(conn);

		ret = rblk_bm_flush_data(m) ?:
		      rblk_tl_flush_wait(conn, target, 0) ?:
		      rblk_bm_flush(m);
	} else {
		ret = 0;
	}
	if (!ret)
		ret = write_tr(m, slot, ext, n);
	spin_lock_irqsave(&al->lock, flags);
	for (i = 0; i < n; i++) {
		__clear_bit(slot[i], al->pending);
		if (ret) {	/* their writes fail: the slots are free again */
			al->set[slot[i]] = RBLK_AL_EMPTY;
			al->refs[slot[i]] = 0;
		}
	}
	spin_unlock_irqrestore(&al->lock, flags);
	for (i = 0; ret && i < n; i++)
		xa_erase(&al->map, ext[i]);
	wake_up(&al->wq);
	return ret;
}

/* Make @extent active with one more write in flight. */
static int get_extent(struct rblk_meta *m, u32 extent)
{
	struct rblk_al *al = &m->al;
	unsigned long flags;
	u32 old;
	int slot, ret;

	for (;;) {
		spin_lock_irqsave(&al->lock, flags);
		slot = lookup(al, extent);
		if (slot >= 0) {
			al->refs[slot]++;
			al->used[slot] = ++al->tick;
			spin_unlock_irqrestore(&al->lock, flags);
			return 0;
		}
		if (slot == -EAGAIN) {
			spin_unlock_irqrestore(&al->lock, flags);
			wait_event(al->wq, lookup(al, extent) != -EAGAIN);
			continue;
		}
		if (al->batch_n + al->batch_res >= RBLK_AL_UPDATES) {
			spin_unlock_irqrestore(&al->lock, flags);
			wait_event(al->wq, READ_ONCE(al->batch_n) +
					   READ_ONCE(al->batch_res) < RBLK_AL_UPDATES);
			continue;
		}
		slot = victim(al);
		if (slot < 0) {
			spin_unlock_irqrestore(&al->lock, flags);
			wait_event(al->wq, victim(al) >= 0);
			continue;
		}
		old = al->set[slot];
		if (old != RBLK_AL_EMPTY)
			al->batch_evicts = true;
		al->set[slot] = extent;
		al->refs[slot] = 1;
		al->used[slot] = ++al->tick;
		__set_bit(slot, al->pending);
		al->batch_res++;
		spin_unlock_irqrestore(&al->lock, flags);
		break;
	}
	if (old != RBLK_AL_EMPTY)
		xa_erase(&al->map, old);
	ret = xa_err(xa_store(&al->map, extent, xa_mk_value(slot + 1), GFP_NOIO));
	spin_lock_irqsave(&al->lock, flags);
	al->batch_res--;
	if (ret) {
		__clear_bit(slot, al->pending);
		al->set[slot] = RBLK_AL_EMPTY;
		al->refs[slot] = 0;
	} else {
		al->batch_slot[al->batch_n] = slot;
		al->batch_ext[al->batch_n] = extent;
		al->batch_n++;
	}
	spin_unlock_irqrestore(&al->lock, flags);
	if (ret) {
		wake_up(&al->wq);
		return ret;
	}
	/* Lead the next transaction, or find that a leader wrote ours. */
	mutex_lock(&al->io);
	spin_lock_irqsave(&al->lock, flags);
	if (!test_bit(slot, al->pending)) {
		ret = al->set[slot] == extent ? 0 : -EIO;
		spin_unlock_irqrestore(&al->lock, flags);
		mutex_unlock(&al->io);
		return ret;
	}
	spin_unlock_irqrestore(&al->lock, flags);
	ret = commit_batch(m);
	mutex_unlock(&al->io);
	return ret;
}

static void put_extent(struct rblk_al *al, u32 extent)
{
	unsigned long flags;
	bool wake = false;
	int slot;

	spin_lock_irqsave(&al->lock, flags);
	slot = lookup(al, extent);
	if (!WARN_ON_ONCE(slot < 0) && !--al->refs[slot])
		wake = true;
	spin_unlock_irqrestore(&al->lock, flags);
	if (wake)
		wake_up(&al->wq);
}

/* Before a Primary's write to [sector, +bytes) starts; may sleep. */
int rblk_al_begin(struct rblk_meta *m, sector_t sector, u32 bytes)
{
	u32 e, first = sector / EXTENT_SECTORS;
	u32 last = (sector + (bytes >> SECTOR_SHIFT) - 1) / EXTENT_SECTORS;
	int ret;

	for (e = first; e <= last; e++) {
		ret = get_extent(m, e);
		if (ret) {
			while (e-- > first)
				put_extent(&m->al, e);
			return ret;
		}
	}
	return 0;
}

/* The write is complete (any context). */
void rblk_al_end(struct rblk_meta *m, sector_t sector, u32 bytes)
{
	u32 e, first = sector / EXTENT_SECTORS;
	u32 last = (sector + (bytes >> SECTOR_SHIFT) - 1) / EXTENT_SECTORS;

	for (e = first; e <= last; e++)
		put_extent(&m->al, e);
}
