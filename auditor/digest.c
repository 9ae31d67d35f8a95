/* SPDX-License-Identifier: MIT */
/*
 * digest.c: sha256 through OpenSSL EVP.  The layer reader feeds every byte
 * of a blob through here once, as it streams; nothing is hashed twice.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "common.h"
#include "digest.h"

struct digest {
	EVP_MD_CTX *ctx;
};

struct digest *
digest_new(void)
{
	struct digest *d = xcalloc(1, sizeof(*d));

	d->ctx = EVP_MD_CTX_new();
	if (d->ctx == NULL || EVP_DigestInit_ex(d->ctx, EVP_sha256(), NULL) != 1) {
		/* Only allocation can fail here. */
		ia_oom(sizeof(*d));
	}
	return d;
}

void
digest_update(struct digest *d, const void *buf, size_t n)
{
	EVP_DigestUpdate(d->ctx, buf, n);
}

void
digest_final(struct digest *d, char out[DIGEST_STRLEN])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;

	EVP_DigestFinal_ex(d->ctx, md, &len);
	memcpy(out, "sha256:", 7);
	for (i = 0; i < len && i < 32; i++) {
		out[7 + 2 * i] = hex[md[i] >> 4];
		out[7 + 2 * i + 1] = hex[md[i] & 15];
	}
	out[7 + 64] = '\0';
}

void
digest_free(struct digest *d)
{
	if (d == NULL)
		return;
	EVP_MD_CTX_free(d->ctx);
	free(d);
}

void
digest_buffer(const void *buf, size_t n, char out[DIGEST_STRLEN])
{
	struct digest *d = digest_new();

	digest_update(d, buf, n);
	digest_final(d, out);
	digest_free(d);
}

int
digest_valid(const char *s)
{
	size_t i;

	if (s == NULL || strncmp(s, "sha256:", 7) != 0 || strlen(s) != 71)
		return 0;
	for (i = 7; i < 71; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}
