// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Commands that act on devices the kernel already knows: status, events,
 * primary, secondary, verify, and the low-level create-device and
 * remove-device. Resources are found by name in the kernel, so none of
 * these need the configuration file (only 'verify --dry-run' reads it, to
 * print the request without a kernel).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rblk/genl.h>

#include "config.h"
#include "nl.h"
#include "plan.h"
#include "rblkadm.h"
#include "status.h"
#include "util.h"

struct dev_list {
	struct rblk_dev_info *v;
	size_t n;
};

static void collect(const struct rblk_dev_info *d, void *arg)
{
	struct dev_list *l = arg;
	struct rblk_dev_info *v = realloc(l->v, (l->n + 1) * sizeof(*v));

	if (!v)
		return;
	v[l->n++] = *d;
	l->v = v;
}

/* All devices the kernel has, in minor order; prints errors itself. */
static int list_devices(struct dev_list *l)
{
	int ret = rblk_nl_open_or_explain();

	memset(l, 0, sizeof(*l));
	if (ret)
		return ret;
	ret = rblk_nl_devices(collect, l);
	if (ret) {
		err("cannot list devices: %s", strerror(-ret));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static const struct rblk_dev_info *by_name(const struct dev_list *l,
					   const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].resource, name))
			return &l->v[i];
	return NULL;
}

static const struct rblk_dev_info *by_minor(const struct dev_list *l,
					    uint32_t minor)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].minor == minor)
			return &l->v[i];
	return NULL;
}

/* The device named @name, or NULL after saying which ones are up. */
static const struct rblk_dev_info *find_named(const struct dev_list *l,
					      const char *name)
{
	const struct rblk_dev_info *d = by_name(l, name);
	size_t i;

	if (d)
		return d;
	err("%s: no such resource is up", name);
	if (!l->n) {
		hint("no rblk device exists; bring one up with 'rblkadm up %s'", name);
		return NULL;
	}
	fputs("  hint: resources that are up:", stderr);
	for (i = 0; i < l->n; i++)
		fprintf(stderr, " %s", l->v[i].resource);
	fputc('\n', stderr);
	return NULL;
}

/*
 * Run @fn on the device named @name, or on every device for "all".
 * Returns the worst exit status.
 */
static int for_each_named(const struct dev_list *l, const char *name,
			  int (*fn)(const struct rblk_dev_info *, void *),
			  void *arg)
{
	const struct rblk_dev_info *d;
	int ret = EXIT_OK, r;
	size_t i;

	if (strcmp(name, "all")) {
		d = find_named(l, name);
		return d ? fn(d, arg) : EXIT_FAIL;
	}
	for (i = 0; i < l->n; i++) {
		r = fn(&l->v[i], arg);
		if (r > ret)
			ret = r;
	}
	return ret;
}

/* ---- status ---------------------------------------------------------- */

CMD(status)
{
	const struct rblk_dev_info *d = NULL;
	const char *name = "all";
	bool metrics = false;
	struct dev_list l;
	struct printer p;
	int ret, c;
	size_t i;
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "metrics", no_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 }
	};

	while ((c = getopt_long(argc, argv, "j", opts, NULL)) != -1) {
		if (c == 'j')
			ctx->json = true;
		else if (c == 'm')
			metrics = true;
		else
			return rblk_cmd_usage(rblk_find_cmd("status"));
	}
	if (optind < argc)
		name = argv[optind++];
	if (optind < argc)
		return rblk_cmd_usage(rblk_find_cmd("status"));
	if (metrics && ctx->json) {
		err("status: --json and --metrics are two formats: give one");
		return EXIT_USAGE;
	}
	ret = list_devices(&l);
	if (ret)
		return ret;
	if (strcmp(name, "all") && !(d = find_named(&l, name))) {
		free(l.v);
		return EXIT_FAIL;
	}
	if (metrics) {
		if (d)
			print_metrics(d, 1);
		else
			print_metrics(l.v, l.n);
		free(l.v);
		return EXIT_OK;
	}
	printer_init(&p, ctx->json);
	printer_list_begin(&p);
	for (i = 0; i < l.n; i++)
		if (!strcmp(name, "all") || !strcmp(name, l.v[i].resource))
			print_device(&p, &l.v[i]);
	printer_list_end(&p);
	free(l.v);
	return EXIT_OK;
}

/* ---- role, cstate, dstate: one word for scripts, as drbdadm's --------- */

enum one_word { W_ROLE, W_CSTATE, W_DSTATE };

/*
 * A resource of the configuration that is not up is "Unconfigured", as
 * drbdadm says (exit 0: scripts and the resource agent tell "down" from a
 * failure by the word, not by an error message); a name the configuration
 * does not have is an error.
 */
static int not_up(struct rblk_ctx *ctx, const char *name)
{
	struct cfg_resource **res;
	struct rblk_config *cfg;
	int n;

	if (config_load(ctx->config_path, ctx->node, CFG_LENIENT, &cfg))
		return EXIT_CONFIG;
	if (config_select(cfg, name, &res, &n)) {
		config_free(cfg);
		return EXIT_USAGE;
	}
	free(res);
	config_free(cfg);
	puts("Unconfigured");
	return EXIT_OK;
}

