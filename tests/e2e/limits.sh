#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# limits.sh: the user's ceilings (docs/limits.md) — --max-entries,
# --max-path, --max-json, --max-pkgdb — each set exactly at what the test
# image holds (the audit completes, with no such finding) and one below it
# (the image is refused with exit 2 and one "imgaudit:" line naming the
# image or layer, the value and the option; or the finding is there, naming
# the option).  Then bad values (usage errors, exit 2), and the same
# options on why, diff, scan and with --db.
#
# The image is tests/e2e/limits_image.py's; every number compared with is
# measured here, on its files, not taken from imgaudit or the builder:
# entries per layer and name lengths by python's tarfile over the layer
# blobs (in the manifest's order), JSON document sizes by stat, the dpkg
# status file's size and its "Package:" lines by tarfile.

. "$(dirname "$0")/lib.sh"

need_binary

python3 "$E2E_DIR/limits_image.py" "$T/img" ||
    abort "cannot build the test image (tests/e2e/limits_image.py)"
img=$T/img/limits/oci

# The facts, one "key value" per line.
python3 - "$img" >"$T/facts" <<'PY' || abort "cannot measure $img"
import json, os, sys, tarfile
d = sys.argv[1]
blob = lambda dg: os.path.join(d, "blobs", "sha256", dg.split(":", 1)[1])
index = json.load(open(os.path.join(d, "index.json")))
mdesc = index["manifests"][0]
man = json.load(open(blob(mdesc["digest"])))
sizes = {"index.json": os.stat(os.path.join(d, "index.json")).st_size,
         "blobs/sha256/" + mdesc["digest"][7:]: os.stat(blob(mdesc["digest"])).st_size,
         "blobs/sha256/" + man["config"]["digest"][7:]:
             os.stat(blob(man["config"]["digest"])).st_size}
big = max(sizes, key=sizes.get)
print("json_max_name", big)
print("json_max", sizes[big])
print("json_second", sorted(sizes.values())[-2])
longest, n_longest = 0, 0
for i, l in enumerate(man["layers"]):
    with tarfile.open(blob(l["digest"])) as t:
        ms = t.getmembers()
        print("entries%d %d" % (i, len(ms)))
        print("digest%d %s" % (i, l["digest"][:19]))
        for m in ms:
            if len(m.name) > longest:
                longest, n_longest = len(m.name), 0
            if len(m.name) == longest:
                n_longest += 1
            if m.name == "var/lib/dpkg/status":
                print("status_size", m.size)
                data = t.extractfile(m).read()
                print("status_packages", data.count(b"\nPackage: ") +
                      data.startswith(b"Package: "))
print("path_max", longest)
print("path_max_n", n_longest)
PY
fact() { awk -v k="$1" '$1 == k { print $2 }' "$T/facts"; }
E0=$(fact entries0)
E1=$(fact entries1)
D1=$(fact digest1)
L=$(fact path_max)
J=$(fact json_max)
JNAME=$(fact json_max_name)
J2=$(fact json_second)
S=$(fact status_size)
P=$(fact status_packages)
for v in E0 E1 D1 L J JNAME J2 S P; do
	[ -n "${!v}" ] || abort "no $v measured in $T/facts"
done
[ "$E1" -gt "$E0" ] || abort "layer 1 ($E1 entries) should hold more than layer 0 ($E0)"
[ "$(fact path_max_n)" = 1 ] || abort "more than one name of the longest length"
[ "$J2" -lt "$((J - 1))" ] || abort "two JSON documents of about the largest size"
note "measured: layer entries $E0, $E1; longest name $L bytes;" \
    "largest JSON $JNAME, $J bytes; dpkg status $S bytes, $P packages"

# kinds FILE KIND: how many findings of KIND the JSON report FILE holds.
kinds() {
	python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
print(sum(f["kind"] == sys.argv[2] for f in r["findings"]))' "$1" "$2"
}
# details FILE KIND: their details, one a line.
details() {
	python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
print("\n".join(f["detail"] for f in r["findings"] if f["kind"] == sys.argv[2]))' "$1" "$2"
}
dpkg_count() {
	python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
print(sum(p["ecosystem"] == "dpkg" for p in r["packages"]))' "$1"
}
# one_line_with WHAT STRING...: stderr is one "imgaudit: " line holding each STRING.
one_line_with() {
	local what=$1 s ok=1
	shift
	[ "$(wc -l <"$ERR")" -eq 1 ] && grep -q '^imgaudit: ' "$ERR" || ok=0
	for s in "$@"; do grep -qF -- "$s" "$ERR" || ok=0; done
	if [ $ok = 1 ]; then ok "$what"; else fail "$what: want one line with $* $(last_run)"; fi
}

# ---- --max-entries: entries kept from one layer; past it, refused ----
run_ia ent_at audit --quiet --format json -o "$T/ent_at.json" "$img" \
    --max-entries "$E1"
