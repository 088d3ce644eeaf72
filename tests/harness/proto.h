/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Wire protocol between the host client (rblk-agent-client) and the guest
 * agent (rblk-agent), spoken over a virtio-serial port.
 *
 * Every frame is: magic[4] nonce[8] type[1] len[4, big endian] payload[len].
 *
 * The nonce is chosen at random by the client for each request.  A port is a
 * byte stream that outlives host connections, so stale bytes of an aborted
 * earlier session may still be in flight; both sides therefore resynchronise
 * by scanning for the magic, and the client ignores everything until it sees
 * a sync frame carrying its own nonce.
 *
 * client -> agent
 *   'Q' request: u32 flags, u32 timeout_s, u16 rows, u16 cols,
 *                cwd NUL, command NUL, TERM NUL
 *   'I' stdin data (len 0 = end of input)
 * agent -> client
 *   'S' sync (request accepted, command starting)
 *   'O' stdout data, 'E' stderr data
 *   'H' heartbeat (sent when the command has been quiet for a while)
 *   'X' exit: i32 status (exit code, 128+signal, 124 on timeout)
 */
#ifndef RBLK_HARNESS_PROTO_H
#define RBLK_HARNESS_PROTO_H

#include <stdint.h>
#include <string.h>

#define P_MAGIC "RbK1"
#define P_MAGIC_LEN 4
#define P_NONCE_LEN 8
#define P_HDR_LEN (P_MAGIC_LEN + P_NONCE_LEN + 1 + 4)
#define P_MAX_PAYLOAD (1u << 20)

#define P_REQ 'Q'
#define P_IN 'I'
#define P_SYNC 'S'
#define P_OUT 'O'
#define P_ERR 'E'
#define P_HEARTBEAT 'H'
#define P_EXIT 'X'

#define P_F_MERGE 1u /* stderr goes to the stdout stream */
#define P_F_STDIN 2u /* client forwards stdin ('I' frames) */
#define P_F_PTY 4u   /* run on a pseudo terminal (interactive) */

#define P_HEARTBEAT_SECS 2

static inline void p_put32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static inline uint32_t p_get32(const unsigned char *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | p[3];
}

static inline void p_header(unsigned char *h, const unsigned char *nonce,
			    int type, uint32_t len)
{
	memcpy(h, P_MAGIC, P_MAGIC_LEN);
	memcpy(h + P_MAGIC_LEN, nonce, P_NONCE_LEN);
	h[P_MAGIC_LEN + P_NONCE_LEN] = (unsigned char)type;
	p_put32(h + P_MAGIC_LEN + P_NONCE_LEN + 1, len);
}

#endif
