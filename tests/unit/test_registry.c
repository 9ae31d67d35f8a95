/* SPDX-License-Identifier: MIT */
/*
 * test_registry.c: the registry client.  First its parsers (references,
 * WWW-Authenticate challenges, Link headers, URL resolution) on tables of
 * cases; then the client against a small registry written in Python below,
 * run as a child on 127.0.0.1 (a free port it picks and prints, killed in
 * the group teardown).  The server counts every request, so retries,
 * token fetches and pages are counted by it, not by the client; expected
 * digests are the server's own hashlib ones.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "digest.h"
#include "registry.h"

/* ---- parsers ------------------------------------------------------------ */

struct ref_case {
	const char *ref, *host, *repo, *reference;
};

#define D64 "0123456789abcdef0123456789abcdef" \
	"0123456789abcdef0123456789abcdef"

static void
test_parse_ref_good(void **state)
{
	static const struct ref_case cases[] = {
		{ "127.0.0.1:5000/open/app:v1", "127.0.0.1:5000", "open/app",
		  "v1" },
		{ "localhost/foo", "localhost", "foo", "latest" },
		{ "localhost:5000/x:tag", "localhost:5000", "x", "tag" },
		{ "[::1]:5000/x", "[::1]:5000", "x", "latest" },
		{ "docker://quay.io/x/y:1.0", "quay.io", "x/y", "1.0" },
		{ "registry.example.com/a/b/c@sha256:" D64,
		  "registry.example.com", "a/b/c", "sha256:" D64 },
		/* a digest wins over a tag, as docker pull decides */
		{ "r.example/a:tag@sha256:" D64, "r.example", "a",
		  "sha256:" D64 },
		{ "ubuntu", "docker.io", "library/ubuntu", "latest" },
		{ "ubuntu:22.04", "docker.io", "library/ubuntu", "22.04" },
		{ "docker.io/ubuntu", "docker.io", "library/ubuntu", "latest" },
		{ "docker.io/org/img:t", "docker.io", "org/img", "t" },
		{ "myorg/img", "docker.io", "myorg/img", "latest" },
		{ "r.io/a_b/c__d/e-f/g---h/i.j:V_1.0-rc", "r.io",
		  "a_b/c__d/e-f/g---h/i.j", "V_1.0-rc" },
		{ "r.io:443/a", "r.io:443", "a", "latest" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *host, *repo, *reference;
		const char *why = NULL;

		if (registry_parse_ref(cases[i].ref, &host, &repo, &reference,
		    &why) != 0)
			fail_msg("%s: refused: %s", cases[i].ref, why);
		assert_string_equal(host, cases[i].host);
		assert_string_equal(repo, cases[i].repo);
		assert_string_equal(reference, cases[i].reference);
		free(host);
		free(repo);
		free(reference);
	}
}

static void
test_parse_ref_bad(void **state)
{
	static const char *const cases[] = {
		"", "docker://", "host.com/", "host.com/UPPER", "host.com/a//b",
		"host.com/a:bad tag", "host.com/a:", "host.com/a@sha256:abc",
		"host.com/a@sha512:" D64, "host.com:99999/a", "host.com:/a",
		"-bad.com/a", "bad-.com/a", "a/b:", "host.com/a/:t",
		"host.com/a-/b", "host.com/a..b", "host.com/_a", "host.com/a/",
		"host.com/a:-t", "[zz]:5000/a", "host.com/a\n", "h.com/a:t:u",
		"host.com/a:"
		"12345678901234567890123456789012345678901234567890123456789012"
		"34567890123456789012345678901234567890123456789012345678901234"
		"56789",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *host = NULL, *repo = NULL, *reference = NULL;
		const char *why = NULL;

		if (registry_parse_ref(cases[i], &host, &repo, &reference,
		    &why) == 0)
			fail_msg("\"%s\" accepted as %s %s %s", cases[i], host,
			    repo, reference);
		assert_non_null(why);
		assert_null(host);
		assert_null(repo);
		assert_null(reference);
	}
}

static void
test_open(void **state)
{
	struct registry_options o = { .tls_verify = true };
	struct registry *r;
	struct ia_error err = { 0 };
	char *ref;

	(void)state;
	assert_int_equal(registry_open("r.example:5000/a/b", &o, &r, &ref,
	    &err), IA_OK);
	assert_string_equal(ref, "latest");
	assert_string_equal(registry_name(r), "docker://r.example:5000/a/b");
	registry_free(r);
	free(ref);

	assert_int_equal(registry_open("r.example/A", &o, &r, &ref, &err),
	    IA_EINPUT);
	assert_null(r);
	assert_null(ref);
	assert_non_null(strstr(err.msg, "docker://r.example/A: bad "
	    "repository name"));

	/* one line, whatever the reference holds */
	assert_int_equal(registry_open("docker://r.example/a\nb", &o, &r, &ref,
	    &err), IA_EINPUT);
	assert_string_equal(err.msg, "docker://r.example/a?b: image reference "
	    "contains spaces or control characters");

	o.creds = "nocolon";
	assert_int_equal(registry_open("r.example/a", &o, &r, &ref, &err),
	    IA_EINPUT);
	assert_null(r);
	assert_null(ref);
	assert_string_equal(err.msg, "docker://r.example/a: --creds must be "
	    "USER:PASS");
	registry_free(NULL);
}

struct challenge_case {
	const char *h;
	int rc;
	const char *scheme, *realm, *service, *scope;
};

static void
check_str(const char *what, const char *got, const char *want)
{
	if (want == NULL && got == NULL)
		return;
	if (want == NULL || got == NULL || strcmp(got, want) != 0)
		fail_msg("%s: got %s, want %s", what, got ? got : "NULL",
		    want ? want : "NULL");
}

static void
test_parse_challenge(void **state)
{
	static const struct challenge_case cases[] = {
		{ "Bearer realm=\"https://auth.docker.io/token\",service="
		  "\"registry.docker.io\",scope=\"repository:library/ubuntu:"
		  "pull\"", 0, "Bearer", "https://auth.docker.io/token",
		  "registry.docker.io", "repository:library/ubuntu:pull" },
		/* commas inside quotes */
		{ "Bearer realm=\"https://a/t?x=1,2\","
		  "service=\"s, with comma\","
		  "scope=\"repository:a/b:pull,push\"", 0, "Bearer",
		  "https://a/t?x=1,2", "s, with comma",
		  "repository:a/b:pull,push" },
		/* escapes */
		{ "Bearer realm=\"x\\\"y\\\\z\"", 0, "Bearer", "x\"y\\z",
		  NULL, NULL },
		/* odd spacing, lowercase scheme, unquoted values */
		{ "  bearer   realm = \"r\" ,  service=s ,scope=\"sc\"  ", 0,
		  "bearer", "r", "s", "sc" },
		{ "Bearer REALM=\"r\",,Service=\"s\"", 0, "Bearer", "r", "s",
		  NULL },
		/* missing fields */
		{ "Bearer realm=\"r\"", 0, "Bearer", "r", NULL, NULL },
		{ "Bearer", 0, "Bearer", NULL, NULL, NULL },
		{ "Basic realm=\"Registry Realm\"", 0, "Basic",
		  "Registry Realm", NULL, NULL },
		/* unknown parameters; the first duplicate wins */
		{ "Bearer error=\"invalid_token\",realm=\"a\",realm=\"b\"", 0,
		  "Bearer", "a", NULL, NULL },
		/* only the first of several challenges */
		{ "Basic realm=\"a\", Bearer realm=\"b\"", 0, "Basic", "a",
		  NULL, NULL },
		{ "Basic dXNlcjpwYXNz==", 0, "Basic", NULL, NULL, NULL },
		/* malformed */
		{ "", -1, NULL, NULL, NULL, NULL },
		{ "   ", -1, NULL, NULL, NULL, NULL },
		{ "Bearer realm=\"unterminated", -1, NULL, NULL, NULL, NULL },
		{ "Bearer realm=", -1, NULL, NULL, NULL, NULL },
		{ "Bearer realm=\"r\" junk", -1, NULL, NULL, NULL, NULL },
		{ "Bearer realm=\"r\", =x", -1, NULL, NULL, NULL, NULL },
		{ "\"Bearer\" realm=r", -1, NULL, NULL, NULL, NULL },
	};
	size_t i;
	char *realm;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *sc, *re, *se, *sp;
		int rc = registry_parse_challenge(cases[i].h, &sc, &re, &se,
		    &sp);

		if (rc != cases[i].rc)
			fail_msg("\"%s\": returned %d", cases[i].h, rc);
		check_str(cases[i].h, sc, cases[i].scheme);
		check_str(cases[i].h, re, cases[i].realm);
		check_str(cases[i].h, se, cases[i].service);
		check_str(cases[i].h, sp, cases[i].scope);
		free(sc);
		free(re);
		free(se);
		free(sp);
	}
	/* Outputs may be left out. */
	assert_int_equal(registry_parse_challenge("Bearer realm=\"r\",scope="
	    "\"s\"", NULL, &realm, NULL, NULL), 0);
	assert_string_equal(realm, "r");
	free(realm);
	assert_int_equal(registry_parse_challenge(NULL, NULL, NULL, NULL,
	    NULL), -1);
}

