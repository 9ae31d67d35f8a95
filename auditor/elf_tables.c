/* SPDX-License-Identifier: MIT */
/*
 * elf_tables.c: what an ELF file's header, program headers, dynamic
 * section and section table say, one record at a time, as elf.c's engine
 * hands over each completed span.  Each handler reads its record, notes
 * what is wrong with it, and asks for the next records or for the strings
 * they name; nothing here waits for bytes or keeps windows.
 *
 * The strip estimates follow binutils: `strip --strip-debug` removes the
 * sections bfd flags SEC_DEBUGGING (non-allocated .debug*, .zdebug*,
 * .gnu.debuglto_.debug_*, .gnu.linkonce.wi.*, .line*, .stab*, .gdb_index;
 * bfd/elf.c, _bfd_elf_make_section_from_shdr) and, in objects, the
 * relocations that apply to them; `--strip-unneeded` also removes the
 * symbol table of a linked file.  Both also drop symbols from .symtab
 * (STT_FILE, section symbols), which is not read here: the unit tests
 * measure that difference against strip itself.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "elf.h"
#include "elf_private.h"

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
		elf_note(s, "dynamic section names strings but has no "
		    "DT_STRTAB");
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
		elf_note(s, "DT_STRTAB 0x%llx is in no loaded segment",
		    (unsigned long long)s->strtab);
		return;
	}
	if (soff >= (uint64_t)s->size) {
		elf_note(s, "dynamic string table at offset %llu lies past the "
		    "end of the file", (unsigned long long)soff);
		return;
	}
	if (!s->have_strsz || !elf_fits(s, soff, s->strsz)) {
		if (s->have_strsz)
			elf_note(s, "DT_STRSZ %llu runs past the end of the "
			    "file", (unsigned long long)s->strsz);
		s->strsz = (uint64_t)s->size - soff;
	}
	for (i = 0; i < N_SLOTS; i++) {
		uint64_t v = s->str_val[i], n;

		if (i == SLOT_INTERP || !s->str_set[i])
			continue;
		if (v >= s->strsz) {
			elf_note(s, "dynamic string offset %llu lies past the "
			    "string table (%llu bytes)", (unsigned long long)v,
			    (unsigned long long)s->strsz);
			continue;
		}
		n = s->strsz - v;
		if (n > ELF_STRING_MAX)
			n = ELF_STRING_MAX;
		elf_span_add(s, SP_STR, (int64_t)(soff + v), (uint32_t)n, i,
		    true);
	}
}

/* A string arrived (or could not be read). */
void
elf_on_string(struct elf_sniffer *s, struct span *sp, bool gone)
{
	if (gone) {
		if (sp->idx != SLOT_INTERP && s->have_dyn &&
		    sp->off < s->dyn_off && s->prefix_seg > 0 &&
		    sp->off >= s->prefix_seg)
			elf_note(s, "dynamic string table at offset %lld lies "
			    "before the dynamic section and past byte %lld, "
			    "where the first segment's code or end says it "
			    "should end", (long long)sp->off,
			    (long long)s->prefix_seg);
		else if (sp->idx != SLOT_INTERP && s->have_dyn &&
		    sp->off < s->dyn_off && sp->off >= ELF_PREFIX_MAX)
			elf_note(s, "dynamic string table at offset %lld lies "
			    "before the dynamic section and past the first "
			    "%d MiB, which are all that is kept",
			    (long long)sp->off, ELF_PREFIX_MAX >> 20);
		else
			elf_note(s, "string at offset %lld is no longer "
			    "available when it is needed", (long long)sp->off);
		return;
	}
	if (!sp->ended) {
		elf_note(s, "%s string at offset %lld is not terminated "
		    "within %u bytes", sp->idx == SLOT_INTERP ? "PT_INTERP" :
		    "dynamic", (long long)sp->off, sp->len);
		return;
	}
	free(s->str[sp->idx]);
	s->str[sp->idx] = xstrdup((const char *)elf_span_data(sp));
}

