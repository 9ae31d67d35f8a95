#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# registry_scan.sh: `imgaudit scan docker://HOST:PORT --db FILE`, `history`
# and `merge` against Debian's docker-registry on 127.0.0.1
# (registry_lib.sh), with
#
#	basic:latest      oci:$IMAGES/basic/oci-gzip
#	demo:1, demo:copy the same demo image under two tags (one digest)
#	demo:2            demo plus one layer: shares demo:1's six layer blobs
#	hostile:latest    basic plus one layer whose history (created_by) and
#	                  file name are HTML
#	multiarch:latest  an index (skopeo copy --all)
#	corrupt:latest    basic's docker archive, one layer blob corrupted in
#	                  the registry's storage
#
# Facts, from the builder's expected.json, the registry's access log and
# the database itself (python's sqlite3):
#  - the cold scan visits every tag and fetches no blob twice: demo:copy,
#    whose digest demo:1 was audited under just before, and demo:2's six
#    shared layers cost no download; corrupt:latest is a row with a "digest
#    mismatch" error and the scan goes on (exit 0);
#  - the stored reports' totals equal expected.json (basic, demo, demo:2);
#  - --html-dir: an index and one page per stored report, well-formed, with
#    a strict Content-Security-Policy whose hash is the page's stylesheet,
#    no script, an SVG chart per repository, hostile strings escaped;
#  - demo:1 is then re-pushed as demo:2's image; the warm scan downloads no
#    blob (but corrupt's), asks one manifest per tag, adds one row per tag,
#    and `history` shows demo:1's new digest, its +2B, and the REMOVABLE
#    column; `history REPO --html-dir` writes that repository's pages;
#  - --shard K/3 for K = 1..3 visit disjoint sets of tags that together are
#    all of them, and `merge` of the three databases has the same reports and
#    the same images as one scan (merging twice adds nothing);
#  - through a proxy that answers 429 and 503 once per manifest and tag
#    list and drops every blob's connection half way once, the scan ends
#    with the same images and reports as a direct one: each drop resumed
#    with a Range request from the byte it stopped at (a small blob read
#    whole by a non-streaming request is simply asked again);
#  - a scan SIGKILLed after its first and third image, and at three times,
#    then restarted, ends with the same reports, the same layers cached and
#    the same last digest per tag as an uninterrupted scan into a fresh
#    database;
#  - behind htpasswd: credentials from REGISTRY_AUTH_FILE and from
#    ~/.docker/config.json work, wrong --creds exit 2 with one line naming
#    the registry and saying authentication failed, and the password is in
#    neither the output, the database nor the pages;
#  - behind bearer tokens (token_server.py): the scan, catalog included.
# The cold and warm scans' wall times and bytes (from the access log) are
# printed as notes ("cold scan:", "warm scan:").

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/registry_lib.sh"

reg_need_tools
need_binary
for name in basic demo multiarch; do need_image "$name"; done

reg_start plain none || abort "docker-registry would not start"
addr=${REG_ADDR[plain]}
oci_ref() {
	python3 -c 'import json, sys
m = json.load(open(sys.argv[1] + "/index.json"))["manifests"]
print(m[0].get("annotations", {}).get("org.opencontainers.image.ref.name", ""))' "$1"
}
ref_demo=$(oci_ref "$IMAGES/demo/oci-gzip")
ref_basic=$(oci_ref "$IMAGES/basic/oci-gzip")
reg_derive_layout "$IMAGES/demo/oci-gzip" "$IMAGES/demo/expected.json" \
    "$T/demo2" "/bin/sh -c echo 2 > /srv/VERSION" "srv/VERSION" 2 ||
    abort "could not write the demo:2 layout"
reg_derive_layout "$IMAGES/basic/oci-gzip" "$IMAGES/basic/expected.json" \
    "$T/hostile" "/bin/sh -c echo '<script>alert(1)</script>' > \"/srv/<img src=x onerror=alert(2)>\"" \
    "srv/<img src=x onerror=alert(2)>" "<script>alert(3)</script>" ||
    abort "could not write the hostile layout"
