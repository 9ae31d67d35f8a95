/* SPDX-License-Identifier: MIT */
/*
 * test_fatbin.c: the fatbin scanner on containers written here, byte by
 * byte, from the layout in kb-facts.md 4.3 (the expected sums come from
 * the entries the test wrote, never from the scanner), fed whole, in
 * chunks of every size from 1 to 20 bytes, and split at every offset.
 *
 * With nvcc ($NVCC or /usr/local/cuda/bin/nvcc) a kernel is compiled for sm_80,
 * sm_90 and compute_90 with --keep, and the scanner must find in the
 * executable exactly the cubins and PTX that nvcc left behind.  With CUDA
 * libraries on the machine, it measures libcublasLt, cuDNN's precompiled
 * engines and NCCL, prints per-architecture bytes and timings, and checks
 * every figure against tests/e2e/fatbin_walk.py, an independent walker
 * (Python, section by section, 8-aligned) when $REPO names the tree.
 * Both skip, saying why, when the tools or libraries are absent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <glob.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common.h"
#include "elf.h"
#include "fatbin.h"

#define NELEM(v) (sizeof(v) / sizeof((v)[0]))

/* ---- writing containers -------------------------------------------------- */

struct ent {
	uint16_t kind;		/* 1 PTX, 2 ELF, 8 NVVM IR */
	uint32_t sm;
	uint32_t hsize;		/* entry header size, >= 64 */
	uint32_t payload;	/* stored (padded) payload size */
	uint64_t flags;		/* 0x2000 LZ4, 0x8000 ZSTD */
	uint64_t dsize;		/* decompressed size */
	int hide_signature;	/* put a container signature in the payload */
};

struct buf {
	unsigned char *p;
	size_t n, cap;
};

static void
put(struct buf *b, const void *d, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 256;
		b->p = realloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, d, n);
	b->n += n;
}

static void
put_le(struct buf *b, uint64_t v, int width)
{
	unsigned char x[8];
	int i;

	for (i = 0; i < width; i++)
		x[i] = (unsigned char)(v >> (8 * i));
	put(b, x, (size_t)width);
}

/* Bytes rich in 0xBA and half signatures, to keep the search busy. */
static void
put_noise(struct buf *b, size_t n, unsigned seed)
{
	static const unsigned char half[] = { 0x50, 0xed, 0x55, 0xba, 0x01 };
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)(seed * 31 + i * 7);

		if (i % 11 == 3)
			c = 0xba;
		put(b, &c, 1);
		if (i % 97 == 50 && i + sizeof(half) < n) {
			put(b, half, sizeof(half));
			i += sizeof(half);
		}
	}
}

static const unsigned char sig[8] = {
	0x50, 0xed, 0x55, 0xba, 0x01, 0x00, 0x10, 0x00
};

/* One container holding v[0..n); returns its size in bytes. */
static size_t
put_container(struct buf *b, const struct ent *v, size_t n)
{
	uint64_t fat = 0;
	size_t i, j, start = b->n;

	for (i = 0; i < n; i++)
		fat += v[i].hsize + v[i].payload;
	put(b, sig, 8);
	put_le(b, fat, 8);
	for (i = 0; i < n; i++) {
		put_le(b, v[i].kind, 2);
		put_le(b, 0x0101, 2);
		put_le(b, v[i].hsize, 4);
		put_le(b, v[i].payload, 8);
		put_le(b, v[i].flags ? v[i].payload - 3 : 0, 4);
		put_le(b, v[i].kind == 1 ? 64 : 0, 4);
		put_le(b, 8, 2);	/* minor */
		put_le(b, 1, 2);	/* major */
		put_le(b, v[i].sm, 4);
		put_le(b, 0, 4);
		put_le(b, 0, 4);
		put_le(b, 0x11 | v[i].flags, 8);
		put_le(b, 0, 8);
		put_le(b, v[i].dsize, 8);
		for (j = 64; j < v[i].hsize; j++)
			put_le(b, 0, 1);
		if (v[i].hide_signature && v[i].payload >= 96) {
			/* A whole valid-looking container inside a payload:
			 * payloads are skipped, so it must not count. */
			put(b, sig, 8);
			put_le(b, 72, 8);
			put_le(b, 2, 2);
			put_le(b, 0x0101, 2);
			put_le(b, 64, 4);
			put_le(b, 8, 8);
			for (j = 32; j < v[i].payload; j++)
				put_le(b, j == 44 ? 90 : 0, 1);	/* sm 90 */
		} else
			put_noise(b, v[i].payload, (unsigned)i);
	}
	return b->n - start;
}

