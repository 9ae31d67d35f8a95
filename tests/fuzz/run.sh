#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# tests/fuzz/run.sh: run every libFuzzer harness built in BUILD/fuzz/ for
# SECONDS each (`make fuzz FUZZ_SECONDS=N`), two at a time.
#
#	tests/fuzz/run.sh BUILD SECONDS [IMAGES] [HARNESS...]
#
# Seeds come from the test images (seeds.py, into BUILD/seeds/), from
# tests/fuzz/regress/ and from what earlier runs found (BUILD/corpus/, kept
# between runs).  A crash, leak, timeout (10 s per input) or out-of-memory
# (2 GiB) leaves its input in BUILD/crashes/HARNESS/: copy it into
# tests/fuzz/regress/HARNESS/ once the parser is fixed, so that
# `make fuzz-replay` keeps it fixed.  FUZZ_PARALLEL sets how many harnesses
# run at once (default 2).  Exit status 1 when any harness failed.

set -u
[ $# -ge 2 ] || { echo "usage: run.sh BUILD SECONDS [IMAGES] [HARNESS...]" >&2; exit 2; }
BUILD=$1 SECONDS_EACH=$2 IMAGES=${3:-build/test-images}
shift $(( $# >= 3 ? 3 : 2 ))
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

rm -rf "$BUILD/seeds"
python3 "$HERE/seeds.py" "$IMAGES" "$BUILD/seeds" || exit 1

if [ $# -gt 0 ]; then
	harnesses=("$@")
else
	harnesses=()
	for b in "$BUILD"/fuzz/fuzz_*; do harnesses+=("$(basename "$b")"); done
fi

one() {	# run harness $1; print one line, exit non-zero when it failed
	local h=$1 dirs=() log
	mkdir -p "$BUILD/corpus/$h" "$BUILD/crashes/$h"
	dirs+=("$BUILD/corpus/$h")
	[ -d "$BUILD/seeds/$h" ] && dirs+=("$BUILD/seeds/$h")
	[ -d "$HERE/regress/$h" ] && dirs+=("$HERE/regress/$h")
	log=$BUILD/crashes/$h.log
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    "$BUILD/fuzz/$h" -max_total_time="$SECONDS_EACH" -timeout=10 \
	    -rss_limit_mb=2048 -malloc_limit_mb=2048 -max_len=262144 \
	    -print_final_stats=1 -artifact_prefix="$BUILD/crashes/$h/" \
	    "${dirs[@]}" >"$log" 2>&1
	local rc=$?
	local execs
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	if [ $rc = 0 ]; then
		echo "fuzz: $h: ok, ${execs:-?} inputs in $SECONDS_EACH s"
	else
		echo "fuzz: $h: FAILED (exit $rc): $(grep -m1 -E \
		    'ERROR: |runtime error|SUMMARY' "$log") — see $log"
	fi
	return $rc
}
export -f one
export BUILD SECONDS_EACH HERE

printf '%s\n' "${harnesses[@]}" |
    xargs -P "${FUZZ_PARALLEL:-2}" -I{} bash -c 'one {}'
