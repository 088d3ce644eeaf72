// SPDX-License-Identifier: (GPL-2.0 OR MIT)
#include <stdio.h>
#include <string.h>

#include <rblk/fence.h>
#include <rblk/genl.h>
#include <rblk/wire.h>

#include "status.h"
#include "util.h"

void printer_init(struct printer *p, bool json)
{
	*p = (struct printer){ .json = json, .first = true, .line_start = true };
}

static void sep(struct printer *p)
{
	if (p->json) {
		if (!p->first)
			putchar(',');
	} else if (!p->line_start) {
		putchar(' ');
	}
	p->first = false;
	p->line_start = false;
}

void printer_list_begin(struct printer *p)
{
	if (p->json)
		putchar('[');
	p->first = true;
}

void printer_list_end(struct printer *p)
{
	if (p->json)
		puts("]");
}

void printer_obj_begin(struct printer *p, const char *title)
{
	if (p->json) {
		sep(p);
		putchar('{');
		p->first = true;
		return;
	}
	fputs(title, stdout);
	p->line_start = false;
}

void printer_obj_end(struct printer *p)
{
	if (p->json) {
		putchar('}');
		p->first = false;
		return;
	}
	putchar('\n');
	p->line_start = true;
}

void printer_record_end(struct printer *p)
{
	printer_obj_end(p);
	if (p->json) {
		putchar('\n');
		p->first = true;	/* the next one is no list item either */
	}
}

void printer_line(struct printer *p)
{
	if (p->json)
		return;
	fputs("\n  ", stdout);
	p->line_start = true;
}

static void key(struct printer *p, const char *k)
{
	sep(p);
	if (p->json) {
		json_str(k);
		putchar(':');
	} else {
		printf("%s:", k);
	}
}

/*
 * Text: control characters as \xNN, so that a name a peer chose (in a
 * kernel message) cannot drive the terminal.
 */
void field_str(struct printer *p, const char *k, const char *val)
{
	const unsigned char *c;

	key(p, k);
	if (p->json) {
		json_str(val);
		return;
	}
	for (c = (const unsigned char *)val; *c; c++) {
		if (*c < 0x20 || *c == 0x7f)
			printf("\\x%02x", *c);
		else
			putchar(*c);
	}
}

void field_u64(struct printer *p, const char *k, uint64_t val)
{
	key(p, k);
	printf("%llu", (unsigned long long)val);
}

void field_bool(struct printer *p, const char *k, bool val)
{
	key(p, k);
	fputs(p->json ? (val ? "true" : "false") : (val ? "yes" : "no"), stdout);
}

const char *role_name(uint8_t role)
{
	static const char *const names[] = {
		[RBLK_ROLE_UNKNOWN] = "Unknown",
		[RBLK_ROLE_PRIMARY] = "Primary",
		[RBLK_ROLE_SECONDARY] = "Secondary",
	};

	return role < ARRAY_SIZE(names) ? names[role] : "Unknown";
}

const char *disk_state_name(uint8_t state)
{
	static const char *const names[] = {
		[RBLK_DISK_DISKLESS] = "Diskless",
		[RBLK_DISK_ATTACHING] = "Attaching",
		[RBLK_DISK_FAILED] = "Failed",
		[RBLK_DISK_INCONSISTENT] = "Inconsistent",
		[RBLK_DISK_OUTDATED] = "Outdated",
		[RBLK_DISK_CONSISTENT] = "Consistent",
		[RBLK_DISK_UPTODATE] = "UpToDate",
	};

	return state < ARRAY_SIZE(names) ? names[state] : "Unknown";
}

const char *conn_state_name(uint8_t s)
{
	static const char *const names[] = {
		[RBLK_CONN_STANDALONE] = "StandAlone",
		[RBLK_CONN_CONNECTING] = "Connecting",
		[RBLK_CONN_CONNECTED] = "Connected",
		[RBLK_CONN_SYNC_SOURCE] = "SyncSource",
		[RBLK_CONN_SYNC_TARGET] = "SyncTarget",
		[RBLK_CONN_VERIFY_SOURCE] = "VerifyS",
		[RBLK_CONN_VERIFY_TARGET] = "VerifyT",
	};

	return s < ARRAY_SIZE(names) ? names[s] : "Unknown";
}

