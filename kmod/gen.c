// SPDX-License-Identifier: GPL-2.0
/*
 * Generations: what the generation UUIDs of a disk become when its data
 * starts to diverge from the peer's (a promotion, a write without the
 * peer, invalidate, new-current-uuid), and the connect decision that
 * compares them with the peer's (include/rblk/state.h decides; this file
 * carries the decision out and explains refusals). docs/generations.md
 * has the table.
 */
#include <linux/blkdev.h>
#include <linux/random.h>

#include "device.h"
#include "gen.h"
#include "ioerr.h"
#include "state.h"

/* A forced promotion: this disk's data becomes the newest generation. */
static void force_up_to_date(struct rblk_device *dev)
{
	struct rblk_gi *gi = &dev->meta.gi;

	lockdep_assert_held(&dev->lock);
	if (dev->meta.present) {
		rblk_gi_new_current(gi, get_random_u64() | 1);
		gi->flags |= RBLK_MDF_CONSISTENT | RBLK_MDF_WAS_UP_TO_DATE;
		gi->flags &= ~RBLK_MDF_FULL_SYNC;
	}
	dev->diverged = true;
}

/*
 * A Primary without its peer: whatever it writes, the peer lacks. A new
 * generation now, before the first write, so that a crashed old Primary
 * coming back finds itself behind (rule 8) rather than ahead (rule 5).
 */
static void start_alone(struct rblk_device *dev)
{
	lockdep_assert_held(&dev->lock);
	if (!dev->meta.present || dev->diverged)
		return;
	rblk_gi_new_current(&dev->meta.gi, get_random_u64() | 1);
	dev->meta.gi.flags |= RBLK_MDF_PEER_OUTDATED;
	dev->diverged = true;
}

/*
 * The metadata side of a role change, before the new role is in force:
 * a crash from here on must be seen as a crashed Primary.
 */
int rblk_gen_role_change(struct rblk_device *dev, enum rblk_role role,
			 bool forced)
{
	struct rblk_gi old = dev->meta.gi;
	bool diverged = dev->diverged;
	int ret;

	lockdep_assert_held(&dev->lock);
	/*
	 * A Primary without a disk (kmod/ioerr.c: detached, or let go
	 * after an error) has no metadata to write: its disk, back, says
	 * Primary still, as a crashed one's.
	 */
	if (role == RBLK_ROLE_SECONDARY && dev->state.disk <= RBLK_DISK_FAILED)
		return 0;
	if (role == RBLK_ROLE_PRIMARY) {
		if (forced)
			force_up_to_date(dev);
		else if (!rblk_conn_is_up(dev->state.conn))
			start_alone(dev);
		ret = rblk_al_reset(&dev->meta);
		if (!ret)
			dev->meta.gi.flags |= RBLK_MDF_PRIMARY;
	} else {
		/*
		 * The activity log is replayed only for a crashed Primary:
		 * the bits it stands for (writes without the peer, or
		 * marked for a resync) reach the disk first.
		 */
		ret = rblk_bm_flush(&dev->meta);
		dev->meta.gi.flags &= ~RBLK_MDF_PRIMARY;
	}
	ret = ret ?: rblk_meta_write(&dev->meta);
	/*
	 * A Primary whose disk failed (kmod/ioerr.c) is demoted all the
	 * same, and its disk detached then: that disk's metadata counts no
	 * more (the peer starts a generation that makes its return a full
	 * resync, rblk_gen_peer_disk_failed()).
	 */
	/*
	 * Failed: the change is not made, and what it would have written
	 * must not reach the disk with a later, unrelated metadata write.
	 */
	if (ret) {
		dev->meta.gi = old;
		dev->diverged = diverged;
	}
	/*
	 * ... and for a failing disk, none at all: the disk keeps saying
	 * Primary (a crashed one, should it come back: its activity log
	 * covers the writes its bitmap could not take).
	 */
	if (ret && role == RBLK_ROLE_SECONDARY && rblk_disk_failing(dev)) {
		pr_warn("rblk%d: %s: demoted although its metadata could not be written (%d): the disk failed and is detached now\n",
			dev->minor, dev->name, ret);
		rblk_meta_fail(&dev->meta);
		ret = 0;
	}
	return ret;
}

static const char *const asb_names[] = {
	"disconnect", "discard-younger-primary", "discard-older-primary",
	"discard-zero-changes", "discard-least-changes", "discard-local",
	"discard-remote", "consensus", "discard-secondary",
	"call-pri-lost-after-sb",
};

/*
 * The current generation our STATE gives (dev->lock held): a Primary
 * without a disk gives the one of the peer that serves it
 * (dev->served_uuid, kmod/ioerr.c), 0 if none: the connect decision lets
 * it in only where that generation is.
 */
u64 rblk_gen_current(struct rblk_device *dev)
{
	lockdep_assert_held(&dev->lock);
	if (dev->state.role == RBLK_ROLE_PRIMARY &&
	    dev->state.disk <= RBLK_DISK_FAILED)
		return dev->served_uuid;
	return dev->meta.gi.uuid[RBLK_UI_CURRENT];
}

