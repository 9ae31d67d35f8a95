/* SPDX-License-Identifier: MIT */
/*
 * test_store.c: the scan database.  The layer_result codec round-trips a
 * result with every field set and refuses every truncated or corrupted
 * blob without crashing; the database keeps layers, reports and scan rows
 * across connections and processes, drops corrupt cache rows, refuses
 * another schema version, orders history and merges shards.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store.h"

/* Each test gets a scratch directory; teardown removes it. */
struct fx {
	char dir[64];
};

static int
setup(void **state)
{
	struct fx *fx = xcalloc(1, sizeof(*fx));

	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_store.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	assert_int_equal(system(cmd), 0);
	free(fx);
	return 0;
}

static char *
path_in(struct fx *fx, const char *name)
{
	size_t n = strlen(fx->dir) + strlen(name) + 2;
	char *p = xmalloc(n);

	snprintf(p, n, "%s/%s", fx->dir, name);
	return p;
}

/* ---- a result with every field populated ---- */

static void
add_entry(struct layer_result *r, const char *path, const char *link,
    int64_t size, uint8_t kind)
{
	struct layer_entry *e;

	xgrow((void **)&r->entries, &r->n_alloc, r->n_entries + 1,
	    sizeof(*r->entries));
	e = &r->entries[r->n_entries++];
	memset(e, 0, sizeof(*e));
	e->path = xstrdup(path);
	e->link = link == NULL ? NULL : xstrdup(link);
	e->size = size;
	e->mode = kind == ENTRY_DIR ? 040755 : 0100644;
	e->kind = kind;
}

static struct layer_result *
full_result(void)
{
	struct layer_result *r = xcalloc(1, sizeof(*r));
	struct elf_facts *f;
	static const char cap[] = "Package: libc6\nStatus: ok\0binary\xff";

	r->digest = xstrdup("sha256:aaaa");
	r->diff_id = xstrdup("sha256:bbbb");
	r->compression = COMP_ZSTD;
	r->compressed_bytes = 123456789012LL;
	r->tar_bytes = 987654321098LL;
	r->bytes = 5555;
	r->files = 3;
	add_entry(r, "usr", NULL, 0, ENTRY_DIR);
	add_entry(r, "usr/lib/libcudnn.so.9", NULL, 4000, ENTRY_FILE);
	add_entry(r, "usr/lib/libcudnn.so", "libcudnn.so.9", 0,
	    ENTRY_SYMLINK);
	add_entry(r, "var/lib/dpkg/status", NULL, sizeof(cap) - 1,
	    ENTRY_FILE);
	add_entry(r, "etc/gone", NULL, 0, ENTRY_WHITEOUT);
	add_entry(r, "../escape", NULL, -1, ENTRY_OTHER);
	r->entries[5].flags = ENTRY_F_UNSAFE;
	r->entries[5].mode = 0xffffffffu;

	r->captures = xcalloc(1, sizeof(*r->captures));
	r->n_captures = r->captures_cap = 1;
	r->captures[0].entry = 3;
	r->captures[0].len = sizeof(cap) - 1;	/* with an inner NUL */
	r->captures[0].data = xmalloc(sizeof(cap));
	memcpy(r->captures[0].data, cap, sizeof(cap));

	r->elves = xcalloc(2, sizeof(*r->elves));
	r->n_elves = r->elves_cap = 2;
	r->elves[0].entry = 1;
	f = &r->elves[0].facts;
	f->elfclass = 64;
	f->big_endian = 1;
	f->type = ELF_ET_DYN;
	f->machine = 62;
	f->interp = xstrdup("/lib64/ld-linux-x86-64.so.2");
	f->soname = xstrdup("libcudnn.so.9");
	f->n_needed = 3;
	f->needed = xcalloc(3, sizeof(*f->needed));
	f->needed[0] = xstrdup("libc.so.6");
	f->needed[1] = xstrdup("libcublas.so.12");
	f->needed[2] = xstrdup("");
	f->runpath = xstrdup("$ORIGIN");
	f->rpath = xstrdup("/opt/x");
	f->debug_bytes = 1234;
	f->unneeded_bytes = 5678;
	f->has_debuglink = true;
	f->has_symtab = false;
	f->sections_read = true;
	f->fatbin.n_arch = 2;
	f->fatbin.arch = xcalloc(2, sizeof(*f->fatbin.arch));
	f->fatbin.arch[0] = (struct fatbin_arch){ 80, 3, 1, 0, 1000, 2000,
	    300, 900, 0, 0 };
	f->fatbin.arch[1] = (struct fatbin_arch){ 90, 2, 0, 4, 5000, 5000,
	    0, 0, 70, INT64_MAX };
	f->fatbin.total_bytes = 7777;
	f->fatbin.n_containers = 5;
	f->fatbin.n_entries = 10;
	f->fatbin.n_compressed = 2;
	f->fatbin.n_bad = UINT32_MAX;
	f->fatbin.n_where = 1;
	f->fatbin.where = xcalloc(1, sizeof(*f->fatbin.where));
	f->fatbin.where[0].section = xstrdup(".nv_fatbin");
	f->fatbin.where[0].bytes = 7777;
	f->fatbin.where[0].n_containers = 5;
	f->problem = xstrdup("section names past the end");
	/* The second ELF is all zeros and NULLs: NULL must stay NULL. */
	r->elves[1].entry = 5;
	r->elves[1].facts.debug_bytes = INT64_MIN;

	r->types = xcalloc(1, sizeof(*r->types));
	r->n_types = r->types_cap = 1;
	r->types[0].entry = 3;
	r->types[0].type = xstrdup("ASCII text");

	findings_add(&r->findings, "path-traversal", "escapes the root",
	    "layer 0: %s", "../escape");
	findings_add(&r->findings, "elf-malformed", "bad ELF", "%s", "x");
	r->findings.dropped = 42;
	return r;
}

