// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * lw-replay - rebuild a disk image from a device-mapper "log-writes" log so
 * that it looks like a disk with a volatile write cache that lost power.
 *
 * Model: everything logged up to and including the chosen FLUSH entry is on
 * stable media.  After it, only FUA writes are (they were durable when they
 * completed); every other write and discard after the cut is lost with the
 * cache.  The cut is the last FLUSH in the log, or the N-th with --flush N,
 * in which case the FUA window ends at the (N+1)-th FLUSH.
 *
 * --mark TEXT: the power failed when the mark TEXT was logged (dmsetup
 * message DEV 0 mark TEXT): the log ends there, whatever came after it
 * never happened; the cut is the last FLUSH before it.  The kernel logs a
 * plain write only when a later flush completes (or when the target is
 * removed), a FLUSH or FUA write when it completes, and a mark when it is
 * sent: so a write logged before the mark was flushed before it, and one
 * that was still only in the cache is logged after it.  That is what
 * makes a log drained after the mark (dmsetup remove) a faithful record
 * of a power cut at the mark.
 *
 * Log format (drivers/md/dm-log-writes.c), all fields little endian, "block"
 * meaning the super's sectorsize (the data device's logical block size):
 *
 *   block 0: super { u64 magic, u64 version, u64 nr_entries, u32 sectorsize }
 *   then, per entry, starting at block 1:
 *     1 block : entry { u64 sector, u64 nr_sectors, u64 flags, u64 data_len }
 *               zero padded; a MARK keeps its string right after the header
 *     nr_sectors blocks of data, unless the entry is a DISCARD (no data)
 *
 * sector and nr_sectors count blocks, not 512-byte sectors.
 *
 * Usage: lw-replay [--flush N | --mark TEXT] [--no-scan] LOG_IMAGE DATA_IMAGE
 */
#define _FILE_OFFSET_BITS 64

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define LW_MAGIC		0x6a736677736872ULL
#define LW_VERSION		1ULL

#define LW_FLUSH		(1ULL << 0)
#define LW_FUA			(1ULL << 1)
#define LW_DISCARD		(1ULL << 2)
#define LW_MARK			(1ULL << 3)
#define LW_METADATA		(1ULL << 4)
#define LW_KNOWN_FLAGS		(LW_FLUSH | LW_FUA | LW_DISCARD | LW_MARK | \
				 LW_METADATA)

/* struct log_write_entry is four __le64, no padding */
#define LW_HDR_LEN		32
/* magic, version, nr_entries, sectorsize; the kernel's 4 padding bytes
 * after it come from an uninitialised stack struct, so never look at them */
#define LW_SUPER_LEN		28

#define LW_MIN_BSIZE		512U
#define LW_MAX_BSIZE		65536U

/* Copy data in pieces so a huge entry never needs a huge buffer */
#define IO_CHUNK		(1U << 20)

#define EXIT_USAGE		2

struct lw_entry {
	uint64_t off;		/* byte offset of the header block in the log */
	uint64_t sector;	/* first block on the data device */
	uint64_t nr_sectors;	/* length in blocks */
	uint64_t flags;
};

struct lw_log {
	int fd;
	uint64_t size;		/* bytes in LOG_IMAGE */
	uint32_t bsize;		/* the super's sectorsize */
	uint64_t nr_super;	/* nr_entries as the super claims it */
	struct lw_entry *ent;
	size_t nr;
	size_t cap;
	size_t nr_flush;
	uint64_t past_mark, past_mark_bytes;	/* --mark: data entries after it */
};

enum hdr_state {
	HDR_OK,
	HDR_EMPTY,		/* all zero: never written */
	HDR_BAD,		/* not something the kernel writes */
};

static const char *prog = "lw-replay";

static void vmsg(const char *what, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: %s", prog, what);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
	exit(EXIT_FAILURE);
}

static void __attribute__((format(printf, 1, 2)))
warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

