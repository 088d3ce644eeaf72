// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Generic netlink client for rblk.ko. One socket per rblkadm run; every
 * request waits for its answer, so errors are reported where they happen.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <linux/netlink.h>
#include <netlink/msg.h>

#include <rblk/auth.h>
#include <rblk/genl.h>

#include "nl.h"
#include "util.h"

static struct nl_sock *sock;
static int family;
static char last_msg[256];	/* extack message of the last error */

struct request_state {
	int error;		/* negative errno from the kernel, or 0 */
	bool done;
	rblk_dev_cb cb;		/* called for each device in a reply */
	void *arg;
};

int rblk_nl_open(void)
{
	int ret, one = 1;

	if (sock)
		return 0;
	sock = nl_socket_alloc();
	if (!sock)
		return -ENOMEM;
	ret = genl_connect(sock);
	if (ret < 0)
		goto err_free;
	family = genl_ctrl_resolve(sock, RBLK_GENL_NAME);
	if (family < 0) {
		ret = -ENOENT;
		goto err_free;
	}
	/* Best effort: without it errors just carry no kernel message. */
	setsockopt(nl_socket_get_fd(sock), SOL_NETLINK, NETLINK_EXT_ACK, &one,
		   sizeof(one));
	return 0;
err_free:
	nl_socket_free(sock);
	sock = NULL;
	return ret < 0 && ret != -ENOENT ? -EIO : ret;
}

int rblk_nl_open_or_explain(void)
{
	int ret = rblk_nl_open();

	if (ret == -ENOENT) {
		err("the rblk kernel module is not loaded (no generic netlink family '%s')",
		    RBLK_GENL_NAME);
		hint("load it with 'modprobe rblk' (from a build tree: 'insmod kmod/rblk.ko')");
		return EXIT_NO_MODULE_ERR;
	}
	if (ret) {
		err("cannot talk to the kernel over generic netlink: %s", strerror(-ret));
		return 1;
	}
	return 0;
}

static void parse_stats(struct nlattr *nest, struct rblk_dev_info *d)
{
	struct nlattr *tb[RBLK_STAT_MAX + 1];
	int i;

	if (nla_parse_nested(tb, RBLK_STAT_MAX, nest, NULL))
		return;
	for (i = 1; i <= RBLK_STAT_MAX && i < (int)ARRAY_SIZE(d->stats); i++)
		if (tb[i] && nla_len(tb[i]) == sizeof(uint64_t))
			d->stats[i] = nla_get_u64(tb[i]);
}

static void parse_gi(struct nlattr *nest, struct rblk_dev_info *d)
{
	struct nlattr *tb[RBLK_GI_A_MAX + 1];
	int i;

	if (nla_parse_nested(tb, RBLK_GI_A_MAX, nest, NULL))
		return;
	d->has_gi = true;
	for (i = 0; i < 4; i++)
		if (tb[RBLK_GI_A_CURRENT + i])
			d->uuid[i] = nla_get_u64(tb[RBLK_GI_A_CURRENT + i]);
	if (tb[RBLK_GI_A_FLAGS])
		d->md_flags = nla_get_u32(tb[RBLK_GI_A_FLAGS]);
}

static void parse_sync(struct nlattr *nest, struct rblk_dev_info *d)
{
	struct nlattr *tb[RBLK_SYNC_A_MAX + 1];

	if (nla_parse_nested(tb, RBLK_SYNC_A_MAX, nest, NULL) < 0)
		return;
	d->has_sync = true;
	d->sync_paused = tb[RBLK_SYNC_A_PAUSED] != NULL;
	if (tb[RBLK_SYNC_A_TOTAL_KIB])
		d->sync_total_kib = nla_get_u64(tb[RBLK_SYNC_A_TOTAL_KIB]);
	if (tb[RBLK_SYNC_A_DONE_KIB])
		d->sync_done_kib = nla_get_u64(tb[RBLK_SYNC_A_DONE_KIB]);
	if (tb[RBLK_SYNC_A_ELAPSED_MS])
		d->sync_elapsed_ms = nla_get_u64(tb[RBLK_SYNC_A_ELAPSED_MS]);
	if (tb[RBLK_SYNC_A_RATE_KIB])
		d->sync_rate_kib = nla_get_u64(tb[RBLK_SYNC_A_RATE_KIB]);
	d->sync_verify = tb[RBLK_SYNC_A_VERIFY] != NULL;
	if (tb[RBLK_SYNC_A_POS])
		d->sync_pos = nla_get_u64(tb[RBLK_SYNC_A_POS]);
}

