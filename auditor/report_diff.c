/* SPDX-License-Identifier: MIT */
/*
 * report_diff.c: the imgaudit.diff/v1 document (diff.h) for people — text
 * that fits the terminal (100 columns unless told), GitHub-flavoured
 * Markdown for a pull-request comment (without HTML), and one static HTML
 * page without a script.  It reads only the
 * document: what is compared, and how, is diff.c's.
 *
 * Image strings (refs, paths, created_by, package names) are hostile: in
 * text, control characters are written as \xNN (bsdtar's safe_fprintf);
 * in Markdown, every character GitHub would read as markup is
 * backslash-escaped, as report_md.c does.  Sizes are decimal, as docker
 * prints them (report_human_size()).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "diff.h"
#include "report.h"

struct out {
	FILE *f;
	int width;
	int failed;
};

static void emit(struct out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
emit(struct out *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vfprintf(o->f, fmt, ap) < 0)
		o->failed = 1;
	va_end(ap);
}

static const char *
str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int64_t
num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

static double
dnum(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static const cJSON *
obj(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

static const char *
hs(int64_t v, char *buf)
{
	return report_human_size(v, buf, 16);
}

/* "+1.2MB", "-300kB", "0B" */
static const char *
signed_size(int64_t d, char *buf)
{
	char a[16];

	report_human_size(d < 0 ? -d : d, a, sizeof(a));
	snprintf(buf, 20, "%s%s", d < 0 ? "-" : d > 0 ? "+" : "", a);
	return buf;
}

/*
 * s for a terminal, in at most width columns: control characters (C0, DEL,
 * C1) as \xNN, a UTF-8 sequence counted as one column and never split, and
 * "..." where it had to be cut.
 */
static const char *
safe(const char *s, size_t width, char *buf, size_t n)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "-");
	size_t o = 0, cols = 0;

	if (width + 1 > n)
		width = n - 1;
	while (*p != '\0') {
		char piece[8];
		size_t len, plen;

		if (*p < 0x20 || *p == 0x7f) {
			plen = (size_t)snprintf(piece, sizeof(piece), "\\x%02x",
			    *p);
			len = 1;
		} else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			plen = (size_t)snprintf(piece, sizeof(piece), "\\x%02x",
			    p[1]);
			len = 2;
		} else {
			len = 1;
			if (*p >= 0xc0)
				while (len < 4 && (p[len] & 0xc0) == 0x80)
					len++;
			memcpy(piece, p, len);
			plen = len;
		}
		/* Count a UTF-8 sequence, or an escape, by its columns. */
		if (cols + (plen == len ? 1 : plen) + 3 > width &&
		    p[len] != '\0') {
			if (o + 4 <= n) {
				memcpy(buf + o, "...", 3);
				o += 3;
			}
			break;
		}
		if (cols + (plen == len ? 1 : plen) > width || o + plen + 1 > n)
			break;
		memcpy(buf + o, piece, plen);
		o += plen;
		cols += plen == len ? 1 : plen;
		p += len;
	}
	buf[o] = '\0';
	return buf;
}

/* Word-wrap text to the width, every line indented by indent spaces. */
static void
wrap(struct out *o, const char *text, int indent)
{
	char buf[2048];
	const char *p;
	int w = o->width - indent, col = 0;

	safe(text, sizeof(buf) - 1, buf, sizeof(buf));
	p = buf;
	while (*p != '\0') {
		size_t len = strcspn(p, " ");

		if (col > 0 && col + 1 + (int)len > w) {
			emit(o, "\n");
			col = 0;
		}
		if (col == 0)
			emit(o, "%*s", indent, "");
		else {
			emit(o, " ");
			col++;
		}
		/* A word longer than the line is cut at the width. */
		if ((int)len > w)
			len = (size_t)w;
		emit(o, "%.*s", (int)len, p);
		col += (int)len;
		p += len;
		while (*p == ' ')
			p++;
	}
	if (col > 0)
		emit(o, "\n");
}

