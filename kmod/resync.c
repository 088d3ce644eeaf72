// SPDX-License-Identifier: GPL-2.0
/*
 * Resync. When a connect finds that one disk lacks blocks the other has
 * (the generation table of include/rblk/gi.h), the SyncTarget sends its
 * bitmap, the SyncSource ORs it into its own and sends every marked block
 * as RS_DATA. Both clear bits as blocks land and write their bitmaps back
 * every second, so an interrupted resync continues where it stopped.
 * Application writes go on meanwhile: a resync block and a write to the
 * same range never travel together (rblk_range_claim()), and the resync
 * keeps fewer blocks in flight while the application is busy, or, with
 * c-plan-ahead 0, keeps to the fixed resync-rate.
 */
#include <linux/bio.h>
#include <linux/kthread.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "conn.h"
#include "device.h"
#include "ioerr.h"
#include "digest.h"
#include "helper.h"
#include "resync.h"
#include "state.h"

#define RS_MAX_BITS	64	/* 256 KiB per RS_DATA */
#define RS_WINDOW_IDLE	16	/* blocks in flight when the application is idle */
#define RS_WINDOW_BUSY	2	/* ... and while it has I/O in flight */
#define RS_FLUSH_MS	1000	/* progress reaches the disk this often */

void rblk_resync_init(struct rblk_resync *rs)
{
	INIT_LIST_HEAD(&rs->queue);
	INIT_LIST_HEAD(&rs->sent);
	init_waitqueue_head(&rs->wq);
	rblk_helper_wait_init(&rs->before);
	rs->before.track_old = true;
	WRITE_ONCE(rs->phase, RBLK_RS_IDLE);
}

static void rs_req_release(struct kref *ref)
{
	struct rblk_rs_req *r = container_of(ref, struct rblk_rs_req, ref);
	unsigned int i;

	for (i = 0; i < r->nr_pages; i++)
		if (r->pages[i])
			__free_page(r->pages[i]);
	kfree(r->digest);
	kfree(r);
}

u32 rblk_rs_req_blocks(const struct rblk_rs_req *r)
{
	return DIV_ROUND_UP(r->range.bytes, RBLK_DIGEST_BLOCK);
}

/*
 * The RS_DATA packets a request goes as: one per run of blocks to send
 * that are all zeros or all not.
 */
unsigned int rblk_rs_req_runs(const struct rblk_rs_req *r)
{
	u32 b, blocks = rblk_rs_req_blocks(r);
	unsigned int runs = 0;
	bool prev_in = false, prev_zero = false;

	for (b = 0; b < blocks; b++) {
		bool in = r->send & (1ULL << b);
		bool zero = r->zero & (1ULL << b);

		if (in && (!prev_in || zero != prev_zero))
			runs++;
		prev_in = in;
		prev_zero = zero;
	}
	return runs;
}

static void rs_free_tfm(struct rblk_resync *rs)
{
	if (rs->csums_tfm) {
		crypto_free_shash(rs->csums_tfm);
		rs->csums_tfm = NULL;
	}
}

void rblk_rs_req_put(struct rblk_rs_req *r)
{
	kref_put(&r->ref, rs_req_release);
}

/* A request for @nbits blocks from @bit, cut at the end of the device. */
static struct rblk_rs_req *rs_req_alloc(struct rblk_device *dev, u64 bit,
					u64 nbits)
{
	u64 dev_bytes = (u64)get_capacity(dev->disk) << SECTOR_SHIFT;
	u64 start = bit * RBLK_BM_BYTES_PER_BIT;
	u32 bytes = min(nbits * RBLK_BM_BYTES_PER_BIT, dev_bytes - start);
	unsigned int i, n = DIV_ROUND_UP(bytes, PAGE_SIZE);
	struct rblk_rs_req *r;

	r = kzalloc(struct_size(r, pages, n), GFP_NOIO);
	if (!r)
		return NULL;
	kref_init(&r->ref);
	INIT_LIST_HEAD(&r->list);
	INIT_LIST_HEAD(&r->range.list);
	r->dev = dev;
	r->range.sector = start >> SECTOR_SHIFT;
	r->range.bytes = bytes;
	r->nr_pages = n;
	for (i = 0; i < n; i++) {
		r->pages[i] = alloc_page(GFP_NOIO);
		if (!r->pages[i]) {
			rblk_rs_req_put(r);
			return NULL;
		}
	}
	return r;
}

static int rs_read(struct rblk_device *dev, struct rblk_rs_req *r)
{
	return rblk_disk_read(dev, r->range.sector, r->pages, r->range.bytes,
			      true);
}

/* Paused by pause-sync here or on the peer. */
bool rblk_resync_paused(struct rblk_conn *conn)
{
	return READ_ONCE(conn->dev->state.susp) &
	       (RBLK_SUSP_SYNC_USER | RBLK_SUSP_SYNC_PEER);
}

/*
 * Fixed rate (c-plan-ahead 0): a token bucket, in KiB x HZ, filled at
 * resync-rate. A range may go while the bucket is not in debt and then
 * pays for its size, so any rate works, also one below a range per
 * second. The bucket keeps at most an eighth of a second of credit (at
 * least one range): a paused or stalled resync saves up no burst.
 * Returns the jiffies until the next range may go, 0 for now.
 */
static long rs_rate_wait(struct rblk_resync *rs, u32 rate)
{
	s64 cap = (s64)max_t(u32, RS_MAX_BITS * 4, rate / 8) * HZ;
	unsigned long now = jiffies;
	unsigned long dt = min_t(unsigned long, now - rs->credit_at, 1000 * HZ);

	if (READ_ONCE(rs->rate_reset)) {
		WRITE_ONCE(rs->rate_reset, false);
		rs->credit = 0;
	} else {
		rs->credit = min_t(s64, rs->credit + (s64)rate * dt, cap);
	}
	rs->credit_at = now;
	if (rs->credit >= 0)
		return 0;
	return max_t(long, DIV_ROUND_UP_ULL(-rs->credit, rate), 1);
}

/* A range of @bytes is on its way: the fixed rate's bucket pays for it. */
static void rs_rate_charge(struct rblk_resync *rs, u32 bytes)
{
	rs->credit -= (s64)DIV_ROUND_UP(bytes, 1024) * HZ;
}

/*
 * May the source read and send another range? *@wait says how long to
 * wait at most before asking again (the fixed rate's bucket refills on its
 * own; everything else wakes rs.wq).
 */
