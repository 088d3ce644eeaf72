/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * rblk on-disk metadata, version 1 (docs/metadata.md explains it in prose).
 *
 * Everything on disk is little-endian and accessed through the byte-wise
 * helpers below, so the structs can be read from any buffer on any CPU.
 * Fields named rblk_le* hold little-endian values; never read them
 * directly. All I/O is in 4 KiB blocks at 4 KiB-aligned offsets.
 *
 * The metadata area has three parts:
 *   superblock      one 4 KiB block; struct rblk_md_sb at its start, the
 *                   rest zero. crc32c covers the struct.
 *   activity log    RBLK_AL_SLOTS 4 KiB transactions (struct rblk_al_tr),
 *                   written round-robin; each checksummed.
 *   bitmap          one bit per 4 KiB of data, bit n = byte n/8, bit n%8
 *                   (LSB first), set = block may differ from the peer.
 *                   Padded with zero to a multiple of 4 KiB.
 *
 * Internal metadata sits at the end of the backing disk, in the order
 * data | bitmap | activity log | superblock, all 4 KiB aligned: the
 * superblock is the last whole 4 KiB block of the disk. External metadata
 * starts at offset 0 of its own device: superblock | activity log | bitmap.
 *
 * Pure static inline code, no libc or kernel calls: compiled into rblk.ko
 * and rblkadm alike.
 */
#ifndef RBLK_MD_H
#define RBLK_MD_H

#include "types.h"
#include "crc32c.h"
#include "gi.h"

typedef u16 rblk_le16;
typedef u32 rblk_le32;
typedef u64 rblk_le64;

static inline u16 rblk_get_le16(const void *p)
{
	const u8 *b = (const u8 *)p;

	return (u16)(b[0] | b[1] << 8);
}

static inline u32 rblk_get_le32(const void *p)
{
	const u8 *b = (const u8 *)p;

	return (u32)b[0] | (u32)b[1] << 8 | (u32)b[2] << 16 | (u32)b[3] << 24;
}

static inline u64 rblk_get_le64(const void *p)
{
	const u8 *b = (const u8 *)p;

	return (u64)rblk_get_le32(b) | (u64)rblk_get_le32(b + 4) << 32;
}

static inline void rblk_put_le16(void *p, u16 v)
{
	u8 *b = (u8 *)p;

	b[0] = (u8)v;
	b[1] = (u8)(v >> 8);
}

static inline void rblk_put_le32(void *p, u32 v)
{
	u8 *b = (u8 *)p;

	b[0] = (u8)v;
	b[1] = (u8)(v >> 8);
	b[2] = (u8)(v >> 16);
	b[3] = (u8)(v >> 24);
}

static inline void rblk_put_le64(void *p, u64 v)
{
	rblk_put_le32(p, (u32)v);
	rblk_put_le32((u8 *)p + 4, (u32)(v >> 32));
}

#define RBLK_MD_MAGIC		"RBLKMETA"	/* 8 bytes, no NUL on disk */
#define RBLK_MD_VERSION		1
#define RBLK_MD_BLOCK		((u64)4096)		/* unit of all metadata I/O */
#define RBLK_SECTOR		((u64)512)
#define RBLK_BM_BYTES_PER_BIT	((u64)4096)		/* one bit per 4 KiB of data */
#define RBLK_AL_SLOTS		8		/* transactions in the ring */
#define RBLK_AL_EXTENT_SHIFT	22		/* an AL extent is 4 MiB */
#define RBLK_AL_BYTES		(RBLK_AL_SLOTS * RBLK_MD_BLOCK)
#define RBLK_MD_MIN_DATA	((u64)1024 * 1024)	/* smallest data area */

enum rblk_md_kind {
	RBLK_MD_INTERNAL = 0,
	RBLK_MD_EXTERNAL = 1,
};

