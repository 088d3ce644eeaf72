// SPDX-License-Identifier: GPL-2.0
/*
 * Device state: the only code that writes dev->state (role, disk,
 * connection, what we know of the peer, suspend flags). A change is a
 * whole new state, checked by the rules of include/rblk/state.h, applied
 * under dev->lock and conn->lock, logged once and announced as exactly one
 * event. The locks are described in state.h.
 */
#include <linux/delay.h>
#include <linux/kernel.h>
#include <net/netlink.h>

#include "device.h"
#include "ioerr.h"
#include "gen.h"
#include "netlink.h"
#include "state.h"

void rblk_state_init(struct rblk_device *dev)
{
	dev->state = (struct rblk_state){
		.role = RBLK_ROLE_SECONDARY,
		.disk = RBLK_DISK_DISKLESS,
		.conn = RBLK_CONN_STANDALONE,
		.peer_role = RBLK_ROLE_UNKNOWN,
		.peer_disk = RBLK_DISK_DISKLESS,
	};
}

static const char *susp_name(unsigned int susp)
{
	static const char *const names[] = {
		"none", "user", "peer", "user+peer", "fencing", "user+fencing",
		"peer+fencing", "user+peer+fencing",
	};

	BUILD_BUG_ON(ARRAY_SIZE(names) != __RBLK_SUSP_ALL + 1);
	return names[susp & __RBLK_SUSP_ALL];
}

/* "role Secondary -> Primary, disk Inconsistent -> UpToDate" */
static void describe(char *buf, size_t size, const struct rblk_state *os,
		     const struct rblk_state *ns)
{
	size_t n = 0;

#define FIELD(name, f, namefn)						\
	if (os->f != ns->f)						\
		n += scnprintf(buf + n, size - n, "%s" name " %s -> %s",	\
			       n ? ", " : "", namefn(os->f), namefn(ns->f))
	FIELD("role", role, rblk_role_name);
	FIELD("disk", disk, rblk_disk_name);
	FIELD("connection", conn, rblk_conn_name);
	FIELD("peer role", peer_role, rblk_role_name);
	FIELD("peer disk", peer_disk, rblk_disk_name);
	FIELD("suspended by", susp, susp_name);
#undef FIELD
}

static int refuse(struct rblk_device *dev, const struct rblk_state *ns,
		  unsigned int flags, int ret, const char *reason,
		  struct netlink_ext_ack *extack)
{
	char what[256];

	describe(what, sizeof(what), &dev->state, ns);
	if (extack)
		rblk_extack_msg(extack, reason);
	if (flags & RBLK_SC_ADMIN)
		pr_info("rblk%d: %s: refused: %s: %s\n", dev->minor, dev->name,
			what, reason);
	else
		pr_warn_ratelimited("rblk%d: %s: state change refused: %s: %s\n",
				    dev->minor, dev->name, what, reason);
	return ret;
}

/* Would rblk_state_commit() accept @ns now? Refusals reach @extack. */
int rblk_state_try(struct rblk_device *dev, const struct rblk_state *ns,
		   unsigned int flags, struct netlink_ext_ack *extack)
{
	const char *reason = NULL;
	int ret;

	lockdep_assert_held(&dev->lock);
	ret = rblk_state_check(&dev->state, ns, flags, &reason);
	if (ret)
		return refuse(dev, ns, flags, ret, reason, extack);
	return 0;
}

/*
 * Make @ns the device's state, if the rules allow it (@flags: enum
 * rblk_state_change_flags); @why goes into the log line. The event is
 * built and sent under dev->lock, so events come in the order of the
 * changes and each shows the state it announces.
 */
int rblk_state_commit(struct rblk_device *dev, const struct rblk_state *ns,
		      unsigned int flags, const char *why,
		      struct netlink_ext_ack *extack)
{
	struct rblk_state os = dev->state;
	unsigned long irqflags;
	char what[256];
	int ret;

