// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The state rules of include/rblk/state.h: every transition of the disk
 * and connection tables, legal and illegal, against an expectation
 * written out here by hand; every invariant; the administrator's rules;
 * and the connect decision from both nodes' sides (the two answers must
 * mirror each other).
 */
#include <rblk/state.h>

#include "test.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#define D(x) RBLK_DISK_##x
#define C(x) RBLK_CONN_##x
#define R(x) RBLK_ROLE_##x

/* ---- transitions ------------------------------------------------------ */

struct edge { int from, to; };

/* The legal disk transitions, by hand (docs/internals.md has the table). */
static const struct edge disk_legal[] = {
	{ D(DISKLESS), D(INCONSISTENT) }, { D(DISKLESS), D(OUTDATED) },
	{ D(DISKLESS), D(CONSISTENT) }, { D(DISKLESS), D(UPTODATE) },
	{ D(ATTACHING), D(DISKLESS) }, { D(FAILED), D(DISKLESS) },
	{ D(INCONSISTENT), D(DISKLESS) }, { D(INCONSISTENT), D(UPTODATE) },
	{ D(OUTDATED), D(DISKLESS) }, { D(OUTDATED), D(INCONSISTENT) },
	{ D(OUTDATED), D(UPTODATE) },
	{ D(CONSISTENT), D(DISKLESS) }, { D(CONSISTENT), D(INCONSISTENT) },
	{ D(CONSISTENT), D(OUTDATED) }, { D(CONSISTENT), D(UPTODATE) },
	{ D(UPTODATE), D(DISKLESS) }, { D(UPTODATE), D(INCONSISTENT) },
	{ D(UPTODATE), D(OUTDATED) },
	/* An I/O error on a disk in use (kmod/ioerr.c). */
	{ D(INCONSISTENT), D(FAILED) }, { D(OUTDATED), D(FAILED) },
	{ D(CONSISTENT), D(FAILED) }, { D(UPTODATE), D(FAILED) },
};

static const struct edge conn_legal[] = {
	{ C(STANDALONE), C(CONNECTING) },
	{ C(CONNECTING), C(STANDALONE) }, { C(CONNECTING), C(CONNECTED) },
	{ C(CONNECTING), C(SYNC_SOURCE) }, { C(CONNECTING), C(SYNC_TARGET) },
	{ C(CONNECTED), C(STANDALONE) }, { C(CONNECTED), C(CONNECTING) },
	{ C(CONNECTED), C(SYNC_SOURCE) }, { C(CONNECTED), C(SYNC_TARGET) },
	{ C(CONNECTED), C(VERIFY_SOURCE) }, { C(CONNECTED), C(VERIFY_TARGET) },
	{ C(SYNC_SOURCE), C(STANDALONE) }, { C(SYNC_SOURCE), C(CONNECTING) },
	{ C(SYNC_SOURCE), C(CONNECTED) },
	{ C(SYNC_TARGET), C(STANDALONE) }, { C(SYNC_TARGET), C(CONNECTING) },
	{ C(SYNC_TARGET), C(CONNECTED) },
	{ C(VERIFY_SOURCE), C(STANDALONE) }, { C(VERIFY_SOURCE), C(CONNECTING) },
	{ C(VERIFY_SOURCE), C(CONNECTED) }, { C(VERIFY_SOURCE), C(SYNC_SOURCE) },
	{ C(VERIFY_TARGET), C(STANDALONE) }, { C(VERIFY_TARGET), C(CONNECTING) },
	{ C(VERIFY_TARGET), C(CONNECTED) }, { C(VERIFY_TARGET), C(SYNC_TARGET) },
};

static bool listed(const struct edge *e, size_t n, int from, int to)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (e[i].from == from && e[i].to == to)
			return true;
	return false;
}

/* A state in which a disk state @d holds every invariant: StandAlone. */
static struct rblk_state alone(int role, int d)
{
	return (struct rblk_state){ .role = role, .disk = d,
				    .conn = C(STANDALONE),
				    .peer_role = R(UNKNOWN),
				    .peer_disk = D(DISKLESS) };
}

/* A state with connection @c whose other fields fit it. */
static struct rblk_state with_conn(int c)
{
	struct rblk_state s = alone(R(SECONDARY), D(UPTODATE));

	s.conn = c;
	if (rblk_conn_is_up(c)) {
		s.peer_role = R(SECONDARY);
		s.peer_disk = D(UPTODATE);
	}
	if (c == C(SYNC_TARGET))
		s.disk = D(INCONSISTENT);
	if (c == C(SYNC_SOURCE))
		s.peer_disk = D(INCONSISTENT);
	return s;
}

static void test_disk_edges(void)
{
	const char *why;
	int f, t, ret;

	for (f = 0; f < __RBLK_DISK_LAST; f++)
		for (t = 0; t < __RBLK_DISK_LAST; t++) {
			struct rblk_state os = alone(R(SECONDARY), f);
			struct rblk_state ns = alone(R(SECONDARY), t);
			bool legal = f == t ||
				listed(disk_legal, ARRAY_LEN(disk_legal), f, t);

			why = NULL;
			ret = rblk_state_check(&os, &ns, RBLK_SC_ATTACH, &why);
			CHECK(legal ? ret == 0 : ret == -EINVAL && why,
			      "disk %s -> %s: %d (%s), want %s", rblk_disk_name(f),
			      rblk_disk_name(t), ret, why ? why : "-",
			      legal ? "legal" : "-EINVAL");
			/* Out of Diskless only an attach leads (ioerr.c). */
			if (f != D(DISKLESS) || t == f)
				continue;
			why = NULL;
			ret = rblk_state_check(&os, &ns, 0, &why);
			CHECK(ret == -ENODATA && why,
			      "disk Diskless -> %s without an attach: %d (%s)",
			      rblk_disk_name(t), ret, why ? why : "-");
		}
}

/*
 * Connection edges. The new state's other fields are made to fit the
 * target (so only the edge itself can refuse it), with the old state's
 * fields the same where they already fit.
 */
static void test_conn_edges(void)
{
	const char *why;
	int f, t, ret;

	for (f = 0; f < __RBLK_CONN_LAST; f++)
		for (t = 0; t < __RBLK_CONN_LAST; t++) {
			struct rblk_state os = with_conn(f), ns = with_conn(t);
			bool legal = f == t ||
				listed(conn_legal, ARRAY_LEN(conn_legal), f, t);

			/* Disk moves that come with the connection's are legal. */
			why = NULL;
			ret = rblk_state_check(&os, &ns, 0, &why);
			CHECK(legal ? ret == 0 : ret == -EINVAL && why,
			      "connection %s -> %s: %d (%s), want %s",
			      rblk_conn_name(f), rblk_conn_name(t), ret,
			      why ? why : "-", legal ? "legal" : "-EINVAL");
		}
}

