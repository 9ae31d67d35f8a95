/* SPDX-License-Identifier: MIT */
/*
 * embed.h: files built into the binary (tools/embed.awk writes the
 * arrays at build time from db/ and reports/).  Each array ends with an
 * entry whose name is NULL.  The data is static and never freed.
 */
#ifndef IMGAUDIT_EMBED_H
#define IMGAUDIT_EMBED_H

#include <stddef.h>

struct embedded_file {
	const char *name;	/* path in the source tree: "db/kb/10-x.sql" */
	const char *data;	/* NUL-terminated */
	size_t len;
};

/* db/schema.sql, then db/kb/\*.sql in name order. */
extern const struct embedded_file kb_files[];

/*
 * reports/report.html (the page's template), reports/report.css and
 * reports/report.js, in that order: the HTML report (report_html.c).
 */
extern const struct embedded_file report_assets[];

#endif
