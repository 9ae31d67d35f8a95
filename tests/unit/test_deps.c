/* SPDX-License-Identifier: MIT */
/*
 * test_deps.c: dependency resolution and removal closures.
 *
 * The package sets are small dpkg status and extended_states files written
 * here, read by the real dpkg reader; the expected sets are worked out by
 * hand from apt's documented rules (apt-get(8) purge/autoremove,
 * APT::AutoRemove::RecommendsImportant) and pip-autoremove's, and
 * byte figures are sums of the sizes given to each package below.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "deps.h"

/*
 * build-essential's story from a real Debian root: purging it and running
 * autoremove freed nothing there because python3-scipy recommends g++.
 */
static const char status[] =
"Package: libc6\nStatus: install ok installed\nPriority: required\n"
"Version: 2.36-9\nArchitecture: amd64\n\n"
"Package: dash\nStatus: install ok installed\nEssential: yes\n"
"Version: 0.5.12-2\nDepends: libc6 (>= 2.34)\n\n"
"Package: python3\nStatus: install ok installed\nVersion: 3.11.2-1\n"
"Depends: libc6\n\n"
"Package: python3-numpy\nStatus: install ok installed\nVersion: 1:1.24.2-1\n"
"Depends: python3 (>= 3.11~), libblas3 | libblas.so.3, liblapack3\n"
"Recommends: python3-pytest\n\n"
"Package: libblas3\nStatus: install ok installed\nVersion: 3.11.0-2\n"
"Provides: libblas.so.3\nDepends: libc6\n\n"
"Package: liblapack3\nStatus: install ok installed\nVersion: 3.11.0-2\n"
"Depends: libblas3 | libblas.so.3, libc6\n\n"
"Package: python3-pytest\nStatus: install ok installed\nVersion: 7.2.1-2\n"
"Depends: python3\n\n"
"Package: python3-scipy\nStatus: install ok installed\nVersion: 1.10.1-2\n"
"Depends: python3-numpy, python3\nRecommends: g++\n\n"
"Package: build-essential\nStatus: install ok installed\nVersion: 12.9\n"
"Depends: g++ (>= 4:12.2), make, dpkg-dev\n\n"
"Package: g++\nStatus: install ok installed\nVersion: 4:12.2.0-3\n"
"Depends: cpp\n\n"
"Package: cpp\nStatus: install ok installed\nVersion: 4:12.2.0-3\n\n"
"Package: make\nStatus: install ok installed\nVersion: 4.3-4.1\n\n"
"Package: dpkg-dev\nStatus: install ok installed\nVersion: 1.21.22\n"
"Depends: make\n\n"
"Package: oldlib\nStatus: install ok installed\nVersion: 1.0\n\n"
"Package: gone\nStatus: deinstall ok config-files\nVersion: 1.0\n";

/* Manual: python3, python3-numpy, python3-scipy, build-essential. */
static const char ext_states[] =
"Package: libblas3\nArchitecture: amd64\nAuto-Installed: 1\n\n"
"Package: liblapack3\nArchitecture: amd64\nAuto-Installed: 1\n\n"
"Package: python3-pytest\nArchitecture: amd64\nAuto-Installed: 1\n\n"
"Package: g++\nArchitecture: amd64\nAuto-Installed: 1\n\n"
"Package: cpp\nArchitecture: amd64\nAuto-Installed: 1\n\n"
"Package: make\nArchitecture: amd64\nAuto-Installed: 1\n\n"
"Package: dpkg-dev\nArchitecture: amd64\nAuto-Installed: 1\n\n"
"Package: oldlib\nArchitecture: amd64\nAuto-Installed: 1\n\n";

struct fixture {
	struct pkgdb *db;
	struct owners own;
	struct deps *d;
};

