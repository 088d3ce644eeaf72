// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Configuration lexer and parser (the grammar is in docs/config.md).
 *
 * Recursive descent over a one-token lookahead. The first error stops the
 * parse: it is printed as "FILE:LINE:COL: what" plus a hint, and the
 * arena takes everything allocated so far with it, so no parse function
 * needs to unwind anything but its return value.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rblk/genl.h>

#include "config.h"
#include "config_int.h"
#include "util.h"

#define MAX_INCLUDE_DEPTH	8
#define MAX_FILE_BYTES		(4 << 20)

struct cfg_chunk {
	struct cfg_chunk *next;
	max_align_t data[];
};

struct cfg_arena {
	struct cfg_chunk *head;
};

void *cfg_alloc(struct cfg_arena *a, size_t n)
{
	struct cfg_chunk *c = xcalloc(1, sizeof(*c) + n);

	c->next = a->head;
	a->head = c;
	return c->data;
}

char *cfg_strdup(struct cfg_arena *a, const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(cfg_alloc(a, n), s, n);
}

char *cfg_printf(struct cfg_arena *a, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return cfg_strdup(a, buf);
}

void cfg_err(bool quiet, const struct cfg_loc *loc, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (loc)
		err("%s:%d:%d: %s", loc->file, loc->line, loc->col, msg);
	else
		err("%s", msg);
}

int cfg_hint(bool quiet, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (quiet)
		return -1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	hint("%s", msg);
	return -1;
}

/* ---- lexer ---- */

enum tok_type { TK_EOF, TK_WORD, TK_STRING, TK_LBRACE, TK_RBRACE, TK_SEMI };

struct token {
	enum tok_type type;
	const char *text;
	struct cfg_loc loc;
};

struct lexer {
	const char *file;
	const char *p, *end;
	int line, col;
	bool have_peek;
	struct token peek;
};

struct parser {
	struct rblk_config *cfg;
	struct cfg_arena *arena;
	unsigned int flags;
	bool quiet;
	int depth;
	struct lexer *lx;
	struct cfg_val common[__OPT_COUNT];
	bool have_common, have_global;
	struct cfg_resource **tail;
};

static const char *tok_desc(const struct token *t)
{
	switch (t->type) {
	case TK_EOF: return "end of file";
	case TK_LBRACE: return "'{'";
	case TK_RBRACE: return "'}'";
	case TK_SEMI: return "';'";
	default: return NULL;
	}
}

/* What a token looks like in a message: 'word' or "end of file". */
static const char *tok_show(struct parser *ps, const struct token *t)
{
	const char *d = tok_desc(t);

	return d ? d : cfg_printf(ps->arena, "'%.64s'", t->text);
}

static bool is_word_char(unsigned char c)
{
	return c > ' ' && c < 0x7f && !strchr("{};\"#", c);
}

static void lx_advance(struct lexer *lx)
{
	if (*lx->p == '\n') {
		lx->line++;
		lx->col = 1;
	} else {
		lx->col++;
	}
	lx->p++;
}

static void lx_skip_blanks(struct lexer *lx)
{
	while (lx->p < lx->end) {
		if (*lx->p == '#') {
			while (lx->p < lx->end && *lx->p != '\n')
				lx_advance(lx);
		} else if (strchr(" \t\r\n", *lx->p) && *lx->p) {
			lx_advance(lx);
		} else {
			break;
		}
	}
}

static int lx_string(struct parser *ps, struct lexer *lx, struct token *t)
{
	size_t cap = lx->end - lx->p, n = 0;
	char *s = cfg_alloc(ps->arena, cap + 1);

	lx_advance(lx);	/* opening quote */
	while (lx->p < lx->end && *lx->p != '"') {
		char c = *lx->p;

		if (c == '\n' || !c) {
			cfg_err(ps->quiet, &t->loc, "unterminated string");
			return cfg_hint(ps->quiet, "close it with '\"' on the same line");
		}
		if (c == '\\' && lx->p + 1 < lx->end) {
			lx_advance(lx);
			c = *lx->p == 'n' ? '\n' : *lx->p == 't' ? '\t' : *lx->p;
		}
		s[n++] = c;
		lx_advance(lx);
	}
	if (lx->p >= lx->end) {
		cfg_err(ps->quiet, &t->loc, "unterminated string");
		return cfg_hint(ps->quiet, "close it with '\"'");
	}
	lx_advance(lx);	/* closing quote */
	t->type = TK_STRING;
	t->text = s;
	return 0;
}

