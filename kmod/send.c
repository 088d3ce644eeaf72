// SPDX-License-Identifier: GPL-2.0
/*
 * The sending side of a connection: whoever holds conn->send_mutex owns
 * the socket's send direction and the send sequence number, the sender
 * thread or, for a request alone in flight, its worker. Control packets
 * (ACKs, pings, state) always go before queued write data, so an ACK waits
 * at most for what is already in the socket buffer (docs/protocol.md).
 */
#include <crypto/hash.h>
#include <linux/bio.h>
#include <linux/blk-mq.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <linux/utsname.h>

#include "conn.h"
#include "device.h"
#include "gen.h"
#include "recv.h"
#include "req.h"

static int send_iter(struct rblk_conn *conn, struct iov_iter *it, bool more)
{
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL | (more ? MSG_MORE : 0) };
	unsigned int noreclaim = memalloc_noreclaim_save();
	int ret = 0;

	msg.msg_iter = *it;
	while (msg_data_left(&msg)) {
		ret = sock_sendmsg(conn->sock, &msg);
		if (ret <= 0) {
			ret = ret ? ret : -EPIPE;
			break;
		}
		ret = 0;
	}
	memalloc_noreclaim_restore(noreclaim);
	return ret;
}

static int send_buf(struct rblk_conn *conn, const void *buf, size_t len,
		    bool more)
{
	struct kvec kv = { .iov_base = (void *)buf, .iov_len = len };
	struct iov_iter it;

	iov_iter_kvec(&it, ITER_SOURCE, &kv, 1, len);
	return send_iter(conn, &it, more);
}

/* Header and fixed part of a packet; @data_len bytes of data follow. */
static int send_head(struct rblk_conn *conn, u16 type, const void *fixed,
		     u32 fixed_len, u32 data_len, bool more)
{
	u8 buf[RBLK_WIRE_HDR_SIZE + sizeof(struct rblk_p_hello)];

	rblk_wire_hdr_init((struct rblk_wire_hdr *)buf, type,
			   fixed_len + data_len, ++conn->send_seq);
	memcpy(buf + RBLK_WIRE_HDR_SIZE, fixed, fixed_len);
	return send_buf(conn, buf, RBLK_WIRE_HDR_SIZE + fixed_len,
			more || data_len);
}

/* Send a packet without data now, from the thread that owns sending. */
int rblk_send_raw(struct rblk_conn *conn, u16 type, const void *payload,
		  u32 len)
{
	return send_head(conn, type, payload, len, 0, false);
}

void rblk_fill_hello(struct rblk_conn *conn, struct rblk_p_hello *h, u64 nonce)
{
	memset(h, 0, sizeof(*h));
	rblk_put_be16(h->proto_min, RBLK_PROTO_MIN);
	rblk_put_be16(h->proto_max, RBLK_PROTO_MAX);
	rblk_put_be32(h->features, __RBLK_FEAT_ALL);	/* all we speak */
	rblk_put_be64(h->nonce, nonce);
	strscpy(h->resource, conn->dev->name, sizeof(h->resource));
	strscpy(h->node, conn->node, sizeof(h->node));
}

/*
 * A control packet whose @data_len bytes of data the caller fills in at
 * rblk_ctl_data() before rblk_queue_ctl_item(); NULL without memory.
 */
struct rblk_ctl *rblk_ctl_alloc(u16 type, const void *fixed, u32 fixed_len,
				u32 data_len)
{
	struct rblk_ctl *c;

	if (WARN_ON_ONCE(fixed_len > sizeof(struct rblk_p_hello)))
		return NULL;
	c = kvmalloc(struct_size(c, payload, fixed_len + data_len), GFP_NOIO);
	if (!c)
		return NULL;
	c->type = type;
	c->len = fixed_len + data_len;
	c->fixed_len = fixed_len;
	c->charge = 0;
	c->owed = false;
	memcpy(c->payload, fixed, fixed_len);
	return c;
}

void rblk_queue_ctl_item(struct rblk_conn *conn, struct rblk_ctl *c)
{
	unsigned long flags;

	spin_lock_irqsave(&conn->lock, flags);
	list_add_tail(&c->list, &conn->ctl_queue);
	spin_unlock_irqrestore(&conn->lock, flags);
	wake_up(&conn->send_wq);
}

