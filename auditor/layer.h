/* SPDX-License-Identifier: MIT */
/*
 * layer.h: read one layer blob in a single streaming pass.
 *
 * Call sequence:
 *	struct blob_stream bs = { read, ctx };   // from a source
 *	struct layer_result *r;
 *	st = layer_read(&bs, &spec, &r, &err);    // verifies digests
 *	... tree_apply(t, r, index, ...) ...
 *	layer_result_free(r);
 *
 * Ownership: layer_read() allocates *r; the caller frees it with
 * layer_result_free().  Every string inside the result belongs to it.
 * Nothing is written to disk; the blob is read exactly once.
 */
#ifndef IMGAUDIT_LAYER_H
#define IMGAUDIT_LAYER_H

#include <stdint.h>
#include <sys/types.h>

#include "common.h"
#include "elf.h"
#include "limits.h"

/*
 * A byte source: read() fills up to n bytes and returns how many, 0 at the
 * end, or -1 with a message in err.  Sources (archive member, OCI blob
 * file, registry response) each provide one.
 */
struct blob_stream {
	ssize_t (*read)(void *ctx, void *buf, size_t n, struct ia_error *err);
	void *ctx;
};

enum layer_compression {
	COMP_UNKNOWN = 0,	/* sniff the magic (docker archives) */
	COMP_NONE,
	COMP_GZIP,
	COMP_ZSTD
};

/*
 * Who decompresses gzip layers: isa-l (the default), or libarchive's zlib
 * filter.  Both give the same tar bytes; isa-l is about twice as fast, and
 * also checks each member's CRC-32 and length, as gzip -t and Go (so docker)
 * do.  zstd and uncompressed layers are always libarchive's.
 */
enum layer_inflate {
	INFLATE_ISAL = 0,
	INFLATE_ZLIB
};

/*
 * What is hashed as the layer streams: the blob and the uncompressed tar
 * (checked against the manifest's digest and the config's diff_id), the
 * blob only (the manifest's digest still catches any change to the bytes;
 * the diff_id is the config's word), or nothing.  A blob without a digest
 * to check (docker save) has its tar hashed in blob mode too.
 */
enum layer_verify {
	VERIFY_FULL = 0,
	VERIFY_BLOB,
	VERIFY_NONE
};

/* What the manifest and config say about the blob, checked while reading. */
struct layer_spec {
	const char *name;	/* for messages: "layer 3 (sha256:ab12..)" */
	const char *digest;	/* "sha256:<hex>" of the blob, or NULL */
	const char *diff_id;	/* "sha256:<hex>" of the tar, or NULL */
	int64_t size;		/* blob size from the manifest, -1 if unknown */
	enum layer_compression compression;
	double max_ratio;	/* decompression-bomb ceiling, see layer.c */
	int64_t ratio_floor;	/* ratio is only checked past this many bytes */
	int64_t *progress;	/* blob bytes read, added atomically; or NULL */
	enum layer_inflate inflate;
	enum layer_verify verify;
	/*
	 * max_entries (refused past it), max_path (an unsafe entry and a
	 * finding), max_pkgdb (a database file not captured, a finding);
	 * NULL: the defaults.  max_ratio and ratio_floor above are the ones
	 * used, copied from the same struct by the caller.
	 */
	const struct ia_limits *limits;
};

enum entry_kind {
	ENTRY_FILE = 0,		/* regular file with data */
	ENTRY_DIR,
	ENTRY_SYMLINK,
	ENTRY_HARDLINK,		/* link = normalised target path */
	ENTRY_OTHER,		/* device, fifo, socket */
	ENTRY_WHITEOUT,		/* path = what `.wh.NAME` deletes */
	ENTRY_OPAQUE		/* path = the directory `.wh..wh..opq` hides */
};

/*
 * One tar entry as read.  Paths are normalised: relative to the image
 * root, no "", "." or ".." components, no leading or trailing '/'.  An
 * entry whose name cannot be normalised safely (it escapes the root, it is
 * longer than the limit) is kept with ENTRY_F_UNSAFE set: it is counted in
 * the layer's bytes, listed as a finding, and never placed in the tree.
 */
