// SPDX-License-Identifier: GPL-2.0
/*
 * Request lifecycle. A request on /dev/rblkN is carried out by clones of
 * its bios on the backing device and, for writes while connected, by a
 * WRITE packet to the peer; it completes when the local clones and the
 * peer's ACK are all in (protocol C). Local and remote parts start at the
 * same time, so latency is max(local, network + remote), not the sum.
 */
#include <linux/bio.h>
#include <linux/blk-mq.h>
#include <linux/ktime.h>

#include "conn.h"
#include "device.h"
#include "gen.h"
#include "req.h"
#include "bitmap.h"
#include "ioerr.h"
#include "digest.h"
#include "recv.h"
#include <linux/math64.h>

/* Clones come from here so that I/O never waits on general reclaim. */
struct bio_set rblk_bio_set;

/*
 * Requests are started from here, not from ->queue_rq: starting one may
 * sleep (overlapping writes, mempools, a metadata write), and the
 * submitter's context may be in the middle of flushing its own plug. The
 * worker also sends the peer's part when the sender is idle.
 */
static struct workqueue_struct *rblk_wq;

static bool is_write(struct request *rq)
{
	return op_is_write(req_op(rq));
}

void rblk_range_release(struct rblk_device *dev, struct rblk_range *r)
{
	unsigned long flags;
	bool held;

	if (list_empty(&r->list))
		return;
	spin_lock_irqsave(&dev->write_lock, flags);
	list_del_init(&r->list);
	held = !list_empty(&dev->conn.held_acks);
	spin_unlock_irqrestore(&dev->write_lock, flags);
	wake_up(&dev->write_wq);
	/* A SyncSource's answers that waited for this range (recv.c). */
	if (held)
		rblk_recv_release_held(dev);
}

/* Held or failed writes count too: that is how long they took. */
static void account_latency(struct rblk_device *dev, struct rblk_req *req)
{
	u64 us = div_u64(ktime_get_ns() - req->start_ns, NSEC_PER_USEC);

	this_cpu_add(dev->wlat->sum_us, us);
	this_cpu_inc(dev->wlat->buckets[rblk_lat_bucket(us)]);
}

/*
 * The peer's copy of a read our disk failed goes to pages of our own, then
 * to the reader's and to our disk: a reader's buffer (O_DIRECT) may change
 * under a write-back from it. At most RBLK_HEAL_BUFFERS requests of a
 * device hold such pages, which are not waited for (a failing region can
 * fail many reads at once, and rblk_wq serves writeback): without them
 * the reader is served all the same, and the bad sector stays for a later
 * read to heal.
 */
#define RBLK_HEAL_BUFFERS	4

static void heal_buffer_get(struct rblk_device *dev, struct rblk_req *req)
{
	unsigned int n = DIV_ROUND_UP(req->range.bytes, PAGE_SIZE);

	if (atomic_inc_return(&dev->heal_buffers) <= RBLK_HEAL_BUFFERS)
		req->heal_pages = rblk_pages_alloc(n, GFP_NOIO | __GFP_NORETRY |
						   __GFP_NOWARN);
	if (!req->heal_pages)
		atomic_dec(&dev->heal_buffers);
}

static void heal_buffer_put(struct rblk_device *dev, struct rblk_req *req)
{
	if (!req->heal_pages)
		return;
	rblk_pages_free(req->heal_pages, DIV_ROUND_UP(req->range.bytes, PAGE_SIZE));
	req->heal_pages = NULL;
	atomic_dec(&dev->heal_buffers);
}

static void report_read_error(struct rblk_device *dev, struct rblk_req *req)
{
	if (!test_and_set_bit(RBLK_RQ_REPORTED, &req->rflags))
		rblk_disk_error(dev, REQ_OP_READ, req->range.sector,
				blk_status_to_errno(req->local_status));
}

/*
 * A read our disk failed goes on in steps, each started by the worker
 * once the previous one is over (all its parts ended): read again from
 * the peer (read_retry()), then the peer's copy written back here
 * (read_heal()). true: the request goes on, with the reference the
 * caller held; any context.
 */
static bool read_next_step(struct request *rq)
{
	struct rblk_req *req = blk_mq_rq_to_pdu(rq);
	struct rblk_device *dev = rq->q->queuedata;

	if (req_op(rq) != REQ_OP_READ ||
	    !test_bit(RBLK_RQ_LOCAL_FAILED, &req->rflags))
		return false;
	if (!test_bit(RBLK_RQ_RETRY, &req->rflags)) {
		set_bit(RBLK_RQ_RETRY, &req->rflags);
		/*
		 * Only a Primary writes the block back (read_heal()): any
		 * other node's disk fails now, not after the peer's answer.
		 */
		if (READ_ONCE(dev->state.role) != RBLK_ROLE_PRIMARY)
			report_read_error(dev, req);
	} else if (!test_bit(RBLK_RQ_HEAL, &req->rflags) && !req->status &&
		   test_bit(RBLK_RQ_MAY_HEAL, &req->rflags))
		set_bit(RBLK_RQ_HEAL, &req->rflags);
	else
		return false;
	if (req->disk_ref) {
		req->disk_ref = false;
		rblk_disk_put(dev);
	}
	atomic_set(&req->remote, RBLK_REMOTE_NONE);
	atomic_set(&req->pending, 1);
	rblk_req_requeue(rq);
	return true;
}

