// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * rblkadm helper EVENT RES: what rblk.ko runs (module parameter
 * usermode_helper) when an event happens that the configuration may act
 * on: split-brain, before-resync-target (a resync to this node is about
 * to start), after-resync-target, out-of-sync (a verify found blocks
 * that differ), fence-peer (a Primary lost a peer with good data) and
 * unfence-peer (a Primary resynced its peer), those two only when
 * disk { fencing } is not dont-care. It runs the handler of that name
 * from the resource's handlers { } with "sh -c", with RBLK_RESOURCE,
 * RBLK_EVENT, RBLK_MINOR and RBLK_PEER set, logs it to syslog, and exits
 * with the command's status (0 when no handler is configured).
 *
 * When the kernel waits for the result (fence-peer, before-resync-target)
 * it passes
 * RBLK_HELPER_COOKIE, RBLK_HELPER_TIMEOUT (ms, 0 = no limit) and
 * RBLK_MINOR: the handler runs in its own process group, which gets
 * SIGTERM at the timeout and SIGKILL 5 s later (status 124, as
 * timeout(1)), and the status goes back with RBLK_CMD_HELPER_DONE. A
 * failure of rblkadm itself is reported as 1: only the handler says 3-7.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "config.h"
#include "nl.h"
#include "rblkadm.h"
#include "util.h"

#define KILL_GRACE_MS	5000	/* from SIGTERM to SIGKILL */
#define STATUS_TIMEOUT	124	/* as timeout(1) */

