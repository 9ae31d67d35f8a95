/* SPDX-License-Identifier: MIT */
/*
 * kb.c: load the knowledge base (the embedded SQL, then --kb-extra files)
 * into SQLite, check it, and copy its rules into arrays the classifier
 * can match quickly.  What the rules mean for a file is classify.c's and
 * candidates.c's business; this file only knows the tables.
 */
#include <errno.h>
#include <fnmatch.h>
#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "embed.h"
#include "kb.h"

#define KB_EXTRA_MAX	(16 << 20)	/* bytes of one --kb-extra file */
/*
 * What --kb-extra SQL may cost: a string or blob of at most this many
 * bytes, and at most KB_EXTRA_STEPS progress-handler calls of 1,000
 * virtual-machine steps each (20 million: a tenth of a second for a real
 * extra file, a few seconds under ASan), so that a runaway recursive
 * query ends in a message instead of a hang.
 */
#define KB_EXTRA_LENGTH	(16 << 20)
#define KB_EXTRA_STEPS	20000

static const char *const purpose_names[P_COUNT] = {
	"runtime", "training-only", "dev-only", "profiling", "build-cache",
	"docs", "tests", "debug", "multi-gpu-only", "other-gpu-arch",
	"wasted", "unknown"
};

static const char *const need_names[] = {
	"needed", "needed-if-used", "profiling", "dev-only",
	"multi-gpu-only", "build-only"
};

static const char *const confidence_names[] = { "low", "medium", "high" };

const char *
kb_purpose_name(enum purpose p)
{
	return (unsigned)p < P_COUNT ? purpose_names[p] : "unknown";
}

const char *
kb_confidence_name(enum confidence c)
{
	return (unsigned)c <= CONF_HIGH ? confidence_names[c] : "low";
}

const char *
kb_need_name(enum cuda_need n)
{
	return (unsigned)n <= NEED_BUILD_ONLY ? need_names[n] : "needed";
}