static void __attribute__((noreturn)) usage(int status)
{
	FILE *f = status ? stderr : stdout;

	fprintf(f,
		"usage: %s [--flush N | --mark TEXT] [--no-scan] LOG_IMAGE DATA_IMAGE\n"
		"  Replays a dm-log-writes log onto DATA_IMAGE (existing file,\n"
		"  normally the data device as it was when logging began).\n"
		"  default    : all entries up to the last FLUSH, then FUA only\n"
		"  --flush N  : up to the N-th FLUSH (0 = before the first),\n"
		"               then FUA only until the (N+1)-th FLUSH\n"
		"  --mark TEXT: the log ends at the mark TEXT (the power cut):\n"
		"               up to the last FLUSH before it, then FUA only\n"
		"  --no-scan  : trust the super's nr_entries, do not look past it\n",
		prog);
	exit(status);
}

/* Byte-wise so the tool is right on any host endianness */
static uint64_t get_le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 |
	       (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool all_zero(const uint8_t *p, size_t len)
{
	while (len--)
		if (*p++)
			return false;
	return true;
}

static void read_full(int fd, void *buf, size_t len, uint64_t off,
		      const char *what)
{
	uint8_t *p = buf;
	ssize_t ret;

	while (len) {
		ret = pread(fd, p, len, (off_t)off);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0)
			die("reading %s at byte %" PRIu64 ": %s", what, off,
			    strerror(errno));
		if (ret == 0)
			die("reading %s at byte %" PRIu64 ": unexpected end of file",
			    what, off);
		p += ret;
		off += (uint64_t)ret;
		len -= (size_t)ret;
	}
}

static void write_full(int fd, const void *buf, size_t len, uint64_t off)
{
	const uint8_t *p = buf;
	ssize_t ret;

	while (len) {
		ret = pwrite(fd, p, len, (off_t)off);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret <= 0)
			die("writing data image at byte %" PRIu64 ": %s", off,
			    ret < 0 ? strerror(errno) : "short write");
		p += ret;
		off += (uint64_t)ret;
		len -= (size_t)ret;
	}
}

/* lseek rather than st_size so block devices work as well as files */
static uint64_t fd_size(int fd, const char *name)
{
	off_t end = lseek(fd, 0, SEEK_END);

	if (end < 0)
		die("%s: cannot determine size: %s", name, strerror(errno));
	return (uint64_t)end;
}

static void read_super(struct lw_log *log, const char *name)
{
	uint8_t sb[LW_SUPER_LEN];
	uint64_t magic, version;

	if (log->size < LW_SUPER_LEN)
		die("%s: too small to hold a log super block", name);
	read_full(log->fd, sb, sizeof(sb), 0, "super block");

	magic = get_le64(sb);
	version = get_le64(sb + 8);
	log->nr_super = get_le64(sb + 16);
	log->bsize = get_le32(sb + 24);

	if (magic != LW_MAGIC)
		die("%s: bad magic 0x%" PRIx64 " (want 0x%llx): not a log-writes log",
		    name, magic, LW_MAGIC);
	if (version != LW_VERSION)
		die("%s: unsupported log version %" PRIu64, name, version);
	if (log->bsize < LW_MIN_BSIZE || log->bsize > LW_MAX_BSIZE ||
	    (log->bsize & (log->bsize - 1)))
		die("%s: invalid sectorsize %" PRIu32, name, log->bsize);
	if (log->size < log->bsize)
		die("%s: shorter than its own super block", name);
	/* every entry takes at least one block after the super */
	if (log->nr_super > log->size / log->bsize - 1)
		die("%s: super claims %" PRIu64 " entries, more than fit in %" PRIu64
		    " bytes", name, log->nr_super, log->size);
}

static enum hdr_state check_mark(const struct lw_log *log, const uint8_t *blk,
				 const struct lw_entry *e, const char **why)
{
	uint64_t len = get_le64(blk + 24);

	/* log_mark() caps the string at sectorsize - header - 1 */
	if (e->flags != LW_MARK)
		*why = "mark entry with other flags";
	else if (e->sector || e->nr_sectors)
		*why = "mark entry with a sector range";
	else if (len > log->bsize - LW_HDR_LEN - 1)
		*why = "mark data_len larger than the header block allows";
	else if (memchr(blk + LW_HDR_LEN, 0, len))
		*why = "mark string contains a NUL";
	else if (!all_zero(blk + LW_HDR_LEN + len,
			   log->bsize - LW_HDR_LEN - len))
		*why = "header block is not zero after the mark string";
	else
		return HDR_OK;
	return HDR_BAD;
}

