/* SPDX-License-Identifier: MIT */
/*
 * layer.c: one streaming pass over a layer blob.
 *
 * Two libarchive readers are chained so that both digests come out of the
 * same pass without a copy of the layer anywhere:
 *
 *	blob --read_blob()--> [raw: gzip/zstd filter, "raw" format]
 *	     --read_tar()---> [tar: tar format] --> entries
 *
 * read_blob() hashes the compressed bytes (the blob digest) and checks the
 * length against the manifest; read_tar() hashes the decompressed bytes
 * (the diff_id), counts them, and stops a decompression bomb.  The entries
 * are normalised here, once, so that the merge and every later stage see
 * clean relative paths; what was odd about a name becomes a finding.
 * This file leaves the meaning of whiteouts to tree.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "digest.h"
#include "layer.h"
#include "filetype.h"
#include "linkgraph.h"
#include "pkgdb.h"

#define CHUNK		(128 * 1024)
#define LAYER_PATH_MAX	4096	/* Linux PATH_MAX: longer cannot be created */
#define LAYER_NAME_MAX	255	/* NAME_MAX, per component */

struct reader {
	struct blob_stream *bs;
	const struct layer_spec *spec;
	struct ia_error *err;
	int failed;			/* err already says what went wrong */
	struct digest *blob_sum, *tar_sum;
	int64_t compressed;		/* blob bytes read so far */
	int64_t uncompressed;		/* tar bytes produced so far */
	unsigned char *inbuf, *midbuf;
	size_t pending;			/* sniffed bytes not yet handed on */
	int blob_eof;
	int padded;			/* zeros added after the stream's end */
	struct archive *raw, *tar;
	struct filetype *ft;		/* libmagic, opened on first use */
	struct layer_result *res;
};

static const char *const comp_names[] = {
	[COMP_UNKNOWN] = "unknown", [COMP_NONE] = "uncompressed",
	[COMP_GZIP] = "gzip", [COMP_ZSTD] = "zstd",
};

const char *
layer_compression_name(enum layer_compression c)
{
	return (unsigned)c <= COMP_ZSTD ? comp_names[c] : "unknown";
}

int
layer_normalise_path(const char *name, char *out, size_t outsz,
    unsigned *issues)
{
	size_t len = 0;
	const char *p = name;

	*issues = 0;
	if (outsz == 0)
		return -1;
	out[0] = '\0';
	if (strlen(name) > LAYER_PATH_MAX) {
		*issues |= PATH_TOOLONG;
		return -1;
	}
	if (*p == '/')
		*issues |= PATH_ABSOLUTE;
	while (*p != '\0') {
		size_t n;

		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (n == 0)
			break;
		if (n == 1 && p[0] == '.') {
			/* nothing */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			*issues |= PATH_DOTDOT;
			if (len == 0) {
				/* Clamped at the root, as containerd does. */
				*issues |= PATH_ESCAPES;
			} else {
				while (len > 0 && out[len - 1] != '/')
					len--;
				if (len > 0)
					len--;	/* the '/' before it */
				out[len] = '\0';
			}
		} else {
			if (n > LAYER_NAME_MAX) {
				*issues |= PATH_TOOLONG;
				return -1;
			}
			if (len + (len > 0) + n + 1 > outsz) {
				*issues |= PATH_TOOLONG;
				return -1;
			}
			if (len > 0)
				out[len++] = '/';
			memcpy(out + len, p, n);
			len += n;
			out[len] = '\0';
		}
		p += n;
	}
	return 0;
}

