/* SPDX-License-Identifier: MIT */
/*
 * test_diff.c: the pure parts of `imgaudit diff` — --bandwidth parsing,
 * version order (upgraded or downgraded), and the text, Markdown and HTML
 * renderers on a hand-written imgaudit.diff/v1 document whose strings are
 * hostile (control characters, a created_by far wider than the screen,
 * Markdown and HTML syntax).  The comparison over real images is
 * tests/e2e/diff.sh's.
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

#include "diff.h"

static void
test_bandwidth(void **state)
{
	double b = 0;

	(void)state;
	assert_int_equal(diff_parse_bandwidth("100Mbit", &b), 0);
	assert_true(b == 100e6);
	assert_int_equal(diff_parse_bandwidth("1Gbit/s", &b), 0);
	assert_true(b == 1e9);
	assert_int_equal(diff_parse_bandwidth("500kbps", &b), 0);
	assert_true(b == 500e3);
	assert_int_equal(diff_parse_bandwidth("12.5MB/s", &b), 0);
	assert_true(b == 100e6);
	assert_int_equal(diff_parse_bandwidth("8B", &b), 0);
	assert_true(b == 64);
	assert_int_equal(diff_parse_bandwidth("fast", &b), -1);
	assert_int_equal(diff_parse_bandwidth("100", &b), -1);
	assert_int_equal(diff_parse_bandwidth("-5Mbit", &b), -1);
	assert_int_equal(diff_parse_bandwidth("0Mbit", &b), -1);
	assert_int_equal(diff_parse_bandwidth("100Mbitx", &b), -1);
	assert_int_equal(diff_parse_bandwidth("nanMbit", &b), -1);
	assert_int_equal(diff_parse_bandwidth(NULL, &b), -1);
}

static void
test_versions(void **state)
{
	(void)state;
	assert_true(diff_version_cmp("2.31.0", "2.32.3") < 0);
	assert_true(diff_version_cmp("2.10", "2.9") > 0);
	assert_true(diff_version_cmp("1.26.2", "1.26.2") == 0);
	assert_true(diff_version_cmp("12.4+deb12u4", "12.4+deb12u5") < 0);
	/* '~' sorts before everything, even the end (dpkg). */
	assert_true(diff_version_cmp("3.0.11-1~deb12u2", "3.0.11-1") < 0);
	assert_true(diff_version_cmp("1.0~rc1", "1.0") < 0);
	assert_true(diff_version_cmp("1:1.2.13", "1:1.2.14") < 0);
	assert_true(diff_version_cmp("2.1.0+cu121", "2.1.0") > 0);
	assert_true(diff_version_cmp("007", "7") == 0);
	assert_true(diff_version_cmp("", "0.1") < 0);
	/* Digits beyond 64 bits neither overflow nor crash. */
	assert_true(diff_version_cmp("99999999999999999999999", "1") > 0);
}

/* A small diff document with hostile strings where images put strings. */
static cJSON *
hostile_doc(void)
{
	static const char doc[] =
	"{\"schema\":\"imgaudit.diff/v1\","
	"\"old\":{\"ref\":\"old\\u001b[31mred\",\"layers\":2,"
	"\"compressed_bytes\":1000,\"final_bytes\":2000},"
	"\"new\":{\"ref\":\"new|<b>x</b>\",\"layers\":2,"
	"\"compressed_bytes\":1500000,\"final_bytes\":2500000},"
	"\"layers\":{\"shared\":1,\"added\":1,\"removed\":1,"
	"\"new_layers\":[{\"index\":0,\"status\":\"shared\",\"change\":"
	"\"shared\",\"class\":\"base\",\"pulled\":false,\"compressed_bytes\":"
	"10,\"bytes\":20,\"created_by\":"
	"\"/bin/sh -c #(nop) ADD file:ab in / \"},"
	"{\"index\":1,\"status\":\"added\",\"change\":\"content\",\"class\":"
	"\"app\",\"pulled\":true,\"compressed_bytes\":1499990,"
	"\"bytes\":2000000,"
	"\"created_by\":\"/bin/sh -c echo \\u0007bell\\nnext line | <script>"
	"alert(1)</script> `x` *y* aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	"aaaaaaaaa\"}],"
	"\"removed_layers\":[{\"index\":1,\"class\":\"app\","
	"\"compressed_bytes\":990,\"bytes\":1980,\"created_by\":"
	"\"COPY \\u00c3\\u00a9t\\u00c3\\u00a9 /\"}]},"
	"\"pull\":{\"bandwidth_bits_per_second\":1e8,\"bandwidth\":\"100Mbit\","
	"\"cold_bytes\":1500000,\"cold_seconds\":0.12,\"repulled_bytes\":"
	"1499990,\"repulled_layers\":1,\"warm_seconds\":0.11999},"
	"\"files\":{\"added\":1,\"removed\":0,\"changed\":0,\"added_bytes\":5,"
	"\"top_added\":[{\"path\":\"/app/\\u001b]0;title\\u0007x|y<z>\","
	"\"bytes\":5}],\"top_removed\":[],\"top_changed\":[]},"
	"\"packages\":{\"added\":[{\"ecosystem\":\"pip\",\"name\":\"evil|<i>\","
	"\"version\":\"1\\n2\",\"bytes\":3}],\"removed\":[],\"upgraded\":[{"
	"\"ecosystem\":\"dpkg\",\"name\":\"libc6\",\"old_version\":\"2.36-9\","
	"\"new_version\":\"2.36-9+deb12u4\",\"delta_bytes\":-4000}],"
	"\"downgraded\":[],\"delta_bytes\":-3997},"
	"\"candidates\":{\"appeared\":[{\"title\":\"t\\u001bx\","
	"\"bytes_saved\":"
	"7}],\"gone\":[]},"
	"\"findings\":[{\"kind\":\"layer-order\",\"title\":\"deps after app\","
	"\"detail\":\"word word word word word word word word word word word "
	"word word word word word word word word word word word word word word "
	"\\u001b[2J word averyveryveryveryveryveryveryveryveryveryveryveryvery"
	"veryveryveryveryveryveryveryveryveryveryveryveryveryveryveryveryvery"
	"longword end\",\"status\":\"new\"}]}";

	return cJSON_Parse(doc);
}

