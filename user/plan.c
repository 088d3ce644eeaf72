// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Plans (see plan.h): building, printing, parsing and executing them, and
 * the builders that turn a configured resource into steps.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rblk/auth.h>

#include "config.h"
#include "net_opts.h"
#include "nl.h"
#include "plan.h"
#include "util.h"

void plan_init(struct plan *p)
{
	memset(p, 0, sizeof(*p));
}

void plan_free(struct plan *p)
{
	int i, j;

	for (i = 0; i < p->nsteps; i++) {
		free((char *)p->steps[i].cmd);
		for (j = 0; j < p->steps[i].nattrs; j++) {
			char *v = (char *)p->steps[i].attrs[j].value;

			if (!strcmp(p->steps[i].attrs[j].key, "shared-secret"))
				explicit_bzero(v, strlen(v));
			free((char *)p->steps[i].attrs[j].key);
			free(v);
		}
	}
	free(p->steps);
	plan_init(p);
}

struct plan_step *plan_add(struct plan *p, const char *cmd)
{
	struct plan_step *s;

	if (p->nsteps == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 8;
		p->steps = realloc(p->steps, p->cap * sizeof(*p->steps));
		if (!p->steps) {
			err("out of memory");
			exit(EXIT_FAIL);
		}
	}
	s = &p->steps[p->nsteps++];
	memset(s, 0, sizeof(*s));
	s->cmd = xstrdup(cmd);
	return s;
}

void plan_attr(struct plan_step *s, const char *key, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	if (s->nattrs >= PLAN_MAX_ATTRS) {
		err("internal error: too many attributes for '%s'", s->cmd);
		exit(EXIT_FAIL);
	}
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	s->attrs[s->nattrs].key = xstrdup(key);
	s->attrs[s->nattrs].value = xstrdup(buf);
	s->nattrs++;
	explicit_bzero(buf, sizeof(buf));	/* it may have held the secret */
}

const char *plan_get(const struct plan_step *s, const char *key)
{
	int i;

	for (i = 0; i < s->nattrs; i++)
		if (!strcmp(s->attrs[i].key, key))
			return s->attrs[i].value;
	return NULL;
}

const struct plan_step *plan_find(const struct plan *p, const char *cmd,
				  unsigned int minor)
{
	const char *m;
	char want[16];
	int i;

	snprintf(want, sizeof(want), "%u", minor);
	for (i = 0; i < p->nsteps; i++) {
		m = plan_get(&p->steps[i], "minor");
		if (!strcmp(p->steps[i].cmd, cmd) && m && !strcmp(m, want))
			return &p->steps[i];
	}
	return NULL;
}

/* ---- text form ---- */

static void print_value(FILE *f, const char *v)
{
	const char *c;

	if (*v && !strpbrk(v, " \t\n\"\\=#"))
		goto plain;
	fputc('"', f);
	for (c = v; *c; c++) {
		if (*c == '\n') {
			fputs("\\n", f);
			continue;
		}
		if (*c == '"' || *c == '\\')
			fputc('\\', f);
		fputc(*c, f);
	}
	fputc('"', f);
	return;
plain:
	fputs(v, f);
}

/*
 * A plan carries the shared secret to the kernel but never shows it, nor
 * its identifier (which would let a reader test guesses): shared-secret=<set>.
 */
void plan_print_step(FILE *f, const struct plan_step *s)
{
	const char *k;
	int i;

	fputs(s->cmd, f);
	for (i = 0; i < s->nattrs; i++) {
		k = s->attrs[i].key;
		if (!strcmp(k, "secret-id"))
			continue;
		fprintf(f, " %s=", k);
		print_value(f, strcmp(k, "shared-secret") ? s->attrs[i].value : "<set>");
	}
	fputc('\n', f);
}

void plan_print(FILE *f, const struct plan *p)
{
	int i;

	for (i = 0; i < p->nsteps; i++)
		plan_print_step(f, &p->steps[i]);
}

