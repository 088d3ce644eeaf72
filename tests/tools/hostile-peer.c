// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * hostile-peer: pretend to be a node's peer and misbehave, to test that
 * rblk.ko drops the connection cleanly and touches no data.
 *
 *   hostile-peer ADDR:PORT RESOURCE NODE SCENARIO
 *
 * It connects, completes the HELLO/COMMIT handshake as NODE, answers the
 * node's STATE with the same generations as a Secondary, then plays
 * SCENARIO and reports on stdout whether the node dropped the connection:
 *
 *   bad-magic unknown-type bad-flags oversized truncated out-of-order
 *   write-to-secondary ack-unknown hello-again ping-flood
 *   pre-commit-data  (a WRITE instead of the handshake)
 *   no-state  (never sends its STATE, answers pings for up to 60 s)
 *
 * Output: "dropped" (the node closed the connection, as it must) or
 * "alive" (still open after the scenario; expected only for ping-flood,
 * which also prints how many pings were answered). Exit 0 on either,
 * 1 on a setup failure.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rblk/genl.h>
#include <rblk/wire.h>

static int fd = -1;
static uint32_t seq;

static int send_all(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	ssize_t n;

	while (len) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

static int send_pkt_raw(uint32_t magic, uint16_t type, uint16_t flags,
			uint32_t length, uint32_t pseq, const void *payload,
			size_t plen)
{
	struct rblk_wire_hdr h;

	rblk_put_be32(h.magic, magic);
	rblk_put_be16(h.type, type);
	rblk_put_be16(h.flags, flags);
	rblk_put_be32(h.length, length);
	rblk_put_be32(h.seq, pseq);
	if (send_all(&h, sizeof(h)))
		return -1;
	return plen ? send_all(payload, plen) : 0;
}

static int send_pkt(uint16_t type, const void *payload, size_t len)
{
	return send_pkt_raw(RBLK_WIRE_MAGIC, type, 0, len, ++seq, payload, len);
}

/* Read one packet; returns its type, or -1 on EOF/timeout. */
static int recv_pkt(void *buf, size_t cap, uint32_t *len, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct rblk_wire_hdr h;
	size_t got = 0;
	ssize_t n;

	while (got < sizeof(h)) {
		if (poll(&pfd, 1, timeout_ms) <= 0)
			return got ? -1 : -2;	/* -2: nothing came */
		n = recv(fd, (uint8_t *)&h + got, sizeof(h) - got, 0);
		if (n <= 0)
			return -1;
		got += n;
	}
	*len = rblk_be32(h.length);
	if (*len > cap)
		return -1;
	for (got = 0; got < *len; got += n) {
		if (poll(&pfd, 1, timeout_ms) <= 0)
			return -1;
		n = recv(fd, (uint8_t *)buf + got, *len - got, 0);
		if (n <= 0)
			return -1;
	}
	return rblk_be16(h.type);
}

static int connect_to(const char *spec)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	char host[64];
	const char *colon = strrchr(spec, ':');
	int one = 1;

	if (!colon || (size_t)(colon - spec) >= sizeof(host))
		return -1;
	memcpy(host, spec, colon - spec);
	host[colon - spec] = 0;
	a.sin_port = htons(atoi(colon + 1));
	if (inet_pton(AF_INET, host, &a.sin_addr) != 1)
		return -1;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return connect(fd, (struct sockaddr *)&a, sizeof(a));
}

/*
 * HELLO both ways with the largest nonce, so we commit; mirror STATE
 * unless @quiet.
 */
static int handshake(const char *res, const char *node, int quiet)
{
	static uint8_t buf[1 << 16];
	struct rblk_p_hello h = {};
	struct rblk_p_state st;
	uint32_t len;
	int type;

	rblk_put_be16(h.proto_min, RBLK_PROTO_MIN);
	rblk_put_be16(h.proto_max, RBLK_PROTO_MAX);
	rblk_put_be64(h.nonce, UINT64_MAX);
	snprintf((char *)h.resource, sizeof(h.resource), "%s", res);
	snprintf((char *)h.node, sizeof(h.node), "%s", node);
	if (send_pkt(RBLK_P_HELLO, &h, sizeof(h)))
		return -1;
	if (recv_pkt(buf, sizeof(buf), &len, 5000) != RBLK_P_HELLO)
		return -1;
	if (send_pkt(RBLK_P_COMMIT, NULL, 0))
		return -1;
	do {
		type = recv_pkt(buf, sizeof(buf), &len, 5000);
	} while (type >= 0 && type != RBLK_P_STATE);
	if (type < 0 || len != sizeof(st))
		return -1;
	if (quiet)
		return 0;
	memcpy(&st, buf, sizeof(st));
	st.role = RBLK_ROLE_SECONDARY;
	return send_pkt(RBLK_P_STATE, &st, sizeof(st));
}

