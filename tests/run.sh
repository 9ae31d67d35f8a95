#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# tests/run.sh: run imgaudit's unit tests, then its end-to-end cases.
#
#	tests/run.sh [-v] [BUILD_DIR] [CASE...]
#
# Unit tests are the cmocka binaries $BUILD_DIR/tests/test_*; every cmocka
# test counts as one case, and a binary that dies mid-test (or exits non-zero
# without saying which test failed) counts as a failed case, so a crash is
# never lost.  End-to-end cases are tests/e2e/*.sh (lib.sh and *_lib.sh are shared
# code, not a case); each runs in its own scratch directory (its TMPDIR and
# cwd) with this environment:
#
#	IMGAUDIT  absolute path of the binary       (default: REPO/imgaudit)
#	IMAGES    the built test images             (default: BUILD_DIR/test-images)
#	FIXTURES  third-party image fixtures        (default: REPO/../shared/fixtures)
#	REPO      the repository root
#
# A case exits 0 (pass), 77 (skipped: it prints why) or anything else (fail).
# CASE arguments pick cases by name ("formats", "e2e/formats", "test_tree").
#
# Switches: -v prints every case's output (failures are always shown);
# KEEP=1 keeps the scratch directories and prints where they are;
# E2E_TIMEOUT (seconds, default 900) bounds one case.
#
# The last line of output is always the summary "N passed, N failed[, N
# skipped]"; the exit status is 1 when anything failed.

set -u

verbose=0
while [ $# -gt 0 ]; do
	case $1 in
	-v) verbose=1; shift ;;
	-h|--help) sed -n '3,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	--) shift; break ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${1:-build}
[ $# -gt 0 ] && shift
case $BUILD_DIR in /*) ;; *) BUILD_DIR=$(pwd)/$BUILD_DIR ;; esac

abspath() {	# absolute form of $1, relative to the current directory
	case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s/%s\n' "$(pwd)" "$1" ;; esac
}
if [ -n "${IMGAUDIT:-}" ]; then
	IMGAUDIT=$(abspath "$IMGAUDIT")
else
	IMGAUDIT=$REPO/imgaudit
fi
IMAGES=$(abspath "${IMAGES:-$BUILD_DIR/test-images}")
if [ -n "${FIXTURES:-}" ]; then
	FIXTURES=$(abspath "$FIXTURES")
else
	FIXTURES=$(cd "$REPO/.." && pwd)/shared/fixtures
fi
E2E_RUNNER=1
export IMGAUDIT IMAGES FIXTURES REPO E2E_RUNNER
[ "$verbose" = 1 ] && export VERBOSE=1

wanted() {	# is case $1 (e.g. "e2e/formats", "unit/test_tree") selected?
	[ ${#filters[@]} -eq 0 ] && return 0
	local f
	for f in "${filters[@]}"; do
		case $1 in "$f"|*/"$f"|*/"${f%.sh}") return 0 ;; esac
	done
	return 1
}
filters=("$@")

scratch_root=$(mktemp -d "${TMPDIR:-/tmp}/imgaudit-tests.XXXXXX") || exit 3
cleanup() {
	if [ "${KEEP:-0}" != 1 ]; then
		chmod -R u+rwx "$scratch_root" 2>/dev/null
		rm -rf "$scratch_root"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

npass=0 nfail=0 nskip=0
failed_names=()

show() {	# show the log $1 indented; all of it with -v, else the tail
	if [ "$verbose" = 1 ]; then
		sed 's/^/    /' "$1"
	else
		tail -n 60 "$1" | sed 's/^/    /'
	fi
}

result() {	# result STATUS NAME [NOTE]
	case $1 in
	PASS) npass=$((npass + 1)) ;;
	FAIL) nfail=$((nfail + 1)); failed_names+=("$2") ;;
	SKIP) nskip=$((nskip + 1)) ;;
	esac
	printf '%-4s %s%s\n' "$1" "$2" "${3:+  ($3)}"
}

# ---- unit tests -------------------------------------------------------------

