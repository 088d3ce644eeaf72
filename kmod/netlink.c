// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink family "rblk": the commands of include/rblk/genl.h and
 * the "events" multicast group.
 */
#include <linux/capability.h>
#include <linux/ctype.h>
#include <net/genetlink.h>

#include "device.h"
#include "netlink.h"

static const struct nla_policy rblk_policy[RBLK_A_MAX + 1] = {
	[RBLK_A_MINOR]		= NLA_POLICY_MAX(NLA_U32, RBLK_MINOR_MAX),
	[RBLK_A_RESOURCE]	= { .type = NLA_NUL_STRING,
				    .len = RBLK_RESOURCE_NAME_MAX - 1 },
	[RBLK_A_BACKING_DEV]	= { .type = NLA_NUL_STRING,
				    .len = RBLK_PATH_MAX - 1 },
	[RBLK_A_SIZE]		= { .type = NLA_REJECT },
	[RBLK_A_ROLE]		= NLA_POLICY_RANGE(NLA_U8, RBLK_ROLE_PRIMARY,
						   RBLK_ROLE_SECONDARY),
	[RBLK_A_DISK_STATE]	= { .type = NLA_REJECT },
	[RBLK_A_OPEN_COUNT]	= { .type = NLA_REJECT },
	[RBLK_A_STATS]		= { .type = NLA_REJECT },
	[RBLK_A_FLAGS]		= { .type = NLA_U32 },
	[RBLK_A_EVENT]		= { .type = NLA_REJECT },
};

static struct genl_family rblk_genl_family;

static int put_stats(struct sk_buff *skb, struct rblk_stats *s)
{
	struct nlattr *nest = nla_nest_start(skb, RBLK_A_STATS);

	if (!nest)
		return -EMSGSIZE;
#define PUT(attr, v) \
	if (nla_put_u64_64bit(skb, attr, v, RBLK_STAT_UNSPEC)) \
		goto cancel
	PUT(RBLK_STAT_READ_KIB, atomic64_read(&s->read_kib));
	PUT(RBLK_STAT_WRITTEN_KIB, atomic64_read(&s->written_kib));
	PUT(RBLK_STAT_READS, atomic64_read(&s->reads));
	PUT(RBLK_STAT_WRITES, atomic64_read(&s->writes));
	PUT(RBLK_STAT_FLUSHES, atomic64_read(&s->flushes));
	PUT(RBLK_STAT_DISCARDS, atomic64_read(&s->discards));
	PUT(RBLK_STAT_IN_FLIGHT, atomic_read(&s->in_flight));
	PUT(RBLK_STAT_IO_ERRORS, atomic64_read(&s->io_errors));
#undef PUT
	nla_nest_end(skb, nest);
	return 0;
cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static int put_dev_attrs(struct sk_buff *skb, struct rblk_device *dev)
{
	int ret = -EMSGSIZE;

	mutex_lock(&dev->lock);
	if (nla_put_u32(skb, RBLK_A_MINOR, dev->minor) ||
	    nla_put_string(skb, RBLK_A_RESOURCE, dev->name) ||
	    nla_put_u64_64bit(skb, RBLK_A_SIZE, get_capacity(dev->disk),
			      RBLK_A_UNSPEC) ||
	    nla_put_u8(skb, RBLK_A_ROLE, dev->role) ||
	    nla_put_u8(skb, RBLK_A_DISK_STATE, dev->disk_state) ||
	    nla_put_u32(skb, RBLK_A_OPEN_COUNT, dev->open_count))
		goto out_unlock;
	if (dev->backing.bdev &&
	    nla_put_string(skb, RBLK_A_BACKING_DEV, dev->backing_path))
		goto out_unlock;
	ret = put_stats(skb, &dev->stats);
out_unlock:
	mutex_unlock(&dev->lock);
	return ret;
}

/* A message of command @cmd describing @dev; NULL if out of memory. */
static struct sk_buff *device_msg(struct rblk_device *dev, u8 cmd,
				  u32 portid, u32 seq, int event)
{
	struct sk_buff *skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	void *hdr;

	if (!skb)
		return NULL;
	hdr = genlmsg_put(skb, portid, seq, &rblk_genl_family, 0, cmd);
	if (!hdr)
		goto err_free;
	if (event && nla_put_u8(skb, RBLK_A_EVENT, event))
		goto err_free;
	if (put_dev_attrs(skb, dev))
		goto err_free;
	genlmsg_end(skb, hdr);
	return skb;
err_free:
	nlmsg_free(skb);
	return NULL;
}

void rblk_genl_event(struct rblk_device *dev, enum rblk_event event)
{
	struct sk_buff *skb = device_msg(dev, RBLK_CMD_EVENT, 0, 0, event);

	if (skb)
		genlmsg_multicast(&rblk_genl_family, skb, 0, 0, GFP_KERNEL);
}

static bool valid_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum(*s) && *s != '_' && *s != '-' && *s != '.')
			return false;
	return true;
}