static const char *
step(const char *created_by, char *buf, size_t n)
{
	const char *s = created_by ? created_by : "";
	char tmp[512];
	size_t i = 0;

	if (strncmp(s, "/bin/sh -c #(nop) ", 18) == 0)
		s += 18;
	else if (strncmp(s, "RUN /bin/sh -c ", 15) == 0) {
		snprintf(tmp, sizeof(tmp), "RUN %s", s + 15);
		s = tmp;
	} else if (strncmp(s, "/bin/sh -c ", 11) == 0) {
		snprintf(tmp, sizeof(tmp), "RUN %s", s + 11);
		s = tmp;
	}
	while (s[0] == ' ')
		s++;
	snprintf(buf, n, "%s", s);
	i = strlen(buf);
	if (i >= 11 && strcmp(buf + i - 11, " # buildkit") == 0)
		buf[i - 11] = '\0';
	/* Newlines in a step read as spaces. */
	for (i = 0; buf[i] != '\0'; i++)
		if (buf[i] == '\n' || buf[i] == '\t' || buf[i] == '\r')
			buf[i] = ' ';
	while (i > 0 && buf[i - 1] == ' ')
		buf[--i] = '\0';
	return buf;
}

/* ---- text ------------------------------------------------------------- */

static void
text_head(struct out *o, const cJSON *d)
{
	const cJSON *od = obj(d, "old"), *nd = obj(d, "new"), *l, *p, *f, *k;
	char a[16], b[16], c[16], e[16], line[256];
	int w = o->width;

	emit(o, "imgaudit diff\n");
	emit(o, "  old       %s\n", safe(str(od, "ref"), (size_t)w - 12, line,
	    sizeof(line)));
	emit(o, "  new       %s\n", safe(str(nd, "ref"), (size_t)w - 12, line,
	    sizeof(line)));
	emit(o, "  size      %s -> %s to pull (%s), %s -> %s final (%s)\n",
	    hs(num(od, "compressed_bytes"), a), hs(num(nd, "compressed_bytes"),
	    b), signed_size(num(nd, "compressed_bytes") -
	    num(od, "compressed_bytes"), line), hs(num(od, "final_bytes"), c),
	    hs(num(nd, "final_bytes"), e), signed_size(num(nd, "final_bytes") -
	    num(od, "final_bytes"), line + 32));
	l = obj(d, "layers");
	p = obj(d, "pull");
	emit(o, "  layers    %lld shared, %lld added, %lld removed (same "
	    "diff_id = shared)\n", (long long)num(l, "shared"),
	    (long long)num(l, "added"), (long long)num(l, "removed"));
	emit(o, "  re-pull   a node holding OLD pulls %s in %lld layer(s) to "
	    "get NEW\n", hs(num(p, "repulled_bytes"), a),
	    (long long)num(p, "repulled_layers"));
	snprintf(line, sizeof(line), "%.0f bit/s",
	    dnum(p, "bandwidth_bits_per_second"));
	emit(o, "  pull time at %s: NEW %.1f s cold (%s), %.1f s with OLD's "
	    "layers cached; OLD %.1f s cold\n", safe(str(p, "bandwidth") ?
	    str(p, "bandwidth") : line, 15, c, sizeof(c)),
	    dnum(p, "cold_seconds"), hs(num(p, "cold_bytes"), a),
	    dnum(p, "warm_seconds"), dnum(od, "pull_seconds"));
	f = obj(d, "files");
	emit(o, "  files     %lld added (%s), %lld removed (%s), %lld changed "
	    "(%s -> %s)\n", (long long)num(f, "added"),
	    hs(num(f, "added_bytes"), a), (long long)num(f, "removed"),
	    hs(num(f, "removed_bytes"), b), (long long)num(f, "changed"),
	    hs(num(f, "changed_old_bytes"), c), hs(num(f, "changed_new_bytes"),
	    e));
	k = obj(d, "packages");
	emit(o, "  packages  %d added, %d removed, %d upgraded, %d downgraded "
	    "(%s)\n", cJSON_GetArraySize(obj(k, "added")),
	    cJSON_GetArraySize(obj(k, "removed")),
	    cJSON_GetArraySize(obj(k, "upgraded")),
	    cJSON_GetArraySize(obj(k, "downgraded")),
	    signed_size(num(k, "delta_bytes"), a));
	emit(o, "  (sizes are decimal, as docker prints them: 1 MB = 1,000,000 "
	    "bytes)\n");
}