reg_push plain "oci:$IMAGES/basic/oci-gzip:$ref_basic" basic:latest &&
reg_push plain "oci:$IMAGES/demo/oci-gzip:$ref_demo" demo:1 &&
reg_push plain "oci:$IMAGES/demo/oci-gzip:$ref_demo" demo:copy &&
reg_push plain "oci:$T/demo2:$ref_demo" demo:2 &&
reg_push plain "oci:$T/hostile:$ref_basic" hostile:latest &&
reg_push plain "oci:$IMAGES/multiarch/oci-gzip:$(oci_ref "$IMAGES/multiarch/oci-gzip")" multiarch:latest --all &&
reg_push plain "docker-archive:$IMAGES/basic/docker-archive.tar" corrupt:latest ||
    abort "pushing the test images failed"
# Corrupt the last layer of corrupt:latest (its blobs are skopeo's own).
reg_corrupt_last_layer plain corrupt latest
ntags=7

scan() {	# scan TAG DB [ARGS...]
	local tag=$1 db=$2
	shift 2
	run_ia "$tag" scan "docker://$addr" --db "$db" --tls-verify=false "$@"
}

# log_facts MARK OUT: what the registry served after line MARK of its access
# log, as JSON: blob GETs by repository and digest, manifest GETs by
# repository, bytes of blobs and of everything.
log_facts() {
	tail -n +"$(($1 + 1))" "${REG_DIR[plain]}/access.log" | python3 -c '
import json, re, sys
out = {"blobs": {}, "manifests": {}, "blob_bytes": 0, "all_bytes": 0}
for line in sys.stdin:
    m = re.search(r"\"(GET|HEAD) (/v2/\S*) HTTP/[0-9.]+\" (\d+) (\d+|-)", line)
    if not m:
        continue
    meth, path, status, size = m.groups()
    size = int(size) if size.isdigit() else 0
    out["all_bytes"] += size
    b = re.match(r"/v2/(.+)/blobs/(sha256:[0-9a-f]+)", path)
    if b and meth == "GET":
        out["blobs"].setdefault(b.group(1), []).append(b.group(2))
        out["blob_bytes"] += size
    mm = re.match(r"/v2/(.+)/manifests/", path)
    if mm and meth == "GET":
        out["manifests"][mm.group(1)] = out["manifests"].get(mm.group(1), 0) + 1
json.dump(out, sys.stdout)' >"$2"
}

# ---- the cold scan ------------------------------------------------------------

mark=$(reg_log_mark plain)
t0=$EPOCHREALTIME
scan scan1 "$T/scans.db" --html-dir "$T/html"
t1=$EPOCHREALTIME
expect_rc 0 "cold scan"
check "cold scan reports the corrupt image $(last_run)" grep -q "digest mismatch" "$ERR"
log_facts "$mark" "$T/cold.json"
note "cold scan: $(python3 -c 'import json,sys; f=json.load(open(sys.argv[1])); print("%.2f s, %d blob GETs, %d blob bytes, %d bytes in all" % (float(sys.argv[3]) - float(sys.argv[2]), sum(len(v) for v in f["blobs"].values()), f["blob_bytes"], f["all_bytes"]))' "$T/cold.json" "$t0" "$t1")"
pyfact "cold scan: no blob fetched twice; demo:copy and demo:2's shared layers not downloaded" \
    "$T/cold.json" "$T/demo2/index.json" "$T/demo2" <<'PY'
import json, os, sys
f = json.load(open(sys.argv[1]))
bad = []
for repo, ds in f["blobs"].items():
    dup = {d for d in ds if ds.count(d) > 1}
    if dup: bad.append("%s: fetched twice: %s" % (repo, sorted(dup)))
