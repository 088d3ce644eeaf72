// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * On-disk format: crc32c, byte order, struct layout, layout arithmetic,
 * superblock checks (one per error), activity log replay, dump/parse
 * round trip and signature probing, all on memory buffers.
 */
#include <stddef.h>
#include <stdlib.h>

#include <rblk/md.h>

#include "md.h"
#include "test.h"

#define MiB (1024ULL * 1024)

/* A device in memory, for struct md_io. */
struct membuf {
	uint8_t *data;
	uint64_t size;
};

static int mem_pread(void *priv, void *buf, size_t len, uint64_t off)
{
	struct membuf *m = priv;

	if (off > m->size || len > m->size - off)
		return -5;
	memcpy(buf, m->data + off, len);
	return 0;
}

static struct md_io mem_io(struct membuf *m)
{
	return (struct md_io){ mem_pread, m, m->size };
}

static void test_crc(void)
{
	uint8_t zero[32] = { 0 }, ones[32];

	memset(ones, 0xff, sizeof(ones));
	CHECK(rblk_crc32c("123456789", 9) == 0xE3069283, "check value");
	CHECK(rblk_crc32c(zero, 32) == 0x8A9136AA, "32 zero bytes (RFC 3720)");
	CHECK(rblk_crc32c(ones, 32) == 0x62A8AB43, "32 0xff bytes (RFC 3720)");
}

static void test_endian(void)
{
	uint8_t b[8];

	rblk_put_le64(b, 0x0102030405060708ULL);
	CHECK(b[0] == 8 && b[7] == 1, "le64 byte order");
	CHECK(rblk_get_le64(b) == 0x0102030405060708ULL, "le64 round trip");
	rblk_put_le32(b, 0xA1B2C3D4);
	CHECK(b[0] == 0xD4 && rblk_get_le32(b) == 0xA1B2C3D4, "le32");
	rblk_put_le16(b, 0xBEEF);
	CHECK(b[0] == 0xEF && rblk_get_le16(b) == 0xBEEF, "le16");
}

static void test_struct_layout(void)
{
	CHECK(offsetof(struct rblk_md_sb, crc32c) == 16, "crc32c at 16");
	CHECK(offsetof(struct rblk_md_sb, uuid) == 24, "uuids at 24");
	CHECK(offsetof(struct rblk_md_sb, data_sectors) == 64, "data_sectors at 64");
	CHECK(offsetof(struct rblk_md_sb, bm_bits) == 104, "bm_bits at 104");
	CHECK(offsetof(struct rblk_md_sb, md_kind) == 128, "md_kind at 128");
	CHECK(offsetof(struct rblk_md_sb, la_sectors) == 144, "la_sectors at 144");
	CHECK(offsetof(struct rblk_md_sb, reserved) == 152, "reserved at 152");
	CHECK(offsetof(struct rblk_al_tr, update_extent) == 152, "updates at 152");
	CHECK(offsetof(struct rblk_al_tr, context) == 408, "context at 408");
}

static void test_layout(void)
{
	struct rblk_md_layout l;

	CHECK(!rblk_md_layout_internal(256 * MiB, &l), "256 MiB fits");
	CHECK(l.md_bytes == 44 * 1024, "256 MiB loses 44 KiB, got %llu", (unsigned long long)l.md_bytes);
	CHECK(l.data_bytes == 256 * MiB - 44 * 1024, "data");
	CHECK(l.bm_bits == l.data_bytes / 4096, "one bit per 4 KiB");
	CHECK(l.sb_offset == 256 * MiB - 4096, "superblock is the last block");
	CHECK(l.al_offset == l.sb_offset - 32 * 1024, "AL before it");
	CHECK(l.bm_offset == l.data_bytes, "bitmap right after the data");
	CHECK(!rblk_md_layout_internal(256 * MiB + 4095, &l) && l.data_bytes == 256 * MiB - 44 * 1024,
	      "a partial last block is unused");
	CHECK(!rblk_md_layout_internal(1024 * 1024 * MiB, &l) &&
	      l.md_bytes == 32 * MiB + 36 * 1024, "1 TiB: 32 MiB bitmap + 36 KiB");
	CHECK(rblk_md_layout_internal(1 * MiB, &l), "1 MiB is too small");
	CHECK(!rblk_md_layout_internal(1 * MiB + 40 * 1024, &l), "1 MiB + 40 KiB fits");
	CHECK(!rblk_md_layout_external(1024 * MiB, 68 * 1024, &l), "external 1 GiB");
	CHECK(l.sb_offset == 0 && l.al_offset == 4096 && l.bm_offset == 36 * 1024 &&
	      l.data_bytes == 1024 * MiB, "external offsets");
	CHECK(rblk_md_layout_external(1024 * MiB, 68 * 1024 - 1, &l), "meta too small");
	CHECK(rblk_bm_area_bytes(1) == 4096 && rblk_bm_area_bytes(32769) == 8192, "bm area rounding");
}

