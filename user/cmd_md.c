// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Offline metadata subcommands: create-md, dump-md, restore-md, wipe-md,
 * show-gi, set-gi. They take RES|all (disk and meta-disk of this node from
 * the configuration) or, for tests and rescue, --disk PATH [--meta-disk
 * PATH]. Everything is checked before the first write.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "md.h"
#include "rblkadm.h"
#include "util.h"

struct md_args {
	const char *disk, *meta;	/* --disk, --meta-disk */
	const char *res;
	const char *extra;		/* FILE of restore-md, GI of set-gi */
	bool force;
	bool al_given;			/* --al-extents: only with --disk */
	uint32_t al_extents;
	uint64_t from_size;		/* --from-size: move-md only */
};

struct md_target {
	const char *name;		/* resource, or the disk path */
	const char *disk, *meta;	/* meta NULL: internal */
	uint32_t al_extents;
	uint32_t minor;			/* MD_NO_MINOR for --disk */
};

typedef int (*md_fn)(struct rblk_ctx *ctx, const struct md_target *t,
		     const struct md_args *a);

static int parse_md_args(struct rblk_ctx *ctx, int argc, char **argv,
			 bool want_extra, struct md_args *a)
{
	bool move = !strcmp(argv[0], "move-md");
	static const struct option opts[] = {
		{ "disk", required_argument, NULL, 'D' },
		{ "meta-disk", required_argument, NULL, 'M' },
		{ "force", no_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "al-extents", required_argument, NULL, 'A' },
		{ "from-size", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 }
	};
	const struct rblkadm_cmd *cmd = rblk_find_cmd(argv[0]);
	uint64_t v;
	int c, need;

	memset(a, 0, sizeof(*a));
	a->al_extents = RBLK_AL_EXTENTS_DEFAULT;
	while ((c = getopt_long(argc, argv, "fj", opts, NULL)) != -1) {
		switch (c) {
		case 'D': a->disk = optarg; break;
		case 'M': a->meta = strcmp(optarg, "internal") ? optarg : NULL; break;
		case 'f': a->force = true; break;
		case 'j': ctx->json = true; break;
		case 'A':
			if (!parse_u64(optarg, RBLK_AL_EXTENTS_MIN, RBLK_AL_EXTENTS_MAX, &v)) {
				err("--al-extents must be %d..%d", RBLK_AL_EXTENTS_MIN,
				    RBLK_AL_EXTENTS_MAX);
				return EXIT_USAGE;
			}
			a->al_extents = v;
			a->al_given = true;
			break;
		case 'S':
			if (!move)
				return rblk_cmd_usage(cmd);
			if (!parse_u64(optarg, RBLK_MD_MIN_DATA, UINT64_MAX, &v)) {
				err("--from-size: '%s' is not a disk size in bytes ('blockdev --getsize64' prints one)",
				    optarg);
				return EXIT_USAGE;
			}
			a->from_size = v;
			break;
		default: return rblk_cmd_usage(cmd);
		}
	}
	need = (a->disk ? 0 : 1) + want_extra;
	if (argc - optind != need || (a->meta && !a->disk))
		return rblk_cmd_usage(cmd);
	if (!a->disk)
		a->res = argv[optind++];
	if (want_extra)
		a->extra = argv[optind];
	return 0;
}

/* Run fn on --disk, or on every resource RES|all names; stop at an error. */
static int for_each_target(struct rblk_ctx *ctx, const struct md_args *a, md_fn fn)
{
	struct md_target t = { a->disk, a->disk, a->meta, a->al_extents, MD_NO_MINOR };
	struct cfg_resource **res;
	struct rblk_config *cfg;
	int ret = 0, i, n;

	if (a->disk)
		return fn(ctx, &t, a);
	if (config_load(ctx->config_path, ctx->node, 0, &cfg))
		return EXIT_CONFIG;
	if (config_select(cfg, a->res, &res, &n)) {
		config_free(cfg);
		return EXIT_USAGE;
	}
	if (a->al_given) {
		err("--al-extents goes with --disk; a resource takes it from its configuration");
		hint("set 'disk { al-extents N; }' in the resource, or leave --al-extents out");
		free(res);
		config_free(cfg);
		return EXIT_USAGE;
	}
	for (i = 0; i < n && !ret; i++) {
		t.name = res[i]->name;
		t.disk = res[i]->me->disk;
		t.meta = strcmp(res[i]->me->meta_disk, "internal") ? res[i]->me->meta_disk : NULL;
		t.al_extents = res[i]->opt[OPT_AL_EXTENTS].num;
		t.minor = res[i]->me->minor;
		ret = fn(ctx, &t, a);
	}
	free(res);
	config_free(cfg);
	return ret;
}

