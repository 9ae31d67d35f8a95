/* SPDX-License-Identifier: MIT */
/*
 * diff.c: compare the audits of two builds into the imgaudit.diff/v1
 * document (docs/diff.md).  Layers are the same when their diff_ids are;
 * a node holding OLD pulls every NEW blob whose digest and diff_id OLD
 * lacks.  Files are compared by path over the two final trees: a file is
 * changed when its size differs or when its data comes from a layer the
 * two builds do not share.  Packages are matched by ecosystem and name,
 * candidates by kind and subject.  The files are diff_files.c's.
 *
 * The measured layer order: a NEW layer that OLD lacks is matched to an
 * OLD one (same created_by, else same position); when their files and
 * sizes are equal, the layer was only rebuilt — its cache was invalidated
 * by a change above it.  Rebuilt layers below a changed one are what a
 * better order stops re-pulling.  Rendering is report_diff.c's.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "advise.h"
#include "audit.h"
#include "candidates.h"
#include "diff.h"
#include "diff_private.h"
#include "report_private.h"

/* Change of a NEW layer that OLD lacks. */
enum { CH_SHARED = 0, CH_REBUILT, CH_CONTENT, CH_NEW };
static const char *const change_name[] = { "shared", "rebuilt", "content",
    "new" };

/* Index of the layer of a with diff_id (or digest) d, or -1. */
static int
find_layer(const struct audit *a, const char *d, bool by_digest)
{
	size_t i;

	if (d == NULL)
		return -1;
	for (i = 0; i < a->n_layers; i++) {
		const char *x = by_digest ? a->layers[i]->digest :
		    a->layers[i]->diff_id;

		if (x != NULL && strcmp(x, d) == 0)
			return (int)i;
	}
	return -1;
}

/* ---- bandwidth and versions --------------------------------------------- */

int
diff_parse_bandwidth(const char *s, double *bps)
{
	char *end;
	double v, mult = 1;

	if (s == NULL)
		return -1;
	v = strtod(s, &end);
	if (end == s || !(v > 0) || !isfinite(v))
		return -1;
	switch (*end) {
	case 'k': case 'K': mult = 1e3; end++; break;
	case 'M': mult = 1e6; end++; break;
	case 'G': mult = 1e9; end++; break;
	case 'T': mult = 1e12; end++; break;
	default: break;
	}
	if (strcmp(end, "bit") == 0 || strcmp(end, "bit/s") == 0 ||
	    strcmp(end, "b") == 0 || strcmp(end, "b/s") == 0 ||
	    strcmp(end, "bps") == 0)
		;
	else if (strcmp(end, "B") == 0 || strcmp(end, "B/s") == 0 ||
	    strcmp(end, "Bps") == 0)
		mult *= 8;
	else
		return -1;
	*bps = v * mult;
	return *bps >= 1 ? 0 : -1;
}

static int
char_order(int c)
{
	if (c == '~')
		return -1;
	if (c == 0)
		return 0;
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return c;
	return c + 256;
}

