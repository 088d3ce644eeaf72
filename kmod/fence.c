// SPDX-License-Identifier: GPL-2.0
/*
 * Resource-level fencing (disk { fencing }): when a Primary loses a peer
 * whose data was good, the peer could be promoted by a cluster manager
 * that does not know it is behind. The fence-peer handler (for example
 * scripts/ocf/fence-peer, a Pacemaker constraint) makes sure it is not;
 * its exit code says what it did (include/rblk/fence.h).
 *
 * The handler is started from a work item on rblk_helper_wq and waited
 * for there: rblkadm kills it after handler-timeout and reports its exit
 * status with RBLK_CMD_HELPER_DONE (kmod/helper.c). A result that comes
 * after the peer connected again is ignored: the connection's own
 * handshake says what the peer's data is.
 */
#include <linux/jiffies.h>
#include <net/genetlink.h>
#include <rblk/fence.h>

#include "device.h"
#include "fence.h"
#include "gen.h"
#include "meta.h"
#include "req.h"

static bool rblk_fence_find_held(struct request *rq, void *arg)
{
	struct rblk_req *req = blk_mq_rq_to_pdu(rq);

	if (atomic_read(&req->remote) != RBLK_REMOTE_HELD)
		return true;
	*(struct request **)arg = rq;
	return false;
}

static void fence_apply(struct rblk_device *dev, u32 ups, int exit)
{
	enum rblk_fence_outcome o;
	struct rblk_state ns;
	bool suspended;
	const char *what;
	int ret = 0;

	mutex_lock(&dev->lock);
	/* Not an attempt that failed: a connection that came up. */
	if (dev->conn.ups != ups || rblk_conn_is_up(dev->state.conn)) {
		mutex_unlock(&dev->lock);
		pr_info("rblk%d: %s: fence-peer returned %d (%s): ignored, the peer connected again\n",
			dev->minor, dev->name, exit, rblk_fence_exit_name(exit));
		return;
	}
	o = rblk_fence_outcome(exit, dev->state.disk == RBLK_DISK_UPTODATE);
	if (o == RBLK_FENCE_PEER_OUTDATED && dev->meta.present &&
	    !(dev->meta.gi.flags & RBLK_MDF_PEER_OUTDATED)) {
		dev->meta.gi.flags |= RBLK_MDF_PEER_OUTDATED;
		ret = rblk_meta_write(&dev->meta);
	}
	/* The peer cannot be promoted any more: I/O goes on without it. */
	suspended = dev->state.susp & RBLK_SUSP_IO_FENCING;
	if (suspended && o == RBLK_FENCE_PEER_OUTDATED) {
		ns = dev->state;
		ns.susp &= ~RBLK_SUSP_IO_FENCING;
		if (!rblk_state_commit(dev, &ns, 0, "the peer is fenced", NULL))
			suspended = false;
	}
	mutex_unlock(&dev->lock);

	switch (o) {
	case RBLK_FENCE_PEER_OUTDATED:
		what = "the peer is outdated";
		break;
	case RBLK_FENCE_NOTHING_KNOWN:
		what = "this disk is not UpToDate, so the peer is not taken for outdated";
		break;
	case RBLK_FENCE_PEER_PRIMARY:
		what = "the peer is Primary: split brain, stop one of the two";
		break;
	default:
		what = "the peer is not fenced";
		break;
	}
	if (exit == RBLK_FENCE_NO_RESULT)
		pr_warn("rblk%d: %s: fence-peer gave no result: %s\n",
			dev->minor, dev->name, what);
	else if (o == RBLK_FENCE_PEER_OUTDATED)
		pr_info("rblk%d: %s: fence-peer returned %d (%s): %s\n",
			dev->minor, dev->name, exit, rblk_fence_exit_name(exit),
			what);
	else
		pr_warn("rblk%d: %s: fence-peer returned %d (%s): %s\n",
			dev->minor, dev->name, exit, rblk_fence_exit_name(exit),
			what);
	if (ret)
		pr_err("rblk%d: %s: cannot write the metadata (the peer-outdated flag): %d\n",
			dev->minor, dev->name, ret);
	if (suspended)
		pr_warn("rblk%d: %s: I/O stays suspended: 'rblkadm resume-io %s' resumes it (if the peer may be promoted, that is a split brain)\n",
			dev->minor, dev->name, dev->name);
}

