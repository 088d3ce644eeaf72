/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The rblk configuration: a compatible subset of DRBD 8.4 resource files.
 *
 * config_load() reads /etc/rblk.conf (and what it includes), validates it
 * for one node and returns a struct rblk_config in which every resource has
 * been resolved: common{} is merged in, per-host overrides are applied,
 * every option has a value (explicit, inherited or default) in its
 * canonical unit, and res->me / res->peer point at the two hosts.
 *
 * Canonical units (what the plan and the kernel see):
 *   time  milliseconds      size  bytes      rate  KiB/s
 * The config file keeps DRBD's units (e.g. "timeout 60" means 6 s); see
 * docs/config.md for the unit of every option.
 *
 * Everything a config owns lives in one arena, freed by config_free().
 */
#ifndef RBLK_CONFIG_H
#define RBLK_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Where something was written, for error messages. */
struct cfg_loc {
	const char *file;
	int line, col;
};

enum cfg_section {
	SEC_GLOBAL,
	SEC_NET,
	SEC_DISK,
	SEC_HANDLERS,
	SEC_STARTUP,
	__SEC_COUNT
};

enum cfg_type {
	T_NUM,		/* number, optionally with a unit suffix */
	T_ENUM,		/* one word out of a list */
	T_BOOL,		/* yes|no; "option;" alone means yes */
	T_STR,		/* free string (quoted if it has blanks) */
};

enum cfg_unit {
	U_NONE,		/* a plain count */
	U_TIME,		/* canonical ms; config number x opt->scale ms */
	U_SIZE,		/* canonical bytes; suffix K/M/G, bare x scale */
	U_RATE,		/* canonical KiB/s; suffix K/M/G, bare x scale */
};

/* Every option rblk knows; the order is the order of dump and the plan. */
enum cfg_opt_id {
	/* global { } */
	OPT_USAGE_COUNT, OPT_MINOR_COUNT, OPT_DIALOG_REFRESH,
	OPT_DISABLE_IP_VERIFICATION,
	/* net { } */
	OPT_PROTOCOL, OPT_TIMEOUT, OPT_CONNECT_INT, OPT_PING_INT,
	OPT_PING_TIMEOUT, OPT_KO_COUNT, OPT_MAX_BUFFERS, OPT_MAX_EPOCH_SIZE,
	OPT_SNDBUF_SIZE, OPT_RCVBUF_SIZE, OPT_VERIFY_ALG, OPT_CSUMS_ALG,
	OPT_CRAM_HMAC_ALG, OPT_SHARED_SECRET, OPT_AFTER_SB_0PRI,
	OPT_AFTER_SB_1PRI, OPT_AFTER_SB_2PRI, OPT_RR_CONFLICT,
	/* disk { } */
	OPT_ON_IO_ERROR, OPT_FENCING, OPT_HANDLER_TIMEOUT, OPT_RESYNC_RATE, OPT_C_PLAN_AHEAD,
	OPT_C_MAX_RATE, OPT_C_MIN_RATE, OPT_C_FILL_TARGET, OPT_AL_EXTENTS,
	OPT_DISK_FLUSHES, OPT_MD_FLUSHES, OPT_DISK_BARRIER, OPT_SIZE,
	/* handlers { } */
	OPT_H_FENCE_PEER, OPT_H_UNFENCE_PEER, OPT_H_SPLIT_BRAIN,
	OPT_H_PRI_LOST_AFTER_SB, OPT_H_PRI_ON_INCON_DEGR, OPT_H_LOCAL_IO_ERROR,
	OPT_H_BEFORE_RESYNC_TARGET, OPT_H_AFTER_RESYNC_TARGET,
	OPT_H_INITIAL_SPLIT_BRAIN, OPT_H_OUT_OF_SYNC,
	/* startup { } */
	OPT_WFC_TIMEOUT, OPT_DEGR_WFC_TIMEOUT, OPT_OUTDATED_WFC_TIMEOUT,
	OPT_WAIT_AFTER_SB, OPT_BECOME_PRIMARY_ON,
	__OPT_COUNT
};

/* Who acts on an option: docs/config.md's column "applies". */
enum cfg_applies {
	AP_NONE,	/* not filled in: a unit test catches it */
	AP_KERNEL,	/* sent to rblk.ko */
	AP_RBLKADM,	/* rblkadm acts on it */
	AP_BOTH,	/* rblk.ko and rblkadm */
	AP_DEFAULT,	/* rblk always does what the default says; other values refused */
	AP_REFUSED,	/* nothing in rblk acts on it: refused when set */
};