# Parse cmocka's standard output: "[ RUN      ] name" then one of
# "[       OK ] name", "[  FAILED  ] name", "[  SKIPPED ] name",
# "[  ERROR   ] name".  The summary lists failures again; those lines come
# when no test is running and are ignored.
run_unit() {
	local bin=$1 name dir log rc line cur status n=0 nbad=0
	name=unit/$(basename "$bin")
	dir=$scratch_root/$(basename "$bin")
	mkdir -p "$dir"
	log=$dir/output.log
	# (The braces keep bash's "Killed" notice for a crashed binary off our
	# output: the exit status and the test lines say it already.)
	{ (cd "$REPO" && TMPDIR=$dir CMOCKA_MESSAGE_OUTPUT=STDOUT \
	    timeout "${E2E_TIMEOUT:-900}" "$bin") >"$dir/stdout" 2>"$dir/stderr" \
	    </dev/null; } 2>/dev/null
	rc=$?
	cat "$dir/stdout" "$dir/stderr" >"$log"
	cur=
	while IFS= read -r line; do
		case $line in
		'[ RUN      ] '*)
			if [ -n "$cur" ]; then	# previous test never finished
				result FAIL "$name:$cur" "no result"; nbad=$((nbad + 1))
			fi
			cur=${line#'[ RUN      ] '}
			continue ;;
		'[       OK ] '*) status=PASS ;;
		'[  FAILED  ] '*|'[  ERROR   ] '*) status=FAIL ;;
		'[  SKIPPED ] '*) status=SKIP ;;
		*) continue ;;
		esac
		[ -n "$cur" ] || continue
		[ "${line#\[*\] }" = "$cur" ] || continue
		result "$status" "$name:$cur"
		[ "$status" = FAIL ] && nbad=$((nbad + 1))
		n=$((n + 1)); cur=
	done <"$dir/stdout"
	if [ -n "$cur" ]; then
		result FAIL "$name:$cur" "died: exit $rc"; nbad=$((nbad + 1))
	elif [ "$rc" -ne 0 ] && [ "$nbad" -eq 0 ]; then
		# Non-zero exit with no failing test named: a group setup
		# failed, a leak checker fired, or it is not cmocka at all.
		result FAIL "$name" "exit $rc after $n test(s)"; nbad=1
	elif [ "$n" -eq 0 ]; then
		result PASS "$name" "exit 0, no cmocka tests parsed"
	fi
	if [ "$nbad" -gt 0 ] || [ "$verbose" = 1 ]; then
		show "$log"
	fi
}

units=()
if [ -d "$BUILD_DIR/tests" ]; then
	for bin in "$BUILD_DIR"/tests/test_*; do
		[ -f "$bin" ] && [ -x "$bin" ] || continue
		wanted "unit/$(basename "$bin")" && units+=("$bin")
	done
fi
if [ ${#units[@]} -eq 0 ] && [ ${#filters[@]} -eq 0 ]; then
	echo "note: no unit test binaries in $BUILD_DIR/tests"
fi
for bin in "${units[@]}"; do
	run_unit "$bin"
done

# ---- end-to-end cases -------------------------------------------------------

run_e2e() {
	local sh=$1 name dir log rc reason
	name=e2e/$(basename "$sh" .sh)
	dir=$scratch_root/e2e-$(basename "$sh" .sh)
	mkdir -p "$dir/tmp"
	log=$scratch_root/e2e-$(basename "$sh" .sh).log
	{ (cd "$dir" && TMPDIR=$dir/tmp timeout "${E2E_TIMEOUT:-900}" \
	    bash "$sh") >"$log" 2>&1 </dev/null; } 2>/dev/null
	rc=$?
	case $rc in
	0)  result PASS "$name" ;;
	77) reason=$(grep -m1 '^SKIP' "$log" | sed 's/^SKIP:* *//')
	    result SKIP "$name" "${reason:-no reason given}" ;;
	124) result FAIL "$name" "timed out after ${E2E_TIMEOUT:-900}s" ;;
	*)  result FAIL "$name" "exit $rc" ;;
	esac
	if [ "$rc" != 0 ] && [ "$rc" != 77 ] || [ "$verbose" = 1 ]; then
		show "$log"
	fi
}

for sh in "$REPO"/tests/e2e/*.sh; do
	[ -f "$sh" ] || continue
	case $(basename "$sh") in lib.sh|*_lib.sh) continue ;; esac
	wanted "e2e/$(basename "$sh" .sh)" || continue
	run_e2e "$sh"
done

if [ "$nfail" -gt 0 ]; then
	echo "failed: ${failed_names[*]}"
fi
if [ "${KEEP:-0}" = 1 ]; then
	echo "scratch kept in $scratch_root"
fi
if [ "$nskip" -gt 0 ]; then
	echo "$npass passed, $nfail failed, $nskip skipped"
else
	echo "$npass passed, $nfail failed"
fi
[ "$nfail" -eq 0 ]
