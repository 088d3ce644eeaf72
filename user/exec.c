// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Executing plans: each plan step (plan.h) becomes one or more netlink
 * requests. A "net" step only records the peer and options; the following
 * "connect" sends them together (RBLK_CMD_CONNECT), so the kernel never
 * holds half a network configuration. "net-options" changes the options
 * of a running connection (RBLK_CMD_NET_OPTS).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rblk/genl.h>
#include <rblk/wire.h>

#include "md.h"
#include "net_opts.h"
#include "nl.h"
#include "plan.h"
#include "util.h"

static struct plan_step pending_net;	/* last "net" step, until "connect" */
static bool have_net;

static uint32_t step_minor(const struct plan_step *s)
{
	const char *v = plan_get(s, "minor");
	uint64_t m = 0;

	if (!v || !parse_u64(v, 0, RBLK_MINOR_MAX, &m))
		return UINT32_MAX;
	return m;
}

/* "1.2.3.4:7788" or "[fe80::1]:7788" */
int parse_sockaddr(const char *s, struct sockaddr_storage *ss, int *len)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	uint64_t port;
	size_t n;

	if (!colon || !parse_u64(colon + 1, 1, 65535, &port))
		return -EINVAL;
	n = colon - s;
	if (s[0] == '[' && n >= 2 && s[n - 1] == ']') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		if (n - 2 >= sizeof(host))
			return -EINVAL;
		memcpy(host, s + 1, n - 2);
		host[n - 2] = 0;
		memset(a, 0, sizeof(*a));
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		*len = sizeof(*a);
		return inet_pton(AF_INET6, host, &a->sin6_addr) == 1 ? 0 : -EINVAL;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		if (n >= sizeof(host))
			return -EINVAL;
		memcpy(host, s, n);
		host[n] = 0;
		memset(a, 0, sizeof(*a));
		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		*len = sizeof(*a);
		return inet_pton(AF_INET, host, &a->sin_addr) == 1 ? 0 : -EINVAL;
	}
}

/* Fill a connect request from the recorded net step. */
static int connect_request(uint32_t minor, bool discard, struct rblk_connect_req *r)
{
	const struct plan_step *n = &pending_net;

	memset(r, 0, sizeof(*r));
	r->minor = minor;
	r->flags = discard ? RBLK_F_DISCARD_MY_DATA : 0;
	if (parse_sockaddr(plan_get(n, "local") ?: "", &r->local, &r->local_len) ||
	    parse_sockaddr(plan_get(n, "peer") ?: "", &r->peer, &r->peer_len)) {
		err("minor %u: bad address in the plan", minor);
		return -EINVAL;
	}
	r->node = plan_get(n, "node");
	r->peer_node = plan_get(n, "peer-node");
	if (!r->node || !r->peer_node) {
		err("minor %u: the plan names no nodes", minor);
		return -EINVAL;
	}
	r->hmac_alg = plan_get(n, "cram-hmac-alg");
	r->secret = plan_get(n, "shared-secret");
	return net_opts_from_step(n, r->opts, &r->opts_set);
}

/*
 * A net-options request carries the whole option set of the step. Digests
 * the step leaves out are "none" and sent as such, so that taking
 * verify-alg out of the configuration turns it off in the kernel.
 */
static int net_options_request(const struct plan_step *s, uint32_t minor,
			       struct rblk_connect_req *r)
{
	static const int digests[] = { RBLK_NET_VERIFY_ALG, RBLK_NET_CSUMS_ALG };
	size_t i;

	memset(r, 0, sizeof(*r));
	r->minor = minor;
	for (i = 0; i < ARRAY_SIZE(digests); i++) {
		r->opts[digests[i]] = RBLK_DIGEST_NONE;
		r->opts_set |= 1U << digests[i];
	}
	/* Like the digests: no secret in the step turns authentication off. */
	r->hmac_alg = plan_get(s, "cram-hmac-alg");
	r->secret = plan_get(s, "shared-secret");
	return net_opts_from_step(s, r->opts, &r->opts_set);
}

