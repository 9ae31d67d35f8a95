#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""check.py: JSON comparisons for the end-to-end cases (python3 stdlib only).

Every subcommand prints one line per wrong fact ("where: got X, want Y") and
exits 1 if there was any, 0 otherwise; 2 on bad usage or unreadable files.
The expected side always comes from outside imgaudit: the builder's
expected.json, a fragment written in the case from a third-party source, or
counts made here from the image bytes with tarfile/hashlib.

    get FILE PATH                   print a value (PATH like totals.layers or
                                    layers.0.digest); strings bare, else JSON
    subset REPORT FRAGMENT          every key of FRAGMENT (JSON text or @file)
                                    equals REPORT's; lists compare item by
                                    item and must have the same length;
                                    floats within --tol (default 1e-12)
    same-core A B [LABEL_A LABEL_B] the format-independent part of two reports
                                    is equal (totals and layers without
                                    digests, media types, compressed sizes)
    findings REPORT KIND...         findings include each KIND
    image-layers REPORT IMAGE [--platform=OS/ARCH] [--tree]
                                    per-layer digest, compressed_bytes,
                                    media_type, diff_id, tar_bytes, bytes,
                                    files, created_by and the matching totals
                                    equal counts made here from the image
                                    (OCI dir, OCI archive or docker archive);
                                    --tree also applies the layers here (OCI
                                    whiteout rules) and checks final_bytes,
                                    final_files, wasted_bytes per layer
    entry-names IMAGE               print every entry name and link target of
                                    every layer, NUL-terminated
    expected REPORT EXPECTED VARIANT
                                    the report matches the builder's
                                    expected.json for one on-disk variant
"""

import hashlib
import io
import json
import math
import os
import sys
import tarfile

errors = []


def err(msg):
    errors.append(msg)


def load(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        print(f"cannot read {path}: {e}")
        sys.exit(2)
    try:
        return json.loads(data)
    except ValueError as e:
        snippet = data[:200].decode("utf-8", "replace")
        print(f"{path}: not JSON ({e}); starts with {snippet!r}")
        sys.exit(1)


def walk(doc, path):
    cur = doc
    for part in path.split(".") if path else []:
        if isinstance(cur, list):
            cur = cur[int(part)]
        else:
            cur = cur[part]
    return cur


def same_value(got, want, tol):
    if isinstance(want, bool) or isinstance(got, bool):
        return got is want
    if isinstance(want, (int, float)) and isinstance(got, (int, float)):
        if isinstance(want, float) or isinstance(got, float):
            return math.isclose(got, want, rel_tol=0, abs_tol=tol)
        return got == want
    return got == want


def subset(got, want, where, tol):
    """Every key of want is in got with an equal value."""
    if isinstance(want, dict):
        if not isinstance(got, dict):
            err(f"{where}: got {short(got)}, want an object")
            return
        for k, v in want.items():
            if k not in got:
                err(f"{where}.{k}: missing, want {short(v)}")
                continue
            subset(got[k], v, f"{where}.{k}", tol)
    elif isinstance(want, list):
        if not isinstance(got, list):
            err(f"{where}: got {short(got)}, want a list")
            return
        if len(got) != len(want):
            err(f"{where}: {len(got)} items, want {len(want)}")
        for i, (g, w) in enumerate(zip(got, want)):
            subset(g, w, f"{where}[{i}]", tol)
    elif not same_value(got, want, tol):
        err(f"{where}: got {short(got)}, want {short(want)}")


def short(v):
    s = json.dumps(v)
    return s if len(s) <= 200 else s[:197] + "..."


# Keys that depend on how the blobs are stored (compression, manifest
# format) rather than on the image's content.
FORMAT_TOTALS = {"compressed_bytes", "removable_compressed_bytes"}
FORMAT_LAYER = {"digest", "media_type", "compressed_bytes", "compression"}


def core(report):
    totals = {k: v for k, v in report.get("totals", {}).items()
              if k not in FORMAT_TOTALS}
    layers = [{k: v for k, v in l.items() if k not in FORMAT_LAYER}
              for l in report.get("layers", [])]
    return {"totals": totals, "layers": layers}


def cmd_same_core(a, b, la="A", lb="B"):
    ca, cb = core(load(a)), core(load(b))
    for part in ("totals", "layers"):
        if part == "totals":
            keys = sorted(set(ca[part]) | set(cb[part]))
            for k in keys:
                va, vb = ca[part].get(k, "<missing>"), cb[part].get(k, "<missing>")
                if not same_value(va, vb, 0.0):
                    err(f"totals.{k}: {la} {short(va)} != {lb} {short(vb)}")
        else:
            if len(ca[part]) != len(cb[part]):
                err(f"layers: {la} has {len(ca[part])}, {lb} has {len(cb[part])}")
            for i, (x, y) in enumerate(zip(ca[part], cb[part])):
                for k in sorted(set(x) | set(y)):
                    vx, vy = x.get(k, "<missing>"), y.get(k, "<missing>")
                    if not same_value(vx, vy, 0.0):
                        err(f"layers[{i}].{k}: {la} {short(vx)} != {lb} {short(vy)}")


def cmd_findings(report, kinds):
    got = [f.get("kind") for f in load(report).get("findings", [])]
    for k in kinds:
        if k not in got:
            err(f"findings: no kind {k!r}; kinds present: {sorted(set(got))}")


# ---- counts made here from image bytes ---------------------------------------

def is_whiteout(name):
    return os.path.basename(name.rstrip("/")).startswith(".wh.")


def open_tar(data):
    """tarfile over one layer tar.  Some writers (umoci 0.4) end the tar
    without the two zero blocks; containerd and libarchive accept that, so
    pad here to let python's tarfile read it too."""
    return tarfile.open(fileobj=io.BytesIO(data + b"\0" * 1024), mode="r:")


