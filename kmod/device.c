// SPDX-License-Identifier: GPL-2.0
/*
 * The block device side of rblk: /dev/rblkN, its open rules, its backing
 * disk and its role.
 */
#include <linux/blkdev.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/slab.h>

#include <rblk/splitbrain.h>

#include "device.h"
#include "helper.h"
#include "netlink.h"
#include "req.h"

#define RBLK_QUEUE_DEPTH 128

DEFINE_MUTEX(rblk_devices_lock);
static DEFINE_IDR(rblk_minors);
static int rblk_major;

static int rblk_open(RBLK_OPEN_ARGS)
{
	struct rblk_device *dev = RBLK_OPEN_DISK->private_data;
	int ret = 0;

	mutex_lock(&dev->lock);
	if (dev->removing) {
		ret = -ENXIO;
	} else if (RBLK_OPEN_WRITE && dev->role != RBLK_ROLE_PRIMARY) {
		pr_warn_ratelimited("rblk%d: refusing to open %s for writing: it is Secondary; run 'rblkadm primary %s' first\n",
				    dev->minor, dev->name, dev->name);
		ret = -EROFS;
	} else {
		dev->open_count++;
	}
	mutex_unlock(&dev->lock);
	return ret;
}

static void rblk_release(RBLK_RELEASE_ARGS)
{
	struct rblk_device *dev = disk->private_data;

	mutex_lock(&dev->lock);
	dev->open_count--;
	mutex_unlock(&dev->lock);
}

static void rblk_free_disk(struct gendisk *disk)
{
	struct rblk_device *dev = disk->private_data;

	blk_mq_free_tag_set(&dev->tag_set);
	mutex_destroy(&dev->lock);
	kfree(dev);
}

static const struct block_device_operations rblk_fops = {
	.owner = THIS_MODULE,
	.open = rblk_open,
	.release = rblk_release,
	.free_disk = rblk_free_disk,
};

static int init_tag_set(struct rblk_device *dev)
{
	struct blk_mq_tag_set *set = &dev->tag_set;

	set->ops = &rblk_mq_ops;
	set->nr_hw_queues = 1;
	set->queue_depth = RBLK_QUEUE_DEPTH;
	set->numa_node = NUMA_NO_NODE;
	set->cmd_size = sizeof(struct rblk_req);
	/*
	 * No I/O scheduler by default: the backing device has its own, and
	 * one here only moves every dispatch from the submitter to kblockd
	 * (a context switch per request).
	 */
	set->flags = BLK_MQ_F_SHOULD_MERGE | BLK_MQ_F_NO_SCHED_BY_DEFAULT;
	set->driver_data = dev;
	return blk_mq_alloc_tag_set(set);
}

static bool name_in_use(const char *name)
{
	struct rblk_device *dev;
	int id;

	idr_for_each_entry(&rblk_minors, dev, id)
		if (!strcmp(dev->name, name))
			return true;
	return false;
}

static int init_disk(struct rblk_device *dev)
{
	struct gendisk *disk;

	disk = rblk_alloc_disk(&dev->tag_set, dev);
	if (IS_ERR(disk))
		return PTR_ERR(disk);
	disk->major = rblk_major;
	disk->first_minor = dev->minor;
	disk->minors = 1;
	disk->fops = &rblk_fops;
	disk->private_data = dev;
	disk->flags |= GENHD_FL_NO_PART;
	snprintf(disk->disk_name, DISK_NAME_LEN, "rblk%d", dev->minor);
	set_capacity(disk, 0);
	dev->disk = disk;
	return 0;
}

/* Called with rblk_devices_lock held. */
struct rblk_device *rblk_device_create(int minor, const char *name)
{
	struct rblk_device *dev;
	int ret;

	lockdep_assert_held(&rblk_devices_lock);
	if (idr_find(&rblk_minors, minor) || name_in_use(name))
		return ERR_PTR(-EEXIST);
	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return ERR_PTR(-ENOMEM);
	dev->minor = minor;
	strscpy(dev->name, name, sizeof(dev->name));
	mutex_init(&dev->lock);
	spin_lock_init(&dev->write_lock);
	INIT_LIST_HEAD(&dev->writes);
	init_waitqueue_head(&dev->write_wq);
	rblk_conn_init(&dev->conn, dev);
	dev->role = RBLK_ROLE_SECONDARY;
	dev->disk_state = RBLK_DISK_DISKLESS;