/* ---- summaries ----------------------------------------------------------- */

static const struct fatbin_arch *
arch(const struct fatbin_summary *s, unsigned sm)
{
	size_t i;

	for (i = 0; i < s->n_arch; i++)
		if (s->arch[i].sm == sm)
			return &s->arch[i];
	return NULL;
}

static void
assert_same(const struct fatbin_summary *a, const struct fatbin_summary *b)
{
	assert_int_equal(a->n_arch, b->n_arch);
	if (a->n_arch > 0)
		assert_memory_equal(a->arch, b->arch,
		    a->n_arch * sizeof(*a->arch));
	assert_int_equal(a->total_bytes, b->total_bytes);
	assert_int_equal(a->n_containers, b->n_containers);
	assert_int_equal(a->n_entries, b->n_entries);
	assert_int_equal(a->n_compressed, b->n_compressed);
	assert_int_equal(a->n_bad, b->n_bad);
}

/* Scan p[0..n) in chunks of `chunk` bytes (0: one split at `split`). */
static void
scan(const unsigned char *p, size_t n, size_t chunk, size_t split,
    struct fatbin_summary *out)
{
	struct fatbin_scanner *sc = fatbin_scan_new();
	size_t at = 0, k;

	if (chunk == 0) {
		fatbin_scan_feed(sc, p, split, 0);
		fatbin_scan_feed(sc, p + split, n - split, (int64_t)split);
	} else {
		for (at = 0; at < n; at += k) {
			k = n - at < chunk ? n - at : chunk;
			fatbin_scan_feed(sc, p + at, k, (int64_t)at);
		}
	}
	fatbin_scan_finish(sc, out);
}

/* ---- tests --------------------------------------------------------------- */

/* Two containers, three archs, both compressions, noise, a false hit. */
static void
test_handmade(void **state)
{
	static const struct ent a[] = {
		{ 2, 80, 64, 1000, 0, 0, 0 },
		{ 2, 90, 64, 504, 0x8000, 4000, 0 },
		{ 1, 90, 80, 200, 0x2000, 800, 0 },
	};
	static const struct ent b[] = {
		{ 8, 75, 64, 96, 0, 0, 0 },
		{ 2, 120, 64, 128, 0, 0, 1 },
	};
	struct buf bb = { 0 };
	struct fatbin_summary ref, got;
	const struct fatbin_arch *x;
	size_t la, lb, chunk, split;

	(void)state;
	put_noise(&bb, 100, 1);
	put(&bb, sig, 7);		/* a signature cut short */
	la = put_container(&bb, a, NELEM(a));
	put_noise(&bb, 37, 2);
	put(&bb, sig, 8);		/* a false hit: kind 3 */
	put_le(&bb, 200, 8);
	put_le(&bb, 3, 2);
	put_noise(&bb, 90, 3);
	lb = put_container(&bb, b, NELEM(b));
	put_noise(&bb, 13, 4);

	scan(bb.p, bb.n, bb.n, 0, &ref);
	assert_int_equal(ref.n_containers, 2);
	assert_int_equal(ref.n_entries, 5);
	assert_int_equal(ref.n_compressed, 2);
	assert_int_equal(ref.n_bad, 0);
	assert_int_equal(ref.total_bytes, (int64_t)(la + lb));
	assert_int_equal(ref.n_arch, 4);
	assert_int_equal(ref.arch[0].sm, 75);	/* sorted */
	assert_int_equal(ref.arch[3].sm, 120);
	x = arch(&ref, 80);
	assert_non_null(x);
	assert_int_equal(x->n_sass, 1);
	assert_int_equal(x->sass_bytes, 1000);
	assert_int_equal(x->sass_uncompressed, 1000);
	x = arch(&ref, 90);
	assert_non_null(x);
	assert_int_equal(x->n_sass, 1);
	assert_int_equal(x->sass_bytes, 504);
	assert_int_equal(x->sass_uncompressed, 4000);
	assert_int_equal(x->n_ptx, 1);
	assert_int_equal(x->ptx_bytes, 200);
	assert_int_equal(x->ptx_uncompressed, 800);
	x = arch(&ref, 75);
	assert_non_null(x);
	assert_int_equal(x->n_ir, 1);
	assert_int_equal(x->ir_bytes, 96);
	assert_int_equal(x->n_sass + x->n_ptx, 0);
	x = arch(&ref, 120);
	assert_non_null(x);
	assert_int_equal(x->sass_bytes, 128);

	for (chunk = 1; chunk <= 20; chunk++) {
		scan(bb.p, bb.n, chunk, 0, &got);
		assert_same(&ref, &got);
		fatbin_summary_free(&got);
	}
	scan(bb.p, bb.n, 4096, 0, &got);
	assert_same(&ref, &got);
	fatbin_summary_free(&got);
	for (split = 0; split <= bb.n; split++) {
		scan(bb.p, bb.n, 0, split, &got);
		assert_same(&ref, &got);
		fatbin_summary_free(&got);
	}
	fatbin_summary_free(&ref);
	free(bb.p);
}

