/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RBLK_REQ_H
#define RBLK_REQ_H

#include <linux/blk-mq.h>
#include <linux/workqueue.h>

/* Where the peer's part of a request stands. */
enum rblk_remote {
	RBLK_REMOTE_NONE,	/* not replicated (read, or no peer) */
	RBLK_REMOTE_PENDING,	/* queued or sent, no ACK yet */
	RBLK_REMOTE_DONE,	/* acked, or given up on with the connection */
	RBLK_REMOTE_HOLDING,	/* connection lost while I/O is suspended for
				 * fencing: being marked out of sync ... */
	RBLK_REMOTE_HELD,	/* ... and held: completes when I/O resumes */
};

/*
 * Where a request parked while I/O is suspended for fencing, or during
 * the connection's handshake, resumes.
 */
enum rblk_park {
	RBLK_PARK_NONE,
	RBLK_PARK_START,	/* from the start (a read: nothing held yet) */
	RBLK_PARK_PEER,		/* a write at its peer decision (range and
				 * activity log held) */
};

/*
 * A read our disk failed (req.c): read again from the peer, and on a
 * Primary the peer's copy written back here (a bad sector heals). A write
 * whose local part failed, or found no disk: it stands on the peer's ACK
 * alone. Bits of rblk_req.rflags.
 */
enum rblk_rq_flags {
	RBLK_RQ_LOCAL_FAILED,	/* a read clone failed: ->local_status */
	RBLK_RQ_RETRY,		/* ... read again, from the peer alone */
	RBLK_RQ_MAY_HEAL,	/* ... into ->heal_pages, to be written back */
	RBLK_RQ_HEAL_FILLED,	/* ... which the peer's answer filled */
	RBLK_RQ_HEAL,		/* ... write it back */
	RBLK_RQ_HEALED,		/* ... done */
	RBLK_RQ_REPORTED,	/* the read error went to rblk_disk_error() */
	RBLK_RQ_PEER_ONLY,	/* a write (flush) without a local part that
				 * succeeded: ->local_status if not acked */
	RBLK_RQ_ACKED,		/* the peer acknowledged it */
	RBLK_RQ_NEEDS_ACK,	/* a write to a Primary's disk still being
				 * resynced: it succeeds only if acked */
	RBLK_RQ_IN_SYNC,	/* ... and the peer says its blocks are in
				 * sync (RBLK_ACKF_IN_SYNC) */
};

/*
 * A range of the device claimed by a write or a resync block in flight, or
 * by a read our disk failed while it is read from the peer and written
 * back: overlapping ones run one after the other (rblk_range_claim()).
 */
struct rblk_range {
	struct list_head list;		/* on dev->writes while claimed */
	sector_t sector;
	unsigned int bytes;
	bool read;			/* a read's: no data of its own */
};

/*
 * Per-request state, the blk-mq pdu of every request on /dev/rblkN.
 * ->pending counts what the request still waits for: each local clone, the
 * sender's use of its pages, and the peer's ACK; the request completes when
 * it drops to zero.
 */
struct rblk_req {
	atomic_t pending;
	blk_status_t status;		/* first local error */
	blk_status_t local_status;	/* a read's local error, while retried;
					 * a write's, unless the peer acks it */
	unsigned long rflags;		/* enum rblk_rq_flags */
	struct page **heal_pages;	/* the peer's copy of a failed read */
	atomic_t remote;		/* enum rblk_remote */
	u32 epoch;			/* connection the write was sent on */
	u64 wire_id;			/* tag | sequence, echoed by the ACK */
	struct list_head send_list;	/* on conn->data_queue */
	unsigned long start;		/* jiffies queued for the peer: ACK timeout */
	u64 start_ns;			/* a write handed to ->queue_rq: its latency */
	struct rblk_range range;	/* what it writes (0 bytes: flush) */
	struct work_struct work;	/* starts the request (req.c) */
	bool al;			/* holds its activity log extents */
	bool disk_ref;			/* holds the backing disk (ioerr.c) */
	bool tl;			/* holds a place in the transfer log */
	u64 tl_mark;			/* a flush: the log's end when queued */
	u8 park;			/* enum rblk_park */
	struct list_head park_list;	/* on dev->fence.parked or
					 * conn->hs_parked (conn->lock) */
};

extern const struct blk_mq_ops rblk_mq_ops;
extern struct bio_set rblk_bio_set;

int rblk_req_init(void);
void rblk_req_exit(void);
void rblk_req_put(struct request *rq);
/* The peer's part is over (@acked: the peer has it). */
void rblk_req_remote_done(struct request *rq, bool acked);
bool rblk_req_remote_hold_begin(struct request *rq);
void rblk_req_remote_hold_end(struct request *rq);
bool rblk_req_remote_release(struct request *rq, blk_status_t err);
void rblk_req_requeue(struct request *rq);
struct request *rblk_req_by_wire_id(struct blk_mq_tag_set *set, u64 id);

struct rblk_device;
bool rblk_range_try_claim(struct rblk_device *dev, struct rblk_range *r);
void rblk_range_claim(struct rblk_device *dev, struct rblk_range *r);
void rblk_range_release(struct rblk_device *dev, struct rblk_range *r);
bool rblk_range_claim_unless_written(struct rblk_device *dev,
				     struct rblk_range *r);

#endif /* RBLK_REQ_H */
