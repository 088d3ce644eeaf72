// SPDX-License-Identifier: GPL-2.0
/*
 * The block device side of rblk: /dev/rblkN, its open rules, its backing
 * disk and its role.
 */
#include <linux/blkdev.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "device.h"
#include "gen.h"
#include "ioerr.h"
#include "netlink.h"
#include "req.h"
#include "state.h"

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
	} else if (RBLK_OPEN_WRITE && dev->state.role != RBLK_ROLE_PRIMARY) {
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
	rblk_disk_ref_exit(dev);
	free_percpu(dev->wlat);
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
	set->flags = RBLK_MQ_F_SHOULD_MERGE | BLK_MQ_F_NO_SCHED_BY_DEFAULT;
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
	dev->wlat = alloc_percpu(struct rblk_wlat);
	if (!dev->wlat) {
		kfree(dev);
		return ERR_PTR(-ENOMEM);
	}
	ret = rblk_disk_ref_init(dev);
	if (ret) {
		free_percpu(dev->wlat);
		kfree(dev);
		return ERR_PTR(ret);
	}
	dev->minor = minor;
	strscpy(dev->name, name, sizeof(dev->name));
	mutex_init(&dev->lock);
	spin_lock_init(&dev->write_lock);
	INIT_LIST_HEAD(&dev->writes);
	spin_lock_init(&dev->untold_lock);
	INIT_LIST_HEAD(&dev->untold);
	init_waitqueue_head(&dev->write_wq);
	rblk_conn_init(&dev->conn, dev);
	rblk_fence_init(&dev->fence);
	rblk_state_init(dev);

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
	/*
	 * ->free_disk runs only for a disk add_disk() added (GD_ADDED):
	 * the rest is ours to free, the tag set after the queue.
	 */
	put_disk(dev->disk);
err_free_tag_set:
	blk_mq_free_tag_set(&dev->tag_set);
err_remove_idr:
	idr_remove(&rblk_minors, minor);
err_free_dev:
	rblk_disk_ref_exit(dev);
	free_percpu(dev->wlat);
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

	/* A failing disk's work runs to its end (it sees ->removing). */
	rblk_disk_error_cancel(dev);
	/* The connection's last change is announced before the device goes. */
	rblk_conn_stop(dev);
	/* No peer to learn of our disk's failure now. */
	rblk_disk_release_untold(dev, false);
	/* Its teardown may have started the fence-peer handler: not waited. */
	rblk_fence_stop(dev);
	rblk_genl_event(dev, RBLK_EVENT_DESTROY);
	del_gendisk(dev->disk);
	rblk_disk_ref_drain(dev);
	/* The last I/O of the disk is done: no error can queue it again. */
	rblk_disk_error_cancel(dev);
	rblk_meta_detach(&dev->meta);	/* no write to a disk that failed */
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
			 bool meta_internal, u64 limit)
{
	struct request_queue *q = dev->disk->queue;
	sector_t size = bdev_nr_sectors(b->bdev);
	struct rblk_state ns;
	unsigned int memflags;
	int ret = 0;

	lockdep_assert_held(&dev->lock);
	/* A failed disk is being let go (kmod/ioerr.c): Diskless soon. */
	if (dev->state.disk == RBLK_DISK_FAILED)
		return -EAGAIN;
	if (dev->backing.bdev)
		return -EEXIST;
	/* A disk meets the peer in a handshake before either trusts it. */
	if (dev->conn.worker)
		return -EISCONN;
	/* A resync moves 4 KiB blocks: a SyncTarget must take them. */
	if (bdev_logical_block_size(b->bdev) > RBLK_DIGEST_BLOCK) {
		pr_err("rblk%d: %s: %s has %u-byte logical blocks; rblk takes disks of %u bytes at most\n",
		       dev->minor, dev->name, path,
		       bdev_logical_block_size(b->bdev), RBLK_DIGEST_BLOCK);
		return -EINVAL;
	}
	/* What a failed disk's metadata left in memory (no connection). */
	if (dev->meta.failed)
		rblk_meta_detach(&dev->meta);
	/* Without metadata the disk, or `size` of it: nothing is recorded. */
	if (limit && limit < size)
		size = round_down(limit, RBLK_MD_BLOCK >> SECTOR_SHIFT);
	if (meta_internal || meta_path) {
		ret = rblk_meta_attach(&dev->meta, b->bdev, meta_path, dev, limit);
		if (ret)
			return ret;
		if (dev->meta.crash_marked_kib)
			pr_warn("rblk%d: %s: this node crashed while Primary: the activity log marks %llu KiB of %s for resync\n",
				dev->minor, dev->name, dev->meta.crash_marked_kib, path);
		size = rblk_meta_data_sectors(&dev->meta);
	}
	/* Checked before the disk is installed: a refusal leaves nothing. */
	ns = dev->state;
	ns.disk = rblk_meta_disk_state(&dev->meta);
	ret = rblk_state_try(dev, &ns, RBLK_SC_ADMIN | RBLK_SC_ATTACH, NULL);
	if (ret) {
		rblk_meta_detach(&dev->meta);
		return ret;
	}
	ret = rblk_freeze_set_limits(dev->disk, b->bdev, &memflags);
	if (!ret) {
		dev->backing = *b;
		strscpy(dev->backing_path, path, sizeof(dev->backing_path));
		dev->size_limit = limit;
		rblk_disk_ref_live(dev);
		/* From here its metadata's I/O errors are the disk's. */
		dev->meta.dev = dev;
	}
	rblk_unfreeze_queue(q, memflags);
	if (ret) {
		rblk_meta_detach(&dev->meta);
		return ret;
	}
	set_capacity_and_notify(dev->disk, size);
	/* Announced with its size: the disk state is what the metadata says. */
	return rblk_state_commit(dev, &ns, RBLK_SC_ADMIN | RBLK_SC_ATTACH,
				 "attach", NULL);
}