/* The last step of a read our disk failed: what became of it. */
static void read_retry_end(struct rblk_device *dev, struct request *rq)
{
	struct rblk_req *req = blk_mq_rq_to_pdu(rq);
	sector_t sector = req->range.sector;
	bool copy = req->heal_pages;

	heal_buffer_put(dev, req);
	if (req->status) {
		/* Not served by the peer either: our disk's error stands. */
		req->status = req->local_status;
		report_read_error(dev, req);
		return;
	}
	if (!test_bit(RBLK_RQ_HEALED, &req->rflags)) {
		/* Else reported, or the write-back's error was (heal_endio()). */
		if (!copy && !test_bit(RBLK_RQ_REPORTED, &req->rflags))
			pr_warn_ratelimited("rblk%d: %s: read error at sector %llu (%d): served by %s, not written back here (no copy was kept: at most 4 reads at a time, memory allowing); a later read of it retries\n",
					    dev->minor, dev->name,
					    (unsigned long long)sector,
					    blk_status_to_errno(req->local_status),
					    dev->conn.peer_node);
		return;
	}
	atomic64_inc(&dev->stats.healed);
	pr_info_ratelimited("rblk%d: %s: read error at sector %llu (%d): served by %s and written back here\n",
			    dev->minor, dev->name, (unsigned long long)sector,
			    blk_status_to_errno(req->local_status),
			    dev->conn.peer_node);
}

/*
 * A write whose local part failed, or found our disk failed (PEER_ONLY):
 * the peer's acknowledged copy stands for it if that copy is UpToDate
 * (not a SyncTarget's, which cannot serve it back). The write then
 * succeeds, once the peer knows our disk failed (it may be held until
 * then: true), and our disk, which lacks it, goes (rblk_disk_stale()):
 * a Primary's too, served by the peer from then on (kmod/ioerr.c).
 * Otherwise it fails, with our disk's error if it had one.
 */
static bool peer_only_end(struct rblk_device *dev, struct request *rq)
{
	struct rblk_req *req = blk_mq_rq_to_pdu(rq);
	const char *why;

	if (req->status)
		return false;
	if (!test_bit(RBLK_RQ_ACKED, &req->rflags)) {
		why = "did not acknowledge it";
	} else if (test_bit(RBLK_RQ_NEEDS_ACK, &req->rflags) &&
		   test_bit(RBLK_DISK_F_NEW, &dev->disk_flags)) {
		/*
		 * To a Primary's new disk, not yet resynced: the peer's copy
		 * is the one of record; that disk, which lacks the write,
		 * serves no read from now on and goes, a full resync's
		 * target whatever happens (kmod/resync.c).
		 */
		rblk_disk_stale(dev);
		return false;
	} else if (READ_ONCE(dev->state.peer_disk) != RBLK_DISK_UPTODATE ||
		   READ_ONCE(dev->state.conn) != RBLK_CONN_CONNECTED ||
		   READ_ONCE(dev->conn.handshake) ||
		   READ_ONCE(req->epoch) != READ_ONCE(dev->conn.epoch)) {
		/*
		 * Not connected as it was, or in a resync, verify or
		 * handshake: the peer does not serve us from now on (kmod/
		 * ioerr.c, primary_lets_go()).
		 */
		why = "cannot serve it now";
	} else {
		rblk_disk_stale(dev);
		/* The fail work waits for the disk's I/O; not for us. */
		if (req->disk_ref) {
			req->disk_ref = false;
			rblk_disk_put(dev);
		}
		/* Held, rblk_disk_release_untold() puts it again. */
		atomic_set(&req->pending, 1);
		switch (rblk_disk_hold_untold(dev, rq)) {
		case RBLK_UNTOLD_HELD:
			return true;
		case RBLK_UNTOLD_GO:
			atomic_set(&req->pending, 0);
			return false;
		case RBLK_UNTOLD_FAIL:
			break;
		}
		atomic_set(&req->pending, 0);
		why = "has it, but did not confirm a generation of its own after this disk failed";
	}
	/* An admin's detach records no error. */
	pr_warn_ratelimited("rblk%d: %s: write of sectors %llu+%u failed: the local disk %s, and %s %s\n",
			    dev->minor, dev->name,
			    (unsigned long long)req->range.sector,
			    req->range.bytes >> SECTOR_SHIFT,
			    test_bit(RBLK_DISK_F_ERROR, &dev->disk_flags) ?
			    "failed" : "was detached",
			    dev->conn.peer_node[0] ? dev->conn.peer_node : "the peer",
			    why);
	req->status = req->local_status ?: BLK_STS_IOERR;
	return false;
}

/*
 * A write to a Primary's disk that is being resynced (RBLK_DISK_F_NEW):
 * that disk is not a copy of record, the peer's is. Not acked, it fails.
 */