static int
lookup(const char *const *names, size_t n, const char *s)
{
	size_t i;

	for (i = 0; s != NULL && i < n; i++)
		if (strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

/* ---- globs -------------------------------------------------------------- */

/*
 * fnmatch() byte by byte.  main.c sets a UTF-8 locale (for libarchive's
 * pax names), in which glibc's fnmatch() first widens the pattern and the
 * path to wide characters: 9% of a warm re-audit.  The knowledge base's
 * globs are ASCII, so the C locale, for this thread and this call only,
 * matches alike.  The locale object is made once and never changes.
 */
static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void
c_locale_init(void)
{
	c_locale = newlocale(LC_CTYPE_MASK, "C", (locale_t)0);
}

bool
kb_fnmatch(const char *glob, const char *s)
{
	locale_t old;
	bool hit;

	pthread_once(&c_locale_once, c_locale_init);
	if (c_locale == (locale_t)0)
		return fnmatch(glob, s, 0) == 0;
	old = uselocale(c_locale);
	hit = fnmatch(glob, s, 0) == 0;
	uselocale(old);
	return hit;
}

bool
kb_glob_match(const char *glob, const char *path)
{
	return kb_fnmatch(glob, path);
}

static void
grams_add(struct kb_grams *m, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i;

	for (i = 1; i < n; i++) {
		unsigned h = (u[i - 1] * 31u + u[i]) & 255;

		m->w[h >> 6] |= (uint64_t)1 << (h & 63);
	}
}

void
kb_grams(struct kb_grams *m, const char *s, size_t n)
{
	memset(m, 0, sizeof(*m));
	grams_add(m, s, n);
}

/*
 * The longest run of literal characters in the glob: every path it
 * matches contains that run, so strstr() rejects most paths before
 * fnmatch() runs.  A bracket expression or escape ends a run.  A glob
 * that is only that run, with a `*` before or after it or both, needs no
 * fnmatch() at all: with fnmatch()'s flags 0 a `*` matches any bytes, `/`
 * and leading dots included (most of the knowledge base's globs).
 */
static uint8_t
glob_shape(const char *glob, const char *lit, size_t lit_len)
{
	size_t n = strlen(glob);
	bool before = lit > glob, after = lit + lit_len < glob + n;

	if (before && (lit != glob + 1 || glob[0] != '*'))
		return GLOB_ANY;
	if (after && (lit + lit_len + 1 != glob + n || glob[n - 1] != '*'))
		return GLOB_ANY;
	return before && after ? GLOB_INSIDE : before ? GLOB_SUFFIX :
	    after ? GLOB_PREFIX : GLOB_EXACT;
}

static void
glob_prepare(struct kb_glob *g)
{
	const char *p = g->glob, *best = p, *run = p;
	size_t best_len = 0;

	memset(&g->grams, 0, sizeof(g->grams));
	for (;; p++) {
		if (*p == '\0' || *p == '*' || *p == '?' || *p == '[' ||
		    *p == '\\') {
			grams_add(&g->grams, run, (size_t)(p - run));
			if ((size_t)(p - run) > best_len) {
				best = run;
				best_len = (size_t)(p - run);
			}
			if (*p == '\0')
				break;
			if (*p == '[') {	/* skip the bracket expression */
				const char *q = strchr(p + 1, ']');

				if (q != NULL)
					p = q;
			} else if (*p == '\\' && p[1] != '\0')
				p++;
			run = p + 1;
		}
	}
	g->lit_buf = xmalloc(best_len + 1);
	memcpy(g->lit_buf, best, best_len);
	g->lit_buf[best_len] = '\0';
	g->lit = g->lit_buf;
	g->lit_len = best_len;
	g->anchored = best == g->glob;
	g->shape = glob_shape(g->glob, best, best_len);
}

static bool
glob_match(const struct kb_glob *g, const char *path, size_t len,
    const struct kb_grams *m)
{
	size_t k = g->lit_len;

	if (((g->grams.w[0] & ~m->w[0]) | (g->grams.w[1] & ~m->w[1]) |
	    (g->grams.w[2] & ~m->w[2]) | (g->grams.w[3] & ~m->w[3])) != 0)
		return false;
	switch (g->shape) {
	case GLOB_EXACT:
		return len == k && memcmp(path, g->lit, k) == 0;
	case GLOB_PREFIX:
		return len >= k && memcmp(path, g->lit, k) == 0;
	case GLOB_SUFFIX:
		return len >= k && memcmp(path + len - k, g->lit, k) == 0;
	case GLOB_INSIDE:
		return memmem(path, len, g->lit, k) != NULL;
	}
	if (g->lit_len > 0) {
		if (g->anchored) {
			if (strncmp(path, g->lit, g->lit_len) != 0)
				return false;
		} else if (strstr(path, g->lit) == NULL)
			return false;
	}
	return kb_fnmatch(g->glob, path);
}

static bool
has_wildcard(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* Is pattern a more specific than b (both matched)? */
static bool
more_specific(const char *a, const char *b)
{
	bool wa = has_wildcard(a), wb = has_wildcard(b);

	if (wa != wb)
		return !wa;
	return strlen(a) > strlen(b);
}

bool
kb_glob_test(const struct kb_glob *g, const char *path, size_t len,
    const struct kb_grams *grams)
{
	return glob_match(g, path, len, grams);
}

bool
kb_globs_match(const struct kb_glob *g, size_t n, const char *path)
{
	size_t len = strlen(path), i;
	struct kb_grams grams;
	bool hit = false;

	kb_grams(&grams, path, len);
	for (i = 0; i < n; i++)
		if (glob_match(&g[i], path, len, &grams)) {
			if (g[i].keep)
				return false;
			hit = true;
		}
	return hit;
}

const struct kb_package_rule *
kb_match_package(const struct kb *kb, const char *eco, const char *name)
{
	const struct kb_package_rule *best = NULL;
	size_t i;

	for (i = 0; i < kb->n_pkg; i++) {
		const struct kb_package_rule *r = &kb->pkg[i];

		if (strcmp(r->ecosystem, eco) != 0 ||
		    !kb_fnmatch(r->pattern, name))
			continue;
		if (best == NULL || more_specific(r->pattern, best->pattern))
			best = r;
	}
	return best;
}

const struct kb_cuda_rule *
kb_match_cuda(const struct kb *kb, const char *basename)
{
	const struct kb_cuda_rule *best = NULL;
	size_t len = strlen(basename), i;
	struct kb_grams grams;

	kb_grams(&grams, basename, len);
	for (i = 0; i < kb->n_cuda; i++) {
		const struct kb_cuda_rule *r = &kb->cuda[i];

		if (!glob_match(&r->g, basename, len, &grams))
			continue;
		if (best == NULL || more_specific(r->pattern, best->pattern))
			best = r;
	}
	return best;
}

const struct kb_path_rule *
kb_match_path(const struct kb *kb, const char *path)
{
	const struct kb_path_rule *best = NULL;

	kb_match_paths(kb, path, NULL, 0, &best);
	return best;
}

size_t
kb_match_paths(const struct kb *kb, const char *path,
    const struct kb_path_rule **out, size_t max,
    const struct kb_path_rule **best)
{
	const char *best_glob = NULL;
	size_t len = strlen(path), i, k, n = 0;
	struct kb_grams grams;

	kb_grams(&grams, path, len);
	*best = NULL;
	for (i = 0; i < kb->n_path; i++) {
		const struct kb_path_rule *r = &kb->path[i];
		const char *hit = NULL;
		bool kept = false;

		for (k = 0; k < r->n_globs && !kept; k++) {
			if (!glob_match(&r->globs[k], path, len, &grams))
				continue;
			if (r->globs[k].keep)
				kept = true;
			else if (hit == NULL ||
			    more_specific(r->globs[k].glob, hit))
				hit = r->globs[k].glob;
		}
		if (kept || hit == NULL)
			continue;
		if (n < max)
			out[n++] = r;
		if (*best == NULL || more_specific(hit, best_glob)) {
			*best = r;
			best_glob = hit;
		}
	}
	return n;
}

/* ---- loading ------------------------------------------------------------ */

static char *
col(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s != NULL ? xstrdup((const char *)s) : NULL;
}

static enum ia_status
exec_sql(sqlite3 *db, const char *name, const char *sql,
    enum ia_status code, struct ia_error *err)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		ia_seterr(err, code, "%s: %s", name, msg ? msg :
		    sqlite3_errmsg(db));
		sqlite3_free(msg);
		return code;
	}
	return IA_OK;
}

/*
 * --kb-extra SQL adds rules; it has no business with files.  ATTACH would
 * create a database file wherever it names, and a PRAGMA could turn the
 * foreign keys off or write a journal, so both are denied.
 */
static int
extra_authorizer(void *arg, int action, const char *a, const char *b,
    const char *c, const char *d)
{
	(void)arg;
	(void)a;
	(void)b;
	(void)c;
	(void)d;
	if (action == SQLITE_ATTACH || action == SQLITE_DETACH ||
	    action == SQLITE_PRAGMA)
		return SQLITE_DENY;
	return SQLITE_OK;
}

static int
extra_progress(void *arg)
{
	unsigned long *calls = arg;

	return ++*calls > KB_EXTRA_STEPS;
}

static enum ia_status
read_extra(const char *path, char **out, struct ia_error *err)
{
	FILE *f;
	struct stat sb;
	char *buf;
	size_t n;

	*out = NULL;
	f = fopen(path, "rb");
	if (f == NULL)
		return ia_seterr(err, IA_EINPUT, "--kb-extra %s: %s", path,
		    strerror(errno));
	if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
		fclose(f);
		return ia_seterr(err, IA_EINPUT, "--kb-extra %s: not a "
		    "regular file", path);
	}
	if (sb.st_size > KB_EXTRA_MAX) {
		fclose(f);
		return ia_seterr(err, IA_EINPUT, "--kb-extra %s: larger than "
		    "%d MiB", path, KB_EXTRA_MAX >> 20);
	}
	buf = xmalloc((size_t)sb.st_size + 1);
	n = fread(buf, 1, (size_t)sb.st_size, f);
	if (ferror(f)) {
		free(buf);
		fclose(f);
		return ia_seterr(err, IA_EINPUT, "--kb-extra %s: read error",
		    path);
	}
	fclose(f);
	buf[n] = '\0';
	if (memchr(buf, '\0', n) != NULL) {
		free(buf);
		return ia_seterr(err, IA_EINPUT, "--kb-extra %s: not a text "
		    "file (NUL byte)", path);
	}
	*out = buf;
	return IA_OK;
}