static void
assert_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void
assert_fatbin_equal(const struct fatbin_summary *a,
    const struct fatbin_summary *b)
{
	size_t i;

	assert_int_equal(a->n_arch, b->n_arch);
	for (i = 0; i < a->n_arch; i++)
		assert_memory_equal(&a->arch[i], &b->arch[i],
		    sizeof(a->arch[i]));
	assert_int_equal(a->total_bytes, b->total_bytes);
	assert_int_equal(a->n_containers, b->n_containers);
	assert_int_equal(a->n_entries, b->n_entries);
	assert_int_equal(a->n_compressed, b->n_compressed);
	assert_int_equal(a->n_bad, b->n_bad);
	assert_int_equal(a->n_where, b->n_where);
	for (i = 0; i < a->n_where; i++) {
		assert_str(a->where[i].section, b->where[i].section);
		assert_int_equal(a->where[i].bytes, b->where[i].bytes);
		assert_int_equal(a->where[i].n_containers,
		    b->where[i].n_containers);
	}
}

static void
assert_elf_equal(const struct elf_facts *a, const struct elf_facts *b)
{
	size_t i;

	assert_int_equal(a->elfclass, b->elfclass);
	assert_int_equal(a->big_endian, b->big_endian);
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->machine, b->machine);
	assert_str(a->interp, b->interp);
	assert_str(a->soname, b->soname);
	assert_int_equal(a->n_needed, b->n_needed);
	for (i = 0; i < a->n_needed; i++)
		assert_str(a->needed[i], b->needed[i]);
	assert_str(a->runpath, b->runpath);
	assert_str(a->rpath, b->rpath);
	assert_true(a->debug_bytes == b->debug_bytes);
	assert_true(a->unneeded_bytes == b->unneeded_bytes);
	assert_int_equal(a->has_debuglink, b->has_debuglink);
	assert_int_equal(a->has_symtab, b->has_symtab);
	assert_int_equal(a->sections_read, b->sections_read);
	assert_fatbin_equal(&a->fatbin, &b->fatbin);
	assert_str(a->problem, b->problem);
}

