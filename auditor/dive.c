/* SPDX-License-Identifier: MIT */
/*
 * dive.c: the efficiency figures of wagoodman/dive, computed the way dive
 * computes them (dive/filetree/efficiency.go, file_tree.go, file_node.go;
 * dive/image/image.go), quirks included, so that a team gating CI on dive
 * sees the same numbers from us.  Our own, cleaner accounting is tree.c's;
 * docs/metrics.md says how the two differ.
 *
 * What dive does, and what is mirrored here:
 *  - every layer is a tree of its own, built from its tar entries with
 *    FileTree.AddPath: missing parents are made with an empty payload (not
 *    a directory, size 0), a whiteout is a child named ".wh.NAME", an
 *    opaque marker is never added (its parents are);
 *  - per layer, the leaves of that tree are visited depth first, children
 *    before parents, siblings sorted by name (Go's sort.Strings, bytes);
 *  - a leaf's size is its tar header size; a whiteout leaf's is the sum over
 *    the subtree it deletes in the stacked tree of the layers below, when
 *    that node was last given a directory's payload, else 0;
 *  - per path (a whiteout counts for the path it deletes): Σ sizes, the
 *    smallest size, and how many visits.
 *
 * The current layer's tree and the stacked lower layers share one pool of
 * nodes and one hash table keyed by (parent, name); the index of visited
 * paths, which outlives them, has smaller records in a pool of its own.
 * Names are borrowed from the layer entries.  The trees of a layer are
 * dropped once it is counted, and the stack after the last layer with a
 * whiteout, so the peak is the index and the largest layer's tree.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dive.h"

#define WH_PREFIX	".wh."
#define WH_PREFIX_LEN	4
#define WH_DOUBLE	".wh..wh.."	/* dive never adds names like these */
#define WH_DOUBLE_LEN	9

/*
 * Names are at most DIVE_PATH_MAX long: a path over it (only a cached
 * result could hold one) is left out of dive's trees.
 */
#define DIVE_PATH_MAX	(UINT16_MAX - WH_PREFIX_LEN)

/*
 * Two kinds of node, each in a pool of its own, referring to each other
 * by 32-bit id (0 is "none"): an image of a million files has a million
 * of each at the peak, the path index and the largest layer's tree.
 *
 * A tree node (40 bytes) is one name of the current layer's tree or of
 * the stacked lower layers.  The hash is not kept; it is cheap to compute
 * again.
 */
struct dnode {
	uint32_t parent;
	uint32_t child;
	uint32_t prev, next;
	uint32_t hnext;		/* hash chain; free list when unused */
	uint16_t namelen;
	uint8_t isdir;		/* the payload says directory */
	const char *name;	/* borrowed, namelen bytes, no NUL */
	int64_t size;		/* tar header size */
};

/*
 * A path of the visited-path index (40 bytes): it is only ever looked up
 * by (parent, name) and summed at the end, so it has no child links.
 */
struct pnode {
	uint32_t parent;
	uint32_t hnext;		/* hash chain */
	const char *name;	/* borrowed, namelen bytes, no NUL */
	int64_t size;		/* Σ of visits */
	int64_t min;		/* smallest visit, -1 before one */
	uint32_t count;		/* successful visits */
	uint16_t namelen;
	uint8_t inmap;		/* dive made a map entry */
};

#define CHUNK_SHIFT	12
#define CHUNK_NODES	(1u << CHUNK_SHIFT)

/*
 * Nodes of one kind by id, in chunks that never move, and their hash
 * table keyed by (parent id, name).  Ids are handed out from 1 up;
 * dive_compute() checks beforehand that they cannot run out.
 */
struct pool {
	void **chunkv;		/* chunkv[id >> CHUNK_SHIFT] */
	size_t nchunk, chunkcap;
	size_t elsize;
	uint32_t nextid;	/* the next id never handed out */
	uint32_t first;		/* the first id that is not a root */
	uint32_t freelist;
	uint32_t *bucket;	/* heads of the hash chains */
	size_t nbucket, nnodes;	/* nbucket: a power of two */
};