const char *event_name(uint8_t event)
{
	switch (event) {
	case RBLK_EVENT_CREATE: return "create";
	case RBLK_EVENT_DESTROY: return "destroy";
	case RBLK_EVENT_CHANGE: return "change";
	default: return "exists";
	}
}

#define SYNC_SUSP	(RBLK_SUSP_SYNC_USER | RBLK_SUSP_SYNC_PEER)

/* What suspends the resync (enum rblk_susp_flags). */
const char *susp_name(uint32_t susp)
{
	switch (susp & SYNC_SUSP) {
	case RBLK_SUSP_SYNC_USER: return "user";
	case RBLK_SUSP_SYNC_PEER: return "peer";
	case RBLK_SUSP_SYNC_USER | RBLK_SUSP_SYNC_PEER: return "user+peer";
	default: return "no";
	}
}

/* "sync-" or "verify-" + name, for the progress fields of either. */
static const char *progress_key(const struct rblk_dev_info *d, const char *name,
				char *buf, size_t len)
{
	snprintf(buf, len, "%s-%s", d->sync_verify ? "verify" : "sync", name);
	return buf;
}

/*
 * Resync or verify progress: percentage, speed and time left; a verify
 * also says how far it got, the sector 'verify --start' continues from.
 */
static void sync_fields(struct printer *p, const struct rblk_dev_info *d)
{
	uint64_t left = d->sync_total_kib - d->sync_done_kib;
	char pct[16], k[32];

	if (d->sync_done_kib > d->sync_total_kib)
		left = 0;
	snprintf(pct, sizeof(pct), "%.1f", d->sync_total_kib ?
		 100.0 * (d->sync_total_kib - left) / d->sync_total_kib : 100.0);
	printer_line(p);
	field_str(p, progress_key(d, "percent", k, sizeof(k)), pct);
	field_bool(p, progress_key(d, "paused", k, sizeof(k)), d->sync_paused);
	field_u64(p, progress_key(d, "done-kib", k, sizeof(k)), d->sync_done_kib);
	field_u64(p, progress_key(d, "total-kib", k, sizeof(k)), d->sync_total_kib);
	field_u64(p, progress_key(d, "rate-kib", k, sizeof(k)), d->sync_rate_kib);
	progress_key(d, "eta-s", k, sizeof(k));
	if (d->sync_rate_kib)
		field_u64(p, k, left / d->sync_rate_kib);
	else
		field_str(p, k, "unknown");
	if (d->sync_verify)
		field_u64(p, "verify-pos", d->sync_pos);
}

/* The last verify's result in words, e.g. for the text status. */
void verify_summary(const struct rblk_dev_info *d, char *buf, size_t len)
{
	uint64_t blocks = d->verify_diff_kib / 4;
	size_t n;

	if (d->verify_diff_kib)
		n = snprintf(buf, len, "%llu KiB differ (%llu block%s)",
			     (unsigned long long)d->verify_diff_kib,
			     (unsigned long long)blocks, blocks == 1 ? "" : "s");
	else
		n = snprintf(buf, len, "no block differs");
	if (n < len)
		n += snprintf(buf + n, len - n, " in %llu KiB checked, %llu s",
			      (unsigned long long)d->verify_checked_kib,
			      (unsigned long long)(d->verify_elapsed_ms + 500) / 1000);
	if (n < len && d->verify_stopped)
		snprintf(buf + n, len - n,
			 "; stopped at sector %llu; 'rblkadm verify %s --start %llu' continues",
			 (unsigned long long)d->verify_pos, d->resource,
			 (unsigned long long)d->verify_pos);
}

/* The result of the last verify on this node, source or target. */
static void verify_fields(struct printer *p, const struct rblk_dev_info *d)
{
	char sum[256];

	verify_summary(d, sum, sizeof(sum));
	printer_line(p);
	field_str(p, "last-verify", sum);
	printer_line(p);
	field_u64(p, "last-verify-checked-kib", d->verify_checked_kib);
	field_u64(p, "last-verify-diff-kib", d->verify_diff_kib);
	field_u64(p, "last-verify-start", d->verify_start);
	field_u64(p, "last-verify-pos", d->verify_pos);
	field_u64(p, "last-verify-elapsed-ms", d->verify_elapsed_ms);
	field_bool(p, "last-verify-stopped", d->verify_stopped);
}

