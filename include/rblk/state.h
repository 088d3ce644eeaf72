/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The state of a device and the rules for changing it.
 *
 * A device's state is five values and a set of flags (struct rblk_state):
 * its role, its disk's state, its connection's state, the peer's role and
 * disk as far as this node knows them, and what suspends its resync. The
 * kernel changes them in one place only (kmod/state.c); every change is a
 * request that rblk_state_check() accepts or refuses with an errno and a
 * sentence, so the rules below are the whole of them:
 *
 *  1. Transitions: each field moves only along the edges of its table
 *     (disk_edges, conn_edges below; a role moves between Primary and
 *     Secondary). Setting a field to its current value is no change.
 *  2. Invariants of the new state, whatever the edge:
 *     - a Primary is SyncTarget only of an UpToDate Secondary (a disk
 *       attached to a Primary that peer serves, kmod/resync.c), and two
 *       Primaries never stay connected;
 *     - SyncTarget has an Inconsistent disk, SyncSource an UpToDate one;
 *     - a verify runs between two UpToDate disks;
 *     - while not connected the peer is unknown (role Unknown, disk
 *       Diskless) and nothing suspends a resync from its side.
 *  3. Requests of the administrator (RBLK_SC_ADMIN) also respect what the
 *     device is used for: no promotion without UpToDate data (unless
 *     forced, which makes the disk UpToDate in the same change), none
 *     while the peer is Primary, no demotion while /dev/rblkN is open, no
 *     detach while open or Primary; with a connection configured a
 *     detach goes Failed, as an I/O error does (kmod/ioerr.c), not
 *     Diskless at once.
 *  4. A Primary becomes SyncTarget only of a disk attached to it, in the
 *     attach's own change (whoever asks for any other).
 *
 * The connect decision (rblk_connect_decide()) is here too: once both
 * first STATE packets of a connection are exchanged, each node runs it
 * with itself as "local" and both must reach mirror answers (one
 * SyncSource, the other SyncTarget; or both refuse). tests/unit/state_test.c
 * checks every edge, every invariant and the decision from both sides.
 *
 * Pure static inline code: compiled into rblk.ko and the unit tests.
 */
#ifndef RBLK_STATE_H
#define RBLK_STATE_H

#include "genl.h"
#include "gi.h"
#include "splitbrain.h"
#include "types.h"

#ifdef __KERNEL__
#include <linux/errno.h>
#else
#include <errno.h>
#endif

struct rblk_state {
	u8 role;		/* enum rblk_role */
	u8 disk;		/* enum rblk_disk_state */
	u8 conn;		/* enum rblk_conn_state */
	u8 peer_role;		/* enum rblk_role, as the peer said */
	u8 peer_disk;		/* enum rblk_disk_state, as the peer said */
	u8 susp;		/* enum rblk_susp_flags */
};

static inline bool rblk_state_equal(const struct rblk_state *a,
				    const struct rblk_state *b)
{
	return a->role == b->role && a->disk == b->disk &&
	       a->conn == b->conn && a->peer_role == b->peer_role &&
	       a->peer_disk == b->peer_disk && a->susp == b->susp;
}

/* What a change request says about itself (flags of rblk_state_check). */
enum rblk_state_change_flags {
	RBLK_SC_ADMIN	= 1U << 0,	/* asked by the administrator: rules 3 */
	RBLK_SC_FORCE	= 1U << 1,	/* primary --force */
	RBLK_SC_OPEN	= 1U << 2,	/* /dev/rblkN is open */
	RBLK_SC_CONFIGURED = 1U << 3,	/* a connection is configured */
	RBLK_SC_PEER	= 1U << 4,	/* what a STATE of the peer says (logged
					 * rate-limited: the peer sets the pace) */
	RBLK_SC_ATTACH	= 1U << 5,	/* an attach: the one way out of Diskless */
};

#define RBLK_D(x)	(1U << RBLK_DISK_##x)
#define RBLK_C(x)	(1U << RBLK_CONN_##x)