/* Tree pool ids of the two roots; the path index's root is PATHS_ROOT. */
#define LAYER_ROOT	1u	/* the current layer's tree */
#define STACK_ROOT	2u	/* the lower layers stacked */
#define PATHS_ROOT	1u

struct comp {
	const char *s;
	size_t len;
};

/* qsort() has no context argument: kids are sorted as tree nodes. */
struct kid {
	const struct dnode *n;
	uint32_t id;
};

/* One directory of a depth-first walk: its sorted children in kids[]. */
struct frame {
	uint32_t node;
	size_t base, n, i;
};

struct dive {
	struct pool t;		/* struct dnode: the layer and the stack */
	struct pool p;		/* struct pnode: the path index */
	uint32_t lookup;	/* where whiteouts look their path up */
	int layer_wh;		/* the layer's tree has ".wh." names */
	/*
	 * The directory the previous entry or sibling went into.  Entries
	 * of a tar come grouped by directory, so most walks from the root
	 * are skipped.  build_layer() keys by the path's directory part;
	 * the visitors by the parent in the layer's tree, and get a node
	 * of the stack or of the index (0: AddPath stopped on the way).
	 */
	int bvalid;
	const char *bkey;
	size_t bkeylen;
	uint32_t bnode;
	int nvalid;
	uint32_t nkey, nnode;
	char **names;		/* ".wh.NAME" strings made for whiteouts */
	size_t nnames, namecap;
	uint32_t *kids;
	size_t nkids, kidcap;
	struct kid *sortv;	/* push_frame()'s scratch */
	size_t sortcap;
	struct frame *fr;
	size_t nfr, frcap;
	struct comp *comps;
	size_t ncomps, compcap;
};

static void *
pool_at(const struct pool *pl, uint32_t id)
{
	return (char *)pl->chunkv[id >> CHUNK_SHIFT] +
	    (size_t)(id & (CHUNK_NODES - 1)) * pl->elsize;
}

static struct dnode *
TN(const struct dive *d, uint32_t id)
{
	return id == 0 ? NULL : pool_at(&d->t, id);
}

static struct pnode *
PN(const struct dive *d, uint32_t id)
{
	return id == 0 ? NULL : pool_at(&d->p, id);
}

/* A pool with nroots roots (ids 1..nroots), zeroed, outside the hash. */
static void
pool_init(struct pool *pl, size_t elsize, uint32_t nroots)
{
	uint32_t id;

	memset(pl, 0, sizeof(*pl));
	pl->elsize = elsize;
	pl->nbucket = 1024;
	pl->bucket = xcalloc(pl->nbucket, sizeof(*pl->bucket));
	pl->chunkv = xmalloc(sizeof(*pl->chunkv));
	pl->chunkcap = 1;
	pl->chunkv[pl->nchunk++] = xmalloc(CHUNK_NODES * elsize);
	for (id = 0; id <= nroots; id++)
		memset(pool_at(pl, id), 0, elsize);
	pl->first = pl->nextid = nroots + 1;
}

/* Every node is dropped, roots emptied; the chunks stay for reuse. */
static void
pool_reset(struct pool *pl)
{
	uint32_t id;

	for (id = 1; id < pl->first; id++)
		memset(pool_at(pl, id), 0, pl->elsize);
	pl->nextid = pl->first;
	pl->freelist = 0;
	pl->nnodes = 0;
	memset(pl->bucket, 0, pl->nbucket * sizeof(*pl->bucket));
}

static void
pool_free(struct pool *pl)
{
	size_t i;

	for (i = 0; i < pl->nchunk; i++)
		free(pl->chunkv[i]);
	free(pl->chunkv);
	free(pl->bucket);
}

/*
 * A new node's id, its memory zeroed; the caller hashes it in.  Only tree
 * nodes are ever deleted: dn_add() takes them from the free list first.
 */
