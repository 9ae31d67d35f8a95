/* SPDX-License-Identifier: MIT */
/*
 * filetype.h: what libmagic says a file is, from its first bytes, for the
 * large files that the ELF reader does not recognise.
 *
 *	struct filetype *ft = NULL;          // one per layer reader
 *	if (filetype_wanted(size)) {
 *		char *what = filetype_guess(&ft, first, n);  // allocated
 *		...
 *	}
 *	filetype_free(ft);
 *
 * Kept off the hot path: only files of FILETYPE_MIN bytes or more are
 * looked at, and the magic database is loaded (about 3 ms) the first time
 * a reader needs it.  Each handle belongs to one thread (libmagic's
 * handles are not shared).
 */
#ifndef IMGAUDIT_FILETYPE_H
#define IMGAUDIT_FILETYPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FILETYPE_MIN	(1000 * 1000)	/* bytes: smaller files are not typed */
#define FILETYPE_LEN	80		/* a description is cut to this */
#define FILETYPE_PEEK	4096		/* bytes libmagic is shown */

struct filetype;

bool filetype_wanted(int64_t size);

/*
 * libmagic's description of buf (the file's first n bytes), cut to
 * FILETYPE_LEN, or NULL when libmagic cannot help (no database, an error).
 * Opens *ft on first use.  The caller frees the string.
 */
char *filetype_guess(struct filetype **ft, const void *buf, size_t n);

void filetype_free(struct filetype *ft);

#endif
