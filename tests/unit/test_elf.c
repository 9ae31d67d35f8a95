/* SPDX-License-Identifier: MIT */
/*
 * test_elf.c: the streaming ELF reader against independent sources of
 * truth.
 *
 *   - Fixtures built here with gcc (shared libraries with and without -g,
 *     executables with DT_NEEDED on two libraries and RUNPATH or RPATH
 *     $ORIGIN/../lib, an object, a split-debug library with
 *     .gnu_debuglink, a 32-bit library when gcc -m32 can compile): the
 *     expected names come from `readelf -h -l -d -S -s -W`, parsed here,
 *     and the expected strip savings from running strip on a copy.
 *   - ELF files written byte by byte by build_elf() below, in both byte
 *     orders and both classes (no big-endian cross toolchain is needed),
 *     checked against the builder's own bookkeeping and against readelf.
 *   - Hostile files: truncated at many points, a section table past the
 *     end, a million sections claimed, names and strings past their
 *     tables, a string table past the 8 MiB that are kept, garbage after
 *     the magic, and a few thousand random mutations, each of which must
 *     give the same facts whatever the chunking (1 byte to whole).
 *   - Optionally, up to 150 of the machine's own libraries, against
 *     readelf.
 *   - Memory: the heap a sniffer holds between chunks, measured with
 *     mallinfo2(), stays under ELF_MEMORY_MAX on a file built to fill
 *     every window and table at once, and on CUDA's largest libraries.
 *
 * Every file is fed in chunks of 1, 7, 4096 bytes and whole, and the
 * facts must be identical.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <glob.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <malloc.h>

#include "common.h"
#include "elf.h"

#define NELEM(v) (sizeof(v) / sizeof((v)[0]))

/* ---- helpers ------------------------------------------------------------- */

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

	rm_scratch();
	snprintf(scratch, sizeof(scratch), "%s/test_elf.XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp");
	assert_non_null(mkdtemp(scratch));
	return scratch;
}

/* Run a shell command quietly; its exit status. */
static int
sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd) - 20, fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof(cmd) - 20);
	snprintf(cmd + n, 20, " >/dev/null 2>&1");
	return system(cmd);
}

