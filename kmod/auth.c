// SPDX-License-Identifier: GPL-2.0
/*
 * Peer authentication in the handshake: the shared secret's configuration,
 * the challenge in our HELLO and the exchange of answers (AUTH) that comes
 * after both HELLOs and before the COMMIT. The rules and the message that
 * is signed are pure, in include/rblk/auth.h; docs/security.md says what
 * this protects against.
 */
#include <crypto/hash.h>
#include <crypto/algapi.h>
#include <linux/random.h>
#include <net/netlink.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "auth.h"
#include "conn.h"
#include "device.h"

static struct crypto_shash *alloc_hmac(const char *alg)
{
	char name[CRYPTO_MAX_ALG_NAME];
	unsigned int noio;
	struct crypto_shash *tfm;

	if (snprintf(name, sizeof(name), "hmac(%s)", alg) >= sizeof(name))
		return ERR_PTR(-ENAMETOOLONG);
	/* On the connection's thread: no reclaim into our own device. */
	noio = memalloc_noio_save();
	tfm = crypto_alloc_shash(name, 0, 0);
	memalloc_noio_restore(noio);
	if (!IS_ERR(tfm) && crypto_shash_digestsize(tfm) > RBLK_AUTH_MAC_MAX) {
		crypto_free_shash(tfm);
		return ERR_PTR(-EMSGSIZE);
	}
	return tfm;
}

void rblk_auth_wipe(struct rblk_auth_secret *s)
{
	memzero_explicit(s, sizeof(*s));
}

/*
 * The netlink attributes RBLK_NET_CRAM_HMAC_ALG and RBLK_NET_SHARED_SECRET
 * into @s: both or neither, the hmac known to this kernel, a secret of 1 to
 * RBLK_SHARED_SECRET_MAX bytes that the hmac accepts as its key (in FIPS
 * mode not one shorter than 14 bytes): what a handshake would refuse is
 * refused here, where the administrator sees it.
 */
int rblk_auth_set(struct rblk_auth_secret *s, const struct nlattr *alg,
		  const struct nlattr *key, struct netlink_ext_ack *extack)
{
	struct crypto_shash *tfm;
	u8 name[RBLK_AUTH_ALG_LEN] = {};
	int ret;

	rblk_auth_wipe(s);
	if (!alg && !key)
		return 0;
	if (!alg || !key || !nla_len(key)) {
		NL_SET_ERR_MSG(extack, "rblk: cram-hmac-alg and a non-empty shared-secret go together");
		return -EINVAL;
	}
	if (nla_strscpy(name, alg, sizeof(name)) < 0 || !rblk_auth_name_ok(name)) {
		NL_SET_ERR_MSG_ATTR(extack, alg, "rblk: bad cram-hmac-alg name");
		return -EINVAL;
	}
	if (nla_len(key) == sizeof(RBLK_SECRET_HIDDEN) - 1 &&
	    !memcmp(nla_data(key), RBLK_SECRET_HIDDEN, nla_len(key))) {
		NL_SET_ERR_MSG_ATTR(extack, key, "rblk: shared-secret is the placeholder 'rblkadm dump' writes, not a secret");
		return -EINVAL;
	}
	tfm = alloc_hmac(name);
	if (IS_ERR(tfm)) {
		if (PTR_ERR(tfm) == -ENOMEM)
			return -ENOMEM;
		NL_SET_ERR_MSG_ATTR(extack, alg, "rblk: this kernel has no such hmac (cram-hmac-alg), or its digest is longer than 64 bytes");
		return -EOPNOTSUPP;
	}
	ret = crypto_shash_setkey(tfm, nla_data(key), nla_len(key));
	crypto_free_shash(tfm);
	if (ret) {
		NL_SET_ERR_MSG_ATTR(extack, key, "rblk: the hmac refuses this shared-secret as its key (too short for FIPS mode?)");
		return -EINVAL;
	}
	memcpy(s->alg, name, sizeof(s->alg));
	s->key_len = nla_len(key);
	memcpy(s->key, nla_data(key), s->key_len);
	rblk_auth_secret_id(s->alg, s->key, s->key_len, s->id);
	return 0;
}

void rblk_auth_fill_hello(const struct rblk_auth_secret *s,
			  struct rblk_p_hello *h)
{
	if (!s->key_len)
		return;
	rblk_put_be16(h->auth_alg, RBLK_AUTH_CRAM_HMAC);
	rblk_put_be16(h->auth_len, RBLK_AUTH_CHALLENGE_LEN);
	get_random_bytes(h->auth_challenge, RBLK_AUTH_CHALLENGE_LEN);
	memcpy(h->auth_hmac, s->alg, RBLK_AUTH_ALG_LEN);
}

