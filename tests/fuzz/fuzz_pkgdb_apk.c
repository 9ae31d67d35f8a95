/* SPDX-License-Identifier: MIT */
/*
 * fuzz_pkgdb_apk.c: the apk reader (pkgdb_apk.c): Alpine's
 * lib/apk/db/installed.
 * The input is one or more files cut at FUZZ_SEP (fuzz.h), handed to
 * pkgdb_add_file() under the names below in turn, then joined by
 * pkgdb_finish().  Seeds: the test images' databases.
 */
#include "fuzz.h"

static const char *const paths[] = {
	"lib/apk/db/installed",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_pkgdb(data, size, paths, sizeof(paths) / sizeof(paths[0]));
	return 0;
}