/* The digests and the fencing policy of the connection, as reported. */
static void digest_fields(struct printer *p, const struct rblk_dev_info *d)
{
	if (d->net_opts_set & (1U << RBLK_NET_VERIFY_ALG))
		field_str(p, "verify-alg", rblk_digest_name(d->net_opts[RBLK_NET_VERIFY_ALG]));
	if (d->net_opts_set & (1U << RBLK_NET_CSUMS_ALG))
		field_str(p, "csums-alg", rblk_digest_name(d->net_opts[RBLK_NET_CSUMS_ALG]));
	if (d->net_opts_set & (1U << RBLK_NET_FENCING))
		field_str(p, "fencing", rblk_fencing_name(d->net_opts[RBLK_NET_FENCING]));
}

/*
 * The fence-peer handler after a Primary lost its peer: running for how
 * long, or what the last one said (include/rblk/fence.h).
 */
static void fence_fields(struct printer *p, const struct rblk_dev_info *d)
{
	char last[64];

	printer_line(p);
	if (d->fence_running) {
		snprintf(last, sizeof(last), "running %llu s",
			 (unsigned long long)d->fence_elapsed_ms / 1000);
		field_str(p, "fence-peer", last);
	}
	if (d->fence_no_result)
		field_str(p, "last-fence-peer", "no result");
	else if (d->fence_finished) {
		snprintf(last, sizeof(last), "%u (%s)", d->fence_last_exit,
			 rblk_fence_exit_name(d->fence_last_exit));
		field_str(p, "last-fence-peer", last);
	}
	if (p->json) {
		field_bool(p, "fence-peer-running", d->fence_running);
		if (d->fence_finished && !d->fence_no_result)
			field_u64(p, "last-fence-peer-exit", d->fence_last_exit);
		field_u64(p, "fence-peer-elapsed-ms", d->fence_elapsed_ms);
		field_u64(p, "fence-peer-runs", d->fence_runs);
	}
}

static void connection_fields(struct printer *p, const struct rblk_dev_info *d)
{
	bool connected = rblk_conn_is_up(d->conn_state);

	printer_line(p);
	field_str(p, "connection", conn_state_name(d->conn_state));
	if (d->has_peer) {
		field_str(p, "peer", d->peer_name);
		field_str(p, "address", d->peer_addr);
		field_str(p, "peer-role", connected ? role_name(d->peer_role) : "Unknown");
		field_str(p, "peer-disk", connected ?
			  disk_state_name(d->peer_disk_state) : "DUnknown");
		/* What the peer's disk gives, as it said at the handshake. */
		if (connected && d->peer_size_sectors)
			field_u64(p, "peer-disk-size-kib", d->peer_size_sectors / 2);
		/* Paused before a resync: it will start paused (and who paused). */
		if ((d->susp & SYNC_SUSP) && !d->has_sync)
			field_str(p, "sync-paused", susp_name(d->susp));
		printer_line(p);
		field_u64(p, "sent-kib", d->stats[RBLK_STAT_SENT_KIB]);
		field_u64(p, "received-kib", d->stats[RBLK_STAT_RECEIVED_KIB]);
		field_u64(p, "pending-acks", d->stats[RBLK_STAT_PENDING_ACKS]);
		field_u64(p, "connects", d->stats[RBLK_STAT_CONNECTS]);
		digest_fields(p, d);
		/* Who may connect: the hmac, and who was turned away. */
		printer_line(p);
		field_str(p, "cram-hmac-alg", d->hmac_alg[0] ? d->hmac_alg : "none");
		field_u64(p, "refused-addr", d->stats[RBLK_STAT_REFUSED_ADDR]);
		field_u64(p, "auth-failures", d->stats[RBLK_STAT_AUTH_FAILURES]);
	}
	if (d->has_sync)
		sync_fields(p, d);
	if (d->has_verify)
		verify_fields(p, d);
	if (d->has_fence)
		fence_fields(p, d);
	/* Why it is not connected, in the kernel's words. */
	if (!connected && d->last_error[0]) {
		printer_line(p);
		field_str(p, "last-error", d->last_error);
	}
}

/* The peer's role and disk as this node knows them: only while connected. */
static const char *peer_role_name(const struct rblk_dev_info *d)
{
	return rblk_conn_is_up(d->conn_state) ? role_name(d->peer_role) : "Unknown";
}

