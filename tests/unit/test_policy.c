/* SPDX-License-Identifier: MIT */
/*
 * test_policy.c: the CI gate.  Sizes parse as dive's go-humanize parses
 * them; a JSON policy refuses unknown keys, wrong types and bad values with
 * a message naming the file and the key; a .dive-ci file reads as dive
 * reads it (comments, quotes, "disabled", dive's defaults) and anything
 * outside the subset is refused with its line; every rule holds at its
 * limit and breaks just past it (dive's strict comparisons); forbidden
 * purposes honour ignore_paths and the allowance; the result's JSON has
 * the documented shape.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "policy.h"

/* Each test gets a scratch directory under $TMPDIR; teardown removes it. */
struct fx {
	char dir[512];
	char path[600];
};

static int
setup(void **state)
{
	struct fx *fx = xcalloc(1, sizeof(*fx));
	const char *t = getenv("TMPDIR");

	snprintf(fx->dir, sizeof(fx->dir), "%s/test_policy.XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp");
	assert_non_null(mkdtemp(fx->dir));
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	assert_int_equal(system(cmd), 0);
	free(fx);
	return 0;
}

/* Write text (len bytes) to NAME in the scratch directory; fx->path. */
static const char *
put(struct fx *fx, const char *name, const char *text, size_t len)
{
	FILE *f;

	snprintf(fx->path, sizeof(fx->path), "%s/%s", fx->dir, name);
	f = fopen(fx->path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return fx->path;
}

/* Load text as NAME; the policy, or fail the test. */
static struct policy *
load_ok(struct fx *fx, const char *name, const char *text)
{
	struct ia_error err = { 0 };
	struct policy *p = NULL;
	enum ia_status rc;

	rc = policy_load(put(fx, name, text, strlen(text)), &p, &err);
	if (rc != IA_OK)
		fail_msg("%s: %s", text, err.msg);
	assert_non_null(p);
	return p;
}

/*
 * Loading text as NAME fails with "PATH" + want; want may end in '*' to
 * match a prefix only.
 */
static void
load_bad(struct fx *fx, const char *name, const char *text, const char *want)
{
	struct ia_error err = { 0 };
	struct policy *p = (struct policy *)&err;	/* must become NULL */
	const char *path = put(fx, name, text, strlen(text));
	size_t pl = strlen(path), wl = strlen(want);

	assert_int_equal(policy_load(path, &p, &err), IA_EINPUT);
	assert_null(p);
	assert_int_equal(err.code, IA_EINPUT);
	assert_null(strchr(err.msg, '\n'));
	if (strncmp(err.msg, path, pl) != 0)
		fail_msg("message does not name the file: %s", err.msg);
	if (wl > 0 && want[wl - 1] == '*') {
		if (strncmp(err.msg + pl, want, wl - 1) != 0)
			fail_msg("for %s\n got: %s\nwant: %s", text,
			    err.msg + pl, want);
	} else if (strcmp(err.msg + pl, want) != 0)
		fail_msg("for %s\n got: %s\nwant: %s", text, err.msg + pl,
		    want);
}

/* A report with only totals: pairs of (key, value), ended by NULL. */
static cJSON *
report_with(const char *key, ...)
{
	cJSON *r = cJSON_CreateObject();
	cJSON *t = cJSON_AddObjectToObject(r, "totals");
	va_list ap;

	va_start(ap, key);
	for (; key != NULL; key = va_arg(ap, const char *))
		cJSON_AddNumberToObject(t, key, va_arg(ap, double));
	va_end(ap);
	return r;
}

/* A report where every rule's total is harmless. */
static cJSON *
report_quiet(void)
{
	return report_with("final_bytes", 0.0, "compressed_bytes", 0.0,
	    "wasted_bytes", 0.0, "layer_bytes", 0.0, "efficiency", 1.0,
	    "removable_bytes", 0.0, "layers", 1.0, "dive_efficiency", 1.0,
	    "dive_wasted_bytes", 0.0, "dive_user_wasted_percent", 0.0,
	    (const char *)NULL);
}

/* Set totals[key] in r. */
static void
set_total(cJSON *r, const char *key, double v)
{
	cJSON *t = cJSON_GetObjectItemCaseSensitive(r, "totals");

	cJSON_DeleteItemFromObjectCaseSensitive(t, key);
	cJSON_AddNumberToObject(t, key, v);
}

/*
 * Check p against r with no files; expect rc, and when want is not NULL,
 * exactly one violation with that message.
 */
static void
expect(const struct policy *p, const cJSON *r, int rc, const char *want)
{
	struct policy_result res;

	assert_int_equal(policy_check(p, r, NULL, 0, &res), rc);
	if (want != NULL) {
		assert_int_equal(res.n, 1);
		assert_string_equal(res.v[0].message, want);
	} else if (rc == 0)
		assert_int_equal(res.n, 0);
	policy_result_free(&res);
}

static void
test_parse_size(void **state)
{
	static const struct {
		const char *s;
		int ok;
		uint64_t bytes;
	} cases[] = {
		{ "20MB", 1, 20000000 }, { "20MiB", 1, 20971520 },
		{ "20M", 1, 20000000 }, { "20m", 1, 20000000 },
		{ "20mb", 1, 20000000 }, { "20Mi", 1, 20971520 },
		{ "1.5GB", 1, 1500000000 }, { "2.5GB", 1, 2500000000ULL },
		{ "800MB", 1, 800000000 }, { "1.2GiB", 1, 1288490188 },
		{ "20KB", 1, 20000 }, { "20kB", 1, 20000 }, { "20k", 1, 20000 },
		{ "20Ki", 1, 20480 }, { "20KiB", 1, 20480 },
		{ "1TB", 1, 1000000000000ULL }, { "1PiB", 1, 1ULL << 50 },
		{ "1E", 1, 1000000000000000000ULL },
		{ "15EiB", 1, 15ULL << 60 },
		{ "800", 1, 800 }, { "0", 1, 0 }, { "1.5B", 1, 1 },
		{ "1.5", 1, 1 }, { ".5kB", 1, 500 }, { "5.kB", 1, 5000 },
		{ "20 MB", 1, 20000000 }, { "20MB ", 1, 20000000 },
		/* go-humanize refuses these too. */
		{ " 20MB", 0, 0 }, { "-1BB", 0, 0 }, { "-1", 0, 0 },
		{ "12XB", 0, 0 }, { "", 0, 0 }, { ".", 0, 0 }, { "MB", 0, 0 },
		{ "1.2.3MB", 0, 0 }, { "1e6", 0, 0 }, { "1,000", 0, 0 },
		{ "16EiB", 0, 0 }, { "18446744073709551616", 0, 0 },
		{ "20 M B", 0, 0 }, { "20MBB", 0, 0 }, { "0x10", 0, 0 },
	};
	char why[256];
	uint64_t v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v = 12345;
		why[0] = '\0';
		if (policy_parse_size(cases[i].s, &v, why, sizeof(why)) !=
		    (cases[i].ok ? 0 : -1))
			fail_msg("'%s': %s", cases[i].s, why);
		if (cases[i].ok && v != cases[i].bytes)
			fail_msg("'%s': %llu, want %llu", cases[i].s,
			    (unsigned long long)v,
			    (unsigned long long)cases[i].bytes);
		if (!cases[i].ok && strstr(why, "is not a size") == NULL)
			fail_msg("'%s': reason '%s'", cases[i].s, why);
	}
	policy_parse_size("12XB", &v, why, sizeof(why));
	assert_string_equal(why, "'12XB' is not a size: unknown unit 'XB' "
	    "(use B, kB, MB, GB, TB, or KiB, MiB, GiB, TiB)");
	policy_parse_size("1.2.3MB", &v, why, sizeof(why));
	assert_string_equal(why, "'1.2.3MB' is not a size: '1.2.3' is not a "
	    "number");
	policy_parse_size("-1BB", &v, why, sizeof(why));
	assert_string_equal(why, "'-1BB' is not a size: it does not start "
	    "with a number");
	policy_parse_size("16EiB", &v, why, sizeof(why));
	assert_string_equal(why, "'16EiB' is not a size: too large");
}

