#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# hostile.sh: readable images whose layers hold hostile entries (built by
# test-images/build.py under $IMAGES/bad/).  imgaudit reads such an image,
# exits 0, and lists what is wrong as findings (the contract's kinds:
# path-traversal, absolute-path, name-too-long, symlink-loop,
# hardlink-missing); it never extracts, so nothing may appear on disk where
# an extracting tool would have written: for every entry name and link
# target of every layer (listed here by python's tarfile), neither the
# absolute path nor the path resolved against the working directory (a
# directory deep inside the scratch dir) may be created or changed by the
# run.  Image strings are hostile: the text report has no ESC byte.
#
# Which image must give which kinds: $IMAGES/bad/readable.json, the
# builder's list ([{"image": "bad/x", "findings": [...]}]); each image
# directory has an expected.json (its notes say how the hostile entries are
# counted) and is read in every format it lists.

. "$(dirname "$0")/lib.sh"

need_binary

list=$IMAGES/bad/readable.json
[ -f "$list" ] || abort "no $list (build the test images: python3 test-images/build.py $IMAGES)"
table=$T/hostile.tsv
python3 -c '
import json, os, sys
root = os.path.dirname(os.path.dirname(sys.argv[1]))
for e in json.load(open(sys.argv[1])):
    exp = json.load(open(os.path.join(root, e["image"], "expected.json")))
    for f in exp["formats"]:
        print(e["image"] + "\t" + f["path"] + "\t" + " ".join(e["findings"]))' \
    "$list" >"$table" || abort "cannot read $list or the expected.json it names"
for stem in traversal longname symlink-loop hardlink-missing; do
	grep -q "^bad/$stem"$'\t' "$table" || fail "readable.json has no bad/$stem"
done

# Work from deep inside the scratch dir, so that "../../x" would land in it.
work=$T/w/a/b/c/d
mkdir -p "$work"
marker=$T/marker
touch "$marker"
sleep 1	# mtimes have 1 s resolution on some filesystems

while IFS=$'\t' read -r dir variant kinds; do
	path=$dir/$variant
	img=$IMAGES/$path
	if [ ! -e "$img" ]; then
		fail "$path: listed but missing"
		continue
	fi

	# Where would an extractor write?  Record what is there now.
	python3 "$E2E_DIR/check.py" entry-names "$img" >"$T/names" ||
	    { fail "$path: cannot list its entries with python"; continue; }
	: >"$T/places"
	while IFS= read -r -d '' n; do
		case $n in
		/*) printf '%s\n' "$n" ;;
		*) realpath -m -- "$work/$n"; printf '%s\n' "/$n" ;;
		esac
	done <"$T/names" | sort -u >"$T/places"
	: >"$T/before"
	while IFS= read -r p; do
		if [ -e "$p" ] || [ -L "$p" ]; then
			stat -c '%n %s %Y %i' -- "$p" >>"$T/before" 2>/dev/null
		fi
	done <"$T/places"
	find "$T" -path "$T/out" -prune -o -print | sort >"$T/tree-before"

	mkdir -p "$T/out"
	pushd "$work" >/dev/null || abort "cd $work"
	run_ia "out/json" audit --quiet --format json --top 10 "$img"
	popd >/dev/null || abort "popd"
	if expect_rc 0 "$path (hostile but readable)"; then
		pycheck "$path: findings include $kinds [$CMD]" \
		    findings "$OUT" $kinds
		pycheck "$path: report equals its expected.json [$CMD]" \
		    expected "$OUT" "$IMAGES/$dir/expected.json" "$variant"
		pycheck "$path: the report is v1 JSON [$CMD]" \
		    subset "$OUT" '{"schema": "imgaudit.report/v1"}'
	fi
	pushd "$work" >/dev/null || abort "cd $work"
	run_ia "out/text" audit --quiet --format text "$img"
	popd >/dev/null || abort "popd"
	if expect_rc 0 "$path, text report"; then
		check "$path: text report has no ESC byte [$CMD]" no_esc "$OUT"
	fi

	# Nothing appeared or changed where the entries point.
	: >"$T/after"
	while IFS= read -r p; do
		if [ -e "$p" ] || [ -L "$p" ]; then
			stat -c '%n %s %Y %i' -- "$p" >>"$T/after" 2>/dev/null
		fi
	done <"$T/places"
	changed=$(diff "$T/before" "$T/after" | grep '^[<>]' | head -n 5)
	check "$path: no file created or changed where its entries point${changed:+: $changed}" \
	    test -z "$changed"
	find "$T" -path "$T/out" -prune -o -print | sort >"$T/tree-after"
	new=$(comm -13 "$T/tree-before" "$T/tree-after" |
	    grep -v -e "^$T/names$" -e "^$T/places$" -e "^$T/before$" \
	    -e "^$T/after$" -e "^$T/tree-" | head -n 5)
	check "$path: nothing new in the scratch dir${new:+: $new}" test -z "$new"
done <"$table"

# Well-known victims of traversal, anywhere: untouched since we started.
for p in /etc/passwd /etc/shadow /root/.bashrc /tmp/x /x /passwd /shadow; do
	if [ -e "$p" ] && [ "$p" -nt "$marker" ]; then
		fail "$p changed during the run"
	fi
done
new=$(find / -xdev -maxdepth 3 -newer "$marker" \
    \( -name passwd -o -name shadow -o -name x \) \
    -not -path "$T/*" -not -path '/proc/*' -not -path '/sys/*' 2>/dev/null | head -n 5)
check "no passwd/shadow/x file appeared within 3 levels of / ${new:+: $new}" test -z "$new"

finish
