/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * A minimal test harness: CHECK() counts and reports, never aborts, so one
 * run shows every failure. Each *_test.c ends with TEST_DONE().
 */
#ifndef RBLK_TEST_H
#define RBLK_TEST_H

#include <stdio.h>
#include <string.h>

static int test_pass, test_fail;

#define CHECK(cond, ...) do {						\
	if (cond) {							\
		test_pass++;						\
	} else {							\
		test_fail++;						\
		fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
	}								\
} while (0)

#define CHECK_STR(a, b) CHECK(!strcmp((a), (b)), "\n  got:  '%s'\n  want: '%s'", (a), (b))

#define TEST_DONE() do {						\
	printf("%s: %d passed, %d failed\n", __FILE__, test_pass, test_fail); \
	return test_fail ? 1 : 0;					\
} while (0)

#endif