static int lx_next(struct parser *ps, struct lexer *lx, struct token *t)
{
	const char *start;

	lx_skip_blanks(lx);
	t->loc = (struct cfg_loc){ lx->file, lx->line, lx->col };
	t->text = "";
	if (lx->p >= lx->end) {
		t->type = TK_EOF;
		return 0;
	}
	switch (*lx->p) {
	case '{': t->type = TK_LBRACE; lx_advance(lx); return 0;
	case '}': t->type = TK_RBRACE; lx_advance(lx); return 0;
	case ';': t->type = TK_SEMI; lx_advance(lx); return 0;
	case '"': return lx_string(ps, lx, t);
	}
	if (!is_word_char(*lx->p)) {
		cfg_err(ps->quiet, &t->loc, "unexpected character 0x%02x",
			(unsigned char)*lx->p);
		return cfg_hint(ps->quiet, "words are printable ASCII; quote other text with \"...\"");
	}
	start = lx->p;
	while (lx->p < lx->end && is_word_char(*lx->p))
		lx_advance(lx);
	t->type = TK_WORD;
	t->text = memcpy(cfg_alloc(ps->arena, lx->p - start + 1), start,
			 lx->p - start);
	return 0;
}

static int next(struct parser *ps, struct token *t)
{
	struct lexer *lx = ps->lx;

	if (lx->have_peek) {
		*t = lx->peek;
		lx->have_peek = false;
		return 0;
	}
	return lx_next(ps, lx, t);
}

static int peek(struct parser *ps, struct token *t)
{
	struct lexer *lx = ps->lx;

	if (!lx->have_peek) {
		if (lx_next(ps, lx, &lx->peek))
			return -1;
		lx->have_peek = true;
	}
	*t = lx->peek;
	return 0;
}

/* ---- parser helpers ---- */

static int expect(struct parser *ps, enum tok_type type, const char *what,
		  struct token *t)
{
	static const char *const names[] = {
		[TK_LBRACE] = "'{'", [TK_RBRACE] = "'}'", [TK_SEMI] = "';'",
		[TK_WORD] = "a word", [TK_STRING] = "a string", [TK_EOF] = "",
	};
	struct token tmp;

	if (!t)
		t = &tmp;
	if (next(ps, t))
		return -1;
	if (t->type == type || (type == TK_WORD && t->type == TK_STRING))
		return 0;
	cfg_err(ps->quiet, &t->loc, "expected %s %s, found %s", names[type],
		what, tok_show(ps, t));
	if (type == TK_SEMI)
		return cfg_hint(ps->quiet, "every statement ends with ';'");
	return cfg_hint(ps->quiet, "see docs/config.md for the grammar");
}

/* A value: word or "string", then ';'. */
static int value_semi(struct parser *ps, const char *what, struct token *v)
{
	if (expect(ps, TK_WORD, what, v))
		return -1;
	return expect(ps, TK_SEMI, cfg_printf(ps->arena, "after '%.64s'", v->text), NULL);
}

/*
 * A block of statements, each starting with a keyword, up to @end: '}', or
 * the end of file at the top level. Anything but a keyword where one is due
 * is "expected @what, found X" with @hint.
 */
struct block {
	enum tok_type end;
	const char *what, *hint;
	int (*stmt)(struct parser *ps, const struct token *kw, void *arg);
	void *arg;
};

static int parse_block(struct parser *ps, const struct block *b)
{
	struct token t;

	for (;;) {
		if (next(ps, &t))
			return -1;
		if (t.type == b->end)
			return 0;
		if (t.type != TK_WORD) {
			cfg_err(ps->quiet, &t.loc, "expected %s, found %s", b->what,
				tok_show(ps, &t));
			/* at the top level there is no block for it to close */
			if (b->end == TK_EOF && t.type == TK_RBRACE)
				return cfg_hint(ps->quiet, "there is one '}' too many");
			return cfg_hint(ps->quiet, "%s", b->hint);
		}
		if (b->stmt(ps, &t, b->arg))
			return -1;
	}
}

