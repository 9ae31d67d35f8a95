/* SPDX-License-Identifier: MIT */
/*
 * store.c: the scan database.  One SQLite connection per struct store, in
 * WAL mode so that readers (`imgaudit history`, another shard) never block
 * the scan writing; every write is one statement in autocommit, hence its
 * own transaction, so a scan killed at any point keeps each row it was told
 * was written.  A recursive mutex serialises the callers' threads (and lets
 * a store_history() callback call back into the store).
 *
 * The layer_result byte format is store_codec.c's; what scan rows mean is
 * scan.c's.  Nothing here prints: messages go to the ia_error of open and
 * merge, or to store_errmsg().
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common.h"
#include "layer.h"
#include "store.h"

struct store {
	sqlite3 *db;
	char *path;
	pthread_mutex_t mu;
	char msg[1024];
};

#define BUSY_TIMEOUT_MS	10000

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS meta ("
	" key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS layers ("
	" diff_id TEXT NOT NULL, blob_digest TEXT NOT NULL,"
	" data BLOB NOT NULL, PRIMARY KEY (diff_id, blob_digest));"
	"CREATE TABLE IF NOT EXISTS reports ("
	" manifest_digest TEXT PRIMARY KEY, json TEXT NOT NULL,"
	" stored_at INTEGER NOT NULL, analysis TEXT NOT NULL DEFAULT '');"
	"CREATE TABLE IF NOT EXISTS scans ("
	" id INTEGER PRIMARY KEY, repo TEXT NOT NULL, tag TEXT,"
	" digest TEXT, scanned_at INTEGER NOT NULL, error TEXT,"
	" compressed_bytes INTEGER NOT NULL DEFAULT 0,"
	" final_bytes INTEGER NOT NULL DEFAULT 0,"
	" wasted_bytes INTEGER NOT NULL DEFAULT 0,"
	" removable_bytes INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX IF NOT EXISTS scans_by_image"
	" ON scans (repo, tag, scanned_at);";

/* ---- messages ---- */

static void
setmsg(struct store *s, const char *what)
{
	snprintf(s->msg, sizeof(s->msg), "%s: %s: %s", s->path, what,
	    sqlite3_errmsg(s->db));
}

const char *
store_errmsg(struct store *s)
{
	return s == NULL ? "" : s->msg;
}

static void
lock(struct store *s)
{
	pthread_mutex_lock(&s->mu);
}

static void
unlock(struct store *s)
{
	pthread_mutex_unlock(&s->mu);
}

/* Prepare sql on s; on failure the message is set and NULL returned. */
static sqlite3_stmt *
prepare(struct store *s, const char *sql, const char *what)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		setmsg(s, what);
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

/* Bind a string or NULL; SQLITE_TRANSIENT so the caller's may go. */
static int
bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v == NULL)
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

/* Run a statement that returns no rows; 0 or -1 with the message set. */
static int
exec(struct store *s, const char *sql, const char *what)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		setmsg(s, what);
		return -1;
	}
	return 0;
}

/* ---- opening ---- */

/*
 * Check or create the schema inside one IMMEDIATE transaction, so two
 * processes creating the same database at once cannot both insert the
 * version row.  Returns IA_OK, or IA_EINPUT with err set when the file is
 * a database of another kind or version.
 */
