// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Subcommands driven by the configuration: dump, and the ones that turn a
 * resource into a plan of netlink steps (up, down, adjust, attach, detach,
 * connect, disconnect). With --dry-run they print the plan and change
 * nothing; adjust then takes the running state from $RBLK_DRY_RUN_STATE,
 * else from the kernel if rblk.ko is loaded (only read), else none.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rblk/state.h>

#include "config.h"
#include "nl.h"
#include "plan.h"
#include "rblkadm.h"
#include "util.h"

/* Options a subcommand may accept. */
#define A_DISCARD	(1U << 0)	/* --discard-my-data */
#define A_DEFAULTS	(1U << 1)	/* --defaults */
#define A_RES_OPTIONAL	(1U << 2)	/* RES may be left out (= all) */
#define A_LENIENT	(1U << 3)	/* takes down: refused options warn (CFG_LENIENT) */

struct args {
	unsigned int flags;
	const char *res;
};

static int parse_args(struct rblk_ctx *ctx, int argc, char **argv,
		      unsigned int allowed, struct args *a)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'd' },
		{ "discard-my-data", no_argument, NULL, 'D' },
		{ "defaults", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	const struct rblkadm_cmd *cmd = rblk_find_cmd(argv[0]);
	int c;

	memset(a, 0, sizeof(*a));
	while ((c = getopt_long(argc, argv, "d", opts, NULL)) != -1) {
		if (c == 'd')
			ctx->dry_run = true;
		else if (c == 'D' && (allowed & A_DISCARD))
			a->flags |= A_DISCARD;
		else if (c == 'a' && (allowed & A_DEFAULTS))
			a->flags |= A_DEFAULTS;
		else
			return rblk_cmd_usage(cmd);
	}
	if (allowed & A_LENIENT)
		a->flags |= A_LENIENT;
	if (optind == argc && (allowed & A_RES_OPTIONAL)) {
		a->res = "all";
		return 0;
	}
	if (optind + 1 != argc)
		return rblk_cmd_usage(cmd);
	a->res = argv[optind];
	return 0;
}

/* Load the configuration and pick the resources named by a->res. */
static int load(struct rblk_ctx *ctx, const struct args *a,
		struct rblk_config **cfg, struct cfg_resource ***res, int *n)
{
	if (config_load(ctx->config_path, ctx->node,
			(a->flags & A_LENIENT) && !ctx->dry_run ? CFG_LENIENT : 0, cfg))
		return EXIT_CONFIG;
	if (config_select(*cfg, a->res, res, n)) {
		config_free(*cfg);
		return EXIT_USAGE;
	}
	return 0;
}

CMD(dump)
{
	struct cfg_resource **res;
	struct rblk_config *cfg;
	struct args a;
	int ret, n;

	ret = parse_args(ctx, argc, argv, A_DEFAULTS | A_RES_OPTIONAL, &a);
	if (ret)
		return ret;
	ret = load(ctx, &a, &cfg, &res, &n);
	if (ret)
		return ret;
	config_dump(stdout, cfg, strcmp(a.res, "all") ? res[0] : NULL,
		    a.flags & A_DEFAULTS);
	free(res);
	config_free(cfg);
	return EXIT_OK;
}

static int execute(struct rblk_ctx *ctx, struct plan *p)
{
	int ret = plan_execute(ctx, p);

	plan_free(p);
	if (ret == -ENOSYS)
		return EXIT_NO_MODULE;
	return ret ? EXIT_FAIL : EXIT_OK;
}

typedef int (*build_fn)(struct plan *p, const struct cfg_resource *r,
			const struct args *a, const struct plan *running);