	ret = idr_alloc(&rblk_minors, dev, minor, minor + 1, GFP_KERNEL);
	if (ret < 0)
		goto err_free_dev;
	ret = init_tag_set(dev);
	if (ret)
		goto err_remove_idr;
	ret = init_disk(dev);
	if (ret)
		goto err_free_tag_set;
	ret = add_disk(dev->disk);
	if (ret)
		goto err_put_disk;
	pr_info("rblk%d: created for resource %s\n", minor, name);
	return dev;

err_put_disk:
	/* ->free_disk frees the tag set and dev. */
	idr_remove(&rblk_minors, minor);
	put_disk(dev->disk);
	return ERR_PTR(ret);
err_free_tag_set:
	blk_mq_free_tag_set(&dev->tag_set);
err_remove_idr:
	idr_remove(&rblk_minors, minor);
err_free_dev:
	kfree(dev);
	return ERR_PTR(ret);
}

/* Called with rblk_devices_lock held. -EBUSY while the device is open. */
int rblk_device_destroy(struct rblk_device *dev)
{
	lockdep_assert_held(&rblk_devices_lock);
	mutex_lock(&dev->lock);
	if (dev->open_count) {
		mutex_unlock(&dev->lock);
		return -EBUSY;
	}
	dev->removing = true;	/* from here on, opens fail */
	mutex_unlock(&dev->lock);

	rblk_genl_event(dev, RBLK_EVENT_DESTROY);
	rblk_conn_stop(dev);
	del_gendisk(dev->disk);
	rblk_meta_detach(&dev->meta);
	if (dev->backing.bdev)
		rblk_bdev_close(&dev->backing);
	idr_remove(&rblk_minors, dev->minor);
	pr_info("rblk%d: removed\n", dev->minor);
	put_disk(dev->disk);	/* frees dev through ->free_disk */
	return 0;
}

struct rblk_device *rblk_device_find(int minor)
{
	lockdep_assert_held(&rblk_devices_lock);
	return idr_find(&rblk_minors, minor);
}

/* The device with the lowest minor >= *minor; advances *minor past it. */
struct rblk_device *rblk_device_next(int *minor)
{
	struct rblk_device *dev;

	lockdep_assert_held(&rblk_devices_lock);
	dev = idr_get_next(&rblk_minors, minor);
	if (dev)
		(*minor)++;
	return dev;
}

static int attach_locked(struct rblk_device *dev, struct rblk_bdev *b,
			 const char *path, const char *meta_path,
			 bool meta_internal)
{
	struct request_queue *q = dev->disk->queue;
	sector_t size = bdev_nr_sectors(b->bdev);
	int ret = 0;

	lockdep_assert_held(&dev->lock);
	if (dev->backing.bdev)
		return -EEXIST;
	if (meta_internal || meta_path) {
		ret = rblk_meta_attach(&dev->meta, b->bdev, meta_path, dev);
		if (ret)
			return ret;
		if (dev->meta.crash_marked_kib)
			pr_warn("rblk%d: %s: this node crashed while Primary: the activity log marks %llu KiB of %s for resync\n",
				dev->minor, dev->name, dev->meta.crash_marked_kib, path);
		size = rblk_meta_data_sectors(&dev->meta);
	}
	blk_mq_freeze_queue(q);
	ret = rblk_set_limits(dev->disk, b->bdev);
	if (!ret) {
		dev->backing = *b;
		strscpy(dev->backing_path, path, sizeof(dev->backing_path));
		dev->disk_state = rblk_meta_disk_state(&dev->meta);
	}
	blk_mq_unfreeze_queue(q);
	if (ret) {
		rblk_meta_detach(&dev->meta);
		return ret;
	}
	set_capacity_and_notify(dev->disk, size);
	return 0;
}

/*
 * Open the backing disk and, if asked, check its metadata; the device's
 * size and disk state follow from them.
 */
