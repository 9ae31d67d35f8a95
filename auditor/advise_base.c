/* SPDX-License-Identifier: MIT */
/*
 * advise_base.c: name the base image — nvidia/cuda devel, runtime or base,
 * the official python image full or slim, a training framework image —
 * from the files of the final tree, backed by the config's label
 * org.opencontainers.image.base.name and the history, with the bytes at
 * stake.  What removing a base's extras frees is the base-image candidates'
 * (candidates.c, the knowledge base's base_rules): the findings only point
 * at them, so no byte is counted twice.  The layer order is advise.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "advise.h"
#include "audit.h"
#include "candidates.h"

struct cuda_seen {
	bool nvcc, cublas, cudart;
};

static int
cuda_visit(void *ctx, const char *path, size_t len,
    const struct tree_stat *st)
{
	struct cuda_seen *c = ctx;
	const char *b;

	(void)len;
	/* Below usr/local only the cuda* directories matter. */
	if (strncmp(path, "usr/local/", 10) == 0 &&
	    strchr(path + 10, '/') == NULL && strncmp(path + 10, "cuda", 4))
		return TREE_WALK_PRUNE;
	b = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
	if (strcmp(b, "nvcc") == 0 && st->kind != ENTRY_DIR)
		c->nvcc = true;
	else if (strncmp(b, "libcublas", 9) == 0)
		c->cublas = true;
	else if (strncmp(b, "libcudart.so", 12) == 0)
		c->cudart = true;
	return TREE_WALK_CONTINUE;
}

static const struct candidate *
base_candidate(const struct audit *a, const char *rule)
{
	size_t i;

	for (i = 0; a->cands != NULL && i < a->cands->n; i++)
		if (a->cands->v[i].kind == CK_BASE &&
		    a->cands->v[i].subject != NULL &&
		    strcmp(a->cands->v[i].subject, rule) == 0)
			return &a->cands->v[i];
	return NULL;
}

/* The first created_by holding word, as "layer N". */
static int
history_has(const struct audit *a, const char *word)
{
	size_t i;

	for (i = 0; i < a->n_layers; i++)
		if (a->img->layers[i].created_by != NULL &&
		    strstr(a->img->layers[i].created_by, word) != NULL)
			return (int)i;
	return -1;
}

static void
base_finding(struct audit *a, const char *title, const char *evidence,
    const struct candidate *c, const char *fallback)
{
	if (c != NULL)
		findings_add(&a->findings, "base-image", title,
		    "recognised from %s; at stake: %lld bytes (%lld "
		    "compressed), the candidate \"%s\": %s", evidence,
		    (long long)c->bytes, (long long)c->compressed, c->title,
		    c->fix ? c->fix : "");
	else
		findings_add(&a->findings, "base-image", title,
		    "recognised from %s; %s", evidence, fallback);
}

void
advise_base(struct audit *a)
{
	struct cuda_seen cs = { false, false, false };
	cJSON *labels = a->img->labels ? cJSON_Parse(a->img->labels) : NULL;
	const cJSON *bn = cJSON_GetObjectItemCaseSensitive(labels,
	    "org.opencontainers.image.base.name");
	const char *base = cJSON_IsString(bn) ? bn->valuestring : NULL;
	const struct candidate *c;
	char ev[512], title[160];
	struct tree_stat st;
	int h;

	/* The label, shortened: it is an image string and may be long. */
	if (base != NULL && strlen(base) > 120)
		base = NULL;
	tree_walk(a->tree, "usr/local", cuda_visit, &cs);

	/* CUDA: the files decide the flavour; label and history back it. */
	if (cs.nvcc || cs.cublas || cs.cudart || (base != NULL &&
	    strstr(base, "nvidia/cuda") != NULL)) {
		const char *flavour = cs.nvcc ? "devel" : cs.cublas ?
		    "runtime" : cs.cudart ? "base" : strstr(base, "devel") ?
		    "devel" : strstr(base, "runtime") ? "runtime" : "base";
		int off;

		off = snprintf(ev, sizeof(ev), "%s", cs.nvcc ?
		    "the file /usr/local/cuda*/bin/nvcc" : cs.cublas ?
		    "libcublas in /usr/local/cuda* and no nvcc" : cs.cudart ?
		    "only libcudart in /usr/local/cuda*" : "the label");
		if (base != NULL)
			off += snprintf(ev + off, sizeof(ev) - (size_t)off,
			    ", label org.opencontainers.image.base.name=%s",
			    base);
		if ((h = history_has(a, "cuda-nvcc")) >= 0 ||
		    (h = history_has(a, "cuda-libraries-")) >= 0)
			snprintf(ev + off, sizeof(ev) - (size_t)off,
			    ", history (layer %d installs CUDA packages)", h);
		snprintf(title, sizeof(title), "base: nvidia/cuda %s", flavour);
		c = base_candidate(a, flavour[0] == 'd' ? "cuda-devel" :
		    "duplicate-cuda");
		base_finding(a, title, ev, c, flavour[0] == 'd' ?
		    "the compiler toolchain is in the image: a -runtime base "
		    "serves unless something compiles CUDA code at run time" :
		    "nothing at stake found: the runtime and base flavours "
		    "are what serving needs");
	}

	/* Python: the official full image, or slim. */
	c = base_candidate(a, "python-full");
	if (c != NULL) {
		snprintf(ev, sizeof(ev), "CPython in /usr/local without "
		    "/etc/dpkg/dpkg.cfg.d/docker%s%s", base ? ", label " : "",
		    base ? base : "");
		base_finding(a, "base: python full", ev, c, "");
	} else if (tree_stat(a->tree, "etc/dpkg/dpkg.cfg.d/docker", &st) == 0 &&
	    tree_stat(a->tree, "usr/local/bin/python3", &st) == 0) {
		base_finding(a, "base: python slim", "CPython in /usr/local "
		    "and "
		    "/etc/dpkg/dpkg.cfg.d/docker (Debian slim)", NULL,
		    "the slim flavour already: nothing at stake");
	}

	/* A training framework image used to serve. */
	if (base != NULL && (strstr(base, "pytorch/pytorch") != NULL ||
	    strstr(base, "nvidia/pytorch") != NULL ||
	    (strstr(base, "tensorflow/tensorflow") != NULL &&
	    strstr(base, "serving") == NULL))) {
		int64_t stake = a->cands ? a->cands->purpose_bytes[
		    P_TRAINING_ONLY] + a->cands->purpose_bytes[P_DEV_ONLY] : 0;

		snprintf(ev, sizeof(ev), "label org.opencontainers.image."
		    "base.name=%s", base);
		findings_add(&a->findings, "base-image",
		    "base: training framework image",
		    "recognised from %s; at stake: %lld bytes of training-only "
		    "and dev-only files (see the candidates). Dockerfile: "
		    "serve "
		    "from a runtime image (nvidia/cuda:<version>-runtime or "
		    "python:3.X-slim) with the framework's inference wheels",
		    ev, (long long)stake);
	}
	cJSON_Delete(labels);
}
