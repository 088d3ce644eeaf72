// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Metadata I/O for rblkadm: open devices, read and check, write, wipe,
 * and look for foreign signatures before create-md overwrites anything.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rblk/al.h>

#include "md.h"
#include "util.h"

const char *const md_flag_names[] = {
	"consistent", "was-up-to-date", "primary", "crashed-primary",
	"peer-outdated", "full-sync", "al-clean", "lost-as-primary", NULL
};

const char *const md_flag_help[] = {
	"no resync into this disk was interrupted: its data is usable as a whole",
	"this disk had the newest data when the metadata was last written",
	"the device was Primary when the metadata was last written",
	"the device was Primary when the node went down: it crashed as Primary",
	"the peer is known to have older data (it cannot become Primary alone)",
	"every block must be resynced, not only those in the bitmap",
	"the device was detached cleanly: the activity log names nothing",
	"the device was Primary when it lost its peer (for after-sb policies)",
};

/* ---- devices ---- */

static int fd_pread(void *priv, void *buf, size_t len, uint64_t off)
{
	int fd = (int)(intptr_t)priv;
	ssize_t n;

	while (len) {
		n = pread(fd, buf, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		buf = (char *)buf + n;
		len -= n;
		off += n;
	}
	return 0;
}

static int fd_pwrite(int fd, const void *buf, size_t len, uint64_t off)
{
	ssize_t n;

	while (len) {
		n = pwrite(fd, buf, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		buf = (const char *)buf + n;
		len -= n;
		off += n;
	}
	return 0;
}

int md_pwrite(int fd, const void *buf, size_t len, uint64_t off)
{
	return fd_pwrite(fd, buf, len, off);
}

/*
 * Block devices are opened O_EXCL for writing: that fails with EBUSY while
 * rblk.ko (or a mount) holds the disk, which is exactly when rewriting its
 * metadata behind the kernel's back would do harm.
 */
static int open_one(const char *path, bool write, struct md_io *io, bool *is_blk)
{
	struct stat st;
	uint64_t size;
	int fd;

	if (stat(path, &st)) {
		err("%s: %s", path, strerror(errno));
		return -1;
	}
	*is_blk = S_ISBLK(st.st_mode);
	if (!*is_blk && !S_ISREG(st.st_mode)) {
		err("%s: not a block device or regular file", path);
		return -1;
	}
	fd = open(path, (write ? O_RDWR : O_RDONLY) | O_CLOEXEC |
		  (write && *is_blk ? O_EXCL : 0));
	if (fd < 0) {
		err("cannot open %s: %s", path, strerror(errno));
		if (errno == EBUSY)
			hint("it is in use: is the resource up ('rblkadm down RES' first) or the disk mounted?");
		return -1;
	}
	size = st.st_size;
	if (*is_blk && ioctl(fd, BLKGETSIZE64, &size)) {
		err("%s: cannot get its size: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	*io = (struct md_io){ fd_pread, (void *)(intptr_t)fd, size };
	return fd;
}

int md_open(struct md_dev *d, const char *disk, const char *meta, bool write)
{
	bool blk2;

	memset(d, 0, sizeof(*d));
	d->disk_path = disk;
	d->meta_path = meta;
	d->disk_fd = open_one(disk, write, &d->disk, &d->is_blk);
	if (d->disk_fd < 0)
		return -1;
	if (!meta) {
		d->meta_fd = d->disk_fd;
		d->meta = d->disk;
		return 0;
	}
	d->meta_fd = open_one(meta, write, &d->meta, &blk2);
	if (d->meta_fd < 0) {
		close(d->disk_fd);
		return -1;
	}
	return 0;
}

void md_close(struct md_dev *d)
{
	if (d->meta_fd != d->disk_fd)
		close(d->meta_fd);
	close(d->disk_fd);
}

/* ---- reading ---- */

void md_image_free(struct md_image *img)
{
	free(img->bitmap);
	free(img->al);
	img->bitmap = NULL;
	img->al = NULL;
}

uint64_t md_bits_set(const struct md_image *img)
{
	uint64_t n = 0, i;

	for (i = 0; i < img->layout.bm_bits; i++)
		n += md_bit(img->bitmap, i);
	return n;
}

/*
 * Replay the activity log ring with the kernel's own function
 * (include/rblk/al.h): the same transactions count, windows wrap alike.
 */
static int al_replay(const struct md_io *io, struct md_image *img)
{
	struct rblk_al_tr *tr = xmalloc(RBLK_AL_BYTES);
	int i, ret;

	ret = io->pread(io->priv, tr, RBLK_AL_BYTES, img->layout.al_offset);
	if (ret)
		goto out;
	img->al_newest_tr = rblk_al_replay(img->al, img->al_extents, tr, RBLK_AL_SLOTS);
	img->al_valid = 0;
	for (i = 0; i < RBLK_AL_SLOTS; i++)
		img->al_valid += rblk_al_tr_valid(&tr[i]) &&
				 rblk_get_le16(&tr[i].al_extents) == img->al_extents;
	img->al_active = 0;
	for (i = 0; i < (int)img->al_extents; i++)
		img->al_active += img->al[i] != RBLK_AL_EMPTY;
out:
	free(tr);
	return ret;
}

static enum rblk_md_err md_read_rest(const struct md_io *meta, struct md_image *img,
				     char *why, size_t len);

static enum rblk_md_err read_fail(char *why, size_t len, const char *what, int ret)
{
	snprintf(why, len, "cannot read the %s: %s", what, strerror(-ret));
	return RBLK_MD_ETRUNC;
}

enum rblk_md_err md_read(const struct md_io *disk, const struct md_io *meta,
			 enum rblk_md_kind kind, struct md_image *img,
			 char *why, size_t len)
{
	uint64_t off = rblk_md_sb_offset(kind, meta->size);
	enum rblk_md_err e;
	int ret;

	memset(img, 0, sizeof(*img));
	if (meta->size < RBLK_MD_BLOCK) {
		snprintf(why, len, "the device is too small to hold rblk metadata (%" PRIu64 " bytes)",
			 meta->size);
		return RBLK_MD_ETRUNC;
	}
	ret = meta->pread(meta->priv, &img->sb, sizeof(img->sb), off);
	if (ret)
		return read_fail(why, len, "superblock", ret);
	e = rblk_md_sb_check(&img->sb, kind, disk->size, meta->size, &img->layout);
	if (e == RBLK_MD_ETRUNC && disk->size < rblk_get_le64(&img->sb.data_sectors) * RBLK_SECTOR)
		snprintf(why, len, "the data disk (%" PRIu64 " bytes) is smaller than the data area the metadata records (%" PRIu64 " bytes): truncated?",
			 disk->size, rblk_get_le64(&img->sb.data_sectors) * RBLK_SECTOR);
	else if (e)
		snprintf(why, len, "%s (superblock at byte %" PRIu64 ")",
			 rblk_md_strerror(e), off);
	return e ? e : md_read_rest(meta, img, why, len);
}

static enum rblk_md_err md_read_rest(const struct md_io *meta, struct md_image *img,
				     char *why, size_t len)
{
	int ret;

	rblk_md_sb_get_gi(&img->sb, &img->gi);
	img->al_extents = rblk_get_le32(&img->sb.al_extents);
	img->bitmap = xmalloc(img->layout.bm_area_bytes);
	img->al = xcalloc(img->al_extents, sizeof(*img->al));
	ret = meta->pread(meta->priv, img->bitmap, img->layout.bm_area_bytes,
			  img->layout.bm_offset);
	if (ret) {
		md_image_free(img);
		return read_fail(why, len, "bitmap", ret);
	}
	ret = al_replay(meta, img);
	if (ret) {
		md_image_free(img);
		return read_fail(why, len, "activity log", ret);
	}
	return RBLK_MD_OK;
}

/* ---- writing ---- */

static uint64_t random_u64(void)
{
	uint64_t v = 0;

	while (getrandom(&v, sizeof(v), 0) != sizeof(v) || v <= RBLK_UUID_JUST_CREATED)
		;
	return v;
}

int md_image_new(struct md_image *img, enum rblk_md_kind kind,
		 uint64_t disk_bytes, uint64_t meta_bytes, uint32_t al_extents)
{
	struct rblk_md_layout *l = &img->layout;
	int bad;

	memset(img, 0, sizeof(*img));
	if (kind == RBLK_MD_INTERNAL)
		bad = rblk_md_layout_internal(disk_bytes, l);
	else
		bad = rblk_md_layout_external(disk_bytes, meta_bytes, l);
	if (bad)
		return -1;
	rblk_md_sb_init(&img->sb, l, disk_bytes, al_extents);
	rblk_put_le64(&img->sb.device_uuid, random_u64());
	rblk_put_le64(&img->sb.create_time, (uint64_t)time(NULL));
	img->gi = (struct rblk_gi){ .uuid = { RBLK_UUID_JUST_CREATED },
				    .flags = RBLK_MDF_AL_CLEAN };
	img->al_extents = al_extents;
	img->bitmap = xcalloc(1, l->bm_area_bytes);
	img->al = xcalloc(al_extents, sizeof(*img->al));
	return 0;
}

/*
 * An empty activity log: one transaction naming no extent (built by the
 * kernel's own function, include/rblk/al.h), the rest zero.
 */
static void al_init(struct rblk_al_tr *ring, uint32_t al_extents)
{
	uint32_t *set = xcalloc(al_extents, sizeof(*set));
	uint32_t i;

	for (i = 0; i < al_extents; i++)
		set[i] = RBLK_AL_EMPTY;
	memset(ring, 0, RBLK_AL_BYTES);
	rblk_al_tr_fill(&ring[0], 1, set, al_extents, 0, NULL, NULL, 0);
	free(set);
}

static int write_fail(struct md_dev *d, const char *what, int ret)
{
	err("%s: writing the %s failed: %s", d->meta_path ? d->meta_path : d->disk_path,
	    what, strerror(-ret));
	return -1;
}

int md_write_sb(struct md_dev *d, struct md_image *img)
{
	uint8_t *block = xcalloc(1, RBLK_MD_BLOCK);
	int ret;

	rblk_md_sb_set_gi(&img->sb, &img->gi);
	memcpy(block, &img->sb, sizeof(img->sb));
	ret = fd_pwrite(d->meta_fd, block, RBLK_MD_BLOCK, img->layout.sb_offset);
	free(block);
	if (!ret && fsync(d->meta_fd))
		ret = -errno;
	return ret ? write_fail(d, "superblock", ret) : 0;
}

/* Bitmap and AL first, superblock last: it is what makes them valid. */
int md_write(struct md_dev *d, struct md_image *img)
{
	struct rblk_al_tr *ring = xmalloc(RBLK_AL_BYTES);
	int ret;

	ret = fd_pwrite(d->meta_fd, img->bitmap, img->layout.bm_area_bytes,
			img->layout.bm_offset);
	if (ret) {
		free(ring);
		return write_fail(d, "bitmap", ret);
	}
	al_init(ring, img->al_extents);
	ret = fd_pwrite(d->meta_fd, ring, RBLK_AL_BYTES, img->layout.al_offset);
	free(ring);
	if (!ret && fsync(d->meta_fd))
		ret = -errno;
	if (ret)
		return write_fail(d, "activity log", ret);
	return md_write_sb(d, img);
}

int md_wipe(struct md_dev *d, const struct rblk_md_layout *l)
{
	uint8_t *zero = xcalloc(1, RBLK_AL_BYTES);
	int ret;

	ret = fd_pwrite(d->meta_fd, zero, RBLK_MD_BLOCK, l->sb_offset);
	if (!ret)
		ret = fd_pwrite(d->meta_fd, zero, RBLK_AL_BYTES, l->al_offset);
	free(zero);
	if (!ret && fsync(d->meta_fd))
		ret = -errno;
	return ret ? write_fail(d, "zeroes", ret) : 0;
}
