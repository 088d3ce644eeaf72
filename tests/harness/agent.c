// SPDX-License-Identifier: GPL-2.0
/*
 * rblk-agent: guest side of the test harness control channel.
 *
 * Runs inside a test VM (normally exec'd as PID 1 by guest-init).  It serves
 * every virtio-serial port whose name starts with "rblk.agent." with one
 * worker process per port, so the host can run several commands in parallel
 * (one per port).  A worker reads a request (see proto.h), runs the command
 * with "/bin/sh -c" in its own session, streams stdout/stderr back and
 * finally sends the exit status.  If the host side goes away in the middle
 * of a command the command's process group is killed.
 *
 * The main process is a child subreaper (or PID 1) and reaps orphans, so
 * daemons started by tests do not leave zombies behind.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "proto.h"

#define MAX_PORTS 16
#define PORT_PREFIX "rblk.agent."
#define SYS_PORTS "/sys/class/virtio-ports"

static void logmsg(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int fd, n;

	n = snprintf(buf, sizeof(buf), "<5>rblk-agent[%d]: ", (int)getpid());
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	va_end(ap);
	fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, buf, strlen(buf)) < 0) {
			/* nothing useful to do */
		}
		close(fd);
	}
	fprintf(stderr, "%s\n", buf + 3);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------ */
/* worker: one per port                                                */

static int debug;
#define DBG(...) do { if (debug) logmsg(__VA_ARGS__); } while (0)

static int pfd = -1;
static unsigned char ibuf[P_HDR_LEN + P_MAX_PAYLOAD + 65536];
static size_t ilen;
static int chld_pipe[2] = { -1, -1 };
static long long last_send;

static void on_sigchld(int sig)
{
	int e = errno;

	(void)sig;
	if (write(chld_pipe[1], "c", 1) < 0) {
		/* pipe full: a wakeup is pending anyway */
	}
	errno = e;
}

static void set_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static void consume(size_t n);
static int port_read(void);

/*
 * Note on host connection state: the guest learns about host connects and
 * disconnects through control messages that are processed asynchronously
 * with respect to the data, so when one client goes and the next comes, the
 * new client's request can be read while the port still looks disconnected
 * (or flaps to disconnected for a moment).  Therefore a "disconnected"
 * port never aborts a command by itself unless it stays so for
 * HUP_GRACE_MS; the reliable sign that the previous client is gone is a
 * request with a different nonce.
 */
#define HUP_GRACE_MS 5000

/* Is there a complete-looking request of another session in ibuf? */
static int foreign_request(const unsigned char *nonce)
{
	size_t i;

	for (i = 0; i + P_HDR_LEN <= ilen; i++)
		if (!memcmp(ibuf + i, P_MAGIC, P_MAGIC_LEN) &&
		    ibuf[i + P_MAGIC_LEN + P_NONCE_LEN] == P_REQ &&
		    memcmp(ibuf + i + P_MAGIC_LEN, nonce, P_NONCE_LEN))
			return 1;
	return 0;
}

static void wait_sigio(int ms)
{
	sigset_t io;
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	sigemptyset(&io);
	sigaddset(&io, SIGIO);
	sigtimedwait(&io, NULL, &ts);
}

/* Returns 0 on success, -1 if the session is over (another client took the
 * port, or the host stayed disconnected). */
static int port_write_all(const unsigned char *nonce, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	long long hup_since = 0;

	while (len) {
		ssize_t r = write(pfd, p, len);

		if (r > 0) {
			p += r;
			len -= r;
			hup_since = 0;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN) {
			struct pollfd q = { .fd = pfd, .events = POLLOUT | POLLIN };

			if (poll(&q, 1, 200) < 0 && errno != EINTR)
				return -1;
			if (q.revents & POLLIN) {
				port_read();
				if (foreign_request(nonce))
					return -1;
			}
			if ((q.revents & POLLHUP) && !(q.revents & POLLOUT)) {
				long long t = now_ms();

				if (!hup_since)
					hup_since = t;
				else if (t - hup_since > HUP_GRACE_MS)
					return -1;
				wait_sigio(100);
			} else {
				hup_since = 0;
			}
			continue;
		}
		return -1;
	}
	return 0;
}