/* This node as its first STATE of this connection described it. */
static void local_side(struct rblk_device *dev, struct rblk_cd_side *l)
{
	l->gi = dev->meta.gi;
	l->gi.uuid[RBLK_UI_CURRENT] = rblk_gen_current(dev);
	l->sectors = get_capacity(dev->disk);
	l->bits = dev->conn.sent_bits;
	l->role = dev->state.role;
	l->disk = dev->state.disk;
	l->discard_my_data = READ_ONCE(dev->conn.flags) & RBLK_F_DISCARD_MY_DATA;
	if (dev->conn.features & RBLK_FEAT_SIZES) {
		l->usable = dev->conn.sent_usable;
		l->in_use = dev->conn.sent_in_use;
	}
}

static void peer_side(const struct rblk_conn *conn,
		      const struct rblk_peer_state *ps, struct rblk_cd_side *p)
{
	p->gi = ps->gi;
	p->sectors = ps->data_sectors;
	p->bits = ps->bits_set;
	p->role = ps->role;
	p->disk = ps->disk_state;
	p->discard_my_data = ps->state_flags & RBLK_SF_DISCARD_MY_DATA;
	if (conn->features & RBLK_FEAT_SIZES) {
		p->usable = conn->peer_usable;
		p->in_use = conn->peer_in_use;
	}
}

/* No size fits both disks (rblk_cd_size()): which, and what to do. */
static int refuse_size(struct rblk_device *dev, const struct rblk_cd_side *l,
		       const struct rblk_cd_side *p)
{
	struct rblk_conn *conn = &dev->conn;
	const char *peer = conn->peer_node;

	if (!(conn->features & RBLK_FEAT_SIZES))
		rblk_conn_error(conn, "size mismatch: %s has %llu KiB, this node %llu KiB, and %s's rblk is older: it cannot use devices of different sizes",
				peer, p->sectors / 2, l->sectors / 2, peer);
	else if (!l->usable || !p->usable)
		rblk_conn_error(conn, "size mismatch: %s has %llu KiB, this node %llu KiB, and %s has no metadata: the devices must then be the same size",
				peer, p->sectors / 2, l->sectors / 2,
				l->usable ? peer : "this node");
	else if (l->in_use && p->in_use)
		rblk_conn_error(conn, "size mismatch: the data here is %llu KiB in size, on %s %llu KiB; refusing to connect. Start one node afresh ('rblkadm create-md' there) to take the other's",
				l->in_use / 2, peer, p->in_use / 2);
	else if (p->in_use)
		rblk_conn_error(conn, "size mismatch: %s's data is %llu KiB in size, but this node's disk gives only %llu KiB (its data area, within size); refusing to connect. Give this node a disk of at least that size (or raise size)",
				peer, p->in_use / 2, l->usable / 2);
	else
		rblk_conn_error(conn, "size mismatch: the data here is %llu KiB in size, but %s's disk gives only %llu KiB (its data area, within size); refusing to connect. Give %s a disk of at least that size (or raise size there)",
				l->in_use / 2, peer, p->usable / 2, peer);
	return -EMEDIUMTYPE;
}

/*
 * The size both use (include/rblk/state.h, rblk_cd_size()), recorded in
 * the metadata. Only a disk without data changes its size for it (the
 * decision keeps any data's size), and not while the device is in use.
 * dev->lock held.
 */
static int take_size(struct rblk_device *dev, u64 size)
{
	struct rblk_meta *m = &dev->meta;
	struct rblk_conn *conn = &dev->conn;
	u64 cap = get_capacity(dev->disk);

	lockdep_assert_held(&dev->lock);
	/*
	 * An older peer exchanges whole bitmaps: the two data areas must be
	 * equal, and the device all of one.
	 */
	if (!(conn->features & RBLK_FEAT_SIZES) && m->present &&
	    cap != m->layout.data_bytes >> SECTOR_SHIFT) {
		rblk_conn_error(conn, "%s's rblk is older: it connects only to a device that uses its disk's whole data area, here %llu KiB of %llu KiB (size, or a size agreed with another peer); refusing to connect",
				conn->peer_node, cap / 2, m->layout.data_bytes >> 10);
		return -EMEDIUMTYPE;
	}
	if (size != cap) {
		/* Only a disk without data (rblk_cd_size()), not in use. */
		if (!m->present ||
		    m->gi.uuid[RBLK_UI_CURRENT] != RBLK_UUID_JUST_CREATED ||
		    rblk_meta_set_size(m, size, true)) {
			rblk_conn_error(conn, "this node's data would have to change its size from %llu KiB to %llu KiB for %s; refusing to connect",
					cap / 2, size / 2, conn->peer_node);
			return -EMEDIUMTYPE;
		}
		if (dev->open_count || dev->state.role == RBLK_ROLE_PRIMARY) {
			rblk_conn_error(conn, "this node would have to change its size from %llu KiB to %s's %llu KiB, but it is open; connecting again",
					cap / 2, conn->peer_node, size / 2);
			return -EAGAIN;
		}
		WARN_ON_ONCE(rblk_meta_set_size(m, size, false));
		set_capacity_and_notify(dev->disk, size);
		pr_info("rblk%d: %s: %llu KiB in size now, as with %s (this disk gives %llu KiB)\n",
			dev->minor, dev->name, size / 2, dev->conn.peer_node,
			rblk_meta_usable_sectors(m) / 2);
	} else if (!m->present || m->la_sectors == size) {
		return 0;
	}
	m->la_sectors = size;
	if (rblk_meta_write(m))
		pr_warn("rblk%d: %s: cannot write the metadata: the size in use is not recorded\n",
			dev->minor, dev->name);
	return 0;
}

