/* SPDX-License-Identifier: MIT */
/*
 * pkgdb_dpkg.c: Debian's package database — var/lib/dpkg/status, the file
 * lists var/lib/dpkg/info/NAME[:ARCH].list, distroless images'
 * var/lib/dpkg/status.d/NAME and NAME.md5sums, and apt's
 * var/lib/apt/extended_states (which packages were installed only as
 * dependencies).
 *
 * The files arrive in any order, so each is parsed into pending state and
 * dpkg_finish() joins them: a package takes the list whose name and
 * architecture match it, then its auto-installed mark.  Lists name
 * directories as well as files; which is which only the tree knows, so
 * every path is kept and the caller skips directories.
 */
#include <stdlib.h>
#include <string.h>

#include "pkgdb_private.h"

struct dpkg_pending {
	struct pkg pkg;
	char *stem;		/* status.d: the stanza file's name */
	size_t seq;		/* order of arrival, for a stable join */
};

/* A file list: info/NAME[:ARCH].list, or status.d/STEM.md5sums. */
struct dpkg_list {
	char *name;
	char *arch;		/* NULL when the file name has none */
	char **files;
	size_t n, cap;
	int layer;
	bool used;
};

struct dpkg_auto {
	char *name;
	char *arch;
	bool is_auto;
};

struct dpkg_state {
	struct dpkg_pending *pend;
	size_t n_pend, cap_pend;
	struct dpkg_list *lists;
	size_t n_lists, cap_lists;
	struct dpkg_list *md5;
	size_t n_md5, cap_md5;
	struct dpkg_auto *autos;
	size_t n_autos, cap_autos;
};

static struct dpkg_state *
state(struct pkgdb *db)
{
	struct pkgdb_priv *pv = db->priv;

	if (pv->dpkg == NULL)
		pv->dpkg = xcalloc(1, sizeof(*pv->dpkg));
	return pv->dpkg;
}

/* At most this much of a hostile name goes into a finding. */
#define SHOW(s)	(int)((s).n > 64 ? 64 : (s).n), (s).p

/* ---- relationship fields ---- */

/*
 * The package name of one alternative: "libc6 (>= 2.36)", "python3:any",
 * "foo [amd64] <!nocheck>" all name the package before the first blank,
 * '(', '[', '<' or ':'.
 */
static struct span
relation_name(struct span alt)
{
	size_t i;

	alt = span_trim(alt);
	for (i = 0; i < alt.n; i++) {
		char c = alt.p[i];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
		    c == '(' || c == '[' || c == '<' || c == ':')
			break;
	}
	return span_make(alt.p, i);
}

void
dpkg_parse_relations(struct dbfile *f, struct pkg *p, struct span v,
    enum dep_kind kind, bool provides)
{
	const char *end = v.p + v.n, *gp, *ge, *ap, *ae;
	struct pkg_dep *d;
	struct span g, name;
	bool warned = false;

	for (gp = v.p; gp < end; gp = ge + 1) {
		ge = memchr(gp, ',', (size_t)(end - gp));
		if (ge == NULL)
			ge = end;
		g = span_trim(span_make(gp, (size_t)(ge - gp)));
		if (g.n == 0)
			continue;
		d = NULL;
		if (!provides && (d = pkg_add_dep(f, p, kind, g)) == NULL) {
			if (p->n_deps >= PKG_MAX_DEPS)
				dbfile_bad(f, "package %s: more than %d "
				    "relationships, the rest ignored", p->name,
				    PKG_MAX_DEPS);
			return;
		}
		for (ap = g.p; ap < g.p + g.n; ap = ae + 1) {
			ae = memchr(ap, '|', (size_t)(g.p + g.n - ap));
			if (ae == NULL)
				ae = g.p + g.n;
			name = relation_name(span_make(ap, (size_t)(ae - ap)));
			if (!span_is_name(name)) {
				if (!warned)
					dbfile_bad(f, "package %s: \"%.*s\" "
					    "names no package", p->name,
					    SHOW(g));
				warned = true;
				continue;
			}
			if (provides) {
				if (!pkg_add_provide(p, name)) {
					dbfile_bad(f, "package %s: more than "
					    "%d provides, the rest ignored",
					    p->name, PKG_MAX_PROVIDES);
					return;
				}
			} else if (!dep_add_alt(d, span_dup(name)) && !warned) {
				dbfile_bad(f, "package %s: more than %d "
				    "alternatives in \"%.*s\"", p->name,
				    PKG_MAX_ALTS, SHOW(g));
				warned = true;
			}
		}
		if (d != NULL && d->n_alts == 0)
			pkg_drop_last_dep(p);
	}
}

