#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# elf_links.sh: the ELF reader and the link graph on real binaries.
# tests/e2e/elf_image.py compiles programs and libraries with gcc (and a
# CUDA library with nvcc when /usr/local/cuda/bin/nvcc or $NVCC exists),
# builds an image of them, and writes facts.json: what ld.so's rules must
# find, by construction (checked against readelf on the same files), what
# `strip` really saves on copies of the same files, and the cubin sizes
# that `nvcc --keep` leaves.  Facts checked:
#
#  - elf_files; the entrypoint plus the Python extension are the roots;
#  - exactly one missing library (libmissing.so.3, needed by the
#    entrypoint), although liba.so.1 is only found through its RUNPATH
#    $ORIGIN/../lib and libb.so.1 through the default directories;
#  - exactly the unreferenced libraries built to be unreferenced: not
#    libcudnn_ops.so.9, which only libcudnn.so.9 loads, with dlopen;
#  - a library cut short (its section table past the end) is one
#    elf-malformed finding naming it, and the audit completes;
#  - debug bytes: only liba.so.1 (built with -g) has .debug_* sections;
#    imgaudit's figure is at most what `strip --strip-debug` saves and
#    within 256 bytes of it (strip also drops the STT_FILE and section
#    symbols from .symtab, ~110 bytes here: auditor/elf.h);
#  - strip_unneeded_bytes within 16 bytes per file of what
#    `strip --strip-unneeded` saves on every file;
#  - with nvcc: SASS bytes per architecture equal the .cubin files'
#    sizes; --target-arch sm_90 reports exactly the sm_80 bytes as other
#    architectures'; --target-arch sm_75 finds that libgpu has nothing to
#    run on it (gpu-arch-missing).

. "$(dirname "$0")/lib.sh"

need_binary
command -v gcc >/dev/null && command -v readelf >/dev/null &&
    command -v strip >/dev/null || skip "gcc, readelf and strip are needed"
python3 "$E2E_DIR/elf_image.py" "$T" >"$T/build.log" 2>&1 ||
    abort "elf_image.py failed: $(tail -5 "$T/build.log")"
facts=$T/elf/facts.json
img=$T/elf/elf/oci-gzip

run_ia report audit --quiet --format json "$img"
expect_rc 0 "elf: JSON report" || finish
pyfact "elf: link graph, debug and strip figures" "$OUT" "$facts" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); f = json.load(open(sys.argv[2]))
b = r["binaries"]; bad = []
if b["elf_files"] != f["elf_files"]: bad.append("elf_files %d" % b["elf_files"])
if b["roots"] != 2: bad.append("roots %d" % b["roots"])
miss = [[m["soname"], m["needed_by"]] for m in b["missing_libraries"]]
if miss != f["missing"]: bad.append("missing %r" % miss)
unref = sorted(u["path"] for u in b["unreferenced_libraries"])
if unref != f["unreferenced"]: bad.append("unreferenced %r" % unref)
if b["unreferenced_bytes"] != f["unreferenced_bytes"]: bad.append("unreferenced_bytes")
if b["unstripped_files"] != len(f["debug_files"]): bad.append("unstripped %d" % b["unstripped_files"])
if not (f["debug_bytes"] - 256 <= b["debug_bytes"] <= f["debug_bytes"]):
    bad.append("debug_bytes %d, strip saves %d" % (b["debug_bytes"], f["debug_bytes"]))
if abs(b["strip_unneeded_bytes"] - f["unneeded_bytes"]) > 16 * f["elf_files"]:
    bad.append("strip_unneeded_bytes %d, strip saves %d" % (b["strip_unneeded_bytes"], f["unneeded_bytes"]))
kinds = [x["kind"] for x in r["findings"]]
for k in ("library-missing", "library-unreferenced", "debug-symbols"):
    if k not in kinds: bad.append("no %s finding" % k)
cut = [x["detail"] for x in r["findings"] if x["kind"] == "elf-malformed"]
if len(cut) != 1 or not cut[0].startswith(f["malformed"] + ":"):
    bad.append("elf-malformed findings %r" % cut)
if f["gpu"]:
    got = {a["arch"]: a["sass_bytes"] for a in b["gpu_architectures"]}
    if got != f["gpu"]["sass"]: bad.append("SASS %r, cubins %r" % (got, f["gpu"]["sass"]))
print("\n".join(bad)); sys.exit(1 if bad else 0)
PY

if python3 -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["gpu"] else 1)' "$facts"; then
	run_ia target audit --quiet --format json --target-arch sm_90 "$img"
	expect_rc 0 "elf: --target-arch sm_90" && pyfact "elf: other architectures' bytes" "$OUT" "$facts" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); f = json.load(open(sys.argv[2]))
b = r["binaries"]; kinds = [x["kind"] for x in r["findings"]]
ok = (b["target_arch"] == ["sm_90"] and b["other_arch_bytes"] == f["gpu"]["sass"]["sm_80"]
      and "other-gpu-arch" in kinds and "gpu-arch-missing" not in kinds)
print("" if ok else "target %r other %r kinds %r" % (b["target_arch"], b["other_arch_bytes"], kinds))
sys.exit(0 if ok else 1)
PY
	run_ia t75 audit --quiet --format json --target-arch sm_75 "$img"
	expect_rc 0 "elf: --target-arch sm_75" && pyfact "elf: nothing runs on sm_75" "$OUT" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
hit = [x for x in r["findings"] if x["kind"] == "gpu-arch-missing"]
ok = len(hit) == 1 and "libgpu.so.1" in hit[0]["detail"]
print("" if ok else repr(hit)); sys.exit(0 if ok else 1)
PY
else
	note "no nvcc: the GPU part of this case is skipped"
fi
run_ia badarch audit --quiet --target-arch sm_x "$img"
expect_rc 2 "elf: --target-arch sm_x is a usage error"
finish
