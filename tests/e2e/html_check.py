#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
#
# html_check.py: what html_report.sh checks, in a real browser.
#
#	html_check.py derive SRC DST         SRC plus a hostile layer (OCI)
#	html_check.py page HTML REPORT.json  the page against the report
#	html_check.py md MD REPORT.json      the Markdown summary
#	html_check.py bench HTML [RUNS]      load time of the page, in ms
#	html_check.py inflate HTML REPORT.json OUT NPKG   a worst case
#	html_check.py many-files SRC DST N   SRC plus a layer of N small files
#
# The browser is headless Chromium driven over the DevTools protocol on a
# pipe (--remote-debugging-pipe: fd 3 in, fd 4 out, NUL-separated JSON), so
# no websocket library is needed.  Uncaught exceptions, console errors and
# Content-Security-Policy refusals are collected from the protocol's events,
# not from the page.  Each wrong fact prints one "FAIL:" line; the exit
# status is 1 when any did, 77 when Chromium is missing.

import fcntl
import gzip
import hashlib
import io
import json
import os
import select
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time

# The hostile strings: names that would run script if a renderer pasted
# them into markup, end the JSON block, or open a comment.
XSS_IMG = "<img src=x onerror=window.__xss=1>"
XSS_END = "</script><script>window.__xss=2</script>"
HOSTILE_FILES = [
    ("root/.cache/pip/" + XSS_IMG, 3_100_000),
    ("srv/" + XSS_END, 2_900_000),
    ("srv/<!--<b>\u2028\u2029&amp;", 2_800_000),
]
HOSTILE_CREATED_BY = ("/bin/sh -c echo '</script><img src=x "
                      "onerror=window.__xss=3>' | tee '/srv/<!--' `id` "
                      "@team $x$")

UNITS = ["B", "kB", "MB", "GB", "TB", "PB", "EB"]
FAILS = []


def fail(msg):
    FAILS.append(msg)
    print("FAIL: " + msg)


def human(b):
    """report_human_size(): decimal units, three significant digits."""
    b = int(b)
    if b < 1000:
        return "%dB" % b
    v, u = float(b), 0
    while v >= 1000 and u + 1 < len(UNITS):
        v /= 1000
        u += 1
    if v >= 999.5 and u + 1 < len(UNITS):
        v /= 1000
        u += 1
    return "%.3g%s" % (v, UNITS[u])


# ---- derive: the hostile image ----

