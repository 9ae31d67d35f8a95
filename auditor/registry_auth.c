/* SPDX-License-Identifier: MIT */
/*
 * registry_auth.c: answering a registry's 401.  Parses the WWW-Authenticate
 * challenge, finds credentials (--creds, then REGISTRY_AUTH_FILE, or
 * ${XDG_RUNTIME_DIR}/containers/auth.json and then the Docker config), and
 * either sends them as HTTP Basic or trades them at the challenge's realm
 * for a Bearer token, which the registry then caches for every thread.
 *
 * Credentials and tokens live only in struct registry and in the header
 * lines sent; they are wiped when freed and never reach a message.  How a
 * request is sent again after a 401 is registry_http.c's business.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "registry_private.h"

#define REG_CRED_MAX	(64 * 1024)	/* a decoded "user:pass" */

/* Free a string that held a secret, wiping it first. */
static void
secret_free(char *s)
{
	if (s != NULL) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
}

/* ---- challenges --------------------------------------------------------- */

int
registry_parse_challenge(const char *h, char **scheme, char **realm,
    char **service, char **scope)
{
	char *v[4] = { NULL, NULL, NULL, NULL };	/* the four outputs */
	static const char *const names[4] = { NULL, "realm", "service",
	    "scope" };
	char **out[4] = { scheme, realm, service, scope };
	size_t i, start, k;
	int nparams = 0;

	for (k = 0; k < 4; k++)
		if (out[k] != NULL)
			*out[k] = NULL;
	if (h == NULL)
		return -1;
	i = reg_skip_ws(h, 0);
	for (start = i; reg_is_tchar((unsigned char)h[i]); i++)
		;
	if (i == start || (h[i] != '\0' && h[i] != ' ' && h[i] != '\t'))
		return -1;
	v[0] = xstrndup(h + start, i - start);
	for (;;) {
		size_t name, name_end, j;
		char *val;

		while (h[i] == ' ' || h[i] == '\t' || h[i] == ',')
			i++;
		if (h[i] == '\0')
			break;
		for (name = i; reg_is_tchar((unsigned char)h[i]); i++)
			;
		name_end = i;
		if (name_end == name)
			goto bad;
		j = reg_skip_ws(h, i);
		if (h[j] != '=')
			break;		/* the next challenge's scheme */
		i = reg_skip_ws(h, j + 1);
		if (h[i] == '"') {
			size_t n = 0;

			val = xmalloc(strlen(h + i));
			for (i++; h[i] != '\0' && h[i] != '"'; i++) {
				if (h[i] == '\\' && h[i + 1] != '\0')
					i++;
				val[n++] = h[i];
			}
			val[n] = '\0';
			if (h[i] != '"') {
				free(val);
				goto bad;
			}
			i++;
		} else {
			for (start = i; h[i] != '\0' && h[i] != ',' &&
			    h[i] != ' ' && h[i] != '\t'; i++)
				;
			if (i == start)
				goto bad;	/* "realm=" and nothing */
			if (h[start] == '=') {
				/* "Basic dXNlcg==": a token68, not params */
				if (nparams == 0)
					break;
				goto bad;
			}
			val = xstrndup(h + start, i - start);
		}
		nparams++;
		for (k = 1; k < 4; k++)
			if (strlen(names[k]) == name_end - name &&
			    strncasecmp(h + name, names[k], name_end - name) ==
			    0 && v[k] == NULL) {
				v[k] = val;
				val = NULL;
				break;
			}
		free(val);
		i = reg_skip_ws(h, i);
		if (h[i] != ',' && h[i] != '\0')
			goto bad;
	}
	for (k = 0; k < 4; k++) {
		if (out[k] != NULL)
			*out[k] = v[k];
		else
			free(v[k]);
	}
	return 0;
bad:
	for (k = 0; k < 4; k++)
		free(v[k]);
	return -1;
}

/* ---- credentials -------------------------------------------------------- */

/* Read a whole small file; NULL when it is missing, unreadable or large. */
static char *
read_small(const char *path, size_t *len)
{
	struct stat sb;
	char *buf;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    sb.st_size > REG_AUTHFILE_MAX) {
		close(fd);
		return NULL;
	}
	buf = xmalloc((size_t)sb.st_size + 1);
	while (got < (size_t)sb.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)sb.st_size - got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	*len = got;
	return buf;
}