#define ENTRY_F_UNSAFE	0x01

/*
 * 32 bytes: an image of a million files holds a million of these until the
 * reports are written, so nothing goes in that no stage reads.
 */
struct layer_entry {
	char *path;
	char *link;		/* symlink target as written, or hard-link target */
	int64_t size;		/* tar header size: what dive counts */
	uint32_t mode;
	uint8_t kind;
	uint8_t flags;
};

/*
 * Where the entries' strings live: a few large blocks (see layer.c), not a
 * malloc per name, which costs as much again as a short path.
 */
struct layer_strings;

/*
 * A package-database file's bytes (pkgdb_wants() said yes), kept for the
 * merge: only the final tree's version is read, later.
 */
struct layer_capture {
	size_t entry;		/* index into entries */
	char *data;		/* NUL-terminated copy; len bytes */
	size_t len;
};

/* What the ELF reader learnt of one regular file as it streamed. */
struct layer_elf {
	size_t entry;		/* index into entries */
	struct elf_facts facts;
};

/* What libmagic said of a large file that is not ELF (filetype.h). */
struct layer_type {
	size_t entry;
	char *type;
};

struct layer_result {
	char *digest;		/* sha256 of the blob, computed */
	char *diff_id;		/* sha256 of the uncompressed tar, computed */
	enum layer_compression compression;	/* what the bytes were */
	int64_t compressed_bytes;	/* blob length read */
	int64_t tar_bytes;	/* uncompressed tar length */
	int64_t bytes;		/* sum of regular files' sizes */
	int64_t files;		/* regular files and hard links */
	struct layer_entry *entries;
	size_t n_entries, n_alloc;
	struct layer_strings *strings;	/* NULL: each entry string is its
					   own malloc (results built by
					   hand, as in the unit tests) */
	struct layer_capture *captures;
	size_t n_captures, captures_cap;
	struct layer_elf *elves;
	size_t n_elves, elves_cap;
	struct layer_type *types;
	size_t n_types, types_cap;
	struct findings findings;
};

/*
 * Read the blob from bs, following spec.  Returns IA_OK and *out, or
 * IA_EINPUT (corrupt, truncated, digest mismatch, bomb) / IA_EINTERNAL
 * with err filled in and *out NULL.
 */
enum ia_status layer_read(struct blob_stream *bs, const struct layer_spec *spec,
    struct layer_result **out, struct ia_error *err);

void layer_result_free(struct layer_result *r);

/*
 * Fill err with the refusal of a layer (name as in layer_spec) that holds
 * more than max entries, and return IA_EINPUT: for layer_read() and for a
 * cached result checked against the limit (audit.c).
 */
enum ia_status layer_too_many(struct ia_error *err, const char *name,
    int64_t max);

/* Free the captured file bytes once they are parsed (n_captures = 0). */
void layer_result_drop_captures(struct layer_result *r);

/*
 * A copy of s[0..len) with a NUL after it, kept in r->strings (made on
 * first use) and freed with r: for entries' path and link.  A result whose
 * strings were malloc'd one by one must not mix in strings from here.
 */
char *layer_strndup(struct layer_result *r, const char *s, size_t len);

/*
 * Normalise a tar entry name into out (size outsz), the way containerd
 * applies it: a leading '/' is dropped, "." and empty components vanish,
 * ".." removes the previous component and is clamped at the root.  *issues
 * gets PATH_* bits for what was odd about it.  Returns 0 when out is usable,
 * -1 when the name cannot be placed at all: longer than outsz - 1 bytes as
 * written (the layer reader passes --max-path + 1, PATH_MAX + 1 by
 * default), or a component longer than NAME_MAX (255): no runtime could
 * create it.
 */
#define PATH_ABSOLUTE	0x01	/* started with '/' */
#define PATH_DOTDOT	0x02	/* had ".." components */
#define PATH_ESCAPES	0x04	/* a ".." climbed above the root (clamped) */
#define PATH_TOOLONG	0x08	/* over outsz - 1 or NAME_MAX */

int layer_normalise_path(const char *name, char *out, size_t outsz,
    unsigned *issues);

const char *layer_compression_name(enum layer_compression c);

#endif
