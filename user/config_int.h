/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/* Internals shared by config*.c; not for other users of config.h. */
#ifndef RBLK_CONFIG_INT_H
#define RBLK_CONFIG_INT_H

#include "config.h"

extern const char *const cfg_section_names[__SEC_COUNT];

int cfg_find_opt(enum cfg_section sec, const char *name);
int cfg_find_opt_any(const char *name);
void cfg_set_default(enum cfg_opt_id id, struct cfg_val *v);
/* 0, or -1 with a message in msg. */
int cfg_opt_parse(enum cfg_opt_id id, const char *s, struct cfg_val *v,
		  char *msg, size_t len);
/* What rblkadm dump writes for a shared-secret: never the secret. */
#define CFG_SECRET_HIDDEN "<hidden>"

const char *cfg_val_config_str(enum cfg_opt_id id, const struct cfg_val *v,
			       char *buf, size_t len);

/* Arena: everything of one config, freed at once. */
void *cfg_alloc(struct cfg_arena *a, size_t n);
char *cfg_strdup(struct cfg_arena *a, const char *s);
char *cfg_printf(struct cfg_arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Resolve and validate after parsing; common[] is the common{} section. */
struct cfg_checker {
	struct rblk_config *cfg;
	const struct cfg_val *common;
	bool quiet;
	bool lenient;		/* CFG_LENIENT */
};
int cfg_check(struct cfg_checker *c);

/* Error reporting in the "file:line:col: what" + hint shape. */
void cfg_err(bool quiet, const struct cfg_loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int cfg_hint(bool quiet, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Closest of the NULL-terminated words to w, or NULL if none is close. */
const char *cfg_near_miss(const char *w, const char *const *words);

#endif