/* Bytes per package: 1000 * (its position in this list + 1). */
static const char *const sized[] = {
	"libc6", "dash", "python3", "python3-numpy", "libblas3", "liblapack3",
	"python3-pytest", "python3-scipy", "build-essential", "g++", "cpp",
	"make", "dpkg-dev", "oldlib"
};

static int64_t
size_of(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(sized) / sizeof(sized[0]); i++)
		if (strcmp(sized[i], name) == 0)
			return 1000 * (int64_t)(i + 1);
	return 0;
}

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	size_t i;

	fx->db = pkgdb_new();
	pkgdb_add_file(fx->db, "var/lib/dpkg/status", status,
	    sizeof(status) - 1, 0);
	pkgdb_add_file(fx->db, "var/lib/apt/extended_states", ext_states,
	    sizeof(ext_states) - 1, 0);
	pkgdb_finish(fx->db);
	fx->own.db = fx->db;
	fx->own.stats = calloc(fx->db->n, sizeof(*fx->own.stats));
	for (i = 0; i < fx->db->n; i++) {
		fx->own.stats[i].bytes = size_of(fx->db->v[i].name);
		fx->own.stats[i].files = 1;
	}
	fx->d = deps_build(fx->db, &fx->own);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	deps_free(fx->d);
	free(fx->own.stats);
	pkgdb_free(fx->db);
	free(fx);
	return 0;
}

static size_t
idx(struct fixture *fx, const char *name)
{
	struct pkg *p = pkgdb_find(fx->db, ECO_DPKG, name);

	assert_non_null(p);
	return (size_t)(p - fx->db->v);
}

/* The set's names, space-separated, in its order. */
static char *
names(struct fixture *fx, const struct removal_set *s)
{
	static char buf[1024];
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < s->n; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s",
		    i ? " " : "", fx->db->v[s->pkgs[i]].name);
	return buf;
}

static void
test_installed_only(void **state)
{
	struct fixture *fx = *state;

	/* 14 installed; "gone" is only config files. */
	assert_int_equal(fx->db->n, 14);
	assert_null(pkgdb_find(fx->db, ECO_DPKG, "gone"));
}

static void
test_requires_resolved(void **state)
{
	struct fixture *fx = *state;
	const struct dep_node *n = &fx->d->node[idx(fx, "python3-numpy")];
	size_t i;
	int blas = 0, lapack = 0, py = 0;

	/* python3, libblas3 (by name and by Provides), liblapack3. */
	assert_int_equal(n->n_requires, 3);
	for (i = 0; i < n->n_requires; i++) {
		const char *nm = fx->db->v[n->requires[i]].name;

		blas += strcmp(nm, "libblas3") == 0;
		lapack += strcmp(nm, "liblapack3") == 0;
		py += strcmp(nm, "python3") == 0;
	}
	assert_int_equal(blas + lapack + py, 3);
	assert_int_equal(n->n_recommends, 1);
	assert_int_equal(n->n_unresolved, 0);
	/* build-essential needs g++, make, dpkg-dev: all there. */
	assert_int_equal(fx->d->node[idx(fx, "build-essential")].n_requires, 3);
	/* libc6 is required by dash, python3, libblas3, liblapack3. */
	assert_int_equal(fx->d->node[idx(fx, "libc6")].n_required_by, 4);
}