static void parse_net_opts(struct nlattr *nest, struct rblk_dev_info *d)
{
	struct nlattr *tb[RBLK_NET_MAX + 1];
	int i;

	if (nla_parse_nested(tb, RBLK_NET_MAX, nest, NULL) < 0)
		return;
	d->has_net_opts = true;
	if (tb[RBLK_NET_CRAM_HMAC_ALG])
		snprintf(d->hmac_alg, sizeof(d->hmac_alg), "%.*s",
			 nla_len(tb[RBLK_NET_CRAM_HMAC_ALG]),
			 (const char *)nla_data(tb[RBLK_NET_CRAM_HMAC_ALG]));
	if (tb[RBLK_NET_SECRET_ID] &&
	    nla_len(tb[RBLK_NET_SECRET_ID]) == RBLK_AUTH_SECRET_ID_LEN)
		for (i = 0; i < RBLK_AUTH_SECRET_ID_LEN; i++)
			snprintf(d->secret_id + 2 * i, 3, "%02x",
				 ((const uint8_t *)nla_data(tb[RBLK_NET_SECRET_ID]))[i]);
	for (i = 1; i <= RBLK_NET_MAX; i++) {
		if (i == RBLK_NET_CRAM_HMAC_ALG || i == RBLK_NET_SHARED_SECRET ||
		    i == RBLK_NET_SECRET_ID)
			continue;
		if (!tb[i] || nla_len(tb[i]) != sizeof(uint32_t))
			continue;
		d->net_opts[i] = nla_get_u32(tb[i]);
		d->net_opts_set |= 1U << i;
	}
}

static uint64_t get_u64(struct nlattr *a)
{
	return a && nla_len(a) == sizeof(uint64_t) ? nla_get_u64(a) : 0;
}

static void parse_verify(struct nlattr *nest, struct rblk_dev_info *d)
{
	struct nlattr *tb[RBLK_VERIFY_A_MAX + 1];

	if (nla_parse_nested(tb, RBLK_VERIFY_A_MAX, nest, NULL) < 0)
		return;
	d->has_verify = true;
	d->verify_checked_kib = get_u64(tb[RBLK_VERIFY_A_CHECKED_KIB]);
	d->verify_diff_kib = get_u64(tb[RBLK_VERIFY_A_DIFF_KIB]);
	d->verify_start = get_u64(tb[RBLK_VERIFY_A_START]);
	d->verify_pos = get_u64(tb[RBLK_VERIFY_A_POS]);
	d->verify_elapsed_ms = get_u64(tb[RBLK_VERIFY_A_ELAPSED_MS]);
	d->verify_stopped = tb[RBLK_VERIFY_A_STOPPED] != NULL;
}

static void format_addr(struct nlattr *a, char *buf, size_t len)
{
	struct sockaddr_storage ss = {};
	char host[INET6_ADDRSTRLEN] = "?";

	size_t n = nla_len(a);

	memcpy(&ss, nla_data(a), n < sizeof(ss) ? n : sizeof(ss));
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(s4->sin_port));
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(s6->sin6_port));
	}
}

static void copy_str(char *dst, size_t len, struct nlattr *a)
{
	if (a)
		snprintf(dst, len, "%.*s", nla_len(a), (const char *)nla_data(a));
}

static void parse_fence(struct nlattr *nest, struct rblk_dev_info *d)
{
	struct nlattr *tb[RBLK_FENCE_A_MAX + 1];

	if (nla_parse_nested(tb, RBLK_FENCE_A_MAX, nest, NULL) < 0)
		return;
	d->has_fence = true;
	d->fence_running = tb[RBLK_FENCE_A_RUNNING] != NULL;
	d->fence_no_result = tb[RBLK_FENCE_A_NO_RESULT] != NULL;
	if (tb[RBLK_FENCE_A_LAST_EXIT]) {
		d->fence_finished = true;
		d->fence_last_exit = nla_get_u32(tb[RBLK_FENCE_A_LAST_EXIT]);
	}
	d->fence_finished |= d->fence_no_result;
	if (tb[RBLK_FENCE_A_ELAPSED_MS])
		d->fence_elapsed_ms = nla_get_u64(tb[RBLK_FENCE_A_ELAPSED_MS]);
	if (tb[RBLK_FENCE_A_RUNS])
		d->fence_runs = nla_get_u32(tb[RBLK_FENCE_A_RUNS]);
}