/* Why the two disks cannot be used together, and what to do about it. */
static int refuse_connect(struct rblk_device *dev, const struct rblk_cd_result *r,
			  const struct rblk_cd_side *l, const struct rblk_cd_side *p)
{
	struct rblk_conn *conn = &dev->conn;
	const char *peer = conn->peer_node, *res = dev->name;

	switch (r->verdict) {
	case RBLK_CD_SIZE:
		return refuse_size(dev, l, p);
	case RBLK_CD_SPLIT_BRAIN:
		/* Run by the receiver once the lock and the handshake are done. */
		conn->sb_helper = true;
		conn->pl_helper = r->pri_lost;
		if (r->pri_lost)
			pr_warn("rblk%d: %s: split brain: after-sb-1pri call-pri-lost-after-sb says this Primary's changes are the ones to discard; it stays Primary and refuses (the pri-lost-after-sb handler is told)\n",
				dev->minor, res);
		rblk_conn_error(conn, "split brain detected: this node and %s both wrote since generation %016llx (here %llu KiB changed, there %llu KiB); refusing to connect. Keep one node's data: on the other run 'rblkadm disconnect %s; rblkadm secondary %s; rblkadm connect --discard-my-data %s', then 'rblkadm connect %s' here",
				peer, l->gi.uuid[RBLK_UI_BITMAP], l->bits * 4,
				p->bits * 4, res, res, res, res);
		return -ENOTUNIQ;
	case RBLK_CD_UNRELATED:
		rblk_conn_error(conn, "the disks hold unrelated data (no common generation, rule %d of docs/generations.md); refusing to connect to %s. If %s's data is to be thrown away, run 'rblkadm invalidate %s' there",
				r->rule, peer, peer, res);
		return -ENOTUNIQ;
	case RBLK_CD_LOCAL_PRIMARY_TARGET:
		rblk_conn_error(conn, "%s has newer data, but this node is Primary and cannot become SyncTarget; refusing to connect. Make this node Secondary first (or, to keep this node's data, run 'rblkadm invalidate %s' on %s)",
				peer, res, peer);
		return -EBUSY;
	case RBLK_CD_PEER_PRIMARY_TARGET:
		rblk_conn_error(conn, "this node has newer data than %s, but %s is Primary and cannot become SyncTarget; refusing to connect. Make %s Secondary first (or, to keep its data, run 'rblkadm invalidate %s' here)",
				peer, peer, peer, res);
		return -EBUSY;
	case RBLK_CD_BOTH_PRIMARY:
		return rblk_conn_both_primary(conn);
	case RBLK_CD_LOCAL_DISKLESS_PRIMARY:
		rblk_conn_error(conn, "this node is Primary without a usable disk, and %s is not the UpToDate Secondary that served it since (at the generation it started then); refusing to connect. Make this node Secondary, attach a disk ('rblkadm attach %s'), then connect",
				peer, res);
		return -ENODATA;
	case RBLK_CD_PEER_DISKLESS_PRIMARY:
		rblk_conn_error(conn, "%s is Primary without a usable disk; refusing to connect (only this node's UpToDate data, at the generation it served %s from, would do)",
				peer, peer);
		return -ENODATA;
	case RBLK_CD_LOCAL_INCONSISTENT_SOURCE:
		rblk_conn_error(conn, "the generations make this node SyncSource for %s, but this disk is %s: it cannot give data it lacks; refusing to connect. If %s's data is to be kept, run 'rblkadm invalidate %s' here",
				peer, rblk_disk_name(l->disk), peer, res);
		return -ENODATA;
	case RBLK_CD_PEER_INCONSISTENT_SOURCE:
		rblk_conn_error(conn, "the generations make %s SyncSource, but its disk is %s: it cannot give data it lacks; refusing to connect. If this node's data is to be kept, run 'rblkadm invalidate %s' on %s",
				peer, rblk_disk_name(p->disk), res, peer);
		return -ENODATA;
	default:
		return 0;
	}
}

static void log_decision(struct rblk_device *dev, const struct rblk_cd_result *r,
			 const struct rblk_cd_side *l, const struct rblk_cd_side *p)
{
	int i = r->sb_policy;

	pr_info("rblk%d: %s: generations: %s (rule %d of docs/generations.md)\n",
		dev->minor, dev->name, rblk_gi_result_name(r->gi), r->rule);
	if (r->sb == RBLK_SB_LOCAL_LOSES || r->sb == RBLK_SB_PEER_LOSES)
		pr_warn("rblk%d: %s: split brain detected and resolved (%s): %s changes are discarded\n",
			dev->minor, dev->name,
			i < 0 ? "--discard-my-data" :
			i < ARRAY_SIZE(asb_names) ? asb_names[i] : "?",
			r->sb == RBLK_SB_LOCAL_LOSES ? "this node's" : "the peer's");
	if (r->same_generation && r->sync != RBLK_CD_SYNC_NONE)
		pr_info("rblk%d: %s: same generation, %llu KiB marked out of sync here, %llu KiB on %s\n",
			dev->minor, dev->name, l->bits * 4, p->bits * 4,
			dev->conn.peer_node);
}

