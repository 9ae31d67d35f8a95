/* SPDX-License-Identifier: MIT */
/*
 * elf.c: a one-pass ELF reader for files that stream past inside a layer.
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
 *   - the first ELF_PREFIX_MAX bytes, kept only until the dynamic section
 *     has been read, because .dynstr normally precedes it (and DT_NEEDED
 *     names may sit anywhere in .dynstr);
 *   - the ELF_TAIL_WINDOW bytes before e_shoff, for .shstrtab.
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

#define PT_LOAD		1
#define PT_DYNAMIC	2
#define PT_INTERP	3
#define PN_XNUM		0xffff

#define SHT_NULL	0
#define SHT_SYMTAB	2
#define SHT_STRTAB	3
#define SHT_RELA	4
#define SHT_NOBITS	8
#define SHT_REL		9
#define SHT_SYMTAB_SHNDX 18
#define SHF_ALLOC	0x2
#define SHN_XINDEX	0xffff

#define DT_NULL		0
#define DT_NEEDED	1
#define DT_STRTAB	5
#define DT_STRSZ	10
#define DT_SONAME	14
#define DT_RPATH	15
#define DT_RUNPATH	29

#define LOADS_MAX	1024
#define DYN_MAX		65536		/* dynamic entries read at most */
#define SHSTRTAB_MAX	ELF_TAIL_WINDOW

/* String slots: DT_NEEDED first, then these. */
enum {
	SLOT_SONAME = ELF_NEEDED_MAX,
	SLOT_RUNPATH,
	SLOT_RPATH,
	SLOT_INTERP,
	N_SLOTS
};

enum span_kind { SP_EHDR, SP_PHDR, SP_DYN, SP_STR, SP_SHDR, SP_SHSTR };
static const char *const kind_name[] = {
	"ELF header", "program header", "dynamic section", "string",
	"section header", "section name table"
};
enum fill_result { FILL_WAIT, FILL_DONE, FILL_GONE };

struct span {
	int64_t off;			/* file offset of the first byte */
	int64_t req;			/* offset reached when it was asked for */
	uint32_t len, have;
	uint32_t idx;			/* record number or string slot */
	uint8_t kind;
	bool cstr;			/* done at the first NUL */
	bool ended;			/* ... and it was seen */
	unsigned char *heap;		/* the data when longer than small */
	unsigned char small[64];
};

/* A window of the file kept for spans that lie in the past. */
struct keep {
	int64_t off, len;		/* the range kept */
	size_t have, cap;		/* bytes held from off; allocated */
	unsigned char *buf;
};

struct load {
	uint64_t vaddr, filesz;
	int64_t off;
};

struct sect {
	uint32_t name, type, link, info;
	uint64_t flags;
	int64_t off, size;
};

struct elf_sniffer {
	int64_t size;			/* INT64_MAX when unknown */
	int64_t pos;			/* bytes fed so far */
	const unsigned char *cur;	/* the chunk being fed */
	int64_t cur_off;
	size_t cur_len;
	struct keep prefix, tailw;
	int64_t prefix_len0;		/* prefix.len until ... */
	int64_t phdrs_done_at;		/* ... the program headers are read */
	int64_t now;			/* where the span being handled ends */
	struct span *sp;
	size_t nsp, capsp;
	int64_t next_want;		/* no span needs a byte before this */

	uint8_t cls, be;		/* 1/2 (ELFCLASS32/64), big endian */
	uint16_t type, machine;
	uint32_t phentsize, phnum, shentsize, shstrndx;
	int64_t phoff, shoff;
	uint64_t sh_count;		/* sections, once known */

	struct load *loads;
	size_t n_loads, cap_loads;
	bool have_dyn, have_interp;
	int64_t dyn_off, dyn_size, interp_off, interp_size;

