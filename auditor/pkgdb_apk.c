/* SPDX-License-Identifier: MIT */
/*
 * pkgdb_apk.c: Alpine's lib/apk/db/installed — blank-line separated
 * records of "X:value" lines: P name, V version, A arch, I installed
 * size, D depends, p provides, and the file section, where each R (file
 * name) belongs to the last F (directory, root relative).
 *
 * Dependencies and provides are stored as apk writes them, version
 * dropped: "so:libc.musl-x86_64.so.1" and "cmd:sh" are virtual names
 * that other packages' provides answer; resolving them is the caller's.
 */
#include <stdlib.h>
#include <string.h>

#include "pkgdb_private.h"

#define SHOW(s)	(int)((s).n > 64 ? 64 : (s).n), (s).p

/* "musl>=1.2", "so:libz.so.1=1.3", "x~1": the name before the version. */
static struct span
apk_name(struct span tok)
{
	size_t i;

	for (i = 0; i < tok.n; i++)
		if (strchr("<>=~", tok.p[i]) != NULL)
			break;
	return span_make(tok.p, i);
}

/* Each blank-separated word of v to fn. */
static void
apk_words(struct dbfile *f, struct pkg *p, struct span v, bool provides,
    size_t ln)
{
	const char *s = v.p, *end = v.p + v.n, *w;
	struct span tok, name;
	struct pkg_dep *d;

	while (s < end) {
		while (s < end && (*s == ' ' || *s == '\t'))
			s++;
		for (w = s; s < end && *s != ' ' && *s != '\t'; s++)
			;
		if (s == w)
			break;
		tok = span_make(w, (size_t)(s - w));
		if (tok.p[0] == '!')	/* a conflict, not a need */
			continue;
		name = apk_name(tok);
		if (!span_is_name(name)) {
			dbfile_bad(f, "line %zu: \"%.*s\" names no package",
			    ln, SHOW(tok));
			continue;
		}
		if (provides) {
			if (!pkg_add_provide(p, name)) {
				dbfile_bad(f, "line %zu: more than %d "
				    "provides, the rest ignored", ln,
				    PKG_MAX_PROVIDES);
				return;
			}
			continue;
		}
		if ((d = pkg_add_dep(f, p, DEP_DEPENDS, tok)) == NULL) {
			if (p->n_deps >= PKG_MAX_DEPS)
				dbfile_bad(f, "line %zu: more than %d depends, "
				    "the rest ignored", ln, PKG_MAX_DEPS);
			return;
		}
		dep_add_alt(d, span_dup(name));
	}
}

static void
flush(struct dbfile *f, struct pkg *p, size_t rec, size_t line)
{
	if (p->name == NULL) {
		dbfile_bad(f, "record %zu (line %zu) has no P line", rec,
		    line);
		pkg_clear(p);
		return;
	}
	p->key = xstrdup(p->name);
	pkgdb_push(f->db, p);
}

void
apk_read(struct dbfile *f, const char *data, size_t len)
{
	const char *s = data, *end = data + len;
	struct span line, v;
	struct pkg p;
	char *dir = NULL;
	size_t ln = 0, rec = 0, recline = 0;
	unsigned flags;
	bool open = false, more;
	int64_t size;

	for (;;) {
		more = next_line(&s, end, &line);
		ln += more;
		if (!more || line.n == 0) {
			if (open)
				flush(f, &p, rec, recline);
			open = false;
			free(dir);
			dir = NULL;
			if (!more)
				break;
			continue;
		}
		if (!open) {
			pkg_init(&p, ECO_APK, f);
			p.has_file_list = true;
			open = true;
			rec++;
			recline = ln;
		}
		if (line.n < 2 || line.p[1] != ':') {
			dbfile_bad(f, "line %zu: not an \"X:value\" line", ln);
			continue;
		}
		v = span_make(line.p + 2, line.n - 2);
		switch (line.p[0]) {
		case 'P':
			if (p.name != NULL || !span_is_name(v)) {
				dbfile_bad(f, "line %zu: a second or "
				    "unreadable P line", ln);
				break;
			}
			p.name = span_dup(v);
			break;
		case 'V':
			if (p.version == NULL && span_is_text(v))
				p.version = span_dup(v);
			break;
		case 'A':
			if (p.arch == NULL && span_is_name(v))
				p.arch = span_dup(v);
			break;
		case 'I':
			if (span_to_i64(v, &size))
				p.installed_size = size;
			else
				dbfile_bad(f, "line %zu: I is not a number",
				    ln);
			break;
		case 'D':
			apk_words(f, &p, v, false, ln);
			break;
		case 'p':
			apk_words(f, &p, v, true, ln);
			break;
		case 'F':
			free(dir);
			dir = span_dup(v);
			break;
		case 'R':
			flags = 0;
			pkg_add_path(&p, dir != NULL ? dir : "", v, &flags);
			if (flags & PATH_ABOVE_ROOT)
				dbfile_bad(f, "line %zu: \"%s/%.*s\" climbs "
				    "above the root", ln, dir ? dir : "",
				    SHOW(v));
			break;
		default:
			break;
		}
	}
}