/* libarchive's read callback for the raw reader: blob bytes, hashed. */
static la_ssize_t
read_blob(struct archive *a, void *ctx, const void **buf)
{
	struct reader *r = ctx;
	ssize_t n;

	(void)a;
	*buf = r->inbuf;
	if (r->pending > 0) {
		n = (ssize_t)r->pending;
		r->pending = 0;
		return n;
	}
	if (r->blob_eof)
		return 0;
	n = r->bs->read(r->bs->ctx, r->inbuf, CHUNK, r->err);
	if (n < 0) {
		r->failed = 1;
		return -1;
	}
	if (n == 0) {
		r->blob_eof = 1;
		if (r->spec->size >= 0 && r->compressed < r->spec->size) {
			ia_seterr(r->err, IA_EINPUT, "%s: blob is truncated: "
			    "%lld of %lld bytes", r->spec->name,
			    (long long)r->compressed, (long long)r->spec->size);
			r->failed = 1;
			return -1;
		}
		return 0;
	}
	digest_update(r->blob_sum, r->inbuf, (size_t)n);
	r->compressed += n;
	if (r->spec->progress != NULL)
		__atomic_fetch_add(r->spec->progress, n, __ATOMIC_RELAXED);
	if (r->spec->size >= 0 && r->compressed > r->spec->size) {
		ia_seterr(r->err, IA_EINPUT, "%s: blob is longer than the %lld "
		    "bytes the manifest says", r->spec->name,
		    (long long)r->spec->size);
		r->failed = 1;
		return -1;
	}
	return n;
}

/*
 * Pull decompressed bytes out of the raw reader into buf: the tar stream.
 * Returns the count, 0 at the end, -1 with r->err set.
 */
static ssize_t
pull_tar_bytes(struct reader *r, void *buf, size_t size)
{
	la_ssize_t n = archive_read_data(r->raw, buf, size);

	if (n < 0) {
		if (!r->failed) {
			const char *why = archive_error_string(r->raw);

			ia_seterr(r->err, IA_EINPUT, "%s: truncated or corrupt %s "
			    "data: %s", r->spec->name,
			    layer_compression_name(r->res->compression),
			    why ? why : "read error");
			r->failed = 1;
		}
		return -1;
	}
	if (n == 0)
		return 0;
	digest_update(r->tar_sum, buf, (size_t)n);
	r->uncompressed += n;
	if (r->uncompressed > r->spec->ratio_floor &&
	    (double)r->uncompressed > r->spec->max_ratio *
	    (double)(r->compressed > 0 ? r->compressed : 1)) {
		ia_seterr(r->err, IA_EINPUT, "%s: decompression ratio over "
		    "%.0f:1 (%lld bytes from %lld): a decompression bomb? If the "
		    "layer is genuine, raise the limit with --max-ratio",
		    r->spec->name, r->spec->max_ratio,
		    (long long)r->uncompressed, (long long)r->compressed);
		r->failed = 1;
		return -1;
	}
	return n;
}

/*
 * Some writers (umoci among them) end a layer right after the last file's
 * data, without the padding to a 512-byte block and without the two zero
 * blocks that end a tar.  Go's tar reader, and so docker and containerd,
 * take that as the end; so do we, by handing libarchive the missing zeros.
 * They are not part of the layer: not hashed, not counted.  A layer cut
 * short for real is still caught, by its digest and its diff_id.
 */
static const unsigned char zero_blocks[512 + 1024];

static la_ssize_t
read_tar(struct archive *a, void *ctx, const void **buf)
{
	struct reader *r = ctx;
	ssize_t n;
	size_t pad;

	(void)a;
	*buf = r->midbuf;
	n = pull_tar_bytes(r, r->midbuf, CHUNK);
	if (n != 0 || r->padded)
		return n;
	r->padded = 1;
	pad = (size_t)((512 - r->uncompressed % 512) % 512);
	if (pad == 0)
		return 0;
	findings_add(&r->res->findings, "tar-unpadded",
	    "layer tar ends without padding or end-of-archive blocks",
	    "%s: the tar stream stops %lld bytes after its last data block "
	    "(written by a tool like umoci); read as docker and containerd "
	    "read it", r->spec->name, (long long)(r->uncompressed % 512));
	*buf = zero_blocks;
	return (la_ssize_t)(pad + 1024);
}