	ret = rblk_state_try(dev, ns, flags, extack);
	if (ret || rblk_state_equal(&os, ns))
		return ret;
	spin_lock_irqsave(&dev->conn.lock, irqflags);
	dev->state = *ns;
	spin_unlock_irqrestore(&dev->conn.lock, irqflags);
	if (!(flags & RBLK_SC_PEER) || __ratelimit(&dev->conn.state_rs)) {
		describe(what, sizeof(what), &os, ns);
		pr_info("rblk%d: %s: %s (%s)\n", dev->minor, dev->name, what, why);
	}
	rblk_genl_state_event(dev);
	if (!rblk_conn_is_up(os.conn) && rblk_conn_is_up(ns->conn))
		dev->conn.ups++;
	if (os.susp != ns->susp)
		wake_up(&dev->conn.rs.wq);
	if (os.susp & ~ns->susp & RBLK_SUSP_IO_FENCING)
		rblk_fence_resumed(dev);
	return 0;
}

/*
 * Move the connection from @from (or RBLK_CONN_ANY) to @to; false if it
 * was elsewhere or the rules refused. A connection that is not up knows
 * nothing of the peer.
 */
bool rblk_state_set_conn(struct rblk_device *dev, int from,
			 enum rblk_conn_state to, const char *why)
{
	struct rblk_state os;

	return rblk_state_set_conn_old(dev, from, to, why, &os);
}

/* rblk_state_set_conn(), and the state it changed from in @os. */
bool rblk_state_set_conn_old(struct rblk_device *dev, int from,
			     enum rblk_conn_state to, const char *why,
			     struct rblk_state *os)
{
	struct rblk_state ns;
	bool ok = false;

	mutex_lock(&dev->lock);
	ns = dev->state;
	*os = ns;
	if (from == RBLK_CONN_ANY || ns.conn == from) {
		rblk_state_set_conn_to(&ns, to);
		rblk_state_lost_peer(os, &ns, dev->conn.opts.fencing);
		ok = !rblk_state_commit(dev, &ns, 0, why, NULL);
	}
	mutex_unlock(&dev->lock);
	return ok;
}

/* What the peer's STATE packet says of it, into @ns. */
void rblk_state_take_peer(struct rblk_state *ns, const struct rblk_peer_state *ps)
{
	ns->peer_role = ps->role;
	ns->peer_disk = ps->disk_state;
	if (ps->state_flags & RBLK_SF_SYNC_PAUSED)
		ns->susp |= RBLK_SUSP_SYNC_PEER;
	else
		ns->susp &= ~RBLK_SUSP_SYNC_PEER;
}

/*
 * Wait at most timeout x ko-count for @cond, as a netlink command holds
 * the family's lock meanwhile (a waited handler's report needs it): 0,
 * -EINTR, or -EAGAIN with @msg in @extack (rblkadm asks again).
 */
#define wait_patiently(conn, wq, cond, extack, msg)				\
({										\
	long __left = wait_event_interruptible_timeout(wq, cond,		\
			msecs_to_jiffies(rblk_link_patience(&(conn)->opts)));	\
	int __ret = 0;								\
										\
	if (__left < 0) {							\
		__ret = -EINTR;							\
	} else if (!__left) {							\
		NL_SET_ERR_MSG(extack, msg);					\
		__ret = -EAGAIN;						\
	}									\
	__ret;									\
})

/*
 * Wait for the end of the connection's handshake (dev->lock not held):
 * a round trip until the decision. After it, a resync's bitmap exchange
 * (and a SyncTarget's before-resync-target handler, minutes perhaps)
 * is part of the handshake: -EAGAIN at once, the caller asks again.
 */
static int wait_handshake(struct rblk_conn *conn, struct netlink_ext_ack *extack)
{
	if (READ_ONCE(conn->decided) && READ_ONCE(conn->handshake)) {
		rblk_extack_msg(extack, "a resync is starting (the bitmaps are being exchanged; the SyncTarget's before-resync-target handler may be running); try again, or disconnect");
		return -EAGAIN;
	}
	/* Woken at the decision too: an exchange after it answers EAGAIN. */
	return wait_patiently(conn, conn->handshake_wq,
			      !READ_ONCE(conn->handshake) || READ_ONCE(conn->decided),
			      extack,
			      "the peer has not completed the connection's handshake; try again");
}

/*
 * A SyncSource waiting for its target's bitmap: the decision is made, and
 * a target whose before-resync-target handler runs checks our latest STATE
 * before its resync begins (and connects again if our role changed), so
 * our role may change meanwhile; the rest of the handshake's waits stay.
 * dev->lock held (the connection's state).
 */