static void make_sb(struct rblk_md_sb *sb, struct rblk_md_layout *l, uint64_t dev)
{
	rblk_md_layout_internal(dev, l);
	rblk_md_sb_init(sb, l, dev, RBLK_AL_EXTENTS_DEFAULT);
	rblk_md_sb_seal(sb);
}

static enum rblk_md_err check_int(struct rblk_md_sb *sb, uint64_t dev)
{
	struct rblk_md_layout l;

	return rblk_md_sb_check(sb, RBLK_MD_INTERNAL, dev, dev, &l);
}

static void test_sb_check(void)
{
	struct rblk_md_sb sb, bad;
	struct rblk_md_layout l, l2;
	uint64_t dev = 64 * MiB;

	make_sb(&sb, &l, dev);
	CHECK(check_int(&sb, dev) == RBLK_MD_OK, "fresh superblock is valid");
	CHECK(!rblk_md_sb_check(&sb, RBLK_MD_INTERNAL, dev, dev, &l2) &&
	      l.data_bytes == l2.data_bytes && l.sb_offset == l2.sb_offset &&
	      l.bm_bits == l2.bm_bits, "check returns the layout");
	bad = sb; bad.magic[0] = 'X';
	CHECK(check_int(&bad, dev) == RBLK_MD_ENOMAGIC, "magic");
	bad = sb; bad.reserved[5] = 1;
	CHECK(check_int(&bad, dev) == RBLK_MD_ECRC, "checksum");
	bad = sb; rblk_put_le32(&bad.version, 2); rblk_md_sb_seal(&bad);
	CHECK(check_int(&bad, dev) == RBLK_MD_EVERSION, "version");
	bad = sb; rblk_put_le32(&bad.flags, 1U << 20); rblk_md_sb_seal(&bad);
	CHECK(check_int(&bad, dev) == RBLK_MD_EFLAGS, "unknown flags");
	CHECK(rblk_md_sb_check(&sb, RBLK_MD_EXTERNAL, dev, dev, &l2) == RBLK_MD_EKIND, "kind");
	bad = sb; rblk_put_le32(&bad.al_slots, 9); rblk_md_sb_seal(&bad);
	CHECK(check_int(&bad, dev) == RBLK_MD_EGEOMETRY, "geometry");
	bad = sb; rblk_put_le64(&bad.bm_bits, l.bm_bits + 1); rblk_md_sb_seal(&bad);
	CHECK(check_int(&bad, dev) == RBLK_MD_EBMSIZE, "bitmap size mismatch");
	bad = sb; rblk_put_le64(&bad.bm_offset, 0); rblk_md_sb_seal(&bad);
	CHECK(check_int(&bad, dev) == RBLK_MD_EBMSIZE, "bitmap offset");
	bad = sb; rblk_put_le32(&bad.al_extents, 3); rblk_md_sb_seal(&bad);
	CHECK(check_int(&bad, dev) == RBLK_MD_ECORRUPT, "al-extents");
	/* The size in use: whole 4 KiB blocks, 1 MiB to the data area. */
	bad = sb; rblk_put_le64(&bad.la_sectors, l.data_bytes / 512); rblk_md_sb_seal(&bad);
	CHECK(check_int(&bad, dev) == RBLK_MD_OK, "size in use: the data area");
	bad = sb; rblk_put_le64(&bad.la_sectors, 2048); rblk_md_sb_seal(&bad);
	CHECK(check_int(&bad, dev) == RBLK_MD_OK, "size in use: 1 MiB");
	bad = sb; rblk_put_le64(&bad.la_sectors, 2040); rblk_md_sb_seal(&bad);
	CHECK(check_int(&bad, dev) == RBLK_MD_ECORRUPT, "size in use below 1 MiB");
	bad = sb; rblk_put_le64(&bad.la_sectors, 4100); rblk_md_sb_seal(&bad);
	CHECK(check_int(&bad, dev) == RBLK_MD_ECORRUPT, "size in use not whole blocks");
	bad = sb; rblk_put_le64(&bad.la_sectors, l.data_bytes / 512 + 8); rblk_md_sb_seal(&bad);
	CHECK(check_int(&bad, dev) == RBLK_MD_ECORRUPT, "size in use past the data area");
	bad = sb; rblk_put_le64(&bad.la_sectors, 1ULL << 61); rblk_md_sb_seal(&bad);
	CHECK(check_int(&bad, dev) == RBLK_MD_ECORRUPT, "size in use huge");
	CHECK(check_int(&sb, dev + 4096) == RBLK_MD_ESIZE, "grown disk");
	CHECK(check_int(&sb, dev + 511) == RBLK_MD_OK, "partial block ignored");
	rblk_md_layout_external(dev, 1 * MiB, &l);
	rblk_md_sb_init(&sb, &l, dev, 100);
	rblk_md_sb_seal(&sb);
	CHECK(rblk_md_sb_check(&sb, RBLK_MD_EXTERNAL, dev, 1 * MiB, &l2) == RBLK_MD_OK, "external");
	CHECK(rblk_md_sb_check(&sb, RBLK_MD_EXTERNAL, dev - 4096, 1 * MiB, &l2) == RBLK_MD_ETRUNC,
	      "truncated data disk");
	CHECK(rblk_md_sb_check(&sb, RBLK_MD_EXTERNAL, dev, 8192, &l2) == RBLK_MD_ETRUNC,
	      "truncated metadata device");
	CHECK(rblk_md_sb_check(&sb, RBLK_MD_EXTERNAL, 2 * dev, 1 * MiB, &l2) == RBLK_MD_OK,
	      "external data disk may grow");
}

