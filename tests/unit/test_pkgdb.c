/* SPDX-License-Identifier: MIT */
/*
 * test_pkgdb.c: which paths are package databases, the shared helpers
 * (paths, stanzas, names), sorting and lookup, apk's installed database,
 * and input that is not a database at all (NUL bytes, one 1 MB line, files
 * past the size limit).  dpkg, pip, conda and npm have their own files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "pkgdb.h"
#include "pkgdb_private.h"
#include "pkgdb_fixture.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define SP		"usr/local/lib/python3.11/site-packages"
#define DP		"usr/lib/python3/dist-packages"

static void
test_wants(void **state)
{
	static const struct {
		const char *path;
		bool want;
	} t[] = {
		{ "var/lib/dpkg/status", true },
		{ "var/lib/dpkg/status-old", false },
		{ "var/lib/dpkg/status.d/base", true },
		{ "var/lib/dpkg/status.d/libssl3.md5sums", true },
		{ "var/lib/dpkg/status.d/sub/x", false },
		{ "var/lib/dpkg/info/dash.list", true },
		{ "var/lib/dpkg/info/libc6:amd64.list", true },
		{ "var/lib/dpkg/info/libc6:amd64.md5sums", false },
		{ "var/lib/dpkg/info/x/y.list", false },
		{ "var/lib/apt/extended_states", true },
		{ "usr/lib/x86_64-linux-gnu/libstdc++.so.6", false },
		{ SP "/torch-2.1.0.dist-info/METADATA", true },
		{ SP "/torch-2.1.0.dist-info/RECORD", true },
		{ SP "/torch-2.1.0.dist-info/WHEEL", false },
		{ SP "/torch/METADATA", false },
		{ DP "/six-1.16.0.egg-info/PKG-INFO", true },
		{ DP "/six-1.16.0.egg-info/installed-files.txt", true },
		{ DP "/six-1.16.0.egg-info/top_level.txt", false },
		{ DP "/python_apt-2.6.0.egg-info", true },
		{ "opt/conda/conda-meta/numpy-1.26.2-py311_0.json", true },
		{ "conda-meta/zlib-1.2.13-h5eee18b_0.json", true },
		{ "opt/conda/conda-meta/history", false },
		{ "opt/conda/pkgs/x/info/index.json", false },
		{ "lib/apk/db/installed", true },
		{ "usr/lib/apk/db/installed", false },
		{ "usr/lib/node_modules/npm/package.json", true },
		{ "usr/lib/node_modules/npm/node_modules/abbrev/package.json",
		    true },
		{ "app/node_modules/@babel/core/package.json", true },
		{ "node_modules/left-pad/package.json", true },
		{ "app/node_modules/@babel/package.json", false },
		{ "app/node_modules/x/lib/package.json", false },
		{ "app/node_modules/.bin/package.json", false },
		{ "app/package.json", false },
		{ "package.json", false },
		{ "", false },
		{ "/var/lib/dpkg/status", true },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(t); i++)
		if (pkgdb_wants(t[i].path) != t[i].want)
			fail_msg("pkgdb_wants(\"%s\") should be %d", t[i].path,
			    t[i].want);
}

static void
check_resolve_n(const char *base, const char *rel, size_t len,
    const char *want, unsigned want_flags)
{
	unsigned flags = 0;
	char *got = path_resolve(base, span_make(rel, len), &flags);

	if (want == NULL)
		assert_null(got);
	else {
		assert_non_null(got);
		assert_string_equal(got, want);
	}
	assert_int_equal(flags, want_flags);
	free(got);
}

static void
check_resolve(const char *base, const char *rel, const char *want,
    unsigned want_flags)
{
	check_resolve_n(base, rel, strlen(rel), want, want_flags);
}

static void
test_path_resolve(void **state)
{
	(void)state;
	check_resolve("usr/local/lib/python3.11/site-packages",
	    "../../../bin/torchrun", "usr/local/bin/torchrun", 0);
	check_resolve("usr/lib", "./x//y/./z", "usr/lib/x/y/z", 0);
	check_resolve("usr/lib", "/etc/abs.conf", "etc/abs.conf", 0);
	check_resolve("", "/.", NULL, 0);
	check_resolve("", "/", NULL, 0);
	check_resolve("a", "..", NULL, 0);
	check_resolve("a/b", "../../../../etc/passwd", "etc/passwd",
	    PATH_ABOVE_ROOT);
	check_resolve("", "usr/bin/", "usr/bin", 0);
	check_resolve("a", "b/../c/..", "a", 0);
	check_resolve("a", "...", "a/...", 0);
	check_resolve_n("a", "x\0y", 3, NULL, PATH_HAS_NUL);
}

static void
test_normalise(void **state)
{
	static const char *const t[][2] = {
		{ "Foo.Bar__baz", "foo-bar-baz" },
		{ "typing_extensions", "typing-extensions" },
		{ "PyYAML", "pyyaml" },
		{ "A--b", "a-b" },
		{ "zope.interface", "zope-interface" },
		{ "x", "x" },
	};
	size_t i;
	char *s;

	(void)state;
	for (i = 0; i < NELEM(t); i++) {
		s = pkgdb_pip_normalise(t[i][0]);
		assert_string_equal(s, t[i][1]);
		free(s);
	}
}

/* Blank lines end a stanza; lines of spaces continue the field before. */
static void
test_stanza_reader(void **state)
{
	static const char text[] =
	    "\n\nA: 1\r\nB:two\r\n  more\r\n \r\n  end\r\n\r\n"
	    "C: 3\n";
	struct pkgdb *db = pkgdb_new();
	struct dbfile f = { db, "x", 0, 0 };
	struct stanza_reader r;
	struct stanza s = { 0 };
	struct span v;
	char *sq;

	(void)state;
	stanza_reader_init(&r, text, sizeof(text) - 1);
	assert_true(stanza_next(&r, &s, &f));
	assert_int_equal(s.index, 1);
	assert_int_equal(s.line, 3);
	assert_int_equal(s.n, 2);
	assert_true(stanza_get(&s, "a", &v));
	assert_true(span_eq(v, "1"));
	assert_true(stanza_get(&s, "B", &v));
	sq = span_dup_squashed(v);
	assert_string_equal(sq, "two more end");
	free(sq);
	assert_true(stanza_next(&r, &s, &f));
	assert_int_equal(s.index, 2);
	assert_true(stanza_get(&s, "C", &v));
	assert_true(span_eq(v, "3"));
	assert_false(stanza_next(&r, &s, &f));
	assert_int_equal(f.nbad, 0);
	stanza_free(&s);
	pkgdb_free(db);
}