d2 = sys.argv[3]
idx = json.load(open(sys.argv[2]))
man = json.load(open(os.path.join(d2, "blobs", "sha256", idx["manifests"][0]["digest"][7:])))
layers = [l["digest"] for l in man["layers"]]
demo = f["blobs"].get("demo", [])
want = set(layers) | {man["config"]["digest"]}
# demo:1's six layers and config, demo:2's new layer and config: 9 blobs.
if len(demo) != 9: bad.append("demo: %d blob GETs, want 9 (%r)" % (len(demo), demo))
if not set(demo) >= want: bad.append("demo: demo:2's blobs not all fetched")
print("\n".join(bad)); sys.exit(1 if bad else 0)
PY
pyfact "cold scan: rows, reports and totals" "$T/scans.db" "$IMAGES/basic/expected.json" \
    "$IMAGES/demo/expected.json" "$T/demo2/expected.json" <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute("select repo, tag, digest, error from scans order by repo, tag").fetchall()
bad = []
tags = [(r[0], r[1]) for r in rows]
want = [("basic", "latest"), ("corrupt", "latest"), ("demo", "1"), ("demo", "2"),
        ("demo", "copy"), ("hostile", "latest"), ("multiarch", "latest")]
if tags != want: bad.append("rows %r" % tags)
err = {(r[0], r[1]): r[3] for r in rows}
if not (err.get(("corrupt", "latest")) or "").count("digest mismatch"): bad.append("corrupt error %r" % err.get(("corrupt", "latest")))
if any(e for k, e in err.items() if k[0] != "corrupt"): bad.append("errors %r" % err)
dig = {(r[0], r[1]): r[2] for r in rows}
if dig[("demo", "1")] != dig[("demo", "copy")]: bad.append("demo tags differ in digest")
reports = dict(db.execute("select manifest_digest, json from reports").fetchall())
if len(reports) != 5: bad.append("%d reports" % len(reports))
for (key, exp) in ((("basic", "latest"), sys.argv[2]), (("demo", "1"), sys.argv[3]), (("demo", "2"), sys.argv[4])):
    e = json.load(open(exp))["totals"]
    r = json.loads(reports[dig[key]])["totals"]
    for k in ("final_bytes", "final_files", "layer_bytes", "wasted_bytes"):
        if r[k] != e[k]: bad.append("%s %s %r != %r" % (key, k, r[k], e[k]))
print("\n".join(bad)); sys.exit(1 if bad else 0)
PY

