/* SPDX-License-Identifier: MIT */
/*
 * owners.c: attribute the final tree's files to the packages that list
 * them, and group what no package lists.
 *
 * The package databases come from the layer reader's captures (only the
 * final tree's version of each database file is parsed); the readers in
 * pkgdb*.c turn them into packages with file lists.  Here each listed path
 * is looked up in the final tree, symlinked directories followed the way
 * the container sees them (Debian's .list files say /bin/bash; with
 * usrmerge the data is at /usr/bin/bash).  Ownership is kept per data id,
 * so a hard-linked file counts once.  Dependency graphs and closures are
 * deps.c's; this file only counts.
 */
#include <stdlib.h>
#include <string.h>

#include "owners.h"

#define UNOWNED_COUNTED	UINT32_MAX	/* owner[] mark during the final walk */

/* ---- reading the databases ---- */

static void
add_db_file(void *ctx, const char *path, const char *data, size_t len,
    int layer)
{
	pkgdb_add_file(ctx, path, data, len, layer);
}

struct pkgdb *
owners_read_db(struct tree *t, struct layer_result **layers, size_t n_layers,
    int64_t file_max)
{
	struct pkgdb *db = pkgdb_new();

	db->file_max = file_max;
	tree_final_captures(t, layers, n_layers, pkgdb_wants, add_db_file, db);
	pkgdb_finish(db);
	return db;
}

/* ---- the set of every path any layer held (for "deleted" vs "missing") */

struct pathset {
	const char **v;		/* open addressing; NULL = empty */
	size_t mask;
};

static uint32_t
str_hash(const char *s)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	while (*s != '\0')
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

static void
pathset_build(struct pathset *ps, struct layer_result **layers, size_t n)
{
	size_t i, j, total = 0, cap = 16;

	for (i = 0; i < n; i++)
		total += layers[i]->n_entries;
	while (cap < total * 2)
		cap *= 2;
	ps->v = xcalloc(cap, sizeof(*ps->v));
	ps->mask = cap - 1;
	for (i = 0; i < n; i++)
		for (j = 0; j < layers[i]->n_entries; j++) {
			const char *p = layers[i]->entries[j].path;
			size_t k = str_hash(p) & ps->mask;

			if (layers[i]->entries[j].flags & ENTRY_F_UNSAFE)
				continue;
			while (ps->v[k] != NULL && strcmp(ps->v[k], p) != 0)
				k = (k + 1) & ps->mask;
			ps->v[k] = p;
		}
}

static int
pathset_has(const struct pathset *ps, const char *p)
{
	size_t k = str_hash(p) & ps->mask;

	while (ps->v[k] != NULL) {
		if (strcmp(ps->v[k], p) == 0)
			return 1;
		k = (k + 1) & ps->mask;
	}
	return 0;
}

/* ---- tree nodes seen, and who owns a symlink ---- */

struct nodemap {
	const void **key;	/* open addressing; NULL = empty */
	uint32_t *val;
	size_t n, mask;
};

static size_t
ptr_slot(const struct nodemap *m, const void *p)
{
	size_t k = ((uintptr_t)p >> 4) * 2654435761u & m->mask;

	while (m->key[k] != NULL && m->key[k] != p)
		k = (k + 1) & m->mask;
	return k;
}

/* Insert p with val unless present; returns 1 when it was new. */
static int
nodemap_add(struct nodemap *m, const void *p, uint32_t val)
{
	size_t k;

	if (m->key == NULL || (m->n + 1) * 2 > m->mask + 1) {
		struct nodemap old = *m;
		size_t cap = m->key ? (m->mask + 1) * 2 : 64, i;

		m->key = xcalloc(cap, sizeof(*m->key));
		m->val = xcalloc(cap, sizeof(*m->val));
		m->mask = cap - 1;
		m->n = 0;
		for (i = 0; old.key != NULL && i <= old.mask; i++)
			if (old.key[i] != NULL)
				nodemap_add(m, old.key[i], old.val[i]);
		free(old.key);
		free(old.val);
	}
	k = ptr_slot(m, p);
	if (m->key[k] != NULL)
		return 0;
	m->key[k] = p;
	m->val[k] = val;
	m->n++;
	return 1;
}

