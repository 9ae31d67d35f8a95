/* SPDX-License-Identifier: MIT */
/*
 * layer.c: one streaming pass over a layer blob.
 *
 *	blob --layer_pipe.c--> tar bytes --read_tar()--> [libarchive: tar
 *	     (read, hash, inflate:      (diff_id hash)     format] --> entries
 *	      a thread of its own)
 *
 * layer_pipe.c reads and hashes the blob and decompresses it (isa-l for
 * gzip) on a thread of its own; here, on the caller's thread, the tar
 * bytes are hashed (the diff_id, when it is checked), parsed by
 * libarchive's tar reader and looked at by the sniffers.  The entries are
 * normalised here, once, so that the merge and every later stage see
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
#include "layer_private.h"
#include "filetype.h"
#include "linkgraph.h"
#include "pkgdb.h"

/*
 * A name longer than --max-path (limits.h, PATH_MAX by default: longer
 * cannot be created), or with a component longer than NAME_MAX, is kept
 * as an unsafe entry and reported.
 */
#define LAYER_NAME_MAX	255	/* NAME_MAX, per component */

struct reader {
	const struct layer_spec *spec;
	struct ia_error *err;
	int failed;			/* err already says what went wrong */
	struct layer_pipe *pipe;	/* the tar bytes */
	struct digest *tar_sum;		/* NULL: the diff_id is not hashed */
	int64_t tar_seen;		/* tar bytes handed to libarchive */
	int padded;			/* zeros added after the stream's end */
	struct archive *tar;
	struct filetype *ft;		/* libmagic, opened on first use */
	struct layer_result *res;
	const struct ia_limits *lim;	/* spec->limits or the defaults */
	char *path, *target;		/* max_path + 1 bytes each */
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
	if (strlen(name) >= outsz) {
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

/* The next tar bytes from the pipe, hashed when the diff_id is checked. */
static ssize_t
pull_tar(struct reader *r, const void **buf)
{
	ssize_t n = layer_pipe_read(r->pipe, buf, r->err);

	if (n < 0) {
		r->failed = 1;
		return -1;
	}
	if (r->tar_sum != NULL && n > 0)
		digest_update(r->tar_sum, *buf, (size_t)n);
	r->tar_seen += n;
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
	n = pull_tar(r, buf);
	if (n != 0 || r->padded)
		return n;
	r->padded = 1;
	pad = (size_t)((512 - r->tar_seen % 512) % 512);
	if (pad == 0)
		return 0;
	findings_add(&r->res->findings, "tar-unpadded",
	    "layer tar ends without padding or end-of-archive blocks",
	    "%s: the tar stream stops %lld bytes after its last data block "
	    "(written by a tool like umoci); read as docker and containerd "
	    "read it", r->spec->name, (long long)(r->tar_seen % 512));
	*buf = zero_blocks;
	return (la_ssize_t)(pad + 1024);
}

/*
 * The entries' strings: blocks that double from STRINGS_FIRST up to
 * STRINGS_MAX bytes, filled one after the other and never moved, so an
 * entry's path stays put while entries[] grows.  A string longer than half
 * a block gets a block of its own.
 */
#define STRINGS_FIRST	(4 * 1024)
#define STRINGS_MAX	(1024 * 1024)

struct string_block {
	struct string_block *next;
	size_t used, cap;
	char v[];
};

struct layer_strings {
	struct string_block *head;
	size_t next_cap;	/* size of the next full block */
};

static void
strings_free(struct layer_strings *st)
{
	struct string_block *b, *next;

	for (b = st->head; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	free(st);
}

char *
layer_strndup(struct layer_result *r, const char *s, size_t len)
{
	struct layer_strings *st = r->strings;
	struct string_block *b;
	size_t cap;
	char *p;

	if (st == NULL) {
		st = r->strings = xcalloc(1, sizeof(*st));
		st->next_cap = STRINGS_FIRST;
	}
	b = st->head;
	if (b == NULL || b->cap - b->used < len + 1) {
		cap = st->next_cap;
		if (len + 1 > cap / 2) {
			/* Its own block, behind the one being filled. */
			b = xmalloc(sizeof(*b) + len + 1);
			b->used = b->cap = len + 1;
			if (st->head != NULL) {
				b->next = st->head->next;
				st->head->next = b;
			} else {
				b->next = NULL;
				st->head = b;
			}
			p = b->v;
			goto copy;
		}
		b = xmalloc(sizeof(*b) + cap);
		b->used = 0;
		b->cap = cap;
		b->next = st->head;
		st->head = b;
		if (st->next_cap < STRINGS_MAX)
			st->next_cap *= 2;
	}
	p = b->v + b->used;
	b->used += len + 1;
copy:
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/*
 * One more entry at the end of entries[].  Past a few thousand, the array
 * grows by a quarter rather than doubling: for a million entries that is
 * 4 MB of slack instead of up to 32.
 */
static struct layer_entry *
entry_push(struct layer_result *res)
{
	struct layer_entry *le;
	size_t cap;

	if (res->n_entries == res->n_alloc) {
		cap = res->n_alloc < 4096 ? 2 * res->n_alloc + 64 :
		    res->n_alloc + res->n_alloc / 4;
		res->entries = xrealloc(res->entries,
		    cap * sizeof(*res->entries));
		res->n_alloc = cap;
	}
	le = &res->entries[res->n_entries++];
	memset(le, 0, sizeof(*le));
	return le;
}

static void
add_entry(struct reader *r, struct archive_entry *e)
{
	struct layer_result *res = r->res;
	struct layer_entry *le;
	const char *name = archive_entry_pathname(e);
	const char *hl;
	char *path = r->path, *base = path;
	size_t path_sz = (size_t)r->lim->max_path + 1;
	unsigned issues = 0;
	int usable;
	unsigned type = archive_entry_filetype(e);

	if (name == NULL)
		name = archive_entry_pathname_utf8(e);
	if (name == NULL)
		name = "";
	usable = layer_normalise_path(name, path, path_sz, &issues) == 0;
	/*
	 * A name that climbs above the root is refused by docker and clamped
	 * by containerd: where it would land depends on the runtime, so it is
	 * reported and kept out of the final tree, like an unusable name.
	 */
	if (issues & PATH_ESCAPES)
		usable = 0;
	if (usable && path[0] == '\0' && type == AE_IFDIR)
		return;		/* "./": the root itself */

	if (!usable) {
		if (issues & PATH_ESCAPES)
			findings_add(&res->findings, "path-traversal",
			    "entry name climbs out of the image root",
			    "%s: '%.300s'; not placed in the final tree",
			    r->spec->name, name);
		else if (strlen(name) >= path_sz)
			findings_add(&res->findings, "name-too-long",
			    "entry name longer than the path limit",
			    "%s: a %zu-byte name starting '%.60s', over "
			    "--max-path %lld; not placed in the final tree%s",
			    r->spec->name, strlen(name), name,
			    (long long)r->lim->max_path,
			    r->lim->max_path < LIMITS_PATH ? " (raise "
			    "--max-path to place it)" : " (no runtime could "
			    "create it)");
		else
			findings_add(&res->findings, "name-too-long",
			    "entry name too long to exist on any file system",
			    "%s: a %zu-byte name starting '%.60s' has a "
			    "component over %d bytes (NAME_MAX); not placed "
			    "in the final tree", r->spec->name, strlen(name),
			    name, LAYER_NAME_MAX);
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
		base = strrchr(path, '/');
		base = base ? base + 1 : path;
		/* aufs bookkeeping (.wh..wh.plnk): not content. */
		if (strncmp(base, ".wh..wh.", 8) == 0 &&
		    strcmp(base, ".wh..wh..opq") != 0)
			return;
	}

	le = entry_push(res);
	le->mode = (uint32_t)archive_entry_mode(e);
	le->size = archive_entry_size(e);
	if (le->size < 0)
		le->size = 0;
	if (!usable) {
		/* Keep its bytes in the layer's count; never place it. */
		le->flags |= ENTRY_F_UNSAFE;
		le->path = layer_strndup(res, name, strnlen(name, 200));
	} else if (strncmp(base, ".wh.", 4) == 0) {
		if (strcmp(base, ".wh..wh..opq") == 0) {
			/* The directory it hides, without the '/'. */
			le->kind = ENTRY_OPAQUE;
			le->path = layer_strndup(res, path, base > path ?
			    (size_t)(base - path) - 1 : 0);
		} else {
			/* "dir/.wh.NAME" deletes "dir/NAME". */
			memmove(base, base + 4, strlen(base + 4) + 1);
			le->kind = ENTRY_WHITEOUT;
			le->path = layer_strndup(res, path, strlen(path));
		}
		le->size = 0;
		return;
	} else {
		le->path = layer_strndup(res, path, strlen(path));
	}

	hl = archive_entry_hardlink(e);
	if (hl != NULL) {
		char *target = r->target;
		unsigned tissues;

		le->kind = ENTRY_HARDLINK;
		if (layer_normalise_path(hl, target, path_sz, &tissues) != 0)
			target[0] = '\0';
		le->link = layer_strndup(res, target, strlen(target));
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
		name = archive_entry_symlink(e);
		if (name == NULL)
			name = "";
		le->kind = ENTRY_SYMLINK;
		le->link = layer_strndup(res, name, strlen(name));
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

	if (le->size > r->lim->max_pkgdb) {
		char a[32], b[32], unit[40] = "";

		/* "64 MiB" beside 67108864; nothing beside 381. */
		if (r->lim->max_pkgdb % 1024 == 0)
			snprintf(unit, sizeof(unit), " (%s)", limits_size(
			    r->lim->max_pkgdb, b, sizeof(b)));
		findings_add(&r->res->findings, "package-db-too-large",
		    "package database file too large to read",
		    "%s: /%s is %s bytes, over --max-pkgdb %lld%s; not "
		    "read, so its packages are not attributed (raise "
		    "--max-pkgdb to read it)", r->spec->name, le->path,
		    limits_group(le->size, a, sizeof(a)),
		    (long long)r->lim->max_pkgdb, unit);
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

enum ia_status
layer_too_many(struct ia_error *err, const char *name, int64_t max)
{
	char a[32];

	return ia_seterr(err, IA_EINPUT, "%s has more than %s entries "
	    "(--max-entries %lld); raise --max-entries to read it", name,
	    limits_group(max, a, sizeof(a)), (long long)max);
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
		if (r->tar_seen == 0)
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
		if ((int64_t)r->res->n_entries > r->lim->max_entries)
			return layer_too_many(r->err, r->spec->name,
			    r->lim->max_entries);
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
 * every byte, so read what is left of the stream through the hashes.
 */
static enum ia_status
drain(struct reader *r)
{
	ssize_t n;
	const void *buf;

	while ((n = pull_tar(r, &buf)) > 0)
		;
	return n < 0 ? IA_EINPUT : IA_OK;
}

/* The blob's facts from the pipe, and the digests checked (layer.h). */
static enum ia_status
verify(struct reader *r)
{
	const struct layer_spec *spec = r->spec;
	struct layer_result *res = r->res;
	struct layer_pipe_result pr;
	char sum[DIGEST_STRLEN];
	enum ia_status st;

	st = layer_pipe_close(r->pipe, &pr, r->err);
	r->pipe = NULL;
	if (st != IA_OK)
		return st;
	res->compressed_bytes = pr.compressed;
	res->tar_bytes = pr.uncompressed;
	res->digest = xstrdup(pr.digest[0] != '\0' ? pr.digest :
	    spec->digest != NULL ? spec->digest : "");
	if (r->tar_sum != NULL) {
		digest_final(r->tar_sum, sum);
		res->diff_id = xstrdup(sum);
	} else if (pr.compression == COMP_NONE && pr.digest[0] != '\0') {
		res->diff_id = xstrdup(pr.digest);	/* the same bytes */
	} else {
		res->diff_id = xstrdup(spec->diff_id != NULL ? spec->diff_id :
		    "");
	}
	if (pr.digest[0] != '\0' && spec->digest != NULL &&
	    strcmp(res->digest, spec->digest) != 0)
		return ia_seterr(r->err, IA_EINPUT, "%s: digest mismatch: the "
		    "manifest says %s, the blob hashes to %s", spec->name,
		    spec->digest, res->digest);
	if (spec->diff_id != NULL && strcmp(res->diff_id, spec->diff_id) != 0)
		return ia_seterr(r->err, IA_EINPUT, "%s: diff_id digest "
		    "mismatch: the config says %s, the uncompressed layer "
		    "hashes to %s", spec->name, spec->diff_id, res->diff_id);
	return IA_OK;
}

enum ia_status
layer_read(struct blob_stream *bs, const struct layer_spec *spec,
    struct layer_result **out, struct ia_error *err)
{
	struct reader r;
	enum ia_status st;
	enum layer_compression comp;

	memset(&r, 0, sizeof(r));
	*out = NULL;
	r.spec = spec;
	r.err = err;
	r.res = xcalloc(1, sizeof(*r.res));
	r.lim = limits_or_default(spec->limits);
	r.path = xmalloc(2 * ((size_t)r.lim->max_path + 1));
	r.target = r.path + r.lim->max_path + 1;

	st = layer_pipe_open(&r.pipe, bs, spec, err);
	if (st == IA_OK) {
		/*
		 * The tar is hashed when the diff_id is checked, or when
		 * nothing else would catch a changed blob; an uncompressed
		 * blob's own hash is its diff_id.
		 */
		comp = layer_pipe_compression(r.pipe);
		r.res->compression = comp;
		if (comp != COMP_NONE && (spec->verify == VERIFY_FULL ||
		    (spec->verify == VERIFY_BLOB && spec->digest == NULL)))
			r.tar_sum = digest_new();
		st = read_entries(&r);
	}
	if (st == IA_OK)
		st = drain(&r);
	if (st == IA_OK)
		st = verify(&r);

	layer_pipe_close(r.pipe, NULL, NULL);
	archive_read_free(r.tar);
	filetype_free(r.ft);
	digest_free(r.tar_sum);
	free(r.path);
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
	if (r->strings != NULL) {
		strings_free(r->strings);
	} else {
		for (i = 0; i < r->n_entries; i++) {
			free(r->entries[i].path);
			free(r->entries[i].link);
		}
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

void
layer_result_drop_captures(struct layer_result *r)
{
	size_t i;

	for (i = 0; i < r->n_captures; i++)
		free(r->captures[i].data);
	free(r->captures);
	r->captures = NULL;
	r->n_captures = r->captures_cap = 0;
}