/* Sorted by (ecosystem, key, version); duplicates kept, find gives the
 * first. */
static void
test_sort_find(void **state)
{
	struct pkgdb *db = pkgdb_new();
	struct pkg *p;

	(void)state;
	add(db, "b/python3.11/site-packages/six-1.16.0.dist-info/METADATA",
	    "Name: six\nVersion: 1.16.0\n", 2);
	add(db, "a/python3.11/site-packages/Six-1.15.0.dist-info/METADATA",
	    "Name: Six\nVersion: 1.15.0\n", 1);
	add(db, "lib/apk/db/installed", "P:zlib\nV:1.3\n\nP:abc\nV:1\n", 0);
	add(db, "var/lib/dpkg/status",
	    "Package: zsh\nStatus: install ok installed\nVersion: 5.9\n", 0);
	add(db, "opt/conda/conda-meta/six-1.16.0-pyhd3eb1b0_1.json",
	    "{\"name\":\"six\",\"version\":\"1.16.0\"}", 3);
	pkgdb_finish(db);
	assert_int_equal(db->n, 6);
	assert_int_equal(db->v[0].eco, ECO_DPKG);
	assert_int_equal(db->v[1].eco, ECO_PIP);
	assert_string_equal(db->v[1].version, "1.15.0");
	assert_string_equal(db->v[1].name, "Six");
	assert_int_equal(db->v[2].eco, ECO_PIP);
	assert_string_equal(db->v[2].version, "1.16.0");
	assert_int_equal(db->v[3].eco, ECO_CONDA);
	assert_string_equal(db->v[4].key, "abc");
	assert_string_equal(db->v[5].key, "zlib");

	p = pkgdb_find(db, ECO_PIP, "six");
	assert_ptr_equal(p, &db->v[1]);
	assert_ptr_equal(pkgdb_find(db, ECO_APK, "zlib"), &db->v[5]);
	assert_ptr_equal(pkgdb_find(db, ECO_DPKG, "zsh"), &db->v[0]);
	assert_ptr_equal(pkgdb_find(db, ECO_CONDA, "six"), &db->v[3]);
	assert_null(pkgdb_find(db, ECO_NPM, "six"));
	assert_null(pkgdb_find(db, ECO_APK, "zzz"));
	assert_null(pkgdb_find(db, ECO_APK, "a"));
	assert_string_equal(pkg_ecosystem_name(ECO_CONDA), "conda");
	assert_string_equal(pkg_ecosystem_name(ECO_COUNT), "unknown");
	assert_int_equal(db->findings.n, 0);
	pkgdb_free(db);
}

