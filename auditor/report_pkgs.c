/* SPDX-License-Identifier: MIT */
/*
 * report_pkgs.c: the package parts of the report model — packages[], the
 * attribution summary — and the `imgaudit why` document, which answers
 * "what is this package, who needs it, what does removing it free".
 * It reads the audit's owners and dependency results and never the tree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "candidates.h"
#include "report_private.h"

static void
add_names(cJSON *o, const char *key, const struct pkgdb *db, const size_t *v,
    size_t n)
{
	cJSON *arr = cJSON_AddArrayToObject(o, key);
	size_t i;

	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(db->v[v[i]].name));
}

/* A name list may hold non-UTF-8 bytes: through rep_str, one by one. */
static void
add_strings(cJSON *o, const char *key, char *const *v, size_t n)
{
	cJSON *arr = cJSON_AddArrayToObject(o, key);
	size_t i;

	for (i = 0; i < n; i++) {
		cJSON *tmp = cJSON_CreateObject();

		rep_str(tmp, "s", v[i]);
		cJSON_AddItemToArray(arr,
		    cJSON_DetachItemFromObject(tmp, "s"));
		cJSON_Delete(tmp);
	}
}

static int
name_sorted(const struct pkgdb *db, size_t *v, size_t n)
{
	size_t i, j;

	/* Insertion sort: requirement lists are short. */
	for (i = 1; i < n; i++) {
		size_t x = v[i];

		for (j = i; j > 0 && strcmp(db->v[v[j - 1]].name,
		    db->v[x].name) > 0; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	return 0;
}

static void
add_sorted_names(cJSON *o, const char *key, const struct pkgdb *db,
    const size_t *v, size_t n)
{
	size_t *tmp = xmalloc((n ? n : 1) * sizeof(*tmp));

	if (n > 0)
		memcpy(tmp, v, n * sizeof(*tmp));
	name_sorted(db, tmp, n);
	add_names(o, key, db, tmp, n);
	free(tmp);
}

static void
add_layer_bytes(cJSON *o, const struct audit *a, size_t i)
{
	cJSON *arr = cJSON_AddArrayToObject(o, "layers");
	size_t l;

	for (l = 0; l < a->n_layers; l++) {
		cJSON *e;

		if (a->owners->stats[i].layer_bytes[l] == 0)
			continue;
		e = cJSON_CreateObject();
		rep_int(e, "index", (int64_t)l);
		rep_int(e, "bytes", a->owners->stats[i].layer_bytes[l]);
		cJSON_AddItemToArray(arr, e);
	}
}

/* The fields packages[] and `why` share. */
static cJSON *
package_object(const struct audit *a, size_t i)
{
	const struct pkg *p = &a->pkgs->v[i];
	const struct pkg_stats *ps = &a->owners->stats[i];
	const struct dep_node *dn = &a->deps->node[i];
	const struct removal *r = &a->removals[i];
	const struct removal_set *rs = r->has_apt ? &r->apt : &r->full;
	cJSON *o = cJSON_CreateObject();

	rep_str(o, "ecosystem", pkg_ecosystem_name(p->eco));
	rep_str(o, "name", p->name);
	rep_str(o, "version", p->version);
	rep_int(o, "bytes", ps->bytes);
	rep_int(o, "files", ps->files);
	rep_str(o, "purpose", a->cands != NULL && i < a->cands->n_pkg ?
	    kb_purpose_name(a->cands->pkg_purpose[i]) : "unknown");
	add_sorted_names(o, "requires", a->pkgs, dn->requires, dn->n_requires);
	add_strings(o, "unresolved", dn->unresolved, dn->n_unresolved);
	if (r->blocked_by == SIZE_MAX && !r->skipped) {
		rep_int(o, "closure_bytes", rs->bytes);
		rep_int(o, "closure_packages", (int64_t)rs->n);
		rep_int(o, "closure_full_bytes", r->full.bytes);
	} else {
		cJSON_AddNullToObject(o, "closure_bytes");
		cJSON_AddNullToObject(o, "closure_packages");
		cJSON_AddNullToObject(o, "closure_full_bytes");
	}
	rep_str(o, "arch", p->arch);
	if (p->dbpath != NULL && p->dbpath[0] != '/') {
		size_t n = strlen(p->dbpath) + 2;
		char *slash = xmalloc(n);

		snprintf(slash, n, "/%s", p->dbpath);
		rep_str(o, "database", slash);
		free(slash);
	} else
		rep_str(o, "database", p->dbpath);
	if (p->eco == ECO_DPKG) {
		cJSON_AddBoolToObject(o, "auto_installed", p->auto_installed);
		cJSON_AddBoolToObject(o, "essential", p->essential ||
		    p->required);
	}
	rep_int(o, "symlinks", ps->links);
	rep_int(o, "bytecode_bytes", ps->derived_bytes);
	rep_int(o, "missing_files", ps->missing_files);
	rep_int(o, "deleted_files", ps->deleted_files);
	rep_int(o, "shadowed_files", ps->shadowed_files);
	add_layer_bytes(o, a, i);
	return o;
}

static const struct audit *order_audit;	/* qsort has no context */

static int
bytes_order(const void *pa, const void *pb)
{
	const struct audit *a = order_audit;
	size_t x = *(const size_t *)pa, y = *(const size_t *)pb;
	int64_t bx = a->owners->stats[x].bytes, by = a->owners->stats[y].bytes;
	int c;

	if (bx != by)
		return bx > by ? -1 : 1;
	if (a->pkgs->v[x].eco != a->pkgs->v[y].eco)
		return a->pkgs->v[x].eco < a->pkgs->v[y].eco ? -1 : 1;
	c = strcmp(a->pkgs->v[x].name, a->pkgs->v[y].name);
	if (c != 0)
		return c;
	return x < y ? -1 : x > y;
}

cJSON *
report_packages(const struct audit *a)
{
	cJSON *arr = cJSON_CreateArray();
	size_t i, n = a->pkgs ? a->pkgs->n : 0, *order;

	if (n == 0)
		return arr;
	order = xmalloc(n * sizeof(*order));
	for (i = 0; i < n; i++)
		order[i] = i;
	order_audit = a;
	qsort(order, n, sizeof(*order), bytes_order);
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, package_object(a, order[i]));
	free(order);
	return arr;
}

cJSON *
report_attribution(const struct audit *a, size_t top)
{
	cJSON *o = cJSON_CreateObject(), *arr, *eco;
	const struct owners *own = a->owners;
	int64_t count[ECO_COUNT] = { 0 };
	size_t i;

	rep_int(o, "owned_bytes", own ? own->owned_bytes : 0);
	rep_int(o, "owned_files", own ? own->owned_files : 0);
	rep_int(o, "unowned_bytes", own ? own->unowned_bytes : 0);
	rep_int(o, "unowned_files", own ? own->unowned_files : 0);
	eco = cJSON_AddObjectToObject(o, "packages");
	for (i = 0; a->pkgs != NULL && i < a->pkgs->n; i++)
		count[a->pkgs->v[i].eco]++;
	for (i = 0; i < ECO_COUNT; i++)
		if (count[i] > 0)
			rep_int(eco, pkg_ecosystem_name((enum pkg_ecosystem)i),
			    count[i]);
	arr = cJSON_AddArrayToObject(o, "unowned_dirs");
	for (i = 0; own != NULL && i < own->n_unowned && i < top; i++) {
		cJSON *d = cJSON_CreateObject();

		rep_str(d, "path", own->unowned[i].path);
		rep_int(d, "bytes", own->unowned[i].bytes);
		rep_int(d, "files", own->unowned[i].files);
		cJSON_AddItemToArray(arr, d);
	}
	return o;
}

static cJSON *
removal_set(const struct pkgdb *db, const struct removal_set *s)
{
	cJSON *o = cJSON_CreateObject();

	add_names(o, "packages", db, s->pkgs, s->n);
	rep_int(o, "bytes", s->bytes);
	rep_int(o, "files", s->files);
	rep_str(o, "fix", s->fix);
	return o;
}

/* The knowledge base's rule for package i, or null: why it has its purpose. */
static void
add_kb_rule(cJSON *root, const struct audit *a, size_t i)
{
	const struct pkg *p = &a->pkgs->v[i];
	const struct kb_package_rule *r = a->kb == NULL ? NULL :
	    kb_match_package(a->kb, pkg_ecosystem_name(p->eco), p->key);
	cJSON *o;

	if (r == NULL) {
		cJSON_AddNullToObject(root, "rule");
		return;
	}
	o = cJSON_AddObjectToObject(root, "rule");
	rep_str(o, "ecosystem", r->ecosystem);
	rep_str(o, "pattern", r->pattern);
	rep_str(o, "purpose", kb_purpose_name(r->purpose));
	rep_str(o, "confidence", kb_confidence_name(r->confidence));
	rep_str(o, "reason", r->reason);
	rep_str(o, "fix", r->fix);
	rep_str(o, "alternative", r->alternative);
	rep_str(o, "source", r->source);
}

cJSON *
report_build_why(const struct audit *a, size_t i)
{
	const struct pkgdb *db = a->pkgs;
	const struct removal *r = &a->removals[i];
	const struct dep_node *dn = &a->deps->node[i];
	cJSON *root = cJSON_CreateObject(), *img, *pkg, *rem, *full, *held;
	size_t k;

	cJSON_AddStringToObject(root, "schema", WHY_SCHEMA);
	img = cJSON_AddObjectToObject(root, "image");
	rep_str(img, "ref", a->img->ref);
	rep_str(img, "digest", a->img->digest);
	pkg = package_object(a, i);
	cJSON_AddItemToObject(root, "package", pkg);
	add_sorted_names(pkg, "recommends", db, dn->recommends,
	    dn->n_recommends);
	add_sorted_names(pkg, "required_by", db, dn->required_by,
	    dn->n_required_by);
	add_kb_rule(root, a, i);

	rem = cJSON_AddObjectToObject(root, "removal");
	if (r->blocked_by != SIZE_MAX) {
		rep_str(rem, "blocked_by", db->v[r->blocked_by].name);
		return root;
	}
	cJSON_AddNullToObject(rem, "blocked_by");
	if (r->skipped) {
		/* Past the dependency graph's work budget (deps.h). */
		cJSON_AddTrueToObject(rem, "not_computed");
		return root;
	}
	if (r->has_apt) {
		cJSON_AddItemToObject(rem, "apt", removal_set(db, &r->apt));
		rep_int(rem, "orphans", (int64_t)r->orphans);
		rep_int(rem, "orphan_bytes", r->orphan_bytes);
	}
	full = removal_set(db, &r->full);
	cJSON_AddItemToObject(rem, r->has_apt ? "full" :
	    pkg_ecosystem_name(db->v[i].eco), full);
	held = cJSON_AddArrayToObject(full, "held");
	for (k = 0; k < r->n_held; k++) {
		cJSON *h = cJSON_CreateObject();

		rep_str(h, "package", db->v[r->held[k].pkg].name);
		add_sorted_names(h, "held_by", db, r->held[k].by,
		    r->held[k].n_by);
		rep_str(h, "how", r->held[k].how);
		cJSON_AddItemToArray(held, h);
	}
	return root;
}

static void
add_arch_name(cJSON *o, const char *key, unsigned sm)
{
	char name[16];

	snprintf(name, sizeof(name), "sm_%u", sm);
	cJSON_AddStringToObject(o, key, name);
}

static int
targeted(const struct linkgraph_options *opt, unsigned sm)
{
	size_t i;

	for (i = 0; i < opt->n_target_sm; i++)
		if (opt->target_sm[i] == sm)
			return 1;
	return 0;
}

static int64_t
gpu_bytes(const struct fatbin_arch *a)
{
	return a->sass_bytes + a->ptx_bytes + a->ir_bytes;
}

static const struct linkgraph *sort_graph;	/* qsort has no context */

static int
gpu_order(const void *pa, const void *pb)
{
	const struct elf_obj *a = &sort_graph->obj[*(const size_t *)pa];
	const struct elf_obj *b = &sort_graph->obj[*(const size_t *)pb];

	if (a->f->fatbin.total_bytes != b->f->fatbin.total_bytes)
		return a->f->fatbin.total_bytes > b->f->fatbin.total_bytes ?
		    -1 : 1;
	return strcmp(a->path, b->path);
}

static int
size_order(const void *pa, const void *pb)
{
	const struct elf_obj *a = &sort_graph->obj[*(const size_t *)pa];
	const struct elf_obj *b = &sort_graph->obj[*(const size_t *)pb];

	if (a->size != b->size)
		return a->size > b->size ? -1 : 1;
	return strcmp(a->path, b->path);
}

static void
gpu_libraries(cJSON *o, const struct audit *a, size_t top)
{
	const struct linkgraph *g = a->graph;
	cJSON *arr = cJSON_AddArrayToObject(o, "gpu_libraries");
	size_t *idx = xmalloc((g->n_obj ? g->n_obj : 1) * sizeof(*idx));
	size_t i, n = 0, k;

	for (i = 0; i < g->n_obj; i++)
		if (g->obj[i].f->fatbin.n_arch > 0)
			idx[n++] = i;
	sort_graph = g;
	qsort(idx, n, sizeof(*idx), gpu_order);
	for (i = 0; i < n && i < top; i++) {
		const struct elf_obj *e = &g->obj[idx[i]];
		const struct fatbin_summary *fs = &e->f->fatbin;
		cJSON *l = cJSON_CreateObject(), *archs;
		int64_t other = 0;

		rep_str(l, "path", e->path);
		rep_int(l, "bytes", e->size);
		rep_int(l, "gpu_bytes", fs->total_bytes);
		archs = cJSON_AddArrayToObject(l, "architectures");
		for (k = 0; k < fs->n_arch; k++) {
			cJSON *x = cJSON_CreateObject();

			add_arch_name(x, "arch", fs->arch[k].sm);
			rep_int(x, "sass_bytes", fs->arch[k].sass_bytes);
			rep_int(x, "ptx_bytes", fs->arch[k].ptx_bytes);
			rep_int(x, "ir_bytes", fs->arch[k].ir_bytes);
			cJSON_AddItemToArray(archs, x);
			if (a->link.n_target_sm > 0 &&
			    !targeted(&a->link, fs->arch[k].sm))
				other += gpu_bytes(&fs->arch[k]);
		}
		if (a->link.n_target_sm > 0)
			rep_int(l, "other_arch_bytes", other);
		cJSON_AddItemToArray(arr, l);
	}
	free(idx);
}

cJSON *
report_binaries(const struct audit *a, size_t top)
{
	const struct linkgraph *g = a->graph;
	cJSON *o = cJSON_CreateObject(), *arr;
	int64_t gpu = 0, other = 0;
	size_t i, n, *idx;

	rep_int(o, "elf_files", (int64_t)g->n_obj);
	rep_int(o, "elf_bytes", g->elf_bytes);
	rep_int(o, "roots", (int64_t)g->n_roots);
	rep_int(o, "unstripped_files", (int64_t)g->n_unstripped);
	rep_int(o, "debug_bytes", g->debug_bytes);
	rep_int(o, "strip_unneeded_bytes", g->unneeded_bytes);

	arr = cJSON_AddArrayToObject(o, "gpu_architectures");
	for (i = 0; i < g->n_arch; i++) {
		const struct fatbin_arch *x = &g->arch[i].a;
		cJSON *e = cJSON_CreateObject();

		add_arch_name(e, "arch", x->sm);
		rep_int(e, "sass_bytes", x->sass_bytes);
		rep_int(e, "ptx_bytes", x->ptx_bytes);
		rep_int(e, "ir_bytes", x->ir_bytes);
		rep_int(e, "sass_uncompressed_bytes", x->sass_uncompressed);
		rep_int(e, "ptx_uncompressed_bytes", x->ptx_uncompressed);
		rep_int(e, "libraries", (int64_t)g->arch[i].n_libraries);
		cJSON_AddItemToArray(arr, e);
		gpu += gpu_bytes(x);
		if (a->link.n_target_sm > 0 && !targeted(&a->link, x->sm))
			other += gpu_bytes(x);
	}
	rep_int(o, "gpu_code_bytes", gpu);
	if (a->link.n_target_sm > 0) {
		arr = cJSON_AddArrayToObject(o, "target_arch");
		for (i = 0; i < a->link.n_target_sm; i++) {
			cJSON *tmp = cJSON_CreateObject();

			add_arch_name(tmp, "a", a->link.target_sm[i]);
			cJSON_AddItemToArray(arr,
			    cJSON_DetachItemFromObject(tmp, "a"));
			cJSON_Delete(tmp);
		}
		rep_int(o, "other_arch_bytes", other);
	} else {
		cJSON_AddNullToObject(o, "target_arch");
		cJSON_AddNullToObject(o, "other_arch_bytes");
	}
	gpu_libraries(o, a, top);

	arr = cJSON_AddArrayToObject(o, "missing_libraries");
	for (i = 0; i < g->n_missing; i++) {
		cJSON *e = cJSON_CreateObject();

		rep_str(e, "soname", g->missing[i].soname);
		rep_str(e, "needed_by", g->missing[i].needed_by);
		rep_int(e, "needers", (int64_t)g->missing[i].n_needers);
		cJSON_AddItemToArray(arr, e);
	}

	rep_int(o, "unreferenced_count", (int64_t)g->n_unreferenced);
	rep_int(o, "unreferenced_bytes", g->unreferenced_bytes);
	arr = cJSON_AddArrayToObject(o, "unreferenced_libraries");
	idx = xmalloc((g->n_obj ? g->n_obj : 1) * sizeof(*idx));
	for (i = n = 0; i < g->n_obj; i++)
		if (g->obj[i].role == OBJ_LIBRARY && !g->obj[i].reached)
			idx[n++] = i;
	sort_graph = g;
	qsort(idx, n, sizeof(*idx), size_order);
	for (i = 0; i < n && i < top; i++) {
		cJSON *e = cJSON_CreateObject();

		rep_str(e, "path", g->obj[idx[i]].path);
		rep_int(e, "bytes", g->obj[idx[i]].size);
		cJSON_AddItemToArray(arr, e);
	}
	free(idx);
	return o;
}