/* Split "user:pass" into r->user and r->pass; 0, or -1 without a ':'. */
static int
set_userpass(struct registry *r, const char *s, size_t n)
{
	const char *colon = memchr(s, ':', n);

	if (colon == NULL || colon == s)
		return -1;
	r->user = xstrndup(s, (size_t)(colon - s));
	r->pass = xstrndup(colon + 1, n - (size_t)(colon - s) - 1);
	return 0;
}

/*
 * How well an auths key names our registry: 0 not at all, else a score
 * that grows with the match ("host/org/repo" beats "host", podman-style).
 * Keys may carry a scheme and Docker's "/v1/" suffix.
 */
static size_t
key_score(const struct registry *r, const char *key)
{
	static const char *const hub[] = {
		"docker.io", "index.docker.io", "registry-1.docker.io"
	};
	const char *path;
	size_t hlen, plen, i;
	int ours;

	if (strncmp(key, "https://", 8) == 0)
		key += 8;
	else if (strncmp(key, "http://", 7) == 0)
		key += 7;
	path = strchr(key, '/');
	hlen = path != NULL ? (size_t)(path - key) : strlen(key);
	if (path != NULL && (strcmp(path, "/") == 0 ||
	    strcmp(path, "/v1/") == 0 || strcmp(path, "/v2/") == 0 ||
	    strcmp(path, "/v1") == 0 || strcmp(path, "/v2") == 0))
		path = NULL;
	ours = strlen(r->host) == hlen && strncmp(key, r->host, hlen) == 0;
	/* Docker Hub goes by several names. */
	for (i = 0; !ours && i < sizeof(hub) / sizeof(hub[0]); i++)
		ours = strcmp(r->api_host, "registry-1.docker.io") == 0 &&
		    strlen(hub[i]) == hlen && strncmp(key, hub[i], hlen) == 0;
	if (!ours)
		return 0;
	if (path == NULL)
		return 1;
	/* "host/namespace": our repository must be it or under it. */
	path++;
	plen = strlen(path);
	if (r->repo == NULL || strncmp(r->repo, path, plen) != 0 ||
	    (r->repo[plen] != '\0' && r->repo[plen] != '/'))
		return 0;
	return 1 + plen;
}

/* Decode base64 "user:pass" into r->user, r->pass; 0 or -1. */
static int
set_b64(struct registry *r, const char *b64)
{
	size_t n = strlen(b64), pad = 0;
	unsigned char *out;
	int got, rc;

	if (n == 0 || n % 4 != 0 || n > REG_CRED_MAX)
		return -1;
	out = xmalloc(n / 4 * 3 + 1);
	got = EVP_DecodeBlock(out, (const unsigned char *)b64, (int)n);
	if (b64[n - 1] == '=')
		pad = b64[n - 2] == '=' ? 2 : 1;
	if (got < 0 || (size_t)got < pad) {
		OPENSSL_cleanse(out, n / 4 * 3 + 1);
		free(out);
		return -1;
	}
	rc = set_userpass(r, (const char *)out, (size_t)got - pad);
	OPENSSL_cleanse(out, n / 4 * 3 + 1);
	free(out);
	return rc;
}

/* Look for our registry in an auth file; 1 when credentials were found. */
static int
creds_from_file(struct registry *r, const char *path)
{
	size_t len = 0, best = 0, score;
	char *text = read_small(path, &len);
	cJSON *doc, *auths, *e, *pick = NULL, *auth, *user, *pass;
	int found = 0;

	if (text == NULL)
		return 0;
	doc = cJSON_ParseWithLength(text, len);
	OPENSSL_cleanse(text, len);
	free(text);
	auths = cJSON_GetObjectItemCaseSensitive(doc, "auths");
	if (!cJSON_IsObject(auths))
		auths = NULL;
	cJSON_ArrayForEach(e, auths) {
		if (e->string != NULL && cJSON_IsObject(e) &&
		    (score = key_score(r, e->string)) > best) {
			best = score;
			pick = e;
		}
	}
	auth = cJSON_GetObjectItemCaseSensitive(pick, "auth");
	user = cJSON_GetObjectItemCaseSensitive(pick, "username");
	pass = cJSON_GetObjectItemCaseSensitive(pick, "password");
	if (cJSON_IsString(auth) && auth->valuestring[0] != '\0')
		found = set_b64(r, auth->valuestring) == 0;
	else if (cJSON_IsString(user) && cJSON_IsString(pass) &&
	    user->valuestring[0] != '\0') {
		r->user = xstrdup(user->valuestring);
		r->pass = xstrdup(pass->valuestring);
		found = 1;
	}
	if (doc != NULL) {	/* the parsed copy held the secrets too */
		if (cJSON_IsString(auth))
			OPENSSL_cleanse(auth->valuestring,
			    strlen(auth->valuestring));
		if (cJSON_IsString(pass))
			OPENSSL_cleanse(pass->valuestring,
			    strlen(pass->valuestring));
	}
	cJSON_Delete(doc);
	return found;
}