/*
 * May a disk come to this Primary now (kmod/resync.c, "A Primary's new
 * disk")? Served by its connected UpToDate Secondary, at a generation it
 * knows, nothing else under way, and a peer that knows how. dev->lock
 * held.
 */
static int served_attach_check(struct rblk_device *dev,
			       struct netlink_ext_ack *extack)
{
	struct rblk_conn *conn = &dev->conn;
	const struct rblk_state *s = &dev->state;

	lockdep_assert_held(&dev->lock);
	if (s->role != RBLK_ROLE_PRIMARY || s->disk != RBLK_DISK_DISKLESS) {
		NL_SET_ERR_MSG(extack, "rblk: the device changed meanwhile (role or disk): try again");
		return s->disk == RBLK_DISK_FAILED ? -EAGAIN : -EBUSY;
	}
	if (!conn->worker || READ_ONCE(conn->fatal) ||
	    s->conn != RBLK_CONN_CONNECTED || s->peer_role != RBLK_ROLE_SECONDARY ||
	    s->peer_disk != RBLK_DISK_UPTODATE || READ_ONCE(conn->handshake) ||
	    !dev->served_uuid || READ_ONCE(conn->rs.phase) != RBLK_RS_IDLE) {
		NL_SET_ERR_MSG(extack, "rblk: this Primary takes a disk only while its UpToDate Secondary serves it (connected, nothing else under way)");
		return -ENOTCONN;
	}
	if (!(conn->features & RBLK_FEAT_PRIMARY_ATTACH)) {
		NL_SET_ERR_MSG(extack, "rblk: the peer's rblk cannot resync a disk to a Primary: make this node Secondary first");
		return -EOPNOTSUPP;
	}
	return 0;
}

