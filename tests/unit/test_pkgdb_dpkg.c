/* SPDX-License-Identifier: MIT */
/*
 * test_pkgdb_dpkg.c: the dpkg reader on snippets in the formats dpkg and
 * apt write (stanzas shaped like a Debian 12 status file, invented data):
 * relationships, Provides, Essential and Priority, a deinstalled package,
 * held packages, multi-arch file lists, extended_states, distroless
 * status.d, and broken stanzas.
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

static const char status[] =
    "Package: libc6\n"
    "Status: install ok installed\n"
    "Priority: optional\n"
    "Section: libs\n"
    "Installed-Size: 12980\n"
    "Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>\n"
    "Architecture: amd64\n"
    "Multi-Arch: same\n"
    "Source: glibc\n"
    "Version: 2.36-9+deb12u4\n"
    "Replaces: libc6-amd64\n"
    "Depends: libgcc-s1\n"
    "Recommends: libidn2-0 (>= 2.0.5~)\n"
    "Suggests: glibc-doc, debconf | debconf-2.0, libc-l10n, locales\n"
    "Breaks: aide (<< 0.17.3-4+b3), busybox (<< 1.30.1-6)\n"
    "Conffiles:\n"
    " /etc/ld.so.conf.d/x86_64-linux-gnu.conf "
    "d4e7a7b88a71b5ffd9e2644e71a0cfab\n"
    "Description: GNU C Library: Shared libraries\n"
    " Contains the standard libraries that are used by nearly all programs\n"
    " .\n"
    " on the system.\n"
    "Homepage: https://www.gnu.org/software/libc/libc.html\n"
    "\n"
    "Package: libc6\n"
    "Status: install ok installed\n"
    "Installed-Size: 12000\n"
    "Architecture: i386\n"
    "Multi-Arch: same\n"
    "Version: 2.36-9+deb12u4\n"
    "Depends: libgcc-s1\n"
    "\n"
    "Package: dash\n"
    "Essential: yes\n"
    "Status: install ok installed\n"
    "Priority: required\n"
    "Section: shells\n"
    "Installed-Size: 216\n"
    "Architecture: amd64\n"
    "Multi-Arch: foreign\n"
    "Version: 0.5.12-2\n"
    "Pre-Depends: libc6 (>= 2.34)\n"
    "Depends: debianutils (>= 5.6-0.1), dpkg (>= 1.19.1)\n"
    "Description: POSIX-compliant shell\n"
    "\n"
    "Package: python3\n"
    "Status: install ok installed\n"
    "Priority: optional\n"
    "Installed-Size: 90\n"
    "Architecture: amd64\n"
    "Multi-Arch: allowed\n"
    "Version: 3.11.2-1+b1\n"
    "Provides: python3-profiler, python3-supported-min (= 3.11), "
    "python3-supported-max (= 3.11)\n"
    "Pre-Depends: python3-minimal (= 3.11.2-1+b1)\n"
    "Depends: python3.11 (>= 3.11.2-1~), libpython3-stdlib (= 3.11.2-1+b1)\n"
    "Recommends: ca-certificates\n"
    "\n"
    "Package: mawk\n"
    "Status: install ok installed\n"
    "Priority: required\n"
    "Architecture: amd64\n"
    "Version: 1.3.4.20200120-3.1\n"
    "Provides: awk\n"
    "Depends: libc6 (>= 2.34),\n"
    " libcurl4t64 | libcurl4 [amd64] <!stage1>,\n"
    "  perl:any (>= 5.36) | perl-base:amd64\n"
    "\n"
    "Package: tzdata\n"
    "Status: install ok installed\n"
    "Architecture: all\n"
    "Version: 2024a-0+deb12u1\n"
    "Depends: debconf (>= 0.5) | debconf-2.0\n"
    "\n"
    "Package: oldpkg\n"
    "Status: deinstall ok config-files\n"
    "Architecture: amd64\n"
    "Version: 1.0-1\n"
    "Conffiles:\n"
    " /etc/oldpkg.conf 0123456789abcdef0123456789abcdef\n"
    "\n"
    "Package: libcudnn8\n"
    "Status: hold ok installed\n"
    "Architecture: amd64\n"
    "Version: 8.9.7.29-1+cuda12.2\n"
    "Installed-Size: 1068424\n"
    "\n"
    "Package: halfway\n"
    "Status: install reinstreq half-installed\n"
    "Architecture: amd64\n"
    "Version: 1\n";

static void
test_status(void **state)
{
	struct pkgdb *db = pkgdb_new();
	const struct pkg *p;
	const struct pkg_dep *d;

	(void)state;
	add(db, "var/lib/dpkg/status", status, 1);
	pkgdb_finish(db);
	assert_int_equal(db->findings.n, 0);
	/* oldpkg (config-files) and halfway (half-installed) are gone */
	assert_int_equal(db->n, 7);
	assert_null(pkgdb_find(db, ECO_DPKG, "oldpkg"));
	assert_null(pkgdb_find(db, ECO_DPKG, "halfway"));

	/* two libc6, amd64 first (sorted by version, then arch) */
	p = pkgdb_find(db, ECO_DPKG, "libc6");
	assert_non_null(p);
	assert_string_equal(p->arch, "amd64");
	assert_string_equal(p[1].key, "libc6");
	assert_string_equal(p[1].arch, "i386");
	assert_string_equal(p->version, "2.36-9+deb12u4");
	assert_int_equal(p->installed_size, 12980 * 1024);
	assert_true(p->installed);
	assert_false(p->essential);
	assert_false(p->required);
	assert_false(p->has_file_list);
	assert_string_equal(p->dbpath, "var/lib/dpkg/status");
	assert_int_equal(p->dblayer, 1);
	/* Depends and Recommends; Suggests, Breaks, Replaces are not kept */
	assert_int_equal(p->n_deps, 2);
	d = dep_on(p, "libgcc-s1");
	assert_non_null(d);
	assert_int_equal(d->kind, DEP_DEPENDS);
	d = dep_on(p, "libidn2-0");
	assert_non_null(d);
	assert_int_equal(d->kind, DEP_RECOMMENDS);
	assert_string_equal(d->text, "libidn2-0 (>= 2.0.5~)");

	p = pkgdb_find(db, ECO_DPKG, "dash");
	assert_true(p->essential);
	assert_true(p->required);
	assert_int_equal(p->n_deps, 3);
	d = dep_on(p, "libc6");
	assert_int_equal(d->kind, DEP_PREDEPENDS);
	assert_int_equal(d->n_alts, 1);
	assert_int_equal(dep_on(p, "debianutils")->kind, DEP_DEPENDS);
	assert_int_equal(dep_on(p, "dpkg")->kind, DEP_DEPENDS);

	p = pkgdb_find(db, ECO_DPKG, "python3");
	assert_int_equal(p->n_provides, 3);
	assert_string_equal(p->provides[0], "python3-profiler");
	assert_string_equal(p->provides[1], "python3-supported-min");
	assert_string_equal(p->provides[2], "python3-supported-max");
	assert_int_equal(dep_on(p, "python3-minimal")->kind, DEP_PREDEPENDS);
	assert_int_equal(dep_on(p, "python3.11")->kind, DEP_DEPENDS);
	assert_int_equal(dep_on(p, "libpython3-stdlib")->kind, DEP_DEPENDS);
	assert_int_equal(dep_on(p, "ca-certificates")->kind, DEP_RECOMMENDS);
	assert_int_equal(p->n_deps, 4);

	/* alternatives, continuation lines, [arch], <profile>, :any */
	p = pkgdb_find(db, ECO_DPKG, "mawk");
	assert_true(p->required);
	assert_false(p->essential);
	assert_int_equal(p->n_provides, 1);
	assert_string_equal(p->provides[0], "awk");
	assert_int_equal(p->n_deps, 3);
	assert_string_equal(p->deps[0].alts[0], "libc6");
	assert_int_equal(p->deps[1].n_alts, 2);
	assert_string_equal(p->deps[1].alts[0], "libcurl4t64");
	assert_string_equal(p->deps[1].alts[1], "libcurl4");
	assert_string_equal(p->deps[1].text,
	    "libcurl4t64 | libcurl4 [amd64] <!stage1>");
	assert_int_equal(p->deps[2].n_alts, 2);
	assert_string_equal(p->deps[2].alts[0], "perl");
	assert_string_equal(p->deps[2].alts[1], "perl-base");
	assert_string_equal(p->deps[2].text,
	    "perl:any (>= 5.36) | perl-base:amd64");
	assert_int_equal(p->installed_size, -1);

	p = pkgdb_find(db, ECO_DPKG, "tzdata");
	assert_string_equal(p->arch, "all");
	assert_int_equal(p->deps[0].n_alts, 2);
	assert_string_equal(p->deps[0].alts[1], "debconf-2.0");

	/* apt-mark hold leaves "hold ok installed": still installed */
	p = pkgdb_find(db, ECO_DPKG, "libcudnn8");
	assert_non_null(p);
	assert_int_equal(p->installed_size, (int64_t)1068424 * 1024);
	pkgdb_free(db);
}

