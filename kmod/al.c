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
	kvfree(al->log_set);
	kvfree(al->refs);
	kvfree(al->used);
	bitmap_free(al->pending);
	bitmap_free(al->dead);
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
	mutex_init(&al->span);
	init_waitqueue_head(&al->wq);
	xa_init(&al->map);
	al->set = kvcalloc(al_extents, sizeof(u32), GFP_KERNEL);
	al->log_set = kvcalloc(al_extents, sizeof(u32), GFP_KERNEL);
	al->refs = kvcalloc(al_extents, sizeof(u32), GFP_KERNEL);
	al->used = kvcalloc(al_extents, sizeof(u64), GFP_KERNEL);
	al->pending = bitmap_zalloc(al_extents, GFP_KERNEL);
	al->dead = bitmap_zalloc(al_extents, GFP_KERNEL);
	al->page = alloc_page(GFP_KERNEL);
	ring = kvmalloc(RBLK_AL_BYTES, GFP_KERNEL);
	if (!al->set || !al->log_set || !al->refs || !al->used ||
	    !al->pending || !al->dead || !al->page ||
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
	memcpy(al->log_set, al->set, al_extents * sizeof(u32));
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

/*
 * Write the next transaction with @n updates, already applied to
 * ->log_set, whose window it carries; called with ->io held.
 */
static int write_tr(struct rblk_meta *m, const u16 *slot, const u32 *ext, u32 n)
{
	struct rblk_al *al = &m->al;
	u64 num = al->tr_number + 1;
	u32 context;
	int ret;

	context = rblk_al_tr_fill(page_address(al->page), num, al->log_set,
				  al->nr, al->context, slot, ext, n);
	ret = al_io(m, num % RBLK_AL_SLOTS, al->page,
		    REQ_OP_WRITE | REQ_FUA);
	if (!ret) {
		al->tr_number = num;
		al->context = context;
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
	WARN_ON_ONCE(al->batch_n || al->batch_res ||
		     !bitmap_empty(al->pending, al->nr) ||
		     !bitmap_empty(al->dead, al->nr));
	for (i = 0; i < al->nr; i++) {
		WARN_ON_ONCE(al->refs[i]);
		al->set[i] = RBLK_AL_EMPTY;
	}
	spin_unlock_irqrestore(&al->lock, flags);
	/*
	 * Not under al->lock, which completions take in hard irq: the map's
	 * own lock is not irq-safe (lockdep). What stays in it until then
	 * names no slot (lookup() checks set[]).
	 */
	xa_destroy(&al->map);
	for (i = 0; i < al->nr; i++)
		al->log_set[i] = RBLK_AL_EMPTY;
	for (i = 0; i < rblk_al_full_cover(al->nr) && !ret; i++)
		ret = write_tr(m, NULL, NULL, 0);
	mutex_unlock(&al->io);
	return ret;
}

/*
 * Slot of @extent if it is in the set; -EAGAIN while it is being added.
 * The map is written outside al->lock (get_extent()): a slot just given
 * to @extent may not be in it yet. Such a slot is pending, and one
 * extent in two slots would count its writes in the wrong one (a slot
 * evicted under a write in flight, which a crash then leaves out of
 * the log): the pending slots are looked at too. A dead slot is no
 * longer @extent's, though its owner has not freed it yet.
 */
static int lookup(struct rblk_al *al, u32 extent)
{
	unsigned long v = xa_to_value(xa_load(&al->map, extent) ?: xa_mk_value(0));
	unsigned long i;

	if (v && al->set[v - 1] == extent && !test_bit(v - 1, al->dead))
		return test_bit(v - 1, al->pending) ? -EAGAIN : (int)(v - 1);
	for_each_set_bit(i, al->pending, al->nr)
		if (al->set[i] == extent)
			return -EAGAIN;
	return -ENOENT;
}

/* The coldest slot without writes in flight, or -1. */
static int victim(struct rblk_al *al)
{
	int i, best = -1;

	for (i = 0; i < al->nr; i++) {
		if (al->refs[i] || test_bit(i, al->pending) ||
		    test_bit(i, al->dead))
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
 * with al->io held by the writer whose change is among them. On failure
 * the batch's slots are dead: each one's owner frees it (get_extent()),
 * so that none is given again before its map entry is gone.
 */
static int commit_batch(struct rblk_meta *m)
{
	struct rblk_al *al = &m->al;
	u16 slot[RBLK_AL_UPDATES];
	u32 ext[RBLK_AL_UPDATES], was[RBLK_AL_UPDATES];
	unsigned long flags;
	bool evicts = false;
	u32 i, n;
	int ret = 0;

	spin_lock_irqsave(&al->lock, flags);
	n = al->batch_n;
	memcpy(slot, al->batch_slot, n * sizeof(*slot));
	memcpy(ext, al->batch_ext, n * sizeof(*ext));
	al->batch_n = 0;
	spin_unlock_irqrestore(&al->lock, flags);
	/*
	 * What the log on disk forgets, not what the set in memory did: a
	 * slot freed by a failed transaction or a failed map entry still
	 * holds its old extent there (log_set), and the windows of this
	 * transaction carry the log's set, not slots given since the batch
	 * was taken (whose evictions have not been made durable yet).
	 */
	for (i = 0; i < n; i++) {
		was[i] = al->log_set[slot[i]];
		if (was[i] != RBLK_AL_EMPTY && was[i] != ext[i])
			evicts = true;
	}
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
	}
	if (!ret) {
		for (i = 0; i < n; i++)
			al->log_set[slot[i]] = ext[i];
		ret = write_tr(m, slot, ext, n);
		/* Not on disk: the log keeps what it had (more, not less). */
		for (i = n; ret && i-- > 0;)
			al->log_set[slot[i]] = was[i];
	}
	spin_lock_irqsave(&al->lock, flags);
	for (i = 0; i < n; i++) {
		__clear_bit(slot[i], al->pending);
		if (ret)	/* their writes fail */
			__set_bit(slot[i], al->dead);
	}
	spin_unlock_irqrestore(&al->lock, flags);
	wake_up(&al->wq);
	return ret;
}

/*
 * The owner of a slot whose transaction failed frees it: its map entry
 * first (the slot cannot be given again meanwhile), then the slot.
 */
static void free_dead(struct rblk_al *al, int slot, u32 extent)
{
	unsigned long flags;

	xa_cmpxchg(&al->map, extent, xa_mk_value(slot + 1), NULL, 0);
	spin_lock_irqsave(&al->lock, flags);
	al->set[slot] = RBLK_AL_EMPTY;
	al->refs[slot] = 0;
	__clear_bit(slot, al->dead);
	spin_unlock_irqrestore(&al->lock, flags);
	wake_up(&al->wq);
}

/* Make @extent active with one more write in flight. */
static int get_extent(struct rblk_meta *m, u32 extent)
{
	struct rblk_al *al = &m->al;
	unsigned long flags;
	u32 old;
	int slot, ret;
	bool lead;

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
		al->set[slot] = extent;
		al->refs[slot] = 1;
		al->used[slot] = ++al->tick;
		__set_bit(slot, al->pending);
		al->batch_res++;
		spin_unlock_irqrestore(&al->lock, flags);
		break;
	}
	/* Unless @old came back meanwhile, in another slot: its entry stays. */
	if (old != RBLK_AL_EMPTY)
		xa_cmpxchg(&al->map, old, xa_mk_value(slot + 1), NULL, 0);
	ret = xa_err(xa_store(&al->map, extent, xa_mk_value(slot + 1), GFP_NOIO));
	spin_lock_irqsave(&al->lock, flags);
	al->batch_res--;
	if (ret) {
		/* Not in the map, not in a transaction: free at once. */
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
	lead = test_bit(slot, al->pending);
	spin_unlock_irqrestore(&al->lock, flags);
	if (lead)
		commit_batch(m);
	mutex_unlock(&al->io);
	/* Ours is dead or committed, whoever led: a dead one is ours alone. */
	spin_lock_irqsave(&al->lock, flags);
	ret = test_bit(slot, al->dead) ? -EIO : 0;
	spin_unlock_irqrestore(&al->lock, flags);
	if (ret)
		free_dead(al, slot, extent);
	return ret;
}

static void put_extent(struct rblk_al *al, u32 extent)
{
	unsigned long flags;
	bool wake = false;
	int slot;

	spin_lock_irqsave(&al->lock, flags);
	slot = lookup(al, extent);
	if (!WARN_ON_ONCE(slot < 0) && !WARN_ON_ONCE(!al->refs[slot]) &&
	    !--al->refs[slot])
		wake = true;
	spin_unlock_irqrestore(&al->lock, flags);
	if (wake)
		wake_up(&al->wq);
}

/*
 * Before a Primary's write to [sector, +bytes) starts; may sleep. A
 * request spans at most two extents (RBLK_MAX_RANGE_SECTORS, kmod/
 * compat.h) unless the limits allowed more. One that spans several holds
 * the first while it may wait for a slot for the next: one such request
 * at a time, so that they never hold every slot waiting for each other's.
 * The others hold a slot while their write is in flight, or parked for a
 * handshake or fencing, which ends without the log: it frees one.
 */
int rblk_al_begin(struct rblk_meta *m, sector_t sector, u32 bytes)
{
	struct rblk_al *al = &m->al;
	u32 e, first = sector / EXTENT_SECTORS;
	u32 last = (sector + (bytes >> SECTOR_SHIFT) - 1) / EXTENT_SECTORS;
	int ret = 0;

	if (first == last)
		return get_extent(m, first);
	if (last - first >= al->nr) {
		pr_warn_ratelimited("rblk: a write of %u bytes spans %u activity log extents, more than the %u of the log\n",
				    bytes, last - first + 1, al->nr);
		return -EINVAL;
	}
	mutex_lock(&al->span);
	for (e = first; e <= last; e++) {
		ret = get_extent(m, e);
		if (ret)
			break;
	}
	mutex_unlock(&al->span);
	if (ret)
		while (e-- > first)
			put_extent(al, e);
	return ret;
}

/* The write is complete (any context). */
void rblk_al_end(struct rblk_meta *m, sector_t sector, u32 bytes)
{
	u32 e, first = sector / EXTENT_SECTORS;
	u32 last = (sector + (bytes >> SECTOR_SHIFT) - 1) / EXTENT_SECTORS;

	for (e = first; e <= last; e++)
		put_extent(&m->al, e);
}