static void
test_recommends_hold(void **state)
{
	struct fixture *fx = *state;
	struct removal r;

	deps_removal(fx->d, idx(fx, "build-essential"), &r);
	assert_int_equal(r.blocked_by, SIZE_MAX);
	assert_true(r.has_apt);
	/*
	 * apt: g++ (and cpp under it) stay, recommended by python3-scipy;
	 * make and dpkg-dev go.  oldlib was an orphan before: not X's.
	 */
	assert_string_equal(names(fx, &r.apt), "build-essential dpkg-dev make");
	assert_int_equal(r.apt.bytes, 9000 + 13000 + 12000);
	assert_int_equal(r.orphans, 1);
	assert_int_equal(r.orphan_bytes, 14000);
	/* full adds g++ and cpp: g++ held by the recommends. */
	assert_string_equal(names(fx, &r.full),
	    "build-essential cpp dpkg-dev g++ make");
	assert_int_equal(r.full.bytes, 9000 + 11000 + 13000 + 10000 + 12000);
	/* cpp is listed only as g++'s: it goes once g++ is named. */
	assert_int_equal(r.n_held, 1);
	/* With an orphan around, the fixes name every package. */
	assert_string_equal(r.apt.fix,
	    "apt-get purge -y build-essential dpkg-dev make");
	assert_string_equal(r.full.fix,
	    "apt-get purge -y build-essential cpp dpkg-dev g++ make");
	{
		size_t i, g = SIZE_MAX;

		for (i = 0; i < r.n_held; i++)
			if (strcmp(fx->db->v[r.held[i].pkg].name, "g++") == 0)
				g = i;
		assert_true(g != SIZE_MAX);
		assert_string_equal(r.held[g].how, "recommends");
		assert_int_equal(r.held[g].n_by, 1);
		assert_string_equal(fx->db->v[r.held[g].by[0]].name,
		    "python3-scipy");
	}
	removal_free(&r);
}

static void
test_reverse_dependencies_go(void **state)
{
	struct fixture *fx = *state;
	struct removal r;

	/*
	 * Purging libblas3 breaks liblapack3 and python3-numpy (no other
	 * libblas.so.3 provider), which breaks python3-scipy; autoremove then
	 * takes python3-pytest (only numpy recommended it) and, with scipy's
	 * recommends gone, nothing else: g++ is still build-essential's.
	 */
	deps_removal(fx->d, idx(fx, "libblas3"), &r);
	assert_string_equal(names(fx, &r.apt),
	    "libblas3 liblapack3 python3-numpy python3-pytest python3-scipy");
	assert_int_equal(r.apt.bytes, 5000 + 6000 + 4000 + 7000 + 8000);
	/*
	 * Nothing left needs python3 either, but it was installed by hand:
	 * full has it, held as manual.
	 */
	assert_int_equal(r.n_held, 1);
	assert_string_equal(fx->db->v[r.held[0].pkg].name, "python3");
	assert_string_equal(r.held[0].how, "manual");
	assert_int_equal(r.full.bytes, r.apt.bytes + 3000);
	removal_free(&r);
}

static void
test_essential_blocks(void **state)
{
	struct fixture *fx = *state;
	struct removal r;

	/* libc6 is required, and dash (Essential) depends on it. */
	deps_removal(fx->d, idx(fx, "libc6"), &r);
	assert_true(r.blocked_by != SIZE_MAX);
	assert_null(r.apt.fix);
	removal_free(&r);
	deps_removal(fx->d, idx(fx, "dash"), &r);
	assert_string_equal(fx->db->v[r.blocked_by].name, "dash");
	removal_free(&r);
}

/* pip: as pip-autoremove; extras never pull a package in. */
static const char meta_a[] = "Metadata-Version: 2.1\nName: Alpha\n"
"Version: 1.0\nRequires-Dist: beta\nRequires-Dist: gamma>=2\n"
"Requires-Dist: fancy ; extra == \"all\"\n\n";
static const char meta_b[] = "Metadata-Version: 2.1\nName: beta\n"
"Version: 1.0\nRequires-Dist: delta\n\n";
static const char meta_c[] = "Metadata-Version: 2.1\nName: gamma\n"
"Version: 2.0\n\n";
static const char meta_d[] = "Metadata-Version: 2.1\nName: delta\n"
"Version: 1.0\n\n";
static const char meta_e[] = "Metadata-Version: 2.1\nName: Echo\n"
"Version: 1.0\nRequires-Dist: gamma\n\n";
static const char meta_f[] = "Metadata-Version: 2.1\nName: fancy\n"
"Version: 1.0\n\n";

