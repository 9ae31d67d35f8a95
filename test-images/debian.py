#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""debian.py: a real Debian image, made by debootstrap, apt and dpkg, and the
package facts it holds, counted here from the root file system on disk.

    python3 test-images/debian.py OUTDIR [--force] [--keep-base]

Builds (as root, with network access to the Debian mirror) into OUTDIR/debian/:

  oci-gzip/            OCI image layout, gzip layers
  docker-archive.tar   legacy `docker save` archive, uncompressed layers
  root/                the final root file system (layer 0 + layer 1 applied),
                       kept for tests that chroot into a copy of it
  expected.json        image facts (test-images/README.md schema) and the
                       per-package bookkeeping ("dpkg" key)
  build.log            debootstrap's and apt's output
  .stamp               written last: the script's version and hash

Layer 0 is `debootstrap --variant=minbase bookworm` with what a base image
does not ship removed (the .debs and apt lists debootstrap leaves, the host's
resolv.conf and hostname, bootstrap.log).  Layer 1 is one RUN step in a
chroot of a copy of that root:

  apt-get update && apt-get install -y python3-numpy python3-requests &&
  apt-get clean && rm -rf /var/lib/apt/lists/*

with apt's default Recommends, so that python3.11's Recommends holds
ca-certificates, which python3-requests Depends on (apt autoremove keeps it
after python3-requests goes), and var/lib/apt/extended_states marks the
automatically installed packages.  Layer 1's tar is the difference between
the two roots: entries new or changed (type, mode, owner, size, mtime, link
target or content), their parent directories, and an OCI whiteout
(.wh.NAME) for every deleted path.  /dev, /proc and /sys are empty in the
image (debootstrap's device nodes stay in root/ for the chroot).

Tars are deterministic for a given root: entries sorted by path (a directory
right before its children), uid/gid and mode as on disk, mtime as on disk
(whole seconds), empty owner names, pax headers only where ustar does not
fit; gzip level 6 with no name and mtime 0.  The roots themselves depend on
the mirror's contents and on the time of the build (logs, dpkg status), so
two builds differ; one build is cached: when OUTDIR/debian/.stamp matches
this script, nothing is done.

Exit status: 0 built (or cached), 77 cannot be built here (not root, no
debootstrap or chroot, the mirror unreachable: one line says which),
1 the build failed.

Python standard library only; it imports build.py (beside it) for the
image formats.
"""

import csv
import fcntl
import hashlib
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tarfile
import time
import types
import urllib.request
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True	# no __pycache__ in the source tree
import build  # noqa: E402  (the image-format writers)

VERSION = 1
SUITE = "bookworm"
MIRROR = os.environ.get("DEBIAN_MIRROR", "http://deb.debian.org/debian")
PACKAGES = ["python3-numpy", "python3-requests"]
RUN = ("apt-get update && apt-get install -y %s && apt-get clean && "
       "rm -rf /var/lib/apt/lists/*" % " ".join(PACKAGES))
NAME = "debian"
FORMATS = ["oci-gzip", "docker-archive.tar"]
GZIP_LEVEL = 6
# Directories whose contents never go into the image (kept in root/).
EMPTY_DIRS = ("dev", "proc", "sys")
CHROOT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class CannotBuild(Exception):
	"""The build cannot run on this machine (exit 77)."""


class Failed(Exception):
	"""The build ran and failed (exit 1)."""


def log(msg):
	print("debian.py: " + msg, flush=True)


def file_hash(path):
	with open(path, "rb") as f:
		return hashlib.sha256(f.read()).hexdigest()


def stamp_obj():
	"""What the cached build depends on: this script (its version and
	bytes: any edit rebuilds), the suite, mirror and packages.  Not
	build.py, which changes often and whose format writers an old build
	used consistently; bump VERSION if a change there must reach it."""
	return {"version": VERSION,
	    "script_sha256": file_hash(os.path.abspath(__file__)),
	    "suite": SUITE, "mirror": MIRROR, "packages": PACKAGES}


# ---------------------------------------------------------------------------
# Mounts: nothing under a directory we delete may be mounted.

def mounts_under(path):
	path = os.path.realpath(path)
	out = []
	with open("/proc/self/mounts") as f:
		for line in f:
			mp = line.split()[1].replace("\\040", " ")
			if mp == path or mp.startswith(path + "/"):
				out.append(mp)
	return out


def safe_rmtree(path):
	if not os.path.lexists(path):
		return
	m = mounts_under(path)
	if m:
		raise Failed("refusing to delete %s: %s is mounted" % (path, m[0]))
	shutil.rmtree(path)


# ---------------------------------------------------------------------------
# Preconditions.

def check_can_build():
	if os.geteuid() != 0:
		raise CannotBuild("not root (debootstrap and chroot need root)")
	for tool in ("debootstrap", "chroot", "mount", "umount", "dpkg-query"):
		if shutil.which(tool) is None:
			raise CannotBuild("no %s (apt-get install debootstrap)" % tool)
	url = "%s/dists/%s/Release" % (MIRROR, SUITE)
	try:
		with urllib.request.urlopen(url, timeout=20) as r:
			r.read(64)
	except Exception as e:  # noqa: BLE001 (any failure: unreachable)
		raise CannotBuild("mirror unreachable: %s: %s" % (url, e)) from None


def dpkg_arch():
	return subprocess.run(["dpkg", "--print-architecture"], check=True,
	    capture_output=True, text=True).stdout.strip()


# ---------------------------------------------------------------------------
# Building the two roots.

def run_logged(argv, logf, **kw):
	logf.write("\n$ %s\n" % " ".join(argv))
	logf.flush()
	r = subprocess.run(argv, stdout=logf, stderr=subprocess.STDOUT,
	    stdin=subprocess.DEVNULL, **kw)
	return r.returncode


def tail(path, n=15):
	with open(path, errors="replace") as f:
		return "".join(f.readlines()[-n:])


DOWNLOAD_ERRORS = ("Failed getting release file", "Couldn't download",
    "Failed to fetch", "Temporary failure resolving", "Could not resolve",
    "Could not connect", "Unable to connect", "Connection timed out")


def check_download(logpath, what):
	"""A build that failed because the mirror went away is not a bug here."""
	with open(logpath, errors="replace") as f:
		text = f.read()
	for e in DOWNLOAD_ERRORS:
		if e in text:
			raise CannotBuild("%s could not download from %s (%r in %s)"
			    % (what, MIRROR, e, logpath))


def debootstrap(base, logpath):
	with open(logpath, "a") as logf:
		rc = run_logged(["debootstrap", "--variant=minbase", SUITE, base,
		    MIRROR], logf)
	if rc != 0:
		check_download(logpath, "debootstrap")
		raise Failed("debootstrap failed (exit %d); end of %s:\n%s" %
		    (rc, logpath, tail(logpath)))
	# What a base image does not ship: debootstrap's downloads and apt
	# lists, the host's resolv.conf and hostname, its own log.
	for d, keep in (("var/cache/apt/archives", "partial"),
	    ("var/lib/apt/lists", "partial")):
		full = os.path.join(base, d)
		for n in os.listdir(full):
			if n != keep and n != "lock":
				p = os.path.join(full, n)
				if os.path.isdir(p) and not os.path.islink(p):
					shutil.rmtree(p)
				else:
					os.unlink(p)
	for f in ("etc/resolv.conf", "etc/hostname", "var/log/bootstrap.log"):
		p = os.path.join(base, f)
		if os.path.lexists(p):
			os.unlink(p)


def chroot_run(root, command, logpath):
	"""Run command (sh -c) in a chroot of root with /proc mounted, the host's
	resolv.conf and a policy-rc.d that starts no service; everything added
	for the run is removed again, the mount even when the run fails."""
	resolv = os.path.join(root, "etc/resolv.conf")
	policy = os.path.join(root, "usr/sbin/policy-rc.d")
	proc = os.path.join(root, "proc")
	added = []
	mounted = False
	try:
		with open("/etc/resolv.conf", "rb") as f:
			data = f.read()
		with open(resolv, "wb") as f:
			f.write(data)
		added.append(resolv)
		with open(policy, "w") as f:
			f.write("#!/bin/sh\nexit 101\n")
		os.chmod(policy, 0o755)
		added.append(policy)
		subprocess.run(["mount", "-t", "proc", "proc", proc], check=True)
		mounted = True
		env = {"PATH": CHROOT_PATH, "DEBIAN_FRONTEND": "noninteractive",
		    "LC_ALL": "C", "HOME": "/root", "TERM": "dumb"}
		with open(logpath, "a") as logf:
			rc = run_logged(["chroot", root, "/bin/sh", "-c", command],
			    logf, env=env)
		if rc != 0:
			check_download(logpath, "apt-get in the chroot")
			raise Failed("in the chroot, `%s` failed (exit %d); end of %s:\n%s"
			    % (command, rc, logpath, tail(logpath)))
	finally:
		if mounted:
			umount(proc)
		for p in added:
			if os.path.lexists(p):
				os.unlink(p)


def umount(path):
	for _ in range(10):
		if subprocess.run(["umount", path]).returncode == 0:
			return
		time.sleep(0.5)
	subprocess.run(["umount", "-l", path])
	if mounts_under(path):
		raise Failed("could not unmount " + path)


# ---------------------------------------------------------------------------
# Walking a root.

class Meta:
	__slots__ = ("kind", "mode", "uid", "gid", "size", "mtime", "mtime_ns",
	    "link", "ino")

	def __init__(self, st, link=None):
		m = st.st_mode
		if stat.S_ISDIR(m):
			self.kind = "dir"
		elif stat.S_ISREG(m):
			self.kind = "file"
		elif stat.S_ISLNK(m):
			self.kind = "symlink"
		else:
			self.kind = "other"
		self.mode = stat.S_IMODE(m)
		self.uid = st.st_uid
		self.gid = st.st_gid
		self.size = st.st_size if self.kind == "file" else 0
		self.mtime = int(st.st_mtime)
		self.mtime_ns = st.st_mtime_ns
		self.link = link
		self.ino = (st.st_dev, st.st_ino) if self.kind == "file" else None

	def same(self, o):
		return (self.kind == o.kind and self.mode == o.mode and
		    self.uid == o.uid and self.gid == o.gid and self.size == o.size and
		    self.mtime_ns == o.mtime_ns and self.link == o.link)


def sort_key(rel):
	return rel.split("/")


def scan(root, skipped=None):
	"""{relative path: Meta} of every entry below root, /dev, /proc and /sys
	contents left out.  Device nodes, fifos and sockets elsewhere are left
	out too (listed in skipped)."""
	out = {}

	def walk(d, rel):
		with os.scandir(d) as it:
			ents = sorted(it, key=lambda e: e.name)
		for e in ents:
			r = rel + "/" + e.name if rel else e.name
			st = e.stat(follow_symlinks=False)
			link = os.readlink(e.path) if stat.S_ISLNK(st.st_mode) else None
			m = Meta(st, link)
			if m.kind == "other":
				if skipped is not None and not r.startswith(("dev/", "proc/", "sys/")):
					skipped.append(r)
				continue
			out[r] = m
			if m.kind == "dir" and r not in EMPTY_DIRS:
				walk(e.path, r)
	walk(root, "")
	return out


def same_content(a, b):
	with open(a, "rb") as fa, open(b, "rb") as fb:
		while True:
			x = fa.read(1 << 20)
			y = fb.read(1 << 20)
			if x != y:
				return False
			if not x:
				return True


# ---------------------------------------------------------------------------
# Layer entries and tars.

class Ent:
	"""One tar entry: kind file/dir/symlink/hardlink/whiteout."""
	__slots__ = ("name", "kind", "meta", "link")

	def __init__(self, name, kind, meta=None, link=None):
		self.name = name
		self.kind = kind
		self.meta = meta
		self.link = link


def with_parents(paths, tree):
	"""paths plus every ancestor directory of each."""
	out = set(paths)
	for p in paths:
		parts = p.split("/")
		for i in range(1, len(parts)):
			a = "/".join(parts[:i])
			if a not in out:
				if tree.get(a) is None or tree[a].kind != "dir":
					raise Failed("parent %s of %s is not a directory" % (a, p))
				out.add(a)
	return out


def entries_for(paths, tree, whiteouts=()):
	"""Layer entries for paths (present in tree) and whiteouts, in tar
	order; regular files sharing an inode become one file and hard links to
	it (the first name in tar order is the file)."""
	items = [(sort_key(p), 0, p) for p in paths]
	for w in whiteouts:
		parent, _, base = w.rpartition("/")
		name = (parent + "/" if parent else "") + ".wh." + base
		items.append((sort_key(name), 1, name))
	items.sort()
	first = {}
	out = []
	for _, is_wh, p in items:
		if is_wh:
			out.append(Ent(p, "whiteout"))
			continue
		m = tree[p]
		if m.kind == "file":
			if m.ino in first:
				out.append(Ent(p, "hardlink", m, first[m.ino]))
				continue
			first[m.ino] = p
		out.append(Ent(p, m.kind, m, m.link))
	return out


def tar_header(e):
	name = e.name + "/" if e.kind == "dir" else e.name
	ti = tarfile.TarInfo(name)
	ti.uname = ti.gname = ""
	if e.kind == "whiteout":
		ti.mtime = 0
		ti.uid = ti.gid = 0
		ti.mode = 0o600
		ti.type = tarfile.REGTYPE
		ti.size = 0
	else:
		m = e.meta
		ti.mtime = m.mtime
		ti.uid = m.uid
		ti.gid = m.gid
		ti.mode = m.mode
		if e.kind == "dir":
			ti.type = tarfile.DIRTYPE
		elif e.kind == "symlink":
			ti.type = tarfile.SYMTYPE
			ti.linkname = e.link
		elif e.kind == "hardlink":
			ti.type = tarfile.LNKTYPE
			ti.linkname = e.link
		else:
			ti.type = tarfile.REGTYPE
			ti.size = m.size
	return ti.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")


def write_layer(root, ents, tmpdir, blobdir, tag):
	"""Write one layer: the uncompressed tar into tmpdir and its gzip blob
	into blobdir (named by digest).  Returns a build.BuiltLayer-like object
	plus the layer's counts."""
	h_tar = hashlib.sha256()
	h_gz = hashlib.sha256()
	z = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)
	tar_path = os.path.join(tmpdir, "layer-%s.tar" % tag)
	gz_tmp = os.path.join(blobdir, ".tmp-" + tag)
	n_tar = n_gz = 0
	counts = {"bytes": 0, "files": 0, "entries": 0}
	with open(tar_path, "wb") as ft, open(gz_tmp, "wb") as fg:
		def put(b):
			nonlocal n_tar, n_gz
			ft.write(b)
			h_tar.update(b)
			n_tar += len(b)
			c = z.compress(b)
			if c:
				fg.write(c)
				h_gz.update(c)
				n_gz += len(c)
		for e in ents:
			put(tar_header(e))
			if e.kind != "whiteout":
				counts["entries"] += 1
			if e.kind in ("file", "hardlink"):
				counts["files"] += 1
			if e.kind != "file":
				continue
			size = e.meta.size
			counts["bytes"] += size
			got = 0
			with open(os.path.join(root, e.name), "rb") as f:
				while got < size:
					b = f.read(min(1 << 20, size - got))
					if not b:
						break
					put(b)
					got += len(b)
			if got != size:
				raise Failed("%s changed while it was read" % e.name)
			if size % 512:
				put(bytes(512 - size % 512))
		put(bytes(1024))
		c = z.flush()
		fg.write(c)
		h_gz.update(c)
		n_gz += len(c)
	gz_hex = h_gz.hexdigest()
	gz_path = os.path.join(blobdir, gz_hex)
	os.replace(gz_tmp, gz_path)
	diff_id = "sha256:" + h_tar.hexdigest()
	blobs = {
	    "none": build.Blob(build.MT_LAYER["none"], diff_id, n_tar, path=tar_path),
	    "gzip": build.Blob(build.MT_LAYER["gzip"], "sha256:" + gz_hex, n_gz, path=gz_path),
	}
	counts["tar_bytes"] = n_tar
	return blobs, diff_id, counts


def layer_diff(lower_root, lower, upper_root, upper):
	"""(paths to write, whiteouts): upper relative to lower."""
	changed = []
	for p, m in upper.items():
		o = lower.get(p)
		if o is None or not m.same(o):
			changed.append(p)
		elif m.kind == "file" and m.size and not same_content(
		    os.path.join(lower_root, p), os.path.join(upper_root, p)):
			changed.append(p)
	deleted = []
	for p, o in lower.items():
		m = upper.get(p)
		gone = m is None or (m.kind == "dir") != (o.kind == "dir")
		if not gone:
			continue
		parent = p.rpartition("/")[0]
		# the topmost deleted path only: a whiteout covers its subtree
		pm, po = upper.get(parent), lower.get(parent)
		if parent and (pm is None or (pm.kind == "dir") != (po.kind == "dir")):
			continue
		deleted.append(p)
	return changed, deleted


# ---------------------------------------------------------------------------
# The final tree as imgaudit counts it (DESIGN.md "What is counted"), from
# the layer entries: whiteouts of a layer first, then its entries; a hard
# link shares the data of its target in the same layer.

def final_tree(layers_ents):
	tree = {}		# path -> (kind, data id, size)
	children = {}		# dir path -> set of child paths

	def add(p, v):
		parent = p.rpartition("/")[0]
		if p not in tree:
			children.setdefault(parent, set()).add(p)
		tree[p] = v

	def delete(p):
		if p not in tree:
			return
		for c in list(children.get(p, ())):
			delete(c)
		children.pop(p, None)
		del tree[p]
		children.get(p.rpartition("/")[0], set()).discard(p)

	for li, ents in enumerate(layers_ents):
		for e in ents:
			if e.kind == "whiteout":
				d, _, b = e.name.rpartition("/")
				delete((d + "/" if d else "") + b[len(".wh."):])
		for e in ents:
			if e.kind == "whiteout":
				continue
			if e.kind == "dir":
				old = tree.get(e.name)
				if old is not None and old[0] != "dir":
					delete(e.name)
				add(e.name, ("dir", None, 0))
				continue
			old = tree.get(e.name)
			if old is not None and old[0] == "dir":
				delete(e.name)
			if e.kind == "file":
				add(e.name, ("file", (li, e.name), e.meta.size))
			elif e.kind == "hardlink":
				add(e.name, ("file", (li, e.link), e.meta.size))
			else:
				add(e.name, ("symlink", None, 0))
	return tree


# ---------------------------------------------------------------------------
# The package bookkeeping: dpkg-query on the final root, the pip metadata
# Debian's python3-* packages ship, and sizes on disk.
#
# A file is named by its real path relative to the root (parents resolved
# inside the root: usr-merge's /bin -> usr/bin), and its data by the final
# tree's data id "LAYER:NAME" (a hard link shares its target's), so that
# "each file's data once" means what imgaudit's final_bytes means.

QUERY_FIELDS = ["Package", "binary:Package", "Version", "Architecture",
    "Installed-Size", "db:Status-Abbrev", "Essential", "Priority",
    "Depends", "Pre-Depends", "Recommends", "Provides"]


def dpkg_query(admindir, *args):
	r = subprocess.run(["dpkg-query", "--admindir=" + admindir] + list(args),
	    capture_output=True, text=True, errors="surrogateescape")
	if r.returncode != 0:
		raise Failed("dpkg-query %s: %s" % (" ".join(args), r.stderr.strip()))
	return r.stdout


def resolve_parent(root, path):
	"""The real path, relative to root, of the absolute image path `path`:
	its parent directories' symlinks followed as the image's kernel would
	with root as "/" (never leaving it); the last component is kept as is.
	Returns (real path or None for a loop, whether a symlink was followed)."""
	parts = [p for p in path.split("/") if p not in ("", ".")]
	last = parts.pop() if parts else ""
	cur = []
	followed = False
	hops = 0
	todo = parts[:]
	while todo:
		c = todo.pop(0)
		if c == "..":
			if cur:
				cur.pop()
			continue
		full = os.path.join(root, *cur, c)
		if os.path.islink(full):
			hops += 1
			if hops > 40:
				return None, True
			t = os.readlink(full)
			followed = True
			if t.startswith("/"):
				cur = []
			todo = [x for x in t.split("/") if x not in ("", ".")] + todo
			continue
		cur.append(c)
	return "/".join(cur + [last]), followed


def read_extended_states(root):
	auto = {}
	p = os.path.join(root, "var/lib/apt/extended_states")
	if not os.path.exists(p):
		return auto
	with open(p) as f:
		for para in f.read().split("\n\n"):
			rec = {}
			for line in para.splitlines():
				k, _, v = line.partition(":")
				rec[k.strip()] = v.strip()
			if "Package" in rec:
				key = rec["Package"] + ":" + rec.get("Architecture", "")
				auto[key] = rec.get("Auto-Installed") == "1"
	return auto


def dep_groups(field):
	"""'a (>= 1) | b:any, c' -> [['a', 'b'], ['c']]"""
	out = []
	for g in field.split(","):
		g = g.strip()
		if not g:
			continue
		alts = []
		for a in g.split("|"):
			n = a.strip().split()[0].split("(")[0]
			alts.append(n.split(":")[0])
		out.append(alts)
	return out


def data_id(tree, real):
	li, name = tree[real][1]
	return "%d:%s" % (li, name)


def file_row(tree, real):
	"""[/path, size, data id, layer] of a regular file of the final tree."""
	kind, (li, name), size = tree[real]
	return ["/" + real, size, "%d:%s" % (li, name), li]


def dpkg_facts(root, tree, listed_by):
	"""Per installed dpkg package: its fields and the regular files of the
	final tree its `dpkg-query -L` names.  listed_by collects every listed
	path, of any type, resolved -> [packages]."""
	admin = os.path.join(root, "var/lib/dpkg")
	fmt = "\t".join("${%s}" % f for f in QUERY_FIELDS) + "\n"
	recs = [dict(zip(QUERY_FIELDS, line.split("\t")))
	    for line in dpkg_query(admin, "-W", "-f=" + fmt).splitlines()]
	recs.sort(key=lambda r: r["binary:Package"])
	auto = read_extended_states(root)
	native = dpkg_arch()
	installed = {r["Package"] for r in recs if r["db:Status-Abbrev"].startswith("ii")}
	provided = {}
	for r in recs:
		for g in dep_groups(r["Provides"]):
			provided.setdefault(g[0], []).append(r["Package"])
	per = {}
	for r in recs:
		name = r["Package"]
		listed = [l for l in dpkg_query(admin, "-L", r["binary:Package"]).splitlines()
		    if l.startswith("/")]
		files = {}
		missing = []
		via_link = 0
		for l in listed:
			real, followed = resolve_parent(root, l)
			if real is None or not os.path.lexists(os.path.join(root, real)):
				missing.append(l)
				continue
			listed_by.setdefault(real, []).append("dpkg:" + name)
			if real not in tree:	# /dev, /proc, /sys: not in the image
				missing.append(l)
				continue
			if tree[real][0] != "file":
				continue
			if followed:
				via_link += 1
			files[real] = True
		requires = []
		unresolved = []
		for g in dep_groups(r["Depends"]) + dep_groups(r["Pre-Depends"]):
			hit = [a for a in g if a in installed] or \
			    [p for a in g for p in provided.get(a, []) if p in installed]
			if hit:
				requires.append(hit[0])
			else:
				unresolved.append(" | ".join(g))
		per[name] = {
		    "name": name, "arch": r["Architecture"],
		    "version": r["Version"], "status": r["db:Status-Abbrev"].strip(),
		    "essential": r["Essential"] == "yes", "priority": r["Priority"],
		    "installed_size_kib": int(r["Installed-Size"] or 0),
		    # apt records Architecture: all packages under the native one
		    "auto_installed": auto.get(name + ":" + r["Architecture"],
		        auto.get(name + ":" + native, False)),
		    "depends": r["Depends"], "pre_depends": r["Pre-Depends"],
		    "recommends": r["Recommends"], "provides": r["Provides"],
		    "requires": sorted(set(x for x in requires if x != name)),
		    "unresolved": unresolved,
		    "listed": len(listed), "listed_via_symlink_dir": via_link,
		    "missing": missing,
		    "paths": [file_row(tree, p) for p in sorted(files)],
		}
	return per


def read_fields(path):
	"""Name and Version of a METADATA / PKG-INFO file (RFC 822 header)."""
	out = {}
	try:
		with open(path, errors="replace") as f:
			for line in f:
				if not line.strip():
					break
				k, _, v = line.partition(":")
				if k in ("Name", "Version") and k not in out:
					out[k] = v.strip()
	except OSError:
		pass
	return out


def pip_facts(root, tree, listed_by):
	"""Python distributions (*.dist-info, *.egg-info directories) in
	site-packages and dist-packages directories.  Their claims: the regular
	files their RECORD (dist-info) or installed-files.txt (egg-info) names
	that exist, plus the files of the metadata directory itself."""
	out = []
	meta_dirs = sorted(p for p, v in tree.items() if v[0] == "dir" and
	    p.endswith((".dist-info", ".egg-info")) and
	    p.rpartition("/")[0].endswith(("site-packages", "dist-packages")))
	for d in meta_dirs:
		site = d.rpartition("/")[0]
		kind = d.rpartition(".")[2]
		meta = read_fields(os.path.join(root, d, "METADATA" if kind == "dist-info" else "PKG-INFO"))
		listing = os.path.join(root, d, "RECORD" if kind == "dist-info" else "installed-files.txt")
		names = []
		if os.path.isfile(listing):
			with open(listing, newline="", errors="surrogateescape") as f:
				if kind == "dist-info":
					names = [row[0] for row in csv.reader(f) if row]
					base = site
				else:
					names = [l.rstrip("\n") for l in f if l.strip()]
					base = d
		claims = {}
		missing = []
		seen = set()
		for n in names:
			rel = os.path.normpath(os.path.join(base, n)) if not n.startswith("/") \
			    else os.path.normpath(n.lstrip("/"))
			if rel in seen:
				continue
			seen.add(rel)
			if rel.startswith("../") or rel == "..":
				missing.append(n)
				continue
			real, _ = resolve_parent(root, "/" + rel)
			if real is None or real not in tree:
				missing.append(n)
				continue
			listed_by.setdefault(real, []).append("pip:" + d)
			if tree[real][0] == "file":
				claims[real] = True
		for p, v in tree.items():
			if v[0] == "file" and p.startswith(d + "/") and p not in claims:
				claims[p] = True
				listed_by.setdefault(p, []).append("pip:" + d)
		out.append({"name": meta.get("Name"), "version": meta.get("Version"),
		    "dir": "/" + d, "kind": kind, "has_file_list": os.path.isfile(listing),
		    "listed": len(names), "missing": missing,
		    "paths": [file_row(tree, p) for p in sorted(claims)]})
	return out


def pyc_source(rel):
	"""usr/lib/x/__pycache__/m.cpython-311.pyc -> usr/lib/x/m.py, else None"""
	d, _, b = rel.rpartition("/")
	if not d.endswith("__pycache__") or not b.endswith(".pyc"):
		return None
	mod = b.split(".")[0]
	return d.rpartition("/")[0] + "/" + mod + ".py"


def pyc_group(src):
	"""The directory a .py file's package lives in: .../dist-packages/X,
	or the standard library's /usr/lib/python3.N."""
	parts = src.split("/")
	for i, c in enumerate(parts[:-1]):
		if c in ("dist-packages", "site-packages"):
			return "/" + "/".join(parts[:min(i + 2, len(parts) - 1)])
	for i, c in enumerate(parts[:-1]):
		if c.startswith("python3"):
			return "/" + "/".join(parts[:i + 1])
	return "/" + "/".join(parts[:-1])


def package_facts(root, tree):
	"""The "dpkg", "pip", "owned" and "unowned" parts of expected.json."""
	listed_by = {}
	per = dpkg_facts(root, tree, listed_by)
	pips = pip_facts(root, tree, listed_by)
	# Who claims each regular file of the final tree.
	claims = {}
	for name, e in per.items():
		for row in e["paths"]:
			claims.setdefault(row[0], []).append("dpkg:" + name)
	for p in pips:
		for row in p["paths"]:
			claims.setdefault(row[0], []).append("pip:" + p["dir"])
	# pyc files nobody claims whose .py source somebody lists.
	pyc = []
	for p, v in sorted(tree.items()):
		if v[0] != "file" or "/" + p in claims:
			continue
		src = pyc_source(p)
		if src is not None and src in listed_by:
			pyc.append(file_row(tree, p) + ["/" + src, listed_by[src]])
	pyc_of = {}
	for row in pyc:
		pyc_of.setdefault(row[5][0], []).append(row)

	def summarise(e, me):
		seen = set()
		b = 0
		layers = {}
		for path, size, did, li in e["paths"]:
			if did not in seen:
				seen.add(did)
				b += size
				layers[str(li)] = layers.get(str(li), 0) + size
		e["bytes"] = b
		e["files"] = len(e["paths"])
		e["layers"] = layers
		sw = {}
		for path, size, did, li in e["paths"]:
			for c in claims[path]:
				if c != me:
					sw.setdefault(c, []).append(path)
		e["shared_with"] = sw
		rows = pyc_of.get(me, [])
		e["pyc_bytes"] = sum(r[1] for r in {r[2]: r for r in rows}.values())
		e["pyc_files"] = len(rows)

	for name, e in per.items():
		summarise(e, "dpkg:" + name)
	for p in pips:
		summarise(p, "pip:" + p["dir"])
	seen = set()
	owned_bytes = 0
	for path, cl in claims.items():
		did = data_id(tree, path[1:])
		if did not in seen:
			seen.add(did)
			owned_bytes += tree[path[1:]][2]
	# The rest: unowned, grouped.
	pyc_dirs = {}
	for row in pyc:
		g = pyc_dirs.setdefault(pyc_group(row[4][1:]), {"bytes": 0, "files": 0})
		g["bytes"] += row[1]
		g["files"] += 1
	pyc_paths = {row[0] for row in pyc}
	other = {"bytes": 0, "files": 0, "by_dir": {}}
	for p, v in sorted(tree.items()):
		if v[0] != "file" or "/" + p in claims or "/" + p in pyc_paths:
			continue
		did = data_id(tree, p)
		first = did not in seen
		seen.add(did)
		key = "/" + "/".join(p.split("/")[:3])
		g = other["by_dir"].setdefault(key, {"bytes": 0, "files": 0})
		for x in (g, other):
			x["files"] += 1
			x["bytes"] += v[2] if first else 0
	shared = sorted([path, sorted(cl)] for path, cl in claims.items() if len(cl) > 1)
	return {
	    "dpkg": [per[k] for k in sorted(per)],
	    "pip": pips,
	    "owned": {"files": len(claims), "bytes": owned_bytes,
	        "shared": [{"path": p, "claimants": c} for p, c in shared]},
	    "unowned": {
	        "pycache": {"bytes": sum(r[1] for r in pyc), "files": len(pyc),
	            "by_dir": pyc_dirs,
	            "list": [r[:5] + [r[5][0]] for r in pyc]},
	        "other": other},
	}


# ---------------------------------------------------------------------------

NOTES = (
    "dpkg[]: one per package dpkg-query -W lists; paths = the regular files "
    "of the final tree that its `dpkg-query -L` names, each listed path's "
    "parent directories resolved inside the root (usr-merge: /bin -> usr/bin, "
    "/lib -> usr/lib), as [path, size, data id, layer]; bytes = their sizes, "
    "each data id (the final tree's file data: a hard link shares its "
    "target's) once; files = number of paths; layers = bytes per layer. "
    "Directories and symlinks count nothing. missing = listed paths absent "
    "from the image (any type). pip[]: *.dist-info / *.egg-info directories "
    "in site-/dist-packages; paths = existing regular files their RECORD or "
    "installed-files.txt names plus the metadata directory's own files. "
    "shared_with: for each other claimant (dpkg:NAME or pip:DIR), the paths "
    "it claims too. owned: the union of all claims. unowned.pycache: "
    "__pycache__/*.pyc files nobody claims whose .py source somebody lists "
    "(made by py3compile in postinst), as [path, size, data id, layer, "
    "source, first claimant of the source]; pyc_bytes/pyc_files of a "
    "package count those it is the source's first claimant of. unowned.other: every other unclaimed regular file, by "
    "its first three path components.")


def largest(tree, n=10):
	"""Top files, cut before a tie at the last place or a hard-linked file
	(either would make the list ambiguous)."""
	uses = {}
	for p, (kind, did, size) in tree.items():
		if kind == "file":
			uses[did] = uses.get(did, 0) + 1
	files = sorted(((size, p, did) for p, (kind, did, size) in tree.items()
	    if kind == "file"), key=lambda x: (-x[0], x[1]))
	out = []
	for i, (size, p, did) in enumerate(files[:n]):
		if uses[did] > 1:
			break
		if i + 1 < len(files) and files[i + 1][0] == size:
			break
		out.append(["/" + p, size])
	return out


def build_image(outdir, keep_base):
	final = os.path.join(outdir, NAME)
	work = os.path.join(outdir, NAME + ".work")
	for mp in reversed(mounts_under(work)):	# a killed earlier run's /proc
		umount(mp)
	safe_rmtree(work)
	os.makedirs(work)
	base = os.path.join(work, "base")
	root = os.path.join(work, "root")
	logpath = os.path.join(work, "build.log")
	arch = dpkg_arch()
	t0 = time.monotonic()

	log("debootstrap --variant=minbase %s (%s)" % (SUITE, MIRROR))
	debootstrap(base, logpath)
	t1 = time.monotonic()
	log("layer 1 in a chroot: " + RUN)
	r = subprocess.run(["cp", "-a", base, root])
	if r.returncode != 0:
		raise Failed("cp -a %s %s failed" % (base, root))
	chroot_run(root, RUN, logpath)
	t2 = time.monotonic()

	log("writing layers")
	skipped = []
	lower = scan(base, skipped)
	upper = scan(root, skipped)
	changed, deleted = layer_diff(base, lower, root, upper)
	ents0 = entries_for(list(lower), lower)
	ents1 = entries_for(with_parents(changed, upper), upper, deleted)
	imgdir = os.path.join(work, "image")
	blobdir = os.path.join(imgdir, "oci-gzip", "blobs", "sha256")
	os.makedirs(blobdir)
	tmpdir = os.path.join(work, "tmp")
	os.makedirs(tmpdir)
	created = [
	    "/bin/sh -c #(nop) ADD file:debootstrap-minbase-%s in / " % SUITE,
	    "/bin/sh -c " + RUN,
	]
	built = []
	layer_facts = []
	for i, (r0, ents) in enumerate(((base, ents0), (root, ents1))):
		blobs, diff_id, counts = write_layer(r0, ents, tmpdir, blobdir, str(i))
		bl = build.BuiltLayer(build.Layer(created[i]), counts["tar_bytes"],
		    diff_id, blobs)
		built.append(bl)
		layer_facts.append(dict(counts, diff_id=diff_id, created_by=created[i]))
	history = [built[0].layer, '/bin/sh -c #(nop)  CMD ["bash"]', built[1].layer]
	spec = build.ImageSpec(NAME, history, None, ["bash"], arch=arch)
	spec.layers = [b.layer for b in built]
	img = build.BuiltImage(spec, built, ["none", "gzip"])
	build.write_formats(imgdir, img, FORMATS)
	shutil.rmtree(tmpdir)
	t3 = time.monotonic()

	log("bookkeeping")
	tree = final_tree([ents0, ents1])
	reach = set()
	for kind, did, size in tree.values():
		if kind == "file":
			reach.add(did)
	sizes = {}
	for li, ents in enumerate((ents0, ents1)):
		for e in ents:
			if e.kind == "file":
				sizes[(li, e.name)] = e.meta.size
	wasted = [0, 0]
	for did, size in sizes.items():
		if did not in reach:
			wasted[did[0]] += size
	for i, lf in enumerate(layer_facts):
		lf["wasted_bytes"] = wasted[i]
	final_bytes = sum(sizes[d] for d in reach)
	final_files = sum(1 for v in tree.values() if v[0] == "file")
	layer_bytes = sum(l["bytes"] for l in layer_facts)
	# The same from a plain walk of root/ (hard links once by inode): they
	# differ only if a hard link spans the two layers.
	inodes = {}
	for p, m in upper.items():
		if m.kind == "file":
			inodes[m.ino] = m.size
	walk = {"final_bytes": sum(inodes.values()),
	    "final_files": sum(1 for m in upper.values() if m.kind == "file"),
	    "final_entries": len(upper)}
	if (walk["final_files"], walk["final_entries"]) != (final_files, len(tree)):
		raise Failed("the layers do not rebuild root/: %d files, %d entries "
		    "from the layers; %d, %d on disk" % (final_files, len(tree),
		    walk["final_files"], walk["final_entries"]))

	pk = package_facts(root, tree)
	with open(os.path.join(root, "var/lib/dpkg/diversions")) as f:
		dl = f.read().splitlines()
	diversions = [{"from": dl[i], "to": dl[i + 1], "by": dl[i + 2]}
	    for i in range(0, len(dl) - 2, 3)]

	comp = {c: [{"digest": b.blobs[c].digest, "size": b.blobs[c].size}
	    for b in built] for c in ("none", "gzip")}
	exp = {
	    "image": {"ref": NAME + ":latest", "platform": spec.platform,
	        "created": build.CREATED, "entrypoint": None, "cmd": ["bash"],
	        "config_digest": img.config.digest,
	        "manifest_digest": {c: img.manifest[c].digest for c in ("none", "gzip")}},
	    "formats": [{"path": f, "transport": build.FORMATS[f][0],
	        "compression": build.FORMATS[f][1]} for f in FORMATS],
	    "layers": layer_facts,
	    "compressed": comp,
	    "totals": {"layers": 2, "layer_bytes": layer_bytes,
	        "tar_bytes": sum(l["tar_bytes"] for l in layer_facts),
	        "final_bytes": final_bytes, "final_files": final_files,
	        "final_entries": len(tree), "wasted_bytes": sum(wasted),
	        "efficiency": final_bytes / layer_bytes if layer_bytes else 1.0,
	        "compressed_bytes": {c: sum(x["size"] for x in comp[c]) for c in comp}},
	    "dive": None,
	    "largest_files": largest(tree),
	    "findings": [],
	    "walk": walk,
	    "build": {"suite": SUITE, "mirror": MIRROR, "run": RUN,
	        "packages_asked": PACKAGES, "arch": arch,
	        "seconds": {"debootstrap": round(t1 - t0, 1),
	            "apt_layer": round(t2 - t1, 1), "tars": round(t3 - t2, 1)},
	        "skipped_special_files": skipped},
	    "dpkg": pk["dpkg"],
	    "pip": pk["pip"],
	    "owned": pk["owned"],
	    "unowned": pk["unowned"],
	    "diversions": diversions,
	    "notes": NOTES,
	}
	t4 = time.monotonic()
	exp["build"]["seconds"]["bookkeeping"] = round(t4 - t3, 1)
	build.write_json(os.path.join(imgdir, "expected.json"), exp)

	if keep_base:
		os.rename(base, os.path.join(imgdir, "base"))
	else:
		shutil.rmtree(base)
	os.rename(root, os.path.join(imgdir, "root"))
	os.rename(logpath, os.path.join(imgdir, "build.log"))
	with open(os.path.join(imgdir, ".stamp"), "w") as f:
		json.dump(stamp_obj(), f, indent=1, sort_keys=True)
		f.write("\n")
	safe_rmtree(final)
	os.rename(imgdir, final)
	safe_rmtree(work)
	log("built %s in %.0f s: %d dpkg packages, %d files, %d bytes in the final tree"
	    % (final, time.monotonic() - t0, len(pk["dpkg"]), final_files, final_bytes))


def main(argv):
	args = [a for a in argv[1:] if not a.startswith("--")]
	opts = [a for a in argv[1:] if a.startswith("--")]
	bad = [o for o in opts if o not in ("--force", "--keep-base")]
	if len(args) != 1 or bad:
		print(__doc__.split("\n\n")[1], file=sys.stderr)
		return 2
	outdir = os.path.abspath(args[0])
	# SIGTERM (a test's timeout) and SIGINT unwind like an error, so that
	# /proc is unmounted from the chroot.
	for sig in (signal.SIGTERM, signal.SIGINT):
		signal.signal(sig, lambda n, f: sys.exit(128 + n))
	try:
		os.makedirs(outdir, exist_ok=True)
		with open(os.path.join(outdir, ".debian.lock"), "w") as lk:
			fcntl.flock(lk, fcntl.LOCK_EX)
			stamp = os.path.join(outdir, NAME, ".stamp")
			if "--force" not in opts and os.path.exists(stamp):
				try:
					with open(stamp) as f:
						if json.load(f) == stamp_obj():
							log("%s is up to date" % os.path.dirname(stamp))
							return 0
				except ValueError:
					pass
			check_can_build()
			build_image(outdir, "--keep-base" in opts)
	except CannotBuild as e:
		log("cannot build here: %s" % e)
		return 77
	except (Failed, build.BuildError, OSError, subprocess.CalledProcessError) as e:
		log("failed: %s" % e)
		return 1
	return 0


if __name__ == "__main__":
	sys.exit(main(sys.argv))
