#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# audit_db.sh: `audit --db FILE` keeps each layer's result and each finished
# report in the scan database, and a re-audit takes them from there instead
# of reading the blobs (docs/usage.md, docs/performance.md: the warm
# re-audit).
#
#  - the first run (an empty database) reports exactly what a run without
#    --db reports, for the demo and the serving image;
#  - then the layer blobs are deleted from a copy of the layout (the
#    manifest and the config stay): without --db the audit fails (exit 2,
#    absent blob).  With --db, on copies of the database:
#     - its layer rows deleted, only the stored report can answer: exit 0
#       and the same bytes (JSON and text), and the same again from another
#       copy of the layout (image.ref is the new path, nothing else moves);
#     - its report deleted, only the layer rows can answer: the same bytes;
#     - its layer rows deleted, a run that would analyse otherwise takes no
#       stored report and so fails for want of blobs: --top, --profile,
#       --target-arch, --verify, --kb-extra, --policy, a limit
#       (--max-entries, --max-json), another build of
#       imgaudit (the binary with a byte appended);
#     - --top 3 on the whole database: the layer rows answer, with what a
#       plain --top 3 run printed before the blobs went;
#     - a stored report that is not JSON is not taken: the layers answer;
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
	run_ia "$name-plain3" audit --quiet --format json --top 3 "$img"
	expect_rc 0 "$name --top 3 without --db" || continue

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

	for c in "reports:DELETE FROM layers" "layers:DELETE FROM reports" \
	    "badreport:UPDATE reports SET json = 'not json {'"; do
		python3 -c 'import shutil, sqlite3, sys
shutil.copy(sys.argv[1], sys.argv[2])
c = sqlite3.connect(sys.argv[2]); c.executescript(sys.argv[3]); c.commit()' \
		    "$T/$name.db" "$T/$name-${c%%:*}.db" "${c#*:}" ||
		    fail "$name: cannot make the database copy ${c%%:*}"
	done

	run_ia "$name-warm" audit --quiet --format json \
	    --db "$T/$name-reports.db" "$img"
	expect_rc 0 "$name without its layer blobs or layer rows: the stored report" &&
	    check "$name: the stored report equals the cold one, byte for byte [$CMD]" \
	    cmp -s "$plain" "$OUT"
	run_ia "$name-warm-text" audit --quiet --db "$T/$name-reports.db" "$img"
	expect_rc 0 "$name, text, from the stored report" &&
	    check "$name: the warm text report equals the cold one [$CMD]" \
	    cmp -s "$text" "$OUT"
	rm -rf "$T/$name-moved"
	cp -r "$img" "$T/$name-moved"
	run_ia "$name-moved" audit --quiet --format json \
	    --db "$T/$name-reports.db" "$T/$name-moved"
	expect_rc 0 "$name from another path, the stored report" &&
	    pyfact "$name: from another path, image.ref is that path and the rest is the same [$CMD]" \
	    "$plain" "$OUT" "$T/$name-moved" <<'PY'
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
if b["image"]["ref"] != sys.argv[3]:
    sys.exit("image.ref %r, want %r" % (b["image"]["ref"], sys.argv[3]))
a["image"]["ref"] = b["image"]["ref"]
if a != b:
    sys.exit("the reports differ beyond image.ref")
PY

	run_ia "$name-layers" audit --quiet --format json \
	    --db "$T/$name-layers.db" "$img"
	expect_rc 0 "$name without its layer blobs or stored report: the layer rows" &&
	    check "$name: the layer rows' report equals the cold one, byte for byte [$CMD]" \
	    cmp -s "$plain" "$OUT"
	run_ia "$name-badreport" audit --quiet --format json \
	    --db "$T/$name-badreport.db" "$img"
	expect_rc 0 "$name with a stored report that is not JSON: the layer rows" &&
	    check "$name: which report equals the cold one [$CMD]" \
	    cmp -s "$plain" "$OUT"

	# Analysed otherwise: no stored report is taken, and no layer is left.
	printf -- '-- nothing\n' >"$T/empty.sql"
	printf '{"max_final_size": "1TB"}\n' >"$T/policy.json"
	for opts in "--top 3" "--profile training" "--target-arch sm_90" \
	    "--verify full" "--kb-extra $T/empty.sql" "--policy $T/policy.json" \
	    "--max-entries 3000000" "--max-json 100MB"; do
		# shellcheck disable=SC2086
		run_ia "$name-other" audit --quiet --format json $opts \
		    --db "$T/$name-reports.db" "$img"
		expect_rc 2 "$name, $opts: not the stored report, so the absent blobs" &&
		    check "$name, $opts: says which blob is missing" \
		    grep -q "missing blob" "$ERR"
	done
	cp "$IMGAUDIT" "$T/ia-rebuilt" && printf 'x' >>"$T/ia-rebuilt"
	saved=$IMGAUDIT
	IMGAUDIT=$T/ia-rebuilt
	run_ia "$name-rebuilt" audit --quiet --format json \
	    --db "$T/$name-reports.db" "$img"
	IMGAUDIT=$saved
	expect_rc 2 "$name, another build of imgaudit: not the stored report" &&
	    check "$name, another build: says which blob is missing" \
	    grep -q "missing blob" "$ERR"

	run_ia "$name-top3" audit --quiet --format json --top 3 \
	    --db "$T/$name.db" "$img"
	expect_rc 0 "$name --top 3, the layer rows" &&
	    check "$name --top 3: what a plain --top 3 printed [$CMD]" \
	    cmp -s "$T/$name-plain3.out" "$OUT"
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
