#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# tests/fuzz/replay.sh: run each libFuzzer harness of BUILD/fuzz/ once on
# every input kept in tests/fuzz/regress/HARNESS/ (`make fuzz-replay`):
# the inputs that once crashed, leaked or hung a parser.  libFuzzer given
# files, not directories, runs each once and exits.  The last line is
# "fuzz-replay: N inputs, N failed"; exit status 1 when any failed.

set -u
BUILD=${1:-build-fuzz}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
total=0 failed=0

for d in "$HERE"/regress/*/; do
	h=$(basename "$d")
	[ -x "$BUILD/fuzz/$h" ] || { echo "fuzz-replay: no harness $h"; failed=$((failed + 1)); continue; }
	for f in "$d"*; do
		[ -f "$f" ] || continue
		total=$((total + 1))
		if ! ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		    timeout 60 "$BUILD/fuzz/$h" -timeout=30 -rss_limit_mb=2048 \
		    -malloc_limit_mb=2048 "$f" >"$BUILD/replay.log" 2>&1; then
			failed=$((failed + 1))
			echo "fuzz-replay: FAILED: $h ${f#"$HERE"/}"
			grep -E 'ERROR: |runtime error|SUMMARY' "$BUILD/replay.log" |
			    head -3
		fi
	done
done
echo "fuzz-replay: $total inputs, $failed failed"
[ "$failed" = 0 ]