static const char *peer_disk_name(const struct rblk_dev_info *d)
{
	return rblk_conn_is_up(d->conn_state) ?
	       disk_state_name(d->peer_disk_state) : "DUnknown";
}

const char *roles_pair(const struct rblk_dev_info *d, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", role_name(d->role), peer_role_name(d));
	return buf;
}

const char *disks_pair(const struct rblk_dev_info *d, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", disk_state_name(d->disk_state), peer_disk_name(d));
	return buf;
}

uint64_t wlat_count(const struct rblk_dev_info *d)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < RBLK_LAT_BUCKETS; i++)
		n += d->wlat[i];
	return n;
}

/* The mean of the writes so far; JSON also has what it is made of. */
static void latency_fields(struct printer *p, const struct rblk_dev_info *d)
{
	uint64_t n = wlat_count(d);

	field_u64(p, "write-latency-avg-us", n ? d->wlat_sum_us / n : 0);
	if (p->json) {
		field_u64(p, "write-latency-sum-us", d->wlat_sum_us);
		field_u64(p, "write-latency-count", n);
	}
}

static void device_fields(struct printer *p, const struct rblk_dev_info *d)
{
	bool primary = d->role == RBLK_ROLE_PRIMARY;
	char dev[32], gen[20], ro[40], ds[40];

	snprintf(dev, sizeof(dev), "/dev/rblk%u", d->minor);
	if (p->json) {
		field_u64(p, "json-version", RBLK_JSON_VERSION);
		field_str(p, "resource", d->resource);
	}
	field_str(p, "role", role_name(d->role));
	if (!p->json && d->has_peer) {
		/* At a glance, as drbd-overview users read it: local/peer. */
		field_str(p, "roles", roles_pair(d, ro, sizeof(ro)));
		field_str(p, "disks", disks_pair(d, ds, sizeof(ds)));
	}
	printer_line(p);
	field_str(p, "disk", disk_state_name(d->disk_state));
	field_str(p, "device", dev);
	field_u64(p, "minor", d->minor);
	field_u64(p, "size-kib", d->size_sectors / 2);
	field_str(p, "backing", d->backing_dev[0] ? d->backing_dev : "none");
	/* What the disk gives (size-kib is what both use), and `size`. */
	if (d->disk_size_sectors)
		field_u64(p, "disk-size-kib", d->disk_size_sectors / 2);
	if (d->size_limit_sectors)
		field_u64(p, "size-limit-kib", d->size_limit_sectors / 2);
	/* Why a disk went Failed/Diskless (kmod/ioerr.c), or a Primary's. */
	if (d->disk_error[0]) {
		printer_line(p);
		field_str(p, "disk-error", d->disk_error);
	}
	printer_line(p);
	field_u64(p, "open", d->open_count);
	/* Say why writes fail before someone has to read the kernel log. */
	field_str(p, "writable", primary ? "yes" : "no(Secondary)");
	/* Held until the peer is fenced, or 'rblkadm resume-io'. */
	if (d->susp & RBLK_SUSP_IO_FENCING)
		field_str(p, "io-suspended", "fencing");
	field_u64(p, "read-kib", d->stats[RBLK_STAT_READ_KIB]);
	field_u64(p, "written-kib", d->stats[RBLK_STAT_WRITTEN_KIB]);
	field_u64(p, "in-flight", d->stats[RBLK_STAT_IN_FLIGHT]);
	field_u64(p, "io-errors", d->stats[RBLK_STAT_IO_ERRORS]);
	/* Reads our disk failed, served by the peer; written back here. */
	field_u64(p, "read-retries", d->stats[RBLK_STAT_READ_RETRIES]);
	field_u64(p, "healed", d->stats[RBLK_STAT_HEALED]);
	if (d->has_wlat)
		latency_fields(p, d);
	/* The bitmap's view, connected or not, and the data's generation. */
	printer_line(p);
	field_u64(p, "out-of-sync-kib", d->stats[RBLK_STAT_OUT_OF_SYNC_KIB]);
	field_u64(p, "resynced-kib", d->stats[RBLK_STAT_RESYNCED_KIB]);
	/* checksum-based resync: equal blocks not sent, zero blocks sent short */
	field_u64(p, "resync-skipped-kib", d->stats[RBLK_STAT_RS_SKIPPED_KIB]);
	field_u64(p, "resync-zero-kib", d->stats[RBLK_STAT_RS_ZERO_KIB]);
	/* A disk attached to a Primary: its writes and the resync met. */
	field_u64(p, "resync-deferred-kib", d->stats[RBLK_STAT_RS_DEFERRED_KIB]);
	field_u64(p, "acks-held", d->stats[RBLK_STAT_ACKS_HELD]);
	field_u64(p, "al-writes", d->stats[RBLK_STAT_AL_WRITES]);
	if (d->has_gi) {
		snprintf(gen, sizeof(gen), "%016llx", (unsigned long long)d->uuid[0]);
		field_str(p, "generation", gen);
	}
	connection_fields(p, d);
}