static bool rs_has_room(struct rblk_conn *conn, long *wait)
{
	struct rblk_device *dev = conn->dev;
	/* A Primary SyncTarget's writes are ours to carry out here. */
	bool busy = atomic_read(&dev->stats.in_flight) ||
		    atomic_read(&conn->peer_reqs);
	unsigned long flags;
	u32 rate = 0;
	bool room;

	*wait = MAX_SCHEDULE_TIMEOUT;
	if (rblk_resync_paused(conn))
		return false;
	spin_lock_irqsave(&conn->lock, flags);
	if (!conn->opts.c_plan_ahead)
		rate = conn->opts.resync_rate;
	/* A fixed rate is the operator's choice, busy or not. */
	room = conn->rs.in_flight < (busy && !rate ? RS_WINDOW_BUSY :
						     RS_WINDOW_IDLE);
	spin_unlock_irqrestore(&conn->lock, flags);
	if (room && rate) {
		*wait = rs_rate_wait(&conn->rs, rate);
		room = !*wait;
	}
	return room;
}

/*
 * New options (RBLK_CMD_NET_OPTS): the source thread looks at the rate
 * again now, not only when its current wait ends.
 */
void rblk_resync_opts_changed(struct rblk_conn *conn)
{
	WRITE_ONCE(conn->rs.rate_reset, true);
	wake_up(&conn->rs.wq);
}

/* Everything marked is on the peer: rotate the generations, tell it. */
static int finish_source(struct rblk_conn *conn)
{
	struct rblk_device *dev = conn->dev;
	struct rblk_gi *gi = &dev->meta.gi, old;
	struct rblk_p_sync p = {};
	unsigned long secs, flags;
	struct rblk_state ns;
	int ret;

	ret = rblk_bm_flush(&dev->meta);
	if (ret)
		return ret;
	/*
	 * Still the source of this connection, the generations moved on and
	 * on disk, and Connected, in one step: a connection lost meanwhile
	 * leaves the generations of a resync not done. Connected before the
	 * peer hears of it: its answer (UpToDate) then always comes after,
	 * and the two changes are seen in one order.
	 */
	mutex_lock(&dev->lock);
	if (dev->state.conn != RBLK_CONN_SYNC_SOURCE) {
		mutex_unlock(&dev->lock);
		return 0;	/* the connection it was for is gone */
	}
	old = *gi;
	rblk_gi_sync_source_done(gi);
	gi->flags &= ~(RBLK_MDF_CRASHED_PRIMARY | RBLK_MDF_PEER_OUTDATED |
		       RBLK_MDF_LOST_AS_PRIMARY);
	ret = rblk_meta_write(&dev->meta);
	if (ret) {
		*gi = old;	/* still the source it was */
		mutex_unlock(&dev->lock);
		return ret;
	}
	dev->diverged = false;
	rblk_put_be64(p.current_uuid, gi->uuid[RBLK_UI_CURRENT]);
	ns = dev->state;
	ns.conn = RBLK_CONN_CONNECTED;
	ret = rblk_state_commit(dev, &ns, 0, "resync done", NULL);
	mutex_unlock(&dev->lock);
	if (ret)
		return ret;
	spin_lock_irqsave(&conn->lock, flags);
	WRITE_ONCE(conn->rs.phase, RBLK_RS_IDLE);
	WRITE_ONCE(conn->rs.attach, false);
	spin_unlock_irqrestore(&conn->lock, flags);
	rs_free_tfm(&conn->rs);
	secs = (jiffies - conn->rs.started) / HZ;
	pr_info("rblk%d: %s: resync to %s done: %llu KiB in %lu s\n",
		dev->minor, dev->name, conn->peer_node,
		conn->rs.done_bits * 4, secs);
	ret = rblk_queue_ctl(conn, RBLK_P_SYNC_DONE, &p, sizeof(p));
	if (ret)
		return ret;
	rblk_queue_state(conn);
	/* A peer fenced when we lost it is UpToDate again. */
	if (READ_ONCE(dev->state.role) == RBLK_ROLE_PRIMARY &&
	    READ_ONCE(conn->opts.fencing) != RBLK_FENCING_DONT_CARE)
		rblk_helper(dev, "unfence-peer");
	return 0;
}

/*
 * Which blocks of a read range are all zeros (they travel as a short
 * packet), and their digests when the target is to say first which
 * blocks differ at all (csums-alg).
 */
static int classify(struct rblk_resync *rs, struct rblk_rs_req *r)
{
	u32 b, blocks = rblk_rs_req_blocks(r), left = r->range.bytes;

	r->send = blocks == 64 ? ~0ULL : (1ULL << blocks) - 1;
	for (b = 0; b < blocks; b++) {
		u32 n = min_t(u32, left, PAGE_SIZE);

		if (!memchr_inv(page_address(r->pages[b]), 0, n))
			r->zero |= 1ULL << b;
		left -= n;
	}
	if (!rs->csums_tfm)
		return 0;
	r->digest = kmalloc_array(blocks, crypto_shash_digestsize(rs->csums_tfm),
				  GFP_NOIO);
	if (!r->digest)
		return -ENOMEM;
	r->csum = true;
	return rblk_digest_blocks(rs->csums_tfm, r->pages, r->range.bytes,
				  r->digest);
}

/* The next marked range, claimed and read; NULL at the end of a pass. */
static struct rblk_rs_req *next_block(struct rblk_conn *conn, int *err)
{
	struct rblk_device *dev = conn->dev;
	struct rblk_bitmap *bm = &dev->meta.bm;
	struct rblk_resync *rs = &conn->rs;
	struct rblk_rs_req *r;
	u64 bit, n;

	BUILD_BUG_ON(RS_MAX_BITS != RBLK_DIGEST_MAX_BLOCKS);
	*err = 0;
	for (;;) {
		bit = rblk_bm_next_set(bm, rs->cursor);
		if (bit >= bm->nbits)
			return NULL;
		n = rblk_bm_run(bm, bit, RS_MAX_BITS);
		rs->cursor = bit + max_t(u64, n, 1);
		if (n)
			break;	/* else cleared since next_set looked */
	}
	r = rs_req_alloc(dev, bit, n);
	if (!r) {
		*err = -ENOMEM;
		return NULL;
	}
	wait_event(dev->write_wq, kthread_should_stop() ||
				  rblk_range_try_claim(dev, &r->range));
	if (kthread_should_stop()) {
		rblk_range_release(dev, &r->range);
		rblk_rs_req_put(r);
		*err = -EINTR;
		return NULL;
	}
	*err = rs_read(dev, r);
	if (*err) {
		rblk_conn_error(conn, "resync: reading %u bytes at sector %llu failed (%d)",
				r->range.bytes, (unsigned long long)r->range.sector,
				*err);
		rblk_range_release(dev, &r->range);
		rblk_rs_req_put(r);
		return NULL;
	}
	*err = classify(rs, r);
	if (*err) {
		rblk_range_release(dev, &r->range);
		rblk_rs_req_put(r);
		return NULL;
	}
	return r;
}

