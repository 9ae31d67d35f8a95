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
 * Nodes of the three trees used here (the current layer, the stacked lower
 * layers, the index of visited paths) share one hash table keyed by
 * (parent, name); names are borrowed from the layer entries.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dive.h"

#define CHUNK_NODES	4096
#define WH_PREFIX	".wh."
#define WH_PREFIX_LEN	4
#define WH_DOUBLE	".wh..wh.."	/* dive never adds names like these */
#define WH_DOUBLE_LEN	9

/*
 * 72 bytes: the path index holds one per path of the image, the layer's
 * tree one per entry of the layer.  The hash is not kept (it is cheap to
 * compute again); names are at most DIVE_PATH_MAX long.
 */
#define DIVE_PATH_MAX	(UINT16_MAX - WH_PREFIX_LEN)

struct dnode {
	struct dnode *parent;
	struct dnode *child;
	struct dnode *prev, *next;
	struct dnode *hnext;	/* hash chain; free list when unused */
	const char *name;	/* borrowed, namelen bytes, no NUL */
	int64_t size;		/* tar header size; path index: Σ of visits */
	int64_t min;		/* path index: smallest visit, -1 before one */
	uint32_t count;		/* path index: successful visits */
	uint16_t namelen;
	uint8_t isdir;		/* the payload says directory */
	uint8_t inmap;		/* path index: dive made a map entry */
};

struct dchunk {
	struct dchunk *next;
	struct dnode v[CHUNK_NODES];
};

struct comp {
	const char *s;
	size_t len;
};

/*
 * The directory the previous entry or sibling went into.  Entries of a tar
 * come grouped by directory, so most walks from the root are skipped.
 */
struct pcache {
	int valid;
	const void *key;	/* a parent node, or a path's directory part */
	size_t keylen;
	struct dnode *node;	/* NULL: dive's AddPath stopped on the way */
};

/* One directory of a depth-first walk: its sorted children in kids[]. */
struct frame {
	struct dnode *node;
	size_t base, n, i;
};

struct dive {
	struct dnode layer;	/* root of the current layer's tree */
	struct dnode stack;	/* root of the lower layers stacked */
	struct dnode paths;	/* root of the visited-path index */
	struct dnode *lookup;	/* where whiteouts look their path up */
	int layer_wh;		/* the layer's tree has ".wh." names */
	struct pcache bcache;	/* build_layer(): by directory string */
	struct pcache ncache;	/* visitors: by parent in the layer tree */
	struct dnode **bucket;
	size_t nbucket, nnodes;
	struct dchunk *chunks;
	size_t chunk_used;
	struct dnode *freelist;
	char **names;		/* ".wh.NAME" strings made for whiteouts */
	size_t nnames, namecap;
	struct dnode **kids;
	size_t nkids, kidcap;
	struct frame *fr;
	size_t nfr, frcap;
	struct comp *comps;
	size_t ncomps, compcap;
};

static struct dnode *
dn_lookup(const struct dive *d, const struct dnode *parent, const char *name,
    size_t len)
{
	uint32_t h = ia_name_hash(parent, name, len);
	struct dnode *n;

	for (n = d->bucket[h & (d->nbucket - 1)]; n != NULL; n = n->hnext)
		if (n->parent == parent && n->namelen == len &&
		    memcmp(n->name, name, len) == 0)
			return n;
	return NULL;
}

/* n's bucket in a table of nbucket, from its parent and name. */
static size_t
dn_bucket(const struct dnode *n, size_t nbucket)
{
	return ia_name_hash(n->parent, n->name, n->namelen) & (nbucket - 1);
}

static void
dn_hash_in(struct dive *d, struct dnode *n)
{
	size_t b = dn_bucket(n, d->nbucket);

	n->hnext = d->bucket[b];
	d->bucket[b] = n;
}

static void
dn_hash_out(struct dive *d, struct dnode *n)
{
	struct dnode **pp;

	for (pp = &d->bucket[dn_bucket(n, d->nbucket)]; *pp != n;
	    pp = &(*pp)->hnext)
		;
	*pp = n->hnext;
}