/* The same status with CRLF line ends reads the same. */
static void
test_status_crlf(void **state)
{
	struct pkgdb *db = pkgdb_new();
	const struct pkg *p;
	size_t i, n = 0;
	char *crlf = xmalloc(2 * sizeof(status));

	(void)state;
	for (i = 0; status[i] != '\0'; i++) {
		if (status[i] == '\n')
			crlf[n++] = '\r';
		crlf[n++] = status[i];
	}
	pkgdb_add_file(db, "var/lib/dpkg/status", crlf, n, 0);
	free(crlf);
	pkgdb_finish(db);
	assert_int_equal(db->findings.n, 0);
	assert_int_equal(db->n, 7);
	p = pkgdb_find(db, ECO_DPKG, "mawk");
	assert_string_equal(p->version, "1.3.4.20200120-3.1");
	assert_string_equal(p->deps[2].alts[1], "perl-base");
	assert_string_equal(p->deps[1].text,
	    "libcurl4t64 | libcurl4 [amd64] <!stage1>");
	assert_string_equal(pkgdb_find(db, ECO_DPKG, "dash")->arch, "amd64");
	pkgdb_free(db);
}

static void
test_lists(void **state)
{
	struct pkgdb *db = pkgdb_new();
	const struct pkg *p;

	(void)state;
	/* lists before status: order of arrival does not matter */
	add(db, "var/lib/dpkg/info/libc6:amd64.list",
	    "/.\n/etc\n/etc/ld.so.conf.d\n"
	    "/etc/ld.so.conf.d/x86_64-linux-gnu.conf\n/lib64\n"
	    "/lib64/ld-linux-x86-64.so.2\n/usr/lib/x86_64-linux-gnu\n"
	    "/usr/lib/x86_64-linux-gnu/libc.so.6\n", 1);
	add(db, "var/lib/dpkg/info/libc6:i386.list",
	    "/.\n/usr/lib/i386-linux-gnu/libc.so.6\n", 1);
	add(db, "var/lib/dpkg/info/dash.list",
	    "/.\n/bin\n/bin/dash\n/usr/share/man/man1/dash.1.gz\n", 1);
	add(db, "var/lib/dpkg/info/tzdata.list",
	    "/usr/share/zoneinfo/Europe/Paris\r\n"
	    "/usr/share/zoneinfo/with space\r\n", 3);
	/* a list of a package that is not installed: unused */
	add(db, "var/lib/dpkg/info/oldpkg.list", "/etc/oldpkg.conf\n", 1);
	add(db, "var/lib/dpkg/status", status, 2);
	pkgdb_finish(db);
	assert_int_equal(db->findings.n, 0);

	p = pkgdb_find(db, ECO_DPKG, "libc6");
	assert_string_equal(p->arch, "amd64");
	assert_true(p->has_file_list);
	/* "/." is the root itself; directories stay: the tree drops them */
	assert_int_equal(p->n_files, 7);
	assert_string_equal(p->files[0], "etc");
	assert_true(has_file(p, "lib64/ld-linux-x86-64.so.2"));
	assert_true(has_file(p, "usr/lib/x86_64-linux-gnu/libc.so.6"));
	assert_false(has_file(p, "usr/lib/i386-linux-gnu/libc.so.6"));
	/* the list was written with the package: its layer */
	assert_int_equal(p->dblayer, 1);
	assert_string_equal(p->dbpath, "var/lib/dpkg/status");

	p++;
	assert_string_equal(p->arch, "i386");
	assert_int_equal(p->n_files, 1);
	assert_string_equal(p->files[0], "usr/lib/i386-linux-gnu/libc.so.6");

	p = pkgdb_find(db, ECO_DPKG, "dash");
	assert_int_equal(p->n_files, 3);
	assert_true(has_file(p, "bin/dash"));
	assert_true(has_file(p, "usr/share/man/man1/dash.1.gz"));

	p = pkgdb_find(db, ECO_DPKG, "tzdata");
	assert_int_equal(p->n_files, 2);
	assert_string_equal(p->files[1], "usr/share/zoneinfo/with space");
	assert_int_equal(p->dblayer, 3);

	p = pkgdb_find(db, ECO_DPKG, "python3");
	assert_false(p->has_file_list);
	assert_int_equal(p->n_files, 0);
	assert_int_equal(p->dblayer, 2);
	pkgdb_free(db);
}