static uint32_t
nodemap_get(const struct nodemap *m, const void *p)
{
	size_t k;

	if (m->key == NULL)
		return 0;
	k = ptr_slot(m, p);
	return m->key[k] != NULL ? m->val[k] : 0;
}

static void
nodemap_clear(struct nodemap *m)
{
	if (m->key != NULL && m->n > 0) {
		memset(m->key, 0, (m->mask + 1) * sizeof(*m->key));
		m->n = 0;
	}
}

static void
nodemap_free(struct nodemap *m)
{
	free(m->key);
	free(m->val);
	memset(m, 0, sizeof(*m));
}

/* ---- claiming ---- */

struct overlap {
	size_t winner, loser;
	int64_t files, bytes;
	const char *example;	/* one listed path, borrowed from the db */
};

struct build {
	struct tree *t;
	struct owners *o;
	struct pathset paths;
	int have_paths;
	struct layer_result **layers;
	size_t n_layers;
	uint32_t *stamp;	/* per data id: package index + 1 last counted */
	struct nodemap names;	/* names the current package listed */
	struct nodemap links;	/* symlink -> package index + 1 */
	struct overlap *ov;
	size_t n_ov, ov_cap, last_ov;
	size_t cur;		/* package being visited */
	int pass;
};

/* Does package a's claim beat package b's?  Newest database wins. */
static int
beats(const struct pkgdb *db, size_t a, size_t b)
{
	if (db->v[a].dblayer != db->v[b].dblayer)
		return db->v[a].dblayer > db->v[b].dblayer;
	return a < b;
}

static void
note_overlap(struct build *b, size_t winner, size_t loser, int64_t size,
    const char *path)
{
	struct overlap *v;
	size_t i;

	if (b->n_ov > 0 && b->ov[b->last_ov].winner == winner &&
	    b->ov[b->last_ov].loser == loser)
		i = b->last_ov;
	else {
		for (i = 0; i < b->n_ov; i++)
			if (b->ov[i].winner == winner && b->ov[i].loser == loser)
				break;
		if (i == b->n_ov) {
			xgrow((void **)&b->ov, &b->ov_cap, b->n_ov + 1,
			    sizeof(*b->ov));
			memset(&b->ov[i], 0, sizeof(b->ov[i]));
			b->ov[i].winner = winner;
			b->ov[i].loser = loser;
			b->ov[i].example = path;
			b->n_ov++;
		}
	}
	b->last_ov = i;
	v = &b->ov[i];
	v->files++;
	v->bytes += size;
}

/*
 * One file of the current package, found in the final tree.  Pass 1 hands
 * out data ids; pass 2 counts what each package kept.
 */
static void
visit_file(struct build *b, const char *path, const struct tree_stat *st)
{
	struct owners *o = b->o;
	struct pkg_stats *ps = &o->stats[b->cur];
	uint32_t me = (uint32_t)b->cur + 1;

	if (b->pass == 2 && !nodemap_add(&b->names, st->node, 1))
		return;		/* the same name listed twice (usrmerge) */
	if (st->kind == ENTRY_SYMLINK) {
		if (b->pass == 2) {
			ps->links++;
			nodemap_add(&b->links, st->node, me);
		}
		return;
	}
	if (st->kind != ENTRY_FILE || st->data == 0)
		return;
	if (b->pass == 1) {
		uint32_t cur = o->owner[st->data];

		if (cur == 0 || cur == me)
			o->owner[st->data] = me;
		else if (beats(o->db, b->cur, cur - 1)) {
			note_overlap(b, b->cur, cur - 1, st->size, path);
			o->owner[st->data] = me;
		} else
			note_overlap(b, cur - 1, b->cur, st->size, path);
		return;
	}
	if (o->owner[st->data] != me) {
		ps->shadowed_files++;
		return;
	}
	/* Every name is a file (as final_files counts); data counts once. */
	ps->files++;
	if (b->stamp[st->data] == me)
		return;
	b->stamp[st->data] = me;
	ps->bytes += st->size;
	if (st->layer >= 0 && (size_t)st->layer < o->n_layers)
		ps->layer_bytes[st->layer] += st->size;
}