static int source_pass(struct rblk_conn *conn)
{
	struct rblk_resync *rs = &conn->rs;
	struct rblk_rs_req *r;
	unsigned long flags;
	long wait;
	int err;

	while (!kthread_should_stop()) {
		if (!rs_has_room(conn, &wait)) {
			wait_event_interruptible_timeout(rs->wq,
				kthread_should_stop() || rs_has_room(conn, &wait),
				wait);
			continue;
		}
		r = next_block(conn, &err);
		if (!r)
			return err;
		rs_rate_charge(rs, r->range.bytes);
		kref_get(&r->ref);	/* the sender's */
		spin_lock_irqsave(&conn->lock, flags);
		r->id = ++rs->next_id;
		list_add_tail(&r->list, &rs->queue);
		rs->in_flight++;
		spin_unlock_irqrestore(&conn->lock, flags);
		wake_up(&conn->send_wq);
		rblk_bm_flush_lazy(&conn->dev->meta, RS_FLUSH_MS);
	}
	return -EINTR;
}

static int source_thread(void *arg)
{
	struct rblk_conn *conn = arg;
	struct rblk_bitmap *bm = &conn->dev->meta.bm;
	u64 done;
	int ret;

	for (;;) {
		done = READ_ONCE(conn->rs.done_bits);
		ret = source_pass(conn);
		if (ret)
			break;
		/* End of a pass: done once nothing is in flight or left. */
		wait_event_interruptible(conn->rs.wq, kthread_should_stop() ||
					 rblk_conn_below(conn, &conn->rs.in_flight, 1));
		if (kthread_should_stop())
			break;
		if (!rblk_bm_weight(bm)) {
			ret = finish_source(conn);
			break;
		}
		/*
		 * A pass that got nothing done: a Primary target put every
		 * block off, its writes to them in flight (rs_again()); give
		 * them a moment before the next.
		 */
		if (READ_ONCE(conn->rs.done_bits) == done)
			wait_event_interruptible_timeout(conn->rs.wq,
					kthread_should_stop(), HZ / 10);
		conn->rs.cursor = 0;
	}
	if (ret && ret != -EINTR) {
		rblk_conn_error(conn, "resync to %s failed (%d)", conn->peer_node, ret);
		kernel_sock_shutdown(conn->sock, SHUT_RDWR);
	}
	rblk_thread_wait_stop();
	return 0;
}

/*
 * Called once the connect decided we resync (the device lock not held),
 * with the peer's STATE (@ps), or from a verify's repair (NULL). Bits and
 * generations reach the disk before anything is sent: a crash from here
 * on finds the target Inconsistent and both bitmaps complete. On the
 * connect, a configured before-resync-target handler has exited 0 before
 * this runs (rblk_resync_target_defer()); after a verify it is only
 * started, not waited for.
 */
static int resync_begin(struct rblk_device *dev, bool source, bool full,
			const struct rblk_peer_state *ps, bool attach,
			u64 want_uuid)
{
	struct rblk_conn *conn = &dev->conn;
	struct rblk_resync *rs = &conn->rs;
	struct rblk_meta *m = &dev->meta;
	struct rblk_state ns;
	unsigned long flags;
	int ret;

	/* Waited for already when configured (rblk_resync_target_defer). */
	if (!source && !rs->before_ran) {
		if (rblk_helper_busy(&rs->before) > 0)
			pr_info("rblk%d: %s: the before-resync-target handler of an earlier connection to %s still runs: not starting another, the resync begins beside it\n",
				dev->minor, dev->name, conn->peer_node);
		else
			rblk_helper(dev, "before-resync-target");
	}
	rs->before_ran = false;
	mutex_lock(&dev->lock);
	ns = dev->state;
	/*
	 * From where it must start: the connect decision (@ps) on a
	 * connection being made, a verify's repair from the verify. Anything
	 * else is a connection lost meanwhile: no resync on it.
	 */
	if (attach ? ns.conn != RBLK_CONN_CONNECTED ||
		     ns.peer_role != RBLK_ROLE_PRIMARY ||
		     ns.peer_disk > RBLK_DISK_FAILED || READ_ONCE(conn->handshake) :
	    ps ? ns.conn != RBLK_CONN_CONNECTING :
		 (ns.conn != RBLK_CONN_VERIFY_SOURCE &&
		  ns.conn != RBLK_CONN_VERIFY_TARGET)) {
		ret = -ENOTCONN;
		goto out_unlock;
	}
	/*
	 * A source has data to give (an invalidate may have come between);
	 * a target, a disk to take it (none that failed: kmod/ioerr.c).
	 */
	if ((source && ns.disk < RBLK_DISK_OUTDATED) ||
	    ns.disk <= RBLK_DISK_FAILED ||
	    (attach && ns.disk != RBLK_DISK_UPTODATE)) {
		ret = -EAGAIN;
		goto out_unlock;
	}
	/* A Primary's new disk: from the generation it is served at. */
	if (attach && m->gi.uuid[RBLK_UI_CURRENT] != want_uuid) {
		ret = -ESTALE;
		goto out_unlock;
	}
	if (ps)
		rblk_state_take_peer(&ns, ps);
	rblk_state_set_conn_to(&ns, source ? RBLK_CONN_SYNC_SOURCE :
					     RBLK_CONN_SYNC_TARGET);
	ns.disk = source ? RBLK_DISK_UPTODATE : RBLK_DISK_INCONSISTENT;
	/*
	 * A source knows the target's disk from its STATEs: Outdated while
	 * its before-resync-target handler runs, Inconsistent once its
	 * resync began. Until then a lost connection fences as before.
	 */
	if (source && !ps)
		ns.peer_disk = RBLK_DISK_INCONSISTENT;
	ret = rblk_state_try(dev, &ns, 0, NULL);
	if (ret)
		goto out_unlock;
	if (full)
		rblk_bm_set_all(&m->bm);
	/*
	 * The target's remaining bits count from our bitmap UUID. Not for
	 * a Primary's new disk: it stays a full resync's target until done,
	 * and the Primary, should that disk go, is served at our current
	 * generation still.
	 */
	if (source && !attach && !m->gi.uuid[RBLK_UI_BITMAP])
		rblk_gi_new_current(&m->gi, get_random_u64() | 1);
	if (!source)
		m->gi.flags &= ~RBLK_MDF_CONSISTENT;
	ret = rblk_bm_flush(m) ?: rblk_meta_write(m);
	if (ret)
		goto out_unlock;
	pr_info("rblk%d: %s: %s resync %s %s (%llu KiB marked here)\n",
		dev->minor, dev->name, full ? "full" : "bitmap",
		source ? "to" : "from", conn->peer_node,
		rblk_bm_weight(&m->bm) * 4);
	spin_lock_irqsave(&conn->lock, flags);
	WRITE_ONCE(rs->source, source);
	WRITE_ONCE(rs->attach, attach);
	WRITE_ONCE(rs->phase, source ? RBLK_RS_WAIT_BITMAP : RBLK_RS_WAIT_START);
	rs->send_bitmap = !source;
	rs->total_bits = 0;
	rs->done_bits = 0;
	rs->in_flight = 0;
	rs->cursor = 0;
	rs->bitmap_wait_since = jiffies;
	rs->exchange_began = jiffies;
	rs->target_waits = false;
	rs->bitmap_next = 0;
	spin_unlock_irqrestore(&conn->lock, flags);
	ret = rblk_state_commit(dev, &ns, 0, full ? "full resync" : "resync",
				NULL);
	mutex_unlock(&dev->lock);
	return ret ?: rblk_queue_state(conn);	/* wakes the sender, too */
out_unlock:
	mutex_unlock(&dev->lock);
	return ret;
}

