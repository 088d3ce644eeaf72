// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Internal metadata of a disk that grew (docs/metadata.md, "A disk that
 * grew"). The superblock is the disk's last 4 KiB: after an lvextend it
 * is no longer there but at the disk's former end. rblkadm records where
 * it last found each minor's metadata (the hint file), looks there when
 * the end holds none, and moves the metadata to the new end before the
 * kernel attaches the disk. The move is crash-safe: until the new
 * superblock is written nothing refers to the new place, and the old
 * superblock stays valid until then.
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "md.h"
#include "util.h"

#define STATE_DIR_DEFAULT	"/var/lib/rblk"

static const char *state_dir(void)
{
	const char *d = getenv("RBLK_STATE_DIR");

	return d && *d ? d : STATE_DIR_DEFAULT;
}

static void hint_path(uint32_t minor, char *buf, size_t len)
{
	snprintf(buf, len, "%s/minor-%u.md", state_dir(), minor);
}

/* Two paths name the same disk (both resolved), or are the same string. */
static bool same_disk(const char *a, const char *b)
{
	char *ra = realpath(a, NULL), *rb = realpath(b, NULL);
	bool same = ra && rb ? !strcmp(ra, rb) : !strcmp(a, b);

	free(ra);
	free(rb);
	return same;
}

static int read_path(const char *path, struct md_hint *h)
{
	bool have_uuid = false, have_size = false;
	char line[4200];
	FILE *f;

	f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT)
			return -ENOENT;
		err("cannot read %s: %s", path, strerror(errno));
		return -EINVAL;
	}
	memset(h, 0, sizeof(*h));
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (sscanf(line, "device-uuid %" SCNx64, &h->device_uuid) == 1)
			have_uuid = true;
		else if (sscanf(line, "disk-bytes %" SCNu64, &h->disk_bytes) == 1)
			have_size = true;
		else if (!strncmp(line, "disk ", 5)) {
			size_t n = strnlen(line + 5, sizeof(h->disk) - 1);

			memcpy(h->disk, line + 5, n);
			h->disk[n] = 0;
		}
	}
	fclose(f);
	if (!have_uuid || !have_size || !h->disk_bytes || !h->disk[0]) {
		err("%s is damaged (no disk, device-uuid or disk-bytes line); ignoring it", path);
		hint("the next attach that finds the metadata at the disk's end writes it again");
		return -EINVAL;
	}
	return 0;
}

int md_hint_read(uint32_t minor, const char *disk, struct md_hint *h)
{
	char path[4096];
	int ret;

	hint_path(minor, path, sizeof(path));
	ret = read_path(path, h);
	if (ret)
		return ret;
	if (!same_disk(h->disk, disk)) {
		fprintf(stderr, "rblkadm: %s is of another disk (%s), not %s: ignoring it\n",
			path, h->disk, disk);
		return -ENOENT;
	}
	return 0;
}