static uint32_t
pool_alloc(struct pool *pl)
{
	uint32_t id = pl->nextid++;

	if ((id >> CHUNK_SHIFT) >= pl->nchunk) {
		xgrow((void **)&pl->chunkv, &pl->chunkcap, pl->nchunk + 1,
		    sizeof(*pl->chunkv));
		pl->chunkv[pl->nchunk++] = xmalloc(CHUNK_NODES * pl->elsize);
	}
	pl->nnodes++;
	return id;
}

static uint32_t
name_hash(uint32_t parent, const char *name, size_t len)
{
	return ia_name_hash((const void *)(uintptr_t)parent, name, len);
}

/* The table grows before it holds more nodes than buckets. */
static int
pool_full(const struct pool *pl)
{
	return pl->nnodes + 1 > pl->nbucket;
}

static uint32_t
dn_lookup(const struct dive *d, uint32_t parent, const char *name,
    size_t len)
{
	uint32_t id = d->t.bucket[name_hash(parent, name, len) &
	    (d->t.nbucket - 1)];
	const struct dnode *n;

	for (; id != 0; id = n->hnext) {
		n = TN(d, id);
		if (n->parent == parent && n->namelen == len &&
		    memcmp(n->name, name, len) == 0)
			return id;
	}
	return 0;
}

/* n's bucket in a table of nbucket, from its parent and name. */
static size_t
dn_bucket(const struct dnode *n, size_t nbucket)
{
	return name_hash(n->parent, n->name, n->namelen) & (nbucket - 1);
}

static void
dn_hash_in(struct dive *d, uint32_t id)
{
	struct dnode *n = TN(d, id);
	size_t b = dn_bucket(n, d->t.nbucket);

	n->hnext = d->t.bucket[b];
	d->t.bucket[b] = id;
}

static void
dn_hash_out(struct dive *d, uint32_t id)
{
	struct dnode *n = TN(d, id);
	uint32_t *pp;

	for (pp = &d->t.bucket[dn_bucket(n, d->t.nbucket)]; *pp != id;
	    pp = &TN(d, *pp)->hnext)
		;
	*pp = n->hnext;
}

static void
dn_rehash(struct dive *d)
{
	uint32_t *nb = xcalloc(d->t.nbucket * 2, sizeof(*nb)), id, next;
	size_t i, b;
	struct dnode *n;

	for (i = 0; i < d->t.nbucket; i++)
		for (id = d->t.bucket[i]; id != 0; id = next) {
			n = TN(d, id);
			next = n->hnext;
			b = dn_bucket(n, d->t.nbucket * 2);
			n->hnext = nb[b];
			nb[b] = id;
		}
	free(d->t.bucket);
	d->t.bucket = nb;
	d->t.nbucket *= 2;
}

static uint32_t
dn_add(struct dive *d, uint32_t parent, const char *name, size_t len)
{
	struct dnode *n, *p;
	uint32_t id;

	if (pool_full(&d->t))
		dn_rehash(d);
	if (d->t.freelist != 0) {
		id = d->t.freelist;
		d->t.freelist = TN(d, id)->hnext;
		d->t.nnodes++;
	} else {
		id = pool_alloc(&d->t);
	}
	n = pool_at(&d->t, id);
	memset(n, 0, sizeof(*n));
	p = TN(d, parent);
	n->parent = parent;
	n->name = name;
	n->namelen = (uint16_t)len;
	dn_hash_in(d, id);
	n->next = p->child;
	if (p->child != 0)
		TN(d, p->child)->prev = id;
	p->child = id;
	return id;
}

/* Delete top and its subtree, leaves first, without recursion. */
static void
dn_delete(struct dive *d, uint32_t top)
{
	uint32_t id = top, pid;
	struct dnode *n, *p;

	d->nvalid = 0;	/* the cached directory may go */
	for (;;) {
		while ((n = TN(d, id))->child != 0)
			id = n->child;
		pid = n->parent;
		p = TN(d, pid);
		if (n->prev != 0)
			TN(d, n->prev)->next = n->next;
		else
			p->child = n->next;
		if (n->next != 0)
			TN(d, n->next)->prev = n->prev;
		dn_hash_out(d, id);
		d->t.nnodes--;
		n->hnext = d->t.freelist;
		d->t.freelist = id;
		if (id == top)
			break;
		id = pid;
	}
}

