/* SPDX-License-Identifier: MIT */
/*
 * elf.c: a one-pass ELF reader for files that stream past inside a layer:
 * the streaming engine and the public calls (elf_tables.c reads the
 * headers and tables the engine hands it).
 *
 * The bytes come once, in order, and the interesting structures point at
 * each other in both directions: the program headers (near the start)
 * locate PT_DYNAMIC, whose DT_STRTAB locates the names it uses; the
 * section header table (near the end) locates .shstrtab, which usually
 * lies just before it.  So the reader keeps a list of "spans": byte ranges
 * it wants, each with a handler that runs when the range is complete and
 * may ask for more spans.  A span is filled from the chunk being fed or,
 * when it lies in the past, from one of two windows kept for that purpose:
 *
 *   - the start of the file up to PT_DYNAMIC, at most ELF_PREFIX_MAX
 *     bytes, because .dynstr normally precedes .dynamic (and DT_NEEDED
 *     names may sit anywhere in .dynstr); only the first segment when it
 *     holds no code (.dynstr is there: elf_tables.c); nothing without
 *     PT_DYNAMIC;
 *   - the ELF_TAIL_WINDOW bytes before e_shoff, for .shstrtab.
 *
 * Both grow as bytes come and are freed once no span is pending, so one
 * file costs about 9 MiB at most in practice (libcublasLt: PT_DYNAMIC at
 * 427 MB), a few kB for most, and never more than ELF_MEMORY_MAX.  A span asked for at offset `req` reads bytes before
 * req only inside the windows as they were defined then, and windows are
 * never cut later: so the facts, and the problem reported, are the same
 * however the file is chunked (the unit tests check it on thousands of
 * mutated files).
 *
 * Measured on 2,268 ELF files (Debian 12's /usr/lib, /usr/bin, CUDA 13's
 * lib64 and bin): the furthest DT_NEEDED/SONAME/RUNPATH string that lies
 * before PT_DYNAMIC ends at byte 4,333,424 (libLLVM-15.so.1, whose 3 MB
 * .dynstr puts the library names last); the next are node (2.3 MB) and
 * gnat1 (1.4 MB); CUDA's own libraries need 63 kB at most.  cuDNN 9's
 * libraries (rewritten by patchelf) put .dynstr *after* .dynamic, near the
 * end: those strings are captured as they pass, without the prefix.
 * .shstrtab always ended 0-7 bytes before e_shoff, at most 1,065 bytes
 * long (libc.so.6).  Hence 8 MiB and 1 MiB; a file that needs more gets a
 * `problem`, never more memory.
 *
 * Tables of unbounded length (program headers, dynamic entries, section
 * headers) are read one record at a time; only PT_LOAD segments and a
 * 40-byte summary per section are kept.  Every byte is also passed to the
 * fatbin scanner (fatbin.c), and the section table names where its
 * containers were.  What the facts mean for an image (link graph, strip
 * candidates) is for the callers.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "elf.h"
#include "elf_private.h"

static const char *const kind_name[] = {
	"ELF header", "program header", "dynamic section", "string",
	"section header", "section name table"
};

bool
elf_magic(const void *buf, size_t n)
{
	return n >= 4 && memcmp(buf, "\177ELF", 4) == 0;
}

/*
 * Note a structural problem.  The one kept is the first in file order:
 * the one found at the lowest offset reached (ties: the smaller message),
 * which does not depend on the order spans happened to be handled in.
 */
void
elf_note(struct elf_sniffer *s, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (s->problem != NULL && s->now > s->problem_at)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (s->problem != NULL && s->now == s->problem_at &&
	    strcmp(msg, s->problem) >= 0)
		return;
	free(s->problem);
	s->problem = xstrdup(msg);
	s->problem_at = s->now;
}

static void
keep_free(struct keep *k)
{
	free(k->buf);
	memset(k, 0, sizeof(*k));
}