/* One token of a plan line: a word, or key="quoted value". */
static int scan_token(const char **pp, char *out, size_t len)
{
	const char *p = *pp;
	size_t n = 0;
	bool quoted = false;

	for (; *p && *p != '\n' && (quoted || (*p != ' ' && *p != '\t')); p++) {
		if (*p == '"') {
			quoted = !quoted;
			continue;
		}
		if (quoted && *p == '\\' && p[1] && p[1] != '\n') {
			p++;
			if (*p == 'n') {
				out[n++] = '\n';
				if (n >= len)
					return -1;
				continue;
			}
		}
		out[n++] = *p;
		if (n >= len)
			return -1;
	}
	out[n] = 0;
	*pp = p;
	return quoted ? -1 : 0;
}

static int parse_line(struct plan *out, const char **pp)
{
	char tok[2048], *eq;
	struct plan_step *s = NULL;

	for (;;) {
		while (**pp == ' ' || **pp == '\t')
			(*pp)++;
		if (!**pp || **pp == '\n' || (**pp == '#' && !s))
			break;
		if (scan_token(pp, tok, sizeof(tok)))
			return -1;
		if (!s) {
			s = plan_add(out, tok);
			continue;
		}
		eq = strchr(tok, '=');
		if (!eq || eq == tok || s->nattrs >= PLAN_MAX_ATTRS)
			return -1;
		*eq = 0;
		plan_attr(s, tok, "%s", eq + 1);
	}
	while (**pp && **pp != '\n')
		(*pp)++;
	return 0;
}

int plan_parse(const char *name, const char *text, struct plan *out)
{
	const char *p = text;
	int line = 1;

	plan_init(out);
	for (; *p; line++) {
		if (parse_line(out, &p)) {
			err("%s:%d: cannot parse this line", name, line);
			hint("each line is 'command key=value ...' as --dry-run prints it");
			plan_free(out);
			return -1;
		}
		if (*p == '\n')
			p++;
	}
	return 0;
}

/* ---- execution ---- */

/*
 * Until nl.c provides rblk_nl_exec(), the link still works and a real
 * (non-dry) run says what is missing.
 */
__attribute__((weak)) int rblk_nl_exec(const struct plan_step *step)
{
	err("not implemented: %s", step->cmd);
	return -ENOSYS;
}