/* ---- status stanzas ---- */

/*
 * Status is "want flag state".  Files are on disk in the state
 * "installed" and in the two trigger states, whatever the want
 * ("hold ok installed" is what `apt-mark hold` leaves, as CUDA images do
 * for libcudnn); "config-files", "unpacked", "half-*" are not installed.
 */
static bool
status_installed(struct span v)
{
	const char *p = v.p, *end = v.p + v.n, *w;
	int word = 0;

	while (p < end) {
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p >= end)
			break;
		for (w = p; p < end && *p != ' ' && *p != '\t'; p++)
			;
		if (++word == 3) {
			struct span s = span_make(w, (size_t)(p - w));

			return span_eq(s, "installed") ||
			    span_eq(s, "triggers-pending") ||
			    span_eq(s, "triggers-awaited");
		}
	}
	return false;
}

static void
read_stanza(struct dbfile *f, struct dpkg_state *st, const struct stanza *s,
    const char *stem)
{
	struct dpkg_pending *dp;
	struct pkg p;
	struct span v;
	int64_t kib;

	if (!stanza_get(s, "Package", &v) || v.n == 0) {
		dbfile_bad(f, "stanza %zu (line %zu) has no Package field",
		    s->index, s->line);
		return;
	}
	if (!span_is_name(v)) {
		dbfile_bad(f, "stanza %zu (line %zu): Package \"%.*s\" is "
		    "not a package name", s->index, s->line, SHOW(v));
		return;
	}
	pkg_init(&p, ECO_DPKG, f);
	p.name = span_dup(v);
	p.key = xstrdup(p.name);
	if (stanza_get(s, "Status", &v))
		p.installed = status_installed(v);
	else if (stem != NULL)
		/* distroless writes the .deb's control file: no Status */
		p.installed = true;
	else {
		dbfile_bad(f, "stanza %zu (%s) has no Status field", s->index,
		    p.name);
		p.installed = false;
	}
	if (stanza_get(s, "Version", &v) && span_is_text(v))
		p.version = span_dup(v);
	else if (p.installed)
		dbfile_bad(f, "stanza %zu (%s) has no readable Version field",
		    s->index, p.name);
	if (stanza_get(s, "Architecture", &v) && span_is_name(v))
		p.arch = span_dup(v);
	if (stanza_get(s, "Installed-Size", &v)) {
		if (span_to_i64(v, &kib) && kib <= INT64_MAX / 1024)
			p.installed_size = kib * 1024;
		else
			dbfile_bad(f, "stanza %zu (%s): Installed-Size "
			    "\"%.*s\" is not a number", s->index, p.name,
			    SHOW(v));
	}
	if (stanza_get(s, "Essential", &v))
		p.essential = span_eq_ci(v, "yes");
	if (stanza_get(s, "Priority", &v))
		p.required = span_eq_ci(v, "required");
	if (stanza_get(s, "Pre-Depends", &v))
		dpkg_parse_relations(f, &p, v, DEP_PREDEPENDS, false);
	if (stanza_get(s, "Depends", &v))
		dpkg_parse_relations(f, &p, v, DEP_DEPENDS, false);
	if (stanza_get(s, "Recommends", &v))
		dpkg_parse_relations(f, &p, v, DEP_RECOMMENDS, false);
	if (stanza_get(s, "Provides", &v))
		dpkg_parse_relations(f, &p, v, DEP_DEPENDS, true);

	xgrow((void **)&st->pend, &st->cap_pend, st->n_pend + 1,
	    sizeof(*st->pend));
	dp = &st->pend[st->n_pend];
	dp->pkg = p;
	dp->stem = stem != NULL ? xstrdup(stem) : NULL;
	dp->seq = st->n_pend++;
}