/* Every key at once, and every way to write a size. */
static void
test_json_full(void **state)
{
	struct policy *p;

	p = load_ok(*state, "policy.json",
	    "{\n"
	    "  \"max_final_size\": \"2.5GB\",\n"
	    "  \"max_compressed_size\": 1000000000,\n"
	    "  \"max_wasted_size\": \"50 MiB\",\n"
	    "  \"max_wasted_percent\": 5,\n"
	    "  \"min_efficiency\": 0.9,\n"
	    "  \"max_removable_size\": \"800MB\",\n"
	    "  \"max_layers\": 30,\n"
	    "  \"forbidden_purposes\": [\"training-only\", \"dev-only\"],\n"
	    "  \"forbidden_purposes_allowance\": \"10MB\",\n"
	    "  \"ignore_paths\": [\"/opt/tools\", \"*/tests/*\"],\n"
	    "  \"lowestEfficiency\": 0.95,\n"
	    "  \"rules\": { \"highestWastedBytes\": \"20MB\",\n"
	    "             \"highestUserWastedPercent\": \"0.2\" }\n"
	    "}\n");
	assert_int_equal(policy_n_rules(p), 11);
	assert_string_equal(policy_path(p), ((struct fx *)*state)->path);
	policy_free(p);

	/* An empty policy is valid and checks nothing; so is a BOM. */
	p = load_ok(*state, "empty.json", "\xef\xbb\xbf  { }");
	assert_int_equal(policy_n_rules(p), 0);
	policy_free(p);

	/* dive's "disabled" (and newer dive's off/false/"") in JSON too. */
	p = load_ok(*state, "off.json", "{\"lowestEfficiency\": \"disabled\","
	    " \"highestWastedBytes\": \"OFF\", \"highestUserWastedPercent\":"
	    " \" false \", \"forbidden_purposes\": []}");
	assert_int_equal(policy_n_rules(p), 0);
	policy_free(p);
	policy_free(NULL);
}

