/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The activity log (format in include/rblk/md.h, prose in
 * docs/metadata.md): building a transaction and replaying the ring.
 *
 * The set is an array of al_extents slots, each holding the number of a
 * 4 MiB extent that may have writes in flight, or RBLK_AL_EMPTY. A
 * transaction carries the slot changes it makes and a window of the whole
 * set as it is after them; windows move on with every transaction, so the
 * newest ceil(al_extents / RBLK_AL_CONTEXT) transactions cover every slot.
 *
 * Pure static inline code, no libc or kernel calls: compiled into rblk.ko
 * and the unit tests alike.
 */
#ifndef RBLK_AL_H
#define RBLK_AL_H

#include "md.h"

/* Transactions needed for the windows to cover every slot. */
static inline u32 rblk_al_full_cover(u32 al_extents)
{
	return (al_extents + RBLK_AL_CONTEXT - 1) / RBLK_AL_CONTEXT;
}

/*
 * Fill @tr: transaction @number, the @n slot changes in @upd_slot /
 * @upd_ext (already applied to @set), and the window of @set (al_extents
 * slots) from @context_start. Returns where the next window starts.
 */
static inline u32 rblk_al_tr_fill(struct rblk_al_tr *tr, u64 number,
				  const u32 *set, u32 al_extents,
				  u32 context_start, const u16 *upd_slot,
				  const u32 *upd_ext, u32 n)
{
	u32 i, count = al_extents < RBLK_AL_CONTEXT ? al_extents : RBLK_AL_CONTEXT;
	u8 *b = (u8 *)tr;

	for (i = 0; i < sizeof(*tr); i++)
		b[i] = 0;
	rblk_put_le32(&tr->magic, RBLK_AL_MAGIC);
	rblk_put_le64(&tr->tr_number, number);
	rblk_put_le16(&tr->n_updates, (u16)n);
	rblk_put_le16(&tr->context_start, (u16)context_start);
	rblk_put_le16(&tr->context_count, (u16)count);
	rblk_put_le16(&tr->al_extents, (u16)al_extents);
	for (i = 0; i < n; i++) {
		rblk_put_le16(&tr->update_slot[i], upd_slot[i]);
		rblk_put_le32(&tr->update_extent[i], upd_ext[i]);
	}
	for (i = 0; i < count; i++)
		rblk_put_le32(&tr->context[i], set[(context_start + i) % al_extents]);
	rblk_put_le32(&tr->crc32c, rblk_al_tr_crc(tr));
	return (context_start + count) % al_extents;
}

/*
 * Rebuild the set (al_extents slots) from the @n ring blocks in @trs:
 * valid transactions of this set size, oldest first, each its window and
 * then its updates. Returns the highest transaction number found (0 if
 * none); the set is all RBLK_AL_EMPTY if there is none.
 */
static inline u64 rblk_al_replay(u32 *set, u32 al_extents,
				 const struct rblk_al_tr *trs, u32 n)
{
	u64 last = 0, next, num;
	u32 i, j, pick, start, count, slot;

	for (i = 0; i < al_extents; i++)
		set[i] = RBLK_AL_EMPTY;
	for (;;) {
		/* The valid transaction with the smallest number above last. */
		pick = n;
		next = 0;
		for (i = 0; i < n; i++) {
			if (!rblk_al_tr_valid(&trs[i]) ||
			    rblk_get_le16(&trs[i].al_extents) != al_extents)
				continue;
			num = rblk_get_le64(&trs[i].tr_number);
			if (num > last && (pick == n || num < next)) {
				pick = i;
				next = num;
			}
		}
		if (pick == n)
			return last;
		start = rblk_get_le16(&trs[pick].context_start);
		count = rblk_get_le16(&trs[pick].context_count);
		for (j = 0; j < count && start < al_extents; j++)
			set[(start + j) % al_extents] =
				rblk_get_le32(&trs[pick].context[j]);
		for (j = 0; j < rblk_get_le16(&trs[pick].n_updates); j++) {
			slot = rblk_get_le16(&trs[pick].update_slot[j]);
			if (slot < al_extents)
				set[slot] = rblk_get_le32(&trs[pick].update_extent[j]);
		}
		last = next;
	}
}

#endif /* RBLK_AL_H */
