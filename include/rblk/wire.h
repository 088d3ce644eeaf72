/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * rblk wire protocol, version 1 (docs/protocol.md explains it in prose).
 *
 * Every packet is a 16-byte header followed by `length` bytes of payload:
 * a fixed-size, type-specific struct and, for WRITE and READ_REPLY, the
 * data. Everything on the wire is big-endian and accessed through the
 * byte-wise helpers below, so packets can be built and checked in any
 * buffer on any CPU. The receiver checks the header with
 * rblk_wire_check_hdr() before it reads a single payload byte; any
 * violation is a protocol error that drops the connection.
 *
 * Pure static inline code, no libc or kernel calls: compiled into rblk.ko,
 * rblkadm's tests and the hostile-peer test tool alike.
 */
#ifndef RBLK_WIRE_H
#define RBLK_WIRE_H

#include "genl.h"		/* enum rblk_role, enum rblk_disk_state */
#include "types.h"

#define RBLK_WIRE_MAGIC		0x52424c4bU	/* "RBLK" */
#define RBLK_PROTO_MIN		1
#define RBLK_PROTO_MAX		1
#define RBLK_WIRE_HDR_SIZE	16
/* Largest data payload of one packet; requests are limited to this. */
#define RBLK_WIRE_MAX_DATA	(1U << 20)
#define RBLK_WIRE_NAME_LEN	64	/* NUL-padded names */

enum rblk_packet_type {
	RBLK_P_HELLO = 1,	/* both ways, first packet on a connection */
	RBLK_P_COMMIT,		/* the decider keeps this connection */
	RBLK_P_STATE,		/* sizes, UUIDs, role, disk state */
	RBLK_P_PING,
	RBLK_P_PING_ACK,
	RBLK_P_WRITE,		/* Primary -> Secondary: write, flush, discard */
	RBLK_P_WRITE_ACK,	/* the peer's disk has it */
	RBLK_P_READ_REQ,	/* read from the peer's disk */
	RBLK_P_READ_REPLY,
	RBLK_P_DISCONNECT,	/* orderly goodbye */
	RBLK_P_BITMAP,		/* SyncTarget -> SyncSource: its bitmap */
	RBLK_P_SYNC_START,	/* SyncSource -> SyncTarget: resync begins */
	RBLK_P_RS_DATA,		/* SyncSource -> SyncTarget: blocks */
	RBLK_P_RS_ACK,		/* SyncTarget -> SyncSource: written */
	RBLK_P_SYNC_DONE,	/* SyncSource -> SyncTarget: all sent and acked */
	RBLK_P_NEW_UUID,	/* both fresh: take this generation, skip the sync */
	RBLK_P_VERIFY_START,	/* verify source -> target (or ask the peer to lead) */
	RBLK_P_VERIFY_REQ,	/* source -> target: digests of this range, please */
	RBLK_P_VERIFY_REPLY,	/* target -> source: one digest per 4 KiB block */
	RBLK_P_VERIFY_DONE,	/* source -> target: finished or stopped, result */
	RBLK_P_RS_CSUM,		/* SyncSource -> SyncTarget: digests of a range */
	RBLK_P_RS_CSUM_REPLY,	/* SyncTarget -> SyncSource: which blocks differ */
	RBLK_P_AUTH,		/* both ways, after HELLO: the answer to a challenge */
	RBLK_P_SYNC_REQ,	/* Primary, a disk attached -> its UpToDate
				 * Secondary: resync it to me, in full */
	RBLK_P_SIZES,		/* both ways, before the first STATE: what
				 * each disk gives and holds */
	__RBLK_P_LAST
};

/*
 * Digest algorithms (verify-alg, csums-alg), by number on the wire and in
 * netlink; the kernel crypto API names them by rblk_digest_name().
 */
enum rblk_digest_alg {
	RBLK_DIGEST_NONE,
	RBLK_DIGEST_CRC32C,
	RBLK_DIGEST_MD5,
	RBLK_DIGEST_SHA1,
	RBLK_DIGEST_SHA256,
	__RBLK_DIGEST_LAST
};
#define RBLK_DIGEST_MAX_SIZE	32	/* bytes, sha256 */
/* Blocks of one digest request: 64 x 4 KiB = 256 KiB. */
#define RBLK_DIGEST_MAX_BLOCKS	64
#define RBLK_DIGEST_BLOCK	4096

static inline const char *rblk_digest_name(unsigned int alg)
{
	switch (alg) {
	case RBLK_DIGEST_NONE: return "none";
	case RBLK_DIGEST_CRC32C: return "crc32c";
	case RBLK_DIGEST_MD5: return "md5";
	case RBLK_DIGEST_SHA1: return "sha1";
	case RBLK_DIGEST_SHA256: return "sha256";
	default: return "?";
	}
}

/* Bytes of one digest, 0 for none or unknown. */
static inline unsigned int rblk_digest_size(unsigned int alg)
{
	switch (alg) {
	case RBLK_DIGEST_CRC32C: return 4;
	case RBLK_DIGEST_MD5: return 16;
	case RBLK_DIGEST_SHA1: return 20;
	case RBLK_DIGEST_SHA256: return 32;
	default: return 0;
	}
}

/* rblk_wire_hdr.flags: none defined for any type yet; must be zero. */

/* WRITE flags: what the request was, so the peer replays it the same. */
enum rblk_write_flags {
	RBLK_WF_FUA = 1U << 0,
	RBLK_WF_PREFLUSH = 1U << 1,
	RBLK_WF_DISCARD = 1U << 2,	/* no data; bytes = range */
	RBLK_WF_ZEROES = 1U << 3,	/* no data; bytes = range */
	__RBLK_WF_ALL = 0xf
};