int
diff_version_cmp(const char *a, const char *b)
{
	while (*a != '\0' || *b != '\0') {
		unsigned long long x = 0, y = 0;

		while ((*a != '\0' && (*a < '0' || *a > '9')) ||
		    (*b != '\0' && (*b < '0' || *b > '9'))) {
			int ca = (*a >= '0' && *a <= '9') ? 0 :
			    char_order((unsigned char)*a);
			int cb = (*b >= '0' && *b <= '9') ? 0 :
			    char_order((unsigned char)*b);

			if (ca != cb)
				return ca < cb ? -1 : 1;
			if (*a != '\0' && (*a < '0' || *a > '9'))
				a++;
			if (*b != '\0' && (*b < '0' || *b > '9'))
				b++;
		}
		while (*a == '0')
			a++;
		while (*b == '0')
			b++;
		while (*a >= '0' && *a <= '9') {
			if (x < 1000000000000000ULL)
				x = x * 10 + (unsigned)(*a - '0');
			a++;
		}
		while (*b >= '0' && *b <= '9') {
			if (y < 1000000000000000ULL)
				y = y * 10 + (unsigned)(*b - '0');
			b++;
		}
		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

/* ---- summaries ---------------------------------------------------------- */

static int64_t
compressed_total(const struct audit *a)
{
	int64_t n = 0;
	size_t i;

	for (i = 0; i < a->n_layers; i++)
		n += a->layers[i]->compressed_bytes;
	return n;
}

static cJSON *
image_summary(const struct audit *a, double bps)
{
	cJSON *o = cJSON_CreateObject();
	int64_t z = compressed_total(a), lb = 0;
	size_t i;

	for (i = 0; i < a->n_layers; i++)
		lb += a->layers[i]->bytes;
	rep_str(o, "ref", a->img->ref);
	rep_str(o, "digest", a->img->digest);
	rep_str(o, "platform", a->img->platform);
	rep_int(o, "layers", (int64_t)a->n_layers);
	rep_int(o, "compressed_bytes", z);
	rep_int(o, "layer_bytes", lb);
	rep_int(o, "final_bytes", a->totals.final_bytes);
	rep_int(o, "final_files", a->totals.final_files);
	rep_int(o, "wasted_bytes", a->totals.wasted_bytes);
	rep_int(o, "removable_bytes", a->cands ? a->cands->removable_bytes :
	    0);
	cJSON_AddNumberToObject(o, "pull_seconds", (double)z * 8 / bps);
	return o;
}

/* ---- layers ------------------------------------------------------------- */

struct fs {			/* one regular file of a layer */
	const char *path;
	int64_t size;
};

static int
fs_cmp(const void *pa, const void *pb)
{
	const struct fs *a = pa, *b = pb;
	int c = strcmp(a->path, b->path);

	if (c != 0)
		return c;
	return a->size < b->size ? -1 : a->size > b->size;
}

static struct fs *
layer_files(const struct layer_result *r, size_t *n)
{
	struct fs *v = xcalloc(r->n_entries ? r->n_entries : 1, sizeof(*v));
	size_t i;

	*n = 0;
	for (i = 0; i < r->n_entries; i++)
		if (r->entries[i].kind == ENTRY_FILE ||
		    r->entries[i].kind == ENTRY_WHITEOUT) {
			v[*n].path = r->entries[i].path;
			v[(*n)++].size = r->entries[i].kind == ENTRY_FILE ?
			    r->entries[i].size : -1;
		}
	qsort(v, *n, sizeof(*v), fs_cmp);
	return v;
}

/* Same regular files with the same sizes (and the same whiteouts)? */
static bool
same_files(const struct layer_result *a, const struct layer_result *b)
{
	size_t na, nb, i;
	struct fs *va = layer_files(a, &na), *vb = layer_files(b, &nb);
	bool same = na == nb;

	for (i = 0; same && i < na; i++)
		same = strcmp(va[i].path, vb[i].path) == 0 &&
		    va[i].size == vb[i].size;
	free(va);
	free(vb);
	return same;
}

struct layer_cmp {
	int *change;		/* per NEW layer: CH_* */
	int *counterpart;	/* per NEW layer: OLD index, or -1 */
	bool *pulled;		/* per NEW layer: pulled by a node with OLD */
	bool *old_kept;		/* per OLD layer: NEW has its diff_id */
};

static void
compare_layers(const struct audit *o, const struct audit *n,
    struct layer_cmp *lc)
{
	bool *used = xcalloc(o->n_layers + 1, sizeof(*used));
	size_t i, k;

	lc->change = xcalloc(n->n_layers + 1, sizeof(int));
	lc->counterpart = xcalloc(n->n_layers + 1, sizeof(int));
	lc->pulled = xcalloc(n->n_layers + 1, sizeof(bool));
	lc->old_kept = xcalloc(o->n_layers + 1, sizeof(bool));
	for (k = 0; k < o->n_layers; k++)
		lc->old_kept[k] = find_layer(n, o->layers[k]->diff_id, false) >=
		    0;
	for (i = 0; i < n->n_layers; i++) {
		int j = find_layer(o, n->layers[i]->diff_id, false);

		lc->counterpart[i] = j;
		lc->change[i] = CH_SHARED;
		lc->pulled[i] = j < 0 && find_layer(o, n->layers[i]->digest,
		    true) < 0;
		if (j >= 0)
			used[j] = true;
	}
	for (i = 0; i < n->n_layers; i++) {
		const char *cb = n->img->layers[i].created_by;
		int j = -1;

		if (lc->counterpart[i] >= 0)
			continue;
		/* Same step first, then the same position. */
		for (k = 0; cb != NULL && k < o->n_layers && j < 0; k++)
			if (!used[k] && !lc->old_kept[k] &&
			    o->img->layers[k].created_by != NULL &&
			    strcmp(o->img->layers[k].created_by, cb) == 0)
				j = (int)k;
		if (j < 0 && i < o->n_layers && !used[i] && !lc->old_kept[i])
			j = (int)i;
		lc->counterpart[i] = j;
		if (j < 0) {
			lc->change[i] = CH_NEW;
			continue;
		}
		used[j] = true;
		lc->change[i] = same_files(o->layers[j], n->layers[i]) ?
		    CH_REBUILT : CH_CONTENT;
	}
	free(used);
}

static cJSON *
layer_json(const struct audit *a, size_t i, const struct layer_facts *lf)
{
	cJSON *x = cJSON_CreateObject();

	rep_int(x, "index", (int64_t)i);
	rep_str(x, "digest", a->layers[i]->digest);
	rep_str(x, "diff_id", a->layers[i]->diff_id);
	rep_str(x, "created_by", a->img->layers[i].created_by);
	rep_int(x, "compressed_bytes", a->layers[i]->compressed_bytes);
	rep_int(x, "bytes", a->layers[i]->bytes);
	rep_int(x, "files", a->layers[i]->files);
	rep_str(x, "class", advise_class_name(lf[i].cls));
	return x;
}

/*
 * The order the measurements support: the layers above the first changed
 * one that were only rebuilt move above it.  Adds "layer_order" to root
 * and, when it saves anything, a finding to findings.
 */
static void
measured_order(const struct audit *n, const struct layer_cmp *lc,
    cJSON *root, cJSON *findings)
{
	cJSON *lo = cJSON_AddObjectToObject(root, "layer_order");
	cJSON *changed = cJSON_AddArrayToObject(lo, "changed");
	cJSON *rebuilt = cJSON_AddArrayToObject(lo, "rebuilt");
	cJSON *order;
	size_t i, first = n->n_layers, n_rebuilt = 0;
	int64_t save = 0;
	char list[256], s1[80], s2[80], detail[1024];
	int off = 0;

	for (i = 0; i < n->n_layers; i++) {
		if (lc->change[i] == CH_CONTENT || lc->change[i] == CH_NEW) {
			cJSON_AddItemToArray(changed, cJSON_CreateNumber(
			    (double)i));
			/* Nothing moves above the base image's layer. */
			if (i > 0 && first == n->n_layers)
				first = i;
		} else if (lc->change[i] == CH_REBUILT)
			cJSON_AddItemToArray(rebuilt, cJSON_CreateNumber(
			    (double)i));
	}
	/* A new base rebuilds every layer above it: nothing to reorder. */
	cJSON_AddBoolToObject(lo, "base_changed", n->n_layers > 0 &&
	    lc->change[0] != CH_SHARED);
	if (n->n_layers > 0 && lc->change[0] != CH_SHARED)
		first = n->n_layers;
	list[0] = '\0';
	for (i = first + 1; i < n->n_layers; i++)
		if (lc->change[i] == CH_REBUILT) {
			if (lc->pulled[i])
				save += n->layers[i]->compressed_bytes;
			n_rebuilt++;
			if (off < (int)sizeof(list) - 16)
				off += snprintf(list + off, sizeof(list) -
				    (size_t)off, "%s%zu", n_rebuilt > 1 ? ", " :
				    "", i);
		}
	/* Recommended: the rebuilt layers moved above the first change. */
	order = cJSON_AddArrayToObject(lo, "recommended");
	for (i = 0; i < n->n_layers; i++) {
		if (n_rebuilt > 0 && i == first) {
			size_t k;

			for (k = first + 1; k < n->n_layers; k++)
				if (lc->change[k] == CH_REBUILT)
					cJSON_AddItemToArray(order,
					    cJSON_CreateNumber((double)k));
		}
		if (n_rebuilt > 0 && i > first && lc->change[i] == CH_REBUILT)
			continue;
		cJSON_AddItemToArray(order, cJSON_CreateNumber((double)i));
	}
	rep_int(lo, "stop_repulling_bytes", save);
	if (n_rebuilt == 0 || first >= n->n_layers)
		return;
	advise_step(n->img->layers[first].created_by, 60, s1, sizeof(s1));
	/* The step named second is the first rebuilt one. */
	for (i = first + 1; i < n->n_layers; i++)
		if (lc->change[i] == CH_REBUILT) {
			advise_step(n->img->layers[i].created_by, 60, s2,
			    sizeof(s2));
			snprintf(detail, sizeof(detail), "between the two "
			    "builds layer %zu (%s) changed, and layer%s %s "
			    "(%s%s) after it %s rebuilt with the same files "
			    "and sizes: only "
			    "the build cache made %s new. Dockerfile: move %s "
			    "above layer %zu's step; a deploy of such a change "
			    "would stop re-pulling %lld bytes (compressed)",
			    first, s1, n_rebuilt > 1 ? "s" : "", list, s2,
			    n_rebuilt > 1 ? ", ..." : "", n_rebuilt > 1 ?
			    "were" : "was", n_rebuilt > 1 ? "them" : "it",
			    n_rebuilt > 1 ? "those steps" : "that step", first,
			    (long long)save);
			break;
		}
	{
		cJSON *f = cJSON_CreateObject();

		rep_str(f, "kind", "layer-order-measured");
		rep_str(f, "title", "layers rebuilt without a change: order "
		    "them before the layer that changes");
		rep_str(f, "detail", detail);
		rep_str(f, "status", "measured");
		cJSON_AddItemToArray(findings, f);
	}
}

static cJSON *
layers_json(const struct audit *o, const struct audit *n,
    const struct layer_cmp *lc, const struct layer_facts *olf,
    const struct layer_facts *nlf, double bps, cJSON *root)
{
	cJSON *l = cJSON_CreateObject(), *arr, *pull;
	size_t i, shared = 0, added = 0, removed = 0, n_pulled = 0;
	int64_t pulled = 0;

	arr = cJSON_AddArrayToObject(l, "new_layers");
	for (i = 0; i < n->n_layers; i++) {
		cJSON *x = layer_json(n, i, nlf);

		if (lc->change[i] == CH_SHARED)
			shared++;
		else
			added++;
		if (lc->pulled[i]) {
			pulled += n->layers[i]->compressed_bytes;
			n_pulled++;
		}
		rep_str(x, "status", lc->change[i] == CH_SHARED ? "shared" :
		    "added");
		rep_str(x, "change", change_name[lc->change[i]]);
		if (lc->counterpart[i] >= 0)
			rep_int(x, "old_index", lc->counterpart[i]);
		else
			cJSON_AddNullToObject(x, "old_index");
		cJSON_AddBoolToObject(x, "pulled", lc->pulled[i]);
		cJSON_AddItemToArray(arr, x);
	}
	arr = cJSON_AddArrayToObject(l, "removed_layers");
	for (i = 0; i < o->n_layers; i++)
		if (!lc->old_kept[i]) {
			removed++;
			cJSON_AddItemToArray(arr, layer_json(o, i, olf));
		}
	rep_int(l, "shared", (int64_t)shared);
	rep_int(l, "added", (int64_t)added);
	rep_int(l, "removed", (int64_t)removed);

	pull = cJSON_AddObjectToObject(root, "pull");
	cJSON_AddNumberToObject(pull, "bandwidth_bits_per_second", bps);
	rep_int(pull, "cold_bytes", compressed_total(n));
	cJSON_AddNumberToObject(pull, "cold_seconds",
	    (double)compressed_total(n) * 8 / bps);
	rep_int(pull, "repulled_bytes", pulled);
	rep_int(pull, "repulled_layers", (int64_t)n_pulled);
	cJSON_AddNumberToObject(pull, "warm_seconds", (double)pulled * 8 / bps);
	return l;
}

/* ---- packages ----------------------------------------------------------- */

static int
pkg_cmp_idx(const struct audit *a, size_t x, const struct audit *b,
    size_t y)
{
	const struct pkg *p = &a->pkgs->v[x], *q = &b->pkgs->v[y];

	if (p->eco != q->eco)
		return p->eco < q->eco ? -1 : 1;
	return strcmp(p->key, q->key);
}

static int
pkg_sort(const void *pa, const void *pb, void *ctx)
{
	const struct audit *a = ctx;

	return pkg_cmp_idx(a, *(const size_t *)pa, a, *(const size_t *)pb);
}

static size_t *
sorted_pkgs(const struct audit *a, size_t *n)
{
	size_t *v = xcalloc(a->pkgs->n + 1, sizeof(*v)), i;

	*n = 0;
	for (i = 0; i < a->pkgs->n; i++)
		if (a->pkgs->v[i].installed)
			v[(*n)++] = i;
	qsort_r(v, *n, sizeof(*v), pkg_sort, (void *)(uintptr_t)a);
	return v;
}

static cJSON *
pkg_json(const struct audit *a, size_t i)
{
	const struct pkg *p = &a->pkgs->v[i];
	cJSON *x = cJSON_CreateObject();

	rep_str(x, "ecosystem", pkg_ecosystem_name(p->eco));
	rep_str(x, "name", p->name);
	rep_str(x, "version", p->version);
	rep_int(x, "bytes", a->owners->stats[i].bytes);
	return x;
}

static cJSON *
packages_json(const struct audit *o, const struct audit *n)
{
	cJSON *root = cJSON_CreateObject(), *add, *rem, *up, *down;
	size_t no, nn, i = 0, j = 0, *vo = sorted_pkgs(o, &no);
	size_t *vn = sorted_pkgs(n, &nn);
	int64_t delta = 0;

	add = cJSON_AddArrayToObject(root, "added");
	rem = cJSON_AddArrayToObject(root, "removed");
	up = cJSON_AddArrayToObject(root, "upgraded");
	down = cJSON_AddArrayToObject(root, "downgraded");
	while (i < no || j < nn) {
		int c = i == no ? 1 : j == nn ? -1 :
		    pkg_cmp_idx(o, vo[i], n, vn[j]);

		if (c < 0) {
			delta -= o->owners->stats[vo[i]].bytes;
			cJSON_AddItemToArray(rem, pkg_json(o, vo[i++]));
		} else if (c > 0) {
			delta += n->owners->stats[vn[j]].bytes;
			cJSON_AddItemToArray(add, pkg_json(n, vn[j++]));
		} else {
			const struct pkg *p = &o->pkgs->v[vo[i]];
			const struct pkg *q = &n->pkgs->v[vn[j]];
			int64_t ob = o->owners->stats[vo[i]].bytes;
			int64_t nb = n->owners->stats[vn[j]].bytes;
			int vc = diff_version_cmp(p->version ? p->version : "",
			    q->version ? q->version : "");

			delta += nb - ob;
			if (vc != 0) {
				cJSON *x = pkg_json(n, vn[j]);

				cJSON_DeleteItemFromObject(x, "version");
				cJSON_DeleteItemFromObject(x, "bytes");
				rep_str(x, "old_version", p->version);
				rep_str(x, "new_version", q->version);
				rep_int(x, "old_bytes", ob);
				rep_int(x, "new_bytes", nb);
				rep_int(x, "delta_bytes", nb - ob);
				cJSON_AddItemToArray(vc < 0 ? up : down, x);
			}
			i++;
			j++;
		}
	}
	rep_int(root, "delta_bytes", delta);
	free(vo);
	free(vn);
	return root;
}

/* ---- candidates and findings ------------------------------------------- */

static bool
same_cand(const struct candidate *a, const struct candidate *b)
{
	return a->kind == b->kind && strcmp(a->subject ? a->subject : a->title,
	    b->subject ? b->subject : b->title) == 0;
}

static void
cand_list(cJSON *arr, const struct candidates *x, const struct candidates *y)
{
	size_t i, k;

	for (i = 0; x != NULL && i < x->n; i++) {
		bool found = false;

		for (k = 0; y != NULL && k < y->n && !found; k++)
			found = same_cand(&x->v[i], &y->v[k]);
		if (!found) {
			cJSON *c = cJSON_CreateObject();

			rep_str(c, "kind", candidate_kind_name(x->v[i].kind));
			rep_str(c, "title", x->v[i].title);
			rep_str(c, "subject", x->v[i].subject);
			rep_int(c, "bytes_saved", x->v[i].bytes);
			rep_str(c, "confidence",
			    kb_confidence_name(x->v[i].confidence));
			cJSON_AddItemToArray(arr, c);
		}
	}
}

static bool
is_advice(const char *kind)
{
	return strncmp(kind, "layer-", 6) == 0 ||
	    strcmp(kind, "base-image") == 0;
}

static bool
has_finding(const struct findings *f, const struct finding *x)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->v[i].kind, x->kind) == 0 &&
		    strcmp(f->v[i].title, x->title) == 0)
			return true;
	return false;
}

