// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The wire decoder as the kernel's receiver uses it: a header, then (if the
 * header passed) the type's fixed part checked through the packet table
 * against the data length the header implies and a receiver (struct
 * rblk_wire_dev) made of input bytes. Whatever the bytes, the checks must
 * not crash or read out of bounds, and what they accept must be
 * self-consistent: ranges inside the device, lengths that match.
 *
 * Input: header (16), the expected seq (4), then the receiver and the
 * fixed part: sectors (8), bm_bytes (8), csum_size (1), verify_size (1),
 * the type's fixed bytes (zeros where the input is shorter). For a WRITE
 * the same bytes are also read as a struct rblk_p_write and a device size
 * for rblk_wire_check_write().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rblk/wire.h>

#define DEV_BYTES	18

/* [sector, sector + bytes / 512) inside @sectors; bytes a sector multiple */
static void assert_range(u64 sector, u32 bytes, u64 sectors)
{
	if (bytes % 512 || sector > sectors || sector + bytes / 512 < sector ||
	    sector + bytes / 512 > sectors)
		abort();
}

/* A digest range, and the digests after it for @dsize bytes each. */
static void assert_digest(const u8 *sector_be, const u8 *bytes_be, u32 status,
			  u32 data_len, u32 dsize, const struct rblk_wire_dev *d)
{
	u64 sector = rblk_be64(sector_be);
	u32 bytes = rblk_be32(bytes_be);
	u64 blocks = ((u64)bytes + RBLK_DIGEST_BLOCK - 1) / RBLK_DIGEST_BLOCK;

	assert_range(sector, bytes, d->sectors);
	if (!bytes || blocks > RBLK_DIGEST_MAX_BLOCKS ||
	    sector % (RBLK_DIGEST_BLOCK / 512) || status > RBLK_WIRE_MAX_STATUS)
		abort();
	if ((u64)data_len != (status ? 0 : blocks * dsize))
		abort();
}

static bool name_ok(const u8 *name)
{
	size_t n = strnlen((const char *)name, RBLK_WIRE_NAME_LEN);

	return n && n < RBLK_WIRE_NAME_LEN;
}

/* What an accepted packet of @type promises its handler. */
static void assert_accepted(u16 type, const u8 *f, u32 data_len,
			    const struct rblk_wire_dev *d)
{
	const struct rblk_wire_type *t = rblk_wire_type(type);

	if (!t || data_len > t->max_data)
		abort();
	switch (type) {
	case RBLK_P_HELLO: {
		const struct rblk_p_hello *h = (const void *)f;

		if (rblk_be16(h->proto_min) > rblk_be16(h->proto_max) ||
		    !name_ok(h->resource) || !name_ok(h->node) ||
		    rblk_be16(h->auth_alg) > 1)
			abort();
		break;
	}
	case RBLK_P_AUTH: {
		const struct rblk_p_auth *a = (const void *)f;

		if (!rblk_be16(a->mac_len) || rblk_be16(a->mac_len) > sizeof(a->mac))
			abort();
		break;
	}
	case RBLK_P_STATE: {
		const struct rblk_p_state *s = (const void *)f;
		u64 sectors = rblk_be64(s->data_sectors);

		if (s->role < RBLK_ROLE_PRIMARY || s->role > RBLK_ROLE_SECONDARY ||
		    s->disk_state >= __RBLK_DISK_LAST || s->state_flags & ~__RBLK_SF_ALL ||
		    rblk_be64(s->bits_set) > sectors / 8 + !!(sectors % 8))
			abort();
		break;
	}
	case RBLK_P_WRITE:
	case RBLK_P_RS_DATA: {
		const struct rblk_p_write *w = (const void *)f;
		u32 flags = rblk_be32(w->wflags), bytes = rblk_be32(w->bytes);
		bool nodata = flags & (RBLK_WF_DISCARD | RBLK_WF_ZEROES);

		assert_range(rblk_be64(w->sector), bytes, d->sectors);
		if (flags & ~(u32)__RBLK_WF_ALL || data_len != (nodata ? 0 : bytes) ||
		    (!bytes && !(flags & RBLK_WF_PREFLUSH)))
			abort();
		if (type == RBLK_P_RS_DATA && (flags ? flags != RBLK_WF_ZEROES : !bytes))
			abort();
		break;
	}
	case RBLK_P_WRITE_ACK:
	case RBLK_P_RS_ACK:
	case RBLK_P_READ_REPLY: {
		const struct rblk_p_ack *a = (const void *)f;

		if (rblk_be32(a->status) > RBLK_WIRE_MAX_STATUS ||
		    (rblk_be32(a->status) && data_len))
			abort();
		break;
	}
	case RBLK_P_READ_REQ: {
		const struct rblk_p_read_req *q = (const void *)f;

		assert_range(rblk_be64(q->sector), rblk_be32(q->bytes), d->sectors);
		if (!rblk_be32(q->bytes) || rblk_be32(q->bytes) > RBLK_WIRE_MAX_DATA)
			abort();
		break;
	}
	case RBLK_P_BITMAP: {
		const struct rblk_p_bitmap *b = (const void *)f;
		u64 off = rblk_be64(b->offset);
		u32 bytes = rblk_be32(b->bytes);

		if (b->last > 1 || bytes != data_len || off > d->bm_bytes ||
		    off + bytes < off || off + bytes > d->bm_bytes)
			abort();
		break;
	}
	case RBLK_P_SYNC_START:
	case RBLK_P_SYNC_DONE:
	case RBLK_P_NEW_UUID: {
		const struct rblk_p_sync *s = (const void *)f;

		if (!rblk_be64(s->current_uuid) ||
		    (unsigned __int128)rblk_be64(s->total_bits) >
		    (unsigned __int128)d->bm_bytes * 8)
			abort();
		break;
	}
	case RBLK_P_VERIFY_START: {
		const struct rblk_p_verify *v = (const void *)f;
		u64 start = rblk_be64(v->start), stop = rblk_be64(v->stop);

		if (start >= stop || stop > d->sectors ||
		    start % (RBLK_DIGEST_BLOCK / 512) || v->vflags & ~__RBLK_VF_ALL)
			abort();
		break;
	}
	case RBLK_P_VERIFY_REQ: {
		const struct rblk_p_read_req *q = (const void *)f;

		assert_digest(q->sector, q->bytes, 0, data_len, 0, d);
		break;
	}
	case RBLK_P_VERIFY_REPLY: {
		const struct rblk_p_digest *g = (const void *)f;

		/* no verify led here: no digests (the handler refuses the rest) */
		assert_digest(g->sector, g->bytes, rblk_be32(g->status), data_len,
			      d->verify_size, d);
		break;
	}
	case RBLK_P_RS_CSUM: {
		const struct rblk_p_digest *g = (const void *)f;

		if (!d->csum_size || rblk_be32(g->status))
			abort();
		assert_digest(g->sector, g->bytes, 0, data_len, d->csum_size, d);
		break;
	}
	case RBLK_P_VERIFY_DONE: {
		const struct rblk_p_verify_done *v = (const void *)f;

		if (v->stopped > 1 || v->repair > 1 || rblk_be64(v->pos) > d->sectors)
			abort();
		break;
	}
	case RBLK_P_RS_CSUM_REPLY: {
		const struct rblk_p_csum_reply *c = (const void *)f;

		if (rblk_be32(c->status) > RBLK_WIRE_MAX_STATUS)
			abort();
		break;
	}
	}
}