static void test_role_edges(void)
{
	struct rblk_state p = alone(R(PRIMARY), D(UPTODATE));
	struct rblk_state s = alone(R(SECONDARY), D(UPTODATE));
	struct rblk_state u = alone(R(UNKNOWN), D(UPTODATE));
	const char *why;

	CHECK(rblk_state_check(&s, &p, 0, &why) == 0, "Secondary -> Primary");
	CHECK(rblk_state_check(&p, &s, 0, &why) == 0, "Primary -> Secondary");
	CHECK(rblk_state_check(&s, &u, 0, &why) == -EINVAL, "Secondary -> Unknown");
	CHECK(rblk_state_check(&p, &u, 0, &why) == -EINVAL, "Primary -> Unknown");
	/* A no-op is always accepted, whatever the flags. */
	CHECK(rblk_state_check(&p, &p, RBLK_SC_ADMIN | RBLK_SC_OPEN |
			       RBLK_SC_CONFIGURED, &why) == 0, "no change");
}

/* ---- invariants ------------------------------------------------------- */

struct inv_row {
	const char *what;
	struct rblk_state os, ns;
	int want;
};

#define ST(r, d, c, pr, pd, su) { R(r), D(d), C(c), R(pr), D(pd), su }

static const struct inv_row inv_rows[] = {
	{ "both Primary while connected",
	  ST(PRIMARY, UPTODATE, CONNECTED, SECONDARY, UPTODATE, 0),
	  ST(PRIMARY, UPTODATE, CONNECTED, PRIMARY, UPTODATE, 0), -EEXIST },
	{ "Primary and peer Primary, but not connected: the peer is unknown",
	  ST(PRIMARY, UPTODATE, CONNECTING, UNKNOWN, DISKLESS, 0),
	  ST(PRIMARY, UPTODATE, CONNECTING, PRIMARY, UPTODATE, 0), -EINVAL },
	{ "a Primary SyncTarget of an UpToDate Secondary (a disk attached)",
	  ST(PRIMARY, INCONSISTENT, SYNC_TARGET, SECONDARY, UPTODATE, RBLK_SUSP_SYNC_PEER),
	  ST(PRIMARY, INCONSISTENT, SYNC_TARGET, SECONDARY, UPTODATE, 0), 0 },
	{ "a Primary SyncTarget of an Outdated Secondary",
	  ST(PRIMARY, INCONSISTENT, SYNC_TARGET, SECONDARY, UPTODATE, 0),
	  ST(PRIMARY, INCONSISTENT, SYNC_TARGET, SECONDARY, OUTDATED, 0), -EBUSY },
	{ "a Primary SyncTarget of a Primary",
	  ST(PRIMARY, INCONSISTENT, SYNC_TARGET, SECONDARY, UPTODATE, 0),
	  ST(PRIMARY, INCONSISTENT, SYNC_TARGET, PRIMARY, UPTODATE, 0), -EEXIST },
	{ "a Primary made SyncTarget by a connect decision",
	  ST(PRIMARY, INCONSISTENT, CONNECTING, UNKNOWN, DISKLESS, 0),
	  ST(PRIMARY, INCONSISTENT, SYNC_TARGET, SECONDARY, UPTODATE, 0), -EBUSY },
	{ "a Secondary SyncTarget",
	  ST(SECONDARY, UPTODATE, CONNECTING, UNKNOWN, DISKLESS, 0),
	  ST(SECONDARY, INCONSISTENT, SYNC_TARGET, PRIMARY, UPTODATE, 0), 0 },
	{ "a SyncTarget with an UpToDate disk",
	  ST(SECONDARY, UPTODATE, CONNECTED, PRIMARY, UPTODATE, 0),
	  ST(SECONDARY, UPTODATE, SYNC_TARGET, PRIMARY, UPTODATE, 0), -EINVAL },
	{ "a SyncTarget with a Consistent disk",
	  ST(SECONDARY, CONSISTENT, CONNECTED, PRIMARY, UPTODATE, 0),
	  ST(SECONDARY, CONSISTENT, SYNC_TARGET, PRIMARY, UPTODATE, 0), -EINVAL },
	{ "a SyncSource with a Consistent disk",
	  ST(SECONDARY, CONSISTENT, CONNECTED, SECONDARY, UPTODATE, 0),
	  ST(SECONDARY, CONSISTENT, SYNC_SOURCE, SECONDARY, INCONSISTENT, 0), -EINVAL },
	{ "a SyncSource made UpToDate in the same change",
	  ST(SECONDARY, CONSISTENT, CONNECTING, UNKNOWN, DISKLESS, 0),
	  ST(SECONDARY, UPTODATE, SYNC_SOURCE, SECONDARY, INCONSISTENT, 0), 0 },
	{ "a verify with the peer's disk Inconsistent",
	  ST(PRIMARY, UPTODATE, CONNECTED, SECONDARY, INCONSISTENT, 0),
	  ST(PRIMARY, UPTODATE, VERIFY_SOURCE, SECONDARY, INCONSISTENT, 0), -EBUSY },
	{ "a verify with our disk Consistent",
	  ST(SECONDARY, CONSISTENT, CONNECTED, PRIMARY, UPTODATE, 0),
	  ST(SECONDARY, CONSISTENT, VERIFY_TARGET, PRIMARY, UPTODATE, 0), -EBUSY },
	{ "a verify between two UpToDate disks",
	  ST(SECONDARY, UPTODATE, CONNECTED, PRIMARY, UPTODATE, 0),
	  ST(SECONDARY, UPTODATE, VERIFY_TARGET, PRIMARY, UPTODATE, 0), 0 },
	{ "the peer's disk during a verify becomes Inconsistent",
	  ST(SECONDARY, UPTODATE, VERIFY_TARGET, PRIMARY, UPTODATE, 0),
	  ST(SECONDARY, UPTODATE, VERIFY_TARGET, PRIMARY, INCONSISTENT, 0), -EBUSY },
	{ "StandAlone with a known peer role",
	  ST(SECONDARY, UPTODATE, CONNECTED, PRIMARY, UPTODATE, 0),
	  ST(SECONDARY, UPTODATE, STANDALONE, PRIMARY, DISKLESS, 0), -EINVAL },
	{ "Connecting with a known peer disk",
	  ST(SECONDARY, UPTODATE, CONNECTED, PRIMARY, UPTODATE, 0),
	  ST(SECONDARY, UPTODATE, CONNECTING, UNKNOWN, UPTODATE, 0), -EINVAL },
	{ "the peer's pause kept while not connected",
	  ST(SECONDARY, UPTODATE, CONNECTED, PRIMARY, UPTODATE, RBLK_SUSP_SYNC_PEER),
	  ST(SECONDARY, UPTODATE, CONNECTING, UNKNOWN, DISKLESS, RBLK_SUSP_SYNC_PEER), -EINVAL },
	{ "our own pause kept while not connected",
	  ST(SECONDARY, UPTODATE, CONNECTED, PRIMARY, UPTODATE, RBLK_SUSP_SYNC_USER),
	  ST(SECONDARY, UPTODATE, CONNECTING, UNKNOWN, DISKLESS, RBLK_SUSP_SYNC_USER), 0 },
	{ "a lost connection forgets the peer",
	  ST(PRIMARY, UPTODATE, SYNC_SOURCE, SECONDARY, INCONSISTENT, RBLK_SUSP_SYNC_PEER),
	  ST(PRIMARY, UPTODATE, CONNECTING, UNKNOWN, DISKLESS, 0), 0 },
	{ "out of range: role",
	  ST(SECONDARY, UPTODATE, STANDALONE, UNKNOWN, DISKLESS, 0),
	  { 3, D(UPTODATE), C(STANDALONE), R(UNKNOWN), D(DISKLESS), 0 }, -EINVAL },
	{ "out of range: disk",
	  ST(SECONDARY, UPTODATE, STANDALONE, UNKNOWN, DISKLESS, 0),
	  { R(SECONDARY), 7, C(STANDALONE), R(UNKNOWN), D(DISKLESS), 0 }, -EINVAL },
	{ "out of range: connection",
	  ST(SECONDARY, UPTODATE, STANDALONE, UNKNOWN, DISKLESS, 0),
	  { R(SECONDARY), D(UPTODATE), 7, R(UNKNOWN), D(DISKLESS), 0 }, -EINVAL },
	{ "out of range: peer role",
	  ST(SECONDARY, UPTODATE, CONNECTED, SECONDARY, UPTODATE, 0),
	  { R(SECONDARY), D(UPTODATE), C(CONNECTED), 3, D(UPTODATE), 0 }, -EINVAL },
	{ "out of range: peer disk",
	  ST(SECONDARY, UPTODATE, CONNECTED, SECONDARY, UPTODATE, 0),
	  { R(SECONDARY), D(UPTODATE), C(CONNECTED), R(SECONDARY), 7, 0 }, -EINVAL },
	{ "out of range: suspend flag",
	  ST(SECONDARY, UPTODATE, STANDALONE, UNKNOWN, DISKLESS, 0),
	  ST(SECONDARY, UPTODATE, STANDALONE, UNKNOWN, DISKLESS, 4), -EINVAL },
};