expect_rc 0 "--max-entries $E1 (layer 1 holds $E1): audited"
run_ia ent_over audit --quiet --format json -o "$T/ent_over.json" "$img" \
    --max-entries "$((E1 - 1))"
if expect_rc 2 "--max-entries $((E1 - 1)): refused"; then
	one_line_with "--max-entries refusal names the image, layer 1, its digest, the option" \
	    "$img: layer 1 ($D1) has more than" \
	    "(--max-entries $((E1 - 1))); raise --max-entries to read it"
	check "--max-entries refusal leaves no report" test ! -e "$T/ent_over.json"
	check "--max-entries refusal writes nothing on stdout" test ! -s "$OUT"
fi

# ---- --max-path: one entry name; past it, unsafe and a finding ----
run_ia path_default audit --quiet --format json -o "$T/path_default.json" "$img"
expect_rc 0 "default --max-path (4096), longest name $L bytes: audited" &&
    check "default --max-path: no name-too-long finding" \
    test "$(kinds "$T/path_default.json" name-too-long)" = 0
run_ia path_at audit --quiet --format json -o "$T/path_at.json" "$img" \
    --max-path "$L"
expect_rc 0 "--max-path $L: audited" &&
    check "--max-path $L (the longest name): no name-too-long finding" \
    test "$(kinds "$T/path_at.json" name-too-long)" = 0
run_ia path_over audit --quiet --format json -o "$T/path_over.json" "$img" \
    --max-path "$((L - 1))"
if expect_rc 0 "--max-path $((L - 1)): still audited"; then
	check "--max-path $((L - 1)): exactly one name-too-long finding" \
	    test "$(kinds "$T/path_over.json" name-too-long)" = 1
	check "--max-path finding names the length and the option" \
	    grep -qF "a $L-byte name starting 'long/aaa" \
	    <(details "$T/path_over.json" name-too-long)
	check "--max-path finding says how to raise it" \
	    grep -qF "over --max-path $((L - 1)); not placed in the final tree (raise --max-path to place it)" \
	    <(details "$T/path_over.json" name-too-long)
fi

# ---- --max-json: one manifest, index or config; past it, refused ----
run_ia json_at audit --quiet --format json -o "$T/json_at.json" "$img" \
    --max-json "$J"
expect_rc 0 "--max-json $J (the largest document, $JNAME): audited"
run_ia json_over audit --quiet --format json -o "$T/json_over.json" "$img" \
    --max-json "$((J - 1))"
if expect_rc 2 "--max-json $((J - 1)): refused"; then
	one_line_with "--max-json refusal names the document, its size and the option" \
	    "$img: $JNAME is" "(--max-json $((J - 1))); raise --max-json to read it"
	check "--max-json refusal leaves no report" test ! -e "$T/json_over.json"
fi
# Units: 2KiB is 2048 bytes, 1MB 1,000,000 (the config is 3 kB or so).
if [ "$J" -gt 2048 ] && [ "$J" -lt 1000000 ]; then
	run_ia json_kib audit --quiet --format json "$img" --max-json 2KiB
	expect_rc 2 "--max-json 2KiB ($J-byte $JNAME): refused" &&
	    one_line_with "--max-json 2KiB is 2048 bytes" "is $(python3 -c "print(f'{$J:,}')") bytes, larger than one JSON document may be, 2 KiB (--max-json 2048)"
	run_ia json_mb audit --quiet --format json "$img" --max-json 1MB
	expect_rc 0 "--max-json 1MB: audited"
else
	fail "the config ($J bytes) should be between 2 KiB and 1 MB"
fi
# The same through an OCI archive (the layout in a tar: a tar member).
(cd "$img" && tar -cf "$T/limits.tar" oci-layout index.json blobs) ||
    abort "cannot tar the layout"
run_ia arch_at audit --quiet --format json "oci-archive:$T/limits.tar" --max-json "$J"
expect_rc 0 "oci-archive, --max-json $J: audited"
run_ia arch_over audit --quiet --format json "oci-archive:$T/limits.tar" \
    --max-json "$((J - 1))"
expect_rc 2 "oci-archive, --max-json $((J - 1)): refused" &&
    one_line_with "oci-archive --max-json refusal names the member and the option" \
    "$T/limits.tar: $JNAME is" "(--max-json $((J - 1)))"

# ---- --max-pkgdb: one package-database file; past it, not read ----
run_ia pkg_at audit --quiet --format json -o "$T/pkg_at.json" "$img" \
    --max-pkgdb "$S"
if expect_rc 0 "--max-pkgdb $S (the dpkg status): audited"; then
	check "--max-pkgdb $S: the $P packages of the status file" \
	    test "$(dpkg_count "$T/pkg_at.json")" = "$P"
	check "--max-pkgdb $S: no package-db-too-large finding" \
	    test "$(kinds "$T/pkg_at.json" package-db-too-large)" = 0