/* Append what of [off, off+n) the window wants next. */
void
elf_keep_take(struct keep *k, const unsigned char *buf, int64_t off, size_t n)
{
	int64_t want = k->off + (int64_t)k->have, end = off + (int64_t)n;
	size_t take;

	if ((size_t)k->len <= k->have || want < off || want >= end)
		return;
	take = (size_t)(end - want);
	if (take > (size_t)k->len - k->have)
		take = (size_t)k->len - k->have;
	if (k->have + take > k->cap) {
		/* Grown as bytes come, never past len. */
		size_t cap = k->cap ? k->cap : 65536;

		while (cap < k->have + take)
			cap *= 2;
		if (cap > (size_t)k->len)
			cap = (size_t)k->len;
		k->buf = xrealloc(k->buf, cap);
		k->cap = cap;
	}
	memcpy(k->buf + k->have, buf + (want - off), take);
	k->have += take;
}

void
elf_span_add(struct elf_sniffer *s, enum span_kind kind, int64_t off,
    uint32_t len, uint32_t idx, bool cstr)
{
	struct span *sp;

	xgrow((void **)&s->sp, &s->capsp, s->nsp + 1, sizeof(*s->sp));
	sp = &s->sp[s->nsp++];
	memset(sp, 0, offsetof(struct span, small));
	sp->off = off;
	sp->req = s->now;
	sp->len = len;
	sp->idx = idx;
	sp->kind = (uint8_t)kind;
	sp->cstr = cstr;
	if (len > sizeof(sp->small))
		sp->heap = xmalloc(len);
	if (off < s->next_want)
		s->next_want = off;
}

/* Where byte p (already fed) can still be read, and how much follows. */
static const unsigned char *
source(const struct elf_sniffer *s, int64_t p, size_t *avail)
{
	if (s->cur != NULL && p >= s->cur_off &&
	    p < s->cur_off + (int64_t)s->cur_len) {
		*avail = (size_t)(s->cur_off + (int64_t)s->cur_len - p);
		return s->cur + (p - s->cur_off);
	}
	if (p >= s->prefix.off && p < s->prefix.off + (int64_t)s->prefix.have) {
		*avail = (size_t)(s->prefix.off + (int64_t)s->prefix.have - p);
		return s->prefix.buf + (p - s->prefix.off);
	}
	if (p >= s->tailw.off && p < s->tailw.off + (int64_t)s->tailw.have) {
		*avail = (size_t)(s->tailw.off + (int64_t)s->tailw.have - p);
		return s->tailw.buf + (p - s->tailw.off);
	}
	return NULL;
}

/*
 * Bytes before `req` (passed before the span was asked for) are readable
 * only inside the windows as they were defined at that point, and the
 * windows are never cut afterwards: so what a span gets does not depend
 * on how the file was chunked, even when hostile offsets overlap.
 * Returns the end of the window holding p, or -1.
 */
static int64_t
kept_until(const struct elf_sniffer *s, int64_t p, int64_t req)
{
	int64_t plen = req < s->phdrs_done_at ? s->prefix_len0 : s->prefix.len;

	if (p < plen)
		return plen;
	if (p >= s->tailw.off && p < s->tailw.off + s->tailw.len)
		return s->tailw.off + s->tailw.len;
	return -1;
}

static enum fill_result
fill(const struct elf_sniffer *s, struct span *sp)
{
	unsigned char *d = elf_span_data(sp);
	const unsigned char *src, *z;
	size_t avail, k;
	int64_t p, lim;

	while (sp->have < sp->len) {
		p = sp->off + sp->have;
		if (p >= s->pos)
			return FILL_WAIT;
		lim = INT64_MAX;
		if (p < sp->req && (lim = kept_until(s, p, sp->req)) < 0)
			return FILL_GONE;
		if ((src = source(s, p, &avail)) == NULL)
			return FILL_GONE;
		k = sp->len - sp->have;
		if (k > avail)
			k = avail;
		if (lim - p < (int64_t)k)
			k = (size_t)(lim - p);
		if (sp->cstr && (z = memchr(src, 0, k)) != NULL) {
			k = (size_t)(z - src) + 1;
			sp->ended = true;
		}
		memcpy(d + sp->have, src, k);
		sp->have += (uint32_t)k;
		if (sp->ended)
			break;
	}
	return FILL_DONE;
}

/* Not ELF after all, or unusable: stop looking at anything. */
void
elf_give_up(struct elf_sniffer *s)
{
	size_t i;

	for (i = 0; i < s->nsp; i++)
		free(s->sp[i].heap);
	s->nsp = 0;
	fatbin_scan_free(s->fb);
	s->fb = NULL;
}

