// SPDX-License-Identifier: GPL-2.0
/*
 * Metadata I/O: read and check the superblock at attach, write it back
 * when the generation set or the flags change. The format and all checks
 * are the shared ones of include/rblk/md.h, so rblkadm and the kernel
 * agree on what valid metadata is.
 */
#include <linux/bio.h>
#include <linux/blkdev.h>

#include "ioerr.h"
#include "meta.h"

/* Synchronous 4 KiB metadata I/O at byte offset @pos of @bdev. */
static int md_io(struct block_device *bdev, struct page *page, u64 pos,
		 blk_opf_t opf)
{
	struct bio bio;
	struct bio_vec bvec;
	int ret;

	bio_init(&bio, bdev, &bvec, 1, opf | REQ_SYNC | REQ_META);
	bio.bi_iter.bi_sector = pos >> SECTOR_SHIFT;
	__bio_add_page(&bio, page, RBLK_MD_BLOCK, 0);
	ret = submit_bio_wait(&bio);
	bio_uninit(&bio);
	return ret;
}

static int open_md_dev(struct rblk_meta *m, const char *ext_path, void *holder)
{
	int ret;

	if (!ext_path)
		return 0;
	ret = rblk_bdev_open(&m->md_bdev, ext_path, holder);
	if (ret)
		return ret;
	m->external = true;
	m->bdev = m->md_bdev.bdev;
	return 0;
}

static int check_sb(struct rblk_meta *m, struct block_device *data_bdev)
{
	const struct rblk_md_sb *sb = page_address(m->sb_page);
	u64 disk_bytes = bdev_nr_bytes(data_bdev);
	u64 md_bytes = bdev_nr_bytes(m->bdev);
	enum rblk_md_err e;

	e = rblk_md_sb_check(sb, m->external ? RBLK_MD_EXTERNAL : RBLK_MD_INTERNAL,
			     disk_bytes, md_bytes, &m->layout);
	if (e) {
		pr_err("%pg: bad metadata: %s\n", m->bdev, rblk_md_strerror(e));
		return -EMEDIUMTYPE;
	}
	rblk_md_sb_get_gi(sb, &m->gi);
	m->la_sectors = rblk_get_le64(&sb->la_sectors);
	return 0;
}

/* Sectors a data area of this layout gives within @limit (0: none). */
static u64 usable_sectors(const struct rblk_meta *m, u64 limit)
{
	u64 data = m->layout.data_bytes >> SECTOR_SHIFT;

	if (limit && limit < data)
		data = round_down(limit, RBLK_MD_BLOCK >> SECTOR_SHIFT);
	return data;
}

/*
 * The device's size from this disk: the size its data has (agreed with
 * the peer before; a disk with data but none recorded, written by an
 * older rblk, has its whole data area in use), else all it gives. Data
 * in use is never cut by `size`: that is refused. A disk without data
 * (just created) has none.
 */
static int size_in_use(struct rblk_meta *m, u64 limit)
{
	u64 usable = usable_sectors(m, limit);
	u64 la = m->la_sectors;

	/* A disk without data has no size yet, whatever it had. */
	if (m->gi.uuid[RBLK_UI_CURRENT] == RBLK_UUID_JUST_CREATED)
		la = 0;
	else if (!la)
		la = m->layout.data_bytes >> SECTOR_SHIFT;
	if (la > usable) {
		pr_err("%pg: its data is %llu KiB in size, more than size %llu KiB allows: raise size (or remove it), or create-md to start afresh\n",
		       m->bdev, la / 2, usable / 2);
		return -EFBIG;
	}
	m->la_sectors = la;
	m->size_sectors = la ?: usable;
	return 0;
}

/*
 * Read and check the metadata of @data_bdev: internal if @ext_path is NULL,
 * else on the block device at @ext_path. A Primary flag still set means the
 * node crashed while Primary: remember that (rules 5-7 of gi.h), and mark
 * what the activity log names (crash_marked_kib says how much).
 */
int rblk_meta_attach(struct rblk_meta *m, struct block_device *data_bdev,
		     const char *ext_path, void *holder, u64 limit)
{
	u64 sb_pos;
	int ret;

	memset(m, 0, sizeof(*m));
	m->bdev = data_bdev;
	m->data_bdev = data_bdev;
	m->sb_page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!m->sb_page)
		return -ENOMEM;
	ret = open_md_dev(m, ext_path, holder);
	if (ret)
		goto err_free_page;
	sb_pos = rblk_md_sb_offset(m->external ? RBLK_MD_EXTERNAL :
				   RBLK_MD_INTERNAL, bdev_nr_bytes(m->bdev));
	ret = md_io(m->bdev, m->sb_page, sb_pos, REQ_OP_READ);
	if (ret)
		goto err_close;
	ret = check_sb(m, data_bdev);
	if (!ret)
		ret = size_in_use(m, limit);
	if (ret)
		goto err_close;
	m->limit_sectors = limit;
	ret = rblk_bm_load(m, rblk_bm_bits(m->size_sectors << SECTOR_SHIFT));
	if (ret)
		goto err_close;
	ret = rblk_al_load(m, rblk_get_le32(&((struct rblk_md_sb *)
					      page_address(m->sb_page))->al_extents));
	if (ret)
		goto err_free_bm;
	m->present = true;
	if (m->gi.flags & RBLK_MDF_PRIMARY) {
		/*
		 * Writes in flight at the crash may be on one disk only; they
		 * are all within the extents of the activity log.
		 */
		m->crash_marked_kib = rblk_al_mark_bits(m) * 4;
		m->gi.flags |= RBLK_MDF_CRASHED_PRIMARY;
		m->gi.flags &= ~RBLK_MDF_PRIMARY;
		ret = rblk_bm_flush(m);
		if (!ret)
			ret = rblk_meta_write(m);
		if (ret)
			goto err_free_bm;
	}
	return 0;

