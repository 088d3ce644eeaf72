/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), pure and header-only.
 *
 * The kernel authenticates its peer with the crypto API (any hmac it has,
 * include/rblk/auth.h); this copy is for what must compute the same value
 * on both sides of the netlink ABI without a crypto library: the shared
 * secret's identifier (rblk_auth_secret_id) that lets 'rblkadm adjust'
 * see a changed secret without the kernel ever giving the secret back, and
 * the test tools that play a peer. Written for clarity, not speed: it
 * never touches replicated data.
 */
#ifndef RBLK_SHA256_H
#define RBLK_SHA256_H

#include "types.h"

#define RBLK_SHA256_SIZE	32
#define RBLK_SHA256_BLOCK	64

struct rblk_sha256 {
	u32 h[8];
	u64 bytes;			/* hashed so far */
	u8 buf[RBLK_SHA256_BLOCK];	/* bytes % 64 of them pending */
};

/* Clear what held secret-derived bytes, in a way the compiler keeps. */
static inline void rblk_wipe(void *p, size_t n)
{
	volatile u8 *b = (volatile u8 *)p;

	while (n--)
		*b++ = 0;
}

static inline u32 rblk_sha256_ror(u32 x, unsigned int n)
{
	return (x >> n) | (x << (32 - n));
}

static inline void rblk_sha256_block(struct rblk_sha256 *c, const u8 *p)
{
	static const u32 k[64] = {
		0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b,
		0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
		0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7,
		0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
		0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152,
		0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
		0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
		0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
		0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
		0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
		0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
		0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
		0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
	};
	u32 w[64], v[8], t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (u32)p[4 * i] << 24 | (u32)p[4 * i + 1] << 16 |
		       (u32)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (i = 16; i < 64; i++)
		w[i] = w[i - 16] + w[i - 7] +
		       (rblk_sha256_ror(w[i - 15], 7) ^ rblk_sha256_ror(w[i - 15], 18) ^ (w[i - 15] >> 3)) +
		       (rblk_sha256_ror(w[i - 2], 17) ^ rblk_sha256_ror(w[i - 2], 19) ^ (w[i - 2] >> 10));
	for (i = 0; i < 8; i++)
		v[i] = c->h[i];
	for (i = 0; i < 64; i++) {
		t1 = v[7] + (rblk_sha256_ror(v[4], 6) ^ rblk_sha256_ror(v[4], 11) ^ rblk_sha256_ror(v[4], 25)) +
		     ((v[4] & v[5]) ^ (~v[4] & v[6])) + k[i] + w[i];
		t2 = (rblk_sha256_ror(v[0], 2) ^ rblk_sha256_ror(v[0], 13) ^ rblk_sha256_ror(v[0], 22)) +
		     ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
		v[7] = v[6];
		v[6] = v[5];
		v[5] = v[4];
		v[4] = v[3] + t1;
		v[3] = v[2];
		v[2] = v[1];
		v[1] = v[0];
		v[0] = t1 + t2;
	}
	for (i = 0; i < 8; i++)
		c->h[i] += v[i];
	rblk_wipe(w, sizeof(w));
	rblk_wipe(v, sizeof(v));
}

static inline void rblk_sha256_init(struct rblk_sha256 *c)
{
	static const u32 iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};
	int i;

	for (i = 0; i < 8; i++)
		c->h[i] = iv[i];
	c->bytes = 0;
}

static inline void rblk_sha256_update(struct rblk_sha256 *c, const void *data,
				      size_t len)
{
	const u8 *p = (const u8 *)data;
	size_t fill, i;

	while (len) {
		fill = c->bytes % RBLK_SHA256_BLOCK;
		if (!fill && len >= RBLK_SHA256_BLOCK) {
			rblk_sha256_block(c, p);
			fill = RBLK_SHA256_BLOCK;
		} else {
			fill = RBLK_SHA256_BLOCK - fill < len ?
			       RBLK_SHA256_BLOCK - fill : len;
			for (i = 0; i < fill; i++)
				c->buf[c->bytes % RBLK_SHA256_BLOCK + i] = p[i];
			if ((c->bytes + fill) % RBLK_SHA256_BLOCK == 0)
				rblk_sha256_block(c, c->buf);
		}
		c->bytes += fill;
		p += fill;
		len -= fill;
	}
}

static inline void rblk_sha256_final(struct rblk_sha256 *c,
				     u8 out[RBLK_SHA256_SIZE])
{
	u64 bits = c->bytes * 8;
	u8 pad[RBLK_SHA256_BLOCK + 8] = { 0x80 };
	size_t n = RBLK_SHA256_BLOCK - (c->bytes + 8) % RBLK_SHA256_BLOCK;
	int i;

	if (n == 0)
		n = RBLK_SHA256_BLOCK;
	for (i = 0; i < 8; i++)
		pad[n + i] = (u8)(bits >> (56 - 8 * i));
	rblk_sha256_update(c, pad, n + 8);
	for (i = 0; i < 8; i++) {
		out[4 * i] = (u8)(c->h[i] >> 24);
		out[4 * i + 1] = (u8)(c->h[i] >> 16);
		out[4 * i + 2] = (u8)(c->h[i] >> 8);
		out[4 * i + 3] = (u8)c->h[i];
	}
	rblk_wipe(pad, sizeof(pad));
}

/* HMAC-SHA256 of @msg under @key (keys longer than a block are hashed). */
static inline void rblk_hmac_sha256(const void *key, size_t key_len,
				    const void *msg, size_t msg_len,
				    u8 out[RBLK_SHA256_SIZE])
{
	u8 k[RBLK_SHA256_BLOCK] = { 0 }, pad[RBLK_SHA256_BLOCK];
	struct rblk_sha256 c;
	size_t i;

	if (key_len > RBLK_SHA256_BLOCK) {
		rblk_sha256_init(&c);
		rblk_sha256_update(&c, key, key_len);
		rblk_sha256_final(&c, k);
	} else {
		for (i = 0; i < key_len; i++)
			k[i] = ((const u8 *)key)[i];
	}
	for (i = 0; i < RBLK_SHA256_BLOCK; i++)
		pad[i] = k[i] ^ 0x36;
	rblk_sha256_init(&c);
	rblk_sha256_update(&c, pad, sizeof(pad));
	rblk_sha256_update(&c, msg, msg_len);
	rblk_sha256_final(&c, out);
	for (i = 0; i < RBLK_SHA256_BLOCK; i++)
		pad[i] = k[i] ^ 0x5c;
	rblk_sha256_init(&c);
	rblk_sha256_update(&c, pad, sizeof(pad));
	rblk_sha256_update(&c, out, RBLK_SHA256_SIZE);
	rblk_sha256_final(&c, out);
	rblk_wipe(k, sizeof(k));
	rblk_wipe(pad, sizeof(pad));
	rblk_wipe(&c, sizeof(c));
}

#endif /* RBLK_SHA256_H */