static void
text_layers(struct out *o, const cJSON *d)
{
	const cJSON *l = obj(d, "layers"), *x;
	char a[16], b[16], line[512], cut[512];
	int w = o->width;

	emit(o, "\nLAYERS OF NEW (shared: same diff_id in OLD; pulled: what a "
	    "node holding OLD downloads)\n");
	emit(o, "    #  STATUS  CHANGE   CLASS           PULLED     SIZE  "
	    "CREATED BY\n");
	cJSON_ArrayForEach(x, obj(l, "new_layers")) {
		emit(o, "  %3lld  %-6s  %-7s  %-12s  %8s  %7s  %s\n",
		    (long long)num(x, "index"), str(x, "status") ?
		    str(x, "status") : "-", str(x, "change") ?
		    str(x, "change") : "-", str(x, "class") ? str(x, "class") : "-",
		    cJSON_IsTrue(obj(x, "pulled")) ?
		    hs(num(x, "compressed_bytes"), a) : "-",
		    hs(num(x, "bytes"), b), safe(step(str(x, "created_by"),
		    line, sizeof(line)), (size_t)(w - 57), cut, sizeof(cut)));
	}
	if (cJSON_GetArraySize(obj(l, "removed_layers")) == 0)
		return;
	emit(o, "\nLAYERS OF OLD THAT NEW NO LONGER HAS\n");
	emit(o, "    #  CLASS         COMPRESSED     SIZE  CREATED BY\n");
	cJSON_ArrayForEach(x, obj(l, "removed_layers"))
		emit(o, "  %3lld  %-12s  %10s  %7s  %s\n",
		    (long long)num(x, "index"), str(x, "class") ?
		    str(x, "class") : "-", hs(num(x, "compressed_bytes"), a),
		    hs(num(x, "bytes"), b), safe(step(str(x, "created_by"),
		    line, sizeof(line)), (size_t)(w - 45), cut, sizeof(cut)));
}

static void
text_files(struct out *o, const cJSON *d)
{
	const cJSON *f = obj(d, "files"), *x;
	char a[16], b[16], line[512];
	int w = o->width;

	if (cJSON_GetArraySize(obj(f, "top_added")) +
	    cJSON_GetArraySize(obj(f, "top_removed")) +
	    cJSON_GetArraySize(obj(f, "top_changed")) == 0)
		return;
	emit(o, "\nFILES (largest; changed: other size, or data from a layer "
	    "the builds do not share)\n");
	cJSON_ArrayForEach(x, obj(f, "top_added"))
		emit(o, "  + %8s            %s\n", hs(num(x, "bytes"), a),
		    safe(str(x, "path"), (size_t)(w - 25), line, sizeof(line)));
	cJSON_ArrayForEach(x, obj(f, "top_removed"))
		emit(o, "  - %8s            %s\n", hs(num(x, "bytes"), a),
		    safe(str(x, "path"), (size_t)(w - 25), line, sizeof(line)));
	cJSON_ArrayForEach(x, obj(f, "top_changed"))
		emit(o, "  ~ %8s -> %7s  %s\n", hs(num(x, "old_bytes"), a),
		    hs(num(x, "new_bytes"), b), safe(str(x, "path"),
		    (size_t)(w - 25), line, sizeof(line)));
}