/* What every md subcommand does: parse its arguments, run fn on each target. */
static int run_md_cmd(struct rblk_ctx *ctx, int argc, char **argv,
		      bool want_extra, md_fn fn)
{
	struct md_args a;
	int ret = parse_md_args(ctx, argc, argv, want_extra, &a);

	return ret ? ret : for_each_target(ctx, &a, fn);
}

static enum rblk_md_kind kind_of(const struct md_target *t)
{
	return t->meta ? RBLK_MD_EXTERNAL : RBLK_MD_INTERNAL;
}

static const char *md_where(const struct md_target *t)
{
	return t->meta ? t->meta : t->disk;
}

static void md_hint(enum rblk_md_err e)
{
	switch (e) {
	case RBLK_MD_ENOMAGIC:
		hint("create it with 'rblkadm create-md'; internal metadata is the last 4 KiB of the disk, so a shrunk disk has lost it, and one that grew while rblk was down has it at its former end ('rblkadm move-md RES --from-size BYTES' finds it there)");
		break;
	case RBLK_MD_ECRC: case RBLK_MD_ECORRUPT:
		hint("the superblock is damaged: restore a dump with 'rblkadm restore-md' or recreate it (full sync)");
		break;
	case RBLK_MD_ESIZE:
		hint("internal metadata lives at the end of the disk: give the disk its old size back");
		break;
	case RBLK_MD_ETRUNC:
		hint("the device is shorter than when the metadata was written: was it truncated or replaced?");
		break;
	case RBLK_MD_EKIND:
		hint("the configuration's meta-disk does not match what is on the disk");
		break;
	default:
		hint("this rblkadm cannot use this metadata");
	}
}

/* Open and read; prints the error with a hint. */
static int read_md(const struct md_target *t, bool write, struct md_dev *d,
		   struct md_image *img)
{
	enum rblk_md_err e;
	char why[256];

	struct md_hint h;
	bool former_left, ambiguous;
	uint64_t at;

	if (md_open(d, t->disk, t->meta, write))
		return EXIT_FAIL;
	/* Internal metadata of a disk that grew is at its former end. */
	if (!t->meta && t->minor != MD_NO_MINOR && !md_hint_read(t->minor, t->disk, &h)) {
		e = md_find(d, h.disk_bytes, img, &at, &former_left, &ambiguous,
			    why, sizeof(why));
		if (!e && at != d->meta.size)
			fprintf(stderr, "rblkadm: %s: the disk grew from %" PRIu64 " KiB since its metadata was written; the metadata is still at that former end ('rblkadm attach' or 'move-md' moves it)\n",
				md_where(t), at / 1024);
	} else {
		e = md_read(&d->disk, &d->meta, kind_of(t), img, why, sizeof(why));
	}
	if (e) {
		err("%s: %s", md_where(t), why);
		md_hint(e);
		md_close(d);
		return EXIT_FAIL;
	}
	return 0;
}

typedef void (*md_print_fn)(struct rblk_ctx *ctx, const struct md_target *t,
			    const struct md_image *img);

/* dump-md and show-gi: read the metadata, print it, touch nothing. */
static int print_md(struct rblk_ctx *ctx, const struct md_target *t,
		    md_print_fn print)
{
	struct md_image img;
	struct md_dev d;
	int ret = read_md(t, false, &d, &img);

	if (ret)
		return ret;
	print(ctx, t, &img);
	md_image_free(&img);
	md_close(&d);
	return EXIT_OK;
}

/* ---- create-md ---- */

