#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# packages.sh: package attribution and removal closures on the demo image
# (dpkg status + info lists written by the builder, pip dist-info with
# RECORD files, a later layer that deletes /tmp).  Expected values:
#
#  - every package of expected.json "packages" (the builder's own record of
#    the files each installer wrote, sized in its final-tree model) is in
#    the report with the same version, bytes and files, and nothing else
#    is reported as a package;
#  - owned + unowned bytes = final_bytes (expected.json);
#  - `why tensorboard`: as pip-autoremove would, worked out by hand from
#    the Requires-Dist lines build.py writes: tensorboard needs absl-py,
#    grpcio, markdown, numpy, protobuf, tensorboard-data-server and
#    werkzeug; werkzeug needs MarkupSafe; markdown's importlib-metadata is
#    not installed; numpy is also torch's, so it stays.  Bytes: the sum of
#    those eight packages' builder bytes.
#  - `why python3`: purging python3 breaks python3-pip (Depends:
#    python3:any), so apt removes both.  There is no extended_states in
#    the demo, so apt treats every package as manually installed and
#    autoremove takes nothing more.  removal.full adds what only they
#    needed, from the Depends lines build.py writes: python3.11, its
#    -minimal and libpython3.11-stdlib, ca-certificates (python3-pip's),
#    and libssl3 (needed only by libpython3.11-stdlib and ca-certificates),
#    each held by apt as "manual".
#  - `why` of a name in no database exits 2 with one line naming it.

. "$(dirname "$0")/lib.sh"

need_binary
need_image demo
img=$IMAGES/demo/oci-gzip
exp=$IMAGES/demo/expected.json

run_ia report audit --quiet --format json "$img"
expect_rc 0 "demo: JSON report" || finish
report=$OUT
pyfact "demo: packages[] equal the builder's record" "$report" "$exp" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); e = json.load(open(sys.argv[2]))
got = {(p["ecosystem"], p["name"]): p for p in r["packages"]}
want = {(p["ecosystem"], p["name"]): p for p in e["packages"]}
bad = []
for k in sorted(set(got) | set(want)):
    g, w = got.get(k), want.get(k)
    if g is None or w is None:
        bad.append("%s:%s %s" % (k[0], k[1], "missing" if g is None else "not installed"))
        continue
    for f in ("version", "bytes", "files"):
        if g[f] != w[f]:
            bad.append("%s:%s %s: got %r, want %r" % (k[0], k[1], f, g[f], w[f]))
a = r["attribution"]
if a["owned_bytes"] != sum(p["bytes"] for p in e["packages"]):
    bad.append("owned_bytes %d != %d" % (a["owned_bytes"], sum(p["bytes"] for p in e["packages"])))
if a["owned_bytes"] + a["unowned_bytes"] != e["totals"]["final_bytes"]:
    bad.append("owned + unowned != final_bytes")
if a["packages"] != {"dpkg": 15, "pip": 13}:
    bad.append("packages per ecosystem: %r" % a["packages"])
print("\n".join(bad)); sys.exit(1 if bad else 0)
PY

run_ia why_tb why --quiet --format json "$img" tensorboard
expect_rc 0 "demo: why tensorboard" && pyfact "demo: tensorboard's closure is pip-autoremove's" "$OUT" "$exp" <<'PY'
import json, sys
w = json.load(open(sys.argv[1])); e = json.load(open(sys.argv[2]))
size = {p["name"]: p["bytes"] for p in e["packages"] if p["ecosystem"] == "pip"}
want = ["tensorboard", "MarkupSafe", "absl-py", "grpcio", "markdown",
        "protobuf", "tensorboard-data-server", "werkzeug"]
bad = []
pip = w["removal"].get("pip")
if w["schema"] != "imgaudit.why/v1": bad.append("schema %r" % w["schema"])
if pip is None:
    bad.append("no removal.pip")
else:
    if pip["packages"] != want: bad.append("packages %r" % pip["packages"])
    if pip["bytes"] != sum(size[n] for n in want): bad.append("bytes %d" % pip["bytes"])
    if pip["fix"] != "pip uninstall -y " + " ".join(want): bad.append("fix %r" % pip["fix"])
pk = w["package"]
if pk["bytes"] != size["tensorboard"]: bad.append("package bytes")
if sorted(pk["requires"]) != sorted(["absl-py", "grpcio", "markdown", "numpy", "protobuf",
        "tensorboard-data-server", "werkzeug"]): bad.append("requires %r" % pk["requires"])
if pk["required_by"] != []: bad.append("required_by %r" % pk["required_by"])
if "apt" in w["removal"]: bad.append("apt figure for a pip package")
print("\n".join(bad)); sys.exit(1 if bad else 0)
PY

run_ia why_md why --quiet --format json "$img" pip:markdown
expect_rc 0 "demo: why pip:markdown" && pyfact "demo: markdown's missing requirement is listed" "$OUT" <<'PY'
import json, sys
w = json.load(open(sys.argv[1]))
u = w["package"]["unresolved"]
ok = len(u) == 1 and u[0].startswith("importlib-metadata") and w["package"]["required_by"] == ["tensorboard"]
print("" if ok else "unresolved %r, required_by %r" % (u, w["package"]["required_by"]))
sys.exit(0 if ok else 1)
PY

run_ia why_py why --quiet --format json "$img" python3
expect_rc 0 "demo: why python3" && pyfact "demo: python3's removal as apt decides" "$OUT" "$exp" <<'PY'
import json, sys
w = json.load(open(sys.argv[1])); e = json.load(open(sys.argv[2]))
size = {p["name"]: p["bytes"] for p in e["packages"] if p["ecosystem"] == "dpkg"}
bad = []
apt, full = w["removal"]["apt"], w["removal"]["full"]
# python3-pip depends on python3:any: purging python3 takes it along.
if apt["packages"] != ["python3", "python3-pip"]: bad.append("apt %r" % apt["packages"])
if apt["bytes"] != size["python3"] + size["python3-pip"]: bad.append("apt bytes")
if apt["fix"] != "apt-get purge -y python3 && apt-get autoremove -y --purge": bad.append("apt fix %r" % apt["fix"])
want = ["python3", "ca-certificates", "libpython3.11-stdlib", "libssl3", "python3-pip",
        "python3.11", "python3.11-minimal"]
if full["packages"] != want: bad.append("full %r" % full["packages"])
if full["bytes"] != sum(size[n] for n in want): bad.append("full bytes")
held = {h["package"]: h["how"] for h in full["held"]}
if held != {n: "manual" for n in want if n not in ("python3", "python3-pip")}: bad.append("held %r" % held)
print("\n".join(bad)); sys.exit(1 if bad else 0)
PY

run_ia why_none why --quiet "$img" no-such-package
expect_rc 2 "demo: why of an unknown package"
check "demo: the error is one line naming the package $(last_run)" \
    sh -c "[ \$(wc -l < '$ERR') -eq 1 ] && grep -q \"no installed package named 'no-such-package'\" '$ERR'"

run_ia why_text why --quiet "$img" tensorboard
expect_rc 0 "demo: why tensorboard, text"
check "demo: the text names the fix $(last_run)" grep -q "fix  *pip uninstall -y tensorboard" "$OUT"
long=$(python3 -c 'import sys; print(max(len(l.rstrip("\n")) for l in open(sys.argv[1], encoding="utf-8")))' "$OUT")
check "demo: why's text fits 100 columns (longest $long)" test "$long" -le 100
finish