static void
test_json_errors(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "{\"max_final_size\": \"12XB\"}",
		    ": max_final_size: '12XB' is not a size: unknown unit 'XB' "
		    "(use B, kB, MB, GB, TB, or KiB, MiB, GiB, TiB)" },
		{ "{\"max_final_sise\": 1}",
		    ": unknown key 'max_final_sise' (did you mean "
		    "'max_final_size'?)" },
		{ "{\"LowestEfficiency\": 0.9}",
		    ": unknown key 'LowestEfficiency' (did you mean "
		    "'lowestEfficiency'?)" },
		{ "{\"colour\": 1}", ": unknown key 'colour'" },
		{ "{\"max_final_size\": true}",
		    ": max_final_size: expected a size (bytes, or a string "
		    "such as \"2.5GB\"), not a boolean" },
		{ "{\"max_final_size\": -1}",
		    ": max_final_size: -1 is not a number of bytes" },
		{ "{\"max_final_size\": 1.5}",
		    ": max_final_size: 1.5 is not a number of bytes" },
		{ "{\"max_final_size\": \"disabled\"}",
		    ": max_final_size: 'disabled' is not a size: it does not "
		    "start with a number" },
		{ "{\"min_efficiency\": 1.5}",
		    ": min_efficiency: 1.5 is outside the allowed range 0..1" },
		{ "{\"min_efficiency\": \"0.9\"}",
		    ": min_efficiency: expected a number from 0 to 1, not a "
		    "string" },
		{ "{\"max_wasted_percent\": 101}",
		    ": max_wasted_percent: 101 is outside the allowed range "
		    "0..100 (a percentage)" },
		{ "{\"max_wasted_percent\": null}",
		    ": max_wasted_percent: expected a number from 0 to 100, "
		    "not null" },
		{ "{\"max_layers\": 2.5}",
		    ": max_layers: 2.5 is not a whole number" },
		{ "{\"max_layers\": [3]}",
		    ": max_layers: expected a whole number, not an array" },
		{ "{\"forbidden_purposes\": [\"docs\", \"doc\"]}",
		    ": forbidden_purposes: unknown purpose 'doc' (purposes: "
		    "runtime, training-only, dev-only, profiling, build-cache, "
		    "docs, tests, debug, multi-gpu-only, other-gpu-arch, "
		    "wasted, unknown)" },
		{ "{\"forbidden_purposes\": [\"docs\", \"docs\"]}",
		    ": forbidden_purposes: 'docs' is listed twice" },
		{ "{\"forbidden_purposes\": \"docs\"}",
		    ": forbidden_purposes: expected an array of purpose names, "
		    "not a string" },
		{ "{\"forbidden_purposes\": [1]}",
		    ": forbidden_purposes: expected purpose names, not a "
		    "number" },
		{ "{\"ignore_paths\": [\"/x\"]}",
		    ": ignore_paths applies only to forbidden_purposes, which "
		    "the policy does not set" },
		{ "{\"forbidden_purposes_allowance\": \"1MB\"}",
		    ": forbidden_purposes_allowance applies only to "
		    "forbidden_purposes, which the policy does not set" },
		{ "{\"forbidden_purposes\": [\"docs\"], "
		    "\"forbidden_purposes_allowance\": \"1XB\"}",
		    ": forbidden_purposes_allowance: '1XB' is not a size: "
		    "unknown unit 'XB' (use B, kB, MB, GB, TB, or KiB, MiB, "
		    "GiB, TiB)" },
		{ "{\"forbidden_purposes\": [\"docs\"], "
		    "\"ignore_paths\": [\"usr/*\"]}",
		    ": ignore_paths: 'usr/*' matches nothing: paths start with "
		    "'/' (\"/usr/share/doc/*\")" },
		{ "{\"forbidden_purposes\": [\"docs\"], "
		    "\"ignore_paths\": \"/usr\"}",
		    ": ignore_paths: expected an array of globs, not a "
		    "string" },
		{ "{\"max_final_size\": 1, \"max_final_size\": 2}",
		    ": key 'max_final_size' appears twice" },
		{ "{\"lowestEfficiency\": 0.9, "
		    "\"rules\": {\"lowestEfficiency\": 0.8}}",
		    ": lowestEfficiency is set twice" },
		{ "{\"rules\": {\"max_final_size\": 1}}",
		    ": unknown key 'max_final_size' in rules (dive's rules are "
		    "lowestEfficiency, highestWastedBytes and "
		    "highestUserWastedPercent)" },
		{ "{\"rules\": 1}",
		    ": rules: expected an object of dive's rules, not a "
		    "number" },
		{ "[1]", ": a JSON policy is an object {\"key\": value, ...}" },
		{ "{\"max_final_size\": 1,}", ": not valid JSON: it ends early "
		    "(a missing '}' or a trailing comma?)" },
		{ "{\n  \"a\": 1\n  \"b\": 2\n}",
		    ":3: not valid JSON near '\"b\": 2?}'" },
		{ "{\"a\": 1} x", ":1: not valid JSON near 'x'" },
		{ "{\n\"max_layers\": 1\n", ": not valid JSON: it ends early "
		    "(a missing '}' or a trailing comma?)" },
		/* dive's own value errors and ranges. */
		{ "{\"lowestEfficiency\": \"abc\"}",
		    ": lowestEfficiency: 'abc' is not a number" },
		{ "{\"lowestEfficiency\": \"0x1p-1\"}",
		    ": lowestEfficiency: '0x1p-1' is not a number" },
		{ "{\"lowestEfficiency\": 1.0000001}",
		    ": lowestEfficiency: 1.0000001 is outside the allowed "
		    "range 0..1" },
		{ "{\"highestWastedBytes\": \"-1BB\"}",
		    ": highestWastedBytes: '-1BB' is not a size: it does not "
		    "start with a number" },
		{ "{\"highestUserWastedPercent\": -0.1}",
		    ": highestUserWastedPercent: -0.1 is outside the allowed "
		    "range 0..1" },
		{ "{\"highestUserWastedPercent\": \"20%\"}",
		    ": highestUserWastedPercent: '20%' is not a number" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		load_bad(*state, "policy.json", cases[i].text, cases[i].want);
}

