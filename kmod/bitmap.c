// SPDX-License-Identifier: GPL-2.0
/*
 * The write-intent bitmap (kmod/bitmap.h): loaded at attach, bits set for
 * every write the peer may not have, cleared as resync repairs them, and
 * written back in 4 KiB blocks: at once when a bit is set (before the data
 * it covers can reach the disk), lazily when bits are cleared (a stale set
 * bit costs a block of resync, never a lost write).
 */
#include <linux/bitops.h>
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/jiffies.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "bitmap.h"
#include "meta.h"

#define BITS_PER_BLOCK	(RBLK_MD_BLOCK * 8)

/*
 * Blocks of [sector, +bytes): a partial block counts. The caller cuts
 * *end at bm->nbits under bm->lock (rblk_bm_resize() changes it).
 */
static void range_bits(sector_t sector, u64 bytes, u64 *first, u64 *end)
{
	u64 start = (u64)sector << SECTOR_SHIFT;

	*first = start / RBLK_BM_BYTES_PER_BIT;
	*end = DIV_ROUND_UP_ULL(start + bytes, RBLK_BM_BYTES_PER_BIT);
}

static void mark_dirty(struct rblk_bitmap *bm, u64 bit)
{
	__set_bit(bit / BITS_PER_BLOCK, bm->dirty);
}

/*
 * Set or clear bits [from, to), whole words at once where it can (all
 * ones or all zeros in either bit order: a large discard, a resize);
 * returns how many changed. bm->lock held (interrupts off).
 */
static u64 fill_range(struct rblk_bitmap *bm, u64 from, u64 to, bool set)
{
	u64 b, n = 0;

	for (b = from; b < to;) {
		if (!(b % BITS_PER_LONG) && to - b >= BITS_PER_LONG) {
			unsigned long *w = &bm->bits[b / BITS_PER_LONG];
			unsigned int h = hweight_long(*w);

			if (set ? h != BITS_PER_LONG : h) {
				n += set ? BITS_PER_LONG - h : h;
				*w = set ? ~0UL : 0;
				mark_dirty(bm, b);
			}
			b += BITS_PER_LONG;
			continue;
		}
		if (set ? !__test_and_set_bit_le(b, bm->bits) :
			  __test_and_clear_bit_le(b, bm->bits)) {
			mark_dirty(bm, b);
			n++;
		}
		b++;
	}
	return n;
}

/* Mark [sector, +bytes) out of sync; returns the bits newly set. */
u64 rblk_bm_set(struct rblk_bitmap *bm, sector_t sector, u64 bytes)
{
	unsigned long flags;
	u64 first, end, n;

	if (!bm->bits)
		return 0;
	range_bits(sector, bytes, &first, &end);
	spin_lock_irqsave(&bm->lock, flags);
	n = fill_range(bm, first, min(end, bm->nbits), true);
	bm->weight += n;
	spin_unlock_irqrestore(&bm->lock, flags);
	return n;
}

/*
 * The peer has [sector, +bytes) now: only whole blocks are cleared.
 * @local: the bits say that our own disk has these blocks (a resync
 * target's write completed, or its block equals the source's), so a
 * flush of our data disk must come before they are written; false for a
 * sync source, whose bits stand for the peer's disk.
 */
u64 rblk_bm_clear(struct rblk_bitmap *bm, sector_t sector, u64 bytes,
		  bool local)
{
	u64 start = (u64)sector << SECTOR_SHIFT;
	u64 b, first, end, n = 0;
	unsigned long flags;

	if (!bm->bits)
		return 0;
	first = DIV_ROUND_UP_ULL(start, RBLK_BM_BYTES_PER_BIT);
	end = (start + bytes) / RBLK_BM_BYTES_PER_BIT;
	spin_lock_irqsave(&bm->lock, flags);
	if ((start + bytes) >= bm->nbits * RBLK_BM_BYTES_PER_BIT)
		end = bm->nbits;	/* the last block may be short */
	for (b = first; b < end; b++) {
		if (__test_and_clear_bit_le(b, bm->bits)) {
			mark_dirty(bm, b);
			n++;
		}
	}
	bm->weight -= n;
	if (n && local)
		bm->clears++;
	spin_unlock_irqrestore(&bm->lock, flags);
	return n;
}

