// SPDX-License-Identifier: GPL-2.0
/*
 * Block digests for online verify and checksum-based resync: one digest
 * per 4 KiB block with the kernel crypto API (enum rblk_digest_alg names
 * which), and the answering side of both, which reads its copy of a range
 * and sends digests (VERIFY_REPLY) or says which blocks differ
 * (RS_CSUM_REPLY). The same machinery answers READ_REQ with the data
 * itself, for a SyncTarget reading blocks it does not have yet.
 */
#include <linux/bio.h>
#include <linux/highmem.h>
#include <linux/slab.h>

#include "conn.h"
#include "device.h"
#include "ioerr.h"
#include "digest.h"
#include "req.h"

/* A transform for @alg, or ERR_PTR: -ENOENT unknown, -EOPNOTSUPP missing. */
struct crypto_shash *rblk_digest_tfm(unsigned int alg)
{
	struct crypto_shash *tfm;

	if (!rblk_digest_size(alg))
		return ERR_PTR(-ENOENT);
	tfm = crypto_alloc_shash(rblk_digest_name(alg), 0, 0);
	if (IS_ERR(tfm))
		return ERR_PTR(-EOPNOTSUPP);
	if (crypto_shash_digestsize(tfm) != rblk_digest_size(alg)) {
		crypto_free_shash(tfm);
		return ERR_PTR(-EOPNOTSUPP);
	}
	return tfm;
}

/* One digest per 4 KiB block of @bytes in @pages (a page is a block). */
int rblk_digest_blocks(struct crypto_shash *tfm, struct page **pages,
		       u32 bytes, u8 *out)
{
	unsigned int ds = crypto_shash_digestsize(tfm), i;
	SHASH_DESC_ON_STACK(desc, tfm);
	int ret = 0;

	BUILD_BUG_ON(PAGE_SIZE != RBLK_DIGEST_BLOCK);
	desc->tfm = tfm;
	for (i = 0; bytes && !ret; i++) {
		u32 n = min_t(u32, bytes, PAGE_SIZE);
		void *p = kmap_local_page(pages[i]);

		ret = crypto_shash_digest(desc, p, n, out + i * ds);
		kunmap_local(p);
		bytes -= n;
	}
	shash_desc_zero(desc);
	return ret;
}

/* gfp: GFP_NOIO, with __GFP_NORETRY where the caller must not wait. */
struct page **rblk_pages_alloc(unsigned int n, gfp_t gfp)
{
	struct page **pages = kcalloc(n, sizeof(*pages), gfp);
	unsigned int i;

	if (!pages)
		return NULL;
	for (i = 0; i < n; i++) {
		pages[i] = alloc_page(gfp | __GFP_NOWARN);
		if (!pages[i]) {
			rblk_pages_free(pages, n);
			return NULL;
		}
	}
	return pages;
}

void rblk_pages_free(struct page **pages, unsigned int n)
{
	unsigned int i;

	if (!pages)
		return;
	for (i = 0; i < n; i++)
		if (pages[i])
			__free_page(pages[i]);
	kfree(pages);
}

/* A bio over the first bytes of pages (whole pages but the last). */
struct bio *rblk_pages_bio(struct block_device *bdev, blk_opf_t opf,
			   sector_t sector, struct page **pages, u32 bytes)
{
	unsigned int i, n = DIV_ROUND_UP(bytes, PAGE_SIZE);
	struct bio *bio;

	bio = bio_alloc_bioset(bdev, n, opf, GFP_NOIO, &rblk_bio_set);
	bio->bi_iter.bi_sector = sector;
	for (i = 0; i < n; i++) {
		u32 len = min_t(u32, bytes, PAGE_SIZE);

		__bio_add_page(bio, pages[i], len, 0);
		bytes -= len;
	}
	return bio;
}

int rblk_read_pages(struct block_device *bdev, sector_t sector,
		    struct page **pages, u32 bytes)
{
	struct bio *bio = rblk_pages_bio(bdev, REQ_OP_READ, sector, pages,
					 bytes);
	int ret;

	ret = submit_bio_wait(bio);
	bio_put(bio);
	return ret;
}

static void dreq_free(struct rblk_dreq *d)
{
	unsigned int i;

	for (i = 0; i < d->nr_pages; i++)
		if (d->pages[i])
			__free_page(d->pages[i]);
	rblk_peer_uncharge(d->conn, d->charge);
	atomic_dec(&d->conn->owed);
	kfree(d);
}