def tar_counts(data):
    """bytes, files of one layer tar, by DESIGN.md's rules: bytes = sizes of
    regular files (a hard link counts once: its header size is 0); files =
    regular files and hard links; whiteout markers are neither."""
    t = open_tar(data)
    nbytes = files = 0
    for e in t:
        if is_whiteout(e.name):
            continue
        if e.isreg():
            nbytes += e.size
            files += 1
        elif e.islnk():
            files += 1
    return nbytes, files


class Image:
    """An image read here, independently of imgaudit: an OCI layout
    directory, an OCI archive, or a docker-save archive (legacy, or the
    OCI-in-docker form Docker 25+ writes).  blobs[i] is layer i as stored,
    descs[i] its manifest descriptor (None for docker-save), config the
    config JSON, platform "os/arch[/variant]" when an index said so."""

    def __init__(self, path, platform=None):
        self.platform = None
        if os.path.isdir(path):
            def get(name):
                with open(os.path.join(path, name), "rb") as f:
                    return f.read()
            names = None
        else:
            outer = tarfile.open(path)
            names = {os.path.normpath(n) for n in outer.getnames()}

            def get(name):
                return outer.extractfile(name).read()
        if names is not None and "manifest.json" in names:
            m = json.loads(get("manifest.json"))[0]
            self.config = json.loads(get(m["Config"]))
            self.blobs = [get(n) for n in m["Layers"]]
            self.descs = [None] * len(self.blobs)
        else:
            def blob(d):
                return get("blobs/" + d.replace(":", "/"))
            idx = json.loads(get("index.json"))
            m = self.pick(idx, platform, blob)
            self.config = json.loads(blob(m["config"]["digest"]))
            self.descs = m["layers"]
            self.blobs = [blob(d["digest"]) for d in self.descs]
        self.tars = [decompress(b) for b in self.blobs]
        self.created_by = [h.get("created_by", "")
                           for h in self.config.get("history", [])
                           if not h.get("empty_layer")]
        if self.platform is None and "os" in self.config:
            self.platform = self.config["os"] + "/" + self.config.get("architecture", "")
            if self.config.get("variant"):
                self.platform += "/" + self.config["variant"]

    def pick(self, idx, platform, blob):
        want = platform or "linux/amd64"
        while True:
            ms = idx.get("manifests", [])
            if "layers" in idx:
                return idx
            if len(ms) == 1 and (not platform or not ms[0].get("platform")):
                d = ms[0]
            else:
                d = None
                for c in ms:
                    p = c.get("platform") or {}
                    name = p.get("os", "") + "/" + p.get("architecture", "")
                    full = name + ("/" + p["variant"] if p.get("variant") else "")
                    if want in (name, full):
                        d = c
                        break
                if d is None:
                    raise SystemExit(f"no manifest for {want} in the index")
            p = d.get("platform")
            if p:
                self.platform = p["os"] + "/" + p["architecture"] + (
                    "/" + p["variant"] if p.get("variant") else "")
            idx = json.loads(blob(d["digest"]))