static int handler_index(const char *event)
{
	int i;

	for (i = 0; i < __OPT_COUNT; i++)
		if (cfg_opts[i].sec == SEC_HANDLERS && !strcmp(cfg_opts[i].name, event))
			return i;
	return -1;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Run cmd with /bin/sh -c in a process group of its own. After
 * timeout_ms (0: no limit) the group gets SIGTERM, KILL_GRACE_MS later
 * SIGKILL, and the status is STATUS_TIMEOUT. Polled (every 20 ms), so no
 * signal can come between a check and the wait. A process that ignores
 * even SIGKILL (uninterruptible sleep) keeps us here: the kernel stops
 * waiting for our report at its own deadline.
 */
static int run_sh(const char *cmd, unsigned int timeout_ms, const char *what)
{
	const struct timespec tick = { 0, 20 * 1000000 };
	uint64_t t0 = now_ms(), term_at = 0;
	bool killed = false;
	int status;
	pid_t pid, r;

	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		setpgid(0, 0);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);	/* both sides: whichever runs first */
	for (;;) {
		r = waitpid(pid, &status, timeout_ms ? WNOHANG : 0);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			return -1;
		if (!timeout_ms || r < 0)
			continue;
		if (!term_at && now_ms() - t0 >= timeout_ms) {
			syslog(LOG_WARNING, "%s: still running after %u ms: SIGTERM",
			       what, timeout_ms);
			kill(-pid, SIGTERM);
			term_at = now_ms();
		} else if (term_at && !killed && now_ms() - term_at >= KILL_GRACE_MS) {
			syslog(LOG_WARNING, "%s: still running %u ms after SIGTERM: SIGKILL",
			       what, KILL_GRACE_MS);
			kill(-pid, SIGKILL);
			killed = true;
		}
		nanosleep(&tick, NULL);
	}
	if (term_at) {
		kill(-pid, SIGKILL);	/* what it left in its group */
		return STATUS_TIMEOUT;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The kernel waits for this handler's status: give it back. */
static void report(uint64_t cookie, uint32_t minor, int status, const char *event)
{
	int ret;

	if (rblk_nl_open()) {
		syslog(LOG_ERR, "%s: cannot report the status %d to rblk.ko (no netlink family)",
		       event, status);
		err("helper: cannot report the status %d to rblk.ko (no netlink family)", status);
		return;
	}
	ret = rblk_nl_helper_done(minor, cookie, status);
	if (ret) {
		/* Run by rblk.ko, stderr goes nowhere: syslog too. */
		const char *m = rblk_nl_last_msg();

		syslog(LOG_WARNING, "%s: rblk.ko did not take the status %d: %s%s%s",
		       event, status, strerror(-ret), *m ? ": " : "", m);
		err("helper: rblk.ko did not take the status %d: %s%s%s", status,
		    strerror(-ret), *m ? ": " : "", m);
	}
}

/* *cfg_minor: the resource's minor here, if the configuration has it. */
static int run_handler(struct rblk_ctx *ctx, const char *event,
		       const char *res, unsigned int env_timeout, bool waited,
		       int *cfg_minor)
{
	struct rblk_config *cfg;
	struct cfg_resource *r;
	const struct cfg_val *v;
	unsigned int timeout;
	char minor[16];
	int i, ret;

	i = handler_index(event);
	/* A fence-peer must run whatever else the configuration says. */
	if (config_load(ctx->config_path, ctx->node, CFG_LENIENT, &cfg))
		return -EXIT_CONFIG;
	r = config_find(cfg, res);
	if (!r) {
		err("helper: no resource '%s' in the configuration", res);
		config_free(cfg);
		return -EXIT_FAIL;
	}
	*cfg_minor = r->me ? r->me->minor : -1;
	v = &r->opt[i];
	if (!v->set || !v->str || !*v->str) {
		config_free(cfg);
		return EXIT_OK;
	}
	/* The kernel's, when it waits: the timeout in force there. */
	timeout = waited ? env_timeout : r->opt[OPT_HANDLER_TIMEOUT].num;
	snprintf(minor, sizeof(minor), "%d", r->me ? r->me->minor : -1);
	setenv("RBLK_RESOURCE", r->name, 1);
	setenv("RBLK_EVENT", event, 1);
	setenv("RBLK_MINOR", minor, 1);
	setenv("RBLK_PEER", r->peer ? r->peer->name : "", 1);
	syslog(LOG_NOTICE, "%s: running the %s handler: %s", r->name, event, v->str);
	ret = run_sh(v->str, timeout, event);
	if (ret == STATUS_TIMEOUT)
		syslog(LOG_WARNING, "%s: the %s handler was killed after handler-timeout (%u ms)",
		       r->name, event, timeout);
	else
		syslog(ret ? LOG_WARNING : LOG_NOTICE, "%s: the %s handler exited with %d",
		       r->name, event, ret);
	config_free(cfg);
	return ret < 0 ? -EXIT_FAIL : ret;
}

CMD(helper)
{
	const struct rblkadm_cmd *self = rblk_find_cmd("helper");
	const char *cookie_s = getenv("RBLK_HELPER_COOKIE");
	const char *timeout_s = getenv("RBLK_HELPER_TIMEOUT");
	const char *minor_s = getenv("RBLK_MINOR");
	uint64_t cookie = 0, timeout = 0, minor = 0;
	int ret, cfg_minor = -1;
	bool waited = false;

	if (argc != 3)
		return rblk_cmd_usage(self);
	if (handler_index(argv[1]) < 0) {
		err("helper: '%s' is not a handler", argv[1]);
		hint("handlers are the names of rblk.conf(5)'s handlers section, e.g. split-brain");
		return EXIT_USAGE;
	}
	if (cookie_s) {
		char *end;

		errno = 0;
		cookie = strtoull(cookie_s, &end, 16);
		waited = !errno && *cookie_s && !*end && cookie &&
			 timeout_s && parse_u64(timeout_s, 0, UINT32_MAX, &timeout) &&
			 (!minor_s || parse_u64(minor_s, 0, 255, &minor));
		if (!waited)
			err("helper: RBLK_HELPER_COOKIE, RBLK_HELPER_TIMEOUT or RBLK_MINOR malformed: not reporting");
		/* Not for the handler: it would report in our place. */
		unsetenv("RBLK_HELPER_COOKIE");
		unsetenv("RBLK_HELPER_TIMEOUT");
	}
	openlog("rblkadm", LOG_PID, LOG_DAEMON);
	ret = run_handler(ctx, argv[1], argv[2], timeout, waited, &cfg_minor);
	/* rblk.ko says which minor; the configuration's otherwise. */
	if (waited && !minor_s && cfg_minor < 0) {
		syslog(LOG_ERR, "%s: cannot report the status to rblk.ko: which minor is %s?",
		       argv[1], argv[2]);
		err("helper: cannot report the status to rblk.ko: no RBLK_MINOR and no minor for '%s' in the configuration",
		    argv[2]);
	} else if (waited) {
		report(cookie, minor_s ? minor : (uint64_t)cfg_minor,
		       ret < 0 ? EXIT_FAIL : ret, argv[1]);
	}
	closelog();
	return ret < 0 ? -ret : ret;
}