static int send_frame(const unsigned char *nonce, int type, const void *data,
		      uint32_t len)
{
	unsigned char h[P_HDR_LEN];

	p_header(h, nonce, type, len);
	last_send = now_ms();
	if (port_write_all(nonce, h, sizeof(h)))
		return -1;
	if (len && port_write_all(nonce, data, len))
		return -1;
	return 0;
}

static void consume(size_t n)
{
	memmove(ibuf, ibuf + n, ilen - n);
	ilen -= n;
}

/*
 * Look for a complete frame at the start of ibuf, dropping garbage in front
 * of it.  Returns 1 and fills the out parameters if one is there (the caller
 * consumes P_HDR_LEN + *len bytes), 0 if more data is needed.
 */
static int next_frame(const unsigned char **nonce, int *type,
		      const unsigned char **payload, uint32_t *len)
{
	for (;;) {
		size_t i;
		uint32_t l;

		for (i = 0; i + P_MAGIC_LEN <= ilen; i++)
			if (!memcmp(ibuf + i, P_MAGIC, P_MAGIC_LEN))
				break;
		if (i + P_MAGIC_LEN > ilen) {
			/* keep a possible partial magic at the end */
			size_t keep = ilen < P_MAGIC_LEN - 1 ? ilen : P_MAGIC_LEN - 1;

			consume(ilen - keep);
			return 0;
		}
		if (i)
			consume(i);
		if (ilen < P_HDR_LEN)
			return 0;
		l = p_get32(ibuf + P_MAGIC_LEN + P_NONCE_LEN + 1);
		if (l > P_MAX_PAYLOAD) {
			consume(1); /* bogus, resync */
			continue;
		}
		if (ilen < P_HDR_LEN + l)
			return 0;
		*nonce = ibuf + P_MAGIC_LEN;
		*type = ibuf[P_MAGIC_LEN + P_NONCE_LEN];
		*payload = ibuf + P_HDR_LEN;
		*len = l;
		return 1;
	}
}

/*
 * Read what the port has into ibuf.  Returns >0 bytes read, 0 if nothing is
 * available right now, -1 if the host is not connected.
 */
static int port_read(void)
{
	ssize_t r;

	if (ilen == sizeof(ibuf))
		consume(ilen / 2); /* cannot happen with sane frames */
	r = read(pfd, ibuf + ilen, sizeof(ibuf) - ilen);
	DBG("read %zd (errno %d) ilen %zu", r, r < 0 ? errno : 0, ilen);
	if (r > 0) {
		ilen += r;
		return (int)r;
	}
	if (r == 0)
		return -1;
	if (errno == EAGAIN || errno == EINTR)
		return 0;
	return -1;
}

/* Hand still-open output pipes to a detached process that discards the
 * rest, so background processes of a finished command do not die of
 * SIGPIPE. */
static void drain_in_background(int a, int b)
{
	pid_t p;

	if (a < 0 && b < 0)
		return;
	p = fork();
	if (p == 0) {
		if (fork() == 0) {
			char buf[4096];
			struct pollfd q[2] = { { .fd = a, .events = POLLIN },
					       { .fd = b, .events = POLLIN } };

			close(pfd);
			fcntl(a, F_SETFL, 0);
			fcntl(b, F_SETFL, 0);
			while (q[0].fd >= 0 || q[1].fd >= 0) {
				int i;

				if (poll(q, 2, -1) < 0 && errno != EINTR)
					break;
				for (i = 0; i < 2; i++) {
					if (q[i].fd >= 0 && q[i].revents &&
					    read(q[i].fd, buf, sizeof(buf)) <= 0) {
						close(q[i].fd);
						q[i].fd = -1;
					}
				}
			}
			_exit(0);
		}
		_exit(0);
	}
	if (a >= 0)
		close(a);
	if (b >= 0)
		close(b);
	if (p > 0)
		waitpid(p, NULL, 0);
}

