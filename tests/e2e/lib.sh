# shellcheck shell=bash
# SPDX-License-Identifier: MIT
#
# tests/e2e/lib.sh: shared code of the end-to-end cases (sourced, not a case).
#
# A case calls run_ia to run the binary, then states facts with the check
# helpers; each failed check prints one "FAIL:" line with the command that
# reproduces it, and the case goes on so that one run shows every broken
# fact.  `finish` ends the case: exit 1 if any check failed, else 0.  `skip
# REASON` exits 77.  Expected values never come from imgaudit's own output:
# they come from the test-image builder's expected.json, from third-party
# test suites, or from counts made here by other tools (python's tarfile,
# umoci, skopeo), and each case says which.
#
# Environment (tests/run.sh sets it, with E2E_RUNNER=1; the defaults let a
# case run by hand, e.g. `bash tests/e2e/formats.sh`, with KEEP=1 to keep its
# scratch directory): IMGAUDIT, IMAGES, FIXTURES, REPO, TMPDIR, VERBOSE.

set -u

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=${REPO:-$(cd "$E2E_DIR/../.." && pwd)}
IMGAUDIT=${IMGAUDIT:-$REPO/imgaudit}
IMAGES=${IMAGES:-$REPO/build/test-images}
FIXTURES=${FIXTURES:-$(cd "$REPO/.." && pwd)/shared/fixtures}
if [ -z "${E2E_RUNNER:-}" ]; then
	# Run by hand, not by tests/run.sh: make a private scratch directory.
	TMPDIR=$(mktemp -d "${TMPDIR:-/tmp}/imgaudit-e2e.XXXXXX") || exit 3
	if [ "${KEEP:-0}" = 1 ]; then
		echo "scratch: $TMPDIR"
	else
		trap 'rm -rf "$TMPDIR"' EXIT
	fi
fi
export TMPDIR
T=$TMPDIR			# short name for the case's scratch directory
CASE=$(basename "$0" .sh)
IA_TIMEOUT=${IA_TIMEOUT:-300}

N_OK=0
N_FAIL=0

# check.py holds the JSON comparisons; it prints one "FAIL:" line per wrong
# fact and exits 1.
check_py() {
	python3 "$E2E_DIR/check.py" "$@"
}

fail() {
	printf 'FAIL: %s\n' "$*"
	N_FAIL=$((N_FAIL + 1))
}

ok() {
	N_OK=$((N_OK + 1))
	if [ -n "${VERBOSE:-}" ]; then printf 'ok: %s\n' "$*"; fi
}

note() {
	printf '%s\n' "$*"
}

skip() {
	printf 'SKIP: %s\n' "$*"
	exit 77
}

finish() {
	if [ "$N_FAIL" -gt 0 ]; then
		printf '%s: %d of %d checks failed\n' "$CASE" "$N_FAIL" \
		    $((N_OK + N_FAIL))
		exit 1
	fi
	printf '%s: %d checks passed\n' "$CASE" "$N_OK"
	exit 0
}

# A case that cannot even start (no binary, no images) fails at once.
abort() {
	fail "$*"
	finish
}

need_binary() {
	[ -x "$IMGAUDIT" ] || abort "no imgaudit binary at $IMGAUDIT (run make)"
}

# need_image NAME: the builder's directory for image NAME and its
# expected.json must exist.
need_image() {
	[ -f "$IMAGES/$1/expected.json" ] ||
	    abort "no test image $IMAGES/$1/expected.json" \
	    "(build them: python3 test-images/build.py $IMAGES)"
}

# The command line, quoted so that it can be pasted into a shell.
quote_cmd() {
	local out='' a
	for a in "$@"; do out="$out $(printf '%q' "$a")"; done
	printf '%s' "${out# }"
}

# run_ia TAG ARGS...: run imgaudit with ARGS; stdout in $T/TAG.out, stderr in
# $T/TAG.err, exit status in $RC, the command in $CMD.  OUT and ERR name the
# two files.  stdin is /dev/null and stdout/stderr are files, never a TTY.
run_ia() {
	local tag=$1
	shift
	OUT=$T/$tag.out
	ERR=$T/$tag.err
	CMD=$(quote_cmd "$IMGAUDIT" "$@")
	timeout "$IA_TIMEOUT" "$IMGAUDIT" "$@" >"$OUT" 2>"$ERR" </dev/null
	RC=$?
	if [ "$RC" -eq 124 ]; then
		note "timed out after ${IA_TIMEOUT}s: $CMD"
	fi
}

# What went wrong in the last run, for a failure message.
last_run() {
	local e
	e=$(head -c 600 "$ERR" | head -n 3)
	printf '[cmd: %s] [exit %s] [stderr: %s]' "$CMD" "$RC" "${e:-<empty>}"
}

# expect_rc WANT DESCRIPTION: the last run exited WANT.  Returns 1 (after
# counting a failure) otherwise, so a case can skip checks that need output.
expect_rc() {
	if [ "$RC" -eq "$1" ]; then
		ok "$2: exit $1"
		return 0
	fi
	local why=
	if [ "$RC" -gt 128 ] && [ "$RC" -lt 160 ]; then
		why=" (killed by signal $((RC - 128)))"
	fi
	fail "$2: exit $RC$why, want $1 $(last_run)"
	return 1
}

# check DESCRIPTION COMMAND...: a fact that holds when COMMAND succeeds.
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else fail "$desc"; fi
}

# pycheck DESCRIPTION check.py-ARGS...: run a check.py comparison; its own
# lines say what differs.  Put the command that made the report in
# DESCRIPTION so that the failure can be reproduced.
# pyfact DESC ARGS... <<'PY' ... PY: run the python script on stdin with
# ARGS; it prints what is wrong and exits 1, or exits 0.
pyfact() {
	local desc=$1 msg script=$T/pyfact.$$.py
	shift
	cat >"$script"
	if msg=$(python3 "$script" "$@" 2>&1); then
		ok "$desc"
	else
		fail "$desc"
		printf '%s\n' "$msg" | sed 's/^/    /'
	fi
}

pycheck() {
	local desc=$1 msg
	shift
	if msg=$(check_py "$@" 2>&1); then
		ok "$desc"
		if [ -n "${VERBOSE:-}" ] && [ -n "$msg" ]; then printf '%s\n' "$msg"; fi
	else
		fail "$desc"
		printf '%s\n' "$msg" | sed 's/^/    /'
	fi
}

# no_esc FILE [CHAR]: FILE holds no ESC byte (and no CHAR either).
no_esc() {
	if LC_ALL=C grep -q $'\x1b' "$1"; then return 1; fi
	[ $# -lt 2 ] || ! LC_ALL=C grep -q "$2" "$1"
}

# json_get FILE KEY.PATH: print one value of a JSON file (strings bare).
json_get() {
	check_py get "$1" "$2"
}
