/* SPDX-License-Identifier: MIT */
/*
 * elf.h: what an ELF file says about itself, learnt while its bytes stream
 * past once: class, byte order, type, machine, interpreter, the dynamic
 * section's names (DT_NEEDED, DT_SONAME, DT_RUNPATH, DT_RPATH), the bytes
 * that `strip` would save, and the CUDA fatbins inside (fatbin.h).
 *
 * Call sequence, for one file whose size is known up front (a tar header):
 *
 *	if (elf_magic(first_bytes, n)) {
 *		struct elf_sniffer *s = elf_sniff_new(size);
 *		elf_sniff_feed(s, buf, n);	 every chunk, in order
 *		elf_sniff_finish(s, &facts);	 frees s
 *		...
 *		elf_facts_free(&facts);
 *	}
 *
 * Chunks may have any size, from one byte to megabytes.  Memory is bounded
 * whatever the file claims: ELF_PREFIX_MAX of the file's start is kept
 * (while the dynamic string table might lie there), ELF_TAIL_WINDOW before
 * the section header table (for .shstrtab), and small records; everything
 * else is looked at in place.  A file that is not ELF after all, or that
 * lies (offsets past the end, a million sections, strings that never end)
 * yields facts with `problem` set, never a crash or an unbounded loop.
 *
 * Ownership: the facts own their strings and arrays; elf_facts_free()
 * frees them and accepts a zeroed struct.  A sniffer abandoned before
 * finishing is freed with elf_sniff_free().
 */
#ifndef IMGAUDIT_ELF_H
#define IMGAUDIT_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fatbin.h"

/* Bounds on what one sniffer keeps (see elf.c for the measurements). */
#define ELF_PREFIX_MAX	(8 << 20)	/* start of file, for .dynstr */
#define ELF_TAIL_WINDOW	(1 << 20)	/* before e_shoff, for .shstrtab */
#define ELF_SECTIONS_MAX 65536
#define ELF_NEEDED_MAX	512
#define ELF_STRING_MAX	4096		/* one dynamic string or interpreter */
/*
 * The most heap one sniffer holds, whatever the file's size or claims:
 * the prefix (8 MiB), the tail window (1 MiB), .shstrtab (1 MiB), 40
 * bytes per section (2.5 MiB), 516 strings of 4 KiB being read and kept
 * (4 MiB), the fatbin scanner's 65,536 container places (1.5 MiB), and
 * under 0.5 MiB of records.  Real files hold far less: libcublasLt
 * (542 MB) 9.1 MiB, a typical library a few kB (test_elf.c measures).
 */
#define ELF_MEMORY_MAX	(19 << 20)

/* e_type values the callers test. */
#define ELF_ET_REL	1
#define ELF_ET_EXEC	2
#define ELF_ET_DYN	3
#define ELF_ET_CORE	4

struct elf_facts {
	uint8_t elfclass;		/* 32 or 64; 0 when not ELF */
	uint8_t big_endian;
	uint16_t type;			/* ELF_ET_* */
	uint16_t machine;		/* e_machine: 62 x86-64, 183 aarch64 */
	char *interp;			/* PT_INTERP, or NULL */
	char *soname;			/* or NULL */
	char **needed;			/* DT_NEEDED, in file order */
	size_t n_needed;
	char *runpath;			/* DT_RUNPATH, or NULL */
	char *rpath;			/* DT_RPATH, or NULL */
	/*
	 * What `strip --strip-debug` would save: the non-allocated .debug_*,
	 * .zdebug_*, .gnu.debuglto_.debug_*, .gnu.linkonce.wi.*, .line*,
	 * .stab* and .gdb_index sections (and, in objects, their relocation
	 * sections), each with its section header and its name in .shstrtab.
	 */
	int64_t debug_bytes;
	/* What `strip --strip-unneeded` would save: the above plus, in
	 * executables and shared libraries, .symtab and its string table. */
	int64_t unneeded_bytes;
	bool has_debuglink;		/* .gnu_debuglink present */
	bool has_symtab;		/* an SHT_SYMTAB section */
	bool sections_read;		/* section table and names were read */
	struct fatbin_summary fatbin;	/* .where names ELF sections */
	char *problem;			/* first structural problem, or NULL */
};

struct elf_sniffer;

/* Do the first n bytes start with "\x7fELF"? */
bool elf_magic(const void *buf, size_t n);

/* A sniffer for a file of file_size bytes (negative: unknown). */
struct elf_sniffer *elf_sniff_new(int64_t file_size);

/* The file's next n bytes. */
void elf_sniff_feed(struct elf_sniffer *s, const void *buf, size_t n);

/*
 * Fill *out (overwritten; the caller owns it) and free s.  Fewer bytes fed
 * than file_size means a truncated file: `problem` says so when something
 * was missing.
 */
void elf_sniff_finish(struct elf_sniffer *s, struct elf_facts *out);

/* Abandon a sniffer without facts.  Accepts NULL. */
void elf_sniff_free(struct elf_sniffer *s);

/* Free what facts own and zero them.  Accepts NULL. */
void elf_facts_free(struct elf_facts *f);

#endif