int rblk_resync_begin(struct rblk_device *dev, bool source, bool full,
		      const struct rblk_peer_state *ps)
{
	return resync_begin(dev, source, full, ps, false, 0);
}

static int source_start(struct rblk_conn *conn);

/*
 * A Primary's new disk. A Primary without a disk, served by its UpToDate
 * Secondary (kmod/ioerr.c), attaches one without leaving the connection,
 * whose end would fail its I/O in flight (kmod/device.c): the disk,
 * Inconsistent, becomes the SyncTarget of a full resync (SYNC_REQ), and
 * the Primary's writes go on meanwhile, to both disks. Its reads of
 * blocks not yet resynced go to the peer (kmod/req.c, read_source()); a
 * write succeeds only once the peer acknowledged it (RBLK_RQ_NEEDS_ACK),
 * as the peer's copy stays the one of record until the resync is done
 * (RBLK_DISK_F_NEW). A resync block and an application write to the
 * same sectors may cross on the wire: the source holds the write's
 * answer while a resync block overlapping it is in flight there, and the
 * Primary does not write a block that a write in flight overlaps: it
 * answers EAGAIN, and the source sends that block again on its next pass
 * (kmod/recv.c, hold_ack(), resync_claim(); rs_again()). The source
 * starts no generation for it: the disk stays a full resync's target
 * until SYNC_DONE, and the Primary is served at the source's current
 * generation throughout. If the connection ends or the new disk fails
 * before the end, the disk goes again (kmod/ioerr.c,
 * rblk_disk_drop_new()); the Primary is Diskless and served as before.
 *
 * The Primary's side, from the attach (dev->lock held, the queue
 * frozen): a resync to us is about to start; SYNC_REQ queued, with the
 * generation we were served at.
 */
int rblk_resync_arm_target(struct rblk_device *dev)
{
	struct rblk_conn *conn = &dev->conn;
	struct rblk_resync *rs = &conn->rs;
	struct rblk_p_sync p = {};
	unsigned long flags;
	int ret;

	lockdep_assert_held(&dev->lock);
	rblk_put_be64(p.current_uuid, dev->served_uuid);
	spin_lock_irqsave(&conn->lock, flags);
	WRITE_ONCE(rs->source, false);
	WRITE_ONCE(rs->attach, true);
	WRITE_ONCE(rs->phase, RBLK_RS_WAIT_START);
	rs->send_bitmap = false;	/* a full resync: nothing to merge */
	rs->total_bits = 0;
	rs->done_bits = 0;
	rs->in_flight = 0;
	rs->cursor = 0;
	rs->exchange_began = jiffies;
	rs->target_waits = false;
	rs->bitmap_next = 0;
	spin_unlock_irqrestore(&conn->lock, flags);
	ret = rblk_queue_ctl(conn, RBLK_P_SYNC_REQ, &p, sizeof(p));
	if (ret) {
		WRITE_ONCE(rs->phase, RBLK_RS_IDLE);
		WRITE_ONCE(rs->attach, false);
	}
	return ret;
}

/*
 * The Secondary's side: its Primary, which it serves, attached a disk
 * and asks for it to be resynced (SYNC_REQ), in full. Anything else than
 * the state that allows it ends the connection (the Primary's new disk
 * goes with it): a peer that asks without the feature, or at another
 * generation than ours, is wrong or from another time.
 */
int rblk_resync_recv_req(struct rblk_conn *conn, u16 type, const void *fixed,
			 u32 data_len)
{
	const struct rblk_p_sync *p = fixed;
	struct rblk_device *dev = conn->dev;
	u64 want = rblk_be64(p->current_uuid);
	int ret;

	if (!(conn->features & RBLK_FEAT_PRIMARY_ATTACH) ||
	    READ_ONCE(conn->rs.phase) != RBLK_RS_IDLE)
		return rblk_conn_protocol_error(conn, RBLK_WIRE_BAD_STATE, RBLK_P_SYNC_REQ);
	ret = resync_begin(dev, true, true, NULL, true, want);
	if (ret == -ESTALE) {
		rblk_conn_error(conn, "%s attached a disk and asks for a resync from generation %016llx, which this node is not at: connecting again",
				conn->peer_node, (unsigned long long)want);
		return ret;
	}
	if (ret) {
		rblk_conn_error(conn, "%s attached a disk and asks for a resync, which cannot start here now (%d): connecting again",
				conn->peer_node, ret);
		return ret;
	}
	pr_info("rblk%d: %s: %s attached a disk: resyncing it in full while it is Primary\n",
		dev->minor, dev->name, conn->peer_node);
	return source_start(conn);
}

/* This connection's before-resync-target handler: start it. */
static int before_start(struct rblk_device *dev)
{
	struct rblk_conn *conn = &dev->conn;
	struct rblk_resync *rs = &conn->rs;
	u32 ms = READ_ONCE(conn->opts.handler_timeout);
	u32 gen;
	int ret;

	spin_lock(&rs->before.lock);
	gen = rs->before.gen;
	spin_unlock(&rs->before.lock);
	ret = rblk_helper_start(dev, "before-resync-target", &rs->before, gen, ms);
	if (ret) {
		rblk_conn_error(conn, "cannot run the before-resync-target handler (%d): not becoming SyncTarget of %s; 'rblkadm connect %s' tries again",
				ret, conn->peer_node, dev->name);
		return ret < 0 ? ret : -EIO;
	}
	rs->before_limited = ms;
	rs->before_deadline = jiffies + msecs_to_jiffies(ms + RBLK_HELPER_GRACE_MS);
	return 0;
}

