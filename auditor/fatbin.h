/* SPDX-License-Identifier: MIT */
/*
 * fatbin.h: find CUDA fatbin containers in a stream of bytes and sum the
 * GPU code they hold per architecture and kind (SASS, PTX, NVVM IR).
 *
 * Call sequence:
 *
 *	struct fatbin_scanner *sc = fatbin_scan_new();
 *	fatbin_scan_feed(sc, buf, n, offset);	 once per chunk, in order
 *	fatbin_scan_finish(sc, &summary);	 frees sc
 *	...
 *	fatbin_summary_free(&summary);
 *
 * Chunks come in file order and may have any size, down to one byte; a
 * container may straddle any number of them.  The scanner keeps a few
 * dozen bytes between calls, never a copy of the data.  `offset` is the
 * file offset of buf[0]; a gap or a step back starts the search afresh.
 *
 * Ownership: the summary owns its arrays and strings; fatbin_summary_free()
 * frees them (and accepts a zeroed summary).  Borrowed: nothing.
 *
 * Layout (kb-facts.md 4.3, NVIDIA fatbinary.h): a container is a 16-byte
 * header (magic 0xBA55ED50, version 1, header size 16, u64 size of what
 * follows) and then entries, each a header of at least 64 bytes (kind,
 * version 0x0101, header size, padded payload size, ..., SM number, flags,
 * decompressed size) and its payload.  A candidate is accepted only if its
 * first entry header is consistent (known kind, version, sizes that fit in
 * the container, SM number between 10 and 299), so random bytes that happen
 * to spell the magic are not counted.
 */
#ifndef IMGAUDIT_FATBIN_H
#define IMGAUDIT_FATBIN_H

#include <stddef.h>
#include <stdint.h>

/*
 * The code for one GPU architecture.  `*_bytes` are stored payload bytes
 * (as in the file: compressed when the entry is, padded to 8); `*_uncompressed`
 * use the decompressed size from the entry header when the entry is
 * compressed, else the stored size.  Entry headers are not included.
 */
struct fatbin_arch {
	uint16_t sm;			/* 50, 75, 80, 90, 100, 120 ... */
	uint32_t n_sass;		/* cubin (ELF) entries */
	uint32_t n_ptx;
	uint32_t n_ir;			/* NVVM IR (LTO) entries */
	int64_t sass_bytes, sass_uncompressed;
	int64_t ptx_bytes, ptx_uncompressed;
	int64_t ir_bytes, ir_uncompressed;
};

/* Where containers were found (by ELF section name); see elf.h. */
struct fatbin_where {
	char *section;			/* "?" when no section holds them */
	int64_t bytes;			/* container bytes, headers included */
	uint32_t n_containers;
};

struct fatbin_summary {
	struct fatbin_arch *arch;	/* sorted by sm */
	size_t n_arch;
	int64_t total_bytes;		/* containers: headers + entries */
	uint32_t n_containers;
	uint32_t n_entries;
	uint32_t n_compressed;		/* entries stored compressed */
	uint32_t n_bad;			/* containers cut short: a bad entry
					   header, or the data ended */
	struct fatbin_where *where;	/* filled by fatbin_scan_finish_where */
	size_t n_where;
};

struct fatbin_scanner;

/* A new scanner; never NULL (allocation failure aborts). */
struct fatbin_scanner *fatbin_scan_new(void);

/* The next chunk: n bytes at file offset `offset`. */
void fatbin_scan_feed(struct fatbin_scanner *sc, const void *buf, size_t n,
    int64_t offset);

/* Fill *out (overwritten, owned by the caller) and free sc. */
void fatbin_scan_finish(struct fatbin_scanner *sc, struct fatbin_summary *out);

/*
 * As fatbin_scan_finish, and also fill out->where: locate(arg, offset)
 * names the region (an ELF section) holding a container that starts at
 * `offset`, or returns NULL.  The name is borrowed and copied.  The
 * scanner remembers where the first FATBIN_LOCATE_MAX containers start
 * (16 bytes each; cuFFT has 23,984); later ones count with the last.
 */
#define FATBIN_LOCATE_MAX 65536
void fatbin_scan_finish_where(struct fatbin_scanner *sc,
    struct fatbin_summary *out,
    const char *(*locate)(void *arg, int64_t offset), void *arg);

/* Abandon a scan without a summary.  Accepts NULL. */
void fatbin_scan_free(struct fatbin_scanner *sc);

/* Free what a summary owns and zero it.  Accepts NULL. */
void fatbin_summary_free(struct fatbin_summary *s);

#endif
