// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * After parsing: merge common{} and defaults into every resource, resolve
 * each host's device/disk/meta-disk, pick this node, and check what only
 * the whole file can tell (duplicate minors, ports, disks, names).
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <rblk/genl.h>

#include "config.h"
#include "config_int.h"
#include "util.h"

/* Edit distance, capped: words longer than 63 are never near misses. */
static int distance(const char *a, const char *b)
{
	int la = strlen(a), lb = strlen(b), i, j;
	int row[64], prev, tmp;

	if (la > 63 || lb > 63)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			row[j] = prev + (a[i - 1] != b[j - 1]);
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			if (tmp + 1 < row[j])
				row[j] = tmp + 1;
			prev = tmp;
		}
	}
	return row[lb];
}

const char *cfg_near_miss(const char *w, const char *const *words)
{
	const char *best = NULL;
	int d, best_d = 3;
	size_t i;

	for (i = 0; words[i]; i++) {
		d = distance(w, words[i]);
		if (d < best_d && d <= (int)strlen(words[i]) / 3 + 1) {
			best = words[i];
			best_d = d;
		}
	}
	return best;
}

static int parse_port(const char *s, uint16_t *port)
{
	uint64_t v;

	if (!parse_u64(s, 1, 65535, &v))
		return -1;
	*port = v;
	return 0;
}

/* "IP:PORT" (family 4 or 0) or "[IP6]:PORT" (family 6 or 0). */
int cfg_parse_addr(const char *s, int family, struct cfg_addr *a)
{
	const char *colon;
	unsigned char bin[16];
	size_t n;

	if (s[0] == '[') {
		colon = strstr(s, "]:");
		if (family == 4 || !colon || colon - s - 1 >= (int)sizeof(a->ip))
			return -1;
		n = colon - s - 1;
		memcpy(a->ip, s + 1, n);
		a->ip[n] = 0;
		a->family = AF_INET6;
		colon++;
	} else {
		colon = strrchr(s, ':');
		if (family == 6 || !colon || colon - s >= (int)sizeof(a->ip))
			return -1;
		n = colon - s;
		memcpy(a->ip, s, n);
		a->ip[n] = 0;
		a->family = AF_INET;
	}
	if (inet_pton(a->family, a->ip, bin) != 1 || parse_port(colon + 1, &a->port)) {
		a->family = 0;
		return -1;
	}
	/* normalize, e.g. fd00:0::1 -> fd00::1 */
	inet_ntop(a->family, bin, a->ip, sizeof(a->ip));
	return 0;
}

const char *cfg_addr_str(const struct cfg_addr *a, char *buf, size_t len)
{
	snprintf(buf, len, a->family == AF_INET6 ? "[%s]:%u" : "%s:%u",
		 a->ip, a->port);
	return buf;
}

static bool addr_eq(const struct cfg_addr *a, const struct cfg_addr *b)
{
	return a->family == b->family && a->port == b->port &&
	       !strcmp(a->ip, b->ip);
}

static void merge_options(const struct cfg_checker *c, struct cfg_resource *r)
{
	int i;

	for (i = 0; i < __OPT_COUNT; i++) {
		if (cfg_opts[i].sec == SEC_GLOBAL || r->opt[i].set)
			continue;
		if (c->common[i].set)
			r->opt[i] = c->common[i];
		else
			cfg_set_default(i, &r->opt[i]);
	}
}

static int resolve_host(const struct cfg_checker *c, struct cfg_resource *r,
			struct cfg_host *h)
{
	struct cfg_arena *a = c->cfg->arena;

	if (h->minor < 0) {
		h->minor = r->minor;
		h->minor_loc = r->minor_loc;
	}
	if (!h->disk) {
		h->disk = r->disk;
		h->disk_loc = r->disk_loc;
	}
	if (!h->meta_disk)
		h->meta_disk = r->meta_disk ? r->meta_disk : "internal";
	if (!h->addr.family) {
		cfg_err(c->quiet, &h->loc, "host '%s' in resource '%s' has no address",
			h->name, r->name);
		return cfg_hint(c->quiet, "add 'address IP:PORT;' to 'on %s { }'", h->name);
	}
	if (h->minor < 0) {
		cfg_err(c->quiet, &h->loc, "no device for host '%s' in resource '%s'",
			h->name, r->name);
		return cfg_hint(c->quiet, "add 'device minor N;' to the resource");
	}
	if (!h->disk) {
		cfg_err(c->quiet, &h->loc, "no disk for host '%s' in resource '%s'",
			h->name, r->name);
		return cfg_hint(c->quiet, "add 'disk /dev/...;' to the resource or to 'on %s { }'",
				h->name);
	}
	h->device = cfg_printf(a, "/dev/rblk%d", h->minor);
	return 0;
}