static void fence_work(struct work_struct *work)
{
	struct rblk_fence *f = container_of(work, struct rblk_fence, work);
	struct rblk_device *dev = container_of(f, struct rblk_device, fence);
	u32 ups, gen, timeout;
	int ret, exit;

	spin_lock(&f->wait.lock);
	ups = f->ups;
	gen = f->wait.gen;
	timeout = f->timeout_ms;
	f->running = true;
	f->started = jiffies;
	spin_unlock(&f->wait.lock);

	ret = rblk_helper_start(dev, "fence-peer", &f->wait, gen, timeout);
	if (!ret)
		ret = rblk_helper_wait(&f->wait, timeout ?
				       timeout + RBLK_HELPER_GRACE_MS : 0);
	exit = ret >= 0 ? ret : RBLK_FENCE_NO_RESULT;

	spin_lock(&f->wait.lock);
	f->running = false;
	f->ended = jiffies;
	/* Going away, or a newer loss runs the handler again. */
	if (ret != -ECANCELED && ret != -ESTALE) {
		f->last_exit = exit;
		f->finished = true;
	}
	spin_unlock(&f->wait.lock);
	if (ret == -ECANCELED || ret == -ESTALE)
		return;
	if (ret == -ETIME)
		pr_warn("rblk%d: %s: the fence-peer handler did not report within %u ms\n",
			dev->minor, dev->name, timeout + RBLK_HELPER_GRACE_MS);
	fence_apply(dev, ups, exit);
}

/*
 * I/O was resumed (the state says so already): writes held since the
 * connection was lost complete, after the new generation (this node goes
 * on without its peer) is on disk. Not if I/O was suspended again since:
 * the next resume releases them.
 */
static void release_work(struct work_struct *work)
{
	struct rblk_fence *f = container_of(work, struct rblk_fence, release_work);
	struct rblk_device *dev = container_of(f, struct rblk_device, fence);
	struct rblk_conn *conn = &dev->conn;
	bool again, gen_done = false;
	unsigned int n = 0;
	unsigned long flags;
	struct request *rq;
	int ret = 0;

	/*
	 * One at a time, each under conn->lock against a new suspension;
	 * completing one may submit more I/O, so the walk starts again.
	 * The generation comes before the first (none if nothing is held:
	 * parked writes make it themselves).
	 */
	do {
		again = false;
		rq = NULL;
		blk_mq_tagset_busy_iter(&dev->tag_set, rblk_fence_find_held, &rq);
		if (!rq)
			break;
		spin_lock_irqsave(&conn->lock, flags);
		/*
		 * Not during a reconnected peer's handshake, until it said
		 * it is behind (a resync to it is starting): the handshake's
		 * end or that STATE releases them (unpark()).
		 */
		again = !(dev->state.susp & RBLK_SUSP_IO_FENCING) &&
			!(conn->handshake && !rblk_conn_source_marks(conn));
		spin_unlock_irqrestore(&conn->lock, flags);
		if (!again)
			break;
		if (!gen_done && !rblk_conn_is_up(READ_ONCE(dev->state.conn)))
			ret = rblk_gen_write_without_peer(dev);
		gen_done = true;
		if (rblk_req_remote_release(rq, ret ? BLK_STS_IOERR : BLK_STS_OK))
			n++;
	} while (again);
	if (n)
		pr_info("rblk%d: %s: I/O resumed: %u writes held since the connection was lost completed%s\n",
			dev->minor, dev->name, n,
			ret ? " with an error (the new generation could not be written)" : "");
}

void rblk_fence_init(struct rblk_fence *f)
{
	INIT_WORK(&f->work, fence_work);
	INIT_WORK(&f->release_work, release_work);
	rblk_helper_wait_init(&f->wait);
	INIT_LIST_HEAD(&f->parked);
	f->last_exit = RBLK_FENCE_NO_RESULT;
}

/* Under conn->lock, I/O suspended: @rq goes on at @park once resumed. */
void rblk_fence_park_locked(struct rblk_device *dev, struct request *rq,
			    int park)
{
	struct rblk_req *req = blk_mq_rq_to_pdu(rq);

	lockdep_assert_held(&dev->conn.lock);
	req->park = park;
	list_add_tail(&req->park_list, &dev->fence.parked);
}

/* Park @rq if I/O is suspended for fencing; false if it is not. */
bool rblk_fence_park(struct rblk_device *dev, struct request *rq, int park)
{
	unsigned long flags;
	bool parked = false;

	/*
	 * Unlocked first: every request passes here. One that misses a
	 * suspension starting now is parked by queue_remote(), which
	 * decides under conn->lock (a write then parks at its peer step;
	 * a read from our disk goes on: it changes nothing).
	 */
	if (!(READ_ONCE(dev->state.susp) & RBLK_SUSP_IO_FENCING))
		return false;
	spin_lock_irqsave(&dev->conn.lock, flags);
	if (dev->state.susp & RBLK_SUSP_IO_FENCING) {
		rblk_fence_park_locked(dev, rq, park);
		parked = true;
	}
	spin_unlock_irqrestore(&dev->conn.lock, flags);
	return parked;
}

