#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""token_server.py: a small Docker Registry v2 bearer-token server for the
end-to-end tests (python3 stdlib; RSA signatures by the `openssl` command).

    token_server.py --key KEY.pem --cert CERT.pem --users FILE
                    --port-file FILE [--port N] [--issuer ISS]
                    [--service SVC] [--key-id kid|x5c] [--ttl SECONDS]
                    [--log FILE] [--anonymous empty|deny]

It listens on 127.0.0.1 (port N, default 0 = any free one) and writes the
port it got to --port-file once it accepts connections, so the caller never
races for a port.  Endpoints (the flow of distribution's docs/spec/auth):

  GET  /token?service=SVC&scope=repository:NAME:pull,push[&scope=...]
       [&account=USER]  with optional `Authorization: Basic ...`
  POST /token  (form: grant_type=password, username, password, service,
       scope; the OAuth2 password grant some clients use)

Users come from --users, one `USER:PASS` a line (plain text: test
credentials).  A request with valid credentials gets every action it asks
for; a request with wrong credentials gets 401; an anonymous one gets a
token granting nothing (what Docker Hub does for a private repository, so
the registry answers 401 insufficient_scope) or, with --anonymous deny, 401.
A wrong `service` gets 400.

The token is a JWS (RS256) signed with KEY by `openssl dgst -sha256 -sign`.
The registry (distribution 2.x, auth: token) finds the verification key
either by the header's "kid" — the libtrust key ID of a key in its
rootcertbundle: base32 of the first 240 bits of the SHA-256 of the DER
SubjectPublicKeyInfo, in groups of 4 joined by ':' — or by an "x5c" chain
that verifies against rootcertbundle (--key-id x5c).  Claims: iss, sub
(the user, "" when anonymous), aud (the service), exp, nbf, iat, jti,
access.

Each request is logged to --log as one JSON line (method, path, scope,
user, status; never the password).  SIGTERM stops it cleanly.
"""

import argparse
import base64
import hashlib
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def pem_body(text, label):
    """The DER bytes of the first PEM block labelled LABEL in TEXT."""
    begin, end = f"-----BEGIN {label}-----", f"-----END {label}-----"
    start = text.index(begin) + len(begin)
    return base64.b64decode("".join(text[start:text.index(end, start)].split()))


def libtrust_key_id(spki_der):
    """libtrust's KeyID(): base32(sha256(DER SPKI)[:30]), groups of 4, ':'."""
    b32 = base64.b32encode(hashlib.sha256(spki_der).digest()[:30]).decode()
    b32 = b32.rstrip("=")
    return ":".join(b32[i:i + 4] for i in range(0, len(b32), 4))


class Signer:
    def __init__(self, key, cert, mode):
        self.key = key
        with open(cert) as f:
            cert_pem = f.read()
        self.cert_der = pem_body(cert_pem, "CERTIFICATE")
        pub = subprocess.run(["openssl", "x509", "-in", cert, "-noout", "-pubkey"],
                             check=True, capture_output=True, text=True).stdout
        self.kid = libtrust_key_id(pem_body(pub, "PUBLIC KEY"))
        self.mode = mode
        self.lock = threading.Lock()

    def header(self):
        h = {"typ": "JWT", "alg": "RS256"}
        if self.mode == "kid":
            h["kid"] = self.kid
        else:
            h["x5c"] = [base64.b64encode(self.cert_der).decode("ascii")]
        return h

    def sign(self, claims):
        signing_input = (b64url(json.dumps(self.header(), separators=(",", ":")).encode())
                         + "." + b64url(json.dumps(claims, separators=(",", ":")).encode()))
        with self.lock:
            sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", self.key],
                                 input=signing_input.encode(), check=True,
                                 capture_output=True).stdout
        return signing_input + "." + b64url(sig)


def parse_scope(scope):
    """'repository:NAME:pull,push' -> access entry (NAME may hold ':' for a
    port-qualified name; the type is before the first ':', the actions after
    the last)."""
    typ, sep, rest = scope.partition(":")
    name, sep2, actions = rest.rpartition(":")
    if not sep or not sep2 or not typ or not name:
        return None
    return {"type": typ, "name": name,
            "actions": [a for a in actions.split(",") if a]}