/*
 * The connect decided a resync to this node and a before-resync-target
 * handler is configured: start it; the resync begins once it exited 0
 * (rblk_resync_target_poll(), the receiver's). Until then this node's
 * handshake stays open (role changes, invalidate and new-current-uuid
 * wait) and the source marks its writes for the resync once our STATE
 * says we are Outdated, as DRBD marks writes out of sync during its
 * bitmap exchange: the handler sees the disk as the last consistent data
 * left it (to snapshot it, say), and nothing is written to it before the
 * handler has run. Receiver thread.
 * 1: the handler runs, or waits for an earlier connection's to end; or a
 * negative errno (it could not be started).
 */
int rblk_resync_target_defer(struct rblk_device *dev, bool full,
			     const struct rblk_peer_state *ps)
{
	struct rblk_conn *conn = &dev->conn;
	struct rblk_resync *rs = &conn->rs;
	struct rblk_meta *m = &dev->meta;
	struct rblk_state ns;
	u32 flags;
	int ret = 0;

	/*
	 * The peer's data is newer: this node is Outdated from now on, on
	 * disk first (a handler that fails or a lost link must not leave it
	 * promotable without --force), its data untouched for the handler.
	 */
	mutex_lock(&dev->lock);
	ns = dev->state;
	flags = m->gi.flags;
	if (ns.disk > RBLK_DISK_OUTDATED) {
		ns.disk = RBLK_DISK_OUTDATED;
		/* Allowed before it is on disk: the two must not disagree. */
		ret = rblk_state_try(dev, &ns, 0, NULL);
	}
	if (!ret && (ns.disk != dev->state.disk ||
		     (flags & (RBLK_MDF_WAS_UP_TO_DATE | RBLK_MDF_PEER_OUTDATED)))) {
		m->gi.flags &= ~(RBLK_MDF_WAS_UP_TO_DATE | RBLK_MDF_PEER_OUTDATED);
		ret = rblk_meta_write(m);
		if (ret)
			m->gi.flags = flags;
		else if (ns.disk != dev->state.disk)
			ret = rblk_state_commit(dev, &ns, 0,
						"a resync from the peer is to begin", NULL);
	}
	mutex_unlock(&dev->lock);
	/*
	 * The source learns it (and fences no UpToDate peer if we go), and
	 * that our bitmap comes after the handler.
	 */
	if (!ret)
		ret = rblk_queue_state_flags(conn, RBLK_SF_RESYNC_WAITS);
	if (ret)
		return ret;

	rs->before_full = full;
	rs->before_exited = false;
	rs->before_said = jiffies;
	/*
	 * The handler of an earlier connection that ended while it ran may
	 * still act on the disk (a snapshot, say): ours starts once it is
	 * over, not beside it (rblk_resync_target_poll()).
	 */
	rs->before_queued = rblk_helper_busy(&rs->before) > 0;
	if (rs->before_queued) {
		pr_info("rblk%d: %s: the before-resync-target handler of an earlier connection to %s still runs: this connection's starts once it is over\n",
			dev->minor, dev->name, conn->peer_node);
	} else {
		ret = before_start(dev);
		if (ret)
			return ret;
	}
	WRITE_ONCE(rs->before_pending, true);
	return 1;
}

/* While we wait: the source's wait starts again, every second. */
static int target_says_waits(struct rblk_conn *conn)
{
	struct rblk_resync *rs = &conn->rs;

	if (!time_after(jiffies, rs->before_said + HZ))
		return 0;
	rs->before_said = jiffies;
	return rblk_queue_state_flags(conn, RBLK_SF_RESYNC_WAITS);
}

/*
 * Receiver: has the before-resync-target handler exited? While it runs,
 * 0. Exit 0: the resync begins, once the source's STATE says UpToDate.
 * Anything else, or no result within handler-timeout + rblkadm's grace,
 * ends the connection without a resync (StandAlone, as DRBD disconnects):
 * the disk keeps its data, and 'rblkadm connect' tries again.
 */
int rblk_resync_target_poll(struct rblk_conn *conn)
{
	struct rblk_device *dev = conn->dev;
	struct rblk_resync *rs = &conn->rs;
	struct rblk_peer_state ps;
	unsigned long flags;
	int ret;

	if (!rs->before_pending)
		return 0;
	if (rs->before_queued) {
		ret = rblk_helper_busy(&rs->before);
		if (ret > 0)
			return target_says_waits(conn);
		if (ret == -ETIME)
			pr_warn("rblk%d: %s: the earlier before-resync-target handler gave no exit status within its handler-timeout + %u s (it may still run): starting this connection's\n",
				dev->minor, dev->name, RBLK_HELPER_GRACE_MS / 1000);
		else
			pr_info("rblk%d: %s: the earlier before-resync-target handler is over\n",
				dev->minor, dev->name);
		rs->before_queued = false;
		if (before_start(dev)) {
			WRITE_ONCE(rs->before_pending, false);
			conn->fatal = true;
			return -ECONNABORTED;
		}
	}
	if (!rs->before_exited) {
		ret = rblk_helper_poll(&rs->before);
		if (ret == -EINPROGRESS) {
			if (!rs->before_limited ||
			    time_before(jiffies, rs->before_deadline))
				return target_says_waits(conn);
			/* A report that came meanwhile counts; a later one not. */
			rblk_helper_supersede(&rs->before);
			ret = rblk_helper_poll(&rs->before);
			if (ret == -ESTALE)
				ret = -ETIME;
		}
		if (ret == -ETIME) {
			rblk_conn_error(conn, "the before-resync-target handler gave no result within handler-timeout (%u ms) + %u s: not becoming SyncTarget of %s; 'rblkadm connect %s' tries again",
					conn->opts.handler_timeout,
					RBLK_HELPER_GRACE_MS / 1000, conn->peer_node,
					dev->name);
		} else if (ret) {
			rblk_conn_error(conn, "the before-resync-target handler returned %d: not becoming SyncTarget of %s; 'rblkadm connect %s' tries again",
					ret, conn->peer_node, dev->name);
		}
		if (ret) {
			WRITE_ONCE(rs->before_pending, false);
			conn->fatal = true;
			return -ECONNABORTED;
		}
		pr_info("rblk%d: %s: the before-resync-target handler returned 0\n",
			dev->minor, dev->name);
		rs->before_exited = true;
		rs->before_deadline = jiffies +
			msecs_to_jiffies(rblk_link_patience(&conn->opts));
	}
	spin_lock_irqsave(&conn->lock, flags);
	ps = conn->peer_state;
	spin_unlock_irqrestore(&conn->lock, flags);
	/*
	 * The source is UpToDate once its side of the resync began, right
	 * after the decision; it may have been Outdated or Consistent at the
	 * decision, and the STATE that says so may be on its way still. Its
	 * role may change meanwhile (no new generation while connected).
	 * A source whose disk is worse: decide again, on a new connection.
	 */
	if (ps.disk_state != RBLK_DISK_UPTODATE) {
		if (ps.disk_state >= RBLK_DISK_OUTDATED &&
		    time_before(jiffies, rs->before_deadline))
			return target_says_waits(conn);
		WRITE_ONCE(rs->before_pending, false);
		rblk_conn_error(conn, "%s is %s, not UpToDate, as our resync from it is to begin; connecting again",
				conn->peer_node, rblk_disk_name(ps.disk_state));
		rblk_conn_end_handshake(conn);
		return -EAGAIN;
	}
	WRITE_ONCE(rs->before_pending, false);
	rs->before_ran = true;
	ret = rblk_resync_begin(dev, false, rs->before_full, &ps);
	if (ret && ret != -EAGAIN)
		conn->fatal = true;
	/* Role changes wait no more; the source's, for our bitmap. */
	rblk_conn_end_handshake(conn);
	return ret;
}