static uint32_t
pn_lookup(const struct dive *d, uint32_t parent, const char *name,
    size_t len)
{
	uint32_t id = d->p.bucket[name_hash(parent, name, len) &
	    (d->p.nbucket - 1)];
	const struct pnode *n;

	for (; id != 0; id = n->hnext) {
		n = PN(d, id);
		if (n->parent == parent && n->namelen == len &&
		    memcmp(n->name, name, len) == 0)
			return id;
	}
	return 0;
}

static void
pn_rehash(struct dive *d)
{
	uint32_t *nb = xcalloc(d->p.nbucket * 2, sizeof(*nb)), id, next;
	size_t i, b;
	struct pnode *n;

	for (i = 0; i < d->p.nbucket; i++)
		for (id = d->p.bucket[i]; id != 0; id = next) {
			n = PN(d, id);
			next = n->hnext;
			b = name_hash(n->parent, n->name, n->namelen) &
			    (d->p.nbucket * 2 - 1);
			n->hnext = nb[b];
			nb[b] = id;
		}
	free(d->p.bucket);
	d->p.bucket = nb;
	d->p.nbucket *= 2;
}

static uint32_t
pn_add(struct dive *d, uint32_t parent, const char *name, size_t len)
{
	struct pnode *n;
	uint32_t id;
	size_t b;

	if (pool_full(&d->p))
		pn_rehash(d);
	id = pool_alloc(&d->p);
	n = pool_at(&d->p, id);
	memset(n, 0, sizeof(*n));
	n->parent = parent;
	n->name = name;
	n->namelen = (uint16_t)len;
	b = name_hash(parent, name, len) & (d->p.nbucket - 1);
	n->hnext = d->p.bucket[b];
	d->p.bucket[b] = id;
	return id;
}

static int
has_prefix(const char *s, size_t len, const char *prefix, size_t plen)
{
	return len >= plen && memcmp(s, prefix, plen) == 0;
}

/* dive's FileNode.IsWhiteout(): by name, wherever the node is. */
static int
is_whiteout(const struct dnode *n)
{
	return has_prefix(n->name, n->namelen, WH_PREFIX, WH_PREFIX_LEN);
}

static void
comp_push(struct dive *d, const char *s, size_t len)
{
	xgrow((void **)&d->comps, &d->compcap, d->ncomps + 1,
	    sizeof(*d->comps));
	d->comps[d->ncomps].s = s;
	d->comps[d->ncomps].len = len;
	d->ncomps++;
}

/* Split a normalised entry path into d->comps. */
static void
comps_of_path(struct dive *d, const char *path)
{
	const char *p = path, *c;

	d->ncomps = 0;
	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			return;
		c = p;
		while (*p != '\0' && *p != '/')
			p++;
		comp_push(d, c, (size_t)(p - c));
	}
}

/*
 * The names from the root down to tree node id, into d->comps.  With
 * trim, the last one loses a ".wh." prefix, as dive's FileNode.Path() does
 * for the node it is asked about (and only for that one).
 */
static void
comps_of_node(struct dive *d, uint32_t id, int trim)
{
	const struct dnode *m;
	size_t depth = 0, i;

	for (m = TN(d, id); m->parent != 0; m = TN(d, m->parent))
		depth++;
	xgrow((void **)&d->comps, &d->compcap, depth, sizeof(*d->comps));
	d->ncomps = depth;
	for (m = TN(d, id), i = depth; i > 0; m = TN(d, m->parent)) {
		i--;
		d->comps[i].s = m->name;
		d->comps[i].len = m->namelen;
	}
	if (trim && depth > 0 && is_whiteout(TN(d, id))) {
		d->comps[depth - 1].s += WH_PREFIX_LEN;
		d->comps[depth - 1].len -= WH_PREFIX_LEN;
	}
}

/*
 * The walk of FileTree.AddPath over d->comps[0..n) from the tree node
 * root: missing names are made with an empty payload.  As in dive, empty
 * names are skipped and a missing name starting ".wh..wh.." ends the walk
 * with 0 (this is how opaque markers vanish while their parents stay).
 */