def decompress(data):
    if data[:2] == b"\x1f\x8b":
        import gzip
        return gzip.decompress(data)
    if data[:4] == b"\x28\xb5\x2f\xfd":
        import subprocess
        return subprocess.run(["zstd", "-dc"], input=data, check=True,
                              capture_output=True).stdout
    return data


def cmd_image_layers(report, path, platform=None, with_tree=False):
    """Per-layer facts, and with_tree the final-tree totals, counted here."""
    rep = load(report)
    img = Image(path, platform)
    layers = rep.get("layers", [])
    if len(layers) != len(img.blobs):
        err(f"layers: {len(layers)} in the report, the manifest lists {len(img.blobs)}")
    diff_ids = img.config["rootfs"]["diff_ids"]
    for i, (blob, tar, l) in enumerate(zip(img.blobs, img.tars, layers)):
        nbytes, files = tar_counts(tar)
        want = {
            "index": i,
            "digest": "sha256:" + hashlib.sha256(blob).hexdigest(),
            "compressed_bytes": len(blob),
            "diff_id": "sha256:" + hashlib.sha256(tar).hexdigest(),
            "tar_bytes": len(tar),
            "bytes": nbytes,
            "files": files,
        }
        if want["diff_id"] != diff_ids[i]:
            print(f"note: layer {i}: sha256 of the tar is not the config's "
                  f"diff_id {diff_ids[i]} (is the image itself broken?)")
        if img.descs[i] is not None:
            if img.descs[i]["digest"] != want["digest"]:
                print(f"note: layer {i}: blob sha256 is not the manifest digest")
            want["media_type"] = img.descs[i]["mediaType"]
        if i < len(img.created_by):
            want["created_by"] = img.created_by[i]
        subset(l, want, f"layers[{i}]", 0.0)
    totals = {
        "layers": len(img.blobs),
        "compressed_bytes": sum(len(b) for b in img.blobs),
        "layer_bytes": sum(tar_counts(t)[0] for t in img.tars),
    }
    if with_tree:
        tree, wasted = apply_layers(img.tars)
        totals["final_files"], totals["final_bytes"] = final_counts(tree)
        totals["wasted_bytes"] = sum(wasted)
        for i, l in enumerate(layers[:len(wasted)]):
            subset(l, {"wasted_bytes": wasted[i]}, f"layers[{i}]", 0.0)
    subset(rep.get("totals", {}), totals, "totals", 0.0)
    if img.platform:
        subset(rep.get("image", {}), {"platform": img.platform}, "image", 0.0)


