// SPDX-License-Identifier: GPL-2.0
/*
 * Online verify (rblkadm verify): both nodes digest the same block ranges
 * and the source compares. The source claims each range like a write
 * does, so no application write to it is in flight on either node while
 * both copies are read: a write can never be reported as a difference.
 * Only the Primary can hold back application writes, so a Secondary whose
 * peer is Primary asks the peer to lead (VERIFY_START with RBLK_VF_ASK).
 * Differing blocks are marked out of sync; the next resync (at the next
 * connect, or at once with RBLK_F_VERIFY_REPAIR) copies them from the
 * source.
 */
#include <crypto/hash.h>
#include <linux/kthread.h>
#include <linux/slab.h>

#include "conn.h"
#include "device.h"
#include "ioerr.h"
#include "digest.h"
#include "helper.h"
#include "state.h"
#include "verify.h"

#define VF_WINDOW	4	/* ranges in flight */

/* One range the source asked digests for; holds the range claimed. */
struct rblk_vreq {
	struct list_head list;
	struct rblk_range range;
	u64 id;
	u8 digest[RBLK_DIGEST_MAX_BLOCKS * RBLK_DIGEST_MAX_SIZE];
};

void rblk_verify_init(struct rblk_verify *vf)
{
	INIT_LIST_HEAD(&vf->sent);
	init_waitqueue_head(&vf->wq);
	mutex_init(&vf->start_mutex);
}

/* Read, digest and ask for the next range. */
static int ask_next(struct rblk_conn *conn, struct page **pages)
{
	struct rblk_device *dev = conn->dev;
	struct rblk_verify *vf = &conn->vf;
	struct rblk_p_read_req q = {};
	struct rblk_vreq *v;
	unsigned long flags;
	u32 bytes;
	int ret;

	bytes = min_t(u64, (u64)(vf->stop - vf->pos) << SECTOR_SHIFT,
		      RBLK_DIGEST_MAX_BLOCKS * RBLK_DIGEST_BLOCK);
	v = kzalloc(sizeof(*v), GFP_NOIO);
	if (!v)
		return -ENOMEM;
	INIT_LIST_HEAD(&v->list);
	INIT_LIST_HEAD(&v->range.list);
	v->range.sector = vf->pos;
	v->range.bytes = bytes;
	v->range.read = true;		/* compared, not written */
	wait_event(dev->write_wq, kthread_should_stop() || READ_ONCE(vf->abort) ||
				  rblk_range_try_claim(dev, &v->range));
	if (kthread_should_stop() || READ_ONCE(vf->abort)) {
		rblk_range_release(dev, &v->range);
		kfree(v);
		return -EINTR;
	}
	ret = rblk_disk_read(dev, v->range.sector, pages, bytes, true);
	if (ret)
		rblk_conn_error(conn, "verify: reading %u bytes at sector %llu failed (%d)",
				bytes, (unsigned long long)v->range.sector, ret);
	else
		ret = rblk_digest_blocks(vf->tfm, pages, bytes, v->digest);
	if (ret) {
		rblk_range_release(dev, &v->range);
		kfree(v);
		return ret;
	}
	spin_lock_irqsave(&conn->lock, flags);
	v->id = ++vf->next_id;
	list_add_tail(&v->list, &vf->sent);
	vf->in_flight++;
	spin_unlock_irqrestore(&conn->lock, flags);
	rblk_put_be64(q.id, v->id);
	rblk_put_be64(q.sector, v->range.sector);
	rblk_put_be32(q.bytes, bytes);
	vf->pos += bytes >> SECTOR_SHIFT;
	return rblk_queue_ctl(conn, RBLK_P_VERIFY_REQ, &q, sizeof(q));
}

static void save_result(struct rblk_verify *vf, bool stopped)
{
	vf->last.valid = true;
	vf->last.stopped = stopped;
	vf->last.checked_kib = vf->checked_kib;
	vf->last.diff_kib = vf->diff_kib;
	vf->last.start = vf->start;
	vf->last.pos = vf->pos;
	vf->last.elapsed_ms = jiffies_to_msecs(jiffies - vf->started);
}

