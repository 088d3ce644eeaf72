/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RBLK_HELPER_H
#define RBLK_HELPER_H

#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

struct rblk_device;
struct work_struct;

/*
 * A handler whose exit status the kernel waits for: rblkadm runs it and
 * reports the status with RBLK_CMD_HELPER_DONE and the cookie it was
 * given. Everything under ->lock.
 */
struct rblk_helper_wait {
	spinlock_t lock;
	wait_queue_head_t wq;
	u64 cookie;		/* of the handler waited for; 0: none */
	int status;		/* its exit status, or -errno, once done */
	bool done;
	bool closed;		/* the device is going: no new waits */
	u32 gen;		/* rblk_helper_supersede() moves it on */
	u64 started;		/* jiffies64: the handler waited for began */
	u32 timeout_ms;		/* its handler-timeout (0: none) */
	/*
	 * A handler no longer waited for (superseded or cancelled) that may
	 * still run: until it reports, or its handler-timeout + rblkadm's
	 * grace has passed (rblkadm kills it by then), rblk_helper_busy().
	 */
	bool track_old;		/* rblk_helper_busy() is used */
	u64 old_cookie;		/* 0: none */
	u64 old_until;		/* jiffies64 */
	bool old_limited;	/* old_until applies */
};

/* rblkadm's own margin on top of handler-timeout (it may hang too). */
#define RBLK_HELPER_GRACE_MS	10000

int rblk_helper_init(void);
void rblk_helper_exit(void);
bool rblk_helper_queue(struct work_struct *work);

int rblk_helper(struct rblk_device *dev, const char *event);

void rblk_helper_wait_init(struct rblk_helper_wait *w);
int rblk_helper_start(struct rblk_device *dev, const char *event,
		      struct rblk_helper_wait *w, u32 gen, u32 timeout_ms);
int rblk_helper_wait(struct rblk_helper_wait *w, u32 timeout_ms);
int rblk_helper_poll(struct rblk_helper_wait *w);
bool rblk_helper_done(struct rblk_helper_wait *w, u64 cookie, int status);
int rblk_helper_busy(struct rblk_helper_wait *w);
void rblk_helper_cancel(struct rblk_helper_wait *w, int err);
u32 rblk_helper_supersede(struct rblk_helper_wait *w);
void rblk_helper_close(struct rblk_helper_wait *w);

#endif /* RBLK_HELPER_H */