static int one_word(struct rblk_ctx *ctx, const char *cmd, enum one_word w,
		    int argc, char **argv)
{
	const struct rblk_dev_info *d;
	struct dev_list l;
	char buf[40];
	int ret;

	if (argc != 2 || argv[1][0] == '-' || !strcmp(argv[1], "all"))
		return rblk_cmd_usage(rblk_find_cmd(cmd));
	ret = list_devices(&l);
	if (ret)
		return ret;
	d = by_name(&l, argv[1]);
	if (!d) {
		free(l.v);
		return not_up(ctx, argv[1]);
	}
	if (w == W_ROLE)
		puts(roles_pair(d, buf, sizeof(buf)));
	else if (w == W_DSTATE)
		puts(disks_pair(d, buf, sizeof(buf)));
	else
		puts(conn_state_name(d->conn_state));
	free(l.v);
	return EXIT_OK;
}

CMD(role)
{
	return one_word(ctx, "role", W_ROLE, argc, argv);
}

CMD(cstate)
{
	return one_word(ctx, "cstate", W_CSTATE, argc, argv);
}

CMD(dstate)
{
	return one_word(ctx, "dstate", W_DSTATE, argc, argv);
}

/* ---- sh-udev: the environment of the udev rule ----------------------- */

/*
 * For conf/65-rblk.rules (IMPORT{program}): RBLK_RESOURCE of the device
 * with this minor, from which udev makes /dev/rblk/by-res/RES. rblk.ko
 * takes only [A-Za-z0-9_.-] in a name; "." and ".." would make no link.
 */
CMD(sh_udev)
{
	const struct rblk_dev_info *d;
	struct dev_list l;
	unsigned long minor;
	char *end;
	int ret;

	(void)ctx;
	if (argc != 2 || argv[1][0] < '0' || argv[1][0] > '9')
		return rblk_cmd_usage(rblk_find_cmd("sh-udev"));
	minor = strtoul(argv[1], &end, 10);
	if (*end || minor > UINT32_MAX)
		return rblk_cmd_usage(rblk_find_cmd("sh-udev"));
	ret = list_devices(&l);
	if (ret)
		return ret;
	d = by_minor(&l, minor);
	if (!d) {
		err("minor %lu: no such device", minor);
		free(l.v);
		return EXIT_FAIL;
	}
	if (strcmp(d->resource, ".") && strcmp(d->resource, ".."))
		printf("RBLK_RESOURCE=%s\n", d->resource);
	printf("RBLK_MINOR=%u\n", d->minor);
	free(l.v);
	return EXIT_OK;
}

/* ---- events ---------------------------------------------------------- */

static void print_event(const struct rblk_dev_info *d, void *arg)
{
	struct printer *p = arg;

	print_device_event(p, d);
	fflush(stdout);
}

CMD(events)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "now", no_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 }
	};
	struct rblk_dev_info cur;
	bool now = false;
	struct dev_list l;
	struct printer p;
	int ret, c;
	size_t i;

	while ((c = getopt_long(argc, argv, "j", opts, NULL)) != -1) {
		if (c == 'j')
			ctx->json = true;
		else if (c == 'N')
			now = true;
		else
			return rblk_cmd_usage(rblk_find_cmd("events"));
	}
	ret = rblk_nl_open_or_explain();	/* no module: say so first */
	if (ret)
		return ret;
	/* Listening before listing: nothing changes unseen in between. */
	if (!now && rblk_nl_events_subscribe()) {
		err("cannot subscribe to rblk's events");
		return EXIT_FAIL;
	}
	ret = list_devices(&l);
	if (ret)
		return ret;
	printer_init(&p, ctx->json);
	for (i = 0; i < l.n; i++) {
		cur = l.v[i];
		cur.event = 0;	/* "exists" */
		print_event(&cur, &p);
	}
	free(l.v);
	if (now)
		return EXIT_OK;
	ret = rblk_nl_events(print_event, &p);
	err("event stream ended: %s", strerror(-ret));
	return EXIT_FAIL;
}

/* ---- wait-connect, wait-sync ------------------------------------------ */

struct waiter {
	const char *name;				/* the command */
	const char *goal;				/* for "not %s after" */
	bool (*ready)(const struct rblk_dev_info *d);
	bool tty;
	uint64_t last_print_ms;
};

static bool is_connected(const struct rblk_dev_info *d)
{
	return rblk_conn_is_up(d->conn_state);
}

/*
 * Connected with no resync and no verify running (VerifyS/VerifyT), and
 * both disks UpToDate: the source reaches Connected a moment before the
 * target's STATE says it is UpToDate, and two Inconsistent disks connected
 * are not in sync either.
 */
static bool is_in_sync(const struct rblk_dev_info *d)
{
	return d->conn_state == RBLK_CONN_CONNECTED &&
	       d->disk_state == RBLK_DISK_UPTODATE &&
	       d->peer_disk_state == RBLK_DISK_UPTODATE;
}