static void
text_packages(struct out *o, const cJSON *d)
{
	const cJSON *k = obj(d, "packages"), *x;
	static const char *const lists[] = { "added", "removed", "upgraded",
	    "downgraded" };
	char a[16], b[16], name[128], nm[128], v1[64], v2[64];
	size_t i;

	if (cJSON_GetArraySize(obj(k, "added")) +
	    cJSON_GetArraySize(obj(k, "removed")) +
	    cJSON_GetArraySize(obj(k, "upgraded")) +
	    cJSON_GetArraySize(obj(k, "downgraded")) == 0)
		return;
	emit(o, "\nPACKAGES\n");
	for (i = 0; i < 4; i++) {
		int shown = 0;

		cJSON_ArrayForEach(x, obj(k, lists[i])) {
			if (shown++ == 20) {
				emit(o, "    ... %d more %s (--format json)\n",
				    cJSON_GetArraySize(obj(k, lists[i])) - 20,
				    lists[i]);
				break;
			}
			snprintf(name, sizeof(name), "%s:%s",
			    str(x, "ecosystem") ? str(x, "ecosystem") : "?",
			    str(x, "name") ? str(x, "name") : "?");
			if (i < 2)
				emit(o, "  %-10s %-40s %-24s %9s\n", lists[i],
				    safe(name, 40, nm, sizeof(nm)),
				    safe(str(x, "version"), 24, v1, sizeof(v1)),
				    hs(num(x, "bytes"), a));
			else
				emit(o, "  %-10s %-36s %-18s -> %-18s %9s\n",
				    lists[i], safe(name, 36, nm, sizeof(nm)),
				    safe(str(x, "old_version"), 18, v1,
				    sizeof(v1)), safe(str(x, "new_version"), 18,
				    v2, sizeof(v2)), signed_size(num(x,
				    "delta_bytes"), b));
		}
	}
}

static void
text_candidates(struct out *o, const cJSON *d)
{
	const cJSON *c = obj(d, "candidates"), *x;
	char a[16], line[256];
	int w = o->width;

	if (cJSON_GetArraySize(obj(c, "appeared")) +
	    cJSON_GetArraySize(obj(c, "gone")) == 0)
		return;
	emit(o, "\nREMOVAL CANDIDATES THAT APPEARED (+) OR WENT AWAY (-)\n");
	cJSON_ArrayForEach(x, obj(c, "appeared"))
		emit(o, "  + %8s  %s\n", hs(num(x, "bytes_saved"), a),
		    safe(str(x, "title"), (size_t)(w - 14), line,
		    sizeof(line)));
	cJSON_ArrayForEach(x, obj(c, "gone"))
		emit(o, "  - %8s  %s\n", hs(num(x, "bytes_saved"), a),
		    safe(str(x, "title"), (size_t)(w - 14), line,
		    sizeof(line)));
}

static void
text_advice(struct out *o, const cJSON *d)
{
	const cJSON *x;
	char line[256], kind[64];
	int w = o->width;

	if (cJSON_GetArraySize(obj(d, "findings")) == 0)
		return;
	emit(o, "\nADVICE (layer order, base image; status: new in NEW, still "
	    "there, fixed, measured)\n");
	cJSON_ArrayForEach(x, obj(d, "findings")) {
		snprintf(kind, sizeof(kind), "[%s]", str(x, "status") ?
		    str(x, "status") : "?");
		emit(o, "  %-10s %s\n", kind, safe(str(x, "title"),
		    (size_t)(w - 13), line, sizeof(line)));
		wrap(o, str(x, "detail"), 13);
	}
}

int
diff_write_text(const cJSON *d, FILE *f, int width)
{
	struct out o = { f, width >= 80 ? width : 100, 0 };

	text_head(&o, d);
	text_layers(&o, d);
	text_files(&o, d);
	text_packages(&o, d);
	text_candidates(&o, d);
	text_advice(&o, d);
	return o.failed || ferror(f) ? -1 : 0;
}