static void
assert_result_equal(const struct layer_result *a, const struct layer_result *b)
{
	size_t i;

	assert_str(a->digest, b->digest);
	assert_str(a->diff_id, b->diff_id);
	assert_int_equal(a->compression, b->compression);
	assert_int_equal(a->compressed_bytes, b->compressed_bytes);
	assert_int_equal(a->tar_bytes, b->tar_bytes);
	assert_int_equal(a->bytes, b->bytes);
	assert_int_equal(a->files, b->files);
	assert_int_equal(a->n_entries, b->n_entries);
	for (i = 0; i < a->n_entries; i++) {
		assert_str(a->entries[i].path, b->entries[i].path);
		assert_str(a->entries[i].link, b->entries[i].link);
		assert_int_equal(a->entries[i].size, b->entries[i].size);
		assert_int_equal(a->entries[i].mode, b->entries[i].mode);
		assert_int_equal(a->entries[i].kind, b->entries[i].kind);
		assert_int_equal(a->entries[i].flags, b->entries[i].flags);
	}
	assert_int_equal(a->n_captures, b->n_captures);
	for (i = 0; i < a->n_captures; i++) {
		assert_int_equal(a->captures[i].entry, b->captures[i].entry);
		assert_int_equal(a->captures[i].len, b->captures[i].len);
		/* NUL-terminated as layer.c leaves it. */
		assert_memory_equal(a->captures[i].data, b->captures[i].data,
		    a->captures[i].len + 1);
	}
	assert_int_equal(a->n_elves, b->n_elves);
	for (i = 0; i < a->n_elves; i++) {
		assert_int_equal(a->elves[i].entry, b->elves[i].entry);
		assert_elf_equal(&a->elves[i].facts, &b->elves[i].facts);
	}
	assert_int_equal(a->n_types, b->n_types);
	for (i = 0; i < a->n_types; i++) {
		assert_int_equal(a->types[i].entry, b->types[i].entry);
		assert_str(a->types[i].type, b->types[i].type);
	}
	assert_int_equal(a->findings.n, b->findings.n);
	for (i = 0; i < a->findings.n; i++) {
		assert_str(a->findings.v[i].kind, b->findings.v[i].kind);
		assert_str(a->findings.v[i].title, b->findings.v[i].title);
		assert_str(a->findings.v[i].detail, b->findings.v[i].detail);
	}
	assert_int_equal(a->findings.dropped, b->findings.dropped);
}

/* ---- codec ---- */

static void
test_codec_roundtrip(void **state)
{
	struct layer_result *r = full_result(), *d, empty;
	unsigned char *blob;
	size_t len;

	(void)state;
	blob = store_layer_encode(r, &len);
	d = store_layer_decode(blob, len);
	assert_non_null(d);
	assert_result_equal(r, d);
	/* Decoded arrays can grow like layer.c's. */
	assert_true(d->n_alloc >= d->n_entries);
	layer_result_free(d);
	free(blob);
	layer_result_free(r);

	/* An all-empty result too. */
	memset(&empty, 0, sizeof(empty));
	blob = store_layer_encode(&empty, &len);
	d = store_layer_decode(blob, len);
	assert_non_null(d);
	assert_result_equal(&empty, d);
	layer_result_free(d);
	free(blob);
}

static void
test_codec_truncated(void **state)
{
	struct layer_result *r = full_result(), *d;
	unsigned char *blob, *copy;
	size_t len, i;

	(void)state;
	blob = store_layer_encode(r, &len);
	/* Every prefix, in a buffer of exactly that size (ASan sees overreads). */
	for (i = 0; i < len; i++) {
		copy = xmalloc(i == 0 ? 1 : i);
		memcpy(copy, blob, i);
		d = store_layer_decode(copy, i);
		assert_null(d);
		free(copy);
	}
	/* A trailing byte is as bad as a missing one. */
	copy = xmalloc(len + 1);
	memcpy(copy, blob, len);
	copy[len] = 0;
	assert_null(store_layer_decode(copy, len + 1));
	free(copy);
	/* Another version is refused, the one before this too. */
	copy = xmalloc(len);
	memcpy(copy, blob, len);
	copy[4] = 1;
	assert_null(store_layer_decode(copy, len));
	copy[4] = 3;
	assert_null(store_layer_decode(copy, len));
	/* Every byte flipped to a few values: a result or NULL, never a crash. */
	for (i = 0; i < len; i++) {
		static const unsigned char vals[] = { 0x00, 0x01, 0x7f, 0x80,
		    0xff };
		size_t k;

		for (k = 0; k < sizeof(vals); k++) {
			memcpy(copy, blob, len);
			copy[i] = vals[k];
			d = store_layer_decode(copy, len);
			if (d != NULL) {
				size_t j;

				/* Whatever decodes is safe to walk. */
				for (j = 0; j < d->n_captures; j++)
					assert_true(d->captures[j].entry <
					    d->n_entries);
				for (j = 0; j < d->n_entries; j++)
					assert_non_null(d->entries[j].path);
				layer_result_free(d);
			}
		}
	}
	free(copy);
	free(blob);
	layer_result_free(r);
}