/* One package, one list whose arch suffix does not match: still joined. */
static void
test_list_arch_mismatch(void **state)
{
	struct pkgdb *db = pkgdb_new();
	const struct pkg *p;

	(void)state;
	add(db, "var/lib/dpkg/status",
	    "Package: zlib1g\nStatus: install ok installed\n"
	    "Architecture: amd64\nVersion: 1:1.2.13.dfsg-1\n\n"
	    "Package: libx\nStatus: install ok installed\n"
	    "Architecture: amd64\nVersion: 1\n", 0);
	add(db, "var/lib/dpkg/info/zlib1g:arm64.list",
	    "/usr/lib/libz.so.1\n", 0);
	add(db, "var/lib/dpkg/info/libx:amd64.list", "/usr/lib/libx.so\n", 0);
	pkgdb_finish(db);
	p = pkgdb_find(db, ECO_DPKG, "zlib1g");
	assert_true(p->has_file_list);
	assert_string_equal(p->files[0], "usr/lib/libz.so.1");
	/* a package not Multi-Arch: same may still have NAME:ARCH.list */
	p = pkgdb_find(db, ECO_DPKG, "libx");
	assert_true(has_file(p, "usr/lib/libx.so"));
	pkgdb_free(db);
}

static void
test_extended_states(void **state)
{
	struct pkgdb *db = pkgdb_new();

	(void)state;
	add(db, "var/lib/dpkg/status", status, 0);
	add(db, "var/lib/apt/extended_states",
	    "Package: libidn2-0\nArchitecture: amd64\nAuto-Installed: 1\n\n"
	    "Package: python3\nArchitecture: amd64\nAuto-Installed: 0\n\n"
	    "Package: libc6\nArchitecture: i386\nAuto-Installed: 1\n\n"
	    "Package: tzdata\nArchitecture: amd64\nAuto-Installed: 1\n\n"
	    "Package: mawk\nArchitecture: arm64\nAuto-Installed: 1\n", 0);
	pkgdb_finish(db);
	assert_int_equal(db->findings.n, 0);
	assert_false(pkgdb_find(db, ECO_DPKG, "python3")->auto_installed);
	/* only the i386 libc6 is marked */
	assert_false(pkgdb_find(db, ECO_DPKG, "libc6")[0].auto_installed);
	assert_true(pkgdb_find(db, ECO_DPKG, "libc6")[1].auto_installed);
	/* apt files Architecture: all under the native architecture */
	assert_true(pkgdb_find(db, ECO_DPKG, "tzdata")->auto_installed);
	/* another architecture's mark is not this package's */
	assert_false(pkgdb_find(db, ECO_DPKG, "mawk")->auto_installed);
	assert_false(pkgdb_find(db, ECO_DPKG, "dash")->auto_installed);
	pkgdb_free(db);
}