static void log_result(struct rblk_device *dev, struct rblk_verify *vf)
{
	struct rblk_verify_result *r = &vf->last;

	if (r->stopped)
		pr_info("rblk%d: %s: verify with %s stopped at sector %llu: %llu KiB checked, %llu KiB differ; 'rblkadm verify %s --start %llu' continues\n",
			dev->minor, dev->name, dev->conn.peer_node,
			(unsigned long long)r->pos, r->checked_kib, r->diff_kib,
			dev->name, (unsigned long long)r->pos);
	else
		pr_info("rblk%d: %s: verify with %s done: %llu KiB checked in %llu s, %llu KiB differ\n",
			dev->minor, dev->name, dev->conn.peer_node, r->checked_kib,
			r->elapsed_ms / 1000, r->diff_kib);
}

/* Source: every reply is in; tell the peer the result, repair if asked. */
static void finish_source(struct rblk_conn *conn, bool stopped)
{
	struct rblk_device *dev = conn->dev;
	struct rblk_verify *vf = &conn->vf;
	struct rblk_p_verify_done d = {};
	struct crypto_shash *tfm;
	bool repair;
	unsigned long flags;
	int ret;

	stopped = stopped || vf->pos < vf->stop;
	rblk_bm_flush(&dev->meta);
	/*
	 * Every reply is in (none uses the transform any more): this node
	 * no longer leads, and the peer may lead the next verify.
	 */
	spin_lock_irqsave(&conn->lock, flags);
	save_result(vf, stopped);
	vf->running = false;
	vf->source = false;
	tfm = vf->tfm;
	vf->tfm = NULL;
	spin_unlock_irqrestore(&conn->lock, flags);
	if (tfm)
		crypto_free_shash(tfm);
	repair = vf->repair && vf->diff_kib && !stopped;
	rblk_put_be64(d.checked_kib, vf->checked_kib);
	rblk_put_be64(d.diff_kib, vf->diff_kib);
	rblk_put_be64(d.pos, vf->pos);
	d.stopped = stopped;
	d.repair = repair;
	log_result(dev, vf);
	/*
	 * The repair's resync is set up before the peer hears of it, and
	 * straight from VerifyS: no moment looks Connected and in sync.
	 */
	if (!repair) {
		/* Only for the connection the verify ran on. */
		if (!rblk_state_set_conn(dev, RBLK_CONN_VERIFY_SOURCE,
					 RBLK_CONN_CONNECTED, "verify done"))
			return;
	} else {
		ret = rblk_resync_begin(dev, true, false, NULL);
		if (ret == -ENOTCONN)
			return;
		if (ret)
			rblk_conn_reconnect(conn);
	}
	rblk_queue_ctl(conn, RBLK_P_VERIFY_DONE, &d, sizeof(d));
	if (!repair)
		rblk_queue_state(conn);	/* our out-of-sync count */
	if (vf->diff_kib)
		rblk_helper(dev, "out-of-sync");
}

static int source_thread(void *arg)
{
	struct rblk_conn *conn = arg;
	struct rblk_verify *vf = &conn->vf;
	struct page **pages = rblk_pages_alloc(RBLK_DIGEST_MAX_BLOCKS, GFP_NOIO);
	int ret = pages ? 0 : -ENOMEM;

	while (!ret && vf->pos < vf->stop) {
		wait_event_interruptible(vf->wq, kthread_should_stop() ||
					 READ_ONCE(vf->abort) ||
					 rblk_conn_below(conn, &vf->in_flight, VF_WINDOW));
		if (kthread_should_stop() || READ_ONCE(vf->abort))
			break;
		ret = ask_next(conn, pages);
	}
	rblk_pages_free(pages, RBLK_DIGEST_MAX_BLOCKS);
	wait_event_interruptible(vf->wq, kthread_should_stop() ||
				 rblk_conn_below(conn, &vf->in_flight, 1));
	if (!kthread_should_stop()) {
		if (ret && ret != -EINTR)
			rblk_conn_error(conn, "verify with %s failed (%d)",
					conn->peer_node, ret);
		finish_source(conn, ret || READ_ONCE(vf->abort));
	}
	rblk_thread_wait_stop();
	return 0;
}

static void vf_reset(struct rblk_verify *vf, sector_t start, sector_t stop,
		     u8 alg, bool repair)
{
	vf->start = start;
	vf->stop = stop;
	vf->pos = start;
	vf->alg = alg;
	vf->repair = repair;
	vf->abort = false;
	vf->checked_kib = 0;
	vf->diff_kib = 0;
	vf->in_flight = 0;
	vf->started = jiffies;
}

