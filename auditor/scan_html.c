/* SPDX-License-Identifier: MIT */
/*
 * scan_html.c: the pages `imgaudit scan --html-dir` and `imgaudit history
 * --html-dir` write.  It reads scan rows and stored reports from store.c
 * and turns them into HTML text in memory, one page at a time; charts are
 * SVG drawn here, by hand, with presentation attributes only, so that the
 * strict Content-Security-Policy (a hash of the one stylesheet, nothing
 * else) holds without a style attribute or a script anywhere.
 *
 * The full single-image HTML report (treemap, layer chart) belongs to the
 * report renderers; the image pages here stay modest on purpose.  What a
 * scan row means is scan.c's; sizes are formatted as the text report does.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "report.h"
#include "scan_html.h"

#define CHART_W		900	/* the SVG's width, legend included */
#define CHART_H		260
#define PLOT_X0		76	/* the plot area */
#define PLOT_X1		690
#define PLOT_Y0		16
#define PLOT_Y1		222
#define MAX_SERIES	12	/* tags drawn in one chart */

static const char css[] =
	"body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;"
	"max-width:1200px;padding:0 1em;color:#222}"
	"h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em}"
	"table{border-collapse:collapse;margin:.5em 0 1.5em}"
	"th,td{padding:.25em .6em;border-bottom:1px solid #ddd;"
	"text-align:left;vertical-align:top}"
	"th{background:#f4f4f4}"
	".n{text-align:right;font-variant-numeric:tabular-nums;"
	"white-space:nowrap}"
	"code,.mono{font-family:ui-monospace,monospace;font-size:12px;"
	"word-break:break-all}"
	".err{color:#a00}.muted{color:#777}"
	"svg{max-width:100%;height:auto;display:block}"
	"svg text{font:11px system-ui,sans-serif;fill:#444}"
	".grid{stroke:#e2e2e2}.axis{stroke:#999}";

static const char *const palette[] = {
	"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
	"#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939"
};

/* ---- text building ---- */

struct sbuf {
	char *p;
	size_t n, cap;
};

static void
sb_add(struct sbuf *b, const char *s, size_t n)
{
	xgrow((void **)&b->p, &b->cap, b->n + n + 1, 1);
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void
sb_puts(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void sb_printf(struct sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	char tmp[256];
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(tmp)) {
		sb_add(b, tmp, (size_t)n);
		return;
	}
	xgrow((void **)&b->p, &b->cap, b->n + (size_t)n + 1, 1);
	va_start(ap, fmt);
	vsnprintf(b->p + b->n, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->n += (size_t)n;
}

/*
 * s as HTML text or attribute value: the five markup characters become
 * entities and control characters are shown as \xHH (as the text report
 * shows them), so that nothing in s can open a tag, end an attribute or
 * hide what follows.  NULL is nothing.
 */
static void
sb_esc(struct sbuf *b, const char *s)
{
	const char *run;

	if (s == NULL)
		return;
	for (run = s; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		const char *rep = NULL;
		char hex[8];

		switch (c) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default:
			if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f) {
				snprintf(hex, sizeof(hex), "\\x%02x", c);
				rep = hex;
			}
		}
		if (rep != NULL) {
			sb_add(b, run, (size_t)(s - run));
			sb_puts(b, rep);
			run = s + 1;
		}
	}
	sb_add(b, run, (size_t)(s - run));
}

/* A byte count as a table cell: "1.22MB", the exact figure on hover. */
static void
sb_size_td(struct sbuf *b, int64_t v)
{
	char h[32];

	sb_printf(b, "<td class=\"n\" title=\"%lld bytes\">%s</td>",
	    (long long)v, report_human_size(v, h, sizeof(h)));
}

static void
sb_time(struct sbuf *b, int64_t at)
{
	time_t t = (time_t)at;
	struct tm tm;
	char when[40];

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(when, sizeof(when), "@%lld", (long long)at);
	sb_puts(b, when);
}

/* base64 of the SHA-256 of the stylesheet, for the CSP's style-src. */
static int
css_hash(char out[64])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (EVP_Digest(css, sizeof(css) - 1, md, &n, EVP_sha256(), NULL) != 1 ||
	    n != 32)
		return -1;
	EVP_EncodeBlock((unsigned char *)out, md, (int)n);
	return 0;
}