static void
test_parse_link(void **state)
{
	static const char *const cases[][2] = {
		{ "</v2/_catalog?last=b&n=2>; rel=\"next\"",
		  "/v2/_catalog?last=b&n=2" },
		{ "<http://x/prev>; rel=\"prev\", "
		  "<http://x/next>; rel=\"next\"",
		  "http://x/next" },
		{ "<a>; rel=next", "a" },
		{ "<a>;rel=\"prev next\"", "a" },
		{ "<a> ; REL = \"NEXT\"", "a" },
		{ "<a>; title=\"a, rel=next\"; rel=\"prev\", <b>; rel=\"next\"",
		  "b" },
		{ "<a>; title=\"x\\\"; rel=next\", <b>; type=t; rel=next; x=y",
		  "b" },
		{ "<a>; rel=\"nextpage\"", NULL },
		{ "<a>; rel=\"prev\"", NULL },
		{ "<a>", NULL },
		{ "<>; rel=next", NULL },
		{ "", NULL },
		{ "garbage", NULL },
		{ "<unterminated; rel=\"next\"", NULL },
		{ "<a>; rel=\"next", NULL },
		{ "<a>; rel=next junk", NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = registry_parse_link_next(cases[i][0]);

		check_str(cases[i][0], got, cases[i][1]);
		free(got);
	}
	assert_null(registry_parse_link_next(NULL));
}

static void
test_url_resolve(void **state)
{
	static const char *const cases[][3] = {
		{ "http://127.0.0.1:5000/v2/x/tags/list?n=100",
		  "/v2/x/tags/list?n=2&last=t2",
		  "http://127.0.0.1:5000/v2/x/tags/list?n=2&last=t2" },
		{ "http://127.0.0.1:5000/v2/x/tags/list?n=100", "list?last=b",
		  "http://127.0.0.1:5000/v2/x/tags/list?last=b" },
		{ "https://r.io/v2/_catalog", "?last=z",
		  "https://r.io/v2/_catalog?last=z" },
		{ "https://r.io/v2/_catalog",
		  "https://other.io/v2/_catalog?n=1",
		  "https://other.io/v2/_catalog?n=1" },
		{ "https://r.io/v2/a/b/tags/list", "../../c/tags/list",
		  "https://r.io/v2/a/c/tags/list" },
		{ "not a url", "/x", NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = registry_url_resolve(cases[i][0], cases[i][1]);

		check_str(cases[i][1], got, cases[i][2]);
		free(got);
	}
}

/* ---- the test registry -------------------------------------------------- */

/*
 * The registry: anonymous (open/app), Bearer (secret/app; alt/app whose
 * token server answers "access_token"), Basic (basic/app, alice:s3cret),
 * flaky/app (manifest: 429 twice; blob: a dropped connection, a 503, then
 * the bytes), always429/app, slow/app (3 s before any answer), evil/app (a
 * Link to another host).  Blobs: the config, a 3 MiB "big" one (byte i is
 * i & 0xff), e*64 (config bytes under a wrong digest), d*64 (1 MiB
 * announced, 600 KiB sent), c*64 (a 307 to localhost:PORT/storage/big,
 * another host name for the same server), b*64 (big's bytes, the
 * connection dropped after 700 KiB, then after 500 KiB of a 206 answer to
 * the Range request, then all the rest as 206), a*64 (big's bytes, dropped
 * after 600 KiB, then Range ignored: the whole blob as 200).  Listings come
 * two names a page plus one invalid name.  /_stats, /_reset, /_expire (a
 * new token) are for the tests.  With CERT KEY arguments it speaks TLS.
 */
static char server_py[] =
	"import base64, hashlib, json, socket, ssl, sys, threading, time\n"
	"from http.server import ThreadingHTTPServer as Server\n"
	"from http.server import BaseHTTPRequestHandler as Handler\n"
	"from urllib.parse import urlsplit, parse_qs\n"
	"\n"
	"def sha(b):\n"
	"  return 'sha256:' + hashlib.sha256(b).hexdigest()\n"
	"\n"
	"BIG = (bytes(range(256)) * 12400)[:3 * 1024 * 1024 + 123]\n"
	"CONFIG = (b'{\"architecture\":\"amd64\",\"os\":\"linux\",'\n"
	"          b'\"rootfs\":{\"type\":\"layers\"}}')\n"
	"OCI = 'application/vnd.oci.image.'\n"
	"MANIFEST = json.dumps({\n"
	"  'schemaVersion': 2, 'mediaType': OCI + 'manifest.v1+json',\n"
	"  'config': {'mediaType': OCI + 'config.v1+json',\n"
	"             'digest': sha(CONFIG), 'size': len(CONFIG)},\n"
	"  'layers': [{'mediaType': OCI + 'layer.v1.tar+gzip',\n"
	"              'digest': sha(BIG), 'size': len(BIG)}]}).encode()\n"
	"BAD_MANIFEST = 'sha256:' + 'f' * 64  # serves MANIFEST\n"
	"CORRUPT = 'sha256:' + 'e' * 64       # serves CONFIG\n"
	"TRUNC = 'sha256:' + 'd' * 64         # 1 MiB said, 600 KiB sent\n"
	"REDIRECT = 'sha256:' + 'c' * 64      # 307 to /storage/big\n"
	"RESUME = 'sha256:' + 'b' * 64        # drops, resumed with Range\n"
	"NORANGE = 'sha256:' + 'a' * 64       # drops, ignores Range\n"
	"TAGS = ['t1', 't2', 't3', 't4', 't5']\n"
	"REPOS = ['a/one', 'b/two', 'c/three']\n"
	"BASIC = 'Basic ' + base64.b64encode(b'alice:s3cret').decode()\n"
	"lock = threading.Lock()\n"
	"state = {}\n"
	"\n"
	"def reset():\n"
	"  with lock:\n"
	"    state.clear()\n"
	"    state.update(counts={}, last={}, token=1)\n"
	"\n"
	"reset()\n"
	"\n"
	"class H(Handler):\n"
	"  protocol_version = 'HTTP/1.1'\n"
	"\n"
	"  def log_message(self, *a):\n"
	"    pass\n"
	"\n"
	"  def send(self, code, body=b'', headers=(),\n"
	"           ctype='application/json'):\n"
	"    self.send_response(code)\n"
	"    self.send_header('Content-Type', ctype)\n"
	"    self.send_header('Content-Length', str(len(body)))\n"
	"    for k, v in headers:\n"
	"      self.send_header(k, v)\n"
	"    self.end_headers()\n"
	"    self.wfile.write(body)\n"
	"\n"
	"  def drop(self, announced, body):\n"
	"    self.send_response(200)\n"
	"    self.send_header('Content-Length', str(announced))\n"
	"    self.end_headers()\n"
	"    self.wfile.write(body)\n"
	"    self.wfile.flush()\n"
	"    self.close_connection = True\n"
	"    self.connection.shutdown(socket.SHUT_RDWR)\n"
	"\n"
	"  def part(self, start, body, drop):\n"
	"    self.send_response(206)\n"
	"    self.send_header('Content-Range', 'bytes %d-%d/%d'\n"
	"                     % (start, len(BIG) - 1, len(BIG)))\n"
	"    self.send_header('Content-Length', str(len(BIG) - start))\n"
	"    self.end_headers()\n"
	"    self.wfile.write(body)\n"
	"    self.wfile.flush()\n"
	"    if drop:\n"
	"      self.close_connection = True\n"
	"      self.connection.shutdown(socket.SHUT_RDWR)\n"
	"\n"
	"  def authorized(self, repo):\n"
	"    authz = self.headers.get('Authorization')\n"
	"    port = self.server.server_address[1]\n"
	"    if repo in ('secret/app', 'alt/app'):\n"
	"      with lock:\n"
	"        good = authz == 'Bearer tok-%d' % state['token']\n"
	"      if good:\n"
	"        return True\n"
	"      svc = 'alt' if repo == 'alt/app' else 'test-registry'\n"
	"      ch = ('Bearer realm=\"http://127.0.0.1:%d/token\",'\n"
	"            'service=\"%s\",scope=\"repository:%s:pull\"'\n"
	"            % (port, svc, repo))\n"
	"      self.send(401, b'{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}',\n"
	"                [('WWW-Authenticate', ch)])\n"
	"      return False\n"
	"    if repo == 'basic/app' and authz != BASIC:\n"
	"      ch = 'Basic realm=\"t\"'\n"
	"      self.send(401, b'{}', [('WWW-Authenticate', ch)])\n"
	"      return False\n"
	"    return True\n"
	"\n"
	"  def do_GET(self):\n"
	"    u = urlsplit(self.path)\n"
	"    path, q = u.path, parse_qs(u.query)\n"
	"    with lock:\n"
	"      c = state['counts']\n"
	"      c[path] = n = c.get(path, 0) + 1\n"
	"      state['last'][path] = self.headers.get('Authorization', '')\n"
	"      if path == '/token':\n"
	"        state['last']['token_query'] = u.query\n"
	"    port = self.server.server_address[1]\n"
	"    if path == '/_stats':\n"
	"      with lock:\n"
	"        body = json.dumps(state).encode()\n"
	"      return self.send(200, body)\n"
	"    if path == '/_reset':\n"
	"      reset()\n"
	"      return self.send(200, b'{}')\n"
	"    if path == '/_expire':\n"
	"      with lock:\n"
	"        state['token'] += 1\n"
	"      return self.send(200, b'{}')\n"
	"    if path == '/token':\n"
	"      authz = self.headers.get('Authorization')\n"
	"      if authz is not None and authz != BASIC:\n"
	"        return self.send(401, b'{}')\n"
	"      with lock:\n"
	"        tok = 'tok-%d' % state['token']\n"
	"      alt = q.get('service') == ['alt']\n"
	"      key = 'access_token' if alt else 'token'\n"
	"      return self.send(200, json.dumps({key: tok}).encode())\n"
	"    if path == '/storage/big':\n"
	"      return self.send(200, BIG, ctype='application/octet-stream')\n"
	"    if path == '/v2/_catalog':\n"
	"      return self.listing(REPOS, 'repositories', q, path,\n"
	"                          'http://127.0.0.1:%d' % port)\n"
	"    parts = path.split('/')\n"
	"    if len(parts) < 5 or parts[1] != 'v2':\n"
	"      return self.send(404, b'{}')\n"
	"    repo, kind, arg = '/'.join(parts[2:-2]), parts[-2], parts[-1]\n"
	"    if not self.authorized(repo):\n"
	"      return\n"
	"    if repo == 'slow/app':\n"
	"      time.sleep(3)\n"
	"    if repo == 'always429/app':\n"
	"      return self.send(429, b'{}', [('Retry-After', '0')])\n"
	"    if kind == 'tags' and repo == 'evil/app':\n"
	"      link = '<http://evil.example/v2/x/tags/list>; rel=\"next\"'\n"
	"      return self.send(200, b'{\"tags\":[\"x\"]}', [('Link', link)])\n"
	"    if kind == 'tags':\n"
	"      return self.listing(TAGS, 'tags', q, path, '')\n"
	"    if kind == 'manifests':\n"
	"      if repo == 'flaky/app' and n <= 2:\n"
	"        return self.send(429, b'{}', [('Retry-After', '0')])\n"
	"      if arg in ('v1', sha(MANIFEST), BAD_MANIFEST):\n"
	"        ct = OCI + 'manifest.v1+json; charset=x'\n"
	"        return self.send(200, MANIFEST, ctype=ct)\n"
	"      return self.send(404, b'{\"errors\":[]}')\n"
	"    if kind == 'blobs':\n"
	"      if repo == 'flaky/app' and n == 1:\n"
	"        return self.drop(len(BIG), b'')\n"
	"      if repo == 'flaky/app' and n == 2:\n"
	"        return self.send(503, b'busy')\n"
	"      ct = 'application/octet-stream'\n"
	"      if arg == sha(CONFIG) or arg == CORRUPT:\n"
	"        return self.send(200, CONFIG, ctype=ct)\n"
	"      if arg == sha(BIG):\n"
	"        return self.send(200, BIG, ctype=ct)\n"
	"      if arg in (RESUME, NORANGE):\n"
	"        rng = self.headers.get('Range') or ''\n"
	"        with lock:\n"
	"          state['last']['range'] = rng\n"
	"        start = int(rng[6:-1]) if rng.startswith('bytes=') else 0\n"
	"        if n == 1:\n"
	"          cut = (700 if arg == RESUME else 600) * 1024\n"
	"          return self.drop(len(BIG), BIG[:cut])\n"
	"        if arg == NORANGE:\n"
	"          return self.send(200, BIG, ctype=ct)\n"
	"        if n == 2:\n"
	"          body = BIG[start:start + 500 * 1024]\n"
	"          return self.part(start, body, True)\n"
	"        return self.part(start, BIG[start:], False)\n"
	"      if arg == TRUNC:\n"
	"        return self.drop(1024 * 1024, BIG[:600 * 1024])\n"
	"      if arg == REDIRECT:\n"
	"        # another host name: no Authorization may follow\n"
	"        loc = 'http://localhost:%d/storage/big' % port\n"
	"        where = [('Location', loc)]\n"
	"        return self.send(307, b'moved', where)\n"
	"    return self.send(404, b'{\"errors\":[]}')\n"
	"\n"
	"  def listing(self, names, key, q, path, prefix):\n"
	"    last = q.get('last', [''])[0]\n"
	"    rest = [x for x in names if x > last]\n"
	"    page, headers = rest[:2], []\n"
	"    if len(rest) > 2:\n"
	"      nxt = '%s%s?n=2&last=%s' % (prefix, path, page[-1])\n"
	"      link = ('<%s%s?n=2>; rel=\"prev\", <%s>; rel=\"next\"'\n"
	"              % (prefix, path, nxt))\n"
	"      headers.append(('Link', link))\n"
	"    body = json.dumps({key: page + ['Bad Name!']}).encode()\n"
	"    self.send(200, body, headers)\n"
	"\n"
	"class S(Server):\n"
	"  daemon_threads = True\n"
	"\n"
	"  def handle_error(self, request, address):\n"
	"    pass  # clients that hang up, TLS handshakes that fail: expected\n"
	"\n"
	"srv = S(('127.0.0.1', 0), H)\n"
	"if len(sys.argv) > 2:\n"
	"  ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n"
	"  ctx.load_cert_chain(sys.argv[1], sys.argv[2])\n"
	"  srv.socket = ctx.wrap_socket(srv.socket, server_side=True)\n"
	"hello = {'port': srv.server_address[1], 'manifest': sha(MANIFEST),\n"
	"         'config': sha(CONFIG), 'big': sha(BIG),\n"
	"         'big_size': len(BIG)}\n"
	"print(json.dumps(hello), flush=True)\n"
	"srv.serve_forever()\n";

struct server {
	pid_t pid;
	int port;
	char manifest[DIGEST_STRLEN], config[DIGEST_STRLEN], big[DIGEST_STRLEN];
	int64_t big_size;
};

static struct server srv = { .pid = -1 };
static char scratch[4096];

static void
copy_digest(char *out, cJSON *doc, const char *key)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(doc, key));

	snprintf(out, DIGEST_STRLEN, "%s", s != NULL ? s : "");
}

