// SPDX-License-Identifier: GPL-2.0
/*
 * A failing backing disk (on-io-error detach, the default, as in DRBD;
 * call-local-io-error also starts the local-io-error handler for the
 * disk's first recorded error, after the state change below).
 *
 * The disk in use is guarded by dev->disk_ref, a per-CPU reference that
 * is live exactly while a disk is attached and has not failed: I/O that
 * reaches the backing disk from outside dev->lock takes one
 * (rblk_disk_get(): a request's local part, a peer's write, a read for
 * the peer, a resync or verify read) and drops it when it completes.
 *
 * The first I/O error on a Secondary's disk fails it: the disk state
 * goes Failed and the reference is killed in the same step under
 * dev->lock, so nothing new reaches the disk. The connection stays: our
 * STATE tells the Primary, which from then on marks what it writes
 * instead of sending it; a write already on its way is acknowledged
 * if our disk has it and refused otherwise (the Primary marks it). A
 * resync or verify in progress uses the disk from the connection's
 * threads: then the connection is dropped, and its teardown waits for
 * them. Once the last holder is gone the disk is let go without another
 * write to it, and the state goes Diskless. 'rblkadm attach' brings a
 * disk back; the generations decide the resync.
 *
 * 'rblkadm detach' on a Secondary with a connection configured takes the
 * same way on purpose (rblk_disk_detach()): no error is recorded and no
 * handler runs, and rblkadm waits for Diskless.
 *
 * A Primary's disk fails the same way when its peer can serve it from
 * then on: connected, UpToDate, not in a resync, verify or handshake
 * (primary_lets_go()). The Primary stays Primary without a disk: its
 * reads go to the peer, its writes and flushes to the peer alone, and
 * a write whose local part failed stands on the peer's ACK
 * (kmod/req.c, peer_only_end()): the application sees no error. The
 * peer, Secondary, starts a generation that makes this disk's return a
 * full resync (rblk_gen_peer_disk_failed()). Without such a peer the
 * Primary keeps its disk: a write's error goes to the application, its
 * range is marked out of sync (the peer may have it), and the disk goes
 * once the node is Secondary. A write completed on the peer's copy alone
 * (an UpToDate peer acknowledged it) leaves this disk without it
 * (RBLK_DISK_F_STALE): reads go to the peer from then on, and the disk
 * goes whatever the peer's state is by then.
 *
 * A read error is first retried on the peer and the block written back
 * (kmod/req.c); it reaches this file when the peer could not serve it,
 * when the write-back failed (as a write error), or at once on a node
 * that does not write back (not a Primary with an UpToDate disk that had
 * no error). A read served without a copy to write back is only logged.
 */
#include <linux/blkdev.h>
#include <linux/delay.h>
#include <linux/percpu-refcount.h>
#include <linux/workqueue.h>

#include "device.h"
#include "ioerr.h"
#include "digest.h"
#include "gen.h"
#include "helper.h"

static void disk_ref_release(struct percpu_ref *ref)
{
	struct rblk_device *dev = container_of(ref, struct rblk_device, disk_ref);

	complete_all(&dev->disk_idle);
}

static void fail_work(struct work_struct *w);

/* At creation: no disk, so dead, and idle. */
int rblk_disk_ref_init(struct rblk_device *dev)
{
	init_completion(&dev->disk_idle);
	complete_all(&dev->disk_idle);
	INIT_WORK(&dev->disk_fail_work, fail_work);
	return percpu_ref_init(&dev->disk_ref, disk_ref_release,
			       PERCPU_REF_INIT_DEAD, GFP_KERNEL);
}

void rblk_disk_ref_exit(struct rblk_device *dev)
{
	percpu_ref_exit(&dev->disk_ref);
}

/* A disk was attached (dev->lock held, the queue frozen). */
void rblk_disk_ref_live(struct rblk_device *dev)
{
	lockdep_assert_held(&dev->lock);
	reinit_completion(&dev->disk_idle);
	clear_bit(RBLK_DISK_F_ERROR, &dev->disk_flags);
	clear_bit(RBLK_DISK_F_REASON, &dev->disk_flags);
	clear_bit(RBLK_DISK_F_HELPER, &dev->disk_flags);
	clear_bit(RBLK_DISK_F_DETACH, &dev->disk_flags);
	clear_bit(RBLK_DISK_F_STALE, &dev->disk_flags);
	clear_bit(RBLK_DISK_F_TOLD, &dev->disk_flags);
	clear_bit(RBLK_DISK_F_UNTOLD, &dev->disk_flags);
	clear_bit(RBLK_DISK_F_META, &dev->disk_flags);
	clear_bit(RBLK_DISK_F_MISSED, &dev->disk_flags);
	clear_bit(RBLK_DISK_F_SYNC_ERR, &dev->disk_flags);
	clear_bit(RBLK_DISK_F_NEW, &dev->disk_flags);
	dev->served_uuid = 0;
	percpu_ref_resurrect(&dev->disk_ref);
}