int plan_execute(struct rblk_ctx *ctx, const struct plan *p)
{
	int i, ret;

	if (ctx->dry_run) {
		plan_print(stdout, p);
		fflush(stdout);
		return 0;
	}
	for (i = 0; i < p->nsteps; i++) {
		ret = rblk_nl_exec(&p->steps[i]);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* ---- builders ---- */

static struct plan_step *add_minor(struct plan *p, const char *cmd,
				   const struct cfg_resource *r)
{
	struct plan_step *s = plan_add(p, cmd);

	plan_attr(s, "minor", "%d", r->me->minor);
	return s;
}

void plan_minor_only(struct plan *p, const char *cmd, const struct cfg_resource *r)
{
	add_minor(p, cmd, r);
}

void plan_new_device(struct plan *p, const struct cfg_resource *r)
{
	plan_attr(add_minor(p, "new-device", r), "resource", "%s", r->name);
}

/*
 * The options of one section that rblk.ko takes; "none" algorithms and
 * empty strings are left out.
 */
static void add_options(struct plan_step *s, const struct cfg_resource *r,
			enum cfg_section sec)
{
	const struct cfg_val *v;
	char buf[64];
	int i;

	for (i = 0; i < __OPT_COUNT; i++) {
		v = &r->opt[i];
		if (cfg_opts[i].sec != sec || i == OPT_PROTOCOL ||
		    cfg_opts[i].applies != AP_KERNEL)
			continue;
		if ((cfg_opts[i].type == T_STR && !v->str[0]) ||
		    (cfg_opts[i].type == T_ENUM && !strcmp(v->str, "none")))
			continue;
		plan_attr(s, cfg_opts[i].name, "%s", cfg_val_str(i, v, buf, sizeof(buf)));
	}
}

/*
 * resync-rate, c-plan-ahead, fencing and handler-timeout are disk { }
 * options in the configuration, but the kernel keeps them with the
 * connection (the SyncSource paces by the first two; a Primary that loses
 * its peer fences by the others): the net steps carry them too, so that
 * adjust compares them with what the kernel reports and changes them on
 * a running connection. So does whether a before-resync-target handler
 * is configured: the kernel then waits for it before this node becomes
 * SyncTarget (the command itself stays here; rblkadm runs it).
 */
static void add_resync_options(struct plan_step *s, const struct cfg_resource *r)
{
	static const int opts[] = { OPT_RESYNC_RATE, OPT_C_PLAN_AHEAD,
				    OPT_FENCING, OPT_HANDLER_TIMEOUT };
	const struct cfg_val *brt = &r->opt[OPT_H_BEFORE_RESYNC_TARGET];
	char buf[64];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(opts); i++)
		plan_attr(s, cfg_opts[opts[i]].name, "%s",
			  cfg_val_str(opts[i], &r->opt[opts[i]], buf, sizeof(buf)));
	plan_attr(s, "before-resync-target-wait", "%d",
		  brt->set && brt->str && *brt->str);
}

static void add_disk_options(struct plan *p, const struct cfg_resource *r,
			     const char *on_io_error)
{
	plan_attr(add_minor(p, "disk-options", r), "on-io-error", "%s",
		  on_io_error);
}

/* disk { on-io-error }, if not the default; the device keeps it. */
void plan_disk_options(struct plan *p, const struct cfg_resource *r)
{
	const struct cfg_val *v = &r->opt[OPT_ON_IO_ERROR];

	if (strcmp(v->str, "detach"))
		add_disk_options(p, r, v->str);
}

void plan_attach(struct plan *p, const struct cfg_resource *r)
{
	struct plan_step *s = add_minor(p, "attach", r);

	plan_attr(s, "disk", "%s", r->me->disk);
	plan_attr(s, "meta-disk", "%s", r->me->meta_disk);
	if (r->opt[OPT_SIZE].set)
		plan_attr(s, "size", "%" PRIu64, r->opt[OPT_SIZE].num / 512);
}

void plan_net(struct plan *p, const struct cfg_resource *r)
{
	struct plan_step *s = add_minor(p, "net", r);
	char buf[80];

	plan_attr(s, "local", "%s", cfg_addr_str(&r->me->addr, buf, sizeof(buf)));
	plan_attr(s, "peer", "%s", cfg_addr_str(&r->peer->addr, buf, sizeof(buf)));
	/* The handshake checks that each side is who the other expects. */
	plan_attr(s, "node", "%s", r->me->name);
	plan_attr(s, "peer-node", "%s", r->peer->name);
	plan_attr(s, "protocol", "%s", r->opt[OPT_PROTOCOL].str);
	add_options(s, r, SEC_NET);
	add_resync_options(s, r);
}

void plan_net_options(struct plan *p, const struct cfg_resource *r)
{
	struct plan_step *s = add_minor(p, "net-options", r);

	add_options(s, r, SEC_NET);
	add_resync_options(s, r);
}

void plan_connect(struct plan *p, const struct cfg_resource *r, bool discard)
{
	struct plan_step *s = add_minor(p, "connect", r);

	if (discard)
		plan_attr(s, "discard-my-data", "yes");
}

void plan_primary(struct plan *p, const struct cfg_resource *r, bool force)
{
	struct plan_step *s = add_minor(p, "primary", r);

	if (force)
		plan_attr(s, "force", "yes");
}

void plan_up(struct plan *p, const struct cfg_resource *r)
{
	plan_new_device(p, r);
	plan_disk_options(p, r);
	plan_attach(p, r);
	plan_net(p, r);
	plan_connect(p, r, false);
}

void plan_down(struct plan *p, const struct cfg_resource *r)
{
	add_minor(p, "secondary", r);
	add_minor(p, "disconnect", r);
	add_minor(p, "detach", r);
	add_minor(p, "del-device", r);
}

/* ---- adjust ---- */

static bool in_keys(const char *const *keys, const char *k)
{
	while (keys && *keys && strcmp(*keys, k))
		keys++;
	return !keys || *keys;
}

/*
 * Does the running step differ from the wanted one? Only keys the running
 * state reports are compared: the kernel may not report every option.
 * keys limits the comparison to those keys (NULL: all). A key the running
 * state has and want leaves out is an option set to "none" or "" in the
 * configuration (see add_options()).
 */
/* The secret is compared by its identifier (secret_differs), not here. */
static bool secret_key(const char *k)
{
	return !strcmp(k, "shared-secret") || !strcmp(k, "secret-id");
}

static bool differs(const struct plan_step *want, const struct plan_step *running,
		    const char *const *keys)
{
	const char *k, *rv;
	int i;

	for (i = 0; i < want->nattrs; i++) {
		k = want->attrs[i].key;
		rv = plan_get(running, k);
		if (in_keys(keys, k) && !secret_key(k) && rv &&
		    strcmp(rv, want->attrs[i].value))
			return true;
	}
	for (i = 0; i < running->nattrs; i++) {
		k = running->attrs[i].key;
		rv = running->attrs[i].value;
		if (in_keys(keys, k) && !secret_key(k) && !plan_get(want, k) &&
		    *rv && strcmp(rv, "none"))
			return true;
	}
	return false;
}

/*
 * The kernel never gives the secret back; it reports its identifier
 * (include/rblk/auth.h) to root, which is compared with the configured
 * secret's. A running connection that reports none has no secret.
 */
static bool secret_differs(const struct plan_step *want,
			   const struct plan_step *running)
{
	const char *secret = plan_get(want, "shared-secret");
	const char *alg = plan_get(want, "cram-hmac-alg");
	const char *id = plan_get(running, "secret-id");
	uint8_t raw[RBLK_AUTH_SECRET_ID_LEN];
	char hex[2 * RBLK_AUTH_SECRET_ID_LEN + 1];
	int i;

	if (!secret || !alg)
		return id && *id;
	if (!id)
		return true;
	rblk_auth_secret_id(alg, (const uint8_t *)secret, strlen(secret), raw);
	for (i = 0; i < RBLK_AUTH_SECRET_ID_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", raw[i]);
	return strcmp(hex, id) != 0;
}

/*
 * A Primary without a disk, served by its peer (kmod/ioerr.c), or that
 * peer: a disconnect would take the Primary's data away. The Primary
 * takes a disk on the connection while it is served (adjust_disk()).
 * Said once per resource.
 */
static bool served(const struct cfg_resource *r, const struct plan *running,
		   const char *what)
{
	bool primary = plan_find(running, "diskless-primary", r->me->minor);

	if (!primary && !plan_find(running, "serving-diskless", r->me->minor))
		return false;
	err("adjust: %s %s: its %s is left as it is for now", r->name,
	    primary ? "is Primary without a disk (its peer serves it)" :
	    "serves its peer, a Primary without a disk", what);
	hint("once %s is Secondary, 'rblkadm adjust %s' applies it",
	     primary ? "this node" : "the peer", r->name);
	return true;
}

/*
 * disk { size } of an attached disk: taken at attach only (the size in
 * use is agreed with the peer at the handshake). Refused, not dropped.
 */
static bool size_changed(const struct cfg_resource *r, const struct plan *want,
			 const struct plan *running)
{
	const struct plan_step *w = plan_find(want, "attach", r->me->minor);
	const struct plan_step *run = plan_find(running, "attach", r->me->minor);
	const char *ws = w ? plan_get(w, "size") : NULL;
	const char *rs = run ? plan_get(run, "size") : NULL;

	if (!run || !w || !strcmp(ws ?: "0", rs ?: "0") ||
	    strcmp(plan_get(w, "disk") ?: "", plan_get(run, "disk") ?: ""))
		return false;
	err("adjust: %s: size changed (%s sectors configured, %s in use by the attached disk); it applies when the disk is attached",
	    r->name, ws ?: "none", rs ?: "none");
	hint("on a Secondary: 'rblkadm detach %s; rblkadm attach %s' (data already larger than size is refused)",
	     r->name, r->name);
	return true;
}

/*
 * The kernel attaches only without a connection (a disk meets the peer
 * in a handshake first): true if the plan disconnects for it.
 */
static bool adjust_disk(struct plan *p, const struct cfg_resource *r,
			const struct plan *want, const struct plan *running)
{
	const struct plan_step *w = plan_find(want, "attach", r->me->minor);
	const struct plan_step *run = plan_find(running, "attach", r->me->minor);
	bool connected = plan_find(running, "connect", r->me->minor);

	const struct plan_step *dl = plan_find(running, "diskless-primary",
					       r->me->minor);

	/* An attach carries only the disk and the meta-disk. */
	if (run && !differs(w, run, NULL))
		return false;
	/*
	 * A Primary its peer serves takes its disk on the connection, the
	 * target of a full resync from that peer (kmod/resync.c).
	 */
	if (dl && !run && plan_get(dl, "served") &&
	    !strcmp(plan_get(dl, "served"), "yes")) {
		plan_attach(p, r);
		return false;
	}
	if (served(r, running, "disk"))
		return false;
	if (connected)
		add_minor(p, "disconnect", r);
	if (run)
		add_minor(p, "detach", r);
	plan_attach(p, r);
	return connected;
}

/*
 * The disk options the running device lacks (changed on it as it runs,
 * with or without a disk; back to detach too); without a running device,
 * those of up.
 */
void plan_disk_options_change(struct plan *p, const struct cfg_resource *r,
			      const struct plan *running)
{
	const struct plan_step *run;
	const char *want = r->opt[OPT_ON_IO_ERROR].str, *have;

	if (!running || !plan_find(running, "new-device", r->me->minor)) {
		plan_disk_options(p, r);
		return;
	}
	run = plan_find(running, "disk-options", r->me->minor);
	have = run ? plan_get(run, "on-io-error") : "detach";
	if (strcmp(want, have ?: ""))
		add_disk_options(p, r, want);
}

/*
 * Who talks to whom can only change with a new connection; every other
 * option changes on the running one (net-options). A connect always needs
 * its net step: CONNECT carries the whole configuration.
 */
static void adjust_net(struct plan *p, const struct cfg_resource *r,
		       const struct plan *want, const struct plan *running,
		       bool dropped)
{
	static const char *const ident[] = { "local", "peer", "node", "peer-node",
					     "protocol", NULL };
	const struct plan_step *w = plan_find(want, "net", r->me->minor);
	const struct plan_step *run = plan_find(running, "net", r->me->minor);
	bool connected = !dropped && plan_find(running, "connect", r->me->minor);

	if (connected && run && differs(w, run, ident)) {
		if (served(r, running, "connection (address or names changed)"))
			return;
		add_minor(p, "disconnect", r);
		connected = false;
	}
	if (!connected) {
		plan_net(p, r);
		plan_connect(p, r, false);
	} else if (run && (differs(w, run, NULL) || secret_differs(w, run))) {
		plan_net_options(p, r);
	}
}

int plan_adjust(struct plan *p, const struct cfg_resource *r,
		const struct plan *running)
{
	const struct plan_step *dev = plan_find(running, "new-device", r->me->minor);
	const char *owner = dev ? plan_get(dev, "resource") : NULL;
	struct plan want;

	if (!dev) {
		plan_up(p, r);
		return 0;
	}
	if (owner && strcmp(owner, r->name)) {
		err("minor %d is in use by resource '%s', not '%s'", r->me->minor,
		    owner, r->name);
		hint("'rblkadm down %s' first, or give '%s' another minor", owner, r->name);
		return -1;
	}
	plan_init(&want);
	plan_up(&want, r);
	if (size_changed(r, &want, running)) {
		plan_free(&want);
		return -1;
	}
	plan_disk_options_change(p, r, running);
	adjust_net(p, r, &want, running, adjust_disk(p, r, &want, running));
	plan_free(&want);
	return 0;
}

/* The net step of a configured connection, as far as the kernel says. */
static void net_from_device(struct plan *out, const struct rblk_dev_info *d)
{
	struct plan_step *s = plan_add(out, "net");

	plan_attr(s, "minor", "%u", d->minor);
	if (d->local_addr[0])
		plan_attr(s, "local", "%s", d->local_addr);
	if (d->peer_addr[0])
		plan_attr(s, "peer", "%s", d->peer_addr);
	if (d->peer_name[0])
		plan_attr(s, "peer-node", "%s", d->peer_name);
	net_opts_to_step(s, d->net_opts, d->net_opts_set);
	if (d->hmac_alg[0])
		plan_attr(s, "cram-hmac-alg", "%s", d->hmac_alg);
	if (d->secret_id[0])
		plan_attr(s, "secret-id", "%s", d->secret_id);
}

void plan_from_devices(struct plan *out, const struct rblk_dev_info *devs, int n)
{
	const struct rblk_dev_info *d;
	struct plan_step *s;
	int i;

	for (i = 0; i < n; i++) {
		d = &devs[i];
		s = plan_add(out, "new-device");
		plan_attr(s, "minor", "%u", d->minor);
		plan_attr(s, "resource", "%s", d->resource);
		if (d->on_io_error != RBLK_ON_IO_ERROR_DETACH) {
			s = plan_add(out, "disk-options");
			plan_attr(s, "minor", "%u", d->minor);
			plan_attr(s, "on-io-error", "%s",
				  rblk_on_io_error_name(d->on_io_error));
		}
		if (d->backing_dev[0]) {
			s = plan_add(out, "attach");
			plan_attr(s, "minor", "%u", d->minor);
			plan_attr(s, "disk", "%s", d->backing_dev);
			if (d->size_limit_sectors)
				plan_attr(s, "size", "%" PRIu64, d->size_limit_sectors);
		}
		/* A Primary served by its peer, or that peer (served()). */
		if (d->role == RBLK_ROLE_PRIMARY &&
		    d->disk_state <= RBLK_DISK_FAILED) {
			s = plan_add(out, "diskless-primary");
			plan_attr(s, "minor", "%u", d->minor);
			/* It takes a disk now (kmod/resync.c). */
			if (d->conn_state == RBLK_CONN_CONNECTED &&
			    d->peer_disk_state == RBLK_DISK_UPTODATE &&
			    d->disk_state == RBLK_DISK_DISKLESS)
				plan_attr(s, "served", "yes");
		} else if (d->conn_state >= RBLK_CONN_CONNECTED &&
			   d->peer_role == RBLK_ROLE_PRIMARY &&
			   d->peer_disk_state <= RBLK_DISK_FAILED) {
			s = plan_add(out, "serving-diskless");
			plan_attr(s, "minor", "%u", d->minor);
		}
		if (d->has_net_opts || d->peer_addr[0])
			net_from_device(out, d);
		if (d->conn_state != RBLK_CONN_STANDALONE) {
			s = plan_add(out, "connect");
			plan_attr(s, "minor", "%u", d->minor);
		}
	}
}
