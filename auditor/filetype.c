/* SPDX-License-Identifier: MIT */
/*
 * filetype.c: libmagic, for the file types the ELF reader and package
 * databases leave open.  The layer reader calls it on the first block of
 * each large non-ELF file; the report shows the answer next to the
 * largest files.  Nothing here reads a file: libmagic sees a buffer.
 */
#include <stdlib.h>
#include <string.h>

#include <magic.h>

#include "common.h"
#include "filetype.h"

struct filetype {
	magic_t m;
	int broken;		/* the database would not load: stop asking */
};

bool
filetype_wanted(int64_t size)
{
	return size >= FILETYPE_MIN;
}

char *
filetype_guess(struct filetype **ftp, const void *buf, size_t n)
{
	struct filetype *ft = *ftp;
	const char *what;
	char *out;

	if (ft == NULL) {
		ft = *ftp = xcalloc(1, sizeof(*ft));
		/* No decompressing, no following: describe the bytes given. */
		ft->m = magic_open(MAGIC_NONE | MAGIC_ERROR | MAGIC_NO_CHECK_COMPRESS);
		if (ft->m == NULL || magic_load(ft->m, NULL) != 0)
			ft->broken = 1;
	}
	if (ft->broken || n == 0)
		return NULL;
	/*
	 * Magic numbers sit in the first bytes; libmagic's text tests read
	 * all it is given (20M instructions for a 64 KiB block), so give it
	 * FILETYPE_PEEK.
	 */
	if (n > FILETYPE_PEEK)
		n = FILETYPE_PEEK;
	what = magic_buffer(ft->m, buf, n);
	if (what == NULL)
		return NULL;
	out = xstrndup(what, FILETYPE_LEN);
	return out;
}

void
filetype_free(struct filetype *ft)
{
	if (ft == NULL)
		return;
	if (ft->m != NULL)
		magic_close(ft->m);
	free(ft);
}
