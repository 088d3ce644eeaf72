// SPDX-License-Identifier: GPL-2.0
/*
 * Request lifecycle: every request on /dev/rblkN is carried out by clones of
 * its bios on the backing device, and completes when the last clone has.
 */
#include <linux/bio.h>
#include <linux/blk-mq.h>

#include "device.h"
#include "req.h"

/* Clones come from here so that I/O never waits on general reclaim. */
static struct bio_set rblk_bio_set;

static void req_put(struct request *rq)
{
	struct rblk_req *req = blk_mq_rq_to_pdu(rq);
	struct rblk_device *dev = rq->q->queuedata;

	if (!atomic_dec_and_test(&req->pending))
		return;
	if (req->status)
		atomic64_inc(&dev->stats.io_errors);
	atomic_dec(&dev->stats.in_flight);
	blk_mq_end_request(rq, req->status);
}

static void clone_endio(struct bio *clone)
{
	struct request *rq = clone->bi_private;
	struct rblk_req *req = blk_mq_rq_to_pdu(rq);

	/* Keep the first error; later ones add nothing for the caller. */
	if (clone->bi_status)
		cmpxchg(&req->status, BLK_STS_OK, clone->bi_status);
	bio_put(clone);
	req_put(rq);
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

static blk_status_t rblk_queue_rq(struct blk_mq_hw_ctx *hctx,
				  const struct blk_mq_queue_data *bd)
{
	struct request *rq = bd->rq;
	struct rblk_device *dev = rq->q->queuedata;
	struct rblk_req *req = blk_mq_rq_to_pdu(rq);
	struct block_device *bdev = dev->backing.bdev;

	if (!bdev)
		return BLK_STS_IOERR;
	/* Open refuses writers on a Secondary; this catches the rest. */
	if (op_is_write(req_op(rq)) && dev->role != RBLK_ROLE_PRIMARY) {
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
		break;
	default:
		return BLK_STS_NOTSUPP;
	}

	blk_mq_start_request(rq);
	atomic_set(&req->pending, 1);
	req->status = BLK_STS_OK;
	atomic_inc(&dev->stats.in_flight);
	account(dev, rq);
	if (req_op(rq) == REQ_OP_FLUSH)
		map_flush(rq, bdev);
	else
		map_data(rq, bdev);
	req_put(rq);
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
