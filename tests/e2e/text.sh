#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# text.sh: the default text report, for the images basic and demo; the
# expected values come from the builder's expected.json:
#
#  - no line is over 100 columns (characters, not bytes);
#  - it names the image (the ref as given);
#  - sizes are in decimal units as docker prints them (go-units HumanSize:
#    1 kB = 1000 B, "%.4g" or "%.3g" then B/kB/MB/GB, no space); the final
#    size and (when non-zero) the wasted bytes of expected.json appear that
#    way, and no binary unit (KiB/MiB/GiB) appears anywhere;
#  - every layer's created_by appears (its first 20 characters, after the
#    "/bin/sh -c #(nop)" noise a report may drop);
#  - the largest file of expected.json's largest_files appears;
#  - the default format is text (no --format gives the same bytes);
#  - --quiet prints nothing on stderr, also when stderr is a terminal (run
#    under script(1)); without a terminal there are no ANSI escapes, and
#    with NO_COLOR=1 there are none even on a terminal.
# Also: `imgaudit version` exits 0 with one line on stdout.

. "$(dirname "$0")/lib.sh"

need_binary
need_image basic
need_image demo

for name in basic demo; do
	exp=$IMAGES/$name/expected.json
	pushd "$IMAGES/$name" >/dev/null || abort "cd $IMAGES/$name"
	ref=docker-archive.tar
	[ -f "$ref" ] || { popd >/dev/null || abort popd; fail "no $IMAGES/$name/$ref"; continue; }
	run_ia "$name" audit --quiet "$ref"
	popd >/dev/null || abort "popd"
	expect_rc 0 "$name: text report" || continue
	repro="(cd $IMAGES/$name && $CMD)"
	txt=$OUT

	check "$name: --quiet leaves stderr empty $(last_run)" test ! -s "$ERR"
	long=$(python3 -c '
import sys
for i, l in enumerate(open(sys.argv[1], encoding="utf-8", errors="replace"), 1):
    l = l.rstrip("\n")
    if len(l) > 100:
        print(f"line {i} has {len(l)} columns: {l[:60]}...")' "$txt")
	check "$name: no line over 100 columns $repro${long:+: $long}" test -z "$long"
	check "$name: names the image '$ref' $repro" grep -qF "$ref" "$txt"
	check "$name: no ANSI escapes when stdout is a file $repro" no_esc "$txt"
	check "$name: no binary units (KiB/MiB/GiB) $repro" \
	    test -z "$(grep -E '[0-9.] ?[KMGT]iB' "$txt")"

	msg=$(python3 - "$exp" "$txt" <<'EOF'
import json, re, sys
exp = json.load(open(sys.argv[1]))
text = open(sys.argv[2], encoding="utf-8", errors="replace").read()
flat = " ".join(text.split())

def human(n, prec):
    # docker/go-units HumanSizeWithPrecision: decimal, "%.*g%s"
    units = ["B", "kB", "MB", "GB", "TB", "PB"]
    size, i = float(n), 0
    while size >= 1000.0 and i < len(units) - 1:
        size /= 1000.0
        i += 1
    return "%.*g%s" % (prec, size, units[i])

def has_size(n):
    return any(h in text for h in (human(n, 4), human(n, 3)))

bad = []
totals = exp["totals"]
if not has_size(totals["final_bytes"]):
    bad.append(f"final size {totals['final_bytes']} not shown as "
               f"{human(totals['final_bytes'], 4)} or {human(totals['final_bytes'], 3)}")
if totals.get("wasted_bytes") and not has_size(totals["wasted_bytes"]):
    bad.append(f"wasted {totals['wasted_bytes']} not shown as "
               f"{human(totals['wasted_bytes'], 4)} or {human(totals['wasted_bytes'], 3)}")
for i, l in enumerate(exp["layers"]):
    cb = " ".join((l.get("created_by") or "").split())
    cb = re.sub(r"^/bin/sh -c ", "", cb)
    cb = re.sub(r"^#\(nop\) *", "", cb)
    if cb and cb[:20] not in flat:
        bad.append(f"layer {i}: created_by {cb[:20]!r} not shown")
lf = exp.get("largest_files") or []
if lf:
    p = lf[0][0]
    if p not in text and p.lstrip("/") not in text:
        bad.append(f"largest file {p} not shown")
else:
    bad.append("expected.json has no largest_files")
print("\n".join(bad))
EOF
)
	check "$name: sizes, layers' created_by, largest file shown $repro${msg:+:
$msg}" test -z "$msg"

	# No --format at all: the same text.
	run_ia "$name-text" audit --quiet --format text "$IMAGES/$name/docker-archive.tar"
	run_ia "$name-default" audit --quiet "$IMAGES/$name/docker-archive.tar"
	check "$name: the default format is text [$CMD]" \
	    cmp -s "$T/$name-text.out" "$T/$name-default.out"
