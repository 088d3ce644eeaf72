// SPDX-License-Identifier: GPL-2.0
/*
 * The receiving side of a connection: the connection's worker thread reads
 * packets, checks each header completely before it reads a payload byte
 * (include/rblk/wire.h), and dispatches. Any violation ends the connection
 * with a log line; nothing from a bad packet reaches the disk.
 */
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/mempool.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uio.h>

#include "conn.h"
#include "device.h"
#include "ioerr.h"
#include "gen.h"
#include "digest.h"
#include "recv.h"
#include "req.h"

/* Pages for peer writes: a reserve so receiving never waits on reclaim. */
static mempool_t *rblk_page_pool;

/* Has the packet being read taken longer than timeout x ko-count? */
static bool packet_late(struct rblk_conn *conn)
{
	u32 ms = rblk_link_patience(&conn->opts);

	if (time_before(jiffies, conn->pkt_start + msecs_to_jiffies(ms)))
		return false;
	rblk_conn_error(conn, "peer %s took more than %u ms to send one packet (%s)",
			conn->peer_node, ms, rblk_link_patience_name(&conn->opts));
	return true;
}

static bool buffers_room(struct rblk_conn *conn, u32 n)
{
	int held = atomic_read(&conn->peer_pages);

	return !held || held + n <= READ_ONCE(conn->opts.max_buffers);
}

/*
 * The receiver takes @n pages of the peer's bound (max-buffers) for a
 * request it is about to hold: a write until it is on our disk, a digest
 * request until it is read and digested, a read until its reply is sent
 * (only a read's reply, the one large answer, waits for the socket, and
 * only the node with the up-to-date data answers reads: the two nodes
 * never wait for each other's bound). At the bound it stops reading
 * until memory is given back; meanwhile the liveness checks run, except
 * the ping (its answer would wait unread behind the request): a peer
 * that does not read what we send is found out by its TCP window
 * (rblk_conn_idle). One request always fits.
 */
int rblk_recv_charge(struct rblk_conn *conn, u32 n)
{
	int ret = 0;

	while (!buffers_room(conn, n)) {
		WRITE_ONCE(conn->rx_blocked, true);
		wait_event_interruptible_timeout(conn->buffers_wq,
				buffers_room(conn, n) || !READ_ONCE(conn->sending) ||
				kthread_should_stop(), msecs_to_jiffies(100));
		if (kthread_should_stop())
			ret = -EINTR;
		else if (!READ_ONCE(conn->sending))
			ret = -EPIPE;	/* the sender failed: nothing goes */
		else
			ret = rblk_conn_idle(conn);
		if (ret)
			return ret;
	}
	if (conn->rx_blocked) {
		/* What we did not read was not the peer's silence. */
		WRITE_ONCE(conn->rx_blocked, false);
		conn->last_rx = jiffies;
		conn->ping_sent = jiffies;
		conn->pkt_start = jiffies;
	}
	atomic_add(n, &conn->peer_pages);
	return 0;
}

/* An answer holding @n pages of the bound was sent or dropped. */
void rblk_peer_uncharge(struct rblk_conn *conn, u32 n)
{
	if (!n)
		return;
	atomic_sub(n, &conn->peer_pages);
	wake_up(&conn->buffers_wq);
}

/*
 * The rest of a packet whose first byte has come. The socket's receive
 * timeout is short (it paces the liveness checks of an idle link); in the
 * middle of a packet a pause (a retransmission) is waited out for as long
 * as the connection's timeout, counted from the last byte that came, and
 * the whole packet must have come within timeout x ko-count of its first
 * byte (a peer that trickles it would hold the receiver, and with it the
 * liveness checks, for ever).
 */
int rblk_recv_exact(struct rblk_conn *conn, void *buf, size_t len)
{
	unsigned int noreclaim = memalloc_noreclaim_save();
	unsigned long last = jiffies;
	struct kvec kv;
	struct msghdr msg;
	int ret = 0;

	while (len) {
		if (conn->hs_deadline && time_after(jiffies, conn->hs_deadline)) {
			rblk_conn_error(conn, "the handshake with %s took too long",
					conn->peer_node);
			ret = -ETIMEDOUT;
			break;
		}
		if (!conn->hs_deadline && conn->pkt_start && packet_late(conn)) {
			ret = -ETIMEDOUT;
			break;
		}
		memset(&msg, 0, sizeof(msg));
		kv.iov_base = buf;
		kv.iov_len = len;
		ret = kernel_recvmsg(conn->sock, &msg, &kv, 1, len, MSG_WAITALL);
		if (ret == -EAGAIN && conn->hs_deadline)
			continue;	/* the deadline decides */
		if (ret == -EAGAIN && !kthread_should_stop()) {
			if (time_before(jiffies, last +
					msecs_to_jiffies(READ_ONCE(conn->opts.timeout))))
				continue;
			/* Not an idle link (-EAGAIN to the receiver): dead. */
			rblk_conn_error(conn, "peer %s stopped for %u ms in the middle of a packet",
					conn->peer_node, READ_ONCE(conn->opts.timeout));
			ret = -ETIMEDOUT;
			break;
		}
		if (ret <= 0) {
			ret = ret ? ret : -ECONNRESET;
			break;
		}
		buf += ret;
		len -= ret;
		last = jiffies;
		ret = 0;
	}
	memalloc_noreclaim_restore(noreclaim);
	return ret;
}

