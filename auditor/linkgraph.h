/* SPDX-License-Identifier: MIT */
/*
 * linkgraph.h: the ELF files of the final tree, linked the way ld.so would
 * link them, and what their bytes hold (debug sections, GPU code).
 *
 * Call sequence (after tree_finish()):
 *	struct linkgraph *g = linkgraph_build(tree, layers, n, img, &opt);
 *	... g->obj[], g->missing[], g->arch[] ...
 *	linkgraph_free(g);
 *
 * Ownership: the graph borrows the layers' ELF facts (layer.h) and the
 * tree; free it before them.
 *
 * Resolution (ld.so(8)): a DT_NEEDED name with a '/' is a path; otherwise
 * DT_RPATH (when there is no DT_RUNPATH: the object's, then its loader's,
 * up to the executable's), LD_LIBRARY_PATH from the config's
 * Env, DT_RUNPATH, the directories of /etc/ld.so.conf and its includes,
 * then the default directories (/lib, /usr/lib, their multiarch and lib64
 * forms).  $ORIGIN is the directory of the object as reached.  A candidate
 * of the wrong ELF class or machine is skipped, as ld.so skips it.
 * Roots: the entrypoint and cmd, every ELF executable in the config's
 * PATH, and Python extension modules.  Libraries that the knowledge
 * base's dlopen rules say a reached library loads are reached too.
 */
#ifndef IMGAUDIT_LINKGRAPH_H
#define IMGAUDIT_LINKGRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "elf.h"
#include "kb.h"
#include "layer.h"
#include "source.h"
#include "tree.h"

/* Files the link graph reads while layers stream: /etc/ld.so.conf{,.d/}. */
bool linkgraph_wants(const char *path);

enum obj_role {
	OBJ_LIBRARY = 0,	/* a shared library */
	OBJ_EXECUTABLE,		/* has an interpreter, or ET_EXEC */
	OBJ_EXTENSION,		/* a Python extension module */
	OBJ_OTHER		/* relocatable objects, core files */
};

struct elf_obj {
	char *path;			/* "/usr/lib/x.so" */
	const struct elf_facts *f;	/* borrowed from the layer */
	uint32_t data;			/* tree data id */
	int64_t size;
	int layer;
	uint8_t role;			/* enum obj_role */
	bool root;
	bool reached;			/* by DT_NEEDED from a root */
	bool dlopened;			/* reached only through dlopen rules */
	/*
	 * For candidates (added; the facts above hold the rest: strip
	 * savings in f->debug_bytes and f->unneeded_bytes, GPU code per
	 * architecture and kind in f->fatbin.arch[]):
	 * a library (OBJ_LIBRARY) that nothing reaches, by DT_NEEDED or a
	 * dlopen rule; counted in linkgraph.unreferenced_bytes.
	 */
	bool unreferenced;
	int64_t gpu_bytes;		/* SASS + PTX + NVVM IR payload bytes,
					   all architectures (stored) */
	int64_t other_arch_bytes;	/* of those, for architectures not in
					   --target-arch; 0 without it */
};

struct missing_lib {
	char *soname;
	char *needed_by;		/* the first object that needs it */
	size_t n_needers;
};

/* GPU code of one architecture over the whole final tree. */
struct gpu_arch {
	struct fatbin_arch a;		/* summed */
	size_t n_libraries;		/* objects holding code for it */
};

struct linkgraph_options {
	const uint16_t *target_sm;	/* --target-arch, or NULL */
	size_t n_target_sm;
	/* The knowledge base's dlopen rules (kb.h); none: DT_NEEDED only. */
	const struct kb_dlopen_rule *dlopen;
	size_t n_dlopen;
};

struct linkgraph {
	struct elf_obj *obj;		/* by path */
	size_t n_obj;
	struct missing_lib *missing;	/* by soname */
	size_t n_missing;
	struct gpu_arch *arch;		/* by sm */
	size_t n_arch;
	int64_t elf_bytes;
	int64_t debug_bytes, unneeded_bytes;	/* strip would save */
	size_t n_unstripped;		/* objects with debug sections */
	int64_t unreferenced_bytes;	/* libraries nothing reaches */
	size_t n_unreferenced;
	size_t n_roots;
	struct findings findings;
};

struct linkgraph *linkgraph_build(struct tree *t,
    struct layer_result **layers, size_t n_layers, const struct image *img,
    const struct linkgraph_options *opt);

void linkgraph_free(struct linkgraph *g);

#endif