def apply_layers(tars):
    """Apply the layers the way the OCI image spec's "Applying changesets"
    says: returns (tree, wasted) where tree maps path -> (kind, size, data)
    and wasted[i] is the data of layer i that the final tree no longer
    shows (file versions a later layer replaced or deleted).  A hard link
    shares its target's data (the same inode once extracted), so data stays
    visible while any name of it is left; a link to a missing target is not
    placed.  Each data object is (layer, entry number), its size counted
    once."""
    tree = {}
    sizes = {}		# data object -> size
    wasted = [0] * len(tars)

    def drop_under(prefix, keep_self):
        for p in [p for p in tree
                  if p.startswith(prefix + "/") or prefix == ""
                  or (p == prefix and not keep_self)]:
            del tree[p]

    for li, data in enumerate(tars):
        entries = list(open_tar(data))
        # A layer's whiteouts apply to lower layers only: do them first.
        for e in entries:
            name = os.path.normpath("/" + e.name).lstrip("/")
            base, d = os.path.basename(name), os.path.dirname(name)
            if base == ".wh..wh..opq":
                drop_under(d, True)
            elif base.startswith(".wh."):
                drop_under(os.path.join(d, base[4:]), False)
        for k, e in enumerate(entries):
            name = os.path.normpath("/" + e.name).lstrip("/")
            if not name or name == "." or os.path.basename(name).startswith(".wh."):
                continue
            old = tree.get(name)
            if old is not None:
                if old[0] == "dir" and e.isdir():
                    continue
                if old[0] == "dir":
                    drop_under(name, True)
                del tree[name]
            parts = name.split("/")
            for j in range(1, len(parts)):
                parent = "/".join(parts[:j])
                if parent in tree and tree[parent][0] != "dir":
                    del tree[parent]
                tree.setdefault(parent, ("dir", 0, None))
            if e.isdir():
                tree[name] = ("dir", 0, None)
            elif e.isreg():
                sizes[(li, k)] = e.size
                tree[name] = ("file", e.size, (li, k))
            elif e.islnk():
                target = os.path.normpath("/" + e.linkname).lstrip("/")
                t = tree.get(target)
                if t is not None and t[0] in ("file", "hardlink"):
                    tree[name] = ("hardlink", t[1], t[2])
            elif e.issym():
                tree[name] = ("symlink", 0, None)
            else:
                tree[name] = ("other", 0, None)
    live = {v[2] for v in tree.values() if v[2] is not None}
    for obj, size in sizes.items():
        if obj not in live:
            wasted[obj[0]] += size
    return tree, wasted


def final_counts(tree):
    """(final_files, final_bytes): files and hard links; data counted once."""
    files = sum(1 for v in tree.values() if v[0] in ("file", "hardlink"))
    data = {v[2]: v[1] for v in tree.values() if v[2] is not None}
    return files, sum(data.values())


# ---- the builder's expected.json ---------------------------------------------

MT_LAYER = {
    "none": "application/vnd.oci.image.layer.v1.tar",
    "gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
    "zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
}
HOSTILE_KINDS = {"path-traversal", "absolute-path", "name-too-long",
                 "symlink-loop", "hardlink-missing"}


def cmd_expected(report, expected, variant):
    """Compare a report with the builder's expected.json (test-images/
    README.md describes it) for the on-disk format VARIANT (a name in its
    "formats" list: the compression decides digests and sizes)."""
    rep = load(report)
    exp = load(expected)
    fmt = next((f for f in exp["formats"] if f["path"] == variant), None)
    if fmt is None:
        err(f"{expected}: no format {variant!r}")
        return
    comp, transport = fmt["compression"], fmt["transport"]
    et = exp["totals"]
    want_totals = {k: et[k] for k in ("layers", "layer_bytes", "final_bytes",
                   "final_files", "final_entries", "wasted_bytes", "efficiency")}
    want_totals["compressed_bytes"] = et["compressed_bytes"][comp]
    if exp.get("dive"):
        d = exp["dive"]
        want_totals["dive_efficiency"] = d["efficiency"]
        want_totals["dive_wasted_bytes"] = d["wasted_bytes"]
        want_totals["dive_user_wasted_percent"] = d["user_wasted_percent"]
    # Keys the contract does not require but the report may add: when they
    # are there, they must be right too.
    rt = rep.get("totals") or {}
    if "tar_bytes" in rt:
        want_totals["tar_bytes"] = et["tar_bytes"]
    if exp.get("dive"):
        if "dive_size_bytes" in rt:
            want_totals["dive_size_bytes"] = exp["dive"]["size_bytes"]
        if "dive_user_size_bytes" in rt:
            want_totals["dive_user_size_bytes"] = exp["dive"]["user_size_bytes"]
    subset(rep.get("totals"), want_totals, "totals", 1e-12)

    want_layers = []
    for i, l in enumerate(exp["layers"]):
        c = exp["compressed"][comp][i]
        w = {"index": i, "bytes": l["bytes"], "files": l["files"],
             "tar_bytes": l["tar_bytes"], "wasted_bytes": l["wasted_bytes"],
             "diff_id": l["diff_id"], "created_by": l["created_by"],
             "digest": c["digest"], "compressed_bytes": c["size"]}
        if transport in ("oci", "oci-archive") or variant == "docker-oci-archive.tar":
            w["media_type"] = MT_LAYER[comp]
        else:   # a docker archive's manifest.json names no media types
            w["media_type"] = None
        rl = (rep.get("layers") or [])[i:i + 1]
        if rl and "entries" in rl[0]:
            w["entries"] = l["entries"]
        if rl and "compression" in rl[0]:
            w["compression"] = {"none": "uncompressed"}.get(comp, comp)
        want_layers.append(w)
    subset(rep.get("layers"), want_layers, "layers", 0.0)

    ei, ri = exp["image"], rep.get("image") or {}
    subset(ri, {"platform": ei["platform"], "created": ei["created"],
                "entrypoint": ei["entrypoint"], "cmd": ei["cmd"]}, "image", 0.0)
    # image.digest: the manifest's digest where there is a manifest (OCI, and
    # the OCI index inside a Docker 25+ archive), the config's (Docker's
    # image ID) for a legacy docker archive.
    ok_digests = {ei["config_digest"]}
    if transport in ("oci", "oci-archive") or variant == "docker-oci-archive.tar":
        ok_digests = {ei["manifest_digest"][comp]}
        if "index_digest" in ei:	# a multi-platform index: either is fair
            ok_digests.add(ei["index_digest"][comp])
    if ri.get("digest") not in ok_digests:
        err(f"image.digest: got {short(ri.get('digest'))}, want one of {sorted(ok_digests)}")

    # largest_files: the builder guarantees no tie at its last place and no
    # hard link that could rank; paths start with "/".
    el = exp.get("largest_files") or []
    rl = rep.get("largest_files") or []
    if len(rl) < len(el):
        err(f"largest_files: {len(rl)} entries, want at least {len(el)} (run with --top {len(el)})")
    for i, (path, size) in enumerate(el[:len(rl)]):
        subset(rl[i], {"path": path, "bytes": size}, f"largest_files[{i}]", 0.0)

    kinds = {f.get("kind") for f in rep.get("findings") or []}
    for k in exp.get("findings") or []:
        if k not in kinds:
            err(f"findings: no {k!r}; kinds present: {sorted(kinds)}")
    for k in sorted((kinds & HOSTILE_KINDS) - set(exp.get("findings") or [])):
        err(f"findings: {k!r} reported, but the builder put no such entry in the image")


