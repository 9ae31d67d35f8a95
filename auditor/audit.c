/* SPDX-License-Identifier: MIT */
/*
 * audit.c: run the stages of DESIGN.md's data flow for one image.
 *
 * Layers are independent until the merge, so a pool of threads reads them
 * (one layer per worker at a time, each with its own libarchive readers)
 * while the calling thread reports progress.  The merge then applies the
 * results in layer order, so nothing downstream can tell how many workers
 * there were.  After a failure, workers still finish the layers below it,
 * so that the error reported is always the lowest-numbered one.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "advise.h"
#include "audit.h"
#include "candidates.h"
#include "report.h"

struct pool {
	const struct audit_options *opt;
	struct audit *a;
	size_t next;			/* next layer to take */
	size_t done;			/* layers finished */
	size_t first_failed;		/* lowest failed layer, or n_layers */
	int64_t bytes_read;		/* blob bytes, for the progress bar */
	enum ia_status *status;		/* per layer */
	struct ia_error *errors;	/* per layer */
	char (*names)[1024];		/* per layer, for messages */
	pthread_mutex_t lock;
};

/*
 * A cached layer result was made under the default path and package-
 * database limits (results made under others are not kept), so it answers
 * only a run with those: --max-path and --max-pkgdb shape the result, not
 * only whether there is one.  --max-entries is checked on it below.
 */
static int
cache_usable(const struct audit_options *opt)
{
	return opt->cache != NULL && opt->limits.max_path == LIMITS_PATH &&
	    opt->limits.max_pkgdb == LIMITS_PKGDB;
}

static void
read_one(struct pool *p, size_t i)
{
	const struct image *img = p->a->img;
	const struct image_layer *il = &img->layers[i];
	struct layer_spec spec;
	struct blob_stream bs = { 0 };
	int64_t size;
	enum ia_status st;
	int cached = cache_usable(p->opt) && il->diff_id != NULL &&
	    il->digest != NULL;

	snprintf(p->names[i], sizeof(p->names[i]), "%s: layer %zu (%.19s)",
	    img->ref, i, il->digest ? il->digest : il->blob);
	memset(&spec, 0, sizeof(spec));
	spec.name = p->names[i];
	spec.digest = il->digest;
	spec.diff_id = il->diff_id;
	spec.size = il->size;
	spec.compression = il->compression;
	spec.max_ratio = (double)p->opt->limits.max_ratio;
	spec.ratio_floor = p->opt->limits.ratio_floor;
	spec.limits = &p->opt->limits;
	spec.progress = &p->bytes_read;
	spec.inflate = p->opt->inflate;
	spec.verify = p->opt->verify;

	/* A result already kept for this (diff_id, blob) needs no download. */
	if (cached &&
	    p->opt->cache->get(p->opt->cache->ctx, il, &p->a->layers[i]) == 1) {
		__atomic_fetch_add(&p->a->cached_layers, 1, __ATOMIC_RELAXED);
		p->status[i] = IA_OK;
		/* Kept by a run with a higher --max-entries: same answer. */
		if ((int64_t)p->a->layers[i]->n_entries >
		    p->opt->limits.max_entries)
			p->status[i] = layer_too_many(&p->errors[i], spec.name,
			    p->opt->limits.max_entries);
		return;
	}
	st = source_open_layer(p->a->src, i, &bs, &size, &p->errors[i]);
	/* The blob's length is known before a byte is read: check it first. */
	if (st == IA_OK && il->size >= 0 && size < il->size)
		st = ia_seterr(&p->errors[i], IA_EINPUT, "%s: blob is truncated: "
		    "%lld of %lld bytes", spec.name, (long long)size,
		    (long long)il->size);
	else if (st == IA_OK && il->size >= 0 && size > il->size)
		st = ia_seterr(&p->errors[i], IA_EINPUT, "%s: blob is %lld "
		    "bytes, longer than the %lld the manifest says", spec.name,
		    (long long)size, (long long)il->size);
	if (st == IA_OK)
		st = layer_read(&bs, &spec, &p->a->layers[i], &p->errors[i]);
	source_close_layer(p->a->src, &bs);
	if (st == IA_OK) {
		__atomic_fetch_add(&p->a->pulled_bytes,
		    p->a->layers[i]->compressed_bytes, __ATOMIC_RELAXED);
		if (cached)
			p->opt->cache->put(p->opt->cache->ctx, il,
			    p->a->layers[i]);
	}
	p->status[i] = st;
}

