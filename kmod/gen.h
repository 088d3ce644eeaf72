/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RBLK_GEN_H
#define RBLK_GEN_H

#include <linux/types.h>
#include <rblk/genl.h>

struct rblk_device;
struct rblk_peer_state;

int rblk_gen_role_change(struct rblk_device *dev, enum rblk_role role,
			 bool forced);
int rblk_gen_peer_connected(struct rblk_device *dev,
			    const struct rblk_peer_state *ps, bool won);
void rblk_gen_lost_peer_as_primary(struct rblk_device *dev, bool suspended);
u64 rblk_gen_current(struct rblk_device *dev);
int rblk_gen_detach_primary(struct rblk_device *dev);
int rblk_gen_attach_primary(struct rblk_device *dev);
int rblk_gen_write_without_peer(struct rblk_device *dev);
void rblk_gen_peer_disk_failed(struct rblk_device *dev);
int rblk_gen_invalidate(struct rblk_device *dev, bool remote,
			struct netlink_ext_ack *extack);
int rblk_gen_new_current_uuid(struct rblk_device *dev, bool clear,
			      struct netlink_ext_ack *extack);
int rblk_gen_outdate(struct rblk_device *dev, struct netlink_ext_ack *extack);
int rblk_gen_peer_new_uuid(struct rblk_device *dev, u64 uuid);

#endif /* RBLK_GEN_H */
