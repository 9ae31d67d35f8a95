/* SPDX-License-Identifier: MIT */
/*
 * test_pkgdb_pip.c: the pip reader — METADATA with environment markers
 * and extras, RECORD's CSV and its "../../../bin" paths, METADATA and
 * RECORD joined per dist-info directory, egg-info in both forms — and the
 * marker evaluator on its own.  Snippets copy the formats pip and
 * setuptools write; the data is invented.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pkgdb.h"
#include "pkgdb_private.h"
#include "pkgdb_fixture.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define SP		"usr/local/lib/python3.11/site-packages"

static const char metadata[] =
    "Metadata-Version: 2.1\n"
    "Name: torch\n"
    "Version: 2.1.0\n"
    "Summary: Tensors and Dynamic neural networks in Python\n"
    "Home-page: https://pytorch.org/\n"
    "License: BSD-3\n"
    "Classifier: Programming Language :: Python :: 3\n"
    "Requires-Python: >=3.8.0\n"
    "Description-Content-Type: text/markdown\n"
    "License-File: LICENSE\n"
    "Requires-Dist: filelock\n"
    "Requires-Dist: typing-extensions\n"
    "Requires-Dist: sympy\n"
    "Requires-Dist: nvidia-cuda-nvrtc-cu12 (==12.1.105) ; "
    "platform_system == \"Linux\" and platform_machine == \"x86_64\"\n"
    "Requires-Dist: triton (==2.1.0) ; platform_system == \"Linux\" and "
    "platform_machine == \"x86_64\"\n"
    "Requires-Dist: opt-einsum (>=3.3) ; extra == 'opt-einsum'\n"
    "Requires-Dist: pywin32 ; sys_platform == \"win32\"\n"
    "Requires-Dist: importlib-metadata ; python_version < \"3.10\"\n"
    "Requires-Dist: tomli>=1.1.0; python_version < \"3.11\"\n"
    "Requires-Dist: Jinja2[i18n]>=3.0 ; python_version >= \"3.8\"\n"
    "Requires-Dist: pytest ; (extra == \"test\" or extra == \"Dev\") and "
    "sys_platform != \"win32\"\n"
    "Requires-Dist: colorama ; extra == \"dev\" and sys_platform == "
    "\"win32\"\n"
    "Requires-Dist: dataclasses; python_version==\"3.6\"\n"
    "Requires-Dist: distro ; platform_release >= \"5.0\"\n"
    "Requires-Dist: Typing_Extensions.Backport @ "
    "https://example.org/t.whl;q=1 ; os_name == \"nt\"\n"
    "Requires-Dist: exceptiongroup ; python_full_version < \"3.11.0\"\n"
    "Requires-Dist: async-timeout ; python_full_version <= \"3.11.2\"\n"
    "\n"
    "# PyTorch\n"
    "\n"
    "Requires-Dist: not-a-header\n";

static void
test_metadata_markers(void **state)
{
	struct pkgdb *db = pkgdb_new();
	const struct pkg *p;
	const struct pkg_dep *d;

	(void)state;
	add(db, SP "/torch-2.1.0.dist-info/METADATA", metadata, 2);
	pkgdb_finish(db);
	assert_int_equal(db->findings.n, 0);
	assert_int_equal(db->n, 1);
	p = pkgdb_find(db, ECO_PIP, "torch");
	assert_non_null(p);
	assert_string_equal(p->name, "torch");
	assert_string_equal(p->version, "2.1.0");
	assert_null(p->arch);
	assert_string_equal(p->dbpath, SP "/torch-2.1.0.dist-info/METADATA");
	assert_int_equal(p->dblayer, 2);
	assert_false(p->has_file_list);

	assert_int_equal(dep_on(p, "filelock")->kind, DEP_DEPENDS);
	assert_non_null(dep_on(p, "typing-extensions"));
	assert_non_null(dep_on(p, "sympy"));
	d = dep_on(p, "nvidia-cuda-nvrtc-cu12");
	assert_non_null(d);
	assert_int_equal(d->kind, DEP_DEPENDS);
	assert_string_equal(d->text, "nvidia-cuda-nvrtc-cu12 (==12.1.105) ; "
	    "platform_system == \"Linux\" and platform_machine == \"x86_64\"");
	assert_non_null(dep_on(p, "triton"));
	d = dep_on(p, "opt-einsum");
	assert_int_equal(d->kind, DEP_EXTRA);
	assert_string_equal(d->extra, "opt-einsum");
	/* false on Linux, or on Python 3.11 */
	assert_null(dep_on(p, "pywin32"));
	assert_null(dep_on(p, "importlib-metadata"));
	assert_null(dep_on(p, "tomli"));
	assert_null(dep_on(p, "dataclasses"));
	assert_null(dep_on(p, "colorama"));
	assert_null(dep_on(p, "typing-extensions-backport"));
	/* the 3.11 of the path is all of python_version but only the start
	 * of python_full_version: < 3.11.0 is false, <= 3.11.2 undecided */
	assert_null(dep_on(p, "exceptiongroup"));
	assert_int_equal(dep_on(p, "async-timeout")->kind, DEP_DEPENDS);
	/* names normalised, extras of the requirement dropped */
	d = dep_on(p, "jinja2");
	assert_non_null(d);
	assert_int_equal(d->kind, DEP_DEPENDS);
	assert_int_equal(d->n_alts, 1);
	/* on only under an extra: the first extra that turns it on */
	d = dep_on(p, "pytest");
	assert_int_equal(d->kind, DEP_EXTRA);
	assert_string_equal(d->extra, "test");
	/* undecidable here: kept */
	assert_int_equal(dep_on(p, "distro")->kind, DEP_DEPENDS);
	/* the body after the headers is not read */
	assert_null(dep_on(p, "not-a-header"));
	assert_int_equal(p->n_deps, 10);
	pkgdb_free(db);
}

