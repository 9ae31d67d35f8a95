/* SPDX-License-Identifier: MIT */
/*
 * tree.c: merge layer results, in layer order, into the final file tree
 * and count what the layers carry that the final tree no longer shows.
 *
 * Nodes are keyed by (parent, name) in one hash table, so a node stores
 * only its own name (borrowed from the layer entry that created it) and a
 * path is built only when a report asks for one.  Children hang off their
 * parent in a doubly-linked list, so deleting a subtree (a whiteout, a file
 * over a directory) costs the size of that subtree and nothing more.
 * File data is tracked as inodes: one per regular-file entry, shared by
 * hard links, with a count of the names that still reach it; an inode no
 * name reaches after the last layer is waste.
 *
 * This file knows nothing about tar, digests or reports: the layer reader
 * hands it normalised entries, the pipeline asks it for totals and lists.
 * The ranked lists (largest files and directories, wasted versions) live
 * in tree_lists.c.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tree_private.h"

/* Linux's MAXSYMLINKS: the kernel gives ELOOP past this many follows. */
#define SYMLINK_HOPS	40
/* Longer names are not placed (tree_apply()): namelen is 16 bits. */
#define TREE_PATH_MAX	UINT16_MAX

enum walk {
	WALK_OK = 0,
	WALK_MISSING,		/* a component does not exist */
	WALK_NOTDIR,		/* a component on the way is not a directory */
	WALK_LOOP		/* more than SYMLINK_HOPS symlinks followed */
};

#define NODE(t, id)	tree_node((t), (id))

static uint32_t
node_hash(const struct node *parent, const char *name, size_t len)
{
	return ia_name_hash(parent, name, len);
}

static struct node *
node_lookup(const struct tree *t, const struct node *parent, const char *name,
    size_t len)
{
	uint32_t h = node_hash(parent, name, len);
	struct node *n;

	for (n = NODE(t, t->bucket[h & (t->nbucket - 1)]); n != NULL;
	    n = NODE(t, n->hnext))
		if (n->parent == parent->self && n->namelen == len &&
		    memcmp(n->name, name, len) == 0)
			return n;
	return NULL;
}

/* The bucket of a node in the table; the hash is not stored. */
static size_t
node_bucket(const struct tree *t, const struct node *n, size_t nbucket)
{
	return node_hash(NODE(t, n->parent), n->name, n->namelen) &
	    (nbucket - 1);
}

static void
rehash(struct tree *t)
{
	size_t nb = t->nbucket * 2, i, k;
	uint32_t *b = xcalloc(nb, sizeof(*b));
	struct node *n, *next;

	for (i = 0; i < t->nbucket; i++)
		for (n = NODE(t, t->bucket[i]); n != NULL; n = next) {
			next = NODE(t, n->hnext);
			k = node_bucket(t, n, nb);
			n->hnext = b[k];
			b[k] = n->self;
		}
	free(t->bucket);
	t->bucket = b;
	t->nbucket = nb;
}

static struct node *
node_alloc(struct tree *t)
{
	struct node *n;
	uint32_t id;

	if (t->freelist != 0) {
		id = t->freelist;
		t->freelist = NODE(t, id)->hnext;
	} else {
		id = t->nextid++;
		if ((id >> NODE_SHIFT) >= t->nchunk) {
			xgrow((void **)&t->chunkv, &t->chunkcap, t->nchunk + 1,
			    sizeof(*t->chunkv));
			t->chunkv[t->nchunk++] = xmalloc(NODE_CHUNK *
			    sizeof(struct node));
		}
	}
	n = &t->chunkv[id >> NODE_SHIFT][id & (NODE_CHUNK - 1)];
	memset(n, 0, sizeof(*n));
	n->self = id;
	return n;
}

/* A new, empty node named name under parent (which has no such child). */
static struct node *
node_add(struct tree *t, struct node *parent, const char *name, size_t len,
    int kind, int layer)
{
	struct node *n;
	size_t b;

	if (t->nnodes + 1 > t->nbucket)
		rehash(t);
	n = node_alloc(t);
	n->parent = parent->self;
	n->name = name;
	n->namelen = (uint16_t)len;
	n->kind = (uint8_t)kind;
	n->layer = layer;
	b = node_bucket(t, n, t->nbucket);
	n->hnext = t->bucket[b];
	t->bucket[b] = n->self;
	n->next = parent->child;
	if (parent->child != 0)
		NODE(t, parent->child)->prev = n->self;
	parent->child = n->self;
	t->nnodes++;
	return n;
}

