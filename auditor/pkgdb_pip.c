/* SPDX-License-Identifier: MIT */
/*
 * pkgdb_pip.c: Python's installed-distribution metadata — a
 * NAME-VERSION.dist-info directory's METADATA (Name, Version,
 * Requires-Dist) and RECORD (the files, as CSV), and the older egg-info
 * forms: NAME.egg-info/PKG-INFO with installed-files.txt, or a single
 * NAME.egg-info file holding PKG-INFO.
 *
 * Requires-Dist markers are evaluated (pkgdb_marker.c) for Linux x86_64
 * CPython and the Python version the site-packages path names
 * (".../python3.11/..."): a requirement whose marker is false is dropped,
 * one that only an extra turns on becomes DEP_EXTRA, and one we cannot
 * decide is kept.
 *
 * METADATA and RECORD of one directory arrive as separate files, so each
 * is kept as a piece keyed by its directory and pip_finish() joins them.
 */
#include <stdlib.h>
#include <string.h>

#include "pkgdb_private.h"

#define SHOW(s)	(int)((s).n > 64 ? 64 : (s).n), (s).p
/* Extras one marker may name that we try one by one. */
#define MARKER_EXTRAS	8

struct pip_piece {
	char *dir;		/* .dist-info or .egg-info path: join key */
	bool meta;		/* METADATA, PKG-INFO, or an .egg-info file */
	size_t seq;
	struct pkg pkg;		/* meta: name, version, deps; or files */
};

struct pip_state {
	struct pip_piece *v;
	size_t n, cap;
};

/* ---- METADATA, PKG-INFO ---- */

/* PEP 508 names: letters, digits, "-", "_", "." */
static bool
is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

/*
 * "name [extras] (>= 1) ; marker", "name>=1; marker", "name @ url ;
 * marker": a dep of p, or nothing when the marker is false here.
 */
static void
add_requirement(struct dbfile *f, struct pkg *p, struct span v,
    const char *pyver)
{
	struct span name, marker = { NULL, 0 };
	char *extras[MARKER_EXTRAS], *raw, *extra = NULL;
	size_t i, nx = 0, k;
	const char *semi = NULL;
	enum marker_value mv;
	enum dep_kind kind = DEP_DEPENDS;
	struct pkg_dep *d;
	bool bad = false;

	v = span_trim(v);
	for (i = 0; i < v.n && is_name_char(v.p[i]); i++)
		;
	name = span_make(v.p, i);
	if (!span_is_name(name)) {
		dbfile_bad(f, "Requires-Dist \"%.*s\" names no package",
		    SHOW(v));
		return;
	}
	while (i < v.n && (v.p[i] == ' ' || v.p[i] == '\t'))
		i++;
	if (i < v.n && v.p[i] == '@') {
		/* PEP 508: a URL's marker needs white space before ';' */
		for (k = i; k + 1 < v.n && semi == NULL; k++)
			if ((v.p[k] == ' ' || v.p[k] == '\t') &&
			    v.p[k + 1] == ';')
				semi = v.p + k + 1;
	} else {
		semi = memchr(v.p + i, ';', v.n - i);
	}
	if (semi != NULL)
		marker = span_make(semi + 1, (size_t)(v.p + v.n - semi - 1));
	if (span_trim(marker).n > 0) {
		mv = pip_marker_eval(marker, pyver, NULL, extras,
		    MARKER_EXTRAS, &nx, &bad);
		if (bad)
			dbfile_bad(f, "Requires-Dist \"%.*s\": the marker "
			    "could not be read (kept)", SHOW(v));
		/* False as things are: does some extra turn it on? */
		for (k = 0; mv == MARKER_FALSE && k < nx; k++) {
			if (pip_marker_eval(marker, pyver, extras[k], NULL,
			    0, NULL, NULL) != MARKER_FALSE) {
				kind = DEP_EXTRA;
				extra = extras[k];
				extras[k] = NULL;
				break;
			}
		}
		for (k = 0; k < nx; k++)
			free(extras[k]);
		if (mv == MARKER_FALSE && kind != DEP_EXTRA)
			return;
	}
	if ((d = pkg_add_dep(f, p, kind, v)) == NULL) {
		free(extra);
		if (p->n_deps == PKG_MAX_DEPS)
			dbfile_bad(f, "more than %d Requires-Dist, the rest "
			    "ignored", PKG_MAX_DEPS);
		return;
	}
	d->extra = extra;
	raw = span_dup(name);
	dep_add_alt(d, pkgdb_pip_normalise(raw));
	free(raw);
}

