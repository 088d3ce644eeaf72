// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * dump-md and restore-md's input: metadata as "key value" lines, or the
 * same keys as one JSON object (printed by the same code). The bitmap is
 * written as ranges of set bits; the extents the activity log names are
 * folded into it, so a restored disk resyncs what a crashed Primary may
 * have left different even though restore writes an empty log.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "md.h"
#include "util.h"

const char *md_flags_str(uint32_t flags, char *buf, size_t len)
{
	size_t n = 0;
	int i;

	buf[0] = 0;
	for (i = 0; md_flag_names[i]; i++)
		if (flags & (1U << i))
			n += snprintf(buf + n, len > n ? len - n : 0, "%s%s",
				      n ? "," : "", md_flag_names[i]);
	if (!n)
		snprintf(buf, len, "-");
	return buf;
}

int md_flags_parse(const char *s, uint32_t *flags)
{
	char word[32];
	size_t n;
	int i;

	*flags = 0;
	if (!strcmp(s, "-"))
		return 0;
	while (*s) {
		n = strcspn(s, ",");
		if (n == 0 || n >= sizeof(word))
			return -1;
		memcpy(word, s, n);
		word[n] = 0;
		for (i = 0; md_flag_names[i] && strcmp(md_flag_names[i], word); i++)
			;
		if (!md_flag_names[i])
			return -1;
		*flags |= 1U << i;
		s += n + (s[n] == ',');
	}
	return 0;
}

/* ---- printing ---- */

struct out {
	FILE *f;
	bool json;
	int n;		/* members printed so far */
};

static void key(struct out *o, const char *k)
{
	if (o->json)
		fprintf(o->f, "%s\n  \"%s\": ", o->n ? "," : "", k);
	else
		fprintf(o->f, "%s ", k);
	o->n++;
}

static void kv_u64(struct out *o, const char *k, uint64_t v)
{
	key(o, k);
	fprintf(o->f, o->json ? "%" PRIu64 : "%" PRIu64 "\n", v);
}

static void kv_str(struct out *o, const char *k, const char *v)
{
	key(o, k);
	fprintf(o->f, o->json ? "\"%s\"" : "%s\n", v);
}

static void kv_uuid(struct out *o, const char *k, uint64_t v)
{
	key(o, k);
	fprintf(o->f, o->json ? "\"0x%016" PRIX64 "\"" : "0x%016" PRIX64 "\n", v);
}

/* The bitmap with the activity log's extents folded in. */
static uint8_t *merged_bitmap(const struct md_image *img)
{
	const struct rblk_md_layout *l = &img->layout;
	uint8_t *bm = xmalloc(l->bm_area_bytes);
	uint64_t per = (1ULL << RBLK_AL_EXTENT_SHIFT) / RBLK_BM_BYTES_PER_BIT, b;
	uint32_t i;

	memcpy(bm, img->bitmap, l->bm_area_bytes);
	for (i = 0; i < img->al_extents; i++) {
		if (img->al[i] == RBLK_AL_EMPTY)
			continue;
		for (b = img->al[i] * per; b < (img->al[i] + 1ULL) * per && b < l->bm_bits; b++)
			md_set_bit(bm, b);
	}
	return bm;
}

static void print_range(struct out *o, uint64_t a, uint64_t b, int k)
{
	const char *sep = o->json ? (k ? ", " : "") : (k % 16 ? "," : "bm-set ");

	if (!o->json && k && k % 16 == 0)
		fputc('\n', o->f);
	fprintf(o->f, "%s%s%" PRIu64, sep, o->json ? "\"" : "", a);
	if (b != a)
		fprintf(o->f, "-%" PRIu64, b);
	fputs(o->json ? "\"" : "", o->f);
}

static void print_ranges(struct out *o, const uint8_t *bm, uint64_t bits)
{
	uint64_t i = 0, start;
	int k = 0;

	if (o->json) {
		key(o, "bm-set");
		fputc('[', o->f);
	}
	while (i < bits) {
		if (!md_bit(bm, i)) {
			i += (bm[i / 8] == 0 && i % 8 == 0) ? 8 : 1;
			continue;
		}
		for (start = i; i < bits && md_bit(bm, i); i++)
			;
		print_range(o, start, i - 1, k++);
	}
	if (o->json)
		fputc(']', o->f);
	else if (k)
		fputc('\n', o->f);
}