/* Without a pythonX.Y in the path, version markers are undecided. */
static void
test_metadata_no_version(void **state)
{
	struct pkgdb *db = pkgdb_new();
	const struct pkg *p;

	(void)state;
	add(db, "usr/lib/python3/dist-packages/torch-2.1.0.dist-info/METADATA",
	    metadata, 0);
	pkgdb_finish(db);
	p = pkgdb_find(db, ECO_PIP, "torch");
	assert_int_equal(dep_on(p, "importlib-metadata")->kind, DEP_DEPENDS);
	assert_int_equal(dep_on(p, "tomli")->kind, DEP_DEPENDS);
	assert_int_equal(dep_on(p, "dataclasses")->kind, DEP_DEPENDS);
	assert_int_equal(dep_on(p, "exceptiongroup")->kind, DEP_DEPENDS);
	assert_null(dep_on(p, "pywin32"));
	assert_int_equal(p->n_deps, 14);
	pkgdb_free(db);
}

static const char record[] =
    "torch/__init__.py,sha256=8Jc3MW9Y7mH0l-8E1N6HtLCv7w4b5XlKW2QjVJ6Edmc,"
    "69519\n"
    "\"torch/lib/a,b.so\",sha256=5w8476vpJ9x-WlcdmCGCQjVpZ1sTNaQmC8f1u0fEu1o,"
    "10\n"
    "\"torch/odd \"\"quoted\"\".py\",,\n"
    "../../../bin/torchrun,sha256=Qv3p0x0y3nHkS7EtTyIQ3dG8LdKk3O8dE6vGqRv6d4s,"
    "229\r\n"
    "/etc/abs.conf,,\n"
    "\n"
    "torch-2.1.0.dist-info/RECORD,,\n"
    "torch/__pycache__/__init__.cpython-311.pyc,,\n";

static void
test_record_join(void **state)
{
	struct pkgdb *db = pkgdb_new();
	const struct pkg *p;

	(void)state;
	/* RECORD first, METADATA later, in an older layer */
	add(db, SP "/torch-2.1.0.dist-info/RECORD", record, 3);
	add(db, SP "/torch-2.1.0.dist-info/METADATA", metadata, 2);
	pkgdb_finish(db);
	assert_int_equal(db->findings.n, 0);
	assert_int_equal(db->n, 1);
	p = &db->v[0];
	assert_string_equal(p->key, "torch");
	assert_true(p->has_file_list);
	assert_int_equal(p->n_files, 7);
	assert_string_equal(p->files[0], SP "/torch/__init__.py");
	assert_string_equal(p->files[1], SP "/torch/lib/a,b.so");
	assert_string_equal(p->files[2], SP "/torch/odd \"quoted\".py");
	assert_string_equal(p->files[3], "usr/local/bin/torchrun");
	assert_string_equal(p->files[4], "etc/abs.conf");
	assert_string_equal(p->files[5], SP "/torch-2.1.0.dist-info/RECORD");
	assert_string_equal(p->files[6],
	    SP "/torch/__pycache__/__init__.cpython-311.pyc");
	/* named by METADATA, dated by the newest of its files */
	assert_string_equal(p->dbpath, SP "/torch-2.1.0.dist-info/METADATA");
	assert_int_equal(p->dblayer, 3);
	assert_non_null(dep_on(p, "filelock"));
	pkgdb_free(db);
}