static void
read_metadata(struct dbfile *f, struct pkg *p, const char *data, size_t len,
    const char *pyver)
{
	struct stanza_reader r;
	struct stanza s = { 0 };
	struct span v;
	size_t i;
	bool overflow = false;

	stanza_reader_init(&r, data, len);
	if (!stanza_next(&r, &s, f)) {
		dbfile_bad(f, "empty: no Name field; named after its "
		    "directory");
		stanza_free(&s);
		return;
	}
	if (stanza_get(&s, "Name", &v) && span_is_name(v))
		p->name = span_dup(v);
	else
		dbfile_bad(f, "no readable Name field; named after its "
		    "directory");
	if (stanza_get(&s, "Version", &v) && span_is_text(v))
		p->version = span_dup(v);
	for (i = 0; i < s.n; i++) {
		if (!span_eq_ci(s.f[i].name, "Requires-Dist"))
			continue;
		if (p->n_deps >= PKG_MAX_DEPS) {
			overflow = true;
			continue;
		}
		add_requirement(f, p, s.f[i].value, pyver);
	}
	if (overflow)
		dbfile_bad(f, "more than %d Requires-Dist, the rest ignored",
		    PKG_MAX_DEPS);
	stanza_free(&s);
}

/* ---- RECORD, installed-files.txt ---- */

/*
 * The first CSV field of a RECORD line (Python's csv module: quotes
 * around a field, "" inside them for one quote) into *out, a new buffer
 * of *outlen bytes (NULs kept, for path_resolve() to refuse).  False on an
 * unterminated quote, reported.
 */
static bool
record_path(struct dbfile *f, struct span line, size_t ln, char **out,
    size_t *outlen)
{
	const char *comma;
	char *o;
	size_t i, n = 0;

	o = xmalloc(line.n + 1);
	if (line.n == 0 || line.p[0] != '"') {
		comma = memchr(line.p, ',', line.n);
		n = comma != NULL ? (size_t)(comma - line.p) : line.n;
		memcpy(o, line.p, n);
		*out = o;
		*outlen = n;
		return true;
	}
	for (i = 1; i < line.n; i++) {
		if (line.p[i] != '"') {
			o[n++] = line.p[i];
			continue;
		}
		if (i + 1 < line.n && line.p[i + 1] == '"') {
			o[n++] = '"';
			i++;
			continue;
		}
		*out = o;
		*outlen = n;
		return true;
	}
	free(o);
	dbfile_bad(f, "RECORD line %zu: unterminated quote", ln);
	return false;
}

static void
add_listed(struct dbfile *f, struct pkg *p, const char *base, struct span rel,
    size_t ln)
{
	unsigned flags = 0;

	pkg_add_path(p, base, rel, &flags);
	if (flags & PATH_HAS_NUL)
		dbfile_bad(f, "line %zu: a NUL byte in the path", ln);
	else if (flags & PATH_ABOVE_ROOT)
		dbfile_bad(f, "line %zu: \"%.*s\" climbs above the root "
		    "(kept as /%s)", ln, SHOW(rel),
		    p->n_files ? p->files[p->n_files - 1] : "");
}

/* Paths are relative to base: the directory holding the .dist-info
 * directory for RECORD, the .egg-info directory for installed-files. */
static void
read_file_list(struct dbfile *f, struct pkg *p, const char *data, size_t len,
    const char *base, bool csv)
{
	const char *s = data, *end = data + len;
	struct span line;
	size_t ln = 0, plen;
	char *path;

	while (next_line(&s, end, &line)) {
		ln++;
		if (span_trim(line).n == 0)
			continue;
		if (!csv) {
			add_listed(f, p, base, line, ln);
			continue;
		}
		if (!record_path(f, line, ln, &path, &plen))
			continue;
		if (plen > 0)
			add_listed(f, p, base, span_make(path, plen), ln);
		free(path);
	}
	p->has_file_list = true;
}

/* ---- pieces ---- */

static struct pip_state *
state(struct pkgdb *db)
{
	struct pkgdb_priv *pv = db->priv;

	if (pv->pip == NULL)
		pv->pip = xcalloc(1, sizeof(*pv->pip));
	return pv->pip;
}

