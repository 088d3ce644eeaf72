// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The options of net{}, disk{}, handlers{}, startup{} and global{}: names,
 * types, units, ranges and defaults in one table. The parser, the dump, the
 * plan and docs/config.md all follow this table.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rblk/md.h>

#include "config.h"
#include "config_int.h"

#define KiB 1024ULL
#define MiB (1024ULL * KiB)
#define GiB (1024ULL * MiB)

static const char *const w_usage[] = { "yes", "no", "ask", NULL };
static const char *const w_proto[] = { "C", NULL };
static const char *const w_alg[] = { "none", "crc32c", "md5", "sha1", "sha256", NULL };
static const char *const w_sb0[] = { "disconnect", "discard-younger-primary",
	"discard-older-primary", "discard-zero-changes",
	"discard-least-changes", "discard-local", "discard-remote", NULL };
static const char *const w_sb1[] = { "disconnect", "consensus",
	"violently-as0p", "discard-secondary", "call-pri-lost-after-sb", NULL };
static const char *const w_sb2[] = { "disconnect", "violently-as0p",
	"call-pri-lost-after-sb", NULL };
static const char *const w_rr[] = { "disconnect", "violently", "call-pri-lost", NULL };
static const char *const w_ioerr[] = { "detach", "pass_on", "call-local-io-error", NULL };
static const char *const w_fencing[] = { "dont-care", "resource-only",
	"resource-and-stonith", NULL };

/* The last argument says who acts on the option (enum cfg_applies). */
#define NUM(n, s, u, sc, lo, hi, d, h, ...) \
	[n] = { .name = s, .sec = SEC_CUR, .type = T_NUM, .unit = u, .scale = sc, \
		.min = lo, .max = hi, .def = d, .help = h, __VA_ARGS__ }
#define ENUM(n, s, w, d, h, ...) \
	[n] = { .name = s, .sec = SEC_CUR, .type = T_ENUM, .words = w, .def = d, \
		.max = 1, .help = h, __VA_ARGS__ }
#define BOOL(n, s, d, h, ...) \
	[n] = { .name = s, .sec = SEC_CUR, .type = T_BOOL, .max = 1, .def = d, \
		.help = h, __VA_ARGS__ }
#define STR(n, s, len, h, ...) \
	[n] = { .name = s, .sec = SEC_CUR, .type = T_STR, .def_str = "", \
		.max_len = len, .help = h, __VA_ARGS__ }
/* A handler: a shell command line that rblkadm runs when rblk.ko calls it. */
#define HANDLER(n, s, h) STR(n, s, 1024, h, RBLKADM)

#define KERNEL .applies = AP_KERNEL
#define RBLKADM .applies = AP_RBLKADM
#define BOTH .applies = AP_BOTH
/* Only the default is accepted; the hint says what rblk does instead. */
#define DEFAULT_ONLY(hint) .applies = AP_DEFAULT, .refused = hint
/* Refused whenever it is set. */
#define REFUSED(hint) .applies = AP_REFUSED, .refused = hint

#define NO_BOOT "rblk's boot unit (rblk.service: rblkadm adjust all) waits for no peer and promotes no node: remove the line, and promote by hand, from your own unit or from Pacemaker (docs/ocf.md)"
#define NO_BOUNDS "rblk's resync controller takes no bounds: with c-plan-ahead above 0 it keeps up to 16 runs of up to 256 KiB in flight, 2 while the application has I/O in flight; remove the line, or cap the resync with 'c-plan-ahead 0;' and 'resync-rate'"