/* The first device of @name that is not ready yet, or NULL. */
static const struct rblk_dev_info *first_waiting(const struct dev_list *l,
						 const char *name,
						 const struct waiter *w)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (strcmp(name, "all") && strcmp(name, l->v[i].resource))
			continue;
		if (!w->ready(&l->v[i]))
			return &l->v[i];
	}
	return NULL;
}

static void print_rate(uint64_t kib_s)
{
	if (kib_s >= 10240)
		printf("%.1f MiB/s", kib_s / 1024.0);
	else
		printf("%llu KiB/s", (unsigned long long)kib_s);
}

/*
 * Resync progress: a bar redrawn in place on a terminal, otherwise a plain
 * line every few seconds (logs and pipes get no control characters).
 */
static void show_progress(struct waiter *w, const struct rblk_dev_info *d,
			  uint64_t now_ms)
{
	uint64_t total = d->sync_total_kib, done = d->sync_done_kib;
	double pct = total ? 100.0 * (done > total ? total : done) / total : 0;
	uint64_t eta = total > done && d->sync_rate_kib ?
		       (total - done) / d->sync_rate_kib : 0;
	int i, width = 30, fill = (int)(pct * width / 100);

	if (!d->has_sync)
		return;
	if (!w->tty && now_ms - w->last_print_ms < 5000 && w->last_print_ms)
		return;
	w->last_print_ms = now_ms ? now_ms : 1;
	if (w->tty) {
		printf("\r%s: %s [", d->resource, conn_state_name(d->conn_state));
		for (i = 0; i < width; i++)
			putchar(i < fill ? '#' : '.');
		printf("] %5.1f%% ", pct);
	} else {
		printf("%s: %s %.1f%% (%llu of %llu KiB) ", d->resource,
		       conn_state_name(d->conn_state), pct,
		       (unsigned long long)done, (unsigned long long)total);
	}
	print_rate(d->sync_rate_kib);
	/* No rate sample yet (the first seconds): the time left is unknown. */
	if (!d->sync_rate_kib && total > done)
		printf(" eta unknown%s", w->tty ? "  " : "\n");
	else
		printf(" eta %llu:%02llu%s", (unsigned long long)eta / 60,
		       (unsigned long long)eta % 60, w->tty ? "  " : "\n");
	fflush(stdout);
}

/*
 * Poll rather than follow events: the state that counts is what status
 * reports, and polling cannot miss a change that happened before we
 * subscribed. A StandAlone device will not get there by itself: fail at
 * once with the kernel's reason.
 */
