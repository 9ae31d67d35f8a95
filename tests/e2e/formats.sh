#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# formats.sh: images basic and demo in every container format the builder
# writes for them (expected.json "formats"; basic has all nine: OCI layout
# dirs with uncompressed, gzip and zstd layers, OCI archives of each, the
# legacy docker archive, a docker archive with gzip layers, the Docker 25+
# OCI-in-docker archive; demo, being bigger, the three the builder lists),
# each read through its transport prefix and as a bare path (detected), and
# OCI dirs also as oci:DIR:latest.  For every run:
#
#  - totals, and each layer's bytes/files/tar_bytes/wasted_bytes/diff_id/
#    created_by, the image's platform/created/entrypoint/cmd, the dive
#    figures and the largest files equal the builder's expected.json (its
#    own bookkeeping, never imgaudit's output);
#  - layer digests, compressed sizes, media types (OCI) and image.digest
#    equal expected.json's for that compression;
#  - the same per-layer facts counted independently here from the image's
#    bytes (check.py image-layers: python tarfile + hashlib, final tree
#    applied with OCI whiteout rules);
#  - the format-independent part (totals and layers without digests, media
#    types and compressed sizes) is identical across all formats.

. "$(dirname "$0")/lib.sh"

need_binary

for name in basic demo; do
	need_image "$name"
	exp=$IMAGES/$name/expected.json
	mapfile -t variants < <(python3 -c 'import json,sys
for f in json.load(open(sys.argv[1]))["formats"]:
    print(f["path"] + "\t" + f["transport"])' "$exp")
	# basic is written in all nine formats; demo (big) in the few the
	# builder lists for it.
	if [ "$name" = basic ]; then
		[ ${#variants[@]} -eq 9 ] ||
		    fail "basic: expected.json lists ${#variants[@]} formats, the builder writes 9"
	else
		[ ${#variants[@]} -ge 1 ] || fail "$name: expected.json lists no formats"
	fi
	reports=()
	labels=()
	for vt in "${variants[@]}"; do
		v=${vt%%$'\t'*} transport=${vt#*$'\t'}
		path=$IMAGES/$name/$v
		specs=("$transport:$path" "$path")
		# oci:DIR:REF with the ref the builder annotates.
		[ "$transport" = oci ] && specs+=("oci:$path:latest")
		for spec in "${specs[@]}"; do
			tag=$name-${#reports[@]}
			run_ia "$tag" audit --format json --quiet --top 10 "$spec"
			expect_rc 0 "$name $spec" || continue
			reports+=("$OUT")
			labels+=("$spec")
			pycheck "$name $v: report equals expected.json [$CMD]" \
			    expected "$OUT" "$exp" "$v"
			pycheck "$name $v: layers counted here from the image bytes [$CMD]" \
			    image-layers "$OUT" "$path" --tree
		done
	done
	# Across formats: the same content facts.
	for ((i = 1; i < ${#reports[@]}; i++)); do
		pycheck "$name: same totals/layers for ${labels[0]} and ${labels[i]}" \
		    same-core "${reports[0]}" "${reports[i]}" "${labels[0]##*/}" "${labels[i]##*/}"
	done
done

finish