/* The superblock: 512 bytes at the start of its 4 KiB block. */
struct rblk_md_sb {
	u8 magic[8];			/*   0 RBLK_MD_MAGIC */
	rblk_le32 version;		/*   8 RBLK_MD_VERSION */
	rblk_le32 sb_bytes;		/*  12 sizeof(struct rblk_md_sb) */
	rblk_le32 crc32c;		/*  16 of sb_bytes, this field as 0 */
	rblk_le32 flags;		/*  20 enum rblk_md_flags */
	rblk_le64 uuid[RBLK_UI_COUNT];	/*  24 enum rblk_uuid_index */
	rblk_le64 device_uuid;		/*  56 random, made by create-md */
	rblk_le64 data_sectors;		/*  64 size of the replicated area */
	rblk_le64 disk_sectors;		/*  72 data disk size at create-md */
	rblk_le64 md_sectors;		/*  80 size of the whole metadata area */
	rblk_le64 al_offset;		/*  88 s64, sectors from the superblock */
	rblk_le64 bm_offset;		/*  96 s64, sectors from the superblock */
	rblk_le64 bm_bits;		/* 104 = data bytes / 4 KiB, rounded up */
	rblk_le32 bm_bytes_per_bit;	/* 112 RBLK_BM_BYTES_PER_BIT */
	rblk_le32 al_slots;		/* 116 RBLK_AL_SLOTS */
	rblk_le32 al_extent_shift;	/* 120 RBLK_AL_EXTENT_SHIFT */
	rblk_le32 al_extents;		/* 124 extents the AL keeps active */
	rblk_le32 md_kind;		/* 128 enum rblk_md_kind */
	rblk_le32 reserved0;		/* 132 zero */
	rblk_le64 create_time;		/* 136 seconds since 1970, informational */
	rblk_le64 la_sectors;		/* 144 size in use (the device's), agreed
					 * with the peer; 0: none yet */
	u8 reserved[360];		/* 152 zero */
} __attribute__((packed));

_Static_assert(sizeof(struct rblk_md_sb) == 512, "superblock is 512 bytes");

/*
 * One activity log transaction: a 4 KiB block. The AL is a set of
 * al_extents slots, each naming a 4 MiB extent that may have writes in
 * flight (0xffffffff = empty). A transaction records up to
 * RBLK_AL_UPDATES slot changes plus a window of the whole set
 * (context_start .. +context_count), moving on with every transaction, so
 * the last RBLK_AL_SLOTS - 1 transactions always hold the full set: the
 * newest may be torn by a power cut, and the block it overwrote is gone
 * (hence at most RBLK_AL_SLOTS - 1 windows of slots). Recovery replays
 * valid transactions in tr_number order: window, then updates.
 */
#define RBLK_AL_MAGIC		0x4c41424bU	/* "KBAL" on disk */
#define RBLK_AL_UPDATES		64
#define RBLK_AL_CONTEXT		922
#define RBLK_AL_EMPTY		0xffffffffU
#define RBLK_AL_EXTENTS_MIN	7
#define RBLK_AL_EXTENTS_MAX	((RBLK_AL_SLOTS - 1) * RBLK_AL_CONTEXT)	/* 6454 */
#define RBLK_AL_EXTENTS_DEFAULT	1237

struct rblk_al_tr {
	rblk_le32 magic;			/*    0 RBLK_AL_MAGIC */
	rblk_le32 crc32c;			/*    4 of 4 KiB, this field as 0 */
	rblk_le64 tr_number;			/*    8 increases by one per write */
	rblk_le16 n_updates;			/*   16 used entries of update_* */
	rblk_le16 context_start;		/*   18 slot of context[0] */
	rblk_le16 context_count;		/*   20 used entries of context[] */
	rblk_le16 al_extents;			/*   22 size of the set */
	rblk_le16 update_slot[RBLK_AL_UPDATES];	/*   24 */
	rblk_le32 update_extent[RBLK_AL_UPDATES]; /* 152 */
	rblk_le32 context[RBLK_AL_CONTEXT];	/*  408 */
} __attribute__((packed));