void rblk_peer_req_free(struct rblk_peer_req *p)
{
	unsigned int i;

	for (i = 0; i < p->nr_pages; i++)
		if (p->pages[i])
			mempool_free(p->pages[i], rblk_page_pool);
	rblk_peer_uncharge(p->conn, p->charge);
	atomic_dec(&p->conn->owed);
	kfree(p);
}

/* Some resync block in flight overlaps [@sector, +@bytes) (write_lock). */
static bool overlaps_resync(struct rblk_device *dev, sector_t sector,
			    u32 bytes)
{
	sector_t end = sector + (bytes >> SECTOR_SHIFT);
	struct rblk_range *w;

	lockdep_assert_held(&dev->write_lock);
	list_for_each_entry(w, &dev->writes, list)
		if (!w->read && w->sector < end &&
		    sector < w->sector + (w->bytes >> SECTOR_SHIFT))
			return true;
	return false;
}

/*
 * A SyncSource whose SyncTarget is its Primary (a disk attached to that
 * Primary, kmod/resync.c) gets the Primary's writes while it reads and
 * sends resync blocks: a block read before a write reached our disk
 * could land on the Primary's after that write completed there, and
 * undo it. So the answer to a write waits while a resync block that
 * overlaps it is in flight here (claimed, from before its read until
 * its RS_ACK, or the connection's end): the write is still in flight on
 * the Primary when the block reaches it, and the Primary does not write
 * the block but asks for it again (resync_claim()). A block claimed
 * after this check reads the write's data. dev->write_lock
 * orders it with rblk_range_release(). Returns true if held.
 */
static bool hold_ack(struct rblk_peer_req *p)
{
	struct rblk_device *dev = p->conn->dev;
	unsigned long flags;
	bool held;

	if (p->ack_type != RBLK_P_WRITE_ACK || !p->bytes)
		return false;
	spin_lock_irqsave(&dev->write_lock, flags);
	held = overlaps_resync(dev, p->sector, p->bytes);
	if (held)
		list_add_tail(&p->list, &p->conn->held_acks);
	spin_unlock_irqrestore(&dev->write_lock, flags);
	if (held)
		atomic64_inc(&dev->stats.acks_held);
	return held;
}

/* A range was released: the held answers it no longer overlaps go. */
void rblk_recv_release_held(struct rblk_device *dev)
{
	struct rblk_conn *conn = &dev->conn;
	struct rblk_peer_req *p, *t;
	unsigned long flags;
	LIST_HEAD(go);

	spin_lock_irqsave(&dev->write_lock, flags);
	list_for_each_entry_safe(p, t, &conn->held_acks, list)
		if (!overlaps_resync(dev, p->sector, p->bytes))
			list_move_tail(&p->list, &go);
	spin_unlock_irqrestore(&dev->write_lock, flags);
	if (list_empty(&go))
		return;
	spin_lock_irqsave(&conn->lock, flags);
	list_splice_tail(&go, &conn->ack_queue);
	spin_unlock_irqrestore(&conn->lock, flags);
	wake_up(&conn->send_wq);
}

/*
 * Teardown, after the resync stopped (no range of it claimed, no peer
 * write in flight): every answer still held or queued, for @acks.
 */
void rblk_recv_drop_held(struct rblk_conn *conn, struct list_head *acks)
{
	struct rblk_device *dev = conn->dev;
	unsigned long flags;

	spin_lock_irqsave(&dev->write_lock, flags);
	list_splice_tail_init(&conn->held_acks, acks);
	spin_unlock_irqrestore(&dev->write_lock, flags);
	spin_lock_irqsave(&conn->lock, flags);
	list_splice_tail_init(&conn->ack_queue, acks);
	spin_unlock_irqrestore(&conn->lock, flags);
}