void md_dump(FILE *f, const struct md_image *img, const char *source, bool json)
{
	const struct rblk_md_sb *sb = &img->sb;
	struct out o = { f, json, 0 };
	uint8_t *bm = merged_bitmap(img);
	uint64_t set = 0, i;
	char flags[160];

	for (i = 0; i < img->layout.bm_bits; i++)
		set += md_bit(bm, i);
	if (json)
		fputc('{', f);
	else
		fprintf(f, "# rblk metadata of %s; restore with 'rblkadm restore-md'\n", source);
	kv_u64(&o, "version", rblk_get_le32(&sb->version));
	kv_str(&o, "kind", img->layout.kind == RBLK_MD_INTERNAL ? "internal" : "external");
	kv_u64(&o, "data-sectors", rblk_get_le64(&sb->data_sectors));
	kv_u64(&o, "disk-sectors", rblk_get_le64(&sb->disk_sectors));
	kv_u64(&o, "md-sectors", rblk_get_le64(&sb->md_sectors));
	kv_u64(&o, "size-in-use-sectors", rblk_get_le64(&sb->la_sectors));
	kv_u64(&o, "al-extents", img->al_extents);
	kv_str(&o, "flags", md_flags_str(img->gi.flags, flags, sizeof(flags)));
	kv_uuid(&o, "uuid-current", img->gi.uuid[RBLK_UI_CURRENT]);
	kv_uuid(&o, "uuid-bitmap", img->gi.uuid[RBLK_UI_BITMAP]);
	kv_uuid(&o, "uuid-history0", img->gi.uuid[RBLK_UI_HISTORY0]);
	kv_uuid(&o, "uuid-history1", img->gi.uuid[RBLK_UI_HISTORY1]);
	kv_uuid(&o, "device-uuid", rblk_get_le64(&sb->device_uuid));
	kv_u64(&o, "create-time", rblk_get_le64(&sb->create_time));
	kv_u64(&o, "al-transactions", img->al_valid);
	kv_u64(&o, "al-active-extents", img->al_active);
	kv_u64(&o, "bm-bits", img->layout.bm_bits);
	kv_u64(&o, "bm-set-bits", set);
	print_ranges(&o, bm, img->layout.bm_bits);
	if (json)
		fputs("\n}\n", f);
	free(bm);
}

/* ---- parsing ---- */

enum dkey {
	K_VERSION, K_KIND, K_DATA, K_DISK, K_MD, K_AL_EXTENTS, K_FLAGS,
	K_CURRENT, K_BITMAP, K_HIST0, K_HIST1, K_DEVICE_UUID, K_CTIME,
	K_AL_TR, K_AL_ACTIVE, K_BM_BITS, K_BM_SET_BITS, K_BM_SET, K_LA, __K_COUNT
};

static const char *const dkeys[__K_COUNT] = {
	"version", "kind", "data-sectors", "disk-sectors", "md-sectors",
	"al-extents", "flags", "uuid-current", "uuid-bitmap", "uuid-history0",
	"uuid-history1", "device-uuid", "create-time", "al-transactions",
	"al-active-extents", "bm-bits", "bm-set-bits", "bm-set",
	"size-in-use-sectors",
};

/* Keys restore needs; the others are information for people. */
static const enum dkey required[] = {
	K_VERSION, K_KIND, K_DATA, K_AL_EXTENTS, K_FLAGS, K_CURRENT, K_BITMAP,
	K_HIST0, K_HIST1, K_BM_BITS,
};

struct dparse {
	const char *name;
	int line;
	bool quiet;
	bool seen[__K_COUNT];
	size_t cap;
	struct md_dump_info *di;
};

static int perr(struct dparse *p, const char *msg, const char *arg)
{
	if (!p->quiet) {
		err("%s:%d: %s '%.64s'", p->name, p->line, msg, arg);
		hint("the input is what 'rblkadm dump-md' prints");
	}
	return -1;
}

static int num(struct dparse *p, const char *v, uint64_t max, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(v, &end, 0);
	if (errno || end == v || *end || *v == '-' || *out > max)
		return perr(p, "invalid number", v);
	return 0;
}

static int add_range(struct dparse *p, const char *r)
{
	struct md_dump_info *di = p->di;
	uint64_t a, b;
	char *end;

	errno = 0;
	a = b = strtoull(r, &end, 10);
	if (*end == '-')
		b = strtoull(end + 1, &end, 10);
	if (errno || *end || end == r || *r < '0' || *r > '9' || b < a)
		return perr(p, "invalid bit range", r);
	if (di->nranges == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 64;
		di->ranges = realloc(di->ranges, p->cap * sizeof(*di->ranges));
		if (!di->ranges) {
			err("out of memory");
			exit(EXIT_FAILURE);
		}
	}
	di->ranges[di->nranges][0] = a;
	di->ranges[di->nranges][1] = b;
	di->nranges++;
	return 0;
}

