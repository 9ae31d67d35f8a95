/* SPDX-License-Identifier: MIT */
/*
 * test_scan_html.c: the scan pages.  Hostile strings in every place a
 * scan row or a stored report can carry one come out escaped, a digest
 * that is not one names no file, the Content-Security-Policy's hash is the
 * stylesheet's, the index has a chart per repository and the figures of
 * the last two scans, and a directory that cannot be made is an input
 * error that names it.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "scan_html.h"
#include "store.h"

struct fx {
	char dir[64];
};

static int
setup(void **state)
{
	struct fx *fx = xcalloc(1, sizeof(*fx));

	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_scan_html.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	assert_int_equal(system(cmd), 0);
	free(fx);
	return 0;
}

static char *
path_in(struct fx *fx, const char *name)
{
	size_t n = strlen(fx->dir) + strlen(name) + 2;
	char *p = xmalloc(n);

	snprintf(p, n, "%s/%s", fx->dir, name);
	return p;
}

static struct store *
open_ok(const char *path)
{
	struct store *s = NULL;
	struct ia_error err = { 0 };

	if (store_open(path, &s, &err) != IA_OK)
		fail_msg("store_open: %s", err.msg);
	return s;
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long n;

	if (f == NULL)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	p = xmalloc((size_t)n + 1);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	p[n] = '\0';
	fclose(f);
	return p;
}

/* Append name (after a space when sep) at out; the bytes written. */
static int
join_name(char *out, const char *name, int sep)
{
	size_t n = strlen(name);

	if (sep)
		*out++ = ' ';
	memcpy(out, name, n + 1);
	return (int)n + sep;
}

/* The names in dir, sorted, joined by spaces. */
static char *
listing(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char *names[64], *out;
	size_t n = 0, i, len = 1;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		assert_true(n < 64);
		names[n++] = xstrdup(e->d_name);
		len += strlen(e->d_name) + 1;
	}
	closedir(d);
	for (i = 1; i < n; i++) {
		char *t = names[i];
		size_t k = i;

		for (; k > 0 && strcmp(names[k - 1], t) > 0; k--)
			names[k] = names[k - 1];
		names[k] = t;
	}
	out = xcalloc(1, len);
	for (i = 0, len = 0; i < n; i++) {
		len += (size_t)join_name(out + len, names[i], i > 0);
		free(names[i]);
	}
	return out;
}

static void
put_scan(struct store *s, const char *repo, const char *tag,
    const char *digest, int64_t at, int64_t size, const char *error)
{
	struct scan_row row = { repo, tag, digest, error, at,
		size / 2, size, size / 10, size / 20 };

	assert_int_equal(store_scan_put(s, &row), 0);
}

#define D1 "sha256:1111111111111111111111111111111111111111111111111111" \
	"111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222" \
	"222222222222"
#define EVIL "<script>alert(1)</script>"

/* A report with a hostile string in every field a page shows. */
static const char evil_report[] =
	"{\"schema\":\"imgaudit.report/v1\","
	"\"image\":{\"ref\":\"docker://h/<b>x</b>@" D1 "\","
	"\"platform\":\"linux/\\\"amd64\",\"created\":\"" EVIL "\"},"
	"\"totals\":{\"layers\":1,\"compressed_bytes\":1000,"
	"\"layer_bytes\":5000,\"final_bytes\":4000,\"final_files\":3,"
	"\"wasted_bytes\":1000,\"removable_bytes\":77},"
	"\"layers\":[{\"index\":0,\"digest\":\"sha256:<i>\","
	"\"created_by\":\"RUN echo '" EVIL "' \\u0001 && x\","
	"\"bytes\":5000,\"compressed_bytes\":1000,\"files\":3,"
	"\"wasted_bytes\":1000}],"
	"\"candidates\":[{\"rank\":1,\"title\":\"uninstall <img src=x "
	"onerror=alert(1)>\",\"purpose\":\"training-only\",\"bytes_saved\":77,"
	"\"compressed_bytes_saved\":30,\"confidence\":\"high\","
	"\"reason\":\"\\\"quoted\\\"\",\"fix\":\"pip uninstall -y '<x>'\"}],"
	"\"findings\":[{\"kind\":\"hostile\",\"title\":\"</td></tr>" EVIL "\","
	"\"detail\":\"path /a&b/<iframe>\"}]}";

