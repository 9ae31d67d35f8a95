/* SPDX-License-Identifier: MIT */
/*
 * report_text.c: the first screen a person reads.  It answers, in order:
 * how big is the image, where do the bytes go (layers, largest files and
 * directories), what is wasted, and what looks hostile.  It reads only the
 * report model, fits the terminal width (100 columns unless told), uses one
 * unit system (decimal, as docker prints sizes) and escapes every control
 * character that an image's strings may carry (as bsdtar's safe_fprintf).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

struct out {
	FILE *f;
	const struct text_options *opt;
	int failed;
};

const char *
report_human_size(int64_t bytes, char *buf, size_t n)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB",
	    "PB", "EB" };
	double v = (double)bytes;
	size_t u = 0;

	if (bytes < 1000) {
		snprintf(buf, n, "%lldB", (long long)bytes);
		return buf;
	}
	while (v >= 1000.0 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1000.0;
		u++;
	}
	/* Three significant digits; 999.6kB rounds up to 1MB, not "1e+03kB". */
	if (v >= 999.5 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1000.0;
		u++;
	}
	/* "%.3g", as docker's go-units: 6.5kB, 1MB, 18.6MB. */
	snprintf(buf, n, "%.3g%s", v, units[u]);
	return buf;
}

static void
emit(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
emit(struct out *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vfprintf(o->f, fmt, ap) < 0)
		o->failed = 1;
	va_end(ap);
}

/*
 * Copy s into buf for display: control characters become "\xNN" or "?",
 * and a string wider than width keeps its head and tail around "...".
 * Widths are counted in bytes, which is exact for the ASCII most paths use.
 */
static const char *
safe(const char *s, size_t width, char *buf, size_t n)
{
	char tmp[2048];
	size_t len = 0;
	const unsigned char *p = (const unsigned char *)(s ? s : "-");

	for (; *p != '\0' && len + 5 < sizeof(tmp); p++) {
		if (*p < 0x20 || *p == 0x7f) {
			if (*p == '\t' || *p == '\n') {
				tmp[len++] = ' ';
			} else {
				snprintf(tmp + len, 5, "\\x%02x", *p);
				len += 4;
			}
		} else {
			tmp[len++] = (char)*p;
		}
	}
	tmp[len] = '\0';
	if (width >= n)
		width = n - 1;
	if (len <= width || width < 8) {
		snprintf(buf, n, "%.*s", (int)(width < len ? width : len), tmp);
	} else {
		size_t head = (width - 3) / 2, tail = width - 3 - head;

		/* Do not split a UTF-8 sequence at either cut. */
		while (head > 0 && ((unsigned char)tmp[head] & 0xc0) == 0x80)
			head--;
		while (tail > 0 &&
		    ((unsigned char)tmp[len - tail] & 0xc0) == 0x80)
			tail--;
		snprintf(buf, n, "%.*s...%s", (int)head, tmp, tmp + len - tail);
	}
	return buf;
}

static double
num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static const char *
str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void
heading(struct out *o, const char *title)
{
	if (o->opt->color)
		emit(o, "\n\033[1m%s\033[0m\n", title);
	else
		emit(o, "\n%s\n", title);
}

/* "1,234,567" */
static const char *
grouped(int64_t v, char *buf, size_t n)
{
	char raw[32];
	size_t len, i, j = 0;

	snprintf(raw, sizeof(raw), "%lld", (long long)v);
	len = strlen(raw);
	for (i = 0; i < len && j + 2 < n; i++) {
		if (i > 0 && raw[i - 1] != '-' && (len - i) % 3 == 0)
			buf[j++] = ',';
		buf[j++] = raw[i];
	}
	buf[j] = '\0';
	return buf;
}