static void
test_record_alone(void **state)
{
	struct pkgdb *db = pkgdb_new();
	const struct pkg *p;

	(void)state;
	add(db, SP "/typing_extensions-4.8.0.dist-info/RECORD",
	    "typing_extensions.py,sha256=x,1\n", 1);
	add(db, SP "/weird.dist-info/RECORD", "weird.py,,\n", 1);
	pkgdb_finish(db);
	assert_int_equal(db->findings.n, 0);
	p = pkgdb_find(db, ECO_PIP, "typing-extensions");
	assert_non_null(p);
	assert_string_equal(p->name, "typing_extensions");
	assert_string_equal(p->version, "4.8.0");
	assert_string_equal(p->dbpath,
	    SP "/typing_extensions-4.8.0.dist-info/RECORD");
	assert_string_equal(p->files[0], SP "/typing_extensions.py");
	p = pkgdb_find(db, ECO_PIP, "weird");
	assert_non_null(p);
	assert_string_equal(p->version, "");
	pkgdb_free(db);
}

static void
test_record_malformed(void **state)
{
	struct pkgdb *db = pkgdb_new();
	const struct pkg *p;

	(void)state;
	add(db, "opt/venv/lib/python3.11/site-packages/x-1.dist-info/RECORD",
	    "x/__init__.py,,\n"
	    "\"x/unterminated.py,sha256=abc,12\n"
	    "../../../../../../../../etc/passwd,,\n"
	    "x/ok.py,,\n", 0);
	add(db, "opt/venv/lib/python3.11/site-packages/x-1.dist-info/METADATA",
	    "Metadata-Version: 2.1\nVersion: 1\nSummary: no name here\n", 0);
	pkgdb_finish(db);
	assert_non_null(finding_with(db, "/opt/venv/lib/python3.11/"
	    "site-packages/x-1.dist-info/RECORD: RECORD line 2: "
	    "unterminated quote"));
	assert_non_null(finding_with(db, "RECORD: line 3: "
	    "\"../../../../../../../../etc/passwd\" climbs above the root "
	    "(kept as /etc/passwd)"));
	assert_non_null(finding_with(db, "x-1.dist-info/METADATA: no "
	    "readable Name field; named after its directory"));
	p = pkgdb_find(db, ECO_PIP, "x");
	assert_non_null(p);
	assert_string_equal(p->version, "1");
	assert_int_equal(p->n_files, 3);
	assert_string_equal(p->files[0],
	    "opt/venv/lib/python3.11/site-packages/x/__init__.py");
	assert_string_equal(p->files[1], "etc/passwd");
	assert_string_equal(p->files[2],
	    "opt/venv/lib/python3.11/site-packages/x/ok.py");
	pkgdb_free(db);
}

/* One name in two site-packages: two packages, find gives the first. */
static void
test_duplicates(void **state)
{
	struct pkgdb *db = pkgdb_new();
	struct pkg *p;

	(void)state;
	add(db, SP "/numpy-1.26.2.dist-info/METADATA",
	    "Name: numpy\nVersion: 1.26.2\n", 2);
	add(db, "usr/lib/python3/dist-packages/numpy-1.24.2.dist-info/"
	    "METADATA", "Name: numpy\nVersion: 1.24.2\n", 1);
	pkgdb_finish(db);
	assert_int_equal(db->n, 2);
	p = pkgdb_find(db, ECO_PIP, "numpy");
	assert_ptr_equal(p, &db->v[0]);
	assert_string_equal(p->version, "1.24.2");
	assert_string_equal(db->v[1].version, "1.26.2");
	pkgdb_free(db);
}