static void
test_escaped(void **state)
{
	struct fx *fx = *state;
	char *db = path_in(fx, "scan.db"), *dir = path_in(fx, "html");
	char *page, *index, *list, *p;
	struct store *s = open_ok(db);
	struct ia_error err = { 0 };
	size_t pages = 0;

	put_scan(s, "evil<script>", "t\"'&<>", D1, 100, 4000, NULL);
	put_scan(s, "evil<script>", "t\"'&<>", D1, 200, 4000, NULL);
	put_scan(s, "evil<script>", "bad", NULL, 300, 0,
	    "<img src=x onerror=alert(1)>\x01 failed");
	/* Not a digest: must name no file (no ../ anywhere). */
	put_scan(s, "other", "x", "../../../tmp/pwned", 100, 10, NULL);
	put_scan(s, "other", "y", D2, 100, 10, NULL);
	assert_int_equal(store_report_put(s, D1, "k", evil_report), 0);
	assert_int_equal(scan_html_write(s, dir, NULL, NULL, &pages, &err),
	    IA_OK);
	/* D1, D2 (no report stored: a page that says so) and the index. */
	assert_int_equal(pages, 3);
	list = listing(dir);
	assert_string_equal(list, "index.html sha256-1111111111111111111111111"
	    "111111111111111111111111111111111111111.html sha256-222222222222"
	    "2222222222222222222222222222222222222222222222222222.html");
	free(list);

	p = path_in(fx, "html/sha256-1111111111111111111111111111111111111111"
	    "111111111111111111111111.html");
	page = slurp(p);
	free(p);
	p = path_in(fx, "html/index.html");
	index = slurp(p);
	free(p);
	/* Nothing from the data opens a tag. */
	assert_null(strcasestr(page, "<script"));
	assert_null(strcasestr(page, "<img"));
	assert_null(strcasestr(page, "<iframe"));
	assert_null(strstr(page, "<b>x"));
	assert_null(strstr(page, "<i>"));
	assert_null(strcasestr(index, "<script"));
	assert_null(strcasestr(index, "<img"));
	/* ... and it is all there, escaped. */
	assert_non_null(strstr(page, "RUN echo &#39;&lt;script&gt;alert(1)"
	    "&lt;/script&gt;&#39; \\x01 &amp;&amp; x"));
	assert_non_null(strstr(page, "uninstall &lt;img src=x "
	    "onerror=alert(1)&gt;"));
	assert_non_null(strstr(page, "pip uninstall -y &#39;&lt;x&gt;&#39;"));
	assert_non_null(strstr(page, "&lt;/td&gt;&lt;/tr&gt;&lt;script&gt;"));
	assert_non_null(strstr(page, "path /a&amp;b/&lt;iframe&gt;"));
	assert_non_null(strstr(page, "linux/&quot;amd64"));
	assert_non_null(strstr(page, "<h1>evil&lt;script&gt;:t&quot;&#39;"
	    "&amp;&lt;&gt;</h1>"));
	assert_non_null(strstr(page, "Removal candidates"));
	assert_non_null(strstr(page, "title=\"77 bytes\""));
	assert_non_null(strstr(index, "&lt;img src=x onerror=alert(1)&gt;"
	    "\\x01 failed"));
	assert_non_null(strstr(index, "<h2>evil&lt;script&gt;</h2>"));
	/* The bogus digest is shown, escaped, but not linked. */
	assert_non_null(strstr(index, "../../../tmp/pwned"));
	assert_null(strstr(index, "href=\"../"));
	free(page);

	p = path_in(fx, "html/sha256-2222222222222222222222222222222222222222"
	    "222222222222222222222222.html");
	page = slurp(p);
	free(p);
	assert_non_null(strstr(page, "No readable report"));
	free(page);
	free(index);
	store_close(s);
	free(db);
	free(dir);
}

/* The CSP allows exactly the page's stylesheet, and no script runs. */
static void
test_csp(void **state)
{
	struct fx *fx = *state;
	char *db = path_in(fx, "scan.db"), *dir = path_in(fx, "html");
	char *index, *p, *a, *z, want[64], csp[256];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	struct store *s = open_ok(db);
	struct ia_error err = { 0 };
	size_t pages = 0;

	put_scan(s, "app", "v1", D1, 100, 4000, NULL);
	assert_int_equal(scan_html_write(s, dir, NULL, NULL, &pages, &err),
	    IA_OK);
	p = path_in(fx, "html/index.html");
	index = slurp(p);
	free(p);
	a = strstr(index, "<style>");
	z = strstr(index, "</style>");
	assert_non_null(a);
	assert_non_null(z);
	a += 7;
	assert_int_equal(EVP_Digest(a, (size_t)(z - a), md, &n, EVP_sha256(),
	    NULL), 1);
	EVP_EncodeBlock((unsigned char *)want, md, (int)n);
	snprintf(csp, sizeof(csp), "<meta http-equiv=\"Content-Security-Policy"
	    "\" content=\"default-src 'none'; style-src 'sha256-%s'; img-src "
	    "'none'; base-uri 'none'; form-action 'none'\">", want);
	assert_non_null(strstr(index, csp));
	assert_null(strstr(index, "style=\""));
	assert_null(strcasestr(index, "<script"));
	/* Nothing to fetch: no src, no link but to pages beside it. */
	assert_null(strstr(index, "src="));
	assert_null(strstr(index, "href=\"http"));
	assert_null(strstr(index, "<link"));
	free(index);
	store_close(s);
	free(db);
	free(dir);
}