static void needs_ack_end(struct rblk_device *dev, struct request *rq)
{
	struct rblk_req *req = blk_mq_rq_to_pdu(rq);

	if (!req->status && test_bit(RBLK_RQ_ACKED, &req->rflags)) {
		/*
		 * On both disks, and no resync block of it was in flight on
		 * the peer: its whole blocks are in sync (RBLK_ACKF_IN_SYNC),
		 * cleared while its range is still claimed (no resync block
		 * lands meanwhile).
		 */
		if (test_bit(RBLK_RQ_IN_SYNC, &req->rflags) &&
		    !test_bit(RBLK_RQ_PEER_ONLY, &req->rflags) &&
		    !req->local_status &&
		    test_bit(RBLK_DISK_F_NEW, &dev->disk_flags))
			rblk_bm_clear(&dev->meta.bm, req->range.sector,
				      req->range.bytes, true);
		return;
	}
	if (req->status)
		return;
	pr_warn_ratelimited("rblk%d: %s: write of sectors %llu+%u failed: the local disk is being resynced, and %s did not acknowledge it\n",
			    dev->minor, dev->name,
			    (unsigned long long)req->range.sector,
			    req->range.bytes >> SECTOR_SHIFT,
			    dev->conn.peer_node[0] ? dev->conn.peer_node : "the peer");
	req->status = BLK_STS_IOERR;
}

void rblk_req_put(struct request *rq)
{
	struct rblk_req *req = blk_mq_rq_to_pdu(rq);
	struct rblk_device *dev = rq->q->queuedata;

	if (!atomic_dec_and_test(&req->pending))
		return;
	if (read_next_step(rq))
		return;
	if (test_bit(RBLK_RQ_LOCAL_FAILED, &req->rflags))
		read_retry_end(dev, rq);
	else if (test_bit(RBLK_RQ_PEER_ONLY, &req->rflags) &&
		 peer_only_end(dev, rq))
		return;
	else if (test_bit(RBLK_RQ_NEEDS_ACK, &req->rflags))
		needs_ack_end(dev, rq);
	rblk_range_release(dev, &req->range);
	if (req->al)
		rblk_al_end(&dev->meta, req->range.sector, req->range.bytes);
	if (req->disk_ref)
		rblk_disk_put(dev);
	if (req->status)
		atomic64_inc(&dev->stats.io_errors);
	if (req_op(rq) == REQ_OP_WRITE)
		account_latency(dev, req);
	atomic_dec(&dev->stats.in_flight);
	blk_mq_end_request(rq, req->status);
}

/*
 * The peer's part ended: exactly once per request, whoever comes first of
 * the ACK and the connection teardown. Not acked means the peer may lack
 * this write: count it as out of sync.
 */
static void remote_ended(struct request *rq, bool acked)
{
	struct rblk_req *req = blk_mq_rq_to_pdu(rq);
	struct rblk_device *dev = rq->q->queuedata;

	rblk_tl_remote_done(&dev->conn, rq, acked);
	if (acked)
		set_bit(RBLK_RQ_ACKED, &req->rflags);
	else if (req_op(rq) == REQ_OP_READ)	/* our copy is not usable */
		cmpxchg(&req->status, BLK_STS_OK, BLK_STS_IOERR);
	else
		rblk_bm_set(&dev->meta.bm, req->range.sector, req->range.bytes);
}

void rblk_req_remote_done(struct request *rq, bool acked)
{
	struct rblk_req *req = blk_mq_rq_to_pdu(rq);

	if (atomic_cmpxchg(&req->remote, RBLK_REMOTE_PENDING,
			   RBLK_REMOTE_DONE) != RBLK_REMOTE_PENDING)
		return;
	remote_ended(rq, acked);
	rblk_req_put(rq);
}

/*
 * The connection ended while I/O is suspended for fencing: the request
 * ends as not acked (marked out of sync), but does not complete yet: the
 * peer that lacks it may be promoted unless it is fenced (kmod/fence.c).
 * Begin: false if the peer's part was over already. End: the bookkeeping
 * (it takes conn->lock), then held.
 */
bool rblk_req_remote_hold_begin(struct request *rq)
{
	struct rblk_req *req = blk_mq_rq_to_pdu(rq);

	return atomic_cmpxchg(&req->remote, RBLK_REMOTE_PENDING,
			      RBLK_REMOTE_HOLDING) == RBLK_REMOTE_PENDING;
}

void rblk_req_remote_hold_end(struct request *rq)
{
	struct rblk_req *req = blk_mq_rq_to_pdu(rq);
	struct rblk_device *dev = rq->q->queuedata;
	unsigned long flags;
	bool suspended;

	remote_ended(rq, false);
	atomic_set(&req->remote, RBLK_REMOTE_HELD);
	/*
	 * A resume that came meanwhile may have skipped us (HOLDING): the
	 * release work again, which writes the new generation first.
	 */
	spin_lock_irqsave(&dev->conn.lock, flags);
	suspended = dev->state.susp & RBLK_SUSP_IO_FENCING;
	spin_unlock_irqrestore(&dev->conn.lock, flags);
	if (!suspended)
		rblk_fence_release_held(dev);
}

/* I/O resumed: a held request completes (with @err if not OK). */
bool rblk_req_remote_release(struct request *rq, blk_status_t err)
{
	struct rblk_req *req = blk_mq_rq_to_pdu(rq);

	if (atomic_cmpxchg(&req->remote, RBLK_REMOTE_HELD,
			   RBLK_REMOTE_DONE) != RBLK_REMOTE_HELD)
		return false;
	if (err)
		cmpxchg(&req->status, BLK_STS_OK, err);
	rblk_req_put(rq);
	return true;
}

struct request *rblk_req_by_wire_id(struct blk_mq_tag_set *set, u64 id)
{
	u32 tag = id & 0xffff;

	if (tag >= set->queue_depth)
		return NULL;
	return blk_mq_tag_to_rq(set->tags[0], tag);
}