static int
creds_from_dir_file(struct registry *r, const char *dir, const char *file)
{
	char path[4096];

	if (dir == NULL || dir[0] == '\0' ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) >=
	    sizeof(path))
		return 0;
	return creds_from_file(r, path);
}

/*
 * Resolve the credentials once: --creds; else REGISTRY_AUTH_FILE alone
 * when set (as podman does); else the containers auth file, then Docker's
 * config ($DOCKER_CONFIG or ~/.docker).  Credential helpers and stores
 * (credsStore, credHelpers) are not run.  Called under auth_lock.
 */
static void
load_creds(struct registry *r)
{
	const char *env;

	if (r->creds_loaded)
		return;
	r->creds_loaded = true;
	if (r->creds != NULL) {
		set_userpass(r, r->creds, strlen(r->creds));
		return;
	}
	if ((env = getenv("REGISTRY_AUTH_FILE")) != NULL && env[0] != '\0') {
		creds_from_file(r, env);
		return;
	}
	if (creds_from_dir_file(r, getenv("XDG_RUNTIME_DIR"),
	    "containers/auth.json"))
		return;
	if ((env = getenv("DOCKER_CONFIG")) != NULL && env[0] != '\0') {
		creds_from_dir_file(r, env, "config.json");
		return;
	}
	creds_from_dir_file(r, getenv("HOME"), ".docker/config.json");
}

/* "Authorization: Basic <base64 user:pass>", or NULL without credentials. */
static char *
basic_header(const struct registry *r)
{
	size_t ul, pl, n;
	char *plain, *line;

	if (r->user == NULL)
		return NULL;
	ul = strlen(r->user);
	pl = strlen(r->pass);
	plain = xmalloc(ul + pl + 2);
	memcpy(plain, r->user, ul);
	plain[ul] = ':';
	memcpy(plain + ul + 1, r->pass, pl + 1);
	n = (ul + pl + 1 + 2) / 3 * 4;
	line = xmalloc(21 + n + 1);
	memcpy(line, "Authorization: Basic ", 21);
	EVP_EncodeBlock((unsigned char *)line + 21,
	    (const unsigned char *)plain, (int)(ul + pl + 1));
	secret_free(plain);
	return line;
}

enum ia_status
reg_auth_failed(struct registry *r, const char *what, long status,
    struct ia_error *err)
{
	if (status == 403)
		return ia_seterr(err, IA_EINPUT, "%s: access denied by %s "
		    "(HTTP 403): check --creds or the credentials in "
		    "~/.docker/config.json", what, r->host);
	return ia_seterr(err, IA_EINPUT, "%s: authentication failed for %s "
	    "(HTTP %ld): check --creds or the credentials in "
	    "~/.docker/config.json", what, r->host, status);
}

/* ---- tokens ------------------------------------------------------------- */

/* A token goes into a header line: visible ASCII only, bounded. */
static int
token_ok(const char *t)
{
	size_t n = 0;

	for (; t[n] != '\0'; n++)
		if ((unsigned char)t[n] <= ' ' || (unsigned char)t[n] >= 0x7f)
			return 0;
	return n > 0 && n < REG_TOKEN_MAX;
}

/* The realm is where credentials go: an http(s) URL of visible ASCII. */
static int
realm_ok(const char *realm)
{
	return (strncmp(realm, "https://", 8) == 0 ||
	    strncmp(realm, "http://", 7) == 0) && token_ok(realm);
}

/*
 * GET realm?service=..&scope=.. (with Basic credentials when we have
 * some) and set r->authz to the Bearer token it answers.
 */