/*
 * No new user of the disk from here on; wait for those in flight. Also
 * for a disk that failed (already killed).
 */
void rblk_disk_ref_drain(struct rblk_device *dev)
{
	if (!percpu_ref_is_dying(&dev->disk_ref))
		percpu_ref_kill(&dev->disk_ref);
	wait_for_completion(&dev->disk_idle);
}

bool rblk_disk_get(struct rblk_device *dev)
{
	return percpu_ref_tryget_live(&dev->disk_ref);
}

void rblk_disk_put(struct rblk_device *dev)
{
	percpu_ref_put(&dev->disk_ref);
}

/* A disk attached that has not failed (a hint: no reference is taken). */
bool rblk_disk_usable(struct rblk_device *dev)
{
	if (!rblk_disk_get(dev))
		return false;
	rblk_disk_put(dev);
	return true;
}

/*
 * A write completed on the peer's copy alone (kmod/req.c): this disk
 * lacks it. Reads go to the peer from now on, and the disk goes, a
 * Primary's too (fail_work()). Any context.
 */
void rblk_disk_stale(struct rblk_device *dev)
{
	if (!test_and_set_bit(RBLK_DISK_F_STALE, &dev->disk_flags))
		queue_work(system_long_wq, &dev->disk_fail_work);
}

/*
 * Such a write completes only once the peer has a generation of its own
 * since our disk failed (RBLK_DISK_F_TOLD: rblk_gen_peer_disk_failed(),
 * which makes this disk's return a full resync). Before that, a
 * connection lost would leave the peer at the generation this disk
 * still has, and the same disk back would meet it as an equal although
 * it lacks the write (worse: as a crashed Primary's, its activity log
 * would make it the source for those blocks). Held meanwhile (its range still claimed,
 * its disk reference dropped: the fail work waits for the disk's I/O),
 * then completed by rblk_disk_release_untold(), failed if the peer could
 * not be told (RBLK_DISK_F_UNTOLD): the write is on the peer, but not
 * known there for what it is. Any context.
 */
enum rblk_untold rblk_disk_hold_untold(struct rblk_device *dev,
				       struct request *rq)
{
	struct rblk_req *req = blk_mq_rq_to_pdu(rq);
	enum rblk_untold ret = RBLK_UNTOLD_HELD;
	unsigned long flags;

	spin_lock_irqsave(&dev->untold_lock, flags);
	if (test_bit(RBLK_DISK_F_TOLD, &dev->disk_flags))
		ret = RBLK_UNTOLD_GO;
	else if (test_bit(RBLK_DISK_F_UNTOLD, &dev->disk_flags))
		ret = RBLK_UNTOLD_FAIL;
	else
		list_add_tail(&req->park_list, &dev->untold);
	spin_unlock_irqrestore(&dev->untold_lock, flags);
	return ret;
}

/*
 * The peer knows (@told), or cannot know now: the held writes complete,
 * and later ones do not wait. The fail work, once our STATE and a ping
 * after it were answered or the connection ended; the device's removal.
 */
void rblk_disk_release_untold(struct rblk_device *dev, bool told)
{
	struct rblk_req *req, *tmp;
	unsigned long flags;
	LIST_HEAD(held);

	spin_lock_irqsave(&dev->untold_lock, flags);
	set_bit(told ? RBLK_DISK_F_TOLD : RBLK_DISK_F_UNTOLD, &dev->disk_flags);
	list_splice_init(&dev->untold, &held);
	spin_unlock_irqrestore(&dev->untold_lock, flags);
	list_for_each_entry_safe(req, tmp, &held, park_list) {
		list_del_init(&req->park_list);
		rblk_req_put(blk_mq_rq_from_pdu(req));
	}
}

/*
 * The disk's first error: RBLK_DISK_F_ERROR, and RBLK_DISK_F_HELPER if
 * on-io-error says call-local-io-error at that moment, in one fully
 * ordered step, so that a fail work that sees the error (queued for this
 * one or for another failing at the same time) sees the handler due.
 */
static bool first_error(struct rblk_device *dev)
{
	unsigned long old = READ_ONCE(dev->disk_flags), new;

	do {
		if (old & BIT(RBLK_DISK_F_ERROR))
			return false;
		new = old | BIT(RBLK_DISK_F_ERROR);
		if (READ_ONCE(dev->on_io_error) == RBLK_ON_IO_ERROR_CALL_HELPER)
			new |= BIT(RBLK_DISK_F_HELPER);
	} while (!try_cmpxchg(&dev->disk_flags, &old, new));
	return true;
}

/*
 * An I/O error of the backing disk (any context, bio completion
 * included). The first one is recorded, with where it happened, for
 * 'rblkadm status'; the device's fail work takes it from there. A
 * discard the disk cannot do is not a failing disk.
 */