/* A .dive-ci file as dive's README writes one, with the usual extras. */
static void
test_dive_file(void **state)
{
	struct policy *p;
	cJSON *r = report_quiet();

	p = load_ok(*state, ".dive-ci",
	    "# dive CI settings\n"
	    "---\n"
	    "rules:   # the three rules\n"
	    "  # If the efficiency is measured below X%, mark as failed.\n"
	    "  lowestEfficiency: 0.95\r\n"
	    "\n"
	    "  highestWastedBytes: '20MB'  # quoted is fine\n"
	    "  HighestUserWastedPercent: \"0.20\"\n");
	assert_int_equal(policy_n_rules(p), 3);
	set_total(r, "dive_efficiency", 0.95);
	set_total(r, "dive_wasted_bytes", 20e6);
	set_total(r, "dive_user_wasted_percent", 0.2);
	expect(p, r, 0, NULL);
	set_total(r, "dive_wasted_bytes", 20e6 + 1);
	expect(p, r, 1, "highestWastedBytes: dive counts 20MB (20000001 "
	    "bytes) wasted, over the 20MB (20000000 bytes) threshold");
	policy_free(p);

	/*
	 * A rule the file leaves out takes dive's default: lowestEfficiency
	 * 0.9, highestWastedBytes disabled, highestUserWastedPercent 0.1.
	 */
	p = load_ok(*state, ".dive-ci", "rules:\n  lowestEfficiency: 0.5\n");
	assert_int_equal(policy_n_rules(p), 2);
	set_total(r, "dive_wasted_bytes", 1e12);
	set_total(r, "dive_user_wasted_percent", 0.1);
	expect(p, r, 0, NULL);
	set_total(r, "dive_user_wasted_percent", 0.11);
	expect(p, r, 1, "highestUserWastedPercent: dive's user wasted "
	    "fraction is 0.11, over the 0.1 threshold");
	policy_free(p);

	p = load_ok(*state, ".dive-ci", "rules:\n");
	assert_int_equal(policy_n_rules(p), 2);
	set_total(r, "dive_user_wasted_percent", 0);
	set_total(r, "dive_efficiency", 0.89);
	expect(p, r, 1, "lowestEfficiency: dive's efficiency is 0.89, under "
	    "the 0.9 threshold");
	policy_free(p);

	p = load_ok(*state, ".dive-ci", "rules:\n"
	    "    lowestEfficiency: disabled\n"
	    "    highestWastedBytes: Off\n"
	    "    highestUserWastedPercent: false\n");
	assert_int_equal(policy_n_rules(p), 0);
	expect(p, r, 0, NULL);
	policy_free(p);

	/* A '#' inside a word or quotes is not a comment. */
	load_bad(*state, ".dive-ci", "rules:\n  highestWastedBytes: 20#MB\n",
	    ":2: highestWastedBytes: '20#MB' is not a size: unknown unit '#MB' "
	    "(use B, kB, MB, GB, TB, or KiB, MiB, GiB, TiB)");
	load_bad(*state, ".dive-ci", "rules:\n  highestWastedBytes: '20 #MB'\n",
	    ":2: highestWastedBytes: '20 #MB' is not a size: unknown unit "
	    "'#MB' (use B, kB, MB, GB, TB, or KiB, MiB, GiB, TiB)");
	cJSON_Delete(r);
}