/* verify minor [start=SECTOR] [stop=SECTOR] [repair=yes] */
static int verify_request(const struct plan_step *s, uint32_t minor)
{
	const char *start = plan_get(s, "start"), *stop = plan_get(s, "stop");
	const char *repair = plan_get(s, "repair");
	uint64_t a = UINT64_MAX, b = UINT64_MAX;

	if ((start && !parse_u64(start, 0, UINT64_MAX - 1, &a)) ||
	    (stop && !parse_u64(stop, 0, UINT64_MAX - 1, &b))) {
		err("verify: bad sector in the plan");
		return -EINVAL;
	}
	return rblk_nl_verify(minor, a, b, repair && !strcmp(repair, "yes") ?
			      RBLK_F_VERIFY_REPAIR : 0);
}

/* EOPNOTSUPP from connect or net-options: a digest or hmac the kernel lacks. */
static void explain_digest(const struct plan_step *s)
{
	const struct plan_step *n = strcmp(s->cmd, "connect") ? s : &pending_net;
	const char *va = plan_get(n, "verify-alg"), *ca = plan_get(n, "csums-alg");
	char algs[80] = "";

	if (va && strcmp(va, "none"))
		snprintf(algs, sizeof(algs), "verify-alg %s", va);
	if (ca && strcmp(ca, "none"))
		snprintf(algs + strlen(algs), sizeof(algs) - strlen(algs), "%scsums-alg %s",
			 algs[0] ? " or " : "", ca);
	if (rblk_nl_last_msg()[0])
		err("%s: %s", s->cmd, rblk_nl_last_msg());
	else
		err("%s: the kernel has no digest for %s", s->cmd,
		    algs[0] ? algs : "a configured option");
	if (strstr(rblk_nl_last_msg(), "hmac"))
		hint("load the kernel's crypto module for it, or name a digest listed in /proc/crypto as cram-hmac-alg (sha256, sha1, ...) and run 'rblkadm adjust RES'");
	else
		hint("load the kernel's crypto module for it, or choose another algorithm (crc32c, md5, sha1, sha256) in net { } and run 'rblkadm adjust RES'");
}

