/* SPDX-License-Identifier: MIT */
/*
 * test_tarindex.c: members of an outer tar read in place.  Each test writes
 * a tar with libarchive's writer into its own scratch directory, then
 * checks that every member streams back exactly the bytes written —
 * whatever headers precede it (pax long names, GNU-style paddings) and
 * whichever member comes last.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>

#include "tarindex.h"

struct member {
	const char *name;
	size_t size;		/* content: byte i is (i * 7 + seed) & 0xff */
	int seed;
	const char *symlink;
	const char *hardlink;
};

static char longname[320];

static void
fill(unsigned char *buf, size_t n, int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = (unsigned char)((i * 7 + (size_t)seed) & 0xff);
}

static void
write_tar(const char *path, const struct member *v, size_t n,
    const char *filter)
{
	struct archive *a = archive_write_new();
	size_t i;

	archive_write_set_format_pax_restricted(a);
	if (filter != NULL)
		archive_write_add_filter_gzip(a);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	for (i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		unsigned char *buf = malloc(v[i].size + 1);

		archive_entry_set_pathname(e, v[i].name);
		archive_entry_set_perm(e, 0644);
		if (v[i].symlink != NULL) {
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_symlink(e, v[i].symlink);
		} else if (v[i].hardlink != NULL) {
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_hardlink(e, v[i].hardlink);
		} else {
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_size(e, (la_int64_t)v[i].size);
		}
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if (v[i].symlink == NULL && v[i].hardlink == NULL) {
			fill(buf, v[i].size, v[i].seed);
			assert_int_equal(archive_write_data(a, buf, v[i].size),
			    (la_ssize_t)v[i].size);
		}
		free(buf);
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

/* Read the member through a stream and compare with what was written. */
static void
expect_content(struct tarindex *ti, const char *name, size_t size, int seed)
{
	const struct tarmember *m = tarindex_find(ti, name);
	struct blob_stream bs;
	struct ia_error err = { 0 };
	unsigned char *want = malloc(size + 1), *got = malloc(size + 1);
	size_t have = 0;
	ssize_t n;

	assert_non_null(m);
	assert_int_equal(m->size, (int64_t)size);
	fill(want, size, seed);
	tarindex_stream(ti, m, &bs);
	while ((n = bs.read(bs.ctx, got + have, 1000, &err)) > 0)
		have += (size_t)n;
	assert_int_equal(n, 0);
	assert_int_equal(have, size);
	assert_memory_equal(got, want, size);
	tarindex_stream_free(&bs);
	free(want);
	free(got);
}

static int
setup(void **state)
{
	char *dir = strdup("/tmp/test_tarindex.XXXXXX");

	if (dir == NULL || mkdtemp(dir) == NULL)
		return -1;
	memset(longname, 'L', sizeof(longname) - 1);
	memcpy(longname, "blobs/", 6);
	*state = dir;
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", (char *)*state);
	free(*state);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_members_in_place(void **state)
{
	const struct member v[] = {
		{ "manifest.json", 37, 1, NULL, NULL },
		{ "./blobs/sha256/aa", 512, 2, NULL, NULL },
		{ longname, 1000, 3, NULL, NULL },	/* behind a pax header */
		{ "empty", 0, 4, NULL, NULL },
		{ "id/layer.tar", 0, 0, "../blobs/sha256/aa", NULL },
		{ "hard", 0, 0, NULL, "manifest.json" },
		{ "sub/hard", 0, 0, NULL, "blobs/sha256/aa" },
		{ "last", 513, 5, NULL, NULL },
	};
	char path[256];
	struct tarindex *ti;
	struct ia_error err = { 0 };

	snprintf(path, sizeof(path), "%s/a.tar", (char *)*state);
	write_tar(path, v, sizeof(v) / sizeof(v[0]), NULL);
	assert_int_equal(tarindex_open(path, &ti, &err), IA_OK);
	expect_content(ti, "manifest.json", 37, 1);
	expect_content(ti, "blobs/sha256/aa", 512, 2);
	expect_content(ti, longname, 1000, 3);
	expect_content(ti, "empty", 0, 4);
	expect_content(ti, "last", 513, 5);
	/* Links inside the archive lead to their target's data. */
	expect_content(ti, "id/layer.tar", 512, 2);
	expect_content(ti, "hard", 37, 1);
	expect_content(ti, "sub/hard", 512, 2);
	assert_null(tarindex_find(ti, "absent"));
	assert_true(tarindex_has(ti, "./manifest.json"));
	tarindex_free(ti);
}

static void
test_link_loop_and_escape(void **state)
{
	const struct member v[] = {
		{ "a", 0, 0, "b", NULL },
		{ "b", 0, 0, "a", NULL },
		{ "up", 0, 0, "../../etc/passwd", NULL },
	};
	char path[256];
	struct tarindex *ti;
	struct ia_error err = { 0 };

	snprintf(path, sizeof(path), "%s/loop.tar", (char *)*state);
	write_tar(path, v, 3, NULL);
	assert_int_equal(tarindex_open(path, &ti, &err), IA_OK);
	assert_null(tarindex_find(ti, "a"));
	assert_null(tarindex_find(ti, "up"));
	tarindex_free(ti);
}

static void
test_truncated(void **state)
{
	const struct member v[] = {
		{ "manifest.json", 100, 1, NULL, NULL },
		{ "layer.tar", 100000, 2, NULL, NULL },
	};
	char path[256];
	struct tarindex *ti = NULL;
	struct ia_error err = { 0 };

	snprintf(path, sizeof(path), "%s/cut.tar", (char *)*state);
	write_tar(path, v, 2, NULL);
	assert_int_equal(truncate(path, 50000), 0);
	assert_int_equal(tarindex_open(path, &ti, &err), IA_EINPUT);
	assert_null(ti);
	assert_non_null(strstr(err.msg, "truncated"));
	assert_non_null(strstr(err.msg, path));
}

static void
test_compressed_outer(void **state)
{
	const struct member v[] = { { "manifest.json", 10, 1, NULL, NULL } };
	char path[256];
	struct tarindex *ti = NULL;
	struct ia_error err = { 0 };

	snprintf(path, sizeof(path), "%s/a.tar.gz", (char *)*state);
	write_tar(path, v, 1, "gzip");
	assert_int_equal(tarindex_open(path, &ti, &err), IA_EINPUT);
	assert_non_null(strstr(err.msg, "compressed"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_members_in_place, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_link_loop_and_escape, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compressed_outer, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
