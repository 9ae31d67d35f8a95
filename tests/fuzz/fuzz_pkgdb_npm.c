/* SPDX-License-Identifier: MIT */
/*
 * fuzz_pkgdb_npm.c: the npm reader (pkgdb_npm.c): package.json files
 * of node_modules, scoped and nested.
 * The input is one or more files cut at FUZZ_SEP (fuzz.h), handed to
 * pkgdb_add_file() under the names below in turn, then joined by
 * pkgdb_finish().  Seeds: the test images' databases.
 */
#include "fuzz.h"

static const char *const paths[] = {
	"app/node_modules/express/package.json",
	"app/node_modules/@types/node/package.json",
	"app/node_modules/a/node_modules/b/package.json",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_pkgdb(data, size, paths, sizeof(paths) / sizeof(paths[0]));
	return 0;
}
