#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bandwidth.sh: `imgaudit audit IMAGE --bandwidth RATE` gives the cold pull
# time: the builder's compressed bytes (expected.json) times 8 over the
# rate, in the JSON totals and on the text report's size line; a rate it
# cannot read is a usage error.

. "$(dirname "$0")/lib.sh"

need_binary
need_image demo
IMG=$IMAGES/demo/oci-gzip
EXP=$IMAGES/demo/expected.json

run_ia json audit --quiet --format json --bandwidth 100Mbit "$IMG"
expect_rc 0 "audit --bandwidth 100Mbit [$CMD]"
pyfact "pull_seconds = the builder's gzip bytes * 8 / 100e6" "$OUT" "$EXP" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))["totals"]
want = json.load(open(sys.argv[2]))["totals"]["compressed_bytes"]["gzip"] * 8 / 100e6
if t.get("bandwidth") != "100Mbit" or abs(t.get("pull_seconds", -1) - want) > 1e-9:
	sys.exit("bandwidth %r pull_seconds %r, want 100Mbit %r" %
	    (t.get("bandwidth"), t.get("pull_seconds"), want))
PY
run_ia text audit --quiet --bandwidth 1Gbit "$IMG"
expect_rc 0 "audit --bandwidth 1Gbit, text"
check "the size line says the pull time" grep -q "^  size .* s at 1Gbit$" "$OUT"
run_ia none audit --quiet --format json "$IMG"
pyfact "without --bandwidth no pull time" "$OUT" <<'PY'
import json, sys
if "pull_seconds" in json.load(open(sys.argv[1]))["totals"]:
	sys.exit("pull_seconds without --bandwidth")
PY
run_ia bad audit --quiet --bandwidth fast "$IMG"
expect_rc 2 "a rate it cannot read [$CMD]"
check "one line naming the value" grep -q "'fast'" "$ERR"
finish