int rblk_device_attach(struct rblk_device *dev, const char *path,
		       const char *meta_path, bool meta_internal)
{
	struct rblk_bdev b;
	int ret;

	ret = rblk_bdev_open(&b, path, dev);
	if (ret)
		return ret;
	mutex_lock(&dev->lock);
	ret = attach_locked(dev, &b, path, meta_path, meta_internal);
	mutex_unlock(&dev->lock);
	if (ret) {
		rblk_bdev_close(&b);
		return ret;
	}
	pr_info("rblk%d: attached %s (%llu sectors, %s metadata, disk %s)\n",
		dev->minor, path, (unsigned long long)get_capacity(dev->disk),
		meta_path ? "external" : meta_internal ? "internal" : "no",
		dev->disk_state == RBLK_DISK_UPTODATE ? "UpToDate" : "not UpToDate");
	return 0;
}

/*
 * Stop using the backing disk; I/O fails until a disk is attached again.
 * Refused while open: an opener would see its disk vanish under it.
 */
int rblk_device_detach(struct rblk_device *dev)
{
	struct rblk_bdev b;

	mutex_lock(&dev->lock);
	if (!dev->backing.bdev || dev->open_count || dev->conn.worker) {
		int ret = !dev->backing.bdev ? -ENXIO :
			  dev->open_count ? -EBUSY : -EISCONN;

		mutex_unlock(&dev->lock);
		return ret;
	}
	blk_mq_freeze_queue(dev->disk->queue);
	b = dev->backing;
	dev->backing.bdev = NULL;
	dev->disk_state = RBLK_DISK_DISKLESS;
	blk_mq_unfreeze_queue(dev->disk->queue);
	rblk_meta_detach(&dev->meta);
	mutex_unlock(&dev->lock);
	rblk_bdev_close(&b);
	pr_info("rblk%d: detached %s\n", dev->minor, dev->backing_path);
	return 0;
}

/* A forced promotion: this disk's data becomes the newest generation. */
static void force_up_to_date(struct rblk_device *dev)
{
	struct rblk_gi *gi = &dev->meta.gi;

	if (dev->meta.present) {
		rblk_gi_new_current(gi, get_random_u64() | 1);
		gi->flags |= RBLK_MDF_CONSISTENT | RBLK_MDF_WAS_UP_TO_DATE;
		gi->flags &= ~RBLK_MDF_FULL_SYNC;
	}
	dev->disk_state = RBLK_DISK_UPTODATE;
	dev->diverged = true;
}

/*
 * A Primary without its peer: whatever it writes, the peer lacks. A new
 * generation now, before the first write, so that a crashed old Primary
 * coming back finds itself behind (rule 8) rather than ahead (rule 5).
 */
static void start_alone(struct rblk_device *dev)
{
	if (!dev->meta.present || dev->diverged)
		return;
	rblk_gi_new_current(&dev->meta.gi, get_random_u64() | 1);
	dev->meta.gi.flags |= RBLK_MDF_PEER_OUTDATED;
	dev->diverged = true;
}

static int check_promote(struct rblk_device *dev, bool force)
{
	if (rblk_conn_is_up(READ_ONCE(dev->conn.cstate)) &&
	    READ_ONCE(dev->conn.peer_state.role) == RBLK_ROLE_PRIMARY)
		return -EEXIST;
	if (!dev->backing.bdev)
		return -ENODATA;
	if (dev->disk_state != RBLK_DISK_UPTODATE && !force)
		return -ENODATA;
	return 0;
}

static int change_role(struct rblk_device *dev, enum rblk_role role,
		       bool force)
{
	int ret;

	if (role == RBLK_ROLE_SECONDARY && dev->open_count) {
		pr_warn("rblk%d: cannot become Secondary: device is held open (%u openers)\n",
			dev->minor, dev->open_count);
		return -EBUSY;
	}
	if (role == RBLK_ROLE_PRIMARY) {
		ret = check_promote(dev, force);
		if (ret)
			return ret;
		if (dev->disk_state != RBLK_DISK_UPTODATE)
			force_up_to_date(dev);
		else if (!rblk_conn_is_up(READ_ONCE(dev->conn.cstate)))
			start_alone(dev);
		ret = rblk_al_reset(&dev->meta);
		if (ret)
			return ret;
		dev->meta.gi.flags |= RBLK_MDF_PRIMARY;
	} else {
		dev->meta.gi.flags &= ~RBLK_MDF_PRIMARY;
	}
	/* A crash from here on must be seen as a crashed Primary. */
	ret = rblk_meta_write(&dev->meta);
	if (ret)
		return ret;
	dev->role = role;
	return 0;
}

