#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# jobs.sh: layers are analysed in parallel and merged in layer order
# (DESIGN.md "Layers in parallel"), so the report cannot depend on the number
# of workers: --jobs 1, 2 and 4 give byte-identical JSON and text, for every
# test image with more than one layer, in several formats; --jobs 2 is run
# three times to give a race a chance to show.  The run must also succeed and
# be non-empty, so that two identical failures do not pass.

. "$(dirname "$0")/lib.sh"

need_binary
need_image basic
need_image demo

inputs=()
for name in basic demo multiarch; do
	for v in docker-archive.tar oci-gzip oci-zstd; do
		[ -e "$IMAGES/$name/$v" ] && inputs+=("$IMAGES/$name/$v")
	done
done
dive=$FIXTURES/external/dive/test-docker-image.tar
[ -f "$dive" ] && inputs+=("$dive")
[ ${#inputs[@]} -gt 0 ] || abort "no docker-archive.tar/oci-gzip/oci-zstd under $IMAGES/{basic,demo}"

n=0
for img in "${inputs[@]}"; do
	n=$((n + 1))
	for fmt in json text; do
		run_ia "j1-$n-$fmt" audit --quiet --format "$fmt" --jobs 1 "$img"
		expect_rc 0 "--jobs 1 $fmt $img" || continue
		check "--jobs 1 $fmt output is not empty [$CMD]" test -s "$OUT"
		ref=$OUT
		for jobs in 2 2 2 4; do
			run_ia "j$jobs-$n-$fmt" audit --quiet --format "$fmt" --jobs "$jobs" "$img"
			expect_rc 0 "--jobs $jobs $fmt $img" || continue
			if cmp -s "$ref" "$OUT"; then
				ok "--jobs $jobs $fmt identical"
			else
				fail "--jobs 1 and --jobs $jobs differ ($fmt, $img) [$CMD]"
				diff "$ref" "$OUT" | head -n 10 | sed 's/^/    /'
			fi
		done
	done
done

finish
