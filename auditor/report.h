/* SPDX-License-Identifier: MIT */
/*
 * report.h: the report model and its renderers.
 *
 * The model is the JSON report itself (docs/report-schema.md, version 1):
 * report_build() turns an audit into a cJSON document once, and every
 * renderer reads only that document, so the text a person reads and the
 * JSON a script reads can never disagree.
 *
 *	cJSON *r = report_build(audit, top);
 *	report_write_json(r, f); or report_write_text(r, f, &topts);
 *	or report_write_html(r, f); or report_write_md(r, f, top);
 *	cJSON_Delete(r);
 */
#ifndef IMGAUDIT_REPORT_H
#define IMGAUDIT_REPORT_H

#include <stdio.h>

#include <cjson/cJSON.h>

#include "audit.h"

#define REPORT_SCHEMA	"imgaudit.report/v1"
#define WHY_SCHEMA	"imgaudit.why/v1"

/* Build the v1 document; top = rows in the largest/wasted lists. */
cJSON *report_build(const struct audit *a, size_t top);

/*
 * The `imgaudit why` document for package index i of a->pkgs
 * (docs/report-schema.md): the package, who needs it, what removing it
 * frees and the command that does it.
 */
cJSON *report_build_why(const struct audit *a, size_t i);

/*
 * A report stored by an earlier run (audit.h, struct report_store), made
 * this run's: image.ref and image.transport are img's.  NULL when json is
 * NULL or not a report of this schema.
 */
cJSON *report_from_stored(const char *json, const struct image *img);

struct text_options {
	int color;	/* ANSI bold for headings (a TTY without NO_COLOR) */
	int width;	/* columns to fit, 100 unless the terminal says */
	size_t top;	/* candidates shown (--top); 0 means 10 */
};

/* Both return 0, or -1 when writing failed (errno set). */
int report_write_json(const cJSON *report, FILE *f);
int report_write_text(const cJSON *report, FILE *f,
    const struct text_options *opt);
int report_write_why_text(const cJSON *why, FILE *f,
    const struct text_options *opt);

/*
 * The self-contained HTML page (reports/report.html, .css, .js embedded
 * at build time): the report as one JSON block that the page's script
 * draws from, under a Content-Security-Policy that allows only the page's
 * own script and stylesheet (by their SHA-256).  Returns 0, or -1 when
 * writing failed (errno set; EINVAL when the embedded assets are unusable,
 * ENOMEM when out of memory).
 */
int report_write_html(const cJSON *report, FILE *f);

/*
 * The report as GitHub-flavoured Markdown without HTML, for a pull-request
 * comment: totals, the first top candidates (0 means 10) with what they
 * save and the fix, and the layers.  Returns 0, or -1 (errno set).
 */
int report_write_md(const cJSON *report, FILE *f, size_t top);

/*
 * The JSON text of report for a <script type="application/json"> block:
 * cJSON's compact print with '<', '>', '&', U+2028 and U+2029 written as
 * \uXXXX escapes, so the text is the same JSON to a parser and holds
 * nothing that could end the element ("</script>") or open a comment.
 * Returns a string the caller frees with free(), or NULL (out of memory).
 */
char *report_html_json(const cJSON *report);

/*
 * Sizes as docker prints them: decimal units, three significant digits
 * ("1.22MB", "66.2kB", "6.5kB", "1MB", "512B").  buf needs 16 bytes.
 */
const char *report_human_size(int64_t bytes, char *buf, size_t n);

#endif