/*
 * The peer's first STATE: can we use its disk with ours, and how? Both
 * nodes decide on what the two first STATEs said (writes and role changes
 * waited since ours went). Returns 0 (connected, or a resync began), 1
 * (a resync to us begins once before-resync-target exited 0), -EAGAIN to
 * try again on a new connection, or another -errno: refused.
 */
int rblk_gen_peer_connected(struct rblk_device *dev,
			    const struct rblk_peer_state *ps, bool won)
{
	struct rblk_cd_side l, p;
	struct rblk_cd_result r;
	struct rblk_state ns;
	bool disk_changed, diskless;
	int ret;

	mutex_lock(&dev->lock);
	BUILD_BUG_ON(RBLK_UI_CURRENT != 0);
	if ((dev->meta.present &&
	     memcmp(dev->meta.gi.uuid + 1, dev->conn.sent_uuid + 1,
		    sizeof(dev->conn.sent_uuid) - sizeof(u64))) ||
	    rblk_gen_current(dev) != dev->conn.sent_uuid[RBLK_UI_CURRENT]) {
		/* The peer decides on what we sent: so must we. */
		rblk_conn_error(&dev->conn, "the generations changed during the handshake with %s; connecting again",
				dev->conn.peer_node);
		mutex_unlock(&dev->lock);
		return -EAGAIN;
	}
	/* Our disk failed meanwhile (kmod/ioerr.c): likewise. */
	if (dev->state.disk != dev->conn.sent_disk) {
		rblk_conn_error(&dev->conn, "the disk state changed during the handshake with %s; connecting again",
				dev->conn.peer_node);
		mutex_unlock(&dev->lock);
		return -EAGAIN;
	}
	local_side(dev, &l);
	peer_side(&dev->conn, ps, &p);
	/* A Primary without a disk, only to a peer that serves it. */
	if (!(dev->conn.features & RBLK_FEAT_SERVES_DISKLESS)) {
		if (l.role == RBLK_ROLE_PRIMARY && l.disk <= RBLK_DISK_FAILED)
			l.gi.uuid[RBLK_UI_CURRENT] = 0;
		if (p.role == RBLK_ROLE_PRIMARY && p.disk <= RBLK_DISK_FAILED)
			p.gi.uuid[RBLK_UI_CURRENT] = 0;
	}
	rblk_connect_decide(dev->conn.opts.after_sb, &l, &p, dev->meta.present,
			    won, &r);
	/* A side without a disk compares nothing (include/rblk/state.h). */
	diskless = l.disk <= RBLK_DISK_FAILED || p.disk <= RBLK_DISK_FAILED;
	if (dev->meta.present && r.verdict != RBLK_CD_SIZE && !diskless)
		log_decision(dev, &r, &l, &p);
	/* initial-split-brain: resolved or not (the receiver runs it). */
	if (dev->meta.present && r.verdict != RBLK_CD_SIZE &&
	    (r.gi == RBLK_GI_SPLIT_BRAIN || r.gi == RBLK_GI_SPLIT_BRAIN_FULL))
		dev->conn.isb_helper = true;
	ret = refuse_connect(dev, &r, &l, &p);
	if (!ret && !diskless)
		ret = take_size(dev, r.size);
	if (ret) {
		mutex_unlock(&dev->lock);
		return ret;
	}
	if (r.same_generation) {
		dev->diverged = false;
		dev->meta.gi.flags &= ~RBLK_MDF_LOST_AS_PRIMARY;
	}
	if (r.sync != RBLK_CD_SYNC_NONE) {
		/* A sync target's: once its resync starts (resync.c). */
		if (r.sync == RBLK_CD_SYNC_SOURCE)
			rblk_conn_discard_used(&dev->conn);
		mutex_unlock(&dev->lock);
		/* 1: once before-resync-target exited 0. */
		if (r.sync == RBLK_CD_SYNC_TARGET &&
		    READ_ONCE(dev->conn.opts.before_resync_wait)) {
			if (dev->conn.features & RBLK_FEAT_RESYNC_WAITS)
				return rblk_resync_target_defer(dev, r.full, ps);
			pr_warn("rblk%d: %s: %s cannot wait for before-resync-target (an older rblk): the handler is started, not waited for\n",
				dev->minor, dev->name, dev->conn.peer_node);
		}
		return rblk_resync_begin(dev, r.sync == RBLK_CD_SYNC_SOURCE,
					 r.full, ps);
	}
	ns = dev->state;
	rblk_state_take_peer(&ns, ps);
	/* Also ends a suspension of I/O for fencing: the peer is back. */
	rblk_state_set_conn_to(&ns, RBLK_CONN_CONNECTED);
	if (r.up_to_date && !(dev->meta.gi.flags & RBLK_MDF_WAS_UP_TO_DATE)) {
		/* Outdated no more: on disk before the state says so. */
		dev->meta.gi.flags |= RBLK_MDF_WAS_UP_TO_DATE;
		if (rblk_meta_write(&dev->meta)) {
			dev->meta.gi.flags &= ~RBLK_MDF_WAS_UP_TO_DATE;
			r.up_to_date = false;
			pr_warn("rblk%d: %s: cannot write the metadata: the disk stays %s\n",
				dev->minor, dev->name,
				rblk_disk_name(dev->state.disk));
		}
	}
	if (r.up_to_date)
		ns.disk = RBLK_DISK_UPTODATE;
	disk_changed = ns.disk != dev->state.disk;
	ret = rblk_state_commit(dev, &ns, 0, "connected", NULL);
	/* --discard-my-data waits for a decision between two disks. */
	if (!ret && !diskless)
		rblk_conn_discard_used(&dev->conn);
	mutex_unlock(&dev->lock);
	if (!ret && disk_changed)
		ret = rblk_queue_state(&dev->conn);
	return ret;
}

