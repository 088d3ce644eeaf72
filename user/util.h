/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
#ifndef RBLK_UTIL_H
#define RBLK_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* "rblkadm: <msg>" on stderr. */
void err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "  hint: <msg>" on stderr, after an err(). */
void hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
char *xstrdup(const char *s);

/* Parse a decimal unsigned integer in [min, max]; false on junk or range. */
bool parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* Print s as a JSON string literal (with quotes) to stdout. */
void json_str(const char *s);

/* Human size from 512-byte sectors, e.g. "255.9 MiB". */
const char *human_sectors(uint64_t sectors, char *buf, size_t len);

bool have_cap_sys_admin(void);

/* Letters, digits, '_', '-', '.'; 1..63 characters (as the kernel). */
bool valid_resource_name(const char *s);

#endif
