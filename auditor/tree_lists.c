/* SPDX-License-Identifier: MIT */
/*
 * tree_lists.c: the ranked lists a report shows once the tree is final:
 * the largest files, the largest directories and the largest wasted file
 * versions.  Each list gathers candidates with their sizes and builds
 * paths only for the groups of equal size the answer reaches, so a tree
 * of a million files costs a sort of sizes, not a million paths; files
 * and wasted versions are first passed through a heap of the n largest
 * sizes, so that only those that can reach the answer are gathered.
 *
 * The tree itself (nodes, inodes, whiteouts, links) is built by tree.c;
 * this file only reads it, and the caller frees what it hands out.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tree_private.h"

/* A candidate for one of the ranked lists. */
struct cand {
	int64_t size;
	const struct node *node;	/* NULL for a wasted inode */
	uint32_t ino;
	int layer;
	int kind;
	char *path;		/* built only when ties need it */
};

static char *
slash_path(const char *path)
{
	size_t len = strlen(path);
	char *s = xmalloc(len + 2);

	s[0] = '/';
	memcpy(s + 1, path, len + 1);
	return s;
}

struct cands {
	struct cand *v;
	size_t n, cap;
};

static void
cand_push(struct cands *c, int64_t size, const struct node *node,
    uint32_t ino, int layer, int kind)
{
	xgrow((void **)&c->v, &c->cap, c->n + 1, sizeof(*c->v));
	c->v[c->n].size = size;
	c->v[c->n].node = node;
	c->v[c->n].ino = ino;
	c->v[c->n].layer = layer;
	c->v[c->n].kind = kind;
	c->v[c->n].path = NULL;
	c->n++;
}

/*
 * The n largest sizes offered so far, in a min-heap: its top is the
 * smallest size the answer can reach once n sizes are in.  A list then
 * keeps only the candidates at least that large (all of a tied group),
 * not one per file of the tree.
 */
struct floor {
	int64_t *v;
	size_t n, cap, max;
};

static void
floor_offer(struct floor *h, int64_t size)
{
	size_t i, c;
	int64_t x;

	if (h->n < h->max) {
		xgrow((void **)&h->v, &h->cap, h->n + 1, sizeof(*h->v));
		for (i = h->n++; i > 0 && h->v[(i - 1) / 2] > size;
		    i = (i - 1) / 2)
			h->v[i] = h->v[(i - 1) / 2];
		h->v[i] = size;
		return;
	}
	if (h->max == 0 || size <= h->v[0])
		return;
	for (i = 0; (c = 2 * i + 1) < h->n; i = c) {
		if (c + 1 < h->n && h->v[c + 1] < h->v[c])
			c++;
		if (h->v[c] >= size)
			break;
		x = h->v[c];
		h->v[i] = x;
	}
	h->v[i] = size;
}

/* The smallest size worth keeping; any size before n were offered. */
static int64_t
floor_get(const struct floor *h)
{
	if (h->max == 0)
		return INT64_MAX;
	return h->n < h->max ? INT64_MIN : h->v[0];
}

/* Largest first; equal sizes are ordered later, by path. */
static int
cand_size_cmp(const void *pa, const void *pb)
{
	const struct cand *a = pa, *b = pb;

	if (a->size != b->size)
		return a->size > b->size ? -1 : 1;
	return 0;
}

static int
cand_path_cmp(const void *pa, const void *pb)
{
	const struct cand *a = pa, *b = pb;
	int c = strcmp(a->path, b->path);

	if (c != 0)
		return c;
	if (a->layer != b->layer)
		return a->layer < b->layer ? -1 : 1;
	if (a->ino != b->ino)
		return a->ino < b->ino ? -1 : 1;
	return 0;
}

/*
 * The first n candidates by size (descending) then path (ascending).  Paths
 * are built only for the groups of equal size that the answer reaches, so
 * a million files cost a million sizes sorted, not a million paths.  With
 * dedupe set, an inode is listed once, under its first path.
 */
static size_t
select_top(struct tree *t, struct cand *c, size_t nc, size_t n, int dedupe,
    struct tree_file **out)
{
	struct tree_file *res;
	unsigned char *seen = NULL;
	size_t i, j, k, nres = 0;

	*out = NULL;
	if (n > nc)
		n = nc;
	if (n == 0)
		return 0;
	res = xcalloc(n, sizeof(*res));
	if (dedupe)
		seen = xcalloc(t->nino + 1, 1);
	qsort(c, nc, sizeof(*c), cand_size_cmp);
	for (i = 0; i < nc && nres < n; i = j) {
		for (j = i; j < nc && c[j].size == c[i].size; j++)
			c[j].path = c[j].node != NULL ?
			    tree_node_path(t, c[j].node) :
			    slash_path(t->ino[c[j].ino].path);
		qsort(c + i, j - i, sizeof(*c), cand_path_cmp);
		for (k = i; k < j && nres < n; k++) {
			if (seen != NULL && c[k].ino != 0) {
				if (seen[c[k].ino])
					continue;
				seen[c[k].ino] = 1;
			}
			res[nres].path = c[k].path;
			res[nres].size = c[k].size;
			res[nres].layer = c[k].layer;
			res[nres].kind = c[k].kind;
			c[k].path = NULL;
			nres++;
		}
	}
	for (k = 0; k < nc; k++)
		free(c[k].path);
	free(seen);
	if (nres == 0) {
		free(res);
		res = NULL;
	}
	*out = res;
	return nres;
}

/*
 * Two walks: the first finds the size floor of the answer, counting each
 * inode once as select_top() lists it once; the second keeps the files
 * at or above it.
 */