static void invalidate_local(struct rblk_device *dev)
{
	struct rblk_gi *gi = &dev->meta.gi;

	lockdep_assert_held(&dev->lock);
	if (rblk_gi_real(gi->uuid[RBLK_UI_CURRENT]))
		rblk_gi_push_history(gi, gi->uuid[RBLK_UI_CURRENT]);
	gi->uuid[RBLK_UI_CURRENT] = RBLK_UUID_JUST_CREATED;
	gi->uuid[RBLK_UI_BITMAP] = 0;
	gi->flags &= ~(RBLK_MDF_CONSISTENT | RBLK_MDF_WAS_UP_TO_DATE |
		       RBLK_MDF_PEER_OUTDATED);
	gi->flags |= RBLK_MDF_FULL_SYNC;
	rblk_bm_set_all(&dev->meta.bm);
}

static void invalidate_remote(struct rblk_device *dev)
{
	struct rblk_gi *gi = &dev->meta.gi;

	lockdep_assert_held(&dev->lock);
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
	dev->diverged = true;
}

/* Our peer is a Primary without a disk, served by us (kmod/ioerr.c). */
static bool serving_diskless(struct rblk_device *dev)
{
	lockdep_assert_held(&dev->lock);
	return rblk_conn_is_up(dev->state.conn) &&
	       dev->state.peer_role == RBLK_ROLE_PRIMARY &&
	       dev->state.peer_disk <= RBLK_DISK_FAILED;
}

/*
 * invalidate: this node's data is to be replaced by the peer's, all of it;
 * invalidate-remote: the peer's by ours. The new generations make the next
 * connect decide a full resync that way (rules 2 and 11 of
 * docs/generations.md); a live connection is dropped to get there.
 */
int rblk_gen_invalidate(struct rblk_device *dev, bool remote,
			struct netlink_ext_ack *extack)
{
	struct rblk_state ns;
	struct rblk_gi old;
	bool diverged;
	int ret;

