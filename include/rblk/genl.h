/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * rblk generic netlink ABI — the only contract between rblk.ko and rblkadm.
 *
 * Family name RBLK_GENL_NAME, version RBLK_GENL_VERSION, one multicast group
 * RBLK_GENL_MCGRP_EVENTS. Every command addresses one device by its minor.
 *
 * RBLK_CMD_GET_DEVICE
 *   doit with RBLK_A_MINOR: reply with that device's state.
 *   dumpit (NLM_F_DUMP), no attributes: one message per device.
 *   Reply attributes:
 *     RBLK_A_MINOR        u32     minor number of /dev/rblkN
 *     RBLK_A_RESOURCE     string  resource name
 *     RBLK_A_BACKING_DEV  string  path of the backing block device
 *     RBLK_A_SIZE         u64     size of /dev/rblkN in 512-byte sectors
 *     RBLK_A_ROLE         u8      enum rblk_role
 *     RBLK_A_DISK_STATE   u8      enum rblk_disk_state
 *     RBLK_A_OPEN_COUNT   u32     current openers of /dev/rblkN
 *     RBLK_A_STATS        nested  RBLK_STAT_* u64 counters
 *
 * RBLK_CMD_NEW_DEVICE (CAP_SYS_ADMIN)
 *   Creates /dev/rblk<RBLK_A_MINOR> for resource RBLK_A_RESOURCE (letters,
 *   digits, '_', '-', '.'). The device starts Secondary and Diskless (size
 *   0) unless RBLK_A_BACKING_DEV is given, which attaches it at once as
 *   RBLK_CMD_ATTACH does. Optional RBLK_A_FLAGS: none defined yet (0).
 *   Errors: EEXIST minor or resource name in use, EINVAL bad attribute.
 *
 * RBLK_CMD_ATTACH (CAP_SYS_ADMIN)
 *   RBLK_A_MINOR, RBLK_A_BACKING_DEV: open that block device exclusively
 *   and serve I/O from it; queue limits follow it. No metadata yet: the
 *   whole backing device is the data area and its disk state is UpToDate.
 *   Errors: ENOENT/ENOTBLK bad path, EBUSY claimed by someone else,
 *   EEXIST already attached.
 *
 * RBLK_CMD_DETACH (CAP_SYS_ADMIN)
 *   RBLK_A_MINOR: stop using the backing device (waits for I/O in flight);
 *   the device stays, Diskless, and fails I/O. EBUSY while open.
 *
 * RBLK_CMD_DEL_DEVICE (CAP_SYS_ADMIN)
 *   Removes the device RBLK_A_MINOR (detaching it first). EBUSY while
 *   /dev/rblkN is open, ENODEV if there is no such device.
 *
 * RBLK_CMD_SET_ROLE (CAP_SYS_ADMIN)
 *   RBLK_A_MINOR, RBLK_A_ROLE (PRIMARY or SECONDARY), optional RBLK_A_FLAGS
 *   (enum rblk_role_flags). Demotion fails with EBUSY while /dev/rblkN is
 *   open for writing; promotion without UpToDate data needs RBLK_F_FORCE.
 *
 * RBLK_CMD_EVENT (multicast on RBLK_GENL_MCGRP_EVENTS only)
 *   RBLK_A_EVENT (enum rblk_event) followed by the device attributes of a
 *   RBLK_CMD_GET_DEVICE reply (as far as they still exist).
 *
 * Compatibility: commands, attributes and enum values are only ever
 * appended. The kernel rejects unknown attributes and flags (strict
 * validation); userspace must ignore attributes it does not know.
 */
#ifndef RBLK_GENL_H
#define RBLK_GENL_H

#define RBLK_GENL_NAME		"rblk"
#define RBLK_GENL_VERSION	1
#define RBLK_GENL_MCGRP_EVENTS	"events"

#define RBLK_RESOURCE_NAME_MAX	64	/* including the terminating NUL */
#define RBLK_PATH_MAX		256	/* including the terminating NUL */
#define RBLK_MINOR_MAX		255	/* minors are 0..RBLK_MINOR_MAX */

enum rblk_cmd {
	RBLK_CMD_UNSPEC,
	RBLK_CMD_GET_DEVICE,
	RBLK_CMD_NEW_DEVICE,
	RBLK_CMD_DEL_DEVICE,
	RBLK_CMD_EVENT,
	RBLK_CMD_SET_ROLE,
	RBLK_CMD_ATTACH,
	RBLK_CMD_DETACH,
	__RBLK_CMD_MAX
};
#define RBLK_CMD_MAX (__RBLK_CMD_MAX - 1)

enum rblk_attr {
	RBLK_A_UNSPEC,
	RBLK_A_MINOR,
	RBLK_A_RESOURCE,
	RBLK_A_BACKING_DEV,
	RBLK_A_SIZE,
	RBLK_A_ROLE,
	RBLK_A_DISK_STATE,
	RBLK_A_OPEN_COUNT,
	RBLK_A_STATS,
	RBLK_A_FLAGS,
	RBLK_A_EVENT,
	__RBLK_A_LAST
};
#define RBLK_A_MAX (__RBLK_A_LAST - 1)

/* Nested in RBLK_A_STATS; all u64. KiB counters count payload only. */
enum rblk_stat_attr {
	RBLK_STAT_UNSPEC,
	RBLK_STAT_READ_KIB,
	RBLK_STAT_WRITTEN_KIB,
	RBLK_STAT_READS,
	RBLK_STAT_WRITES,
	RBLK_STAT_FLUSHES,
	RBLK_STAT_DISCARDS,
	RBLK_STAT_IN_FLIGHT,
	RBLK_STAT_IO_ERRORS,
	__RBLK_STAT_LAST
};
#define RBLK_STAT_MAX (__RBLK_STAT_LAST - 1)

/* RBLK_A_FLAGS of RBLK_CMD_SET_ROLE. */
enum rblk_role_flags {
	RBLK_F_FORCE = 1U << 0,		/* promote without UpToDate data */
	__RBLK_F_ROLE_ALL = RBLK_F_FORCE
};

enum rblk_role {
	RBLK_ROLE_UNKNOWN,
	RBLK_ROLE_PRIMARY,
	RBLK_ROLE_SECONDARY,
	__RBLK_ROLE_LAST
};

enum rblk_disk_state {
	RBLK_DISK_DISKLESS,
	RBLK_DISK_ATTACHING,
	RBLK_DISK_FAILED,
	RBLK_DISK_INCONSISTENT,
	RBLK_DISK_OUTDATED,
	RBLK_DISK_CONSISTENT,
	RBLK_DISK_UPTODATE,
	__RBLK_DISK_LAST
};

enum rblk_event {
	RBLK_EVENT_UNSPEC,
	RBLK_EVENT_CREATE,
	RBLK_EVENT_DESTROY,
	RBLK_EVENT_CHANGE,
	__RBLK_EVENT_LAST
};

#endif /* RBLK_GENL_H */