static void
test_pip_autoremove(void **state)
{
	static const struct { const char *dir; const char *meta; } m[] = {
		{ "alpha-1.0", meta_a }, { "beta-1.0", meta_b },
		{ "gamma-2.0", meta_c }, { "delta-1.0", meta_d },
		{ "echo-1.0", meta_e }, { "fancy-1.0", meta_f },
	};
	struct pkgdb *db = pkgdb_new();
	struct owners own;
	struct deps *d;
	struct removal r;
	struct pkg *a;
	char path[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		snprintf(path, sizeof(path), "usr/lib/python3.11/site-packages/"
		    "%s.dist-info/METADATA", m[i].dir);
		pkgdb_add_file(db, path, m[i].meta, strlen(m[i].meta), 1);
	}
	pkgdb_finish(db);
	assert_int_equal(db->n, 6);
	memset(&own, 0, sizeof(own));
	own.db = db;
	own.stats = calloc(db->n, sizeof(*own.stats));
	for (i = 0; i < db->n; i++)
		own.stats[i].bytes = 100;
	d = deps_build(db, &own);
	a = pkgdb_find(db, ECO_PIP, "alpha");
	assert_non_null(a);
	deps_removal(d, (size_t)(a - db->v), &r);
	assert_false(r.has_apt);
	/* gamma stays for Echo; fancy is only an extra. */
	assert_int_equal(r.full.n, 3);
	assert_int_equal(r.full.bytes, 300);
	assert_string_equal(r.full.fix, "pip uninstall -y Alpha beta delta");
	removal_free(&r);
	deps_free(d);
	free(own.stats);
	pkgdb_free(db);
}

/*
 * What stays keeps what it recommends: removing app (which needs libkrb5)
 * must not claim krb5-locales, recommended by libkrb5, which curl keeps.
 * Helper-found on a real Debian root (tests/e2e/debian_packages.sh).
 */
static void
test_kept_recommends_not_claimed(void **state)
{
	static const char st[] =
	"Package: app\nStatus: install ok installed\nVersion: 1\n"
	"Depends: libkrb5-3, libapp\n\n"
	"Package: libapp\nStatus: install ok installed\nVersion: 1\n\n"
	"Package: curl\nStatus: install ok installed\nVersion: 1\n"
	"Depends: libkrb5-3\n\n"
	"Package: libkrb5-3\nStatus: install ok installed\nVersion: 1\n"
	"Recommends: krb5-locales\n\n"
	"Package: krb5-locales\nStatus: install ok installed\nVersion: 1\n";
	static const char ext[] =
	"Package: libapp\nAuto-Installed: 1\n\n"
	"Package: libkrb5-3\nAuto-Installed: 1\n\n"
	"Package: krb5-locales\nAuto-Installed: 1\n";
	struct pkgdb *db = pkgdb_new();
	struct owners own;
	struct deps *d;
	struct removal r;
	size_t i;

	(void)state;
	pkgdb_add_file(db, "var/lib/dpkg/status", st, sizeof(st) - 1, 0);
	pkgdb_add_file(db, "var/lib/apt/extended_states", ext,
	    sizeof(ext) - 1, 0);
	pkgdb_finish(db);
	memset(&own, 0, sizeof(own));
	own.db = db;
	own.stats = calloc(db->n, sizeof(*own.stats));
	d = deps_build(db, &own);
	for (i = 0; i < db->n; i++)
		if (strcmp(db->v[i].name, "app") == 0)
			break;
	deps_removal(d, i, &r);
	assert_int_equal(r.apt.n, 2);		/* app, libapp */
	assert_int_equal(r.full.n, 2);
	assert_int_equal(r.n_held, 0);
	assert_int_equal(r.orphans, 0);
	assert_string_equal(r.apt.fix,
	    "apt-get purge -y app && apt-get autoremove -y --purge");
	removal_free(&r);
	deps_free(d);
	free(own.stats);
	pkgdb_free(db);
}

