// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * What is on a disk already? create-md refuses to overwrite anything it
 * recognizes here. Each check reads a magic number at the offset its
 * format documents; no libblkid, so the list is short and explicit.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "md.h"
#include "util.h"

#define HEAD_BYTES	(128 * 1024)	/* covers every offset below */

struct probe {
	const uint8_t *head;		/* first HEAD_BYTES (zero-padded) */
	const uint8_t *tail;		/* last 4 KiB block */
	uint64_t size;
	char *out;
	size_t len, used;
	int found;
};

static void found(struct probe *p, const char *fmt, const char *what)
{
	if (p->used < p->len)
		p->used += snprintf(p->out + p->used, p->len - p->used, fmt, what);
	p->found++;
}

static bool at(const uint8_t *buf, size_t off, const char *magic)
{
	return !memcmp(buf + off, magic, strlen(magic));
}

/* ext2/3/4: superblock at 1024, s_magic 0xEF53 (le16) at +56. */
static void probe_ext(struct probe *p)
{
	const uint8_t *sb = p->head + 1024;
	uint32_t compat = rblk_get_le32(sb + 92), incompat = rblk_get_le32(sb + 96);

	if (rblk_get_le16(sb + 56) != 0xEF53)
		return;
	found(p, "  %s filesystem (magic 0xEF53 at byte 1080)\n",
	      incompat & 0x40 ? "ext4" : compat & 0x4 ? "ext3" : "ext2");
}

static void probe_head(struct probe *p)
{
	int i;

	if (at(p->head, 0, "XFSB"))
		found(p, "  %s filesystem (magic \"XFSB\" at byte 0)\n", "XFS");
	probe_ext(p);
	if (at(p->head, 65536 + 64, "_BHRfS_M"))
		found(p, "  %s filesystem (magic at byte 65600)\n", "btrfs");
	for (i = 0; i < 4; i++) {
		if (at(p->head, i * 512, "LABELONE") &&
		    at(p->head, i * 512 + 24, "LVM2 001")) {
			found(p, "  %s (label in sector 0..3)\n", "LVM2 physical volume");
			break;
		}
	}
	if (at(p->head, 4096 - 10, "SWAPSPACE2") || at(p->head, 4096 - 10, "SWAP-SPACE"))
		found(p, "  %s (magic at byte 4086)\n", "swap space");
	if (at(p->head, 512, "EFI PART"))
		found(p, "  %s (\"EFI PART\" at byte 512)\n", "GPT partition table");
	else if (p->head[510] == 0x55 && p->head[511] == 0xAA)
		found(p, "  %s (0x55AA at byte 510)\n", "MBR partition table or boot sector");
}

static uint32_t get_be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3];
}

static void probe_rblk(struct probe *p, const uint8_t *block, const char *where)
{
	const struct rblk_md_sb *sb = (const void *)block;
	char buf[160];

	if (!rblk_md_has_magic(sb))
		return;
	snprintf(buf, sizeof(buf), "rblk metadata (%s, version %u, current UUID %016" PRIX64 "%s)",
		 where, rblk_get_le32(&sb->version), rblk_get_le64(&sb->uuid[0]),
		 rblk_md_sb_check_header(sb) ? ", damaged" : "");
	found(p, "  %s\n", buf);
}

/*
 * DRBD 8.4/9 internal metadata: the superblock in the last 4 KiB, its
 * big-endian magic 0x8374026b/c/d after la_size, four UUIDs, device_uuid,
 * a reserved u64 and flags, i.e. at byte 60.
 */
static void probe_drbd(struct probe *p)
{
	uint32_t magic = get_be32(p->tail + 60);

	if (magic >= 0x8374026a && magic <= 0x8374026d)
		found(p, "  %s (magic at the end of the disk)\n", "DRBD metadata");
}

int md_probe(const struct md_io *io, char *out, size_t len)
{
	uint8_t *head = xcalloc(1, HEAD_BYTES), *tail = xcalloc(1, RBLK_MD_BLOCK);
	struct probe p = { head, tail, io->size, out, len, 0, 0 };
	size_t n = io->size < HEAD_BYTES ? io->size : HEAD_BYTES;

	if (len)
		out[0] = 0;
	if (io->pread(io->priv, head, n, 0) == 0) {
		probe_head(&p);
		probe_rblk(&p, head, "external layout, at byte 0");
	}
	if (io->size >= 2 * RBLK_MD_BLOCK &&
	    io->pread(io->priv, tail, RBLK_MD_BLOCK,
		      rblk_md_sb_offset(RBLK_MD_INTERNAL, io->size)) == 0) {
		probe_rblk(&p, tail, "internal, at the end");
		probe_drbd(&p);
	}
	free(head);
	free(tail);
	return p.found;
}
