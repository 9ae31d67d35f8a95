/* SPDX-License-Identifier: MIT */
/*
 * pkgdb.c: which files are package databases, handing each to its reader,
 * and what the readers share: byte spans, lines, the RFC-822 stanza reader
 * (dpkg status and status.d, apt's extended_states, pip METADATA and
 * PKG-INFO), path resolution, building packages, findings.  pkgdb_finish()
 * lets the readers join what came in separate files, then sorts the list
 * so pkgdb_find() is a binary search.
 *
 * The formats themselves live in pkgdb_dpkg.c, pkgdb_pip.c,
 * pkgdb_conda.c, pkgdb_apk.c and pkgdb_npm.c.  Nothing here reads a file
 * or knows which files of the tree are directories: the caller captures
 * the bytes while layers stream and attributes files afterwards.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkgdb_private.h"

enum dbkind {
	DB_NONE = 0,
	DB_DPKG_STATUS,
	DB_DPKG_STATUSD,
	DB_DPKG_STATUSD_MD5,
	DB_DPKG_LIST,
	DB_APT_EXTENDED,
	DB_PIP_METADATA,
	DB_PIP_RECORD,
	DB_PIP_PKGINFO,
	DB_PIP_EGG_FILES,
	DB_PIP_EGG_FILE,
	DB_CONDA,
	DB_APK,
	DB_NPM
};

static const char *const eco_names[ECO_COUNT] = {
	[ECO_DPKG] = "dpkg",
	[ECO_PIP] = "pip",
	[ECO_CONDA] = "conda",
	[ECO_APK] = "apk",
	[ECO_NPM] = "npm",
};

const char *
pkg_ecosystem_name(enum pkg_ecosystem e)
{
	if ((unsigned)e < ECO_COUNT)
		return eco_names[e];
	return "unknown";
}

/* ---- spans ---- */

struct span
span_make(const char *p, size_t n)
{
	struct span s = { p, n };

	return s;
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
	    c == '\f' || c == '\v';
}

struct span
span_trim(struct span s)
{
	while (s.n > 0 && is_space(s.p[0])) {
		s.p++;
		s.n--;
	}
	while (s.n > 0 && is_space(s.p[s.n - 1]))
		s.n--;
	return s;
}

bool
span_eq(struct span s, const char *lit)
{
	size_t n = strlen(lit);

	return s.n == n && memcmp(s.p, lit, n) == 0;
}

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

bool
span_eq_ci(struct span s, const char *lit)
{
	size_t i, n = strlen(lit);

	if (s.n != n)
		return false;
	for (i = 0; i < n; i++)
		if (lower(s.p[i]) != lower(lit[i]))
			return false;
	return true;
}

bool
span_has_prefix(struct span s, const char *lit)
{
	size_t n = strlen(lit);

	return s.n >= n && memcmp(s.p, lit, n) == 0;
}

char *
span_dup(struct span s)
{
	return xstrndup(s.p, s.n);
}

char *
span_dup_squashed(struct span s)
{
	char *out;
	size_t i, n = 0;
	bool gap = false;

	s = span_trim(s);
	out = xmalloc(s.n + 1);
	for (i = 0; i < s.n; i++) {
		if (is_space(s.p[i])) {
			gap = true;
			continue;
		}
		if (s.p[i] == '\0')
			break;
		if (gap)
			out[n++] = ' ';
		gap = false;
		out[n++] = s.p[i];
	}
	out[n] = '\0';
	return out;
}

bool
span_is_name(struct span s)
{
	size_t i;

	if (s.n == 0 || s.n > PKG_MAX_NAME)
		return false;
	for (i = 0; i < s.n; i++)
		if ((unsigned char)s.p[i] <= ' ' ||
		    (unsigned char)s.p[i] >= 0x7f)
			return false;
	return true;
}

bool
span_is_text(struct span s)
{
	size_t i;

	if (s.n == 0 || s.n > PKG_MAX_NAME)
		return false;
	for (i = 0; i < s.n; i++)
		if ((unsigned char)s.p[i] < ' ' ||
		    (unsigned char)s.p[i] == 0x7f)
			return false;
	return true;
}

