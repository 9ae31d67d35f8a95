/* SPDX-License-Identifier: MIT */
/*
 * registry.c: the Registry HTTP API v2 requests imgaudit makes —
 * references parsed into host, repository and tag or digest; manifests and
 * small blobs read whole and verified; layer blobs streamed; the paginated
 * tag and catalog listings.
 *
 * How a request travels (attempts, retries, the http fallback, bounded
 * headers and bodies) is registry_http.c's; answering a 401 is
 * registry_auth.c's; what a manifest or a layer means is the image
 * sources'.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "digest.h"
#include "registry_private.h"

#define REG_REF_MAX	4096		/* a whole reference */
#define REG_REPO_MAX	255		/* distribution's limit on names */
#define REG_TAG_MAX	128
#define REG_STREAM_BUF	(256 * 1024)	/* a stream's buffer */
#define REG_LIST_BODY_MAX (16LL * 1024 * 1024)	/* one page of a listing */
#define REG_PAGES_MAX	10000
#define REG_LIST_MAX	1000000		/* names in a whole listing */
#define REG_PAGE_N	"100"		/* ?n= asked for (Docker Hub's cap) */

#define ACCEPT_MANIFESTS "Accept: " \
	"application/vnd.oci.image.index.v1+json, " \
	"application/vnd.oci.image.manifest.v1+json, " \
	"application/vnd.docker.distribution.manifest.list.v2+json, " \
	"application/vnd.docker.distribution.manifest.v2+json"

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result;

