#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""candidates_check.py: the ranked removal candidates of the serving image
against the image builder's own bookkeeping (python3 stdlib only).

    candidates_check.py json REPORT EXPECTED     the candidates[] of an
                                                 `imgaudit audit --format json`
                                                 report, and totals.removable_bytes
    candidates_check.py same REPORT_A REPORT_B   two formats of the image give the
                                                 same candidates (kind, subject,
                                                 bytes, files, confidence, rank)
    candidates_check.py text TEXT REPORT N       the text report's candidates
                                                 section shows the top N titles of
                                                 REPORT, and fits in 100 columns

Each prints one line per wrong fact and exits 1 if there was any, else 0.

The expected side is EXPECTED's "serving" object, which test-images/build.py
writes from its own description of the image (test-images/README.md,
"serving"): every regular file of the final tree with its size and layer, and
the groups a candidate is checked against -- package closures worked out by
hand ("pip:tensorboard", "dpkg:build-essential" ...), path groups named
after the knowledge base's path rules ("rule:pip-cache" ...), CUDA
components ("cuda:NCCL"), the waste of each layer ("wasted:0"), the
libraries nothing links to, the packages present only through Recommends,
and per file what `strip --strip-debug` saves.  Nothing on the expected side
comes from imgaudit.  A candidate the bookkeeping has no group for is a
failure that names it: the bookkeeping must stay complete.
"""

import json
import sys

errors = []
notes = []

KINDS = {"uninstall-package", "no-install-recommends", "remove-paths", "cuda-library",
         "base-image", "wasted-layer", "strip-debug", "gpu-arch", "unreferenced-libraries"}
PURPOSES = {"runtime", "training-only", "dev-only", "profiling", "build-cache", "docs",
            "tests", "debug", "multi-gpu-only", "other-gpu-arch", "wasted", "unknown"}
CONFIDENCES = {"high", "medium", "low"}
# Candidates that free part of a file (the rest of the file stays).
PARTIAL = {"strip-debug", "gpu-arch"}
# Candidates whose bytes lie outside the final tree (pulled, never seen).
OUTSIDE = {"wasted-layer"}
# Closures the spec names: each must be a listed candidate of its own.
REQUIRED_CLOSURES = ["pip:tensorboard", "pip:jupyter", "dpkg:build-essential"]


def err(msg):
    errors.append(msg)


def load(path):
    try:
        with open(path, "rb") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        print("cannot read %s: %s" % (path, e))
        sys.exit(2)


def pep503(name):
    out, prev = [], False
    for ch in name.lower():
        if ch in "-_.":
            if not prev:
                out.append("-")
            prev = True
        else:
            out.append(ch)
            prev = False
    return "".join(out)


def pkey(s):
    """'pip:MarkupSafe' -> 'pip:markupsafe'; dpkg names stay as written."""
    if not isinstance(s, str) or ":" not in s:
        return s
    eco, name = s.split(":", 1)
    return eco + ":" + (pep503(name) if eco == "pip" else name)


def label(c):
    return "candidate %s (%s %s)" % (c.get("rank"), c.get("kind"), subject(c) or "-")


def subject(c):
    k = c.get("kind")
    if k == "uninstall-package":
        return c.get("package")
    if k in ("remove-paths", "base-image"):
        return c.get("rule")
    if k == "cuda-library":
        return c.get("component")
    if k == "wasted-layer":
        return "layer %s" % (c.get("layers") or ["?"])[0]
    if k == "strip-debug":
        return c.get("package") or ",".join(c.get("paths") or [])
    return ""


# ---- shape --------------------------------------------------------------------

def check_shape(c, n_layers):
    where = label(c)
    for key, typ in (("rank", int), ("kind", str), ("title", str), ("purpose", str),
                     ("bytes_saved", int), ("compressed_bytes_saved", int),
                     ("confidence", str), ("reason", str), ("fix", str), ("paths", list),
                     ("layers", list), ("files", int)):
        v = c.get(key)
        if not isinstance(v, typ) or isinstance(v, bool):
            err("%s: %s is %s, want %s" % (where, key, json.dumps(v)[:80], typ.__name__))
    if c.get("kind") not in KINDS:
        err("%s: unknown kind" % where)
    if c.get("purpose") not in PURPOSES:
        err("%s: purpose %r is none of DESIGN.md's" % (where, c.get("purpose")))
    if c.get("confidence") not in CONFIDENCES:
        err("%s: confidence %r" % (where, c.get("confidence")))
    for key in ("title", "reason", "fix"):
        if isinstance(c.get(key), str) and not c[key].strip():
            err("%s: empty %s" % (where, key))
    if isinstance(c.get("bytes_saved"), int) and c["bytes_saved"] <= 0:
        err("%s: saves %d bytes" % (where, c["bytes_saved"]))
    if isinstance(c.get("compressed_bytes_saved"), int) and c["compressed_bytes_saved"] < 0:
        err("%s: compressed_bytes_saved %d" % (where, c["compressed_bytes_saved"]))
    paths = c.get("paths") if isinstance(c.get("paths"), list) else []
    if len(paths) > 10:
        err("%s: %d paths, at most 10" % (where, len(paths)))
    if any(not isinstance(p, str) or not p.startswith("/") for p in paths):
        err("%s: paths must be absolute path strings" % where)
    if len(set(paths)) != len(paths):
        err("%s: a path listed twice" % where)
    layers = c.get("layers") if isinstance(c.get("layers"), list) else []
    if any(not isinstance(l, int) or not 0 <= l < n_layers for l in layers):
        err("%s: layers %r out of range" % (where, layers))
    k = c.get("kind")
    if k == "uninstall-package":
        if not isinstance(c.get("package"), str) or ":" not in c.get("package", ""):
            err("%s: package %r is not ECOSYSTEM:NAME" % (where, c.get("package")))
        pk = c.get("packages")
        if not isinstance(pk, list) or not pk or not all(isinstance(x, str) for x in pk):
            err("%s: packages %r" % (where, pk))
        elif pkey(pk[0]) != pkey(c.get("package")):
            err("%s: packages[0] is %r, not the package itself" % (where, pk[0]))
    if k in ("remove-paths", "base-image") and not isinstance(c.get("rule"), str):
        err("%s: no rule" % where)
    if k == "cuda-library" and not isinstance(c.get("component"), str):
        err("%s: no component" % where)
    if k == "wasted-layer" and len(layers) != 1:
        err("%s: layers %r, want [the layer that wrote them]" % (where, layers))


def check_ranks(cands):
    for i, c in enumerate(cands):
        if c.get("rank") != i + 1:
            err("candidates[%d]: rank %r, want %d (ranks are 1..N in order)" % (i, c.get("rank"), i + 1))
    # docs/knowledge-base.md: by bytes saved, then compressed bytes, with the
    # low-confidence candidates after all the others.
    for a, b in zip(cands, cands[1:]):
        la, lb = a.get("confidence") == "low", b.get("confidence") == "low"
        if la and not lb:
            err("%s (low confidence) ranks above %s (%s): low confidence comes last" %
                (label(a), label(b), b.get("confidence")))
            continue
        if la != lb:
            continue
        ka = (a.get("bytes_saved", 0), a.get("compressed_bytes_saved", 0))
        kb = (b.get("bytes_saved", 0), b.get("compressed_bytes_saved", 0))
        if ka < kb:
            err("%s (%d, %d compressed) ranks above %s (%d, %d): not by bytes saved, then "
                "compressed bytes" % (label(a), ka[0], ka[1], label(b), kb[0], kb[1]))


# ---- against the bookkeeping ----------------------------------------------------

def group_key(c):
    k = c.get("kind")
    if k == "uninstall-package":
        return pkey(c.get("package"))
    if k == "remove-paths":
        return "rule:%s" % c.get("rule")
    if k == "cuda-library":
        return "cuda:%s" % c.get("component")
    if k == "wasted-layer":
        return "wasted:%s" % (c.get("layers") or ["?"])[0]
    if k in ("unreferenced-libraries", "no-install-recommends"):
        return k
    if k == "base-image":
        return "base:%s" % c.get("rule")
    return None


def check_paths(c, gpaths, size):
    """paths: the group's largest files, largest first, at most 10."""
    where = label(c)
    got = c.get("paths") or []
    want = gpaths[:10]
    if len(got) != len(want):
        err("%s: %d paths, want %d (the group's largest, at most 10)" % (where, len(got), len(want)))
    stray = [p for p in got if p not in size]
    if stray:
        err("%s: paths %s are not in the group" % (where, stray[:3]))
        return
    sizes = [size[p] for p in got]
    if sizes != sorted(sizes, reverse=True):
        err("%s: paths are not largest first: %s" % (where, list(zip(got, sizes))[:10]))
    if len(want) == len(got) and sorted(sizes, reverse=True) != [size[p] for p in want]:
        err("%s: paths are not the group's largest files: got %s, want %s" % (where, got, want))


