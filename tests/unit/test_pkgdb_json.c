/* SPDX-License-Identifier: MIT */
/*
 * test_pkgdb_json.c: the two JSON readers — conda's conda-meta/NAME.json
 * (files relative to the environment's prefix, sizes from paths_data)
 * and npm's node_modules/.../package.json (a package is its folder) —
 * on documents shaped like the ones conda and npm write, and on JSON that
 * is broken or of the wrong shape.
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

#define NPDIR	"/opt/conda/pkgs/numpy-1.26.2-py311h64a7726_0"
#define SO	"lib/python3.11/site-packages/numpy/core/" \
		"_multiarray_umath.cpython-311-x86_64-linux-gnu.so"

static const char numpy_json[] =
    "{\n"
    "  \"build\": \"py311h64a7726_0\",\n"
    "  \"build_number\": 0,\n"
    "  \"channel\": \"https://conda.anaconda.org/conda-forge/linux-64\",\n"
    "  \"constrains\": [\"numpy-base <0a0\"],\n"
    "  \"depends\": [\n"
    "    \"libblas >=3.9.0,<4.0a0\",\n"
    "    \"libgcc-ng >=12\",\n"
    "    \"python >=3.11,<3.12.0a0\",\n"
    "    \"python_abi 3.11.* *_cp311\",\n"
    "    \"tzdata\"\n"
    "  ],\n"
    "  \"extracted_package_dir\": \"" NPDIR "\",\n"
    "  \"files\": [\n"
    "    \"bin/f2py\",\n"
    "    \"lib/python3.11/site-packages/numpy/__init__.py\",\n"
    "    \"" SO "\"\n"
    "  ],\n"
    "  \"fn\": \"numpy-1.26.2-py311h64a7726_0.conda\",\n"
    "  \"license\": \"BSD-3-Clause\",\n"
    "  \"link\": {\"source\": \"" NPDIR "\", \"type\": 1},\n"
    "  \"name\": \"numpy\",\n"
    "  \"paths_data\": {\n"
    "    \"paths\": [\n"
    "      {\"_path\": \"bin/f2py\", \"path_type\": \"hardlink\",\n"
    "       \"sha256\": \"ab\", \"size_in_bytes\": 291},\n"
    "      {\"_path\": \"lib/python3.11/site-packages/numpy/__init__.py\",\n"
    "       \"path_type\": \"hardlink\", \"size_in_bytes\": 16999},\n"
    "      {\"_path\": \"" SO "\",\n"
    "       \"path_type\": \"hardlink\", \"size_in_bytes\": 9854712}\n"
    "    ],\n"
    "    \"paths_version\": 1\n"
    "  },\n"
    "  \"requested_spec\": \"numpy=1.26\",\n"
    "  \"sha256\": \"c0b5c5c5\",\n"
    "  \"size\": 8065890,\n"
    "  \"subdir\": \"linux-64\",\n"
    "  \"timestamp\": 1700874915,\n"
    "  \"url\": \"https://conda.anaconda.org/conda-forge/linux-64/"
    "numpy-1.26.2-py311h64a7726_0.conda\",\n"
    "  \"version\": \"1.26.2\"\n"
    "}\n";

static void
test_conda(void **state)
{
	struct pkgdb *db = pkgdb_new();
	const struct pkg *p;
	const struct pkg_dep *d;

	(void)state;
	add(db, "opt/conda/conda-meta/numpy-1.26.2-py311h64a7726_0.json",
	    numpy_json, 2);
	pkgdb_finish(db);
	assert_int_equal(db->findings.n, 0);
	p = pkgdb_find(db, ECO_CONDA, "numpy");
	assert_non_null(p);
	assert_string_equal(p->version, "1.26.2");
	assert_string_equal(p->arch, "linux-64");
	assert_int_equal(p->dblayer, 2);
	assert_int_equal(p->installed_size, 291 + 16999 + 9854712);
	assert_true(p->has_file_list);
	assert_int_equal(p->n_files, 3);
	assert_string_equal(p->files[0], "opt/conda/bin/f2py");
	assert_string_equal(p->files[1],
	    "opt/conda/lib/python3.11/site-packages/numpy/__init__.py");
	assert_null(p->root);
	assert_int_equal(p->n_deps, 5);
	d = dep_on(p, "python");
	assert_non_null(d);
	assert_string_equal(d->text, "python >=3.11,<3.12.0a0");
	assert_int_equal(d->kind, DEP_DEPENDS);
	assert_non_null(dep_on(p, "python_abi"));
	assert_non_null(dep_on(p, "tzdata"));
	/* constrains are not needs */
	assert_null(dep_on(p, "numpy-base"));
	pkgdb_free(db);
}

