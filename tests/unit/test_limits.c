/* SPDX-License-Identifier: MIT */
/*
 * test_limits.c: the --max-* values as the command line hands them to
 * limits_parse(), and the numbers its messages print.  Expected values are
 * worked out by hand (64 MiB = 64 x 1,048,576 = 67,108,864 bytes).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "limits.h"

static void
test_defaults(void **state)
{
	struct ia_limits lim;
	const struct ia_limits *d = limits_or_default(NULL);

	(void)state;
	limits_default(&lim);
	assert_int_equal(lim.max_entries, 2000000);
	assert_int_equal(lim.max_path, 4096);
	assert_int_equal(lim.max_json, 67108864);
	assert_int_equal(lim.max_pkgdb, 67108864);
	assert_int_equal(lim.max_ratio, 100);
	assert_int_equal(lim.ratio_floor, 256000000);
	assert_memory_equal(d, &lim, sizeof(lim));
	assert_ptr_equal(limits_or_default(&lim), &lim);
}

/* Sizes: plain bytes, decimal and binary units, go-humanize's spelling. */
static void
test_sizes(void **state)
{
	static const struct {
		const char *s;
		int64_t want;
	} ok[] = {
		{ "1", 1 }, { "4096", 4096 }, { "1kB", 1000 }, { "1KiB", 1024 },
		{ "100MB", 100000000 }, { "64MiB", 67108864 },
		{ "64mib", 67108864 }, { "1.5KiB", 1536 }, { "1GB", 1000000000 },
		{ "1GiB", 1073741824 }, { "1073741824", 1073741824 },
		{ "16 MiB", 16777216 },
	};
	static const char *const bad[] = {
		"0", "0.4", "-1", "", "abc", "12XB", "1073741825", "2GiB",
		"1TB", "99999999999999999999999", "18446744073709551616",
		"1e3", "0x10", "MiB",
	};
	struct ia_limits lim;
	char why[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		limits_default(&lim);
		assert_int_equal(limits_parse(&lim, "max-json", ok[i].s, why,
		    sizeof(why)), 0);
		assert_int_equal(lim.max_json, ok[i].want);
		assert_int_equal(limits_parse(&lim, "max-pkgdb", ok[i].s, why,
		    sizeof(why)), 0);
		assert_int_equal(lim.max_pkgdb, ok[i].want);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		limits_default(&lim);
		assert_int_equal(limits_parse(&lim, "max-json", bad[i], why,
		    sizeof(why)), -1);
		assert_int_equal(lim.max_json, 67108864);	/* unchanged */
		assert_non_null(strstr(why, "--max-json takes a size from 1 "
		    "byte to 1GiB"));
		assert_int_equal(limits_parse(&lim, "max-pkgdb", bad[i], why,
		    sizeof(why)), -1);
		assert_int_equal(lim.max_pkgdb, 67108864);
	}
}

/* Counts: decimal digits only, within the option's range. */
static void
test_counts(void **state)
{
	struct ia_limits lim;
	char why[256];

	(void)state;
	limits_default(&lim);
	assert_int_equal(limits_parse(&lim, "max-entries", "1", why,
	    sizeof(why)), 0);
	assert_int_equal(lim.max_entries, 1);
	assert_int_equal(limits_parse(&lim, "max-entries", "100000000", why,
	    sizeof(why)), 0);
	assert_int_equal(lim.max_entries, 100000000);
	assert_int_equal(limits_parse(&lim, "max-entries", "100000001", why,
	    sizeof(why)), -1);
	assert_string_equal(why, "--max-entries takes a number from 1 to "
	    "100,000,000, not '100000001'");
	assert_int_equal(limits_parse(&lim, "max-entries", "0", why,
	    sizeof(why)), -1);
	assert_int_equal(limits_parse(&lim, "max-entries", "-5", why,
	    sizeof(why)), -1);
	assert_int_equal(limits_parse(&lim, "max-entries", "+5", why,
	    sizeof(why)), -1);
	assert_int_equal(limits_parse(&lim, "max-entries", " 5", why,
	    sizeof(why)), -1);
	assert_int_equal(limits_parse(&lim, "max-entries", "5 ", why,
	    sizeof(why)), -1);
	assert_int_equal(limits_parse(&lim, "max-entries", "1e6", why,
	    sizeof(why)), -1);
	assert_int_equal(limits_parse(&lim, "max-entries", "2M", why,
	    sizeof(why)), -1);
	assert_int_equal(limits_parse(&lim, "max-entries",
	    "99999999999999999999", why, sizeof(why)), -1);
	assert_int_equal(lim.max_entries, 100000000);	/* the last good one */
	assert_int_equal(limits_parse(&lim, "max-path", "32768", why,
	    sizeof(why)), 0);
	assert_int_equal(lim.max_path, 32768);
	assert_int_equal(limits_parse(&lim, "max-path", "32769", why,
	    sizeof(why)), -1);
	assert_string_equal(why, "--max-path takes a number from 1 to "
	    "32,768, not '32769'");
	assert_int_equal(limits_parse(&lim, "max-path", "0", why,
	    sizeof(why)), -1);
	assert_int_equal(limits_parse(&lim, "max-ratio", "2", why,
	    sizeof(why)), 0);
	assert_int_equal(lim.max_ratio, 2);
	assert_int_equal(limits_parse(&lim, "max-ratio", "1", why,
	    sizeof(why)), -1);
	assert_string_equal(why, "--max-ratio takes a number from 2 to "
	    "1,000,000, not '1'");
	assert_int_equal(limits_parse(&lim, "max-nothing", "1", why,
	    sizeof(why)), -1);
}

static void
test_printing(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(limits_group(0, buf, sizeof(buf)), "0");
	assert_string_equal(limits_group(999, buf, sizeof(buf)), "999");
	assert_string_equal(limits_group(1000, buf, sizeof(buf)), "1,000");
	assert_string_equal(limits_group(2000000, buf, sizeof(buf)),
	    "2,000,000");
	assert_string_equal(limits_group(-1234, buf, sizeof(buf)), "-1,234");
	assert_string_equal(limits_group(INT64_MAX, buf, sizeof(buf)),
	    "9,223,372,036,854,775,807");
	assert_string_equal(limits_group(1234567, buf, 6), "1,234");
	assert_string_equal(limits_size(67108864, buf, sizeof(buf)),
	    "64 MiB");
	assert_string_equal(limits_size(1073741824, buf, sizeof(buf)),
	    "1 GiB");
	assert_string_equal(limits_size(2048, buf, sizeof(buf)), "2 KiB");
	assert_string_equal(limits_size(1000, buf, sizeof(buf)),
	    "1,000 bytes");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_printing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
