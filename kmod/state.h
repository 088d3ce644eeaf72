/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place where a device's state changes (include/rblk/state.h has
 * the rules). docs/internals.md tells the whole story; the locks in short:
 *
 * Lock order (take left before right, never the other way):
 *
 *   rblk_devices_lock -> dev->lock -> conn->sock_mutex -> conn->lock
 *                        dev->lock -> conn->send_mutex -> conn->lock
 *                        dev->lock -> dev->write_lock
 *
 * - rblk_devices_lock (mutex): the device list; one netlink command at a
 *   time; a connection's configuration (addresses, names, options) only
 *   changes under it, with the connection's threads stopped.
 * - dev->lock (mutex): dev->state is written only under it (and under
 *   conn->lock as well), and with it the metadata in memory (generations,
 *   flags), the backing disk, open_count, removing. Metadata I/O happens
 *   under it, so nothing that the I/O path needs to complete may wait for
 *   it; kernel threads take it, netlink takes it, bio completion never.
 * - conn->lock (spinlock, irqsave: ACKs come from bio completion): the
 *   send queues, conn->peer_state, the resync's and verify's counters,
 *   and dev->state together with dev->lock. So dev->state may be read
 *   under either lock; a single field may be read with READ_ONCE() by a
 *   path that holds neither and only needs a snapshot (the I/O path).
 * - bm->lock (spinlock, kmod/bitmap.c): a leaf; the bits and their count.
 *   Taken under conn->lock where a SyncSource waiting for its target's
 *   bitmap marks a write out of sync (send.c).
 * - dev->fence.wait.lock (spinlock, kmod/helper.c): a leaf (taken alone,
 *   or under dev->lock to report it); the waited handler's cookie and
 *   result, and the fence-peer handler's status.
 *
 * Every change goes through rblk_state_commit(): checked against the rules
 * (an illegal one is refused with an errno and a reason), applied under
 * both locks, logged once and announced as exactly one event.
 */
#ifndef RBLK_KSTATE_H
#define RBLK_KSTATE_H

#include <rblk/state.h>

struct rblk_device;
struct rblk_peer_state;
struct netlink_ext_ack;

/* "From any connection state" for rblk_state_set_conn(). */
#define RBLK_CONN_ANY	(-1)

void rblk_state_init(struct rblk_device *dev);
int rblk_state_commit(struct rblk_device *dev, const struct rblk_state *ns,
		      unsigned int flags, const char *why,
		      struct netlink_ext_ack *extack);
int rblk_state_try(struct rblk_device *dev, const struct rblk_state *ns,
		   unsigned int flags, struct netlink_ext_ack *extack);
bool rblk_state_set_conn(struct rblk_device *dev, int from,
			 enum rblk_conn_state to, const char *why);
bool rblk_state_set_conn_old(struct rblk_device *dev, int from,
			     enum rblk_conn_state to, const char *why,
			     struct rblk_state *os);
void rblk_state_take_peer(struct rblk_state *ns,
			  const struct rblk_peer_state *ps);
int rblk_state_lock_decided(struct rblk_device *dev,
			    struct netlink_ext_ack *extack);
int rblk_state_set_role(struct rblk_device *dev, enum rblk_role role,
			bool force, struct netlink_ext_ack *extack);
int rblk_state_pause_sync(struct rblk_device *dev, bool pause);

static inline bool rblk_sync_paused(const struct rblk_state *s)
{
	return s->susp & (RBLK_SUSP_SYNC_USER | RBLK_SUSP_SYNC_PEER);
}

#endif /* RBLK_KSTATE_H */
