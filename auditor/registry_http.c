/* SPDX-License-Identifier: MIT */
/*
 * registry_http.c: the transport under every registry request, and the
 * HTTP header parsers it needs.  A request runs on a curl multi handle
 * driven by hand, so that a blob stream can hand bytes to its reader as
 * they arrive (pull model): the write callback fills a bounded buffer and
 * pauses the transfer when it is full; read() drains it and unpauses.  No
 * threads, pipes or temporary files.
 *
 * Here: attempts, retries with backoff (429, 5xx, dropped connections),
 * the https-to-http fallback for --tls-verify=false, answering a 401 once
 * (through registry_auth.c), bounded headers and bodies, and the one-line
 * messages for all of it.  What the requests are for is registry.c's.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "registry_private.h"

#define REG_HEADERS_MAX	(256 * 1024)	/* all header lines of one request */
#define REG_HEADER_MAX	(16 * 1024)	/* one header we keep */
#define REG_ERRBODY_MAX	(64 * 1024)	/* error bodies: read, dropped */
#define REG_SPARE_MAX	8		/* idle handles kept per registry */
#define REG_REDIRS_MAX	10
#define REG_RETRY_AFTER_MAX_MS	10000
#define REG_BACKOFF_FIRST_MS	200

void
reg_xfer_init(struct xfer *x, struct registry *r, enum reg_kind kind,
    const char *what, const char *object)
{
	memset(x, 0, sizeof(*x));
	x->r = r;
	x->kind = kind;
	x->what = xstrdup(what);
	x->object = xstrdup(object);
	x->content_length = -1;
}

/* Free a string that held a credential or token, wiping it first. */
static void
wipe_free(char *s)
{
	if (s != NULL) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
}

static void
xfer_clear_response(struct xfer *x)
{
	x->status = 0;
	free(x->content_type);
	free(x->www_auth);
	free(x->link);
	free(x->retry_after);
	x->content_type = x->www_auth = x->link = x->retry_after = NULL;
	x->content_length = -1;
	x->range_start = -1;
}

static void
xfer_detach(struct xfer *x)
{
	if (x->added) {
		curl_multi_remove_handle(x->c->multi, x->c->easy);
		x->added = false;
	}
	curl_slist_free_all(x->hdrs);
	x->hdrs = NULL;
	wipe_free(x->authz);
	x->authz = NULL;
}

void
reg_xfer_free(struct xfer *x)
{
	struct registry *r = x->r;

	xfer_detach(x);
	if (x->c != NULL) {
		pthread_mutex_lock(&r->lock);
		if (r->nspare < REG_SPARE_MAX) {
			x->c->next = r->spare;
			r->spare = x->c;
			r->nspare++;
			x->c = NULL;
		}
		pthread_mutex_unlock(&r->lock);
		if (x->c != NULL) {
			curl_multi_cleanup(x->c->multi);
			curl_easy_cleanup(x->c->easy);
			free(x->c);
		}
	}
	xfer_clear_response(x);
	free(x->what);
	free(x->object);
	free(x->path);
	free(x->url);
	free(x->buf);
}

/* Keep the value of a header we need; the caller owns *slot. */
static void
keep_header(struct xfer *x, char **slot, const char *v, size_t n, bool add)
{
	if (*slot != NULL && add) {	/* repeated Link headers: join */
		size_t old = strlen(*slot);

		if (old + n + 2 > REG_HEADER_MAX) {
			x->hdr_toolarge = true;
			return;
		}
		*slot = xrealloc(*slot, old + n + 3);
		memcpy(*slot + old, ", ", 2);
		memcpy(*slot + old + 2, v, n);
		(*slot)[old + 2 + n] = '\0';
		return;
	}
	free(*slot);
	*slot = xstrndup(v, n);
}