def derive(src, dst):
    def blob(d):
        with open(os.path.join(src, "blobs", "sha256", d.split(":")[1]),
                  "rb") as f:
            return f.read()

    def put(data):
        d = hashlib.sha256(data).hexdigest()
        with open(os.path.join(dst, "blobs", "sha256", d), "wb") as f:
            f.write(data)
        return "sha256:" + d

    shutil.copytree(src, dst)
    index = json.load(open(os.path.join(src, "index.json")))
    manifest = json.loads(blob(index["manifests"][0]["digest"]))
    config = json.loads(blob(manifest["config"]["digest"]))
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        dirs = set()
        for path, size in HOSTILE_FILES:
            parts = path.split("/")
            for i in range(1, len(parts)):
                d = "/".join(parts[:i])
                if d not in dirs:
                    dirs.add(d)
                    ti = tarfile.TarInfo(d + "/")
                    ti.type = tarfile.DIRTYPE
                    ti.mode = 0o755
                    tf.addfile(ti)
            data = hashlib.sha256(path.encode()).digest() * (size // 32)
            ti = tarfile.TarInfo(path)
            ti.size = len(data)
            ti.mode = 0o644
            tf.addfile(ti, io.BytesIO(data))
    tar = buf.getvalue()
    gz = gzip.compress(tar, mtime=0)
    config["rootfs"]["diff_ids"].append(
        "sha256:" + hashlib.sha256(tar).hexdigest())
    config["history"].append({"created": "2024-01-02T00:00:00Z",
                              "created_by": HOSTILE_CREATED_BY})
    manifest["layers"].append({
        "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
        "digest": put(gz), "size": len(gz)})
    cfg = json.dumps(config, separators=(",", ":")).encode()
    manifest["config"] = dict(manifest["config"], digest=put(cfg),
                              size=len(cfg))
    man = json.dumps(manifest, separators=(",", ":")).encode()
    index["manifests"][0] = dict(index["manifests"][0], digest=put(man),
                                 size=len(man))
    with open(os.path.join(dst, "index.json"), "w") as f:
        json.dump(index, f)


def many_files(src, dst, n):
    """dst: the image of the OCI layout src plus one layer of n small
    files (opt/data/dNNN/fNNNNN.txt, 40 to 2,000 bytes), for the
    benchmark of an image with hundreds of thousands of files."""
    def blob(d):
        with open(os.path.join(src, "blobs", "sha256", d.split(":")[1]),
                  "rb") as f:
            return f.read()

    def put_file(path):
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        os.rename(path, os.path.join(dst, "blobs", "sha256", h.hexdigest()))
        return "sha256:" + h.hexdigest(), os.path.getsize(
            os.path.join(dst, "blobs", "sha256", h.hexdigest()))

    def put(data):
        d = hashlib.sha256(data).hexdigest()
        with open(os.path.join(dst, "blobs", "sha256", d), "wb") as f:
            f.write(data)
        return "sha256:" + d

    shutil.copytree(src, dst)
    index = json.load(open(os.path.join(src, "index.json")))
    manifest = json.loads(blob(index["manifests"][0]["digest"]))
    config = json.loads(blob(manifest["config"]["digest"]))
    pool = b"".join(hashlib.sha256(b"%d" % i).hexdigest().encode()
                    for i in range(200))
    tmp = os.path.join(dst, "layer.tar.gz")
    diff = hashlib.sha256()

    class Tee:
        def __init__(self, f):
            self.f = f

        def write(self, b):
            diff.update(b)
            return self.f.write(b)

    with gzip.open(tmp, "wb", compresslevel=1) as gz:
        with tarfile.open(fileobj=Tee(gz), mode="w|",
                          format=tarfile.USTAR_FORMAT) as tf:
            for i in range(n):
                if i % 1000 == 0:
                    ti = tarfile.TarInfo("opt/data/d%03d" % (i // 1000))
                    ti.type = tarfile.DIRTYPE
                    ti.mode = 0o755
                    tf.addfile(ti)
                size = 40 + (i * 7919) % 1960
                ti = tarfile.TarInfo("opt/data/d%03d/f%06d.txt" %
                                     (i // 1000, i))
                ti.size = size
                ti.mode = 0o644
                off = (i * 31) % (len(pool) - size)
                tf.addfile(ti, io.BytesIO(pool[off:off + size]))
    digest, size = put_file(tmp)
    config["rootfs"]["diff_ids"].append("sha256:" + diff.hexdigest())
    config["history"].append({"created": "2024-01-02T00:00:00Z",
                              "created_by": "/bin/sh -c ./fetch-data.sh"})
    manifest["layers"].append({
        "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
        "digest": digest, "size": size})
    cfg = json.dumps(config, separators=(",", ":")).encode()
    manifest["config"] = dict(manifest["config"], digest=put(cfg),
                              size=len(cfg))
    man = json.dumps(manifest, separators=(",", ":")).encode()
    index["manifests"][0] = dict(index["manifests"][0], digest=put(man),
                                 size=len(man))
    with open(os.path.join(dst, "index.json"), "w") as f:
        json.dump(index, f)


# ---- the browser ----

def chromium_path():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        p = shutil.which(name)
        if p:
            return p
    return None


class Browser:
    """Headless Chromium and one page, over --remote-debugging-pipe."""

    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="imgaudit-chromium.")
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()

        def fds():
            # Out of the way first: either pipe end may be fd 3 or 4.
            r = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
            w = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
            os.dup2(r, 3)
            os.dup2(w, 4)

        self.proc = subprocess.Popen(
            [chromium_path(), "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-quic", "--no-first-run",
             "--disable-background-networking",
             "--disable-component-update", "--disable-sync",
             "--user-data-dir=" + self.profile, "--window-size=1280,900",
             "--remote-debugging-pipe", "about:blank"],
            preexec_fn=fds,
            close_fds=False, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buf = b""
        self.next_id = 0
        self.events = []
        self.session = None
        target = self.call("Target.createTarget", {"url": "about:blank"})
        self.session = self.call("Target.attachToTarget", {
            "targetId": target["targetId"], "flatten": True},
            session=False)["sessionId"]
        for domain in ("Runtime", "Log", "Page"):
            self.call(domain + ".enable")

    def send(self, msg):
        data = json.dumps(msg).encode() + b"\0"
        while data:
            n = os.write(self.to_chrome, data)
            data = data[n:]

    def recv(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.time()
            if left <= 0:
                raise TimeoutError("no answer from Chromium")
            r, _, _ = select.select([self.from_chrome], [], [], left)
            if r:
                chunk = os.read(self.from_chrome, 1 << 20)
                if not chunk:
                    raise EOFError("Chromium closed the pipe")
                self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=True, timeout=30):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        self.send(msg)
        deadline = time.time() + timeout
        while True:
            m = self.recv(deadline)
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            if "method" in m:
                self.events.append(m)

    def wait_event(self, method, timeout=30):
        deadline = time.time() + timeout
        for i, e in enumerate(self.events):
            if e["method"] == method:
                del self.events[i]
                return e
        while True:
            m = self.recv(deadline)
            if m.get("method") == method:
                return m
            if "method" in m:
                self.events.append(m)

    def eval(self, expr):
        r = self.call("Runtime.evaluate", {"expression": expr,
                                           "returnByValue": True,
                                           "awaitPromise": True})
        if "exceptionDetails" in r:
            raise RuntimeError("%s: %s" % (expr, r["exceptionDetails"]))
        return r["result"].get("value")

    def load(self, url):
        """Navigate; the load time in ms (navigation start to load end)."""
        # By way of about:blank: a new hash alone would not reload.
        for u in ("about:blank", url):
            self.events = [e for e in self.events
                           if e["method"] != "Page.loadEventFired"]
            self.call("Page.navigate", {"url": u})
            self.wait_event("Page.loadEventFired")
        return self.eval("(function () { var n = performance."
                         "getEntriesByType('navigation')[0]; return "
                         "n ? n.loadEventEnd : -1; })()")

    def errors(self):
        """Exceptions, console errors and CSP refusals seen so far."""
        out = []
        for e in self.events:
            p = e.get("params", {})
            if e["method"] == "Runtime.exceptionThrown":
                d = p.get("exceptionDetails", {})
                out.append("exception: " + str(d.get("exception", {}).get(
                    "description", d.get("text"))))
            elif (e["method"] == "Runtime.consoleAPICalled" and
                  p.get("type") in ("error", "assert")):
                out.append("console.error: " + json.dumps(p.get("args")))
            elif (e["method"] == "Log.entryAdded" and
                  p.get("entry", {}).get("level") == "error"):
                out.append("log: " + p["entry"].get("text", ""))
        return out

    def close(self):
        try:
            self.call("Browser.close", session=False, timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.to_chrome)
        os.close(self.from_chrome)
        shutil.rmtree(self.profile, ignore_errors=True)


# ---- page: the DOM against the JSON report ----

def check_page(html_path, report_path):
    rep = json.load(open(report_path))
    t = rep["totals"]
    cands = rep.get("candidates", [])
    raw = open(html_path, "rb").read()
    url = "file://" + os.path.abspath(html_path)

    # The file itself: the hostile strings never appear raw.
    for s in (XSS_IMG, XSS_END, "<!--<b>"):
        if s.encode() in raw:
            fail("the page's source holds %r unescaped" % s)
    if raw.count(b"<script") != 2:
        fail("the page has %d <script tags, not 2" % raw.count(b"<script"))

    b = Browser()
    try:
        ms = b.load(url)
        print("page: %d bytes, loaded in %.0f ms" % (len(raw), ms))
        if b.eval("document.documentElement.getAttribute('data-ready')") \
                != "1":
            fail("the page's script did not finish (no data-ready)")
        for attr in ("data-js-errors", "data-csp-violations"):
            v = b.eval("document.documentElement.getAttribute('%s')" % attr)
            if v:
                fail("%s: %s" % (attr, v))

        # The script's sizes are report_human_size()'s (ties included).
        sizes = [0, 999, 1000, 1125, 6500, 66237, 100500, 999499, 999500,
                 1220598, 9995000, 18590751, 4100000000, 123456789012]
        got = b.eval("[%s].map(window.imgaudit.humanSize)" %
                     ",".join(map(str, sizes)))
        if got != [human(x) for x in sizes]:
            fail("humanSize in the page %s, in C %s" %
                 (got, [human(x) for x in sizes]))

        # Cards: the figures are the report's.
        got = b.eval("""Array.prototype.map.call(
            document.querySelectorAll('#cards .card'), function (c) {
              return [c.getAttribute('data-key'), c.getAttribute('data-value'),
                c.querySelector('.value').textContent,
                c.getAttribute('data-share')]; })""")
        keys = [g[0] for g in got]
        want = ["layer_bytes", "compressed_bytes", "wasted_bytes",
                "efficiency", "removable_bytes"]
        if keys != want:
            fail("cards %s, expected %s" % (keys, want))
        for key, value, text, share in got:
            if abs(float(value) - float(t[key])) > 1e-9:
                fail("card %s: data-value %s, the report says %s" %
                     (key, value, t[key]))
            exp = ("%.1f%%" % (100 * t[key]) if key == "efficiency"
                   else human(t[key]))
            if text != exp:
                fail("card %s shows %r, expected %r" % (key, text, exp))
        rshare = [g[3] for g in got if g[0] == "removable_bytes"]
        exp = "%.1f%%" % (100.0 * t["removable_bytes"] /
                          t["layer_bytes"] if t["layer_bytes"] else 0)
        if rshare and rshare[0] != exp:
            fail("removable share %r, expected %r" % (rshare[0], exp))

        # Candidate table: one row per candidate, in rank order.
        rows_js = """Array.prototype.map.call(
            document.querySelectorAll('#cands tr.cand'), function (r) {
              return [+r.getAttribute('data-rank'), +r.getAttribute(
                'data-bytes'), +r.getAttribute('data-compressed'),
                r.getAttribute('data-confidence'), r.hidden]; })"""
        rows = b.eval(rows_js)
        if len(rows) != len(cands):
            fail("%d candidate rows, the report has %d candidates" %
                 (len(rows), len(cands)))
        if [r[0] for r in rows] != [c["rank"] for c in cands]:
            fail("default order is not the report's rank: %s" %
                 [r[0] for r in rows])

        # Sorting: by clicking each sortable header.
        conf = {"high": 3, "medium": 2, "low": 1}
        for key, idx in (("bytes", 1), ("compressed", 2),
                         ("confidence", 3)):
            b.eval("document.querySelector('#cands th[data-sort=%s]')"
                   ".click()" % key)
            rows = b.eval(rows_js)
            vals = [conf.get(r[idx], 0) if key == "confidence" else r[idx]
                    for r in rows]
            if vals != sorted(vals, reverse=True) or len(rows) != len(cands):
                fail("after sorting by %s the rows are %s" % (key, vals))
            if b.eval("document.getElementById('cands')"
                      ".getAttribute('data-sort')") != key:
                fail("sorting by %s: data-sort not set" % key)
        want_bytes = sorted((c["bytes_saved"] for c in cands), reverse=True)

        # The same from the URL: #sort=bytes at load.
        b.load(url + "#sort=bytes")
        rows = b.eval(rows_js)
        if [r[1] for r in rows] != want_bytes:
            fail("#sort=bytes: rows by bytes %s, expected %s" %
                 ([r[1] for r in rows], want_bytes))

        # Filter by purpose.
        if cands:
            p = cands[0]["purpose"]
            b.eval("(function () { var s = document.getElementById("
                   "'purpose'); s.value = %s; s.dispatchEvent(new Event("
                   "'change')); })()" % json.dumps(p))
            shown = [r for r in b.eval(rows_js) if not r[4]]
            n = sum(1 for c in cands if c["purpose"] == p)
            if len(shown) != n:
                fail("purpose %s: %d rows shown, %d candidates" %
                     (p, len(shown), n))
            b.eval("(function () { var s = document.getElementById("
                   "'purpose'); s.value = ''; s.dispatchEvent(new Event("
                   "'change')); })()")
            # A row opens on its reason, fix and top paths: the last (its
            # details made when it opens), then the first.
            last = b.eval("""(function () {
                var rs = document.querySelectorAll('#cands tr.cand');
                var r = rs[rs.length - 1];
                r.click();
                return [r.nextElementSibling.hidden,
                  r.nextElementSibling.textContent,
                  +r.getAttribute('data-rank')]; })()""")
            c = [c for c in cands if c["rank"] == last[2]][0]
            if last[0] or c["fix"] not in last[1]:
                fail("the last candidate row opened on %r" % last[1][:200])
            det = b.eval("""(function () {
                var r = document.querySelector('#cands tr.cand');
                r.click();
                var d = r.nextElementSibling;
                return [d.hidden, d.textContent,
                  +r.getAttribute('data-rank')]; })()""")
            c = [c for c in cands if c["rank"] == det[2]][0]
            if det[0]:
                fail("clicking a candidate row did not open its details")
            for k in ("reason", "fix"):
                if c.get(k) and c[k] not in det[1]:
                    fail("candidate %d's details lack its %s" %
                         (c["rank"], k))
            for tp in c.get("top_paths", []):
                if tp["path"] not in det[1]:
                    fail("candidate %d's details lack %s" %
                         (c["rank"], tp["path"]))
            # Its command's copy button copies (or, without clipboard
            # access, as in headless Chromium, selects) and leaves the row
            # open.
            if c.get("command"):
                got = b.eval("""new Promise(function (done) {
                    var r = document.querySelector('#cands tr.cand');
                    var bt = r.nextElementSibling.querySelector('.copy');
                    bt.click();
                    setTimeout(function () {
                      done([bt.textContent, r.nextElementSibling.hidden,
                        String(window.getSelection())]); }, 300); })""")
                if got[0] not in ("copied", "selected") or got[1]:
                    fail("copy button: %s" % got)
                elif got[0] == "selected" and got[2] != c["command"]:
                    fail("copy button selected %r" % got[2])

        # Treemap: boxes, and a click opens a purpose with breadcrumbs.
        if rep.get("purposes"):
            nbox = b.eval("+document.getElementById('treemap')"
                          ".getAttribute('data-boxes')")
            if not nbox:
                fail("the treemap drew no box")
            crumbs = b.eval("""(function () {
                var t = document.querySelector('#treemap .tm:not(.leaf)');
                if (!t) return -1;
                t.click();
                return document.querySelectorAll('#crumbs button').length;
              })()""")
            if crumbs != 1:
                fail("opening a treemap box: %s breadcrumb buttons" % crumbs)

        # With --policy: passed or failed, and each broken rule.
        if rep.get("policy"):
            pol = rep["policy"]
            got = b.eval("(function () { var d = document.querySelector("
                         "'#policy [data-passed]'); return d ? [d."
                         "getAttribute('data-passed'), d.textContent] : "
                         "null; })()")
            if got is None or got[0] != ("1" if pol["passed"] else "0"):
                fail("policy banner %s, the report says passed=%s" %
                     (got, pol["passed"]))
            else:
                for v in pol.get("violations", []):
                    if v["message"] not in got[1]:
                        fail("policy banner lacks %r" % v["message"])

        # Layers and packages.
        nl = b.eval("document.querySelectorAll('#layers .lrow').length")
        if nl != len(rep["layers"]):
            fail("%d layer bars for %d layers" % (nl, len(rep["layers"])))
        np_ = b.eval("+document.getElementById('pkgs')"
                     ".getAttribute('data-count')")
        if np_ != len(rep.get("packages", [])):
            fail("package table counts %s, the report %d" %
                 (np_, len(rep.get("packages", []))))

        # The package filters: a name, then a purpose.
        pk = rep.get("packages", [])
        if pk:
            name = pk[-1]["name"]
            n = b.eval("""(function (v) {
                var q = document.getElementById('pkg-q');
                q.value = v; q.dispatchEvent(new Event('input'));
                return document.querySelectorAll('#pkgs tr.pkg').length;
              })(%s)""" % json.dumps(name))
            want = sum(1 for k in pk if name.lower() in k["name"].lower())
            if n != min(want, 100):
                fail("package filter %r: %d rows, expected %d" %
                     (name, n, want))
            b.eval("(function () { var q = document.getElementById("
                   "'pkg-q'); q.value = ''; q.dispatchEvent(new Event("
                   "'input')); })()")
            p = pk[0]["purpose"]
            n = b.eval("""(function (v) {
                var s = document.getElementById('pkg-purpose');
                s.value = v; s.dispatchEvent(new Event('change'));
                return document.querySelectorAll('#pkgs tr.pkg').length;
              })(%s)""" % json.dumps(p))
            want = sum(1 for k in pk if k["purpose"] == p)
            if n != min(want, 100):
                fail("package purpose %s: %d rows, expected %d" %
                     (p, n, want))

        # Hostile strings: shown as text, nothing run.
        text = b.eval("document.body.textContent")
        for path, _ in HOSTILE_FILES:
            if "/" + path in json.dumps(rep, ensure_ascii=False) and \
                    "/" + path not in text:
                fail("the hostile path %r is not shown as text" % path)
        if HOSTILE_CREATED_BY in json.dumps(rep) and \
                HOSTILE_CREATED_BY not in text:
            fail("the hostile created_by is not shown as text")
        if b.eval("typeof window.__xss") != "undefined":
            fail("window.__xss is set: an image string ran as script")
        n = b.eval("document.querySelectorAll('img, iframe, object, embed,"
                   " [onerror], [onload]').length")
        if n:
            fail("%d elements the page never makes (img, handlers)" % n)
        n = b.eval("document.scripts.length")
        if n != 2:
            fail("%d script elements in the DOM, not 2" % n)
        for e in b.errors():
            fail("browser: " + e)
    finally:
        b.close()


# ---- md ----

def check_md(md_path, report_path):
    rep = json.load(open(report_path))
    md = open(md_path, encoding="utf-8").read()
    lines = md.split("\n")
    cands = rep.get("candidates", [])
    try:
        i = lines.index("#### Removal candidates")
    except ValueError:
        fail("no candidates heading")
        return
    rows = []
    for line in lines[i + 4:]:
        if not line.startswith("| "):
            break
        rows.append(line)
    if len(rows) != min(10, len(cands)):
        fail("%d candidate rows, expected %d" % (len(rows),
                                                 min(10, len(cands))))
    for row, c in zip(rows, cands):
        cells = md_cells(row)
        if len(cells) != 7:
            fail("candidate row has %d cells: %s" % (len(cells), row))
            continue
        if cells[0] != str(c["rank"]) or cells[3] != human(c["bytes_saved"]):
            fail("row %s does not match candidate %d (%s)" %
                 (row, c["rank"], human(c["bytes_saved"])))
    if "<" in md.replace("\\<", ""):
        fail("a '<' that is not escaped: the summary may hold HTML")
    for layer in rep["layers"]:
        row = [x for x in lines if x.startswith("| %d | %s |" % (
            layer["index"], human(layer["bytes"])))]
        if not row:
            fail("no row for layer %d" % layer["index"])
            continue
        cells = md_cells(row[0])
        cb = layer.get("created_by") or "-"
        if len(cells) != 6:
            fail("layer row has %d cells: %s" % (len(cells), row[0]))
        elif len(cb) <= 120 and md_unescape(cells[5]) != cb.strip():
            fail("layer %d's created_by reads %r in Markdown, not %r" %
                 (layer["index"], md_unescape(cells[5]), cb))


def md_cells(row):
    """The cells of a table row, split on the '|' that are not escaped."""
    cells, cur, esc = [], "", False
    for ch in row.strip()[1:-1]:
        if esc:
            cur += "\\" + ch
            esc = False
        elif ch == "\\":
            esc = True
        elif ch == "|":
            cells.append(cur.strip())
            cur = ""
        else:
            cur += ch
    cells.append(cur.strip())
    return cells


def md_unescape(cell):
    """What GitHub shows for a cell: backslash escapes removed."""
    out, esc = "", False
    for ch in cell:
        if esc:
            out += ch
            esc = False
        elif ch == "\\":
            esc = True
        else:
            out += ch
    return out


def inflate(html_in, report_path, html_out, npkg):
    """html_in with its JSON block replaced by report_path's report grown
    to an image of hundreds of thousands of files: npkg packages, 127
    layers, 300 candidates with ten top paths each, 200 findings and 100
    rows in every top-N list, every path 150 characters or more.  The block
    is escaped as report_html_json() escapes it; the script, stylesheet and
    CSP are the page's own."""
    rep = json.load(open(report_path))
    long = "/usr/local/lib/python3.11/site-packages/" + "x" * 90
    pk0 = rep["packages"] or [{"ecosystem": "pip", "name": "p",
                               "version": "1", "purpose": "runtime",
                               "files": 1, "requires": [], "layers": []}]
    pk = []
    for i in range(npkg):
        p = dict(pk0[i % len(pk0)])
        p["name"] = "%s-%d" % (p["name"], i)
        p["bytes"] = 10_000_000_000 // (i + 1)
        p["files"] = 500_000 // npkg
        p["database"] = long + "/%d.dist-info/METADATA" % i
        p["requires"] = ["dep-%d" % j for j in range(i % 7)]
        p["layers"] = [{"index": i % 127, "bytes": p["bytes"]}]
        pk.append(p)
    rep["packages"] = pk
    purposes = sorted({p["purpose"] for p in pk})
    rep["purposes"] = [{"purpose": x, "bytes": sum(p["bytes"] for p in pk
                                                   if p["purpose"] == x),
                        "files": 1, "removable": "no"} for x in purposes]
    l0 = rep["layers"][0]
    rep["layers"] = [dict(l0, index=i, created_by="/bin/sh -c step %d " % i
                          + "y" * 200) for i in range(127)]
    c0 = rep["candidates"][0]
    rep["candidates"] = [dict(c0, rank=i + 1, bytes_saved=10**9 // (i + 1),
                              top_paths=[{"path": long + "/%d/%d" % (i, j),
                                          "bytes": 1000 - j}
                                         for j in range(10)],
                              paths=[long + "/%d/%d" % (i, j)
                                     for j in range(10)])
                         for i in range(300)]
    rep["findings"] = [{"kind": "k", "title": "finding %d" % i,
                        "detail": long} for i in range(200)]
    for key in ("largest_files", "largest_dirs", "wasted_files"):
        rep[key] = [{"path": long + "/%d" % i, "bytes": 10**9 // (i + 1),
                     "layer": 1} for i in range(100)]
    rep["totals"]["final_files"] = 500_000
    data = json.dumps(rep, separators=(",", ":"), ensure_ascii=False)
    for c, e in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                 ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        data = data.replace(c, e)
    page = open(html_in, encoding="utf-8").read()
    start = page.index('id="report-data">') + len('id="report-data">')
    end = page.index("</script>", start)
    with open(html_out, "w", encoding="utf-8") as f:
        f.write(page[:start] + data + page[end:])
    print("%s: %d packages, %d candidates, %d layers" % (
        html_out, len(pk), len(rep["candidates"]), len(rep["layers"])))


def bench(html_path, runs):
    url = "file://" + os.path.abspath(html_path)
    times, draws, parts = [], [], ""
    # A fresh browser each time: the cost of opening the file cold.
    for _ in range(runs):
        b = Browser()
        try:
            times.append(b.load(url))
            draws.append(float(b.eval("document.documentElement"
                                      ".getAttribute('data-draw-ms')")))
            parts = b.eval("document.documentElement"
                           ".getAttribute('data-parts-ms')")
            if b.eval("document.documentElement.getAttribute("
                      "'data-ready')") != "1":
                fail("the page did not finish drawing")
            for e in b.errors():
                fail("browser: " + e)
        finally:
            b.close()
    times.sort()
    draws.sort()
    print("%s: %d bytes; load %s ms (median %.0f ms of %d; of which "
          "parsing the JSON and drawing, median %.0f ms)" % (
              html_path, os.path.getsize(html_path),
              " ".join("%.0f" % x for x in times), times[len(times) // 2],
              runs, draws[len(draws) // 2]))
    print("  last run, ms: %s" % parts)


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__ or "usage: see the header\n")
        return 2
    cmd = argv[1]
    if cmd == "derive":
        derive(argv[2], argv[3])
        return 0
    if cmd == "many-files":
        many_files(argv[2], argv[3], int(argv[4]))
        return 0
    if cmd in ("page", "bench") and chromium_path() is None:
        print("SKIP: no chromium")
        return 77
    try:
        if cmd == "page":
            check_page(argv[2], argv[3])
        elif cmd == "md":
            check_md(argv[2], argv[3])
        elif cmd == "inflate":
            inflate(argv[2], argv[3], argv[4], int(argv[5]))
        elif cmd == "bench":
            bench(argv[2], int(argv[3]) if len(argv) > 3 else 5)
        else:
            sys.stderr.write("html_check.py: unknown command %s\n" % cmd)
            return 2
    except (OSError, RuntimeError, TimeoutError, ValueError, KeyError,
            IndexError, TypeError) as e:
        fail("%s: %s: %s" % (cmd, type(e).__name__, e))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