static void
test_codec_lying_counts(void **state)
{
	/* Magic, version, two NULL strings, compression, four ints, then
	 * an entry count of 2^62 with nothing behind it. */
	static const unsigned char lie[] = { 'I', 'A', 'L', 'R', 2, 0, 0, 0,
	    0, 0, 0, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40 };
	/* An 11-byte varint. */
	static const unsigned char longvar[] = { 'I', 'A', 'L', 'R', 0x81,
	    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00 };

	(void)state;
	assert_null(store_layer_decode(lie, sizeof(lie)));
	assert_null(store_layer_decode(longvar, sizeof(longvar)));
	assert_null(store_layer_decode(NULL, 0));
}

/* ---- database ---- */

static struct store *
open_ok(const char *path)
{
	struct store *s = NULL;
	struct ia_error err = { 0 };

	if (store_open(path, &s, &err) != IA_OK)
		fail_msg("store_open: %s", err.msg);
	return s;
}

static void
test_layers_roundtrip(void **state)
{
	struct fx *fx = *state;
	char *db = path_in(fx, "scan.db");
	struct layer_result *r = full_result(), *d = NULL;
	struct store *s = open_ok(db);

	assert_int_equal(store_layer_get(s, "sha256:bbbb", "sha256:aaaa", &d),
	    0);
	assert_null(d);
	assert_int_equal(store_layer_put(s, "sha256:bbbb", "sha256:aaaa", r),
	    0);
	/* Putting again replaces, never fails. */
	assert_int_equal(store_layer_put(s, "sha256:bbbb", "sha256:aaaa", r),
	    0);
	assert_int_equal(store_layer_get(s, "sha256:bbbb", "sha256:aaaa", &d),
	    1);
	assert_result_equal(r, d);
	layer_result_free(d);
	/* The key is the pair. */
	assert_int_equal(store_layer_get(s, "sha256:bbbb", "sha256:cccc", &d),
	    0);
	store_close(s);

	/* Reopened: still there, and the meta row was not duplicated. */
	s = open_ok(db);
	assert_int_equal(store_layer_get(s, "sha256:bbbb", "sha256:aaaa", &d),
	    1);
	assert_result_equal(r, d);
	layer_result_free(d);
	store_close(s);
	layer_result_free(r);
	free(db);
}

