/* SPDX-License-Identifier: MIT */
/*
 * pkgdb.h: the package databases found inside an image — dpkg, pip, conda,
 * apk, npm — parsed into one list of installed packages.
 *
 * Call sequence:
 *	if (pkgdb_wants(path))                 // while a layer streams
 *		keep the file's bytes (at most --max-pkgdb)
 *	struct pkgdb *db = pkgdb_new();
 *	db->file_max = limits->max_pkgdb;      // or 0: the default
 *	for each database file of the final tree, in layer order:
 *		pkgdb_add_file(db, path, data, len, layer);
 *	pkgdb_finish(db);                      // joins dpkg lists, resolves deps
 *	... db->v[i] ...
 *	pkgdb_free(db);
 *
 * Ownership: the pkgdb owns every string it holds; it keeps no pointer to
 * the data handed to pkgdb_add_file().
 *
 * Paths: every path handed in or out is relative to the image root,
 * normalised, without a leading '/': "usr/lib/python3/dist-packages/x.py".
 * Readers resolve their own relative forms (RECORD's "../../../bin/x",
 * conda's prefix-relative paths, apk's F/R pairs) before storing them.
 *
 * Bad content never fails the audit: a record that cannot be read is
 * skipped and a finding ("package-db-malformed") names the file and what
 * was wrong.
 */
#ifndef IMGAUDIT_PKGDB_H
#define IMGAUDIT_PKGDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "limits.h"
/*
 * Packages kept, all databases together; the rest are counted in a
 * finding.  A real image holds a few thousand (a Debian desktop about
 * 3,000); what a removal frees is computed per package over all of them
 * (deps.c), so a hostile database of 100,000 stanzas would take hours.
 */
#define PKGDB_PACKAGES_MAX	10000
/*
 * Relationships kept (Depends, Requires-Dist, ...), all databases
 * together; the rest are ignored, with a finding.  About 90 bytes each:
 * a real image holds tens of thousands, and 10,000 packages of 4,096
 * each (each under its own ceiling) would otherwise take gigabytes.
 */
#define PKGDB_DEPS_MAX		1000000

enum pkg_ecosystem {
	ECO_DPKG = 0,
	ECO_PIP,
	ECO_CONDA,
	ECO_APK,
	ECO_NPM,
	ECO_COUNT
};

/* "dpkg", "pip", "conda", "apk", "npm" */
const char *pkg_ecosystem_name(enum pkg_ecosystem e);

enum dep_kind {
	DEP_DEPENDS = 0,	/* dpkg Depends, pip Requires-Dist, conda
				   depends, apk D, npm dependencies */
	DEP_PREDEPENDS,		/* dpkg Pre-Depends */
	DEP_RECOMMENDS,		/* dpkg Recommends (apt keeps these) */
	DEP_EXTRA,		/* pip Requires-Dist only under `extra == X`
				   (pip-autoremove ignores it) */
	DEP_SUGGESTS		/* dpkg Suggests (apt keeps these too:
				   APT::AutoRemove::SuggestsImportant) */
};

/*
 * One requirement.  dpkg "a (>= 1) | b:any" has two alternatives, each a
 * bare package name (version and ":arch" qualifiers dropped); the other
 * ecosystems have one.  pip names are normalised (PEP 503: lower case,
 * runs of "-_." become "-").  Markers that are false on Linux x86_64 with
 * the image's Python drop the requirement; unknown markers keep it.
 */
struct pkg_dep {
	char **alts;
	size_t n_alts;
	char *text;		/* as written, for people */
	enum dep_kind kind;
	char *extra;		/* DEP_EXTRA: the extra's name */
};

struct pkg {
	enum pkg_ecosystem eco;
	char *name;		/* pip: as in METADATA (display form) */
	char *key;		/* name to match requirements against: pip
				   normalised, others = name */
	char *version;
	char *arch;		/* dpkg, apk, conda subdir; or NULL */
	char *dbpath;		/* the database file that described it */
	int dblayer;		/* layer of that file (newest wins overlaps) */

	char **files;		/* files it installed (directories dropped
				   where the database says which are) */
	size_t n_files, files_cap;
	char *root;		/* npm: its folder; owns everything below it
				   but nested node_modules.  NULL otherwise */

	char **provides;	/* dpkg Provides, apk p: bare names */
	size_t n_provides;
	struct pkg_dep *deps;
	size_t n_deps;

	int64_t installed_size;	/* dpkg Installed-Size * 1024, apk I, conda
				   sum of size_in_bytes; -1 unknown */
	bool installed;		/* dpkg: Status "install ok installed";
				   others true */
	bool essential;		/* dpkg Essential: yes */
	bool required;		/* dpkg Priority: required */
	bool auto_installed;	/* apt extended_states Auto-Installed: 1 */
	bool has_file_list;	/* the database listed its files */
};

struct pkgdb {
	struct pkg *v;
	size_t n, cap;
	struct findings findings;
	void *priv;		/* the readers' pending state until finish */
	int64_t file_max;	/* a database file larger than this is not
				   read (a finding): --max-pkgdb; 0 means
				   LIMITS_PKGDB (64 MiB) */
};

/*
 * Is the file at path (image-root relative) a database file some reader
 * wants?  Cheap: called for every file of every layer.
 */
bool pkgdb_wants(const char *path);

struct pkgdb *pkgdb_new(void);

/*
 * Hand one database file of the final tree to its reader.  layer is the
 * layer the file's final version came from.  Files may come in any order;
 * pkgdb_finish() joins them.
 */
void pkgdb_add_file(struct pkgdb *db, const char *path, const void *data,
    size_t len, int layer);

/*
 * Join what needs joining (dpkg status + info lists + extended_states,
 * distroless status.d + md5sums), drop dpkg packages that are not
 * installed, sort packages by (ecosystem, key).  Call once.
 */
void pkgdb_finish(struct pkgdb *db);

/* The package of ecosystem e whose key is key (binary search), or NULL. */
struct pkg *pkgdb_find(struct pkgdb *db, enum pkg_ecosystem e,
    const char *key);

/* pip's name normalisation (PEP 503) into a new string. */
char *pkgdb_pip_normalise(const char *name);

void pkgdb_free(struct pkgdb *db);

#endif