static void
test_empty(void **state)
{
	struct pkgdb *db = pkgdb_new();

	(void)state;
	pkgdb_finish(db);
	assert_int_equal(db->n, 0);
	assert_null(pkgdb_find(db, ECO_DPKG, "x"));
	pkgdb_free(db);
	pkgdb_free(NULL);
	/* a database never finished frees its pending state too */
	db = pkgdb_new();
	add(db, "var/lib/dpkg/status",
	    "Package: a\nStatus: install ok installed\nVersion: 1\n", 0);
	add(db, "var/lib/dpkg/info/a.list", "/.\n/usr\n/usr/bin/a\n", 0);
	add(db, "x/python3.11/site-packages/a-1.dist-info/RECORD", "a.py,,\n",
	    0);
	pkgdb_free(db);
}

static const char apk_db[] =
    "C:Q1SLkS9hBidUIaI7vJhw0pEEVzS1w=\n"
    "P:musl\n"
    "V:1.2.4-r2\n"
    "A:x86_64\n"
    "S:383152\n"
    "I:622592\n"
    "T:the musl c library (libc) implementation\n"
    "U:https://musl.libc.org/\n"
    "L:MIT\n"
    "o:musl\n"
    "m:Natanael Copa <ncopa@alpinelinux.org>\n"
    "t:1697031574\n"
    "c:2b7a0e6d4a4f\n"
    "p:so:libc.musl-x86_64.so.1=1\n"
    "F:lib\n"
    "R:ld-musl-x86_64.so.1\n"
    "a:0:0:755\n"
    "Z:Q1rNRj2cWn9EYRYFXaDLFCGsWc7vk=\n"
    "R:libc.musl-x86_64.so.1\n"
    "a:0:0:777\n"
    "Z:Q17yJ3JFNypA4mxhJJr0ou6CzsJVI=\n"
    "\n"
    "C:Q1pGcHCM7DoYTwqI9SXCOVm8tcqyE=\n"
    "P:busybox\n"
    "V:1.36.1-r5\n"
    "A:x86_64\n"
    "I:946176\n"
    "D:so:libc.musl-x86_64.so.1\n"
    "p:cmd:busybox=1.36.1-r5 cmd:sh=1.36.1-r5 /bin/sh\n"
    "r:busybox-initscripts\n"
    "F:bin\n"
    "R:busybox\n"
    "F:etc\n"
    "R:securetty\n"
    "F:etc/network/if-up.d\n"
    "R:dad\n"
    "\n"
    "P:ssl_client\n"
    "V:1.36.1-r5\n"
    "A:x86_64\n"
    "D:so:libc.musl-x86_64.so.1 so:libssl.so.3 musl>=1.2 "
    "!busybox-extras libcrypto3~3.1 zlib<2 cmd:sh\n"
    "F:usr/bin\n"
    "R:ssl_client\n";

