// SPDX-License-Identifier: GPL-2.0
/*
 * rblk-agent-client: host side of the test harness control channel.
 *
 *   rblk-agent-client -s PREFIX [-n NPORTS] [-m] [-i] [-T] [-t TIMEOUT]
 *                     [-p QEMU_PID] [-w SYNC_SECS] [-H HEARTBEAT_SECS]
 *                     [-C CWD] [--] COMMAND...
 *
 * Connects to one of the unix sockets PREFIX.<k>.sock (k < NPORTS; each is
 * the host end of one virtio-serial port of the VM, and PREFIX.<k>.lock
 * picks a free one), runs COMMAND (joined with spaces, run by /bin/sh -c in
 * the guest), copies its stdout/stderr to ours and exits with its status.
 *
 *   -m  merge stderr into stdout (in the guest, so ordering is kept)
 *   -i  forward our stdin to the command
 *   -T  run the command on a pty (interactive); puts our tty in raw mode
 *   -t  kill the command after TIMEOUT seconds (exit status 124)
 *   -p  give up at once when process QEMU_PID is gone
 *   -w  give up if the agent does not accept the request in SYNC_SECS
 *   -H  give up if the running command's agent is silent for that long
 *
 * Harness errors (VM gone, agent not answering) exit with 255 and a message
 * on stderr starting with "rblk-agent-client:".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "proto.h"

static struct termios saved_tio;
static int tio_saved;

static void restore_tty(void)
{
	if (tio_saved)
		tcsetattr(0, TCSAFLUSH, &saved_tio);
	tio_saved = 0;
}

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;

	restore_tty();
	fprintf(stderr, "rblk-agent-client: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(255);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t r = write(fd, p, len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN) {
			struct pollfd q = { .fd = fd, .events = POLLOUT };

			poll(&q, 1, 1000);
			continue;
		}
		if (r <= 0)
			return -1;
		p += r;
		len -= r;
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: rblk-agent-client -s PREFIX [-n NPORTS] [-m] [-i] [-T] "
			"[-t TIMEOUT] [-p PID] [-w SECS] [-H SECS] [-C CWD] "
			"[--] COMMAND...\n");
	exit(255);
}

int main(int argc, char **argv)
{
	const char *prefix = NULL, *cwd = NULL, *term;
	unsigned nports = 1, timeout_s = 0, flags = 0;
	int sync_secs = 0, hb_secs = 0, opt, lockfd = -1, sock, k;
	pid_t qpid = 0;
	unsigned char nonce[P_NONCE_LEN], *req, *buf;
	size_t cmdlen = 0, reqlen, blen = 0, bcap = 2 * (P_HDR_LEN + P_MAX_PAYLOAD);
	char *cmd, cwdbuf[4096], path[4096];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct winsize ws = { 0 };
	long long start, last_rx;
	int synced = 0, stdin_open;

	while ((opt = getopt(argc, argv, "+s:n:miTt:p:w:H:C:")) != -1) {
		switch (opt) {
		case 's': prefix = optarg; break;
		case 'n': nports = atoi(optarg); break;
		case 'm': flags |= P_F_MERGE; break;
		case 'i': flags |= P_F_STDIN; break;
		case 'T': flags |= P_F_PTY | P_F_STDIN; break;
		case 't': timeout_s = atoi(optarg); break;
		case 'p': qpid = atoi(optarg); break;
		case 'w': sync_secs = atoi(optarg); break;
		case 'H': hb_secs = atoi(optarg); break;
		case 'C': cwd = optarg; break;
		default: usage();
		}
	}
	if (!prefix || optind >= argc || nports < 1)
		usage();
	signal(SIGPIPE, SIG_IGN);

	for (k = optind; k < argc; k++)
		cmdlen += strlen(argv[k]) + 1;
	cmd = calloc(1, cmdlen + 1);
	if (!cmd)
		die("out of memory");
	for (k = optind; k < argc; k++) {
		if (k > optind)
			strcat(cmd, " ");
		strcat(cmd, argv[k]);
	}
	if (!cwd)
		cwd = getcwd(cwdbuf, sizeof(cwdbuf)) ? cwdbuf : "/";

	/* pick a free port */
	for (k = 0; k < (int)nports && lockfd < 0; k++) {
		snprintf(path, sizeof(path), "%s.%d.lock", prefix, k);
		lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (lockfd < 0)
			die("cannot open %s: %s", path, strerror(errno));
		if (flock(lockfd, LOCK_EX | LOCK_NB)) {
			close(lockfd);
			lockfd = -1;
		}
	}
	if (lockfd < 0) {
		k = getpid() % nports;
		snprintf(path, sizeof(path), "%s.%d.lock", prefix, k);
		lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (lockfd < 0 || flock(lockfd, LOCK_EX))
			die("cannot lock %s: %s", path, strerror(errno));
	} else {
		k--;
	}

	snprintf(path, sizeof(path), "%s.%d.sock", prefix, k);
	if (strlen(path) >= sizeof(sa.sun_path))
		die("socket path too long: %s", path);
	strcpy(sa.sun_path, path);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || connect(sock, (struct sockaddr *)&sa, sizeof(sa)))
		die("cannot connect to %s: %s (VM not running?)", path, strerror(errno));

	if (getrandom(nonce, sizeof(nonce), 0) != sizeof(nonce))
		die("getrandom: %s", strerror(errno));

	term = getenv("TERM");
	if (!term || !(flags & P_F_PTY))
		term = "";
	if (flags & P_F_PTY) {
		if (isatty(0)) {
			struct termios raw;

			ioctl(0, TIOCGWINSZ, &ws);
			if (!tcgetattr(0, &saved_tio)) {
				tio_saved = 1;
				raw = saved_tio;
				cfmakeraw(&raw);
				tcsetattr(0, TCSAFLUSH, &raw);
			}
		}
	}

	reqlen = P_HDR_LEN + 12 + strlen(cwd) + 1 + strlen(cmd) + 1 + strlen(term) + 1;
	if (reqlen - P_HDR_LEN > P_MAX_PAYLOAD)
		die("command too long");
	req = calloc(1, reqlen);
	if (!req)
		die("out of memory");
	p_header(req, nonce, P_REQ, reqlen - P_HDR_LEN);
	{
		unsigned char *p = req + P_HDR_LEN;

		p_put32(p, flags);
		p_put32(p + 4, timeout_s);
		p[8] = ws.ws_row >> 8;
		p[9] = ws.ws_row & 0xff;
		p[10] = ws.ws_col >> 8;
		p[11] = ws.ws_col & 0xff;
		p += 12;
		strcpy((char *)p, cwd);
		p += strlen(cwd) + 1;
		strcpy((char *)p, cmd);
		p += strlen(cmd) + 1;
		strcpy((char *)p, term);
	}
	if (write_all(sock, req, reqlen))
		die("cannot send request: %s", strerror(errno));

	buf = malloc(bcap);
	if (!buf)
		die("out of memory");
	start = last_rx = now_ms();
	stdin_open = !!(flags & P_F_STDIN);

	for (;;) {
		struct pollfd q[2] = { { .fd = sock, .events = POLLIN },
				       { .fd = 0, .events = POLLIN } };
		long long t;
		ssize_t r;
		size_t off;

		if (poll(q, (stdin_open && synced) ? 2 : 1, 200) < 0 && errno != EINTR)
			die("poll: %s", strerror(errno));
		t = now_ms();

		if (q[0].revents) {
			r = read(sock, buf + blen, bcap - blen);
			if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN))
				die("connection to the VM closed before the command finished "
				    "(VM died or was killed?)");
			if (r > 0) {
				blen += r;
				last_rx = t;
			}
		}

		/* parse frames */
		off = 0;
		for (;;) {
			size_t avail = blen - off;
			const unsigned char *f = buf + off;
			uint32_t len;
			int type;

			if (!synced) {
				/* skip anything until our own sync frame */
				size_t i;
				int found = 0;

				for (i = 0; i + P_HDR_LEN <= avail; i++) {
					if (!memcmp(f + i, P_MAGIC, P_MAGIC_LEN) &&
					    !memcmp(f + i + P_MAGIC_LEN, nonce, P_NONCE_LEN) &&
					    f[i + P_MAGIC_LEN + P_NONCE_LEN] == P_SYNC) {
						found = 1;
						break;
					}
				}
				if (!found) {
					/* keep the tail that may hold a partial header */
					if (avail > P_HDR_LEN)
						off += avail - P_HDR_LEN;
					break;
				}
				off += i + P_HDR_LEN + p_get32(f + i + P_MAGIC_LEN + P_NONCE_LEN + 1);
				synced = 1;
				continue;
			}
			if (avail < P_HDR_LEN)
				break;
			if (memcmp(f, P_MAGIC, P_MAGIC_LEN))
				die("protocol error (bad frame magic)");
			len = p_get32(f + P_MAGIC_LEN + P_NONCE_LEN + 1);
			if (len > P_MAX_PAYLOAD)
				die("protocol error (frame too long)");
			if (avail < P_HDR_LEN + len)
				break;
			type = f[P_MAGIC_LEN + P_NONCE_LEN];
			if (!memcmp(f + P_MAGIC_LEN, nonce, P_NONCE_LEN)) {
				if (type == P_OUT)
					write_all(1, f + P_HDR_LEN, len);
				else if (type == P_ERR)
					write_all(2, f + P_HDR_LEN, len);
				else if (type == P_EXIT && len >= 4) {
					int code = (int)p_get32(f + P_HDR_LEN);

					restore_tty();
					exit(code & 0xff);
				}
			}
			off += P_HDR_LEN + len;
		}
		if (off) {
			memmove(buf, buf + off, blen - off);
			blen -= off;
		}

		if (stdin_open && synced && (q[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			unsigned char in[P_HDR_LEN + 16384];

			r = read(0, in + P_HDR_LEN, sizeof(in) - P_HDR_LEN);
			if (r < 0 && (errno == EINTR || errno == EAGAIN))
				r = -2;
			if (r != -2) {
				if (r < 0)
					r = 0;
				p_header(in, nonce, P_IN, (uint32_t)r);
				if (write_all(sock, in, P_HDR_LEN + r))
					die("connection to the VM lost");
				if (r == 0)
					stdin_open = 0;
			}
		}

		if (qpid > 0 && kill(qpid, 0) && errno == ESRCH)
			die("the VM (qemu pid %d) is gone", (int)qpid);
		if (!synced && sync_secs > 0 && t - start > sync_secs * 1000LL)
			die("the guest agent did not answer within %d s", sync_secs);
		if (synced && hb_secs > 0 && t - last_rx > hb_secs * 1000LL)
			die("no sign of life from the guest agent for %d s (guest hung?)",
			    hb_secs);
	}
}
