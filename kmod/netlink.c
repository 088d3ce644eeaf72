// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink family "rblk": the commands of include/rblk/genl.h and
 * the "events" multicast group.
 */
#include <linux/capability.h>
#include <linux/ctype.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <net/genetlink.h>
#include <rblk/wire.h>

#include "device.h"
#include "digest.h"
#include "gen.h"
#include "ioerr.h"
#include "netlink.h"
#include "req.h"
#include "state.h"

static const struct nla_policy rblk_net_policy[RBLK_NET_MAX + 1] = {
	[RBLK_NET_PING_INT]	= { .type = NLA_U32 },
	[RBLK_NET_PING_TIMEOUT]	= { .type = NLA_U32 },
	[RBLK_NET_TIMEOUT]	= { .type = NLA_U32 },
	[RBLK_NET_KO_COUNT]	= { .type = NLA_U32 },
	[RBLK_NET_CONNECT_INT]	= { .type = NLA_U32 },
	[RBLK_NET_SNDBUF]	= { .type = NLA_U32 },
	[RBLK_NET_RCVBUF]	= { .type = NLA_U32 },
	[RBLK_NET_AFTER_SB_0PRI] = NLA_POLICY_MAX(NLA_U32, RBLK_ASB_DISCARD_REMOTE),
	[RBLK_NET_AFTER_SB_1PRI] = NLA_POLICY_MAX(NLA_U32, __RBLK_ASB_LAST - 1),
	[RBLK_NET_AFTER_SB_2PRI] = NLA_POLICY_MAX(NLA_U32, RBLK_ASB_DISCONNECT),
	[RBLK_NET_VERIFY_ALG]	= NLA_POLICY_MAX(NLA_U32, __RBLK_DIGEST_LAST - 1),
	[RBLK_NET_CSUMS_ALG]	= NLA_POLICY_MAX(NLA_U32, __RBLK_DIGEST_LAST - 1),
	[RBLK_NET_RESYNC_RATE]	= { .type = NLA_U32 },
	[RBLK_NET_C_PLAN_AHEAD]	= { .type = NLA_U32 },
	[RBLK_NET_MAX_BUFFERS]	= { .type = NLA_U32 },
	[RBLK_NET_FENCING]	= NLA_POLICY_MAX(NLA_U32, __RBLK_FENCING_LAST - 1),
	[RBLK_NET_HANDLER_TIMEOUT] = { .type = NLA_U32 },
	[RBLK_NET_BEFORE_RESYNC_WAIT] = NLA_POLICY_MAX(NLA_U32, 1),
	[RBLK_NET_CRAM_HMAC_ALG] = { .type = NLA_NUL_STRING, .len = RBLK_AUTH_ALG_LEN - 1 },
	[RBLK_NET_SHARED_SECRET] = { .type = NLA_BINARY, .len = RBLK_SHARED_SECRET_MAX },
	/* reported only */
	[RBLK_NET_SECRET_ID]	= { .type = NLA_REJECT },
};

static const struct nla_policy rblk_policy[RBLK_A_MAX + 1] = {
	[RBLK_A_MINOR]		= NLA_POLICY_MAX(NLA_U32, RBLK_MINOR_MAX),
	[RBLK_A_RESOURCE]	= { .type = NLA_NUL_STRING,
				    .len = RBLK_RESOURCE_NAME_MAX - 1 },
	[RBLK_A_BACKING_DEV]	= { .type = NLA_NUL_STRING,
				    .len = RBLK_PATH_MAX - 1 },
	[RBLK_A_SIZE]		= { .type = NLA_REJECT },
	[RBLK_A_ROLE]		= NLA_POLICY_RANGE(NLA_U8, RBLK_ROLE_PRIMARY,
						   RBLK_ROLE_SECONDARY),
	[RBLK_A_DISK_STATE]	= { .type = NLA_REJECT },
	[RBLK_A_OPEN_COUNT]	= { .type = NLA_REJECT },
	[RBLK_A_STATS]		= { .type = NLA_REJECT },
	[RBLK_A_FLAGS]		= { .type = NLA_U32 },
	[RBLK_A_EVENT]		= { .type = NLA_REJECT },
	[RBLK_A_SYNC]		= { .type = NLA_REJECT },
	[RBLK_A_META_DEV]	= { .type = NLA_NUL_STRING,
				    .len = RBLK_PATH_MAX - 1 },
	[RBLK_A_META_INTERNAL]	= { .type = NLA_FLAG },
	[RBLK_A_GI]		= { .type = NLA_REJECT },
	[RBLK_A_CONN_STATE]	= { .type = NLA_REJECT },
	[RBLK_A_PEER_ROLE]	= { .type = NLA_REJECT },
	[RBLK_A_PEER_DISK_STATE] = { .type = NLA_REJECT },
	[RBLK_A_LOCAL_ADDR]	= { .type = NLA_BINARY,
				    .len = sizeof(struct sockaddr_in6) },
	[RBLK_A_PEER_ADDR]	= { .type = NLA_BINARY,
				    .len = sizeof(struct sockaddr_in6) },
	[RBLK_A_NODE_NAME]	= { .type = NLA_NUL_STRING,
				    .len = RBLK_WIRE_NAME_LEN - 1 },
	[RBLK_A_PEER_NAME]	= { .type = NLA_NUL_STRING,
				    .len = RBLK_WIRE_NAME_LEN - 1 },
	[RBLK_A_NET_OPTS]	= NLA_POLICY_NESTED(rblk_net_policy),
	[RBLK_A_SUSP]		= { .type = NLA_REJECT },	/* reported only */
	[RBLK_A_LAST_ERROR]	= { .type = NLA_REJECT },
	[RBLK_A_DISK_ERROR]	= { .type = NLA_REJECT },
	[RBLK_A_ON_IO_ERROR]	= NLA_POLICY_MAX(NLA_U32,
						 __RBLK_ON_IO_ERROR_LAST - 1),
	[RBLK_A_SIZE_LIMIT]	= { .type = NLA_U64 },
	[RBLK_A_DISK_SIZE]	= { .type = NLA_REJECT },	/* reported only */
	[RBLK_A_PEER_SIZE]	= { .type = NLA_REJECT },	/* reported only */
	[RBLK_A_VERIFY_START]	= { .type = NLA_U64 },
	[RBLK_A_VERIFY_STOP]	= { .type = NLA_U64 },
	[RBLK_A_VERIFY]		= { .type = NLA_REJECT },
	[RBLK_A_HELPER_COOKIE]	= { .type = NLA_U64 },
	[RBLK_A_HELPER_STATUS]	= NLA_POLICY_MAX(NLA_U32, 255),
	[RBLK_A_FENCE]		= { .type = NLA_REJECT },	/* reported only */
	[RBLK_A_WRITE_LATENCY]	= { .type = NLA_REJECT },	/* reported only */
};

