/* SPDX-License-Identifier: MIT */
/*
 * fuzz_pkgdb_conda.c: the conda reader (pkgdb_conda.c): conda-meta
 * JSON records, in two environments.
 * The input is one or more files cut at FUZZ_SEP (fuzz.h), handed to
 * pkgdb_add_file() under the names below in turn, then joined by
 * pkgdb_finish().  Seeds: the test images' databases.
 */
#include "fuzz.h"

static const char *const paths[] = {
	"opt/conda/conda-meta/numpy-1.26.2-py311_0.json",
	"opt/conda/envs/a/conda-meta/python-3.11.5-h1.json",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_pkgdb(data, size, paths, sizeof(paths) / sizeof(paths[0]));
	return 0;
}
