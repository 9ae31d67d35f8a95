/* SPDX-License-Identifier: MIT */
/*
 * fuzz_source_oci.c: the manifest, index and config JSON readers
 * (source.c, source_oci.c) on an OCI layout directory made from the
 * input.  Every document is verified against the digest that names it,
 * which no mutation would hit, so the harness computes them: the input is
 * up to four pieces cut at FUZZ_SEP — index.json, a manifest (or nested
 * index), a config, oci-layout — and "@M" in the index stands for the
 * manifest's digest, "@C" in the manifest for the config's.  Seeds: the
 * test images' OCI layouts, in that form.
 */
#include <sys/stat.h>

#include "digest.h"
#include "fuzz.h"
#include "source.h"

#define PIECE_MAX	(1 << 20)

/*
 * A copy of in with every "@<key>" replaced by digest; *out is
 * allocated, *n its length.
 */
static void
substitute(const uint8_t *in, size_t len, char key, const char *digest,
    char **out, size_t *n)
{
	size_t dlen = strlen(digest), i, o = 0, cap = len + 1;
	char *s = xmalloc(cap);

	for (i = 0; i < len; i++) {
		if (in[i] == '@' && i + 1 < len && in[i + 1] == key) {
			if (o + dlen + 1 > cap) {
				cap = (o + dlen + 1) * 2;
				s = xrealloc(s, cap);
			}
			memcpy(s + o, digest, dlen);
			o += dlen;
			i++;
			continue;
		}
		if (o + 2 > cap) {
			cap = (o + 2) * 2;
			s = xrealloc(s, cap);
		}
		s[o++] = (char)in[i];
	}
	*out = s;
	*n = o;
}

/* Write buf as blobs/sha256/<hex> and leave its digest in d. */
static void
write_blob(const char *buf, size_t n, char d[DIGEST_STRLEN])
{
	char name[128];

	digest_buffer(buf, n, d);
	snprintf(name, sizeof(name), "oci/blobs/sha256/%s", d + 7);
	fuzz_write(name, buf, n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int made;
	struct source_options opt = { "linux/amd64", 0, NULL, 0, NULL };
	const uint8_t *p = data, *piece[4] = { NULL };
	size_t len[4] = { 0 }, n, i;
	char dm[DIGEST_STRLEN], dc[DIGEST_STRLEN], dir[512], spec[600];
	char *man, *index;
	struct source *src;
	struct ia_error err;

	if (!made) {
		fuzz_path(dir, sizeof(dir), "oci");
		mkdir(dir, 0700);
		fuzz_path(dir, sizeof(dir), "oci/blobs");
		mkdir(dir, 0700);
		fuzz_path(dir, sizeof(dir), "oci/blobs/sha256");
		mkdir(dir, 0700);
		made = 1;
	}
	for (i = 0; i < 4 && fuzz_next_piece(&p, data + size, &piece[i],
	    &len[i]); i++)
		if (len[i] > PIECE_MAX)
			return 0;
	if (piece[1] == NULL) {
		piece[1] = (const uint8_t *)"";
		len[1] = 0;
	}
	if (piece[2] == NULL) {
		piece[2] = (const uint8_t *)"";
		len[2] = 0;
	}
	write_blob((const char *)piece[2], len[2], dc);
	substitute(piece[1], len[1], 'C', dc, &man, &n);
	write_blob(man, n, dm);
	substitute(piece[0], len[0], 'M', dm, &index, &n);
	fuzz_write("oci/index.json", index, n);
	if (piece[3] != NULL)
		fuzz_write("oci/oci-layout", piece[3], len[3]);
	else
		fuzz_write("oci/oci-layout", "{\"imageLayoutVersion\":"
		    "\"1.0.0\"}", 30);
	free(man);
	free(index);

	fuzz_path(dir, sizeof(dir), "oci");
	snprintf(spec, sizeof(spec), "oci:%s", dir);
	if (source_open(spec, &opt, &src, &err) == IA_OK)
		source_free(src);
	/* By reference name, and with the platform given. */
	opt.platform_given = 1;
	opt.platform = (size > 0 && (data[0] & 1)) ? "linux/arm64/v8" :
	    "linux/amd64";
	snprintf(spec, sizeof(spec), "oci:%s:latest", dir);
	if (source_open(spec, &opt, &src, &err) == IA_OK)
		source_free(src);
	return 0;
}