static struct genl_family rblk_genl_family;

static bool count_pending(struct request *rq, void *arg)
{
	struct rblk_req *req = blk_mq_rq_to_pdu(rq);

	if (atomic_read(&req->remote) == RBLK_REMOTE_PENDING)
		(*(u64 *)arg)++;
	return true;
}

static int put_stats(struct sk_buff *skb, struct rblk_device *dev,
		     u64 pending_acks)
{
	struct rblk_stats *s = &dev->stats;
	struct nlattr *nest = nla_nest_start(skb, RBLK_A_STATS);

	if (!nest)
		return -EMSGSIZE;
#define PUT(attr, v) \
	if (nla_put_u64_64bit(skb, attr, v, RBLK_STAT_UNSPEC)) \
		goto cancel
	PUT(RBLK_STAT_READ_KIB, atomic64_read(&s->read_kib));
	PUT(RBLK_STAT_WRITTEN_KIB, atomic64_read(&s->written_kib));
	PUT(RBLK_STAT_READS, atomic64_read(&s->reads));
	PUT(RBLK_STAT_WRITES, atomic64_read(&s->writes));
	PUT(RBLK_STAT_FLUSHES, atomic64_read(&s->flushes));
	PUT(RBLK_STAT_DISCARDS, atomic64_read(&s->discards));
	PUT(RBLK_STAT_IN_FLIGHT, atomic_read(&s->in_flight));
	PUT(RBLK_STAT_IO_ERRORS, atomic64_read(&s->io_errors));
	PUT(RBLK_STAT_SENT_KIB, atomic64_read(&s->sent_kib));
	PUT(RBLK_STAT_RECEIVED_KIB, atomic64_read(&s->received_kib));
	PUT(RBLK_STAT_PENDING_ACKS, pending_acks);
	PUT(RBLK_STAT_OUT_OF_SYNC_KIB, rblk_bm_weight(&dev->meta.bm) * 4);
	PUT(RBLK_STAT_CONNECTS, atomic64_read(&s->connects));
	PUT(RBLK_STAT_RESYNCED_KIB, atomic64_read(&s->resynced_kib));
	PUT(RBLK_STAT_RS_SKIPPED_KIB, atomic64_read(&s->rs_skipped_kib));
	PUT(RBLK_STAT_RS_ZERO_KIB, atomic64_read(&s->rs_zero_kib));
	PUT(RBLK_STAT_AL_WRITES, atomic64_read(&dev->meta.al.transactions));
	PUT(RBLK_STAT_REFUSED_ADDR, atomic64_read(&s->refused_addr));
	PUT(RBLK_STAT_AUTH_FAILURES, atomic64_read(&s->auth_failures));
	PUT(RBLK_STAT_READ_RETRIES, atomic64_read(&s->read_retries));
	PUT(RBLK_STAT_HEALED, atomic64_read(&s->healed));
	PUT(RBLK_STAT_RS_DEFERRED_KIB, atomic64_read(&s->rs_deferred_kib));
	PUT(RBLK_STAT_ACKS_HELD, atomic64_read(&s->acks_held));
#undef PUT
	nla_nest_end(skb, nest);
	return 0;
cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static int put_write_latency(struct sk_buff *skb, struct rblk_device *dev)
{
	u64 buckets[RBLK_LAT_BUCKETS] = {}, sum = 0;
	struct nlattr *nest, *a;
	unsigned int i;
	int cpu;

	for_each_possible_cpu(cpu) {
		const struct rblk_wlat *w = per_cpu_ptr(dev->wlat, cpu);

		sum += READ_ONCE(w->sum_us);
		for (i = 0; i < RBLK_LAT_BUCKETS; i++)
			buckets[i] += READ_ONCE(w->buckets[i]);
	}
	nest = nla_nest_start(skb, RBLK_A_WRITE_LATENCY);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, RBLK_LAT_A_SUM_US, sum, RBLK_LAT_A_UNSPEC))
		goto cancel;
	a = nla_reserve_64bit(skb, RBLK_LAT_A_BUCKETS, sizeof(buckets),
			      RBLK_LAT_A_UNSPEC);
	if (!a)
		goto cancel;
	memcpy(nla_data(a), buckets, sizeof(buckets));
	nla_nest_end(skb, nest);
	return 0;
cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static int put_gi(struct sk_buff *skb, const struct rblk_gi *gi)
{
	struct nlattr *nest = nla_nest_start(skb, RBLK_A_GI);

	if (!nest ||
	    nla_put_u64_64bit(skb, RBLK_GI_A_CURRENT, gi->uuid[RBLK_UI_CURRENT],
			      RBLK_GI_A_UNSPEC) ||
	    nla_put_u64_64bit(skb, RBLK_GI_A_BITMAP, gi->uuid[RBLK_UI_BITMAP],
			      RBLK_GI_A_UNSPEC) ||
	    nla_put_u64_64bit(skb, RBLK_GI_A_HISTORY0,
			      gi->uuid[RBLK_UI_HISTORY0], RBLK_GI_A_UNSPEC) ||
	    nla_put_u64_64bit(skb, RBLK_GI_A_HISTORY1,
			      gi->uuid[RBLK_UI_HISTORY1], RBLK_GI_A_UNSPEC) ||
	    nla_put_u32(skb, RBLK_GI_A_FLAGS, gi->flags))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* Verify progress while one runs, else the last one's result. */
static int put_verify(struct sk_buff *skb, struct rblk_conn *conn)
{
	struct rblk_verify *vf = &conn->vf;
	struct rblk_verify_result r;
	u64 total, done, ms, rate;
	unsigned long flags;
	struct nlattr *nest;
	sector_t pos;
	bool running;

	spin_lock_irqsave(&conn->lock, flags);
	running = vf->running;
	total = (u64)(vf->stop - vf->start) >> 1;
	pos = READ_ONCE(vf->pos);
	done = (u64)(pos - vf->start) >> 1;
	ms = jiffies_to_msecs(jiffies - vf->started);
	r = vf->last;
	spin_unlock_irqrestore(&conn->lock, flags);
	if (running) {
		rate = ms ? div64_u64(done * 1000, ms) : 0;
		nest = nla_nest_start(skb, RBLK_A_SYNC);
		if (!nest ||
		    nla_put_u64_64bit(skb, RBLK_SYNC_A_TOTAL_KIB, total, RBLK_SYNC_A_UNSPEC) ||
		    nla_put_u64_64bit(skb, RBLK_SYNC_A_DONE_KIB, done, RBLK_SYNC_A_UNSPEC) ||
		    nla_put_u64_64bit(skb, RBLK_SYNC_A_ELAPSED_MS, ms, RBLK_SYNC_A_UNSPEC) ||
		    nla_put_u64_64bit(skb, RBLK_SYNC_A_RATE_KIB, rate, RBLK_SYNC_A_UNSPEC) ||
		    nla_put_u64_64bit(skb, RBLK_SYNC_A_POS, pos, RBLK_SYNC_A_UNSPEC) ||
		    nla_put_flag(skb, RBLK_SYNC_A_VERIFY))
			return -EMSGSIZE;
		nla_nest_end(skb, nest);
	}
	if (!r.valid)
		return 0;
	nest = nla_nest_start(skb, RBLK_A_VERIFY);
	if (!nest ||
	    nla_put_u64_64bit(skb, RBLK_VERIFY_A_CHECKED_KIB, r.checked_kib, RBLK_VERIFY_A_UNSPEC) ||
	    nla_put_u64_64bit(skb, RBLK_VERIFY_A_DIFF_KIB, r.diff_kib, RBLK_VERIFY_A_UNSPEC) ||
	    nla_put_u64_64bit(skb, RBLK_VERIFY_A_START, r.start, RBLK_VERIFY_A_UNSPEC) ||
	    nla_put_u64_64bit(skb, RBLK_VERIFY_A_POS, r.pos, RBLK_VERIFY_A_UNSPEC) ||
	    nla_put_u64_64bit(skb, RBLK_VERIFY_A_ELAPSED_MS, r.elapsed_ms, RBLK_VERIFY_A_UNSPEC) ||
	    (r.stopped && nla_put_flag(skb, RBLK_VERIFY_A_STOPPED)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* Resync progress, while one runs. */
static int put_sync(struct sk_buff *skb, struct rblk_conn *conn)
{
	u64 total, done, ms, rate;
	unsigned long flags;
	struct nlattr *nest;
	bool running;

	spin_lock_irqsave(&conn->lock, flags);
	running = conn->rs.phase == RBLK_RS_RUNNING;
	total = conn->rs.total_bits * 4;
	done = conn->rs.done_bits * 4;
	ms = jiffies_to_msecs(jiffies - conn->rs.started);
	spin_unlock_irqrestore(&conn->lock, flags);
	if (!running)
		return put_verify(skb, conn);
	rate = ms ? div64_u64(done * 1000, ms) : 0;
	nest = nla_nest_start(skb, RBLK_A_SYNC);
	if (!nest ||
	    nla_put_u64_64bit(skb, RBLK_SYNC_A_TOTAL_KIB, total, RBLK_SYNC_A_UNSPEC) ||
	    nla_put_u64_64bit(skb, RBLK_SYNC_A_DONE_KIB, done, RBLK_SYNC_A_UNSPEC) ||
	    nla_put_u64_64bit(skb, RBLK_SYNC_A_ELAPSED_MS, ms, RBLK_SYNC_A_UNSPEC) ||
	    nla_put_u64_64bit(skb, RBLK_SYNC_A_RATE_KIB, rate, RBLK_SYNC_A_UNSPEC) ||
	    (rblk_resync_paused(conn) && nla_put_flag(skb, RBLK_SYNC_A_PAUSED)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return put_verify(skb, conn);
}

/* The connection's options: range, default, place in rblk_net_opts. */
struct opt_range {
	int attr;
	u32 min, max, def;
	size_t off;
};

#define OPT(a, lo, hi, d, f) \
	{ a, lo, hi, d, offsetof(struct rblk_net_opts, f) }
static const struct opt_range net_opts[] = {
	OPT(RBLK_NET_PING_INT, 100, 120000, 10000, ping_int),
	OPT(RBLK_NET_PING_TIMEOUT, 100, 30000, 500, ping_timeout),
	OPT(RBLK_NET_TIMEOUT, 100, 600000, 6000, timeout),
	OPT(RBLK_NET_KO_COUNT, 0, 200, 7, ko_count),
	OPT(RBLK_NET_CONNECT_INT, 100, 120000, 10000, connect_int),
	OPT(RBLK_NET_SNDBUF, 0, 16 << 20, 0, sndbuf),
	OPT(RBLK_NET_RCVBUF, 0, 16 << 20, 0, rcvbuf),
	OPT(RBLK_NET_AFTER_SB_0PRI, 0, RBLK_ASB_DISCARD_REMOTE, 0, after_sb[0]),
	OPT(RBLK_NET_AFTER_SB_1PRI, 0, __RBLK_ASB_LAST - 1, 0, after_sb[1]),
	OPT(RBLK_NET_AFTER_SB_2PRI, 0, RBLK_ASB_DISCONNECT, 0, after_sb[2]),
	OPT(RBLK_NET_VERIFY_ALG, 0, __RBLK_DIGEST_LAST - 1, 0, verify_alg),
	OPT(RBLK_NET_CSUMS_ALG, 0, __RBLK_DIGEST_LAST - 1, 0, csums_alg),
	OPT(RBLK_NET_RESYNC_RATE, 1, 4 << 20, 100 << 10, resync_rate),
	OPT(RBLK_NET_C_PLAN_AHEAD, 0, 30000, 2000, c_plan_ahead),
	OPT(RBLK_NET_MAX_BUFFERS, 32, 131072, 2048, max_buffers),
	OPT(RBLK_NET_FENCING, 0, __RBLK_FENCING_LAST - 1, 0, fencing),
	OPT(RBLK_NET_HANDLER_TIMEOUT, 0, 86400000, 120000, handler_timeout),
	OPT(RBLK_NET_BEFORE_RESYNC_WAIT, 0, 1, 0, before_resync_wait),
};
#undef OPT

/*
 * The connection's options. The secret's identifier only for @admin (a
 * GET from CAP_SYS_ADMIN, for 'rblkadm adjust'), never in events; the
 * secret itself never.
 */
static int put_net_opts(struct sk_buff *skb, const struct rblk_net_opts *o,
			bool admin)
{
	struct nlattr *nest = nla_nest_start(skb, RBLK_A_NET_OPTS);
	int i;

	if (!nest)
		return -EMSGSIZE;
	/* All of them: 'rblkadm adjust' compares each with the file. */
	for (i = 0; i < ARRAY_SIZE(net_opts); i++)
		if (nla_put_u32(skb, net_opts[i].attr,
				*(const u32 *)((const u8 *)o + net_opts[i].off)))
			return -EMSGSIZE;
	if (o->auth.key_len &&
	    (nla_put_string(skb, RBLK_NET_CRAM_HMAC_ALG, o->auth.alg) ||
	     (admin && nla_put(skb, RBLK_NET_SECRET_ID, sizeof(o->auth.id),
			       o->auth.id))))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int put_conn(struct sk_buff *skb, struct rblk_conn *conn,
		    const struct rblk_state *st, bool admin)
{
	/* Connection threads rewrite it: a terminated copy goes out. */
	char last_error[sizeof(conn->last_error)];

	if (nla_put_u8(skb, RBLK_A_CONN_STATE, st->conn))
		return -EMSGSIZE;
	if (!conn->worker)
		return 0;
	/* As the handshake said: while the peer's disk is still there. */
	if (rblk_conn_is_up(st->conn) && st->peer_disk > RBLK_DISK_FAILED &&
	    READ_ONCE(conn->peer_sizes) && READ_ONCE(conn->peer_usable) &&
	    nla_put_u64_64bit(skb, RBLK_A_PEER_SIZE, READ_ONCE(conn->peer_usable),
			      RBLK_A_UNSPEC))
		return -EMSGSIZE;
	strscpy(last_error, conn->last_error, sizeof(last_error));
	if (nla_put_u8(skb, RBLK_A_PEER_ROLE, st->peer_role) ||
	    nla_put_u8(skb, RBLK_A_PEER_DISK_STATE, st->peer_disk) ||
	    nla_put(skb, RBLK_A_PEER_ADDR, conn->addrlen, &conn->peer) ||
	    nla_put_string(skb, RBLK_A_PEER_NAME, conn->peer_node) ||
	    nla_put_string(skb, RBLK_A_LAST_ERROR, last_error))
		return -EMSGSIZE;
	return put_net_opts(skb, &conn->opts, admin);
}

/*
 * What the attached disk gives: its data area, within `size`; without
 * metadata, what attach made the device (kmod/device.c), which stays.
 */
static u64 disk_size(struct rblk_device *dev)
{
	if (dev->meta.present)
		return rblk_meta_usable_sectors(&dev->meta);
	return get_capacity(dev->disk);
}

/*
 * Under dev->lock, so the state is one state. The connection's
 * configuration changes only under rblk_devices_lock with its threads
 * stopped: a connection thread announcing a change reads it safely.
 */
static int put_dev_attrs_locked(struct sk_buff *skb, struct rblk_device *dev,
				bool admin)
{
	const struct rblk_state *st = &dev->state;
	u64 pending = 0;

	lockdep_assert_held(&dev->lock);
	blk_mq_tagset_busy_iter(&dev->tag_set, count_pending, &pending);
	if (nla_put_u32(skb, RBLK_A_MINOR, dev->minor) ||
	    nla_put_string(skb, RBLK_A_RESOURCE, dev->name) ||
	    nla_put_u64_64bit(skb, RBLK_A_SIZE, get_capacity(dev->disk),
			      RBLK_A_UNSPEC) ||
	    nla_put_u8(skb, RBLK_A_ROLE, st->role) ||
	    nla_put_u8(skb, RBLK_A_DISK_STATE, st->disk) ||
	    nla_put_u32(skb, RBLK_A_OPEN_COUNT, dev->open_count) ||
	    nla_put_u32(skb, RBLK_A_ON_IO_ERROR, READ_ONCE(dev->on_io_error)) ||
	    (st->susp && nla_put_u32(skb, RBLK_A_SUSP, st->susp)))
		return -EMSGSIZE;
	if (dev->backing.bdev &&
	    (nla_put_string(skb, RBLK_A_BACKING_DEV, dev->backing_path) ||
	     (dev->size_limit &&
	      nla_put_u64_64bit(skb, RBLK_A_SIZE_LIMIT, dev->size_limit,
				RBLK_A_UNSPEC)) ||
	     nla_put_u64_64bit(skb, RBLK_A_DISK_SIZE, disk_size(dev),
			       RBLK_A_UNSPEC)))
		return -EMSGSIZE;
	if (dev->meta.external &&
	    nla_put_string(skb, RBLK_A_META_DEV, "external"))
		return -EMSGSIZE;
	if (dev->meta.present && !dev->meta.failed && put_gi(skb, &dev->meta.gi))
		return -EMSGSIZE;
	/* Written once, before the bit (kmod/ioerr.c). */
	if (test_bit(RBLK_DISK_F_REASON, &dev->disk_flags)) {
		smp_rmb();
		if (nla_put_string(skb, RBLK_A_DISK_ERROR, dev->disk_error))
			return -EMSGSIZE;
	}
	if (put_conn(skb, &dev->conn, st, admin) || rblk_fence_put(skb, dev))
		return -EMSGSIZE;
	return put_sync(skb, &dev->conn) ?: put_stats(skb, dev, pending) ?:
	       put_write_latency(skb, dev);
}

static int put_dev_attrs(struct sk_buff *skb, struct rblk_device *dev,
			 bool admin)
{
	int ret;

	mutex_lock(&dev->lock);
	ret = put_dev_attrs_locked(skb, dev, admin);
	mutex_unlock(&dev->lock);
	return ret;
}

/*
 * A message of command @cmd describing @dev; NULL if out of memory.
 * @locked: the caller holds dev->lock, which metadata I/O is done under:
 * no allocation may recurse into the I/O path then.
 */
static struct sk_buff *device_msg(struct rblk_device *dev, u8 cmd,
				  u32 portid, u32 seq, int event, bool locked,
				  bool admin)
{
	struct sk_buff *skb = genlmsg_new(NLMSG_GOODSIZE,
					  locked ? GFP_NOIO : GFP_KERNEL);
	void *hdr;

	if (!skb)
		return NULL;
	hdr = genlmsg_put(skb, portid, seq, &rblk_genl_family, 0, cmd);
	if (!hdr)
		goto err_free;
	if (event && nla_put_u8(skb, RBLK_A_EVENT, event))
		goto err_free;
	if (locked ? put_dev_attrs_locked(skb, dev, admin) :
		     put_dev_attrs(skb, dev, admin))
		goto err_free;
	genlmsg_end(skb, hdr);
	return skb;
err_free:
	nlmsg_free(skb);
	return NULL;
}

/* Set on module unload before the family goes: no event after it. */
static bool rblk_genl_gone;

/* RBLK_EVENT_CREATE and RBLK_EVENT_DESTROY. */
void rblk_genl_event(struct rblk_device *dev, enum rblk_event event)
{
	struct sk_buff *skb;

	if (READ_ONCE(rblk_genl_gone))
		return;
	skb = device_msg(dev, RBLK_CMD_EVENT, 0, 0, event, false, false);

	if (skb)
		genlmsg_multicast(&rblk_genl_family, skb, 0, 0, GFP_KERNEL);
}

/* The one RBLK_EVENT_CHANGE of a state change (state.c, dev->lock held). */
void rblk_genl_state_event(struct rblk_device *dev)
{
	struct sk_buff *skb;

	lockdep_assert_held(&dev->lock);
	if (READ_ONCE(rblk_genl_gone))
		return;
	skb = device_msg(dev, RBLK_CMD_EVENT, 0, 0, RBLK_EVENT_CHANGE, true,
			 false);
	if (skb)
		genlmsg_multicast(&rblk_genl_family, skb, 0, 0, GFP_NOIO);
	else
		pr_warn_ratelimited("rblk%d: %s: out of memory: a state change event is lost\n",
				    dev->minor, dev->name);
}

static bool valid_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum(*s) && *s != '_' && *s != '-' && *s != '.')
			return false;
	return true;
}

/*
 * GENL_ADMIN_PERM checks CAP_NET_ADMIN; changing block devices needs
 * CAP_SYS_ADMIN as well.
 */
static int check_admin(struct sk_buff *skb, struct genl_info *info)
{
	if (netlink_capable(skb, CAP_SYS_ADMIN))
		return 0;
	NL_SET_ERR_MSG(info->extack, "rblk: CAP_SYS_ADMIN required");
	return -EPERM;
}

/* Look up RBLK_A_MINOR; called with rblk_devices_lock held. */
static struct rblk_device *info_device(struct genl_info *info)
{
	struct rblk_device *dev;

	if (GENL_REQ_ATTR_CHECK(info, RBLK_A_MINOR))
		return ERR_PTR(-EINVAL);
	dev = rblk_device_find(nla_get_u32(info->attrs[RBLK_A_MINOR]));
	if (!dev) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[RBLK_A_MINOR],
				    "rblk: no such device");
		return ERR_PTR(-ENODEV);
	}
	return dev;
}

static int reply_device(struct sk_buff *req, struct genl_info *info,
			struct rblk_device *dev)
{
	struct sk_buff *skb = device_msg(dev, RBLK_CMD_GET_DEVICE,
					 info->snd_portid, info->snd_seq, 0, false,
					 netlink_capable(req, CAP_SYS_ADMIN));

	return skb ? genlmsg_reply(skb, info) : -ENOMEM;
}

static int get_device_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct rblk_device *dev;
	int ret;

	mutex_lock(&rblk_devices_lock);
	dev = info_device(info);
	ret = IS_ERR(dev) ? PTR_ERR(dev) : reply_device(skb, info, dev);
	mutex_unlock(&rblk_devices_lock);
	return ret;
}

static int get_device_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	int minor = cb->args[0];
	struct rblk_device *dev;
	void *hdr;

	mutex_lock(&rblk_devices_lock);
	while ((dev = rblk_device_next(&minor))) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &rblk_genl_family,
				  NLM_F_MULTI, RBLK_CMD_GET_DEVICE);
		if (!hdr)
			break;
		if (put_dev_attrs(skb, dev, netlink_capable(cb->skb, CAP_SYS_ADMIN))) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		cb->args[0] = minor;
	}
	mutex_unlock(&rblk_devices_lock);
	return skb->len;
}