/* Write d with fn into a memory buffer; the caller frees it. */
static char *
render(const cJSON *d, int md)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	if (md == 2)
		assert_int_equal(diff_write_html(d, f), 0);
	else if (md)
		assert_int_equal(diff_write_md(d, f), 0);
	else
		assert_int_equal(diff_write_text(d, f, 100), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void
test_text(void **state)
{
	cJSON *d = hostile_doc();
	char *out, *line, *save = NULL;
	size_t n = 0;

	(void)state;
	assert_non_null(d);
	out = render(d, 0);
	/* No raw control byte but the newlines; the escapes are visible. */
	for (line = out; *line != '\0'; line++)
		if (*line != '\n')
			assert_false((unsigned char)*line < 0x20 ||
			    *line == 0x7f);
	assert_non_null(strstr(out, "old\\x1b[31mred"));
	assert_non_null(strstr(out, "\\x07bell"));
	assert_non_null(strstr(out, "1.5MB in 1 layer(s)"));
	assert_non_null(strstr(out, "LAYERS OF NEW"));
	assert_non_null(strstr(out, "pip:evil|<i>"));
	assert_non_null(strstr(out, "libc6"));
	assert_non_null(strstr(out, "-4kB"));
	/* Every line fits 100 columns (a UTF-8 sequence is one column). */
	for (line = strtok_r(out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		size_t cols = 0;
		const unsigned char *p;

		for (p = (const unsigned char *)line; *p != '\0'; p++)
			if ((*p & 0xc0) != 0x80)
				cols++;
		assert_in_range(cols, 0, 100);
		n++;
	}
	assert_true(n > 15);
	free(out);
	cJSON_Delete(d);
}

static void
test_md(void **state)
{
	cJSON *d = hostile_doc();
	char *out, *p;

	(void)state;
	assert_non_null(d);
	out = render(d, 1);
	assert_non_null(strstr(out, "| # | status | change | class | pulled "
	    "| size | created by |"));
	/* No unescaped '<' (HTML) and no raw control byte anywhere. */
	for (p = out; *p != '\0'; p++) {
		if (*p == '<')
			assert_true(p > out && p[-1] == '\\');
		if (*p != '\n')
			assert_false((unsigned char)*p < 0x20);
	}
	/* A '|' from the image never splits a cell. */
	assert_non_null(strstr(out, "new\\|\\<b\\>x\\</b\\>"));
	assert_non_null(strstr(out, "evil\\|\\<i\\>"));
	assert_null(strstr(out, "<script>"));
	free(out);
	cJSON_Delete(d);
}

static void
test_html(void **state)
{
	cJSON *d = hostile_doc();
	char *out;

	(void)state;
	assert_non_null(d);
	out = render(d, 2);
	assert_non_null(strstr(out, "Content-Security-Policy"));
	assert_non_null(strstr(out, "default-src 'none'"));
	assert_null(strstr(out, "<script"));
	assert_null(strstr(out, "<b>x"));
	assert_non_null(strstr(out, "new|&lt;b&gt;x&lt;/b&gt;"));
	assert_non_null(strstr(out, "\\x1b]0;title\\x07"));
	assert_null(strchr(out, 0x1b));
	free(out);
	cJSON_Delete(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bandwidth),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_md),
		cmocka_unit_test(test_html),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
