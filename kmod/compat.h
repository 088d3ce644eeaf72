/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel APIs rblk uses that changed between 6.1 and the newest kernel
 * Debian has (7.2 today: scripts/newest-kernel), each behind one small
 * function or macro so that the rest of the module reads the same on all.
 * Keyed on the kernel release that changed the API upstream or, where a
 * signature alone changed, on the type the kernel declares (_Generic), not
 * on distributions. Built and tested on 6.1, 6.12 and the newest.
 */
#ifndef RBLK_COMPAT_H
#define RBLK_COMPAT_H

#include <linux/blkdev.h>
#include <linux/blk-mq.h>
#include <linux/netlink.h>
#include <linux/version.h>
#include <rblk/md.h>
#include <rblk/wire.h>

/*
 * A request must fit one WRITE packet. A discard or write-zeroes range is
 * at most one activity log extent (as in DRBD), so that no request of a
 * Primary needs more than two of the log's slots at a time (kmod/al.c).
 * Its discard granularity too: the block layer does not split a discard
 * at a maximum below the granularity (a thin pool's 8 MiB blocks).
 */
#define RBLK_MAX_IO_SECTORS	(RBLK_WIRE_MAX_DATA >> SECTOR_SHIFT)
#define RBLK_MAX_RANGE_SECTORS	(1U << (RBLK_AL_EXTENT_SHIFT - SECTOR_SHIFT))

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

/*
 * -- kernel_bind()/kernel_connect() address (newer kernels: struct
 * sockaddr_unsized; struct sockaddr before): passed as void *, which
 * converts to either.
 */
#define RBLK_SOCKADDR(addr)	((void *)(addr))

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

/*
 * -- a per-CPU workqueue says so (6.17: WQ_PERCPU; newer kernels warn
 * when a workqueue names neither it nor WQ_UNBOUND).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 17, 0)
#define RBLK_WQ_PERCPU	WQ_PERCPU
#else
#define RBLK_WQ_PERCPU	0
#endif

/* -- tag set flags (6.14: merging is the default, its flag is gone) ------ */

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 14, 0)
#define RBLK_MQ_F_SHOULD_MERGE	0
#else
#define RBLK_MQ_F_SHOULD_MERGE	BLK_MQ_F_SHOULD_MERGE
#endif

/* -- ->init_request's NUMA node: int in newer kernels, unsigned before --- */

/*
 * RBLK_INIT_REQUEST(fn): fn_node_int or fn_node_uint, whichever has the
 * signature the kernel's struct blk_mq_ops declares.
 */
#define RBLK_INIT_REQUEST(fn)						\
	_Generic(((struct blk_mq_ops *)NULL)->init_request,		\
		 int (*)(struct blk_mq_tag_set *, struct request *,	\
			 unsigned int, int): fn##_node_int,		\
		 default: fn##_node_uint)

/* -- freezing the queue (6.14: the freeze returns memalloc flags) ------- */

static inline unsigned int rblk_freeze_queue(struct request_queue *q)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 14, 0)
	return blk_mq_freeze_queue(q);
#else
	blk_mq_freeze_queue(q);
	return 0;
#endif
}

static inline void rblk_unfreeze_queue(struct request_queue *q,
				       unsigned int memflags)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 14, 0)
	blk_mq_unfreeze_queue(q, memflags);
#else
	blk_mq_unfreeze_queue(q);
#endif
}

/*
 * -- a discard chain (6.10: __blkdev_issue_discard checks nothing; later
 * it returns void). The checks it made before, made here on every kernel:
 * -EPERM a read-only disk, -EOPNOTSUPP one that cannot discard, -EINVAL
 * an empty range or one not aligned to the disk's logical blocks (a
 * driver may round it and discard a neighbour's data). 0: *biop holds the
 * chain, or is NULL if there was nothing to do.
 */
static inline int rblk_discard_chain(struct block_device *bdev,
				     sector_t sector, sector_t nr,
				     struct bio **biop)
{
	sector_t mask = (bdev_logical_block_size(bdev) >> SECTOR_SHIFT) - 1;

	if (bdev_read_only(bdev))
		return -EPERM;
	if (!bdev_max_discard_sectors(bdev))
		return -EOPNOTSUPP;
	if (!nr || ((sector | nr) & mask))
		return -EINVAL;
	(void)__blkdev_issue_discard(bdev, sector, nr, GFP_NOIO, biop);
	return 0;
}

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

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
static inline void rblk_fill_limits(struct queue_limits *lim,
				    struct block_device *b)
{
	struct request_queue *bq = bdev_get_queue(b);

	lim->logical_block_size = bdev_logical_block_size(b);
	lim->physical_block_size = bdev_physical_block_size(b);
	lim->io_min = bdev_io_min(b);
	lim->io_opt = bdev_io_opt(b);
	lim->max_hw_sectors = min(queue_max_hw_sectors(bq), RBLK_MAX_IO_SECTORS);
	lim->max_user_sectors = 0;
	lim->max_segments = queue_max_segments(bq);
	lim->max_segment_size = queue_max_segment_size(bq);
	lim->max_hw_discard_sectors = min(bdev_max_discard_sectors(b),
					  RBLK_MAX_RANGE_SECTORS);
	lim->max_user_discard_sectors = UINT_MAX;
	lim->discard_granularity = min(bdev_discard_granularity(b),
				       RBLK_MAX_RANGE_SECTORS << SECTOR_SHIFT);
	lim->max_write_zeroes_sectors = min(bdev_write_zeroes_sectors(b),
					    RBLK_MAX_RANGE_SECTORS);
}
#endif

/*
 * Freeze @disk's queue and make its limits those of the backing device
 * @b. The queue is frozen on return, whatever the result:
 * rblk_unfreeze_queue(q, *memflags) after. The limits lock comes before
 * the freeze from 6.14 on (as in the block layer's own sysfs stores),
 * after it before.
 */
static inline int rblk_freeze_set_limits(struct gendisk *disk,
					 struct block_device *b,
					 unsigned int *memflags)
{
	struct request_queue *q = disk->queue;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 14, 0)
	struct queue_limits lim = queue_limits_start_update(q);

	rblk_fill_limits(&lim, b);
	*memflags = blk_mq_freeze_queue(q);
	return queue_limits_commit_update(q, &lim);
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
	struct queue_limits lim;

	*memflags = rblk_freeze_queue(q);
	lim = queue_limits_start_update(q);
	rblk_fill_limits(&lim, b);
	return queue_limits_commit_update(q, &lim);
#else
	struct request_queue *bq = bdev_get_queue(b);

	*memflags = rblk_freeze_queue(q);
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
	q->limits.discard_granularity = min(bdev_discard_granularity(b),
					    RBLK_MAX_RANGE_SECTORS << SECTOR_SHIFT);
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
