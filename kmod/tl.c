// SPDX-License-Identifier: GPL-2.0
/*
 * The transfer log (tl.h): what the peer acknowledged but may still hold
 * in a volatile cache, retired by flushes the peer acknowledges, marked
 * out of sync when the connection ends. docs/protocol.md has the rules;
 * the ring itself is include/rblk/tl.h.
 */
#include <linux/blk-mq.h>
#include <linux/slab.h>

#include "conn.h"
#include "device.h"
#include "req.h"
#include "tl.h"

#define RING_MASK	(RBLK_TL_CAP - 1)

void rblk_tl_init(struct rblk_tl *tl)
{
	init_waitqueue_head(&tl->wq);
}

int rblk_tl_alloc(struct rblk_tl *tl)
{
	struct rblk_tl_range *ring;

	ring = kvcalloc(RBLK_TL_CAP, sizeof(*ring), GFP_KERNEL);
	if (!ring)
		return -ENOMEM;
	tl->log.ring = ring;	/* before the connection's threads start */
	return 0;
}

/*
 * After the connection's teardown (or before it started): nothing is
 * logged or reserved, and no receiver runs. Others look at ->ring only
 * under conn->lock, as a flag: it is cleared there before the memory goes.
 */
void rblk_tl_free(struct rblk_conn *conn)
{
	struct rblk_tl *tl = &conn->tl;
	struct rblk_tl_range *ring;
	unsigned long flags;

	spin_lock_irqsave(&conn->lock, flags);
	WARN_ON_ONCE(tl->log.head != tl->log.tail || tl->log.reserved);
	ring = tl->log.ring;
	tl->log.ring = NULL;
	spin_unlock_irqrestore(&conn->lock, flags);
	kvfree(ring);
}

/*
 * Is the peer's ACK of @rq not the end of it? A write, discard or
 * write-zeroes may sit in the peer's cache after its ACK; a FUA write
 * does not (the peer writes it FUA), and a flush holds no data. A discard
 * or write-zeroes with FUA is logged all the same: the peer builds those
 * chains without it (recv.c, submit_range()).
 */
bool rblk_tl_needs(struct request *rq)
{
	return req_op(rq) != REQ_OP_FLUSH && req_op(rq) != REQ_OP_READ &&
	       blk_rq_bytes(rq) &&
	       !(req_op(rq) == REQ_OP_WRITE && (rq->cmd_flags & REQ_FUA));
}

/* Under conn->lock, for a write about to be queued for the peer. */
bool rblk_tl_reserve(struct rblk_tl *tl)
{
	return tl->log.ring && rblk_tl_reserve_one(&tl->log);
}

/* Unlocked, for a wait condition: rechecked under the lock. */
bool rblk_tl_has_room(struct rblk_tl *tl)
{
	return READ_ONCE(tl->log.tail) - READ_ONCE(tl->log.head) +
	       READ_ONCE(tl->log.reserved) < RBLK_TL_CAP;
}

/*
 * Mark [from, to) of the log out of sync, outside conn->lock: only the
 * receiver changes logged ranges, and none below the seal.
 */
static u64 mark_out_of_sync(struct rblk_conn *conn, u64 from, u64 to,
			    u64 *n)
{
	struct rblk_tl_range *ring = conn->tl.log.ring;
	u64 pos, bytes = 0;

	for (pos = from; pos < to; pos++) {
		struct rblk_tl_range *r = &ring[pos & RING_MASK];

		rblk_bm_set(&conn->dev->meta.bm, r->sector, r->bytes);
		bytes += r->bytes;
		cond_resched();
	}
	*n = to - from;
	return bytes;
}

/*
 * A flush covering the log up to @mark failed on the peer: what it
 * covered may be lost with the peer's cache. Marked out of sync (the
 * peer's failing disk is the peer's to report), then retired.
 */
static void flush_failed(struct rblk_conn *conn, u64 mark, const char *what)
{
	struct rblk_device *dev = conn->dev;
	struct rblk_tl *tl = &conn->tl;
	u64 head, bytes, n;
	unsigned long flags;

	spin_lock_irqsave(&conn->lock, flags);
	head = tl->log.head;
	spin_unlock_irqrestore(&conn->lock, flags);
	if (mark <= head)
		return;
	bytes = mark_out_of_sync(conn, head, mark, &n);
	/* A Primary served by this peer forgets it at the teardown (gen.c). */
	WRITE_ONCE(conn->lost_writes, true);
	spin_lock_irqsave(&conn->lock, flags);
	rblk_tl_retire(&tl->log, mark);
	spin_unlock_irqrestore(&conn->lock, flags);
	wake_up_all(&tl->wq);
	pr_warn_ratelimited("rblk%d: %s: %s failed %s of its disk: %llu KiB it had acknowledged are marked out of sync (%llu write%s)\n",
			    dev->minor, dev->name, conn->peer_node, what,
			    bytes >> 10, n, n == 1 ? "" : "s");
}