void rblk_disk_error(struct rblk_device *dev, enum req_op op, sector_t sector,
		     int err)
{
	if (err == -EOPNOTSUPP)
		return;
	if (first_error(dev)) {
		snprintf(dev->disk_error, sizeof(dev->disk_error),
			 "%s error at sector %llu of %s (%d)",
			 op == REQ_OP_READ ? "read" :
			 op == REQ_OP_FLUSH ? "flush" : "write",
			 (unsigned long long)sector, dev->backing_path, err);
		/* The reason is whole before anyone reads it (netlink). */
		smp_mb__before_atomic();
		set_bit(RBLK_DISK_F_REASON, &dev->disk_flags);
		pr_err("rblk%d: %s: %s\n", dev->minor, dev->name,
		       dev->disk_error);
	} else if (READ_ONCE(dev->on_io_error) == RBLK_ON_IO_ERROR_PASS_ON) {
		/* The disk stays: each of its errors is said. */
		pr_err_ratelimited("rblk%d: %s: %s error at sector %llu of %s (%d)\n",
				   dev->minor, dev->name,
				   op == REQ_OP_READ ? "read" :
				   op == REQ_OP_FLUSH ? "flush" : "write",
				   (unsigned long long)sector, dev->backing_path,
				   err);
	}
	/* Every time: a Primary's error is acted on once it is Secondary. */
	queue_work(system_long_wq, &dev->disk_fail_work);
}

/*
 * A metadata write or flush failed (kmod/meta.c): the disk goes, even
 * under on-io-error pass_on (its activity log and bitmap cannot be
 * trusted to bring the two disks together again).
 */
void rblk_disk_meta_error(struct rblk_device *dev, enum req_op op,
			  sector_t sector, int err)
{
	if (err != -EOPNOTSUPP)
		set_bit(RBLK_DISK_F_META, &dev->disk_flags);
	rblk_disk_error(dev, op, sector, err);
}

/*
 * A resync's or verify's I/O failed here (after rblk_disk_error()): under
 * on-io-error pass_on a resync would meet it again on every new
 * connection, a verify stop at it: that connection ends for good
 * (keep_disk()). Any context.
 */
void rblk_disk_sync_error(struct rblk_device *dev)
{
	set_bit(RBLK_DISK_F_SYNC_ERR, &dev->disk_flags);
	queue_work(system_long_wq, &dev->disk_fail_work);
}

/*
 * After a demotion: a disk that failed while Primary goes now; writes
 * still held for the peer's generation (I/O after the last close) fail
 * unless it came.
 */
void rblk_disk_error_recheck(struct rblk_device *dev)
{
	unsigned long flags;
	bool held;

	spin_lock_irqsave(&dev->untold_lock, flags);
	held = !list_empty(&dev->untold);
	spin_unlock_irqrestore(&dev->untold_lock, flags);
	if (held)
		rblk_disk_release_untold(dev, false);
	if (test_bit(RBLK_DISK_F_ERROR, &dev->disk_flags))
		queue_work(system_long_wq, &dev->disk_fail_work);
}

/* The device goes: no fail work may run after this. */
void rblk_disk_error_cancel(struct rblk_device *dev)
{
	cancel_work_sync(&dev->disk_fail_work);
}

/*
 * Read for the peer, a resync or a verify (@sync: the last two, whose
 * error ends the connection under pass_on), through the reference.
 */
int rblk_disk_read(struct rblk_device *dev, sector_t sector,
		   struct page **pages, u32 bytes, bool sync)
{
	int ret;

	/* Not from a disk that lacks a write (the peer has it). */
	if (test_bit(RBLK_DISK_F_STALE, &dev->disk_flags) ||
	    !rblk_disk_get(dev))
		return -EIO;
	ret = rblk_read_pages(dev->backing.bdev, sector, pages, bytes);
	if (ret)
		rblk_disk_error(dev, REQ_OP_READ, sector, ret);
	if (ret && sync)
		rblk_disk_sync_error(dev);
	rblk_disk_put(dev);
	return ret;
}

/*
 * Failed -> Diskless: the last user of the disk is gone (every I/O to it
 * held the reference; metadata I/O stopped at the failure). The disk is
 * let go without a write to it: its bitmap and generations stay as they
 * were on it, so that an attach of the same disk finds itself behind its
 * peer. Their copy in memory stays until the next attach, detach or
 * removal, when no connection's thread can look at it.
 */
