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
	__RBLK_FEAT_ALL = 0
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
	u8 reserved[4];
} __attribute__((packed));

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

/* NEW_UUID: struct rblk_p_sync, current_uuid only. */

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
	__RBLK_SF_ALL = 3
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

/* Fixed part of each type's payload; 0 for an unknown type. */
static inline u32 rblk_wire_fixed_len(u16 type)
{
	switch (type) {
	case RBLK_P_HELLO: return sizeof(struct rblk_p_hello);
	case RBLK_P_COMMIT: return 0;
	case RBLK_P_STATE: return sizeof(struct rblk_p_state);
	case RBLK_P_PING: return sizeof(struct rblk_p_ping);
	case RBLK_P_PING_ACK: return sizeof(struct rblk_p_ping);
	case RBLK_P_WRITE: return sizeof(struct rblk_p_write);
	case RBLK_P_WRITE_ACK: return sizeof(struct rblk_p_ack);
	case RBLK_P_READ_REQ: return sizeof(struct rblk_p_read_req);
	case RBLK_P_READ_REPLY: return sizeof(struct rblk_p_ack);
	case RBLK_P_DISCONNECT: return 0;
	case RBLK_P_BITMAP: return sizeof(struct rblk_p_bitmap);
	case RBLK_P_SYNC_START: return sizeof(struct rblk_p_sync);
	case RBLK_P_RS_DATA: return sizeof(struct rblk_p_write);
	case RBLK_P_RS_ACK: return sizeof(struct rblk_p_ack);
	case RBLK_P_SYNC_DONE: return sizeof(struct rblk_p_sync);
	case RBLK_P_NEW_UUID: return sizeof(struct rblk_p_sync);
	case RBLK_P_VERIFY_START: return sizeof(struct rblk_p_verify);
	case RBLK_P_VERIFY_REQ: return sizeof(struct rblk_p_read_req);
	case RBLK_P_VERIFY_REPLY: return sizeof(struct rblk_p_digest);
	case RBLK_P_VERIFY_DONE: return sizeof(struct rblk_p_verify_done);
	case RBLK_P_RS_CSUM: return sizeof(struct rblk_p_digest);
	case RBLK_P_RS_CSUM_REPLY: return sizeof(struct rblk_p_csum_reply);
	case RBLK_P_AUTH: return sizeof(struct rblk_p_auth);
	default: return 0;
	}
}

/* Types that may carry data after their fixed part. */
static inline bool rblk_wire_has_data(u16 type)
{
	return type == RBLK_P_WRITE || type == RBLK_P_READ_REPLY ||
	       type == RBLK_P_BITMAP || type == RBLK_P_RS_DATA ||
	       type == RBLK_P_VERIFY_REPLY || type == RBLK_P_RS_CSUM;
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
 * Check a received header: @expect_seq is the sequence number the next
 * packet must carry. Returns RBLK_WIRE_OK or why the connection must go.
 */
static inline enum rblk_wire_error
rblk_wire_check_hdr(const struct rblk_wire_hdr *h, u32 expect_seq)
{
	u16 type = rblk_be16(h->type);
	u32 len = rblk_be32(h->length);
	u32 fixed = rblk_wire_fixed_len(type);

	if (rblk_be32(h->magic) != RBLK_WIRE_MAGIC)
		return RBLK_WIRE_BAD_MAGIC;
	if (type == 0 || type >= __RBLK_P_LAST)
		return RBLK_WIRE_BAD_TYPE;
	if (rblk_be16(h->flags))
		return RBLK_WIRE_BAD_FLAGS;
	if (len < fixed)
		return RBLK_WIRE_BAD_LENGTH;
	if (len > fixed && (!rblk_wire_has_data(type) ||
			    len - fixed > RBLK_WIRE_MAX_DATA))
		return RBLK_WIRE_BAD_LENGTH;
	if (rblk_be32(h->seq) != expect_seq)
		return RBLK_WIRE_BAD_SEQ;
	return RBLK_WIRE_OK;
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

#endif /* RBLK_WIRE_H */
