// SPDX-License-Identifier: GPL-2.0
/*
 * The transfer log (tl.h): what the peer acknowledged but may still hold
 * in a volatile cache, retired by flushes the peer acknowledges, marked
 * out of sync when the connection ends. docs/protocol.md has the rules.
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
	tl->ring = kvcalloc(RBLK_TL_CAP, sizeof(*tl->ring), GFP_KERNEL);
	return tl->ring ? 0 : -ENOMEM;
}

/* After the connection's teardown: nothing is logged or reserved. */
void rblk_tl_free(struct rblk_tl *tl)
{
	WARN_ON_ONCE(tl->head != tl->tail || tl->reserved);
	kvfree(tl->ring);
	tl->ring = NULL;
}

/*
 * Is the peer's ACK of @rq not the end of it? A write, discard or
 * write-zeroes may sit in the peer's cache after its ACK; a FUA write
 * does not, and a flush holds no data.
 */
bool rblk_tl_needs(struct request *rq)
{
	return req_op(rq) != REQ_OP_FLUSH && req_op(rq) != REQ_OP_READ &&
	       blk_rq_bytes(rq) && !(rq->cmd_flags & REQ_FUA);
}

static u64 used(const struct rblk_tl *tl)
{
	return tl->tail - tl->head + tl->reserved;
}

/* Under conn->lock, for a write about to be queued for the peer. */
bool rblk_tl_reserve(struct rblk_tl *tl)
{
	if (used(tl) >= RBLK_TL_CAP)
		return false;
	tl->reserved++;
	return true;
}

/* Unlocked, for a wait condition: rechecked under the lock. */
bool rblk_tl_has_room(struct rblk_tl *tl)
{
	return READ_ONCE(tl->tail) - READ_ONCE(tl->head) +
	       READ_ONCE(tl->reserved) < RBLK_TL_CAP;
}

/* Where the part not covered by a barrier yet begins. */
static u64 open_start(const struct rblk_tl *tl)
{
	return max(tl->barrier_tail, tl->head);
}

static void log_range(struct rblk_tl *tl, u64 sector, u32 bytes)
{
	struct rblk_tl_range *r;

	/* Sequential writes extend the last range, if no barrier covers it. */
	if (tl->tail > open_start(tl)) {
		r = &tl->ring[(tl->tail - 1) & RING_MASK];
		if (r->sector + (r->bytes >> SECTOR_SHIFT) == sector &&
		    r->bytes <= U32_MAX - bytes) {
			r->bytes += bytes;
			tl->open_bytes += bytes;
			return;
		}
	} else {
		tl->open_since = jiffies;
		tl->open_bytes = 0;
	}
	r = &tl->ring[tl->tail & RING_MASK];
	r->sector = sector;
	r->bytes = bytes;
	tl->tail++;
	tl->open_bytes += bytes;
}

/* Everything logged before @mark is on the peer's stable storage. */
static void retire(struct rblk_tl *tl, u64 mark)
{
	if (mark > tl->head)
		tl->head = min(mark, tl->tail);
}

/*
 * The peer's part of @rq ended (req.c, exactly once): an acknowledged
 * write is logged in the place it reserved, an acknowledged flush retires
 * what was logged before it was queued.
 */
void rblk_tl_remote_done(struct rblk_conn *conn, struct request *rq,
			 bool acked)
{
	struct rblk_req *req = blk_mq_rq_to_pdu(rq);
	bool flushed = acked && req_op(rq) == REQ_OP_FLUSH;
	struct rblk_tl *tl = &conn->tl;
	unsigned long flags;

	if (!req->tl && !flushed)
		return;
	spin_lock_irqsave(&conn->lock, flags);
	if (req->tl) {
		req->tl = false;
		tl->reserved--;
		if (acked)
			log_range(tl, req->range.sector, req->range.bytes);
	}
	if (flushed)
		retire(tl, req->tl_mark);
	spin_unlock_irqrestore(&conn->lock, flags);
	wake_up_all(&tl->wq);
}

