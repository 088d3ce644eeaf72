/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * Fixed-width types for the shared pure logic in include/rblk/: the same
 * headers compile into rblk.ko and into rblkadm, so they name types through
 * this header and use neither kernel nor libc functions.
 */
#ifndef RBLK_TYPES_H
#define RBLK_TYPES_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;
#endif

#endif /* RBLK_TYPES_H */