/* A signature whose first entry is wrong in one way is not a container. */
static void
test_false_hits(void **state)
{
	/* field offset in the entry, width, bad value */
	static const struct { int off, width; uint64_t v; } bad[] = {
		{ 0, 2, 3 },		/* unknown kind */
		{ 2, 2, 0x0102 },	/* entry version */
		{ 4, 4, 32 },		/* header too small */
		{ 4, 4, 4096 },		/* header too large */
		{ 28, 4, 5 },		/* sm 5 */
		{ 28, 4, 300 },		/* sm 300 */
		{ 8, 8, 100000 },	/* payload past the container */
		{ -8, 8, 16 },		/* container smaller than an entry */
	};
	static const struct ent one[] = { { 2, 80, 64, 64, 0, 0, 0 } };
	struct fatbin_summary got;
	struct buf bb;
	size_t i, c, chunks[] = { 1, 5, 100000 };

	(void)state;
	for (i = 0; i < NELEM(bad); i++) {
		memset(&bb, 0, sizeof(bb));
		put_noise(&bb, 40, 5);
		put_container(&bb, one, 1);
		put_noise(&bb, 40, 6);
		{
			unsigned char *e = bb.p + 40 + 16 + bad[i].off;
			int k;

			for (k = 0; k < bad[i].width; k++)
				e[k] = (unsigned char)(bad[i].v >> (8 * k));
		}
		for (c = 0; c < NELEM(chunks); c++) {
			scan(bb.p, bb.n, chunks[c], 0, &got);
			assert_int_equal(got.n_containers, 0);
			assert_int_equal(got.n_arch, 0);
			assert_int_equal(got.total_bytes, 0);
			fatbin_summary_free(&got);
		}
		free(bb.p);
	}

	/* A real container starting inside the 80 bytes a false hit
	 * staged must still be found, whatever the chunking. */
	memset(&bb, 0, sizeof(bb));
	put_noise(&bb, 9, 7);
	put(&bb, sig, 8);
	put_le(&bb, 4, 8);		/* fatSize 4: false */
	put_le(&bb, 0, 8);
	put_container(&bb, one, 1);
	put_noise(&bb, 9, 8);
	for (c = 1; c <= 12; c++) {
		scan(bb.p, bb.n, c, 0, &got);
		assert_int_equal(got.n_containers, 1);
		assert_int_equal(got.total_bytes, 16 + 64 + 64);
		fatbin_summary_free(&got);
	}
	free(bb.p);
}