static void
page_head(struct sbuf *b, const char *hash, const char *title)
{
	sb_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta http-equiv=\"Content-Security-Policy\" content=\""
	    "default-src 'none'; style-src 'sha256-");
	sb_puts(b, hash);
	sb_puts(b, "'; img-src 'none'; base-uri 'none'; form-action 'none'\">\n"
	    "<meta name=\"referrer\" content=\"no-referrer\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width\">\n"
	    "<title>");
	sb_esc(b, title);
	sb_puts(b, "</title>\n<style>");
	sb_puts(b, css);
	sb_puts(b, "</style>\n</head>\n<body>\n");
}

static void
page_foot(struct sbuf *b)
{
	sb_puts(b, "<p class=\"muted\">Written by imgaudit from its scan "
	    "database. Sizes are decimal, as docker prints "
	    "them (1 MB = 1,000,000 bytes).</p>\n</body>\n</html>\n");
}

/* ---- the rows ---- */

struct row {
	char *repo, *tag, *digest, *error;
	int64_t at, pull, size, wasted, removable;
	size_t seq;		/* store_history()'s order */
};

struct rows {
	struct row *v;
	size_t n, cap;
	int toomany;
};

static char *
dup_or_null(const char *s)
{
	return s == NULL ? NULL : xstrdup(s);
}

static void
collect(void *ctx, const struct scan_row *sr)
{
	struct rows *rs = ctx;
	struct row *r;

	if (rs->n >= SCAN_HTML_MAX_ROWS) {
		rs->toomany = 1;
		return;
	}
	xgrow((void **)&rs->v, &rs->cap, rs->n + 1, sizeof(*rs->v));
	r = &rs->v[rs->n];
	r->repo = xstrdup(sr->repo == NULL ? "" : sr->repo);
	r->tag = xstrdup(sr->tag == NULL ? "" : sr->tag);
	r->digest = dup_or_null(sr->digest);
	r->error = dup_or_null(sr->error);
	r->at = sr->scanned_at;
	r->pull = sr->compressed_bytes;
	r->size = sr->final_bytes;
	r->wasted = sr->wasted_bytes;
	r->removable = sr->removable_bytes;
	r->seq = rs->n++;
}

static void
rows_free(struct rows *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++) {
		free(rs->v[i].repo);
		free(rs->v[i].tag);
		free(rs->v[i].digest);
		free(rs->v[i].error);
	}
	free(rs->v);
}

/* By repository, tag, then time (the store's order breaks ties). */
static int
row_cmp(const void *pa, const void *pb)
{
	const struct row *a = pa, *b = pb;
	int c;

	if ((c = strcmp(a->repo, b->repo)) != 0)
		return c;
	if ((c = strcmp(a->tag, b->tag)) != 0)
		return c;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/*
 * The page name of a manifest digest, "sha256-HEX.html", or 0 when digest
 * is not sha256:<64 lowercase hex> (a database row is not trusted to name
 * a file).
 */
static int
page_name(const char *digest, char out[80])
{
	size_t i;

	if (digest == NULL || strncmp(digest, "sha256:", 7) != 0 ||
	    strlen(digest) != 71)
		return 0;
	for (i = 7; i < 71; i++)
		if (!((digest[i] >= '0' && digest[i] <= '9') ||
		    (digest[i] >= 'a' && digest[i] <= 'f')))
			return 0;
	snprintf(out, 80, "sha256-%s.html", digest + 7);
	return 1;
}

/* ---- files ---- */

/* Write b to dir/name through a temporary file renamed into place. */
static enum ia_status
write_file(const char *dir, const char *name, const struct sbuf *b,
    struct ia_error *err)
{
	char path[4096], tmp[4200];
	size_t off = 0;
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path))
		return ia_seterr(err, IA_EINPUT, "%s: path too long", dir);
	snprintf(tmp, sizeof(tmp), "%s/.%s.%ld.tmp", dir, name, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0)
		return ia_seterr(err, IA_EINPUT, "%s: cannot create: %s", tmp,
		    strerror(errno));
	while (off < b->n) {
		ssize_t w = write(fd, b->p + off, b->n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			ia_seterr(err, IA_EINPUT, "%s: cannot write: %s", tmp,
			    w < 0 ? strerror(errno) : "no progress");
			close(fd);
			unlink(tmp);
			return IA_EINPUT;
		}
		off += (size_t)w;
	}
	if (close(fd) != 0) {
		ia_seterr(err, IA_EINPUT, "%s: cannot write: %s", tmp,
		    strerror(errno));
		unlink(tmp);
		return IA_EINPUT;
	}
	if (rename(tmp, path) != 0) {
		ia_seterr(err, IA_EINPUT, "%s: cannot rename into place: %s",
		    path, strerror(errno));
		unlink(tmp);
		return IA_EINPUT;
	}
	return IA_OK;
}