/* Buckets of another length have other bounds: no histogram then. */
static void parse_write_latency(struct nlattr *nest, struct rblk_dev_info *d)
{
	struct nlattr *tb[RBLK_LAT_A_MAX + 1];
	struct nlattr *b;

	if (nla_parse_nested(tb, RBLK_LAT_A_MAX, nest, NULL) < 0)
		return;
	b = tb[RBLK_LAT_A_BUCKETS];
	if (!b || nla_len(b) != sizeof(d->wlat) || !tb[RBLK_LAT_A_SUM_US])
		return;
	memcpy(d->wlat, nla_data(b), sizeof(d->wlat));
	d->wlat_sum_us = get_u64(tb[RBLK_LAT_A_SUM_US]);
	d->has_wlat = true;
}

/* Parse a device message; unknown attributes are ignored (ABI rule). */
static int parse_device(struct nl_msg *msg, struct rblk_dev_info *d)
{
	struct nlattr *tb[RBLK_A_MAX + 1];
	int ret;

	memset(d, 0, sizeof(*d));
	ret = genlmsg_parse(nlmsg_hdr(msg), 0, tb, RBLK_A_MAX, NULL);
	if (ret < 0 || !tb[RBLK_A_MINOR])
		return -EBADMSG;
	d->minor = nla_get_u32(tb[RBLK_A_MINOR]);
	copy_str(d->resource, sizeof(d->resource), tb[RBLK_A_RESOURCE]);
	copy_str(d->backing_dev, sizeof(d->backing_dev), tb[RBLK_A_BACKING_DEV]);
	if (tb[RBLK_A_SIZE])
		d->size_sectors = nla_get_u64(tb[RBLK_A_SIZE]);
	if (tb[RBLK_A_DISK_SIZE])
		d->disk_size_sectors = nla_get_u64(tb[RBLK_A_DISK_SIZE]);
	if (tb[RBLK_A_SIZE_LIMIT])
		d->size_limit_sectors = nla_get_u64(tb[RBLK_A_SIZE_LIMIT]);
	if (tb[RBLK_A_PEER_SIZE])
		d->peer_size_sectors = nla_get_u64(tb[RBLK_A_PEER_SIZE]);
	if (tb[RBLK_A_ROLE])
		d->role = nla_get_u8(tb[RBLK_A_ROLE]);
	if (tb[RBLK_A_DISK_STATE])
		d->disk_state = nla_get_u8(tb[RBLK_A_DISK_STATE]);
	if (tb[RBLK_A_SUSP])
		d->susp = nla_get_u32(tb[RBLK_A_SUSP]);
	if (tb[RBLK_A_OPEN_COUNT])
		d->open_count = nla_get_u32(tb[RBLK_A_OPEN_COUNT]);
	if (tb[RBLK_A_EVENT])
		d->event = nla_get_u8(tb[RBLK_A_EVENT]);
	if (tb[RBLK_A_STATS])
		parse_stats(tb[RBLK_A_STATS], d);
	if (tb[RBLK_A_GI])
		parse_gi(tb[RBLK_A_GI], d);
	if (tb[RBLK_A_META_DEV])
		d->meta_external = true;
	if (tb[RBLK_A_CONN_STATE])
		d->conn_state = nla_get_u8(tb[RBLK_A_CONN_STATE]);
	if (tb[RBLK_A_SYNC])
		parse_sync(tb[RBLK_A_SYNC], d);
	if (tb[RBLK_A_NET_OPTS])
		parse_net_opts(tb[RBLK_A_NET_OPTS], d);
	if (tb[RBLK_A_VERIFY])
		parse_verify(tb[RBLK_A_VERIFY], d);
	if (tb[RBLK_A_FENCE])
		parse_fence(tb[RBLK_A_FENCE], d);
	if (tb[RBLK_A_WRITE_LATENCY])
		parse_write_latency(tb[RBLK_A_WRITE_LATENCY], d);
	if (tb[RBLK_A_PEER_ROLE]) {
		d->has_peer = true;
		d->peer_role = nla_get_u8(tb[RBLK_A_PEER_ROLE]);
	}
	if (tb[RBLK_A_PEER_DISK_STATE])
		d->peer_disk_state = nla_get_u8(tb[RBLK_A_PEER_DISK_STATE]);
	copy_str(d->peer_name, sizeof(d->peer_name), tb[RBLK_A_PEER_NAME]);
	copy_str(d->last_error, sizeof(d->last_error), tb[RBLK_A_LAST_ERROR]);
	copy_str(d->disk_error, sizeof(d->disk_error), tb[RBLK_A_DISK_ERROR]);
	if (tb[RBLK_A_ON_IO_ERROR])
		d->on_io_error = nla_get_u32(tb[RBLK_A_ON_IO_ERROR]);
	if (tb[RBLK_A_PEER_ADDR])
		format_addr(tb[RBLK_A_PEER_ADDR], d->peer_addr, sizeof(d->peer_addr));
	if (tb[RBLK_A_LOCAL_ADDR])
		format_addr(tb[RBLK_A_LOCAL_ADDR], d->local_addr, sizeof(d->local_addr));
	return 0;
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct request_state *st = arg;
	struct rblk_dev_info d;

	if (st->cb && !parse_device(msg, &d))
		st->cb(&d, st->arg);
	return NL_OK;
}