/* A disk that grew: where its metadata goes, and which superblock counts. */
static void test_move(void)
{
	struct rblk_md_layout from, to, l2;
	struct rblk_md_sb sb, moved, other;
	uint64_t need, enough, d0 = 200 * MiB, d1 = 300 * MiB;

	make_sb(&sb, &from, d0);
	CHECK(check_int(&sb, d1) == RBLK_MD_ENOMAGIC || check_int(&sb, d1) == RBLK_MD_ESIZE,
	      "not valid for the grown disk as it is");
	CHECK(rblk_md_sb_check(&sb, RBLK_MD_INTERNAL, d1, d0, &l2) == RBLK_MD_OK &&
	      l2.sb_offset == d0 - 4096, "valid at its former end of a grown disk");
	CHECK(rblk_md_move_plan(d0, d0, &to, &need) == 1, "same size: nothing to move");
	CHECK(rblk_md_move_plan(d0 + 4095, d0, &to, &need) == 1, "partial block: nothing to move");
	CHECK(rblk_md_move_plan(d0, d1, &to, &need) == 0 && to.sb_offset == d1 - 4096 &&
	      to.md_offset >= d0, "grown by 100 MiB: moves past the old end");
	/* the new metadata must start at or after the old end */
	CHECK(rblk_md_move_plan(d0, d0 + 4096, &to, &need) == -1 && need > d0 + 4096,
	      "grown by 4 KiB: overlaps, needs %llu", (unsigned long long)need);
	enough = need;
	CHECK(rblk_md_move_plan(d0, enough, &to, &need) == 0 && to.md_offset >= d0,
	      "the size it names is enough");
	CHECK(rblk_md_move_plan(d0, enough - 4096, &to, &need) == -1 && need == enough,
	      "4 KiB less is not");
	CHECK(enough == d0 + 44 * 1024, "200 MiB: 44 KiB of metadata, got %llu",
	      (unsigned long long)(enough - d0));
	CHECK(rblk_md_move_plan(1024 * 1024 * MiB, 1024 * 1024 * MiB + 4 * MiB, &to, &need) == -1 &&
	      need == 1024 * 1024 * MiB + 32 * MiB + 40 * 1024,
	      "1 TiB grown by 4 MiB: needs 32 MiB + 40 KiB, got %llu",
	      (unsigned long long)(need - 1024 * 1024 * MiB));
	/* the moved superblock: the new layout, the same data size */
	rblk_md_move_plan(d0, d1, &to, &need);
	rblk_put_le64(&sb.uuid[RBLK_UI_CURRENT], 0x1234);
	moved = sb;
	rblk_md_sb_relayout(&moved, &to, d1, true);
	rblk_md_sb_seal(&moved);
	CHECK(check_int(&moved, d1) == RBLK_MD_OK, "moved superblock valid at the new end");
	CHECK(rblk_get_le64(&moved.la_sectors) == from.data_bytes / 512,
	      "no size recorded, data: the former data area is in use");
	CHECK(rblk_get_le64(&moved.data_sectors) == to.data_bytes / 512 &&
	      rblk_get_le64(&moved.disk_sectors) == d1 / 512, "new data area and disk size");
	CHECK(!memcmp(moved.uuid, sb.uuid, sizeof(sb.uuid)) &&
	      moved.device_uuid == sb.device_uuid, "generations and disk kept");
	moved = sb;
	rblk_put_le64(&moved.la_sectors, 2048);
	rblk_md_sb_relayout(&moved, &to, d1, true);
	CHECK(rblk_get_le64(&moved.la_sectors) == 2048, "a recorded size stays");
	moved = sb;
	rblk_md_sb_relayout(&moved, &to, d1, false);
	CHECK(rblk_get_le64(&moved.la_sectors) == 0, "no data: no size");
	/* the same superblock moved, or not */
	rblk_md_move_plan(d0, d1, &to, &need);
	moved = sb;
	rblk_md_sb_relayout(&moved, &to, d1, true);
	rblk_md_sb_seal(&moved);
	CHECK(rblk_md_sb_is_moved(&moved, &sb, &to, d1), "a moved copy is recognised");
	other = moved;
	rblk_put_le32(&other.flags, 1);
	rblk_md_sb_seal(&other);
	CHECK(!rblk_md_sb_is_moved(&other, &sb, &to, d1), "other flags: not a copy");
	other = moved;
	rblk_put_le64(&other.uuid[RBLK_UI_CURRENT], 0x5678);
	rblk_md_sb_seal(&other);
	CHECK(!rblk_md_sb_is_moved(&other, &sb, &to, d1), "another generation: not a copy");
	other = moved;
	rblk_put_le64(&other.device_uuid, 99);
	rblk_md_sb_seal(&other);
	CHECK(!rblk_md_sb_is_moved(&other, &sb, &to, d1), "another disk: not a copy");
	other = moved;
	rblk_put_le64(&other.la_sectors, 2048);
	rblk_md_sb_seal(&other);
	CHECK(!rblk_md_sb_is_moved(&other, &sb, &to, d1), "another size in use: not a copy");
	/* which one counts */
	CHECK(rblk_md_pick(true, false, false) == RBLK_MD_PICK_END, "end only");
	CHECK(rblk_md_pick(false, true, false) == RBLK_MD_PICK_FORMER, "former only");
	CHECK(rblk_md_pick(false, false, false) == RBLK_MD_PICK_NONE, "none");
	CHECK(rblk_md_pick(true, true, true) == RBLK_MD_PICK_END,
	      "both, the end the former moved: the move wrote the new one");
	CHECK(rblk_md_pick(true, true, false) == RBLK_MD_PICK_AMBIGUOUS,
	      "both, different: no guess");
}

