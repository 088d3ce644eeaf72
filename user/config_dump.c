// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * rblkadm dump: the configuration in one normal form. common{} is folded
 * into the resources, settings shared by both hosts are written once at
 * resource level, values keep their config units. The output is valid
 * input and dumps to itself (tests/bats/config.bats checks this), except
 * that a shared-secret is written as "<hidden>".
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "config_int.h"

#define IND "    "

static bool needs_quotes(const char *s)
{
	if (!*s)
		return true;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f ||
		    strchr("{};\"#\\", *s))
			return true;
	return false;
}

static void put_word(FILE *f, const char *s, bool quote)
{
	if (!quote && !needs_quotes(s)) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else if (*s == '\t')
			fputs("\\t", f);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void dump_section(FILE *f, const char *ind, enum cfg_section sec,
			 const struct cfg_val *vals, bool defaults)
{
	bool opened = false;
	char buf[64];
	int i;

	for (i = 0; i < __OPT_COUNT; i++) {
		/*
		 * A refused option is never set in a configuration read; nor
		 * is on-io-error's default, detach, refused when written
		 * (config_check.c); size has none to write (the whole disk).
		 */
		if (cfg_opts[i].sec != sec || (!vals[i].set && !defaults) ||
		    cfg_opts[i].applies == AP_REFUSED ||
		    ((i == OPT_ON_IO_ERROR || i == OPT_SIZE) && !vals[i].set))
			continue;
		if (!opened)
			fprintf(f, "%s%s {\n", ind, cfg_section_names[sec]);
		opened = true;
		fprintf(f, "%s" IND "%s ", ind, cfg_opts[i].name);
		if (i == OPT_SHARED_SECRET && vals[i].str[0])
			put_word(f, CFG_SECRET_HIDDEN, true);
		else if (i == OPT_CRAM_HMAC_ALG && !vals[i].str[0])
			put_word(f, "none", false);
		else
			put_word(f, cfg_val_config_str(i, &vals[i], buf, sizeof(buf)),
				 sec == SEC_HANDLERS || i == OPT_SHARED_SECRET);
		fputs(";\n", f);
	}
	if (opened)
		fprintf(f, "%s}\n", ind);
}

static bool same(const char *a, const char *b)
{
	return !strcmp(a, b);
}

/* One of device/disk/meta-disk for a host, unless the resource has it. */
static void dump_host_part(FILE *f, const char *ind, int what,
			   const struct cfg_host *h)
{
	switch (what) {
	case 0:
		fprintf(f, "%sdevice minor %d;\n", ind, h->minor);
		break;
	case 1:
		fprintf(f, "%sdisk ", ind);
		put_word(f, h->disk, false);
		fputs(";\n", f);
		break;
	case 2:
		fprintf(f, "%smeta-disk ", ind);
		put_word(f, h->meta_disk, false);
		fputs(";\n", f);
		break;
	}
}

static void dump_resource(FILE *f, const struct cfg_resource *r, bool defaults)
{
	const struct cfg_host *a = r->hosts, *b = a->next, *h;
	char buf[80];
	bool shared[3] = {
		a->minor == b->minor, same(a->disk, b->disk),
		same(a->meta_disk, b->meta_disk),
	};
	int i;

	fprintf(f, "resource %s {\n", r->name);
	for (i = 0; i < 3; i++)
		if (shared[i])
			dump_host_part(f, IND, i, a);
	dump_section(f, IND, SEC_NET, r->opt, defaults);
	dump_section(f, IND, SEC_DISK, r->opt, defaults);
	dump_section(f, IND, SEC_HANDLERS, r->opt, defaults);
	dump_section(f, IND, SEC_STARTUP, r->opt, defaults);
	for (h = r->hosts; h; h = h->next) {
		fprintf(f, IND "on ");
		put_word(f, h->name, false);
		fprintf(f, " {\n");
		for (i = 0; i < 3; i++)
			if (!shared[i])
				dump_host_part(f, IND IND, i, h);
		fprintf(f, IND IND "address %s %s;\n",
			h->addr.family == AF_INET6 ? "ipv6" : "ipv4",
			cfg_addr_str(&h->addr, buf, sizeof(buf)));
		fprintf(f, IND "}\n");
	}
	fprintf(f, "}\n");
}

void config_dump(FILE *f, const struct rblk_config *cfg,
		 const struct cfg_resource *only, bool defaults)
{
	const struct cfg_resource *r;

	fprintf(f, "# rblkadm dump of %s for node %s\n", cfg->path, cfg->node);
	if (!only)
		dump_section(f, "", SEC_GLOBAL, cfg->global, defaults);
	for (r = cfg->resources; r; r = r->next) {
		if (only && r != only)
			continue;
		fputc('\n', f);
		dump_resource(f, r, defaults);
	}
}
