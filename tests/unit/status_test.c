// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The status and events printer fed with device states the kernel could
 * report (no kernel needed): verify progress and result, the new counters
 * and connection states, in text and JSON.
 */
#include <stdlib.h>
#include <unistd.h>

#include <rblk/genl.h>
#include <rblk/wire.h>

#include "status.h"
#include "test.h"

/* Standard output goes to a file from capture_begin() to capture_end(). */
static FILE *capture_file;
static int capture_saved;

static void capture_begin(void)
{
	capture_file = tmpfile();
	fflush(stdout);
	capture_saved = dup(STDOUT_FILENO);
	dup2(fileno(capture_file), STDOUT_FILENO);
}

/* What was written meanwhile, as a string. */
static char *capture_end(void)
{
	static char buf[16384];
	size_t n;

	fflush(stdout);
	dup2(capture_saved, STDOUT_FILENO);
	close(capture_saved);
	rewind(capture_file);
	n = fread(buf, 1, sizeof(buf) - 1, capture_file);
	buf[n] = 0;
	fclose(capture_file);
	return buf;
}

/* What print_device() or print_device_event() writes, as a string. */
static char *render(const struct rblk_dev_info *d, bool json, bool event)
{
	struct printer p;

	capture_begin();
	printer_init(&p, json);
	if (event)
		print_device_event(&p, d);
	else
		print_device(&p, d);
	return capture_end();
}

static bool starts_with(const char *t, const char *prefix)
{
	return !strncmp(t, prefix, strlen(prefix));
}

/* Count the lines of @t that start with @prefix. */
static int lines_starting(const char *t, const char *prefix)
{
	size_t len = strlen(prefix);
	int n = 0;

	for (; t && *t; t = strchr(t, '\n') ? strchr(t, '\n') + 1 : NULL)
		if (!strncmp(t, prefix, len))
			n++;
	return n;
}

static struct rblk_dev_info connected(void)
{
	struct rblk_dev_info d = {
		.minor = 0, .resource = "pg", .backing_dev = "/dev/vda",
		.size_sectors = 524288, .role = RBLK_ROLE_PRIMARY,
		.disk_state = RBLK_DISK_UPTODATE, .conn_state = RBLK_CONN_CONNECTED,
		.has_peer = true, .peer_role = RBLK_ROLE_SECONDARY,
		.peer_disk_state = RBLK_DISK_UPTODATE, .peer_name = "pg2",
		.peer_addr = "10.0.0.2:7788", .has_net_opts = true,
	};

	d.net_opts[RBLK_NET_VERIFY_ALG] = RBLK_DIGEST_SHA256;
	d.net_opts[RBLK_NET_CSUMS_ALG] = RBLK_DIGEST_CRC32C;
	d.net_opts_set = 1U << RBLK_NET_VERIFY_ALG | 1U << RBLK_NET_CSUMS_ALG;
	d.stats[RBLK_STAT_RS_SKIPPED_KIB] = 1024;
	d.stats[RBLK_STAT_RS_ZERO_KIB] = 64;
	return d;
}

static void test_names(void)
{
	CHECK_STR(conn_state_name(RBLK_CONN_VERIFY_SOURCE), "VerifyS");
	CHECK_STR(conn_state_name(RBLK_CONN_VERIFY_TARGET), "VerifyT");
	CHECK_STR(conn_state_name(__RBLK_CONN_LAST), "Unknown");
}

static void test_counters_and_digests(void)
{
	struct rblk_dev_info d = connected();
	char *t = render(&d, false, false);

	CHECK(strstr(t, "\n  out-of-sync-kib:0 resynced-kib:0 resync-skipped-kib:1024 resync-zero-kib:64") != NULL,
	      "counters:\n%s", t);
	CHECK(strstr(t, " connects:0 verify-alg:sha256 csums-alg:crc32c\n") != NULL,
	      "digests:\n%s", t);
	CHECK(!strstr(t, "verify-percent") && !strstr(t, "last-verify"), "no verify:\n%s", t);
	CHECK(!strstr(t, "write-latency"), "no latency from an older kernel:\n%s", t);

	/* The mean write latency; JSON also has its sum and count. */
	d.has_wlat = true;
	d.wlat[1] = 3;
	d.wlat[4] = 1;
	d.wlat_sum_us = 2900;
	t = render(&d, false, false);
	CHECK(strstr(t, " io-errors:0 read-retries:0 healed:0 write-latency-avg-us:725\n") != NULL, "latency:\n%s", t);
	d.stats[RBLK_STAT_READ_RETRIES] = 2;
	d.stats[RBLK_STAT_HEALED] = 1;
	t = render(&d, false, false);
	CHECK(strstr(t, " io-errors:0 read-retries:2 healed:1 write-latency-avg-us:725\n") != NULL, "retries:\n%s", t);
	t = render(&d, true, false);
	CHECK(strstr(t, "\"read-retries\":2,\"healed\":1,") != NULL, "json retries:\n%s", t);
	CHECK(strstr(t, "\"write-latency-avg-us\":725,\"write-latency-sum-us\":2900,\"write-latency-count\":4,") != NULL,
	      "json latency:\n%s", t);
}