static int wait_for(struct waiter *w, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	const struct rblkadm_cmd *self = rblk_find_cmd(w->name);
	const struct rblk_dev_info *d;
	uint64_t timeout = 0, waited_ms = 0;
	struct dev_list l;
	int ret, c;

	while ((c = getopt_long(argc, argv, "t:", opts, NULL)) != -1) {
		if (c != 't' || !parse_u64(optarg, 0, 86400 * 365, &timeout)) {
			err("--timeout: give whole seconds (0 waits forever)");
			return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc)
		return rblk_cmd_usage(self);
	w->tty = isatty(STDOUT_FILENO);
	for (;;) {
		ret = list_devices(&l);
		if (ret)
			return ret;
		if (strcmp(argv[optind], "all") && !find_named(&l, argv[optind])) {
			free(l.v);
			return EXIT_FAIL;
		}
		d = first_waiting(&l, argv[optind], w);
		if (w->tty && w->last_print_ms && (!d || !d->has_sync))
			putchar('\n');
		if (!d) {
			/* After progress lines, say that it ended, not just stop. */
			if (w->last_print_ms)
				printf("%s: %s\n", argv[optind], w->goal);
			free(l.v);
			return EXIT_OK;
		}
		show_progress(w, d, waited_ms);
		if (d->conn_state == RBLK_CONN_STANDALONE ||
		    (timeout && waited_ms >= timeout * 1000)) {
			if (d->conn_state == RBLK_CONN_STANDALONE)
				err("%s: StandAlone: it is not connecting, so it will not get %s",
				    d->resource, w->goal);
			else
				err("%s: not %s after %llu s (%s, disk %s, peer-disk %s)",
				    d->resource, w->goal,
				    (unsigned long long)timeout,
				    conn_state_name(d->conn_state),
				    disk_state_name(d->disk_state),
				    disk_state_name(d->peer_disk_state));
			if (d->conn_state == RBLK_CONN_CONNECTED &&
			    d->disk_state != RBLK_DISK_UPTODATE &&
			    d->peer_disk_state != RBLK_DISK_UPTODATE)
				hint("neither disk is UpToDate: 'rblkadm invalidate-remote %s' on the node with the good data starts the initial sync",
				     d->resource);
			else if (d->last_error[0])
				hint("the last connection attempt ended with: %s",
				     d->last_error);
			else if (d->conn_state == RBLK_CONN_STANDALONE)
				hint("'rblkadm connect %s' (or 'rblkadm up %s') first",
				     d->resource, d->resource);
			free(l.v);
			return EXIT_FAIL;
		}
		free(l.v);
		usleep(100 * 1000);
		waited_ms += 100;
	}
}

CMD(wait_connect)
{
	struct waiter w = { .name = "wait-connect", .goal = "connected",
			    .ready = is_connected };

	return wait_for(&w, argc, argv);
}

CMD(wait_sync)
{
	struct waiter w = { .name = "wait-sync", .goal = "in sync",
			    .ready = is_in_sync };

	return wait_for(&w, argc, argv);
}

/* ---- primary / secondary --------------------------------------------- */

static int do_primary(const struct rblk_dev_info *d, void *arg)
{
	bool force = *(bool *)arg;
	int ret;

	ret = rblk_nl_set_role(d->minor, RBLK_ROLE_PRIMARY, force ? RBLK_F_FORCE : 0);
	if (!ret)
		return EXIT_OK;
	if (ret == -ENODATA && d->disk_state == RBLK_DISK_OUTDATED) {
		err("%s: refusing to become Primary: the local data is Outdated (by 'rblkadm outdate' or the peer's fencing): the peer may have newer data",
		    d->resource);
		hint("connect to the peer (it becomes UpToDate or resyncs); 'rblkadm primary --force %s' only if the peer's data is lost",
		     d->resource);
	} else if (ret == -ENODATA) {
		err("%s: refusing to become Primary: the local disk is %s, not UpToDate",
		    d->resource, disk_state_name(d->disk_state));
		hint("'rblkadm primary --force %s' only if you are sure this node has the best data",
		     d->resource);
	} else if (ret == -EEXIST) {
		err("%s: cannot become Primary: the peer %s is Primary", d->resource,
		    d->peer_name);
		hint("only one node may be Primary while connected: run 'rblkadm secondary %s' on %s first",
		     d->resource, d->peer_name);
	} else if (ret == -EBUSY && d->conn_state == RBLK_CONN_SYNC_TARGET) {
		err("%s: cannot become Primary: %s", d->resource,
		    rblk_nl_last_msg()[0] ? rblk_nl_last_msg() : strerror(-ret));
		hint("this node is receiving a resync; 'rblkadm wait-sync %s' first, or 'rblkadm disconnect %s' to promote it alone",
		     d->resource, d->resource);
	} else {
		err("%s: cannot become Primary: %s", d->resource,
		    rblk_nl_last_msg()[0] ? rblk_nl_last_msg() : strerror(-ret));
	}
	return EXIT_FAIL;
}

static int do_secondary(const struct rblk_dev_info *d, void *arg)
{
	int ret = rblk_nl_set_role(d->minor, RBLK_ROLE_SECONDARY, 0);

	if (!ret)
		return EXIT_OK;
	/* First: nothing else can be done about the rest while it lasts. */
	if (ret == -EBUSY && (d->susp & RBLK_SUSP_IO_FENCING)) {
		err("%s: cannot become Secondary: I/O is suspended until the peer is fenced",
		    d->resource);
		hint("'rblkadm resume-io %s' first (the held writes then complete without the peer)",
		     d->resource);
	} else if (ret == -EBUSY && d->open_count) {
		err("%s: cannot become Secondary: /dev/rblk%u is in use (%u open)",
		    d->resource, d->minor, d->open_count);
		hint("unmount filesystems on it and deactivate its volume groups ('vgchange -a n VG') first");
	} else {
		err("%s: cannot become Secondary: %s", d->resource,
		    rblk_nl_last_msg()[0] ? rblk_nl_last_msg() : strerror(-ret));
	}
	return EXIT_FAIL;
}

static int role_cmd(int argc, char **argv, bool primary)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	const struct rblkadm_cmd *self = rblk_find_cmd(argv[0]);
	bool force = false;
	struct dev_list l;
	int ret, c;

	while ((c = getopt_long(argc, argv, primary ? "f" : "", opts, NULL)) != -1) {
		if (c != 'f' || !primary)
			return rblk_cmd_usage(self);
		force = true;
	}
	if (optind + 1 != argc)
		return rblk_cmd_usage(self);
	ret = list_devices(&l);
	if (!ret)
		ret = for_each_named(&l, argv[optind],
				     primary ? do_primary : do_secondary, &force);
	free(l.v);
	return ret;
}

CMD(primary)
{
	return role_cmd(argc, argv, true);
}

CMD(secondary)
{
	return role_cmd(argc, argv, false);
}

/* ---- invalidate, invalidate-remote, pause-sync, resume-sync ---------- */

struct sync_op {
	const char *name;
	uint8_t cmd;
	uint32_t flags;
};

static const struct sync_op sync_ops[] = {
	{ "invalidate", RBLK_CMD_INVALIDATE, 0 },
	{ "invalidate-remote", RBLK_CMD_INVALIDATE, RBLK_F_REMOTE },
	{ "pause-sync", RBLK_CMD_PAUSE_SYNC, 0 },
	{ "resume-sync", RBLK_CMD_PAUSE_SYNC, RBLK_F_RESUME },
	{ "new-current-uuid", RBLK_CMD_NEW_CURRENT_UUID, 0 },
	{ "new-current-uuid --clear-bitmap", RBLK_CMD_NEW_CURRENT_UUID,
	  RBLK_F_CLEAR_BITMAP },
	{ "outdate", RBLK_CMD_OUTDATE, 0 },
	{ "resume-io", RBLK_CMD_RESUME_IO, 0 },
};