static void let_go(struct rblk_device *dev)
{
	struct rblk_state ns;
	struct rblk_bdev b;
	bool up, admin, primary, served;

	mutex_lock(&dev->lock);
	if (!dev->backing.bdev || dev->state.disk != RBLK_DISK_FAILED) {
		mutex_unlock(&dev->lock);
		return;
	}
	b = dev->backing;
	dev->backing.bdev = NULL;
	mutex_unlock(&dev->lock);
	/*
	 * Closed before the state says Diskless, so that whoever acts on
	 * it (create-md on the disk, attach) finds it free; outside
	 * dev->lock, which our own open takes under its open_mutex.
	 */
	rblk_bdev_close(&b);
	mutex_lock(&dev->lock);
	/* A detach whose drain met an error says the error. */
	admin = test_and_clear_bit(RBLK_DISK_F_DETACH, &dev->disk_flags) &&
		!rblk_disk_failing(dev);
	/* Unless an attach came meanwhile. */
	if (!dev->backing.bdev && dev->state.disk == RBLK_DISK_FAILED) {
		ns = dev->state;
		ns.disk = RBLK_DISK_DISKLESS;
		rblk_state_commit(dev, &ns, 0, admin ? "detach" :
				  "detached after an I/O error", NULL);
		clear_bit(RBLK_DISK_F_NEW, &dev->disk_flags);
	}
	up = rblk_conn_is_up(dev->state.conn);
	primary = dev->state.role == RBLK_ROLE_PRIMARY;
	served = dev->state.conn == RBLK_CONN_CONNECTED &&
		 dev->state.peer_disk == RBLK_DISK_UPTODATE &&
		 test_bit(RBLK_DISK_F_TOLD, &dev->disk_flags);
	mutex_unlock(&dev->lock);
	if (primary && served)
		pr_warn("rblk%d: %s: detached %s%s; this Primary's reads and writes go to %s now; 'rblkadm attach' brings a disk back (resynced in full from %s)\n",
			dev->minor, dev->name, dev->backing_path,
			admin ? "" : " after an I/O error", dev->conn.peer_node,
			dev->conn.peer_node);
	else if (primary)
		pr_warn("rblk%d: %s: detached %s%s; this Primary has no UpToDate peer connected: its I/O fails until one serves it again; then, or once Secondary, 'rblkadm attach' brings a disk back\n",
			dev->minor, dev->name, dev->backing_path,
			admin ? "" : " after an I/O error");
	else if (admin)
		pr_info("rblk%d: %s: detached %s; 'rblkadm attach' brings a disk back\n",
			dev->minor, dev->name, dev->backing_path);
	else
		pr_warn("rblk%d: %s: detached %s after an I/O error; 'rblkadm attach' brings a disk back\n",
			dev->minor, dev->name, dev->backing_path);
	if (up)
		rblk_queue_state(&dev->conn);
}

/* The peer's generations as its last STATE said (zero: none). */
static void peer_gi(struct rblk_conn *conn, struct rblk_gi *gi)
{
	unsigned long flags;

	spin_lock_irqsave(&conn->lock, flags);
	*gi = conn->peer_state.gi;
	spin_unlock_irqrestore(&conn->lock, flags);
}

static u64 peer_current(struct rblk_conn *conn)
{
	struct rblk_gi gi;

	peer_gi(conn, &gi);
	return gi.uuid[RBLK_UI_CURRENT];
}

/*
 * Can the peer serve this Primary without its disk? Connected with an
 * UpToDate disk, and no resync, verify or handshake (which a failure
 * ends with the connection); no write of this connection refused there
 * (conn->nacked: our disk may hold its only copy, kmod/recv.c); generations on both sides (without them
 * nothing makes this disk's return a resync), and a peer that knows
 * (RBLK_FEAT_SERVES_DISKLESS). dev->lock held.
 */
static bool primary_served(struct rblk_device *dev)
{
	lockdep_assert_held(&dev->lock);
	return dev->state.conn == RBLK_CONN_CONNECTED &&
	       dev->state.peer_disk == RBLK_DISK_UPTODATE &&
	       !READ_ONCE(dev->conn.handshake) && !READ_ONCE(dev->conn.nacked) &&
	       (dev->conn.features & RBLK_FEAT_SERVES_DISKLESS) &&
	       dev->meta.present && peer_current(&dev->conn);
}

/*
 * A Primary's failed disk goes when its peer serves it from then on, or
 * when it must: the disk lacks a write the peer has (RBLK_DISK_F_STALE);
 * without that peer the Primary's I/O then fails. dev->lock held.
 */
static bool primary_lets_go(struct rblk_device *dev)
{
	lockdep_assert_held(&dev->lock);
	return test_bit(RBLK_DISK_F_STALE, &dev->disk_flags) ||
	       test_bit(RBLK_DISK_F_NEW, &dev->disk_flags) ||
	       primary_served(dev);
}

/*
 * A Primary's writes on the peer's copy alone (rblk_disk_hold_untold())
 * go once the peer has read our STATE and answered with a generation of
 * its own (rblk_gen_peer_disk_failed()): a STATE read before the answer
 * to our second PING (rblk_conn_tell()) says so if its current UUID is
 * new and our disk's current one (at the failure) is in its history, as
 * that function puts it: then our disk back meets rule 10 of
 * docs/generations.md, a full resync. *@served: that new UUID.
 */