/*
 * The peer's part of @rq ended (req.c, exactly once): an acknowledged
 * write is logged in the place it reserved, an acknowledged flush retires
 * what was logged before it was queued, a failed one marks it out of sync
 * (from the receiver, or from the teardown after rblk_tl_lost(): nothing
 * left to mark). Writers wait for room only when some was made.
 */
void rblk_tl_remote_done(struct rblk_conn *conn, struct request *rq,
			 bool acked)
{
	struct rblk_req *req = blk_mq_rq_to_pdu(rq);
	bool flushed = acked && req_op(rq) == REQ_OP_FLUSH;
	struct rblk_tl *tl = &conn->tl;
	unsigned long flags;
	u64 used;

	if (!acked && req_op(rq) == REQ_OP_FLUSH) {
		flush_failed(conn, req->tl_mark, "a flush");
		return;
	}
	if (!req->tl && !flushed)
		return;
	spin_lock_irqsave(&conn->lock, flags);
	used = tl->log.tail - tl->log.head + tl->log.reserved;
	if (req->tl) {
		req->tl = false;
		if (!acked)
			tl->log.reserved--;
		else if (rblk_tl_add(&tl->log, req->range.sector,
				     req->range.bytes))
			tl->open_since = jiffies;
	}
	if (flushed)
		rblk_tl_retire(&tl->log, req->tl_mark);
	used -= tl->log.tail - tl->log.head + tl->log.reserved;
	spin_unlock_irqrestore(&conn->lock, flags);
	if (used)
		wake_up_all(&tl->wq);
}

static bool barrier_due(const struct rblk_tl *tl, bool now)
{
	u64 open = rblk_tl_open(&tl->log);

	if (!tl->log.ring || !open || tl->nr_barriers == RBLK_TL_BARRIERS)
		return false;
	return now || open >= RBLK_TL_BARRIER_RANGES ||
	       tl->log.open_bytes >= RBLK_TL_BARRIER_BYTES ||
	       time_after_eq(jiffies, tl->open_since +
			     msecs_to_jiffies(RBLK_TL_BARRIER_MS));
}

/* Barriers go from a Primary to a Secondary that takes its writes. */
static bool may_send(struct rblk_conn *conn)
{
	struct rblk_device *dev = conn->dev;

	return rblk_conn_is_up(dev->state.conn) &&
	       dev->state.role == RBLK_ROLE_PRIMARY &&
	       dev->state.peer_role == RBLK_ROLE_SECONDARY;
}

/*
 * Send a barrier if one is due (@now: if anything is logged that no
 * queued flush covers): a flush of the peer's disk, a WRITE without data
 * and with PREFLUSH that the peer handles like an application's flush.
 * From the receiver's liveness checks, after an ACK, from a demotion and
 * from the activity log. Without memory it is tried again at the next
 * check (every 100 ms); meanwhile writes may wait for room in the log.
 */
void rblk_tl_tick(struct rblk_conn *conn, bool now)
{
	struct rblk_tl *tl = &conn->tl;
	struct rblk_p_write w = {};
	struct rblk_tl_barrier *b;
	struct rblk_ctl *c;
	unsigned long flags;
	bool due;

	spin_lock_irqsave(&conn->lock, flags);
	due = barrier_due(tl, now) && may_send(conn);
	spin_unlock_irqrestore(&conn->lock, flags);
	if (!due)
		return;
	rblk_put_be32(w.wflags, RBLK_WF_PREFLUSH);
	c = rblk_ctl_alloc(RBLK_P_WRITE, &w, sizeof(w), 0);
	if (!c)
		return;
	spin_lock_irqsave(&conn->lock, flags);
	if (!barrier_due(tl, now) || !may_send(conn)) {
		spin_unlock_irqrestore(&conn->lock, flags);
		rblk_ctl_free(conn, c);
		return;
	}
	b = &tl->barriers[tl->nr_barriers++];
	b->id = (u64)++tl->next_barrier << 16 | RBLK_TL_BARRIER_TAG;
	b->mark = rblk_tl_flush_queued(&tl->log);
	b->sent = jiffies;
	rblk_put_be64(((struct rblk_p_write *)c->payload)->id, b->id);
	list_add_tail(&c->list, &conn->ctl_queue);
	spin_unlock_irqrestore(&conn->lock, flags);
	wake_up(&conn->send_wq);
}

/*
 * The WRITE_ACK of a barrier (the receiver): it must be one of ours in
 * flight. A flush the peer failed leaves what it covered marked out of
 * sync; its disk failing is the peer's to report.
 */