/*
 * disk_edges[from]: the disk states a disk in state @from may go to.
 * Attach finds the state its metadata justifies; detach goes Diskless
 * (with a connection configured, Failed first); an I/O error on a disk
 * in use goes Failed, and Diskless once the disk is idle (kmod/ioerr.c); a
 * resync target and invalidate go Inconsistent; outdate goes Outdated; a
 * finished resync, a forced promotion, a same-generation connect
 * (Consistent, or Outdated with an UpToDate peer) and adopting a fresh
 * pair's generation go UpToDate.
 */
static const unsigned int rblk_disk_edges[__RBLK_DISK_LAST] = {
	[RBLK_DISK_DISKLESS] = RBLK_D(INCONSISTENT) | RBLK_D(OUTDATED) |
			       RBLK_D(CONSISTENT) | RBLK_D(UPTODATE),
	[RBLK_DISK_ATTACHING] = RBLK_D(DISKLESS),
	[RBLK_DISK_FAILED] = RBLK_D(DISKLESS),
	[RBLK_DISK_INCONSISTENT] = RBLK_D(DISKLESS) | RBLK_D(FAILED) |
				   RBLK_D(UPTODATE),
	[RBLK_DISK_OUTDATED] = RBLK_D(DISKLESS) | RBLK_D(FAILED) |
			       RBLK_D(INCONSISTENT) | RBLK_D(UPTODATE),
	[RBLK_DISK_CONSISTENT] = RBLK_D(DISKLESS) | RBLK_D(FAILED) |
				 RBLK_D(INCONSISTENT) | RBLK_D(OUTDATED) |
				 RBLK_D(UPTODATE),
	[RBLK_DISK_UPTODATE] = RBLK_D(DISKLESS) | RBLK_D(FAILED) |
			       RBLK_D(INCONSISTENT) | RBLK_D(OUTDATED),
};

/*
 * conn_edges[from]. connect: StandAlone -> Connecting; the decision on
 * the peer's first STATE: Connecting -> Connected or straight into a
 * resync; a verify from Connected, and from it straight into the repair's
 * resync; the end of a resync or verify: back to Connected; a lost
 * connection: Connecting; disconnect or a refusal: StandAlone.
 */
static const unsigned int rblk_conn_edges[__RBLK_CONN_LAST] = {
	[RBLK_CONN_STANDALONE] = RBLK_C(CONNECTING),
	[RBLK_CONN_CONNECTING] = RBLK_C(STANDALONE) | RBLK_C(CONNECTED) |
				 RBLK_C(SYNC_SOURCE) | RBLK_C(SYNC_TARGET),
	[RBLK_CONN_CONNECTED] = RBLK_C(STANDALONE) | RBLK_C(CONNECTING) |
				RBLK_C(SYNC_SOURCE) | RBLK_C(SYNC_TARGET) |
				RBLK_C(VERIFY_SOURCE) | RBLK_C(VERIFY_TARGET),
	[RBLK_CONN_SYNC_SOURCE] = RBLK_C(STANDALONE) | RBLK_C(CONNECTING) |
				  RBLK_C(CONNECTED),
	[RBLK_CONN_SYNC_TARGET] = RBLK_C(STANDALONE) | RBLK_C(CONNECTING) |
				  RBLK_C(CONNECTED),
	[RBLK_CONN_VERIFY_SOURCE] = RBLK_C(STANDALONE) | RBLK_C(CONNECTING) |
				    RBLK_C(CONNECTED) | RBLK_C(SYNC_SOURCE),
	[RBLK_CONN_VERIFY_TARGET] = RBLK_C(STANDALONE) | RBLK_C(CONNECTING) |
				    RBLK_C(CONNECTED) | RBLK_C(SYNC_TARGET),
};

#undef RBLK_D
#undef RBLK_C

static inline const char *rblk_role_name(unsigned int r)
{
	static const char *const names[] = { "Unknown", "Primary", "Secondary" };

	return r < __RBLK_ROLE_LAST ? names[r] : "?";
}

