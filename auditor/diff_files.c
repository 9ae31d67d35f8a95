/* SPDX-License-Identifier: MIT */
/*
 * diff_files.c: the files part of the diff — the two final trees walked
 * into lists sorted by path and merged: added, removed, and changed (another
 * size, or data from a layer the two builds do not share: a re-run step
 * writes other bytes, and a node pulls them again), with the largest of
 * each.  The rest of the comparison is diff.c's.
 */
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "diff_private.h"
#include "report_private.h"

struct dfile {
	char *path;
	int64_t size;
	int layer;
};

struct dfiles {
	struct dfile *v;
	size_t n, cap;
};

static int
collect(void *ctx, const char *path, size_t len, const struct tree_stat *st)
{
	struct dfiles *d = ctx;

	if (st->kind != ENTRY_FILE)
		return TREE_WALK_CONTINUE;
	xgrow((void **)&d->v, &d->cap, d->n + 1, sizeof(*d->v));
	/* Paths handed out start with '/', as in the report. */
	d->v[d->n].path = xmalloc(len + 2);
	d->v[d->n].path[0] = '/';
	memcpy(d->v[d->n].path + 1, path, len);
	d->v[d->n].path[len + 1] = '\0';
	d->v[d->n].size = st->size;
	d->v[d->n++].layer = st->layer;
	return TREE_WALK_CONTINUE;
}

static int
dfile_cmp(const void *pa, const void *pb)
{
	return strcmp(((const struct dfile *)pa)->path,
	    ((const struct dfile *)pb)->path);
}

/* A row of a file list: largest first (by |delta| for changed files). */
struct frow {
	const char *path;
	int64_t old_size, new_size, key;
};

static void
keep_top(struct frow *top, size_t *n, size_t max, struct frow r)
{
	size_t i;

	if (*n == max && r.key <= top[*n - 1].key)
		return;
	if (*n < max)
		(*n)++;
	for (i = *n - 1; i > 0 && top[i - 1].key < r.key; i--)
		top[i] = top[i - 1];
	top[i] = r;
}

static const char *
layer_diff_id(const struct audit *a, int layer)
{
	if (layer < 0 || (size_t)layer >= a->n_layers)
		return NULL;
	return a->layers[layer]->diff_id;
}

cJSON *
diff_files(const struct audit *o, const struct audit *n, size_t top)
{
	struct dfiles fo = { 0 }, fn = { 0 };
	struct frow *ta, *tr, *tc;
	size_t na = 0, nr = 0, nc = 0, i = 0, j = 0, k;
	int64_t added = 0, removed = 0, changed = 0, add_b = 0, rem_b = 0;
	int64_t ch_old = 0, ch_new = 0, resized = 0;
	cJSON *f = cJSON_CreateObject(), *arr;

	tree_walk(o->tree, "", collect, &fo);
	tree_walk(n->tree, "", collect, &fn);
	if (fo.n > 1)
		qsort(fo.v, fo.n, sizeof(*fo.v), dfile_cmp);
	if (fn.n > 1)
		qsort(fn.v, fn.n, sizeof(*fn.v), dfile_cmp);
	ta = xcalloc(top, sizeof(*ta));
	tr = xcalloc(top, sizeof(*tr));
	tc = xcalloc(top, sizeof(*tc));
	while (i < fo.n || j < fn.n) {
		int c = i == fo.n ? 1 : j == fn.n ? -1 :
		    strcmp(fo.v[i].path, fn.v[j].path);

		if (c < 0) {
			struct frow r = { fo.v[i].path, fo.v[i].size, 0,
			    fo.v[i].size };

			removed++;
			rem_b += fo.v[i].size;
			keep_top(tr, &nr, top, r);
			i++;
		} else if (c > 0) {
			struct frow r = { fn.v[j].path, 0, fn.v[j].size,
			    fn.v[j].size };

			added++;
			add_b += fn.v[j].size;
			keep_top(ta, &na, top, r);
			j++;
		} else {
			const char *da = layer_diff_id(o, fo.v[i].layer);
			const char *db = layer_diff_id(n, fn.v[j].layer);
			int64_t d = fn.v[j].size - fo.v[i].size;

			if (fo.v[i].size != fn.v[j].size || da == NULL ||
			    db == NULL || strcmp(da, db) != 0) {
				struct frow r = { fn.v[j].path, fo.v[i].size,
				    fn.v[j].size, d < 0 ? -d : d };

				changed++;
				resized += d != 0;
				ch_old += fo.v[i].size;
				ch_new += fn.v[j].size;
				keep_top(tc, &nc, top, r);
			}
			i++;
			j++;
		}
	}
	rep_int(f, "added", added);
	rep_int(f, "removed", removed);
	rep_int(f, "changed", changed);
	rep_int(f, "resized", resized);
	rep_int(f, "added_bytes", add_b);
	rep_int(f, "removed_bytes", rem_b);
	rep_int(f, "changed_old_bytes", ch_old);
	rep_int(f, "changed_new_bytes", ch_new);
	rep_int(f, "delta_bytes", n->totals.final_bytes -
	    o->totals.final_bytes);
	arr = cJSON_AddArrayToObject(f, "top_added");
	for (k = 0; k < na; k++) {
		cJSON *x = cJSON_CreateObject();

		rep_str(x, "path", ta[k].path);
		rep_int(x, "bytes", ta[k].new_size);
		cJSON_AddItemToArray(arr, x);
	}
	arr = cJSON_AddArrayToObject(f, "top_removed");
	for (k = 0; k < nr; k++) {
		cJSON *x = cJSON_CreateObject();

		rep_str(x, "path", tr[k].path);
		rep_int(x, "bytes", tr[k].old_size);
		cJSON_AddItemToArray(arr, x);
	}
	arr = cJSON_AddArrayToObject(f, "top_changed");
	for (k = 0; k < nc; k++) {
		cJSON *x = cJSON_CreateObject();

		rep_str(x, "path", tc[k].path);
		rep_int(x, "old_bytes", tc[k].old_size);
		rep_int(x, "new_bytes", tc[k].new_size);
		cJSON_AddItemToArray(arr, x);
	}
	/* The rows point into the lists: free those last. */
	free(ta);
	free(tr);
	free(tc);
	for (k = 0; k < fo.n; k++)
		free(fo.v[k].path);
	for (k = 0; k < fn.n; k++)
		free(fn.v[k].path);
	free(fo.v);
	free(fn.v);
	return f;
}