static enum ia_status
prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st,
    struct ia_error *err)
{
	if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK)
		return ia_seterr(err, IA_EINPUT, "knowledge base: %s",
		    sqlite3_errmsg(db));
	return IA_OK;
}

/* Rules need words: a rule without them gives a candidate nobody can use. */
static enum ia_status
require_text(const char *table, const char *key, const char *what,
    const char *v, struct ia_error *err)
{
	if (v != NULL && v[strspn(v, " \t\n")] != '\0')
		return IA_OK;
	return ia_seterr(err, IA_EINPUT, "knowledge base: %s '%s' has no %s",
	    table, key, what);
}

static enum ia_status
load_purposes(struct kb *kb, sqlite3 *db, struct ia_error *err)
{
	sqlite3_stmt *st;
	enum ia_status rc;
	int seen = 0;

	rc = prepare(db, "SELECT name, removable_inference, "
	    "removable_training, description FROM purposes", &st, err);
	if (rc != IA_OK)
		return rc;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		int p = lookup(purpose_names, P_COUNT, name);

		if (p < 0) {
			rc = ia_seterr(err, IA_EINPUT, "knowledge base: purpose "
			    "'%s' is not one of imgaudit's (docs/knowledge-"
			    "base.md lists them)", name ? name : "");
			break;
		}
		kb->removable[PROFILE_INFERENCE][p] =
		    sqlite3_column_int(st, 1) != 0;
		kb->removable[PROFILE_TRAINING][p] =
		    sqlite3_column_int(st, 2) != 0;
		free(kb->purpose_desc[p]);
		kb->purpose_desc[p] = col(st, 3);
		seen++;
	}
	sqlite3_finalize(st);
	if (rc == IA_OK && seen != P_COUNT)
		rc = ia_seterr(err, IA_EINPUT, "knowledge base: %d of the %d "
		    "purposes are defined", seen, P_COUNT);
	return rc;
}