static void
handle(struct elf_sniffer *s, struct span *sp, enum fill_result r)
{
	if (r == FILL_GONE && sp->kind != SP_STR) {
		/* Bytes that were passed before anything pointed at them. */
		elf_note(s, "%s at offset %lld %s", kind_name[sp->kind],
		    (long long)sp->off, sp->kind == SP_SHSTR ?
		    "lies before the window kept ahead of the section headers" :
		    "lies before what points at it");
		return;
	}
	switch ((enum span_kind)sp->kind) {
	case SP_EHDR:
		elf_on_ehdr(s, sp);
		break;
	case SP_PHDR:
		elf_on_phdr(s, sp);
		break;
	case SP_DYN:
		elf_on_dyn(s, sp);
		break;
	case SP_STR:
		elf_on_string(s, sp, r == FILL_GONE);
		break;
	case SP_SHDR:
		elf_on_shdr(s, sp);
		break;
	case SP_SHSTR:
		s->shstr = sp->heap ? sp->heap : xmalloc(sp->len);
		if (sp->heap == NULL)
			memcpy(s->shstr, sp->small, sp->len);
		sp->heap = NULL;
		s->shstr_len = sp->len;
		s->names_done = true;
		break;
	}
}

/* Run every span that the bytes fed so far complete. */
static void
service(struct elf_sniffer *s)
{
	struct span done;
	enum fill_result r;
	size_t i;
	bool progress = true;

	while (progress && s->nsp > 0) {
		progress = false;
		for (i = 0; i < s->nsp;) {
			r = fill(s, &s->sp[i]);
			if (r == FILL_WAIT) {
				i++;
				continue;
			}
			done = s->sp[i];
			s->sp[i] = s->sp[--s->nsp];
			s->now = done.off + done.have;
			handle(s, &done, r);
			free(done.heap);
			progress = true;
		}
	}
	s->next_want = INT64_MAX;
	for (i = 0; i < s->nsp; i++)
		if (s->sp[i].off + s->sp[i].have < s->next_want)
			s->next_want = s->sp[i].off + s->sp[i].have;
	if (s->nsp == 0) {
		/* Nothing left to learn: the windows can go. */
		keep_free(&s->prefix);
		keep_free(&s->tailw);
	}
}

struct elf_sniffer *
elf_sniff_new(int64_t file_size)
{
	struct elf_sniffer *s = xcalloc(1, sizeof(*s));

	s->size = file_size < 0 ? INT64_MAX : file_size;
	s->prefix.len = s->size < ELF_PREFIX_MAX ? s->size : ELF_PREFIX_MAX;
	s->prefix_len0 = s->prefix.len;
	s->phdrs_done_at = INT64_MAX;
	s->str_val = xcalloc(N_SLOTS, sizeof(*s->str_val));
	s->str_set = xcalloc(N_SLOTS, sizeof(*s->str_set));
	s->str = xcalloc(N_SLOTS, sizeof(*s->str));
	s->next_want = INT64_MAX;
	s->fb = fatbin_scan_new();
	elf_span_add(s, SP_EHDR, 0, (uint32_t)(s->size < 64 ? s->size : 64), 0,
	    false);
	return s;
}

void
elf_sniff_feed(struct elf_sniffer *s, const void *buf, size_t n)
{
	if (n == 0 || s->pos >= s->size)
		return;
	if ((uint64_t)n > (uint64_t)(s->size - s->pos))
		n = (size_t)(s->size - s->pos);	/* more than the size said */
	if (s->nsp > 0) {
		s->cur = buf;
		s->cur_off = s->pos;
		s->cur_len = n;
		elf_keep_take(&s->prefix, buf, s->pos, n);
		elf_keep_take(&s->tailw, buf, s->pos, n);
		s->pos += (int64_t)n;
		if (s->next_want < s->pos)
			service(s);
		s->cur = NULL;
		s->pos -= (int64_t)n;	/* the scanner wants the old offset */
	}
	if (s->fb != NULL)
		fatbin_scan_feed(s->fb, buf, n, s->pos);
	s->pos += (int64_t)n;
}

void
elf_sniff_free(struct elf_sniffer *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nsp; i++)
		free(s->sp[i].heap);
	free(s->sp);
	keep_free(&s->prefix);
	keep_free(&s->tailw);
	free(s->loads);
	for (i = 0; i < N_SLOTS; i++)
		free(s->str[i]);
	free(s->str);
	free(s->str_val);
	free(s->str_set);
	free(s->sect);
	free(s->shstr);
	fatbin_scan_free(s->fb);
	free(s->problem);
	free(s);
}