/* @owed: the answer to a request of the peer (conn->owed until it goes). */
static int queue_ctl(struct rblk_conn *conn, u16 type, const void *fixed,
		     u32 fixed_len, const void *data, u32 data_len, bool owed)
{
	struct rblk_ctl *c = rblk_ctl_alloc(type, fixed, fixed_len, data_len);

	if (!c)
		return -ENOMEM;
	if (data_len)
		memcpy(rblk_ctl_data(c), data, data_len);
	if (owed) {
		c->owed = true;
		atomic_inc(&conn->owed);
	}
	rblk_queue_ctl_item(conn, c);
	return 0;
}

int rblk_queue_ctl_data(struct rblk_conn *conn, u16 type, const void *fixed,
			u32 fixed_len, const void *data, u32 data_len)
{
	return queue_ctl(conn, type, fixed, fixed_len, data, data_len, false);
}

/*
 * The answer to a request of the peer: it counts as owed (conn->owed)
 * until it is sent or dropped.
 */
int rblk_queue_answer(struct rblk_conn *conn, u16 type, const void *fixed,
		      u32 fixed_len, const void *data, u32 data_len)
{
	return queue_ctl(conn, type, fixed, fixed_len, data, data_len, true);
}

/*
 * Sent or dropped: a read's reply gives its share of max-buffers back,
 * an answer its place in conn->owed.
 */
void rblk_ctl_free(struct rblk_conn *conn, struct rblk_ctl *c)
{
	rblk_peer_uncharge(conn, c->charge);
	if (c->owed)
		atomic_dec(&conn->owed);
	kvfree(c);
}

int rblk_queue_ctl(struct rblk_conn *conn, u16 type, const void *payload,
		   u32 len)
{
	return rblk_queue_ctl_data(conn, type, payload, len, NULL, 0);
}

/*
 * SIZES: what our disk gives and what its data has (dev->lock held),
 * kept for the decision on the peer's (kmod/gen.c).
 */
static void fill_sizes(struct rblk_device *dev, struct rblk_p_sizes *sz)
{
	struct rblk_conn *conn = &dev->conn;
	struct rblk_meta *m = &dev->meta;
	u64 usable = 0, in_use = 0;

	lockdep_assert_held(&dev->lock);
	/*
	 * Nothing without a disk; without metadata nothing either: the
	 * device is the whole disk, or `size`, and STATE's size must match.
	 */
	if (dev->state.disk > RBLK_DISK_FAILED && dev->backing.bdev &&
	    m->present) {
		usable = rblk_meta_usable_sectors(m);
		if (m->gi.uuid[RBLK_UI_CURRENT] != RBLK_UUID_JUST_CREATED)
			in_use = m->la_sectors;
	}
	memset(sz, 0, sizeof(*sz));
	rblk_put_be64(sz->usable, usable);
	rblk_put_be64(sz->in_use, in_use);
	conn->sent_usable = usable;
	conn->sent_in_use = in_use;
}

static void fill_state(struct rblk_device *dev, struct rblk_p_state *st,
		       struct rblk_p_sizes *first)
{
	struct rblk_conn *conn = &dev->conn;
	unsigned long flags;
	u64 bits;
	int i;

	memset(st, 0, sizeof(*st));
	mutex_lock(&dev->lock);
	rblk_put_be64(st->data_sectors, get_capacity(dev->disk));
	for (i = 0; i < RBLK_UI_COUNT; i++)
		rblk_put_be64(st->uuid[i], dev->meta.gi.uuid[i]);
	rblk_put_be64(st->uuid[RBLK_UI_CURRENT], rblk_gen_current(dev));
	rblk_put_be32(st->md_flags, dev->meta.gi.flags);
	st->role = dev->state.role;
	st->disk_state = dev->state.disk;
	if (READ_ONCE(dev->conn.flags) & RBLK_F_DISCARD_MY_DATA)
		st->state_flags |= RBLK_SF_DISCARD_MY_DATA;
	if (dev->state.susp & RBLK_SUSP_SYNC_USER)
		st->state_flags |= RBLK_SF_SYNC_PAUSED;
	bits = rblk_bm_weight(&dev->meta.bm);
	rblk_put_be64(st->bits_set, bits);
	if (first) {
		fill_sizes(dev, first);
		/* Under dev->lock: no role or generation change slips in. */
		memcpy(conn->sent_uuid, dev->meta.gi.uuid, sizeof(conn->sent_uuid));
		conn->sent_uuid[RBLK_UI_CURRENT] = rblk_gen_current(dev);
		conn->sent_bits = bits;
		conn->sent_disk = dev->state.disk;
		spin_lock_irqsave(&conn->lock, flags);
		WRITE_ONCE(conn->handshake, true);
		spin_unlock_irqrestore(&conn->lock, flags);
	}
	mutex_unlock(&dev->lock);
}

