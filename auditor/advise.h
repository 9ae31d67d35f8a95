/* SPDX-License-Identifier: MIT */
/*
 * advise.h: advice on how an image is built — the order of its layers and
 * its base image — as findings of the audit (docs/diff.md, "Advice").
 *
 * Call sequence (after candidates_build(), from audit_run()):
 *	advise_run(a);                   // appends to a->findings
 * or, for a caller that wants the per-layer facts (diff.c):
 *	struct layer_facts *lf = advise_layers(a);
 *	... lf[0 .. a->n_layers) ...
 *	free(lf);
 *
 * Ownership: advise_layers() returns an array the caller frees with
 * free(); it borrows nothing.  advise_run() only adds findings.
 *
 * Rules: each layer is classified from its files and its created_by: model
 * weights (by extension), a dependency or framework install (files that a
 * package database owns, or an install command that wrote any), app code
 * (code files no package owns, outside the system directories), a cleanup
 * (more whiteouts than files, deleting what earlier layers wrote).
 * The guidance orders steps from least to most often changing: base,
 * system packages and framework, language dependencies, app code, model.
 */
#ifndef IMGAUDIT_ADVISE_H
#define IMGAUDIT_ADVISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct audit;

enum layer_class {
	LC_EMPTY = 0,		/* no files (metadata, an empty RUN) */
	LC_BASE,		/* layer 0: the base image's root file system */
	LC_DEPS,		/* a package, dependency or framework install */
	LC_APP,			/* application code */
	LC_MODEL,		/* model weights */
	LC_CLEANUP,		/* mostly deletes what earlier layers wrote */
	LC_OTHER,
	LC_COUNT
};

/* Layers under this many bytes are "tiny"; more than ADVISE_TINY_MAX of
   them is a finding. */
#define ADVISE_TINY_BYTES	1000000
#define ADVISE_TINY_MAX		20

/*
 * Entries of earlier layers looked at, in all, to measure what cleanup
 * layers delete: a ceiling on the work (an image of a thousand layers of
 * whiteouts); past it the deleted bytes are lower bounds.
 */
#define ADVISE_WORK_MAX		50000000

struct layer_facts {
	enum layer_class cls;
	int64_t bytes;		/* regular files' bytes */
	int64_t files;		/* regular files */
	int64_t model_bytes;	/* of bytes: model weights */
	int64_t pkg_bytes;	/* of bytes: package-owned or package dirs */
	int64_t code_bytes;	/* of bytes: unowned code outside system dirs */
	int64_t whiteouts;	/* whiteout and opaque entries */
	int64_t deleted_bytes;	/* earlier layers' visible bytes it deletes */
	int install;		/* created_by installs packages (enum below) */
	bool context_copy;	/* a COPY of the whole build context */
};

/* What an install command installs with (advise_install_kind()). */
enum { INSTALL_NONE = 0, INSTALL_APT, INSTALL_PIP, INSTALL_CONDA,
	INSTALL_NPM, INSTALL_APK, INSTALL_OTHER };

/* Per-layer facts and classes of the audit; the caller frees the array. */
struct layer_facts *advise_layers(const struct audit *a);

/* Add the layer-order and base-image findings to a->findings. */
void advise_run(struct audit *a);

/*
 * Add the base-image findings alone (advise_base.c): "base: nvidia/cuda
 * devel", "base: python full", ... with the bytes of the base-image
 * candidate they point at.  advise_run() calls it.
 */
void advise_base(struct audit *a);

/* Pure helpers (unit-tested). */

/* Does the path name model weights (.safetensors, .gguf, .onnx, ...)? */
bool advise_is_model_path(const char *path);

/* Is the path a source file or a dependency manifest of an app? */
bool advise_is_code_path(const char *path);

/* Is the path a dependency manifest (requirements.txt, package.json ...)? */
bool advise_is_manifest_path(const char *path);

/* Is the path under a system directory (usr/lib, etc, var ...)?  Paths are
   root-relative ("usr/lib/x"). */
bool advise_is_system_path(const char *path);

/* INSTALL_* for a created_by string ("RUN pip install -r ..."), or 0. */
int advise_install_kind(const char *created_by);

/* Does created_by copy the whole build context ("COPY . /app")? */
bool advise_copies_context(const char *created_by);

/*
 * The class of layer index from its facts and created_by (may be NULL).
 * Order of the tests: base, cleanup, empty, model, dependencies, app.
 */
enum layer_class advise_classify(const struct layer_facts *f,
    const char *created_by, size_t index);

/* "base", "dependencies", "app", "model", ... */
const char *advise_class_name(enum layer_class c);

/*
 * created_by as a short one-line step: "RUN pip install ..." without the
 * "/bin/sh -c " and "#(nop) " prefixes or buildkit's " # buildkit", cut
 * to at most width bytes (a UTF-8 sequence is never split).  buf needs
 * width + 4 bytes; NULL or empty gives "(no history)".
 */
const char *advise_step(const char *created_by, size_t width, char *buf,
    size_t n);

#endif
