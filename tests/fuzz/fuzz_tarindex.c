/* SPDX-License-Identifier: MIT */
/*
 * fuzz_tarindex.c: the outer archive (tarindex.c) of a `docker save` tar
 * or an OCI archive, and what is read through it: the input is written to
 * a file (tarindex_open() reads by path, with pread()), indexed, a few
 * members are looked up (following links) and streamed, then the whole
 * source is opened as imgaudit would (manifest.json or index.json, the
 * config, and the first layers through layer_read()).  Seeds: the test
 * images' archives, and small ones made from them.
 */
#include "fuzz.h"
#include "source.h"
#include "tarindex.h"

#define LAYERS_READ	4

static const char *const names[] = {
	"manifest.json", "index.json", "oci-layout", "repositories",
	"blobs/sha256", "config.json", "layer.tar",
};

static void
drain(struct blob_stream *bs)
{
	char buf[4096];
	struct ia_error err;

	while (bs->read(bs->ctx, buf, sizeof(buf), &err) > 0)
		;
}

static void
read_layers(struct source *src)
{
	const struct image *img = source_image(src);
	size_t i;

	for (i = 0; i < img->n_layers && i < LAYERS_READ; i++) {
		struct blob_stream bs = { 0 };
		struct layer_spec spec = { 0 };
		struct layer_result *r = NULL;
		struct ia_error err;
		int64_t size;

		if (source_open_layer(src, i, &bs, &size, &err) != IA_OK)
			continue;
		spec.name = "fuzz layer";
		spec.digest = img->layers[i].digest;
		spec.diff_id = img->layers[i].diff_id;
		spec.size = img->layers[i].size;
		spec.compression = img->layers[i].compression;
		spec.max_ratio = 100;
		spec.ratio_floor = 1 << 20;
		if (layer_read(&bs, &spec, &r, &err) == IA_OK)
			layer_result_free(r);
		source_close_layer(src, &bs);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct source_options opt = { "linux/amd64", 0, NULL, 0, NULL };
	struct tarindex *ti;
	struct source *src;
	struct ia_error err;
	char path[512], spec[600];
	size_t i;

	fuzz_write("image.tar", data, size);
	fuzz_path(path, sizeof(path), "image.tar");
	if (tarindex_open(path, &ti, &err) == IA_OK) {
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			const struct tarmember *m = tarindex_find(ti, names[i]);
			struct blob_stream bs;

			(void)tarindex_has(ti, names[i]);
			if (m == NULL)
				continue;
			tarindex_stream(ti, m, &bs);
			drain(&bs);
			tarindex_stream_free(&bs);
		}
		tarindex_free(ti);
	}
	/* A bare path: the reader tells docker from OCI by what is inside. */
	if (source_open(path, &opt, &src, &err) == IA_OK) {
		read_layers(src);
		source_free(src);
	}
	snprintf(spec, sizeof(spec), "docker-archive:%s:@1", path);
	if (source_open(spec, &opt, &src, &err) == IA_OK)
		source_free(src);
	return 0;
}