/*
 * A local write failed on a Primary: the peer may have it, and a write
 * that failed may hold either copy; marked, the next resync makes the
 * two equal (kmod/ioerr.c).
 */
static void clone_failed(struct request *rq, struct bio *clone)
{
	struct rblk_req *req = blk_mq_rq_to_pdu(rq);
	struct rblk_device *dev = rq->q->queuedata;
	int err = blk_status_to_errno(clone->bi_status);

	rblk_disk_error(dev, req_op(rq), req->range.sector, err);
	if (is_write(rq) && req->range.bytes && err != -EOPNOTSUPP)
		rblk_bm_set(&dev->meta.bm, req->range.sector, req->range.bytes);
}

static void clone_endio(struct bio *clone)
{
	struct request *rq = clone->bi_private;
	struct rblk_req *req = blk_mq_rq_to_pdu(rq);
	struct rblk_device *dev = rq->q->queuedata;

	if (!clone->bi_status) {
		;
	} else if (req_op(rq) == REQ_OP_READ) {
		/* Retried on the peer before it counts (read_next_step()). */
		cmpxchg(&req->local_status, BLK_STS_OK, clone->bi_status);
		set_bit(RBLK_RQ_LOCAL_FAILED, &req->rflags);
	} else if (clone->bi_status == BLK_STS_NOTSUPP &&
		   (req_op(rq) == REQ_OP_DISCARD ||
		    req_op(rq) == REQ_OP_WRITE_ZEROES)) {
		/* A discard the disk cannot do: not a failing disk. */
		cmpxchg(&req->status, BLK_STS_OK, clone->bi_status);
	} else if (READ_ONCE(dev->on_io_error) == RBLK_ON_IO_ERROR_PASS_ON) {
		/* The disk stays (kmod/ioerr.c): the error goes up, marked. */
		clone_failed(rq, clone);
		cmpxchg(&req->status, BLK_STS_OK, clone->bi_status);
	} else {
		/* Keep the first error; the peer's ACK decides (peer_only_end()). */
		clone_failed(rq, clone);
		cmpxchg(&req->local_status, BLK_STS_OK, clone->bi_status);
		set_bit(RBLK_RQ_PEER_ONLY, &req->rflags);
	}
	bio_put(clone);
	rblk_req_put(rq);
}

static void submit_clone(struct request *rq, struct bio *clone)
{
	struct rblk_req *req = blk_mq_rq_to_pdu(rq);

	clone->bi_private = rq;
	clone->bi_end_io = clone_endio;
	atomic_inc(&req->pending);
	submit_bio_noacct(clone);
}

/*
 * The block layer has already split PREFLUSH off into a REQ_OP_FLUSH
 * request; the data bios still carry the flag in bi_opf, so take the flush
 * bits from the request, not from the bio, to avoid a second flush.
 * REQ_ALLOC_CACHE says where the submitter's bio came from (a per-CPU
 * cache of its bio_set): bio_put() of our clone would look for a cache
 * rblk_bio_set does not have (an oops in the clone's completion on 7.2,
 * where direct I/O sets it). REQ_NOWAIT is the submitter's wish not to
 * wait for a tag of ours; the clone starts from our worker, which may
 * wait, and with it the backing disk would fail it (BLK_STS_AGAIN) when
 * its tags run out.
 */
static blk_opf_t clone_opf(struct request *rq, struct bio *bio)
{
	return (bio->bi_opf & ~(REQ_PREFLUSH | REQ_FUA | REQ_ALLOC_CACHE |
				REQ_NOWAIT)) |
	       (rq->cmd_flags & REQ_FUA);
}

static void map_data(struct request *rq, struct block_device *bdev)
{
	struct bio *bio, *clone;

	__rq_for_each_bio(bio, rq) {
		/* Mempool-backed with a sleeping mask: cannot fail. */
		clone = bio_alloc_clone(bdev, bio, GFP_NOIO, &rblk_bio_set);
		clone->bi_opf = clone_opf(rq, bio);
		submit_clone(rq, clone);
	}
}

static void map_flush(struct request *rq, struct block_device *bdev)
{
	struct bio *clone;

	clone = bio_alloc_bioset(bdev, 0, REQ_OP_WRITE | REQ_PREFLUSH | REQ_SYNC,
				 GFP_NOIO, &rblk_bio_set);
	submit_clone(rq, clone);
}

static void account(struct rblk_device *dev, struct request *rq)
{
	struct rblk_stats *s = &dev->stats;
	u64 kib = blk_rq_bytes(rq) >> 10;

	switch (req_op(rq)) {
	case REQ_OP_READ:
		atomic64_inc(&s->reads);
		atomic64_add(kib, &s->read_kib);
		break;
	case REQ_OP_WRITE:
		atomic64_inc(&s->writes);
		atomic64_add(kib, &s->written_kib);
		break;
	case REQ_OP_FLUSH:
		atomic64_inc(&s->flushes);
		break;
	case REQ_OP_DISCARD:
	case REQ_OP_WRITE_ZEROES:
		atomic64_inc(&s->discards);
		break;
	default:
		break;
	}
}

