/* SPDX-License-Identifier: MIT */
/*
 * layer_pipe.c: a layer blob's bytes in, its tar stream out, decompressed
 * on a thread of its own so that one large layer keeps two cores busy.
 *
 *	bs->read() --> blob sha256 --> decoder --> ring of chunks --> layer.c
 *	 (producer thread: read, hash, inflate)     (caller: tar, sniffers)
 *
 * The decoder is isa-l's isal_inflate() for gzip (ISAL_GZIP: the header is
 * parsed and each member's CRC-32 and length are checked; the state is
 * reset between concatenated members), libarchive's own filters for zstd,
 * for gzip under --inflate=zlib, and for a gzip stream whose first bytes
 * isa-l refuses (they are still in hand, so libarchive reads the same
 * bytes), and a plain copy for uncompressed layers.  Whatever follows the
 * last gzip member is hashed and otherwise ignored, as libarchive does.
 *
 * The decompression-bomb ceiling is checked here, where both counts are
 * known.  This file knows nothing of tar entries, and leaves the diff_id
 * to layer.c, which hashes the tar bytes on its own thread.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>
#include <isa-l/igzip_lib.h>

#include "layer_private.h"

#define IN_CHUNK	(256 * 1024)	/* blob bytes per read */
#define OUT_CHUNK	(256 * 1024)	/* tar bytes per slot */
#define SLOTS		4		/* slots in the ring */

enum mode { MODE_COPY, MODE_ISAL, MODE_ARCHIVE };

struct layer_pipe {
	/* The producer's alone once the thread runs (the caller's before). */
	struct blob_stream *bs;
	const struct layer_spec *spec;
	struct digest *blob_sum;	/* NULL: not hashed */
	enum mode mode;
	enum layer_compression comp;
	unsigned char *inbuf;
	size_t in_len;			/* bytes in inbuf */
	size_t first_len;		/* the first read, kept for a replay */
	size_t pending;			/* first-read bytes not handed on */
	int first_kept;			/* inbuf still holds the first read */
	int blob_eof, finished, member_end;
	int64_t compressed, uncompressed;
	struct inflate_state *isal;
	struct archive *raw;
	struct ia_error perr;		/* what the producer found wrong */
	int pfailed;

	/* Shared, under lock. */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned char *slot[SLOTS];
	size_t slot_len[SLOTS];
	size_t head, tail;		/* filled: tail..head-1 */
	int done;			/* producer: 1 at the end, -1 failed */
	int cancel;
	int holding;			/* the caller reads slot tail */
	int threaded;
	pthread_t tid;
};

/* "NAME: problem: detail", unless the producer already said something. */
static ssize_t
fail(struct layer_pipe *p, const char *problem, const char *detail)
{
	if (!p->pfailed)
		ia_seterr(&p->perr, IA_EINPUT, "%s: %s: %s", p->spec->name,
		    problem, detail);
	p->pfailed = 1;
	return -1;
}

/*
 * Read the next blob bytes into buf: hashed, counted, checked against the
 * manifest's size.  Returns the count, 0 at the end, -1 with perr set.
 */
static ssize_t
blob_read(struct layer_pipe *p, void *buf, size_t cap)
{
	ssize_t n;

	if (p->blob_eof)
		return 0;
	n = p->bs->read(p->bs->ctx, buf, cap, &p->perr);
	if (n < 0) {
		p->pfailed = 1;
		return -1;
	}
	if (n == 0) {
		p->blob_eof = 1;
		if (p->spec->size >= 0 && p->compressed < p->spec->size) {
			ia_seterr(&p->perr, IA_EINPUT, "%s: blob is truncated: "
			    "%lld of %lld bytes", p->spec->name,
			    (long long)p->compressed, (long long)p->spec->size);
			p->pfailed = 1;
			return -1;
		}
		return 0;
	}
	if (p->blob_sum != NULL)
		digest_update(p->blob_sum, buf, (size_t)n);
	p->compressed += n;
	if (p->spec->progress != NULL)
		__atomic_fetch_add(p->spec->progress, n, __ATOMIC_RELAXED);
	if (p->spec->size >= 0 && p->compressed > p->spec->size) {
		ia_seterr(&p->perr, IA_EINPUT, "%s: blob is longer than the "
		    "%lld bytes the manifest says", p->spec->name,
		    (long long)p->spec->size);
		p->pfailed = 1;
		return -1;
	}
	return n;
}

