// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Configuration parser and plans: values in canonical units, inheritance,
 * per-host overrides, validation errors, dump round trip, up/down/adjust.
 * Error messages themselves are checked by the bats tests (golden files).
 * The option tables of docs/config.md and rblk.conf.5 against the table.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include <rblk/auth.h>
#include <rblk/genl.h>
#include <rblk/wire.h>

#include "config_int.h"
#include "nl.h"
#include "plan.h"
#include "test.h"

#define RES_PG \
	"resource pg {\n" \
	"    device minor 0;\n" \
	"    disk /dev/vg/lv;\n" \
	"    meta-disk internal;\n" \
	"    on pg1 { address 10.0.0.1:7788; }\n" \
	"    on pg2 { address 10.0.0.2:7788; }\n" \
	"}\n"

static struct rblk_config *parse(const char *text, const char *node)
{
	struct rblk_config *cfg = NULL;

	if (config_parse_buffer("test.res", text, strlen(text), node,
				CFG_NO_INCLUDE | CFG_QUIET, &cfg))
		return NULL;
	return cfg;
}

static bool fails(const char *text)
{
	struct rblk_config *cfg = parse(text, "pg1");

	config_free(cfg);
	return cfg == NULL;
}

static void test_basic(void)
{
	struct rblk_config *cfg = parse(RES_PG, "pg2");
	struct cfg_resource *r = cfg ? config_find(cfg, "pg") : NULL;

	CHECK(r != NULL, "parses");
	if (!r)
		return;
	CHECK(r->me && !strcmp(r->me->name, "pg2") && !strcmp(r->peer->name, "pg1"), "me/peer");
	CHECK(r->me->minor == 0 && !strcmp(r->me->device, "/dev/rblk0"), "device");
	CHECK(!strcmp(r->me->disk, "/dev/vg/lv") && !strcmp(r->me->meta_disk, "internal"), "disk");
	CHECK(r->me->addr.port == 7788 && !strcmp(r->me->addr.ip, "10.0.0.2"), "address");
	CHECK(r->opt[OPT_TIMEOUT].num == 6000 && !r->opt[OPT_TIMEOUT].set, "default timeout 6 s in ms");
	CHECK(r->opt[OPT_AL_EXTENTS].num == 1237, "default al-extents");
	CHECK(!strcmp(r->opt[OPT_PROTOCOL].str, "C"), "protocol C");
	config_free(cfg);
}

static void test_units_and_common(void)
{
	const char *text =
		"common { net { timeout 50; ping-int 3; } disk { resync-rate 40M; } }\n"
		"resource r0 { device /dev/rblk3 minor 3; disk /dev/a;\n"
		"  net { timeout 80; sndbuf-size 512K; ping-timeout 1500ms; }\n"
		"  disk { handler-timeout 2500ms; disk-barrier no; }\n"
		"  handlers { split-brain \"/bin/true\"; }\n"
		"  on pg1 { address ipv6 [fd00:0::1]:7000; disk /dev/b; }\n"
		"  on pg2 { address ipv6 [fd00::2]:7000; }\n"
		"}\n";
	struct rblk_config *cfg = parse(text, "pg1");
	struct cfg_resource *r = cfg ? cfg->resources : NULL;

	CHECK(r != NULL, "parses");
	if (!r)
		return;
	CHECK(r->opt[OPT_TIMEOUT].num == 8000, "resource beats common");
	CHECK(r->opt[OPT_PING_INT].num == 3000, "inherited from common, seconds");
	CHECK(r->opt[OPT_RESYNC_RATE].num == 40 * 1024, "rate in KiB/s");
	CHECK(r->opt[OPT_SNDBUF_SIZE].num == 512 * 1024, "size in bytes");
	CHECK(r->opt[OPT_PING_TIMEOUT].num == 1500, "ms suffix");
	CHECK(r->opt[OPT_HANDLER_TIMEOUT].num == 2500, "seconds option with ms suffix");
	CHECK(r->opt[OPT_DISK_BARRIER].set && r->opt[OPT_DISK_BARRIER].num == 0, "booleans");
	CHECK(r->me->minor == 3 && !strcmp(r->me->disk, "/dev/b") && !strcmp(r->peer->disk, "/dev/a"),
	      "per-host disk");
	CHECK(!strcmp(r->me->addr.ip, "fd00::1"), "ipv6 normalized: %s", r->me->addr.ip);
	config_free(cfg);
}

