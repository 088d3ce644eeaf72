// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * rblkadm: administer rblk replicated block devices.
 *
 * The table below is the whole command-line surface: it dispatches and it
 * produces the usage text, so the two cannot drift apart.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "rblkadm.h"
#include "util.h"

#define RBLK_VERSION "0.1.0"

static CMD(help);

static const struct rblkadm_cmd commands[] = {
	{ "status", cmd_status, "[RES|all] [--json|--metrics]",
	  "show the state of resources", 0 },
	{ "role", cmd_role, "RES",
	  "print this node's and the peer's role, as drbdadm does (Primary/Secondary)", 0 },
	{ "cstate", cmd_cstate, "RES",
	  "print the connection state (Connected, SyncSource, StandAlone, ...)", 0 },
	{ "dstate", cmd_dstate, "RES",
	  "print this node's and the peer's disk state (UpToDate/DUnknown)", 0 },
	{ "events", cmd_events, "[--json] [--now]",
	  "stream state changes, one line each", 0 },
	{ "wait-connect", cmd_wait_connect, "RES|all [--timeout SECONDS]",
	  "wait until connected to the peer (default: 0 = forever)", 0 },
	{ "wait-sync", cmd_wait_sync, "RES|all [--timeout SECONDS]",
	  "wait until connected, both disks UpToDate, no resync or verify running; shows progress", 0 },
	{ "primary", cmd_primary, "RES|all [--force]",
	  "make the local device Primary (writable)", CMD_ROOT },
	{ "secondary", cmd_secondary, "RES|all",
	  "make the local device Secondary (read-only)", CMD_ROOT },
	{ "create-device", cmd_create_device, "--minor N --disk DEV RES",
	  "low level: create /dev/rblkN over DEV without metadata", CMD_ROOT },
	{ "remove-device", cmd_remove_device, "RES|MINOR",
	  "low level: remove a device (refused while it is open)", CMD_ROOT },
	{ "up", cmd_up, "RES|all",
	  "create, attach, configure the network and connect", CMD_ROOT },
	{ "down", cmd_down, "RES|all",
	  "demote, disconnect, detach and remove the device", CMD_ROOT },
	{ "adjust", cmd_adjust, "RES|all",
	  "change the running device to match the configuration", CMD_ROOT },
	{ "attach", cmd_attach, "RES|all",
	  "attach the backing disk with its disk options", CMD_ROOT },
	{ "detach", cmd_detach, "RES|all",
	  "stop using the backing disk", CMD_ROOT },
	{ "connect", cmd_connect, "RES|all [--discard-my-data]",
	  "configure the network and connect to the peer", CMD_ROOT },
	{ "disconnect", cmd_disconnect, "RES|all",
	  "drop the connection to the peer", CMD_ROOT },
	{ "invalidate", cmd_invalidate, "RES|all",
	  "throw the local data away: a full resync from the peer follows", CMD_ROOT },
	{ "invalidate-remote", cmd_invalidate_remote, "RES|all",
	  "throw the peer's data away: a full resync to it follows", CMD_ROOT },
	{ "new-current-uuid", cmd_new_current_uuid, "RES|all [--clear-bitmap]",
	  "start a new generation; --clear-bitmap: two fresh connected disks skip the initial sync", CMD_ROOT },
	{ "outdate", cmd_outdate, "RES|all",
	  "mark the local data Outdated: no promotion without --force until it is current again", CMD_ROOT },
	{ "resume-io", cmd_resume_io, "RES|all",
	  "end a suspension of I/O for fencing (the peer may not be fenced)", CMD_ROOT },
	{ "verify", cmd_verify, "RES|all [--start SECTOR] [--stop SECTOR] [--repair] [--wait]",
	  "compare the data with the peer's (verify-alg); --wait: exit 5 if blocks differ", CMD_ROOT },
	{ "pause-sync", cmd_pause_sync, "RES|all",
	  "pause the resync (either node; kept until resume-sync)", CMD_ROOT },
	{ "resume-sync", cmd_resume_sync, "RES|all",
	  "resume a paused resync", CMD_ROOT },
	{ "dump", cmd_dump, "[RES|all] [--defaults]",
	  "print the normalized configuration", 0 },
	{ "create-md", cmd_create_md, "RES|all [--force] | --disk PATH [--meta-disk PATH] [--al-extents N]",
	  "write fresh metadata (refuses to overwrite data it recognizes)", CMD_ROOT },
	{ "dump-md", cmd_dump_md, "RES|all [--json] | --disk PATH [--meta-disk PATH]",
	  "print the metadata as text (input of restore-md) or JSON", 0 },
	{ "restore-md", cmd_restore_md, "RES|--disk PATH [--meta-disk PATH] [--force] FILE|-",
	  "write metadata from a dump-md output", CMD_ROOT },
	{ "wipe-md", cmd_wipe_md, "RES|all | --disk PATH [--meta-disk PATH]",
	  "erase the metadata (the node can no longer be a sync source)", CMD_ROOT },
	{ "move-md", cmd_move_md, "RES|all [--from-size BYTES] | --disk PATH --from-size BYTES",
	  "move internal metadata to the end of a disk that grew (attach does it too)", CMD_ROOT },
	{ "show-gi", cmd_show_gi, "RES|all | --disk PATH [--meta-disk PATH]",
	  "explain the generation UUIDs and flags", 0 },
	{ "set-gi", cmd_set_gi, "RES|--disk PATH [--meta-disk PATH] C:B:H0:H1[:FLAGS]",
	  "expert: overwrite the generation UUIDs and flags", CMD_ROOT },
	{ "sh-udev", cmd_sh_udev, "MINOR",
	  "print the device's resource for the udev rule (RBLK_RESOURCE=...)", 0 },
	{ "helper", cmd_helper, "EVENT RES",
	  "run a handler of the configuration (what rblk.ko calls)", CMD_ROOT },
	{ "help", cmd_help, "[COMMAND]", "show help for rblkadm or a command", 0 },
};

