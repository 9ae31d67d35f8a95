/* SPDX-License-Identifier: MIT */
/*
 * source_private.h: what the image-source modules share.  An image lives in
 * a "container" of named files — a directory (OCI layout) or an outer tar
 * (docker archive, OCI archive) — and the format readers only ask it for
 * small JSON files and for blob streams by name.
 */
#ifndef IMGAUDIT_SOURCE_PRIVATE_H
#define IMGAUDIT_SOURCE_PRIVATE_H

#include <cjson/cJSON.h>

#include "source.h"
#include "tarindex.h"

/*
 * Images with more layers than this are refused: overlayfs stacks at most
 * 500 lower layers, docker at most 127, so none could run anyway.
 */
#define SOURCE_LAYERS_MAX	1000

struct source {
	struct image img;
	char *path;		/* the directory or archive */
	struct tarindex *ti;	/* NULL for a directory */
	int dirfd;		/* -1 for an archive */
	void *reg;		/* docker:// (source_registry.c), or NULL */
	int64_t json_max;	/* --max-json: a JSON document (manifest,
				   index, config) larger is refused */
};

/*
 * Fill err with the refusal of a JSON document of size bytes (-1: not
 * known, only that it is over the limit) and return IA_EINPUT.
 */
enum ia_status src_json_too_large(struct source *src, const char *name,
    int64_t size, struct ia_error *err);

/* Does the container hold a file of that name? */
int src_has(struct source *src, const char *name);

/*
 * Read a whole small file; *buf is NUL-terminated and the caller frees it.
 * IA_EINPUT with "missing blob"/"truncated" messages naming the file.
 */
enum ia_status src_read_all(struct source *src, const char *name,
    char **buf, size_t *len, struct ia_error *err);

/* Read and parse a JSON file; when digest is not NULL, verify it first. */
enum ia_status src_read_json(struct source *src, const char *name,
    const char *digest, const char *what, cJSON **out, struct ia_error *err);

/* Open a stream over a file, and tell its size. */
enum ia_status src_stream(struct source *src, const char *name,
    struct blob_stream *bs, int64_t *size, struct ia_error *err);

/* "blobs/sha256/<hex>" for a valid digest, into buf; -1 if not valid. */
int src_blob_path(const char *digest, char *buf, size_t n);

/* Fill the image description from a config document (history, platform). */
enum ia_status src_apply_config(struct source *src, cJSON *config,
    struct ia_error *err);

/* Layer compression named by a media type; -1 when the type is unknown. */
int src_media_compression(const char *media_type);

/* OCI layout (directory or archive): index.json -> manifest -> config. */
enum ia_status source_oci_load(struct source *src, const char *ref,
    const struct source_options *opt, struct ia_error *err);
/* docker archive: manifest.json -> config, layers. */
enum ia_status source_docker_load(struct source *src, const char *ref,
    const struct source_options *opt, struct ia_error *err);
/* Load a manifest document (OCI or Docker schema 2) into src->img. */
enum ia_status source_oci_manifest(struct source *src, const char *digest,
    struct ia_error *err);

/*
 * docker://: the registry as a container of named files (see
 * source_registry.c); src->reg is set by source_registry_open().
 */
enum ia_status source_registry_open(struct source *src, const char *spec,
    const struct source_options *opt, struct ia_error *err);
enum ia_status source_registry_read(struct source *src, const char *name,
    char **buf, size_t *len, struct ia_error *err);
enum ia_status source_registry_stream(struct source *src, const char *name,
    struct blob_stream *bs, int64_t *size, struct ia_error *err);
void source_registry_close(struct source *src, struct blob_stream *bs);
void source_registry_free(struct source *src);

#endif