	/* Not between our first STATE and the decision: it would be undone. */
	ret = rblk_state_lock_decided(dev, extack);
	if (ret)
		return ret;
	ns = dev->state;
	if (!dev->backing.bdev || !dev->meta.present)
		ret = -ENODATA;
	else if (!remote && ns.role == RBLK_ROLE_PRIMARY)
		ret = -EBUSY;
	else if (serving_diskless(dev)) {
		rblk_extack_msg(extack, "the peer is Primary without a disk: this node's data serves it");
		ret = -EBUSY;
	}
	else if (ns.conn >= RBLK_CONN_SYNC_SOURCE)	/* resync or verify */
		ret = -EINPROGRESS;
	else if (remote && rblk_conn_is_up(ns.conn) &&
		 ns.peer_role == RBLK_ROLE_PRIMARY) {
		/* Its data is the current one: ours would diverge from it. */
		rblk_extack_msg(extack, "the peer is Primary: its data cannot be thrown away");
		ret = -EEXIST;
	}
	if (ret)
		goto out_unlock;
	if (remote) {
		ns.disk = RBLK_DISK_UPTODATE;
		/*
		 * What we know of the peer until the reconnect: its data is no
		 * good (no read goes there, status never shows the pair in sync).
		 */
		if (rblk_conn_is_up(ns.conn))
			ns.peer_disk = RBLK_DISK_INCONSISTENT;
	} else {
		ns.disk = RBLK_DISK_INCONSISTENT;
	}
	ret = rblk_state_try(dev, &ns, RBLK_SC_ADMIN, extack);
	if (ret)
		goto out_unlock;
	/*
	 * A state that claims less than the disk (Inconsistent) may come
	 * first; one that claims more (UpToDate) only once the metadata that
	 * justifies it is on disk.
	 */
	old = dev->meta.gi;
	diverged = dev->diverged;
	if (remote) {
		invalidate_remote(dev);
	} else {
		invalidate_local(dev);
		rblk_state_commit(dev, &ns, RBLK_SC_ADMIN, "invalidate", NULL);
	}
	ret = rblk_bm_flush(&dev->meta) ?: rblk_meta_write(&dev->meta);
	if (ret && remote) {
		/* Not done: the generations that would say so go too. */
		dev->meta.gi = old;
		dev->diverged = diverged;
	}
	if (!ret && remote)
		ret = rblk_state_commit(dev, &ns, RBLK_SC_ADMIN,
					"invalidate-remote", NULL);
out_unlock:
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

/*
 * outdate: this Secondary's data may be older than the peer's (its fencing
 * said so, or the administrator). Outdated, on disk, refuses a promotion
 * without --force until a connect finds the peer in the same generation
 * and UpToDate, or a resync brings the data. Not while connected: there
 * the peer's state says what our data is.
 */
int rblk_gen_outdate(struct rblk_device *dev, struct netlink_ext_ack *extack)
{
	struct rblk_state ns;
	u32 flags;
	int ret;

	ret = rblk_state_lock_decided(dev, extack);
	if (ret)
		return ret;
	ns = dev->state;
	if (!dev->backing.bdev || !dev->meta.present) {
		ret = -ENODATA;
	} else if (ns.role == RBLK_ROLE_PRIMARY) {
		rblk_extack_msg(extack, "a Primary's data is the current one");
		ret = -EBUSY;
	} else if (rblk_conn_is_up(ns.conn)) {
		rblk_extack_msg(extack, "connected: the peer's state says what this node's data is");
		ret = -EISCONN;
	} else if (ns.disk < RBLK_DISK_OUTDATED) {
		/* Inconsistent is less than Outdated: leave it so. */
		rblk_extack_msg(extack, "the disk is Inconsistent, which already refuses a promotion");
		ret = -EALREADY;
	}
	flags = dev->meta.gi.flags;
	/* Outdated, and the disk says so: nothing to do. */
	if (ret || (ns.disk == RBLK_DISK_OUTDATED &&
		    !(flags & (RBLK_MDF_WAS_UP_TO_DATE | RBLK_MDF_PEER_OUTDATED))))
		goto out_unlock;
	ns.disk = RBLK_DISK_OUTDATED;
	ret = rblk_state_try(dev, &ns, RBLK_SC_ADMIN, extack);
	if (ret)
		goto out_unlock;
	/* On disk first: the state says Outdated only once it holds. */
	dev->meta.gi.flags &= ~(RBLK_MDF_WAS_UP_TO_DATE | RBLK_MDF_PEER_OUTDATED);
	ret = rblk_meta_write(&dev->meta);
	if (ret) {
		dev->meta.gi.flags = flags;
		rblk_extack_msg(extack, "the metadata could not be written");
		goto out_unlock;
	}
	rblk_state_commit(dev, &ns, RBLK_SC_ADMIN, "outdate", NULL);
out_unlock:
	mutex_unlock(&dev->lock);
	if (!ret)
		pr_info("rblk%d: %s: outdate: the local data is Outdated\n",
			dev->minor, dev->name);
	return ret;
}

/* Both disks just created, connected, nothing written: a pair already. */
static bool fresh_pair(struct rblk_device *dev)
{
	struct rblk_conn *conn = &dev->conn;

	lockdep_assert_held(&dev->lock);
	return dev->state.conn == RBLK_CONN_CONNECTED &&
	       dev->meta.gi.uuid[RBLK_UI_CURRENT] == RBLK_UUID_JUST_CREATED &&
	       READ_ONCE(conn->peer_state.gi.uuid[RBLK_UI_CURRENT]) ==
			RBLK_UUID_JUST_CREATED;
}

/*
 * Take generation @uuid as in sync with the peer: UpToDate, no bits. The
 * state is checked first: nothing is cleared for a change it refuses.
 */
static int adopt_uuid(struct rblk_device *dev, u64 uuid, const char *why)
{
	struct rblk_state ns = dev->state;
	struct rblk_gi old;
	bool diverged;
	int ret;

	lockdep_assert_held(&dev->lock);
	ns.disk = RBLK_DISK_UPTODATE;
	ret = rblk_state_try(dev, &ns, 0, NULL);
	if (ret)
		return ret;
	old = dev->meta.gi;
	diverged = dev->diverged;
	rblk_bm_clear_all(&dev->meta.bm);
	rblk_gi_sync_target_done(&dev->meta.gi, uuid);
	dev->diverged = false;
	/* UpToDate once the metadata saying so is on disk. */
	ret = rblk_bm_flush(&dev->meta) ?: rblk_meta_write(&dev->meta);
	if (ret) {
		/* Not adopted: all of it stays to be synced, as before. */
		dev->meta.gi = old;
		dev->diverged = diverged;
		rblk_bm_set_all(&dev->meta.bm);
		return ret;
	}
	return rblk_state_commit(dev, &ns, 0, why, NULL);
}

/*
 * A Primary lets its healthy disk go on purpose ('rblkadm detach',
 * kmod/ioerr.c), already Failed: from now on it writes through the peer
 * alone, so that disk, back, is resynced in full whatever the peer did
 * meanwhile (a connection lost before the peer started a generation of
 * its own would leave both at this one): invalidated, as by 'rblkadm
 * invalidate'. dev->lock held.
 */
int rblk_gen_detach_primary(struct rblk_device *dev)
{
	struct rblk_gi old = dev->meta.gi;
	int ret;

	struct rblk_gi *gi = &dev->meta.gi;

	lockdep_assert_held(&dev->lock);
	if (!dev->meta.present)
		return 0;
	/*
	 * invalidate_local() without its bitmap: FULL_SYNC says it all, and
	 * no crashed Primary's activity log to replay (no PRIMARY).
	 */
	if (rblk_gi_real(gi->uuid[RBLK_UI_CURRENT]))
		rblk_gi_push_history(gi, gi->uuid[RBLK_UI_CURRENT]);
	gi->uuid[RBLK_UI_CURRENT] = RBLK_UUID_JUST_CREATED;
	gi->uuid[RBLK_UI_BITMAP] = 0;
	gi->flags &= ~(RBLK_MDF_CONSISTENT | RBLK_MDF_WAS_UP_TO_DATE |
		       RBLK_MDF_PEER_OUTDATED | RBLK_MDF_PRIMARY);
	gi->flags |= RBLK_MDF_FULL_SYNC;
	ret = rblk_meta_write(&dev->meta);
	if (ret)
		*gi = old;
	return ret;
}

/*
 * A disk attached to a Primary that its peer serves (kmod/resync.c, "A
 * Primary's new disk"): whatever it held, it is resynced in full, as
 * after 'rblkadm invalidate' (every bit, FULL_SYNC, no generation), and
 * it is a Primary's (a crash meanwhile is one of a Primary: its activity
 * log, written from now on, is replayed). On disk before it is used.
 * dev->lock held, the new metadata in dev->meta.
 */
int rblk_gen_attach_primary(struct rblk_device *dev)
{
	struct rblk_gi *gi = &dev->meta.gi;

	lockdep_assert_held(&dev->lock);
	invalidate_local(dev);
	gi->flags &= ~(RBLK_MDF_CRASHED_PRIMARY | RBLK_MDF_LOST_AS_PRIMARY);
	gi->flags |= RBLK_MDF_PRIMARY;
	/*
	 * The superblock before the bitmap: the disk may have held other
	 * data, whose bits past the device's size went (rblk_meta_set_size());
	 * once it says "just created, resync all" no bit counts.
	 */
	return rblk_al_reset(&dev->meta) ?: rblk_meta_write(&dev->meta) ?:
	       rblk_bm_flush(&dev->meta);
}

/*
 * new-current-uuid: start a new generation here. With --clear-bitmap on
 * two fresh connected disks (identical by construction, e.g. both zeroed
 * or about to be initialized by mkfs): both take the same generation and
 * are UpToDate without a resync; the peer learns it from NEW_UUID.
 */
int rblk_gen_new_current_uuid(struct rblk_device *dev, bool clear,
			      struct netlink_ext_ack *extack)
{
	struct rblk_p_sync p = {};
	u64 uuid = get_random_u64() | 1;
	int ret;