static bool source_exchanging(struct rblk_conn *conn)
{
	return READ_ONCE(conn->decided) && rblk_conn_is_up(conn->dev->state.conn) &&
	       READ_ONCE(conn->rs.source) &&
	       READ_ONCE(conn->rs.phase) == RBLK_RS_WAIT_BITMAP;
}

/*
 * Take dev->lock once no handshake is between our first STATE and the
 * decision on the peer's: what that STATE said (role, generations) must
 * hold until then. 0 with the lock held, or an error (wait_handshake).
 */
int rblk_state_lock_decided(struct rblk_device *dev,
			    struct netlink_ext_ack *extack)
{
	int ret;

	for (;;) {
		mutex_lock(&dev->lock);
		if (!READ_ONCE(dev->conn.handshake))
			return 0;
		mutex_unlock(&dev->lock);
		ret = wait_handshake(&dev->conn, extack);
		if (ret)
			return ret;
	}
}

/*
 * The state a role change from @cur asks for; @forced: a promotion without
 * UpToDate data.
 */
static void role_target(const struct rblk_state *cur, enum rblk_role role,
			bool force, struct rblk_state *ns, bool *forced)
{
	*ns = *cur;
	*forced = role == RBLK_ROLE_PRIMARY && role != ns->role &&
		  ns->disk != RBLK_DISK_UPTODATE;
	ns->role = role;
	if (*forced && force && ns->disk != RBLK_DISK_DISKLESS)
		ns->disk = RBLK_DISK_UPTODATE;
}

/* Would the rules take the change now? Asked before any wait. */
static int role_allowed(struct rblk_device *dev, enum rblk_role role,
			bool force, unsigned int flags,
			struct netlink_ext_ack *extack)
{
	struct rblk_state ns;
	bool forced;
	int ret;

	mutex_lock(&dev->lock);
	role_target(&dev->state, role, force, &ns, &forced);
	ret = rblk_state_try(dev, &ns, flags | (dev->open_count ? RBLK_SC_OPEN : 0),
			     extack);
	mutex_unlock(&dev->lock);
	return ret;
}

/*
 * A Primary becoming Secondary: what the peer acknowledged but holds only
 * in its cache becomes durable there first, as a Secondary we would no
 * longer mark it out of sync if the connection ended (tl.c). One barrier's
 * round trip. A peer that does not confirm within timeout x ko-count is
 * dropped: the teardown marks the log out of sync under a new generation.
 * What a failed flush marked reaches the bitmap on disk before the role
 * goes.
 */
static int demote_flush_peer(struct rblk_device *dev,
			     struct netlink_ext_ack *extack)
{
	struct rblk_conn *conn = &dev->conn;
	u32 ms = rblk_link_patience(&conn->opts);
	int ret;

	ret = rblk_tl_flush_wait(conn, rblk_tl_flush_start(conn), ms);
	if (ret == -ETIMEDOUT) {
		rblk_conn_error(conn, "peer %s did not confirm a flush of its disk within %u ms (%s)",
				conn->peer_node, ms, rblk_link_patience_name(&conn->opts));
		rblk_conn_reconnect(conn);
		ret = rblk_tl_flush_wait(conn, rblk_tl_flush_start(conn), ms);
		if (ret == -ETIMEDOUT)
			NL_SET_ERR_MSG(extack, "the peer did not confirm a flush of its disk");
	}
	if (ret)
		return ret;
	ret = rblk_bm_flush(&dev->meta);
	/*
	 * A failing disk, or none (detached): demoted all the same
	 * (rblk_gen_role_change()).
	 */
	return rblk_disk_failing(dev) ||
	       READ_ONCE(dev->state.disk) <= RBLK_DISK_FAILED ? 0 : ret;
}

/*
 * A Secondary becoming Primary: what the old Primary wrote here may still
 * be in our disk's cache, acknowledged; it is made durable before it is
 * the data of record. Before dev->lock, which the receiver needs; once
 * the rules allow the promotion no Primary peer is connected, and its
 * last writes are waited for.
 */
static int promote_flush_local(struct rblk_device *dev)
{
	struct rblk_conn *conn = &dev->conn;

	int ret;

	if (wait_event_interruptible(conn->peer_reqs_wq,
				     !atomic_read(&conn->peer_reqs)))
		return -EINTR;
	/* No disk: the rules refuse the promotion, under dev->lock. */
	if (!rblk_disk_get(dev))
		return 0;
	ret = blkdev_issue_flush(dev->backing.bdev);
	if (ret)
		rblk_disk_error(dev, REQ_OP_FLUSH, 0, ret);
	rblk_disk_put(dev);
	return ret;
}