/*
 * Children that would not die after SIGKILL (stuck in D state, e.g. on a
 * hung block device) are not waited for; they are reaped later.
 */
#define MAX_ABANDONED 64
static pid_t abandoned[MAX_ABANDONED];

static void reap_abandoned(void)
{
	for (int i = 0; i < MAX_ABANDONED; i++)
		if (abandoned[i] > 0 && waitpid(abandoned[i], NULL, WNOHANG) != 0)
			abandoned[i] = 0;
}

static void abandon(pid_t pid)
{
	for (int i = 0; i < MAX_ABANDONED; i++)
		if (abandoned[i] <= 0) {
			abandoned[i] = pid;
			return;
		}
}

/* waitpid with a timeout; 1 if reaped */
static int wait_child(pid_t pid, int *status, int ms)
{
	long long end = now_ms() + ms;

	for (;;) {
		if (waitpid(pid, status, WNOHANG) == pid)
			return 1;
		if (now_ms() >= end)
			return 0;
		usleep(10000);
	}
}

#define KILL_GRACE_MS 5000

static void run_request(const unsigned char *nonce_in, const unsigned char *pl,
			uint32_t len)
{
	unsigned char nonce[P_NONCE_LEN];
	uint32_t flags, timeout_s;
	unsigned rows, cols;
	char *copy, *cwd, *cmd, *term, *end;
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, inp[2] = { -1, -1 };
	int ptm = -1, out_fd, err_fd, in_fd, status = 0;
	int exited = 0, timed_out = 0, aborted = 0;
	long long deadline = 0, hup_since = 0;
	pid_t pid;
	char buf[65536];

	memcpy(nonce, nonce_in, sizeof(nonce));
	if (len < 12) {
		consume(P_HDR_LEN + len);
		return;
	}
	flags = p_get32(pl);
	timeout_s = p_get32(pl + 4);
	rows = (pl[8] << 8) | pl[9];
	cols = (pl[10] << 8) | pl[11];
	copy = malloc(len - 12 + 3);
	if (!copy)
		_exit(1);
	memcpy(copy, pl + 12, len - 12);
	memset(copy + len - 12, 0, 3);
	end = copy + len - 12;
	consume(P_HDR_LEN + len);
	cwd = copy;
	cmd = cwd + strlen(cwd) + 1;
	term = cmd < end ? cmd + strlen(cmd) + 1 : end;
	if (cmd >= end)
		cmd = end;
	if (term >= end)
		term = end;

	DBG("request flags %u timeout %u: %s", flags, timeout_s, cmd);
	if (send_frame(nonce, P_SYNC, NULL, 0)) {
		free(copy);
		return;
	}

	if (flags & P_F_PTY) {
		struct winsize ws = { .ws_row = rows ? rows : 24,
				      .ws_col = cols ? cols : 80 };

		ptm = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (ptm < 0 || grantpt(ptm) || unlockpt(ptm))
			goto fail;
		ioctl(ptm, TIOCSWINSZ, &ws);
	} else {
		if (pipe2(outp, O_CLOEXEC))
			goto fail;
		if (!(flags & P_F_MERGE) && pipe2(errp, O_CLOEXEC))
			goto fail;
		if ((flags & P_F_STDIN) && pipe2(inp, O_CLOEXEC))
			goto fail;
	}

	pid = fork();
	if (pid < 0)
		goto fail;
	if (pid == 0) {
		sigset_t all;
		int i;

		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		for (i = 1; i < NSIG; i++)
			signal(i, SIG_DFL);
		setsid();
		if (ptm >= 0) {
			int s = open(ptsname(ptm), O_RDWR);

			if (s < 0)
				_exit(127);
			ioctl(s, TIOCSCTTY, 0);
			dup2(s, 0);
			dup2(s, 1);
			dup2(s, 2);
			if (s > 2)
				close(s);
		} else {
			int n = inp[0] >= 0 ? inp[0] : open("/dev/null", O_RDONLY);

			dup2(n, 0);
			dup2(outp[1], 1);
			dup2(errp[1] >= 0 ? errp[1] : outp[1], 2);
		}
		{
			/* nothing but 0-2 for the command */
			int maxfd = (int)sysconf(_SC_OPEN_MAX);

			if (maxfd < 0 || maxfd > 65536)
				maxfd = 65536;
			if (syscall(SYS_close_range, 3, ~0U, 0))
				for (int fd = 3; fd < maxfd; fd++)
					close(fd);
		}
		if (!*cwd || chdir(cwd))
			if (chdir("/")) {
				/* keep going */
			}
		if (*term)
			setenv("TERM", term, 1);
		else
			setenv("TERM", "dumb", 1);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}

	if (ptm >= 0) {
		out_fd = ptm;
		err_fd = -1;
		in_fd = (flags & P_F_STDIN) ? ptm : -1;
	} else {
		close(outp[1]);
		out_fd = outp[0];
		if (errp[1] >= 0)
			close(errp[1]);
		err_fd = errp[0];
		if (inp[0] >= 0)
			close(inp[0]);
		in_fd = inp[1];
	}
	set_nonblock(out_fd);
	if (err_fd >= 0)
		set_nonblock(err_fd);
	if (timeout_s)
		deadline = now_ms() + (long long)timeout_s * 1000;

	while (!exited || out_fd >= 0 || err_fd >= 0) {
		struct pollfd q[4];
		int n = 0, tmo = P_HEARTBEAT_SECS * 1000, i_out = -1, i_err = -1;
		int i_port = -1, i_ch;
		long long t = now_ms();

		if (exited) {
			/* child gone: take what is buffered, then stop */
			tmo = 0;
		}
		q[n].fd = chld_pipe[0];
		q[n].events = POLLIN;
		i_ch = n++;
		if (out_fd >= 0) {
			q[n].fd = out_fd;
			q[n].events = POLLIN;
			i_out = n++;
		}
		if (err_fd >= 0) {
			q[n].fd = err_fd;
			q[n].events = POLLIN;
			i_err = n++;
		}
		if (!aborted && !hup_since) {
			q[n].fd = pfd;
			q[n].events = POLLIN;
			i_port = n++;
		}
		if (!exited) {
			long long hb = last_send + P_HEARTBEAT_SECS * 1000 - t;

			tmo = hb < 0 ? 0 : (int)hb;
			if (hup_since && tmo > 200)
				tmo = 200;
			if (deadline && !timed_out && deadline - t < tmo)
				tmo = deadline - t < 0 ? 0 : (int)(deadline - t);
		}
		if (poll(q, n, tmo) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (q[i_ch].revents) {
			while (read(chld_pipe[0], buf, sizeof(buf)) > 0)
				;
		}
		if (!exited && waitpid(pid, &status, WNOHANG) == pid)
			exited = 1;

		if ((i_port >= 0 && q[i_port].revents) || hup_since) {
			int r = port_read();

			if (r < 0) {
				/* looks disconnected; maybe only for a moment */
				long long t2 = now_ms();

				if (!hup_since)
					hup_since = t2;
				else if (t2 - hup_since > HUP_GRACE_MS)
					aborted = 1;
			} else {
				const unsigned char *fn, *fp;
				int ft;
				uint32_t fl;

				hup_since = 0;
				while (!aborted && next_frame(&fn, &ft, &fp, &fl)) {
					if (ft == P_REQ && memcmp(fn, nonce, P_NONCE_LEN)) {
						/* a new client took over the port */
						aborted = 1;
						break;
					}
					if (ft == P_IN && !memcmp(fn, nonce, P_NONCE_LEN) &&
					    in_fd >= 0) {
						if (fl == 0) {
							if (in_fd != ptm)
								close(in_fd);
							else if (write(ptm, "\004", 1) < 0) {
								/* ignore */
							}
							in_fd = -1;
						} else {
							const unsigned char *d = fp;
							uint32_t left = fl;

							while (left) {
								ssize_t w = write(in_fd, d, left);

								if (w <= 0 && errno != EINTR)
									break;
								if (w > 0) {
									d += w;
									left -= w;
								}
							}
						}
					}
					consume(P_HDR_LEN + fl);
				}
			}
			if (aborted) {
				DBG("session aborted");
				kill(-pid, SIGKILL);
				kill(pid, SIGKILL);
				break;
			}
		}

		/* output */
		for (int k = 0; k < 2; k++) {
			int idx = k ? i_err : i_out;
			int *fdp = k ? &err_fd : &out_fd;
			int budget = 16;

			if (idx < 0 || *fdp < 0)
				continue;
			if (!q[idx].revents && !exited)
				continue;
			while (budget--) {
				ssize_t r = read(*fdp, buf, sizeof(buf));

				if (r > 0) {
					int typ = k ? P_ERR : P_OUT;

					if (send_frame(nonce, typ, buf, r)) {
						aborted = 1;
						break;
					}
					continue;
				}
				if (r < 0 && errno == EINTR)
					continue;
				if (r < 0 && errno == EAGAIN) {
					if (exited) {
						/* nothing buffered; background
						 * writers may keep it open */
						if (*fdp == ptm) {
							close(ptm);
							ptm = -1;
							if (in_fd == *fdp)
								in_fd = -1;
						}
						else if (k)
							drain_in_background(-1, *fdp);
						else
							drain_in_background(*fdp, -1);
						*fdp = -1;
					}
					break;
				}
				/* EOF, or EIO on a pty whose slave is closed */
				if (*fdp == ptm) {
					ptm = -1;
					if (in_fd == *fdp)
						in_fd = -1;
				}
				close(*fdp);
				*fdp = -1;
				break;
			}
			if (aborted)
				break;
		}
		if (aborted) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			break;
		}

		t = now_ms();
		if (deadline && !timed_out && t >= deadline) {
			timed_out = 1;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
		}
		if (timed_out && !exited && t >= deadline + KILL_GRACE_MS) {
			const char *m = "rblk-agent: command did not die after SIGKILL "
					"(D state?), giving up on it\n";

			send_frame(nonce, P_ERR, m, strlen(m));
			break;
		}
		if (!exited && t - last_send >= P_HEARTBEAT_SECS * 1000)
			if (send_frame(nonce, P_HEARTBEAT, NULL, 0)) {
				aborted = 1;
				kill(-pid, SIGKILL);
				kill(pid, SIGKILL);
				break;
			}
	}

	if (!exited && !wait_child(pid, &status,
				   timed_out && now_ms() >= deadline + KILL_GRACE_MS ?
				   0 : KILL_GRACE_MS)) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		abandon(pid);
	}
	if (out_fd >= 0)
		close(out_fd);
	if (err_fd >= 0)
		close(err_fd);
	if (in_fd >= 0 && in_fd != out_fd)
		close(in_fd);
	free(copy);
	if (aborted)
		return;
	{
		int code;
		unsigned char b[4];

		if (timed_out)
			code = 124;
		else if (WIFEXITED(status))
			code = WEXITSTATUS(status);
		else if (WIFSIGNALED(status))
			code = 128 + WTERMSIG(status);
		else
			code = 255;
		p_put32(b, (uint32_t)code);
		send_frame(nonce, P_EXIT, b, 4);
	}
	return;