/* Can a verify run now? */
static int vf_check(struct rblk_device *dev)
{
	struct rblk_conn *conn = &dev->conn;
	struct rblk_state st;

	mutex_lock(&dev->lock);
	st = dev->state;
	mutex_unlock(&dev->lock);
	if (!rblk_conn_is_up(st.conn))
		return -ENOTCONN;
	if (st.conn != RBLK_CONN_CONNECTED || conn->vf.running)
		return -EBUSY;
	if (st.disk != RBLK_DISK_UPTODATE || st.peer_disk != RBLK_DISK_UPTODATE)
		return -EBUSY;
	return 0;
}

/*
 * Lead a verify of [start, stop) with @alg: this node reads and decides.
 * @asked: the peer asked for it; on failure our caller refuses it (one
 * VERIFY_DONE ends it there).
 */
static int start_source(struct rblk_device *dev, sector_t start, sector_t stop,
			u8 alg, bool repair, bool asked)
{
	struct rblk_conn *conn = &dev->conn;
	struct rblk_verify *vf = &conn->vf;
	struct rblk_p_verify p = {};
	struct crypto_shash *tfm;
	struct task_struct *t;
	unsigned long flags;
	int ret;

	tfm = rblk_digest_tfm(alg);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	if (vf->thread) {	/* the last verify's, parked */
		kthread_stop(vf->thread);
		put_task_struct(vf->thread);
		vf->thread = NULL;
	}
	if (vf->tfm) {		/* a target's whose DONE never came */
		rblk_conn_wait_peer_reqs(conn);
		crypto_free_shash(vf->tfm);
		vf->tfm = NULL;
	}
	spin_lock_irqsave(&conn->lock, flags);
	vf_reset(vf, start, stop, alg, repair);
	vf->tfm = tfm;
	vf->source = true;
	vf->running = true;
	vf->asked = false;
	spin_unlock_irqrestore(&conn->lock, flags);
	if (!rblk_state_set_conn(dev, RBLK_CONN_CONNECTED, RBLK_CONN_VERIFY_SOURCE, "verify")) {
		ret = -EBUSY;
		goto out;
	}
	rblk_put_be64(p.start, start);
	rblk_put_be64(p.stop, stop);
	p.alg = alg;
	p.vflags = repair ? RBLK_VF_REPAIR : 0;
	ret = rblk_queue_ctl(conn, RBLK_P_VERIFY_START, &p, sizeof(p));
	if (ret)
		goto out;
	t = kthread_create(source_thread, conn, "rblk%d_verify", dev->minor);
	if (IS_ERR(t)) {
		struct rblk_p_verify_done d = { .stopped = 1 };

		ret = PTR_ERR(t);
		/* The peer was told: a stopped, empty verify ends it there. */
		if (!asked)
			rblk_queue_ctl(conn, RBLK_P_VERIFY_DONE, &d, sizeof(d));
		goto out;
	}
	get_task_struct(t);
	vf->thread = t;
	pr_info("rblk%d: %s: verify with %s of sectors %llu-%llu (%s) started\n",
		dev->minor, dev->name, conn->peer_node, (unsigned long long)start,
		(unsigned long long)stop, rblk_digest_name(alg));
	wake_up_process(t);
	return 0;
out:
	spin_lock_irqsave(&conn->lock, flags);
	vf->running = false;
	vf->source = false;
	vf->tfm = NULL;
	spin_unlock_irqrestore(&conn->lock, flags);
	crypto_free_shash(tfm);
	rblk_state_set_conn(dev, RBLK_CONN_VERIFY_SOURCE, RBLK_CONN_CONNECTED, "verify failed to start");
	return ret;
}

