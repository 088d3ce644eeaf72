/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * Peer authentication (net { cram-hmac-alg; shared-secret; }): the pure
 * part, shared by rblk.ko, rblkadm and the test tools.
 *
 * Both nodes put a fresh random challenge and the name of their hmac in
 * their HELLO. Each then answers the other's challenge with an AUTH packet:
 * HMAC(shared-secret, rblk_auth_msg()), where the message is both HELLOs
 * in the order of who answers whom. The node that connected answers first;
 * the node that accepted checks that answer before it gives its own, so a
 * stranger who connects from the peer's address gets no answer to try
 * guesses against. Nothing else of the device is sent before both answers
 * are right: no COMMIT, no STATE, no data. docs/security.md explains what
 * this protects against and what not.
 *
 * A node without a secret sends method RBLK_AUTH_NONE and zeros, as
 * protocol version 1 always did; a peer that asks for authentication is
 * then refused with a message that says which side lacks the secret.
 */
#ifndef RBLK_AUTH_H
#define RBLK_AUTH_H

#include "sha256.h"
#include "types.h"
#include "wire.h"

enum rblk_auth_method {
	RBLK_AUTH_NONE = 0,
	RBLK_AUTH_CRAM_HMAC = 1,	/* challenge-response, both ways */
};

#define RBLK_AUTH_CHALLENGE_LEN	32
#define RBLK_AUTH_ALG_LEN	32	/* hmac name in HELLO, NUL-padded */
#define RBLK_AUTH_MAC_MAX	64	/* largest digest accepted (sha512) */
#define RBLK_SHARED_SECRET_MAX	64	/* bytes, as DRBD */
#define RBLK_AUTH_SECRET_ID_LEN	8

/* What the two HELLOs say about authentication. */
enum rblk_auth_verdict {
	RBLK_AUTH_OFF,		/* neither node has a secret */
	RBLK_AUTH_GO,		/* both, same hmac: exchange answers */
	RBLK_AUTH_PEER_NONE,	/* we require a secret, the peer has none */
	RBLK_AUTH_LOCAL_NONE,	/* the peer requires a secret we do not have */
	RBLK_AUTH_ALG_DIFFERS,	/* both have one, with different hmacs */
	RBLK_AUTH_BAD_HELLO,	/* unknown method, bad length or name */
	RBLK_AUTH_REFLECTED,	/* the peer's challenge is ours */
	RBLK_AUTH_NO_ANSWER,	/* (not a verdict: no AUTH came in time) */
};

static inline bool rblk_auth_name_ok(const u8 name[RBLK_AUTH_ALG_LEN])
{
	int i;

	for (i = 0; i < RBLK_AUTH_ALG_LEN && name[i]; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		      (name[i] >= '0' && name[i] <= '9') || name[i] == '-'))
			return false;
	if (i == 0 || i == RBLK_AUTH_ALG_LEN)
		return false;
	for (; i < RBLK_AUTH_ALG_LEN; i++)
		if (name[i])
			return false;
	return true;
}

/* Authentication fields of a HELLO that asks for none: all zero. */
static inline bool rblk_auth_hello_none(const struct rblk_p_hello *h)
{
	int i;

	if (rblk_be16(h->auth_alg) || rblk_be16(h->auth_len))
		return false;
	for (i = 0; i < RBLK_AUTH_CHALLENGE_LEN; i++)
		if (h->auth_challenge[i])
			return false;
	for (i = 0; i < RBLK_AUTH_ALG_LEN; i++)
		if (h->auth_hmac[i])
			return false;
	return true;
}

static inline bool rblk_auth_hello_valid(const struct rblk_p_hello *h)
{
	return rblk_be16(h->auth_alg) == RBLK_AUTH_CRAM_HMAC &&
	       rblk_be16(h->auth_len) == RBLK_AUTH_CHALLENGE_LEN &&
	       rblk_auth_name_ok(h->auth_hmac);
}

/* Decide from our HELLO and the peer's, both as sent on the wire. */
static inline enum rblk_auth_verdict
rblk_auth_decide(const struct rblk_p_hello *ours, const struct rblk_p_hello *theirs)
{
	bool we = !rblk_auth_hello_none(ours);
	bool they = !rblk_auth_hello_none(theirs);
	int i;

	if (they && !rblk_auth_hello_valid(theirs))
		return RBLK_AUTH_BAD_HELLO;
	if (!we)
		return they ? RBLK_AUTH_LOCAL_NONE : RBLK_AUTH_OFF;
	if (!they)
		return RBLK_AUTH_PEER_NONE;
	for (i = 0; i < RBLK_AUTH_ALG_LEN; i++)
		if (ours->auth_hmac[i] != theirs->auth_hmac[i])
			return RBLK_AUTH_ALG_DIFFERS;
	for (i = 0; i < RBLK_AUTH_CHALLENGE_LEN; i++)
		if (ours->auth_challenge[i] != theirs->auth_challenge[i])
			return RBLK_AUTH_GO;
	return RBLK_AUTH_REFLECTED;
}