static enum layer_compression
sniff(const unsigned char *m, size_t n)
{
	if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b)
		return COMP_GZIP;
	if (n >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f &&
	    m[3] == 0xfd)
		return COMP_ZSTD;
	return COMP_NONE;
}

/* Read the first bytes, decide the compression, and check the media type. */
static enum ia_status
open_raw(struct reader *r)
{
	enum layer_compression got;
	ssize_t n;

	n = r->bs->read(r->bs->ctx, r->inbuf, CHUNK, r->err);
	if (n < 0)
		return IA_EINPUT;
	if (n == 0)
		return ia_seterr(r->err, IA_EINPUT, "%s: blob is empty (a layer "
		    "is at least a tar end-of-archive block)%s", r->spec->name,
		    r->spec->size > 0 ? ": truncated" : "");
	digest_update(r->blob_sum, r->inbuf, (size_t)n);
	r->compressed = n;
	r->pending = (size_t)n;
	if (r->spec->size >= 0 && r->compressed > r->spec->size)
		return ia_seterr(r->err, IA_EINPUT, "%s: blob is longer than the "
		    "%lld bytes the manifest says", r->spec->name,
		    (long long)r->spec->size);
	got = sniff(r->inbuf, (size_t)n);
	if (r->spec->compression != COMP_UNKNOWN && got != r->spec->compression)
		return ia_seterr(r->err, IA_EINPUT, "%s: the media type says "
		    "%s but the data is %s", r->spec->name,
		    layer_compression_name(r->spec->compression),
		    layer_compression_name(got));
	r->res->compression = got;

	r->raw = archive_read_new();
	if (got == COMP_GZIP)
		archive_read_support_filter_gzip(r->raw);
	else if (got == COMP_ZSTD)
		archive_read_support_filter_zstd(r->raw);
	archive_read_support_format_raw(r->raw);
	if (archive_read_open(r->raw, r, NULL, read_blob, NULL) != ARCHIVE_OK)
		goto fail;
	{
		struct archive_entry *e;

		if (archive_read_next_header(r->raw, &e) != ARCHIVE_OK)
			goto fail;
	}
	return IA_OK;
fail:
	if (!r->failed)
		ia_seterr(r->err, IA_EINPUT, "%s: cannot read %s data: %s",
		    r->spec->name, layer_compression_name(got),
		    archive_error_string(r->raw));
	return IA_EINPUT;
}