static void test_errors(void)
{
	CHECK(fails("resource pg { device minor 0; disk /dev/x; net { verfy-alg md5; } "
		    "on pg1 { address 10.0.0.1:1; } on pg2 { address 10.0.0.2:1; } }"), "unknown option");
	CHECK(fails("resource pg { device minor 0; on pg1 { address 10.0.0.1:1; } "
		    "on pg2 { address 10.0.0.2:1; } }"), "missing disk");
	CHECK(fails("resource pg { device minor 0; disk /dev/x; on pg1 { address 10.0.0.1:1; } }"),
	      "one host");
	CHECK(fails("resource pg { device minor 0; disk /dev/x; on pg3 { address 10.0.0.1:1; } "
		    "on pg2 { address 10.0.0.2:1; } }"), "not for this node");
	CHECK(fails("resource pg { device minor 0; disk /dev/x; on pg1 { address 10.0.0.1:1; } "
		    "on pg2 { address 10.0.0.300:1; } }"), "bad IPv4");
	CHECK(fails("resource pg { device minor 0; disk /dev/x; on pg1 { address 10.0.0.1:0; } "
		    "on pg2 { address 10.0.0.2:1; } }"), "port 0");
	CHECK(fails(RES_PG "resource pg2 { device minor 0; disk /dev/y; on pg1 { address 10.0.0.1:2; } "
		    "on pg2 { address 10.0.0.2:2; } }"), "duplicate minor");
	CHECK(fails(RES_PG "resource pg2 { device minor 1; disk /dev/y; on pg1 { address 10.0.0.1:7788; } "
		    "on pg2 { address 10.0.0.2:2; } }"), "duplicate port");
	CHECK(fails(RES_PG RES_PG), "duplicate resource");
	CHECK(fails("resource pg { device minor 0; disk /dev/x; net { timeout 601; } "
		    "on pg1 { address 10.0.0.1:1; } on pg2 { address 10.0.0.2:1; } }"), "range");
	CHECK(fails("resource pg { device minor 0; disk /dev/x; net { shared-secret s; } "
		    "on pg1 { address 10.0.0.1:1; } on pg2 { address 10.0.0.2:1; } }"), "secret alone");
	CHECK(fails("include \"/etc/passwd\";"), "include disabled");
	CHECK(fails("resource pg { \"unterminated"), "unterminated string");
	CHECK(fails("resource pg { device minor 0; disk /dev/x; on pg1 { address 10.0.0.1:1; } "
		    "on pg2 { address 10.0.0.2:1; } "), "missing brace");
	CHECK(fails("resource \x01 {}"), "control character");
}

static void test_near_miss(void)
{
	static const char *const words[] = { "verify-alg", "csums-alg", "timeout", NULL };

	CHECK(cfg_near_miss("verfy-alg", words) && !strcmp(cfg_near_miss("verfy-alg", words), "verify-alg"),
	      "near miss");
	CHECK(cfg_near_miss("timeuot", words) != NULL, "transposition");
	CHECK(cfg_near_miss("banana", words) == NULL, "no near miss");
}

static char *dump_text(struct rblk_config *cfg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	config_dump(f, cfg, NULL, false);
	fclose(f);
	return text;
}

static void test_round_trip(void)
{
	const char *text =
		"global { usage-count no; }\n"
		"common { handlers { split-brain \"/bin/notify \\\"x\\\"\"; } }\n"
		"resource a { device minor 1; disk /dev/a; net { verify-alg sha256; timeout 15; }\n"
		"  on n1 { address 10.1.0.1:7000; disk /dev/b; } on n2 { address [::1]:7000; } }\n";
	struct rblk_config *c1 = parse(text, "n1"), *c2 = NULL;
	char *d1 = c1 ? dump_text(c1) : NULL, *d2 = NULL;

	CHECK(d1 != NULL, "first parse");
	if (!d1)
		return;
	c2 = parse(d1, "n1");
	d2 = c2 ? dump_text(c2) : NULL;
	CHECK(d2 && !strcmp(d1, d2), "dump parses back to itself:\n%s\n---\n%s", d1, d2 ? d2 : "");
	free(d1);
	free(d2);
	config_free(c1);
	config_free(c2);
}