static int check_hosts(const struct cfg_checker *c, struct cfg_resource *r)
{
	struct cfg_host *h;
	char buf[80];

	if (r->nhosts != 2) {
		cfg_err(c->quiet, &r->loc, "resource '%s' has %d 'on' section%s; rblk needs exactly two",
			r->name, r->nhosts, r->nhosts == 1 ? "" : "s");
		return cfg_hint(c->quiet, "add 'on HOST { address IP:PORT; }' for each of the two nodes");
	}
	for (h = r->hosts; h; h = h->next)
		if (resolve_host(c, r, h))
			return -1;
	h = r->hosts->next;
	if (!strcmp(r->hosts->name, h->name)) {
		cfg_err(c->quiet, &h->loc, "host '%s' appears twice in resource '%s'",
			h->name, r->name);
		return cfg_hint(c->quiet, "the two 'on' sections name the two nodes (uname -n)");
	}
	if (addr_eq(&r->hosts->addr, &h->addr)) {
		cfg_err(c->quiet, &h->loc, "both hosts of resource '%s' use %s",
			r->name, cfg_addr_str(&h->addr, buf, sizeof(buf)));
		return cfg_hint(c->quiet, "each node needs its own address");
	}
	return 0;
}

static int pick_me(const struct cfg_checker *c, struct cfg_resource *r)
{
	const char *node = c->cfg->node;
	struct cfg_host *a = r->hosts, *b = a->next;

	if (!strcmp(a->name, node)) {
		r->me = a;
		r->peer = b;
	} else if (!strcmp(b->name, node)) {
		r->me = b;
		r->peer = a;
	} else {
		cfg_err(c->quiet, &r->loc, "resource '%s' has no 'on %s' section for this node",
			r->name, node);
		return cfg_hint(c->quiet, "this node is '%s'; the resource is for '%s' and '%s' "
				"(the node name is uname -n unless --node NAME or $RBLK_NODE says otherwise)",
				node, a->name, b->name);
	}
	return 0;
}

/*
 * Values DRBD 8.4 configurations have that this version of rblk does not
 * act on: refused here, so that --dry-run says so and nothing is set up
 * halfway, never parsed and dropped.
 */
/*
 * An option nothing in rblk acts on is refused when set, and one whose
 * default is all rblk does is refused with any other value (the table's
 * AP_REFUSED and AP_DEFAULT); @where names the resource or the global
 * section. With CFG_LENIENT each is a warning, once per option.
 */
static int check_refused(const struct cfg_checker *c, const struct cfg_val *o,
			 enum cfg_section sec, const char *where)
{
	static bool warned[__OPT_COUNT];
	char buf[64];
	int i;

	for (i = 0; i < __OPT_COUNT; i++) {
		const struct cfg_opt_def *d = &cfg_opts[i];
		/* lenient: said once per option (common{} reaches every resource) */
		bool quiet = c->quiet || (c->lenient && warned[i]);

		if (d->sec != sec || !o[i].set)
			continue;
		if (d->applies == AP_REFUSED && sec == SEC_HANDLERS)
			cfg_err(quiet, &o[i].loc, "%sthe %s handler is not supported by rblk (%s)",
				c->lenient ? "warning: " : "", d->name, where);
		else if (d->applies == AP_REFUSED)
			cfg_err(quiet, &o[i].loc, "%s%s is not supported by rblk (%s)",
				c->lenient ? "warning: " : "", d->name, where);
		else if (d->applies == AP_DEFAULT && o[i].num != d->def)
			cfg_err(quiet, &o[i].loc, "%s%s %s is not supported by rblk (%s)",
				c->lenient ? "warning: " : "", d->name,
				cfg_val_str(i, &o[i], buf, sizeof(buf)), where);
		else
			continue;
		cfg_hint(quiet, "%s%s", d->refused,
			 c->lenient ? " (ignored here; up, adjust and dump refuse it)" : "");
		warned[i] = true;
		if (!c->lenient)
			return -1;
	}
	return 0;
}

static int check_unsupported(const struct cfg_checker *c, const struct cfg_resource *r)
{
	const struct cfg_val *o = r->opt;
	const char *where = cfg_printf(c->cfg->arena, "resource '%s'", r->name);
	int sec;

	if (!strcmp(o[OPT_AFTER_SB_1PRI].str, "violently-as0p")) {
		cfg_err(c->quiet, &o[OPT_AFTER_SB_1PRI].loc,
			"after-sb-1pri violently-as0p is not supported by rblk (resource '%s')",
			r->name);
		return cfg_hint(c->quiet, "rblk never discards a Primary's data without a decision: use disconnect, consensus, discard-secondary or call-pri-lost-after-sb");
	}
	if (o[OPT_AFTER_SB_2PRI].num) {
		cfg_err(c->quiet, &o[OPT_AFTER_SB_2PRI].loc,
			"after-sb-2pri %s is not supported by rblk (resource '%s')",
			o[OPT_AFTER_SB_2PRI].str, r->name);
		return cfg_hint(c->quiet, "two Primaries after a split brain are always refused: use 'after-sb-2pri disconnect;' and decide by hand with 'connect --discard-my-data' on the node whose changes go");
	}
	for (sec = SEC_NET; sec < __SEC_COUNT; sec++)
		if (check_refused(c, o, sec, where))
			return -1;
	return 0;
}