/* A root-level conda-meta; files only in paths_data (directories out). */
static void
test_conda_paths_data_only(void **state)
{
	struct pkgdb *db = pkgdb_new();
	const struct pkg *p;

	(void)state;
	add(db, "conda-meta/zlib-1.2.13-h5eee18b_0.json",
	    "{\"name\":\"zlib\",\"version\":\"1.2.13\","
	    "\"build\":\"h5eee18b_0\","
	    "\"depends\":[\"libgcc-ng >=11.2.0\", 7, \"\"],"
	    "\"paths_data\":{\"paths\":["
	    "{\"_path\":\"lib/libz.so.1.2.13\",\"size_in_bytes\":100},"
	    "{\"_path\":\"share/zlib\",\"path_type\":\"directory\"},"
	    "{\"_path\":\"../../etc/evil\",\"size_in_bytes\":-5}]}}", 0);
	pkgdb_finish(db);
	p = pkgdb_find(db, ECO_CONDA, "zlib");
	assert_non_null(p);
	assert_true(p->has_file_list);
	assert_int_equal(p->n_files, 2);
	assert_string_equal(p->files[0], "lib/libz.so.1.2.13");
	assert_string_equal(p->files[1], "etc/evil");
	assert_int_equal(p->installed_size, 100);
	assert_null(p->arch);
	assert_int_equal(p->n_deps, 1);
	assert_non_null(finding_with(db, "/conda-meta/zlib-1.2.13-h5eee18b_0."
	    "json: \"../../etc/evil\" climbs above the root"));
	assert_non_null(finding_with(db, "depends \"\" names no package"));
	pkgdb_free(db);
}

static void
test_conda_broken(void **state)
{
	struct pkgdb *db = pkgdb_new();
	const struct finding *fd;

	(void)state;
	add(db, "opt/conda/conda-meta/a-1-0.json",
	    "{\"name\": \"a\", \"version\": \"1\", \"files\": [\"x\"", 0);
	add(db, "opt/conda/conda-meta/b-1-0.json", "[1, 2, 3]", 0);
	add(db, "opt/conda/conda-meta/c-1-0.json",
	    "{\"version\": \"1\", \"name\": 7}", 0);
	add(db, "opt/conda/conda-meta/d-1-0.json", "", 0);
	add(db, "opt/conda/conda-meta/e-1-0.json",
	    "{\"name\": \"e\", \"version\": 3, \"files\": {\"x\": 1}}", 0);
	pkgdb_finish(db);
	fd = finding_with(db, "/opt/conda/conda-meta/a-1-0.json: not JSON "
	    "(error at byte");
	assert_non_null(fd);
	assert_string_equal(fd->kind, "package-db-malformed");
	assert_non_null(finding_with(db, "/opt/conda/conda-meta/b-1-0.json: "
	    "not a JSON object"));
	assert_non_null(finding_with(db, "/opt/conda/conda-meta/c-1-0.json: "
	    "no readable \"name\""));
	assert_non_null(finding_with(db, "/opt/conda/conda-meta/d-1-0.json: "
	    "not JSON"));
	/* wrong types are tolerated: a package, without version or files */
	assert_int_equal(db->n, 1);
	assert_string_equal(db->v[0].name, "e");
	assert_string_equal(db->v[0].version, "");
	assert_false(db->v[0].has_file_list);
	assert_int_equal(db->v[0].installed_size, -1);
	pkgdb_free(db);
}