/* A command's standard output, NUL-terminated; the caller frees it. */
static char *
capture(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	char *buf = NULL;
	size_t n = 0, cap = 0, k;

	assert_non_null(p);
	do {
		if (cap - n < 4096) {
			cap = cap * 2 + 8192;
			buf = realloc(buf, cap);
		}
		k = fread(buf + n, 1, cap - n - 1, p);
		n += k;
	} while (k > 0);
	buf[n] = '\0';
	pclose(p);
	return buf;
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

static long long
file_size(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return (long long)st.st_size;
}

static int
have_tool(const char *name)
{
	return sh("command -v %s", name) == 0;
}

/* Sniff p[0..fed) of a file of `size` bytes, in chunks (0: whole). */
static void
sniff(const unsigned char *p, size_t fed, int64_t size, size_t chunk,
    struct elf_facts *f)
{
	struct elf_sniffer *s = elf_sniff_new(size);
	size_t at, k;

	if (chunk == 0)
		chunk = fed ? fed : 1;
	for (at = 0; at < fed; at += k) {
		k = fed - at < chunk ? fed - at : chunk;
		elf_sniff_feed(s, p + at, k);
	}
	elf_sniff_finish(s, f);
}

static bool
str_eq(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static void
assert_facts_equal(const struct elf_facts *a, const struct elf_facts *b)
{
	size_t i;

	assert_int_equal(a->elfclass, b->elfclass);
	assert_int_equal(a->big_endian, b->big_endian);
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->machine, b->machine);
	assert_true(str_eq(a->interp, b->interp));
	assert_true(str_eq(a->soname, b->soname));
	assert_true(str_eq(a->runpath, b->runpath));
	assert_true(str_eq(a->rpath, b->rpath));
	assert_int_equal(a->n_needed, b->n_needed);
	for (i = 0; i < a->n_needed; i++)
		assert_string_equal(a->needed[i], b->needed[i]);
	assert_int_equal(a->debug_bytes, b->debug_bytes);
	assert_int_equal(a->unneeded_bytes, b->unneeded_bytes);
	assert_int_equal(a->has_debuglink, b->has_debuglink);
	assert_int_equal(a->has_symtab, b->has_symtab);
	assert_int_equal(a->sections_read, b->sections_read);
	if (!str_eq(a->problem, b->problem))
		fail_msg("problem \"%s\" vs \"%s\"", a->problem ? a->problem :
		    "(none)", b->problem ? b->problem : "(none)");
	assert_int_equal(a->fatbin.n_arch, b->fatbin.n_arch);
	if (a->fatbin.n_arch > 0)
		assert_memory_equal(a->fatbin.arch, b->fatbin.arch,
		    a->fatbin.n_arch * sizeof(*a->fatbin.arch));
	assert_int_equal(a->fatbin.total_bytes, b->fatbin.total_bytes);
	assert_int_equal(a->fatbin.n_containers, b->fatbin.n_containers);
	assert_int_equal(a->fatbin.n_bad, b->fatbin.n_bad);
	assert_int_equal(a->fatbin.n_where, b->fatbin.n_where);
	for (i = 0; i < a->fatbin.n_where; i++) {
		assert_string_equal(a->fatbin.where[i].section,
		    b->fatbin.where[i].section);
		assert_int_equal(a->fatbin.where[i].bytes,
		    b->fatbin.where[i].bytes);
	}
}

/* Sniff whole, then in chunks of 1, 7 and 4096: the same facts. */
static void
sniff_all_ways(const unsigned char *p, size_t n, struct elf_facts *f)
{
	static const size_t chunks[] = { 1, 7, 4096 };
	struct elf_facts g;
	size_t i;

	sniff(p, n, (int64_t)n, 0, f);
	for (i = 0; i < NELEM(chunks); i++) {
		sniff(p, n, (int64_t)n, chunks[i], &g);
		assert_facts_equal(f, &g);
		elf_facts_free(&g);
	}
}

/* ---- readelf, parsed ----------------------------------------------------- */

struct ref {
	int cls;			/* 32, 64 */
	int be;
	char type[16];			/* EXEC, DYN, REL */
	char *interp, *soname, *runpath, *rpath;
	char *needed[64];
	int n_needed;
	bool symtab, debuglink;
	/*
	 * Bytes strip --strip-debug also saves inside .symtab/.strtab,
	 * which the sniffer does not read: the STT_FILE symbols and the
	 * section symbols of removed sections, with the file names.
	 */
	long long strip_extra;
};

static char *
bracketed(const char *line)
{
	const char *a = strchr(line, '['), *b = strrchr(line, ']');

	assert_true(a != NULL && b != NULL && b > a);
	return xstrndup(a + 1, (size_t)(b - a - 1));
}

static bool
debug_section_name(const char *n)
{
	return strncmp(n, ".debug", 6) == 0 || strncmp(n, ".zdebug", 7) == 0 ||
	    strncmp(n, ".line", 5) == 0 || strncmp(n, ".stab", 5) == 0;
}

static void
readelf_ref(const char *path, struct ref *r)
{
	char cmd[1200], *out, *line, *next, *names[512];
	bool debug_sec[4096] = { false }, in_symtab = false;
	int n_names = 0, n_extra = 0, i;
	long long name_bytes = 0;

	memset(r, 0, sizeof(*r));
	snprintf(cmd, sizeof(cmd), "readelf -h -l -d -S -s -W '%s' 2>/dev/null",
	    path);
	out = capture(cmd);
	for (line = out; *line != '\0'; line = next) {
		char tok[12][256];
		int nt;

		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		else
			next = line + strlen(line);

		if (strstr(line, "Class:") != NULL)
			r->cls = strstr(line, "ELF64") ? 64 : 32;
		else if (strstr(line, "Data:") != NULL)
			r->be = strstr(line, "big endian") != NULL;
		else if (strncmp(line, "  Type:", 7) == 0)
			sscanf(line + 7, "%15s", r->type);
		else if (strstr(line, "[Requesting program interpreter:"))
			r->interp = xstrndup(strchr(line, ':') + 2,
			    strlen(strchr(line, ':') + 2) - 1);
		else if (strstr(line, "(NEEDED)") && r->n_needed < 64)
			r->needed[r->n_needed++] = bracketed(line);
		else if (strstr(line, "(SONAME)"))
			r->soname = bracketed(line);
		else if (strstr(line, "(RUNPATH)"))
			r->runpath = bracketed(line);
		else if (strstr(line, "(RPATH)"))
			r->rpath = bracketed(line);
		else if (strncmp(line, "Symbol table '", 14) == 0)
			in_symtab = strncmp(line + 14, ".symtab'", 8) == 0;
		else if (line[0] == ' ' && strchr(line, '[') &&
		    strchr(line, ']') && strstr(line, "Nr]") == NULL &&
		    strstr(line, "Requesting") == NULL) {
			/* [Nr] Name Type Addr Off Size ES Flg Lk Inf Al */
			long idx = strtol(strchr(line, '[') + 1, NULL, 10);

			nt = sscanf(strchr(line, ']') + 1,
			    "%255s %255s %255s %255s %255s %255s %255s %255s "
			    "%255s %255s", tok[0], tok[1], tok[2], tok[3],
			    tok[4], tok[5], tok[6], tok[7], tok[8], tok[9]);
			if (nt < 9 || idx < 0 || idx >= 4096)
				continue;
			if (strcmp(tok[0], ".symtab") == 0)
				r->symtab = true;
			if (strcmp(tok[0], ".gnu_debuglink") == 0)
				r->debuglink = true;
			/* flags are tok[6] when there are 10 tokens */
			debug_sec[idx] = debug_section_name(tok[0]) &&
			    !(nt == 10 && strchr(tok[6], 'A'));
		} else if (in_symtab && strchr(line, ':') != NULL) {
			long ndx;

			/* Num: Value Size Type Bind Vis Ndx Name */
			nt = sscanf(line, "%255s %255s %255s %255s %255s %255s "
			    "%255s %255s", tok[0], tok[1], tok[2], tok[3],
			    tok[4], tok[5], tok[6], tok[7]);
			if (nt < 7 || tok[0][strlen(tok[0]) - 1] != ':')
				continue;
			ndx = strtol(tok[6], NULL, 10);
			if (strcmp(tok[3], "FILE") == 0) {
				n_extra++;
				for (i = 0; i < n_names; i++)
					if (nt == 8 &&
					    strcmp(names[i], tok[7]) == 0)
						break;
				if (nt == 8 && i == n_names && n_names < 512) {
					names[n_names++] = xstrdup(tok[7]);
					name_bytes += (long long)strlen(tok[7])
					    + 1;
				}
			} else if (strcmp(tok[3], "SECTION") == 0 &&
			    ndx > 0 && ndx < 4096 && debug_sec[ndx])
				n_extra++;
		}
	}
	r->strip_extra = n_extra * (r->cls == 64 ? 24 : 16) + name_bytes;
	for (i = 0; i < n_names; i++)
		free(names[i]);
	free(out);
}

static void
ref_free(struct ref *r)
{
	int i;

	free(r->interp);
	free(r->soname);
	free(r->runpath);
	free(r->rpath);
	for (i = 0; i < r->n_needed; i++)
		free(r->needed[i]);
}

/* The facts agree with readelf on everything both can say. */
static void
assert_matches_readelf(const struct elf_facts *f, const struct ref *r)
{
	int i;

	assert_int_equal(f->elfclass, r->cls);
	assert_int_equal(f->big_endian, r->be);
	if (strcmp(r->type, "EXEC") == 0)
		assert_int_equal(f->type, ELF_ET_EXEC);
	else if (strcmp(r->type, "DYN") == 0)
		assert_int_equal(f->type, ELF_ET_DYN);
	else if (strcmp(r->type, "REL") == 0)
		assert_int_equal(f->type, ELF_ET_REL);
	assert_true(str_eq(f->interp, r->interp));
	assert_true(str_eq(f->soname, r->soname));
	assert_true(str_eq(f->runpath, r->runpath));
	assert_true(str_eq(f->rpath, r->rpath));
	assert_int_equal(f->n_needed, r->n_needed);
	for (i = 0; i < r->n_needed; i++)
		assert_string_equal(f->needed[i], r->needed[i]);
	assert_int_equal(f->has_symtab, r->symtab);
	assert_int_equal(f->has_debuglink, r->debuglink);
}

/* ---- gcc fixtures -------------------------------------------------------- */

static const char lib_c[] =
    "#include <stdio.h>\n#include <string.h>\n"
    "struct point { int x, y; const char *name; };\n"
    "static int helper(struct point *p)\n"
    "{ return p->x * 3 + p->y + (int)strlen(p->name); }\n"
    "int lib_api(int n)\n"
    "{ struct point p = { n, n + 1, \"pt\" }; return helper(&p); }\n"
    "int lib_other(const char *s)\n"
    "{ printf(\"%s\\n\", s); return lib_api((int)strlen(s)); }\n";
static const char bar_c[] = "int bar(int x) { return x * 2; }\n";
static const char main_c[] =
    "int lib_api(int); int bar(int);\n"
    "int main(int argc, char **argv)\n"
    "{ (void)argv; return lib_api(argc) + bar(argc); }\n";

static void
write_file(const char *dir, const char *name, const char *text)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/*
 * strip's saving against the estimate.  Linked files: debug_bytes plus
 * the symbols strip-debug drops from .symtab (ref.strip_extra, counted
 * from readelf -s) is within 16 bytes of what strip saves (alignment of
 * the sections that move up, and .shstrtab being rebuilt), and
 * unneeded_bytes is within 16 bytes.  Objects: strip-debug keeps some of
 * those symbols and strip-unneeded also drops local symbols, which are
 * not estimated, so the estimates are lower bounds there.
 */
static void
check_strip(const char *dir, const char *name, const struct elf_facts *f,
    const struct ref *r)
{
	char in[1024], out[1100];
	long long size, debug_saved, unneeded_saved;

	snprintf(in, sizeof(in), "%s/%s", dir, name);
	snprintf(out, sizeof(out), "%s/%s.stripped", dir, name);
	size = file_size(in);
	assert_int_equal(sh("strip --strip-debug -o '%s' '%s'", out, in), 0);
	debug_saved = size - file_size(out);
	assert_int_equal(sh("strip --strip-unneeded -o '%s' '%s'", out, in), 0);
	unneeded_saved = size - file_size(out);
	print_message("  %-22s %7lld bytes: strip-debug saves %6lld "
	    "(estimate %6lld + %4lld in .symtab), strip-unneeded %6lld "
	    "(estimate %6lld)\n", name, size, debug_saved,
	    (long long)f->debug_bytes, r->strip_extra, unneeded_saved,
	    (long long)f->unneeded_bytes);
	if (f->type == ELF_ET_REL) {
		assert_true(f->debug_bytes <= debug_saved);
		assert_true(debug_saved <= f->debug_bytes + r->strip_extra +
		    16);
		assert_true(f->unneeded_bytes <= unneeded_saved);
	} else {
		assert_true(llabs(debug_saved - f->debug_bytes -
		    r->strip_extra) <= 16);
		assert_true(llabs(unneeded_saved - f->unneeded_bytes) <= 16);
	}
}

/* Sniff dir/name every way, compare with readelf and strip. */
static void
check_fixture(const char *dir, const char *name, struct elf_facts *f)
{
	char path[1024];
	unsigned char *p;
	size_t n;
	struct ref r;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	p = slurp(path, &n);
	assert_true(elf_magic(p, n));
	sniff_all_ways(p, n, f);
	free(p);
	if (f->problem != NULL)
		fail_msg("%s: %s", name, f->problem);
	assert_true(f->sections_read);
	readelf_ref(path, &r);
	assert_matches_readelf(f, &r);
	check_strip(dir, name, f, &r);
	ref_free(&r);
}

static void
test_gcc_fixtures(void **state)
{
	const char *d;
	struct elf_facts f;

	(void)state;
	if (!have_tool("gcc") || !have_tool("readelf") || !have_tool("strip")
	    || !have_tool("objcopy")) {
		print_message("skip: needs gcc, readelf, strip, objcopy\n");
		skip();
	}
	d = make_scratch();
	write_file(d, "lib.c", lib_c);
	write_file(d, "bar.c", bar_c);
	write_file(d, "main.c", main_c);
	assert_int_equal(sh("cd '%s' && gcc -shared -fPIC -O2 -g "
	    "-Wl,-soname,libfoo.so.1 -o libfoo_g.so lib.c && "
	    "gcc -shared -fPIC -O2 -Wl,-soname,libfoo.so.1 -o libfoo.so lib.c"
	    " && gcc -shared -fPIC -O0 -g3 -o libfoo_g3.so lib.c && "
	    "gcc -shared -fPIC -Wl,-soname,libbar.so.2 -o libbar.so bar.c && "
	    "gcc -O2 -g -c -o lib_g.o lib.c && "
	    "gcc -o main_runpath main.c -L. -lfoo -lbar "
	    "-Wl,-rpath,'$ORIGIN/../lib' -Wl,--enable-new-dtags && "
	    "gcc -g -o main_rpath main.c -L. -lfoo -lbar "
	    "-Wl,-rpath,'$ORIGIN/../lib' -Wl,--disable-new-dtags && "
	    "cp libfoo_g.so libfoo_split.so && "
	    "objcopy --only-keep-debug libfoo_split.so libfoo.debug && "
	    "strip --strip-debug libfoo_split.so && "
	    "objcopy --add-gnu-debuglink=libfoo.debug libfoo_split.so", d), 0);

	print_message("gcc fixtures (%s):\n", d);
	check_fixture(d, "libfoo_g.so", &f);
	assert_string_equal(f.soname, "libfoo.so.1");
	assert_true(f.debug_bytes > 1000);	/* -g: DWARF sections */
	assert_true(f.has_symtab);
	assert_int_equal(f.type, ELF_ET_DYN);
	assert_int_equal(f.machine, 62);
	elf_facts_free(&f);

	check_fixture(d, "libfoo.so", &f);
	assert_int_equal(f.debug_bytes, 0);	/* no -g */
	assert_true(f.unneeded_bytes > 0);	/* .symtab */
	elf_facts_free(&f);

	check_fixture(d, "libfoo_g3.so", &f);
	assert_null(f.soname);
	elf_facts_free(&f);

	check_fixture(d, "libbar.so", &f);
	assert_string_equal(f.soname, "libbar.so.2");
	elf_facts_free(&f);

	check_fixture(d, "lib_g.o", &f);
	assert_int_equal(f.type, ELF_ET_REL);
	assert_int_equal(f.n_needed, 0);
	assert_true(f.debug_bytes > 1000);
	elf_facts_free(&f);

	check_fixture(d, "main_runpath", &f);
	assert_true(f.n_needed >= 3);
	assert_string_equal(f.needed[0], "libfoo.so.1");
	assert_string_equal(f.needed[1], "libbar.so.2");
	assert_string_equal(f.runpath, "$ORIGIN/../lib");
	assert_null(f.rpath);
	assert_non_null(f.interp);
	elf_facts_free(&f);

	check_fixture(d, "main_rpath", &f);
	assert_string_equal(f.rpath, "$ORIGIN/../lib");
	assert_null(f.runpath);
	elf_facts_free(&f);

	check_fixture(d, "libfoo_split.so", &f);
	assert_true(f.has_debuglink);
	assert_int_equal(f.debug_bytes, 0);
	elf_facts_free(&f);
	rm_scratch();
}

static void
test_gcc_m32(void **state)
{
	const char *d;
	struct elf_facts f;

	(void)state;
	if (!have_tool("gcc") || !have_tool("ld") || !have_tool("readelf")) {
		print_message("skip: needs gcc, ld, readelf\n");
		skip();
	}
	d = make_scratch();
	write_file(d, "bar.c", bar_c);
	write_file(d, "lib32.c", "int bar(int);\n"
	    "static int len(const char *s) { int n = 0; while (s[n]) n++; "
	    "return n; }\n"
	    "int lib_api(int n) { return bar(n) + len(\"pt\"); }\n");
	/* Compiled only: a 32-bit libc need not be installed. */
	if (sh("cd '%s' && gcc -m32 -g -fPIC -c -o lib32.o lib32.c && "
	    "gcc -m32 -fPIC -c -o bar32.o bar.c && "
	    "ld -m elf_i386 -shared -soname libbar32.so.1 -o libbar32.so "
	    "bar32.o && ld -m elf_i386 -shared -soname libfoo32.so.1 "
	    "-rpath '$ORIGIN' -o libfoo32.so lib32.o libbar32.so", d) != 0) {
		print_message("skip: gcc -m32 -c or ld -m elf_i386 fails\n");
		rm_scratch();
		skip();
	}
	print_message("32-bit fixtures (%s):\n", d);
	check_fixture(d, "libfoo32.so", &f);
	assert_int_equal(f.elfclass, 32);
	assert_int_equal(f.machine, 3);
	assert_string_equal(f.soname, "libfoo32.so.1");
	assert_int_equal(f.n_needed, 1);
	assert_string_equal(f.needed[0], "libbar32.so.1");
	assert_true(f.debug_bytes > 0);
	elf_facts_free(&f);
	check_fixture(d, "lib32.o", &f);
	assert_int_equal(f.elfclass, 32);
	elf_facts_free(&f);
	rm_scratch();
}

/* ---- ELF files written by hand ------------------------------------------- */

struct bopts {
	int cls;		/* 32 or 64 */
	int be;
	uint16_t machine;
	int dynstr_after;	/* .dynstr after .dynamic, as patchelf does */
	size_t gap;		/* zero bytes between .dynstr and .dynamic */
	size_t pad;		/* zero bytes before .dynstr */
	const char *interp, *soname, *runpath, *rpath;
	const char *needed[4];
	int n_needed;
	size_t debug_size;	/* .debug_info bytes; 0: none */
	int symtab;		/* .symtab and .strtab */
	int debuglink;
	const unsigned char *fatbin;
	size_t fatbin_len;
	size_t load1;		/* 0: one PT_LOAD for the file; else [0, load1)
				   and [load1, end), in PT_NOTE's place */
	int load1_x;		/* the first PT_LOAD holds code (PF_X) */
	size_t entry;		/* e_entry's file offset (0: none) */
};

/* Where build_elf() put things, and what the sniffer should find. */
struct blayout {
	size_t len, ehsize, phoff, shoff, shentsize, n_sect;
	size_t dyn_off, dynstr_off, dynstr_size, shstr_off;
	size_t strsz_at;	/* file offset of DT_STRSZ's value */
	size_t needed_at;	/* ... of the first DT_NEEDED's value */
	size_t sh_debug_at;	/* file offset of .debug_info's header */
	int64_t debug_bytes, unneeded_bytes;
};

struct out {
	unsigned char *p;
	int cls, be;
};

static void
wr(struct out *o, size_t at, uint64_t v, int width)
{
	int i;

	for (i = 0; i < width; i++)
		o->p[at + (size_t)(o->be ? width - 1 - i : i)] =
		    (unsigned char)(v >> (8 * i));
}

/* A word: 4 bytes in ELF32, 8 in ELF64. */
static void
wrw(struct out *o, size_t at, uint64_t v)
{
	wr(o, at, v, o->cls == 64 ? 8 : 4);
}

static size_t
align(size_t x, size_t a)
{
	return (x + a - 1) / a * a;
}

struct bsec {
	const char *name;
	uint32_t type, link, info;
	uint64_t flags, entsize;
	size_t off, size;
};

#define BASE 0x10000

static unsigned char *
build_elf(const struct bopts *b, struct blayout *l)
{
	struct bsec sec[12];
	struct out o;
	size_t ns = 1, pos, i, n_dyn, dynent, symsz, strs[8], k;
	char dynstr[4096], shstr[512];
	size_t ldyn = 0, lsh = 1;
	const char *names[8];
	int n_str = 0, i_dynstr = 0;

	memset(l, 0, sizeof(*l));
	memset(sec, 0, sizeof(sec));
	o.cls = b->cls;
	o.be = b->be;
	l->ehsize = b->cls == 64 ? 64 : 52;
	l->shentsize = b->cls == 64 ? 64 : 40;
	dynent = b->cls == 64 ? 16 : 8;
	symsz = b->cls == 64 ? 24 : 16;

	/* .dynstr: "", then each name once. */
	dynstr[ldyn++] = '\0';
	for (i = 0; i < (size_t)b->n_needed; i++)
		names[n_str++] = b->needed[i];
	names[n_str++] = b->soname;
	names[n_str++] = b->runpath;
	names[n_str++] = b->rpath;
	for (i = 0; i < (size_t)n_str; i++) {
		strs[i] = 0;
		if (names[i] == NULL)
			continue;
		strs[i] = ldyn;
		memcpy(dynstr + ldyn, names[i], strlen(names[i]) + 1);
		ldyn += strlen(names[i]) + 1;
	}
	n_dyn = (size_t)n_str + 3;	/* + STRTAB, STRSZ, NULL */

	l->phoff = l->ehsize;
	pos = l->phoff + 3 * (b->cls == 64 ? 56 : 32);
#define SEC(n, t, fl, sz, al) do {					\
		pos = align(pos, (al));					\
		sec[ns].name = (n);					\
		sec[ns].type = (t);					\
		sec[ns].flags = (fl);					\
		sec[ns].off = pos;					\
		sec[ns].size = (sz);					\
		pos += (sz);						\
		ns++;							\
	} while (0)
	if (b->interp != NULL)
		SEC(".interp", 1, 2, strlen(b->interp) + 1, 1);
	if (!b->dynstr_after) {
		pos += b->pad;
		i_dynstr = (int)ns;
		SEC(".dynstr", 3, 2, ldyn, 1);
	}
	pos += b->gap;
	SEC(".dynamic", 6, 3, n_dyn * dynent, 8);
	sec[ns - 1].entsize = dynent;
	l->dyn_off = sec[ns - 1].off;
	if (b->dynstr_after) {
		i_dynstr = (int)ns;
		SEC(".dynstr", 3, 2, ldyn, 1);
	}
	sec[ns - 1 - (b->dynstr_after ? 1 : 0)].link = (uint32_t)i_dynstr;
	l->dynstr_off = sec[i_dynstr].off;
	l->dynstr_size = ldyn;
	if (b->fatbin_len > 0)
		SEC(".nv_fatbin", 1, 2, b->fatbin_len, 8);
	if (b->debug_size > 0) {
		SEC(".debug_info", 1, 0, b->debug_size, 1);
		l->debug_bytes = (int64_t)(b->debug_size + l->shentsize +
		    sizeof(".debug_info"));
	}
	l->unneeded_bytes = l->debug_bytes;
	if (b->symtab) {
		SEC(".symtab", 2, 0, 3 * symsz, 8);
		sec[ns - 1].entsize = symsz;
		sec[ns - 1].info = 1;
		sec[ns - 1].link = (uint32_t)ns;
		SEC(".strtab", 3, 0, 6, 1);
		l->unneeded_bytes += (int64_t)(3 * symsz + 6 +
		    2 * l->shentsize + sizeof(".symtab") + sizeof(".strtab"));
	}
	if (b->debuglink)
		SEC(".gnu_debuglink", 1, 0, 16, 4);
	SEC(".shstrtab", 3, 0, 0, 1);
	l->n_sect = ns;
	/* names */
	shstr[0] = '\0';
	for (i = 1; i < ns; i++) {
		k = strlen(sec[i].name) + 1;
		memcpy(shstr + lsh, sec[i].name, k);
		lsh += k;
	}
	sec[ns - 1].size = lsh;
	pos = sec[ns - 1].off + lsh;
	l->shstr_off = sec[ns - 1].off;
	l->shoff = align(pos, 8);
	l->len = l->shoff + ns * l->shentsize;
#undef SEC

	o.p = calloc(1, l->len);
	assert_non_null(o.p);
	/* ELF header */
	memcpy(o.p, "\177ELF", 4);
	o.p[4] = b->cls == 64 ? 2 : 1;
	o.p[5] = b->be ? 2 : 1;
	o.p[6] = 1;
	wr(&o, 16, ELF_ET_DYN, 2);
	wr(&o, 18, b->machine, 2);
	wr(&o, 20, 1, 4);
	if (b->entry > 0)
		wr(&o, 24, BASE + b->entry, b->cls == 64 ? 8 : 4);
	if (b->cls == 64) {
		wr(&o, 32, l->phoff, 8);
		wr(&o, 40, l->shoff, 8);
		k = 52;
	} else {
		wr(&o, 28, l->phoff, 4);
		wr(&o, 32, l->shoff, 4);
		k = 40;
	}
	wr(&o, k, l->ehsize, 2);
	wr(&o, k + 2, b->cls == 64 ? 56 : 32, 2);
	wr(&o, k + 4, 3, 2);
	wr(&o, k + 6, l->shentsize, 2);
	wr(&o, k + 8, ns, 2);
	wr(&o, k + 10, ns - 1, 2);
	/* program headers: LOAD (the whole file), INTERP, DYNAMIC */
	for (i = 0; i < 3; i++) {
		size_t at = l->phoff + i * (b->cls == 64 ? 56 : 32);
		uint32_t type = i == 0 ? 1 : i == 1 ? 3 : 2;
		size_t off = 0, size = l->len;

		uint32_t flags = 4;	/* PF_R */

		if (i == 0 && b->load1 > 0) {
			size = b->load1;
			flags = b->load1_x ? 5 : 4;
		} else if (i == 1 && b->load1 > 0) {
			assert_null(b->interp);
			type = 1;
			off = b->load1;
			size = l->len - b->load1;
		} else if (i == 1) {
			if (b->interp == NULL)
				type = 4;	/* PT_NOTE, empty */
			off = sec[1].off;
			size = b->interp ? strlen(b->interp) + 1 : 0;
		} else if (i == 2) {
			off = l->dyn_off;
			size = n_dyn * dynent;
		}
		wr(&o, at, type, 4);
		if (b->cls == 64) {
			wr(&o, at + 4, flags, 4);
			wr(&o, at + 8, off, 8);
			wr(&o, at + 16, BASE + off, 8);
			wr(&o, at + 24, BASE + off, 8);
			wr(&o, at + 32, size, 8);
			wr(&o, at + 40, size, 8);
			wr(&o, at + 48, 8, 8);
		} else {
			wr(&o, at + 4, off, 4);
			wr(&o, at + 8, BASE + off, 4);
			wr(&o, at + 12, BASE + off, 4);
			wr(&o, at + 16, size, 4);
			wr(&o, at + 20, size, 4);
			wr(&o, at + 24, flags, 4);
			wr(&o, at + 28, 8, 4);
		}
	}
	/* contents */
	for (i = 1; i < ns; i++) {
		unsigned char *d = o.p + sec[i].off;

		if (strcmp(sec[i].name, ".interp") == 0)
			memcpy(d, b->interp, sec[i].size);
		else if (strcmp(sec[i].name, ".dynstr") == 0)
			memcpy(d, dynstr, ldyn);
		else if (strcmp(sec[i].name, ".nv_fatbin") == 0)
			memcpy(d, b->fatbin, b->fatbin_len);
		else if (strcmp(sec[i].name, ".debug_info") == 0)
			memset(d, 0x5a, sec[i].size);
		else if (strcmp(sec[i].name, ".strtab") == 0)
			memcpy(d, "\0x.c\0", 6);
		else if (strcmp(sec[i].name, ".gnu_debuglink") == 0)
			memcpy(d, "libx.debug\0\0\1\2\3\4", 16);
		else if (strcmp(sec[i].name, ".shstrtab") == 0)
			memcpy(d, shstr, lsh);
		else if (strcmp(sec[i].name, ".dynamic") == 0) {
			size_t at = sec[i].off, j;
			/* DT_SONAME, DT_RUNPATH, DT_RPATH */
			int tags[] = { 14, 29, 15 };

			for (j = 0; j < (size_t)n_str; j++) {
				int tag = j < (size_t)b->n_needed ? 1 :
				    tags[j - (size_t)b->n_needed];

				if (names[j] == NULL)
					continue;
				if (tag == 1 && l->needed_at == 0)
					l->needed_at = at + dynent / 2;
				wrw(&o, at, (uint64_t)tag);
				wrw(&o, at + dynent / 2, strs[j]);
				at += dynent;
			}
			wrw(&o, at, 5);			/* DT_STRTAB */
			wrw(&o, at + dynent / 2, BASE + l->dynstr_off);
			at += dynent;
			wrw(&o, at, 10);		/* DT_STRSZ */
			wrw(&o, at + dynent / 2, ldyn);
			l->strsz_at = at + dynent / 2;
		}
	}
	/* section headers */
	for (i = 1; i < ns; i++) {
		size_t at = l->shoff + i * l->shentsize;

		if (strcmp(sec[i].name, ".debug_info") == 0)
			l->sh_debug_at = at;
		k = 1;
		{
			size_t j;

			for (j = 1; j < i; j++)
				k += strlen(sec[j].name) + 1;
		}
		wr(&o, at, k, 4);
		wr(&o, at + 4, sec[i].type, 4);
		wrw(&o, at + 8, sec[i].flags);
		if (b->cls == 64) {
			wr(&o, at + 16, sec[i].flags & 2 ? BASE + sec[i].off :
			    0, 8);
			wr(&o, at + 24, sec[i].off, 8);
			wr(&o, at + 32, sec[i].size, 8);
			wr(&o, at + 40, sec[i].link, 4);
			wr(&o, at + 44, sec[i].info, 4);
			wr(&o, at + 48, 1, 8);
			wr(&o, at + 56, sec[i].entsize, 8);
		} else {
			wr(&o, at + 12, sec[i].flags & 2 ? BASE + sec[i].off :
			    0, 4);
			wr(&o, at + 16, sec[i].off, 4);
			wr(&o, at + 20, sec[i].size, 4);
			wr(&o, at + 24, sec[i].link, 4);
			wr(&o, at + 28, sec[i].info, 4);
			wr(&o, at + 32, 1, 4);
			wr(&o, at + 36, sec[i].entsize, 4);
		}
	}
	return o.p;
}