/* Run sql on path with a plain connection of its own. */
static void
sql(const char *path, const char *text)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 10000);
	if (sqlite3_exec(db, text, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("%s: %s", text, sqlite3_errmsg(db));
	sqlite3_close(db);
}

static int
count_rows(const char *path, const char *table)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	char q[128];
	int n;

	snprintf(q, sizeof(q), "SELECT count(*) FROM %s", table);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static void
test_corrupt_row_is_absent(void **state)
{
	struct fx *fx = *state;
	char *db = path_in(fx, "scan.db");
	struct store *s = open_ok(db);
	struct layer_result *d = NULL;

	sql(db, "INSERT INTO layers VALUES ('sha256:d', 'sha256:b', "
	    "X'49414C520105')");
	assert_int_equal(count_rows(db, "layers"), 1);
	assert_int_equal(store_layer_get(s, "sha256:d", "sha256:b", &d), 0);
	assert_null(d);
	assert_int_equal(count_rows(db, "layers"), 0);
	store_close(s);
	free(db);
}

static void
test_schema_version(void **state)
{
	struct fx *fx = *state;
	char *db = path_in(fx, "scan.db"), *junk = path_in(fx, "junk.db");
	struct store *s = open_ok(db);
	struct ia_error err = { 0 };
	FILE *f;

	store_close(s);
	sql(db, "UPDATE meta SET value = '3' WHERE key = 'schema_version'");
	s = (struct store *)1;
	assert_int_equal(store_open(db, &s, &err), IA_EINPUT);
	assert_null(s);
	assert_non_null(strstr(err.msg, "schema version 3"));
	assert_non_null(strstr(err.msg, db));

	/* Not a database at all: the message says so and names the file. */
	f = fopen(junk, "w");
	assert_non_null(f);
	fputs("this is not an SQLite database, not even close ........\n", f);
	fclose(f);
	assert_int_equal(store_open(junk, &s, &err), IA_EINPUT);
	assert_null(s);
	assert_non_null(strstr(err.msg, junk));
	assert_non_null(strstr(err.msg, "not a database"));

	/* A directory that does not exist. */
	free(junk);
	junk = path_in(fx, "no/such/dir.db");
	assert_int_equal(store_open(junk, &s, &err), IA_EINPUT);
	assert_non_null(strstr(err.msg, junk));
	free(junk);
	free(db);
}

static void
test_reports(void **state)
{
	struct fx *fx = *state;
	char *db = path_in(fx, "scan.db");
	struct store *s = open_ok(db);
	char *j;

	assert_int_equal(store_report_has(s, "sha256:m1", "k1"), 0);
	assert_null(store_report_get(s, "sha256:m1", "k1"));
	assert_null(store_report_get(s, "sha256:m1", NULL));
	assert_int_equal(store_report_put(s, "sha256:m1", "k1", "{\"v\":1}"),
	    0);
	assert_int_equal(store_report_has(s, "sha256:m1", "k1"), 1);
	j = store_report_get(s, "sha256:m1", "k1");
	assert_string_equal(j, "{\"v\":1}");
	free(j);
	/* Made another way (another knowledge base, --top, build): absent. */
	assert_int_equal(store_report_has(s, "sha256:m1", "k2"), 0);
	assert_null(store_report_get(s, "sha256:m1", "k2"));
	/* The newest replaces it, whatever made it; NULL takes any. */
	assert_int_equal(store_report_put(s, "sha256:m1", "k2", "{\"v\":2}"),
	    0);
	j = store_report_get(s, "sha256:m1", NULL);
	assert_string_equal(j, "{\"v\":2}");
	free(j);
	assert_int_equal(store_report_has(s, "sha256:m1", "k1"), 0);
	assert_int_equal(store_report_has(s, "sha256:m1", "k2"), 1);
	store_close(s);
	free(db);
}

/*
 * A version 1 database (reports with no analysis) is upgraded in place:
 * its layers and reports stay readable, and no old report passes for the
 * current analysis.
 */
static void
test_upgrade_v1(void **state)
{
	struct fx *fx = *state;
	char *db = path_in(fx, "v1.db"), *merged = path_in(fx, "m.db");
	char *in[1];
	struct ia_error err = { 0 };
	struct store *s;
	sqlite3 *raw;
	char *j;

	assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw,
	    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	    "INSERT INTO meta VALUES ('schema_version', '1');"
	    "CREATE TABLE layers (diff_id TEXT NOT NULL, blob_digest TEXT "
	    "NOT NULL, data BLOB NOT NULL, PRIMARY KEY (diff_id, blob_digest));"
	    "CREATE TABLE reports (manifest_digest TEXT PRIMARY KEY, json TEXT "
	    "NOT NULL, stored_at INTEGER NOT NULL);"
	    "INSERT INTO reports VALUES ('sha256:old', '{\"v\":0}', 1);"
	    "CREATE TABLE scans (id INTEGER PRIMARY KEY, repo TEXT NOT NULL, "
	    "tag TEXT, digest TEXT, scanned_at INTEGER NOT NULL, error TEXT, "
	    "compressed_bytes INTEGER NOT NULL DEFAULT 0, final_bytes INTEGER "
	    "NOT NULL DEFAULT 0, wasted_bytes INTEGER NOT NULL DEFAULT 0, "
	    "removable_bytes INTEGER NOT NULL DEFAULT 0);",
	    NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);

	/* Merged as it is (attached read-only, not upgraded). */
	in[0] = db;
	if (store_merge(merged, in, 1, &err) != IA_OK)
		fail_msg("merge: %s", err.msg);
	s = open_ok(merged);
	j = store_report_get(s, "sha256:old", NULL);
	assert_string_equal(j, "{\"v\":0}");
	free(j);
	assert_int_equal(store_report_has(s, "sha256:old", "k1"), 0);
	store_close(s);

	s = open_ok(db);
	j = store_report_get(s, "sha256:old", NULL);
	assert_string_equal(j, "{\"v\":0}");
	free(j);
	assert_int_equal(store_report_has(s, "sha256:old", "k1"), 0);
	assert_int_equal(store_report_put(s, "sha256:new", "k1", "{}"), 0);
	assert_int_equal(store_report_has(s, "sha256:new", "k1"), 1);
	store_close(s);
	/* Opened again: now version 2, nothing to upgrade. */
	s = open_ok(db);
	assert_int_equal(store_report_has(s, "sha256:new", "k1"), 1);
	store_close(s);
	free(merged);
	free(db);
}