static size_t
on_header(char *p, size_t size, size_t nitems, void *ud)
{
	struct xfer *x = ud;
	size_t n = size * nitems, nlen;
	const char *v, *end;

	x->hdr_bytes += n;
	if (x->hdr_bytes > REG_HEADERS_MAX) {
		x->hdr_toolarge = true;
		return 0;
	}
	if (n >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		const char *sp = memchr(p, ' ', n);

		xfer_clear_response(x);
		if (sp != NULL && (size_t)(sp - p) + 4 <= n)
			x->status = strtol(sp + 1, NULL, 10);
		return n;
	}
	end = p + n;
	while (end > p && (end[-1] == '\r' || end[-1] == '\n'))
		end--;
	v = memchr(p, ':', (size_t)(end - p));
	if (v == NULL)
		return n;
	nlen = (size_t)(v - p);
	for (v++; v < end && (*v == ' ' || *v == '\t'); v++)
		;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
#define IS(h) (nlen == sizeof(h) - 1 && strncasecmp(p, h, nlen) == 0)
	if (!IS("content-type") && !IS("www-authenticate") && !IS("link") &&
	    !IS("retry-after") && !IS("content-length") &&
	    !IS("content-range"))
		return n;
	if ((size_t)(end - v) > REG_HEADER_MAX) {
		x->hdr_toolarge = true;
		return 0;
	}
	if (IS("content-type")) {
		keep_header(x, &x->content_type, v, (size_t)(end - v), false);
	} else if (IS("www-authenticate")) {
		/* Prefer a Bearer challenge when several are offered. */
		if (x->www_auth == NULL ||
		    (strncasecmp(x->www_auth, "bearer", 6) != 0 &&
		    end - v >= 6 && strncasecmp(v, "bearer", 6) == 0))
			keep_header(x, &x->www_auth, v, (size_t)(end - v),
			    false);
	} else if (IS("link")) {
		keep_header(x, &x->link, v, (size_t)(end - v), true);
	} else if (IS("retry-after")) {
		keep_header(x, &x->retry_after, v, (size_t)(end - v), false);
	} else if (IS("content-range")) {
		/* "bytes FIRST-LAST/TOTAL": only FIRST matters here. */
		char *e;
		long long first;

		if (end - v > 6 && strncasecmp(v, "bytes ", 6) == 0) {
			errno = 0;
			first = strtoll(v + 6, &e, 10);
			if (e != v + 6 && *e == '-' && errno == 0 && first >= 0)
				x->range_start = first;
		}
	} else {
		char *e;
		long long cl;

		errno = 0;
		cl = strtoll(v, &e, 10);
		if (e != v && errno == 0 && cl >= 0)
			x->content_length = cl;
		/* A manifest that says up front it is too big is refused. */
		if (x->status / 100 == 2 && x->kind != REG_STREAM &&
		    x->content_length > x->max) {
			x->toolarge = true;
			return 0;
		}
	}
#undef IS
	return x->hdr_toolarge ? 0 : n;
}

static size_t stream_take(struct xfer *x, const char *p, size_t n);

static size_t
on_body(char *p, size_t size, size_t nitems, void *ud)
{
	struct xfer *x = ud;
	size_t n = size * nitems;
	long code = 0;

	if (!x->responded) {
		curl_easy_getinfo(x->c->easy, CURLINFO_RESPONSE_CODE, &code);
		x->status = code;
		x->responded = true;
		/*
		 * A resumed stream: a 206 from where we asked (or before: the
		 * bytes up to it are dropped), or a 200 with the whole blob,
		 * of which we have the first range_from bytes already.
		 */
		if (x->kind == REG_STREAM && x->range_from > 0) {
			if (code == 206 && (x->range_start < 0 ||
			    x->range_start > x->range_from)) {
				x->range_bad = true;
				return 0;
			}
			x->skip = code == 206 ? x->range_from -
			    x->range_start : code == 200 ? x->range_from : 0;
		}
	}
	if (x->status / 100 != 2) {
		x->discarded += n;
		return x->discarded > REG_ERRBODY_MAX ? 0 : n;
	}
	if (x->kind != REG_STREAM) {
		if (x->received + (int64_t)n > x->max) {
			x->toolarge = true;
			return 0;
		}
		xgrow((void **)&x->buf, &x->cap, x->len + n + 1, 1);
		memcpy(x->buf + x->len, p, n);
		x->len += n;
		x->buf[x->len] = '\0';
		x->received += (int64_t)n;
		return n;
	}
	/*
	 * Bytes a resumed stream had already: dropped.  x->skip changes only
	 * once the chunk is taken, since a pause makes curl hand it again.
	 */
	if (x->skip > 0) {
		size_t d = x->skip < (int64_t)n ? (size_t)x->skip : n;

		if (d == n) {
			x->skip -= (int64_t)d;
			return n;
		}
		if (stream_take(x, p + d, n - d) == CURL_WRITEFUNC_PAUSE)
			return CURL_WRITEFUNC_PAUSE;
		x->skip -= (int64_t)d;
		return n;
	}
	return stream_take(x, p, n);
}