static void
add_entry(struct reader *r, struct archive_entry *e)
{
	struct layer_result *res = r->res;
	struct layer_entry *le;
	const char *name = archive_entry_pathname(e);
	const char *base, *hl;
	char path[LAYER_PATH_MAX + 1];
	unsigned issues = 0;
	int usable;
	unsigned type = archive_entry_filetype(e);

	if (name == NULL)
		name = archive_entry_pathname_utf8(e);
	if (name == NULL)
		name = "";
	usable = layer_normalise_path(name, path, sizeof(path), &issues) == 0;
	/*
	 * A name that climbs above the root is refused by docker and clamped
	 * by containerd: where it would land depends on the runtime, so it is
	 * reported and kept out of the final tree, like an unusable name.
	 */
	if (issues & PATH_ESCAPES)
		usable = 0;
	if (usable && path[0] == '\0' && type == AE_IFDIR)
		return;		/* "./": the root itself */

	xgrow((void **)&res->entries, &res->n_alloc, res->n_entries + 1,
	    sizeof(*res->entries));
	le = &res->entries[res->n_entries++];
	memset(le, 0, sizeof(*le));
	le->mode = (uint32_t)archive_entry_mode(e);
	le->size = archive_entry_size(e);
	if (le->size < 0)
		le->size = 0;

	if (!usable) {
		/* Keep its bytes in the layer's count; never place it. */
		le->flags |= ENTRY_F_UNSAFE;
		le->path = xstrndup(name, 200);
		if (issues & PATH_ESCAPES)
			findings_add(&res->findings, "path-traversal",
			    "entry name climbs out of the image root",
			    "%s: '%.300s'; not placed in the final tree",
			    r->spec->name, name);
		else
			findings_add(&res->findings, "name-too-long",
			    "entry name too long to exist on any file system",
			    "%s: a %zu-byte name starting '%.60s'; not placed "
			    "in the final tree", r->spec->name, strlen(name),
			    name);
	} else {
		if (issues & PATH_DOTDOT)
			findings_add(&res->findings, "dotdot-path",
			    "entry name contains '..'",
			    "%s: '%.300s' (read as /%s)", r->spec->name, name,
			    path);
		if (issues & PATH_ABSOLUTE)
			findings_add(&res->findings, "absolute-path",
			    "entry name is absolute",
			    "%s: '%.300s' (read as /%s)", r->spec->name, name,
			    path);
		le->path = xstrdup(path);
	}

	base = strrchr(le->path, '/');
	base = base ? base + 1 : le->path;
	hl = archive_entry_hardlink(e);
	if (usable && strncmp(base, ".wh.", 4) == 0) {
		size_t dirlen = (size_t)(base - le->path);
		char *dir = xstrndup(le->path, dirlen ? dirlen - 1 : 0);

		if (strcmp(base, ".wh..wh..opq") == 0) {
			le->kind = ENTRY_OPAQUE;
			free(le->path);
			le->path = dir;
		} else if (strncmp(base, ".wh..wh.", 8) == 0) {
			/* aufs bookkeeping (.wh..wh.plnk): not content. */
			free(dir);
			free(le->path);
			res->n_entries--;
			return;
		} else {
			size_t n = strlen(dir) + strlen(base + 4) + 2;
			char *target = xmalloc(n);

			snprintf(target, n, "%s%s%s", dir, *dir ? "/" : "",
			    base + 4);
			free(dir);
			free(le->path);
			le->path = target;
			le->kind = ENTRY_WHITEOUT;
		}
		le->size = 0;
		return;
	}
	if (hl != NULL) {
		char target[LAYER_PATH_MAX + 1];
		unsigned tissues;

		le->kind = ENTRY_HARDLINK;
		if (layer_normalise_path(hl, target, sizeof(target),
		    &tissues) != 0)
			target[0] = '\0';
		le->link = xstrdup(target);
		res->files++;
		res->bytes += le->size;
		return;
	}
	switch (type) {
	case AE_IFREG:
		le->kind = ENTRY_FILE;
		res->files++;
		res->bytes += le->size;
		break;
	case AE_IFDIR:
		le->kind = ENTRY_DIR;
		le->size = 0;
		break;
	case AE_IFLNK:
		le->kind = ENTRY_SYMLINK;
		le->link = xstrdup(archive_entry_symlink(e) ?
		    archive_entry_symlink(e) : "");
		le->size = 0;
		break;
	default:
		le->kind = ENTRY_OTHER;
		le->size = 0;
		break;
	}
}

/* Keep a package database file's bytes: only the final version is read. */
static int
capture(struct reader *r, size_t idx)
{
	struct layer_entry *le = &r->res->entries[idx];
	struct layer_capture *cap;
	const void *buf;
	size_t size;
	la_int64_t off;
	int rc;

	if (le->size > PKGDB_FILE_MAX) {
		findings_add(&r->res->findings, "package-db-too-large",
		    "package database file too large to read",
		    "%s: /%s is %lld bytes (the limit is %d); its packages "
		    "are not attributed", r->spec->name, le->path,
		    (long long)le->size, PKGDB_FILE_MAX);
		return archive_read_data_skip(r->tar);
	}
	xgrow((void **)&r->res->captures, &r->res->captures_cap,
	    r->res->n_captures + 1, sizeof(*r->res->captures));
	cap = &r->res->captures[r->res->n_captures++];
	cap->entry = idx;
	cap->len = (size_t)le->size;
	/* Sparse holes stay zero: calloc. */
	cap->data = xcalloc(1, cap->len + 1);
	while ((rc = archive_read_data_block(r->tar, &buf, &size, &off)) ==
	    ARCHIVE_OK) {
		if (off < 0 || (uint64_t)off > cap->len ||
		    size > cap->len - (size_t)off)
			continue;	/* past the header's size: ignore */
		memcpy(cap->data + off, buf, size);
	}
	return rc == ARCHIVE_EOF ? ARCHIVE_OK : rc;
}