static void explain(const struct plan_step *s, int ret)
{
	const char *what = s->cmd;

	switch (-ret) {
	case EMEDIUMTYPE:
		err("%s: no valid rblk metadata on %s (see the kernel log for why)",
		    what, plan_get(s, "disk") ?: "the disk");
		hint("'rblkadm dump-md RES' shows what is there. A new disk: 'rblkadm create-md RES'. A disk that grew since its metadata was written (lvextend) has it at its former end: 'rblkadm move-md RES --from-size BYTES' with that size finds it (not create-md: that starts the disk afresh)");
		break;
	case EBUSY:
		if (!strcmp(what, "detach") && rblk_nl_last_msg()[0]) {
			err("detach: refused: %s", rblk_nl_last_msg());
			if (strstr(rblk_nl_last_msg(), "cannot serve"))
				hint("a Primary goes on without its disk only with metadata on both nodes and a peer whose rblk serves it; otherwise stop what uses /dev/rblk%s and run 'rblkadm secondary RES' first",
				     plan_get(s, "minor") ?: "N");
			else if (strstr(rblk_nl_last_msg(), "serves it"))
				hint("the peer reads and writes through this disk; make the peer Secondary first, or bring its disk back");
			else if (strstr(rblk_nl_last_msg(), "Primary"))
				hint("a Primary's disk goes only while its peer, connected and UpToDate, serves it: connect the peer and wait for UpToDate ('rblkadm wait-sync RES'), or stop what uses /dev/rblk%s and run 'rblkadm secondary RES' first",
				     plan_get(s, "minor") ?: "N");
			else
				hint("close what holds /dev/rblk%s open (a mount, LVM, a reader) first",
				     plan_get(s, "minor") ?: "N");
			break;
		}
		err("%s: %s is in use (mounted, or claimed by LVM, md or another device)",
		    what, plan_get(s, "disk") ?: "the device");
		break;
	case EFBIG:
		if (strcmp(what, "attach"))
			goto other;
		/* kmod/meta.c: the data keeps its size; the log has both. */
		err("attach: the data on %s is larger than its size option allows (see the kernel log for both)",
		    plan_get(s, "disk") ?: "the disk");
		hint("raise size in disk { } or remove it, or start the disk afresh with 'rblkadm create-md RES' (its data is then resynced from the peer)");
		break;
	case EADDRINUSE:
		err("%s: the local address %s is already in use", what,
		    plan_get(&pending_net, "local") ?: "?");
		hint("another resource or program listens on that port; 'ss -ltnp' shows which");
		break;
	case EADDRNOTAVAIL:
		err("%s: the local address %s is not configured on this node", what,
		    plan_get(&pending_net, "local") ?: "?");
		break;
	case EALREADY:
		err("%s: already connected or connecting", what);
		hint("'rblkadm adjust RES' changes the options of a running connection");
		break;
	case EOPNOTSUPP:
		if (strcmp(what, "disk-options")) {
			explain_digest(s);
			break;
		}
		err("disk-options: the loaded rblk.ko does not know it (a module older than this rblkadm)");
		hint("load this version's module (the resources down, 'modprobe -r rblk && modprobe rblk'), or take on-io-error out of the configuration");
		break;
	case ENOTCONN:
		err("%s: minor %s is not connected (StandAlone)", what,
		    plan_get(s, "minor") ?: "?");
		if (!strcmp(what, "net-options"))
			hint("it was when adjust looked; run 'rblkadm adjust RES' again: it then configures and connects");
		else
			hint("connect first: rblkadm connect RES");
		break;
	case ENODATA:
		if (strcmp(what, "connect"))
			goto other;
		/* kmod/device.c: a Primary served by its peer excepted. */
		err("connect: minor %s has no disk: a node connects with its disk",
		    plan_get(s, "minor") ?: "?");
		hint("attach one first ('rblkadm attach RES': create-md on a new disk), then connect");
		break;
	case EEXIST:
		err("%s: minor %s or its resource name is already in use", what,
		    plan_get(s, "minor") ?: "?");
		break;
	default:
other:
		err("%s: %s", what, strerror(-ret));
		if (rblk_nl_last_msg()[0])
			hint("the kernel says: %s", rblk_nl_last_msg());
	}
}

#define DETACH_WAIT_MS	60000
#define DETACH_SAY_MS	2000

/*
 * A detach while a connection is configured goes through Failed: the
 * disk is let go once its last I/O is done (kmod/ioerr.c). Wait for
 * Diskless, saying so if it takes a while.
 */
static int wait_diskless(uint32_t minor)
{
	static struct rblk_dev_info d;
	int waited, ret;

	for (waited = 0;; waited += 100) {
		ret = rblk_nl_device(minor, &d);
		if (ret == -ENODEV)
			return 0;	/* gone */
		if (ret) {
			err("detach: cannot read minor %u's state: %s", minor, strerror(-ret));
			return ret;
		}
		if (d.disk_state != RBLK_DISK_FAILED)
			return 0;	/* Diskless (or gone, or attached again) */
		if (waited == DETACH_SAY_MS)
			fprintf(stderr, "rblkadm: detach: waiting for the last I/O of minor %u's disk to end (disk Failed until then)\n",
				minor);
		if (waited >= DETACH_WAIT_MS) {
			err("detach: minor %u's disk is still in use after %d s: I/O to it has not ended",
			    minor, DETACH_WAIT_MS / 1000);
			hint("it becomes Diskless by itself once that I/O ends, failed by the disk's own timeout if need be ('rblkadm status' shows disk:Failed until then)");
			return -ETIMEDOUT;
		}
		usleep(100 * 1000);
	}
}

/* on-io-error=WORD, the only disk option the kernel keeps; false: said why. */
static bool on_io_error_word(const struct plan_step *s, uint32_t *policy)
{
	const char *v = plan_get(s, "on-io-error");

	for (*policy = 0; v && *policy < __RBLK_ON_IO_ERROR_LAST; (*policy)++)
		if (!strcmp(v, rblk_on_io_error_name(*policy)))
			return true;
	err("disk-options: on-io-error '%s' is not one rblk.ko knows", v ?: "");
	return false;
}