/*
 * A stream keeps at most max bytes unread: past that, pause; read()
 * unpauses once the reader took them, and curl hands the same bytes
 * again.  A chunk bigger than the buffer is taken when the buffer is
 * empty, so a transfer can always move on.  Returns n or
 * CURL_WRITEFUNC_PAUSE.
 */
static size_t
stream_take(struct xfer *x, const char *p, size_t n)
{
	if (x->off > 0 && x->cap - x->len < n) {
		memmove(x->buf, x->buf + x->off, x->len - x->off);
		x->len -= x->off;
		x->off = 0;
	}
	if (x->cap - x->len < n) {
		if (x->len > x->off) {
			x->paused = true;
			return CURL_WRITEFUNC_PAUSE;
		}
		x->off = x->len = 0;
		xgrow((void **)&x->buf, &x->cap, n, 1);
	}
	memcpy(x->buf + x->len, p, n);
	x->len += n;
	x->received += (int64_t)n;
	return n;
}

static enum ia_status
conn_take(struct registry *r, struct reg_conn **out, struct ia_error *err)
{
	struct reg_conn *c;

	pthread_mutex_lock(&r->lock);
	c = r->spare;
	if (c != NULL) {
		r->spare = c->next;
		r->nspare--;
	}
	pthread_mutex_unlock(&r->lock);
	if (c == NULL) {
		c = xcalloc(1, sizeof(*c));
		c->easy = curl_easy_init();
		c->multi = curl_multi_init();
		if (c->easy == NULL || c->multi == NULL) {
			curl_easy_cleanup(c->easy);
			curl_multi_cleanup(c->multi);
			free(c);
			return ia_seterr(err, IA_EINTERNAL, "%s: libcurl could "
			    "not make a handle", r->name);
		}
	}
	*out = c;
	return IA_OK;
}

static char *
reg_base(struct registry *r)
{
	size_t n = strlen(r->api_host) + 16;
	char *s = xmalloc(n);

	pthread_mutex_lock(&r->lock);
	snprintf(s, n, "%s://%s", r->plain_http ? "http" : "https",
	    r->api_host);
	pthread_mutex_unlock(&r->lock);
	return s;
}

/* Append a header line; out of memory ends the run, as xmalloc() does. */
static void
add_header(struct curl_slist **list, const char *line)
{
	struct curl_slist *l = curl_slist_append(*list, line);

	if (l == NULL)
		ia_oom(strlen(line));
	*list = l;
}

#define SETOPT(o, v) do { \
	if (rc == CURLE_OK) \
		rc = curl_easy_setopt(e, o, v); \
} while (0)

