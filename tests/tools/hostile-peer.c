// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * hostile-peer: pretend to be a node's peer and misbehave, to test that
 * rblk.ko drops the connection cleanly and touches no data.
 *
 *   hostile-peer [--from ADDR] [--secret S] [--as ROLE] [--wait S] ADDR:PORT RESOURCE NODE SCENARIO
 *
 * It connects (from ADDR if given), completes the HELLO/COMMIT handshake as
 * NODE (answering the node's challenge with hmac(sha256) and S if --secret
 * is given), answers the node's STATE with the same generations as a
 * Secondary (--as primary: as a Primary; --as source: UpToDate, with the
 * generation the node had before an 'invalidate', so that the node is
 * our SyncTarget; --as target: see below), then plays SCENARIO and reports on stdout whether the
 * node dropped the connection:
 *
 *   bad:TYPE  (TYPE a packet name as in include/rblk/wire.h's table: one
 *             packet of it with a field the table refuses, a range past
 *             the node's end, or a byte of data on a type without; prints
 *             the reason the node must log first; bad:HELLO is sent
 *             instead of our HELLO, AUTH and the other handshake packets
 *             after it, where they are out of place)
 *   write     (--as primary: a valid 4 KiB WRITE of 0x5a at sector 64;
 *             "acked: STATUS")
 *   read-ack, read-reply, read-short  (--as source: the node's first
 *             READ_REQ answered with a WRITE_ACK, a READ_REPLY of 0x5a,
 *             or one with half the bytes; "asked: SECTOR+BYTES")
 *
 *   bad-magic unknown-type bad-flags oversized truncated out-of-order
 *   write-to-secondary ack-unknown hello-again ping-flood
 *   pre-commit-data  (a WRITE instead of the handshake)
 *   no-state  (never sends its STATE, answers pings for up to 60 s)
 *   stall-header, stall-payload  (a PING that stops for 1.5 s after 8
 *             header bytes, or after its header and 3 payload bytes;
 *             "alive" if the node then answers it)
 *   stall-long  (the same, stopping for 6 s)
 *   early-new-uuid, early-read, early-sizes  (NEW_UUID, READ_REQ, or a
 *             valid SIZES from us, who did not offer RBLK_FEAT_SIZES,
 *             before our STATE:
 *             nothing but STATE, PING and DISCONNECT before the decision)
 *   verify-repair-trick  (a verify started without repair, then a
 *             VERIFY_DONE that asks for one: no way round the decision)
 *   verify-race  (20 times: lead a verify of 1 MiB with sha256, ask for
 *             its four 256 KiB digests and end it at once, before the
 *             node's digest work is done; "alive" and "replies: N")
 *   trickle  (a PING one byte every 300 ms, each gap shorter than the
 *             node's timeout; the whole packet takes 7 s; "dropped after
 *             N bytes" or "alive" if the node answers it)
 *   read-flood  (READ_REQs of 1 MiB as fast as the node takes them, never
 *             reading an answer; "requested: N" once our sends stalled
 *             for 2 s, then "dropped after S s", or "alive" after 60 s;
 *             --wait: other than 60)
 *   discard-flood  (--as primary: the same with 4 KiB DISCARDs of sector
 *             64, whose answers hold no pages)
 *   verify-ask-flood  (the same with VERIFY_STARTs asking the node, a
 *             Secondary, to lead: each is refused with a VERIFY_DONE)
 *   barrier-forged  (1 s after the handshake, a WRITE_ACK for a barrier
 *             the node never sent: an id whose low 16 bits are 0xffff,
 *             see kmod/tl.h)
 *   barrier-twice  (the node a Primary: acknowledge its WRITEs, and its
 *             first barrier twice; "barrier acked twice: ID")
 *   barrier-never  (the same, never acknowledging a barrier, until the
 *             node drops us; "barriers unanswered: N")
 *   disk-back  (--as diskless or diskless-primary: our STATE says our
 *             disk failed (Diskless, no generations); "refused" if the
 *             node closes within 1.5 s, else "connected", then a STATE
 *             saying UpToDate on the same connection, then "alive" or
 *             "dropped")
 *
 * As the node's SyncTarget (--as target: our HELLO offers
 * RBLK_FEAT_RESYNC_WAITS; our STATE has the node's bitmap UUID as its
 * current one, or a just-created disk's if the node has none, and says
 * Outdated: the node becomes our SyncSource and waits for our bitmap):
 *
 *   bitmap    (a slice of 64 zero bytes at offset 0, then an empty last
 *             one at 64: "sync started: N" with the SYNC_START's count of
 *             blocks to resync, or "dropped"; then we close)
 *   bitmap-disorder  (64 bytes at offset 64, then 64 at offset 0)
 *   bitmap-empty     (an empty slice that is not the last)
 *   waits:DISK  (a STATE that says DISK (Outdated, UpToDate ...) and
 *             RBLK_SF_RESYNC_WAITS, "our before-resync-target handler
 *             runs", every second, never a bitmap; "announcing", then
 *             "dropped after S s", or "alive" after --wait S, 60)
 *
 * Two scenarios report what the node sent instead ("received: HELLO AUTH
 * ...", then "dropped" or "alive"), for the authentication tests:
 *
 *   impostor   HELLO (and an answer, right or wrong, with --secret), then
 *              without waiting for the node's verdict COMMIT, a STATE that
 *              claims Primary and UpToDate, a 4 KiB WRITE at sector 0 and
 *              a READ_REQ of sector 0; reads until the node closes
 *   auth-only  HELLO, the answer, COMMIT; reads up to the node's STATE
 *   no-auth    HELLO with a challenge, then never an answer
 *   reflect    the node's own challenge back in our HELLO
 *   drip       HELLO one byte every 300 ms; "dropped after N s"
 *   bad-auth   HELLO, then an AUTH whose mac has no bytes
 *
 * With --secret the node's own answer is checked too: "node answer wrong"
 * and exit 1 if it is not what the secret gives.
 *
 * Output: "dropped" (the node closed the connection, as it must) or
 * "alive" (still open after the scenario; expected only for ping-flood,
 * which also prints how many pings were answered). Exit 0 on either,
 * 1 on a setup failure.
 */
#define _GNU_SOURCE	/* POLLRDHUP */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <rblk/auth.h>
#include <rblk/genl.h>
#include <rblk/gi.h>
#include <rblk/state.h>
#include <rblk/wire.h>

static int fd = -1;
static uint32_t seq;
static const char *secret;	/* --secret: answer with hmac(sha256) */
static const char *as = "secondary";	/* --as: the STATE we send */
static int wait_s = 60;			/* --wait: for the node to drop us */
static struct rblk_p_state node_st;	/* the node's first STATE */
static struct rblk_p_state our_st;	/* the STATE we sent */

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

static int connect_to(const char *spec, const char *from)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct sockaddr_in src = { .sin_family = AF_INET };
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
	if (from && (inet_pton(AF_INET, from, &src.sin_addr) != 1 ||
		     bind(fd, (struct sockaddr *)&src, sizeof(src))))
		return -1;
	return connect(fd, (struct sockaddr *)&a, sizeof(a));
}

static void our_hello(struct rblk_p_hello *h, const char *res, const char *node)
{
	int i;

	memset(h, 0, sizeof(*h));
	rblk_put_be16(h->proto_min, RBLK_PROTO_MIN);
	rblk_put_be16(h->proto_max, RBLK_PROTO_MAX);
	rblk_put_be64(h->nonce, UINT64_MAX);
	snprintf((char *)h->resource, sizeof(h->resource), "%s", res);
	snprintf((char *)h->node, sizeof(h->node), "%s", node);
	if (!strcmp(as, "target"))
		rblk_put_be32(h->features, RBLK_FEAT_RESYNC_WAITS);
	if (!secret)
		return;
	rblk_put_be16(h->auth_alg, RBLK_AUTH_CRAM_HMAC);
	rblk_put_be16(h->auth_len, RBLK_AUTH_CHALLENGE_LEN);
	srandom(getpid());
	for (i = 0; i < RBLK_AUTH_CHALLENGE_LEN; i++)
		h->auth_challenge[i] = (uint8_t)random();
	strcpy((char *)h->auth_hmac, "sha256");
}

static void hmac_answer(const struct rblk_p_hello *asker,
			const struct rblk_p_hello *responder, struct rblk_p_auth *a)
{
	uint8_t msg[RBLK_AUTH_MSG_LEN];

	memset(a, 0, sizeof(*a));
	rblk_put_be16(a->mac_len, RBLK_SHA256_SIZE);
	rblk_auth_msg(msg, asker, responder);
	rblk_hmac_sha256(secret, strlen(secret), msg, sizeof(msg), a->mac);
}

/*
 * Our answer to the node's challenge (if we have a secret and it asked),
 * sent right after our HELLO was answered by its HELLO.
 */
static int send_answer(const struct rblk_p_hello *ours,
		       const struct rblk_p_hello *theirs)
{
	struct rblk_p_auth a;

	if (!secret || !rblk_be16(theirs->auth_alg))
		return 0;
	hmac_answer(theirs, ours, &a);
	return send_pkt(RBLK_P_AUTH, &a, sizeof(a));
}

/* The node's answer to our challenge, as the secret says it must be. */
static int check_answer(const struct rblk_p_hello *ours,
			const struct rblk_p_hello *theirs, const void *got)
{
	struct rblk_p_auth want;

	hmac_answer(ours, theirs, &want);
	if (memcmp(&want, got, sizeof(want))) {
		puts("node answer wrong");
		return -1;
	}
	return 0;
}

/*
 * HELLO both ways with the largest nonce, so we commit; mirror STATE
 * unless @quiet.
 */
static int handshake(const char *res, const char *node, int quiet)
{
	static uint8_t buf[1 << 16];
	struct rblk_p_hello h, theirs;
	struct rblk_p_state st;
	uint32_t len;
	int type;

	our_hello(&h, res, node);
	if (send_pkt(RBLK_P_HELLO, &h, sizeof(h)))
		return -1;
	if (recv_pkt(buf, sizeof(buf), &len, 5000) != RBLK_P_HELLO || len != sizeof(theirs))
		return -1;
	memcpy(&theirs, buf, sizeof(theirs));
	if (send_answer(&h, &theirs))
		return -1;
	if (secret) {
		if (recv_pkt(buf, sizeof(buf), &len, 5000) != RBLK_P_AUTH ||
		    check_answer(&h, &theirs, buf))
			return -1;
	}
	if (send_pkt(RBLK_P_COMMIT, NULL, 0))
		return -1;
	do {
		type = recv_pkt(buf, sizeof(buf), &len, 5000);
	} while (type >= 0 && type != RBLK_P_STATE);
	if (type < 0 || len != sizeof(st))
		return -1;
	memcpy(&node_st, buf, sizeof(node_st));
	if (quiet)
		return 0;
	st = node_st;
	st.role = RBLK_ROLE_SECONDARY;
	if (!strcmp(as, "primary")) {
		st.role = RBLK_ROLE_PRIMARY;
	} else if (!strcmp(as, "source")) {
		/*
		 * The node's data as it was before its 'invalidate' (its
		 * current UUID went to the history), UpToDate: the node
		 * becomes our SyncTarget and reads its blocks from us.
		 */
		if (rblk_be64(st.uuid[0]) == RBLK_UUID_JUST_CREATED)
			memcpy(st.uuid[0], st.uuid[2], 8);
		memset(st.uuid[1], 0, 8);
		rblk_put_be32(st.md_flags, RBLK_MDF_CONSISTENT | RBLK_MDF_WAS_UP_TO_DATE);
		st.disk_state = RBLK_DISK_UPTODATE;
		memset(st.bits_set, 0, 8);
	} else if (!strcmp(as, "target")) {
		/*
		 * The generation the node's bitmap counts from (it wrote
		 * without us since), or a disk create-md just made: the
		 * node is our SyncSource.
		 */
		if (rblk_be64(st.uuid[1]))
			memcpy(st.uuid[0], st.uuid[1], 8);
		else
			rblk_put_be64(st.uuid[0], RBLK_UUID_JUST_CREATED);
		memset(st.uuid[1], 0, 24);
		rblk_put_be32(st.md_flags, RBLK_MDF_CONSISTENT);
		st.disk_state = RBLK_DISK_OUTDATED;
		st.state_flags = 0;
		memset(st.bits_set, 0, 8);
	} else if (!strcmp(as, "diskless") || !strcmp(as, "diskless-primary")) {
		/* A node whose disk failed (kmod/ioerr.c): nothing to compare. */
		memset(st.uuid, 0, sizeof(st.uuid));
		memset(st.md_flags, 0, 4);
		memset(st.bits_set, 0, 8);
		st.disk_state = RBLK_DISK_DISKLESS;
		st.state_flags = 0;
		if (!strcmp(as, "diskless-primary"))
			st.role = RBLK_ROLE_PRIMARY;
	}
	our_st = st;
	return send_pkt(RBLK_P_STATE, &st, sizeof(st));
}

/* True if the node keeps the connection open for @ms (answering its pings). */
static int still_open(int ms)
{
	static uint8_t buf[1 << 16];
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct timespec t0, t;
	uint32_t len;
	int type;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		ms -= (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
		t0 = t;
		if (ms <= 0 || poll(&pfd, 1, ms) <= 0)
			break;
		type = recv_pkt(buf, sizeof(buf), &len, ms);
		if (type < 0)
			return 0;
		if (type == RBLK_P_PING)	/* a live peer answers */
			send_pkt(RBLK_P_PING_ACK, buf, len);
	}
	return 1;
}

/*
 * 10000 PINGs without reading: the node answers with at most one PING_ACK
 * waiting (newer cookies replace older ones), so the last PING is answered
 * and nothing piles up. "last answered: yes|no", then "alive" if the
 * connection is still open.
 */
static void ping_flood(void)
{
	static uint8_t buf[1 << 16];
	struct rblk_p_ping p = {};
	int i, type, last = 0;
	uint32_t len;

	for (i = 0; i < 10000; i++) {
		rblk_put_be64(p.cookie, i);
		if (send_pkt(RBLK_P_PING, &p, sizeof(p)))
			break;
	}
	while ((type = recv_pkt(buf, sizeof(buf), &len, 3000)) >= 0) {
		if (type == RBLK_P_PING_ACK && rblk_be64(buf) == 9999)
			last = 1;
		else if (type == RBLK_P_PING)
			send_pkt(RBLK_P_PING_ACK, buf, len);
		if (last)
			break;
	}
	printf("last answered: %s\n", last ? "yes" : "no");
	puts(type == -1 ? "dropped" : "alive");
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

static const char *type_name(int t)
{
	static const char *const names[] = {
		[RBLK_P_HELLO] = "HELLO", [RBLK_P_COMMIT] = "COMMIT",
		[RBLK_P_STATE] = "STATE", [RBLK_P_PING] = "PING",
		[RBLK_P_PING_ACK] = "PING_ACK", [RBLK_P_WRITE] = "WRITE",
		[RBLK_P_WRITE_ACK] = "WRITE_ACK", [RBLK_P_READ_REQ] = "READ_REQ",
		[RBLK_P_READ_REPLY] = "READ_REPLY", [RBLK_P_DISCONNECT] = "DISCONNECT",
		[RBLK_P_AUTH] = "AUTH",
	};

	return t > 0 && t < (int)(sizeof(names) / sizeof(names[0])) && names[t] ?
	       names[t] : "OTHER";
}

/*
 * What the node sends until it closes (or @until arrives, or 10 s of
 * silence): "received: T1 T2 ..." on one line. Returns the last type, or
 * -1 if closed, -2 if silent.
 */
static int report_received(int until, int first)
{
	static uint8_t buf[RBLK_WIRE_MAX_DATA + 4096];
	uint32_t len;
	int type = first;

	fputs("received:", stdout);
	if (first > 0)
		printf(" %s", type_name(first));
	while (type != until) {
		type = recv_pkt(buf, sizeof(buf), &len, 10000);
		if (type < 0)
			break;
		printf(" %s", type_name(type));
	}
	putchar('\n');
	return type;
}

/*
 * Authentication tests: an impostor that does not wait for the verdict,
 * or one that stops at the node's STATE.
 */
static int auth_scenario(const char *res, const char *node, const char *s)
{
	static uint8_t buf[1 << 16];
	static uint8_t data[4096];
	struct rblk_p_hello h, theirs;
	struct rblk_p_state st = {};
	struct rblk_p_write w = {};
	struct rblk_p_read_req rr = {};
	uint32_t len;
	int type, last;

	our_hello(&h, res, node);
	if (!strcmp(s, "drip")) {
		struct rblk_wire_hdr wh;
		uint8_t pkt[sizeof(wh) + sizeof(h)];
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		time_t t0 = time(NULL);
		size_t i;

		rblk_wire_hdr_init(&wh, RBLK_P_HELLO, sizeof(h), ++seq);
		memcpy(pkt, &wh, sizeof(wh));
		memcpy(pkt + sizeof(wh), &h, sizeof(h));
		for (i = 0; i < sizeof(pkt); i++) {
			if (send(fd, pkt + i, 1, MSG_NOSIGNAL) != 1)
				break;
			/* drain what the node sends; EOF ends it */
			while (poll(&pfd, 1, 300) > 0 && (pfd.revents & (POLLIN | POLLHUP | POLLERR)))
				if (recv(fd, buf, sizeof(buf), 0) <= 0)
					goto closed;
		}
		puts("alive");
		return 0;
closed:
		printf("dropped after %ld s\n", (long)(time(NULL) - t0));
		return 0;
	}
	if (!strcmp(s, "reflect")) {
		/* the node speaks first: send its challenge back as ours */
		type = recv_pkt(buf, sizeof(buf), &len, 10000);
		if (type != RBLK_P_HELLO || len != sizeof(theirs))
			return 1;
		memcpy(&theirs, buf, sizeof(theirs));
		memcpy(h.auth_challenge, theirs.auth_challenge, RBLK_AUTH_CHALLENGE_LEN);
		send_pkt(RBLK_P_HELLO, &h, sizeof(h));
		last = report_received(0, RBLK_P_HELLO);
		puts(last == -2 ? "alive" : "dropped");
		return 0;
	}
	if (send_pkt(RBLK_P_HELLO, &h, sizeof(h))) {
		/*
		 * The node reset the connection before our HELLO went out
		 * (a refused address, when this guest is the slower one):
		 * what it sent before, if anything, is still read.
		 */
		if (errno != ECONNRESET && errno != EPIPE)
			return 1;
		last = report_received(0, 0);
		puts(last == -2 ? "alive" : "dropped");
		return 0;
	}
	type = recv_pkt(buf, sizeof(buf), &len, 10000);
	if (type != RBLK_P_HELLO || len != sizeof(theirs)) {
		/* closed before a HELLO: the address check */
		last = report_received(0, type);
		puts(last == -2 ? "alive" : "dropped");
		return 0;
	}
	memcpy(&theirs, buf, sizeof(theirs));
	if (!strcmp(s, "no-auth")) {
		last = report_received(0, RBLK_P_HELLO);
		puts(last == -2 ? "alive" : "dropped");
		return 0;
	}
	if (!strcmp(s, "bad-auth")) {
		/* an answer of no bytes, where the answer goes */
		struct rblk_p_auth a = {};

		send_pkt(RBLK_P_AUTH, &a, sizeof(a));
		last = report_received(0, RBLK_P_HELLO);
		puts(last == -2 ? "alive" : "dropped");
		return 0;
	}
	send_answer(&h, &theirs);
	if (!strcmp(s, "auth-only")) {
		send_pkt(RBLK_P_COMMIT, NULL, 0);
		last = report_received(RBLK_P_STATE, RBLK_P_HELLO);
		puts(last == -1 ? "dropped" : "alive");
		return 0;
	}
	send_pkt(RBLK_P_COMMIT, NULL, 0);
	rblk_put_be64(st.data_sectors, 1ULL << 20);
	rblk_put_be64(st.uuid[0], 0x1234567890abcdefULL);
	st.role = RBLK_ROLE_PRIMARY;
	st.disk_state = RBLK_DISK_UPTODATE;
	send_pkt(RBLK_P_STATE, &st, sizeof(st));
	memset(data, 0xe1, sizeof(data));
	rblk_put_be64(w.id, 1);
	rblk_put_be32(w.bytes, sizeof(data));
	send_pkt_raw(RBLK_WIRE_MAGIC, RBLK_P_WRITE, 0, sizeof(w) + sizeof(data),
		     ++seq, &w, sizeof(w));
	send_all(data, sizeof(data));
	rblk_put_be64(rr.id, 2);
	rblk_put_be32(rr.bytes, 4096);
	send_pkt(RBLK_P_READ_REQ, &rr, sizeof(rr));
	last = report_received(0, RBLK_P_HELLO);
	puts(last == -2 ? "alive" : "dropped");
	return 0;
}

/*
 * A PING sent in two parts with a pause of @ms after @split bytes; "alive"
 * if the node answers it afterwards (a pause inside a packet shorter than
 * the node's timeout is a slow link, not a dead one).
 */
static void stalled_ping(size_t split, int ms)
{
	static uint8_t buf[1 << 16];
	uint8_t pkt[sizeof(struct rblk_wire_hdr) + sizeof(struct rblk_p_ping)];
	struct rblk_wire_hdr h;
	uint32_t len;
	int type;

	rblk_wire_hdr_init(&h, RBLK_P_PING, sizeof(struct rblk_p_ping), ++seq);
	memcpy(pkt, &h, sizeof(h));
	rblk_put_be64(pkt + sizeof(h), 0x5741114c);
	send_all(pkt, split);
	usleep(ms * 1000);
	send_all(pkt + split, sizeof(pkt) - split);
	do {
		type = recv_pkt(buf, sizeof(buf), &len, 3000);
	} while (type >= 0 && !(type == RBLK_P_PING_ACK && rblk_be64(buf) == 0x5741114c));
	puts(type == RBLK_P_PING_ACK ? "alive" : "dropped");
}

/*
 * VERIFY_START, four VERIFY_REQ and VERIFY_DONE back to back, 20 times:
 * the node's digest work for the requests runs while DONE ends the
 * verify, and must not use a transform DONE freed.
 */
static void verify_race(void)
{
	static uint8_t buf[1 << 16];
	struct rblk_p_verify v = {};
	struct rblk_p_read_req q = {};
	struct rblk_p_verify_done d = {};
	int round, i, type, replies = 0;
	uint32_t len;

	for (round = 0; round < 20; round++) {
		rblk_put_be64(v.start, 0);
		rblk_put_be64(v.stop, 2048);
		v.alg = RBLK_DIGEST_SHA256;
		send_pkt(RBLK_P_VERIFY_START, &v, sizeof(v));
		for (i = 0; i < 4; i++) {
			rblk_put_be64(q.id, round * 4 + i + 1);
			rblk_put_be64(q.sector, i * 512);
			rblk_put_be32(q.bytes, 256 << 10);
			send_pkt(RBLK_P_VERIFY_REQ, &q, sizeof(q));
		}
		rblk_put_be64(d.checked_kib, 1024);
		rblk_put_be64(d.pos, 2048);
		send_pkt(RBLK_P_VERIFY_DONE, &d, sizeof(d));
		/* the node answers; pings keep it alive */
		while ((type = recv_pkt(buf, sizeof(buf), &len, 300)) >= 0) {
			if (type == RBLK_P_VERIFY_REPLY)
				replies++;
			else if (type == RBLK_P_PING)
				send_pkt(RBLK_P_PING_ACK, buf, len);
		}
		if (type == -1)
			break;
	}
	printf("replies: %d\n", replies);
	puts(type == -1 ? "dropped" : "alive");
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/*
 * Send one request after another, as fast as the node takes them, and
 * never read an answer. READ_REQs of 1 MiB: the node may hold its
 * max-buffers of answers, then must stop reading (our sends stall), and
 * drop us once its own sends have stalled for timeout x ko-count.
 * DISCARDs of 4 KiB: their answers hold no pages; the node must drop us
 * once its count of unanswered requests is full.
 */
static void flood(uint16_t type, void *fixed, size_t fixed_len, uint8_t *id)
{
	struct pollfd pfd = { .fd = fd, .events = POLLRDHUP };
	uint8_t pkt[sizeof(struct rblk_wire_hdr) + 64];
	size_t len = sizeof(struct rblk_wire_hdr) + fixed_len, off = len;
	int n = 0, stalled = 0;
	double t0;
	ssize_t r;

	if (len > sizeof(pkt))
		abort();
	while (stalled < 200) {		/* 2 s without a byte taken */
		if (off == len) {
			if (id)
				rblk_put_be64(id, n + 1);
			rblk_wire_hdr_init((struct rblk_wire_hdr *)pkt, type,
					   fixed_len, ++seq);
			memcpy(pkt + sizeof(struct rblk_wire_hdr), fixed, fixed_len);
			off = 0;
		}
		r = send(fd, pkt + off, len - off, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (r > 0) {
			off += r;
			n += off == len;
			stalled = 0;
		} else if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			break;
		} else {
			stalled++;
			usleep(10000);
		}
	}
	printf("requested: %d\n", n);
	fflush(stdout);
	t0 = now_s();
	while (now_s() - t0 < wait_s) {
		if (poll(&pfd, 1, 100) > 0 &&
		    (pfd.revents & (POLLERR | POLLHUP | POLLRDHUP))) {
			printf("dropped after %.0f s\n", now_s() - t0);
			return;
		}
	}
	puts("alive");
}

static void read_flood(void)
{
	struct rblk_p_read_req q = {};

	rblk_put_be32(q.bytes, 1 << 20);
	flood(RBLK_P_READ_REQ, &q, sizeof(q), q.id);
}

/* VERIFY_STARTs that ask a Secondary to lead: each is refused (answered). */
static void verify_ask_flood(void)
{
	struct rblk_p_verify v = {};

	rblk_put_be64(v.stop, 2048);
	v.alg = RBLK_DIGEST_SHA256;
	v.vflags = RBLK_VF_ASK;
	flood(RBLK_P_VERIFY_START, &v, sizeof(v), NULL);
}

/* As Primary: 4 KiB discards of sector 64 (where "write" writes). */
static void discard_flood(void)
{
	struct rblk_p_write w = {};

	rblk_put_be64(w.sector, 64);
	rblk_put_be32(w.bytes, 4096);
	rblk_put_be32(w.wflags, RBLK_WF_DISCARD);
	flood(RBLK_P_WRITE, &w, sizeof(w), w.id);
}

/*
 * barrier-twice, barrier-never: acknowledge the node's WRITEs (as written,
 * writing nothing) and answer its pings; its barriers (kmod/tl.c: a WRITE
 * with PREFLUSH and no data, an id tagged 0xffff in its low 16 bits)
 * @twice: the first one acknowledged twice, the second ACK naming a
 * barrier no longer in flight ("barrier acked twice: ID", then "dropped"
 * or "alive"); else never acknowledged, until the node drops us
 * ("barriers unanswered: N", then "dropped", or "alive" after 60 s of
 * silence from the node, --wait: other than 60).
 */
static void barrier_acks(int twice)
{
	static uint8_t buf[sizeof(struct rblk_p_write) + RBLK_WIRE_MAX_DATA];
	struct rblk_p_ack a = {};
	int type = -2, idle = 0, unanswered = 0;
	uint32_t len;
	uint64_t id;

	while (idle < wait_s) {
		type = recv_pkt(buf, sizeof(buf), &len, 1000);
		if (type == -2) {
			idle++;
			continue;
		}
		if (type < 0)
			break;
		idle = 0;
		if (type == RBLK_P_PING)
			send_pkt(RBLK_P_PING_ACK, buf, len);
		if (type != RBLK_P_WRITE || len < sizeof(struct rblk_p_write))
			continue;
		id = rblk_be64(buf);	/* struct rblk_p_write starts with it */
		rblk_put_be64(a.id, id);
		if ((id & 0xffff) != 0xffff) {
			send_pkt(RBLK_P_WRITE_ACK, &a, sizeof(a));
		} else if (twice) {
			send_pkt(RBLK_P_WRITE_ACK, &a, sizeof(a));
			send_pkt(RBLK_P_WRITE_ACK, &a, sizeof(a));
			printf("barrier acked twice: %#llx\n", (unsigned long long)id);
			puts(still_open(3000) ? "alive" : "dropped");
			return;
		} else {
			unanswered++;
		}
	}
	if (twice)
		puts(type < 0 ? "dropped before a barrier" : "no barrier came");
	else
		printf("barriers unanswered: %d\n%s\n", unanswered,
		       type < 0 ? "dropped" : "alive");
}

/*
 * A PING one byte at a time: no gap as long as the node's timeout, but
 * the packet as a whole takes far longer than timeout x ko-count.
 */
static void trickle(void)
{
	static uint8_t buf[1 << 16];
	uint8_t pkt[sizeof(struct rblk_wire_hdr) + sizeof(struct rblk_p_ping)];
	struct rblk_wire_hdr h;
	uint32_t len;
	size_t i;
	int type;

	rblk_wire_hdr_init(&h, RBLK_P_PING, sizeof(struct rblk_p_ping), ++seq);
	memcpy(pkt, &h, sizeof(h));
	rblk_put_be64(pkt + sizeof(h), 0x7121c13);
	for (i = 0; i < sizeof(pkt); i++) {
		if (send(fd, pkt + i, 1, MSG_NOSIGNAL) != 1 || !still_open(300)) {
			printf("dropped after %zu bytes\n", i + 1);
			return;
		}
	}
	do {
		type = recv_pkt(buf, sizeof(buf), &len, 3000);
	} while (type >= 0 && !(type == RBLK_P_PING_ACK && rblk_be64(buf) == 0x7121c13));
	puts(type == RBLK_P_PING_ACK ? "alive" : "dropped");
}

/*
 * bad:TYPE: one packet of TYPE (its name as in the packet table) whose
 * fixed part the table refuses, or with a length its header check
 * refuses (the four types that have no field to get wrong). Ranges are
 * made wrong against the node's own size (its STATE). Prints the reason
 * the node must log, then "dropped" or "alive".
 */
static int bad_packet(const char *name)
{
	static uint8_t data[4096];
	union rblk_wire_fixed f;
	const struct rblk_wire_type *t = NULL;
	u64 end = rblk_be64(node_st.data_sectors);	/* one sector past */
	const char *why = "malformed payload";
	uint32_t extra = 0, dlen = 0;
	uint16_t type;

	for (type = 1; type < __RBLK_P_LAST; type++) {
		t = rblk_wire_type(type);
		if (t && !strcmp(t->name, name))
			break;
	}
	if (type == __RBLK_P_LAST) {
		fprintf(stderr, "hostile-peer: no packet type %s\n", name);
		return 1;
	}
	memset(&f, 0, sizeof(f));
	memset(data, 0x5a, sizeof(data));
	switch (type) {
	case RBLK_P_HELLO:		/* a range that is empty */
		rblk_put_be16(f.hello.proto_min, 2);
		rblk_put_be16(f.hello.proto_max, 1);
		strcpy((char *)f.hello.resource, "pg");
		strcpy((char *)f.hello.node, "x");
		break;
	case RBLK_P_AUTH:		/* after the handshake: out of place */
		rblk_put_be16(f.auth.mac_len, 32);
		why = "packet not allowed in this state";
		break;
	case RBLK_P_STATE:		/* no such role */
		f.state = node_st;
		f.state.role = 9;
		break;
	case RBLK_P_COMMIT:
	case RBLK_P_PING:
	case RBLK_P_PING_ACK:
	case RBLK_P_DISCONNECT:		/* a byte of data on a type without */
		extra = 1;
		why = "bad length";
		break;
	case RBLK_P_WRITE:		/* the last block, one sector past the end */
		rblk_put_be64(f.write.id, 1);
		rblk_put_be64(f.write.sector, end - 7);
		rblk_put_be32(f.write.bytes, 4096);
		dlen = 4096;
		break;
	case RBLK_P_RS_DATA:		/* FUA: a resync write has no flags */
		rblk_put_be64(f.write.id, 1);
		rblk_put_be32(f.write.bytes, 4096);
		rblk_put_be32(f.write.wflags, RBLK_WF_FUA);
		dlen = 4096;
		break;
	case RBLK_P_WRITE_ACK:		/* a status that is no errno */
	case RBLK_P_RS_ACK:
		rblk_put_be64(f.ack.id, 1);
		rblk_put_be32(f.ack.status, 0x80000000U);
		break;
	case RBLK_P_READ_REPLY:		/* an error, and data anyway */
		rblk_put_be64(f.ack.id, 1);
		rblk_put_be32(f.ack.status, 5);
		dlen = 4096;
		break;
	case RBLK_P_READ_REQ:		/* one sector past the end */
		rblk_put_be64(f.rreq.id, 1);
		rblk_put_be64(f.rreq.sector, end - 7);
		rblk_put_be32(f.rreq.bytes, 4096);
		break;
	case RBLK_P_BITMAP:		/* far past the bitmap's end */
		rblk_put_be64(f.bitmap.offset, 1ULL << 62);
		rblk_put_be32(f.bitmap.bytes, 16);
		dlen = 16;
		break;
	case RBLK_P_SYNC_START:		/* generation 0 */
	case RBLK_P_SYNC_DONE:
	case RBLK_P_NEW_UUID:
	case RBLK_P_SYNC_REQ:
		break;
	case RBLK_P_SIZES:		/* more in use than the disk gives */
		rblk_put_be64(f.sizes.usable, 4096);
		rblk_put_be64(f.sizes.in_use, 8192);
		break;
	case RBLK_P_VERIFY_START:	/* an empty range */
		rblk_put_be64(f.verify.start, 8);
		rblk_put_be64(f.verify.stop, 8);
		f.verify.alg = RBLK_DIGEST_SHA256;
		break;
	case RBLK_P_VERIFY_REQ:		/* bytes + 4095 wraps in 32 bits */
		rblk_put_be64(f.rreq.id, 1);
		rblk_put_be64(f.rreq.sector, (end & ~7ULL) - 8);
		rblk_put_be32(f.rreq.bytes, 0xfffff000U);
		break;
	case RBLK_P_VERIFY_REPLY:	/* digests, and no verify led by the node */
		rblk_put_be64(f.digest.id, 1);
		rblk_put_be32(f.digest.bytes, 4096);
		dlen = 32;
		why = "packet not allowed in this state";
		break;
	case RBLK_P_RS_CSUM:		/* no resync with checksums runs */
		rblk_put_be64(f.digest.id, 1);
		rblk_put_be32(f.digest.bytes, 4096);
		dlen = 4;
		why = "packet not allowed in this state";
		break;
	case RBLK_P_VERIFY_DONE:	/* "stopped" is 0 or 1 */
		f.vdone.stopped = 2;
		break;
	case RBLK_P_RS_CSUM_REPLY:	/* a status that is no errno */
		rblk_put_be64(f.creply.id, 1);
		rblk_put_be32(f.creply.status, 0x10000000U);
		break;
	}
	printf("%s (packet type %u)\n", why, type);
	send_pkt_raw(RBLK_WIRE_MAGIC, type, 0, t->fixed + extra + dlen, ++seq,
		     &f, t->fixed + extra);
	if (dlen)
		send_all(data, dlen);
	puts(still_open(3000) ? "alive" : "dropped");
	return 0;
}

/*
 * As the node's sync source (--as source): wait for its first READ_REQ
 * (it reads a block it lacks), then answer it as @how says:
 *   read-ack     a WRITE_ACK with the read's id (must never complete it)
 *   read-reply   a READ_REPLY with 0x5a in every byte
 *   read-short   a READ_REPLY with half the bytes asked for
 * "asked: SECTOR+BYTES", then "dropped" or "alive".
 */
static int answer_read(const char *how)
{
	static uint8_t buf[1 << 16];
	static uint8_t data[RBLK_WIRE_MAX_DATA];
	struct rblk_p_read_req q;
	struct rblk_p_ack a = {};
	int type, waited;
	uint32_t len, bytes;

	for (waited = 0; waited < 60; waited++) {
		type = recv_pkt(buf, sizeof(buf), &len, 1000);
		if (type == RBLK_P_PING)
			send_pkt(RBLK_P_PING_ACK, buf, len);
		else if (type == RBLK_P_READ_REQ && len == sizeof(q))
			break;
		else if (type < 0 && type != -2)
			break;
	}
	if (type != RBLK_P_READ_REQ) {
		puts(type == -2 ? "no read asked" : "dropped");
		return 1;
	}
	memcpy(&q, buf, sizeof(q));
	bytes = rblk_be32(q.bytes);
	printf("asked: %llu+%u\n", (unsigned long long)rblk_be64(q.sector), bytes);
	fflush(stdout);
	memcpy(a.id, q.id, sizeof(a.id));
	memset(data, 0x5a, sizeof(data));
	if (!strcmp(how, "read-ack")) {
		send_pkt(RBLK_P_WRITE_ACK, &a, sizeof(a));
	} else {
		if (!strcmp(how, "read-short"))
			bytes /= 2;
		send_pkt_raw(RBLK_WIRE_MAGIC, RBLK_P_READ_REPLY, 0, sizeof(a) + bytes,
			     ++seq, &a, sizeof(a));
		send_all(data, bytes);
	}
	puts(still_open(3000) ? "alive" : "dropped");
	return 0;
}

/*
 * As Primary (--as primary): a valid 4 KiB WRITE of 0x5a at sector 64;
 * "acked: STATUS" when its WRITE_ACK comes, then "alive" or "dropped".
 */
static int good_write(void)
{
	static uint8_t buf[1 << 16];
	static uint8_t data[4096];
	struct rblk_p_write w = {};
	int type, waited;
	uint32_t len;

	memset(data, 0x5a, sizeof(data));
	rblk_put_be64(w.id, 0x77);
	rblk_put_be64(w.sector, 64);
	rblk_put_be32(w.bytes, sizeof(data));
	send_pkt_raw(RBLK_WIRE_MAGIC, RBLK_P_WRITE, 0, sizeof(w) + sizeof(data),
		     ++seq, &w, sizeof(w));
	send_all(data, sizeof(data));
	for (waited = 0; waited < 30; waited++) {
		type = recv_pkt(buf, sizeof(buf), &len, 1000);
		if (type == RBLK_P_PING)
			send_pkt(RBLK_P_PING_ACK, buf, len);
		else if (type == RBLK_P_WRITE_ACK && len == sizeof(struct rblk_p_ack) &&
			 rblk_be64(buf) == 0x77)
			break;
		else if (type < 0 && type != -2)
			break;
	}
	if (type == RBLK_P_WRITE_ACK)
		printf("acked: %u\n", rblk_be32(buf + 8));
	puts(still_open(3000) ? "alive" : "dropped");
	return 0;
}

/* One slice of our bitmap (zeros: we lack nothing the node does not know). */
static int send_bitmap(uint64_t off, uint32_t bytes, int last)
{
	static uint8_t zero[64];
	struct rblk_p_bitmap b = {};

	if (bytes > sizeof(zero))
		abort();
	rblk_put_be64(b.offset, off);
	rblk_put_be32(b.bytes, bytes);
	b.last = last;
	if (send_pkt_raw(RBLK_WIRE_MAGIC, RBLK_P_BITMAP, 0, sizeof(b) + bytes,
			 ++seq, &b, sizeof(b)))
		return -1;
	return bytes ? send_all(zero, bytes) : 0;
}

/* --as target, "bitmap": the node's SYNC_START, with its count. */
static int bitmap_ok(void)
{
	static uint8_t buf[RBLK_WIRE_MAX_DATA + 4096];
	int type, waited;
	uint32_t len;

	if (send_bitmap(0, 64, 0) || send_bitmap(64, 0, 1))
		return puts("dropped"), 0;
	for (waited = 0; waited < 30; waited++) {
		type = recv_pkt(buf, sizeof(buf), &len, 1000);
		if (type == RBLK_P_PING)
			send_pkt(RBLK_P_PING_ACK, buf, len);
		else if (type == RBLK_P_SYNC_START && len == sizeof(struct rblk_p_sync))
			break;
		else if (type < 0 && type != -2)
			break;
	}
	if (type != RBLK_P_SYNC_START)
		return puts(type == -2 ? "no sync start" : "dropped"), 0;
	printf("sync started: %llu\n", (unsigned long long)
	       rblk_be64(((struct rblk_p_sync *)buf)->total_bits));
	return 0;
}

/*
 * --as target, "waits:DISK": say every second that our before-resync-target
 * handler runs, with DISK as our disk state; never send the bitmap.
 */
static int waits(const char *disk)
{
	static uint8_t buf[RBLK_WIRE_MAX_DATA + 4096];
	struct rblk_p_state st = our_st;
	double t0 = now_s(), said = 0;
	uint32_t len;
	int type, d;

	for (d = 0; d < __RBLK_DISK_LAST; d++)
		if (!strcmp(rblk_disk_name(d), disk))
			break;
	if (d == __RBLK_DISK_LAST) {
		fprintf(stderr, "hostile-peer: no disk state %s\n", disk);
		return 1;
	}
	st.disk_state = d;
	st.state_flags = RBLK_SF_RESYNC_WAITS;
	puts("announcing");
	fflush(stdout);
	while (now_s() - t0 < wait_s) {
		if (now_s() - said >= 1) {
			said = now_s();
			if (send_pkt(RBLK_P_STATE, &st, sizeof(st)))
				break;
		}
		type = recv_pkt(buf, sizeof(buf), &len, 200);
		if (type == RBLK_P_PING)
			send_pkt(RBLK_P_PING_ACK, buf, len);
		else if (type < 0 && type != -2)
			break;
	}
	if (now_s() - t0 < wait_s)
		printf("dropped after %.0f s\n", now_s() - t0);
	else
		puts("alive");
	return 0;
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
	} else if (!strcmp(s, "barrier-forged")) {
		if (!still_open(1000))	/* well after the connect decision */
			return puts("dropped early"), 0;
		rblk_put_be64(a.id, 0x4242ffffULL);
		send_pkt(RBLK_P_WRITE_ACK, &a, sizeof(a));
	} else if (!strcmp(s, "barrier-twice") || !strcmp(s, "barrier-never")) {
		barrier_acks(!strcmp(s, "barrier-twice"));
		return 0;
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
	} else if (!strcmp(s, "verify-repair-trick")) {
		struct rblk_p_verify v = {};
		struct rblk_p_verify_done d = {};

		rblk_put_be64(v.stop, 2048);
		v.alg = RBLK_DIGEST_SHA256;
		send_pkt(RBLK_P_VERIFY_START, &v, sizeof(v));
		rblk_put_be64(d.checked_kib, 1024);
		rblk_put_be64(d.diff_kib, 4);
		rblk_put_be64(d.pos, 2048);
		d.repair = 1;
		send_pkt(RBLK_P_VERIFY_DONE, &d, sizeof(d));
	} else if (!strncmp(s, "bad:", 4)) {
		return bad_packet(s + 4);
	} else if (!strcmp(s, "read-ack") || !strcmp(s, "read-reply") ||
		   !strcmp(s, "read-short")) {
		return answer_read(s);
	} else if (!strcmp(s, "write")) {
		return good_write();
	} else if (!strcmp(s, "bitmap")) {
		return bitmap_ok();
	} else if (!strcmp(s, "bitmap-disorder")) {
		send_bitmap(64, 64, 0);
		send_bitmap(0, 64, 0);
	} else if (!strcmp(s, "bitmap-empty")) {
		send_bitmap(0, 0, 0);
	} else if (!strncmp(s, "waits:", 6)) {
		return waits(s + 6);
	} else if (!strcmp(s, "verify-race")) {
		verify_race();
		return 0;
	} else if (!strcmp(s, "trickle")) {
		trickle();
		return 0;
	} else if (!strcmp(s, "read-flood")) {
		read_flood();
		return 0;
	} else if (!strcmp(s, "discard-flood")) {
		discard_flood();
		return 0;
	} else if (!strcmp(s, "verify-ask-flood")) {
		verify_ask_flood();
		return 0;
	} else if (!strcmp(s, "stall-header")) {
		stalled_ping(8, 1500);
		return 0;
	} else if (!strcmp(s, "stall-payload")) {
		stalled_ping(sizeof(struct rblk_wire_hdr) + 3, 1500);
		return 0;
	} else if (!strcmp(s, "stall-long")) {
		stalled_ping(sizeof(struct rblk_wire_hdr) + 3, 6000);
		return 0;
	} else if (!strcmp(s, "disk-back")) {
		/* A disk said to be back on the same connection (it may not). */
		struct rblk_p_state st = our_st;

		if (!still_open(1500)) {
			puts("refused");
			return 0;
		}
		puts("connected");
		st.disk_state = RBLK_DISK_UPTODATE;
		send_pkt(RBLK_P_STATE, &st, sizeof(st));
	} else {
		fprintf(stderr, "hostile-peer: unknown scenario %s\n", s);
		return 1;
	}
	puts(still_open(3000) ? "alive" : "dropped");
	return 0;
}

int main(int argc, char **argv)
{
	const char *from = NULL;

	while (argc > 2 && !strncmp(argv[1], "--", 2)) {
		if (!strcmp(argv[1], "--from"))
			from = argv[2];
		else if (!strcmp(argv[1], "--secret"))
			secret = argv[2];
		else if (!strcmp(argv[1], "--as"))
			as = argv[2];
		else if (!strcmp(argv[1], "--wait"))
			wait_s = atoi(argv[2]);
		else
			break;
		argc -= 2;
		argv += 2;
	}
	if (argc != 5) {
		fprintf(stderr, "usage: hostile-peer [--from ADDR] [--secret S] [--as primary|secondary|source|target|diskless|diskless-primary] [--wait S] ADDR:PORT RESOURCE NODE SCENARIO\n");
		return 1;
	}
	if (connect_to(argv[1], from)) {
		perror("hostile-peer: connect");
		return 1;
	}
	if (!strcmp(argv[4], "impostor") || !strcmp(argv[4], "auth-only") ||
	    !strcmp(argv[4], "no-auth") || !strcmp(argv[4], "reflect") ||
	    !strcmp(argv[4], "drip") || !strcmp(argv[4], "bad-auth"))
		return auth_scenario(argv[2], argv[3], argv[4]);
	if (!strcmp(argv[4], "bad:HELLO"))	/* in its place: first */
		return bad_packet("HELLO");
	if (!strcmp(argv[4], "pre-commit-data")) {
		struct rblk_p_write w = {};

		send_pkt(RBLK_P_WRITE, &w, sizeof(w));
		puts(still_open(3000) ? "alive" : "dropped");
		return 0;
	}
	if (!strcmp(argv[4], "early-new-uuid") || !strcmp(argv[4], "early-read") ||
	    !strcmp(argv[4], "early-sizes")) {
		struct rblk_p_sync u = {};
		struct rblk_p_read_req q = {};
		struct rblk_p_sizes z = {};

		if (handshake(argv[2], argv[3], 1))
			return 1;
		if (!strcmp(argv[4], "early-new-uuid")) {
			rblk_put_be64(u.current_uuid, 0x1234567890abcdefULL);
			send_pkt(RBLK_P_NEW_UUID, &u, sizeof(u));
		} else if (!strcmp(argv[4], "early-sizes")) {
			rblk_put_be64(z.usable, 4096);
			send_pkt(RBLK_P_SIZES, &z, sizeof(z));
		} else {
			rblk_put_be64(q.id, 7);
			rblk_put_be32(q.bytes, 4096);
			send_pkt(RBLK_P_READ_REQ, &q, sizeof(q));
		}
		/* what the node sends until it closes (10 s of silence: alive) */
		puts(report_received(-100, 0) == -2 ? "alive" : "dropped");
		return 0;
	}
	if (handshake(argv[2], argv[3], !strcmp(argv[4], "no-state"))) {
		fprintf(stderr, "hostile-peer: handshake with %s failed\n", argv[1]);
		return 1;
	}
	return play(argv[4]);
}