/* True if the node keeps the connection open for @ms of silence. */
static int still_open(int ms)
{
	static uint8_t buf[1 << 16];
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint32_t len;

	while (poll(&pfd, 1, ms) > 0) {
		if (recv_pkt(buf, sizeof(buf), &len, ms) < 0)
			return 0;
	}
	return 1;
}

static void ping_flood(void)
{
	static uint8_t buf[1 << 16];
	struct rblk_p_ping p = {};
	int i, answered = 0, type;
	uint32_t len;

	for (i = 0; i < 10000; i++) {
		rblk_put_be64(p.cookie, i);
		if (send_pkt(RBLK_P_PING, &p, sizeof(p)))
			break;
	}
	while ((type = recv_pkt(buf, sizeof(buf), &len, 3000)) >= 0)
		if (type == RBLK_P_PING_ACK && ++answered == 10000)
			break;
	printf("pings answered: %d\n", answered);
	puts(type < 0 && answered < 10000 ? "dropped" : "alive");
}

/* Alive but never saying our state: the node must not wait for it forever. */
static void no_state(void)
{
	static uint8_t buf[1 << 16];
	int type = 0, waited;
	uint32_t len;

	for (waited = 0; waited < 60; waited++) {
		type = recv_pkt(buf, sizeof(buf), &len, 1000);
		if (type == RBLK_P_PING && len == sizeof(struct rblk_p_ping))
			send_pkt(RBLK_P_PING_ACK, buf, len);
		else if (type < 0 && type != -2)
			break;
	}
	puts(type < 0 && type != -2 ? "dropped" : "alive");
}

static int play(const char *s)
{
	uint8_t junk[64] = {};
	struct rblk_p_write w = {};
	struct rblk_p_ack a = {};

	if (!strcmp(s, "bad-magic"))
		send_pkt_raw(0xdeadbeef, RBLK_P_PING, 0, 8, ++seq, junk, 8);
	else if (!strcmp(s, "unknown-type"))
		send_pkt_raw(RBLK_WIRE_MAGIC, 999, 0, 0, ++seq, NULL, 0);
	else if (!strcmp(s, "bad-flags"))
		send_pkt_raw(RBLK_WIRE_MAGIC, RBLK_P_PING, 0x80, 8, ++seq, junk, 8);
	else if (!strcmp(s, "oversized"))
		send_pkt_raw(RBLK_WIRE_MAGIC, RBLK_P_WRITE, 0, 0xfffffff0U, ++seq, junk, 64);
	else if (!strcmp(s, "out-of-order"))
		send_pkt_raw(RBLK_WIRE_MAGIC, RBLK_P_PING, 0, 8, seq + 5, junk, 8);
	else if (!strcmp(s, "truncated")) {
		/* A WRITE of 4 KiB that stops after 100 bytes, then EOF. */
		rblk_put_be32(w.bytes, 4096);
		send_pkt_raw(RBLK_WIRE_MAGIC, RBLK_P_WRITE, 0, sizeof(w) + 4096,
			     ++seq, &w, sizeof(w));
		send_all(junk, 64);
		shutdown(fd, SHUT_WR);
	} else if (!strcmp(s, "write-to-secondary")) {
		/* We said we are Secondary: a WRITE from us is not allowed. */
		static uint8_t data[4096];

		memset(data, 0xab, sizeof(data));
		rblk_put_be32(w.bytes, 4096);
		send_pkt_raw(RBLK_WIRE_MAGIC, RBLK_P_WRITE, 0, sizeof(w) + 4096,
			     ++seq, &w, sizeof(w));
		send_all(data, sizeof(data));
	} else if (!strcmp(s, "ack-unknown")) {
		rblk_put_be64(a.id, 0x123456789aULL);
		send_pkt(RBLK_P_WRITE_ACK, &a, sizeof(a));
	} else if (!strcmp(s, "hello-again")) {
		struct rblk_p_hello h = {};

		send_pkt(RBLK_P_HELLO, &h, sizeof(h));
	} else if (!strcmp(s, "ping-flood")) {
		ping_flood();
		return 0;
	} else if (!strcmp(s, "no-state")) {
		no_state();
		return 0;
	} else {
		fprintf(stderr, "hostile-peer: unknown scenario %s\n", s);
		return 1;
	}
	puts(still_open(3000) ? "alive" : "dropped");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: hostile-peer ADDR:PORT RESOURCE NODE SCENARIO\n");
		return 1;
	}
	if (connect_to(argv[1])) {
		perror("hostile-peer: connect");
		return 1;
	}
	if (!strcmp(argv[4], "pre-commit-data")) {
		struct rblk_p_write w = {};

		send_pkt(RBLK_P_WRITE, &w, sizeof(w));
		puts(still_open(3000) ? "alive" : "dropped");
		return 0;
	}
	if (handshake(argv[2], argv[3], !strcmp(argv[4], "no-state"))) {
		fprintf(stderr, "hostile-peer: handshake with %s failed\n", argv[1]);
		return 1;
	}
	return play(argv[4]);
}