/* A bad second entry ends the container; the scan goes on after it. */
static void
test_bad_entry(void **state)
{
	static const struct ent a[] = {
		{ 2, 80, 64, 256, 0, 0, 0 },
		{ 2, 86, 64, 256, 0, 0, 0 },
		{ 2, 89, 64, 256, 0, 0, 0 },
	};
	static const struct ent b[] = { { 2, 100, 64, 128, 0, 0, 0 } };
	struct fatbin_summary got;
	struct buf bb = { 0 };
	size_t c;

	(void)state;
	put_container(&bb, a, NELEM(a));
	bb.p[16 + 64 + 256 + 2] = 0x07;	/* entry 2: version 0x0107 */
	put_container(&bb, b, 1);
	for (c = 1; c <= 9; c += 4) {
		scan(bb.p, bb.n, c, 0, &got);
		assert_int_equal(got.n_containers, 2);
		assert_int_equal(got.n_bad, 1);
		assert_int_equal(got.n_entries, 2);	/* sm_80, sm_100 */
		assert_non_null(arch(&got, 80));
		assert_null(arch(&got, 86));
		assert_non_null(arch(&got, 100));
		/* the walked part of the first, all of the second */
		assert_int_equal(got.total_bytes,
		    16 + 64 + 256 + 16 + 64 + 128);
		fatbin_summary_free(&got);
	}
	free(bb.p);
}

/* The data ends inside a container; a gap in offsets restarts. */
static void
test_truncated_and_gap(void **state)
{
	static const struct ent a[] = {
		{ 2, 80, 64, 512, 0, 0, 0 },
		{ 2, 90, 64, 512, 0, 0, 0 },
	};
	struct fatbin_scanner *sc;
	struct fatbin_summary got;
	struct buf bb = { 0 };
	size_t len;

	(void)state;
	len = put_container(&bb, a, NELEM(a));
	scan(bb.p, len - 100, 7, 0, &got);
	assert_int_equal(got.n_containers, 1);
	assert_int_equal(got.n_bad, 1);
	assert_int_equal(got.n_entries, 2);	/* both headers were seen */
	assert_int_equal(got.total_bytes, (int64_t)len - 100);
	fatbin_summary_free(&got);

	/* First half, then a jump: the container is abandoned, and one
	 * fed at its true offset after the gap is found. */
	sc = fatbin_scan_new();
	fatbin_scan_feed(sc, bb.p, 200, 0);
	fatbin_scan_feed(sc, bb.p, len, 100000);
	fatbin_scan_finish(sc, &got);
	assert_int_equal(got.n_containers, 2);
	assert_int_equal(got.n_bad, 1);
	fatbin_summary_free(&got);
	fatbin_scan_free(NULL);
	fatbin_summary_free(NULL);
	free(bb.p);
}

static const char *
halves(void *arg, int64_t off)
{
	return off < *(int64_t *)arg ? "first" : NULL;
}

static void
test_where(void **state)
{
	static const struct ent a[] = { { 2, 80, 64, 64, 0, 0, 0 } };
	struct fatbin_scanner *sc = fatbin_scan_new();
	struct fatbin_summary got;
	struct buf bb = { 0 };
	int64_t mid;
	size_t len;

	(void)state;
	len = put_container(&bb, a, 1);
	put_container(&bb, a, 1);
	put_noise(&bb, 50, 9);
	mid = (int64_t)bb.n;
	put_container(&bb, a, 1);
	fatbin_scan_feed(sc, bb.p, bb.n, 0);
	fatbin_scan_finish_where(sc, &got, halves, &mid);
	assert_int_equal(got.n_containers, 3);
	assert_int_equal(got.n_where, 2);
	assert_string_equal(got.where[0].section, "first");
	assert_int_equal(got.where[0].n_containers, 2);
	assert_int_equal(got.where[0].bytes, (int64_t)(2 * len));
	assert_string_equal(got.where[1].section, "?");
	assert_int_equal(got.where[1].n_containers, 1);
	fatbin_summary_free(&got);
	free(bb.p);
}

/* ---- nvcc ---------------------------------------------------------------- */

/* nvcc: $NVCC, else CUDA's usual place. */
static const char *
nvcc(void)
{
	const char *p = getenv("NVCC");

	return p != NULL && *p != '\0' ? p : "/usr/local/cuda/bin/nvcc";
}

static char scratch[512];

