/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RBLK_DIGEST_H
#define RBLK_DIGEST_H

#include <crypto/hash.h>
#include <linux/workqueue.h>
#include <rblk/wire.h>

struct rblk_conn;

/*
 * A digest request from the peer (VERIFY_REQ or RS_CSUM): read the range
 * from our disk, digest each 4 KiB block and answer, off the receiver
 * thread. Counted in conn->peer_reqs, so teardown waits for it.
 */
struct rblk_dreq {
	struct work_struct work;
	struct rblk_conn *conn;
	struct crypto_shash *tfm;
	u16 type;			/* what came: VERIFY_REQ or RS_CSUM */
	u64 id;
	sector_t sector;
	u32 bytes;
	u32 charge;			/* pages of conn->peer_pages, to the answer */
	u8 peer[RBLK_DIGEST_MAX_BLOCKS * RBLK_DIGEST_MAX_SIZE]; /* RS_CSUM's */
	unsigned int nr_pages;
	struct page *pages[];
};

struct crypto_shash *rblk_digest_tfm(unsigned int alg);
int rblk_digest_blocks(struct crypto_shash *tfm, struct page **pages,
		       u32 bytes, u8 *out);
int rblk_read_pages(struct block_device *bdev, sector_t sector,
		    struct page **pages, u32 bytes);
struct bio *rblk_pages_bio(struct block_device *bdev, blk_opf_t opf,
			   sector_t sector, struct page **pages, u32 bytes);
struct page **rblk_pages_alloc(unsigned int n, gfp_t gfp);
void rblk_pages_free(struct page **pages, unsigned int n);
int rblk_dreq_receive(struct rblk_conn *conn, u16 type, const void *fixed,
		      u32 data_len);

#endif /* RBLK_DIGEST_H */
