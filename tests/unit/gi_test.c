// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Every row of the decision table in docs/generations.md, by rule number,
 * plus its mirror image (the peer's view must be the opposite decision),
 * and the life-cycle stories the rules exist for.
 */
#include <rblk/gi.h>
#include <rblk/splitbrain.h>

#include "test.h"

#define JC RBLK_UUID_JUST_CREATED
#define A 0xA000000000000001ULL
#define B 0xB000000000000002ULL
#define C 0xC000000000000003ULL
#define D 0xD000000000000004ULL
#define X 0xE000000000000005ULL
#define CP RBLK_MDF_CRASHED_PRIMARY

struct row {
	int rule;
	struct rblk_gi l, p;
	bool tie;
	enum rblk_gi_result want;
};

/* { current, bitmap, history0, history1 }, flags */
static const struct row rows[] = {
	{ 0, { { 0, 0, 0, 0 } }, { { A, 0, 0, 0 } }, true, RBLK_GI_UNRELATED },
	{ 0, { { A, 0, 0, 0 } }, { { 0, 0, 0, 0 } }, true, RBLK_GI_UNRELATED },
	{ 1, { { JC, 0, 0, 0 } }, { { JC, 0, 0, 0 } }, true, RBLK_GI_BOTH_NEW },
	{ 2, { { JC, 0, 0, 0 } }, { { A, 0, 0, 0 } }, true, RBLK_GI_FULL_TARGET },
	{ 3, { { A, B, 0, 0 } }, { { JC, 0, 0, 0 } }, true, RBLK_GI_FULL_SOURCE },
	{ 4, { { A, 0, B, 0 } }, { { A, 0, C, 0 } }, true, RBLK_GI_NO_SYNC },
	{ 5, { { A, 0, 0, 0 }, CP }, { { A, 0, 0, 0 } }, false, RBLK_GI_BITMAP_SOURCE },
	{ 6, { { A, 0, 0, 0 } }, { { A, 0, 0, 0 }, CP }, true, RBLK_GI_BITMAP_TARGET },
	{ 7, { { A, 0, 0, 0 }, CP }, { { A, 0, 0, 0 }, CP }, true, RBLK_GI_BITMAP_SOURCE },
	{ 7, { { A, 0, 0, 0 }, CP }, { { A, 0, 0, 0 }, CP }, false, RBLK_GI_BITMAP_TARGET },
	{ 8, { { A, 0, 0, 0 } }, { { B, A, 0, 0 } }, true, RBLK_GI_BITMAP_TARGET },
	{ 8, { { A, 0, C, 0 } }, { { B, A, C, 0 } }, true, RBLK_GI_BITMAP_TARGET },
	{ 9, { { B, A, 0, 0 } }, { { A, 0, 0, 0 } }, true, RBLK_GI_BITMAP_SOURCE },
	{ 10, { { A, 0, 0, 0 } }, { { C, B, A, 0 } }, true, RBLK_GI_FULL_TARGET },
	{ 10, { { A, 0, 0, 0 } }, { { C, 0, B, A } }, true, RBLK_GI_FULL_TARGET },
	{ 11, { { C, B, A, 0 } }, { { A, 0, 0, 0 } }, true, RBLK_GI_FULL_SOURCE },
	{ 11, { { C, 0, D, A } }, { { A, 0, 0, 0 } }, true, RBLK_GI_FULL_SOURCE },
	{ 12, { { B, A, 0, 0 } }, { { C, A, 0, 0 } }, true, RBLK_GI_SPLIT_BRAIN },
	{ 13, { { B, A, X, 0 } }, { { C, D, X, 0 } }, true, RBLK_GI_SPLIT_BRAIN_FULL },
	{ 13, { { B, A, 0, 0 } }, { { C, D, A, 0 } }, true, RBLK_GI_SPLIT_BRAIN_FULL },
	{ 13, { { B, 0, 0, X } }, { { C, X, 0, 0 } }, true, RBLK_GI_SPLIT_BRAIN_FULL },
	{ 14, { { A, B, 0, 0 } }, { { C, D, 0, 0 } }, true, RBLK_GI_UNRELATED },
	/* JUST_CREATED and 0 never count as a shared past */
	{ 14, { { A, JC, JC, 0 } }, { { C, JC, 0, JC } }, true, RBLK_GI_UNRELATED },
	{ 14, { { A, 0, 0, 0 } }, { { C, 0, 0, 0 } }, true, RBLK_GI_UNRELATED },
};

static enum rblk_gi_result mirror(enum rblk_gi_result r)
{
	switch (r) {
	case RBLK_GI_BITMAP_SOURCE: return RBLK_GI_BITMAP_TARGET;
	case RBLK_GI_BITMAP_TARGET: return RBLK_GI_BITMAP_SOURCE;
	case RBLK_GI_FULL_SOURCE: return RBLK_GI_FULL_TARGET;
	case RBLK_GI_FULL_TARGET: return RBLK_GI_FULL_SOURCE;
	default: return r;
	}
}

static void test_rows(void)
{
	bool covered[15] = { false };
	size_t i;
	int rule;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		enum rblk_gi_result got = rblk_gi_compare(&r->l, &r->p, r->tie, &rule);

		CHECK(got == r->want && rule == r->rule,
		      "row %zu: got %s (rule %d), want %s (rule %d)", i,
		      rblk_gi_result_name(got), rule, rblk_gi_result_name(r->want), r->rule);
		got = rblk_gi_compare(&r->p, &r->l, !r->tie, &rule);
		CHECK(got == mirror(r->want),
		      "row %zu mirrored: got %s, want %s", i,
		      rblk_gi_result_name(got), rblk_gi_result_name(mirror(r->want)));
		covered[r->rule] = true;
	}
	for (i = 0; i < 15; i++)
		CHECK(covered[i], "rule %zu has no row", i);
	CHECK(rblk_gi_compare(&rows[5].l, &rows[5].p, true, NULL) == RBLK_GI_NO_SYNC,
	      "rule may be NULL");
}