/* A small fatbin: one container, sm_80 SASS and sm_90 PTX (zstd). */
static size_t
small_fatbin(unsigned char *p)
{
	static const struct { uint16_t kind; uint32_t sm, payload;
	    uint64_t flags, dsize; } e[] = {
		{ 2, 80, 256, 0x11, 0 }, { 1, 90, 64, 0x8011, 300 },
	};
	size_t n = 0, i;
	uint64_t fat = 2 * 64 + 256 + 64;

#define LE(v, w) do { int q_; for (q_ = 0; q_ < (w); q_++)		\
		p[n++] = (unsigned char)((uint64_t)(v) >> (8 * q_)); } while (0)
	LE(0xBA55ED50u, 4);
	LE(1, 2);
	LE(16, 2);
	LE(fat, 8);
	for (i = 0; i < NELEM(e); i++) {
		LE(e[i].kind, 2);
		LE(0x0101, 2);
		LE(64, 4);
		LE(e[i].payload, 8);
		LE(0, 8);
		LE(0, 4);
		LE(e[i].sm, 4);
		LE(0, 8);
		LE(e[i].flags, 8);
		LE(0, 8);
		LE(e[i].dsize, 8);
		memset(p + n, 0xba, e[i].payload);
		n += e[i].payload;
	}