static char *plan_text(const struct plan *p)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	plan_print(f, p);
	fclose(f);
	return text;
}

static void test_plans(void)
{
	struct rblk_config *cfg = parse(RES_PG, "pg1");
	struct cfg_resource *r = cfg ? cfg->resources : NULL;
	struct plan p, running, parsed;
	char *t, *t2;

	if (!r)
		return;
	plan_init(&p);
	plan_up(&p, r);
	t = plan_text(&p);
	CHECK(!strncmp(t, "new-device minor=0 resource=pg\nattach minor=0 disk=/dev/vg/lv meta-disk=internal\n",
		       strlen("new-device minor=0 resource=pg\nattach minor=0 disk=/dev/vg/lv meta-disk=internal\n")),
	      "up:\n%s", t);
	CHECK(strstr(t, "\nnet minor=0 local=10.0.0.1:7788 peer=10.0.0.2:7788 node=pg1 peer-node=pg2 protocol=C timeout=6000 ") != NULL,
	      "net step");
	CHECK(strstr(t, "\nconnect minor=0\n") != NULL, "connect");
	/* the printed plan parses back to the same plan */
	CHECK(!plan_parse("t", t, &parsed), "parse");
	t2 = plan_text(&parsed);
	CHECK_STR(t2, t);
	free(t2);

	/* adjust: nothing running = up */
	plan_free(&p);
	plan_init(&running);
	CHECK(!plan_adjust(&p, r, &running), "adjust");
	t2 = plan_text(&p);
	CHECK_STR(t2, t);
	free(t2);
	plan_free(&p);

	/* adjust: running exactly as configured = nothing */
	CHECK(!plan_adjust(&p, r, &parsed) && p.nsteps == 0, "no-op adjust, %d steps", p.nsteps);
	plan_free(&p);

	/* adjust: a changed net option on a connection = one net-options step */
	CHECK_STR(parsed.steps[2].attrs[6].key, "timeout");
	free((char *)parsed.steps[2].attrs[6].value);
	parsed.steps[2].attrs[6].value = strdup("9999");
	CHECK(!plan_adjust(&p, r, &parsed) && p.nsteps == 1 &&
	      !strcmp(p.steps[0].cmd, "net-options"), "net options changed");
	plan_free(&p);
	plan_free(&parsed);

	/* adjust: kernel reports only the device and its disk */
	CHECK(!plan_parse("t", "new-device minor=0 resource=pg\nattach minor=0 disk=/dev/vg/lv\n", &running),
	      "parse state");
	CHECK(!plan_adjust(&p, r, &running) && p.nsteps == 2 && !strcmp(p.steps[0].cmd, "net") &&
	      !strcmp(p.steps[1].cmd, "connect"), "same disk: only net and connect");
	plan_free(&p);
	plan_free(&running);

	/*
	 * adjust: another disk attached = detach + attach; the kernel
	 * attaches only without a connection, so around a disconnect and
	 * a connect.
	 */
	plan_parse("t", "new-device minor=0 resource=pg\nattach minor=0 disk=/dev/other\n"
		   "net minor=0\nconnect minor=0\n", &running);
	CHECK(!plan_adjust(&p, r, &running) && p.nsteps == 5 &&
	      !strcmp(p.steps[0].cmd, "disconnect") && !strcmp(p.steps[1].cmd, "detach") &&
	      !strcmp(p.steps[2].cmd, "attach") && !strcmp(p.steps[3].cmd, "net") &&
	      !strcmp(p.steps[4].cmd, "connect"), "disk changed");
	plan_free(&p);
	plan_free(&running);

	/* adjust: the disk failed (none attached) while connected */
	plan_parse("t", "new-device minor=0 resource=pg\nnet minor=0\nconnect minor=0\n", &running);
	CHECK(!plan_adjust(&p, r, &running) && p.nsteps == 4 &&
	      !strcmp(p.steps[0].cmd, "disconnect") && !strcmp(p.steps[1].cmd, "attach") &&
	      !strcmp(p.steps[2].cmd, "net") && !strcmp(p.steps[3].cmd, "connect"),
	      "no disk, connected");
	plan_free(&p);
	plan_free(&running);

	/* adjust: the minor belongs to someone else */
	plan_parse("t", "new-device minor=0 resource=other\n", &running);
	CHECK(plan_adjust(&p, r, &running) == -1, "minor taken");
	plan_free(&p);
	plan_free(&running);
	CHECK(plan_parse("t", "net minor=0 \"unterminated\n", &running) == -1, "bad state line");
	free(t);
	config_free(cfg);
}