static bool peer_told(struct rblk_device *dev, u64 *served)
{
	struct rblk_gi gi;
	u64 own = dev->fail_own_uuid;

	if (rblk_conn_tell(&dev->conn))
		return false;
	peer_gi(&dev->conn, &gi);
	*served = gi.uuid[RBLK_UI_CURRENT];
	return rblk_gi_real(*served) && *served != dev->fail_peer_uuid &&
	       rblk_gi_real(own) && (gi.uuid[RBLK_UI_HISTORY0] == own ||
				     gi.uuid[RBLK_UI_HISTORY1] == own);
}

static bool peer_only_now(struct request *rq, void *arg)
{
	struct rblk_req *req = blk_mq_rq_to_pdu(rq);

	if (req_op(rq) != REQ_OP_READ)
		set_bit(RBLK_RQ_PEER_ONLY, &req->rflags);
	return true;
}

/*
 * Healthy -> Failed (dev->lock held): nothing new reaches the disk from
 * here on, nor metadata I/O after an error. A resync or verify, or a
 * handshake (its decision may be a resync, or wait for
 * before-resync-target), uses the disk from the connection's threads:
 * that connection goes, and the fail work waits for its teardown
 * (dev->fail_busy, ->fail_teardowns). A handshake has its socket until
 * its teardown.
 */
static int fail_begin(struct rblk_device *dev, unsigned int flags,
		      const char *why, struct netlink_ext_ack *extack)
{
	struct rblk_conn *conn = &dev->conn;
	struct rblk_state ns = dev->state;
	bool busy;
	int ret;

	lockdep_assert_held(&dev->lock);
	ns.disk = RBLK_DISK_FAILED;
	busy = (rblk_conn_is_up(ns.conn) && ns.conn != RBLK_CONN_CONNECTED) ||
	       READ_ONCE(conn->handshake);
	if (busy && rblk_conn_is_up(ns.conn))
		rblk_state_set_conn_to(&ns, RBLK_CONN_CONNECTING);
	ret = rblk_state_try(dev, &ns, flags, extack);
	if (ret)
		return ret;
	/* What peer_told() compares (before our STATE can leave). */
	dev->fail_own_uuid = dev->meta.gi.uuid[RBLK_UI_CURRENT];
	dev->fail_peer_uuid = peer_current(conn);
	percpu_ref_kill(&dev->disk_ref);
	/*
	 * A Primary's writes in flight stand on the peer's ACK from now on:
	 * one our disk alone took is lost with it. (Those to a new disk do
	 * already: RBLK_RQ_NEEDS_ACK.)
	 */
	if (ns.role == RBLK_ROLE_PRIMARY &&
	    !test_bit(RBLK_DISK_F_NEW, &dev->disk_flags))
		blk_mq_tagset_busy_iter(&dev->tag_set, peer_only_now, NULL);
	/*
	 * A detach writes the bitmap first (detach_flush()). The metadata
	 * I/O in progress is waited for outside dev->lock (fail_work()): an
	 * activity log write may wait for the peer's barrier ACK, which our
	 * receiver, stuck on dev->lock, would never read.
	 */
	if (!(flags & RBLK_SC_ADMIN))
		rblk_meta_fail_mark(&dev->meta);
	ret = rblk_state_commit(dev, &ns, flags, why, extack);
	if (ret)	/* cannot be: rblk_state_try() said yes under the lock */
		pr_err("rblk%d: %s: the disk state cannot go Failed (%d)\n",
		       dev->minor, dev->name, ret);
	dev->fail_busy = busy;
	dev->fail_teardowns = conn->teardowns;
	return 0;
}

/*
 * A detach lets a healthy disk go, its last I/O done: what the bitmap
 * holds in memory only (a verify's differences, say) is written, and the
 * disk's cache flushed, before metadata I/O stops. A failure to do so is
 * the disk's error (let_go() then says so).
 */
static void detach_flush(struct rblk_device *dev)
{
	if (!rblk_disk_failing(dev) &&
	    dev->meta.present && !rblk_bm_flush(&dev->meta)) {
		int ret = blkdev_issue_flush(dev->backing.bdev);

		if (ret)
			rblk_disk_error(dev, REQ_OP_FLUSH, 0, ret);
	}
	mutex_lock(&dev->lock);
	rblk_meta_fail_mark(&dev->meta);
	mutex_unlock(&dev->lock);
}

/*
 * 'rblkadm detach' while a connection is configured (dev->lock held, the
 * device a Secondary not held open: include/rblk/state.h, rule 3): the
 * disk goes as a failed one does, without an error recorded or the
 * local-io-error handler. The Primary marks what it writes from our
 * STATE on. Diskless once the fail work has let the disk go; rblkadm
 * waits for that.
 */