static void
test_dive_errors(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "rules:\n  highestWastedBytes: 20XB\n",
		    ":2: highestWastedBytes: '20XB' is not a size: unknown "
		    "unit 'XB' (use B, kB, MB, GB, TB, or KiB, MiB, GiB, "
		    "TiB)" },
		{ "rules:\n  lowestEfficiency: 1.5\n",
		    ":2: lowestEfficiency: 1.5 is outside the allowed range "
		    "0..1" },
		{ "rules:\n  lowestEfficiency: 95%\n",
		    ":2: lowestEfficiency: '95%' is not a number" },
		{ "rules:\n  highestUserWastedPercent: -0.5\n",
		    ":2: highestUserWastedPercent: -0.5 is outside the allowed "
		    "range 0..1" },
		{ "rules:\n  lowestEfficiency:\n",
		    ":2: lowestEfficiency: no value (write 'disabled' to turn "
		    "the rule off)" },
		{ "rules:\n  lowestEfficiency: '0.9\n",
		    ":2: lowestEfficiency: a quoted value must be one plain "
		    "quoted word, like '20MB'" },
		{ "rules:\n  lowestEfficiency: [0.9]\n",
		    ":2: lowestEfficiency: only plain values are supported (a "
		    "number, a size or disabled), not '[...'" },
		{ "rules:\n\tlowestEfficiency: 0.9\n",
		    ":2: a tab in the indentation (YAML indents with spaces)" },
		{ "rules:\n  lowestEfficiency: 0.9\n   highestWastedBytes: 1\n",
		    ":3: inconsistent indentation (the rules above are "
		    "indented by 2)" },
		{ "rules:\n  lowestEfficency: 0.9\n",
		    ":2: unknown rule 'lowestEfficency' (dive's rules are "
		    "lowestEfficiency, highestWastedBytes and "
		    "highestUserWastedPercent)" },
		{ "rules:\n  lowestEfficiency: 0.9\n  lowestefficiency: 0.8\n",
		    ":3: lowestEfficiency is set twice (first on line 2)" },
		{ "rule:\n  lowestEfficiency: 0.9\n",
		    ":1: unknown key 'rule' (a .dive-ci file holds only "
		    "'rules:')" },
		{ "rules:\n  lowestEfficiency: 0.9\nrules:\n",
		    ":3: 'rules:' appears twice" },
		{ "rules: {lowestEfficiency: 0.9}\n",
		    ":1: write each rule on an indented line under 'rules:' "
		    "(flow style is not supported)" },
		{ "  lowestEfficiency: 0.9\n",
		    ":1: unexpected indentation (rules go under 'rules:')" },
		{ "rules:\n  - lowestEfficiency\n",
		    ":2: expected 'key: value', not '- lowestEfficiency'" },
		{ "# nothing but a comment\n\n",
		    ": no 'rules:' (neither a JSON policy nor a .dive-ci "
		    "file)" },
		{ "", ": no 'rules:' (neither a JSON policy nor a .dive-ci "
		    "file)" },
		{ "---\n---\nrules:\n",
		    ":2: expected 'key: value', not '---'" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		load_bad(*state, ".dive-ci", cases[i].text, cases[i].want);
}

static void
test_file_errors(void **state)
{
	struct fx *fx = *state;
	struct ia_error err = { 0 };
	struct policy *p = NULL;
	char path[700], *big;

	snprintf(path, sizeof(path), "%s/missing.json", fx->dir);
	assert_int_equal(policy_load(path, &p, &err), IA_EINPUT);
	assert_null(p);
	assert_true(strncmp(err.msg, path, strlen(path)) == 0);
	assert_string_equal(err.msg + strlen(path),
	    ": No such file or directory");

	assert_int_equal(policy_load(fx->dir, &p, &err), IA_EINPUT);
	assert_string_equal(err.msg + strlen(fx->dir),
	    ": is a directory, not a policy file");

	put(fx, "nul.json", "{\"max_layers\": 1}\0", 18);
	assert_int_equal(policy_load(fx->path, &p, &err), IA_EINPUT);
	assert_string_equal(err.msg + strlen(fx->path),
	    ": not a text file (it holds a NUL byte)");

	/* 1 MiB of blanks and a policy is read; one byte more is not. */
	big = xmalloc(POLICY_MAX_BYTES + 2);
	memset(big, ' ', POLICY_MAX_BYTES + 1);
	memcpy(big + POLICY_MAX_BYTES - 2, "{}", 2);
	put(fx, "big.json", big, POLICY_MAX_BYTES);
	assert_int_equal(policy_load(fx->path, &p, &err), IA_OK);
	policy_free(p);
	memcpy(big + POLICY_MAX_BYTES - 1, "{}", 2);
	put(fx, "big.json", big, POLICY_MAX_BYTES + 1);
	assert_int_equal(policy_load(fx->path, &p, &err), IA_EINPUT);
	assert_null(p);
	assert_string_equal(err.msg + strlen(fx->path),
	    ": larger than 1048576 bytes, too large for a policy file");
	free(big);
}