/*
 * A disk for a Primary its peer serves: it comes in as the SyncTarget
 * of a full resync, in one state change, the connection kept (kmod/
 * resync.c). The queue is frozen first, outside dev->lock: a request in
 * flight may wait for an ACK that the receiver, blocked on dev->lock,
 * would not read. Then no request runs while the disk, its metadata and
 * the state change. The queue's limits stay (the device is in use): the
 * new disk must have its logical block size. The served generation
 * stays too, should the disk go again before its resync is done.
 */
static int attach_served(struct rblk_device *dev, struct rblk_bdev *b,
			 const char *path, const char *meta_path,
			 bool meta_internal, u64 limit,
			 struct netlink_ext_ack *extack)
{
	struct request_queue *q = dev->disk->queue;
	unsigned int memflags;
	struct rblk_state ns;
	u64 served;
	int ret;

	if (!meta_internal && !meta_path) {
		NL_SET_ERR_MSG(extack, "rblk: a Primary's disk needs metadata (internal or external)");
		return -EINVAL;
	}
	if (bdev_logical_block_size(b->bdev) != queue_logical_block_size(q)) {
		NL_SET_ERR_MSG(extack, "rblk: the disk's logical block size differs from the device's, which is in use");
		return -EINVAL;
	}
	/* What the device promises its users, the disk must do too. */
	if ((bdev_max_discard_sectors(dev->disk->part0) &&
	     !bdev_max_discard_sectors(b->bdev)) ||
	    (bdev_write_zeroes_sectors(dev->disk->part0) &&
	     !bdev_write_zeroes_sectors(b->bdev))) {
		NL_SET_ERR_MSG(extack, "rblk: the disk cannot discard or write zeroes as the device's first disk could");
		return -EINVAL;
	}
	/*
	 * Checked before the freeze too: a freeze waits for every request,
	 * under rblk_devices_lock, which a suspended one would need to be
	 * resumed (a served Primary is never suspended for fencing).
	 */
	mutex_lock(&dev->lock);
	ret = served_attach_check(dev, extack);
	mutex_unlock(&dev->lock);
	if (ret)
		return ret;
	memflags = rblk_freeze_queue(q);
	mutex_lock(&dev->lock);
	ret = served_attach_check(dev, extack);
	if (ret)
		goto out_unlock;
	served = dev->served_uuid;
	/* What the failed disk left in memory, as attach_locked(). */
	if (dev->meta.failed)
		rblk_meta_detach(&dev->meta);
	ret = rblk_meta_attach(&dev->meta, b->bdev, meta_path, dev, limit);
	if (ret)
		goto out_unlock;
	/*
	 * It takes the device's size, which its data area must give; with
	 * an older peer (whole bitmaps on the wire) that is all of it.
	 */
	if (rblk_meta_set_size(&dev->meta, get_capacity(dev->disk), true) ||
	    (!(dev->conn.features & RBLK_FEAT_SIZES) &&
	     (dev->meta.layout.data_bytes >> SECTOR_SHIFT != get_capacity(dev->disk) ||
	      rblk_meta_usable_sectors(&dev->meta) != get_capacity(dev->disk)))) {
		pr_err("rblk%d: %s: %s gives %llu KiB (its data area, within size); the device is %llu KiB\n",
		       dev->minor, dev->name, path,
		       rblk_meta_usable_sectors(&dev->meta) / 2,
		       (unsigned long long)get_capacity(dev->disk) / 2);
		if (rblk_meta_usable_sectors(&dev->meta) < get_capacity(dev->disk))
			NL_SET_ERR_MSG(extack, "rblk: the disk is smaller than the device (its data area, within size): give it a larger disk");
		else if (!(dev->conn.features & RBLK_FEAT_SIZES))
			NL_SET_ERR_MSG(extack, "rblk: the peer's rblk is older: the disk's data area must be the device's size exactly");
		else
			NL_SET_ERR_MSG(extack, "rblk: the device's size is not whole 4 KiB blocks: a disk with metadata cannot take it");
		ret = -ENOSPC;
		goto out_meta;
	}
	ns = dev->state;
	ns.disk = RBLK_DISK_INCONSISTENT;
	ns.conn = RBLK_CONN_SYNC_TARGET;
	ret = rblk_state_try(dev, &ns, RBLK_SC_ADMIN | RBLK_SC_ATTACH, extack);
	if (ret)
		goto out_meta;
	/* Bits past it go: its superblock says "resync all" first (gen.c). */
	WARN_ON_ONCE(rblk_meta_set_size(&dev->meta, get_capacity(dev->disk), false));
	ret = rblk_gen_attach_primary(dev);
	if (ret) {
		NL_SET_ERR_MSG(extack, "rblk: cannot write the disk's metadata");
		goto out_meta;
	}
	/* SYNC_REQ first: our STATE, which says Inconsistent, follows it. */
	ret = rblk_resync_arm_target(dev);
	if (ret)
		goto out_meta;
	dev->backing = *b;
	strscpy(dev->backing_path, path, sizeof(dev->backing_path));
	dev->size_limit = limit;
	rblk_disk_ref_live(dev);
	dev->served_uuid = served;
	set_bit(RBLK_DISK_F_NEW, &dev->disk_flags);
	/*
	 * The peer knows our disk failed (we are served at its generation):
	 * should this one go before it is resynced, writes on the peer's
	 * copy alone go on as before; rblk_disk_new_done() ends it.
	 */
	set_bit(RBLK_DISK_F_TOLD, &dev->disk_flags);
	dev->meta.dev = dev;
	ret = rblk_state_commit(dev, &ns, RBLK_SC_ADMIN | RBLK_SC_ATTACH,
				"attach to a Primary: a full resync follows",
				extack);
	if (ret)	/* cannot be: rblk_state_try() said yes under the lock */
		pr_err("rblk%d: %s: the attached disk's state cannot be set (%d)\n",
		       dev->minor, dev->name, ret);
	mutex_unlock(&dev->lock);
	rblk_unfreeze_queue(q, memflags);
	rblk_helper(dev, "before-resync-target");
	rblk_queue_state(&dev->conn);
	pr_info("rblk%d: %s: attached %s to this Primary: a full resync from %s follows; meanwhile its reads of blocks not yet resynced, and its writes, need %s\n",
		dev->minor, dev->name, path, dev->conn.peer_node,
		dev->conn.peer_node);
	return 0;
out_meta:
	rblk_meta_detach(&dev->meta);
out_unlock:
	mutex_unlock(&dev->lock);
	rblk_unfreeze_queue(q, memflags);
	return ret;
}

