#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""hostile_check.py: the builder's facts about one hostile image, checked.

    python3 tests/e2e/hostile_check.py FACTS.json NAME RC STDERR REPORT MEM_KB

FACTS.json is test-images/hostile.py's listing (hostile.json): per image,
what imgaudit must do with it ("expect": refused, audited or either) and
the numbers the builder knows (sizes written, packages chained).  RC, the
stderr file, the JSON report (when RC is 0) and the peak memory in kB come
from hostile_corpus.sh's run ("-" for the memory: not checked, as under
AddressSanitizer, whose shadow memory would dwarf the bounds).  Prints one line per fact, "ok: ..." or
"FAIL: ...", and exits 1 when any failed.  Standard library only.
"""

import json
import re
import sys


def main(argv):
	facts_path, name, rc, err_path, rep_path, mem = argv[1:7]
	rc = int(rc)
	mem = None if mem == "-" else int(mem)
	facts = {f["name"]: f for f in json.load(open(facts_path))}[name]
	err = open(err_path, encoding="utf-8", errors="replace").read()
	out = []

	def check(cond, what):
		out.append(("ok: " if cond else "FAIL: ") + name + ": " + what)

	expect = facts.get("expect", "either")
	if expect == "refused":
		check(rc == 2, "refused (exit 2), got exit %d" % rc)
	elif expect == "audited":
		check(rc == 0, "audited (exit 0), got exit %d" % rc)
	for s in facts.get("stderr", []):
		check(s in err, "stderr says %r" % s)
	if "max_kb" in facts and mem is not None:
		check(mem <= facts["max_kb"], "peak memory %d kB <= %d kB" %
		    (mem, facts["max_kb"]))

	if "read_max" in facts:
		# "... (N bytes from M)": how far the ratio check let it read.
		m = re.search(r"\((\d+) bytes from (\d+)\)", err)
		check(m is not None, "the refusal says how many bytes it read")
		if m:
			got, comp = int(m.group(1)), int(m.group(2))
			check(facts["read_floor"] < got <= facts["read_max"],
			    "stopped after %d bytes of %d: past the %d-byte floor, "
			    "at most %d" % (got, facts["uncompressed"],
			    facts["read_floor"], facts["read_max"]))
			check(comp < facts["compressed"], "read %d of the blob's %d "
			    "compressed bytes" % (comp, facts["compressed"]))

	rep = None
	if rc == 0:
		try:
			rep = json.load(open(rep_path))
		except (OSError, ValueError) as e:
			check(False, "a JSON report (%s)" % e)
	if rep is None:
		return report(out)
	kinds = [f["kind"] for f in rep.get("findings", [])]
	for k in facts.get("findings", []):
		check(k in kinds, "finding %s (have %s)" % (k, sorted(set(kinds))))

	if "final_files" in facts:
		check(rep["totals"]["final_files"] == facts["final_files"],
		    "%d files in the final tree (report: %s)" %
		    (facts["final_files"], rep["totals"]["final_files"]))

	if "sparse" in facts:
		files = {f["path"]: f["bytes"] for f in rep.get("largest_files", [])}
		detail = " ".join(f["detail"] for f in rep["findings"]
		    if f["kind"] == "sparse-file")
		for path, (apparent, stored) in sorted(facts["sparse"].items()):
			check(files.get(path) == apparent, "%s counted at its "
			    "apparent size %d (report: %s)" % (path, apparent,
			    files.get(path)))
			check(path in detail, "the sparse-file finding names %s" %
			    path)
		check(rep["totals"]["layer_bytes"] == facts["layer_bytes"],
		    "layer bytes %d (the builder's sum of apparent sizes)" %
		    facts["layer_bytes"])

	if "chain" in facts:
		# p00000 needs p00001 ...: purging p_i breaks p_0 .. p_i-1.
		pk = {p["name"]: p for p in rep["packages"]
		    if p["ecosystem"] == "dpkg"}
		check(len(pk) == facts["chain"], "%d dpkg packages" %
		    facts["chain"])
		wrong = [n for n, p in pk.items() if p["closure_packages"]
		    is not None and p["closure_packages"] != int(n[1:]) + 1]
		check(not wrong, "every removal computed frees p00000 .. itself "
		    "(wrong: %s)" % wrong[:3])
		skipped = sum(p["closure_packages"] is None for p in pk.values())
		if skipped:
			detail = " ".join(f["detail"] for f in rep["findings"]
			    if f["kind"] == "removal-sets-not-computed")
			check("the other %d " % skipped in detail, "a finding counts "
			    "the %d removals not computed" % skipped)
	return report(out)


def report(out):
	print("\n".join(out))
	return 1 if any(line.startswith("FAIL") for line in out) else 0


if __name__ == "__main__":
	sys.exit(main(sys.argv))
