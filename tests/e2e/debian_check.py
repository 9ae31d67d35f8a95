#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""debian_check.py: the checks of tests/e2e/debian_packages.sh.

Expected values come from test-images/debian.py's expected.json (dpkg-query
on the image's root and the file sizes on disk) and from what really
happens when a removal's fix runs in a chroot of a copy of that root (the
snapshots taken here before and after); never from imgaudit.

    debian_check.py packages REPORT EXPECTED
    debian_check.py why WHY REPORT EXPECTED
    debian_check.py fix WHY KIND                      (prints the fix; exit 1 if unsafe)
    debian_check.py snapshot ROOT OUT
    debian_check.py removal WHY KIND BEFORE AFTER REPORT EXPECTED

Each wrong fact is one "FAIL:" line (exit 1); other lines are facts printed
for people.

How packages are compared.  A dpkg package's bytes and files are those of
the regular files its `dpkg-query -L` lists (expected.json dpkg[].paths).
Where another claimant lists some of the same files (dpkg diversions, two
packages, or the pip metadata Debian ships: chardet's RECORD names the
same files as python3-chardet's .list, and every *.egg-info directory's
files are listed by its python3-* package), the issue says the file is
counted once, for one of them: such a package may equal its full count
minus the files of any of its co-claimants, and over all packages of
every ecosystem the bytes must add up to the union of all claims, each
file once.  Every other package must match exactly.  Files that no package
lists but that py3compile made from a listed .py (__pycache__/*.pyc) may be
counted for the .py's package or not, but the same way for every package
("pyc mode", decided from the packages that have such files).
"""

import itertools
import json
import os
import re
import stat
import subprocess
import sys

FAILS = []

# Directories the removal comparison leaves out: package managers'
# bookkeeping, logs and caches, and what a container runtime provides.
EXCLUDE = ("var/lib/dpkg", "var/lib/apt", "var/cache", "var/log",
    "var/lib/python", "proc", "dev", "sys", "run", "tmp")


def fail(msg):
    FAILS.append(msg)
    print("FAIL: " + msg)


def load(path):
    with open(path) as f:
        return json.load(f)


def mb(n):
    return "%.2f MB" % (n / 1e6)


# ---------------------------------------------------------------------------
# Expected values per package.

class Expect:
    def __init__(self, exp):
        self.exp = exp
        self.dpkg = {p["name"]: p for p in exp["dpkg"] if p["status"].startswith("ii")}
        self.pip = exp["pip"]
        # [path, size, data id, layer, source, source's first claimant]:
        # the package a .pyc goes with, in pyc mode
        self.pyc = exp["unowned"]["pycache"]["list"]
        self.pyc_owner = {}
        for row in self.pyc:
            self.pyc_owner.setdefault(row[5], []).append(row)
        self.owned_bytes = exp["owned"]["bytes"]

    def candidates(self, rec, me, pyc_mode):
        """(bytes, files, layers) the report may give rec: its full count,
        or its count without the files of any subset of its co-claimants."""
        rows = rec["paths"]
        others = sorted(rec["shared_with"])
        if len(others) > 4:
            subsets = [(), tuple(others)]
        else:
            subsets = [s for k in range(len(others) + 1)
                       for s in itertools.combinations(others, k)]
        out = []
        for sub in subsets:
            drop = set()
            for c in sub:
                drop.update(rec["shared_with"][c])
            kept = [r for r in rows if r[0] not in drop]
            if pyc_mode:
                keptpaths = {r[0] for r in kept}
                allp = {r[0] for r in rows}
                kept += [r for r in self.pyc_owner.get(me, [])
                         if r[4] in keptpaths or r[4] not in allp]
            out.append((count(kept), sub))
        return out

    def exact(self, rec):
        return not rec["shared_with"]


def count(rows):
    """bytes (each data id once), files, {layer: bytes}"""
    seen = set()
    b = 0
    layers = {}
    for path, size, did, li in (r[:4] for r in rows):
        if did in seen:
            continue
        seen.add(did)
        b += size
        layers[li] = layers.get(li, 0) + size
    return b, len(rows), layers


def pip_key(name):
    return re.sub(r"[-_.]+", "-", (name or "").lower())


def report_packages(rep):
    pk = rep.get("packages")
    if not isinstance(pk, list):
        fail("the report has no packages[] (package attribution not there yet?)")
        return None
    return pk


def decide_pyc_mode(rep, ex):
    """True when the report counts py3compile's .pyc files with the package
    of their .py, False when it does not, None when it can't be told."""
    votes = {True: [], False: []}
    for p in rep.get("packages") or []:
        if p.get("ecosystem") != "dpkg" or p.get("name") not in ex.dpkg:
            continue
        e = ex.dpkg[p["name"]]
        if not ex.exact(e) or not ex.pyc_owner.get("dpkg:" + e["name"]):
            continue
        for mode in (False, True):
            (b, f, _), _ = ex.candidates(e, "dpkg:" + e["name"], mode)[0]
            if p.get("bytes") == b and p.get("files") == f:
                votes[mode].append(p["name"])
    if votes[True] and not votes[False]:
        return True
    if votes[False] and not votes[True]:
        return False
    if votes[True] and votes[False]:
        fail("pyc files are counted for %s but not for %s: one rule for all, please"
             % (votes[True], votes[False]))
    return None


def check_one(p, e, me, ex, mode, where):
    """p: a report package (or why's package); e: expected record."""
    cands = ex.candidates(e, me, mode)
    got = (p.get("bytes"), p.get("files"))
    for (b, f, _layers), sub in cands:
        if got == (b, f):
            return sub
    (b, f, _), _ = cands[0]
    names = {}
    for r in e["paths"]:
        names[r[2]] = names.get(r[2], 0) + 1
    extra = sum(n - 1 for n in names.values())
    if got[0] == b and extra and got[1] == f - extra:
        fail("%s: files = %s; want %s: %d of its files are hard links to another of its "
             "files, and a hard link is a file (as totals.final_files counts them), its "
             "data counted once in bytes" % (where, got[1], f, extra))
        return None
    if mode:
        allp = {r[0] for r in e["paths"]}
        odd = [r for r in ex.pyc_owner.get(me, []) if r[4] not in allp]
        if odd and got == (b - sum(r[1] for r in odd), f - len(odd)):
            fail("%s: bytes, files = %s, %s; want %s, %s: the .pyc of a .py it lists as a "
                 "symlink counts too (dpkg purge removes it): %s" % (where, got[0], got[1],
                 b, f, ", ".join("%s (%d bytes; %s is a symlink)" % (r[0], r[1], r[4])
                 for r in odd)))
            return None
    if len(cands) == 1:
        fail("%s: bytes, files = %s, %s; want %s, %s (the regular files `dpkg-query -L` "
             "lists%s)" % (where, got[0], got[1], b, f, ", plus its .pyc" if mode else ""))
    else:
        fail("%s: bytes, files = %s, %s; want one of %s (all of its files, or without "
             "those it shares with %s)" % (where, got[0], got[1],
             [c[0][:2] for c in cands], sorted(e["shared_with"])))
    return None


# ---------------------------------------------------------------------------

def cmd_packages(report, expected):
    rep = load(report)
    exp = load(expected)
    ex = Expect(exp)
    pk = report_packages(rep)
    if pk is None:
        return
    final = (rep.get("totals") or {}).get("final_bytes") or 0
    dp = [p for p in pk if p.get("ecosystem") == "dpkg"]
    names = [p.get("name") for p in dp]
    if len(set(names)) != len(names):
        fail("dpkg packages listed twice: %s" % sorted({n for n in names if names.count(n) > 1}))
    got_names = set(names)
    want_names = set(ex.dpkg)
    if got_names - want_names:
        fail("dpkg packages dpkg-query does not list as installed: %s" % sorted(got_names - want_names))
    if want_names - got_names:
        miss = sorted(want_names - got_names)
        fail("%d of the %d installed dpkg packages are missing from the report: %s%s"
             % (len(miss), len(want_names), ", ".join(miss[:12]), ", ..." if len(miss) > 12 else ""))
    mode = decide_pyc_mode(rep, ex)
    print("pyc mode: %s" % {None: "undecided (counting .list files only)",
          False: "the .pyc files py3compile made are not counted for any package",
          True: "the .pyc files py3compile made count for the package of their .py"}[mode])
    mode = bool(mode)
    n_exact = n_range = 0
    for p in dp:
        e = ex.dpkg.get(p.get("name"))
        if e is None:
            continue
        where = "dpkg %s" % e["name"]
        if p.get("version") != e["version"]:
            fail("%s: version %r, dpkg-query says %r" % (where, p.get("version"), e["version"]))
        check_one(p, e, "dpkg:" + e["name"], ex, mode, where)
        if ex.exact(e):
            n_exact += 1
        else:
            n_range += 1
        req = p.get("requires")
        if not isinstance(req, list):
            fail("%s: no requires[]" % where)
        elif set(req) != set(e["requires"]):
            fail("%s: requires %s; its Depends and Pre-Depends resolved against the "
                 "installed packages give %s" % (where, sorted(req), e["requires"]))
    print("dpkg packages compared: %d exactly, %d sharing files with another claimant "
          "(full count, or without the shared files)" % (n_exact, n_range))

    # pip packages (the metadata Debian ships in dist-packages).
    pips = {pip_key(x["name"]): x for x in ex.pip}
    others = [p for p in pk if p.get("ecosystem") != "dpkg"]
    for p in others:
        if p.get("ecosystem") != "pip":
            fail("a %r package %r: the image has no such database" % (p.get("ecosystem"), p.get("name")))
            continue
        e = pips.get(pip_key(p.get("name")))
        if e is None:
            fail("pip package %r: no *.dist-info/*.egg-info of that name in the image" % p.get("name"))
            continue
        if p.get("version") != e["version"]:
            fail("pip %s: version %r, its metadata says %r" % (e["name"], p.get("version"), e["version"]))
        cands = [c[0][:2] for c in ex.candidates(e, "pip:" + e["dir"], mode)]
        if not e["has_file_list"]:
            cands.append((0, 0))
        if (p.get("bytes"), p.get("files")) not in cands:
            fail("pip %s: bytes, files = %s, %s; want one of %s" % (e["name"], p.get("bytes"),
                 p.get("files"), cands))
    # Every claimed file once over all packages.
    total = sum(p.get("bytes") or 0 for p in pk)
    want = ex.owned_bytes + (exp["unowned"]["pycache"]["bytes"] if mode else 0)
    if total != want:
        fail("all packages together: %d bytes; the files any package database claims "
             "add up to %d%s (a shared file must count once, for one package)"
             % (total, want, " with the .pyc files" if mode else ""))
    dbytes = sum(p.get("bytes") or 0 for p in dp)
    dfiles = sum(p.get("files") or 0 for p in dp)
    print("report: %d dpkg packages, %d files, %d bytes = %.1f%% of final_bytes %d; "
          "%d pip packages, %d bytes" % (len(dp), dfiles, dbytes,
          100.0 * dbytes / final if final else 0, final, len(others),
          sum(p.get("bytes") or 0 for p in others)))

    # Installed-Size is dpkg's estimate (KiB, rounded per file to blocks):
    # printed, not checked.
    isz = sum(e["installed_size_kib"] * 1024 for e in ex.dpkg.values())
    ours = sum(e["bytes"] for e in ex.dpkg.values())
    print("Installed-Size: sum %s (KiB x 1024) vs %s counted from the files (%.1f%%)"
          % (mb(isz), mb(ours), 100.0 * ours / isz if isz else 0))
    worst = sorted(ex.dpkg.values(), key=lambda e: e["bytes"] / (e["installed_size_kib"] * 1024 or 1))
    for e in worst[:5]:
        print("  %-28s Installed-Size %9d B, files %9d B (%.0f%%)" % (e["name"],
              e["installed_size_kib"] * 1024, e["bytes"],
              100.0 * e["bytes"] / (e["installed_size_kib"] * 1024 or 1)))
    for p in dp:
        if p.get("name") in ("python3-numpy", "python3-requests", "python3"):
            print("  %s: closure_bytes %s, purpose %s" % (p["name"], p.get("closure_bytes"),
                  p.get("purpose")))


def reverse_requires(ex, name):
    return sorted(n for n, e in ex.dpkg.items() if name in e["requires"])


def recommends_of(e):
    out = set()
    for g in e["recommends"].split(","):
        for a in g.split("|"):
            a = a.strip()
            if a:
                out.add(a.split()[0].split("(")[0].split(":")[0])
    return out


def cmd_why(why, report, expected):
    w = load(why)
    exp = load(expected)
    ex = Expect(exp)
    mode = bool(decide_pyc_mode(load(report), ex)) if os.path.exists(report) else False
    if w.get("schema") != "imgaudit.why/v1":
        fail("schema %r, want imgaudit.why/v1" % w.get("schema"))
    p = w.get("package") or {}
    name = p.get("name")
    e = ex.dpkg.get(name)
    if p.get("ecosystem") != "dpkg" or e is None:
        fail("package: %r %r is not an installed dpkg package" % (p.get("ecosystem"), name))
        return
    if p.get("version") != e["version"]:
        fail("package.version %r, dpkg-query says %r" % (p.get("version"), e["version"]))
    sub = check_one(p, e, "dpkg:" + name, ex, mode, "package")
    if set(p.get("requires") or []) != set(e["requires"]):
        fail("package.requires %s, want %s" % (sorted(p.get("requires") or []), e["requires"]))
    if bool(p.get("unresolved")) != bool(e["unresolved"]):
        fail("package.unresolved %s, want %s" % (p.get("unresolved"), e["unresolved"]))
    rb = reverse_requires(ex, name)
    if set(p.get("required_by") or []) != set(rb):
        fail("package.required_by %s; the installed packages whose Depends/Pre-Depends "
             "it satisfies: %s" % (sorted(p.get("required_by") or []), rb))
    if sub is not None:
        (b, f, layers), _ = [c for c in ex.candidates(e, "dpkg:" + name, mode) if c[1] == sub][0]
        got = {l.get("index"): l.get("bytes") for l in p.get("layers") or []}
        want = {li: n for li, n in layers.items() if n}
        if {k: v for k, v in got.items() if v} != want:
            fail("package.layers %s, want %s" % (p.get("layers"), [{"index": k, "bytes": v}
                 for k, v in sorted(want.items())]))
    rem = w.get("removal") or {}
    for kind in ("apt", "full"):
        r = rem.get(kind)
        if not isinstance(r, dict):
            fail("removal.%s missing" % kind)
            continue
        pk = r.get("packages") or []
        if name not in pk:
            fail("removal.%s.packages %s lacks the package itself" % (kind, pk))
        bad = [x for x in pk if x not in ex.dpkg]
        if bad:
            fail("removal.%s.packages names packages not installed: %s" % (kind, bad))
        ess = [x for x in pk if x in ex.dpkg and (ex.dpkg[x]["essential"] or
               ex.dpkg[x]["priority"] == "required")]
        if ess:
            fail("removal.%s.packages names Essential/Priority: required packages: %s" % (kind, ess))
        for k in ("bytes", "files"):
            if not isinstance(r.get(k), int):
                fail("removal.%s.%s is not a whole number: %r" % (kind, k, r.get(k)))
        if safe_fix(r.get("fix")) is None:
            fail("removal.%s.fix %r is not a plain apt-get command line" % (kind, r.get("fix")))
        print("removal.%s: %d packages, %s bytes, %s files: %s" % (kind, len(pk), r.get("bytes"),
              r.get("files"), " ".join(sorted(pk))))
        print("  fix: %s" % r.get("fix"))
    full, apt = rem.get("full") or {}, rem.get("apt") or {}
    fp, ap = set(full.get("packages") or []), set(apt.get("packages") or [])
    if ap - fp:
        fail("removal.apt.packages has %s that removal.full has not" % sorted(ap - fp))
    held = full.get("held")
    if not isinstance(held, list):
        fail("removal.full.held is not a list")
        held = []
    for h in held:
        hp, hb, how = h.get("package"), h.get("held_by") or [], h.get("how")
        print("  held: %s by %s (%s)" % (hp, hb, how))
        if hp not in fp or hp in ap:
            fail("held %r: should be in removal.full.packages and not in removal.apt.packages" % hp)
        if how == "recommends":
            for q in hb:
                if q not in ex.dpkg or hp not in recommends_of(ex.dpkg[q]):
                    fail("held %r: %r does not Recommend it" % (hp, q))
                elif q in fp:
                    fail("held %r: %r is removed too, it holds nothing" % (hp, q))
        elif how == "manual":
            if hp in ex.dpkg and ex.dpkg[hp]["auto_installed"]:
                fail("held %r 'manual', but apt's extended_states marks it automatic" % hp)
        else:
            fail("held %r (held_by %s): how %r, want \"recommends\" or \"manual\" (a package "
                 "that only a held package needs is freed by autoremove once that one is named)"
                 % (hp, hb, how))
    if fp - ap and not held:
        fail("removal.full frees %s beyond apt's, but names no held package" % sorted(fp - ap))
    # Removing the package frees what it needs, not every orphan of the
    # image: each package removed with it must be reachable from it through
    # Depends/Pre-Depends among the packages removed.
    for kind, pk in (("apt", ap), ("full", fp)):
        reach, todo = {name}, [name]
        while todo:
            for q in ex.dpkg.get(todo.pop(), {}).get("requires", []):
                if q in pk and q not in reach:
                    reach.add(q)
                    todo.append(q)
        if pk - reach:
            fail("removal.%s.packages names %s, which %s does not need (neither directly "
                 "nor through the packages removed with it)" % (kind, sorted(pk - reach), name))


SAFE = re.compile(r"^[A-Za-z0-9 ._+:=/-]+$")


def safe_fix(fix):
    """The fix if it is only `apt-get ...` commands joined by &&, else None."""
    if not isinstance(fix, str):
        return None
    parts = [x.strip() for x in fix.split("&&")]
    if not parts or any(not SAFE.match(x) or not x.startswith("apt-get ") for x in parts):
        return None
    return fix


def cmd_fix(why, kind):
    w = load(why)
    fix = ((w.get("removal") or {}).get(kind) or {}).get("fix")
    if safe_fix(fix) is None:
        fail("removal.%s.fix %r is not a plain apt-get command line" % (kind, fix))
        return
    print(fix)


# ---------------------------------------------------------------------------
# Snapshots of a root: regular files (size, inode) outside EXCLUDE, and the
# installed dpkg packages.

def snapshot(root):
    files = {}
    root = os.path.abspath(root)

    def walk(d, rel):
        with os.scandir(d) as it:
            for e in it:
                r = rel + "/" + e.name if rel else e.name
                if r in EXCLUDE:
                    continue
                st = e.stat(follow_symlinks=False)
                if stat.S_ISDIR(st.st_mode):
                    walk(e.path, r)
                elif stat.S_ISREG(st.st_mode):
                    files["/" + r] = [st.st_size, st.st_ino]
    walk(root, "")
    out = subprocess.run(["dpkg-query", "--admindir=" + os.path.join(root, "var/lib/dpkg"),
                          "-W", "-f=${Package}\t${db:Status-Abbrev}\n"],
                         capture_output=True, text=True, check=True).stdout
    pk = sorted(l.split("\t")[0] for l in out.splitlines() if l.split("\t")[1].startswith("ii"))
    return {"files": files, "installed": pk}


def cmd_snapshot(root, out):
    with open(out, "w") as f:
        json.dump(snapshot(root), f)


def total(files):
    seen = {}
    for size, ino in files.values():
        seen[ino] = size
    return sum(seen.values())


def cmd_removal(why, kind, before, after, report, expected):
    w = load(why)
    exp = load(expected)
    ex = Expect(exp)
    mode = bool(decide_pyc_mode(load(report), ex)) if os.path.exists(report) else False
    r = ((w.get("removal") or {}).get(kind)) or {}
    b, a = load(before), load(after)
    claimed_pk = set(r.get("packages") or [])
    removed_pk = set(b["installed"]) - set(a["installed"])
    new_pk = set(a["installed"]) - set(b["installed"])
    if new_pk:
        fail("%s: the fix installed %s" % (kind, sorted(new_pk)))
    if removed_pk != claimed_pk:
        fail("%s: dpkg removed %s; removal.%s.packages says %s (not removed: %s; removed "
             "too: %s)" % (kind, sorted(removed_pk), kind, sorted(claimed_pk),
             sorted(claimed_pk - removed_pk), sorted(removed_pk - claimed_pk)))
    bf, af = b["files"], a["files"]
    freed = total(bf) - total(af)
    gone = {p for p in bf if p not in af}
    changed = sorted(p for p in bf if p in af and af[p] != bf[p])
    added = sorted(p for p in af if p not in bf)
    # What the removed packages list, and py3compile's output for them.
    listed = {}
    for n in removed_pk:
        if n in ex.dpkg:
            for row in ex.dpkg[n]["paths"]:
                listed[row[0]] = row
    pyc = {}
    for n in removed_pk:
        for row in ex.pyc_owner.get("dpkg:" + n, []):
            pyc[row[0]] = row
    # pip metadata of the removed packages' files: same files, already listed.
    L = sorted(p for p in gone if p in listed)
    P = sorted(p for p in gone if p in pyc)
    O = sorted(p for p in gone if p not in listed and p not in pyc)
    kept = sorted(p for p in listed if p not in gone)
    size = lambda ps: sum(bf[p][0] for p in {bf[p][1]: p for p in ps}.values())
    want_b = size(L) + (size(P) if mode else 0)
    want_f = len(L) + (len(P) if mode else 0)
    print("%s: freed %d bytes (outside %s): %d bytes in %d files the removed packages "
          "list, %d bytes in %d .pyc files py3compile made for them, %d bytes in %d other "
          "files; %d files changed, %d added" % (kind, freed, "/" + ", /".join(EXCLUDE),
          size(L), len(L), size(P), len(P), size(O), len(O), len(changed), len(added)))
    for p in O:
        print("  removed, listed by no package: %s (%d bytes)" % (p, bf[p][0]))
    for p in changed:
        print("  changed: %s (%d -> %d bytes)" % (p, bf[p][0], af[p][0]))
    for p in added:
        print("  added: %s (%d bytes)" % (p, af[p][0]))
    print("%s: claimed %s bytes, %s files; freed %d bytes: the difference is the %s "
          "listed above" % (kind, r.get("bytes"), r.get("files"), freed,
          "files" if mode else ".pyc files and the files"))
    if r.get("bytes") != want_b or r.get("files") != want_f:
        fail("%s: removal.%s claims %s bytes in %s files; really removed: %d bytes in %d "
             "files that the removed packages list%s" % (kind, kind, r.get("bytes"),
             r.get("files"), want_b, want_f, " (with their .pyc)" if mode else ""))
        for p in kept[:20]:
            print("    listed by a removed package but still there: %s" % p)
        for n in sorted(removed_pk):
            e = ex.dpkg.get(n)
            rp = next((x for x in (load(report).get("packages") or [])
                       if x.get("ecosystem") == "dpkg" and x.get("name") == n), None)
            if e and rp and (rp.get("bytes"), rp.get("files")) != (e["bytes"], e["files"]):
                print("    %s: the report counts %s bytes, %s files; its .list %d, %d "
                      "(shares files with %s)" % (n, rp.get("bytes"), rp.get("files"),
                      e["bytes"], e["files"], sorted(e["shared_with"])))
    if freed < want_b:
        fail("%s: freed %d bytes, less than the %d claimed" % (kind, freed, want_b))


def main(argv):
    cmds = {"packages": (cmd_packages, 2), "why": (cmd_why, 3), "fix": (cmd_fix, 2),
            "snapshot": (cmd_snapshot, 2), "removal": (cmd_removal, 6)}
    if len(argv) < 2 or argv[1] not in cmds or len(argv) - 2 != cmds[argv[1]][1]:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    fn = cmds[argv[1]][0]
    try:
        fn(*argv[2:])
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
        fail("%s: %s: %s" % (argv[1], type(e).__name__, e))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