static void
test_apk(void **state)
{
	struct pkgdb *db = pkgdb_new();
	const struct pkg *p;
	const struct pkg_dep *d;

	(void)state;
	add(db, "lib/apk/db/installed", apk_db, 0);
	pkgdb_finish(db);
	assert_int_equal(db->findings.n, 0);
	assert_int_equal(db->n, 3);

	p = pkgdb_find(db, ECO_APK, "musl");
	assert_non_null(p);
	assert_string_equal(p->version, "1.2.4-r2");
	assert_string_equal(p->arch, "x86_64");
	assert_int_equal(p->installed_size, 622592);
	assert_true(p->has_file_list);
	assert_int_equal(p->n_files, 2);
	assert_string_equal(p->files[0], "lib/ld-musl-x86_64.so.1");
	assert_string_equal(p->files[1], "lib/libc.musl-x86_64.so.1");
	assert_int_equal(p->n_provides, 1);
	assert_string_equal(p->provides[0], "so:libc.musl-x86_64.so.1");
	assert_int_equal(p->n_deps, 0);
	assert_string_equal(p->dbpath, "lib/apk/db/installed");

	p = pkgdb_find(db, ECO_APK, "busybox");
	assert_non_null(p);
	assert_int_equal(p->n_files, 3);
	assert_true(has_file(p, "bin/busybox"));
	assert_true(has_file(p, "etc/securetty"));
	assert_true(has_file(p, "etc/network/if-up.d/dad"));
	assert_int_equal(p->n_provides, 3);
	assert_true(provides(p, "cmd:busybox"));
	assert_true(provides(p, "cmd:sh"));
	assert_true(provides(p, "/bin/sh"));
	assert_int_equal(p->n_deps, 1);
	assert_string_equal(p->deps[0].alts[0], "so:libc.musl-x86_64.so.1");

	p = pkgdb_find(db, ECO_APK, "ssl_client");
	assert_non_null(p);
	assert_int_equal(p->installed_size, -1);
	/* !busybox-extras is a conflict: not a dependency */
	assert_int_equal(p->n_deps, 6);
	assert_non_null(dep_on(p, "so:libssl.so.3"));
	d = dep_on(p, "musl");
	assert_non_null(d);
	assert_string_equal(d->text, "musl>=1.2");
	assert_int_equal(d->kind, DEP_DEPENDS);
	assert_int_equal(d->n_alts, 1);
	assert_non_null(dep_on(p, "libcrypto3"));
	assert_non_null(dep_on(p, "zlib"));
	assert_non_null(dep_on(p, "cmd:sh"));
	assert_null(dep_on(p, "busybox-extras"));
	assert_null(dep_on(p, "!busybox-extras"));
	assert_true(has_file(p, "usr/bin/ssl_client"));
	pkgdb_free(db);
}

static void
test_apk_malformed(void **state)
{
	struct pkgdb *db = pkgdb_new();
	const struct finding *fd;

	(void)state;
	/* a record with no P, a line that is not "X:value", a truncated
	 * last record */
	add(db, "lib/apk/db/installed",
	    "V:1.0\nA:x86_64\n\nP:ok\nV:2\nthis is not apk\nI:lots\n"
	    "F:usr\nR:../../../x\n\nP:trunc\nV:3\nF:usr/li", 4);
	pkgdb_finish(db);
	assert_int_equal(db->n, 2);
	assert_non_null(pkgdb_find(db, ECO_APK, "ok"));
	assert_non_null(pkgdb_find(db, ECO_APK, "trunc"));
	assert_int_equal(pkgdb_find(db, ECO_APK, "ok")->installed_size, -1);
	fd = finding_with(db, "/lib/apk/db/installed: record 1 (line 1) "
	    "has no P line");
	assert_non_null(fd);
	assert_string_equal(fd->kind, "package-db-malformed");
	assert_string_equal(fd->title,
	    "package database entry could not be read");
	assert_non_null(finding_with(db, "line 6: not an \"X:value\" line"));
	assert_non_null(finding_with(db, "line 7: I is not a number"));
	assert_non_null(finding_with(db, "climbs above the root"));
	assert_true(has_file(pkgdb_find(db, ECO_APK, "ok"), "x"));
	pkgdb_free(db);
}

/* A file of NUL bytes in every database slot: a finding each, no
 * package, no crash. */
static void
test_nul_bytes(void **state)
{
	static const char *const paths[] = {
		"var/lib/dpkg/status",
		"var/lib/dpkg/status.d/x",
		"var/lib/dpkg/info/x.list",
		"var/lib/apt/extended_states",
		"lib/apk/db/installed",
		"x/site-packages/x-1.dist-info/METADATA",
		"x/site-packages/x-1.dist-info/RECORD",
		"opt/conda/conda-meta/x-1-0.json",
		"node_modules/x/package.json",
	};
	char buf[4096];
	struct pkgdb *db;
	char want[256];
	size_t i;

	(void)state;
	memset(buf, 0, sizeof(buf));
	for (i = 0; i < NELEM(paths); i++) {
		db = pkgdb_new();
		pkgdb_add_file(db, paths[i], buf, sizeof(buf), 0);
		pkgdb_finish(db);
		snprintf(want, sizeof(want), "/%s: ", paths[i]);
		if (finding_with(db, want) == NULL)
			fail_msg("no finding for NUL bytes in %s", paths[i]);
		/* RECORD's dir name still names the package; npm its
		 * folder; nothing else survives */
		if (strstr(paths[i], "RECORD") == NULL &&
		    strstr(paths[i], "METADATA") == NULL &&
		    strstr(paths[i], "node_modules") == NULL)
			assert_int_equal(db->n, 0);
		pkgdb_free(db);
	}
}

static double
seconds_since(clock_t t0)
{
	return (double)(clock() - t0) / CLOCKS_PER_SEC;
}

