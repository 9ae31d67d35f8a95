#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# tests/bench.sh: how fast is one streaming pass?  (`make bench`)
#
#	tests/bench.sh [BUILD_DIR]
#
# Builds the large test image once (python3 test-images/build.py
# BUILD_DIR/bench-images --large --only large; kept for later runs), then
# times, on the same gzip layer blobs and in the same run:
#
#   imgaudit        imgaudit audit --quiet --format json -o FILE (default jobs)
#   imgaudit -j1    the same with --jobs 1
#   gzip -dc        cat every blob | gzip -dc > /dev/null (decompression only)
#   tar -tzf        tar -tzf on each blob in turn (decompress + read headers)
#
# Each is run REPEAT times (default 3) and the median of each column is
# printed: wall seconds, CPU seconds (user + system), peak RSS in MB, MB/s of
# uncompressed tar bytes (the builder's expected.json), and imgaudit's
# wall time over each reference's.  Last, peak memory per file of the final
# tree (final_files from imgaudit's report).
#
# CPU and peak RSS come from /usr/bin/time -v; without it, from getrusage()
# of the children via python3.  -o goes to a file, never /dev/null (an
# atomic writer renaming over /dev/null would replace the device).

set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${1:-build}
case $BUILD_DIR in /*) ;; *) BUILD_DIR=$(pwd)/$BUILD_DIR ;; esac
IMGAUDIT=${IMGAUDIT:-$REPO/imgaudit}
case $IMGAUDIT in /*) ;; *) IMGAUDIT=$(pwd)/$IMGAUDIT ;; esac
REPEAT=${REPEAT:-3}
IMAGES=${BENCH_IMAGES:-$BUILD_DIR/bench-images}

die() { echo "bench: $*" >&2; exit 2; }

[ -x "$IMGAUDIT" ] || die "no imgaudit binary at $IMGAUDIT (run make)"

# ---- the large image, built once ----------------------------------------------

# The builder writes expected.json after the blobs: its presence means a
# complete build.
# (BENCH_IMAGES may name a directory of other images, e.g. make bench-cuda's.)
if ! ls "$IMAGES"/*/expected.json >/dev/null 2>&1; then
	echo "bench: building the large image in $IMAGES (once)"
	rm -rf "$IMAGES"
	python3 "$REPO/test-images/build.py" "$IMAGES" --large --only large ||
	    die "test-images/build.py --large failed"
fi

# The OCI layout with gzip layers (its blobs are plain files we can time the
# references on); the builder's expected.json sits in the image's directory.
layout=
for d in "$IMAGES"/large/oci-gzip "$IMAGES"/*/oci-gzip "$IMAGES"/*/oci*; do
	if [ -f "$d/oci-layout" ]; then layout=$d; break; fi
done
[ -n "$layout" ] || die "no OCI layout with gzip layers under $IMAGES"