static void fill(struct rblk_bitmap *bm, bool set)
{
	unsigned long flags;
	u64 b;

	spin_lock_irqsave(&bm->lock, flags);
	memset(bm->bits, 0, bm->area_bytes);
	if (set)
		for (b = 0; b < bm->nbits; b++)
			__set_bit_le(b, bm->bits);
	bitmap_fill(bm->dirty, bm->area_bytes / RBLK_MD_BLOCK);
	bm->weight = set ? bm->nbits : 0;
	if (!set)
		bm->clears++;
	spin_unlock_irqrestore(&bm->lock, flags);
}

void rblk_bm_set_all(struct rblk_bitmap *bm)
{
	if (bm->bits)
		fill(bm, true);
}

void rblk_bm_clear_all(struct rblk_bitmap *bm)
{
	if (bm->bits)
		fill(bm, false);
}

u64 rblk_bm_weight(struct rblk_bitmap *bm)
{
	return bm->bits ? READ_ONCE(bm->weight) : 0;
}

/* The first set bit at or after @from, or ->nbits. */
u64 rblk_bm_next_set(struct rblk_bitmap *bm, u64 from)
{
	unsigned long flags;
	u64 b;

	if (!bm->bits || from >= bm->nbits)
		return bm->nbits;
	spin_lock_irqsave(&bm->lock, flags);
	b = find_next_bit_le(bm->bits, bm->nbits, from);
	spin_unlock_irqrestore(&bm->lock, flags);
	return min(b, bm->nbits);
}

/* How many bits from @from on are set in a row, at most @max. */
u64 rblk_bm_run(struct rblk_bitmap *bm, u64 from, u64 max)
{
	unsigned long flags;
	u64 n = 0;

	spin_lock_irqsave(&bm->lock, flags);
	while (n < max && from + n < bm->nbits && test_bit_le(from + n, bm->bits))
		n++;
	spin_unlock_irqrestore(&bm->lock, flags);
	return n;
}

/* OR the peer's bitmap slice [offset, +len) bytes into ours. */
void rblk_bm_or(struct rblk_bitmap *bm, u64 offset, const void *buf, u32 len)
{
	const u8 *src = buf;
	u8 *dst = (u8 *)bm->bits + offset;
	unsigned long flags;
	u32 i;
	u8 add;

	if (!bm->bits)
		return;
	spin_lock_irqsave(&bm->lock, flags);
	for (i = 0; i < len; i++) {
		add = src[i] & ~dst[i];
		/* Bits past the end of the data are never set. */
		if ((offset + i + 1) * 8 > bm->nbits) {
			u64 first = (offset + i) * 8;

			add &= first >= bm->nbits ? 0 :
			       (u8)((1U << (bm->nbits - first)) - 1);
		}
		if (!add)
			continue;
		dst[i] |= add;
		bm->weight += hweight8(add);
		__set_bit((offset + i) / RBLK_MD_BLOCK, bm->dirty);
	}
	spin_unlock_irqrestore(&bm->lock, flags);
}

static int bm_block_io(struct rblk_meta *m, u64 blk, blk_opf_t opf)
{
	struct rblk_bitmap *bm = &m->bm;
	struct page *page = vmalloc_to_page((u8 *)bm->bits + blk * RBLK_MD_BLOCK);
	struct bio_vec bvec;
	struct bio bio;
	int ret;

	if (READ_ONCE(m->failed))
		return -EIO;
	bio_init(&bio, m->bdev, &bvec, 1, opf | REQ_SYNC | REQ_META);
	bio.bi_iter.bi_sector = (m->layout.bm_offset + blk * RBLK_MD_BLOCK) >>
				SECTOR_SHIFT;
	__bio_add_page(&bio, page, RBLK_MD_BLOCK, 0);
	ret = submit_bio_wait(&bio);
	bio_uninit(&bio);
	return ret;
}