static uint32_t
walk_make(struct dive *d, uint32_t root, size_t n)
{
	uint32_t node = root, child;
	size_t i;

	for (i = 0; i < n; i++) {
		if (d->comps[i].len == 0)
			continue;
		child = dn_lookup(d, node, d->comps[i].s, d->comps[i].len);
		if (child == 0) {
			if (has_prefix(d->comps[i].s, d->comps[i].len,
			    WH_DOUBLE, WH_DOUBLE_LEN))
				return 0;
			child = dn_add(d, node, d->comps[i].s,
			    d->comps[i].len);
		}
		node = child;
	}
	return node;
}

/* The same walk in the path index, which keeps every name as it is. */
static uint32_t
walk_index(struct dive *d, size_t n)
{
	uint32_t node = PATHS_ROOT, child;
	size_t i;

	for (i = 0; i < n; i++) {
		child = pn_lookup(d, node, d->comps[i].s, d->comps[i].len);
		if (child == 0)
			child = pn_add(d, node, d->comps[i].s,
			    d->comps[i].len);
		node = child;
	}
	return node;
}

/* The last step of AddPath: name under dir, which takes the payload. */
static void
put_last(struct dive *d, uint32_t dir, const char *name, size_t len,
    int64_t size, int isdir)
{
	struct dnode *n;
	uint32_t id;

	if (dir == 0 || len == 0)
		return;
	id = dn_lookup(d, dir, name, len);
	if (id == 0) {
		if (has_prefix(name, len, WH_DOUBLE, WH_DOUBLE_LEN))
			return;
		id = dn_add(d, dir, name, len);
	}
	n = TN(d, id);
	n->size = size;
	n->isdir = (uint8_t)isdir;
}

/*
 * The node that layer node n's parent stands for in the stack (made as
 * AddPath would), or in the path index when index is set, through the
 * cache: siblings are visited one after the other, so the walk from the
 * root is mostly skipped.
 */
static uint32_t
parent_of(struct dive *d, const struct dnode *n, int index)
{
	if (!d->nvalid || d->nkey != n->parent) {
		comps_of_node(d, n->parent, 0);
		d->nnode = index ? walk_index(d, d->ncomps) :
		    walk_make(d, STACK_ROOT, d->ncomps);
		d->nkey = n->parent;
		d->nvalid = 1;
	}
	return d->nnode;
}

/* FileTree.GetNode: empty names are skipped; 0 when a name is missing. */
static uint32_t
get_comps(struct dive *d, uint32_t root)
{
	uint32_t node = root;
	size_t i;

	for (i = 0; i < d->ncomps && node != 0; i++)
		if (d->comps[i].len != 0)
			node = dn_lookup(d, node, d->comps[i].s,
			    d->comps[i].len);
	return node;
}

/* Σ payload sizes of tree node top and everything below it. */
static int64_t
subtree_size(const struct dive *d, uint32_t top)
{
	const struct dnode *m, *t = TN(d, top);
	uint32_t id = t->child;
	int64_t sum = t->size;

	while (id != 0) {
		m = TN(d, id);
		sum += m->size;
		if (m->child != 0) {
			id = m->child;
			continue;
		}
		while (id != top && TN(d, id)->next == 0)
			id = TN(d, id)->parent;
		if (id == top)
			break;
		id = TN(d, id)->next;
	}
	return sum;
}

static int
name_cmp(const void *pa, const void *pb)
{
	const struct dnode *a = ((const struct kid *)pa)->n;
	const struct dnode *b = ((const struct kid *)pb)->n;
	size_t len = a->namelen < b->namelen ? a->namelen : b->namelen;
	int c = memcmp(a->name, b->name, len);

	if (c != 0)
		return c;
	return (a->namelen > b->namelen) - (a->namelen < b->namelen);
}