/*
 * Accept only what log_one_block() can produce, so that garbage (stale
 * data from an earlier use of the log device, a torn write) is noticed
 * instead of replayed.
 */
static enum hdr_state check_header(const struct lw_log *log,
				   const uint8_t *blk, struct lw_entry *e,
				   const char **why)
{
	e->sector = get_le64(blk);
	e->nr_sectors = get_le64(blk + 8);
	e->flags = get_le64(blk + 16);

	if (all_zero(blk, log->bsize))
		return HDR_EMPTY;
	if (e->flags & ~LW_KNOWN_FLAGS) {
		*why = "unknown flag bits";
		return HDR_BAD;
	}
	if (e->flags & LW_MARK)
		return check_mark(log, blk, e, why);

	/* only marks carry data_len; inline data is never used otherwise */
	if (get_le64(blk + 24))
		*why = "data_len set on a non-mark entry";
	else if (!all_zero(blk + LW_HDR_LEN, log->bsize - LW_HDR_LEN))
		*why = "header block padding is not zero";
	else if ((e->flags & LW_DISCARD) && (e->flags & (LW_FLUSH | LW_FUA)))
		*why = "discard combined with FLUSH/FUA";
	else if (!e->nr_sectors && !(e->flags & LW_FLUSH))
		*why = "write or discard of zero sectors";
	else
		return HDR_OK;
	return HDR_BAD;
}

/* Blocks of payload that follow the header in the log */
static uint64_t payload_blocks(const struct lw_entry *e)
{
	return (e->flags & LW_DISCARD) ? 0 : e->nr_sectors;
}

static bool payload_fits(const struct lw_log *log, const struct lw_entry *e)
{
	uint64_t avail = (log->size - e->off) / log->bsize - 1;

	return payload_blocks(e) <= avail;
}

static void check_in_image(const struct lw_entry *e, size_t idx,
			   uint64_t img_blocks)
{
	if (!e->nr_sectors)
		return;
	if (e->sector > img_blocks || e->nr_sectors > img_blocks - e->sector)
		die("entry %zu: blocks %" PRIu64 "+%" PRIu64
		    " lie beyond the data image (%" PRIu64 " blocks); wrong image?",
		    idx, e->sector, e->nr_sectors, img_blocks);
}

static void add_entry(struct lw_log *log, const struct lw_entry *e)
{
	if (log->nr == log->cap) {
		log->cap = log->cap ? log->cap * 2 : 1024;
		log->ent = realloc(log->ent, log->cap * sizeof(*log->ent));
		if (!log->ent)
			die("out of memory for %zu entries", log->cap);
	}
	log->ent[log->nr++] = *e;
	if (e->flags & LW_FLUSH)
		log->nr_flush++;
}

/*
 * A problem inside the first nr_entries is fatal: the super promised those
 * entries.  Past nr_entries it marks the end of the log, because the kernel
 * only rewrites the super after FUA and MARK entries, so plain writes and
 * flushes logged later are only found by scanning on until the first block
 * that is all zero (never written), cut off by the end of the file, or not a
 * valid header (torn write or stale data from an earlier run).
 */
static void scan_stop(const struct lw_log *log, size_t idx, uint64_t off,
		      const char *why)
{
	if (idx < log->nr_super)
		die("entry %zu at byte %" PRIu64 ": %s (super claims %" PRIu64
		    " entries)", idx, off, why, log->nr_super);
	if (why[0])
		warn("log ends at entry %zu (byte %" PRIu64 "): %s",
		     idx, off, why);
}