static int new_device_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	struct rblk_device *dev;
	int ret;

	ret = check_admin(skb, info);
	if (ret)
		return ret;
	if (GENL_REQ_ATTR_CHECK(info, RBLK_A_MINOR) ||
	    GENL_REQ_ATTR_CHECK(info, RBLK_A_RESOURCE))
		return -EINVAL;
	if (a[RBLK_A_FLAGS] && nla_get_u32(a[RBLK_A_FLAGS])) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[RBLK_A_FLAGS],
				    "rblk: unknown flags");
		return -EINVAL;
	}
	/* Honoured by RBLK_CMD_ATTACH only: refused, not dropped. */
	if (a[RBLK_A_SIZE_LIMIT]) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[RBLK_A_SIZE_LIMIT],
				    "rblk: a size limit goes with RBLK_CMD_ATTACH");
		return -EINVAL;
	}
	if (!valid_name(nla_data(a[RBLK_A_RESOURCE]))) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[RBLK_A_RESOURCE],
				    "rblk: invalid resource name");
		return -EINVAL;
	}
	mutex_lock(&rblk_devices_lock);
	dev = rblk_device_create(nla_get_u32(a[RBLK_A_MINOR]),
				 nla_data(a[RBLK_A_RESOURCE]));
	ret = PTR_ERR_OR_ZERO(dev);
	if (ret)
		goto out_unlock;
	rblk_genl_event(dev, RBLK_EVENT_CREATE);
	if (a[RBLK_A_BACKING_DEV]) {
		ret = rblk_device_attach(dev, nla_data(a[RBLK_A_BACKING_DEV]),
					 NULL, false, 0, info->extack);
		if (ret) {
			/* All or nothing: no half-made device stays behind. */
			rblk_device_destroy(dev);
			goto out_unlock;
		}
	}
