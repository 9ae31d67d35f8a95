/* SPDX-License-Identifier: MIT */
/*
 * fuzz_pkgdb_pip.c: the pip reader (pkgdb_pip.c, pkgdb_marker.c):
 * METADATA and RECORD of a dist-info, PKG-INFO and installed-files.txt of
 * an egg-info, a bare .egg-info file.
 * The input is one or more files cut at FUZZ_SEP (fuzz.h), handed to
 * pkgdb_add_file() under the names below in turn, then joined by
 * pkgdb_finish().  Seeds: the test images' databases.
 */
#include "fuzz.h"

static const char *const paths[] = {
	"usr/lib/python3/dist-packages/torch-2.1.0.dist-info/METADATA",
	"usr/lib/python3/dist-packages/torch-2.1.0.dist-info/RECORD",
	"usr/lib/python3/dist-packages/x-1.egg-info/PKG-INFO",
	"usr/lib/python3/dist-packages/x-1.egg-info/installed-files.txt",
	"usr/lib/python3/dist-packages/y-2.egg-info",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_pkgdb(data, size, paths, sizeof(paths) / sizeof(paths[0]));
	return 0;
}