/* ---- Markdown ---------------------------------------------------------- */

/* s as the text of a table cell (see report_md.c). */
static void
md(struct out *o, const char *s)
{
	static const char special[] = "\\`*_[]<>#!|~$@&:";

	if (s == NULL) {
		emit(o, "-");
		return;
	}
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\n' || c == '\r' || c == '\t')
			emit(o, " ");
		else if (c < 0x20 || c == 0x7f)
			emit(o, "\\\\x%02x", c);
		else if (strchr(special, c) != NULL)
			emit(o, "\\%c", c);
		else if (fputc(c, o->f) == EOF)
			o->failed = 1;
	}
}

/* At most n bytes of s as cell text, "..." when cut (not inside UTF-8). */
static void
md_cut(struct out *o, const char *s, size_t n)
{
	char buf[256];
	size_t len;

	if (s == NULL || strlen(s) <= n || n + 4 > sizeof(buf)) {
		md(o, s);
		return;
	}
	len = n;
	while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
		len--;
	memcpy(buf, s, len);
	memcpy(buf + len, "...", 4);
	md(o, buf);
}

static void
md_head(struct out *o, const cJSON *d)
{
	const cJSON *od = obj(d, "old"), *nd = obj(d, "new"), *p, *f, *l;
	char a[16], b[16], c[20];
	static const char *const rows[][2] = {
		{ "compressed (to pull)", "compressed_bytes" },
		{ "final tree", "final_bytes" },
		{ "wasted", "wasted_bytes" },
		{ "removable", "removable_bytes" },
	};
	size_t i;

	/* No code spans: backslash escapes do not work inside them. */
	emit(o, "## imgaudit diff\n\n**old** ");
	md(o, str(od, "ref"));
	emit(o, " → **new** ");
	md(o, str(nd, "ref"));
	emit(o, "\n\n| | old | new | change |\n|---|---:|---:|---:|\n");
	emit(o, "| layers | %lld | %lld | %+lld |\n",
	    (long long)num(od, "layers"), (long long)num(nd, "layers"),
	    (long long)(num(nd, "layers") - num(od, "layers")));
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		emit(o, "| %s | %s | %s | %s |\n", rows[i][0],
		    hs(num(od, rows[i][1]), a), hs(num(nd, rows[i][1]), b),
		    signed_size(num(nd, rows[i][1]) - num(od, rows[i][1]), c));
	p = obj(d, "pull");
	l = obj(d, "layers");
	f = obj(d, "files");
	emit(o, "\n**Re-pulled by a node holding old:** %s in %lld layer(s) "
	    "(%lld shared, %lld added, %lld removed). ",
	    hs(num(p, "repulled_bytes"), a), (long long)num(p,
	    "repulled_layers"), (long long)num(l, "shared"),
	    (long long)num(l, "added"), (long long)num(l, "removed"));
	emit(o, "Pull at %.0f Mbit/s: %.1f s cold, %.1f s with old's layers "
	    "cached.\n\n", dnum(p, "bandwidth_bits_per_second") / 1e6,
	    dnum(p, "cold_seconds"), dnum(p, "warm_seconds"));
	emit(o, "**Files:** %lld added (%s), %lld removed (%s), %lld "
	    "changed.\n",
	    (long long)num(f, "added"), hs(num(f, "added_bytes"), a),
	    (long long)num(f, "removed"), hs(num(f, "removed_bytes"), b),
	    (long long)num(f, "changed"));
}

