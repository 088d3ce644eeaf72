/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RBLK_VERIFY_H
#define RBLK_VERIFY_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <rblk/wire.h>

#include "req.h"

struct crypto_shash;
struct rblk_conn;
struct rblk_device;

/* What the last verify on this node found (source or target). */
struct rblk_verify_result {
	bool valid, stopped;
	u64 checked_kib, diff_kib;
	sector_t start, pos;
	u64 elapsed_ms;
};

/*
 * The online verify of one connection. The source (the Primary, or the
 * node where it was started if neither is Primary) holds each range
 * against application writes, digests its copy and asks the peer for
 * digests of the same range; blocks whose digests differ are marked out
 * of sync. Fields under conn->lock unless noted.
 */
struct rblk_verify {
	bool running;
	bool source;
	bool repair;
	bool abort;			/* stop early (a role changed) */
	bool asked;			/* we asked the Primary to lead */
	u8 alg;
	struct crypto_shash *tfm;
	sector_t start, stop;
	sector_t pos;			/* source: next range; target: reached */
	u64 checked_kib, diff_kib;
	unsigned long started;		/* jiffies */
	unsigned int in_flight;
	u64 next_id;
	struct list_head sent;		/* struct rblk_vreq awaiting VERIFY_REPLY */
	struct task_struct *thread;	/* source */
	/*
	 * Held while a verify starts (an admin's, or one the peer leads or
	 * asks for) and when the connection ends: one start at a time.
	 */
	struct mutex start_mutex;
	wait_queue_head_t wq;
	struct rblk_verify_result last;
};

void rblk_verify_init(struct rblk_verify *vf);
int rblk_verify_start(struct rblk_device *dev, sector_t start, sector_t stop,
		      bool repair);
void rblk_verify_stop(struct rblk_device *dev);
void rblk_verify_abort(struct rblk_conn *conn, const char *why);
/* Receive handlers: the packet's fixed part is read and checked (recv.c). */
int rblk_verify_recv_start(struct rblk_conn *conn, u16 type,
			   const void *fixed, u32 data_len);
int rblk_verify_recv_reply(struct rblk_conn *conn, u16 type,
			   const void *fixed, u32 data_len);
int rblk_verify_recv_done(struct rblk_conn *conn, u16 type,
			  const void *fixed, u32 data_len);

#endif /* RBLK_VERIFY_H */
