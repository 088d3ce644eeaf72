/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RBLK_KAUTH_H
#define RBLK_KAUTH_H

#include <net/netlink.h>
#include <rblk/auth.h>

struct rblk_conn;

/*
 * A connection's shared secret (net { cram-hmac-alg; shared-secret; }).
 * It lives in the connection's options, is copied out under conn->lock for
 * one handshake, and is wiped wherever a copy ends (rblk_auth_wipe). Only
 * its identifier ever leaves the kernel.
 */
struct rblk_auth_secret {
	char alg[RBLK_AUTH_ALG_LEN];		/* "" = no authentication */
	u8 key[RBLK_SHARED_SECRET_MAX];
	u8 key_len;
	u8 id[RBLK_AUTH_SECRET_ID_LEN];		/* rblk_auth_secret_id() */
};

int rblk_auth_set(struct rblk_auth_secret *s, const struct nlattr *alg,
		  const struct nlattr *key, struct netlink_ext_ack *extack);
void rblk_auth_wipe(struct rblk_auth_secret *s);
void rblk_auth_fill_hello(const struct rblk_auth_secret *s,
			  struct rblk_p_hello *h);
int rblk_auth_exchange(struct rblk_conn *conn, const struct rblk_auth_secret *s,
		       const struct rblk_p_hello *ours,
		       const struct rblk_p_hello *theirs, bool accepted);

#endif /* RBLK_KAUTH_H */
