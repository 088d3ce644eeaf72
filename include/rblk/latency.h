/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The write latency histogram: how long writes to /dev/rblkN took, from
 * the moment the block layer handed them to rblk to their completion (both
 * disks have them, under protocol C; one, without a peer).
 *
 * rblk.ko counts each completed write (REQ_OP_WRITE: not flushes, discards
 * or write-zeroes) in the first bucket whose upper bound is not below its
 * latency, and adds the latency to a sum; RBLK_A_WRITE_LATENCY reports
 * both (include/rblk/genl.h). Counts per bucket are not cumulative on the
 * wire; `rblkadm status --metrics` makes them so for Prometheus.
 *
 * Pure static inline code: compiled into rblk.ko, rblkadm and the unit tests.
 */
#ifndef RBLK_LATENCY_H
#define RBLK_LATENCY_H

#include "types.h"

/* Upper bounds in microseconds; the last bucket has none (+Inf). */
static const u64 rblk_lat_bounds_us[] = {
	100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000,
	250000, 500000, 1000000, 2500000, 5000000, 10000000,
};

#define RBLK_LAT_BOUNDS	(sizeof(rblk_lat_bounds_us) / sizeof(rblk_lat_bounds_us[0]))
#define RBLK_LAT_BUCKETS (RBLK_LAT_BOUNDS + 1)

/* The bucket of a write that took @us microseconds. */
static inline unsigned int rblk_lat_bucket(u64 us)
{
	unsigned int i;

	for (i = 0; i < RBLK_LAT_BOUNDS; i++)
		if (us <= rblk_lat_bounds_us[i])
			return i;
	return RBLK_LAT_BOUNDS;
}

#endif /* RBLK_LATENCY_H */
