/* SPDX-License-Identifier: MIT */
/*
 * layer_private.h: between layer.c (tar entries) and layer_pipe.c (blob
 * bytes in, tar bytes out, on a thread of their own).
 *
 *	struct layer_pipe *p;
 *	st = layer_pipe_open(&p, bs, spec, &err);  // sniffs, starts the thread
 *	while ((n = layer_pipe_read(p, &buf, &err)) > 0)
 *		... n tar bytes at buf, valid until the next call ...
 *	st = layer_pipe_close(p, &out, &err);      // joins; blob facts in out
 *
 * layer_pipe_close() may be called at any point (after an error in the
 * tar, say): it stops the thread and frees everything.  Only a pipe read
 * to its end (layer_pipe_read() returned 0) fills out.
 */
#ifndef IMGAUDIT_LAYER_PRIVATE_H
#define IMGAUDIT_LAYER_PRIVATE_H

#include "digest.h"
#include "layer.h"

struct layer_pipe;

struct layer_pipe_result {
	enum layer_compression compression;	/* what the bytes were */
	int64_t compressed;			/* blob bytes read */
	int64_t uncompressed;			/* tar bytes produced */
	char digest[DIGEST_STRLEN];		/* of the blob; "" unhashed */
};

enum ia_status layer_pipe_open(struct layer_pipe **out, struct blob_stream *bs,
    const struct layer_spec *spec, struct ia_error *err);
/* What the first bytes say the blob is. */
enum layer_compression layer_pipe_compression(const struct layer_pipe *p);
ssize_t layer_pipe_read(struct layer_pipe *p, const void **buf,
    struct ia_error *err);
enum ia_status layer_pipe_close(struct layer_pipe *p,
    struct layer_pipe_result *out, struct ia_error *err);

#endif