/* Claim @r unless a claimed range overlaps it. */
bool rblk_range_try_claim(struct rblk_device *dev, struct rblk_range *r)
{
	sector_t end = r->sector + (r->bytes >> SECTOR_SHIFT);
	struct rblk_range *w;
	bool ok = true;

	spin_lock_irq(&dev->write_lock);
	list_for_each_entry(w, &dev->writes, list) {
		if (w->sector < end &&
		    r->sector < w->sector + (w->bytes >> SECTOR_SHIFT)) {
			ok = false;
			break;
		}
	}
	if (ok)
		list_add_tail(&r->list, &dev->writes);
	spin_unlock_irq(&dev->write_lock);
	return ok;
}

/*
 * Claim @r unless a write in flight overlaps it (a read's claim does not
 * count): a resync block for a Primary's disk (kmod/recv.c), which then
 * waits for another pass; writes that come later wait for it.
 */
bool rblk_range_claim_unless_written(struct rblk_device *dev,
				     struct rblk_range *r)
{
	sector_t end = r->sector + (r->bytes >> SECTOR_SHIFT);
	struct rblk_range *w;
	bool ok = true;

	spin_lock_irq(&dev->write_lock);
	list_for_each_entry(w, &dev->writes, list) {
		if (!w->read && w->sector < end &&
		    r->sector < w->sector + (w->bytes >> SECTOR_SHIFT)) {
			ok = false;
			break;
		}
	}
	if (ok)
		list_add_tail(&r->list, &dev->writes);
	spin_unlock_irq(&dev->write_lock);
	return ok;
}

/*
 * Overlapping writes in flight together could land in different orders on
 * the two disks; a write (or resync block) starts only once no earlier
 * one overlaps it, and holds its range until the peer has it too.
 */
void rblk_range_claim(struct rblk_device *dev, struct rblk_range *r)
{
	if (!r->bytes)
		return;		/* an empty flush overlaps nothing */
	wait_event(dev->write_wq, rblk_range_try_claim(dev, r));
}

static blk_status_t check_rq(struct rblk_device *dev, struct request *rq)
{
	/* A Primary without its disk is served by the peer (kmod/ioerr.c). */
	if (!READ_ONCE(dev->backing.bdev) &&
	    READ_ONCE(dev->state.role) != RBLK_ROLE_PRIMARY)
		return BLK_STS_IOERR;
	/* Open refuses writers on a Secondary; this catches the rest. */
	if (is_write(rq) && READ_ONCE(dev->state.role) != RBLK_ROLE_PRIMARY) {
		pr_warn_ratelimited("rblk%d: write refused: %s is Secondary\n",
				    dev->minor, dev->name);
		return BLK_STS_IOERR;
	}
	switch (req_op(rq)) {
	case REQ_OP_READ:
	case REQ_OP_WRITE:
	case REQ_OP_DISCARD:
	case REQ_OP_WRITE_ZEROES:
	case REQ_OP_FLUSH:
		return BLK_STS_OK;
	default:
		return BLK_STS_NOTSUPP;
	}
}

/*
 * The local part of a write starts only once we know where the peer's
 * part goes: queued for the peer, or marked in the bitmap on disk (and
 * the generation moved on, unless a SyncSource marked it for its resync)
 * before the data can reach our disk. Or parked while I/O is suspended for
 * fencing or the connection's handshake is under way: it comes back here
 * (RBLK_PARK_PEER) with its range and activity log extents still held.
 * Returns false if parked.
 */
static bool start_write(struct rblk_device *dev, struct request *rq)
{
	struct rblk_req *req = blk_mq_rq_to_pdu(rq);
	struct rblk_meta *m = &dev->meta;

	if (req->park != RBLK_PARK_PEER) {
		/* Nothing claimed yet: parked before, others do not wait. */
		req->park = RBLK_PARK_NONE;
		if (rblk_fence_park(dev, rq, RBLK_PARK_START))
			return false;
		rblk_range_claim(dev, &req->range);
		/*
		 * A crash from here on must find these blocks in the log. A
		 * disk that failed, or whose log cannot be written: the
		 * peer's copy alone, if it takes it (peer_only_end()).
		 */
		/* Its disk not yet resynced: the peer's copy is the one. */
		if (READ_ONCE(dev->state.role) == RBLK_ROLE_PRIMARY &&
		    test_bit(RBLK_DISK_F_NEW, &dev->disk_flags))
			set_bit(RBLK_RQ_NEEDS_ACK, &req->rflags);
		if (req->range.bytes && !rblk_disk_usable(dev))
			set_bit(RBLK_RQ_PEER_ONLY, &req->rflags);
		else if (m->present && req->range.bytes) {
			if (!rblk_al_begin(m, req->range.sector, req->range.bytes))
				req->al = true;
			else if (rblk_disk_failing(dev) ||
				 !rblk_disk_usable(dev))
				set_bit(RBLK_RQ_PEER_ONLY, &req->rflags);
			else {
				/* Not the disk's (no memory, or more extents
				 * than the log has): as before. */
				req->status = BLK_STS_IOERR;
				return true;
			}
		}
	}
	req->park = RBLK_PARK_NONE;
	/* Network first: the peer's round trip is the longer part. */
	switch (rblk_queue_write(&dev->conn, rq)) {
	case RBLK_Q_PARKED:
		return false;
	case RBLK_Q_QUEUED:
		return true;
	case RBLK_Q_MARKED:
		if (test_bit(RBLK_RQ_PEER_ONLY, &req->rflags))
			break;
		/* Marked for the resync; the generation stays (the peer's
		 * is already behind ours). On disk before the data, as below. */
		if (req->range.bytes && !req->al && rblk_bm_flush(m))
			req->status = BLK_STS_IOERR;
		return true;
	case RBLK_Q_NO_PEER:
		break;
	}
	if (test_bit(RBLK_RQ_NEEDS_ACK, &req->rflags)) {
		pr_warn_ratelimited("rblk%d: %s: write of sectors %llu+%u failed: the local disk is being resynced, and no peer takes it now\n",
				    dev->minor, dev->name,
				    (unsigned long long)req->range.sector,
				    req->range.bytes >> SECTOR_SHIFT);
		req->status = BLK_STS_IOERR;
		return true;
	}
	/* Neither our disk nor the peer takes it. */
	if (test_bit(RBLK_RQ_PEER_ONLY, &req->rflags)) {
		pr_warn_ratelimited("rblk%d: %s: write of sectors %llu+%u failed: the local disk %s, and no peer takes it now\n",
				    dev->minor, dev->name,
				    (unsigned long long)req->range.sector,
				    req->range.bytes >> SECTOR_SHIFT,
				    test_bit(RBLK_DISK_F_ERROR, &dev->disk_flags) ?
				    "failed" : "was detached");
		req->status = req->local_status ?: BLK_STS_IOERR;
		return true;
	}
	if (!req->range.bytes)
		return true;
	if (rblk_gen_write_without_peer(dev)) {
		req->status = BLK_STS_IOERR;
		return true;
	}
	/*
	 * The bit reaches the disk before the log forgets the extent (al.c);
	 * a crash before that marks the whole extent. Without the log the
	 * bit must be on disk before the data.
	 */
	if (rblk_bm_set(&m->bm, req->range.sector, req->range.bytes) &&
	    !req->al && rblk_bm_flush(m))
		req->status = BLK_STS_IOERR;
	return true;
}