static void
read_stanzas(struct dbfile *f, struct dpkg_state *st, const char *data,
    size_t len, const char *stem)
{
	struct stanza_reader r;
	struct stanza s = { 0 };
	size_t n = 0;

	stanza_reader_init(&r, data, len);
	while (stanza_next(&r, &s, f)) {
		read_stanza(f, st, &s, stem);
		n++;
	}
	stanza_free(&s);
	if (n == 0 && len > 0)
		dbfile_bad(f, "no stanza in %zu bytes", len);
}

/* ---- extended_states ---- */

static void
read_extended(struct dbfile *f, struct dpkg_state *st, const char *data,
    size_t len)
{
	struct stanza_reader r;
	struct stanza s = { 0 };
	struct dpkg_auto *a;
	struct span v;

	stanza_reader_init(&r, data, len);
	while (stanza_next(&r, &s, f)) {
		if (!stanza_get(&s, "Package", &v) || !span_is_name(v)) {
			dbfile_bad(f, "stanza %zu (line %zu) has no Package "
			    "field", s.index, s.line);
			continue;
		}
		xgrow((void **)&st->autos, &st->cap_autos, st->n_autos + 1,
		    sizeof(*st->autos));
		a = &st->autos[st->n_autos++];
		a->name = span_dup(v);
		a->arch = NULL;
		if (stanza_get(&s, "Architecture", &v) && span_is_name(v))
			a->arch = span_dup(v);
		a->is_auto = stanza_get(&s, "Auto-Installed", &v) &&
		    span_eq(v, "1");
	}
	stanza_free(&s);
}

/* ---- file lists ---- */

static struct dpkg_list *
new_list(struct dpkg_list **v, size_t *n, size_t *cap, struct dbfile *f,
    struct span name, struct span arch)
{
	struct dpkg_list *l;

	xgrow((void **)v, cap, *n + 1, sizeof(**v));
	l = &(*v)[(*n)++];
	memset(l, 0, sizeof(*l));
	l->name = span_dup(name);
	l->arch = arch.n > 0 ? span_dup(arch) : NULL;
	l->layer = f->layer;
	return l;
}

static void
list_add(struct dbfile *f, struct dpkg_list *l, struct span rel, size_t line)
{
	unsigned flags = 0;
	char *path = path_resolve("", rel, &flags);

	if (flags & PATH_HAS_NUL)
		dbfile_bad(f, "line %zu: a NUL byte in the path", line);
	else if (flags & PATH_ABOVE_ROOT)
		dbfile_bad(f, "line %zu: \"%.*s\" climbs above the root",
		    line, SHOW(rel));
	if (path == NULL)
		return;
	xgrow((void **)&l->files, &l->cap, l->n + 1, sizeof(*l->files));
	l->files[l->n++] = path;
}

/* info/NAME.list or NAME:ARCH.list: one absolute path a line. */
static void
read_list(struct dbfile *f, struct dpkg_state *st, const char *data,
    size_t len)
{
	struct span base, name, arch = { NULL, 0 }, line;
	const char *p = data, *end = data + len, *colon;
	struct dpkg_list *l;
	size_t ln = 0;

	base = span_make(f->path, strlen(f->path));
	base.p += path_dirlen(base.p, base.n) + 1;
	base.n = strlen(base.p) - strlen(".list");
	name = base;
	if ((colon = memchr(base.p, ':', base.n)) != NULL) {
		name.n = (size_t)(colon - base.p);
		arch = span_make(colon + 1, base.n - name.n - 1);
	}
	if (!span_is_name(name)) {
		dbfile_bad(f, "the file name names no package");
		return;
	}
	l = new_list(&st->lists, &st->n_lists, &st->cap_lists, f, name, arch);
	while (next_line(&p, end, &line)) {
		ln++;
		if (line.n == 0)
			continue;
		if (line.p[0] != '/') {
			dbfile_bad(f, "line %zu: \"%.*s\" is not an absolute "
			    "path", ln, SHOW(line));
			continue;
		}
		list_add(f, l, line, ln);
	}
}