def check_whole(c, g, files):
    """A candidate that frees whole files: the group's files exactly."""
    where = label(c)
    if c.get("bytes_saved") != g["bytes"]:
        err("%s: bytes_saved %s, want %d (builder's group, %d files)" %
            (where, c.get("bytes_saved"), g["bytes"], g["files"]))
    if c.get("files") != g["files"]:
        err("%s: files %s, want %d" % (where, c.get("files"), g["files"]))
    if sorted(c.get("layers") or []) != g["layers"]:
        err("%s: layers %s, want %s" % (where, c.get("layers"), g["layers"]))
    size = {p: files[p][0] for p in g["paths"]} if g["kind"] != "wasted-layer" else \
        dict(zip(g["paths"], g["sizes"]))
    check_paths(c, g["paths"], size)


def check_closure(c, g):
    where = label(c)
    got = [pkey(x) for x in c.get("packages") or []]
    want = [pkey(x) for x in g["packages"]]
    if sorted(got) != sorted(want):
        extra = sorted(set(got) - set(want))
        missing = sorted(set(want) - set(got))
        err("%s: packages differ from the closure%s%s" % (where,
            "; not in it: %s" % ", ".join(extra) if extra else "",
            "; missing: %s" % ", ".join(missing) if missing else ""))
    elif got[1:] != sorted(got[1:]):
        notes.append("%s: packages after the first are not in name order" % where)