static enum ia_status
init_schema(struct store *s, struct ia_error *err)
{
	sqlite3_stmt *st = NULL;
	enum ia_status ret = IA_EINTERNAL;
	int rc;

	if (exec(s, "BEGIN IMMEDIATE", "cannot start a transaction") != 0)
		return ia_seterr(err, IA_EINPUT, "%s", s->msg);
	if (exec(s, schema_sql, "cannot create the schema") != 0) {
		ret = ia_seterr(err, IA_EINPUT, "%s", s->msg);
		goto out;
	}
	st = prepare(s, "SELECT value FROM meta WHERE key = 'schema_version'",
	    "cannot read the schema version");
	if (st == NULL) {
		ret = ia_seterr(err, IA_EINTERNAL, "%s", s->msg);
		goto out;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		char want[16];

		snprintf(want, sizeof(want), "%d", STORE_SCHEMA_VERSION);
		if (v != NULL && strcmp(v, "1") == 0) {
			/*
			 * Version 1 stored reports without the analysis that
			 * made them: they stay readable (scan report) and are
			 * never taken for a re-audit.
			 */
			sqlite3_finalize(st);
			st = NULL;
			if (exec(s, "ALTER TABLE reports ADD COLUMN analysis "
			    "TEXT NOT NULL DEFAULT ''; UPDATE meta SET value = "
			    "'2' WHERE key = 'schema_version'",
			    "cannot upgrade the schema") != 0) {
				ret = ia_seterr(err, IA_EINPUT, "%s", s->msg);
				goto out;
			}
		} else if (v == NULL || strcmp(v, want) != 0) {
			ret = ia_seterr(err, IA_EINPUT, "%s: scan database "
			    "schema version %.32s; this imgaudit reads version "
			    "%d only (scan into a new --db file)", s->path,
			    v == NULL ? "(none)" : v, STORE_SCHEMA_VERSION);
			goto out;
		}
	} else if (rc == SQLITE_DONE) {
		sqlite3_finalize(st);
		st = prepare(s, "INSERT INTO meta (key, value) VALUES "
		    "('schema_version', ?1)", "cannot write the schema version");
		if (st == NULL || sqlite3_bind_int(st, 1,
		    STORE_SCHEMA_VERSION) != SQLITE_OK ||
		    sqlite3_step(st) != SQLITE_DONE) {
			setmsg(s, "cannot write the schema version");
			ret = ia_seterr(err, IA_EINTERNAL, "%s", s->msg);
			goto out;
		}
	} else {
		setmsg(s, "cannot read the schema version");
		ret = ia_seterr(err, IA_EINPUT, "%s", s->msg);
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (exec(s, "COMMIT", "cannot commit the schema") != 0)
		return ia_seterr(err, IA_EINTERNAL, "%s", s->msg);
	return IA_OK;
out:
	sqlite3_finalize(st);
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return ret;
}

/* Switch to WAL; the pragma answers with the mode it ended up in. */
static enum ia_status
set_wal(struct store *s, struct ia_error *err)
{
	sqlite3_stmt *st;
	const char *mode;
	enum ia_status ret = IA_OK;

	st = prepare(s, "PRAGMA journal_mode=WAL", "cannot set WAL mode");
	if (st == NULL)
		return ia_seterr(err, IA_EINPUT, "%s", s->msg);
	if (sqlite3_step(st) != SQLITE_ROW) {
		setmsg(s, "cannot set WAL mode");
		ret = ia_seterr(err, IA_EINPUT, "%s", s->msg);
	} else {
		mode = (const char *)sqlite3_column_text(st, 0);
		/* An in-memory database (tests) has no journal file. */
		if (mode == NULL || (strcmp(mode, "wal") != 0 &&
		    strcmp(mode, "memory") != 0))
			ret = ia_seterr(err, IA_EINPUT, "%s: the filesystem "
			    "does not support SQLite's WAL mode (journal mode "
			    "%.16s)", s->path, mode == NULL ? "?" : mode);
	}
	sqlite3_finalize(st);
	return ret;
}

static char *path_uri(const char *path, const char *query);

/*
 * Open with extra SQLite open flags.  Merge adds SQLITE_OPEN_URI (ATTACH
 * of a read-only input needs it); path is then turned into a URI, so that
 * a file named "file:x" stays a file name.
 */
static enum ia_status
open_flags(const char *path, int flags, struct store **out,
    struct ia_error *err)
{
	struct store *s;
	pthread_mutexattr_t ma;
	enum ia_status st;
	char *uri;
	int rc;

	*out = NULL;
	s = xcalloc(1, sizeof(*s));
	s->path = xstrdup(path);
	if (pthread_mutexattr_init(&ma) != 0 ||
	    pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE) != 0 ||
	    pthread_mutex_init(&s->mu, &ma) != 0) {
		free(s->path);
		free(s);
		return ia_seterr(err, IA_EINTERNAL, "%s: cannot create a mutex",
		    path);
	}
	pthread_mutexattr_destroy(&ma);
	uri = (flags & SQLITE_OPEN_URI) ? path_uri(path, "") : NULL;
	rc = sqlite3_open_v2(uri != NULL ? uri : path, &s->db,
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | flags, NULL);
	free(uri);
	if (rc != SQLITE_OK) {
		st = ia_seterr(err, IA_EINPUT, "%s: cannot open the scan "
		    "database: %s", path, s->db == NULL ? "out of memory" :
		    sqlite3_errmsg(s->db));
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	if (sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS) != SQLITE_OK) {
		setmsg(s, "cannot set the busy timeout");
		st = ia_seterr(err, IA_EINTERNAL, "%s", s->msg);
		goto fail;
	}
	/* Not a database at all shows here first ("file is not a database"). */
	if ((st = set_wal(s, err)) != IA_OK)
		goto fail;
	/*
	 * NORMAL is durable against a killed process in WAL mode; only a
	 * power cut may lose the last commits, which a re-scan redoes.
	 */
	if (exec(s, "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL",
	    "cannot set pragmas") != 0) {
		st = ia_seterr(err, IA_EINTERNAL, "%s", s->msg);
		goto fail;
	}
	if ((st = init_schema(s, err)) != IA_OK)
		goto fail;
	*out = s;
	return IA_OK;
fail:
	store_close(s);
	return st;
}