static void
curl_init_once(void)
{
	curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ---- references --------------------------------------------------------- */

static int
is_lower_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/*
 * One component of a repository name, as distribution accepts it:
 * [a-z0-9]+ joined by '.', '_', "__" or runs of '-'.
 */
static int
valid_component(const char *s, size_t n)
{
	size_t i = 0, j;

	if (n == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
		return 0;
	while (i < n) {
		if (is_lower_alnum(s[i])) {
			i++;
			continue;
		}
		j = i + 1;
		if (s[i] == '_' && j < n && s[j] == '_')
			j++;
		else if (s[i] == '-')
			while (j < n && s[j] == '-')
				j++;
		else if (s[i] != '.' && s[i] != '_')
			return 0;
		if (j >= n || !is_lower_alnum(s[j]))
			return 0;
		i = j;
	}
	return 1;
}

/*
 * A repository name: components separated by '/', at most 255 bytes.  It
 * ends up in URL paths, so nothing else gets through.
 */
static int
valid_repo(const char *s, size_t n)
{
	size_t i = 0, j;

	if (n == 0 || n > REG_REPO_MAX)
		return 0;
	while (i <= n) {
		for (j = i; j < n && s[j] != '/'; j++)
			;
		if (!valid_component(s + i, j - i))
			return 0;
		i = j + 1;
	}
	return 1;
}

/* A tag: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}. */
static int
valid_tag(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > REG_TAG_MAX || !(isalnum((unsigned char)s[0]) ||
	    s[0] == '_'))
		return 0;
	for (i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' &&
		    s[i] != '.' && s[i] != '-')
			return 0;
	return 1;
}

/* "name[:port]" or "[v6 address][:port]". */
static int
valid_host(const char *s, size_t n)
{
	size_t i = 0, start;

	if (n == 0 || n > 255)
		return 0;
	if (s[0] == '[') {
		for (i = 1; i < n && s[i] != ']'; i++)
			if (!isxdigit((unsigned char)s[i]) && s[i] != ':' &&
			    s[i] != '.')
				return 0;
		if (i == n || i == 1)
			return 0;
		i++;
	} else {
		for (start = i; i < n && s[i] != ':'; i++) {
			char c = s[i];

			if (isalnum((unsigned char)c))
				continue;
			if ((c != '.' && c != '-') || i == start ||
			    !isalnum((unsigned char)s[i - 1]))
				return 0;
		}
		if (i == start || !isalnum((unsigned char)s[i - 1]))
			return 0;
	}
	if (i < n) {
		long port = 0;

		if (s[i] != ':' || i + 1 == n || n - i - 1 > 5)
			return 0;
		for (i++; i < n; i++) {
			if (!isdigit((unsigned char)s[i]))
				return 0;
			port = port * 10 + (s[i] - '0');
		}
		if (port < 1 || port > 65535)
			return 0;
	}
	return 1;
}

static int
is_docker_hub(const char *host)
{
	return strcmp(host, "docker.io") == 0 ||
	    strcmp(host, "index.docker.io") == 0;
}

int
registry_parse_ref(const char *ref, char **host, char **repo,
    char **reference, const char **why)
{
	const char *s = ref, *slash, *rest, *at, *name_end, *colon, *p;
	size_t hlen;

	*host = *repo = *reference = NULL;
	if (strncmp(s, "docker://", 9) == 0)
		s += 9;
	if (*s == '\0') {
		*why = "empty image reference";
		return -1;
	}
	if (strlen(s) > REG_REF_MAX) {
		*why = "image reference too long";
		return -1;
	}
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f) {
			*why = "image reference contains spaces or control "
			    "characters";
			return -1;
		}
	/*
	 * Docker's rule: the first component names a registry when it has
	 * a '.' or a ':', starts with '[' or is "localhost"; otherwise the
	 * whole reference is a repository on Docker Hub.
	 */
	slash = strchr(s, '/');
	hlen = slash != NULL ? (size_t)(slash - s) : 0;
	if (slash != NULL && (memchr(s, '.', hlen) != NULL ||
	    memchr(s, ':', hlen) != NULL || s[0] == '[' ||
	    (hlen == 9 && memcmp(s, "localhost", 9) == 0))) {
		if (!valid_host(s, hlen)) {
			*why = "bad registry host name";
			return -1;
		}
		*host = xstrndup(s, hlen);
		rest = slash + 1;
	} else {
		*host = xstrdup("docker.io");
		rest = s;
	}

	at = strchr(rest, '@');
	name_end = at != NULL ? at : rest + strlen(rest);
	colon = NULL;
	for (p = rest; p < name_end; p++)
		if (*p == ':')
			colon = p;
		else if (*p == '/')
			colon = NULL;
	if (colon != NULL) {
		if (!valid_tag(colon + 1, (size_t)(name_end - colon - 1))) {
			*why = "bad tag (letters, digits, '_', '.', '-'; at "
			    "most 128)";
			goto fail;
		}
		name_end = colon;
	}
	if (at != NULL) {
		if (!digest_valid(at + 1)) {
			*why = "bad digest (sha256:<64 lowercase hex digits>)";
			goto fail;
		}
		*reference = xstrdup(at + 1);	/* the digest wins over a tag */
	} else if (colon != NULL) {
		*reference = xstrdup(colon + 1);	/* runs to the end */
	} else {
		*reference = xstrdup("latest");
	}
	if (!valid_repo(rest, (size_t)(name_end - rest))) {
		*why = name_end == rest ? "no repository named" :
		    "bad repository name (lowercase letters, digits, '.', "
		    "'_', '-', '/')";
		goto fail;
	}
	if (is_docker_hub(*host) && memchr(rest, '/', (size_t)(name_end -
	    rest)) == NULL) {
		size_t n = (size_t)(name_end - rest);

		*repo = xmalloc(8 + n + 1);
		memcpy(*repo, "library/", 8);
		memcpy(*repo + 8, rest, n);
		(*repo)[8 + n] = '\0';
	} else {
		*repo = xstrndup(rest, (size_t)(name_end - rest));
	}
	return 0;
fail:
	free(*host);
	free(*reference);
	*host = *reference = NULL;
	return -1;
}

/*
 * Copy what the user wrote, without "docker://", into out for a message:
 * control characters become '?' so that the message stays one line.
 */
static void
printable(char *out, size_t n, const char *s)
{
	size_t i;

	if (strncmp(s, "docker://", 9) == 0)
		s += 9;
	for (i = 0; s[i] != '\0' && i < n - 1; i++)
		out[i] = (unsigned char)s[i] < ' ' || s[i] == 0x7f ? '?' : s[i];
	out[i] = '\0';
}