/*
 * Distroless: one control file per package (no Status), the md5sums
 * beside it; "base" holds base-files, as distroless names it.
 */
static void
test_distroless(void **state)
{
	struct pkgdb *db = pkgdb_new();
	const struct pkg *p;

	(void)state;
	add(db, "var/lib/dpkg/status.d/base",
	    "Package: base-files\nVersion: 12.4+deb12u5\n"
	    "Architecture: amd64\nInstalled-Size: 341\nEssential: yes\n"
	    "Priority: required\n", 0);
	add(db, "var/lib/dpkg/status.d/base.md5sums",
	    "8a8f2a6a1a5e3ec5dd7d8d7b0e9e17e9  etc/debian_version\n"
	    "0ba8f6a1c3a1e6cde13b3d7c5a3e2d1f  usr/lib/os-release\n", 0);
	add(db, "var/lib/dpkg/status.d/libssl3",
	    "Package: libssl3\nSource: openssl\nVersion: 3.0.15-1~deb12u1\n"
	    "Architecture: amd64\nMulti-Arch: same\n"
	    "Depends: libc6 (>= 2.34)\n", 1);
	add(db, "var/lib/dpkg/status.d/libssl3.md5sums",
	    "d41d8cd98f00b204e9800998ecf8427e  usr/lib/x86_64-linux-gnu/"
	    "libssl.so.3\n"
	    "d41d8cd98f00b204e9800998ecf8427e *usr/share/doc/libssl3/"
	    "changelog.gz\n", 2);
	/* two stanzas in one file, md5sums named after the second */
	add(db, "var/lib/dpkg/status.d/tz",
	    "Package: tzdata\nVersion: 2024a\nArchitecture: all\n\n"
	    "Package: netbase\nVersion: 6.4\nArchitecture: all\n", 0);
	add(db, "var/lib/dpkg/status.d/netbase.md5sums",
	    "d41d8cd98f00b204e9800998ecf8427e  etc/protocols\n", 0);
	add(db, "var/lib/dpkg/status.d/tz.md5sums",
	    "d41d8cd98f00b204e9800998ecf8427e  usr/share/zoneinfo/UTC\n"
	    "this line has no checksum\n", 0);
	pkgdb_finish(db);
	assert_int_equal(db->n, 4);

	p = pkgdb_find(db, ECO_DPKG, "base-files");
	assert_non_null(p);
	assert_true(p->installed);
	assert_true(p->essential);
	assert_true(p->has_file_list);
	assert_int_equal(p->n_files, 2);
	assert_string_equal(p->files[0], "etc/debian_version");
	assert_string_equal(p->files[1], "usr/lib/os-release");
	assert_int_equal(p->installed_size, 341 * 1024);
	assert_string_equal(p->dbpath, "var/lib/dpkg/status.d/base");

	p = pkgdb_find(db, ECO_DPKG, "libssl3");
	assert_int_equal(p->n_files, 2);
	assert_string_equal(p->files[0],
	    "usr/lib/x86_64-linux-gnu/libssl.so.3");
	assert_string_equal(p->files[1],
	    "usr/share/doc/libssl3/changelog.gz");
	assert_int_equal(p->dblayer, 2);
	assert_string_equal(p->deps[0].alts[0], "libc6");

	p = pkgdb_find(db, ECO_DPKG, "netbase");
	assert_int_equal(p->n_files, 1);
	assert_string_equal(p->files[0], "etc/protocols");
	p = pkgdb_find(db, ECO_DPKG, "tzdata");
	assert_int_equal(p->n_files, 1);
	assert_string_equal(p->files[0], "usr/share/zoneinfo/UTC");
	assert_int_equal(db->findings.n, 1);
	assert_non_null(finding_with(db, "/var/lib/dpkg/status.d/tz.md5sums: "
	    "line 2: not \"<md5>  <path>\""));
	pkgdb_free(db);
}