static enum ia_status
load_packages(struct kb *kb, sqlite3 *db, struct ia_error *err)
{
	sqlite3_stmt *st;
	enum ia_status rc;
	size_t cap = 0;

	rc = prepare(db, "SELECT ecosystem, pattern, purpose, confidence, "
	    "reason, fix, alternative, source FROM package_rules "
	    "ORDER BY ecosystem, pattern", &st, err);
	while (rc == IA_OK && sqlite3_step(st) == SQLITE_ROW) {
		struct kb_package_rule *r;

		xgrow((void **)&kb->pkg, &cap, kb->n_pkg + 1, sizeof(*r));
		r = &kb->pkg[kb->n_pkg++];
		memset(r, 0, sizeof(*r));
		r->ecosystem = col(st, 0);
		r->pattern = col(st, 1);
		r->purpose = (enum purpose)lookup(purpose_names, P_COUNT,
		    (const char *)sqlite3_column_text(st, 2));
		r->confidence = (enum confidence)lookup(confidence_names, 3,
		    (const char *)sqlite3_column_text(st, 3));
		r->reason = col(st, 4);
		r->fix = col(st, 5);
		r->alternative = col(st, 6);
		r->source = col(st, 7);
		if ((int)r->purpose < 0)
			r->purpose = P_UNKNOWN;
		rc = require_text("package rule", r->pattern, "reason",
		    r->reason, err);
		if (rc == IA_OK)
			rc = require_text("package rule", r->pattern, "fix",
			    r->fix, err);
		if (rc == IA_OK)
			rc = require_text("package rule", r->pattern, "source",
			    r->source, err);
	}
	sqlite3_finalize(st);
	return rc;
}

static enum ia_status
load_cuda(struct kb *kb, sqlite3 *db, struct ia_error *err)
{
	sqlite3_stmt *st;
	enum ia_status rc;
	size_t cap = 0;

	rc = prepare(db, "SELECT pattern, component, wheels, need, reason, "
	    "source FROM cuda_libs ORDER BY pattern", &st, err);
	while (rc == IA_OK && sqlite3_step(st) == SQLITE_ROW) {
		struct kb_cuda_rule *r;
		int need;

		xgrow((void **)&kb->cuda, &cap, kb->n_cuda + 1, sizeof(*r));
		r = &kb->cuda[kb->n_cuda++];
		memset(r, 0, sizeof(*r));
		r->pattern = col(st, 0);
		if (r->pattern != NULL) {
			r->g.glob = r->pattern;
			glob_prepare(&r->g);
		}
		r->component = col(st, 1);
		r->wheels = col(st, 2);
		need = lookup(need_names, 6,
		    (const char *)sqlite3_column_text(st, 3));
		r->need = need < 0 ? NEED_NEEDED : (enum cuda_need)need;
		r->reason = col(st, 4);
		r->source = col(st, 5);
		rc = require_text("CUDA rule", r->pattern, "reason",
		    r->reason, err);
		if (rc == IA_OK)
			rc = require_text("CUDA rule", r->pattern, "source",
			    r->source, err);
	}
	sqlite3_finalize(st);
	return rc;
}