int rblk_nl_exec(const struct plan_step *s)
{
	uint32_t minor = step_minor(s);
	const char *meta, *size;
	struct rblk_connect_req cr;
	uint32_t policy;
	int ret;

	if (minor == UINT32_MAX) {
		err("%s: the plan gives no valid minor", s->cmd);
		return -EINVAL;
	}
	ret = rblk_nl_open_or_explain();
	if (ret)
		return -ENOENT;
	if (!strcmp(s->cmd, "new-device")) {
		ret = rblk_nl_new_device(minor, plan_get(s, "resource") ?: "", NULL);
	} else if (!strcmp(s->cmd, "attach")) {
		meta = plan_get(s, "meta-disk");
		size = plan_get(s, "size");
		/* A disk that grew: its metadata moves to its end first. */
		if (meta && !strcmp(meta, "internal") &&
		    md_prepare("attach", minor, plan_get(s, "disk") ?: "", 0, false))
			return -EINVAL;	/* it said why */
		ret = rblk_nl_attach_meta(minor, plan_get(s, "disk") ?: "",
					  meta && strcmp(meta, "internal") ? meta : NULL,
					  meta && !strcmp(meta, "internal"),
					  size ? strtoull(size, NULL, 10) : 0);
	} else if (!strcmp(s->cmd, "disk-options")) {
		if (!on_io_error_word(s, &policy))
			return -EINVAL;	/* it said why */
		ret = rblk_nl_disk_opts(minor, policy);
	} else if (!strcmp(s->cmd, "net")) {
		pending_net = *s;
		have_net = true;
		return 0;
	} else if (!strcmp(s->cmd, "connect")) {
		if (!have_net) {
			err("connect: the plan has no net step before it");
			return -EINVAL;
		}
		ret = connect_request(minor, plan_get(s, "discard-my-data") &&
				      !strcmp(plan_get(s, "discard-my-data"), "yes"), &cr);
		if (ret)
			return ret;	/* it said why */
		ret = rblk_nl_connect(&cr);
	} else if (!strcmp(s->cmd, "net-options")) {
		ret = net_options_request(s, minor, &cr);
		if (ret)
			return ret;
		ret = rblk_nl_net_opts(&cr);
	} else if (!strcmp(s->cmd, "verify")) {
		ret = verify_request(s, minor);
	} else if (!strcmp(s->cmd, "disconnect")) {
		ret = rblk_nl_minor_cmd(RBLK_CMD_DISCONNECT, minor);
		if (ret == -ENOTCONN)
			ret = 0;	/* already StandAlone: nothing to do */
	} else if (!strcmp(s->cmd, "detach")) {
		ret = rblk_nl_minor_cmd(RBLK_CMD_DETACH, minor);
		if (ret == -ENXIO)
			ret = 0;
		else if (!ret && wait_diskless(minor))
			return -ETIMEDOUT;	/* it said why */
	} else if (!strcmp(s->cmd, "del-device")) {
		ret = rblk_nl_minor_cmd(RBLK_CMD_DEL_DEVICE, minor);
	} else if (!strcmp(s->cmd, "primary")) {
		ret = rblk_nl_set_role(minor, RBLK_ROLE_PRIMARY,
				       plan_get(s, "force") ? RBLK_F_FORCE : 0);
	} else if (!strcmp(s->cmd, "secondary")) {
		ret = rblk_nl_set_role(minor, RBLK_ROLE_SECONDARY, 0);
	} else {
		err("%s: unknown plan step", s->cmd);
		return -EINVAL;
	}
	/* Taking down what is not there: already done (down is idempotent). */
	if (ret == -ENODEV && (!strcmp(s->cmd, "secondary") ||
			       !strcmp(s->cmd, "disconnect") ||
			       !strcmp(s->cmd, "detach") ||
			       !strcmp(s->cmd, "del-device")))
		ret = 0;
	if (ret)
		explain(s, ret);
	return ret;
}
