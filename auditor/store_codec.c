/* SPDX-License-Identifier: MIT */
/*
 * store_codec.c: a layer_result as a compact byte string for the layer
 * cache, and back.  store.c decides where the bytes live; this file only
 * knows the format.
 *
 * Format (version 2): the magic "IALR", a version byte, then every field
 * of struct layer_result in declaration order.  Version 1 rows, which
 * carried each entry's compressed bytes, decode as corrupt: store.c then
 * drops them and the layer is read again.  Unsigned integers are
 * LEB128 varints, signed ones zigzag varints; a string is varint(len + 1)
 * and its bytes, 0 standing for NULL; an array is a varint count and its
 * elements.  Capacities are not stored: a decoded array's capacity is its
 * count.
 *
 * The decoder trusts nothing: every read is bounds-checked, a count is
 * accepted only when that many elements could still fit in the bytes left
 * (each takes at least one byte), integers must fit their field, indexes
 * into entries[] must be in range, strings other than capture data must
 * not hold a NUL, and the blob must end exactly where the last field does.
 * Any failure frees what was built and returns NULL.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "layer.h"
#include "store.h"

#define CODEC_MAGIC	"IALR"
#define CODEC_VERSION	2

/* ---- writing ---- */

struct wbuf {
	unsigned char *p;
	size_t n, cap;
};

static void
put_bytes(struct wbuf *w, const void *src, size_t n)
{
	xgrow((void **)&w->p, &w->cap, w->n + n, 1);
	if (n > 0)
		memcpy(w->p + w->n, src, n);
	w->n += n;
}

static void
put_u(struct wbuf *w, uint64_t v)
{
	unsigned char b[10];
	size_t n = 0;

	do {
		b[n] = v & 0x7f;
		v >>= 7;
		if (v != 0)
			b[n] |= 0x80;
		n++;
	} while (v != 0);
	put_bytes(w, b, n);
}