static void peer_write_done(struct rblk_peer_req *p, int err)
{
	struct rblk_conn *conn = p->conn;
	unsigned long flags;
	unsigned int i;

	p->status = -err;
	if (p->ack_type == RBLK_P_RS_ACK && !err)
		rblk_resync_target_wrote(conn->dev, p->sector, p->bytes);
	/* A Primary's claim (resync_claim()): after the bits. */
	rblk_range_release(conn->dev, &p->range);
	if (p->disk_ref) {
		p->disk_ref = false;
		rblk_disk_put(conn->dev);
	}
	/*
	 * The data is on disk (or failed): give the pages back now, and
	 * their share of max-buffers; the ACK waits for nothing but the
	 * socket (a bound held until it is sent could close a cycle: each
	 * node waiting for the other to read).
	 */
	for (i = 0; i < p->nr_pages; i++) {
		mempool_free(p->pages[i], rblk_page_pool);
		p->pages[i] = NULL;
	}
	rblk_peer_uncharge(conn, p->charge);
	p->charge = 0;
	if (!hold_ack(p)) {
		/*
		 * No resync block of it in flight: the whole blocks it
		 * covers are in sync once the Primary's part is done too;
		 * none is sent for them (the Primary clears its bits as
		 * its write completes). A block claimed from now on reads
		 * this write. Not a discard's: what they read is anyone's.
		 * Cleared as the answer is queued, under conn->lock: a
		 * SYNC_DONE that our cleared bits allow is queued after it,
		 * and answers go first (send.c), so that the Primary has
		 * read it before it checks its own bits.
		 */
		bool in_sync = p->ack_type == RBLK_P_WRITE_ACK && !err &&
			       p->bytes && !p->discard &&
			       READ_ONCE(conn->rs.attach) &&
			       READ_ONCE(conn->rs.source) &&
			       READ_ONCE(conn->rs.phase) == RBLK_RS_RUNNING;

		spin_lock_irqsave(&conn->lock, flags);
		if (in_sync) {
			rblk_bm_clear(&conn->dev->meta.bm, p->sector, p->bytes,
				      false);
			p->in_sync = true;
		}
		list_add_tail(&p->list, &conn->ack_queue);
		spin_unlock_irqrestore(&conn->lock, flags);
		wake_up(&conn->send_wq);
	}
	if (atomic_dec_and_test(&conn->peer_reqs))
		wake_up(&conn->peer_reqs_wq);
}

static void peer_write_endio(struct bio *bio)
{
	struct rblk_peer_req *p = bio->bi_private;
	struct rblk_device *dev = p->conn->dev;
	int err = blk_status_to_errno(bio->bi_status);

	bio_put(bio);
	if (err && err != -EOPNOTSUPP) {
		/*
		 * This disk lacks the write: marked here too, whatever the
		 * policy (it may change before the fail work runs); a disk
		 * pass_on keeps goes Outdated (kmod/ioerr.c).
		 */
		rblk_bm_set(&dev->meta.bm, p->sector, p->bytes);
		set_bit(RBLK_DISK_F_MISSED, &dev->disk_flags);
	}
	/* After the flag: the fail work it queues sees it. */
	if (err)
		rblk_disk_error(dev, REQ_OP_WRITE, p->sector, err);
	if (err && err != -EOPNOTSUPP && p->ack_type == RBLK_P_RS_ACK)
		rblk_disk_sync_error(dev);
	peer_write_done(p, err);
}

static struct rblk_peer_req *alloc_peer_req(struct rblk_conn *conn,
					    const struct rblk_p_write *w,
					    u32 data_len, u16 ack_type)
{
	unsigned int i, n = DIV_ROUND_UP(data_len, PAGE_SIZE);
	u32 charge = rblk_peer_pages(data_len);
	struct rblk_peer_req *p;
	int ret = rblk_recv_charge(conn, charge);
	unsigned long since = jiffies;

	if (ret)
		return ERR_PTR(ret);
	p = kzalloc(struct_size(p, pages, n), GFP_NOIO);
	if (!p) {
		rblk_peer_uncharge(conn, charge);
		return ERR_PTR(-ENOMEM);
	}
	p->conn = conn;
	INIT_LIST_HEAD(&p->range.list);
	atomic_inc(&conn->owed);
	p->charge = charge;
	p->id = rblk_be64(w->id);
	p->ack_type = ack_type;
	p->sector = rblk_be64(w->sector);
	p->bytes = rblk_be32(w->bytes);
	p->nr_pages = n;
	for (i = 0; i < n; i++)
		p->pages[i] = mempool_alloc(rblk_page_pool, GFP_NOIO);
	rblk_recv_waited(conn, since);
	return p;
}

static int recv_data(struct rblk_conn *conn, struct rblk_peer_req *p, u32 len)
{
	unsigned int i;
	int ret;

	for (i = 0; i < p->nr_pages && len; i++) {
		u32 n = min_t(u32, len, PAGE_SIZE);

		ret = rblk_recv_exact(conn, page_address(p->pages[i]), n);
		if (ret)
			return ret;
		len -= n;
	}
	return 0;
}