static inline const char *rblk_disk_name(unsigned int d)
{
	static const char *const names[] = {
		"Diskless", "Attaching", "Failed", "Inconsistent", "Outdated",
		"Consistent", "UpToDate",
	};

	return d < __RBLK_DISK_LAST ? names[d] : "?";
}

static inline const char *rblk_conn_name(unsigned int c)
{
	static const char *const names[] = {
		"StandAlone", "Connecting", "Connected", "SyncSource",
		"SyncTarget", "VerifyS", "VerifyT",
	};

	return c < __RBLK_CONN_LAST ? names[c] : "?";
}

static inline bool rblk_state_valid_values(const struct rblk_state *s)
{
	return s->role < __RBLK_ROLE_LAST && s->disk < __RBLK_DISK_LAST &&
	       s->conn < __RBLK_CONN_LAST && s->peer_role < __RBLK_ROLE_LAST &&
	       s->peer_disk < __RBLK_DISK_LAST && !(s->susp & ~__RBLK_SUSP_ALL);
}

/* Rule 1: every field that changes moves along an edge of its table. */
static inline int rblk_state_check_edges(const struct rblk_state *os,
					 const struct rblk_state *ns,
					 const char **why)
{
	if (os->role != ns->role && ns->role == RBLK_ROLE_UNKNOWN)
		return *why = "a device is Primary or Secondary", -EINVAL;
	if (os->disk != ns->disk && !(rblk_disk_edges[os->disk] & (1U << ns->disk)))
		return *why = "no such disk state transition", -EINVAL;
	if (os->conn != ns->conn && !(rblk_conn_edges[os->conn] & (1U << ns->conn)))
		return *why = "no such connection state transition", -EINVAL;
	return 0;
}

/* Rule 2: what any state must satisfy. */
static inline int rblk_state_check_invariants(const struct rblk_state *s,
					      const char **why)
{
	bool up = rblk_conn_is_up(s->conn);

	if (up && s->role == RBLK_ROLE_PRIMARY && s->peer_role == RBLK_ROLE_PRIMARY)
		return *why = "both nodes would be Primary", -EEXIST;
	if (s->conn == RBLK_CONN_SYNC_TARGET && s->role == RBLK_ROLE_PRIMARY &&
	    (s->peer_role != RBLK_ROLE_SECONDARY ||
	     s->peer_disk != RBLK_DISK_UPTODATE))
		return *why = "a Primary is SyncTarget only of an UpToDate Secondary", -EBUSY;
	if (s->conn == RBLK_CONN_SYNC_TARGET && s->disk != RBLK_DISK_INCONSISTENT)
		return *why = "a SyncTarget's disk is Inconsistent", -EINVAL;
	if (s->conn == RBLK_CONN_SYNC_SOURCE && s->disk != RBLK_DISK_UPTODATE)
		return *why = "a SyncSource's disk is UpToDate", -EINVAL;
	if ((s->conn == RBLK_CONN_VERIFY_SOURCE ||
	     s->conn == RBLK_CONN_VERIFY_TARGET) &&
	    (s->disk != RBLK_DISK_UPTODATE || s->peer_disk != RBLK_DISK_UPTODATE))
		return *why = "a verify needs both disks UpToDate", -EBUSY;
	if (!up && (s->peer_role != RBLK_ROLE_UNKNOWN ||
		    s->peer_disk != RBLK_DISK_DISKLESS ||
		    (s->susp & RBLK_SUSP_SYNC_PEER)))
		return *why = "the peer is unknown while not connected", -EINVAL;
	if ((s->susp & RBLK_SUSP_IO_FENCING) &&
	    (up || s->role != RBLK_ROLE_PRIMARY))
		return *why = "only a Primary without its peer suspends I/O for fencing", -EINVAL;
	return 0;
}