fail:
	{
		unsigned char b[4];
		const char *m = "rblk-agent: cannot start command\n";

		send_frame(nonce, P_ERR, m, strlen(m));
		p_put32(b, 255);
		send_frame(nonce, P_EXIT, b, 4);
		int *fds[] = { outp, errp, inp };

		for (int a = 0; a < 3; a++)
			for (int b = 0; b < 2; b++)
				if (fds[a][b] >= 0)
					close(fds[a][b]);
		if (ptm >= 0)
			close(ptm);
		free(copy);
	}
}

static void serve_port(const char *dev)
{
	struct sigaction sa = { .sa_handler = on_sigchld,
				.sa_flags = SA_RESTART | SA_NOCLDSTOP };
	sigset_t io, all;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	if (pipe2(chld_pipe, O_CLOEXEC | O_NONBLOCK))
		_exit(1);
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&io);
	sigaddset(&io, SIGIO);
	sigprocmask(SIG_BLOCK, &io, NULL);

	pfd = open(dev, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (pfd < 0) {
		logmsg("cannot open %s: %s", dev, strerror(errno));
		_exit(1);
	}
	fcntl(pfd, F_SETOWN, getpid());
	fcntl(pfd, F_SETFL, fcntl(pfd, F_GETFL) | O_ASYNC);

	for (;;) {
		const unsigned char *fn, *fp;
		int ft, r;
		uint32_t fl;

		reap_abandoned();
		while (next_frame(&fn, &ft, &fp, &fl)) {
			if (ft == P_REQ)
				run_request(fn, fp, fl); /* consumes */
			else
				consume(P_HDR_LEN + fl);
		}
		r = port_read();
		if (r > 0)
			continue;
		if (r < 0) {
			/* host not connected: wait for SIGIO (connect or data) */
			struct timespec ts = { .tv_sec = 1 };

			sigtimedwait(&io, NULL, &ts);
			continue;
		}
		{
			struct pollfd q = { .fd = pfd, .events = POLLIN };

			poll(&q, 1, -1);
		}
	}
}

