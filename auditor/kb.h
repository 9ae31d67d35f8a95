/* SPDX-License-Identifier: MIT */
/*
 * kb.h: the knowledge base — what packages, CUDA libraries and paths are
 * for, and what to do about them.  The rules are data (db/schema.sql,
 * db/kb/\*.sql, embedded at build time), loaded into an in-memory SQLite
 * database together with the user's --kb-extra files, then copied into
 * arrays for matching: an audit asks about every file, and a query per
 * file would cost more than the whole layer read.
 *
 * Call sequence:
 *	struct kb *kb;
 *	st = kb_open(extra, n_extra, &kb, &err);
 *	r = kb_match_package(kb, "pip", "tensorboard");
 *	p = kb_match_path(kb, "/root/.cache/pip/x");
 *	...
 *	kb_free(kb);
 *
 * Ownership: every string and rule belongs to the kb until kb_free().
 *
 * Matching (docs/knowledge-base.md): patterns are fnmatch(3) globs without
 * FNM_PATHNAME ('*' matches '/').  When several rules match, the most
 * specific wins: a pattern without wildcards over a glob, then the longer
 * pattern, then the first in key order.
 */
#ifndef IMGAUDIT_KB_H
#define IMGAUDIT_KB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common.h"
#include "digest.h"

/* The purposes of DESIGN.md, in db/kb/00-purposes.sql. */
enum purpose {
	P_RUNTIME = 0,
	P_TRAINING_ONLY,
	P_DEV_ONLY,
	P_PROFILING,
	P_BUILD_CACHE,
	P_DOCS,
	P_TESTS,
	P_DEBUG,
	P_MULTI_GPU_ONLY,
	P_OTHER_GPU_ARCH,
	P_WASTED,
	P_UNKNOWN,
	P_COUNT
};

enum confidence { CONF_LOW = 0, CONF_MEDIUM, CONF_HIGH };

enum profile { PROFILE_INFERENCE = 0, PROFILE_TRAINING };

/* How much an inference image needs a CUDA library (cuda_libs.need). */
enum cuda_need {
	NEED_NEEDED = 0,
	NEED_IF_USED,
	NEED_PROFILING,
	NEED_DEV_ONLY,
	NEED_MULTI_GPU_ONLY,
	NEED_BUILD_ONLY
};

struct kb_package_rule {
	char *ecosystem, *pattern;
	enum purpose purpose;
	enum confidence confidence;
	char *reason, *fix, *alternative, *source;
};

/* Which byte pairs occur in a string: 256 bits (kb_grams()). */
struct kb_grams {
	uint64_t w[4];
};

struct kb_glob {
	char *glob;
	bool keep;		/* matching paths are exempt */
	/* Prefilter: a literal piece every match contains. */
	const char *lit;	/* points into glob's copy below */
	size_t lit_len;
	bool anchored;		/* lit is a prefix (glob starts with it) */
	struct kb_grams grams;	/* of every literal run of the glob */
	uint8_t shape;		/* enum glob_shape: no fnmatch() needed */
	char *lit_buf;
};

/* Globs that are a literal with a `*` before or after it, or both. */
enum glob_shape { GLOB_ANY, GLOB_EXACT, GLOB_PREFIX, GLOB_SUFFIX, GLOB_INSIDE };

struct kb_cuda_rule {
	char *pattern, *component, *wheels;
	struct kb_glob g;	/* pattern, prepared */
	enum cuda_need need;
	char *reason, *source;
};

struct kb_path_rule {
	char *name;
	enum purpose purpose;
	enum confidence confidence;
	char *title, *reason, *fix, *source;
	struct kb_glob *globs;
	size_t n_globs;
};

struct kb_base_rule {
	char *name, *signature, *unless;
	enum confidence confidence;
	char *title, *reason, *fix, *source;
	struct kb_glob *globs;
	size_t n_globs;
	struct kb_glob sig, unl;	/* signature, unless, prepared */
};

struct kb_dlopen_rule {
	char *loader, *loads, *source;
};