/* DRBD keywords rblk does not do, with what to do instead. */
static const struct {
	const char *word, *hint;
} unsupported[] = {
	{ "volume", "rblk has one volume per resource: put device, disk and meta-disk directly in the resource" },
	{ "floating", "use 'on HOST { address IP:PORT; }'" },
	{ "options", "the DRBD 'options' section has no rblk equivalent; remove it" },
	{ "connection", "DRBD 9 connections are not supported: use two 'on' sections" },
	{ "connection-mesh", "DRBD 9 connections are not supported: use two 'on' sections" },
	{ "node-id", "rblk has exactly two nodes and needs no node-id" },
	{ "allow-two-primaries", "rblk allows one Primary at a time" },
	{ "flexible-meta-disk", "write 'meta-disk PATH;'" },
	{ "stacked-on-top-of", "stacked resources are not supported" },
	{ "skip", "comment the block out with '#' instead" },
};

static const char *join_words(struct parser *ps, const char *const *words)
{
	size_t n = 1, i;
	char *s;

	for (i = 0; words[i]; i++)
		n += strlen(words[i]) + 2;
	s = cfg_alloc(ps->arena, n);
	for (i = 0; words[i]; i++) {
		if (i)
			strcat(s, ", ");
		strcat(s, words[i]);
	}
	return s;
}

static int unknown_keyword(struct parser *ps, const struct token *t,
			   const char *where, const char *const *words)
{
	const char *near = cfg_near_miss(t->text, words);
	size_t i;
	int id;

	cfg_err(ps->quiet, &t->loc, "unknown keyword '%.64s' %s", t->text, where);
	for (i = 0; i < ARRAY_SIZE(unsupported); i++)
		if (!strcmp(t->text, unsupported[i].word))
			return cfg_hint(ps->quiet, "%s", unsupported[i].hint);
	if (near)
		return cfg_hint(ps->quiet, "did you mean '%s'?", near);
	id = cfg_find_opt_any(t->text);
	if (id >= 0)
		return cfg_hint(ps->quiet, "'%s' belongs in a %s { } section",
				t->text, cfg_section_names[cfg_opts[id].sec]);
	return cfg_hint(ps->quiet, "expected one of: %s", join_words(ps, words));
}

static const char *const *section_words(struct parser *ps, enum cfg_section sec)
{
	const char **w = cfg_alloc(ps->arena, sizeof(*w) * (__OPT_COUNT + 1));
	int i, n = 0;

	for (i = 0; i < __OPT_COUNT; i++)
		if (cfg_opts[i].sec == sec)
			w[n++] = cfg_opts[i].name;
	return w;
}

/* ---- options sections ---- */

static int parse_option(struct parser *ps, const struct token *name,
			enum cfg_section sec, struct cfg_val *vals)
{
	int id = cfg_find_opt(sec, name->text);
	struct cfg_val *v;
	struct token t;
	char msg[512];

	if (id < 0)
		return unknown_keyword(ps, name,
			cfg_printf(ps->arena, "in %s section", cfg_section_names[sec]),
			section_words(ps, sec));
	v = &vals[id];
	if (v->set) {
		cfg_err(ps->quiet, &name->loc, "'%s' is set twice in this section",
			name->text);
		return cfg_hint(ps->quiet, "the first one is at line %d", v->loc.line);
	}
	if (peek(ps, &t))
		return -1;
	if (cfg_opts[id].type == T_BOOL && t.type == TK_SEMI) {
		t.text = "yes";	/* "wait-after-sb;" alone means yes */
	} else if (expect(ps, TK_WORD,
			  cfg_printf(ps->arena, "as value of '%s'", name->text), &t)) {
		return -1;
	}
	if (cfg_opt_parse(id, t.text, v, msg, sizeof(msg))) {
		cfg_err(ps->quiet, &t.loc, "%s", msg);
		if (id == OPT_PROTOCOL)
			return cfg_hint(ps->quiet, "rblk replicates synchronously (protocol C) only");
		return cfg_hint(ps->quiet, "%s", cfg_opts[id].help);
	}
	v->set = true;
	v->loc = name->loc;
	return expect(ps, TK_SEMI, cfg_printf(ps->arena, "after the value of '%s'",
					      name->text), NULL);
}