/* HELLO features (negotiated: both must set a bit for it to be used). */
enum rblk_features {
	/*
	 * A SyncTarget may run before-resync-target before its bitmap,
	 * announced by RBLK_SF_RESYNC_WAITS; without it the handler is
	 * started, not waited for.
	 */
	RBLK_FEAT_RESYNC_WAITS = 1U << 0,
	/*
	 * A Primary whose disk failed may be served by its peer: the peer
	 * sends a STATE once it has started its generation for that
	 * (kmod/gen.c), and takes the Primary back after a lost connection
	 * (rblk_cd_served(), include/rblk/state.h).
	 */
	RBLK_FEAT_SERVES_DISKLESS = 1U << 1,
	/*
	 * A Primary served by its peer may attach a disk while connected:
	 * SYNC_REQ, and the peer, Secondary, resyncs it in full while the
	 * Primary's writes go on (kmod/resync.c, "A Primary's new disk").
	 */
	RBLK_FEAT_PRIMARY_ATTACH = 1U << 2,
	/*
	 * Disks of different sizes: SIZES before the first STATE, and the
	 * device is the size rblk_cd_size() (include/rblk/state.h) finds;
	 * BITMAP carries the bitmap of that size. Without it the two data
	 * areas must be equal.
	 */
	RBLK_FEAT_SIZES = 1U << 3,
	__RBLK_FEAT_ALL = 15
};

/* The header; all fields big-endian. */
struct rblk_wire_hdr {
	u8 magic[4];		/* RBLK_WIRE_MAGIC */
	u8 type[2];		/* enum rblk_packet_type */
	u8 flags[2];		/* zero */
	u8 length[4];		/* payload bytes after this header */
	u8 seq[4];		/* 1, 2, 3 ... per connection and direction */
} __attribute__((packed));

/*
 * HELLO: who we are and what we speak. With a shared secret configured,
 * auth_alg is RBLK_AUTH_CRAM_HMAC, auth_len the challenge's length, then a
 * random challenge and the hmac's name (include/rblk/auth.h); without one,
 * all four are zero (and a peer without one refuses a HELLO that asks).
 */
struct rblk_p_hello {
	u8 proto_min[2], proto_max[2];
	u8 features[4];
	u8 nonce[8];			/* random per connection attempt */
	u8 resource[RBLK_WIRE_NAME_LEN];
	u8 node[RBLK_WIRE_NAME_LEN];	/* sender's name as in the config */
	u8 auth_alg[2];			/* enum rblk_auth_method */
	u8 auth_len[2];			/* challenge bytes, 32, or 0 */
	u8 auth_challenge[32];		/* random per connection attempt */
	u8 auth_hmac[32];		/* "sha256": the hmac, NUL-padded */
	u8 reserved[12];
} __attribute__((packed));

/* AUTH: HMAC(shared-secret, rblk_auth_msg()), mac_len bytes, zero-padded. */
struct rblk_p_auth {
	u8 mac_len[2];
	u8 reserved[2];
	u8 mac[64];
} __attribute__((packed));

struct rblk_p_state {
	u8 data_sectors[8];		/* size of the sender's data area */
	u8 uuid[4][8];			/* current, bitmap, history 0, 1 */
	u8 md_flags[4];			/* enum rblk_md_flags */
	u8 role;			/* enum rblk_role */
	u8 disk_state;			/* enum rblk_disk_state */
	u8 state_flags;			/* enum rblk_state_flags */
	u8 reserved;
	u8 bits_set[8];			/* blocks out of sync, sender's view */
} __attribute__((packed));

/*
 * SIZES, in 512-byte sectors: usable, what the sender's disk gives (its
 * data area, within its `size`; 0 without a disk); in_use, the size its
 * data has (agreed with a peer before, 0: none yet). Whole 4 KiB blocks.
 */
struct rblk_p_sizes {
	u8 usable[8];
	u8 in_use[8];
	u8 flags[4];			/* none yet: zero */
	u8 reserved[4];
} __attribute__((packed));

struct rblk_p_ping {
	u8 cookie[8];
} __attribute__((packed));

struct rblk_p_write {
	u8 id[8];			/* the sender's request handle, echoed */
	u8 sector[8];
	u8 bytes[4];			/* data bytes that follow, or range */
	u8 wflags[4];			/* enum rblk_write_flags */
} __attribute__((packed));

struct rblk_p_ack {
	u8 id[8];
	u8 status[4];			/* 0, or a positive errno */
	u8 flags[4];			/* enum rblk_ack_flags, WRITE_ACK only */
} __attribute__((packed));

/*
 * WRITE_ACK flags. IN_SYNC: a SyncSource resyncing its Primary's new disk
 * (RBLK_FEAT_PRIMARY_ATTACH) wrote this write with no resync block of
 * that range in flight: the whole 4 KiB blocks it covers are in sync
 * now, on both nodes once the Primary's own part is done (its bits are
 * cleared there too), and need no resync block.
 */
enum rblk_ack_flags {
	RBLK_ACKF_IN_SYNC = 1U << 0,
	__RBLK_ACKF_ALL = 1
};

/*
 * RS_ACK status from a Primary whose new disk is resynced: this block
 * was not written, a write of its own to it being in flight; send it
 * again (the value of EAGAIN on Linux, fixed here for the wire).
 */
#define RBLK_RS_ACK_AGAIN	11

