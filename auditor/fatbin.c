/* SPDX-License-Identifier: MIT */
/*
 * fatbin.c: a one-pass scanner for CUDA fatbin containers.
 *
 * Real libraries keep containers in .nv_fatbin and in sections no name
 * rule would catch (.ldata in cuFFT, .cask_resource in cuBLASLt,
 * __nv_relfatbin in NCCL), so the scanner looks at every byte it is fed.
 * It searches with memchr() for the fourth byte of the 8-byte container
 * signature (magic, version 1, header size 16) and compares the rest only
 * there, which runs at memory speed; memmem() was six times slower on
 * libcublasLt.  Inside an accepted container it does not search at all:
 * it jumps from entry header to entry header and only stages the 64 bytes
 * of each header, so payloads are never copied.
 *
 * Across chunk boundaries it keeps the last 7 bytes of the searched data
 * (a signature may start in them) and a staging buffer for a header that
 * straddles chunks.  What the bytes mean is left to the caller: elf.c
 * feeds it an ELF file's bytes and names the sections that held the
 * containers.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "fatbin.h"

#define CONT_HDR	16		/* container header */
#define ENTRY_HDR	64		/* fixed part of an entry header */
#define ENTRY_HDR_MAX	1024		/* 64..144 seen in CUDA 13 libraries */
#define FATSIZE_MAX	((int64_t)1 << 40)
#define SM_MIN		10
#define SM_MAX		299
#define WHERE_MAX	64

#define KIND_PTX	1
#define KIND_ELF	2
#define KIND_OLDCUBIN	4
#define KIND_IR		8

#define FLAG_LZ4	0x2000		/* NVIDIA's LZ4-style compression */
#define FLAG_ZSTD	0x8000

/* Magic 0xBA55ED50, version 1, header size 16, all little-endian. */
static const unsigned char signature[8] = {
	0x50, 0xed, 0x55, 0xba, 0x01, 0x00, 0x10, 0x00
};
#define SIG_KEY_AT	3		/* memchr() looks for signature[3] */
#define TAIL_MAX	(sizeof(signature) - 1)

enum fb_state {
	FB_SEARCH,	/* looking for a signature from `pos` on */
	FB_STAGE,	/* collecting stage_need bytes at stage_off */
	FB_WAIT		/* skipping to wait_to, then staging or searching */
};

/* A container found, for fatbin_scan_finish_where(). */
struct fb_found {
	int64_t off, bytes;
	uint32_t n;
};

struct fatbin_scanner {
	int64_t pos;			/* offset of the next byte expected */
	enum fb_state state;

	/* Searched bytes at the end of the last chunk (ends at pos). */
	unsigned char tail[TAIL_MAX];
	size_t tail_len;

	/* A header being collected; while staging, stage_off + stage_have
	 * is the offset of the next byte to come. */
	unsigned char stage[CONT_HDR + ENTRY_HDR];
	int64_t stage_off;
	size_t stage_have, stage_need;
	bool stage_container;		/* container header + first entry */

	int64_t wait_to;
	bool wait_entry;		/* at wait_to: an entry, else search */

	/* The container being walked. */
	bool in_container;
	int64_t c_off, c_end;

	struct fatbin_arch *arch;
	size_t n_arch, cap_arch;
	int64_t total;
	uint32_t n_containers, n_entries, n_compressed, n_bad;
	struct fb_found *found;
	size_t n_found, cap_found;
};

