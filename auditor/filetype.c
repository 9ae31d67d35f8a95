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

/* No NUL and no control bytes but the usual whitespace and ESC. */
static int
looks_like_text(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' &&
		    p[i] != '\r' && p[i] != '\f' && p[i] != 0x1b)
			return 0;
	return 1;
}

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
		/*
		 * No decompressing; and none of libmagic's text tests, which
		 * cost 1.2 ms a call (6x the rest): text is told below.
		 */
		ft->m = magic_open(MAGIC_ERROR | MAGIC_NO_CHECK_COMPRESS |
		    MAGIC_NO_CHECK_TEXT | MAGIC_NO_CHECK_ENCODING |
		    MAGIC_NO_CHECK_TOKENS | MAGIC_NO_CHECK_CSV |
		    MAGIC_NO_CHECK_JSON);
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
	if (strcmp(what, "data") == 0 && looks_like_text(buf, n))
		what = "text";
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