struct rblk_p_read_req {
	u8 id[8];
	u8 sector[8];
	u8 bytes[4];
	u8 reserved[4];
} __attribute__((packed));

/* READ_REPLY: struct rblk_p_ack, then `bytes` of data if status is 0. */

/*
 * BITMAP: a slice of the sender's bitmap in its on-disk byte order (bit n
 * = byte n / 8, bit n % 8), `bytes` of it from byte `offset`; the data
 * follows. The slice with `last` set ends it (it may carry no data).
 */
struct rblk_p_bitmap {
	u8 offset[8];
	u8 bytes[4];
	u8 last;
	u8 reserved[3];
} __attribute__((packed));

/*
 * SYNC_START and SYNC_DONE: the source's generations at that point. At
 * SYNC_START the target takes `bitmap_uuid` as its current generation (the one
 * its remaining bits count from); at SYNC_DONE it takes `current_uuid`.
 */
struct rblk_p_sync {
	u8 current_uuid[8];
	u8 bitmap_uuid[8];
	u8 total_bits[8];		/* blocks to resync, SYNC_START */
	u8 csums_alg;			/* SYNC_START: RS_CSUM digests, 0 none */
	u8 reserved[7];
} __attribute__((packed));

/*
 * NEW_UUID: struct rblk_p_sync, current_uuid only. SYNC_REQ too: the
 * generation the Primary was served at, which the Secondary must still
 * be at.
 */

/*
 * VERIFY_START: compare sectors [start, stop) with `alg`. Sent by the node
 * that leads (reads its own copy and decides); with RBLK_VF_ASK set, a
 * Secondary asks its Primary to lead instead, since only the Primary can
 * hold back application writes while a range is compared.
 */
struct rblk_p_verify {
	u8 start[8];
	u8 stop[8];
	u8 alg;				/* enum rblk_digest_alg */
	u8 vflags;			/* enum rblk_verify_wire_flags */
	u8 reserved[6];
} __attribute__((packed));

enum rblk_verify_wire_flags {
	RBLK_VF_ASK = 1U << 0,
	RBLK_VF_REPAIR = 1U << 1,
	__RBLK_VF_ALL = 3
};

/*
 * VERIFY_REQ: struct rblk_p_read_req. VERIFY_REPLY and RS_CSUM: this, then
 * one digest per 4 KiB block of the range (the last one may be shorter).
 */
struct rblk_p_digest {
	u8 id[8];
	u8 sector[8];
	u8 bytes[4];
	u8 status[4];			/* 0, or a positive errno: no digests */
} __attribute__((packed));

/* VERIFY_DONE: the result, for the target's status. */
struct rblk_p_verify_done {
	u8 checked_kib[8];
	u8 diff_kib[8];
	u8 pos[8];			/* sector reached */
	u8 stopped;			/* 1: interrupted before stop */
	u8 repair;			/* 1: a resync of what differs follows */
	u8 reserved[6];
} __attribute__((packed));

/* RS_CSUM_REPLY: bit i of `differ` set = block i of the range differs. */
struct rblk_p_csum_reply {
	u8 id[8];
	u8 status[4];
	u8 reserved[4];
	u8 differ[8];
} __attribute__((packed));
/*
 * RS_DATA: struct rblk_p_write, then `bytes` of data; or wflags
 * RBLK_WF_ZEROES and no data: the blocks are all zeros. One resync range
 * may travel as several RS_DATA (runs of data and of zeros, or only the
 * blocks an RS_CSUM_REPLY named), all with the range's id; each is acked.
 */
/* RS_ACK: struct rblk_p_ack. */

/* rblk_p_state.state_flags */
enum rblk_state_flags {
	RBLK_SF_DISCARD_MY_DATA = 1U << 0,	/* the sender gives up its changes */
	RBLK_SF_SYNC_PAUSED = 1U << 1,		/* pause-sync on the sender */
	/*
	 * The sender, the SyncTarget of the resync just decided, Outdated
	 * on its disk, runs its before-resync-target handler before it
	 * sends its bitmap, and says so again every second while it runs:
	 * the source's wait for the bitmap (timeout x ko-count) starts
	 * again with each (RBLK_FEAT_RESYNC_WAITS).
	 */
	RBLK_SF_RESYNC_WAITS = 1U << 2,
	__RBLK_SF_ALL = 7
};

_Static_assert(sizeof(struct rblk_wire_hdr) == RBLK_WIRE_HDR_SIZE, "hdr");
_Static_assert(sizeof(struct rblk_p_hello) == 224, "hello");
_Static_assert(sizeof(struct rblk_p_auth) == 68, "auth");
_Static_assert(sizeof(struct rblk_p_state) == 56, "state");
_Static_assert(sizeof(struct rblk_p_write) == 24, "write");
_Static_assert(sizeof(struct rblk_p_ack) == 16, "ack");
_Static_assert(sizeof(struct rblk_p_bitmap) == 16, "bitmap");
_Static_assert(sizeof(struct rblk_p_sync) == 32, "sync");
_Static_assert(sizeof(struct rblk_p_verify) == 24, "verify");
_Static_assert(sizeof(struct rblk_p_digest) == 24, "digest");
_Static_assert(sizeof(struct rblk_p_verify_done) == 32, "verify_done");
_Static_assert(sizeof(struct rblk_p_csum_reply) == 24, "csum_reply");

/* ---- big-endian helpers ---------------------------------------------- */

static inline u16 rblk_be16(const u8 *b)
{
	return (u16)(b[0] << 8 | b[1]);
}