/*
 * Between the connect's decision and the start of a resync: a SyncSource
 * waiting for the target's bitmap, or a target whose before-resync-target
 * handler runs. The handshake lasts until then (role changes wait,
 * requests to the peer park; a source marks its writes for the resync
 * instead). Receiver thread.
 */
bool rblk_resync_exchanging(const struct rblk_conn *conn)
{
	const struct rblk_resync *rs = &conn->rs;

	return rs->before_pending ||
	       (rs->source && rs->phase == RBLK_RS_WAIT_BITMAP);
}

/* Teardown of the connection: what was not acked stays marked. */
void rblk_resync_stop(struct rblk_device *dev)
{
	struct rblk_conn *conn = &dev->conn;
	struct rblk_resync *rs = &conn->rs;
	struct rblk_rs_req *r, *t;
	unsigned long flags;
	LIST_HEAD(queued);
	LIST_HEAD(sent);

	/* A before-resync-target handler's report is for nobody now. */
	if (rs->before_pending) {
		WRITE_ONCE(rs->before_pending, false);
		rs->before_queued = false;
		rblk_helper_supersede(&rs->before);
	}

	if (rs->thread) {
		kthread_stop(rs->thread);
		put_task_struct(rs->thread);
		rs->thread = NULL;
	}
	spin_lock_irqsave(&conn->lock, flags);
	list_splice_init(&rs->queue, &queued);
	list_splice_init(&rs->sent, &sent);
	WRITE_ONCE(rs->phase, RBLK_RS_IDLE);
	WRITE_ONCE(rs->attach, false);
	rs->send_bitmap = false;
	rs->in_flight = 0;
	spin_unlock_irqrestore(&conn->lock, flags);
	rs_free_tfm(rs);
	list_for_each_entry_safe(r, t, &queued, list) {
		rblk_range_release(dev, &r->range);
		rblk_rs_req_put(r);	/* the sender's */
		rblk_rs_req_put(r);
	}
	list_for_each_entry_safe(r, t, &sent, list) {
		rblk_range_release(dev, &r->range);
		rblk_rs_req_put(r);
	}
	rblk_bm_flush(&dev->meta);
}

/*
 * Source: the bitmaps are one (the target's merged into ours, or a full
 * resync that needs none): SYNC_START, and the thread that sends the
 * blocks.
 */
static int source_start(struct rblk_conn *conn)
{
	struct rblk_device *dev = conn->dev;
	struct rblk_bitmap *bm = &dev->meta.bm;
	struct rblk_resync *rs = &conn->rs;
	struct rblk_p_sync start = {};
	struct task_struct *t;
	unsigned long flags;
	int ret;

	mutex_lock(&dev->lock);
	rblk_put_be64(start.current_uuid, dev->meta.gi.uuid[RBLK_UI_CURRENT]);
	rblk_put_be64(start.bitmap_uuid, dev->meta.gi.uuid[RBLK_UI_BITMAP]);
	mutex_unlock(&dev->lock);
	rs_free_tfm(rs);
	/* Not for a Primary's new disk: it has nothing worth comparing. */
	if (conn->opts.csums_alg &&
	    READ_ONCE(dev->state.peer_role) != RBLK_ROLE_PRIMARY) {
		struct crypto_shash *tfm = rblk_digest_tfm(conn->opts.csums_alg);

		if (IS_ERR(tfm)) {
			pr_warn("rblk%d: %s: csums-alg %s is not available; the resync sends every block\n",
				dev->minor, dev->name,
				rblk_digest_name(conn->opts.csums_alg));
		} else {
			rs->csums_tfm = tfm;
			start.csums_alg = conn->opts.csums_alg;
		}
	}
	spin_lock_irqsave(&conn->lock, flags);
	WRITE_ONCE(rs->phase, RBLK_RS_RUNNING);
	rs->total_bits = rblk_bm_weight(bm);
	rs->started = jiffies;
	rs->send_bitmap = true;		/* after SYNC_START, before any block */
	spin_unlock_irqrestore(&conn->lock, flags);
	rs->credit = 0;
	rs->credit_at = jiffies;
	rs->rate_reset = false;
	rblk_put_be64(start.total_bits, rs->total_bits);
	ret = rblk_queue_ctl(conn, RBLK_P_SYNC_START, &start, sizeof(start));
	if (ret)
		return ret;
	/* Role changes waited for the bitmaps (rblk_resync_exchanging). */
	rblk_conn_end_handshake(conn);
	if (rs->thread) {	/* an earlier resync's, parked */
		kthread_stop(rs->thread);
		put_task_struct(rs->thread);
		rs->thread = NULL;
	}
	t = kthread_create(source_thread, conn, "rblk%d_sync", dev->minor);
	if (IS_ERR(t))
		return PTR_ERR(t);
	get_task_struct(t);
	rs->thread = t;
	wake_up_process(t);
	return 0;
}