/* Start the server (TLS with cert and key); -1 when it does not come up. */
static int
server_start(struct server *s, const char *cert, const char *key)
{
	char line[1024];
	size_t n = 0;
	int fds[2];
	time_t deadline = time(NULL) + 30;
	cJSON *doc;

	s->pid = -1;
	if (pipe(fds) != 0)
		return -1;
	s->pid = fork();
	if (s->pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (s->pid == 0) {
		char *argv[] = { (char[]){ "python3" }, (char[]){ "-c" },
		    server_py,
		    cert != NULL ? strdup(cert) : NULL,
		    key != NULL ? strdup(key) : NULL, NULL };

		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execvp("python3", argv);
		_exit(127);
	}
	close(fds[1]);
	while (n < sizeof(line) - 1 && memchr(line, '\n', n) == NULL) {
		struct pollfd pfd = { fds[0], POLLIN, 0 };
		ssize_t got;

		if (time(NULL) > deadline || poll(&pfd, 1, 1000) < 0)
			break;
		if (!(pfd.revents & (POLLIN | POLLHUP)))
			continue;
		got = read(fds[0], line + n, sizeof(line) - 1 - n);
		if (got <= 0)
			break;
		n += (size_t)got;
	}
	close(fds[0]);
	line[n] = '\0';
	doc = cJSON_Parse(line);
	s->port = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(doc, "port"));
	s->big_size = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(doc,
	    "big_size"));
	copy_digest(s->manifest, doc, "manifest");
	copy_digest(s->config, doc, "config");
	copy_digest(s->big, doc, "big");
	cJSON_Delete(doc);
	if (s->port <= 0 || !digest_valid(s->big))
		return -1;
	return 0;
}