static int verify_start(struct rblk_device *dev, sector_t start, sector_t stop,
			bool repair)
{
	struct rblk_conn *conn = &dev->conn;
	sector_t size = get_capacity(dev->disk);
	struct rblk_p_verify p = {};
	u8 alg = conn->opts.verify_alg;
	unsigned long flags;
	int ret;

	ret = vf_check(dev);
	if (ret)
		return ret;
	if (alg == RBLK_DIGEST_NONE)
		return -ENOPROTOOPT;
	/* Whole 4 KiB blocks; a start inside a block begins with that block. */
	start = round_down(start, RBLK_DIGEST_BLOCK >> SECTOR_SHIFT);
	stop = min_t(sector_t, stop, size);
	if (start >= stop)
		return -ERANGE;
	if (READ_ONCE(dev->state.peer_role) != RBLK_ROLE_PRIMARY ||
	    READ_ONCE(dev->state.role) == RBLK_ROLE_PRIMARY)
		return start_source(dev, start, stop, alg, repair, false);
	/* The Primary leads; we become the target when it starts. */
	spin_lock_irqsave(&conn->lock, flags);
	vf_reset(&conn->vf, start, stop, alg, repair);
	conn->vf.source = false;
	conn->vf.running = true;
	conn->vf.asked = true;
	conn->vf.last.valid = false;
	spin_unlock_irqrestore(&conn->lock, flags);
	if (!rblk_state_set_conn(dev, RBLK_CONN_CONNECTED, RBLK_CONN_VERIFY_TARGET,
				 "verify")) {
		spin_lock_irqsave(&conn->lock, flags);
		conn->vf.running = false;
		conn->vf.asked = false;
		spin_unlock_irqrestore(&conn->lock, flags);
		return -EBUSY;
	}
	rblk_put_be64(p.start, start);
	rblk_put_be64(p.stop, stop);
	p.alg = alg;
	p.vflags = RBLK_VF_ASK | (repair ? RBLK_VF_REPAIR : 0);
	return rblk_queue_ctl(conn, RBLK_P_VERIFY_START, &p, sizeof(p));
}

/* RBLK_CMD_VERIFY (under rblk_devices_lock). */
int rblk_verify_start(struct rblk_device *dev, sector_t start, sector_t stop,
		      bool repair)
{
	struct rblk_verify *vf = &dev->conn.vf;
	int ret;

	mutex_lock(&vf->start_mutex);
	ret = verify_start(dev, start, stop, repair);
	mutex_unlock(&vf->start_mutex);
	return ret;
}

/* A role changed under a running verify: its remaining answers are void. */
void rblk_verify_abort(struct rblk_conn *conn, const char *why)
{
	if (!READ_ONCE(conn->vf.running) || !conn->vf.source ||
	    READ_ONCE(conn->vf.abort))
		return;
	pr_warn("rblk%d: %s: verify stopped: %s\n", conn->dev->minor,
		conn->dev->name, why);
	WRITE_ONCE(conn->vf.abort, true);
	wake_up(&conn->vf.wq);
	wake_up(&conn->dev->write_wq);
}

/* Teardown of the connection: the source's ranges are released. */
void rblk_verify_stop(struct rblk_device *dev)
{
	struct rblk_conn *conn = &dev->conn;
	struct rblk_verify *vf = &conn->vf;
	struct rblk_vreq *v, *t;
	unsigned long flags;
	LIST_HEAD(sent);
	bool was;

	mutex_lock(&vf->start_mutex);
	if (vf->thread) {
		kthread_stop(vf->thread);
		put_task_struct(vf->thread);
		vf->thread = NULL;
	}
	spin_lock_irqsave(&conn->lock, flags);
	list_splice_init(&vf->sent, &sent);
	was = vf->running;
	if (was)
		save_result(vf, true);
	vf->running = false;
	vf->in_flight = 0;
	spin_unlock_irqrestore(&conn->lock, flags);
	list_for_each_entry_safe(v, t, &sent, list) {
		rblk_range_release(dev, &v->range);
		kfree(v);
	}
	if (was && vf->source) {
		rblk_bm_flush(&dev->meta);
		log_result(dev, vf);
	}
	/* Teardown waited for the peer's requests: nothing uses it. */
	if (vf->tfm) {
		crypto_free_shash(vf->tfm);
		vf->tfm = NULL;
	}
	vf->source = false;
	mutex_unlock(&vf->start_mutex);
}

/*
 * Tell an asking peer that we cannot lead now: an answer, counted as owed
 * (a peer that asks again and again without reading is dropped).
 */
static int refuse_ask(struct rblk_conn *conn, int why)
{
	struct rblk_p_verify_done d = {};

	pr_warn_ratelimited("rblk%d: %s: %s asked for a verify, which cannot start now (%d)\n",
			    conn->dev->minor, conn->dev->name, conn->peer_node, why);
	d.stopped = 1;
	return rblk_queue_answer(conn, RBLK_P_VERIFY_DONE, &d, sizeof(d), NULL, 0);
}