static void
inode_unref(struct tree *t, uint32_t ino)
{
	if (ino != 0 && t->ino[ino].refs > 0)
		t->ino[ino].refs--;
}

/*
 * Data of one regular-file entry; no name reaches it yet.  The array grows
 * by a quarter past a few thousand: it holds one element per file.
 */
static uint32_t
inode_new(struct tree *t, const struct layer_entry *e, int layer)
{
	struct inode *x;

	if (t->nino == 0)
		t->nino = 1;	/* keep 0 for "none" */
	if (t->nino >= t->inocap) {
		t->inocap = t->inocap < 4096 ? 2 * t->inocap + 64 :
		    t->inocap + t->inocap / 4;
		t->ino = xrealloc(t->ino, t->inocap * sizeof(*t->ino));
	}
	x = &t->ino[t->nino];
	x->path = e->path;
	x->size = e->size;
	x->layer = layer;
	x->refs = 0;
	return (uint32_t)t->nino++;
}

/* A symlink target kept for a node: its index in t->links. */
static uint32_t
link_new(struct tree *t, const char *link)
{
	if (t->nlinks == 0)
		t->nlinks = 1;	/* keep 0 for "none" */
	xgrow((void **)&t->links, &t->linkcap, t->nlinks + 1,
	    sizeof(*t->links));
	t->links[t->nlinks] = link;
	return (uint32_t)t->nlinks++;
}

/* Remove a node that has no children. */
static void
node_release(struct tree *t, struct node *n)
{
	uint32_t *pp;

	if (n->prev != 0)
		NODE(t, n->prev)->next = n->next;
	else
		NODE(t, n->parent)->child = n->next;
	if (n->next != 0)
		NODE(t, n->next)->prev = n->prev;
	for (pp = &t->bucket[node_bucket(t, n, t->nbucket)]; *pp != n->self;
	    pp = &NODE(t, *pp)->hnext)
		;
	*pp = n->hnext;
	inode_unref(t, node_ino(n));
	t->nnodes--;
	n->hnext = t->freelist;
	t->freelist = n->self;
}

/*
 * Delete top and everything below it.  Iterative, leaves first, so a
 * hostile 2000-deep path cannot exhaust the C stack.
 */
static void
node_delete(struct tree *t, struct node *top)
{
	struct node *n = top, *p;

	for (;;) {
		while (n->child != 0)
			n = NODE(t, n->child);
		p = NODE(t, n->parent);
		node_release(t, n);
		if (n == top)
			break;
		n = p;
	}
}

/* Empty a node for reuse in place: drop its subtree and its data. */
static void
node_clear(struct tree *t, struct node *n)
{
	while (n->child != 0)
		node_delete(t, NODE(t, n->child));
	inode_unref(t, node_ino(n));
	n->data = 0;
	n->flags = 0;
}

/* The next node in pre-order after n, or NULL when the walk is over. */
struct node *
tree_node_next(const struct tree *t, const struct node *n)
{
	if (n->child != 0)
		return NODE(t, n->child);
	while (n->self != NODE_ROOT) {
		if (n->next != 0)
			return NODE(t, n->next);
		n = NODE(t, n->parent);
	}
	return NULL;
}

/* "/a/b/c" for a node, "/" for the root; the caller frees it. */
char *
tree_node_path(const struct tree *t, const struct node *n)
{
	const struct node *m;
	size_t len = 0;
	char *s, *p;

	for (m = n; m->self != NODE_ROOT; m = NODE(t, m->parent))
		len += m->namelen + 1;
	if (len == 0)
		return xstrdup("/");
	s = xmalloc(len + 1);
	p = s + len;
	*p = '\0';
	for (m = n; m->self != NODE_ROOT; m = NODE(t, m->parent)) {
		p -= m->namelen;
		memcpy(p, m->name, m->namelen);
		*--p = '/';
	}
	return s;
}