/* Rule 3: what the administrator may not do to a device in use. */
static inline int rblk_state_check_admin(const struct rblk_state *os,
					 const struct rblk_state *ns,
					 unsigned int flags, const char **why)
{
	if (os->role != RBLK_ROLE_PRIMARY && ns->role == RBLK_ROLE_PRIMARY) {
		if (rblk_conn_is_up(os->conn) && os->peer_role == RBLK_ROLE_PRIMARY)
			return *why = "the peer is Primary", -EEXIST;
		if (os->conn == RBLK_CONN_SYNC_TARGET)
			return *why = "a SyncTarget is promoted once its resync is done", -EBUSY;
		if (os->disk == RBLK_DISK_DISKLESS)
			return *why = "no disk is attached", -ENODATA;
		if (os->disk == RBLK_DISK_FAILED)
			return *why = "the local disk failed", -ENODATA;
		if (os->disk != RBLK_DISK_UPTODATE && !(flags & RBLK_SC_FORCE))
			return *why = "the local disk is not UpToDate", -ENODATA;
	}
	/* Held writes would then complete on a Secondary. */
	if (os->role == RBLK_ROLE_PRIMARY && ns->role == RBLK_ROLE_SECONDARY &&
	    (os->susp & RBLK_SUSP_IO_FENCING))
		return *why = "I/O is suspended for fencing ('rblkadm resume-io' first)", -EBUSY;
	if (os->role == RBLK_ROLE_PRIMARY && ns->role == RBLK_ROLE_SECONDARY &&
	    (flags & RBLK_SC_OPEN))
		return *why = "the device is held open", -EBUSY;
	/*
	 * A detach: to Diskless, or with a connection configured through
	 * Failed (its disk goes as a failed one does, kmod/ioerr.c). A
	 * Primary's, open or not, only while its peer serves it from then
	 * on; an opener of a Secondary would see its disk vanish.
	 */
	if (os->disk > RBLK_DISK_FAILED && ns->disk <= RBLK_DISK_FAILED) {
		if (os->role == RBLK_ROLE_PRIMARY &&
		    (os->conn != RBLK_CONN_CONNECTED ||
		     os->peer_disk != RBLK_DISK_UPTODATE))
			return *why = "the device is Primary and no UpToDate peer is connected to serve it", -EBUSY;
		if (os->role != RBLK_ROLE_PRIMARY && (flags & RBLK_SC_OPEN))
			return *why = "the device is held open", -EBUSY;
		if (rblk_conn_is_up(os->conn) && os->peer_role == RBLK_ROLE_PRIMARY &&
		    os->peer_disk <= RBLK_DISK_FAILED)
			return *why = "the peer is Primary without a disk: this disk serves it", -EBUSY;
		if ((flags & RBLK_SC_CONFIGURED) && ns->disk == RBLK_DISK_DISKLESS)
			return *why = "a connection is configured", -EISCONN;
	}
	/*
	 * An attach to a Primary (its disk failed, kmod/ioerr.c): only as
	 * the SyncTarget of the UpToDate Secondary that serves it, in the
	 * same change (kmod/resync.c); anything else would serve whatever
	 * the disk holds.
	 */
	if (os->disk <= RBLK_DISK_FAILED && ns->disk > RBLK_DISK_FAILED &&
	    os->role == RBLK_ROLE_PRIMARY &&
	    (os->conn != RBLK_CONN_CONNECTED || ns->conn != RBLK_CONN_SYNC_TARGET ||
	     ns->disk != RBLK_DISK_INCONSISTENT))
		return *why = "the device is Primary (a disk comes back to it only as the SyncTarget of its connected UpToDate peer)", -EBUSY;
	return 0;
}

/*
 * Rule 4: a Primary becomes SyncTarget only of a disk attached to it
 * (an attach from Diskless, kmod/resync.c), never with its disk in use
 * (a verify's repair on a node promoted meanwhile, say), whoever asks.
 */