/*
 * Flush the data disk's write cache, and note which cleared bits that
 * made safe to write: a bit is cleared after the write it stands for
 * completed, so every clear counted before the flush is issued is covered.
 */
int rblk_bm_flush_data(struct rblk_meta *m)
{
	struct rblk_bitmap *bm = &m->bm;
	unsigned long flags;
	u64 clears;
	int ret;

	if (READ_ONCE(m->failed))
		return -EIO;
	spin_lock_irqsave(&bm->lock, flags);
	clears = bm->clears;
	spin_unlock_irqrestore(&bm->lock, flags);
	ret = blkdev_issue_flush(m->data_bdev);
	if (ret)
		return rblk_meta_io_error(m, REQ_OP_FLUSH, 0, ret);
	spin_lock_irqsave(&bm->lock, flags);
	if (clears > bm->clears_durable)
		bm->clears_durable = clears;
	spin_unlock_irqrestore(&bm->lock, flags);
	return 0;
}

/*
 * Write every dirty block. A block is copied under the lock into a bounce
 * page so that bits set meanwhile are either in this write or dirty again.
 * A cleared bit says its blocks are in sync: their data must be durable
 * first, or a power cut of a volatile cache loses it unmarked. So before a
 * block goes out, the data disk is flushed if any bit was cleared since
 * the last such flush, up to the moment the block was copied (resync
 * writes go on clearing bits while earlier blocks are written).
 */
static int bm_write_dirty(struct rblk_meta *m)
{
	struct rblk_bitmap *bm = &m->bm;
	u64 blk, nblocks = bm->area_bytes / RBLK_MD_BLOCK;
	struct page *bounce;
	unsigned long flags;
	struct bio_vec bvec;
	struct bio bio;
	bool flush;
	int ret = 0;

	if (!bm->bits)
		return 0;
	bounce = alloc_page(GFP_NOIO);
	if (!bounce)
		return -ENOMEM;
	mutex_lock(&bm->io_mutex);
	/* The disk failed (kmod/ioerr.c): the bits stay dirty in memory. */
	if (READ_ONCE(m->failed))
		ret = -EIO;
	for (blk = 0; blk < nblocks && !ret; blk++) {
		spin_lock_irqsave(&bm->lock, flags);
		if (!__test_and_clear_bit(blk, bm->dirty)) {
			spin_unlock_irqrestore(&bm->lock, flags);
			continue;
		}
		memcpy(page_address(bounce), (u8 *)bm->bits + blk * RBLK_MD_BLOCK,
		       RBLK_MD_BLOCK);
		flush = bm->clears != bm->clears_durable;
		spin_unlock_irqrestore(&bm->lock, flags);
		if (flush) {
			ret = rblk_bm_flush_data(m);
			if (ret) {
				spin_lock_irqsave(&bm->lock, flags);
				__set_bit(blk, bm->dirty);
				spin_unlock_irqrestore(&bm->lock, flags);
				break;
			}
		}
		bio_init(&bio, m->bdev, &bvec, 1,
			 REQ_OP_WRITE | REQ_FUA | REQ_SYNC | REQ_META);
		bio.bi_iter.bi_sector = (m->layout.bm_offset +
					 blk * RBLK_MD_BLOCK) >> SECTOR_SHIFT;
		__bio_add_page(&bio, bounce, RBLK_MD_BLOCK, 0);
		ret = submit_bio_wait(&bio);
		bio_uninit(&bio);
		if (ret) {
			spin_lock_irqsave(&bm->lock, flags);
			__set_bit(blk, bm->dirty);
			spin_unlock_irqrestore(&bm->lock, flags);
			rblk_meta_io_error(m, REQ_OP_WRITE, m->layout.bm_offset +
					   blk * RBLK_MD_BLOCK, ret);
		}
	}
	bm->last_flush = jiffies;
	mutex_unlock(&bm->io_mutex);
	__free_page(bounce);
	return ret;
}