#undef LE
	return n;
}

static const struct bopts base_opts = {
	64, 0, 62, 0, 0, 0, "/lib/ld-test.so.1", "libhand.so.3", "$ORIGIN/lib",
	NULL, { "libone.so.1", "libtwo.so.2" }, 2, 1000, 1, 1, NULL, 0, 0, 0, 0
};

/* Write p to dir/name and compare with readelf, when it is there. */
static void
against_readelf(const unsigned char *p, size_t n, const struct elf_facts *f,
    const char *name)
{
	char path[1024];
	struct ref r;
	FILE *o;

	if (!have_tool("readelf"))
		return;
	snprintf(path, sizeof(path), "%s/%s", make_scratch(), name);
	o = fopen(path, "wb");
	assert_non_null(o);
	assert_int_equal(fwrite(p, 1, n, o), n);
	fclose(o);
	readelf_ref(path, &r);
	assert_matches_readelf(f, &r);
	ref_free(&r);
	rm_scratch();
}

static void
test_handmade_orders(void **state)
{
	static const struct { int cls, be, machine, after; } v[] = {
		{ 64, 0, 62, 0 }, { 64, 1, 21, 0 }, { 32, 0, 3, 0 },
		{ 32, 1, 20, 0 }, { 64, 0, 62, 1 }, { 32, 1, 20, 1 },
	};
	unsigned char fb[1024];
	struct bopts b = base_opts;
	struct blayout l;
	struct elf_facts f;
	unsigned char *p;
	size_t i;

	(void)state;
	b.fatbin = fb;
	b.fatbin_len = small_fatbin(fb);
	for (i = 0; i < NELEM(v); i++) {
		b.cls = v[i].cls;
		b.be = v[i].be;
		b.machine = (uint16_t)v[i].machine;
		b.dynstr_after = v[i].after;
		p = build_elf(&b, &l);
		sniff_all_ways(p, l.len, &f);
		if (f.problem != NULL)
			fail_msg("case %zu: %s", i, f.problem);
		assert_int_equal(f.elfclass, b.cls);
		assert_int_equal(f.big_endian, b.be);
		assert_int_equal(f.type, ELF_ET_DYN);
		assert_int_equal(f.machine, b.machine);
		assert_string_equal(f.interp, b.interp);
		assert_string_equal(f.soname, b.soname);
		assert_string_equal(f.runpath, b.runpath);
		assert_null(f.rpath);
		assert_int_equal(f.n_needed, 2);
		assert_string_equal(f.needed[0], "libone.so.1");
		assert_string_equal(f.needed[1], "libtwo.so.2");
		assert_true(f.sections_read);
		assert_true(f.has_symtab);
		assert_true(f.has_debuglink);
		assert_int_equal(f.debug_bytes, l.debug_bytes);
		assert_int_equal(f.unneeded_bytes, l.unneeded_bytes);
		assert_int_equal(f.fatbin.n_containers, 1);
		assert_int_equal(f.fatbin.total_bytes, (int64_t)b.fatbin_len);
		assert_int_equal(f.fatbin.n_arch, 2);
		assert_int_equal(f.fatbin.arch[0].sass_bytes, 256);
		assert_int_equal(f.fatbin.arch[1].ptx_uncompressed, 300);
		assert_int_equal(f.fatbin.n_where, 1);
		assert_string_equal(f.fatbin.where[0].section, ".nv_fatbin");
		against_readelf(p, l.len, &f, "hand.so");
		elf_facts_free(&f);
		free(p);
	}
}

