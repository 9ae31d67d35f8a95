/* SPDX-License-Identifier: MIT */
/*
 * tarindex.h: the members of an outer, uncompressed tar (a `docker save`
 * tarball, an OCI archive), indexed once so that each member can then be
 * read in place by offset and length, never extracted.
 *
 *	struct tarindex *ti;
 *	tarindex_open(path, &ti, &err);            // one pass over the headers
 *	const struct tarmember *m = tarindex_find(ti, "manifest.json");
 *	tarindex_stream(ti, m, &bs);               // pread()-based blob_stream
 *	tarindex_free(ti);
 *
 * Ownership: members and their names belong to the index.  A stream made by
 * tarindex_stream() borrows the index's file descriptor; free the stream
 * context with tarindex_stream_free() before tarindex_free().  Streams use
 * pread(), so several threads may read different members at once.
 */
#ifndef IMGAUDIT_TARINDEX_H
#define IMGAUDIT_TARINDEX_H

#include <stdint.h>

#include "common.h"
#include "layer.h"

struct tarmember {
	char *name;		/* normalised (no "./", no trailing '/') */
	char *link;		/* symlink or hard-link target, normalised, or NULL */
	int64_t offset;		/* of the data in the file */
	int64_t size;
	int is_reg;		/* regular file with data */
	int is_hardlink;	/* link is a path from the archive root */
};

struct tarindex;

/*
 * Index the tar at path.  IA_EINPUT when it cannot be opened, is not a tar,
 * is compressed (members could not be read in place) or is truncated.
 */
enum ia_status tarindex_open(const char *path, struct tarindex **out,
    struct ia_error *err);

/*
 * Find a member by name, following symlinks and hard links inside the
 * archive (bounded: a loop gives NULL).  Returns a regular member or NULL.
 */
const struct tarmember *tarindex_find(const struct tarindex *ti,
    const char *name);

/* Does a member (of any type) of that name exist? */
int tarindex_has(const struct tarindex *ti, const char *name);

/* A stream over member m's data; free ctx with tarindex_stream_free(). */
void tarindex_stream(struct tarindex *ti, const struct tarmember *m,
    struct blob_stream *bs);
void tarindex_stream_free(struct blob_stream *bs);

void tarindex_free(struct tarindex *ti);

#endif
