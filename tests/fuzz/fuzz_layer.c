/* SPDX-License-Identifier: MIT */
/*
 * fuzz_layer.c: the layer reader (layer.c) on a hostile blob — tar, or tar
 * under gzip or zstd, sniffed from the magic as for a docker archive —
 * handed over in chunks of random size, with no digest to check so that
 * the fuzzer reaches the entries.  The decompression-bomb ceiling is set
 * low (1 MiB past a 100:1 ratio) so that a bomb ends in a refusal, not in
 * libFuzzer's time or memory limit.  Seeds: the test images' layers.
 */
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_stream fs = { data, size, 0, 0 };
	struct blob_stream bs = { fuzz_stream_read, &fs };
	struct layer_spec spec = { 0 };
	struct layer_result *r = NULL;
	struct ia_error err;
	size_t i;

	for (i = 0; i < size && i < 64; i++)
		fs.seed = fs.seed * 31 + data[size - 1 - i];
	spec.name = "fuzz layer";
	spec.size = -1;
	spec.compression = COMP_UNKNOWN;
	spec.max_ratio = 100;
	spec.ratio_floor = 1 << 20;
	if (layer_read(&bs, &spec, &r, &err) == IA_OK)
		layer_result_free(r);
	return 0;
}
