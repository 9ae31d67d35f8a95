#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# limits_registry.sh: --max-json and --max-entries on an image read from a
# registry (docker://, Debian's docker-registry on 127.0.0.1, registry_lib.sh),
# where the documents come over HTTP (registry.c's body limit) rather than
# from a file: tests/e2e/limits_image.py's image pushed with skopeo, then
#
#  - --max-json at the size of the largest document the registry serves
#    (the manifest fetched here with python's urllib, the config blob's
#    file in the registry's storage: both measured with stat) is audited;
#    one byte less than the config is refused naming --max-json; one byte
#    less than the manifest too (the manifest is the first thing read);
#  - --max-entries one below layer 1's entries (python's tarfile over the
#    layout's blob) is refused naming the layer and --max-entries;
#  - scan with --max-json one byte below the manifest records the image as
#    failed, the error naming --max-json, and exits 0 (the catalog was read).
#
# Skips (77) when docker-registry or skopeo is missing.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/registry_lib.sh"

reg_need_tools
need_binary

python3 "$E2E_DIR/limits_image.py" "$T/img" ||
    abort "cannot build the test image (tests/e2e/limits_image.py)"
img=$T/img/limits/oci
reg_start r none || abort "cannot start docker-registry"
reg_push r "oci:$img:latest" limits:1 || abort "cannot push the image"
reg_manifest r limits 1 "$T/manifest.json" || abort "cannot fetch the manifest"
M=$(stat -c %s "$T/manifest.json")
read -r cfg_digest E1 < <(python3 - "$T/manifest.json" "$img" <<'PY'
import json, os, sys, tarfile
man = json.load(open(sys.argv[1]))
# Layer 1 of the layout: the same blob skopeo pushed (no recompression).
lay = json.load(open(os.path.join(sys.argv[2], "index.json")))["manifests"][0]
lm = json.load(open(os.path.join(sys.argv[2], "blobs", "sha256", lay["digest"][7:])))
with tarfile.open(os.path.join(sys.argv[2], "blobs", "sha256",
        lm["layers"][1]["digest"][7:])) as t:
    n = len(t.getmembers())
print(man["config"]["digest"], n)
PY
)
cfg_file=$(reg_blob_file r "$cfg_digest")
[ -f "$cfg_file" ] || abort "no config blob $cfg_digest in the registry's storage"
C=$(stat -c %s "$cfg_file")
[ "$C" -gt "$M" ] || abort "the config ($C bytes) should be larger than the manifest ($M)"
note "measured: manifest $M bytes, config $C bytes, layer 1 $E1 entries"
ref=docker://$REG/limits:1

run_ia at audit --quiet --format json --tls-verify=false "$ref" --max-json "$C"
expect_rc 0 "docker://, --max-json $C (the config): audited"
run_ia cfg audit --quiet --format json --tls-verify=false "$ref" --max-json "$((C - 1))"
expect_rc 2 "docker://, --max-json $((C - 1)): refused" &&
    check "docker://, config over --max-json: one line naming the option" \
    test "$(wc -l <"$ERR")" = 1 -a -n "$(grep -F "(--max-json $((C - 1))); raise --max-json to read it" "$ERR")"
run_ia man audit --quiet --format json --tls-verify=false "$ref" --max-json "$((M - 1))"
expect_rc 2 "docker://, --max-json $((M - 1)): refused" &&
    check "docker://, manifest over --max-json: names the manifest and the option" \
    grep -qF "the manifest is larger than one JSON document may be, $((M - 1)) bytes (--max-json $((M - 1)))" "$ERR"
run_ia ent audit --quiet --format json --tls-verify=false "$ref" --max-entries "$((E1 - 1))"
expect_rc 2 "docker://, --max-entries $((E1 - 1)): refused" &&
    check "docker://, --max-entries: names layer 1 and the option" \
    grep -qF "layer 1 (sha256:" "$ERR" &&
    check "docker://, --max-entries: the value" \
    grep -qF "(--max-entries $((E1 - 1))); raise --max-entries" "$ERR"

run_ia scan scan "docker://$REG" --tls-verify=false --db "$T/scan.db" \
    --max-json "$((M - 1))"
expect_rc 0 "scan, --max-json $((M - 1)): the scan itself completes"
check "scan, --max-json $((M - 1)): limits:1 failed" grep -q '^limits:1 .* failed$' "$OUT"
check "scan, --max-json $((M - 1)): the error names --max-json" \
    grep -qF "the manifest is over --max-json $((M - 1)) bytes; raise --max-json to read it" "$ERR"
run_ia scan_ok scan "docker://$REG" --tls-verify=false --db "$T/scan.db" \
    --max-json "$C"
expect_rc 0 "scan, --max-json $C" &&
    check "scan, --max-json $C: limits:1 audited" grep -q '^limits:1 .* audited$' "$OUT"

finish