void print_device(struct printer *p, const struct rblk_dev_info *d)
{
	printer_obj_begin(p, d->resource);
	device_fields(p, d);
	printer_obj_end(p);
}

/* One line per event: "<event> <resource> field:value ...". */
void print_device_event(struct printer *p, const struct rblk_dev_info *d)
{
	char title[sizeof(d->resource) + 16];

	snprintf(title, sizeof(title), "%s %s", event_name(d->event), d->resource);
	printer_obj_begin(p, title);
	if (p->json) {
		field_u64(p, "json-version", RBLK_JSON_VERSION);
		field_str(p, "event", event_name(d->event));
		field_str(p, "resource", d->resource);
	}
	field_str(p, "role", role_name(d->role));
	field_str(p, "disk", disk_state_name(d->disk_state));
	field_u64(p, "minor", d->minor);
	field_u64(p, "size-kib", d->size_sectors / 2);
	field_str(p, "connection", conn_state_name(d->conn_state));
	if (d->has_peer && rblk_conn_is_up(d->conn_state)) {
		field_str(p, "peer-role", role_name(d->peer_role));
		field_str(p, "peer-disk", disk_state_name(d->peer_disk_state));
	}
	if (d->susp & SYNC_SUSP)
		field_str(p, "sync-paused", susp_name(d->susp));
	if (d->susp & RBLK_SUSP_IO_FENCING)
		field_str(p, "io-suspended", "fencing");
	if (d->has_verify) {
		field_u64(p, "last-verify-checked-kib", d->verify_checked_kib);
		field_u64(p, "last-verify-diff-kib", d->verify_diff_kib);
		field_bool(p, "last-verify-stopped", d->verify_stopped);
	}
	printer_record_end(p);
}

/* ---- Prometheus text exposition (status --metrics) ------------------ */

enum m_kind { M_STAT, M_STAT_KIB, M_SIZE, M_OPEN, M_SUSP, M_DISK_ERROR, M_SYNC_LEFT, M_SYNC_RATE };

/*
 * One family per entry; a device without the fact (no peer, no resync)
 * has no sample. Counters end in _total, byte figures are in bytes.
 */