/*
 * Every rule holds at its limit and breaks just past it.  dive compares
 * strictly: efficiency == lowestEfficiency passes, wasted bytes ==
 * highestWastedBytes passes.
 */
static void
test_boundaries(void **state)
{
	static const struct {
		const char *policy, *total;
		double at, past;
		const char *msg;
	} cases[] = {
		{ "{\"max_final_size\": \"2GB\"}", "final_bytes", 2e9, 2.31e9,
		    "max_final_size: the final tree is 2.31GB, over the 2GB "
		    "limit" },
		{ "{\"max_final_size\": \"2GB\"}", "final_bytes", 2e9, 2e9 + 1,
		    "max_final_size: the final tree is 2GB (2000000001 bytes), "
		    "over the 2GB (2000000000 bytes) limit" },
		{ "{\"max_final_size\": \"1GiB\"}", "final_bytes",
		    1073741824.0, 1073741825.0,
		    "max_final_size: the final tree is 1.07GB (1073741825 "
		    "bytes), over the 1.07GB (1073741824 bytes) limit" },
		{ "{\"max_compressed_size\": 800000000}", "compressed_bytes",
		    8e8, 9.5e8, "max_compressed_size: the image pulls 950MB "
		    "compressed, over the 800MB limit" },
		{ "{\"max_wasted_size\": \"100kB\"}", "wasted_bytes", 1e5,
		    515000, "max_wasted_size: 515kB is wasted (hidden by later "
		    "layers), over the 100kB limit" },
		{ "{\"min_efficiency\": 0.9}", "efficiency", 0.9,
		    0.8999, "min_efficiency: the efficiency is 0.8999, under "
		    "the 0.9 minimum" },
		{ "{\"max_removable_size\": \"1MB\"}", "removable_bytes", 1e6,
		    1.5e6, "max_removable_size: the removal candidates would "
		    "save 1.5MB, over the 1MB limit" },
		{ "{\"max_layers\": 10}", "layers", 10, 11,
		    "max_layers: the image has 11 layers, over the limit of "
		    "10" },
		{ "{\"lowestEfficiency\": 0.95}", "dive_efficiency", 0.95,
		    0.912, "lowestEfficiency: dive's efficiency is 0.912, "
		    "under the 0.95 threshold" },
		{ "{\"rules\": {\"highestWastedBytes\": \"20MB\"}}",
		    "dive_wasted_bytes", 20e6, 25.3e6, "highestWastedBytes: "
		    "dive counts 25.3MB wasted, over the 20MB threshold" },
		{ "{\"highestUserWastedPercent\": 0.2}",
		    "dive_user_wasted_percent", 0.2, 0.25,
		    "highestUserWastedPercent: dive's user wasted fraction is "
		    "0.25, over the 0.2 threshold" },
	};
	struct policy_result res;
	struct policy *p;
	cJSON *r;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		p = load_ok(*state, "policy.json", cases[i].policy);
		r = report_quiet();
		set_total(r, cases[i].total, cases[i].at);
		expect(p, r, 0, NULL);
		set_total(r, cases[i].total, cases[i].past);
		assert_int_equal(policy_check(p, r, NULL, 0, &res), 1);
		assert_int_equal(res.n, 1);
		assert_int_equal(res.n_rules_checked, 1);
		assert_string_equal(res.v[0].message, cases[i].msg);
		assert_true(strncmp(res.v[0].message, res.v[0].rule,
		    strlen(res.v[0].rule)) == 0);
		assert_true(res.v[0].actual == cases[i].past);
		policy_result_free(&res);
		cJSON_Delete(r);
		policy_free(p);
	}
}