/*
 * Resolve path from dir the way the kernel would inside a chroot at the
 * image root: lexically, ".." clamped at the root, an absolute path
 * starting over at the root, symlinks followed in every component but the
 * last (and the last too when follow is set).  *hops counts every symlink
 * followed, across the nested calls, like the kernel's total_link_count;
 * nesting is bounded by SYMLINK_HOPS.  Nothing outside the tree is ever
 * reached: the tree is all there is.
 */
static enum walk
resolve(struct tree *t, struct node *dir, const char *path, int follow,
    int *hops, struct node **out)
{
	const char *p = path, *c, *q;
	struct node *n;
	enum walk w;
	size_t len;
	int last;

	*out = NULL;
	if (*p == '/')
		dir = tree_root(t);
	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		c = p;
		while (*p != '\0' && *p != '/')
			p++;
		len = (size_t)(p - c);
		for (q = p; *q == '/'; q++)
			;
		last = *q == '\0';
		if (len == 1 && c[0] == '.')
			continue;
		if (len == 2 && c[0] == '.' && c[1] == '.') {
			if (dir->parent != 0)
				dir = NODE(t, dir->parent);
			continue;
		}
		n = node_lookup(t, dir, c, len);
		if (n == NULL)
			return WALK_MISSING;
		if (n->kind == ENTRY_SYMLINK && (!last || follow)) {
			const char *link = node_link(t, n);

			/* An empty target is ENOENT for the kernel too. */
			if (link == NULL || link[0] == '\0')
				return WALK_MISSING;
			if (++*hops > SYMLINK_HOPS)
				return WALK_LOOP;
			w = resolve(t, NODE(t, n->parent), link, 1, hops, &n);
			if (w != WALK_OK)
				return w;
		}
		if (!last && n->kind != ENTRY_DIR)
			return WALK_NOTDIR;
		dir = n;
	}
	*out = dir;
	return WALK_OK;
}

/*
 * The directory that holds path's last component; *base and *baselen get
 * that component.  A symlink in the middle of the path is followed when it
 * leads to a directory inside the tree, as containerd does when it applies
 * a layer (fs.RootPath): usr-merged images put "lib -> usr/lib" in the base
 * and later layers may well write through it.
 *
 * With create unset (whiteouts) a missing or blocked parent means there is
 * nothing to delete: NULL.  With create set, missing parents are made as
 * implicit directories, and a parent that is a file, a device or a symlink
 * that leads nowhere useful is replaced by a directory (*blocked tells the
 * caller to report it): containerd would refuse the layer, but the audit
 * goes on.
 */
static struct node *
parent_dir(struct tree *t, const char *path, int create, int layer,
    const char **base, size_t *baselen, int *blocked)
{
	struct node *dir = tree_root(t), *n, *r;
	const char *link;
	const char *p = path, *c;
	size_t len;
	int hops;

	*blocked = 0;
	for (;;) {
		while (*p == '/')
			p++;
		c = p;
		while (*p != '\0' && *p != '/')
			p++;
		len = (size_t)(p - c);
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		n = node_lookup(t, dir, c, len);
		if (n == NULL) {
			if (!create)
				return NULL;
			n = node_add(t, dir, c, len, ENTRY_DIR, layer);
			n->flags = NODE_IMPLICIT;
		} else if ((link = node_link(t, n)) != NULL &&
		    link[0] != '\0') {
			hops = 1;
			if (resolve(t, NODE(t, n->parent), link, 1, &hops, &r) ==
			    WALK_OK && r->kind == ENTRY_DIR)
				n = r;
		}
		if (n->kind != ENTRY_DIR) {
			if (!create)
				return NULL;
			*blocked = 1;
			node_clear(t, n);
			n->kind = ENTRY_DIR;
			n->flags = NODE_IMPLICIT;
			n->layer = layer;
		}
		dir = n;
	}
	*base = c;
	*baselen = len;
	return dir;
}

/* `.wh.NAME`: NAME and its subtree leave the tree (lower layers only). */
static void
apply_whiteout(struct tree *t, const struct layer_entry *e)
{
	struct node *dir, *n;
	const char *base;
	size_t len;
	int blocked;

	dir = parent_dir(t, e->path, 0, 0, &base, &len, &blocked);
	if (dir == NULL || len == 0)
		return;
	n = node_lookup(t, dir, base, len);
	if (n != NULL)
		node_delete(t, n);
}