const struct rblkadm_cmd *rblk_find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"Usage: rblkadm [OPTIONS] COMMAND [ARGS]\n"
		"\n"
		"Options:\n"
		"  -c, --config FILE   configuration file (default /etc/rblk.conf)\n"
		"  -n, --node NAME     act as node NAME (default: uname -n)\n"
		"  -d, --dry-run       print the netlink commands, send nothing\n"
		"  -j, --json          machine-readable output where supported\n"
		"  -h, --help          this help; 'rblkadm help COMMAND' for one\n"
		"  -V, --version       print the version\n"
		"\n"
		"Commands:\n");
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-17s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\nRES may be 'all' where shown. See rblkadm(8).\n");
}

int rblk_cmd_usage(const struct rblkadm_cmd *cmd)
{
	fprintf(stderr, "Usage: rblkadm %s %s\n", cmd->name, cmd->args);
	return EXIT_USAGE;
}

static CMD(help)
{
	const struct rblkadm_cmd *cmd;

	if (argc < 2) {
		usage(stdout);
		return EXIT_OK;
	}
	cmd = rblk_find_cmd(argv[1]);
	if (!cmd) {
		err("unknown command '%s'", argv[1]);
		hint("'rblkadm help' lists the commands");
		return EXIT_USAGE;
	}
	printf("Usage: rblkadm %s %s\n  %s\n", cmd->name, cmd->args, cmd->help);
	return EXIT_OK;
}

static const char *default_node(void)
{
	static struct utsname u;

	if (uname(&u))
		return "localhost";
	return u.nodename;
}

/* True if @arg appears in argv before a "--". */
static bool has_arg(int argc, char **argv, const char *arg)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], arg))
			return true;
	return false;
}

/* True if argv asks for help anywhere before a "--". */
static bool wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "node", required_argument, NULL, 'n' },
		{ "dry-run", no_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct rblk_ctx ctx = {
		.config_path = getenv("RBLK_CONFIG"),
		.node = getenv("RBLK_NODE"),
	};
	const struct rblkadm_cmd *cmd;
	int c;

	/* '+': stop at the subcommand; its options are its own. */
	while ((c = getopt_long(argc, argv, "+c:n:djhV", opts, NULL)) != -1) {
		switch (c) {
		case 'c': ctx.config_path = optarg; break;
		case 'n': ctx.node = optarg; break;
		case 'd': ctx.dry_run = true; break;
		case 'j': ctx.json = true; break;
		case 'h': usage(stdout); return EXIT_OK;
		case 'V': printf("rblkadm " RBLK_VERSION "\n"); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (!ctx.config_path || !*ctx.config_path)
		ctx.config_path = "/etc/rblk.conf";
	if (!ctx.node || !*ctx.node)
		ctx.node = default_node();
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = rblk_find_cmd(argv[optind]);
	if (!cmd) {
		err("unknown command '%s'", argv[optind]);
		hint("'rblkadm help' lists the commands");
		return EXIT_USAGE;
	}
	argc -= optind;
	argv += optind;
	if (wants_help(argc, argv)) {
		printf("Usage: rblkadm %s %s\n  %s\n", cmd->name, cmd->args, cmd->help);
		return EXIT_OK;
	}
	if ((cmd->flags & CMD_ROOT) && !ctx.dry_run && !has_arg(argc, argv, "-d") &&
	    !has_arg(argc, argv, "--dry-run") && !have_cap_sys_admin()) {
		err("%s: permission denied: changing rblk devices needs root (CAP_SYS_ADMIN)",
		    cmd->name);
		hint("run it as root, e.g. 'sudo rblkadm %s ...'", cmd->name);
		return EXIT_FAIL;
	}
	/* 0, not 1: glibc then re-initializes getopt (permuting again). */
	optind = 0;
	return cmd->fn(&ctx, argc, argv);
}