static void
rm_scratch(void)
{
	char cmd[600];

	if (scratch[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
		if (system(cmd) != 0)
			print_message("could not remove %s\n", scratch);
		scratch[0] = '\0';
	}
}

static const char *
make_scratch(void)
{
	const char *t = getenv("TMPDIR");

	snprintf(scratch, sizeof(scratch), "%s/test_fatbin.XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp");
	assert_non_null(mkdtemp(scratch));
	return scratch;
}

static unsigned char *
slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	unsigned char *p;
	long len;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	p = malloc((size_t)len + 1);
	assert_int_equal(fread(p, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	*n = (size_t)len;
	return p;
}

/* The size in bytes of section `name` as readelf -S -W prints it. */
static long long
readelf_section_size(const char *path, const char *name)
{
	char cmd[1200], line[512], nm[128], type[64];
	long long size = -1;
	unsigned long long addr, off, sz;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "readelf -S -W '%s'", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p) != NULL) {
		char *q = strchr(line, ']');

		if (q != NULL && sscanf(q + 1, "%127s %63s %llx %llx %llx", nm,
		    type, &addr, &off, &sz) == 5 && strcmp(nm, name) == 0)
			size = (long long)sz;
	}
	pclose(p);
	return size;
}

/* The SM number a --keep file is for: "k.compute_90.sm_90.cubin" -> 90. */
static unsigned
keep_sm(const char *path)
{
	const char *p = strrchr(path, '/'), *q;
	unsigned sm = 0;

	p = p != NULL ? p + 1 : path;
	for (q = p; (q = strpbrk(q, "_")) != NULL; q++)
		if (q[1] >= '0' && q[1] <= '9')
			sm = (unsigned)strtoul(q + 1, NULL, 10);
	return sm;
}

static void
sniff_file(const char *path, size_t chunk, struct elf_facts *f)
{
	size_t n, at, k;
	unsigned char *p = slurp(path, &n);
	struct elf_sniffer *s;

	assert_true(elf_magic(p, n));
	s = elf_sniff_new((int64_t)n);
	for (at = 0; at < n; at += k) {
		k = n - at < chunk ? n - at : chunk;
		elf_sniff_feed(s, p + at, k);
	}
	elf_sniff_finish(s, f);
	free(p);
}

/*
 * What nvcc --keep leaves is the truth: per architecture, the stored SASS
 * bytes equal the sizes of the .cubin files (k.* and the device-link
 * k_dlink.*; they are multiples of 8, so no padding) when uncompressed;
 * with -Xfatbin -compress-all, the decompressed sizes equal them and the
 * stored bytes are smaller.  The embedded PTX is a minified copy (comments
 * and indentation dropped) stored with zstd by default: so one PTX entry,
 * for sm_90 only (code=compute_90), at most the size of k.compute_90.ptx.
 * The containers fill .nv_fatbin exactly, and the standalone k.fatbin
 * that --keep leaves is one container, its whole size.
 */