bool
span_to_i64(struct span s, int64_t *out)
{
	int64_t v = 0;
	size_t i;

	s = span_trim(s);
	if (s.n == 0)
		return false;
	for (i = 0; i < s.n; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
		if (v > (INT64_MAX - (s.p[i] - '0')) / 10)
			return false;
		v = v * 10 + (s.p[i] - '0');
	}
	*out = v;
	return true;
}

bool
next_line(const char **p, const char *end, struct span *line)
{
	const char *s = *p, *nl;

	if (s >= end)
		return false;
	nl = memchr(s, '\n', (size_t)(end - s));
	if (nl == NULL) {
		line->p = s;
		line->n = (size_t)(end - s);
		*p = end;
	} else {
		line->p = s;
		line->n = (size_t)(nl - s);
		*p = nl + 1;
	}
	/* CRLF files come from Windows-built wheels and hand edits. */
	if (line->n > 0 && line->p[line->n - 1] == '\r')
		line->n--;
	return true;
}

/* ---- findings ---- */

void
dbfile_bad(struct dbfile *f, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	if (++f->nbad > DBFILE_MAX_FINDINGS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	findings_add(&f->db->findings, PKGDB_FINDING_KIND,
	    PKGDB_FINDING_TITLE, "/%s: %s", f->path, msg);
}

void
dbfile_done(struct dbfile *f)
{
	if (f->nbad > DBFILE_MAX_FINDINGS)
		findings_add(&f->db->findings, PKGDB_FINDING_KIND,
		    PKGDB_FINDING_TITLE, "/%s: %zu more problems not listed",
		    f->path, f->nbad - DBFILE_MAX_FINDINGS);
}

/* ---- stanzas ---- */

void
stanza_reader_init(struct stanza_reader *r, const void *data, size_t len)
{
	r->p = data;
	r->end = r->p + len;
	r->line = 0;
	r->index = 0;
}

/*
 * A blank line is an empty one: lines of only spaces are continuations,
 * because PKG-INFO writes the blank lines of a Description as 8 spaces
 * and more headers (Requires-Dist) may follow it.
 */
bool
stanza_next(struct stanza_reader *r, struct stanza *s, struct dbfile *f)
{
	struct span line;
	const char *colon;
	bool started = false, toomany = false, skipping = false;
	struct stanza_field *fl;

	s->n = 0;
	while (next_line(&r->p, r->end, &line)) {
		r->line++;
		if (line.n == 0) {
			if (started)
				break;
			continue;
		}
		if (!started) {
			started = true;
			s->index = ++r->index;
			s->line = r->line;
		}
		if (line.p[0] == ' ' || line.p[0] == '\t') {
			if (skipping)
				continue;
			if (s->n == 0) {
				dbfile_bad(f, "line %zu: continuation line "
				    "with no field before it", r->line);
				skipping = true;
				continue;
			}
			/* The value runs on, raw, to this line's end. */
			fl = &s->f[s->n - 1];
			fl->value.n = (size_t)(line.p + line.n - fl->value.p);
			continue;
		}
		skipping = true;
		colon = memchr(line.p, ':', line.n);
		if (colon == NULL || colon == line.p) {
			dbfile_bad(f, "line %zu: not a \"Field: value\" line",
			    r->line);
			continue;
		}
		if (s->n >= STANZA_MAX_FIELDS) {
			if (!toomany)
				dbfile_bad(f, "stanza %zu: more than %d "
				    "fields, the rest ignored", s->index,
				    STANZA_MAX_FIELDS);
			toomany = true;
			continue;
		}
		skipping = false;
		xgrow((void **)&s->f, &s->cap, s->n + 1, sizeof(*s->f));
		fl = &s->f[s->n++];
		fl->name = span_trim(span_make(line.p,
		    (size_t)(colon - line.p)));
		fl->value.p = colon + 1;
		fl->value.n = (size_t)(line.p + line.n - (colon + 1));
	}
	return started;
}

bool
stanza_get(const struct stanza *s, const char *name, struct span *out)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (span_eq_ci(s->f[i].name, name)) {
			*out = span_trim(s->f[i].value);
			return true;
		}
	return false;
}

void
stanza_free(struct stanza *s)
{
	free(s->f);
	s->f = NULL;
	s->n = s->cap = 0;
}