out_unlock:
	mutex_unlock(&rblk_devices_lock);
	return ret;
}

static int del_device_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct rblk_device *dev;
	int ret;

	ret = check_admin(skb, info);
	if (ret)
		return ret;
	mutex_lock(&rblk_devices_lock);
	dev = info_device(info);
	ret = IS_ERR(dev) ? PTR_ERR(dev) : rblk_device_destroy(dev);
	mutex_unlock(&rblk_devices_lock);
	if (ret == -EBUSY)
		NL_SET_ERR_MSG(info->extack, "rblk: device is open");
	return ret;
}

static int attach_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct rblk_device *dev;
	u64 limit = 0;
	int ret;

	ret = check_admin(skb, info);
	if (ret)
		return ret;
	if (GENL_REQ_ATTR_CHECK(info, RBLK_A_BACKING_DEV))
		return -EINVAL;
	if (info->attrs[RBLK_A_SIZE_LIMIT])
		limit = nla_get_u64(info->attrs[RBLK_A_SIZE_LIMIT]);
	/* 1 MiB at least (include/rblk/md.h); sizes stay far from overflow. */
	if (limit && (limit < RBLK_MD_MIN_DATA >> SECTOR_SHIFT || limit >> 53)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[RBLK_A_SIZE_LIMIT],
				    "rblk: size must be 1 MiB to 4 EiB");
		return -EINVAL;
	}
	mutex_lock(&rblk_devices_lock);
	dev = info_device(info);
	ret = PTR_ERR_OR_ZERO(dev);
	if (!ret)
		ret = rblk_device_attach(dev,
				nla_data(info->attrs[RBLK_A_BACKING_DEV]),
				info->attrs[RBLK_A_META_DEV] ?
				nla_data(info->attrs[RBLK_A_META_DEV]) : NULL,
				nla_get_flag(info->attrs[RBLK_A_META_INTERNAL]),
				limit, info->extack);
	mutex_unlock(&rblk_devices_lock);
	if (ret == -EISCONN)
		NL_SET_ERR_MSG(info->extack, "rblk: a connection is configured: disconnect first");
	return ret;
}