def main(argv):
    tol = 1e-12
    if len(argv) > 1 and argv[1].startswith("--tol="):
        tol = float(argv[1].split("=", 1)[1])
        argv = argv[:1] + argv[2:]
    if len(argv) < 2:
        print(__doc__)
        return 2
    cmd, args = argv[1], argv[2:]
    if cmd == "get" and len(args) == 2:
        try:
            v = walk(load(args[0]), args[1])
        except (KeyError, IndexError, ValueError, TypeError):
            print(f"{args[0]}: no {args[1]}", file=sys.stderr)
            return 1
        print(v if isinstance(v, str) else json.dumps(v))
        return 0
    if cmd == "subset" and len(args) == 2:
        frag = args[1]
        want = load(frag[1:]) if frag.startswith("@") else json.loads(frag)
        subset(load(args[0]), want, "report", tol)
    elif cmd == "same-core" and len(args) in (2, 4):
        cmd_same_core(*args)
    elif cmd == "findings" and len(args) >= 2:
        cmd_findings(args[0], args[1:])
    elif cmd == "image-layers" and len(args) >= 2:
        plat = None
        tree = "--tree" in args
        rest = [a for a in args if a != "--tree"]
        for a in list(rest):
            if a.startswith("--platform="):
                plat = a.split("=", 1)[1]
                rest.remove(a)
        cmd_image_layers(rest[0], rest[1], plat, tree)
    elif cmd == "entry-names" and len(args) == 1:
        # Every entry name and link target of every layer, NUL-terminated,
        # for the hostile-image case to look where an extractor would write.
        img = Image(args[0])
        out = sys.stdout.buffer
        for tar in img.tars:
            for e in open_tar(tar):
                for n in (e.name, e.linkname):
                    if n:
                        out.write(n.encode("utf-8", "surrogateescape") + b"\0")
        return 0
    elif cmd == "expected" and len(args) == 3:
        cmd_expected(*args)
    else:
        print(__doc__)
        return 2
    for e in errors:
        print(e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