static void
test_malformed(void **state)
{
	struct pkgdb *db = pkgdb_new();
	const struct pkg *p;
	const struct finding *fd;

	(void)state;
	add(db, "var/lib/dpkg/status",
	    /* stanza 1: no Package */
	    "Status: install ok installed\nVersion: 1\n\n"
	    /* stanza 2: a continuation line first */
	    " orphan continuation\nPackage: ok\nStatus: install ok installed\n"
	    "Version: 2\nInstalled-Size: lots\nDepends: , a (>= 1) | (>= 2)"
	    ",,\n\n"
	    /* stanza 3: no Status in the status file */
	    "Package: nostatus\nVersion: 3\n\n"
	    /* stanza 4: truncated mid-field */
	    "Package: trunc\nStatus: install ok installed\nVersi", 5);
	add(db, "var/lib/dpkg/info/ok.list",
	    "/usr/bin/ok\nrelative/path\n/../../../etc/shadow\n", 5);
	pkgdb_finish(db);
	fd = finding_with(db, "/var/lib/dpkg/status: stanza 1 (line 1) has "
	    "no Package field");
	assert_non_null(fd);
	assert_string_equal(fd->kind, "package-db-malformed");
	assert_non_null(finding_with(db, "/var/lib/dpkg/status: line 4: "
	    "continuation line with no field before it"));
	assert_non_null(finding_with(db, "stanza 2 (ok): Installed-Size "
	    "\"lots\" is not a number"));
	assert_non_null(finding_with(db, "stanza 3 (nostatus) has no Status "
	    "field"));
	assert_non_null(finding_with(db, "line 16: not a \"Field: value\" "
	    "line"));
	assert_non_null(finding_with(db, "stanza 4 (trunc) has no readable "
	    "Version field"));
	assert_non_null(finding_with(db, "/var/lib/dpkg/info/ok.list: line 2:"
	    " \"relative/path\" is not an absolute path"));
	assert_non_null(finding_with(db, "/var/lib/dpkg/info/ok.list: line 3:"
	    " \"/../../../etc/shadow\" climbs above the root"));

	/* ok and trunc survive; nostatus is not known to be installed */
	assert_int_equal(db->n, 2);
	p = pkgdb_find(db, ECO_DPKG, "ok");
	assert_non_null(p);
	assert_int_equal(p->installed_size, -1);
	/* "(>= 2)" names nothing: the group keeps only "a" */
	assert_int_equal(p->n_deps, 1);
	assert_int_equal(p->deps[0].n_alts, 1);
	assert_string_equal(p->deps[0].alts[0], "a");
	assert_non_null(finding_with(db, "package ok: \"a (>= 1) | (>= 2)\" "
	    "names no package"));
	assert_int_equal(p->n_files, 2);
	assert_true(has_file(p, "usr/bin/ok"));
	assert_true(has_file(p, "etc/shadow"));
	p = pkgdb_find(db, ECO_DPKG, "trunc");
	assert_string_equal(p->version, "");
	pkgdb_free(db);
}

/* An empty file and a file of blank lines: nothing, and no noise. */
static void
test_empty_files(void **state)
{
	struct pkgdb *db = pkgdb_new();

	(void)state;
	add(db, "var/lib/dpkg/status", "", 0);
	add(db, "var/lib/apt/extended_states", "\n\n\n", 0);
	add(db, "var/lib/dpkg/info/x.list", "", 0);
	pkgdb_finish(db);
	assert_int_equal(db->n, 0);
	assert_int_equal(db->findings.n, 0);
	pkgdb_free(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_status_crlf),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_list_arch_mismatch),
		cmocka_unit_test(test_extended_states),
		cmocka_unit_test(test_distroless),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_empty_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
