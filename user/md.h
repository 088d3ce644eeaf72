/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * Offline access to rblk metadata (format: include/rblk/md.h) on block
 * devices and regular files: read and check it, write it, find other
 * signatures before overwriting anything, dump and restore it as text.
 *
 * Reads go through struct md_io so the same checks run on a device and on
 * a buffer (the fuzzer's). Every write path checks everything first and
 * writes last; a failed check writes nothing.
 */
#ifndef RBLK_USER_MD_H
#define RBLK_USER_MD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rblk/md.h>

struct md_io {
	/* read len bytes at off; 0 or -errno (short reads are -EIO) */
	int (*pread)(void *priv, void *buf, size_t len, uint64_t off);
	void *priv;
	uint64_t size;
};

/* The disk and, for external metadata, the metadata device. */
struct md_dev {
	const char *disk_path, *meta_path;	/* meta_path NULL: internal */
	int disk_fd, meta_fd;			/* the same fd for internal */
	bool is_blk;
	struct md_io disk, meta;
};

/* Metadata in memory: what was read, or what will be written. */
struct md_image {
	struct rblk_md_sb sb;
	struct rblk_md_layout layout;
	struct rblk_gi gi;
	uint8_t *bitmap;		/* layout.bm_area_bytes */
	uint32_t *al;			/* al_extents slots after replay */
	uint32_t al_extents;
	uint64_t al_newest_tr;		/* 0: no valid transaction */
	int al_valid;			/* valid transactions found */
	int al_active;			/* slots naming an extent */
};

int md_open(struct md_dev *d, const char *disk, const char *meta, bool write);
void md_close(struct md_dev *d);

/*
 * Read and check everything (superblock, bitmap, activity log). On error
 * *why says what is wrong, and the superblock error code is returned
 * (RBLK_MD_ENOMAGIC: no metadata at all). Free with md_image_free().
 */
enum rblk_md_err md_read(const struct md_io *disk, const struct md_io *meta,
			 enum rblk_md_kind kind, struct md_image *img,
			 char *why, size_t len);
void md_image_free(struct md_image *img);

/* Fresh metadata for create-md / restore-md; -1 if the device is too small. */
int md_image_new(struct md_image *img, enum rblk_md_kind kind,
		 uint64_t disk_bytes, uint64_t meta_bytes, uint32_t al_extents);

/* Write bitmap, a fresh activity log, then the superblock; fsync. */
int md_write(struct md_dev *d, struct md_image *img);
/* Rewrite only the superblock (set-gi). */
int md_write_sb(struct md_dev *d, struct md_image *img);
/* Zero the superblock and the activity log. */
int md_wipe(struct md_dev *d, const struct rblk_md_layout *l);
/* Write all of buf at off: 0 or -errno. */
int md_pwrite(int fd, const void *buf, size_t len, uint64_t off);

/*
 * Internal metadata of a disk that grew (md_move.c, docs/metadata.md "A
 * disk that grew"). Where a minor's metadata was last found is kept in a
 * file (RBLK_STATE_DIR, default /var/lib/rblk, "minor-N.md"): the disk
 * (its path), its device uuid and the disk's size then.
 */
struct md_hint {
	uint64_t device_uuid;
	uint64_t disk_bytes;
	char disk[4096];
};

#define MD_NO_MINOR	UINT32_MAX

/*
 * The record of @minor for @disk: 0 and *h; -ENOENT without one (or one
 * of another disk: said so); -EINVAL (said why) if unreadable.
 */
int md_hint_read(uint32_t minor, const char *disk, struct md_hint *h);
/* Record it (temporary file, fsync, rename); 0 or -errno (said why). */
int md_hint_write(uint32_t minor, const char *disk, uint64_t device_uuid,
		  uint64_t disk_bytes);
/* Remove it (wipe-md). */
void md_hint_forget(uint32_t minor);
/*
 * The --disk forms of create-md, restore-md (@device_uuid, @disk_bytes:
 * the new metadata) and wipe-md (@device_uuid 0): every record of that
 * disk follows.
 */
void md_hint_disk_changed(const char *disk, uint64_t device_uuid,
			  uint64_t disk_bytes);

/*
 * md_read() for internal metadata that may be at the disk's former end:
 * at the end, or where @former (a disk size, 0: none) says, as
 * rblk_md_pick() decides. *at is the disk size whose end holds the one
 * read; *former_left: the end counts and the same superblock is left at
 * the former end (a move that stopped before it zeroed it). Errors as
 * md_read(); RBLK_MD_ECORRUPT and *ambiguous for two different valid
 * superblocks (*why names both).
 */
enum rblk_md_err md_find(const struct md_dev *d, uint64_t former,
			 struct md_image *img, uint64_t *at, bool *former_left,
			 bool *ambiguous, char *why, size_t len);
/* Zero the superblock at the end of disk size @at; fsync. 0 or -1. */
int md_clear_former(const struct md_dev *d, uint64_t at);
/* Is there a valid superblock at the end of disk size @at (< the disk)? */
bool md_valid_at(const struct md_dev *d, uint64_t at);

/*
 * Before internal metadata on @disk is used for @minor (MD_NO_MINOR: no
 * record): find it, at the end or at the former end (@from_size, else the
 * record's), move it to the end if the disk grew, and record where it is.
 * @what names the command in messages. Returns 0 to go on, -1 (said why)
 * not to. Without @must, a disk in use is left to the kernel's attach,
 * which says so: 0.
 */
int md_prepare(const char *what, uint32_t minor, const char *disk,
	       uint64_t from_size, bool must);

/*
 * Move internal metadata read at the former end @at to the end of the
 * disk, crash-safely: bitmap and activity log to their new place, fsync,
 * the new superblock, fsync, the old one zeroed, fsync. 0 moved; 1 it is
 * at the end already; -1 error (said why; nothing written if the new
 * place would overlap the old). @what names the command in messages.
 */
int md_move(const char *what, struct md_dev *d, struct md_image *img, uint64_t at);

/*
 * Look for signatures that create-md would destroy: filesystems, LVM,
 * swap, partition tables, rblk and DRBD metadata. Appends one line per
 * find to out; returns how many were found.
 */
int md_probe(const struct md_io *io, char *out, size_t len);

/* Bitmap helpers: bits are LSB first within each byte. */
static inline bool md_bit(const uint8_t *bm, uint64_t n)
{
	return bm[n / 8] & (1U << (n % 8));
}

static inline void md_set_bit(uint8_t *bm, uint64_t n)
{
	bm[n / 8] |= 1U << (n % 8);
}

uint64_t md_bits_set(const struct md_image *img);

/* Text and JSON dump (md_dump.c); the text form is what restore reads. */
void md_dump(FILE *f, const struct md_image *img, const char *source, bool json);

/* A parsed dump: checked against a device by restore-md before use. */
struct md_dump_info {
	enum rblk_md_kind kind;
	uint64_t data_sectors, bm_bits, device_uuid, create_time;
	uint64_t la_sectors;		/* size in use; 0: none agreed yet */
	uint32_t al_extents;
	struct rblk_gi gi;
	uint64_t (*ranges)[2];		/* set bits, inclusive ranges */
	size_t nranges;
};

/* 0, or -1 after an error naming name:line. */
int md_parse_dump(const char *name, const char *text, struct md_dump_info *out,
		  bool quiet);
void md_dump_info_free(struct md_dump_info *di);

/* "consistent,was-up-to-date" or "-" for none. */
const char *md_flags_str(uint32_t flags, char *buf, size_t len);
int md_flags_parse(const char *s, uint32_t *flags);
extern const char *const md_flag_names[];
extern const char *const md_flag_help[];

#endif