/*
 * Until the teardown after @seq ends (conn->teardowns moves), at most
 * timeout x ko-count: 0, -EINTR, or -EAGAIN said in @extack.
 */
static int wait_teardown(struct rblk_conn *conn, u32 seq,
			 struct netlink_ext_ack *extack)
{
	return wait_patiently(conn, conn->teardown_wq,
			      READ_ONCE(conn->teardowns) != seq, extack,
			      "the lost connection is still being closed; try again");
}

/*
 * A promotion that only a connected Primary peer stands in the way of:
 * has that peer just died (rblk_conn_probe)? Asked only when the rules
 * would take the promotion once that connection is gone. If it has, the
 * connection is dropped and, once its teardown is complete (the peer's
 * writes on our disk done, what the loss means recorded for the role we
 * had), the promotion goes on by the rules for a lost peer. A peer that
 * answers is still Primary, and the rules refuse as before.
 */
static int promote_probe_peer(struct rblk_device *dev, bool force,
			      struct netlink_ext_ack *extack)
{
	struct rblk_conn *conn = &dev->conn;
	struct rblk_state lost, ns;
	const char *why;
	bool probe, forced;
	u32 seq;
	int ret;

	mutex_lock(&dev->lock);
	probe = rblk_conn_is_up(dev->state.conn) &&
		dev->state.peer_role == RBLK_ROLE_PRIMARY;
	if (probe) {
		lost = dev->state;
		rblk_state_set_conn_to(&lost, RBLK_CONN_CONNECTING);
		role_target(&lost, RBLK_ROLE_PRIMARY, force, &ns, &forced);
		probe = !rblk_state_check(&lost, &ns, RBLK_SC_ADMIN |
					  (force ? RBLK_SC_FORCE : 0) |
					  (dev->open_count ? RBLK_SC_OPEN : 0), &why);
	}
	seq = READ_ONCE(conn->teardowns);
	mutex_unlock(&dev->lock);
	if (!probe)
		return 0;
	ret = rblk_conn_probe(conn);
	if (ret != -ENOTCONN)
		return ret;
	return wait_teardown(conn, seq, extack);
}

/*
 * Under dev->lock, the last check of a demotion: nothing logged is left
 * (a write between the flush and now, from an opener that is gone).
 */
static bool demotion_flushed(struct rblk_device *dev)
{
	struct rblk_conn *conn = &dev->conn;
	unsigned long flags;
	bool empty;

	spin_lock_irqsave(&conn->lock, flags);
	empty = conn->tl.log.head == conn->tl.log.tail && !conn->tl.log.reserved;
	spin_unlock_irqrestore(&conn->lock, flags);
	return empty;
}

/*
 * Take dev->lock for a role change: not between our first STATE and the
 * decision on the peer's (what it said of our role holds until then), and
 * not while a lost connection is being torn down: its peer writes still
 * reach our disk, and it reads our role to decide whether writes went on
 * without the peer. 0 with the lock held, or an error without it.
 */
static int lock_for_role(struct rblk_device *dev, enum rblk_role role,
			 struct netlink_ext_ack *extack)
{
	struct rblk_conn *conn = &dev->conn;
	u32 seq;
	int ret;

	for (;;) {
		mutex_lock(&dev->lock);
		if (role == dev->state.role)
			return 0;
		if (READ_ONCE(conn->handshake) && !source_exchanging(conn)) {
			mutex_unlock(&dev->lock);
			ret = wait_handshake(conn, extack);
			if (ret)
				return ret;
			continue;
		}
		if (!READ_ONCE(conn->tearing_down))
			return 0;
		seq = conn->teardowns;	/* moves when it ends, under dev->lock */
		mutex_unlock(&dev->lock);
		ret = wait_teardown(conn, seq, extack);
		if (ret)
			return ret;
	}
}

/*
 * primary / secondary. The peer decides on the role our first STATE said:
 * a change waits for the handshake's end (dev->lock is dropped while
 * waiting), then the peer hears of it.
 */