/* A Secondary whose disk failed (kmod/ioerr.c): why, in text and JSON. */
static void test_disk_error(void)
{
	struct rblk_dev_info d = connected();
	char *t;

	d.role = RBLK_ROLE_SECONDARY;
	d.disk_state = RBLK_DISK_DISKLESS;
	d.backing_dev[0] = 0;
	snprintf(d.disk_error, sizeof(d.disk_error),
		 "write error at sector 2048 of /dev/mapper/r0 (-5)");
	t = render(&d, false, false);
	CHECK(strstr(t, " backing:none\n  disk-error:write error at sector 2048 of /dev/mapper/r0 (-5)\n") != NULL,
	      "text:\n%s", t);
	CHECK(strstr(t, " disks:Diskless/UpToDate") != NULL, "pair:\n%s", t);
	t = render(&d, true, false);
	CHECK(strstr(t, "\"disk\":\"Diskless\"") != NULL &&
	      strstr(t, "\"disk-error\":\"write error at sector 2048 of /dev/mapper/r0 (-5)\"") != NULL,
	      "json:\n%s", t);
	d.disk_error[0] = 0;
	t = render(&d, false, false);
	CHECK(!strstr(t, "disk-error"), "no error, no field:\n%s", t);
}

static void test_verify_running(void)
{
	struct rblk_dev_info d = connected();
	char *t;

	d.conn_state = RBLK_CONN_VERIFY_SOURCE;
	d.has_sync = d.sync_verify = true;
	d.sync_total_kib = 262144;
	d.sync_done_kib = 65536;
	d.sync_rate_kib = 8192;
	d.sync_pos = 131072;
	t = render(&d, false, false);
	CHECK(strstr(t, "\n  connection:VerifyS peer:pg2 ") != NULL, "state:\n%s", t);
	CHECK(strstr(t, "\n  verify-percent:25.0 verify-paused:no verify-done-kib:65536 verify-total-kib:262144 verify-rate-kib:8192 verify-eta-s:24 verify-pos:131072\n") != NULL,
	      "progress:\n%s", t);
	CHECK(!strstr(t, "sync-percent"), "no sync fields:\n%s", t);
	t = render(&d, true, false);
	CHECK(starts_with(t, "{\"json-version\":1,\"resource\":\"pg\","),
	      "json starts with its version:\n%s", t);
	t = render(&d, true, true);
	CHECK(starts_with(t, "{\"json-version\":1,\"event\":\"exists\","),
	      "event json starts with its version:\n%s", t);
	t = render(&d, true, false);
	CHECK(strstr(t, "\"verify-percent\":\"25.0\",\"verify-paused\":false,") != NULL &&
	      strstr(t, "\"verify-pos\":131072") != NULL, "json:\n%s", t);
	t = render(&d, false, true);
	CHECK_STR(t, "exists pg role:Primary disk:UpToDate minor:0 size-kib:262144 connection:VerifyS peer-role:Secondary peer-disk:UpToDate\n");
}

static void test_verify_result(void)
{
	struct rblk_dev_info d = connected();
	char *t;

	d.has_verify = true;
	d.verify_checked_kib = 262144;
	d.verify_diff_kib = 8;
	d.verify_pos = 524288;
	d.verify_elapsed_ms = 12345;
	t = render(&d, false, false);
	CHECK(strstr(t, "\n  last-verify:8 KiB differ (2 blocks) in 262144 KiB checked, 12 s\n"
		      "  last-verify-checked-kib:262144 last-verify-diff-kib:8 last-verify-start:0 last-verify-pos:524288 last-verify-elapsed-ms:12345 last-verify-stopped:no\n") != NULL,
	      "result:\n%s", t);

	d.verify_diff_kib = 0;
	d.verify_stopped = true;
	d.verify_pos = 4096;
	t = render(&d, false, false);
	CHECK(strstr(t, "\n  last-verify:no block differs in 262144 KiB checked, 12 s; stopped at sector 4096; 'rblkadm verify pg --start 4096' continues\n") != NULL,
	      "stopped:\n%s", t);
	t = render(&d, true, false);
	CHECK(strstr(t, "\"last-verify-diff-kib\":0,\"last-verify-start\":0,\"last-verify-pos\":4096,\"last-verify-elapsed-ms\":12345,\"last-verify-stopped\":true") != NULL,
	      "json:\n%s", t);
	t = render(&d, true, true);
	CHECK(strstr(t, "\"last-verify-checked-kib\":262144,\"last-verify-diff-kib\":0,\"last-verify-stopped\":true}\n") != NULL,
	      "event json:\n%s", t);
}