/* ---- paths ---- */

/* Apply the components of s to the path out[0..n); the new length. */
static size_t
path_walk(char *out, size_t n, const char *s, size_t len, unsigned *flags)
{
	size_t i = 0, j;

	while (i < len) {
		while (i < len && s[i] == '/')
			i++;
		for (j = i; j < len && s[j] != '/'; j++)
			;
		if (j == i)
			break;
		if (j - i == 1 && s[i] == '.') {
			/* "." stays where it is */
		} else if (j - i == 2 && s[i] == '.' && s[i + 1] == '.') {
			if (n == 0)
				*flags |= PATH_ABOVE_ROOT;
			while (n > 0 && out[n - 1] != '/')
				n--;
			if (n > 0)
				n--;
		} else {
			if (n > 0)
				out[n++] = '/';
			memcpy(out + n, s + i, j - i);
			n += j - i;
		}
		i = j;
	}
	return n;
}

char *
path_resolve(const char *base, struct span rel, unsigned *flags)
{
	size_t blen = base != NULL ? strlen(base) : 0, n = 0;
	char *out;

	if (rel.n > 0 && memchr(rel.p, '\0', rel.n) != NULL) {
		*flags |= PATH_HAS_NUL;
		return NULL;
	}
	out = xmalloc(blen + rel.n + 2);
	if (rel.n == 0 || rel.p[0] != '/')
		n = path_walk(out, 0, base, blen, flags);
	n = path_walk(out, n, rel.p, rel.n, flags);
	if (n == 0) {
		free(out);
		return NULL;
	}
	out[n] = '\0';
	return out;
}

size_t
path_dirlen(const char *path, size_t len)
{
	while (len > 0 && path[len - 1] != '/')
		len--;
	return len > 0 ? len - 1 : 0;
}

/* ---- packages ---- */

void
pkg_init(struct pkg *p, enum pkg_ecosystem eco, const struct dbfile *f)
{
	memset(p, 0, sizeof(*p));
	p->eco = eco;
	p->dbpath = xstrdup(f->path);
	p->dblayer = f->layer;
	p->installed_size = -1;
	p->installed = true;
}