static const struct metric {
	const char *name, *type, *help;
	enum m_kind kind;
	int stat;		/* RBLK_STAT_*, for M_STAT and M_STAT_KIB */
	bool peer;		/* only with a configured peer */
} metrics[] = {
	{ "rblk_size_bytes", "gauge", "Size of the replicated device.", M_SIZE, 0, false },
	{ "rblk_open_count", "gauge", "Openers of /dev/rblkN.", M_OPEN, 0, false },
	{ "rblk_io_suspended", "gauge", "1 while I/O is held until the peer is fenced (or resume-io).", M_SUSP, 0, false },
	{ "rblk_disk_error", "gauge", "1 once the backing disk returned an I/O error, until a disk is attached again.", M_DISK_ERROR, 0, false },
	{ "rblk_read_bytes_total", "counter", "Data read through the device.", M_STAT_KIB, RBLK_STAT_READ_KIB, false },
	{ "rblk_written_bytes_total", "counter", "Data written through the device.", M_STAT_KIB, RBLK_STAT_WRITTEN_KIB, false },
	{ "rblk_reads_total", "counter", "Read requests.", M_STAT, RBLK_STAT_READS, false },
	{ "rblk_writes_total", "counter", "Write requests.", M_STAT, RBLK_STAT_WRITES, false },
	{ "rblk_flushes_total", "counter", "Flush requests.", M_STAT, RBLK_STAT_FLUSHES, false },
	{ "rblk_in_flight_requests", "gauge", "Requests not yet completed.", M_STAT, RBLK_STAT_IN_FLIGHT, false },
	{ "rblk_io_errors_total", "counter", "Requests completed with an error.", M_STAT, RBLK_STAT_IO_ERRORS, false },
	{ "rblk_read_retries_total", "counter", "Reads the backing disk failed, sent to the peer.", M_STAT, RBLK_STAT_READ_RETRIES, false },
	{ "rblk_healed_total", "counter", "Reads the backing disk failed whose data the peer served and was written back.", M_STAT, RBLK_STAT_HEALED, false },
	{ "rblk_out_of_sync_bytes", "gauge", "Data marked in the bitmap: it may differ from the peer's.", M_STAT_KIB, RBLK_STAT_OUT_OF_SYNC_KIB, false },
	{ "rblk_resynced_bytes_total", "counter", "Data resynced, as source or target.", M_STAT_KIB, RBLK_STAT_RESYNCED_KIB, false },
	{ "rblk_al_writes_total", "counter", "Activity log transactions written.", M_STAT, RBLK_STAT_AL_WRITES, false },
	{ "rblk_sent_bytes_total", "counter", "Data sent to the peer.", M_STAT_KIB, RBLK_STAT_SENT_KIB, true },
	{ "rblk_received_bytes_total", "counter", "Data received from the peer.", M_STAT_KIB, RBLK_STAT_RECEIVED_KIB, true },
	{ "rblk_pending_acks", "gauge", "Writes the peer has not acknowledged.", M_STAT, RBLK_STAT_PENDING_ACKS, true },
	{ "rblk_connects_total", "counter", "Connections made.", M_STAT, RBLK_STAT_CONNECTS, true },
	{ "rblk_refused_addresses_total", "counter", "Connections refused: not from the peer's address.", M_STAT, RBLK_STAT_REFUSED_ADDR, true },
	{ "rblk_auth_failures_total", "counter", "Handshakes refused on authentication.", M_STAT, RBLK_STAT_AUTH_FAILURES, true },
	{ "rblk_sync_remaining_bytes", "gauge", "Data the running resync or verify has still to do.", M_SYNC_LEFT, 0, true },
	{ "rblk_sync_rate_bytes_per_second", "gauge", "Rate of the running resync or verify.", M_SYNC_RATE, 0, true },
};

static bool metric_value(const struct metric *m, const struct rblk_dev_info *d,
			 uint64_t *v)
{
	if (m->peer && !d->has_peer)
		return false;
	switch (m->kind) {
	case M_STAT:
		*v = d->stats[m->stat];
		return true;
	case M_STAT_KIB:
		*v = d->stats[m->stat] * 1024;
		return true;
	case M_SIZE:
		*v = d->size_sectors * 512;
		return true;
	case M_OPEN:
		*v = d->open_count;
		return true;
	case M_SUSP:
		*v = !!(d->susp & RBLK_SUSP_IO_FENCING);
		return true;
	case M_DISK_ERROR:
		*v = !!d->disk_error[0];
		return true;
	case M_SYNC_LEFT:
		*v = d->sync_total_kib > d->sync_done_kib ?
		     (d->sync_total_kib - d->sync_done_kib) * 1024 : 0;
		return d->has_sync;
	case M_SYNC_RATE:
		*v = d->sync_rate_kib * 1024;
		return d->has_sync;
	}
	return false;
}

/* Label values are resource names and state words: escape anyway. */
static void label_value(const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			putchar('\\');
		if (*s == '\n')
			fputs("\\n", stdout);
		else
			putchar(*s);
	}
}

static void sample_begin(const char *name, const struct rblk_dev_info *d)
{
	printf("%s{resource=\"", name);
	label_value(d->resource);
	printf("\",minor=\"%u\"", d->minor);
}

/*
 * A state family: per device one sample for every state it can be in, 1
 * for the one it is in and 0 for the others (so that an alert can ask for
 * rblk_connection_state{state="Connected"} == 0). The states are name(0)
 * .. name(count - 1), and @extra if not NULL.
 */