static void test_invariants(void)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(inv_rows); i++) {
		const struct inv_row *r = &inv_rows[i];
		const char *why = NULL;
		int ret = rblk_state_check(&r->os, &r->ns, 0, &why);

		CHECK(ret == r->want && (!ret || why), "%s: %d (%s), want %d",
		      r->what, ret, why ? why : "-", r->want);
	}
}

/* ---- the administrator's rules (rule 3) -------------------------------- */

struct admin_row {
	const char *what;
	struct rblk_state os, ns;
	unsigned int flags;
	int want;		/* with RBLK_SC_ADMIN */
};

#define ADM RBLK_SC_ADMIN
#define FORCE RBLK_SC_FORCE
#define OPEN RBLK_SC_OPEN
#define CONF RBLK_SC_CONFIGURED
#define ATTACH RBLK_SC_ATTACH

static const struct admin_row admin_rows[] = {
	{ "promote UpToDate, alone",
	  ST(SECONDARY, UPTODATE, STANDALONE, UNKNOWN, DISKLESS, 0),
	  ST(PRIMARY, UPTODATE, STANDALONE, UNKNOWN, DISKLESS, 0), 0, 0 },
	{ "promote while the peer is Primary",
	  ST(SECONDARY, UPTODATE, CONNECTED, PRIMARY, UPTODATE, 0),
	  ST(PRIMARY, UPTODATE, CONNECTED, PRIMARY, UPTODATE, 0), 0, -EEXIST },
	{ "promote --force while the peer is Primary",
	  ST(SECONDARY, INCONSISTENT, CONNECTED, PRIMARY, UPTODATE, 0),
	  ST(PRIMARY, UPTODATE, CONNECTED, PRIMARY, UPTODATE, 0), FORCE, -EEXIST },
	{ "promote Diskless",
	  ST(SECONDARY, DISKLESS, STANDALONE, UNKNOWN, DISKLESS, 0),
	  ST(PRIMARY, DISKLESS, STANDALONE, UNKNOWN, DISKLESS, 0), FORCE, -ENODATA },
	{ "promote --force with a failed disk",
	  ST(SECONDARY, FAILED, CONNECTED, SECONDARY, UPTODATE, 0),
	  ST(PRIMARY, FAILED, CONNECTED, SECONDARY, UPTODATE, 0), FORCE, -ENODATA },
	{ "promote Inconsistent",
	  ST(SECONDARY, INCONSISTENT, STANDALONE, UNKNOWN, DISKLESS, 0),
	  ST(PRIMARY, INCONSISTENT, STANDALONE, UNKNOWN, DISKLESS, 0), 0, -ENODATA },
	{ "promote Outdated",
	  ST(SECONDARY, OUTDATED, STANDALONE, UNKNOWN, DISKLESS, 0),
	  ST(PRIMARY, OUTDATED, STANDALONE, UNKNOWN, DISKLESS, 0), 0, -ENODATA },
	{ "promote Consistent",
	  ST(SECONDARY, CONSISTENT, STANDALONE, UNKNOWN, DISKLESS, 0),
	  ST(PRIMARY, CONSISTENT, STANDALONE, UNKNOWN, DISKLESS, 0), 0, -ENODATA },
	{ "promote --force Inconsistent: UpToDate in the same change",
	  ST(SECONDARY, INCONSISTENT, STANDALONE, UNKNOWN, DISKLESS, 0),
	  ST(PRIMARY, UPTODATE, STANDALONE, UNKNOWN, DISKLESS, 0), FORCE, 0 },
	{ "promote --force Consistent, connected",
	  ST(SECONDARY, CONSISTENT, CONNECTED, SECONDARY, INCONSISTENT, 0),
	  ST(PRIMARY, UPTODATE, CONNECTED, SECONDARY, INCONSISTENT, 0), FORCE, 0 },
	{ "promote --force a SyncTarget",
	  ST(SECONDARY, INCONSISTENT, SYNC_TARGET, SECONDARY, UPTODATE, 0),
	  ST(PRIMARY, UPTODATE, SYNC_TARGET, SECONDARY, UPTODATE, 0), FORCE, -EBUSY },
	{ "demote, not open",
	  ST(PRIMARY, UPTODATE, CONNECTED, SECONDARY, UPTODATE, 0),
	  ST(SECONDARY, UPTODATE, CONNECTED, SECONDARY, UPTODATE, 0), 0, 0 },
	{ "demote while open",
	  ST(PRIMARY, UPTODATE, CONNECTED, SECONDARY, UPTODATE, 0),
	  ST(SECONDARY, UPTODATE, CONNECTED, SECONDARY, UPTODATE, 0), OPEN, -EBUSY },
	{ "detach while open",
	  ST(SECONDARY, UPTODATE, STANDALONE, UNKNOWN, DISKLESS, 0),
	  ST(SECONDARY, DISKLESS, STANDALONE, UNKNOWN, DISKLESS, 0), OPEN, -EBUSY },
	{ "detach with a connection configured",
	  ST(SECONDARY, UPTODATE, CONNECTING, UNKNOWN, DISKLESS, 0),
	  ST(SECONDARY, DISKLESS, CONNECTING, UNKNOWN, DISKLESS, 0), CONF, -EISCONN },
	{ "detach with a connection configured: through Failed",
	  ST(SECONDARY, UPTODATE, CONNECTED, SECONDARY, UPTODATE, 0),
	  ST(SECONDARY, FAILED, CONNECTED, SECONDARY, UPTODATE, 0), CONF, 0 },
	{ "detach with a connection configured, while open",
	  ST(SECONDARY, UPTODATE, CONNECTED, PRIMARY, UPTODATE, 0),
	  ST(SECONDARY, FAILED, CONNECTED, PRIMARY, UPTODATE, 0), CONF | OPEN, -EBUSY },
	{ "detach a Primary whose UpToDate peer is connected, open",
	  ST(PRIMARY, UPTODATE, CONNECTED, SECONDARY, UPTODATE, 0),
	  ST(PRIMARY, FAILED, CONNECTED, SECONDARY, UPTODATE, 0), CONF | OPEN, 0 },
	{ "detach a Primary whose peer is Inconsistent (a SyncTarget)",
	  ST(PRIMARY, UPTODATE, SYNC_SOURCE, SECONDARY, INCONSISTENT, 0),
	  ST(PRIMARY, FAILED, SYNC_SOURCE, SECONDARY, INCONSISTENT, 0), CONF, -EBUSY },
	{ "detach a Primary in a verify (the peer busy)",
	  ST(PRIMARY, UPTODATE, VERIFY_SOURCE, SECONDARY, UPTODATE, 0),
	  ST(PRIMARY, FAILED, VERIFY_SOURCE, SECONDARY, UPTODATE, 0), CONF, -EBUSY },
	{ "detach a Primary whose peer is away",
	  ST(PRIMARY, UPTODATE, CONNECTING, UNKNOWN, DISKLESS, 0),
	  ST(PRIMARY, FAILED, CONNECTING, UNKNOWN, DISKLESS, 0), CONF, -EBUSY },
	{ "detach, not open, not configured",
	  ST(SECONDARY, UPTODATE, STANDALONE, UNKNOWN, DISKLESS, 0),
	  ST(SECONDARY, DISKLESS, STANDALONE, UNKNOWN, DISKLESS, 0), 0, 0 },
	{ "detach a Primary (an attach could give it any disk)",
	  ST(PRIMARY, UPTODATE, STANDALONE, UNKNOWN, DISKLESS, 0),
	  ST(PRIMARY, DISKLESS, STANDALONE, UNKNOWN, DISKLESS, 0), 0, -EBUSY },
	{ "detach a Secondary that serves a Primary without a disk",
	  ST(SECONDARY, UPTODATE, CONNECTED, PRIMARY, DISKLESS, 0),
	  ST(SECONDARY, FAILED, CONNECTED, PRIMARY, DISKLESS, 0), CONF, -EBUSY },
	{ "attach to a Primary whose disk failed, served by its peer",
	  ST(PRIMARY, DISKLESS, CONNECTED, SECONDARY, UPTODATE, 0),
	  ST(PRIMARY, UPTODATE, CONNECTED, SECONDARY, UPTODATE, 0), ATTACH, -EBUSY },
	{ "attach to a Primary served by its peer: its SyncTarget",
	  ST(PRIMARY, DISKLESS, CONNECTED, SECONDARY, UPTODATE, 0),
	  ST(PRIMARY, INCONSISTENT, SYNC_TARGET, SECONDARY, UPTODATE, 0), ATTACH, 0 },
	{ "attach to a Primary served by its peer: SyncTarget with an Outdated disk",
	  ST(PRIMARY, DISKLESS, CONNECTED, SECONDARY, UPTODATE, 0),
	  ST(PRIMARY, OUTDATED, SYNC_TARGET, SECONDARY, UPTODATE, 0), ATTACH, -EBUSY },
	{ "attach to a Primary in a verify",
	  ST(PRIMARY, DISKLESS, VERIFY_TARGET, SECONDARY, UPTODATE, 0),
	  ST(PRIMARY, INCONSISTENT, SYNC_TARGET, SECONDARY, UPTODATE, 0), ATTACH, -EBUSY },
	{ "a Primary's disk in use made SyncTarget (a verify's repair)",
	  ST(PRIMARY, UPTODATE, VERIFY_TARGET, SECONDARY, UPTODATE, 0),
	  ST(PRIMARY, INCONSISTENT, SYNC_TARGET, SECONDARY, UPTODATE, 0), 0, -EBUSY },
	{ "a Primary's disk in use made SyncTarget, even as an attach",
	  ST(PRIMARY, UPTODATE, CONNECTED, SECONDARY, UPTODATE, 0),
	  ST(PRIMARY, INCONSISTENT, SYNC_TARGET, SECONDARY, UPTODATE, 0), ATTACH, -EBUSY },
	{ "a Primary SyncTarget told its peer's state (no change of its own)",
	  ST(PRIMARY, INCONSISTENT, SYNC_TARGET, SECONDARY, UPTODATE, 0),
	  ST(PRIMARY, INCONSISTENT, SYNC_TARGET, SECONDARY, UPTODATE, RBLK_SUSP_SYNC_PEER), 0, 0 },
	{ "promote a SyncTarget whose peer is Secondary",
	  ST(SECONDARY, INCONSISTENT, SYNC_TARGET, SECONDARY, UPTODATE, 0),
	  ST(PRIMARY, INCONSISTENT, SYNC_TARGET, SECONDARY, UPTODATE, 0), 0, -EBUSY },
	{ "attach to a Primary without a disk or a peer",
	  ST(PRIMARY, DISKLESS, STANDALONE, UNKNOWN, DISKLESS, 0),
	  ST(PRIMARY, OUTDATED, STANDALONE, UNKNOWN, DISKLESS, 0), ATTACH, -EBUSY },
	{ "attach to a Secondary",
	  ST(SECONDARY, DISKLESS, STANDALONE, UNKNOWN, DISKLESS, 0),
	  ST(SECONDARY, UPTODATE, STANDALONE, UNKNOWN, DISKLESS, 0), ATTACH, 0 },
	{ "open does not stop a promotion",
	  ST(SECONDARY, UPTODATE, STANDALONE, UNKNOWN, DISKLESS, 0),
	  ST(PRIMARY, UPTODATE, STANDALONE, UNKNOWN, DISKLESS, 0), OPEN | CONF, 0 },
};