enum ia_status
store_open(const char *path, struct store **out, struct ia_error *err)
{
	return open_flags(path, 0, out, err);
}

void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	/* sqlite3_close_v2 accepts NULL; every statement is finalized. */
	sqlite3_close_v2(s->db);
	pthread_mutex_destroy(&s->mu);
	free(s->path);
	free(s);
}

/* ---- layers ---- */

/* Drop a row that would not decode: it counts as never cached. */
static void
delete_layer(struct store *s, const char *diff_id, const char *blob_digest)
{
	sqlite3_stmt *st;

	st = prepare(s, "DELETE FROM layers WHERE diff_id = ?1 AND "
	    "blob_digest = ?2", "cannot delete a corrupt layer row");
	if (st == NULL)
		return;
	if (bind_text(st, 1, diff_id) != SQLITE_OK ||
	    bind_text(st, 2, blob_digest) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE)
		setmsg(s, "cannot delete a corrupt layer row");
	sqlite3_finalize(st);
}

int
store_layer_get(struct store *s, const char *diff_id, const char *blob_digest,
    struct layer_result **out)
{
	sqlite3_stmt *st;
	int rc, ret = -1;

	*out = NULL;
	lock(s);
	st = prepare(s, "SELECT data FROM layers WHERE diff_id = ?1 AND "
	    "blob_digest = ?2", "cannot read the layer cache");
	if (st == NULL)
		goto out;
	if (bind_text(st, 1, diff_id) != SQLITE_OK ||
	    bind_text(st, 2, blob_digest) != SQLITE_OK) {
		setmsg(s, "cannot read the layer cache");
		goto out;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		ret = 0;
	} else if (rc == SQLITE_ROW) {
		/* The blob pointer is valid until the next step: decode now. */
		const void *p = sqlite3_column_blob(st, 0);
		int n = sqlite3_column_bytes(st, 0);

		*out = store_layer_decode(p, n < 0 ? 0 : (size_t)n);
		ret = *out != NULL;
		if (*out == NULL) {
			sqlite3_finalize(st);
			st = NULL;
			delete_layer(s, diff_id, blob_digest);
		}
	} else {
		setmsg(s, "cannot read the layer cache");
	}
out:
	sqlite3_finalize(st);
	unlock(s);
	return ret;
}