/* .dynstr before .dynamic beyond what is kept: a problem, no memory. */
static void
test_prefix_bound(void **state)
{
	struct bopts b = base_opts;
	struct blayout l;
	struct elf_facts f, g;
	unsigned char *p;

	(void)state;
	b.gap = ELF_PREFIX_MAX + 4096;
	b.dynstr_after = 0;
	p = build_elf(&b, &l);
	assert_true(l.dynstr_off < ELF_PREFIX_MAX);
	sniff(p, l.len, (int64_t)l.len, 65536, &f);
	/* .dynstr itself starts inside the prefix: found. */
	assert_null(f.problem);
	assert_int_equal(f.n_needed, 2);
	elf_facts_free(&f);
	free(p);

	/* .dynstr before .dynamic but past the prefix (and far from the
	 * window before the section headers): passed before anything
	 * pointed at it, and not kept. */
	b.gap = 0;
	b.pad = ELF_PREFIX_MAX + 100;
	b.debug_size = 2 * ELF_TAIL_WINDOW;
	p = build_elf(&b, &l);
	assert_true(l.dynstr_off > ELF_PREFIX_MAX && l.dyn_off > l.dynstr_off);
	sniff(p, l.len, (int64_t)l.len, 65536, &f);
	assert_non_null(f.problem);
	assert_non_null(strstr(f.problem, "past the first 8 MiB"));
	assert_int_equal(f.n_needed, 0);
	assert_null(f.soname);
	sniff(p, l.len, (int64_t)l.len, 0, &g);
	assert_facts_equal(&f, &g);
	elf_facts_free(&g);
	elf_facts_free(&f);
	free(p);

	/* After .dynamic, however far: captured as it passes. */
	b = base_opts;
	b.dynstr_after = 1;
	b.debug_size = ELF_PREFIX_MAX + 12345;
	p = build_elf(&b, &l);
	sniff(p, l.len, (int64_t)l.len, 65536, &f);
	assert_null(f.problem);
	assert_int_equal(f.n_needed, 2);
	assert_int_equal(f.debug_bytes, l.debug_bytes);
	elf_facts_free(&f);
	free(p);
}

