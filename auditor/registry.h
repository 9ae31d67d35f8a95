/* SPDX-License-Identifier: MIT */
/*
 * registry.h: a client for the Registry HTTP API v2 (docker-registry,
 * distribution, Docker Hub, Harbor, ...) over libcurl: manifests, small
 * blobs read whole, layer blobs streamed, tag and catalog listings.
 *
 * Call sequence:
 *	struct registry *r;
 *	char *reference;                          // tag or digest
 *	registry_open("HOST/REPO:TAG", &opt, &r, &reference, &err);  // no I/O
 *	registry_manifest(r, reference, &body, &len, &type, &digest, max, &err);
 *	registry_blob(r, config_digest, &cfg, &cfglen, max, &err);
 *	registry_stream_open(r, layer_digest, &bs, &size, &err);
 *	... layer_read(&bs, ...) ...              // any thread
 *	registry_stream_close(&bs);
 *	registry_free(r);
 *
 * Ownership: every string and array these functions hand back is allocated
 * and belongs to the caller (free() each string, then the array).  A
 * registry may be shared by threads: its token, credentials and spare
 * connections sit under a mutex, and each stream has its own curl handles.
 * Streams borrow their registry: close them all before registry_free().
 *
 * Credentials and tokens are never put into an error message, and nothing
 * here prints.  Every failure to talk to the registry (unreachable, TLS,
 * 401/403/404/429/5xx, timeouts, bad answers) is IA_EINPUT with one line
 * naming "docker://HOST/REPO[:TAG]" and the problem; IA_EINTERNAL means a
 * library failed for reasons of its own.
 */
#ifndef IMGAUDIT_REGISTRY_H
#define IMGAUDIT_REGISTRY_H

#include <stdbool.h>
#include <stdint.h>

#include "common.h"
#include "layer.h"

struct registry_options {
	const char *creds;	/* "USER:PASS" from --creds, or NULL */
	bool tls_verify;	/* default true; --tls-verify=false */
	long timeout_s;		/* connect and stall timeout; 0 = 60 */
	int retries;		/* on 429/5xx/drops; 0 = 4, <0 = none */
};

struct registry;

/*
 * Parse ref, "HOST[:PORT]/REPO[:TAG|@DIGEST]" (what follows "docker://";
 * a leading "docker://" is accepted too), and make a client for it.
 * *reference gets the tag or digest ("latest" when there is neither),
 * allocated.  No network I/O happens here.  IA_EINPUT for a bad reference.
 */
enum ia_status registry_open(const char *ref,
    const struct registry_options *opt, struct registry **out,
    char **reference, struct ia_error *err);

/*
 * GET the manifest (OCI index or manifest, Docker manifest list or schema 2
 * manifest) named by reference, a tag or "sha256:<hex>".  *body is
 * NUL-terminated, *len bytes, at most max (else IA_EINPUT "too large").
 * *media_type is the Content-Type without parameters (the body's
 * "mediaType" when the registry sent none; "" when neither says), *digest
 * "sha256:<hex>" of the body; when reference is a digest the body must
 * match it ("digest mismatch").  All three are allocated.
 */
enum ia_status registry_manifest(struct registry *r, const char *reference,
    char **body, size_t *len, char **media_type, char **digest, int64_t max,
    struct ia_error *err);

/* GET a whole small blob (a config) by digest, at most max bytes, verified. */
enum ia_status registry_blob(struct registry *r, const char *digest,
    char **body, size_t *len, int64_t max, struct ia_error *err);

/*
 * Open a pull stream over the blob (redirects followed): bs->read() hands
 * bytes as they arrive, 0 at the end, -1 with err set.  *size is the
 * Content-Length, or -1.  The digest is not verified here (layer_read()
 * does that while it reads).  Before the first byte, failures are retried
 * like any request; a connection that drops mid-blob is resumed where it
 * stopped (Range; a registry that ignores it sends the blob again and the
 * bytes already handed over are dropped), at most opt->retries times per
 * stream, then read() fails with "connection dropped after N bytes".
 */
enum ia_status registry_stream_open(struct registry *r, const char *digest,
    struct blob_stream *bs, int64_t *size, struct ia_error *err);
/* Close a stream from registry_stream_open(); bs->ctx NULL is a no-op. */
void registry_stream_close(struct blob_stream *bs);

/*
 * List the repositories of host ("HOST[:PORT]", no repository) through
 * /v2/_catalog, and the tags of r's repository, following Link pagination.
 * Names that are not valid repository names or tags are left out.
 */
enum ia_status registry_catalog(const char *host,
    const struct registry_options *opt, char ***repos, size_t *n,
    struct ia_error *err);
enum ia_status registry_tags(struct registry *r, char ***tags, size_t *n,
    struct ia_error *err);

/* "docker://HOST/REPO" of r, for messages; borrowed from r. */
const char *registry_name(const struct registry *r);

void registry_free(struct registry *r);

/*
 * Parsers, exposed for unit tests and fuzzing.
 *
 * registry_parse_ref: split ref like registry_open() does into *host
 * ("HOST[:PORT]" as written, "docker.io" when ref names none), *repo (with
 * "library/" added for one-component Docker Hub names) and *reference.
 * Returns 0, or -1 with *why a static reason and the outputs NULL.
 */
int registry_parse_ref(const char *ref, char **host, char **repo,
    char **reference, const char **why);

/*
 * registry_parse_challenge: the first challenge of a WWW-Authenticate value
 * (RFC 7235: a scheme, then name=value or name="quoted, value" pairs).
 * Each output may be NULL (not wanted) and gets an allocated string, or NULL
 * when the challenge lacks that parameter.  Returns 0, or -1 when there is
 * no scheme or the parameters are malformed (outputs then NULL).
 */
int registry_parse_challenge(const char *www_authenticate, char **scheme,
    char **realm, char **service, char **scope);

/* The URL of the rel="next" link of a Link header value, or NULL. */
char *registry_parse_link_next(const char *link_header);

/*
 * Resolve a (possibly relative) URL against base, as a browser would.
 * Returns an allocated absolute URL, or NULL when either is malformed.
 */
char *registry_url_resolve(const char *base, const char *url);

#endif