/*
 * A dpkg status of n packages: p00000 .. each needing the next (chain), or
 * q00000 .. needing nothing.
 */
static struct pkgdb *
chain_db(size_t n, int chain)
{
	struct pkgdb *db = pkgdb_new();
	size_t cap = n * 128 + 1, len = 0, i;
	char *st = malloc(cap);

	assert_non_null(st);
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(st + len, cap - len, chain ?
		    "Package: p%05zu\nStatus: install ok installed\n"
		    "Version: 1\nDepends: p%05zu\n\n" :
		    "Package: q%05zu\nStatus: install ok installed\n"
		    "Version: 1\n\n", i, i + 1);
	assert_true(len < cap);
	pkgdb_add_file(db, "var/lib/dpkg/status", st, len, 0);
	pkgdb_finish(db);
	free(st);
	return db;
}

static size_t
count_kind(const struct findings *f, const char *kind)
{
	size_t i, k = 0;

	for (i = 0; i < f->n; i++)
		k += strcmp(f->v[i].kind, kind) == 0;
	return k;
}

/*
 * The hostile chain at the most packages imgaudit reads (PKGDB_PACKAGES_MAX,
 * 10,000): p00000 needs p00001 ... p09999 needs p10000, which is not
 * there.  Purging p_i breaks every p_j, j < i, so apt's set is p_0 .. p_i
 * (i + 1 packages); everything below it is then needed by nothing, all
 * installed by hand: full is all n, the rest held as "manual".  Computed
 * for every package that is n²/2 + n² set entries (150 million, over a
 * GB); the budget must stop that early, count what it left out, and
 * leave every set it did compute exact.
 */
static void
test_chain_budget(void **state)
{
	const size_t n = PKGDB_PACKAGES_MAX;
	struct pkgdb *db = chain_db(n, 1);
	struct owners own;
	struct deps *d;
	struct removal *r;
	size_t i, done = 0, skipped = 0, edges = n - 1;
	char want[128];

	(void)state;
	assert_int_equal(db->n, n);
	memset(&own, 0, sizeof(own));
	own.db = db;
	own.stats = calloc(n, sizeof(*own.stats));
	for (i = 0; i < n; i++)
		own.stats[i].bytes = 1;
	d = deps_build(db, &own);
	r = calloc(n, sizeof(*r));
	deps_removals(d, r);
	for (i = 0; i < n; i++) {
		if (r[i].skipped) {
			skipped++;
			assert_int_equal(r[i].apt.n + r[i].full.n, 0);
			assert_null(r[i].apt.pkgs);
			continue;
		}
		/* Computed ones come first, in database (name) order. */
		assert_int_equal(skipped, 0);
		done++;
		snprintf(want, sizeof(want), "p%05zu", i);
		assert_string_equal(db->v[i].name, want);
		assert_int_equal(r[i].apt.n, i + 1);
		assert_int_equal(r[i].apt.bytes, (int64_t)(i + 1));
		assert_int_equal(r[i].full.n, n);
		assert_int_equal(r[i].n_held, n - i - 1);
		assert_string_equal(r[i].held[0].how, "manual");
	}
	assert_true(done > 0);
	assert_true(skipped > 0);
	assert_int_equal(d->n_skipped, skipped);
	/*
	 * Bounded work: past the budget by at most one removal, which
	 * costs a few passes over the n packages and the n - 1 edges, and
	 * keeps at most apt + full + held (4 size_t each) = 6n entries.
	 * Without the budget: at least n passes of n packages each.
	 */
	assert_true(d->work <= DEPS_WORK_MAX + 32 * (n + edges));
	assert_true(d->kept <= DEPS_KEPT_MAX + 6 * n);
	assert_true(d->kept >= DEPS_KEPT_MAX || d->work >= DEPS_WORK_MAX);
	assert_int_equal(count_kind(&d->findings, "removal-sets-not-computed"),
	    1);
	snprintf(want, sizeof(want), "the other %zu (from dpkg p%05zu on",
	    skipped, done);
	assert_non_null(strstr(d->findings.v[0].detail, want));
	for (i = 0; i < n; i++)
		removal_free(&r[i]);
	free(r);
	deps_free(d);
	free(own.stats);
	pkgdb_free(db);
}

