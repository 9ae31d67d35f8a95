/* SPDX-License-Identifier: MIT */
/*
 * common.h: what every imgaudit module shares — status codes, the error
 * slot a failing call fills in, and the list of findings that readers and
 * the merge append to.
 *
 * Rule: a core function returns an enum ia_status and, on failure, leaves a
 * one-line message in the struct ia_error it was handed.  Only main.c/cli.c
 * print or exit.  Findings are not errors: they are facts about a readable
 * image ("this entry's name escapes the root") that the report shows.
 */
#ifndef IMGAUDIT_COMMON_H
#define IMGAUDIT_COMMON_H

#include <stddef.h>
#include <stdint.h>

/* Graded like libarchive's OK/WARN/FAILED/FATAL; values are exit statuses. */
enum ia_status {
	IA_OK = 0,
	IA_POLICY = 1,		/* the image breaks the policy */
	IA_EINPUT = 2,		/* bad usage or unreadable input */
	IA_EINTERNAL = 3	/* out of memory, a library failed, a bug */
};

struct ia_error {
	enum ia_status code;
	char msg[1024];
};

/*
 * Fill in err (when not NULL) and return code.  The message should name the
 * input and the problem, e.g. "blob sha256:ab..: digest mismatch".
 */
enum ia_status ia_seterr(struct ia_error *err, enum ia_status code,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* One-sentence description of a status (curl's strerror table). */
const char *ia_strstatus(enum ia_status code);

/* Allocation that never returns NULL: out of memory aborts (exit 3). */
_Noreturn void ia_oom(size_t n);
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* At most n bytes of s (fewer if s is shorter), NUL-terminated. */
char *xstrndup(const char *s, size_t n);
/* Grow *v (element size sz) so that it holds at least need elements. */
void xgrow(void **v, size_t *cap, size_t need, size_t sz);

/*
 * Hash of a path component under a parent (the parent's address seeds it),
 * for the trees keyed by (parent, name) in tree.c and dive.c.
 */
uint32_t ia_name_hash(const void *parent, const char *name, size_t len);

/*
 * Findings: facts about the image that the report lists.  Each list keeps
 * at most FINDINGS_MAX entries; the rest are only counted in `dropped`, so a
 * hostile layer with a million bad names cannot make the report huge.
 */
#define FINDINGS_MAX 200

struct finding {
	char *kind;	/* stable machine key, e.g. "path-traversal" */
	char *title;	/* one line for people */
	char *detail;	/* path, layer, numbers: what to look at */
};

struct findings {
	struct finding *v;
	size_t n, cap;
	size_t dropped;
};

void findings_add(struct findings *f, const char *kind, const char *title,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Move every finding of src to the end of dst; src is left empty. */
void findings_move(struct findings *dst, struct findings *src);
void findings_free(struct findings *f);

#endif
