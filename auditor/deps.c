/* SPDX-License-Identifier: MIT */
/*
 * deps.c: resolve each package's requirements against the installed set,
 * and compute what a removal frees — the way apt (purge, then autoremove)
 * or pip-autoremove would decide, so that the fix command a report prints
 * frees the bytes it claims.
 *
 * The graph is small (hundreds to a few thousand packages), so closures
 * are plain mark-and-sweep passes over arrays, recomputed per question:
 * one removal costs O(packages + edges + its sets), all of them together
 * O(n (n + e)).  A hostile database makes that quadratic in earnest (a
 * chain of n packages, each needing the next, has removal sets of n²/2
 * members), so every step is charged to a budget (deps.h) and what is
 * past it is left out, said in a finding, rather than computed for
 * minutes and hundreds of MB.  File ownership and sizes come from
 * owners.c; this file never looks at the tree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deps.h"

#define DEPS_SAT_MAX	64	/* satisfiers kept per requirement */
/*
 * A fix command names at most this many packages (no one pastes more); a
 * hostile chain of thousands would otherwise give each package a command
 * thousands of names long.
 */
#define FIX_NAMES_MAX	256

struct group {
	size_t *sat;		/* installed packages that satisfy it */
	size_t n_sat;
	enum dep_kind kind;
};

struct gnode {
	struct group *g;
	size_t n;
};

struct provider {
	const char *name;
	size_t pkg;
};

struct list {
	size_t *v;
	size_t n;
};

struct priv {
	struct gnode *gn;	/* per package */
	struct list *rec_by;	/* per package: who recommends it, ascending */
	size_t *by_name;	/* package indexes by name (ties by index) */
	uint8_t *orphan;	/* dpkg: autoremove would remove it already */
	int orphans_done;
	size_t cut;		/* requirements past DEPS_EDGES_MAX, dropped */
	uint8_t *mark, *in;	/* scratch, one byte per package */
	size_t *stack;
};

static int
is_hard(enum dep_kind k)
{
	return k == DEP_DEPENDS || k == DEP_PREDEPENDS;
}

static int
provider_cmp(const void *pa, const void *pb)
{
	const struct provider *a = pa, *b = pb;

	return strcmp(a->name, b->name);
}

/*
 * The capacity xgrow() gave an array that only ever grew by one from
 * empty: 16, 32, 64 ... (the arrays here keep a count, not a capacity).
 * Passing the count instead made every append reallocate and copy.
 */
static size_t
grown_cap(size_t n)
{
	size_t c = 16;

	if (n == 0)
		return 0;
	while (c < n)
		c *= 2;
	return c;
}

/*
 * Append x to *v unless seen[x]; set seen[x].  A hostile database can give
 * one requirement thousands of satisfiers (a stanza repeated), where a
 * scan of *v for x would be quadratic.  unflag() clears seen[] again.
 */
static void
push_flagged(size_t **v, size_t *n, uint8_t *seen, size_t x)
{
	size_t cap = grown_cap(*n);

	if (seen[x])
		return;
	seen[x] = 1;
	xgrow((void **)v, &cap, *n + 1, sizeof(**v));
	(*v)[(*n)++] = x;
}

static void
unflag(const size_t *v, size_t n, uint8_t *seen)
{
	size_t i;

	for (i = 0; i < n; i++)
		seen[v[i]] = 0;
}

/*
 * Every installed package of ecosystem e that answers to name; seen[] flags
 * what g->sat already holds.  At most DEPS_SAT_MAX: no real requirement has
 * more installed satisfiers than a handful, and a hostile database (one
 * stanza repeated thousands of times) would make every removal walk
 * millions of edges.
 */