/* Connected and in sync at A; then things happen. */
static void in_sync(struct rblk_gi *p1, struct rblk_gi *p2)
{
	*p1 = (struct rblk_gi){ { A, 0, 0, 0 }, RBLK_MDF_CONSISTENT };
	*p2 = *p1;
}

static void test_peer_lost(void)
{
	struct rblk_gi pri, sec;

	in_sync(&pri, &sec);
	rblk_gi_new_current(&pri, B);	/* Primary writes alone */
	CHECK(pri.uuid[RBLK_UI_BITMAP] == A, "bitmap counts from A");
	CHECK(rblk_gi_compare(&pri, &sec, true, NULL) == RBLK_GI_BITMAP_SOURCE, "resync from primary");
	CHECK(rblk_gi_compare(&sec, &pri, false, NULL) == RBLK_GI_BITMAP_TARGET, "secondary is target");
	rblk_gi_new_current(&pri, C);	/* a second outage before resync */
	CHECK(pri.uuid[RBLK_UI_BITMAP] == A && pri.uuid[RBLK_UI_HISTORY0] == B,
	      "bitmap still counts from A");
	CHECK(rblk_gi_compare(&pri, &sec, true, NULL) == RBLK_GI_BITMAP_SOURCE, "still bitmap");
	rblk_gi_sync_source_done(&pri);
	rblk_gi_sync_target_done(&sec, pri.uuid[RBLK_UI_CURRENT]);
	CHECK(rblk_gi_compare(&pri, &sec, true, NULL) == RBLK_GI_NO_SYNC, "in sync after resync");
	CHECK(sec.uuid[RBLK_UI_HISTORY0] == A, "target keeps A in history");
}

static void test_primary_crash(void)
{
	struct rblk_gi old, surv;

	in_sync(&old, &surv);
	old.flags |= CP;			/* set at attach after the crash */
	rblk_gi_new_current(&surv, B);		/* survivor promoted, writes */
	CHECK(rblk_gi_compare(&old, &surv, true, NULL) == RBLK_GI_BITMAP_TARGET,
	      "old primary becomes bitmap target");
	in_sync(&old, &surv);
	old.flags |= CP;			/* survivor never wrote */
	CHECK(rblk_gi_compare(&old, &surv, false, NULL) == RBLK_GI_BITMAP_SOURCE,
	      "crashed primary resyncs its activity log to the peer");
}