static uint16_t
le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint64_t
le64(const unsigned char *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* acc += v, saturating: crafted sizes must not overflow the sums. */
static void
add(int64_t *acc, int64_t v)
{
	*acc = *acc > INT64_MAX - v ? INT64_MAX : *acc + v;
}

struct fatbin_scanner *
fatbin_scan_new(void)
{
	return xcalloc(1, sizeof(struct fatbin_scanner));
}

void
fatbin_scan_free(struct fatbin_scanner *sc)
{
	if (sc == NULL)
		return;
	free(sc->arch);
	free(sc->found);
	free(sc);
}

/*
 * Is the entry header h, at file offset e, consistent inside a container
 * ending at c_end?  These checks are what rejects false signature hits.
 */
static bool
entry_ok(const unsigned char *h, int64_t e, int64_t c_end)
{
	uint16_t kind = le16(h);
	uint32_t hsize = le32(h + 4), sm = le32(h + 28);
	uint64_t payload = le64(h + 8);

	if (kind != KIND_PTX && kind != KIND_ELF && kind != KIND_OLDCUBIN &&
	    kind != KIND_IR)
		return false;
	if (le16(h + 2) != 0x0101)
		return false;
	if (hsize < ENTRY_HDR || hsize > ENTRY_HDR_MAX)
		return false;
	if (sm < SM_MIN || sm > SM_MAX)
		return false;
	if (c_end - e < (int64_t)hsize ||
	    payload > (uint64_t)(c_end - e - (int64_t)hsize))
		return false;
	return true;
}

static struct fatbin_arch *
arch_slot(struct fatbin_scanner *sc, uint16_t sm)
{
	struct fatbin_arch *a;
	size_t i;

	for (i = 0; i < sc->n_arch; i++)
		if (sc->arch[i].sm == sm)
			return &sc->arch[i];
	xgrow((void **)&sc->arch, &sc->cap_arch, sc->n_arch + 1,
	    sizeof(*sc->arch));
	a = &sc->arch[sc->n_arch++];
	memset(a, 0, sizeof(*a));
	a->sm = sm;
	return a;
}

/* Count a valid entry header h; return the offset of the next entry. */
static int64_t
account(struct fatbin_scanner *sc, const unsigned char *h, int64_t e)
{
	uint16_t kind = le16(h);
	uint32_t hsize = le32(h + 4);
	int64_t stored = (int64_t)le64(h + 8), full = stored;
	uint64_t flags = le64(h + 40), dsize = le64(h + 56);
	struct fatbin_arch *a = arch_slot(sc, (uint16_t)le32(h + 28));

	if (flags & (FLAG_LZ4 | FLAG_ZSTD)) {
		sc->n_compressed++;
		if (dsize > 0 && dsize < (uint64_t)FATSIZE_MAX)
			full = (int64_t)dsize;
	}
	sc->n_entries++;
	switch (kind) {
	case KIND_PTX:
		a->n_ptx++;
		add(&a->ptx_bytes, stored);
		add(&a->ptx_uncompressed, full);
		break;
	case KIND_IR:
		a->n_ir++;
		add(&a->ir_bytes, stored);
		add(&a->ir_uncompressed, full);
		break;
	default:
		a->n_sass++;
		add(&a->sass_bytes, stored);
		add(&a->sass_uncompressed, full);
		break;
	}
	return e + (int64_t)hsize + stored;
}

/* The walk of the current container ends at `end`. */
static void
close_container(struct fatbin_scanner *sc, int64_t end, bool bad)
{
	struct fb_found *r;

	sc->in_container = false;
	add(&sc->total, end - sc->c_off);
	if (bad)
		sc->n_bad++;
	if (sc->n_found == FATBIN_LOCATE_MAX) {
		/* Past the bound, the last record takes the rest. */
		r = &sc->found[sc->n_found - 1];
		add(&r->bytes, end - sc->c_off);
		r->n++;
		return;
	}
	xgrow((void **)&sc->found, &sc->cap_found, sc->n_found + 1,
	    sizeof(*sc->found));
	r = &sc->found[sc->n_found++];
	r->off = sc->c_off;
	r->bytes = end - sc->c_off;
	r->n = 1;
}

/*
 * Search the staged bytes from index `from` on for a whole signature.
 * Found: restage from there (still FB_STAGE).  Not found: keep the last
 * bytes that could begin one as the search tail and go on searching.
 * Either way the next byte expected stays stage_off + stage_have.
 */
static void
research_stage(struct fatbin_scanner *sc, size_t from)
{
	size_t have = sc->stage_have, i, keep;

	for (i = from; i + sizeof(signature) <= have; i++) {
		if (memcmp(sc->stage + i, signature, sizeof(signature)) == 0) {
			memmove(sc->stage, sc->stage + i, have - i);
			sc->stage_off += (int64_t)i;
			sc->stage_have = have - i;
			sc->stage_need = CONT_HDR + ENTRY_HDR;
			sc->stage_container = true;
			sc->state = FB_STAGE;
			return;
		}
	}
	keep = have - from < TAIL_MAX ? have - from : TAIL_MAX;
	memcpy(sc->tail, sc->stage + have - keep, keep);
	sc->tail_len = keep;
	sc->state = FB_SEARCH;
}

/* After an entry: the next one is at `next`. */
static void
after_entry(struct fatbin_scanner *sc, int64_t next)
{
	if (sc->c_end - next < ENTRY_HDR) {
		/* The last entry (what is left is padding, if anything):
		 * the container is whole once its end has streamed past. */
		sc->wait_to = sc->c_end;
		sc->wait_entry = false;
	} else {
		sc->wait_to = next;
		sc->wait_entry = true;
	}
	sc->tail_len = 0;
	sc->state = FB_WAIT;
}

/* The staged bytes are complete: judge them. */
static void
process_stage(struct fatbin_scanner *sc)
{
	const unsigned char *s = sc->stage;

	if (sc->stage_container) {
		uint64_t fat = le64(s + 8);
		int64_t x = sc->stage_off;

		if (fat < ENTRY_HDR || fat > (uint64_t)FATSIZE_MAX ||
		    !entry_ok(s + CONT_HDR, x + CONT_HDR,
		    x + CONT_HDR + (int64_t)fat)) {
			research_stage(sc, 1);	/* a false hit */
			return;
		}
		sc->in_container = true;
		sc->c_off = x;
		sc->c_end = x + CONT_HDR + (int64_t)fat;
		sc->n_containers++;
		after_entry(sc, account(sc, s + CONT_HDR, x + CONT_HDR));
		return;
	}
	if (!entry_ok(s, sc->stage_off, sc->c_end)) {
		/* A broken container: count what was walked, search on. */
		close_container(sc, sc->stage_off, true);
		research_stage(sc, 0);
		return;
	}
	after_entry(sc, account(sc, s, sc->stage_off));
}

static void
stage_begin(struct fatbin_scanner *sc, int64_t off, bool container)
{
	sc->stage_off = off;
	sc->stage_have = 0;
	sc->stage_need = container ? CONT_HDR + ENTRY_HDR : ENTRY_HDR;
	sc->stage_container = container;
	sc->state = FB_STAGE;
}

/*
 * Look for a signature in p[0..n) (file offset off), the searched region
 * starting at index `at`.  Returns the index where the scan stopped: the
 * start of a hit (now being staged) or n.
 */
static size_t
search(struct fatbin_scanner *sc, const unsigned char *p, size_t n,
    int64_t off, size_t at)
{
	const unsigned char *q, *k, *lim;
	size_t avail = n - at, i, jl, keep;
	unsigned char j[2 * TAIL_MAX];

	if (sc->tail_len > 0) {
		/* A signature may start in the tail and end in p. */
		size_t more = avail < TAIL_MAX ? avail : TAIL_MAX;

		memcpy(j, sc->tail, sc->tail_len);
		memcpy(j + sc->tail_len, p + at, more);
		jl = sc->tail_len + more;
		for (i = 0; i < sc->tail_len && i + sizeof(signature) <= jl;
		    i++) {
			if (memcmp(j + i, signature, sizeof(signature)) != 0)
				continue;
			stage_begin(sc, off + (int64_t)at -
			    (int64_t)(sc->tail_len - i), true);
			memcpy(sc->stage, j + i, sc->tail_len - i);
			sc->stage_have = sc->tail_len - i;
			sc->tail_len = 0;
			return at;
		}
		if (avail < TAIL_MAX) {
			/* Too few new bytes to rule the tail out. */
			keep = jl < TAIL_MAX ? jl : TAIL_MAX;
			memmove(sc->tail, j + jl - keep, keep);
			sc->tail_len = keep;
			return n;
		}
		sc->tail_len = 0;
	}
	q = p + at;
	lim = p + n;
	while (lim - q >= (ptrdiff_t)sizeof(signature)) {
		k = memchr(q + SIG_KEY_AT, signature[SIG_KEY_AT],
		    (size_t)(lim - q) - sizeof(signature) + 1);
		if (k == NULL)
			break;
		if (memcmp(k - SIG_KEY_AT, signature, sizeof(signature)) == 0) {
			size_t hit = (size_t)(k - SIG_KEY_AT - p);

			stage_begin(sc, off + (int64_t)hit, true);
			return hit;
		}
		q = k - SIG_KEY_AT + 1;
	}
	keep = avail < TAIL_MAX ? avail : TAIL_MAX;
	memcpy(sc->tail, p + n - keep, keep);
	sc->tail_len = keep;
	return n;
}

void
fatbin_scan_feed(struct fatbin_scanner *sc, const void *buf, size_t n,
    int64_t offset)
{
	const unsigned char *p = buf;
	size_t at = 0, take;
	int64_t end = offset + (int64_t)n;

	if (n == 0)
		return;
	if (offset != sc->pos) {
		/* Not contiguous: whatever was under way is lost. */
		if (sc->in_container)
			close_container(sc, sc->pos < sc->c_end ? sc->pos :
			    sc->c_end, sc->pos < sc->c_end);
		sc->state = FB_SEARCH;
		sc->tail_len = 0;
	}
	while (at < n) {
		switch (sc->state) {
		case FB_SEARCH:
			at = search(sc, p, n, offset, at);
			break;
		case FB_WAIT:
			if (sc->wait_to >= end) {
				at = n;
				break;
			}
			at = (size_t)(sc->wait_to - offset);
			if (sc->wait_entry)
				stage_begin(sc, sc->wait_to, false);
			else {
				if (sc->in_container)
					close_container(sc, sc->c_end, false);
				sc->state = FB_SEARCH;
			}
			break;
		case FB_STAGE:
			take = sc->stage_need - sc->stage_have;
			if (take > n - at)
				take = n - at;
			memcpy(sc->stage + sc->stage_have, p + at, take);
			sc->stage_have += take;
			at += take;
			if (sc->stage_have == sc->stage_need)
				process_stage(sc);
			break;
		}
	}
	sc->pos = end;
}

static int
arch_cmp(const void *a, const void *b)
{
	const struct fatbin_arch *x = a, *y = b;

	return (x->sm > y->sm) - (x->sm < y->sm);
}

static void
add_where(struct fatbin_summary *out, const char *name,
    const struct fb_found *r)
{
	struct fatbin_where *w;
	size_t i;

	for (i = 0; i < out->n_where; i++)
		if (strcmp(out->where[i].section, name) == 0)
			break;
	if (i == out->n_where) {
		if (out->n_where == WHERE_MAX)
			i = WHERE_MAX - 1;	/* lump the rest together */
		else {
			out->where = xrealloc(out->where,
			    (out->n_where + 1) * sizeof(*out->where));
			out->where[i].section = xstrdup(name);
			out->where[i].bytes = 0;
			out->where[i].n_containers = 0;
			out->n_where++;
		}
	}
	w = &out->where[i];
	add(&w->bytes, r->bytes);
	w->n_containers += r->n;
}

void
fatbin_scan_finish_where(struct fatbin_scanner *sc, struct fatbin_summary *out,
    const char *(*locate)(void *arg, int64_t offset), void *arg)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	if (sc == NULL)
		return;
	if (sc->in_container)	/* bad if the data ended inside it */
		close_container(sc, sc->pos < sc->c_end ? sc->pos : sc->c_end,
		    sc->pos < sc->c_end);
	if (sc->n_arch > 0) {
		qsort(sc->arch, sc->n_arch, sizeof(*sc->arch), arch_cmp);
		out->arch = sc->arch;
		out->n_arch = sc->n_arch;
		sc->arch = NULL;
	}
	out->total_bytes = sc->total;
	out->n_containers = sc->n_containers;
	out->n_entries = sc->n_entries;
	out->n_compressed = sc->n_compressed;
	out->n_bad = sc->n_bad;
	for (i = 0; locate != NULL && i < sc->n_found; i++) {
		const char *name = locate(arg, sc->found[i].off);

		add_where(out, name != NULL ? name : "?", &sc->found[i]);
	}
	fatbin_scan_free(sc);
}

void
fatbin_scan_finish(struct fatbin_scanner *sc, struct fatbin_summary *out)
{
	fatbin_scan_finish_where(sc, out, NULL, NULL);
}

void
fatbin_summary_free(struct fatbin_summary *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n_where; i++)
		free(s->where[i].section);
	free(s->where);
	free(s->arch);
	memset(s, 0, sizeof(*s));
}
