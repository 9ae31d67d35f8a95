/* SPDX-License-Identifier: MIT */
/*
 * report_md.c: the Markdown summary, for a pull-request comment.  It reads
 * the v1 report only (report.h) and writes GitHub-flavoured Markdown with
 * no HTML: the totals, the top candidates with what they save and the fix,
 * and the layers, as tables.
 *
 * Image strings are hostile here too: in a table cell a '|' would split
 * the cell, '<' could open HTML, '@' mention someone, '$' start maths and
 * a backtick a code span, so every string is written by md_text() (ASCII
 * punctuation that means something to GitHub backslash-escaped, control
 * bytes as \xNN, newlines as spaces).  The full report is the JSON's or
 * the HTML page's.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "report.h"

struct md {
	FILE *f;
	int failed;
};

static void md_printf(struct md *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
md_printf(struct md *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vfprintf(m->f, fmt, ap) < 0)
		m->failed = 1;
	va_end(ap);
}

/*
 * s as the text of a table cell: never more than one line, nothing that
 * GitHub would read as markup, a link, a mention or maths.  Past max bytes
 * of s (at a character boundary) the rest is "...": a pull-request comment
 * holds 65,536 characters, and a RUN line can be longer alone.
 */
static void
md_text(struct md *m, const char *s, size_t max)
{
	static const char special[] = "\\`*_[]<>#!|~$@&";
	const char *start = s;

	if (s == NULL) {
		md_printf(m, "-");
		return;
	}
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((size_t)(s - start) >= max && (c & 0xc0) != 0x80) {
			md_printf(m, "...");
			break;
		}
		if (c == '\n' || c == '\r' || c == '\t')
			md_printf(m, " ");
		else if (c < 0x20 || c == 0x7f)
			md_printf(m, "\\\\x%02x", c);
		else if (strchr(special, c) != NULL)
			md_printf(m, "\\%c", c);
		else if (fputc(c, m->f) == EOF)
			m->failed = 1;
	}
}

static const char *
jstr(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double
jnum(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static const char *
size(const cJSON *o, const char *key, char *buf)
{
	return report_human_size((int64_t)jnum(o, key), buf, 32);
}

static void
totals(struct md *m, const cJSON *r)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(r, "totals");
	const cJSON *img = cJSON_GetObjectItemCaseSensitive(r, "image");
	double lb = jnum(t, "layer_bytes");
	char a[32], b[32];

	md_printf(m, "### imgaudit: ");
	md_text(m, jstr(img, "ref"), 200);
	md_printf(m, "\n\n");
	md_printf(m, "| | |\n|---|---|\n| image | ");
	md_text(m, jstr(img, "digest"), 200);
	md_printf(m, " |\n| platform | ");
	md_text(m, jstr(img, "platform"), 200);
	md_printf(m, " |\n| created | ");
	md_text(m, jstr(img, "created"), 200);
	md_printf(m, " |\n| size | %s in %.0f layers |\n",
	    size(t, "layer_bytes", a), jnum(t, "layers"));
	md_printf(m, "| to pull (compressed) | %s |\n",
	    size(t, "compressed_bytes", a));
	md_printf(m, "| final tree | %s in %.0f files |\n",
	    size(t, "final_bytes", a), jnum(t, "final_files"));
	md_printf(m, "| wasted | %s (%.1f%%) |\n", size(t, "wasted_bytes", a),
	    lb > 0 ? 100.0 * jnum(t, "wasted_bytes") / lb : 0.0);
	md_printf(m, "| efficiency | %.1f%% |\n",
	    100.0 * jnum(t, "efficiency"));
	md_printf(m, "| **removable** | **%s (%.1f%% of the image)**, %s to "
	    "pull |\n\n", size(t, "removable_bytes", a),
	    lb > 0 ? 100.0 * jnum(t, "removable_bytes") / lb : 0.0,
	    size(t, "removable_compressed_bytes", b));
}

static void
candidates(struct md *m, const cJSON *r, size_t top)
{
	const cJSON *cands = cJSON_GetObjectItemCaseSensitive(r, "candidates");
	const cJSON *c;
	size_t i = 0, n = (size_t)cJSON_GetArraySize(cands);
	char a[32], b[32];

	md_printf(m, "#### Removal candidates\n\n");
	if (n == 0) {
		md_printf(m, "None.\n\n");
		return;
	}
	md_printf(m, "| # | candidate | purpose | saves | saves (pull) | "
	    "confidence | fix |\n|--:|---|---|--:|--:|---|---|\n");
	cJSON_ArrayForEach(c, cands) {
		if (i++ >= top)
			break;
		md_printf(m, "| %.0f | ", jnum(c, "rank"));
		md_text(m, jstr(c, "title"), 200);
		md_printf(m, " | ");
		md_text(m, jstr(c, "purpose"), 40);
		md_printf(m, " | %s | %s | ", size(c, "bytes_saved", a),
		    size(c, "compressed_bytes_saved", b));
		md_text(m, jstr(c, "confidence"), 20);
		md_printf(m, " | ");
		md_text(m, jstr(c, "fix"), 400);
		md_printf(m, " |\n");
	}
	md_printf(m, "\n");
	if (n > top)
		md_printf(m, "%zu more candidates in the full report "
		    "(--format html or json).\n\n", n - top);
}

static void
layers(struct md *m, const cJSON *r)
{
	const cJSON *l;
	char a[32], b[32], c[32];

	md_printf(m, "#### Layers\n\n| # | size | pulled | files | wasted | "
	    "created by |\n|--:|--:|--:|--:|--:|---|\n");
	cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(r, "layers")) {
		md_printf(m, "| %.0f | %s | %s | %.0f | %s | ",
		    jnum(l, "index"), size(l, "bytes", a),
		    size(l, "compressed_bytes", b), jnum(l, "files"),
		    size(l, "wasted_bytes", c));
		md_text(m, jstr(l, "created_by"), 120);
		md_printf(m, " |\n");
	}
	md_printf(m, "\nSizes are decimal, as docker prints them.\n");
}

int
report_write_md(const cJSON *report, FILE *f, size_t top)
{
	struct md m = { f, 0 };

	totals(&m, report);
	candidates(&m, report, top == 0 ? 10 : top);
	layers(&m, report);
	if (m.failed || ferror(f)) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}