int
store_layer_put(struct store *s, const char *diff_id, const char *blob_digest,
    const struct layer_result *r)
{
	sqlite3_stmt *st;
	unsigned char *blob;
	size_t len;
	int ret = -1;

	blob = store_layer_encode(r, &len);
	lock(s);
	if (len > (size_t)INT32_MAX) {
		snprintf(s->msg, sizeof(s->msg), "%s: layer %s: cached result "
		    "too large (%zu bytes)", s->path, diff_id, len);
		goto out;
	}
	st = prepare(s, "INSERT OR REPLACE INTO layers (diff_id, blob_digest, "
	    "data) VALUES (?1, ?2, ?3)", "cannot write the layer cache");
	if (st == NULL)
		goto out;
	if (bind_text(st, 1, diff_id) != SQLITE_OK ||
	    bind_text(st, 2, blob_digest) != SQLITE_OK ||
	    sqlite3_bind_blob(st, 3, blob, (int)len, SQLITE_STATIC) !=
	    SQLITE_OK || sqlite3_step(st) != SQLITE_DONE)
		setmsg(s, "cannot write the layer cache");
	else
		ret = 0;
	sqlite3_finalize(st);
out:
	unlock(s);
	free(blob);
	return ret;
}

/* ---- reports ---- */

int
store_report_has(struct store *s, const char *manifest_digest,
    const char *analysis)
{
	sqlite3_stmt *st;
	int rc, ret = -1;

	lock(s);
	st = prepare(s, "SELECT 1 FROM reports WHERE manifest_digest = ?1 "
	    "AND analysis = ?2", "cannot read the reports");
	if (st == NULL)
		goto out;
	if (bind_text(st, 1, manifest_digest) != SQLITE_OK ||
	    bind_text(st, 2, analysis) != SQLITE_OK) {
		setmsg(s, "cannot read the reports");
		goto out;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		ret = 1;
	else if (rc == SQLITE_DONE)
		ret = 0;
	else
		setmsg(s, "cannot read the reports");
out:
	sqlite3_finalize(st);
	unlock(s);
	return ret;
}

int
store_report_put(struct store *s, const char *manifest_digest,
    const char *analysis, const char *json)
{
	sqlite3_stmt *st;
	int ret = -1;

	lock(s);
	st = prepare(s, "INSERT OR REPLACE INTO reports (manifest_digest, json, "
	    "stored_at, analysis) VALUES (?1, ?2, CAST(strftime('%s', 'now') "
	    "AS INTEGER), ?3)", "cannot write a report");
	if (st == NULL)
		goto out;
	if (bind_text(st, 1, manifest_digest) != SQLITE_OK ||
	    bind_text(st, 2, json) != SQLITE_OK ||
	    bind_text(st, 3, analysis) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE)
		setmsg(s, "cannot write a report");
	else
		ret = 0;
out:
	sqlite3_finalize(st);
	unlock(s);
	return ret;
}

char *
store_report_get(struct store *s, const char *manifest_digest,
    const char *analysis)
{
	sqlite3_stmt *st;
	char *json = NULL;
	int rc;

	lock(s);
	st = prepare(s, "SELECT json FROM reports WHERE manifest_digest = ?1 "
	    "AND (?2 IS NULL OR analysis = ?2)", "cannot read a report");
	if (st == NULL)
		goto out;
	if (bind_text(st, 1, manifest_digest) != SQLITE_OK ||
	    bind_text(st, 2, analysis) != SQLITE_OK) {
		setmsg(s, "cannot read a report");
		goto out;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);

		if (v != NULL)
			json = xstrndup(v, (size_t)sqlite3_column_bytes(st, 0));
		else
			setmsg(s, "cannot read a report");
	} else if (rc != SQLITE_DONE) {
		setmsg(s, "cannot read a report");
	}
out:
	sqlite3_finalize(st);
	unlock(s);
	return json;
}

/* ---- scans ---- */

int
store_scan_put(struct store *s, const struct scan_row *row)
{
	sqlite3_stmt *st;
	int ret = -1;

	lock(s);
	st = prepare(s, "INSERT INTO scans (repo, tag, digest, scanned_at, "
	    "error, compressed_bytes, final_bytes, wasted_bytes, "
	    "removable_bytes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	    "cannot record a scan");
	if (st == NULL)
		goto out;
	if (bind_text(st, 1, row->repo == NULL ? "" : row->repo) != SQLITE_OK ||
	    bind_text(st, 2, row->tag) != SQLITE_OK ||
	    bind_text(st, 3, row->digest) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 4, row->scanned_at) != SQLITE_OK ||
	    bind_text(st, 5, row->error) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 6, row->compressed_bytes) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 7, row->final_bytes) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 8, row->wasted_bytes) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 9, row->removable_bytes) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE)
		setmsg(s, "cannot record a scan");
	else
		ret = 0;