static void scan_log(struct lw_log *log, uint64_t img_blocks, bool no_scan)
{
	static uint8_t blk[LW_MAX_BSIZE];	/* die() leaks nothing */
	uint64_t off = log->bsize;
	struct lw_entry e;
	const char *why;
	enum hdr_state st;

	for (;; off += (payload_blocks(&e) + 1) * log->bsize) {
		size_t idx = log->nr;

		if (no_scan && idx >= log->nr_super)
			break;
		/* past nr_entries, running out of file is a normal end */
		if (log->size - off < log->bsize) {
			scan_stop(log, idx, off, idx < log->nr_super ?
				  "header is past the end of the log" : "");
			break;
		}
		read_full(log->fd, blk, log->bsize, off, "entry header");
		why = "";
		st = check_header(log, blk, &e, &why);
		if (st == HDR_EMPTY && idx < log->nr_super)
			why = "header block is all zero";
		if (st != HDR_OK) {
			scan_stop(log, idx, off, why);
			break;
		}
		e.off = off;
		if (!payload_fits(log, &e)) {
			scan_stop(log, idx, off, "data runs past the end of the log");
			break;
		}
		check_in_image(&e, idx, img_blocks);
		add_entry(log, &e);
	}
	if (log->nr > log->nr_super)
		fprintf(stderr, "%s: super claims %" PRIu64 " entries, scan "
			"found %zu (super is rewritten only after FUA/MARK)\n",
			prog, log->nr_super, log->nr);
}

/*
 * --mark: forget the mark TEXT and everything logged after it (the first
 * such mark), so that the cut is the last flush before the power failed.
 */
static void end_at_mark(struct lw_log *log, const char *text)
{
	static uint8_t blk[LW_MAX_BSIZE];
	size_t i, j, len = strlen(text);

	for (i = 0; i < log->nr; i++) {
		if (!(log->ent[i].flags & LW_MARK))
			continue;
		read_full(log->fd, blk, log->bsize, log->ent[i].off, "mark");
		if (get_le64(blk + 24) == len && !memcmp(blk + LW_HDR_LEN, text, len))
			break;
	}
	if (i == log->nr)
		die("no mark '%s' in the log", text);
	/* in the cache at the cut (logged at a later flush), or written after it */
	for (j = i + 1; j < log->nr; j++) {
		log->nr_flush -= !!(log->ent[j].flags & LW_FLUSH);
		if (!log->ent[j].nr_sectors)
			continue;
		log->past_mark++;
		log->past_mark_bytes += log->ent[j].nr_sectors * log->bsize;
	}
	log->nr = i;
}

/*
 * Pick the window: entries [0, *cut] are all durable, entries in
 * (*cut, *end) survive only if FUA, the rest is lost.  *cut == -1 means no
 * flush completed at all.
 */
static void choose_cut(const struct lw_log *log, bool have_n, uint64_t n,
		       long long *cut, size_t *end)
{
	uint64_t seen = 0;
	size_t i;

	if (!have_n)
		n = log->nr_flush;
	if (n > log->nr_flush)
		die("--flush %" PRIu64 ": the log has only %zu flush entries",
		    n, log->nr_flush);
	*cut = -1;
	*end = log->nr;
	for (i = 0; i < log->nr; i++) {
		if (!(log->ent[i].flags & LW_FLUSH))
			continue;
		seen++;
		if (seen == n)
			*cut = (long long)i;
		if (seen == n + 1) {
			*end = i;
			break;
		}
	}
}

static void apply_write(const struct lw_log *log, const struct lw_entry *e,
			int img, uint8_t *buf)
{
	uint64_t len = e->nr_sectors * log->bsize;
	uint64_t src = e->off + log->bsize;
	uint64_t dst = e->sector * log->bsize;
	uint64_t done, n;

	for (done = 0; done < len; done += n) {
		n = len - done < IO_CHUNK ? len - done : IO_CHUNK;
		read_full(log->fd, buf, n, src + done, "entry data");
		write_full(img, buf, n, dst + done);
	}
}

/*
 * A real discard may leave the old data readable, return zeros, or anything
 * in between; zeros is the model here because it is the deterministic
 * choice and what a thin/SSD device most often returns.
 */
static void apply_discard(const struct lw_log *log, const struct lw_entry *e,
			  int img, uint8_t *buf)
{
	uint64_t len = e->nr_sectors * log->bsize;
	uint64_t dst = e->sector * log->bsize;
	uint64_t done, n;

	memset(buf, 0, IO_CHUNK);
	for (done = 0; done < len; done += n) {
		n = len - done < IO_CHUNK ? len - done : IO_CHUNK;
		write_full(img, buf, n, dst + done);
	}
}