# The pages: well-formed, self-contained, escaped.
check_html() {	# check_html DESC DIR DB|- NPAGES NCHARTS
	pyfact "$1" "$2" "$3" "$4" "$5" <<'PY'
import base64, hashlib, html.parser, os, re, sqlite3, sys
d, dbp, npages, ncharts = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
bad = []
files = sorted(os.listdir(d))
if "index.html" not in files: bad.append("no index.html")
if len(files) != npages: bad.append("%d files, want %d: %r" % (len(files), npages, files))
VOID = {"meta", "br", "img", "hr", "link", "input"}	# SVG elements close with />
class P(html.parser.HTMLParser):
    def __init__(s):
        super().__init__(); s.stack = []; s.errs = []; s.tags = []; s.attrs = []
    def handle_starttag(s, t, a):
        s.tags.append(t); s.attrs.append((t, dict(a)))
        if t not in VOID: s.stack.append(t)
    def handle_startendtag(s, t, a):
        s.tags.append(t); s.attrs.append((t, dict(a)))
    def handle_endtag(s, t):
        if not s.stack or s.stack[-1] != t:
            s.errs.append("</%s> closes <%s>" % (t, s.stack[-1] if s.stack else "nothing"))
        else:
            s.stack.pop()
for f in files:
    text = open(os.path.join(d, f), encoding="utf-8").read()
    p = P(); p.feed(text); p.close()
    if p.errs or p.stack: bad.append("%s: not well-formed: %r %r" % (f, p.errs[:3], p.stack))
    if set(p.tags) & {"script", "iframe", "img", "object", "embed", "link", "form", "b"}:
        bad.append("%s: tags %r" % (f, sorted(set(p.tags) & {"script", "iframe", "img", "object", "embed", "link", "form", "b"})))
    for t, a in p.attrs:
        for k, v in a.items():
            if k.startswith("on") or k == "style" or k == "src":
                bad.append("%s: <%s %s=>" % (f, t, k))
            if k == "href" and (":" in (v or "") or (v or "").startswith("/")):
                bad.append("%s: link out of the directory %r" % (f, v))
            elif k == "href" and not os.path.isfile(os.path.join(d, v or "")):
                bad.append("%s: dead link %r" % (f, v))
    metas = [a for t, a in p.attrs if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    css = re.search(r"<style>(.*?)</style>", text, re.S)
    h = "sha256-" + base64.b64encode(hashlib.sha256(css.group(1).encode()).digest()).decode() if css else "?"
    want = "default-src 'none'; style-src '%s'; img-src 'none'; base-uri 'none'; form-action 'none'" % h
    if len(metas) != 1 or metas[0].get("content") != want:
        bad.append("%s: CSP %r, want %r" % (f, metas, want))
if dbp != "-":
    for (dg,) in sqlite3.connect(dbp).execute("select manifest_digest from reports"):
        if "sha256-%s.html" % dg[7:] not in files: bad.append("no page for %s" % dg)
idx = open(os.path.join(d, "index.html")).read()
if idx.count("<svg") != ncharts: bad.append("index: %d charts, want %d" % (idx.count("<svg"), ncharts))
print("\n".join(bad)); sys.exit(1 if bad else 0)
PY
}
check_html "scan --html-dir: pages well-formed, CSP, no script, every report" \
    "$T/html" "$T/scans.db" 6 4
hostile_page=$(grep -l 'hostile:latest' "$T/html"/sha256-*.html | head -n 1)
check "scan --html-dir: the hostile created_by is shown escaped" \
    grep -qF "echo &#39;&lt;script&gt;alert(1)&lt;/script&gt;&#39; &gt; &quot;/srv/&lt;img src=x onerror=alert(2)&gt;&quot;" "${hostile_page:-/dev/null}"
check "scan --html-dir: the corrupt image's error is on the index" \
    grep -q 'failed: .*digest mismatch' "$T/html/index.html"
check "scan prints where the pages are" grep -q "wrote 6 HTML pages to $T/html/" "$OUT"

# ---- the warm scan, demo:1 moved to demo:2's image --------------------------

reg_push plain "oci:$T/demo2:$ref_demo" demo:1 || abort "re-pushing demo:1 failed"
sleep 1		# a later scanned_at than the cold scan's
mark=$(reg_log_mark plain)
t0=$EPOCHREALTIME
scan scan2 "$T/scans.db"
t1=$EPOCHREALTIME
expect_rc 0 "warm scan"
log_facts "$mark" "$T/warm.json"
note "warm scan: $(python3 -c 'import json,sys; f=json.load(open(sys.argv[1])); print("%.2f s, %d blob GETs (%d outside corrupt/), %d blob bytes, %d bytes in all" % (float(sys.argv[3]) - float(sys.argv[2]), sum(len(v) for v in f["blobs"].values()), sum(len(v) for k, v in f["blobs"].items() if k != "corrupt"), f["blob_bytes"], f["all_bytes"]))' "$T/warm.json" "$t0" "$t1")"
pyfact "warm scan: no blob downloaded, one manifest GET per tag (corrupt aside)" "$T/warm.json" <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))
bad = []
b = {k: v for k, v in f["blobs"].items() if k != "corrupt"}
if b: bad.append("blob GETs: %r" % b)
m = {k: v for k, v in f["manifests"].items() if k != "corrupt"}
want = {"basic": 1, "demo": 3, "hostile": 1, "multiarch": 1}
if m != want: bad.append("manifest GETs %r, want %r" % (m, want))
print("\n".join(bad)); sys.exit(1 if bad else 0)
PY
rows=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from scans").fetchone()[0])' "$T/scans.db")
check "warm scan adds one row per tag ($rows rows)" test "$rows" -eq $((2 * ntags))
check "warm scan: demo:1 is 'unchanged' (its new digest was audited as demo:2)" \
    grep -qE '^demo:1 +sha256:[0-9a-f]+ +unchanged$' "$OUT"