/*
 * Tell the peer our sizes, generations, role and disk state; @flags: more
 * enum rblk_state_flags (RBLK_SF_RESYNC_WAITS, from a target while its
 * before-resync-target handler runs).
 */
int rblk_queue_state_flags(struct rblk_conn *conn, u32 flags)
{
	struct rblk_p_state st;

	fill_state(conn->dev, &st, NULL);
	st.state_flags |= flags;
	return rblk_queue_ctl(conn, RBLK_P_STATE, &st, sizeof(st));
}

int rblk_queue_state(struct rblk_conn *conn)
{
	return rblk_queue_state_flags(conn, 0);
}

/*
 * The first STATE of a connection, sent before the sender thread starts
 * and before we read anything: whatever we decide about the peer's STATE,
 * the peer gets ours and reaches the same decision. Until we decided,
 * writes and role changes wait (the handshake), so what we sent stays
 * true.
 */
int rblk_send_state(struct rblk_conn *conn)
{
	struct rblk_p_sizes sz;
	struct rblk_p_state st;
	int ret = 0;

	fill_state(conn->dev, &st, &sz);
	if (conn->features & RBLK_FEAT_SIZES)
		ret = rblk_send_raw(conn, RBLK_P_SIZES, &sz, sizeof(sz));
	return ret ?: rblk_send_raw(conn, RBLK_P_STATE, &st, sizeof(st));
}

/*
 * A SyncSource waiting for its target's bitmap, once the target said in a
 * STATE, sent after its metadata write, that it is behind (Outdated while
 * its before-resync-target handler runs, Inconsistent after): a write now
 * needs only its bit here, as the target cannot be promoted without
 * --force and its resync covers the bit. Not in a verify's repair (no
 * handshake): the target is UpToDate until its begin. conn->lock held.
 */
bool rblk_conn_source_marks(const struct rblk_conn *conn)
{
	const struct rblk_state *s = &conn->dev->state;

	return conn->handshake && conn->rs.source &&
	       conn->rs.phase == RBLK_RS_WAIT_BITMAP &&
	       rblk_conn_is_up(s->conn) &&
	       (s->peer_disk == RBLK_DISK_OUTDATED ||
		s->peer_disk == RBLK_DISK_INCONSISTENT);
}

/*
 * Queue the peer's part of a request if @allowed (checked under conn->lock
 * with the connection up); the request then also waits for the sender and
 * for its answer. A request arriving during the handshake parks until its
 * end (a round trip, the connection's timeout, or for a resync the
 * bitmaps' exchange): until then nobody knows whether the peer will take
 * it, and rblk_wq's workers serve every device. A write (@write) to a
 * SyncSource waiting for the target's bitmap goes to our disk alone once
 * rblk_conn_source_marks(), marked out of sync here, under conn->lock, so
 * that the resync, which starts under it, sends it: the target's disk
 * stays as it is until its before-resync-target handler has run. A
 * target's own request while that handler runs has no peer. A write with
 * a transfer log entry (@tl) also waits for its place in the log. The
 * caller sends it or wakes the sender: rblk_send_queued(), once its local
 * part is under way.
 */