static bool
is_md5(struct span s)
{
	size_t i;

	if (s.n != 32)
		return false;
	for (i = 0; i < s.n; i++)
		if (!((s.p[i] >= '0' && s.p[i] <= '9') ||
		    (s.p[i] >= 'a' && s.p[i] <= 'f') ||
		    (s.p[i] >= 'A' && s.p[i] <= 'F')))
			return false;
	return true;
}

/* status.d/STEM.md5sums: "<md5>  <root-relative path>" a line. */
static void
read_md5sums(struct dbfile *f, struct dpkg_state *st, const char *data,
    size_t len)
{
	struct span base, line, rel;
	const char *p = data, *end = data + len, *sp;
	struct dpkg_list *l;
	size_t ln = 0;

	base = span_make(f->path, strlen(f->path));
	base.p += path_dirlen(base.p, base.n) + 1;
	base.n = strlen(base.p) - strlen(".md5sums");
	l = new_list(&st->md5, &st->n_md5, &st->cap_md5, f, base,
	    span_make(NULL, 0));
	while (next_line(&p, end, &line)) {
		ln++;
		if (line.n == 0)
			continue;
		sp = memchr(line.p, ' ', line.n);
		if (sp == NULL || !is_md5(span_make(line.p,
		    (size_t)(sp - line.p)))) {
			dbfile_bad(f, "line %zu: not \"<md5>  <path>\"", ln);
			continue;
		}
		/* md5sum(1) separates with two spaces, or " *" (binary) */
		rel = span_make(sp + 1, (size_t)(line.p + line.n - sp - 1));
		if (rel.n > 0 && (rel.p[0] == ' ' || rel.p[0] == '*')) {
			rel.p++;
			rel.n--;
		}
		if (rel.n == 0) {
			dbfile_bad(f, "line %zu: no path after the checksum",
			    ln);
			continue;
		}
		list_add(f, l, rel, ln);
	}
}

void
dpkg_read(struct dbfile *f, enum dpkg_kind kind, const char *data, size_t len)
{
	struct dpkg_state *st = state(f->db);
	const char *stem;

	switch (kind) {
	case DPKG_STATUS:
		read_stanzas(f, st, data, len, NULL);
		break;
	case DPKG_STATUSD:
		stem = f->path + path_dirlen(f->path, strlen(f->path)) + 1;
		read_stanzas(f, st, data, len, stem);
		break;
	case DPKG_STATUSD_MD5:
		read_md5sums(f, st, data, len);
		break;
	case DPKG_LIST:
		read_list(f, st, data, len);
		break;
	case DPKG_EXTENDED:
		read_extended(f, st, data, len);
		break;
	}
}

/* ---- joining ---- */