static void test_split_brain(void)
{
	struct rblk_gi n1, n2;

	in_sync(&n1, &n2);
	rblk_gi_new_current(&n1, B);
	rblk_gi_new_current(&n2, C);
	CHECK(rblk_gi_compare(&n1, &n2, true, NULL) == RBLK_GI_SPLIT_BRAIN, "split brain");
	CHECK(rblk_gi_compare(&n2, &n1, false, NULL) == RBLK_GI_SPLIT_BRAIN, "both see it");
	rblk_gi_sync_target_done(&n1, C);	/* n1 discarded its data */
	rblk_gi_sync_source_done(&n2);
	CHECK(rblk_gi_compare(&n1, &n2, true, NULL) == RBLK_GI_NO_SYNC, "resolved");
}

static void test_initial_sync(void)
{
	struct rblk_gi n1 = { { JC, 0, 0, 0 } }, n2 = n1;

	CHECK(rblk_gi_compare(&n1, &n2, true, NULL) == RBLK_GI_BOTH_NEW, "fresh pair");
	rblk_gi_new_current(&n1, A);		/* invalidate-remote on n1 */
	CHECK(n1.uuid[RBLK_UI_BITMAP] == 0, "no bitmap UUID from JUST_CREATED");
	CHECK(rblk_gi_compare(&n1, &n2, true, NULL) == RBLK_GI_FULL_SOURCE, "full sync");
	rblk_gi_sync_target_done(&n2, A);
	CHECK(n2.uuid[RBLK_UI_HISTORY0] == 0, "JUST_CREATED is not history");
	CHECK(rblk_gi_compare(&n1, &n2, true, NULL) == RBLK_GI_NO_SYNC, "in sync");
}

/* The peer's verdict for ours (a lost Primary's peer just refuses). */
static enum rblk_sb_verdict sb_mirror(enum rblk_sb_verdict v)
{
	return v == RBLK_SB_LOCAL_LOSES ? RBLK_SB_PEER_LOSES :
	       v == RBLK_SB_PEER_LOSES ? RBLK_SB_LOCAL_LOSES :
	       v == RBLK_SB_PRI_LOST ? RBLK_SB_REFUSE : v;
}