static void
md_layers(struct out *o, const cJSON *d)
{
	const cJSON *x;
	char a[16], b[16], line[512];

	emit(o, "\n### Layers of new\n\n| # | status | change | class | pulled "
	    "| size | created by |\n|---:|---|---|---|---:|---:|---|\n");
	cJSON_ArrayForEach(x, obj(obj(d, "layers"), "new_layers")) {
		emit(o, "| %lld | %s | %s | %s | %s | %s | ",
		    (long long)num(x, "index"), str(x, "status") ?
		    str(x, "status") : "-", str(x, "change") ?
		    str(x, "change") : "-", str(x, "class") ? str(x, "class") :
		    "-", cJSON_IsTrue(obj(x, "pulled")) ?
		    hs(num(x, "compressed_bytes"), a) : "-",
		    hs(num(x, "bytes"), b));
		md_cut(o, step(str(x, "created_by"), line, sizeof(line)), 80);
		emit(o, " |\n");
	}
}

static void
md_rest(struct out *o, const cJSON *d)
{
	const cJSON *k = obj(d, "packages"), *c = obj(d, "candidates"), *x;
	static const char *const lists[] = { "added", "removed", "upgraded",
	    "downgraded" };
	char a[16];
	size_t i;
	int rows = 0;

	for (i = 0; i < 4; i++)
		rows += cJSON_GetArraySize(obj(k, lists[i]));
	if (rows > 0) {
		emit(o, "\n### Packages\n\n| change | package | version | size "
		    "|\n|---|---|---|---:|\n");
		for (i = 0; i < 4; i++) {
			int shown = 0;

			cJSON_ArrayForEach(x, obj(k, lists[i])) {
				if (shown++ == 30)
					break;
				emit(o, "| %s | ", lists[i]);
				md(o, str(x, "ecosystem"));
				emit(o, "\\:");
				md(o, str(x, "name"));
				emit(o, " | ");
				if (i < 2) {
					md(o, str(x, "version"));
					emit(o, " | %s |\n",
					    hs(num(x, "bytes"), a));
				} else {
					md(o, str(x, "old_version"));
					emit(o, " → ");
					md(o, str(x, "new_version"));
					emit(o, " | %s |\n", signed_size(num(x,
					    "delta_bytes"), a));
				}
			}
		}
	}
	if (cJSON_GetArraySize(obj(c, "appeared")) +
	    cJSON_GetArraySize(obj(c, "gone")) > 0) {
		emit(o, "\n### Removal candidates\n\n| | candidate | saves "
		    "|\n|---|---|---:|\n");
		cJSON_ArrayForEach(x, obj(c, "appeared")) {
			emit(o, "| appeared | ");
			md(o, str(x, "title"));
			emit(o, " | %s |\n", hs(num(x, "bytes_saved"), a));
		}
		cJSON_ArrayForEach(x, obj(c, "gone")) {
			emit(o, "| gone | ");
			md(o, str(x, "title"));
			emit(o, " | %s |\n", hs(num(x, "bytes_saved"), a));
		}
	}
	if (cJSON_GetArraySize(obj(d, "findings")) > 0) {
		emit(o, "\n### Advice\n\n");
		cJSON_ArrayForEach(x, obj(d, "findings")) {
			emit(o, "- **");
			md(o, str(x, "title"));
			emit(o, "** (%s): ", str(x, "status") ?
			    str(x, "status") : "-");
			md(o, str(x, "detail"));
			emit(o, "\n");
		}
	}
}

int
diff_write_md(const cJSON *d, FILE *f)
{
	struct out o = { f, 100, 0 };

	md_head(&o, d);
	md_layers(&o, d);
	md_rest(&o, d);
	return o.failed || ferror(f) ? -1 : 0;
}

/* ---- HTML -------------------------------------------------------------- */

/*
 * One self-contained page without a script: the same sections as the
 * Markdown, a stylesheet in the page allowed by its SHA-256 alone
 * (Content-Security-Policy: default-src 'none'), every string from the
 * image HTML-escaped and its control characters shown as \xNN.
 */
static const char diff_css[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}"
    "table{border-collapse:collapse;margin:.5em 0 1.5em}"
    "td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}"
    "code{font-size:13px}.added{background:#eaffea}"
    ".removed{background:#ffecec}";