# The same images analysed otherwise (another --kb-extra): no report is
# taken as unchanged, and every layer still comes from the database.
printf -- '-- a knowledge base that differs by this comment\n' >"$T/other.sql"
mark=$(reg_log_mark plain)
scan scan-kb "$T/scans.db" --kb-extra "$T/other.sql"
expect_rc 0 "scan --kb-extra over the warm database"
log_facts "$mark" "$T/kb.json"
check "scan --kb-extra: demo:1 is audited again, not 'unchanged'" \
    grep -qE '^demo:1 +sha256:[0-9a-f]+ +audited$' "$OUT"
pyfact "scan --kb-extra: each digest's first tag is audited (or failed), not 'unchanged'" "$OUT" <<'PY'
import sys
seen, bad = set(), []
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) != 3 or line.startswith("scanned "):
        continue
    if f[1] not in seen and f[2] == "unchanged":
        bad.append(line.strip())
    seen.add(f[1])
sys.exit("\n".join(bad) if bad else 0)
PY
check "scan --kb-extra: no layer pulled, every one from the database $(tail -1 "$OUT")" \
    grep -qE '^scanned [0-9]+ images: .*; 0 layers pulled \(0B\), [1-9][0-9]* from the database$' "$OUT"
python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("delete from scans where id > ?", (int(sys.argv[2]),)); c.commit()' \
    "$T/scans.db" $((2 * ntags)) || abort "cannot drop the --kb-extra scan's rows"

run_ia hist history --db "$T/scans.db"
expect_rc 0 "history"
check "history: a REMOVABLE column" grep -qE '^SCANNED \(UTC\) +IMAGE +DIGEST +PULL +SIZE +WASTED +REMOVABLE +ERROR$' "$OUT"
check "history: one line per row, the change lines after" \
    test "$(grep -cE '^[0-9]{4}-' "$OUT")" -eq $((2 * ntags))
check "history: demo:1 has a new digest, 2 bytes more" \
    grep -qE '^demo:1 since the previous scan: new digest sha256:[0-9a-f]{64}, pull \+[0-9.]+[kM]?B, size \+2B, wasted +0B, removable +0B$' "$OUT"
check "history: basic:latest has the same digest" \
    grep -qE '^basic:latest since the previous scan: same digest, pull +0B, size +0B, wasted +0B, removable +0B$' "$OUT"
run_ia hist-demo history --db "$T/scans.db" demo:1 --html-dir "$T/html-demo"
expect_rc 0 "history demo:1 --html-dir"
check "history demo:1: only demo:1's rows" test "$(grep -cE '^[0-9]{4}-' "$OUT")" -eq 2
check_html "history demo:1 --html-dir: its two images and the index" \
    "$T/html-demo" - 3 1
check "history demo:1 --html-dir: a line through its two scans" \
    grep -q '<polyline' "$T/html-demo/index.html"
run_ia hist-bad history --db "$T/scans.db" --html-dir "$T/scans.db"
expect_rc 2 "history --html-dir onto a file"
check "history --html-dir onto a file: says so $(last_run)" \
    grep -q "^imgaudit: $T/scans.db: cannot create the HTML directory: not a directory$" "$ERR"

# ---- shards and merge ------------------------------------------------------------

