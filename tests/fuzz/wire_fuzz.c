// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The wire decoder as the kernel's receiver uses it: a header, then (if the
 * header passed) a WRITE's fixed part checked against the data length the
 * header implies. Whatever the bytes, the checks must not crash or read
 * out of bounds, and what they accept must be self-consistent.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rblk/wire.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rblk_wire_hdr h;
	struct rblk_p_write w;
	u32 len, fixed, seq;
	u16 type;

	if (size < sizeof(h) + 4)
		return 0;
	memcpy(&h, data, sizeof(h));
	seq = rblk_be32(data + sizeof(h));
	if (rblk_wire_check_hdr(&h, seq) != RBLK_WIRE_OK)
		return 0;
	type = rblk_be16(h.type);
	len = rblk_be32(h.length);
	fixed = rblk_wire_fixed_len(type);
	/* Accepted: known type, at least the fixed part, bounded data. */
	if (type == 0 || type >= __RBLK_P_LAST || len < fixed ||
	    len - fixed > RBLK_WIRE_MAX_DATA ||
	    (len > fixed && !rblk_wire_has_data(type)))
		abort();
	if (type != RBLK_P_WRITE || size < sizeof(h) + 4 + sizeof(w) + 8)
		return 0;
	memcpy(&w, data + sizeof(h) + 4, sizeof(w));
	if (rblk_wire_check_write(&w, len - fixed,
				  rblk_be64(data + sizeof(h) + 4 + sizeof(w))) ==
	    RBLK_WIRE_OK) {
		u64 dev = rblk_be64(data + sizeof(h) + 4 + sizeof(w));
		u64 end = rblk_be64(w.sector) + rblk_be32(w.bytes) / 512;

		/* An accepted write lies inside the device. */
		if (end > dev || end < rblk_be64(w.sector))
			abort();
	}
	return 0;
}