/* READ_REPLY: the status, then the data if it is 0, copied once. */
static void read_reply(struct rblk_dreq *d, int err)
{
	struct rblk_p_ack a = {};
	struct rblk_ctl *c = NULL;
	unsigned int i;

	rblk_put_be64(a.id, d->id);
	if (!err) {
		c = rblk_ctl_alloc(RBLK_P_READ_REPLY, &a, sizeof(a), d->bytes);
		err = c ? 0 : -ENOMEM;
	}
	if (err) {
		rblk_put_be32(a.status, -err);
		/* No memory even for that: the peer's read must not hang. */
		if (rblk_queue_answer(d->conn, RBLK_P_READ_REPLY, &a, sizeof(a),
				      NULL, 0))
			rblk_conn_reconnect(d->conn);
		return;
	}
	for (i = 0; i < d->nr_pages; i++)
		memcpy_from_page(rblk_ctl_data(c) + i * PAGE_SIZE, d->pages[i], 0,
				 min_t(u32, d->bytes - i * PAGE_SIZE, PAGE_SIZE));
	atomic64_add(d->bytes >> 10, &d->conn->dev->stats.sent_kib);
	/*
	 * The reply (a copy) takes over the request's share of max-buffers
	 * until it is sent (rblk_recv_charge); any other ends with the
	 * request.
	 */
	c->charge = d->charge;
	d->charge = 0;
	c->owed = true;
	atomic_inc(&d->conn->owed);
	rblk_queue_ctl_item(d->conn, c);
}

static void dreq_reply(struct rblk_dreq *d, int err, const u8 *mine)
{
	struct rblk_conn *conn = d->conn;
	unsigned int ds = crypto_shash_digestsize(d->tfm);
	u32 blocks = DIV_ROUND_UP(d->bytes, RBLK_DIGEST_BLOCK), i;
	int ret;

	if (d->type == RBLK_P_VERIFY_REQ) {
		struct rblk_p_digest r = {};

		rblk_put_be64(r.id, d->id);
		rblk_put_be64(r.sector, d->sector);
		rblk_put_be32(r.bytes, d->bytes);
		rblk_put_be32(r.status, -err);
		ret = rblk_queue_answer(conn, RBLK_P_VERIFY_REPLY, &r, sizeof(r),
					err ? NULL : mine, err ? 0 : blocks * ds);
	} else {
		struct rblk_p_csum_reply r = {};
		u64 differ = 0;

		for (i = 0; !err && i < blocks; i++) {
			u32 off = i * RBLK_DIGEST_BLOCK;

			if (memcmp(mine + i * ds, d->peer + i * ds, ds))
				differ |= 1ULL << i;
			else	/* the same here already: in sync */
				rblk_resync_target_wrote(conn->dev,
					d->sector + (off >> SECTOR_SHIFT),
					min_t(u32, d->bytes - off, RBLK_DIGEST_BLOCK));
		}
		rblk_put_be64(r.id, d->id);
		rblk_put_be32(r.status, -err);
		rblk_put_be64(r.differ, differ);
		ret = rblk_queue_answer(conn, RBLK_P_RS_CSUM_REPLY, &r, sizeof(r),
					NULL, 0);
	}
	/* An answer lost to memory would stall the peer's resync or verify. */
	if (ret)
		rblk_conn_reconnect(conn);
}

static void dreq_work(struct work_struct *w)
{
	struct rblk_dreq *d = container_of(w, struct rblk_dreq, work);
	struct rblk_conn *conn = d->conn;
	bool read = d->type == RBLK_P_READ_REQ;
	u8 *mine = read ? NULL :
		   kmalloc(RBLK_DIGEST_MAX_BLOCKS * RBLK_DIGEST_MAX_SIZE, GFP_NOIO);
	int ret = mine || read ? 0 : -ENOMEM;

	/* Not READ_REQ: a resync's or verify's read (kmod/ioerr.c). */
	if (!ret)
		ret = rblk_disk_read(conn->dev, d->sector, d->pages, d->bytes,
				     !read);
	if (read)
		read_reply(d, ret);
	else if (!ret)
		ret = rblk_digest_blocks(d->tfm, d->pages, d->bytes, mine);
	if (!read)
		dreq_reply(d, ret, mine);
	kfree(mine);
	dreq_free(d);
	if (atomic_dec_and_test(&conn->peer_reqs))
		wake_up(&conn->peer_reqs_wq);
}

/*
 * VERIFY_REQ (we are VerifyT) or RS_CSUM (we are SyncTarget): take the
 * request off the wire; a work item reads, digests and answers.
 */