static void test_admin(void)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(admin_rows); i++) {
		const struct admin_row *r = &admin_rows[i];
		const char *why = NULL;
		int ret = rblk_state_check(&r->os, &r->ns, ADM | r->flags, &why);

		CHECK(ret == r->want && (!ret || why), "%s: %d (%s), want %d",
		      r->what, ret, why ? why : "-", r->want);
	}
	/*
	 * Rule 3 is the administrator's only: the same changes made by the
	 * module itself (a connection ends, a forced promotion's disk) pass,
	 * unless an invariant refuses them.
	 */
	for (i = 0; i < ARRAY_LEN(admin_rows); i++) {
		const struct admin_row *r = &admin_rows[i];
		const char *why = NULL, *why2 = NULL;
		int inv = rblk_state_check_invariants(&r->ns, &why2);
		int tgt = rblk_state_check_primary_target(&r->os, &r->ns,
							  r->flags, &why2);
		int ret = rblk_state_check(&r->os, &r->ns, r->flags, &why);

		/* Rule 4 is everyone's. */
		if (tgt)
			inv = tgt;
		CHECK(ret == inv, "%s without RBLK_SC_ADMIN: %d, want %d",
		      r->what, ret, inv);
	}
}

/* ---- the connect decision from both sides ------------------------------ */