/* `.wh..wh..opq`: every child the directory had from lower layers goes. */
static void
apply_opaque(struct tree *t, const struct layer_entry *e)
{
	struct node *dir, *n;
	const char *base;
	size_t len;
	int blocked;

	if (e->path[0] == '\0') {
		n = tree_root(t);
	} else {
		dir = parent_dir(t, e->path, 0, 0, &base, &len, &blocked);
		if (dir == NULL)
			return;
		n = node_lookup(t, dir, base, len);
	}
	if (n == NULL || n->kind != ENTRY_DIR)
		return;
	while (n->child != 0)
		node_delete(t, NODE(t, n->child));
}

/*
 * What a hard link becomes: it shares a regular file's inode, or copies a
 * symlink or a device it names (GNU tar links those too).  A link to a
 * missing path or to a directory becomes an empty file and a finding; it
 * is never followed further.
 */
static void
link_target(struct tree *t, const struct layer_entry *e, int layer,
    struct findings *f, int *kind, uint32_t *ino, const char **link)
{
	struct node *target = NULL;
	enum walk w = WALK_MISSING;
	int hops = 0;

	if (e->link != NULL && e->link[0] != '\0')
		w = resolve(t, tree_root(t), e->link, 0, &hops, &target);
	if (w == WALK_OK && target->self != NODE_ROOT) {
		switch (target->kind) {
		case ENTRY_FILE:
		case ENTRY_HARDLINK:
			*ino = target->data;
			return;
		case ENTRY_SYMLINK:
		case ENTRY_OTHER:
			*kind = target->kind;
			*link = node_link(t, target);
			return;
		default:
			break;
		}
	}
	if (f == NULL)
		return;
	if (w == WALK_OK)
		findings_add(f, "hardlink-directory",
		    "hard link to a directory", "layer %d: /%s -> /%s",
		    layer, e->path, e->link);
	else
		findings_add(f, "hardlink-missing",
		    "hard link to a missing file", "layer %d: /%s -> /%s",
		    layer, e->path,
		    e->link != NULL ? e->link : "");
}

/*
 * Place one entry.  A directory over a directory only takes the new
 * metadata and keeps its children; anything else replaces what was there,
 * subtree and data included.
 */
static void
apply_entry(struct tree *t, const struct layer_entry *e, int layer,
    struct findings *f)
{
	const char *link = e->link, *base;
	int kind = e->kind, blocked;
	uint32_t ino = 0;
	struct node *dir, *n;
	size_t len;

	if (kind == ENTRY_FILE)
		ino = inode_new(t, e, layer);
	else if (kind == ENTRY_HARDLINK)
		link_target(t, e, layer, f, &kind, &ino, &link);
	/*
	 * Hold the data before anything is removed: a hard link may name the
	 * very path it replaces, or a file inside the directory it replaces.
	 */
	if (ino != 0)
		t->ino[ino].refs++;

	dir = parent_dir(t, e->path, 1, layer, &base, &len, &blocked);
	if (blocked && f != NULL)
		findings_add(f, "path-under-file",
		    "entry under a path that is not a directory",
		    "layer %d: /%s (a parent was replaced by a directory)",
		    layer, e->path);
	n = node_lookup(t, dir, base, len);
	if (n != NULL && n->kind == ENTRY_DIR && kind == ENTRY_DIR) {
		n->layer = layer;
		n->flags &= (uint8_t)~NODE_IMPLICIT;
		return;
	}
	if (n != NULL)
		node_clear(t, n);
	else
		n = node_add(t, dir, base, len, kind, layer);
	n->kind = (uint8_t)kind;
	n->layer = layer;
	n->data = kind == ENTRY_SYMLINK ? link_new(t, link) : ino;
}

struct tree *
tree_new(void)
{
	struct tree *t = xcalloc(1, sizeof(*t));
	struct node *root;

	t->nextid = NODE_ROOT;	/* id 0 is "none" and never handed out */
	root = node_alloc(t);
	root->kind = ENTRY_DIR;
	t->nbucket = 1024;
	t->bucket = xcalloc(t->nbucket, sizeof(*t->bucket));
	return t;
}

