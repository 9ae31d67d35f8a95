/* SPDX-License-Identifier: MIT */
/*
 * test_report_html.c: the HTML and Markdown renderers' escaping.  The JSON
 * block holds no '<', '>', '&', U+2028 or U+2029 and parses back to the
 * same document; the page has exactly its two script elements, an escaped
 * title, and a Content-Security-Policy whose hashes are those of the
 * script and stylesheet it carries; the Markdown summary keeps hostile
 * strings inside their table cell, as text, and cuts long ones between
 * characters; a failed write is reported.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "report.h"

/* Every place an image string can sit, with every hostile character. */
#define HOSTILE	"</script><img src=x onerror=alert(1)><!-- & \xe2\x80\xa8" \
		"\xe2\x80\xa9 | ` $x$ @team\n*b* [l](u) \\"

static cJSON *
hostile_report(void)
{
	cJSON *r = cJSON_CreateObject(), *img, *t, *arr, *o;
	int i;

	cJSON_AddStringToObject(r, "schema", REPORT_SCHEMA);
	img = cJSON_AddObjectToObject(r, "image");
	cJSON_AddStringToObject(img, "ref", HOSTILE);
	cJSON_AddStringToObject(img, "digest", "sha256:00");
	t = cJSON_AddObjectToObject(r, "totals");
	cJSON_AddNumberToObject(t, "layers", 1);
	cJSON_AddNumberToObject(t, "layer_bytes", 2000000);
	cJSON_AddNumberToObject(t, "removable_bytes", 1000000);
	arr = cJSON_AddArrayToObject(r, "layers");
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "index", 0);
	cJSON_AddNumberToObject(o, "bytes", 2000000);
	cJSON_AddStringToObject(o, "created_by", HOSTILE);
	cJSON_AddItemToArray(arr, o);
	arr = cJSON_AddArrayToObject(r, "candidates");
	for (i = 1; i <= 12; i++) {
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "rank", i);
		cJSON_AddStringToObject(o, "title", HOSTILE);
		cJSON_AddStringToObject(o, "purpose", "docs");
		cJSON_AddNumberToObject(o, "bytes_saved", 1000 * (13 - i));
		cJSON_AddStringToObject(o, "confidence", "high");
		cJSON_AddStringToObject(o, "fix", HOSTILE);
		cJSON_AddItemToArray(arr, o);
	}
	return r;
}