static void
advice_json(cJSON *arr, const struct audit *o, const struct audit *n)
{
	size_t i;

	for (i = 0; i < n->findings.n; i++) {
		const struct finding *x = &n->findings.v[i];
		cJSON *f;

		if (!is_advice(x->kind))
			continue;
		f = cJSON_CreateObject();
		rep_str(f, "kind", x->kind);
		rep_str(f, "title", x->title);
		rep_str(f, "detail", x->detail);
		rep_str(f, "status", has_finding(&o->findings, x) ? "still" :
		    "new");
		cJSON_AddItemToArray(arr, f);
	}
	for (i = 0; i < o->findings.n; i++) {
		const struct finding *x = &o->findings.v[i];
		cJSON *f;

		if (!is_advice(x->kind) || has_finding(&n->findings, x))
			continue;
		f = cJSON_CreateObject();
		rep_str(f, "kind", x->kind);
		rep_str(f, "title", x->title);
		rep_str(f, "detail", x->detail);
		rep_str(f, "status", "fixed");
		cJSON_AddItemToArray(arr, f);
	}
}

cJSON *
diff_build(const struct audit *o, const struct audit *n,
    const struct diff_options *opt)
{
	cJSON *root = cJSON_CreateObject(), *c, *findings;
	struct layer_cmp lc;
	struct layer_facts *olf = advise_layers(o), *nlf = advise_layers(n);
	double bps = opt->bandwidth_bps > 0 ? opt->bandwidth_bps : 100e6;

	cJSON_AddStringToObject(root, "schema", DIFF_SCHEMA);
	cJSON_AddItemToObject(root, "old", image_summary(o, bps));
	cJSON_AddItemToObject(root, "new", image_summary(n, bps));
	compare_layers(o, n, &lc);
	cJSON_AddItemToObject(root, "layers", layers_json(o, n, &lc, olf, nlf,
	    bps, root));
	if (opt->bandwidth != NULL)
		rep_str(cJSON_GetObjectItemCaseSensitive(root, "pull"),
		    "bandwidth", opt->bandwidth);
	cJSON_AddItemToObject(root, "files", diff_files(o, n,
	    opt->top ? opt->top : 10));
	cJSON_AddItemToObject(root, "packages", packages_json(o, n));
	c = cJSON_AddObjectToObject(root, "candidates");
	cand_list(cJSON_AddArrayToObject(c, "appeared"), n->cands, o->cands);
	cand_list(cJSON_AddArrayToObject(c, "gone"), o->cands, n->cands);
	findings = cJSON_CreateArray();
	advice_json(findings, o, n);
	measured_order(n, &lc, root, findings);
	cJSON_AddItemToObject(root, "findings", findings);
	free(lc.change);
	free(lc.counterpart);
	free(lc.pulled);
	free(lc.old_kept);
	free(olf);
	free(nlf);
	return root;
}
