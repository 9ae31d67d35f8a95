#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# kb.sh: the knowledge base from the command line.
#  - `imgaudit kb list|show|dump` print the rules in force; dump is SQL
#    that, loaded back with --kb-extra, changes nothing;
#  - --kb-extra overrides a built-in rule: on the demo image (tensorboard
#    with its dependencies, expected.json's packages), marking tensorboard
#    runtime removes its candidate and the bytes it saved from
#    removable_bytes; the bytes of that candidate equal the builder's count
#    of tensorboard and the packages only it needs;
#  - a bad extra file is exit 2, one line naming the file, no output file.

. "$(dirname "$0")/lib.sh"

need_binary
need_image demo
IMG=$IMAGES/demo/oci-gzip
EXP=$IMAGES/demo/expected.json

run_ia list kb list
expect_rc 0 "kb list [$CMD]"
check "kb list has the package rules" grep -q "^PACKAGE RULES" "$OUT"
check "kb list names tensorboard" grep -q " tensorboard " "$OUT"
run_ia show kb show tensorboard
expect_rc 0 "kb show tensorboard [$CMD]"
check "show gives a reason, a fix and a source" \
    sh -c "grep -q 'reason:' '$OUT' && grep -q 'fix:' '$OUT' && grep -q 'source:' '$OUT'"
run_ia show-none kb show no-such-thing-anywhere
expect_rc 2 "kb show of nothing [$CMD]"
run_ia dump kb dump
expect_rc 0 "kb dump [$CMD]"
cp "$OUT" "$T/dump.sql"
run_ia dump2 kb dump --kb-extra "$T/dump.sql"
expect_rc 0 "the dump loads back as an extra file [$CMD]"
check "and changes nothing" cmp -s "$T/dump.sql" "$OUT"

# ---- the override, on an audit ---------------------------------------------
run_ia base audit --quiet --format json "$IMG"
expect_rc 0 "audit demo [$CMD]" || finish
cp "$OUT" "$T/base.json"
cat >"$T/keep-tb.sql" <<'SQL'
-- We serve TensorBoard from this image.
INSERT OR REPLACE INTO package_rules VALUES ('pip', 'tensorboard', 'runtime',
  'high', 'We serve dashboards.', 'Keep it.', NULL, 'kb.sh');
SQL
run_ia extra audit --quiet --format json --kb-extra "$T/keep-tb.sql" "$IMG"
expect_rc 0 "audit demo --kb-extra [$CMD]" || finish
pyfact "tensorboard's candidate: the builder's bytes; gone with the override" \
    "$T/base.json" "$OUT" "$EXP" <<'PY'
import json, sys
base, extra, exp = (json.load(open(p)) for p in sys.argv[1:4])
def cand(r):
	return [c for c in r["candidates"] if c["kind"] == "uninstall-package"
	    and c.get("package") == "pip:tensorboard"]
bad = []
c = cand(base)
if len(c) != 1:
	sys.exit("no tensorboard candidate without the override")
c = c[0]
# The builder's own package sizes: tensorboard and what only it needs.
size = {p["name"].lower(): p["bytes"] for p in exp["packages"]
    if p["ecosystem"] == "pip"}
names = [p.split(":", 1)[1].lower() for p in c["packages"]]
want = sum(size[n] for n in names)
if c["bytes_saved"] != want:
	bad.append("bytes_saved %d, builder's packages %s sum to %d" %
	    (c["bytes_saved"], names, want))
for n in ("tensorboard", "tensorboard-data-server", "werkzeug", "grpcio"):
	if n not in names:
		bad.append("%s not in the closure %s" % (n, names))
for n in ("numpy", "torch"):
	if n in names:
		bad.append("%s is in the closure, but torch needs it" % n)
if cand(extra):
	bad.append("the override left the candidate")
d = base["totals"]["removable_bytes"] - extra["totals"]["removable_bytes"]
if d != c["bytes_saved"]:
	bad.append("removable_bytes dropped by %d, not %d" % (d, c["bytes_saved"]))
tb = [p for p in extra["packages"] if p["name"] == "tensorboard"]
if not tb or tb[0]["purpose"] != "runtime":
	bad.append("packages[] tensorboard purpose is not runtime: %s" % tb)
if bad:
	print("\n".join(bad)); sys.exit(1)
PY

# ---- bad extra files --------------------------------------------------------
printf 'INSERT INTO package_rules VALUES (1);\n' >"$T/bad.sql"
run_ia bad audit --quiet --kb-extra "$T/bad.sql" -o "$T/bad-report.json" "$IMG"
expect_rc 2 "an extra file SQLite refuses [$CMD]"
check "one line" test "$(wc -l <"$ERR")" -eq 1
check "naming the file" grep -q "bad.sql" "$ERR"
check "no output file" test ! -e "$T/bad-report.json"
printf "INSERT INTO package_rules VALUES ('pip', 'x', 'fluff', 'high', 'r', 'f', NULL, 's');\n" >"$T/purpose.sql"
run_ia purpose audit --quiet --kb-extra "$T/purpose.sql" "$IMG"
expect_rc 2 "a rule with an unknown purpose [$CMD]"
run_ia missing kb list --kb-extra "$T/nope.sql"
expect_rc 2 "a missing extra file [$CMD]"

finish