int rblk_dreq_receive(struct rblk_conn *conn, u16 type, const void *fixed,
		      u32 data_len)
{
	/* READ_REQ and VERIFY_REQ are a read_req, RS_CSUM a digest header. */
	const struct rblk_p_read_req *q = fixed;
	const struct rblk_p_digest *h = fixed;
	struct rblk_device *dev = conn->dev;
	struct crypto_shash *tfm;
	unsigned int i, n;
	struct rblk_dreq *d;
	unsigned long since;
	u32 bytes, charge;
	u64 sector;
	int ret;

	BUILD_BUG_ON(offsetof(struct rblk_p_read_req, sector) !=
		     offsetof(struct rblk_p_digest, sector) ||
		     offsetof(struct rblk_p_read_req, bytes) !=
		     offsetof(struct rblk_p_digest, bytes));
	sector = rblk_be64(q->sector);
	bytes = rblk_be32(q->bytes);
	if (type == RBLK_P_READ_REQ) {
		/*
		 * Only UpToDate data is served; the asker fails the read. Not
		 * from a disk that goes after an error, nor from one that
		 * failed a write (and we NACKed) before its Failed or
		 * Outdated state is known to the asker (kmod/ioerr.c); a disk
		 * on-io-error pass_on keeps after a read error serves on.
		 */
		if (READ_ONCE(dev->state.disk) != RBLK_DISK_UPTODATE ||
		    rblk_disk_failing(dev) ||
		    test_bit(RBLK_DISK_F_MISSED, &dev->disk_flags) ||
		    !dev->backing.bdev) {
			struct rblk_p_ack a = {};

			memcpy(a.id, q->id, 8);
			rblk_put_be32(a.status, ENODATA);
			return rblk_queue_answer(conn, RBLK_P_READ_REPLY, &a,
						 sizeof(a), NULL, 0);
		}
		tfm = NULL;
		goto alloc;
	}
	if (type == RBLK_P_VERIFY_REQ)
		tfm = conn->vf.source ? NULL : conn->vf.tfm;
	else	/* its digests are of this transform's size (checked) */
		tfm = conn->rs.source || conn->rs.phase != RBLK_RS_RUNNING ?
		      NULL : conn->rs.csums_tfm;
	if (!tfm && type == RBLK_P_VERIFY_REQ && conn->vf.running &&
	    !conn->vf.source) {
		/* VERIFY_START named a digest this kernel lacks. */
		struct rblk_p_digest r = {};

		memcpy(r.id, q->id, 8);
		memcpy(r.sector, q->sector, 8);
		memcpy(r.bytes, q->bytes, 4);
		rblk_put_be32(r.status, EOPNOTSUPP);
		return rblk_queue_answer(conn, RBLK_P_VERIFY_REPLY, &r,
					 sizeof(r), NULL, 0);
	}
	if (!tfm || !dev->backing.bdev)
		return rblk_conn_protocol_error(conn, RBLK_WIRE_BAD_STATE, type);
alloc:
	n = DIV_ROUND_UP(bytes, PAGE_SIZE);
	/* Its pages, and a page for the request (the peer's digests). */
	charge = rblk_peer_pages(bytes) + 1;
	ret = rblk_recv_charge(conn, charge);
	if (ret)
		return ret;
	since = jiffies;
	d = kzalloc(struct_size(d, pages, n), GFP_NOIO);
	rblk_recv_waited(conn, since);
	if (!d) {
		rblk_peer_uncharge(conn, charge);
		return -ENOMEM;
	}
	d->conn = conn;
	atomic_inc(&conn->owed);
	d->charge = charge;
	d->tfm = tfm;
	d->type = type;
	d->id = rblk_be64(h->id);
	d->sector = sector;
	d->bytes = bytes;
	d->nr_pages = n;
	ret = data_len ? rblk_recv_exact(conn, d->peer, data_len) : 0;
	for (i = 0; !ret && i < n; i++) {
		d->pages[i] = alloc_page(GFP_NOIO);
		if (!d->pages[i])
			ret = -ENOMEM;
	}
	if (ret) {
		dreq_free(d);
		return ret;
	}
	if (type == RBLK_P_VERIFY_REQ)	/* the target's progress */
		WRITE_ONCE(conn->vf.pos, sector + (bytes >> SECTOR_SHIFT));
	atomic_inc(&conn->peer_reqs);
	INIT_WORK(&d->work, dreq_work);
	queue_work(system_unbound_wq, &d->work);
	return 0;
}