_Static_assert(sizeof(struct rblk_al_tr) == 4096, "AL transaction is 4 KiB");

static inline u64 rblk_round_up(u64 v, u64 to)
{
	return (v + to - 1) / to * to;
}

/*
 * A size in use (sectors) metadata can record for a data area of
 * data_sectors: whole 4 KiB blocks, 1 MiB at least, within the area.
 */
static inline bool rblk_md_size_ok(u64 sectors, u64 data_sectors)
{
	return !(sectors % (RBLK_MD_BLOCK / RBLK_SECTOR)) &&
	       sectors >= RBLK_MD_MIN_DATA / RBLK_SECTOR &&
	       sectors <= data_sectors;
}

/* Bits in the bitmap of a data area of data_bytes. */
static inline u64 rblk_bm_bits(u64 data_bytes)
{
	return (data_bytes + RBLK_BM_BYTES_PER_BIT - 1) / RBLK_BM_BYTES_PER_BIT;
}

/* Bytes the bitmap of bits occupies on disk (whole 4 KiB blocks). */
static inline u64 rblk_bm_area_bytes(u64 bits)
{
	return rblk_round_up((bits + 7) / 8, RBLK_MD_BLOCK);
}

/* Where everything lives; all byte offsets on the metadata device. */
struct rblk_md_layout {
	enum rblk_md_kind kind;
	u64 md_offset, md_bytes;	/* the whole metadata area */
	u64 sb_offset, al_offset, bm_offset;
	u64 bm_area_bytes;		/* whole 4 KiB blocks */
	u64 bm_bits;
	u64 data_bytes;			/* the replicated area: [0, data_bytes) */
};

/*
 * Internal metadata on a disk of disk_bytes. The bitmap is sized for the
 * whole (4 KiB-rounded-down) disk, which makes it a few bits larger than
 * the data area needs but keeps the formula closed:
 *   D  = disk_bytes rounded down to 4 KiB
 *   md = 4 KiB + AL (32 KiB) + roundup4K(ceil(D / 4 KiB / 8))
 *   data = D - md
 * Returns -1 if the data area would be smaller than RBLK_MD_MIN_DATA.
 */
static inline int rblk_md_layout_internal(u64 disk_bytes,
					  struct rblk_md_layout *l)
{
	u64 d = disk_bytes / RBLK_MD_BLOCK * RBLK_MD_BLOCK;

	l->kind = RBLK_MD_INTERNAL;
	l->bm_area_bytes = rblk_bm_area_bytes(rblk_bm_bits(d));
	l->md_bytes = RBLK_MD_BLOCK + RBLK_AL_BYTES + l->bm_area_bytes;
	if (d < l->md_bytes + RBLK_MD_MIN_DATA)
		return -1;
	l->data_bytes = d - l->md_bytes;
	l->md_offset = l->data_bytes;
	l->bm_offset = l->md_offset;
	l->al_offset = l->bm_offset + l->bm_area_bytes;
	l->sb_offset = l->al_offset + RBLK_AL_BYTES;
	l->bm_bits = rblk_bm_bits(l->data_bytes);
	return 0;
}

/*
 * External metadata: the whole data disk (rounded down to 4 KiB) is
 * replicated; the metadata device needs md_bytes from offset 0.
 * Returns -1 if the data disk is too small or the metadata device is.
 */
static inline int rblk_md_layout_external(u64 disk_bytes, u64 md_dev_bytes,
					  struct rblk_md_layout *l)
{
	l->kind = RBLK_MD_EXTERNAL;
	l->data_bytes = disk_bytes / RBLK_MD_BLOCK * RBLK_MD_BLOCK;
	l->bm_bits = rblk_bm_bits(l->data_bytes);
	l->bm_area_bytes = rblk_bm_area_bytes(l->bm_bits);
	l->md_bytes = RBLK_MD_BLOCK + RBLK_AL_BYTES + l->bm_area_bytes;
	l->md_offset = 0;
	l->sb_offset = 0;
	l->al_offset = RBLK_MD_BLOCK;
	l->bm_offset = RBLK_MD_BLOCK + RBLK_AL_BYTES;
	if (l->data_bytes < RBLK_MD_MIN_DATA || md_dev_bytes < l->md_bytes)
		return -1;
	return 0;
}

