// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The wire format's checks (include/rblk/wire.h), case by case: every way
 * a header or a packet's fixed part can be wrong must be caught before the
 * receiver acts on it, and every valid packet must pass. The packet table
 * is checked type by type: each field a check looks at is made wrong on
 * its own, with the boundaries (the last sector, one past it, overflow).
 */
#include <stdlib.h>

#include <rblk/wire.h>

#include "test.h"

static struct rblk_wire_hdr hdr(u32 magic, u16 type, u16 flags, u32 len, u32 seq)
{
	struct rblk_wire_hdr h;

	rblk_wire_hdr_init(&h, type, len, seq);
	rblk_put_be32(h.magic, magic);
	rblk_put_be16(h.flags, flags);
	return h;
}

static void test_headers(void)
{
	const u32 M = RBLK_WIRE_MAGIC, W = sizeof(struct rblk_p_write);
	const struct {
		struct rblk_wire_hdr h;
		u32 expect_seq;
		enum rblk_wire_error want;
	} rows[] = {
		{ hdr(M, RBLK_P_PING, 0, 8, 1), 1, RBLK_WIRE_OK },
		{ hdr(M, RBLK_P_COMMIT, 0, 0, 5), 5, RBLK_WIRE_OK },
		{ hdr(M, RBLK_P_WRITE, 0, W, 2), 2, RBLK_WIRE_OK },	/* flush */
		{ hdr(M, RBLK_P_WRITE, 0, W + RBLK_WIRE_MAX_DATA, 2), 2, RBLK_WIRE_OK },
		{ hdr(M, RBLK_P_READ_REPLY, 0, 16 + 4096, 3), 3, RBLK_WIRE_OK },
		{ hdr(0x4b4c4252, RBLK_P_PING, 0, 8, 1), 1, RBLK_WIRE_BAD_MAGIC },
		{ hdr(M, 0, 0, 0, 1), 1, RBLK_WIRE_BAD_TYPE },
		{ hdr(M, __RBLK_P_LAST, 0, 0, 1), 1, RBLK_WIRE_BAD_TYPE },
		{ hdr(M, 999, 0, 0, 1), 1, RBLK_WIRE_BAD_TYPE },
		{ hdr(M, RBLK_P_PING, 1, 8, 1), 1, RBLK_WIRE_BAD_FLAGS },
		{ hdr(M, RBLK_P_PING, 0, 7, 1), 1, RBLK_WIRE_BAD_LENGTH },
		{ hdr(M, RBLK_P_PING, 0, 9, 1), 1, RBLK_WIRE_BAD_LENGTH },	/* no data */
		{ hdr(M, RBLK_P_HELLO, 0, 0, 1), 1, RBLK_WIRE_BAD_LENGTH },
		{ hdr(M, RBLK_P_WRITE, 0, W + RBLK_WIRE_MAX_DATA + 1, 2), 2, RBLK_WIRE_BAD_LENGTH },
		{ hdr(M, RBLK_P_WRITE, 0, 0xffffffffU, 2), 2, RBLK_WIRE_BAD_LENGTH },
		{ hdr(M, RBLK_P_PING, 0, 8, 3), 2, RBLK_WIRE_BAD_SEQ },
		{ hdr(M, RBLK_P_PING, 0, 8, 1), 2, RBLK_WIRE_BAD_SEQ },	/* replay */
	};
	unsigned int i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		enum rblk_wire_error e = rblk_wire_check_hdr(&rows[i].h, rows[i].expect_seq);

		CHECK(e == rows[i].want, "row %u: got %s, want %s", i,
		      rblk_wire_strerror(e), rblk_wire_strerror(rows[i].want));
	}
}

static struct rblk_p_write w(u64 sector, u32 bytes, u32 flags)
{
	struct rblk_p_write p;

	rblk_put_be64(p.id, 1);
	rblk_put_be64(p.sector, sector);
	rblk_put_be32(p.bytes, bytes);
	rblk_put_be32(p.wflags, flags);
	return p;
}

static void test_writes(void)
{
	const u64 dev = 2048;	/* a 1 MiB device */
	const struct {
		struct rblk_p_write p;
		u32 data_len;
		enum rblk_wire_error want;
	} rows[] = {
		{ w(0, 4096, 0), 4096, RBLK_WIRE_OK },
		{ w(2040, 4096, RBLK_WF_FUA), 4096, RBLK_WIRE_OK },	/* last 4 KiB */
		{ w(0, 0, RBLK_WF_PREFLUSH), 0, RBLK_WIRE_OK },	/* empty flush */
		{ w(0, 4096, RBLK_WF_PREFLUSH | RBLK_WF_FUA), 4096, RBLK_WIRE_OK },
		{ w(8, 1 << 20, RBLK_WF_DISCARD), 0, RBLK_WIRE_BAD_PAYLOAD },	/* past end */
		{ w(0, 1 << 20, RBLK_WF_DISCARD), 0, RBLK_WIRE_OK },
		{ w(0, 512, RBLK_WF_ZEROES), 0, RBLK_WIRE_OK },
		{ w(2041, 4096, 0), 4096, RBLK_WIRE_BAD_PAYLOAD },	/* past end */
		{ w(2049, 0, RBLK_WF_PREFLUSH), 0, RBLK_WIRE_BAD_PAYLOAD },
		{ w(~0ULL, 512, 0), 512, RBLK_WIRE_BAD_PAYLOAD },	/* overflow */
		{ w(0, 4096, 0), 512, RBLK_WIRE_BAD_PAYLOAD },	/* length mismatch */
		{ w(0, 100, 0), 100, RBLK_WIRE_BAD_PAYLOAD },	/* not sectors */
		{ w(0, 0, 0), 0, RBLK_WIRE_BAD_PAYLOAD },	/* empty, no flush */
		{ w(0, 4096, RBLK_WF_DISCARD), 4096, RBLK_WIRE_BAD_PAYLOAD },
		{ w(0, 4096, RBLK_WF_DISCARD | RBLK_WF_ZEROES), 0, RBLK_WIRE_BAD_PAYLOAD },
		{ w(0, 4096, 1U << 7), 4096, RBLK_WIRE_BAD_PAYLOAD },	/* unknown flag */
	};
	unsigned int i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		enum rblk_wire_error e = rblk_wire_check_write(&rows[i].p,
						rows[i].data_len, dev);

		CHECK(e == rows[i].want, "row %u: got %s, want %s", i,
		      rblk_wire_strerror(e), rblk_wire_strerror(rows[i].want));
	}
}