static void submit_data(struct rblk_peer_req *p, struct block_device *bdev,
			sector_t sector, u32 bytes, u32 wflags)
{
	blk_opf_t opf = REQ_OP_WRITE | REQ_SYNC;
	struct bio *bio;
	unsigned int i;

	if (wflags & RBLK_WF_FUA)
		opf |= REQ_FUA;
	if (wflags & RBLK_WF_PREFLUSH)
		opf |= REQ_PREFLUSH;
	bio = bio_alloc_bioset(bdev, p->nr_pages, opf, GFP_NOIO, &rblk_bio_set);
	bio->bi_iter.bi_sector = sector;
	bio->bi_private = p;
	bio->bi_end_io = peer_write_endio;
	for (i = 0; i < p->nr_pages; i++) {
		u32 n = min_t(u32, bytes, PAGE_SIZE);

		__bio_add_page(bio, p->pages[i], n, 0);
		bytes -= n;
	}
	submit_bio_noacct(bio);
}

/* Discard and write-zeroes: chains the block layer builds for us. */
static void submit_range(struct rblk_peer_req *p, struct block_device *bdev,
			 sector_t sector, u32 bytes, u32 wflags)
{
	sector_t nr = bytes >> SECTOR_SHIFT;
	struct bio *bio = NULL;
	int ret = 0;

	if (wflags & RBLK_WF_ZEROES)
		ret = __blkdev_issue_zeroout(bdev, sector, nr, GFP_NOIO, &bio, 0);
	else
		ret = rblk_discard_chain(bdev, sector, nr, &bio);
	/* A discard the disk cannot do is a hint not taken, not an error. */
	if (ret == -EOPNOTSUPP && !(wflags & RBLK_WF_ZEROES))
		ret = 0;
	if (!bio) {
		peer_write_done(p, ret);
		return;
	}
	bio->bi_private = p;
	bio->bi_end_io = peer_write_endio;
	submit_bio(bio);
}

/*
 * RS_DATA to a Primary whose new disk this resync fills
 * (RBLK_DISK_F_NEW): its application writes go on meanwhile. A block that
 * a write in flight here overlaps may be older than that write (the
 * source read it before the write reached its disk; hold_ack() there
 * keeps the write in flight here until this block is answered): it is
 * not written now. RS_ACK says EAGAIN, the source sends it again on its
 * next pass, and its bits stay set here, so that reads of it go to the
 * source meanwhile. Otherwise its range is claimed until it is on disk,
 * so that writes that come later wait for it. false: deferred.
 */
static bool resync_claim(struct rblk_peer_req *p)
{
	struct rblk_device *dev = p->conn->dev;

	p->range.sector = p->sector;
	p->range.bytes = p->bytes;
	p->range.read = false;
	if (rblk_range_claim_unless_written(dev, &p->range))
		return true;
	atomic64_add(p->bytes >> 10, &dev->stats.rs_deferred_kib);
	return false;
}

/* WRITE from the Primary, or RS_DATA from the SyncSource. */
static int receive_write(struct rblk_conn *conn, u16 type, const void *fixed,
			 u32 data_len)
{
	const struct rblk_p_write *w = fixed;
	struct rblk_device *dev = conn->dev;
	bool resync = type == RBLK_P_RS_DATA;
	u32 wflags = rblk_be32(w->wflags);
	struct rblk_peer_req *p;
	bool primary_target;
	unsigned int lbs;
	int ret;

	/*
	 * A Primary takes resync blocks for a disk attached to it, of the
	 * size a resync sends (a run of zeros is not bound by its data).
	 */
	primary_target = resync &&
			 READ_ONCE(dev->state.role) == RBLK_ROLE_PRIMARY &&
			 READ_ONCE(dev->state.conn) == RBLK_CONN_SYNC_TARGET;
	if (primary_target && rblk_be32(w->bytes) > RBLK_WIRE_MAX_DATA)
		return rblk_conn_protocol_error(conn, RBLK_WIRE_BAD_PAYLOAD, type);
	if ((READ_ONCE(dev->state.role) != RBLK_ROLE_SECONDARY &&
	     !primary_target) ||
	    (!resync && READ_ONCE(dev->state.peer_role) != RBLK_ROLE_PRIMARY) ||
	    (resync && (conn->rs.source || conn->rs.phase != RBLK_RS_RUNNING)))
		return rblk_conn_protocol_error(conn, RBLK_WIRE_BAD_STATE, type);
	p = alloc_peer_req(conn, w, data_len,
			   resync ? RBLK_P_RS_ACK : RBLK_P_WRITE_ACK);
	if (IS_ERR(p))
		return PTR_ERR(p);
	ret = recv_data(conn, p, data_len);
	if (ret) {
		rblk_peer_req_free(p);
		return ret;
	}
	p->discard = wflags & RBLK_WF_DISCARD;
	atomic_inc(&conn->peer_reqs);
	atomic64_add(data_len >> 10, &dev->stats.received_kib);
	/*
	 * No disk (it failed, or was never here): not acknowledged, so the
	 * Primary marks it, as it marks all it writes once our next STATE
	 * says so.
	 */
	if (!rblk_disk_get(dev)) {
		peer_write_done(p, -EIO);
		return 0;
	}
	p->disk_ref = true;
	/*
	 * Not in whole logical blocks of our disk (the peer's are smaller,
	 * or it lies): the block layer would fail it, a disk error that
	 * detaches a good disk. Nor may it be refused and the connection go
	 * on: we would stay UpToDate without it. No answer, and the
	 * connection ends for good (StandAlone: every such write would end
	 * the next one): the Primary's teardown marks the write, as for any
	 * peer lost, with its new generation and fencing.
	 */
	lbs = bdev_logical_block_size(dev->backing.bdev);
	if (((p->sector << SECTOR_SHIFT) | p->bytes) & (lbs - 1)) {
		rblk_conn_error(conn, "protocol error from peer %s: it wrote %u bytes at sector %llu, not in whole %u-byte blocks of this disk (the two disks need the same logical block size)",
				conn->peer_node, p->bytes,
				(unsigned long long)p->sector, lbs);
		p->disk_ref = false;
		rblk_disk_put(dev);
		rblk_peer_req_free(p);
		if (atomic_dec_and_test(&conn->peer_reqs))
			wake_up(&conn->peer_reqs_wq);
		conn->fatal = true;
		return -EPROTO;
	}
	if (primary_target && !resync_claim(p))
		peer_write_done(p, -RBLK_RS_ACK_AGAIN);
	else if (wflags & (RBLK_WF_DISCARD | RBLK_WF_ZEROES))
		submit_range(p, dev->backing.bdev, p->sector, p->bytes, wflags);
	else
		submit_data(p, dev->backing.bdev, p->sector, p->bytes, wflags);
	return 0;
}