/* A Primary that lost its peer: the fence-peer handler, running and done. */
static void test_fence(void)
{
	struct rblk_dev_info d = connected();
	char *t;

	t = render(&d, false, false);
	CHECK(!strstr(t, "fence-peer"), "never ran:\n%s", t);
	d.conn_state = RBLK_CONN_CONNECTING;
	d.has_fence = d.fence_running = true;
	d.fence_elapsed_ms = 3500;
	d.fence_runs = 1;
	t = render(&d, false, false);
	CHECK(strstr(t, "\n  fence-peer:running 3 s\n") != NULL, "running:\n%s", t);
	CHECK(!strstr(t, "last-fence-peer"), "no result yet:\n%s", t);
	t = render(&d, true, false);
	CHECK(strstr(t, "\"fence-peer\":\"running 3 s\",\"fence-peer-running\":true,\"fence-peer-elapsed-ms\":3500,\"fence-peer-runs\":1") != NULL,
	      "running json:\n%s", t);

	d.fence_running = false;
	d.fence_finished = true;
	d.fence_last_exit = 4;
	t = render(&d, false, false);
	CHECK(strstr(t, "\n  last-fence-peer:4 (peer outdated)\n") != NULL, "4:\n%s", t);
	t = render(&d, true, false);
	CHECK(strstr(t, "\"last-fence-peer\":\"4 (peer outdated)\",\"fence-peer-running\":false,\"last-fence-peer-exit\":4,") != NULL,
	      "4 json:\n%s", t);

	d.fence_no_result = true;
	t = render(&d, false, false);
	CHECK(strstr(t, "\n  last-fence-peer:no result\n") != NULL, "no result:\n%s", t);
	t = render(&d, true, false);
	CHECK(!strstr(t, "last-fence-peer-exit"), "no exit without a result:\n%s", t);

	/* I/O suspended for fencing, apart from a paused resync. */
	CHECK(!strstr(t, "io-suspended"), "not suspended:\n%s", t);
	d.susp = RBLK_SUSP_IO_FENCING | RBLK_SUSP_SYNC_USER;
	t = render(&d, false, false);
	CHECK(strstr(t, " writable:yes io-suspended:fencing ") != NULL, "suspended:\n%s", t);
	CHECK(strstr(t, "sync-paused:user") != NULL, "paused by the user:\n%s", t);
	t = render(&d, false, true);
	CHECK(strstr(t, " sync-paused:user io-suspended:fencing\n") != NULL, "event:\n%s", t);
	d.susp = RBLK_SUSP_IO_FENCING;
	t = render(&d, false, true);
	CHECK(!strstr(t, "sync-paused") && strstr(t, " io-suspended:fencing\n"),
	      "event, suspended only:\n%s", t);
}

/* Each "# HELP NAME" has one "# TYPE NAME" right after it, and no NAME twice. */
static bool families_once(const char *t)
{
	const char *p, *q;
	char name[128], next[160];

	for (p = strstr(t, "# HELP "); p; p = strstr(p + 1, "# HELP ")) {
		if (sscanf(p, "# HELP %127s", name) != 1)
			return false;
		q = strchr(p, '\n');
		snprintf(next, sizeof(next), "\n# TYPE %s ", name);
		if (!q || strncmp(q, next, strlen(next)))
			return false;
		snprintf(next, sizeof(next), "# HELP %s ", name);
		if (strstr(p + 1, next))
			return false;
	}
	return true;
}

/*
 * status --metrics: three devices, one syncing, one without a peer and one
 * connected with no resync.
 */