int rblk_device_set_role(struct rblk_device *dev, enum rblk_role role,
			 bool force)
{
	bool forced;
	int ret = 0;

	/*
	 * The peer decides on the role our first STATE said: a change waits
	 * for the handshake's end, then the peer hears of it.
	 */
	for (;;) {
		mutex_lock(&dev->lock);
		if (role == dev->role || !READ_ONCE(dev->conn.handshake))
			break;
		mutex_unlock(&dev->lock);
		if (wait_event_interruptible(dev->conn.handshake_wq,
					     !READ_ONCE(dev->conn.handshake)))
			return -EINTR;
	}
	forced = role == RBLK_ROLE_PRIMARY && role != dev->role &&
		 dev->disk_state != RBLK_DISK_UPTODATE;
	if (role != dev->role)
		ret = change_role(dev, role, force);
	mutex_unlock(&dev->lock);
	if (ret)
		return ret;
	pr_info("rblk%d: %s: role %s\n", dev->minor, dev->name,
		role == RBLK_ROLE_PRIMARY ? "Primary" : "Secondary");
	/* Forced onto a connected peer: decide the (full) resync now. */
	if (forced && rblk_conn_is_up(rblk_conn_state(dev))) {
		rblk_conn_reconnect(&dev->conn);
		return 0;
	}
	if (rblk_conn_is_up(rblk_conn_state(dev)))
		rblk_queue_state(&dev->conn);
	return 0;
}

/* Called with rblk_devices_lock held: one connect/disconnect at a time. */
int rblk_device_connect(struct rblk_device *dev, const struct rblk_conn *cfg)
{
	struct rblk_conn *conn = &dev->conn;
	int ret;

	lockdep_assert_held(&rblk_devices_lock);
	if (!dev->backing.bdev)
		return -ENODATA;
	if (conn->worker && !conn->fatal)
		return -EALREADY;
	rblk_conn_stop(dev);	/* a connection that gave up, if any */
	conn->net = cfg->net;
	conn->local = cfg->local;
	conn->peer = cfg->peer;
	conn->addrlen = cfg->addrlen;
	memcpy(conn->node, cfg->node, sizeof(conn->node));
	memcpy(conn->peer_node, cfg->peer_node, sizeof(conn->peer_node));
	conn->opts = cfg->opts;
	conn->flags = cfg->flags;
	conn->stopping = false;
	ret = rblk_conn_start(dev, conn);
	if (ret)
		conn->net = NULL;
	return ret;
}

int rblk_device_disconnect(struct rblk_device *dev)
{
	lockdep_assert_held(&rblk_devices_lock);
	if (!dev->conn.worker)
		return -ENOTCONN;
	rblk_conn_stop(dev);
	return 0;
}

/* What a connect leads to, once the generations are compared. */
enum sync_action {
	SYNC_NONE,
	SYNC_SOURCE,
	SYNC_TARGET,
};

static const char *const asb_names[] = {
	"disconnect", "discard-younger-primary", "discard-older-primary",
	"discard-zero-changes", "discard-least-changes", "discard-local",
	"discard-remote", "consensus", "discard-secondary",
};

/*
 * Both nodes changed data since their common generation. --discard-my-data
 * or an after-sb policy may say whose changes go (include/rblk/splitbrain.h);
 * otherwise the connection is refused with what each side has and how to
 * resolve it.
 */
