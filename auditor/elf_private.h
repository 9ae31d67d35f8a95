/* SPDX-License-Identifier: MIT */
/*
 * elf_private.h: what elf.c (the streaming engine and the public calls)
 * and elf_tables.c (what the headers and tables say) share: the sniffer's
 * state, the byte ranges it waits for ("spans"), the windows it keeps,
 * and the readers of words in the file's byte order.  Not for callers.
 */
#ifndef IMGAUDIT_ELF_PRIVATE_H
#define IMGAUDIT_ELF_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "elf.h"

/* Values from the ELF gABI (as in glibc's <elf.h>, not needed here). */
#define PT_LOAD		1
#define PT_DYNAMIC	2
#define PT_INTERP	3
#define PF_X		1
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
enum fill_result { FILL_WAIT, FILL_DONE, FILL_GONE };

struct span {
	int64_t off;			/* file offset of the first byte */
	int64_t req;			/* the offset reached when asked for */
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
	uint32_t flags;			/* p_flags: PF_X, ... */
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
	int64_t prefix_seg;		/* > 0: cut at the first segment's end */
	int64_t phdrs_done_at;		/* ... the program headers are read */
	int64_t now;			/* where the span being handled ends */
	struct span *sp;
	size_t nsp, capsp;
	int64_t next_want;		/* no span needs a byte before this */

	uint8_t cls, be;		/* 1/2 (ELFCLASS32/64), big endian */
	uint16_t type, machine;
	uint32_t phentsize, phnum, shentsize, shstrndx;
	int64_t phoff, shoff;
	uint64_t entry;			/* e_entry */
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
	int64_t problem_at;		/* the offset reached when found */
};

/* Words at p, in the file's byte order; rdw is 4 or 8 bytes by class. */
static inline uint16_t
elf_rd16(const struct elf_sniffer *s, const unsigned char *p)
{
	return s->be ? (uint16_t)(p[0] << 8 | p[1]) :
	    (uint16_t)(p[1] << 8 | p[0]);
}

static inline uint32_t
elf_rd32(const struct elf_sniffer *s, const unsigned char *p)
{
	return s->be ?
	    (uint32_t)elf_rd16(s, p) << 16 | elf_rd16(s, p + 2) :
	    (uint32_t)elf_rd16(s, p + 2) << 16 | elf_rd16(s, p);
}

static inline uint64_t
elf_rd64(const struct elf_sniffer *s, const unsigned char *p)
{
	return s->be ?
	    (uint64_t)elf_rd32(s, p) << 32 | elf_rd32(s, p + 4) :
	    (uint64_t)elf_rd32(s, p + 4) << 32 | elf_rd32(s, p);
}

/* A word (Elf32_Word / Elf64_Xword, Addr, Off) at p. */
static inline uint64_t
elf_rdw(const struct elf_sniffer *s, const unsigned char *p)
{
	return s->cls == 2 ? elf_rd64(s, p) : elf_rd32(s, p);
}

/* Does [off, off+len) lie inside the file? */
static inline bool
elf_fits(const struct elf_sniffer *s, uint64_t off, uint64_t len)
{
	return off <= (uint64_t)s->size && len <= (uint64_t)s->size - off;
}

static inline unsigned char *
elf_span_data(struct span *sp)
{
	return sp->heap != NULL ? sp->heap : sp->small;
}

/* Note a structural problem (the one first in file order is kept). */
void elf_note(struct elf_sniffer *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Ask for len bytes at off; handled by kind once they have streamed. */
void elf_span_add(struct elf_sniffer *s, enum span_kind kind, int64_t off,
    uint32_t len, uint32_t idx, bool cstr);
/* Append to a window what of buf (n bytes at file offset off) it wants. */
void elf_keep_take(struct keep *k, const unsigned char *buf, int64_t off,
    size_t n);
/* Not ELF after all: stop reading and scanning. */
void elf_give_up(struct elf_sniffer *s);

/* elf_tables.c: the handlers of complete spans. */
void elf_on_ehdr(struct elf_sniffer *s, struct span *sp);
void elf_on_phdr(struct elf_sniffer *s, struct span *sp);
void elf_on_dyn(struct elf_sniffer *s, struct span *sp);
void elf_on_string(struct elf_sniffer *s, struct span *sp, bool gone);
void elf_on_shdr(struct elf_sniffer *s, struct span *sp);
/* Section i's name, or "" (noting the problem) when it is bad. */
const char *elf_sect_name(struct elf_sniffer *s, size_t i);
/* Fill what the section table says: strip savings, symtab, debuglink. */
void elf_section_facts(struct elf_sniffer *s, struct elf_facts *f);

#endif