static enum ia_status
load_dlopen(struct kb *kb, sqlite3 *db, struct ia_error *err)
{
	sqlite3_stmt *st;
	enum ia_status rc;
	size_t cap = 0;

	rc = prepare(db, "SELECT loader, loads, source FROM dlopen_rules "
	    "ORDER BY loader, loads", &st, err);
	while (rc == IA_OK && sqlite3_step(st) == SQLITE_ROW) {
		struct kb_dlopen_rule *r;

		xgrow((void **)&kb->dlopen, &cap, kb->n_dlopen + 1,
		    sizeof(*r));
		r = &kb->dlopen[kb->n_dlopen++];
		r->loader = col(st, 0);
		r->loads = col(st, 1);
		r->source = col(st, 2);
	}
	sqlite3_finalize(st);
	return rc;
}

static enum ia_status
load_globs(sqlite3 *db, const char *table, const char *rule,
    struct kb_glob **out, size_t *n, struct ia_error *err)
{
	sqlite3_stmt *st;
	enum ia_status rc;
	char sql[128];
	size_t cap = 0;

	snprintf(sql, sizeof(sql), "SELECT glob, keep FROM %s WHERE rule = ?1 "
	    "ORDER BY glob", table);
	rc = prepare(db, sql, &st, err);
	if (rc != IA_OK)
		return rc;
	sqlite3_bind_text(st, 1, rule, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct kb_glob *g;

		xgrow((void **)out, &cap, *n + 1, sizeof(*g));
		g = &(*out)[(*n)++];
		memset(g, 0, sizeof(*g));
		g->glob = col(st, 0);
		if (g->glob == NULL)
			g->glob = xstrdup("");
		g->keep = sqlite3_column_int(st, 1) != 0;
		glob_prepare(g);
	}
	sqlite3_finalize(st);
	return IA_OK;
}

static enum ia_status
load_paths(struct kb *kb, sqlite3 *db, struct ia_error *err)
{
	sqlite3_stmt *st;
	enum ia_status rc;
	size_t cap = 0;

	rc = prepare(db, "SELECT name, purpose, confidence, title, reason, "
	    "fix, source FROM path_rules ORDER BY name", &st, err);
	while (rc == IA_OK && sqlite3_step(st) == SQLITE_ROW) {
		struct kb_path_rule *r;

		xgrow((void **)&kb->path, &cap, kb->n_path + 1, sizeof(*r));
		r = &kb->path[kb->n_path++];
		memset(r, 0, sizeof(*r));
		r->name = col(st, 0);
		r->purpose = (enum purpose)lookup(purpose_names, P_COUNT,
		    (const char *)sqlite3_column_text(st, 1));
		if ((int)r->purpose < 0)
			r->purpose = P_UNKNOWN;
		r->confidence = (enum confidence)lookup(confidence_names, 3,
		    (const char *)sqlite3_column_text(st, 2));
		r->title = col(st, 3);
		r->reason = col(st, 4);
		r->fix = col(st, 5);
		r->source = col(st, 6);
		rc = require_text("path rule", r->name, "title", r->title, err);
		if (rc == IA_OK)
			rc = require_text("path rule", r->name, "reason",
			    r->reason, err);
		if (rc == IA_OK)
			rc = require_text("path rule", r->name, "fix", r->fix,
			    err);
		if (rc == IA_OK)
			rc = load_globs(db, "path_globs", r->name, &r->globs,
			    &r->n_globs, err);
		if (rc == IA_OK && r->n_globs == 0)
			rc = ia_seterr(err, IA_EINPUT, "knowledge base: path "
			    "rule '%s' has no glob in path_globs", r->name);
	}
	sqlite3_finalize(st);
	return rc;
}

static enum ia_status
load_bases(struct kb *kb, sqlite3 *db, struct ia_error *err)
{
	sqlite3_stmt *st;
	enum ia_status rc;
	size_t cap = 0;

	rc = prepare(db, "SELECT name, signature, unless, confidence, title, "
	    "reason, fix, source FROM base_rules ORDER BY name", &st, err);
	while (rc == IA_OK && sqlite3_step(st) == SQLITE_ROW) {
		struct kb_base_rule *r;

		xgrow((void **)&kb->base, &cap, kb->n_base + 1, sizeof(*r));
		r = &kb->base[kb->n_base++];
		memset(r, 0, sizeof(*r));
		r->name = col(st, 0);
		r->signature = col(st, 1);
		r->unless = col(st, 2);
		if (r->signature != NULL) {
			r->sig.glob = r->signature;
			glob_prepare(&r->sig);
		}
		if (r->unless != NULL) {
			r->unl.glob = r->unless;
			glob_prepare(&r->unl);
		}
		r->confidence = (enum confidence)lookup(confidence_names, 3,
		    (const char *)sqlite3_column_text(st, 3));
		r->title = col(st, 4);
		r->reason = col(st, 5);
		r->fix = col(st, 6);
		r->source = col(st, 7);
		rc = require_text("base rule", r->name, "fix", r->fix, err);
		if (rc == IA_OK)
			rc = load_globs(db, "base_globs", r->name, &r->globs,
			    &r->n_globs, err);
	}
	sqlite3_finalize(st);
	return rc;
}