static inline int rblk_state_check_primary_target(const struct rblk_state *os,
						  const struct rblk_state *ns,
						  unsigned int flags,
						  const char **why)
{
	if (ns->role == RBLK_ROLE_PRIMARY && ns->conn == RBLK_CONN_SYNC_TARGET &&
	    (os->role != RBLK_ROLE_PRIMARY || os->conn != RBLK_CONN_SYNC_TARGET) &&
	    (!(flags & RBLK_SC_ATTACH) || os->disk != RBLK_DISK_DISKLESS))
		return *why = "a Primary becomes SyncTarget only of a disk attached to it", -EBUSY;
	return 0;
}

/*
 * @s with its connection at @to: a connection that is not up knows
 * nothing of the peer any more (role, disk, its pause of the resync).
 */
static inline void rblk_state_set_conn_to(struct rblk_state *s,
					  unsigned int to)
{
	s->conn = to;
	if (!rblk_conn_is_up(to)) {
		s->peer_role = RBLK_ROLE_UNKNOWN;
		s->peer_disk = RBLK_DISK_DISKLESS;
		s->susp &= ~RBLK_SUSP_SYNC_PEER;
	} else {
		/* The peer is back: its handshake says what its data is. */
		s->susp &= ~RBLK_SUSP_IO_FENCING;
	}
}

/*
 * @ns after @os lost the connection: a Primary that loses a peer with
 * good data under fencing resource-and-stonith holds all I/O until the
 * fence-peer handler has outdated the peer (or 'rblkadm resume-io'), as
 * that peer may be promoted meanwhile. Not a Primary without a disk of
 * its own (kmod/ioerr.c): the peer holds the only good copy.
 */
static inline void rblk_state_lost_peer(const struct rblk_state *os,
					struct rblk_state *ns,
					unsigned int fencing)
{
	if (fencing == RBLK_FENCING_RESOURCE_AND_STONITH &&
	    os->role == RBLK_ROLE_PRIMARY && rblk_conn_is_up(os->conn) &&
	    !rblk_conn_is_up(ns->conn) && os->peer_disk > RBLK_DISK_OUTDATED &&
	    os->disk == RBLK_DISK_UPTODATE)
		ns->susp |= RBLK_SUSP_IO_FENCING;
}

/*
 * May the device go from @os to @ns? 0, or a negative errno with *why
 * saying which rule refused it.
 */
static inline int rblk_state_check(const struct rblk_state *os,
				   const struct rblk_state *ns,
				   unsigned int flags, const char **why)
{
	int ret;

	if (!rblk_state_valid_values(ns))
		return *why = "no such state", -EINVAL;
	if (rblk_state_equal(os, ns))
		return 0;
	/* A disk that failed, or none, never comes back by itself. */
	if (os->disk == RBLK_DISK_DISKLESS && ns->disk != RBLK_DISK_DISKLESS &&
	    !(flags & RBLK_SC_ATTACH))
		return *why = "no disk is attached", -ENODATA;
	ret = rblk_state_check_edges(os, ns, why);
	if (!ret)
		ret = rblk_state_check_primary_target(os, ns, flags, why);
	if (!ret && (flags & RBLK_SC_ADMIN))
		ret = rblk_state_check_admin(os, ns, flags, why);
	if (!ret)
		ret = rblk_state_check_invariants(ns, why);
	return ret;
}

/* ---- the connect decision ------------------------------------------- */

/* One node as its first STATE of a connection described it. */
struct rblk_cd_side {
	struct rblk_gi gi;
	u64 sectors;			/* size of the device (its STATE) */
	u64 bits;			/* blocks marked out of sync */
	u8 role, disk;
	bool discard_my_data;		/* connect --discard-my-data */
	/*
	 * From SIZES (RBLK_FEAT_SIZES), in sectors; usable 0: not sent.
	 * usable: what the disk gives (its data area, within `size`);
	 * in_use: the size its data has (agreed before), 0: none yet.
	 */
	u64 usable, in_use;
};

