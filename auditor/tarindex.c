/* SPDX-License-Identifier: MIT */
/*
 * tarindex.c: one pass over an outer tar's headers with libarchive,
 * recording where each member's data sits so it can be read in place.
 *
 * libarchive does not report data offsets, but it records where each
 * header group starts (archive_read_header_position()), after skipping the
 * previous member's data and padding.  So a member's data starts at the
 * next member's header position minus its size rounded up to 512.  The
 * layer reader checks every blob's digest, so an offset that were ever
 * wrong would show up as a digest mismatch, not as silently wrong numbers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "tarindex.h"

struct tarindex {
	int fd;
	char *path;
	struct tarmember *v;	/* sorted by name after indexing */
	size_t n, cap;
};

struct member_stream {
	int fd;
	int64_t offset, size, pos;
	const char *path;
};

/* A member name as a lookup key: strip "./" and leading/trailing '/'. */
static char *
member_name(const char *s)
{
	size_t n;

	while (s[0] == '.' && s[1] == '/')
		s += 2;
	while (*s == '/')
		s++;
	n = strlen(s);
	while (n > 0 && s[n - 1] == '/')
		n--;
	return xstrndup(s, n);
}

static int
member_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tarmember *)a)->name,
	    ((const struct tarmember *)b)->name);
}

static int
sniff_compressed(int fd)
{
	unsigned char m[4];

	if (pread(fd, m, sizeof(m), 0) != (ssize_t)sizeof(m))
		return 0;
	return (m[0] == 0x1f && m[1] == 0x8b) ||
	    (m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd) ||
	    (m[0] == 'B' && m[1] == 'Z' && m[2] == 'h') ||
	    (m[0] == 0xfd && m[1] == '7' && m[2] == 'z' && m[3] == 'X');
}

enum ia_status
tarindex_open(const char *path, struct tarindex **out, struct ia_error *err)
{
	struct tarindex *ti;
	struct archive *a = NULL;
	struct archive_entry *e;
	struct tarmember *prev = NULL;
	enum ia_status st = IA_OK;
	int r;

	*out = NULL;
	ti = xcalloc(1, sizeof(*ti));
	ti->path = xstrdup(path);
	ti->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (ti->fd < 0) {
		st = ia_seterr(err, IA_EINPUT, "%s: %s", path, strerror(errno));
		goto done;
	}
	if (sniff_compressed(ti->fd)) {
		st = ia_seterr(err, IA_EINPUT, "%s: the archive itself is "
		    "compressed; decompress it first (e.g. gunzip or zstd -d) "
		    "so that its layers can be read in place", path);
		goto done;
	}
	a = archive_read_new();
	archive_read_support_format_tar(a);
	if (archive_read_open_fd(a, ti->fd, 64 * 1024) != ARCHIVE_OK) {
		st = ia_seterr(err, IA_EINPUT, "%s: not an image (not a tar "
		    "archive or OCI layout): %s", path, archive_error_string(a));
		goto done;
	}
	for (;;) {
		r = archive_read_next_header(a, &e);
		/* The previous member's data ends where this header starts. */
		if (prev != NULL && (r == ARCHIVE_OK || r == ARCHIVE_WARN ||
		    r == ARCHIVE_EOF)) {
			int64_t pad = (512 - prev->size % 512) % 512;

			prev->offset = archive_read_header_position(a) -
			    prev->size - pad;
			prev = NULL;
		}
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			const char *why = archive_error_string(a);

			if (ti->n == 0)
				st = ia_seterr(err, IA_EINPUT, "%s: not an image "
				    "(not a tar archive or OCI layout): %s", path,
				    why ? why : "unreadable");
			else
				st = ia_seterr(err, IA_EINPUT, "%s: truncated or "
				    "corrupt archive after %zu members: %s", path,
				    ti->n, why ? why : "unreadable");
			goto done;
		}
		xgrow((void **)&ti->v, &ti->cap, ti->n + 1, sizeof(*ti->v));
		{
			struct tarmember *m = &ti->v[ti->n++];
			const char *name = archive_entry_pathname(e);
			const char *hl = archive_entry_hardlink(e);
			const char *sl = archive_entry_symlink(e);

			memset(m, 0, sizeof(*m));
			m->name = member_name(name ? name : "");
			m->offset = -1;
			if (hl != NULL) {
				m->link = member_name(hl);
				m->is_hardlink = 1;
			}
			else if (sl != NULL)
				m->link = xstrdup(sl);
			if (archive_entry_filetype(e) == AE_IFREG && hl == NULL) {
				m->is_reg = 1;
				m->size = archive_entry_size(e);
				prev = m;
			}
		}
		/* Skipping reads through the data: a truncated member fails here. */
		if (archive_read_data_skip(a) != ARCHIVE_OK) {
			st = ia_seterr(err, IA_EINPUT, "%s: truncated archive: "
			    "member %s: %s", path, ti->v[ti->n - 1].name,
			    archive_error_string(a));
			goto done;
		}
	}
	if (ti->n > 0)
		qsort(ti->v, ti->n, sizeof(*ti->v), member_cmp);
	*out = ti;
	ti = NULL;