enum read_src {
	READ_LOCAL,		/* from our disk, whose reference it holds */
	READ_PEER,		/* queued for the peer, or failed (no peer) */
	READ_PARKED,		/* I/O is suspended for fencing, or the handshake
				 * is under way */
};

/*
 * Only a Primary whose disk is UpToDate and has had no error (or only
 * errors on-io-error pass_on keeps it through) writes back the peer's
 * copy (read_heal()): a write-back that fails is then a disk
 * error like any write's (rblk_disk_error()), and that disk's return is a
 * full resync (rblk_gen_peer_disk_failed() on the peer). A Secondary's
 * failed write-back would leave a stale block its Primary has not marked:
 * its read error detaches its disk instead. A request in flight keeps the
 * device open, so a Primary stays one until it ends.
 */
static bool may_heal(struct rblk_device *dev)
{
	return READ_ONCE(dev->state.role) == RBLK_ROLE_PRIMARY &&
	       READ_ONCE(dev->state.disk) == RBLK_DISK_UPTODATE &&
	       !rblk_disk_failing(dev);
}

/* Some block of @r is marked out of sync here (a disk reference held). */
static bool range_marked(struct rblk_device *dev, const struct rblk_range *r)
{
	u64 first, last;

	/* Without metadata nothing is tracked: UpToDate here and there. */
	if (!r->bytes || !dev->meta.bm.bits)
		return false;
	first = div64_u64((u64)r->sector << SECTOR_SHIFT, RBLK_BM_BYTES_PER_BIT);
	last = div64_u64(((u64)r->sector << SECTOR_SHIFT) + r->bytes - 1,
			 RBLK_BM_BYTES_PER_BIT);
	return rblk_bm_next_set(&dev->meta.bm, first) <= last;
}

/* To the peer, if an UpToDate one is connected; @why we do not read here. */
static enum read_src read_peer(struct rblk_device *dev, struct request *rq,
			       const char *why)
{
	struct rblk_req *req = blk_mq_rq_to_pdu(rq);

	switch (rblk_queue_read(&dev->conn, rq)) {
	case RBLK_Q_PARKED:
		return READ_PARKED;
	case RBLK_Q_NO_PEER:
		pr_warn_ratelimited("rblk%d: %s: read of sectors %llu+%u failed: %s and no UpToDate peer is connected\n",
				    dev->minor, dev->name,
				    (unsigned long long)req->range.sector,
				    req->range.bytes >> SECTOR_SHIFT, why);
		req->status = BLK_STS_IOERR;
		return READ_PEER;
	default:
		return READ_PEER;
	}
}

/*
 * From our disk, unless it is Inconsistent (a SyncTarget) and the blocks
 * are still marked out of sync: the peer's then, or the read fails if no
 * UpToDate peer is connected. Garbage is never returned.
 */
static enum read_src read_source(struct rblk_device *dev, struct request *rq)
{
	struct rblk_req *req = blk_mq_rq_to_pdu(rq);

	/*
	 * Our disk failed, or lacks a write the peer has: a Primary is
	 * served by its peer (kmod/ioerr.c).
	 */
	if (test_bit(RBLK_DISK_F_STALE, &dev->disk_flags) ||
	    !rblk_disk_get(dev)) {
		if (READ_ONCE(dev->state.role) == RBLK_ROLE_PRIMARY)
			return read_peer(dev, rq, "the local disk failed");
		req->status = BLK_STS_IOERR;
		return READ_PEER;
	}
	if (READ_ONCE(dev->state.disk) == RBLK_DISK_INCONSISTENT &&
	    range_marked(dev, &req->range)) {
		rblk_disk_put(dev);
		return read_peer(dev, rq, "they are out of sync here");
	}
	req->disk_ref = true;
	return READ_LOCAL;
}