const struct cfg_opt_def cfg_opts[__OPT_COUNT] = {
#define SEC_CUR SEC_GLOBAL
	ENUM(OPT_USAGE_COUNT, "usage-count", w_usage, 1,
	     "rblk never reports usage: only no is accepted",
	     DEFAULT_ONLY("rblk never reports usage: write 'usage-count no;' or remove the line")),
	NUM(OPT_MINOR_COUNT, "minor-count", U_NONE, 1, 1, 256, 32,
	    "when set, every resource's minor must be below it (rblk.ko always has minors 0..255)",
	    RBLKADM),
	NUM(OPT_DIALOG_REFRESH, "dialog-refresh", U_TIME, 1000, 0, 600000, 1000,
	    "refused: rblk's boot unit waits for no peer: there is no dialog to refresh",
	    REFUSED(NO_BOOT)),
	BOOL(OPT_DISABLE_IP_VERIFICATION, "disable-ip-verification", 0,
	     "refused: rblkadm does not check the local address (rblk.ko's connection fails on an address this host does not have)",
	     REFUSED("rblkadm never checks the local address, so there is nothing to disable: remove the line")),
#undef SEC_CUR
#define SEC_CUR SEC_NET
	ENUM(OPT_PROTOCOL, "protocol", w_proto, 0,
	     "replication protocol; only C (synchronous) exists", KERNEL),
	NUM(OPT_TIMEOUT, "timeout", U_TIME, 100, 100, 60000, 6000,
	    "peer must answer within this time (unit 0.1 s)", KERNEL),
	NUM(OPT_CONNECT_INT, "connect-int", U_TIME, 1000, 1000, 120000, 10000,
	    "seconds between connection attempts", KERNEL),
	NUM(OPT_PING_INT, "ping-int", U_TIME, 1000, 1000, 120000, 10000,
	    "seconds of silence before a keep-alive ping", KERNEL),
	NUM(OPT_PING_TIMEOUT, "ping-timeout", U_TIME, 100, 100, 30000, 500,
	    "the ping answer must arrive within this time (unit 0.1 s)", KERNEL),
	NUM(OPT_KO_COUNT, "ko-count", U_NONE, 1, 0, 200, 7,
	    "drop a peer that stalls a write for this many timeouts (0 = never)", KERNEL),
	NUM(OPT_MAX_BUFFERS, "max-buffers", U_NONE, 1, 32, 131072, 2048,
	    "4 KiB pages the peer's requests may hold in memory here", KERNEL),
	NUM(OPT_MAX_EPOCH_SIZE, "max-epoch-size", U_NONE, 1, 1, 20000, 2048,
	    "refused: a barrier goes after 1024 writes, 64 MiB or 1 s, not configurable",
	    REFUSED("rblk sends a barrier (a flush of the peer's disk) after 1024 writes, 64 MiB or 1 s; the count is not configurable: remove the line")),
	NUM(OPT_SNDBUF_SIZE, "sndbuf-size", U_SIZE, 1, 0, 10 * MiB, 0,
	    "socket send buffer in bytes (K/M suffix; 0 = auto-tune)", KERNEL),
	NUM(OPT_RCVBUF_SIZE, "rcvbuf-size", U_SIZE, 1, 0, 10 * MiB, 0,
	    "socket receive buffer in bytes (K/M suffix; 0 = auto-tune)", KERNEL),
	ENUM(OPT_VERIFY_ALG, "verify-alg", w_alg, 0,
	     "digest used by 'rblkadm verify' (none: verify refused)", KERNEL),
	ENUM(OPT_CSUMS_ALG, "csums-alg", w_alg, 0,
	     "digest to skip resyncing blocks that are already equal", KERNEL),
	STR(OPT_CRAM_HMAC_ALG, "cram-hmac-alg", 31,
	    "the kernel's hmac that authenticates the peer (sha256, sha1, ...; needs shared-secret)",
	    KERNEL),
	STR(OPT_SHARED_SECRET, "shared-secret", 64,
	    "secret both nodes prove in the handshake, up to 64 characters (never shown)",
	    KERNEL),
	ENUM(OPT_AFTER_SB_0PRI, "after-sb-0pri", w_sb0, 0,
	     "split brain policy when neither node is Primary", KERNEL),
	ENUM(OPT_AFTER_SB_1PRI, "after-sb-1pri", w_sb1, 0,
	     "split brain policy when one node is Primary", KERNEL),
	ENUM(OPT_AFTER_SB_2PRI, "after-sb-2pri", w_sb2, 0,
	     "split brain policy when both nodes are Primary", KERNEL),
	ENUM(OPT_RR_CONFLICT, "rr-conflict", w_rr, 0,
	     "what to do when a resync would overwrite a Primary",
	     DEFAULT_ONLY("a Primary never becomes SyncTarget: the connection is refused, as 'rr-conflict disconnect;' (the default) says")),
#undef SEC_CUR
#define SEC_CUR SEC_DISK
	ENUM(OPT_ON_IO_ERROR, "on-io-error", w_ioerr, 0,
	     "detach (the default): a failing disk goes, a Primary's when its UpToDate peer serves it; call-local-io-error: also run the local-io-error handler for the disk's first recorded error; pass_on: keep the disk, a failed write's error goes to the application (marked out of sync), a Secondary that missed a write goes Outdated and resyncs",
	     KERNEL),
	ENUM(OPT_FENCING, "fencing", w_fencing, 0,
	     "fence the peer before promoting when it may have newer data", BOTH),
	NUM(OPT_HANDLER_TIMEOUT, "handler-timeout", U_TIME, 1000, 0, 86400000, 120000,
	    "seconds a waited handler (fence-peer, before-resync-target) may run before it is killed (0 = no limit)",
	    BOTH),
	NUM(OPT_RESYNC_RATE, "resync-rate", U_RATE, 1, 1, 4 * MiB, 100 * KiB,
	    "fixed resync rate in KiB/s, used when c-plan-ahead is 0 (K/M/G suffix)", KERNEL),
	NUM(OPT_C_PLAN_AHEAD, "c-plan-ahead", U_TIME, 100, 0, 30000, 2000,
	    "0: resync at the fixed resync-rate; else the rate follows the application (unit 0.1 s)",
	    KERNEL),
	NUM(OPT_C_MAX_RATE, "c-max-rate", U_RATE, 1, 250, 4 * MiB, 100 * KiB,
	    "refused: the resync controller takes no upper bound", REFUSED(NO_BOUNDS)),
	NUM(OPT_C_MIN_RATE, "c-min-rate", U_RATE, 1, 0, 4 * MiB, 250,
	    "refused: the resync controller takes no lower bound", REFUSED(NO_BOUNDS)),
	NUM(OPT_C_FILL_TARGET, "c-fill-target", U_SIZE, 512, 0, 1 * GiB, 100 * KiB,
	    "refused: the resync controller takes no fill target", REFUSED(NO_BOUNDS)),
	NUM(OPT_AL_EXTENTS, "al-extents", U_NONE, 1, RBLK_AL_EXTENTS_MIN,
	    RBLK_AL_EXTENTS_MAX, RBLK_AL_EXTENTS_DEFAULT,
	    "4 MiB extents kept hot in the activity log (create-md writes it to the metadata)",
	    RBLKADM),
	BOOL(OPT_DISK_FLUSHES, "disk-flushes", 1,
	     "flushes always reach the backing disk (no is refused)",
	     DEFAULT_ONLY("rblk always passes flushes to the backing disk: remove the line")),
	BOOL(OPT_MD_FLUSHES, "md-flushes", 1,
	     "metadata writes are always flushed (no is refused)",
	     DEFAULT_ONLY("rblk always flushes its metadata writes: remove the line")),
	BOOL(OPT_DISK_BARRIER, "disk-barrier", 0,
	     "rblk uses flushes, never barriers: only no is accepted",
	     DEFAULT_ONLY("rblk uses flushes, never barriers: write 'disk-barrier no;' or remove the line")),
	NUM(OPT_SIZE, "size", U_SIZE, 512, 1 * MiB, 1ULL << 60, 0,
	    "use no more of the disk's data area than this (K/M/G suffix, bare number: sectors); applied at attach",
	    RBLKADM),
#undef SEC_CUR
#define SEC_CUR SEC_HANDLERS
	HANDLER(OPT_H_FENCE_PEER, "fence-peer", "command to fence the peer"),
	HANDLER(OPT_H_UNFENCE_PEER, "unfence-peer", "command to undo fence-peer"),
	HANDLER(OPT_H_SPLIT_BRAIN, "split-brain", "run when split brain is detected"),
	HANDLER(OPT_H_PRI_LOST_AFTER_SB, "pri-lost-after-sb",
		"run on a Primary that lost split brain resolution"),
	STR(OPT_H_PRI_ON_INCON_DEGR, "pri-on-incon-degr", 1024,
	    "refused: nothing in rblk runs it",
	    REFUSED("nothing in rblk runs it: remove it from the handlers section")),
	HANDLER(OPT_H_LOCAL_IO_ERROR, "local-io-error",
		"run for a disk's first recorded I/O error, with on-io-error call-local-io-error"),
	HANDLER(OPT_H_BEFORE_RESYNC_TARGET, "before-resync-target",
		"run before becoming resync target (e.g. take a snapshot)"),
	HANDLER(OPT_H_AFTER_RESYNC_TARGET, "after-resync-target",
		"run after a resync as target finished"),
	HANDLER(OPT_H_INITIAL_SPLIT_BRAIN, "initial-split-brain",
		"run as soon as split brain is detected, before any policy"),
	HANDLER(OPT_H_OUT_OF_SYNC, "out-of-sync",
		"run when verify found blocks that differ"),
#undef SEC_CUR
#define SEC_CUR SEC_STARTUP
	NUM(OPT_WFC_TIMEOUT, "wfc-timeout", U_TIME, 1000, 0, 86400000, 0,
	    "refused: rblk's boot unit waits for no peer", REFUSED(NO_BOOT)),
	NUM(OPT_DEGR_WFC_TIMEOUT, "degr-wfc-timeout", U_TIME, 1000, 0, 86400000,
	    60000, "refused: rblk's boot unit waits for no peer", REFUSED(NO_BOOT)),
	NUM(OPT_OUTDATED_WFC_TIMEOUT, "outdated-wfc-timeout", U_TIME, 1000, 0,
	    86400000, 0, "refused: rblk's boot unit waits for no peer",
	    REFUSED(NO_BOOT)),
	BOOL(OPT_WAIT_AFTER_SB, "wait-after-sb", 0,
	     "refused: rblk's boot unit waits for no peer", REFUSED(NO_BOOT)),
	STR(OPT_BECOME_PRIMARY_ON, "become-primary-on", 64,
	    "refused: rblk's boot unit promotes no node", REFUSED(NO_BOOT)),
#undef SEC_CUR
};

