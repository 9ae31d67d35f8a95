/* SPDX-License-Identifier: MIT */
/*
 * test_layer.c: the streaming layer reader on tars made here, in memory,
 * with libarchive's writer.  Expected counts are the ones each test wrote;
 * expected digests come from OpenSSL's one-shot SHA256() over the same
 * bytes, not from the reader's own hashing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/sha.h>

#include "layer.h"

struct mem {
	unsigned char *buf;
	size_t len, pos, chunk;
};

static ssize_t
mem_read(void *ctx, void *buf, size_t n, struct ia_error *err)
{
	struct mem *m = ctx;

	(void)err;
	if (n > m->chunk)
		n = m->chunk;	/* small reads exercise the callbacks */
	if (n > m->len - m->pos)
		n = m->len - m->pos;
	memcpy(buf, m->buf + m->pos, n);
	m->pos += n;
	return (ssize_t)n;
}

struct tentry {
	const char *name;
	int type;		/* AE_IFREG, AE_IFDIR, AE_IFLNK */
	size_t size;
	const char *link;	/* symlink target, or hard link with AE_IFREG */
};

/* Write a tar of entries, filtered by filter ("gzip", "zstd" or NULL). */
static unsigned char *
make_tar(const struct tentry *v, size_t n, const char *filter, size_t *len,
    size_t *tar_len)
{
	size_t cap = 1 << 22, used = 0, i;
	unsigned char *buf = malloc(cap);
	struct archive *a = archive_write_new();
	char data[4096];

	memset(data, 'x', sizeof(data));
	archive_write_set_format_pax_restricted(a);
	if (filter != NULL && strcmp(filter, "gzip") == 0)
		archive_write_add_filter_gzip(a);
	else if (filter != NULL)
		archive_write_add_filter_zstd(a);
	archive_write_set_bytes_in_last_block(a, 1);
	assert_int_equal(archive_write_open_memory(a, buf, cap, &used),
	    ARCHIVE_OK);
	for (i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();

		archive_entry_set_pathname(e, v[i].name);
		archive_entry_set_filetype(e, (unsigned)v[i].type);
		archive_entry_set_perm(e, 0644);
		if (v[i].type == AE_IFLNK)
			archive_entry_set_symlink(e, v[i].link);
		else if (v[i].link != NULL)
			archive_entry_set_hardlink(e, v[i].link);
		else if (v[i].type == AE_IFREG)
			archive_entry_set_size(e, (la_int64_t)v[i].size);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if (v[i].type == AE_IFREG && v[i].link == NULL)
			assert_int_equal(archive_write_data(a, data, v[i].size),
			    (la_ssize_t)v[i].size);
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	*tar_len = (size_t)archive_filter_bytes(a, 0);
	archive_write_free(a);
	*len = used;
	return buf;
}

static void
hex_digest(const unsigned char *buf, size_t n, char out[72])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	size_t i;

	SHA256(buf, n, md);
	memcpy(out, "sha256:", 7);
	for (i = 0; i < 32; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
}

/* A spec with the defaults the reader gets from the front end. */
static void
spec_init(struct layer_spec *spec, const char *name, int64_t size)
{
	memset(spec, 0, sizeof(*spec));
	spec->name = name;
	spec->size = size;
	spec->max_ratio = 100;
	spec->ratio_floor = 1 << 20;
}

static const struct tentry sample[] = {
	{ "./etc/", AE_IFDIR, 0, NULL },
	{ "./etc/hosts", AE_IFREG, 100, NULL },
	{ "usr/lib/libx.so.1", AE_IFREG, 3000, NULL },
	{ "usr/lib/libx.so", AE_IFLNK, 0, "libx.so.1" },
	{ "usr/lib/hard", AE_IFREG, 0, "usr/lib/libx.so.1" },
	{ "var/.wh.cache", AE_IFREG, 0, NULL },
	{ "opt/.wh..wh..opq", AE_IFREG, 0, NULL },
};

static void
read_sample(const char *filter, enum layer_compression comp)
{
	size_t len, tar_len;
	unsigned char *blob = make_tar(sample, 7, filter, &len, &tar_len);
	struct mem m = { blob, len, 0, 1000 };
	struct blob_stream bs = { mem_read, &m };
	struct layer_spec spec;
	struct layer_result *r;
	struct ia_error err = { 0 };
	char digest[72];

	spec_init(&spec, "test layer", (int64_t)len);
	hex_digest(blob, len, digest);
	spec.digest = digest;
	spec.compression = comp;
	assert_int_equal(layer_read(&bs, &spec, &r, &err), IA_OK);
	assert_string_equal(r->digest, digest);
	assert_int_equal(r->compressed_bytes, (int64_t)len);
	assert_int_equal(r->tar_bytes, (int64_t)tar_len);
	assert_int_equal(r->n_entries, 7);
	assert_int_equal(r->files, 3);		/* hosts, libx.so.1, hard */
	assert_int_equal(r->bytes, 3100);
	assert_string_equal(r->entries[0].path, "etc");
	assert_int_equal(r->entries[0].kind, ENTRY_DIR);
	assert_string_equal(r->entries[1].path, "etc/hosts");
	assert_int_equal(r->entries[3].kind, ENTRY_SYMLINK);
	assert_string_equal(r->entries[3].link, "libx.so.1");
	assert_int_equal(r->entries[4].kind, ENTRY_HARDLINK);
	assert_string_equal(r->entries[4].link, "usr/lib/libx.so.1");
	assert_int_equal(r->entries[5].kind, ENTRY_WHITEOUT);
	assert_string_equal(r->entries[5].path, "var/cache");
	assert_int_equal(r->entries[6].kind, ENTRY_OPAQUE);
	assert_string_equal(r->entries[6].path, "opt");
	assert_int_equal(r->findings.n, 0);
	layer_result_free(r);
	free(blob);
}

static void
test_uncompressed(void **state)
{
	(void)state;
	read_sample(NULL, COMP_NONE);
}

static void
test_gzip(void **state)
{
	(void)state;
	read_sample("gzip", COMP_GZIP);
}

static void
test_zstd(void **state)
{
	(void)state;
	read_sample("zstd", COMP_ZSTD);
}

/* The diff_id is the sha256 of the uncompressed tar. */
static void
test_diff_id(void **state)
{
	size_t len, tar_len, plain_len, plain_tar;
	unsigned char *plain = make_tar(sample, 7, NULL, &plain_len, &plain_tar);
	unsigned char *blob = make_tar(sample, 7, "gzip", &len, &tar_len);
	struct mem m = { blob, len, 0, 65536 };
	struct blob_stream bs = { mem_read, &m };
	struct layer_spec spec;
	struct layer_result *r;
	struct ia_error err = { 0 };
	char diff_id[72];

	(void)state;
	hex_digest(plain, plain_len, diff_id);
	spec_init(&spec, "layer", -1);
	spec.diff_id = diff_id;
	assert_int_equal(layer_read(&bs, &spec, &r, &err), IA_OK);
	assert_string_equal(r->diff_id, diff_id);
	layer_result_free(r);
	free(plain);
	free(blob);
}

static void
expect_failure(const char *filter, int damage, const char *digest,
    enum layer_compression comp, const char *needle)
{
	size_t len, tar_len;
	unsigned char *blob = make_tar(sample, 7, filter, &len, &tar_len);
	struct mem m = { blob, len, 0, 4096 };
	struct blob_stream bs = { mem_read, &m };
	struct layer_spec spec;
	struct layer_result *r = (void *)1;
	struct ia_error err = { 0 };

	spec_init(&spec, "layer 7", damage == 1 ? (int64_t)len : -1);
	spec.digest = digest;
	spec.compression = comp;
	if (damage == 1)
		m.len = len / 2;		/* truncated */
	else if (damage == 2)
		blob[len / 2] ^= 0xff;		/* flipped byte */
	assert_int_equal(layer_read(&bs, &spec, &r, &err), IA_EINPUT);
	assert_null(r);
	assert_non_null(strstr(err.msg, needle));
	assert_non_null(strstr(err.msg, "layer 7"));
	free(blob);
}

static void
test_truncated(void **state)
{
	(void)state;
	expect_failure("gzip", 1, NULL, COMP_GZIP, "truncated");
}

static void
test_digest_mismatch(void **state)
{
	(void)state;
	expect_failure(NULL, 0, "sha256:00000000000000000000000000000000"
	    "00000000000000000000000000000000", COMP_NONE, "digest mismatch");
}

static void
test_corrupt_gzip(void **state)
{
	(void)state;
	expect_failure("gzip", 2, NULL, COMP_GZIP, "gzip");
}

static void
test_media_type_disagrees(void **state)
{
	(void)state;
	expect_failure("zstd", 0, NULL, COMP_GZIP, "media type says gzip but "
	    "the data is zstd");
}

/* 64 MiB of 'x' in 4 KiB records compresses far beyond 10:1. */
static void
test_bomb(void **state)
{
	struct tentry many[4096];
	size_t len, tar_len, i;
	unsigned char *blob;
	struct mem m;
	struct blob_stream bs = { mem_read, &m };
	struct layer_spec spec;
	struct layer_result *r;
	struct ia_error err = { 0 };
	char names[4096][16];

	(void)state;
	for (i = 0; i < 4096; i++) {
		snprintf(names[i], sizeof(names[i]), "f%zu", i);
		many[i].name = names[i];
		many[i].type = AE_IFREG;
		many[i].size = 4096;
		many[i].link = NULL;
	}
	blob = make_tar(many, 4096, "gzip", &len, &tar_len);
	m = (struct mem){ blob, len, 0, 65536 };
	spec_init(&spec, "layer 0", -1);
	spec.max_ratio = 10;
	assert_true(tar_len > 10 * len);
	assert_int_equal(layer_read(&bs, &spec, &r, &err), IA_EINPUT);
	assert_non_null(strstr(err.msg, "decompression ratio over 10:1"));
	free(blob);
}

static void
test_hostile_names(void **state)
{
	static const struct tentry v[] = {
		{ "../../etc/passwd", AE_IFREG, 10, NULL },
		{ "/etc/shadow", AE_IFREG, 20, NULL },
		{ "a/../b", AE_IFREG, 30, NULL },
	};
	size_t len, tar_len;
	unsigned char *blob = make_tar(v, 3, NULL, &len, &tar_len);
	struct mem m = { blob, len, 0, 65536 };
	struct blob_stream bs = { mem_read, &m };
	struct layer_spec spec;
	struct layer_result *r;
	struct ia_error err = { 0 };

	(void)state;
	spec_init(&spec, "layer 1", -1);
	assert_int_equal(layer_read(&bs, &spec, &r, &err), IA_OK);
	assert_int_equal(r->n_entries, 3);
	assert_int_equal(r->bytes, 60);
	assert_true(r->entries[0].flags & ENTRY_F_UNSAFE);
	assert_string_equal(r->entries[1].path, "etc/shadow");
	assert_false(r->entries[1].flags & ENTRY_F_UNSAFE);
	assert_string_equal(r->entries[2].path, "b");
	assert_int_equal(r->findings.n, 3);
	assert_string_equal(r->findings.v[0].kind, "path-traversal");
	assert_string_equal(r->findings.v[1].kind, "absolute-path");
	assert_string_equal(r->findings.v[2].kind, "dotdot-path");
	layer_result_free(r);
	free(blob);
}

/*
 * umoci writes layers that stop right after the last file's data.  Such a
 * layer reads as docker reads it, with a finding; the digests cover only
 * the bytes that are there.
 */
static void
test_unpadded(void **state)
{
	static const struct tentry v[] = { { "f", AE_IFREG, 1000, NULL } };
	size_t len, tar_len;
	unsigned char *blob = make_tar(v, 1, NULL, &len, &tar_len);
	struct mem m = { blob, 512 + 1000, 0, 65536 };
	struct blob_stream bs = { mem_read, &m };
	struct layer_spec spec;
	struct layer_result *r;
	struct ia_error err = { 0 };
	char diff_id[72];

	(void)state;
	assert_int_equal(len, 512 + 1024 + 1024);	/* as written: padded */
	hex_digest(blob, 512 + 1000, diff_id);
	spec_init(&spec, "layer 0", 512 + 1000);
	spec.diff_id = diff_id;
	assert_int_equal(layer_read(&bs, &spec, &r, &err), IA_OK);
	assert_int_equal(r->tar_bytes, 1512);
	assert_int_equal(r->bytes, 1000);
	assert_int_equal(r->findings.n, 1);
	assert_string_equal(r->findings.v[0].kind, "tar-unpadded");
	layer_result_free(r);
	free(blob);
}

static void
test_normalise(void **state)
{
	char out[64];
	unsigned issues;
	char longname[300];

	(void)state;
	assert_int_equal(layer_normalise_path("./a//b/./c/", out, sizeof(out),
	    &issues), 0);
	assert_string_equal(out, "a/b/c");
	assert_int_equal(issues, 0);
	assert_int_equal(layer_normalise_path("/x/../y", out, sizeof(out),
	    &issues), 0);
	assert_string_equal(out, "y");
	assert_int_equal(issues, PATH_ABSOLUTE | PATH_DOTDOT);
	assert_int_equal(layer_normalise_path("../../z", out, sizeof(out),
	    &issues), 0);
	assert_string_equal(out, "z");
	assert_true(issues & PATH_ESCAPES);
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(layer_normalise_path(longname, out, sizeof(out),
	    &issues), -1);
	assert_true(issues & PATH_TOOLONG);
}

/* Read the sample (7 entries, longest name 17 bytes) under lim. */
static enum ia_status
read_limited(const struct tentry *v, size_t n, const struct ia_limits *lim,
    struct layer_result **r, struct ia_error *err)
{
	size_t len, tar_len;
	unsigned char *blob = make_tar(v, n, NULL, &len, &tar_len);
	struct mem m = { blob, len, 0, 1000 };
	struct blob_stream bs = { mem_read, &m };
	struct layer_spec spec;
	enum ia_status st;

	spec_init(&spec, "img: layer 0 (sha256:0123456789ab)", (int64_t)len);
	spec.limits = lim;
	st = layer_read(&bs, &spec, r, err);
	free(blob);
	return st;
}

static size_t
count_kind(const struct layer_result *r, const char *kind)
{
	size_t i, n = 0;

	for (i = 0; i < r->findings.n; i++)
		n += strcmp(r->findings.v[i].kind, kind) == 0;
	return n;
}

/* --max-entries: 7 entries pass at 7, are refused at 6. */
static void
test_max_entries(void **state)
{
	struct ia_limits lim;
	struct layer_result *r;
	struct ia_error err = { 0 };

	(void)state;
	limits_default(&lim);
	lim.max_entries = 7;
	assert_int_equal(read_limited(sample, 7, &lim, &r, &err), IA_OK);
	assert_int_equal(r->n_entries, 7);
	layer_result_free(r);
	lim.max_entries = 6;
	assert_int_equal(read_limited(sample, 7, &lim, &r, &err), IA_EINPUT);
	assert_null(r);
	assert_string_equal(err.msg, "img: layer 0 (sha256:0123456789ab) has "
	    "more than 6 entries (--max-entries 6); raise --max-entries to "
	    "read it");
}

/*
 * --max-path: the longest name, "usr/lib/libx.so.1", is 17 bytes; at 16
 * it is unsafe (one finding naming the option), and the hard link to it
 * keeps no target.
 */
static void
test_max_path(void **state)
{
	struct ia_limits lim;
	struct layer_result *r;
	struct ia_error err = { 0 };

	(void)state;
	limits_default(&lim);
	lim.max_path = 17;
	assert_int_equal(read_limited(sample, 7, &lim, &r, &err), IA_OK);
	assert_int_equal(r->findings.n, 0);
	assert_int_equal(r->entries[2].flags & ENTRY_F_UNSAFE, 0);
	layer_result_free(r);
	lim.max_path = 16;
	assert_int_equal(read_limited(sample, 7, &lim, &r, &err), IA_OK);
	assert_int_equal(r->n_entries, 7);
	assert_int_equal(count_kind(r, "name-too-long"), 1);
	assert_true(r->entries[2].flags & ENTRY_F_UNSAFE);
	assert_non_null(strstr(r->findings.v[0].detail, "a 17-byte name "
	    "starting 'usr/lib/libx.so.1', over --max-path 16"));
	assert_non_null(strstr(r->findings.v[0].detail, "raise --max-path"));
	assert_string_equal(r->entries[4].link, "");
	layer_result_free(r);
}

/* --max-pkgdb: a 100-byte dpkg status is kept at 100, not at 99. */
static void
test_max_pkgdb(void **state)
{
	static const struct tentry db[] = {
		{ "var/lib/dpkg/status", AE_IFREG, 100, NULL },
	};
	struct ia_limits lim;
	struct layer_result *r;
	struct ia_error err = { 0 };

	(void)state;
	limits_default(&lim);
	lim.max_pkgdb = 100;
	assert_int_equal(read_limited(db, 1, &lim, &r, &err), IA_OK);
	assert_int_equal(r->n_captures, 1);
	assert_int_equal(r->captures[0].len, 100);
	assert_int_equal(r->findings.n, 0);
	layer_result_free(r);
	lim.max_pkgdb = 99;
	assert_int_equal(read_limited(db, 1, &lim, &r, &err), IA_OK);
	assert_int_equal(r->n_captures, 0);
	assert_int_equal(count_kind(r, "package-db-too-large"), 1);
	assert_non_null(strstr(r->findings.v[0].detail, "/var/lib/dpkg/status "
	    "is 100 bytes, over --max-pkgdb 99; not read"));
	layer_result_free(r);
	/* NULL limits: the defaults (64 MiB) keep it. */
	assert_int_equal(read_limited(db, 1, NULL, &r, &err), IA_OK);
	assert_int_equal(r->n_captures, 1);
	layer_result_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uncompressed),
		cmocka_unit_test(test_gzip),
		cmocka_unit_test(test_zstd),
		cmocka_unit_test(test_diff_id),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_digest_mismatch),
		cmocka_unit_test(test_corrupt_gzip),
		cmocka_unit_test(test_media_type_disagrees),
		cmocka_unit_test(test_bomb),
		cmocka_unit_test(test_hostile_names),
		cmocka_unit_test(test_unpadded),
		cmocka_unit_test(test_normalise),
		cmocka_unit_test(test_max_entries),
		cmocka_unit_test(test_max_path),
		cmocka_unit_test(test_max_pkgdb),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