out:
	sqlite3_finalize(st);
	unlock(s);
	return ret;
}

int
store_history(struct store *s, const char *repo, const char *tag,
    void (*fn)(void *ctx, const struct scan_row *row), void *ctx)
{
	sqlite3_stmt *st;
	struct scan_row row;
	int rc, ret = -1;

	lock(s);
	st = prepare(s, "SELECT repo, tag, digest, error, scanned_at, "
	    "compressed_bytes, final_bytes, wasted_bytes, removable_bytes "
	    "FROM scans WHERE (?1 IS NULL OR repo = ?1) AND "
	    "(?2 IS NULL OR tag = ?2) ORDER BY scanned_at, id",
	    "cannot read the scan history");
	if (st == NULL)
		goto out;
	if (bind_text(st, 1, repo) != SQLITE_OK ||
	    bind_text(st, 2, tag) != SQLITE_OK) {
		setmsg(s, "cannot read the scan history");
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row.repo = (const char *)sqlite3_column_text(st, 0);
		row.tag = (const char *)sqlite3_column_text(st, 1);
		row.digest = (const char *)sqlite3_column_text(st, 2);
		row.error = (const char *)sqlite3_column_text(st, 3);
		row.scanned_at = sqlite3_column_int64(st, 4);
		row.compressed_bytes = sqlite3_column_int64(st, 5);
		row.final_bytes = sqlite3_column_int64(st, 6);
		row.wasted_bytes = sqlite3_column_int64(st, 7);
		row.removable_bytes = sqlite3_column_int64(st, 8);
		if (row.repo == NULL)
			row.repo = "";
		fn(ctx, &row);
	}
	if (rc != SQLITE_DONE)
		setmsg(s, "cannot read the scan history");
	else
		ret = 0;
out:
	sqlite3_finalize(st);
	unlock(s);
	return ret;
}

/* ---- merge ---- */

/*
 * path as an SQLite URI followed by query (e.g. "?mode=ro", so that ATTACH
 * never creates a missing input nor writes to one).  Everything but
 * unreserved characters and '/' is percent-encoded; an absolute path gets
 * an empty authority.
 */
static char *
path_uri(const char *path, const char *query)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(path), i, o = 0;
	char *u = xmalloc(3 * n + 8 + strlen(query));

	memcpy(u, path[0] == '/' ? "file://" : "file:", path[0] == '/' ? 7 : 5);
	o = path[0] == '/' ? 7 : 5;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)path[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '/' || c == '-' ||
		    c == '.' || c == '_' || c == '~') {
			u[o++] = (char)c;
		} else {
			u[o++] = '%';
			u[o++] = hex[c >> 4];
			u[o++] = hex[c & 15];
		}
	}
	memcpy(u + o, query, strlen(query) + 1);
	return u;
}

/* A version 1 source has no reports.analysis: its reports merge with ''. */
static const char merge_reports_v1[] =
	"INSERT OR IGNORE INTO main.reports (manifest_digest, json, stored_at)"
	" SELECT manifest_digest, json, stored_at FROM src.reports;";
static const char merge_reports_v2[] =
	"INSERT OR IGNORE INTO main.reports (manifest_digest, json, stored_at,"
	" analysis) SELECT manifest_digest, json, stored_at, analysis"
	" FROM src.reports;";