static inline u32 rblk_be32(const u8 *b)
{
	return (u32)b[0] << 24 | (u32)b[1] << 16 | (u32)b[2] << 8 | b[3];
}

static inline u64 rblk_be64(const u8 *b)
{
	return (u64)rblk_be32(b) << 32 | rblk_be32(b + 4);
}

static inline void rblk_put_be16(u8 *b, u16 v)
{
	b[0] = (u8)(v >> 8);
	b[1] = (u8)v;
}

static inline void rblk_put_be32(u8 *b, u32 v)
{
	b[0] = (u8)(v >> 24);
	b[1] = (u8)(v >> 16);
	b[2] = (u8)(v >> 8);
	b[3] = (u8)v;
}

static inline void rblk_put_be64(u8 *b, u64 v)
{
	rblk_put_be32(b, (u32)(v >> 32));
	rblk_put_be32(b + 4, (u32)v);
}

/* ---- header ----------------------------------------------------------- */

static inline void rblk_wire_hdr_init(struct rblk_wire_hdr *h, u16 type,
				      u32 length, u32 seq)
{
	rblk_put_be32(h->magic, RBLK_WIRE_MAGIC);
	rblk_put_be16(h->type, type);
	rblk_put_be16(h->flags, 0);
	rblk_put_be32(h->length, length);
	rblk_put_be32(h->seq, seq);
}

enum rblk_wire_error {
	RBLK_WIRE_OK = 0,
	RBLK_WIRE_BAD_MAGIC,
	RBLK_WIRE_BAD_TYPE,
	RBLK_WIRE_BAD_FLAGS,
	RBLK_WIRE_BAD_LENGTH,
	RBLK_WIRE_BAD_SEQ,
	RBLK_WIRE_BAD_PAYLOAD,
	RBLK_WIRE_BAD_STATE,	/* valid packet at the wrong time */
	__RBLK_WIRE_ERR_LAST
};

static inline const char *rblk_wire_strerror(enum rblk_wire_error e)
{
	switch (e) {
	case RBLK_WIRE_OK: return "ok";
	case RBLK_WIRE_BAD_MAGIC: return "bad magic";
	case RBLK_WIRE_BAD_TYPE: return "unknown packet type";
	case RBLK_WIRE_BAD_FLAGS: return "unknown header flags";
	case RBLK_WIRE_BAD_LENGTH: return "bad length";
	case RBLK_WIRE_BAD_SEQ: return "out-of-order sequence number";
	case RBLK_WIRE_BAD_PAYLOAD: return "malformed payload";
	case RBLK_WIRE_BAD_STATE: return "packet not allowed in this state";
	default: return "unknown error";
	}
}

/*
 * Check a WRITE's fixed part against the data length that follows it and
 * the receiver's device size in sectors.
 */
static inline enum rblk_wire_error
rblk_wire_check_write(const struct rblk_p_write *w, u32 data_len,
		      u64 dev_sectors)
{
	u32 flags = rblk_be32(w->wflags);
	u32 bytes = rblk_be32(w->bytes);
	u64 sector = rblk_be64(w->sector);
	bool nodata = flags & (RBLK_WF_DISCARD | RBLK_WF_ZEROES);

	if (flags & ~(u32)__RBLK_WF_ALL)
		return RBLK_WIRE_BAD_PAYLOAD;
	if ((flags & RBLK_WF_DISCARD) && (flags & RBLK_WF_ZEROES))
		return RBLK_WIRE_BAD_PAYLOAD;
	if (bytes % 512 || (nodata ? data_len != 0 : data_len != bytes))
		return RBLK_WIRE_BAD_PAYLOAD;
	if (bytes == 0 && !(flags & RBLK_WF_PREFLUSH))
		return RBLK_WIRE_BAD_PAYLOAD;
	if (sector > dev_sectors || (u64)(bytes / 512) > dev_sectors - sector)
		return RBLK_WIRE_BAD_PAYLOAD;
	return RBLK_WIRE_OK;
}

/*
 * Check a BITMAP slice against the data that follows and the receiver's
 * bitmap size in bytes (both nodes have the same data size, so the same).
 */
static inline enum rblk_wire_error
rblk_wire_check_bitmap(const struct rblk_p_bitmap *b, u32 data_len,
		       u64 bm_bytes)
{
	u64 off = rblk_be64(b->offset);
	u32 bytes = rblk_be32(b->bytes);

	if (b->last > 1 || bytes != data_len)
		return RBLK_WIRE_BAD_PAYLOAD;
	if (off > bm_bytes || bytes > bm_bytes - off)
		return RBLK_WIRE_BAD_PAYLOAD;
	return RBLK_WIRE_OK;
}

/*
 * Check a digest range (VERIFY_REQ, VERIFY_REPLY, RS_CSUM): sector and
 * bytes inside the device, at most RBLK_DIGEST_MAX_BLOCKS blocks, and, if
 * @dsize is not 0, exactly one digest of @dsize bytes per block in the
 * @data_len that follows (none if @status).
 */
