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

static void wrapped(struct out *o, const char *s, size_t indent,
    int max_lines);
static void wrapped_at(struct out *o, const char *s, size_t indent);

/* "by purpose  runtime 10.8MB, training-only 1.76MB, ...", largest first. */
static void
by_purpose(struct out *o, const cJSON *r)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(r, "purposes");
	const cJSON *v[16], *it;
	char line[512], a[32];
	size_t n = 0, i, k, len = 0;

	cJSON_ArrayForEach(it, arr) {
		if (n == sizeof(v) / sizeof(v[0]))
			break;
		v[n++] = it;
	}
	for (i = 1; i < n; i++)
		for (k = i; k > 0 && num(v[k], "bytes") >
		    num(v[k - 1], "bytes"); k--) {
			const cJSON *t = v[k];

			v[k] = v[k - 1];
			v[k - 1] = t;
		}
	line[0] = '\0';
	for (i = 0; i < n && len < sizeof(line) - 64; i++) {
		const char *p = str(v[i], "purpose");

		len += (size_t)snprintf(line + len, sizeof(line) - len,
		    "%s%s %s", i ? ", " : "", p ? p : "?", report_human_size(
		    (int64_t)num(v[i], "bytes"), a, sizeof(a)));
	}
	if (n > 0) {
		emit(o, "  by purpose  ");
		wrapped_at(o, line, 14);
	}
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
	emit(o, "  size        %s in %d layer%s; %s to pull (compressed)",
	    report_human_size((int64_t)layer_bytes, a, sizeof(a)),
	    (int)num(t, "layers"), (int)num(t, "layers") == 1 ? "" : "s",
	    report_human_size((int64_t)num(t, "compressed_bytes"), b,
	    sizeof(b)));
	if (str(t, "bandwidth") != NULL)
		emit(o, ", %.1f s at %s", num(t, "pull_seconds"),
		    safe(str(t, "bandwidth"), 20, c, sizeof(c)));
	emit(o, "\n");
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
	by_purpose(o, r);
	emit(o, "  removable   %s (%.1f%% of the image) by the high- and "
	    "medium-confidence candidates\n", report_human_size((int64_t)
	    num(t, "removable_bytes"), a, sizeof(a)), layer_bytes > 0 ?
	    100.0 * num(t, "removable_bytes") / layer_bytes : 0.0);
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

/* "1.2GB (45.6%)" of a total. */
static const char *
share(double part, double whole, char *buf, size_t n)
{
	char a[32];

	snprintf(buf, n, "%s (%.1f%%)", report_human_size((int64_t)part, a,
	    sizeof(a)), whole > 0 ? 100.0 * part / whole : 0.0);
	return buf;
}

#define PKG_ROWS	10	/* packages shown per ecosystem */

static const char *const ecosystems[] = { "dpkg", "pip", "conda", "apk",
    "npm" };