enum rblk_cd_verdict {
	RBLK_CD_CONNECT,		/* use both disks; sync says how */
	RBLK_CD_SIZE,			/* no size fits both (rblk_cd_size()) */
	RBLK_CD_SPLIT_BRAIN,		/* both wrote; no policy resolves it */
	RBLK_CD_UNRELATED,		/* no common generation */
	RBLK_CD_LOCAL_PRIMARY_TARGET,	/* we lack data but are Primary */
	RBLK_CD_PEER_PRIMARY_TARGET,	/* the peer lacks data but is Primary */
	RBLK_CD_BOTH_PRIMARY,
	RBLK_CD_LOCAL_INCONSISTENT_SOURCE, /* we would send data we lack */
	RBLK_CD_PEER_INCONSISTENT_SOURCE,  /* the peer would */
	RBLK_CD_LOCAL_DISKLESS_PRIMARY,	/* we are Primary without a disk */
	RBLK_CD_PEER_DISKLESS_PRIMARY,	/* the peer is */
	__RBLK_CD_LAST
};

enum rblk_cd_sync {
	RBLK_CD_SYNC_NONE,
	RBLK_CD_SYNC_SOURCE,
	RBLK_CD_SYNC_TARGET,
};

struct rblk_cd_result {
	enum rblk_cd_verdict verdict;
	enum rblk_cd_sync sync;
	bool full;			/* every block, not only the marked */
	bool same_generation;		/* both in one generation: diverged ends */
	bool up_to_date;		/* a Consistent disk here is current */
	enum rblk_gi_result gi;		/* the generation compare ... */
	int rule;			/* ... and its row in docs/generations.md */
	enum rblk_sb_verdict sb;	/* a split brain resolved, and how */
	int sb_policy;			/* after-sb policy index, -1: discard-my-data */
	bool pri_lost;			/* refused: this Primary lost (call-pri-lost-after-sb) */
	u64 size;			/* sectors both use, both with disks */
};

/*
 * The size both nodes use, in sectors; 0: none fits. Data in use keeps
 * its size: a side whose disk holds data (in_use) gets no other (a
 * different size in use on each side is refused), and the other side's
 * disk must give it. Two sides without data use the smaller disk. A side
 * that sent no SIZES (an older rblk): the sizes must be equal.
 */
static inline u64 rblk_cd_size(const struct rblk_cd_side *l,
			       const struct rblk_cd_side *p)
{
	u64 lo, hi;

	if (!l->usable || !p->usable)
		return l->sectors == p->sectors ? l->sectors : 0;
	if (l->in_use && p->in_use && l->in_use != p->in_use)
		return 0;
	lo = l->in_use > p->in_use ? l->in_use : p->in_use;
	hi = l->usable < p->usable ? l->usable : p->usable;
	if (lo > hi)
		return 0;
	return lo ? lo : hi;
}

/*
 * Same generation, but blocks marked out of sync on a side (a verify found
 * them, or the peer failed a write): resync them from the Primary, or from
 * the side that marked them; the tie goes to the nonce's winner.
 */
static inline enum rblk_cd_sync
rblk_cd_marks(const struct rblk_cd_side *l, const struct rblk_cd_side *p,
	      bool won)
{
	if (!l->bits && !p->bits)
		return RBLK_CD_SYNC_NONE;
	/* An Outdated side takes them from an UpToDate one. */
	if (l->disk == RBLK_DISK_OUTDATED && p->disk == RBLK_DISK_UPTODATE)
		return RBLK_CD_SYNC_TARGET;
	if (p->disk == RBLK_DISK_OUTDATED && l->disk == RBLK_DISK_UPTODATE)
		return RBLK_CD_SYNC_SOURCE;
	if (l->disk < RBLK_DISK_CONSISTENT || p->disk < RBLK_DISK_CONSISTENT)
		return RBLK_CD_SYNC_NONE;
	if (l->role == RBLK_ROLE_PRIMARY)
		return RBLK_CD_SYNC_SOURCE;
	if (p->role == RBLK_ROLE_PRIMARY)
		return RBLK_CD_SYNC_TARGET;
	if (l->bits && p->bits)
		return won ? RBLK_CD_SYNC_SOURCE : RBLK_CD_SYNC_TARGET;
	return l->bits ? RBLK_CD_SYNC_SOURCE : RBLK_CD_SYNC_TARGET;
}

