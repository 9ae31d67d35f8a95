#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# html_report.sh: --format html in a real browser, and --format md.
#
# The image is the demo plus one hostile layer (html_check.py derive): files
# named "<img src=x onerror=window.__xss=1>", "</script><script>...", a name
# with "<!--", U+2028 and "&amp;", large enough to be in the largest files
# and a candidate's top paths, and a created_by with "</script><img ...>".
# The HTML page is loaded in headless Chromium over the DevTools protocol
# (html_check.py page) and checked from its DOM against the JSON report of
# the same image: the cards' figures, one candidate row per candidate in
# rank order, sorting by bytes, compressed bytes and confidence (headers
# clicked, and #sort=bytes at load), the purpose filter, a row opening on
# its reason, fix and top paths, the treemap's drill-down, a bar per layer,
# the package count, the --policy banner (a 1MB limit the image breaks:
# exit 1, the broken rule on the page); the hostile strings shown as text,
# window.__xss unset, no element or script the page did not make, and no
# exception, console error or CSP refusal.  Expected figures come from the
# JSON report (the model the page draws); the JSON's own figures are
# checked elsewhere (formats.sh, candidates.sh) against the builder.
#
# The Markdown summary of the same image: a candidate row per candidate
# (ten at most) with its rank and bytes saved, '|' and '<' in image strings
# escaped, a row per layer.  Both outputs are written atomically with -o;
# why refuses html and md.  Skips, saying why, without Chromium (make deps
# installs it).

. "$(dirname "$0")/lib.sh"

need_binary
need_image demo

img=$T/hostile
python3 "$E2E_DIR/html_check.py" derive "$IMAGES/demo/oci-gzip" "$img" ||
    abort "could not derive the hostile image from demo/oci-gzip"

# With a policy the image breaks: exit 1, and the page says so.
printf '{"max_final_size": "1MB"}\n' >"$T/policy.json"
run_ia json audit --quiet --format json --top 20 -o "$T/r.json" \
    --policy "$T/policy.json" "$img"
expect_rc 1 "json report, policy broken" || finish
run_ia html audit --quiet --format html --top 20 -o "$T/r.html" \
    --policy "$T/policy.json" "$img"
expect_rc 1 "html report, policy broken" || finish
run_ia md audit --quiet --format md -o "$T/r.md" "$img"
expect_rc 0 "md report" || finish

# The figures the checks compare are the JSON's: make sure the hostile
# names reached it, or the escaping checks would prove nothing.
python3 - "$T/r.json" <<'PY' || fail "the hostile names are not in the report"
import json, sys
r = json.dumps(json.load(open(sys.argv[1])))
for s in ("<img src=x onerror=window.__xss=1>", "</script><script>",
          "<!--<b>"):
    assert s in r, s
PY

# Markdown.
if python3 "$E2E_DIR/html_check.py" md "$T/r.md" "$T/r.json"; then
	ok "md summary"
else
	fail "md summary (see above): $T/r.md"
fi
grep -q '\\|' "$T/r.md" || grep -q '\\<' "$T/r.md" ||
    fail "md: no escaped '|' or '<' although the image has them"

# why: text or json only.
run_ia why why "$img" torch --format html
expect_rc 2 "why --format html is a usage error"
grep -q "html" "$ERR" || fail "why --format html: stderr does not say why"

# The page, in Chromium.
if ! command -v chromium >/dev/null 2>&1; then
	finish_skip=1
else
	finish_skip=0
	out=$(python3 "$E2E_DIR/html_check.py" page "$T/r.html" \
	    "$T/r.json" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	case $rc in
	0) ok "html page in Chromium" ;;
	77) finish_skip=1 ;;
	*) fail "html page in Chromium (see above): $T/r.html" ;;
	esac
fi
if [ "$finish_skip" = 1 ] && [ "$N_FAIL" -eq 0 ]; then
	skip "chromium is not installed (make deps installs it); md checked"
fi
finish