#define JC RBLK_UUID_JUST_CREATED
#define A 0xA000000000000001ULL
#define B 0xB000000000000002ULL
#define X 0xC000000000000003ULL
#define Y 0xD000000000000004ULL
#define LAP RBLK_MDF_LOST_AS_PRIMARY

#define SEC R(SECONDARY)
#define PRI R(PRIMARY)
#define UTD D(UPTODATE)
#define CON D(CONSISTENT)
#define INC D(INCONSISTENT)
#define OUT D(OUTDATED)

#define NONE RBLK_CD_SYNC_NONE
#define SRC RBLK_CD_SYNC_SOURCE
#define TGT RBLK_CD_SYNC_TARGET

struct cd_row {
	const char *what;
	unsigned int asb[3];
	struct rblk_cd_side l, p;
	bool has_meta, won;
	enum rblk_cd_verdict verdict;
	enum rblk_cd_sync sync;
	bool full;
	bool up_to_date;
};

/* { { uuids }, flags }, sectors, bits, role, disk, discard-my-data */
#define SIDE(c, b, h0, fl, bits, role, disk, dmd) \
	{ { { c, b, h0, 0 }, fl }, 1024, bits, role, disk, dmd }

#define DISC { RBLK_ASB_DISCONNECT, RBLK_ASB_DISCONNECT, RBLK_ASB_DISCONNECT }

