/* SPDX-License-Identifier: MIT */
/*
 * pkgdb_conda.c: conda's PREFIX/conda-meta/NAME-VERSION-BUILD.json, one
 * file per package installed into the environment PREFIX: name, version,
 * build, subdir, depends ("numpy >=1.21,<2"), files (prefix-relative) and
 * paths_data, whose size_in_bytes sizes the package without the tree.
 *
 * conda environments also hold pip's dist-info directories for the same
 * files; which owner wins is the caller's choice, not this reader's.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "pkgdb_private.h"

/* A string member of o as a span, or an empty span. */
static struct span
str_member(const cJSON *o, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);

	if (cJSON_IsString(it) && it->valuestring != NULL)
		return span_make(it->valuestring, strlen(it->valuestring));
	return span_make("", 0);
}

static void
add_path(struct dbfile *f, struct pkg *p, const char *prefix, const char *rel)
{
	unsigned flags = 0;

	pkg_add_path(p, prefix, span_make(rel, strlen(rel)), &flags);
	if (flags & PATH_ABOVE_ROOT)
		dbfile_bad(f, "\"%.64s\" climbs above the root", rel);
}

static void
read_depends(struct dbfile *f, struct pkg *p, const cJSON *deps)
{
	const cJSON *it;
	const char *s, *sp;
	struct pkg_dep *d;
	struct span name;

	cJSON_ArrayForEach(it, deps) {
		if (!cJSON_IsString(it) || it->valuestring == NULL)
			continue;
		s = it->valuestring;
		/* "python >=3.11,<3.12.0a0": the name ends at a blank */
		sp = strchr(s, ' ');
		name = span_make(s, sp != NULL ? (size_t)(sp - s) : strlen(s));
		if (!span_is_name(name)) {
			dbfile_bad(f, "depends \"%.64s\" names no package", s);
			continue;
		}
		if ((d = pkg_add_dep(f, p, DEP_DEPENDS,
		    span_make(s, strlen(s)))) == NULL) {
			if (p->n_deps >= PKG_MAX_DEPS)
				dbfile_bad(f, "more than %d depends, the rest "
				    "ignored", PKG_MAX_DEPS);
			return;
		}
		dep_add_alt(d, span_dup(name));
	}
}

static void
read_paths_data(struct dbfile *f, struct pkg *p, const cJSON *pd,
    const char *prefix, bool want_paths)
{
	const cJSON *paths, *it, *sz, *path, *type;
	int64_t total = 0;
	bool sized = false;

	paths = cJSON_GetObjectItemCaseSensitive(pd, "paths");
	cJSON_ArrayForEach(it, paths) {
		sz = cJSON_GetObjectItemCaseSensitive(it, "size_in_bytes");
		if (cJSON_IsNumber(sz) && isfinite(sz->valuedouble) &&
		    sz->valuedouble >= 0 && sz->valuedouble < 9e15) {
			total += (int64_t)sz->valuedouble;
			sized = true;
		}
		if (!want_paths)
			continue;
		path = cJSON_GetObjectItemCaseSensitive(it, "_path");
		type = cJSON_GetObjectItemCaseSensitive(it, "path_type");
		if (cJSON_IsString(type) && type->valuestring != NULL &&
		    strcmp(type->valuestring, "directory") == 0)
			continue;
		if (cJSON_IsString(path) && path->valuestring != NULL)
			add_path(f, p, prefix, path->valuestring);
	}
	if (sized)
		p->installed_size = total;
}

void
conda_read(struct dbfile *f, const char *data, size_t len)
{
	const char *end = NULL;
	cJSON *root;
	const cJSON *files, *it;
	struct span v;
	struct pkg p;
	char *prefix;
	size_t dl;

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
	v = str_member(root, "name");
	if (!span_is_name(v)) {
		dbfile_bad(f, "no readable \"name\"");
		goto out;
	}
	pkg_init(&p, ECO_CONDA, f);
	p.name = span_dup(v);
	p.key = xstrdup(p.name);
	if (span_is_text(v = str_member(root, "version")))
		p.version = span_dup(v);
	if (span_is_name(v = str_member(root, "subdir")))
		p.arch = span_dup(v);
	read_depends(f, &p, cJSON_GetObjectItemCaseSensitive(root, "depends"));

	/* The prefix is the directory that holds conda-meta/. */
	dl = path_dirlen(f->path, strlen(f->path));
	prefix = xstrndup(f->path, path_dirlen(f->path, dl));
	files = cJSON_GetObjectItemCaseSensitive(root, "files");
	if (cJSON_IsArray(files)) {
		p.has_file_list = true;
		cJSON_ArrayForEach(it, files)
			if (cJSON_IsString(it) && it->valuestring != NULL)
				add_path(f, &p, prefix, it->valuestring);
	}
	it = cJSON_GetObjectItemCaseSensitive(root, "paths_data");
	if (cJSON_IsObject(it)) {
		read_paths_data(f, &p, it, prefix, !p.has_file_list);
		if (!cJSON_IsArray(files) && cJSON_IsArray(
		    cJSON_GetObjectItemCaseSensitive(it, "paths")))
			p.has_file_list = true;
	}
	free(prefix);
	pkgdb_push(f->db, &p);
out:
	cJSON_Delete(root);
}
