/* SPDX-License-Identifier: MIT */
/*
 * pkgdb_fixture.h: what the package-database tests share: feed a text to
 * the readers, and find a file, a finding, a dependency or a provided name
 * in what they made.  Static inline, so each test takes what it uses.
 */
#ifndef IMGAUDIT_PKGDB_FIXTURE_H
#define IMGAUDIT_PKGDB_FIXTURE_H

#include <stdbool.h>
#include <string.h>

#include "pkgdb.h"

static inline void
add(struct pkgdb *db, const char *path, const char *text, int layer)
{
	pkgdb_add_file(db, path, text, strlen(text), layer);
}

static inline bool
has_file(const struct pkg *p, const char *path)
{
	size_t i;

	for (i = 0; i < p->n_files; i++)
		if (strcmp(p->files[i], path) == 0)
			return true;
	return false;
}

static inline const struct finding *
finding_with(const struct pkgdb *db, const char *needle)
{
	size_t i;

	for (i = 0; i < db->findings.n; i++)
		if (strstr(db->findings.v[i].detail, needle) != NULL)
			return &db->findings.v[i];
	return NULL;
}

static inline const struct pkg_dep *
dep_on(const struct pkg *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->n_deps; i++)
		if (p->deps[i].n_alts > 0 &&
		    strcmp(p->deps[i].alts[0], name) == 0)
			return &p->deps[i];
	return NULL;
}

static inline bool
provides(const struct pkg *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->n_provides; i++)
		if (strcmp(p->provides[i], name) == 0)
			return true;
	return false;
}

#endif