scan fresh "$T/fresh.db" --quiet
expect_rc 0 "uninterrupted scan"
for k in 1 2 3; do
	scan "shard$k" "$T/shard$k.db" --shard "$k/3"
	expect_rc 0 "scan --shard $k/3"
done
run_ia merge merge "$T/merged.db" "$T/shard1.db" "$T/shard2.db" "$T/shard3.db"
expect_rc 0 "merge of the three shards"
run_ia merge2 merge "$T/merged.db" "$T/shard1.db" "$T/shard2.db" "$T/shard3.db"
expect_rc 0 "merge again"
pyfact "shards: disjoint, all tags together; merged = one scan" "$T/fresh.db" \
    "$T/merged.db" "$T/shard1.db" "$T/shard2.db" "$T/shard3.db" <<'PY'
import sqlite3, sys
def q(p, sql): return sqlite3.connect(p).execute(sql).fetchall()
fresh, merged, shards = sys.argv[1], sys.argv[2], sys.argv[3:]
bad = []
seen = []
for s in shards:
    t = [(r, g) for r, g in q(s, "select repo, tag from scans")]
    if not t: bad.append("%s: no tag" % s)
    seen += t
if sorted(seen) != sorted(set(seen)): bad.append("shards overlap: %r" % sorted(seen))
want = q(fresh, "select repo, tag, digest, error is null from scans order by repo, tag")
got = q(merged, "select repo, tag, digest, error is null from scans order by repo, tag")
if got != want: bad.append("merged rows %r\n  want %r" % (got, want))
a = dict(q(fresh, "select manifest_digest, json from reports"))
b = dict(q(merged, "select manifest_digest, json from reports"))
if a != b or len(a) != 5: bad.append("reports differ: %r vs %r" % (sorted(a), sorted(b)))
la = q(fresh, "select diff_id, blob_digest from layers order by 1, 2")
lb = q(merged, "select diff_id, blob_digest from layers order by 1, 2")
if la != lb: bad.append("layers differ: %d vs %d" % (len(la), len(lb)))
print("\n".join(bad)); sys.exit(1 if bad else 0)
PY

# ---- through a flaky proxy: 429s, 503s and connections dropped mid-blob -------

if reg_flaky_start plain; then
	run_ia flaky scan "docker://$FLAKY_ADDR" --db "$T/flaky.db" --tls-verify=false
	expect_rc 0 "scan through the flaky proxy"
	pyfact "flaky proxy: the same images and reports as a direct scan; each drop resumed at its byte" \
	    "$T/fresh.db" "$T/flaky.db" "$FLAKY_LOG" <<'PY'
import json, re, sqlite3, sys
def q(p, sql): return sqlite3.connect(p).execute(sql).fetchall()
bad = []
rows = "select repo, tag, digest, error is null from scans order by repo, tag"
if q(sys.argv[1], rows) != q(sys.argv[2], rows):
    bad.append("rows %r\n  want %r" % (q(sys.argv[2], rows), q(sys.argv[1], rows)))
def reports(p):
    out = {}
    for d, j in q(p, "select manifest_digest, json from reports"):
        r = json.loads(j)
        r["image"].pop("ref")      # the proxy's address, not the registry's
        out[d] = r
    return out
a, b = reports(sys.argv[1]), reports(sys.argv[2])
if a != b or len(a) != 5: bad.append("reports differ: %r vs %r" % (sorted(a), sorted(b)))
log = [json.loads(l) for l in open(sys.argv[3])]
drops = [(e["path"], int(re.match(r"drop after (\d+)", e["did"]).group(1))) for e in log
         if e["did"].startswith("drop")]
if len(drops) < 5: bad.append("only %d drops" % len(drops))
for path, n in drops:
    resumed = [e for e in log if e["path"] == path and e["range"] == "bytes=%d-" % n]
    whole = [e for e in log if e["path"] == path and not e["range"] and not e["did"].startswith("drop")]
    if not resumed and not whole:
        bad.append("%s: dropped after %d bytes, never asked again" % (path, n))