/* after-sb policies: named cases, then both sides agree on every input. */
static void test_after_sb(void)
{
	const unsigned int dis[3] = { 0, 0, 0 };
	unsigned int pol[3];
	struct rblk_sb_side a = { .changes = 100, .lost_as_primary = true };
	struct rblk_sb_side b = { .changes = 50 };
	struct rblk_sb_side sides[16];
	enum rblk_sb_verdict v, w;
	int i, j, p0, p1, bad = 0, n = 0;

	CHECK(rblk_sb_resolve(dis, &a, &b, true) == RBLK_SB_REFUSE, "disconnect");
	pol[0] = RBLK_ASB_DISCARD_LEAST_CHANGES; pol[1] = pol[2] = 0;
	CHECK(rblk_sb_resolve(pol, &a, &b, true) == RBLK_SB_PEER_LOSES, "least: b has fewer");
	pol[0] = RBLK_ASB_DISCARD_YOUNGER_PRI;
	CHECK(rblk_sb_resolve(pol, &a, &b, true) == RBLK_SB_PEER_LOSES,
	      "younger: b became Primary during the split");
	pol[0] = RBLK_ASB_DISCARD_OLDER_PRI;
	CHECK(rblk_sb_resolve(pol, &a, &b, true) == RBLK_SB_LOCAL_LOSES,
	      "older: a was Primary at the split");
	pol[0] = RBLK_ASB_DISCARD_ZERO_CHANGES;
	CHECK(rblk_sb_resolve(pol, &a, &b, true) == RBLK_SB_REFUSE, "zero: both changed");
	b.changes = 0;
	CHECK(rblk_sb_resolve(pol, &a, &b, true) == RBLK_SB_PEER_LOSES, "zero: b changed nothing");
	b.changes = 50;
	/* One Primary. */
	a.primary = true;
	pol[1] = RBLK_ASB_DISCARD_SECONDARY;
	CHECK(rblk_sb_resolve(pol, &a, &b, true) == RBLK_SB_PEER_LOSES, "discard-secondary");
	pol[0] = RBLK_ASB_DISCARD_LEAST_CHANGES; pol[1] = RBLK_ASB_CONSENSUS;
	CHECK(rblk_sb_resolve(pol, &a, &b, true) == RBLK_SB_PEER_LOSES, "consensus agrees");
	pol[0] = RBLK_ASB_DISCARD_LOCAL;
	CHECK(rblk_sb_resolve(pol, &a, &b, true) == RBLK_SB_REFUSE,
	      "consensus: 0pri would make the Primary lose");
	/* call-pri-lost-after-sb: the 0pri verdict; a losing Primary is told. */
	pol[1] = RBLK_ASB_CALL_PRI_LOST_AFTER_SB;
	pol[0] = RBLK_ASB_DISCARD_LOCAL;
	CHECK(rblk_sb_resolve(pol, &a, &b, true) == RBLK_SB_PRI_LOST,
	      "pri-lost: 0pri makes this Primary lose");
	pol[0] = RBLK_ASB_DISCARD_REMOTE;
	CHECK(rblk_sb_resolve(pol, &b, &a, false) == RBLK_SB_REFUSE,
	      "pri-lost: the Secondary's side refuses");
	pol[0] = RBLK_ASB_DISCARD_LEAST_CHANGES;
	CHECK(rblk_sb_resolve(pol, &a, &b, true) == RBLK_SB_PEER_LOSES,
	      "pri-lost: 0pri makes the Secondary lose: resolved");
	CHECK(rblk_sb_resolve(pol, &b, &a, false) == RBLK_SB_LOCAL_LOSES,
	      "pri-lost: ... from the Secondary's side");
	pol[0] = RBLK_ASB_DISCARD_ZERO_CHANGES;
	CHECK(rblk_sb_resolve(pol, &a, &b, true) == RBLK_SB_REFUSE,
	      "pri-lost: 0pri refuses: refused, nobody lost");
	/* Explicit discard-my-data beats the policies; a Primary never loses. */
	b.discard_my_data = true;
	CHECK(rblk_sb_resolve(dis, &a, &b, true) == RBLK_SB_PEER_LOSES, "discard-my-data");
	b.discard_my_data = false;
	a.discard_my_data = true;
	CHECK(rblk_sb_resolve(dis, &a, &b, true) == RBLK_SB_REFUSE, "a Primary cannot lose");

	/* Mirror property over every policy pair and a grid of sides. */
	for (i = 0; i < 16; i++) {
		sides[i] = (struct rblk_sb_side){
			.primary = i & 1, .lost_as_primary = i & 2,
			.discard_my_data = (i & 12) == 12, .changes = (i >> 2) & 3 };
	}
	for (p0 = 0; p0 < RBLK_ASB_CONSENSUS; p0++)
		for (p1 = 0; p1 < __RBLK_ASB_LAST; p1++)
			for (i = 0; i < 16; i++)
				for (j = 0; j < 16; j++) {
					pol[0] = p0; pol[1] = p1; pol[2] = 0;
					v = rblk_sb_resolve(pol, &sides[i], &sides[j], true);
					/* The peer sees DISCARD_LOCAL as DISCARD_REMOTE. */
					if (p0 == RBLK_ASB_DISCARD_LOCAL)
						pol[0] = RBLK_ASB_DISCARD_REMOTE;
					else if (p0 == RBLK_ASB_DISCARD_REMOTE)
						pol[0] = RBLK_ASB_DISCARD_LOCAL;
					w = rblk_sb_resolve(pol, &sides[j], &sides[i], false);
					n++;
					if (w != sb_mirror(v) && v != sb_mirror(w))
						bad++;
					/* Only a Primary is told it lost. */
					if ((v == RBLK_SB_PRI_LOST && !sides[i].primary) ||
					    (w == RBLK_SB_PRI_LOST && !sides[j].primary))
						bad++;
				}
	CHECK(bad == 0, "%d of %d policy/side combinations are not mirrored", bad, n);
}

int main(void)
{
	test_after_sb();
	test_rows();
	test_peer_lost();
	test_primary_crash();
	test_split_brain();
	test_initial_sync();
	TEST_DONE();
}
