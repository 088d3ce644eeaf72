/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * Generic netlink client for rblk.ko (libnl-genl). All kernel access by
 * rblkadm goes through here. Functions return 0 or a negative errno as the
 * kernel reported it; callers turn that into a message with a hint.
 */
#ifndef RBLK_NL_H
#define RBLK_NL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include <rblk/genl.h>
#include <rblk/latency.h>

struct plan_step;

/* One device as the kernel reports it (RBLK_CMD_GET_DEVICE). */
struct rblk_dev_info {
	uint32_t minor;
	char resource[64];
	char backing_dev[256];
	uint64_t size_sectors;
	uint64_t disk_size_sectors;	/* what the disk gives; 0: no disk */
	uint64_t size_limit_sectors;	/* disk { size }; 0: none */
	uint64_t peer_size_sectors;	/* what the peer's gives; 0: unknown */
	uint8_t role, disk_state;
	uint8_t event;		/* enum rblk_event, in event messages only */
	uint32_t open_count;
	uint32_t susp;		/* enum rblk_susp_flags */
	uint64_t stats[__RBLK_STAT_LAST];	/* indexed by RBLK_STAT_* */
	bool has_gi;
	uint64_t uuid[4];	/* current, bitmap, history 0, 1 */
	uint32_t md_flags;
	uint8_t conn_state, peer_role, peer_disk_state;
	bool has_peer;
	char peer_name[64];
	char peer_addr[64];
	char local_addr[64];	/* if the kernel reports it */
	char last_error[512];
	char disk_error[128];	/* the backing disk's first I/O error */
	uint32_t on_io_error;	/* enum rblk_on_io_error */
	bool meta_external;
	bool has_sync;		/* a resync or verify is running */
	bool sync_paused;
	bool sync_verify;	/* it is a verify (VerifyS/VerifyT) */
	uint64_t sync_total_kib, sync_done_kib, sync_elapsed_ms, sync_rate_kib;
	uint64_t sync_pos;	/* verify: sector reached */
	/* The connection's options (RBLK_A_NET_OPTS), when one is configured. */
	bool has_net_opts;
	uint32_t net_opts[__RBLK_NET_LAST];	/* indexed by RBLK_NET_* */
	uint32_t net_opts_set;			/* bit per RBLK_NET_* u32 reported */
	char hmac_alg[32];			/* cram-hmac-alg, "" without */
	char secret_id[17];			/* hex, reported to root only */
	/* The last verify on this node (RBLK_A_VERIFY). */
	bool has_verify, verify_stopped;
	uint64_t verify_checked_kib, verify_diff_kib, verify_start, verify_pos,
		 verify_elapsed_ms;
	/* The fence-peer handler (RBLK_A_FENCE), once it ran. */
	bool has_fence, fence_running, fence_finished, fence_no_result;
	uint32_t fence_last_exit, fence_runs;
	uint64_t fence_elapsed_ms;
	/* Completed writes by latency (RBLK_A_WRITE_LATENCY). */
	bool has_wlat;
	uint64_t wlat_sum_us;
	uint64_t wlat[RBLK_LAT_BUCKETS];	/* per bucket, not cumulative */
};


typedef void (*rblk_dev_cb)(const struct rblk_dev_info *d, void *arg);

/* Exit status when the module is missing (same as EXIT_NO_MODULE). */
#define EXIT_NO_MODULE_ERR 3

int rblk_nl_open(void);
/* rblk_nl_open(), printing what is wrong; returns an exit status. */
int rblk_nl_open_or_explain(void);

int rblk_nl_devices(rblk_dev_cb cb, void *arg);
/* Minor @minor into @out: 0, -ENODEV if there is none, or the dump's error. */
int rblk_nl_device(uint32_t minor, struct rblk_dev_info *out);
int rblk_nl_new_device(uint32_t minor, const char *res, const char *disk);
int rblk_nl_attach_meta(uint32_t minor, const char *disk, const char *meta_dev,
			bool meta_internal, uint64_t size_limit);
int rblk_nl_minor_cmd(uint8_t cmd, uint32_t minor);
int rblk_nl_minor_flags_cmd(uint8_t cmd, uint32_t minor, uint32_t flags);

/* RBLK_CMD_CONNECT: what a plan's net + connect steps say. */
struct rblk_connect_req {
	uint32_t minor, flags;
	struct sockaddr_storage local, peer;
	int local_len, peer_len;
	const char *node, *peer_node;
	uint32_t opts[__RBLK_NET_LAST];	/* indexed by RBLK_NET_* */
	uint32_t opts_set;		/* bit per RBLK_NET_* given */
	const char *hmac_alg, *secret;	/* cram-hmac-alg, shared-secret */
};
int rblk_nl_connect(const struct rblk_connect_req *r);
/* RBLK_CMD_NET_OPTS: r->opts of a configured connection (addresses unused). */
int rblk_nl_net_opts(const struct rblk_connect_req *r);
/* RBLK_CMD_VERIFY; start/stop UINT64_MAX: not sent (the kernel's default). */
int rblk_nl_verify(uint32_t minor, uint64_t start, uint64_t stop, uint32_t flags);
/* The kernel's extack message of the last failed request, or "". */
const char *rblk_nl_last_msg(void);
/* "1.2.3.4:7788" or "[::1]:7788" into a sockaddr. */
int parse_sockaddr(const char *s, struct sockaddr_storage *ss, int *len);
int rblk_nl_set_role(uint32_t minor, uint8_t role, uint32_t flags);
/* RBLK_CMD_HELPER_DONE: a waited handler's exit status, by its cookie. */
int rblk_nl_helper_done(uint32_t minor, uint64_t cookie, uint32_t status);
/* disk { on-io-error }: enum rblk_on_io_error. */
int rblk_nl_disk_opts(uint32_t minor, uint32_t on_io_error);
/* Join the events group (before listing what exists). */
int rblk_nl_events_subscribe(void);
/* After rblk_nl_events_subscribe(): call @cb for each event; never returns 0. */
int rblk_nl_events(rblk_dev_cb cb, void *arg);

/*
 * Execute one step of a plan (see plan.h) against the kernel. Returns 0 or
 * a negative errno; prints its own error message with a hint.
 */
int rblk_nl_exec(const struct plan_step *step);

#endif