static void
nvcc_case(const char *dir, const char *flags, int compressed)
{
	char cmd[2048], path[1024];
	struct elf_facts f, g;
	struct fatbin_summary fb;
	int64_t cubin[200] = { 0 };
	glob_t gl;
	size_t i, n;
	const struct fatbin_arch *x;
	unsigned char *p;
	struct fatbin_scanner *sc;
	long long ptx_file;

	snprintf(cmd, sizeof(cmd), "cd '%s' && mkdir -p keep && '%s'"
	    " -gencode arch=compute_80,code=sm_80"
	    " -gencode arch=compute_90,code=sm_90"
	    " -gencode arch=compute_90,code=compute_90 %s"
	    " --keep --keep-dir keep -o k k.cu >nvcc.log 2>&1", dir, nvcc(),
	    flags);
	if (system(cmd) != 0) {
		snprintf(cmd, sizeof(cmd), "cat '%s/nvcc.log'", dir);
		if (system(cmd) != 0)
			print_message("no nvcc.log\n");
		fail_msg("nvcc failed: %s", flags);
	}
	snprintf(path, sizeof(path), "%s/keep/*.cubin", dir);
	assert_int_equal(glob(path, 0, NULL, &gl), 0);
	for (i = 0; i < gl.gl_pathc; i++) {
		struct stat st;

		assert_int_equal(stat(gl.gl_pathv[i], &st), 0);
		assert_true(keep_sm(gl.gl_pathv[i]) < NELEM(cubin));
		cubin[keep_sm(gl.gl_pathv[i])] += st.st_size;
	}
	assert_int_equal(gl.gl_pathc, 4);	/* k and k_dlink, 2 archs */
	globfree(&gl);

	snprintf(path, sizeof(path), "%s/k", dir);
	sniff_file(path, 4096, &f);
	assert_null(f.problem);
	sniff_file(path, 7, &g);
	assert_same(&f.fatbin, &g.fatbin);
	elf_facts_free(&g);

	assert_int_equal(f.fatbin.n_arch, 2);
	assert_int_equal(f.fatbin.n_containers, 2);
	assert_int_equal(f.fatbin.n_bad, 0);
	x = arch(&f.fatbin, 80);
	assert_non_null(x);
	assert_int_equal(x->n_sass, 2);
	assert_int_equal(x->n_ptx, 0);
	assert_int_equal(x->sass_uncompressed, cubin[80]);
	if (compressed)
		assert_true(x->sass_bytes < cubin[80]);
	else
		assert_int_equal(x->sass_bytes, cubin[80]);
	x = arch(&f.fatbin, 90);
	assert_non_null(x);
	assert_int_equal(x->n_sass, 2);
	assert_int_equal(x->sass_uncompressed, cubin[90]);
	if (compressed)
		assert_true(x->sass_bytes < cubin[90]);
	else
		assert_int_equal(x->sass_bytes, cubin[90]);
	assert_int_equal(x->n_ptx, 1);
	snprintf(path, sizeof(path), "%s/keep/k.compute_90.ptx", dir);
	{
		struct stat st;

		assert_int_equal(stat(path, &st), 0);
		ptx_file = st.st_size;
	}
	assert_true(x->ptx_uncompressed > 0);
	assert_true(x->ptx_uncompressed <= ptx_file);
	assert_true(x->ptx_bytes <= x->ptx_uncompressed);

	snprintf(path, sizeof(path), "%s/k", dir);
	assert_int_equal(f.fatbin.total_bytes,
	    readelf_section_size(path, ".nv_fatbin"));
	assert_int_equal(f.fatbin.n_where, 1);
	assert_string_equal(f.fatbin.where[0].section, ".nv_fatbin");
	print_message("nvcc %s: sm_80 SASS %lld stored / %lld, sm_90 SASS "
	    "%lld / %lld, PTX %lld / %lld (.ptx file %lld)\n",
	    flags[0] ? flags : "(defaults)",
	    (long long)arch(&f.fatbin, 80)->sass_bytes, (long long)cubin[80],
	    (long long)x->sass_bytes, (long long)cubin[90],
	    (long long)x->ptx_bytes, (long long)x->ptx_uncompressed,
	    ptx_file);
	elf_facts_free(&f);

	snprintf(path, sizeof(path), "%s/keep/k.fatbin", dir);
	p = slurp(path, &n);
	sc = fatbin_scan_new();
	fatbin_scan_feed(sc, p, n, 0);
	fatbin_scan_finish(sc, &fb);
	assert_int_equal(fb.n_containers, 1);
	assert_int_equal(fb.total_bytes, (int64_t)n);
	fatbin_summary_free(&fb);
	free(p);
}

