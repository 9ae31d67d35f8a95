/* SPDX-License-Identifier: MIT */
/*
 * pkgdb_private.h: what the package-database readers share — byte spans,
 * the RFC-822 stanza reader, line splitting, path resolution, building a
 * struct pkg, per-file findings — and each reader's entry points.
 *
 * Rule: readers work on the bytes handed in (never NUL-terminated, may
 * hold NULs anywhere), keep no pointer into them past the call, and report
 * what they cannot read through dbfile_bad(), never by failing.
 */
#ifndef IMGAUDIT_PKGDB_PRIVATE_H
#define IMGAUDIT_PKGDB_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#include "pkgdb.h"

#define PKGDB_FINDING_KIND	"package-db-malformed"
#define PKGDB_FINDING_TITLE	"package database entry could not be read"

/* Findings one database file may add before the rest are only counted. */
#define DBFILE_MAX_FINDINGS	10
/* Ceilings on what one record may grow to (hostile input). */
#define PKG_MAX_DEPS		4096
#define PKG_MAX_ALTS		64
#define PKG_MAX_PROVIDES	4096
#define PKG_MAX_NAME		255
#define STANZA_MAX_FIELDS	1024

/* A slice of the input; not NUL-terminated. */
struct span {
	const char *p;
	size_t n;
};

/* One database file being read: where its findings go. */
struct dbfile {
	struct pkgdb *db;
	const char *path;	/* image-root relative */
	int layer;
	size_t nbad;		/* problems seen, reported or not */
};

/*
 * Report one problem with f ("stanza 3 has no Package field"); the detail
 * names the file.  Past DBFILE_MAX_FINDINGS problems are only counted, and
 * dbfile_done() adds one finding that says how many more there were.
 */