int rblk_bm_flush(struct rblk_meta *m)
{
	return bm_write_dirty(m);
}

/* Flush if the last flush is more than @ms ago (progress of a resync). */
int rblk_bm_flush_lazy(struct rblk_meta *m, unsigned int ms)
{
	if (!m->bm.bits ||
	    time_before(jiffies, m->bm.last_flush + msecs_to_jiffies(ms)))
		return 0;
	return rblk_bm_flush(m);
}

void rblk_bm_free(struct rblk_bitmap *bm)
{
	vfree(bm->bits);
	bitmap_free(bm->dirty);
	bm->bits = NULL;
	bm->dirty = NULL;
}

/*
 * Read the bitmap of attached metadata @m and count its bits; @nbits: the
 * blocks of the size in use (at most the data area's).
 */
int rblk_bm_load(struct rblk_meta *m, u64 nbits)
{
	struct rblk_bitmap *bm = &m->bm;
	u64 blk, nblocks;
	int ret = 0;

	spin_lock_init(&bm->lock);
	mutex_init(&bm->io_mutex);
	bm->nbits = min(nbits, m->layout.bm_bits);
	bm->area_bytes = m->layout.bm_area_bytes;
	nblocks = bm->area_bytes / RBLK_MD_BLOCK;
	bm->bits = vzalloc(bm->area_bytes);
	bm->dirty = bitmap_zalloc(nblocks, GFP_KERNEL);
	if (!bm->bits || !bm->dirty) {
		rblk_bm_free(bm);
		return -ENOMEM;
	}
	for (blk = 0; blk < nblocks && !ret; blk++)
		ret = bm_block_io(m, blk, REQ_OP_READ);
	if (ret) {
		rblk_bm_free(bm);
		return ret;
	}
	/*
	 * Bits past the size in use are ignored (and cleared on the next
	 * write): what is there is no block of the device.
	 */
	for (blk = bm->nbits; blk < bm->area_bytes * 8; blk++)
		__clear_bit_le(blk, bm->bits);
	bm->weight = bitmap_weight(bm->bits, bm->area_bytes * 8);
	bm->last_flush = jiffies;
	return 0;
}

/*
 * The size in use changes to @nbits blocks (kmod/gen.c: a disk without
 * data takes its peer's size; at most the data area's). Blocks beyond it
 * are no longer the device's: their bits go. Blocks it gains hold
 * nothing replicated: their bits are set.
 */
void rblk_bm_resize(struct rblk_bitmap *bm, u64 nbits)
{
	const u64 chunk = 1ULL << 20;	/* bits per hold of the lock */
	unsigned long flags;
	u64 b, e, old;

	if (!bm->bits)
		return;
	nbits = min(nbits, bm->area_bytes * 8);
	spin_lock_irqsave(&bm->lock, flags);
	old = bm->nbits;
	/* Shrinking: nothing sets a bit past the new end from here on. */
	if (nbits < old)
		bm->nbits = nbits;
	spin_unlock_irqrestore(&bm->lock, flags);
	for (b = min(nbits, old); b < max(nbits, old); b = e) {
		e = min(b + chunk, max(nbits, old));
		spin_lock_irqsave(&bm->lock, flags);
		if (nbits < old)
			bm->weight -= fill_range(bm, b, e, false);
		else
			bm->weight += fill_range(bm, b, e, true);
		spin_unlock_irqrestore(&bm->lock, flags);
		cond_resched();
	}
	spin_lock_irqsave(&bm->lock, flags);
	bm->nbits = nbits;
	spin_unlock_irqrestore(&bm->lock, flags);
}

/*
 * Bytes of the bitmap BITMAP carries: of the size in use with a peer
 * that knows sizes (RBLK_FEAT_SIZES: both have the same), else the whole
 * area (both disks are the same size then).
 */
u64 rblk_bm_wire_bytes(const struct rblk_bitmap *bm, bool sizes)
{
	if (!bm->bits)
		return 0;
	return sizes ? rblk_bm_area_bytes(READ_ONCE(bm->nbits)) : bm->area_bytes;
}