static int parse_section(struct parser *ps, enum cfg_section sec,
			 struct cfg_val *vals)
{
	const char *name = cfg_section_names[sec];
	struct token t, open;

	if (expect(ps, TK_LBRACE, cfg_printf(ps->arena, "after '%s'", name), &open))
		return -1;
	for (;;) {
		if (next(ps, &t))
			return -1;
		if (t.type == TK_RBRACE)
			return 0;
		if (t.type == TK_EOF) {
			cfg_err(ps->quiet, &t.loc, "end of file inside '%s' section", name);
			return cfg_hint(ps->quiet, "the section opened at line %d needs a '}'",
					open.loc.line);
		}
		if (t.type != TK_WORD) {
			cfg_err(ps->quiet, &t.loc, "expected an option name in %s section, found %s",
				name, tok_show(ps, &t));
			return cfg_hint(ps->quiet, "options look like 'name value;'");
		}
		if (parse_option(ps, &t, sec, vals))
			return -1;
	}
}

/* ---- device, disk, meta-disk, address ---- */

static int parse_minor_word(struct parser *ps, const struct token *t, int *minor)
{
	uint64_t v;

	if (parse_u64(t->text, 0, RBLK_MINOR_MAX, &v)) {
		*minor = (int)v;
		return 0;
	}
	cfg_err(ps->quiet, &t->loc, "invalid minor number '%.64s'", t->text);
	return cfg_hint(ps->quiet, "minors are 0..%d", RBLK_MINOR_MAX);
}

static int device_path_minor(struct parser *ps, const struct token *t, int *minor)
{
	const char *p = t->text;
	struct token num = *t;

	if (!strncmp(p, "/dev/drbd", 9)) {
		cfg_err(ps->quiet, &t->loc, "'%.64s' is a DRBD device name", p);
		return cfg_hint(ps->quiet, "rblk devices are /dev/rblkN: write 'device /dev/rblk%s;'",
				p + 9);
	}
	if (strncmp(p, "/dev/rblk", 9) || !p[9]) {
		cfg_err(ps->quiet, &t->loc, "invalid device '%.64s'", p);
		return cfg_hint(ps->quiet, "write 'device minor N;' or 'device /dev/rblkN;'");
	}
	num.text = p + 9;
	return parse_minor_word(ps, &num, minor);
}

/* device minor N; | device /dev/rblkN; | device /dev/rblkN minor N; */
static int parse_device(struct parser *ps, int *minor, struct cfg_loc *loc)
{
	struct token t, n;
	int m2;

	if (expect(ps, TK_WORD, "after 'device'", &t))
		return -1;
	*loc = t.loc;
	if (!strcmp(t.text, "minor")) {
		if (expect(ps, TK_WORD, "after 'device minor'", &n) ||
		    parse_minor_word(ps, &n, minor))
			return -1;
		return expect(ps, TK_SEMI, "after the minor number", NULL);
	}
	if (device_path_minor(ps, &t, minor) || peek(ps, &n))
		return -1;
	if (n.type == TK_WORD && !strcmp(n.text, "minor")) {
		next(ps, &n);
		if (expect(ps, TK_WORD, "after 'minor'", &n) ||
		    parse_minor_word(ps, &n, &m2))
			return -1;
		if (m2 != *minor) {
			cfg_err(ps->quiet, &n.loc, "minor %d does not match device %s",
				m2, t.text);
			return cfg_hint(ps->quiet, "/dev/rblkN always has minor N");
		}
	}
	return expect(ps, TK_SEMI, "after the device", NULL);
}