static void
push_frame(struct dive *d, uint32_t id)
{
	size_t base = d->nkids, n, i;
	struct kid *tmp;
	uint32_t c;

	for (c = TN(d, id)->child; c != 0; c = TN(d, c)->next) {
		xgrow((void **)&d->kids, &d->kidcap, d->nkids + 1,
		    sizeof(*d->kids));
		d->kids[d->nkids++] = c;
	}
	n = d->nkids - base;
	if (n > 1) {
		xgrow((void **)&d->sortv, &d->sortcap, n, sizeof(*d->sortv));
		tmp = d->sortv;
		for (i = 0; i < n; i++) {
			tmp[i].id = d->kids[base + i];
			tmp[i].n = TN(d, tmp[i].id);
		}
		qsort(tmp, n, sizeof(*tmp), name_cmp);
		for (i = 0; i < n; i++)
			d->kids[base + i] = tmp[i].id;
	}
	xgrow((void **)&d->fr, &d->frcap, d->nfr + 1, sizeof(*d->fr));
	d->fr[d->nfr].node = id;
	d->fr[d->nfr].base = base;
	d->fr[d->nfr].n = n;
	d->fr[d->nfr].i = 0;
	d->nfr++;
}

/*
 * FileNode.VisitDepthChildFirst over the tree at root (never visiting root
 * itself): children in name order, each subtree before its parent.  The
 * walk stops at the first non-zero return of fn, which it returns.  fn may
 * change other trees but not this one.
 */
static int
visit(struct dive *d, uint32_t root, int (*fn)(struct dive *, uint32_t))
{
	struct frame *f;
	uint32_t id;
	int rc = 0;

	d->nfr = 0;
	d->nkids = 0;
	d->nvalid = 0;
	push_frame(d, root);
	while (d->nfr > 0) {
		f = &d->fr[d->nfr - 1];
		if (f->i < f->n) {
			id = d->kids[f->base + f->i++];
			push_frame(d, id);
			continue;
		}
		id = f->node;
		d->nkids = f->base;
		d->nfr--;
		if (id != root && (rc = fn(d, id)) != 0)
			break;
	}
	return rc;
}

/*
 * Efficiency()'s visitor, for the leaves of one layer's tree.  Two quirks
 * of dive are kept on purpose, since its users compare numbers:
 *  - the map entry is made (smallest size -1) before the whiteout lookup,
 *    so a whiteout of a path that is in no lower layer leaves a -1 in the
 *    sum of smallest sizes when the path was never seen before;
 *  - that failed lookup is an error that ends the walk of the whole layer:
 *    the leaves after it, in visiting order, are not counted.
 */
static int
visit_leaf(struct dive *d, uint32_t id)
{
	const struct dnode *n = TN(d, id), *prev;
	struct pnode *entry;
	const char *name = n->name;
	size_t len = n->namelen;
	uint32_t dir, e, pid;
	int64_t size = 0;

	if (n->child != 0)
		return 0;
	/*
	 * The map key is FileNode.Path(): a whiteout's own name loses its
	 * prefix.  dive keys by the path string, in which an empty name (a
	 * whiteout named just ".wh.") still makes a distinct "/dir/": the
	 * path index keeps empty names.
	 */
	if (is_whiteout(n)) {
		name += WH_PREFIX_LEN;
		len -= WH_PREFIX_LEN;
	}
	dir = parent_of(d, n, 1);
	e = pn_lookup(d, dir, name, len);
	if (e == 0)
		e = pn_add(d, dir, name, len);
	entry = PN(d, e);
	if (!entry->inmap) {
		entry->inmap = 1;
		entry->min = -1;
	}
	if (is_whiteout(n)) {
		comps_of_node(d, id, 1);
		pid = get_comps(d, d->lookup);
		if (pid == 0)
			return -1;
		prev = TN(d, pid);
		if (prev->isdir)
			size = subtree_size(d, pid);
	} else {
		size = n->size;
	}
	entry->size += size;
	if (entry->min < 0 || size < entry->min)
		entry->min = size;
	entry->count++;
	return 0;
}