/*
 * What the status says, from the point of view of the node that decided;
 * NULL for OFF and GO. ALG_DIFFERS is worded by the caller, with names.
 */
static inline const char *rblk_auth_strerror(enum rblk_auth_verdict v)
{
	switch (v) {
	case RBLK_AUTH_PEER_NONE:
		return "peer has no shared secret, this node requires one (cram-hmac-alg and shared-secret on both nodes)";
	case RBLK_AUTH_LOCAL_NONE:
		return "peer asks for a secret we do not have (set cram-hmac-alg and shared-secret here too)";
	case RBLK_AUTH_ALG_DIFFERS:
		return "peer uses another cram-hmac-alg";
	case RBLK_AUTH_BAD_HELLO:
		return "protocol error: malformed authentication fields in HELLO";
	case RBLK_AUTH_REFLECTED:
		return "peer failed authentication (it sent our own challenge back)";
	case RBLK_AUTH_NO_ANSWER:
		return "peer did not answer our challenge in time";
	default:
		return NULL;
	}
}

#define RBLK_AUTH_FAILED_MSG \
	"peer failed authentication (its shared-secret differs from ours)"

/*
 * The message an AUTH answers: @asker sent the challenge, @responder
 * answers it. A tag, then both HELLOs whole, as sent: the answer is bound
 * to both challenges and nonces, the names, the hmac, the protocol range
 * and the features, and to its direction (who answers whom).
 */
#define RBLK_AUTH_TAG_LEN	16
#define RBLK_AUTH_MSG_LEN	(RBLK_AUTH_TAG_LEN + 2 * sizeof(struct rblk_p_hello))

static inline void rblk_auth_msg(u8 out[RBLK_AUTH_MSG_LEN],
				 const struct rblk_p_hello *asker,
				 const struct rblk_p_hello *responder)
{
	static const char tag[RBLK_AUTH_TAG_LEN] = "rblk auth v1";
	const u8 *a = (const u8 *)asker, *r = (const u8 *)responder;
	u8 *p = out;
	size_t i;

	for (i = 0; i < RBLK_AUTH_TAG_LEN; i++)
		*p++ = (u8)tag[i];
	for (i = 0; i < sizeof(*asker); i++)
		*p++ = a[i];
	for (i = 0; i < sizeof(*responder); i++)
		*p++ = r[i];
}

/* An AUTH packet: the answer, mac_len bytes of mac, the rest zero. */
static inline enum rblk_wire_error
rblk_wire_check_auth(const struct rblk_p_auth *a, unsigned int expect_len)
{
	unsigned int len = rblk_be16(a->mac_len), i;

	if (len != expect_len || len > RBLK_AUTH_MAC_MAX ||
	    rblk_be16(a->reserved))
		return RBLK_WIRE_BAD_PAYLOAD;
	for (i = len; i < RBLK_AUTH_MAC_MAX; i++)
		if (a->mac[i])
			return RBLK_WIRE_BAD_PAYLOAD;
	return RBLK_WIRE_OK;
}

/* What rblkadm dump writes for a secret; refused as a secret. */
#define RBLK_SECRET_HIDDEN	"<hidden>"

/*
 * The secret's identifier: the first bytes of SHA-256 over a tag, the hmac
 * name and the secret. rblk.ko reports it (to CAP_SYS_ADMIN only) instead
 * of the secret, so that 'rblkadm adjust' can tell a changed secret.
 */
static inline void rblk_auth_secret_id(const char *alg, const u8 *secret,
				       unsigned int len,
				       u8 out[RBLK_AUTH_SECRET_ID_LEN])
{
	static const char tag[] = "rblk shared-secret id v1";
	struct rblk_sha256 c;
	u8 d[RBLK_SHA256_SIZE];
	size_t n = 0;
	int i;

	while (alg[n])
		n++;
	rblk_sha256_init(&c);
	rblk_sha256_update(&c, tag, sizeof(tag));
	rblk_sha256_update(&c, alg, n + 1);
	rblk_sha256_update(&c, secret, len);
	rblk_sha256_final(&c, d);
	for (i = 0; i < RBLK_AUTH_SECRET_ID_LEN; i++)
		out[i] = d[i];
	rblk_wipe(&c, sizeof(c));
	rblk_wipe(d, sizeof(d));
}

#endif /* RBLK_AUTH_H */