struct kb {
	char *purpose_name[P_COUNT];
	char *purpose_desc[P_COUNT];
	bool removable[2][P_COUNT];	/* [enum profile][enum purpose] */
	struct kb_package_rule *pkg;
	size_t n_pkg;
	struct kb_cuda_rule *cuda;
	size_t n_cuda;
	struct kb_path_rule *path;
	size_t n_path;
	struct kb_base_rule *base;
	size_t n_base;
	struct kb_dlopen_rule *dlopen;
	size_t n_dlopen;
	void *db;			/* the sqlite3 connection, for dump */
	/* sha256 of every SQL text loaded, embedded and extra, in order. */
	char digest[DIGEST_STRLEN];
};

/*
 * Load the embedded knowledge base, then each extra SQL file in order.
 * Returns IA_OK and *out; IA_EINPUT when an extra file cannot be read or
 * its SQL fails (the message names the file and carries SQLite's text),
 * or a row breaks the schema (an unknown purpose, an empty reason);
 * IA_EINTERNAL when the embedded data itself fails.
 */
enum ia_status kb_open(const char *const *extra, size_t n_extra,
    struct kb **out, struct ia_error *err);

/*
 * What kb_open() would put in kb->digest, without loading anything: the
 * embedded SQL and each extra file read and hashed.  Returns IA_OK, or
 * IA_EINPUT when an extra file cannot be read (as kb_open() says it).
 */
enum ia_status kb_identity(const char *const *extra, size_t n_extra,
    char out[DIGEST_STRLEN], struct ia_error *err);
void kb_free(struct kb *kb);

/* Names as the JSON and text reports print them. */
const char *kb_purpose_name(enum purpose p);
const char *kb_confidence_name(enum confidence c);
const char *kb_need_name(enum cuda_need n);

/*
 * The rule for package name of ecosystem eco ("pip", "dpkg", ...), or
 * NULL.  name is matched as given: pass the ecosystem's normalised key.
 */
const struct kb_package_rule *kb_match_package(const struct kb *kb,
    const char *eco, const char *name);

/* The CUDA rule for a file name ("libcublasLt.so.12"), or NULL. */
const struct kb_cuda_rule *kb_match_cuda(const struct kb *kb,
    const char *basename);

/*
 * The path rule for path ("/root/.cache/pip/x"), or NULL: the rule whose
 * matching glob is the most specific, unless a keep glob of that rule
 * matches too.
 */
const struct kb_path_rule *kb_match_path(const struct kb *kb,
    const char *path);

/*
 * Every path rule that matches path (its own keep globs aside), at most
 * max of them into out[]; returns how many.  *best is the one
 * kb_match_path() gives, found in the same pass.
 */
size_t kb_match_paths(const struct kb *kb, const char *path,
    const struct kb_path_rule **out, size_t max,
    const struct kb_path_rule **best);

/* Does path match one of the globs (and none of the keep globs)? */
bool kb_globs_match(const struct kb_glob *g, size_t n, const char *path);

/* Does a single glob match path?  (Same semantics as the rules.) */
bool kb_glob_match(const char *glob, const char *path);

/*
 * The same for a prepared glob (kb_base_rule's sig and unl), given the
 * path's length and kb_grams(path, len): for a caller that tries many
 * globs on one path.
 */
bool kb_glob_test(const struct kb_glob *g, const char *path, size_t len,
    const struct kb_grams *grams);

/*
 * Which byte pairs occur in s[0..n), hashed to 256 bits: a path holding
 * a glob's literal runs holds all of their pairs, so most globs are
 * rejected by four ANDs before memmem() or fnmatch() runs.  (64 bits
 * were too few: a 60-byte path set most of them.)
 */
void kb_grams(struct kb_grams *m, const char *s, size_t n);

/* fnmatch(glob, s, 0) == 0, byte by byte whatever the locale. */
bool kb_fnmatch(const char *glob, const char *s);

/*
 * `imgaudit kb`: write what is in force to f.  what is "list" (one line
 * per rule), "dump" (SQL that recreates the tables), or "show" with name
 * (every rule whose pattern, name or component matches name).  Returns
 * the number of rules written, or -1 when writing failed.
 */
long kb_print(const struct kb *kb, const char *what, const char *name,
    FILE *f);

#endif