/*
 * Where .dynstr must end, from the program headers alone.  When the
 * segment that starts the file holds no code, .dynstr is in it: GNU ld's
 * -z separate-code (the default on x86-64 since binutils 2.31) and lld
 * put the headers, .dynsym, .dynstr, versions and relocations there, the
 * code after it.  When it holds code too (older linkers: CUDA's
 * libraries, LLVM's tools), those sections come before .text, and the
 * entry point is in .text (ld's default entry is .text's first byte).
 * Measured on the 2,921 ELF files with a dynamic section in Debian 12's
 * /usr/lib, /usr/bin, /usr/sbin, /usr/libexec and CUDA 13's lib and bin:
 * 2,480 start with a segment without code and 138 with code and an entry
 * point inside it; every DT_NEEDED/SONAME/RUNPATH string before .dynamic
 * lies before the cut, and the prefixes copied add up to 217 MB instead
 * of 1,233 (libcublasLt still keeps 8 MiB: its entry is further).  The
 * same held for 728 more built by rustc, Go and pyenv's CPython (rustup's
 * toolchains, pip wheels, /usr/local/bin), 236 MB down to 95.  A file
 * that puts a string past the cut gets a `problem`, as past
 * ELF_PREFIX_MAX.
 */
static void
cut_prefix(struct elf_sniffer *s)
{
	const struct load *first = NULL;
	uint64_t end;
	size_t i;

	for (i = 0; i < s->n_loads; i++)
		if (s->loads[i].off == 0 && (first == NULL ||
		    s->loads[i].filesz > first->filesz))
			first = &s->loads[i];
	if (first == NULL)
		return;
	end = first->filesz;
	if (first->flags & PF_X)	/* no entry point inside: no bound */
		end = s->entry > first->vaddr && s->entry - first->vaddr < end ?
		    s->entry - first->vaddr : 0;
	if (end > 0 && (uint64_t)s->prefix.len > end) {
		s->prefix.len = (int64_t)end;
		s->prefix_seg = (int64_t)end;
	}
}

static void
phdrs_finished(struct elf_sniffer *s)
{
	uint64_t n;

	if (s->have_interp) {
		if (!elf_fits(s, (uint64_t)s->interp_off,
		    (uint64_t)s->interp_size) || s->interp_size == 0)
			elf_note(s, "PT_INTERP lies outside the file");
		else {
			n = (uint64_t)s->interp_size;
			if (n > ELF_STRING_MAX)
				n = ELF_STRING_MAX;
			elf_span_add(s, SP_STR, s->interp_off, (uint32_t)n,
			    SLOT_INTERP, true);
		}
	}
	/*
	 * .dynstr before .dynamic is what the prefix is kept for: it ends
	 * there, and without a dynamic section to read nothing is kept.
	 */
	s->phdrs_done_at = s->now;
	if (!s->have_dyn ||
	    !elf_fits(s, (uint64_t)s->dyn_off, (uint64_t)s->dyn_size)) {
		s->prefix.len = 0;
		if (s->have_dyn)
			elf_note(s, "PT_DYNAMIC (offset %lld, %lld bytes) runs "
			    "past the end of the file", (long long)s->dyn_off,
			    (long long)s->dyn_size);
		return;
	}
	if (s->prefix.len > s->dyn_off)
		s->prefix.len = s->dyn_off;
	cut_prefix(s);
	n = (uint64_t)s->dyn_size / (s->cls == 2 ? 16 : 8);
	if (n > DYN_MAX)
		n = DYN_MAX;
	s->n_dyn = (uint32_t)n;
	if (n == 0) {
		dyn_finished(s);
		return;
	}
	elf_span_add(s, SP_DYN, s->dyn_off, s->cls == 2 ? 16 : 8, 0, false);
}

