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
#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>

#include "layer_private.h"

#define IN_FIRST	(256 * 1024)	/* blob bytes of the first read, which
				   says what the blob is (gzipvariants.py
				   puts headers across its end) */
#define IN_CHUNK	(512 * 1024)	/* blob bytes per input slot after it */
#define IN_SLOTS	6
#define OUT_CHUNK	(512 * 1024)	/* tar bytes per output slot */
#define OUT_SLOTS	4
#define HASH_BATCH	3		/* input slots the hasher wakes for */
#define TAKE_BATCH	2		/* output slots the caller wakes for */
/*
 * The producer (inflating) is the slowest stage, so the hasher and the
 * caller wait for it; each waits for several slots at once, and is woken
 * only then, not at every slot: 10,000 context switches instead of 37,000
 * on make bench's image (2.4 GB of blobs; each sleep costs a futex call
 * and a wake-up on the other core).  Larger rings and batches (8 and 6
 * slots, batches of 4 and 3) saved 3,000 more but cost 4 MB of peak RSS
 * for no measurable time.
 */

enum mode { MODE_COPY, MODE_ISAL, MODE_ARCHIVE };

/*
 * Three threads share a pipe: the producer (reads the blob into the input
 * ring, decodes it into the output ring), the hasher (hashes each input
 * slot, so that the producer, the slowest stage, does not), and the caller
 * (takes output slots).  Input slot k (counted from the blob's start) may
 * be refilled once the decoder is done with it (k < in_used) and the hasher
 * too (k < in_hashed).  Without threads the producer runs inside
 * layer_pipe_read() and hashes as it reads.
 */
struct layer_pipe {
	/* The producer's alone once the threads run (the caller's before). */
	struct blob_stream *bs;
	const struct layer_spec *spec;
	enum mode mode;
	enum layer_compression comp;
	size_t in_cur;			/* the input slot the decoder reads */
	int replay;			/* archive: hand slot 0 again first */
	const unsigned char *stash;	/* a slot fetched ahead (member check) */
	size_t stash_len;
	unsigned char carry[4];		/* a member header split over slots */
	int finished, member_end, member_start;
	int64_t compressed, uncompressed;
	struct inflate_state *isal;
	struct archive *raw;
	struct ia_error perr;		/* what the producer found wrong */
	int pfailed;

	/* Shared, under lock. */
	pthread_mutex_t lock;
	pthread_cond_t cond_prod, cond_hash, cond_take;
	struct digest *blob_sum;	/* NULL: not hashed */
	unsigned char *in[IN_SLOTS];
	size_t in_len[IN_SLOTS];
	size_t in_head;			/* input slots filled */
	size_t in_used;			/* ... the decoder is done with */
	size_t in_hashed;		/* ... hashed */
	int in_eof;			/* the blob is read to its end */
	unsigned char *out[OUT_SLOTS];
	size_t out_len[OUT_SLOTS];
	size_t head, tail;		/* output slots filled: tail..head-1 */
	int done;			/* producer: 1 at the end, -1 failed */
	int cancel;
	int holding;			/* the caller reads output slot tail */
	int threaded, hashing;
	int prod_waits;			/* 0, WAIT_IN or WAIT_OUT */
	int hash_waits, take_waits;
	pthread_t tid, htid;
};

/*
 * Each thread waits on its own condition and is woken only when what it
 * waits for is there (or at the end): a wake-up costs a system call and
 * a context switch, 9% of the time on a 2-core VM when every slot woke
 * everybody.  Both are called with the lock held.
 */
enum { WAIT_IN = 1, WAIT_OUT };

static void
wait_locked(struct layer_pipe *p, pthread_cond_t *c, int *flag, int why)
{
	*flag = why;
	pthread_cond_wait(c, &p->lock);
	*flag = 0;
}