/* ------------------------------------------------------------------ */
/* main: find ports, keep one worker per port, reap orphans            */

struct port {
	char dev[300];
	pid_t pid;
	long long restart_at;
};

static struct port ports[MAX_PORTS];
static int nports;

static void scan_ports(void)
{
	DIR *d = opendir(SYS_PORTS);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[PATH_MAX], name[128];
		FILE *f;
		int i, found = 0;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), SYS_PORTS "/%s/name", e->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (!fgets(name, sizeof(name), f))
			name[0] = 0;
		fclose(f);
		if (strncmp(name, PORT_PREFIX, strlen(PORT_PREFIX)))
			continue;
		for (i = 0; i < nports; i++)
			if (!strcmp(ports[i].dev + 5, e->d_name))
				found = 1;
		if (found || nports == MAX_PORTS)
			continue;
		snprintf(ports[nports].dev, sizeof(ports[nports].dev), "/dev/%s",
			 e->d_name);
		ports[nports].pid = 0;
		ports[nports].restart_at = 0;
		nports++;
	}
	closedir(d);
}

int main(int argc, char **argv)
{
	sigset_t chld;
	long long started = now_ms();
	int i;

	(void)argc;
	(void)argv;
	debug = getenv("rblk_agent_debug") != NULL;
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);

	for (;;) {
		struct timespec ts = { 0, 200 * 1000000L };
		long long t = now_ms();
		pid_t p;
		int st;

		scan_ports();
		for (i = 0; i < nports; i++) {
			struct stat sb;

			if (ports[i].pid > 0 || t < ports[i].restart_at)
				continue;
			if (stat(ports[i].dev, &sb))
				continue; /* devtmpfs node not there yet */
			p = fork();
			if (p == 0)
				serve_port(ports[i].dev);
			if (p > 0) {
				ports[i].pid = p;
				logmsg("serving %s", ports[i].dev);
			}
		}
		if (nports == 0 && t - started > 30000 && t - started < 30300)
			logmsg("no " PORT_PREFIX "* virtio-serial port found");

		if (nports)
			ts.tv_sec = 1, ts.tv_nsec = 0;
		if (nports == 0)
			ts.tv_nsec = 20 * 1000000L;
		sigtimedwait(&chld, NULL, &ts);
		while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
			for (i = 0; i < nports; i++) {
				if (ports[i].pid == p) {
					logmsg("worker for %s exited (%d), restarting",
					       ports[i].dev, st);
					ports[i].pid = 0;
					ports[i].restart_at = now_ms() + 1000;
				}
			}
		}
	}
}