static void
packages(struct out *o, const cJSON *r)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(r, "packages"), *p;
	const cJSON *at = cJSON_GetObjectItemCaseSensitive(r, "attribution");
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(r, "totals");
	double final = num(t, "final_bytes");
	char a[32], b[32], c[48], name[128];
	int w = o->opt->width;
	size_t e;

	if (cJSON_GetArraySize(arr) == 0)
		return;
	heading(o, "PACKAGES (largest first; FREES = what uninstalling it "
	    "and what only it needs frees)");
	emit(o, "  owned by packages %s; not owned by any %s\n",
	    share(num(at, "owned_bytes"), final, b, sizeof(b)),
	    share(num(at, "unowned_bytes"), final, c, sizeof(c)));
	for (e = 0; e < sizeof(ecosystems) / sizeof(ecosystems[0]); e++) {
		int count = 0, shown = 0;
		double bytes = 0;

		cJSON_ArrayForEach(p, arr)
			if (strcmp(str(p, "ecosystem"), ecosystems[e]) == 0) {
				count++;
				bytes += num(p, "bytes");
			}
		if (count == 0)
			continue;
		emit(o, "  %s: %d package%s, %s\n", ecosystems[e], count,
		    count == 1 ? "" : "s", share(bytes, final, c, sizeof(c)));
		emit(o, "    %8s %7s %8s  %s\n", "SIZE", "FILES", "FREES",
		    "PACKAGE");
		cJSON_ArrayForEach(p, arr) {
			const cJSON *cb = cJSON_GetObjectItemCaseSensitive(p,
			    "closure_bytes");
			char line[256];

			if (strcmp(str(p, "ecosystem"), ecosystems[e]) != 0)
				continue;
			if (shown++ == PKG_ROWS) {
				emit(o, "    ... %d more (--format json)\n",
				    count - PKG_ROWS);
				break;
			}
			snprintf(line, sizeof(line), "%s %s", str(p, "name"),
			    str(p, "version") ? str(p, "version") : "");
			emit(o, "    %8s %7s %8s  %s\n",
			    report_human_size((int64_t)num(p, "bytes"), a,
			    sizeof(a)), grouped((int64_t)num(p, "files"), b,
			    sizeof(b)), cJSON_IsNumber(cb) ?
			    report_human_size((int64_t)cb->valuedouble, c,
			    sizeof(c)) : "-", safe(line, (size_t)(w - 33),
			    name, sizeof(name)));
		}
	}
}

static void
unowned(struct out *o, const cJSON *r)
{
	const cJSON *at = cJSON_GetObjectItemCaseSensitive(r, "attribution");
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(at,
	    "unowned_dirs"), *d;
	char a[32], b[32], path[512];
	int w = o->opt->width;

	if (cJSON_GetArraySize(arr) == 0)
		return;
	heading(o, "NOT OWNED BY ANY PACKAGE (by directory)");
	emit(o, "  %8s %7s  %s\n", "SIZE", "FILES", "DIRECTORY");
	cJSON_ArrayForEach(d, arr)
		emit(o, "  %8s %7s  %s\n", report_human_size((int64_t)num(d,
		    "bytes"), a, sizeof(a)), grouped((int64_t)num(d, "files"), b,
		    sizeof(b)), safe(str(d, "path"), (size_t)(w - 21), path,
		    sizeof(path)));
}

/*
 * s at column indent, wrapped at spaces to the width, at most max_lines
 * lines (the last one cut with "...").
 */
static void
wrapped(struct out *o, const char *s, size_t indent, int max_lines)
{
	char buf[2048];
	size_t w = (size_t)o->opt->width - indent, len, at = 0;
	int lines = 0;

	safe(s, sizeof(buf) - 1, buf, sizeof(buf));
	len = strlen(buf);
	while (at < len && lines < max_lines) {
		size_t n = len - at, cut;

		if (n > w) {
			cut = w;
			while (cut > w / 2 && buf[at + cut] != ' ')
				cut--;
			if (buf[at + cut] != ' ')
				cut = w;
			n = cut;
		}
		if (++lines == max_lines && at + n < len)
			emit(o, "%*s%.*s...\n", (int)indent, "", (int)(n > 3 ?
			    n - 3 : n), buf + at);
		else
			emit(o, "%*s%.*s\n", (int)indent, "", (int)n,
			    buf + at);
		at += n;
		while (at < len && buf[at] == ' ')
			at++;
	}
}

/* Like wrapped(), for text that starts where the cursor already is. */
static void
wrapped_at(struct out *o, const char *s, size_t indent)
{
	size_t w = (size_t)o->opt->width - indent, len = strlen(s), cut;

	if (len <= w) {
		emit(o, "%s\n", s);
		return;
	}
	cut = w;
	while (cut > w / 2 && s[cut] != ' ')
		cut--;
	emit(o, "%.*s\n", (int)cut, s);
	wrapped(o, s + cut + (s[cut] == ' '), indent, 3);
}