/* Zigzag, so that small negative numbers stay short. */
static void
put_i(struct wbuf *w, int64_t v)
{
	put_u(w, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

static void
put_blob(struct wbuf *w, const char *s, size_t len)
{
	if (s == NULL) {
		put_u(w, 0);
		return;
	}
	put_u(w, (uint64_t)len + 1);
	put_bytes(w, s, len);
}

static void
put_str(struct wbuf *w, const char *s)
{
	put_blob(w, s, s == NULL ? 0 : strlen(s));
}

static void
put_fatbin(struct wbuf *w, const struct fatbin_summary *f)
{
	size_t i;

	put_u(w, f->n_arch);
	for (i = 0; i < f->n_arch; i++) {
		const struct fatbin_arch *a = &f->arch[i];

		put_u(w, a->sm);
		put_u(w, a->n_sass);
		put_u(w, a->n_ptx);
		put_u(w, a->n_ir);
		put_i(w, a->sass_bytes);
		put_i(w, a->sass_uncompressed);
		put_i(w, a->ptx_bytes);
		put_i(w, a->ptx_uncompressed);
		put_i(w, a->ir_bytes);
		put_i(w, a->ir_uncompressed);
	}
	put_i(w, f->total_bytes);
	put_u(w, f->n_containers);
	put_u(w, f->n_entries);
	put_u(w, f->n_compressed);
	put_u(w, f->n_bad);
	put_u(w, f->n_where);
	for (i = 0; i < f->n_where; i++) {
		put_str(w, f->where[i].section);
		put_i(w, f->where[i].bytes);
		put_u(w, f->where[i].n_containers);
	}
}

static void
put_elf(struct wbuf *w, const struct elf_facts *e)
{
	size_t i;

	put_u(w, e->elfclass);
	put_u(w, e->big_endian);
	put_u(w, e->type);
	put_u(w, e->machine);
	put_str(w, e->interp);
	put_str(w, e->soname);
	put_u(w, e->n_needed);
	for (i = 0; i < e->n_needed; i++)
		put_str(w, e->needed[i]);
	put_str(w, e->runpath);
	put_str(w, e->rpath);
	put_i(w, e->debug_bytes);
	put_i(w, e->unneeded_bytes);
	put_u(w, (e->has_debuglink ? 1u : 0u) | (e->has_symtab ? 2u : 0u) |
	    (e->sections_read ? 4u : 0u));
	put_fatbin(w, &e->fatbin);
	put_str(w, e->problem);
}

unsigned char *
store_layer_encode(const struct layer_result *r, size_t *len)
{
	struct wbuf w = { NULL, 0, 0 };
	size_t i;

	put_bytes(&w, CODEC_MAGIC, 4);
	put_u(&w, CODEC_VERSION);
	put_str(&w, r->digest);
	put_str(&w, r->diff_id);
	put_u(&w, (uint64_t)r->compression);
	put_i(&w, r->compressed_bytes);
	put_i(&w, r->tar_bytes);
	put_i(&w, r->bytes);
	put_i(&w, r->files);
	put_u(&w, r->n_entries);
	for (i = 0; i < r->n_entries; i++) {
		const struct layer_entry *e = &r->entries[i];

		put_str(&w, e->path);
		put_str(&w, e->link);
		put_i(&w, e->size);
		put_u(&w, e->mode);
		put_u(&w, e->kind);
		put_u(&w, e->flags);
	}
	put_u(&w, r->n_captures);
	for (i = 0; i < r->n_captures; i++) {
		put_u(&w, r->captures[i].entry);
		put_blob(&w, r->captures[i].data, r->captures[i].len);
	}
	put_u(&w, r->n_elves);
	for (i = 0; i < r->n_elves; i++) {
		put_u(&w, r->elves[i].entry);
		put_elf(&w, &r->elves[i].facts);
	}
	put_u(&w, r->n_types);
	for (i = 0; i < r->n_types; i++) {
		put_u(&w, r->types[i].entry);
		put_str(&w, r->types[i].type);
	}
	put_u(&w, r->findings.n);
	for (i = 0; i < r->findings.n; i++) {
		put_str(&w, r->findings.v[i].kind);
		put_str(&w, r->findings.v[i].title);
		put_str(&w, r->findings.v[i].detail);
	}
	put_u(&w, r->findings.dropped);
	*len = w.n;
	return w.p;
}

/* ---- reading ---- */

struct rbuf {
	const unsigned char *p;
	size_t n;		/* bytes left */
	bool bad;		/* sticky: once set, every read fails */
};

static uint64_t
get_u(struct rbuf *r, uint64_t max)
{
	uint64_t v = 0;
	unsigned shift = 0;

	if (r->bad)
		return 0;
	for (;;) {
		unsigned char b;

		if (r->n == 0 || shift > 63)
			goto bad;
		b = *r->p++;
		r->n--;
		/* The tenth byte may only carry the top bit. */
		if (shift == 63 && (b & 0x7e) != 0)
			goto bad;
		v |= (uint64_t)(b & 0x7f) << shift;
		if ((b & 0x80) == 0)
			break;
		shift += 7;
	}
	if (v > max)
		goto bad;
	return v;
bad:
	r->bad = true;
	return 0;
}

static int64_t
get_i(struct rbuf *r)
{
	uint64_t u = get_u(r, UINT64_MAX);

	return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

/*
 * A count of elements that each take at least one byte: more than the
 * bytes left is a lie, so nothing is allocated for it.
 */
static size_t
get_count(struct rbuf *r)
{
	return (size_t)get_u(r, r->n);
}

/*
 * A string or byte blob: NULL for the NULL marker (and on failure, with
 * r->bad set); *len its length.  Unless binary, an inner NUL is corrupt.
 */
static char *
get_blob(struct rbuf *r, size_t *len, bool binary)
{
	uint64_t n = get_u(r, UINT64_MAX);
	char *s;

	*len = 0;
	if (r->bad || n == 0)
		return NULL;
	n--;
	if (n > r->n || (!binary && memchr(r->p, '\0', n) != NULL)) {
		r->bad = true;
		return NULL;
	}
	s = xmalloc(n + 1);
	memcpy(s, r->p, n);
	s[n] = '\0';
	r->p += n;
	r->n -= n;
	*len = n;
	return s;
}

static char *
get_str(struct rbuf *r)
{
	size_t len;

	return get_blob(r, &len, false);
}

/*
 * An entry's path or link, copied into x's string arena; NULL for the NULL
 * marker, and with nonnull set that marks the blob bad.
 */
static char *
get_entry_str(struct rbuf *r, struct layer_result *x, bool nonnull)
{
	uint64_t n = get_u(r, UINT64_MAX);
	char *s;

	if (r->bad || n == 0) {
		if (nonnull)
			r->bad = true;
		return NULL;
	}
	n--;
	if (n > r->n || memchr(r->p, '\0', n) != NULL) {
		r->bad = true;
		return NULL;
	}
	s = layer_strndup(x, (const char *)r->p, n);
	r->p += n;
	r->n -= n;
	return s;
}

/* A string that must be there: NULL marks the blob bad. */
static char *
get_str_nn(struct rbuf *r)
{
	char *s = get_str(r);

	if (s == NULL)
		r->bad = true;
	return s;
}

static void
get_fatbin(struct rbuf *r, struct fatbin_summary *f)
{
	size_t i;

	f->n_arch = get_count(r);
	if (f->n_arch > 0)
		f->arch = xcalloc(f->n_arch, sizeof(*f->arch));
	for (i = 0; i < f->n_arch && !r->bad; i++) {
		struct fatbin_arch *a = &f->arch[i];

		a->sm = (uint16_t)get_u(r, UINT16_MAX);
		a->n_sass = (uint32_t)get_u(r, UINT32_MAX);
		a->n_ptx = (uint32_t)get_u(r, UINT32_MAX);
		a->n_ir = (uint32_t)get_u(r, UINT32_MAX);
		a->sass_bytes = get_i(r);
		a->sass_uncompressed = get_i(r);
		a->ptx_bytes = get_i(r);
		a->ptx_uncompressed = get_i(r);
		a->ir_bytes = get_i(r);
		a->ir_uncompressed = get_i(r);
	}
	f->total_bytes = get_i(r);
	f->n_containers = (uint32_t)get_u(r, UINT32_MAX);
	f->n_entries = (uint32_t)get_u(r, UINT32_MAX);
	f->n_compressed = (uint32_t)get_u(r, UINT32_MAX);
	f->n_bad = (uint32_t)get_u(r, UINT32_MAX);
	if (r->bad)
		return;
	f->n_where = get_count(r);
	if (f->n_where > 0)
		f->where = xcalloc(f->n_where, sizeof(*f->where));
	for (i = 0; i < f->n_where && !r->bad; i++) {
		f->where[i].section = get_str_nn(r);
		f->where[i].bytes = get_i(r);
		f->where[i].n_containers = (uint32_t)get_u(r, UINT32_MAX);
	}
}

static void
get_elf(struct rbuf *r, struct elf_facts *e)
{
	uint64_t bits;
	size_t i;

	e->elfclass = (uint8_t)get_u(r, UINT8_MAX);
	e->big_endian = (uint8_t)get_u(r, UINT8_MAX);
	e->type = (uint16_t)get_u(r, UINT16_MAX);
	e->machine = (uint16_t)get_u(r, UINT16_MAX);
	e->interp = get_str(r);
	e->soname = get_str(r);
	if (r->bad)
		return;
	e->n_needed = get_count(r);
	if (e->n_needed > 0)
		e->needed = xcalloc(e->n_needed, sizeof(*e->needed));
	for (i = 0; i < e->n_needed && !r->bad; i++)
		e->needed[i] = get_str_nn(r);
	e->runpath = get_str(r);
	e->rpath = get_str(r);
	e->debug_bytes = get_i(r);
	e->unneeded_bytes = get_i(r);
	bits = get_u(r, 7);
	e->has_debuglink = (bits & 1) != 0;
	e->has_symtab = (bits & 2) != 0;
	e->sections_read = (bits & 4) != 0;
	if (r->bad)
		return;
	get_fatbin(r, &e->fatbin);
	e->problem = get_str(r);
}

/* An index into entries[]: out of range is corrupt. */
static size_t
get_index(struct rbuf *r, size_t n_entries)
{
	uint64_t i = get_u(r, UINT64_MAX);

	if (i >= n_entries) {
		r->bad = true;
		return 0;
	}
	return (size_t)i;
}

struct layer_result *
store_layer_decode(const unsigned char *p, size_t len)
{
	struct rbuf r = { p, len, false };
	struct layer_result *x;
	size_t i, n;

	if (p == NULL || len < 5 || memcmp(p, CODEC_MAGIC, 4) != 0)
		return NULL;
	r.p += 4;
	r.n -= 4;
	if (get_u(&r, UINT64_MAX) != CODEC_VERSION)
		return NULL;
	x = xcalloc(1, sizeof(*x));
	x->digest = get_str(&r);
	x->diff_id = get_str(&r);
	x->compression = (enum layer_compression)get_u(&r, COMP_ZSTD);
	x->compressed_bytes = get_i(&r);
	x->tar_bytes = get_i(&r);
	x->bytes = get_i(&r);
	x->files = get_i(&r);
	if (r.bad)
		goto bad;

	n = get_count(&r);
	if (n > 0)
		x->entries = xcalloc(n, sizeof(*x->entries));
	x->n_entries = x->n_alloc = n;
	for (i = 0; i < n && !r.bad; i++) {
		struct layer_entry *e = &x->entries[i];

		e->path = get_entry_str(&r, x, true);
		e->link = get_entry_str(&r, x, false);
		e->size = get_i(&r);
		e->mode = (uint32_t)get_u(&r, UINT32_MAX);
		e->kind = (uint8_t)get_u(&r, ENTRY_OPAQUE);
		e->flags = (uint8_t)get_u(&r, UINT8_MAX);
	}
	if (r.bad)
		goto bad;

	n = get_count(&r);
	if (n > 0)
		x->captures = xcalloc(n, sizeof(*x->captures));
	x->n_captures = x->captures_cap = n;
	for (i = 0; i < n && !r.bad; i++) {
		struct layer_capture *c = &x->captures[i];

		c->entry = get_index(&r, x->n_entries);
		c->data = get_blob(&r, &c->len, true);
		if (c->data == NULL)
			r.bad = true;
	}
	if (r.bad)
		goto bad;

	n = get_count(&r);
	if (n > 0)
		x->elves = xcalloc(n, sizeof(*x->elves));
	x->n_elves = x->elves_cap = n;
	for (i = 0; i < n && !r.bad; i++) {
		x->elves[i].entry = get_index(&r, x->n_entries);
		get_elf(&r, &x->elves[i].facts);
	}
	if (r.bad)
		goto bad;

	n = get_count(&r);
	if (n > 0)
		x->types = xcalloc(n, sizeof(*x->types));
	x->n_types = x->types_cap = n;
	for (i = 0; i < n && !r.bad; i++) {
		x->types[i].entry = get_index(&r, x->n_entries);
		x->types[i].type = get_str_nn(&r);
	}
	if (r.bad)
		goto bad;

	n = get_count(&r);
	if (n > 0)
		x->findings.v = xcalloc(n, sizeof(*x->findings.v));
	x->findings.n = x->findings.cap = n;
	for (i = 0; i < n && !r.bad; i++) {
		x->findings.v[i].kind = get_str_nn(&r);
		x->findings.v[i].title = get_str_nn(&r);
		x->findings.v[i].detail = get_str_nn(&r);
	}
	x->findings.dropped = (size_t)get_u(&r, SIZE_MAX);
	/* Trailing bytes mean a writer we do not understand. */
	if (r.bad || r.n != 0)
		goto bad;
	return x;
bad:
	layer_result_free(x);
	return NULL;
}
