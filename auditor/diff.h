/* SPDX-License-Identifier: MIT */
/*
 * diff.h: compare two builds — what a node that holds OLD must pull to get
 * NEW, which layers, files, packages and candidates came and went, and
 * what the layers that changed say about the Dockerfile's order.
 *
 *	struct audit *old, *new;         // audit_run() on each
 *	struct diff_options o = { .bandwidth_bps = 100e6, .top = 10 };
 *	cJSON *d = diff_build(old, new, &o);    // the imgaudit.diff/v1 document
 *	diff_write_text(d, f, 100); or diff_write_md(d, f), diff_write_html()
 *	cJSON_Delete(d);
 *
 * Ownership: diff_build() returns a document the caller frees with
 * cJSON_Delete(); it keeps nothing of the audits.  The renderers (in
 * report_diff.c) read only the document.  docs/diff.md describes it.
 */
#ifndef IMGAUDIT_DIFF_H
#define IMGAUDIT_DIFF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#define DIFF_SCHEMA	"imgaudit.diff/v1"

struct audit;

struct diff_options {
	double bandwidth_bps;		/* bits per second, > 0 */
	const char *bandwidth;		/* as the user wrote it, or NULL */
	size_t top;			/* rows per file list; 0 means 10 */
};

cJSON *diff_build(const struct audit *older, const struct audit *newer,
    const struct diff_options *opt);

/*
 * "100Mbit", "1Gbit/s", "500kbps", "12.5MB/s" (decimal units; bit, b or
 * bps are bits, B or Bps bytes) into bits per second.  Returns 0, or -1
 * when s is not a positive bandwidth.
 */
int diff_parse_bandwidth(const char *s, double *bps);

/*
 * Compare two package versions as dpkg does in spirit: runs of digits
 * numerically, other runs byte by byte with '~' before anything (even the
 * end).  Returns <0, 0 or >0.
 */
int diff_version_cmp(const char *a, const char *b);

/*
 * The diff for people: at most width columns (100 unless told), sizes as
 * report_human_size() prints them, image strings escaped.  Returns 0, or
 * -1 when writing failed (errno set).
 */
int diff_write_text(const cJSON *d, FILE *f, int width);

/*
 * The diff as GitHub-flavoured Markdown without HTML, for a pull-request
 * comment: the summary, the layer table, files, packages, candidates and
 * advice.  Returns 0, or -1 (errno set).
 */
int diff_write_md(const cJSON *d, FILE *f);

/*
 * The diff as one self-contained HTML page with no script: the summary,
 * layers, files, packages, candidates and advice as tables, under a
 * Content-Security-Policy that allows only the page's own stylesheet (by
 * its SHA-256); every string HTML-escaped.  Returns 0, or -1 (errno set).
 */
int diff_write_html(const cJSON *d, FILE *f);

#endif