/* Reset the handle and start one attempt (the transfer runs in drive). */
static enum ia_status
xfer_begin(struct xfer *x, struct ia_error *err)
{
	struct registry *r = x->r;
	CURL *e;
	CURLcode rc = CURLE_OK;
	CURLMcode mc;

	xfer_detach(x);
	xfer_clear_response(x);
	x->responded = x->done = x->paused = false;
	x->hdr_toolarge = x->toolarge = false;
	x->hdr_bytes = x->discarded = 0;
	x->off = x->len = 0;
	x->received = 0;
	x->result = CURLE_OK;
	x->errbuf[0] = '\0';
	if (x->c == NULL && conn_take(r, &x->c, err) != IA_OK)
		return IA_EINTERNAL;
	if (x->path != NULL) {
		char *base = reg_base(r);
		size_t n = strlen(base) + strlen(x->path) + 1;

		free(x->url);
		x->url = xmalloc(n);
		snprintf(x->url, n, "%s%s", base, x->path);
		free(base);
	}
	if (x->kind == REG_TOKEN) {
		x->authz = x->fixed_authz != NULL ? xstrdup(x->fixed_authz) :
		    NULL;
	} else {
		pthread_mutex_lock(&r->auth_lock);
		x->authz = r->authz != NULL ? xstrdup(r->authz) : NULL;
		x->auth_gen = r->auth_gen;
		pthread_mutex_unlock(&r->auth_lock);
	}
	if (x->accept != NULL)
		add_header(&x->hdrs, x->accept);
	if (x->authz != NULL)
		add_header(&x->hdrs, x->authz);

	e = x->c->easy;
	curl_easy_reset(e);
	SETOPT(CURLOPT_URL, x->url);
	SETOPT(CURLOPT_HTTPHEADER, x->hdrs);
	SETOPT(CURLOPT_USERAGENT, "imgaudit");
	SETOPT(CURLOPT_NOSIGNAL, 1L);
	SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
	SETOPT(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	/*
	 * Blob storage often redirects (S3, GCS).  curl drops our
	 * Authorization header when a redirect leaves the host, so tokens
	 * go nowhere else.
	 */
	SETOPT(CURLOPT_FOLLOWLOCATION, 1L);
	SETOPT(CURLOPT_MAXREDIRS, (long)REG_REDIRS_MAX);
	SETOPT(CURLOPT_CONNECTTIMEOUT, r->timeout_s);
	/* A stall of timeout_s ends the attempt; a slow big blob does not. */
	SETOPT(CURLOPT_LOW_SPEED_LIMIT, 1L);
	SETOPT(CURLOPT_LOW_SPEED_TIME, r->timeout_s);
	SETOPT(CURLOPT_SSL_VERIFYPEER, r->tls_verify ? 1L : 0L);
	SETOPT(CURLOPT_SSL_VERIFYHOST, r->tls_verify ? 2L : 0L);
	/*
	 * HTTP/1.1 only: each stream has its own connection anyway, and
	 * pausing HTTP/2 streams has been fragile in libcurl (curl issues
	 * 9180, 10988, 19334).
	 */
	SETOPT(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	SETOPT(CURLOPT_TCP_KEEPALIVE, 1L);
	SETOPT(CURLOPT_BUFFERSIZE, 64L * 1024);
	SETOPT(CURLOPT_ERRORBUFFER, x->errbuf);
	SETOPT(CURLOPT_HEADERFUNCTION, on_header);
	SETOPT(CURLOPT_HEADERDATA, x);
	SETOPT(CURLOPT_WRITEFUNCTION, on_body);
	SETOPT(CURLOPT_WRITEDATA, x);
	x->skip = 0;
	x->range_bad = false;
	if (x->kind == REG_STREAM && x->range_from > 0) {
		char range[32];

		/* libcurl copies the string. */
		snprintf(range, sizeof(range), "%lld-",
		    (long long)x->range_from);
		SETOPT(CURLOPT_RANGE, range);
	}
	if (rc != CURLE_OK)
		return ia_seterr(err, IA_EINTERNAL, "%s: libcurl: %s", x->what,
		    curl_easy_strerror(rc));
	if ((mc = curl_multi_add_handle(x->c->multi, e)) != CURLM_OK)
		return ia_seterr(err, IA_EINTERNAL, "%s: libcurl: %s", x->what,
		    curl_multi_strerror(mc));
	x->added = true;
	return IA_OK;
}

/*
 * Run the transfer until it ended, or (streams) until a 2xx body began.
 * IA_EINTERNAL only when libcurl's multi interface fails.
 */
enum ia_status
reg_xfer_drive(struct xfer *x, bool until_body, struct ia_error *err)
{
	CURLMcode mc;
	CURLMsg *msg;
	int running, left;

	while (!x->done) {
		if (until_body && x->len > x->off)
			return IA_OK;
		if (until_body && x->responded && x->status / 100 == 2 &&
		    x->paused)
			return IA_OK;
		mc = curl_multi_perform(x->c->multi, &running);
		if (mc != CURLM_OK)
			return ia_seterr(err, IA_EINTERNAL, "%s: libcurl: %s",
			    x->what, curl_multi_strerror(mc));
		while ((msg = curl_multi_info_read(x->c->multi, &left)) !=
		    NULL)
			if (msg->msg == CURLMSG_DONE) {
				x->done = true;
				x->result = msg->data.result;
			}
		if (x->done || (until_body && x->len > x->off))
			break;
		if (running == 0) {	/* cannot happen without a DONE */
			x->done = true;
			x->result = CURLE_RECV_ERROR;
			break;
		}
		mc = curl_multi_poll(x->c->multi, NULL, 0, 1000, NULL);
		if (mc != CURLM_OK)
			return ia_seterr(err, IA_EINTERNAL, "%s: libcurl: %s",
			    x->what, curl_multi_strerror(mc));
	}
	if (x->done && !x->responded) {
		long code = 0;

		curl_easy_getinfo(x->c->easy, CURLINFO_RESPONSE_CODE, &code);
		if (code != 0)
			x->status = code;
		x->responded = x->status != 0;
	}
	return IA_OK;
}

/* Milliseconds to wait before attempt (counted from 0) is sent again. */
static long
retry_delay_ms(const struct xfer *x, int attempt)
{
	long ms = REG_BACKOFF_FIRST_MS;
	int i;

	if (x->retry_after != NULL) {
		char *end;
		long long s;

		errno = 0;
		s = strtoll(x->retry_after, &end, 10);
		if (end != x->retry_after && *end == '\0' && errno == 0) {
			if (s < 0)
				s = 0;
			return s > REG_RETRY_AFTER_MAX_MS / 1000 ?
			    REG_RETRY_AFTER_MAX_MS : (long)s * 1000;
		} else {
			time_t when = curl_getdate(x->retry_after, NULL);
			time_t now = time(NULL);

			if (when != -1)
				return when <= now ? 0 :
				    when - now > REG_RETRY_AFTER_MAX_MS / 1000 ?
				    REG_RETRY_AFTER_MAX_MS :
				    (long)(when - now) * 1000;
		}
	}
	for (i = 0; i < attempt && ms < REG_RETRY_AFTER_MAX_MS; i++)
		ms *= 2;
	return ms < REG_RETRY_AFTER_MAX_MS ? ms : REG_RETRY_AFTER_MAX_MS;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (ms > 0 && nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

void
reg_backoff(const struct xfer *x, int attempt)
{
	sleep_ms(retry_delay_ms(x, attempt));
}

enum verdict {
	V_DONE,		/* a usable answer (or, for streams, its start) */
	V_RETRY,	/* transient: wait, then try again if attempts remain */
	V_AGAIN,	/* send again at once, uncounted (auth, http) */
	V_FAIL		/* err is set */
};

const char *
reg_curl_text(const struct xfer *x)
{
	return x->errbuf[0] != '\0' ? x->errbuf : curl_easy_strerror(x->result);
}

/* The message for a transient failure that ran out of retries. */
static enum ia_status
xfer_gave_up(struct xfer *x, int retries, struct ia_error *err)
{
	const char *host = x->kind == REG_TOKEN ? "its token server" :
	    x->r->host;
	char again[48] = "";

	if (retries > 0)
		snprintf(again, sizeof(again), ", still after %d retries",
		    retries);
	if (x->status == 429)
		return ia_seterr(err, IA_EINPUT, "%s: too many requests (HTTP "
		    "429) for the %s%s", x->what, x->object, again);
	if (x->status >= 300)
		return ia_seterr(err, IA_EINPUT, "%s: server error (HTTP %ld) "
		    "for the %s%s", x->what, x->status, x->object, again);
	if (x->status != 0)
		return ia_seterr(err, IA_EINPUT, "%s: %s: connection dropped "
		    "after %lld bytes (%s)%s", x->what, x->object,
		    (long long)x->received, reg_curl_text(x), again);
	if (x->result == CURLE_OPERATION_TIMEDOUT)
		return ia_seterr(err, IA_EINPUT, "%s: %s timed out (%s)%s",
		    x->what, host, reg_curl_text(x), again);
	return ia_seterr(err, IA_EINPUT, "%s: cannot reach %s: %s%s",
	    x->what, host, reg_curl_text(x), again);
}

/*
 * Decide what an ended attempt (or a stream's started one) means.
 *
 * The scheme rule: requests go over https.  Only when TLS verification is
 * off (--tls-verify=false) and the very first TLS handshake with the
 * registry fails (a plain-HTTP server answers a ClientHello with an HTTP
 * error, which OpenSSL reports as "wrong version number"), the registry is
 * taken to speak plain http from then on, as skopeo and podman do for
 * insecure registries.  With verification on, a handshake failure is an
 * error: nothing is ever sent in clear unasked.
 */
static enum verdict
reg_judge(struct xfer *x, bool *reauthed, enum ia_status *st,
    struct ia_error *err)
{
	struct registry *r = x->r;
	const char *host = x->kind == REG_TOKEN ? "its token server" :
	    r->host;
	long s = x->status;

	*st = IA_EINPUT;

	if (x->hdr_toolarge) {
		ia_seterr(err, IA_EINPUT, "%s: response headers for the %s too "
		    "large", x->what, x->object);
		return V_FAIL;
	}
	if (x->toolarge) {
		ia_seterr(err, IA_EINPUT, "%s: %s too large (more than %lld "
		    "bytes)", x->what, x->object, (long long)x->max);
		return V_FAIL;
	}
	if (x->range_bad) {
		ia_seterr(err, IA_EINPUT, "%s: %s: asked to resume at byte "
		    "%lld, the registry sent bytes from %lld", x->what,
		    x->object, (long long)x->range_from,
		    (long long)x->range_start);
		return V_FAIL;
	}
	if (s != 0 && x->path != NULL) {
		pthread_mutex_lock(&r->lock);
		r->scheme_known = true;
		pthread_mutex_unlock(&r->lock);
	}
	if (s == 0) {
		bool fallback = false;

		switch (x->result) {
		case CURLE_SSL_CONNECT_ERROR:
			pthread_mutex_lock(&r->lock);
			if (!r->tls_verify && !r->scheme_known &&
			    x->path != NULL) {
				r->plain_http = r->scheme_known = true;
				fallback = true;
			} else if (!r->tls_verify && r->plain_http &&
			    x->path != NULL &&
			    strncmp(x->url, "https:", 6) == 0) {
				fallback = true;	/* another thread did */
			}
			pthread_mutex_unlock(&r->lock);
			if (fallback)
				return V_AGAIN;
			ia_seterr(err, IA_EINPUT, "%s: TLS handshake with %s "
			    "failed (%s); a registry that speaks plain HTTP "
			    "needs --tls-verify=false", x->what, host,
			    reg_curl_text(x));
			return V_FAIL;
		case CURLE_PEER_FAILED_VERIFICATION:
		case CURLE_SSL_CACERT_BADFILE:
		case CURLE_SSL_CERTPROBLEM:
		case CURLE_SSL_ISSUER_ERROR:
		case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		case CURLE_SSL_INVALIDCERTSTATUS:
			ia_seterr(err, IA_EINPUT, "%s: TLS verification of %s "
			    "failed (%s); use --tls-verify=false for a "
			    "registry without a trusted certificate", x->what,
			    host, reg_curl_text(x));
			return V_FAIL;
		case CURLE_COULDNT_RESOLVE_HOST:
		case CURLE_UNSUPPORTED_PROTOCOL:
		case CURLE_URL_MALFORMAT:
		case CURLE_TOO_MANY_REDIRECTS:
			xfer_gave_up(x, 0, err);
			return V_FAIL;
		case CURLE_OUT_OF_MEMORY:
			*st = ia_seterr(err, IA_EINTERNAL, "%s: libcurl: %s",
			    x->what, reg_curl_text(x));
			return V_FAIL;
		default:
			return V_RETRY;	/* refused, reset, timed out */
		}
	}
	if (s / 100 == 2) {
		if (x->result == CURLE_OK || (x->kind == REG_STREAM &&
		    (!x->done || x->received > 0)))
			return V_DONE;
		return V_RETRY;		/* dropped before the body ended */
	}
	switch (s) {
	case 401:
		if (x->kind == REG_TOKEN || *reauthed) {
			reg_auth_failed(r, x->what, s, err);
			return V_FAIL;
		}
		*reauthed = true;
		*st = reg_authorize(r, x->www_auth, x->auth_gen, x->what, err);
		if (*st != IA_OK)
			return V_FAIL;
		return V_AGAIN;
	case 403:
		reg_auth_failed(r, x->what, s, err);
		return V_FAIL;
	case 404:
		if (x->kind == REG_MANIFEST)
			ia_seterr(err, IA_EINPUT, "%s: no such image or tag "
			    "(HTTP 404)", x->what);
		else if (x->kind == REG_BLOB || x->kind == REG_STREAM)
			ia_seterr(err, IA_EINPUT, "%s: missing %s (HTTP 404)",
			    x->what, x->object);
		else if (x->kind == REG_LIST && r->repo != NULL)
			ia_seterr(err, IA_EINPUT, "%s: no such repository "
			    "(HTTP 404)", x->what);
		else if (x->kind == REG_LIST)
			ia_seterr(err, IA_EINPUT, "%s: the registry does not "
			    "list its repositories (HTTP 404 for /v2/_catalog)",
			    x->what);
		else
			ia_seterr(err, IA_EINPUT, "%s: its token server "
			    "answered HTTP 404", x->what);
		return V_FAIL;
	case 408:
	case 429:
		return V_RETRY;
	default:
		if (s >= 500 && s <= 599)
			return V_RETRY;
		ia_seterr(err, IA_EINPUT, "%s: unexpected answer HTTP %ld to "
		    "the request for the %s", x->what, s, x->object);
		return V_FAIL;
	}
}

/*
 * Send the request until an answer is usable: for a stream, until its body
 * begins; otherwise until it is complete in x->buf.
 */
enum ia_status
reg_xfer_run(struct xfer *x, struct ia_error *err)
{
	bool stream = x->kind == REG_STREAM, reauthed = false;
	int attempt = 0, again = 0;
	enum ia_status st;

	for (;;) {
		if ((st = xfer_begin(x, err)) != IA_OK)
			return st;
		if ((st = reg_xfer_drive(x, stream, err)) != IA_OK)
			return st;
		switch (reg_judge(x, &reauthed, &st, err)) {
		case V_DONE:
			return IA_OK;
		case V_FAIL:
			return st;
		case V_AGAIN:
			/* at most a fallback and a re-authentication */
			if (++again > 4)
				return ia_seterr(err, IA_EINPUT, "%s: the "
				    "registry keeps refusing the %s", x->what,
				    x->object);
			continue;
		case V_RETRY:
			if (attempt >= x->r->retries)
				return xfer_gave_up(x, attempt, err);
			xfer_detach(x);
			sleep_ms(retry_delay_ms(x, attempt));
			attempt++;
			continue;
		}
	}
}

enum ia_status
reg_get_token(struct registry *r, const char *url, const char *authz,
    const char *what, char **body, size_t *len, struct ia_error *err)
{
	struct xfer x;
	enum ia_status st;

	*body = NULL;
	*len = 0;
	reg_xfer_init(&x, r, REG_TOKEN, what, "token");
	x.url = xstrdup(url);
	x.fixed_authz = authz;
	x.max = REG_TOKEN_MAX;
	if ((st = reg_xfer_run(&x, err)) == IA_OK) {
		*body = x.buf != NULL ? x.buf : xstrdup("");
		*len = x.len;
		x.buf = NULL;
	}
	reg_xfer_free(&x);
	return st;
}

/* Do URLs a and b have the same scheme, host and port? */
int
reg_same_origin(const char *a, const char *b)
{
	CURLU *ua = curl_url(), *ub = curl_url();
	static const CURLUPart parts[] = {
		CURLUPART_SCHEME, CURLUPART_HOST, CURLUPART_PORT
	};
	int same = ua != NULL && ub != NULL &&
	    curl_url_set(ua, CURLUPART_URL, a, 0) == CURLUE_OK &&
	    curl_url_set(ub, CURLUPART_URL, b, 0) == CURLUE_OK;
	size_t i;

	for (i = 0; same && i < sizeof(parts) / sizeof(parts[0]); i++) {
		char *pa = NULL, *pb = NULL;

		same = curl_url_get(ua, parts[i], &pa, CURLU_DEFAULT_PORT) ==
		    CURLUE_OK && curl_url_get(ub, parts[i], &pb,
		    CURLU_DEFAULT_PORT) == CURLUE_OK && strcasecmp(pa, pb) == 0;
		curl_free(pa);
		curl_free(pb);
	}
	curl_url_cleanup(ua);
	curl_url_cleanup(ub);
	return same;
}

char *
registry_url_resolve(const char *base, const char *url)
{
	CURLU *u = curl_url();
	char *s = NULL, *out = NULL;

	if (u == NULL)
		return NULL;
	if (curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK)
		out = xstrdup(s);
	curl_free(s);
	curl_url_cleanup(u);
	return out;
}

size_t
reg_skip_ws(const char *s, size_t i)
{
	while (s[i] == ' ' || s[i] == '\t')
		i++;
	return i;
}

int
reg_is_tchar(int c)
{
	return isalnum(c) || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) !=
	    NULL);
}

/*
 * Does the rel value s[0..n) (one relation or several, space-separated)
 * include "next"?
 */
static int
rel_has_next(const char *s, size_t n)
{
	size_t i = 0, j;

	while (i < n) {
		while (i < n && s[i] == ' ')
			i++;
		for (j = i; j < n && s[j] != ' '; j++)
			;
		if (j - i == 4 && strncasecmp(s + i, "next", 4) == 0)
			return 1;
		i = j;
	}
	return 0;
}

char *
registry_parse_link_next(const char *h)
{
	size_t i = 0;

	if (h == NULL)
		return NULL;
	for (;;) {
		size_t url, url_end, name, name_end;
		int next = 0;

		while (h[i] == ' ' || h[i] == '\t' || h[i] == ',')
			i++;
		if (h[i] != '<')
			return NULL;	/* the end, or malformed */
		url = ++i;
		while (h[i] != '\0' && h[i] != '>')
			i++;
		if (h[i] != '>')
			return NULL;
		url_end = i++;
		for (;;) {	/* ; name[=value] ... up to ',' */
			i = reg_skip_ws(h, i);
			if (h[i] != ';')
				break;
			i = reg_skip_ws(h, i + 1);
			for (name = i; reg_is_tchar((unsigned char)h[i]); i++)
				;
			name_end = i;
			i = reg_skip_ws(h, i);
			if (h[i] != '=')
				continue;
			i = reg_skip_ws(h, i + 1);
			if (h[i] == '"') {
				size_t v = ++i;
				int has_next;

				while (h[i] != '\0' && h[i] != '"')
					i += h[i] == '\\' && h[i + 1] != '\0' ?
					    2 : 1;
				if (h[i] != '"')
					return NULL;
				has_next = rel_has_next(h + v, i - v);
				i++;
				if (name_end - name == 3 &&
				    strncasecmp(h + name, "rel", 3) == 0 &&
				    has_next)
					next = 1;
			} else {
				size_t v = i;

				while (reg_is_tchar((unsigned char)h[i]))
					i++;
				if (name_end - name == 3 &&
				    strncasecmp(h + name, "rel", 3) == 0 &&
				    rel_has_next(h + v, i - v))
					next = 1;
			}
		}
		if (h[i] != ',' && h[i] != '\0')
			return NULL;
		if (next && url_end > url)
			return xstrndup(h + url, url_end - url);
	}
}

