// SPDX-License-Identifier: GPL-2.0
/*
 * Handlers: events the configuration may act on ("handlers { split-brain
 * CMD; }") are handed to userspace as "<usermode_helper> helper EVENT RES";
 * rblkadm finds and runs the command. The kernel only waits for the exec,
 * never for the process, so a slow handler cannot stall a connection.
 *
 * Where the result matters (fence-peer), the handler also gets a cookie:
 * rblkadm enforces the handler's timeout and reports the exit status with
 * RBLK_CMD_HELPER_DONE; a work item on rblk_helper_wq waits for that
 * report (struct rblk_helper_wait), never a netlink command; or, for
 * before-resync-target, the receiver polls for it between packets
 * (rblk_helper_poll()) and goes on answering its peer meanwhile.
 */
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/umh.h>
#include <linux/workqueue.h>

#include "device.h"
#include "helper.h"

static char *usermode_helper = "/usr/sbin/rblkadm";
module_param(usermode_helper, charp, 0644);
MODULE_PARM_DESC(usermode_helper, "program run for handlers as 'PROG helper EVENT RESOURCE'");

/*
 * Not rblk_wq: that one serves I/O (WQ_MEM_RECLAIM) and must not wait
 * minutes for a shell script.
 */
static struct workqueue_struct *rblk_helper_wq;

int rblk_helper_init(void)
{
	rblk_helper_wq = alloc_workqueue("rblk_helper", WQ_UNBOUND, 0);
	return rblk_helper_wq ? 0 : -ENOMEM;
}

void rblk_helper_exit(void)
{
	destroy_workqueue(rblk_helper_wq);
}

bool rblk_helper_queue(struct work_struct *work)
{
	return queue_work(rblk_helper_wq, work);
}

static int run(struct rblk_device *dev, const char *event, u64 cookie,
	       u32 timeout_ms)
{
	char *argv[] = { usermode_helper, "helper", (char *)event, dev->name, NULL };
	char cookie_env[40], timeout_env[40], minor_env[24];
	char *envp[] = { "HOME=/", "TERM=linux",
			 "PATH=/sbin:/usr/sbin:/bin:/usr/bin", NULL, NULL, NULL,
			 NULL };
	int ret;

	/* What rblkadm needs to report the exit status back. */
	if (cookie) {
		snprintf(cookie_env, sizeof(cookie_env),
			 "RBLK_HELPER_COOKIE=%016llx", cookie);
		snprintf(timeout_env, sizeof(timeout_env),
			 "RBLK_HELPER_TIMEOUT=%u", timeout_ms);
		snprintf(minor_env, sizeof(minor_env), "RBLK_MINOR=%d",
			 dev->minor);
		envp[3] = cookie_env;
		envp[4] = timeout_env;
		envp[5] = minor_env;
	}
	ret = call_usermodehelper(usermode_helper, argv, envp, UMH_WAIT_EXEC);
	if (ret)
		pr_warn("rblk%d: %s: cannot run the %s handler through %s: %d\n",
			dev->minor, dev->name, event, usermode_helper, ret);
	else
		pr_info("rblk%d: %s: %s handler started (%s helper %s %s)\n",
			dev->minor, dev->name, event, usermode_helper, event,
			dev->name);
	return ret;
}

int rblk_helper(struct rblk_device *dev, const char *event)
{
	return run(dev, event, 0, 0);
}

void rblk_helper_wait_init(struct rblk_helper_wait *w)
{
	spin_lock_init(&w->lock);
	init_waitqueue_head(&w->wq);
}

/*
 * Start @event's handler, to be waited for with rblk_helper_wait().
 * rblkadm kills it after @timeout_ms (0: never). -ECANCELED once the
 * wait is closed, -ESTALE if superseded since @gen was read; an exec
 * failure as call_usermodehelper() says.
 */
int rblk_helper_start(struct rblk_device *dev, const char *event,
		      struct rblk_helper_wait *w, u32 gen, u32 timeout_ms)
{
	u64 cookie = get_random_u64() | 1;
	int ret;

	spin_lock(&w->lock);
	if (w->closed || w->gen != gen) {
		ret = w->closed ? -ECANCELED : -ESTALE;
		spin_unlock(&w->lock);
		return ret;
	}
	/* Before the exec: the report may come before we wait. */
	w->cookie = cookie;
	w->done = false;
	w->started = get_jiffies_64();
	w->timeout_ms = timeout_ms;
	spin_unlock(&w->lock);
	ret = run(dev, event, cookie, timeout_ms);
	if (ret) {
		spin_lock(&w->lock);
		w->cookie = 0;
		spin_unlock(&w->lock);
	}
	return ret;
}