static void
server_stop(struct server *s)
{
	int i, status;

	if (s->pid <= 0)
		return;
	kill(s->pid, SIGTERM);
	for (i = 0; i < 50; i++) {
		if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
			s->pid = -1;
			return;
		}
		usleep(100 * 1000);
	}
	kill(s->pid, SIGKILL);
	waitpid(s->pid, &status, 0);
	s->pid = -1;
}

static int
group_setup(void **state)
{
	const char *tmp = getenv("TMPDIR");

	(void)state;
	snprintf(scratch, sizeof(scratch), "%s/test_registry.XXXXXX",
	    tmp != NULL ? tmp : "/tmp");
	if (mkdtemp(scratch) == NULL)
		return -1;
	if (server_start(&srv, NULL, NULL) != 0) {
		server_stop(&srv);
		srv.port = 0;
	}
	return 0;
}

static int
group_teardown(void **state)
{
	char cmd[4200];

	(void)state;
	server_stop(&srv);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
	return system(cmd) == 0 ? 0 : -1;
}

static size_t
collect(char *p, size_t size, size_t n, void *ud)
{
	char **buf = ud;
	size_t old = *buf != NULL ? strlen(*buf) : 0;

	*buf = realloc(*buf, old + size * n + 1);
	memcpy(*buf + old, p, size * n);
	(*buf)[old + size * n] = '\0';
	return size * n;
}

/* GET a test endpoint of the server with plain libcurl. */
static cJSON *
server_get(const char *path)
{
	CURL *e = curl_easy_init();
	char url[256], *body = NULL;
	cJSON *doc;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", srv.port, path);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &body);
	assert_int_equal(curl_easy_perform(e), CURLE_OK);
	curl_easy_cleanup(e);
	doc = cJSON_Parse(body);
	free(body);
	assert_non_null(doc);
	return doc;
}

/* How many times the server saw path. */
static int
hits(const char *path)
{
	cJSON *doc = server_get("/_stats");
	cJSON *n = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "counts"),
	    path);
	int v = cJSON_IsNumber(n) ? (int)n->valuedouble : 0;

	cJSON_Delete(doc);
	return v;
}

/* What the server last saw for key ("Authorization" of a path). */
static char *
last_seen(const char *key)
{
	cJSON *doc = server_get("/_stats");
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(doc, "last"), key));
	char *v = strdup(s != NULL ? s : "(none)");

	cJSON_Delete(doc);
	return v;
}

/* Skip unless the server runs; reset its counters. */
static void
need_server(void)
{
	if (srv.port == 0) {
		print_message("no test registry (python3 missing?)\n");
		skip();
	}
	cJSON_Delete(server_get("/_reset"));
}

static struct registry_options
opts(void)
{
	struct registry_options o = { NULL, false, 10, 3 };

	return o;
}

static struct registry *
open_at(int port, const char *repo, const struct registry_options *o,
    char **reference)
{
	char ref[512];
	struct registry *r = NULL;
	struct ia_error err = { 0 };
	char *dummy = NULL;

	snprintf(ref, sizeof(ref), "127.0.0.1:%d/%s", port, repo);
	if (registry_open(ref, o, &r, reference != NULL ? reference : &dummy,
	    &err) != IA_OK)
		fail_msg("%s: %s", ref, err.msg);
	free(dummy);
	return r;
}

static struct registry *
open_repo(const char *repo, const struct registry_options *o)
{
	return open_at(srv.port, repo, o, NULL);
}

/* Fetch the manifest; returns the status, frees everything but err. */
static enum ia_status
get_manifest(struct registry *r, const char *reference, int64_t max,
    struct ia_error *err)
{
	char *body, *type, *digest;
	size_t len;
	enum ia_status st;

	st = registry_manifest(r, reference, &body, &len, &type, &digest, max,
	    err);
	if (st == IA_OK) {
		assert_int_equal(strlen(body), len);
		assert_string_equal(digest, srv.manifest);
		assert_string_equal(type,
		    "application/vnd.oci.image.manifest.v1+json");
		free(body);
		free(type);
		free(digest);
	} else {
		assert_null(body);
		assert_null(type);
		assert_null(digest);
	}
	return st;
}