static void
free_strv(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
dep_clear(struct pkg_dep *d)
{
	free_strv(d->alts, d->n_alts);
	free(d->text);
	free(d->extra);
	memset(d, 0, sizeof(*d));
}

void
pkg_clear(struct pkg *p)
{
	size_t i;

	free(p->name);
	free(p->key);
	free(p->version);
	free(p->arch);
	free(p->dbpath);
	free(p->root);
	free_strv(p->files, p->n_files);
	free_strv(p->provides, p->n_provides);
	for (i = 0; i < p->n_deps; i++)
		dep_clear(&p->deps[i]);
	free(p->deps);
	memset(p, 0, sizeof(*p));
}

void
pkgdb_push(struct pkgdb *db, struct pkg *p)
{
	/* Callers may rely on name, key and version being strings. */
	if (p->name == NULL)
		p->name = xstrdup("");
	if (p->key == NULL)
		p->key = xstrdup(p->name);
	if (p->version == NULL)
		p->version = xstrdup("");
	if (db->n >= PKGDB_PACKAGES_MAX) {
		if (db->priv != NULL)
			((struct pkgdb_priv *)db->priv)->dropped++;
		pkg_clear(p);
		return;
	}
	xgrow((void **)&db->v, &db->cap, db->n + 1, sizeof(*db->v));
	db->v[db->n++] = *p;
	memset(p, 0, sizeof(*p));
}

/*
 * Arrays whose struct has a count but no capacity (the public struct
 * keeps only n_provides, n_deps, n_alts) grow at powers of two: the
 * capacity is 4, or the power of two at or above n.  (Dropping the last
 * element keeps that true.)
 */
static void
grow_pow2(void **v, size_t n, size_t sz)
{
	if (*v == NULL)
		*v = xmalloc(4 * sz);
	else if (n >= 4 && (n & (n - 1)) == 0)
		*v = xrealloc(*v, 2 * n * sz);
}

void
pkg_add_file(struct pkg *p, char *path)
{
	xgrow((void **)&p->files, &p->files_cap, p->n_files + 1,
	    sizeof(*p->files));
	p->files[p->n_files++] = path;
}

bool
pkg_add_path(struct pkg *p, const char *base, struct span rel,
    unsigned *flags)
{
	char *path = path_resolve(base, rel, flags);

	if (path == NULL)
		return false;
	pkg_add_file(p, path);
	return true;
}

bool
pkg_add_provide(struct pkg *p, struct span name)
{
	if (p->n_provides >= PKG_MAX_PROVIDES)
		return false;
	grow_pow2((void **)&p->provides, p->n_provides, sizeof(*p->provides));
	p->provides[p->n_provides++] = span_dup(name);
	return true;
}

struct pkg_dep *
pkg_add_dep(struct dbfile *f, struct pkg *p, enum dep_kind kind,
    struct span text)
{
	struct pkgdb_priv *pv = f->db->priv;
	struct pkg_dep *d;

	if (p->n_deps >= PKG_MAX_DEPS)
		return NULL;
	if (pv != NULL) {
		if (pv->n_deps >= PKGDB_DEPS_MAX) {
			if (pv->deps_cut == NULL)
				pv->deps_cut = xstrdup(p->name ? p->name : "?");
			return NULL;
		}
		pv->n_deps++;
	}
	grow_pow2((void **)&p->deps, p->n_deps, sizeof(*p->deps));
	d = &p->deps[p->n_deps++];
	memset(d, 0, sizeof(*d));
	d->kind = kind;
	d->text = span_dup_squashed(text);
	return d;
}

bool
dep_add_alt(struct pkg_dep *d, char *name)
{
	if (d->n_alts >= PKG_MAX_ALTS) {
		free(name);
		return false;
	}
	grow_pow2((void **)&d->alts, d->n_alts, sizeof(*d->alts));
	d->alts[d->n_alts++] = name;
	return true;
}

void
pkg_drop_last_dep(struct pkg *p)
{
	if (p->n_deps > 0)
		dep_clear(&p->deps[--p->n_deps]);
}

char *
pkgdb_pip_normalise(const char *name)
{
	size_t i, n = 0, len = strlen(name);
	char *out = xmalloc(len + 1);
	bool sep = false;

	for (i = 0; i < len; i++) {
		if (name[i] == '-' || name[i] == '_' || name[i] == '.') {
			sep = true;
			continue;
		}
		if (sep && n > 0)
			out[n++] = '-';
		sep = false;
		out[n++] = lower(name[i]);
	}
	out[n] = '\0';
	return out;
}

/* ---- which files ---- */

/* The last component of path[0..len), or an empty span. */
static struct span
last_component(const char *path, size_t len)
{
	size_t d = len;

	while (d > 0 && path[d - 1] != '/')
		d--;
	return span_make(path + d, len - d);
}

static bool
span_ends_with(struct span s, const char *lit)
{
	size_t n = strlen(lit);

	return s.n >= n && memcmp(s.p + s.n - n, lit, n) == 0;
}

/*
 * node_modules/NAME/package.json or node_modules/@SCOPE/NAME/package.json,
 * at any depth: dir is the path without "/package.json".
 */
static bool
is_npm_manifest(const char *path, size_t dlen)
{
	struct span pkg, up;
	size_t ulen;

	pkg = last_component(path, dlen);
	if (pkg.n == 0 || pkg.p[0] == '.' || pkg.p[0] == '@')
		return false;
	ulen = pkg.p > path ? (size_t)(pkg.p - path) - 1 : 0;
	up = last_component(path, ulen);
	if (span_eq(up, "node_modules"))
		return true;
	if (up.n < 2 || up.p[0] != '@')
		return false;
	ulen = up.p > path ? (size_t)(up.p - path) - 1 : 0;
	return span_eq(last_component(path, ulen), "node_modules");
}

/*
 * What the file at path is.  Called for every file of every layer, so it
 * looks at the base name first and only then at the directories.
 */
static enum dbkind
classify(const char *path)
{
	size_t len = strlen(path), dlen;
	struct span base, dir, parent;

	base = last_component(path, len);
	dlen = base.p > path ? (size_t)(base.p - path) - 1 : 0;
	dir = span_make(path, dlen);
	if (base.n == 0)
		return DB_NONE;
	switch (base.p[0]) {
	case 'M':
	case 'R':
		if (!span_eq(base, "METADATA") && !span_eq(base, "RECORD"))
			break;
		parent = last_component(path, dlen);
		if (parent.n > 10 && span_ends_with(parent, ".dist-info"))
			return base.p[0] == 'M' ? DB_PIP_METADATA :
			    DB_PIP_RECORD;
		break;
	case 'P':
		if (!span_eq(base, "PKG-INFO"))
			break;
		parent = last_component(path, dlen);
		if (parent.n > 9 && span_ends_with(parent, ".egg-info"))
			return DB_PIP_PKGINFO;
		break;
	case 'i':
		if (span_eq(base, "installed-files.txt")) {
			parent = last_component(path, dlen);
			if (parent.n > 9 &&
			    span_ends_with(parent, ".egg-info"))
				return DB_PIP_EGG_FILES;
		} else if (span_eq(base, "installed") &&
		    strcmp(path, "lib/apk/db/installed") == 0)
			return DB_APK;
		break;
	case 'e':
		if (span_eq(base, "extended_states") &&
		    strcmp(path, "var/lib/apt/extended_states") == 0)
			return DB_APT_EXTENDED;
		break;
	case 'p':
		if (span_eq(base, "package.json") &&
		    is_npm_manifest(path, dlen))
			return DB_NPM;
		break;
	case 's':
		if (span_eq(base, "status") &&
		    strcmp(path, "var/lib/dpkg/status") == 0)
			return DB_DPKG_STATUS;
		break;
	}
	if (base.n > 9 && span_ends_with(base, ".egg-info"))
		return DB_PIP_EGG_FILE;
	if (base.n > 5 && span_ends_with(base, ".json") &&
	    span_eq(last_component(path, dlen), "conda-meta"))
		return DB_CONDA;
	if (span_eq(dir, "var/lib/dpkg/status.d"))
		return span_ends_with(base, ".md5sums") ? DB_DPKG_STATUSD_MD5 :
		    DB_DPKG_STATUSD;
	if (base.n > 5 && span_ends_with(base, ".list") &&
	    span_eq(dir, "var/lib/dpkg/info"))
		return DB_DPKG_LIST;
	return DB_NONE;
}

/* Paths come without a leading '/', but a stray "/" or "./" costs
 * nothing to forgive. */
static const char *
skip_root(const char *path)
{
	for (;;) {
		if (path[0] == '/')
			path++;
		else if (path[0] == '.' && path[1] == '/')
			path += 2;
		else
			return path;
	}
}

bool
pkgdb_wants(const char *path)
{
	return classify(skip_root(path)) != DB_NONE;
}

struct pkgdb *
pkgdb_new(void)
{
	return xcalloc(1, sizeof(struct pkgdb));
}

static struct pkgdb_priv *
priv(struct pkgdb *db)
{
	if (db->priv == NULL)
		db->priv = xcalloc(1, sizeof(struct pkgdb_priv));
	return db->priv;
}

void
pkgdb_add_file(struct pkgdb *db, const char *path, const void *data,
    size_t len, int layer)
{
	struct dbfile f;
	const char *d = data;
	enum dbkind kind;
	int64_t max;

	path = skip_root(path);
	kind = classify(path);
	if (kind == DB_NONE)
		return;
	(void)priv(db);
	f.db = db;
	f.path = path;
	f.layer = layer;
	f.nbad = 0;
	max = db->file_max > 0 ? db->file_max : LIMITS_PKGDB;
	if ((uint64_t)len > (uint64_t)max) {
		char a[32];

		dbfile_bad(&f, "%zu bytes, more than the %s this reader reads "
		    "(--max-pkgdb %lld; raise it to read the file)", len,
		    limits_size(max, a, sizeof(a)), (long long)max);
		return;
	}
	if (d == NULL)
		d = "";
	switch (kind) {
	case DB_DPKG_STATUS:
		dpkg_read(&f, DPKG_STATUS, d, len);
		break;
	case DB_DPKG_STATUSD:
		dpkg_read(&f, DPKG_STATUSD, d, len);
		break;
	case DB_DPKG_STATUSD_MD5:
		dpkg_read(&f, DPKG_STATUSD_MD5, d, len);
		break;
	case DB_DPKG_LIST:
		dpkg_read(&f, DPKG_LIST, d, len);
		break;
	case DB_APT_EXTENDED:
		dpkg_read(&f, DPKG_EXTENDED, d, len);
		break;
	case DB_PIP_METADATA:
		pip_read(&f, PIP_METADATA, d, len);
		break;
	case DB_PIP_RECORD:
		pip_read(&f, PIP_RECORD, d, len);
		break;
	case DB_PIP_PKGINFO:
		pip_read(&f, PIP_PKGINFO, d, len);
		break;
	case DB_PIP_EGG_FILES:
		pip_read(&f, PIP_EGG_FILES, d, len);
		break;
	case DB_PIP_EGG_FILE:
		pip_read(&f, PIP_EGG_FILE, d, len);
		break;
	case DB_CONDA:
		conda_read(&f, d, len);
		break;
	case DB_APK:
		apk_read(&f, d, len);
		break;
	case DB_NPM:
		npm_read(&f, d, len);
		break;
	case DB_NONE:
		break;
	}
	dbfile_done(&f);
}

static int
strcmp_null(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

/* (ecosystem, key, version), then where it came from: a total order, so
 * the result does not depend on the order files were handed in. */
static int
pkg_cmp(const void *a, const void *b)
{
	const struct pkg *x = a, *y = b;
	int c;

	if (x->eco != y->eco)
		return x->eco < y->eco ? -1 : 1;
	if ((c = strcmp(x->key, y->key)) != 0)
		return c;
	if ((c = strcmp(x->version, y->version)) != 0)
		return c;
	if ((c = strcmp_null(x->arch, y->arch)) != 0)
		return c;
	if ((c = strcmp(x->dbpath, y->dbpath)) != 0)
		return c;
	return strcmp_null(x->root, y->root);
}

static void
priv_free(struct pkgdb *db)
{
	struct pkgdb_priv *pv = db->priv;

	if (pv == NULL)
		return;
	dpkg_state_free(pv->dpkg);
	pip_state_free(pv->pip);
	free(pv->deps_cut);
	free(pv);
	db->priv = NULL;
}

void
pkgdb_finish(struct pkgdb *db)
{
	if (db->priv != NULL) {
		dpkg_finish(db);
		pip_finish(db);
		if (priv(db)->dropped > 0)
			findings_add(&db->findings, PKGDB_FINDING_KIND,
			    PKGDB_FINDING_TITLE, "the package databases describe "
			    "more than %d packages; %zu more were not read",
			    PKGDB_PACKAGES_MAX, priv(db)->dropped);
		if (priv(db)->deps_cut != NULL)
			findings_add(&db->findings, PKGDB_FINDING_KIND,
			    PKGDB_FINDING_TITLE, "the package databases hold "
			    "more than %d relationships (Depends, Requires-Dist "
			    "and the like); the rest were ignored, from package "
			    "%s on, so removal sets may count packages as "
			    "exclusive that are not",
			    PKGDB_DEPS_MAX, priv(db)->deps_cut);
		priv_free(db);
	}
	if (db->n > 1)
		qsort(db->v, db->n, sizeof(*db->v), pkg_cmp);
}

struct pkg *
pkgdb_find(struct pkgdb *db, enum pkg_ecosystem e, const char *key)
{
	size_t lo = 0, hi = db->n, mid;
	const struct pkg *p;
	int c;

	/* The first of equal keys: duplicates stay in the list. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		p = &db->v[mid];
		c = p->eco != e ? (p->eco < e ? -1 : 1) : strcmp(p->key, key);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < db->n && db->v[lo].eco == e && strcmp(db->v[lo].key, key) == 0)
		return &db->v[lo];
	return NULL;
}

void
pkgdb_free(struct pkgdb *db)
{
	size_t i;

	if (db == NULL)
		return;
	for (i = 0; i < db->n; i++)
		pkg_clear(&db->v[i]);
	free(db->v);
	findings_free(&db->findings);
	priv_free(db);
	free(db);
}