static void
visit_missing(struct build *b, const char *path)
{
	struct pkg_stats *ps = &b->o->stats[b->cur];

	if (b->pass != 2)
		return;
	if (!b->have_paths) {
		pathset_build(&b->paths, b->layers, b->n_layers);
		b->have_paths = 1;
	}
	if (pathset_has(&b->paths, path))
		ps->deleted_files++;
	else
		ps->missing_files++;
}

/* npm: everything below the package's folder but nested node_modules. */
static int
visit_npm(void *ctx, const char *path, size_t len, const struct tree_stat *st)
{
	struct build *b = ctx;
	const char *base = memrchr(path, '/', len);

	base = base ? base + 1 : path;
	if (st->kind == ENTRY_DIR && strcmp(base, "node_modules") == 0)
		return TREE_WALK_PRUNE;
	visit_file(b, path, st);
	return TREE_WALK_CONTINUE;
}

static void
visit_package(struct build *b, size_t i)
{
	const struct pkg *p = &b->o->db->v[i];
	struct tree_stat st;
	size_t k;

	b->cur = i;
	nodemap_clear(&b->names);
	if (p->root != NULL) {
		if (tree_walk(b->t, p->root, visit_npm, b) != 0)
			visit_missing(b, p->root);
		return;
	}
	for (k = 0; k < p->n_files; k++) {
		if (tree_stat(b->t, p->files[k], &st) == 0)
			visit_file(b, p->files[k], &st);
		else
			visit_missing(b, p->files[k]);
	}
}

/* ---- what nobody owns ---- */

struct groups {
	struct owners *o;
	struct build *b;
	size_t *slot;		/* open addressing into o->unowned; SIZE_MAX */
	size_t mask;		/* = empty */
	size_t cap;		/* of o->unowned */
};

static size_t
group_len(const char *path, size_t len)
{
	static const char *const stops[] = {
		"site-packages/", "dist-packages/", "node_modules/"
	};
	const char *s, *e;
	size_t i, depth, n;

	for (i = 0; i < sizeof(stops) / sizeof(stops[0]); i++) {
		size_t sl = strlen(stops[i]);

		for (s = path; (s = memmem(s, len - (size_t)(s - path),
		    stops[i], sl)) != NULL; s++) {
			if (s != path && s[-1] != '/')
				continue;
			e = memchr(s + sl, '/', len - (size_t)(s + sl - path));
			return e ? (size_t)(e - path) : (size_t)(s + sl - 1 -
			    path);
		}
	}
	depth = (strncmp(path, "usr/", 4) == 0 ||
	    strncmp(path, "var/", 4) == 0) ? 3 : 2;
	for (n = 0, e = path; n < depth; n++) {
		e = memchr(e, '/', len - (size_t)(e - path));
		if (e == NULL)
			break;
		if (n + 1 < depth)
			e++;
	}
	if (e != NULL)
		return (size_t)(e - path);
	/* Fewer components: the file's own directory. */
	e = memrchr(path, '/', len);
	return e ? (size_t)(e - path) : 0;
}