static int split_brain(struct rblk_device *dev, const struct rblk_peer_state *ps,
		       bool full, bool won, enum sync_action *action)
{
	struct rblk_conn *conn = &dev->conn;
	struct rblk_sb_side l = {
		.primary = dev->role == RBLK_ROLE_PRIMARY,
		.lost_as_primary = dev->meta.gi.flags & (RBLK_MDF_LOST_AS_PRIMARY |
							 RBLK_MDF_CRASHED_PRIMARY),
		.discard_my_data = conn->flags & RBLK_F_DISCARD_MY_DATA,
		.changes = rblk_bm_weight(&dev->meta.bm),
	}, p = {
		.primary = ps->role == RBLK_ROLE_PRIMARY,
		.lost_as_primary = ps->gi.flags & (RBLK_MDF_LOST_AS_PRIMARY |
						   RBLK_MDF_CRASHED_PRIMARY),
		.discard_my_data = ps->state_flags & RBLK_SF_DISCARD_MY_DATA,
		.changes = ps->bits_set,
	};
	int primaries = l.primary + p.primary;
	enum rblk_sb_verdict v;

	v = rblk_sb_resolve(conn->opts.after_sb, &l, &p, won);
	if (v != RBLK_SB_REFUSE) {
		pr_warn("rblk%d: %s: split brain detected and resolved (%s): %s changes are discarded\n",
			dev->minor, dev->name,
			l.discard_my_data || p.discard_my_data ? "--discard-my-data" :
			asb_names[conn->opts.after_sb[min(primaries, 2)]],
			v == RBLK_SB_LOCAL_LOSES ? "this node's" : "the peer's");
		*action = v == RBLK_SB_LOCAL_LOSES ? SYNC_TARGET : SYNC_SOURCE;
		return full;
	}
	rblk_helper(dev, "split-brain");
	rblk_conn_error(conn, "split brain detected: this node and %s both wrote since generation %016llx (here %llu KiB changed, there %llu KiB); refusing to connect. Keep one node's data: on the other run 'rblkadm disconnect %s; rblkadm secondary %s; rblkadm connect --discard-my-data %s', then 'rblkadm connect %s' here",
			conn->peer_node, dev->meta.gi.uuid[RBLK_UI_BITMAP],
			l.changes * 4, p.changes * 4,
			dev->name, dev->name, dev->name, dev->name);
	return -ENOTUNIQ;
}

/*
 * Same generation, but blocks marked out of sync on a side (a verify found
 * them, or the peer failed a write): resync them from the Primary, or from
 * the side that marked them; both sides reach the same answer.
 */
static enum sync_action same_generation_marks(struct rblk_device *dev,
					      const struct rblk_peer_state *ps,
					      bool won)
{
	/* What both sides decide on: the counts in the first STATEs. */
	u64 mine = dev->conn.sent_bits, theirs = ps->bits_set;

	if (!mine && !theirs)
		return SYNC_NONE;
	if (dev->disk_state < RBLK_DISK_CONSISTENT ||
	    ps->disk_state < RBLK_DISK_CONSISTENT)
		return SYNC_NONE;
	pr_info("rblk%d: %s: same generation, %llu KiB marked out of sync here, %llu KiB on %s\n",
		dev->minor, dev->name, mine * 4, theirs * 4, dev->conn.peer_node);
	if (dev->role == RBLK_ROLE_PRIMARY)
		return SYNC_SOURCE;
	if (ps->role == RBLK_ROLE_PRIMARY)
		return SYNC_TARGET;
	if (mine && theirs)
		return won ? SYNC_SOURCE : SYNC_TARGET;
	return mine ? SYNC_SOURCE : SYNC_TARGET;
}

/*
 * The peer's first STATE: can the two disks be used together, and which
 * way does a resync go? The generation table (include/rblk/gi.h,
 * docs/generations.md) decides. Returns 1 for a full resync, 0 or -errno.
 */