err_free_bm:
	rblk_al_free(&m->al);
	rblk_bm_free(&m->bm);
err_close:
	if (m->external)
		rblk_bdev_close(&m->md_bdev);
err_free_page:
	__free_page(m->sb_page);
	m->sb_page = NULL;
	return ret;
}

void rblk_meta_detach(struct rblk_meta *m)
{
	/* Its last I/O errors are no device's to act on (removal). */
	m->dev = NULL;
	if (m->present && !m->failed)
		rblk_bm_flush(m);
	rblk_bm_free(&m->bm);
	rblk_al_free(&m->al);
	if (m->external)
		rblk_bdev_close(&m->md_bdev);
	if (m->sb_page)
		__free_page(m->sb_page);
	memset(m, 0, sizeof(*m));
}

/*
 * A metadata write or flush failed: the disk's failure, as a data I/O
 * error is (kmod/ioerr.c). Returns @err.
 */
int rblk_meta_io_error(struct rblk_meta *m, enum req_op op, u64 byte_pos,
		       int err)
{
	if (err && m->dev)
		rblk_disk_meta_error(m->dev, op, byte_pos >> SECTOR_SHIFT, err);
	return err;
}

/*
 * The disk failed (kmod/ioerr.c): no metadata I/O starts from here on
 * (_mark(), under dev->lock: superblock writes are under it), and none is
 * still running once rblk_meta_fail() returns (bitmap and activity log
 * writes are under their mutexes; an activity log write may wait for the
 * peer, so not under dev->lock). What it held stays in memory until the
 * next attach, detach or removal: threads of the connection may still
 * look at the bitmap.
 */
void rblk_meta_fail_mark(struct rblk_meta *m)
{
	WRITE_ONCE(m->failed, true);
}

void rblk_meta_fail(struct rblk_meta *m)
{
	WRITE_ONCE(m->failed, true);
	if (!m->present)
		return;
	mutex_lock(&m->bm.io_mutex);
	mutex_unlock(&m->bm.io_mutex);
	mutex_lock(&m->al.io);
	mutex_unlock(&m->al.io);
}

/*
 * Write the live generation set and flags. Preflush: whatever the new
 * state says about the data must already be on disk (with external
 * metadata that is another disk: its cache is flushed first, or a
 * demotion that clears the primary flag, and with it the activity log's
 * replay, could forget writes still in it); FUA: and the state itself
 * must be, before anyone acts on it.
 */
int rblk_meta_write(struct rblk_meta *m)
{
	struct rblk_md_sb *sb;
	int ret;

	if (!m->present && !m->sb_page)
		return 0;
	if (READ_ONCE(m->failed))
		return -EIO;
	if (m->external && m->data_bdev) {
		ret = blkdev_issue_flush(m->data_bdev);
		if (ret)
			return rblk_meta_io_error(m, REQ_OP_FLUSH, 0, ret);
	}
	/* Data from now on (a generation): the size it has is recorded. */
	if (!m->la_sectors && m->gi.uuid[RBLK_UI_CURRENT] != RBLK_UUID_JUST_CREATED)
		m->la_sectors = m->size_sectors;
	sb = page_address(m->sb_page);
	rblk_put_le64(&sb->la_sectors, m->la_sectors);
	rblk_md_sb_set_gi(sb, &m->gi);
	ret = md_io(m->bdev, m->sb_page, m->layout.sb_offset,
		    REQ_OP_WRITE | REQ_PREFLUSH | REQ_FUA);
	return rblk_meta_io_error(m, REQ_OP_WRITE, m->layout.sb_offset, ret);
}

/* The disk state the metadata alone justifies (docs/metadata.md). */
enum rblk_disk_state rblk_meta_disk_state(const struct rblk_meta *m)
{
	u32 f = m->gi.flags;

	if (!m->present)
		return RBLK_DISK_UPTODATE;
	if (!(f & RBLK_MDF_CONSISTENT) || (f & RBLK_MDF_FULL_SYNC))
		return RBLK_DISK_INCONSISTENT;
	if (!(f & RBLK_MDF_WAS_UP_TO_DATE))
		return RBLK_DISK_OUTDATED;
	/* Without the peer we only know we are current if it is outdated. */
	if (f & RBLK_MDF_PEER_OUTDATED)
		return RBLK_DISK_UPTODATE;
	return RBLK_DISK_CONSISTENT;
}

/* The size of the device from this disk (size_in_use()). */
u64 rblk_meta_data_sectors(const struct rblk_meta *m)
{
	return m->size_sectors;
}

/* What the disk gives: its data area, within `size`. */
u64 rblk_meta_usable_sectors(const struct rblk_meta *m)
{
	return usable_sectors(m, m->limit_sectors);
}

/*
 * The size in use here is @sectors from now: agreed with the peer
 * (kmod/gen.c) or taken from the device a disk comes to (kmod/device.c).
 * It must be a size the metadata can record (include/rblk/md.h), within
 * what the disk gives: -EINVAL if not, and with @check_only only that is
 * checked. The bitmap follows; the superblock has it with the next
 * rblk_meta_write().
 */
int rblk_meta_set_size(struct rblk_meta *m, u64 sectors, bool check_only)
{
	if (!rblk_md_size_ok(sectors, rblk_meta_usable_sectors(m)))
		return -EINVAL;
	if (check_only)
		return 0;
	rblk_bm_resize(&m->bm, rblk_bm_bits(sectors << SECTOR_SHIFT));
	m->size_sectors = sectors;
	m->la_sectors = sectors;
	return 0;
}