def make_handler(opts, users, signer, log):
    log_lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        server_version = "imgaudit-test-token/1"
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):   # no stderr chatter
            pass

        def record(self, status, user, scopes, note=""):
            if not log:
                return
            line = json.dumps({"time": time.time(), "method": self.command,
                               "path": self.path.split("?")[0], "status": status,
                               "user": user, "scopes": scopes, "note": note})
            with log_lock, open(log, "a") as f:
                f.write(line + "\n")

        def reply(self, status, body, extra=()):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in extra:
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def basic_creds(self):
            auth = self.headers.get("Authorization", "")
            if not auth.lower().startswith("basic "):
                return None
            try:
                raw = base64.b64decode(auth[6:].strip(), validate=True).decode()
            except ValueError:
                return ("", "\0invalid")
            user, _, pw = raw.partition(":")
            return (user, pw)

        def issue(self, params, creds):
            service = params.get("service", [""])[0]
            scopes = params.get("scope", [])
            # Some clients put several scopes in one parameter, space-separated.
            scopes = [s for sc in scopes for s in sc.split(" ") if s]
            if service != opts.service:
                self.record(400, None, scopes, f"service {service!r}")
                return self.reply(400, {"errors": [{"code": "UNSUPPORTED",
                                  "message": f"unknown service {service!r}"}]})
            user = ""
            if creds is not None:
                user, pw = creds
                if users.get(user) != pw:
                    self.record(401, user, scopes, "bad credentials")
                    return self.reply(401, {"errors": [{"code": "UNAUTHORIZED",
                                      "message": "authentication failed: bad username or password"}]},
                                      [("WWW-Authenticate", 'Basic realm="imgaudit-test-token"')])
            elif opts.anonymous == "deny":
                self.record(401, None, scopes, "anonymous denied")
                return self.reply(401, {"errors": [{"code": "UNAUTHORIZED",
                                  "message": "authentication required"}]},
                                  [("WWW-Authenticate", 'Basic realm="imgaudit-test-token"')])
            access = []
            if user:
                for s in scopes:
                    a = parse_scope(s)
                    if a is not None:
                        access.append(a)
            now = int(time.time())
            claims = {"iss": opts.issuer, "sub": user, "aud": opts.service,
                      "exp": now + opts.ttl, "nbf": now - 10, "iat": now,
                      "jti": secrets.token_hex(16), "access": access}
            token = signer.sign(claims)
            self.record(200, user or None, scopes)
            issued = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))
            self.reply(200, {"token": token, "access_token": token,
                             "expires_in": opts.ttl, "issued_at": issued})

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            if url.path != "/token":
                self.record(404, None, [])
                return self.reply(404, {"errors": [{"code": "NOT_FOUND"}]})
            self.issue(urllib.parse.parse_qs(url.query), self.basic_creds())

        def do_POST(self):
            url = urllib.parse.urlsplit(self.path)
            n = int(self.headers.get("Content-Length") or 0)
            form = urllib.parse.parse_qs(self.rfile.read(n).decode("utf-8", "replace"))
            if url.path != "/token":
                self.record(404, None, [])
                return self.reply(404, {"errors": [{"code": "NOT_FOUND"}]})
            creds = self.basic_creds()
            if form.get("grant_type", [""])[0] == "password":
                creds = (form.get("username", [""])[0], form.get("password", [""])[0])
            self.issue(form, creds)

    return Handler


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--key", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--users", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--issuer", default="imgaudit-test-issuer")
    ap.add_argument("--service", default="imgaudit-test-registry")
    ap.add_argument("--key-id", choices=("kid", "x5c"), default="kid")
    ap.add_argument("--ttl", type=int, default=300)
    ap.add_argument("--log")
    ap.add_argument("--anonymous", choices=("empty", "deny"), default="empty")
    opts = ap.parse_args()

    users = {}
    with open(opts.users) as f:
        for line in f:
            line = line.rstrip("\n")
            if line:
                u, _, p = line.partition(":")
                users[u] = p
    signer = Signer(opts.key, opts.cert, opts.key_id)
    server = ThreadingHTTPServer(("127.0.0.1", opts.port),
                                 make_handler(opts, users, signer, opts.log))
    server.daemon_threads = True

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    tmp = opts.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{server.server_address[1]}\n")
    os.rename(tmp, opts.port_file)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