static struct registry *
reg_new(const char *host, const char *repo,
    const struct registry_options *opt)
{
	struct registry *r = xcalloc(1, sizeof(*r));
	size_t n;

	r->host = xstrdup(host);
	r->api_host = xstrdup(is_docker_hub(host) ? "registry-1.docker.io" :
	    host);
	n = strlen(host) + (repo != NULL ? strlen(repo) : 0) + 16;
	r->name = xmalloc(n);
	if (repo != NULL) {
		r->repo = xstrdup(repo);
		snprintf(r->name, n, "docker://%s/%s", host, repo);
		n = strlen(repo) + 32;
		r->scope = xmalloc(n);
		snprintf(r->scope, n, "repository:%s:pull", repo);
	} else {
		snprintf(r->name, n, "docker://%s", host);
		r->scope = xstrdup("registry:catalog:*");
	}
	r->tls_verify = opt != NULL ? opt->tls_verify : true;
	r->timeout_s = opt != NULL && opt->timeout_s > 0 ? opt->timeout_s : 60;
	r->retries = opt == NULL || opt->retries == 0 ? 4 :
	    opt->retries < 0 ? 0 : opt->retries;
	if (opt != NULL && opt->creds != NULL)
		r->creds = xstrdup(opt->creds);
	pthread_mutex_init(&r->lock, NULL);
	pthread_mutex_init(&r->auth_lock, NULL);
	return r;
}

static enum ia_status
reg_check_opts(const char *name, const struct registry_options *opt,
    struct ia_error *err)
{
	pthread_once(&curl_once, curl_init_once);
	if (curl_init_result != CURLE_OK)
		return ia_seterr(err, IA_EINTERNAL, "%s: libcurl failed to "
		    "initialise: %s", name, curl_easy_strerror(
		    curl_init_result));
	if (opt != NULL && opt->creds != NULL &&
	    (strchr(opt->creds, ':') == NULL || opt->creds[0] == ':'))
		return ia_seterr(err, IA_EINPUT, "%s: --creds must be "
		    "USER:PASS", name);
	return IA_OK;
}

enum ia_status
registry_open(const char *ref, const struct registry_options *opt,
    struct registry **out, char **reference, struct ia_error *err)
{
	char *host, *repo, shown[300];
	const char *why = NULL;
	enum ia_status st;

	*out = NULL;
	*reference = NULL;
	if (registry_parse_ref(ref, &host, &repo, reference, &why) != 0) {
		printable(shown, sizeof(shown), ref);
		return ia_seterr(err, IA_EINPUT, "docker://%s: %s", shown, why);
	}
	*out = reg_new(host, repo, opt);
	free(host);
	free(repo);
	if ((st = reg_check_opts((*out)->name, opt, err)) != IA_OK) {
		registry_free(*out);
		*out = NULL;
		free(*reference);
		*reference = NULL;
	}
	return st;
}

const char *
registry_name(const struct registry *r)
{
	return r->name;
}

void
registry_free(struct registry *r)
{
	struct reg_conn *c, *next;

	if (r == NULL)
		return;
	for (c = r->spare; c != NULL; c = next) {
		next = c->next;
		curl_multi_cleanup(c->multi);
		curl_easy_cleanup(c->easy);
		free(c);
	}
	reg_auth_free(r);
	pthread_mutex_destroy(&r->lock);
	pthread_mutex_destroy(&r->auth_lock);
	free(r->host);
	free(r->api_host);
	free(r->repo);
	free(r->name);
	free(r->scope);
	free(r);
}

/* ---- manifests and blobs ------------------------------------------------ */

/* "docker://HOST/REPO:TAG" or "...@sha256:..", allocated. */
static char *
ref_name(const struct registry *r, const char *reference)
{
	size_t n = strlen(r->name) + strlen(reference) + 2;
	char *s = xmalloc(n);

	snprintf(s, n, "%s%c%s", r->name, strchr(reference, ':') != NULL ?
	    '@' : ':', reference);
	return s;
}

static char *
v2_path(const struct registry *r, const char *kind, const char *arg)
{
	size_t n = strlen(r->repo) + strlen(kind) + strlen(arg) + 8;
	char *s = xmalloc(n);

	snprintf(s, n, "/v2/%s/%s/%s", r->repo, kind, arg);
	return s;
}

/*
 * The manifest's media type: Content-Type without parameters, unless the
 * registry sent a generic one (static file servers) and the body names its
 * own "mediaType".
 */