static void explain_outdate(const struct rblk_dev_info *d, int ret)
{
	if (ret == -EBUSY) {
		err("outdate %s: this node is Primary; its data is the current one",
		    d->resource);
		hint("'rblkadm secondary %s' first", d->resource);
	} else if (ret == -EISCONN) {
		err("outdate %s: connected to %s: the peer's state says whether this node's data is current",
		    d->resource, d->peer_name);
		hint("'rblkadm disconnect %s' first", d->resource);
	} else if (ret == -EALREADY) {
		err("outdate %s: the disk is Inconsistent, which already refuses a promotion",
		    d->resource);
	} else {
		err("outdate %s: %s", d->resource,
		    rblk_nl_last_msg()[0] ? rblk_nl_last_msg() : strerror(-ret));
	}
}

static void explain_sync_op(const struct sync_op *op,
			    const struct rblk_dev_info *d, int ret)
{
	if (op->cmd == RBLK_CMD_OUTDATE && ret != -ENODATA) {
		explain_outdate(d, ret);
		return;
	}
	if (op->cmd == RBLK_CMD_RESUME_IO && ret == -EALREADY) {
		err("resume-io %s: I/O is not suspended", d->resource);
		return;
	}
	if (ret == -ENODATA) {
		err("%s %s: no disk with metadata is attached", op->name, d->resource);
		hint("'rblkadm up %s' (or 'rblkadm attach %s') first", d->resource,
		     d->resource);
	} else if (ret == -EBUSY && strstr(rblk_nl_last_msg(), "without a disk")) {
		/* It serves its peer, a Primary without a disk (kmod/gen.c). */
		err("%s %s: refused: %s", op->name, d->resource, rblk_nl_last_msg());
		hint("the peer reads and writes through this node's data; make the peer Secondary first, or bring its disk back");
	} else if (ret == -EBUSY) {
		err("%s %s: this node is Primary; its own data cannot be thrown away",
		    op->name, d->resource);
		hint("'rblkadm secondary %s' first (unmount and deactivate what uses it)",
		     d->resource);
	} else if (ret == -EINPROGRESS) {
		err("%s %s: a resync or verify is running (%s)", op->name, d->resource,
		    conn_state_name(d->conn_state));
		hint("'rblkadm wait-sync %s', then try again", d->resource);
	} else if (ret == -ESTALE) {
		err("%s %s: only for two freshly created disks that are connected to each other",
		    op->name, d->resource);
		hint("both must be Inconsistent and never synced ('rblkadm create-md' on both, then 'rblkadm up'); otherwise use 'rblkadm invalidate-remote %s'",
		     d->resource);
	} else if (ret == -EEXIST) {
		err("%s %s: the peer is Primary: its data is the current one and cannot be thrown away",
		    op->name, d->resource);
		hint("to replace the peer's data with this node's, make the peer Secondary first");
	} else if (ret == -EALREADY) {
		err("%s %s: the resync is already %s", op->name, d->resource,
		    op->flags ? "running (not paused)" : "paused");
	} else {
		err("%s %s: %s", op->name, d->resource,
		    rblk_nl_last_msg()[0] ? rblk_nl_last_msg() : strerror(-ret));
	}
}

static int do_sync_op(const struct rblk_dev_info *d, void *arg)
{
	const struct sync_op *op = arg;
	int ret = rblk_nl_minor_flags_cmd(op->cmd, d->minor, op->flags);

	if (ret) {
		explain_sync_op(op, d, ret);
		return EXIT_FAIL;
	}
	if (op->cmd == RBLK_CMD_NEW_CURRENT_UUID && op->flags)
		printf("%s: both disks are one generation now: UpToDate, no initial resync\n",
		       d->resource);
	if (op->cmd == RBLK_CMD_OUTDATE)
		printf("%s: the local data is Outdated: 'primary' needs --force until a connect or resync makes it UpToDate\n",
		       d->resource);
	if (op->cmd == RBLK_CMD_RESUME_IO)
		/* A fenced peer would have ended the suspension already. */
		printf("%s: I/O resumed without a fenced peer: if the peer is promoted too, that is a split brain\n",
		       d->resource);
	if (op->cmd == RBLK_CMD_INVALIDATE)
		printf("%s: %s\n", d->resource, op->flags ?
		       "the peer's data is invalid: a full resync to it follows once connected" :
		       "the local data is invalid: a full resync from the peer follows once connected");
	return EXIT_OK;
}