static int
nullcmp(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

static int
pend_cmp(const void *a, const void *b)
{
	const struct dpkg_pending *x = a, *y = b;
	int c = strcmp(x->pkg.name, y->pkg.name);

	if (c != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int
list_cmp(const void *a, const void *b)
{
	const struct dpkg_list *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c != 0 ? c : nullcmp(x->arch, y->arch);
}

static int
auto_cmp(const void *a, const void *b)
{
	const struct dpkg_auto *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c != 0 ? c : nullcmp(x->arch, y->arch);
}

static int
stem_cmp(const void *a, const void *b)
{
	const struct dpkg_pending *x = *(struct dpkg_pending *const *)a;
	const struct dpkg_pending *y = *(struct dpkg_pending *const *)b;
	int c = strcmp(x->stem, y->stem);

	if (c != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The name each sorted array is ordered by. */
typedef const char *(*name_of_fn)(const void *elem);

static const char *
pend_name(const void *e)
{
	return ((const struct dpkg_pending *)e)->pkg.name;
}

static const char *
list_name(const void *e)
{
	return ((const struct dpkg_list *)e)->name;
}

static const char *
auto_name(const void *e)
{
	return ((const struct dpkg_auto *)e)->name;
}

/* strcmp() of e against name[0..len) */
static int
name_cmp(const char *e, const char *name, size_t len)
{
	int c = strncmp(e, name, len);

	if (c == 0 && e[len] != '\0')
		c = 1;
	return c;
}

/*
 * The elements of v (n of sz bytes, sorted by name_of) whose name is
 * name[0..len): [*lo, *hi).  Joins look at no more than JOIN_SCAN of
 * them, so a database that repeats one name ten thousand times costs
 * ten thousand lookups, not their square.
 */
#define JOIN_SCAN	64

static void
name_range(const void *v, size_t n, size_t sz, name_of_fn name_of,
    const char *name, size_t len, size_t *lo, size_t *hi)
{
	const char *base = v;
	size_t l = 0, h = n, mid;

	while (l < h) {
		mid = l + (h - l) / 2;
		if (name_cmp(name_of(base + mid * sz), name, len) < 0)
			l = mid + 1;
		else
			h = mid;
	}
	*lo = l;
	h = n;
	while (l < h) {
		mid = l + (h - l) / 2;
		if (name_cmp(name_of(base + mid * sz), name, len) <= 0)
			l = mid + 1;
		else
			h = mid;
	}
	*hi = l - *lo > JOIN_SCAN ? *lo + JOIN_SCAN : l;
}

static void
take_list(struct pkg *p, struct dpkg_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		pkg_add_file(p, l->files[i]);
	free(l->files);
	l->files = NULL;
	l->n = l->cap = 0;
	l->used = true;
	p->has_file_list = true;
	/* The list is rewritten whenever the package's files are, while
	 * status is rewritten by every later apt run: the list's layer says
	 * which of two owners of a path wrote it last. */
	p->dblayer = l->layer;
}

static void
join_lists(struct dpkg_state *st)
{
	struct dpkg_list *l, *pick;
	struct pkg *p;
	size_t i, j, lo, hi, plo, phi, nlive;

	for (i = 0; i < st->n_pend; i++) {
		p = &st->pend[i].pkg;
		if (!p->installed || p->has_file_list)
			continue;
		name_range(st->lists, st->n_lists, sizeof(*st->lists),
		    list_name, p->name, strlen(p->name), &lo, &hi);
		pick = NULL;
		/* libc6:amd64.list for a Multi-Arch: same package */
		for (j = lo; j < hi && pick == NULL; j++) {
			l = &st->lists[j];
			if (!l->used && l->arch != NULL && p->arch != NULL &&
			    strcmp(l->arch, p->arch) == 0)
				pick = l;
		}
		for (j = lo; j < hi && pick == NULL; j++)
			if (!st->lists[j].used && st->lists[j].arch == NULL)
				pick = &st->lists[j];
		if (pick == NULL && hi - lo == 1 && !st->lists[lo].used) {
			/* One list, one installed package of that name: the
			 * list's architecture suffix only disagrees. */
			name_range(st->pend, st->n_pend, sizeof(*st->pend),
			    pend_name, p->name, strlen(p->name), &plo, &phi);
			for (nlive = 0, j = plo; j < phi && nlive < 2; j++)
				nlive += st->pend[j].pkg.installed;
			if (nlive == 1)
				pick = &st->lists[lo];
		}
		if (pick != NULL)
			take_list(p, pick);
	}
}

/*
 * status.d/STEM.md5sums belongs to the package called STEM (or STEM =
 * NAME:ARCH), else to the first stanza of the file status.d/STEM
 * (distroless names some files differently: "base" holds base-files).
 */
static void
join_md5sums(struct dpkg_state *st)
{
	struct dpkg_pending **bystem, key, *kp = &key, *dp;
	struct dpkg_list *m;
	const char *colon;
	size_t i, j, n = 0, lo, hi, nlen;

	bystem = xmalloc((st->n_pend + 1) * sizeof(*bystem));
	for (i = 0; i < st->n_pend; i++)
		if (st->pend[i].stem != NULL && st->pend[i].pkg.installed)
			bystem[n++] = &st->pend[i];
	if (n > 1)
		qsort(bystem, n, sizeof(*bystem), stem_cmp);
	for (i = 0; i < st->n_md5; i++) {
		m = &st->md5[i];
		dp = NULL;
		colon = strchr(m->name, ':');
		nlen = colon != NULL ? (size_t)(colon - m->name) :
		    strlen(m->name);
		name_range(st->pend, st->n_pend, sizeof(*st->pend),
		    pend_name, m->name, nlen, &lo, &hi);
		for (j = lo; j < hi && dp == NULL; j++)
			if (st->pend[j].stem != NULL &&
			    st->pend[j].pkg.installed &&
			    !st->pend[j].pkg.has_file_list &&
			    (colon == NULL || (st->pend[j].pkg.arch != NULL &&
			    strcmp(st->pend[j].pkg.arch, colon + 1) == 0)))
				dp = &st->pend[j];
		if (dp == NULL && n > 0) {
			key.stem = m->name;
			key.seq = 0;
			lo = 0;
			hi = n;
			/* first of the stem, in arrival order */
			while (lo < hi) {
				j = lo + (hi - lo) / 2;
				if (stem_cmp(&bystem[j], &kp) < 0)
					lo = j + 1;
				else
					hi = j;
			}
			if (lo < n && strcmp(bystem[lo]->stem, m->name) == 0 &&
			    !bystem[lo]->pkg.has_file_list)
				dp = bystem[lo];
		}
		if (dp != NULL)
			take_list(&dp->pkg, m);
	}
	free(bystem);
}

static void
join_autos(struct dpkg_state *st)
{
	struct dpkg_auto *a, *pick;
	struct pkg *p;
	size_t i, j, lo, hi;

	for (i = 0; i < st->n_pend; i++) {
		p = &st->pend[i].pkg;
		name_range(st->autos, st->n_autos, sizeof(*st->autos),
		    auto_name, p->name, strlen(p->name), &lo, &hi);
		pick = NULL;
		for (j = lo; j < hi && pick == NULL; j++) {
			a = &st->autos[j];
			if (a->arch != NULL && p->arch != NULL &&
			    strcmp(a->arch, p->arch) == 0)
				pick = a;
		}
		/* apt files Architecture: all packages under the native
		 * architecture, so "all" takes whatever entry there is. */
		for (j = lo; j < hi && pick == NULL; j++) {
			a = &st->autos[j];
			if (a->arch == NULL || p->arch == NULL ||
			    strcmp(p->arch, "all") == 0)
				pick = a;
		}
		if (pick != NULL)
			p->auto_installed = pick->is_auto;
	}
}

void
dpkg_finish(struct pkgdb *db)
{
	struct dpkg_state *st = ((struct pkgdb_priv *)db->priv)->dpkg;
	size_t i;

	if (st == NULL)
		return;
	if (st->n_pend > 1)
		qsort(st->pend, st->n_pend, sizeof(*st->pend), pend_cmp);
	if (st->n_lists > 1)
		qsort(st->lists, st->n_lists, sizeof(*st->lists), list_cmp);
	if (st->n_autos > 1)
		qsort(st->autos, st->n_autos, sizeof(*st->autos), auto_cmp);
	join_lists(st);
	join_md5sums(st);
	join_autos(st);
	for (i = 0; i < st->n_pend; i++) {
		if (st->pend[i].pkg.installed)
			pkgdb_push(db, &st->pend[i].pkg);
		else
			pkg_clear(&st->pend[i].pkg);
		free(st->pend[i].stem);
		st->pend[i].stem = NULL;
	}
	st->n_pend = 0;
}

static void
lists_free(struct dpkg_list *v, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].arch);
		for (j = 0; j < v[i].n; j++)
			free(v[i].files[j]);
		free(v[i].files);
	}
	free(v);
}

void
dpkg_state_free(struct dpkg_state *st)
{
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < st->n_pend; i++) {
		pkg_clear(&st->pend[i].pkg);
		free(st->pend[i].stem);
	}
	free(st->pend);
	lists_free(st->lists, st->n_lists);
	lists_free(st->md5, st->n_md5);
	for (i = 0; i < st->n_autos; i++) {
		free(st->autos[i].name);
		free(st->autos[i].arch);
	}
	free(st->autos);
	free(st);
}