/* One text into the knowledge base's digest, with its length first. */
static void
hash_text(struct digest *d, const char *text)
{
	char len[24];

	snprintf(len, sizeof(len), "%zu:", strlen(text));
	digest_update(d, len, strlen(len));
	digest_update(d, text, strlen(text));
}

enum ia_status
kb_identity(const char *const *extra, size_t n_extra,
    char out[DIGEST_STRLEN], struct ia_error *err)
{
	struct digest *d = digest_new();
	size_t i;

	for (i = 0; kb_files[i].name != NULL; i++)
		hash_text(d, kb_files[i].data);
	for (i = 0; i < n_extra; i++) {
		char *sql;
		enum ia_status rc = read_extra(extra[i], &sql, err);

		if (rc != IA_OK) {
			digest_free(d);
			return rc;
		}
		hash_text(d, sql);
		free(sql);
	}
	digest_final(d, out);
	digest_free(d);
	return IA_OK;
}

enum ia_status
kb_open(const char *const *extra, size_t n_extra, struct kb **out,
    struct ia_error *err)
{
	struct kb *kb;
	struct digest *d = NULL;
	sqlite3 *db = NULL;
	enum ia_status rc;
	size_t i;

	*out = NULL;
	kb = xcalloc(1, sizeof(*kb));
	if (sqlite3_open(":memory:", &db) != SQLITE_OK) {
		rc = ia_seterr(err, IA_EINTERNAL, "knowledge base: %s",
		    db ? sqlite3_errmsg(db) : "out of memory");
		goto fail;
	}
	kb->db = db;
	rc = exec_sql(db, "knowledge base", "PRAGMA foreign_keys = ON",
	    IA_EINTERNAL, err);
	d = digest_new();
	for (i = 0; rc == IA_OK && kb_files[i].name != NULL; i++) {
		hash_text(d, kb_files[i].data);
		rc = exec_sql(db, kb_files[i].name, kb_files[i].data,
		    IA_EINTERNAL, err);
	}
	if (rc == IA_OK && n_extra > 0) {
		sqlite3_limit(db, SQLITE_LIMIT_LENGTH, KB_EXTRA_LENGTH);
		sqlite3_set_authorizer(db, extra_authorizer, NULL);
	}
	for (i = 0; rc == IA_OK && i < n_extra; i++) {
		char *sql, name[512];
		unsigned long calls = 0;

		rc = read_extra(extra[i], &sql, err);
		if (rc != IA_OK)
			break;
		hash_text(d, sql);
		snprintf(name, sizeof(name), "--kb-extra %s", extra[i]);
		sqlite3_progress_handler(db, 1000, extra_progress, &calls);
		rc = exec_sql(db, name, sql, IA_EINPUT, err);
		sqlite3_progress_handler(db, 0, NULL, NULL);
		if (rc != IA_OK && calls > KB_EXTRA_STEPS)
			ia_seterr(err, IA_EINPUT, "%s: stopped after %d million "
			    "SQL steps (a runaway query?)", name,
			    KB_EXTRA_STEPS / 1000);
		free(sql);
	}
	sqlite3_set_authorizer(db, NULL, NULL);
	digest_final(d, kb->digest);
	digest_free(d);
	d = NULL;
	if (rc == IA_OK)
		rc = load_purposes(kb, db, err);
	if (rc == IA_OK)
		rc = load_packages(kb, db, err);
	if (rc == IA_OK)
		rc = load_cuda(kb, db, err);
	if (rc == IA_OK)
		rc = load_dlopen(kb, db, err);
	if (rc == IA_OK)
		rc = load_paths(kb, db, err);
	if (rc == IA_OK)
		rc = load_bases(kb, db, err);
	if (rc != IA_OK)
		goto fail;
	*out = kb;
	return IA_OK;
fail:
	digest_free(d);
	kb_free(kb);
	return rc;
}

