#!/usr/bin/env bash
# shellcheck disable=SC2016,SC2317
# (SC2016: single-quoted scripts for bash -c are meant not to expand;
# SC2317: skip and abort are called by registry_lib.sh.)
# SPDX-License-Identifier: MIT
#
# tests/bench.sh: is an audit as fast as decompression?  (`make bench`)
#
#	tests/bench.sh [BUILD_DIR]
#
# Builds the benchmark image once (python3 test-images/bench.py
# BUILD_DIR/bench-image: real files of this machine, a Debian root, host
# libraries, Python packages and the CUDA toolkit, >= 3 GB in 4-6 gzip
# layers; kept for later runs), then times, on the same gzip layer blobs and
# in the same run, round-robin (one run of each command, then the next
# round, so that a change in the machine's load hits every row alike):
#
#   imgaudit          imgaudit audit --quiet --format json -o FILE LAYOUT
#   imgaudit zlib     the same with --inflate=zlib (if the binary has it)
#   --verify=full     the same hashing the uncompressed tars too (if the
#   --verify=none     binary has --verify; the default is blob), and
#                     hashing nothing
#   audit --db cold   imgaudit audit --db DB into an empty database
#   audit --db warm   the same again: the report stored for the same image
#                     analysed the same way
#   audit --db layers the same with the stored report deleted first (not
#                     timed): every layer from the database, analysed again
#   imgaudit -j1      the same with --jobs 1
#   scan cold         imgaudit scan of the image pushed to a local registry
#                     (docker-registry), into an empty database
#   scan warm         then a scan of the same layers under a new config
#                     (one LABEL more: a new manifest digest, so no stored
#                     report answers it): every layer comes from the
#                     database, the layer-result cache
#   scan stored       the same tag again: its report is stored
#   igzip 2 cores     igzip -dc over the blobs, two processes at once
#                     (largest first onto the less loaded of two queues,
#                     by tar bytes)
#   igzip + sha256    the same, each blob also hashed (openssl dgst
#                     -sha256): inflating and verifying, nothing else (an
#                     upper bound: each blob is read twice)
#   gzip -dc          gzip -dc of each blob in turn
#   tar -tzf          GNU tar -tzf of each blob in turn
#   bsdtar -tzf       bsdtar -tzf of each blob in turn (libarchive-tools)
#
# Each is run REPEAT times (default 3) and the median of each column is
# printed: wall seconds, CPU seconds (user + system), peak RSS in MB, MB/s
# of uncompressed tar bytes (the builder's expected.json), and imgaudit's
# wall time over each reference's; then the targets of issue 9 with PASS or
# MISS.  The benchmark measures, it does not gate: the exit status is 0
# whatever the figures (2 if something could not run).  Rows whose tool is
# missing are skipped with a note.
#
# Environment: IMGAUDIT (the binary; default ./imgaudit), REPEAT (3),
# BENCH_IMAGES (a directory of other images with an OCI gzip layout and an
# expected.json with totals.tar_bytes, e.g. make bench-cuda's; default
# BUILD_DIR/bench-image, built here).
#
# CPU and peak RSS come from /usr/bin/time -v (for a pipeline: CPU summed
# over the processes, RSS the largest one); without it, from getrusage() of
# the children via python3.  -o goes to a file, never /dev/null (an atomic
# writer renaming over /dev/null would replace the device).  The blobs are
# read once before timing: every row reads them from the page cache.