/* An internal-metadata image in memory, with a few bits set. */
static struct membuf make_image(uint64_t dev, struct md_image *img)
{
	struct membuf m = { calloc(1, dev), dev };
	struct rblk_md_layout *l;

	CHECK(!md_image_new(img, RBLK_MD_INTERNAL, dev, dev, 64), "image");
	l = &img->layout;
	img->gi.uuid[RBLK_UI_CURRENT] = 0x1234;
	img->gi.flags = RBLK_MDF_CONSISTENT;
	md_set_bit(img->bitmap, 0);
	md_set_bit(img->bitmap, 7);
	md_set_bit(img->bitmap, 8);
	md_set_bit(img->bitmap, l->bm_bits - 1);
	rblk_md_sb_set_gi(&img->sb, &img->gi);
	memcpy(m.data + l->sb_offset, &img->sb, sizeof(img->sb));
	memcpy(m.data + l->bm_offset, img->bitmap, l->bm_area_bytes);
	return m;
}

static void put_tr(uint8_t *slot, uint64_t nr, int start, int n_ctx,
		   const uint32_t *ctx, int n_up, const uint16_t *us, const uint32_t *ue)
{
	struct rblk_al_tr *tr = (void *)slot;
	int i;

	memset(tr, 0, sizeof(*tr));
	rblk_put_le32(&tr->magic, RBLK_AL_MAGIC);
	rblk_put_le64(&tr->tr_number, nr);
	rblk_put_le16(&tr->context_start, start);
	rblk_put_le16(&tr->context_count, n_ctx);
	rblk_put_le16(&tr->n_updates, n_up);
	rblk_put_le16(&tr->al_extents, 64);
	for (i = 0; i < n_ctx; i++)
		rblk_put_le32(&tr->context[i], ctx[i]);
	for (i = 0; i < n_up; i++) {
		rblk_put_le16(&tr->update_slot[i], us[i]);
		rblk_put_le32(&tr->update_extent[i], ue[i]);
	}
	rblk_put_le32(&tr->crc32c, rblk_al_tr_crc(tr));
}