/* Build one plan for all selected resources, then execute it. */
static int run_plan(struct rblk_ctx *ctx, int argc, char **argv,
		    unsigned int allowed, build_fn build, const struct plan *running)
{
	struct cfg_resource **res;
	struct rblk_config *cfg;
	struct plan p;
	struct args a;
	int ret, i, n;

	ret = parse_args(ctx, argc, argv, allowed, &a);
	if (ret)
		return ret;
	ret = load(ctx, &a, &cfg, &res, &n);
	if (ret)
		return ret;
	plan_init(&p);
	for (i = 0; i < n && !ret; i++)
		ret = build(&p, res[i], &a, running);
	free(res);
	config_free(cfg);
	if (ret) {
		plan_free(&p);
		return EXIT_FAIL;
	}
	return execute(ctx, &p);
}

static int build_up(struct plan *p, const struct cfg_resource *r,
		    const struct args *a, const struct plan *running)
{
	plan_up(p, r);
	return 0;
}

static int build_down(struct plan *p, const struct cfg_resource *r,
		      const struct args *a, const struct plan *running)
{
	plan_down(p, r);
	return 0;
}

/*
 * The kernel attaches only without a connection (a disk must meet the
 * peer in a handshake before either trusts it): a connected resource
 * (a disk that failed, kmod/ioerr.c) is disconnected, attached and
 * connected again. Not a Primary's: served by its peer without a disk,
 * it would lose its I/O with the connection. Its disk comes in on the
 * connection, as the target of a full resync from that peer
 * (kmod/resync.c, "A Primary's new disk"), which the kernel allows only
 * while the peer serves it (include/rblk/state.h, rule 3).
 */
/* Primaries that take a disk in this attach: said once it is done. */
static struct {
	char name[RBLK_RESOURCE_NAME_MAX], peer[64];
} primary_attach[8];
static unsigned int n_primary_attach;

static void note_primary(const char *name, const char *peer)
{
	if (n_primary_attach >= sizeof(primary_attach) / sizeof(primary_attach[0]))
		return;
	snprintf(primary_attach[n_primary_attach].name,
		 sizeof(primary_attach[0].name), "%s", name);
	snprintf(primary_attach[n_primary_attach].peer,
		 sizeof(primary_attach[0].peer), "%s", peer);
	n_primary_attach++;
}

static int build_attach(struct plan *p, const struct cfg_resource *r,
			const struct args *a, const struct plan *running)
{
	bool connected = running &&
			 plan_find(running, "connect", r->me->minor);
	static struct rblk_dev_info d;

	if (running && !rblk_nl_device(r->me->minor, &d)) {
		if (d.disk_state > RBLK_DISK_FAILED) {
			err("attach: %s has a disk attached already (%s, %s)", r->name,
			    d.backing_dev[0] ? d.backing_dev : "?",
			    rblk_disk_name(d.disk_state));
			hint("'rblkadm detach %s' first to change it", r->name);
			return -EEXIST;
		}
		if (d.role == RBLK_ROLE_PRIMARY) {
			if (d.conn_state != RBLK_CONN_CONNECTED ||
			    d.peer_disk_state != RBLK_DISK_UPTODATE) {
				err("attach: %s is Primary and no UpToDate peer serves it: its disk comes back only from such a peer's resync", r->name);
				hint("connect the peer and wait for it to be UpToDate, or stop what uses /dev/rblk%u, run 'rblkadm secondary %s', then 'rblkadm attach %s'",
				     r->me->minor, r->name, r->name);
				return -EBUSY;
			}
			plan_disk_options_change(p, r, running);
			plan_attach(p, r);
			note_primary(r->name, d.peer_name);
			return 0;
		}
	}
	/* First: a module that refuses it leaves the connection alone. */
	plan_disk_options_change(p, r, running);
	if (connected)
		plan_minor_only(p, "disconnect", r);
	plan_attach(p, r);
	if (connected) {
		plan_net(p, r);
		plan_connect(p, r, false);
	}
	return 0;
}

static int build_detach(struct plan *p, const struct cfg_resource *r,
			const struct args *a, const struct plan *running)
{
	plan_minor_only(p, "detach", r);
	return 0;
}

static int build_connect(struct plan *p, const struct cfg_resource *r,
			 const struct args *a, const struct plan *running)
{
	plan_net(p, r);
	plan_connect(p, r, a->flags & A_DISCARD);
	return 0;
}

