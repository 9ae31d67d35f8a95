/* SPDX-License-Identifier: MIT */
/*
 * test_report.c: sizes printed as docker prints them (decimal units, three
 * significant digits: the values below are what `docker images` shows for
 * those byte counts), and the text report's promise to fit 100 columns
 * and escape control characters whatever the image's strings hold.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report.h"

static void
test_human_size(void **state)
{
	static const struct {
		int64_t bytes;
		const char *text;
	} cases[] = {
		{ 0, "0B" }, { 999, "999B" }, { 1000, "1kB" }, { 6500, "6.5kB" },
		{ 66237, "66.2kB" }, { 1220598, "1.22MB" },
		{ 72800000, "72.8MB" }, { 999499, "999kB" },
		{ 999500, "1MB" }, { 4100000000LL, "4.1GB" },
		{ 123456789012LL, "123GB" },
	};
	char buf[16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(report_human_size(cases[i].bytes, buf,
		    sizeof(buf)), cases[i].text);
}

/* A report whose strings are long and hostile still prints safely. */
static void
test_text_width_and_escapes(void **state)
{
	cJSON *r = cJSON_CreateObject();
	cJSON *img = cJSON_AddObjectToObject(r, "image");
	cJSON *layers = cJSON_AddArrayToObject(r, "layers");
	cJSON *files = cJSON_AddArrayToObject(r, "largest_files");
	cJSON *l = cJSON_CreateObject(), *f = cJSON_CreateObject();
	struct text_options opt = { 0, 100, 0 };
	char longcmd[600], line[512];
	char *buf = NULL;
	size_t len = 0;
	FILE *out;

	(void)state;
	memset(longcmd, 'c', sizeof(longcmd) - 1);
	longcmd[sizeof(longcmd) - 1] = '\0';
	cJSON_AddStringToObject(img, "ref", "oci:x");
	cJSON_AddObjectToObject(r, "totals");
	cJSON_AddNumberToObject(l, "index", 0);
	cJSON_AddStringToObject(l, "created_by", longcmd);
	cJSON_AddItemToArray(layers, l);
	cJSON_AddStringToObject(f, "path", "/evil\033[2J\r\nname");
	cJSON_AddNumberToObject(f, "bytes", 5);
	cJSON_AddItemToArray(files, f);

	out = open_memstream(&buf, &len);
	assert_int_equal(report_write_text(r, out, &opt), 0);
	fclose(out);
	assert_null(strchr(buf, '\033'));
	assert_null(strchr(buf, '\r'));
	assert_non_null(strstr(buf, "/evil\\x1b[2J\\x0d name"));
	{
		FILE *in = fmemopen(buf, len, "r");

		while (fgets(line, sizeof(line), in) != NULL)
			assert_true(strlen(line) <= 101);	/* + '\n' */
		fclose(in);
	}
	free(buf);
	cJSON_Delete(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_human_size),
		cmocka_unit_test(test_text_width_and_escapes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