static void test_read_and_al(void)
{
	static const uint32_t empty[4] = { RBLK_AL_EMPTY, RBLK_AL_EMPTY, RBLK_AL_EMPTY, RBLK_AL_EMPTY };
	static const uint16_t us1[2] = { 0, 3 }, us2[1] = { 3 };
	static const uint32_t ue1[2] = { 5, 9 }, ue2[1] = { RBLK_AL_EMPTY };
	struct md_image w, r;
	struct membuf m = make_image(16 * MiB, &w);
	struct md_io io = mem_io(&m);
	uint8_t *al = m.data + w.layout.al_offset;
	char why[256];

	/* slot order is not transaction order: 7 is newest, 5 oldest */
	put_tr(al + 2 * 4096, 7, 0, 0, NULL, 1, us2, ue2);
	put_tr(al + 0 * 4096, 5, 0, 4, empty, 0, NULL, NULL);
	put_tr(al + 5 * 4096, 6, 0, 0, NULL, 2, us1, ue1);
	put_tr(al + 6 * 4096, 9, 0, 0, NULL, 2, us1, ue1);
	al[6 * 4096 + 100] ^= 1;	/* a torn write: ignored */
	CHECK(md_read(&io, &io, RBLK_MD_INTERNAL, &r, why, sizeof(why)) == RBLK_MD_OK,
	      "read: %s", why);
	CHECK(r.gi.uuid[RBLK_UI_CURRENT] == 0x1234 && r.gi.flags == RBLK_MDF_CONSISTENT, "gi");
	CHECK(md_bits_set(&r) == 4 && md_bit(r.bitmap, 7) && md_bit(r.bitmap, 8), "bitmap bits");
	CHECK(r.al_valid == 3 && r.al_newest_tr == 7, "valid transactions %d", r.al_valid);
	CHECK(r.al_active == 1 && r.al[0] == 5 && r.al[3] == RBLK_AL_EMPTY, "replay");
	md_image_free(&r);

	m.size -= 4096;		/* the superblock is gone */
	io = mem_io(&m);
	CHECK(md_read(&io, &io, RBLK_MD_INTERNAL, &r, why, sizeof(why)) == RBLK_MD_ENOMAGIC,
	      "shrunk device");
	m.size = 8192;
	io = mem_io(&m);
	CHECK(md_read(&io, &io, RBLK_MD_INTERNAL, &r, why, sizeof(why)) == RBLK_MD_ENOMAGIC,
	      "tiny device");
	md_image_free(&w);
	free(m.data);
}

/*
 * A window that wraps past the last slot goes on at slot 0, as the kernel
 * replays it (include/rblk/al.h); a transaction of another set size is
 * not this set's.
 */
static void test_al_wrap(void)
{
	static const uint32_t ctx[8] = { 100, 101, 102, 103, 104, 105, 106, 107 };
	struct md_image w, r;
	struct membuf m = make_image(16 * MiB, &w);
	struct md_io io = mem_io(&m);
	uint8_t *al = m.data + w.layout.al_offset;
	char why[256];

	put_tr(al + 1 * 4096, 8, 60, 8, ctx, 0, NULL, NULL);
	put_tr(al + 3 * 4096, 9, 10, 1, ctx, 0, NULL, NULL);
	rblk_put_le16(&((struct rblk_al_tr *)(al + 3 * 4096))->al_extents, 32);
	rblk_put_le32(&((struct rblk_al_tr *)(al + 3 * 4096))->crc32c,
		      rblk_al_tr_crc((struct rblk_al_tr *)(al + 3 * 4096)));
	CHECK(md_read(&io, &io, RBLK_MD_INTERNAL, &r, why, sizeof(why)) == RBLK_MD_OK,
	      "read: %s", why);
	CHECK(r.al[60] == 100 && r.al[63] == 103, "window up to the last slot");
	CHECK(r.al[0] == 104 && r.al[3] == 107, "window wrapped to slot 0: %u %u", r.al[0], r.al[3]);
	CHECK(r.al[10] == RBLK_AL_EMPTY, "another set size is ignored");
	CHECK(r.al_valid == 1 && r.al_newest_tr == 8 && r.al_active == 8,
	      "valid %d newest %llu active %d", r.al_valid,
	      (unsigned long long)r.al_newest_tr, r.al_active);
	md_image_free(&r);
	md_image_free(&w);
	free(m.data);
}