static void
expect_msg(const struct ia_error *err, const char *part)
{
	if (strstr(err->msg, part) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", err->msg, part);
}

/* ---- manifests and blobs ------------------------------------------------ */

static void
test_manifest(void **state)
{
	struct registry_options o = opts();
	struct registry *r;
	struct ia_error err = { 0 };
	char *ref = NULL, *body, *type, *digest, bad[80];
	size_t len;
	cJSON *doc;

	(void)state;
	need_server();
	r = open_at(srv.port, "open/app:v1", &o, &ref);
	assert_string_equal(ref, "v1");
	assert_int_equal(registry_manifest(r, ref, &body, &len, &type, &digest,
	    1 << 20, &err), IA_OK);
	assert_string_equal(digest, srv.manifest);
	assert_string_equal(type, "application/vnd.oci.image.manifest.v1+json");
	doc = cJSON_ParseWithLength(body, len);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(doc, "config"), "digest")), srv.config);
	cJSON_Delete(doc);
	free(body);
	free(type);
	free(digest);

	/* by digest: verified */
	assert_int_equal(get_manifest(r, srv.manifest, 1 << 20, &err), IA_OK);
	snprintf(bad, sizeof(bad), "sha256:%064d", 0);
	memset(bad + 7, 'f', 64);
	assert_int_equal(get_manifest(r, bad, 1 << 20, &err), IA_EINPUT);
	expect_msg(&err, "@sha256:ffff");
	expect_msg(&err, "digest mismatch");

	/* a tag that is not there */
	assert_int_equal(get_manifest(r, "nope", 1 << 20, &err), IA_EINPUT);
	expect_msg(&err, "/open/app:nope: no such image or tag (HTTP 404)");

	/* larger than allowed (Content-Length says so up front) */
	assert_int_equal(get_manifest(r, "v1", 100, &err), IA_EINPUT);
	expect_msg(&err, "manifest too large (more than 100 bytes)");

	assert_int_equal(get_manifest(r, "bad tag", 100, &err), IA_EINPUT);
	expect_msg(&err, "bad tag or digest");
	/* the plain-HTTP fallback happened once; no request was lost */
	assert_int_equal(hits("/v2/open/app/manifests/v1"), 2);
	registry_free(r);
	free(ref);
}

static void
test_blob(void **state)
{
	struct registry_options o = opts();
	struct registry *r;
	struct ia_error err = { 0 };
	char *body, d[80];
	size_t len;

	(void)state;
	need_server();
	r = open_repo("open/app", &o);
	assert_int_equal(registry_blob(r, srv.config, &body, &len, 4096, &err),
	    IA_OK);
	assert_string_equal(body, "{\"architecture\":\"amd64\","
	    "\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\"}}");
	assert_int_equal(len, strlen(body));
	free(body);

	snprintf(d, sizeof(d), "sha256:%064d", 0);
	memset(d + 7, 'e', 64);
	assert_int_equal(registry_blob(r, d, &body, &len, 4096, &err),
	    IA_EINPUT);
	assert_null(body);
	expect_msg(&err, "blob sha256:eeee");
	expect_msg(&err, "digest mismatch");

	memset(d + 7, '1', 64);
	assert_int_equal(registry_blob(r, d, &body, &len, 4096, &err),
	    IA_EINPUT);
	expect_msg(&err, "/open/app: missing blob sha256:1111");

	/* too large while reading (no early Content-Length check) */
	assert_int_equal(registry_blob(r, srv.big, &body, &len, 1000, &err),
	    IA_EINPUT);
	expect_msg(&err, "too large (more than 1000 bytes)");

	assert_int_equal(registry_blob(r, "sha256:../../x", &body, &len, 10,
	    &err), IA_EINPUT);
	expect_msg(&err, "bad blob digest");
	registry_free(r);
}

/* ---- retries ------------------------------------------------------------ */

static void
test_retry_429(void **state)
{
	struct registry_options o = opts();
	struct registry *r;
	struct ia_error err = { 0 };

	(void)state;
	need_server();
	r = open_repo("flaky/app", &o);
	assert_int_equal(get_manifest(r, "v1", 1 << 20, &err), IA_OK);
	assert_int_equal(hits("/v2/flaky/app/manifests/v1"), 3);
	registry_free(r);

	o.retries = 2;
	r = open_repo("always429/app", &o);
	assert_int_equal(get_manifest(r, "v1", 1 << 20, &err), IA_EINPUT);
	expect_msg(&err, ":v1: too many requests (HTTP 429)");
	expect_msg(&err, "after 2 retries");
	assert_int_equal(hits("/v2/always429/app/manifests/v1"), 3);
	registry_free(r);

	o.retries = -1;		/* none */
	r = open_repo("always429/app", &o);
	assert_int_equal(get_manifest(r, "v1", 1 << 20, &err), IA_EINPUT);
	assert_int_equal(hits("/v2/always429/app/manifests/v1"), 4);
	registry_free(r);
}

/* ---- authentication ----------------------------------------------------- */

static void
test_bearer(void **state)
{
	struct registry_options o = opts();
	struct registry *r;
	struct ia_error err = { 0 };
	char *seen, *body;
	size_t len;

	(void)state;
	need_server();
	r = open_repo("secret/app", &o);
	assert_int_equal(get_manifest(r, "v1", 1 << 20, &err), IA_OK);
	seen = last_seen("/v2/secret/app/manifests/v1");
	assert_string_equal(seen, "Bearer tok-1");
	free(seen);
	seen = last_seen("token_query");
	assert_string_equal(seen, "scope=repository%3Asecret%2Fapp%3Apull&"
	    "service=test-registry");
	free(seen);
	seen = last_seen("/token");	/* anonymous: no credentials sent */
	assert_string_equal(seen, "");
	free(seen);
	/* the token is cached: one more request each, no new token */
	assert_int_equal(get_manifest(r, "v1", 1 << 20, &err), IA_OK);
	assert_int_equal(registry_blob(r, srv.config, &body, &len, 4096, &err),
	    IA_OK);
	free(body);
	assert_int_equal(hits("/token"), 1);
	assert_int_equal(hits("/v2/secret/app/manifests/v1"), 3);

	/* the token expires: one 401, one new token, then success */
	cJSON_Delete(server_get("/_expire"));
	assert_int_equal(get_manifest(r, "v1", 1 << 20, &err), IA_OK);
	assert_int_equal(hits("/token"), 2);
	assert_int_equal(hits("/v2/secret/app/manifests/v1"), 5);
	seen = last_seen("/v2/secret/app/manifests/v1");
	assert_string_equal(seen, "Bearer tok-2");
	free(seen);
	registry_free(r);

	/* "access_token" instead of "token" */
	r = open_repo("alt/app", &o);
	assert_int_equal(get_manifest(r, "v1", 1 << 20, &err), IA_OK);
	registry_free(r);
}

static void
test_bearer_creds(void **state)
{
	struct registry_options o = opts();
	struct registry *r;
	struct ia_error err = { 0 };
	char *seen;

	(void)state;
	need_server();
	o.creds = "alice:s3cret";
	r = open_repo("secret/app", &o);
	assert_int_equal(get_manifest(r, "v1", 1 << 20, &err), IA_OK);
	seen = last_seen("/token");
	assert_string_equal(seen, "Basic YWxpY2U6czNjcmV0");
	free(seen);
	registry_free(r);

	o.creds = "alice:Wr0ngPass";
	r = open_repo("secret/app", &o);
	assert_int_equal(get_manifest(r, "v1", 1 << 20, &err), IA_EINPUT);
	expect_msg(&err, "/secret/app:v1: authentication failed for "
	    "127.0.0.1:");
	expect_msg(&err, "(HTTP 401): check --creds or the credentials in "
	    "~/.docker/config.json");
	assert_null(strstr(err.msg, "Wr0ngPass"));
	assert_null(strchr(err.msg, '\n'));
	registry_free(r);
}