done:
	archive_read_free(a);
	tarindex_free(ti);
	return st;
}

static const struct tarmember *
lookup(const struct tarindex *ti, const char *name)
{
	struct tarmember key = { 0 };
	char *k = member_name(name);
	const struct tarmember *m;

	key.name = k;
	m = ti->n ? bsearch(&key, ti->v, ti->n, sizeof(*ti->v), member_cmp)
	    : NULL;
	free(k);
	return m;
}

int
tarindex_has(const struct tarindex *ti, const char *name)
{
	return lookup(ti, name) != NULL;
}

const struct tarmember *
tarindex_find(const struct tarindex *ti, const char *name)
{
	const struct tarmember *m = lookup(ti, name);
	int hops;

	/*
	 * Older `docker save` writes duplicate layers as symlinks
	 * ("<id>/layer.tar -> ../<other>/layer.tar").  Follow them inside the
	 * archive, relative to the link's directory, a bounded number of times.
	 */
	for (hops = 0; m != NULL && !m->is_reg && m->link != NULL; hops++) {
		char buf[4096];
		const char *slash;

		if (hops >= 16)
			return NULL;
		/* Hard links name a path from the root; symlinks, from their dir. */
		if (m->is_hardlink || m->link[0] == '/' ||
		    (slash = strrchr(m->name, '/')) == NULL)
			snprintf(buf, sizeof(buf), "%s", m->link);
		else
			snprintf(buf, sizeof(buf), "%.*s/%s",
			    (int)(slash - m->name), m->name, m->link);
		{
			char norm[4096];
			unsigned issues = 0;

			/* Resolve "..": a link may not climb out of the archive. */
			if (layer_normalise_path(buf, norm, sizeof(norm),
			    &issues) != 0 || (issues & PATH_ESCAPES))
				return NULL;
			m = lookup(ti, norm);
		}
	}
	if (m != NULL && (!m->is_reg || m->offset < 0))
		return NULL;
	return m;
}

static ssize_t
member_read(void *ctx, void *buf, size_t n, struct ia_error *err)
{
	struct member_stream *s = ctx;
	int64_t left = s->size - s->pos;
	ssize_t got;

	if (left <= 0)
		return 0;
	if ((int64_t)n > left)
		n = (size_t)left;
	do
		got = pread(s->fd, buf, n, (off_t)(s->offset + s->pos));
	while (got < 0 && errno == EINTR);
	if (got < 0) {
		ia_seterr(err, IA_EINPUT, "%s: read error: %s", s->path,
		    strerror(errno));
		return -1;
	}
	if (got == 0) {
		ia_seterr(err, IA_EINPUT, "%s: truncated archive (member "
		    "data ends early)", s->path);
		return -1;
	}
	s->pos += got;
	return got;
}

void
tarindex_stream(struct tarindex *ti, const struct tarmember *m,
    struct blob_stream *bs)
{
	struct member_stream *s = xcalloc(1, sizeof(*s));

	s->fd = ti->fd;
	s->offset = m->offset;
	s->size = m->size;
	s->path = ti->path;
	bs->read = member_read;
	bs->ctx = s;
}

void
tarindex_stream_free(struct blob_stream *bs)
{
	free(bs->ctx);
	bs->ctx = NULL;
}

void
tarindex_free(struct tarindex *ti)
{
	size_t i;

	if (ti == NULL)
		return;
	for (i = 0; i < ti->n; i++) {
		free(ti->v[i].name);
		free(ti->v[i].link);
	}
	free(ti->v);
	if (ti->fd >= 0)
		close(ti->fd);
	free(ti->path);
	free(ti);
}
