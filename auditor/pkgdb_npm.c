/* SPDX-License-Identifier: MIT */
/*
 * pkgdb_npm.c: an npm package's own node_modules/NAME/package.json (or
 * node_modules/@SCOPE/NAME/package.json): name, version, dependencies and
 * optionalDependencies.  npm keeps no list of the files it wrote, so a
 * package is its folder (pkg->root): the caller gives it every file below
 * that folder except those under a nested node_modules.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "pkgdb_private.h"

static void
read_deps(struct dbfile *f, struct pkg *p, const cJSON *deps)
{
	const cJSON *it;
	struct pkg_dep *d;
	struct span name;
	char *text;
	size_t n;

	if (!cJSON_IsObject(deps))
		return;
	cJSON_ArrayForEach(it, deps) {
		if (it->string == NULL)
			continue;
		name = span_make(it->string, strlen(it->string));
		if (!span_is_name(name)) {
			dbfile_bad(f, "dependency \"%.64s\" names no package",
			    it->string);
			continue;
		}
		/* "name@range", as npm writes a spec */
		n = name.n + 2 + (cJSON_IsString(it) && it->valuestring ?
		    strlen(it->valuestring) : 0);
		text = xmalloc(n);
		snprintf(text, n, "%s@%s", it->string,
		    cJSON_IsString(it) && it->valuestring ? it->valuestring :
		    "");
		d = pkg_add_dep(f, p, DEP_DEPENDS,
		    span_make(text, strlen(text)));
		free(text);
		if (d == NULL) {
			if (p->n_deps >= PKG_MAX_DEPS)
				dbfile_bad(f, "more than %d dependencies, the "
				    "rest ignored", PKG_MAX_DEPS);
			return;
		}
		dep_add_alt(d, span_dup(name));
	}
}

/* A string member of o as a span, or an empty span. */
static struct span
str_member(const cJSON *o, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);

	if (cJSON_IsString(it) && it->valuestring != NULL)
		return span_make(it->valuestring, strlen(it->valuestring));
	return span_make("", 0);
}

void
npm_read(struct dbfile *f, const char *data, size_t len)
{
	const char *end = NULL, *b, *next;
	cJSON *root;
	struct span v;
	struct pkg p;

	root = cJSON_ParseWithLengthOpts(data, len, &end, 0);
	if (root == NULL) {
		dbfile_bad(f, "not JSON (error at byte %zu)",
		    end != NULL && end >= data ? (size_t)(end - data) : 0);
		return;
	}
	if (!cJSON_IsObject(root)) {
		dbfile_bad(f, "not a JSON object");
		goto out;
	}
	pkg_init(&p, ECO_NPM, f);
	p.root = xstrndup(f->path, path_dirlen(f->path, strlen(f->path)));
	v = str_member(root, "name");
	if (span_is_name(v)) {
		p.name = span_dup(v);
	} else {
		/* The folder npm installed it under names it: "x" or
		 * "@scope/x" after the last "node_modules/". */
		b = p.root;
		while ((next = strstr(b, "node_modules/")) != NULL)
			b = next + strlen("node_modules/");
		p.name = xstrdup(b);
		dbfile_bad(f, "no readable \"name\"; named after its folder");
	}
	p.key = xstrdup(p.name);
	if (span_is_text(v = str_member(root, "version")))
		p.version = span_dup(v);
	read_deps(f, &p, cJSON_GetObjectItemCaseSensitive(root,
	    "dependencies"));
	read_deps(f, &p, cJSON_GetObjectItemCaseSensitive(root,
	    "optionalDependencies"));
	pkgdb_push(f->db, &p);
out:
	cJSON_Delete(root);
}