/* The running state from what GET_DEVICE reports, compared by adjust. */
static void test_plan_from_devices(void)
{
	struct rblk_config *cfg = parse(RES_PG, "pg1");
	struct cfg_resource *r = cfg ? config_find(cfg, "pg") : NULL;
	struct rblk_dev_info d = {
		.minor = 0, .resource = "pg", .backing_dev = "/dev/vg/lv",
		.conn_state = RBLK_CONN_VERIFY_SOURCE, .peer_addr = "10.0.0.2:7788",
		.peer_name = "pg2", .has_net_opts = true,
	};
	struct plan running, p;
	char *t;

	CHECK(r != NULL, "parses");
	if (!r)
		return;
	d.net_opts[RBLK_NET_PING_INT] = 10000;
	d.net_opts[RBLK_NET_VERIFY_ALG] = RBLK_DIGEST_NONE;
	d.net_opts[RBLK_NET_AFTER_SB_0PRI] = RBLK_ASB_DISCONNECT;
	d.net_opts_set = 1U << RBLK_NET_PING_INT | 1U << RBLK_NET_VERIFY_ALG |
			 1U << RBLK_NET_AFTER_SB_0PRI;
	plan_init(&running);
	plan_from_devices(&running, &d, 1);
	t = plan_text(&running);
	CHECK_STR(t, "new-device minor=0 resource=pg\n"
		  "attach minor=0 disk=/dev/vg/lv\n"
		  "net minor=0 peer=10.0.0.2:7788 peer-node=pg2 ping-int=10000 verify-alg=none after-sb-0pri=disconnect\n"
		  "connect minor=0\n");
	free(t);
	plan_init(&p);
	CHECK(!plan_adjust(&p, r, &running) && p.nsteps == 0, "as configured: %d steps", p.nsteps);
	plan_free(&p);
	plan_free(&running);

	/* verify-alg on in the kernel, not in the configuration */
	d.net_opts[RBLK_NET_VERIFY_ALG] = RBLK_DIGEST_SHA256;
	plan_from_devices(&running, &d, 1);
	CHECK(!plan_adjust(&p, r, &running) && p.nsteps == 1 &&
	      !strcmp(p.steps[0].cmd, "net-options") && !plan_get(&p.steps[0], "verify-alg"),
	      "verify-alg off");
	plan_free(&p);
	plan_free(&running);

	/* the resync rate (disk { }) as the kernel reports it in the net options */
	d.net_opts[RBLK_NET_VERIFY_ALG] = RBLK_DIGEST_NONE;
	d.net_opts[RBLK_NET_RESYNC_RATE] = 100 * 1024;
	d.net_opts[RBLK_NET_C_PLAN_AHEAD] = 2000;
	d.net_opts_set |= 1U << RBLK_NET_RESYNC_RATE | 1U << RBLK_NET_C_PLAN_AHEAD;
	plan_from_devices(&running, &d, 1);
	CHECK(!plan_adjust(&p, r, &running) && p.nsteps == 0, "rate as configured: %d steps",
	      p.nsteps);
	plan_free(&p);
	plan_free(&running);
	d.net_opts[RBLK_NET_C_PLAN_AHEAD] = 0;
	plan_from_devices(&running, &d, 1);
	CHECK(!plan_adjust(&p, r, &running) && p.nsteps == 1 &&
	      !strcmp(p.steps[0].cmd, "net-options") &&
	      plan_get(&p.steps[0], "c-plan-ahead") &&
	      !strcmp(plan_get(&p.steps[0], "c-plan-ahead"), "2000") &&
	      !strcmp(plan_get(&p.steps[0], "resync-rate"), "102400"),
	      "c-plan-ahead changed in the kernel");
	plan_free(&p);
	plan_free(&running);

	/* StandAlone: the options are configured again with the connect */
	d.conn_state = RBLK_CONN_STANDALONE;
	plan_from_devices(&running, &d, 1);
	CHECK(!plan_adjust(&p, r, &running) && p.nsteps == 2 && !strcmp(p.steps[0].cmd, "net") &&
	      !strcmp(p.steps[1].cmd, "connect"), "StandAlone");
	plan_free(&p);
	plan_free(&running);
	config_free(cfg);
}