static void
wake_locked(struct layer_pipe *p)
{
	int end = p->in_eof || p->done != 0 || p->cancel;

	if (p->hash_waits &&
	    (end || p->in_head - p->in_hashed >= HASH_BATCH))
		pthread_cond_signal(&p->cond_hash);
	if (p->take_waits && (end || p->head - p->tail >= TAKE_BATCH))
		pthread_cond_signal(&p->cond_take);
	if ((p->prod_waits == WAIT_IN &&
	    (p->cancel || p->in_head - p->in_hashed < IN_SLOTS)) ||
	    (p->prod_waits == WAIT_OUT &&
	    (p->cancel || p->head - p->tail < OUT_SLOTS)))
		pthread_cond_signal(&p->cond_prod);
}

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
 * Fill input slot k from the blob: counted, checked against the manifest's
 * size.  Returns the count, 0 at the end of the blob, -1 with perr set.
 */
static ssize_t
fill_slot(struct layer_pipe *p, size_t k)
{
	unsigned char *buf = p->in[k % IN_SLOTS];
	size_t got = 0, want = k == 0 ? IN_FIRST : IN_CHUNK;

	while (got < want) {
		ssize_t n = p->bs->read(p->bs->ctx, buf + got, want - got,
		    &p->perr);

		if (n < 0) {
			p->pfailed = 1;
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
		p->compressed += n;
		if (p->spec->progress != NULL)
			__atomic_fetch_add(p->spec->progress, n,
			    __ATOMIC_RELAXED);
		if (p->spec->size >= 0 && p->compressed > p->spec->size) {
			ia_seterr(&p->perr, IA_EINPUT, "%s: blob is longer "
			    "than the %lld bytes the manifest says",
			    p->spec->name, (long long)p->spec->size);
			p->pfailed = 1;
			return -1;
		}
	}
	if (got == 0 && p->spec->size >= 0 && p->compressed < p->spec->size) {
		ia_seterr(&p->perr, IA_EINPUT, "%s: blob is truncated: %lld of "
		    "%lld bytes", p->spec->name, (long long)p->compressed,
		    (long long)p->spec->size);
		p->pfailed = 1;
		return -1;
	}
	return (ssize_t)got;
}

/*
 * The decoder is done with its slot: read the next one.  Returns its
 * bytes in *buf, 0 at the end of the blob, -1 with perr set.
 */
static ssize_t
next_input(struct layer_pipe *p, const unsigned char **buf)
{
	size_t k;
	ssize_t n;

	pthread_mutex_lock(&p->lock);
	if (p->in_used < p->in_head)
		p->in_used = p->in_head;
	wake_locked(p);
	while (p->hashing && p->in_head - p->in_hashed >= IN_SLOTS &&
	    !p->cancel)
		wait_locked(p, &p->cond_prod, &p->prod_waits, WAIT_IN);
	k = p->in_head;
	pthread_mutex_unlock(&p->lock);
	if (p->in_eof)
		return 0;

	n = fill_slot(p, k);
	if (n > 0 && !p->hashing && p->blob_sum != NULL)
		digest_update(p->blob_sum, p->in[k % IN_SLOTS], (size_t)n);

	pthread_mutex_lock(&p->lock);
	if (n > 0) {
		p->in_len[k % IN_SLOTS] = (size_t)n;
		p->in_head++;
		p->in_cur = k;
	} else if (n == 0) {
		p->in_eof = 1;
	}
	wake_locked(p);
	pthread_mutex_unlock(&p->lock);
	*buf = p->in[k % IN_SLOTS];
	return n;
}

/* Read the rest of the blob, for its digest. */
static ssize_t
skip_input(struct layer_pipe *p)
{
	const unsigned char *buf;
	ssize_t n;

	while ((n = next_input(p, &buf)) > 0)
		;
	return n;
}

static void *
hasher(void *arg)
{
	struct layer_pipe *p = arg;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		size_t k;

		/* Nothing to hash: sleep until there is a batch. */
		if (p->in_hashed == p->in_head)
			while (p->in_head - p->in_hashed < HASH_BATCH &&
			    !p->in_eof && !p->cancel)
				wait_locked(p, &p->cond_hash, &p->hash_waits,
				    1);
		if (p->cancel || p->in_hashed == p->in_head)
			break;
		k = p->in_hashed % IN_SLOTS;
		pthread_mutex_unlock(&p->lock);
		digest_update(p->blob_sum, p->in[k], p->in_len[k]);
		pthread_mutex_lock(&p->lock);
		p->in_hashed++;
		wake_locked(p);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* libarchive's read callback: slot 0 again (it was sniffed), then on. */
static la_ssize_t
archive_blob(struct archive *a, void *ctx, const void **buf)
{
	struct layer_pipe *p = ctx;
	const unsigned char *b;
	ssize_t n;

	(void)a;
	if (p->replay) {
		p->replay = 0;
		*buf = p->in[0];
		return (la_ssize_t)p->in_len[0];
	}
	n = next_input(p, &b);
	*buf = b;
	return n;
}

static enum ia_status
open_archive(struct layer_pipe *p)
{
	struct archive_entry *e;

	p->mode = MODE_ARCHIVE;
	p->replay = 1;
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

/* As libarchive's gzip filter decides: another member starts here. */
static int
gzip_member(const unsigned char *b)
{
	return b[0] == 0x1f && b[1] == 0x8b && b[2] == 8 && (b[3] & 0xe0) == 0;
}

/* More input for the decoder: the stash, or the next slot. */
static ssize_t
refill(struct layer_pipe *p)
{
	struct inflate_state *s = p->isal;
	const unsigned char *b = p->stash;
	ssize_t n = (ssize_t)p->stash_len;

	p->stash = NULL;
	if (b == NULL)
		n = next_input(p, &b);
	if (n > 0) {
		s->next_in = (uint8_t *)(uintptr_t)b;
		s->avail_in = (uint32_t)n;
	}
	return n;
}

/*
 * A member has ended: does another follow?  Its first four bytes may lie
 * over two slots; then the rest of this slot goes to the carry and the
 * next slot waits in the stash.  Returns 1, 0 (the end: what follows is
 * hashed only) or -1.
 */
static int
next_member(struct layer_pipe *p)
{
	struct inflate_state *s = p->isal;
	const unsigned char *b;
	size_t k = s->avail_in;
	ssize_t n;

	if (k >= 4)
		return gzip_member(s->next_in);
	memcpy(p->carry, s->next_in, k);
	n = next_input(p, &b);
	if (n < 0)
		return -1;
	if (k + (size_t)n < 4)
		return 0;
	memcpy(p->carry + k, b, 4 - k);
	if (!gzip_member(p->carry))
		return 0;
	p->stash = b;
	p->stash_len = (size_t)n;
	s->next_in = p->carry;
	s->avail_in = (uint32_t)k;
	return 1;
}

/*
 * A member's header (RFC 1952), read here rather than by isa-l, whose
 * parser (2.30) loses its place when a header with FHCRC spans two reads:
 * fixed part, FEXTRA, FNAME, FCOMMENT, FHCRC (checked, as gzip and Go
 * check it).  Leaves next_in at the deflate data.  Returns 0 or -1.
 */
enum { GZ_FIXED, GZ_XLEN, GZ_EXTRA, GZ_NAME, GZ_COMMENT, GZ_HCRC, GZ_DONE };

static int
gz_next_state(int st, unsigned flg)
{
	switch (st) {
	case GZ_FIXED:
		if (flg & 0x04)
			return GZ_XLEN;
		/* FALLTHROUGH */
	case GZ_EXTRA:
		if (flg & 0x08)
			return GZ_NAME;
		/* FALLTHROUGH */
	case GZ_NAME:
		if (flg & 0x10)
			return GZ_COMMENT;
		/* FALLTHROUGH */
	case GZ_COMMENT:
		if (flg & 0x02)
			return GZ_HCRC;
		/* FALLTHROUGH */
	default:
		return GZ_DONE;
	}
}

static int
gz_header(struct layer_pipe *p)
{
	struct inflate_state *s = p->isal;
	unsigned char fixed[10];
	size_t need = 10, got = 0;
	uint32_t crc = 0;
	unsigned flg = 0;
	int st = GZ_FIXED;

	while (st != GZ_DONE) {
		const unsigned char *in;
		size_t take;

		if (s->avail_in == 0) {
			ssize_t n = refill(p);

			if (n < 0)
				return -1;
			if (n == 0)
				return (int)fail(p, "truncated or corrupt gzip "
				    "data", "the stream ends inside a member "
				    "header");
		}
		in = s->next_in;
		take = s->avail_in;
		if (st == GZ_NAME || st == GZ_COMMENT) {
			const unsigned char *nul = memchr(in, 0, take);

			if (nul != NULL)
				take = (size_t)(nul - in) + 1;
		} else if (take > need - got) {
			take = need - got;
		}
		if (st != GZ_HCRC)
			crc = crc32_gzip_refl(crc, in, take);
		if (st != GZ_EXTRA && st != GZ_NAME && st != GZ_COMMENT)
			memcpy(fixed + got, in, take);
		s->next_in += take;
		s->avail_in -= (uint32_t)take;
		if (st == GZ_NAME || st == GZ_COMMENT) {
			if (in[take - 1] == 0)
				st = gz_next_state(st, flg);
			continue;
		}
		got += take;
		if (got < need)
			continue;
		switch (st) {
		case GZ_FIXED:
			if (!gzip_member(fixed))
				return (int)fail(p, "truncated or corrupt gzip "
				    "data", "not a gzip member header");
			flg = fixed[3];
			break;
		case GZ_XLEN:
			need = (size_t)fixed[0] | (size_t)fixed[1] << 8;
			got = 0;
			st = need > 0 ? GZ_EXTRA : gz_next_state(GZ_EXTRA, flg);
			continue;
		case GZ_HCRC:
			if (((size_t)fixed[0] | (size_t)fixed[1] << 8) !=
			    (crc & 0xffff))
				return (int)fail(p, "truncated or corrupt gzip "
				    "data", "the header's CRC (FHCRC) does not "
				    "match the header");
			break;
		}
		st = gz_next_state(st, flg);
		need = 2;
		got = 0;
	}
	return 0;
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
			int more = next_member(p);

			if (more < 0)
				return -1;
			if (more == 0) {
				p->finished = 1;
				break;
			}
			p->member_end = 0;
			p->member_start = 1;
		}
		if (p->member_start) {
			uint8_t *next_in, *next_out;
			uint32_t avail_in, avail_out;

			if (gz_header(p) < 0)
				return -1;
			/* Deflate data, then the trailer, checked by isa-l. */
			next_in = s->next_in;
			avail_in = s->avail_in;
			next_out = s->next_out;
			avail_out = s->avail_out;
			isal_inflate_reset(s);
			s->crc_flag = ISAL_GZIP_NO_HDR_VER;
			s->next_in = next_in;
			s->avail_in = avail_in;
			s->next_out = next_out;
			s->avail_out = avail_out;
			p->member_start = 0;
		}
		if (s->avail_in == 0) {
			ssize_t n = refill(p);

			if (n < 0)
				return -1;
			if (n == 0)
				return fail(p, "truncated or corrupt gzip data",
				    "the stream ends inside a member");
		}
		ret = isal_inflate(s);
		if (ret < 0) {
			/*
			 * Nothing decoded yet and still in the first slot:
			 * let libarchive try the same bytes.
			 */
			if (p->uncompressed == 0 && s->next_out == out &&
			    p->in_head == 1 && ret != ISAL_INCORRECT_CHECKSUM) {
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
	const unsigned char *b;
	ssize_t n = 0;

	if (p->pfailed)
		return -1;
	if (!p->finished) {
		switch (p->mode) {
		case MODE_COPY:
			if (p->replay) {
				p->replay = 0;
				b = p->in[0];
				n = (ssize_t)p->in_len[0];
			} else {
				n = next_input(p, &b);
			}
			if (n > 0)
				memcpy(out, b, (size_t)n);
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
		return skip_input(p);
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
		while (p->head - p->tail == OUT_SLOTS && !p->cancel)
			wait_locked(p, &p->cond_prod, &p->prod_waits, WAIT_OUT);
		if (p->cancel) {
			pthread_mutex_unlock(&p->lock);
			return NULL;
		}
		k = p->head % OUT_SLOTS;
		buf = p->out[k];
		pthread_mutex_unlock(&p->lock);

		n = produce(p, buf, OUT_CHUNK);

		pthread_mutex_lock(&p->lock);
		if (n > 0) {
			p->out_len[k] = (size_t)n;
			p->head++;
		} else {
			p->done = n == 0 ? 1 : -1;
			/* The hasher stops at the end, or now. */
			if (n < 0)
				p->in_eof = 1;
		}
		wake_locked(p);
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

/* Stop both threads (each stops at once, or at its end) and wait. */
static void
stop_threads(struct layer_pipe *p, int cancel)
{
	pthread_mutex_lock(&p->lock);
	if (cancel)
		p->cancel = 1;
	wake_locked(p);
	pthread_mutex_unlock(&p->lock);
	if (p->threaded)
		pthread_join(p->tid, NULL);
	if (p->hashing)
		pthread_join(p->htid, NULL);
	p->threaded = p->hashing = 0;
}

static void
pipe_free(struct layer_pipe *p)
{
	size_t k;

	stop_threads(p, 1);
	archive_read_free(p->raw);
	free(p->isal);
	digest_free(p->blob_sum);
	for (k = 0; k < IN_SLOTS; k++)
		free(p->in[k]);
	for (k = 0; k < OUT_SLOTS; k++)
		free(p->out[k]);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond_prod);
	pthread_cond_destroy(&p->cond_hash);
	pthread_cond_destroy(&p->cond_take);
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
	pthread_cond_init(&p->cond_prod, NULL);
	pthread_cond_init(&p->cond_hash, NULL);
	pthread_cond_init(&p->cond_take, NULL);
	if (spec->verify != VERIFY_NONE)
		p->blob_sum = digest_new();
	for (k = 0; k < IN_SLOTS; k++)
		p->in[k] = xmalloc(IN_CHUNK);
	for (k = 0; k < OUT_SLOTS; k++)
		p->out[k] = xmalloc(OUT_CHUNK);

	/* The first slot, read here: it says what the blob is. */
	n = fill_slot(p, 0);
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
	p->in_len[0] = (size_t)n;
	p->in_head = 1;
	p->comp = sniff(p->in[0], (size_t)n);
	if (spec->compression != COMP_UNKNOWN && p->comp != spec->compression) {
		st = ia_seterr(err, IA_EINPUT, "%s: the media type says %s but "
		    "the data is %s", spec->name,
		    layer_compression_name(spec->compression),
		    layer_compression_name(p->comp));
		goto done;
	}
	if (p->comp == COMP_NONE) {
		p->mode = MODE_COPY;
		p->replay = 1;
	} else if (p->comp == COMP_GZIP && spec->inflate == INFLATE_ISAL) {
		p->mode = MODE_ISAL;
		p->isal = xmalloc(sizeof(*p->isal));
		isal_inflate_init(p->isal);
		p->member_start = 1;
		p->isal->next_in = p->in[0];
		p->isal->avail_in = (uint32_t)n;
	} else if (open_archive(p) != IA_OK) {
		*err = p->perr;
		st = IA_EINPUT;
		goto done;
	}
	/* Either thread may fail to start: its work is then done inline. */
	if (p->blob_sum != NULL &&
	    pthread_create(&p->htid, NULL, hasher, p) == 0)
		p->hashing = 1;
	else if (p->blob_sum != NULL)
		digest_update(p->blob_sum, p->in[0], p->in_len[0]);
	if (pthread_create(&p->tid, NULL, producer, p) == 0)
		p->threaded = 1;
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
		n = produce(p, p->out[0], OUT_CHUNK);
		if (n < 0)
			*err = p->perr;
		*buf = p->out[0];
		return n;
	}
	pthread_mutex_lock(&p->lock);
	if (p->holding) {
		p->tail++;
		p->holding = 0;
		wake_locked(p);
	}
	/* Nothing to take: sleep until there is a batch, or the end. */
	if (p->head == p->tail)
		while (p->head - p->tail < TAKE_BATCH && p->done == 0)
			wait_locked(p, &p->cond_take, &p->take_waits, 1);
	if (p->head == p->tail) {
		n = p->done > 0 ? 0 : -1;
		if (n < 0)
			*err = p->perr;
		*buf = p->out[0];
	} else {
		n = (ssize_t)p->out_len[p->tail % OUT_SLOTS];
		*buf = p->out[p->tail % OUT_SLOTS];
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
	/* Read to the end: the hasher finishes the last slots first. */
	stop_threads(p, out == NULL || !p->finished || p->pfailed);
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