static void
test_basic(void **state)
{
	struct registry_options o = opts();
	struct registry *r;
	struct ia_error err = { 0 };
	char *seen;

	(void)state;
	need_server();
	o.creds = "alice:s3cret";
	r = open_repo("basic/app", &o);
	assert_int_equal(get_manifest(r, "v1", 1 << 20, &err), IA_OK);
	assert_int_equal(get_manifest(r, "v1", 1 << 20, &err), IA_OK);
	/* anonymous, then Basic; then Basic straight away */
	assert_int_equal(hits("/v2/basic/app/manifests/v1"), 3);
	seen = last_seen("/v2/basic/app/manifests/v1");
	assert_string_equal(seen, "Basic YWxpY2U6czNjcmV0");
	free(seen);
	registry_free(r);

	o.creds = "alice:Wr0ngPass";
	r = open_repo("basic/app", &o);
	assert_int_equal(get_manifest(r, "v1", 1 << 20, &err), IA_EINPUT);
	expect_msg(&err, "authentication failed for 127.0.0.1:");
	assert_null(strstr(err.msg, "Wr0ngPass"));
	registry_free(r);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
save_env(const char *name, char **saved)
{
	const char *v = getenv(name);

	*saved = v != NULL ? strdup(v) : NULL;
}

static void
restore_env(const char *name, char *saved)
{
	if (saved != NULL)
		setenv(name, saved, 1);
	else
		unsetenv(name);
	free(saved);
}

/* Credentials from REGISTRY_AUTH_FILE, then from ~/.docker/config.json. */
static void
test_auth_files(void **state)
{
	static const char *const vars[] = {
		"REGISTRY_AUTH_FILE", "XDG_RUNTIME_DIR", "DOCKER_CONFIG", "HOME"
	};
	char *saved[4], path[4300], text[512], dir[4200], *seen;
	struct registry_options o = opts();
	struct registry *r;
	struct ia_error err = { 0 };
	size_t i;

	(void)state;
	need_server();
	for (i = 0; i < 4; i++)
		save_env(vars[i], &saved[i]);
	unsetenv("DOCKER_CONFIG");
	snprintf(dir, sizeof(dir), "%s/xdg", scratch);
	mkdir(dir, 0700);
	setenv("XDG_RUNTIME_DIR", dir, 1);

	snprintf(path, sizeof(path), "%s/auth.json", scratch);
	/* host-wide alice:s3cret; x:y for the namespace "secret" (podman) */
	snprintf(text, sizeof(text), "{\"auths\":{\"other:1\":{\"auth\":"
	    "\"eDp5\"},\"127.0.0.1:%d\":{\"auth\":\"YWxpY2U6czNjcmV0\"},"
	    "\"127.0.0.1:%d/secret\":{\"auth\":\"eDp5\"}}}", srv.port,
	    srv.port);
	write_file(path, text);
	setenv("REGISTRY_AUTH_FILE", path, 1);
	r = open_repo("basic/app", &o);
	assert_int_equal(get_manifest(r, "v1", 1 << 20, &err), IA_OK);
	registry_free(r);
	r = open_repo("secret/app", &o);
	assert_int_equal(get_manifest(r, "v1", 1 << 20, &err), IA_EINPUT);
	expect_msg(&err, "authentication failed");
	registry_free(r);

	/* ~/.docker/config.json, keyed by a URL with a scheme */
	unsetenv("REGISTRY_AUTH_FILE");
	snprintf(dir, sizeof(dir), "%s/home/.docker", scratch);
	snprintf(path, sizeof(path), "%s/home", scratch);
	mkdir(path, 0700);
	mkdir(dir, 0700);
	setenv("HOME", path, 1);
	snprintf(path, sizeof(path), "%s/config.json", dir);
	snprintf(text, sizeof(text), "{\"auths\":{\"http://127.0.0.1:%d\":"
	    "{\"auth\":\"YWxpY2U6czNjcmV0\"}}}", srv.port);
	write_file(path, text);
	r = open_repo("basic/app", &o);
	assert_int_equal(get_manifest(r, "v1", 1 << 20, &err), IA_OK);
	registry_free(r);
	/* the Bearer flow sends them to the token server */
	r = open_repo("secret/app", &o);
	assert_int_equal(get_manifest(r, "v1", 1 << 20, &err), IA_OK);
	registry_free(r);
	seen = last_seen("/token");
	assert_string_equal(seen, "Basic YWxpY2U6czNjcmV0");
	free(seen);

	/* none for this host: the clear message, no credentials in it */
	snprintf(text, sizeof(text), "{\"auths\":{\"127.0.0.1:1\":{\"auth\":"
	    "\"YWxpY2U6czNjcmV0\"}}}");
	write_file(path, text);
	r = open_repo("basic/app", &o);
	assert_int_equal(get_manifest(r, "v1", 1 << 20, &err), IA_EINPUT);
	expect_msg(&err, "authentication failed for 127.0.0.1:");
	registry_free(r);
	for (i = 0; i < 4; i++)
		restore_env(vars[i], saved[i]);
}

/* ---- streams ------------------------------------------------------------ */

/*
 * Read a whole stream in chunks of chunk bytes, checking that byte i is
 * i & 0xff; returns what read() returned last, *total the bytes read.
 */
static ssize_t
drain(struct blob_stream *bs, size_t chunk, int64_t *total,
    char digest[DIGEST_STRLEN], struct ia_error *err)
{
	unsigned char *buf = malloc(chunk);
	struct digest *d = digest_new();
	ssize_t n;
	int bad = 0;

	*total = 0;
	while ((n = bs->read(bs->ctx, buf, chunk, err)) > 0) {
		ssize_t i;

		for (i = 0; i < n; i++)
			if (buf[i] != (unsigned char)((*total + i) & 0xff))
				bad = 1;
		digest_update(d, buf, (size_t)n);
		*total += n;
	}
	digest_final(d, digest);
	digest_free(d);
	free(buf);
	assert_int_equal(bad, 0);
	return n;
}

static void
test_stream(void **state)
{
	struct registry_options o = opts();
	struct registry *r;
	struct ia_error err = { 0 };
	struct blob_stream bs;
	char got[DIGEST_STRLEN];
	int64_t size, total;
	static const size_t chunks[] = { 1000, 65536, 1 << 20 };
	size_t i;

	(void)state;
	need_server();
	r = open_repo("open/app", &o);
	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		assert_int_equal(registry_stream_open(r, srv.big, &bs, &size,
		    &err), IA_OK);
		assert_int_equal(size, srv.big_size);
		assert_int_equal(drain(&bs, chunks[i], &total, got, &err), 0);
		assert_int_equal(total, srv.big_size);
		assert_string_equal(got, srv.big);
		/* the end stays the end */
		assert_int_equal(bs.read(bs.ctx, got, 1, &err), 0);
		registry_stream_close(&bs);
		assert_null(bs.ctx);
	}
	/* closed before the end: no leak, the handle is reused */
	assert_int_equal(registry_stream_open(r, srv.big, &bs, &size, &err),
	    IA_OK);
	assert_true(bs.read(bs.ctx, got, 10, &err) > 0);
	registry_stream_close(&bs);
	registry_stream_close(&bs);

	/* a missing blob fails at open */
	assert_int_equal(registry_stream_open(r, "sha256:" D64, &bs, &size,
	    &err), IA_EINPUT);
	expect_msg(&err, "missing blob sha256:0123");
	assert_null(bs.ctx);
	registry_free(r);
}