static int decide_sync(struct rblk_device *dev, const struct rblk_peer_state *ps,
		       bool won, enum sync_action *action)
{
	struct rblk_conn *conn = &dev->conn;
	enum rblk_gi_result r;
	int rule;

	*action = SYNC_NONE;
	r = rblk_gi_compare(&dev->meta.gi, &ps->gi, won, &rule);
	pr_info("rblk%d: %s: generations: %s (rule %d of docs/generations.md)\n",
		dev->minor, dev->name, rblk_gi_result_name(r), rule);
	switch (r) {
	case RBLK_GI_NO_SYNC:
		dev->diverged = false;
		dev->meta.gi.flags &= ~RBLK_MDF_LOST_AS_PRIMARY;
		/* Same generation, both consistent: both are current. */
		if (dev->disk_state == RBLK_DISK_CONSISTENT &&
		    ps->disk_state >= RBLK_DISK_CONSISTENT)
			dev->disk_state = RBLK_DISK_UPTODATE;
		*action = same_generation_marks(dev, ps, won);
		return 0;
	case RBLK_GI_BOTH_NEW:
		return 0;
	case RBLK_GI_BITMAP_SOURCE:
	case RBLK_GI_FULL_SOURCE:
		*action = SYNC_SOURCE;
		return r == RBLK_GI_FULL_SOURCE;
	case RBLK_GI_BITMAP_TARGET:
	case RBLK_GI_FULL_TARGET:
		*action = SYNC_TARGET;
		return r == RBLK_GI_FULL_TARGET;
	case RBLK_GI_SPLIT_BRAIN:
	case RBLK_GI_SPLIT_BRAIN_FULL:
		return split_brain(dev, ps, r == RBLK_GI_SPLIT_BRAIN_FULL, won,
				   action);
	default:
		rblk_conn_error(conn, "the disks hold unrelated data (no common generation, rule %d of docs/generations.md); refusing to connect to %s. If %s's data is to be thrown away, run 'rblkadm invalidate %s' there",
				rule, conn->peer_node, conn->peer_node, dev->name);
		return -ENOTUNIQ;
	}
}

int rblk_device_peer_connected(struct rblk_device *dev,
			       const struct rblk_peer_state *ps, bool won)
{
	enum sync_action action = SYNC_NONE;
	enum rblk_disk_state before;
	int ret = 0;

	mutex_lock(&dev->lock);
	before = dev->disk_state;
	if (ps->data_sectors != get_capacity(dev->disk)) {
		rblk_conn_error(&dev->conn, "size mismatch: peer %s has %llu sectors, this node %llu; both data areas must be the same size",
				dev->conn.peer_node, ps->data_sectors,
				(unsigned long long)get_capacity(dev->disk));
		ret = -EMEDIUMTYPE;
	} else if (dev->meta.present &&
		   memcmp(dev->meta.gi.uuid, dev->conn.sent_uuid,
			  sizeof(dev->conn.sent_uuid))) {
		/* The peer decides on what we sent: so must we. */
		rblk_conn_error(&dev->conn, "the generations changed during the handshake with %s; connecting again",
				dev->conn.peer_node);
		ret = -EAGAIN;
	} else if (dev->meta.present) {
		ret = decide_sync(dev, ps, won, &action);
	}
	if (action == SYNC_TARGET && dev->role == RBLK_ROLE_PRIMARY) {
		rblk_conn_error(&dev->conn, "%s has newer data, but this node is Primary and cannot become SyncTarget; refusing to connect. Make this node Secondary first (or, to keep this node's data, run 'rblkadm invalidate %s' on %s)",
				dev->conn.peer_node, dev->name, dev->conn.peer_node);
		ret = -EBUSY;
	}
	mutex_unlock(&dev->lock);
	if (ret < 0)
		return ret;
	if (action != SYNC_NONE)
		return rblk_resync_begin(dev, action == SYNC_SOURCE, ret == 1);
	if (before != dev->disk_state)
		return rblk_queue_state(&dev->conn);
	return 0;
}

static void invalidate_local(struct rblk_device *dev)
{
	struct rblk_gi *gi = &dev->meta.gi;

	if (rblk_gi_real(gi->uuid[RBLK_UI_CURRENT]))
		rblk_gi_push_history(gi, gi->uuid[RBLK_UI_CURRENT]);
	gi->uuid[RBLK_UI_CURRENT] = RBLK_UUID_JUST_CREATED;
	gi->uuid[RBLK_UI_BITMAP] = 0;
	gi->flags &= ~(RBLK_MDF_CONSISTENT | RBLK_MDF_WAS_UP_TO_DATE |
		       RBLK_MDF_PEER_OUTDATED);
	gi->flags |= RBLK_MDF_FULL_SYNC;
	rblk_bm_set_all(&dev->meta.bm);
	dev->disk_state = RBLK_DISK_INCONSISTENT;
}

