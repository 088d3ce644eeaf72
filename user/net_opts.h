/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The connection options as plan words and as RBLK_NET_* attributes, in
 * one table: CONNECT and NET_OPTS requests are built from a plan step with
 * it, and the running state's "net" step is rebuilt from what GET_DEVICE
 * reports with it, so adjust compares like with like.
 */
#ifndef RBLK_NET_OPTS_H
#define RBLK_NET_OPTS_H

#include <stdint.h>

#include <rblk/genl.h>

struct plan_step;

/*
 * The options step s gives, as RBLK_NET_* values into opts[] with a bit
 * per attribute in *set. Keys the kernel does not take are skipped.
 * Returns 0, or -EOPNOTSUPP after an error naming an option value this
 * version of rblk cannot do.
 */
int net_opts_from_step(const struct plan_step *s, uint32_t opts[__RBLK_NET_LAST],
		       uint32_t *set);

/* The reverse: plan attributes for the options the kernel reported. */
void net_opts_to_step(struct plan_step *s, const uint32_t opts[__RBLK_NET_LAST],
		      uint32_t set);

/* Does the kernel take this plan key in RBLK_A_NET_OPTS? */
int net_opts_attr(const char *key);

#endif