/*
 * The common shape of a command on one device: admin check, known flags
 * only, the device by minor, @op under rblk_devices_lock. What @op changes
 * in the device's state is announced by state.c, once.
 */
static int device_doit(struct sk_buff *skb, struct genl_info *info,
		       u32 known_flags,
		       int (*op)(struct rblk_device *dev, struct genl_info *info,
				 u32 flags))
{
	struct nlattr **a = info->attrs;
	struct rblk_device *dev;
	u32 flags = 0;
	int ret;

	ret = check_admin(skb, info);
	if (ret)
		return ret;
	if (a[RBLK_A_FLAGS])
		flags = nla_get_u32(a[RBLK_A_FLAGS]);
	if (flags & ~known_flags) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[RBLK_A_FLAGS],
				    "rblk: unknown flags");
		return -EINVAL;
	}
	mutex_lock(&rblk_devices_lock);
	dev = info_device(info);
	ret = PTR_ERR_OR_ZERO(dev);
	if (!ret)
		ret = op(dev, info, flags);
	mutex_unlock(&rblk_devices_lock);
	return ret;
}

static int detach_op(struct rblk_device *dev, struct genl_info *info, u32 flags)
{
	return rblk_device_detach(dev, info->extack);
}

static int detach_doit(struct sk_buff *skb, struct genl_info *info)
{
	return device_doit(skb, info, 0, detach_op);
}

static int invalidate_op(struct rblk_device *dev, struct genl_info *info,
			 u32 flags)
{
	return rblk_gen_invalidate(dev, flags & RBLK_F_REMOTE, info->extack);
}

static int invalidate_doit(struct sk_buff *skb, struct genl_info *info)
{
	return device_doit(skb, info, __RBLK_F_INVALIDATE_ALL, invalidate_op);
}

static int new_uuid_op(struct rblk_device *dev, struct genl_info *info,
		       u32 flags)
{
	return rblk_gen_new_current_uuid(dev, flags & RBLK_F_CLEAR_BITMAP,
					 info->extack);
}

static int new_uuid_doit(struct sk_buff *skb, struct genl_info *info)
{
	return device_doit(skb, info, __RBLK_F_NEW_UUID_ALL, new_uuid_op);
}

static int pause_sync_op(struct rblk_device *dev, struct genl_info *info,
			 u32 flags)
{
	return rblk_state_pause_sync(dev, !(flags & RBLK_F_RESUME));
}

static int pause_sync_doit(struct sk_buff *skb, struct genl_info *info)
{
	return device_doit(skb, info, __RBLK_F_PAUSE_ALL, pause_sync_op);
}

static int outdate_op(struct rblk_device *dev, struct genl_info *info,
		      u32 flags)
{
	return rblk_gen_outdate(dev, info->extack);
}

static int outdate_doit(struct sk_buff *skb, struct genl_info *info)
{
	return device_doit(skb, info, 0, outdate_op);
}

/* rblkadm reports a waited handler's exit status; never waits itself. */
static int helper_done_op(struct rblk_device *dev, struct genl_info *info,
			  u32 flags)
{
	struct nlattr **a = info->attrs;
	u64 cookie;
	u32 status;

	if (GENL_REQ_ATTR_CHECK(info, RBLK_A_HELPER_COOKIE) ||
	    GENL_REQ_ATTR_CHECK(info, RBLK_A_HELPER_STATUS))
		return -EINVAL;
	cookie = nla_get_u64(a[RBLK_A_HELPER_COOKIE]);
	status = nla_get_u32(a[RBLK_A_HELPER_STATUS]);
	if (rblk_fence_helper_done(dev, cookie, status) ||
	    rblk_helper_done(&dev->conn.rs.before, cookie, status))
		return 0;
	NL_SET_ERR_MSG(info->extack, "rblk: no handler with this cookie is waited for (it timed out, or what it was run for is over: the peer connected again, or the connection ended)");
	return -ESTALE;
}

static int helper_done_doit(struct sk_buff *skb, struct genl_info *info)
{
	return device_doit(skb, info, 0, helper_done_op);
}

static int resume_io_op(struct rblk_device *dev, struct genl_info *info,
			u32 flags)
{
	int ret = rblk_fence_resume(dev, RBLK_SC_ADMIN, "resume-io",
				    info->extack);

	if (ret == -EALREADY)
		NL_SET_ERR_MSG(info->extack, "rblk: I/O is not suspended");
	else if (!ret)
		pr_warn("rblk%d: %s: I/O resumed by the administrator without a fenced peer\n",
			dev->minor, dev->name);
	return ret;
}

static int resume_io_doit(struct sk_buff *skb, struct genl_info *info)
{
	return device_doit(skb, info, 0, resume_io_op);
}

/* Read by the fail work (kmod/ioerr.c) when an error comes. */
static int disk_opts_op(struct rblk_device *dev, struct genl_info *info,
			u32 flags)
{
	u32 p = nla_get_u32(info->attrs[RBLK_A_ON_IO_ERROR]);

	if (p != READ_ONCE(dev->on_io_error))
		pr_info("rblk%d: %s: on-io-error %s\n", dev->minor, dev->name,
			rblk_on_io_error_name(p));
	WRITE_ONCE(dev->on_io_error, p);
	rblk_disk_policy_changed(dev);
	return 0;
}

