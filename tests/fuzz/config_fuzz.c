// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * libFuzzer target for the configuration parser. Besides not crashing, it
 * checks the dump property: whatever parses, dumps to text that parses
 * again and dumps to the same text. A dump never shows a secret (it
 * writes "<hidden>", which is refused as one): the round trip puts one
 * back in its place.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

static char *dump(const struct rblk_config *cfg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	config_dump(f, cfg, NULL, false);
	fclose(f);
	return text;
}

/* A copy of @s with every "<hidden>" secret replaced by "x". */
static char *unhide(const char *s)
{
	static const char hidden[] = "\"<hidden>\"";
	char *out = malloc(strlen(s) + 1), *o = out;

	while (*s) {
		if (!strncmp(s, hidden, sizeof(hidden) - 1)) {
			memcpy(o, "\"x\"", 3);
			o += 3;
			s += sizeof(hidden) - 1;
		} else {
			*o++ = *s++;
		}
	}
	*o = 0;
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rblk_config *cfg, *again;
	char *d1, *d2, *in;

	if (config_parse_buffer("fuzz", (const char *)data, size, "pg1",
				CFG_NO_INCLUDE | CFG_QUIET, &cfg))
		return 0;
	d1 = dump(cfg);
	in = unhide(d1);
	if (config_parse_buffer("fuzz", in, strlen(in), "pg1",
				CFG_NO_INCLUDE | CFG_QUIET, &again)) {
		fprintf(stderr, "dump does not parse back:\n%s", in);
		abort();
	}
	d2 = dump(again);
	if (strcmp(d1, d2)) {
		fprintf(stderr, "dump is not stable:\n%s---\n%s", d1, d2);
		abort();
	}
	free(in);
	free(d1);
	free(d2);
	config_free(cfg);
	config_free(again);
	return 0;
}