/*
 * Where the program headers say .dynstr must end: the first segment's
 * end when it holds no code, its entry point when it does (no bound
 * without one).  A string past the cut is a problem, in any chunking.
 */
static void
test_prefix_cut(void **state)
{
	static const struct { size_t load1; int x; size_t entry; int found; }
	    c[] = {
		{ 1, 0, 0, 1 },		/* load1 = .dynstr's end */
		{ 2, 0, 0, 0 },		/* load1 = .dynstr's start */
		{ 3, 1, 1, 1 },		/* code; entry after .dynstr */
		{ 3, 1, 2, 0 },		/* code; entry at .dynstr */
		{ 3, 1, 0, 1 },		/* code; no entry: ELF_PREFIX_MAX */
	};
	struct bopts b = base_opts;
	struct blayout l;
	struct elf_facts f, g;
	unsigned char *p;
	size_t i, end, at[4];

	(void)state;
	b.interp = NULL;
	b.pad = 100000;
	b.debug_size = 2 * ELF_TAIL_WINDOW;	/* .shstrtab's window too */
	p = build_elf(&b, &l);
	free(p);
	end = l.dynstr_off + l.dynstr_size;
	at[1] = end;
	at[2] = l.dynstr_off;
	at[3] = l.len;
	for (i = 0; i < NELEM(c); i++) {
		char want[64];

		b.load1 = at[c[i].load1];
		b.load1_x = c[i].x;
		b.entry = c[i].entry == 0 ? 0 : c[i].entry == 1 ? end + 16 :
		    l.dynstr_off;
		p = build_elf(&b, &l);
		sniff(p, l.len, (int64_t)l.len, 65536, &f);
		sniff(p, l.len, (int64_t)l.len, 0, &g);
		assert_facts_equal(&f, &g);
		if (c[i].found) {
			assert_null(f.problem);
			assert_int_equal(f.n_needed, 2);
			assert_string_equal(f.soname, "libhand.so.3");
		} else {
			snprintf(want, sizeof(want), "past byte %zu,",
			    l.dynstr_off);
			if (f.problem == NULL || strstr(f.problem, want) == NULL)
				fail_msg("case %zu: %s", i, f.problem ?
				    f.problem : "no problem");
			assert_int_equal(f.n_needed, 0);
			assert_null(f.soname);
		}
		elf_facts_free(&g);
		elf_facts_free(&f);
		free(p);
	}
}

/* ---- hostile files ------------------------------------------------------- */

static void
put_at(unsigned char *p, size_t at, uint64_t v, int width, int be)
{
	int i;

	for (i = 0; i < width; i++)
		p[at + (size_t)(be ? width - 1 - i : i)] =
		    (unsigned char)(v >> (8 * i));
}

/* Sniffed with several chunkings: always the same facts, a problem. */
static char *
hostile(const unsigned char *p, size_t fed, int64_t size)
{
	static const size_t chunks[] = { 0, 1, 7, 4096 };
	struct elf_facts f, g;
	char *prob;
	size_t i;

	sniff(p, fed, size, chunks[0], &f);
	for (i = 1; i < NELEM(chunks); i++) {
		sniff(p, fed, size, chunks[i], &g);
		assert_facts_equal(&f, &g);
		elf_facts_free(&g);
	}
	if (f.problem == NULL)
		fail_msg("no problem found (%zu bytes fed of %lld)", fed,
		    (long long)size);
	prob = xstrdup(f.problem);
	elf_facts_free(&f);
	return prob;
}

static void
expect(char *problem, const char *part)
{
	if (strstr(problem, part) == NULL)
		fail_msg("problem \"%s\" does not say \"%s\"", problem, part);
	free(problem);
}

static void
test_hostile_truncated(void **state)
{
	struct blayout l;
	unsigned char *p = build_elf(&base_opts, &l);
	size_t cuts[16], i, n = 0;

	(void)state;
	cuts[n++] = 0;
	cuts[n++] = 1;
	cuts[n++] = 10;
	cuts[n++] = 51;
	cuts[n++] = 63;
	cuts[n++] = 64;
	cuts[n++] = 100;
	cuts[n++] = l.dyn_off + 5;
	cuts[n++] = l.shstr_off + 3;
	cuts[n++] = l.shoff + 10;
	cuts[n++] = l.len - 1;
	for (i = 0; i < n; i++) {
		/* The size says more than was fed: truncated. */
		expect(hostile(p, cuts[i], (int64_t)l.len),
		    cuts[i] < 64 ? "truncated ELF header" : "truncated");
		/* The size agrees: what points past it is the problem. */
		free(hostile(p, cuts[i], (int64_t)cuts[i]));
	}
	/* One byte, and nothing at all. */
	assert_false(elf_magic(p, 1));
	expect(hostile(p, 1, 1), "truncated ELF header (1 bytes)");
	expect(hostile(p, 0, 0), "truncated ELF header (0 bytes)");
	free(p);
}