static void
free_globs(struct kb_glob *g, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(g[i].glob);
		free(g[i].lit_buf);
	}
	free(g);
}

void
kb_free(struct kb *kb)
{
	size_t i;

	if (kb == NULL)
		return;
	for (i = 0; i < P_COUNT; i++)
		free(kb->purpose_desc[i]);
	for (i = 0; i < kb->n_pkg; i++) {
		struct kb_package_rule *r = &kb->pkg[i];

		free(r->ecosystem);
		free(r->pattern);
		free(r->reason);
		free(r->fix);
		free(r->alternative);
		free(r->source);
	}
	free(kb->pkg);
	for (i = 0; i < kb->n_cuda; i++) {
		free(kb->cuda[i].pattern);
		free(kb->cuda[i].g.lit_buf);
		free(kb->cuda[i].component);
		free(kb->cuda[i].wheels);
		free(kb->cuda[i].reason);
		free(kb->cuda[i].source);
	}
	free(kb->cuda);
	for (i = 0; i < kb->n_dlopen; i++) {
		free(kb->dlopen[i].loader);
		free(kb->dlopen[i].loads);
		free(kb->dlopen[i].source);
	}
	free(kb->dlopen);
	for (i = 0; i < kb->n_path; i++) {
		struct kb_path_rule *r = &kb->path[i];

		free(r->name);
		free(r->title);
		free(r->reason);
		free(r->fix);
		free(r->source);
		free_globs(r->globs, r->n_globs);
	}
	free(kb->path);
	for (i = 0; i < kb->n_base; i++) {
		struct kb_base_rule *r = &kb->base[i];

		free(r->name);
		free(r->signature);
		free(r->unless);
		free(r->sig.lit_buf);
		free(r->unl.lit_buf);
		free(r->title);
		free(r->reason);
		free(r->fix);
		free(r->source);
		free_globs(r->globs, r->n_globs);
	}
	free(kb->base);
	sqlite3_close(kb->db);
	free(kb);
}

/* ---- printing ----------------------------------------------------------- */

static const char *const kb_tables[] = {
	"purposes", "package_rules", "cuda_libs", "dlopen_rules",
	"path_rules", "path_globs", "base_rules", "base_globs"
};

/* SQL literal for a column: NULL, a number, or a quoted string. */
static int
put_value(sqlite3_stmt *st, int i, FILE *f)
{
	const unsigned char *s;

	switch (sqlite3_column_type(st, i)) {
	case SQLITE_NULL:
		return fputs("NULL", f);
	case SQLITE_INTEGER:
		return fprintf(f, "%lld",
		    (long long)sqlite3_column_int64(st, i));
	default:
		s = sqlite3_column_text(st, i);
		if (fputc('\'', f) == EOF)
			return EOF;
		for (; s != NULL && *s != '\0'; s++)
			if ((*s == '\'' && fputc('\'', f) == EOF) ||
			    fputc(*s, f) == EOF)
				return EOF;
		return fputc('\'', f);
	}
}

static long
dump(sqlite3 *db, FILE *f)
{
	long n = 0;
	size_t t;

	if (fputs("-- imgaudit knowledge base in force (imgaudit kb dump)\n",
	    f) == EOF)
		return -1;
	for (t = 0; t < sizeof(kb_tables) / sizeof(kb_tables[0]); t++) {
		sqlite3_stmt *st;
		char sql[96];

		snprintf(sql, sizeof(sql), "SELECT * FROM %s ORDER BY 1, 2",
		    kb_tables[t]);
		if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
			return -1;
		while (sqlite3_step(st) == SQLITE_ROW) {
			int c, nc = sqlite3_column_count(st);

			fprintf(f, "INSERT OR REPLACE INTO %s VALUES (",
			    kb_tables[t]);
			for (c = 0; c < nc; c++) {
				if (c > 0)
					fputs(", ", f);
				put_value(st, c, f);
			}
			fputs(");\n", f);
			n++;
		}
		sqlite3_finalize(st);
	}
	return ferror(f) ? -1 : n;
}

static bool
wanted(const char *name, const char *pattern, const char *other)
{
	if (name == NULL)
		return true;
	if (pattern != NULL && (kb_fnmatch(pattern, name) ||
	    strcasecmp(pattern, name) == 0))
		return true;
	return other != NULL && strcasecmp(other, name) == 0;
}