/*
 * The handler's exit status (0..255); -ETIME without a report within
 * @timeout_ms (0: no limit); the error of rblk_helper_cancel(). Sleeps
 * as idle: a handler may take minutes and that is no hung task.
 */
int rblk_helper_wait(struct rblk_helper_wait *w, u32 timeout_ms)
{
	int ret;

	if (timeout_ms)
		wait_event_idle_timeout(w->wq, READ_ONCE(w->done),
					msecs_to_jiffies(timeout_ms));
	else
		wait_event_idle(w->wq, READ_ONCE(w->done));
	spin_lock(&w->lock);
	ret = w->done ? w->status : -ETIME;
	w->cookie = 0;
	w->done = false;
	spin_unlock(&w->lock);
	return ret;
}

/*
 * Without sleeping: the exit status (0..255) if the report has come, the
 * error of rblk_helper_supersede(), or -EINPROGRESS (still running).
 * For a thread that must go on with its own work meanwhile (the receiver).
 */
int rblk_helper_poll(struct rblk_helper_wait *w)
{
	int ret = -EINPROGRESS;

	spin_lock(&w->lock);
	if (w->done) {
		ret = w->status;
		w->cookie = 0;
		w->done = false;
	}
	spin_unlock(&w->lock);
	return ret;
}

/*
 * RBLK_CMD_HELPER_DONE: false if no handler with @cookie is waited for.
 * The late report of one no longer waited for is taken too: it says that
 * handler is over (rblk_helper_busy()).
 */
bool rblk_helper_done(struct rblk_helper_wait *w, u64 cookie, int status)
{
	bool ok, old;

	spin_lock(&w->lock);
	ok = w->cookie && w->cookie == cookie && !w->done;
	if (ok) {
		w->status = status;
		WRITE_ONCE(w->done, true);
	}
	old = w->old_cookie && w->old_cookie == cookie;
	if (old)
		w->old_cookie = 0;
	spin_unlock(&w->lock);
	if (ok)
		wake_up(&w->wq);
	return ok || old;
}

/*
 * Under w->lock: end a running wait with @err; true if there was one.
 * Its handler may run on: rblk_helper_busy() until it reports or times out.
 */
static bool end_wait_locked(struct rblk_helper_wait *w, int err)
{
	if (!w->cookie || w->done)
		return false;
	w->status = err;
	WRITE_ONCE(w->done, true);
	if (!w->track_old)
		return true;
	w->old_cookie = w->cookie;
	w->old_limited = w->timeout_ms != 0;
	w->old_until = w->started +
		msecs_to_jiffies(w->timeout_ms + RBLK_HELPER_GRACE_MS);
	return true;
}

/*
 * Does a handler that is no longer waited for still run? Until its late
 * report comes, or its handler-timeout + rblkadm's grace has passed since
 * it was started (with no handler-timeout, until it reports). A second
 * one started beside it would act on the same disk at the same time.
 * 1: it runs; 0: none, or it reported; -ETIME: none since just now, its
 * time ran out without a report (it may still run, rblkadm hung).
 */
int rblk_helper_busy(struct rblk_helper_wait *w)
{
	int ret = 0;

	spin_lock(&w->lock);
	if (w->old_cookie) {
		ret = 1;
		if (w->old_limited &&
		    !time_before64(get_jiffies_64(), w->old_until)) {
			w->old_cookie = 0;
			ret = -ETIME;
		}
	}
	spin_unlock(&w->lock);
	return ret;
}

/* End a wait now with @err; a report that comes later is stale. */
void rblk_helper_cancel(struct rblk_helper_wait *w, int err)
{
	bool woke;

	spin_lock(&w->lock);
	woke = end_wait_locked(w, err);
	spin_unlock(&w->lock);
	if (woke)
		wake_up(&w->wq);
}

/*
 * A newer event makes the handler waited for (or about to start) useless:
 * it ends with -ESTALE, and a start that read the old generation refuses.
 * Returns the new generation.
 */
u32 rblk_helper_supersede(struct rblk_helper_wait *w)
{
	bool woke;
	u32 gen;

	spin_lock(&w->lock);
	gen = ++w->gen;
	woke = end_wait_locked(w, -ESTALE);
	spin_unlock(&w->lock);
	if (woke)
		wake_up(&w->wq);
	return gen;
}

/* The device is going: end any wait, and refuse new ones. */
void rblk_helper_close(struct rblk_helper_wait *w)
{
	spin_lock(&w->lock);
	w->closed = true;
	spin_unlock(&w->lock);
	rblk_helper_cancel(w, -ECANCELED);
}