static enum rblk_queued queue_remote(struct rblk_conn *conn,
				     struct request *rq,
				     bool (*allowed)(struct rblk_conn *conn),
				     bool write, bool tl, enum rblk_park park)
{
	struct rblk_req *req = blk_mq_rq_to_pdu(rq);
	enum rblk_queued q = RBLK_Q_NO_PEER;
	unsigned long flags;

	spin_lock_irqsave(&conn->lock, flags);
	for (;;) {
		if (conn->dev->state.susp & RBLK_SUSP_IO_FENCING) {
			break;		/* parked below, not waited for */
		} else if (READ_ONCE(conn->rs.before_pending)) {
			/* Our resync waits for our handler: no peer for now
			 * (a target's own I/O: reads, a flush). */
			spin_unlock_irqrestore(&conn->lock, flags);
			return RBLK_Q_NO_PEER;
		} else if (write && rblk_conn_source_marks(conn)) {
			if (req->range.bytes)
				rblk_bm_set(&conn->dev->meta.bm,
					    req->range.sector, req->range.bytes);
			spin_unlock_irqrestore(&conn->lock, flags);
			return RBLK_Q_MARKED;
		} else if (conn->handshake) {
			req->park = park;
			list_add_tail(&req->park_list, &conn->hs_parked);
			spin_unlock_irqrestore(&conn->lock, flags);
			return RBLK_Q_PARKED;
		} else if (tl && rblk_conn_is_up(conn->dev->state.conn) &&
			   allowed(conn) && !rblk_tl_reserve(&conn->tl)) {
			/* Full: barriers are on their way (tl.c). */
			spin_unlock_irqrestore(&conn->lock, flags);
			wait_event(conn->tl.wq, rblk_tl_has_room(&conn->tl) ||
				   !rblk_conn_is_up(READ_ONCE(conn->dev->state.conn)));
		} else {
			break;
		}
		spin_lock_irqsave(&conn->lock, flags);
	}
	if (conn->dev->state.susp & RBLK_SUSP_IO_FENCING) {
		/*
		 * Decided under conn->lock, as the state is set: no write
		 * slips past to the local disk alone. Parked, not waited
		 * for: rblk_wq serves every device's I/O.
		 */
		rblk_fence_park_locked(conn->dev, rq, park);
		q = RBLK_Q_PARKED;
	} else if (rblk_conn_is_up(conn->dev->state.conn) && allowed(conn)) {
		req->tl = tl;
		if (req_op(rq) == REQ_OP_FLUSH)
			req->tl_mark = rblk_tl_flush_queued(&conn->tl.log);
		req->epoch = conn->epoch;
		/* The peer's clock (ko-count) starts here, not at submission:
		 * a write parked for fencing may be old. */
		req->start = jiffies;
		req->wire_id = (u64)(++conn->next_id) << 16 | rq->tag;
		atomic_set(&req->remote, RBLK_REMOTE_PENDING);
		atomic_add(2, &req->pending);
		list_add_tail(&req->send_list, &conn->data_queue);
		q = RBLK_Q_QUEUED;
	}
	spin_unlock_irqrestore(&conn->lock, flags);
	return q;
}

/* Not a peer whose disk failed (kmod/ioerr.c): it NACKs, we mark. */
static bool peer_takes_writes(struct rblk_conn *conn)
{
	return conn->dev->state.peer_role == RBLK_ROLE_SECONDARY &&
	       conn->dev->state.peer_disk >= RBLK_DISK_INCONSISTENT;
}

static bool peer_serves_reads(struct rblk_conn *conn)
{
	return conn->dev->state.peer_disk == RBLK_DISK_UPTODATE;
}

/* A write (or flush): to the peer, nowhere (the caller marks it), parked. */
enum rblk_queued rblk_queue_write(struct rblk_conn *conn, struct request *rq)
{
	return queue_remote(conn, rq, peer_takes_writes, true,
			    rblk_tl_needs(rq), RBLK_PARK_PEER);
}

/*
 * A read the peer serves (our blocks are out of sync), if an UpToDate peer
 * is connected; RBLK_Q_NO_PEER: nobody can serve it.
 */
enum rblk_queued rblk_queue_read(struct rblk_conn *conn, struct request *rq)
{
	return queue_remote(conn, rq, peer_serves_reads, false, false,
			    RBLK_PARK_START);
}

static int send_read_req(struct rblk_conn *conn, struct request *rq, bool more)
{
	struct rblk_req *req = blk_mq_rq_to_pdu(rq);
	struct rblk_p_read_req r = {};

	rblk_put_be64(r.id, req->wire_id);
	rblk_put_be64(r.sector, req->range.sector);
	rblk_put_be32(r.bytes, req->range.bytes);
	return send_head(conn, RBLK_P_READ_REQ, &r, sizeof(r), 0, more);
}