static void *
worker(void *arg)
{
	struct pool *p = arg;

	for (;;) {
		size_t i;

		pthread_mutex_lock(&p->lock);
		i = p->next++;
		/* Past a failure only lower layers matter (see above). */
		if (i >= p->a->n_layers || i > p->first_failed) {
			pthread_mutex_unlock(&p->lock);
			return NULL;
		}
		pthread_mutex_unlock(&p->lock);

		read_one(p, i);

		pthread_mutex_lock(&p->lock);
		p->done++;
		if (p->status[i] != IA_OK && i < p->first_failed)
			p->first_failed = i;
		pthread_mutex_unlock(&p->lock);
	}
}

static int
default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (int)(n > 64 ? 64 : n) : 1;
}

static enum ia_status
read_layers(const struct audit_options *opt, struct audit *a,
    struct ia_error *err)
{
	struct pool p;
	pthread_t tids[64];
	int jobs = opt->jobs > 0 ? opt->jobs : default_jobs(), started = 0, k;
	int64_t total = 0;
	enum ia_status st = IA_OK;
	size_t i, n = a->n_layers;

	memset(&p, 0, sizeof(p));
	p.opt = opt;
	p.a = a;
	p.first_failed = n;
	p.status = xcalloc(n, sizeof(*p.status));
	p.errors = xcalloc(n, sizeof(*p.errors));
	p.names = xcalloc(n, sizeof(*p.names));
	pthread_mutex_init(&p.lock, NULL);
	for (i = 0; i < n; i++)
		total += a->img->layers[i].size > 0 ? a->img->layers[i].size : 0;
	if (jobs > 64)
		jobs = 64;
	if ((size_t)jobs > n)
		jobs = (int)n;
	for (k = 0; k < jobs; k++) {
		if (pthread_create(&tids[k], NULL, worker, &p) != 0)
			break;
		started++;
	}
	if (started == 0 && n > 0)
		worker(&p);	/* no threads to be had: work here */
	while (opt->progress != NULL && started > 0) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		size_t done;

		size_t failed;

		pthread_mutex_lock(&p.lock);
		done = p.done;
		failed = p.first_failed;
		pthread_mutex_unlock(&p.lock);
		opt->progress(opt->progress_ctx, done, n,
		    __atomic_load_n(&p.bytes_read, __ATOMIC_RELAXED), total);
		if (done >= n || failed < n)
			break;
		nanosleep(&ts, NULL);
	}
	for (k = 0; k < started; k++)
		pthread_join(tids[k], NULL);
	/* layers_done == layers tells the front end the bar is finished. */
	if (opt->progress != NULL && started > 0)
		opt->progress(opt->progress_ctx, n, n, p.bytes_read, total);
	if (p.first_failed < n) {
		*err = p.errors[p.first_failed];
		st = err->code;
	}
	pthread_mutex_destroy(&p.lock);
	free(p.status);
	free(p.errors);
	free(p.names);
	return st;
}

/*
 * Unstripped binaries, one finding per package (largest first): that is
 * the unit a user can act on (rebuild, or strip in the package's layer).
 */