/* VERIFY_START: the peer leads (we are the target), or asks us to. */
static int recv_start(struct rblk_conn *conn, const struct rblk_p_verify *p)
{
	struct rblk_device *dev = conn->dev;
	struct rblk_verify *vf = &conn->vf;
	sector_t start = rblk_be64(p->start), stop = rblk_be64(p->stop);
	struct crypto_shash *tfm, *old;
	unsigned long flags;
	int ret;
	if (p->vflags & RBLK_VF_ASK) {
		ret = vf_check(dev);
		if (!ret && READ_ONCE(dev->state.role) != RBLK_ROLE_PRIMARY)
			ret = -EPROTO;
		if (!ret)
			ret = start_source(dev, start, stop, p->alg,
					   p->vflags & RBLK_VF_REPAIR, true);
		return ret ? refuse_ask(conn, ret) : 0;
	}
	if (vf->source || (rblk_conn_state(dev) != RBLK_CONN_CONNECTED &&
			   !(vf->running && vf->asked)))
		return rblk_conn_protocol_error(conn, RBLK_WIRE_BAD_STATE,
					 RBLK_P_VERIFY_START);
	/* Without the peer's digest we answer every request with an error. */
	tfm = rblk_digest_tfm(p->alg);
	if (IS_ERR(tfm)) {
		pr_warn("rblk%d: %s: verify from %s uses %s, which this kernel lacks\n",
			dev->minor, dev->name, conn->peer_node,
			rblk_digest_name(p->alg));
		tfm = NULL;
	}
	/* A transform of an earlier verify may still be in digest work. */
	if (vf->tfm)
		rblk_conn_wait_peer_reqs(conn);
	spin_lock_irqsave(&conn->lock, flags);
	vf_reset(vf, start, stop, p->alg, p->vflags & RBLK_VF_REPAIR);
	vf->source = false;
	vf->running = true;
	vf->asked = false;
	vf->last.valid = false;
	old = vf->tfm;
	vf->tfm = tfm;
	spin_unlock_irqrestore(&conn->lock, flags);
	if (old)
		crypto_free_shash(old);
	/*
	 * We asked (already VerifyT), or the rules let us compare now (both
	 * UpToDate, Connected); else this verify is refused and undone.
	 */
	if (rblk_conn_state(dev) == RBLK_CONN_VERIFY_TARGET ||
	    rblk_state_set_conn(dev, RBLK_CONN_CONNECTED, RBLK_CONN_VERIFY_TARGET,
				"verify"))
		return 0;
	spin_lock_irqsave(&conn->lock, flags);
	vf->running = false;
	tfm = vf->tfm;
	vf->tfm = NULL;
	spin_unlock_irqrestore(&conn->lock, flags);
	if (tfm)
		crypto_free_shash(tfm);
	return rblk_conn_protocol_error(conn, RBLK_WIRE_BAD_STATE, RBLK_P_VERIFY_START);
}

int rblk_verify_recv_start(struct rblk_conn *conn, u16 type,
			   const void *fixed, u32 data_len)
{
	int ret;

	mutex_lock(&conn->vf.start_mutex);
	ret = recv_start(conn, fixed);
	mutex_unlock(&conn->vf.start_mutex);
	return ret;
}