int rblk_tl_barrier_acked(struct rblk_conn *conn, u64 id, u32 status)
{
	struct rblk_tl *tl = &conn->tl;
	unsigned long flags;
	u64 mark;
	u32 i;

	spin_lock_irqsave(&conn->lock, flags);
	for (i = 0; i < tl->nr_barriers; i++)
		if (tl->barriers[i].id == id)
			break;
	if (i == tl->nr_barriers) {
		spin_unlock_irqrestore(&conn->lock, flags);
		return -EPROTO;
	}
	mark = tl->barriers[i].mark;
	tl->nr_barriers--;
	memmove(&tl->barriers[i], &tl->barriers[i + 1],
		(tl->nr_barriers - i) * sizeof(tl->barriers[0]));
	if (status) {
		spin_unlock_irqrestore(&conn->lock, flags);
		flush_failed(conn, mark, "a barrier (a flush)");
		return 0;
	}
	rblk_tl_retire(&tl->log, mark);
	spin_unlock_irqrestore(&conn->lock, flags);
	wake_up_all(&tl->wq);
	return 0;
}

/* The oldest barrier waiting for its ACK, for the ACK timeout. */
bool rblk_tl_oldest_barrier(struct rblk_conn *conn, unsigned long *sent)
{
	unsigned long flags;
	bool found;

	spin_lock_irqsave(&conn->lock, flags);
	found = conn->tl.nr_barriers;
	if (found)
		*sent = conn->tl.barriers[0].sent;
	spin_unlock_irqrestore(&conn->lock, flags);
	return found;
}

/*
 * The connection ended (teardown, after conn_down: nothing is logged any
 * more): whatever the peer acknowledged but did not confirm durable may
 * be lost with its cache; mark it out of sync (the caller writes the
 * bitmap before any write completes without the peer).
 */
void rblk_tl_lost(struct rblk_conn *conn)
{
	struct rblk_device *dev = conn->dev;
	struct rblk_tl *tl = &conn->tl;
	u64 head, tail, bytes = 0, n = 0;
	unsigned long flags;

	spin_lock_irqsave(&conn->lock, flags);
	head = tl->log.head;
	tail = tl->log.tail;
	tl->nr_barriers = 0;
	spin_unlock_irqrestore(&conn->lock, flags);
	if (tl->log.ring)
		bytes = mark_out_of_sync(conn, head, tail, &n);
	spin_lock_irqsave(&conn->lock, flags);
	rblk_tl_retire(&tl->log, tail);
	tl->log.open_bytes = 0;
	spin_unlock_irqrestore(&conn->lock, flags);
	wake_up_all(&tl->wq);
	if (n)
		pr_info("rblk%d: %s: %llu KiB acknowledged by %s but not yet flushed there (%llu write%s): marked out of sync\n",
			dev->minor, dev->name, bytes >> 10, conn->peer_node,
			n, n == 1 ? "" : "s");
}

/*
 * The peer's disk failed (kmod/ioerr.c; receiver): what it acknowledged
 * but did not confirm durable may be lost with it. Marked and retired,
 * as a failed barrier covering the whole log would be.
 */
void rblk_tl_peer_disk_failed(struct rblk_conn *conn)
{
	unsigned long flags;
	u64 tail;

	spin_lock_irqsave(&conn->lock, flags);
	tail = conn->tl.log.ring ? conn->tl.log.tail : 0;
	spin_unlock_irqrestore(&conn->lock, flags);
	if (tail)
		flush_failed(conn, tail, "a write (its disk failed)");
}

/*
 * Flush the peer's disk for everything logged so far: a barrier now.
 * Returns the end of the log, which rblk_tl_flush_wait() waits for.
 */
u64 rblk_tl_flush_start(struct rblk_conn *conn)
{
	unsigned long flags;
	u64 target;

	spin_lock_irqsave(&conn->lock, flags);
	target = conn->tl.log.ring ? conn->tl.log.tail : 0;
	spin_unlock_irqrestore(&conn->lock, flags);
	rblk_tl_tick(conn, true);
	return target;
}

/*
 * Until the log is retired up to @target: by the peer's flushes, or by
 * the connection's end, which marks the rest out of sync first (the
 * caller's next bitmap write takes those bits to disk). Gives up after
 * @ms (0: no limit) with -ETIMEDOUT; a signal ends it with -EINTR.
 */
int rblk_tl_flush_wait(struct rblk_conn *conn, u64 target, u32 ms)
{
	unsigned long end = jiffies + msecs_to_jiffies(ms);
	struct rblk_tl *tl = &conn->tl;
	long ret;

	while (READ_ONCE(tl->log.head) < target) {
		if (ms && time_after(jiffies, end))
			return -ETIMEDOUT;
		ret = wait_event_interruptible_timeout(tl->wq,
				READ_ONCE(tl->log.head) >= target,
				msecs_to_jiffies(100));
		if (ret < 0)
			return -EINTR;
		/* All 8 barriers were in flight: the next one now. */
		rblk_tl_tick(conn, true);
	}
	return 0;
}