/* FileTree.Copy(), node by node: whiteout-named nodes are copied too. */
static int
copy_node(struct dive *d, uint32_t id)
{
	const struct dnode *n = TN(d, id);
	uint32_t dir = parent_of(d, n, 0);

	n = TN(d, id);
	put_last(d, dir, n->name, n->namelen, n->size, n->isdir);
	return 0;
}

/*
 * FileTree.Stack(): a whiteout removes its path (a missing path is only
 * logged by dive), anything else is added with its payload, implicit
 * parents too, which therefore stop being directories below.
 */
static int
stack_node(struct dive *d, uint32_t id)
{
	const struct dnode *n = TN(d, id);
	uint32_t target;

	if (is_whiteout(n)) {
		comps_of_node(d, id, 1);
		target = get_comps(d, STACK_ROOT);
		if (target != 0 && target != STACK_ROOT)
			dn_delete(d, target);
	} else {
		copy_node(d, id);
	}
	return 0;
}

/*
 * Layer 0 becomes the stack as it is when it has no whiteout-named node:
 * stacking it on its own copy would then change nothing.  Only its top
 * names change parent, so only they are hashed again.
 */
static void
move_layer_to_stack(struct dive *d)
{
	uint32_t c;

	for (c = TN(d, LAYER_ROOT)->child; c != 0; c = TN(d, c)->next) {
		dn_hash_out(d, c);
		TN(d, c)->parent = STACK_ROOT;
		dn_hash_in(d, c);
	}
	TN(d, STACK_ROOT)->child = TN(d, LAYER_ROOT)->child;
	TN(d, LAYER_ROOT)->child = 0;
}

/* A layer's tree, as dive's processLayerTar() builds it. */
static void
build_layer(struct dive *d, const struct layer_result *r)
{
	const struct layer_entry *e;
	struct comp *last;
	size_t i, dirlen;
	char *wh;

	d->bvalid = 0;
	d->layer_wh = 0;
	for (i = 0; i < r->n_entries; i++) {
		e = &r->entries[i];
		/*
		 * An unsafe name cannot be spelt as dive would see it: it
		 * counts in the layer's size (dive_compute) but is no path.
		 */
		if ((e->flags & ENTRY_F_UNSAFE) || e->path == NULL ||
		    strlen(e->path) > DIVE_PATH_MAX)
			continue;
		comps_of_path(d, e->path);
		if (d->ncomps == 0)
			continue;
		if (e->kind == ENTRY_OPAQUE) {
			/* AddPath(".../.wh..wh..opq") makes the parents. */
			(void)walk_make(d, LAYER_ROOT, d->ncomps);
			continue;
		}
		last = &d->comps[d->ncomps - 1];
		dirlen = (size_t)(last->s - e->path);
		if (dirlen > 0)
			dirlen--;
		if (!d->bvalid || d->bkeylen != dirlen ||
		    memcmp(d->bkey, e->path, dirlen) != 0) {
			d->bnode = walk_make(d, LAYER_ROOT, d->ncomps - 1);
			d->bkey = e->path;
			d->bkeylen = dirlen;
			d->bvalid = 1;
		}
		for (dirlen = 0; dirlen < d->ncomps; dirlen++)
			if (has_prefix(d->comps[dirlen].s,
			    d->comps[dirlen].len, WH_PREFIX, WH_PREFIX_LEN))
				d->layer_wh = 1;
		if (e->kind != ENTRY_WHITEOUT) {
			put_last(d, d->bnode, last->s, last->len,
			    e->size, e->kind == ENTRY_DIR);
			continue;
		}
		wh = xmalloc(last->len + WH_PREFIX_LEN + 1);
		memcpy(wh, WH_PREFIX, WH_PREFIX_LEN);
		memcpy(wh + WH_PREFIX_LEN, last->s, last->len);
		wh[WH_PREFIX_LEN + last->len] = '\0';
		xgrow((void **)&d->names, &d->namecap, d->nnames + 1,
		    sizeof(*d->names));
		d->names[d->nnames++] = wh;
		d->layer_wh = 1;
		put_last(d, d->bnode, wh, last->len + WH_PREFIX_LEN,
		    e->size, 0);
	}
}