static void test_digests(void)
{
	const u64 big = 1ULL << 34;	/* an 8 TiB device */
	const u32 max = RBLK_DIGEST_MAX_BLOCKS * RBLK_DIGEST_BLOCK;
	const struct {
		u64 sector;
		u32 bytes, status, data_len;
		unsigned int dsize;
		u64 dev;
		enum rblk_wire_error want;
	} rows[] = {
		{ 0, 4096, 0, 32, 32, 2048, RBLK_WIRE_OK },
		{ 0, max, 0, 64 * 32, 32, big, RBLK_WIRE_OK },
		{ 8, 4096, 0, 0, 0, 2048, RBLK_WIRE_OK },		/* a request */
		{ 0, 512, 0, 4, 4, 2048, RBLK_WIRE_OK },		/* part of a block */
		{ 0, 4096, 5, 0, 32, 2048, RBLK_WIRE_OK },		/* failed: no digests */
		{ 0, max + 4096, 0, 65 * 32, 32, big, RBLK_WIRE_BAD_PAYLOAD },
		/* bytes + 4095 wraps in 32 bits: a huge range must not pass */
		{ 0, 0xfffff000U, 0, 0, 0, big, RBLK_WIRE_BAD_PAYLOAD },
		{ 0, 0xfffffe00U, 0, 0, 0, big, RBLK_WIRE_BAD_PAYLOAD },
		{ 0, 0, 0, 0, 0, 2048, RBLK_WIRE_BAD_PAYLOAD },
		{ 0, 100, 0, 0, 0, 2048, RBLK_WIRE_BAD_PAYLOAD },
		{ 1, 4096, 0, 0, 0, 2048, RBLK_WIRE_BAD_PAYLOAD },	/* not block-aligned */
		{ 2048, 4096, 0, 0, 0, 2048, RBLK_WIRE_BAD_PAYLOAD },	/* past the end */
		{ ~0ULL - 7, 4096, 0, 0, 0, big, RBLK_WIRE_BAD_PAYLOAD },
		{ 0, 8192, 0, 32, 32, 2048, RBLK_WIRE_BAD_PAYLOAD },	/* one digest short */
		{ 0, 4096, 0, 4, 0, 2048, RBLK_WIRE_BAD_PAYLOAD },	/* data on a request */
	};
	unsigned int i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		enum rblk_wire_error e = rblk_wire_check_digest(rows[i].sector,
				rows[i].bytes, rows[i].status, rows[i].data_len,
				rows[i].dsize, rows[i].dev);

		CHECK(e == rows[i].want, "row %u: got %s, want %s", i,
		      rblk_wire_strerror(e), rblk_wire_strerror(rows[i].want));
	}
}

/* ---- the packet table ------------------------------------------------- */

/* Any type's fixed part: union rblk_wire_fixed, built by the helpers below. */

#define X8	"abcdefgh"
#define X31	X8 X8 X8 "abcdefg"
#define X32	X8 X8 X8 X8
#define X63	X32 X31
#define X64	X32 X32

/* @s into a zeroed field of @n bytes, without its NUL if it has n chars. */
static void put_name(u8 *field, size_t n, const char *s)
{
	size_t len = s ? strlen(s) : 0;

	memset(field, 0, n);
	memcpy(field, s ? s : "", len < n ? len : n);
}

/* One byte of a valid fixed part made wrong: reserved bytes, padding. */
static union rblk_wire_fixed poke(union rblk_wire_fixed f, size_t off, u8 v)
{
	f.b[off] = v;
	return f;
}
#define POKE(f, st, field, i, v) poke(f, offsetof(struct st, field) + (i), v)

static union rblk_wire_fixed f_none(void)
{
	union rblk_wire_fixed f;

	memset(&f, 0, sizeof(f));
	return f;
}

/* With alg != 0 a non-zero challenge; hmac NULL: all zero. */
static union rblk_wire_fixed f_hello(u16 min, u16 max, const char *res, const char *node,
			 u16 alg, u16 auth_len, const char *hmac)
{
	union rblk_wire_fixed f = f_none();

	rblk_put_be16(f.hello.proto_min, min);
	rblk_put_be16(f.hello.proto_max, max);
	rblk_put_be64(f.hello.nonce, 0x0123456789abcdefULL);
	put_name(f.hello.resource, sizeof(f.hello.resource), res);
	put_name(f.hello.node, sizeof(f.hello.node), node);
	rblk_put_be16(f.hello.auth_alg, alg);
	rblk_put_be16(f.hello.auth_len, auth_len);
	if (alg)
		memset(f.hello.auth_challenge, 0xa5, sizeof(f.hello.auth_challenge));
	put_name(f.hello.auth_hmac, sizeof(f.hello.auth_hmac), hmac);
	return f;
}

/* The first @mac_len bytes of the mac non-zero, the rest zero. */
static union rblk_wire_fixed f_auth(u16 mac_len)
{
	union rblk_wire_fixed f = f_none();

	rblk_put_be16(f.auth.mac_len, mac_len);
	memset(f.auth.mac, 0x5a, mac_len < sizeof(f.auth.mac) ? mac_len : sizeof(f.auth.mac));
	return f;
}

static union rblk_wire_fixed f_state(u64 sectors, u8 role, u8 disk, u8 flags, u64 bits)
{
	union rblk_wire_fixed f = f_none();

	rblk_put_be64(f.state.data_sectors, sectors);
	rblk_put_be64(f.state.uuid[0], 0x1111);
	f.state.role = role;
	f.state.disk_state = disk;
	f.state.state_flags = flags;
	rblk_put_be64(f.state.bits_set, bits);
	return f;
}

static union rblk_wire_fixed f_sizes(u64 usable, u64 in_use)
{
	union rblk_wire_fixed f = f_none();

	rblk_put_be64(f.sizes.usable, usable);
	rblk_put_be64(f.sizes.in_use, in_use);
	return f;
}

static union rblk_wire_fixed f_ping(u64 cookie)
{
	union rblk_wire_fixed f = f_none();

	rblk_put_be64(f.ping.cookie, cookie);
	return f;
}

static union rblk_wire_fixed f_write(u64 sector, u32 bytes, u32 flags)
{
	union rblk_wire_fixed f = f_none();

	f.write = w(sector, bytes, flags);
	return f;
}

static union rblk_wire_fixed f_ack(u32 status)
{
	union rblk_wire_fixed f = f_none();

	rblk_put_be64(f.ack.id, 7);
	rblk_put_be32(f.ack.status, status);
	return f;
}

/* READ_REQ and VERIFY_REQ */
static union rblk_wire_fixed f_rreq(u64 sector, u32 bytes)
{
	union rblk_wire_fixed f = f_none();

	rblk_put_be64(f.rreq.id, 7);
	rblk_put_be64(f.rreq.sector, sector);
	rblk_put_be32(f.rreq.bytes, bytes);
	return f;
}

static union rblk_wire_fixed f_bitmap(u64 offset, u32 bytes, u8 last)
{
	union rblk_wire_fixed f = f_none();

	rblk_put_be64(f.bitmap.offset, offset);
	rblk_put_be32(f.bitmap.bytes, bytes);
	f.bitmap.last = last;
	return f;
}

/* SYNC_START, SYNC_DONE, NEW_UUID */
static union rblk_wire_fixed f_sync(u64 current, u64 total_bits, u8 csums_alg)
{
	union rblk_wire_fixed f = f_none();

	rblk_put_be64(f.sync.current_uuid, current);
	rblk_put_be64(f.sync.bitmap_uuid, 0x2222);
	rblk_put_be64(f.sync.total_bits, total_bits);
	f.sync.csums_alg = csums_alg;
	return f;
}

static union rblk_wire_fixed f_verify(u64 start, u64 stop, u8 alg, u8 vflags)
{
	union rblk_wire_fixed f = f_none();

	rblk_put_be64(f.verify.start, start);
	rblk_put_be64(f.verify.stop, stop);
	f.verify.alg = alg;
	f.verify.vflags = vflags;
	return f;
}

/* VERIFY_REPLY and RS_CSUM */
static union rblk_wire_fixed f_digest(u64 sector, u32 bytes, u32 status)
{
	union rblk_wire_fixed f = f_none();

	rblk_put_be64(f.digest.id, 7);
	rblk_put_be64(f.digest.sector, sector);
	rblk_put_be32(f.digest.bytes, bytes);
	rblk_put_be32(f.digest.status, status);
	return f;
}

static union rblk_wire_fixed f_vdone(u64 pos, u8 stopped, u8 repair)
{
	union rblk_wire_fixed f = f_none();