static int sync_op_cmd(const char *name, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "clear-bitmap", no_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 }
	};
	const struct rblkadm_cmd *self = rblk_find_cmd(name);
	const struct sync_op *op = NULL;
	bool clear = false;
	char full[64];
	struct dev_list l;
	size_t i;
	int ret, c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'c' || strcmp(name, "new-current-uuid"))
			return rblk_cmd_usage(self);
		clear = true;
	}
	if (optind + 1 != argc)
		return rblk_cmd_usage(self);
	snprintf(full, sizeof(full), "%s%s", name, clear ? " --clear-bitmap" : "");
	for (i = 0; i < ARRAY_SIZE(sync_ops); i++)
		if (!strcmp(sync_ops[i].name, full))
			op = &sync_ops[i];
	ret = list_devices(&l);
	if (!ret)
		ret = for_each_named(&l, argv[optind], do_sync_op, (void *)op);
	free(l.v);
	return ret;
}

CMD(invalidate)
{
	return sync_op_cmd("invalidate", argc, argv);
}

CMD(invalidate_remote)
{
	return sync_op_cmd("invalidate-remote", argc, argv);
}

CMD(outdate)
{
	return sync_op_cmd("outdate", argc, argv);
}

CMD(resume_io)
{
	return sync_op_cmd("resume-io", argc, argv);
}

CMD(pause_sync)
{
	return sync_op_cmd("pause-sync", argc, argv);
}

CMD(resume_sync)
{
	return sync_op_cmd("resume-sync", argc, argv);
}

CMD(new_current_uuid)
{
	return sync_op_cmd("new-current-uuid", argc, argv);
}

/* ---- verify ------------------------------------------------------------ */

struct verify_args {
	uint64_t start, stop;		/* UINT64_MAX: not given */
	uint32_t flags;			/* enum rblk_verify_flags */
	bool wait;
	struct waiter w;		/* progress while --wait */
};

/* A verify has not started on the peer's side yet: give it this long. */
#define VERIFY_START_MS 10000

static void explain_verify(const struct rblk_dev_info *d, int ret)
{
	if (ret == -ENOTCONN) {
		err("verify %s: not connected to the peer (%s)", d->resource,
		    conn_state_name(d->conn_state));
		hint("connect first: rblkadm connect %s", d->resource);
	} else if (ret == -EBUSY) {
		err("verify %s: a resync or verify is running (%s)", d->resource,
		    conn_state_name(d->conn_state));
		hint("'rblkadm wait-sync %s', then try again", d->resource);
	} else if (ret == -ENOPROTOOPT) {
		err("verify %s: the connection has no verify-alg", d->resource);
		hint("set net { verify-alg sha256; } in the configuration and run 'rblkadm adjust %s'",
		     d->resource);
	} else if (ret == -ENODATA) {
		err("verify %s: no disk with metadata is attached", d->resource);
		hint("'rblkadm attach %s' first", d->resource);
	} else {
		err("verify %s: %s", d->resource, strerror(-ret));
		if (rblk_nl_last_msg()[0])
			hint("the kernel says: %s", rblk_nl_last_msg());
	}
}

static bool same_result(const struct rblk_dev_info *a, const struct rblk_dev_info *b)
{
	return a->has_verify == b->has_verify &&
	       a->verify_checked_kib == b->verify_checked_kib &&
	       a->verify_diff_kib == b->verify_diff_kib &&
	       a->verify_start == b->verify_start && a->verify_pos == b->verify_pos &&
	       a->verify_elapsed_ms == b->verify_elapsed_ms &&
	       a->verify_stopped == b->verify_stopped;
}