static void
debug_findings(struct audit *a)
{
	struct linkgraph *g = a->graph;
	size_t n = a->pkgs->n + 1, i, shown;
	int64_t *dbg = xcalloc(n, sizeof(*dbg)), *unneeded;
	size_t *files = xcalloc(n, sizeof(*files)), *order;

	unneeded = xcalloc(n, sizeof(*unneeded));
	order = xmalloc(n * sizeof(*order));
	for (i = 0; i < g->n_obj; i++) {
		const struct elf_obj *o = &g->obj[i];
		size_t who = o->data < a->owners->n_owner ?
		    a->owners->owner[o->data] : 0;	/* 0 = nobody */

		if (o->f->debug_bytes <= 0)
			continue;
		dbg[who] += o->f->debug_bytes;
		unneeded[who] += o->f->unneeded_bytes;
		files[who]++;
	}
	for (i = 0; i < n; i++)
		order[i] = i;
	/* Selection of the ten largest; n is small. */
	for (shown = 0; shown < 10 && shown < n; shown++) {
		size_t best = shown, k;

		for (k = shown + 1; k < n; k++)
			if (dbg[order[k]] > dbg[order[best]])
				best = k;
		k = order[shown];
		order[shown] = order[best];
		order[best] = k;
		k = order[shown];
		if (dbg[k] == 0)
			break;
		findings_add(&a->findings, "debug-symbols",
		    "binaries carry debug symbols",
		    "%s%s%s: %zu unstripped file(s); `strip --strip-debug` "
		    "would save %lld bytes, `strip --strip-unneeded` %lld",
		    k == 0 ? "files of no package" :
		    pkg_ecosystem_name(a->pkgs->v[k - 1].eco),
		    k == 0 ? "" : " package ",
		    k == 0 ? "" : a->pkgs->v[k - 1].name, files[k],
		    (long long)dbg[k], (long long)unneeded[k]);
	}
	free(dbg);
	free(unneeded);
	free(files);
	free(order);
}

/*
 * Sparse entries (GNU 'S', PAX GNU.sparse.*) count at their apparent size,
 * as dive and an unpacked container see them: a 10 GB file that stores
 * 8 KiB is 10 GB to `du --apparent-size`, to `docker cp`, to any copy
 * that does not keep holes.  Counted so, without a word, they would make
 * an image look far bigger than what it pulls; so say where they are.  A
 * layer whose files add up to more than its whole tar stream can only
 * hold such entries (everything else stores its data in the stream), and
 * a file larger than the stream is certainly one.
 */
static void
sparse_findings(struct audit *a)
{
	size_t l, i, k, top[5], n_top;
	char list[1024];

	for (l = 0; l < a->n_layers; l++) {
		const struct layer_result *res = a->layers[l];
		size_t len = 0;

		if (res->bytes <= res->tar_bytes)
			continue;
		/* The five largest files too big for the stream. */
		n_top = 0;
		for (i = 0; i < res->n_entries; i++) {
			const struct layer_entry *e = &res->entries[i];

			if (e->kind != ENTRY_FILE || e->size <= res->tar_bytes)
				continue;
			for (k = n_top; k > 0 &&
			    res->entries[top[k - 1]].size < e->size; k--)
				if (k < 5)
					top[k] = top[k - 1];
			if (k < 5)
				top[k] = i;
			if (n_top < 5)
				n_top++;
		}
		list[0] = '\0';
		for (k = 0; k < n_top && len < sizeof(list); k++)
			len += (size_t)snprintf(list + len, sizeof(list) - len,
			    "%s/%s (%lld)", k ? ", " : "; the largest: ",
			    res->entries[top[k]].path,
			    (long long)res->entries[top[k]].size);
		findings_add(&a->findings, "sparse-file",
		    "sparse files: counted at their apparent size",
		    "layer %zu: its files add up to %lld bytes, from a tar "
		    "stream of %lld: sparse entries, counted here as an "
		    "unpacked container sees them (they take that space "
		    "wherever the holes are not kept)%s", l,
		    (long long)res->bytes, (long long)res->tar_bytes, list);
	}
}

/*
 * Owners, requirements and what each removal frees; the ELF link graph.
 * Never fails: bad database content or a hostile ELF is a finding.
 */
