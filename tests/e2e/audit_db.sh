#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# audit_db.sh: `audit --db FILE` keeps each layer's result in the scan
# database and reads a known layer from there instead of its blob
# (docs/usage.md, docs/performance.md: the warm re-audit).
#
#  - the first run (an empty database) reports exactly what a run without
#    --db reports, for the demo and the serving image;
#  - then the layer blobs are deleted from a copy of the layout (the
#    manifest and the config stay): without --db the audit fails (exit 2,
#    absent blob), with --db it succeeds and reports the same bytes, so
#    every layer came from the database and none was read;
#  - the text report too;
#  - `why` takes --db; `diff --db` is a usage error (exit 2).

. "$(dirname "$0")/lib.sh"

need_binary
need_image demo

for name in demo serving; do
	src=$IMAGES/$name/oci-gzip
	if [ ! -d "$src" ]; then
		fail "no $src"
		continue
	fi
	img=$T/$name
	rm -rf "$img"
	cp -r "$src" "$img"

	run_ia "$name-plain" audit --quiet --format json "$img"
	expect_rc 0 "$name without --db" || continue
	plain=$T/$name-plain.out

	run_ia "$name-cold" audit --quiet --format json --db "$T/$name.db" "$img"
	expect_rc 0 "$name, --db into an empty database" || continue
	check "$name: --db's first run reports what a run without it does [$CMD]" \
	    cmp -s "$plain" "$OUT"
	check "$name: the database exists" test -s "$T/$name.db"
	run_ia "$name-text" audit --quiet --db "$T/$name.db" "$img"
	expect_rc 0 "$name, text" && text=$OUT

	# The layer blobs go; the index, manifest and config stay.
	layers=$(python3 - "$img" <<'EOF'
import json, os, sys
root = sys.argv[1]
def blob(d):
    return os.path.join(root, "blobs", *d.split(":"))
m = json.load(open(os.path.join(root, "index.json")))
while "layers" not in m:
    m = json.load(open(blob(m["manifests"][0]["digest"])))
for l in m["layers"]:
    os.remove(blob(l["digest"]))
print(len(m["layers"]))
EOF
	) || { fail "$name: could not delete the layer blobs"; continue; }
	check "$name: has layers to delete ($layers)" test "${layers:-0}" -gt 0

	run_ia "$name-gone" audit --quiet --format json "$img"
	expect_rc 2 "$name without its layer blobs and without --db"

	run_ia "$name-warm" audit --quiet --format json --db "$T/$name.db" "$img"
	expect_rc 0 "$name without its layer blobs, with --db" || continue
	check "$name: the warm report equals the cold one, byte for byte [$CMD]" \
	    cmp -s "$plain" "$OUT"
	run_ia "$name-warm-text" audit --quiet --db "$T/$name.db" "$img"
	expect_rc 0 "$name, text, warm" &&
	    check "$name: the warm text report equals the cold one [$CMD]" \
	    cmp -s "$text" "$OUT"
done

# why takes --db (the demo's layers are in demo.db, its blobs gone): the
# demo's builder installs torch with pip (test-images/build.py).
run_ia why why --quiet --format json --db "$T/demo.db" "$T/demo" pip:torch
expect_rc 0 "why --db on the demo without its blobs" &&
    check "why --db reports torch [$CMD]" python3 -c '
import json, sys
sys.exit(json.load(open(sys.argv[1]))["package"]["name"] != "torch")' "$OUT"

run_ia diffdb diff --db "$T/x.db" "$T/demo" "$T/demo"
expect_rc 2 "diff --db is a usage error"

finish
