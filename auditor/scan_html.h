/* SPDX-License-Identifier: MIT */
/*
 * scan_html.h: the scan database as a directory of static HTML pages.
 *
 *	struct store *s;
 *	store_open("scans.db", &s, &err);
 *	st = scan_html_write(s, "pages", NULL, NULL, &npages, &err);
 *	store_close(s);
 *
 * DIR/index.html has, per repository, a trend chart (inline SVG) of each
 * tag's size over time and a table of its tags with the last scan's
 * figures and what changed since the one before.  DIR/sha256-HEX.html is
 * one page per stored report (an image, by manifest digest): totals,
 * layers, removal candidates when the report has any, findings.
 *
 * The pages are self-contained: no script, no network, no external file,
 * and a Content-Security-Policy meta tag that allows nothing but their own
 * stylesheet.  Every string that came from an image, a registry or the
 * database is HTML-escaped.  Each file is written under a temporary name
 * and renamed into place when complete.  Nothing here prints.
 */
#ifndef IMGAUDIT_SCAN_HTML_H
#define IMGAUDIT_SCAN_HTML_H

#include <stddef.h>

#include "common.h"
#include "store.h"

/* More scan rows than this in one index is refused: pass a REPO. */
#define SCAN_HTML_MAX_ROWS	2000000

/*
 * Write the pages of the scan rows of repo (NULL: every repository) and
 * tag (NULL: every tag) into dir, created if missing (its parent must
 * exist).  Pages already in dir that are not rewritten are left alone.
 * Returns IA_OK and *pages (the files written, index included), or
 * IA_EINPUT (dir unusable, the database unreadable, too many rows) /
 * IA_EINTERNAL with err filled in; a file that failed is never left
 * half-written.
 */
enum ia_status scan_html_write(struct store *s, const char *dir,
    const char *repo, const char *tag, size_t *pages, struct ia_error *err);

#endif
