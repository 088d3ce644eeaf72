/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RBLK_FENCE_KMOD_H
#define RBLK_FENCE_KMOD_H

#include <linux/workqueue.h>

#include "helper.h"

struct rblk_device;
struct request;
struct sk_buff;

/*
 * disk { fencing }: the fence-peer handler of a Primary that lost a peer
 * with good data, run and waited for on rblk_helper_wq. The fields after
 * ->wait are for 'rblkadm status', under ->wait.lock.
 */
struct rblk_fence {
	struct work_struct work;
	struct rblk_helper_wait wait;
	/*
	 * While I/O is suspended for fencing (RBLK_SUSP_IO_FENCING),
	 * requests that would start are parked here (under conn->lock);
	 * those in flight to the peer are held (RBLK_REMOTE_HELD).
	 */
	struct list_head parked;
	struct work_struct release_work;	/* completes held requests */
	u32 ups;		/* conn->ups when the connection was lost */
	u32 timeout_ms;		/* handler-timeout then */
	bool running;
	bool finished;		/* a run gave its result (below) */
	int last_exit;		/* RBLK_FENCE_NO_RESULT or the exit status */
	u32 runs;		/* losses that asked for the handler */
	unsigned long started, ended;	/* jiffies */
};

struct netlink_ext_ack;

void rblk_fence_init(struct rblk_fence *f);
bool rblk_fence_park(struct rblk_device *dev, struct request *rq, int park);
void rblk_fence_park_locked(struct rblk_device *dev, struct request *rq,
			    int park);
void rblk_fence_resumed(struct rblk_device *dev);
void rblk_fence_release_held(struct rblk_device *dev);
int rblk_fence_resume(struct rblk_device *dev, unsigned int flags,
		      const char *why, struct netlink_ext_ack *extack);
void rblk_fence_start(struct rblk_device *dev);
void rblk_fence_stop(struct rblk_device *dev);
bool rblk_fence_helper_done(struct rblk_device *dev, u64 cookie, int status);
int rblk_fence_put(struct sk_buff *skb, struct rblk_device *dev);

#endif /* RBLK_FENCE_KMOD_H */