/*
 * Any type: the receiver and the fixed part from the input, zero-filled
 * where the input ends early (so that every type's check is reached from
 * a short input and longer ones grow from there); the check gets the
 * fixed part in a buffer of exactly its size.
 */
static void check_packet(u16 type, u32 data_len, const uint8_t *p, size_t left)
{
	const struct rblk_wire_type *t = rblk_wire_type(type);
	u8 in[DEV_BYTES + RBLK_WIRE_MAX_FIXED] = { 0 };
	struct rblk_wire_dev d;
	enum rblk_wire_error e;
	u8 *fixed;

	memcpy(in, p, left < DEV_BYTES + t->fixed ? left : DEV_BYTES + t->fixed);
	d.sectors = rblk_be64(in);
	d.bm_bytes = rblk_be64(in + 8);
	d.csum_size = in[16];	/* real ones are at most RBLK_DIGEST_MAX_SIZE */
	d.verify_size = in[17];
	fixed = malloc(t->fixed);
	if (!fixed)
		return;
	memcpy(fixed, in + DEV_BYTES, t->fixed);
	e = rblk_wire_check(type, fixed, data_len, &d);
	/* The header passed: the type is known and its data length bounded. */
	if (e == RBLK_WIRE_BAD_TYPE || e == RBLK_WIRE_BAD_LENGTH ||
	    e >= __RBLK_WIRE_ERR_LAST)
		abort();
	if (e == RBLK_WIRE_OK)
		assert_accepted(type, fixed, data_len, &d);
	free(fixed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct rblk_wire_type *t;
	struct rblk_wire_hdr h;
	struct rblk_p_write w;
	u32 len, fixed, seq;
	u16 type;

	if (size < sizeof(h) + 4)
		return 0;
	memcpy(&h, data, sizeof(h));
	seq = rblk_be32(data + sizeof(h));
	type = rblk_be16(h.type);
	len = rblk_be32(h.length);
	t = rblk_wire_type(type);
	if (t) {
		/*
		 * The packet as its sender builds it, with a length its type
		 * may have: its header passes, its fixed part goes through
		 * the table. (Every type's check is reached at once, not
		 * only once the fuzzer has matched a type to its length.)
		 */
		struct rblk_wire_hdr g;
		u32 glen = t->fixed + len % (t->max_data + 1);

		rblk_wire_hdr_init(&g, type, glen, seq);
		if (rblk_wire_check_hdr(&g, seq) != RBLK_WIRE_OK)
			abort();
		check_packet(type, glen - t->fixed, data + sizeof(h) + 4,
			     size - sizeof(h) - 4);
	}
	if (rblk_wire_check_hdr(&h, seq) != RBLK_WIRE_OK)
		return 0;
	fixed = rblk_wire_fixed_len(type);
	/* Accepted: known type, at least the fixed part, bounded data. */
	if (type == 0 || type >= __RBLK_P_LAST || len < fixed ||
	    len - fixed > RBLK_WIRE_MAX_DATA ||
	    (len > fixed && !rblk_wire_has_data(type)))
		abort();
	check_packet(type, len - fixed, data + sizeof(h) + 4, size - sizeof(h) - 4);
	if (type != RBLK_P_WRITE || size < sizeof(h) + 4 + sizeof(w) + 8)
		return 0;
	memcpy(&w, data + sizeof(h) + 4, sizeof(w));
	if (rblk_wire_check_write(&w, len - fixed,
				  rblk_be64(data + sizeof(h) + 4 + sizeof(w))) ==
	    RBLK_WIRE_OK) {
		u64 dev = rblk_be64(data + sizeof(h) + 4 + sizeof(w));
		u64 end = rblk_be64(w.sector) + rblk_be32(w.bytes) / 512;

		/* An accepted write lies inside the device. */
		if (end > dev || end < rblk_be64(w.sector))
			abort();
	}
	return 0;
}
