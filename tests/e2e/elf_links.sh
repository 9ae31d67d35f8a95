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
#  - elf_files; the roots are the two executables and the Python
#    extension;
#  - exactly one missing library (libmissing.so.3, needed by the
#    entrypoint), although every other one is found by one rule of
#    ld.so's only: liba.so.1 through RUNPATH $ORIGIN/../lib, libb.so.1
#    through the default directories, libenv.so.1 through the config's
#    LD_LIBRARY_PATH, libconf.so.1 through /etc/ld.so.conf's include of
#    /etc/ld.so.conf.d/*.conf (past a 32-bit libconf.so.1 earlier in
#    LD_LIBRARY_PATH, which ld.so skips), librp2.so.1 through the
#    DT_RPATH $ORIGIN/../rlib that librp1.so.1 inherits from rprog;
#  - exactly the unreferenced libraries built to be unreferenced: not
#    libcudnn_ops.so.9, which only libcudnn.so.9 loads, with dlopen;
#  - a library cut short (its section table past the end) and one that
#    claims a million sections are one elf-malformed finding each, and
#    the audit completes;
#  - debug bytes: only liba.so.1 (built with -g) has .debug_* sections;
#    imgaudit's figure is at most what `strip --strip-debug` saves and
#    within 256 bytes of it (strip also drops the STT_FILE and section
#    symbols from .symtab, ~110 bytes here: auditor/elf.h);
#  - strip_unneeded_bytes within 16 bytes per file of what
#    `strip --strip-unneeded` saves on every file;
#  - with nvcc: SASS bytes per architecture equal the .cubin files'
#    sizes, PTX bytes the (minified, padded) .ptx file's size;
#    --target-arch sm_90 reports exactly the sm_80 bytes as other
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
if b["roots"] != f["roots"]: bad.append("roots %d" % b["roots"])
miss = [[m["soname"], m["needed_by"]] for m in b["missing_libraries"]]
if miss != f["missing"]: bad.append("missing %r" % miss)
unref = sorted(u["path"] for u in b["unreferenced_libraries"])
if unref != f["unreferenced"]: bad.append("unreferenced %r" % unref)
for p in f["reached"]:
    if p in unref: bad.append("%s not reached" % p)
if b["unreferenced_bytes"] != f["unreferenced_bytes"]: bad.append("unreferenced_bytes")
if b["unstripped_files"] != len(f["debug_files"]): bad.append("unstripped %d" % b["unstripped_files"])
if not (f["debug_bytes"] - 256 <= b["debug_bytes"] <= f["debug_bytes"]):
    bad.append("debug_bytes %d, strip saves %d" % (b["debug_bytes"], f["debug_bytes"]))
if abs(b["strip_unneeded_bytes"] - f["unneeded_bytes"]) > 16 * f["elf_files"]:
    bad.append("strip_unneeded_bytes %d, strip saves %d" % (b["strip_unneeded_bytes"], f["unneeded_bytes"]))
kinds = [x["kind"] for x in r["findings"]]
for k in ("library-missing", "library-unreferenced", "debug-symbols"):
    if k not in kinds: bad.append("no %s finding" % k)
cut = sorted(x["detail"] for x in r["findings"] if x["kind"] == "elf-malformed")
if len(cut) != len(f["malformed"]) or not all(
        c.startswith(m + ":") for c, m in zip(cut, f["malformed"])):
    bad.append("elf-malformed findings %r" % cut)
elif "1000000 sections claimed" not in cut[1]:
    bad.append("million sections: %r" % cut[1])
if f["gpu"]:
    got = {a["arch"]: a["sass_bytes"] for a in b["gpu_architectures"]}
    if got != f["gpu"]["sass"]: bad.append("SASS %r, cubins %r" % (got, f["gpu"]["sass"]))
    got = {a["arch"]: a["ptx_bytes"] for a in b["gpu_architectures"]}
    if got != f["gpu"]["ptx"]: bad.append("PTX %r, .ptx %r" % (got, f["gpu"]["ptx"]))
print("\n".join(bad)); sys.exit(1 if bad else 0)
PY

if python3 -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["gpu"] else 1)' "$facts"; then
	run_ia target audit --quiet --format json --target-arch sm_90 "$img"
	expect_rc 0 "elf: --target-arch sm_90" && pyfact "elf: other architectures' bytes" "$OUT" "$facts" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); f = json.load(open(sys.argv[2]))
b = r["binaries"]; kinds = [x["kind"] for x in r["findings"]]
ok = (b["target_arch"] == ["sm_90"]
      and b["other_arch_bytes"] == f["gpu"]["sass"]["sm_80"] + f["gpu"]["ptx"]["sm_80"]
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