def check_json(report, expected):
    rep = load(report)
    exp = load(expected)
    sv = exp.get("serving")
    if sv is None:
        print("%s: no \"serving\" bookkeeping (an old build of the test images?)" % expected)
        return
    files = sv["files"]
    groups = sv["groups"]
    n_layers = len(exp["layers"])
    cands = rep.get("candidates")
    if not isinstance(cands, list) or not cands:
        err("candidates: %s, want a non-empty list" % json.dumps(cands)[:80])
        return
    for c in cands:
        check_shape(c, n_layers)
    check_ranks(cands)

    # Each candidate against its group.
    whole = []		# (candidate, set of files) for the union
    strip_seen = {}
    listed = {}
    for c in cands:
        k = c.get("kind")
        where = label(c)
        if k in PARTIAL:
            if k == "gpu-arch":
                err("%s: the builder wrote no CUDA fatbin and the audit gave no --target-arch; "
                    "the bookkeeping has no group for it" % where)
                continue
            per = groups["strip-debug"]["per_file"]
            paths = c.get("paths") or []
            unknown = [p for p in paths if p not in per]
            if unknown:
                err("%s: %s carry no debug sections in the builder's record" % (where, unknown))
                continue
            if c.get("files") != len(paths):
                err("%s: %s files but %d paths listed: the bookkeeping cannot see the rest" %
                    (where, c.get("files"), len(paths)))
            want = sum(per[p] for p in paths)
            if c.get("bytes_saved") != want:
                err("%s: bytes_saved %s, want %d (debug sections, their headers and names; "
                    "docs/binaries.md)" % (where, c.get("bytes_saved"), want))
            for p in paths:
                if p in strip_seen:
                    err("%s: %s is already in %s" % (where, p, strip_seen[p]))
                strip_seen[p] = where
            continue
        key = group_key(c)
        g = groups.get(key)
        if g is None:
            err("%s: the builder's bookkeeping has no group %r: a candidate it does not know "
                "(title: %s)" % (where, key, c.get("title")))
            continue
        if key in listed:
            err("%s: %s is listed twice (also %s)" % (where, key, listed[key]))
        listed[key] = where
        if "confidence" in g and c.get("confidence") != g["confidence"]:
            err("%s: confidence %r, the builder says %r" % (where, c.get("confidence"),
                g["confidence"]))
        check_whole(c, g, files)
        if k in ("uninstall-package", "no-install-recommends") and "packages" in g:
            if k == "uninstall-package" or "packages" in c:
                check_closure(c, g)
        if k != "wasted-layer":
            whole.append((c, set(g["paths"])))
        else:
            whole.append((c, None))
    per = groups["strip-debug"]["per_file"]
    for p in sorted(set(per) - set(strip_seen)):
        err("strip-debug: no candidate strips %s (%d bytes of debug sections)" % (p, per[p]))

    # What must be there.
    for key in REQUIRED_CLOSURES:
        if key not in listed:
            err("no uninstall-package candidate for %s (its closure: %d packages, %d bytes)" %
                (key, len(groups[key]["packages"]), groups[key]["bytes"]))
    for key, g in sorted(groups.items()):
        if key.startswith(("rule:", "wasted:", "cuda:")) or key in (
                "unreferenced-libraries", "no-install-recommends"):
            if key not in listed and g["bytes"] > 0:
                err("no candidate for %s (%d bytes in %d files, e.g. %s)" %
                    (key, g["bytes"], g["files"], g["paths"][0]))
    py3 = [k for k in ("dpkg:python3-pip", "dpkg:python3-setuptools", "dpkg:python3-wheel") if k in listed]
    if len(py3) != 1:
        err("python3-pip, -setuptools and -wheel free the same four packages: want one "
            "candidate for them, got %s" % (py3 or "none"))
    if "pip:triton" not in listed:
        err("no uninstall-package candidate for pip:triton (a knowledge-base rule names it)")

    # A package inside another listed candidate's closure is not listed again.
    unin = [c for c in cands if c.get("kind") == "uninstall-package"]
    for c in unin:
        for d in unin:
            if d is c:
                continue
            if pkey(c.get("package")) in [pkey(x) for x in d.get("packages") or []]:
                err("%s: %s is inside %s's closure, listed already" %
                    (label(c), c.get("package"), label(d)))

    # A package something kept still requires: low confidence, and the
    # reason names who requires it (issue 4).
    req_by = {}
    for p in sv["packages"]:
        req_by[pkey("%s:%s" % (p["ecosystem"], p["name"]))] = [
            pkey("%s:%s" % (p["ecosystem"], r)) for r in p["required_by"]]
    for c in unin:
        g = groups.get(pkey(c.get("package")))
        if g is None:
            continue
        members = set(pkey(x) for x in g["packages"])
        outside = [r for r in req_by.get(pkey(c["package"]), []) if r not in members]
        if outside:
            if c.get("confidence") != "low":
                err("%s: %s still requires it, yet confidence is %s" %
                    (label(c), ", ".join(outside), c.get("confidence")))
            names = [r.split(":", 1)[1] for r in outside]
            if not any(n in (c.get("reason") or "") for n in names):
                err("%s: the reason does not name who still requires it (%s): %r" %
                    (label(c), ", ".join(names), c.get("reason")))

    # removable_bytes: each byte of the high- and medium-confidence
    # candidates once.  Whole files by their data; a partial candidate adds
    # its bytes for files no whole-file candidate covers; waste adds its
    # bytes (outside the final tree).
    union = set()
    outside_bytes = 0
    counted = [c for c in cands if c.get("confidence") in ("high", "medium")]
    unknown = []
    for c, fs in whole:
        if c not in counted:
            continue
        if fs is None:
            outside_bytes += groups[group_key(c)]["bytes"]
        else:
            union |= fs
    partial = 0
    for c in counted:
        if c.get("kind") in PARTIAL:
            for p in c.get("paths") or []:
                if p in per and p not in union:
                    partial += per[p]
        elif group_key(c) not in groups:
            unknown.append(label(c))
    want = sum(files[p][0] for p in union) + partial + outside_bytes
    got = (rep.get("totals") or {}).get("removable_bytes")
    if got != want:
        err("totals.removable_bytes %s, want %d = %d bytes in %d files (the union of the whole-file "
            "high/medium candidates) + %d (partial) + %d (wasted)%s" % (
                got, want, sum(files[p][0] for p in union), len(union), partial, outside_bytes,
                "; left out, unknown to the bookkeeping: " + ", ".join(unknown) if unknown else ""))
    rc = (rep.get("totals") or {}).get("removable_compressed_bytes")
    if not isinstance(rc, int) or rc < 0 or rc > (rep.get("totals") or {}).get("compressed_bytes", 0):
        err("totals.removable_compressed_bytes %r: not between 0 and compressed_bytes" % rc)
    low = sum(1 for c in cands if c.get("confidence") == "low")
    notes.append("%d candidates (%d low confidence); removable_bytes %s, the bookkeeping's union %d" %
                 (len(cands), low, got, want))