static void
test_hostile_sections(void **state)
{
	struct blayout l;
	unsigned char *p = build_elf(&base_opts, &l), *q;
	size_t n;

	(void)state;
	/* e_shoff 10 bytes before the end */
	put_at(p, 40, l.len - 10, 8, 0);
	expect(hostile(p, l.len, (int64_t)l.len),
	    "section header table runs past the end");
	/* 65535 sections claimed at the real offset */
	put_at(p, 40, l.shoff, 8, 0);
	put_at(p, 60, 65535, 2, 0);
	expect(hostile(p, l.len, (int64_t)l.len), "65535 sections claimed");
	free(p);

	/* A million sections, the count in section 0 (e_shnum = 0) with
	 * e_shoff at the last header. */
	p = build_elf(&base_opts, &l);
	put_at(p, 60, 0, 2, 0);
	put_at(p, 40, l.len - 64, 8, 0);
	put_at(p, l.len - 64 + 32, 1000000, 8, 0);
	expect(hostile(p, l.len, (int64_t)l.len), "1000000 sections claimed");
	free(p);

	/* 70,000 that do fit in the file: more than are read. */
	p = build_elf(&base_opts, &l);
	n = l.len + 70000 * 64;
	q = calloc(1, n);
	assert_non_null(q);
	memcpy(q, p, l.len);
	put_at(q, 60, 0, 2, 0);
	put_at(q, 40, l.len, 8, 0);
	put_at(q, l.len + 32, 70000, 8, 0);
	expect(hostile(q, n, (int64_t)n), "70000 sections claimed, more than");
	free(q);

	/* A name offset past .shstrtab. */
	put_at(p, l.sh_debug_at, 0x7fffffff, 4, 0);
	expect(hostile(p, l.len, (int64_t)l.len), "name offset 2147483647");
	free(p);

	/* e_shstrndx out of range, then pointing at a section whose bytes
	 * lie long before the table (.dynstr: not kept). */
	p = build_elf(&base_opts, &l);
	put_at(p, 62, 300, 2, 0);
	expect(hostile(p, l.len, (int64_t)l.len), "e_shstrndx 300");
	free(p);

	/* Garbage after the magic. */
	p = calloc(1, 10000);
	assert_non_null(p);
	memcpy(p, "\177ELF\007\003", 6);
	for (n = 6; n < 10000; n++)
		p[n] = (unsigned char)(n * 131 + 7);
	expect(hostile(p, 10000, 10000), "not an ELF file: class 7");
	free(p);
}

static void
test_hostile_dynamic(void **state)
{
	struct blayout l;
	struct elf_facts f;
	unsigned char *p;

	(void)state;
	/* DT_STRSZ huge: noted, the names are still read. */
	p = build_elf(&base_opts, &l);
	put_at(p, l.strsz_at, (uint64_t)1 << 40, 8, 0);
	sniff(p, l.len, (int64_t)l.len, 7, &f);
	assert_non_null(f.problem);
	assert_non_null(strstr(f.problem, "DT_STRSZ 1099511627776"));
	assert_int_equal(f.n_needed, 2);
	elf_facts_free(&f);
	free(p);

	/* A DT_NEEDED offset past the string table. */
	p = build_elf(&base_opts, &l);
	put_at(p, l.needed_at, 100000, 8, 0);
	expect(hostile(p, l.len, (int64_t)l.len), "lies past the string");
	free(p);

	/* The last string runs to the end of the table, unterminated. */
	p = build_elf(&base_opts, &l);
	p[l.dynstr_off + l.dynstr_size - 1] = 'x';
	expect(hostile(p, l.len, (int64_t)l.len), "not terminated");
	free(p);

	/* 65535 program headers: past the end. */
	p = build_elf(&base_opts, &l);
	put_at(p, 56, 65534, 2, 0);
	expect(hostile(p, l.len, (int64_t)l.len), "program headers");
	free(p);

	/* PT_DYNAMIC larger than the file. */
	p = build_elf(&base_opts, &l);
	put_at(p, l.phoff + 2 * 56 + 32, (uint64_t)1 << 50, 8, 0);
	expect(hostile(p, l.len, (int64_t)l.len), "PT_DYNAMIC");
	free(p);

	/* No DT_NULL (the last entry retagged DT_DEBUG): the walk stops at
	 * the end of the segment; a section linking to itself. */
	p = build_elf(&base_opts, &l);
	put_at(p, l.strsz_at + 8, 21, 8, 0);
	put_at(p, l.shoff + (l.n_sect - 4) * 64 + 40,
	    l.n_sect - 4, 4, 0);
	sniff(p, l.len, (int64_t)l.len, 1, &f);
	assert_int_equal(f.n_needed, 2);
	elf_facts_free(&f);
	free(p);

	/* DT_STRTAB in no segment. */
	p = build_elf(&base_opts, &l);
	put_at(p, l.strsz_at - 16, 0x7000000000, 8, 0);
	expect(hostile(p, l.len, (int64_t)l.len), "in no loaded segment");
	free(p);
}

/* Random mutations: never a crash, and the facts never depend on how
 * the bytes were chunked (ASan/UBSan builds check the first part). */
static void
test_mutations(void **state)
{
	static const struct { int cls, be, after; } v[] = {
		{ 64, 0, 0 }, { 32, 1, 1 },
	};
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	unsigned char fb[1024], *p, *q;
	struct bopts b = base_opts;
	struct blayout l;
	struct elf_facts f, g;
	size_t i, it, m, len, at, chunks[] = { 1, 13, 4096 };
	int n_problems = 0;

	(void)state;
	b.fatbin = fb;
	b.fatbin_len = small_fatbin(fb);
	for (i = 0; i < NELEM(v); i++) {
		b.cls = v[i].cls;
		b.be = v[i].be;
		b.dynstr_after = v[i].after;
		p = build_elf(&b, &l);
		q = malloc(l.len);
		for (it = 0; it < 1500; it++) {
			memcpy(q, p, l.len);
			len = l.len;
			for (m = 0; m < 1 + it % 4; m++) {
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				switch (x % 5) {
				case 0:		/* the headers */
					at = (x >> 8) % 64;
					break;
				case 1:		/* program headers, .dynamic */
					at = (x >> 8) % (l.shstr_off);
					break;
				case 2:		/* section headers */
					at = l.shoff + (x >> 8) %
					    (l.len - l.shoff);
					break;
				case 3:		/* truncate */
					len = 1 + (x >> 8) % l.len;
					continue;
				default:
					at = (x >> 8) % l.len;
					break;
				}
				q[at] = (unsigned char)(x >> 40);
				if (at + 1 < l.len && (x & 0x100))
					q[at + 1] = (x & 0x200) ? 0xff : 0;
			}
			sniff(q, len, (int64_t)len, 0, &f);
			n_problems += f.problem != NULL;
			for (m = 0; m < NELEM(chunks); m++) {
				sniff(q, len, (int64_t)len, chunks[m], &g);
				assert_facts_equal(&f, &g);
				elf_facts_free(&g);
			}
			elf_facts_free(&f);
		}
		free(q);
		free(p);
	}
	print_message("3000 mutated files, %d with a problem noted\n",
	    n_problems);
}