/* Signed distance from 'from' to 'to' in sectors, as stored on disk. */
static inline u64 rblk_md_rel_sectors(u64 to, u64 from)
{
	return (u64)(((s64)to - (s64)from) / (s64)RBLK_SECTOR);
}

/* Where to look for the superblock before anything is known. */
static inline u64 rblk_md_sb_offset(enum rblk_md_kind kind, u64 md_dev_bytes)
{
	if (kind == RBLK_MD_EXTERNAL)
		return 0;
	return md_dev_bytes / RBLK_MD_BLOCK * RBLK_MD_BLOCK - RBLK_MD_BLOCK;
}

static inline u32 rblk_md_sb_crc(const struct rblk_md_sb *sb)
{
	u8 zero[4] = { 0, 0, 0, 0 };
	u32 crc = rblk_crc32c_update(~0U, sb, 16);

	crc = rblk_crc32c_update(crc, zero, 4);
	return ~rblk_crc32c_update(crc, (const u8 *)sb + 20, sizeof(*sb) - 20);
}

static inline u32 rblk_al_tr_crc(const struct rblk_al_tr *tr)
{
	u8 zero[4] = { 0, 0, 0, 0 };
	u32 crc = rblk_crc32c_update(~0U, tr, 4);

	crc = rblk_crc32c_update(crc, zero, 4);
	return ~rblk_crc32c_update(crc, (const u8 *)tr + 8, sizeof(*tr) - 8);
}

/* A transaction is valid if magic and checksum match and sizes are sane. */
static inline bool rblk_al_tr_valid(const struct rblk_al_tr *tr)
{
	return rblk_get_le32(&tr->magic) == RBLK_AL_MAGIC &&
	       rblk_get_le32(&tr->crc32c) == rblk_al_tr_crc(tr) &&
	       rblk_get_le16(&tr->n_updates) <= RBLK_AL_UPDATES &&
	       rblk_get_le16(&tr->context_count) <= RBLK_AL_CONTEXT &&
	       rblk_get_le16(&tr->al_extents) <= RBLK_AL_EXTENTS_MAX;
}

/* What can be wrong with a superblock; rblk_md_strerror() says it in words. */
enum rblk_md_err {
	RBLK_MD_OK,
	RBLK_MD_ENOMAGIC,	/* no rblk superblock here */
	RBLK_MD_EVERSION,	/* written by a newer rblk */
	RBLK_MD_ECRC,		/* checksum mismatch */
	RBLK_MD_EFLAGS,		/* unknown flags set */
	RBLK_MD_EKIND,		/* internal/external mismatch */
	RBLK_MD_EGEOMETRY,	/* block, AL or bit size not ours */
	RBLK_MD_EBMSIZE,	/* bitmap size does not match the data size */
	RBLK_MD_ETRUNC,		/* the device is smaller than the metadata says */
	RBLK_MD_ESIZE,		/* the disk size changed since create-md */
	RBLK_MD_ECORRUPT,	/* fields contradict each other */
	__RBLK_MD_ERR_LAST
};

static inline const char *rblk_md_strerror(enum rblk_md_err e)
{
	static const char *const msg[] = {
		"ok",
		"no rblk metadata (magic not found)",
		"unsupported metadata version",
		"superblock checksum mismatch",
		"unknown flags in superblock",
		"metadata kind (internal/external) does not match the configuration",
		"unsupported metadata geometry",
		"bitmap size does not match the data size",
		"device is smaller than the metadata says (truncated?)",
		"disk size changed since the metadata was created",
		"inconsistent superblock fields",
	};

	return (unsigned int)e < __RBLK_MD_ERR_LAST ? msg[e] : "?";
}