static int too_small(const struct md_target *t, const struct md_dev *d)
{
	err("%s: too small for rblk metadata (%" PRIu64 " bytes)", md_where(t),
	    t->meta ? d->meta.size : d->disk.size);
	if (t->meta)
		hint("the metadata device needs 36 KiB plus 1 byte per 32 KiB of data (%" PRIu64 " bytes for this disk)",
		     (uint64_t)(RBLK_MD_BLOCK + RBLK_AL_BYTES +
				rblk_bm_area_bytes(rblk_bm_bits(d->disk.size))));
	else
		hint("internal metadata needs at least 1 MiB of data plus 36 KiB plus 1 byte per 32 KiB");
	return EXIT_FAIL;
}

static int refuse_found(const struct md_target *t, const char *found)
{
	err("%s: refusing to create metadata: the device holds", md_where(t));
	fputs(found, stderr);
	hint("wipe what you no longer need, or add --force to overwrite it");
	return EXIT_FAIL;
}

/*
 * New internal metadata of a resource: where it is is recorded first, so
 * that metadata left at a former end of the disk never counts again.
 */
static int record_new(const struct md_target *t, const struct md_dev *d,
		      const struct md_image *img)
{
	uint64_t uuid = rblk_get_le64(&img->sb.device_uuid);

	if (t->meta)
		return 0;
	if (t->minor == MD_NO_MINOR) {
		md_hint_disk_changed(t->disk, uuid, d->meta.size);
		return 0;
	}
	if (md_hint_write(t->minor, t->disk, uuid, d->meta.size))
		hint("the metadata is written all the same; should the disk grow while rblk is down, 'rblkadm move-md %s --from-size %" PRIu64 "' finds it (RBLK_STATE_DIR sets the directory of the records)",
		     t->name, d->meta.size);
	return 0;
}

/* The recorded former end of a grown disk holds its metadata: 1, said in @out. */
static int former_end(const struct md_target *t, const struct md_dev *d,
		      char *out, size_t len)
{
	struct md_hint h;
	size_t n = strlen(out);

	if (t->meta || t->minor == MD_NO_MINOR || md_hint_read(t->minor, t->disk, &h) ||
	    !md_valid_at(d, h.disk_bytes))
		return 0;
	snprintf(out + n, len - n, "  rblk metadata at its former end (%" PRIu64 " bytes): the disk grew since; 'rblkadm move-md %s' moves it to the end\n",
		 h.disk_bytes, t->name);
	return 1;
}

static int do_create(struct rblk_ctx *ctx, const struct md_target *t,
		     const struct md_args *a)
{
	struct md_image img;
	struct md_dev d;
	char found[1024];
	int ret = EXIT_FAIL, nfound;

	if (md_open(&d, t->disk, t->meta, true))
		return EXIT_FAIL;
	if (md_image_new(&img, kind_of(t), d.disk.size, d.meta.size, t->al_extents)) {
		ret = too_small(t, &d);
		goto out_close;
	}
	nfound = md_probe(&d.meta, found, sizeof(found));
	nfound += former_end(t, &d, found, sizeof(found));
	if (nfound && !a->force) {
		ret = refuse_found(t, found);
		goto out_free;
	}
	if (record_new(t, &d, &img) || md_write(&d, &img))
		goto out_free;
	printf("%s: created %s metadata on %s: %" PRIu64 " KiB of metadata, %" PRIu64 " KiB of data\n",
	       t->name, t->meta ? "external" : "internal", md_where(t),
	       img.layout.md_bytes / 1024, img.layout.data_bytes / 1024);
	ret = EXIT_OK;
out_free:
	md_image_free(&img);
out_close:
	md_close(&d);
	return ret;
}

CMD(create_md)
{
	return run_md_cmd(ctx, argc, argv, false, do_create);
}

/* ---- dump-md ---- */

static void dump_md(struct rblk_ctx *ctx, const struct md_target *t,
		    const struct md_image *img)
{
	md_dump(stdout, img, md_where(t), ctx->json);
}

static int do_dump(struct rblk_ctx *ctx, const struct md_target *t,
		   const struct md_args *a)
{
	return print_md(ctx, t, dump_md);
}

CMD(dump_md)
{
	return run_md_cmd(ctx, argc, argv, false, do_dump);
}