/* ---- the machine's own libraries ----------------------------------------- */

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
check_dir(const char *dir, int max, long long max_size)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char *names[4096], path[1024];
	int n = 0, i, done = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL && n < 4096)
		if (strstr(e->d_name, ".so") != NULL)
			names[n++] = xstrdup(e->d_name);
	closedir(d);
	qsort(names, (size_t)n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		struct stat st;
		struct elf_facts f, g;
		struct ref r;
		unsigned char *p;
		size_t len;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		free(names[i]);
		if (done >= max || lstat(path, &st) != 0 ||
		    !S_ISREG(st.st_mode) || st.st_size > max_size ||
		    st.st_size < 64)
			continue;
		p = slurp(path, &len);
		if (!elf_magic(p, len)) {
			free(p);
			continue;
		}
		sniff(p, len, (int64_t)len, 65536, &f);
		sniff(p, len, (int64_t)len, 4093, &g);
		assert_facts_equal(&f, &g);
		elf_facts_free(&g);
		free(p);
		if (f.problem != NULL)
			fail_msg("%s: %s", path, f.problem);
		readelf_ref(path, &r);
		assert_matches_readelf(&f, &r);
		ref_free(&r);
		elf_facts_free(&f);
		done++;
	}
	return done;
}

static void
test_system_libraries(void **state)
{
	int n;

	(void)state;
	if (!have_tool("readelf")) {
		print_message("skip: no readelf\n");
		skip();
	}
	n = check_dir("/usr/lib/x86_64-linux-gnu", 150, 64 << 20);
	n += check_dir("/usr/lib/aarch64-linux-gnu", 150, 64 << 20);
	/* cuDNN's libraries keep .dynstr after .dynamic (patchelf). */
	n += check_dir("/usr/local/cuda/lib64", 20, 64 << 20);
	print_message("%d libraries agree with readelf\n", n);
	if (n == 0) {
		print_message("skip: no libraries found\n");
		skip();
	}
}

/* ---- memory ------------------------------------------------------------- */

/* Bytes of heap in use: arenas plus mmap()ed chunks (glibc). */
static size_t
heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

/* Feed p in libarchive's 64 KiB blocks; the most heap held between them. */
static size_t
sniff_peak(const unsigned char *p, size_t n, struct elf_facts *f)
{
	size_t base = heap_in_use(), peak = 0, at, k, now;
	struct elf_sniffer *s = elf_sniff_new((int64_t)n);

	for (at = 0; at < n; at += k) {
		k = n - at < 65536 ? n - at : 65536;
		elf_sniff_feed(s, p + at, k);
		now = heap_in_use();
		if (now > base && now - base > peak)
			peak = now - base;
	}
	elf_sniff_finish(s, f);
	return peak;
}

/*
 * A file that makes a sniffer hold all it ever holds at once: PT_DYNAMIC
 * past ELF_PREFIX_MAX with .dynstr at the start (the whole prefix kept),
 * 70,000 small fatbin containers in between (more than the scanner
 * remembers the places of), and a table of ELF_SECTIONS_MAX sections far
 * from the start (the whole tail window kept).  Then the largest CUDA
 * libraries, when they are there.
 */
static void
test_memory_bound(void **state)
{
	static const char *const libs[] = {
		"/usr/local/cuda/lib64/libcublasLt.so.[0-9]*",
		"/usr/local/cuda/lib64/libcudnn_engines_precompiled.so.[0-9]*",
		"/usr/local/cuda/lib64/libnccl.so.[0-9]*",
	};
	struct bopts b = base_opts;
	struct blayout l;
	struct elf_facts f;
	unsigned char *p, *q, *big;
	size_t at, i, n, peak, nsect = ELF_SECTIONS_MAX;
	glob_t gl;

	(void)state;
	/* Does mallinfo2() see our allocations (not under ASan)? */
	at = heap_in_use();
	big = xmalloc(1 << 20);
	n = heap_in_use() - at;
	free(big);
	if (n < (1 << 20)) {
		print_message("skip: mallinfo2() does not see this malloc\n");
		skip();
	}

	b.gap = ELF_PREFIX_MAX + 4096;
	p = build_elf(&b, &l);
	at = (l.dynstr_off + l.dynstr_size + 7) / 8 * 8;
	for (i = 0; i < 70000; i++, at += 80) {
		assert_true(at + 80 <= l.dyn_off);
		put_at(p, at, 0xBA55ED50u, 4, 0);
		put_at(p, at + 4, 1, 2, 0);
		put_at(p, at + 6, 16, 2, 0);
		put_at(p, at + 8, 64, 8, 0);
		put_at(p, at + 16, 2, 2, 0);		/* SASS */
		put_at(p, at + 18, 0x0101, 2, 0);
		put_at(p, at + 20, 64, 4, 0);
		put_at(p, at + 16 + 28, 80, 4, 0);	/* sm_80 */
	}
	/* The section table again, after the old one, with nsect entries
	 * (the count in section 0); .shstrtab stays where it was. */
	n = l.len + nsect * 64;
	q = calloc(1, n);
	assert_non_null(q);
	memcpy(q, p, l.len);
	memcpy(q + l.len, p + l.shoff, l.n_sect * 64);
	put_at(q, 40, l.len, 8, 0);
	put_at(q, 60, 0, 2, 0);
	put_at(q, l.len + 32, nsect, 8, 0);
	free(p);

	peak = sniff_peak(q, n, &f);
	print_message("worst-case file (%zu MB): %zu bytes held at most "
	    "(bound %d)\n", n / 1000000, peak, ELF_MEMORY_MAX);
	assert_null(f.problem);
	assert_int_equal(f.n_needed, 2);
	assert_int_equal(f.fatbin.n_containers, 70000);
	assert_true(peak > ELF_PREFIX_MAX);	/* it did fill the windows */
	assert_true(peak <= ELF_MEMORY_MAX);
	elf_facts_free(&f);
	free(q);

	for (i = 0; i < NELEM(libs); i++) {
		struct stat st;
		int fd;

		if (glob(libs[i], 0, NULL, &gl) != 0)
			continue;
		fd = open(gl.gl_pathv[0], O_RDONLY);
		assert_true(fd >= 0 && fstat(fd, &st) == 0);
		p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd,
		    0);
		assert_true(p != MAP_FAILED);
		peak = sniff_peak(p, (size_t)st.st_size, &f);
		print_message("%s (%lld MB): %zu bytes held at most\n",
		    gl.gl_pathv[0], (long long)st.st_size / 1000000, peak);
		assert_true(peak <= ELF_MEMORY_MAX);
		elf_facts_free(&f);
		munmap(p, (size_t)st.st_size);
		close(fd);
		globfree(&gl);
	}
}

static void
test_magic_and_free(void **state)
{
	struct elf_sniffer *s;

	(void)state;
	assert_true(elf_magic("\177ELF", 4));
	assert_false(elf_magic("\177EL", 3));
	assert_false(elf_magic("#!/bin/sh", 9));
	/* Abandoned sniffers and empty facts free cleanly. */
	s = elf_sniff_new(1000);
	elf_sniff_feed(s, "\177ELF\002\001\001", 7);
	elf_sniff_free(s);
	elf_sniff_free(NULL);
	elf_facts_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_magic_and_free),
		cmocka_unit_test(test_handmade_orders),
		cmocka_unit_test(test_prefix_bound),
		cmocka_unit_test(test_prefix_cut),
		cmocka_unit_test(test_hostile_truncated),
		cmocka_unit_test(test_hostile_sections),
		cmocka_unit_test(test_hostile_dynamic),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_gcc_fixtures),
		cmocka_unit_test(test_gcc_m32),
		cmocka_unit_test(test_system_libraries),
		cmocka_unit_test(test_memory_bound),
	};

	atexit(rm_scratch);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