static u32 write_flags(struct request *rq)
{
	u32 f = 0;

	if (rq->cmd_flags & REQ_FUA)
		f |= RBLK_WF_FUA;
	if (req_op(rq) == REQ_OP_FLUSH)
		f |= RBLK_WF_PREFLUSH;
	else if (req_op(rq) == REQ_OP_DISCARD)
		f |= RBLK_WF_DISCARD;
	else if (req_op(rq) == REQ_OP_WRITE_ZEROES)
		f |= RBLK_WF_ZEROES;
	return f;
}

static int send_write(struct rblk_conn *conn, struct request *rq, bool more)
{
	struct rblk_req *req = blk_mq_rq_to_pdu(rq);
	u32 flags = write_flags(rq);
	bool data = req_op(rq) == REQ_OP_WRITE;
	struct rblk_p_write w;
	u32 left;
	struct req_iterator iter;
	struct bio_vec bv;
	struct iov_iter it;
	int ret;

	rblk_put_be64(w.id, req->wire_id);
	rblk_put_be64(w.sector, req->range.sector);
	rblk_put_be32(w.bytes, req->range.bytes);
	rblk_put_be32(w.wflags, flags);
	ret = send_head(conn, RBLK_P_WRITE, &w, sizeof(w),
			data ? req->range.bytes : 0, more);
	if (ret || !data)
		return ret;
	left = req->range.bytes;
	rq_for_each_segment(bv, rq, iter) {
		left -= bv.bv_len;
		iov_iter_bvec(&it, ITER_SOURCE, &bv, 1, bv.bv_len);
		/* MSG_MORE on the last piece would hold it back until the
		 * next send or an ACK from the peer: a round trip lost. */
		ret = send_iter(conn, &it, left || more);
		if (ret)
			return ret;
	}
	atomic64_add(req->range.bytes >> 10, &conn->dev->stats.sent_kib);
	return 0;
}

static int send_ack(struct rblk_conn *conn, struct rblk_peer_req *p, bool more)
{
	struct rblk_p_ack a = {};

	rblk_put_be64(a.id, p->id);
	rblk_put_be32(a.status, p->status);
	if (p->in_sync)
		rblk_put_be32(a.flags, RBLK_ACKF_IN_SYNC);
	return send_head(conn, p->ack_type, &a, sizeof(a), 0, more);
}

/* One run of blocks [b, e) of a resync range: zeros, or data. */
static int send_rs_run(struct rblk_conn *conn, struct rblk_rs_req *r, u32 b,
		       u32 e, bool zero, bool more)
{
	u32 off = b * RBLK_DIGEST_BLOCK;
	u32 left = min_t(u32, e * RBLK_DIGEST_BLOCK, r->range.bytes) - off;
	struct rblk_p_write w = {};
	struct bio_vec bv;
	struct iov_iter it;
	u32 i;
	int ret;

	rblk_put_be64(w.id, r->id);
	rblk_put_be64(w.sector, r->range.sector + (off >> SECTOR_SHIFT));
	rblk_put_be32(w.bytes, left);
	rblk_put_be32(w.wflags, zero ? RBLK_WF_ZEROES : 0);
	ret = send_head(conn, RBLK_P_RS_DATA, &w, sizeof(w), zero ? 0 : left,
			more);
	if (zero) {
		atomic64_add(left >> 10, &conn->dev->stats.rs_zero_kib);
		return ret;
	}
	atomic64_add(left >> 10, &conn->dev->stats.sent_kib);
	for (i = b; i < e && !ret; i++) {
		bvec_set_page(&bv, r->pages[i], min_t(u32, left, PAGE_SIZE), 0);
		left -= bv.bv_len;
		iov_iter_bvec(&it, ITER_SOURCE, &bv, 1, bv.bv_len);
		ret = send_iter(conn, &it, left || more);
	}
	return ret;
}

/*
 * A resync range: its digests (RS_CSUM) when the target is to say which
 * blocks differ first, else the blocks to send as RS_DATA, runs of zeros
 * as short packets (rblk_rs_req_runs() counts them the same way).
 */