if not any(e["range"] for e in log): bad.append("no Range request at all")
for did in ("429", "503"):
    if not any(e["did"] == did for e in log): bad.append("no %s answered" % did)
print("\n".join(bad)); sys.exit(1 if bad else 0)
PY
	note "flaky proxy: $(grep -c '"did": "drop' "$FLAKY_LOG") drops, $(grep -c '"range": "bytes=' "$FLAKY_LOG") Range requests, $(grep -c '"did": "429"' "$FLAKY_LOG") 429s, $(grep -c '"did": "503"' "$FLAKY_LOG") 503s"
else
	fail "the flaky proxy did not start (harness)"
fi

# ---- killed and restarted -------------------------------------------------------

# kill_after N: SIGKILL a scan into killed.db once it has finished N images.
kill_after() {
	local n=$1 pid i
	: >"$T/progress"
	"$IMGAUDIT" scan "docker://$addr" --db "$T/killed.db" --tls-verify=false \
	    --jobs 1 >"$T/progress" 2>/dev/null </dev/null &
	pid=$!
	for ((i = 0; i < 600; i++)); do
		[ "$(grep -c '' "$T/progress")" -ge "$n" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.01
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	note "killed after $(grep -c '' "$T/progress") of $ntags images (wanted $n)"
}
kill_after 1
kill_after 3
for at in 0.3 0.8 1.5; do
	timeout -s KILL "$at" "$IMGAUDIT" scan "docker://$addr" --db "$T/killed.db" \
	    --tls-verify=false --quiet >/dev/null 2>&1
done
scan resumed "$T/killed.db" --quiet
expect_rc 0 "resumed scan"
pyfact "killed and resumed: the same reports, layers and digests" "$T/fresh.db" "$T/killed.db" <<'PY'
import sqlite3, sys
def q(p, sql): return sqlite3.connect(p).execute(sql).fetchall()
bad = []
a, b = (dict(q(p, "select manifest_digest, json from reports")) for p in sys.argv[1:3])
if a != b or len(a) != 5: bad.append("reports: fresh %r, resumed %r" % (sorted(a), sorted(b)))
# The keys: a layer's cached bytes are not byte-identical between two runs
# (per-file compressed-size estimates follow how the bytes arrived).
la, lb = (q(p, "select diff_id, blob_digest from layers order by 1, 2") for p in sys.argv[1:3])
if la != lb or not la: bad.append("layers: fresh %d, resumed %d" % (len(la), len(lb)))
last = ("select repo, tag, digest, error is null from scans s where id ="
        " (select max(id) from scans t where t.repo = s.repo and t.tag is s.tag) order by 1, 2")
ra, rb = (q(p, last) for p in sys.argv[1:3])
if ra != rb: bad.append("last rows: fresh %r, resumed %r" % (ra, rb))
print("\n".join(bad)); sys.exit(1 if bad else 0)
PY

# ---- credentials -------------------------------------------------------------------

user=carol pass="pw-$RANDOM$RANDOM-secret"
: >"$T/htpasswd"
if reg_htpasswd "$T/htpasswd" "$user" "$pass"; then
	if reg_start locked htpasswd "$T/htpasswd"; then
		L=${REG_ADDR[locked]}
		if reg_push locked "oci:$IMAGES/basic/oci-gzip:$ref_basic" basic:latest \
		    --dest-creds "$user:$pass"; then
			b64=$(printf '%s:%s' "$user" "$pass" | base64 -w0)
			printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$L" "$b64" >"$T/locked-auth.json"
			REGISTRY_AUTH_FILE=$T/locked-auth.json run_ia auth-file scan \
			    "docker://$L" --db "$T/locked.db" --tls-verify=false --html-dir "$T/html-locked"
			expect_rc 0 "htpasswd: scan with REGISTRY_AUTH_FILE"
			check "htpasswd: REGISTRY_AUTH_FILE: basic:latest audited" \
			    grep -qE '^basic:latest +sha256:[0-9a-f]+ +audited$' "$OUT"
			mkdir -p "$T/home/.docker"
			printf '{"auths":{"http://%s":{"auth":"%s"}}}\n' "$L" "$b64" >"$T/home/.docker/config.json"
			env -u REGISTRY_AUTH_FILE -u DOCKER_CONFIG -u XDG_RUNTIME_DIR HOME="$T/home" \
			    IMGAUDIT="$IMGAUDIT" bash -c '"$IMGAUDIT" scan "docker://$1" --db "$2" --tls-verify=false' \
			    _ "$L" "$T/locked.db" >"$T/home.out" 2>"$T/home.err"
			check "htpasswd: scan with ~/.docker/config.json (exit $?: $(head -c 300 "$T/home.err"))" \
			    grep -qE '^basic:latest +sha256:[0-9a-f]+ +unchanged$' "$T/home.out"
			run_ia wrong scan "docker://$L" --db "$T/wrong.db" --tls-verify=false \
			    --creds "$user:wrong-$pass"
			expect_rc 2 "htpasswd: scan with wrong --creds"
			check "htpasswd: wrong creds: one line $(last_run)" test "$(wc -l <"$ERR")" -eq 1
			check "htpasswd: wrong creds: names the registry, says authentication failed $(last_run)" \
			    grep -qE "^imgaudit: docker://$L.*authentication failed" "$ERR"
			for f in "$T/auth-file.out" "$T/auth-file.err" "$T/home.out" "$T/home.err" \
			    "$OUT" "$ERR" "$T/locked.db" "$T/locked.db-wal" "$T/wrong.db" "$T/wrong.db-wal" \
			    "$T/html-locked"/*; do
				[ -f "$f" ] || continue
				if grep -qaF -e "$pass" -e "$b64" "$f"; then
					fail "htpasswd: the password is in $(basename "$f")"
				else
					ok "htpasswd: no password in $(basename "$f")"
				fi
			done
		else
			fail "skopeo push with htpasswd auth failed (harness)"
		fi
		reg_stop locked
	else
		fail "docker-registry with htpasswd auth did not start (harness)"
	fi
else
	note "htpasswd part skipped: no bcrypt (python crypt / libcrypt, or htpasswd)"
fi

tuser=dave tpass="tok-$RANDOM$RANDOM-secret"
printf '%s:%s\n' "$tuser" "$tpass" >"$T/token-users"
if reg_token_start tok "$T/token-users" kid; then
	if reg_start tokenauth token tok; then
		K=${REG_ADDR[tokenauth]}
		if reg_push tokenauth "oci:$IMAGES/basic/oci-gzip:$ref_basic" basic:latest \
		    --dest-creds "$tuser:$tpass"; then
			run_ia token scan "docker://$K" --db "$T/token.db" --tls-verify=false \
			    --creds "$tuser:$tpass"
			expect_rc 0 "token: scan --creds"
			check "token: basic:latest audited $(last_run)" \
			    grep -qE '^basic:latest +sha256:[0-9a-f]+ +audited$' "$OUT"
			check "token: the catalog scope was asked for" \
			    grep -q 'registry:catalog:\*' "${TOK_DIR[tok]}/token.log"
			run_ia token-none scan "docker://$K" --db "$T/token-none.db" --tls-verify=false
			expect_rc 2 "token: scan without credentials"
			check "token: no creds: a clear message $(last_run)" \
			    grep -qiE "^imgaudit: docker://$K.*(auth|credential|denied)" "$ERR"
		else
			fail "skopeo push with token auth failed (harness)"
		fi
		reg_stop tokenauth
	else
		fail "docker-registry with token auth did not start (harness)"
	fi
else
	note "token part skipped: the token server did not start (openssl missing?)"
fi
finish