static int parse_path(struct parser *ps, const char *kw, bool meta,
		      const char **out, struct cfg_loc *loc)
{
	struct token t, idx;

	if (expect(ps, TK_WORD, cfg_printf(ps->arena, "after '%s'", kw), &t))
		return -1;
	if (loc)
		*loc = t.loc;
	if (!meta && !strcmp(t.text, "none")) {
		cfg_err(ps->quiet, &t.loc, "diskless resources are not supported");
		return cfg_hint(ps->quiet, "give the backing device: 'disk /dev/...;'");
	}
	if (t.text[0] != '/' && !(meta && !strcmp(t.text, "internal"))) {
		cfg_err(ps->quiet, &t.loc, "%s '%.64s' is not an absolute path", kw, t.text);
		return cfg_hint(ps->quiet, meta ? "write 'meta-disk internal;' or 'meta-disk /dev/...;'"
					       : "write the full path, e.g. 'disk /dev/vg/lv;'");
	}
	if (strlen(t.text) >= RBLK_PATH_MAX) {
		cfg_err(ps->quiet, &t.loc, "path is too long");
		return cfg_hint(ps->quiet, "at most %d characters", RBLK_PATH_MAX - 1);
	}
	if (peek(ps, &idx))
		return -1;
	if (meta && idx.type == TK_WORD && idx.text[0] == '[') {
		cfg_err(ps->quiet, &idx.loc, "indexed external metadata is not supported");
		return cfg_hint(ps->quiet, "give the metadata its own device: 'meta-disk %s;'",
				t.text);
	}
	*out = t.text;
	return expect(ps, TK_SEMI, cfg_printf(ps->arena, "after '%s %.64s'", kw, t.text),
		      NULL);
}

int cfg_parse_addr(const char *s, int family, struct cfg_addr *a);

/* address [ipv4|ipv6] IP:PORT; */
static int parse_address(struct parser *ps, struct cfg_host *h)
{
	struct token t;
	int family = 0;

	if (h->addr.family) {
		cfg_err(ps->quiet, &h->loc, "host '%s' has two addresses", h->name);
		return cfg_hint(ps->quiet, "one 'address' per 'on' section");
	}
	if (expect(ps, TK_WORD, "after 'address'", &t))
		return -1;
	if (!strcmp(t.text, "ipv4") || !strcmp(t.text, "ipv6")) {
		family = t.text[3] == '4' ? 4 : 6;
		if (expect(ps, TK_WORD, cfg_printf(ps->arena, "after '%s'", t.text), &t))
			return -1;
	} else if (!strcmp(t.text, "ssocks") || !strcmp(t.text, "sdp") ||
		   !strcmp(t.text, "sci")) {
		cfg_err(ps->quiet, &t.loc, "address family '%s' is not supported", t.text);
		return cfg_hint(ps->quiet, "use ipv4 or ipv6");
	}
	if (cfg_parse_addr(t.text, family, &h->addr)) {
		cfg_err(ps->quiet, &t.loc, "invalid address '%.64s'", t.text);
		if (family == 6 || strchr(t.text, ':') != strrchr(t.text, ':'))
			return cfg_hint(ps->quiet, "IPv6 is written 'address ipv6 [fd00::1]:7788;'");
		return cfg_hint(ps->quiet, "write a numeric IP and a port 1..65535, e.g. 10.0.0.1:7788 (no host names)");
	}
	return expect(ps, TK_SEMI, "after the address", NULL);
}

static const char *const host_words[] = {
	"address", "device", "disk", "meta-disk", NULL
};

static int parse_host_stmt(struct parser *ps, const struct token *t, void *arg)
{
	struct cfg_host *h = arg;

	if (!strcmp(t->text, "address"))
		return parse_address(ps, h);
	if (!strcmp(t->text, "device"))
		return parse_device(ps, &h->minor, &h->minor_loc);
	if (!strcmp(t->text, "disk"))
		return parse_path(ps, "disk", false, &h->disk, &h->disk_loc);
	if (!strcmp(t->text, "meta-disk"))
		return parse_path(ps, "meta-disk", true, &h->meta_disk, NULL);
	return unknown_keyword(ps, t, cfg_printf(ps->arena, "in 'on %s' section",
						 h->name), host_words);
}

