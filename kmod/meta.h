/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RBLK_META_H
#define RBLK_META_H

#include <linux/mutex.h>
#include <rblk/genl.h>
#include <rblk/md.h>

#include "al.h"
#include "bitmap.h"
#include "compat.h"

/*
 * The on-disk metadata of an attached device (format in include/rblk/md.h).
 * ->sb is the superblock as last written; ->gi is the live generation set,
 * written back by rblk_meta_write(). Protected by the device's lock.
 */
struct rblk_meta {
	bool present;			/* false: low-level attach, no metadata */
	bool external;
	struct rblk_bdev md_bdev;	/* external metadata device */
	struct block_device *bdev;	/* where the metadata lives */
	struct block_device *data_bdev;	/* the data it describes */
	struct rblk_md_layout layout;
	struct rblk_gi gi;
	struct page *sb_page;		/* 4 KiB superblock block */
	struct rblk_bitmap bm;
	struct rblk_al al;
	u64 crash_marked_kib;		/* crashed Primary: what the log marked */
	u64 la_sectors;			/* size in use as on disk, 0: none yet */
	u64 size_sectors;		/* the device's size from this disk */
	u64 limit_sectors;		/* `size`, 0: none */
	struct rblk_device *dev;	/* whose (its I/O errors: ioerr.c) */
	bool failed;			/* the disk failed: no metadata I/O
					 * (kmod/ioerr.c); freed at the next
					 * attach, detach or removal */
};

struct rblk_device;

int rblk_meta_attach(struct rblk_meta *m, struct block_device *data_bdev,
		     const char *ext_path, void *holder, u64 limit);
void rblk_meta_detach(struct rblk_meta *m);
void rblk_meta_fail_mark(struct rblk_meta *m);
void rblk_meta_fail(struct rblk_meta *m);
int rblk_meta_io_error(struct rblk_meta *m, enum req_op op, u64 byte_pos,
		       int err);
int rblk_meta_write(struct rblk_meta *m);
enum rblk_disk_state rblk_meta_disk_state(const struct rblk_meta *m);
u64 rblk_meta_data_sectors(const struct rblk_meta *m);
u64 rblk_meta_usable_sectors(const struct rblk_meta *m);
int rblk_meta_set_size(struct rblk_meta *m, u64 sectors, bool check_only);

#endif /* RBLK_META_H */
