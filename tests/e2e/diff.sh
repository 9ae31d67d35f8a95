#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# diff.sh: `imgaudit diff` and the layer-order and base-image advice on the
# pairs of builds test-images/pairs.py makes (a good and a bad Dockerfile
# order, a code change under each, a base switch from the CUDA devel to
# the runtime flavour, many tiny layers; the same order pairs on build.py's
# realistic serving image).  Expected values come from the
# builder's expected.json (its own record of the layers and blobs it
# wrote), never from imgaudit:
#
#  - the advice findings appear on the bad order (layer-order,
#    layer-order-context, layer-cleanup) and not on the good one; the base
#    is named (nvidia/cuda devel, runtime); many tiny layers are flagged;
#  - per pair, the diff's re-pulled bytes and layers, cold bytes, shared,
#    added and removed layers, files added/removed/changed and packages
#    added/removed/upgraded equal the builder's; the measured layer-order
#    finding is given for the bad pair only, with the bytes the builder
#    counts for the rebuilt layer;
#  - the JSON has the imgaudit.diff/v1 keys (docs/diff.md); the text fits
#    100 columns; the Markdown has the layer table and no HTML; the HTML
#    page has no script and a policy that allows only its stylesheet;
#  - usage errors: one image, --bandwidth nonsense, --bandwidth on audit.
#
# The images are $IMAGES/pairs (make test-images); when they are missing,
# pairs.py builds them into the scratch directory (about 2 s).

. "$(dirname "$0")/lib.sh"

need_binary
P=$IMAGES/pairs
if [ ! -f "$P/expected.json" ]; then
	note "no $P/expected.json: building the pairs into $T"
	python3 "$REPO/test-images/pairs.py" "$T/images" >/dev/null ||
	    abort "test-images/pairs.py failed"
	P=$T/images/pairs
fi
exp=$P/expected.json
DC() { python3 "$E2E_DIR/diff_check.py" "$@"; }

# dcheck DESCRIPTION ARGS...: a diff_check.py check.
dcheck() {
	local desc=$1 msg
	shift
	if msg=$(DC "$@" 2>&1); then
		ok "$desc"
	else
		fail "$desc"
		printf '%s\n' "$msg" | sed 's/^/    /'
	fi
}

# The advice on each image of the pairs.
for img in $(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))["findings"]))' "$exp"); do
	run_ia "audit-$img" audit --quiet --format json "$P/$img/oci-gzip"
	expect_rc 0 "$img: audit" &&
	    dcheck "$img: the findings the builder wants, and none it forbids [$CMD]" \
	    findings "$OUT" "$exp" "$img"
done

# Each pair: JSON against the bookkeeping, text, Markdown.
for pair in $(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))["pairs"]))' "$exp"); do
	old=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pairs"][sys.argv[2]]["old"])' "$exp" "$pair")
	new=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pairs"][sys.argv[2]]["new"])' "$exp" "$pair")
	run_ia "diff-$pair" diff --quiet --format json "$P/$old/oci-gzip" "$P/$new/oci-gzip"
	expect_rc 0 "$pair: diff --format json" || continue
	json=$OUT
	dcheck "$pair: re-pulled bytes, layers, files and packages equal the builder's [$CMD]" \
	    pair "$json" "$exp" "$pair"
	dcheck "$pair: imgaudit.diff/v1 keys [$CMD]" schema "$json"

	run_ia "text-$pair" diff --bandwidth 1Gbit "$P/$old/oci-gzip" "$P/$new/oci-gzip"
	if expect_rc 0 "$pair: diff (text)"; then
		dcheck "$pair: text fits 100 columns [$CMD]" width "$OUT" 100
		check "$pair: text shows the layers and the pull time at 1Gbit [$CMD]" \
		    grep -q 'pull time at 1Gbit' "$OUT"
		check "$pair: text has no escape byte [$CMD]" no_esc "$OUT"
	fi
	run_ia "md-$pair" diff --format md -o "$T/$pair.md" "$P/$old/oci-gzip" "$P/$new/oci-gzip"
	expect_rc 0 "$pair: diff --format md -o" &&
	    dcheck "$pair: Markdown has the layer table and no HTML [$CMD]" md "$T/$pair.md"
done

# The base switch names both bases: devel fixed, runtime new.
run_ia base-text diff --quiet "$P/devel-v1/oci-gzip" "$P/good-v1/oci-gzip"
check "base: the devel base is fixed and the runtime base is new [$CMD]" \
    grep -q '\[fixed\] *base: nvidia/cuda devel' "$OUT"

# Usage errors exit 2 with a message.
run_ia one diff "$P/good-v1/oci-gzip"
expect_rc 2 "diff with one image"
run_ia bw diff --bandwidth fast "$P/good-v1/oci-gzip" "$P/good-v2/oci-gzip"
expect_rc 2 "diff --bandwidth fast" &&
    check "--bandwidth fast: the message names the value" grep -q "'fast'" "$ERR"
run_ia html diff --quiet --format html -o "$T/bad.html" "$P/bad-v1/oci-gzip" "$P/bad-v2/oci-gzip"
expect_rc 0 "diff --format html" &&
    dcheck "html: no script, the stylesheet allowed by its hash, tags balanced [$CMD]" \
    html "$T/bad.html"
run_ia bwwhy why --bandwidth 1Gbit "$P/good-v1/oci-gzip" python3
expect_rc 2 "why takes no --bandwidth (audit and diff do: bandwidth.sh)"
finish