static void
test_egg_info(void **state)
{
	struct pkgdb *db = pkgdb_new();
	const struct pkg *p;
	const char *egg = "usr/local/lib/python3.11/dist-packages/"
	    "foo_bar-0.3-py3.11.egg-info";
	char path[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/PKG-INFO", egg);
	add(db, path,
	    "Metadata-Version: 1.1\n"
	    "Name: Foo_Bar\n"
	    "Version: 0.3\n"
	    "Description: first line\n"
	    "        \n"
	    "        after a line of spaces\n"
	    "Requires-Dist: six\n"
	    "Platform: UNKNOWN\n", 1);
	snprintf(path, sizeof(path), "%s/installed-files.txt", egg);
	add(db, path,
	    "../foo_bar/__init__.py\n"
	    "../foo_bar/__pycache__/__init__.cpython-311.pyc\n"
	    "./\n"
	    "PKG-INFO\n"
	    "SOURCES.txt\n"
	    "../../../../bin/foo-cli\n", 1);
	/* distutils: one file, PKG-INFO inside */
	add(db, "usr/lib/python3/dist-packages/python_apt-2.6.0.egg-info",
	    "Metadata-Version: 1.1\nName: python-apt\nVersion: 2.6.0\n"
	    "Summary: Python bindings for APT\n", 0);
	pkgdb_finish(db);
	assert_int_equal(db->findings.n, 0);
	assert_int_equal(db->n, 2);

	p = pkgdb_find(db, ECO_PIP, "foo-bar");
	assert_non_null(p);
	assert_string_equal(p->name, "Foo_Bar");
	assert_string_equal(p->version, "0.3");
	assert_true(p->has_file_list);
	/* "./" is the egg-info directory itself */
	assert_int_equal(p->n_files, 6);
	assert_string_equal(p->files[0],
	    "usr/local/lib/python3.11/dist-packages/foo_bar/__init__.py");
	assert_true(has_file(p, "usr/local/lib/python3.11/dist-packages/"
	    "foo_bar-0.3-py3.11.egg-info/PKG-INFO"));
	assert_true(has_file(p, "usr/local/lib/python3.11/dist-packages/"
	    "foo_bar-0.3-py3.11.egg-info"));
	assert_true(has_file(p, "usr/local/bin/foo-cli"));
	assert_int_equal(p->n_deps, 1);
	assert_string_equal(p->deps[0].alts[0], "six");
	snprintf(path, sizeof(path), "%s/PKG-INFO", egg);
	assert_string_equal(p->dbpath, path);

	p = pkgdb_find(db, ECO_PIP, "python-apt");
	assert_non_null(p);
	assert_string_equal(p->version, "2.6.0");
	assert_false(p->has_file_list);
	assert_int_equal(p->n_files, 1);
	assert_string_equal(p->files[0],
	    "usr/lib/python3/dist-packages/python_apt-2.6.0.egg-info");
	pkgdb_free(db);
}

/* Egg-info without PKG-INFO: named after the directory. */
static void
test_egg_files_alone(void **state)
{
	struct pkgdb *db = pkgdb_new();
	const struct pkg *p;

	(void)state;
	add(db, "usr/lib/python3/dist-packages/chardet-5.1.0-py3.11.egg-info/"
	    "installed-files.txt", "../chardet/__init__.py\n", 0);
	pkgdb_finish(db);
	p = pkgdb_find(db, ECO_PIP, "chardet");
	assert_non_null(p);
	assert_string_equal(p->version, "5.1.0");
	assert_string_equal(p->files[0],
	    "usr/lib/python3/dist-packages/chardet/__init__.py");
	pkgdb_free(db);
}

static void
test_metadata_malformed(void **state)
{
	struct pkgdb *db = pkgdb_new();
	const struct pkg *p;

	(void)state;
	add(db, SP "/bad-1.0.dist-info/METADATA",
	    "Name: bad\nVersion: 1.0\n"
	    "Requires-Dist: ; extra == \"x\"\n"
	    "Requires-Dist: ok ; python_version >< \"3\"\n"
	    "Requires-Dist: ok2 ; (sys_platform == \"linux\"\n"
	    "Requires-Dist: ok3 ; \"unterminated\n", 0);
	add(db, SP "/empty-2.dist-info/METADATA", "", 0);
	pkgdb_finish(db);
	p = pkgdb_find(db, ECO_PIP, "bad");
	assert_non_null(p);
	assert_non_null(finding_with(db, "METADATA: Requires-Dist \"; extra "
	    "== \"x\"\" names no package"));
	assert_non_null(finding_with(db, "Requires-Dist \"ok ; python_version"
	    " >< \"3\"\": the marker could not be read (kept)"));
	assert_non_null(finding_with(db, "Requires-Dist \"ok2"));
	assert_non_null(finding_with(db, "Requires-Dist \"ok3"));
	assert_int_equal(p->n_deps, 3);
	assert_int_equal(dep_on(p, "ok")->kind, DEP_DEPENDS);
	p = pkgdb_find(db, ECO_PIP, "empty");
	assert_non_null(p);
	assert_string_equal(p->version, "2");
	assert_non_null(finding_with(db, "empty-2.dist-info/METADATA: empty: "
	    "no Name field"));
	pkgdb_free(db);
}

static void
test_python_version(void **state)
{
	static const char *const t[][2] = {
		{ SP "/x-1.dist-info/METADATA", "3.11" },
		{ "opt/conda/lib/python3.10/site-packages/x", "3.10" },
		{ "usr/lib/python3/dist-packages/x-1.dist-info/METADATA",
		    NULL },
		{ "usr/lib/python3.12/x", "3.12" },
		{ "python3.9/site-packages/x", "3.9" },
		{ "usr/lib/mypython3.11/x", NULL },
		{ "usr/lib/python3./x", NULL },
		{ "usr/lib/python3.11.egg/x", NULL },
	};
	size_t i;
	char *v;

	(void)state;
	for (i = 0; i < NELEM(t); i++) {
		v = pip_python_version(t[i][0]);
		if (t[i][1] == NULL)
			assert_null(v);
		else {
			assert_non_null(v);
			assert_string_equal(v, t[i][1]);
		}
		free(v);
	}
}

static void
test_marker_table(void **state)
{
	static const struct {
		const char *m;
		const char *pyver;
		const char *extra;
		enum marker_value want;
	} t[] = {
		{ "sys_platform == \"linux\"", NULL, NULL, MARKER_TRUE },
		{ "sys_platform == 'win32'", NULL, NULL, MARKER_FALSE },
		{ "sys_platform != \"darwin\"", NULL, NULL, MARKER_TRUE },
		{ "platform_system == \"Windows\"", NULL, NULL, MARKER_FALSE },
		{ "os_name == \"posix\"", NULL, NULL, MARKER_TRUE },
		{ "platform_machine == \"aarch64\"", NULL, NULL, MARKER_FALSE },
		{ "platform_machine in \"x86_64 AMD64\"", NULL, NULL,
		    MARKER_TRUE },
		{ "platform_machine not in \"arm64 aarch64\"", NULL, NULL,
		    MARKER_TRUE },
		{ "\"linux\" in sys_platform", NULL, NULL, MARKER_TRUE },
		{ "implementation_name == \"pypy\"", NULL, NULL, MARKER_FALSE },
		{ "platform_python_implementation == 'CPython'", NULL, NULL,
		    MARKER_TRUE },
		{ "python_version < \"3.8\"", "3.11", NULL, MARKER_FALSE },
		{ "python_version >= \"3.8\"", "3.11", NULL, MARKER_TRUE },
		{ "python_version > \"3.9\"", "3.11", NULL, MARKER_TRUE },
		{ "python_version <= \"3.11\"", "3.11", NULL, MARKER_TRUE },
		{ "python_version == \"3.11\"", "3.11", NULL, MARKER_TRUE },
		{ "python_version == \"3.1\"", "3.11", NULL, MARKER_FALSE },
		{ "python_version != \"3.11\"", "3.11", NULL, MARKER_FALSE },
		{ "python_version == \"3.*\"", "3.11", NULL, MARKER_TRUE },
		{ "python_version ~= \"3.8\"", "3.11", NULL, MARKER_TRUE },
		{ "python_version ~= \"3.12\"", "3.11", NULL, MARKER_FALSE },
		{ "\"3.10\" > python_version", "3.11", NULL, MARKER_FALSE },
		{ "python_version < \"3.10\"", NULL, NULL, MARKER_UNKNOWN },
		{ "python_full_version >= \"3.11\"", "3.11", NULL,
		    MARKER_TRUE },
		{ "python_full_version < \"3.11\"", "3.11", NULL,
		    MARKER_FALSE },
		{ "python_full_version == \"3.11.4\"", "3.11", NULL,
		    MARKER_UNKNOWN },
		{ "python_full_version >= \"3.10.2\"", "3.11", NULL,
		    MARKER_TRUE },
		{ "python_full_version == \"3.11.*\"", "3.11", NULL,
		    MARKER_TRUE },
		{ "python_full_version in \"3.11.0\"", "3.11", NULL,
		    MARKER_UNKNOWN },
		{ "extra == \"gpu\"", "3.11", NULL, MARKER_FALSE },
		{ "extra == \"gpu\"", "3.11", "gpu", MARKER_TRUE },
		{ "extra == \"GPU_Support\"", "3.11", "gpu-support",
		    MARKER_TRUE },
		{ "extra != \"gpu\"", "3.11", NULL, MARKER_TRUE },
		{ "platform_release >= \"5.0\"", "3.11", NULL, MARKER_UNKNOWN },
		{ "platform_release >= \"5.0\" and sys_platform == \"win32\"",
		    "3.11", NULL, MARKER_FALSE },
		{ "platform_release >= \"5.0\" or sys_platform == \"linux\"",
		    "3.11", NULL, MARKER_TRUE },
		{ "platform_release >= \"5.0\" or sys_platform == \"win32\"",
		    "3.11", NULL, MARKER_UNKNOWN },
		{ "sys_platform == \"win32\" or sys_platform == \"linux\" and "
		    "python_version < \"3\"", "3.11", NULL, MARKER_FALSE },
		{ "(sys_platform == \"win32\" or sys_platform == \"linux\") "
		    "and python_version >= \"3\"", "3.11", NULL, MARKER_TRUE },
		{ "((os_name == \"nt\"))", NULL, NULL, MARKER_FALSE },
		{ "os.name == \"posix\"", NULL, NULL, MARKER_TRUE },
		{ "", NULL, NULL, MARKER_UNKNOWN },
		{ "sys_platform ==", NULL, NULL, MARKER_UNKNOWN },
		{ "sys_platform = \"linux\"", NULL, NULL, MARKER_UNKNOWN },
		{ "(sys_platform == \"linux\"", NULL, NULL, MARKER_UNKNOWN },
		{ "sys_platform == \"linux\")", NULL, NULL, MARKER_UNKNOWN },
		{ "sys_platform not \"linux\"", NULL, NULL, MARKER_UNKNOWN },
		{ "sys_platform == \"linux\" and", NULL, NULL, MARKER_UNKNOWN },
		{ "sys_platform == \"linux\" # c", NULL, NULL, MARKER_UNKNOWN },
	};
	size_t i;
	enum marker_value v;

	(void)state;
	for (i = 0; i < NELEM(t); i++) {
		v = pip_marker_eval(span_make(t[i].m, strlen(t[i].m)),
		    t[i].pyver, t[i].extra, NULL, 0, NULL, NULL);
		if (v != t[i].want)
			fail_msg("marker [%s] python %s extra %s: got %d, "
			    "want %d", t[i].m, t[i].pyver ? t[i].pyver : "?",
			    t[i].extra ? t[i].extra : "-", v, t[i].want);
	}
}

/* The extras a marker names are collected, normalised, once each. */
static void
test_marker_extras(void **state)
{
	static const char m[] = "extra == 'Test' or extra == \"test\" or "
	    "extra == 'Dev.Tools' and python_version < '4'";
	char *extras[4];
	size_t n = 0, i;
	bool bad = false;

	(void)state;
	assert_int_equal(pip_marker_eval(span_make(m, strlen(m)), "3.11",
	    NULL, extras, 4, &n, &bad), MARKER_FALSE);
	assert_false(bad);
	assert_int_equal(n, 2);
	assert_string_equal(extras[0], "test");
	assert_string_equal(extras[1], "dev-tools");
	for (i = 0; i < n; i++)
		free(extras[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metadata_markers),
		cmocka_unit_test(test_metadata_no_version),
		cmocka_unit_test(test_record_join),
		cmocka_unit_test(test_record_alone),
		cmocka_unit_test(test_record_malformed),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_egg_info),
		cmocka_unit_test(test_egg_files_alone),
		cmocka_unit_test(test_metadata_malformed),
		cmocka_unit_test(test_python_version),
		cmocka_unit_test(test_marker_table),
		cmocka_unit_test(test_marker_extras),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