/* minor-count, when set, bounds the minors (DRBD's module parameter does). */
static int check_minor_count(const struct cfg_checker *c, const struct cfg_resource *r)
{
	const struct cfg_val *mc = &c->cfg->global[OPT_MINOR_COUNT];
	const struct cfg_host *h;

	if (!mc->set)
		return 0;
	for (h = r->hosts; h; h = h->next) {
		if (h->minor < 0 || (uint64_t)h->minor < mc->num)
			continue;
		cfg_err(c->quiet, &h->minor_loc,
			"minor %d of resource '%s' is not below minor-count %" PRIu64,
			h->minor, r->name, mc->num);
		return cfg_hint(c->quiet, "raise minor-count in the global section (256 at most), or remove it");
	}
	return 0;
}

/*
 * on-io-error: the handler and call-local-io-error come together. With
 * CFG_LENIENT a warning (a handler still runs).
 */
static int io_error_refused(const struct cfg_checker *c, const struct cfg_loc *loc,
			    const char *what, const char *hint)
{
	/* lenient: said once (common{} reaches every resource) */
	static bool warned;
	bool quiet = c->quiet || (c->lenient && warned);

	cfg_err(quiet, loc, "%s%s", c->lenient ? "warning: " : "", what);
	cfg_hint(quiet, "%s%s", hint,
		 c->lenient ? " (ignored here; up, adjust and dump refuse it)" : "");
	warned = warned || c->lenient;
	return c->lenient ? 0 : -1;
}

static int check_io_error(const struct cfg_checker *c, const struct cfg_resource *r)
{
	const struct cfg_val *p = &r->opt[OPT_ON_IO_ERROR];
	const struct cfg_val *h = &r->opt[OPT_H_LOCAL_IO_ERROR];
	const char *res = r->name;

	if (!strcmp(p->str, "call-local-io-error") && !h->str[0])
		return io_error_refused(c, &p->loc,
			cfg_printf(c->cfg->arena, "on-io-error call-local-io-error needs a local-io-error handler in resource '%s'", res),
			"add 'handlers { local-io-error \"...\"; }', or remove the on-io-error line");
	if (h->str[0] && strcmp(p->str, "call-local-io-error"))
		return io_error_refused(c, &h->loc,
			cfg_printf(c->cfg->arena, "the local-io-error handler runs only with 'on-io-error call-local-io-error;' (resource '%s')", res),
			"add 'disk { on-io-error call-local-io-error; }', or remove the handler");
	return 0;
}

static int check_options(const struct cfg_checker *c, struct cfg_resource *r)
{
	const struct cfg_val *o = r->opt;
	const char *alg = o[OPT_CRAM_HMAC_ALG].str;
	size_t i;

	for (i = 0; alg[i]; i++) {
		if ((alg[i] >= 'a' && alg[i] <= 'z') || (alg[i] >= '0' && alg[i] <= '9') ||
		    alg[i] == '-')
			continue;
		cfg_err(c->quiet, &o[OPT_CRAM_HMAC_ALG].loc,
			"cram-hmac-alg '%s' is not a digest name in resource '%s'", alg, r->name);
		return cfg_hint(c->quiet, "name the digest, e.g. 'cram-hmac-alg sha256;' (rblk uses the kernel's hmac(sha256))");
	}
	if (alg[0] && !o[OPT_SHARED_SECRET].str[0]) {
		cfg_err(c->quiet, &o[OPT_CRAM_HMAC_ALG].loc,
			"cram-hmac-alg needs a shared-secret in resource '%s'", r->name);
		return cfg_hint(c->quiet, "add 'shared-secret \"...\";' to the net section");
	}
	if (!strcmp(o[OPT_SHARED_SECRET].str, CFG_SECRET_HIDDEN)) {
		cfg_err(c->quiet, &o[OPT_SHARED_SECRET].loc,
			"shared-secret in resource '%s' is the placeholder 'rblkadm dump' writes, not a secret",
			r->name);
		return cfg_hint(c->quiet, "put the real secret here (dump never shows it)");
	}
	if (o[OPT_SHARED_SECRET].str[0] && !alg[0]) {
		cfg_err(c->quiet, &o[OPT_SHARED_SECRET].loc,
			"shared-secret without cram-hmac-alg in resource '%s'", r->name);
		return cfg_hint(c->quiet, "add 'cram-hmac-alg sha256;' to the net section");
	}
	if (check_io_error(c, r))
		return -1;
	/* Nothing would ever end the suspension but the operator. */
	if (o[OPT_FENCING].num == RBLK_FENCING_RESOURCE_AND_STONITH &&
	    !o[OPT_H_FENCE_PEER].str[0]) {
		cfg_err(c->quiet, &o[OPT_FENCING].loc,
			"fencing resource-and-stonith needs a fence-peer handler in resource '%s'",
			r->name);
		return cfg_hint(c->quiet, "add 'handlers { fence-peer \"/usr/lib/rblk/rblk-fence-peer\"; }', or use resource-only");
	}
	return 0;
}