static void
attribute(struct audit *a, const struct audit_options *opt)
{
	size_t i;

	a->pkgs = owners_read_db(a->tree, a->layers, a->n_layers,
	    opt->limits.max_pkgdb);
	findings_move(&a->findings, &a->pkgs->findings);
	a->owners = owners_build(a->tree, a->pkgs, a->layers, a->n_layers);
	findings_move(&a->findings, &a->owners->findings);
	a->deps = deps_build(a->pkgs, a->owners);
	a->removals = xcalloc(a->pkgs->n ? a->pkgs->n : 1,
	    sizeof(*a->removals));
	deps_removals(a->deps, a->removals);	/* within its work budget */
	findings_move(&a->findings, &a->deps->findings);
	a->graph = linkgraph_build(a->tree, a->layers, a->n_layers, a->img,
	    &a->link);
	findings_move(&a->findings, &a->graph->findings);
	/* Package databases and loader files are read: their bytes can go. */
	for (i = 0; i < a->n_layers; i++)
		layer_result_drop_captures(a->layers[i]);
	debug_findings(a);
}

/* ---- the analysis key of a stored report ---- */

static pthread_once_t exe_once = PTHREAD_ONCE_INIT;
static char exe_digest[DIGEST_STRLEN];	/* "" when unreadable */

/* sha256 of this executable: a rebuilt imgaudit may analyse otherwise. */
static void
hash_exe(void)
{
	struct digest *d;
	char buf[65536];
	size_t n;
	FILE *f = fopen("/proc/self/exe", "rb");

	if (f == NULL)
		return;
	d = digest_new();
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		digest_update(d, buf, n);
	if (!ferror(f))
		digest_final(d, exe_digest);
	digest_free(d);
	fclose(f);
}

static void key_line(struct digest *d, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
key_line(struct digest *d, const char *name, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = snprintf(buf, sizeof(buf), "%s=", name);
	n += vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(buf) - 1)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	digest_update(d, buf, (size_t)n);
}

int
audit_report_key(const struct audit_options *opt, const char *kb_digest,
    const struct image *img, size_t top, char out[DIGEST_STRLEN])
{
	struct digest *d;
	size_t i;

	pthread_once(&exe_once, hash_exe);
	if (exe_digest[0] == '\0')
		return -1;
	d = digest_new();
	key_line(d, "imgaudit", "%s", exe_digest);
	key_line(d, "schema", "%s", REPORT_SCHEMA);
	key_line(d, "kb", "%s", kb_digest);
	key_line(d, "top", "%zu", top);
	key_line(d, "profile", "%d", (int)opt->profile);
	key_line(d, "verify", "%d", (int)opt->verify);
	key_line(d, "inflate", "%d", (int)opt->inflate);
	key_line(d, "limits", "%lld %lld %lld %lld %lld %lld",
	    (long long)opt->limits.max_entries,
	    (long long)opt->limits.max_path, (long long)opt->limits.max_json,
	    (long long)opt->limits.max_pkgdb,
	    (long long)opt->limits.max_ratio,
	    (long long)opt->limits.ratio_floor);
	key_line(d, "platform", "%s/%d", opt->source.platform ?
	    opt->source.platform : "", opt->source.platform_given);
	for (i = 0; i < opt->link.n_target_sm; i++)
		key_line(d, "target_sm", "%u", (unsigned)opt->link.target_sm[i]);
	if (img != NULL && img->digest != NULL && img->config_digest != NULL &&
	    strcmp(img->digest, img->config_digest) == 0) {
		/* A docker archive: the config does not name the blobs. */
		for (i = 0; i < img->n_layers; i++)
			key_line(d, "layer", "%s %s %lld %d",
			    img->layers[i].digest ? img->layers[i].digest : "-",
			    img->layers[i].diff_id ? img->layers[i].diff_id :
			    "-", (long long)img->layers[i].size,
			    (int)img->layers[i].compression);
	}
	digest_final(d, out);
	digest_free(d);
	return 0;
}

/*
 * With a report store: open the source and look for the report of this
 * image analysed this way (a->stored_report).  Nothing else is loaded:
 * the knowledge base is only hashed.
 */
static enum ia_status
stored(const struct audit_options *opt, struct audit *a,
    struct ia_error *err)
{
	struct source_options so = opt->source;
	char kb_digest[DIGEST_STRLEN], *json;
	enum ia_status st;

