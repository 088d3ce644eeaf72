/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * rblk generic netlink ABI — the only contract between rblk.ko and rblkadm.
 *
 * Family name RBLK_GENL_NAME, version RBLK_GENL_VERSION, one multicast group
 * RBLK_GENL_MCGRP_EVENTS. Every command addresses one device by its minor.
 *
 * RBLK_CMD_GET_DEVICE
 *   doit with RBLK_A_MINOR: reply with that device's state.
 *   dumpit (NLM_F_DUMP), no attributes: one message per device.
 *   Reply attributes:
 *     RBLK_A_MINOR        u32     minor number of /dev/rblkN
 *     RBLK_A_RESOURCE     string  resource name
 *     RBLK_A_BACKING_DEV  string  path of the backing block device
 *     RBLK_A_SIZE         u64     size of /dev/rblkN in 512-byte sectors
 *     RBLK_A_ROLE         u8      enum rblk_role
 *     RBLK_A_DISK_STATE   u8      enum rblk_disk_state
 *     RBLK_A_OPEN_COUNT   u32     current openers of /dev/rblkN
 *     RBLK_A_STATS        nested  RBLK_STAT_* u64 counters
 *     RBLK_A_META_DEV     string  external metadata device, if any
 *     RBLK_A_GI           nested  RBLK_GI_* generation UUIDs and md flags
 *     RBLK_A_CONN_STATE   u8      enum rblk_conn_state
 *     RBLK_A_PEER_ROLE    u8      enum rblk_role (as the peer last said)
 *     RBLK_A_PEER_DISK_STATE u8   enum rblk_disk_state
 *     RBLK_A_PEER_ADDR    binary  the peer's address, when configured
 *     RBLK_A_PEER_NAME    string  the peer's node name
 *     RBLK_A_LAST_ERROR   string  why the last connection attempt or
 *                                 connection failed (empty if none)
 *     RBLK_A_SYNC         nested  RBLK_SYNC_A_*, while resyncing/verifying
 *     RBLK_A_NET_OPTS     nested  every RBLK_NET_* number of a configured
 *                                 connection (times in ms, as set; what
 *                                 'rblkadm adjust' compares); with a shared
 *                                 secret, RBLK_NET_CRAM_HMAC_ALG and, to a
 *                                 CAP_SYS_ADMIN caller (never in events),
 *                                 RBLK_NET_SECRET_ID; never the secret
 *     RBLK_A_VERIFY       nested  RBLK_VERIFY_A_*: the last verify's result
 *     RBLK_A_SUSP         u32     enum rblk_susp_flags: what suspends the
 *                                 resync, and all I/O for fencing (absent:
 *                                 nothing)
 *     RBLK_A_FENCE        nested  RBLK_FENCE_A_*: the fence-peer handler,
 *                                 running or last run (disk { fencing })
 *     RBLK_A_WRITE_LATENCY nested RBLK_LAT_A_*: how long writes took
 *                                 (include/rblk/latency.h)
 *     RBLK_A_DISK_ERROR   string  the first I/O error of the backing disk
 *                                 since its attach ("write error at sector
 *                                 N (-5)"); absent if none. A Secondary's
 *                                 disk goes Failed, then Diskless, on it
 *     RBLK_A_ON_IO_ERROR  u32     enum rblk_on_io_error (disk { on-io-error })
 *     RBLK_A_SIZE_LIMIT   u64     disk { size } of the attached disk, in
 *                                 sectors; absent if none
 *     RBLK_A_DISK_SIZE    u64     sectors the attached disk gives: its data
 *                                 area, within the size limit (RBLK_A_SIZE
 *                                 is the device's, agreed with the peer)
 *     RBLK_A_PEER_SIZE    u64     sectors the peer's disk gives, as its
 *                                 SIZES at the handshake said; while
 *                                 connected and that disk is still there
 *
 * RBLK_CMD_NEW_DEVICE (CAP_SYS_ADMIN)
 *   Creates /dev/rblk<RBLK_A_MINOR> for resource RBLK_A_RESOURCE (letters,
 *   digits, '_', '-', '.'). The device starts Secondary and Diskless (size
 *   0) unless RBLK_A_BACKING_DEV is given, which attaches it at once as
 *   RBLK_CMD_ATTACH does. Optional RBLK_A_FLAGS: none defined yet (0).
 *   Errors: EEXIST minor or resource name in use, EINVAL bad attribute.
 *
 * RBLK_CMD_ATTACH (CAP_SYS_ADMIN)
 *   RBLK_A_MINOR, RBLK_A_BACKING_DEV: open that block device exclusively
 *   and serve I/O from it; queue limits follow it. With RBLK_A_META_INTERNAL
 *   (flag) or RBLK_A_META_DEV (path), the metadata written by
 *   'rblkadm create-md' is read and checked first; the data area and disk
 *   state come from it (docs/metadata.md). Without either, the whole disk
 *   is the data area, UpToDate, with no generation tracking (low-level use).
 *   Optional RBLK_A_SIZE_LIMIT (sectors, at least 2048; 0: none): the
 *   device uses no more of the data area than that (disk { size }); data
 *   already larger is refused (EFBIG).
 *   Errors: ENOENT/ENOTBLK bad path, EBUSY claimed by someone else,
 *   EEXIST already attached, EMEDIUMTYPE no or bad metadata, EAGAIN a
 *   disk that failed is still being let go, EINVAL logical blocks larger
 *   than 4096 bytes.
 *
 * RBLK_CMD_DETACH (CAP_SYS_ADMIN)
 *   RBLK_A_MINOR: stop using the backing device (waits for I/O in flight);
 *   the device stays, Diskless, and fails I/O. EBUSY while open; EAGAIN
 *   while a disk that failed is being let go (Diskless soon); ENXIO
 *   without a disk.
 *
 * RBLK_CMD_DEL_DEVICE (CAP_SYS_ADMIN)
 *   Removes the device RBLK_A_MINOR (detaching it first). EBUSY while
 *   /dev/rblkN is open, ENODEV if there is no such device.
 *
 * RBLK_CMD_SET_ROLE (CAP_SYS_ADMIN)
 *   RBLK_A_MINOR, RBLK_A_ROLE (PRIMARY or SECONDARY), optional RBLK_A_FLAGS
 *   (enum rblk_role_flags). Demotion fails with EBUSY while /dev/rblkN is
 *   open for writing; promotion without UpToDate data needs RBLK_F_FORCE.
 *
 * RBLK_CMD_CONNECT (CAP_SYS_ADMIN)
 *   RBLK_A_MINOR, RBLK_A_LOCAL_ADDR, RBLK_A_PEER_ADDR (struct sockaddr_in
 *   or sockaddr_in6, exact size), RBLK_A_NODE_NAME, RBLK_A_PEER_NAME,
 *   optional RBLK_A_NET_OPTS (nested RBLK_NET_*; missing ones take their
 *   defaults) and RBLK_A_FLAGS (enum rblk_connect_flags). Listens on the
 *   local address (in the caller's network namespace) and connects to the
 *   peer until connected; reconnects by itself after a loss. Incoming
 *   connections from any other address than the peer's are closed unread.
 *   With RBLK_NET_CRAM_HMAC_ALG and RBLK_NET_SHARED_SECRET both nodes must
 *   prove the secret in the handshake (include/rblk/auth.h). EALREADY if
 *   not StandAlone, EADDRINUSE if the local address is taken, ENODATA
 *   without a disk, EOPNOTSUPP the kernel lacks the hmac.
 *
 * RBLK_CMD_DISCONNECT (CAP_SYS_ADMIN)
 *   RBLK_A_MINOR: close the connection and stop reconnecting (StandAlone).
 *
 * RBLK_CMD_VERIFY (CAP_SYS_ADMIN)
 *   RBLK_A_MINOR, optional RBLK_A_VERIFY_START / RBLK_A_VERIFY_STOP (u64
 *   sectors, default the whole device) and RBLK_A_FLAGS (enum
 *   rblk_verify_flags). Starts an online verify with the connection's
 *   verify-alg: the Primary (or this node, if neither is Primary) reads
 *   each block range, the peer sends digests of its copy, blocks that
 *   differ are marked out of sync. ENOTCONN not connected, EBUSY a resync
 *   or verify runs, ENOPROTOOPT no verify-alg configured.
 *
 * RBLK_CMD_NET_OPTS (CAP_SYS_ADMIN)
 *   RBLK_A_MINOR, RBLK_A_NET_OPTS: change the options of a configured
 *   connection while it runs (timeouts, after-sb policies, digests,
 *   resync rate: a running resync follows at once; the shared secret:
 *   the next handshake uses it; like every option, one the request leaves
 *   out takes its default: no secret turns authentication off, logged);
 *   ENOTCONN when StandAlone. EOPNOTSUPP: the kernel lacks a digest or
 *   the hmac. EINVAL: a secret the hmac refuses as its key.
 *
 * RBLK_CMD_OUTDATE (CAP_SYS_ADMIN)
 *   RBLK_A_MINOR: mark the local data Outdated, on disk: a promotion then
 *   needs RBLK_F_FORCE until a connect to an UpToDate peer of the same
 *   generation (or a resync) makes it UpToDate again. ENODATA no disk
 *   with metadata, EBUSY Primary, EISCONN connected, EALREADY the disk
 *   is Inconsistent (less than Outdated already); 0 if already Outdated.
 *
 * RBLK_CMD_HELPER_DONE (CAP_SYS_ADMIN)
 *   RBLK_A_MINOR, RBLK_A_HELPER_COOKIE (u64), RBLK_A_HELPER_STATUS (u32,
 *   0..255): the exit status of a handler the kernel waits for (it started
 *   "<usermode_helper> helper EVENT RES" with RBLK_HELPER_COOKIE=<16 hex
 *   digits> and RBLK_HELPER_TIMEOUT=<ms> in the environment). ESTALE: no
 *   handler with that cookie is waited for (finished, timed out, or the
 *   connection came back meanwhile, or ended). Never waits itself.
 *   Waited handlers: fence-peer (a Primary that lost its peer) and
 *   before-resync-target (RBLK_NET_BEFORE_RESYNC_WAIT).
 *
 * RBLK_CMD_RESUME_IO (CAP_SYS_ADMIN)
 *   RBLK_A_MINOR: end a suspension of I/O for fencing (RBLK_SUSP_IO_FENCING:
 *   a Primary under fencing resource-and-stonith lost its peer and the
 *   fence-peer handler has not outdated it): held and waiting requests go
 *   on without the peer. EALREADY if I/O is not suspended.
 *
 * RBLK_CMD_DISK_OPTS (CAP_SYS_ADMIN)
 *   RBLK_A_MINOR, RBLK_A_ON_IO_ERROR: what the device does on an I/O error
 *   of its backing disk, from the next error on; kept with the device
 *   (with or without a disk) until changed. A new device has
 *   RBLK_ON_IO_ERROR_DETACH.
 *
 * RBLK_CMD_EVENT (multicast on RBLK_GENL_MCGRP_EVENTS only)
 *   RBLK_A_EVENT (enum rblk_event) followed by the device attributes of a
 *   RBLK_CMD_GET_DEVICE reply (as far as they still exist). A device's
 *   RBLK_EVENT_CHANGE comes exactly once for every change of its state
 *   (role, disk, connection, peer role, peer disk, suspend flags) and
 *   never otherwise; generations, options and progress are read with
 *   RBLK_CMD_GET_DEVICE.
 *
 * A command refused by the state rules (include/rblk/state.h) fails with
 * their errno and says which rule in the extended ack's message.
 *
 * Compatibility: commands, attributes and enum values are only ever
 * appended. The kernel rejects unknown attributes and flags (strict
 * validation); userspace must ignore attributes it does not know.
 */
#ifndef RBLK_GENL_H
#define RBLK_GENL_H

#define RBLK_GENL_NAME		"rblk"
#define RBLK_GENL_VERSION	1
#define RBLK_GENL_MCGRP_EVENTS	"events"

#define RBLK_RESOURCE_NAME_MAX	64	/* including the terminating NUL */
#define RBLK_PATH_MAX		256	/* including the terminating NUL */
#define RBLK_MINOR_MAX		255	/* minors are 0..RBLK_MINOR_MAX */

enum rblk_cmd {
	RBLK_CMD_UNSPEC,
	RBLK_CMD_GET_DEVICE,
	RBLK_CMD_NEW_DEVICE,
	RBLK_CMD_DEL_DEVICE,
	RBLK_CMD_EVENT,
	RBLK_CMD_SET_ROLE,
	RBLK_CMD_ATTACH,
	RBLK_CMD_DETACH,
	RBLK_CMD_CONNECT,
	RBLK_CMD_DISCONNECT,
	RBLK_CMD_INVALIDATE,	/* flags: RBLK_F_REMOTE */
	RBLK_CMD_PAUSE_SYNC,	/* flags: RBLK_F_RESUME */
	RBLK_CMD_NEW_CURRENT_UUID, /* flags: RBLK_F_CLEAR_BITMAP */
	RBLK_CMD_VERIFY,	/* flags: RBLK_F_VERIFY_REPAIR */
	RBLK_CMD_NET_OPTS,
	RBLK_CMD_OUTDATE,
	RBLK_CMD_HELPER_DONE,
	RBLK_CMD_RESUME_IO,
	RBLK_CMD_DISK_OPTS,
	__RBLK_CMD_MAX
};
#define RBLK_CMD_MAX (__RBLK_CMD_MAX - 1)

enum rblk_attr {
	RBLK_A_UNSPEC,
	RBLK_A_MINOR,
	RBLK_A_RESOURCE,
	RBLK_A_BACKING_DEV,
	RBLK_A_SIZE,
	RBLK_A_ROLE,
	RBLK_A_DISK_STATE,
	RBLK_A_OPEN_COUNT,
	RBLK_A_STATS,
	RBLK_A_FLAGS,
	RBLK_A_EVENT,
	RBLK_A_META_DEV,
	RBLK_A_META_INTERNAL,
	RBLK_A_GI,
	RBLK_A_CONN_STATE,
	RBLK_A_PEER_ROLE,
	RBLK_A_PEER_DISK_STATE,
	RBLK_A_LOCAL_ADDR,
	RBLK_A_PEER_ADDR,
	RBLK_A_NODE_NAME,
	RBLK_A_PEER_NAME,
	RBLK_A_NET_OPTS,
	RBLK_A_LAST_ERROR,
	RBLK_A_SYNC,		/* nest, enum rblk_sync_attr, while resyncing */
	RBLK_A_VERIFY_START,	/* u64 sector */
	RBLK_A_VERIFY_STOP,	/* u64 sector, exclusive */
	RBLK_A_VERIFY,		/* nest, enum rblk_verify_attr */
	RBLK_A_SUSP,		/* u32, enum rblk_susp_flags */
	RBLK_A_HELPER_COOKIE,	/* u64, RBLK_CMD_HELPER_DONE */
	RBLK_A_HELPER_STATUS,	/* u32 exit status 0..255, RBLK_CMD_HELPER_DONE */
	RBLK_A_FENCE,		/* nest, enum rblk_fence_attr */
	RBLK_A_WRITE_LATENCY,	/* nest, enum rblk_lat_attr */
	RBLK_A_DISK_ERROR,	/* string: the backing disk's first I/O error */
	RBLK_A_ON_IO_ERROR,	/* u32, enum rblk_on_io_error */
	RBLK_A_SIZE_LIMIT,	/* u64 sectors: disk { size }, 0 none */
	RBLK_A_DISK_SIZE,	/* u64 sectors: what the disk gives */
	RBLK_A_PEER_SIZE,	/* u64 sectors: what the peer's disk gives */
	__RBLK_A_LAST
};
#define RBLK_A_MAX (__RBLK_A_LAST - 1)

/* Nested in RBLK_A_STATS; all u64. KiB counters count payload only. */
enum rblk_stat_attr {
	RBLK_STAT_UNSPEC,
	RBLK_STAT_READ_KIB,
	RBLK_STAT_WRITTEN_KIB,
	RBLK_STAT_READS,
	RBLK_STAT_WRITES,
	RBLK_STAT_FLUSHES,
	RBLK_STAT_DISCARDS,
	RBLK_STAT_IN_FLIGHT,
	RBLK_STAT_IO_ERRORS,
	RBLK_STAT_SENT_KIB,		/* data sent to the peer */
	RBLK_STAT_RECEIVED_KIB,		/* data received from the peer */
	RBLK_STAT_PENDING_ACKS,		/* writes the peer has not acked */
	RBLK_STAT_OUT_OF_SYNC_KIB,	/* marked in the bitmap: may differ */
	RBLK_STAT_CONNECTS,		/* connections made */
	RBLK_STAT_RESYNCED_KIB,		/* resynced, as source or target */
	RBLK_STAT_RS_SKIPPED_KIB,	/* resync: digests matched, not sent */
	RBLK_STAT_RS_ZERO_KIB,		/* resync: sent as a short zero packet */
	RBLK_STAT_AL_WRITES,		/* activity log transactions written */
	RBLK_STAT_REFUSED_ADDR,		/* connections from another address */
	RBLK_STAT_AUTH_FAILURES,	/* handshakes refused on authentication */
	RBLK_STAT_READ_RETRIES,		/* reads our disk failed, sent to the peer */
	RBLK_STAT_HEALED,		/* ... whose blocks were written back here */
	RBLK_STAT_RS_DEFERRED_KIB,	/* a Primary SyncTarget: resync blocks
					 * put off, its writes to them in flight */
	RBLK_STAT_ACKS_HELD,		/* a SyncSource: answers to its Primary's
					 * writes held behind resync blocks */
	__RBLK_STAT_LAST
};
#define RBLK_STAT_MAX (__RBLK_STAT_LAST - 1)

/* Progress of a resync, both on the source and on the target. */
enum rblk_sync_attr {
	RBLK_SYNC_A_UNSPEC,
	RBLK_SYNC_A_TOTAL_KIB,	/* u64, to resync when it started */
	RBLK_SYNC_A_DONE_KIB,	/* u64, resynced so far */
	RBLK_SYNC_A_ELAPSED_MS,	/* u64, since it started, pauses excluded */
	RBLK_SYNC_A_RATE_KIB,	/* u64, KiB/s over the last seconds */
	RBLK_SYNC_A_PAUSED,	/* flag */
	RBLK_SYNC_A_VERIFY,	/* flag: a verify, not a resync */
	RBLK_SYNC_A_POS,	/* u64 sector the verify has reached */
	__RBLK_SYNC_A_LAST
};
#define RBLK_SYNC_A_MAX (__RBLK_SYNC_A_LAST - 1)

/*
 * Nested in RBLK_A_FENCE: the fence-peer handler of a Primary that lost
 * its peer (include/rblk/fence.h says what its exit codes mean).
 */
enum rblk_fence_attr {
	RBLK_FENCE_A_UNSPEC,
	RBLK_FENCE_A_RUNNING,		/* flag: started, no result yet */
	RBLK_FENCE_A_ELAPSED_MS,	/* u64: since it started (running or the last) */
	RBLK_FENCE_A_LAST_EXIT,		/* u32: the last run's exit status, when there is one */
	RBLK_FENCE_A_NO_RESULT,		/* flag: the last run gave none in time */
	RBLK_FENCE_A_RUNS,		/* u32: started since the device was created */
	__RBLK_FENCE_A_LAST
};
#define RBLK_FENCE_A_MAX (__RBLK_FENCE_A_LAST - 1)

/*
 * Nested in RBLK_A_WRITE_LATENCY: the writes completed since the device
 * was created, by latency (include/rblk/latency.h has the buckets).
 */
enum rblk_lat_attr {
	RBLK_LAT_A_UNSPEC,
	RBLK_LAT_A_SUM_US,	/* u64: their latencies added, microseconds */
	RBLK_LAT_A_BUCKETS,	/* binary: RBLK_LAT_BUCKETS u64 in host byte
				 * order, the writes of each bucket (not
				 * cumulative); of another length, the bounds
				 * differ: userspace shows no histogram */
	__RBLK_LAT_A_LAST
};
#define RBLK_LAT_A_MAX (__RBLK_LAT_A_LAST - 1)

/* Nested in RBLK_A_VERIFY: the last verify on this node (source or target). */
enum rblk_verify_attr {
	RBLK_VERIFY_A_UNSPEC,
	RBLK_VERIFY_A_CHECKED_KIB,	/* u64 compared */
	RBLK_VERIFY_A_DIFF_KIB,		/* u64 found to differ (4 KiB blocks) */
	RBLK_VERIFY_A_START,		/* u64 first sector */
	RBLK_VERIFY_A_POS,		/* u64 sector reached (the end if done) */
	RBLK_VERIFY_A_ELAPSED_MS,	/* u64 */
	RBLK_VERIFY_A_STOPPED,		/* flag: interrupted before the end */
	__RBLK_VERIFY_A_LAST
};
#define RBLK_VERIFY_A_MAX (__RBLK_VERIFY_A_LAST - 1)

/* Nested in RBLK_A_GI. */
enum rblk_gi_attr {
	RBLK_GI_A_UNSPEC,
	RBLK_GI_A_CURRENT,	/* u64 */
	RBLK_GI_A_BITMAP,	/* u64 */
	RBLK_GI_A_HISTORY0,	/* u64 */
	RBLK_GI_A_HISTORY1,	/* u64 */
	RBLK_GI_A_FLAGS,	/* u32, enum rblk_md_flags */
	__RBLK_GI_A_LAST
};
#define RBLK_GI_A_MAX (__RBLK_GI_A_LAST - 1)

/*
 * Nested in RBLK_A_NET_OPTS; u32 unless said otherwise. Times in
 * milliseconds.
 */
enum rblk_net_attr {
	RBLK_NET_UNSPEC,
	RBLK_NET_PING_INT,	/* idle time before a PING */
	RBLK_NET_PING_TIMEOUT,	/* PING unanswered this long: peer dead */
	RBLK_NET_TIMEOUT,	/* a write unacked timeout x ko-count: dead */
	RBLK_NET_KO_COUNT,
	RBLK_NET_CONNECT_INT,	/* retry period while Connecting */
	RBLK_NET_SNDBUF,	/* socket send buffer bytes, 0 = auto */
	RBLK_NET_RCVBUF,	/* socket receive buffer bytes, 0 = auto */
	RBLK_NET_AFTER_SB_0PRI,	/* enum rblk_after_sb: split brain, no Primary */
	RBLK_NET_AFTER_SB_1PRI,	/* ... one Primary */
	RBLK_NET_AFTER_SB_2PRI,	/* ... two Primaries */
	RBLK_NET_VERIFY_ALG,	/* enum rblk_digest_alg (include/rblk/wire.h) */
	RBLK_NET_CSUMS_ALG,	/* enum rblk_digest_alg: checksum-based resync */
	RBLK_NET_RESYNC_RATE,	/* KiB/s: the resync's fixed rate when ... */
	RBLK_NET_C_PLAN_AHEAD,	/* ... this is 0 (ms; else the rate is dynamic) */
	RBLK_NET_CRAM_HMAC_ALG,	/* string: "sha256" = hmac(sha256); not u32 */
	RBLK_NET_SHARED_SECRET,	/* binary, 1..64 bytes, with the above; never
				 * reported back */
	RBLK_NET_SECRET_ID,	/* binary, 8 bytes, reported only: identifies
				 * the secret (include/rblk/auth.h) */
	RBLK_NET_MAX_BUFFERS,	/* 4 KiB pages the peer's requests may hold
				 * here until answered (docs/protocol.md) */
	RBLK_NET_FENCING,	/* enum rblk_fencing (disk { fencing }) */
	RBLK_NET_HANDLER_TIMEOUT, /* ms a waited handler may take; 0 = none */
	RBLK_NET_BEFORE_RESYNC_WAIT, /* 1: a before-resync-target handler is
				 * configured; a resync to this node starts
				 * only once it exited 0 */
	__RBLK_NET_LAST
};
#define RBLK_NET_MAX (__RBLK_NET_LAST - 1)

/*
 * disk { on-io-error }: on the first I/O error of an attached disk, the
 * node detaches it (Failed, then Diskless; a Primary only while its peer
 * serves it, else it passes the error on); CALL_HELPER also runs the
 * local-io-error handler, once: for the disk's first recorded error
 * (RBLK_A_DISK_ERROR) if the policy was CALL_HELPER at that moment.
 * PASS_ON keeps the disk: a failed write's error goes to the application
 * (its range marked out of sync), a read is first retried on the peer; a
 * Secondary whose disk failed a peer's write goes Outdated and resyncs;
 * an error during a resync or verify ends the connection (StandAlone); a
 * metadata error still detaches (kmod/ioerr.c).
 */
enum rblk_on_io_error {
	RBLK_ON_IO_ERROR_DETACH,
	RBLK_ON_IO_ERROR_CALL_HELPER,
	RBLK_ON_IO_ERROR_PASS_ON,
	__RBLK_ON_IO_ERROR_LAST
};

static inline const char *rblk_on_io_error_name(unsigned int p)
{
	return p == RBLK_ON_IO_ERROR_CALL_HELPER ? "call-local-io-error" :
	       p == RBLK_ON_IO_ERROR_PASS_ON ? "pass_on" :
	       p == RBLK_ON_IO_ERROR_DETACH ? "detach" : "?";
}

/*
 * What a Primary does when it loses its peer (disk { fencing }): nothing,
 * run the fence-peer handler, or also hold all I/O until the handler has
 * outdated the peer (or the operator says 'rblkadm resume-io').
 */
enum rblk_fencing {
	RBLK_FENCING_DONT_CARE,
	RBLK_FENCING_RESOURCE_ONLY,
	RBLK_FENCING_RESOURCE_AND_STONITH,
	__RBLK_FENCING_LAST
};

/* The words of rblk.conf(5). */
static inline const char *rblk_fencing_name(unsigned int f)
{
	switch (f) {
	case RBLK_FENCING_DONT_CARE: return "dont-care";
	case RBLK_FENCING_RESOURCE_ONLY: return "resource-only";
	case RBLK_FENCING_RESOURCE_AND_STONITH: return "resource-and-stonith";
	default: return "?";
	}
}

/* RBLK_A_FLAGS of RBLK_CMD_CONNECT. */
/* Automatic split brain recovery policies (net { after-sb-*pri }). */
enum rblk_after_sb {
	RBLK_ASB_DISCONNECT,		/* refuse: the operator decides */
	RBLK_ASB_DISCARD_YOUNGER_PRI,	/* 0pri: the node that became Primary during the split loses */
	RBLK_ASB_DISCARD_OLDER_PRI,	/* 0pri: the node that was Primary at the split loses */
	RBLK_ASB_DISCARD_ZERO_CHANGES,	/* 0pri: a node that changed nothing loses */
	RBLK_ASB_DISCARD_LEAST_CHANGES,	/* 0pri: the node with fewer changed blocks loses */
	RBLK_ASB_DISCARD_LOCAL,		/* 0pri: this node loses */
	RBLK_ASB_DISCARD_REMOTE,	/* 0pri: the peer loses */
	RBLK_ASB_CONSENSUS,		/* 1pri: the 0pri verdict if it makes the Secondary lose */
	RBLK_ASB_DISCARD_SECONDARY,	/* 1pri: the Secondary loses */
	RBLK_ASB_CALL_PRI_LOST_AFTER_SB, /* 1pri: the 0pri verdict; if it makes
					 * the Primary lose: refused, and the
					 * Primary runs pri-lost-after-sb */
	__RBLK_ASB_LAST
};

enum rblk_connect_flags {
	RBLK_F_DISCARD_MY_DATA = 1U << 0, /* split brain victim: become target */
	__RBLK_F_CONNECT_ALL = RBLK_F_DISCARD_MY_DATA
};

enum rblk_conn_state {
	RBLK_CONN_STANDALONE,
	RBLK_CONN_CONNECTING,
	RBLK_CONN_CONNECTED,
	RBLK_CONN_SYNC_SOURCE,	/* connected, sending the blocks the peer lacks */
	RBLK_CONN_SYNC_TARGET,	/* connected, receiving the blocks we lack */
	RBLK_CONN_VERIFY_SOURCE, /* connected, comparing: we read and decide */
	RBLK_CONN_VERIFY_TARGET, /* connected, comparing: we send digests */
	__RBLK_CONN_LAST
};

/* Connected, resyncing or not: writes go to the peer. */
static inline int rblk_conn_is_up(unsigned int s)
{
	return s == RBLK_CONN_CONNECTED || s == RBLK_CONN_SYNC_SOURCE ||
	       s == RBLK_CONN_SYNC_TARGET || s == RBLK_CONN_VERIFY_SOURCE ||
	       s == RBLK_CONN_VERIFY_TARGET;
}

/* RBLK_A_FLAGS of RBLK_CMD_SET_ROLE. */
enum rblk_role_flags {
	RBLK_F_FORCE = 1U << 0,		/* promote without UpToDate data */
	__RBLK_F_ROLE_ALL = RBLK_F_FORCE
};

enum rblk_invalidate_flags {
	RBLK_F_REMOTE = 1U << 0,	/* the peer's data, not ours, is thrown away */
	__RBLK_F_INVALIDATE_ALL = RBLK_F_REMOTE
};

enum rblk_pause_flags {
	RBLK_F_RESUME = 1U << 0,	/* resume rather than pause */
	__RBLK_F_PAUSE_ALL = RBLK_F_RESUME
};

enum rblk_new_uuid_flags {
	RBLK_F_CLEAR_BITMAP = 1U << 0,	/* two fresh connected disks: in sync now */
	__RBLK_F_NEW_UUID_ALL = RBLK_F_CLEAR_BITMAP
};

enum rblk_verify_flags {
	RBLK_F_VERIFY_REPAIR = 1U << 0,	/* resync what differs right away */
	__RBLK_F_VERIFY_ALL = RBLK_F_VERIFY_REPAIR
};

enum rblk_role {
	RBLK_ROLE_UNKNOWN,
	RBLK_ROLE_PRIMARY,
	RBLK_ROLE_SECONDARY,
	__RBLK_ROLE_LAST
};

enum rblk_disk_state {
	RBLK_DISK_DISKLESS,
	RBLK_DISK_ATTACHING,
	RBLK_DISK_FAILED,
	RBLK_DISK_INCONSISTENT,
	RBLK_DISK_OUTDATED,
	RBLK_DISK_CONSISTENT,
	RBLK_DISK_UPTODATE,
	__RBLK_DISK_LAST
};

/* RBLK_A_SUSP: what keeps a resync from sending (pause-sync). */
enum rblk_susp_flags {
	RBLK_SUSP_SYNC_USER = 1U << 0,	/* pause-sync on this node */
	RBLK_SUSP_SYNC_PEER = 1U << 1,	/* pause-sync on the peer */
	RBLK_SUSP_IO_FENCING = 1U << 2,	/* all I/O, until the peer is fenced */
	__RBLK_SUSP_ALL = (1U << 3) - 1
};

enum rblk_event {
	RBLK_EVENT_UNSPEC,
	RBLK_EVENT_CREATE,
	RBLK_EVENT_DESTROY,
	RBLK_EVENT_CHANGE,
	__RBLK_EVENT_LAST
};

#endif /* RBLK_GENL_H */