static void test_plan_quoting(void)
{
	struct plan p, q;
	struct plan_step *s;
	char *t, *t2;

	plan_init(&p);
	s = plan_add(&p, "net");
	plan_attr(s, "fence-peer", "a \"b\" c\\d=e");
	plan_attr(s, "empty", "%s", "");
	t = plan_text(&p);
	CHECK_STR(t, "net fence-peer=\"a \\\"b\\\" c\\\\d=e\" empty=\"\"\n");
	CHECK(!plan_parse("t", t, &q), "parse quoted");
	t2 = plan_text(&q);
	CHECK_STR(t2, t);
	free(t);
	free(t2);
	plan_free(&p);
	plan_free(&q);
}

/*
 * The shared secret: the plan carries it to the kernel but never shows it;
 * adjust tells a changed secret by the identifier the kernel reports.
 */
static void test_plan_secret(void)
{
	struct rblk_config *cfg = parse("resource pg {\n"
		"    device minor 0; disk /dev/vg/lv; meta-disk internal;\n"
		"    net { cram-hmac-alg sha256; shared-secret \"Open Sesame\"; }\n"
		"    on pg1 { address 10.0.0.1:7788; }\n"
		"    on pg2 { address 10.0.0.2:7788; }\n"
		"}\n", "pg1");
	struct cfg_resource *r = cfg ? config_find(cfg, "pg") : NULL;
	struct rblk_dev_info d = {
		.minor = 0, .resource = "pg", .backing_dev = "/dev/vg/lv",
		.conn_state = RBLK_CONN_CONNECTED, .peer_addr = "10.0.0.2:7788",
		.peer_name = "pg2", .has_net_opts = true, .hmac_alg = "sha256",
	};
	const struct plan_step *n;
	struct plan p, running;
	uint8_t id[RBLK_AUTH_SECRET_ID_LEN];
	char *t;
	int i;

	CHECK(r != NULL, "parses with a secret");
	if (!r)
		return;
	plan_init(&p);
	plan_up(&p, r);
	n = plan_find(&p, "net", 0);
	CHECK(n && plan_get(n, "shared-secret") &&
	      !strcmp(plan_get(n, "shared-secret"), "Open Sesame") &&
	      !strcmp(plan_get(n, "cram-hmac-alg"), "sha256"), "the step carries the secret");
	t = plan_text(&p);
	CHECK(strstr(t, " cram-hmac-alg=sha256 shared-secret=<set> ") && !strstr(t, "Sesame"),
	      "printed as <set>: %s", t);
	free(t);
	plan_free(&p);

	/* the identifier the kernel would report for this secret */
	rblk_auth_secret_id("sha256", (const uint8_t *)"Open Sesame", 11, id);
	for (i = 0; i < RBLK_AUTH_SECRET_ID_LEN; i++)
		snprintf(d.secret_id + 2 * i, 3, "%02x", id[i]);
	plan_init(&running);
	plan_from_devices(&running, &d, 1);
	t = plan_text(&running);
	CHECK(strstr(t, "cram-hmac-alg=sha256") && !strstr(t, d.secret_id),
	      "running: alg shown, id not: %s", t);
	free(t);
	CHECK(!plan_adjust(&p, r, &running) && p.nsteps == 0, "same secret: %d steps", p.nsteps);
	plan_free(&p);
	plan_free(&running);

	/* another secret in the kernel: net-options with ours */
	d.secret_id[0] = d.secret_id[0] == '0' ? '1' : '0';
	plan_from_devices(&running, &d, 1);
	CHECK(!plan_adjust(&p, r, &running) && p.nsteps == 1 &&
	      !strcmp(p.steps[0].cmd, "net-options") &&
	      !strcmp(plan_get(&p.steps[0], "shared-secret") ?: "", "Open Sesame"),
	      "secret changed");
	plan_free(&p);
	plan_free(&running);

	/* no secret in the kernel */
	d.secret_id[0] = 0;
	d.hmac_alg[0] = 0;
	plan_from_devices(&running, &d, 1);
	CHECK(!plan_adjust(&p, r, &running) && p.nsteps == 1 &&
	      !strcmp(p.steps[0].cmd, "net-options"), "secret added");
	plan_free(&p);
	plan_free(&running);
	config_free(cfg);

	/* a secret in the kernel, none configured: net-options without */
	cfg = parse(RES_PG, "pg1");
	r = cfg ? config_find(cfg, "pg") : NULL;
	strcpy(d.hmac_alg, "sha256");
	strcpy(d.secret_id, "0123456789abcdef");
	plan_from_devices(&running, &d, 1);
	CHECK(r && !plan_adjust(&p, r, &running) && p.nsteps == 1 &&
	      !plan_get(&p.steps[0], "shared-secret") &&
	      !plan_get(&p.steps[0], "cram-hmac-alg"), "secret removed");
	plan_free(&p);
	plan_free(&running);
	config_free(cfg);

	/* the configuration's checks */
	CHECK(fails("resource pg { device minor 0; disk /dev/x; net { cram-hmac-alg \"hmac(sha1)\"; "
		    "shared-secret s; } on a { address 10.0.0.1:1; } on b { address 10.0.0.2:1; } }"),
	      "cram-hmac-alg is a digest name");
	CHECK(fails("resource pg { device minor 0; disk /dev/x; net { cram-hmac-alg sha1; } "
		    "on a { address 10.0.0.1:1; } on b { address 10.0.0.2:1; } }"),
	      "cram-hmac-alg needs a secret");
}

