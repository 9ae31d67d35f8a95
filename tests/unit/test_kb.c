/* SPDX-License-Identifier: MIT */
/*
 * test_kb.c: the knowledge base — the embedded rules are complete (every
 * rule has a purpose, a reason, a fix and a source), --kb-extra adds and
 * overrides rules, bad extra files are refused with the file's name, and
 * the matching rules (globs, keep globs, most specific wins) hold.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <fnmatch.h>

#include "kb.h"

static char *
write_tmp(const char *name, const char *text)
{
	const char *dir = getenv("TMPDIR");
	char *path = malloc(4096);
	FILE *f;

	snprintf(path, 4096, "%s/%s", dir ? dir : "/tmp", name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static int
nonempty(const char *s)
{
	return s != NULL && s[strspn(s, " \t\n")] != '\0';
}

static void
test_embedded_rules_complete(void **state)
{
	struct kb *kb = NULL;
	struct ia_error err = { 0 };
	size_t i, k;
	int p;

	(void)state;
	assert_int_equal(kb_open(NULL, 0, &kb, &err), IA_OK);
	for (p = 0; p < P_COUNT; p++)
		assert_true(nonempty(kb->purpose_desc[p]));
	/* Runtime and unknown are never removable; wasted always is. */
	assert_false(kb->removable[PROFILE_INFERENCE][P_RUNTIME]);
	assert_false(kb->removable[PROFILE_TRAINING][P_UNKNOWN]);
	assert_true(kb->removable[PROFILE_INFERENCE][P_WASTED]);
	assert_true(kb->removable[PROFILE_INFERENCE][P_TRAINING_ONLY]);
	assert_false(kb->removable[PROFILE_TRAINING][P_TRAINING_ONLY]);

	assert_true(kb->n_pkg >= 60);
	for (i = 0; i < kb->n_pkg; i++) {
		const struct kb_package_rule *r = &kb->pkg[i];

		assert_true(nonempty(r->pattern));
		assert_true(r->purpose < P_COUNT);
		assert_true(nonempty(r->reason));
		assert_true(nonempty(r->fix));
		assert_true(nonempty(r->source));
	}
	assert_true(kb->n_cuda >= 40);
	for (i = 0; i < kb->n_cuda; i++) {
		assert_true(nonempty(kb->cuda[i].component));
		assert_true(nonempty(kb->cuda[i].reason));
		assert_true(nonempty(kb->cuda[i].source));
	}
	assert_true(kb->n_path >= 10);
	for (i = 0; i < kb->n_path; i++) {
		const struct kb_path_rule *r = &kb->path[i];

		assert_true(nonempty(r->title));
		assert_true(nonempty(r->reason));
		assert_true(nonempty(r->fix));
		assert_true(nonempty(r->source));
		assert_true(r->n_globs > 0);
		for (k = 0; k < r->n_globs; k++)
			assert_true(nonempty(r->globs[k].glob));
	}
	for (i = 0; i < kb->n_base; i++) {
		assert_true(nonempty(kb->base[i].signature));
		assert_true(nonempty(kb->base[i].reason));
		assert_true(nonempty(kb->base[i].fix));
		assert_true(kb->base[i].n_globs > 0);
	}
	for (i = 0; i < kb->n_dlopen; i++)
		assert_true(nonempty(kb->dlopen[i].source));
	kb_free(kb);
}