static int parse_on(struct parser *ps, struct cfg_resource *r)
{
	struct cfg_host *h = cfg_alloc(ps->arena, sizeof(*h)), **tail;
	struct block b = { .end = TK_RBRACE, .stmt = parse_host_stmt, .arg = h };
	struct token t, open;
	char what[1024];	/* not cfg_printf: it cuts a long host name short */

	if (expect(ps, TK_WORD, "(host name) after 'on'", &t))
		return -1;
	h->name = t.text;
	h->loc = t.loc;
	h->minor = -1;
	if (expect(ps, TK_LBRACE, cfg_printf(ps->arena, "after 'on %.64s'", t.text), &open))
		return -1;
	for (tail = &r->hosts; *tail; tail = &(*tail)->next)
		;
	*tail = h;
	r->nhosts++;
	snprintf(what, sizeof(what), "a keyword in 'on %s'", h->name);
	b.what = what;
	b.hint = cfg_printf(ps->arena, "the section opened at line %d needs a '}'",
			    open.loc.line);
	return parse_block(ps, &b);
}

/* ---- resource, common, global, include ---- */

static const char *const resource_words[] = {
	"device", "disk", "meta-disk", "protocol", "net", "handlers",
	"startup", "on", NULL
};

/* "disk PATH;" or "disk { options }": the next token decides. */
static int parse_resource_disk(struct parser *ps, struct cfg_resource *r)
{
	struct token t;

	if (peek(ps, &t))
		return -1;
	if (t.type == TK_LBRACE)
		return parse_section(ps, SEC_DISK, r->opt);
	if (r->disk) {
		cfg_err(ps->quiet, &t.loc, "'disk' is set twice in resource '%s'", r->name);
		return cfg_hint(ps->quiet, "the first one is at line %d", r->disk_loc.line);
	}
	return parse_path(ps, "disk", false, &r->disk, &r->disk_loc);
}

static int parse_resource_stmt(struct parser *ps, const struct token *t,
			       void *arg)
{
	struct cfg_resource *r = arg;
	const char *w = t->text;

	if (!strcmp(w, "device"))
		return parse_device(ps, &r->minor, &r->minor_loc);
	if (!strcmp(w, "disk"))
		return parse_resource_disk(ps, r);
	if (!strcmp(w, "meta-disk"))
		return parse_path(ps, "meta-disk", true, &r->meta_disk, NULL);
	if (!strcmp(w, "protocol"))
		return parse_option(ps, t, SEC_NET, r->opt);
	if (!strcmp(w, "net"))
		return parse_section(ps, SEC_NET, r->opt);
	if (!strcmp(w, "handlers"))
		return parse_section(ps, SEC_HANDLERS, r->opt);
	if (!strcmp(w, "startup"))
		return parse_section(ps, SEC_STARTUP, r->opt);
	if (!strcmp(w, "on"))
		return parse_on(ps, r);
	return unknown_keyword(ps, t, cfg_printf(ps->arena, "in resource '%s'", r->name),
			       resource_words);
}

static bool valid_name(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= RBLK_RESOURCE_NAME_MAX || !strcmp(s, "all"))
		return false;
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789_.-", *s))
			return false;
	return true;
}

static int parse_resource(struct parser *ps)
{
	struct cfg_resource *r = cfg_alloc(ps->arena, sizeof(*r));
	struct block b = { .end = TK_RBRACE, .stmt = parse_resource_stmt, .arg = r };
	struct token t, open;

	if (expect(ps, TK_WORD, "(resource name) after 'resource'", &t))
		return -1;
	if (!valid_name(t.text)) {
		cfg_err(ps->quiet, &t.loc, "invalid resource name '%.64s'", t.text);
		return cfg_hint(ps->quiet, "use letters, digits, '_', '.', '-' (at most %d; not 'all')",
				RBLK_RESOURCE_NAME_MAX - 1);
	}
	r->name = t.text;
	r->loc = t.loc;
	r->minor = -1;
	*ps->tail = r;
	ps->tail = &r->next;
	ps->cfg->nresources++;
	if (expect(ps, TK_LBRACE, cfg_printf(ps->arena, "after 'resource %s'", r->name), &open))
		return -1;
	b.what = cfg_printf(ps->arena, "a keyword in resource '%s'", r->name);
	b.hint = cfg_printf(ps->arena, "the resource opened at line %d needs a '}'",
			    open.loc.line);
	return parse_block(ps, &b);
}