static void
note_type(struct reader *r, size_t idx, const void *buf, size_t n)
{
	char *what = filetype_guess(&r->ft, buf, n);
	struct layer_type *t;

	if (what == NULL)
		return;
	xgrow((void **)&r->res->types, &r->res->types_cap,
	    r->res->n_types + 1, sizeof(*r->res->types));
	t = &r->res->types[r->res->n_types++];
	t->entry = idx;
	t->type = what;
}

/*
 * Look at a regular file's data as it streams past: the first block says
 * whether it is ELF; an ELF file is fed whole to the ELF reader (in place,
 * libarchive's own buffers, no copy).  Anything else is skipped.  Sparse
 * files are not fed past their first hole: what the reader would see there
 * is not what is stored.  Returns libarchive's status.
 */
static int
read_data(struct reader *r, size_t idx)
{
	struct layer_entry *le = &r->res->entries[idx];
	struct elf_sniffer *es = NULL;
	const void *buf;
	size_t size;
	la_int64_t off, next = 0;
	int rc;

	if (pkgdb_wants(le->path) || linkgraph_wants(le->path))
		return capture(r, idx);
	while ((rc = archive_read_data_block(r->tar, &buf, &size, &off)) ==
	    ARCHIVE_OK) {
		if (next == 0 && es == NULL) {
			if (off == 0 && elf_magic(buf, size)) {
				es = elf_sniff_new(le->size);
			} else {
				if (off == 0 && filetype_wanted(le->size))
					note_type(r, idx, buf, size);
				return archive_read_data_skip(r->tar);
			}
		}
		if (off != next) {
			elf_sniff_free(es);
			return archive_read_data_skip(r->tar);
		}
		elf_sniff_feed(es, buf, size);
		next = off + (la_int64_t)size;
	}
	if (rc != ARCHIVE_EOF) {
		elf_sniff_free(es);
		return rc;
	}
	if (es != NULL) {
		struct layer_elf *e;

		xgrow((void **)&r->res->elves, &r->res->elves_cap,
		    r->res->n_elves + 1, sizeof(*r->res->elves));
		e = &r->res->elves[r->res->n_elves++];
		e->entry = idx;
		elf_sniff_finish(es, &e->facts);
	}
	return ARCHIVE_OK;
}

static enum ia_status
read_entries(struct reader *r)
{
	struct archive_entry *e;
	size_t n;
	int rc;

	r->tar = archive_read_new();
	archive_read_support_format_tar(r->tar);
	if (archive_read_open(r->tar, r, NULL, read_tar, NULL) != ARCHIVE_OK) {
		/* An empty stream is an empty layer; anything else is not tar. */
		if (r->failed)
			return IA_EINPUT;
		if (r->uncompressed == 0)
			return IA_OK;
		return ia_seterr(r->err, IA_EINPUT, "%s: not a tar stream: %s",
		    r->spec->name, archive_error_string(r->tar));
	}
	for (;;) {
		rc = archive_read_next_header(r->tar, &e);
		if (rc == ARCHIVE_EOF)
			break;
		if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN)
			goto fail;
		n = r->res->n_entries;
		add_entry(r, e);
		if (r->res->n_entries > n &&
		    r->res->entries[n].kind == ENTRY_FILE &&
		    !(r->res->entries[n].flags & ENTRY_F_UNSAFE) &&
		    r->res->entries[n].size > 0)
			rc = read_data(r, n);
		else
			rc = archive_read_data_skip(r->tar);
		if (rc != ARCHIVE_OK)
			goto fail;
	}
	return IA_OK;