/* One line of 1 MB, in several shapes: a finding, and fast. */
static void
test_one_megabyte_line(void **state)
{
	static const char same[] =
	    "Package: same\nStatus: install ok installed\n\n";
	size_t n = 1024 * 1024, i;
	char *buf = xmalloc(n + 64);
	struct pkgdb *db;
	const struct pkg *p;
	clock_t t0;

	(void)state;
	/* no colon at all */
	memset(buf, 'x', n);
	t0 = clock();
	db = pkgdb_new();
	pkgdb_add_file(db, "var/lib/dpkg/status", buf, n, 0);
	pkgdb_add_file(db, "lib/apk/db/installed", buf, n, 0);
	pkgdb_add_file(db, "x/python3.11/site-packages/y-1.dist-info/RECORD",
	    buf, n, 0);
	pkgdb_finish(db);
	assert_non_null(finding_with(db, "/var/lib/dpkg/status: line 1: "
	    "not a \"Field: value\" line"));
	assert_non_null(finding_with(db, "/var/lib/dpkg/status: stanza 1 "
	    "(line 1) has no Package field"));
	assert_non_null(finding_with(db, "/lib/apk/db/installed: line 1"));
	pkgdb_free(db);

	/* a 1 MB package name */
	memcpy(buf, "Package: ", 9);
	db = pkgdb_new();
	pkgdb_add_file(db, "var/lib/dpkg/status", buf, n, 0);
	pkgdb_finish(db);
	assert_int_equal(db->n, 0);
	assert_non_null(finding_with(db, "is not a package name"));
	pkgdb_free(db);

	/* a 1 MB Depends line of 262144 relationships */
	i = (size_t)snprintf(buf, 64, "Package: big\nStatus: install ok "
	    "installed\nVersion: 1\nDepends: ");
	while (i + 4 <= n) {
		memcpy(buf + i, "a1, ", 4);
		i += 4;
	}
	db = pkgdb_new();
	pkgdb_add_file(db, "var/lib/dpkg/status", buf, i, 0);
	pkgdb_finish(db);
	p = pkgdb_find(db, ECO_DPKG, "big");
	assert_non_null(p);
	assert_int_equal(p->n_deps, PKG_MAX_DEPS);
	assert_non_null(finding_with(db, "package big: more than 4096 "
	    "relationships, the rest ignored"));
	pkgdb_free(db);

	/* a 1 MB marker of parentheses */
	i = (size_t)snprintf(buf, 64, "Name: m\nRequires-Dist: x ; ");
	while (i < n)
		buf[i++] = '(';
	db = pkgdb_new();
	pkgdb_add_file(db, "x/python3.11/site-packages/m-1.dist-info/METADATA",
	    buf, n, 0);
	pkgdb_finish(db);
	p = pkgdb_find(db, ECO_PIP, "m");
	assert_non_null(p);
	assert_int_equal(p->n_deps, 1);	/* undecided: kept */
	assert_non_null(finding_with(db, "the marker could not be read"));
	pkgdb_free(db);

	/* 1 MB of stanzas that all name the same package */
	i = 0;
	while (i + sizeof(same) <= n) {
		memcpy(buf + i, same, sizeof(same) - 1);
		i += sizeof(same) - 1;
	}
	db = pkgdb_new();
	pkgdb_add_file(db, "var/lib/dpkg/status", buf, i, 0);
	pkgdb_add_file(db, "var/lib/dpkg/info/same.list", "/x\n", 3, 0);
	pkgdb_add_file(db, "var/lib/apt/extended_states", buf, i, 0);
	pkgdb_finish(db);
	/* 23,831 stanzas: the first PKGDB_PACKAGES_MAX kept, a finding. */
	assert_int_equal(db->n, PKGDB_PACKAGES_MAX);
	assert_non_null(finding_with(db, "describe more than 10000 packages"));
	pkgdb_free(db);

	assert_true(seconds_since(t0) < 5.0);
	free(buf);
}

