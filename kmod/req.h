/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RBLK_REQ_H
#define RBLK_REQ_H

#include <linux/blk-mq.h>

/* Where the peer's part of a request stands. */
enum rblk_remote {
	RBLK_REMOTE_NONE,	/* not replicated (read, or no peer) */
	RBLK_REMOTE_PENDING,	/* queued or sent, no ACK yet */
	RBLK_REMOTE_DONE,	/* acked, or given up on with the connection */
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
	atomic_t remote;		/* enum rblk_remote */
	u32 epoch;			/* connection the write was sent on */
	u64 wire_id;			/* tag | sequence, echoed by the ACK */
	struct list_head send_list;	/* on conn->data_queue */
	struct list_head write_list;	/* on dev->writes while in flight */
	unsigned long start;		/* jiffies, for the ACK timeout */
	sector_t sector;		/* range, for conflict detection */
	unsigned int bytes;
};

extern const struct blk_mq_ops rblk_mq_ops;
extern struct bio_set rblk_bio_set;

int rblk_req_init(void);
void rblk_req_exit(void);
void rblk_req_put(struct request *rq);
/* The peer's part is over (@acked: the peer has it). */
void rblk_req_remote_done(struct request *rq, bool acked);
struct request *rblk_req_by_wire_id(struct blk_mq_tag_set *set, u64 id);

#endif /* RBLK_REQ_H */
