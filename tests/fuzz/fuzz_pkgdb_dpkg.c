/* SPDX-License-Identifier: MIT */
/*
 * fuzz_pkgdb_dpkg.c: the dpkg reader (pkgdb_dpkg.c): status, a
 * package's .list, apt's extended_states, distroless status.d and its
 * md5sums.
 * The input is one or more files cut at FUZZ_SEP (fuzz.h), handed to
 * pkgdb_add_file() under the names below in turn, then joined by
 * pkgdb_finish().  Seeds: the test images' databases.
 */
#include "fuzz.h"

static const char *const paths[] = {
	"var/lib/dpkg/status",
	"var/lib/dpkg/info/libc6:amd64.list",
	"var/lib/apt/extended_states",
	"var/lib/dpkg/status.d/base",
	"var/lib/dpkg/status.d/base.md5sums",
	"var/lib/dpkg/info/bash.list",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_pkgdb(data, size, paths, sizeof(paths) / sizeof(paths[0]));
	return 0;
}