/* Source: the peer's digests of a range; compare block by block. */
int rblk_verify_recv_reply(struct rblk_conn *conn, u16 type,
			   const void *fixed, u32 data_len)
{
	const struct rblk_p_digest *h = fixed;
	struct rblk_device *dev = conn->dev;
	struct rblk_verify *vf = &conn->vf;
	struct rblk_vreq *v = NULL, *i;
	unsigned int ds, b, blocks;
	unsigned long flags;
	u8 *peer = NULL;
	u32 status, bytes;
	u64 id, diff = 0;
	int ret = 0;

	id = rblk_be64(h->id);
	spin_lock_irqsave(&conn->lock, flags);
	list_for_each_entry(i, &vf->sent, list) {
		if (i->id == id) {
			v = i;
			list_del_init(&v->list);
			break;
		}
	}
	spin_unlock_irqrestore(&conn->lock, flags);
	if (!v || !vf->source)
		return rblk_conn_protocol_error(conn, RBLK_WIRE_BAD_STATE,
					 RBLK_P_VERIFY_REPLY);
	/* Its digests are of our verify's size (checked): the range is ours. */
	ds = crypto_shash_digestsize(vf->tfm);
	status = rblk_be32(h->status);
	bytes = rblk_be32(h->bytes);
	if (rblk_be64(h->sector) != v->range.sector || bytes != v->range.bytes ||
	    data_len != (status ? 0 : DIV_ROUND_UP(bytes, RBLK_DIGEST_BLOCK) * ds)) {
		ret = rblk_conn_protocol_error(conn, RBLK_WIRE_BAD_PAYLOAD,
					RBLK_P_VERIFY_REPLY);
		goto out;
	}
	if (data_len) {
		peer = kmalloc(data_len, GFP_NOIO);
		ret = peer ? rblk_recv_exact(conn, peer, data_len) : -ENOMEM;
		if (ret)
			goto out;
	}
	if (status) {
		pr_warn("rblk%d: %s: %s could not digest sector %llu (error %u); verify stops\n",
			dev->minor, dev->name, conn->peer_node,
			(unsigned long long)v->range.sector, status);
		WRITE_ONCE(vf->abort, true);
		goto out;
	}
	if (READ_ONCE(vf->abort))
		goto out;	/* a role changed: the answer may be stale */
	blocks = DIV_ROUND_UP(bytes, RBLK_DIGEST_BLOCK);
	for (b = 0; b < blocks; b++) {
		sector_t s = v->range.sector + b * (RBLK_DIGEST_BLOCK >> SECTOR_SHIFT);
		u32 n = min_t(u32, bytes - b * RBLK_DIGEST_BLOCK, RBLK_DIGEST_BLOCK);

		if (!memcmp(v->digest + b * ds, peer + b * ds, ds))
			continue;
		rblk_bm_set(&dev->meta.bm, s, n);
		diff += RBLK_DIGEST_BLOCK >> 10;
		pr_info_ratelimited("rblk%d: %s: verify: sectors %llu-%llu differ from %s\n",
				    dev->minor, dev->name, (unsigned long long)s,
				    (unsigned long long)s + (n >> SECTOR_SHIFT) - 1,
				    conn->peer_node);
	}
	spin_lock_irqsave(&conn->lock, flags);
	vf->checked_kib += bytes >> 10;
	vf->diff_kib += diff;
	spin_unlock_irqrestore(&conn->lock, flags);
out:
	kfree(peer);
	rblk_range_release(dev, &v->range);
	kfree(v);
	spin_lock_irqsave(&conn->lock, flags);
	vf->in_flight--;
	spin_unlock_irqrestore(&conn->lock, flags);
	wake_up(&vf->wq);
	return ret;
}

/* Target: the source finished (or stopped, or refused what we asked). */
int rblk_verify_recv_done(struct rblk_conn *conn, u16 type,
			  const void *fixed, u32 data_len)
{
	const struct rblk_p_verify_done *d = fixed;
	struct rblk_device *dev = conn->dev;
	struct rblk_verify *vf = &conn->vf;
	struct crypto_shash *tfm;
	unsigned long flags;

	if (vf->source || !vf->running)
		return rblk_conn_protocol_error(conn, RBLK_WIRE_BAD_STATE,
					 RBLK_P_VERIFY_DONE);
	/*
	 * A repair only as a correct source asks for it: one that was asked
	 * for, that ran to its end and found differences. Never a way round
	 * the connect decision.
	 */
	if (d->repair && (!vf->repair || d->stopped || !rblk_be64(d->diff_kib) ||
			 rblk_conn_state(dev) != RBLK_CONN_VERIFY_TARGET))
		return rblk_conn_protocol_error(conn, RBLK_WIRE_BAD_PAYLOAD,
					 RBLK_P_VERIFY_DONE);
	/*
	 * Our digest work holds the transform; a source that is done has all
	 * its answers, but one that says so early must not free it under us.
	 */
	rblk_conn_wait_peer_reqs(conn);
	spin_lock_irqsave(&conn->lock, flags);
	vf->checked_kib = rblk_be64(d->checked_kib);
	vf->diff_kib = rblk_be64(d->diff_kib);
	vf->pos = rblk_be64(d->pos) ?: vf->start;
	save_result(vf, d->stopped);
	vf->running = false;
	vf->asked = false;
	tfm = vf->tfm;
	vf->tfm = NULL;
	spin_unlock_irqrestore(&conn->lock, flags);
	/* Our answers were queued before the source could finish. */
	if (tfm)
		crypto_free_shash(tfm);
	log_result(dev, vf);
	if (vf->diff_kib)
		rblk_helper(dev, "out-of-sync");
	/* From VerifyT straight to SyncTarget, as on the source. */
	if (d->repair)
		return rblk_resync_begin(dev, false, false, NULL);
	rblk_state_set_conn(dev, RBLK_CONN_VERIFY_TARGET, RBLK_CONN_CONNECTED, "verify done");
	return 0;
}