T=$(mktemp -d "${TMPDIR:-/tmp}/imgaudit-bench.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT

# Layer blobs, in manifest order (first manifest; amd64 if an index lists many).
python3 - "$layout" >"$T/blobs" <<'EOF' || die "cannot read the layout's manifest"
import json, os, sys
root = sys.argv[1]
def blob(d):
    return os.path.join(root, "blobs", *d.split(":"))
m = json.load(open(os.path.join(root, "index.json")))
while "layers" not in m:
    ms = m["manifests"]
    pick = next((x for x in ms if (x.get("platform") or {}).get("architecture") == "amd64"), ms[0])
    m = json.load(open(blob(pick["digest"])))
for l in m["layers"]:
    if "gzip" not in l["mediaType"]:
        sys.exit(f"layer {l['digest']} is {l['mediaType']}, not gzip")
    print(blob(l["digest"]))
EOF
mapfile -t blobs <"$T/blobs"
nblobs=${#blobs[@]}
compressed=$(cat "${blobs[@]}" | wc -c)
# Uncompressed tar bytes: the builder's bookkeeping (expected.json), else
# counted with gzip.
tarbytes=$(python3 -c 'import json,sys
print(json.load(open(sys.argv[1]))["totals"]["tar_bytes"])' "$(dirname "$layout")/expected.json" 2>/dev/null) ||
    tarbytes=$(cat "${blobs[@]}" | gzip -dc | wc -c)
echo "image: $layout"
echo "layers: $nblobs, compressed $((compressed / 1000000)) MB, uncompressed tar $((tarbytes / 1000000)) MB"

# ---- measuring ------------------------------------------------------------------

# measure NAME COMMAND...: append "wall cpu rss_kb" for one run to $T/NAME.
if [ -x /usr/bin/time ]; then
	measure() {
		local name=$1 t0 t1 cpu rss
		shift
		t0=$(date +%s%N)
		/usr/bin/time -v -o "$T/time.txt" "$@" >/dev/null 2>"$T/stderr" ||
		    die "$name failed: $(cat "$T/stderr" | head -n 3)"
		t1=$(date +%s%N)
		cpu=$(awk -F': ' '/User time|System time/ { s += $2 } END { print s }' "$T/time.txt")
		rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$T/time.txt")
		echo "$(( (t1 - t0) / 1000 )) $cpu $rss" |
		    awk '{ printf "%.3f %.3f %d\n", $1 / 1e6, $2, $3 }' >>"$T/$name"
	}
else
	echo "bench: no /usr/bin/time (package time); using getrusage via python3"
	measure() {
		local name=$1
		shift
		python3 - "$@" >>"$T/$name" 2>"$T/stderr" <<'EOF' || die "$name failed: $(head -n 3 "$T/stderr")"
import resource, subprocess, sys, time
t0 = time.monotonic()
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)
wall = time.monotonic() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
if r.returncode:
    sys.exit(f"exit {r.returncode}")
print(f"{wall:.3f} {ru.ru_utime + ru.ru_stime:.3f} {ru.ru_maxrss}")
EOF
	}
fi

report=$T/report.json
ia=("$IMGAUDIT" audit --quiet --format json -o "$report" "$layout")
for ((i = 0; i < REPEAT; i++)); do
	measure imgaudit "${ia[@]}"
	measure imgaudit-j1 "${ia[@]}" --jobs 1
	measure gzip bash -c 'cat "$@" | gzip -dc >/dev/null' gz "${blobs[@]}"
	measure tar bash -c 'for b; do tar -tzf "$b" >/dev/null || exit 1; done' tz "${blobs[@]}"
done

final_files=$(python3 -c 'import json,sys
print(json.load(open(sys.argv[1]))["totals"]["final_files"])' "$report") ||
    die "no totals.final_files in imgaudit's report"

# ---- the table --------------------------------------------------------------------

python3 - "$T" "$tarbytes" "$final_files" "$REPEAT" <<'EOF'
import statistics, sys
d, tarbytes, final_files, repeat = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]

def med(name):
    rows = [list(map(float, l.split())) for l in open(f"{d}/{name}")]
    return [statistics.median(c) for c in zip(*rows)]

names = [("imgaudit", "imgaudit"), ("imgaudit-j1", "imgaudit --jobs 1"),
         ("gzip", "gzip -dc (all blobs)"), ("tar", "tar -tzf (each blob)")]
m = {n: med(n) for n, _ in names}
ia_wall = m["imgaudit"][0]
print(f"\nmedian of {repeat} runs; MB = 10^6 bytes; MB/s = uncompressed tar bytes / wall")
print(f"{'':24} {'wall s':>8} {'CPU s':>8} {'peak RSS MB':>12} {'MB/s':>8} {'imgaudit/this':>14}")
for n, label in names:
    wall, cpu, rss_kb = m[n]
    ratio = ia_wall / wall if wall > 0 else float("inf")
    print(f"{label:24} {wall:8.3f} {cpu:8.3f} {rss_kb * 1024 / 1e6:12.1f} "
          f"{tarbytes / 1e6 / wall if wall else 0:8.1f} {ratio:14.2f}")
rss = m["imgaudit"][2] * 1024
print(f"\nfinal tree: {final_files} files; imgaudit peak RSS per file: "
      f"{rss / final_files if final_files else 0:.0f} bytes")
EOF