/* The answer of @responder to @asker's challenge, into @mac. */
static int answer(struct crypto_shash *tfm, const struct rblk_p_hello *asker,
		  const struct rblk_p_hello *responder, u8 *mac)
{
	u8 msg[RBLK_AUTH_MSG_LEN];

	rblk_auth_msg(msg, asker, responder);
	return crypto_shash_tfm_digest(tfm, msg, sizeof(msg), mac);
}

static int refuse(struct rblk_conn *conn, int err, const char *why)
{
	atomic64_inc(&conn->dev->stats.auth_failures);
	rblk_conn_error(conn, "%s", why);
	return err;
}

/* The peer's answer, checked against @expect. */
static int check_answer(struct rblk_conn *conn, const u8 *expect,
			unsigned int mac_len)
{
	struct rblk_p_auth a;
	u16 type;
	u32 len;
	int ret;

	ret = rblk_recv_packet_hdr(conn, &type, &len);
	if (ret == -EAGAIN || ret == -ETIMEDOUT)
		return refuse(conn, -ETIMEDOUT,
			      rblk_auth_strerror(RBLK_AUTH_NO_ANSWER));
	if (ret)
		return ret;
	if (type != RBLK_P_AUTH || len != sizeof(a)) {
		atomic64_inc(&conn->dev->stats.auth_failures);
		return rblk_conn_protocol_error(conn, RBLK_WIRE_BAD_STATE, type);
	}
	ret = rblk_recv_exact(conn, &a, sizeof(a));
	if (ret)
		return ret;
	if (rblk_wire_check_auth(&a, mac_len)) {
		atomic64_inc(&conn->dev->stats.auth_failures);
		return rblk_conn_protocol_error(conn, RBLK_WIRE_BAD_PAYLOAD, type);
	}
	if (crypto_memneq(a.mac, expect, mac_len))
		return refuse(conn, -EACCES, RBLK_AUTH_FAILED_MSG);
	return 0;
}

/*
 * After both HELLOs: decide whether to authenticate, and if so exchange
 * answers. The node that connected (@accepted false) answers first; the
 * node that accepted checks that answer before it sends its own. 0 lets
 * the handshake go on; anything else closes this connection, with the
 * reason in the status.
 */
int rblk_auth_exchange(struct rblk_conn *conn, const struct rblk_auth_secret *s,
		       const struct rblk_p_hello *ours,
		       const struct rblk_p_hello *theirs, bool accepted)
{
	enum rblk_auth_verdict v = rblk_auth_decide(ours, theirs);
	u8 expect[RBLK_AUTH_MAC_MAX];
	struct rblk_p_auth mine = {};
	struct crypto_shash *tfm;
	unsigned int mac_len;
	int ret;

	switch (v) {
	case RBLK_AUTH_OFF:
		return 0;
	case RBLK_AUTH_GO:
		break;
	case RBLK_AUTH_ALG_DIFFERS:
		atomic64_inc(&conn->dev->stats.auth_failures);
		rblk_conn_error(conn, "peer uses cram-hmac-alg %.*s, this node %s",
				RBLK_AUTH_ALG_LEN, theirs->auth_hmac, s->alg);
		return -EACCES;
	case RBLK_AUTH_BAD_HELLO:
		return refuse(conn, -EPROTO, rblk_auth_strerror(v));
	default:
		return refuse(conn, -EACCES, rblk_auth_strerror(v));
	}

	tfm = alloc_hmac(s->alg);
	if (IS_ERR(tfm)) {
		rblk_conn_error(conn, "cannot use hmac(%s): error %ld", s->alg,
				PTR_ERR(tfm));
		return PTR_ERR(tfm);
	}
	mac_len = crypto_shash_digestsize(tfm);
	ret = crypto_shash_setkey(tfm, s->key, s->key_len);
	if (!ret)
		ret = answer(tfm, theirs, ours, mine.mac);
	if (!ret)
		ret = answer(tfm, ours, theirs, expect);
	crypto_free_shash(tfm);
	if (ret) {
		rblk_conn_error(conn, "hmac(%s) failed: error %d", s->alg, ret);
		goto out;
	}
	rblk_put_be16(mine.mac_len, mac_len);
	if (accepted) {
		ret = check_answer(conn, expect, mac_len);
		if (!ret)
			ret = rblk_send_raw(conn, RBLK_P_AUTH, &mine, sizeof(mine));
	} else {
		ret = rblk_send_raw(conn, RBLK_P_AUTH, &mine, sizeof(mine));
		if (!ret)
			ret = check_answer(conn, expect, mac_len);
	}
out:
	memzero_explicit(expect, sizeof(expect));
	memzero_explicit(&mine, sizeof(mine));
	return ret;
}