/* Held requests complete (after the new generation), unless suspended. */
void rblk_fence_release_held(struct rblk_device *dev)
{
	rblk_helper_queue(&dev->fence.release_work);
}

/*
 * Called by state.c under dev->lock when the suspension ends (the state
 * says so already, so nothing parks any more): the parked requests go on,
 * the held ones complete (release_work).
 */
void rblk_fence_resumed(struct rblk_device *dev)
{
	struct rblk_req *req, *tmp;
	unsigned long flags;
	LIST_HEAD(parked);

	lockdep_assert_held(&dev->lock);
	spin_lock_irqsave(&dev->conn.lock, flags);
	list_splice_init(&dev->fence.parked, &parked);
	spin_unlock_irqrestore(&dev->conn.lock, flags);
	list_for_each_entry_safe(req, tmp, &parked, park_list) {
		list_del_init(&req->park_list);
		rblk_req_requeue(blk_mq_rq_from_pdu(req));
	}
	rblk_helper_queue(&dev->fence.release_work);
}

/*
 * End a suspension for fencing (resume-io, or the device goes): -EALREADY
 * if there is none. @flags: enum rblk_state_change_flags.
 */
int rblk_fence_resume(struct rblk_device *dev, unsigned int flags,
		      const char *why, struct netlink_ext_ack *extack)
{
	struct rblk_state ns;
	int ret;

	mutex_lock(&dev->lock);
	ns = dev->state;
	if (!(ns.susp & RBLK_SUSP_IO_FENCING)) {
		mutex_unlock(&dev->lock);
		return -EALREADY;
	}
	ns.susp &= ~RBLK_SUSP_IO_FENCING;
	ret = rblk_state_commit(dev, &ns, flags, why, extack);
	mutex_unlock(&dev->lock);
	return ret;
}

/*
 * A Primary lost its connection to a peer with good data. Called at the
 * end of the teardown (what the peer may lack is marked on disk), by the
 * connection's thread: no other connection comes up before it returns.
 */
void rblk_fence_start(struct rblk_device *dev)
{
	struct rblk_fence *f = &dev->fence;
	bool suspended = READ_ONCE(dev->state.susp) & RBLK_SUSP_IO_FENCING;

	/* Suspended by the teardown: fenced, whatever the option says now. */
	if (READ_ONCE(dev->conn.opts.fencing) == RBLK_FENCING_DONT_CARE &&
	    !suspended)
		return;
	/* A handler still running for an earlier loss is of no use now. */
	rblk_helper_supersede(&f->wait);
	spin_lock(&f->wait.lock);
	f->ups = READ_ONCE(dev->conn.ups);
	f->timeout_ms = READ_ONCE(dev->conn.opts.handler_timeout);
	f->runs++;		/* here, not in the work: counted when asked */
	spin_unlock(&f->wait.lock);
	rblk_helper_queue(&f->work);
}

/*
 * The device is going: no handler is waited for any more, and nothing
 * stays held (del_gendisk() would wait for it).
 */
void rblk_fence_stop(struct rblk_device *dev)
{
	rblk_helper_close(&dev->fence.wait);
	cancel_work_sync(&dev->fence.work);
	rblk_fence_resume(dev, 0, "device removed", NULL);
	flush_work(&dev->fence.release_work);
}

bool rblk_fence_helper_done(struct rblk_device *dev, u64 cookie, int status)
{
	return rblk_helper_done(&dev->fence.wait, cookie, status);
}

int rblk_fence_put(struct sk_buff *skb, struct rblk_device *dev)
{
	struct rblk_fence *f = &dev->fence;
	unsigned long t0, t1;
	struct nlattr *nest;
	bool running, finished;
	int last;
	u32 runs;

	spin_lock(&f->wait.lock);
	running = f->running;
	finished = f->finished;
	last = f->last_exit;
	runs = f->runs;
	t0 = f->started;
	t1 = running ? jiffies : f->ended;
	spin_unlock(&f->wait.lock);
	if (!runs)
		return 0;
	nest = nla_nest_start(skb, RBLK_A_FENCE);
	if (!nest ||
	    (running && nla_put_flag(skb, RBLK_FENCE_A_RUNNING)) ||
	    nla_put_u64_64bit(skb, RBLK_FENCE_A_ELAPSED_MS,
			      jiffies_to_msecs(t1 - t0), RBLK_FENCE_A_UNSPEC) ||
	    nla_put_u32(skb, RBLK_FENCE_A_RUNS, runs))
		return -EMSGSIZE;
	if (finished &&
	    (last == RBLK_FENCE_NO_RESULT ?
	     nla_put_flag(skb, RBLK_FENCE_A_NO_RESULT) :
	     nla_put_u32(skb, RBLK_FENCE_A_LAST_EXIT, last)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}