struct state_family {
	const char *name, *help, *label;
	bool peer;				/* only devices with a peer */
	const char *(*word)(uint8_t);
	unsigned int count;
	const char *extra;
	const char *(*state)(const struct rblk_dev_info *);
};

static const char *m_role(const struct rblk_dev_info *d)
{
	return role_name(d->role);
}

static const char *m_disk(const struct rblk_dev_info *d)
{
	return disk_state_name(d->disk_state);
}

static const char *m_conn(const struct rblk_dev_info *d)
{
	return conn_state_name(d->conn_state);
}

static const struct state_family state_families[] = {
	{ "rblk_role", "This node's role (1 for the one in label role).", "role",
	  false, role_name, __RBLK_ROLE_LAST, NULL, m_role },
	{ "rblk_disk_state", "This node's disk state (1 for the one in label state).", "state",
	  false, disk_state_name, __RBLK_DISK_LAST, NULL, m_disk },
	{ "rblk_connection_state", "The connection's state (1 for the one in label state).", "state",
	  false, conn_state_name, __RBLK_CONN_LAST, NULL, m_conn },
	{ "rblk_peer_role", "The peer's role as this node knows it (1 for the one in label role).", "role",
	  true, role_name, __RBLK_ROLE_LAST, NULL, peer_role_name },
	{ "rblk_peer_disk_state", "The peer's disk state as this node knows it (1 for the one in label state).", "state",
	  true, disk_state_name, __RBLK_DISK_LAST, "DUnknown", peer_disk_name },
};

static void print_state_family(const struct state_family *f,
			       const struct rblk_dev_info *v, size_t n)
{
	unsigned int w;
	const char *s;
	size_t i;

	printf("# HELP %s %s\n# TYPE %s gauge\n", f->name, f->help, f->name);
	for (i = 0; i < n; i++) {
		if (f->peer && !v[i].has_peer)
			continue;
		for (w = 0; w < f->count + !!f->extra; w++) {
			s = w < f->count ? f->word(w) : f->extra;
			sample_begin(f->name, &v[i]);
			printf(",%s=\"", f->label);
			label_value(s);
			printf("\"} %d\n", !strcmp(s, f->state(&v[i])));
		}
	}
}

/*
 * rblk_write_latency_seconds, a Prometheus histogram: cumulative buckets
 * by upper bound ("le"), then the sum and the count.
 */
static void print_latency(const struct rblk_dev_info *v, size_t n)
{
	const char *name = "rblk_write_latency_seconds";
	uint64_t cum;
	size_t i, b;

	printf("# HELP %s Time from a write's arrival to its completion on both disks (one without a peer).\n"
	       "# TYPE %s histogram\n", name, name);
	for (i = 0; i < n; i++) {
		if (!v[i].has_wlat)
			continue;
		cum = 0;
		for (b = 0; b < RBLK_LAT_BUCKETS; b++) {
			cum += v[i].wlat[b];
			sample_begin("rblk_write_latency_seconds_bucket", &v[i]);
			if (b < RBLK_LAT_BOUNDS)
				printf(",le=\"%g\"} %llu\n",
				       rblk_lat_bounds_us[b] / 1e6,
				       (unsigned long long)cum);
			else
				printf(",le=\"+Inf\"} %llu\n",
				       (unsigned long long)cum);
		}
		sample_begin("rblk_write_latency_seconds_sum", &v[i]);
		printf("} %llu.%06llu\n",
		       (unsigned long long)(v[i].wlat_sum_us / 1000000),
		       (unsigned long long)(v[i].wlat_sum_us % 1000000));
		sample_begin("rblk_write_latency_seconds_count", &v[i]);
		printf("} %llu\n", (unsigned long long)cum);
	}
}

void print_metrics(const struct rblk_dev_info *v, size_t n)
{
	const struct metric *m;
	uint64_t x;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(state_families); i++)
		print_state_family(&state_families[i], v, n);
	for (m = metrics; m < metrics + ARRAY_SIZE(metrics); m++) {
		printf("# HELP %s %s\n# TYPE %s %s\n", m->name, m->help, m->name,
		       m->type);
		for (i = 0; i < n; i++) {
			if (!metric_value(m, &v[i], &x))
				continue;
			sample_begin(m->name, &v[i]);
			printf("} %llu\n", (unsigned long long)x);
		}
	}
	print_latency(v, n);
}
