#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# policy.sh: `imgaudit audit IMAGE --policy FILE` as a CI gate, on the demo
# image.  Limits are set from the builder's expected.json (final bytes,
# wasted bytes, dive's figures), one step on each side of the real value,
# so a rule that compares the wrong figure, or with <= where dive uses <,
# fails here:
#  - a JSON policy whose limits equal the image's figures holds (exit 0,
#    "all N rules hold"); one byte less breaks it (exit 1, one line per
#    rule, naming the rule);
#  - dive's .dive-ci keys compare against dive's figures, strictly;
#  - forbidden_purposes: the demo image holds tensorboard (training-only);
#    ignore_paths over site-packages and its console script lets it pass;
#  - the report is still written with -o when the policy fails, and
#    carries "policy" with the violations;
#  - a bad policy file is exit 2, one line naming the file, before any
#    layer is read (no output file).

. "$(dirname "$0")/lib.sh"

need_binary
need_image demo
IMG=$IMAGES/demo/oci-gzip
EXP=$IMAGES/demo/expected.json
fact() { python3 -c 'import json, sys
e = json.load(open(sys.argv[1]))
v = e
for k in sys.argv[2].split("."):
	v = v[k]
print(v)' "$EXP" "$1"; }
FINAL=$(fact totals.final_bytes)
WASTED=$(fact totals.wasted_bytes)
DEFF=$(fact dive.efficiency)
DWASTED=$(fact dive.wasted_bytes)
DUSER=$(fact dive.user_wasted_percent)

# ---- JSON policy: at the limit holds, one byte under breaks ---------------
printf '{"max_final_size": %s, "max_wasted_size": %s}\n' "$FINAL" "$WASTED" >"$T/at.json"
run_ia at audit --quiet --policy "$T/at.json" "$IMG"
expect_rc 0 "limits equal to the image's figures hold [$CMD]"
check "stderr says every rule holds... or nothing with --quiet" \
    test ! -s "$ERR"
run_ia at-loud audit --policy "$T/at.json" --format json -o "$T/at.report" "$IMG"
expect_rc 0 "the same, not quiet"
check "stderr: all 2 rules hold" grep -q "policy $T/at.json: all 2 rules hold" "$ERR"

printf '{"max_final_size": %s, "max_wasted_size": "%sB"}\n' $((FINAL - 1)) $((WASTED - 1)) >"$T/under.json"
run_ia under audit --policy "$T/under.json" --format json -o "$T/under.report" "$IMG"
expect_rc 1 "limits one byte under the image's figures break [$CMD]"
check "stderr: 2 of 2 rules broken" grep -q "policy $T/under.json: 2 of 2 rules broken" "$ERR"
check "one line names max_final_size" grep -q '^  max_final_size: ' "$ERR"
check "one line names max_wasted_size" grep -q '^  max_wasted_size: ' "$ERR"
check "the report is written although the policy failed" test -s "$T/under.report"
pyfact "the report carries the policy result" "$T/under.report" <<'PY'
import json, sys
p = json.load(open(sys.argv[1])).get("policy")
if not p or p.get("passed") is not False or len(p.get("violations", [])) != 2:
	print("policy member:", p); sys.exit(1)
PY

# ---- dive's .dive-ci: dive's figures, strict comparisons ------------------
printf 'rules:\n  # as dive ci reads it\n  lowestEfficiency: %s\n  highestWastedBytes: %s\n  highestUserWastedPercent: %s\n' \
    "$DEFF" "$DWASTED" "$DUSER" >"$T/.dive-ci"
run_ia dive-at audit --policy "$T/.dive-ci" "$IMG"
expect_rc 0 "dive rules at the image's own dive figures hold (strict comparisons) [$CMD]"
check "all 3 rules hold" grep -q "all 3 rules hold" "$ERR"
python3 -c 'import sys; print("rules:\n  lowestEfficiency: %r\n  highestWastedBytes: %d\n  highestUserWastedPercent: disabled" % (float(sys.argv[1]) + 1e-9, int(sys.argv[2]) - 1))' \
    "$DEFF" "$DWASTED" >"$T/dive-over"
run_ia dive-over audit --policy "$T/dive-over" "$IMG"
expect_rc 1 "dive rules just past the figures break [$CMD]"
check "2 of 2 rules broken (disabled is not checked)" grep -q "2 of 2 rules broken" "$ERR"

# ---- forbidden purposes, ignore_paths --------------------------------------
printf '{"forbidden_purposes": ["training-only"]}\n' >"$T/forbid.json"
run_ia forbid audit --policy "$T/forbid.json" "$IMG"
expect_rc 1 "tensorboard is training-only, so the demo image breaks forbidden_purposes [$CMD]"
check "the message names training-only" grep -q "forbidden_purposes: .*training-only" "$ERR"
printf '{"forbidden_purposes": ["training-only"], "ignore_paths": ["*/site-packages/*", "/usr/local/bin/tensorboard"]}\n' >"$T/ignore.json"
run_ia ignore audit --policy "$T/ignore.json" "$IMG"
expect_rc 0 "ignoring site-packages and the tensorboard script lets it pass [$CMD]"

# ---- a bad policy: exit 2 before reading the image ------------------------
printf '{"max_final_sise": 1}\n' >"$T/typo.json"
run_ia typo audit --policy "$T/typo.json" -o "$T/typo.report" "$IMG"
expect_rc 2 "an unknown policy key is a usage error [$CMD]"
check "one line, naming the file" test "$(wc -l <"$ERR")" -eq 1
check "the line names the file and the key" grep -q "typo.json.*max_final_sise" "$ERR"
check "no report file" test ! -e "$T/typo.report"
run_ia missing audit --policy "$T/nope.json" "$IMG"
expect_rc 2 "a missing policy file [$CMD]"

finish