static inline bool rblk_md_has_magic(const struct rblk_md_sb *sb)
{
	int i;

	for (i = 0; i < 8; i++)
		if (sb->magic[i] != (u8)RBLK_MD_MAGIC[i])
			return false;
	return true;
}

/* Magic, version, checksum and flags: is this our superblock at all? */
static inline enum rblk_md_err rblk_md_sb_check_header(const struct rblk_md_sb *sb)
{
	if (!rblk_md_has_magic(sb))
		return RBLK_MD_ENOMAGIC;
	if (rblk_get_le32(&sb->version) != RBLK_MD_VERSION ||
	    rblk_get_le32(&sb->sb_bytes) != sizeof(*sb))
		return RBLK_MD_EVERSION;
	if (rblk_get_le32(&sb->crc32c) != rblk_md_sb_crc(sb))
		return RBLK_MD_ECRC;
	if (rblk_get_le32(&sb->flags) & ~(u32)__RBLK_MDF_ALL)
		return RBLK_MD_EFLAGS;
	return RBLK_MD_OK;
}

/*
 * Full check of a superblock against the devices it was found on: the
 * layout recomputed from the device sizes must be exactly what it says.
 * disk_bytes is the data disk, md_dev_bytes the metadata device (the same
 * for internal metadata). Fills *l on success.
 */
static inline enum rblk_md_err
rblk_md_sb_check(const struct rblk_md_sb *sb, enum rblk_md_kind kind,
		 u64 disk_bytes, u64 md_dev_bytes, struct rblk_md_layout *l)
{
	enum rblk_md_err e = rblk_md_sb_check_header(sb);
	u64 data = rblk_get_le64(&sb->data_sectors) * RBLK_SECTOR;
	u64 bits = rblk_get_le64(&sb->bm_bits);
	u64 al_ext = rblk_get_le32(&sb->al_extents);
	u64 la = rblk_get_le64(&sb->la_sectors);
	int bad_layout;

	if (e)
		return e;
	if (rblk_get_le32(&sb->md_kind) != (u32)kind)
		return RBLK_MD_EKIND;
	if (rblk_get_le32(&sb->bm_bytes_per_bit) != RBLK_BM_BYTES_PER_BIT ||
	    rblk_get_le32(&sb->al_slots) != RBLK_AL_SLOTS ||
	    rblk_get_le32(&sb->al_extent_shift) != RBLK_AL_EXTENT_SHIFT)
		return RBLK_MD_EGEOMETRY;
	if (data >> 62 || data % RBLK_MD_BLOCK || data < RBLK_MD_MIN_DATA ||
	    al_ext < RBLK_AL_EXTENTS_MIN || al_ext > RBLK_AL_EXTENTS_MAX)
		return RBLK_MD_ECORRUPT;
	if (bits != rblk_bm_bits(data))
		return RBLK_MD_EBMSIZE;
	/* The size in use: whole 4 KiB blocks of the data area, or none. */
	if (la && !rblk_md_size_ok(la, data / RBLK_SECTOR))
		return RBLK_MD_ECORRUPT;
	if (kind == RBLK_MD_INTERNAL)
		bad_layout = rblk_md_layout_internal(md_dev_bytes, l);
	else
		bad_layout = rblk_md_layout_external(data, md_dev_bytes, l);
	if (disk_bytes < data || (bad_layout && kind == RBLK_MD_EXTERNAL))
		return RBLK_MD_ETRUNC;
	if (bad_layout || l->data_bytes != data)
		return RBLK_MD_ESIZE;
	/* compare in sectors: multiplying untrusted fields could overflow */
	if (rblk_get_le64(&sb->md_sectors) != l->md_bytes / RBLK_SECTOR ||
	    rblk_get_le64(&sb->al_offset) != rblk_md_rel_sectors(l->al_offset, l->sb_offset) ||
	    rblk_get_le64(&sb->bm_offset) != rblk_md_rel_sectors(l->bm_offset, l->sb_offset))
		return RBLK_MD_EBMSIZE;
	return RBLK_MD_OK;
}