static void
h(struct out *o, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "-");

	for (; *p != '\0'; p++) {
		if (*p == '&')
			emit(o, "&amp;");
		else if (*p == '<')
			emit(o, "&lt;");
		else if (*p == '>')
			emit(o, "&gt;");
		else if (*p == '"')
			emit(o, "&quot;");
		else if (*p == '\'')
			emit(o, "&#39;");
		else if (*p < 0x20 || *p == 0x7f)
			emit(o, "\\x%02x", *p);
		else if (fputc(*p, o->f) == EOF)
			o->failed = 1;
	}
}

/* "sha256-BASE64" of the stylesheet, for the policy; -1 on failure. */
static int
css_hash(char *out, size_t n)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (n < 7 + 45 || EVP_Digest(diff_css, sizeof(diff_css) - 1, md,
	    &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
		return -1;
	memcpy(out, "sha256-", 7);
	EVP_EncodeBlock((unsigned char *)out + 7, md, (int)mdlen);
	return 0;
}

static void
html_row(struct out *o, const char *label, int64_t a, int64_t b)
{
	char x[16], y[16], z[20];

	emit(o, "<tr><th>%s</th><td class=n>%s</td><td class=n>%s</td>"
	    "<td class=n>%s</td></tr>\n", label, hs(a, x), hs(b, y),
	    signed_size(b - a, z));
}

static void
html_files(struct out *o, const cJSON *f, const char *key, const char *cls,
    const char *sign)
{
	const cJSON *x;
	char a[16], b[16];

	cJSON_ArrayForEach(x, obj(f, key)) {
		emit(o, "<tr class=%s><td>%s</td><td class=n>", cls, sign);
		if (strcmp(key, "top_changed") == 0)
			emit(o, "%s &rarr; %s", hs(num(x, "old_bytes"), a),
			    hs(num(x, "new_bytes"), b));
		else
			emit(o, "%s", hs(num(x, "bytes"), a));
		emit(o, "</td><td><code>");
		h(o, str(x, "path"));
		emit(o, "</code></td></tr>\n");
	}
}

int
diff_write_html(const cJSON *d, FILE *f)
{
	struct out o = { f, 100, 0 };
	const cJSON *od = obj(d, "old"), *nd = obj(d, "new"), *p, *x, *k;
	static const char *const lists[] = { "added", "removed", "upgraded",
	    "downgraded" };
	char hash[64], a[16], b[20], line[512];
	size_t i;

	if (css_hash(hash, sizeof(hash)) != 0) {
		errno = EINVAL;
		return -1;
	}
	emit(&o, "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>\n"
	    "<meta http-equiv=\"Content-Security-Policy\" "
	    "content=\"default-src 'none'; style-src '%s'\">\n<title>imgaudit diff</title>\n"
	    "<style>%s</style></head><body>\n<h1>imgaudit diff</h1>\n<p>old "
	    "<code>", hash, diff_css);
	h(&o, str(od, "ref"));
	emit(&o, "</code> &rarr; new <code>");
	h(&o, str(nd, "ref"));
	emit(&o, "</code></p>\n<table><tr><th></th><th>old</th><th>new</th>"
	    "<th>change</th></tr>\n");
	html_row(&o, "compressed (to pull)", num(od, "compressed_bytes"),
	    num(nd, "compressed_bytes"));
	html_row(&o, "final tree", num(od, "final_bytes"), num(nd,
	    "final_bytes"));
	html_row(&o, "wasted", num(od, "wasted_bytes"), num(nd,
	    "wasted_bytes"));
	html_row(&o, "removable", num(od, "removable_bytes"), num(nd,
	    "removable_bytes"));
	p = obj(d, "pull");
	x = obj(d, "layers");
	emit(&o, "</table>\n<p>A node holding old re-pulls <b>%s</b> in %lld "
	    "layer(s) (%lld shared, %lld added, %lld removed). At %.0f "
	    "Mbit/s: %.1f s cold, %.1f s with old's layers cached.</p>\n",
	    hs(num(p, "repulled_bytes"), a), (long long)num(p,
	    "repulled_layers"), (long long)num(x, "shared"),
	    (long long)num(x, "added"), (long long)num(x, "removed"),
	    dnum(p, "bandwidth_bits_per_second") / 1e6, dnum(p,
	    "cold_seconds"), dnum(p, "warm_seconds"));

	emit(&o, "<h2>Layers of new</h2>\n<table><tr><th>#</th><th>status</th>"
	    "<th>change</th><th>class</th><th>pulled</th><th>size</th>"
	    "<th>created by</th></tr>\n");
	cJSON_ArrayForEach(k, obj(x, "new_layers")) {
		emit(&o, "<tr class=%s><td class=n>%lld</td><td>",
		    cJSON_IsTrue(obj(k, "pulled")) ? "added" : "shared",
		    (long long)num(k, "index"));
		h(&o, str(k, "status"));
		emit(&o, "</td><td>");
		h(&o, str(k, "change"));
		emit(&o, "</td><td>");
		h(&o, str(k, "class"));
		emit(&o, "</td><td class=n>%s</td><td class=n>%s</td>"
		    "<td><code>",
		    cJSON_IsTrue(obj(k, "pulled")) ?
		    hs(num(k, "compressed_bytes"), a) : "-",
		    hs(num(k, "bytes"), b));
		h(&o, step(str(k, "created_by"), line, sizeof(line)));
		emit(&o, "</code></td></tr>\n");
	}
	x = obj(d, "files");
	emit(&o, "</table>\n<h2>Files</h2>\n<p>%lld added, %lld removed, %lld "
	    "changed.</p>\n<table>\n", (long long)num(x, "added"),
	    (long long)num(x, "removed"), (long long)num(x, "changed"));
	html_files(&o, x, "top_added", "added", "+");
	html_files(&o, x, "top_removed", "removed", "-");
	html_files(&o, x, "top_changed", "changed", "~");
	emit(&o, "</table>\n<h2>Packages</h2>\n<table>\n");
	for (i = 0; i < 4; i++)
		cJSON_ArrayForEach(k, obj(obj(d, "packages"), lists[i])) {
			emit(&o, "<tr><td>%s</td><td>", lists[i]);
			h(&o, str(k, "ecosystem"));
			emit(&o, ":");
			h(&o, str(k, "name"));
			emit(&o, "</td><td>");
			if (i < 2) {
				h(&o, str(k, "version"));
				emit(&o, "</td><td class=n>%s",
				    hs(num(k, "bytes"), a));
			} else {
				h(&o, str(k, "old_version"));
				emit(&o, " &rarr; ");
				h(&o, str(k, "new_version"));
				emit(&o, "</td><td class=n>%s",
				    signed_size(num(k, "delta_bytes"), b));
			}
			emit(&o, "</td></tr>\n");
		}
	emit(&o, "</table>\n<h2>Removal candidates</h2>\n<table>\n");
	for (i = 0; i < 2; i++)
		cJSON_ArrayForEach(k, obj(obj(d, "candidates"), i ? "gone" :
		    "appeared")) {
			emit(&o, "<tr><td>%s</td><td>", i ? "gone" :
			    "appeared");
			h(&o, str(k, "title"));
			emit(&o, "</td><td class=n>%s</td></tr>\n",
			    hs(num(k, "bytes_saved"), a));
		}
	emit(&o, "</table>\n<h2>Advice</h2>\n<ul>\n");
	cJSON_ArrayForEach(k, obj(d, "findings")) {
		emit(&o, "<li><b>");
		h(&o, str(k, "title"));
		emit(&o, "</b> (");
		h(&o, str(k, "status"));
		emit(&o, "): ");
		h(&o, str(k, "detail"));
		emit(&o, "</li>\n");
	}
	emit(&o, "</ul>\n</body></html>\n");
	return o.failed || ferror(f) ? -1 : 0;
}