/* libarchive's read callback: the first read again, then the blob. */
static la_ssize_t
archive_blob(struct archive *a, void *ctx, const void **buf)
{
	struct layer_pipe *p = ctx;
	ssize_t n;

	(void)a;
	*buf = p->inbuf;
	if (p->pending > 0) {
		n = (ssize_t)p->pending;
		p->pending = 0;
		return n;
	}
	return blob_read(p, p->inbuf, IN_CHUNK);
}

static enum ia_status
open_archive(struct layer_pipe *p)
{
	struct archive_entry *e;

	p->mode = MODE_ARCHIVE;
	p->pending = p->first_len;
	p->raw = archive_read_new();
	if (p->comp == COMP_GZIP)
		archive_read_support_filter_gzip(p->raw);
	else if (p->comp == COMP_ZSTD)
		archive_read_support_filter_zstd(p->raw);
	archive_read_support_format_raw(p->raw);
	if (archive_read_open(p->raw, p, NULL, archive_blob, NULL) !=
	    ARCHIVE_OK || archive_read_next_header(p->raw, &e) != ARCHIVE_OK) {
		fail(p, "cannot read the layer's data",
		    archive_error_string(p->raw));
		return IA_EINPUT;
	}
	return IA_OK;
}

static ssize_t
archive_out(struct layer_pipe *p, unsigned char *out, size_t cap)
{
	la_ssize_t n = archive_read_data(p->raw, out, cap);
	const char *why;

	if (n >= 0)
		return n;
	if (p->pfailed)
		return -1;
	why = archive_error_string(p->raw);
	ia_seterr(&p->perr, IA_EINPUT, "%s: truncated or corrupt %s data: %s",
	    p->spec->name, layer_compression_name(p->comp),
	    why ? why : "read error");
	p->pfailed = 1;
	return -1;
}

static const char *
isal_reason(int ret)
{
	switch (ret) {
	case ISAL_INVALID_BLOCK:
		return "invalid deflate block";
	case ISAL_INVALID_SYMBOL:
		return "invalid deflate symbol";
	case ISAL_INVALID_LOOKBACK:
		return "invalid deflate distance";
	case ISAL_INVALID_WRAPPER:
		return "invalid gzip header";
	case ISAL_UNSUPPORTED_METHOD:
		return "not deflate-compressed";
	case ISAL_INCORRECT_CHECKSUM:
		return "CRC-32 or length in the gzip trailer does not match "
		    "the data";
	default:
		return "inflate error";
	}
}

/*
 * Make sure at least want unread bytes are in inbuf (fewer at the blob's
 * end): what is left moves to the front, and more is read after it.
 */
static int
isal_fill(struct layer_pipe *p, size_t want)
{
	struct inflate_state *s = p->isal;

	while (s->avail_in < want && !p->blob_eof) {
		ssize_t n;

		if (s->avail_in > 0 && s->next_in != p->inbuf)
			memmove(p->inbuf, s->next_in, s->avail_in);
		s->next_in = p->inbuf;
		p->first_kept = 0;
		n = blob_read(p, p->inbuf + s->avail_in, IN_CHUNK - s->avail_in);
		if (n < 0)
			return -1;
		s->avail_in += (uint32_t)n;
	}
	return 0;
}

/* As libarchive's gzip filter decides: another member starts here. */
static int
gzip_member(const unsigned char *b, size_t n)
{
	return n >= 4 && b[0] == 0x1f && b[1] == 0x8b && b[2] == 8 &&
	    (b[3] & 0xe0) == 0;
}

