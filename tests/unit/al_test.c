// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The activity log ring (include/rblk/al.h): a writer changes slots at
 * random and writes one transaction per change set into the ring; after
 * every transaction the replay of the ring must give exactly the writer's
 * set, and with the newest transaction torn, exactly the set before it.
 */
#include <stdlib.h>
#include <rblk/al.h>

#include "test.h"

static struct rblk_al_tr ring[RBLK_AL_SLOTS];

static int same(const u32 *a, const u32 *b, u32 n)
{
	return !memcmp(a, b, n * sizeof(*a));
}

static void run(u32 nr, int steps, unsigned int seed)
{
	u32 *set = calloc(nr, sizeof(*set)), *before = calloc(nr, sizeof(*set));
	u32 *got = calloc(nr, sizeof(*set)), upd_ext[RBLK_AL_UPDATES];
	u16 upd_slot[RBLK_AL_UPDATES];
	u32 i, n, ctx = 0, bad = 0, bad_torn = 0;
	u64 num = 0, last;
	int s;

	srand(seed);
	memset(ring, 0, sizeof(ring));
	for (i = 0; i < nr; i++)
		set[i] = RBLK_AL_EMPTY;
	last = rblk_al_replay(got, nr, ring, RBLK_AL_SLOTS);
	CHECK(last == 0 && same(got, set, nr), "empty ring, nr %u", nr);
	for (s = 0; s < steps; s++) {
		memcpy(before, set, nr * sizeof(*set));
		n = 1 + rand() % (s % 7 == 0 ? RBLK_AL_UPDATES : 3);
		for (i = 0; i < n; i++) {
			upd_slot[i] = rand() % nr;
			upd_ext[i] = rand() % 5 == 0 ? RBLK_AL_EMPTY : (u32)rand() % 100000;
			set[upd_slot[i]] = upd_ext[i];
		}
		num++;
		ctx = rblk_al_tr_fill(&ring[num % RBLK_AL_SLOTS], num, set, nr, ctx,
				      upd_slot, upd_ext, n);
		last = rblk_al_replay(got, nr, ring, RBLK_AL_SLOTS);
		if (last != num || !same(got, set, nr))
			bad++;
		/* Only check tearing once the ring covers the set. */
		if (num > rblk_al_full_cover(nr)) {
			struct rblk_al_tr t = ring[num % RBLK_AL_SLOTS];

			ring[num % RBLK_AL_SLOTS].context[3] ^= 1;	/* torn */
			rblk_al_replay(got, nr, ring, RBLK_AL_SLOTS);
			if (!same(got, before, nr))
				bad_torn++;
			ring[num % RBLK_AL_SLOTS] = t;
		}
	}
	CHECK(bad == 0, "nr %u: %u of %d replays differ from the set", nr, bad, steps);
	CHECK(bad_torn == 0, "nr %u: %u torn replays differ from the set before",
	      nr, bad_torn);
	free(set);
	free(before);
	free(got);
}

static void test_other_geometry_ignored(void)
{
	u32 set[10], got[10];
	u16 slot = 2;
	u32 ext = 77;
	int i;

	memset(ring, 0, sizeof(ring));
	for (i = 0; i < 10; i++)
		set[i] = RBLK_AL_EMPTY;
	set[2] = 77;
	rblk_al_tr_fill(&ring[1], 1, set, 10, 0, &slot, &ext, 1);
	rblk_al_replay(got, 9, ring, RBLK_AL_SLOTS);
	for (i = 0; i < 9; i++)
		CHECK(got[i] == RBLK_AL_EMPTY, "slot %d of a 9-slot set", i);
	rblk_al_replay(got, 10, ring, RBLK_AL_SLOTS);
	CHECK(got[2] == 77, "slot 2 of the 10-slot set");
}

int main(void)
{
	run(7, 200, 1);
	run(100, 500, 2);
	run(RBLK_AL_EXTENTS_DEFAULT, 300, 3);
	run(2000, 300, 4);
	/* The largest set: the ring still covers it with its newest torn. */
	run(RBLK_AL_EXTENTS_MAX, 100, 5);
	test_other_geometry_ignored();
	TEST_DONE();
}