	st = kb_identity(opt->kb_extra, opt->n_kb_extra, kb_digest, err);
	if (st != IA_OK)
		return st;
	so.limits = &opt->limits;
	st = source_open(opt->ref, &so, &a->src, err);
	if (st != IA_OK)
		return st;
	a->img = source_image(a->src);
	if (a->img->digest == NULL || audit_report_key(opt, kb_digest,
	    a->img, opt->reports->top, a->report_key) != 0)
		return IA_OK;
	json = opt->reports->get(opt->reports->ctx, a->img->digest,
	    a->report_key);
	/* A row that does not parse is not a report: audit. */
	a->stored_report = report_from_stored(json, a->img);
	free(json);
	return IA_OK;
}

enum ia_status
audit_run(const struct audit_options *opt, struct audit **out,
    struct ia_error *err)
{
	struct audit *a;
	struct findings tree_findings = { 0 };
	struct source_options so = opt->source;
	enum ia_status st;
	size_t i;

	*out = NULL;
	a = xcalloc(1, sizeof(*a));
	if (opt->reports != NULL && (st = stored(opt, a, err)) != IA_OK)
		goto fail;
	if (a->stored_report != NULL) {
		*out = a;
		return IA_OK;
	}
	/* A bad --kb-extra is the user's to fix before any layer is read. */
	st = kb_open(opt->kb_extra, opt->n_kb_extra, &a->kb, err);
	if (st != IA_OK)
		goto fail;
	if (a->src == NULL) {
		so.limits = &opt->limits;
		st = source_open(opt->ref, &so, &a->src, err);
		if (st != IA_OK)
			goto fail;
		a->img = source_image(a->src);
	}
	a->n_layers = a->img->n_layers;
	a->layers = xcalloc(a->n_layers ? a->n_layers : 1, sizeof(*a->layers));
	st = read_layers(opt, a, err);
	if (st != IA_OK)
		goto fail;
	/*
	 * dive's figures need the layers alone: computed before the tree
	 * exists, their trees are gone before the merge and the stages
	 * after it allocate theirs, so the two peaks do not add up.
	 */
	if (dive_compute(a->layers, a->n_layers, &a->dive) != 0) {
		st = ia_seterr(err, IA_EINTERNAL, "%s: too many names in the "
		    "layers to compute dive's figures", opt->ref);
		goto fail;
	}

	for (i = 0; i < a->img->findings.n; i++)
		findings_add(&a->findings, a->img->findings.v[i].kind,
		    a->img->findings.v[i].title, "%s",
		    a->img->findings.v[i].detail);
	a->tree = tree_new();
	for (i = 0; i < a->n_layers; i++) {
		findings_move(&a->findings, &a->layers[i]->findings);
		tree_apply(a->tree, a->layers[i], (int)i, &tree_findings);
	}
	tree_finish(a->tree, &a->totals, &tree_findings);
	findings_move(&a->findings, &tree_findings);
	sparse_findings(a);
	a->link = opt->link;
	a->link.dlopen = a->kb->dlopen;
	a->link.n_dlopen = a->kb->n_dlopen;
	attribute(a, opt);
	a->profile = opt->profile;
	a->verify = opt->verify;
	a->cands = candidates_build(a, a->kb, opt->profile, opt->keep_files);
	findings_move(&a->findings, &a->cands->findings);
	advise_run(a);		/* layer order, base image (advise.h) */
	*out = a;
	return IA_OK;
fail:
	audit_free(a);
	return st;
}

void
audit_free(struct audit *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; a->pkgs != NULL && i < a->pkgs->n; i++)
		removal_free(&a->removals[i]);
	free(a->removals);
	candidates_free(a->cands);
	kb_free(a->kb);
	deps_free(a->deps);
	linkgraph_free(a->graph);
	owners_free(a->owners);
	pkgdb_free(a->pkgs);
	/* The tree borrows the layers' strings: it goes first. */
	tree_free(a->tree);
	for (i = 0; i < a->n_layers && a->layers != NULL; i++)
		layer_result_free(a->layers[i]);
	free(a->layers);
	findings_free(&a->findings);
	source_free(a->src);
	cJSON_Delete(a->stored_report);
	free(a);
}