static int receive_ack(struct rblk_conn *conn, u16 type, const void *fixed,
		       u32 data_len)
{
	const struct rblk_p_ack *a = fixed;
	struct rblk_device *dev = conn->dev;
	u64 id = rblk_be64(a->id);
	struct request *rq;
	struct rblk_req *req;

	/* A flush of our own (tl.c): one that is in flight, or a lie. */
	if (rblk_tl_is_barrier(id)) {
		if (rblk_tl_barrier_acked(conn, id, rblk_be32(a->status)))
			return rblk_conn_protocol_error(conn, RBLK_WIRE_BAD_STATE,
							RBLK_P_WRITE_ACK);
		return 0;
	}
	rq = rblk_req_by_wire_id(&dev->tag_set, id);
	req = rq ? blk_mq_rq_to_pdu(rq) : NULL;
	/*
	 * Only an ACK for a write of this connection still waiting for it:
	 * never for a read, whose pages it would complete unfilled.
	 */
	if (!req || req_op(rq) == REQ_OP_READ || READ_ONCE(req->wire_id) != id ||
	    READ_ONCE(req->epoch) != conn->epoch ||
	    atomic_read(&req->remote) != RBLK_REMOTE_PENDING)
		return rblk_conn_protocol_error(conn, RBLK_WIRE_BAD_STATE, RBLK_P_WRITE_ACK);
	if (rblk_be32(a->status)) {
		pr_warn_ratelimited("rblk%d: peer failed a write (error %u)\n",
				    dev->minor, rblk_be32(a->status));
		/* Before it completes on our disk alone (kmod/ioerr.c). */
		WRITE_ONCE(conn->nacked, true);
	}
	/* Our new disk's blocks it covers need no resync (req.c). */
	if ((rblk_be32(a->flags) & RBLK_ACKF_IN_SYNC) &&
	    test_bit(RBLK_RQ_NEEDS_ACK, &req->rflags))
		set_bit(RBLK_RQ_IN_SYNC, &req->rflags);
	rblk_req_remote_done(rq, rblk_be32(a->status) == 0);
	/* The log may have grown past a barrier's worth. */
	rblk_tl_tick(conn, false);
	return 0;
}

