#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# candidates.sh: the ranked removal candidates on the serving image
# (test-images/build.py --only serving: a Debian base, apt-get install
# build-essential python3 python3-pip with the lists left behind, pip
# install torch numpy scipy safetensors tensorboard jupyter with the
# nvidia-*-cu12 wheels and the pip cache left behind, an app, a model).
# Expected values come from expected.json "serving", the builder's own
# record of what it wrote (test-images/README.md), never from imgaudit:
#
#  - the image facts and packages[] equal the builder's (check.py expected,
#    expected.json "packages");
#  - candidates[] has the shape DESIGN.md and issue 4 give (rank, kind,
#    title, purpose, bytes_saved, compressed_bytes_saved, confidence,
#    reason, fix, paths, layers, files; package/packages, rule, component
#    per kind), ranks 1..N by bytes saved, then compressed bytes;
#  - every candidate equals a group of the bookkeeping: uninstall-package
#    pip:tensorboard, pip:jupyter and dpkg:build-essential free their
#    exclusive closures (hand-written in build.py as pip-autoremove and
#    `apt-get purge X && apt-get autoremove` decide, given extended_states),
#    with those packages; remove-paths pip-cache, apt-lists, docs, headers
#    ... the files of our own reading of the paths; one candidate per rule;
#    cuda-library, wasted-layer, strip-debug, unreferenced-libraries and
#    no-install-recommends likewise; a candidate the bookkeeping does not
#    know fails and is named;
#  - a package inside another listed closure is not listed again
#    (tensorboard-data-server, gcc, ipython ...); a package something kept
#    still requires (triton: torch) is low confidence and the reason names
#    who requires it;
#  - totals.removable_bytes is the union of the high- and medium-confidence
#    candidates' files, each file once, plus what partial candidates
#    (strip-debug) save in files no whole-file candidate covers, plus
#    wasted bytes;
#  - the docker archive gives the same candidates as the OCI layout;
#  - `imgaudit audit IMG --top 5` shows a CANDIDATES section with the top
#    five titles, in order, and fits in 100 columns.

. "$(dirname "$0")/lib.sh"

need_binary
need_image serving
img=$IMAGES/serving/oci-gzip
exp=$IMAGES/serving/expected.json
CC() { python3 "$E2E_DIR/candidates_check.py" "$@"; }

# ccheck DESCRIPTION ARGS...: a candidates_check.py check; its lines show on
# failure (and its notes with VERBOSE=1).
ccheck() {
	local desc=$1 msg
	shift
	if msg=$(CC "$@" 2>&1); then
		ok "$desc"
		if [ -n "${VERBOSE:-}" ]; then printf '%s\n' "$msg" | sed 's/^/    /'; fi
	else
		fail "$desc"
		printf '%s\n' "$msg" | sed 's/^/    /'
	fi
}

run_ia report audit --quiet --format json --top 100 "$img"
expect_rc 0 "serving: JSON report" || finish
report=$OUT
pycheck "serving: image facts equal expected.json [$CMD]" expected "$report" "$exp" oci-gzip

pyfact "serving: packages[] equal the builder's record" "$report" "$exp" <<'PY'
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
print("\n".join(bad)); sys.exit(1 if bad else 0)
PY

ccheck "serving: candidates equal the builder's groups, removable_bytes counts each byte once [$CMD]" \
    json "$report" "$exp"

run_ia report_docker audit --quiet --format json --top 100 "$IMAGES/serving/docker-archive.tar"
expect_rc 0 "serving: JSON report of the docker archive" &&
    ccheck "serving: the docker archive gives the same candidates [$CMD]" same "$report" "$OUT"

run_ia text audit "$img" --top 5
expect_rc 0 "serving: text report --top 5" &&
    ccheck "serving: text shows the top 5 candidate titles in 100 columns [$CMD]" \
    text "$OUT" "$report" 5
finish