done

# ---- terminals: progress and colour -------------------------------------------

img=$IMAGES/basic/docker-archive.tar
# script(1) gives the command a pseudo-terminal for stdin/stdout/stderr; its
# transcript is what the terminal saw.
if command -v script >/dev/null; then
	tty_run() {	# tty_run TRANSCRIPT ENV... -- ARGS...
		local out=$1 envs=()
		shift
		while [ "$1" != -- ]; do envs+=("$1"); shift; done
		shift
		CMD="script -qec $(quote_cmd env "${envs[@]}" "$IMGAUDIT" "$@") /dev/null"
		timeout "$IA_TIMEOUT" script -qec "$(quote_cmd env "${envs[@]}" \
		    "$IMGAUDIT" "$@")" /dev/null >"$out" 2>&1 </dev/null
		RC=$?
		ERR=$out
	}
	# Control: without --quiet the progress bar shows on a terminal
	# (DESIGN.md "Reports"), so that the --quiet check below means something.
	big=$IMAGES/demo/docker-archive.tar
	tty_run "$T/tty-progress" TERM=xterm -- audit --format json \
	    -o "$T/tty-progress.json" "$big"
	if expect_rc 0 "progress on a terminal"; then
		check "without --quiet a terminal shows progress [$CMD]" \
		    test -s "$T/tty-progress"
	fi
	tty_run "$T/tty-quiet" TERM=xterm -- audit --quiet --format json \
	    -o "$T/tty-quiet.json" "$big"
	if expect_rc 0 "--quiet on a terminal"; then
		check "--quiet on a terminal: the terminal saw nothing [$CMD]:
$(head -c 300 "$T/tty-quiet" | cat -v)" test ! -s "$T/tty-quiet"
	fi
	tty_run "$T/tty-nocolor" TERM=xterm NO_COLOR=1 -- audit --quiet "$img"
	if expect_rc 0 "NO_COLOR=1 on a terminal"; then
		check "NO_COLOR=1 on a terminal: no ANSI escapes [$CMD]" \
		    no_esc "$T/tty-nocolor"
		check "NO_COLOR=1 on a terminal: the report is there [$CMD]" \
		    grep -qF docker-archive.tar "$T/tty-nocolor"
	fi
else
	note "no script(1): terminal behaviour not checked"
fi

# Without --quiet and without a terminal: no progress bar (it is for TTYs).
run_ia noquiet audit "$img"
if expect_rc 0 "text report without --quiet"; then
	check "no terminal: no carriage returns or escapes on stderr $(last_run)" \
	    no_esc "$ERR" $'\r'
fi

# ---- version -----------------------------------------------------------------

run_ia version version
if expect_rc 0 "imgaudit version"; then
	check "version: one line on stdout [$CMD]" test "$(wc -l <"$OUT")" -eq 1
	check "version: has a number [$CMD]" grep -q '[0-9]' "$OUT"
fi

finish