	rblk_put_be64(f.vdone.checked_kib, 1024);
	rblk_put_be64(f.vdone.diff_kib, 4);
	rblk_put_be64(f.vdone.pos, pos);
	f.vdone.stopped = stopped;
	f.vdone.repair = repair;
	return f;
}

static union rblk_wire_fixed f_creply(u32 status, u64 differ)
{
	union rblk_wire_fixed f = f_none();

	rblk_put_be64(f.creply.id, 7);
	rblk_put_be32(f.creply.status, status);
	rblk_put_be64(f.creply.differ, differ);
	return f;
}

/*
 * The table against what docs/protocol.md says of each type: name, fixed
 * part and most data; every type 1 .. __RBLK_P_LAST - 1 has an entry, no
 * other number has one.
 */
static void test_table(void)
{
	const struct {
		u16 type;
		const char *name;
		u32 fixed, max_data;
	} rows[] = {
		{ RBLK_P_HELLO, "HELLO", 224, 0 },
		{ RBLK_P_COMMIT, "COMMIT", 0, 0 },
		{ RBLK_P_STATE, "STATE", 56, 0 },
		{ RBLK_P_PING, "PING", 8, 0 },
		{ RBLK_P_PING_ACK, "PING_ACK", 8, 0 },
		{ RBLK_P_WRITE, "WRITE", 24, RBLK_WIRE_MAX_DATA },
		{ RBLK_P_WRITE_ACK, "WRITE_ACK", 16, 0 },
		{ RBLK_P_READ_REQ, "READ_REQ", 24, 0 },
		{ RBLK_P_READ_REPLY, "READ_REPLY", 16, RBLK_WIRE_MAX_DATA },
		{ RBLK_P_DISCONNECT, "DISCONNECT", 0, 0 },
		{ RBLK_P_BITMAP, "BITMAP", 16, RBLK_WIRE_MAX_DATA },
		{ RBLK_P_SYNC_START, "SYNC_START", 32, 0 },
		{ RBLK_P_RS_DATA, "RS_DATA", 24, RBLK_WIRE_MAX_DATA },
		{ RBLK_P_RS_ACK, "RS_ACK", 16, 0 },
		{ RBLK_P_SYNC_DONE, "SYNC_DONE", 32, 0 },
		{ RBLK_P_NEW_UUID, "NEW_UUID", 32, 0 },
		{ RBLK_P_VERIFY_START, "VERIFY_START", 24, 0 },
		{ RBLK_P_VERIFY_REQ, "VERIFY_REQ", 24, 0 },
		{ RBLK_P_VERIFY_REPLY, "VERIFY_REPLY", 24, 2048 },	/* 64 sha256 */
		{ RBLK_P_VERIFY_DONE, "VERIFY_DONE", 32, 0 },
		{ RBLK_P_RS_CSUM, "RS_CSUM", 24, 2048 },
		{ RBLK_P_RS_CSUM_REPLY, "RS_CSUM_REPLY", 24, 0 },
		{ RBLK_P_AUTH, "AUTH", 68, 0 },
		{ RBLK_P_SYNC_REQ, "SYNC_REQ", 32, 0 },
		{ RBLK_P_SIZES, "SIZES", 24, 0 },
	};
	const u16 unknown[] = { 0, __RBLK_P_LAST, __RBLK_P_LAST + 1, 0x7fff, 0xffff };
	unsigned int i, type, listed[__RBLK_P_LAST] = { 0 };

	for (type = 1; type < __RBLK_P_LAST; type++) {
		const struct rblk_wire_type *t = rblk_wire_type((u16)type);

		CHECK(t != NULL, "type %u has no entry", type);
		if (!t)
			continue;
		CHECK(t->name && t->name[0], "type %u has no name", type);
		CHECK(t->fixed <= RBLK_WIRE_MAX_FIXED, "type %u: fixed %u", type, t->fixed);
		CHECK(t->max_data <= RBLK_WIRE_MAX_DATA, "type %u: max_data %u",
		      type, t->max_data);
		CHECK(t->check != NULL, "type %u has no check", type);
		CHECK(rblk_wire_fixed_len((u16)type) == t->fixed, "type %u", type);
		CHECK(rblk_wire_has_data((u16)type) == (t->max_data != 0), "type %u", type);
	}
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct rblk_wire_type *t = rblk_wire_type(rows[i].type);

		if (rows[i].type < __RBLK_P_LAST)
			listed[rows[i].type]++;
		CHECK(t != NULL, "%s: no entry", rows[i].name);
		if (!t)
			continue;
		CHECK_STR(t->name ? t->name : "(null)", rows[i].name);
		CHECK(t->fixed == rows[i].fixed, "%s: fixed %u, want %u",
		      rows[i].name, t->fixed, rows[i].fixed);
		CHECK(t->max_data == rows[i].max_data, "%s: max_data %u, want %u",
		      rows[i].name, t->max_data, rows[i].max_data);
	}
	for (type = 1; type < __RBLK_P_LAST; type++)
		CHECK(listed[type] == 1, "type %u listed %u times here", type, listed[type]);
	for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		CHECK(rblk_wire_type(unknown[i]) == NULL, "type %u has an entry", unknown[i]);
		CHECK(rblk_wire_fixed_len(unknown[i]) == 0, "type %u", unknown[i]);
		CHECK(!rblk_wire_has_data(unknown[i]), "type %u", unknown[i]);
		CHECK(rblk_wire_check(unknown[i], NULL, 0, NULL) == RBLK_WIRE_BAD_TYPE,
		      "type %u checked", unknown[i]);
	}
}

/* Every type's header: exactly its fixed part up to fixed + max_data. */
static void test_header_lengths(void)
{
	unsigned int type;

	for (type = 1; type < __RBLK_P_LAST; type++) {
		const struct rblk_wire_type *t = rblk_wire_type((u16)type);
		struct rblk_wire_hdr h;

		if (!t)
			continue;
		h = hdr(RBLK_WIRE_MAGIC, (u16)type, 0, t->fixed, 9);
		CHECK(rblk_wire_check_hdr(&h, 9) == RBLK_WIRE_OK, "%s: fixed only", t->name);
		h = hdr(RBLK_WIRE_MAGIC, (u16)type, 0, t->fixed + t->max_data, 9);
		CHECK(rblk_wire_check_hdr(&h, 9) == RBLK_WIRE_OK, "%s: most data", t->name);
		h = hdr(RBLK_WIRE_MAGIC, (u16)type, 0, t->fixed + t->max_data + 1, 9);
		CHECK(rblk_wire_check_hdr(&h, 9) == RBLK_WIRE_BAD_LENGTH,
		      "%s: one byte too many", t->name);
		if (t->fixed) {
			h = hdr(RBLK_WIRE_MAGIC, (u16)type, 0, t->fixed - 1, 9);
			CHECK(rblk_wire_check_hdr(&h, 9) == RBLK_WIRE_BAD_LENGTH,
			      "%s: fixed part short", t->name);
		}
	}
}

/*
 * Each type's check, through rblk_wire_check() as the receiver calls it:
 * valid packets, then each field it looks at made wrong on its own. The
 * fixed part is handed over in a buffer of exactly the type's fixed size,
 * so a check that reads past it is caught by the address sanitizer.
 */
