/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RBLK_HELPER_H
#define RBLK_HELPER_H

struct rblk_device;

int rblk_helper(struct rblk_device *dev, const char *event);

#endif /* RBLK_HELPER_H */
