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

/*
 * Nodes refer to each other by id, 4 bytes instead of a pointer's 8: an
 * image of a million files has a million nodes, 48 bytes each.  Id 0 is
 * "none"; nodes live in chunks of NODE_CHUNK that never move, so a node's
 * address is as stable as its id.
 */
#define NODE_SHIFT	12
#define NODE_CHUNK	(1u << NODE_SHIFT)
#define NODE_ROOT	1u	/* the root's id */

struct node {
	uint32_t self;		/* this node's id */
	uint32_t parent;	/* 0 for the root */
	uint32_t child;		/* first child */
	uint32_t prev, next;	/* siblings */
	uint32_t hnext;		/* hash chain; free list when unused */
	uint32_t data;		/* files and hard links: index into
				   tree->ino, 0 = no data; symlinks: index
				   into tree->links */
	int32_t layer;		/* layer whose entry placed it */
	const char *name;	/* borrowed, namelen bytes, no NUL */
	uint16_t namelen;	/* NAME_MAX is 255; see tree_apply() */
	uint8_t kind;		/* enum entry_kind */
	uint8_t flags;
};

struct inode {
	const char *path;	/* the entry that wrote the data (borrowed) */
	int64_t size;
	int32_t layer;
	uint32_t refs;		/* names in the tree that reach it */
};

struct tree {
	struct node **chunkv;	/* chunkv[id >> NODE_SHIFT] */
	size_t nchunk, chunkcap;
	uint32_t nextid;	/* the next id never handed out */
	uint32_t freelist;
	uint32_t *bucket;	/* heads of the hash chains */
	size_t nbucket;		/* a power of two */
	size_t nnodes;		/* every node but the root */
	struct inode *ino;	/* ino[0] is unused: 0 means "no data" */
	size_t nino, inocap;
	const char **links;	/* symlink targets (borrowed); [0] unused */
	size_t nlinks, linkcap;
	int64_t *layer_wasted;
	size_t n_layers;
};

/* The node of an id; NULL for 0. */
static inline struct node *
tree_node(const struct tree *t, uint32_t id)
{
	return id == 0 ? NULL :
	    &t->chunkv[id >> NODE_SHIFT][id & (NODE_CHUNK - 1)];
}

static inline struct node *
tree_root(const struct tree *t)
{
	return tree_node(t, NODE_ROOT);
}

/* A node's data id (tree->ino), 0 for anything but files. */
static inline uint32_t
node_ino(const struct node *n)
{
	return n->kind == ENTRY_SYMLINK ? 0 : n->data;
}

/* A symlink's target as written; NULL for anything else. */
static inline const char *
node_link(const struct tree *t, const struct node *n)
{
	return n->kind == ENTRY_SYMLINK ? t->links[n->data] : NULL;
}

/*
 * The next node in pre-order after n, or NULL when the walk is over.
 * Children come in the order of the entries, never of the hash.
 */
struct node *tree_node_next(const struct tree *t, const struct node *n);

/* "/a/b/c" for a node, "/" for the root; the caller frees it. */
char *tree_node_path(const struct tree *t, const struct node *n);

#endif