/* A chart per repository; the last two scans' change in the table. */
static void
test_index(void **state)
{
	struct fx *fx = *state;
	char *db = path_in(fx, "scan.db"), *dir = path_in(fx, "html");
	char *index, *p, *q;
	struct store *s = open_ok(db);
	struct ia_error err = { 0 };
	size_t pages = 0, n;

	put_scan(s, "app", "v1", D1, 1700000000, 4000000, NULL);
	put_scan(s, "app", "v2", D1, 1700000000, 4000000, NULL);
	put_scan(s, "app", "v1", D2, 1700086400, 5000000, NULL);
	put_scan(s, "base", "latest", D2, 1700000000, 5000000, NULL);
	put_scan(s, "down", "latest", NULL, 1700000000, 0, "unreachable");
	put_scan(s, "down", "broken", "sha256:3333333333333333333333333333"
	    "333333333333333333333333333333333333", 1700000000, 0,
	    "digest mismatch");
	assert_int_equal(scan_html_write(s, dir, NULL, NULL, &pages, &err),
	    IA_OK);
	assert_int_equal(pages, 3);
	p = path_in(fx, "html/index.html");
	index = slurp(p);
	free(p);
	for (n = 0, q = index; (q = strstr(q, "<svg")) != NULL; q++)
		n++;
	assert_int_equal(n, 2);	/* app and base; down has no point */
	assert_non_null(strstr(index, "No successful scan to chart"));
	for (n = 0, q = index; (q = strstr(q, "<polyline")) != NULL; q++)
		n++;
	assert_int_equal(n, 1);		/* app:v1 has two points */
	assert_non_null(strstr(index, "new digest; size +1MB, pull +500kB, "
	    "wasted +100kB, removable +50kB"));
	assert_non_null(strstr(index, "2023-11-14 22:13"));
	assert_non_null(strstr(index, "<th class=\"n\">removable</th>"));
	assert_non_null(strstr(index, "<a href=\"sha256-2222"));
	assert_non_null(strstr(index, "failed: unreachable"));
	/* A failed image has no page: its digest is not a link. */
	assert_non_null(strstr(index, "sha256:3333"));
	assert_null(strstr(index, "href=\"sha256-3333"));
	free(index);

	/* One repository, one tag: only its rows and pages. */
	p = path_in(fx, "one");
	assert_int_equal(scan_html_write(s, p, "base", "latest", &pages,
	    &err), IA_OK);
	assert_int_equal(pages, 2);
	q = listing(p);
	assert_string_equal(q, "index.html sha256-22222222222222222222222222"
	    "22222222222222222222222222222222222222.html");
	free(q);
	free(p);
	store_close(s);
	free(db);
	free(dir);
}

static void
test_errors(void **state)
{
	struct fx *fx = *state;
	char *db = path_in(fx, "scan.db"), *file = path_in(fx, "file");
	char *under = path_in(fx, "file/html"), *empty = path_in(fx, "empty");
	char *p, *index;
	struct store *s = open_ok(db);
	struct ia_error err = { 0 };
	size_t pages = 7;
	FILE *f = fopen(file, "w");

	assert_non_null(f);
	fclose(f);
	assert_int_equal(scan_html_write(s, file, NULL, NULL, &pages, &err),
	    IA_EINPUT);
	assert_int_equal(pages, 0);
	assert_non_null(strstr(err.msg, file));
	assert_non_null(strstr(err.msg, "not a directory"));
	assert_int_equal(scan_html_write(s, under, NULL, NULL, &pages, &err),
	    IA_EINPUT);
	assert_non_null(strstr(err.msg, "cannot create the HTML directory"));

	/* An empty database: an index that says so, and no temporary file. */
	assert_int_equal(scan_html_write(s, empty, NULL, NULL, &pages, &err),
	    IA_OK);
	assert_int_equal(pages, 1);
	p = listing(empty);
	assert_string_equal(p, "index.html");
	free(p);
	p = path_in(fx, "empty/index.html");
	index = slurp(p);
	assert_non_null(strstr(index, "No scan rows"));
	free(index);
	free(p);
	store_close(s);
	free(db);
	free(file);
	free(under);
	free(empty);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_escaped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_csp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
