/* SPDX-License-Identifier: MIT */
/*
 * fuzz_elf.c: the ELF sniffer (elf.c, and the fatbin scanner it drives)
 * on a hostile file fed in chunks of random size, as a layer's data
 * arrives.  The declared file size is the input's, or — when the input's
 * last byte says so — a lie (shorter or longer), as a tar header may tell.
 * Seeds: ELF files from the test images.
 */
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elf_sniffer *s;
	struct elf_facts facts;
	int64_t declared = (int64_t)size;
	uint32_t seed = (uint32_t)size;
	size_t off = 0, i;

	for (i = 0; i < size && i < 64; i++)
		seed = seed * 31 + data[size - 1 - i];
	if (size > 0 && data[size - 1] == 0xa5)
		declared = (int64_t)size / 2;
	else if (size > 0 && data[size - 1] == 0x5a)
		declared = (int64_t)size * 2 + 1;
	s = elf_sniff_new(declared);
	while (off < size) {
		size_t k = fuzz_chunk(&seed);

		if (k > size - off)
			k = size - off;
		elf_sniff_feed(s, data + off, k);
		off += k;
	}
	elf_sniff_finish(s, &facts);
	elf_facts_free(&facts);
	return 0;
}