static int send_rs_req(struct rblk_conn *conn, struct rblk_rs_req *r, bool more)
{
	u32 b, e, blocks = rblk_rs_req_blocks(r);
	int ret = 0;

	if (r->csum) {
		struct rblk_p_digest h = {};
		u32 len = blocks * crypto_shash_digestsize(conn->rs.csums_tfm);

		rblk_put_be64(h.id, r->id);
		rblk_put_be64(h.sector, r->range.sector);
		rblk_put_be32(h.bytes, r->range.bytes);
		ret = send_head(conn, RBLK_P_RS_CSUM, &h, sizeof(h), len, more);
		return ret ?: send_buf(conn, r->digest, len, more);
	}
	for (b = 0; b < blocks && !ret; b = e) {
		bool zero = r->zero & (1ULL << b);

		if (!(r->send & (1ULL << b))) {
			e = b + 1;
			continue;
		}
		for (e = b + 1; e < blocks; e++)
			if (!(r->send & (1ULL << e)) ||
			    !!(r->zero & (1ULL << e)) != zero)
				break;
		ret = send_rs_run(conn, r, b, e, zero,
				  more || (e < 64 && (r->send >> e)));
	}
	return ret;
}

/*
 * The SyncTarget's bitmap, in slices of up to 1 MiB; slices of only zeros
 * are left out, and an empty slice with ->last ends it.
 */
static int send_bitmap(struct rblk_conn *conn)
{
	struct rblk_bitmap *bm = &conn->dev->meta.bm;
	u64 bytes = rblk_bm_wire_bytes(bm, conn->features & RBLK_FEAT_SIZES);
	struct rblk_p_bitmap b = {};
	u64 off;
	u32 len;
	int ret;

	for (off = 0; off < bytes; off += len) {
		len = min_t(u64, bytes - off, RBLK_WIRE_MAX_DATA);
		if (!memchr_inv((u8 *)bm->bits + off, 0, len))
			continue;
		rblk_put_be64(b.offset, off);
		rblk_put_be32(b.bytes, len);
		ret = send_head(conn, RBLK_P_BITMAP, &b, sizeof(b), len, true);
		if (!ret)
			ret = send_buf(conn, (u8 *)bm->bits + off, len, true);
		if (ret)
			return ret;
	}
	memset(&b, 0, sizeof(b));
	rblk_put_be64(b.offset, bytes);
	b.last = 1;
	return send_head(conn, RBLK_P_BITMAP, &b, sizeof(b), 0, false);
}

struct send_item {
	struct rblk_peer_req *ack;
	struct rblk_ctl *ctl;
	struct request *rq;
	struct rblk_rs_req *rs;
	bool bitmap;
};

static bool queues_busy(struct rblk_conn *conn)
{
	return !list_empty(&conn->ack_queue) || !list_empty(&conn->ctl_queue) ||
	       !list_empty(&conn->data_queue) || !list_empty(&conn->rs.queue) ||
	       conn->rs.send_bitmap;
}

/*
 * Take the next thing to send: acks, then control packets, then
 * application writes, then the bitmap and resync blocks. False if none.
 */
static bool next_item(struct rblk_conn *conn, struct send_item *it, bool *more)
{
	struct rblk_resync *rs = &conn->rs;
	unsigned long flags;
	struct rblk_req *req;

	memset(it, 0, sizeof(*it));
	spin_lock_irqsave(&conn->lock, flags);
	if (!list_empty(&conn->ack_queue)) {
		it->ack = list_first_entry(&conn->ack_queue, struct rblk_peer_req, list);
		list_del_init(&it->ack->list);
	} else if (!list_empty(&conn->ctl_queue)) {
		it->ctl = list_first_entry(&conn->ctl_queue, struct rblk_ctl, list);
		list_del(&it->ctl->list);
		if (it->ctl == conn->ping_ack)	/* a new PING gets a new one */
			conn->ping_ack = NULL;
	} else if (!list_empty(&conn->data_queue)) {
		req = list_first_entry(&conn->data_queue, struct rblk_req, send_list);
		list_del_init(&req->send_list);
		it->rq = blk_mq_rq_from_pdu(req);
	} else if (rs->send_bitmap) {
		rs->send_bitmap = false;
		it->bitmap = true;
	} else if (!list_empty(&rs->queue)) {
		/* On ->sent before it goes: its RS_ACK may come back at once. */
		it->rs = list_first_entry(&rs->queue, struct rblk_rs_req, list);
		it->rs->acks = it->rs->csum ? 1 : rblk_rs_req_runs(it->rs);
		list_move_tail(&it->rs->list, &rs->sent);
	}
	*more = queues_busy(conn);
	spin_unlock_irqrestore(&conn->lock, flags);
	return it->ack || it->ctl || it->rq || it->rs || it->bitmap;
}