/*
 * GENL_ADMIN_PERM checks CAP_NET_ADMIN; changing block devices needs
 * CAP_SYS_ADMIN as well.
 */
static int check_admin(struct sk_buff *skb, struct genl_info *info)
{
	if (netlink_capable(skb, CAP_SYS_ADMIN))
		return 0;
	NL_SET_ERR_MSG(info->extack, "rblk: CAP_SYS_ADMIN required");
	return -EPERM;
}

/* Look up RBLK_A_MINOR; called with rblk_devices_lock held. */
static struct rblk_device *info_device(struct genl_info *info)
{
	struct rblk_device *dev;

	if (GENL_REQ_ATTR_CHECK(info, RBLK_A_MINOR))
		return ERR_PTR(-EINVAL);
	dev = rblk_device_find(nla_get_u32(info->attrs[RBLK_A_MINOR]));
	if (!dev) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[RBLK_A_MINOR],
				    "rblk: no such device");
		return ERR_PTR(-ENODEV);
	}
	return dev;
}

static int reply_device(struct genl_info *info, struct rblk_device *dev)
{
	struct sk_buff *skb = device_msg(dev, RBLK_CMD_GET_DEVICE,
					 info->snd_portid, info->snd_seq, 0);

	return skb ? genlmsg_reply(skb, info) : -ENOMEM;
}

static int get_device_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct rblk_device *dev;
	int ret;

	mutex_lock(&rblk_devices_lock);
	dev = info_device(info);
	ret = IS_ERR(dev) ? PTR_ERR(dev) : reply_device(info, dev);
	mutex_unlock(&rblk_devices_lock);
	return ret;
}

static int get_device_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	int minor = cb->args[0];
	struct rblk_device *dev;
	void *hdr;

	mutex_lock(&rblk_devices_lock);
	while ((dev = rblk_device_next(&minor))) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &rblk_genl_family,
				  NLM_F_MULTI, RBLK_CMD_GET_DEVICE);
		if (!hdr)
			break;
		if (put_dev_attrs(skb, dev)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		cb->args[0] = minor;
	}
	mutex_unlock(&rblk_devices_lock);
	return skb->len;
}

static int new_device_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	struct rblk_device *dev;
	int ret;

	ret = check_admin(skb, info);
	if (ret)
		return ret;
	if (GENL_REQ_ATTR_CHECK(info, RBLK_A_MINOR) ||
	    GENL_REQ_ATTR_CHECK(info, RBLK_A_RESOURCE))
		return -EINVAL;
	if (a[RBLK_A_FLAGS] && nla_get_u32(a[RBLK_A_FLAGS])) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[RBLK_A_FLAGS],
				    "rblk: unknown flags");
		return -EINVAL;
	}
	if (!valid_name(nla_data(a[RBLK_A_RESOURCE]))) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[RBLK_A_RESOURCE],
				    "rblk: invalid resource name");
		return -EINVAL;
	}
	mutex_lock(&rblk_devices_lock);
	dev = rblk_device_create(nla_get_u32(a[RBLK_A_MINOR]),
				 nla_data(a[RBLK_A_RESOURCE]));
	ret = PTR_ERR_OR_ZERO(dev);
	if (ret)
		goto out_unlock;
	if (a[RBLK_A_BACKING_DEV]) {
		ret = rblk_device_attach(dev, nla_data(a[RBLK_A_BACKING_DEV]));
		if (ret) {
			/* All or nothing: no half-made device stays behind. */
			rblk_device_destroy(dev);
			goto out_unlock;
		}
	}
	rblk_genl_event(dev, RBLK_EVENT_CREATE);
out_unlock:
	mutex_unlock(&rblk_devices_lock);
	return ret;
}