def ident(c):
    return (c.get("kind"), group_key(c) or subject(c), c.get("bytes_saved"), c.get("files"),
            c.get("confidence"), c.get("rank"))


def check_same(a, b):
    ca = [ident(c) for c in load(a).get("candidates") or []]
    cb = [ident(c) for c in load(b).get("candidates") or []]
    for x in sorted(set(ca) ^ set(cb), key=str):
        err("%s only in %s" % (x, a if x in ca else b))
    ra, rb = load(a)["totals"].get("removable_bytes"), load(b)["totals"].get("removable_bytes")
    if ra != rb:
        err("removable_bytes: %s in %s, %s in %s" % (ra, a, rb, b))


def check_text(text, report, n):
    cands = load(report).get("candidates") or []
    with open(text, encoding="utf-8", errors="replace") as f:
        lines = [l.rstrip("\n") for l in f]
    for i, l in enumerate(lines):
        if len(l) > 100:
            err("line %d is %d columns: %s" % (i + 1, len(l), l[:60] + "..."))
    start = next((i for i, l in enumerate(lines) if "CANDIDATES" in l and l == l.lstrip()), None)
    if start is None:
        err("no CANDIDATES section")
        return
    # The section runs to the next line at column 0 (the next heading).
    end = next((i for i in range(start + 1, len(lines)) if lines[i][:1].strip()), len(lines))
    section = "\n".join(lines[start:end])
    pos = 0
    for c in cands[:n]:
        t = c.get("title", "")
        at = section.find(t, pos)
        if at < 0:
            err("rank %s: title %r not shown in order in the CANDIDATES section" % (c.get("rank"), t))
        else:
            pos = at + len(t)
    if len(cands) > n:
        t = cands[n].get("title", "")
        if t and all(t != x.get("title") for x in cands[:n]) and t in section:
            err("rank %d's title %r is shown with --top %d" % (n + 1, t, n))


def main(argv):
    if len(argv) == 4 and argv[1] == "json":
        check_json(argv[2], argv[3])
    elif len(argv) == 4 and argv[1] == "same":
        check_same(argv[2], argv[3])
    elif len(argv) == 5 and argv[1] == "text":
        check_text(argv[2], argv[3], int(argv[4]))
    else:
        print(__doc__)
        return 2
    for e in errors:
        print(e)
    for n in notes:
        print("note: " + n)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