static void invalidate_remote(struct rblk_device *dev)
{
	struct rblk_gi *gi = &dev->meta.gi;

	/* The peer's generations end up in our history: rule 11, full. */
	if (gi->uuid[RBLK_UI_BITMAP])
		rblk_gi_push_history(gi, gi->uuid[RBLK_UI_BITMAP]);
	if (rblk_gi_real(gi->uuid[RBLK_UI_CURRENT]))
		rblk_gi_push_history(gi, gi->uuid[RBLK_UI_CURRENT]);
	gi->uuid[RBLK_UI_BITMAP] = 0;
	gi->uuid[RBLK_UI_CURRENT] = get_random_u64() | 1;
	gi->flags |= RBLK_MDF_CONSISTENT | RBLK_MDF_WAS_UP_TO_DATE |
		     RBLK_MDF_PEER_OUTDATED;
	gi->flags &= ~RBLK_MDF_FULL_SYNC;
	rblk_bm_set_all(&dev->meta.bm);
	dev->disk_state = RBLK_DISK_UPTODATE;
	dev->diverged = true;
	/*
	 * What we know of the peer until the reconnect: its data is no good
	 * (no read goes there, and status never shows the pair in sync).
	 */
	spin_lock_irq(&dev->conn.lock);
	if (rblk_conn_is_up(dev->conn.cstate))
		dev->conn.peer_state.disk_state = RBLK_DISK_INCONSISTENT;
	spin_unlock_irq(&dev->conn.lock);
}

/*
 * invalidate: this node's data is to be replaced by the peer's, all of it;
 * invalidate-remote: the peer's by ours. The new generations make the next
 * connect decide a full resync that way (rules 2 and 11 of
 * docs/generations.md); a live connection is dropped to get there.
 */
int rblk_device_invalidate(struct rblk_device *dev, bool remote)
{
	int ret = 0;

	mutex_lock(&dev->lock);
	if (!dev->backing.bdev || !dev->meta.present)
		ret = -ENODATA;
	else if (!remote && dev->role == RBLK_ROLE_PRIMARY)
		ret = -EBUSY;
	else if (READ_ONCE(dev->conn.cstate) == RBLK_CONN_SYNC_SOURCE ||
		 READ_ONCE(dev->conn.cstate) == RBLK_CONN_SYNC_TARGET)
		ret = -EINPROGRESS;
	if (!ret) {
		if (remote)
			invalidate_remote(dev);
		else
			invalidate_local(dev);
		ret = rblk_bm_flush(&dev->meta);
		if (!ret)
			ret = rblk_meta_write(&dev->meta);
	}
	mutex_unlock(&dev->lock);
	if (ret)
		return ret;
	pr_info("rblk%d: %s: %s: a full resync %s follows\n", dev->minor,
		dev->name, remote ? "invalidate-remote" : "invalidate",
		remote ? "to the peer" : "from the peer");
	if (rblk_conn_is_up(rblk_conn_state(dev)))
		rblk_conn_reconnect(&dev->conn);
	return 0;
}

/* Both disks just created, connected, nothing written: a pair already. */
static bool fresh_pair(struct rblk_device *dev)
{
	struct rblk_conn *conn = &dev->conn;

	return READ_ONCE(conn->cstate) == RBLK_CONN_CONNECTED &&
	       dev->meta.gi.uuid[RBLK_UI_CURRENT] == RBLK_UUID_JUST_CREATED &&
	       READ_ONCE(conn->peer_state.gi.uuid[RBLK_UI_CURRENT]) ==
			RBLK_UUID_JUST_CREATED;
}

/* Take generation @uuid as in sync with the peer: UpToDate, no bits. */
static int adopt_uuid(struct rblk_device *dev, u64 uuid)
{
	rblk_bm_clear_all(&dev->meta.bm);
	rblk_gi_sync_target_done(&dev->meta.gi, uuid);
	dev->disk_state = RBLK_DISK_UPTODATE;
	dev->diverged = false;
	return rblk_bm_flush(&dev->meta) ?: rblk_meta_write(&dev->meta);
}

/*
 * new-current-uuid: start a new generation here. With --clear-bitmap on
 * two fresh connected disks (identical by construction, e.g. both zeroed
 * or about to be initialized by mkfs): both take the same generation and
 * are UpToDate without a resync; the peer learns it from NEW_UUID.
 */
