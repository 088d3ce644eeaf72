// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * rblkadm helper EVENT RES: what rblk.ko runs (module parameter
 * usermode_helper) when an event happens that the configuration may act
 * on: split-brain, before-resync-target (a resync to this node is about
 * to start), after-resync-target, out-of-sync (a verify found blocks
 * that differ), fence-peer (a Primary lost its peer) and unfence-peer (a
 * Primary resynced its peer), those two only when disk { fencing } is not
 * dont-care. It runs the handler of that name
 * from the resource's handlers { } with "sh -c", with RBLK_RESOURCE,
 * RBLK_EVENT, RBLK_MINOR and RBLK_PEER set, logs it to syslog, and exits
 * with the command's status (0 when no handler is configured).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "config.h"
#include "rblkadm.h"
#include "util.h"

static int handler_index(const char *event)
{
	int i;

	for (i = 0; i < __OPT_COUNT; i++)
		if (cfg_opts[i].sec == SEC_HANDLERS && !strcmp(cfg_opts[i].name, event))
			return i;
	return -1;
}

static int run_sh(const char *cmd)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

CMD(helper)
{
	const struct rblkadm_cmd *self = rblk_find_cmd("helper");
	struct rblk_config *cfg;
	struct cfg_resource *r;
	const struct cfg_val *v;
	char minor[16];
	int i, ret;

	if (argc != 3)
		return rblk_cmd_usage(self);
	i = handler_index(argv[1]);
	if (i < 0) {
		err("helper: '%s' is not a handler", argv[1]);
		hint("handlers are the names of rblk.conf(5)'s handlers section, e.g. split-brain");
		return EXIT_USAGE;
	}
	if (config_load(ctx->config_path, ctx->node, 0, &cfg))
		return EXIT_CONFIG;
	r = config_find(cfg, argv[2]);
	if (!r) {
		err("helper: no resource '%s' in the configuration", argv[2]);
		config_free(cfg);
		return EXIT_FAIL;
	}
	v = &r->opt[i];
	/* Fencing is the fencing policy's business, not only the handler's. */
	if ((i == OPT_H_FENCE_PEER || i == OPT_H_UNFENCE_PEER) &&
	    r->opt[OPT_FENCING].num == 0) {
		config_free(cfg);
		return EXIT_OK;
	}
	if (!v->set || !v->str || !*v->str) {
		config_free(cfg);
		return EXIT_OK;
	}
	snprintf(minor, sizeof(minor), "%d", r->me ? r->me->minor : -1);
	setenv("RBLK_RESOURCE", r->name, 1);
	setenv("RBLK_EVENT", argv[1], 1);
	setenv("RBLK_MINOR", minor, 1);
	setenv("RBLK_PEER", r->peer ? r->peer->name : "", 1);
	openlog("rblkadm", LOG_PID, LOG_DAEMON);
	syslog(LOG_NOTICE, "%s: running the %s handler: %s", r->name, argv[1], v->str);
	ret = run_sh(v->str);
	syslog(ret ? LOG_WARNING : LOG_NOTICE, "%s: the %s handler exited with %d",
	       r->name, argv[1], ret);
	closelog();
	config_free(cfg);
	return ret < 0 ? EXIT_FAIL : ret;
}