void
elf_on_phdr(struct elf_sniffer *s, struct span *sp)
{
	const unsigned char *p = elf_span_data(sp);
	uint32_t type = elf_rd32(s, p);
	uint64_t off, vaddr, filesz;
	uint32_t flags;
	struct load *l;

	if (s->cls == 2) {
		flags = elf_rd32(s, p + 4);
		off = elf_rd64(s, p + 8);
		vaddr = elf_rd64(s, p + 16);
		filesz = elf_rd64(s, p + 32);
	} else {
		off = elf_rd32(s, p + 4);
		vaddr = elf_rd32(s, p + 8);
		filesz = elf_rd32(s, p + 16);
		flags = elf_rd32(s, p + 24);
	}
	if (off > INT64_MAX || filesz > INT64_MAX)
		off = filesz = 0;
	switch (type) {
	case PT_LOAD:
		if (s->n_loads == LOADS_MAX) {
			elf_note(s, "more than %d PT_LOAD segments", LOADS_MAX);
			break;
		}
		xgrow((void **)&s->loads, &s->cap_loads, s->n_loads + 1,
		    sizeof(*s->loads));
		l = &s->loads[s->n_loads++];
		l->vaddr = vaddr;
		l->filesz = filesz;
		l->off = (int64_t)off;
		l->flags = flags;
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
		elf_span_add(s, SP_PHDR, sp->off + s->phentsize, s->phentsize,
		    sp->idx + 1, false);
	else
		phdrs_finished(s);
}

void
elf_on_dyn(struct elf_sniffer *s, struct span *sp)
{
	const unsigned char *p = elf_span_data(sp);
	int64_t tag;
	uint64_t val;
	uint32_t slot = N_SLOTS;

	if (s->cls == 2) {
		tag = (int64_t)elf_rd64(s, p);
		val = elf_rd64(s, p + 8);
	} else {
		tag = (int32_t)elf_rd32(s, p);
		val = elf_rd32(s, p + 4);
	}
	switch (tag) {
	case DT_NULL:
		dyn_finished(s);
		return;
	case DT_NEEDED:
		if (s->n_needed == ELF_NEEDED_MAX)
			elf_note(s, "more than %d DT_NEEDED entries",
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
		elf_span_add(s, SP_DYN, sp->off + sp->len, sp->len, sp->idx + 1,
		    false);
	else
		dyn_finished(s);
}

static void
sections_finished(struct elf_sniffer *s)
{
	const struct sect *t;

	if (s->shstrndx == 0) {
		elf_note(s, "no section name table (e_shstrndx is 0)");
		return;
	}
	if (s->shstrndx >= s->n_sect) {
		elf_note(s, "e_shstrndx %u is not a section (%zu sections)",
		    s->shstrndx, s->n_sect);
		return;
	}
	t = &s->sect[s->shstrndx];
	if (t->type == SHT_NOBITS || t->size == 0 ||
	    !elf_fits(s, (uint64_t)t->off, (uint64_t)t->size)) {
		elf_note(s, "section name table (offset %lld, %lld bytes) lies "
		    "outside the file", (long long)t->off, (long long)t->size);
		return;
	}
	if (t->size > SHSTRTAB_MAX) {
		elf_note(s, "section name table of %lld bytes, more than the "
		    "%d read", (long long)t->size, SHSTRTAB_MAX);
		return;
	}
	elf_span_add(s, SP_SHSTR, t->off, (uint32_t)t->size, 0, false);
}

void
elf_on_shdr(struct elf_sniffer *s, struct span *sp)
{
	const unsigned char *p = elf_span_data(sp);
	struct sect x;

	x.name = elf_rd32(s, p);
	x.type = elf_rd32(s, p + 4);
	x.flags = elf_rdw(s, p + 8);
	if (s->cls == 2) {
		x.off = (int64_t)(elf_rd64(s, p + 24) & INT64_MAX);
		x.size = (int64_t)(elf_rd64(s, p + 32) & INT64_MAX);
		x.link = elf_rd32(s, p + 40);
		x.info = elf_rd32(s, p + 44);
	} else {
		x.off = elf_rd32(s, p + 16);
		x.size = elf_rd32(s, p + 20);
		x.link = elf_rd32(s, p + 24);
		x.info = elf_rd32(s, p + 28);
	}
	if (sp->idx == 0) {
		/* Section 0 carries the counts that overflow the header. */
		if (s->sh_count == 0)
			s->sh_count = (uint64_t)x.size;
		if (s->shstrndx == SHN_XINDEX)
			s->shstrndx = x.link;
		if (s->sh_count == 0)
			return;		/* no sections after all */
		if (!elf_fits(s, (uint64_t)s->shoff, s->sh_count > UINT64_MAX /
		    s->shentsize ? UINT64_MAX : s->sh_count * s->shentsize)) {
			elf_note(s, "section header table runs past the end of "
			    "the file (offset %lld, %llu sections claimed)",
			    (long long)s->shoff,
			    (unsigned long long)s->sh_count);
			return;
		}
		if (s->sh_count > ELF_SECTIONS_MAX) {
			elf_note(s, "%llu sections claimed, more than the %d "
			    "read", (unsigned long long)s->sh_count,
			    ELF_SECTIONS_MAX);
			return;
		}
	}
	xgrow((void **)&s->sect, &s->cap_sect, s->n_sect + 1, sizeof(*s->sect));
	s->sect[s->n_sect++] = x;
	if (sp->idx + 1 < s->sh_count)
		elf_span_add(s, SP_SHDR, sp->off + s->shentsize, s->shentsize,
		    sp->idx + 1, false);
	else
		sections_finished(s);
}

void
elf_on_ehdr(struct elf_sniffer *s, struct span *sp)
{
	const unsigned char *p = elf_span_data(sp);
	uint32_t shnum;
	uint64_t phoff, shoff, shsize;
	bool bad = true;

	if (sp->have >= 6 && (p[4] < 1 || p[4] > 2 || p[5] < 1 || p[5] > 2))
		elf_note(s, "not an ELF file: class %u, data %u", p[4], p[5]);
	else if (sp->have < 52 || (p[4] == 2 && sp->have < 64))
		elf_note(s, "truncated ELF header (%u bytes)", sp->have);
	else
		bad = false;
	if (bad) {
		elf_give_up(s);
		return;
	}
	s->cls = p[4];
	s->be = p[5] == 2;
	s->type = elf_rd16(s, p + 16);
	s->machine = elf_rd16(s, p + 18);
	if (s->cls == 2) {
		s->entry = elf_rd64(s, p + 24);
		phoff = elf_rd64(s, p + 32);
		shoff = elf_rd64(s, p + 40);
		p += 54;
	} else {
		s->entry = elf_rd32(s, p + 24);
		phoff = elf_rd32(s, p + 28);
		shoff = elf_rd32(s, p + 32);
		p += 42;
	}
	s->phentsize = elf_rd16(s, p);
	s->phnum = elf_rd16(s, p + 2);
	s->shentsize = elf_rd16(s, p + 4);
	shnum = elf_rd16(s, p + 6);
	s->shstrndx = elf_rd16(s, p + 8);

	if (s->phnum == 0) {
		phdrs_finished(s);
	} else if (s->phnum == PN_XNUM) {
		elf_note(s, "extended program header count (PN_XNUM) is not "
		    "supported");
		phdrs_finished(s);
	} else if (s->phentsize != (s->cls == 2 ? 56u : 32u)) {
		elf_note(s, "program header entries of %u bytes", s->phentsize);
		phdrs_finished(s);
	} else if (!elf_fits(s, phoff, (uint64_t)s->phnum * s->phentsize)) {
		elf_note(s, "program headers (offset %llu, %u entries) run "
		    "past the end of the file", (unsigned long long)phoff,
		    s->phnum);
		phdrs_finished(s);
	} else {
		s->phoff = (int64_t)phoff;
		elf_span_add(s, SP_PHDR, s->phoff, s->phentsize, 0, false);
	}

	if (shoff == 0)
		return;
	if (s->shentsize != (s->cls == 2 ? 64u : 40u)) {
		elf_note(s, "section header entries of %u bytes", s->shentsize);
		return;
	}
	shsize = (uint64_t)(shnum ? shnum : 1) * s->shentsize;
	if (!elf_fits(s, shoff, shsize)) {
		elf_note(s, "section header table runs past the end of the "
		    "file (offset %llu, %u sections claimed)",
		    (unsigned long long)shoff, shnum);
		return;
	}
	s->shoff = (int64_t)shoff;
	s->sh_count = shnum;		/* 0: the count is in section 0 */
	elf_span_add(s, SP_SHDR, s->shoff, s->shentsize, 0, false);
	/* Keep the bytes before the table, where .shstrtab usually is. */
	s->tailw.off = s->shoff - ELF_TAIL_WINDOW;
	if (s->tailw.off < s->now)
		s->tailw.off = s->now;
	s->tailw.len = s->shoff - s->tailw.off;
	if (s->tailw.len > 0)
		elf_keep_take(&s->tailw, s->cur, s->cur_off, s->cur_len);
	else
		s->tailw.len = 0;
}

/* a + b for b >= 0, saturating: hostile sizes must not overflow. */
static int64_t
sat_add(int64_t a, int64_t b)
{
	return a > INT64_MAX - b ? INT64_MAX : a + b;
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
const char *
elf_sect_name(struct elf_sniffer *s, size_t i)
{
	uint32_t off = s->sect[i].name;

	if (off >= s->shstr_len) {
		elf_note(s, "section %zu: name offset %u lies past the section "
		    "name table (%zu bytes)", i, off, s->shstr_len);
		return "";
	}
	if (memchr(s->shstr + off, 0, s->shstr_len - off) == NULL) {
		elf_note(s, "section %zu: name is not terminated", i);
		return "";
	}
	return (const char *)s->shstr + off;
}

enum { MARK_KEEP, MARK_DEBUG, MARK_UNNEEDED };

/* Section facts: what strip would save, symtab, debuglink. */
void
elf_section_facts(struct elf_sniffer *s, struct elf_facts *f)
{
	unsigned char *mark = xcalloc(s->n_sect ? s->n_sect : 1, 1);
	int64_t debug = 0, unneeded = 0, b;
	const struct sect *t;
	const char *name;
	size_t i;
	bool linked = f->type == ELF_ET_EXEC || f->type == ELF_ET_DYN;

	for (i = 1; i < s->n_sect; i++) {
		t = &s->sect[i];
		name = elf_sect_name(s, i);
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
			if (!elf_fits(s, (uint64_t)t->off, (uint64_t)t->size)) {
				elf_note(s, "section %zu (offset %lld, %lld "
				    "bytes) runs past the end of the file", i,
				    (long long)t->off, (long long)t->size);
				b = t->off < s->size ? s->size - t->off : 0;
			} else
				b = t->size;
		}
		/* The section header and the name go too. */
		b = sat_add(b, s->shentsize +
		    (int64_t)strlen(elf_sect_name(s, i)) + 1);
		if (mark[i] == MARK_DEBUG)
			debug = sat_add(debug, b);
		unneeded = sat_add(unneeded, b);
	}
	free(mark);
	if (unneeded > s->size) {
		elf_note(s, "sections overlap: %lld bytes claimed in a file of "
		    "%lld", (long long)unneeded, (long long)s->size);
		unneeded = s->size;
		if (debug > unneeded)
			debug = unneeded;
	}
	f->debug_bytes = debug;
	f->unneeded_bytes = unneeded;
}