/*
 * Moving internal metadata after the disk grew (docs/metadata.md, "A disk
 * that grew"). The superblock is the last 4 KiB of the disk, so once the
 * disk is larger it is found only at the disk's former end, at_bytes.
 * Its new place is the layout of the whole disk, disk_bytes; it must not
 * overlap the old one, which stays valid until the new superblock is
 * written. Returns 0 and fills *to if the metadata can move, 1 if it is
 * where it belongs already, -1 if the disk grew by less than the new
 * metadata needs: *need is then the size the disk must reach at least.
 */
static inline int rblk_md_move_plan(u64 at_bytes, u64 disk_bytes,
				    struct rblk_md_layout *to, u64 *need)
{
	u64 old_end = at_bytes / RBLK_MD_BLOCK * RBLK_MD_BLOCK;
	u64 d;

	*need = 0;
	if (rblk_md_layout_internal(disk_bytes, to))
		return -1;
	if (to->sb_offset + RBLK_MD_BLOCK == old_end)
		return 1;
	if (to->md_offset >= old_end)
		return 0;
	/* The smallest disk whose metadata starts at or after old_end. */
	d = old_end + RBLK_MD_BLOCK + RBLK_AL_BYTES;
	while (d < old_end + to->md_bytes + RBLK_MD_BLOCK + RBLK_AL_BYTES) {
		struct rblk_md_layout t;

		if (!rblk_md_layout_internal(d, &t) && t.md_offset >= old_end)
			break;
		d += RBLK_MD_BLOCK;
	}
	*need = d;
	return -1;
}

/*
 * The superblock of metadata moved to layout *to on a disk of disk_bytes:
 * the same generations, flags and size in use; la_sectors is the size of
 * the data it had (a disk with data but no size recorded, from an older
 * rblk, had its whole former data area in use). The caller seals it.
 */
static inline void rblk_md_sb_relayout(struct rblk_md_sb *sb,
				       const struct rblk_md_layout *to,
				       u64 disk_bytes, bool has_data)
{
	u64 la = rblk_get_le64(&sb->la_sectors);

	if (!la && has_data)
		la = rblk_get_le64(&sb->data_sectors);
	rblk_put_le64(&sb->la_sectors, la);
	rblk_put_le64(&sb->data_sectors, to->data_bytes / RBLK_SECTOR);
	rblk_put_le64(&sb->disk_sectors, disk_bytes / RBLK_SECTOR);
	rblk_put_le64(&sb->md_sectors, to->md_bytes / RBLK_SECTOR);
	rblk_put_le64(&sb->al_offset, rblk_md_rel_sectors(to->al_offset, to->sb_offset));
	rblk_put_le64(&sb->bm_offset, rblk_md_rel_sectors(to->bm_offset, to->sb_offset));
	rblk_put_le64(&sb->bm_bits, to->bm_bits);
}

/*
 * Is @end the superblock @former becomes when moved (rblk_md_sb_relayout())
 * to a disk of disk_bytes? Everything but the layout must be the same:
 * the disk, its generations and flags, the log's size, and the size in use
 * (as the move records it).
 */
static inline bool rblk_md_sb_is_moved(const struct rblk_md_sb *end,
				       const struct rblk_md_sb *former,
				       const struct rblk_md_layout *to,
				       u64 disk_bytes)
{
	struct rblk_md_sb moved = *former;
	int i;

	rblk_md_sb_relayout(&moved, to, disk_bytes,
			    rblk_get_le64(&former->uuid[RBLK_UI_CURRENT]) != RBLK_UUID_JUST_CREATED);
	rblk_put_le64(&moved.disk_sectors, rblk_get_le64(&end->disk_sectors));
	rblk_put_le32(&moved.crc32c, rblk_get_le32(&end->crc32c));
	for (i = 0; i < (int)sizeof(moved); i++)
		if (((const u8 *)&moved)[i] != ((const u8 *)end)[i])
			return false;
	return true;
}