static int parse_ranges(struct dparse *p, char *v)
{
	char *save = NULL, *r;

	for (r = strtok_r(v, ",", &save); r; r = strtok_r(NULL, ",", &save))
		if (add_range(p, r))
			return -1;
	return 0;
}

static int set_value(struct dparse *p, enum dkey k, char *v)
{
	struct md_dump_info *di = p->di;
	uint64_t n;

	switch (k) {
	case K_VERSION:
		if (num(p, v, UINT32_MAX, &n))
			return -1;
		return n == RBLK_MD_VERSION ? 0 : perr(p, "unsupported version", v);
	case K_KIND:
		if (strcmp(v, "internal") && strcmp(v, "external"))
			return perr(p, "kind must be internal or external, not", v);
		di->kind = v[0] == 'i' ? RBLK_MD_INTERNAL : RBLK_MD_EXTERNAL;
		return 0;
	case K_FLAGS:
		if (md_flags_parse(v, &di->gi.flags))
			return perr(p, "unknown flag in", v);
		return 0;
	case K_DATA:
		return num(p, v, 1ULL << 52, &di->data_sectors);
	case K_AL_EXTENTS:
		if (num(p, v, RBLK_AL_EXTENTS_MAX, &n))
			return -1;
		if (n < RBLK_AL_EXTENTS_MIN)
			return perr(p, "al-extents too small", v);
		di->al_extents = n;
		return 0;
	case K_CURRENT: case K_BITMAP: case K_HIST0: case K_HIST1:
		return num(p, v, UINT64_MAX, &di->gi.uuid[k - K_CURRENT]);
	case K_DEVICE_UUID:
		return num(p, v, UINT64_MAX, &di->device_uuid);
	case K_CTIME:
		return num(p, v, UINT64_MAX, &di->create_time);
	case K_LA:
		return num(p, v, 1ULL << 52, &di->la_sectors);
	case K_BM_BITS:
		return num(p, v, 1ULL << 52, &di->bm_bits);
	case K_BM_SET:
		return parse_ranges(p, v);
	default:	/* information only */
		return num(p, v, UINT64_MAX, &n);
	}
}

static int parse_line(struct dparse *p, char *line)
{
	char *k = line, *v;
	int i;

	while (*k == ' ' || *k == '\t')
		k++;
	if (!*k || *k == '#')
		return 0;
	v = k + strcspn(k, " \t");
	if (*v)
		*v++ = 0;
	while (*v == ' ' || *v == '\t')
		v++;
	v[strcspn(v, " \t\r")] = 0;
	for (i = 0; i < __K_COUNT && strcmp(dkeys[i], k); i++)
		;
	if (i == __K_COUNT)
		return perr(p, "unknown key", k);
	if (p->seen[i] && i != K_BM_SET)
		return perr(p, "key given twice:", k);
	p->seen[i] = true;
	if (!*v)
		return perr(p, "missing value for", k);
	return set_value(p, i, v);
}

void md_dump_info_free(struct md_dump_info *di)
{
	free(di->ranges);
	di->ranges = NULL;
	di->nranges = 0;
}

int md_parse_dump(const char *name, const char *text, struct md_dump_info *di,
		  bool quiet)
{
	struct dparse p = { .name = name, .quiet = quiet, .di = di };
	char *copy = xstrdup(text), *line, *nl;
	size_t i;
	int ret = 0;

	memset(di, 0, sizeof(*di));
	for (line = copy; line && !ret; line = nl) {
		nl = strchr(line, '\n');
		if (nl)
			*nl++ = 0;
		p.line++;
		ret = parse_line(&p, line);
	}
	free(copy);
	for (i = 0; i < ARRAY_SIZE(required) && !ret; i++)
		if (!p.seen[required[i]])
			ret = perr(&p, "missing key", dkeys[required[i]]);
	for (i = 0; i < di->nranges && !ret; i++)
		if (di->ranges[i][1] >= di->bm_bits)
			ret = perr(&p, "bit range beyond bm-bits in", "bm-set");
	if (ret)
		md_dump_info_free(di);
	return ret;
}