int rblk_device_new_current_uuid(struct rblk_device *dev, bool clear)
{
	struct rblk_p_sync p = {};
	u64 uuid = get_random_u64() | 1;
	int ret = 0;

	mutex_lock(&dev->lock);
	if (!dev->backing.bdev || !dev->meta.present)
		ret = -ENODATA;
	else if (clear && !fresh_pair(dev))
		ret = -ESTALE;
	else if (clear)
		ret = adopt_uuid(dev, uuid);
	else {
		rblk_gi_new_current(&dev->meta.gi, uuid);
		ret = rblk_meta_write(&dev->meta);
	}
	mutex_unlock(&dev->lock);
	if (ret || !clear)
		return ret;
	pr_info("rblk%d: %s: new generation %016llx on both nodes, no initial resync\n",
		dev->minor, dev->name, uuid);
	rblk_put_be64(p.current_uuid, uuid);
	ret = rblk_queue_ctl(&dev->conn, RBLK_P_NEW_UUID, &p, sizeof(p));
	return ret ?: rblk_queue_state(&dev->conn);
}

/* NEW_UUID from the peer: only a fresh pair may take it. */
int rblk_device_peer_new_uuid(struct rblk_device *dev, u64 uuid)
{
	int ret = -EPROTO;

	mutex_lock(&dev->lock);
	if (dev->meta.present &&
	    dev->meta.gi.uuid[RBLK_UI_CURRENT] == RBLK_UUID_JUST_CREATED)
		ret = adopt_uuid(dev, uuid);
	mutex_unlock(&dev->lock);
	if (ret)
		return ret;
	pr_info("rblk%d: %s: took generation %016llx from %s: UpToDate, no initial resync\n",
		dev->minor, dev->name, uuid, dev->conn.peer_node);
	return rblk_queue_state(&dev->conn);
}

/*
 * A Primary is about to have data the peer lacks: start a new generation
 * first, on disk, so that no crash can hide that the two disks differ
 * (docs/generations.md). Once per disconnected period.
 */
int rblk_device_write_without_peer(struct rblk_device *dev)
{
	int ret = 0;

	if (READ_ONCE(dev->diverged) || !dev->meta.present)
		return 0;
	mutex_lock(&dev->lock);
	if (!dev->diverged && dev->role == RBLK_ROLE_PRIMARY) {
		rblk_gi_new_current(&dev->meta.gi, get_random_u64() | 1);
		dev->meta.gi.flags |= RBLK_MDF_PEER_OUTDATED;
		ret = rblk_meta_write(&dev->meta);
		if (!ret) {
			dev->diverged = true;
			pr_info("rblk%d: %s: writing without the peer: new generation %016llx\n",
				dev->minor, dev->name, dev->meta.gi.uuid[RBLK_UI_CURRENT]);
		}
	}
	mutex_unlock(&dev->lock);
	return ret;
}

/* The connection ended while we were Primary (after-sb policies ask). */
void rblk_device_lost_peer_as_primary(struct rblk_device *dev)
{
	mutex_lock(&dev->lock);
	dev->meta.gi.flags |= RBLK_MDF_LOST_AS_PRIMARY;
	mutex_unlock(&dev->lock);
	/* Writes the flag with the new generation, or on its own. */
	if (READ_ONCE(dev->diverged) && dev->meta.present) {
		mutex_lock(&dev->lock);
		rblk_meta_write(&dev->meta);
		mutex_unlock(&dev->lock);
	}
	rblk_device_write_without_peer(dev);
	/* disk { fencing } decides in userspace whether the peer is fenced. */
	rblk_helper(dev, "fence-peer");
}

void rblk_device_peer_lost(struct rblk_device *dev)
{
	rblk_genl_event(dev, RBLK_EVENT_CHANGE);
}

int rblk_device_init(void)
{
	rblk_major = register_blkdev(0, "rblk");
	return rblk_major < 0 ? rblk_major : 0;
}

/* Module unload: nothing can be open (each opener pins the module). */
void rblk_device_exit(void)
{
	struct rblk_device *dev;
	int id;

	mutex_lock(&rblk_devices_lock);
	idr_for_each_entry(&rblk_minors, dev, id)
		WARN_ON(rblk_device_destroy(dev));
	mutex_unlock(&rblk_devices_lock);
	idr_destroy(&rblk_minors);
	unregister_blkdev(rblk_major, "rblk");
}