void
pip_read(struct dbfile *f, enum pip_kind kind, const char *data, size_t len)
{
	struct pip_state *st = state(f->db);
	struct pip_piece *pc;
	size_t plen = strlen(f->path), dlen;
	char *pyver, *base;

	xgrow((void **)&st->v, &st->cap, st->n + 1, sizeof(*st->v));
	pc = &st->v[st->n];
	pc->seq = st->n++;
	dlen = kind == PIP_EGG_FILE ? plen : path_dirlen(f->path, plen);
	pc->dir = xstrndup(f->path, dlen);
	pc->meta = kind == PIP_METADATA || kind == PIP_PKGINFO ||
	    kind == PIP_EGG_FILE;
	pkg_init(&pc->pkg, ECO_PIP, f);
	pyver = pip_python_version(f->path);
	switch (kind) {
	case PIP_METADATA:
	case PIP_PKGINFO:
		read_metadata(f, &pc->pkg, data, len, pyver);
		break;
	case PIP_EGG_FILE:
		read_metadata(f, &pc->pkg, data, len, pyver);
		/* the file is all there is of it; it lists nothing else */
		pkg_add_file(&pc->pkg, xstrdup(f->path));
		break;
	case PIP_RECORD:
		base = xstrndup(f->path, path_dirlen(pc->dir, dlen));
		read_file_list(f, &pc->pkg, data, len, base, true);
		free(base);
		break;
	case PIP_EGG_FILES:
		read_file_list(f, &pc->pkg, data, len, pc->dir, false);
		break;
	}
	free(pyver);
}

static int
piece_cmp(const void *a, const void *b)
{
	const struct pip_piece *x = a, *y = b;
	int c = strcmp(x->dir, y->dir);

	if (c != 0)
		return c;
	if (x->meta != y->meta)
		return x->meta ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * A package without a readable METADATA is named after its directory:
 * "{name}-{version}.dist-info", "{name}-{version}-py3.11.egg-info".
 */
static void
name_from_dir(struct pkg *p, const char *dir)
{
	const char *b = dir + strlen(dir), *dot, *dash, *dash2;

	while (b > dir && b[-1] != '/')
		b--;
	dot = strrchr(b, '.');
	if (dot == NULL || dot == b)
		dot = b + strlen(b);
	dash = memchr(b, '-', (size_t)(dot - b));
	free(p->name);
	p->name = xstrndup(b, (size_t)((dash ? dash : dot) - b));
	if (p->version == NULL && dash != NULL) {
		dash2 = memchr(dash + 1, '-', (size_t)(dot - dash - 1));
		p->version = xstrndup(dash + 1,
		    (size_t)((dash2 ? dash2 : dot) - dash - 1));
	}
}

void
pip_finish(struct pkgdb *db)
{
	struct pip_state *st = ((struct pkgdb_priv *)db->priv)->pip;
	struct pip_piece *pc, *o;
	struct dbfile f;
	size_t i, j, k;

	if (st == NULL)
		return;
	if (st->n > 1)
		qsort(st->v, st->n, sizeof(*st->v), piece_cmp);
	for (i = 0; i < st->n; i = j) {
		pc = &st->v[i];
		for (j = i + 1; j < st->n && strcmp(st->v[j].dir, pc->dir) == 0;
		    j++) {
			o = &st->v[j];
			for (k = 0; k < o->pkg.n_files; k++)
				pkg_add_file(&pc->pkg, o->pkg.files[k]);
			o->pkg.n_files = 0;
			pc->pkg.has_file_list |= o->pkg.has_file_list;
			if (o->pkg.dblayer > pc->pkg.dblayer)
				pc->pkg.dblayer = o->pkg.dblayer;
			pkg_clear(&o->pkg);
		}
		if (pc->pkg.name == NULL)
			name_from_dir(&pc->pkg, pc->dir);
		if (!span_is_name(span_make(pc->pkg.name,
		    strlen(pc->pkg.name)))) {
			f.db = db;
			f.path = pc->pkg.dbpath;
			f.layer = pc->pkg.dblayer;
			f.nbad = 0;
			dbfile_bad(&f, "no name, and its directory names none");
			pkg_clear(&pc->pkg);
			continue;
		}
		pc->pkg.key = pkgdb_pip_normalise(pc->pkg.name);
		pkgdb_push(db, &pc->pkg);
	}
	for (i = 0; i < st->n; i++)
		free(st->v[i].dir);
	st->n = 0;
}

void
pip_state_free(struct pip_state *st)
{
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < st->n; i++) {
		free(st->v[i].dir);
		pkg_clear(&st->v[i].pkg);
	}
	free(st->v);
	free(st);
}
