/* SPDX-License-Identifier: MIT */
/*
 * audit.h: the pipeline.  Opens the source, reads every layer once on a
 * small thread pool, merges them in layer order, and keeps what the report
 * needs.
 *
 *	struct audit *a;
 *	st = audit_run(&opts, &a, &err);
 *	cJSON *report = report_build(a, top);     // report.h
 *	audit_free(a);
 *
 * Ownership: audit_run() allocates *out; audit_free() frees it and all it
 * holds.  Output does not depend on opts.jobs: layers are merged in order,
 * and when several layers fail the lowest-numbered failure is reported.
 */
#ifndef IMGAUDIT_AUDIT_H
#define IMGAUDIT_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "deps.h"
#include "dive.h"
#include "kb.h"
#include "layer.h"
#include "limits.h"
#include "linkgraph.h"
#include "owners.h"
#include "pkgdb.h"
#include "source.h"
#include "tree.h"

/*
 * Where layer results may already be (the scan database): get() returns 1
 * and a result for the layer, 0 when it has none; put() keeps a result
 * read from the blob.  Called from worker threads.
 */
struct layer_cache {
	int (*get)(void *ctx, const struct image_layer *il,
	    struct layer_result **out);
	void (*put)(void *ctx, const struct image_layer *il,
	    const struct layer_result *r);
	void *ctx;
};

/*
 * Where finished reports may already be (the scan database): get()
 * returns the report JSON (allocated) stored for manifest_digest under
 * the analysis key (audit_report_key()), or NULL.  top is the report's
 * --top, part of the key.
 */
struct report_store {
	char *(*get)(void *ctx, const char *manifest_digest,
	    const char *analysis);
	void *ctx;
	size_t top;
};

struct audit_options {
	const char *ref;		/* IMAGE as the user wrote it */
	struct source_options source;
	int jobs;			/* worker threads; 0 = number of cores */
	struct ia_limits limits;	/* --max-entries, --max-path, --max-json,
					   --max-pkgdb, --max-ratio */
	struct linkgraph_options link;	/* --target-arch */
	const struct layer_cache *cache;	/* or NULL */
	const struct report_store *reports;	/* or NULL */
	const char *const *kb_extra;	/* --kb-extra files, in order */
	size_t n_kb_extra;
	enum profile profile;		/* --profile */
	bool keep_files;		/* classified files for --policy */
	enum layer_inflate inflate;	/* --inflate: gzip by isa-l or zlib */
	enum layer_verify verify;	/* --verify: what is hashed */
	/* Called now and then from the main thread while layers are read. */
	void (*progress)(void *ctx, size_t layers_done, size_t layers,
	    int64_t bytes_read, int64_t bytes_total);
	void *progress_ctx;
};

struct candidates;
struct cJSON;

struct audit {
	struct source *src;
	const struct image *img;		/* borrowed from src */
	struct layer_result **layers;		/* one per image layer */
	size_t n_layers;
	struct tree *tree;
	struct tree_totals totals;
	struct dive_figures dive;
	struct pkgdb *pkgs;			/* the image's package databases */
	struct owners *owners;			/* who owns each file */
	struct deps *deps;			/* requirements, closures */
	struct removal *removals;		/* one per pkgs->v[] */
	struct linkgraph *graph;		/* ELF files, links, GPU code */
	struct linkgraph_options link;		/* copied from the options */
	struct kb *kb;				/* the knowledge base in force */
	struct candidates *cands;		/* purposes, ranked candidates */
	enum profile profile;			/* copied from the options */
	enum layer_verify verify;		/* copied from the options */
	struct findings findings;		/* image, layers, tree, packages */
	size_t cached_layers;			/* taken from opt->cache */
	int64_t pulled_bytes;			/* blob bytes actually read */
	/*
	 * With opt->reports: the analysis key, and the stored report when
	 * one matched (report_from_stored(), report.h: take it, and set
	 * it to NULL).  Then nothing past img and kb is filled in: no
	 * layer was read.
	 */
	char report_key[DIGEST_STRLEN];
	struct cJSON *stored_report;
};

enum ia_status audit_run(const struct audit_options *opt, struct audit **out,
    struct ia_error *err);

void audit_free(struct audit *a);

/*
 * The analysis key of a report: sha256 over this build of imgaudit (its
 * executable), the report schema, the knowledge base (kb_identity(), kb.h), top
 * and every option that can change a report.  img adds its layers' blobs
 * when its digest is only the config's (a docker archive), and may be
 * NULL for images named by a manifest digest.  Returns 0, or -1 when the
 * executable cannot be read (then no report is stored or taken).
 */
int audit_report_key(const struct audit_options *opt, const char *kb_digest,
    const struct image *img, size_t top, char out[DIGEST_STRLEN]);

#endif