static void test_packets(void)
{
	/* 1 MiB: 2048 sectors, 256 blocks of 4 KiB, 32 bytes of bitmap */
	static const struct rblk_wire_dev dev = { 2048, 32, 0, 0 };
	static const struct rblk_wire_dev dev_cs = { 2048, 32, 4, 0 };	/* crc32c */
	static const struct rblk_wire_dev dev_vf = { 2048, 32, 0, 32 };	/* sha256 */
	static const struct rblk_wire_dev big = { 1ULL << 34, 1ULL << 28, 32, 32 };
	static const struct rblk_wire_dev nothing = { 0, 0, 0, 0 };
	const enum rblk_wire_error OK = RBLK_WIRE_OK, BAD = RBLK_WIRE_BAD_PAYLOAD,
		LEN = RBLK_WIRE_BAD_LENGTH, STATE = RBLK_WIRE_BAD_STATE;
	const u32 MAX = RBLK_WIRE_MAX_DATA, DMAX = RBLK_DIGEST_MAX_BLOCKS * RBLK_DIGEST_BLOCK;
	const u64 U64 = ~0ULL;
	const union rblk_wire_fixed h0 = f_hello(1, 1, "r0", "alice", 0, 0, NULL);
	const union rblk_wire_fixed h1 = f_hello(1, 1, "r0", "alice", 1, 32, "sha256");
	const struct {
		u16 type;
		union rblk_wire_fixed f;
		u32 data_len;
		const struct rblk_wire_dev *d;
		enum rblk_wire_error want;
	} rows[] = {
		/* HELLO */
		{ RBLK_P_HELLO, h0, 0, &dev, OK },
		{ RBLK_P_HELLO, h0, 0, &nothing, OK },	/* as kmod/conn.c checks it */
		{ RBLK_P_HELLO, h1, 0, &dev, OK },
		{ RBLK_P_HELLO, f_hello(0, 7, X63, X63, 1, 32, X31), 0, &dev, OK },
		{ RBLK_P_HELLO, f_hello(2, 2, "r0", "alice", 0, 0, NULL), 0, &dev, OK },
		{ RBLK_P_HELLO, f_hello(2, 1, "r0", "alice", 0, 0, NULL), 0, &dev, BAD },
		{ RBLK_P_HELLO, f_hello(1, 1, "", "alice", 0, 0, NULL), 0, &dev, BAD },
		{ RBLK_P_HELLO, f_hello(1, 1, X64, "alice", 0, 0, NULL), 0, &dev, BAD },
		{ RBLK_P_HELLO, POKE(h0, rblk_p_hello, resource, 3, 'x'), 0, &dev, BAD },
		{ RBLK_P_HELLO, POKE(h0, rblk_p_hello, resource, 63, 'x'), 0, &dev, BAD },
		{ RBLK_P_HELLO, f_hello(1, 1, "r0", "", 0, 0, NULL), 0, &dev, BAD },
		{ RBLK_P_HELLO, f_hello(1, 1, "r0", X64, 0, 0, NULL), 0, &dev, BAD },
		{ RBLK_P_HELLO, POKE(h0, rblk_p_hello, node, 63, 'x'), 0, &dev, BAD },
		{ RBLK_P_HELLO, f_hello(1, 1, "r0", "alice", 0, 32, NULL), 0, &dev, BAD },
		{ RBLK_P_HELLO, POKE(h0, rblk_p_hello, auth_challenge, 31, 1), 0, &dev, BAD },
		{ RBLK_P_HELLO, f_hello(1, 1, "r0", "alice", 0, 0, "sha256"), 0, &dev, BAD },
		{ RBLK_P_HELLO, f_hello(1, 1, "r0", "alice", 1, 16, "sha256"), 0, &dev, BAD },
		{ RBLK_P_HELLO, f_hello(1, 1, "r0", "alice", 1, 0, "sha256"), 0, &dev, BAD },
		{ RBLK_P_HELLO, f_hello(1, 1, "r0", "alice", 1, 32, NULL), 0, &dev, BAD },
		{ RBLK_P_HELLO, f_hello(1, 1, "r0", "alice", 1, 32, X32), 0, &dev, BAD },
		{ RBLK_P_HELLO, POKE(h1, rblk_p_hello, auth_hmac, 31, 'x'), 0, &dev, BAD },
		{ RBLK_P_HELLO, f_hello(1, 1, "r0", "alice", 2, 32, "sha256"), 0, &dev, BAD },
		{ RBLK_P_HELLO, f_hello(1, 1, "r0", "alice", 0xffff, 0, NULL), 0, &dev, BAD },
		{ RBLK_P_HELLO, h0, 1, &dev, LEN },
		/*
		 * HELLO's features and reserved bytes are not checked: HELLO is
		 * the packet a later version extends (docs/protocol.md).
		 */
		{ RBLK_P_HELLO, POKE(h0, rblk_p_hello, reserved, 11, 0xff), 0, &dev, OK },
		{ RBLK_P_HELLO, POKE(h0, rblk_p_hello, features, 0, 0xff), 0, &dev, OK },

		/* AUTH */
		{ RBLK_P_AUTH, f_auth(32), 0, &dev, OK },
		{ RBLK_P_AUTH, f_auth(1), 0, &dev, OK },
		{ RBLK_P_AUTH, f_auth(64), 0, &dev, OK },
		{ RBLK_P_AUTH, f_auth(0), 0, &dev, BAD },
		{ RBLK_P_AUTH, f_auth(65), 0, &dev, BAD },
		{ RBLK_P_AUTH, f_auth(0xffff), 0, &dev, BAD },
		{ RBLK_P_AUTH, POKE(f_auth(32), rblk_p_auth, reserved, 1, 1), 0, &dev, BAD },
		{ RBLK_P_AUTH, POKE(f_auth(32), rblk_p_auth, mac, 32, 1), 0, &dev, BAD },
		{ RBLK_P_AUTH, POKE(f_auth(32), rblk_p_auth, mac, 63, 1), 0, &dev, BAD },
		{ RBLK_P_AUTH, f_auth(32), 32, &dev, LEN },

		/* STATE: bits_set counts 4 KiB blocks of data_sectors, rounded up */
		{ RBLK_P_STATE, f_state(2048, RBLK_ROLE_PRIMARY, RBLK_DISK_UPTODATE, 0, 0), 0, &dev, OK },
		{ RBLK_P_STATE, f_state(2048, RBLK_ROLE_SECONDARY, RBLK_DISK_DISKLESS,
				      __RBLK_SF_ALL, 256), 0, &dev, OK },
		{ RBLK_P_STATE, f_state(2049, RBLK_ROLE_SECONDARY, RBLK_DISK_INCONSISTENT, 0, 257),
		  0, &dev, OK },
		{ RBLK_P_STATE, f_state(0, RBLK_ROLE_SECONDARY, RBLK_DISK_DISKLESS, 0, 0), 0, &dev, OK },
		{ RBLK_P_STATE, f_state(2048, RBLK_ROLE_SECONDARY, RBLK_DISK_UPTODATE, 0, 257),
		  0, &dev, BAD },
		{ RBLK_P_STATE, f_state(0, RBLK_ROLE_SECONDARY, RBLK_DISK_DISKLESS, 0, 1), 0, &dev, BAD },
		{ RBLK_P_STATE, f_state(2048, RBLK_ROLE_SECONDARY, RBLK_DISK_UPTODATE, 0, U64),
		  0, &dev, BAD },
		{ RBLK_P_STATE, f_state(2048, RBLK_ROLE_UNKNOWN, RBLK_DISK_UPTODATE, 0, 0), 0, &dev, BAD },
		{ RBLK_P_STATE, f_state(2048, __RBLK_ROLE_LAST, RBLK_DISK_UPTODATE, 0, 0), 0, &dev, BAD },
		{ RBLK_P_STATE, f_state(2048, 0xff, RBLK_DISK_UPTODATE, 0, 0), 0, &dev, BAD },
		{ RBLK_P_STATE, f_state(2048, RBLK_ROLE_PRIMARY, __RBLK_DISK_LAST, 0, 0), 0, &dev, BAD },
		{ RBLK_P_STATE, f_state(2048, RBLK_ROLE_PRIMARY, 0xff, 0, 0), 0, &dev, BAD },
		{ RBLK_P_STATE, f_state(2048, RBLK_ROLE_SECONDARY, RBLK_DISK_OUTDATED,
					RBLK_SF_RESYNC_WAITS, 0), 0, &dev, OK },
		{ RBLK_P_STATE, f_state(2048, RBLK_ROLE_PRIMARY, RBLK_DISK_UPTODATE, 8, 0), 0, &dev, BAD },
		{ RBLK_P_STATE, f_state(2048, RBLK_ROLE_PRIMARY, RBLK_DISK_UPTODATE, 0x80, 0),
		  0, &dev, BAD },
		{ RBLK_P_STATE, POKE(f_state(2048, RBLK_ROLE_PRIMARY, RBLK_DISK_UPTODATE, 0, 0),
				     rblk_p_state, reserved, 0, 1), 0, &dev, BAD },
		/* the block count of the largest size does not wrap */
		{ RBLK_P_STATE, f_state(U64, RBLK_ROLE_PRIMARY, RBLK_DISK_UPTODATE, 0, U64 / 8 + 1),
		  0, &dev, OK },
		{ RBLK_P_STATE, f_state(U64, RBLK_ROLE_PRIMARY, RBLK_DISK_UPTODATE, 0, U64 / 8 + 2),
		  0, &dev, BAD },
		{ RBLK_P_STATE, f_state(2048, RBLK_ROLE_PRIMARY, RBLK_DISK_UPTODATE, 0, 0), 1, &dev, LEN },

		/* SIZES: whole 4 KiB blocks, in use within usable, no flags */
		{ RBLK_P_SIZES, f_sizes(4096, 0), 0, &dev, OK },
		{ RBLK_P_SIZES, f_sizes(4096, 4096), 0, &dev, OK },
		{ RBLK_P_SIZES, f_sizes(4096, 2048), 0, &nothing, OK },
		{ RBLK_P_SIZES, f_sizes(0, 0), 0, &dev, OK },		/* no disk */
		{ RBLK_P_SIZES, f_sizes(1ULL << 53, 0), 0, &dev, BAD },
		{ RBLK_P_SIZES, f_sizes(U64 - 7, 0), 0, &dev, BAD },
		{ RBLK_P_SIZES, f_sizes(4100, 0), 0, &dev, BAD },
		{ RBLK_P_SIZES, f_sizes(4096, 4100), 0, &dev, BAD },
		{ RBLK_P_SIZES, f_sizes(4096, 4104), 0, &dev, BAD },	/* more than it gives */
		{ RBLK_P_SIZES, f_sizes(0, 8), 0, &dev, BAD },
		{ RBLK_P_SIZES, f_sizes(2048, 2048), 0, &dev, OK },	/* 1 MiB */
		{ RBLK_P_SIZES, f_sizes(2040, 0), 0, &dev, BAD },	/* less */
		{ RBLK_P_SIZES, f_sizes(8, 0), 0, &dev, BAD },
		{ RBLK_P_SIZES, f_sizes(4096, 8), 0, &dev, BAD },
		{ RBLK_P_SIZES, POKE(f_sizes(4096, 0), rblk_p_sizes, flags, 3, 1), 0, &dev, BAD },
		{ RBLK_P_SIZES, POKE(f_sizes(4096, 0), rblk_p_sizes, reserved, 0, 1), 0, &dev, BAD },
		{ RBLK_P_SIZES, f_sizes(4096, 0), 8, &dev, LEN },

		/* PING, PING_ACK, COMMIT, DISCONNECT: nothing to check but the size */
		{ RBLK_P_PING, f_ping(U64), 0, &dev, OK },
		{ RBLK_P_PING, f_ping(0), 8, &dev, LEN },
		{ RBLK_P_PING_ACK, f_ping(42), 0, &nothing, OK },
		{ RBLK_P_PING_ACK, f_ping(42), 1, &dev, LEN },
		{ RBLK_P_COMMIT, f_none(), 0, &dev, OK },
		{ RBLK_P_COMMIT, f_none(), 1, &dev, LEN },
		{ RBLK_P_DISCONNECT, f_none(), 0, &dev, OK },
		{ RBLK_P_DISCONNECT, f_none(), 1, &dev, LEN },

		/* WRITE (rblk_wire_check_write has its own rows above) */
		{ RBLK_P_WRITE, f_write(0, 4096, 0), 4096, &dev, OK },
		{ RBLK_P_WRITE, f_write(2040, 4096, RBLK_WF_FUA), 4096, &dev, OK },	/* at the end */
		{ RBLK_P_WRITE, f_write(2047, 512, 0), 512, &dev, OK },
		{ RBLK_P_WRITE, f_write(2048, 0, RBLK_WF_PREFLUSH), 0, &dev, OK },
		{ RBLK_P_WRITE, f_write(0, MAX, 0), MAX, &big, OK },
		{ RBLK_P_WRITE, f_write(0, 0, RBLK_WF_PREFLUSH), 0, &nothing, OK },
		{ RBLK_P_WRITE, f_write(2041, 4096, 0), 4096, &dev, BAD },	/* one sector past */
		{ RBLK_P_WRITE, f_write(2048, 512, 0), 512, &dev, BAD },
		{ RBLK_P_WRITE, f_write(0, 512, 0), 512, &nothing, BAD },
		{ RBLK_P_WRITE, f_write(U64 - 7, 4096, 0), 4096, &big, BAD },	/* overflow */
		{ RBLK_P_WRITE, f_write(U64, 0, RBLK_WF_PREFLUSH), 0, &big, BAD },
		{ RBLK_P_WRITE, f_write(0, 1000, 0), 1000, &dev, BAD },
		{ RBLK_P_WRITE, f_write(0, 4096, 0), 4095, &dev, BAD },
		{ RBLK_P_WRITE, f_write(0, 0, 0), 0, &dev, BAD },
		{ RBLK_P_WRITE, f_write(0, 4096, 1U << 4), 4096, &dev, BAD },
		{ RBLK_P_WRITE, f_write(0, 4096, RBLK_WF_ZEROES), 4096, &dev, BAD },
		{ RBLK_P_WRITE, f_write(0, MAX + 512, 0), MAX + 512, &big, LEN },	/* too long */

		/* RS_DATA: data, or ZEROES and none */
		{ RBLK_P_RS_DATA, f_write(0, 4096, 0), 4096, &dev, OK },
		{ RBLK_P_RS_DATA, f_write(2040, 4096, 0), 4096, &dev, OK },
		{ RBLK_P_RS_DATA, f_write(0, MAX, RBLK_WF_ZEROES), 0, &dev, OK },
		{ RBLK_P_RS_DATA, f_write(0, MAX, 0), MAX, &big, OK },
		{ RBLK_P_RS_DATA, f_write(2041, 4096, 0), 4096, &dev, BAD },
		{ RBLK_P_RS_DATA, f_write(8, MAX, RBLK_WF_ZEROES), 0, &dev, BAD },
		{ RBLK_P_RS_DATA, f_write(U64 - 7, 4096, 0), 4096, &big, BAD },
		{ RBLK_P_RS_DATA, f_write(0, 0, 0), 0, &dev, BAD },
		{ RBLK_P_RS_DATA, f_write(0, 4096, 0), 0, &dev, BAD },
		{ RBLK_P_RS_DATA, f_write(0, 4096, 0), 512, &dev, BAD },
		{ RBLK_P_RS_DATA, f_write(0, 1000, 0), 1000, &dev, BAD },
		{ RBLK_P_RS_DATA, f_write(0, 4096, RBLK_WF_ZEROES), 4096, &dev, BAD },
		{ RBLK_P_RS_DATA, f_write(0, 0, RBLK_WF_ZEROES), 0, &dev, BAD },
		{ RBLK_P_RS_DATA, f_write(0, 0, RBLK_WF_PREFLUSH), 0, &dev, BAD },
		{ RBLK_P_RS_DATA, f_write(0, 4096, RBLK_WF_FUA), 4096, &dev, BAD },
		{ RBLK_P_RS_DATA, f_write(0, 4096, RBLK_WF_DISCARD), 0, &dev, BAD },
		{ RBLK_P_RS_DATA, f_write(0, 4096, RBLK_WF_ZEROES | RBLK_WF_FUA), 0, &dev, BAD },
		{ RBLK_P_RS_DATA, f_write(0, 4096, 1U << 31), 4096, &dev, BAD },
		{ RBLK_P_RS_DATA, f_write(0, MAX + 512, 0), MAX + 512, &big, LEN },

		/* WRITE_ACK, RS_ACK, READ_REPLY */
		{ RBLK_P_WRITE_ACK, f_ack(0), 0, &dev, OK },
		{ RBLK_P_WRITE_ACK, f_ack(RBLK_WIRE_MAX_STATUS), 0, &dev, OK },
		{ RBLK_P_WRITE_ACK, f_ack(RBLK_WIRE_MAX_STATUS + 1), 0, &dev, BAD },
		{ RBLK_P_WRITE_ACK, f_ack(0xffffffffU), 0, &dev, BAD },	/* -1 */
		{ RBLK_P_WRITE_ACK, POKE(f_ack(0), rblk_p_ack, flags, 3, 1), 0, &dev, OK },
		{ RBLK_P_WRITE_ACK, POKE(f_ack(5), rblk_p_ack, flags, 3, 1), 0, &dev, BAD },
		{ RBLK_P_WRITE_ACK, POKE(f_ack(0), rblk_p_ack, flags, 3, 2), 0, &dev, BAD },
		{ RBLK_P_WRITE_ACK, POKE(f_ack(0), rblk_p_ack, flags, 0, 1), 0, &dev, BAD },
		{ RBLK_P_WRITE_ACK, f_ack(0), 1, &dev, LEN },
		{ RBLK_P_RS_ACK, f_ack(0), 0, &dev, OK },
		{ RBLK_P_RS_ACK, f_ack(5), 0, &dev, OK },
		{ RBLK_P_RS_ACK, f_ack(RBLK_WIRE_MAX_STATUS + 1), 0, &dev, BAD },
		{ RBLK_P_RS_ACK, POKE(f_ack(0), rblk_p_ack, flags, 0, 1), 0, &dev, BAD },
		{ RBLK_P_RS_ACK, POKE(f_ack(0), rblk_p_ack, flags, 3, 1), 0, &dev, BAD },
		{ RBLK_P_RS_ACK, f_ack(RBLK_RS_ACK_AGAIN), 0, &dev, OK },
		{ RBLK_P_RS_ACK, f_ack(0), 4096, &dev, LEN },
		{ RBLK_P_READ_REPLY, f_ack(0), 4096, &dev, OK },
		{ RBLK_P_READ_REPLY, f_ack(0), MAX, &dev, OK },
		{ RBLK_P_READ_REPLY, f_ack(5), 0, &dev, OK },
		{ RBLK_P_READ_REPLY, f_ack(5), 4096, &dev, BAD },	/* data with an error */
		{ RBLK_P_READ_REPLY, f_ack(RBLK_WIRE_MAX_STATUS + 1), 0, &dev, BAD },
		{ RBLK_P_READ_REPLY, POKE(f_ack(0), rblk_p_ack, flags, 0, 0x80), 4096, &dev, BAD },
		{ RBLK_P_READ_REPLY, POKE(f_ack(0), rblk_p_ack, flags, 3, 1), 4096, &dev, BAD },
		{ RBLK_P_READ_REPLY, f_ack(0), MAX + 1, &dev, LEN },

		/* READ_REQ: up to 1 MiB inside the device */
		{ RBLK_P_READ_REQ, f_rreq(0, 4096), 0, &dev, OK },
		{ RBLK_P_READ_REQ, f_rreq(2040, 4096), 0, &dev, OK },
		{ RBLK_P_READ_REQ, f_rreq(2047, 512), 0, &dev, OK },
		{ RBLK_P_READ_REQ, f_rreq(0, MAX), 0, &dev, OK },	/* the whole device */
		{ RBLK_P_READ_REQ, f_rreq(2041, 4096), 0, &dev, BAD },
		{ RBLK_P_READ_REQ, f_rreq(2049, 512), 0, &dev, BAD },
		{ RBLK_P_READ_REQ, f_rreq(U64, 512), 0, &big, BAD },
		{ RBLK_P_READ_REQ, f_rreq(U64 - 7, 4096), 0, &big, BAD },
		{ RBLK_P_READ_REQ, f_rreq(0, 0), 0, &dev, BAD },
		{ RBLK_P_READ_REQ, f_rreq(0, 1000), 0, &dev, BAD },
		{ RBLK_P_READ_REQ, f_rreq(0, MAX + 512), 0, &big, BAD },
		{ RBLK_P_READ_REQ, f_rreq(0, 0xfffffe00U), 0, &big, BAD },
		{ RBLK_P_READ_REQ, POKE(f_rreq(0, 4096), rblk_p_read_req, reserved, 0, 1), 0, &dev, BAD },
		{ RBLK_P_READ_REQ, f_rreq(0, 4096), 4096, &dev, LEN },

		/* BITMAP: 32 bytes of bitmap on dev */
		{ RBLK_P_BITMAP, f_bitmap(0, 32, 1), 32, &dev, OK },
		{ RBLK_P_BITMAP, f_bitmap(16, 16, 0), 16, &dev, OK },	/* to the end */
		{ RBLK_P_BITMAP, f_bitmap(32, 0, 1), 0, &dev, OK },	/* empty last */
		{ RBLK_P_BITMAP, f_bitmap(0, MAX, 0), MAX, &big, OK },
		{ RBLK_P_BITMAP, f_bitmap(17, 16, 0), 16, &dev, BAD },	/* a byte past */
		{ RBLK_P_BITMAP, f_bitmap(0, 33, 0), 33, &dev, BAD },
		{ RBLK_P_BITMAP, f_bitmap(33, 0, 1), 0, &dev, BAD },	/* offset past */
		{ RBLK_P_BITMAP, f_bitmap(U64, 16, 0), 16, &big, BAD },	/* overflow */
		{ RBLK_P_BITMAP, f_bitmap(U64 - 15, 32, 0), 32, &big, BAD },
		{ RBLK_P_BITMAP, f_bitmap(0, 1, 0), 1, &nothing, BAD },
		{ RBLK_P_BITMAP, f_bitmap(0, 32, 0), 16, &dev, BAD },	/* length mismatch */
		{ RBLK_P_BITMAP, f_bitmap(0, 16, 0), 32, &dev, BAD },
		{ RBLK_P_BITMAP, f_bitmap(0, 32, 2), 32, &dev, BAD },
		{ RBLK_P_BITMAP, POKE(f_bitmap(0, 32, 1), rblk_p_bitmap, reserved, 2, 1), 32, &dev, BAD },
		{ RBLK_P_BITMAP, f_bitmap(0, MAX + 1, 0), MAX + 1, &big, LEN },

		/* SYNC_START, SYNC_DONE, NEW_UUID: 256 blocks on dev */
		{ RBLK_P_SYNC_START, f_sync(0x1234, 256, RBLK_DIGEST_CRC32C), 0, &dev, OK },
		{ RBLK_P_SYNC_START, f_sync(0x1234, 0, 200), 0, &dev, OK },	/* alg: handler's */
		{ RBLK_P_SYNC_START, f_sync(0x1234, 257, 0), 0, &dev, BAD },
		{ RBLK_P_SYNC_START, f_sync(0x1234, U64, 0), 0, &big, BAD },
		{ RBLK_P_SYNC_START, f_sync(0, 256, 0), 0, &dev, BAD },
		{ RBLK_P_SYNC_START, POKE(f_sync(0x1234, 0, 0), rblk_p_sync, reserved, 6, 1),
		  0, &dev, BAD },
		{ RBLK_P_SYNC_START, f_sync(0x1234, 0, 0), 1, &dev, LEN },
		{ RBLK_P_SYNC_DONE, f_sync(0x1234, 0, 0), 0, &dev, OK },
		{ RBLK_P_SYNC_DONE, f_sync(0, 0, 0), 0, &dev, BAD },
		{ RBLK_P_SYNC_DONE, f_sync(0x1234, 257, 0), 0, &dev, BAD },
		{ RBLK_P_SYNC_DONE, POKE(f_sync(0x1234, 0, 0), rblk_p_sync, reserved, 0, 1),
		  0, &dev, BAD },
		{ RBLK_P_SYNC_REQ, f_sync(0x1234, 0, 0), 0, &dev, OK },
		{ RBLK_P_SYNC_REQ, f_sync(0, 0, 0), 0, &dev, BAD },
		{ RBLK_P_SYNC_REQ, POKE(f_sync(0x1234, 0, 0), rblk_p_sync, reserved, 3, 1),
		  0, &dev, BAD },
		{ RBLK_P_SYNC_REQ, f_sync(0x1234, 0, 0), 8, &dev, LEN },
		{ RBLK_P_NEW_UUID, f_sync(U64, 0, 0), 0, &dev, OK },
		{ RBLK_P_NEW_UUID, f_sync(0, 0, 0), 0, &dev, BAD },
		{ RBLK_P_NEW_UUID, f_sync(1, 1, 0), 0, &nothing, BAD },
		{ RBLK_P_NEW_UUID, POKE(f_sync(1, 0, 0), rblk_p_sync, reserved, 3, 1), 0, &dev, BAD },

		/* VERIFY_START: [start, stop), start block-aligned */
		{ RBLK_P_VERIFY_START, f_verify(0, 2048, RBLK_DIGEST_SHA256, 0), 0, &dev, OK },
		{ RBLK_P_VERIFY_START, f_verify(2040, 2047, RBLK_DIGEST_MD5, __RBLK_VF_ALL),
		  0, &dev, OK },
		{ RBLK_P_VERIFY_START, f_verify(0, 8, 200, RBLK_VF_ASK), 0, &dev, OK },	/* alg: handler's */
		{ RBLK_P_VERIFY_START, f_verify(0, 2049, RBLK_DIGEST_SHA256, 0), 0, &dev, BAD },
		{ RBLK_P_VERIFY_START, f_verify(0, U64, RBLK_DIGEST_SHA256, 0), 0, &big, BAD },
		{ RBLK_P_VERIFY_START, f_verify(8, 8, RBLK_DIGEST_SHA256, 0), 0, &dev, BAD },
		{ RBLK_P_VERIFY_START, f_verify(16, 8, RBLK_DIGEST_SHA256, 0), 0, &dev, BAD },
		{ RBLK_P_VERIFY_START, f_verify(1, 2048, RBLK_DIGEST_SHA256, 0), 0, &dev, BAD },
		{ RBLK_P_VERIFY_START, f_verify(0, 2048, RBLK_DIGEST_SHA256, 4), 0, &dev, BAD },
		{ RBLK_P_VERIFY_START, POKE(f_verify(0, 2048, 1, 0), rblk_p_verify, reserved, 5, 1),
		  0, &dev, BAD },
		{ RBLK_P_VERIFY_START, f_verify(0, 2048, 1, 0), 8, &dev, LEN },

		/* VERIFY_REQ: a digest range, at most 64 blocks, no data */
		{ RBLK_P_VERIFY_REQ, f_rreq(0, 4096), 0, &dev, OK },
		{ RBLK_P_VERIFY_REQ, f_rreq(2048 - DMAX / 512, DMAX), 0, &dev, OK },	/* to the end */
		{ RBLK_P_VERIFY_REQ, f_rreq(2040, 512), 0, &dev, OK },
		{ RBLK_P_VERIFY_REQ, f_rreq(2040, 4608), 0, &dev, BAD },	/* one sector past */
		{ RBLK_P_VERIFY_REQ, f_rreq(2048, 4096), 0, &dev, BAD },
		{ RBLK_P_VERIFY_REQ, f_rreq(U64 - 7, 4096), 0, &big, BAD },	/* overflow */
		{ RBLK_P_VERIFY_REQ, f_rreq(0, 0), 0, &dev, BAD },
		{ RBLK_P_VERIFY_REQ, f_rreq(0, 1000), 0, &dev, BAD },
		{ RBLK_P_VERIFY_REQ, f_rreq(0, DMAX + 512), 0, &big, BAD },
		{ RBLK_P_VERIFY_REQ, f_rreq(4, 4096), 0, &dev, BAD },	/* not block-aligned */
		{ RBLK_P_VERIFY_REQ, POKE(f_rreq(0, 4096), rblk_p_read_req, reserved, 2, 1), 0, &dev, BAD },
		{ RBLK_P_VERIFY_REQ, f_rreq(0, 4096), 32, &dev_vf, LEN },

		/* VERIFY_REPLY: verify_size bytes per block, none with a status */
		{ RBLK_P_VERIFY_REPLY, f_digest(0, 4096, 0), 32, &dev_vf, OK },
		{ RBLK_P_VERIFY_REPLY, f_digest(0, 4608, 0), 64, &dev_vf, OK },	/* part block */
		{ RBLK_P_VERIFY_REPLY, f_digest(2040, 4096, 0), 32, &dev_vf, OK },	/* at the end */
		{ RBLK_P_VERIFY_REPLY, f_digest(0, DMAX, 0), 2048, &big, OK },
		{ RBLK_P_VERIFY_REPLY, f_digest(0, 4096, 5), 0, &dev_vf, OK },
		{ RBLK_P_VERIFY_REPLY, f_digest(0, 4096, RBLK_WIRE_MAX_STATUS), 0, &dev_vf, OK },
		/* no verify here and no digests: the handler's to refuse (kmod/verify.c) */
		{ RBLK_P_VERIFY_REPLY, f_digest(0, 4096, 5), 0, &dev, OK },
		{ RBLK_P_VERIFY_REPLY, f_digest(0, 4096, 0), 32, &dev, STATE },
		{ RBLK_P_VERIFY_REPLY, f_digest(0, 4096, 0), 4, &dev_cs, STATE },	/* csum_size is not it */
		{ RBLK_P_VERIFY_REPLY, f_digest(0, 4096, RBLK_WIRE_MAX_STATUS + 1), 0, &dev_vf, BAD },
		{ RBLK_P_VERIFY_REPLY, f_digest(0, 4096, 5), 32, &dev_vf, BAD },	/* digests and error */
		{ RBLK_P_VERIFY_REPLY, f_digest(0, 4096, 0), 0, &dev_vf, BAD },
		{ RBLK_P_VERIFY_REPLY, f_digest(0, 4096, 0), 31, &dev_vf, BAD },
		{ RBLK_P_VERIFY_REPLY, f_digest(0, 4096, 0), 4, &dev_vf, BAD },	/* crc32c's size */
		{ RBLK_P_VERIFY_REPLY, f_digest(0, 8192, 0), 32, &dev_vf, BAD },	/* one short */
		{ RBLK_P_VERIFY_REPLY, f_digest(0, 4096, 0), 64, &dev_vf, BAD },
		{ RBLK_P_VERIFY_REPLY, f_digest(2040, 4608, 0), 64, &dev_vf, BAD },	/* past end */
		{ RBLK_P_VERIFY_REPLY, f_digest(U64 - 7, 4096, 0), 32, &big, BAD },
		{ RBLK_P_VERIFY_REPLY, f_digest(8, 1000, 0), 32, &dev_vf, BAD },
		{ RBLK_P_VERIFY_REPLY, f_digest(0, 0, 5), 0, &dev_vf, BAD },
		{ RBLK_P_VERIFY_REPLY, f_digest(1, 4096, 0), 32, &dev_vf, BAD },
		{ RBLK_P_VERIFY_REPLY, f_digest(0, DMAX + 4096, 5), 0, &big, BAD },
		{ RBLK_P_VERIFY_REPLY, f_digest(0, DMAX + 4096, 0), 2048 + 32, &big, LEN },

		/* RS_CSUM: csum_size bytes per block; only in a resync with csums */
		{ RBLK_P_RS_CSUM, f_digest(0, 4096, 0), 4, &dev_cs, OK },
		{ RBLK_P_RS_CSUM, f_digest(0, 4608, 0), 8, &dev_cs, OK },
		{ RBLK_P_RS_CSUM, f_digest(2040, 4096, 0), 4, &dev_cs, OK },
		{ RBLK_P_RS_CSUM, f_digest(0, DMAX, 0), 2048, &big, OK },
		{ RBLK_P_RS_CSUM, f_digest(0, 4096, 0), 4, &dev, STATE },
		{ RBLK_P_RS_CSUM, f_digest(0, 4096, 0), 0, &dev, STATE },
		{ RBLK_P_RS_CSUM, f_digest(0, 4096, 0), 32, &dev_vf, STATE },	/* verify_size is not it */
		{ RBLK_P_RS_CSUM, f_digest(0, 4096, 5), 0, &dev_cs, BAD },	/* no status */
		{ RBLK_P_RS_CSUM, f_digest(0, 4096, 5), 4, &dev_cs, BAD },
		{ RBLK_P_RS_CSUM, f_digest(0, 4096, 0), 0, &dev_cs, BAD },
		{ RBLK_P_RS_CSUM, f_digest(0, 4096, 0), 8, &dev_cs, BAD },
		{ RBLK_P_RS_CSUM, f_digest(0, 4096, 0), 32, &dev_cs, BAD },	/* sha256's size */
		{ RBLK_P_RS_CSUM, f_digest(2040, 4608, 0), 8, &dev_cs, BAD },	/* past the end */
		{ RBLK_P_RS_CSUM, f_digest(U64 - 7, 4096, 0), 32, &big, BAD },
		{ RBLK_P_RS_CSUM, f_digest(4, 4096, 0), 4, &dev_cs, BAD },
		{ RBLK_P_RS_CSUM, f_digest(0, 0, 0), 0, &dev_cs, BAD },
		{ RBLK_P_RS_CSUM, f_digest(0, 4000, 0), 4, &dev_cs, BAD },
		{ RBLK_P_RS_CSUM, f_digest(0, DMAX + 4096, 0), 65 * 4, &dev_cs, BAD },
		{ RBLK_P_RS_CSUM, f_digest(0, DMAX + 4096, 0), 65 * 32, &big, LEN },

		/* VERIFY_DONE */
		{ RBLK_P_VERIFY_DONE, f_vdone(2048, 0, 0), 0, &dev, OK },
		{ RBLK_P_VERIFY_DONE, f_vdone(0, 1, 1), 0, &dev, OK },
		{ RBLK_P_VERIFY_DONE, f_vdone(2049, 0, 0), 0, &dev, BAD },
		{ RBLK_P_VERIFY_DONE, f_vdone(U64, 0, 0), 0, &big, BAD },
		{ RBLK_P_VERIFY_DONE, f_vdone(8, 2, 0), 0, &dev, BAD },
		{ RBLK_P_VERIFY_DONE, f_vdone(8, 0, 2), 0, &dev, BAD },
		{ RBLK_P_VERIFY_DONE, POKE(f_vdone(8, 0, 0), rblk_p_verify_done, reserved, 0, 1),
		  0, &dev, BAD },
		{ RBLK_P_VERIFY_DONE, f_vdone(8, 0, 0), 1, &dev, LEN },

		/* RS_CSUM_REPLY */
		{ RBLK_P_RS_CSUM_REPLY, f_creply(0, U64), 0, &dev, OK },
		{ RBLK_P_RS_CSUM_REPLY, f_creply(RBLK_WIRE_MAX_STATUS, 0), 0, &nothing, OK },
		{ RBLK_P_RS_CSUM_REPLY, f_creply(RBLK_WIRE_MAX_STATUS + 1, 0), 0, &dev, BAD },
		{ RBLK_P_RS_CSUM_REPLY, POKE(f_creply(0, 1), rblk_p_csum_reply, reserved, 1, 1),
		  0, &dev, BAD },
		{ RBLK_P_RS_CSUM_REPLY, f_creply(0, 1), 8, &dev, LEN },
	};
	unsigned int i, ok[__RBLK_P_LAST] = { 0 }, refused[__RBLK_P_LAST] = { 0 };

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct rblk_wire_type *t = rblk_wire_type(rows[i].type);
		enum rblk_wire_error e;
		u8 *fixed;

		CHECK(t != NULL, "row %u: type %u", i, rows[i].type);
		if (!t)
			continue;
		fixed = malloc(t->fixed);
		memcpy(fixed, rows[i].f.b, t->fixed);
		e = rblk_wire_check(rows[i].type, fixed, rows[i].data_len, rows[i].d);
		free(fixed);
		CHECK(e == rows[i].want, "row %u (%s): got %s, want %s", i, t->name,
		      rblk_wire_strerror(e), rblk_wire_strerror(rows[i].want));
		if (rows[i].want == RBLK_WIRE_OK)
			ok[rows[i].type]++;
		else
			refused[rows[i].type]++;
	}
	/* Every type has a row it accepts and one it refuses. */
	for (i = 1; i < __RBLK_P_LAST; i++)
		CHECK(ok[i] && refused[i], "type %u: %u accepted, %u refused rows",
		      i, ok[i], refused[i]);
}

static void test_byte_order(void)
{
	struct rblk_wire_hdr h;
	u8 b[8];

	rblk_wire_hdr_init(&h, RBLK_P_STATE, 0x01020304, 0x0a0b0c0d);
	CHECK(!memcmp(h.magic, "RBLK", 4), "magic reads RBLK on the wire");
	CHECK(h.length[0] == 1 && h.length[3] == 4, "length is big-endian");
	CHECK(h.seq[0] == 0x0a && h.seq[3] == 0x0d, "seq is big-endian");
	rblk_put_be64(b, 0x0102030405060708ULL);
	CHECK(b[0] == 1 && b[7] == 8 && rblk_be64(b) == 0x0102030405060708ULL,
	      "be64 round trip");
}

int main(void)
{
	test_headers();
	test_writes();
	test_digests();
	test_table();
	test_header_lengths();
	test_packets();
	test_byte_order();
	TEST_DONE();
}
