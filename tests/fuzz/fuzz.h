/* SPDX-License-Identifier: MIT */
/*
 * fuzz.h: what the libFuzzer harnesses of tests/fuzz/ share — a scratch
 * directory per process for the parsers that read files by name, a
 * blob_stream over the input that hands it out in chunks of random size,
 * and a small PRNG seeded from the input so that a crash replays exactly.
 *
 * Rule: a harness frees everything it allocated before it returns, so
 * that LeakSanitizer's report at exit points at the parser.  Nothing here
 * prints; a harness only crashes when the parser does.
 */
#ifndef IMGAUDIT_FUZZ_H
#define IMGAUDIT_FUZZ_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "layer.h"
#include "pkgdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The process's scratch directory, made on first use under $TMPDIR (or
 * /dev/shm, which keeps a million small writes off the disk).  It is
 * removed by the operating system's tmp cleaning, not here: libFuzzer
 * ends the process with _exit().
 */
static inline const char *
fuzz_dir(void)
{
	static char dir[256];
	const char *base;

	if (dir[0] != '\0')
		return dir;
	base = getenv("TMPDIR");
	if (base == NULL || base[0] == '\0')
		base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(dir, sizeof(dir), "%s/imgaudit-fuzz.XXXXXX", base);
	if (mkdtemp(dir) == NULL)
		abort();
	return dir;
}

/* path = fuzz_dir()/name; n is sizeof(path). */
static inline void
fuzz_path(char *path, size_t n, const char *name)
{
	snprintf(path, n, "%s/%s", fuzz_dir(), name);
}

/* Write n bytes to fuzz_dir()/name (replacing it); abort on failure. */
static inline void
fuzz_write(const char *name, const void *buf, size_t n)
{
	char path[512];
	const char *p = buf;
	int fd;

	fuzz_path(path, sizeof(path), name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		abort();
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w <= 0)
			abort();
		p += w;
		n -= (size_t)w;
	}
	close(fd);
}

/* xorshift32: chunk sizes that depend on the input alone. */
static inline uint32_t
fuzz_rand(uint32_t *state)
{
	uint32_t x = *state ? *state : 0x9e3779b9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}

/*
 * A chunk length for a streaming reader: mostly small (1..64 bytes, where
 * straddling bugs live), sometimes up to 64 KiB.
 */
static inline size_t
fuzz_chunk(uint32_t *state)
{
	uint32_t r = fuzz_rand(state);

	if ((r & 3) != 0)
		return 1 + (r >> 8) % 64;
	return 1 + (r >> 8) % 65536;
}

/* A blob_stream over memory, handing out chunks of random size. */
struct fuzz_stream {
	const uint8_t *p;
	size_t n, off;
	uint32_t seed;
};

static inline ssize_t
fuzz_stream_read(void *ctx, void *buf, size_t n, struct ia_error *err)
{
	struct fuzz_stream *s = ctx;
	size_t k = fuzz_chunk(&s->seed);

	(void)err;
	if (k > n)
		k = n;
	if (k > s->n - s->off)
		k = s->n - s->off;
	memcpy(buf, s->p + s->off, k);
	s->off += k;
	return (ssize_t)k;
}

/*
 * Inputs that stand for several files are cut at this line; the seed
 * script (seeds.py) joins files with it, and libFuzzer's dictionary
 * learns it from the seeds.
 */
#define FUZZ_SEP	"\n--imgaudit-fuzz-file--\n"

/*
 * Find the next piece of [*p, end) cut at FUZZ_SEP: *piece and *n, and
 * *p moves past the separator.  False when nothing is left.
 */
static inline int
fuzz_next_piece(const uint8_t **p, const uint8_t *end, const uint8_t **piece,
    size_t *n)
{
	size_t seplen = sizeof(FUZZ_SEP) - 1;
	const uint8_t *q;

	if (*p == NULL)
		return 0;
	*piece = *p;
	q = memmem(*p, (size_t)(end - *p), FUZZ_SEP, seplen);
	if (q == NULL) {
		*n = (size_t)(end - *p);
		*p = NULL;
	} else {
		*n = (size_t)(q - *p);
		*p = q + seplen;
	}
	return 1;
}

/*
 * A package-database run: piece i of the input is the file paths[i %
 * n_paths] of layer i % 3, then the databases are joined and searched.
 * Copies each piece, so that a reader that reads past its length trips
 * AddressSanitizer.
 */
static inline void
fuzz_pkgdb(const uint8_t *data, size_t size, const char *const *paths,
    size_t n_paths)
{
	struct pkgdb *db = pkgdb_new();
	const uint8_t *p = data, *piece;
	size_t n, i = 0, k;

	while (i < 64 && fuzz_next_piece(&p, data + size, &piece, &n)) {
		char *copy = xmalloc(n > 0 ? n : 1);

		memcpy(copy, piece, n);
		pkgdb_add_file(db, paths[i % n_paths], copy, n, (int)(i % 3));
		free(copy);
		i++;
	}
	pkgdb_finish(db);
	for (k = 0; k < db->n; k++)
		(void)pkgdb_find(db, db->v[k].eco, db->v[k].key);
	pkgdb_free(db);
}

#endif