const char *const cfg_section_names[__SEC_COUNT] = {
	[SEC_GLOBAL] = "global", [SEC_NET] = "net", [SEC_DISK] = "disk",
	[SEC_HANDLERS] = "handlers", [SEC_STARTUP] = "startup",
};

int cfg_find_opt(enum cfg_section sec, const char *name)
{
	int i;

	for (i = 0; i < __OPT_COUNT; i++)
		if (cfg_opts[i].sec == sec && !strcmp(cfg_opts[i].name, name))
			return i;
	return -1;
}

int cfg_find_opt_any(const char *name)
{
	int i;

	for (i = 0; i < __OPT_COUNT; i++)
		if (!strcmp(cfg_opts[i].name, name))
			return i;
	return -1;
}

void cfg_set_default(enum cfg_opt_id id, struct cfg_val *v)
{
	const struct cfg_opt_def *o = &cfg_opts[id];

	v->set = false;
	v->num = o->def;
	v->str = o->type == T_ENUM ? o->words[o->def] : o->def_str;
}

/* Multiplier of a unit suffix, in canonical units; 0 if not accepted. */
static uint64_t suffix_mult(enum cfg_unit unit, const char *sfx)
{
	static const char *const size_sfx = "KMGT";
	const char *p;

	if (unit == U_TIME) {
		if (!strcmp(sfx, "ms"))
			return 1;
		if (!strcmp(sfx, "s"))
			return 1000;
		return 0;
	}
	if ((unit != U_SIZE && unit != U_RATE) || !sfx[0] ||
	    (sfx[1] && strcmp(sfx + 1, "iB") && strcmp(sfx + 1, "B")))
		return 0;
	p = strchr(size_sfx, sfx[0] & ~0x20);
	if (!p || !*p)
		return 0;
	/* sizes count bytes, rates KiB/s: K means 1 for a rate */
	return 1ULL << (10 * (p - size_sfx + (unit == U_SIZE)));
}