static void
test_stream_redirect(void **state)
{
	struct registry_options o = opts();
	struct registry *r;
	struct ia_error err = { 0 };
	struct blob_stream bs;
	char got[DIGEST_STRLEN], d[80], *seen;
	int64_t size, total;

	(void)state;
	need_server();
	r = open_repo("open/app", &o);
	snprintf(d, sizeof(d), "sha256:%064d", 0);
	memset(d + 7, 'c', 64);
	assert_int_equal(registry_stream_open(r, d, &bs, &size, &err), IA_OK);
	assert_int_equal(size, srv.big_size);
	assert_int_equal(drain(&bs, 50000, &total, got, &err), 0);
	assert_string_equal(got, srv.big);
	registry_stream_close(&bs);
	assert_int_equal(hits("/storage/big"), 1);
	registry_free(r);

	/* behind a token: the token does not follow the redirect away */
	r = open_repo("secret/app", &o);
	assert_int_equal(registry_stream_open(r, d, &bs, &size, &err), IA_OK);
	assert_int_equal(drain(&bs, 50000, &total, got, &err), 0);
	assert_string_equal(got, srv.big);
	registry_stream_close(&bs);
	assert_int_equal(hits("/storage/big"), 2);
	seen = last_seen("/storage/big");
	assert_string_equal(seen, "");
	free(seen);
	seen = last_seen("/v2/secret/app/blobs/sha256:cccccccccccccccccccccccc"
	    "cccccccccccccccccccccccccccccccccccccccc");
	assert_string_equal(seen, "Bearer tok-1");
	free(seen);
	registry_free(r);
}

static void
test_stream_truncated(void **state)
{
	struct registry_options o = opts();
	struct registry *r;
	struct ia_error err = { 0 };
	struct blob_stream bs;
	char got[DIGEST_STRLEN], d[80], path[200];
	int64_t size, total;

	(void)state;
	need_server();
	o.retries = 1;
	r = open_repo("open/app", &o);
	snprintf(d, sizeof(d), "sha256:%064d", 0);
	memset(d + 7, 'd', 64);
	assert_int_equal(registry_stream_open(r, d, &bs, &size, &err), IA_OK);
	assert_int_equal(size, 1024 * 1024);
	assert_int_equal(drain(&bs, 32768, &total, got, &err), -1);
	assert_int_equal(total, 600 * 1024);
	expect_msg(&err, "/open/app: blob sha256:dddd");
	expect_msg(&err, "connection dropped after 614400 bytes");
	/* resumed once: the same 600 KiB again, all dropped, then nothing */
	expect_msg(&err, "resuming failed");
	/* a failed stream keeps failing */
	memset(&err, 0, sizeof(err));
	assert_int_equal(bs.read(bs.ctx, got, 1, &err), -1);
	expect_msg(&err, "connection dropped");
	registry_stream_close(&bs);
	/* the first request, the resume, its one retry */
	snprintf(path, sizeof(path), "/v2/open/app/blobs/%s", d);
	assert_int_equal(hits(path), 3);
	registry_free(r);

	/* with no retries, no resume either */
	cJSON_Delete(server_get("/_reset"));
	o.retries = -1;
	r = open_repo("open/app", &o);
	assert_int_equal(registry_stream_open(r, d, &bs, &size, &err), IA_OK);
	assert_int_equal(drain(&bs, 32768, &total, got, &err), -1);
	expect_msg(&err, "connection dropped after 614400 bytes (");
	registry_stream_close(&bs);
	assert_int_equal(hits(path), 1);
	registry_free(r);
}

/*
 * A connection that drops mid-blob is resumed where it stopped: twice with
 * Range (206), or once from a registry that ignores Range (200, the bytes
 * already read dropped).  The reader sees every byte once, in order.
 */
static void
test_stream_resume(void **state)
{
	struct registry_options o = opts();
	struct registry *r;
	struct ia_error err = { 0 };
	struct blob_stream bs;
	char got[DIGEST_STRLEN], d[80], path[200], *range;
	int64_t size, total;
	static const char kinds[] = "ba";
	size_t i;

	(void)state;
	need_server();
	for (i = 0; i < 2; i++) {
		cJSON_Delete(server_get("/_reset"));
		r = open_repo("open/app", &o);
		snprintf(d, sizeof(d), "sha256:%064d", 0);
		memset(d + 7, kinds[i], 64);
		assert_int_equal(registry_stream_open(r, d, &bs, &size, &err),
		    IA_OK);
		assert_int_equal(size, srv.big_size);
		/* small reads: the buffer fills, the transfer pauses */
		assert_int_equal(drain(&bs, 4096, &total, got, &err), 0);
		assert_int_equal(total, srv.big_size);
		assert_string_equal(got, srv.big);
		registry_stream_close(&bs);
		snprintf(path, sizeof(path), "/v2/open/app/blobs/%s", d);
		assert_int_equal(hits(path), i == 0 ? 3 : 2);
		range = last_seen("range");
		assert_string_equal(range, i == 0 ? "bytes=1228800-" :
		    "bytes=614400-");
		free(range);
		registry_free(r);
	}
}

/* A dropped connection and a 503 before the first byte are retried. */
static void
test_stream_retry(void **state)
{
	struct registry_options o = opts();
	struct registry *r;
	struct ia_error err = { 0 };
	struct blob_stream bs;
	char got[DIGEST_STRLEN], path[200];
	int64_t size, total;

	(void)state;
	need_server();
	r = open_repo("flaky/app", &o);
	assert_int_equal(registry_stream_open(r, srv.big, &bs, &size, &err),
	    IA_OK);
	assert_int_equal(drain(&bs, 100000, &total, got, &err), 0);
	assert_string_equal(got, srv.big);
	registry_stream_close(&bs);
	snprintf(path, sizeof(path), "/v2/flaky/app/blobs/%s", srv.big);
	assert_int_equal(hits(path), 3);
	registry_free(r);

	cJSON_Delete(server_get("/_reset"));
	o.retries = 1;
	r = open_repo("flaky/app", &o);
	assert_int_equal(registry_stream_open(r, srv.big, &bs, &size, &err),
	    IA_EINPUT);
	expect_msg(&err, "server error (HTTP 503) for the blob sha256:");
	expect_msg(&err, "after 1 retries");
	registry_free(r);
}

struct reader {
	struct registry *r;
	enum ia_status st;
	int64_t total;
	char digest[DIGEST_STRLEN];
	struct ia_error err;
};

static void *
reader_main(void *arg)
{
	struct reader *rd = arg;
	struct blob_stream bs;
	int64_t size;

	rd->st = registry_stream_open(rd->r, srv.big, &bs, &size, &rd->err);
	if (rd->st != IA_OK)
		return NULL;
	if (drain(&bs, 7000, &rd->total, rd->digest, &rd->err) != 0)
		rd->st = IA_EINPUT;
	registry_stream_close(&bs);
	return NULL;
}

/* Streams of one registry on several threads, behind one Bearer token. */
static void
test_stream_threads(void **state)
{
	struct registry_options o = opts();
	struct reader rd[6];
	pthread_t t[6];
	size_t i;

	(void)state;
	need_server();
	memset(rd, 0, sizeof(rd));
	rd[0].r = open_repo("secret/app", &o);
	for (i = 0; i < 6; i++) {
		rd[i].r = rd[0].r;
		assert_int_equal(pthread_create(&t[i], NULL, reader_main,
		    &rd[i]), 0);
	}
	for (i = 0; i < 6; i++) {
		pthread_join(t[i], NULL);
		if (rd[i].st != IA_OK)
			fail_msg("reader %zu: %s", i, rd[i].err.msg);
		assert_int_equal(rd[i].total, srv.big_size);
		assert_string_equal(rd[i].digest, srv.big);
	}
	/* one token for all: the others waited for it */
	assert_int_equal(hits("/token"), 1);
	registry_free(rd[0].r);
}

/* ---- listings ----------------------------------------------------------- */