/* What f wrote (f is a tmpfile()), NUL-terminated; free() it. */
static char *
slurp(FILE *f)
{
	long n;
	char *s;

	assert_int_equal(fflush(f), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	s = malloc((size_t)n + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	s[n] = '\0';
	return s;
}

static size_t
count(const char *s, const char *needle)
{
	size_t n = 0;

	while ((s = strstr(s, needle)) != NULL) {
		n++;
		s += strlen(needle);
	}
	return n;
}

static void
test_json_block(void **state)
{
	cJSON *r = hostile_report(), *back;
	char *s;

	(void)state;
	s = report_html_json(r);
	assert_non_null(s);
	assert_null(strpbrk(s, "<>&"));
	assert_null(strstr(s, "\xe2\x80\xa8"));
	assert_null(strstr(s, "\xe2\x80\xa9"));
	assert_non_null(strstr(s, "\\u003c/script\\u003e"));
	assert_non_null(strstr(s, "\\u003c!--"));
	assert_non_null(strstr(s, "\\u0026"));
	assert_non_null(strstr(s, "\\u2028\\u2029"));
	/* The same document to a JSON parser. */
	back = cJSON_Parse(s);
	assert_non_null(back);
	assert_true(cJSON_Compare(r, back, 1));
	cJSON_Delete(back);
	free(s);
	cJSON_Delete(r);
}

/* The text between open (its closing '>') and close, from s on. */
static char *
between(const char *s, const char *open, const char *close)
{
	const char *a = strstr(s, open), *b;
	char *out;

	assert_non_null(a);
	a = strchr(a, '>') + 1;
	b = strstr(a, close);
	assert_non_null(b);
	out = strndup(a, (size_t)(b - a));
	assert_non_null(out);
	return out;
}

static void
assert_hash_in(const char *page, const char *text)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	char b64[64], want[80];

	assert_int_equal(EVP_Digest(text, strlen(text), md, &n, EVP_sha256(),
	    NULL), 1);
	EVP_EncodeBlock((unsigned char *)b64, md, (int)n);
	snprintf(want, sizeof(want), "'sha256-%s'", b64);
	assert_non_null(strstr(page, want));
}

static void
test_page(void **state)
{
	cJSON *r = hostile_report(), *back;
	FILE *f = tmpfile();
	char *page, *data, *script, *style, *csp;

	(void)state;
	assert_non_null(f);
	assert_int_equal(report_write_html(r, f), 0);
	page = slurp(f);
	fclose(f);
	/* Two script elements: the data and the page's own. */
	assert_int_equal(count(page, "<script"), 2);
	assert_int_equal(count(page, "</script>"), 2);
	assert_null(strstr(page, "<img src=x onerror=alert(1)>"));
	assert_non_null(strstr(page, "<title>imgaudit: &lt;/script&gt;&lt;img "
	    "src=x onerror=alert(1)&gt;&lt;!-- &amp; "));
	/* The CSP allows exactly the inline script and stylesheet. */
	csp = strstr(page, "http-equiv=\"Content-Security-Policy\" content=\"");
	assert_non_null(csp);
	csp = strstr(csp, "content=\"") + 9;
	csp = strndup(csp, strcspn(csp, "\""));
	assert_non_null(csp);
	assert_non_null(strstr(csp, "default-src 'none'"));
	assert_null(strstr(csp, "unsafe-inline"));
	assert_null(strstr(csp, "unsafe-eval"));
	assert_int_equal(count(csp, "'sha256-"), 2);
	script = between(strstr(page, "id=\"report-data\"") + 20, "<script",
	    "</script>");
	style = between(page, "<style", "</style>");
	assert_hash_in(csp, script);
	assert_hash_in(csp, style);
	/* The data block is the report. */
	data = between(page, "<script type=\"application/json\"", "</script>");
	back = cJSON_Parse(data);
	assert_non_null(back);
	assert_true(cJSON_Compare(r, back, 1));
	cJSON_Delete(back);
	free(csp);
	free(script);
	free(style);
	free(data);
	free(page);
	cJSON_Delete(r);
}

static void
test_markdown(void **state)
{
	cJSON *r = hostile_report();
	FILE *f = tmpfile();
	char *md, *line, *next;
	size_t rows = 0;

	(void)state;
	assert_non_null(f);
	assert_int_equal(report_write_md(r, f, 0), 0);
	md = slurp(f);
	fclose(f);
	/* No HTML, no raw mention or maths, and ten candidate rows. */
	assert_int_equal(count(md, "\\<"), count(md, "<"));
	assert_null(strstr(md, " @team"));
	assert_non_null(strstr(md, "\\@team"));
	assert_non_null(strstr(md, "\\$x\\$"));
	assert_non_null(strstr(md, "2 more candidates"));
	for (line = md; *line != '\0'; line = next) {
		size_t bars = 0;
		const char *p;

		next = strchr(line, '\n');
		if (next == NULL)
			next = line + strlen(line);
		else
			*next++ = '\0';

		if (line[0] != '|')
			continue;
		/* Unescaped '|' only between cells: as many as the header's. */
		for (p = line; *p != '\0'; p++) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			else if (*p == '|')
				bars++;
		}
		if (strstr(line, "| high |") != NULL) {
			rows++;
			assert_int_equal(bars, 8);
		}
	}
	assert_int_equal(rows, 10);
	free(md);
	cJSON_Delete(r);
}

/* A long created_by is cut, at a character boundary, not split. */
static void
test_markdown_long(void **state)
{
	cJSON *r = hostile_report(), *l;
	FILE *f = tmpfile();
	char *md, *row, big[2 * 300 + 1];
	int i;

	(void)state;
	for (i = 0; i < 300; i++)
		memcpy(big + 2 * i, "\xc3\xa9", 2);	/* U+00E9 */
	big[600] = '\0';
	l = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "layers"), 0);
	cJSON_ReplaceItemInObject(l, "created_by", cJSON_CreateString(big));
	assert_non_null(f);
	assert_int_equal(report_write_md(r, f, 0), 0);
	md = slurp(f);
	fclose(f);
	row = strstr(md, "| 0 | 2MB |");
	assert_non_null(row);
	row = strstr(row, "\xc3\xa9");
	assert_non_null(row);
	assert_int_equal(strspn(row, "\xc3\xa9"), 120);
	assert_memory_equal(row + 120, "... |", 5);
	free(md);
	cJSON_Delete(r);
}

static void
test_write_failure(void **state)
{
	cJSON *r = hostile_report();
	FILE *f = fopen("/dev/full", "w");

	(void)state;
	if (f == NULL) {
		cJSON_Delete(r);
		skip();
	}
	/* The page is larger than stdio's buffer: the write fails in it. */
	assert_int_equal(report_write_html(r, f), -1);
	fclose(f);
	cJSON_Delete(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_block),
		cmocka_unit_test(test_page),
		cmocka_unit_test(test_markdown),
		cmocka_unit_test(test_markdown_long),
		cmocka_unit_test(test_write_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