/* The smallest steps past a fractional limit still break it. */
static void
test_fraction_edges(void **state)
{
	struct policy *p;
	cJSON *r = report_quiet();

	p = load_ok(*state, "policy.json", "{\"lowestEfficiency\": 0.95, "
	    "\"highestUserWastedPercent\": 0.2, \"min_efficiency\": 0.5}");
	set_total(r, "dive_efficiency", 0.95);
	set_total(r, "dive_user_wasted_percent", 0.2);
	set_total(r, "efficiency", 0.5);
	expect(p, r, 0, NULL);
	set_total(r, "dive_efficiency", nextafter(0.95, 0));
	expect(p, r, 1, "lowestEfficiency: dive's efficiency is "
	    "0.9499999999999998, under the 0.95 threshold");
	set_total(r, "dive_efficiency", 1);
	set_total(r, "dive_user_wasted_percent", nextafter(0.2, 1));
	expect(p, r, 1, "highestUserWastedPercent: dive's user wasted "
	    "fraction is 0.20000000000000004, over the 0.2 threshold");
	policy_free(p);

	/* Limits 0 and 1, which dive's range allows. */
	p = load_ok(*state, "policy.json", "{\"lowestEfficiency\": 1, "
	    "\"highestUserWastedPercent\": 0}");
	set_total(r, "dive_efficiency", 1);
	set_total(r, "dive_user_wasted_percent", 0);
	expect(p, r, 0, NULL);
	policy_free(p);
	cJSON_Delete(r);
}

/* max_wasted_percent is wasted_bytes / layer_bytes, in percent. */
static void
test_wasted_percent(void **state)
{
	struct policy *p = load_ok(*state, "policy.json",
	    "{\"max_wasted_percent\": 5}");
	cJSON *r = report_quiet();

	set_total(r, "layer_bytes", 1000);
	set_total(r, "wasted_bytes", 50);
	expect(p, r, 0, NULL);
	set_total(r, "wasted_bytes", 51);
	expect(p, r, 1, "max_wasted_percent: 5.1% of the layer bytes are "
	    "wasted, over the 5% limit");
	set_total(r, "layer_bytes", 0);
	expect(p, r, 0, NULL);
	policy_free(p);
	cJSON_Delete(r);
}

/* Several broken rules come out in the documented order. */
static void
test_several(void **state)
{
	struct policy *p = load_ok(*state, "policy.json",
	    "{\"highestWastedBytes\": 0, \"max_layers\": 1, "
	    "\"max_final_size\": 10}");
	struct policy_result res;
	cJSON *r = report_quiet(), *j, *v;
	char *text;

	set_total(r, "dive_wasted_bytes", 5);
	set_total(r, "layers", 2);
	set_total(r, "final_bytes", 11);
	assert_int_equal(policy_check(p, r, NULL, 0, &res), 1);
	assert_int_equal(res.n, 3);
	assert_int_equal(res.n_rules_checked, 3);
	assert_string_equal(res.v[0].rule, "max_final_size");
	assert_string_equal(res.v[1].rule, "max_layers");
	assert_string_equal(res.v[2].rule, "highestWastedBytes");

	j = policy_result_json(p, &res);
	assert_string_equal(cJSON_GetObjectItem(j, "file")->valuestring,
	    policy_path(p));
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(j, "passed")));
	assert_int_equal(cJSON_GetObjectItem(j, "rules_checked")->valueint, 3);
	v = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "violations"), 0);
	assert_string_equal(cJSON_GetObjectItem(v, "rule")->valuestring,
	    "max_final_size");
	assert_string_equal(cJSON_GetObjectItem(v, "message")->valuestring,
	    "max_final_size: the final tree is 11B, over the 10B limit");
	assert_int_equal(cJSON_GetObjectItem(v, "limit")->valueint, 10);
	assert_int_equal(cJSON_GetObjectItem(v, "actual")->valueint, 11);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j,
	    "violations")), 3);
	cJSON_Delete(j);
	policy_result_free(&res);
	assert_int_equal(res.n, 0);
	assert_null(res.v);
	policy_result_free(NULL);

	/* Passing: the same shape, passed true, no violations. */
	set_total(r, "dive_wasted_bytes", 0);
	set_total(r, "layers", 1);
	set_total(r, "final_bytes", 10);
	assert_int_equal(policy_check(p, r, NULL, 0, &res), 0);
	j = policy_result_json(p, &res);
	text = cJSON_PrintUnformatted(j);
	assert_non_null(strstr(text, "\"passed\":true,\"rules_checked\":3,"
	    "\"violations\":[]}"));
	cJSON_free(text);
	cJSON_Delete(j);
	policy_result_free(&res);
	policy_free(p);
	cJSON_Delete(r);
}