static int disk_opts_doit(struct sk_buff *skb, struct genl_info *info)
{
	if (GENL_REQ_ATTR_CHECK(info, RBLK_A_ON_IO_ERROR))
		return -EINVAL;
	return device_doit(skb, info, 0, disk_opts_op);
}

static int set_role_op(struct rblk_device *dev, struct genl_info *info,
		       u32 flags)
{
	if (GENL_REQ_ATTR_CHECK(info, RBLK_A_ROLE))
		return -EINVAL;
	return rblk_state_set_role(dev, nla_get_u8(info->attrs[RBLK_A_ROLE]),
				   flags & RBLK_F_FORCE, info->extack);
}

static int set_role_doit(struct sk_buff *skb, struct genl_info *info)
{
	return device_doit(skb, info, __RBLK_F_ROLE_ALL, set_role_op);
}

static int get_addr(struct genl_info *info, int type,
		    struct sockaddr_storage *ss, int *len)
{
	struct nlattr *a = info->attrs[type];
	int n = nla_len(a);

	memset(ss, 0, sizeof(*ss));
	memcpy(ss, nla_data(a), min_t(int, n, sizeof(*ss)));
	if ((n == sizeof(struct sockaddr_in) && ss->ss_family == AF_INET &&
	     ((struct sockaddr_in *)ss)->sin_port) ||
	    (n == sizeof(struct sockaddr_in6) && ss->ss_family == AF_INET6 &&
	     ((struct sockaddr_in6 *)ss)->sin6_port)) {
		*len = n;
		return 0;
	}
	NL_SET_ERR_MSG_ATTR(info->extack, a, "rblk: bad socket address");
	return -EINVAL;
}

static int get_net_opts(struct genl_info *info, struct rblk_net_opts *o)
{
	struct nlattr *tb[RBLK_NET_MAX + 1] = {};
	int i, ret;

	if (info->attrs[RBLK_A_NET_OPTS]) {
		ret = nla_parse_nested(tb, RBLK_NET_MAX,
				       info->attrs[RBLK_A_NET_OPTS],
				       rblk_net_policy, info->extack);
		if (ret)
			return ret;
	}
	for (i = 0; i < ARRAY_SIZE(net_opts); i++) {
		const struct opt_range *r = &net_opts[i];
		u32 v = tb[r->attr] ? nla_get_u32(tb[r->attr]) : r->def;

		if (v < r->min || v > r->max) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[r->attr],
					    "rblk: network option out of range");
			return -ERANGE;
		}
		*(u32 *)((u8 *)o + r->off) = v;
	}
	return rblk_auth_set(&o->auth, tb[RBLK_NET_CRAM_HMAC_ALG],
			     tb[RBLK_NET_SHARED_SECRET], info->extack);
}

/* The digests named must exist in this kernel (crypto modules load here). */
static int check_digests(struct genl_info *info, const struct rblk_net_opts *o)
{
	const u32 algs[] = { o->verify_alg, o->csums_alg };
	struct crypto_shash *tfm;
	int i;

	for (i = 0; i < ARRAY_SIZE(algs); i++) {
		if (!algs[i])
			continue;
		tfm = rblk_digest_tfm(algs[i]);
		if (IS_ERR(tfm)) {
			/* extack keeps the pointer: one literal per name */
			if (algs[i] == RBLK_DIGEST_CRC32C)
				NL_SET_ERR_MSG(info->extack, "rblk: this kernel has no crc32c digest");
			else if (algs[i] == RBLK_DIGEST_MD5)
				NL_SET_ERR_MSG(info->extack, "rblk: this kernel has no md5 digest");
			else if (algs[i] == RBLK_DIGEST_SHA1)
				NL_SET_ERR_MSG(info->extack, "rblk: this kernel has no sha1 digest");
			else
				NL_SET_ERR_MSG(info->extack, "rblk: this kernel has no sha256 digest");
			return -EOPNOTSUPP;
		}
		crypto_free_shash(tfm);
	}
	return 0;
}

static int parse_connect(struct genl_info *info, struct rblk_conn *cfg)
{
	struct nlattr **a = info->attrs;
	struct sockaddr_storage peer;
	int ret, plen;

	if (GENL_REQ_ATTR_CHECK(info, RBLK_A_LOCAL_ADDR) ||
	    GENL_REQ_ATTR_CHECK(info, RBLK_A_PEER_ADDR) ||
	    GENL_REQ_ATTR_CHECK(info, RBLK_A_NODE_NAME) ||
	    GENL_REQ_ATTR_CHECK(info, RBLK_A_PEER_NAME))
		return -EINVAL;
	ret = get_addr(info, RBLK_A_LOCAL_ADDR, &cfg->local, &cfg->addrlen);
	if (!ret)
		ret = get_addr(info, RBLK_A_PEER_ADDR, &peer, &plen);
	if (ret)
		return ret;
	if (peer.ss_family != cfg->local.ss_family) {
		NL_SET_ERR_MSG(info->extack, "rblk: local and peer address families differ");
		return -EINVAL;
	}
	cfg->peer = peer;
	if (a[RBLK_A_FLAGS] &&
	    (nla_get_u32(a[RBLK_A_FLAGS]) & ~__RBLK_F_CONNECT_ALL)) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[RBLK_A_FLAGS], "rblk: unknown flags");
		return -EINVAL;
	}
	cfg->flags = a[RBLK_A_FLAGS] ? nla_get_u32(a[RBLK_A_FLAGS]) : 0;
	strscpy(cfg->node, nla_data(a[RBLK_A_NODE_NAME]), sizeof(cfg->node));
	strscpy(cfg->peer_node, nla_data(a[RBLK_A_PEER_NAME]), sizeof(cfg->peer_node));
	ret = get_net_opts(info, &cfg->opts);
	return ret ?: check_digests(info, &cfg->opts);
}

static int connect_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct rblk_device *dev;
	struct rblk_conn *cfg;
	int ret;

	ret = check_admin(skb, info);
	if (ret)
		return ret;
	cfg = kzalloc(sizeof(*cfg), GFP_KERNEL);
	if (!cfg)
		return -ENOMEM;
	ret = parse_connect(info, cfg);
	if (ret)
		goto out_free;
	/* Sockets live in the namespace of whoever configured them. */
	cfg->net = get_net(genl_info_net(info));
	mutex_lock(&rblk_devices_lock);
	dev = info_device(info);
	ret = PTR_ERR_OR_ZERO(dev);
	if (!ret)
		ret = rblk_device_connect(dev, cfg);
	mutex_unlock(&rblk_devices_lock);
	if (ret)
		put_net(cfg->net);
