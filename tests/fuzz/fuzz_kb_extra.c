/* SPDX-License-Identifier: MIT */
/*
 * fuzz_kb_extra.c: the knowledge base loader (kb.c) with a hostile
 * --kb-extra file: the embedded rules load, the input runs as SQL on top
 * of them, and every table is read back into the matching arrays, which
 * are then asked about a few names and paths.  Seeds: db/kb/\*.sql and
 * the extra files of the tests.
 */
#include "fuzz.h"
#include "kb.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[512];
	const char *extra[1];
	struct kb *kb;
	struct ia_error err;

	if (size > (1 << 20))
		return 0;
	fuzz_write("extra.sql", data, size);
	fuzz_path(path, sizeof(path), "extra.sql");
	extra[0] = path;
	if (kb_open(extra, 1, &kb, &err) != IA_OK)
		return 0;
	(void)kb_match_package(kb, "pip", "tensorboard");
	(void)kb_match_package(kb, "dpkg", "libc6");
	(void)kb_match_path(kb, "/root/.cache/pip/x");
	(void)kb_match_path(kb, "/usr/share/doc/a/b");
	kb_free(kb);
	return 0;
}
