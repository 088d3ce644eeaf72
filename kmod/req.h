/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RBLK_REQ_H
#define RBLK_REQ_H

#include <linux/blk-mq.h>

/* Per-request state, the blk-mq pdu of every request on /dev/rblkN. */
struct rblk_req {
	atomic_t pending;	/* clones in flight + 1 while submitting */
	blk_status_t status;	/* first error of any clone */
};

extern const struct blk_mq_ops rblk_mq_ops;

int rblk_req_init(void);
void rblk_req_exit(void);

#endif /* RBLK_REQ_H */
