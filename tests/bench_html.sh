#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# tests/bench_html.sh: how big is the HTML report, and how fast does it
# open?  (A measurement, not a test: nothing here fails on a figure.)
#
#	tests/bench_html.sh [BUILD_DIR]
#
# Writes the page of three images and opens each RUNS times (default 5) in a
# fresh headless Chromium (tests/e2e/html_check.py bench), printing the file
# size and the load time, navigation start to the end of the load event, which
# includes parsing the JSON block and drawing every section:
#
#   demo       the sample image (IMAGES/demo/oci-gzip; IMAGES defaults to
#              BUILD_DIR/test-images)
#   large      the benchmark image of `make bench`: 30,000 files in 5
#              layers (built once into BUILD_DIR/bench-images, as bench.sh
#              does)
#   many       the demo image plus a layer of 500,000 small files
#              (html_check.py many-files; built once into
#              BUILD_DIR/bench-images/many, 142 MB)
#   worst      the large image's page with its JSON block replaced by a
#              report of 500,000 files in 5,000 packages, 127 layers, 300
#              candidates, 200 findings and 100-row lists (html_check.py
#              inflate, from the demo's entries: real package records).
#              The page carries the report, not the file list:
#              its size follows the packages, candidates and --top lists,
#              whatever the number of files.

set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${1:-build}
case $BUILD_DIR in /*) ;; *) BUILD_DIR=$(pwd)/$BUILD_DIR ;; esac
IMGAUDIT=${IMGAUDIT:-$REPO/imgaudit}
case $IMGAUDIT in /*) ;; *) IMGAUDIT=$(pwd)/$IMGAUDIT ;; esac
IMAGES=${IMAGES:-$BUILD_DIR/test-images}
BENCH=$BUILD_DIR/bench-images
RUNS=${RUNS:-5}
CHECK=$REPO/tests/e2e/html_check.py

die() { echo "bench-html: $*" >&2; exit 2; }

[ -x "$IMGAUDIT" ] || die "no imgaudit binary at $IMGAUDIT (run make)"
command -v chromium >/dev/null 2>&1 ||
    die "no chromium (make deps installs it)"
if [ ! -f "$BENCH/large/expected.json" ]; then
	python3 "$REPO/test-images/build.py" "$BENCH" --large --only large ||
	    die "cannot build the large image"
fi
if [ ! -d "$IMAGES/demo/oci-gzip" ]; then
	python3 "$REPO/test-images/build.py" "$BENCH" --only demo ||
	    die "cannot build the demo image"
	IMAGES=$BENCH
fi

if [ ! -f "$BENCH/many/index.json" ]; then
	rm -rf "$BENCH/many"
	python3 "$CHECK" many-files "$IMAGES/demo/oci-gzip" "$BENCH/many" \
	    500000 || die "cannot build the image of 500,000 files"
fi

out=$(mktemp -d "${TMPDIR:-/tmp}/bench-html.XXXXXX") || exit 2
trap 'rm -rf "$out"' EXIT

for name in demo large many; do
	case $name in
	demo) img=$IMAGES/demo/oci-gzip ;;
	large) img=$BENCH/large/oci-gzip ;;
	many) img=$BENCH/many ;;
	esac
	"$IMGAUDIT" audit --quiet --format html -o "$out/$name.html" "$img" &&
	"$IMGAUDIT" audit --quiet --format json -o "$out/$name.json" "$img" ||
	    die "audit of $img failed"
done
python3 "$CHECK" inflate "$out/large.html" "$out/demo.json" \
    "$out/worst.html" 5000 >/dev/null || die "cannot write the worst case"

echo "bench-html: $RUNS cold loads each, $(nproc) CPUs, load average" \
    "$(cut -d' ' -f1 /proc/loadavg)"
for name in demo large many worst; do
	python3 "$CHECK" bench "$out/$name.html" "$RUNS" |
	    sed "s|^$out/||"
done