static void
free_names(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
test_tags(void **state)
{
	struct registry_options o = opts();
	struct registry *r;
	struct ia_error err = { 0 };
	char **tags;
	size_t n;

	(void)state;
	need_server();
	r = open_repo("open/app", &o);
	assert_int_equal(registry_tags(r, &tags, &n, &err), IA_OK);
	assert_int_equal(n, 5);
	assert_string_equal(tags[0], "t1");
	assert_string_equal(tags[4], "t5");
	free_names(tags, n);
	assert_int_equal(hits("/v2/open/app/tags/list"), 3);
	registry_free(r);

	/* behind a token */
	r = open_repo("secret/app", &o);
	assert_int_equal(registry_tags(r, &tags, &n, &err), IA_OK);
	assert_int_equal(n, 5);
	free_names(tags, n);
	registry_free(r);

	/* a next page on another host is refused */
	r = open_repo("evil/app", &o);
	assert_int_equal(registry_tags(r, &tags, &n, &err), IA_EINPUT);
	assert_null(tags);
	assert_int_equal(n, 0);
	expect_msg(&err, "tag list's next page is on another server");
	registry_free(r);
}

static void
test_catalog(void **state)
{
	struct registry_options o = opts();
	struct ia_error err = { 0 };
	char host[64], **repos;
	size_t n;

	(void)state;
	need_server();
	snprintf(host, sizeof(host), "127.0.0.1:%d", srv.port);
	assert_int_equal(registry_catalog(host, &o, &repos, &n, &err), IA_OK);
	assert_int_equal(n, 3);
	assert_string_equal(repos[0], "a/one");
	assert_string_equal(repos[1], "b/two");
	assert_string_equal(repos[2], "c/three");
	free_names(repos, n);
	assert_int_equal(hits("/v2/_catalog"), 2);

	assert_int_equal(registry_catalog("bad host", &o, &repos, &n, &err),
	    IA_EINPUT);
	expect_msg(&err, "bad registry host name");
}

/* ---- failures of the connection ----------------------------------------- */

/* A port nobody listens on: bind one, note it, close it. */
static int
closed_port(void)
{
	struct registry_options o = opts();
	char host[64], **repos;
	struct ia_error err = { 0 };
	size_t n;
	int port;

	/* The server's port plus a few is unlikely to be in use; check. */
	for (port = srv.port > 0 ? srv.port + 7 : 39001; ; port++) {
		snprintf(host, sizeof(host), "127.0.0.1:%d", port);
		o.retries = -1;
		if (registry_catalog(host, &o, &repos, &n, &err) == IA_EINPUT &&
		    strstr(err.msg, "cannot reach") != NULL)
			return port;
		if (port > 65000)
			return -1;
	}
}

static void
test_unreachable(void **state)
{
	struct registry_options o = opts();
	struct registry *r;
	struct ia_error err = { 0 };
	char *ref;
	int port;

	(void)state;
	port = closed_port();
	assert_true(port > 0);
	o.retries = 1;
	r = open_at(port, "x/y:t", &o, NULL);
	assert_int_equal(get_manifest(r, "t", 1 << 20, &err), IA_EINPUT);
	expect_msg(&err, "/x/y:t: cannot reach 127.0.0.1:");
	assert_null(strchr(err.msg, '\n'));
	registry_free(r);

	/* a name that does not resolve: no retries */
	assert_int_equal(registry_open("no-such-host.invalid/x", &o, &r, &ref,
	    &err), IA_OK);
	assert_int_equal(get_manifest(r, ref, 1 << 20, &err), IA_EINPUT);
	expect_msg(&err, "cannot reach no-such-host.invalid");
	registry_free(r);
	free(ref);
}

/* Verification on: a plain-HTTP registry is an error, never a fallback. */
static void
test_tls_required(void **state)
{
	struct registry_options o = opts();
	struct registry *r;
	struct ia_error err = { 0 };

	(void)state;
	need_server();
	o.tls_verify = true;
	r = open_repo("open/app", &o);
	assert_int_equal(get_manifest(r, "v1", 1 << 20, &err), IA_EINPUT);
	expect_msg(&err, "TLS handshake with 127.0.0.1:");
	expect_msg(&err, "--tls-verify=false");
	assert_int_equal(hits("/v2/open/app/manifests/v1"), 0);
	registry_free(r);
}

/* A registry with a self-signed certificate. */
static void
test_https(void **state)
{
	struct registry_options o = opts();
	struct registry *r;
	struct ia_error err = { 0 };
	struct server tls = { .pid = -1 };
	struct blob_stream bs;
	char cert[4200], key[4200], cmd[9000], got[DIGEST_STRLEN];
	int64_t size, total;

	(void)state;
	need_server();
	snprintf(cert, sizeof(cert), "%s/cert.pem", scratch);
	snprintf(key, sizeof(key), "%s/key.pem", scratch);
	snprintf(cmd, sizeof(cmd), "openssl req -x509 -newkey rsa:2048 "
	    "-nodes -subj /CN=127.0.0.1 -days 2 -keyout '%s' -out '%s' "
	    ">/dev/null 2>&1", key, cert);
	if (system(cmd) != 0) {
		print_message("openssl cannot make a certificate\n");
		skip();
	}
	if (server_start(&tls, cert, key) != 0) {
		server_stop(&tls);
		fail_msg("the TLS test registry did not start");
	}
	o.tls_verify = true;
	r = open_at(tls.port, "open/app", &o, NULL);
	assert_int_equal(get_manifest(r, "v1", 1 << 20, &err), IA_EINPUT);
	expect_msg(&err, "TLS verification of 127.0.0.1:");
	expect_msg(&err, "use --tls-verify=false for a registry without a "
	    "trusted certificate");
	registry_free(r);

	o.tls_verify = false;	/* https, unverified; no fallback needed */
	r = open_at(tls.port, "open/app", &o, NULL);
	assert_int_equal(get_manifest(r, "v1", 1 << 20, &err), IA_OK);
	/* pausing with bytes already inside OpenSSL (curl issue 4966) */
	assert_int_equal(registry_stream_open(r, tls.big, &bs, &size, &err),
	    IA_OK);
	assert_int_equal(drain(&bs, 3000, &total, got, &err), 0);
	assert_string_equal(got, tls.big);
	registry_stream_close(&bs);
	registry_free(r);
	server_stop(&tls);
}

static void
test_timeout(void **state)
{
	struct registry_options o = opts();
	struct registry *r;
	struct ia_error err = { 0 };
	time_t t0 = time(NULL);

	(void)state;
	need_server();
	o.timeout_s = 1;
	o.retries = -1;
	r = open_repo("slow/app", &o);
	assert_int_equal(get_manifest(r, "v1", 1 << 20, &err), IA_EINPUT);
	expect_msg(&err, "/slow/app:v1: 127.0.0.1:");
	expect_msg(&err, "timed out");
	assert_true(time(NULL) - t0 < 10);
	registry_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ref_good),
		cmocka_unit_test(test_parse_ref_bad),
		cmocka_unit_test(test_open),
		cmocka_unit_test(test_parse_challenge),
		cmocka_unit_test(test_parse_link),
		cmocka_unit_test(test_url_resolve),
		cmocka_unit_test(test_manifest),
		cmocka_unit_test(test_blob),
		cmocka_unit_test(test_retry_429),
		cmocka_unit_test(test_bearer),
		cmocka_unit_test(test_bearer_creds),
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_auth_files),
		cmocka_unit_test(test_stream),
		cmocka_unit_test(test_stream_redirect),
		cmocka_unit_test(test_stream_truncated),
		cmocka_unit_test(test_stream_resume),
		cmocka_unit_test(test_stream_retry),
		cmocka_unit_test(test_stream_threads),
		cmocka_unit_test(test_tags),
		cmocka_unit_test(test_catalog),
		cmocka_unit_test(test_unreachable),
		cmocka_unit_test(test_tls_required),
		cmocka_unit_test(test_https),
		cmocka_unit_test(test_timeout),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