/* ---- the index ---- */

/* The last and the previous good scan of rows [i, j) (one tag). */
static void
last_two(const struct row *v, size_t i, size_t j, const struct row **last,
    const struct row **prev)
{
	*last = *prev = NULL;
	for (; i < j; i++)
		if (v[i].error == NULL) {
			*prev = *last;
			*last = &v[i];
		}
}

static void
delta(struct sbuf *b, const char *what, int64_t d)
{
	char h[32];

	sb_printf(b, "%s %c%s", what, d < 0 ? '-' : '+',
	    report_human_size(d < 0 ? -d : d, h, sizeof(h)));
}

static int
y_of(int64_t v, int64_t top)
{
	return PLOT_Y1 - (int)((double)v / (double)top * (PLOT_Y1 - PLOT_Y0));
}

static int
x_of(int64_t at, int64_t t0, int64_t t1)
{
	if (t1 <= t0)
		return (PLOT_X0 + PLOT_X1) / 2;
	return PLOT_X0 + (int)((double)(at - t0) / (double)(t1 - t0) *
	    (PLOT_X1 - PLOT_X0));
}

/*
 * The trend chart of one repository, rows [i, j) sorted by tag and time:
 * one line per tag (the first MAX_SERIES tags) of the image size at each
 * successful scan, with the figures in each point's tooltip.
 */
static void
chart(struct sbuf *b, const struct row *v, size_t i, size_t j)
{
	int64_t t0 = INT64_MAX, t1 = INT64_MIN, top = 0;
	size_t k, s, e, series = 0, tags = 0;
	char h[32];
	int any = 0;

	for (k = i; k < j; k++) {
		if (k == i || strcmp(v[k].tag, v[k - 1].tag) != 0)
			tags++;
		if (v[k].error != NULL)
			continue;
		any = 1;
		t0 = v[k].at < t0 ? v[k].at : t0;
		t1 = v[k].at > t1 ? v[k].at : t1;
		top = v[k].size > top ? v[k].size : top;
	}
	if (!any) {
		sb_puts(b, "<p class=\"muted\">No successful scan to chart."
		    "</p>\n");
		return;
	}
	top = top + top / 10 + 1;
	sb_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
	    "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\""
	    "image size of each tag over time\">\n", CHART_W, CHART_H, CHART_W,
	    CHART_H);
	sb_puts(b, "<title>image size of each tag over time</title>\n");
	for (k = 0; k <= 2; k++) {
		int64_t val = top * (int64_t)k / 2;
		int y = y_of(val, top);

		sb_printf(b, "<line class=\"grid\" x1=\"%d\" y1=\"%d\" "
		    "x2=\"%d\" y2=\"%d\"/><text x=\"%d\" y=\"%d\" "
		    "text-anchor=\"end\">%s</text>\n", PLOT_X0, y, PLOT_X1, y,
		    PLOT_X0 - 6, y + 4, report_human_size(val, h, sizeof(h)));
	}
	sb_printf(b, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" "
	    "y2=\"%d\"/>\n", PLOT_X0, PLOT_Y1, PLOT_X1, PLOT_Y1);
	sb_printf(b, "<text x=\"%d\" y=\"%d\">", PLOT_X0, PLOT_Y1 + 18);
	sb_time(b, t0);
	sb_puts(b, " UTC</text>");
	if (t1 > t0) {
		sb_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">",
		    PLOT_X1, PLOT_Y1 + 18);
		sb_time(b, t1);
		sb_puts(b, " UTC</text>");
	}
	sb_puts(b, "\n");
	for (s = i; s < j && series < MAX_SERIES; s = e) {
		const char *color = palette[series % (sizeof(palette) /
		    sizeof(palette[0]))];
		size_t npts = 0;

		for (e = s; e < j && strcmp(v[e].tag, v[s].tag) == 0; e++)
			npts += v[e].error == NULL;
		if (npts == 0)
			continue;
		if (npts > 1) {
			sb_printf(b, "<polyline fill=\"none\" stroke=\"%s\" "
			    "stroke-width=\"2\" points=\"", color);
			for (k = s; k < e; k++)
				if (v[k].error == NULL)
					sb_printf(b, "%d,%d ", x_of(v[k].at,
					    t0, t1), y_of(v[k].size, top));
			sb_puts(b, "\"/>\n");
		}
		for (k = s; k < e; k++) {
			if (v[k].error != NULL)
				continue;
			sb_printf(b, "<circle cx=\"%d\" cy=\"%d\" r=\"3\" "
			    "fill=\"%s\"><title>", x_of(v[k].at, t0, t1),
			    y_of(v[k].size, top), color);
			sb_esc(b, v[k].tag);
			sb_puts(b, " ");
			sb_time(b, v[k].at);
			sb_printf(b, ": size %s", report_human_size(v[k].size,
			    h, sizeof(h)));
			sb_printf(b, ", pull %s", report_human_size(v[k].pull,
			    h, sizeof(h)));
			sb_printf(b, ", wasted %s", report_human_size(
			    v[k].wasted, h, sizeof(h)));
			sb_printf(b, ", removable %s</title></circle>\n",
			    report_human_size(v[k].removable, h, sizeof(h)));
		}
		sb_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"12\" "
		    "height=\"4\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">",
		    PLOT_X1 + 20, PLOT_Y0 + 4 + 16 * (int)series, color,
		    PLOT_X1 + 38, PLOT_Y0 + 10 + 16 * (int)series);
		sb_esc(b, v[s].tag);
		sb_puts(b, "</text>\n");
		series++;
	}
	sb_puts(b, "</svg>\n");
	if (tags > series)
		sb_printf(b, "<p class=\"muted\">%zu more tags are in the "
		    "table but not in the chart.</p>\n", tags - series);
}

