/* SPDX-License-Identifier: MIT */
/*
 * owners.h: give every file of the final tree its owner — the package whose
 * database lists it — and sum what each package holds.
 *
 * Call sequence (after tree_finish()):
 *	struct pkgdb *db = owners_read_db(tree, layers, n_layers, max_pkgdb);
 *	struct owners *o = owners_build(tree, db, layers, n_layers);
 *	... o->stats[i] for db->v[i], o->unowned, o->findings ...
 *	owners_free(o); pkgdb_free(db);
 *
 * Ownership: owners borrows db and the tree for its whole life; everything
 * it allocates is freed by owners_free().
 *
 * Rules (docs/packages.md):
 * - Only regular files carry bytes; a file's data counts once per package
 *   and once in all (hard links share it).  Directories never belong to a
 *   package; symlinks are owned but weigh nothing.
 * - A file listed by two packages counts for the one whose database file
 *   is newest (the higher layer; ties: the first in (ecosystem, name)
 *   order); the overlap is a finding, one per pair of packages.
 * - A listed path that is missing from the final tree is "deleted" when a
 *   layer once held it, "missing" when none ever did.
 * - Byte-code derived from an owned source (`d/__pycache__/m.*.pyc` next to
 *   an owned `d/m.py`) belongs to the source's package: dpkg's and pip's
 *   own tools create and remove it with the package.
 * - Unowned files are grouped by top directory (docs/packages.md).
 */
#ifndef IMGAUDIT_OWNERS_H
#define IMGAUDIT_OWNERS_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "layer.h"
#include "pkgdb.h"
#include "tree.h"

struct pkg_stats {
	int64_t bytes;		/* final-tree data it owns */
	int64_t files;		/* regular files (and hard links) it owns */
	int64_t links;		/* symlinks it owns */
	int64_t derived_bytes;	/* of bytes: __pycache__ byte-code */
	int64_t missing_files;	/* listed, never in any layer */
	int64_t deleted_files;	/* listed, in a layer, not in the final tree */
	int64_t shadowed_files;	/* listed, but counted for another package */
	int64_t *layer_bytes;	/* per layer: bytes of its data from there */
};

struct unowned_dir {
	char *path;		/* "/opt/x" */
	int64_t bytes;
	int64_t files;
};

struct owners {
	struct pkgdb *db;		/* borrowed */
	size_t n_layers;
	uint32_t *owner;		/* per data id: package index + 1, or 0 */
	size_t n_owner;
	struct pkg_stats *stats;	/* one per db->v[] */
	struct unowned_dir *unowned;	/* largest first */
	size_t n_unowned;
	int64_t owned_bytes, owned_files;
	int64_t unowned_bytes, unowned_files;
	struct findings findings;
};

/*
 * Parse the package-database files of the final tree: for each capture of
 * each layer whose version is the one the final tree shows.  Never fails:
 * what cannot be read becomes a finding in the returned db, and so does a
 * file over file_max bytes (--max-pkgdb; 0: the default).
 */
struct pkgdb *owners_read_db(struct tree *t, struct layer_result **layers,
    size_t n_layers, int64_t file_max);

struct owners *owners_build(struct tree *t, struct pkgdb *db,
    struct layer_result **layers, size_t n_layers);

void owners_free(struct owners *o);

#endif