static const struct cd_row cd_rows[] = {
	{ "sizes differ", DISC,
	  SIDE(A, 0, 0, 0, 0, SEC, UTD, false),
	  { { { A, 0, 0, 0 }, 0 }, 2048, 0, SEC, UTD, false },
	  true, true, RBLK_CD_SIZE, NONE, false, false },
	{ "no metadata: nothing to compare", DISC,
	  SIDE(A, 0, 0, 0, 0, SEC, UTD, false),
	  SIDE(X, 0, 0, 0, 0, SEC, UTD, false),
	  false, true, RBLK_CD_CONNECT, NONE, false, false },
	{ "both just created", DISC,
	  SIDE(JC, 0, 0, 0, 0, SEC, INC, false),
	  SIDE(JC, 0, 0, 0, 0, SEC, INC, false),
	  true, true, RBLK_CD_CONNECT, NONE, false, false },
	{ "same generation, both UpToDate", DISC,
	  SIDE(A, 0, 0, 0, 0, SEC, UTD, false),
	  SIDE(A, 0, 0, 0, 0, PRI, UTD, false),
	  true, false, RBLK_CD_CONNECT, NONE, false, false },
	{ "same generation, Consistent here, UpToDate there", DISC,
	  SIDE(A, 0, 0, 0, 0, SEC, CON, false),
	  SIDE(A, 0, 0, 0, 0, SEC, UTD, false),
	  true, false, RBLK_CD_CONNECT, NONE, false, true },
	{ "same generation, both Consistent", DISC,
	  SIDE(A, 0, 0, 0, 0, SEC, CON, false),
	  SIDE(A, 0, 0, 0, 0, SEC, CON, false),
	  true, true, RBLK_CD_CONNECT, NONE, false, true },
	{ "same generation, Outdated here, UpToDate there", DISC,
	  SIDE(A, 0, 0, 0, 0, SEC, OUT, false),
	  SIDE(A, 0, 0, 0, 0, PRI, UTD, false),
	  true, false, RBLK_CD_CONNECT, NONE, false, true },
	{ "same generation, Outdated here with marks, UpToDate there", DISC,
	  SIDE(A, 0, 0, 0, 10, SEC, OUT, false),
	  SIDE(A, 0, 0, 0, 0, SEC, UTD, false),
	  true, true, RBLK_CD_CONNECT, TGT, false, false },
	{ "same generation, Outdated here, UpToDate there with marks", DISC,
	  SIDE(A, 0, 0, 0, 0, SEC, OUT, false),
	  SIDE(A, 0, 0, 0, 10, SEC, UTD, false),
	  true, true, RBLK_CD_CONNECT, TGT, false, false },
	{ "same generation, Outdated here, the UpToDate Primary there, marks on both", DISC,
	  SIDE(A, 0, 0, 0, 3, SEC, OUT, false),
	  SIDE(A, 0, 0, 0, 10, PRI, UTD, false),
	  true, true, RBLK_CD_CONNECT, TGT, false, false },
	{ "same generation, Outdated here, Consistent there", DISC,
	  SIDE(A, 0, 0, 0, 0, SEC, OUT, false),
	  SIDE(A, 0, 0, 0, 0, SEC, CON, false),
	  true, false, RBLK_CD_CONNECT, NONE, false, false },
	{ "same generation, both Outdated", DISC,
	  SIDE(A, 0, 0, 0, 0, SEC, OUT, false),
	  SIDE(A, 0, 0, 0, 0, SEC, OUT, false),
	  true, true, RBLK_CD_CONNECT, NONE, false, false },
	{ "same generation, Consistent here, Outdated there", DISC,
	  SIDE(A, 0, 0, 0, 0, SEC, CON, false),
	  SIDE(A, 0, 0, 0, 0, SEC, OUT, false),
	  true, true, RBLK_CD_CONNECT, NONE, false, false },
	{ "same generation, Consistent here, Inconsistent there", DISC,
	  SIDE(A, 0, 0, 0, 0, SEC, CON, false),
	  SIDE(A, 0, 0, 0, 0, SEC, INC, false),
	  true, true, RBLK_CD_CONNECT, NONE, false, false },
	{ "same generation, marks only here", DISC,
	  SIDE(A, 0, 0, 0, 5, SEC, UTD, false),
	  SIDE(A, 0, 0, 0, 0, SEC, UTD, false),
	  true, false, RBLK_CD_CONNECT, SRC, false, false },
	{ "same generation, marks on both, tie to the winner", DISC,
	  SIDE(A, 0, 0, 0, 5, SEC, UTD, false),
	  SIDE(A, 0, 0, 0, 9, SEC, UTD, false),
	  true, true, RBLK_CD_CONNECT, SRC, false, false },
	{ "same generation, marks on both, tie to the winner (lost)", DISC,
	  SIDE(A, 0, 0, 0, 5, SEC, UTD, false),
	  SIDE(A, 0, 0, 0, 9, SEC, UTD, false),
	  true, false, RBLK_CD_CONNECT, TGT, false, false },
	{ "same generation, marks there, the Primary here is the source", DISC,
	  SIDE(A, 0, 0, 0, 0, PRI, UTD, false),
	  SIDE(A, 0, 0, 0, 7, SEC, UTD, false),
	  true, false, RBLK_CD_CONNECT, SRC, false, false },
	{ "same generation, marks, a side Inconsistent: no resync", DISC,
	  SIDE(A, 0, 0, 0, 4, SEC, UTD, false),
	  SIDE(A, 0, 0, 0, 0, SEC, INC, false),
	  true, true, RBLK_CD_CONNECT, NONE, false, false },
	{ "bitmap source (rule 9)", DISC,
	  SIDE(B, A, 0, 0, 12, PRI, UTD, false),
	  SIDE(A, 0, 0, 0, 0, SEC, UTD, false),
	  true, true, RBLK_CD_CONNECT, SRC, false, false },
	{ "bitmap target (rule 8)", DISC,
	  SIDE(A, 0, 0, 0, 0, SEC, CON, false),
	  SIDE(B, A, 0, 0, 12, PRI, UTD, false),
	  true, true, RBLK_CD_CONNECT, TGT, false, false },
	{ "full source (rule 3: the peer just created)", DISC,
	  SIDE(A, 0, 0, 0, 0, SEC, UTD, false),
	  SIDE(JC, 0, 0, 0, 0, SEC, INC, false),
	  true, true, RBLK_CD_CONNECT, SRC, true, false },
	{ "full target (rule 10)", DISC,
	  SIDE(A, 0, 0, 0, 0, SEC, OUT, false),
	  SIDE(X, B, A, 0, 3, SEC, UTD, false),
	  true, true, RBLK_CD_CONNECT, TGT, true, false },
	{ "an Inconsistent disk would be the source", DISC,
	  SIDE(A, 0, 0, 0, 0, SEC, INC, false),
	  SIDE(JC, 0, 0, 0, 0, SEC, INC, false),
	  true, true, RBLK_CD_LOCAL_INCONSISTENT_SOURCE, SRC, true, false },
	{ "split brain, disconnect policy", DISC,
	  SIDE(B, A, 0, 0, 3, SEC, UTD, false),
	  SIDE(X, A, 0, 0, 4, SEC, UTD, false),
	  true, true, RBLK_CD_SPLIT_BRAIN, NONE, false, false },
	{ "split brain, --discard-my-data here", DISC,
	  SIDE(B, A, 0, 0, 3, SEC, UTD, true),
	  SIDE(X, A, 0, 0, 4, SEC, UTD, false),
	  true, true, RBLK_CD_CONNECT, TGT, false, false },
	{ "split brain, --discard-my-data on both", DISC,
	  SIDE(B, A, 0, 0, 3, SEC, UTD, true),
	  SIDE(X, A, 0, 0, 4, SEC, UTD, true),
	  true, true, RBLK_CD_SPLIT_BRAIN, NONE, false, false },
	{ "split brain, discard-least-changes",
	  { RBLK_ASB_DISCARD_LEAST_CHANGES, RBLK_ASB_DISCONNECT, RBLK_ASB_DISCONNECT },
	  SIDE(B, A, 0, 0, 3, SEC, UTD, false),
	  SIDE(X, A, 0, 0, 40, SEC, UTD, false),
	  true, true, RBLK_CD_CONNECT, TGT, false, false },
	{ "split brain, discard-zero-changes",
	  { RBLK_ASB_DISCARD_ZERO_CHANGES, RBLK_ASB_DISCONNECT, RBLK_ASB_DISCONNECT },
	  SIDE(B, A, 0, 0, 3, SEC, UTD, false),
	  SIDE(X, A, 0, 0, 0, SEC, UTD, false),
	  true, false, RBLK_CD_CONNECT, SRC, false, false },
	{ "split brain, discard-younger-primary",
	  { RBLK_ASB_DISCARD_YOUNGER_PRI, RBLK_ASB_DISCONNECT, RBLK_ASB_DISCONNECT },
	  SIDE(B, A, 0, LAP, 3, SEC, UTD, false),
	  SIDE(X, A, 0, 0, 40, SEC, UTD, false),
	  true, true, RBLK_CD_CONNECT, SRC, false, false },
	{ "split brain with history only: full", DISC,
	  SIDE(B, 0, A, 0, 3, SEC, UTD, true),
	  SIDE(X, Y, A, 0, 4, SEC, UTD, false),
	  true, true, RBLK_CD_CONNECT, TGT, true, false },
	{ "split brain, the policy would make the Primary lose",
	  { RBLK_ASB_DISCARD_LEAST_CHANGES, RBLK_ASB_CONSENSUS, RBLK_ASB_DISCONNECT },
	  SIDE(B, A, 0, 0, 3, PRI, UTD, false),
	  SIDE(X, A, 0, 0, 40, SEC, UTD, false),
	  true, true, RBLK_CD_SPLIT_BRAIN, NONE, false, false },
	{ "unrelated data", DISC,
	  SIDE(A, 0, 0, 0, 0, SEC, UTD, false),
	  SIDE(X, 0, 0, 0, 0, SEC, UTD, false),
	  true, true, RBLK_CD_UNRELATED, NONE, false, false },
	{ "the Primary would be SyncTarget", DISC,
	  SIDE(A, 0, 0, 0, 0, PRI, UTD, false),
	  SIDE(B, A, 0, 0, 12, SEC, UTD, false),
	  true, true, RBLK_CD_LOCAL_PRIMARY_TARGET, TGT, false, false },
	{ "both Primary, same generation", DISC,
	  SIDE(A, 0, 0, 0, 0, PRI, UTD, false),
	  SIDE(A, 0, 0, 0, 0, PRI, UTD, false),
	  true, true, RBLK_CD_BOTH_PRIMARY, NONE, false, false },
	{ "the peer's disk failed: connected, nothing to resync", DISC,
	  SIDE(B, A, 0, 0, 12, PRI, UTD, false),
	  { { { A, 0, 0, 0 }, 0 }, 0, 0, SEC, D(DISKLESS), false },
	  true, true, RBLK_CD_CONNECT, NONE, false, false },
	{ "the peer's disk is failing: connected, nothing to resync", DISC,
	  SIDE(A, 0, 0, 0, 0, SEC, UTD, false),
	  { { { X, 0, 0, 0 }, 0 }, 4096, 3, SEC, D(FAILED), false },
	  true, false, RBLK_CD_CONNECT, NONE, false, false },
	{ "both Primary, one without a disk", DISC,
	  SIDE(A, 0, 0, 0, 0, PRI, UTD, false),
	  { { { A, 0, 0, 0 }, 0 }, 0, 0, PRI, D(DISKLESS), false },
	  true, true, RBLK_CD_PEER_DISKLESS_PRIMARY, NONE, false, false },
	{ "a Primary without a disk, never served, is refused", DISC,
	  SIDE(A, 0, 0, 0, 0, SEC, UTD, false),
	  { { { 0, 0, 0, 0 }, 0 }, 0, 0, PRI, D(FAILED), false },
	  true, true, RBLK_CD_PEER_DISKLESS_PRIMARY, NONE, false, false },
	{ "a Primary without a disk, back to the peer that served it", DISC,
	  SIDE(B, 0, A, 0, 0, SEC, UTD, false),
	  { { { B, 0, 0, 0 }, 0 }, 0, 0, PRI, D(DISKLESS), false },
	  true, true, RBLK_CD_CONNECT, NONE, false, false },
	{ "a Primary without a disk, the peer at another generation since", DISC,
	  SIDE(X, 0, B, 0, 0, SEC, UTD, false),
	  { { { B, 0, 0, 0 }, 0 }, 0, 0, PRI, D(DISKLESS), false },
	  true, true, RBLK_CD_PEER_DISKLESS_PRIMARY, NONE, false, false },
	{ "a Primary without a disk, the peer not UpToDate", DISC,
	  SIDE(B, 0, A, 0, 0, SEC, D(OUTDATED), false),
	  { { { B, 0, 0, 0 }, 0 }, 0, 0, PRI, D(DISKLESS), false },
	  true, true, RBLK_CD_PEER_DISKLESS_PRIMARY, NONE, false, false },
	{ "a Primary without a disk, the peer Primary too", DISC,
	  SIDE(B, 0, A, 0, 0, PRI, UTD, false),
	  { { { B, 0, 0, 0 }, 0 }, 0, 0, PRI, D(DISKLESS), false },
	  true, true, RBLK_CD_PEER_DISKLESS_PRIMARY, NONE, false, false },
	{ "a Primary without a disk, the peer without one either", DISC,
	  { { { B, 0, 0, 0 }, 0 }, 0, 0, SEC, D(DISKLESS), false },
	  { { { B, 0, 0, 0 }, 0 }, 0, 0, PRI, D(DISKLESS), false },
	  true, true, RBLK_CD_PEER_DISKLESS_PRIMARY, NONE, false, false },
	{ "both without a disk", DISC,
	  { { { 0, 0, 0, 0 }, 0 }, 0, 0, SEC, D(DISKLESS), false },
	  { { { A, 0, 0, 0 }, 0 }, 0, 0, SEC, D(DISKLESS), false },
	  true, true, RBLK_CD_CONNECT, NONE, false, false },
	{ "both Primary, no metadata", DISC,
	  SIDE(A, 0, 0, 0, 0, PRI, UTD, false),
	  SIDE(A, 0, 0, 0, 0, PRI, UTD, false),
	  false, true, RBLK_CD_BOTH_PRIMARY, NONE, false, false },
};