static void
summary(struct out *o, const cJSON *r)
{
	const cJSON *img = cJSON_GetObjectItemCaseSensitive(r, "image");
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(r, "totals");
	char a[32], b[32], c[32], d[32], line[256];
	int w = o->opt->width;
	const char *digest = str(img, "digest");
	double layer_bytes = num(t, "layer_bytes");
	double wasted = num(t, "wasted_bytes");

	emit(o, "imgaudit: %s\n", safe(str(img, "ref"), (size_t)w - 10, line,
	    sizeof(line)));
	emit(o, "  image       %.19s  %s  created %s\n",
	    digest ? digest : "(no digest)",
	    safe(str(img, "platform"), 24, a, sizeof(a)),
	    safe(str(img, "created"), 30, b, sizeof(b)));
	emit(o, "  size        %s in %d layer%s; %s to pull (compressed)\n",
	    report_human_size((int64_t)layer_bytes, a, sizeof(a)),
	    (int)num(t, "layers"), (int)num(t, "layers") == 1 ? "" : "s",
	    report_human_size((int64_t)num(t, "compressed_bytes"), b,
	    sizeof(b)));
	emit(o, "  final tree  %s in %s files, %s entries\n",
	    report_human_size((int64_t)num(t, "final_bytes"), a, sizeof(a)),
	    grouped((int64_t)num(t, "final_files"), b, sizeof(b)),
	    grouped((int64_t)num(t, "final_entries"), c, sizeof(c)));
	emit(o, "  wasted      %s (%.1f%%): pulled, but overwritten or deleted by "
	    "a later layer\n", report_human_size((int64_t)wasted, a, sizeof(a)),
	    layer_bytes > 0 ? 100.0 * wasted / layer_bytes : 0.0);
	emit(o, "  efficiency  %.1f%% of the pulled file bytes are visible in the "
	    "final tree\n", 100.0 * num(t, "efficiency"));
	emit(o, "  dive        efficiency %.1f%%, wasted %s, user wasted %.1f%% "
	    "(as dive computes them)\n", 100.0 * num(t, "dive_efficiency"),
	    report_human_size((int64_t)num(t, "dive_wasted_bytes"), d,
	    sizeof(d)), 100.0 * num(t, "dive_user_wasted_percent"));
	emit(o, "  (sizes are decimal, as docker prints them: 1 MB = 1,000,000 "
	    "bytes)\n");
}

/*
 * A history step as a Dockerfile line: "/bin/sh -c #(nop) COPY x" is
 * "COPY x", "/bin/sh -c apt-get ..." is "RUN apt-get ...", and BuildKit's
 * " # buildkit" tail goes.  The JSON keeps created_by exactly as written.
 */
static const char *
step(const char *by, char *buf, size_t n)
{
	static const char nop[] = "/bin/sh -c #(nop) ";
	static const char sh[] = "/bin/sh -c ";
	static const char bk[] = " # buildkit";
	size_t len;

	if (by == NULL)
		return "(no history)";
	if (strncmp(by, nop, sizeof(nop) - 1) == 0) {
		by += sizeof(nop) - 1;
		while (*by == ' ')
			by++;
		snprintf(buf, n, "%s", by);
	} else if (strncmp(by, sh, sizeof(sh) - 1) == 0) {
		snprintf(buf, n, "RUN %s", by + sizeof(sh) - 1);
	} else {
		snprintf(buf, n, "%s", by);
	}
	len = strlen(buf);
	if (len >= sizeof(bk) - 1 && strcmp(buf + len - sizeof(bk) + 1, bk) == 0)
		len -= sizeof(bk) - 1;
	while (len > 0 && buf[len - 1] == ' ')
		len--;
	buf[len] = '\0';
	return buf;
}

/* Like safe(), but a long string keeps its head (commands read left first). */
static const char *
safe_head(const char *s, size_t width, char *buf, size_t n)
{
	char full[2048];

	safe(s, sizeof(full) - 1, full, sizeof(full));
	if (width >= n)
		width = n - 1;
	if (strlen(full) <= width || width < 8) {
		snprintf(buf, n, "%.*s", (int)width, full);
	} else {
		size_t cut = width - 3;

		while (cut > 0 && ((unsigned char)full[cut] & 0xc0) == 0x80)
			cut--;
		snprintf(buf, n, "%.*s...", (int)cut, full);
	}
	return buf;
}