static void
test_nvcc(void **state)
{
	const char *dir;
	char path[1024];
	FILE *f;

	(void)state;
	if (access(nvcc(), X_OK) != 0) {
		print_message("skip: no nvcc at %s (set NVCC)\n", nvcc());
		skip();
	}
	dir = make_scratch();
	snprintf(path, sizeof(path), "%s/k.cu", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("__global__ void add(float *a, const float *b, int n)\n"
	    "{\n\tint i = blockIdx.x * blockDim.x + threadIdx.x;\n"
	    "\tif (i < n)\n\t\ta[i] += b[i] * 2.0f;\n}\n"
	    "int main() { add<<<1, 1>>>(0, 0, 0); return 0; }\n", f);
	fclose(f);
	nvcc_case(dir, "", 0);
	snprintf(path, sizeof(path), "rm -rf '%s/keep'", dir);
	assert_int_equal(system(path), 0);
	nvcc_case(dir, "-Xfatbin -compress-all", 1);
	rm_scratch();
}

/* ---- real CUDA libraries (a measurement) --------------------------------- */

/*
 * The same file through tests/e2e/fatbin_walk.py: containers, their bytes,
 * and per architecture and kind the entries, stored and uncompressed
 * bytes, must all be equal.  Skipped (saying so) without $REPO.
 */
static void
second_opinion(const char *path, const struct elf_facts *f)
{
	const char *repo = getenv("REPO");
	char cmd[2048], line[512], kind[8];
	long long n, bytes, stored, full, k;
	unsigned sm;
	int lines = 0;
	FILE *p;

	if (repo == NULL) {
		print_message("  (no $REPO: fatbin_walk.py not run)\n");
		return;
	}
	snprintf(cmd, sizeof(cmd), "python3 '%s/tests/e2e/fatbin_walk.py' '%s'",
	    repo, path);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p) != NULL) {
		const struct fatbin_arch *a = NULL;
		size_t i;

		if (sscanf(line, "file %*s containers %lld bytes %lld", &n,
		    &bytes) == 2) {
			assert_int_equal(f->fatbin.n_containers, n);
			assert_int_equal(f->fatbin.total_bytes, bytes);
			continue;
		}
		assert_int_equal(sscanf(line, "arch %u %7s %lld %lld %lld", &sm,
		    kind, &stored, &full, &k), 5);
		lines++;
		for (i = 0; i < f->fatbin.n_arch; i++)
			if (f->fatbin.arch[i].sm == sm)
				a = &f->fatbin.arch[i];
		if (a == NULL)
			fail_msg("walker: sm_%u, imgaudit: none", sm);
		if (strcmp(kind, "sass") == 0) {
			assert_int_equal(a->sass_bytes, stored);
			assert_int_equal(a->sass_uncompressed, full);
			assert_int_equal(a->n_sass, k);
		} else if (strcmp(kind, "ptx") == 0) {
			assert_int_equal(a->ptx_bytes, stored);
			assert_int_equal(a->ptx_uncompressed, full);
			assert_int_equal(a->n_ptx, k);
		} else {
			assert_int_equal(a->ir_bytes, stored);
			assert_int_equal(a->ir_uncompressed, full);
			assert_int_equal(a->n_ir, k);
		}
	}
	assert_int_equal(pclose(p), 0);
	/* Every (architecture, kind) imgaudit found, the walker found. */
	for (n = 0; n < (long long)f->fatbin.n_arch; n++) {
		const struct fatbin_arch *a = &f->fatbin.arch[n];

		lines -= (a->n_sass > 0) + (a->n_ptx > 0) + (a->n_ir > 0);
	}
	assert_int_equal(lines, 0);
	print_message("  fatbin_walk.py agrees on every figure\n");
}

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void
measure(const char *path)
{
	struct elf_facts f;
	struct elf_sniffer *s;
	struct stat st;
	unsigned char *p;
	size_t at, k, i, chunk = 65536;	/* libarchive's block size */
	double t0, t_sniff, t_cat;
	char cmd[1200];
	int fd = open(path, O_RDONLY);
	int64_t sass = 0, ptx = 0, ir = 0;

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	assert_true(p != MAP_FAILED);
	/* Warm the page cache, then time cat and the sniffer. */
	snprintf(cmd, sizeof(cmd), "cat '%s' >/dev/null", path);
	assert_int_equal(system(cmd), 0);
	t0 = now();
	assert_int_equal(system(cmd), 0);
	t_cat = now() - t0;
	for (at = 0; at < (size_t)st.st_size; at += 4096)
		sass += p[at];		/* fault the pages in */
	sass = 0;
	t0 = now();
	s = elf_sniff_new(st.st_size);
	for (at = 0; at < (size_t)st.st_size; at += k) {
		k = (size_t)st.st_size - at < chunk ?
		    (size_t)st.st_size - at : chunk;
		elf_sniff_feed(s, p + at, k);
	}
	elf_sniff_finish(s, &f);
	t_sniff = now() - t0;
	munmap(p, (size_t)st.st_size);
	close(fd);

	print_message("%s: %lld bytes, soname %s, %zu needed; sniffed in "
	    "%.3f s (%.1f GB/s over mapped pages; cat: %.3f s)\n", path,
	    (long long)st.st_size, f.soname ? f.soname : "-", f.n_needed,
	    t_sniff, (double)st.st_size / t_sniff / 1e9, t_cat);
	print_message("  fatbin: %u containers, %lld bytes, %u entries "
	    "(%u compressed), %u bad\n", f.fatbin.n_containers,
	    (long long)f.fatbin.total_bytes, f.fatbin.n_entries,
	    f.fatbin.n_compressed, f.fatbin.n_bad);
	for (i = 0; i < f.fatbin.n_arch; i++) {
		const struct fatbin_arch *a = &f.fatbin.arch[i];

		print_message("  sm_%-3u SASS %4u %12lld stored %13lld "
		    "unpacked | PTX %3u %11lld stored %12lld unpacked%s\n",
		    a->sm, a->n_sass, (long long)a->sass_bytes,
		    (long long)a->sass_uncompressed, a->n_ptx,
		    (long long)a->ptx_bytes, (long long)a->ptx_uncompressed,
		    a->n_ir ? " (+NVVM IR)" : "");
		sass += a->sass_bytes;
		ptx += a->ptx_bytes;
		ir += a->ir_bytes;
	}
	for (i = 0; i < f.fatbin.n_where; i++) {
		long long secsize = readelf_section_size(path,
		    f.fatbin.where[i].section);

		print_message("  in %s: %u containers, %lld bytes "
		    "(section: %lld)\n", f.fatbin.where[i].section,
		    f.fatbin.where[i].n_containers,
		    (long long)f.fatbin.where[i].bytes, secsize);
		assert_true(f.fatbin.where[i].bytes <= secsize);
		if (strcmp(f.fatbin.where[i].section, ".nv_fatbin") == 0 ||
		    strcmp(f.fatbin.where[i].section, "__nv_relfatbin") == 0)
			assert_int_equal(f.fatbin.where[i].bytes, secsize);
	}
	assert_null(f.problem);
	assert_int_equal(f.fatbin.n_bad, 0);
	assert_true(f.fatbin.n_containers > 0);
	second_opinion(path, &f);
	/* Payloads plus entry and container headers make the total. */
	assert_true(sass + ptx + ir < f.fatbin.total_bytes);
	elf_facts_free(&f);
}

