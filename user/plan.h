/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * Plans: what rblkadm will ask the kernel to do, as data.
 *
 * A plan is an ordered list of steps; a step is a command name and ordered
 * key=value attributes, printed one per line:
 *
 *   new-device minor=0 resource=pg
 *   disk-options minor=0 on-io-error=call-local-io-error
 *   attach minor=0 disk=/dev/VG_RBLK/LV_DATA meta-disk=internal
 *   net minor=0 local=10.0.0.1:7788 peer=10.0.0.2:7788 node=pg1 peer-node=pg2 protocol=C ...
 *   connect minor=0
 *
 * Values with blanks, quotes, '=' or backslashes, and empty values, are
 * double-quoted with backslash escapes. Values are canonical: times in
 * ms, sizes in bytes (size= in bytes too), rates in KiB/s, booleans
 * yes|no. --dry-run prints the plan instead of sending it; the netlink
 * client (nl.c) executes one step at a time with rblk_nl_exec().
 *
 * Step semantics (docs/config.md has the full list of keys):
 *   new-device minor resource        create /dev/rblkN, no disk, no peer
 *   disk-options minor on-io-error   what the device does on an I/O error of
 *                                    its disk (only when not the default,
 *                                    detach; kept with the device)
 *   attach minor disk meta-disk      attach the backing disk
 *   net minor local peer node peer-node protocol ...  set the peer; on a
 *                                    device with the same peer: change options
 *   net-options minor ...            change the options of a connection that
 *                                    is configured (not StandAlone); every
 *                                    option of the net step but who talks
 *                                    to whom (local, peer, node, protocol)
 *   connect minor [discard-my-data=yes]  start connecting (and keep trying)
 *   disconnect minor                 drop the connection and the net settings
 *   detach minor                     detach the backing disk
 *   del-device minor                 remove /dev/rblkN
 *   verify minor [start stop repair=yes]  start an online verify
 *   primary minor [force=yes]        promote
 *   secondary minor                  demote
 */
#ifndef RBLK_PLAN_H
#define RBLK_PLAN_H

#include <stdio.h>

#include "config.h"
#include "rblkadm.h"

#define PLAN_MAX_ATTRS	48

struct plan_step {
	const char *cmd;
	int nattrs;
	struct plan_attr {
		const char *key;
		const char *value;
	} attrs[PLAN_MAX_ATTRS];
};

struct plan {
	int nsteps, cap;
	struct plan_step *steps;
};

void plan_init(struct plan *p);
void plan_free(struct plan *p);
/* Append a step (strings are copied); attributes follow with plan_attr(). */
struct plan_step *plan_add(struct plan *p, const char *cmd);
void plan_attr(struct plan_step *s, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The value of key in s, or NULL. */
const char *plan_get(const struct plan_step *s, const char *key);
/* The first step named cmd for minor, or NULL. */
const struct plan_step *plan_find(const struct plan *p, const char *cmd,
				  unsigned int minor);

void plan_print_step(FILE *f, const struct plan_step *s);
void plan_print(FILE *f, const struct plan *p);
/*
 * Parse text in the printed format (blank lines and # comments allowed).
 * Returns 0, or -1 after an error naming name:line.
 */
int plan_parse(const char *name, const char *text, struct plan *out);

/*
 * Dry run: print the plan on stdout, return 0. Otherwise execute it step
 * by step with rblk_nl_exec() and stop at the first failure, returning its
 * negative errno (the step has printed why).
 */
int plan_execute(struct rblk_ctx *ctx, const struct plan *p);

/* Builders: the steps for this node of resource r. */
void plan_new_device(struct plan *p, const struct cfg_resource *r);
void plan_disk_options(struct plan *p, const struct cfg_resource *r);
void plan_disk_options_change(struct plan *p, const struct cfg_resource *r,
			      const struct plan *running);
void plan_attach(struct plan *p, const struct cfg_resource *r);
void plan_net(struct plan *p, const struct cfg_resource *r);
void plan_net_options(struct plan *p, const struct cfg_resource *r);
void plan_connect(struct plan *p, const struct cfg_resource *r, bool discard);
void plan_minor_only(struct plan *p, const char *cmd, const struct cfg_resource *r);
void plan_primary(struct plan *p, const struct cfg_resource *r, bool force);
void plan_up(struct plan *p, const struct cfg_resource *r);
void plan_down(struct plan *p, const struct cfg_resource *r);
/*
 * The steps that bring the running state (as a plan: what the kernel
 * reports as configured; see plan_from_devices()) to what r says. Keys the
 * running state lacks are not compared. Returns -1 (after an error) if
 * r's minor is held by another resource.
 */
int plan_adjust(struct plan *p, const struct cfg_resource *r,
		const struct plan *running);

struct rblk_dev_info;
/*
 * The running state as far as RBLK_CMD_GET_DEVICE reports it: new-device,
 * attach with the disk, net with the peer and the options the kernel
 * reports, connect unless StandAlone.
 */
void plan_from_devices(struct plan *out, const struct rblk_dev_info *devs, int n);

#endif