/*
 * Whiteouts and opaque markers first: they apply to the lower layers only,
 * wherever they sit in this layer's tar.  Then the other entries in tar
 * order, so a later entry for the same path wins as it would on extraction.
 * An entry that cannot be placed (unsafe name, empty path) still brought its
 * data along: that data gets an inode no name reaches, which is waste.
 * The layer reader never makes a path longer than PATH_MAX; a longer one
 * (a cached result from elsewhere) is not placed either.
 */
void
tree_apply(struct tree *t, const struct layer_result *r, int index,
    struct findings *findings)
{
	const struct layer_entry *e;
	size_t i;

	if (t == NULL || r == NULL || index < 0)
		return;
	if ((size_t)index >= t->n_layers)
		t->n_layers = (size_t)index + 1;
	for (i = 0; i < r->n_entries; i++) {
		e = &r->entries[i];
		if ((e->flags & ENTRY_F_UNSAFE) || e->path == NULL ||
		    strlen(e->path) > TREE_PATH_MAX)
			continue;
		if (e->kind == ENTRY_WHITEOUT)
			apply_whiteout(t, e);
		else if (e->kind == ENTRY_OPAQUE)
			apply_opaque(t, e);
	}
	for (i = 0; i < r->n_entries; i++) {
		e = &r->entries[i];
		if (e->kind == ENTRY_WHITEOUT || e->kind == ENTRY_OPAQUE)
			continue;
		if ((e->flags & ENTRY_F_UNSAFE) || e->path == NULL ||
		    e->path[0] == '\0' || strlen(e->path) > TREE_PATH_MAX) {
			if (e->kind == ENTRY_FILE && e->path != NULL)
				inode_new(t, e, index);
			continue;
		}
		apply_entry(t, e, index, findings);
	}
}

void
tree_finish(struct tree *t, struct tree_totals *totals,
    struct findings *findings)
{
	struct node *n, *to;
	const struct inode *x;
	const char *link;
	char *path;
	size_t i;
	int hops;

	memset(totals, 0, sizeof(*totals));
	free(t->layer_wasted);
	t->layer_wasted = xcalloc(t->n_layers ? t->n_layers : 1,
	    sizeof(*t->layer_wasted));
	for (i = 1; i < t->nino; i++) {
		x = &t->ino[i];
		if (x->refs > 0)
			totals->final_bytes += x->size;
		else if (x->layer >= 0 && (size_t)x->layer < t->n_layers)
			t->layer_wasted[x->layer] += x->size;
	}
	for (i = 0; i < t->n_layers; i++)
		totals->wasted_bytes += t->layer_wasted[i];
	totals->layer_wasted = t->layer_wasted;
	totals->n_layers = t->n_layers;
	totals->final_entries = (int64_t)t->nnodes;

	/*
	 * Children lists keep the order of the entries, never of the hash,
	 * so the findings come out in the same order on every run.
	 */
	for (n = tree_node_next(t, tree_root(t)); n != NULL;
	    n = tree_node_next(t, n)) {
		if (n->kind == ENTRY_FILE || n->kind == ENTRY_HARDLINK)
			totals->final_files++;
		link = node_link(t, n);
		if (link == NULL || link[0] == '\0' || findings == NULL)
			continue;
		/* Dangling links are normal in images (/proc, /dev): only
		 * loops are reported. */
		hops = 1;
		if (resolve(t, NODE(t, n->parent), link, 1, &hops, &to) !=
		    WALK_LOOP)
			continue;
		path = tree_node_path(t, n);
		findings_add(findings, "symlink-loop", "symbolic link loop",
		    "%s -> %s", path, link);
		free(path);
	}
}

void
tree_free(struct tree *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nchunk; i++)
		free(t->chunkv[i]);
	free(t->chunkv);
	free(t->bucket);
	free(t->ino);
	free(t->links);
	free(t->layer_wasted);
	free(t);
}