/*
 * Open the backing disk and, if asked, check its metadata; the device's
 * size and disk state follow from them. A Primary without a disk takes
 * one only from its peer's resync (attach_served()).
 */
int rblk_device_attach(struct rblk_device *dev, const char *path,
		       const char *meta_path, bool meta_internal, u64 limit,
		       struct netlink_ext_ack *extack)
{
	struct rblk_bdev b;
	int ret;

	lockdep_assert_held(&rblk_devices_lock);
	/*
	 * A connection that ended for good (StandAlone) is not configured:
	 * stopped for an attach that goes ahead (a Secondary's, no disk).
	 */
	if (dev->conn.worker && READ_ONCE(dev->conn.fatal) &&
	    READ_ONCE(dev->state.disk) == RBLK_DISK_DISKLESS &&
	    READ_ONCE(dev->state.role) != RBLK_ROLE_PRIMARY)
		rblk_conn_stop(dev);
	ret = rblk_bdev_open(&b, path, dev);
	if (ret)
		return ret;
	if (READ_ONCE(dev->state.role) == RBLK_ROLE_PRIMARY &&
	    READ_ONCE(dev->state.disk) == RBLK_DISK_DISKLESS &&
	    dev->conn.worker) {
		ret = attach_served(dev, &b, path, meta_path, meta_internal,
				    limit, extack);
		if (ret)
			rblk_bdev_close(&b);
		return ret;
	}
	mutex_lock(&dev->lock);
	ret = attach_locked(dev, &b, path, meta_path, meta_internal, limit);
	mutex_unlock(&dev->lock);
	if (ret) {
		rblk_bdev_close(&b);
		return ret;
	}
	pr_info("rblk%d: attached %s (%llu sectors, %s metadata, disk %s)\n",
		dev->minor, path, (unsigned long long)get_capacity(dev->disk),
		meta_path ? "external" : meta_internal ? "internal" : "no",
		rblk_disk_name(READ_ONCE(dev->state.disk)));
	return 0;
}