/* Source: a slice of the target's bitmap; the last one starts the resync. */
int rblk_resync_recv_bitmap(struct rblk_conn *conn, u16 type,
			    const void *fixed, u32 data_len)
{
	const struct rblk_p_bitmap *b = fixed;
	struct rblk_device *dev = conn->dev;
	struct rblk_bitmap *bm = &dev->meta.bm;
	struct rblk_resync *rs = &conn->rs;
	void *buf;
	u64 off;
	int ret;
	/*
	 * The source gets the target's bitmap first; the target then gets
	 * the merged one, so it knows every block it lacks (reads of those go
	 * to the source) before the first of them arrives.
	 */
	if (rs->source ? rs->phase != RBLK_RS_WAIT_BITMAP :
			 rs->phase != RBLK_RS_WAIT_START && rs->phase != RBLK_RS_RUNNING)
		return rblk_conn_protocol_error(conn, RBLK_WIRE_BAD_STATE, RBLK_P_BITMAP);
	off = rblk_be64(b->offset);
	/*
	 * In order, and data in all but the last (as send_bitmap() sends
	 * them). The source's wait starts again only with a full slice:
	 * a trickle does not stretch it (rblk_conn_idle()).
	 */
	if (off < rs->bitmap_next || (!data_len && !b->last))
		return rblk_conn_protocol_error(conn, RBLK_WIRE_BAD_PAYLOAD, RBLK_P_BITMAP);
	rs->bitmap_next = off + data_len;
	if (rs->source && data_len &&
	    data_len == min_t(u64, rblk_bm_wire_bytes(bm, conn->features &
						       RBLK_FEAT_SIZES) - off,
			      RBLK_WIRE_MAX_DATA))
		WRITE_ONCE(rs->bitmap_wait_since, jiffies);
	if (data_len) {
		buf = kvmalloc(data_len, GFP_NOIO);
		if (!buf)
			return -ENOMEM;
		ret = rblk_recv_exact(conn, buf, data_len);
		if (!ret)
			rblk_bm_or(bm, off, buf, data_len);
		kvfree(buf);
		if (ret)
			return ret;
	}
	if (!b->last)
		return 0;
	ret = rblk_bm_flush(&dev->meta);
	if (ret || !rs->source)
		return ret;
	return source_start(conn);
}

/* Target: the source has our bitmap; its blocks follow. */
int rblk_resync_recv_start(struct rblk_conn *conn, u16 type,
			   const void *fixed, u32 data_len)
{
	const struct rblk_p_sync *p = fixed;
	struct rblk_device *dev = conn->dev;
	struct rblk_resync *rs = &conn->rs;
	struct rblk_gi *gi = &dev->meta.gi;
	unsigned long flags;
	u64 from;
	int ret;
	if (rs->source || rs->phase != RBLK_RS_WAIT_START ||
	    (rs->attach && p->csums_alg))
		return rblk_conn_protocol_error(conn, RBLK_WIRE_BAD_STATE, RBLK_P_SYNC_START);
	if (rs->csums_tfm)	/* digest work of an earlier resync may hold it */
		rblk_conn_wait_peer_reqs(conn);
	rs_free_tfm(rs);
	if (p->csums_alg) {
		struct crypto_shash *tfm = rblk_digest_tfm(p->csums_alg);

		if (IS_ERR(tfm)) {
			rblk_conn_error(conn, "%s resyncs with csums-alg %s, which this kernel lacks; configure a csums-alg both kernels have",
					conn->peer_node, rblk_digest_name(p->csums_alg));
			return PTR_ERR(tfm);
		}
		rs->csums_tfm = tfm;
	}
	/* Our remaining bits now count from the source's bitmap UUID. */
	from = rblk_be64(p->bitmap_uuid);
	mutex_lock(&dev->lock);
	/* A Primary's new disk keeps no generation until it is done. */
	if (rs->attach)
		from = gi->uuid[RBLK_UI_CURRENT];
	if (gi->uuid[RBLK_UI_CURRENT] != from) {
		if (rblk_gi_real(gi->uuid[RBLK_UI_CURRENT]))
			rblk_gi_push_history(gi, gi->uuid[RBLK_UI_CURRENT]);
		gi->uuid[RBLK_UI_CURRENT] = from;
	}
	gi->uuid[RBLK_UI_BITMAP] = 0;
	ret = rblk_meta_write(&dev->meta);
	if (!ret)
		rblk_conn_discard_used(conn);
	mutex_unlock(&dev->lock);
	if (ret)
		return ret;
	spin_lock_irqsave(&conn->lock, flags);
	WRITE_ONCE(rs->phase, RBLK_RS_RUNNING);
	rs->total_bits = rblk_be64(p->total_bits);
	rs->started = jiffies;
	spin_unlock_irqrestore(&conn->lock, flags);
	return 0;
}

/* Target: a resync block is on our disk (bio completion context). */
void rblk_resync_target_wrote(struct rblk_device *dev, sector_t sector,
			      u32 bytes)
{
	struct rblk_conn *conn = &dev->conn;
	unsigned long flags;

	rblk_bm_clear(&dev->meta.bm, sector, bytes, true);
	atomic64_add(bytes >> 10, &dev->stats.resynced_kib);
	spin_lock_irqsave(&conn->lock, flags);
	conn->rs.done_bits += DIV_ROUND_UP(bytes, RBLK_BM_BYTES_PER_BIT);
	spin_unlock_irqrestore(&conn->lock, flags);
}

/* Source: find a sent request by the id the target echoes. */
static struct rblk_rs_req *find_sent(struct rblk_resync *rs, u64 id)
{
	struct rblk_rs_req *r;

	list_for_each_entry(r, &rs->sent, list)
		if (r->id == id)
			return r;
	return NULL;
}

/* Source: the whole range is on the target (or was already): done. */
static void rs_complete(struct rblk_conn *conn, struct rblk_rs_req *r)
{
	struct rblk_device *dev = conn->dev;
	struct rblk_resync *rs = &conn->rs;
	unsigned long flags;

	rblk_bm_clear(&dev->meta.bm, r->range.sector, r->range.bytes, false);
	atomic64_add(r->range.bytes >> 10, &dev->stats.resynced_kib);
	rblk_range_release(dev, &r->range);
	spin_lock_irqsave(&conn->lock, flags);
	rs->in_flight--;
	rs->done_bits += DIV_ROUND_UP(r->range.bytes, RBLK_BM_BYTES_PER_BIT);
	spin_unlock_irqrestore(&conn->lock, flags);
	wake_up(&rs->wq);
	rblk_rs_req_put(r);
}

/*
 * Source: a Primary target put a range off (its own writes to it were in
 * flight: kmod/recv.c, resync_claim()). Its bits stay set here, and the
 * next pass sends it again.
 */
static void rs_again(struct rblk_conn *conn, struct rblk_rs_req *r)
{
	struct rblk_resync *rs = &conn->rs;
	unsigned long flags;

	rblk_range_release(conn->dev, &r->range);
	spin_lock_irqsave(&conn->lock, flags);
	rs->in_flight--;
	spin_unlock_irqrestore(&conn->lock, flags);
	wake_up(&rs->wq);
	rblk_rs_req_put(r);
}