static void
binaries(struct out *o, const cJSON *r)
{
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(r, "binaries");
	const cJSON *archs = cJSON_GetObjectItemCaseSensitive(b,
	    "gpu_architectures"), *x, *m;
	const cJSON *miss = cJSON_GetObjectItemCaseSensitive(b,
	    "missing_libraries");
	const cJSON *other = cJSON_GetObjectItemCaseSensitive(b,
	    "other_arch_bytes");
	char a[32], c[32], d[32], line[512], out[512];
	int w = o->opt->width;

	if (num(b, "elf_files") == 0)
		return;
	heading(o, "BINARIES (ELF files, read as they streamed)");
	emit(o, "  %s ELF files, %s", grouped((int64_t)num(b, "elf_files"), a,
	    sizeof(a)), report_human_size((int64_t)num(b, "elf_bytes"), c,
	    sizeof(c)));
	if (num(b, "unstripped_files") > 0)
		emit(o, "; %d with debug info: strip --strip-debug would save "
		    "%s", (int)num(b, "unstripped_files"), report_human_size(
		    (int64_t)num(b, "debug_bytes"), d, sizeof(d)));
	emit(o, "\n");
	if (num(b, "unreferenced_count") > 0)
		emit(o, "  %d shared librar%s (%s) that nothing links to (may "
		    "still be loaded with dlopen)\n",
		    (int)num(b, "unreferenced_count"),
		    num(b, "unreferenced_count") == 1 ? "y" : "ies",
		    report_human_size((int64_t)num(b, "unreferenced_bytes"), a,
		    sizeof(a)));
	cJSON_ArrayForEach(m, miss) {
		snprintf(line, sizeof(line), "missing: %s, needed by %s",
		    str(m, "soname"), str(m, "needed_by"));
		emit(o, "  %s\n", safe(line, (size_t)(w - 2), out,
		    sizeof(out)));
	}
	if (cJSON_GetArraySize(archs) == 0)
		return;
	emit(o, "  CUDA GPU code %s, by architecture%s:\n",
	    report_human_size((int64_t)num(b, "gpu_code_bytes"), a, sizeof(a)),
	    cJSON_IsNumber(other) ? " (* = not in --target-arch)" : "");
	emit(o, "    %-7s %8s %8s %9s\n", "ARCH", "SASS", "PTX", "LIBRARIES");
	cJSON_ArrayForEach(x, archs) {
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(b,
		    "target_arch"), *y;
		int mine = !cJSON_IsArray(t);

		cJSON_ArrayForEach(y, t)
			if (cJSON_IsString(y) && str(x, "arch") != NULL &&
			    strcmp(y->valuestring, str(x, "arch")) == 0)
				mine = 1;
		emit(o, "  %s %-7s %8s %8s %9d\n", mine ? " " : "*",
		    str(x, "arch"), report_human_size((int64_t)num(x,
		    "sass_bytes"), a, sizeof(a)), report_human_size((int64_t)
		    (num(x, "ptx_bytes") + num(x, "ir_bytes")), c, sizeof(c)),
		    (int)num(x, "libraries"));
	}
	if (cJSON_IsNumber(other))
		emit(o, "  %s of it is for GPUs other than --target-arch\n",
		    report_human_size((int64_t)other->valuedouble, a,
		    sizeof(a)));
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
		emit(o, "  %-20s %s\n", safe(str(f, "kind"), 20, kind,
		    sizeof(kind)), safe(str(f, "title"), (size_t)(w - 23), line,
		    sizeof(line)));
		wrapped(o, str(f, "detail"), 23, 4);
	}
	if (omitted > 0)
		emit(o, "  ... and %d more (see --format json)\n", omitted);
}

/*
 * The ranked candidates: rank, bytes saved, share of the image, confidence
 * and title on one line; the fix and the command below it.
 */
