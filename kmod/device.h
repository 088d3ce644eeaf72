/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RBLK_DEVICE_H
#define RBLK_DEVICE_H

#include <linux/blk-mq.h>
#include <linux/mutex.h>
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/percpu-refcount.h>
#include <linux/workqueue.h>
#include <rblk/genl.h>
#include <rblk/latency.h>

#include "compat.h"
#include "conn.h"
#include "fence.h"
#include "meta.h"
#include "state.h"

struct rblk_stats {
	atomic64_t read_kib, written_kib, reads, writes, flushes, discards;
	atomic64_t io_errors;
	atomic64_t sent_kib, received_kib, connects, resynced_kib;
	atomic64_t rs_skipped_kib, rs_zero_kib;
	atomic64_t refused_addr, auth_failures;
	atomic64_t read_retries, healed;
	atomic64_t rs_deferred_kib, acks_held;	/* kmod/recv.c */
	atomic_t in_flight;
};

/*
 * Completed writes by latency (include/rblk/latency.h), per CPU: a write's
 * completion touches no line another CPU's does. Summed when reported.
 */
struct rblk_wlat {
	u64 sum_us;
	u64 buckets[RBLK_LAT_BUCKETS];
};

enum rblk_disk_flags {
	RBLK_DISK_F_ERROR,	/* an I/O error since the attach */
	RBLK_DISK_F_REASON,	/* ... and ->disk_error says which */
	RBLK_DISK_F_HELPER,	/* ... and local-io-error is due for it */
	RBLK_DISK_F_DETACH,	/* Failed by 'rblkadm detach', not an error */
	RBLK_DISK_F_STALE,	/* a write completed on the peer's copy alone:
				 * this disk lacks it (detached, even a
				 * Primary's: kmod/ioerr.c) */
	RBLK_DISK_F_TOLD,	/* ... after the peer read our disk's failure */
	RBLK_DISK_F_UNTOLD,	/* ... which it cannot now: such writes fail */
	RBLK_DISK_F_META,	/* a metadata I/O error: detached whatever
				 * on-io-error says */
	RBLK_DISK_F_MISSED,	/* a peer's write failed here (pass_on) */
	RBLK_DISK_F_SYNC_ERR,	/* a resync's or verify's I/O failed here */
	RBLK_DISK_F_NEW,	/* attached to a Primary its peer serves,
				 * until its resync is done: the peer's copy
				 * is the one of record (kmod/resync.c) */
};

/*
 * One replicated device, /dev/rblk<minor>. Lifetime: created by netlink,
 * freed from ->free_disk once the gendisk's last reference is gone, so an
 * opener racing with removal never sees freed memory.
 */
struct rblk_device {
	int minor;
	char name[RBLK_RESOURCE_NAME_MAX];
	struct gendisk *disk;
	struct blk_mq_tag_set tag_set;

	/*
	 * Protects state (with conn.lock: state.h has the rules), the
	 * metadata in memory, open_count, removing and backing changes.
	 * Readers in the I/O path look at ->backing without it: attach and
	 * detach freeze the queue, so it is stable while a request is in
	 * flight.
	 */
	struct mutex lock;
	struct rblk_state state;	/* written by state.c only */
	struct rblk_bdev backing;
	char backing_path[RBLK_PATH_MAX];
	u64 size_limit;			/* `size` of the attached disk, sectors;
					 * 0: none */
	unsigned int open_count;
	bool removing;
	struct rblk_meta meta;
	bool diverged;		/* new current UUID made since last in sync */

	/* Writes in flight, so that overlapping ones are serialized. */
	spinlock_t write_lock;
	struct list_head writes;
	wait_queue_head_t write_wq;

	/*
	 * The backing disk in use (kmod/ioerr.c): live while one is
	 * attached and has not failed; I/O reaching it from outside
	 * dev->lock holds a reference. disk_idle: no reference left.
	 */
	struct percpu_ref disk_ref;
	struct completion disk_idle;
	struct work_struct disk_fail_work;
	unsigned long disk_flags;	/* enum rblk_disk_flags */
	/* What the fail work waits for (set by ioerr.c's fail_begin()). */
	bool fail_busy;
	unsigned int fail_teardowns;
	/*
	 * A Primary without a disk: the peer's generation that serves it
	 * (0: none), presented instead of its own in a handshake (gen.c).
	 * Under dev->lock.
	 */
	u64 served_uuid;
	/* At the failure (fail_begin()): our disk's and the peer's current. */
	u64 fail_own_uuid, fail_peer_uuid;
	/* Writes on the peer's copy alone, until it knows (ioerr.c). */
	spinlock_t untold_lock;
	struct list_head untold;
	u32 on_io_error;		/* enum rblk_on_io_error */
	atomic_t heal_buffers;		/* req.c: read retries holding pages */
	char disk_error[128];		/* the error that failed it */

	struct rblk_conn conn;
	struct rblk_fence fence;
	struct rblk_stats stats;
	struct rblk_wlat __percpu *wlat;
};

/* Serializes device creation/removal and lookups by minor or name. */
extern struct mutex rblk_devices_lock;

int rblk_device_init(void);
void rblk_device_exit(void);

struct rblk_device *rblk_device_create(int minor, const char *name);
int rblk_device_destroy(struct rblk_device *dev);
struct rblk_device *rblk_device_find(int minor);
struct rblk_device *rblk_device_next(int *minor);

int rblk_device_attach(struct rblk_device *dev, const char *path,
		       const char *meta_path, bool meta_internal, u64 limit,
		       struct netlink_ext_ack *extack);
int rblk_device_detach(struct rblk_device *dev, struct netlink_ext_ack *extack);
int rblk_device_connect(struct rblk_device *dev, const struct rblk_conn *cfg);
int rblk_device_disconnect(struct rblk_device *dev);

#endif /* RBLK_DEVICE_H */