static void
test_builtin_facts(void **state)
{
	struct kb *kb = NULL;
	struct ia_error err = { 0 };
	const struct kb_package_rule *r;
	const struct kb_cuda_rule *c;
	const struct kb_path_rule *pr;

	(void)state;
	assert_int_equal(kb_open(NULL, 0, &kb, &err), IA_OK);
	r = kb_match_package(kb, "pip", "tensorboard");
	assert_non_null(r);
	assert_int_equal(r->purpose, P_TRAINING_ONLY);
	r = kb_match_package(kb, "pip", "pytest-cov");
	assert_non_null(r);
	assert_true(kb->removable[PROFILE_INFERENCE][r->purpose]);
	assert_null(kb_match_package(kb, "pip", "numpy-not-a-rule-xyz"));
	r = kb_match_package(kb, "dpkg", "build-essential");
	assert_non_null(r);
	assert_int_equal(r->purpose, P_DEV_ONLY);
	/* A rule is per ecosystem. */
	assert_null(kb_match_package(kb, "npm", "build-essential"));

	/* The CUDA catalogue by file name (kb-facts.md §1.3). */
	c = kb_match_cuda(kb, "libcupti.so.12");
	assert_non_null(c);
	assert_int_equal(c->need, NEED_PROFILING);
	c = kb_match_cuda(kb, "libcublasLt.so.13");
	assert_non_null(c);
	assert_int_equal(c->need, NEED_NEEDED);
	c = kb_match_cuda(kb, "libnccl.so.2");
	assert_non_null(c);
	assert_int_equal(c->need, NEED_MULTI_GPU_ONLY);
	c = kb_match_cuda(kb, "libnvperf_host.so");
	assert_non_null(c);
	assert_int_equal(c->need, NEED_PROFILING);
	assert_null(kb_match_cuda(kb, "libc.so.6"));

	pr = kb_match_path(kb, "/root/.cache/pip/http-v2/a/b/c.body");
	assert_non_null(pr);
	assert_string_equal(pr->name, "pip-cache");
	pr = kb_match_path(kb, "/var/lib/apt/lists/deb.debian.org_Packages");
	assert_non_null(pr);
	assert_string_equal(pr->name, "apt-lists");
	pr = kb_match_path(kb,
	    "/usr/lib/python3/dist-packages/x/__pycache__/y.cpython-311.pyc");
	assert_non_null(pr);
	assert_string_equal(pr->name, "python-bytecode");
	/* Licences stay: the docs rule keeps copyright files. */
	pr = kb_match_path(kb, "/usr/share/doc/libc6/copyright");
	assert_true(pr == NULL || strcmp(pr->name, "docs") != 0);
	pr = kb_match_path(kb, "/usr/share/doc/libc6/changelog.Debian.gz");
	assert_non_null(pr);
	assert_int_equal(pr->purpose, P_DOCS);
	assert_null(kb_match_path(kb, "/app/server.py"));
	kb_free(kb);
}

static void
test_extra_overrides_and_adds(void **state)
{
	struct kb *kb = NULL;
	struct ia_error err = { 0 };
	const struct kb_package_rule *r;
	const struct kb_path_rule *pr;
	char *path;
	const char *extra[1];

	(void)state;
	path = write_tmp("extra.sql",
	    "-- our serving image does use tensorboard's data server\n"
	    "INSERT OR REPLACE INTO package_rules VALUES ('pip', "
	    "'tensorboard', 'runtime', 'high', 'We serve dashboards.', "
	    "'Keep it.', NULL, 'our team');\n"
	    "INSERT OR REPLACE INTO path_rules VALUES ('our-scratch', "
	    "'build-cache', 'high', 'scratch space', 'Left by our build.', "
	    "'Delete /scratch in the same RUN.', 'our team');\n"
	    "INSERT OR REPLACE INTO path_globs VALUES ('our-scratch', "
	    "'/scratch/*', 0);\n"
	    "DELETE FROM package_rules WHERE ecosystem = 'pip' AND "
	    "pattern = 'black';\n");
	extra[0] = path;
	assert_int_equal(kb_open(extra, 1, &kb, &err), IA_OK);
	r = kb_match_package(kb, "pip", "tensorboard");
	assert_non_null(r);
	assert_int_equal(r->purpose, P_RUNTIME);
	assert_string_equal(r->reason, "We serve dashboards.");
	assert_null(kb_match_package(kb, "pip", "black"));
	pr = kb_match_path(kb, "/scratch/a/b");
	assert_non_null(pr);
	assert_string_equal(pr->name, "our-scratch");
	kb_free(kb);
	unlink(path);
	free(path);
}

static void
expect_refused(const char *name, const char *sql, const char *words)
{
	struct kb *kb = NULL;
	struct ia_error err = { 0 };
	char *path = write_tmp(name, sql);
	const char *extra[1] = { path };

	assert_int_equal(kb_open(extra, 1, &kb, &err), IA_EINPUT);
	assert_null(kb);
	if (strstr(err.msg, words) == NULL)
		fail_msg("message '%s' lacks '%s'", err.msg, words);
	unlink(path);
	free(path);
}