/* History rows, flattened for comparison. */
struct hist {
	char line[16][160];
	size_t n;
};

static void
collect(void *ctx, const struct scan_row *row)
{
	struct hist *h = ctx;

	assert_true(h->n < 16);
	snprintf(h->line[h->n++], sizeof(h->line[0]),
	    "%s:%s %s %lld %s %lld/%lld/%lld/%lld", row->repo,
	    row->tag == NULL ? "-" : row->tag,
	    row->digest == NULL ? "-" : row->digest,
	    (long long)row->scanned_at, row->error == NULL ? "ok" : row->error,
	    (long long)row->compressed_bytes, (long long)row->final_bytes,
	    (long long)row->wasted_bytes, (long long)row->removable_bytes);
}

static void
put_scan(struct store *s, const char *repo, const char *tag,
    const char *digest, int64_t at, const char *error)
{
	struct scan_row row = { repo, tag, digest, error, at,
		error ? 0 : at * 10, error ? 0 : at * 9, error ? 0 : 1,
		error ? 0 : 2 };

	assert_int_equal(store_scan_put(s, &row), 0);
}

static void
test_history(void **state)
{
	struct fx *fx = *state;
	char *db = path_in(fx, "scan.db");
	struct store *s = open_ok(db);
	struct hist h = { .n = 0 };

	/* Out of time order on purpose; two rows share a time. */
	put_scan(s, "app", "v2", "sha256:2", 300, NULL);
	put_scan(s, "app", "v1", "sha256:1", 100, NULL);
	put_scan(s, "base", "latest", NULL, 200, "manifest unknown");
	put_scan(s, "app", "v1", "sha256:1b", 300, NULL);

	assert_int_equal(store_history(s, NULL, NULL, collect, &h), 0);
	assert_int_equal(h.n, 4);
	assert_string_equal(h.line[0], "app:v1 sha256:1 100 ok 1000/900/1/2");
	assert_string_equal(h.line[1],
	    "base:latest - 200 manifest unknown 0/0/0/0");
	/* Same time: insertion order. */
	assert_string_equal(h.line[2], "app:v2 sha256:2 300 ok 3000/2700/1/2");
	assert_string_equal(h.line[3], "app:v1 sha256:1b 300 ok 3000/2700/1/2");

	h.n = 0;
	assert_int_equal(store_history(s, "app", NULL, collect, &h), 0);
	assert_int_equal(h.n, 3);
	h.n = 0;
	assert_int_equal(store_history(s, "app", "v1", collect, &h), 0);
	assert_int_equal(h.n, 2);
	assert_string_equal(h.line[1], "app:v1 sha256:1b 300 ok 3000/2700/1/2");
	h.n = 0;
	assert_int_equal(store_history(s, "nope", NULL, collect, &h), 0);
	assert_int_equal(h.n, 0);
	store_close(s);
	free(db);
}

/*
 * Committed rows are visible at once to another connection and another
 * process, while the first connection stays open (WAL), and a row a child
 * wrote before it was killed outright is kept.
 */
static void
test_other_process(void **state)
{
	struct fx *fx = *state;
	char *db = path_in(fx, "scan.db");
	struct store *s = open_ok(db), *t;
	struct hist h = { .n = 0 };
	pid_t pid;
	int status;

	put_scan(s, "app", "v1", "sha256:1", 100, NULL);
	assert_int_equal(store_report_put(s, "sha256:1", "k", "{}"), 0);

	t = open_ok(db);
	assert_int_equal(store_report_has(t, "sha256:1", "k"), 1);
	store_close(t);

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct store *c = NULL;
		struct ia_error err;
		struct scan_row row = { "child", "t", "sha256:c", NULL, 150,
			1, 2, 3, 4 };

		if (store_open(db, &c, &err) != IA_OK ||
		    store_report_has(c, "sha256:1", "k") != 1 ||
		    store_scan_put(c, &row) != 0)
			_exit(1);
		/* Killed with no chance to close or clean up. */
		kill(getpid(), SIGKILL);
		_exit(2);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	assert_int_equal(store_history(s, NULL, NULL, collect, &h), 0);
	assert_int_equal(h.n, 2);
	assert_string_equal(h.line[1], "child:t sha256:c 150 ok 1/2/3/4");
	store_close(s);
	free(db);
}