int rblk_disk_detach(struct rblk_device *dev, unsigned int flags,
		     struct netlink_ext_ack *extack)
{
	int ret;

	lockdep_assert_held(&dev->lock);
	/* Rule 3 asks for the peer Connected and UpToDate; this, for more. */
	if (dev->state.role == RBLK_ROLE_PRIMARY &&
	    dev->state.conn == RBLK_CONN_CONNECTED &&
	    dev->state.peer_disk == RBLK_DISK_UPTODATE && !primary_served(dev)) {
		NL_SET_ERR_MSG(extack, "the peer cannot serve this Primary without its disk (no metadata here or there, an older rblk there, or a handshake under way)");
		return -EBUSY;
	}
	ret = fail_begin(dev, flags, "detach", extack);
	if (ret)
		return ret;
	/* Its disk, back, is resynced in full (gen.c). */
	if (dev->state.role == RBLK_ROLE_PRIMARY &&
	    rblk_gen_detach_primary(dev))
		pr_warn("rblk%d: %s: cannot mark %s for a full resync: it is detached as after an I/O error\n",
			dev->minor, dev->name, dev->backing_path);
	set_bit(RBLK_DISK_F_DETACH, &dev->disk_flags);
	queue_work(system_long_wq, &dev->disk_fail_work);
	return 0;
}

/*
 * A Primary's new disk is resynced, or its node demoted (a plain
 * SyncTarget then): from now on a disk of record, whose failure the
 * peer must be told of again (RBLK_DISK_F_TOLD).
 */
void rblk_disk_new_done(struct rblk_device *dev)
{
	unsigned long flags;

	spin_lock_irqsave(&dev->untold_lock, flags);
	if (test_and_clear_bit(RBLK_DISK_F_NEW, &dev->disk_flags))
		clear_bit(RBLK_DISK_F_TOLD, &dev->disk_flags);
	spin_unlock_irqrestore(&dev->untold_lock, flags);
}

/*
 * A Primary's new disk (RBLK_DISK_F_NEW) whose resync cannot go on, as
 * the connection ended (its teardown): it goes without an error
 * recorded or the handler, and without another metadata write (its
 * FULL_SYNC stays on it); the Primary is Diskless, served again once
 * connected (kmod/resync.c, "A Primary's new disk"). Its writes in
 * flight fail unless acknowledged (RBLK_RQ_NEEDS_ACK).
 */
void rblk_disk_drop_new(struct rblk_device *dev, const char *why)
{
	mutex_lock(&dev->lock);
	if (test_bit(RBLK_DISK_F_NEW, &dev->disk_flags) && dev->backing.bdev &&
	    dev->state.disk > RBLK_DISK_FAILED && !dev->removing &&
	    !fail_begin(dev, 0, why, NULL)) {
		set_bit(RBLK_DISK_F_DETACH, &dev->disk_flags);
		queue_work(system_long_wq, &dev->disk_fail_work);
		pr_warn("rblk%d: %s: %s: %s goes\n", dev->minor, dev->name,
			why, dev->backing_path);
	}
	mutex_unlock(&dev->lock);
}

/*
 * on-io-error call-local-io-error at the disk's first error
 * (rblk_disk_error()): true once, under dev->lock; the caller starts the
 * handler after unlocking (it only waits for the exec, kmod/helper.c).
 */
static bool local_io_error_due(struct rblk_device *dev)
{
	lockdep_assert_held(&dev->lock);
	return test_and_clear_bit(RBLK_DISK_F_HELPER, &dev->disk_flags);
}

/*
 * A disk on-io-error pass_on keeps after an error (keep_disk()): not one
 * whose metadata I/O failed (RBLK_DISK_F_META: the activity log and the
 * bitmap could no longer bring the two copies together), nor one that
 * lacks a write completed on the peer alone (RBLK_DISK_F_STALE: the
 * policy changed meanwhile), nor one without metadata (nothing would
 * resync what it lacks).
 */
static bool disk_kept(struct rblk_device *dev)
{
	return READ_ONCE(dev->on_io_error) == RBLK_ON_IO_ERROR_PASS_ON &&
	       !test_bit(RBLK_DISK_F_META, &dev->disk_flags) &&
	       !test_bit(RBLK_DISK_F_STALE, &dev->disk_flags) &&
	       !test_bit(RBLK_DISK_F_NEW, &dev->disk_flags) &&
	       dev->meta.present;
}

/*
 * The disk had an error and goes (as a Secondary, or once one): not one
 * that on-io-error pass_on keeps.
 */
bool rblk_disk_failing(struct rblk_device *dev)
{
	return test_bit(RBLK_DISK_F_ERROR, &dev->disk_flags) && !disk_kept(dev);
}

