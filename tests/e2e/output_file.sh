#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# output_file.sh: -o FILE (DESIGN.md: "never leaves partial output files";
# STYLE.md: output files go to a temporary name and are renamed when
# complete):
#
#  - -o FILE writes byte for byte what stdout gets, for json and text;
#  - -o replaces an existing file, and leaves no temporary file beside it;
#  - a failing run with -o leaves no file, and an existing FILE untouched
#    (the write is atomic, so the old report survives a failed run);
#  - -o into a directory that does not exist: exit 2, one line naming it;
#  - -o to a character device (our own /dev/null made with mknod, as root)
#    writes into it and does not replace the device with a file.

. "$(dirname "$0")/lib.sh"

need_binary
need_image basic

img=$IMAGES/basic/docker-archive.tar
[ -f "$img" ] || abort "no $img"

for fmt in json text; do
	run_ia "stdout-$fmt" audit --quiet --format "$fmt" "$img"
	expect_rc 0 "$fmt to stdout" || continue
	check "$fmt to stdout is not empty [$CMD]" test -s "$OUT"
	stdout=$OUT

	mkdir -p "$T/o-$fmt"
	run_ia "file-$fmt" audit --quiet --format "$fmt" -o "$T/o-$fmt/report" "$img"
	expect_rc 0 "$fmt to -o" || continue
	check "$fmt with -o prints nothing on stdout [$CMD]" test ! -s "$OUT"
	check "$fmt: -o FILE equals stdout [$CMD]" cmp -s "$stdout" "$T/o-$fmt/report"
	left=$(ls -A "$T/o-$fmt")
	check "$fmt: only the report in its directory (found: $left)" \
	    test "$left" = report
done

# -o over an existing file replaces it.
mkdir -p "$T/over"
echo "old report" >"$T/over/r.json"
run_ia over audit --quiet --format json -o "$T/over/r.json" "$img"
if expect_rc 0 "-o over an existing file"; then
	check "-o replaced the old file [$CMD]" cmp -s "$T/stdout-json.out" "$T/over/r.json"
	check "-o left nothing else beside it" test "$(ls -A "$T/over")" = r.json
fi

# A failing run (input missing) with -o: no file, an existing one kept.
mkdir -p "$T/fail"
run_ia failrun audit --quiet --format json -o "$T/fail/r.json" "$T/no-such.tar"
expect_rc 2 "failing run with -o"
check "failing run with -o leaves no file (found: $(ls -A "$T/fail")) [$CMD]" \
    test -z "$(ls -A "$T/fail")"

echo "old report" >"$T/fail/r.json"
run_ia failrun2 audit --quiet --format json -o "$T/fail/r.json" "$T/no-such.tar"
expect_rc 2 "failing run with -o over an existing file"
check "failing run keeps the existing file as it was [$CMD]" \
    test "$(cat "$T/fail/r.json")" = "old report"
check "failing run leaves no temporary beside it (found: $(ls -A "$T/fail"))" \
    test "$(ls -A "$T/fail")" = r.json

# A failure that happens late (a bad layer, after the output was opened):
# the builder's unreadable images, if any, are the right inputs.
if [ -f "$IMAGES/bad/unreadable.json" ]; then
	bad=$(python3 -c 'import json,sys
print(json.load(open(sys.argv[1]))[-1]["path"])' "$IMAGES/bad/unreadable.json")
	mkdir -p "$T/late"
	run_ia late audit --quiet --format json -o "$T/late/r.json" "$IMAGES/$bad"
	expect_rc 2 "late failure ($bad) with -o"
	check "late failure leaves no file (found: $(ls -A "$T/late")) [$CMD]" \
	    test -z "$(ls -A "$T/late")"
fi

# -o into a missing directory.
run_ia nodir audit --quiet --format json -o "$T/missing/dir/r.json" "$img"
if expect_rc 2 "-o into a missing directory"; then
	check "missing directory: one line on stderr $(last_run)" test "$(wc -l <"$ERR")" -eq 1
	check "missing directory: message names it $(last_run)" \
	    grep -qF "$T/missing/dir" "$ERR"
	check "missing directory: starts with 'imgaudit: ' $(last_run)" \
	    grep -q '^imgaudit: ' "$ERR"
fi
check "missing directory was not created" test ! -e "$T/missing"

# -o onto a character device must not replace the device.
if [ "$(id -u)" = 0 ] && mknod "$T/null" c 1 3 2>/dev/null; then
	run_ia dev audit --quiet --format json -o "$T/null" "$img"
	expect_rc 0 "-o to a character device"
	check "-o to a character device leaves it a device [$CMD]" test -c "$T/null"
else
	note "not root or no mknod: -o to a device not checked"
fi

finish