static void
test_merge(void **state)
{
	struct fx *fx = *state;
	char *a = path_in(fx, "a.db"), *b = path_in(fx, "b b%?#.db");
	char *out = path_in(fx, "out.db"), *missing = path_in(fx, "none.db");
	char *in[3];
	struct layer_result *r = full_result(), *d;
	struct store *s;
	struct hist h = { .n = 0 };
	struct ia_error err = { 0 };
	char *j;

	s = open_ok(a);
	assert_int_equal(store_layer_put(s, "sha256:L1", "sha256:B1", r), 0);
	assert_int_equal(store_report_put(s, "sha256:m", "k", "{\"from\":\"a\"}"),
	    0);
	put_scan(s, "app", "v1", "sha256:m", 100, NULL);
	put_scan(s, "app", "v1", NULL, 50, "timeout");
	store_close(s);

	free(r->digest);
	r->digest = xstrdup("sha256:other");
	s = open_ok(b);
	assert_int_equal(store_layer_put(s, "sha256:L1", "sha256:B1", r), 0);
	assert_int_equal(store_layer_put(s, "sha256:L2", "sha256:B2", r), 0);
	assert_int_equal(store_report_put(s, "sha256:m", "k", "{\"from\":\"b\"}"),
	    0);
	assert_int_equal(store_report_put(s, "sha256:n", "k", "{}"), 0);
	/* The same scan as a's (a shard re-run), one new, and a duplicate. */
	put_scan(s, "app", "v1", "sha256:m", 100, NULL);
	put_scan(s, "app", "v1", NULL, 50, "timeout");
	put_scan(s, "base", "1", "sha256:n", 75, NULL);
	put_scan(s, "base", "1", "sha256:n", 75, NULL);
	store_close(s);

	in[0] = a;
	in[1] = b;
	if (store_merge(out, in, 2, &err) != IA_OK)
		fail_msg("merge: %s", err.msg);
	/* Merging again changes nothing. */
	if (store_merge(out, in, 2, &err) != IA_OK)
		fail_msg("merge: %s", err.msg);

	s = open_ok(out);
	assert_int_equal(store_layer_get(s, "sha256:L1", "sha256:B1", &d), 1);
	assert_string_equal(d->digest, "sha256:aaaa");	/* a's: first wins */
	layer_result_free(d);
	assert_int_equal(store_layer_get(s, "sha256:L2", "sha256:B2", &d), 1);
	assert_result_equal(r, d);
	layer_result_free(d);
	j = store_report_get(s, "sha256:m", "k");
	assert_string_equal(j, "{\"from\":\"a\"}");
	free(j);
	assert_int_equal(store_report_has(s, "sha256:n", "k"), 1);
	assert_int_equal(store_history(s, NULL, NULL, collect, &h), 0);
	assert_int_equal(h.n, 3);
	assert_string_equal(h.line[0], "app:v1 - 50 timeout 0/0/0/0");
	assert_string_equal(h.line[1], "base:1 sha256:n 75 ok 750/675/1/2");
	assert_string_equal(h.line[2], "app:v1 sha256:m 100 ok 1000/900/1/2");
	store_close(s);

	/* A missing input is an error naming it, and is not created. */
	in[2] = missing;
	assert_int_equal(store_merge(out, in, 3, &err), IA_EINPUT);
	assert_non_null(strstr(err.msg, missing));
	assert_int_not_equal(access(missing, F_OK), 0);
	/* An input that is not a scan database. */
	sql(missing, "CREATE TABLE t (x)");
	assert_int_equal(store_merge(out, &in[2], 1, &err), IA_EINPUT);
	assert_non_null(strstr(err.msg, "not an imgaudit scan database"));

	layer_result_free(r);
	free(a);
	free(b);
	free(out);
	free(missing);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codec_roundtrip),
		cmocka_unit_test(test_codec_truncated),
		cmocka_unit_test(test_codec_lying_counts),
		cmocka_unit_test_setup_teardown(test_layers_roundtrip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_row_is_absent,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_version, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reports, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upgrade_v1, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_history, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_process, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_merge, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