/* The NLMSGERR_ATTR_MSG of an extended ack, into last_msg. */
static void save_extack(struct nlmsgerr *e)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1], *attrs;
	size_t off = sizeof(*e);

	last_msg[0] = 0;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	if (NLMSG_HDRLEN + off >= nlh->nlmsg_len)
		return;
	attrs = (struct nlattr *)((char *)e + NLMSG_ALIGN(off));
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, attrs,
		      nlh->nlmsg_len - NLMSG_HDRLEN - NLMSG_ALIGN(off), NULL) < 0)
		return;
	copy_str(last_msg, sizeof(last_msg), tb[NLMSGERR_ATTR_MSG]);
	/* one line, whatever the kernel sent */
	last_msg[strcspn(last_msg, "\n")] = 0;
}

const char *rblk_nl_last_msg(void)
{
	return last_msg;
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct request_state *st = arg;

	if (e->error)
		save_extack(e);
	st->error = e->error;
	st->done = true;
	return NL_STOP;
}

static int on_done(struct nl_msg *msg, void *arg)
{
	struct request_state *st = arg;

	st->done = true;
	return NL_STOP;
}

/* Send @msg (consumed) and wait for the answer. */
static int transact(struct nl_msg *msg, rblk_dev_cb cb, void *arg)
{
	struct request_state st = { .cb = cb, .arg = arg };
	struct nl_cb *nlcb;
	int ret;

	last_msg[0] = 0;
	if (!sock) {		/* not opened: a dry run without the module */
		nlmsg_free(msg);
		return -ENOTCONN;
	}
	nlcb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!nlcb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_set(nlcb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &st);
	nl_cb_set(nlcb, NL_CB_FINISH, NL_CB_CUSTOM, on_done, &st);
	nl_cb_set(nlcb, NL_CB_ACK, NL_CB_CUSTOM, on_done, &st);
	nl_cb_err(nlcb, NL_CB_CUSTOM, on_error, &st);
	ret = nl_send_auto(sock, msg);
	nlmsg_free(msg);
	while (ret >= 0 && !st.done)
		ret = nl_recvmsgs(sock, nlcb);
	nl_cb_put(nlcb);
	if (ret < 0 && !st.error)
		return -EIO;
	return st.error;
}

static struct nl_msg *new_msg(uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg && !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0,
				flags | NLM_F_ACK, cmd, RBLK_GENL_VERSION)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

int rblk_nl_devices(rblk_dev_cb cb, void *arg)
{
	struct nl_msg *msg = new_msg(RBLK_CMD_GET_DEVICE, NLM_F_DUMP);

	return msg ? transact(msg, cb, arg) : -ENOMEM;
}

struct one_device {
	uint32_t minor;
	struct rblk_dev_info *out;
	bool found;
};

static void one_device_cb(const struct rblk_dev_info *d, void *arg)
{
	struct one_device *o = arg;

	if (d->minor == o->minor) {
		*o->out = *d;
		o->found = true;
	}
}

int rblk_nl_device(uint32_t minor, struct rblk_dev_info *out)
{
	struct one_device o = { .minor = minor, .out = out };
	int ret = rblk_nl_devices(one_device_cb, &o);

	return ret ? ret : o.found ? 0 : -ENODEV;
}

int rblk_nl_new_device(uint32_t minor, const char *res, const char *disk)
{
	struct nl_msg *msg = new_msg(RBLK_CMD_NEW_DEVICE, 0);

	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, RBLK_A_MINOR, minor) ||
	    nla_put_string(msg, RBLK_A_RESOURCE, res) ||
	    (disk && nla_put_string(msg, RBLK_A_BACKING_DEV, disk))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return transact(msg, NULL, NULL);
}

