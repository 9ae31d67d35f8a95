#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# dive_fixture.sh: imgaudit on the image fixtures of dive's own repository
# ($FIXTURES/external/dive, copied byte for byte; SOURCE.txt there says from
# where).  Sources of the expected values:
#
#  - test-docker-image.tar: dive's figures are the ones dive's test suite
#    asserts for this very file, dive/image/docker/image_archive_analysis_test.go
#    (Test_Analysis, "docker-image"):
#        efficiency 0.9844212134184309, sizeBytes 1220598,
#        userSizeBytes 66237, wastedBytes 32025,
#        wastedPercent 0.4834911001404049
#    and it has 14 layers (its manifest.json; SOURCE.txt).
#    Our own waste, counted by hand from the Dockerfile steps in the layers'
#    history: layer 3 (cp somefile1) is replaced by layer 4 (chmod 444),
#    layers 4 and 5 (somefile1, somefile2) are deleted by layer 9
#    (rm -rf /root/example), layer 6 (somefile3) by layer 7's mv, layer 7's
#    saved.txt is replaced by layer 13 (chmod +x): five copies of
#    somefile.txt, 6405 bytes each = 32025.
#  - every layer's diff_id/tar_bytes/bytes/files/created_by, and the final
#    tree, are also counted here from the archive bytes by check.py
#    (python tarfile + hashlib), not by imgaudit.
#  - test-oci-*-image.tar: one layer holding README.md of 11189 bytes, blob
#    sizes 4132 (gzip), 4314 (zstd), 4496 (estargz), index platform
#    linux/arm64 (SOURCE.txt and the archives' index.json).
#  - test-{uncompressed,gzip,estargz,zstd}-image.tar are plain rootfs tars
#    (buildx --output type=tar), not images: exit 2, "not an image".

. "$(dirname "$0")/lib.sh"

D=$FIXTURES/external/dive
[ -d "$D" ] || skip "no dive fixtures at $D"
need_binary

# ---- test-docker-image.tar: dive's own numbers -------------------------------

img=$D/test-docker-image.tar
run_ia docker audit --format json --quiet "$img"
if expect_rc 0 "test-docker-image.tar"; then
	repro=$CMD
	pycheck "dive figures of test-docker-image.tar (dive's test suite) [$repro]" \
	    subset "$OUT" '{"totals": {
		"layers": 14,
		"layer_bytes": 1220598,
		"dive_efficiency": 0.9844212134184309,
		"dive_wasted_bytes": 32025,
		"dive_user_wasted_percent": 0.4834911001404049}}'
	# userSizeBytes 66237 = every layer but the first.
	user=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))
print(sum(l["bytes"] for l in r["layers"][1:]))' "$OUT" 2>&1)
	check "user size (layers 1..13) is dive's userSizeBytes 66237, got $user [$repro]" \
	    test "$user" = 66237
	pycheck "hand-counted waste: 5 x 6405 in layers 3..7 [$repro]" \
	    subset "$OUT" '{"totals": {"wasted_bytes": 32025},
		"layers": [{"wasted_bytes":0},{"wasted_bytes":0},{"wasted_bytes":0},
		  {"wasted_bytes":6405},{"wasted_bytes":6405},{"wasted_bytes":6405},
		  {"wasted_bytes":6405},{"wasted_bytes":6405},{"wasted_bytes":0},
		  {"wasted_bytes":0},{"wasted_bytes":0},{"wasted_bytes":0},
		  {"wasted_bytes":0},{"wasted_bytes":0}]}'
	pycheck "layers and final tree counted from the archive bytes [$repro]" \
	    image-layers "$OUT" "$img" --tree
	# The config says Cmd ["sh"] and no Entrypoint; created 2018-12-28.
	pycheck "image facts from the config [$repro]" \
	    subset "$OUT" '{"image": {"platform": "linux/amd64", "cmd": ["sh"]}}'
	created=$(json_get "$OUT" image.created)
	case $created in
	2018-12-28T20:44:23*) ok "image.created" ;;
	*) fail "image.created is '$created', want 2018-12-28T20:44:23.030424642Z [$repro]" ;;
	esac
	pycheck "schema" subset "$OUT" '{"schema": "imgaudit.report/v1"}'
fi

# Explicit transport gives the same report as the bare path.
run_ia docker_t audit --format json --quiet "docker-archive:$img"
if expect_rc 0 "docker-archive:test-docker-image.tar"; then
	pycheck "docker-archive: and bare path agree [$CMD]" \
	    same-core "$T/docker.out" "$OUT" bare docker-archive:
fi

# ---- kaniko: docker-save layout with <sha>.tar.gz layers ---------------------

img=$D/test-kaniko-image.tar
run_ia kaniko audit --format json --quiet "$img"
if expect_rc 0 "test-kaniko-image.tar"; then
	pycheck "kaniko layers and final tree counted from the archive [$CMD]" \
	    image-layers "$OUT" "$img" --tree
	pycheck "kaniko: 14 layers" subset "$OUT" '{"totals": {"layers": 14}}'
fi

# ---- the four single-layer OCI archives ---------------------------------------

for alg in uncompressed gzip zstd estargz; do
	img=$D/test-oci-$alg-image.tar
	case $alg in
	uncompressed) blob=12800 ;; gzip) blob=4132 ;;
	zstd) blob=4314 ;; estargz) blob=4496 ;;
	esac
	for spec in "$img" "oci-archive:$img"; do
		run_ia "oci-$alg" audit --format json --quiet "$spec"
		expect_rc 0 "$(basename "$spec")" || continue
		pycheck "test-oci-$alg-image.tar: README.md, 11189 bytes (SOURCE.txt) [$CMD]" \
		    subset "$OUT" "{\"totals\": {\"layers\": 1,
			\"compressed_bytes\": $blob,
			\"final_bytes\": 11189, \"final_files\": 1,
			\"layer_bytes\": 11189, \"wasted_bytes\": 0,
			\"dive_efficiency\": 1.0, \"dive_wasted_bytes\": 0},
			\"image\": {\"platform\": \"linux/arm64\"},
			\"largest_files\": [{\"path\": \"/README.md\",
			    \"bytes\": 11189, \"layer\": 0}]}"
		pycheck "test-oci-$alg-image.tar: layer counted from the archive [$CMD]" \
		    image-layers "$OUT" "$img" --tree
	done
done

# ---- plain rootfs tars are not images -----------------------------------------

for alg in uncompressed gzip estargz zstd; do
	img=$D/test-$alg-image.tar
	run_ia "rootfs-$alg" audit --format json --quiet "$img"
	expect_rc 2 "test-$alg-image.tar (a rootfs tar)" || continue
	check "test-$alg-image.tar: stderr says 'not an image' $(last_run)" \
	    grep -q 'not an image' "$ERR"
	check "test-$alg-image.tar: stderr names the input $(last_run)" \
	    grep -qF "test-$alg-image.tar" "$ERR"
	check "test-$alg-image.tar: nothing on stdout" test ! -s "$OUT"
done

finish
