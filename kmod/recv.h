/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RBLK_RECV_H
#define RBLK_RECV_H

#include <linux/blk_types.h>
#include <linux/list.h>

#include "req.h"

struct rblk_conn;

/*
 * A write from the peer (WRITE or RS_DATA), carried out on our disk. Lives
 * from its packet until its ACK is sent (or the connection is torn down).
 */
struct rblk_peer_req {
	struct list_head list;		/* on conn->ack_queue when done, or
					 * conn->held_acks until it may go */
	struct rblk_conn *conn;
	u64 id;
	u16 ack_type;			/* WRITE_ACK, or RS_ACK for a resync block */
	sector_t sector;
	u32 bytes;
	int status;			/* positive errno for the ACK */
	bool in_sync;			/* WRITE_ACK says RBLK_ACKF_IN_SYNC */
	bool discard;			/* a discard: its blocks stay undefined */
	bool disk_ref;			/* holds the backing disk (ioerr.c) */
	u32 charge;			/* pages of conn->peer_pages held */
	struct rblk_range range;	/* a Primary SyncTarget's RS_DATA:
					 * claimed while it is written */
	unsigned int nr_pages;
	struct page *pages[];
};

void rblk_peer_req_free(struct rblk_peer_req *p);
void rblk_recv_release_held(struct rblk_device *dev);
void rblk_recv_drop_held(struct rblk_conn *conn, struct list_head *acks);
int rblk_recv_init(void);
void rblk_recv_exit(void);

#endif /* RBLK_RECV_H */