static bool has_work(struct rblk_conn *conn)
{
	unsigned long flags;
	bool work;

	spin_lock_irqsave(&conn->lock, flags);
	work = queues_busy(conn);
	spin_unlock_irqrestore(&conn->lock, flags);
	return work;
}

static int send_one(struct rblk_conn *conn)
{
	struct send_item it;
	bool more;
	int ret = 0;

	if (!next_item(conn, &it, &more))
		return 0;
	if (it.ack) {
		ret = send_ack(conn, it.ack, more);
		rblk_peer_req_free(it.ack);
	} else if (it.ctl) {
		ret = send_head(conn, it.ctl->type, it.ctl->payload,
				it.ctl->fixed_len, it.ctl->len - it.ctl->fixed_len,
				more);
		if (!ret && it.ctl->len > it.ctl->fixed_len)
			ret = send_buf(conn, it.ctl->payload + it.ctl->fixed_len,
				       it.ctl->len - it.ctl->fixed_len, more);
		rblk_ctl_free(conn, it.ctl);
	} else if (it.rq && req_op(it.rq) == REQ_OP_READ) {
		ret = send_read_req(conn, it.rq, more);
		rblk_req_put(it.rq);
	} else if (it.rq) {
		ret = send_write(conn, it.rq, more);
		rblk_req_put(it.rq);	/* the sender is done with its pages */
	} else if (it.bitmap) {
		ret = send_bitmap(conn);
	} else {
		ret = send_rs_req(conn, it.rs, more);
		rblk_rs_req_put(it.rs);
	}
	return ret;
}

/*
 * Send the next item, under send_mutex. A failed send ends the connection
 * (the receiver wakes, the worker tears down) and nothing more goes.
 */
static int send_locked(struct rblk_conn *conn)
{
	int ret;

	if (!conn->sending)
		return -EPIPE;
	ret = send_one(conn);
	if (ret) {
		rblk_conn_error(conn, "send failed: %d", ret);
		WRITE_ONCE(conn->sending, false);
		kernel_sock_shutdown(conn->sock, SHUT_RDWR);
	}
	return ret;
}

/*
 * A request's worker queued a packet: have it sent. @inline_ok (a request
 * alone in flight): from the caller's context if nobody else is sending,
 * which saves the hand-off
 * to the sender thread, a context switch that is a large part of a small
 * write's latency on a busy CPU. Among other requests the sender thread
 * does it: it sends their packets back to back (MSG_MORE), in fewer
 * segments. A few items at most inline; the sender takes the rest.
 */
void rblk_send_queued(struct rblk_conn *conn, bool inline_ok)
{
	int n, ret = 0;

	if (!inline_ok || !mutex_trylock(&conn->send_mutex)) {
		wake_up(&conn->send_wq);
		return;
	}
	for (n = 0; n < 4 && !ret && has_work(conn); n++)
		ret = send_locked(conn);
	mutex_unlock(&conn->send_mutex);
	if (has_work(conn))
		wake_up(&conn->send_wq);
}

/*
 * Sender thread: runs while connected; an error ends the connection.
 * Whoever holds send_mutex sends; teardown stops us before it takes the
 * socket away from an inline rblk_send_queued() (->sending).
 */
int rblk_sender(void *arg)
{
	struct rblk_conn *conn = arg;
	int ret = 0;

	while (!kthread_should_stop()) {
		/* After a failed send nothing more goes: wait for the stop. */
		wait_event_interruptible(conn->send_wq,
					 (READ_ONCE(conn->sending) && has_work(conn)) ||
					 kthread_should_stop());
		if (kthread_should_stop())
			break;
		mutex_lock(&conn->send_mutex);
		ret = send_locked(conn);
		mutex_unlock(&conn->send_mutex);
		if (ret)
			break;
	}
	rblk_thread_wait_stop();
	return ret;
}
