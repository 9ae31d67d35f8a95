/* SPDX-License-Identifier: MIT */
/*
 * tree.h: merge layer results, in layer order, into the final tree.
 *
 * Call sequence:
 *	struct tree *t = tree_new();
 *	for (i = 0; i < n; i++)
 *		tree_apply(t, layers[i], i, &f);  // whiteouts, then entries
 *	tree_finish(t, &totals, &f);            // final bytes, waste per layer
 *	tree_largest_files(t, ...), tree_largest_dirs(t, ...),
 *	tree_wasted(t, ...)
 *	tree_free(t);
 *
 * Ownership: the tree borrows the layer results' strings (paths, links) for
 * its whole life: free the layer results only after tree_free().
 *
 * Semantics (DESIGN.md, "What is counted"): OCI whiteouts — `.wh.NAME`
 * deletes NAME and its subtree from lower layers, `.wh..wh..opq` hides every
 * lower entry of its directory; a layer's own entries are never hidden by
 * its own whiteouts.  Hard links share their target's data: the bytes count
 * once, and the data stays as long as one of its names does.  Symlinks are
 * kept as links; only a symlink in the middle of an entry's path is
 * followed, inside the tree, as containerd does when it applies a layer.
 * An entry that is never placed (unsafe name) still brought its data: that
 * data counts as wasted in its layer.
 *
 * Paths handed out (struct tree_file, findings) start with '/':
 * "/usr/lib/x.so".  Equal sizes are ordered by path, byte order, so every
 * list is the same on every run.
 */
#ifndef IMGAUDIT_TREE_H
#define IMGAUDIT_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "layer.h"

struct tree;

struct tree_totals {
	int64_t final_bytes;	/* distinct file data reachable in the final
				   tree */
	int64_t final_files;	/* regular files and hard links in the final
				   tree */
	int64_t final_entries;	/* every entry: files, dirs, links, others */
	int64_t wasted_bytes;	/* sum of layer_wasted[] */
	int64_t *layer_wasted;	/* per layer: bytes of its files not in the
				   final tree; array of n_layers, owned by
				   the tree */
	size_t n_layers;
};

/* A file version, for the largest and wasted lists. */
struct tree_file {
	char *path;		/* allocated: the caller frees with
				   tree_files_free() */
	int64_t size;
	int layer;		/* layer whose data it is */
	int kind;		/* enum entry_kind of the version */
};

struct tree *tree_new(void);

/*
 * Apply one layer (index = its position, 0 = base).  Hostile structure is
 * resolved safely and appended to findings (may be NULL): a hard link to a
 * path that does not exist ("hardlink-missing") or to a directory
 * ("hardlink-directory") becomes an empty file; an entry under a path that
 * is not a directory ("path-under-file") replaces that path by a directory.
 */
void tree_apply(struct tree *t, const struct layer_result *r, int index,
    struct findings *findings);

/*
 * Compute the totals after the last layer, and look for symlink loops in
 * the final tree (findings "symlink-loop"; dangling links are normal in
 * images and not reported).  totals->layer_wasted stays owned by the tree.
 */
void tree_finish(struct tree *t, struct tree_totals *totals,
    struct findings *findings);

/*
 * The n largest regular files of the final tree, largest first (ties by
 * path).  Empty files are left out; data with several names (hard links)
 * is listed once, under its first path.  Returns how many *out holds.
 */
size_t tree_largest_files(struct tree *t, size_t n, struct tree_file **out);

/*
 * The n largest directories by the bytes below them (each file's data
 * counted once per directory, however many of its names are below it), at
 * most maxdepth components deep ("/usr" is 1; 0 or less: any depth),
 * largest first.  The root and directories holding no bytes are left out.
 */
size_t tree_largest_dirs(struct tree *t, size_t n, int maxdepth,
    struct tree_file **out);

/*
 * The n largest file versions that are wasted, largest first: path is the
 * name the version was written under, layer the layer that wrote it.
 */
size_t tree_wasted(struct tree *t, size_t n, struct tree_file **out);

void tree_files_free(struct tree_file *v, size_t n);

/*
 * What a path names in the final tree.  Symlinks in its directories are
 * followed inside the tree, the way a process in the container would see
 * them ("bin/bash" finds "usr/bin/bash" when "bin" links to "usr/bin");
 * the last component is not followed.
 */
struct tree_stat {
	int kind;		/* enum entry_kind; a hard link reads as
				   ENTRY_FILE: it is the same data */
	int64_t size;		/* data size; 0 for anything but files */
	uint32_t data;		/* data id, shared by hard links; 0 = none;
				   always < tree_data_count() */
	int layer;		/* files: the layer whose data it is;
				   others: the layer that placed it */
	const void *node;	/* identity of the name itself: equal for
				   two paths that reach the same entry */
};

/* 0 and *st when path (root-relative, no leading '/') exists; else -1. */
int tree_stat(struct tree *t, const char *path, struct tree_stat *st);

/* As tree_stat(), with a symlink in the last component followed too. */
int tree_stat_follow(struct tree *t, const char *path, struct tree_stat *st);

/*
 * For each layer capture (layer.h) that is the version the final tree
 * shows and that want(path) accepts, newest layer first: fn(ctx, path,
 * data, len, layer).  Each file's data is handed over once.
 */
void tree_final_captures(struct tree *t, struct layer_result **layers,
    size_t n_layers, bool (*want)(const char *path),
    void (*fn)(void *ctx, const char *path, const char *data, size_t len,
    int layer), void *ctx);

/* One more than the largest data id: size for arrays indexed by it. */
size_t tree_data_count(const struct tree *t);

/*
 * Walk the final tree below top ("" for the whole tree; symlinks in top's
 * directories followed as in tree_stat()), in pre-order, children in entry
 * order.  fn gets each node's root-relative path (no leading '/'); it
 * returns TREE_WALK_CONTINUE, TREE_WALK_PRUNE (skip this directory's
 * children) or TREE_WALK_STOP.  Returns -1 when top does not exist.
 */
enum { TREE_WALK_CONTINUE = 0, TREE_WALK_PRUNE, TREE_WALK_STOP };
typedef int (*tree_walk_fn)(void *ctx, const char *path, size_t len,
    const struct tree_stat *st);
int tree_walk(struct tree *t, const char *top, tree_walk_fn fn, void *ctx);
void tree_free(struct tree *t);

#endif
