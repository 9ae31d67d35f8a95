/* SPDX-License-Identifier: MIT */
/*
 * registry_private.h: what registry.c (transport, requests, listings) and
 * registry_auth.c (challenges, credentials, tokens) share.  Nothing else
 * includes it.
 */
#ifndef IMGAUDIT_REGISTRY_PRIVATE_H
#define IMGAUDIT_REGISTRY_PRIVATE_H

#include <pthread.h>

#include <curl/curl.h>

#include "registry.h"

#define REG_TOKEN_MAX	(1024 * 1024)	/* token server answer */
#define REG_AUTHFILE_MAX (4 * 1024 * 1024)	/* auth.json, config.json */

/* A curl easy handle and the multi handle that owns its connections. */
struct reg_conn {
	CURL *easy;
	CURLM *multi;
	struct reg_conn *next;
};

struct registry {
	char *host;		/* "HOST[:PORT]" as written */
	char *api_host;		/* where requests go (docker.io's real host) */
	char *repo;		/* NULL for a catalog client */
	char *name;		/* "docker://HOST/REPO" */
	char *scope;		/* token scope when a challenge has none */
	bool tls_verify;
	long timeout_s;
	int retries;

	pthread_mutex_t lock;	/* guards the four below */
	bool scheme_known;	/* a server answered over the scheme below */
	bool plain_http;	/* fell back to http (see reg_judge()) */
	struct reg_conn *spare;	/* idle handles, kept for their connections */
	size_t nspare;

	/*
	 * Held while credentials are looked up or a token is fetched, so that
	 * threads that all got a 401 fetch one token, not one each.
	 */
	pthread_mutex_t auth_lock;
	char *authz;		/* "Authorization: ..." header line, or NULL */
	unsigned auth_gen;	/* bumped whenever authz changes */
	char *creds;		/* --creds, copied */
	bool creds_loaded;
	char *user, *pass;	/* resolved credentials, or NULL */
};

/*
 * What a request is for: it decides what a 404 means, whether the body
 * streams, and whether a 401 may be answered by authenticating.
 */
enum reg_kind {
	REG_MANIFEST,
	REG_BLOB,
	REG_STREAM,
	REG_LIST,
	REG_TOKEN
};

/*
 * One request, with all its attempts.  The response fields describe the
 * attempt under way; the header callback resets them at every status line,
 * so after redirects they are the final response's.
 */
struct xfer {
	struct registry *r;
	enum reg_kind kind;
	char *what;		/* message prefix: "docker://HOST/REPO[:TAG]" */
	char *object;		/* "manifest", "blob sha256:..", "tag list" */
	char *path;		/* "/v2/..." under the registry, or NULL */
	char *url;		/* the URL of the last attempt */
	const char *accept;	/* an Accept header line, or NULL */
	const char *fixed_authz; /* REG_TOKEN: sent, not r->authz */
	int64_t max;		/* body limit; for streams, the buffer */
	struct reg_conn *c;
	bool added;		/* c->easy is in c->multi */
	struct curl_slist *hdrs;
	char *authz;		/* copy of r->authz this attempt sent */
	unsigned auth_gen;
	char errbuf[CURL_ERROR_SIZE];

	long status;		/* 0 until a response arrived */
	bool responded;		/* its body began, or it ended */
	char *content_type, *www_auth, *link, *retry_after;
	int64_t content_length;
	size_t hdr_bytes;
	bool hdr_toolarge, toolarge;
	char *buf;
	size_t off, len, cap;
	int64_t received;	/* body bytes of a 2xx response */
	size_t discarded;	/* body bytes of an error response */
	bool paused, done;
	CURLcode result;

	bool failed;		/* streams: read() failed; err says why */
	struct ia_error ferr;

	/*
	 * Streams resumed after a connection dropped mid-blob: the next
	 * attempt asks for "Range: bytes=range_from-"; a 206 says where it
	 * starts (range_start), and a 200 (the registry ignored the range)
	 * has its first range_from bytes dropped (skip).
	 */
	int64_t range_from;
	int64_t range_start;	/* Content-Range's first byte, or -1 */
	int64_t skip;		/* body bytes still to drop */
	bool range_bad;		/* a 206 that starts past range_from */
	int resumes;
};


/*
 * The life of a request (registry_http.c):
 *	struct xfer x;
 *	reg_xfer_init(&x, r, REG_MANIFEST, "docker://h/r:tag", "manifest");
 *	x.path = xstrdup("/v2/r/manifests/tag");   // or x.url, absolute
 *	x.accept = "Accept: ..."; x.max = limit;
 *	reg_xfer_run(&x, &err);     // collected: x.buf, x.len (NUL-terminated)
 *	reg_xfer_free(&x);
 * For REG_STREAM, reg_xfer_run() returns once the body began, x.buf being
 * its buffer of x.cap bytes (set by the caller); reg_xfer_drive() moves the
 * transfer on.
 */
void reg_xfer_init(struct xfer *x, struct registry *r, enum reg_kind kind,
    const char *what, const char *object);
/* Send until the answer is usable; retries, 401s and messages included. */
enum ia_status reg_xfer_run(struct xfer *x, struct ia_error *err);
/* Run the transfer until it ended or, with until_body, bytes are buffered. */
enum ia_status reg_xfer_drive(struct xfer *x, bool until_body,
    struct ia_error *err);
/* Free what x holds (not x); its handles go back to the registry. */
void reg_xfer_free(struct xfer *x);
/* curl's message for how the last attempt ended. */
const char *reg_curl_text(const struct xfer *x);
/* Wait before retry number attempt (from 0): backoff, or Retry-After. */
void reg_backoff(const struct xfer *x, int attempt);

/* Do URLs a and b have the same scheme, host and port? */
int reg_same_origin(const char *a, const char *b);

/* RFC 7230 helpers shared by the header parsers. */
size_t reg_skip_ws(const char *s, size_t i);
int reg_is_tchar(int c);

/*
 * GET an absolute url on the token server: retries like any request,
 * sends authz (a header line, or NULL), never authenticates on a 401 (that
 * is an authentication failure).  *body is NUL-terminated, at most max.
 */
enum ia_status reg_get_token(struct registry *r, const char *url,
    const char *authz, const char *what, char **body, size_t *len,
    struct ia_error *err);

/*
 * Answer a 401: challenge is the WWW-Authenticate value (or NULL), gen the
 * auth_gen the failed request was sent with.  Sets r->authz (Basic
 * credentials or a Bearer token) so that the request can be sent again;
 * when another thread did so since gen, only returns.  IA_EINPUT with the
 * "authentication failed" message when there is nothing to try.
 */
enum ia_status reg_authorize(struct registry *r, const char *challenge,
    unsigned gen, const char *what, struct ia_error *err);

/* Free and wipe r's credentials and token. */
void reg_auth_free(struct registry *r);

/* The one-line message for a refused authentication (HTTP 401 or 403). */
enum ia_status reg_auth_failed(struct registry *r, const char *what,
    long status, struct ia_error *err);

#endif