int md_hint_write(uint32_t minor, const char *disk, uint64_t device_uuid,
		  uint64_t disk_bytes)
{
	char path[4096], tmp[4200];
	int fd, ret = 0;
	FILE *f;

	if (mkdir(state_dir(), 0700) && errno != EEXIST) {
		ret = -errno;
		err("cannot create %s: %s", state_dir(), strerror(errno));
		return ret;
	}
	hint_path(minor, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	f = fd < 0 ? NULL : fdopen(fd, "w");
	if (!f) {
		ret = -errno;
		err("cannot write %s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		return ret;
	}
	fprintf(f, "# rblkadm: where minor %u's internal metadata was last found: at the end of\n"
		   "# this disk when the disk had this size. Should the disk grow, rblkadm\n"
		   "# finds the metadata there and moves it (docs/metadata.md).\n"
		   "disk %s\ndevice-uuid %016" PRIX64 "\ndisk-bytes %" PRIu64 "\n",
		minor, disk, device_uuid, disk_bytes);
	if (fflush(f) || fsync(fd))
		ret = -errno;
	if (fclose(f) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret) {
		err("cannot write %s: %s", path, strerror(-ret));
		unlink(tmp);
		return ret;
	}
	fd = open(state_dir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	return 0;
}

void md_hint_forget(uint32_t minor)
{
	char path[4096];

	hint_path(minor, path, sizeof(path));
	if (unlink(path) && errno != ENOENT)
		err("cannot remove %s: %s", path, strerror(errno));
}

void md_hint_disk_changed(const char *disk, uint64_t device_uuid,
			  uint64_t disk_bytes)
{
	char path[4096];
	struct dirent *e;
	struct md_hint h;
	unsigned int minor;
	DIR *dir = opendir(state_dir());

	if (!dir)
		return;
	while ((e = readdir(dir))) {
		char end;

		if (sscanf(e->d_name, "minor-%u.m%c", &minor, &end) != 2 || end != 'd' ||
		    strlen(strchr(e->d_name, '.')) != 3)
			continue;
		hint_path(minor, path, sizeof(path));
		if (read_path(path, &h) || !same_disk(h.disk, disk))
			continue;
		if (device_uuid)
			md_hint_write(minor, h.disk, device_uuid, disk_bytes);
		else
			md_hint_forget(minor);
	}
	closedir(dir);
}

static void when(uint64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm))
		snprintf(buf, len, "%" PRIu64, t);
}

/* "device uuid X, generation Y (flags), created T", for a refusal. */
static void describe(const struct md_image *img, char *buf, size_t len)
{
	char t[40], f[160];

	when(rblk_get_le64(&img->sb.create_time), t, sizeof(t));
	snprintf(buf, len, "device uuid %016" PRIX64 ", generation %016" PRIX64 " (%s), created %s",
		 rblk_get_le64(&img->sb.device_uuid), img->gi.uuid[RBLK_UI_CURRENT],
		 md_flags_str(img->gi.flags, f, sizeof(f)), t);
}

/* Bytes of data in use at the start of the disk that @img describes. */
static uint64_t in_use_bytes(const struct md_image *img)
{
	uint64_t la = rblk_get_le64(&img->sb.la_sectors);

	if (!la && img->gi.uuid[RBLK_UI_CURRENT] != RBLK_UUID_JUST_CREATED)
		la = rblk_get_le64(&img->sb.data_sectors);
	return la * RBLK_SECTOR;
}

enum rblk_md_err md_find(const struct md_dev *d, uint64_t former,
			 struct md_image *img, uint64_t *at, bool *former_left,
			 bool *ambiguous, char *why, size_t len)
{
	struct md_image end, old;
	struct md_io fio = d->meta;
	struct rblk_md_layout to;
	enum rblk_md_err e_end, e_old;
	char why_old[256], d1[300], d2[300];
	bool moved = false;
	uint64_t need;

	*at = d->meta.size;
	*former_left = *ambiguous = false;
	e_end = md_read(&d->disk, &d->meta, RBLK_MD_INTERNAL, &end, why, len);
	/*
	 * No former end, or one within the data the end's metadata has in
	 * use: what is there is data, whatever it looks like.
	 */
	if (!former || former / RBLK_MD_BLOCK >= d->meta.size / RBLK_MD_BLOCK ||
	    (!e_end && in_use_bytes(&end) > rblk_md_sb_offset(RBLK_MD_INTERNAL, former))) {
		if (!e_end)
			*img = end;
		return e_end;
	}
	fio.size = former;
	e_old = md_read(&d->disk, &fio, RBLK_MD_INTERNAL, &old, why_old, sizeof(why_old));
	if (!e_end && !e_old && rblk_md_move_plan(former, d->meta.size, &to, &need) == 0)
		moved = rblk_md_sb_is_moved(&end.sb, &old.sb, &to, d->meta.size);
	switch (rblk_md_pick(!e_end, !e_old, moved)) {
	case RBLK_MD_PICK_END:
		if (!e_old) {
			md_image_free(&old);
			*former_left = true;
		}
		*img = end;
		return RBLK_MD_OK;
	case RBLK_MD_PICK_FORMER:
		if (!e_end)
			md_image_free(&end);
		*img = old;
		*at = former;
		return RBLK_MD_OK;
	case RBLK_MD_PICK_AMBIGUOUS:
		describe(&end, d1, sizeof(d1));
		describe(&old, d2, sizeof(d2));
		snprintf(why, len, "two different rblk superblocks: at the end (%s) and at the former end, %" PRIu64 " bytes (%s)",
			 d1, former, d2);
		md_image_free(&end);
		md_image_free(&old);
		*ambiguous = true;
		return RBLK_MD_ECORRUPT;
	case RBLK_MD_PICK_NONE:
		break;
	}
	snprintf(why + strlen(why), len - strlen(why),
		 "; nor at its former end, %" PRIu64 " bytes: %s", former, why_old);
	return e_end;
}

/* RBLKADM_TEST_MOVE_CRASH=N: stop after step N, as a power cut would. */
static void test_crash(int step)
{
	const char *s = getenv("RBLKADM_TEST_MOVE_CRASH");

	if (s && atoi(s) == step) {
		fprintf(stderr, "rblkadm: RBLKADM_TEST_MOVE_CRASH=%d: stopping here\n", step);
		_exit(99);
	}
}

static int sync_fail(const struct md_dev *d, const char *what)
{
	err("%s: cannot write the %s: %s", d->disk_path, what, strerror(errno));
	return -1;
}

int md_move(const char *what, struct md_dev *d, struct md_image *img, uint64_t at)
{
	const struct rblk_md_layout *from = &img->layout;
	struct rblk_md_layout to;
	struct rblk_md_sb sb;
	const char *step;
	uint8_t *buf;
	uint64_t need;
	int r, ret;

	r = rblk_md_move_plan(at, d->meta.size, &to, &need);
	if (r == 1)
		return 1;
	if (r < 0) {
		err("%s grew from %" PRIu64 " to %" PRIu64 " bytes: too little for its metadata to move (it needs %" PRIu64 " KiB, which must not overlap where it is now)",
		    d->disk_path, at, d->meta.size, to.md_bytes / 1024);
		hint("grow the disk to at least %" PRIu64 " bytes (lvextend -L %" PRIu64 "b), or shrink it back to %" PRIu64 " bytes; nothing was written",
		     need, need, at);
		return -1;
	}
	printf("%s: %s grew from %" PRIu64 " to %" PRIu64 " KiB since its metadata was written: moving the metadata to its new end\n",
	       what, d->disk_path, at / 1024, d->meta.size / 1024);
	fflush(stdout);
	/* 1: the bitmap as it is, zero for the blocks it gains; the log's ring. */
	buf = xcalloc(1, to.bm_area_bytes > RBLK_AL_BYTES ? to.bm_area_bytes : RBLK_AL_BYTES);
	memcpy(buf, img->bitmap, from->bm_area_bytes);
	step = "bitmap and activity log at the new place";
	ret = md_pwrite(d->meta_fd, buf, to.bm_area_bytes, to.bm_offset);
	if (!ret)
		ret = d->meta.pread(d->meta.priv, buf, RBLK_AL_BYTES, from->al_offset);
	if (!ret)
		ret = md_pwrite(d->meta_fd, buf, RBLK_AL_BYTES, to.al_offset);
	if (ret)
		goto fail;
	test_crash(1);
	if (fsync(d->meta_fd))
		goto fail_errno;
	/* 2: the new superblock: from here on it is the one found. */
	step = "superblock at the new end";
	sb = img->sb;
	rblk_md_sb_relayout(&sb, &to, d->meta.size,
			    img->gi.uuid[RBLK_UI_CURRENT] != RBLK_UUID_JUST_CREATED);
	rblk_md_sb_seal(&sb);
	memset(buf, 0, RBLK_MD_BLOCK);
	memcpy(buf, &sb, sizeof(sb));
	ret = md_pwrite(d->meta_fd, buf, RBLK_MD_BLOCK, to.sb_offset);
	if (ret)
		goto fail;
	test_crash(2);
	if (fsync(d->meta_fd))
		goto fail_errno;
	/* 3: the old one goes: its blocks are data area now. */
	ret = md_clear_former(d, at);
	free(buf);
	if (ret)
		return -1;
	test_crash(3);
	return 0;

fail:
	errno = -ret;
fail_errno:
	free(buf);
	return sync_fail(d, step);
}

int md_clear_former(const struct md_dev *d, uint64_t at)
{
	uint8_t *zero = xcalloc(1, RBLK_MD_BLOCK);
	int ret;

	ret = md_pwrite(d->meta_fd, zero, RBLK_MD_BLOCK,
			rblk_md_sb_offset(RBLK_MD_INTERNAL, at));
	free(zero);
	if (ret) {
		errno = -ret;
		return sync_fail(d, "zeroes over the former superblock");
	}
	if (fsync(d->meta_fd))
		return sync_fail(d, "zeroes over the former superblock");
	return 0;
}

/* The end counts now: record it, or say why not (not fatal). */
static void record(const char *what, uint32_t minor, const char *disk,
		   uint64_t device_uuid, uint64_t size, const struct md_hint *was)
{
	if (minor == MD_NO_MINOR ||
	    (was && was->device_uuid == device_uuid && was->disk_bytes == size))
		return;
	if (md_hint_write(minor, disk, device_uuid, size))
		hint("%s: without this record, should %s grow while rblk is down, 'rblkadm move-md RES --from-size BYTES' needs its size of now (%" PRIu64 " bytes)",
		     what, disk, size);
}

bool md_valid_at(const struct md_dev *d, uint64_t at)
{
	struct rblk_md_layout l;
	struct rblk_md_sb sb;

	return at / RBLK_MD_BLOCK < d->meta.size / RBLK_MD_BLOCK && at >= RBLK_MD_BLOCK &&
	       !d->meta.pread(d->meta.priv, &sb, sizeof(sb),
			      rblk_md_sb_offset(RBLK_MD_INTERNAL, at)) &&
	       !rblk_md_sb_check(&sb, RBLK_MD_INTERNAL, d->disk.size, at, &l);
}

/* The superblock at the end alone is valid: the common case, cheaply. */
static bool sb_at_end(const struct md_dev *d, uint64_t *device_uuid)
{
	struct rblk_md_layout l;
	struct rblk_md_sb sb;

	if (d->meta.pread(d->meta.priv, &sb, sizeof(sb),
			  rblk_md_sb_offset(RBLK_MD_INTERNAL, d->meta.size)) ||
	    rblk_md_sb_check(&sb, RBLK_MD_INTERNAL, d->disk.size, d->meta.size, &l))
		return false;
	*device_uuid = rblk_get_le64(&sb.device_uuid);
	return true;
}

int md_prepare(const char *what, uint32_t minor, const char *disk,
	       uint64_t from_size, bool must)
{
	struct md_hint h, *hp = NULL;
	struct md_image img;
	struct md_dev d;
	enum rblk_md_err e;
	bool former_left, ambiguous;
	uint64_t at, uuid, former = from_size;
	char why[1400];
	int fd, ret = -1;

	/* In use (attached, mounted): the kernel's attach says so. */
	fd = open(disk, O_RDWR | O_EXCL | O_CLOEXEC);
	if (fd < 0 && !must)
		return 0;
	if (fd >= 0)
		close(fd);
	if (minor != MD_NO_MINOR && !md_hint_read(minor, disk, &h))
		hp = &h;
	if (!former && hp)
		former = h.disk_bytes;
	if (md_open(&d, disk, NULL, true))
		return must ? -1 : 0;
	/* At the end, and no former end to look at: nothing to read more. */
	if ((!former || former / RBLK_MD_BLOCK >= d.meta.size / RBLK_MD_BLOCK) &&
	    sb_at_end(&d, &uuid)) {
		record(what, minor, disk, uuid, d.meta.size, hp);
		ret = 0;
		goto out_close;
	}
	e = md_find(&d, former, &img, &at, &former_left, &ambiguous, why, sizeof(why));
	/* No metadata, and no former end to name: the kernel's attach says so. */
	if (e && !must && !ambiguous && !former) {
		ret = 0;
		goto out_close;
	}
	if (e) {
		err("%s: %s: %s", what, disk, why);
		if (ambiguous)
			hint("one of them is left from another use of these blocks (or of this disk at another time); nothing was written. 'rblkadm dump-md --disk %s' shows the one at the end; make the other go (wipe-md, or zero its 4 KiB) and run '%s' again",
			     disk, what);
		else if (from_size)
			hint("--from-size must be the disk's size when its metadata was last written (its last 4 KiB then held the superblock)");
		else if (e == RBLK_MD_ENOMAGIC)
			hint("a new disk: 'rblkadm create-md RES'. A disk that grew since its metadata was written (lvextend) has it at its former end: 'rblkadm move-md RES --from-size BYTES' with that size finds it; do not run create-md then, it starts the disk afresh");
		else
			hint("'rblkadm dump-md RES' shows what is there");
		goto out_close;
	}
	if (at / RBLK_MD_BLOCK != d.meta.size / RBLK_MD_BLOCK) {
		ret = md_move(what, &d, &img, at);
		if (ret < 0)
			goto out_img;
		md_image_free(&img);
		e = md_read(&d.disk, &d.meta, RBLK_MD_INTERNAL, &img, why, sizeof(why));
		if (e) {	/* cannot be: just written and synced */
			err("%s: %s: the moved metadata does not read back: %s", what, disk, why);
			ret = -1;
			goto out_close;
		}
		printf("%s: %s: metadata moved; its data area is %" PRIu64 " KiB now (the device keeps its size)\n",
		       what, disk, img.layout.data_bytes / 1024);
	} else if (former_left) {
		/* a move that stopped just before this */
		if (md_clear_former(&d, former))
			goto out_img;
		printf("%s: %s: zeroed the copy of its superblock left at its former end (%" PRIu64 " bytes) by a move that stopped there\n",
		       what, disk, former);
	}
	record(what, minor, disk, rblk_get_le64(&img.sb.device_uuid), d.meta.size, hp);
	ret = 0;
out_img:
	md_image_free(&img);
out_close:
	md_close(&d);
	return ret;
}