set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${1:-build}
case $BUILD_DIR in /*) ;; *) BUILD_DIR=$(pwd)/$BUILD_DIR ;; esac
IMGAUDIT=${IMGAUDIT:-$REPO/imgaudit}
case $IMGAUDIT in /*) ;; *) IMGAUDIT=$(pwd)/$IMGAUDIT ;; esac
REPEAT=${REPEAT:-3}
IMAGES=${BENCH_IMAGES:-$BUILD_DIR/bench-image}

die() { echo "bench: $*" >&2; exit 2; }
note() { echo "bench: $*"; }

[ -x "$IMGAUDIT" ] || die "no imgaudit binary at $IMGAUDIT (run make)"

machine() {
	local cpu
	cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
	printf '%s, %s cores' "${cpu:-unknown CPU}" "$(nproc)"
}
load() { cut -d' ' -f1-3 /proc/loadavg; }
load_before=$(load)
date_start=$(date -u '+%Y-%m-%d %H:%M UTC')

# ---- the image, built once --------------------------------------------------------

# bench.py keeps its image when its .stamp matches (and says so).
if [ -z "${BENCH_IMAGES:-}" ]; then
	t0=$(date +%s)
	python3 "$REPO/test-images/bench.py" "$IMAGES" ||
	    die "test-images/bench.py failed"
	t1=$(date +%s)
	[ $((t1 - t0)) -gt 5 ] && note "image built in $((t1 - t0)) s"
fi

# The OCI layout with gzip layers (its blobs are plain files we can time the
# references on); the builder's expected.json sits in the image's directory.
layout=
for d in "$IMAGES"/bench/oci-gzip "$IMAGES"/*/oci-gzip "$IMAGES"/*/oci*; do
	if [ -f "$d/oci-layout" ]; then layout=$d; break; fi
done
[ -n "$layout" ] || die "no OCI layout with gzip layers under $IMAGES"
expected=$(dirname "$layout")/expected.json

T=$(mktemp -d "${TMPDIR:-/tmp}/imgaudit-bench.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT

# Layer blobs in manifest order (first manifest; amd64 if an index lists
# many), the two igzip queues, and the image's ref name.
python3 - "$layout" "$T" "$expected" <<'EOF' || die "cannot read the layout's manifest"
import json, os, sys
root, t, expected = sys.argv[1:4]
def blob(d):
    return os.path.join(root, "blobs", *d.split(":"))
m = json.load(open(os.path.join(root, "index.json")))
ref = (m["manifests"][0].get("annotations") or {}).get(
    "org.opencontainers.image.ref.name", "")
while "layers" not in m:
    ms = m["manifests"]
    pick = next((x for x in ms if (x.get("platform") or {}).get("architecture") == "amd64"), ms[0])
    m = json.load(open(blob(pick["digest"])))
paths = []
for l in m["layers"]:
    if "gzip" not in l["mediaType"]:
        sys.exit(f"layer {l['digest']} is {l['mediaType']}, not gzip")
    paths.append(blob(l["digest"]))
open(f"{t}/blobs", "w").write("".join(p + "\n" for p in paths))
# Largest first onto the less loaded queue.  Inflating costs about the
# same per byte of output whatever the ratio (1.1-1.5 ns/B with igzip on
# these layers), so the layers are weighed by their tar bytes when the
# builder lists them; by compressed bytes (a poor proxy: CUDA libraries
# inflate 1.4:1, Python packages 4:1) only when it does not.
try:
    tar = {l["digest"]: l["tar_bytes"] for l in json.load(open(expected))["layers"]}
except (OSError, ValueError, KeyError, TypeError):
    tar = {}
def cost(p):
    return tar.get("sha256:" + os.path.basename(p), os.path.getsize(p))
q = [[], []]
load = [0, 0]
for p in sorted(paths, key=cost, reverse=True):
    i = 0 if load[0] <= load[1] else 1
    q[i].append(p)
    load[i] += cost(p)
for i in (0, 1):
    open(f"{t}/queue{i}", "w").write("".join(p + "\n" for p in q[i]))
open(f"{t}/ref", "w").write(ref)
EOF
mapfile -t blobs <"$T/blobs"
nblobs=${#blobs[@]}
compressed=$(cat "${blobs[@]}" | wc -c)	# (and into the page cache)
# Uncompressed tar bytes: the builder's bookkeeping (expected.json), else
# counted with gzip.
tarbytes=$(python3 -c 'import json,sys
print(json.load(open(sys.argv[1]))["totals"]["tar_bytes"])' "$expected" 2>/dev/null) ||
    tarbytes=$(cat "${blobs[@]}" | gzip -dc | wc -c)
echo "image: $layout"
echo "layers: $nblobs, compressed $((compressed / 1000000)) MB, uncompressed tar $((tarbytes / 1000000)) MB"
echo "imgaudit: $IMGAUDIT"

# ---- measuring ------------------------------------------------------------------

# measure NAME COMMAND...: append "wall cpu rss_kb" for one run to $T/NAME.
if [ -x /usr/bin/time ]; then
	measure() {
		local name=$1 t0 t1 cpu rss
		shift
		t0=$(date +%s%N)
		/usr/bin/time -v -o "$T/time.txt" "$@" >/dev/null 2>"$T/stderr" ||
		    die "$name failed ($(grep -m 1 '^Command' "$T/time.txt")):" \
		    "$(head -n 3 "$T/stderr")"
		t1=$(date +%s%N)
		cpu=$(awk -F': ' '/User time|System time/ { s += $2 } END { print s }' "$T/time.txt")
		rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$T/time.txt")
		echo "$(( (t1 - t0) / 1000 )) $cpu $rss" |
		    awk '{ printf "%.3f %.3f %d\n", $1 / 1e6, $2, $3 }' >>"$T/$name"
	}
else
	note "no /usr/bin/time (package time); using getrusage via python3"
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

rows=(imgaudit)			# in table order; each has a file $T/NAME
ia=("$IMGAUDIT" audit --quiet --format json)

# The options of issue 9 (--inflate, --verify), probed on a one-file image
# (build.py's writer): a binary without one skips its rows.
python3 - "$REPO/test-images" "$T/probe" <<'EOF' || die "cannot write the probe image"
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[1])
import build
l = build.Layer("probe")
l.file("etc/probe", b"probe\n")
img = build.build_image(build.ImageSpec("probe", [l], ["/bin/sh"], None), ["gzip"], {})
build.write_formats(sys.argv[2], img, ["oci-gzip"])
EOF
"${ia[@]}" -o "$T/probe.json" "$T/probe/oci-gzip" >/dev/null 2>"$T/probe.err" ||
    die "imgaudit fails on a one-file image (exit $?): $(head -n 1 "$T/probe.err")"
declare -A opt=([imgaudit-zlib]=--inflate=zlib [imgaudit-vfull]=--verify=full
    [imgaudit-vnone]=--verify=none)
for r in imgaudit-zlib imgaudit-vfull imgaudit-vnone; do
	"${ia[@]}" -o "$T/probe.json" "${opt[$r]}" "$T/probe/oci-gzip" >/dev/null 2>"$T/probe.err"
	rc=$?
	if [ "$rc" -eq 0 ]; then
		rows+=("$r")
	elif [ "$rc" -eq 2 ] && grep -q 'unknown option' "$T/probe.err"; then
		note "row ${opt[$r]} skipped: the binary has no ${opt[$r]%%=*}"
	else
		note "row ${opt[$r]} skipped: it fails on a one-file image" \
		    "(exit $rc): $(head -n 1 "$T/probe.err")"
	fi
done
rows+=(imgaudit-j1)
# audit --db (the layer cache for local audits): cold into an empty
# database, warm with every layer in it.
if "${ia[@]}" -o "$T/probe.json" --db "$T/probe.db" "$T/probe/oci-gzip" \
    >/dev/null 2>&1; then
	rows+=(audit-db-cold audit-db-warm audit-db-layers)
else
	note "audit --db rows skipped: the binary has no audit --db"
fi

# The layer-result cache: the image in a local registry, as bench:1, and
# the same layers under a config with one LABEL more as bench:2 (skopeo
# uploads no layer twice).
scan=
if ! command -v docker-registry >/dev/null || ! command -v skopeo >/dev/null; then
	note "scan rows skipped: no docker-registry or skopeo (Debian packages; make deps)"
else
	E2E_DIR=$REPO/tests/e2e
	skip() { note "$*"; }
	abort() { die "$*"; }
	# shellcheck source=tests/e2e/registry_lib.sh
	. "$E2E_DIR/registry_lib.sh"
	reg_need_tools
	python3 - "$layout" "$T/relabel" <<'EOF' || die "cannot write the relabelled layout"
import hashlib, json, os, sys
src, dst = sys.argv[1:3]
def read(d):
    return open(os.path.join(src, "blobs", "sha256", d.split(":")[1]), "rb").read()
def put(data):
    h = hashlib.sha256(data).hexdigest()
    open(os.path.join(dst, "blobs", "sha256", h), "wb").write(data)
    return "sha256:" + h
os.makedirs(os.path.join(dst, "blobs", "sha256"))
open(os.path.join(dst, "oci-layout"), "w").write(open(os.path.join(src, "oci-layout")).read())
index = json.load(open(os.path.join(src, "index.json")))
manifest = json.loads(read(index["manifests"][0]["digest"]))
for l in manifest["layers"]:
    h = l["digest"].split(":")[1]
    os.symlink(os.path.join(os.path.abspath(src), "blobs", "sha256", h),
               os.path.join(dst, "blobs", "sha256", h))
config = json.loads(read(manifest["config"]["digest"]))
config.setdefault("config", {}).setdefault("Labels", {})["bench.relabel"] = "1"
config["history"].append({"created": "2024-01-02T00:00:00Z",
    "created_by": "/bin/sh -c #(nop) LABEL bench.relabel=1", "empty_layer": True})
cfg = json.dumps(config, separators=(",", ":")).encode()
manifest["config"] = dict(manifest["config"], digest=put(cfg), size=len(cfg))
man = json.dumps(manifest, separators=(",", ":")).encode()
index["manifests"][0] = dict(index["manifests"][0], digest=put(man), size=len(man))
json.dump(index, open(os.path.join(dst, "index.json"), "w"))
EOF
	ref=$(cat "$T/ref")
	t0=$(date +%s)
	if reg_start bench none &&
	    reg_push bench "oci:$layout${ref:+:$ref}" bench:1 &&
	    reg_push bench "oci:$T/relabel${ref:+:$ref}" bench:2; then
		scan=("$IMGAUDIT" scan "docker://${REG_ADDR[bench]}" --repo bench
		    --tls-verify=false --db "$T/scan.db")
		rows+=(scan-cold scan-warm scan-stored)
		note "image pushed to docker-registry in $(($(date +%s) - t0)) s"
	else
		note "scan rows skipped: the local registry did not take the image"
	fi
fi

rows+=(igzip2 igzip2sha gzip tar)
command -v igzip >/dev/null || note "igzip row skipped: no igzip (package isal)"
command -v openssl >/dev/null ||
    note "igzip + sha256 row skipped: no openssl (package openssl)"
if command -v bsdtar >/dev/null; then
	rows+=(bsdtar)
else
	note "bsdtar row skipped: no bsdtar (package libarchive-tools)"
fi

# decompress-all CMD...: CMD BLOB for each blob in turn, output dropped.
each='for b in "${@:2}"; do $1 "$b" >/dev/null || exit 1; done'
igzip2='q() { while read -r b; do igzip -dc "$b" >/dev/null || return 1; done <"$1"; }
q "$1" & a=$!; q "$2" & b=$!; wait $a && wait $b'
# The same, each blob also hashed (OpenSSL's SHA-256, as imgaudit's
# default --verify=blob does): inflating and verifying with nothing else,
# an upper bound of their cost (each blob is read twice).
igzip2sha='q() { while read -r b; do
	igzip -dc "$b" >/dev/null && openssl dgst -sha256 "$b" >/dev/null || return 1
done <"$1"; }
q "$1" & a=$!; q "$2" & b=$!; wait $a && wait $b'

report=$T/report.json
echo "$REPEAT rounds of ${#rows[@]} commands (load average now $(load))..."
for ((i = 0; i < REPEAT; i++)); do
	for r in "${rows[@]}"; do
		case $r in
		imgaudit) measure "$r" "${ia[@]}" -o "$report" "$layout" ;;
		imgaudit-zlib | imgaudit-vfull | imgaudit-vnone)
			measure "$r" "${ia[@]}" -o "$T/report-$r.json" "${opt[$r]}" "$layout" ;;
		imgaudit-j1) measure "$r" "${ia[@]}" -o "$T/report-j1.json" --jobs 1 "$layout" ;;
		audit-db-cold)
			rm -f "$T/audit.db" "$T/audit.db-wal" "$T/audit.db-shm"
			measure "$r" "${ia[@]}" -o "$T/report-dbc.json" --db "$T/audit.db" "$layout" ;;
		audit-db-warm)
			measure "$r" "${ia[@]}" -o "$T/report-dbw.json" --db "$T/audit.db" "$layout" ;;
		audit-db-layers)
			python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1]); c.execute("DELETE FROM reports"); c.commit()' \
			    "$T/audit.db" || die "cannot delete the stored report"
			measure "$r" "${ia[@]}" -o "$T/report-dbl.json" --db "$T/audit.db" "$layout" ;;
		scan-cold)
			rm -f "$T/scan.db" "$T/scan.db-wal" "$T/scan.db-shm"
			measure "$r" "${scan[@]}" --tag 1 ;;
		scan-warm | scan-stored) measure "$r" "${scan[@]}" --tag 2 ;;
		igzip2)
			command -v igzip >/dev/null &&
			    measure "$r" bash -c "$igzip2" igz "$T/queue0" "$T/queue1" ;;
		igzip2sha)
			command -v igzip >/dev/null && command -v openssl >/dev/null &&
			    measure "$r" bash -c "$igzip2sha" igzs "$T/queue0" "$T/queue1" ;;
		gzip) measure "$r" bash -c "$each" gz "gzip -dc" "${blobs[@]}" ;;
		tar) measure "$r" bash -c "$each" tz "tar -tzf" "${blobs[@]}" ;;
		bsdtar) measure "$r" bash -c "$each" btz "bsdtar -tzf" "${blobs[@]}" ;;
		esac
	done
	echo "  round $((i + 1)) done (load average $(load))"
done
load_after=$(load)

final_files=$(python3 -c 'import json,sys
print(json.load(open(sys.argv[1]))["totals"]["final_files"])' "$report") ||
    die "no totals.final_files in imgaudit's report"
same=
if [ -f "$T/report-imgaudit-zlib.json" ]; then
	if cmp -s "$report" "$T/report-imgaudit-zlib.json"; then same=identical; else same=DIFFERENT; fi
fi
for f in dbw:warm dbl:layers; do
	[ -f "$T/report-${f%%:*}.json" ] || continue
	if cmp -s "$report" "$T/report-${f%%:*}.json"; then
		note "the ${f#*:} audit --db report is identical to the plain audit's"
	else
		note "the ${f#*:} audit --db report DIFFERS from the plain audit's"
	fi
done

# ---- the table --------------------------------------------------------------------

echo
echo "machine: $(machine); load average $load_before before, $load_after after; $date_start"
python3 - "$T" "$tarbytes" "$final_files" "$REPEAT" "$expected" "$same" "${rows[@]}" <<'EOF'
import json, os, statistics, sys
d, tarbytes, final_files, repeat, expected, same = sys.argv[1:7]
tarbytes, final_files = int(tarbytes), int(final_files)
rows = [r for r in sys.argv[7:] if os.path.exists(f"{d}/{r}")]

def med(name):
    runs = [list(map(float, l.split())) for l in open(f"{d}/{name}")]
    return [statistics.median(c) for c in zip(*runs)]

labels = {"imgaudit": "imgaudit audit", "imgaudit-zlib": "imgaudit --inflate=zlib",
          "imgaudit-vfull": "imgaudit --verify=full", "imgaudit-vnone": "imgaudit --verify=none",
          "imgaudit-j1": "imgaudit --jobs 1", "audit-db-cold": "audit --db, cold (empty db)",
          "audit-db-warm": "audit --db, warm (report)",
          "audit-db-layers": "audit --db, layers in db", "scan-cold": "scan, cold (empty db)",
          "scan-warm": "scan, warm (layers cached)", "scan-stored": "scan, report stored",
          "igzip2": "igzip -dc, 2 at a time", "igzip2sha": "igzip -dc + sha256, 2 at a time",
          "gzip": "gzip -dc (each blob)",
          "tar": "tar -tzf (each blob)", "bsdtar": "bsdtar -tzf (each blob)"}
m = {r: med(r) for r in rows}
ia_wall = m["imgaudit"][0]
print(f"median of {repeat} runs; MB = 10^6 bytes; MB/s = uncompressed tar bytes / wall")
print(f"{'':28} {'wall s':>8} {'CPU s':>8} {'peak RSS MB':>12} {'MB/s':>8} {'imgaudit/this':>14}")
for r in rows:
    wall, cpu, rss_kb = m[r]
    ratio = ia_wall / wall if wall > 0 else float("inf")
    mbs = f"{tarbytes / 1e6 / wall:8.0f}" if not r.endswith(("-warm", "-stored", "-layers")) else f"{'':8}"
    print(f"{labels[r]:28} {wall:8.2f} {cpu:8.2f} {rss_kb * 1024 / 1e6:12.1f} {mbs} {ratio:14.2f}")

def target(name, value, limit, fmt=".2f"):
    verdict = "PASS" if value <= limit else "MISS"
    print(f"  {name:44} {value:{fmt}} (target <= {limit:{fmt}})  {verdict}")

print("\ntargets (issue 9):")
if "igzip2" in m:
    target("imgaudit wall / igzip -dc on 2 cores", ia_wall / m["igzip2"][0], 1.25)
target("imgaudit wall / tar -tzf", ia_wall / m["tar"][0], 0.25)
# Not targets: against inflating and hashing, and unverified.
if "igzip2sha" in m:
    print(f"  {'(imgaudit / igzip -dc + sha256 on 2 cores)':44} "
          f"{ia_wall / m['igzip2sha'][0]:.2f}")
if "igzip2" in m and "imgaudit-vnone" in m:
    print(f"  {'(imgaudit --verify=none / igzip -dc, 2 cores)':44} "
          f"{m['imgaudit-vnone'][0] / m['igzip2'][0]:.2f}")
if "audit-db-warm" in m:
    target("re-audit, same image / cold (audit --db)",
           m["audit-db-warm"][0] / m["audit-db-cold"][0], 0.02, ".3f")
if "scan-stored" in m:
    target("re-scan, same image / cold (scan)",
           m["scan-stored"][0] / m["scan-cold"][0], 0.02, ".3f")
# Not the same image: every layer known, the analysis run again.
if "audit-db-layers" in m:
    print(f"  {'(layers known, analysed again: audit --db)':44} "
          f"{m['audit-db-layers'][0] / m['audit-db-cold'][0]:.3f}")
if "scan-warm" in m:
    print(f"  {'(layers known, new config: scan)':44} "
          f"{m['scan-warm'][0] / m['scan-cold'][0]:.3f}")
rss = m["imgaudit"][2] * 1024
budget = 64 * 1048576 + 200 * final_files
verdict = "PASS" if rss <= budget else "MISS"
print(f"  {'imgaudit peak RSS':44} {rss / 1048576:.0f} MiB (target <= 64 MiB + 200 B x "
      f"{final_files} files = {budget / 1048576:.0f} MiB)  {verdict}")
if rss > 64 * 1048576:
    print(f"  {'':44} {(rss - 64 * 1048576) / final_files:.0f} B per file over 64 MiB")
if same:
    print(f"  {'report with --inflate=zlib':44} {same}")
try:
    t = json.load(open(expected))["totals"]
    if "final_files" in t:
        all_layers = f", {t['entries']} entries in all layers" if "entries" in t else ""
        print(f"\nfiles: totals.final_files of imgaudit's report ({final_files}; the builder "
              f"counts {t['final_files']}{all_layers})")
except (OSError, ValueError, KeyError):
    pass
print(f"imgaudit throughput: {tarbytes / 1e6 / ia_wall:.0f} MB/s of tar; "
      f"CPU {m['imgaudit'][1] / ia_wall:.2f} cores busy on average")
EOF
exit 0
