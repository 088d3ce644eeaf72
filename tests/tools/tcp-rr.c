// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * tcp-rr: what the wire between two guests allows a replicated write
 * stream at best. The client keeps DEPTH messages of SIZE bytes in
 * flight over one TCP connection (TCP_NODELAY, like rblk); the server
 * answers each with 32 bytes as soon as it has read it whole. Prints
 * messages per second and the mean round trip seen by the client.
 *
 *   tcp-rr -l PORT                         server, one connection, then exits
 *   tcp-rr HOST PORT SIZE DEPTH SECONDS    client
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ACK_SIZE 32
#define MAX_DEPTH 1024

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void nodelay(int fd)
{
	int one = 1;

	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)))
		die("TCP_NODELAY");
}

/* All of @len bytes in (@out false) or out; false at end of stream. */
static bool xfer_full(int fd, void *buf, size_t len, bool out)
{
	char *p = buf;

	while (len) {
		ssize_t n = out ? write(fd, p, len) : read(fd, p, len);

		if (n == 0 && !out)
			return false;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die(out ? "write" : "read");
		}
		p += n;
		len -= n;
	}
	return true;
}

/* Messages start with their size (4 bytes, host order: both ends alike). */
static int serve(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	char ack[ACK_SIZE] = { 0 };
	static char buf[1 << 20];
	unsigned int size;
	int one = 1, l, fd;

	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		die("socket");
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1))
		die("bind");
	fd = accept(l, NULL, NULL);
	if (fd < 0)
		die("accept");
	close(l);	/* the next server may listen while this one finishes */
	nodelay(fd);
	while (xfer_full(fd, &size, sizeof(size), false)) {
		if (size < sizeof(size) || size > sizeof(buf))
			return fprintf(stderr, "tcp-rr: bad size %u\n", size), 1;
		if (!xfer_full(fd, buf, size - sizeof(size), false))
			break;
		xfer_full(fd, ack, sizeof(ack), true);
	}
	return 0;
}

static int client(const char *host, int port, unsigned int size,
		  unsigned int depth, double seconds)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	static double sent_at[MAX_DEPTH];
	unsigned long long sent = 0, done = 0;
	double start, end, lat = 0;
	char ack[ACK_SIZE];
	size_t got = 0;
	char *msg;
	int fd;

	if (size < 4 || size > (1 << 20) || !depth || depth > MAX_DEPTH)
		return fprintf(stderr, "tcp-rr: size 4..1M, depth 1..%d\n", MAX_DEPTH), 2;
	msg = calloc(1, size);
	if (!msg || inet_pton(AF_INET, host, &a.sin_addr) != 1)
		return fprintf(stderr, "tcp-rr: bad host %s\n", host), 2;
	memcpy(msg, &size, sizeof(size));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)))
		die("connect");
	nodelay(fd);
	start = now();
	end = start + seconds;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		double t = now();

		/* Top up the window, then wait for answers. */
		while (t < end && sent - done < depth) {
			sent_at[sent % depth] = t;
			xfer_full(fd, msg, size, true);
			sent++;
		}
		if (done == sent)
			break;
		if (poll(&p, 1, 10000) != 1)
			return fprintf(stderr, "tcp-rr: no answer for 10 s\n"), 1;
		for (;;) {
			ssize_t n = recv(fd, ack + got, sizeof(ack) - got, MSG_DONTWAIT);

			if (n <= 0) {
				if (n < 0 && errno == EAGAIN)
					break;
				die("recv");
			}
			got += n;
			if (got == sizeof(ack)) {
				lat += now() - sent_at[done % depth];
				done++;
				got = 0;
			}
		}
	}
	printf("%.1f msg/s, %.3f ms mean round trip, %llu messages of %u bytes, depth %u\n",
	       done / (now() - start), done ? lat / done * 1e3 : 0.0, done, size, depth);
	close(fd);
	free(msg);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "-l"))
		return serve(atoi(argv[2]));
	if (argc == 6)
		return client(argv[1], atoi(argv[2]), strtoul(argv[3], NULL, 0),
			      strtoul(argv[4], NULL, 0), atof(argv[5]));
	fprintf(stderr, "usage: tcp-rr -l PORT | tcp-rr HOST PORT SIZE DEPTH SECONDS\n");
	return 2;
}