/* db->file_max (--max-pkgdb): a file of exactly that size is read. */
static void
test_file_max(void **state)
{
	static const char st[] = "Package: a\nStatus: install ok installed\n"
	    "Version: 1\n\nPackage: b\nStatus: install ok installed\n"
	    "Version: 2\n\n";
	size_t len = sizeof(st) - 1;	/* 2 x (11 + 29 + 11 + 1) = 104 */
	struct pkgdb *db;

	(void)state;
	db = pkgdb_new();
	db->file_max = (int64_t)len;
	pkgdb_add_file(db, "var/lib/dpkg/status", st, len, 0);
	pkgdb_finish(db);
	assert_int_equal(db->n, 2);
	assert_int_equal(db->findings.n, 0);
	pkgdb_free(db);

	db = pkgdb_new();
	db->file_max = (int64_t)len - 1;
	pkgdb_add_file(db, "var/lib/dpkg/status", st, len, 0);
	pkgdb_finish(db);
	assert_int_equal(db->n, 0);
	assert_non_null(finding_with(db, "/var/lib/dpkg/status: 104 bytes, "
	    "more than the 103 bytes this reader reads (--max-pkgdb 103; raise "
	    "it to read the file)"));
	pkgdb_free(db);
}

/*
 * 250 installed packages of 4,096 distinct Depends each: 1,024,000
 * relationships, each package under its own ceiling; all together past
 * PKGDB_DEPS_MAX (1,000,000): 244 packages whole (999,424), then 576 of
 * p244's, and the rest of p244 and p245-p249 ignored, in one finding.
 */
static void
test_deps_max(void **state)
{
	size_t cap = 250 * (60 + 4096 * 9), n = 0, i, k, kept = 0;
	char *buf = xmalloc(cap);
	struct pkgdb *db = pkgdb_new();

	(void)state;
	for (i = 0; i < 250; i++) {
		n += (size_t)snprintf(buf + n, cap - n, "Package: p%zu\n"
		    "Status: install ok installed\nVersion: 1\nDepends: ", i);
		for (k = 0; k < 4096; k++)
			n += (size_t)snprintf(buf + n, cap - n, "%sd%zu",
			    k ? ", " : "", k);
		n += (size_t)snprintf(buf + n, cap - n, "\n\n");
		assert_true(n < cap);
	}
	pkgdb_add_file(db, "var/lib/dpkg/status", buf, n, 0);
	pkgdb_finish(db);
	assert_int_equal(db->n, 250);
	for (i = 0; i < db->n; i++)
		kept += db->v[i].n_deps;
	assert_int_equal(kept, PKGDB_DEPS_MAX);
	assert_int_equal(pkgdb_find(db, ECO_DPKG, "p244")->n_deps, 576);
	assert_int_equal(pkgdb_find(db, ECO_DPKG, "p245")->n_deps, 0);
	assert_non_null(finding_with(db, "the package databases hold more "
	    "than 1000000 relationships (Depends, Requires-Dist and the like); "
	    "the rest were ignored, from package p244 on"));
	assert_int_equal(db->findings.n, 1);
	pkgdb_free(db);
	free(buf);
}

static void
test_too_big(void **state)
{
	struct pkgdb *db = pkgdb_new();
	char c = 'x';

	(void)state;
	/* the length alone is refused: nothing is read */
	pkgdb_add_file(db, "var/lib/dpkg/status", &c,
	    (size_t)64 * 1024 * 1024 + 1, 0);
	pkgdb_add_file(db, "not/a/database", &c, 1, 0);
	pkgdb_add_file(db, "var/lib/dpkg/status", NULL, 0, 0);
	pkgdb_finish(db);
	assert_int_equal(db->n, 0);
	assert_non_null(finding_with(db, "/var/lib/dpkg/status: 67108865 "
	    "bytes, more than the 64 MiB this reader reads (--max-pkgdb "
	    "67108864; raise it to read the file)"));
	assert_int_equal(db->findings.n, 1);
	pkgdb_free(db);
}

/* Past ten problems a file gets one summary finding. */
static void
test_finding_budget(void **state)
{
	struct pkgdb *db = pkgdb_new();

	(void)state;
	add(db, "var/lib/dpkg/status",
	    "a\n\nb\n\nc\n\nd\n\ne\n\nf\n\ng\n", 0);
	pkgdb_finish(db);
	/* 7 stanzas, each a bad line and no Package: 14 problems */
	assert_int_equal(db->findings.n, 11);
	assert_non_null(finding_with(db, "/var/lib/dpkg/status: 4 more "
	    "problems not listed"));
	pkgdb_free(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wants),
		cmocka_unit_test(test_path_resolve),
		cmocka_unit_test(test_normalise),
		cmocka_unit_test(test_stanza_reader),
		cmocka_unit_test(test_sort_find),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_apk),
		cmocka_unit_test(test_apk_malformed),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_one_megabyte_line),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_file_max),
		cmocka_unit_test(test_deps_max),
		cmocka_unit_test(test_finding_budget),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