static int attach_once(uint32_t minor, const char *disk, const char *meta_dev,
		       bool meta_internal, uint64_t size_limit)
{
	struct nl_msg *msg = new_msg(RBLK_CMD_ATTACH, 0);

	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, RBLK_A_MINOR, minor) ||
	    nla_put_string(msg, RBLK_A_BACKING_DEV, disk) ||
	    (meta_dev && nla_put_string(msg, RBLK_A_META_DEV, meta_dev)) ||
	    (meta_internal && nla_put_flag(msg, RBLK_A_META_INTERNAL)) ||
	    (size_limit && nla_put_u64(msg, RBLK_A_SIZE_LIMIT, size_limit))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return transact(msg, NULL, NULL);
}

/* The RBLK_A_NET_OPTS nest: the options r sets, no others. */
static int put_net_opts(struct nl_msg *msg, const struct rblk_connect_req *r)
{
	struct nlattr *opts = nla_nest_start(msg, RBLK_A_NET_OPTS);
	int i;

	if (!opts)
		return -EMSGSIZE;
	for (i = 1; i <= RBLK_NET_MAX; i++)
		if ((r->opts_set & (1U << i)) && nla_put_u32(msg, i, r->opts[i]))
			return -EMSGSIZE;
	if (r->hmac_alg && r->secret &&
	    (nla_put_string(msg, RBLK_NET_CRAM_HMAC_ALG, r->hmac_alg) ||
	     nla_put(msg, RBLK_NET_SHARED_SECRET, strlen(r->secret), r->secret)))
		return -EMSGSIZE;
	nla_nest_end(msg, opts);
	return 0;
}

int rblk_nl_connect(const struct rblk_connect_req *r)
{
	struct nl_msg *msg = new_msg(RBLK_CMD_CONNECT, 0);

	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, RBLK_A_MINOR, r->minor) ||
	    nla_put(msg, RBLK_A_LOCAL_ADDR, r->local_len, &r->local) ||
	    nla_put(msg, RBLK_A_PEER_ADDR, r->peer_len, &r->peer) ||
	    nla_put_string(msg, RBLK_A_NODE_NAME, r->node) ||
	    nla_put_string(msg, RBLK_A_PEER_NAME, r->peer_node) ||
	    (r->flags && nla_put_u32(msg, RBLK_A_FLAGS, r->flags)) ||
	    put_net_opts(msg, r)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return transact(msg, NULL, NULL);
}

int rblk_nl_net_opts(const struct rblk_connect_req *r)
{
	struct nl_msg *msg = new_msg(RBLK_CMD_NET_OPTS, 0);

	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, RBLK_A_MINOR, r->minor) || put_net_opts(msg, r)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return transact(msg, NULL, NULL);
}

int rblk_nl_verify(uint32_t minor, uint64_t start, uint64_t stop, uint32_t flags)
{
	struct nl_msg *msg = new_msg(RBLK_CMD_VERIFY, 0);

	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, RBLK_A_MINOR, minor) ||
	    (start != UINT64_MAX && nla_put_u64(msg, RBLK_A_VERIFY_START, start)) ||
	    (stop != UINT64_MAX && nla_put_u64(msg, RBLK_A_VERIFY_STOP, stop)) ||
	    (flags && nla_put_u32(msg, RBLK_A_FLAGS, flags))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return transact(msg, NULL, NULL);
}

/* A command whose only arguments are the minor and flags. */
static int minor_flags_once(uint8_t cmd, uint32_t minor, uint32_t flags)
{
	struct nl_msg *msg = new_msg(cmd, 0);

	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, RBLK_A_MINOR, minor) ||
	    (flags && nla_put_u32(msg, RBLK_A_FLAGS, flags))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return transact(msg, NULL, NULL);
}

/*
 * How long a command that rblk.ko answers with EAGAIN is asked again: while
 * a connection's handshake lasts (a round trip, or for a resync until the
 * bitmaps are exchanged, which a SyncTarget's before-resync-target handler
 * may delay) rblk.ko refuses role and generation changes instead of
 * holding its netlink lock (docs/protocol.md, Resync).
 */
#define EAGAIN_RETRY_MS	60000
#define EAGAIN_PAUSE_MS	100

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* EAGAIN before @end: pause, and true to ask again. */
static bool ask_again(int ret, long long end)
{
	if (ret != -EAGAIN || now_ms() >= end)
		return false;
	usleep(EAGAIN_PAUSE_MS * 1000);
	return true;
}