static const char merge_sql[] =
	"INSERT OR IGNORE INTO main.layers (diff_id, blob_digest, data)"
	" SELECT diff_id, blob_digest, data FROM src.layers;"
	/* First of each duplicate within src, and none already in main. */
	"INSERT INTO main.scans (repo, tag, digest, scanned_at, error,"
	" compressed_bytes, final_bytes, wasted_bytes, removable_bytes)"
	" SELECT repo, tag, digest, scanned_at, error, compressed_bytes,"
	" final_bytes, wasted_bytes, removable_bytes FROM src.scans AS a"
	" WHERE a.id = (SELECT min(b.id) FROM src.scans AS b"
	"  WHERE b.repo IS a.repo AND b.tag IS a.tag AND b.digest IS a.digest"
	"  AND b.scanned_at IS a.scanned_at)"
	" AND NOT EXISTS (SELECT 1 FROM main.scans AS m"
	"  WHERE m.repo IS a.repo AND m.tag IS a.tag AND m.digest IS a.digest"
	"  AND m.scanned_at IS a.scanned_at)"
	" ORDER BY a.scanned_at, a.id;";

/* Merge one input, attached as "src", in one transaction. */
static enum ia_status
merge_one(struct store *s, const char *in, struct ia_error *err)
{
	sqlite3_stmt *st = NULL;
	enum ia_status ret = IA_OK;
	char *uri = path_uri(in, "?mode=ro");
	const char *v;
	int rc, src_v1 = 0;

	st = prepare(s, "ATTACH DATABASE ?1 AS src", "cannot attach");
	if (st == NULL || bind_text(st, 1, uri) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE) {
		ret = ia_seterr(err, IA_EINPUT, "%s: cannot open: %s", in,
		    sqlite3_errmsg(s->db));
		sqlite3_finalize(st);
		free(uri);
		return ret;
	}
	sqlite3_finalize(st);
	free(uri);
	st = prepare(s, "SELECT value FROM src.meta WHERE key = "
	    "'schema_version'", "read the schema version");
	rc = st == NULL ? SQLITE_ERROR : sqlite3_step(st);
	v = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
	if (rc != SQLITE_ROW) {
		ret = ia_seterr(err, IA_EINPUT, "%s: not an imgaudit scan "
		    "database: %s", in, rc == SQLITE_DONE ?
		    "no schema version" : sqlite3_errmsg(s->db));
	} else if (v == NULL || (strcmp(v, "1") != 0 &&
	    strtol(v, NULL, 10) != STORE_SCHEMA_VERSION)) {
		ret = ia_seterr(err, IA_EINPUT, "%s: scan database schema "
		    "version %.32s; this imgaudit reads versions 1 to %d", in,
		    v == NULL ? "(none)" : v, STORE_SCHEMA_VERSION);
	} else {
		src_v1 = strcmp(v, "1") == 0;
	}
	sqlite3_finalize(st);
	if (ret != IA_OK)
		goto detach;
	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		ret = ia_seterr(err, IA_EINTERNAL, "%s: cannot start a "
		    "transaction: %s", s->path, sqlite3_errmsg(s->db));
		goto detach;
	}
	if (sqlite3_exec(s->db, merge_sql, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(s->db, src_v1 ? merge_reports_v1 : merge_reports_v2,
	    NULL, NULL, NULL) != SQLITE_OK) {
		ret = ia_seterr(err, IA_EINPUT, "%s: cannot merge into %s: %s",
		    in, s->path, sqlite3_errmsg(s->db));
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		goto detach;
	}
	if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		ret = ia_seterr(err, IA_EINTERNAL, "%s: cannot commit: %s",
		    s->path, sqlite3_errmsg(s->db));
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	}
detach:
	if (sqlite3_exec(s->db, "DETACH DATABASE src", NULL, NULL, NULL) !=
	    SQLITE_OK && ret == IA_OK)
		ret = ia_seterr(err, IA_EINTERNAL, "%s: cannot detach: %s",
		    in, sqlite3_errmsg(s->db));
	return ret;
}

enum ia_status
store_merge(const char *out, char *const *in, size_t n, struct ia_error *err)
{
	struct store *s;
	enum ia_status st;
	size_t i;

	if ((st = open_flags(out, SQLITE_OPEN_URI, &s, err)) != IA_OK)
		return st;
	lock(s);
	for (i = 0; i < n && st == IA_OK; i++)
		st = merge_one(s, in[i], err);
	unlock(s);
	store_close(s);
	return st;
}