void dbfile_bad(struct dbfile *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void dbfile_done(struct dbfile *f);

/* ---- spans ---- */
struct span span_make(const char *p, size_t n);
struct span span_trim(struct span s);
bool span_eq(struct span s, const char *lit);
bool span_eq_ci(struct span s, const char *lit);
bool span_has_prefix(struct span s, const char *lit);
/* A new string of s; NULs inside end it early (xstrndup). */
char *span_dup(struct span s);
/* A new string of s trimmed, every run of white space made one space. */
char *span_dup_squashed(struct span s);
/* Printable ASCII, no spaces, 1..PKG_MAX_NAME bytes: usable as a name. */
bool span_is_name(struct span s);
/* Like span_is_name() but spaces allowed (versions, builds). */
bool span_is_text(struct span s);
/* A non-negative decimal integer (surrounding white space allowed). */
bool span_to_i64(struct span s, int64_t *out);

/*
 * Next line of [*p, end) into *line, without its "\n" or "\r\n"; *p moves
 * past it.  False at the end.
 */
bool next_line(const char **p, const char *end, struct span *line);

/* ---- RFC-822 stanzas (dpkg status, extended_states, METADATA) ---- */
struct stanza_field {
	struct span name;
	struct span value;	/* continuation lines included, raw */
};

struct stanza {
	struct stanza_field *f;
	size_t n, cap;
	size_t index;		/* number in its file, from 1 */
	size_t line;		/* line it starts on */
};

struct stanza_reader {
	const char *p, *end;
	size_t line;		/* lines consumed so far */
	size_t index;		/* stanzas returned so far */
};

void stanza_reader_init(struct stanza_reader *r, const void *data,
    size_t len);
/*
 * Next stanza (blank-line separated) into s, reusing its storage.  Lines
 * that are neither "Name: value" nor a continuation are reported on f and
 * skipped.  False when no stanza is left.
 */
bool stanza_next(struct stanza_reader *r, struct stanza *s, struct dbfile *f);
/* The first field called name (case-insensitive), value trimmed. */
bool stanza_get(const struct stanza *s, const char *name, struct span *out);
void stanza_free(struct stanza *s);

/* ---- paths ---- */
#define PATH_ABOVE_ROOT	0x1	/* ".." left the root (clamped) */
#define PATH_HAS_NUL	0x2	/* a NUL byte inside: not stored */

/*
 * Resolve rel against the directory base (root relative, may be "") into
 * a new normalised root-relative path: "." and empty components dropped,
 * ".." applied.  A rel starting with '/' is taken from the root.  *flags
 * gets PATH_* bits.  Returns NULL for the root itself or a NUL-holding
 * path; the caller frees the result.
 */
char *path_resolve(const char *base, struct span rel, unsigned *flags);
/* Length of the directory part of path ("a/b/c" -> 3, "c" -> 0). */
size_t path_dirlen(const char *path, size_t len);

/* ---- building packages ---- */

/* Initialise p as an empty package of eco described by f. */
void pkg_init(struct pkg *p, enum pkg_ecosystem eco, const struct dbfile *f);
/* Free everything p owns (not p itself). */
void pkg_clear(struct pkg *p);
/* Move *p (taken over, left zeroed) to the end of db->v. */
void pkgdb_push(struct pkgdb *db, struct pkg *p);
/* Append path (taken over) to p's files. */
void pkg_add_file(struct pkg *p, char *path);
/* Resolve rel against base and add it; false (not added) when it climbs
 * above the root or is empty. */
bool pkg_add_path(struct pkg *p, const char *base, struct span rel,
    unsigned *flags);
/* Append a provided name (copied); false past PKG_MAX_PROVIDES. */
bool pkg_add_provide(struct pkg *p, struct span name);
/*
 * Append a dependency with no alternatives yet; NULL past PKG_MAX_DEPS
 * for p (the caller says so) or past PKGDB_DEPS_MAX for f's whole pkgdb
 * (counted here, in one finding at pkgdb_finish()).
 */
struct pkg_dep *pkg_add_dep(struct dbfile *f, struct pkg *p,
    enum dep_kind kind, struct span text);
/* Append an alternative (taken over); false past PKG_MAX_ALTS. */
bool dep_add_alt(struct pkg_dep *d, char *name);
/* Drop the last dependency again (it got no alternatives). */
void pkg_drop_last_dep(struct pkg *p);

/* ---- the readers ---- */
struct dpkg_state;
struct pip_state;

struct pkgdb_priv {
	struct dpkg_state *dpkg;
	struct pip_state *pip;
	size_t dropped;		/* packages past PKGDB_PACKAGES_MAX */
	size_t n_deps;		/* relationships kept, all packages */
	char *deps_cut;		/* the first package cut short by
				   PKGDB_DEPS_MAX, or NULL */
};

enum dpkg_kind {
	DPKG_STATUS,		/* var/lib/dpkg/status */
	DPKG_STATUSD,		/* var/lib/dpkg/status.d/NAME */
	DPKG_STATUSD_MD5,	/* var/lib/dpkg/status.d/NAME.md5sums */
	DPKG_LIST,		/* var/lib/dpkg/info/NAME[:ARCH].list */
	DPKG_EXTENDED		/* var/lib/apt/extended_states */
};

void dpkg_read(struct dbfile *f, enum dpkg_kind kind, const char *data,
    size_t len);
/* Join lists, md5sums and extended_states; move installed packages to
 * db->v. */
void dpkg_finish(struct pkgdb *db);
void dpkg_state_free(struct dpkg_state *st);
/*
 * Split a dpkg relationship field ("a (>= 1) | b:any, c [amd64]") into
 * deps of kind on p.  Also used for Provides (provides = true: every
 * alternative becomes a provided name).
 */
void dpkg_parse_relations(struct dbfile *f, struct pkg *p, struct span v,
    enum dep_kind kind, bool provides);

enum pip_kind {
	PIP_METADATA,		/* X.dist-info/METADATA */
	PIP_RECORD,		/* X.dist-info/RECORD */
	PIP_PKGINFO,		/* X.egg-info/PKG-INFO */
	PIP_EGG_FILES,		/* X.egg-info/installed-files.txt */
	PIP_EGG_FILE		/* a file X.egg-info (PKG-INFO content) */
};

void pip_read(struct dbfile *f, enum pip_kind kind, const char *data,
    size_t len);
/* Join METADATA with RECORD per dist-info dir; move to db->v. */
void pip_finish(struct pkgdb *db);
void pip_state_free(struct pip_state *st);

enum marker_value {
	MARKER_FALSE = 0,
	MARKER_TRUE,
	MARKER_UNKNOWN
};

/*
 * Evaluate a PEP 508 environment marker on Linux x86_64 CPython with
 * python_version pyver ("3.11", or NULL: unknown) and extra active (NULL:
 * none).  Up to max_extras extra names the marker compares against are
 * stored (normalised, to be freed) in extras, their count in *n_extras.
 * A marker that cannot be parsed is MARKER_UNKNOWN and sets *bad.
 */
enum marker_value pip_marker_eval(struct span m, const char *pyver,
    const char *extra, char **extras, size_t max_extras, size_t *n_extras,
    bool *bad);
/* "3.11" from ".../python3.11/site-packages/...", or NULL. */
char *pip_python_version(const char *path);

void conda_read(struct dbfile *f, const char *data, size_t len);
void apk_read(struct dbfile *f, const char *data, size_t len);
void npm_read(struct dbfile *f, const char *data, size_t len);

#endif