/* A configuration that sets option @id to @val, in its section. */
static char *set_option(enum cfg_opt_id id, const char *val)
{
	const struct cfg_opt_def *o = &cfg_opts[id];
	static const char *const sec[] = { [SEC_NET] = "net", [SEC_DISK] = "disk",
		[SEC_HANDLERS] = "handlers", [SEC_STARTUP] = "startup" };
	char *t = NULL;

	if (o->sec == SEC_GLOBAL)
		CHECK(asprintf(&t, "global { %s %s; }\n" RES_PG, o->name, val) > 0, "asprintf");
	else
		CHECK(asprintf(&t, "resource pg { device minor 0; disk /dev/x;\n"
			       "  %s { %s %s; }\n"
			       "  on pg1 { address 10.0.0.1:1; } on pg2 { address 10.0.0.2:1; } }\n",
			       sec[o->sec], o->name, val) > 0, "asprintf");
	return t;
}

/* The default of @id as a configuration writes it. */
static const char *default_word(enum cfg_opt_id id, char *buf, size_t len)
{
	const struct cfg_opt_def *o = &cfg_opts[id];
	struct cfg_val v;

	if (o->type == T_STR)
		return "\"pg1\"";
	cfg_set_default(id, &v);
	return cfg_val_config_str(id, &v, buf, len);
}

/*
 * Every option says who acts on it. One that nothing acts on is refused
 * even at its default; one that is only followed as its default says
 * takes the default and refuses any other value.
 */
static void test_applies(void)
{
	char buf[64], *t;
	int i;

	for (i = 0; i < __OPT_COUNT; i++) {
		const struct cfg_opt_def *o = &cfg_opts[i];

		CHECK(o->applies != AP_NONE, "%s: applies not set", o->name);
		CHECK((o->applies == AP_REFUSED || o->applies == AP_DEFAULT) == (o->refused != NULL),
		      "%s: a refusal hint exactly when refused", o->name);
		if (o->applies == AP_REFUSED) {
			t = set_option(i, default_word(i, buf, sizeof(buf)));
			CHECK(fails(t), "%s refused at its default:\n%s", o->name, t);
			free(t);
		}
		if (o->applies == AP_DEFAULT) {
			t = set_option(i, default_word(i, buf, sizeof(buf)));
			CHECK(!fails(t), "%s accepted at its default:\n%s", o->name, t);
			free(t);
			if (o->type == T_BOOL || (o->type == T_ENUM && o->words[1])) {
				t = set_option(i, o->type == T_BOOL ? (o->def ? "no" : "yes") :
						  o->words[o->def ? 0 : 1]);
				CHECK(fails(t), "%s refused at another value:\n%s", o->name, t);
				free(t);
			}
		}
	}
	t = NULL;
	CHECK(!fails("global { minor-count 1; }\n" RES_PG), "minor 0 below minor-count 1");
	CHECK(fails("global { minor-count 2; }\n"
		    "resource pg { device minor 2; disk /dev/x; on pg1 { address 10.0.0.1:1; } "
		    "on pg2 { address 10.0.0.2:1; } }"), "minor 2 not below minor-count 2");
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *t = NULL;
	size_t len = 0;

	CHECK(f != NULL, "cannot open %s (run from tests/unit)", path);
	if (!f)
		return NULL;
	CHECK(getdelim(&t, &len, 0, f) > 0, "read %s", path);
	fclose(f);
	return t;
}

