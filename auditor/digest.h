/* SPDX-License-Identifier: MIT */
/*
 * digest.h: sha256 over a stream, with OpenSSL's EVP interface (which uses
 * the CPU's SHA extensions where they exist).
 *
 *	struct digest *d = digest_new();
 *	digest_update(d, buf, n); ...
 *	digest_final(d, out);     // out: "sha256:<64 hex>" + NUL
 *	digest_free(d);
 */
#ifndef IMGAUDIT_DIGEST_H
#define IMGAUDIT_DIGEST_H

#include <stddef.h>

#define DIGEST_STRLEN	(7 + 64 + 1)	/* "sha256:" + hex + NUL */

struct digest;

struct digest *digest_new(void);
void digest_update(struct digest *d, const void *buf, size_t n);
/* Write "sha256:<hex>" into out (DIGEST_STRLEN bytes); d may not be reused. */
void digest_final(struct digest *d, char out[DIGEST_STRLEN]);
void digest_free(struct digest *d);

/* One-shot sha256 of a buffer. */
void digest_buffer(const void *buf, size_t n, char out[DIGEST_STRLEN]);

/*
 * Is s a digest we can verify ("sha256:" and 64 lowercase hex digits)?
 * Returns 1 or 0.  Anything else named by a manifest is refused before it
 * is used to build a path.
 */
int digest_valid(const char *s);

#endif