static void
node_stat(const struct tree *t, const struct node *n, struct tree_stat *st)
{
	st->kind = n->kind == ENTRY_HARDLINK ? ENTRY_FILE : n->kind;
	uint32_t ino = node_ino(n);

	st->data = ino;
	st->size = ino != 0 ? t->ino[ino].size : 0;
	st->layer = ino != 0 ? t->ino[ino].layer : n->layer;
	st->node = n;
}

int
tree_stat(struct tree *t, const char *path, struct tree_stat *st)
{
	struct node *n;
	int hops = 0;

	if (resolve(t, tree_root(t), path, 0, &hops, &n) != WALK_OK)
		return -1;
	node_stat(t, n, st);
	return 0;
}

int
tree_stat_follow(struct tree *t, const char *path, struct tree_stat *st)
{
	struct node *n;
	int hops = 0;

	if (resolve(t, tree_root(t), path, 1, &hops, &n) != WALK_OK)
		return -1;
	node_stat(t, n, st);
	return 0;
}

void
tree_final_captures(struct tree *t, struct layer_result **layers,
    size_t n_layers, bool (*want)(const char *path),
    void (*fn)(void *ctx, const char *path, const char *data, size_t len,
    int layer), void *ctx)
{
	uint8_t *seen = xcalloc(tree_data_count(t), 1);
	size_t i, j;

	/*
	 * Within a layer the last entry first: when a tar holds a path twice,
	 * the later one is what the tree shows.
	 */
	for (i = n_layers; i-- > 0;) {
		const struct layer_result *r = layers[i];

		for (j = r->n_captures; j-- > 0;) {
			const struct layer_capture *c = &r->captures[j];
			const char *path = r->entries[c->entry].path;
			struct tree_stat st;

			if (!want(path) || tree_stat(t, path, &st) != 0 ||
			    st.kind != ENTRY_FILE || st.layer != (int)i ||
			    st.data == 0 || seen[st.data])
				continue;
			seen[st.data] = 1;
			fn(ctx, path, c->data, c->len, (int)i);
		}
	}
	free(seen);
}

size_t
tree_data_count(const struct tree *t)
{
	return t->nino > 0 ? t->nino : 1;
}

/*
 * Pre-order walk with the path kept in one growing buffer: entering a
 * node appends "/name", leaving it cuts back, so a walk of a million
 * nodes builds no path twice.  Depth is unbounded (a hostile layer can nest
 * 10,000 directories), so the walk climbs parent links instead of
 * recursing.
 */
int
tree_walk(struct tree *t, const char *top, tree_walk_fn fn, void *ctx)
{
	struct node *start, *n;
	struct tree_stat st;
	size_t len, cap = 256;
	char *buf;
	int hops = 0, rc;

	if (resolve(t, tree_root(t), top, 1, &hops, &start) != WALK_OK)
		return -1;
	buf = xmalloc(cap);
	len = 0;
	if (start->self != NODE_ROOT) {
		char *p = tree_node_path(t, start);

		len = strlen(p + 1);
		xgrow((void **)&buf, &cap, len + 1, 1);
		memcpy(buf, p + 1, len + 1);
		free(p);
		node_stat(t, start, &st);
		rc = fn(ctx, buf, len, &st);
		if (rc != TREE_WALK_CONTINUE || start->kind != ENTRY_DIR)
			goto out;
	}
	n = NODE(t, start->child);
	while (n != NULL) {
		size_t at = len;

		xgrow((void **)&buf, &cap, len + n->namelen + 2, 1);
		if (len > 0)
			buf[len++] = '/';
		memcpy(buf + len, n->name, n->namelen);
		len += n->namelen;
		buf[len] = '\0';
		node_stat(t, n, &st);
		rc = fn(ctx, buf, len, &st);
		if (rc == TREE_WALK_STOP)
			break;
		if (rc == TREE_WALK_CONTINUE && n->child != 0) {
			n = NODE(t, n->child);
			continue;
		}
		/* Leave n, then every ancestor whose children are done. */
		len = at;
		while (n->next == 0) {
			n = NODE(t, n->parent);
			if (n == start)
				goto out;
			len = len > n->namelen ? len - n->namelen : 0;
			if (len > 0)
				len--;	/* the '/' before the name */
		}
		n = NODE(t, n->next);
	}
out:
	free(buf);
	return 0;
}