/* EAGAIN: the disk that failed is still being let go (asked again). */
int rblk_nl_attach_meta(uint32_t minor, const char *disk, const char *meta_dev,
			bool meta_internal, uint64_t size_limit)
{
	long long end = now_ms() + EAGAIN_RETRY_MS;
	int ret;

	do
		ret = attach_once(minor, disk, meta_dev, meta_internal, size_limit);
	while (ask_again(ret, end));
	return ret;
}

int rblk_nl_minor_flags_cmd(uint8_t cmd, uint32_t minor, uint32_t flags)
{
	long long end = now_ms() + EAGAIN_RETRY_MS;
	int ret;

	do
		ret = minor_flags_once(cmd, minor, flags);
	while (ask_again(ret, end));
	return ret;
}

int rblk_nl_minor_cmd(uint8_t cmd, uint32_t minor)
{
	return rblk_nl_minor_flags_cmd(cmd, minor, 0);
}

static int set_role_once(uint32_t minor, uint8_t role, uint32_t flags)
{
	struct nl_msg *msg = new_msg(RBLK_CMD_SET_ROLE, 0);

	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, RBLK_A_MINOR, minor) ||
	    nla_put_u8(msg, RBLK_A_ROLE, role) ||
	    (flags && nla_put_u32(msg, RBLK_A_FLAGS, flags))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return transact(msg, NULL, NULL);
}

/* As rblk_nl_minor_flags_cmd(): EAGAIN is asked again for a minute. */
int rblk_nl_set_role(uint32_t minor, uint8_t role, uint32_t flags)
{
	long long end = now_ms() + EAGAIN_RETRY_MS;
	int ret;

	do
		ret = set_role_once(minor, role, flags);
	while (ask_again(ret, end));
	return ret;
}

int rblk_nl_helper_done(uint32_t minor, uint64_t cookie, uint32_t status)
{
	struct nl_msg *msg = new_msg(RBLK_CMD_HELPER_DONE, 0);

	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, RBLK_A_MINOR, minor) ||
	    nla_put_u64(msg, RBLK_A_HELPER_COOKIE, cookie) ||
	    nla_put_u32(msg, RBLK_A_HELPER_STATUS, status)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return transact(msg, NULL, NULL);
}

int rblk_nl_disk_opts(uint32_t minor, uint32_t on_io_error)
{
	struct nl_msg *msg = new_msg(RBLK_CMD_DISK_OPTS, 0);

	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, RBLK_A_MINOR, minor) ||
	    nla_put_u32(msg, RBLK_A_ON_IO_ERROR, on_io_error)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return transact(msg, NULL, NULL);
}

static int on_event(struct nl_msg *msg, void *arg)
{
	struct request_state *st = arg;
	struct rblk_dev_info d;

	if (genlmsg_hdr(nlmsg_hdr(msg))->cmd == RBLK_CMD_EVENT &&
	    !parse_device(msg, &d))
		st->cb(&d, st->arg);
	return NL_OK;
}

/*
 * A socket of its own for the events group, joined before the caller lists
 * what exists: a change in between comes as an event after the listing,
 * none is lost, and replies on the request socket never meet an event.
 */
static struct nl_sock *ev_sock;

int rblk_nl_events_subscribe(void)
{
	int grp;

	ev_sock = nl_socket_alloc();
	if (!ev_sock)
		return -ENOMEM;
	if (genl_connect(ev_sock) < 0)
		goto err;
	grp = genl_ctrl_resolve_grp(ev_sock, RBLK_GENL_NAME, RBLK_GENL_MCGRP_EVENTS);
	if (grp < 0 || nl_socket_add_membership(ev_sock, grp) < 0)
		goto err;
	nl_socket_disable_seq_check(ev_sock);
	return 0;
err:
	nl_socket_free(ev_sock);
	ev_sock = NULL;
	return -EIO;
}

int rblk_nl_events(rblk_dev_cb cb, void *arg)
{
	struct request_state st = { .cb = cb, .arg = arg };
	int ret;

	nl_socket_modify_cb(ev_sock, NL_CB_VALID, NL_CB_CUSTOM, on_event, &st);
	for (;;) {
		ret = nl_recvmsgs_default(ev_sock);
		if (ret < 0 && ret != -NLE_INTR && ret != -NLE_AGAIN)
			return -EIO;
	}
}