static int del_device_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct rblk_device *dev;
	int ret;

	ret = check_admin(skb, info);
	if (ret)
		return ret;
	mutex_lock(&rblk_devices_lock);
	dev = info_device(info);
	ret = IS_ERR(dev) ? PTR_ERR(dev) : rblk_device_destroy(dev);
	mutex_unlock(&rblk_devices_lock);
	if (ret == -EBUSY)
		NL_SET_ERR_MSG(info->extack, "rblk: device is open");
	return ret;
}

static int attach_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct rblk_device *dev;
	int ret;

	ret = check_admin(skb, info);
	if (ret)
		return ret;
	if (GENL_REQ_ATTR_CHECK(info, RBLK_A_BACKING_DEV))
		return -EINVAL;
	mutex_lock(&rblk_devices_lock);
	dev = info_device(info);
	ret = PTR_ERR_OR_ZERO(dev);
	if (!ret)
		ret = rblk_device_attach(dev,
				nla_data(info->attrs[RBLK_A_BACKING_DEV]));
	if (!ret)
		rblk_genl_event(dev, RBLK_EVENT_CHANGE);
	mutex_unlock(&rblk_devices_lock);
	return ret;
}

static int detach_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct rblk_device *dev;
	int ret;

	ret = check_admin(skb, info);
	if (ret)
		return ret;
	mutex_lock(&rblk_devices_lock);
	dev = info_device(info);
	ret = PTR_ERR_OR_ZERO(dev);
	if (!ret)
		ret = rblk_device_detach(dev);
	if (!ret)
		rblk_genl_event(dev, RBLK_EVENT_CHANGE);
	mutex_unlock(&rblk_devices_lock);
	return ret;
}

static int set_role_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	struct rblk_device *dev;
	u32 flags = 0;
	int ret;

	ret = check_admin(skb, info);
	if (ret)
		return ret;
	if (GENL_REQ_ATTR_CHECK(info, RBLK_A_ROLE))
		return -EINVAL;
	if (a[RBLK_A_FLAGS])
		flags = nla_get_u32(a[RBLK_A_FLAGS]);
	if (flags & ~__RBLK_F_ROLE_ALL) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[RBLK_A_FLAGS],
				    "rblk: unknown flags");
		return -EINVAL;
	}
	mutex_lock(&rblk_devices_lock);
	dev = info_device(info);
	ret = PTR_ERR_OR_ZERO(dev);
	if (!ret)
		ret = rblk_device_set_role(dev, nla_get_u8(a[RBLK_A_ROLE]),
					   flags & RBLK_F_FORCE);
	if (!ret)
		rblk_genl_event(dev, RBLK_EVENT_CHANGE);
	mutex_unlock(&rblk_devices_lock);
	return ret;
}

static const struct genl_small_ops rblk_genl_ops[] = {
	{
		.cmd = RBLK_CMD_GET_DEVICE,
		.doit = get_device_doit,
		.dumpit = get_device_dumpit,
	}, {
		.cmd = RBLK_CMD_NEW_DEVICE,
		.doit = new_device_doit,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = RBLK_CMD_DEL_DEVICE,
		.doit = del_device_doit,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = RBLK_CMD_SET_ROLE,
		.doit = set_role_doit,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = RBLK_CMD_ATTACH,
		.doit = attach_doit,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = RBLK_CMD_DETACH,
		.doit = detach_doit,
		.flags = GENL_ADMIN_PERM,
	},
};

static const struct genl_multicast_group rblk_mcgrps[] = {
	{ .name = RBLK_GENL_MCGRP_EVENTS },
};

static struct genl_family rblk_genl_family __ro_after_init = {
	.name = RBLK_GENL_NAME,
	.version = RBLK_GENL_VERSION,
	.maxattr = RBLK_A_MAX,
	.policy = rblk_policy,
	.netnsok = true,
	.module = THIS_MODULE,
	.small_ops = rblk_genl_ops,
	.n_small_ops = ARRAY_SIZE(rblk_genl_ops),
	.mcgrps = rblk_mcgrps,
	.n_mcgrps = ARRAY_SIZE(rblk_mcgrps),
};

int __init rblk_genl_init(void)
{
	return genl_register_family(&rblk_genl_family);
}

void rblk_genl_exit(void)
{
	genl_unregister_family(&rblk_genl_family);
}