out_free:
	kfree_sensitive(cfg);
	return ret;
}

/* Options of a configured connection, changed while it runs. */
static int net_opts_op(struct rblk_device *dev, struct genl_info *info,
		       u32 flags)
{
	struct rblk_conn *conn = &dev->conn;
	struct rblk_net_opts *o;
	unsigned long irqflags;
	bool had_auth;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, RBLK_A_NET_OPTS))
		return -EINVAL;
	if (!conn->worker)
		return -ENOTCONN;
	o = kzalloc(sizeof(*o), GFP_KERNEL);
	if (!o)
		return -ENOMEM;
	ret = get_net_opts(info, o);
	if (!ret)
		ret = check_digests(info, o);
	if (ret)
		goto out;
	/* dev->lock too: a state event reads the options under it. */
	mutex_lock(&dev->lock);
	spin_lock_irqsave(&conn->lock, irqflags);
	had_auth = conn->opts.auth.key_len;
	conn->opts = *o;
	spin_unlock_irqrestore(&conn->lock, irqflags);
	mutex_unlock(&dev->lock);
	/* The request carries the whole set: no secret in it means none. */
	if (had_auth && !o->auth.key_len)
		pr_warn("rblk%d: %s: peer authentication turned off: the next connection takes any peer at the configured address\n",
			dev->minor, dev->name);
	rblk_resync_opts_changed(conn);
	rblk_conn_opts_changed(conn);
	if (o->c_plan_ahead)
		pr_info("rblk%d: %s: network options changed (verify-alg %s, csums-alg %s, dynamic resync rate, authentication %s, fencing %s)\n",
			dev->minor, dev->name, rblk_digest_name(o->verify_alg),
			rblk_digest_name(o->csums_alg),
			o->auth.key_len ? o->auth.alg : "none",
			rblk_fencing_name(o->fencing));
	else
		pr_info("rblk%d: %s: network options changed (verify-alg %s, csums-alg %s, resync-rate %u KiB/s, authentication %s, fencing %s)\n",
			dev->minor, dev->name, rblk_digest_name(o->verify_alg),
			rblk_digest_name(o->csums_alg), o->resync_rate,
			o->auth.key_len ? o->auth.alg : "none",
			rblk_fencing_name(o->fencing));
out:
	kfree_sensitive(o);
	return ret;
}

static int net_opts_doit(struct sk_buff *skb, struct genl_info *info)
{
	return device_doit(skb, info, 0, net_opts_op);
}

static int verify_op(struct rblk_device *dev, struct genl_info *info,
		     u32 flags)
{
	struct nlattr **a = info->attrs;
	u64 start = a[RBLK_A_VERIFY_START] ? nla_get_u64(a[RBLK_A_VERIFY_START]) : 0;
	u64 stop = a[RBLK_A_VERIFY_STOP] ? nla_get_u64(a[RBLK_A_VERIFY_STOP]) : U64_MAX;
	int ret;

	if (!dev->disk || !get_capacity(dev->disk))
		return -ENODATA;
	ret = rblk_verify_start(dev, start, stop, flags & RBLK_F_VERIFY_REPAIR);
	if (ret == -ERANGE)
		NL_SET_ERR_MSG(info->extack, "rblk: verify range is empty or beyond the end of the device");
	return ret;
}

static int verify_doit(struct sk_buff *skb, struct genl_info *info)
{
	return device_doit(skb, info, __RBLK_F_VERIFY_ALL, verify_op);
}

static int disconnect_op(struct rblk_device *dev, struct genl_info *info,
			 u32 flags)
{
	return rblk_device_disconnect(dev);
}

static int disconnect_doit(struct sk_buff *skb, struct genl_info *info)
{
	return device_doit(skb, info, 0, disconnect_op);
}

static const struct genl_small_ops rblk_genl_ops[] = {
	{
		.cmd = RBLK_CMD_GET_DEVICE,
		.doit = get_device_doit,
		.dumpit = get_device_dumpit,
	}, {
		.cmd = RBLK_CMD_NEW_DEVICE,
		.doit = new_device_doit,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = RBLK_CMD_DEL_DEVICE,
		.doit = del_device_doit,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = RBLK_CMD_SET_ROLE,
		.doit = set_role_doit,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = RBLK_CMD_ATTACH,
		.doit = attach_doit,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = RBLK_CMD_DETACH,
		.doit = detach_doit,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = RBLK_CMD_CONNECT,
		.doit = connect_doit,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = RBLK_CMD_DISCONNECT,
		.doit = disconnect_doit,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = RBLK_CMD_INVALIDATE,
		.doit = invalidate_doit,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = RBLK_CMD_PAUSE_SYNC,
		.doit = pause_sync_doit,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = RBLK_CMD_NEW_CURRENT_UUID,
		.doit = new_uuid_doit,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = RBLK_CMD_VERIFY,
		.doit = verify_doit,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = RBLK_CMD_NET_OPTS,
		.doit = net_opts_doit,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = RBLK_CMD_OUTDATE,
		.doit = outdate_doit,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = RBLK_CMD_HELPER_DONE,
		.doit = helper_done_doit,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = RBLK_CMD_RESUME_IO,
		.doit = resume_io_doit,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = RBLK_CMD_DISK_OPTS,
		.doit = disk_opts_doit,
		.flags = GENL_ADMIN_PERM,
	},
};

static const struct genl_multicast_group rblk_mcgrps[] = {
	{ .name = RBLK_GENL_MCGRP_EVENTS },
};

static struct genl_family rblk_genl_family __ro_after_init = {
	.name = RBLK_GENL_NAME,
	.version = RBLK_GENL_VERSION,
	.maxattr = RBLK_A_MAX,
	.policy = rblk_policy,
	.netnsok = true,
	.module = THIS_MODULE,
	.small_ops = rblk_genl_ops,
	.n_small_ops = ARRAY_SIZE(rblk_genl_ops),
	.mcgrps = rblk_mcgrps,
	.n_mcgrps = ARRAY_SIZE(rblk_mcgrps),
};

int __init rblk_genl_init(void)
{
	return genl_register_family(&rblk_genl_family);
}

void rblk_genl_exit(void)
{
	WRITE_ONCE(rblk_genl_gone, true);
	genl_unregister_family(&rblk_genl_family);
}
