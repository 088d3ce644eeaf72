// SPDX-License-Identifier: GPL-2.0
/*
 * Test helper for the harness: loading this module triggers one genuine
 * WARN() so that tests can check that vm_check_kernel catches the real
 * format.  The load then fails on purpose, so nothing stays loaded.
 */
#include <linux/module.h>
#include <linux/bug.h>

static int __init rblk_warn_test_init(void)
{
	WARN(1, "rblk_warn_test: deliberate warning from the test harness\n");
	return -ECANCELED;
}
module_init(rblk_warn_test_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("rblk test harness: trigger a kernel warning");
