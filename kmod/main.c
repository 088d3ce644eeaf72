// SPDX-License-Identifier: GPL-2.0
/*
 * rblk: replicated block device. Module init and exit only; see device.c,
 * req.c and netlink.c for the parts.
 */
#include <linux/module.h>
#include <net/genetlink.h>

#include "device.h"
#include "helper.h"
#include "netlink.h"
#include "recv.h"
#include "req.h"

static int __init rblk_init(void)
{
	int ret;

	ret = rblk_req_init();
	if (ret)
		return ret;
	ret = rblk_recv_init();
	if (ret)
		goto err_req;
	ret = rblk_helper_init();
	if (ret)
		goto err_recv;
	ret = rblk_device_init();
	if (ret)
		goto err_helper;
	ret = rblk_genl_init();
	if (ret)
		goto err_device;
	pr_info("loaded, netlink family %s version %d\n", RBLK_GENL_NAME,
		RBLK_GENL_VERSION);
	return 0;

err_device:
	rblk_device_exit();
err_helper:
	rblk_helper_exit();
err_recv:
	rblk_recv_exit();
err_req:
	rblk_req_exit();
	return ret;
}

static void __exit rblk_exit(void)
{
	/* No new commands first, then no devices, then no clones. */
	rblk_genl_exit();
	rblk_device_exit();
	rblk_helper_exit();
	rblk_recv_exit();
	rblk_req_exit();
	pr_info("unloaded\n");
}

module_init(rblk_init);
module_exit(rblk_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("rblk: replicated block device");
MODULE_AUTHOR("The rblk authors");
MODULE_ALIAS_GENL_FAMILY(RBLK_GENL_NAME);