/* 10,000 packages that need nothing: every removal set is itself. */
static void
test_many_independent_within_budget(void **state)
{
	const size_t n = PKGDB_PACKAGES_MAX;
	struct pkgdb *db = chain_db(n, 0);
	struct owners own;
	struct deps *d;
	struct removal *r;
	size_t i;

	(void)state;
	memset(&own, 0, sizeof(own));
	own.db = db;
	own.stats = calloc(n, sizeof(*own.stats));
	d = deps_build(db, &own);
	r = calloc(n, sizeof(*r));
	deps_removals(d, r);
	for (i = 0; i < n; i++) {
		assert_false(r[i].skipped);
		assert_int_equal(r[i].apt.n, 1);
		assert_int_equal(r[i].full.n, 1);
		removal_free(&r[i]);
	}
	assert_int_equal(d->findings.n, 0);
	free(r);
	deps_free(d);
	free(own.stats);
	pkgdb_free(db);
}

/*
 * 200 packages all named p, each "Depends: p, p, ... p" 400 times: every
 * mention is met by 64 of the others (DEPS_SAT_MAX), 200 * 400 * 64 =
 * 5,120,000 satisfier entries, past DEPS_EDGES_MAX.  The graph stops
 * there, and no removal is computed on a graph that lost requirements.
 */
static void
test_wide_graph_cut(void **state)
{
	const size_t n = 200, w = 400;
	struct pkgdb *db = pkgdb_new();
	struct owners own;
	struct deps *d;
	struct removal *r;
	size_t cap = n * (w * 3 + 128), len = 0, i, j;
	char *st = malloc(cap);

	(void)state;
	assert_non_null(st);
	assert_true(n * w * 64 > DEPS_EDGES_MAX);
	for (i = 0; i < n; i++) {
		len += (size_t)snprintf(st + len, cap - len, "Package: p\n"
		    "Status: install ok installed\nVersion: %zu\nDepends: p",
		    i);
		for (j = 1; j < w; j++)
			len += (size_t)snprintf(st + len, cap - len, ", p");
		len += (size_t)snprintf(st + len, cap - len, "\n\n");
	}
	assert_true(len < cap);
	pkgdb_add_file(db, "var/lib/dpkg/status", st, len, 0);
	pkgdb_finish(db);
	free(st);
	assert_int_equal(db->n, n);
	memset(&own, 0, sizeof(own));
	own.db = db;
	own.stats = calloc(n, sizeof(*own.stats));
	d = deps_build(db, &own);
	r = calloc(n, sizeof(*r));
	deps_removals(d, r);
	for (i = 0; i < n; i++) {
		assert_true(r[i].skipped);
		removal_free(&r[i]);
	}
	assert_int_equal(d->n_skipped, n);
	assert_int_equal(d->work, 0);
	assert_int_equal(count_kind(&d->findings,
	    "dependency-graph-too-large"), 1);
	assert_int_equal(d->findings.n, 1);
	free(r);
	deps_free(d);
	free(own.stats);
	pkgdb_free(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_installed_only, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_requires_resolved, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_recommends_hold, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reverse_dependencies_go,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_essential_blocks, setup,
		    teardown),
		cmocka_unit_test(test_pip_autoremove),
		cmocka_unit_test(test_kept_recommends_not_claimed),
		cmocka_unit_test(test_chain_budget),
		cmocka_unit_test(test_many_independent_within_budget),
		cmocka_unit_test(test_wide_graph_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