/* ---- restore-md ---- */

static char *slurp(const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	size_t len = 0, cap = 1 << 16, n;
	char *buf;

	if (!f) {
		err("cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	buf = xmalloc(cap);
	while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (len + 1 == cap)
			buf = realloc(buf, cap *= 2);
		if (!buf) {
			err("out of memory");
			exit(EXIT_FAIL);
		}
	}
	buf[len] = 0;
	if (f != stdin)
		fclose(f);
	return buf;
}

/* Does the dump fit this device exactly? */
static int check_dump(const struct md_target *t, const struct md_dump_info *di,
		      const struct md_image *img)
{
	uint64_t have = img->layout.data_bytes / RBLK_SECTOR;

	if (di->kind != kind_of(t)) {
		err("%s: the dump is of %s metadata, the target is %s", md_where(t),
		    di->kind == RBLK_MD_INTERNAL ? "internal" : "external",
		    t->meta ? "external" : "internal");
		hint("restore onto the same kind of meta-disk the dump was taken from");
		return -1;
	}
	if (di->data_sectors != have) {
		err("%s: the dump is for a data area of %" PRIu64 " sectors, this device gives %" PRIu64,
		    md_where(t), di->data_sectors, have);
		hint("restore onto a disk of the same size as the one dumped");
		return -1;
	}
	if (di->bm_bits != img->layout.bm_bits) {
		err("%s: bitmap size mismatch: the dump has %" PRIu64 " bits, this device needs %" PRIu64,
		    md_where(t), di->bm_bits, img->layout.bm_bits);
		hint("bm-bits must be data-sectors / 8, rounded up");
		return -1;
	}
	if (di->la_sectors && !rblk_md_size_ok(di->la_sectors, di->data_sectors)) {
		err("%s: the dump's size-in-use-sectors %" PRIu64 " is not a size this data area of %" PRIu64 " sectors can have",
		    md_where(t), di->la_sectors, di->data_sectors);
		hint("whole 4 KiB blocks, at least 1 MiB and at most data-sectors; 0 if no size was agreed yet");
		return -1;
	}
	return 0;
}

static void apply_dump(struct md_image *img, const struct md_dump_info *di)
{
	uint64_t b;
	size_t i;

	for (i = 0; i < di->nranges; i++)
		for (b = di->ranges[i][0]; b <= di->ranges[i][1]; b++)
			md_set_bit(img->bitmap, b);
	img->gi = di->gi;
	img->gi.flags |= RBLK_MDF_AL_CLEAN;	/* the log's extents are in the bitmap */
	rblk_put_le64(&img->sb.device_uuid, di->device_uuid);
	rblk_put_le64(&img->sb.create_time, di->create_time);
	rblk_put_le64(&img->sb.la_sectors, di->la_sectors);
}

/* A foreign signature (not rblk) stops restore-md without --force. */
static bool foreign(const char *found)
{
	const char *line;

	for (line = found; *line; line = strchr(line, '\n') + 1)
		if (strncmp(line, "  rblk metadata", 15))
			return true;
	return false;
}

static int do_restore(struct rblk_ctx *ctx, const struct md_target *t,
		      const struct md_args *a)
{
	struct md_dump_info di;
	struct md_image img;
	struct md_dev d;
	char found[1024], *text = slurp(a->extra);
	int ret = EXIT_FAIL;

	if (!text)
		return EXIT_FAIL;
	if (md_parse_dump(a->extra, text, &di, false))
		goto out_text;
	if (md_open(&d, t->disk, t->meta, true))
		goto out_di;
	if (md_image_new(&img, kind_of(t), d.disk.size, d.meta.size, di.al_extents)) {
		ret = too_small(t, &d);
		goto out_close;
	}
	if (check_dump(t, &di, &img))
		goto out_img;
	if (md_probe(&d.meta, found, sizeof(found)) && foreign(found) && !a->force) {
		ret = refuse_found(t, found);
		goto out_img;
	}
	apply_dump(&img, &di);
	if (record_new(t, &d, &img) || md_write(&d, &img))
		goto out_img;
	printf("%s: restored metadata on %s from %s\n", t->name, md_where(t), a->extra);
	ret = EXIT_OK;
out_img:
	md_image_free(&img);
out_close:
	md_close(&d);
out_di:
	md_dump_info_free(&di);
out_text:
	free(text);
	return ret;
}

CMD(restore_md)
{
	return run_md_cmd(ctx, argc, argv, true, do_restore);
}

/* ---- wipe-md ---- */

/*
 * A disk that grew may still have its superblock at its former end (the
 * hint says where): it goes too, and so does the hint.
 */
static int wipe_former(const struct md_target *t, const struct md_dev *d)
{
	struct md_hint h;

	if (t->meta)
		return 0;
	if (t->minor == MD_NO_MINOR) {
		md_hint_disk_changed(t->disk, 0, 0);
		return 0;
	}
	if (md_hint_read(t->minor, t->disk, &h))
		return 0;
	if (md_valid_at(d, h.disk_bytes)) {
		if (md_clear_former(d, h.disk_bytes))
			return -1;
		printf("%s: wiped the superblock at the former end of %s (%" PRIu64 " bytes)\n",
		       t->name, t->disk, h.disk_bytes);
	}
	md_hint_forget(t->minor);
	return 0;
}

static int do_wipe(struct rblk_ctx *ctx, const struct md_target *t,
		   const struct md_args *a)
{
	struct rblk_md_layout l;
	struct rblk_md_sb sb;
	struct md_dev d;
	int ret = EXIT_FAIL, bad;

	if (md_open(&d, t->disk, t->meta, true))
		return EXIT_FAIL;
	if (d.meta.size < 2 * RBLK_MD_BLOCK ||
	    d.meta.pread(d.meta.priv, &sb, sizeof(sb),
			 rblk_md_sb_offset(kind_of(t), d.meta.size)) ||
	    !rblk_md_has_magic(&sb)) {
		if (wipe_former(t, &d))
			goto out;
		printf("%s: no rblk metadata on %s, nothing to wipe\n", t->name, md_where(t));
		ret = EXIT_OK;
		goto out;
	}
	/* where the log is, from the superblock if it is sound */
	if (rblk_md_sb_check(&sb, kind_of(t), d.disk.size, d.meta.size, &l)) {
		bad = t->meta ? rblk_md_layout_external(d.disk.size, d.meta.size, &l)
			      : rblk_md_layout_internal(d.disk.size, &l);
		if (bad)
			l.al_offset = l.sb_offset = rblk_md_sb_offset(kind_of(t), d.meta.size);
	}
	if (md_wipe(&d, &l) || wipe_former(t, &d))
		goto out;
	printf("%s: wiped rblk metadata on %s\n", t->name, md_where(t));
	ret = EXIT_OK;
out:
	md_close(&d);
	return ret;
}

/* ---- move-md ---- */

static int do_move(struct rblk_ctx *ctx, const struct md_target *t,
		   const struct md_args *a)
{
	if (t->meta) {
		err("%s: its metadata is external (meta-disk %s): it never moves", t->name, t->meta);
		hint("a grown data disk keeps its external metadata where it is, and the device its size");
		return EXIT_FAIL;
	}
	if (t->minor == MD_NO_MINOR && !a->from_size) {
		err("move-md --disk needs --from-size: the disk's size when its metadata was last written");
		return EXIT_USAGE;
	}
	if (md_prepare("move-md", t->minor, t->disk, a->from_size, true))
		return EXIT_FAIL;
	printf("%s: the metadata is at the end of %s\n", t->name, t->disk);
	return EXIT_OK;
}

CMD(move_md)
{
	return run_md_cmd(ctx, argc, argv, false, do_move);
}

CMD(wipe_md)
{
	return run_md_cmd(ctx, argc, argv, false, do_wipe);
}

/* ---- show-gi, set-gi ---- */

/* CURRENT:BITMAP:HISTORY0:HISTORY1:FLAGS, the form set-gi takes. */
static void print_gi_line(FILE *f, const struct rblk_gi *g)
{
	char flags[160];
	int i;

	for (i = 0; i < RBLK_UI_COUNT; i++)
		fprintf(f, "%016" PRIX64 ":", g->uuid[i]);
	fprintf(f, "%s\n", md_flags_str(g->flags, flags, sizeof(flags)));
}

static const char *uuid_words(int i, uint64_t u)
{
	if (i == RBLK_UI_CURRENT && u == RBLK_UUID_JUST_CREATED)
		return "just created: this disk holds no replicated data yet";
	if (!u)
		return i == RBLK_UI_BITMAP ? "empty: no writes are tracked against the peer"
					   : "(none)";
	switch (i) {
	case RBLK_UI_CURRENT: return "the generation of the data on this disk";
	case RBLK_UI_BITMAP: return "the bitmap counts writes made since this generation";
	default: return "an older generation (newest first)";
	}
}

static void show_gi(struct rblk_ctx *ctx, const struct md_target *t,
		    const struct md_image *img)
{
	static const char *const names[] = { "current", "bitmap", "history0", "history1" };
	uint64_t set = md_bits_set(img);
	char size[32];
	int i;

	printf("%s on %s (%s metadata)\n  ", t->name, md_where(t),
	       t->meta ? "external" : "internal");
	print_gi_line(stdout, &img->gi);
	printf("\n");
	for (i = 0; i < RBLK_UI_COUNT; i++)
		printf("  %-9s %016" PRIX64 "  %s\n", names[i], img->gi.uuid[i],
		       uuid_words(i, img->gi.uuid[i]));
	printf("  flags:\n");
	for (i = 0; md_flag_names[i]; i++)
		printf("    %-16s %-3s  %s\n", md_flag_names[i],
		       img->gi.flags & (1U << i) ? "yes" : "no", md_flag_help[i]);
	printf("  bitmap: %" PRIu64 " of %" PRIu64 " blocks (%s) marked out of sync\n",
	       set, img->layout.bm_bits, human_sectors(set * 8, size, sizeof(size)));
	printf("  activity log: %d active extent%s\n", img->al_active,
	       img->al_active == 1 ? "" : "s");
}

static int do_show_gi(struct rblk_ctx *ctx, const struct md_target *t,
		      const struct md_args *a)
{
	return print_md(ctx, t, show_gi);
}

CMD(show_gi)
{
	return run_md_cmd(ctx, argc, argv, false, do_show_gi);
}

/* Parse CURRENT:BITMAP:HISTORY0:HISTORY1[:FLAGS]; flags stay if left out. */
static int parse_gi(const char *s, struct rblk_gi *g)
{
	char *copy = xstrdup(s), *p = copy, *f, *end;
	int i, ret = -1;

	for (i = 0; i < RBLK_UI_COUNT; i++) {
		f = strsep(&p, ":");
		if (!f || !*f || strlen(f) > 16)
			goto out;
		errno = 0;
		g->uuid[i] = strtoull(f, &end, 16);
		if (errno || *end)
			goto out;
	}
	ret = p ? md_flags_parse(p, &g->flags) : 0;
out:
	free(copy);
	return ret;
}

static int do_set_gi(struct rblk_ctx *ctx, const struct md_target *t,
		     const struct md_args *a)
{
	struct md_image img;
	struct rblk_gi g;
	struct md_dev d;
	int ret = read_md(t, true, &d, &img);

	if (ret)
		return ret;
	g = img.gi;
	ret = EXIT_USAGE;
	if (parse_gi(a->extra, &g) || !g.uuid[RBLK_UI_CURRENT]) {
		err("invalid generation set '%s'", a->extra);
		hint("write CURRENT:BITMAP:HISTORY0:HISTORY1[:FLAGS] in hex, as show-gi prints it; flags: consistent,was-up-to-date,... or -");
		goto out;
	}
	printf("%s: old ", t->name);
	print_gi_line(stdout, &img.gi);
	img.gi = g;
	ret = EXIT_FAIL;
	if (md_write_sb(&d, &img))
		goto out;
	printf("%s: new ", t->name);
	print_gi_line(stdout, &img.gi);
	ret = EXIT_OK;
out:
	md_image_free(&img);
	md_close(&d);
	return ret;
}

CMD(set_gi)
{
	return run_md_cmd(ctx, argc, argv, true, do_set_gi);
}