/* The table of one repository's tags: the last scan of each. */
static void
tag_table(struct sbuf *b, const struct row *v, size_t i, size_t j)
{
	size_t s, e;
	char name[80];

	sb_puts(b, "<table>\n<thead><tr><th>tag</th><th>last scan (UTC)</th>"
	    "<th>digest</th><th class=\"n\">pull</th><th class=\"n\">size</th>"
	    "<th class=\"n\">wasted</th><th class=\"n\">removable</th>"
	    "<th>since the previous scan</th><th class=\"n\">scans</th>"
	    "</tr></thead>\n<tbody>\n");
	for (s = i; s < j; s = e) {
		const struct row *last, *prev, *r;

		for (e = s; e < j && strcmp(v[e].tag, v[s].tag) == 0; e++)
			;
		r = &v[e - 1];
		last_two(v, s, e, &last, &prev);
		sb_puts(b, "<tr><td>");
		sb_esc(b, r->tag);
		sb_puts(b, "</td><td>");
		sb_time(b, r->at);
		sb_puts(b, "</td><td class=\"mono\">");
		/* Pages are written for good rows only. */
		if (r->error == NULL && page_name(r->digest, name)) {
			sb_printf(b, "<a href=\"%s\">", name);
			sb_esc(b, r->digest);
			sb_puts(b, "</a>");
		} else {
			sb_esc(b, r->digest != NULL ? r->digest : "-");
		}
		sb_puts(b, "</td>");
		if (r->error != NULL) {
			sb_puts(b, "<td colspan=\"5\" class=\"err\">failed: ");
			sb_esc(b, r->error);
			sb_puts(b, "</td>");
		} else {
			sb_size_td(b, r->pull);
			sb_size_td(b, r->size);
			sb_size_td(b, r->wasted);
			sb_size_td(b, r->removable);
			sb_puts(b, "<td>");
			if (prev == NULL) {
				sb_puts(b, "<span class=\"muted\">first scan"
				    "</span>");
			} else {
				sb_puts(b, prev->digest != NULL &&
				    last->digest != NULL && strcmp(prev->digest,
				    last->digest) == 0 ? "same digest; " :
				    "new digest; ");
				delta(b, "size", last->size - prev->size);
				delta(b, ", pull", last->pull - prev->pull);
				delta(b, ", wasted", last->wasted -
				    prev->wasted);
				delta(b, ", removable", last->removable -
				    prev->removable);
			}
			sb_puts(b, "</td>");
		}
		sb_printf(b, "<td class=\"n\">%zu</td></tr>\n", e - s);
	}
	sb_puts(b, "</tbody>\n</table>\n");
}