static enum rblk_cd_verdict mirror_verdict(enum rblk_cd_verdict v)
{
	switch (v) {
	case RBLK_CD_LOCAL_PRIMARY_TARGET: return RBLK_CD_PEER_PRIMARY_TARGET;
	case RBLK_CD_PEER_PRIMARY_TARGET: return RBLK_CD_LOCAL_PRIMARY_TARGET;
	case RBLK_CD_LOCAL_INCONSISTENT_SOURCE: return RBLK_CD_PEER_INCONSISTENT_SOURCE;
	case RBLK_CD_PEER_INCONSISTENT_SOURCE: return RBLK_CD_LOCAL_INCONSISTENT_SOURCE;
	case RBLK_CD_LOCAL_DISKLESS_PRIMARY: return RBLK_CD_PEER_DISKLESS_PRIMARY;
	case RBLK_CD_PEER_DISKLESS_PRIMARY: return RBLK_CD_LOCAL_DISKLESS_PRIMARY;
	default: return v;
	}
}

static enum rblk_cd_sync mirror_sync(enum rblk_cd_sync s)
{
	return s == SRC ? TGT : s == TGT ? SRC : NONE;
}

static void test_connect_decide(void)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(cd_rows); i++) {
		const struct cd_row *r = &cd_rows[i];
		struct rblk_cd_result a, b;

		rblk_connect_decide(r->asb, &r->l, &r->p, r->has_meta, r->won, &a);
		rblk_connect_decide(r->asb, &r->p, &r->l, r->has_meta, !r->won, &b);
		CHECK(a.verdict == r->verdict, "%s: verdict %d, want %d",
		      r->what, a.verdict, r->verdict);
		if (a.verdict == RBLK_CD_CONNECT || r->sync != NONE) {
			CHECK(a.sync == r->sync, "%s: sync %d, want %d", r->what,
			      a.sync, r->sync);
			CHECK(a.full == r->full, "%s: full %d, want %d", r->what,
			      a.full, r->full);
		}
		if (a.verdict == RBLK_CD_CONNECT)
			CHECK(a.up_to_date == r->up_to_date,
			      "%s: up_to_date %d, want %d", r->what,
			      a.up_to_date, r->up_to_date);
		/* The peer's answer mirrors ours. */
		CHECK(b.verdict == mirror_verdict(a.verdict),
		      "%s (peer's side): verdict %d, ours %d", r->what,
		      b.verdict, a.verdict);
		if (a.verdict == RBLK_CD_CONNECT) {
			CHECK(b.sync == mirror_sync(a.sync),
			      "%s (peer's side): sync %d, ours %d", r->what,
			      b.sync, a.sync);
			CHECK(b.full == a.full, "%s (peer's side): full %d, ours %d",
			      r->what, b.full, a.full);
		}
	}
}

/*
 * The size two disks use (rblk_cd_size()): sectors as STATE gave them,
 * then usable and in use from SIZES; the answer is the same both ways.
 */
static void test_cd_size(void)
{
	static const struct {
		const char *what;
		u64 l_sectors, l_usable, l_in_use, p_sectors, p_usable, p_in_use;
		u64 want;
	} rows[] = {
		{ "no SIZES, equal", 2048, 0, 0, 2048, 0, 0, 2048 },
		{ "no SIZES, one sector apart", 2048, 0, 0, 2056, 0, 0, 0 },
		{ "SIZES from one side only, equal", 2048, 2048, 0, 2048, 0, 0, 2048 },
		{ "SIZES from one side only, different", 4096, 4096, 0, 2048, 0, 0, 0 },
		{ "both fresh: the smaller", 4096, 4096, 0, 2048, 2048, 0, 2048 },
		{ "both fresh, same", 4096, 4096, 0, 4096, 4096, 0, 4096 },
		{ "data here, a larger fresh disk there", 2048, 2048, 2048, 4096, 4096, 0, 2048 },
		{ "data here, a smaller fresh disk there", 4096, 4096, 4096, 2048, 2048, 0, 0 },
		{ "data in use smaller than this disk gives", 2048, 8192, 2048, 4096, 4096, 0, 2048 },
		{ "data on both, same size in use, disks differ", 2048, 8192, 2048, 2048, 4096, 2048, 2048 },
		{ "data on both, different sizes in use", 2048, 8192, 2048, 4096, 8192, 4096, 0 },
		{ "in use fits the peer exactly", 4096, 4096, 4096, 4096, 4096, 0, 4096 },
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(rows); i++) {
		struct rblk_cd_side l = { .sectors = rows[i].l_sectors,
					  .usable = rows[i].l_usable,
					  .in_use = rows[i].l_in_use };
		struct rblk_cd_side p = { .sectors = rows[i].p_sectors,
					  .usable = rows[i].p_usable,
					  .in_use = rows[i].p_in_use };
		u64 a = rblk_cd_size(&l, &p), b = rblk_cd_size(&p, &l);

		CHECK(a == rows[i].want, "%s: size %llu, want %llu", rows[i].what,
		      (unsigned long long)a, (unsigned long long)rows[i].want);
		CHECK(b == a, "%s (peer's side): size %llu, ours %llu",
		      rows[i].what, (unsigned long long)b, (unsigned long long)a);
	}
}