static bool barrier_due(const struct rblk_tl *tl, bool now)
{
	u64 open = tl->tail - open_start(tl);

	if (!open || tl->nr_barriers == RBLK_TL_BARRIERS)
		return false;
	return now || open >= RBLK_TL_BARRIER_RANGES ||
	       tl->open_bytes >= RBLK_TL_BARRIER_BYTES ||
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
 * barrier covers yet): a flush of the peer's disk, a WRITE without data
 * and with PREFLUSH that the peer handles like an application's flush.
 * From the receiver's liveness checks, after an ACK, and from a demotion.
 * Without memory it is tried again at the next check (every 100 ms);
 * meanwhile writes may wait for room in the log.
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
	due = tl->ring && barrier_due(tl, now) && may_send(conn);
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
	b->mark = tl->tail;
	b->sent = jiffies;
	tl->barrier_tail = tl->tail;
	tl->open_bytes = 0;
	tl->barriers_sent++;
	rblk_put_be64(((struct rblk_p_write *)c->payload)->id, b->id);
	list_add_tail(&c->list, &conn->ctl_queue);
	spin_unlock_irqrestore(&conn->lock, flags);
	wake_up(&conn->send_wq);
}

/*
 * The WRITE_ACK of a barrier: it must be one of ours in flight. A flush
 * the peer failed leaves what it covered out of sync.
 */
int rblk_tl_barrier_acked(struct rblk_conn *conn, u64 id, u32 status)
{
	struct rblk_tl *tl = &conn->tl;
	struct rblk_device *dev = conn->dev;
	u64 mark, pos, marked = 0;
	unsigned long flags;
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
		for (pos = tl->head; pos < mark && pos < tl->tail; pos++) {
			struct rblk_tl_range *r = &tl->ring[pos & RING_MASK];

			rblk_bm_set(&dev->meta.bm, r->sector, r->bytes);
			marked += r->bytes;
		}
	}
	retire(tl, mark);
	spin_unlock_irqrestore(&conn->lock, flags);
	wake_up_all(&tl->wq);
	if (status)
		pr_warn_ratelimited("rblk%d: %s: %s failed to flush its disk (error %u): %llu KiB it had acknowledged are marked out of sync\n",
				    dev->minor, dev->name, conn->peer_node,
				    status, marked >> 10);
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
 * The connection ended: whatever the peer acknowledged but did not
 * confirm durable may be lost with its cache; mark it out of sync (the
 * caller writes the bitmap before any write completes without the peer).
 */
void rblk_tl_lost(struct rblk_conn *conn)
{
	struct rblk_tl *tl = &conn->tl;
	struct rblk_device *dev = conn->dev;
	u64 pos, n = 0, bytes = 0;
	unsigned long flags;

	spin_lock_irqsave(&conn->lock, flags);
	if (tl->ring) {
		for (pos = tl->head; pos < tl->tail; pos++) {
			struct rblk_tl_range *r = &tl->ring[pos & RING_MASK];

			rblk_bm_set(&dev->meta.bm, r->sector, r->bytes);
			bytes += r->bytes;
			n++;
		}
	}
	tl->head = tl->tail;
	tl->barrier_tail = tl->tail;
	tl->open_bytes = 0;
	tl->nr_barriers = 0;
	spin_unlock_irqrestore(&conn->lock, flags);
	wake_up_all(&tl->wq);
	if (n)
		pr_info("rblk%d: %s: %llu KiB in %llu writes were acknowledged by %s but not yet flushed there: marked out of sync\n",
			dev->minor, dev->name, bytes >> 10, n, conn->peer_node);
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
	target = conn->tl.ring ? conn->tl.tail : 0;
	spin_unlock_irqrestore(&conn->lock, flags);
	rblk_tl_tick(conn, true);
	return target;
}

/*
 * Until the log is retired up to @target: by the peer's flushes, or by
 * the connection's end, which marks the rest out of sync first (the
 * caller's next bitmap write takes those bits to disk).
 */
int rblk_tl_flush_wait(struct rblk_conn *conn, u64 target)
{
	struct rblk_tl *tl = &conn->tl;
	int ret;

	while (READ_ONCE(tl->head) < target) {
		ret = wait_event_interruptible_timeout(tl->wq,
				READ_ONCE(tl->head) >= target,
				msecs_to_jiffies(100));
		if (ret < 0)
			return ret;
		/* All 8 barriers were in flight: the next one now. */
		rblk_tl_tick(conn, true);
	}
	return 0;
}

/* Ranges waiting for the peer's flush, for status. */
u64 rblk_tl_logged(struct rblk_conn *conn)
{
	return READ_ONCE(conn->tl.tail) - READ_ONCE(conn->tl.head);
}