/* A report without a total a rule needs is the caller's bug: -1. */
static void
test_missing_total(void **state)
{
	struct policy *p = load_ok(*state, "policy.json",
	    "{\"max_wasted_percent\": 5}");
	struct policy_result res;
	cJSON *r = report_with("wasted_bytes", 5.0, (const char *)NULL);
	cJSON *none = cJSON_CreateObject();

	assert_int_equal(policy_check(p, r, NULL, 0, &res), -1);
	assert_int_equal(res.n, 0);
	assert_int_equal(policy_check(p, none, NULL, 0, &res), -1);
	policy_result_free(&res);
	policy_free(p);

	/* With no rules, nothing is read. */
	p = load_ok(*state, "policy.json", "{}");
	assert_int_equal(policy_check(p, none, NULL, 0, &res), -1);
	assert_int_equal(policy_check(p, r, NULL, 0, &res), 0);
	assert_int_equal(res.n_rules_checked, 0);
	policy_result_free(&res);
	policy_free(p);
	cJSON_Delete(r);
	cJSON_Delete(none);
}

static void
test_forbidden(void **state)
{
	static const struct policy_file files[] = {
		{ "/usr/lib/libc.so.6", 2000000, "runtime" },
		{ "/usr/local/lib/python3.11/site-packages/tensorboard/x.py",
		    460000, "training-only" },
		{ "/usr/local/lib/python3.11/site-packages/torch/tests/t.py",
		    3000, "tests" },
		{ "/usr/share/doc/bash/README", 1500, "docs" },
		{ "/opt/tools/bin/nsys", 90000, "profiling" },
		{ "/app/evil\033[2Jname", 10, "training-only" },
		{ "/app/what", 7, NULL },
	};
	const size_t n = sizeof(files) / sizeof(files[0]);
	struct policy_result res;
	struct policy *p;
	cJSON *r = report_quiet();

	/* Every forbidden file counts, and its control characters print. */
	p = load_ok(*state, "policy.json", "{\"forbidden_purposes\": "
	    "[\"training-only\", \"tests\", \"docs\", \"profiling\"]}");
	assert_int_equal(policy_n_rules(p), 1);
	assert_int_equal(policy_check(p, r, files, n, &res), 1);
	assert_int_equal(res.n, 1);
	assert_string_equal(res.v[0].rule, "forbidden_purposes");
	assert_string_equal(res.v[0].message, "forbidden_purposes: the final "
	    "tree holds 555kB of forbidden files (training-only 460kB in 2 "
	    "files, profiling 90kB in 1 file, docs 1.5kB in 1 file, tests 3kB "
	    "in 1 file), over the 0B allowance; largest: "
	    "/usr/local/lib/python3.11/site-packages/tensorboard/x.py "
	    "(460kB)");
	assert_true(res.v[0].actual == 554510);
	assert_true(res.v[0].limit == 0);
	policy_result_free(&res);
	policy_free(p);

	/*
	 * ignore_paths: '*' crosses '/', and a glob naming a directory
	 * covers what is under it.  The allowance is allowed.
	 */
	p = load_ok(*state, "policy.json", "{\"forbidden_purposes\": "
	    "[\"training-only\", \"tests\", \"docs\", \"profiling\"], "
	    "\"ignore_paths\": [\"/usr/local/*/tensorboard/*\", \"*/tests/*\","
	    " \"/opt/tools\", \"/usr/share/doc\"], "
	    "\"forbidden_purposes_allowance\": 10}");
	expect(p, r, 0, NULL);
	assert_int_equal(policy_check(p, r, files, n, &res), 0);
	assert_int_equal(res.n_rules_checked, 1);
	policy_result_free(&res);
	policy_free(p);

	p = load_ok(*state, "policy.json", "{\"forbidden_purposes\": "
	    "[\"training-only\"], \"ignore_paths\": [\"/usr/local/*\"], "
	    "\"forbidden_purposes_allowance\": 9}");
	assert_int_equal(policy_check(p, r, files, n, &res), 1);
	assert_string_equal(res.v[0].message, "forbidden_purposes: the final "
	    "tree holds 10B of forbidden files (training-only 10B in 1 file), "
	    "over the 9B allowance; largest: /app/evil\\x1b[2Jname (10B)");
	policy_result_free(&res);
	policy_free(p);

	/* A glob is not a prefix: "/opt/tool" does not cover /opt/tools. */
	p = load_ok(*state, "policy.json", "{\"forbidden_purposes\": "
	    "[\"profiling\", \"unknown\"], \"ignore_paths\": [\"/opt/tool\"]}");
	assert_int_equal(policy_check(p, r, files, n, &res), 1);
	assert_string_equal(res.v[0].message, "forbidden_purposes: the final "
	    "tree holds 90kB of forbidden files (profiling 90kB in 1 file, "
	    "unknown 7B in 1 file), over the 0B allowance; largest: "
	    "/opt/tools/bin/nsys (90kB)");
	policy_result_free(&res);
	policy_free(p);
	cJSON_Delete(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test_setup_teardown(test_json_full, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_json_errors, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_dive_file, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_dive_errors, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_file_errors, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_boundaries, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_fraction_edges, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_wasted_percent, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_several, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_total, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_forbidden, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