struct tally {
	uint64_t replayed, replayed_bytes;
	uint64_t dropped, dropped_bytes;
};

static void replay(const struct lw_log *log, int img, long long cut,
		   size_t end, struct tally *t)
{
	uint8_t *buf = malloc(IO_CHUNK);
	size_t i;

	if (!buf)
		die("out of memory");
	for (i = 0; i < log->nr; i++) {
		const struct lw_entry *e = &log->ent[i];
		uint64_t bytes = e->nr_sectors * log->bsize;
		bool keep = (long long)i <= cut ||
			    (i < end && (e->flags & LW_FUA));

		/* marks and empty flushes change no data */
		if (!e->nr_sectors)
			continue;
		if (!keep) {
			t->dropped++;
			t->dropped_bytes += bytes;
			continue;
		}
		if (e->flags & LW_DISCARD)
			apply_discard(log, e, img, buf);
		else
			apply_write(log, e, img, buf);
		t->replayed++;
		t->replayed_bytes += bytes;
	}
	free(buf);
}

/* Blocks are multiples of 512 bytes, so KiB is whole or ends in .5 */
static void print_kib(uint64_t bytes)
{
	printf("%" PRIu64 "%s KiB", bytes / 1024, bytes % 1024 ? ".5" : "");
}

static uint64_t parse_count(const char *s)
{
	char *endp;
	uint64_t v;

	if (!*s || *s < '0' || *s > '9')
		usage(EXIT_USAGE);
	errno = 0;
	v = strtoull(s, &endp, 10);
	if (errno || *endp)
		usage(EXIT_USAGE);
	return v;
}

static int open_or_die(const char *name, int flags, struct stat *st)
{
	int fd = open(name, flags);

	if (fd < 0)
		die("%s: %s", name, strerror(errno));
	if (fstat(fd, st))
		die("%s: %s", name, strerror(errno));
	return fd;
}

int main(int argc, char **argv)
{
	struct lw_log log = { .fd = -1 };
	struct tally t = { 0 };
	struct stat lst, ist;
	bool have_n = false, no_scan = false;
	const char *mark = NULL;
	uint64_t n = 0, img_size;
	long long cut;
	size_t end;
	int i, img;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "--flush") && i + 1 < argc) {
			n = parse_count(argv[++i]);
			have_n = true;
		} else if (!strcmp(argv[i], "--mark") && i + 1 < argc) {
			mark = argv[++i];
		} else if (!strcmp(argv[i], "--no-scan")) {
			no_scan = true;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(EXIT_SUCCESS);
		} else if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else {
			usage(EXIT_USAGE);
		}
	}
	if (argc - i != 2 || (mark && (have_n || !*mark)))
		usage(EXIT_USAGE);

	log.fd = open_or_die(argv[i], O_RDONLY, &lst);
	img = open_or_die(argv[i + 1], O_RDWR, &ist);
	/* replaying a log onto itself would destroy it */
	if (lst.st_dev == ist.st_dev && lst.st_ino == ist.st_ino)
		die("LOG_IMAGE and DATA_IMAGE are the same file");

	log.size = fd_size(log.fd, argv[i]);
	img_size = fd_size(img, argv[i + 1]);
	read_super(&log, argv[i]);
	scan_log(&log, img_size / log.bsize, no_scan);
	if (mark)
		end_at_mark(&log, mark);
	choose_cut(&log, have_n, n, &cut, &end);
	replay(&log, img, cut, end, &t);
	if (close(img))
		die("%s: %s", argv[i + 1], strerror(errno));

	printf("entries: %zu, flushes: %zu, replayed: %" PRIu64 " (",
	       log.nr, log.nr_flush, t.replayed);
	print_kib(t.replayed_bytes);
	printf("), dropped after the cut: %" PRIu64 " (", t.dropped);
	print_kib(t.dropped_bytes);
	if (mark) {
		printf("), after the mark: %" PRIu64 " (", log.past_mark);
		print_kib(log.past_mark_bytes);
	}
	printf(")\n");
	free(log.ent);
	close(log.fd);
	return fflush(stdout) ? EXIT_FAILURE : EXIT_SUCCESS;
}