fi
run_ia pkg_over audit --quiet --format json -o "$T/pkg_over.json" "$img" \
    --max-pkgdb "$((S - 1))"
if expect_rc 0 "--max-pkgdb $((S - 1)): still audited"; then
	check "--max-pkgdb $((S - 1)): no dpkg package read" \
	    test "$(dpkg_count "$T/pkg_over.json")" = 0
	check "--max-pkgdb $((S - 1)): one package-db-too-large finding" \
	    test "$(kinds "$T/pkg_over.json" package-db-too-large)" = 1
	check "--max-pkgdb finding names the file, its size and the option" \
	    grep -qF "/var/lib/dpkg/status is $S bytes, over --max-pkgdb $((S - 1))" \
	    <(details "$T/pkg_over.json" package-db-too-large)
fi

# ---- bad values: usage errors, exit 2, one line saying what it takes ----
for opt in max-entries max-path max-json max-pkgdb; do
	for bad in 0 -1 abc 99999999999999999999999 ''; do
		run_ia usage audit "$img" "--$opt" "$bad"
		expect_rc 2 "--$opt '$bad': usage error" &&
		    one_line_with "--$opt '$bad': says what the option takes" \
		    "imgaudit: --$opt takes a"
	done
done
for v in 100000001:max-entries 32769:max-path 2GiB:max-json 1.5GiB:max-pkgdb \
    1e6:max-entries 12XB:max-json; do
	run_ia usage audit "$img" "--${v#*:}=${v%%:*}"
	expect_rc 2 "--${v#*:}=${v%%:*}: usage error" &&
	    one_line_with "--${v#*:}=${v%%:*}: says what it takes" "--${v#*:} takes a"
done
run_ia usage audit "$img" --max-json
expect_rc 2 "--max-json without a value: usage error"

# ---- the other commands that read an image take the same options ----
run_ia why_at why "$img" dpkg:beta --max-pkgdb "$S"
expect_rc 0 "why dpkg:beta, --max-pkgdb $S: found"
run_ia why_over why "$img" dpkg:beta --max-pkgdb "$((S - 1))"
expect_rc 2 "why dpkg:beta, --max-pkgdb $((S - 1)): the package is not read"
run_ia why_ent why "$img" dpkg:beta --max-entries "$((E1 - 1))"
expect_rc 2 "why, --max-entries $((E1 - 1)): refused" &&
    one_line_with "why names --max-entries" "(--max-entries $((E1 - 1)))"
run_ia diff_ent diff "$img" "$img" --max-entries "$((E1 - 1))"
expect_rc 2 "diff, --max-entries $((E1 - 1)): refused" &&
    one_line_with "diff names --max-entries" "layer 1 ($D1)" "(--max-entries $((E1 - 1)))"
run_ia diff_json diff "$img" "$img" --max-json "$((J - 1))"
expect_rc 2 "diff, --max-json $((J - 1)): refused" &&
    one_line_with "diff names --max-json" "(--max-json $((J - 1)))"
run_ia diff_at diff "$img" "$img" --max-entries "$E1" --max-json "$J"
expect_rc 0 "diff at the limits: compared"
run_ia scan_usage scan docker://127.0.0.1:9 --db "$T/scan.db" --max-entries 0
expect_rc 2 "scan --max-entries 0: usage error" &&
    one_line_with "scan --max-entries 0: says what it takes" "--max-entries takes a"

# ---- --db: results kept under the defaults still obey the limits ----
run_ia db_fill audit --quiet --format json -o "$T/db_fill.json" "$img" --db "$T/layers.db"
expect_rc 0 "audit --db (fills the layer cache)"
run_ia db_ent audit --quiet --format json "$img" --db "$T/layers.db" \
    --max-entries "$((E1 - 1))"
expect_rc 2 "--db, --max-entries $((E1 - 1)): a cached layer is refused too" &&
    one_line_with "--db refusal names layer 1 and the option" \
    "layer 1 ($D1) has more than" "(--max-entries $((E1 - 1)))"
run_ia db_path audit --quiet --format json -o "$T/db_path.json" "$img" \
    --db "$T/layers.db" --max-path "$((L - 1))"
expect_rc 0 "--db, --max-path $((L - 1)): audited" &&
    check "--db, --max-path $((L - 1)): the finding (not the cached result's silence)" \
    test "$(kinds "$T/db_path.json" name-too-long)" = 1
run_ia db_pkg audit --quiet --format json -o "$T/db_pkg.json" "$img" \
    --db "$T/layers.db" --max-pkgdb "$((S - 1))"
expect_rc 0 "--db, --max-pkgdb $((S - 1)): audited" &&
    check "--db, --max-pkgdb $((S - 1)): no dpkg package read" \
    test "$(dpkg_count "$T/db_pkg.json")" = 0

finish
