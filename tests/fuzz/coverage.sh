#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# tests/fuzz/coverage.sh: how much of each parser the fuzz corpus reaches
# (`make fuzz-coverage`).
#
#	tests/fuzz/coverage.sh COVBUILD [CORPUSBUILD] [HARNESS...]
#
# COVBUILD/fuzz/ holds the harnesses built with clang's source-based
# coverage (-fprofile-instr-generate -fcoverage-mapping, no sanitizer);
# each runs once over every input of its corpus (CORPUSBUILD/corpus/H, what
# `make fuzz` kept, default build-fuzz; CORPUSBUILD/seeds/H; and
# tests/fuzz/regress/H), then llvm-cov reports the lines and branches of
# the parser's own source files (the table below), one line each:
#
#	HARNESS  FILE  INPUTS  LINES% (covered/all)  BRANCHES% (covered/all)
#
# (the corpus is CORPUSBUILD's as `make fuzz` left it: run that first.)
#
# Exit status 0, or 2 when a tool or a harness is missing.

set -u
[ $# -ge 1 ] || { echo "usage: coverage.sh COVBUILD [CORPUSBUILD] [HARNESS...]" >&2; exit 2; }
COV=$1 CORPUS=${2:-build-fuzz}
shift $(( $# >= 2 ? 2 : 1 ))
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)

for t in llvm-profdata llvm-cov; do
	command -v "$t" >/dev/null ||
	    { echo "coverage: no $t (Debian's llvm package)" >&2; exit 2; }
done

# What each harness is there to test: the files its parser lives in, or
# FILE:FUNCTION,... where the file is mostly other code (HTTP transfers,
# token requests) and only those functions are the parser.
declare -A files=(
	[fuzz_auth_header]="registry_auth.c:registry_parse_challenge"
	[fuzz_link_header]="registry_http.c:registry_parse_link_next,registry_url_resolve,reg_skip_ws,reg_is_tchar,rel_has_next"
	[fuzz_elf]="elf.c"
	[fuzz_fatbin]="fatbin.c"
	[fuzz_kb_extra]="kb.c"
	[fuzz_layer]="layer.c layer_pipe.c"
	[fuzz_pkgdb_apk]="pkgdb_apk.c"
	[fuzz_pkgdb_conda]="pkgdb_conda.c"
	[fuzz_pkgdb_dpkg]="pkgdb_dpkg.c"
	[fuzz_pkgdb_npm]="pkgdb_npm.c"
	[fuzz_pkgdb_pip]="pkgdb_pip.c"
	[fuzz_policy]="policy_load.c policy_dive.c policy.c"
	[fuzz_source_oci]="source_oci.c source.c"
	[fuzz_tarindex]="tarindex.c source_dockerarchive.c"
)

if [ $# -gt 0 ]; then
	harnesses=("$@")
else
	harnesses=()
	for b in "$COV"/fuzz/fuzz_*; do harnesses+=("$(basename "$b")"); done
fi

work=$COV/coverage
mkdir -p "$work"
printf '%-18s %-24s %7s %22s %22s\n' HARNESS FILE INPUTS LINES BRANCHES
for h in "${harnesses[@]}"; do
	bin=$COV/fuzz/$h
	[ -x "$bin" ] || { echo "coverage: no harness $bin" >&2; exit 2; }
	# Every input as a file argument: libFuzzer runs each once and exits.
	list=$work/$h.inputs
	: >"$list"
	for d in "$CORPUS/corpus/$h" "$CORPUS/seeds/$h" "$HERE/regress/$h"; do
		[ -d "$d" ] && find "$d" -type f >>"$list"
	done
	n=$(wc -l <"$list")
	rm -f "$work/$h".*.profraw
	# In batches, so that no command line is too long; one profile each.
	split -l 2000 -d "$list" "$work/$h.batch."
	for b in "$work/$h".batch.*; do
		LLVM_PROFILE_FILE="$work/$h.${b##*.}.profraw" \
		    xargs -a "$b" -d '\n' "$bin" -timeout=30 -rss_limit_mb=4096 \
		    >/dev/null 2>&1
		rm -f "$b"
	done
	llvm-profdata merge -sparse "$work/$h".*.profraw -o "$work/$h.profdata" ||
	    { echo "coverage: $h: no profile" >&2; continue; }
	for f in ${files[$h]:-}; do
		fns=
		case $f in *:*) fns=${f#*:}; f=${f%%:*} ;; esac
		# -show-functions: Name, Regions, Miss, Cover, Lines, Miss,
		# Cover, Branches, Miss, Cover; a static one is "FILE:name".
		llvm-cov report -show-functions "$bin" \
		    -instr-profile="$work/$h.profdata" "$REPO/auditor/$f" \
		    2>/dev/null | awk -v h="$h" -v f="$f" -v n="$n" -v fns="$fns" '
		BEGIN { k = split(fns, want, ","); for (i = 1; i <= k; i++) ok[want[i]] = 1 }
		NF == 10 && $2 ~ /^[0-9]+$/ {
			name = $1; sub(/^.*:/, "", name)
			if (fns != "" && !(name in ok)) next
			if ($1 == "TOTAL" && fns != "") next
			if ($1 != "TOTAL" && fns == "") next
			l += $5; lm += $6; b += $8; bm += $9
		}
		END {
			printf "%-18s %-24s %7d %8.2f%% (%5d/%5d) %8.2f%% (%5d/%5d)\n", h,
			    f (fns != "" ? " (parser)" : ""), n,
			    l ? 100 * (l - lm) / l : 0, l - lm, l,
			    b ? 100 * (b - bm) / b : 0, b - bm, b
		}'
	done
done
