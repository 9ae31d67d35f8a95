#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""diff_check.py: the checks of tests/e2e/diff.sh.

    diff_check.py pair DIFF.json EXPECTED.json NAME
        the diff of pair NAME against test-images/pairs.py's bookkeeping:
        re-pulled bytes and layers, shared/added/removed layers, cold
        bytes, files added/removed/changed, packages added/removed/
        upgraded, the measured layer-order finding (and its bytes)
    diff_check.py schema DIFF.json
        the imgaudit.diff/v1 keys docs/diff.md promises
    diff_check.py findings REPORT.json EXPECTED.json IMAGE
        the advice findings that must and must not appear on IMAGE
    diff_check.py width FILE COLUMNS
        no line of FILE is wider than COLUMNS characters
    diff_check.py md FILE
        the Markdown has the layer table and no HTML
    diff_check.py html FILE
        the page has no script, its one stylesheet is allowed by the
        SHA-256 in its Content-Security-Policy, and its tags balance

Prints one "FAIL:" line per wrong fact and exits 1, else exits 0.
Expected values come from expected.json, never from imgaudit.
"""

import json
import re
import sys

errors = []


def err(msg):
    errors.append(msg)


def load(path):
    with open(path) as f:
        return json.load(f)


def names(items):
    return sorted("%s:%s" % (p["ecosystem"], p["name"]) for p in items)


def cmd_pair(diff, expected, name):
    d = load(diff)
    e = load(expected)["pairs"][name]
    pull, layers, files = d["pull"], d["layers"], d["files"]
    for key, got in (("repulled_bytes", pull["repulled_bytes"]),
                     ("repulled_layers", pull["repulled_layers"]),
                     ("cold_bytes", pull["cold_bytes"]),
                     ("shared", layers["shared"]),
                     ("added", layers["added"]),
                     ("removed", layers["removed"])):
        if got != e[key]:
            err(f"{name}: {key} {got}, the builder says {e[key]}")
    for key in ("added", "removed", "changed"):
        if files[key] != e["files"][key]:
            err(f"{name}: files {key} {files[key]}, the builder says "
                f"{e['files'][key]}")
    for key in ("added", "removed", "upgraded"):
        got = names(d["packages"][key])
        if got != e["packages"][key]:
            err(f"{name}: packages {key} {got}, the builder says "
                f"{e['packages'][key]}")
    if d["packages"]["downgraded"]:
        err(f"{name}: packages downgraded {names(d['packages']['downgraded'])}")
    kinds = [f["kind"] for f in d["findings"]]
    measured = "layer-order-measured" in kinds
    if measured != e["measured_finding"]:
        err(f"{name}: layer-order-measured {'present' if measured else 'absent'}, "
            f"want {'present' if e['measured_finding'] else 'absent'}")
    if e["measured_finding"]:
        got = d["layer_order"]["stop_repulling_bytes"]
        if got != e["stop_repulling_bytes"]:
            err(f"{name}: stop_repulling_bytes {got}, the builder says "
                f"{e['stop_repulling_bytes']}")
        det = [f["detail"] for f in d["findings"]
               if f["kind"] == "layer-order-measured"][0]
        if str(e["stop_repulling_bytes"]) not in det:
            err(f"{name}: the measured finding does not give the bytes: {det}")
    pulled = sum(x["compressed_bytes"] for x in layers["new_layers"] if x["pulled"])
    if pulled != pull["repulled_bytes"]:
        err(f"{name}: the pulled layers sum to {pulled}, repulled_bytes says "
            f"{pull['repulled_bytes']}")
    bps = pull["bandwidth_bits_per_second"]
    if abs(pull["warm_seconds"] - e["repulled_bytes"] * 8 / bps) > 1e-6 or \
       abs(pull["cold_seconds"] - e["cold_bytes"] * 8 / bps) > 1e-6:
        err(f"{name}: pull seconds {pull['cold_seconds']}/{pull['warm_seconds']} "
            f"do not match the bytes at {bps} bit/s")


SCHEMA = {
    "": ["schema", "old", "new", "layers", "pull", "files", "packages",
         "candidates", "findings", "layer_order"],
    "old": ["ref", "digest", "platform", "layers", "compressed_bytes",
            "layer_bytes", "final_bytes", "final_files", "wasted_bytes",
            "removable_bytes", "pull_seconds"],
    "layers": ["shared", "added", "removed", "new_layers", "removed_layers"],
    "pull": ["bandwidth_bits_per_second", "cold_bytes", "cold_seconds",
             "repulled_bytes", "repulled_layers", "warm_seconds"],
    "files": ["added", "removed", "changed", "resized", "added_bytes",
              "removed_bytes", "changed_old_bytes", "changed_new_bytes",
              "delta_bytes", "top_added", "top_removed", "top_changed"],
    "packages": ["added", "removed", "upgraded", "downgraded", "delta_bytes"],
    "candidates": ["appeared", "gone"],
    "layer_order": ["changed", "rebuilt", "recommended", "base_changed",
                    "stop_repulling_bytes"],
}
LAYER_KEYS = ["index", "digest", "diff_id", "created_by", "compressed_bytes",
              "bytes", "files", "class", "status", "change", "old_index", "pulled"]


def cmd_schema(diff):
    d = load(diff)
    if d.get("schema") != "imgaudit.diff/v1":
        err(f"schema is {d.get('schema')!r}")
    for where, keys in SCHEMA.items():
        o = d if where == "" else d.get(where, {})
        for k in keys:
            if k not in o:
                err(f"{where or 'top'}: no key {k!r}")
    for x in d["layers"]["new_layers"]:
        for k in LAYER_KEYS:
            if k not in x:
                err(f"layers.new_layers[{x.get('index')}]: no key {k!r}")
    for f in d["findings"]:
        for k in ("kind", "title", "detail", "status"):
            if k not in f:
                err(f"findings: no key {k!r} in {f}")


def cmd_findings(report, expected, image):
    r = load(report)
    e = load(expected)["findings"][image]
    got = [(f["kind"], f["title"]) for f in r["findings"]]
    for kind, title in e["must"]:
        if not any(k == kind and (title is None or t == title) for k, t in got):
            err(f"{image}: no finding {kind!r}{' ' + repr(title) if title else ''};"
                f" advice present: {[x for x in got if x[0].startswith(('layer', 'base'))]}")
    for kind in e["must_not"]:
        hit = [t for k, t in got if k == kind]
        if hit:
            err(f"{image}: finding {kind!r} must not appear: {hit}")


def cmd_width(path, cols):
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if len(line) > int(cols):
                err(f"{path}:{i}: {len(line)} columns: {line!r}")


def cmd_md(path):
    text = open(path, encoding="utf-8").read()
    if "| # | status | change | class | pulled | size | created by |" not in text:
        err("md: no layer table header")
    if not re.search(r"^\|---:\|---\|---\|---\|---:\|---:\|---\|$", text, re.M):
        err("md: no layer table delimiter row")
    if re.search(r"(?<!\\)<[a-zA-Z/!]", text):
        err("md: holds HTML: " + re.search(r"(?<!\\)<[a-zA-Z/!][^\n]{0,40}", text).group(0))


def cmd_html(path):
    import base64
    import hashlib
    from html.parser import HTMLParser
    text = open(path, encoding="utf-8").read()
    m = re.search(r'Content-Security-Policy" content="([^"]*)"', text)
    styles = re.findall(r"<style>(.*?)</style>", text, re.S)
    if not m or len(styles) != 1:
        err("html: no policy, or not exactly one <style>")
        return
    want = "'sha256-%s'" % base64.b64encode(
        hashlib.sha256(styles[0].encode()).digest()).decode()
    if "default-src 'none'" not in m.group(1) or want not in m.group(1):
        err(f"html: policy {m.group(1)!r} does not allow the stylesheet {want}")
    if "<script" in text.lower():
        err("html: holds a script")

    class P(HTMLParser):
        void = {"meta", "br", "img", "link", "hr", "input"}
        stack = []

        def handle_starttag(self, tag, attrs):
            if tag not in self.void:
                self.stack.append(tag)

        def handle_endtag(self, tag):
            if not self.stack or self.stack[-1] != tag:
                err(f"html: </{tag}> closes {self.stack[-1:] or 'nothing'}")
            else:
                self.stack.pop()
    p = P()
    p.feed(text)
    if p.stack:
        err(f"html: unclosed {p.stack}")
    if "Layers of new" not in text:
        err("html: no layer table")


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    cmd, args = argv[1], argv[2:]
    if cmd == "pair" and len(args) == 3:
        cmd_pair(*args)
    elif cmd == "schema" and len(args) == 1:
        cmd_schema(*args)
    elif cmd == "findings" and len(args) == 3:
        cmd_findings(*args)
    elif cmd == "width" and len(args) == 2:
        cmd_width(*args)
    elif cmd == "md" and len(args) == 1:
        cmd_md(*args)
    elif cmd == "html" and len(args) == 1:
        cmd_html(*args)
    else:
        sys.stderr.write(__doc__)
        return 2
    for e in errors:
        print("FAIL: " + e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