static void
satisfiers(struct pkgdb *db, const struct provider *prov, size_t nprov,
    enum pkg_ecosystem e, const char *name, size_t self, struct group *g,
    uint8_t *seen)
{
	struct pkg *p = pkgdb_find(db, e, name);
	const struct provider *hit;
	size_t i, lo = 0, hi = nprov;

	/*
	 * The loops stop at the cap: a name that thousands of packages
	 * answer to would otherwise cost thousands of steps per mention.
	 */
	if (p != NULL)
		for (i = (size_t)(p - db->v); i < db->n && db->v[i].eco == e &&
		    g->n_sat < DEPS_SAT_MAX &&
		    strcmp(db->v[i].key, name) == 0; i++)
			if (i != self)
				push_flagged(&g->sat, &g->n_sat, seen, i);
	/* The first provider of name (bsearch() finds any one). */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(prov[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (hit = prov + lo; hit < prov + nprov && g->n_sat < DEPS_SAT_MAX &&
	    strcmp(hit->name, name) == 0; hit++)
		if (db->v[hit->pkg].eco == e && hit->pkg != self)
			push_flagged(&g->sat, &g->n_sat, seen, hit->pkg);
}

static const struct pkgdb *sort_db;	/* qsort has no context argument */

/* By name, then by index: the order removal sets are listed in. */
static int
name_index_cmp(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	int c = strcmp(sort_db->v[a].name, sort_db->v[b].name);

	return c != 0 ? c : (a > b) - (a < b);
}

struct deps *
deps_build(struct pkgdb *db, const struct owners *own)
{
	struct deps *d = xcalloc(1, sizeof(*d));
	struct priv *pv = xcalloc(1, sizeof(*pv));
	struct provider *prov = NULL;
	size_t nprov = 0, provcap = 0, i, j, k, n = db->n ? db->n : 1;
	size_t edges = 0;

	d->db = db;
	d->own = own;
	d->priv = pv;
	d->node = xcalloc(n, sizeof(*d->node));
	pv->gn = xcalloc(n, sizeof(*pv->gn));
	pv->orphan = xcalloc(n, 1);
	pv->mark = xcalloc(n, 1);
	pv->in = xcalloc(n, 1);
	pv->stack = xcalloc(n, sizeof(*pv->stack));
	pv->rec_by = xcalloc(n, sizeof(*pv->rec_by));
	pv->by_name = xcalloc(n, sizeof(*pv->by_name));
	for (i = 0; i < db->n; i++)
		pv->by_name[i] = i;
	sort_db = db;
	if (db->n > 1)
		qsort(pv->by_name, db->n, sizeof(size_t), name_index_cmp);

	/*
	 * Providers and satisfiers share one ceiling: 64 MiB of "Provides:
	 * v, v, v" or of requirements met by 64 packages each would
	 * otherwise make a graph of gigabytes.
	 */
	for (i = 0; i < db->n; i++)
		for (j = 0; j < db->v[i].n_provides; j++) {
			if (nprov >= DEPS_EDGES_MAX) {
				pv->cut++;
				continue;
			}
			xgrow((void **)&prov, &provcap, nprov + 1,
			    sizeof(*prov));
			prov[nprov].name = db->v[i].provides[j];
			prov[nprov++].pkg = i;
		}
	if (nprov > 0)
		qsort(prov, nprov, sizeof(*prov), provider_cmp);
	edges = nprov;

	for (i = 0; i < db->n; i++) {
		const struct pkg *p = &db->v[i];
		struct gnode *gn = &pv->gn[i];
		struct dep_node *dn = &d->node[i];

		gn->g = xcalloc(p->n_deps ? p->n_deps : 1, sizeof(*gn->g));
		for (j = 0; j < p->n_deps; j++) {
			const struct pkg_dep *dep = &p->deps[j];
			struct group *g = &gn->g[gn->n];

			if (dep->kind != DEP_DEPENDS &&
			    dep->kind != DEP_PREDEPENDS &&
			    dep->kind != DEP_RECOMMENDS)
				continue;
			if (edges >= DEPS_EDGES_MAX) {
				pv->cut++;
				continue;
			}
			g->kind = dep->kind;
			for (k = 0; k < dep->n_alts; k++)
				satisfiers(db, prov, nprov, p->eco,
				    dep->alts[k], i, g, pv->mark);
			unflag(g->sat, g->n_sat, pv->mark);
			edges += g->n_sat;
			if (g->n_sat == 0) {
				free(g->sat);
				g->sat = NULL;
				if (is_hard(dep->kind)) {
					size_t cap = grown_cap(dn->n_unresolved);

					xgrow((void **)&dn->unresolved, &cap,
					    dn->n_unresolved + 1,
					    sizeof(char *));
					dn->unresolved[dn->n_unresolved++] =
					    xstrdup(dep->text ? dep->text :
					    (dep->n_alts ? dep->alts[0] : "?"));
				}
				continue;
			}
			gn->n++;
			for (k = 0; k < g->n_sat; k++) {
				struct dep_node *sn = &d->node[g->sat[k]];
				size_t last = sn->n_required_by;
				size_t cap = grown_cap(last);

				if (!is_hard(g->kind)) {
					struct list *rb = &pv->rec_by[g->sat[k]];

					push_flagged(&dn->recommends,
					    &dn->n_recommends, pv->orphan,
					    g->sat[k]);
					if (rb->n > 0 && rb->v[rb->n - 1] == i)
						continue;
					cap = grown_cap(rb->n);
					xgrow((void **)&rb->v, &cap, rb->n + 1,
					    sizeof(size_t));
					rb->v[rb->n++] = i;
					continue;
				}
				push_flagged(&dn->requires, &dn->n_requires,
				    pv->in, g->sat[k]);
				/* i's edges come together: a repeat is last. */
				if (last > 0 && sn->required_by[last - 1] == i)
					continue;
				xgrow((void **)&sn->required_by, &cap, last + 1,
				    sizeof(size_t));
				sn->required_by[sn->n_required_by++] = i;
			}
		}
		unflag(dn->requires, dn->n_requires, pv->in);
		unflag(dn->recommends, dn->n_recommends, pv->orphan);
		/* Sized for every relationship; most may be gone or cut. */
		if (gn->n < p->n_deps)
			gn->g = xrealloc(gn->g, (gn->n ? gn->n : 1) *
			    sizeof(*gn->g));
	}
	free(prov);
	if (pv->cut > 0)
		findings_add(&d->findings, "dependency-graph-too-large",
		    "dependency graph too large: removals not computed",
		    "the package databases' requirements and provides need "
		    "more than %zu entries; %zu requirements or provides past "
		    "that were not resolved, so no removal set is computed "
		    "(what uninstalling a package frees is not reported)",
		    (size_t)DEPS_EDGES_MAX, pv->cut);
	return d;
}

/* ---- closures ---- */

static int
protected(const struct pkg *p)
{
	return p->essential || p->required;
}

/*
 * Mark everything reachable from the packages on the stack, through hard
 * requirements (and Recommends when rec), never entering a package with
 * in[] set to 1 (removed).
 */
static void
mark_from(struct deps *d, size_t top, int rec)
{
	struct priv *pv = d->priv;
	size_t i, k;

	while (top > 0) {
		size_t p = pv->stack[--top];
		const struct gnode *gn = &pv->gn[p];

		for (i = 0; i < gn->n; i++) {
			const struct group *g = &gn->g[i];

			if (!is_hard(g->kind) && !rec)
				continue;
			d->work += g->n_sat + 1;
			for (k = 0; k < g->n_sat; k++) {
				size_t q = g->sat[k];

				if (pv->mark[q] || pv->in[q] == 1)
					continue;
				pv->mark[q] = 1;
				pv->stack[top++] = q;
			}
		}
	}
}

/*
 * apt's autoremove after the packages with in[] == 1 are gone: mark from
 * manual, Essential and required packages through Depends, Pre-Depends and
 * Recommends; unmarked dpkg packages are what it removes.  Leaves the
 * marks in pv->mark.
 */
static void
apt_marks(struct deps *d)
{
	struct priv *pv = d->priv;
	struct pkgdb *db = d->db;
	size_t i, top = 0;

	memset(pv->mark, 0, db->n);
	for (i = 0; i < db->n; i++) {
		const struct pkg *p = &db->v[i];

		if (p->eco != ECO_DPKG || pv->in[i] == 1)
			continue;
		if (!p->auto_installed || protected(p)) {
			pv->mark[i] = 1;
			pv->stack[top++] = i;
		}
	}
	mark_from(d, top, 1);
}

static void
orphans_once(struct deps *d)
{
	struct priv *pv = d->priv;
	size_t i;

	if (pv->orphans_done)
		return;
	pv->orphans_done = 1;
	memset(pv->in, 0, d->db->n);
	apt_marks(d);
	for (i = 0; i < d->db->n; i++)
		pv->orphan[i] = d->db->v[i].eco == ECO_DPKG && !pv->mark[i];
}

/*
 * dpkg: what `apt-get purge x` removes — x and, until nothing changes,
 * every package with a hard requirement that only removed packages met.
 * Sets in[] = 1 for them.  A package can only lose a requirement when one
 * of its satisfiers goes, so only the dependents (required_by) of what
 * was just removed are looked at again: a chain of n packages costs n
 * steps, not n passes over the whole database.
 */
static void
cascade(struct deps *d, size_t x)
{
	struct priv *pv = d->priv;
	struct pkgdb *db = d->db;
	size_t i, j, k, r, top = 0;

	pv->in[x] = 1;
	pv->stack[top++] = x;
	while (top > 0) {
		const struct dep_node *yn = &d->node[pv->stack[--top]];

		d->work += yn->n_required_by;
		for (r = 0; r < yn->n_required_by; r++) {
			const struct gnode *gn;

			i = yn->required_by[r];
			if (pv->in[i] == 1 || db->v[i].eco != db->v[x].eco)
				continue;
			gn = &pv->gn[i];
			for (j = 0; j < gn->n; j++) {
				const struct group *g = &gn->g[j];

				if (!is_hard(g->kind))
					continue;
				d->work += g->n_sat + 1;
				for (k = 0; k < g->n_sat; k++)
					if (pv->in[g->sat[k]] != 1)
						break;
				if (k == g->n_sat)
					break;
			}
			if (j < gn->n) {
				pv->in[i] = 1;
				pv->stack[top++] = i;
			}
		}
	}
}

/*
 * The packages with flag[] set, the package x first, then by name (ties
 * by index, as the stable sort that listed them before did): read off
 * the order deps_build() sorted once, so no set is sorted again.
 */
static void
collect(struct deps *d, size_t x, const uint8_t *flag, struct removal_set *s)
{
	const struct priv *pv = d->priv;
	size_t i, count = 1;

	/* Sized to fit: one set per package, so n each would be n squared. */
	for (i = 0; i < d->db->n; i++)
		if (i != x && flag[i])
			count++;
	d->work += count;
	d->kept += count;
	s->pkgs = xmalloc(count * sizeof(*s->pkgs));
	s->n = 0;
	s->pkgs[s->n++] = x;
	for (i = 0; i < d->db->n; i++)
		if (pv->by_name[i] != x && flag[pv->by_name[i]])
			s->pkgs[s->n++] = pv->by_name[i];
	for (i = 0; i < s->n; i++) {
		s->bytes += d->own->stats[s->pkgs[i]].bytes;
		s->files += d->own->stats[s->pkgs[i]].files;
	}
}

static void
fix_append(char **fix, size_t *len, size_t *cap, const char *s)
{
	size_t n = strlen(s);

	xgrow((void **)fix, cap, *len + n + 1, 1);
	memcpy(*fix + *len, s, n + 1);
	*len += n;
}

/* A package name is safe in a shell command only if it is plain. */
static int
shell_safe(const char *s)
{
	if (*s == '\0' || *s == '-')
		return 0;
	for (; *s != '\0'; s++)
		if (!(('a' <= *s && *s <= 'z') || ('A' <= *s && *s <= 'Z') ||
		    ('0' <= *s && *s <= '9') || strchr("+-._@/:", *s)))
			return 0;
	return 1;
}

static char *
make_fix(const struct pkgdb *db, enum pkg_ecosystem e, const size_t *names,
    size_t n, int autoremove)
{
	static const char *const cmd[ECO_COUNT] = {
		[ECO_DPKG] = "apt-get purge -y", [ECO_PIP] = "pip uninstall -y",
		[ECO_CONDA] = "conda remove -y --force",
		[ECO_APK] = "apk del", [ECO_NPM] = "npm uninstall"
	};
	char *fix = NULL;
	size_t len = 0, cap = 0, i;

	if (n > FIX_NAMES_MAX)
		return NULL;
	fix_append(&fix, &len, &cap, cmd[e]);
	for (i = 0; i < n; i++) {
		if (!shell_safe(db->v[names[i]].name)) {
			free(fix);
			return NULL;
		}
		fix_append(&fix, &len, &cap, " ");
		fix_append(&fix, &len, &cap, db->v[names[i]].name);
	}
	if (autoremove)
		fix_append(&fix, &len, &cap,
		    " && apt-get autoremove -y --purge");
	return fix;
}

/*
 * Why apt keeps what full adds: installed by hand, or recommended by a
 * package that stays.  Packages that only a held one needs are not listed:
 * autoremove takes them once the held ones are named.
 */
static void
held_reasons(struct deps *d, struct removal *r, const uint8_t *in_apt,
    const uint8_t *in_full)
{
	struct priv *pv = d->priv;
	struct pkgdb *db = d->db;
	size_t i, j, count = 0;

	for (i = 0; i < r->full.n; i++)
		count += !in_apt[r->full.pkgs[i]];
	d->work += r->full.n;
	d->kept += count * (sizeof(*r->held) / sizeof(size_t));
	r->held = xcalloc(count ? count : 1, sizeof(*r->held));
	for (i = 0; i < r->full.n; i++) {
		struct held *hd = &r->held[r->n_held];
		size_t p = r->full.pkgs[i];
		const struct list *rb = &pv->rec_by[p];

		if (in_apt[p])
			continue;
		memset(hd, 0, sizeof(*hd));
		hd->pkg = p;
		if (!db->v[p].auto_installed) {
			hd->how = "manual";
			r->n_held++;
			continue;
		}
		/* Who recommends p, ascending and distinct (deps_build()). */
		d->work += rb->n;
		for (j = 0; j < rb->n; j++) {
			size_t k = rb->v[j], cap = grown_cap(hd->n_by);

			if (db->v[k].eco != ECO_DPKG || in_full[k])
				continue;
			xgrow((void **)&hd->by, &cap, hd->n_by + 1,
			    sizeof(size_t));
			hd->by[hd->n_by++] = k;
		}
		if (hd->n_by > 0) {
			hd->how = "recommends";
			r->n_held++;
		}
	}
	if (r->n_held < count)
		r->held = xrealloc(r->held, (r->n_held ? r->n_held : 1) *
		    sizeof(*r->held));
}

void
deps_removal(struct deps *d, size_t x, struct removal *r)
{
	struct priv *pv = d->priv;
	struct pkgdb *db = d->db;
	const struct pkg *px = &db->v[x];
	uint8_t *in_apt, *in_full;
	size_t i, top = 0, *named;
	size_t n = db->n;

	memset(r, 0, sizeof(*r));
	r->blocked_by = SIZE_MAX;
	/*
	 * Checked before, not during: one removal costs at most a few passes
	 * over the packages and the (capped) edges, and keeps at most a few
	 * entries per package, so the budget is overrun by one removal at
	 * most, and no set is ever half made.
	 */
	if (pv->cut > 0 || d->work >= DEPS_WORK_MAX ||
	    d->kept >= DEPS_KEPT_MAX) {
		r->skipped = true;
		d->n_skipped++;
		return;
	}
	/*
	 * The dozen passes over every package (memset, flags) are
	 * sequential bytes, cheap next to an edge followed: n for them all.
	 */
	d->work += n;
	if (px->eco == ECO_DPKG)
		orphans_once(d);

	/* What the uninstall itself removes. */
	memset(pv->in, 0, n);
	if (px->eco == ECO_DPKG)
		cascade(d, x);
	else
		pv->in[x] = 1;
	for (i = 0; i < n; i++)
		if (pv->in[i] == 1 && protected(&db->v[i])) {
			r->blocked_by = i;
			return;
		}

	in_apt = xcalloc(n, 1);
	in_full = xcalloc(n, 1);
	if (px->eco == ECO_DPKG) {
		r->has_apt = true;
		apt_marks(d);
		for (i = 0; i < n; i++) {
			if (db->v[i].eco != ECO_DPKG)
				continue;
			if (pv->in[i] == 1)
				in_apt[i] = 1;
			else if (!pv->mark[i]) {
				if (pv->orphan[i]) {
					r->orphans++;
					r->orphan_bytes +=
					    d->own->stats[i].bytes;
				} else
					in_apt[i] = 1;
			}
		}
	}

	/*
	 * full: everything the removed packages lead to (in = 2), minus what
	 * a package outside that set still needs, or what is protected.
	 * Packages autoremove takes anyway hold nothing.
	 */
	for (i = 0; i < n; i++)
		if (pv->in[i] == 1)
			pv->stack[top++] = i;
	while (top > 0) {
		const struct gnode *gn = &pv->gn[pv->stack[--top]];
		size_t j, k;

		for (j = 0; j < gn->n; j++) {
			const struct group *g = &gn->g[j];

			if (!is_hard(g->kind) && px->eco != ECO_DPKG)
				continue;
			d->work += g->n_sat + 1;
			for (k = 0; k < g->n_sat; k++)
				if (pv->in[g->sat[k]] == 0) {
					pv->in[g->sat[k]] = 2;
					pv->stack[top++] = g->sat[k];
				}
		}
	}
	memset(pv->mark, 0, n);
	for (i = 0; i < n; i++) {
		if (db->v[i].eco != px->eco || pv->in[i] == 1 ||
		    (pv->in[i] == 0 && pv->orphan[i]))
			continue;
		if (pv->in[i] == 0 || protected(&db->v[i])) {
			pv->mark[i] = 1;
			pv->stack[top++] = i;
		}
	}
	mark_from(d, top, 0);
	top = 0;		/* mark_from() emptied the stack */
	/*
	 * What the removal actually leads to: from the removed packages,
	 * through packages nothing kept needs.  A package reached only past
	 * one that stays (krb5-locales, recommended by a libkrb5 that other
	 * packages need) is not the removal's business.
	 */
	for (i = 0; i < n; i++)
		if (pv->in[i] == 1) {
			in_full[i] = 1;
			pv->stack[top++] = i;
		}
	while (top > 0) {
		const struct gnode *gn = &pv->gn[pv->stack[--top]];
		size_t j, k;

		for (j = 0; j < gn->n; j++) {
			const struct group *g = &gn->g[j];

			if (!is_hard(g->kind) && px->eco != ECO_DPKG)
				continue;
			d->work += g->n_sat + 1;
			for (k = 0; k < g->n_sat; k++) {
				size_t q = g->sat[k];

				if (in_full[q] || pv->in[q] != 2 || pv->mark[q])
					continue;
				in_full[q] = 1;
				pv->stack[top++] = q;
			}
		}
	}
	for (i = 0; i < n; i++)
		in_full[i] |= in_apt[i];

	if (r->has_apt)
		collect(d, x, in_apt, &r->apt);
	collect(d, x, in_full, &r->full);
	if (r->has_apt) {
		held_reasons(d, r, in_apt, in_full);
		if (r->orphans == 0) {
			/* purge X and what apt keeps; autoremove does the rest. */
			named = xmalloc((r->n_held + 1) * sizeof(*named));
			named[0] = x;
			for (i = 0; i < r->n_held; i++)
				named[i + 1] = r->held[i].pkg;
			r->apt.fix = make_fix(db, ECO_DPKG, &x, 1, 1);
			r->full.fix = make_fix(db, ECO_DPKG, named,
			    r->n_held + 1, 1);
			free(named);
		} else {
			/* autoremove would take more: name every package. */
			r->apt.fix = make_fix(db, ECO_DPKG, r->apt.pkgs,
			    r->apt.n, 0);
			r->full.fix = make_fix(db, ECO_DPKG, r->full.pkgs,
			    r->full.n, 0);
		}
	} else
		r->full.fix = make_fix(db, px->eco, r->full.pkgs, r->full.n,
		    0);
	free(in_apt);
	free(in_full);
}

void
deps_removal_alone(struct deps *d, size_t x, struct removal *r)
{
	uint64_t work = d->work, kept = d->kept;
	size_t skipped = d->n_skipped;

	d->work = d->kept = 0;
	deps_removal(d, x, r);
	d->work = work;
	d->kept = kept;
	d->n_skipped = skipped;
}

void
deps_removals(struct deps *d, struct removal *r)
{
	size_t i, first = SIZE_MAX;

	for (i = 0; i < d->db->n; i++) {
		deps_removal(d, i, &r[i]);
		if (r[i].skipped && first == SIZE_MAX)
			first = i;
	}
	if (first == SIZE_MAX || ((struct priv *)d->priv)->cut > 0)
		return;		/* the graph's own finding says why */
	findings_add(&d->findings, "removal-sets-not-computed",
	    "dependency graph too costly: some removals not computed",
	    "what uninstalling a package frees was computed for %zu of %zu "
	    "packages; the other %zu (from %s %s on, in database order) were "
	    "left out when the work budget was spent (%llu steps of %llu, "
	    "%llu set entries kept of %llu): a hostile or unusual dependency "
	    "graph, where each removal walks it whole or frees most of it",
	    d->db->n - d->n_skipped, d->db->n, d->n_skipped,
	    pkg_ecosystem_name(d->db->v[first].eco), d->db->v[first].name,
	    (unsigned long long)d->work, (unsigned long long)DEPS_WORK_MAX,
	    (unsigned long long)d->kept, (unsigned long long)DEPS_KEPT_MAX);
}

void
removal_free(struct removal *r)
{
	size_t i;

	free(r->apt.pkgs);
	free(r->apt.fix);
	free(r->full.pkgs);
	free(r->full.fix);
	for (i = 0; i < r->n_held; i++)
		free(r->held[i].by);
	free(r->held);
	memset(r, 0, sizeof(*r));
}

void
deps_free(struct deps *d)
{
	struct priv *pv;
	size_t i, j;

	if (d == NULL)
		return;
	pv = d->priv;
	for (i = 0; i < d->db->n; i++) {
		struct dep_node *dn = &d->node[i];

		for (j = 0; j < pv->gn[i].n; j++)
			free(pv->gn[i].g[j].sat);
		free(pv->gn[i].g);
		free(dn->requires);
		free(dn->recommends);
		free(dn->required_by);
		for (j = 0; j < dn->n_unresolved; j++)
			free(dn->unresolved[j]);
		free(dn->unresolved);
	}
	for (i = 0; i < d->db->n; i++)
		free(pv->rec_by[i].v);
	free(pv->rec_by);
	free(pv->by_name);
	free(pv->gn);
	free(pv->orphan);
	free(pv->mark);
	free(pv->in);
	free(pv->stack);
	free(pv);
	free(d->node);
	findings_free(&d->findings);
	free(d);
}
