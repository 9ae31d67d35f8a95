/* SPDX-License-Identifier: MIT */
/*
 * scan.h: audit every matching tag of a registry into the scan database.
 *
 *	struct scan_options o = { .registry = "HOST[:PORT]", .db = "scans.db" };
 *	st = scan_run(&o, &stats, &err);
 *
 * For each repository of /v2/_catalog matching repo_glob, each tag
 * matching tag_glob and falling in this shard: one manifest request; a
 * digest whose report the database has is recorded as scanned again and
 * costs nothing more; otherwise the image is audited with the database as
 * its layer cache (a layer analysed in any image is not downloaded again),
 * and its report and scan row are committed before the next image.  A
 * failing image is recorded with its error and the scan goes on.  A scan
 * killed half way is resumed by running it again.  With html_dir, the
 * pages of scan_html.h are written for the whole database at the end.
 */
#ifndef IMGAUDIT_SCAN_H
#define IMGAUDIT_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "audit.h"
#include "common.h"

struct scan_options {
	const char *registry;		/* "HOST[:PORT]" */
	const char *db;			/* the scan database */
	const char *repo_glob;		/* fnmatch(3) pattern, or NULL */
	const char *tag_glob;
	unsigned shard_k, shard_n;	/* this worker is k of n (1-based);
					   n = 0: no sharding */
	struct audit_options audit;	/* jobs, platform, creds, tls, ... */
	size_t top;			/* rows in the stored reports' lists */
	const char *html_dir;		/* scan_html_write() here, or NULL */
	/* One line per image as it is done, for the front end to print. */
	void (*progress)(void *ctx, const char *repo, const char *tag,
	    const char *digest, const char *what, const char *error);
	void *progress_ctx;
};

struct scan_stats {
	size_t images, audited, unchanged, failed;
	size_t layers_cached, layers_pulled;
	int64_t pulled_bytes;
	size_t pages;			/* HTML files written */
};

/*
 * Run the scan.  Returns IA_OK when the registry's catalog was read (each
 * image's own failure is a row, counted in stats->failed, not a failure of
 * the scan), or IA_EINPUT / IA_EINTERNAL with err filled in when the
 * database, the catalog or the HTML directory failed.
 */
enum ia_status scan_run(const struct scan_options *opt,
    struct scan_stats *stats, struct ia_error *err);

/*
 * The scan database as the audit's layer cache (audit.h): results by
 * (diff_id, blob digest), kept for each layer read.  For `audit --db` too.
 */
struct store;
struct layer_cache scan_layer_cache(struct store *db);

/*
 * The scan database as the audit's report store (audit.h): the report
 * kept for a manifest digest under an analysis key.  For `audit --db`.
 */
struct report_store scan_report_store(struct store *db, size_t top);

/* Which shard (0..n-1) a repo:tag falls in: FNV-1a of "repo:tag" mod n. */
unsigned scan_shard_of(const char *repo, const char *tag, unsigned n);

#endif