static void
candidates(struct out *o, const cJSON *r)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(r, "candidates"), *c;
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(r, "totals");
	double image = num(t, "layer_bytes");
	size_t top = o->opt->top ? o->opt->top : 10, shown = 0;
	int total = cJSON_GetArraySize(arr), w = o->opt->width;
	char a[32], title[256], buf[1024];

	if (total == 0)
		return;
	heading(o, "REMOVAL CANDIDATES (by bytes saved, low confidence last; "
	    "each saves what its own fix frees)");
	emit(o, "    #    SAVES  SHARE  CONF    WHAT\n");
	cJSON_ArrayForEach(c, arr) {
		const char *fix = str(c, "fix"), *cmd = str(c, "command");
		double bytes = num(c, "bytes_saved");

		if (shown++ == top)
			break;
		emit(o, "  %3d %8s %5.1f%%  %-6s  %s\n", (int)num(c, "rank"),
		    report_human_size((int64_t)bytes, a, sizeof(a)),
		    image > 0 ? 100.0 * bytes / image : 0.0,
		    str(c, "confidence") ? str(c, "confidence") : "?",
		    safe(str(c, "title"), (size_t)w - 31, title,
		    sizeof(title)));
		if (fix != NULL) {
			snprintf(buf, sizeof(buf), "fix: %s", fix);
			wrapped(o, buf, 8, 2);
		}
		if (cmd != NULL) {
			snprintf(buf, sizeof(buf), "run: %s", cmd);
			wrapped(o, buf, 8, 2);
		}
	}
	if (total > (int)top)
		emit(o, "  ... %d more (--top N, or --format json)\n",
		    total - (int)top);
}