/* Source: the target wrote one RS_DATA of a range, or put it off. */
int rblk_resync_recv_ack(struct rblk_conn *conn, u16 type,
			 const void *fixed, u32 data_len)
{
	const struct rblk_p_ack *a = fixed;
	struct rblk_resync *rs = &conn->rs;
	struct rblk_rs_req *r;
	unsigned long flags;
	bool last = false, again;
	u32 status;

	status = rblk_be32(a->status);
	/* Only a Primary with a new disk puts blocks off. */
	again = status == RBLK_RS_ACK_AGAIN && READ_ONCE(rs->attach);
	spin_lock_irqsave(&conn->lock, flags);
	r = find_sent(rs, rblk_be64(a->id));
	if (r && !r->csum && r->acks) {
		last = --r->acks == 0;
		if (again) {
			r->again = true;
			status = 0;
		}
		if (last || status)
			list_del_init(&r->list);
	} else {
		r = NULL;
	}
	spin_unlock_irqrestore(&conn->lock, flags);
	if (!r)
		return rblk_conn_protocol_error(conn, RBLK_WIRE_BAD_STATE, RBLK_P_RS_ACK);
	if (status) {
		/* Teardown releases what stays; this one is off the lists. */
		rblk_conn_error(conn, "peer %s could not write resync block at sector %llu (error %u)",
				conn->peer_node,
				(unsigned long long)r->range.sector, status);
		rblk_range_release(conn->dev, &r->range);
		spin_lock_irqsave(&conn->lock, flags);
		rs->in_flight--;
		spin_unlock_irqrestore(&conn->lock, flags);
		rblk_rs_req_put(r);
		return -EIO;
	}
	if (last && r->again)
		rs_again(conn, r);
	else if (last)
		rs_complete(conn, r);
	return 0;
}

/*
 * Source: the target compared digests (csums-alg). Blocks that match are
 * in sync already; the others go as RS_DATA like any resync block.
 */
int rblk_resync_recv_csum_reply(struct rblk_conn *conn, u16 type,
				const void *fixed, u32 data_len)
{
	const struct rblk_p_csum_reply *c = fixed;
	struct rblk_device *dev = conn->dev;
	struct rblk_resync *rs = &conn->rs;
	struct rblk_rs_req *r;
	unsigned long flags;
	u64 differ, all;
	u32 b, blocks;
	spin_lock_irqsave(&conn->lock, flags);
	r = find_sent(rs, rblk_be64(c->id));
	if (r && r->csum)
		list_del_init(&r->list);
	else
		r = NULL;
	spin_unlock_irqrestore(&conn->lock, flags);
	if (!r)
		return rblk_conn_protocol_error(conn, RBLK_WIRE_BAD_STATE, RBLK_P_RS_CSUM_REPLY);
	all = r->send;
	/* A target that could not digest gets every block. */
	differ = rblk_be32(c->status) ? all : rblk_be64(c->differ) & all;
	blocks = rblk_rs_req_blocks(r);
	for (b = 0; b < blocks; b++)
		if ((all & ~differ) & (1ULL << b))
			atomic64_add(min_t(u32, r->range.bytes - b * RBLK_DIGEST_BLOCK,
					   RBLK_DIGEST_BLOCK) >> 10,
				     &dev->stats.rs_skipped_kib);
	if (!differ) {
		rs_complete(conn, r);
		return 0;
	}
	r->send = differ;
	r->csum = false;
	kref_get(&r->ref);			/* the sender's again */
	spin_lock_irqsave(&conn->lock, flags);
	list_add(&r->list, &rs->queue);
	spin_unlock_irqrestore(&conn->lock, flags);
	wake_up(&conn->send_wq);
	return 0;
}

/* Target: every block is here; take the source's generation. */
int rblk_resync_recv_done(struct rblk_conn *conn, u16 type,
			  const void *fixed, u32 data_len)
{
	const struct rblk_p_sync *p = fixed;
	struct rblk_device *dev = conn->dev;
	struct rblk_resync *rs = &conn->rs;
	struct rblk_gi *gi = &dev->meta.gi, old;
	struct rblk_state ns;
	unsigned long flags;
	int ret;
	if (rs->source || rs->phase != RBLK_RS_RUNNING)
		return rblk_conn_protocol_error(conn, RBLK_WIRE_BAD_STATE, RBLK_P_SYNC_DONE);
	/*
	 * A Primary's new disk: the source cleared the bits of writes it
	 * answered IN_SYNC, which we have read (answers go before
	 * SYNC_DONE); ours go as those writes complete here, on our disk,
	 * which does not wait for the peer (kmod/req.c, needs_ack_end()).
	 */
	if (rs->attach)
		wait_event_timeout(dev->write_wq, !rblk_bm_weight(&dev->meta.bm),
				   msecs_to_jiffies(READ_ONCE(conn->opts.timeout)));
	/* Every block the source sent has been acked, so it is written. */
	mutex_lock(&dev->lock);
	ns = dev->state;
	ns.conn = RBLK_CONN_CONNECTED;
	ns.disk = RBLK_DISK_UPTODATE;
	if (dev->state.conn != RBLK_CONN_SYNC_TARGET) {
		mutex_unlock(&dev->lock);
		return rblk_conn_protocol_error(conn, RBLK_WIRE_BAD_STATE, RBLK_P_SYNC_DONE);
	}
	/*
	 * Each block the source sent (or found equal) cleared its bit as it
	 * landed: a source that says done with bits left is wrong.
	 */
	if (rblk_bm_weight(&dev->meta.bm)) {
		mutex_unlock(&dev->lock);
		rblk_conn_error(conn, "peer %s ended the resync with %llu KiB still out of sync here",
				conn->peer_node, rblk_bm_weight(&dev->meta.bm) * 4);
		return -EPROTO;
	}
	ret = rblk_bm_flush(&dev->meta);
	if (ret) {
		mutex_unlock(&dev->lock);
		return ret;
	}
	old = *gi;
	rblk_gi_sync_target_done(gi, rblk_be64(p->current_uuid));
	gi->flags &= ~(RBLK_MDF_CRASHED_PRIMARY | RBLK_MDF_PEER_OUTDATED |
		       RBLK_MDF_LOST_AS_PRIMARY);
	ret = rblk_meta_write(&dev->meta);
	if (ret)
		*gi = old;	/* still the target it was */
	else
		dev->diverged = false;
	if (!ret) {
		spin_lock_irqsave(&conn->lock, flags);
		WRITE_ONCE(rs->phase, RBLK_RS_IDLE);
		WRITE_ONCE(rs->attach, false);
		spin_unlock_irqrestore(&conn->lock, flags);
		ret = rblk_state_commit(dev, &ns, 0, "resync done", NULL);
	}
	/* A Primary's new disk is one of record from here on. */
	if (!ret)
		rblk_disk_new_done(dev);
	mutex_unlock(&dev->lock);
	if (ret)
		return ret;
	/* RS_CSUM work in flight holds the transform (a source done early). */
	rblk_conn_wait_peer_reqs(conn);
	rs_free_tfm(rs);
	pr_info("rblk%d: %s: resync from %s done: %llu KiB in %lu s\n",
		dev->minor, dev->name, conn->peer_node, rs->done_bits * 4,
		(jiffies - rs->started) / HZ);
	rblk_helper(dev, "after-resync-target");
	return rblk_queue_state(conn);
}
