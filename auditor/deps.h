/* SPDX-License-Identifier: MIT */
/*
 * deps.h: dependency graphs of the installed packages, and what removing
 * one package really frees.
 *
 * Call sequence:
 *	struct deps *d = deps_build(db, owners);
 *	deps_removals(d, r);             // r[i] for every package, or:
 *	deps_removal(d, i, &r);          // r.apt (dpkg), r.full, held, fix
 *	... d->node[i].requires ...
 *	removal_free(&r);
 *	findings_move(&mine, &d->findings);
 *	deps_free(d);
 *
 * Ownership: deps borrows db and owners; removal_free() frees a removal.
 *
 * Work is bounded (docs/limits.md): the graph keeps at most DEPS_EDGES_MAX
 * satisfier and provider entries, and the removals of one deps share a
 * budget of DEPS_WORK_MAX steps (each removal's passes over the packages
 * count n, every edge followed and set member written one) and of
 * DEPS_KEPT_MAX entries kept in their sets.  A removal asked for once the
 * budget is spent, or of a graph cut at its ceiling, is not computed: it
 * comes back with `skipped` set and empty sets, and d->findings says how
 * many were left out.
 *
 * Semantics (docs/packages.md):
 * - Requirements resolve within the package's ecosystem, by name or (dpkg,
 *   apk) by what an installed package provides.  Every installed package
 *   that satisfies a requirement counts as satisfying it.
 * - dpkg, as apt decides: `apt-get purge X` removes X and every package
 *   whose Depends/Pre-Depends are no longer satisfied; `apt-get autoremove`
 *   then removes automatically installed packages that no manually
 *   installed, Essential or Priority: required package reaches through
 *   Depends, Pre-Depends or Recommends (APT::AutoRemove::
 *   RecommendsImportant).  Packages that autoremove would remove anyway
 *   (already orphaned) are not counted for X.
 * - full: X, what its removal removes, and every package that only they
 *   need (Depends, Pre-Depends, Recommends from inside; only Depends and
 *   Pre-Depends from outside hold a package).  What apt keeps of it is
 *   "held", with who holds it; the fix names those packages explicitly.
 * - pip, conda, npm, apk: as pip-autoremove: X plus the packages only it
 *   needs (extras ignored).
 * - Nothing that is Essential or Priority: required is ever removed; a
 *   removal that would need one is refused (blocked_by).
 */
#ifndef IMGAUDIT_DEPS_H
#define IMGAUDIT_DEPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "owners.h"
#include "pkgdb.h"

struct dep_node {
	size_t *requires;	/* packages it needs (Depends, Pre-Depends,
				   pip requirements), resolved, distinct */
	size_t n_requires;
	size_t *recommends;	/* dpkg Recommends, resolved */
	size_t n_recommends;
	size_t *required_by;	/* installed packages that need it */
	size_t n_required_by;
	char **unresolved;	/* hard requirements nothing installed meets */
	size_t n_unresolved;
};

struct deps {
	struct pkgdb *db;		/* borrowed */
	const struct owners *own;	/* borrowed */
	struct dep_node *node;		/* one per db->v[] */
	struct findings findings;	/* graph cut short, removals skipped */
	uint64_t work;			/* steps spent so far (budget above) */
	uint64_t kept;			/* set entries kept, in size_t units */
	size_t n_skipped;		/* removals not computed */
	void *priv;
};

/* Satisfier and provider entries the graph keeps, all packages together. */
#define DEPS_EDGES_MAX	((size_t)4 << 20)
/*
 * What all the removals of one deps may take together: steps (about 1 s),
 * and entries kept in their sets and held lists (in size_t units: 32 MiB).
 */
#define DEPS_WORK_MAX	((uint64_t)400 << 20)
#define DEPS_KEPT_MAX	((uint64_t)4 << 20)

struct held {
	size_t pkg;
	size_t *by;		/* installed packages outside the set that
				   keep it, for "recommends" / "depends" */
	size_t n_by;
	const char *how;	/* "manual", "recommends", "depends" */
};

struct removal_set {
	size_t *pkgs;		/* the package first, then by name */
	size_t n;
	int64_t bytes, files;
	char *fix;		/* shell command, or NULL when blocked, a name
				   is not shell-safe, or it would name more
				   than 256 packages */
};

struct removal {
	bool skipped;		/* not computed (work budget): all else 0 */
	bool has_apt;		/* dpkg: the apt figure is filled */
	struct removal_set apt;
	struct removal_set full;
	struct held *held;	/* full minus apt, with why apt keeps each */
	size_t n_held;
	size_t blocked_by;	/* SIZE_MAX, or the Essential/required package
				   the removal would take with it */
	size_t orphans;		/* packages autoremove removes anyway */
	int64_t orphan_bytes;
};

struct deps *deps_build(struct pkgdb *db, const struct owners *own);

/*
 * What removing package i frees; r is filled, free it with removal_free().
 * Past the budget r->skipped is set and nothing else.
 */
void deps_removal(struct deps *d, size_t i, struct removal *r);

/*
 * deps_removal() with the whole budget to itself, for one package asked
 * about by name (`imgaudit why`) whose removal deps_removals() skipped:
 * one removal is cheap, it is all of them that the budget bounds.  The
 * budget spent so far is left as it was.  Still skipped when the graph
 * itself was cut at its ceiling.
 */
void deps_removal_alone(struct deps *d, size_t i, struct removal *r);

/*
 * deps_removal() for every package, r[0 .. db->n), in index order; then a
 * finding in d->findings when some were skipped.
 */
void deps_removals(struct deps *d, struct removal *r);

void removal_free(struct removal *r);
void deps_free(struct deps *d);

#endif
