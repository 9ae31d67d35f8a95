#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# platform.sh: the multi-platform image "multiarch" (one OCI index with
# linux/amd64 and linux/arm64/v8; the builder writes expected-linux-amd64.json
# and expected-linux-arm64.json, and expected.json = the amd64 one, the
# default platform), in each of its formats (OCI dirs and OCI archives,
# uncompressed/gzip/zstd):
#
#  - no --platform, --platform linux/amd64: the amd64 facts;
#  - --platform linux/arm64 and linux/arm64/v8: the arm64 facts (a missing
#    variant matches, as docker and skopeo do for arm64/v8);
#  - --platform linux/s390x: exit 2, one line on stderr starting
#    "imgaudit: ", naming the input and listing the platforms present
#    (linux/amd64, linux/arm64), nothing on stdout.
# "The facts": check.py expected (totals, layers, digests, image fields,
# dive figures, largest files), and the same layers counted here from the
# index's manifest for that platform (check.py image-layers --platform).

. "$(dirname "$0")/lib.sh"

need_binary
need_image multiarch
dir=$IMAGES/multiarch
for p in amd64 arm64; do
	[ -f "$dir/expected-linux-$p.json" ] || abort "no $dir/expected-linux-$p.json"
done

mapfile -t variants < <(python3 -c 'import json,sys
for f in json.load(open(sys.argv[1]))["formats"]:
    print(f["path"] + "\t" + f["transport"])' "$dir/expected.json")
[ ${#variants[@]} -gt 0 ] || abort "multiarch/expected.json lists no formats"

n=0
for vt in "${variants[@]}"; do
	v=${vt%%$'\t'*} transport=${vt#*$'\t'}
	path=$dir/$v
	for case in "amd64:" "amd64:linux/amd64" "arm64:linux/arm64" "arm64:linux/arm64/v8"; do
		arch=${case%%:*} plat=${case#*:}
		n=$((n + 1))
		if [ -n "$plat" ]; then
			run_ia "r$n" audit --format json --quiet --top 10 --platform "$plat" "$transport:$path"
		else
			run_ia "r$n" audit --format json --quiet --top 10 "$transport:$path"
		fi
		expect_rc 0 "$v ${plat:-default platform}" || continue
		pycheck "$v ${plat:-default}: equals expected-linux-$arch.json [$CMD]" \
		    expected "$OUT" "$dir/expected-linux-$arch.json" "$v"
		pycheck "$v ${plat:-default}: layers of the $arch manifest counted here [$CMD]" \
		    image-layers "$OUT" "$path" "--platform=linux/$arch" --tree
	done

	# A platform the index does not have.
	run_ia "s390x-$n" audit --format json --quiet --platform linux/s390x "$transport:$path"
	if expect_rc 2 "$v --platform linux/s390x"; then
		check "$v s390x: one line on stderr $(last_run)" test "$(wc -l <"$ERR")" -eq 1
		check "$v s390x: starts with 'imgaudit: ' $(last_run)" grep -q '^imgaudit: ' "$ERR"
		check "$v s390x: names the input $(last_run)" grep -qF "$path" "$ERR"
		check "$v s390x: names the platform asked for $(last_run)" grep -qF linux/s390x "$ERR"
		check "$v s390x: lists linux/amd64 $(last_run)" grep -qF linux/amd64 "$ERR"
		check "$v s390x: lists linux/arm64 $(last_run)" grep -qF linux/arm64 "$ERR"
		check "$v s390x: nothing on stdout $(last_run)" test ! -s "$OUT"
	fi
done

finish