/* "1..600 (unit 0.1 s)": the range in the units the user writes. */
static void range_hint(const struct cfg_opt_def *o, char *buf, size_t len)
{
	static const char *const unames[] = {
		[U_NONE] = "", [U_TIME] = "ms", [U_SIZE] = "bytes",
		[U_RATE] = "KiB/s"
	};
	char unit[32];

	if (o->unit == U_TIME && o->scale == 100)
		snprintf(unit, sizeof(unit), " (unit 0.1 s)");
	else if (o->unit == U_TIME && o->scale == 1000)
		snprintf(unit, sizeof(unit), " (unit s)");
	else if (o->unit == U_SIZE && o->scale == 512)
		snprintf(unit, sizeof(unit), " (unit 512-byte sectors)");
	else if (o->unit != U_NONE)
		snprintf(unit, sizeof(unit), " (unit %s)", unames[o->unit]);
	else
		unit[0] = 0;
	snprintf(buf, len, "%" PRIu64 "..%" PRIu64 "%s", o->min / o->scale,
		 o->max / o->scale, unit);
}

/* Start the message about a value @o does not take; returns where to go on. */
static size_t not_valid(const struct cfg_opt_def *o, const char *s,
			char *msg, size_t len)
{
	int n = snprintf(msg, len, "'%s' is not a valid value for '%s': expected ",
			 s, o->name);

	return n < 0 ? 0 : (size_t)n < len ? (size_t)n : len;
}

