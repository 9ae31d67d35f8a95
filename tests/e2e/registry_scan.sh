#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# registry_scan.sh: `imgaudit scan docker://HOST:PORT --db FILE` against
# Debian's docker-registry on 127.0.0.1 (registry_lib.sh), with
#
#	basic:latest      oci:$IMAGES/basic/oci-gzip
#	demo:1, demo:copy the same demo image under two tags (one digest)
#	multiarch:latest  an index (skopeo copy --all)
#	corrupt:latest    basic's docker archive, one layer blob corrupted in
#	                  the registry's storage
#
# Facts, from the builder's expected.json, the registry's access log and
# the database itself (python's sqlite3):
#  - the first scan visits every tag; demo:copy, whose digest demo:1 was
#    audited under just before, costs no blob download; corrupt:latest is a
#    row with a "digest mismatch" error and the scan goes on (exit 0);
#  - the stored reports' totals equal expected.json (basic, demo);
#  - a second scan downloads no blob of the images already audited and
#    adds one row per tag;
#  - a scan killed with SIGKILL at three points and restarted each time
#    ends with the same reports as an uninterrupted scan into a fresh
#    database.

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
reg_push plain "oci:$IMAGES/basic/oci-gzip:$(oci_ref "$IMAGES/basic/oci-gzip")" basic:latest &&
reg_push plain "oci:$IMAGES/demo/oci-gzip:$(oci_ref "$IMAGES/demo/oci-gzip")" demo:1 &&
reg_push plain "oci:$IMAGES/demo/oci-gzip:$(oci_ref "$IMAGES/demo/oci-gzip")" demo:copy &&
reg_push plain "oci:$IMAGES/multiarch/oci-gzip:$(oci_ref "$IMAGES/multiarch/oci-gzip")" multiarch:latest --all &&
reg_push plain "docker-archive:$IMAGES/basic/docker-archive.tar" corrupt:latest ||
    abort "pushing the test images failed"
# Corrupt the last layer of corrupt:latest (its blobs are skopeo's own).
reg_manifest plain corrupt latest "$T/corrupt.json" || abort "no manifest"
last=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["layers"][-1]["digest"])' "$T/corrupt.json")
f=$(reg_blob_file plain "$last")
printf 'X' | dd of="$f" bs=1 seek=4 conv=notrunc 2>/dev/null || abort "cannot corrupt $f"

scan() {	# scan TAG DB [ARGS...]
	local tag=$1 db=$2
	shift 2
	run_ia "$tag" scan "docker://$addr" --db "$db" --tls-verify=false "$@"
}

mark=$(reg_log_mark plain)
scan scan1 "$T/scans.db"
expect_rc 0 "first scan"
check "first scan reports the corrupt image $(last_run)" grep -q "digest mismatch" "$ERR"
reg_blob_gets plain "$mark"
note "first scan: $REG_BLOB_GETS blob GETs, $REG_BLOB_BYTES bytes, $REG_MANIFEST_GETS manifest GETs"
pyfact "first scan: rows, reports and totals" "$T/scans.db" "$IMAGES/basic/expected.json" "$IMAGES/demo/expected.json" <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute("select repo, tag, digest, error from scans order by repo, tag").fetchall()
bad = []
tags = [(r[0], r[1]) for r in rows]
want = [("basic", "latest"), ("corrupt", "latest"), ("demo", "1"), ("demo", "copy"), ("multiarch", "latest")]
if tags != want: bad.append("rows %r" % tags)
err = {(r[0], r[1]): r[3] for r in rows}
if not (err.get(("corrupt", "latest")) or "").count("digest mismatch"): bad.append("corrupt error %r" % err.get(("corrupt", "latest")))
if any(e for k, e in err.items() if k[0] != "corrupt"): bad.append("errors %r" % err)
dig = {(r[0], r[1]): r[2] for r in rows}
if dig[("demo", "1")] != dig[("demo", "copy")]: bad.append("demo tags differ in digest")
reports = dict(db.execute("select manifest_digest, json from reports").fetchall())
if len(reports) != 3: bad.append("%d reports" % len(reports))
for (repo, exp) in (("basic", sys.argv[2]), ("demo", sys.argv[3])):
    e = json.load(open(exp))["totals"]
    r = json.loads(reports[dig[(repo, "latest" if repo == "basic" else "1")]])["totals"]
    for k in ("final_bytes", "final_files", "layer_bytes", "wasted_bytes"):
        if r[k] != e[k]: bad.append("%s %s %r != %r" % (repo, k, r[k], e[k]))
print("\n".join(bad)); sys.exit(1 if bad else 0)
PY

mark=$(reg_log_mark plain)
scan scan2 "$T/scans.db"
expect_rc 0 "second scan"
gets=$(tail -n +"$((mark + 1))" "${REG_DIR[plain]}/access.log" | grep '"GET /v2/' | grep -v '/v2/corrupt/' | grep -c '/blobs/')
check "second scan downloads no blob of an audited image (got $gets)" test "$gets" -eq 0
rows=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from scans").fetchone()[0])' "$T/scans.db")
check "second scan adds one row per tag ($rows rows)" test "$rows" -eq 10

# Killed and restarted: the same reports as one uninterrupted scan.
scan fresh "$T/fresh.db" --quiet
expect_rc 0 "uninterrupted scan"
for at in 0.3 0.8 1.5; do
	timeout -s KILL "$at" "$IMGAUDIT" scan "docker://$addr" --db "$T/killed.db" \
	    --tls-verify=false --quiet >/dev/null 2>&1
done
scan resumed "$T/killed.db" --quiet
expect_rc 0 "resumed scan"
pyfact "killed and resumed: the same reports" "$T/fresh.db" "$T/killed.db" <<'PY'
import sqlite3, sys
a, b = (dict(sqlite3.connect(p).execute("select manifest_digest, json from reports").fetchall()) for p in sys.argv[1:3])
ok = a == b and len(a) == 3
print("" if ok else "fresh %r, resumed %r" % (sorted(a), sorted(b)))
sys.exit(0 if ok else 1)
PY
finish