static void
test_extra_refused(void **state)
{
	struct kb *kb = NULL;
	struct ia_error err = { 0 };
	const char *missing[1] = { "/nonexistent/kb.sql" };

	(void)state;
	expect_refused("syntax.sql", "INSERT INTO nowhere VALUES (1);\n",
	    "syntax.sql");
	expect_refused("purpose.sql", "INSERT INTO package_rules VALUES "
	    "('pip', 'x', 'fluff', 'high', 'r', 'f', NULL, 's');\n",
	    "purpose.sql");
	expect_refused("newpurpose.sql", "INSERT INTO purposes VALUES "
	    "('fluff', 1, 1, 'made up');\n", "fluff");
	expect_refused("noreason.sql", "INSERT INTO package_rules VALUES "
	    "('pip', 'x', 'dev-only', 'high', '  ', 'f', NULL, 's');\n",
	    "no reason");
	expect_refused("noglob.sql", "INSERT INTO path_rules VALUES "
	    "('lonely', 'docs', 'high', 't', 'r', 'f', 's');\n", "lonely");
	assert_int_equal(kb_open(missing, 1, &kb, &err), IA_EINPUT);
	assert_non_null(strstr(err.msg, "/nonexistent/kb.sql"));
}

static void
test_matching_rules(void **state)
{
	struct kb *kb = NULL;
	struct ia_error err = { 0 };
	const struct kb_package_rule *r;
	const struct kb_path_rule *pr;
	char *path;
	const char *extra[1];

	(void)state;
	/* '*' crosses '/'. */
	assert_true(kb_glob_match("*/tests/*", "/usr/lib/x/tests/a/b.py"));
	assert_false(kb_glob_match("/usr/*.h", "/opt/usr/x.h"));
	path = write_tmp("specific.sql",
	    "INSERT INTO package_rules VALUES ('pip', 'zz-*', 'dev-only', "
	    "'low', 'any zz', 'f', NULL, 's');\n"
	    "INSERT INTO package_rules VALUES ('pip', 'zz-tool*', "
	    "'training-only', 'medium', 'zz tools', 'f', NULL, 's');\n"
	    "INSERT INTO package_rules VALUES ('pip', 'zz-tool-x', 'docs', "
	    "'high', 'exactly x', 'f', NULL, 's');\n"
	    "INSERT INTO path_rules VALUES ('zz-a', 'docs', 'high', 't', 'r', "
	    "'f', 's');\n"
	    "INSERT INTO path_globs VALUES ('zz-a', '/zz/*', 0);\n"
	    "INSERT INTO path_globs VALUES ('zz-a', '/zz/keep/*', 1);\n"
	    "INSERT INTO path_rules VALUES ('zz-b', 'tests', 'high', 't', "
	    "'r', 'f', 's');\n"
	    "INSERT INTO path_globs VALUES ('zz-b', '/zz/deeper/*', 0);\n");
	extra[0] = path;
	assert_int_equal(kb_open(extra, 1, &kb, &err), IA_OK);
	r = kb_match_package(kb, "pip", "zz-tool-x");
	assert_string_equal(r->reason, "exactly x");	/* no wildcard wins */
	r = kb_match_package(kb, "pip", "zz-tool-y");
	assert_string_equal(r->reason, "zz tools");	/* longer glob wins */
	r = kb_match_package(kb, "pip", "zz-other");
	assert_string_equal(r->reason, "any zz");
	pr = kb_match_path(kb, "/zz/a");
	assert_string_equal(pr->name, "zz-a");
	pr = kb_match_path(kb, "/zz/deeper/a");
	assert_string_equal(pr->name, "zz-b");
	assert_null(kb_match_path(kb, "/zz/keep/a"));	/* exempt */
	kb_free(kb);
	unlink(path);
	free(path);
}

/*
 * The prepared globs (byte-pair filter, literal shapes) agree with
 * fnmatch(glob, path, 0) itself, for every glob of the embedded knowledge
 * base and hand-written shapes, on paths made from the globs' own pieces
 * (so that most of them come near a match) and on real-looking ones.
 */