static int build_disconnect(struct plan *p, const struct cfg_resource *r,
			    const struct args *a, const struct plan *running)
{
	plan_minor_only(p, "disconnect", r);
	return 0;
}

static int build_adjust(struct plan *p, const struct cfg_resource *r,
			const struct args *a, const struct plan *running)
{
	return plan_adjust(p, r, running);
}

CMD(up)
{
	return run_plan(ctx, argc, argv, 0, build_up, NULL);
}

CMD(down)
{
	return run_plan(ctx, argc, argv, A_LENIENT, build_down, NULL);
}

static int running_state(struct rblk_ctx *ctx, int argc, char **argv,
			 struct plan *running);

CMD(attach)
{
	struct plan running;
	int ret;

	ret = running_state(ctx, argc, argv, &running);
	if (ret)
		return ret;
	ret = run_plan(ctx, argc, argv, 0, build_attach, &running);
	plan_free(&running);
	/* A Primary's disk: what follows, and how to wait for it. */
	for (unsigned int i = 0; !ret && !ctx->dry_run && i < n_primary_attach; i++)
		printf("attach: %s is Primary: its new disk is resynced in full from %s while it serves; 'rblkadm wait-sync %s' waits for UpToDate\n",
		       primary_attach[i].name, primary_attach[i].peer,
		       primary_attach[i].name);
	return ret;
}

CMD(detach)
{
	return run_plan(ctx, argc, argv, A_LENIENT, build_detach, NULL);
}

CMD(connect)
{
	return run_plan(ctx, argc, argv, A_DISCARD, build_connect, NULL);
}

CMD(disconnect)
{
	return run_plan(ctx, argc, argv, A_LENIENT, build_disconnect, NULL);
}

static int kernel_state(struct plan *out);

/*
 * Running state for a dry run: a file in plan format; without one what
 * the kernel reports (as drbdadm -d adjust shows what adjust would do),
 * or nothing if rblk.ko is not loaded.
 */
static int dry_run_state(struct plan *out)
{
	const char *path = getenv("RBLK_DRY_RUN_STATE");
	char *text;
	size_t len;
	FILE *f;
	int ret;

	plan_init(out);
	if (!path || !*path)
		return rblk_nl_open() ? 0 : kernel_state(out);
	f = fopen(path, "r");
	if (!f) {
		err("cannot read RBLK_DRY_RUN_STATE '%s': %s", path, strerror(errno));
		return -1;
	}
	text = xcalloc(1, 1 << 20);
	len = fread(text, 1, (1 << 20) - 1, f);
	text[len] = 0;
	fclose(f);
	ret = plan_parse(path, text, out);
	free(text);
	return ret;
}

static void collect(const struct rblk_dev_info *d, void *arg)
{
	plan_from_devices(arg, d, 1);
}

static int kernel_state(struct plan *out)
{
	int ret;

	plan_init(out);
	ret = rblk_nl_open_or_explain();
	if (ret)
		return ret;
	ret = rblk_nl_devices(collect, out);
	if (ret) {
		err("cannot list devices: %s", strerror(-ret));
		return EXIT_FAIL;
	}
	return 0;
}

/* What runs now: the kernel's devices, or a dry run's stand-in. */
static int running_state(struct rblk_ctx *ctx, int argc, char **argv,
			 struct plan *running)
{
	int i;

	/* -d may come after the subcommand: look before loading the state */
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-d") || !strcmp(argv[i], "--dry-run"))
			ctx->dry_run = true;
	if (ctx->dry_run)
		return dry_run_state(running) ? EXIT_FAIL : 0;
	return kernel_state(running);
}

CMD(adjust)
{
	struct plan running;
	int ret;

	ret = running_state(ctx, argc, argv, &running);
	if (ret)
		return ret;
	ret = run_plan(ctx, argc, argv, 0, build_adjust, &running);
	plan_free(&running);
	return ret;
}
