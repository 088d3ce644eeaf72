// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * libFuzzer target for the configuration parser. Besides not crashing, it
 * checks the dump property: whatever parses, dumps to text that parses
 * again and dumps to the same text.
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rblk_config *cfg, *again;
	char *d1, *d2;

	if (config_parse_buffer("fuzz", (const char *)data, size, "pg1",
				CFG_NO_INCLUDE | CFG_QUIET, &cfg))
		return 0;
	d1 = dump(cfg);
	if (config_parse_buffer("fuzz", d1, strlen(d1), "pg1",
				CFG_NO_INCLUDE | CFG_QUIET, &again)) {
		fprintf(stderr, "dump does not parse back:\n%s", d1);
		abort();
	}
	d2 = dump(again);
	if (strcmp(d1, d2)) {
		fprintf(stderr, "dump is not stable:\n%s---\n%s", d1, d2);
		abort();
	}
	free(d1);
	free(d2);
	config_free(cfg);
	config_free(again);
	return 0;
}
