/* SPDX-License-Identifier: MIT */
/*
 * store.h: the scan database (SQLite, WAL): layer results cached by
 * (diff_id, blob digest), reports by manifest digest, and one row per
 * image a scan visited.
 *
 * Call sequence:
 *	struct store *s;
 *	st = store_open("scan.db", &s, &err);
 *	if (store_layer_get(s, diff_id, digest, &r) == 1) ... else {
 *		layer_read(...); store_layer_put(s, diff_id, digest, r);
 *	}
 *	store_report_put(s, manifest_digest, json);
 *	store_scan_put(s, &row);
 *	store_close(s);
 *
 * Ownership: results and strings the store returns are freshly allocated
 * and belong to the caller (layer_result_free(), free()); everything passed
 * in is borrowed and copied.  One struct store holds one connection guarded
 * by a mutex, so threads may share it.  Every call that writes commits
 * before it returns: a scan killed afterwards keeps what it wrote.
 * Functions returning int give 0 (or 1/0 for a yes/no) on success and -1
 * when SQLite failed; the message is kept for store_errmsg().
 */
#ifndef IMGAUDIT_STORE_H
#define IMGAUDIT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "layer.h"

#define STORE_SCHEMA_VERSION	2	/* 1 is upgraded in place */

struct store;

/*
 * Open or create the scan database at path: WAL journal, busy_timeout
 * 10 s, foreign keys on, schema created or checked (meta.schema_version
 * must be STORE_SCHEMA_VERSION).  Returns IA_OK and *out, or IA_EINPUT /
 * IA_EINTERNAL with err filled in and *out NULL.
 */
enum ia_status store_open(const char *path, struct store **out,
    struct ia_error *err);

/* Close the connection and free s.  Accepts NULL. */
void store_close(struct store *s);

/*
 * The last failure's message ("scan.db: ...: <sqlite3_errmsg>"), "" when
 * none.  Borrowed until the next call on s.
 */
const char *store_errmsg(struct store *s);

/*
 * Layer cache.  get returns 1 and a freshly allocated *out equal to what
 * was put, 0 when absent (a corrupt row counts as absent and is deleted),
 * -1 on error.  put returns 0 or -1 (an existing row is replaced).
 */
int store_layer_get(struct store *s, const char *diff_id,
    const char *blob_digest, struct layer_result **out);
int store_layer_put(struct store *s, const char *diff_id,
    const char *blob_digest, const struct layer_result *r);

/*
 * Reports (the v1 JSON text), one per manifest digest, each with the
 * analysis key that made it (audit_report_key(), audit.h: the build, the
 * knowledge base and every option that changes a report).  has and get
 * find a report only when its key is analysis; get with analysis NULL
 * takes whatever is stored.  has returns 1, 0 or -1 on error; put
 * replaces the digest's report.
 */
int store_report_has(struct store *s, const char *manifest_digest,
    const char *analysis);
int store_report_put(struct store *s, const char *manifest_digest,
    const char *analysis, const char *json);
/* Allocated (free() it), or NULL when absent or on error. */
char *store_report_get(struct store *s, const char *manifest_digest,
    const char *analysis);

/*
 * One scan row per image visited: digest is NULL when the image failed
 * before one was known, error NULL when it succeeded; the figures are the
 * report's (0 when failed).  scanned_at is unix seconds.
 */
struct scan_row {
	const char *repo, *tag, *digest, *error;
	int64_t scanned_at, compressed_bytes, final_bytes, wasted_bytes,
	    removable_bytes;
};

int store_scan_put(struct store *s, const struct scan_row *row);

/*
 * Call fn for each scan row of repo (NULL: every repo) and tag (NULL: every
 * tag), oldest first (by scanned_at, then insertion).  The row's strings
 * are borrowed for the call only.  Returns 0 or -1.
 */
int store_history(struct store *s, const char *repo, const char *tag,
    void (*fn)(void *ctx, const struct scan_row *row), void *ctx);

/*
 * Copy every row of the n databases in[] into out (created if missing):
 * layers and reports by key, the first seen wins (rows already in out
 * win over all); scan rows all, skipping those with the same (repo, tag,
 * digest, scanned_at) as one already there.
 */
enum ia_status store_merge(const char *out, char *const *in, size_t n,
    struct ia_error *err);

/*
 * The layer_result serialization (store_codec.c), exposed for tests:
 * encode returns a malloc'd blob of *len bytes; decode returns a new
 * result or NULL when the blob is truncated, corrupt or of another
 * version.
 */
unsigned char *store_layer_encode(const struct layer_result *r, size_t *len);
struct layer_result *store_layer_decode(const unsigned char *p, size_t len);

#endif
