// SPDX-License-Identifier: GPL-2.0
/*
 * Handlers: events the configuration may act on ("handlers { split-brain
 * CMD; }") are handed to userspace as "<usermode_helper> helper EVENT RES";
 * rblkadm finds and runs the command. The kernel only waits for the exec,
 * never for the command, so a slow handler cannot stall a connection.
 */
#include <linux/module.h>
#include <linux/umh.h>

#include "device.h"
#include "helper.h"

static char *usermode_helper = "/usr/sbin/rblkadm";
module_param(usermode_helper, charp, 0644);
MODULE_PARM_DESC(usermode_helper, "program run for handlers as 'PROG helper EVENT RESOURCE'");

int rblk_helper(struct rblk_device *dev, const char *event)
{
	char *argv[] = { usermode_helper, "helper", (char *)event, dev->name, NULL };
	char *envp[] = { "HOME=/", "TERM=linux",
			 "PATH=/sbin:/usr/sbin:/bin:/usr/bin", NULL };
	int ret;

	ret = call_usermodehelper(usermode_helper, argv, envp, UMH_WAIT_EXEC);
	if (ret)
		pr_warn("rblk%d: %s: cannot run the %s handler through %s: %d\n",
			dev->minor, dev->name, event, usermode_helper, ret);
	else
		pr_info("rblk%d: %s: %s handler started (%s helper %s %s)\n",
			dev->minor, dev->name, event, usermode_helper, event,
			dev->name);
	return ret;
}
