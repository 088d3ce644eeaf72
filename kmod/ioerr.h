/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RBLK_IOERR_H
#define RBLK_IOERR_H

#include <linux/blk_types.h>
#include <linux/types.h>

struct rblk_device;
struct netlink_ext_ack;
struct page;

int rblk_disk_ref_init(struct rblk_device *dev);
void rblk_disk_ref_exit(struct rblk_device *dev);
void rblk_disk_ref_live(struct rblk_device *dev);
void rblk_disk_ref_drain(struct rblk_device *dev);
bool rblk_disk_get(struct rblk_device *dev);
void rblk_disk_put(struct rblk_device *dev);
bool rblk_disk_usable(struct rblk_device *dev);
void rblk_disk_stale(struct rblk_device *dev);
enum rblk_untold {
	RBLK_UNTOLD_GO,		/* the peer knows: the write succeeds */
	RBLK_UNTOLD_HELD,	/* held until the peer knows, or cannot */
	RBLK_UNTOLD_FAIL,	/* it cannot: the write fails */
};
enum rblk_untold rblk_disk_hold_untold(struct rblk_device *dev,
				       struct request *rq);
void rblk_disk_release_untold(struct rblk_device *dev, bool told);

void rblk_disk_error(struct rblk_device *dev, enum req_op op, sector_t sector,
		     int err);
void rblk_disk_sync_error(struct rblk_device *dev);
bool rblk_disk_failing(struct rblk_device *dev);
void rblk_disk_policy_changed(struct rblk_device *dev);
void rblk_disk_meta_error(struct rblk_device *dev, enum req_op op,
			  sector_t sector, int err);
void rblk_disk_error_recheck(struct rblk_device *dev);
void rblk_disk_error_cancel(struct rblk_device *dev);
void rblk_disk_drop_new(struct rblk_device *dev, const char *why);
void rblk_disk_new_done(struct rblk_device *dev);
int rblk_disk_detach(struct rblk_device *dev, unsigned int flags,
		     struct netlink_ext_ack *extack);
int rblk_disk_read(struct rblk_device *dev, sector_t sector,
		   struct page **pages, u32 bytes, bool sync);

#endif /* RBLK_IOERR_H */
