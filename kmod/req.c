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

#include "conn.h"
#include "device.h"
#include "req.h"

/* Clones come from here so that I/O never waits on general reclaim. */
struct bio_set rblk_bio_set;

static bool is_write(struct request *rq)
{
	return op_is_write(req_op(rq));
}

static void release_write(struct rblk_device *dev, struct rblk_req *req)
{
	unsigned long flags;

	if (list_empty(&req->write_list))
		return;
	spin_lock_irqsave(&dev->write_lock, flags);
	list_del_init(&req->write_list);
	spin_unlock_irqrestore(&dev->write_lock, flags);
	wake_up(&dev->write_wq);
}

void rblk_req_put(struct request *rq)
{
	struct rblk_req *req = blk_mq_rq_to_pdu(rq);
	struct rblk_device *dev = rq->q->queuedata;

	if (!atomic_dec_and_test(&req->pending))
		return;
	release_write(dev, req);
	if (req->status)
		atomic64_inc(&dev->stats.io_errors);
	atomic_dec(&dev->stats.in_flight);
	blk_mq_end_request(rq, req->status);
}

/*
 * The peer's part ended: exactly once per request, whoever comes first of
 * the ACK and the connection teardown. Not acked means the peer may lack
 * this write: count it as out of sync.
 */
void rblk_req_remote_done(struct request *rq, bool acked)
{
	struct rblk_req *req = blk_mq_rq_to_pdu(rq);
	struct rblk_device *dev = rq->q->queuedata;

	if (atomic_cmpxchg(&req->remote, RBLK_REMOTE_PENDING,
			   RBLK_REMOTE_DONE) != RBLK_REMOTE_PENDING)
		return;
	if (!acked)
		atomic64_add(req->bytes >> 10, &dev->stats.out_of_sync_kib);
	rblk_req_put(rq);
}

struct request *rblk_req_by_wire_id(struct blk_mq_tag_set *set, u64 id)
{
	u32 tag = id & 0xffff;

	if (tag >= set->queue_depth)
		return NULL;
	return blk_mq_tag_to_rq(set->tags[0], tag);
}

static void clone_endio(struct bio *clone)
{
	struct request *rq = clone->bi_private;
	struct rblk_req *req = blk_mq_rq_to_pdu(rq);

	/* Keep the first error; later ones add nothing for the caller. */
	if (clone->bi_status)
		cmpxchg(&req->status, BLK_STS_OK, clone->bi_status);
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
 */
static blk_opf_t clone_opf(struct request *rq, struct bio *bio)
{
	return (bio->bi_opf & ~(REQ_PREFLUSH | REQ_FUA)) |
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

/* Claim [sector, +bytes) unless a write in flight overlaps it. */
static bool try_claim(struct rblk_device *dev, struct rblk_req *req)
{
	sector_t end = req->sector + (req->bytes >> SECTOR_SHIFT);
	struct rblk_req *w;
	bool ok = true;

	spin_lock_irq(&dev->write_lock);
	list_for_each_entry(w, &dev->writes, write_list) {
		if (w->sector < end &&
		    req->sector < w->sector + (w->bytes >> SECTOR_SHIFT)) {
			ok = false;
			break;
		}
	}
	if (ok)
		list_add_tail(&req->write_list, &dev->writes);
	spin_unlock_irq(&dev->write_lock);
	return ok;
}

/*
 * Overlapping writes in flight together could land in different orders on
 * the two disks; start a write only once no earlier one overlaps it.
 */
static void serialize_write(struct rblk_device *dev, struct rblk_req *req)
{
	if (!req->bytes)
		return;		/* an empty flush overlaps nothing */
	wait_event(dev->write_wq, try_claim(dev, req));
}

static blk_status_t check_rq(struct rblk_device *dev, struct request *rq)
{
	if (!dev->backing.bdev)
		return BLK_STS_IOERR;
	/* Open refuses writers on a Secondary; this catches the rest. */
	if (is_write(rq) && dev->role != RBLK_ROLE_PRIMARY) {
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

static void start_rq(struct rblk_device *dev, struct request *rq)
{
	struct rblk_req *req = blk_mq_rq_to_pdu(rq);
	struct block_device *bdev = dev->backing.bdev;

	if (is_write(rq) || req_op(rq) == REQ_OP_FLUSH) {
		serialize_write(dev, req);
		/* Network first: the peer's round trip is the longer part. */
		if (rblk_queue_write(&dev->conn, rq))
			req->status = BLK_STS_IOERR;	/* metadata write failed */
	}
	if (req->status)
		return;
	if (req_op(rq) == REQ_OP_FLUSH)
		map_flush(rq, bdev);
	else
		map_data(rq, bdev);
}

static blk_status_t rblk_queue_rq(struct blk_mq_hw_ctx *hctx,
				  const struct blk_mq_queue_data *bd)
{
	struct blk_plug *plug;
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
	req->start = jiffies;
	/* A flush has no position; its __sector is stale. */
	req->sector = req_op(rq) == REQ_OP_FLUSH ? 0 : blk_rq_pos(rq);
	req->bytes = blk_rq_bytes(rq);
	INIT_LIST_HEAD(&req->write_list);
	INIT_LIST_HEAD(&req->send_list);
	atomic_inc(&dev->stats.in_flight);
	account(dev, rq);

	/*
	 * A blocking queue may be run from the flush of the submitter's own
	 * plug: the clones we submit must not join that plug while it is
	 * being flushed, nor may sleeping here flush it again.
	 */
	plug = current->plug;
	current->plug = NULL;
	start_rq(dev, rq);
	current->plug = plug;
	rblk_req_put(rq);
	return BLK_STS_OK;
}

const struct blk_mq_ops rblk_mq_ops = {
	.queue_rq = rblk_queue_rq,
};

int rblk_req_init(void)
{
	return bioset_init(&rblk_bio_set, BIO_POOL_SIZE, 0, BIOSET_NEED_BVECS);
}

void rblk_req_exit(void)
{
	bioset_exit(&rblk_bio_set);
}
