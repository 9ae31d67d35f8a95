/* SPDX-License-Identifier: MIT */
/*
 * candidates.h: classify every file of the final tree into a purpose and
 * turn what is removable into ranked candidates — one action a user can
 * take, with the bytes it frees, the fix, and why.
 *
 * Call sequence (after attribution: owners, deps, link graph):
 *	struct candidates *c = candidates_build(a, kb, PROFILE_INFERENCE, 0);
 *	... c->v[0 .. c->n) ranked, c->removable_bytes ...
 *	candidates_free(c);
 *
 * Ownership: everything in struct candidates belongs to it; it borrows
 * nothing after candidates_build() returns.
 *
 * Rules (docs/knowledge-base.md):
 * - A file's purpose: the purpose of the package candidate that removes
 *   it; else its CUDA library rule; else its path rule (the most specific
 *   glob); else its owner package's rule, or runtime when the package has
 *   none; else unknown.  A file with several names (hard links) is
 *   classified by the first name the tree walk meets.
 * - A candidate's bytes are what its own fix frees, whatever the other
 *   candidates do, so two candidates may list the same file.  The totals
 *   (removable_bytes) count each byte once, over the candidates of high or
 *   medium confidence; low-confidence candidates are listed only.
 * - Compressed bytes are estimated per file from its layer's compression
 *   ratio (compressed blob bytes / tar bytes).
 */
#ifndef IMGAUDIT_CANDIDATES_H
#define IMGAUDIT_CANDIDATES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "kb.h"

struct audit;

enum cand_kind {
	CK_UNINSTALL = 0,	/* "uninstall-package" */
	CK_RECOMMENDS,		/* "no-install-recommends" */
	CK_PATHS,		/* "remove-paths" */
	CK_CUDA,		/* "cuda-library" */
	CK_BASE,		/* "base-image" */
	CK_WASTED,		/* "wasted-layer" */
	CK_STRIP,		/* "strip-debug" */
	CK_GPU_ARCH,		/* "gpu-arch" */
	CK_UNREFERENCED,	/* "unreferenced-libraries" */
	CK_COUNT
};

#define CAND_TOP_PATHS	10

struct cand_path {
	char *path;		/* "/root/.cache/pip/x" */
	int64_t bytes;
};

struct candidate {
	enum cand_kind kind;
	char *title;
	char *reason;
	char *fix;		/* what to change, in words or Dockerfile */
	char *command;		/* the exact shell command, or NULL */
	char *subject;		/* "pip:tensorboard", a rule, a component */
	enum purpose purpose;
	enum confidence confidence;
	int64_t bytes, compressed, files;
	struct cand_path top[CAND_TOP_PATHS];	/* largest first */
	size_t n_top;
	int *layers;		/* layers its bytes come from, ascending */
	size_t n_layers;
	char **packages;	/* "eco:name" it removes */
	size_t n_packages;
};

/* One file of the final tree and its purpose (for --policy). */
struct classified_file {
	char *path;
	int64_t bytes;
	enum purpose purpose;
};

struct candidates {
	struct candidate *v;		/* ranked: bytes, then compressed */
	size_t n;
	int64_t removable_bytes, removable_compressed;
	int64_t purpose_bytes[P_COUNT];
	int64_t purpose_files[P_COUNT];
	int64_t (*layer_purpose)[P_COUNT];	/* per layer: final-tree bytes
						   whose data it holds */
	size_t n_layers;
	enum purpose *pkg_purpose;	/* per package of the audit */
	size_t n_pkg;
	struct classified_file *files;	/* when keep_files was set */
	size_t n_files;
	struct findings findings;	/* advice: alternatives, blocked */
};

/*
 * Classify the final tree of a and rank the candidates.  keep_files
 * keeps every file with its purpose in ->files.  Never fails.
 */
struct candidates *candidates_build(const struct audit *a,
    const struct kb *kb, enum profile profile, bool keep_files);

void candidates_free(struct candidates *c);

/* "uninstall-package", "remove-paths", ... */
const char *candidate_kind_name(enum cand_kind k);

#endif
