/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as used by iSCSI,
 * ext4 and btrfs: rblk_crc32c(0, "123456789", 9) == 0xE3069283.
 *
 * Pure and header-only so the kernel and rblkadm compute the same value
 * from the same source. It works a nibble at a time with a 16-entry table:
 * slower than the kernel's crc32c() but it only ever covers a 512-byte
 * superblock or a 4 KiB activity log transaction, never data.
 */
#ifndef RBLK_CRC32C_H
#define RBLK_CRC32C_H

#include "types.h"

static inline u32 rblk_crc32c_update(u32 crc, const void *buf, size_t len)
{
	static const u32 nibble[16] = {
		0x00000000, 0x105ec76f, 0x20bd8ede, 0x30e349b1,
		0x417b1dbc, 0x5125dad3, 0x61c69362, 0x7198540d,
		0x82f63b78, 0x92a8fc17, 0xa24bb5a6, 0xb21572c9,
		0xc38d26c4, 0xd3d3e1ab, 0xe330a81a, 0xf36e6f75,
	};
	const u8 *p = (const u8 *)buf;

	while (len--) {
		crc ^= *p++;
		crc = (crc >> 4) ^ nibble[crc & 15];
		crc = (crc >> 4) ^ nibble[crc & 15];
	}
	return crc;
}

/* CRC-32C of buf with the standard initial value and final inversion. */
static inline u32 rblk_crc32c(const void *buf, size_t len)
{
	return ~rblk_crc32c_update(~0U, buf, len);
}

#endif /* RBLK_CRC32C_H */
