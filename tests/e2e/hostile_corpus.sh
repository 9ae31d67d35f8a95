#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# hostile_corpus.sh: the hostile-image corpus of test-images/hostile.py (a
# million files, 10,000 levels of directories, link loops, one layer listed
# 1,000 times, duplicate JSON keys, invalid UTF-8 everywhere, whiteouts of
# /, a zstd frame with a wrong checksum, a 100 MB dpkg status, dependency
# graphs dense, chained and wide, a 10 GB gzip bomb, 10 GB sparse files, a
# 100 MB config history).  For each, imgaudit either refuses the image
# (exit 2, one "imgaudit:" line naming it) or completes the audit (exit 0,
# a JSON report that parses), within IA_TIMEOUT seconds and HOSTILE_MAX_KB
# of memory (/usr/bin/time's %M), never killed by a signal, with no
# sanitizer report, and writing nothing in its working directory.
#
# Where the builder knows more, hostile.json says it and hostile_check.py
# holds imgaudit to it: which of refusal or audit it must be, what the
# message or the findings name, and the builder's own numbers (how far the
# ratio check may let the bomb inflate, the sparse files' apparent sizes,
# the chain's removal sets, a memory bound below the data's size).
#
# The corpus is built once into $IMAGES/../hostile-images (rebuilt when
# hostile.py or build.py is newer; the bomb's checksums take about 15 s).
# Under AddressSanitizer (ASAN_OPTIONS set, as `make check-asan` does) the
# corpus is built with --small (a tenth of the entries, depth and bomb
# size), into hostile-images-small, and the per-image memory bounds are
# not checked.

. "$(dirname "$0")/lib.sh"

need_binary
[ -x /usr/bin/time ] || skip "no /usr/bin/time (apt-get install time)"
command -v zstd >/dev/null || skip "no zstd command"

HOSTILE_MAX_KB=${HOSTILE_MAX_KB:-2000000}
small=
dir=$IMAGES/../hostile-images
if [ -n "${ASAN_OPTIONS:-}" ]; then
	small=--small
	dir=$dir-small
fi
stamp=$dir/hostile.json
if [ ! -f "$stamp" ] || [ "$REPO/test-images/hostile.py" -nt "$stamp" ] ||
    [ "$REPO/test-images/build.py" -nt "$stamp" ]; then
	rm -rf "$dir"
	python3 "$REPO/test-images/hostile.py" $small "$dir" ||
	    abort "cannot build the hostile corpus (test-images/hostile.py)"
fi
names=$(python3 -c 'import json, sys; print(" ".join(f["name"] for f in json.load(open(sys.argv[1]))))' \
    "$stamp") || abort "cannot read $stamp (rebuild: rm -rf $dir)"
[ -n "$names" ] || abort "$stamp lists no image"

work=$T/work
mkdir -p "$work"
for name in $names; do
	img=$dir/$name/oci
	out=$T/$name.json
	(cd "$work" && /usr/bin/time -f %M -o "$T/$name.mem" \
	    timeout "$IA_TIMEOUT" "$IMGAUDIT" audit --quiet --format json \
	    -o "$out" "$img" >"$T/$name.out" 2>"$T/$name.err")
	rc=$?
	mem=$(tail -1 "$T/$name.mem" 2>/dev/null)
	cmd="$IMGAUDIT audit --format json -o $out $img"
	case $rc in
	0)
		if python3 -c 'import json, sys; r = json.load(open(sys.argv[1]))
print(len(r.get("findings", [])))' "$out" >"$T/$name.nf" 2>/dev/null; then
			ok "$name: audited, $(cat "$T/$name.nf") findings"
		else
			fail "$name: exit 0 but no JSON report: $cmd"
		fi ;;
	2)
		if [ "$(grep -c '^imgaudit: ' "$T/$name.err")" -ge 1 ]; then
			ok "$name: refused: $(head -1 "$T/$name.err")"
		else
			fail "$name: exit 2 without a message: $cmd"
		fi ;;
	124)	fail "$name: still running after $IA_TIMEOUT s: $cmd" ;;
	*)	fail "$name: exit $rc (a crash?): $cmd"
		head -5 "$T/$name.err" ;;
	esac
	if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$T/$name.err"; then
		fail "$name: sanitizer report: $cmd"
		grep -m3 -E 'ERROR|SUMMARY|runtime error' "$T/$name.err"
	fi
	case $mem in
	''|*[!0-9]*) fail "$name: no memory figure from /usr/bin/time" ;;
	*) if [ "$mem" -gt "$HOSTILE_MAX_KB" ]; then
		fail "$name: ${mem} kB of memory, over $HOSTILE_MAX_KB: $cmd"
	   else ok "$name: ${mem} kB"; fi ;;
	esac
	case $rc in
	0|2)
		facts_mem=$mem
		[ -n "$small" ] && facts_mem=-
		if python3 "$E2E_DIR/hostile_check.py" "$stamp" "$name" "$rc" \
		    "$T/$name.err" "$out" "${facts_mem:--}" >"$T/$name.facts"; then
			ok "$name: the builder's facts hold"
		else
			fail "$name: the builder's facts do not hold: $cmd"
			grep '^FAIL' "$T/$name.facts" | sed 's/^/    /'
		fi
		[ -n "${VERBOSE:-}" ] && sed 's/^/    /' "$T/$name.facts" ;;
	esac
	# A removal the budget skipped is computed when asked for by name:
	# purging p_i of the chain breaks p_0 .. p_i-1 (the builder's chain).
	if [ "$rc" = 0 ] && [ "$name" = dpkg-chain ]; then
		last=$(python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
s = [p["name"] for p in r["packages"] if p["ecosystem"] == "dpkg" and
    p["closure_packages"] is None]
print(max(s) if s else "")' "$out")
		if [ -z "$last" ]; then
			note "$name: no removal skipped at this scale; why not checked"
		elif (cd "$work" && timeout "$IA_TIMEOUT" "$IMGAUDIT" why --format \
		    json "$img" "$last" >"$T/why.json" 2>"$T/why.err") &&
		    python3 -c 'import json, sys
r = json.load(open(sys.argv[1])); want = int(sys.argv[2][1:]) + 1
apt = r["removal"].get("apt") or {}
sys.exit(0 if r["package"]["closure_packages"] == want and
    len(apt.get("packages", [])) == want else 1)' "$T/why.json" "$last"; then
			ok "$name: why $last, skipped in the audit, computes its removal ($((10#${last#p} + 1)) packages)"
		else
			fail "$name: why $last does not free p00000 .. $last: $IMGAUDIT why --format json $img $last"
			head -3 "$T/why.err"
		fi
	fi
	[ -n "${VERBOSE:-}" ] && note "$name: exit $rc, ${mem} kB"
done
if [ -n "$(ls -A "$work")" ]; then
	fail "files appeared in the working directory: $(ls -A "$work" | head -5)"
else
	ok "nothing written in the working directory"
fi
finish
