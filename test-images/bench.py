#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench.py: the large realistic image of `make bench`, made of real files
from this machine.

    python3 test-images/bench.py OUTDIR [--force]

Writes OUTDIR/bench/:

  oci-gzip/      OCI image layout, gzip layers (level 6, as Docker's)
  expected.json  per layer: tar_bytes, bytes, files, entries, diff_id,
                 blob digest and size; totals, final tree counts included
                 (the builder's own count, never imgaudit's)
  .stamp         written last: this script's version and hash and the
                 sources found; when it matches, nothing is done

The layers, in order (a source that is not there is left out):

  1. a Debian root: build/debian-image/debian/root (test-images/debian.py,
     debootstrap + python3-numpy), else the host's /usr/bin, /usr/sbin and
     /usr/share/doc with its dpkg database
  2. the host's shared libraries and Python: /usr/lib/x86_64-linux-gnu,
     /usr/lib/python3*, and the dpkg status and file lists of the host's
     packages the root does not have (as an apt-get install layer writes
     them), so that imgaudit attributes the libraries
  3. the pyenv site-packages (dist-info included) at
     usr/local/lib/python3.X/site-packages
  4-6. the CUDA toolkit (/usr/local/cuda, about 2.6 GB): lib/ split by size
     into two layers, then bin, include, nvvm and the rest, with the
     /usr/local/cuda symlink
  Without CUDA, top-up layers of other real host files (/usr/lib/llvm-*,
  /usr/lib/jvm, /usr/share, ...; repeated under opt/copy-N/ if need be)
  until the image holds at least 3.2 GB.

Tars are deterministic for given sources: entries in path order, every
parent directory first, mtime 0, uid/gid 0, modes as on disk, hard links
within a layer kept as hard links; sockets, fifos and devices left out.
The layers are gzip-compressed as they are written (zlib level 6, two at a
time: zlib releases the GIL), never held in memory.  The sources are this
machine's files, so the image differs between machines and is never
committed.

Exit status: 0 built (or cached), 1 failed.  Python standard library only;
it imports build.py (beside it) for the tar headers and the OCI layout.
"""

import glob
import hashlib
import json
import os
import shutil
import stat
import sys
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True	# no __pycache__ in the source tree
import build  # noqa: E402

VERSION = 1
NAME = "bench"
REPO = os.path.dirname(HERE)
DEBIAN_ROOT = os.environ.get("BENCH_DEBIAN_ROOT",
    os.path.join(REPO, "build", "debian-image", "debian", "root"))
CUDA = os.environ.get("CUDA_HOME", "/usr/local/cuda")
MIN_BYTES = 3200 * 1000 * 1000	# at least 3 GB of file data, with a margin
# Real host files to top up with when there is no CUDA toolkit, in order.
TOPUP = ("/usr/lib/llvm-*", "/usr/lib/jvm", "/usr/lib/gcc", "/usr/lib/chromium",
    "/usr/share", "/usr/bin", "/usr/include", "/usr/libexec")
CHUNK = 1 << 20


def log(msg):
	print("bench.py: " + msg, flush=True)


class Failed(Exception):
	pass


# ---------------------------------------------------------------------------
# A layer's entries, planned before anything is written (sizes known up
# front for the top-up and the bookkeeping).

class Ent:
	__slots__ = ("name", "kind", "mode", "size", "src", "data", "link")

	def __init__(self, name, kind, mode, size=0, src=None, data=None, link=""):
		self.name = name	# image path, no leading or trailing /
		self.kind = kind	# file, dir, symlink, hardlink
		self.mode = mode
		self.size = size
		self.src = src		# host path of a file's data
		self.data = data	# or the data itself
		self.link = link


class Plan:
	"""One layer: entries in the order they are added, each parent
	directory emitted before its first child."""

	def __init__(self, created_by):
		self.created_by = created_by
		self.ents = []
		self.dirs = set()
		self.inodes = {}	# (dev, ino) -> first name, for hard links
		self.sources = []

	@property
	def bytes(self):
		return sum(e.size for e in self.ents if e.kind == "file")

	def parents(self, name):
		parts = name.split("/")[:-1]
		for i in range(1, len(parts) + 1):
			d = "/".join(parts[:i])
			if d not in self.dirs:
				self.dirs.add(d)
				self.ents.append(Ent(d, "dir", 0o755))

	def data(self, name, data, mode=0o644):
		self.parents(name)
		self.ents.append(Ent(name, "file", mode, len(data), data=data))

	def symlink(self, name, target):
		self.parents(name)
		self.ents.append(Ent(name, "symlink", 0o777, link=target))

	def tree(self, src, name, skip_below=()):
		"""src (a directory, file or symlink on the host) at image path
		name, recursively; the contents of the directories named in
		skip_below (relative to src) are left out."""
		self.sources.append([src, name])
		self.parents(name)
		self._add(src, name, os.lstat(src), "", skip_below)

	def _add(self, path, name, st, rel, skip_below):
		m = st.st_mode
		if stat.S_ISDIR(m):
			# name "": the root of a base layer, which has no entry
			if name and name not in self.dirs:
				self.dirs.add(name)
				self.ents.append(Ent(name, "dir", stat.S_IMODE(m)))
			if rel in skip_below:
				return
			with os.scandir(path) as it:
				kids = sorted(it, key=lambda e: e.name)
			for k in kids:
				self._add(k.path, name + "/" + k.name if name else k.name,
				    k.stat(follow_symlinks=False),
				    rel + "/" + k.name if rel else k.name, skip_below)
		elif stat.S_ISLNK(m):
			self.ents.append(Ent(name, "symlink", 0o777, link=os.readlink(path)))
		elif stat.S_ISREG(m):
			key = (st.st_dev, st.st_ino)
			if st.st_nlink > 1 and key in self.inodes:
				self.ents.append(Ent(name, "hardlink", stat.S_IMODE(m),
				    link=self.inodes[key]))
				return
			self.inodes[key] = name
			self.ents.append(Ent(name, "file", stat.S_IMODE(m), st.st_size, src=path))
		# sockets, fifos, devices: not in an image layer


def chunks(plan):
	"""The layer's tar, chunk by chunk (ustar, pax where needed, no
	record padding, as build.py writes)."""
	for e in plan.ents:
		name = e.name + "/" if e.kind == "dir" else e.name
		yield build.tar_header(name, e.kind, e.size, e.link, e.mode)
		if e.kind != "file" or e.size == 0:
			continue
		if e.data is not None:
			yield e.data
		else:
			got = 0
			with open(e.src, "rb") as f:
				while got < e.size:
					b = f.read(min(CHUNK, e.size - got))
					if not b:
						break
					got += len(b)
					yield b
			if got != e.size:
				raise Failed("%s changed while it was read" % e.src)
		if e.size % 512:
			yield bytes(512 - e.size % 512)
	yield build.END_OF_TAR


# ---------------------------------------------------------------------------
# dpkg: the status stanzas of the host's packages the root lacks.

def read_status(path):
	"""{(package, architecture): stanza text} of a dpkg status file."""
	out = {}
	try:
		with open(path, encoding="utf-8", errors="surrogateescape") as f:
			text = f.read()
	except FileNotFoundError:
		return out
	for stanza in text.split("\n\n"):
		stanza = stanza.strip("\n")
		if not stanza:
			continue
		pkg = arch = ""
		for line in stanza.split("\n"):
			if line.startswith("Package: "):
				pkg = line[9:].strip()
			elif line.startswith("Architecture: "):
				arch = line[14:].strip()
		if pkg:
			out[(pkg, arch)] = stanza
	return out


def add_host_dpkg(plan, lower_status):
	"""The host's packages not in lower_status: a status file that holds
	both, and their file lists (info/PKG[:ARCH].list, .md5sums)."""
	host = read_status("/var/lib/dpkg/status")
	new = {k: v for k, v in host.items() if k not in lower_status}
	if not new:
		return 0
	merged = dict(lower_status)
	merged.update(new)
	text = "\n\n".join(merged[k] for k in sorted(merged)) + "\n"
	plan.data("var/lib/dpkg/status", text.encode("utf-8", "surrogateescape"))
	info = "/var/lib/dpkg/info"
	for pkg, arch in sorted(new):
		for base in (pkg, "%s:%s" % (pkg, arch)):
			for ext in (".list", ".md5sums"):
				p = os.path.join(info, base + ext)
				if os.path.isfile(p):
					plan.tree(p, "var/lib/dpkg/info/" + base + ext)
	return len(new)


# ---------------------------------------------------------------------------
# The image.

def plan_layers():
	layers = []

	# 1. the Debian root
	if os.path.isdir(os.path.join(DEBIAN_ROOT, "var/lib/dpkg")):
		p = Plan("/bin/sh -c #(nop) ADD file:debootstrap-bookworm-minbase in / ")
		p.tree(DEBIAN_ROOT, "", skip_below=("dev", "proc", "sys"))
		lower = read_status(os.path.join(DEBIAN_ROOT, "var/lib/dpkg/status"))
	else:
		log("no Debian root at %s (make check builds it): the host's "
		    "/usr/bin, /usr/sbin, /usr/share/doc instead" % DEBIAN_ROOT)
		p = Plan("/bin/sh -c #(nop) ADD file:host-base in / ")
		for d in ("/usr/bin", "/usr/sbin", "/usr/share/doc"):
			if os.path.isdir(d):
				p.tree(d, d[1:])
		lower = {}
	layers.append(p)

	# 2. shared libraries, the system Python, their packages
	p = Plan("/bin/sh -c apt-get install -y $(cat host-packages) && "
	    "rm -rf /var/lib/apt/lists/*")
	for d in ["/usr/lib/x86_64-linux-gnu"] + sorted(glob.glob("/usr/lib/python3*")):
		if os.path.isdir(d) and not os.path.islink(d):
			p.tree(d, d[1:])
	n = add_host_dpkg(p, lower)
	if p.ents:
		log("layer 2: %d host packages added to the dpkg status" % n)
		layers.append(p)

	# 3. pip packages
	site = sorted(glob.glob(os.path.join(sys.base_prefix, "lib", "python3*",
	    "site-packages")))
	if site and os.path.isdir(site[0]):
		ver = os.path.basename(os.path.dirname(site[0]))
		p = Plan("/bin/sh -c pip install --no-cache-dir -r requirements.txt")
		p.tree(site[0], "usr/local/lib/%s/site-packages" % ver)
		layers.append(p)

	# 4-6. CUDA
	cuda = os.path.realpath(CUDA)
	lib = os.path.join(cuda, "lib")
	if not os.path.isdir(lib):
		lib = os.path.join(cuda, "lib64")
	if os.path.isdir(lib) and not os.path.islink(lib):
		base = "usr/local/" + os.path.basename(cuda)
		libname = os.path.basename(lib)
		kids = sorted(os.listdir(lib))
		sizes = {k: du(os.path.join(lib, k)) for k in kids}
		half = sum(sizes.values()) / 2
		a = Plan("/bin/sh -c #(nop) COPY dir:cuda-lib-1 in /%s/%s " % (base, libname))
		b = Plan("/bin/sh -c #(nop) COPY dir:cuda-lib-2 in /%s/%s " % (base, libname))
		acc = 0
		for k in kids:
			dst = a if acc < half else b
			acc += sizes[k]
			dst.tree(os.path.join(lib, k), "%s/%s/%s" % (base, libname, k))
		c = Plan("/bin/sh -c #(nop) COPY dir:cuda-toolkit in /%s " % base)
		for k in sorted(os.listdir(cuda)):
			if k != libname:
				c.tree(os.path.join(cuda, k), base + "/" + k)
		c.symlink("usr/local/cuda", os.path.basename(cuda))
		layers += [a, b, c]
	else:
		log("no CUDA toolkit at %s: topping up with other host files" % CUDA)

	total = sum(p.bytes for p in layers)
	copy = 1
	while total < MIN_BYTES:
		added = False
		for pat in TOPUP:
			for d in sorted(glob.glob(pat)):
				if total >= MIN_BYTES:
					break
				if not os.path.isdir(d) or os.path.islink(d):
					continue
				dst = d[1:] if copy == 1 else "opt/copy-%d/%s" % (copy, d[1:])
				if any(s[1] == dst for q in layers for s in q.sources):
					continue
				p = Plan("/bin/sh -c #(nop) COPY dir:%s in /%s " %
				    (os.path.basename(d), dst))
				p.tree(d, dst)
				if p.bytes:
					layers.append(p)
					total += p.bytes
					added = True
		if not added and copy > 1:
			raise Failed("cannot find %d bytes of host files" % MIN_BYTES)
		copy += 1
	return layers


def du(path):
	st = os.lstat(path)
	if not stat.S_ISDIR(st.st_mode):
		return st.st_size if stat.S_ISREG(st.st_mode) else 0
	n = 0
	for d, _, files in os.walk(path):
		for f in files:
			st = os.lstat(os.path.join(d, f))
			if stat.S_ISREG(st.st_mode):
				n += st.st_size
	return n


def final_tree(layers):
	"""The final tree's counts: later layers replace earlier paths; a
	non-directory replacing a directory hides its subtree (no whiteouts
	here)."""
	tree = {}
	for p in layers:
		for e in p.ents:
			old = tree.get(e.name)
			if old is not None and old[0] == "dir" and e.kind != "dir":
				pre = e.name + "/"
				for k in [k for k in tree if k.startswith(pre)]:
					del tree[k]
			tree[e.name] = (e.kind, e.size if e.kind == "file" else 0)
	files = sum(1 for k, s in tree.values() if k in ("file", "hardlink"))
	# a hard link's bytes are its target's, counted once
	return {"final_entries": len(tree), "final_files": files,
	    "final_bytes": sum(s for _, s in tree.values())}


def write_layer(plan, blobdir, tag):
	t0 = time.monotonic()
	tar_bytes, diff_id, blob = build.stream_layer(chunks(plan), blobdir, tag)
	log("layer %s: %d MB tar -> %d MB gzip in %.0f s" % (tag,
	    tar_bytes // 1000000, blob.size // 1000000, time.monotonic() - t0))
	return build.BuiltLayer(build.Layer(plan.created_by), tar_bytes, diff_id,
	    {"gzip": blob})


def stamp_obj():
	with open(os.path.abspath(__file__), "rb") as f:
		me = hashlib.sha256(f.read()).hexdigest()
	return {"version": VERSION, "script_sha256": me,
	    "debian_root": os.path.isdir(DEBIAN_ROOT),
	    "cuda": os.path.realpath(CUDA) if os.path.isdir(CUDA) else None,
	    "python": sys.base_prefix}


def main(argv):
	if len(argv) < 2 or argv[1].startswith("-"):
		print("usage: bench.py OUTDIR [--force]", file=sys.stderr)
		return 2
	out = os.path.join(argv[1], NAME)
	stamp = stamp_obj()
	try:
		with open(os.path.join(out, ".stamp")) as f:
			if json.load(f) == stamp and "--force" not in argv:
				log("cached in %s" % out)
				return 0
	except (OSError, ValueError):
		pass
	t0 = time.monotonic()
	tmp = out + ".tmp"
	shutil.rmtree(tmp, ignore_errors=True)
	blobdir = os.path.join(tmp, "oci-gzip", "blobs", "sha256")
	os.makedirs(blobdir)
	layers = plan_layers()
	log("%d layers, %d MB of files; compressing (two at a time)" % (len(layers),
	    sum(p.bytes for p in layers) // 1000000))
	# Largest first, two at a time: zlib and sha256 release the GIL.
	order = sorted(range(len(layers)), key=lambda i: -layers[i].bytes)
	with ThreadPoolExecutor(2) as ex:
		futs = {i: ex.submit(write_layer, layers[i], blobdir, str(i + 1)) for i in order}
		built = [futs[i].result() for i in range(len(layers))]
	spec = build.ImageSpec(NAME, [b.layer for b in built], ["/bin/bash"], None,
	    env=["PATH=/usr/local/cuda/bin:/usr/local/sbin:/usr/local/bin:"
	    "/usr/sbin:/usr/bin:/sbin:/bin"])
	img = build.BuiltImage(spec, built, ["gzip"])
	build.write_formats(tmp, img, ["oci-gzip"])

	exp_layers = []
	for p, b in zip(layers, built):
		exp_layers.append({"created_by": p.created_by, "sources": p.sources,
		    "tar_bytes": b.tar_bytes, "bytes": p.bytes,
		    "files": sum(1 for e in p.ents if e.kind in ("file", "hardlink")),
		    "entries": len(p.ents), "diff_id": b.diff_id,
		    "digest": b.blobs["gzip"].digest, "size": b.blobs["gzip"].size})
	totals = {"layers": len(built),
	    "tar_bytes": sum(b.tar_bytes for b in built),
	    "layer_bytes": sum(p.bytes for p in layers),
	    "compressed_bytes": sum(b.blobs["gzip"].size for b in built),
	    "entries": sum(len(p.ents) for p in layers)}
	totals.update(final_tree(layers))
	build.write_json(os.path.join(tmp, "expected.json"), {
	    "note": "bench.py: real files of the machine it was built on",
	    "image": {"config_digest": img.config.digest,
	        "manifest_digest": img.manifest["gzip"].digest},
	    "layers": exp_layers, "totals": totals,
	    "build_seconds": round(time.monotonic() - t0)})
	with open(os.path.join(tmp, ".stamp"), "w") as f:
		json.dump(stamp, f)
	shutil.rmtree(out, ignore_errors=True)
	os.replace(tmp, out)
	log("built %s: %d layers, %d MB tar, %d MB gzip, in %.0f s" % (out,
	    len(built), totals["tar_bytes"] // 1000000,
	    totals["compressed_bytes"] // 1000000, time.monotonic() - t0))
	return 0


if __name__ == "__main__":
	try:
		sys.exit(main(sys.argv))
	except Failed as e:
		log(str(e))
		sys.exit(1)