static ssize_t
isal_out(struct layer_pipe *p, unsigned char *out, size_t cap)
{
	struct inflate_state *s = p->isal;

	s->next_out = out;
	s->avail_out = (uint32_t)cap;
	while (s->avail_out > 0) {
		int ret;

		if (p->member_end) {
			if (isal_fill(p, 4) < 0)
				return -1;
			if (!gzip_member(s->next_in, s->avail_in)) {
				/* The end; anything after is hashed only. */
				p->finished = 1;
				break;
			}
			isal_inflate_reset(s);
			s->crc_flag = ISAL_GZIP;
			p->member_end = 0;
		}
		if (s->avail_in == 0) {
			if (isal_fill(p, 1) < 0)
				return -1;
			if (s->avail_in == 0)
				return fail(p, "truncated or corrupt gzip data",
				    "the stream ends inside a member");
		}
		ret = isal_inflate(s);
		if (ret < 0) {
			/*
			 * Nothing decoded yet and the first read still in
			 * hand: let libarchive try the same bytes.
			 */
			if (p->uncompressed == 0 && s->next_out == out &&
			    p->first_kept) {
				if (open_archive(p) != IA_OK)
					return -1;
				return archive_out(p, out, cap);
			}
			return fail(p, "truncated or corrupt gzip data",
			    isal_reason(ret));
		}
		if (s->block_state == ISAL_BLOCK_FINISH)
			p->member_end = 1;
	}
	return (ssize_t)(cap - s->avail_out);
}

/*
 * The next tar bytes into out (up to cap).  At the end of the tar stream
 * the rest of the blob is read through the hash, so that the digest covers
 * every byte.  Returns the count, 0 at the end, -1 with perr set.
 */
static ssize_t
produce(struct layer_pipe *p, unsigned char *out, size_t cap)
{
	ssize_t n = 0;

	if (p->pfailed)
		return -1;
	if (!p->finished) {
		switch (p->mode) {
		case MODE_COPY:
			if (p->pending > 0) {
				n = (ssize_t)p->pending;
				memcpy(out, p->inbuf, p->pending);
				p->pending = 0;
			} else {
				n = blob_read(p, out, cap);
			}
			break;
		case MODE_ISAL:
			n = isal_out(p, out, cap);
			break;
		case MODE_ARCHIVE:
			n = archive_out(p, out, cap);
			break;
		}
	}
	if (n < 0)
		return -1;
	if (n == 0) {
		p->finished = 1;
		while ((n = blob_read(p, p->inbuf, IN_CHUNK)) > 0)
			;
		return n;
	}
	p->uncompressed += n;
	if (p->uncompressed > p->spec->ratio_floor &&
	    (double)p->uncompressed > p->spec->max_ratio *
	    (double)(p->compressed > 0 ? p->compressed : 1)) {
		ia_seterr(&p->perr, IA_EINPUT, "%s: decompression ratio over "
		    "%.0f:1 (%lld bytes from %lld): a decompression bomb? If the "
		    "layer is genuine, raise the limit with --max-ratio",
		    p->spec->name, p->spec->max_ratio,
		    (long long)p->uncompressed, (long long)p->compressed);
		p->pfailed = 1;
		return -1;
	}
	return n;
}

static void *
producer(void *arg)
{
	struct layer_pipe *p = arg;

	for (;;) {
		unsigned char *buf;
		size_t k;
		ssize_t n;

		pthread_mutex_lock(&p->lock);
		while (p->head - p->tail == SLOTS && !p->cancel)
			pthread_cond_wait(&p->cond, &p->lock);
		if (p->cancel) {
			pthread_mutex_unlock(&p->lock);
			return NULL;
		}
		k = p->head % SLOTS;
		buf = p->slot[k];
		pthread_mutex_unlock(&p->lock);

		n = produce(p, buf, OUT_CHUNK);

		pthread_mutex_lock(&p->lock);
		if (n > 0) {
			p->slot_len[k] = (size_t)n;
			p->head++;
		} else {
			p->done = n == 0 ? 1 : -1;
		}
		pthread_cond_broadcast(&p->cond);
		pthread_mutex_unlock(&p->lock);
		if (n <= 0)
			return NULL;
	}
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

static void
pipe_free(struct layer_pipe *p)
{
	size_t k;

	archive_read_free(p->raw);
	free(p->isal);
	digest_free(p->blob_sum);
	free(p->inbuf);
	for (k = 0; k < SLOTS; k++)
		free(p->slot[k]);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p);
}