/* Two resources on the same host must not share a minor, a disk, a port. */
static int check_pair(const struct cfg_checker *c, const struct cfg_resource *r1,
		      const struct cfg_resource *r2)
{
	const struct cfg_host *a, *b;
	char buf[80];

	for (a = r1->hosts; a; a = a->next) {
		for (b = r2->hosts; b; b = b->next) {
			bool same_host = !strcmp(a->name, b->name);

			if (addr_eq(&a->addr, &b->addr)) {
				cfg_err(c->quiet, &b->loc, "address %s of resource '%s' is also used by resource '%s'",
					cfg_addr_str(&b->addr, buf, sizeof(buf)), r2->name, r1->name);
				return cfg_hint(c->quiet, "give every resource its own port");
			}
			if (same_host && a->minor == b->minor) {
				cfg_err(c->quiet, &b->minor_loc, "minor %d of resource '%s' is also used by resource '%s' on host '%s'",
					b->minor, r2->name, r1->name, b->name);
				return cfg_hint(c->quiet, "every resource needs its own 'device minor N;'");
			}
			if (same_host && !strcmp(a->disk, b->disk)) {
				cfg_err(c->quiet, &b->disk_loc, "disk %s of resource '%s' is also used by resource '%s' on host '%s'",
					b->disk, r2->name, r1->name, b->name);
				return cfg_hint(c->quiet, "every resource needs its own backing disk");
			}
		}
	}
	return 0;
}

static int check_all(const struct cfg_checker *c)
{
	const struct cfg_resource *r1, *r2;

	for (r1 = c->cfg->resources; r1; r1 = r1->next) {
		for (r2 = r1->next; r2; r2 = r2->next) {
			if (!strcmp(r1->name, r2->name)) {
				cfg_err(c->quiet, &r2->loc, "resource '%s' is defined twice",
					r2->name);
				return cfg_hint(c->quiet, "the first definition is at %s:%d",
						r1->loc.file, r1->loc.line);
			}
			if (check_pair(c, r1, r2))
				return -1;
		}
	}
	return 0;
}

int cfg_check(struct cfg_checker *c)
{
	struct cfg_resource *r;
	int i;

	for (i = 0; i < __OPT_COUNT; i++)
		if (cfg_opts[i].sec == SEC_GLOBAL && !c->cfg->global[i].set)
			cfg_set_default(i, &c->cfg->global[i]);
	if (check_refused(c, c->cfg->global, SEC_GLOBAL, "global section"))
		return -1;
	for (r = c->cfg->resources; r; r = r->next) {
		merge_options(c, r);
		if (check_hosts(c, r) || check_minor_count(c, r) ||
		    check_options(c, r) || check_unsupported(c, r))
			return -1;
	}
	if (check_all(c))
		return -1;
	for (r = c->cfg->resources; r; r = r->next)
		if (pick_me(c, r))
			return -1;
	return 0;
}

struct cfg_resource *config_find(const struct rblk_config *cfg, const char *name)
{
	struct cfg_resource *r;

	for (r = cfg->resources; r; r = r->next)
		if (!strcmp(r->name, name))
			return r;
	return NULL;
}

static void hint_known(const struct rblk_config *cfg)
{
	const struct cfg_resource *r;
	char buf[1024];
	size_t n = 0;

	if (!cfg->resources) {
		hint("%s defines no resources", cfg->path);
		return;
	}
	for (r = cfg->resources; r && n < sizeof(buf) - 70; r = r->next)
		n += snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? ", " : "", r->name);
	hint("known resources: %s", buf);
}

int config_select(const struct rblk_config *cfg, const char *name,
		  struct cfg_resource ***out, int *n)
{
	struct cfg_resource *r, **v;
	int i = 0;

	v = xcalloc(cfg->nresources + 1, sizeof(*v));
	for (r = cfg->resources; r; r = r->next)
		if (!strcmp(name, "all") || !strcmp(r->name, name))
			v[i++] = r;
	if (!i && strcmp(name, "all")) {
		err("unknown resource '%s' in %s", name, cfg->path);
		hint_known(cfg);
		free(v);
		return -1;
	}
	*out = v;
	*n = i;
	return 0;
}