static char *
manifest_type(const char *content_type, const char *body, size_t len)
{
	char *ct = NULL;
	cJSON *doc, *mt;
	size_t n;

	if (content_type != NULL) {
		n = strcspn(content_type, ";");
		while (n > 0 && (content_type[n - 1] == ' ' ||
		    content_type[n - 1] == '\t'))
			n--;
		ct = xstrndup(content_type, n);
		if (ct[0] != '\0' && strcasecmp(ct, "application/json") != 0 &&
		    strcasecmp(ct, "text/plain") != 0 &&
		    strcasecmp(ct, "application/octet-stream") != 0)
			return ct;
	}
	doc = cJSON_ParseWithLength(body, len);
	mt = cJSON_GetObjectItemCaseSensitive(doc, "mediaType");
	if (cJSON_IsString(mt) && mt->valuestring[0] != '\0') {
		free(ct);
		ct = xstrdup(mt->valuestring);
	}
	cJSON_Delete(doc);
	return ct != NULL ? ct : xstrdup("");
}

enum ia_status
registry_manifest(struct registry *r, const char *reference, char **body,
    size_t *len, char **media_type, char **digest, int64_t max,
    struct ia_error *err)
{
	struct xfer x;
	char got[DIGEST_STRLEN], *what;
	enum ia_status st;
	bool by_digest = strchr(reference, ':') != NULL;

	*body = *media_type = *digest = NULL;
	*len = 0;
	if (r->repo == NULL || (by_digest ? !digest_valid(reference) :
	    !valid_tag(reference, strlen(reference))))
		return ia_seterr(err, IA_EINPUT, "%s: bad tag or digest "
		    "\"%.200s\"", r->name, reference);
	what = ref_name(r, reference);
	reg_xfer_init(&x, r, REG_MANIFEST, what, "manifest");
	free(what);
	x.path = v2_path(r, "manifests", reference);
	x.accept = ACCEPT_MANIFESTS;
	x.max = max;
	if ((st = reg_xfer_run(&x, err)) != IA_OK)
		goto out;
	if (x.buf == NULL)
		x.buf = xstrdup("");
	digest_buffer(x.buf, x.len, got);
	if (by_digest && strcmp(got, reference) != 0) {
		st = ia_seterr(err, IA_EINPUT, "%s: manifest digest mismatch "
		    "(the registry sent %s)", x.what, got);
		goto out;
	}
	*media_type = manifest_type(x.content_type, x.buf, x.len);
	*digest = xstrdup(got);
	*body = x.buf;
	*len = x.len;
	x.buf = NULL;
out:
	reg_xfer_free(&x);
	return st;
}

static enum ia_status
blob_xfer(struct registry *r, const char *digest, enum reg_kind kind,
    struct xfer *x, struct ia_error *err)
{
	char object[16 + DIGEST_STRLEN];

	if (r->repo == NULL || !digest_valid(digest)) {
		memset(x, 0, sizeof(*x));
		return ia_seterr(err, IA_EINPUT, "%s: bad blob digest "
		    "\"%.100s\"", r->name, digest);
	}
	snprintf(object, sizeof(object), "blob %s", digest);
	reg_xfer_init(x, r, kind, r->name, object);
	x->path = v2_path(r, "blobs", digest);
	return IA_OK;
}

enum ia_status
registry_blob(struct registry *r, const char *digest, char **body,
    size_t *len, int64_t max, struct ia_error *err)
{
	struct xfer x;
	char got[DIGEST_STRLEN];
	enum ia_status st;

	*body = NULL;
	*len = 0;
	if ((st = blob_xfer(r, digest, REG_BLOB, &x, err)) != IA_OK)
		return st;
	x.max = max;
	if ((st = reg_xfer_run(&x, err)) != IA_OK)
		goto out;
	if (x.buf == NULL)
		x.buf = xstrdup("");
	digest_buffer(x.buf, x.len, got);
	if (strcmp(got, digest) != 0) {
		st = ia_seterr(err, IA_EINPUT, "%s: blob %s: digest mismatch "
		    "(the registry sent %s)", x.what, digest, got);
		goto out;
	}
	*body = x.buf;
	*len = x.len;
	x.buf = NULL;
out:
	reg_xfer_free(&x);
	return st;
}

/* ---- streams ------------------------------------------------------------ */

/*
 * The connection of stream x dropped after the bytes it handed over: ask
 * again from there (Range), with backoff, at most the registry's retries
 * times per stream.  The layer reader never sees the seam; the blob's
 * digest, checked as it reads, vouches for the whole.  IA_OK, or the
 * reason in x->ferr.
 */