enum ia_status
layer_pipe_open(struct layer_pipe **out, struct blob_stream *bs,
    const struct layer_spec *spec, struct ia_error *err)
{
	struct layer_pipe *p = xcalloc(1, sizeof(*p));
	enum ia_status st = IA_OK;
	ssize_t n;
	size_t k;

	*out = NULL;
	p->bs = bs;
	p->spec = spec;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	if (spec->verify != VERIFY_NONE)
		p->blob_sum = digest_new();
	p->inbuf = xmalloc(IN_CHUNK);
	p->threaded = !spec->inline_decode;
	for (k = 0; k < (p->threaded ? SLOTS : 1); k++)
		p->slot[k] = xmalloc(OUT_CHUNK);

	n = blob_read(p, p->inbuf, IN_CHUNK);
	if (n < 0) {
		*err = p->perr;
		st = IA_EINPUT;
		goto done;
	}
	if (n == 0) {
		st = ia_seterr(err, IA_EINPUT, "%s: blob is empty (a layer is at "
		    "least a tar end-of-archive block)%s", spec->name,
		    spec->size > 0 ? ": truncated" : "");
		goto done;
	}
	p->first_len = p->pending = (size_t)n;
	p->comp = sniff(p->inbuf, (size_t)n);
	if (spec->compression != COMP_UNKNOWN && p->comp != spec->compression) {
		st = ia_seterr(err, IA_EINPUT, "%s: the media type says %s but "
		    "the data is %s", spec->name,
		    layer_compression_name(spec->compression),
		    layer_compression_name(p->comp));
		goto done;
	}
	if (p->comp == COMP_NONE) {
		p->mode = MODE_COPY;
	} else if (p->comp == COMP_GZIP && spec->inflate == INFLATE_ISAL) {
		p->mode = MODE_ISAL;
		p->isal = xmalloc(sizeof(*p->isal));
		isal_inflate_init(p->isal);
		p->isal->crc_flag = ISAL_GZIP;
		p->isal->next_in = p->inbuf;
		p->isal->avail_in = (uint32_t)n;
		p->pending = 0;
		p->first_kept = 1;
	} else if (open_archive(p) != IA_OK) {
		*err = p->perr;
		st = IA_EINPUT;
		goto done;
	}
	if (p->threaded && pthread_create(&p->tid, NULL, producer, p) != 0)
		p->threaded = 0;	/* decode on this thread, then */
done:
	if (st != IA_OK) {
		pipe_free(p);
		return st;
	}
	*out = p;
	return IA_OK;
}

enum layer_compression
layer_pipe_compression(const struct layer_pipe *p)
{
	return p->comp;
}

ssize_t
layer_pipe_read(struct layer_pipe *p, const void **buf, struct ia_error *err)
{
	ssize_t n;

	if (!p->threaded) {
		n = produce(p, p->slot[0], OUT_CHUNK);
		if (n < 0)
			*err = p->perr;
		*buf = p->slot[0];
		return n;
	}
	pthread_mutex_lock(&p->lock);
	if (p->holding) {
		p->tail++;
		p->holding = 0;
		pthread_cond_broadcast(&p->cond);
	}
	while (p->head == p->tail && p->done == 0)
		pthread_cond_wait(&p->cond, &p->lock);
	if (p->head == p->tail) {
		n = p->done > 0 ? 0 : -1;
		if (n < 0)
			*err = p->perr;
		*buf = p->slot[0];
	} else {
		n = (ssize_t)p->slot_len[p->tail % SLOTS];
		*buf = p->slot[p->tail % SLOTS];
		p->holding = 1;
	}
	pthread_mutex_unlock(&p->lock);
	return n;
}

enum ia_status
layer_pipe_close(struct layer_pipe *p, struct layer_pipe_result *out,
    struct ia_error *err)
{
	enum ia_status st = IA_OK;

	if (p == NULL)
		return IA_OK;
	if (p->threaded) {
		pthread_mutex_lock(&p->lock);
		p->cancel = 1;
		pthread_cond_broadcast(&p->cond);
		pthread_mutex_unlock(&p->lock);
		pthread_join(p->tid, NULL);
	}
	if (out != NULL) {
		memset(out, 0, sizeof(*out));
		if (!p->finished || p->pfailed) {
			if (p->pfailed)
				*err = p->perr;
			else
				ia_seterr(err, IA_EINTERNAL, "%s: the layer was "
				    "not read to its end", p->spec->name);
			st = err->code;
		} else {
			out->compression = p->comp;
			out->compressed = p->compressed;
			out->uncompressed = p->uncompressed;
			if (p->blob_sum != NULL)
				digest_final(p->blob_sum, out->digest);
		}
	}
	pipe_free(p);
	return st;
}