/* Where the CUDA toolkit and pip's nvidia-* wheels put the libraries. */
static const char *const lib_dirs[] = {
	"/usr/local/cuda*/lib64",
	"/usr/local/cuda*/targets/*/lib",
	"/usr/local/lib/python3*/*-packages/nvidia/*/lib",
	"/usr/lib/python3*/*-packages/nvidia/*/lib",
};

/* Measure the first copy found of lib (a glob), if any; 1 if measured. */
static int
measure_one(const char *lib)
{
	char pat[512];
	glob_t gl;
	size_t i;
	int done = 0;

	for (i = 0; i < NELEM(lib_dirs) && !done; i++) {
		snprintf(pat, sizeof(pat), "%s/%s", lib_dirs[i], lib);
		if (glob(pat, 0, NULL, &gl) != 0)
			continue;
		if (gl.gl_pathc > 0) {
			char *real = realpath(gl.gl_pathv[0], NULL);

			if (real != NULL) {
				measure(real);
				free(real);
				done = 1;
			}
		}
		globfree(&gl);
	}
	return done;
}

static void
test_cuda_libraries(void **state)
{
	int n;

	(void)state;
	n = measure_one("libcublasLt.so.*[0-9]");
	n += measure_one("libcudnn_engines_precompiled.so.*[0-9]");
	n += measure_one("libnccl.so.*[0-9]");
	if (n == 0) {
		print_message("skip: no libcublasLt, libcudnn_engines_"
		    "precompiled or libnccl under /usr/local\n");
		skip();
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handmade),
		cmocka_unit_test(test_false_hits),
		cmocka_unit_test(test_bad_entry),
		cmocka_unit_test(test_truncated_and_gap),
		cmocka_unit_test(test_where),
		cmocka_unit_test(test_nvcc),
		cmocka_unit_test(test_cuda_libraries),
	};

	atexit(rm_scratch);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