/* The policy changed (netlink): an error it no longer keeps acts now. */
void rblk_disk_policy_changed(struct rblk_device *dev)
{
	if (test_bit(RBLK_DISK_F_ERROR, &dev->disk_flags))
		queue_work(system_long_wq, &dev->disk_fail_work);
}

enum keep {
	KEEP_NOT,		/* the disk goes, as under detach */
	KEEP,
	KEEP_OUTDATED,		/* ... Outdated: tell the peer, reconnect */
	KEEP_STOP,		/* ... the connection ends for good */
};

/*
 * on-io-error pass_on keeps a disk with errors (dev->lock held): the
 * application got a write's error, its range marked (kmod/req.c); a read
 * was retried on the peer first.
 *
 * A Secondary whose disk failed a peer's write (RBLK_DISK_F_MISSED,
 * marked in kmod/recv.c; the Primary marks it too on our NACK) lacks
 * data the Primary has. It goes Outdated now, on disk first, so that it
 * is not promoted with the hole (rblk_state_set_role() refuses while the
 * flag is set, before this runs); its STATE tells the Primary, which
 * then loses no UpToDate peer (no fencing), and the next connection
 * resyncs the marks. Not for a Primary without a disk, or with a new one
 * we resync (Inconsistent): the write failed there too (kmod/req.c,
 * peer_only_end(), needs_ack_end()), nothing acknowledged lacks.
 *
 * An I/O error of a resync or verify (RBLK_DISK_F_SYNC_ERR), or a peer's
 * write failed while this node is the SyncTarget, would meet the same
 * block on every new connection: that connection ends for good
 * (StandAlone), the reason in last-error.
 */
static enum keep keep_disk(struct rblk_device *dev)
{
	struct rblk_conn *conn = &dev->conn;
	struct rblk_state ns = dev->state;
	bool up = rblk_conn_is_up(ns.conn);
	bool missed, sync_err, target;
	u32 flags = dev->meta.gi.flags;
	enum keep ret = KEEP;

	lockdep_assert_held(&dev->lock);
	if (!disk_kept(dev))
		return KEEP_NOT;
	missed = test_and_clear_bit(RBLK_DISK_F_MISSED, &dev->disk_flags);
	sync_err = test_and_clear_bit(RBLK_DISK_F_SYNC_ERR, &dev->disk_flags);
	target = ns.conn == RBLK_CONN_SYNC_TARGET || READ_ONCE(conn->handshake);
	if (missed && ns.role == RBLK_ROLE_SECONDARY &&
	    ns.disk > RBLK_DISK_OUTDATED &&
	    !(up && ns.peer_role == RBLK_ROLE_PRIMARY &&
	      (ns.peer_disk <= RBLK_DISK_FAILED ||
	       ns.peer_disk == RBLK_DISK_INCONSISTENT))) {
		dev->meta.gi.flags &= ~(RBLK_MDF_WAS_UP_TO_DATE |
					RBLK_MDF_PEER_OUTDATED);
		if (rblk_meta_write(&dev->meta)) {
			/* Its metadata failed too (RBLK_DISK_F_META). */
			dev->meta.gi.flags = flags;
			return KEEP_NOT;
		}
		ns.disk = RBLK_DISK_OUTDATED;
		/* A verify is over: the connection is made again. */
		if (up && ns.conn != RBLK_CONN_CONNECTED)
			rblk_state_set_conn_to(&ns, RBLK_CONN_CONNECTING);
		if (rblk_state_commit(dev, &ns, 0, "a write of the peer failed here", NULL))
			return KEEP_NOT;
		pr_warn("rblk%d: %s: on-io-error pass_on: %s lacks a write of %s: Outdated; the resync on the next connection brings it\n",
			dev->minor, dev->name, dev->backing_path,
			conn->peer_node);
		if (up)
			ret = KEEP_OUTDATED;
	}
	if (sync_err || (missed && target)) {
		rblk_conn_fatal(conn, "on-io-error pass_on: an I/O error of %s during a resync or verify (the kernel log says where): the connection to %s stops, as another would meet it again; mend or replace the disk, or set on-io-error detach, then 'rblkadm connect %s'",
				dev->backing_path, conn->peer_node, dev->name);
		ret = KEEP_STOP;
	}
	pr_warn_ratelimited("rblk%d: %s: on-io-error pass_on: %s stays attached after an I/O error (first: %s)\n",
			    dev->minor, dev->name, dev->backing_path,
			    test_bit(RBLK_DISK_F_REASON, &dev->disk_flags) ?
			    dev->disk_error : "not recorded yet");
	return ret;
}

