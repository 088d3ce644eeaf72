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