size_t
tree_largest_files(struct tree *t, size_t n, struct tree_file **out)
{
	struct cands c = { NULL, 0, 0 };
	struct floor h = { NULL, 0, 0, n };
	unsigned char *seen = xcalloc(t->nino + 1, 1);
	struct node *m;
	int64_t min;
	size_t got;

	for (m = tree_node_next(t, tree_root(t)); m != NULL;
	    m = tree_node_next(t, m))
		if ((m->kind == ENTRY_FILE || m->kind == ENTRY_HARDLINK) &&
		    m->data != 0 && t->ino[m->data].size > 0 &&
		    !seen[m->data]) {
			seen[m->data] = 1;
			floor_offer(&h, t->ino[m->data].size);
		}
	free(seen);
	min = floor_get(&h);
	free(h.v);
	for (m = tree_node_next(t, tree_root(t)); m != NULL;
	    m = tree_node_next(t, m))
		if ((m->kind == ENTRY_FILE || m->kind == ENTRY_HARDLINK) &&
		    m->data != 0 && t->ino[m->data].size > 0 &&
		    t->ino[m->data].size >= min)
			cand_push(&c, t->ino[m->data].size, m, m->data,
			    t->ino[m->data].layer, m->kind);
	got = select_top(t, c.v, c.n, n, 1, out);
	free(c.v);
	return got;
}

struct dirsum {
	const struct node *node;
	uint32_t parent;	/* index of the parent directory */
	uint32_t stamp;		/* last inode counted here */
	int depth;
	int64_t bytes;
};

struct shared {
	uint32_t ino;
	uint32_t dir;
};

static int
shared_cmp(const void *pa, const void *pb)
{
	const struct shared *a = pa, *b = pb;

	if (a->ino != b->ino)
		return a->ino < b->ino ? -1 : 1;
	return (a->dir > b->dir) - (a->dir < b->dir);
}

/*
 * Bytes below every directory, each inode counted once per directory even
 * when several of its names sit below it.  Files with one name go into
 * their directory and are summed upwards in one pass; names of shared
 * inodes are then walked up one by one, stamping each directory with the
 * inode so a second name of it below the same directory adds nothing.
 */
size_t
tree_largest_dirs(struct tree *t, size_t n, int maxdepth,
    struct tree_file **out)
{
	struct dirsum *d = NULL;
	struct shared *sh = NULL;
	struct cands c = { NULL, 0, 0 };
	size_t nd = 0, dcap = 0, nsh = 0, shcap = 0, i, got;
	struct node *m;
	uint32_t pi, k, ino;
	uint32_t *dirof;	/* by node id: a directory's index in d[] */
	int64_t size;

	dirof = xcalloc(t->nextid, sizeof(*dirof));
	xgrow((void **)&d, &dcap, 1, sizeof(*d));
	memset(&d[0], 0, sizeof(d[0]));
	d[0].node = tree_root(t);
	nd = 1;
	for (m = tree_node_next(t, tree_root(t)); m != NULL;
	    m = tree_node_next(t, m)) {
		pi = dirof[m->parent];	/* the root's is 0 */
		if (m->kind == ENTRY_DIR) {
			xgrow((void **)&d, &dcap, nd + 1, sizeof(*d));
			d[nd].node = m;
			d[nd].parent = pi;
			d[nd].stamp = 0;
			d[nd].depth = d[pi].depth + 1;
			d[nd].bytes = 0;
			dirof[m->self] = (uint32_t)nd++;
		} else if ((ino = node_ino(m)) != 0 && t->ino[ino].size > 0) {
			if (t->ino[ino].refs <= 1) {
				d[pi].bytes += t->ino[ino].size;
				continue;
			}
			xgrow((void **)&sh, &shcap, nsh + 1, sizeof(*sh));
			sh[nsh].ino = ino;
			sh[nsh].dir = pi;
			nsh++;
		}
	}
	free(dirof);
	/* Pre-order puts every directory after its parent. */
	for (i = nd - 1; i > 0; i--)
		d[d[i].parent].bytes += d[i].bytes;
	if (nsh > 0)
		qsort(sh, nsh, sizeof(*sh), shared_cmp);
	for (i = 0; i < nsh; i++) {
		size = t->ino[sh[i].ino].size;
		for (k = sh[i].dir; d[k].stamp != sh[i].ino; k = d[k].parent) {
			d[k].stamp = sh[i].ino;
			d[k].bytes += size;
			if (k == 0)
				break;
		}
	}
	for (i = 1; i < nd; i++)
		if (d[i].bytes > 0 && (maxdepth <= 0 || d[i].depth <= maxdepth))
			cand_push(&c, d[i].bytes, d[i].node, 0,
			    d[i].node->layer, ENTRY_DIR);
	got = select_top(t, c.v, c.n, n, 0, out);
	free(c.v);
	free(sh);
	free(d);
	return got;
}

size_t
tree_wasted(struct tree *t, size_t n, struct tree_file **out)
{
	struct cands c = { NULL, 0, 0 };
	struct floor h = { NULL, 0, 0, n };
	size_t i, got;
	int64_t min;

	for (i = 1; i < t->nino; i++)
		if (t->ino[i].refs == 0 && t->ino[i].size > 0)
			floor_offer(&h, t->ino[i].size);
	min = floor_get(&h);
	free(h.v);
	for (i = 1; i < t->nino; i++)
		if (t->ino[i].refs == 0 && t->ino[i].size > 0 &&
		    t->ino[i].size >= min)
			cand_push(&c, t->ino[i].size, NULL, (uint32_t)i,
			    t->ino[i].layer, ENTRY_FILE);
	got = select_top(t, c.v, c.n, n, 0, out);
	free(c.v);
	return got;
}

void
tree_files_free(struct tree_file *v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i].path);
	free(v);
}
