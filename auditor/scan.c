/* SPDX-License-Identifier: MIT */
/*
 * scan.c: walk a registry's catalog and tags and audit what is new into
 * the scan database.  HTTP is registry.c's, SQLite store.c's, the audit
 * audit.c's; this file only decides what to visit and what to keep.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "registry.h"
#include "report.h"
#include "scan.h"
#include "scan_html.h"
#include "store.h"

unsigned
scan_shard_of(const char *repo, const char *tag, unsigned n)
{
	uint32_t h = 2166136261u;
	const char *p;

	if (n == 0)
		return 0;
	for (p = repo; *p != '\0'; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	h = (h ^ (uint8_t)':') * 16777619u;
	for (p = tag; *p != '\0'; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	return h % n;
}

/* The layer cache the audit asks: the database, by (diff_id, blob). */
static int
cache_get(void *ctx, const struct image_layer *il, struct layer_result **out)
{
	return store_layer_get(ctx, il->diff_id, il->digest, out) == 1;
}

static void
cache_put(void *ctx, const struct image_layer *il,
    const struct layer_result *r)
{
	store_layer_put(ctx, il->diff_id, il->digest, r);
}

struct layer_cache
scan_layer_cache(struct store *db)
{
	struct layer_cache c = { cache_get, cache_put, db };

	return c;
}

static char *
report_get(void *ctx, const char *manifest_digest, const char *analysis)
{
	return store_report_get(ctx, manifest_digest, analysis);
}

struct report_store
scan_report_store(struct store *db, size_t top)
{
	struct report_store r = { report_get, db, top };

	return r;
}

static int64_t
total(const cJSON *report, const char *key)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(report, "totals");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(t, key);

	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

static void
fill_row(struct scan_row *row, const cJSON *report)
{
	row->compressed_bytes = total(report, "compressed_bytes");
	row->final_bytes = total(report, "final_bytes");
	row->wasted_bytes = total(report, "wasted_bytes");
	row->removable_bytes = total(report, "removable_bytes");
}

static void
say(const struct scan_options *opt, const char *repo, const char *tag,
    const char *digest, const char *what, const char *error)
{
	if (opt->progress != NULL)
		opt->progress(opt->progress_ctx, repo, tag, digest, what, error);
}