static void fail_work(struct work_struct *w)
{
	struct rblk_device *dev = container_of(w, struct rblk_device,
					       disk_fail_work);
	struct rblk_conn *conn = &dev->conn;
	unsigned int teardowns;
	bool busy, tell, helper, primary, told = false;
	enum keep keep;
	u64 served = 0;

	mutex_lock(&dev->lock);
	if (!dev->backing.bdev || dev->removing) {
		mutex_unlock(&dev->lock);
		return;
	}
	if (test_bit(RBLK_DISK_F_DETACH, &dev->disk_flags)) {
		/* rblk_disk_detach() made it Failed. */
		if (dev->state.disk != RBLK_DISK_FAILED) {
			mutex_unlock(&dev->lock);
			return;
		}
		helper = local_io_error_due(dev);
	} else {
		/*
		 * The error is of the disk attached now (an attach clears
		 * it); or a write completed without it (a clone's error the
		 * disk's error path did not count, EOPNOTSUPP).
		 */
		if (dev->state.disk <= RBLK_DISK_FAILED ||
		    (!test_bit(RBLK_DISK_F_ERROR, &dev->disk_flags) &&
		     !test_bit(RBLK_DISK_F_STALE, &dev->disk_flags))) {
			mutex_unlock(&dev->lock);
			return;
		}
		helper = local_io_error_due(dev);
		keep = keep_disk(dev);
		if (keep != KEEP_NOT) {
			mutex_unlock(&dev->lock);
			if (helper)
				rblk_helper(dev, "local-io-error");
			/* Outdated, said before the connection goes (no fence). */
			if (keep == KEEP_OUTDATED && !rblk_queue_state(conn))
				rblk_conn_tell(conn);
			if (keep != KEEP)
				rblk_conn_reconnect(conn);
			return;
		}
		if (dev->state.role == RBLK_ROLE_PRIMARY &&
		    !primary_lets_go(dev)) {
			pr_warn_ratelimited("rblk%d: %s: a Primary keeps its disk after an I/O error while no UpToDate peer is connected to serve it (it is detached once Secondary); a failed write or flush, or a read the peer did not serve, went to the application\n",
					    dev->minor, dev->name);
			mutex_unlock(&dev->lock);
			if (helper)
				rblk_helper(dev, "local-io-error");
			return;
		}
		if (fail_begin(dev, 0, "disk failed", NULL)) {
			/* cannot be: every disk in use has the edge */
			pr_err("rblk%d: %s: the disk state cannot go Failed\n",
			       dev->minor, dev->name);
			mutex_unlock(&dev->lock);
			return;
		}
	}
	busy = dev->fail_busy;
	teardowns = dev->fail_teardowns;
	tell = rblk_conn_is_up(dev->state.conn);
	/*
	 * A Primary's new disk, not yet resynced, leaves it served as it
	 * was before the attach (the generation, RBLK_DISK_F_TOLD).
	 */
	primary = dev->state.role == RBLK_ROLE_PRIMARY &&
		  !test_bit(RBLK_DISK_F_NEW, &dev->disk_flags);
	mutex_unlock(&dev->lock);
	/* No memory: asked again (a Primary's writes wait for it). */
	while (tell && rblk_queue_state(conn) == -ENOMEM &&
	       rblk_conn_is_up(READ_ONCE(dev->state.conn)))
		msleep(100);
	/*
	 * A Primary's writes on the peer's copy alone wait until the peer
	 * has a generation of its own (rblk_disk_hold_untold()); a
	 * connection that goes (busy: now) fails them.
	 */
	if (primary) {
		told = tell && !busy && peer_told(dev, &served);
		/*
		 * It connects again only where that generation is (gen.c,
		 * rblk_gen_current()); nothing writes this to a disk.
		 */
		mutex_lock(&dev->lock);
		/* Not if the teardown, which forgets it, came meanwhile. */
		told = told && dev->state.conn == RBLK_CONN_CONNECTED &&
		       dev->state.peer_disk == RBLK_DISK_UPTODATE &&
		       READ_ONCE(conn->teardowns) == teardowns;
		dev->served_uuid = told ? served : 0;
		mutex_unlock(&dev->lock);
		rblk_disk_release_untold(dev, told);
	}
	/*
	 * The STATE queued first; a handler that powers the node off may
	 * still beat it: the Primary then loses us and marks all the same.
	 */
	if (helper)
		rblk_helper(dev, "local-io-error");
	if (busy) {
		rblk_conn_reconnect(conn);
		wait_event(conn->teardown_wq,
			   READ_ONCE(conn->teardowns) != teardowns);
	}
	wait_for_completion(&dev->disk_idle);
	if (test_bit(RBLK_DISK_F_DETACH, &dev->disk_flags))
		detach_flush(dev);
	/* No metadata I/O reaches the disk from here on. */
	rblk_meta_fail(&dev->meta);
	mutex_lock(&dev->lock);
	/* An error of the last I/O, or of detach_flush(): once. */
	helper = local_io_error_due(dev);
	mutex_unlock(&dev->lock);
	if (helper)
		rblk_helper(dev, "local-io-error");
	let_go(dev);
}
