// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The transfer log's ring (include/rblk/tl.h). A model of the peer: a
 * write acknowledged before a flush was queued is durable once that
 * flush is acknowledged, and not before. After every step, every write
 * not yet durable must still be covered by the log's ranges [head,
 * tail), whatever the order of ACKs, flushes, flush ACKs and merges of
 * sequential writes.
 */
#include <stdlib.h>
#include <rblk/tl.h>

#include "test.h"

#define MAX_W	200000
#define MAX_F	64

static struct rblk_tl_range ring[RBLK_TL_CAP];

struct w { u64 sector; u32 bytes; u32 ack; int durable; };
struct f { u64 mark; u32 acks_before; };

static struct w ws[MAX_W];
static u32 nw, acks;
static struct f fs[MAX_F];
static u32 nf;

static void reset(struct rblk_tl_log *l)
{
	memset(l, 0, sizeof(*l));
	l->ring = ring;
	nw = acks = nf = 0;
}

/* Is [s, s + b) inside the union of the log's ranges? Sector by sector. */
static int covered(const struct rblk_tl_log *l, u64 s, u32 b)
{
	u64 x, pos;

	for (x = s; x < s + (b >> 9); x++) {
		int in = 0;

		for (pos = l->head; pos < l->tail && !in; pos++) {
			const struct rblk_tl_range *r = &ring[pos & (RBLK_TL_CAP - 1)];

			in = x >= r->sector && x < r->sector + (r->bytes >> 9);
		}
		if (!in)
			return 0;
	}
	return 1;
}

static u32 lost(const struct rblk_tl_log *l)
{
	u32 i, n = 0;

	for (i = 0; i < nw; i++)
		if (!ws[i].durable && !covered(l, ws[i].sector, ws[i].bytes))
			n++;
	return n;
}

static void ack(struct rblk_tl_log *l, u64 sector, u32 bytes)
{
	if (!rblk_tl_reserve_one(l))
		return;		/* full: the writer would wait */
	rblk_tl_add(l, sector, bytes);
	ws[nw++] = (struct w){ sector, bytes, acks++, 0 };
}

static void queue_flush(struct rblk_tl_log *l)
{
	if (nf == MAX_F)
		return;
	fs[nf].mark = rblk_tl_flush_queued(l);
	fs[nf++].acks_before = acks;
}

/* The peer answers flush @i (in any order). */
static void flush_acked(struct rblk_tl_log *l, u32 i)
{
	u32 j;

	rblk_tl_retire(l, fs[i].mark);
	for (j = 0; j < nw; j++)
		if (ws[j].ack < fs[i].acks_before)
			ws[j].durable = 1;
	fs[i] = fs[--nf];
}

/* The review's case: a sequential write acked after a flush was queued. */
static void merge_after_flush(void)
{
	struct rblk_tl_log l;

	reset(&l);
	ack(&l, 0, 4096);
	queue_flush(&l);
	ack(&l, 8, 4096);	/* right after the first: must not extend it */
	flush_acked(&l, 0);
	CHECK(l.tail - l.head == 1 && covered(&l, 8, 4096),
	      "the second write left the log with the flush before it (head %llu tail %llu)",
	      (unsigned long long)l.head, (unsigned long long)l.tail);
	CHECK(lost(&l) == 0, "writes not durable and not logged");
	/* Without a flush between, sequential writes share one range. */
	ack(&l, 16, 4096);
	ack(&l, 24, 8192);
	CHECK(l.tail - l.head == 1 && l.ring[(l.tail - 1) & (RBLK_TL_CAP - 1)].bytes == 16384,
	      "sequential writes: %llu ranges", (unsigned long long)(l.tail - l.head));
	CHECK(rblk_tl_open(&l) == 1 && l.open_bytes == 16384, "open %llu, %llu bytes",
	      (unsigned long long)rblk_tl_open(&l), (unsigned long long)l.open_bytes);
}

/* A sequential stream fills ranges of RBLK_TL_RANGE_MAX, then starts one. */
static void merge_cap(void)
{
	const u32 w = 1U << 20;		/* 1 MiB writes */
	struct rblk_tl_log l;
	u64 i, n = 2 * (RBLK_TL_RANGE_MAX / w) + 1;

	reset(&l);
	for (i = 0; i < n; i++)
		ack(&l, i * (w >> 9), w);
	CHECK(l.tail - l.head == 3, "%llu ranges for %llu MiB",
	      (unsigned long long)(l.tail - l.head), (unsigned long long)n);
	CHECK(l.ring[0].bytes == RBLK_TL_RANGE_MAX &&
	      l.ring[1].bytes == RBLK_TL_RANGE_MAX && l.ring[2].bytes == w,
	      "range sizes %u %u %u", l.ring[0].bytes, l.ring[1].bytes,
	      l.ring[2].bytes);
	CHECK(lost(&l) == 0, "writes not durable and not logged");
}

static void full(void)
{
	struct rblk_tl_log l;
	u32 i;

	reset(&l);
	for (i = 0; i < RBLK_TL_CAP; i++)
		CHECK(rblk_tl_reserve_one(&l), "place %u", i);
	CHECK(!rblk_tl_reserve_one(&l), "a place past the capacity");
	for (i = 0; i < RBLK_TL_CAP; i++)
		rblk_tl_add(&l, (u64)i * 16, 4096);	/* gaps: no merge */
	CHECK(l.tail - l.head == RBLK_TL_CAP && !l.reserved, "logged %llu",
	      (unsigned long long)(l.tail - l.head));
	CHECK(!rblk_tl_reserve_one(&l), "a place in a full log");
	rblk_tl_retire(&l, rblk_tl_flush_queued(&l));
	CHECK(l.head == l.tail && rblk_tl_reserve_one(&l), "room after the flush");
}

static void random_run(unsigned int seed, u32 steps)
{
	struct rblk_tl_log l;
	u64 next = 0;
	u32 s, bad = 0;

	srand(seed);
	reset(&l);
	for (s = 0; s < steps && nw < MAX_W; s++) {
		int op = rand() % 10;

		if (op < 7) {
			u32 bytes = 4096 * (1 + rand() % 4);
			u64 sector = rand() % 2 ? next : (u64)(rand() % 100000) * 8;

			ack(&l, sector, bytes);
			next = sector + (bytes >> 9);
		} else if (op < 9) {
			queue_flush(&l);
		} else if (nf) {
			flush_acked(&l, rand() % nf);
		}
		if (s % 97 == 0 && lost(&l))
			bad++;
		/* Drop what is durable from the model, to keep it small. */
		if (nw > 2000 && !nf) {
			u32 i, k = 0;

			for (i = 0; i < nw; i++)
				if (!ws[i].durable)
					ws[k++] = ws[i];
			nw = k;
		}
	}
	CHECK(bad == 0 && lost(&l) == 0, "seed %u: %u checks found writes neither durable nor logged",
	      seed, bad);
	CHECK(l.tail - l.head + l.reserved <= RBLK_TL_CAP, "seed %u: over capacity", seed);
}

int main(void)
{
	unsigned int seed;

	merge_after_flush();
	merge_cap();
	full();
	for (seed = 1; seed <= 20; seed++)
		random_run(seed, 20000);
	TEST_DONE();
}