static const char *applies_word(enum cfg_applies a)
{
	switch (a) {
	case AP_KERNEL:
		return "rblk.ko";
	case AP_RBLKADM:
		return "rblkadm";
	case AP_BOTH:
		return "rblk.ko, rblkadm";
	case AP_DEFAULT:
		return "default only";
	case AP_REFUSED:
		return "refused";
	default:
		return "?";
	}
}

/*
 * docs/config.md has a row per option, under its section, whose column
 * "applies" is the table's; no row names an option rblkadm does not know;
 * rblk.conf.5 names every option on a .BR line.
 */
static void test_docs(void)
{
	char *md = slurp("../../docs/config.md"), *man = slurp("../../docs/rblk.conf.5");
	char *line, *save, want[256], head[64];
	int i, rows = 0;

	if (!md || !man)
		goto out;
	for (i = 0; i < __OPT_COUNT; i++) {
		const struct cfg_opt_def *o = &cfg_opts[i];
		const char *row, *sec, *next;
		int n = 0;

		snprintf(head, sizeof(head), "\n### %s { }\n", cfg_section_names[o->sec]);
		sec = strstr(md, head);
		CHECK(sec != NULL, "config.md has no section '%s'", head + 1);
		if (!sec)
			continue;
		next = strstr(sec + 1, "\n### ");
		snprintf(want, sizeof(want), "\n| `%s` |", o->name);
		row = strstr(sec, want);
		CHECK(row && (!next || row < next), "config.md: no row for %s in its section", o->name);
		if (!row || (next && row > next))
			continue;
		/* the fifth column */
		for (row++; *row && *row != '\n' && n < 5; row++)
			n += *row == '|';
		snprintf(want, sizeof(want), " %s |", applies_word(o->applies));
		CHECK(!strncmp(row, want, strlen(want)), "config.md: %s applies '%s', the row says '%.30s'",
		      o->name, applies_word(o->applies), row);
	}
	for (line = strtok_r(md, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[64];

		if (sscanf(line, "| `%63[a-z0-9-]` |", name) != 1 || strstr(line, "| `") != line)
			continue;
		/* only rows of six columns: the option tables */
		for (i = 0; *line; line++)
			i += *line == '|';
		if (i != 7)
			continue;
		rows++;
		CHECK(cfg_find_opt_any(name) >= 0, "config.md has a row for unknown option %s", name);
	}
	CHECK(rows == __OPT_COUNT, "config.md: %d option rows for %d options", rows, __OPT_COUNT);
	for (i = 0; i < __OPT_COUNT; i++) {
		const char *p = man;
		bool found = false;

		while (!found && (p = strstr(p, ".BR ")) != NULL) {
			const char *end = strchr(p, '\n'), *hit;

			p += 4;
			hit = strstr(p, cfg_opts[i].name);
			found = hit && (!end || hit < end) &&
				(hit[-1] == ' ' || hit[-1] == '"') &&
				(hit[strlen(cfg_opts[i].name)] == ' ' ||
				 hit[strlen(cfg_opts[i].name)] == '"' ||
				 hit[strlen(cfg_opts[i].name)] == '\n');
		}
		CHECK(found, "rblk.conf.5 names %s on no .BR line", cfg_opts[i].name);
	}
out:
	free(md);
	free(man);
}

int main(void)
{
	test_basic();
	test_units_and_common();
	test_errors();
	test_near_miss();
	test_round_trip();
	test_plans();
	test_plan_from_devices();
	test_plan_quoting();
	test_plan_secret();
	test_applies();
	test_docs();
	TEST_DONE();
}