static void
test_glob_shapes(void **state)
{
	static const char *const extra_globs[] = {
		"*", "", "**", "a*", "*a", "*a*", "a", "*a*b", "a?c*",
		"*[ab]c", "\\*x*", "*/x/*/y", "/x/*",
	};
	static const char *const tails[] = {
		"", "x", "/", "a", "ab", "/lib/x.so.1", ".pyc", "/tests/t.py",
	};
	static const char *const real[] = {
		"/usr/share/doc/libc6/copyright", "/usr/lib/x86_64-linux-gnu/libcuda.so.1",
		"/usr/local/lib/python3.11/site-packages/torch/include/c10/x.h",
		"/root/.cache/pip/wheels/a/b.whl", "/x/__pycache__/y.cpython-311.pyc",
		"/usr/local/cuda-13.0/lib64/libcublasLt.so.13", "libcublasLt.so.13",
		"libcublas_static.a", "/a", "a", "ab", "ba", "abc", "",
	};
	struct kb *kb = NULL;
	struct ia_error err = { 0 };
	const struct kb_glob **g;
	size_t n = 0, cap = 1024, i, k, t, checked = 0, at = 0;
	char path[600], sql[4096], *file;
	const char *extra[1];
	struct kb_grams m;

	(void)state;
	/* The hand-written globs come in as one path rule of --kb-extra. */
	at += (size_t)snprintf(sql + at, sizeof(sql) - at, "INSERT INTO "
	    "path_rules VALUES ('zz-shapes', 'docs', 'high', 't', 'r', 'f', "
	    "'s');\n");
	for (i = 0; i < sizeof(extra_globs) / sizeof(extra_globs[0]); i++)
		at += (size_t)snprintf(sql + at, sizeof(sql) - at, "INSERT INTO "
		    "path_globs VALUES ('zz-shapes', '%s', 0);\n",
		    extra_globs[i]);
	file = write_tmp("shapes.sql", sql);
	extra[0] = file;
	assert_int_equal(kb_open(extra, 1, &kb, &err), IA_OK);
	g = calloc(cap, sizeof(*g));
	for (i = 0; i < kb->n_path; i++)
		for (k = 0; k < kb->path[i].n_globs; k++)
			g[n++] = &kb->path[i].globs[k];
	for (i = 0; i < kb->n_base; i++) {
		for (k = 0; k < kb->base[i].n_globs; k++)
			g[n++] = &kb->base[i].globs[k];
		g[n++] = &kb->base[i].sig;
		if (kb->base[i].unless != NULL)
			g[n++] = &kb->base[i].unl;
	}
	for (i = 0; i < kb->n_cuda; i++)
		g[n++] = &kb->cuda[i].g;
	assert_true(n > 250 && n < cap);
	for (i = 0; i < n; i++) {
		for (k = 0; k < n; k += 7) {
			for (t = 0; t < sizeof(tails) / sizeof(tails[0]); t++) {
				const char *lit = g[k]->lit ? g[k]->lit : "";
				size_t len;

				/* glob k's literal, glob i's literal, a tail. */
				snprintf(path, sizeof(path), "%s%s%s", lit,
				    g[i]->lit ? g[i]->lit : "", tails[t]);
				len = strlen(path);
				kb_grams(&m, path, len);
				if (kb_glob_test(g[i], path, len, &m) !=
				    (fnmatch(g[i]->glob, path, 0) == 0))
					fail_msg("%s on %s", g[i]->glob, path);
				checked++;
			}
		}
		for (t = 0; t < sizeof(real) / sizeof(real[0]); t++) {
			size_t len = strlen(real[t]);

			kb_grams(&m, real[t], len);
			if (kb_glob_test(g[i], real[t], len, &m) !=
			    (fnmatch(g[i]->glob, real[t], 0) == 0))
				fail_msg("%s on %s", g[i]->glob, real[t]);
			checked++;
		}
	}
	print_message("%zu globs, %zu comparisons with fnmatch\n", n,
	    checked);
	free(g);
	kb_free(kb);
	unlink(file);
	free(file);
}

static void
test_print(void **state)
{
	struct kb *kb = NULL;
	struct ia_error err = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	long n;

	(void)state;
	assert_int_equal(kb_open(NULL, 0, &kb, &err), IA_OK);
	f = open_memstream(&buf, &len);
	n = kb_print(kb, "show", "tensorboard", f);
	fclose(f);
	assert_true(n >= 1);
	assert_non_null(strstr(buf, "training-only"));
	assert_non_null(strstr(buf, "source:"));
	free(buf);
	buf = NULL;
	/* dump is SQL that recreates every row. */
	f = open_memstream(&buf, &len);
	n = kb_print(kb, "dump", NULL, f);
	fclose(f);
	assert_true(n > (long)(kb->n_pkg + kb->n_cuda + kb->n_path));
	assert_non_null(strstr(buf, "INSERT OR REPLACE INTO package_rules "
	    "VALUES ('pip', 'tensorboard'"));
	free(buf);
	kb_free(kb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_embedded_rules_complete),
		cmocka_unit_test(test_builtin_facts),
		cmocka_unit_test(test_extra_overrides_and_adds),
		cmocka_unit_test(test_extra_refused),
		cmocka_unit_test(test_matching_rules),
		cmocka_unit_test(test_glob_shapes),
		cmocka_unit_test(test_print),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
