/* SPDX-License-Identifier: MIT */
/*
 * source.h: open an image where it lies — a `docker save` tarball, an OCI
 * layout directory, an OCI archive — and describe it: manifest, config,
 * history and one blob stream per layer.
 *
 *	struct source *src;
 *	source_open("oci:dir:latest", &opts, &src, &err);
 *	const struct image *img = source_image(src);
 *	for each layer i (from any thread):
 *		source_open_layer(src, i, &bs, &err); layer_read(&bs, ...);
 *		source_close_layer(src, &bs);
 *	source_free(src);
 *
 * Ownership: the image description belongs to the source.  Streams are
 * independent of each other and may be used concurrently.
 */
#ifndef IMGAUDIT_SOURCE_H
#define IMGAUDIT_SOURCE_H

#include <stdint.h>

#include "common.h"
#include "layer.h"
#include "limits.h"

struct image_layer {
	char *digest;		/* blob digest from the manifest, or NULL */
	char *diff_id;		/* from the config's rootfs.diff_ids, or NULL */
	char *media_type;	/* from the manifest, or NULL (docker archive) */
	int64_t size;		/* blob size from the manifest, -1 if unknown */
	enum layer_compression compression;	/* COMP_UNKNOWN: sniff */
	char *created_by;	/* from the config's history, or NULL */
	char *blob;		/* where the blob is: member or file name */
};

struct image {
	char *ref;		/* as the user gave it */
	const char *transport;	/* "docker-archive", "oci", "oci-archive" */
	char *digest;		/* manifest digest, or the config digest (docker) */
	char *config_digest;
	char *platform;		/* "os/arch[/variant]" from the config */
	char *created;
	char *entrypoint;	/* JSON text of the config's Entrypoint, or NULL */
	char *cmd;		/* JSON text of Cmd, or NULL */
	char *env;		/* JSON text of Env, or NULL */
	char *labels;		/* JSON text of Labels (an object), or NULL */
	struct image_layer *layers;
	size_t n_layers;
	struct findings findings;	/* e.g. history that does not line up */
};

struct source;

struct source_options {
	const char *platform;	/* "linux/amd64" unless the user said */
	int platform_given;	/* the user asked for it explicitly */
	const char *creds;	/* docker://: "USER:PASS" (--creds), or NULL */
	int tls_no_verify;	/* docker://: --tls-verify=false */
	const struct ia_limits *limits;	/* max_json; NULL: the defaults */
};

enum ia_status source_open(const char *ref, const struct source_options *opt,
    struct source **out, struct ia_error *err);

const struct image *source_image(const struct source *src);

/*
 * Open layer i's blob; *size is its actual length (compare it with the
 * manifest's size: a shorter blob is truncated).
 */
enum ia_status source_open_layer(struct source *src, size_t i,
    struct blob_stream *bs, int64_t *size, struct ia_error *err);
void source_close_layer(struct source *src, struct blob_stream *bs);

void source_free(struct source *src);

#endif