/* Every verdict other than CONNECT is reached by some row. */
static void test_verdicts_covered(void)
{
	bool seen[__RBLK_CD_LAST] = { false };
	size_t i;
	int v;

	for (i = 0; i < ARRAY_LEN(cd_rows); i++) {
		struct rblk_cd_result a, b;

		rblk_connect_decide(cd_rows[i].asb, &cd_rows[i].l, &cd_rows[i].p,
				    cd_rows[i].has_meta, cd_rows[i].won, &a);
		rblk_connect_decide(cd_rows[i].asb, &cd_rows[i].p, &cd_rows[i].l,
				    cd_rows[i].has_meta, !cd_rows[i].won, &b);
		seen[a.verdict] = seen[b.verdict] = true;
	}
	for (v = 0; v < __RBLK_CD_LAST; v++)
		CHECK(seen[v], "verdict %d reached by no row", v);
}

static void test_names(void)
{
	CHECK_STR(rblk_role_name(R(PRIMARY)), "Primary");
	CHECK_STR(rblk_role_name(3), "?");
	CHECK_STR(rblk_disk_name(D(UPTODATE)), "UpToDate");
	CHECK_STR(rblk_disk_name(__RBLK_DISK_LAST), "?");
	CHECK_STR(rblk_conn_name(C(VERIFY_TARGET)), "VerifyT");
	CHECK_STR(rblk_conn_name(__RBLK_CONN_LAST), "?");
}

/* Down, the peer is forgotten (and the result passes the checks); up, kept. */
static void test_set_conn_to(void)
{
	const struct rblk_state up = ST(SECONDARY, INCONSISTENT, SYNC_TARGET,
					PRIMARY, UPTODATE, RBLK_SUSP_SYNC_PEER |
					RBLK_SUSP_SYNC_USER);
	const char *why = NULL;
	struct rblk_state s;
	unsigned int c;

	for (c = 0; c < __RBLK_CONN_LAST; c++) {
		s = up;
		rblk_state_set_conn_to(&s, c);
		CHECK(s.conn == c && s.role == up.role && s.disk == up.disk,
		      "%s: own state kept", rblk_conn_name(c));
		if (rblk_conn_is_up(c)) {
			CHECK(s.peer_role == up.peer_role &&
			      s.peer_disk == up.peer_disk && s.susp == up.susp,
			      "%s: peer kept", rblk_conn_name(c));
			continue;
		}
		CHECK(s.peer_role == R(UNKNOWN) && s.peer_disk == D(DISKLESS) &&
		      s.susp == RBLK_SUSP_SYNC_USER,
		      "%s: peer forgotten, own pause kept", rblk_conn_name(c));
		CHECK(rblk_state_check(&up, &s, 0, &why) == 0,
		      "SyncTarget -> %s allowed (%s)", rblk_conn_name(c),
		      why ? why : "");
	}
}

/*
 * fencing resource-and-stonith: a Primary losing a peer with good data
 * suspends I/O (DRBD's rule), unless its own disk is gone (the peer has
 * the only copy); nothing else does; the peer's return ends it; a
 * suspended node is a Primary without its peer and cannot demote.
 */
static void test_io_fencing(void)
{
	static const int pdisks[] = { D(DISKLESS), D(INCONSISTENT), D(OUTDATED),
				      D(CONSISTENT), D(UPTODATE) };
	static const int ldisks[] = { D(UPTODATE), D(DISKLESS), D(FAILED) };
	const char *why = NULL;
	struct rblk_state os, ns, s;
	unsigned int f, i, j, role, to, c;

	for (j = 0; j < ARRAY_LEN(ldisks); j++)
	for (f = 0; f < __RBLK_FENCING_LAST; f++)
	for (role = R(PRIMARY); role <= R(SECONDARY); role++)
	for (i = 0; i < ARRAY_LEN(pdisks); i++)
	for (c = 0; c < __RBLK_CONN_LAST; c++)
	for (to = C(STANDALONE); to <= C(CONNECTING); to++) {
		bool want;

		os = with_conn(c);
		os.role = role;
		os.disk = ldisks[j];
		if (rblk_conn_is_up(c)) {
			os.peer_disk = pdisks[i];
			if (c == C(SYNC_TARGET) || c == C(VERIFY_TARGET) ||
			    c == C(VERIFY_SOURCE))
				continue;	/* no other peer disk fits */
		} else if (i) {
			continue;
		}
		ns = os;
		rblk_state_set_conn_to(&ns, to);
		rblk_state_lost_peer(&os, &ns, f);
		want = f == RBLK_FENCING_RESOURCE_AND_STONITH &&
		       role == R(PRIMARY) && rblk_conn_is_up(c) &&
		       pdisks[i] > D(OUTDATED) && ldisks[j] == D(UPTODATE);
		CHECK(!!(ns.susp & RBLK_SUSP_IO_FENCING) == want,
		      "disk %s, %s %s, %s, peer %s -> %s: suspended %d, want %d",
		      rblk_disk_name(os.disk),
		      rblk_fencing_name(f), rblk_role_name(role),
		      rblk_conn_name(c), rblk_disk_name(os.peer_disk),
		      rblk_conn_name(to), !!(ns.susp & RBLK_SUSP_IO_FENCING), want);
		if (want)
			CHECK(rblk_state_check_invariants(&ns, &why) == 0,
			      "the suspended state holds the invariants (%s)", why);
	}

	/* Suspended: a Primary alone. */
	s = alone(R(PRIMARY), D(UPTODATE));
	s.susp = RBLK_SUSP_IO_FENCING;
	CHECK(rblk_state_check_invariants(&s, &why) == 0, "Primary alone (%s)", why);
	ns = s;
	ns.role = R(SECONDARY);
	CHECK(rblk_state_check_invariants(&ns, &why) == -EINVAL, "not on a Secondary");
	CHECK(rblk_state_check(&s, &ns, RBLK_SC_ADMIN, &why) == -EBUSY &&
	      strstr(why, "resume-io"), "no demotion while suspended: %s", why);
	CHECK(rblk_state_check(&s, &ns, RBLK_SC_ADMIN | RBLK_SC_OPEN, &why) == -EBUSY &&
	      strstr(why, "resume-io"), "open too: the suspension is named first: %s", why);
	ns = with_conn(C(CONNECTED));
	ns.role = R(PRIMARY);
	ns.susp = RBLK_SUSP_IO_FENCING;
	CHECK(rblk_state_check_invariants(&ns, &why) == -EINVAL, "not while connected");
	/* The peer back: the suspension ends with the same change. */
	ns = s;
	ns.conn = C(CONNECTING);
	rblk_state_set_conn_to(&ns, C(CONNECTED));
	CHECK(!(ns.susp & RBLK_SUSP_IO_FENCING), "connected: resumed");
	ns = s;
	ns.conn = C(CONNECTING);
	rblk_state_set_conn_to(&ns, C(STANDALONE));
	CHECK(ns.susp & RBLK_SUSP_IO_FENCING, "still alone: still suspended");
	/* resume-io: the flag off is a legal change by the administrator. */
	ns = s;
	ns.susp = 0;
	CHECK(rblk_state_check(&s, &ns, RBLK_SC_ADMIN | RBLK_SC_OPEN, &why) == 0,
	      "resume-io allowed (%s)", why);
}

int main(void)
{
	test_disk_edges();
	test_conn_edges();
	test_role_edges();
	test_invariants();
	test_admin();
	test_connect_decide();
	test_verdicts_covered();
	test_cd_size();
	test_names();
	test_set_conn_to();
	test_io_fencing();
	TEST_DONE();
}