static inline enum rblk_wire_error
rblk_wire_check_digest(u64 sector, u32 bytes, u32 status, u32 data_len,
		       unsigned int dsize, u64 dev_sectors)
{
	u32 blocks;

	/* Bounded first: bytes + 4095 must not wrap below. */
	if (!bytes || bytes % 512 ||
	    bytes > RBLK_DIGEST_MAX_BLOCKS * RBLK_DIGEST_BLOCK)
		return RBLK_WIRE_BAD_PAYLOAD;
	blocks = (bytes + RBLK_DIGEST_BLOCK - 1) / RBLK_DIGEST_BLOCK;
	if (sector % (RBLK_DIGEST_BLOCK / 512))
		return RBLK_WIRE_BAD_PAYLOAD;
	if (sector > dev_sectors || (u64)(bytes / 512) > dev_sectors - sector)
		return RBLK_WIRE_BAD_PAYLOAD;
	if (dsize && data_len != (status ? 0 : blocks * dsize))
		return RBLK_WIRE_BAD_PAYLOAD;
	if (!dsize && data_len)
		return RBLK_WIRE_BAD_PAYLOAD;
	return RBLK_WIRE_OK;
}

/* ---- the packet table ------------------------------------------------- */

/*
 * What the checks know of the receiver: nothing but these numbers, so
 * that every check is a pure function of the packet and them.
 */
struct rblk_wire_dev {
	u64 sectors;		/* its data area */
	u64 bm_bytes;		/* its bitmap (one bit per 4 KiB block) */
	u32 csum_size;		/* digest bytes of its running resync's
				 * csums-alg (RS_CSUM), 0 none */
	u32 verify_size;	/* ... of the verify it leads (VERIFY_REPLY) */
};

/* A check of one type's fixed part and the data length after it. */
typedef enum rblk_wire_error (*rblk_wire_check_fn)(const void *fixed,
						   u32 data_len,
						   const struct rblk_wire_dev *d);

struct rblk_wire_type {
	const char *name;
	u32 fixed;		/* bytes of the fixed part */
	u32 max_data;		/* most data bytes after it; 0: none */
	rblk_wire_check_fn check;
};

#define RBLK_WIRE_MAX_FIXED	sizeof(struct rblk_p_hello)
#define RBLK_WIRE_MAX_STATUS	4095	/* a positive errno */

/* Room for any type's fixed part, seen as each (tools and tests build them). */
union rblk_wire_fixed {
	u8 b[RBLK_WIRE_MAX_FIXED];
	struct rblk_p_hello hello;
	struct rblk_p_auth auth;
	struct rblk_p_state state;
	struct rblk_p_sizes sizes;
	struct rblk_p_ping ping;
	struct rblk_p_write write;
	struct rblk_p_ack ack;
	struct rblk_p_read_req rreq;
	struct rblk_p_bitmap bitmap;
	struct rblk_p_sync sync;
	struct rblk_p_verify verify;
	struct rblk_p_digest digest;
	struct rblk_p_verify_done vdone;
	struct rblk_p_csum_reply creply;
};

static inline bool rblk_wire_name_ok(const u8 *name)
{
	unsigned int i;

	for (i = 0; i < RBLK_WIRE_NAME_LEN; i++)
		if (!name[i])
			break;
	if (i == 0 || i == RBLK_WIRE_NAME_LEN)
		return false;
	for (; i < RBLK_WIRE_NAME_LEN; i++)	/* NUL-padded */
		if (name[i])
			return false;
	return true;
}