static int
sect_off_cmp(const void *a, const void *b, void *arg)
{
	const struct sect *v = arg;
	const struct sect *x = &v[*(const uint32_t *)a];
	const struct sect *y = &v[*(const uint32_t *)b];

	return (x->off > y->off) - (x->off < y->off);
}

/* For fatbin_scan_finish_where: sections by offset. */
struct locator {
	struct elf_sniffer *s;
	uint32_t *by_off;		/* section indexes, sorted by offset */
	size_t n;
};

static const char *
locate(void *arg, int64_t off)
{
	struct locator *l = arg;
	const struct sect *t;
	size_t lo = 0, hi = l->n, mid;

	/* The last section starting at or before off. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (l->s->sect[l->by_off[mid]].off <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	t = &l->s->sect[l->by_off[lo - 1]];
	if (off - t->off >= t->size)
		return NULL;
	return elf_sect_name(l->s, l->by_off[lo - 1]);
}

void
elf_sniff_finish(struct elf_sniffer *s, struct elf_facts *out)
{
	struct locator loc = { s, NULL, 0 };
	uint32_t i;
	size_t k;

	memset(out, 0, sizeof(*out));
	s->now = INT64_MAX;		/* problems found now come last */
	if (s->nsp > 0) {
		/* Whatever is still wanted lies past the bytes fed; name the
		 * first such structure in the file. */
		const struct span *w = &s->sp[0];

		for (k = 1; k < s->nsp; k++)
			if (s->sp[k].off < w->off)
				w = &s->sp[k];
		if (w->kind == SP_EHDR)
			elf_note(s, "truncated ELF header (%lld bytes)",
			    (long long)s->pos);
		else
			elf_note(s, "truncated: %s at offset %lld lies past "
			    "the %lld bytes read", kind_name[w->kind],
			    (long long)w->off, (long long)s->pos);
	}
	out->elfclass = s->cls == 2 ? 64 : s->cls == 1 ? 32 : 0;
	out->big_endian = s->be;
	out->type = s->type;
	out->machine = s->machine;
	out->needed = xcalloc(s->n_needed ? s->n_needed : 1, sizeof(char *));
	for (i = 0; i < s->n_needed; i++) {
		if (s->str[i] != NULL) {
			out->needed[out->n_needed++] = s->str[i];
			s->str[i] = NULL;
		}
	}
	out->soname = s->str[SLOT_SONAME];
	out->runpath = s->str[SLOT_RUNPATH];
	out->rpath = s->str[SLOT_RPATH];
	out->interp = s->str[SLOT_INTERP];
	s->str[SLOT_SONAME] = s->str[SLOT_RUNPATH] = NULL;
	s->str[SLOT_RPATH] = s->str[SLOT_INTERP] = NULL;

	if (s->names_done) {
		out->sections_read = true;
		elf_section_facts(s, out);
		loc.by_off = xcalloc(s->n_sect ? s->n_sect : 1,
		    sizeof(*loc.by_off));
		for (k = 1; k < s->n_sect; k++)
			if (s->sect[k].type != SHT_NOBITS &&
			    s->sect[k].type != SHT_NULL && s->sect[k].size > 0)
				loc.by_off[loc.n++] = (uint32_t)k;
		qsort_r(loc.by_off, loc.n, sizeof(*loc.by_off), sect_off_cmp,
		    s->sect);
	}
	if (s->fb != NULL) {
		fatbin_scan_finish_where(s->fb, &out->fatbin,
		    s->names_done ? locate : NULL, &loc);
		s->fb = NULL;
	}
	free(loc.by_off);
	out->problem = s->problem;
	s->problem = NULL;
	elf_sniff_free(s);
}

void
elf_facts_free(struct elf_facts *f)
{
	size_t i;

	if (f == NULL)
		return;
	free(f->interp);
	free(f->soname);
	for (i = 0; i < f->n_needed; i++)
		free(f->needed[i]);
	free(f->needed);
	free(f->runpath);
	free(f->rpath);
	fatbin_summary_free(&f->fatbin);
	free(f->problem);
	memset(f, 0, sizeof(*f));
}