static int parse_num(const struct cfg_opt_def *o, const char *s,
		     struct cfg_val *v, char *msg, size_t len)
{
	char range[64];
	unsigned long long n;
	uint64_t mult = o->scale;
	size_t at;
	char *end;

	range_hint(o, range, sizeof(range));
	if (*s < '0' || *s > '9')
		goto bad;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno)
		goto bad;
	if (*end) {
		mult = suffix_mult(o->unit, end);
		if (!mult)
			goto bad;
	}
	if (n > o->max / mult || n * mult < o->min || n * mult > o->max) {
		snprintf(msg, len, "value '%s' out of range for '%s': allowed %s",
			 s, o->name, range);
		return -1;
	}
	v->num = n * mult;
	return 0;
bad:
	at = not_valid(o, s, msg, len);
	snprintf(msg + at, len - at, "a number %s%s", range,
		 o->unit == U_TIME ? ", or with suffix ms or s" :
		 o->unit != U_NONE ? ", or with suffix K, M, G" : "");
	return -1;
}

static int parse_enum(const struct cfg_opt_def *o, const char *s,
		      struct cfg_val *v, char *msg, size_t len)
{
	size_t i, n;

	for (i = 0; o->words[i]; i++) {
		if (!strcmp(o->words[i], s)) {
			v->num = i;
			v->str = o->words[i];
			return 0;
		}
	}
	n = not_valid(o, s, msg, len);
	for (i = 0; o->words[i] && n < len; i++)
		n += snprintf(msg + n, len - n, "%s%s", i ? ", " : "", o->words[i]);
	return -1;
}

int cfg_opt_parse(enum cfg_opt_id id, const char *s, struct cfg_val *v,
		  char *msg, size_t len)
{
	const struct cfg_opt_def *o = &cfg_opts[id];
	size_t at;

	switch (o->type) {
	case T_NUM:
		return parse_num(o, s, v, msg, len);
	case T_ENUM:
		return parse_enum(o, s, v, msg, len);
	case T_BOOL:
		if (!strcmp(s, "yes") || !strcmp(s, "no")) {
			v->num = s[0] == 'y';
			return 0;
		}
		at = not_valid(o, s, msg, len);
		snprintf(msg + at, len - at, "yes or no");
		return -1;
	case T_STR:
		if (strlen(s) > o->max_len) {
			snprintf(msg, len, "value for '%s' is too long: at most %zu characters",
				 o->name, o->max_len);
			return -1;
		}
		/* DRBD-era configurations and older dumps say "none". */
		v->str = id == OPT_CRAM_HMAC_ALG && !strcmp(s, "none") ? "" : s;
		return 0;
	}
	return -1;
}

/* The value as the config file writes it (DRBD units). */
const char *cfg_val_config_str(enum cfg_opt_id id, const struct cfg_val *v,
			       char *buf, size_t len)
{
	const struct cfg_opt_def *o = &cfg_opts[id];

	static const char sfx[] = "KMGT";
	uint64_t base = o->unit == U_SIZE ? 1024 : 1;	/* what K means */
	int i;

	if (o->type != T_NUM)
		return cfg_val_str(id, v, buf, len);
	/* sizes and rates with the largest exact suffix: 10G, not 20971520 */
	if ((o->unit == U_SIZE || o->unit == U_RATE) && v->num) {
		for (i = 3; i >= 0; i--) {
			uint64_t m = base << (10 * i);

			if (v->num % m == 0 && (o->unit == U_SIZE || i > 0)) {
				snprintf(buf, len, "%" PRIu64 "%c", v->num / m, sfx[i]);
				return buf;
			}
		}
	}
	if (v->num % o->scale)	/* only U_TIME can get here: 150ms */
		snprintf(buf, len, "%" PRIu64 "ms", v->num);
	else
		snprintf(buf, len, "%" PRIu64, v->num / o->scale);
	return buf;
}

const char *cfg_val_str(enum cfg_opt_id id, const struct cfg_val *v,
			char *buf, size_t len)
{
	switch (cfg_opts[id].type) {
	case T_NUM:
		snprintf(buf, len, "%" PRIu64, v->num);
		return buf;
	case T_BOOL:
		return v->num ? "yes" : "no";
	default:
		return v->str;
	}
}