static inline bool rblk_wire_zero(const u8 *b, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/* [sector, sector + bytes / 512) inside the device; bytes a sector multiple. */
static inline bool rblk_wire_range_ok(u64 sector, u32 bytes, u64 sectors)
{
	return !(bytes % 512) && sector <= sectors &&
	       (u64)(bytes / 512) <= sectors - sector;
}

static inline enum rblk_wire_error
rblk_wire_ok_empty(const void *f, u32 data_len, const struct rblk_wire_dev *d)
{
	(void)f; (void)data_len; (void)d;
	return RBLK_WIRE_OK;
}

/*
 * HELLO: a protocol range, both names NUL-terminated and padded, and the
 * authentication fields either all off or a challenge with an hmac name
 * (include/rblk/auth.h decides what to do with them).
 */
static inline enum rblk_wire_error
rblk_wire_check_hello(const void *f, u32 data_len, const struct rblk_wire_dev *d)
{
	const struct rblk_p_hello *h = (const struct rblk_p_hello *)f;
	u16 alg = rblk_be16(h->auth_alg), len = rblk_be16(h->auth_len);
	unsigned int i;

	(void)data_len; (void)d;
	if (rblk_be16(h->proto_min) > rblk_be16(h->proto_max) ||
	    !rblk_wire_name_ok(h->resource) || !rblk_wire_name_ok(h->node))
		return RBLK_WIRE_BAD_PAYLOAD;
	if (alg == 0) {
		if (len || !rblk_wire_zero(h->auth_challenge, sizeof(h->auth_challenge)) ||
		    !rblk_wire_zero(h->auth_hmac, sizeof(h->auth_hmac)))
			return RBLK_WIRE_BAD_PAYLOAD;
	} else if (alg == 1) {	/* RBLK_AUTH_CRAM_HMAC */
		if (len != sizeof(h->auth_challenge) || !h->auth_hmac[0])
			return RBLK_WIRE_BAD_PAYLOAD;
		for (i = 0; i < sizeof(h->auth_hmac) && h->auth_hmac[i]; i++)
			;
		if (i == sizeof(h->auth_hmac) ||
		    !rblk_wire_zero(h->auth_hmac + i, sizeof(h->auth_hmac) - i))
			return RBLK_WIRE_BAD_PAYLOAD;
	} else {
		return RBLK_WIRE_BAD_PAYLOAD;
	}
	return RBLK_WIRE_OK;
}

/* AUTH: the mac fits, zero-padded (its length is checked with the hmac). */
static inline enum rblk_wire_error
rblk_wire_check_auth_fields(const void *f, u32 data_len,
			    const struct rblk_wire_dev *d)
{
	const struct rblk_p_auth *a = (const struct rblk_p_auth *)f;
	u16 len = rblk_be16(a->mac_len);

	(void)data_len; (void)d;
	if (!len || len > sizeof(a->mac) || rblk_be16(a->reserved) ||
	    !rblk_wire_zero(a->mac + len, sizeof(a->mac) - len))
		return RBLK_WIRE_BAD_PAYLOAD;
	return RBLK_WIRE_OK;
}

/* STATE: a role the peer can have, a disk state, known flags; our size. */
static inline enum rblk_wire_error
rblk_wire_check_state(const void *f, u32 data_len, const struct rblk_wire_dev *d)
{
	const struct rblk_p_state *st = (const struct rblk_p_state *)f;

	(void)data_len; (void)d;
	if ((st->role != RBLK_ROLE_PRIMARY && st->role != RBLK_ROLE_SECONDARY) ||
	    st->disk_state >= __RBLK_DISK_LAST ||
	    (st->state_flags & ~__RBLK_SF_ALL) || st->reserved)
		return RBLK_WIRE_BAD_PAYLOAD;
	/* Its bits count blocks of its data area: no more than there are. */
	if (rblk_be64(st->bits_set) > rblk_be64(st->data_sectors) / 8 +
	    !!(rblk_be64(st->data_sectors) % 8))
		return RBLK_WIRE_BAD_PAYLOAD;
	return RBLK_WIRE_OK;
}

/*
 * SIZES: whole 4 KiB blocks, 1 MiB at least (RBLK_MD_MIN_DATA: what
 * metadata can record), or 0; data in use fits its disk; no disk, none.
 */
static inline enum rblk_wire_error
rblk_wire_check_sizes(const void *f, u32 data_len, const struct rblk_wire_dev *d)
{
	const struct rblk_p_sizes *p = (const struct rblk_p_sizes *)f;
	u64 usable = rblk_be64(p->usable), in_use = rblk_be64(p->in_use);

	(void)data_len; (void)d;
	if (usable >> 53 || usable % 8 || in_use % 8 || in_use > usable ||
	    (usable && usable < 2048) || (in_use && in_use < 2048) ||
	    rblk_be32(p->flags) || !rblk_wire_zero(p->reserved, sizeof(p->reserved)))
		return RBLK_WIRE_BAD_PAYLOAD;
	return RBLK_WIRE_OK;
}

static inline enum rblk_wire_error
rblk_wire_check_write_pkt(const void *f, u32 data_len, const struct rblk_wire_dev *d)
{
	return rblk_wire_check_write((const struct rblk_p_write *)f, data_len,
				     d->sectors);
}

/* RS_DATA: a write of blocks with data, or a run of zeros without. */
static inline enum rblk_wire_error
rblk_wire_check_rs_data(const void *f, u32 data_len, const struct rblk_wire_dev *d)
{
	const struct rblk_p_write *w = (const struct rblk_p_write *)f;
	u32 wflags = rblk_be32(w->wflags);

	if (wflags ? wflags != RBLK_WF_ZEROES : !data_len)
		return RBLK_WIRE_BAD_PAYLOAD;
	return rblk_wire_check_write(w, data_len, d->sectors);
}

/* RS_ACK, READ_REPLY: a status, data only with a READ_REPLY's 0. */
static inline enum rblk_wire_error
rblk_wire_check_ack(const void *f, u32 data_len, const struct rblk_wire_dev *d)
{
	const struct rblk_p_ack *a = (const struct rblk_p_ack *)f;
	u32 status = rblk_be32(a->status);

	(void)d;
	if (status > RBLK_WIRE_MAX_STATUS || rblk_be32(a->flags) ||
	    (status && data_len))
		return RBLK_WIRE_BAD_PAYLOAD;
	return RBLK_WIRE_OK;
}

/* WRITE_ACK: a status, known flags (IN_SYNC only with status 0). */
static inline enum rblk_wire_error
rblk_wire_check_write_ack(const void *f, u32 data_len,
			  const struct rblk_wire_dev *d)
{
	const struct rblk_p_ack *a = (const struct rblk_p_ack *)f;
	u32 status = rblk_be32(a->status), flags = rblk_be32(a->flags);

	(void)d;
	if (status > RBLK_WIRE_MAX_STATUS || (flags & ~__RBLK_ACKF_ALL) ||
	    (status && flags) || data_len)
		return RBLK_WIRE_BAD_PAYLOAD;
	return RBLK_WIRE_OK;
}

/* READ_REQ: up to RBLK_WIRE_MAX_DATA inside the device. */
static inline enum rblk_wire_error
rblk_wire_check_read_req(const void *f, u32 data_len, const struct rblk_wire_dev *d)
{
	const struct rblk_p_read_req *q = (const struct rblk_p_read_req *)f;
	u32 bytes = rblk_be32(q->bytes);

	(void)data_len;
	if (!bytes || bytes > RBLK_WIRE_MAX_DATA || rblk_be32(q->reserved) ||
	    !rblk_wire_range_ok(rblk_be64(q->sector), bytes, d->sectors))
		return RBLK_WIRE_BAD_PAYLOAD;
	return RBLK_WIRE_OK;
}

static inline enum rblk_wire_error
rblk_wire_check_bitmap_pkt(const void *f, u32 data_len, const struct rblk_wire_dev *d)
{
	const struct rblk_p_bitmap *b = (const struct rblk_p_bitmap *)f;

	if (!rblk_wire_zero(b->reserved, sizeof(b->reserved)))
		return RBLK_WIRE_BAD_PAYLOAD;
	return rblk_wire_check_bitmap(b, data_len, d->bm_bytes);
}

/*
 * SYNC_START, SYNC_DONE, NEW_UUID, SYNC_REQ: real generations, a count
 * that fits.
 */
static inline enum rblk_wire_error
rblk_wire_check_sync(const void *f, u32 data_len, const struct rblk_wire_dev *d)
{
	const struct rblk_p_sync *p = (const struct rblk_p_sync *)f;

	(void)data_len;
	/* An unknown csums_alg is the handler's to explain. */
	if (!rblk_be64(p->current_uuid) ||
	    rblk_be64(p->total_bits) > d->bm_bytes * 8 ||
	    !rblk_wire_zero(p->reserved, sizeof(p->reserved)))
		return RBLK_WIRE_BAD_PAYLOAD;
	return RBLK_WIRE_OK;
}

/*
 * VERIFY_START: a block-aligned, non-empty range inside the device (a
 * digest this kernel lacks is answered, not refused: the handler's).
 */
static inline enum rblk_wire_error
rblk_wire_check_verify(const void *f, u32 data_len, const struct rblk_wire_dev *d)
{
	const struct rblk_p_verify *v = (const struct rblk_p_verify *)f;
	u64 start = rblk_be64(v->start), stop = rblk_be64(v->stop);

	(void)data_len;
	if ((v->vflags & ~__RBLK_VF_ALL) || start >= stop || stop > d->sectors ||
	    start % (RBLK_DIGEST_BLOCK / 512) ||
	    !rblk_wire_zero(v->reserved, sizeof(v->reserved)))
		return RBLK_WIRE_BAD_PAYLOAD;
	return RBLK_WIRE_OK;
}

/* VERIFY_REQ: a digest range, no data. */
static inline enum rblk_wire_error
rblk_wire_check_verify_req(const void *f, u32 data_len, const struct rblk_wire_dev *d)
{
	const struct rblk_p_read_req *q = (const struct rblk_p_read_req *)f;

	if (rblk_be32(q->reserved))
		return RBLK_WIRE_BAD_PAYLOAD;
	return rblk_wire_check_digest(rblk_be64(q->sector), rblk_be32(q->bytes),
				      0, data_len, 0, d->sectors);
}

/* VERIFY_REPLY: a digest per block of the verify's digest, or a status. */
static inline enum rblk_wire_error
rblk_wire_check_verify_reply(const void *f, u32 data_len,
			     const struct rblk_wire_dev *d)
{
	const struct rblk_p_digest *h = (const struct rblk_p_digest *)f;
	u32 status = rblk_be32(h->status);

	if (status > RBLK_WIRE_MAX_STATUS)
		return RBLK_WIRE_BAD_PAYLOAD;
	if (!d->verify_size && data_len)	/* we lead no verify */
		return RBLK_WIRE_BAD_STATE;
	return rblk_wire_check_digest(rblk_be64(h->sector), rblk_be32(h->bytes),
				      status, data_len, d->verify_size,
				      d->sectors);
}

/* RS_CSUM: the source's digest per block, of the resync's csums-alg. */
static inline enum rblk_wire_error
rblk_wire_check_rs_csum(const void *f, u32 data_len, const struct rblk_wire_dev *d)
{
	const struct rblk_p_digest *h = (const struct rblk_p_digest *)f;

	if (!d->csum_size)	/* no resync with digests here */
		return RBLK_WIRE_BAD_STATE;
	if (rblk_be32(h->status))
		return RBLK_WIRE_BAD_PAYLOAD;
	return rblk_wire_check_digest(rblk_be64(h->sector), rblk_be32(h->bytes),
				      0, data_len, d->csum_size, d->sectors);
}

static inline enum rblk_wire_error
rblk_wire_check_verify_done(const void *f, u32 data_len,
			    const struct rblk_wire_dev *d)
{
	const struct rblk_p_verify_done *v = (const struct rblk_p_verify_done *)f;

	(void)data_len;
	if (v->stopped > 1 || v->repair > 1 || rblk_be64(v->pos) > d->sectors ||
	    !rblk_wire_zero(v->reserved, sizeof(v->reserved)))
		return RBLK_WIRE_BAD_PAYLOAD;
	return RBLK_WIRE_OK;
}

/* RS_CSUM_REPLY: a status; which of at most 64 blocks differ. */
static inline enum rblk_wire_error
rblk_wire_check_csum_reply(const void *f, u32 data_len,
			   const struct rblk_wire_dev *d)
{
	const struct rblk_p_csum_reply *c = (const struct rblk_p_csum_reply *)f;

	(void)data_len; (void)d;
	if (rblk_be32(c->status) > RBLK_WIRE_MAX_STATUS || rblk_be32(c->reserved))
		return RBLK_WIRE_BAD_PAYLOAD;
	return RBLK_WIRE_OK;
}

#define RBLK_WIRE_DIGESTS_MAX	(RBLK_DIGEST_MAX_BLOCKS * RBLK_DIGEST_MAX_SIZE)

/* The table, by type; NULL for a type that does not exist. */
static inline const struct rblk_wire_type *rblk_wire_type(u16 type)
{
#define T(t, n, f, m, c) [RBLK_P_##t] = { n, f, m, c }
	static const struct rblk_wire_type types[__RBLK_P_LAST] = {
		T(HELLO, "HELLO", sizeof(struct rblk_p_hello), 0, rblk_wire_check_hello),
		T(COMMIT, "COMMIT", 0, 0, rblk_wire_ok_empty),
		T(STATE, "STATE", sizeof(struct rblk_p_state), 0, rblk_wire_check_state),
		T(PING, "PING", sizeof(struct rblk_p_ping), 0, rblk_wire_ok_empty),
		T(PING_ACK, "PING_ACK", sizeof(struct rblk_p_ping), 0, rblk_wire_ok_empty),
		T(WRITE, "WRITE", sizeof(struct rblk_p_write), RBLK_WIRE_MAX_DATA,
		  rblk_wire_check_write_pkt),
		T(WRITE_ACK, "WRITE_ACK", sizeof(struct rblk_p_ack), 0,
		  rblk_wire_check_write_ack),
		T(READ_REQ, "READ_REQ", sizeof(struct rblk_p_read_req), 0,
		  rblk_wire_check_read_req),
		T(READ_REPLY, "READ_REPLY", sizeof(struct rblk_p_ack), RBLK_WIRE_MAX_DATA,
		  rblk_wire_check_ack),
		T(DISCONNECT, "DISCONNECT", 0, 0, rblk_wire_ok_empty),
		T(BITMAP, "BITMAP", sizeof(struct rblk_p_bitmap), RBLK_WIRE_MAX_DATA,
		  rblk_wire_check_bitmap_pkt),
		T(SYNC_START, "SYNC_START", sizeof(struct rblk_p_sync), 0, rblk_wire_check_sync),
		T(RS_DATA, "RS_DATA", sizeof(struct rblk_p_write), RBLK_WIRE_MAX_DATA,
		  rblk_wire_check_rs_data),
		T(RS_ACK, "RS_ACK", sizeof(struct rblk_p_ack), 0, rblk_wire_check_ack),
		T(SYNC_DONE, "SYNC_DONE", sizeof(struct rblk_p_sync), 0, rblk_wire_check_sync),
		T(NEW_UUID, "NEW_UUID", sizeof(struct rblk_p_sync), 0, rblk_wire_check_sync),
		T(VERIFY_START, "VERIFY_START", sizeof(struct rblk_p_verify), 0,
		  rblk_wire_check_verify),
		T(VERIFY_REQ, "VERIFY_REQ", sizeof(struct rblk_p_read_req), 0,
		  rblk_wire_check_verify_req),
		T(VERIFY_REPLY, "VERIFY_REPLY", sizeof(struct rblk_p_digest),
		  RBLK_WIRE_DIGESTS_MAX, rblk_wire_check_verify_reply),
		T(VERIFY_DONE, "VERIFY_DONE", sizeof(struct rblk_p_verify_done), 0,
		  rblk_wire_check_verify_done),
		T(RS_CSUM, "RS_CSUM", sizeof(struct rblk_p_digest), RBLK_WIRE_DIGESTS_MAX,
		  rblk_wire_check_rs_csum),
		T(RS_CSUM_REPLY, "RS_CSUM_REPLY", sizeof(struct rblk_p_csum_reply), 0,
		  rblk_wire_check_csum_reply),
		T(AUTH, "AUTH", sizeof(struct rblk_p_auth), 0, rblk_wire_check_auth_fields),
		T(SYNC_REQ, "SYNC_REQ", sizeof(struct rblk_p_sync), 0, rblk_wire_check_sync),
		T(SIZES, "SIZES", sizeof(struct rblk_p_sizes), 0, rblk_wire_check_sizes),
	};
#undef T
	return type && type < __RBLK_P_LAST ? &types[type] : NULL;
}

/* Fixed part of each type's payload; 0 for an unknown type. */
static inline u32 rblk_wire_fixed_len(u16 type)
{
	const struct rblk_wire_type *t = rblk_wire_type(type);

	return t ? t->fixed : 0;
}

/* Types that may carry data after their fixed part. */
static inline bool rblk_wire_has_data(u16 type)
{
	const struct rblk_wire_type *t = rblk_wire_type(type);

	return t && t->max_data;
}

/*
 * Check a received header: @expect_seq is the sequence number the next
 * packet must carry. Returns RBLK_WIRE_OK or why the connection must go.
 */
static inline enum rblk_wire_error
rblk_wire_check_hdr(const struct rblk_wire_hdr *h, u32 expect_seq)
{
	const struct rblk_wire_type *t = rblk_wire_type(rblk_be16(h->type));
	u32 len = rblk_be32(h->length);

	if (rblk_be32(h->magic) != RBLK_WIRE_MAGIC)
		return RBLK_WIRE_BAD_MAGIC;
	if (!t)
		return RBLK_WIRE_BAD_TYPE;
	if (rblk_be16(h->flags))
		return RBLK_WIRE_BAD_FLAGS;
	if (len < t->fixed || len - t->fixed > t->max_data)
		return RBLK_WIRE_BAD_LENGTH;
	if (rblk_be32(h->seq) != expect_seq)
		return RBLK_WIRE_BAD_SEQ;
	return RBLK_WIRE_OK;
}

/*
 * Check a packet whose header passed: its fixed part (@fixed, the type's
 * fixed bytes) and the @data_len bytes after it, against the receiver.
 */
static inline enum rblk_wire_error
rblk_wire_check(u16 type, const void *fixed, u32 data_len,
		const struct rblk_wire_dev *d)
{
	const struct rblk_wire_type *t = rblk_wire_type(type);

	if (!t)
		return RBLK_WIRE_BAD_TYPE;
	if (data_len > t->max_data)
		return RBLK_WIRE_BAD_LENGTH;
	return t->check(fixed, data_len, d);
}

#endif /* RBLK_WIRE_H */