struct cfg_opt_def {
	const char *name;
	enum cfg_section sec;
	enum cfg_type type;
	enum cfg_unit unit;
	uint64_t scale;		/* canonical units per bare config unit */
	uint64_t min, max;	/* canonical, inclusive */
	uint64_t def;		/* T_NUM/T_BOOL default, T_ENUM index */
	const char *const *words; /* T_ENUM: NULL-terminated choices */
	const char *def_str;	/* T_STR default ("" = unset) */
	size_t max_len;		/* T_STR: longest accepted value */
	const char *help;	/* one line for docs and hints */
	enum cfg_applies applies;
	const char *refused;	/* AP_DEFAULT, AP_REFUSED: the hint of the refusal */
};

extern const struct cfg_opt_def cfg_opts[__OPT_COUNT];

/* A value: num is canonical (or the enum index, or 0/1), str for T_STR/T_ENUM. */
struct cfg_val {
	bool set;		/* written in the file (resource or common) */
	uint64_t num;
	const char *str;
	struct cfg_loc loc;
};

struct cfg_addr {
	int family;		/* AF_INET or AF_INET6; 0 = none */
	char ip[46];		/* numeric, without brackets */
	uint16_t port;
};

/* The effective per-host values after merging resource-level settings. */
struct cfg_host {
	const char *name;
	struct cfg_loc loc;
	struct cfg_addr addr;
	int minor;		/* -1 = not given */
	const char *device;	/* "/dev/rblkN" */
	const char *disk;
	const char *meta_disk;	/* "internal" or a path */
	struct cfg_loc minor_loc, disk_loc;
	struct cfg_host *next;
};

struct cfg_resource {
	const char *name;
	struct cfg_loc loc;
	struct cfg_host *hosts;		/* in file order */
	int nhosts;
	struct cfg_host *me, *peer;	/* resolved for config->node */
	struct cfg_val opt[__OPT_COUNT];
	/* resource-level defaults for the hosts, before merging */
	int minor;
	const char *device, *disk, *meta_disk;
	struct cfg_loc minor_loc, disk_loc;
	struct cfg_resource *next;
};

struct cfg_arena;

struct rblk_config {
	const char *path;			/* the top-level file */
	const char *node;
	struct cfg_val global[__OPT_COUNT];	/* only SEC_GLOBAL used */
	struct cfg_resource *resources;		/* in file order */
	int nresources;
	struct cfg_arena *arena;
};

/* Flags for config_parse_*(). */
#define CFG_NO_INCLUDE	(1U << 0)	/* refuse include (fuzzing) */
#define CFG_QUIET	(1U << 1)	/* no messages on stderr */
/*
 * A refused option (check_refused) is a warning, not an error: for the
 * commands that take a resource down or run a handler, so that a
 * configuration written before the option was refused never keeps a
 * node from stopping or fencing.
 */
#define CFG_LENIENT	(1U << 2)

/*
 * Parse and validate. Returns 0 and sets *out, or -1 after printing
 * "rblkadm: FILE:LINE:COL: what" and a hint (unless CFG_QUIET).
 */
int config_load(const char *path, const char *node, unsigned int flags,
		struct rblk_config **out);
int config_parse_buffer(const char *name, const char *buf, size_t len,
			const char *node, unsigned int flags,
			struct rblk_config **out);
void config_free(struct rblk_config *cfg);

struct cfg_resource *config_find(const struct rblk_config *cfg,
				 const char *name);
/* Resolve NAME or "all"; prints an error listing known names if unknown. */
int config_select(const struct rblk_config *cfg, const char *name,
		  struct cfg_resource ***out, int *n);

/* Print the normalized configuration; it parses back to the same thing. */
void config_dump(FILE *f, const struct rblk_config *cfg,
		 const struct cfg_resource *only, bool defaults);

/* "10.0.0.1:7788" or "[fd00::1]:7788". */
const char *cfg_addr_str(const struct cfg_addr *a, char *buf, size_t len);
/* Canonical value as the plan prints it (numbers in canonical units). */
const char *cfg_val_str(enum cfg_opt_id id, const struct cfg_val *v,
			char *buf, size_t len);

#endif