static struct dnode *
dn_add(struct dive *d, struct dnode *parent, const char *name, size_t len)
{
	struct dnode **nb, *n, *next;
	size_t i, b;

	if (d->nnodes + 1 > d->nbucket) {
		nb = xcalloc(d->nbucket * 2, sizeof(*nb));
		for (i = 0; i < d->nbucket; i++)
			for (n = d->bucket[i]; n != NULL; n = next) {
				next = n->hnext;
				b = dn_bucket(n, d->nbucket * 2);
				n->hnext = nb[b];
				nb[b] = n;
			}
		free(d->bucket);
		d->bucket = nb;
		d->nbucket *= 2;
	}
	if (d->freelist != NULL) {
		n = d->freelist;
		d->freelist = n->hnext;
	} else {
		if (d->chunks == NULL || d->chunk_used == CHUNK_NODES) {
			struct dchunk *c = xmalloc(sizeof(*c));

			c->next = d->chunks;
			d->chunks = c;
			d->chunk_used = 0;
		}
		n = &d->chunks->v[d->chunk_used++];
	}
	memset(n, 0, sizeof(*n));
	n->parent = parent;
	n->name = name;
	n->namelen = (uint16_t)len;
	dn_hash_in(d, n);
	n->next = parent->child;
	if (parent->child != NULL)
		parent->child->prev = n;
	parent->child = n;
	d->nnodes++;
	return n;
}

