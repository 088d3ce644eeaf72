// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Connection options between plan words and RBLK_NET_* attributes (see
 * net_opts.h). Plan values are canonical (times in ms, sizes in bytes), so
 * numbers pass through unchanged; enums go by the words of rblk.conf(5).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rblk/wire.h>

#include "net_opts.h"
#include "plan.h"
#include "util.h"

/* The after-sb policies rblk.ko knows, by the words of the configuration. */
static const char *const asb_words[__RBLK_ASB_LAST] = {
	[RBLK_ASB_DISCONNECT] = "disconnect",
	[RBLK_ASB_DISCARD_YOUNGER_PRI] = "discard-younger-primary",
	[RBLK_ASB_DISCARD_OLDER_PRI] = "discard-older-primary",
	[RBLK_ASB_DISCARD_ZERO_CHANGES] = "discard-zero-changes",
	[RBLK_ASB_DISCARD_LEAST_CHANGES] = "discard-least-changes",
	[RBLK_ASB_DISCARD_LOCAL] = "discard-local",
	[RBLK_ASB_DISCARD_REMOTE] = "discard-remote",
	[RBLK_ASB_CONSENSUS] = "consensus",
	[RBLK_ASB_DISCARD_SECONDARY] = "discard-secondary",
	[RBLK_ASB_CALL_PRI_LOST_AFTER_SB] = "call-pri-lost-after-sb",
};

enum kind { K_NUM, K_ASB, K_DIGEST, K_FENCING };

static const struct {
	const char *key;
	int attr;
	enum kind kind;
} keys[] = {
	{ "timeout", RBLK_NET_TIMEOUT, K_NUM },
	{ "connect-int", RBLK_NET_CONNECT_INT, K_NUM },
	{ "ping-int", RBLK_NET_PING_INT, K_NUM },
	{ "ping-timeout", RBLK_NET_PING_TIMEOUT, K_NUM },
	{ "ko-count", RBLK_NET_KO_COUNT, K_NUM },
	{ "sndbuf-size", RBLK_NET_SNDBUF, K_NUM },
	{ "rcvbuf-size", RBLK_NET_RCVBUF, K_NUM },
	{ "max-buffers", RBLK_NET_MAX_BUFFERS, K_NUM },
	{ "verify-alg", RBLK_NET_VERIFY_ALG, K_DIGEST },
	{ "csums-alg", RBLK_NET_CSUMS_ALG, K_DIGEST },
	{ "after-sb-0pri", RBLK_NET_AFTER_SB_0PRI, K_ASB },
	{ "after-sb-1pri", RBLK_NET_AFTER_SB_1PRI, K_ASB },
	{ "after-sb-2pri", RBLK_NET_AFTER_SB_2PRI, K_ASB },
	/* disk { } options in the configuration, the connection's in rblk.ko */
	{ "resync-rate", RBLK_NET_RESYNC_RATE, K_NUM },
	{ "c-plan-ahead", RBLK_NET_C_PLAN_AHEAD, K_NUM },
	{ "fencing", RBLK_NET_FENCING, K_FENCING },
	{ "handler-timeout", RBLK_NET_HANDLER_TIMEOUT, K_NUM },
	/* 1 when handlers { before-resync-target } is set (plan.c) */
	{ "before-resync-target-wait", RBLK_NET_BEFORE_RESYNC_WAIT, K_NUM },
};

/* The enum value of word v for an option of this kind, or -1. */
static int word_value(enum kind kind, const char *v)
{
	unsigned int i;

	for (i = 0; kind == K_ASB && i < ARRAY_SIZE(asb_words); i++)
		if (!strcmp(asb_words[i], v))
			return i;
	for (i = 0; kind == K_DIGEST && i < __RBLK_DIGEST_LAST; i++)
		if (!strcmp(rblk_digest_name(i), v))
			return i;
	for (i = 0; kind == K_FENCING && i < __RBLK_FENCING_LAST; i++)
		if (!strcmp(rblk_fencing_name(i), v))
			return i;
	return -1;
}

static void unsupported(const char *key, const char *v)
{
	err("%s %s is not supported by this version of rblk", key, v);
	if (!strncmp(key, "after-sb", 8))
		hint("use disconnect and resolve with 'rblkadm connect --discard-my-data', or one of the policies in rblk.conf(5)");
	else if (!strcmp(key, "fencing"))
		hint("use dont-care, resource-only or resource-and-stonith (rblk.conf(5))");
	else
		hint("use one of crc32c, md5, sha1, sha256 (rblk.conf(5))");
}

int net_opts_from_step(const struct plan_step *s, uint32_t opts[__RBLK_NET_LAST],
		       uint32_t *set)
{
	const char *v;
	uint64_t x;
	size_t i;
	int w;

	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		v = plan_get(s, keys[i].key);
		if (!v)
			continue;
		if (keys[i].kind == K_NUM) {
			if (!parse_u64(v, 0, UINT32_MAX, &x))
				continue;
		} else {
			w = word_value(keys[i].kind, v);
			/* Two Primaries never connect: no policy but refusing. */
			if (w < 0 || (keys[i].attr == RBLK_NET_AFTER_SB_2PRI &&
				      w != RBLK_ASB_DISCONNECT)) {
				unsupported(keys[i].key, v);
				return -EOPNOTSUPP;
			}
			x = w;
		}
		opts[keys[i].attr] = x;
		*set |= 1U << keys[i].attr;
	}
	return 0;
}

void net_opts_to_step(struct plan_step *s, const uint32_t opts[__RBLK_NET_LAST],
		      uint32_t set)
{
	uint32_t v;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		if (!(set & (1U << keys[i].attr)))
			continue;
		v = opts[keys[i].attr];
		if (keys[i].kind == K_NUM)
			plan_attr(s, keys[i].key, "%u", v);
		else if (keys[i].kind == K_DIGEST)
			plan_attr(s, keys[i].key, "%s", rblk_digest_name(v));
		else if (keys[i].kind == K_FENCING)
			plan_attr(s, keys[i].key, "%s", rblk_fencing_name(v));
		else if (v < ARRAY_SIZE(asb_words))
			plan_attr(s, keys[i].key, "%s", asb_words[v]);
		else
			plan_attr(s, keys[i].key, "?%u", v);
	}
}

int net_opts_attr(const char *key)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keys); i++)
		if (!strcmp(keys[i].key, key))
			return keys[i].attr;
	return -1;
}