static void test_metrics(void)
{
	struct rblk_dev_info v[3] = { connected(), connected(), connected() };
	char *t;

	v[0].stats[RBLK_STAT_WRITTEN_KIB] = 3;
	v[0].stats[RBLK_STAT_WRITES] = 2;
	v[0].has_sync = true;
	v[0].conn_state = RBLK_CONN_SYNC_SOURCE;
	v[0].sync_total_kib = 100;
	v[0].sync_done_kib = 40;
	v[0].sync_rate_kib = 8;
	v[1].minor = 1;
	snprintf(v[1].resource, sizeof(v[1].resource), "odd\"name");
	v[1].role = RBLK_ROLE_SECONDARY;
	v[1].has_peer = false;
	v[1].conn_state = RBLK_CONN_STANDALONE;
	v[1].susp = RBLK_SUSP_IO_FENCING;
	v[2].minor = 2;
	snprintf(v[2].resource, sizeof(v[2].resource), "idle");
	v[2].has_sync = false;
	/* Writes of 100 us or less, one of at most 1 ms, one over 10 s. */
	v[0].has_wlat = true;
	v[0].wlat[0] = 2;
	v[0].wlat[3] = 1;
	v[0].wlat[RBLK_LAT_BOUNDS] = 1;
	v[0].wlat_sum_us = 12000123;
	v[2].has_wlat = true;
	snprintf(v[1].disk_error, sizeof(v[1].disk_error), "read error at sector 0 of /dev/vdb (-5)");
	v[0].stats[RBLK_STAT_READ_RETRIES] = 5;
	v[0].stats[RBLK_STAT_HEALED] = 4;
	capture_begin();
	print_metrics(v, 3);
	t = capture_end();
	/* Every state a sample, 1 for the one the device is in. */
	CHECK(strstr(t, "# HELP rblk_role This node's role (1 for the one in label role).\n"
		      "# TYPE rblk_role gauge\n"
		      "rblk_role{resource=\"pg\",minor=\"0\",role=\"Unknown\"} 0\n"
		      "rblk_role{resource=\"pg\",minor=\"0\",role=\"Primary\"} 1\n"
		      "rblk_role{resource=\"pg\",minor=\"0\",role=\"Secondary\"} 0\n"
		      "rblk_role{resource=\"odd\\\"name\",minor=\"1\",role=\"Unknown\"} 0\n"
		      "rblk_role{resource=\"odd\\\"name\",minor=\"1\",role=\"Primary\"} 0\n"
		      "rblk_role{resource=\"odd\\\"name\",minor=\"1\",role=\"Secondary\"} 1\n") != NULL,
	      "role, escaped name:\n%s", t);
	CHECK(strstr(t, "rblk_connection_state{resource=\"pg\",minor=\"0\",state=\"SyncSource\"} 1\n") != NULL &&
	      strstr(t, "rblk_connection_state{resource=\"pg\",minor=\"0\",state=\"Connected\"} 0\n") != NULL &&
	      strstr(t, "rblk_connection_state{resource=\"odd\\\"name\",minor=\"1\",state=\"Connected\"} 0\n") != NULL &&
	      strstr(t, "rblk_connection_state{resource=\"odd\\\"name\",minor=\"1\",state=\"StandAlone\"} 1\n") != NULL,
	      "connection:\n%s", t);
	CHECK(strstr(t, "rblk_peer_disk_state{resource=\"pg\",minor=\"0\",state=\"UpToDate\"} 1\n") != NULL &&
	      strstr(t, "rblk_peer_disk_state{resource=\"pg\",minor=\"0\",state=\"DUnknown\"} 0\n") != NULL,
	      "peer disk:\n%s", t);
	CHECK(lines_starting(t, "rblk_connection_state{") == 3 * __RBLK_CONN_LAST &&
	      lines_starting(t, "rblk_disk_state{") == 3 * __RBLK_DISK_LAST,
	      "a sample per state and device:\n%s", t);
	CHECK(strstr(t, "rblk_disk_state{resource=\"idle\",minor=\"2\",state=\"UpToDate\"} 1\n") &&
	      strstr(t, "rblk_disk_state{resource=\"idle\",minor=\"2\",state=\"Diskless\"} 0\n"),
	      "idle disk:\n%s", t);
	CHECK(strstr(t, "rblk_size_bytes{resource=\"pg\",minor=\"0\"} 268435456\n") != NULL &&
	      strstr(t, "rblk_written_bytes_total{resource=\"pg\",minor=\"0\"} 3072\n") != NULL &&
	      strstr(t, "rblk_writes_total{resource=\"pg\",minor=\"0\"} 2\n") != NULL &&
	      strstr(t, "# TYPE rblk_written_bytes_total counter\n") != NULL,
	      "sizes in bytes, counters:\n%s", t);
	CHECK(strstr(t, "rblk_sync_remaining_bytes{resource=\"pg\",minor=\"0\"} 61440\n") != NULL &&
	      strstr(t, "rblk_sync_rate_bytes_per_second{resource=\"pg\",minor=\"0\"} 8192\n") != NULL,
	      "sync:\n%s", t);
	CHECK(strstr(t, "rblk_read_retries_total{resource=\"pg\",minor=\"0\"} 5\n") != NULL &&
	      strstr(t, "rblk_healed_total{resource=\"pg\",minor=\"0\"} 4\n") != NULL &&
	      strstr(t, "# TYPE rblk_healed_total counter\n") != NULL,
	      "read retries:\n%s", t);
	CHECK(strstr(t, "rblk_disk_error{resource=\"pg\",minor=\"0\"} 0\n") != NULL &&
	      strstr(t, "rblk_disk_error{resource=\"odd\\\"name\",minor=\"1\"} 1\n") != NULL,
	      "disk error:\n%s", t);
	CHECK(strstr(t, "rblk_io_suspended{resource=\"pg\",minor=\"0\"} 0\n") != NULL &&
	      strstr(t, "rblk_io_suspended{resource=\"odd\\\"name\",minor=\"1\"} 1\n") != NULL,
	      "suspended:\n%s", t);
	/*
	 * No peer: no peer or connection counters. No resync: no sync
	 * samples, connected or not.
	 */
	CHECK(lines_starting(t, "rblk_peer_role{") == 2 * __RBLK_ROLE_LAST &&
	      lines_starting(t, "rblk_peer_disk_state{") == 2 * (__RBLK_DISK_LAST + 1) &&
	      lines_starting(t, "rblk_sent_bytes_total{") == 2 &&
	      lines_starting(t, "rblk_sync_remaining_bytes{") == 1 &&
	      lines_starting(t, "rblk_sync_rate_bytes_per_second{") == 1 &&
	      lines_starting(t, "rblk_out_of_sync_bytes{") == 3, "samples per family:\n%s", t);
	/* The latency histogram: cumulative, in seconds, +Inf = count. */
	CHECK(strstr(t, "# TYPE rblk_write_latency_seconds histogram\n"
		      "rblk_write_latency_seconds_bucket{resource=\"pg\",minor=\"0\",le=\"0.0001\"} 2\n"
		      "rblk_write_latency_seconds_bucket{resource=\"pg\",minor=\"0\",le=\"0.00025\"} 2\n"
		      "rblk_write_latency_seconds_bucket{resource=\"pg\",minor=\"0\",le=\"0.0005\"} 2\n"
		      "rblk_write_latency_seconds_bucket{resource=\"pg\",minor=\"0\",le=\"0.001\"} 3\n") != NULL,
	      "latency buckets:\n%s", t);
	CHECK(strstr(t, "rblk_write_latency_seconds_bucket{resource=\"pg\",minor=\"0\",le=\"2.5\"} 3\n"
		      "rblk_write_latency_seconds_bucket{resource=\"pg\",minor=\"0\",le=\"5\"} 3\n"
		      "rblk_write_latency_seconds_bucket{resource=\"pg\",minor=\"0\",le=\"10\"} 3\n"
		      "rblk_write_latency_seconds_bucket{resource=\"pg\",minor=\"0\",le=\"+Inf\"} 4\n"
		      "rblk_write_latency_seconds_sum{resource=\"pg\",minor=\"0\"} 12.000123\n"
		      "rblk_write_latency_seconds_count{resource=\"pg\",minor=\"0\"} 4\n") != NULL,
	      "latency +Inf, sum, count:\n%s", t);
	CHECK(lines_starting(t, "rblk_write_latency_seconds_bucket{") == 2 * RBLK_LAT_BUCKETS &&
	      strstr(t, "rblk_write_latency_seconds_count{resource=\"idle\",minor=\"2\"} 0\n") &&
	      !strstr(t, "rblk_write_latency_seconds_count{resource=\"odd"),
	      "a histogram per device that reports one:\n%s", t);
	/* Each family once: HELP and TYPE, then its samples. */
	CHECK(families_once(t), "families:\n%s", t);
}

int main(void)
{
	test_names();
	test_fence();
	test_counters_and_digests();
	test_disk_error();
	test_verify_running();
	test_verify_result();
	test_metrics();
	TEST_DONE();
}