	uint32_t n_dyn;			/* dynamic entries to read */
	bool have_strtab, have_strsz;
	uint64_t strtab, strsz;
	uint64_t *str_val;		/* string offsets, by slot */
	bool *str_set;
	uint32_t n_needed;		/* DT_NEEDED slots used */
	char **str;			/* strings read, by slot */
	bool dyn_done;

	struct sect *sect;
	size_t n_sect, cap_sect;
	unsigned char *shstr;
	size_t shstr_len;
	bool names_done;

	struct fatbin_scanner *fb;
	char *problem;
};

bool
elf_magic(const void *buf, size_t n)
{
	return n >= 4 && memcmp(buf, "\177ELF", 4) == 0;
}

static void problem(struct elf_sniffer *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Note the first structural problem; later ones add nothing. */
static void
problem(struct elf_sniffer *s, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (s->problem != NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s->problem = xstrdup(msg);
}

static uint16_t
rd16(const struct elf_sniffer *s, const unsigned char *p)
{
	return s->be ? (uint16_t)(p[0] << 8 | p[1]) :
	    (uint16_t)(p[1] << 8 | p[0]);
}

static uint32_t
rd32(const struct elf_sniffer *s, const unsigned char *p)
{
	return s->be ?
	    (uint32_t)rd16(s, p) << 16 | rd16(s, p + 2) :
	    (uint32_t)rd16(s, p + 2) << 16 | rd16(s, p);
}

static uint64_t
rd64(const struct elf_sniffer *s, const unsigned char *p)
{
	return s->be ?
	    (uint64_t)rd32(s, p) << 32 | rd32(s, p + 4) :
	    (uint64_t)rd32(s, p + 4) << 32 | rd32(s, p);
}

/* A word (Elf32_Word / Elf64_Xword, Addr, Off) at p. */
static uint64_t
rdw(const struct elf_sniffer *s, const unsigned char *p)
{
	return s->cls == 2 ? rd64(s, p) : rd32(s, p);
}

/* Does [off, off+len) lie inside the file? */
static bool
in_file(const struct elf_sniffer *s, uint64_t off, uint64_t len)
{
	return off <= (uint64_t)s->size && len <= (uint64_t)s->size - off;
}

static void
keep_free(struct keep *k)
{
	free(k->buf);
	memset(k, 0, sizeof(*k));
}

/* Append what of [off, off+n) the window wants next. */
static void
keep_take(struct keep *k, const unsigned char *buf, int64_t off, size_t n)
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

static unsigned char *
span_data(struct span *sp)
{
	return sp->heap != NULL ? sp->heap : sp->small;
}

static void
span_add(struct elf_sniffer *s, enum span_kind kind, int64_t off,
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
	unsigned char *d = span_data(sp);
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

/* ---- handlers ------------------------------------------------------------ */

/* The dynamic section is read: ask for the strings it names. */
static void
dyn_finished(struct elf_sniffer *s)
{
	const struct load *l;
	uint64_t soff = 0;
	uint32_t i;
	size_t j;
	bool mapped = false;

	s->dyn_done = true;
	for (i = 0; i < N_SLOTS; i++)
		if (i != SLOT_INTERP && s->str_set[i])
			break;
	if (i == N_SLOTS)
		return;
	if (!s->have_strtab) {
		problem(s, "dynamic section names strings but has no DT_STRTAB");
		return;
	}
	for (j = 0; j < s->n_loads; j++) {
		l = &s->loads[j];
		if (s->strtab >= l->vaddr && s->strtab - l->vaddr < l->filesz) {
			soff = (uint64_t)l->off + (s->strtab - l->vaddr);
			mapped = true;
			break;
		}
	}
	if (!mapped) {
		problem(s, "DT_STRTAB 0x%llx is in no loaded segment",
		    (unsigned long long)s->strtab);
		return;
	}
	if (soff >= (uint64_t)s->size) {
		problem(s, "dynamic string table at offset %llu lies past the "
		    "end of the file", (unsigned long long)soff);
		return;
	}
	if (!s->have_strsz || !in_file(s, soff, s->strsz)) {
		if (s->have_strsz)
			problem(s, "DT_STRSZ %llu runs past the end of the file",
			    (unsigned long long)s->strsz);
		s->strsz = (uint64_t)s->size - soff;
	}
	for (i = 0; i < N_SLOTS; i++) {
		uint64_t v = s->str_val[i], n;

		if (i == SLOT_INTERP || !s->str_set[i])
			continue;
		if (v >= s->strsz) {
			problem(s, "dynamic string offset %llu lies past the "
			    "string table (%llu bytes)", (unsigned long long)v,
			    (unsigned long long)s->strsz);
			continue;
		}
		n = s->strsz - v;
		if (n > ELF_STRING_MAX)
			n = ELF_STRING_MAX;
		span_add(s, SP_STR, (int64_t)(soff + v), (uint32_t)n, i, true);
	}
}

/* A string arrived (or could not be read). */
static void
on_string(struct elf_sniffer *s, struct span *sp, bool gone)
{
	if (gone) {
		if (sp->idx != SLOT_INTERP && s->have_dyn &&
		    sp->off < s->dyn_off && sp->off >= ELF_PREFIX_MAX)
			problem(s, "dynamic string table at offset %lld lies "
			    "before the dynamic section and past the first "
			    "%d MiB, which are all that is kept",
			    (long long)sp->off, ELF_PREFIX_MAX >> 20);
		else
			problem(s, "string at offset %lld is no longer "
			    "available when it is needed", (long long)sp->off);
		return;
	}
	if (!sp->ended) {
		problem(s, "%s string at offset %lld is not terminated "
		    "within %u bytes", sp->idx == SLOT_INTERP ? "PT_INTERP" :
		    "dynamic", (long long)sp->off, sp->len);
		return;
	}
	free(s->str[sp->idx]);
	s->str[sp->idx] = xstrdup((const char *)span_data(sp));
}

static void
phdrs_finished(struct elf_sniffer *s)
{
	uint64_t n;

	if (s->have_interp) {
		if (!in_file(s, (uint64_t)s->interp_off,
		    (uint64_t)s->interp_size) || s->interp_size == 0)
			problem(s, "PT_INTERP lies outside the file");
		else {
			n = (uint64_t)s->interp_size;
			if (n > ELF_STRING_MAX)
				n = ELF_STRING_MAX;
			span_add(s, SP_STR, s->interp_off, (uint32_t)n,
			    SLOT_INTERP, true);
		}
	}
	/*
	 * .dynstr before .dynamic is what the prefix is kept for: it ends
	 * there, or here when there is no dynamic section to read.
	 */
	s->phdrs_done_at = s->now;
	if (!s->have_dyn ||
	    !in_file(s, (uint64_t)s->dyn_off, (uint64_t)s->dyn_size)) {
		s->prefix.len = 0;
		if (s->have_dyn)
			problem(s, "PT_DYNAMIC (offset %lld, %lld bytes) runs "
			    "past the end of the file", (long long)s->dyn_off,
			    (long long)s->dyn_size);
		return;
	}
	if (s->prefix.len > s->dyn_off)
		s->prefix.len = s->dyn_off;
	n = (uint64_t)s->dyn_size / (s->cls == 2 ? 16 : 8);
	if (n > DYN_MAX)
		n = DYN_MAX;
	s->n_dyn = (uint32_t)n;
	if (n == 0) {
		dyn_finished(s);
		return;
	}
	span_add(s, SP_DYN, s->dyn_off, s->cls == 2 ? 16 : 8, 0, false);
}

static void
on_phdr(struct elf_sniffer *s, struct span *sp)
{
	const unsigned char *p = span_data(sp);
	uint32_t type = rd32(s, p);
	uint64_t off, vaddr, filesz;
	struct load *l;

	if (s->cls == 2) {
		off = rd64(s, p + 8);
		vaddr = rd64(s, p + 16);
		filesz = rd64(s, p + 32);
	} else {
		off = rd32(s, p + 4);
		vaddr = rd32(s, p + 8);
		filesz = rd32(s, p + 16);
	}
	if (off > INT64_MAX || filesz > INT64_MAX)
		off = filesz = 0;
	switch (type) {
	case PT_LOAD:
		if (s->n_loads == LOADS_MAX) {
			problem(s, "more than %d PT_LOAD segments", LOADS_MAX);
			break;
		}
		xgrow((void **)&s->loads, &s->cap_loads, s->n_loads + 1,
		    sizeof(*s->loads));
		l = &s->loads[s->n_loads++];
		l->vaddr = vaddr;
		l->filesz = filesz;
		l->off = (int64_t)off;
		break;
	case PT_DYNAMIC:
		if (!s->have_dyn) {
			s->have_dyn = true;
			s->dyn_off = (int64_t)off;
			s->dyn_size = (int64_t)filesz;
		}
		break;
	case PT_INTERP:
		if (!s->have_interp) {
			s->have_interp = true;
			s->interp_off = (int64_t)off;
			s->interp_size = (int64_t)filesz;
		}
		break;
	}
	if (sp->idx + 1 < s->phnum)
		span_add(s, SP_PHDR, sp->off + s->phentsize, s->phentsize,
		    sp->idx + 1, false);
	else
		phdrs_finished(s);
}

static void
on_dyn(struct elf_sniffer *s, struct span *sp)
{
	const unsigned char *p = span_data(sp);
	int64_t tag;
	uint64_t val;
	uint32_t slot = N_SLOTS;

	if (s->cls == 2) {
		tag = (int64_t)rd64(s, p);
		val = rd64(s, p + 8);
	} else {
		tag = (int32_t)rd32(s, p);
		val = rd32(s, p + 4);
	}
	switch (tag) {
	case DT_NULL:
		dyn_finished(s);
		return;
	case DT_NEEDED:
		if (s->n_needed == ELF_NEEDED_MAX)
			problem(s, "more than %d DT_NEEDED entries",
			    ELF_NEEDED_MAX);
		else
			slot = s->n_needed++;
		break;
	case DT_SONAME:
		slot = SLOT_SONAME;
		break;
	case DT_RUNPATH:
		slot = SLOT_RUNPATH;
		break;
	case DT_RPATH:
		slot = SLOT_RPATH;
		break;
	case DT_STRTAB:
		if (!s->have_strtab) {
			s->have_strtab = true;
			s->strtab = val;
		}
		break;
	case DT_STRSZ:
		if (!s->have_strsz) {
			s->have_strsz = true;
			s->strsz = val;
		}
		break;
	}
	if (slot != N_SLOTS && !s->str_set[slot]) {
		s->str_set[slot] = true;
		s->str_val[slot] = val;
	}
	if (sp->idx + 1 < s->n_dyn)
		span_add(s, SP_DYN, sp->off + sp->len, sp->len, sp->idx + 1,
		    false);
	else
		dyn_finished(s);
}

static void
sections_finished(struct elf_sniffer *s)
{
	const struct sect *t;

	if (s->shstrndx == 0) {
		problem(s, "no section name table (e_shstrndx is 0)");
		return;
	}
	if (s->shstrndx >= s->n_sect) {
		problem(s, "e_shstrndx %u is not a section (%zu sections)",
		    s->shstrndx, s->n_sect);
		return;
	}
	t = &s->sect[s->shstrndx];
	if (t->type == SHT_NOBITS || t->size == 0 ||
	    !in_file(s, (uint64_t)t->off, (uint64_t)t->size)) {
		problem(s, "section name table (offset %lld, %lld bytes) lies "
		    "outside the file", (long long)t->off, (long long)t->size);
		return;
	}
	if (t->size > SHSTRTAB_MAX) {
		problem(s, "section name table of %lld bytes, more than the "
		    "%d read", (long long)t->size, SHSTRTAB_MAX);
		return;
	}
	span_add(s, SP_SHSTR, t->off, (uint32_t)t->size, 0, false);
}

static void
on_shdr(struct elf_sniffer *s, struct span *sp)
{
	const unsigned char *p = span_data(sp);
	struct sect x;

	x.name = rd32(s, p);
	x.type = rd32(s, p + 4);
	x.flags = rdw(s, p + 8);
	if (s->cls == 2) {
		x.off = (int64_t)(rd64(s, p + 24) & INT64_MAX);
		x.size = (int64_t)(rd64(s, p + 32) & INT64_MAX);
		x.link = rd32(s, p + 40);
		x.info = rd32(s, p + 44);
	} else {
		x.off = rd32(s, p + 16);
		x.size = rd32(s, p + 20);
		x.link = rd32(s, p + 24);
		x.info = rd32(s, p + 28);
	}
	if (sp->idx == 0) {
		/* Section 0 carries the counts that overflow the header. */
		if (s->sh_count == 0)
			s->sh_count = (uint64_t)x.size;
		if (s->shstrndx == SHN_XINDEX)
			s->shstrndx = x.link;
		if (s->sh_count == 0)
			return;		/* no sections after all */
		if (!in_file(s, (uint64_t)s->shoff, s->sh_count > UINT64_MAX /
		    s->shentsize ? UINT64_MAX : s->sh_count * s->shentsize)) {
			problem(s, "section header table runs past the end of "
			    "the file (offset %lld, %llu sections claimed)",
			    (long long)s->shoff,
			    (unsigned long long)s->sh_count);
			return;
		}
		if (s->sh_count > ELF_SECTIONS_MAX) {
			problem(s, "%llu sections claimed, more than the %d "
			    "read", (unsigned long long)s->sh_count,
			    ELF_SECTIONS_MAX);
			return;
		}
	}
	xgrow((void **)&s->sect, &s->cap_sect, s->n_sect + 1, sizeof(*s->sect));
	s->sect[s->n_sect++] = x;
	if (sp->idx + 1 < s->sh_count)
		span_add(s, SP_SHDR, sp->off + s->shentsize, s->shentsize,
		    sp->idx + 1, false);
	else
		sections_finished(s);
}

/* Not ELF after all, or unusable: stop looking at anything. */
static void
give_up(struct elf_sniffer *s)
{
	size_t i;

	for (i = 0; i < s->nsp; i++)
		free(s->sp[i].heap);
	s->nsp = 0;
	fatbin_scan_free(s->fb);
	s->fb = NULL;
}

static void
on_ehdr(struct elf_sniffer *s, struct span *sp)
{
	const unsigned char *p = span_data(sp);
	uint32_t shnum;
	uint64_t phoff, shoff;

	if (sp->have >= 6 && (p[4] < 1 || p[4] > 2 || p[5] < 1 || p[5] > 2))
		problem(s, "not an ELF file: class %u, data %u", p[4], p[5]);
	else if (sp->have < (p[4] == 2 ? 64 : 52))
		problem(s, "truncated ELF header (%u bytes)", sp->have);
	if (s->problem != NULL) {
		give_up(s);
		return;
	}
	s->cls = p[4];
	s->be = p[5] == 2;
	s->type = rd16(s, p + 16);
	s->machine = rd16(s, p + 18);
	if (s->cls == 2) {
		phoff = rd64(s, p + 32);
		shoff = rd64(s, p + 40);
		p += 54;
	} else {
		phoff = rd32(s, p + 28);
		shoff = rd32(s, p + 32);
		p += 42;
	}
	s->phentsize = rd16(s, p);
	s->phnum = rd16(s, p + 2);
	s->shentsize = rd16(s, p + 4);
	shnum = rd16(s, p + 6);
	s->shstrndx = rd16(s, p + 8);

	if (s->phnum == 0) {
		phdrs_finished(s);
	} else if (s->phnum == PN_XNUM) {
		problem(s, "extended program header count (PN_XNUM) is not "
		    "supported");
		phdrs_finished(s);
	} else if (s->phentsize != (s->cls == 2 ? 56u : 32u)) {
		problem(s, "program header entries of %u bytes", s->phentsize);
		phdrs_finished(s);
	} else if (!in_file(s, phoff, (uint64_t)s->phnum * s->phentsize)) {
		problem(s, "program headers (offset %llu, %u entries) run past "
		    "the end of the file", (unsigned long long)phoff, s->phnum);
		phdrs_finished(s);
	} else {
		s->phoff = (int64_t)phoff;
		span_add(s, SP_PHDR, s->phoff, s->phentsize, 0, false);
	}

	if (shoff == 0)
		return;
	if (s->shentsize != (s->cls == 2 ? 64u : 40u)) {
		problem(s, "section header entries of %u bytes", s->shentsize);
		return;
	}
	if (!in_file(s, shoff, (uint64_t)(shnum ? shnum : 1) * s->shentsize)) {
		problem(s, "section header table runs past the end of the file "
		    "(offset %llu, %u sections claimed)",
		    (unsigned long long)shoff, shnum);
		return;
	}
	s->shoff = (int64_t)shoff;
	s->sh_count = shnum;		/* 0: the count is in section 0 */
	span_add(s, SP_SHDR, s->shoff, s->shentsize, 0, false);
	/* Keep the bytes before the table, where .shstrtab usually is. */
	s->tailw.off = s->shoff - ELF_TAIL_WINDOW;
	if (s->tailw.off < s->now)
		s->tailw.off = s->now;
	s->tailw.len = s->shoff - s->tailw.off;
	if (s->tailw.len > 0)
		keep_take(&s->tailw, s->cur, s->cur_off, s->cur_len);
	else
		s->tailw.len = 0;
}

static void
handle(struct elf_sniffer *s, struct span *sp, enum fill_result r)
{
	if (r == FILL_GONE && sp->kind != SP_STR) {
		/* Bytes that were passed before anything pointed at them. */
		problem(s, "%s at offset %lld %s", kind_name[sp->kind],
		    (long long)sp->off, sp->kind == SP_SHSTR ?
		    "lies before the window kept ahead of the section headers" :
		    "lies before what points at it");
		return;
	}
	switch ((enum span_kind)sp->kind) {
	case SP_EHDR:
		on_ehdr(s, sp);
		break;
	case SP_PHDR:
		on_phdr(s, sp);
		break;
	case SP_DYN:
		on_dyn(s, sp);
		break;
	case SP_STR:
		on_string(s, sp, r == FILL_GONE);
		break;
	case SP_SHDR:
		on_shdr(s, sp);
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
	span_add(s, SP_EHDR, 0, (uint32_t)(s->size < 64 ? s->size : 64), 0,
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
		keep_take(&s->prefix, buf, s->pos, n);
		keep_take(&s->tailw, buf, s->pos, n);
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

static bool
starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Sections `strip --strip-debug` removes: binutils' SEC_DEBUGGING names. */
static bool
debug_name(const char *n)
{
	return starts(n, ".debug") || starts(n, ".zdebug") ||
	    starts(n, ".gnu.debuglto_.debug_") ||
	    starts(n, ".gnu.linkonce.wi.") || starts(n, ".line") ||
	    starts(n, ".stab") || strcmp(n, ".gdb_index") == 0;
}

/* The name of section i, or "" (noting the problem) when it is bad. */
static const char *
sect_name(struct elf_sniffer *s, size_t i)
{
	uint32_t off = s->sect[i].name;

	if (off >= s->shstr_len) {
		problem(s, "section %zu: name offset %u lies past the section "
		    "name table (%zu bytes)", i, off, s->shstr_len);
		return "";
	}
	if (memchr(s->shstr + off, 0, s->shstr_len - off) == NULL) {
		problem(s, "section %zu: name is not terminated", i);
		return "";
	}
	return (const char *)s->shstr + off;
}

enum { MARK_KEEP, MARK_DEBUG, MARK_UNNEEDED };

/* Section facts: what strip would save, symtab, debuglink. */
static void
section_facts(struct elf_sniffer *s, struct elf_facts *f)
{
	unsigned char *mark = xcalloc(s->n_sect ? s->n_sect : 1, 1);
	int64_t debug = 0, unneeded = 0, b;
	const struct sect *t;
	const char *name;
	size_t i;
	bool linked = f->type == ELF_ET_EXEC || f->type == ELF_ET_DYN;

	for (i = 1; i < s->n_sect; i++) {
		t = &s->sect[i];
		name = sect_name(s, i);
		if (t->type == SHT_SYMTAB)
			f->has_symtab = true;
		if (strcmp(name, ".gnu_debuglink") == 0)
			f->has_debuglink = true;
		if ((t->flags & SHF_ALLOC) == 0 && debug_name(name))
			mark[i] = MARK_DEBUG;
	}
	for (i = 1; i < s->n_sect; i++) {
		t = &s->sect[i];
		if (mark[i] != MARK_KEEP || (t->flags & SHF_ALLOC))
			continue;
		/* Relocations for a debug section go with it (objects). */
		if ((t->type == SHT_REL || t->type == SHT_RELA) &&
		    t->info > 0 && t->info < s->n_sect &&
		    mark[t->info] == MARK_DEBUG)
			mark[i] = MARK_DEBUG;
		/* Linked files need no symbol table at all. */
		else if (linked && t->type == SHT_SYMTAB) {
			mark[i] = MARK_UNNEEDED;
			if (t->link > 0 && t->link < s->n_sect &&
			    t->link != s->shstrndx &&
			    s->sect[t->link].type == SHT_STRTAB &&
			    !(s->sect[t->link].flags & SHF_ALLOC))
				mark[t->link] = MARK_UNNEEDED;
		} else if (linked && t->type == SHT_SYMTAB_SHNDX)
			mark[i] = MARK_UNNEEDED;
	}
	for (i = 1; i < s->n_sect; i++) {
		if (mark[i] == MARK_KEEP)
			continue;
		t = &s->sect[i];
		b = 0;
		if (t->type != SHT_NOBITS) {
			if (!in_file(s, (uint64_t)t->off, (uint64_t)t->size)) {
				problem(s, "section %zu (offset %lld, %lld "
				    "bytes) runs past the end of the file", i,
				    (long long)t->off, (long long)t->size);
				b = t->off < s->size ? s->size - t->off : 0;
			} else
				b = t->size;
		}
		/* The section header and the name go too. */
		b += s->shentsize + (int64_t)strlen(sect_name(s, i)) + 1;
		if (mark[i] == MARK_DEBUG)
			debug += b;
		unneeded += b;
	}
	free(mark);
	if (unneeded > s->size) {
		problem(s, "sections overlap: %lld bytes claimed in a file of "
		    "%lld", (long long)unneeded, (long long)s->size);
		unneeded = s->size;
		if (debug > unneeded)
			debug = unneeded;
	}
	f->debug_bytes = debug;
	f->unneeded_bytes = unneeded;
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
	return sect_name(l->s, l->by_off[lo - 1]);
}

void
elf_sniff_finish(struct elf_sniffer *s, struct elf_facts *out)
{
	struct locator loc = { s, NULL, 0 };
	uint32_t i;
	size_t k;

	memset(out, 0, sizeof(*out));
	if (s->nsp > 0) {
		/* Whatever is still wanted lies past the bytes fed. */
		if (s->sp[0].kind == SP_EHDR)
			problem(s, "truncated ELF header (%lld bytes)",
			    (long long)s->pos);
		else
			problem(s, "truncated: %s at offset %lld lies past the "
			    "%lld bytes read", kind_name[s->sp[0].kind],
			    (long long)s->sp[0].off, (long long)s->pos);
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
		section_facts(s, out);
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