static const char *const common_words[] = {
	"net", "disk", "handlers", "startup", "protocol", NULL
};

static int parse_common_stmt(struct parser *ps, const struct token *t,
			     void *arg)
{
	const char *w = t->text;

	if (!strcmp(w, "net") || !strcmp(w, "disk") ||
	    !strcmp(w, "handlers") || !strcmp(w, "startup")) {
		enum cfg_section s = w[0] == 'n' ? SEC_NET :
			w[0] == 'd' ? SEC_DISK :
			w[0] == 'h' ? SEC_HANDLERS : SEC_STARTUP;

		return parse_section(ps, s, ps->common);
	}
	if (!strcmp(w, "protocol"))
		return parse_option(ps, t, SEC_NET, ps->common);
	return unknown_keyword(ps, t, "in 'common'", common_words);
}

static int parse_common(struct parser *ps, const struct token *kw)
{
	static const struct block b = {
		.end = TK_RBRACE,
		.what = "a section in 'common'",
		.hint = "common holds net, disk, handlers and startup sections",
		.stmt = parse_common_stmt,
	};

	if (ps->have_common) {
		cfg_err(ps->quiet, &kw->loc, "second 'common' section");
		return cfg_hint(ps->quiet, "merge the two into one");
	}
	ps->have_common = true;
	if (expect(ps, TK_LBRACE, "after 'common'", NULL))
		return -1;
	return parse_block(ps, &b);
}

static int parse_global(struct parser *ps, const struct token *kw)
{
	if (ps->have_global) {
		cfg_err(ps->quiet, &kw->loc, "second 'global' section");
		return cfg_hint(ps->quiet, "merge the two into one");
	}
	ps->have_global = true;
	return parse_section(ps, SEC_GLOBAL, ps->cfg->global);
}

static int parse_stream(struct parser *ps);

static int parse_file(struct parser *ps, const char *path,
		      const struct cfg_loc *from);

/* Relative patterns are relative to the including file, as in DRBD. */
static int parse_include(struct parser *ps, const struct token *kw)
{
	const char *dir = ps->lx->file, *slash = strrchr(dir, '/');
	struct token pat;
	glob_t g;
	size_t i;
	int ret = 0;

	if (value_semi(ps, "(a file or glob) after 'include'", &pat))
		return -1;
	if (ps->flags & CFG_NO_INCLUDE) {
		cfg_err(ps->quiet, &kw->loc, "include is not allowed here");
		return cfg_hint(ps->quiet, "includes are disabled for this input");
	}
	if (pat.text[0] != '/' && slash)
		pat.text = cfg_printf(ps->arena, "%.*s/%s", (int)(slash - dir), dir,
				      pat.text);
	if (glob(pat.text, 0, NULL, &g)) {
		if (!strpbrk(pat.text, "*?[")) {
			cfg_err(ps->quiet, &pat.loc, "cannot include '%s': no such file",
				pat.text);
			return cfg_hint(ps->quiet, "patterns with * may match nothing; plain names must exist");
		}
		return 0;	/* e.g. an empty /etc/rblk.d/ */
	}
	for (i = 0; i < g.gl_pathc && !ret; i++)
		ret = parse_file(ps, cfg_strdup(ps->arena, g.gl_pathv[i]), &kw->loc);
	globfree(&g);
	return ret;
}

static int parse_top_stmt(struct parser *ps, const struct token *t, void *arg)
{
	static const char *const top_words[] = {
		"global", "common", "resource", "include", NULL
	};

	if (!strcmp(t->text, "resource"))
		return parse_resource(ps);
	if (!strcmp(t->text, "common"))
		return parse_common(ps, t);
	if (!strcmp(t->text, "global"))
		return parse_global(ps, t);
	if (!strcmp(t->text, "include"))
		return parse_include(ps, t);
	return unknown_keyword(ps, t, "at top level", top_words);
}

