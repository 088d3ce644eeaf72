// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Peer authentication's pure part (include/rblk/auth.h, sha256.h): the
 * hash against the published vectors (FIPS 180-2 examples, RFC 4231), the
 * decision on two HELLOs from both nodes' sides, what the answer is bound
 * to, the AUTH packet's checks and the secret's identifier.
 */
#include <stdlib.h>

#include <rblk/auth.h>

#include "test.h"

static void hex(const u8 *b, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

static void check_sha(const void *msg, size_t len, const char *want)
{
	struct rblk_sha256 c;
	u8 d[RBLK_SHA256_SIZE], d2[RBLK_SHA256_SIZE];
	char h[65];
	size_t i, step;

	rblk_sha256_init(&c);
	rblk_sha256_update(&c, msg, len);
	rblk_sha256_final(&c, d);
	hex(d, sizeof(d), h);
	CHECK_STR(h, want);
	/* the same in uneven pieces */
	for (step = 1; step < 130; step += 7) {
		rblk_sha256_init(&c);
		for (i = 0; i < len; i += step)
			rblk_sha256_update(&c, (const u8 *)msg + i, len - i < step ? len - i : step);
		rblk_sha256_final(&c, d2);
		CHECK(!memcmp(d, d2, sizeof(d)), "pieces of %zu, length %zu", step, len);
	}
}

static void check_hmac(const void *key, size_t klen, const char *msg, const char *want)
{
	u8 d[RBLK_SHA256_SIZE];
	char h[65];

	rblk_hmac_sha256(key, klen, msg, strlen(msg), d);
	hex(d, sizeof(d), h);
	CHECK_STR(h, want);
}

static void test_sha256(void)
{
	static u8 million[1000000];
	u8 key[131];

	check_sha("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	check_sha("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	check_sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	memset(million, 'a', sizeof(million));
	check_sha(million, sizeof(million),
		  "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");

	memset(key, 0x0b, 20);
	check_hmac(key, 20, "Hi There",
		   "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	check_hmac("Jefe", 4, "what do ya want for nothing?",
		   "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	memset(key, 0xaa, sizeof(key));
	check_hmac(key, sizeof(key), "Test Using Larger Than Block-Size Key - Hash Key First",
		   "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

static void hello(struct rblk_p_hello *h, const char *node, const char *alg, u8 seed)
{
	int i;

	memset(h, 0, sizeof(*h));
	rblk_put_be16(h->proto_min, 1);
	rblk_put_be16(h->proto_max, 1);
	rblk_put_be64(h->nonce, 0x1111111111111111ULL * seed);
	strcpy((char *)h->resource, "pg");
	strcpy((char *)h->node, node);
	if (!alg)
		return;
	rblk_put_be16(h->auth_alg, RBLK_AUTH_CRAM_HMAC);
	rblk_put_be16(h->auth_len, RBLK_AUTH_CHALLENGE_LEN);
	for (i = 0; i < RBLK_AUTH_CHALLENGE_LEN; i++)
		h->auth_challenge[i] = (u8)(seed * 31 + i);
	strcpy((char *)h->auth_hmac, alg);
}

/* decide() from both sides: what each node concludes. */
static void both(const struct rblk_p_hello *a, const struct rblk_p_hello *b,
		 enum rblk_auth_verdict va, enum rblk_auth_verdict vb, const char *what)
{
	CHECK(rblk_auth_decide(a, b) == va, "%s: node a decides %d, want %d", what,
	      rblk_auth_decide(a, b), va);
	CHECK(rblk_auth_decide(b, a) == vb, "%s: node b decides %d, want %d", what,
	      rblk_auth_decide(b, a), vb);
}

static void test_decide(void)
{
	struct rblk_p_hello a, b, bad;

	hello(&a, "pg1", NULL, 1);
	hello(&b, "pg2", NULL, 2);
	both(&a, &b, RBLK_AUTH_OFF, RBLK_AUTH_OFF, "no secrets");
	hello(&a, "pg1", "sha256", 1);
	both(&a, &b, RBLK_AUTH_PEER_NONE, RBLK_AUTH_LOCAL_NONE, "secret on a only");
	hello(&b, "pg2", "sha256", 2);
	both(&a, &b, RBLK_AUTH_GO, RBLK_AUTH_GO, "both");
	hello(&b, "pg2", "sha1", 2);
	both(&a, &b, RBLK_AUTH_ALG_DIFFERS, RBLK_AUTH_ALG_DIFFERS, "other hmac");
	/* the peer sends our own challenge back */
	hello(&b, "pg2", "sha256", 1);
	both(&a, &b, RBLK_AUTH_REFLECTED, RBLK_AUTH_REFLECTED, "reflected");

	hello(&b, "pg2", "sha256", 2);
	bad = b;
	rblk_put_be16(bad.auth_alg, 2);
	CHECK(rblk_auth_decide(&a, &bad) == RBLK_AUTH_BAD_HELLO, "unknown method");
	bad = b;
	rblk_put_be16(bad.auth_len, 16);
	CHECK(rblk_auth_decide(&a, &bad) == RBLK_AUTH_BAD_HELLO, "short challenge");
	bad = b;
	strcpy((char *)bad.auth_hmac, "SHA256");
	CHECK(rblk_auth_decide(&a, &bad) == RBLK_AUTH_BAD_HELLO, "upper case name");
	bad = b;
	bad.auth_hmac[20] = 'x';
	CHECK(rblk_auth_decide(&a, &bad) == RBLK_AUTH_BAD_HELLO, "name not NUL-padded");
	bad = b;
	memset(bad.auth_hmac, 'a', sizeof(bad.auth_hmac));
	CHECK(rblk_auth_decide(&a, &bad) == RBLK_AUTH_BAD_HELLO, "name without NUL");
	bad = b;
	memset(bad.auth_hmac, 0, sizeof(bad.auth_hmac));
	CHECK(rblk_auth_decide(&a, &bad) == RBLK_AUTH_BAD_HELLO, "empty name");
	/* no method but a challenge: not a HELLO without authentication */
	hello(&bad, "pg2", NULL, 2);
	bad.auth_challenge[3] = 1;
	CHECK(rblk_auth_decide(&a, &bad) == RBLK_AUTH_BAD_HELLO, "stray challenge");
	hello(&a, "pg1", NULL, 1);
	CHECK(rblk_auth_decide(&a, &bad) == RBLK_AUTH_BAD_HELLO, "stray challenge, no secret here");

	CHECK(rblk_auth_strerror(RBLK_AUTH_OFF) == NULL && rblk_auth_strerror(RBLK_AUTH_GO) == NULL,
	      "no message when it goes on");
	CHECK(strstr(rblk_auth_strerror(RBLK_AUTH_LOCAL_NONE), "peer asks for a secret we do not have"),
	      "message without a secret here");
	CHECK(strstr(RBLK_AUTH_FAILED_MSG, "peer failed authentication"), "message on a wrong answer");
}

static void answer(const char *secret, const struct rblk_p_hello *asker,
		   const struct rblk_p_hello *responder, u8 out[RBLK_SHA256_SIZE])
{
	u8 msg[RBLK_AUTH_MSG_LEN];

	rblk_auth_msg(msg, asker, responder);
	rblk_hmac_sha256(secret, strlen(secret), msg, sizeof(msg), out);
}

static void test_answer(void)
{
	struct rblk_p_hello a, b, x;
	u8 ab[RBLK_SHA256_SIZE], ba[RBLK_SHA256_SIZE], t[RBLK_SHA256_SIZE];
	u8 msg[RBLK_AUTH_MSG_LEN], msg2[RBLK_AUTH_MSG_LEN];
	size_t off;

	hello(&a, "pg1", "sha256", 1);
	hello(&b, "pg2", "sha256", 2);
	answer("s3cr3t", &a, &b, ab);	/* b answers a's challenge */
	answer("s3cr3t", &b, &a, ba);	/* a answers b's */
	/*
	 * Pinned: the layout of the signed message is part of the protocol
	 * (computed independently: HMAC-SHA256 over the tag and both HELLOs).
	 */
	{
		char h[65];

		hex(ab, sizeof(ab), h);
		CHECK_STR(h, "a0757e845aacdc037d904d329e97660bc155115bc2a944148b98e1fb77b8d5a4");
	}
	CHECK(memcmp(ab, ba, sizeof(ab)), "the two directions differ");
	answer("s3cr3T", &a, &b, t);
	CHECK(memcmp(ab, t, sizeof(ab)), "another secret, another answer");

	/*
	 * Direction: an answer pg1 gave is never the answer pg1 expects from
	 * pg2, even for the same challenges (a reflected challenge is also
	 * refused before any answer: RBLK_AUTH_REFLECTED).
	 */
	x = b;
	memcpy(x.auth_challenge, a.auth_challenge, RBLK_AUTH_CHALLENGE_LEN);
	answer("s3cr3t", &x, &a, t);
	CHECK(memcmp(ab, t, sizeof(ab)), "a's own answer is no answer to a");

	/* every byte of the message comes from a field that matters */
	rblk_auth_msg(msg, &a, &b);
	for (off = 0; off < RBLK_WIRE_NAME_LEN; off += 9) {
		x = a;
		x.node[off] ^= 1;
		rblk_auth_msg(msg2, &x, &b);
		CHECK(memcmp(msg, msg2, sizeof(msg)), "asker name byte %zu", off);
		x = b;
		x.node[off] ^= 1;
		rblk_auth_msg(msg2, &a, &x);
		CHECK(memcmp(msg, msg2, sizeof(msg)), "responder name byte %zu", off);
		x = b;
		x.resource[off] ^= 1;
		rblk_auth_msg(msg2, &a, &x);
		CHECK(memcmp(msg, msg2, sizeof(msg)), "resource byte %zu", off);
	}
	for (off = 0; off < RBLK_AUTH_CHALLENGE_LEN; off += 5) {
		x = a;
		x.auth_challenge[off] ^= 1;
		rblk_auth_msg(msg2, &x, &b);
		CHECK(memcmp(msg, msg2, sizeof(msg)), "asker challenge byte %zu", off);
		x = b;
		x.auth_challenge[off] ^= 1;
		rblk_auth_msg(msg2, &a, &x);
		CHECK(memcmp(msg, msg2, sizeof(msg)), "responder challenge byte %zu", off);
	}
	x = a;
	x.nonce[7] ^= 1;
	rblk_auth_msg(msg2, &x, &b);
	CHECK(memcmp(msg, msg2, sizeof(msg)), "asker nonce");
	x = b;
	x.nonce[0] ^= 1;
	rblk_auth_msg(msg2, &a, &x);
	CHECK(memcmp(msg, msg2, sizeof(msg)), "responder nonce");
	x = b;
	x.features[3] ^= 1;
	rblk_auth_msg(msg2, &a, &x);
	CHECK(memcmp(msg, msg2, sizeof(msg)), "features");
	x = a;
	x.proto_max[1] ^= 2;
	rblk_auth_msg(msg2, &x, &b);
	CHECK(memcmp(msg, msg2, sizeof(msg)), "protocol range");
}

static void test_auth_packet(void)
{
	struct rblk_p_auth p;

	memset(&p, 0, sizeof(p));
	rblk_put_be16(p.mac_len, 32);
	memset(p.mac, 0x5a, 32);
	CHECK(rblk_wire_check_auth(&p, 32) == RBLK_WIRE_OK, "good answer");
	CHECK(rblk_wire_check_auth(&p, 20) == RBLK_WIRE_BAD_PAYLOAD, "sha1 expected");
	p.mac[40] = 1;
	CHECK(rblk_wire_check_auth(&p, 32) == RBLK_WIRE_BAD_PAYLOAD, "padding not zero");
	p.mac[40] = 0;
	p.reserved[1] = 1;
	CHECK(rblk_wire_check_auth(&p, 32) == RBLK_WIRE_BAD_PAYLOAD, "reserved not zero");
	p.reserved[1] = 0;
	rblk_put_be16(p.mac_len, 65);
	CHECK(rblk_wire_check_auth(&p, 65) == RBLK_WIRE_BAD_PAYLOAD, "longer than the field");
	CHECK(rblk_wire_fixed_len(RBLK_P_AUTH) == sizeof(p) && !rblk_wire_has_data(RBLK_P_AUTH),
	      "AUTH has a fixed length");
}

static void test_secret_id(void)
{
	u8 a[RBLK_AUTH_SECRET_ID_LEN], b[RBLK_AUTH_SECRET_ID_LEN];

	rblk_auth_secret_id("sha256", (const u8 *)"x", 1, a);
	rblk_auth_secret_id("sha256", (const u8 *)"x", 1, b);
	CHECK(!memcmp(a, b, sizeof(a)), "deterministic");
	rblk_auth_secret_id("sha256", (const u8 *)"y", 1, b);
	CHECK(memcmp(a, b, sizeof(a)), "depends on the secret");
	rblk_auth_secret_id("sha1", (const u8 *)"x", 1, b);
	CHECK(memcmp(a, b, sizeof(a)), "depends on the hmac");
}

int main(void)
{
	test_sha256();
	test_decide();
	test_answer();
	test_auth_packet();
	test_secret_id();
	TEST_DONE();
}