int rblk_state_set_role(struct rblk_device *dev, enum rblk_role role,
			bool force, struct netlink_ext_ack *extack)
{
	unsigned int flags = RBLK_SC_ADMIN | (force ? RBLK_SC_FORCE : 0);
	enum rblk_role cur = READ_ONCE(dev->state.role);
	bool demote = role == RBLK_ROLE_SECONDARY && cur == RBLK_ROLE_PRIMARY;
	struct rblk_state ns;
	int ret, tries = 0;
	bool forced;

	if (role == RBLK_ROLE_PRIMARY && cur != RBLK_ROLE_PRIMARY) {
		ret = promote_probe_peer(dev, force, extack);
		if (ret)
			return ret;
	}
	if (role != cur) {
		ret = role_allowed(dev, role, force, flags, extack);
		if (ret)
			return ret;
	}
again:
	if (demote)
		ret = demote_flush_peer(dev, extack);
	else if (role == RBLK_ROLE_PRIMARY && cur != RBLK_ROLE_PRIMARY)
		ret = promote_flush_local(dev);
	else
		ret = 0;
	if (ret)
		return ret;
	ret = lock_for_role(dev, role, extack);
	if (ret)
		return ret;
	if (demote && dev->state.role == RBLK_ROLE_PRIMARY &&
	    !demotion_flushed(dev)) {
		mutex_unlock(&dev->lock);
		if (++tries < 3)
			goto again;
		NL_SET_ERR_MSG(extack, "writes keep arriving; stop the writers first");
		return -EBUSY;
	}
	role_target(&dev->state, role, force, &ns, &forced);
	if (dev->open_count)
		flags |= RBLK_SC_OPEN;
	ret = rblk_state_try(dev, &ns, flags, extack);
	/* Its detach is under way (kmod/ioerr.c): the disk lacks writes. */
	if (!ret && role == RBLK_ROLE_PRIMARY && dev->state.role != role &&
	    rblk_disk_failing(dev)) {
		NL_SET_ERR_MSG(extack, "rblk: the local disk had an I/O error and is being detached (rblkadm status: disk-error)");
		ret = -EIO;
	}
	/* It lacks a write of the peer: Outdated in a moment (pass_on). */
	if (!ret && role == RBLK_ROLE_PRIMARY && dev->state.role != role &&
	    test_bit(RBLK_DISK_F_MISSED, &dev->disk_flags)) {
		NL_SET_ERR_MSG(extack, "rblk: the local disk failed a write of the peer and lacks it (rblkadm status: disk-error)");
		ret = -EIO;
	}
	if (!ret && role != dev->state.role)
		ret = rblk_gen_role_change(dev, role, forced);
	if (!ret)
		ret = rblk_state_commit(dev, &ns, flags,
					forced ? "primary --force" :
					role == RBLK_ROLE_PRIMARY ? "primary" :
					"secondary", extack);
	/* A Secondary's disk in a resync is a plain SyncTarget's. */
	if (!ret && role == RBLK_ROLE_SECONDARY)
		rblk_disk_new_done(dev);
	mutex_unlock(&dev->lock);
	if (ret)
		return ret;
	/* A Primary keeps a failing disk; a Secondary does not. */
	if (demote)
		rblk_disk_error_recheck(dev);
	/* Forced onto a connected peer: decide the (full) resync now. */
	if (forced && rblk_conn_is_up(rblk_conn_state(dev)))
		rblk_conn_reconnect(&dev->conn);
	else if (rblk_conn_is_up(rblk_conn_state(dev)))
		rblk_queue_state(&dev->conn);
	return 0;
}

/*
 * pause-sync / resume-sync: kept here and told to the peer in our STATE,
 * so that it works on either node; the source stops sending new blocks.
 */
int rblk_state_pause_sync(struct rblk_device *dev, bool pause)
{
	struct rblk_state ns;
	int ret;

	mutex_lock(&dev->lock);
	ns = dev->state;
	if (!!(ns.susp & RBLK_SUSP_SYNC_USER) == pause) {
		mutex_unlock(&dev->lock);
		return -EALREADY;
	}
	ns.susp ^= RBLK_SUSP_SYNC_USER;
	ret = rblk_state_commit(dev, &ns, RBLK_SC_ADMIN,
				pause ? "pause-sync" : "resume-sync", NULL);
	mutex_unlock(&dev->lock);
	if (!ret && rblk_conn_is_up(rblk_conn_state(dev)))
		ret = rblk_queue_state(&dev->conn);
	return ret;
}