static void
index_page(struct sbuf *b, const char *hash, const struct rows *rs)
{
	size_t i, j, nrepo = 0;

	page_head(b, hash, "imgaudit: registry scans");
	sb_puts(b, "<h1>Registry scans</h1>\n");
	for (i = 0; i < rs->n; i++)
		nrepo += i == 0 ||
		    strcmp(rs->v[i].repo, rs->v[i - 1].repo) != 0;
	sb_printf(b, "<p>%zu repositories, %zu scan rows.</p>\n", nrepo, rs->n);
	for (i = 0; i < rs->n; i = j) {
		for (j = i; j < rs->n && strcmp(rs->v[j].repo, rs->v[i].repo) ==
		    0; j++)
			;
		sb_puts(b, "<section>\n<h2>");
		sb_esc(b, rs->v[i].repo[0] != '\0' ? rs->v[i].repo : "(none)");
		sb_puts(b, "</h2>\n");
		chart(b, rs->v, i, j);
		tag_table(b, rs->v, i, j);
		sb_puts(b, "</section>\n");
	}
	if (rs->n == 0)
		sb_puts(b, "<p class=\"muted\">No scan rows.</p>\n");
	page_foot(b);
}

/* ---- image pages ---- */

static const char *
jstr(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int64_t
jint(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

static void
kv_size(struct sbuf *b, const char *label, const cJSON *o, const char *key)
{
	sb_printf(b, "<tr><th>%s</th>", label);
	sb_size_td(b, jint(o, key));
	sb_puts(b, "</tr>\n");
}

static void
kv_str(struct sbuf *b, const char *label, const char *v)
{
	if (v == NULL)
		return;
	sb_printf(b, "<tr><th>%s</th><td>", label);
	sb_esc(b, v);
	sb_puts(b, "</td></tr>\n");
}

static void
layers_table(struct sbuf *b, const cJSON *layers)
{
	const cJSON *l;

	sb_puts(b, "<h2>Layers</h2>\n<table>\n<thead><tr><th class=\"n\">#"
	    "</th><th class=\"n\">size</th><th class=\"n\">pulled</th>"
	    "<th class=\"n\">files</th><th class=\"n\">wasted</th>"
	    "<th>digest</th><th>created by</th></tr></thead>\n<tbody>\n");
	cJSON_ArrayForEach(l, layers) {
		sb_printf(b, "<tr><td class=\"n\">%lld</td>",
		    (long long)jint(l, "index"));
		sb_size_td(b, jint(l, "bytes"));
		sb_size_td(b, jint(l, "compressed_bytes"));
		sb_printf(b, "<td class=\"n\">%lld</td>",
		    (long long)jint(l, "files"));
		sb_size_td(b, jint(l, "wasted_bytes"));
		sb_puts(b, "<td class=\"mono\">");
		sb_esc(b, jstr(l, "digest"));
		sb_puts(b, "</td><td class=\"mono\">");
		sb_esc(b, jstr(l, "created_by"));
		sb_puts(b, "</td></tr>\n");
	}
	sb_puts(b, "</tbody>\n</table>\n");
}

static void
candidates_table(struct sbuf *b, const cJSON *cands)
{
	const cJSON *c;

	if (cJSON_GetArraySize(cands) <= 0)
		return;
	sb_puts(b, "<h2>Removal candidates</h2>\n<table>\n<thead><tr>"
	    "<th class=\"n\">rank</th><th>candidate</th><th>purpose</th>"
	    "<th class=\"n\">saves</th><th class=\"n\">saves (pull)</th>"
	    "<th>confidence</th><th>fix</th></tr></thead>\n<tbody>\n");
	cJSON_ArrayForEach(c, cands) {
		sb_printf(b, "<tr><td class=\"n\">%lld</td><td>",
		    (long long)jint(c, "rank"));
		sb_esc(b, jstr(c, "title"));
		sb_puts(b, "</td><td>");
		sb_esc(b, jstr(c, "purpose"));
		sb_puts(b, "</td>");
		sb_size_td(b, jint(c, "bytes_saved"));
		sb_size_td(b, jint(c, "compressed_bytes_saved"));
		sb_puts(b, "<td>");
		sb_esc(b, jstr(c, "confidence"));
		if (jstr(c, "reason") != NULL) {
			sb_puts(b, ": ");
			sb_esc(b, jstr(c, "reason"));
		}
		sb_puts(b, "</td><td class=\"mono\">");
		sb_esc(b, jstr(c, "fix"));
		sb_puts(b, "</td></tr>\n");
	}
	sb_puts(b, "</tbody>\n</table>\n");
}

static void
findings_list(struct sbuf *b, const cJSON *findings)
{
	const cJSON *f;

	sb_puts(b, "<h2>Findings</h2>\n");
	if (cJSON_GetArraySize(findings) <= 0) {
		sb_puts(b, "<p class=\"muted\">None.</p>\n");
		return;
	}
	sb_puts(b, "<table>\n<thead><tr><th>kind</th><th>finding</th>"
	    "<th>detail</th></tr></thead>\n<tbody>\n");
	cJSON_ArrayForEach(f, findings) {
		sb_puts(b, "<tr><td class=\"mono\">");
		sb_esc(b, jstr(f, "kind"));
		sb_puts(b, "</td><td>");
		sb_esc(b, jstr(f, "title"));
		sb_puts(b, "</td><td>");
		sb_esc(b, jstr(f, "detail"));
		sb_puts(b, "</td></tr>\n");
	}
	sb_puts(b, "</tbody>\n</table>\n");
}

/*
 * The page of one image: grp[0..n) are the good rows with its manifest
 * digest, oldest first (where the image was seen); json is its stored
 * report (NULL: none stored).
 */
static void
image_page(struct sbuf *b, const char *hash, const struct row *const *grp,
    size_t n, const char *json)
{
	const struct row *r0 = grp[n - 1];
	const char *digest = r0->digest;
	cJSON *rep = json != NULL ? cJSON_Parse(json) : NULL;
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(rep, "totals");
	const cJSON *img = cJSON_GetObjectItemCaseSensitive(rep, "image");
	struct sbuf title = { 0 };
	size_t i;
	char h[32];

	sb_puts(&title, r0->repo);
	sb_puts(&title, ":");
	sb_puts(&title, r0->tag);
	sb_puts(&title, " ");
	sb_add(&title, digest, 19);
	page_head(b, hash, title.p);
	free(title.p);
	sb_puts(b, "<p><a href=\"index.html\">All scans</a></p>\n<h1>");
	sb_esc(b, r0->repo);
	sb_puts(b, ":");
	sb_esc(b, r0->tag);
	sb_puts(b, "</h1>\n<p class=\"mono\">");
	sb_esc(b, digest);
	sb_puts(b, "</p>\n");
	if (rep == NULL || !cJSON_IsObject(t)) {
		sb_puts(b, "<p class=\"err\">No readable report is stored for "
		    "this digest.</p>\n");
	} else {
		sb_puts(b, "<h2>Totals</h2>\n<table>\n");
		sb_printf(b, "<tr><th>layers</th><td class=\"n\">%lld</td>"
		    "</tr>\n", (long long)jint(t, "layers"));
		kv_size(b, "to pull (compressed)", t, "compressed_bytes");
		kv_size(b, "in all layers", t, "layer_bytes");
		kv_size(b, "final tree", t, "final_bytes");
		sb_printf(b, "<tr><th>files</th><td class=\"n\">%lld</td>"
		    "</tr>\n", (long long)jint(t, "final_files"));
		kv_size(b, "wasted", t, "wasted_bytes");
		kv_size(b, "removable", t, "removable_bytes");
		sb_puts(b, "</table>\n<h2>Image</h2>\n<table>\n");
		kv_str(b, "reference", jstr(img, "ref"));
		kv_str(b, "platform", jstr(img, "platform"));
		kv_str(b, "created", jstr(img, "created"));
		kv_str(b, "config", jstr(img, "config_digest"));
		sb_puts(b, "</table>\n");
		layers_table(b, cJSON_GetObjectItemCaseSensitive(rep,
		    "layers"));
		candidates_table(b, cJSON_GetObjectItemCaseSensitive(rep,
		    "candidates"));
		findings_list(b, cJSON_GetObjectItemCaseSensitive(rep,
		    "findings"));
	}
	sb_puts(b, "<h2>Where and when it was seen</h2>\n<table>\n<thead>"
	    "<tr><th>image</th><th>scanned (UTC)</th><th class=\"n\">size"
	    "</th></tr></thead>\n<tbody>\n");
	for (i = n; i-- > 0;) {
		const struct row *r = grp[i];

		sb_puts(b, "<tr><td>");
		sb_esc(b, r->repo);
		sb_puts(b, ":");
		sb_esc(b, r->tag);
		sb_puts(b, "</td><td>");
		sb_time(b, r->at);
		sb_printf(b, "</td><td class=\"n\">%s</td></tr>\n",
		    report_human_size(r->size, h, sizeof(h)));
	}
	sb_puts(b, "</tbody>\n</table>\n");
	page_foot(b);
	cJSON_Delete(rep);
}

/* ---- the whole ---- */

static enum ia_status
make_dir(const char *dir, struct ia_error *err)
{
	struct stat sb;

	if (mkdir(dir, 0777) == 0)
		return IA_OK;
	if (errno == EEXIST && stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode))
		return IA_OK;
	return ia_seterr(err, IA_EINPUT, "%s: cannot create the HTML "
	    "directory: %s", dir, errno == EEXIST ? "not a directory" :
	    strerror(errno));
}

/* Row pointers by digest, then by time (store_history()'s order). */
static int
digest_cmp(const void *pa, const void *pb)
{
	const struct row *a = *(const struct row *const *)pa;
	const struct row *b = *(const struct row *const *)pb;
	int c = strcmp(a->digest, b->digest);

	if (c != 0)
		return c;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

enum ia_status
scan_html_write(struct store *s, const char *dir, const char *repo,
    const char *tag, size_t *pages, struct ia_error *err)
{
	struct rows rs = { 0 };
	struct sbuf b = { 0 };
	const struct row **by = NULL;
	enum ia_status st;
	char hash[64], name[80];
	size_t i, j, nby = 0;

	*pages = 0;
	if (css_hash(hash) != 0)
		return ia_seterr(err, IA_EINTERNAL, "%s: cannot hash the "
		    "stylesheet (OpenSSL)", dir);
	if ((st = make_dir(dir, err)) != IA_OK)
		return st;
	if (store_history(s, repo, tag, collect, &rs) != 0) {
		st = ia_seterr(err, IA_EINPUT, "%s", store_errmsg(s));
		goto out;
	}
	if (rs.toomany) {
		st = ia_seterr(err, IA_EINPUT, "%s: more than %d scan rows for "
		    "one index; write the pages of one repository at a time "
		    "(imgaudit history --db FILE REPO --html-dir DIR)", dir,
		    SCAN_HTML_MAX_ROWS);
		goto out;
	}
	if (rs.n > 1)
		qsort(rs.v, rs.n, sizeof(*rs.v), row_cmp);
	/*
	 * Digest pages first, so that the index links to pages in place: the
	 * good rows that name a page, grouped by digest.
	 */
	by = xcalloc(rs.n + 1, sizeof(*by));
	for (i = 0; i < rs.n; i++)
		if (rs.v[i].error == NULL && page_name(rs.v[i].digest, name))
			by[nby++] = &rs.v[i];
	if (nby > 1)
		qsort(by, nby, sizeof(*by), digest_cmp);
	for (i = 0; i < nby; i = j) {
		char *json;

		for (j = i; j < nby && strcmp(by[j]->digest, by[i]->digest) ==
		    0; j++)
			;
		json = store_report_get(s, by[i]->digest, NULL);
		b.n = 0;
		image_page(&b, hash, by + i, j - i, json);
		free(json);
		page_name(by[i]->digest, name);
		if ((st = write_file(dir, name, &b, err)) != IA_OK)
			goto out;
		(*pages)++;
	}
	b.n = 0;
	index_page(&b, hash, &rs);
	if ((st = write_file(dir, "index.html", &b, err)) != IA_OK)
		goto out;
	(*pages)++;
out:
	free(by);
	free(b.p);
	rows_free(&rs);
	return st;
}