static void
show_globs(const struct kb_glob *g, size_t n, FILE *f)
{
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(f, "    %s %s\n", g[i].keep ? "keep" : "glob",
		    g[i].glob);
}

long
kb_print(const struct kb *kb, const char *what, const char *name, FILE *f)
{
	long n = 0;
	size_t i;
	bool full = strcmp(what, "show") == 0;

	if (strcmp(what, "dump") == 0)
		return dump(kb->db, f);
	if (!full)
		name = NULL;
	if (!full) {
		fputs("PURPOSES (removable under --profile inference, "
		    "training)\n", f);
		for (i = 0; i < P_COUNT; i++)
			fprintf(f, "  %-15s %-3s %-3s  %s\n", purpose_names[i],
			    kb->removable[0][i] ? "yes" : "no",
			    kb->removable[1][i] ? "yes" : "no",
			    kb->purpose_desc[i] ? kb->purpose_desc[i] : "");
		fprintf(f, "\nPACKAGE RULES (%zu)\n", kb->n_pkg);
	}
	for (i = 0; i < kb->n_pkg; i++) {
		const struct kb_package_rule *r = &kb->pkg[i];

		if (!wanted(name, r->pattern, NULL))
			continue;
		n++;
		fprintf(f, "  %-5s %-32s %-14s %-6s %s\n", r->ecosystem,
		    r->pattern, purpose_names[r->purpose],
		    confidence_names[r->confidence], full ? "" : r->reason);
		if (full)
			fprintf(f, "    reason: %s\n    fix: %s\n%s%s%s"
			    "    source: %s\n", r->reason, r->fix,
			    r->alternative ? "    alternative: " : "",
			    r->alternative ? r->alternative : "",
			    r->alternative ? "\n" : "", r->source);
	}
	if (!full)
		fprintf(f, "\nCUDA LIBRARIES (%zu)\n", kb->n_cuda);
	for (i = 0; i < kb->n_cuda; i++) {
		const struct kb_cuda_rule *r = &kb->cuda[i];

		if (!wanted(name, r->pattern, r->component))
			continue;
		n++;
		fprintf(f, "  %-36s %-16s %-15s %s\n", r->pattern,
		    r->component, need_names[r->need], full ? "" :
		    r->wheels ? r->wheels : "");
		if (full)
			fprintf(f, "    wheels: %s\n    reason: %s\n"
			    "    source: %s\n", r->wheels ? r->wheels : "-",
			    r->reason, r->source);
	}
	if (!full)
		fprintf(f, "\nDLOPEN RULES (%zu)\n", kb->n_dlopen);
	for (i = 0; i < kb->n_dlopen; i++) {
		const struct kb_dlopen_rule *r = &kb->dlopen[i];

		if (!wanted(name, r->loader, NULL) &&
		    !wanted(name, r->loads, NULL))
			continue;
		n++;
		fprintf(f, "  %-36s loads %s\n", r->loader, r->loads);
		if (full)
			fprintf(f, "    source: %s\n", r->source);
	}
	if (!full)
		fprintf(f, "\nPATH RULES (%zu)\n", kb->n_path);
	for (i = 0; i < kb->n_path; i++) {
		const struct kb_path_rule *r = &kb->path[i];

		if (!wanted(name, r->name, NULL))
			continue;
		n++;
		fprintf(f, "  %-20s %-14s %-6s %s\n", r->name,
		    purpose_names[r->purpose], confidence_names[r->confidence],
		    r->title);
		if (full) {
			fprintf(f, "    reason: %s\n    fix: %s\n"
			    "    source: %s\n", r->reason, r->fix, r->source);
			show_globs(r->globs, r->n_globs, f);
		}
	}
	if (!full)
		fprintf(f, "\nBASE IMAGES (%zu)\n", kb->n_base);
	for (i = 0; i < kb->n_base; i++) {
		const struct kb_base_rule *r = &kb->base[i];

		if (!wanted(name, r->name, NULL))
			continue;
		n++;
		fprintf(f, "  %-20s %-6s %s (when %s%s%s)\n", r->name,
		    confidence_names[r->confidence], r->title, r->signature,
		    r->unless ? ", unless " : "", r->unless ? r->unless : "");
		if (full) {
			fprintf(f, "    reason: %s\n    fix: %s\n"
			    "    source: %s\n", r->reason, r->fix, r->source);
			show_globs(r->globs, r->n_globs, f);
		}
	}
	return ferror(f) ? -1 : n;
}