static void
layers(struct out *o, const cJSON *r)
{
	const cJSON *l;
	int w = o->opt->width;
	char a[32], b[32], c[32], d[32], cmd[512], line[1024];

	heading(o, "LAYERS");
	emit(o, "  %3s %8s %8s %8s %8s  %s\n", "#", "SIZE", "PULLED", "FILES",
	    "WASTED", "CREATED BY");
	cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(r, "layers")) {
		const char *by = str(l, "created_by");

		emit(o, "  %3d %8s %8s %8s %8s  %s\n", (int)num(l, "index"),
		    report_human_size((int64_t)num(l, "bytes"), a, sizeof(a)),
		    report_human_size((int64_t)num(l, "compressed_bytes"), b,
		    sizeof(b)), grouped((int64_t)num(l, "files"), c, sizeof(c)),
		    report_human_size((int64_t)num(l, "wasted_bytes"), d,
		    sizeof(d)), safe_head(step(by, line, sizeof(line)),
		    (size_t)(w - 44), cmd, sizeof(cmd)));
	}
}

static void
file_list(struct out *o, const cJSON *r, const char *key, const char *title,
    int with_layer)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(r, key), *f;
	char a[32], path[512];
	int w = o->opt->width;

	if (cJSON_GetArraySize(arr) == 0)
		return;
	heading(o, title);
	if (with_layer)
		emit(o, "  %8s %5s  %s\n", "SIZE", "LAYER", "PATH");
	else
		emit(o, "  %8s  %s\n", "SIZE", "PATH");
	cJSON_ArrayForEach(f, arr) {
		if (with_layer)
			emit(o, "  %8s %5d  %s\n", report_human_size((int64_t)
			    num(f, "bytes"), a, sizeof(a)), (int)num(f, "layer"),
			    safe(str(f, "path"), (size_t)(w - 19), path,
			    sizeof(path)));
		else
			emit(o, "  %8s  %s\n", report_human_size((int64_t)
			    num(f, "bytes"), a, sizeof(a)), safe(str(f, "path"),
			    (size_t)(w - 13), path, sizeof(path)));
	}
}

static void
findings(struct out *o, const cJSON *r)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(r, "findings"), *f;
	int w = o->opt->width, omitted = (int)num(r, "findings_omitted");
	char kind[64], line[512];

	if (cJSON_GetArraySize(arr) == 0)
		return;
	heading(o, "FINDINGS");
	cJSON_ArrayForEach(f, arr) {
		emit(o, "  %-16s %s\n", safe(str(f, "kind"), 16, kind,
		    sizeof(kind)), safe(str(f, "title"), (size_t)(w - 19), line,
		    sizeof(line)));
		emit(o, "  %-16s %s\n", "", safe(str(f, "detail"),
		    (size_t)(w - 19), line, sizeof(line)));
	}
	if (omitted > 0)
		emit(o, "  ... and %d more (see --format json)\n", omitted);
}

int
report_write_text(const cJSON *report, FILE *f, const struct text_options *opt)
{
	struct out o = { f, opt, 0 };

	summary(&o, report);
	layers(&o, report);
	file_list(&o, report, "largest_files", "LARGEST FILES (final tree)", 1);
	file_list(&o, report, "largest_dirs", "LARGEST DIRECTORIES (final "
	    "tree, up to 3 levels)", 0);
	file_list(&o, report, "wasted_files", "WASTED FILES (pulled, but "
	    "hidden by a later layer)", 1);
	findings(&o, report);
	emit(&o, "\nEvery figure, with the files behind it: --format json "
	    "(docs/report-schema.md).\n");
	return o.failed || ferror(f) ? -1 : 0;
}