	ret = rblk_state_lock_decided(dev, extack);
	if (ret)
		return ret;
	if (!dev->backing.bdev || !dev->meta.present)
		ret = -ENODATA;
	else if (serving_diskless(dev)) {
		rblk_extack_msg(extack, "the peer is Primary without a disk: it connects again only to this generation");
		ret = -EBUSY;
	} else if (clear && !fresh_pair(dev))
		ret = -ESTALE;
	else if (clear)
		ret = adopt_uuid(dev, uuid, "new-current-uuid --clear-bitmap");
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

/*
 * NEW_UUID from the peer: only a fresh pair may take it, decided and
 * connected (not before the connect decision, not while resyncing), and
 * only from a peer that said it was fresh too.
 */
int rblk_gen_peer_new_uuid(struct rblk_device *dev, u64 uuid)
{
	struct rblk_conn *conn = &dev->conn;
	unsigned long flags;
	bool peer_fresh;
	int ret = -EPROTO;

	spin_lock_irqsave(&conn->lock, flags);
	peer_fresh = conn->peer_state.gi.uuid[RBLK_UI_CURRENT] == RBLK_UUID_JUST_CREATED;
	spin_unlock_irqrestore(&conn->lock, flags);
	mutex_lock(&dev->lock);
	if (dev->meta.present && peer_fresh && conn->decided &&
	    dev->state.conn == RBLK_CONN_CONNECTED &&
	    dev->state.disk == RBLK_DISK_INCONSISTENT &&
	    dev->meta.gi.uuid[RBLK_UI_CURRENT] == RBLK_UUID_JUST_CREATED)
		ret = adopt_uuid(dev, uuid, "the peer's new-current-uuid --clear-bitmap");
	mutex_unlock(&dev->lock);
	if (ret)
		return ret;
	pr_info("rblk%d: %s: took generation %016llx from %s: UpToDate, no initial resync\n",
		dev->minor, dev->name, uuid, dev->conn.peer_node);
	return rblk_queue_state(&dev->conn);
}

/*
 * Start a generation the peer lacks, on disk (dev->lock held): the
 * bitmap first if asked, then the metadata with the new current UUID and
 * PEER_OUTDATED. On failure memory keeps what the disk has.
 */
static int diverge_locked(struct rblk_device *dev, bool flush_bm,
			  const char *who, const char *why)
{
	struct rblk_gi *gi = &dev->meta.gi, old = *gi;
	int ret;

	/* Not onto a disk being let go (kmod/ioerr.c): it lacks writes. */
	if (dev->state.disk <= RBLK_DISK_FAILED)
		return -ENODATA;
	rblk_gi_new_current(gi, get_random_u64() | 1);
	gi->flags |= RBLK_MDF_PEER_OUTDATED;
	ret = flush_bm ? rblk_bm_flush(&dev->meta) : 0;
	ret = ret ?: rblk_meta_write(&dev->meta);
	if (ret) {
		*gi = old;
		return ret;
	}
	dev->diverged = true;
	pr_info("rblk%d: %s: %s%s: new generation %016llx\n", dev->minor,
		dev->name, who, why, gi->uuid[RBLK_UI_CURRENT]);
	return 0;
}

/*
 * A Primary is about to have data the peer lacks: start a new generation
 * first, on disk, so that no crash can hide that the two disks differ
 * (docs/generations.md). Once per disconnected period.
 */
int rblk_gen_write_without_peer(struct rblk_device *dev)
{
	int ret = 0;

	if (READ_ONCE(dev->diverged) || !dev->meta.present)
		return 0;
	mutex_lock(&dev->lock);
	if (!dev->diverged && dev->state.role == RBLK_ROLE_PRIMARY)
		ret = diverge_locked(dev, false, "", "writing without the peer");
	mutex_unlock(&dev->lock);
	return ret;
}

/*
 * Our peer's disk failed (kmod/ioerr.c; the receiver, after the STATE
 * that says so): decided under dev->lock, so that a role change cannot
 * come between.
 *
 * A Primary: what it writes from now on the peer lacks (its bitmap has
 * it, and what the transfer log held, marked by the caller): the bits
 * reach our disk, and a new generation starts now, as for a write
 * without the peer; the same disk back is behind us, a bitmap resync.
 *
 * A Secondary: the peer may lack writes no bitmap here knows of (a
 * Primary's failed write is marked only on the disk it lost; a Primary
 * served by us from now on writes here alone). A new generation, the old one in the
 * history: that disk back meets rule 10 of docs/generations.md, a full
 * resync, and ours is the data of record. Not if our own disk has had
 * an error (we may lack a write it has), nor if it is not UpToDate.
 */
void rblk_gen_peer_disk_failed(struct rblk_device *dev)
{
	struct rblk_gi *gi = &dev->meta.gi, old;
	bool told = false;

	mutex_lock(&dev->lock);
	/* A Primary it served: what it served is gone with that disk. */
	if (dev->state.disk <= RBLK_DISK_FAILED)
		dev->served_uuid = 0;
	if (!dev->meta.present || dev->meta.failed || !dev->backing.bdev) {
		mutex_unlock(&dev->lock);
		return;
	}
	if (dev->state.role == RBLK_ROLE_PRIMARY) {
		/* Already a generation the peer has not seen: it is behind. */
		if (dev->diverged) {
			rblk_bm_flush(&dev->meta);
			mutex_unlock(&dev->lock);
			return;
		}
		diverge_locked(dev, true, dev->conn.peer_node, "'s disk failed");
		mutex_unlock(&dev->lock);
		return;
	}
	if (dev->state.disk != RBLK_DISK_UPTODATE ||
	    test_bit(RBLK_DISK_F_ERROR, &dev->disk_flags)) {
		mutex_unlock(&dev->lock);
		return;
	}
	old = *gi;
	if (gi->uuid[RBLK_UI_BITMAP])
		rblk_gi_push_history(gi, gi->uuid[RBLK_UI_BITMAP]);
	rblk_gi_push_history(gi, gi->uuid[RBLK_UI_CURRENT]);
	gi->uuid[RBLK_UI_BITMAP] = 0;
	gi->uuid[RBLK_UI_CURRENT] = get_random_u64() | 1;
	gi->flags |= RBLK_MDF_PEER_OUTDATED;
	if (rblk_meta_write(&dev->meta)) {
		*gi = old;
		pr_warn("rblk%d: %s: cannot write the metadata: %s's disk back will be compared with the old generation\n",
			dev->minor, dev->name, dev->conn.peer_node);
	} else {
		/*
		 * Not diverged: a promotion of ours later, without the peer,
		 * starts yet another generation, so that a Primary served by
		 * us never connects again to data it did not see
		 * (rblk_cd_served()).
		 */
		pr_info("rblk%d: %s: %s's disk failed: new generation %016llx (that disk back is resynced in full)\n",
			dev->minor, dev->name, dev->conn.peer_node,
			gi->uuid[RBLK_UI_CURRENT]);
		told = true;
	}
	mutex_unlock(&dev->lock);
	/*
	 * The peer, a Primary served by us, holds writes that only we
	 * have until it sees this generation (kmod/ioerr.c).
	 */
	if (told)
		rblk_queue_state(&dev->conn);
}

/* The connection ended while we were Primary (after-sb policies ask). */
void rblk_gen_lost_peer_as_primary(struct rblk_device *dev, bool suspended)
{
	mutex_lock(&dev->lock);
	/*
	 * A disk being let go (kmod/ioerr.c) lacks what the peer served:
	 * nothing more is written to it. A Primary without a disk whose
	 * peer may have lost what it acknowledged and did not flush yet
	 * does not connect to it again (rblk_cd_served()).
	 */
	if (dev->state.disk <= RBLK_DISK_FAILED ||
	    test_bit(RBLK_DISK_F_NEW, &dev->disk_flags)) {
		unsigned long flags;

		spin_lock_irqsave(&dev->conn.lock, flags);
		if (dev->conn.tl.log.head != dev->conn.tl.log.tail ||
		    dev->conn.tl.log.reserved || READ_ONCE(dev->conn.lost_writes))
			dev->served_uuid = 0;
		spin_unlock_irqrestore(&dev->conn.lock, flags);
		mutex_unlock(&dev->lock);
		return;
	}
	dev->meta.gi.flags |= RBLK_MDF_LOST_AS_PRIMARY;
	/* Writes the flag with the new generation, or on its own. */
	if (dev->diverged && dev->meta.present)
		rblk_meta_write(&dev->meta);
	mutex_unlock(&dev->lock);
	/*
	 * Suspended for fencing, nothing completes without the peer until
	 * I/O is resumed, which makes it then (kmod/fence.c): a node that
	 * never resumes keeps the peer's generation and comes back as a
	 * plain resync target of a promoted peer, not as a split brain.
	 */
	if (!suspended)
		rblk_gen_write_without_peer(dev);
}
