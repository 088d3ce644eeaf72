// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * smallfiles - the small-files workload of the benchmark (guide.md):
 * create N files of SIZE bytes in DIR (100 subdirectories, like a mail
 * spool or a PostgreSQL-less application would), calling sync() after every
 * EVERY files when EVERY > 0, and one final sync() so that the figure
 * includes getting the data to the device.
 *
 *   smallfiles DIR N SIZE EVERY
 *
 * Prints one line: "files_per_s syncs syncs_per_s". syncs_per_s is the
 * number of periodic sync() calls divided by the time spent in them (0 when
 * EVERY is 0): how many syncs per second the stack sustains while files are
 * being created. A C program rather than a shell loop because the guests
 * run under TCG, where a fork per file would measure the emulator.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NDIRS 100

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int make_dirs(const char *dir)
{
	char path[4096];
	int i;

	if (mkdir(dir, 0755) && errno != EEXIST) {
		fprintf(stderr, "smallfiles: mkdir %s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (i = 0; i < NDIRS; i++) {
		snprintf(path, sizeof(path), "%s/d%02d", dir, i);
		if (mkdir(path, 0755) && errno != EEXIST) {
			fprintf(stderr, "smallfiles: mkdir %s: %s\n", path, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int write_file(const char *dir, long i, const char *buf, size_t size)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/d%02ld/f%07ld", dir, i % NDIRS, i);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		goto err;
	if (write(fd, buf, size) != (ssize_t)size) {
		close(fd);
		goto err;
	}
	if (close(fd))
		goto err;
	return 0;
err:
	fprintf(stderr, "smallfiles: %s: %s\n", path, strerror(errno));
	return -1;
}

int main(int argc, char **argv)
{
	double start, t, in_sync = 0;
	long n, every, i, syncs = 0;
	size_t size;
	char *buf;

	if (argc != 5) {
		fprintf(stderr, "usage: smallfiles DIR N SIZE EVERY\n");
		return 2;
	}
	n = atol(argv[2]);
	size = strtoul(argv[3], NULL, 0);
	every = atol(argv[4]);
	buf = malloc(size ? size : 1);
	if (!buf || n <= 0 || make_dirs(argv[1]))
		return 1;
	memset(buf, 'x', size);
	start = now();
	for (i = 0; i < n; i++) {
		if (write_file(argv[1], i, buf, size))
			return 1;
		if (every > 0 && (i + 1) % every == 0) {
			t = now();
			sync();
			in_sync += now() - t;
			syncs++;
		}
	}
	sync();
	t = now() - start;
	printf("%.1f %ld %.1f\n", n / t, syncs, in_sync > 0 ? syncs / in_sync : 0.0);
	free(buf);
	return 0;
}