/* Which superblock of a grown disk counts (rblk_md_pick()). */
enum rblk_md_pick {
	RBLK_MD_PICK_NONE,	/* none valid */
	RBLK_MD_PICK_END,	/* the one at the disk's end */
	RBLK_MD_PICK_FORMER,	/* the one at its former end: it must move */
	RBLK_MD_PICK_AMBIGUOUS,	/* two that differ: no guess is made */
};

/*
 * A grown disk may have a valid superblock at its end, at its former end,
 * or both. Both, the one at the end being exactly the former one moved
 * (@moved, rblk_md_sb_is_moved()): a move wrote the new one and stopped
 * before it zeroed the old, so the end counts. Both, differing in
 * anything else (another disk's, or the same disk's at another time): no
 * guess, the operator decides.
 */
static inline enum rblk_md_pick rblk_md_pick(bool end_ok, bool former_ok,
					     bool moved)
{
	if (end_ok && former_ok)
		return moved ? RBLK_MD_PICK_END : RBLK_MD_PICK_AMBIGUOUS;
	if (end_ok)
		return RBLK_MD_PICK_END;
	return former_ok ? RBLK_MD_PICK_FORMER : RBLK_MD_PICK_NONE;
}

/* Fill a superblock for a fresh layout (create-md); crc is set last. */
static inline void rblk_md_sb_init(struct rblk_md_sb *sb,
				   const struct rblk_md_layout *l,
				   u64 disk_bytes, u32 al_extents)
{
	int i;

	for (i = 0; i < (int)sizeof(*sb); i++)
		((u8 *)sb)[i] = 0;
	for (i = 0; i < 8; i++)
		sb->magic[i] = (u8)RBLK_MD_MAGIC[i];
	rblk_put_le32(&sb->version, RBLK_MD_VERSION);
	rblk_put_le32(&sb->sb_bytes, sizeof(*sb));
	rblk_md_sb_relayout(sb, l, disk_bytes, false);	/* no size in use */
	rblk_put_le32(&sb->bm_bytes_per_bit, RBLK_BM_BYTES_PER_BIT);
	rblk_put_le32(&sb->al_slots, RBLK_AL_SLOTS);
	rblk_put_le32(&sb->al_extent_shift, RBLK_AL_EXTENT_SHIFT);
	rblk_put_le32(&sb->al_extents, al_extents);
	rblk_put_le32(&sb->md_kind, l->kind);
	rblk_put_le64(&sb->uuid[RBLK_UI_CURRENT], RBLK_UUID_JUST_CREATED);
}

static inline void rblk_md_sb_seal(struct rblk_md_sb *sb)
{
	rblk_put_le32(&sb->crc32c, rblk_md_sb_crc(sb));
}

static inline void rblk_md_sb_get_gi(const struct rblk_md_sb *sb,
				     struct rblk_gi *g)
{
	int i;

	for (i = 0; i < RBLK_UI_COUNT; i++)
		g->uuid[i] = rblk_get_le64(&sb->uuid[i]);
	g->flags = rblk_get_le32(&sb->flags);
}

/* Store g in sb and re-seal it. */
static inline void rblk_md_sb_set_gi(struct rblk_md_sb *sb,
				     const struct rblk_gi *g)
{
	int i;

	for (i = 0; i < RBLK_UI_COUNT; i++)
		rblk_put_le64(&sb->uuid[i], g->uuid[i]);
	rblk_put_le32(&sb->flags, g->flags);
	rblk_md_sb_seal(sb);
}

#endif /* RBLK_MD_H */
