/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * Generic netlink client for rblk.ko (libnl-genl). All kernel access by
 * rblkadm goes through here.
 */
#ifndef RBLK_NL_H
#define RBLK_NL_H

#include <stdbool.h>
#include <stdint.h>

struct plan_step;

/* One device as the kernel reports it (RBLK_CMD_GET_DEVICE). */
struct rblk_dev_info {
	uint32_t minor;
	char resource[64];
	char backing_dev[256];
	uint64_t size_sectors;
	uint8_t role, disk_state;
	uint32_t open_count, open_writers;
	uint64_t stats[16];	/* indexed by RBLK_STAT_* */
};

/*
 * Execute one step of a plan (see plan.h) against the kernel. Returns 0 or
 * a negative errno; prints its own error message with a hint.
 */
int rblk_nl_exec(const struct plan_step *step);

#endif
