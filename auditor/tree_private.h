/* SPDX-License-Identifier: MIT */
/*
 * tree_private.h: what tree.c and tree_lists.c share.  tree.c builds the
 * tree and owns its memory; tree_lists.c only reads it to rank files and
 * directories.  Nothing here is for other modules: they see tree.h.
 */
#ifndef IMGAUDIT_TREE_PRIVATE_H
#define IMGAUDIT_TREE_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include "tree.h"

#define NODE_IMPLICIT	0x01	/* a parent made because an entry needed it */

struct node {
	struct node *parent;
	struct node *child;	/* first child */
	struct node *prev, *next;	/* siblings */
	struct node *hnext;	/* hash chain; free list when unused */
	const char *name;	/* borrowed, namelen bytes, no NUL */
	const char *link;	/* symlink target as written (borrowed) */
	uint32_t namelen;
	uint32_t hash;
	uint32_t ino;		/* index into tree->ino, 0 = no data */
	uint32_t aux;		/* scratch for tree_largest_dirs() */
	int32_t layer;		/* layer whose entry placed it */
	uint8_t kind;		/* enum entry_kind */
	uint8_t flags;
};

struct node_chunk;	/* nodes are allocated in chunks, see tree.c */

struct inode {
	const char *path;	/* the entry that wrote the data (borrowed) */
	int64_t size;
	int32_t layer;
	uint32_t refs;		/* names in the tree that reach it */
};

struct tree {
	struct node root;
	struct node **bucket;
	size_t nbucket;		/* a power of two */
	size_t nnodes;		/* every node but the root */
	struct node_chunk *chunks;
	size_t chunk_used;	/* nodes handed out from chunks->v */
	struct node *freelist;
	struct inode *ino;	/* ino[0] is unused: 0 means "no data" */
	size_t nino, inocap;
	int64_t *layer_wasted;
	size_t n_layers;
};

/*
 * The next node in pre-order after n, or NULL when the walk is over.
 * Children come in the order of the entries, never of the hash.
 */
struct node *tree_node_next(const struct tree *t, const struct node *n);

/* "/a/b/c" for a node, "/" for the root; the caller frees it. */
char *tree_node_path(const struct tree *t, const struct node *n);

#endif