fail:
	if (!r->failed)
		ia_seterr(r->err, IA_EINPUT, "%s: truncated or corrupt tar "
		    "stream: %s", r->spec->name, archive_error_string(r->tar));
	return IA_EINPUT;
}

/*
 * The tar parser stops at the end-of-archive blocks; the digests cover
 * every byte, so read what is left of both streams through the hashes.
 */
static enum ia_status
drain(struct reader *r)
{
	ssize_t n;
	const void *buf;

	while ((n = pull_tar_bytes(r, r->midbuf, CHUNK)) > 0)
		;
	if (n < 0)
		return IA_EINPUT;
	while ((n = read_blob(NULL, r, &buf)) > 0)
		;
	return n < 0 ? IA_EINPUT : IA_OK;
}

static enum ia_status
verify(struct reader *r)
{
	char sum[DIGEST_STRLEN];
	struct layer_result *res = r->res;

	digest_final(r->blob_sum, sum);
	res->digest = xstrdup(sum);
	digest_final(r->tar_sum, sum);
	res->diff_id = xstrdup(sum);
	res->compressed_bytes = r->compressed;
	res->tar_bytes = r->uncompressed;
	if (r->spec->digest != NULL && strcmp(res->digest, r->spec->digest) != 0)
		return ia_seterr(r->err, IA_EINPUT, "%s: digest mismatch: the "
		    "manifest says %s, the blob hashes to %s", r->spec->name,
		    r->spec->digest, res->digest);
	if (r->spec->diff_id != NULL &&
	    strcmp(res->diff_id, r->spec->diff_id) != 0)
		return ia_seterr(r->err, IA_EINPUT, "%s: diff_id digest "
		    "mismatch: the config says %s, the uncompressed layer "
		    "hashes to %s", r->spec->name, r->spec->diff_id,
		    res->diff_id);
	return IA_OK;
}

enum ia_status
layer_read(struct blob_stream *bs, const struct layer_spec *spec,
    struct layer_result **out, struct ia_error *err)
{
	struct reader r;
	enum ia_status st;

	memset(&r, 0, sizeof(r));
	*out = NULL;
	r.bs = bs;
	r.spec = spec;
	r.err = err;
	r.blob_sum = digest_new();
	r.tar_sum = digest_new();
	r.inbuf = xmalloc(CHUNK);
	r.midbuf = xmalloc(CHUNK);
	r.res = xcalloc(1, sizeof(*r.res));

	st = open_raw(&r);
	if (st == IA_OK)
		st = read_entries(&r);
	if (st == IA_OK)
		st = drain(&r);
	if (st == IA_OK)
		st = verify(&r);

	archive_read_free(r.tar);
	archive_read_free(r.raw);
	filetype_free(r.ft);
	digest_free(r.blob_sum);
	digest_free(r.tar_sum);
	free(r.inbuf);
	free(r.midbuf);
	if (st != IA_OK) {
		layer_result_free(r.res);
		return st;
	}
	*out = r.res;
	return IA_OK;
}

void
layer_result_free(struct layer_result *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n_entries; i++) {
		free(r->entries[i].path);
		free(r->entries[i].link);
	}
	free(r->entries);
	for (i = 0; i < r->n_captures; i++)
		free(r->captures[i].data);
	free(r->captures);
	for (i = 0; i < r->n_elves; i++)
		elf_facts_free(&r->elves[i].facts);
	free(r->elves);
	for (i = 0; i < r->n_types; i++)
		free(r->types[i].type);
	free(r->types);
	free(r->digest);
	free(r->diff_id);
	findings_free(&r->findings);
	free(r);
}