static inline void rblk_cd_split_brain(const unsigned int after_sb[3],
				       const struct rblk_cd_side *l,
				       const struct rblk_cd_side *p, bool won,
				       struct rblk_cd_result *r)
{
	struct rblk_sb_side ls = {
		.primary = l->role == RBLK_ROLE_PRIMARY,
		.lost_as_primary = !!(l->gi.flags & (RBLK_MDF_LOST_AS_PRIMARY |
						     RBLK_MDF_CRASHED_PRIMARY)),
		.discard_my_data = l->discard_my_data,
		.changes = l->bits,
	}, ps = {
		.primary = p->role == RBLK_ROLE_PRIMARY,
		.lost_as_primary = !!(p->gi.flags & (RBLK_MDF_LOST_AS_PRIMARY |
						     RBLK_MDF_CRASHED_PRIMARY)),
		.discard_my_data = p->discard_my_data,
		.changes = p->bits,
	};
	int primaries = ls.primary + ps.primary;

	r->sb = rblk_sb_resolve(after_sb, &ls, &ps, won);
	r->sb_policy = ls.discard_my_data || ps.discard_my_data ? -1 :
		       (int)after_sb[primaries < 2 ? primaries : 2];
	if (r->sb == RBLK_SB_REFUSE || r->sb == RBLK_SB_PRI_LOST) {
		r->verdict = RBLK_CD_SPLIT_BRAIN;
		r->pri_lost = r->sb == RBLK_SB_PRI_LOST;
		return;
	}
	r->sync = r->sb == RBLK_SB_LOCAL_LOSES ? RBLK_CD_SYNC_TARGET :
						 RBLK_CD_SYNC_SOURCE;
	r->full = r->gi == RBLK_GI_SPLIT_BRAIN_FULL;
}

/* The generation table's answer (include/rblk/gi.h), as a sync. */
static inline void rblk_cd_generations(const unsigned int after_sb[3],
				       const struct rblk_cd_side *l,
				       const struct rblk_cd_side *p, bool won,
				       struct rblk_cd_result *r)
{
	r->gi = rblk_gi_compare(&l->gi, &p->gi, won, &r->rule);
	switch (r->gi) {
	case RBLK_GI_NO_SYNC:
		r->same_generation = true;
		r->sync = rblk_cd_marks(l, p, won);
		/*
		 * Same data, nothing to resync: Consistent is current;
		 * Outdated if the peer is.
		 */
		r->up_to_date = (l->disk == RBLK_DISK_CONSISTENT &&
				 p->disk >= RBLK_DISK_CONSISTENT) ||
				(l->disk == RBLK_DISK_OUTDATED &&
				 p->disk == RBLK_DISK_UPTODATE &&
				 r->sync == RBLK_CD_SYNC_NONE);
		break;
	case RBLK_GI_BOTH_NEW:
		break;
	case RBLK_GI_BITMAP_SOURCE:
	case RBLK_GI_FULL_SOURCE:
		r->sync = RBLK_CD_SYNC_SOURCE;
		r->full = r->gi == RBLK_GI_FULL_SOURCE;
		break;
	case RBLK_GI_BITMAP_TARGET:
	case RBLK_GI_FULL_TARGET:
		r->sync = RBLK_CD_SYNC_TARGET;
		r->full = r->gi == RBLK_GI_FULL_TARGET;
		break;
	case RBLK_GI_SPLIT_BRAIN:
	case RBLK_GI_SPLIT_BRAIN_FULL:
		rblk_cd_split_brain(after_sb, l, p, won, r);
		break;
	default:
		r->verdict = RBLK_CD_UNRELATED;
		break;
	}
}

/*
 * A Primary without a disk (@dl) and the peer that served it (kmod/
 * ioerr.c): an UpToDate Secondary still at the generation it started
 * when that disk failed, which @dl gives as its current one (none if it
 * was never served). Any other peer may lack its writes, or have
 * changed since (promoted, resynced): refused.
 */