static int parse_stream(struct parser *ps)
{
	static const struct block top = {
		.end = TK_EOF,
		.what = "'resource', 'common', 'global' or 'include'",
		.hint = "see docs/config.md",
		.stmt = parse_top_stmt,
	};

	return parse_block(ps, &top);
}

static int parse_buffer(struct parser *ps, const char *name, const char *buf,
			size_t len)
{
	struct lexer lx = { .file = name, .p = buf, .end = buf + len,
			    .line = 1, .col = 1 };
	struct lexer *saved = ps->lx;
	int ret;

	ps->lx = &lx;
	ps->depth++;
	ret = parse_stream(ps);
	ps->depth--;
	ps->lx = saved;
	return ret;
}

static char *read_file(struct parser *ps, const char *path, size_t *len,
		       const struct cfg_loc *from)
{
	struct stat st;
	char *buf = NULL;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		goto fail;
	if (fstat(fd, &st))
		goto fail_close;
	if (!S_ISREG(st.st_mode) || st.st_size > MAX_FILE_BYTES) {
		errno = S_ISREG(st.st_mode) ? EFBIG : EINVAL;
		goto fail_close;
	}
	buf = cfg_alloc(ps->arena, st.st_size + 1);
	n = read(fd, buf, st.st_size);
	if (n < 0)
		goto fail_close;
	*len = n;
	close(fd);
	return buf;
fail_close:
	close(fd);
fail:
	cfg_err(ps->quiet, from, "cannot read '%s': %s", path, strerror(errno));
	if (!from)
		cfg_hint(ps->quiet, "give another file with -c FILE or $RBLK_CONFIG");
	return NULL;
}

static int parse_file(struct parser *ps, const char *path,
		      const struct cfg_loc *from)
{
	size_t len;
	char *buf;

	if (ps->depth >= MAX_INCLUDE_DEPTH) {
		cfg_err(ps->quiet, from, "includes nested more than %d deep",
			MAX_INCLUDE_DEPTH);
		return cfg_hint(ps->quiet, "does a file include itself?");
	}
	buf = read_file(ps, path, &len, from);
	if (!buf)
		return -1;
	return parse_buffer(ps, path, buf, len);
}

/* ---- entry points ---- */

static struct rblk_config *config_new(struct parser *ps, const char *path,
				      const char *node, unsigned int flags)
{
	struct cfg_arena *a = xcalloc(1, sizeof(*a));
	struct rblk_config *cfg = cfg_alloc(a, sizeof(*cfg));

	cfg->arena = a;
	cfg->path = cfg_strdup(a, path);
	cfg->node = cfg_strdup(a, node ? node : "");
	*ps = (struct parser){ .cfg = cfg, .arena = a, .flags = flags,
			       .quiet = flags & CFG_QUIET,
			       .tail = &cfg->resources };
	return cfg;
}

static int config_finish(struct parser *ps, int ret, struct rblk_config **out)
{
	struct cfg_checker c = { ps->cfg, ps->common, ps->quiet,
				 ps->flags & CFG_LENIENT };

	if (!ret)
		ret = cfg_check(&c);
	if (ret) {
		config_free(ps->cfg);
		*out = NULL;
		return -1;
	}
	*out = ps->cfg;
	return 0;
}

int config_load(const char *path, const char *node, unsigned int flags,
		struct rblk_config **out)
{
	struct parser ps;

	config_new(&ps, path, node, flags);
	return config_finish(&ps, parse_file(&ps, ps.cfg->path, NULL), out);
}

int config_parse_buffer(const char *name, const char *buf, size_t len,
			const char *node, unsigned int flags,
			struct rblk_config **out)
{
	struct parser ps;

	config_new(&ps, name, node, flags);
	return config_finish(&ps, parse_buffer(&ps, ps.cfg->path, buf, len), out);
}

void config_free(struct rblk_config *cfg)
{
	struct cfg_arena *a;
	struct cfg_chunk *c, *n;

	if (!cfg)
		return;
	a = cfg->arena;
	for (c = a->head; c; c = n) {
		n = c->next;
		free(c);
	}
	free(a);
}