/* Delete top and its subtree, leaves first, without recursion. */
static void
dn_delete(struct dive *d, struct dnode *top)
{
	struct dnode *n = top, *p;

	d->ncache.valid = 0;	/* the cached directory may go */
	for (;;) {
		while (n->child != NULL)
			n = n->child;
		p = n->parent;
		if (n->prev != NULL)
			n->prev->next = n->next;
		else
			p->child = n->next;
		if (n->next != NULL)
			n->next->prev = n->prev;
		dn_hash_out(d, n);
		d->nnodes--;
		n->hnext = d->freelist;
		d->freelist = n;
		if (n == top)
			break;
		n = p;
	}
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
 * The names from the root down to n, into d->comps.  With trim, the last
 * one loses a ".wh." prefix, as dive's FileNode.Path() does for the node
 * it is asked about (and only for that one).
 */
static void
comps_of_node(struct dive *d, const struct dnode *n, int trim)
{
	const struct dnode *m;
	size_t depth = 0, i;

	for (m = n; m->parent != NULL; m = m->parent)
		depth++;
	xgrow((void **)&d->comps, &d->compcap, depth, sizeof(*d->comps));
	d->ncomps = depth;
	for (m = n, i = depth; i > 0; m = m->parent) {
		i--;
		d->comps[i].s = m->name;
		d->comps[i].len = m->namelen;
	}
	if (trim && depth > 0 && is_whiteout(n)) {
		d->comps[depth - 1].s += WH_PREFIX_LEN;
		d->comps[depth - 1].len -= WH_PREFIX_LEN;
	}
}

/*
 * The walk of FileTree.AddPath over d->comps[0..n) from root: missing
 * names are made with an empty payload.  With addpath set, as in dive,
 * empty names are skipped and a missing name starting ".wh..wh.." ends the
 * walk with NULL (this is how opaque markers vanish while their parents
 * stay).  The path index (addpath unset) keeps every name as it is.
 */
static struct dnode *
walk_make(struct dive *d, struct dnode *root, size_t n, int addpath)
{
	struct dnode *node = root, *child;
	size_t i;

	for (i = 0; i < n; i++) {
		if (addpath && d->comps[i].len == 0)
			continue;
		child = dn_lookup(d, node, d->comps[i].s, d->comps[i].len);
		if (child == NULL) {
			if (addpath && has_prefix(d->comps[i].s,
			    d->comps[i].len, WH_DOUBLE, WH_DOUBLE_LEN))
				return NULL;
			child = dn_add(d, node, d->comps[i].s,
			    d->comps[i].len);
		}
		node = child;
	}
	return node;
}

/* The last step of AddPath: name under dir, which takes the payload. */
static void
put_last(struct dive *d, struct dnode *dir, const char *name, size_t len,
    int64_t size, int isdir)
{
	struct dnode *n;

	if (dir == NULL || len == 0)
		return;
	n = dn_lookup(d, dir, name, len);
	if (n == NULL) {
		if (has_prefix(name, len, WH_DOUBLE, WH_DOUBLE_LEN))
			return;
		n = dn_add(d, dir, name, len);
	}
	n->size = size;
	n->isdir = (uint8_t)isdir;
}

/*
 * The node that n's parent stands for under root (made as AddPath would
 * when make is set), through d->ncache: siblings are visited one after
 * the other, so the walk from the root is mostly skipped.
 */
static struct dnode *
parent_of(struct dive *d, const struct dnode *n, struct dnode *root,
    int addpath)
{
	if (!d->ncache.valid || d->ncache.key != n->parent) {
		comps_of_node(d, n->parent, 0);
		d->ncache.node = walk_make(d, root, d->ncomps, addpath);
		d->ncache.key = n->parent;
		d->ncache.valid = 1;
	}
	return d->ncache.node;
}

/* FileTree.GetNode: empty names are skipped; NULL when a name is missing. */
static struct dnode *
get_comps(struct dive *d, struct dnode *root)
{
	struct dnode *node = root;
	size_t i;

	for (i = 0; i < d->ncomps && node != NULL; i++)
		if (d->comps[i].len != 0)
			node = dn_lookup(d, node, d->comps[i].s,
			    d->comps[i].len);
	return node;
}

/* Σ payload sizes of n and everything below it. */
static int64_t
subtree_size(const struct dnode *n)
{
	const struct dnode *m = n->child;
	int64_t sum = n->size;

	while (m != NULL) {
		sum += m->size;
		if (m->child != NULL) {
			m = m->child;
			continue;
		}
		while (m != n && m->next == NULL)
			m = m->parent;
		if (m == n)
			break;
		m = m->next;
	}
	return sum;
}

static int
name_cmp(const void *pa, const void *pb)
{
	const struct dnode *a = *(struct dnode *const *)pa;
	const struct dnode *b = *(struct dnode *const *)pb;
	size_t len = a->namelen < b->namelen ? a->namelen : b->namelen;
	int c = memcmp(a->name, b->name, len);

	if (c != 0)
		return c;
	return (a->namelen > b->namelen) - (a->namelen < b->namelen);
}

static void
push_frame(struct dive *d, struct dnode *n)
{
	size_t base = d->nkids;
	struct dnode *c;

	for (c = n->child; c != NULL; c = c->next) {
		xgrow((void **)&d->kids, &d->kidcap, d->nkids + 1,
		    sizeof(*d->kids));
		d->kids[d->nkids++] = c;
	}
	if (d->nkids - base > 1)
		qsort(d->kids + base, d->nkids - base, sizeof(*d->kids),
		    name_cmp);
	xgrow((void **)&d->fr, &d->frcap, d->nfr + 1, sizeof(*d->fr));
	d->fr[d->nfr].node = n;
	d->fr[d->nfr].base = base;
	d->fr[d->nfr].n = d->nkids - base;
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
visit(struct dive *d, struct dnode *root,
    int (*fn)(struct dive *, struct dnode *))
{
	struct frame *f;
	struct dnode *n;
	int rc = 0;

	d->nfr = 0;
	d->nkids = 0;
	d->ncache.valid = 0;
	push_frame(d, root);
	while (d->nfr > 0) {
		f = &d->fr[d->nfr - 1];
		if (f->i < f->n) {
			n = d->kids[f->base + f->i++];
			push_frame(d, n);
			continue;
		}
		n = f->node;
		d->nkids = f->base;
		d->nfr--;
		if (n != root && (rc = fn(d, n)) != 0)
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
visit_leaf(struct dive *d, struct dnode *n)
{
	struct dnode *dir, *entry, *prev;
	const char *name = n->name;
	size_t len = n->namelen;
	int64_t size = 0;

	if (n->child != NULL)
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
	dir = parent_of(d, n, &d->paths, 0);
	entry = dn_lookup(d, dir, name, len);
	if (entry == NULL)
		entry = dn_add(d, dir, name, len);
	if (!entry->inmap) {
		entry->inmap = 1;
		entry->min = -1;
	}
	if (is_whiteout(n)) {
		comps_of_node(d, n, 1);
		prev = get_comps(d, d->lookup);
		if (prev == NULL)
			return -1;
		if (prev->isdir)
			size = subtree_size(prev);
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
copy_node(struct dive *d, struct dnode *n)
{
	put_last(d, parent_of(d, n, &d->stack, 1), n->name, n->namelen,
	    n->size, n->isdir);
	return 0;
}

/*
 * FileTree.Stack(): a whiteout removes its path (a missing path is only
 * logged by dive), anything else is added with its payload, implicit
 * parents too, which therefore stop being directories below.
 */
static int
stack_node(struct dive *d, struct dnode *n)
{
	struct dnode *target;

	if (is_whiteout(n)) {
		comps_of_node(d, n, 1);
		target = get_comps(d, &d->stack);
		if (target != NULL && target != &d->stack)
			dn_delete(d, target);
	} else {
		put_last(d, parent_of(d, n, &d->stack, 1), n->name,
		    n->namelen, n->size, n->isdir);
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
	struct dnode *c;

	for (c = d->layer.child; c != NULL; c = c->next) {
		dn_hash_out(d, c);
		c->parent = &d->stack;
		dn_hash_in(d, c);
	}
	d->stack.child = d->layer.child;
	d->layer.child = NULL;
}

/* A layer's tree, as dive's processLayerTar() builds it. */
static void
build_layer(struct dive *d, const struct layer_result *r)
{
	const struct layer_entry *e;
	struct comp *last;
	size_t i, dirlen;
	char *wh;

	d->bcache.valid = 0;
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
			(void)walk_make(d, &d->layer, d->ncomps, 1);
			continue;
		}
		last = &d->comps[d->ncomps - 1];
		dirlen = (size_t)(last->s - e->path);
		if (dirlen > 0)
			dirlen--;
		if (!d->bcache.valid || d->bcache.keylen != dirlen ||
		    memcmp(d->bcache.key, e->path, dirlen) != 0) {
			d->bcache.node = walk_make(d, &d->layer,
			    d->ncomps - 1, 1);
			d->bcache.key = e->path;
			d->bcache.keylen = dirlen;
			d->bcache.valid = 1;
		}
		for (dirlen = 0; dirlen < d->ncomps; dirlen++)
			if (has_prefix(d->comps[dirlen].s,
			    d->comps[dirlen].len, WH_PREFIX, WH_PREFIX_LEN))
				d->layer_wh = 1;
		if (e->kind != ENTRY_WHITEOUT) {
			put_last(d, d->bcache.node, last->s, last->len,
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
		put_last(d, d->bcache.node, wh, last->len + WH_PREFIX_LEN,
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

static void
dive_free(struct dive *d)
{
	struct dchunk *c, *next;
	size_t i;

	for (c = d->chunks; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	for (i = 0; i < d->nnames; i++)
		free(d->names[i]);
	free(d->names);
	free(d->bucket);
	free(d->kids);
	free(d->fr);
	free(d->comps);
}

int
dive_compute(struct layer_result *const *layers, size_t n,
    struct dive_figures *out)
{
	struct dive d;
	int64_t sum_min = 0, sum_all = 0, size;
	const struct dnode *m;
	size_t k, i, last_wh = 0;

	memset(out, 0, sizeof(*out));
	memset(&d, 0, sizeof(d));
	d.nbucket = 1024;
	d.bucket = xcalloc(d.nbucket, sizeof(*d.bucket));

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
	}

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
		d.lookup = k == 0 ? &d.layer : &d.stack;
		/* dive logs a failed walk and goes on with the next layer. */
		(void)visit(&d, &d.layer, visit_leaf);
		if (k == 0 && k < last_wh && !d.layer_wh) {
			move_layer_to_stack(&d);
		} else if (k < last_wh) {
			if (k == 0)
				(void)visit(&d, &d.layer, copy_node);
			(void)visit(&d, &d.layer, stack_node);
		}
		while (d.layer.child != NULL)
			dn_delete(&d, d.layer.child);
	}

	for (m = d.paths.child; m != NULL; ) {
		if (m->inmap) {
			sum_min += m->min;
			sum_all += m->size;
			if (m->count >= 2)
				out->wasted_bytes += m->size;
		}
		if (m->child != NULL) {
			m = m->child;
			continue;
		}
		while (m != &d.paths && m->next == NULL)
			m = m->parent;
		m = m != &d.paths ? m->next : NULL;
	}
	out->efficiency = sum_all == 0 ? 1.0 :
	    (double)sum_min / (double)sum_all;
	out->user_wasted_percent = out->user_size_bytes == 0 ? 0.0 :
	    (double)out->wasted_bytes / (double)out->user_size_bytes;
	dive_free(&d);
	return 0;
}