static enum ia_status
fetch_token(struct registry *r, const char *realm, const char *service,
    const char *scope, const char *what, struct ia_error *err)
{
	CURL *e = curl_easy_init();
	char *s_esc = NULL, *sc_esc = NULL, *url, *body = NULL, *basic;
	cJSON *doc, *tok;
	size_t n, len = 0;
	enum ia_status st;
	const char *t;

	if (e == NULL)
		return ia_seterr(err, IA_EINTERNAL, "%s: libcurl could not "
		    "make a handle", what);
	if (service != NULL)
		s_esc = curl_easy_escape(e, service, 0);
	sc_esc = curl_easy_escape(e, scope, 0);
	curl_easy_cleanup(e);
	if (sc_esc == NULL || (service != NULL && s_esc == NULL)) {
		curl_free(s_esc);
		curl_free(sc_esc);
		return ia_seterr(err, IA_EINTERNAL, "%s: out of memory in "
		    "libcurl", what);
	}
	n = strlen(realm) + (s_esc != NULL ? strlen(s_esc) : 0) +
	    strlen(sc_esc) + 32;
	url = xmalloc(n);
	snprintf(url, n, "%s%cscope=%s%s%s", realm,
	    strchr(realm, '?') != NULL ? '&' : '?', sc_esc,
	    s_esc != NULL ? "&service=" : "", s_esc != NULL ? s_esc : "");
	curl_free(s_esc);
	curl_free(sc_esc);
	basic = basic_header(r);
	st = reg_get_token(r, url, basic, what, &body, &len, err);
	secret_free(basic);
	free(url);
	if (st != IA_OK)
		return st;
	doc = cJSON_ParseWithLength(body, len);
	OPENSSL_cleanse(body, len);
	free(body);
	tok = cJSON_GetObjectItemCaseSensitive(doc, "token");
	if (!cJSON_IsString(tok) || tok->valuestring[0] == '\0')
		tok = cJSON_GetObjectItemCaseSensitive(doc, "access_token");
	t = cJSON_GetStringValue(tok);
	if (t == NULL || !token_ok(t)) {
		cJSON_Delete(doc);
		return ia_seterr(err, IA_EINPUT, "%s: the token server of %s "
		    "answered no usable token", what, r->host);
	}
	n = strlen(t) + 24;
	secret_free(r->authz);
	r->authz = xmalloc(n);
	snprintf(r->authz, n, "Authorization: Bearer %s", t);
	OPENSSL_cleanse(tok->valuestring, strlen(tok->valuestring));
	cJSON_Delete(doc);
	return IA_OK;
}

enum ia_status
reg_authorize(struct registry *r, const char *challenge, unsigned gen,
    const char *what, struct ia_error *err)
{
	char *scheme = NULL, *realm = NULL, *service = NULL, *scope = NULL;
	enum ia_status st = IA_OK;

	pthread_mutex_lock(&r->auth_lock);
	if (r->auth_gen != gen)
		goto out;	/* another thread already answered a 401 */
	load_creds(r);
	if (challenge != NULL)
		registry_parse_challenge(challenge, &scheme, &realm, &service,
		    &scope);
	if (scheme != NULL && strcasecmp(scheme, "bearer") == 0) {
		if (realm == NULL || !realm_ok(realm)) {
			st = ia_seterr(err, IA_EINPUT, "%s: %s asks for a "
			    "token but names no usable token server", what,
			    r->host);
			goto out;
		}
		st = fetch_token(r, realm, service, scope != NULL ? scope :
		    r->scope, what, err);
	} else if ((scheme == NULL || strcasecmp(scheme, "basic") == 0) &&
	    r->user != NULL) {
		secret_free(r->authz);
		r->authz = basic_header(r);
	} else {
		st = reg_auth_failed(r, what, 401, err);
	}
	if (st == IA_OK)
		r->auth_gen++;
out:
	pthread_mutex_unlock(&r->auth_lock);
	free(scheme);
	free(realm);
	free(service);
	free(scope);
	return st;
}

void
reg_auth_free(struct registry *r)
{
	secret_free(r->authz);
	secret_free(r->creds);
	secret_free(r->user);
	secret_free(r->pass);
	r->authz = r->creds = r->user = r->pass = NULL;
}