int
report_write_text(const cJSON *report, FILE *f, const struct text_options *opt)
{
	struct out o = { f, opt, 0 };

	summary(&o, report);
	candidates(&o, report);
	layers(&o, report);
	packages(&o, report);
	unowned(&o, report);
	binaries(&o, report);
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

/* "label  a, b, c" wrapped at the width, continuation lines indented. */
static void
name_list(struct out *o, const char *label, const cJSON *arr,
    const char *none)
{
	const cJSON *v;
	size_t col, w = (size_t)o->opt->width, indent = 14;
	char name[256];
	int first = 1;

	emit(o, "  %-11s ", label);
	col = indent;
	if (cJSON_GetArraySize(arr) == 0) {
		emit(o, "%s\n", none);
		return;
	}
	cJSON_ArrayForEach(v, arr) {
		size_t len;

		safe(cJSON_IsString(v) ? v->valuestring : "?", w - indent - 2,
		    name, sizeof(name));
		len = strlen(name) + (first ? 0 : 2);
		if (!first && col + len > w) {
			emit(o, ",\n%*s", (int)indent, "");
			col = indent;
			len -= 2;
		} else if (!first)
			emit(o, ", ");
		emit(o, "%s", name);
		col += len;
		first = 0;
	}
	emit(o, "\n");
}

/* "who" of a held package: "python3-scipy, g++" (clipped). */
static const char *
joined(const cJSON *arr, char *buf, size_t n)
{
	const cJSON *x;
	char nm[128];
	size_t len = 0;

	buf[0] = '\0';
	cJSON_ArrayForEach(x, arr) {
		int k = snprintf(buf + len, n - len, "%s%s", len ? ", " : "",
		    safe(cJSON_IsString(x) ? x->valuestring : "?", 60, nm,
		    sizeof(nm)));

		if (k < 0 || (size_t)k >= n - len)
			break;
		len += (size_t)k;
	}
	return buf;
}

/*
 * A shell command under a label, never cut: a long one is broken between
 * words with " \\" so that it can still be pasted as it is.
 */
static void
command(struct out *o, const char *label, const char *cmd)
{
	char buf[4096];
	size_t w = (size_t)o->opt->width - 14 - 2, len, at = 0;

	safe(cmd, sizeof(buf) - 1, buf, sizeof(buf));
	len = strlen(buf);
	while (at < len) {
		size_t n = len - at;

		if (n > w) {
			n = w;
			while (n > 0 && buf[at + n] != ' ')
				n--;
			if (n == 0)
				n = w;
		}
		emit(o, "  %-11s %.*s%s\n", at == 0 ? label : "", (int)n,
		    buf + at, at + n < len ? " \\" : "");
		at += n;
		while (at < len && buf[at] == ' ')
			at++;
	}
}

static void
why_set(struct out *o, const cJSON *set, const char *title)
{
	const cJSON *held = cJSON_GetObjectItemCaseSensitive(set, "held"), *h;
	const cJSON *pk = cJSON_GetObjectItemCaseSensitive(set, "packages");
	char a[32], b[32], who[256], line[512], out[512];
	size_t w = (size_t)o->opt->width - 14;
	int n = cJSON_GetArraySize(pk);

	if (set == NULL)
		return;
	heading(o, title);
	emit(o, "  %-11s %s in %s files, %d package%s\n", "frees",
	    report_human_size((int64_t)num(set, "bytes"), a, sizeof(a)),
	    grouped((int64_t)num(set, "files"), b, sizeof(b)), n,
	    n == 1 ? "" : "s");
	name_list(o, "packages", pk, "-");
	cJSON_ArrayForEach(h, held) {
		const char *how = str(h, "how");

		joined(cJSON_GetObjectItemCaseSensitive(h, "held_by"), who,
		    sizeof(who));
		if (how != NULL && strcmp(how, "recommends") == 0)
			snprintf(line, sizeof(line), "%s (recommended by %s)",
			    str(h, "package"), who);
		else if (how != NULL && strcmp(how, "depends") == 0)
			snprintf(line, sizeof(line), "%s (needed by %s)",
			    str(h, "package"), who);
		else
			snprintf(line, sizeof(line), "%s (installed manually)",
			    str(h, "package"));
		emit(o, "  %-11s %s\n", h == held->child ? "apt keeps" : "",
		    safe(line, w, out, sizeof(out)));
	}
	if (str(set, "fix") != NULL)
		command(o, "fix", str(set, "fix"));
	else
		emit(o, "  %-11s %s\n", "fix", "(a package name here is not "
		    "safe in a shell command: remove them by hand)");
}

/* "purpose  training-only (knowledge base: pip tensorboard, high)". */
static void
why_rule(struct out *o, const cJSON *rule, const char *purpose)
{
	char buf[1024];

	if (!cJSON_IsObject(rule)) {
		emit(o, "  %-11s %s (%s)\n", "purpose", purpose ? purpose :
		    "runtime", purpose == NULL || strcmp(purpose, "runtime") ==
		    0 ? "no knowledge-base rule" : "no rule of its own: only "
		    "packages removable with it need it");
		return;
	}
	snprintf(buf, sizeof(buf), "%s (knowledge base: %s %s, %s confidence) "
	    "%s", purpose ? purpose : "?", str(rule, "ecosystem"),
	    str(rule, "pattern"), str(rule, "confidence"), str(rule, "reason"));
	emit(o, "  %-11s ", "purpose");
	wrapped_at(o, buf, 14);
}

int
report_write_why_text(const cJSON *why, FILE *f, const struct text_options *opt)
{
	struct out o = { f, opt, 0 };
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(why, "package");
	const cJSON *img = cJSON_GetObjectItemCaseSensitive(why, "image");
	const cJSON *rem = cJSON_GetObjectItemCaseSensitive(why, "removal");
	const cJSON *l, *ai;
	char a[32], b[32], c[32], line[512], out[512];
	size_t w = (size_t)opt->width;
	const char *eco = str(p, "ecosystem");

	snprintf(line, sizeof(line), "%s %s (%s)", str(p, "name"),
	    str(p, "version") ? str(p, "version") : "", eco ? eco : "?");
	emit(&o, "imgaudit why: %s\n", safe(line, w - 14, out, sizeof(out)));
	emit(&o, "  %-11s %s\n", "image", safe(str(img, "ref"), w - 14, out,
	    sizeof(out)));
	emit(&o, "  %-11s %s in %s files, %s symlinks", "size",
	    report_human_size((int64_t)num(p, "bytes"), a, sizeof(a)),
	    grouped((int64_t)num(p, "files"), b, sizeof(b)),
	    grouped((int64_t)num(p, "symlinks"), c, sizeof(c)));
	if (num(p, "bytecode_bytes") > 0)
		emit(&o, " (%s of it Python byte-code)",
		    report_human_size((int64_t)num(p, "bytecode_bytes"), a,
		    sizeof(a)));
	emit(&o, "\n");
	cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(p, "layers"))
		emit(&o, "  %-11s layer %d: %s\n", l == cJSON_GetObjectItem(p,
		    "layers")->child ? "layers" : "", (int)num(l, "index"),
		    report_human_size((int64_t)num(l, "bytes"), a, sizeof(a)));
	ai = cJSON_GetObjectItemCaseSensitive(p, "auto_installed");
	emit(&o, "  %-11s %s%s\n", "database", safe(str(p, "database"),
	    cJSON_IsBool(ai) ? w - 40 : w - 14, out, sizeof(out)), cJSON_IsBool(ai) ? (cJSON_IsTrue(ai) ?
	    "; installed automatically" : "; installed manually") : "");
	if (num(p, "missing_files") + num(p, "deleted_files") > 0)
		emit(&o, "  %-11s %d listed files absent (%d deleted by a later "
		    "layer)\n", "absent", (int)(num(p, "missing_files") +
		    num(p, "deleted_files")), (int)num(p, "deleted_files"));
	why_rule(&o, cJSON_GetObjectItemCaseSensitive(why, "rule"),
	    str(p, "purpose"));
	name_list(&o, "requires", cJSON_GetObjectItemCaseSensitive(p,
	    "requires"), "nothing");
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(p,
	    "unresolved")) > 0)
		name_list(&o, "unresolved", cJSON_GetObjectItemCaseSensitive(p,
		    "unresolved"), "");
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(p,
	    "recommends")) > 0)
		name_list(&o, "recommends", cJSON_GetObjectItemCaseSensitive(p,
		    "recommends"), "");
	name_list(&o, "required by", cJSON_GetObjectItemCaseSensitive(p,
	    "required_by"), "nothing installed requires it");

	if (str(rem, "blocked_by") != NULL) {
		heading(&o, "REMOVAL");
		emit(&o, "  not possible: it would take %s with it, which the "
		    "system needs (Essential or Priority: required)\n",
		    safe(str(rem, "blocked_by"), 60, out, sizeof(out)));
		return o.failed || ferror(f) ? -1 : 0;
	}
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rem,
	    "not_computed"))) {
		heading(&o, "REMOVAL");
		emit(&o, "  not computed: the dependency graph was cut at its "
		    "ceiling (see the report's findings, docs/limits.md)\n");
		return o.failed || ferror(f) ? -1 : 0;
	}
	why_set(&o, cJSON_GetObjectItemCaseSensitive(rem, "apt"),
	    "REMOVAL, as apt decides (purge, then autoremove)");
	if (num(rem, "orphans") > 0)
		emit(&o, "  %-11s autoremove would also take %d package(s), "
		    "%s, that nothing needs already; the fix names what it "
		    "removes instead\n", "note", (int)num(rem, "orphans"),
		    report_human_size((int64_t)num(rem, "orphan_bytes"), a,
		    sizeof(a)));
	why_set(&o, cJSON_GetObjectItemCaseSensitive(rem, "full"),
	    "REMOVAL, with what apt keeps named too");
	if (eco != NULL && strcmp(eco, "dpkg") != 0)
		why_set(&o, cJSON_GetObjectItemCaseSensitive(rem, eco),
		    "REMOVAL, with what only it needs");
	return o.failed || ferror(f) ? -1 : 0;
}
