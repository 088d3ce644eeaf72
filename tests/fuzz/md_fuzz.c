// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * libFuzzer target for the metadata reader and the dump-md parser.
 *
 * Input: byte 0 flags, bytes 1..4 a little-endian size selector, the rest
 * the last bytes of a virtual device (zeros before them). Flags:
 *   bit 0  re-seal the superblock and AL checksums first, so the fuzzer
 *          gets past crc32c and reaches the field checks
 *   bit 1  treat the rest as dump-md text and parse it instead
 *   bit 2  external metadata (the virtual device is the metadata device)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "md.h"

struct vdev {
	const uint8_t *tail;
	size_t tail_len;
	uint64_t size;
};

/* Zeros, then the tail at the end of the device. */
static int vdev_pread(void *priv, void *buf, size_t len, uint64_t off)
{
	const struct vdev *v = priv;
	uint64_t start = v->size - v->tail_len, i;

	if (off > v->size || len > v->size - off)
		return -5;
	for (i = 0; i < len; i++) {
		uint64_t pos = off + i;

		((uint8_t *)buf)[i] = pos >= start ? v->tail[pos - start] : 0;
	}
	return 0;
}

static void reseal(uint8_t *tail, size_t len, uint64_t size, bool external)
{
	uint64_t sb_off = rblk_md_sb_offset(external ? RBLK_MD_EXTERNAL : RBLK_MD_INTERNAL, size);
	uint64_t start = size - len;
	struct rblk_md_sb *sb;

	if (sb_off < start || sb_off - start + sizeof(*sb) > len)
		return;
	sb = (void *)(tail + (sb_off - start));
	rblk_md_sb_seal(sb);
	/* AL slots right before an internal superblock */
	for (uint64_t off = sb_off - RBLK_AL_BYTES; !external && off < sb_off;
	     off += RBLK_MD_BLOCK) {
		struct rblk_al_tr *tr;

		if (off < start || off - start + RBLK_MD_BLOCK > len)
			continue;
		tr = (void *)(tail + (off - start));
		rblk_put_le32(&tr->crc32c, rblk_al_tr_crc(tr));
	}
}

static void parse_dump(const uint8_t *data, size_t size)
{
	struct md_dump_info di;
	char *text = malloc(size + 1);

	memcpy(text, data, size);
	text[size] = 0;
	if (!md_parse_dump("fuzz", text, &di, true))
		md_dump_info_free(&di);
	free(text);
}

static void read_md(struct vdev *v, bool external)
{
	struct md_io io = { vdev_pread, v, v->size };
	struct md_image img;
	char why[256], found[512];
	FILE *null = fopen("/dev/null", "w");

	md_probe(&io, found, sizeof(found));
	if (md_read(&io, &io, external ? RBLK_MD_EXTERNAL : RBLK_MD_INTERNAL,
		    &img, why, sizeof(why)) == RBLK_MD_OK) {
		md_dump(null, &img, "fuzz", false);
		md_dump(null, &img, "fuzz", true);
		md_image_free(&img);
	}
	fclose(null);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vdev v;
	uint8_t *tail;
	uint32_t sel;

	if (size < 5)
		return 0;
	if (data[0] & 2) {
		parse_dump(data + 5, size - 5);
		return 0;
	}
	sel = rblk_get_le32(data + 1);
	tail = malloc(size - 5 + 1);
	memcpy(tail, data + 5, size - 5);
	v.tail = tail;
	v.tail_len = size - 5;
	/* at least the smallest valid internal device, at most ~9 MiB */
	v.size = RBLK_MD_MIN_DATA + 40 * 1024 + sel % (8 << 20);
	if (v.size < v.tail_len)
		v.size = v.tail_len;
	if (data[0] & 1)
		reseal(tail, v.tail_len, v.size, data[0] & 4);
	read_md(&v, data[0] & 4);
	free(tail);
	return 0;
}