/*
 * A read our disk failed, from the peer: only if it has these blocks as
 * we do, none marked out of sync here (a write it may lack) unless ours
 * are the stale ones (Inconsistent). Under the range's claim, so that no
 * write changes them between the peer's read and our write-back. Not
 * retried: our disk's error goes to the reader, and to rblk_disk_error().
 * A node that will not write the block back has a disk error now.
 */
static enum read_src read_retry(struct rblk_device *dev, struct request *rq)
{
	struct rblk_req *req = blk_mq_rq_to_pdu(rq);
	const char *why = "no UpToDate peer is connected";
	enum rblk_queued q = RBLK_Q_NO_PEER;
	bool marked = false;

	if (!may_heal(dev))
		report_read_error(dev, req);
	else if (!req->heal_pages &&
		 READ_ONCE(dev->state.peer_disk) == RBLK_DISK_UPTODATE)
		/* (Parked, it comes back here: allocated then if need be.) */
		heal_buffer_get(dev, req);
	rblk_range_claim(dev, &req->range);
	if (rblk_disk_get(dev)) {
		marked = READ_ONCE(dev->state.disk) != RBLK_DISK_INCONSISTENT &&
			 range_marked(dev, &req->range);
		rblk_disk_put(dev);
	}
	if (marked) {
		why = "they are out of sync here (the peer may lack a write)";
	} else {
		/* Before the READ_REQ can leave: the receiver looks. */
		if (req->heal_pages)
			set_bit(RBLK_RQ_MAY_HEAL, &req->rflags);
		q = rblk_queue_read(&dev->conn, rq);
	}
	switch (q) {
	case RBLK_Q_PARKED:
		/* Claimed again when it comes back. */
		rblk_range_release(dev, &req->range);
		return READ_PARKED;
	case RBLK_Q_QUEUED:
		atomic64_inc(&dev->stats.read_retries);
		return READ_PEER;
	default:
		break;
	}
	pr_warn_ratelimited("rblk%d: %s: read error at sector %llu, not retried on the peer: %s\n",
			    dev->minor, dev->name,
			    (unsigned long long)req->range.sector, why);
	req->status = req->local_status;
	report_read_error(dev, req);
	return READ_PEER;
}

static void heal_endio(struct bio *bio)
{
	struct request *rq = bio->bi_private;
	struct rblk_req *req = blk_mq_rq_to_pdu(rq);
	struct rblk_device *dev = rq->q->queuedata;

	if (bio->bi_status)
		rblk_disk_error(dev, REQ_OP_WRITE, req->range.sector,
				blk_status_to_errno(bio->bi_status));
	else
		set_bit(RBLK_RQ_HEALED, &req->rflags);
	bio_put(bio);
	rblk_req_put(rq);
}

/*
 * The peer served a read our disk failed: its copy (->heal_pages, filled
 * by the receiver and copied to the reader's pages) is written back here,
 * FUA, where the disk may remap the bad sector; the range is still
 * claimed (read_retry()), the disk reference held until the request ends.
 * A write-back that fails leaves the blocks unmarked: our copy is not one
 * to resync from.
 */
static void read_heal(struct rblk_device *dev, struct request *rq)
{
	struct rblk_req *req = blk_mq_rq_to_pdu(rq);
	struct bio *bio;

	if (!test_bit(RBLK_RQ_HEAL_FILLED, &req->rflags) || !may_heal(dev) ||
	    !rblk_disk_get(dev)) {
		report_read_error(dev, req);
		return;
	}
	req->disk_ref = true;
	bio = rblk_pages_bio(dev->backing.bdev,
			     REQ_OP_WRITE | REQ_SYNC | REQ_FUA, req->range.sector,
			     req->heal_pages, req->range.bytes);
	bio->bi_private = rq;
	bio->bi_end_io = heal_endio;
	atomic_inc(&req->pending);
	submit_bio_noacct(bio);
}

/* false: parked (I/O suspended for fencing, kmod/fence.c; a handshake). */
static bool start_rq(struct rblk_device *dev, struct request *rq)
{
	struct rblk_req *req = blk_mq_rq_to_pdu(rq);
	struct block_device *bdev;

	if (is_write(rq) || req_op(rq) == REQ_OP_FLUSH) {
		if (!start_write(dev, rq))
			return false;
	} else if (test_bit(RBLK_RQ_HEAL, &req->rflags)) {
		read_heal(dev, rq);
		return true;
	} else {
		/* Reads too, as DRBD: all I/O waits. */
		req->park = RBLK_PARK_NONE;
		if (rblk_fence_park(dev, rq, RBLK_PARK_START))
			return false;
		switch (test_bit(RBLK_RQ_RETRY, &req->rflags) ?
			read_retry(dev, rq) : read_source(dev, rq)) {
		case READ_PARKED:
			return false;
		case READ_PEER:
			return true;
		case READ_LOCAL:
			break;
		}
	}
	if (req->status || test_bit(RBLK_RQ_PEER_ONLY, &req->rflags))
		return true;
	/* Held until the request (a read: this step) ends: the disk stays
	 * while clones run. */
	if (!req->disk_ref && !rblk_disk_get(dev)) {
		/* The disk failed since: the peer's copy alone, if queued. */
		if (atomic_read(&req->remote) != RBLK_REMOTE_NONE &&
		    req_op(rq) != REQ_OP_READ)
			set_bit(RBLK_RQ_PEER_ONLY, &req->rflags);
		else
			req->status = BLK_STS_IOERR;
		return true;
	}
	req->disk_ref = true;
	bdev = dev->backing.bdev;
	if (req_op(rq) == REQ_OP_FLUSH)
		map_flush(rq, bdev);
	else
		map_data(rq, bdev);
	return true;
}

