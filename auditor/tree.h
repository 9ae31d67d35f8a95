/* SPDX-License-Identifier: MIT */
/*
 * tree.h: merge layer results, in layer order, into the final tree.
 *
 * Call sequence:
 *	struct tree *t = tree_new();
 *	for (i = 0; i < n; i++)
 *		tree_apply(t, layers[i], i);      // whiteouts first, then entries
 *	tree_finish(t, &totals);                   // final bytes, waste per layer
 *	tree_largest_files(t, ...), tree_largest_dirs(t, ...), tree_wasted(t, ...)
 *	tree_free(t);
 *
 * Ownership: the tree borrows the layer results' strings (paths, links) for
 * its whole life: free the layer results only after tree_free().
 *
 * Semantics (DESIGN.md, "What is counted"): OCI whiteouts — `.wh.NAME`
 * deletes NAME and its subtree from lower layers, `.wh..wh..opq` hides every
 * lower entry of its directory; a layer's own entries are never hidden by
 * its own whiteouts.  Hard links share their target's data: the bytes count
 * once.  Symlinks are kept as links and never followed.
 */
#ifndef IMGAUDIT_TREE_H
#define IMGAUDIT_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "layer.h"

struct tree;

struct tree_totals {
	int64_t final_bytes;	/* distinct file data reachable in the final tree */
	int64_t final_files;	/* regular files and hard links in the final tree */
	int64_t final_entries;	/* every entry: files, dirs, links, others */
	int64_t wasted_bytes;	/* sum of layer_wasted[] */
	int64_t *layer_wasted;	/* per layer: bytes of its files not in the final tree;
				   array of n_layers, owned by the tree */
	size_t n_layers;
};

/* A file version, for the largest and wasted lists. */
struct tree_file {
	char *path;		/* allocated: the caller frees with tree_files_free() */
	int64_t size;
	int layer;		/* layer whose data it is */
	int kind;		/* enum entry_kind of the version */
};

struct tree *tree_new(void);

/*
 * Apply one layer (index = its position, 0 = base).  Hostile structure —
 * a hard link to a path that does not exist, an entry under a path that
 * is a file — is resolved safely and appended to findings.
 */
void tree_apply(struct tree *t, const struct layer_result *r, int index,
    struct findings *findings);

/*
 * Compute the totals after the last layer, and look for symlink loops and
 * dangling links in the final tree (findings).  totals->layer_wasted stays
 * owned by the tree.
 */
void tree_finish(struct tree *t, struct tree_totals *totals,
    struct findings *findings);

/* The n largest regular files of the final tree, largest first (ties by path). */
size_t tree_largest_files(struct tree *t, size_t n, struct tree_file **out);

/*
 * The n largest directories by the bytes below them (each file's data
 * counted once), at most maxdepth components deep, largest first.
 */
size_t tree_largest_dirs(struct tree *t, size_t n, int maxdepth,
    struct tree_file **out);

/* The n largest file versions that are wasted, largest first. */
size_t tree_wasted(struct tree *t, size_t n, struct tree_file **out);

void tree_files_free(struct tree_file *v, size_t n);
void tree_free(struct tree *t);

#endif