static enum ia_status
stream_resume(struct xfer *x)
{
	int64_t have = x->range_from + x->received;
	struct ia_error rerr = { 0 };
	char why[CURL_ERROR_SIZE + 32];

	snprintf(why, sizeof(why), "%s", reg_curl_text(x));
	if (x->resumes >= x->r->retries)
		return ia_seterr(&x->ferr, IA_EINPUT, "%s: %s: connection "
		    "dropped after %lld bytes (%s)%s", x->what, x->object,
		    (long long)have, why, x->resumes > 0 ?
		    ", after resuming it before" : "");
	reg_backoff(x, x->resumes);
	x->resumes++;
	x->range_from = have;
	if (reg_xfer_run(x, &rerr) != IA_OK)
		return ia_seterr(&x->ferr, rerr.code, "%s: %s: connection "
		    "dropped after %lld bytes (%s); resuming failed: %s",
		    x->what, x->object, (long long)have, why, rerr.msg);
	return IA_OK;
}

static ssize_t
stream_read(void *ctx, void *buf, size_t n, struct ia_error *err)
{
	struct xfer *x = ctx;
	size_t k;

	if (x->failed)
		goto fail;
	while (x->len == x->off) {
		if (x->paused) {
			CURLcode rc;

			x->paused = false;
			x->off = x->len = 0;
			rc = curl_easy_pause(x->c->easy, CURLPAUSE_CONT);
			if (rc != CURLE_OK) {
				ia_seterr(&x->ferr, IA_EINTERNAL, "%s: %s: "
				    "libcurl: %s", x->what, x->object,
				    curl_easy_strerror(rc));
				x->failed = true;
				goto fail;
			}
			continue;
		}
		if (x->done) {
			if (x->result == CURLE_OK)
				return 0;
			if (stream_resume(x) != IA_OK) {
				x->failed = true;
				goto fail;
			}
			continue;
		}
		if (reg_xfer_drive(x, true, &x->ferr) != IA_OK) {
			x->failed = true;
			goto fail;
		}
	}
	k = x->len - x->off < n ? x->len - x->off : n;
	memcpy(buf, x->buf + x->off, k);
	x->off += k;
	if (x->off == x->len && !x->paused)
		x->off = x->len = 0;
	return (ssize_t)k;
fail:
	if (err != NULL)
		*err = x->ferr;
	return -1;
}

enum ia_status
registry_stream_open(struct registry *r, const char *digest,
    struct blob_stream *bs, int64_t *size, struct ia_error *err)
{
	struct xfer *x = xmalloc(sizeof(*x));
	enum ia_status st;

	bs->read = NULL;
	bs->ctx = NULL;
	*size = -1;
	if ((st = blob_xfer(r, digest, REG_STREAM, x, err)) != IA_OK) {
		free(x);
		return st;
	}
	x->max = REG_STREAM_BUF;
	x->cap = REG_STREAM_BUF;
	x->buf = xmalloc(x->cap);
	if ((st = reg_xfer_run(x, err)) != IA_OK) {
		reg_xfer_free(x);
		free(x);
		return st;
	}
	*size = x->content_length;
	bs->read = stream_read;
	bs->ctx = x;
	return IA_OK;
}

void
registry_stream_close(struct blob_stream *bs)
{
	if (bs == NULL || bs->ctx == NULL)
		return;
	reg_xfer_free(bs->ctx);
	free(bs->ctx);
	bs->ctx = NULL;
	bs->read = NULL;
}

/* ---- listings ----------------------------------------------------------- */

struct names {
	char **v;
	size_t n, cap;
};