static int recv_into_rq(struct rblk_conn *conn, struct request *rq)
{
	struct req_iterator iter;
	struct bio_vec bv;
	int ret;

	rq_for_each_segment(bv, rq, iter) {
		void *p = kmap_local_page(bv.bv_page);

		ret = rblk_recv_exact(conn, p + bv.bv_offset, bv.bv_len);
		kunmap_local(p);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * A read our disk failed, to be written back (req.c read_heal()): into
 * pages of ours, which the reader cannot change, then copied to its own.
 */
static int recv_heal_copy(struct rblk_conn *conn, struct request *rq,
			  u32 bytes)
{
	struct rblk_req *req = blk_mq_rq_to_pdu(rq);
	struct page **pages = req->heal_pages;
	struct req_iterator iter;
	struct bio_vec bv;
	unsigned int i;
	u32 off = 0;
	int ret;

	for (i = 0; off < bytes; i++, off += PAGE_SIZE) {
		void *p = kmap_local_page(pages[i]);

		ret = rblk_recv_exact(conn, p, min_t(u32, bytes - off, PAGE_SIZE));
		kunmap_local(p);
		if (ret)
			return ret;
	}
	off = 0;
	rq_for_each_segment(bv, rq, iter) {
		u32 done = 0;

		while (done < bv.bv_len) {
			u32 in = off & ~PAGE_MASK;
			u32 n = min_t(u32, bv.bv_len - done, PAGE_SIZE - in);

			memcpy_page(bv.bv_page, bv.bv_offset + done,
				    pages[off >> PAGE_SHIFT], in, n);
			done += n;
			off += n;
		}
	}
	set_bit(RBLK_RQ_HEAL_FILLED, &req->rflags);
	return 0;
}

/*
 * The peer's copy of blocks we read while ours are out of sync, or after
 * our disk failed to read them.
 */
static int receive_read_reply(struct rblk_conn *conn, u16 type,
			      const void *fixed, u32 data_len)
{
	const struct rblk_p_ack *a = fixed;
	struct rblk_device *dev = conn->dev;
	u32 status = rblk_be32(a->status);
	u64 id = rblk_be64(a->id);
	struct rblk_req *req;
	struct request *rq;
	int ret;

	rq = rblk_req_by_wire_id(&dev->tag_set, id);
	req = rq ? blk_mq_rq_to_pdu(rq) : NULL;
	if (!req || req_op(rq) != REQ_OP_READ || READ_ONCE(req->wire_id) != id ||
	    READ_ONCE(req->epoch) != conn->epoch ||
	    atomic_read(&req->remote) != RBLK_REMOTE_PENDING)
		return rblk_conn_protocol_error(conn, RBLK_WIRE_BAD_STATE, RBLK_P_READ_REPLY);
	if (data_len != (status ? 0 : req->range.bytes))
		return rblk_conn_protocol_error(conn, RBLK_WIRE_BAD_PAYLOAD, RBLK_P_READ_REPLY);
	if (!status) {
		ret = test_bit(RBLK_RQ_MAY_HEAL, &req->rflags) ?
		      recv_heal_copy(conn, rq, data_len) :
					recv_into_rq(conn, rq);
		if (ret)
			return ret;	/* teardown fails the read */
		atomic64_add(data_len >> 10, &dev->stats.received_kib);
	} else {
		pr_warn_ratelimited("rblk%d: %s: %s could not serve a read of sector %llu (error %u)\n",
				    dev->minor, dev->name, conn->peer_node,
				    (unsigned long long)req->range.sector, status);
	}
	rblk_req_remote_done(rq, status == 0);
	return 0;
}

static int receive_state(struct rblk_conn *conn, u16 type, const void *fixed,
			 u32 data_len)
{
	const struct rblk_p_state *st = fixed;
	struct rblk_peer_state ps = {};
	unsigned long flags;
	int i;

	if (!conn->decided && (conn->features & RBLK_FEAT_SIZES) &&
	    !conn->peer_sizes)
		return rblk_conn_protocol_error(conn, RBLK_WIRE_BAD_STATE, RBLK_P_STATE);
	ps.role = st->role;
	ps.disk_state = st->disk_state;
	ps.state_flags = st->state_flags;
	ps.bits_set = rblk_be64(st->bits_set);
	ps.data_sectors = rblk_be64(st->data_sectors);
	for (i = 0; i < RBLK_UI_COUNT; i++)
		ps.gi.uuid[i] = rblk_be64(st->uuid[i]);
	ps.gi.flags = rblk_be32(st->md_flags);
	spin_lock_irqsave(&conn->lock, flags);
	conn->peer_state = ps;
	spin_unlock_irqrestore(&conn->lock, flags);
	wake_up(&conn->rs.wq);		/* the peer may have resumed a resync */
	return rblk_conn_peer_state_changed(conn);
}

/*
 * SIZES: once, before the peer's first STATE, and only from a peer that
 * said it sends it (RBLK_FEAT_SIZES): the decision needs it.
 */
static int receive_sizes(struct rblk_conn *conn, u16 type, const void *fixed,
			 u32 data_len)
{
	const struct rblk_p_sizes *p = fixed;

	if (!(conn->features & RBLK_FEAT_SIZES) || conn->decided ||
	    conn->peer_sizes)
		return rblk_conn_protocol_error(conn, RBLK_WIRE_BAD_STATE, RBLK_P_SIZES);
	WRITE_ONCE(conn->peer_usable, rblk_be64(p->usable));
	conn->peer_in_use = rblk_be64(p->in_use);
	WRITE_ONCE(conn->peer_sizes, true);
	return 0;
}

static int receive_new_uuid(struct rblk_conn *conn, u16 type,
			    const void *fixed, u32 data_len)
{
	const struct rblk_p_sync *p = fixed;
	int ret;

	ret = rblk_gen_peer_new_uuid(conn->dev, rblk_be64(p->current_uuid));
	if (ret == -EPROTO)
		return rblk_conn_protocol_error(conn, RBLK_WIRE_BAD_STATE, RBLK_P_NEW_UUID);
	return ret;
}

/*
 * PING: one PING_ACK waits to be sent at most; a newer PING updates its
 * cookie (a peer that pings and never reads costs no memory). PING_ACK:
 * the peer is alive and reading.
 */
static int receive_ping(struct rblk_conn *conn, u16 type, const void *fixed,
			u32 data_len)
{
	const struct rblk_p_ping *p = fixed;
	struct rblk_ctl *c;
	unsigned long flags;

	if (type == RBLK_P_PING_ACK) {
		u64 cookie = rblk_be64(p->cookie);

		conn->ping_pending = false;
		/* Only a cookie we sent (rblk_conn_tell() trusts it). */
		if (cookie <= (u64)atomic64_read(&conn->ping_seq) &&
		    cookie > (u64)atomic64_read(&conn->ping_acked))
			/* After the STATE read before it (conn->peer_state). */
			atomic64_set_release(&conn->ping_acked, cookie);
		return 0;
	}
	spin_lock_irqsave(&conn->lock, flags);
	if (conn->ping_ack) {
		memcpy(conn->ping_ack->payload, p, sizeof(*p));
		spin_unlock_irqrestore(&conn->lock, flags);
		return 0;
	}
	spin_unlock_irqrestore(&conn->lock, flags);
	c = rblk_ctl_alloc(RBLK_P_PING_ACK, p, sizeof(*p), 0);
	if (!c)
		return -ENOMEM;
	spin_lock_irqsave(&conn->lock, flags);
	conn->ping_ack = c;	/* only this thread sets it */
	list_add_tail(&c->list, &conn->ctl_queue);
	spin_unlock_irqrestore(&conn->lock, flags);
	wake_up(&conn->send_wq);
	return 0;
}

static int receive_disconnect(struct rblk_conn *conn, u16 type,
			      const void *fixed, u32 data_len)
{
	rblk_conn_error(conn, "peer %s disconnected", conn->peer_node);
	return -ECONNRESET;
}

typedef int (*rblk_recv_fn)(struct rblk_conn *conn, u16 type,
			    const void *fixed, u32 data_len);

/*
 * The handler of each type a connected peer may send; @early: also before
 * the connect decision (the peer may only say who it is); @request: it
 * asks for an answer (conn->owed: a VERIFY_START only when refused).
 * HELLO, AUTH and COMMIT belong to the handshake (conn.c, auth.c): none
 * here.
 */
static const struct {
	rblk_recv_fn fn;
	bool early;
	bool request;
} handlers[__RBLK_P_LAST] = {
	[RBLK_P_STATE]		= { receive_state, true },
	[RBLK_P_PING]		= { receive_ping, true },
	[RBLK_P_PING_ACK]	= { receive_ping, true },
	[RBLK_P_DISCONNECT]	= { receive_disconnect, true },
	[RBLK_P_WRITE]		= { receive_write, false, true },
	[RBLK_P_WRITE_ACK]	= { receive_ack },
	[RBLK_P_READ_REQ]	= { rblk_dreq_receive, false, true },
	[RBLK_P_READ_REPLY]	= { receive_read_reply },
	[RBLK_P_BITMAP]		= { rblk_resync_recv_bitmap },
	[RBLK_P_SYNC_START]	= { rblk_resync_recv_start },
	[RBLK_P_RS_DATA]	= { receive_write, false, true },
	[RBLK_P_RS_ACK]		= { rblk_resync_recv_ack },
	[RBLK_P_SYNC_DONE]	= { rblk_resync_recv_done },
	[RBLK_P_NEW_UUID]	= { receive_new_uuid },
	[RBLK_P_SYNC_REQ]	= { rblk_resync_recv_req },
	[RBLK_P_SIZES]		= { receive_sizes, true },
	[RBLK_P_VERIFY_START]	= { rblk_verify_recv_start, false, true },
	[RBLK_P_VERIFY_REQ]	= { rblk_dreq_receive, false, true },
	[RBLK_P_VERIFY_REPLY]	= { rblk_verify_recv_reply },
	[RBLK_P_VERIFY_DONE]	= { rblk_verify_recv_done },
	[RBLK_P_RS_CSUM]	= { rblk_dreq_receive, false, true },
	[RBLK_P_RS_CSUM_REPLY]	= { rblk_resync_recv_csum_reply },
};

/*
 * What the packet checks of include/rblk/wire.h know of this node. The
 * digest sizes are of what this receiver thread owns (the SyncTarget's
 * csums transform) or of a number (the verify we lead), never of a
 * transform another thread may free.
 */
static void wire_dev(struct rblk_conn *conn, struct rblk_wire_dev *d)
{
	struct rblk_resync *rs = &conn->rs;

	d->sectors = get_capacity(conn->dev->disk);
	d->bm_bytes = rblk_bm_wire_bytes(&conn->dev->meta.bm,
					 conn->features & RBLK_FEAT_SIZES);
	d->csum_size = !rs->source && rs->phase == RBLK_RS_RUNNING &&
		       rs->csums_tfm ? crypto_shash_digestsize(rs->csums_tfm) : 0;
	d->verify_size = READ_ONCE(conn->vf.source) ?
			 rblk_digest_size(READ_ONCE(conn->vf.alg)) : 0;
}

/*
 * Read a packet's fixed part, check it whole against this node (the
 * table of include/rblk/wire.h), then hand it to its handler, which reads
 * the data, if any, and checks what only it knows (the state, the
 * request an answer names).
 */
static int dispatch(struct rblk_conn *conn, u16 type, u32 len)
{
	const struct rblk_wire_type *t = rblk_wire_type(type);
	u8 fixed[RBLK_WIRE_MAX_FIXED] __aligned(8);
	struct rblk_wire_dev d;
	enum rblk_wire_error e;
	int ret, owed;

	/* The header was checked: t is there, len >= t->fixed. */
	if (!handlers[type].fn ||
	    (!conn->decided && !handlers[type].early))
		return rblk_conn_protocol_error(conn, RBLK_WIRE_BAD_STATE, type);
	ret = rblk_recv_exact(conn, fixed, t->fixed);
	if (ret)
		return ret;
	wire_dev(conn, &d);
	e = rblk_wire_check(type, fixed, len - t->fixed, &d);
	if (e)
		return rblk_conn_protocol_error(conn, e, type);
	owed = atomic_read(&conn->owed);
	if (handlers[type].request && owed >= RBLK_OWED_MAX) {
		rblk_conn_error(conn, "peer %s has %d requests waiting for their answers here: it asks without reading them",
				conn->peer_node, owed);
		return -EPROTO;
	}
	return handlers[type].fn(conn, type, fixed, len - t->fixed);
}

/* Receive one header; -EAGAIN if the socket timed out before any byte. */
int rblk_recv_packet_hdr(struct rblk_conn *conn, u16 *type, u32 *len)
{
	struct rblk_wire_hdr h;
	enum rblk_wire_error e;
	struct kvec kv = { .iov_base = &h, .iov_len = sizeof(h) };
	struct msghdr msg = {};
	int ret;

	/*
	 * Whatever part of the header is there; only waiting for its first
	 * byte may time out (an idle link), the rest must follow.
	 */
	ret = kernel_recvmsg(conn->sock, &msg, &kv, 1, sizeof(h), 0);
	if (ret == -EAGAIN)
		return ret;
	if (ret <= 0)
		return ret ? ret : -ECONNRESET;
	conn->pkt_start = jiffies;
	if (ret < sizeof(h)) {
		ret = rblk_recv_exact(conn, (u8 *)&h + ret, sizeof(h) - ret);
		if (ret)
			return ret;
	}
	conn->last_rx = jiffies;
	e = rblk_wire_check_hdr(&h, conn->recv_seq + 1);
	if (e)
		return rblk_conn_protocol_error(conn, e, rblk_be16(h.type));
	conn->recv_seq++;
	*type = rblk_be16(h.type);
	*len = rblk_be32(h.length);
	return 0;
}

/* Receive and handle packets until the connection fails or is stopped. */
int rblk_receiver(struct rblk_conn *conn)
{
	u16 type;
	u32 len;
	int ret;

	while (!kthread_should_stop()) {
		ret = rblk_recv_packet_hdr(conn, &type, &len);
		/* Between packets only: a resync may begin from there. */
		if (ret == -EAGAIN || ret == -EINTR) {
			ret = rblk_conn_idle(conn) ?: rblk_resync_target_poll(conn);
			if (ret)
				return ret;
			continue;
		}
		if (ret)
			return ret;
		ret = dispatch(conn, type, len);
		if (!ret && time_after(jiffies, conn->next_check))
			ret = rblk_conn_idle(conn) ?: rblk_resync_target_poll(conn);
		if (ret)
			return ret;
	}
	return 0;
}

int rblk_recv_init(void)
{
	rblk_page_pool = mempool_create_page_pool(RBLK_WIRE_MAX_DATA / PAGE_SIZE, 0);
	return rblk_page_pool ? 0 : -ENOMEM;
}

void rblk_recv_exit(void)
{
	mempool_destroy(rblk_page_pool);
}