static void
group_add(struct groups *g, const char *path, size_t len, int64_t size)
{
	struct owners *o = g->o;
	size_t glen = group_len(path, len), k, i;
	uint32_t h = 2166136261u;

	for (k = 0; k < glen; k++)
		h = (h ^ (uint8_t)path[k]) * 16777619u;
	for (k = h & g->mask; g->slot[k] != SIZE_MAX; k = (k + 1) & g->mask) {
		struct unowned_dir *d = &o->unowned[g->slot[k]];

		if (strlen(d->path) == glen + 1 &&
		    memcmp(d->path + 1, path, glen) == 0)
			break;
	}
	if (g->slot[k] == SIZE_MAX) {
		if ((o->n_unowned + 1) * 2 > g->mask + 1) {
			/* Grow the table and place every group again. */
			size_t cap = (g->mask + 1) * 2, j;

			free(g->slot);
			g->slot = xmalloc(cap * sizeof(*g->slot));
			memset(g->slot, 0xff, cap * sizeof(*g->slot));
			g->mask = cap - 1;
			for (j = 0; j < o->n_unowned; j++) {
				const char *q = o->unowned[j].path + 1;
				uint32_t hh = 2166136261u;

				while (*q != '\0')
					hh = (hh ^ (uint8_t)*q++) * 16777619u;
				for (k = hh & g->mask; g->slot[k] != SIZE_MAX;
				    k = (k + 1) & g->mask)
					;
				g->slot[k] = j;
			}
			group_add(g, path, len, size);
			return;
		}
		i = o->n_unowned;
		xgrow((void **)&o->unowned, &g->cap, i + 1,
		    sizeof(*o->unowned));
		o->unowned[i].path = xmalloc(glen + 2);
		o->unowned[i].path[0] = '/';
		memcpy(o->unowned[i].path + 1, path, glen);
		o->unowned[i].path[glen + 1] = '\0';
		o->unowned[i].bytes = 0;
		o->unowned[i].files = 0;
		o->n_unowned++;
		g->slot[k] = i;
	}
	o->unowned[g->slot[k]].bytes += size;
	o->unowned[g->slot[k]].files++;
}

/*
 * `d/__pycache__/m.cpython-311.pyc` (or `.opt-1.pyc`) next to an owned
 * `d/m.py`: the package of m.py, or 0.
 */
static uint32_t
pyc_source_owner(struct build *b, const char *path, size_t len)
{
	static const char cache[] = "__pycache__/";
	const char *base = memrchr(path, '/', len), *dot;
	size_t dlen, blen;
	struct tree_stat st;
	char *src;
	uint32_t who = 0;

	if (base == NULL || len < 4 || memcmp(path + len - 4, ".pyc", 4) != 0)
		return 0;
	base++;
	dlen = (size_t)(base - path);
	if (dlen < sizeof(cache) - 1 || memcmp(base - (sizeof(cache) - 1),
	    cache, sizeof(cache) - 1) != 0)
		return 0;
	dot = memchr(base, '.', len - dlen);
	if (dot == NULL)
		return 0;
	blen = (size_t)(dot - base);
	dlen -= sizeof(cache) - 1;		/* "d/" */
	src = xmalloc(dlen + blen + 4);
	memcpy(src, path, dlen);
	memcpy(src + dlen, base, blen);
	memcpy(src + dlen + blen, ".py", 4);
	if (tree_stat(b->t, src, &st) == 0) {
		if (st.kind == ENTRY_FILE && st.data != 0 &&
		    b->o->owner[st.data] != UNOWNED_COUNTED)
			who = b->o->owner[st.data];
		else if (st.kind == ENTRY_SYMLINK)
			who = nodemap_get(&b->links, st.node);
	}
	free(src);
	return who;
}

static int
visit_unowned(void *ctx, const char *path, size_t len,
    const struct tree_stat *st)
{
	struct groups *g = ctx;
	struct owners *o = g->o;
	uint32_t who;

	if (st->kind != ENTRY_FILE || st->data == 0 ||
	    o->owner[st->data] != 0)
		return TREE_WALK_CONTINUE;
	who = pyc_source_owner(g->b, path, len);
	if (who != 0) {
		struct pkg_stats *ps = &o->stats[who - 1];

		o->owner[st->data] = who;
		ps->bytes += st->size;
		ps->derived_bytes += st->size;
		ps->files++;
		if (st->layer >= 0 && (size_t)st->layer < o->n_layers)
			ps->layer_bytes[st->layer] += st->size;
		return TREE_WALK_CONTINUE;
	}
	o->owner[st->data] = UNOWNED_COUNTED;
	group_add(g, path, len, st->size);
	o->unowned_bytes += st->size;
	o->unowned_files++;
	return TREE_WALK_CONTINUE;
}

