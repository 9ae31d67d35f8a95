#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# interop.sh: an image made by other tools (umoci builds it, skopeo converts
# it) from trees made here, with sizes counted by hand:
#
#   layer 0  umoci unpack of an empty image, files added, umoci repack:
#              app/a.bin 1000, app/b.bin 2500, app/sub/c.txt 300
#              = 3800 bytes, 3 files
#   layer 1  unpack, a.bin rewritten (1200), d.bin added (700), b.bin
#              removed, repack (umoci writes a whiteout .wh.b.bin)
#              = 1900 bytes, 2 files
#   layer 2  unpack, app/sub/c.txt removed, repack
#              = 0 bytes, 0 files
#
#   final tree: app/a.bin 1200 + app/d.bin 700 = 1900 bytes, 2 files
#   layer bytes: 3800 + 1900 + 0 = 5700
#   wasted: a.bin's first 1000 + b.bin 2500 + c.txt 300 = 3800, all layer 0
#
# skopeo copies it to an OCI archive and to a docker archive (whose
# layer.tar entries are symlinks to the blobs); imgaudit must report the
# hand-counted figures and the same content totals for all three, read with
# and without the transport prefix.  Digests, sizes, media types, diff_ids
# and created_by are compared with what umoci/skopeo wrote (check.py
# image-layers reads their manifests and configs and hashes the blobs).
#
# Last, `umoci insert` (0.4.7, Debian 12) writes layer tars without the
# final padding and the two zero blocks (umoci issue #436, fixed upstream by
# PR #534 in 2024); images built with it exist.  The data of every entry is
# complete, so imgaudit must either read such an image (and count it right)
# or refuse it cleanly: exit 2 and one "imgaudit: " line naming the layer.
# Which of the two it does is printed.

. "$(dirname "$0")/lib.sh"

command -v umoci >/dev/null || skip "umoci is not installed"
command -v skopeo >/dev/null || skip "skopeo is not installed"
need_binary

mk() {	# mk FILE BYTES: a file of BYTES pseudo-random bytes
	head -c "$2" /dev/urandom >"$1"
}

step() {	# step DESCRIPTION COMMAND...: a build step that must work
	local desc=$1 out
	shift
	if ! out=$("$@" 2>&1); then
		fail "building the image: $desc failed: $(quote_cmd "$@"): $out"
		finish
	fi
}

L=$T/layout
B=$T/bundle
step "umoci init" umoci init --layout "$L"
step "umoci new" umoci new --image "$L:t"

step "unpack 0" umoci unpack --rootless --image "$L:t" "$B"
mkdir -p "$B/rootfs/app/sub"
mk "$B/rootfs/app/a.bin" 1000
mk "$B/rootfs/app/b.bin" 2500
mk "$B/rootfs/app/sub/c.txt" 300
step "repack 0" umoci repack --image "$L:t" --history.created_by "add app" "$B"
rm -rf "$B"

step "unpack 1" umoci unpack --rootless --image "$L:t" "$B"
mk "$B/rootfs/app/a.bin" 1200
mk "$B/rootfs/app/d.bin" 700
rm "$B/rootfs/app/b.bin"
step "repack 1" umoci repack --image "$L:t" \
    --history.created_by "rewrite a, add d, remove b" "$B"
rm -rf "$B"

step "unpack 2" umoci unpack --rootless --image "$L:t" "$B"
rm "$B/rootfs/app/sub/c.txt"
step "repack 2" umoci repack --image "$L:t" --history.created_by "remove c" "$B"
rm -rf "$B"

step "skopeo copy to oci-archive" skopeo copy "oci:$L:t" "oci-archive:$T/x.tar"
step "skopeo copy to docker-archive" skopeo copy "oci:$L:t" \
    "docker-archive:$T/y.tar:img:t"

hand='{"totals": {"layers": 3, "layer_bytes": 5700,
	"final_bytes": 1900, "final_files": 2, "wasted_bytes": 3800},
	"layers": [
	  {"index": 0, "bytes": 3800, "files": 3, "wasted_bytes": 3800,
	   "created_by": "add app"},
	  {"index": 1, "bytes": 1900, "files": 2, "wasted_bytes": 0,
	   "created_by": "rewrite a, add d, remove b"},
	  {"index": 2, "bytes": 0, "files": 0, "wasted_bytes": 0,
	   "created_by": "remove c"}]}'

reports=()
labels=()
for spec in "oci:$L:t" "$L" "oci-archive:$T/x.tar" "$T/x.tar" \
    "docker-archive:$T/y.tar" "$T/y.tar"; do
	tag=r${#reports[@]}
	run_ia "$tag" audit --format json --quiet "$spec"
	expect_rc 0 "$spec" || continue
	reports+=("$OUT")
	labels+=("$spec")
	pycheck "hand count for $spec [$CMD]" subset "$OUT" "$hand"
	case $spec in
	oci:*|"$L") src=$L ;;
	*x.tar) src=$T/x.tar ;;
	*) src=$T/y.tar ;;
	esac
	pycheck "layers of $spec as umoci/skopeo wrote them [$CMD]" \
	    image-layers "$OUT" "$src" --tree
done

for ((i = 1; i < ${#reports[@]}; i++)); do
	pycheck "same totals/layers: ${labels[0]} vs ${labels[i]}" \
	    same-core "${reports[0]}" "${reports[i]}" "${labels[0]##*/}" "${labels[i]##*/}"
done

# ---- a layer from `umoci insert`: no tar footer ---------------------------------

mkdir -p "$T/extra"
mk "$T/extra/e.bin" 4000
step "umoci insert" umoci insert --rootless --image "$L:t" --tag q \
    --history.created_by "insert e" "$T/extra/e.bin" /opt/e.bin
run_ia insert audit --format json --quiet "oci:$L:q"
case $RC in
0)
	note "umoci insert layer (no tar footer): read"
	pycheck "umoci insert layer: counted [$CMD]" subset "$OUT" \
	    '{"totals": {"layers": 4, "layer_bytes": 9700, "final_bytes": 5900,
		"final_files": 3, "wasted_bytes": 3800},
	      "layers": [{}, {}, {}, {"bytes": 4000, "files": 1}]}'
	;;
2)
	note "umoci insert layer (no tar footer): refused: $(head -n 1 "$ERR")"
	check "umoci insert layer refused: one line on stderr $(last_run)" \
	    test "$(wc -l <"$ERR")" -eq 1
	check "umoci insert layer refused: 'imgaudit: ' and names layer 3 $(last_run)" \
	    grep -q '^imgaudit: .*layer 3' "$ERR"
	;;
*)
	expect_rc 0 "umoci insert layer"
	;;
esac

finish