/* The exit status of a finished verify, after printing its result. */
static int verify_result(const struct rblk_dev_info *d, bool repair)
{
	char sum[256];

	verify_summary(d, sum, sizeof(sum));
	printf("%s: verify: %s\n", d->resource, sum);
	if (d->verify_diff_kib) {
		if (repair)
			printf("%s: they are being resynced now; 'rblkadm wait-sync %s' waits\n",
			       d->resource, d->resource);
		else
			printf("%s: they are marked out of sync; 'rblkadm disconnect %s' and 'rblkadm connect %s' resync them\n",
			       d->resource, d->resource, d->resource);
		return EXIT_VERIFY_DIFF;
	}
	if (d->verify_stopped) {
		err("%s: the verify stopped before the end", d->resource);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/*
 * --wait: until the verify has come and gone. It may start a moment later
 * (a Secondary asks its Primary to lead), so "not running yet" only ends
 * the wait once the last result has changed or VERIFY_START_MS passed.
 */
static int wait_verify(struct verify_args *va, const struct rblk_dev_info *before)
{
	const struct rblk_dev_info *d;
	uint64_t waited_ms = 0;
	bool seen = false, running;
	struct dev_list l;
	int ret;

	va->w.tty = isatty(STDOUT_FILENO);
	for (;; usleep(100 * 1000), waited_ms += 100) {
		ret = list_devices(&l);
		if (ret)
			return ret;
		d = by_name(&l, before->resource);
		if (!d) {
			err("%s: the device went away during the verify", before->resource);
			free(l.v);
			return EXIT_FAIL;
		}
		running = d->has_sync && d->sync_verify;
		if (running) {
			seen = true;
			show_progress(&va->w, d, waited_ms);
			free(l.v);
			continue;
		}
		if (va->w.tty && va->w.last_print_ms)
			putchar('\n');
		if (seen || !same_result(d, before)) {
			ret = d->has_verify ?
			      verify_result(d, va->flags & RBLK_F_VERIFY_REPAIR) : EXIT_FAIL;
			if (!d->has_verify)
				err("%s: the verify ended without a result", d->resource);
		} else if (!rblk_conn_is_up(d->conn_state)) {
			err("%s: the connection was lost (%s) before the verify ran",
			    d->resource, conn_state_name(d->conn_state));
			ret = EXIT_FAIL;
		} else if (waited_ms >= VERIFY_START_MS) {
			err("%s: the verify did not start within %d s", d->resource,
			    VERIFY_START_MS / 1000);
			hint("'rblkadm status %s' shows what the node is doing", d->resource);
			ret = EXIT_FAIL;
		} else {
			free(l.v);
			continue;
		}
		free(l.v);
		return ret;
	}
}

/* The range must lie on the device; the kernel would only say EINVAL. */
static int check_range(const struct rblk_dev_info *d, const struct verify_args *va)
{
	const char *opt = NULL;
	uint64_t v = 0;

	if (va->stop != UINT64_MAX && va->stop > d->size_sectors)
		opt = "--stop", v = va->stop;
	else if (va->start != UINT64_MAX && va->start >= d->size_sectors)
		opt = "--start", v = va->start;
	if (!opt)
		return 0;
	err("verify %s: %s %llu is beyond the end of the device (%llu sectors)",
	    d->resource, opt, (unsigned long long)v,
	    (unsigned long long)d->size_sectors);
	hint("sectors are 512 bytes; 'rblkadm status %s' shows size-kib", d->resource);
	return -1;
}

static int do_verify(const struct rblk_dev_info *d, void *arg)
{
	struct verify_args *va = arg;
	int ret;

	if (check_range(d, va))
		return EXIT_USAGE;
	ret = rblk_nl_verify(d->minor, va->start, va->stop, va->flags);
	if (ret) {
		explain_verify(d, ret);
		return EXIT_FAIL;
	}
	if (va->wait)
		return wait_verify(va, d);
	printf("%s: verify started; 'rblkadm status %s' shows progress, 'rblkadm wait-sync %s' waits for it\n",
	       d->resource, d->resource, d->resource);
	return EXIT_OK;
}

/* --dry-run: the request for each resource of the configuration, no kernel. */
static int dry_run_verify(struct rblk_ctx *ctx, const char *name,
			  const struct verify_args *va)
{
	struct cfg_resource **res;
	struct rblk_config *cfg;
	struct plan_step *s;
	struct plan p;
	int i, n;

	if (config_load(ctx->config_path, ctx->node, 0, &cfg))
		return EXIT_CONFIG;
	if (config_select(cfg, name, &res, &n)) {
		config_free(cfg);
		return EXIT_USAGE;
	}
	plan_init(&p);
	for (i = 0; i < n; i++) {
		s = plan_add(&p, "verify");
		plan_attr(s, "minor", "%d", res[i]->me->minor);
		if (va->start != UINT64_MAX)
			plan_attr(s, "start", "%llu", (unsigned long long)va->start);
		if (va->stop != UINT64_MAX)
			plan_attr(s, "stop", "%llu", (unsigned long long)va->stop);
		if (va->flags & RBLK_F_VERIFY_REPAIR)
			plan_attr(s, "repair", "yes");
	}
	plan_print(stdout, &p);
	plan_free(&p);
	free(res);
	config_free(cfg);
	return EXIT_OK;
}

static int parse_sector(const char *opt, const char *s, uint64_t *out)
{
	if (parse_u64(s, 0, UINT64_MAX - 1, out))
		return 0;
	err("%s: '%s' is not a sector number", opt, s);
	hint("give a 512-byte sector, e.g. the one 'rblkadm status' shows as last-verify-pos");
	return EXIT_USAGE;
}

CMD(verify)
{
	static const struct option opts[] = {
		{ "start", required_argument, NULL, 's' },
		{ "stop", required_argument, NULL, 'e' },
		{ "repair", no_argument, NULL, 'r' },
		{ "wait", no_argument, NULL, 'w' },
		{ "dry-run", no_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	struct verify_args va = { .start = UINT64_MAX, .stop = UINT64_MAX,
				  .w = { .name = "verify" } };
	struct dev_list l;
	int ret, c;

	while ((c = getopt_long(argc, argv, "d", opts, NULL)) != -1) {
		ret = 0;
		if (c == 's')
			ret = parse_sector("--start", optarg, &va.start);
		else if (c == 'e')
			ret = parse_sector("--stop", optarg, &va.stop);
		else if (c == 'r')
			va.flags |= RBLK_F_VERIFY_REPAIR;
		else if (c == 'w')
			va.wait = true;
		else if (c == 'd')
			ctx->dry_run = true;
		else
			return rblk_cmd_usage(rblk_find_cmd("verify"));
		if (ret)
			return ret;
	}
	if (optind + 1 != argc)
		return rblk_cmd_usage(rblk_find_cmd("verify"));
	if (va.start != UINT64_MAX && va.stop != UINT64_MAX && va.start >= va.stop) {
		err("verify: --start %llu is not before --stop %llu",
		    (unsigned long long)va.start, (unsigned long long)va.stop);
		hint("--stop is exclusive: the verify covers sectors start..stop-1");
		return EXIT_USAGE;
	}
	if (ctx->dry_run)
		return dry_run_verify(ctx, argv[optind], &va);
	ret = list_devices(&l);
	if (!ret)
		ret = for_each_named(&l, argv[optind], do_verify, &va);
	free(l.v);
	return ret;
}

/* ---- create-device / remove-device ----------------------------------- */

static int check_disk(const char *disk)
{
	struct stat st;

	if (stat(disk, &st)) {
		err("%s: %s", disk, strerror(errno));
		hint("give the path of an existing block device, e.g. /dev/vdb or /dev/VG/LV");
		return EXIT_FAIL;
	}
	if (!S_ISBLK(st.st_mode)) {
		err("%s: not a block device", disk);
		hint("for a regular file, make it a loop device first: losetup -f --show %s",
		     disk);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static void explain_create_error(int ret, uint32_t minor, const char *res,
				 const char *disk, const struct dev_list *l)
{
	const struct rblk_dev_info *d;

	if (ret == -EEXIST && (d = by_minor(l, minor))) {
		err("minor %u is in use: /dev/rblk%u belongs to resource '%s'",
		    minor, minor, d->resource);
		hint("pick another minor, or 'rblkadm remove-device %s' first", d->resource);
	} else if (ret == -EEXIST) {
		err("resource '%s' is already up", res);
		hint("'rblkadm status %s' shows it", res);
	} else if (ret == -EBUSY) {
		err("%s is in use (mounted, or claimed by LVM, md, dm or another rblk device)",
		    disk);
		hint("'lsblk %s' shows what holds it", disk);
	} else {
		err("cannot create /dev/rblk%u over %s: %s", minor, disk, strerror(-ret));
	}
}

CMD(create_device)
{
	static const struct option opts[] = {
		{ "minor", required_argument, NULL, 'm' },
		{ "disk", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	const struct rblkadm_cmd *self = rblk_find_cmd("create-device");
	const char *disk = NULL, *res;
	uint64_t minor = UINT64_MAX;
	struct dev_list l;
	int ret, c;

	while ((c = getopt_long(argc, argv, "m:d:", opts, NULL)) != -1) {
		if (c == 'm' && !parse_u64(optarg, 0, RBLK_MINOR_MAX, &minor)) {
			err("--minor: '%s' is not a number from 0 to %d", optarg,
			    RBLK_MINOR_MAX);
			return EXIT_USAGE;
		} else if (c == 'd') {
			disk = optarg;
		} else if (c != 'm') {
			return rblk_cmd_usage(self);
		}
	}
	if (optind + 1 != argc || !disk || minor == UINT64_MAX)
		return rblk_cmd_usage(self);
	res = argv[optind];
	if (!valid_resource_name(res)) {
		err("'%s' is not a valid resource name", res);
		hint("use letters, digits, '_', '-' and '.', at most %d characters",
		     RBLK_RESOURCE_NAME_MAX - 1);
		return EXIT_USAGE;
	}
	if (check_disk(disk))
		return EXIT_FAIL;
	ret = list_devices(&l);
	if (ret)
		return ret;
	ret = rblk_nl_new_device(minor, res, disk);
	if (ret)
		explain_create_error(ret, minor, res, disk, &l);
	free(l.v);
	return ret ? EXIT_FAIL : EXIT_OK;
}

static int do_remove(const struct rblk_dev_info *d, void *arg)
{
	int ret = rblk_nl_minor_cmd(RBLK_CMD_DEL_DEVICE, d->minor);

	if (!ret)
		return EXIT_OK;
	if (ret == -EBUSY) {
		err("%s: cannot remove /dev/rblk%u: it is in use (mounted, or held by LVM or another opener)",
		    d->resource, d->minor);
		hint("unmount it and deactivate volume groups on it first; 'ls /sys/block/rblk%u/holders' lists holders",
		     d->minor);
	} else {
		err("%s: cannot remove /dev/rblk%u: %s", d->resource, d->minor,
		    strerror(-ret));
	}
	return EXIT_FAIL;
}

CMD(remove_device)
{
	const struct rblk_dev_info *d;
	struct dev_list l;
	uint64_t minor;
	int ret;

	if (argc != 2)
		return rblk_cmd_usage(rblk_find_cmd("remove-device"));
	ret = list_devices(&l);
	if (ret)
		return ret;
	if (parse_u64(argv[1], 0, RBLK_MINOR_MAX, &minor)) {
		d = by_minor(&l, minor);
		if (d)
			ret = do_remove(d, NULL);
		else {
			err("/dev/rblk%s does not exist", argv[1]);
			ret = EXIT_FAIL;
		}
	} else {
		ret = for_each_named(&l, argv[1], do_remove, NULL);
	}
	free(l.v);
	return ret;
}
