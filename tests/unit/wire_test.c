// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The wire format's checks (include/rblk/wire.h), case by case: every way
 * a header or a WRITE can be wrong must be caught before the receiver
 * reads a payload byte, and every valid packet must pass.
 */
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
	test_byte_order();
	TEST_DONE();
}
