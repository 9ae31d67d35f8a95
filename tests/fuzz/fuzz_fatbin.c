/* SPDX-License-Identifier: MIT */
/*
 * fuzz_fatbin.c: the CUDA fatbin scanner (fatbin.c) alone, on a hostile
 * stream fed in chunks of random size at advancing offsets, now and then
 * with a gap (which must restart the search, never misread), and the
 * where-finishing path with a locator that names two made-up sections.
 */
#include "fuzz.h"
#include "fatbin.h"

static const char *
locate(void *arg, int64_t offset)
{
	(void)arg;
	if (offset < 0)
		return NULL;
	return offset % 4096 < 2048 ? ".nv_fatbin" : "__nv_relfatbin";
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fatbin_scanner *sc = fatbin_scan_new();
	struct fatbin_summary sum;
	uint32_t seed = (uint32_t)size;
	int64_t offset = 0;
	size_t off = 0, i;

	for (i = 0; i < size && i < 64; i++)
		seed = seed * 31 + data[size - 1 - i];
	while (off < size) {
		size_t k = fuzz_chunk(&seed);

		if (k > size - off)
			k = size - off;
		fatbin_scan_feed(sc, data + off, k, offset);
		off += k;
		offset += (int64_t)k;
		if ((fuzz_rand(&seed) & 63) == 0)
			offset += 1 + fuzz_rand(&seed) % 100;
	}
	if (size > 0 && (data[0] & 1) != 0)
		fatbin_scan_finish_where(sc, &sum, locate, NULL);
	else
		fatbin_scan_finish(sc, &sum);
	fatbin_summary_free(&sum);
	return 0;
}