static void
test_npm(void **state)
{
	struct pkgdb *db = pkgdb_new();
	const struct pkg *p;
	const struct pkg_dep *d;

	(void)state;
	add(db, "usr/lib/node_modules/npm/package.json",
	    "{\n  \"version\": \"9.2.0\",\n  \"name\": \"npm\",\n"
	    "  \"description\": \"a package manager for JavaScript\",\n"
	    "  \"bin\": {\"npm\": \"bin/npm-cli.js\"},\n"
	    "  \"dependencies\": {\n    \"@isaacs/string-locale-compare\": "
	    "\"^1.1.0\",\n    \"abbrev\": \"^2.0.0\"\n  },\n"
	    "  \"devDependencies\": {\"tap\": \"^16.3.2\"},\n"
	    "  \"optionalDependencies\": {\"fsevents\": \"~2.3.2\"},\n"
	    "  \"peerDependencies\": {\"typescript\": \"*\"}\n}\n", 1);
	add(db, "usr/lib/node_modules/npm/node_modules/abbrev/package.json",
	    "{\"name\": \"abbrev\", \"version\": \"2.0.0\", \"main\": "
	    "\"lib/index.js\"}", 1);
	add(db, "usr/lib/node_modules/npm/node_modules/@isaacs/"
	    "string-locale-compare/package.json",
	    "{\"name\": \"@isaacs/string-locale-compare\", "
	    "\"version\": \"1.1.0\"}", 1);
	/* a nested copy of abbrev with another version */
	add(db, "app/node_modules/x/node_modules/abbrev/package.json",
	    "{\"name\": \"abbrev\", \"version\": \"1.1.1\", "
	    "\"dependencies\": [\"old\", \"array\", \"form\"]}", 4);
	pkgdb_finish(db);
	assert_int_equal(db->findings.n, 0);
	assert_int_equal(db->n, 4);

	p = pkgdb_find(db, ECO_NPM, "npm");
	assert_non_null(p);
	assert_string_equal(p->version, "9.2.0");
	assert_string_equal(p->root, "usr/lib/node_modules/npm");
	assert_false(p->has_file_list);
	assert_int_equal(p->n_files, 0);
	assert_int_equal(p->installed_size, -1);
	assert_string_equal(p->dbpath,
	    "usr/lib/node_modules/npm/package.json");
	/* dependencies and optionalDependencies; not dev, not peer */
	assert_int_equal(p->n_deps, 3);
	d = dep_on(p, "@isaacs/string-locale-compare");
	assert_non_null(d);
	assert_string_equal(d->text, "@isaacs/string-locale-compare@^1.1.0");
	assert_int_equal(d->kind, DEP_DEPENDS);
	assert_non_null(dep_on(p, "abbrev"));
	assert_non_null(dep_on(p, "fsevents"));
	assert_null(dep_on(p, "tap"));
	assert_null(dep_on(p, "typescript"));

	/* both abbrevs, the older version first */
	p = pkgdb_find(db, ECO_NPM, "abbrev");
	assert_string_equal(p->version, "1.1.1");
	assert_string_equal(p->root, "app/node_modules/x/node_modules/abbrev");
	assert_int_equal(p->n_deps, 0);
	assert_int_equal(p->dblayer, 4);
	assert_string_equal(p[1].version, "2.0.0");
	assert_string_equal(p[1].root,
	    "usr/lib/node_modules/npm/node_modules/abbrev");

	p = pkgdb_find(db, ECO_NPM, "@isaacs/string-locale-compare");
	assert_non_null(p);
	assert_string_equal(p->root, "usr/lib/node_modules/npm/node_modules/"
	    "@isaacs/string-locale-compare");
	pkgdb_free(db);
}

static void
test_npm_broken(void **state)
{
	struct pkgdb *db = pkgdb_new();
	const struct pkg *p;

	(void)state;
	add(db, "app/node_modules/bad/package.json", "{\"name\": \"bad\",}",
	    0);
	add(db, "app/node_modules/@s/noname/package.json",
	    "{\"version\": \"0.1.0\", \"dependencies\": {\"ok\": \"1\", "
	    "\"has space\": \"2\"}}", 0);
	add(db, "app/node_modules/str/package.json", "\"just a string\"", 0);
	pkgdb_finish(db);
	assert_non_null(finding_with(db, "/app/node_modules/bad/package.json: "
	    "not JSON (error at byte 15)"));
	assert_non_null(finding_with(db, "/app/node_modules/str/package.json: "
	    "not a JSON object"));
	assert_non_null(finding_with(db, "/app/node_modules/@s/noname/"
	    "package.json: no readable \"name\"; named after its folder"));
	assert_non_null(finding_with(db, "dependency \"has space\" names no "
	    "package"));
	assert_int_equal(db->n, 1);
	p = pkgdb_find(db, ECO_NPM, "@s/noname");
	assert_non_null(p);
	assert_string_equal(p->version, "0.1.0");
	assert_int_equal(p->n_deps, 1);
	pkgdb_free(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conda),
		cmocka_unit_test(test_conda_paths_data_only),
		cmocka_unit_test(test_conda_broken),
		cmocka_unit_test(test_npm),
		cmocka_unit_test(test_npm_broken),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