/* One repo:tag.  Never fails the scan: problems become the row's error. */
static void
scan_image(const struct scan_options *opt, struct store *db,
    struct registry *reg, const char *repo, const char *tag,
    const char *analysis, struct scan_stats *stats)
{
	struct scan_row row;
	struct ia_error err = { 0 };
	struct audit_options ao = opt->audit;
	struct layer_cache cache = scan_layer_cache(db);
	struct audit *a = NULL;
	char *body = NULL, *mt = NULL, *digest = NULL, *json, *old, ref[2048];
	size_t len;
	cJSON *report;

	memset(&row, 0, sizeof(row));
	row.repo = repo;
	row.tag = tag;
	row.scanned_at = (int64_t)time(NULL);
	stats->images++;
	if (registry_manifest(reg, tag, &body, &len, &mt, &digest,
	    opt->audit.limits.max_json, &err) != IA_OK) {
		/* registry.c's "too large": say which option moves it. */
		if (strstr(err.msg, " too large (more than ") != NULL)
			ia_seterr(&err, IA_EINPUT, "%s:%s: the manifest is over "
			    "--max-json %lld bytes; raise --max-json to read "
			    "it", repo, tag,
			    (long long)opt->audit.limits.max_json);
		row.error = err.msg;
		store_scan_put(db, &row);
		stats->failed++;
		say(opt, repo, tag, NULL, "failed", err.msg);
		goto out;
	}
	row.digest = digest;
	/* Unchanged: the same image, analysed the same way. */
	if (analysis[0] != '\0' &&
	    (old = store_report_get(db, digest, analysis)) != NULL) {
		cJSON *r = cJSON_Parse(old);

		fill_row(&row, r);
		cJSON_Delete(r);
		free(old);
		store_scan_put(db, &row);
		stats->unchanged++;
		say(opt, repo, tag, digest, "unchanged", NULL);
		goto out;
	}
	/* Audit exactly the digest just seen, whatever the tag does now. */
	snprintf(ref, sizeof(ref), "docker://%s/%s@%s", opt->registry, repo,
	    digest);
	ao.ref = ref;
	ao.cache = &cache;
	ao.progress = NULL;
	if (audit_run(&ao, &a, &err) != IA_OK) {
		row.error = err.msg;
		store_scan_put(db, &row);
		stats->failed++;
		say(opt, repo, tag, digest, "failed", err.msg);
		goto out;
	}
	stats->audited++;
	stats->layers_cached += a->cached_layers;
	stats->layers_pulled += a->n_layers - a->cached_layers;
	stats->pulled_bytes += a->pulled_bytes;
	report = report_build(a, opt->top);
	json = cJSON_PrintUnformatted(report);
	fill_row(&row, report);
	cJSON_Delete(report);
	/* The report first: a row never names a report that is not there. */
	if (json == NULL || store_report_put(db, digest, analysis, json) != 0) {
		row.error = "could not store the report";
		stats->failed++;
	}
	store_scan_put(db, &row);
	cJSON_free(json);
	say(opt, repo, tag, digest, row.error ? "failed" : "audited",
	    row.error);
out:
	audit_free(a);
	free(body);
	free(mt);
	free(digest);
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
free_list(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

enum ia_status
scan_run(const struct scan_options *opt, struct scan_stats *stats,
    struct ia_error *err)
{
	struct registry_options ro;
	struct store *db = NULL;
	struct kb *kb = NULL;
	char **repos = NULL, analysis[DIGEST_STRLEN] = "";
	size_t n_repos = 0, i, k;
	enum ia_status st;

	memset(stats, 0, sizeof(*stats));
	memset(&ro, 0, sizeof(ro));
	ro.creds = opt->audit.source.creds;
	ro.tls_verify = !opt->audit.source.tls_no_verify;
	/*
	 * One analysis key for the whole scan (registry images are named by
	 * their manifest digest).  A bad --kb-extra fails here, once.
	 */
	st = kb_open(opt->audit.kb_extra, opt->audit.n_kb_extra, &kb, err);
	if (st != IA_OK)
		return st;
	if (audit_report_key(&opt->audit, kb->digest, NULL, opt->top,
	    analysis) != 0)
		analysis[0] = '\0';	/* nothing is taken as unchanged */
	kb_free(kb);
	st = store_open(opt->db, &db, err);
	if (st != IA_OK)
		return st;
	st = registry_catalog(opt->registry, &ro, &repos, &n_repos, err);
	if (st != IA_OK)
		goto done;
	if (n_repos > 1)
		qsort(repos, n_repos, sizeof(*repos), str_cmp);
	for (i = 0; i < n_repos; i++) {
		struct registry *reg = NULL;
		struct ia_error rerr = { 0 };
		char **tags = NULL, *reference = NULL, ref[2048];
		size_t n_tags = 0;

		if (opt->repo_glob != NULL &&
		    fnmatch(opt->repo_glob, repos[i], 0) != 0)
			continue;
		snprintf(ref, sizeof(ref), "%s/%s", opt->registry, repos[i]);
		if (registry_open(ref, &ro, &reg, &reference, &rerr) != IA_OK ||
		    registry_tags(reg, &tags, &n_tags, &rerr) != IA_OK) {
			struct scan_row row;

			memset(&row, 0, sizeof(row));
			row.repo = repos[i];
			row.tag = "";
			row.error = rerr.msg;
			row.scanned_at = (int64_t)time(NULL);
			store_scan_put(db, &row);
			stats->failed++;
			say(opt, repos[i], "", NULL, "failed", rerr.msg);
		} else {
			if (n_tags > 1)
				qsort(tags, n_tags, sizeof(*tags), str_cmp);
			for (k = 0; k < n_tags; k++) {
				if (opt->tag_glob != NULL &&
				    fnmatch(opt->tag_glob, tags[k], 0) != 0)
					continue;
				if (opt->shard_n > 0 && scan_shard_of(repos[i],
				    tags[k], opt->shard_n) != opt->shard_k - 1)
					continue;
				scan_image(opt, db, reg, repos[i], tags[k],
				    analysis, stats);
			}
		}
		free_list(tags, n_tags);
		free(reference);
		registry_free(reg);
	}
	if (opt->html_dir != NULL)
		st = scan_html_write(db, opt->html_dir, NULL, NULL,
		    &stats->pages, err);
done:
	free_list(repos, n_repos);
	store_close(db);
	return st;
}