static void test_dump_round_trip(void)
{
	struct md_image w, r;
	struct membuf m = make_image(16 * MiB, &w);
	struct md_io io = mem_io(&m);
	struct md_dump_info di;
	char why[256], *text = NULL;
	size_t len = 0;
	FILE *f;

	CHECK(md_read(&io, &io, RBLK_MD_INTERNAL, &r, why, sizeof(why)) == RBLK_MD_OK, "%s", why);
	f = open_memstream(&text, &len);
	md_dump(f, &r, "mem", false);
	fclose(f);
	CHECK(strstr(text, "bm-set 0,7-8,4085\n") != NULL, "ranges in:\n%s", text);
	CHECK(!md_parse_dump("mem", text, &di, true), "parse back");
	CHECK(di.kind == RBLK_MD_INTERNAL && di.bm_bits == r.layout.bm_bits &&
	      di.data_sectors == r.layout.data_bytes / 512 && di.al_extents == 64, "fields");
	CHECK(!memcmp(&di.gi, &r.gi, sizeof(di.gi)), "gi");
	CHECK(di.nranges == 3 && di.ranges[1][0] == 7 && di.ranges[1][1] == 8, "ranges");
	md_dump_info_free(&di);
	CHECK(md_parse_dump("x", "version 1\nkind internal\n", &di, true) == -1, "missing keys");
	CHECK(md_parse_dump("x", "bogus 1\n", &di, true) == -1, "unknown key");
	free(text);
	md_image_free(&r);
	md_image_free(&w);
	free(m.data);
}

static int probe_with(size_t off, const char *magic, char *out, size_t len)
{
	struct membuf m = { calloc(1, 4 * MiB), 4 * MiB };
	struct md_io io = mem_io(&m);
	int n;

	memcpy(m.data + off, magic, strlen(magic));
	n = md_probe(&io, out, len);
	free(m.data);
	return n;
}

static void test_probe(void)
{
	char out[512];

	CHECK(probe_with(0, "", out, sizeof(out)) == 0, "empty disk");
	CHECK(probe_with(0, "XFSB", out, sizeof(out)) == 1 && strstr(out, "XFS"), "xfs");
	CHECK(probe_with(1080, "\x53\xEF", out, sizeof(out)) == 1 && strstr(out, "ext2"), "ext2");
	CHECK(probe_with(512, "LABELONE\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0LVM2 001", out, sizeof(out)) == 0,
	      "strlen stops at NUL: no LVM label");
	CHECK(probe_with(4086, "SWAPSPACE2", out, sizeof(out)) == 1 && strstr(out, "swap"), "swap");
	CHECK(probe_with(4 * MiB - 4096, "RBLKMETA", out, sizeof(out)) == 1 &&
	      strstr(out, "rblk metadata (internal"), "rblk internal");
	CHECK(probe_with(4 * MiB - 4096 + 60, "\x83\x74\x02\x6b", out, sizeof(out)) == 1 &&
	      strstr(out, "DRBD"), "drbd");
}

static void test_lvm_probe(void)
{
	struct membuf m = { calloc(1, 4 * MiB), 4 * MiB };
	struct md_io io = mem_io(&m);
	char out[256];

	memcpy(m.data + 512, "LABELONE", 8);
	memcpy(m.data + 512 + 24, "LVM2 001", 8);
	CHECK(md_probe(&io, out, sizeof(out)) == 1 && strstr(out, "LVM2"), "lvm: %s", out);
	free(m.data);
}

int main(void)
{
	test_crc();
	test_endian();
	test_struct_layout();
	test_layout();
	test_sb_check();
	test_move();
	test_read_and_al();
	test_al_wrap();
	test_dump_round_trip();
	test_probe();
	test_lvm_probe();
	TEST_DONE();
}
