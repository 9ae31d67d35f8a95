/* SPDX-License-Identifier: MIT */
/*
 * common.c: status strings, the error slot, allocation that cannot fail
 * quietly, and the findings list.  Nothing here knows about images.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

static const char *const status_text[] = {
	[IA_OK] = "success",
	[IA_POLICY] = "the image breaks the policy",
	[IA_EINPUT] = "bad usage or unreadable input",
	[IA_EINTERNAL] = "internal error",
};

const char *
ia_strstatus(enum ia_status code)
{
	if ((unsigned)code < sizeof(status_text) / sizeof(status_text[0]))
		return status_text[code];
	return "unknown status";
}

enum ia_status
ia_seterr(struct ia_error *err, enum ia_status code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

/* Out of memory is not recoverable here; say so and leave with status 3. */
_Noreturn void
ia_oom(size_t n)
{
	fprintf(stderr, "imgaudit: out of memory (asked for %zu bytes)\n", n);
	exit(IA_EINTERNAL);
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		ia_oom(n);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		ia_oom(n * size);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		ia_oom(n);
	return q;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p;

	n = strnlen(s, n);
	p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void
xgrow(void **v, size_t *cap, size_t need, size_t sz)
{
	size_t ncap;

	if (need <= *cap)
		return;
	ncap = *cap ? *cap : 16;
	while (ncap < need)
		ncap *= 2;
	*v = xrealloc(*v, ncap * sz);
	*cap = ncap;
}

/*
 * FNV-1a over the name, seeded with the parent's address, then murmur3's
 * finaliser: FNV's low bits alone spread "lib1", "lib2".. poorly.
 */
uint32_t
ia_name_hash(const void *parent, const char *name, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ (uint64_t)(uintptr_t)parent;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)name[i];
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return (uint32_t)h;
}

void
findings_add(struct findings *f, const char *kind, const char *title,
    const char *fmt, ...)
{
	struct finding *x;
	char detail[1024];
	va_list ap;

	if (f->n >= FINDINGS_MAX) {
		f->dropped++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	xgrow((void **)&f->v, &f->cap, f->n + 1, sizeof(*f->v));
	x = &f->v[f->n++];
	x->kind = xstrdup(kind);
	x->title = xstrdup(title);
	x->detail = xstrdup(detail);
}

void
findings_move(struct findings *dst, struct findings *src)
{
	size_t i;

	for (i = 0; i < src->n; i++) {
		if (dst->n >= FINDINGS_MAX) {
			dst->dropped++;
			free(src->v[i].kind);
			free(src->v[i].title);
			free(src->v[i].detail);
			continue;
		}
		xgrow((void **)&dst->v, &dst->cap, dst->n + 1, sizeof(*dst->v));
		dst->v[dst->n++] = src->v[i];
	}
	dst->dropped += src->dropped;
	free(src->v);
	src->v = NULL;
	src->n = src->cap = src->dropped = 0;
}

void
findings_free(struct findings *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->n; i++) {
		free(f->v[i].kind);
		free(f->v[i].title);
		free(f->v[i].detail);
	}
	free(f->v);
	f->v = NULL;
	f->n = f->cap = f->dropped = 0;
}
