/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel APIs rblk uses that changed between 6.1 and 6.12, each behind
 * one small function so that the rest of the module reads the same on both.
 */
#ifndef RBLK_COMPAT_H
#define RBLK_COMPAT_H

#include <linux/blkdev.h>
#include <linux/blk-mq.h>
#include <linux/netlink.h>
#include <linux/version.h>
#include <rblk/wire.h>

/* A request must fit one WRITE packet; a discard range its u32 length. */
#define RBLK_MAX_IO_SECTORS	(RBLK_WIRE_MAX_DATA >> SECTOR_SHIFT)
#define RBLK_MAX_RANGE_SECTORS	(1U << 22)	/* 2 GiB */

/* -- opening the backing device (6.9: file based bdev handles) ---------- */

struct rblk_bdev {
	struct block_device *bdev;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
	struct file *file;
#endif
};

/* Open @path read-write and exclusively, claimed by @holder. */
static inline int rblk_bdev_open(struct rblk_bdev *b, const char *path,
				 void *holder)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
	struct file *f = bdev_file_open_by_path(path,
			BLK_OPEN_READ | BLK_OPEN_WRITE, holder, NULL);

	if (IS_ERR(f))
		return PTR_ERR(f);
	b->file = f;
	b->bdev = file_bdev(f);
#else
	struct block_device *bdev = blkdev_get_by_path(path,
			FMODE_READ | FMODE_WRITE | FMODE_EXCL, holder);

	if (IS_ERR(bdev))
		return PTR_ERR(bdev);
	b->bdev = bdev;
#endif
	return 0;
}

static inline void rblk_bdev_close(struct rblk_bdev *b)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
	fput(b->file);
#else
	blkdev_put(b->bdev, FMODE_READ | FMODE_WRITE | FMODE_EXCL);
#endif
	b->bdev = NULL;
}

/* -- block_device_operations open/release (6.5: gendisk + blk_mode_t) ---- */

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#define RBLK_OPEN_ARGS		struct gendisk *disk, blk_mode_t mode
#define RBLK_OPEN_DISK		(disk)
#define RBLK_OPEN_WRITE		(mode & BLK_OPEN_WRITE)
#define RBLK_RELEASE_ARGS	struct gendisk *disk
#else
#define RBLK_OPEN_ARGS		struct block_device *bdev, fmode_t mode
#define RBLK_OPEN_DISK		(bdev->bd_disk)
#define RBLK_OPEN_WRITE		(mode & FMODE_WRITE)
#define RBLK_RELEASE_ARGS	struct gendisk *disk, fmode_t mode
#endif

/* -- queue limits (6.10: atomic queue_limits updates, feature flags) ----- */

static inline struct gendisk *rblk_alloc_disk(struct blk_mq_tag_set *set,
					      void *data)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
	struct queue_limits lim = {
		/* A peer's disk may cache writes: always pass flushes on. */
		.features = BLK_FEAT_WRITE_CACHE | BLK_FEAT_FUA,
	};

	return blk_mq_alloc_disk(set, &lim, data);
#else
	struct gendisk *disk = blk_mq_alloc_disk(set, data);

	if (!IS_ERR(disk))
		blk_queue_write_cache(disk->queue, true, true);
	return disk;
#endif
}

/*
 * Make @disk's limits those of the backing device @b. The caller has frozen
 * the queue (or no I/O can reach it yet).
 */
static inline int rblk_set_limits(struct gendisk *disk, struct block_device *b)
{
	struct request_queue *bq = bdev_get_queue(b);
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
	struct queue_limits lim = queue_limits_start_update(disk->queue);

	lim.logical_block_size = bdev_logical_block_size(b);
	lim.physical_block_size = bdev_physical_block_size(b);
	lim.io_min = bdev_io_min(b);
	lim.io_opt = bdev_io_opt(b);
	lim.max_hw_sectors = min(queue_max_hw_sectors(bq), RBLK_MAX_IO_SECTORS);
	lim.max_user_sectors = 0;
	lim.max_segments = queue_max_segments(bq);
	lim.max_segment_size = queue_max_segment_size(bq);
	lim.max_hw_discard_sectors = min(bdev_max_discard_sectors(b),
					 RBLK_MAX_RANGE_SECTORS);
	lim.max_user_discard_sectors = UINT_MAX;
	lim.discard_granularity = bdev_discard_granularity(b);
	lim.max_write_zeroes_sectors = min(bdev_write_zeroes_sectors(b),
					   RBLK_MAX_RANGE_SECTORS);
	return queue_limits_commit_update(disk->queue, &lim);
#else
	struct request_queue *q = disk->queue;

	blk_queue_logical_block_size(q, bdev_logical_block_size(b));
	blk_queue_physical_block_size(q, bdev_physical_block_size(b));
	blk_queue_io_min(q, bdev_io_min(b));
	blk_queue_io_opt(q, bdev_io_opt(b));
	blk_queue_max_hw_sectors(q, min(queue_max_hw_sectors(bq),
					RBLK_MAX_IO_SECTORS));
	blk_queue_max_segments(q, queue_max_segments(bq));
	blk_queue_max_segment_size(q, queue_max_segment_size(bq));
	blk_queue_max_discard_sectors(q, min(bdev_max_discard_sectors(b),
					     RBLK_MAX_RANGE_SECTORS));
	q->limits.discard_granularity = bdev_discard_granularity(b);
	blk_queue_max_write_zeroes_sectors(q, min(bdev_write_zeroes_sectors(b),
						  RBLK_MAX_RANGE_SECTORS));
	return 0;
#endif
}

/*
 * -- an extended ack message that is not a literal ---------------------
 * NL_SET_ERR_MSG() wants a string literal; NL_SET_ERR_MSG_FMT() came in
 * 6.2. The state rules' reasons are static strings: point at them.
 */
static inline void rblk_extack_msg(struct netlink_ext_ack *extack,
				   const char *msg)
{
	extack->_msg = msg;
}

#endif /* RBLK_COMPAT_H */
