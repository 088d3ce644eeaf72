/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RBLK_RESYNC_H
#define RBLK_RESYNC_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/wait.h>
#include <rblk/wire.h>

#include "helper.h"
#include "req.h"

struct crypto_shash;
struct rblk_conn;
struct rblk_device;

/*
 * One block range the SyncSource sends: read from our disk, sent as
 * RS_DATA, done when RS_ACK comes back. Holds its range claimed so that no
 * application write to it can overtake it. Two references while on
 * ->sent: the sender's (until its pages are in the socket) and the ACK's.
 */
struct rblk_rs_req {
	struct list_head list;		/* rs.queue, then rs.sent */
	struct kref ref;
	struct rblk_device *dev;
	struct rblk_range range;
	u64 id;
	u64 send;			/* blocks to send, bit per 4 KiB block */
	u64 zero;			/* blocks that are all zeros */
	bool csum;			/* RS_CSUM first: the target says what differs */
	bool again;			/* a Primary target put part of it off */
	unsigned int acks;		/* answers still to come (conn->lock) */
	u8 *digest;			/* for RS_CSUM */
	unsigned int nr_pages;
	struct page *pages[];
};

enum rblk_rs_phase {
	RBLK_RS_IDLE,
	RBLK_RS_WAIT_BITMAP,	/* source: waiting for the target's bitmap */
	RBLK_RS_WAIT_START,	/* target: bitmap sent, waiting for SYNC_START */
	RBLK_RS_RUNNING,
};

/* The resync of one connection; fields under conn->lock unless noted. */
struct rblk_resync {
	enum rblk_rs_phase phase;
	bool source;
	bool attach;			/* a Primary's new disk is the target */
	bool send_bitmap;		/* target: the sender owes the bitmap */
	u64 total_bits, done_bits;
	unsigned long started;		/* jiffies */
	u64 cursor;			/* source thread only: next bit to look at */
	unsigned int in_flight;
	u64 next_id;
	struct list_head queue;		/* rblk_rs_req waiting for the sender */
	struct list_head sent;		/* rblk_rs_req waiting for RS_ACK */
	struct task_struct *thread;	/* source */
	wait_queue_head_t wq;
	struct crypto_shash *csums_tfm;	/* checksum-based resync, or NULL */
	/* Fixed rate (source thread only, but see rate_reset) */
	s64 credit;			/* KiB x HZ the bucket holds, < 0: debt */
	unsigned long credit_at;	/* jiffies of the last refill */
	bool rate_reset;		/* options changed: forget the debt */
	/*
	 * Source, receiver thread: since when it waits for the target's
	 * bitmap (jiffies; each STATE saying RBLK_SF_RESYNC_WAITS, which the
	 * target repeats while its before-resync-target handler runs, and
	 * each full slice start it again).
	 */
	unsigned long bitmap_wait_since;
	unsigned long exchange_began;	/* jiffies: the decision */
	bool target_waits;		/* it said RBLK_SF_RESYNC_WAITS */
	u64 bitmap_next;		/* BITMAP: where the next slice may start */
	/*
	 * Target, receiver thread only: the connect decided a resync to us,
	 * which begins once before-resync-target exited 0 (->before_pending
	 * until then; rblk_resync_target_poll()).
	 */
	struct rblk_helper_wait before;
	bool before_pending;
	bool before_queued;		/* an earlier connection's still runs */
	bool before_ran;		/* exited 0: begin does not start it */
	bool before_full;
	bool before_exited;		/* exited 0; the source's UpToDate due */
	bool before_limited;		/* before_deadline applies */
	unsigned long before_deadline;	/* jiffies */
	unsigned long before_said;	/* RBLK_SF_RESYNC_WAITS last sent */
};

/*
 * A target says its before-resync-target handler runs every second: its
 * source waits at least this long from the last time it said so.
 */
#define RBLK_RESYNC_WAITS_MS	3000

void rblk_resync_init(struct rblk_resync *rs);
struct rblk_peer_state;
int rblk_resync_begin(struct rblk_device *dev, bool source, bool full,
		      const struct rblk_peer_state *ps);
int rblk_resync_target_defer(struct rblk_device *dev, bool full,
			     const struct rblk_peer_state *ps);
int rblk_resync_target_poll(struct rblk_conn *conn);
bool rblk_resync_exchanging(const struct rblk_conn *conn);
void rblk_resync_stop(struct rblk_device *dev);
bool rblk_resync_paused(struct rblk_conn *conn);
void rblk_resync_opts_changed(struct rblk_conn *conn);
/* Receive handlers: the packet's fixed part is read and checked (recv.c). */
int rblk_resync_recv_bitmap(struct rblk_conn *conn, u16 type,
			    const void *fixed, u32 data_len);
int rblk_resync_recv_start(struct rblk_conn *conn, u16 type,
			   const void *fixed, u32 data_len);
int rblk_resync_recv_ack(struct rblk_conn *conn, u16 type,
			 const void *fixed, u32 data_len);
int rblk_resync_recv_done(struct rblk_conn *conn, u16 type,
			  const void *fixed, u32 data_len);
int rblk_resync_recv_req(struct rblk_conn *conn, u16 type, const void *fixed,
			 u32 data_len);
int rblk_resync_arm_target(struct rblk_device *dev);
int rblk_resync_recv_csum_reply(struct rblk_conn *conn, u16 type,
				const void *fixed, u32 data_len);
unsigned int rblk_rs_req_runs(const struct rblk_rs_req *r);
u32 rblk_rs_req_blocks(const struct rblk_rs_req *r);
void rblk_resync_target_wrote(struct rblk_device *dev, sector_t sector,
			      u32 bytes);
void rblk_rs_req_put(struct rblk_rs_req *r);

#endif /* RBLK_RESYNC_H */
