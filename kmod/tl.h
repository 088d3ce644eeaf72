/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RBLK_TL_H
#define RBLK_TL_H

#include <linux/types.h>
#include <linux/wait.h>
#include <rblk/tl.h>

/*
 * The transfer log of a Primary: the ranges the peer acknowledged but may
 * hold only in a volatile write cache. The peer acknowledges a write once
 * its disk completed it; only a flush the peer issued after that makes it
 * durable. A flush we send after a write's ACK came (an application's
 * flush, or a barrier of our own) covers it: once that flush is
 * acknowledged, the write leaves the log. When the connection is lost,
 * everything still in the log is marked out of sync, as writes without
 * an ACK are, and resynced after the reconnect.
 *
 * Ranges are logged in ACK order into a ring; a flush retires a prefix of
 * it. Writes in flight reserve their place when they are queued for the
 * peer, so logging an ACK never needs memory: a write waits for room
 * instead (a barrier is always on its way then).
 */
#define RBLK_TL_BARRIERS	8	/* barriers in flight at most */
/* A barrier goes once this much was logged past the last flush ... */
#define RBLK_TL_BARRIER_RANGES	1024
#define RBLK_TL_BARRIER_BYTES	(64U << 20)
/* ... or when the first of it was logged this long ago. */
#define RBLK_TL_BARRIER_MS	1000
/* The tag of a barrier's wire id: no request has it (queue depth). */
#define RBLK_TL_BARRIER_TAG	0xffff

struct rblk_tl_barrier {
	u64 id;				/* wire id, echoed by the WRITE_ACK */
	u64 mark;			/* retires the log up to here */
	unsigned long sent;		/* jiffies, for the ACK timeout */
};

/*
 * Under conn->lock. Only the connection's receiver thread (ACKs, and the
 * teardown it runs) logs and retires, so it may read the logged ranges
 * without the lock; the ring lives from connect to disconnect.
 */
struct rblk_tl {
	struct rblk_tl_log log;		/* include/rblk/tl.h */
	unsigned long open_since;	/* jiffies: first range past the seal */
	struct rblk_tl_barrier barriers[RBLK_TL_BARRIERS];
	u32 nr_barriers;
	u32 next_barrier;
	wait_queue_head_t wq;		/* room in the ring; retired */
};

struct rblk_conn;
struct request;

void rblk_tl_init(struct rblk_tl *tl);
int rblk_tl_alloc(struct rblk_tl *tl);
void rblk_tl_free(struct rblk_conn *conn);
bool rblk_tl_needs(struct request *rq);
bool rblk_tl_reserve(struct rblk_tl *tl);
bool rblk_tl_has_room(struct rblk_tl *tl);
void rblk_tl_remote_done(struct rblk_conn *conn, struct request *rq,
			 bool acked);
int rblk_tl_barrier_acked(struct rblk_conn *conn, u64 id, u32 status);
void rblk_tl_tick(struct rblk_conn *conn, bool now);
bool rblk_tl_oldest_barrier(struct rblk_conn *conn, unsigned long *sent);
void rblk_tl_lost(struct rblk_conn *conn);
void rblk_tl_peer_disk_failed(struct rblk_conn *conn);
u64 rblk_tl_flush_start(struct rblk_conn *conn);
int rblk_tl_flush_wait(struct rblk_conn *conn, u64 target, u32 ms);

static inline bool rblk_tl_is_barrier(u64 id)
{
	return (id & 0xffff) == RBLK_TL_BARRIER_TAG;
}

#endif /* RBLK_TL_H */
