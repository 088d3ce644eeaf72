/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RBLK_NETLINK_H
#define RBLK_NETLINK_H

#include <rblk/genl.h>

struct rblk_device;

int rblk_genl_init(void);
void rblk_genl_exit(void);
void rblk_genl_event(struct rblk_device *dev, enum rblk_event event);
void rblk_genl_state_event(struct rblk_device *dev);

#endif /* RBLK_NETLINK_H */