static void rblk_req_work(struct work_struct *work)
{
	struct rblk_req *req = container_of(work, struct rblk_req, work);
	struct request *rq = blk_mq_rq_from_pdu(req);
	struct rblk_device *dev = rq->q->queuedata;
	struct blk_plug plug;
	bool parked;

	blk_start_plug(&plug);
	parked = !start_rq(dev, rq);
	blk_finish_plug(&plug);
	/* Parked: it keeps its reference; fence.c or the handshake's end
	 * (rblk_conn_end_handshake()) queues it again. */
	if (parked)
		return;
	/* The local part is on its way; now the peer's, if queued. */
	if (atomic_read(&req->remote) != RBLK_REMOTE_NONE)
		rblk_send_queued(&dev->conn,
				 atomic_read(&dev->stats.in_flight) == 1);
	rblk_req_put(rq);
}

/* A parked request goes on (fence.c, rblk_conn_end_handshake()). */
void rblk_req_requeue(struct request *rq)
{
	struct rblk_req *req = blk_mq_rq_to_pdu(rq);

	queue_work(rblk_wq, &req->work);
}

static blk_status_t rblk_queue_rq(struct blk_mq_hw_ctx *hctx,
				  const struct blk_mq_queue_data *bd)
{
	struct request *rq = bd->rq;
	struct rblk_device *dev = rq->q->queuedata;
	struct rblk_req *req = blk_mq_rq_to_pdu(rq);
	blk_status_t sts = check_rq(dev, rq);

	if (sts)
		return sts;
	blk_mq_start_request(rq);
	atomic_set(&req->pending, 1);
	atomic_set(&req->remote, RBLK_REMOTE_NONE);
	req->status = BLK_STS_OK;
	req->local_status = BLK_STS_OK;
	req->rflags = 0;
	req->heal_pages = NULL;
	req->start = jiffies;
	if (req_op(rq) == REQ_OP_WRITE)
		req->start_ns = ktime_get_ns();
	/* A flush has no position; its __sector is stale. */
	req->range.sector = req_op(rq) == REQ_OP_FLUSH ? 0 : blk_rq_pos(rq);
	req->range.bytes = blk_rq_bytes(rq);
	INIT_LIST_HEAD(&req->range.list);
	req->range.read = req_op(rq) == REQ_OP_READ;
	req->al = false;
	req->tl = false;
	req->disk_ref = false;
	req->park = RBLK_PARK_NONE;
	INIT_LIST_HEAD(&req->send_list);
	INIT_LIST_HEAD(&req->park_list);
	atomic_inc(&dev->stats.in_flight);
	account(dev, rq);
	queue_work(rblk_wq, &req->work);
	return BLK_STS_OK;
}

static int rblk_init_request(struct request *rq)
{
	struct rblk_req *req = blk_mq_rq_to_pdu(rq);

	INIT_WORK(&req->work, rblk_req_work);
	return 0;
}

/* Two signatures: the kernel's struct blk_mq_ops picks one (compat.h). */
static int __maybe_unused
rblk_init_request_node_int(struct blk_mq_tag_set *set, struct request *rq,
			   unsigned int hctx_idx, int numa_node)
{
	return rblk_init_request(rq);
}

static int __maybe_unused
rblk_init_request_node_uint(struct blk_mq_tag_set *set, struct request *rq,
			    unsigned int hctx_idx, unsigned int numa_node)
{
	return rblk_init_request(rq);
}

/*
 * Our flushes complete from the backing disk's flush completion, which
 * holds that queue's flush lock: ours is another lock of the same kind
 * (lockdep: "possible recursive locking", fq->mq_flush_lock, on the debug
 * kernel), so it gets a class of its own, as stacked drivers do.
 */
static struct lock_class_key rblk_fq_lock_key;

static int rblk_init_hctx(struct blk_mq_hw_ctx *hctx, void *data,
			  unsigned int hctx_idx)
{
	blk_mq_hctx_set_fq_lock_class(hctx, &rblk_fq_lock_key);
	return 0;
}

const struct blk_mq_ops rblk_mq_ops = {
	.queue_rq = rblk_queue_rq,
	.init_hctx = rblk_init_hctx,
	.init_request = RBLK_INIT_REQUEST(rblk_init_request),
};

int rblk_req_init(void)
{
	int ret;

	rblk_wq = alloc_workqueue("rblk", WQ_MEM_RECLAIM | WQ_HIGHPRI | RBLK_WQ_PERCPU, 0);
	if (!rblk_wq)
		return -ENOMEM;
	ret = bioset_init(&rblk_bio_set, BIO_POOL_SIZE, 0, BIOSET_NEED_BVECS);
	if (ret)
		destroy_workqueue(rblk_wq);
	return ret;
}

void rblk_req_exit(void)
{
	bioset_exit(&rblk_bio_set);
	destroy_workqueue(rblk_wq);
}