static int
unowned_cmp(const void *pa, const void *pb)
{
	const struct unowned_dir *a = pa, *b = pb;

	if (a->bytes != b->bytes)
		return a->bytes > b->bytes ? -1 : 1;
	return strcmp(a->path, b->path);
}

static void
overlap_findings(struct build *b)
{
	struct pkgdb *db = b->o->db;
	size_t i;

	for (i = 0; i < b->n_ov; i++) {
		const struct overlap *v = &b->ov[i];
		const struct pkg *w = &db->v[v->winner], *l = &db->v[v->loser];

		findings_add(&b->o->findings, "package-overlap",
		    "files claimed by two packages",
		    "%lld file(s), %lld bytes, e.g. /%s: listed by %s %s "
		    "(%s) and %s %s (%s); counted for %s, whose database is "
		    "newer", (long long)v->files, (long long)v->bytes,
		    v->example, pkg_ecosystem_name(w->eco), w->name,
		    w->dbpath ? w->dbpath : "?", pkg_ecosystem_name(l->eco),
		    l->name, l->dbpath ? l->dbpath : "?", w->name);
	}
}

struct owners *
owners_build(struct tree *t, struct pkgdb *db, struct layer_result **layers,
    size_t n_layers)
{
	struct owners *o = xcalloc(1, sizeof(*o));
	struct build b;
	struct groups g;
	size_t i, *order;

	o->db = db;
	o->n_layers = n_layers;
	o->n_owner = tree_data_count(t);
	o->owner = xcalloc(o->n_owner, sizeof(*o->owner));
	o->stats = xcalloc(db->n ? db->n : 1, sizeof(*o->stats));
	for (i = 0; i < db->n; i++)
		o->stats[i].layer_bytes = xcalloc(n_layers ? n_layers : 1,
		    sizeof(int64_t));

	memset(&b, 0, sizeof(b));
	b.t = t;
	b.o = o;
	b.layers = layers;
	b.n_layers = n_layers;
	b.stamp = xcalloc(o->n_owner, sizeof(*b.stamp));

	/* Packages with file lists first: npm folders take what is left. */
	order = xmalloc((db->n ? db->n : 1) * sizeof(*order));
	for (i = 0; i < db->n; i++)
		order[i] = i;
	for (b.pass = 1; b.pass <= 2; b.pass++) {
		for (i = 0; i < db->n; i++)
			if (db->v[order[i]].root == NULL)
				visit_package(&b, order[i]);
		for (i = 0; i < db->n; i++)
			if (db->v[order[i]].root != NULL)
				visit_package(&b, order[i]);
	}
	free(order);
	overlap_findings(&b);

	memset(&g, 0, sizeof(g));
	g.o = o;
	g.b = &b;
	g.mask = 63;
	g.slot = xmalloc((g.mask + 1) * sizeof(*g.slot));
	memset(g.slot, 0xff, (g.mask + 1) * sizeof(*g.slot));
	tree_walk(t, "", visit_unowned, &g);
	free(g.slot);
	for (i = 0; i < o->n_owner; i++)
		if (o->owner[i] == UNOWNED_COUNTED)
			o->owner[i] = 0;
	if (o->n_unowned > 1)
		qsort(o->unowned, o->n_unowned, sizeof(*o->unowned),
		    unowned_cmp);
	for (i = 0; i < db->n; i++) {
		o->owned_bytes += o->stats[i].bytes;
		o->owned_files += o->stats[i].files;
	}

	free(b.stamp);
	nodemap_free(&b.names);
	nodemap_free(&b.links);
	free(b.ov);
	free(b.paths.v);
	return o;
}

void
owners_free(struct owners *o)
{
	size_t i;

	if (o == NULL)
		return;
	for (i = 0; i < o->db->n; i++)
		free(o->stats[i].layer_bytes);
	free(o->stats);
	for (i = 0; i < o->n_unowned; i++)
		free(o->unowned[i].path);
	free(o->unowned);
	free(o->owner);
	findings_free(&o->findings);
	free(o);
}
