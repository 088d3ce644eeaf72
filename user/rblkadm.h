/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * rblkadm: the subcommand table and what every subcommand gets.
 *
 * Each subcommand lives in a cmd_*.c file and is listed once in the table in
 * rblkadm.c, which also produces the usage text. Handlers return an exit
 * status (enum rblk_exit) and print their own errors with err()/hint().
 */
#ifndef RBLKADM_H
#define RBLKADM_H

#include <stdbool.h>

enum rblk_exit {
	EXIT_OK = 0,
	EXIT_FAIL = 1,		/* the operation failed; the message says why */
	EXIT_USAGE = 2,		/* bad command line */
	EXIT_NO_MODULE = 3,	/* rblk.ko is not loaded */
	EXIT_CONFIG = 4,	/* bad configuration file */
	EXIT_VERIFY_DIFF = 5,	/* verify --wait: blocks differ from the peer */
};

struct rblk_ctx {
	const char *config_path;	/* -c FILE, $RBLK_CONFIG, /etc/rblk.conf */
	const char *node;		/* --node NAME, $RBLK_NODE, uname -n */
	bool dry_run;			/* print the netlink plan, send nothing */
	bool json;			/* machine-readable output */
};

/* Command flags. */
#define CMD_ROOT	(1U << 0)	/* needs CAP_SYS_ADMIN unless --dry-run */

struct rblkadm_cmd {
	const char *name;
	int (*fn)(struct rblk_ctx *ctx, int argc, char **argv);
	const char *args;		/* argument synopsis for usage */
	const char *help;		/* one line */
	unsigned int flags;
};

/* argv[0] is the subcommand name; getopt-style parsing starts at argv[1]. */
#define CMD(n) int cmd_##n(struct rblk_ctx *ctx, int argc, char **argv)

CMD(create_device);
CMD(remove_device);
CMD(primary);
CMD(secondary);
CMD(status);
CMD(role);
CMD(cstate);
CMD(dstate);
CMD(sh_udev);
CMD(move_md);
CMD(events);
CMD(wait_connect);
CMD(wait_sync);
CMD(invalidate);
CMD(outdate);
CMD(resume_io);
CMD(invalidate_remote);
CMD(pause_sync);
CMD(resume_sync);
CMD(helper);
CMD(new_current_uuid);
CMD(verify);
CMD(up);
CMD(down);
CMD(adjust);
CMD(attach);
CMD(detach);
CMD(connect);
CMD(disconnect);
CMD(dump);
CMD(create_md);
CMD(dump_md);
CMD(restore_md);
CMD(wipe_md);
CMD(show_gi);
CMD(set_gi);

const struct rblkadm_cmd *rblk_find_cmd(const char *name);
int rblk_cmd_usage(const struct rblkadm_cmd *cmd);

#endif