static inline bool rblk_cd_served(const struct rblk_cd_side *dl,
				  const struct rblk_cd_side *p)
{
	return rblk_gi_real(dl->gi.uuid[RBLK_UI_CURRENT]) &&
	       dl->gi.uuid[RBLK_UI_CURRENT] == p->gi.uuid[RBLK_UI_CURRENT] &&
	       p->role == RBLK_ROLE_SECONDARY && p->disk == RBLK_DISK_UPTODATE;
}

/*
 * The peer's first STATE against ours: can the two disks be used together,
 * and which way does a resync go? @has_meta: this node tracks generations
 * (without metadata there is nothing to compare; the sizes still must
 * match). @won: our HELLO nonce was the larger, so we break ties.
 * Checked in this order, each refusal said before the next: sizes, the
 * generations (split brain, unrelated data), an Inconsistent disk that
 * would be SyncSource (it would spread what it lacks), a Primary that
 * would be SyncTarget, two Primaries.
 */
static inline void rblk_connect_decide(const unsigned int after_sb[3],
				       const struct rblk_cd_side *l,
				       const struct rblk_cd_side *p,
				       bool has_meta, bool won,
				       struct rblk_cd_result *r)
{
	*r = (struct rblk_cd_result){ .verdict = RBLK_CD_CONNECT,
				      .gi = RBLK_GI_NO_SYNC, .rule = -1,
				      .sb = RBLK_SB_REFUSE, .sb_policy = -1 };
	/*
	 * A side without a usable disk (it failed): nothing to compare or
	 * resync; the other side marks what it writes. A Primary without a
	 * disk only to the peer that served it (rblk_cd_served()).
	 */
	if (l->disk <= RBLK_DISK_FAILED || p->disk <= RBLK_DISK_FAILED) {
		if (l->role == RBLK_ROLE_PRIMARY && l->disk <= RBLK_DISK_FAILED &&
		    !rblk_cd_served(l, p))
			r->verdict = RBLK_CD_LOCAL_DISKLESS_PRIMARY;
		else if (p->role == RBLK_ROLE_PRIMARY && p->disk <= RBLK_DISK_FAILED &&
			 !rblk_cd_served(p, l))
			r->verdict = RBLK_CD_PEER_DISKLESS_PRIMARY;
		else if (l->role == RBLK_ROLE_PRIMARY && p->role == RBLK_ROLE_PRIMARY)
			r->verdict = RBLK_CD_BOTH_PRIMARY;
		return;
	}
	r->size = rblk_cd_size(l, p);
	if (!r->size) {
		r->verdict = RBLK_CD_SIZE;
		return;
	}
	if (has_meta)
		rblk_cd_generations(after_sb, l, p, won, r);
	if (r->verdict != RBLK_CD_CONNECT)
		return;
	if (r->sync == RBLK_CD_SYNC_SOURCE && l->disk < RBLK_DISK_OUTDATED)
		r->verdict = RBLK_CD_LOCAL_INCONSISTENT_SOURCE;
	else if (r->sync == RBLK_CD_SYNC_TARGET && p->disk < RBLK_DISK_OUTDATED)
		r->verdict = RBLK_CD_PEER_INCONSISTENT_SOURCE;
	else if (r->sync == RBLK_CD_SYNC_TARGET && l->role == RBLK_ROLE_PRIMARY)
		r->verdict = RBLK_CD_LOCAL_PRIMARY_TARGET;
	else if (r->sync == RBLK_CD_SYNC_SOURCE && p->role == RBLK_ROLE_PRIMARY)
		r->verdict = RBLK_CD_PEER_PRIMARY_TARGET;
	else if (l->role == RBLK_ROLE_PRIMARY && p->role == RBLK_ROLE_PRIMARY)
		r->verdict = RBLK_CD_BOTH_PRIMARY;
}

#endif /* RBLK_STATE_H */