static void
names_free(struct names *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/*
 * Walk a paginated listing: GET path, take the strings of the array key of
 * each page, follow Link rel="next" (same origin only: our credentials
 * stay with the registry) for at most REG_PAGES_MAX pages.
 */
static enum ia_status
reg_list(struct registry *r, const char *path, const char *key,
    const char *object, struct names *out, struct ia_error *err)
{
	struct xfer x;
	enum ia_status st = IA_OK;
	char *next = NULL;
	int pages;

	reg_xfer_init(&x, r, REG_LIST, r->name, object);
	x.path = xstrdup(path);
	x.max = REG_LIST_BODY_MAX;
	for (pages = 0; ; pages++) {
		cJSON *doc, *arr, *it;
		char *link;

		if (pages == REG_PAGES_MAX) {
			st = ia_seterr(err, IA_EINPUT, "%s: %s longer than %d "
			    "pages", r->name, object, REG_PAGES_MAX);
			break;
		}
		if ((st = reg_xfer_run(&x, err)) != IA_OK)
			break;
		doc = cJSON_ParseWithLength(x.buf != NULL ? x.buf : "", x.len);
		arr = cJSON_GetObjectItemCaseSensitive(doc, key);
		if (doc == NULL || (!cJSON_IsArray(arr) && !cJSON_IsNull(arr) &&
		    arr != NULL)) {
			cJSON_Delete(doc);
			st = ia_seterr(err, IA_EINPUT, "%s: the %s is not the "
			    "JSON the API describes", r->name, object);
			break;
		}
		cJSON_ArrayForEach(it, arr) {
			const char *s = cJSON_GetStringValue(it);

			if (s == NULL || !(r->repo != NULL ?
			    valid_tag(s, strlen(s)) : valid_repo(s, strlen(s))))
				continue;	/* not a name we could use */
			if (out->n == REG_LIST_MAX)
				break;
			xgrow((void **)&out->v, &out->cap, out->n + 1,
			    sizeof(*out->v));
			out->v[out->n++] = xstrdup(s);
		}
		cJSON_Delete(doc);
		if (out->n == REG_LIST_MAX) {
			st = ia_seterr(err, IA_EINPUT, "%s: %s longer than %d "
			    "names", r->name, object, REG_LIST_MAX);
			break;
		}
		link = registry_parse_link_next(x.link);
		if (link == NULL)
			break;
		next = registry_url_resolve(x.url, link);
		free(link);
		if (next == NULL || !reg_same_origin(next, x.url)) {
			st = ia_seterr(err, IA_EINPUT, "%s: the %s's next page "
			    "is %s", r->name, object, next == NULL ?
			    "not a valid URL" : "on another server");
			break;
		}
		if (strcmp(next, x.url) == 0) {
			st = ia_seterr(err, IA_EINPUT, "%s: the %s's next page "
			    "is the same page again", r->name, object);
			break;
		}
		free(x.path);
		x.path = NULL;
		free(x.url);
		x.url = next;
		next = NULL;
	}
	free(next);
	reg_xfer_free(&x);
	if (st != IA_OK)
		names_free(out);
	return st;
}

enum ia_status
registry_tags(struct registry *r, char ***tags, size_t *n,
    struct ia_error *err)
{
	struct names l = { 0 };
	enum ia_status st;
	char *path;
	size_t len;

	*tags = NULL;
	*n = 0;
	if (r->repo == NULL)
		return ia_seterr(err, IA_EINPUT, "%s: no repository named",
		    r->name);
	len = strlen(r->repo) + 32;
	path = xmalloc(len);
	snprintf(path, len, "/v2/%s/tags/list?n=" REG_PAGE_N, r->repo);
	st = reg_list(r, path, "tags", "tag list", &l, err);
	free(path);
	if (st == IA_OK) {
		*tags = l.v;
		*n = l.n;
	}
	return st;
}

enum ia_status
registry_catalog(const char *host, const struct registry_options *opt,
    char ***repos, size_t *n, struct ia_error *err)
{
	struct names l = { 0 };
	struct registry *r;
	enum ia_status st;
	const char *h = host;
	size_t hlen;
	char *hs, shown[300];

	*repos = NULL;
	*n = 0;
	if (strncmp(h, "docker://", 9) == 0)
		h += 9;
	hlen = strlen(h);
	if (hlen > 0 && h[hlen - 1] == '/')
		hlen--;
	if (!valid_host(h, hlen)) {
		printable(shown, sizeof(shown), h);
		return ia_seterr(err, IA_EINPUT, "docker://%s: bad registry "
		    "host name", shown);
	}
	hs = xstrndup(h, hlen);
	r = reg_new(hs, NULL, opt);
	free(hs);
	if ((st = reg_check_opts(r->name, opt, err)) != IA_OK) {
		registry_free(r);
		return st;
	}
	st = reg_list(r, "/v2/_catalog?n=" REG_PAGE_N, "repositories",
	    "catalog", &l, err);
	registry_free(r);
	if (st == IA_OK) {
		*repos = l.v;
		*n = l.n;
	}
	return st;
}