/*
 * Stop using the backing disk; I/O fails until a disk is attached again.
 * Refused while open (an opener would see its disk vanish under it) and
 * on a Primary (include/rblk/state.h, rule 3). While a connection is
 * configured the disk goes as a failed one does, through Failed
 * (kmod/ioerr.c): Diskless once its last I/O is done.
 */
int rblk_device_detach(struct rblk_device *dev, struct netlink_ext_ack *extack)
{
	unsigned int flags = RBLK_SC_ADMIN, memflags;
	struct rblk_state ns;
	struct rblk_bdev b;
	int ret;

	/* Not between a handshake's first STATE and its decision. */
	ret = rblk_state_lock_decided(dev, extack);
	if (ret)
		return ret;
	/*
	 * Being let go after an I/O error (kmod/ioerr.c), until Diskless
	 * (its bdev closed, not only gone from dev->backing): ask again
	 * (rblkadm does, for a minute).
	 */
	if (dev->state.disk == RBLK_DISK_FAILED) {
		mutex_unlock(&dev->lock);
		NL_SET_ERR_MSG(extack, "rblk: the disk failed and is being detached");
		return -EAGAIN;
	}
	if (!dev->backing.bdev) {
		mutex_unlock(&dev->lock);
		return -ENXIO;
	}
	if (dev->open_count)
		flags |= RBLK_SC_OPEN;
	if (dev->conn.worker) {
		ret = rblk_disk_detach(dev, flags | RBLK_SC_CONFIGURED, extack);
		mutex_unlock(&dev->lock);
		return ret;
	}
	ns = dev->state;
	ns.disk = RBLK_DISK_DISKLESS;
	ret = rblk_state_try(dev, &ns, flags, extack);
	if (ret) {
		mutex_unlock(&dev->lock);
		return ret;
	}
	/* Not open and no connection: only a last reader may be left. */
	rblk_disk_ref_drain(dev);
	memflags = rblk_freeze_queue(dev->disk->queue);
	b = dev->backing;
	dev->backing.bdev = NULL;
	rblk_state_commit(dev, &ns, flags, "detach", extack);
	rblk_unfreeze_queue(dev->disk->queue, memflags);
	rblk_meta_detach(&dev->meta);
	mutex_unlock(&dev->lock);
	rblk_bdev_close(&b);
	pr_info("rblk%d: detached %s\n", dev->minor, dev->backing_path);
	return 0;
}

/* Called with rblk_devices_lock held: one connect/disconnect at a time. */
int rblk_device_connect(struct rblk_device *dev, const struct rblk_conn *cfg)
{
	struct rblk_conn *conn = &dev->conn;
	int ret;

	lockdep_assert_held(&rblk_devices_lock);
	/* A Primary without a disk, to the peer that serves it (ioerr.c). */
	if (!dev->backing.bdev &&
	    !(READ_ONCE(dev->state.role) == RBLK_ROLE_PRIMARY &&
	      READ_ONCE(dev->served_uuid)))
		return -ENODATA;
	if (conn->worker && !READ_ONCE(conn->fatal))
		return -EALREADY;
	rblk_conn_stop(dev);	/* a connection that gave up, if any */
	/* Its resync's or verify's errors do not end the next one. */
	clear_bit(RBLK_DISK_F_SYNC_ERR, &dev->disk_flags);
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
	if (ret) {
		conn->net = NULL;
		rblk_auth_wipe(&conn->opts.auth);
	}
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