static int
has_whiteouts(const struct layer_result *r)
{
	size_t i;

	for (i = 0; i < r->n_entries; i++)
		if (r->entries[i].kind == ENTRY_WHITEOUT &&
		    !(r->entries[i].flags & ENTRY_F_UNSAFE))
			return 1;
	return 0;
}

/* An upper bound on the names an entry's path can make: its components. */
static uint64_t
max_names(const struct layer_result *r)
{
	const char *p;
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < r->n_entries; i++) {
		sum++;
		for (p = r->entries[i].path; p != NULL &&
		    (p = strchr(p, '/')) != NULL; p++)
			sum++;
	}
	return sum;
}

static void
dive_free(struct dive *d)
{
	size_t i;

	pool_free(&d->t);
	pool_free(&d->p);
	for (i = 0; i < d->nnames; i++)
		free(d->names[i]);
	free(d->names);
	free(d->kids);
	free(d->sortv);
	free(d->fr);
	free(d->comps);
}

int
dive_compute(struct layer_result *const *layers, size_t n,
    struct dive_figures *out)
{
	struct dive d;
	int64_t sum_min = 0, sum_all = 0, size;
	const struct pnode *m;
	uint64_t names = 0;
	size_t k, i, last_wh = 0;
	uint32_t id;

	memset(out, 0, sizeof(*out));
	memset(&d, 0, sizeof(d));

	/* Layer sizes: Σ tar header sizes, whatever the entry (image.go). */
	for (k = 0; k < n; k++) {
		if (layers[k] == NULL)
			continue;
		size = 0;
		for (i = 0; i < layers[k]->n_entries; i++)
			size += layers[k]->entries[i].size;
		out->size_bytes += size;
		if (k > 0)
			out->user_size_bytes += size;
		if (k > 0 && has_whiteouts(layers[k]))
			last_wh = k;
		names += max_names(layers[k]);
	}
	/* Neither pool can hold more nodes than all the names there are. */
	if (names >= UINT32_MAX - 8)
		return -1;

	pool_init(&d.t, sizeof(struct dnode), STACK_ROOT);
	pool_init(&d.p, sizeof(struct pnode), PATHS_ROOT);
	for (k = 0; k < n; k++) {
		if (layers[k] != NULL)
			build_layer(&d, layers[k]);
		/*
		 * dive looks whiteouts up in StackTreeRange(trees, 0, k-1):
		 * a copy of layer 0 with layers 0..k-1 stacked on it, and for
		 * layer 0 the bare copy of layer 0 itself.  The stack is kept
		 * up to date here rather than rebuilt per whiteout, and only
		 * as long as a later layer has a whiteout to look up.
		 */
		d.lookup = k == 0 ? LAYER_ROOT : STACK_ROOT;
		/* dive logs a failed walk and goes on with the next layer. */
		(void)visit(&d, LAYER_ROOT, visit_leaf);
		if (k == 0 && k < last_wh && !d.layer_wh) {
			move_layer_to_stack(&d);
		} else if (k < last_wh) {
			if (k == 0)
				(void)visit(&d, LAYER_ROOT, copy_node);
			(void)visit(&d, LAYER_ROOT, stack_node);
		}
		/* Past the last whiteout the stack is not needed either. */
		if (k >= last_wh)
			pool_reset(&d.t);
		else
			while (TN(&d, LAYER_ROOT)->child != 0)
				dn_delete(&d, TN(&d, LAYER_ROOT)->child);
	}

	/* Integer sums: the order of the index does not matter. */
	for (id = d.p.first; id < d.p.nextid; id++) {
		m = PN(&d, id);
		if (!m->inmap)
			continue;
		sum_min += m->min;
		sum_all += m->size;
		if (m->count >= 2)
			out->wasted_bytes += m->size;
	}
	out->efficiency = sum_all == 0 ? 1.0 :
	    (double)sum_min / (double)sum_all;
	out->user_wasted_percent = out->user_size_bytes == 0 ? 0.0 :
	    (double)out->wasted_bytes / (double)out->user_size_bytes;
	dive_free(&d);
	return 0;
}
