#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""build.py: imgaudit's deterministic test images and the facts they hold.

    python3 test-images/build.py OUTDIR [--large] [--only NAME[,NAME...]]

Builds basic, multiarch, demo, serving and bad (and large with --large) into OUTDIR,
each image in every container format imgaudit reads, with an expected.json
beside it.  The layers are described in this file entry by entry; the tar
streams are written here, and expected.json is computed from the same
description (the builder's own bookkeeping: a small final-tree model and a
plain re-implementation of dive's efficiency walk), never by reading the tars
back and never from imgaudit's output.  README.md here describes the images
and the expected.json schema.

Everything is deterministic: mtime 0, uid/gid 0, empty owner names, entries
in the order written below, gzip with mtime 0 and no file name, zstd at a
fixed level, and every content byte from a seeded random.Random.  Two runs
give byte-identical output.

Python standard library only; zstd compression runs the zstd command.
"""

import hashlib
import base64
import fnmatch
import json
import os
import shutil
import struct
import subprocess
import sys
import tarfile
import time
import zlib
import random
from concurrent.futures import ThreadPoolExecutor

CREATED = "2024-01-01T00:00:00Z"
GZIP_LEVEL = 6			# Go's and Docker's default
ZSTD_LEVEL_SMALL = 19		# layers under 1 MiB
ZSTD_LEVEL_BIG = 9		# larger layers: -19 is too slow for a test build
PATH_MAX = 4096			# what the reader refuses to place (layer.h)
NAME_MAX = 255

MT_INDEX = "application/vnd.oci.image.index.v1+json"
MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_LAYER = {
	"none": "application/vnd.oci.image.layer.v1.tar",
	"gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
	"zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
}
REF_ANNOTATION = "org.opencontainers.image.ref.name"

# Every format the builder writes: file or directory name inside the image
# directory -> (transport imgaudit and skopeo use, layer compression).
FORMATS = {
	"oci-none": ("oci", "none"),
	"oci-gzip": ("oci", "gzip"),
	"oci-zstd": ("oci", "zstd"),
	"oci-archive-none.tar": ("oci-archive", "none"),
	"oci-archive-gzip.tar": ("oci-archive", "gzip"),
	"oci-archive-zstd.tar": ("oci-archive", "zstd"),
	"docker-archive.tar": ("docker-archive", "none"),
	"docker-archive-gzip.tar": ("docker-archive", "gzip"),
	"docker-oci-archive.tar": ("docker-archive", "none"),
}
ALL_FORMATS = list(FORMATS)
OCI_FORMATS = [f for f in FORMATS if FORMATS[f][0].startswith("oci")]


class BuildError(Exception):
	"""The description breaks an assumption the expected facts rely on."""


def jbytes(obj):
	"""Compact JSON, keys in insertion order: what Docker and skopeo write."""
	return json.dumps(obj, separators=(",", ":")).encode()


def sha256hex(data):
	return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------------------
# Content: seeded text and binary data.

_LETTERS = "etaoinshrdlucmfwypvbgkjqxz"
_WEIGHTS = [12.7, 9.1, 8.2, 7.5, 7.0, 6.7, 6.3, 6.1, 6.0, 4.3, 4.0, 2.8, 2.8,
    2.4, 2.4, 2.2, 2.0, 2.0, 1.9, 1.5, 1.0, 0.8, 0.15, 0.15, 0.1, 0.07]
_COMMON = ("the of and to in is for return self import def if else None True "
    "False class from with as not or value data name path file size layer "
    "image model tensor config int str list dict error result").split()


def _make_vocab():
	rng = random.Random(20240101)
	words = set(_COMMON)
	while len(words) < 3000:
		n = rng.choice((2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 9, 10, 12))
		words.add("".join(rng.choices(_LETTERS, weights=_WEIGHTS, k=n)))
	return sorted(words)


VOCAB = _make_vocab()
_SEPS = [" "] * 9 + ["\n", "\n    ", ". ", ", ", "(", ") "]


def text(rng, n):
	"""n bytes of text-like data (compresses about 2.5:1 with gzip)."""
	if n <= 0:
		return b""
	k = n // 5 + 8
	words = rng.choices(VOCAB, k=k)
	seps = rng.choices(_SEPS, k=k)
	s = "".join(w + s for w, s in zip(words, seps)).encode()
	while len(s) < n:
		s += s
	return s[:n - 1] + b"\n"


def gzip_bytes(data, level=GZIP_LEVEL):
	"""gzip with a fixed header (mtime 0, no name)."""
	c = zlib.compressobj(level, zlib.DEFLATED, 31)
	return c.compress(data) + c.flush()


def zstd_bytes(data):
	level = ZSTD_LEVEL_SMALL if len(data) < (1 << 20) else ZSTD_LEVEL_BIG
	return subprocess.run(["zstd", "-q", "-%d" % level, "--no-progress", "-c"],
	    input=data, stdout=subprocess.PIPE, check=True).stdout


ELF_MACHINE = {"x86_64": 62, "aarch64": 183}


def elf(rng, size, machine="x86_64", debug=0, symtab=False, etype=3,
    needed=(), soname=None, interp=None, runpath=None):
	"""
	A small but well-formed ELF64 file: header, a random .text, optional
	.debug_info/.debug_line and .symtab/.strtab (an unstripped object), and a
	section header table.  With needed/soname/interp it is dynamic, as a
	linker writes one: program headers (PT_LOAD of the whole file at
	address 0, PT_INTERP, PT_DYNAMIC) and .interp, .dynstr, .dynamic with
	DT_NEEDED, DT_SONAME, DT_STRTAB, DT_STRSZ.  About size + debug bytes.
	"""
	dynamic = bool(needed or soname or interp or runpath)
	secs = []
	if dynamic:
		dynstr = b"\0"
		stroff = {}
		for nm in list(needed) + [x for x in (soname, runpath) if x]:
			stroff[nm] = len(dynstr)
			dynstr += nm.encode() + b"\0"
		n_dyn = len(needed) + (1 if soname else 0) + (1 if runpath else 0) + 3
		if interp:
			secs.append([".interp", 1, 2, interp.encode() + b"\0", 0, 0])
		secs.append([".dynstr", 3, 2, dynstr, 0, 0])
		secs.append([".dynamic", 6, 3, bytes(16 * n_dyn), len(secs) + 1, 16])
	secs.append([".text", 1, 6, rng.randbytes(max(size - 512, 64)), 0, 0])
	if debug:
		secs.append([".debug_info", 1, 0, rng.randbytes(debug * 2 // 3), 0, 0])
		secs.append([".debug_line", 1, 0, text(rng, debug - debug * 2 // 3), 0, 0])
	if symtab:
		strtab = b"\0" + b"\0".join(w.encode() for w in rng.choices(VOCAB, k=40)) + b"\0"
		secs.append([".symtab", 2, 0, bytes(24 * 41), len(secs) + 2, 24])
		secs.append([".strtab", 3, 0, strtab, 0, 0])
	names = b"\0"
	name_off = []
	for sec in secs + [(".shstrtab",)]:
		name_off.append(len(names))
		names += sec[0].encode() + b"\0"
	secs.append([".shstrtab", 3, 0, names, 0, 0])
	n_ph = (2 + (1 if interp else 0)) if dynamic else 0
	start = 64 + 56 * n_ph
	offsets = []
	at = start
	for sec in secs:
		offsets.append(at)
		at += len(sec[3])
		at += (-at) % 8
	byname = {sec[0]: i for i, sec in enumerate(secs)}
	phdrs = b""
	if dynamic:
		dyn = b"".join(struct.pack("<qQ", 1, stroff[nm]) for nm in needed)
		if soname:
			dyn += struct.pack("<qQ", 14, stroff[soname])
		if runpath:
			dyn += struct.pack("<qQ", 29, stroff[runpath])
		i = byname[".dynstr"]
		dyn += struct.pack("<qQ", 5, offsets[i]) + struct.pack("<qQ", 10, len(secs[i][3]))
		dyn += struct.pack("<qQ", 0, 0)
		secs[byname[".dynamic"]][3] = dyn
		phdrs += struct.pack("<IIQQQQQQ", 1, 5, 0, 0, 0, at, at, 0x1000)
		if interp:
			i = byname[".interp"]
			phdrs += struct.pack("<IIQQQQQQ", 3, 4, offsets[i], offsets[i], offsets[i],
			    len(secs[i][3]), len(secs[i][3]), 1)
		i = byname[".dynamic"]
		phdrs += struct.pack("<IIQQQQQQ", 2, 6, offsets[i], offsets[i], offsets[i],
		    len(dyn), len(dyn), 8)
	body = bytearray(phdrs)
	for i, sec in enumerate(secs):
		body += bytes(offsets[i] - 64 - len(body))
		body += sec[3]
	body += bytes((-len(body)) % 8)
	shoff = 64 + len(body)
	shdrs = bytearray(64)			# section 0: SHT_NULL
	for i, sec in enumerate(secs):
		addr = offsets[i] if dynamic and sec[2] & 2 else 0
		shdrs += struct.pack("<IIQQQQIIQQ", name_off[i], sec[1], sec[2], addr,
		    offsets[i], len(sec[3]), sec[4], 0, 8 if sec[1] != 3 else 1, sec[5])
	ident = b"\x7fELF\x02\x01\x01" + bytes(9)
	ehdr = struct.pack("<16sHHIQQQIHHHHHH", ident, etype, ELF_MACHINE[machine],
	    1, 0, 64 if n_ph else 0, shoff, 0, 64, 56, n_ph, 64, len(secs) + 1, len(secs))
	return bytes(ehdr + body + shdrs)


# ---------------------------------------------------------------------------
# The layer model.  An Entry is one tar entry exactly as written; the
# expected facts are computed from these lists.

class Entry:
	__slots__ = ("name", "kind", "data", "link", "mode")

	# kind: file, dir, symlink, hardlink, whiteout (.wh.NAME), opaque (.wh..wh..opq)
	def __init__(self, name, kind, data=None, link="", mode=0o644):
		self.name = name
		self.kind = kind
		self.data = data
		self.link = link
		self.mode = mode

	@property
	def size(self):
		"""The tar header size: data length for regular files, else 0."""
		if self.kind in ("file", "whiteout", "opaque") and self.data is not None:
			return len(self.data)
		return 0


class Layer:
	"""
	One layer, entries in tar order.  file()/symlink()/... first emit an
	explicit directory entry for every parent not yet in this layer, as
	Docker's layer tars do.  raw() writes a name verbatim (hostile names).
	"""

	def __init__(self, created_by):
		self.created_by = created_by
		self.entries = []
		self._dirs = set()

	def _parents(self, path):
		parts = path.split("/")[:-1]
		for i in range(1, len(parts) + 1):
			self.dir("/".join(parts[:i]))

	def dir(self, path, mode=0o755):
		if path in self._dirs:
			return
		self._parents(path)
		self._dirs.add(path)
		self.entries.append(Entry(path + "/", "dir", mode=mode))

	def file(self, path, data, mode=0o644):
		self._parents(path)
		self.entries.append(Entry(path, "file", data, mode=mode))
		return data

	def symlink(self, path, target):
		self._parents(path)
		self.entries.append(Entry(path, "symlink", link=target, mode=0o777))

	def hardlink(self, path, target):
		self._parents(path)
		self.entries.append(Entry(path, "hardlink", link=target))

	def whiteout(self, path):
		"""Delete path (and its subtree) from the layers below."""
		self._parents(path)
		parent, _, base = path.rpartition("/")
		name = (parent + "/" if parent else "") + ".wh." + base
		self.entries.append(Entry(name, "whiteout", b"", mode=0o600))

	def opaque(self, path):
		"""Hide every lower entry of directory path."""
		self.dir(path)
		self.entries.append(Entry(path + "/.wh..wh..opq", "opaque", b"", mode=0o600))

	def raw(self, name, kind, data=None, link="", mode=0o644):
		self.entries.append(Entry(name, kind, data, link, mode))


class ImageSpec:
	"""
	An image: history is a list in build order whose items are either a
	Layer or a string (a history entry with "empty_layer": true, e.g. ENV).
	"""

	def __init__(self, name, history, entrypoint, cmd, arch="amd64",
	    variant=None, env=None, workdir=""):
		self.name = name
		self.history = history
		self.layers = [h for h in history if isinstance(h, Layer)]
		self.entrypoint = entrypoint
		self.cmd = cmd
		self.arch = arch
		self.variant = variant
		self.env = env or ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
		self.workdir = workdir

	@property
	def platform(self):
		p = "linux/" + self.arch
		return p + "/" + self.variant if self.variant else p


# ---------------------------------------------------------------------------
# Tar writing.  Headers come from tarfile.TarInfo.tobuf (ustar, with a pax
# extended header only when a name does not fit); data is padded to 512
# bytes and the archive ends with two zero blocks and no record padding, as
# Go's archive/tar (and so Docker) writes it.

END_OF_TAR = bytes(1024)
_ZEROS = bytes(512)


def tar_header(name, kind, size=0, link="", mode=0o644):
	ti = tarfile.TarInfo(name)
	ti.mtime = 0
	ti.uid = ti.gid = 0
	ti.uname = ti.gname = ""
	ti.mode = mode
	if kind == "dir":
		ti.type = tarfile.DIRTYPE
	elif kind == "symlink":
		ti.type = tarfile.SYMTYPE
		ti.linkname = link
	elif kind == "hardlink":
		ti.type = tarfile.LNKTYPE
		ti.linkname = link
	else:
		ti.type = tarfile.REGTYPE
		ti.size = size
	return ti.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")


def tar_chunks(entries):
	"""Yield the bytes of a layer tar, entry by entry."""
	for e in entries:
		yield tar_header(e.name, e.kind, e.size, e.link, e.mode)
		n = e.size
		if n:
			yield e.data
			if n % 512:
				yield _ZEROS[:512 - n % 512]
	yield END_OF_TAR


class Blob:
	"""A content-addressed blob, held in memory or in a file."""

	def __init__(self, media_type, digest, size, data=None, path=None):
		self.media_type = media_type
		self.digest = digest
		self.size = size
		self.data = data
		self.path = path

	@classmethod
	def of(cls, media_type, data):
		return cls(media_type, "sha256:" + sha256hex(data), len(data), data=data)

	@property
	def hex(self):
		return self.digest.split(":", 1)[1]

	def descriptor(self, **extra):
		d = {"mediaType": self.media_type, "digest": self.digest, "size": self.size}
		d.update(extra)
		return d

	def chunks(self):
		if self.data is not None:
			yield self.data
			return
		with open(self.path, "rb") as f:
			while True:
				b = f.read(1 << 20)
				if not b:
					return
				yield b


def write_tar(path, members):
	"""
	Write an outer tar.  members: (name, content) with content None for a
	directory, bytes or a Blob.  Returns {name: offset of its data}.
	"""
	offsets = {}
	pos = 0
	with open(path, "wb") as f:
		for name, content in members:
			if content is None:
				h = tar_header(name, "dir", mode=0o755)
				f.write(h)
				pos += len(h)
				continue
			if isinstance(content, (bytes, bytearray)):
				content = Blob("", "", len(content), data=bytes(content))
			h = tar_header(name, "file", content.size)
			f.write(h)
			pos += len(h)
			offsets[name] = pos
			n = 0
			for c in content.chunks():
				f.write(c)
				n += len(c)
			if n != content.size:
				raise BuildError("%s: blob is %d bytes, not %d" % (name, n, content.size))
			pos += n
			if n % 512:
				f.write(_ZEROS[:512 - n % 512])
				pos += 512 - n % 512
		f.write(END_OF_TAR)
	return offsets


def write_file(path, data):
	with open(path, "wb") as f:
		f.write(data)


# ---------------------------------------------------------------------------
# Building layers, configs, manifests.

class BuiltLayer:
	def __init__(self, layer, tar_bytes, diff_id, blobs):
		self.layer = layer
		self.tar_bytes = tar_bytes
		self.diff_id = diff_id
		self.blobs = blobs	# compression -> Blob


def build_layer(layer, comps):
	tar = b"".join(tar_chunks(layer.entries))
	blobs = {}
	for c in comps:
		if c == "none":
			data = tar
		elif c == "gzip":
			data = gzip_bytes(tar)
		else:
			data = zstd_bytes(tar)
		blobs[c] = Blob.of(MT_LAYER[c], data)
	return BuiltLayer(layer, len(tar), "sha256:" + sha256hex(tar), blobs)


def stream_layer(chunks, dest_dir, tag, level=GZIP_LEVEL):
	"""
	Compress a tar stream with gzip straight into dest_dir (for layers too
	big to hold in memory).  Returns (tar length, diff_id, gzip Blob).
	"""
	h_tar = hashlib.sha256()
	h_blob = hashlib.sha256()
	c = zlib.compressobj(level, zlib.DEFLATED, 31)
	tmp = os.path.join(dest_dir, ".tmp-" + tag)
	tar_len = 0
	blob_len = 0
	buf = bytearray()
	with open(tmp, "wb") as f:
		def feed(b):
			nonlocal blob_len
			h_tar.update(b)
			z = c.compress(b)
			if z:
				h_blob.update(z)
				f.write(z)
				blob_len += len(z)
		for ch in chunks:
			tar_len += len(ch)
			if len(ch) >= (1 << 20):
				if buf:
					feed(buf)
					buf = bytearray()
				feed(ch)
				continue
			buf += ch
			if len(buf) >= (1 << 20):
				feed(buf)
				buf = bytearray()
		if buf:
			feed(buf)
		z = c.flush()
		h_blob.update(z)
		f.write(z)
		blob_len += len(z)
	digest = "sha256:" + h_blob.hexdigest()
	path = os.path.join(dest_dir, h_blob.hexdigest())
	os.replace(tmp, path)
	return tar_len, "sha256:" + h_tar.hexdigest(), Blob(MT_LAYER["gzip"], digest, blob_len, path=path)


def config_bytes(spec, diff_ids):
	history = []
	for h in spec.history:
		if isinstance(h, Layer):
			history.append({"created": CREATED, "created_by": h.created_by})
		else:
			history.append({"created": CREATED, "created_by": h, "empty_layer": True})
	cfg = {"architecture": spec.arch, "os": "linux"}
	if spec.variant:
		cfg["variant"] = spec.variant
	cfg["created"] = CREATED
	inner = {"Env": spec.env}
	if spec.entrypoint is not None:
		inner["Entrypoint"] = spec.entrypoint
	if spec.cmd is not None:
		inner["Cmd"] = spec.cmd
	if spec.workdir:
		inner["WorkingDir"] = spec.workdir
	cfg["config"] = inner
	cfg["rootfs"] = {"type": "layers", "diff_ids": diff_ids}
	cfg["history"] = history
	return jbytes(cfg)


def manifest_bytes(cfg, layer_descs):
	return jbytes({"schemaVersion": 2, "mediaType": MT_MANIFEST,
	    "config": cfg.descriptor(), "layers": layer_descs})


class BuiltImage:
	"""An image with its layers built: blobs per compression."""

	def __init__(self, spec, built_layers, comps):
		self.spec = spec
		self.layers = built_layers
		self.comps = comps
		self.config = Blob.of(MT_CONFIG, config_bytes(spec, [b.diff_id for b in built_layers]))
		self.manifest = {}
		for c in comps:
			descs = [b.blobs[c].descriptor() for b in built_layers]
			self.manifest[c] = Blob.of(MT_MANIFEST, manifest_bytes(self.config, descs))

	def layer_blobs(self, comp):
		return [b.blobs[comp] for b in self.layers]

	def platform_obj(self):
		p = {"architecture": self.spec.arch, "os": "linux"}
		if self.spec.variant:
			p["variant"] = self.spec.variant
		return p


def build_image(spec, comps, cache):
	"""cache: id(Layer) -> BuiltLayer, so a layer shared by two images is built once."""
	built = []
	for layer in spec.layers:
		b = cache.get(id(layer))
		if b is None or any(c not in b.blobs for c in comps):
			b = build_layer(layer, comps)
			cache[id(layer)] = b
		built.append(b)
	return BuiltImage(spec, built, comps)


# ---------------------------------------------------------------------------
# Formats.

def unique_blobs(blobs):
	seen = set()
	out = []
	for b in blobs:
		if b.digest not in seen:
			seen.add(b.digest)
			out.append(b)
	return out


OCI_LAYOUT = jbytes({"imageLayoutVersion": "1.0.0"})


def index_bytes(descs):
	return jbytes({"schemaVersion": 2, "mediaType": MT_INDEX, "manifests": descs})


def write_oci_dir(d, blobs, index):
	"""An OCI image layout directory holding blobs and index.json."""
	bdir = os.path.join(d, "blobs", "sha256")
	os.makedirs(bdir, exist_ok=True)
	write_file(os.path.join(d, "oci-layout"), OCI_LAYOUT)
	write_file(os.path.join(d, "index.json"), index)
	for b in unique_blobs(blobs):
		dest = os.path.join(bdir, b.hex)
		if b.path is not None and os.path.abspath(b.path) == os.path.abspath(dest):
			continue
		with open(dest, "wb") as f:
			for c in b.chunks():
				f.write(c)


def write_oci_archive(path, blobs, index):
	"""The same layout as one tar, names sorted."""
	members = [("blobs/", None), ("blobs/sha256/", None)]
	for b in sorted(unique_blobs(blobs), key=lambda b: b.hex):
		members.append(("blobs/sha256/" + b.hex, b))
	members += [("index.json", index), ("oci-layout", OCI_LAYOUT)]
	return write_tar(path, members)


def oci_single_index(img, comp, annotations=None):
	ann = {REF_ANNOTATION: "latest"}
	if annotations:
		ann = dict(annotations)
	return index_bytes([img.manifest[comp].descriptor(annotations=ann)])


def oci_blobs(img, comp):
	return img.layer_blobs(comp) + [img.config, img.manifest[comp]]


def write_docker_archive(path, img):
	"""
	Legacy `docker save`: <id>/{VERSION,json,layer.tar}, <config hex>.json,
	manifest.json, repositories, in name order (Docker tars its temporary
	directory, so manifest.json comes after the layers).
	"""
	name = img.spec.name
	ids = []
	parent = ""
	for b in img.layers:
		lid = sha256hex((parent + "\n" + b.diff_id).encode())
		ids.append(lid)
		parent = lid
	members = []
	parent = ""
	for i, b in enumerate(img.layers):
		lid = ids[i]
		j = {"id": lid}
		if parent:
			j["parent"] = parent
		j["created"] = CREATED
		j["container_config"] = {"Cmd": [b.layer.created_by]}
		j["os"] = "linux"
		members += [(lid + "/", None), (lid + "/VERSION", b"1.0"),
		    (lid + "/json", jbytes(j)), (lid + "/layer.tar", b.blobs["none"])]
		parent = lid
	members.append((img.config.hex + ".json", img.config.data))
	members.append(("manifest.json", jbytes([{"Config": img.config.hex + ".json",
	    "RepoTags": [name + ":latest"],
	    "Layers": [lid + "/layer.tar" for lid in ids]}])))
	members.append(("repositories", jbytes({name: {"latest": ids[-1]}})))
	members.sort(key=lambda m: m[0])
	return write_tar(path, members), ids


def write_docker_archive_gzip(path, img):
	"""
	go-containerregistry's tarball.Write (kaniko, crane): the config named
	"sha256:<hex>", gzip layers named "<blob hex>.tar.gz", manifest.json last.
	"""
	blobs = unique_blobs(img.layer_blobs("gzip"))
	members = [("sha256:" + img.config.hex, img.config.data)]
	members += [(b.hex + ".tar.gz", b) for b in blobs]
	members.append(("manifest.json", jbytes([{"Config": "sha256:" + img.config.hex,
	    "RepoTags": [img.spec.name + ":latest"],
	    "Layers": [b.hex + ".tar.gz" for b in img.layer_blobs("gzip")]}])))
	return write_tar(path, members)


def write_docker_oci_archive(path, img):
	"""Docker 25+ `docker save`: an OCI layout plus manifest.json, uncompressed layers."""
	name = img.spec.name
	blobs = oci_blobs(img, "none")
	members = [("blobs/", None), ("blobs/sha256/", None)]
	for b in sorted(unique_blobs(blobs), key=lambda b: b.hex):
		members.append(("blobs/sha256/" + b.hex, b))
	index = oci_single_index(img, "none", {
	    "io.containerd.image.name": "docker.io/library/%s:latest" % name,
	    REF_ANNOTATION: "latest"})
	members.append(("index.json", index))
	members.append(("manifest.json", jbytes([{"Config": "blobs/sha256/" + img.config.hex,
	    "RepoTags": [name + ":latest"],
	    "Layers": ["blobs/sha256/" + b.hex for b in img.layer_blobs("none")]}])))
	members.append(("oci-layout", OCI_LAYOUT))
	members.append(("repositories", jbytes({name: {"latest": img.config.hex}})))
	return write_tar(path, members)


def write_formats(imgdir, img, formats):
	for f in formats:
		transport, comp = FORMATS[f]
		path = os.path.join(imgdir, f)
		if f.startswith("oci-archive-"):
			write_oci_archive(path, oci_blobs(img, comp), oci_single_index(img, comp))
		elif f.startswith("oci-"):
			write_oci_dir(path, oci_blobs(img, comp), oci_single_index(img, comp))
		elif f == "docker-archive.tar":
			write_docker_archive(path, img)
		elif f == "docker-archive-gzip.tar":
			write_docker_archive_gzip(path, img)
		elif f == "docker-oci-archive.tar":
			write_docker_oci_archive(path, img)
		else:
			raise BuildError("unknown format " + f)


def comps_for(formats):
	out = []
	for c in ("none", "gzip", "zstd"):
		if any(FORMATS[f][1] == c for f in formats):
			out.append(c)
	return out


# ---------------------------------------------------------------------------
# The oracle, part 1: the final tree, as DESIGN.md "What is counted" defines
# it.  Kept deliberately plain: a dict-of-dicts tree, whiteouts of a layer
# applied before its entries, a hard link shares its target's Data object.

def normalise(name):
	"""containerd's rule: leading '/' dropped, '.' and '' vanish, '..' pops
	and is clamped at the root.  Returns parts, absolute, escapes, toolong."""
	absolute = name.startswith("/")
	raw = name.split("/")
	parts = []
	escapes = False
	for c in raw:
		if c in ("", "."):
			continue
		if c == "..":
			if parts:
				parts.pop()
			else:
				escapes = True
			continue
		parts.append(c)
	toolong = len(name) >= PATH_MAX or any(len(c) > NAME_MAX for c in raw)
	return parts, absolute, escapes, toolong


class Data:
	"""One copy of file data, as a layer stores it."""
	__slots__ = ("size", "layer")

	def __init__(self, size, layer):
		self.size = size
		self.layer = layer


class TNode:
	__slots__ = ("kind", "data", "link", "children")

	def __init__(self, kind, data=None, link=""):
		self.kind = kind
		self.data = data
		self.link = link
		self.children = {} if kind == "dir" else None


def _lookup(root, parts):
	n = root
	for p in parts:
		if n.kind != "dir":
			return None
		n = n.children.get(p)
		if n is None:
			return None
	return n


def _resolve_symlink(root, parts):
	"""Follow the symlink at parts: 'ok', 'loop' (over 40 hops) or 'dangling'."""
	todo = list(parts)
	cur = []
	hops = 0
	while todo:
		c = todo.pop(0)
		if c in ("", "."):
			continue
		if c == "..":
			if cur:
				cur.pop()
			continue
		node = _lookup(root, cur + [c])
		if node is None:
			return "dangling"
		if node.kind == "symlink":
			hops += 1
			if hops > 40:
				return "loop"
			if node.link.startswith("/"):
				cur = []
			todo = node.link.split("/") + todo
			continue
		cur.append(c)
		if todo and node.kind != "dir":
			return "dangling"
	return "ok"


def analyse(layers):
	"""
	Apply the layers; return per-layer facts, totals, the largest files and
	the findings.  Raises BuildError where an image would leave the expected
	numbers open to interpretation (see the checks at the end).
	"""
	root = TNode("dir")
	findings = []
	layer_data = []
	for li, layer in enumerate(layers):
		mine = []
		layer_data.append(mine)
		# A layer's whiteouts apply to the layers below only: first them...
		for e in layer.entries:
			if e.kind not in ("whiteout", "opaque"):
				continue
			parts = normalise(e.name)[0]
			parent = _lookup(root, parts[:-1])
			if parent is None or parent.kind != "dir":
				continue
			if e.kind == "opaque":
				parent.children.clear()
			else:
				parent.children.pop(parts[-1][len(".wh."):], None)
		# ...then its entries.
		for e in layer.entries:
			if e.kind in ("whiteout", "opaque"):
				continue
			parts, absolute, escapes, toolong = normalise(e.name)
			data = None
			if e.kind == "file":
				data = Data(e.size, li)
				mine.append(data)
			if escapes:
				findings.append(("path-traversal", e.name))
				continue
			if toolong:
				findings.append(("name-too-long", e.name))
				continue
			if absolute:
				findings.append(("absolute-path", e.name))
			if not parts:
				continue
			if e.kind == "hardlink":
				t = _lookup(root, normalise(e.link)[0])
				if t is None or t.kind not in ("file", "hardlink"):
					# tree.h: it becomes an empty file.
					findings.append(("hardlink-missing", e.name))
					empty = Data(0, li)
					mine.append(empty)
					node = TNode("file", empty)
				else:
					node = TNode("hardlink", t.data, e.link)
			elif e.kind == "file":
				node = TNode("file", data)
			elif e.kind == "symlink":
				node = TNode("symlink", None, e.link)
			else:
				node = TNode("dir")
			parent = root
			for p in parts[:-1]:
				ch = parent.children.get(p)
				if ch is None:
					ch = TNode("dir")
					parent.children[p] = ch
				elif ch.kind != "dir":
					raise BuildError("%s: entry under a non-directory" % e.name)
				parent = ch
			old = parent.children.get(parts[-1])
			if node.kind == "dir" and old is not None and old.kind == "dir":
				continue	# same directory again: its children stay
			parent.children[parts[-1]] = node

	# Walk the final tree.
	entries = files = 0
	final_index = {}	# "/path" -> (data id, size), regular files
	reachable = {}
	names = {}		# id(data) -> (first path in byte order, size)
	links = []
	stack = [((), root)]
	while stack:
		parts, n = stack.pop()
		for name in sorted(n.children):
			ch = n.children[name]
			p = parts + (name,)
			entries += 1
			if ch.kind in ("file", "hardlink"):
				files += 1
				reachable[id(ch.data)] = ch.data
				path = "/" + "/".join(p)
				final_index[path] = (id(ch.data), ch.data.size)
				old = names.get(id(ch.data))
				if old is None or path.encode() < old[0].encode():
					names[id(ch.data)] = (path, ch.data.size)
			elif ch.kind == "symlink":
				links.append(p)
			elif ch.kind == "dir":
				stack.append((p, ch))
	for p in links:
		r = _resolve_symlink(root, list(p))
		if r == "loop":
			findings.append(("symlink-loop", "/" + "/".join(p)))
		elif r == "dangling":
			findings.append(("symlink-dangling", "/" + "/".join(p)))

	final_bytes = sum(d.size for d in reachable.values())
	wasted = [sum(d.size for d in mine if id(d) not in reachable) for mine in layer_data]
	layer_bytes = sum(d.size for mine in layer_data for d in mine)
	if layer_bytes != final_bytes + sum(wasted):
		raise BuildError("bookkeeping: layer bytes != final + wasted")

	# Largest files: each piece of file data once, under its first path in
	# byte order (hard links share data), empty files left out; largest
	# first, ties by path.  No tie may straddle the 10th place.
	ranked = sorted((v for v in names.values() if v[1] > 0),
	    key=lambda x: (-x[1], x[0].encode()))
	largest = ranked[:10]
	if len(ranked) > 10 and ranked[9][1] == ranked[10][1]:
		raise BuildError("largest_files: tie at the 10th place")

	per_layer = []
	for li, layer in enumerate(layers):
		ents = [e for e in layer.entries if e.kind not in ("whiteout", "opaque")]
		per_layer.append({
		    "bytes": sum(e.size for e in ents if e.kind == "file"),
		    "files": sum(1 for e in ents if e.kind in ("file", "hardlink")),
		    "entries": len(ents),
		    "wasted_bytes": wasted[li],
		})
	return {
	    "layers": per_layer,
	    "final_bytes": final_bytes,
	    "final_files": files,
	    "final_entries": entries,
	    "layer_bytes": layer_bytes,
	    "largest_files": [[p, s] for p, s in largest],
	    "findings": findings,
	    "final_index": final_index,
	}


# ---------------------------------------------------------------------------
# The oracle, part 2: dive's figures, re-implemented from dive's own source
# (filetree/efficiency.go, file_tree.go, file_node.go): one tree per layer,
# leaf nodes only, a whiteout of a directory sized by its subtree in the
# stack of the layers below, opaque markers never added.

class DNode:
	__slots__ = ("size", "isdir", "children")

	def __init__(self, size=0, isdir=False):
		self.size = size
		self.isdir = isdir
		self.children = {}


def go_clean(p):
	"""Go's path.Clean."""
	if p == "":
		return "."
	rooted = p.startswith("/")
	out = []
	for c in p.split("/"):
		if c in ("", "."):
			continue
		if c == "..":
			if out and out[-1] != "..":
				out.pop()
			elif not rooted:
				out.append("..")
			continue
		out.append(c)
	s = "/".join(out)
	if rooted:
		return "/" + s
	return s or "."


def _d_add(root, path, size, isdir):
	"""dive's FileTree.AddPath: intermediate nodes get an empty FileInfo."""
	names = [n for n in go_clean(path).strip("/").split("/") if n]
	node = root
	for i, name in enumerate(names):
		ch = node.children.get(name)
		if ch is None:
			if name.startswith(".wh..wh.."):
				return
			ch = DNode()
			node.children[name] = ch
		node = ch
		if i == len(names) - 1:
			node.size = size
			node.isdir = isdir


def _d_get(root, path):
	node = root
	for name in path.strip("/").split("/"):
		if name == "":
			continue
		node = node.children.get(name)
		if node is None:
			return None
	return node


def _d_copy(n):
	c = DNode(n.size, n.isdir)
	for k, v in n.children.items():
		c.children[k] = _d_copy(v)
	return c


def _d_walk(node, path, leaves_only):
	"""Depth first, children (sorted) before their parent, root never."""
	for name in sorted(node.children):
		ch = node.children[name]
		p = path + "/" + name
		yield from _d_walk(ch, p, leaves_only)
		if not leaves_only or not ch.children:
			yield p, name, ch


def _d_sum(node):
	return node.size + sum(_d_sum(c) for c in node.children.values())


def _whiteout_target(path, name):
	return path[:len(path) - len(name)] + name[len(".wh."):]


def dive_figures(layers):
	trees = []
	sizes = []
	for layer in layers:
		t = DNode(0, True)
		total = 0
		for e in layer.entries:
			if go_clean(e.name) == ".":
				continue
			total += e.size
			_d_add(t, e.name, e.size, e.kind == "dir")
		trees.append(t)
		sizes.append(total)
	# stacked = StackTreeRange(trees, 0, k-1): a copy of tree 0, then trees
	# 0..k-1 stacked on it in turn.
	stacked = _d_copy(trees[0]) if trees else DNode()
	eff = {}
	for k, t in enumerate(trees):
		for path, name, node in list(_d_walk(t, "", True)):
			if name.startswith(".wh."):
				path = _whiteout_target(path, name)
				prev = _d_get(stacked, path)
				if prev is None:
					# dive would abort this layer's walk; do not build that.
					raise BuildError("dive: whiteout of %s, absent below" % path)
				size = _d_sum(prev) if prev.isdir else 0
			else:
				size = node.size
			rec = eff.get(path)
			if rec is None:
				eff[path] = [size, size, 1]
			else:
				rec[0] += size
				rec[1] = min(rec[1], size)
				rec[2] += 1
		for path, name, node in list(_d_walk(t, "", False)):
			if name.startswith(".wh."):
				target = _whiteout_target(path, name)
				parent = _d_get(stacked, target.rsplit("/", 1)[0])
				if parent is not None:
					parent.children.pop(target.rsplit("/", 1)[1], None)
			else:
				_d_add(stacked, path, node.size, node.isdir)
	cum = sum(r[0] for r in eff.values())
	mins = sum(r[1] for r in eff.values())
	wasted = sum(r[0] for r in eff.values() if r[2] >= 2)
	size = sum(sizes)
	user = size - (sizes[0] if sizes else 0)
	return {
	    "efficiency": mins / cum if cum else 1.0,
	    "wasted_bytes": wasted,
	    "size_bytes": size,
	    "user_size_bytes": user,
	    "user_wasted_percent": wasted / user if user else 0.0,
	}


# ---------------------------------------------------------------------------
# expected.json

def expected(img, formats, with_dive=True, notes=None, allow=()):
	"""
	The facts of one image (one platform).  allow: finding kinds this image
	is built to produce; any other finding means the description is wrong.
	"""
	spec = img.spec
	a = analyse(spec.layers)
	kinds = sorted(set(k for k, _ in a["findings"]))
	stray = [f for f in a["findings"] if f[0] not in allow]
	if stray:
		raise BuildError("%s: unexpected findings %r" % (spec.name, stray[:3]))
	layers = []
	for i, b in enumerate(img.layers):
		f = a["layers"][i]
		layers.append({"bytes": f["bytes"], "files": f["files"],
		    "entries": f["entries"], "tar_bytes": b.tar_bytes,
		    "wasted_bytes": f["wasted_bytes"], "diff_id": b.diff_id,
		    "created_by": b.layer.created_by})
	comps = comps_for(formats)
	lb = a["layer_bytes"]
	out = {
	    "image": {
		"ref": spec.name + ":latest",
		"platform": spec.platform,
		"created": CREATED,
		"entrypoint": spec.entrypoint,
		"cmd": spec.cmd,
		"config_digest": img.config.digest,
		"manifest_digest": {c: img.manifest[c].digest for c in comps},
	    },
	    "formats": [{"path": f, "transport": FORMATS[f][0],
		"compression": FORMATS[f][1]} for f in formats],
	    "layers": layers,
	    "compressed": {c: [{"digest": b.blobs[c].digest, "size": b.blobs[c].size}
		for b in img.layers] for c in comps},
	    "totals": {
		"layers": len(layers),
		"layer_bytes": lb,
		"tar_bytes": sum(b.tar_bytes for b in img.layers),
		"final_bytes": a["final_bytes"],
		"final_files": a["final_files"],
		"final_entries": a["final_entries"],
		"wasted_bytes": sum(l["wasted_bytes"] for l in layers),
		"efficiency": a["final_bytes"] / lb if lb else 1.0,
		"compressed_bytes": {c: sum(b.blobs[c].size for b in img.layers) for c in comps},
	    },
	    "dive": dive_figures(spec.layers) if with_dive else None,
	    "largest_files": a["largest_files"],
	    "findings": kinds,
	}
	if getattr(spec, "packages", None):
		out["packages"] = package_facts(spec.packages, a["final_index"])
	if notes:
		out["notes"] = notes
	return out


def package_facts(book, final_index):
	"""
	Per package, what it installed that the final tree still shows: regular
	files, each piece of data once (symlinks and directories weigh
	nothing).  Straight from what the installers above wrote.
	"""
	out = []
	for eco, name, version, paths in book:
		seen = set()
		size = 0
		for p in paths:
			hit = final_index.get("/" + p)
			if hit is None or hit[0] in seen:
				continue
			seen.add(hit[0])
			size += hit[1]
		out.append({"ecosystem": eco, "name": name, "version": version,
		    "bytes": size, "files": len(seen)})
	return out


def write_json(path, obj):
	with open(path, "w") as f:
		json.dump(obj, f, indent=1)
		f.write("\n")


def build_regular(outdir, spec, formats, cache=None, **kw):
	"""Build one image in the given formats and write its expected.json."""
	imgdir = os.path.join(outdir, spec.name)
	os.makedirs(imgdir, exist_ok=True)
	img = build_image(spec, comps_for(formats), cache if cache is not None else {})
	write_formats(imgdir, img, formats)
	write_json(os.path.join(imgdir, "expected.json"), expected(img, formats, **kw))
	return img


# ---------------------------------------------------------------------------
# Image "basic": every tree rule once.

def spec_basic():
	rng = random.Random(1001)
	l0 = Layer("/bin/sh -c #(nop) ADD file:4f0c3d0d2a1e5b7c9e8d in / ")
	l0.file("etc/os-release", text(rng, 200))
	l0.file("etc/hostname", b"basic\n")
	l0.file("usr/bin/tool", rng.randbytes(70000), 0o755)
	l0.file("usr/bin/python3.11", rng.randbytes(2500), 0o755)
	l0.hardlink("usr/bin/python3", "usr/bin/python3.11")	# same layer as its target
	l0.file("usr/lib/libtool.so.1.2", rng.randbytes(120000))
	l0.symlink("usr/lib/libtool.so.1", "libtool.so.1.2")	# relative symlink
	l0.file("usr/share/doc/tool/README", text(rng, 3100))
	l0.file("usr/share/doc/tool/changelog", text(rng, 25000))
	l0.file("opt/data/old1.bin", rng.randbytes(40000))
	l0.file("opt/data/old2.txt", text(rng, 8000))
	l0.file("var/log/empty.log", b"")			# empty regular file
	l0.dir("tmp", 0o1777)

	l1 = Layer("/bin/sh -c apt-get update && apt-get install -y foo")
	l1.file("etc/os-release", text(rng, 220))		# overwrites layer 0's
	l1.file("usr/bin/foo", rng.randbytes(45000), 0o755)
	l1.file("var/cache/apt/archives/foo_1.0_amd64.deb", rng.randbytes(60000))
	l1.file("var/cache/apt/archives/bar_2.0_amd64.deb", rng.randbytes(30000))
	l1.dir("var/cache/apt/archives/partial")
	l1.file("var/cache/apt/pkgcache.bin", rng.randbytes(50000))
	l1.file("var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages",
	    text(rng, 100000))

	l2 = Layer("/bin/sh -c rm -rf /var/cache/apt /usr/share/doc/tool/changelog "
	    "/usr/bin/python3.11 && echo basic-2 > /etc/hostname")
	l2.whiteout("var/cache/apt")				# a directory with a subtree
	l2.whiteout("usr/share/doc/tool/changelog")		# a file
	l2.whiteout("usr/bin/python3.11")			# its hard link keeps the data
	l2.file("etc/hostname", b"basic-2\n")

	l3 = Layer("/bin/sh -c true")				# empty layer: 1024 zero bytes

	l4 = Layer("/bin/sh -c #(nop) COPY dir:9a7c2e51d0b3 in /opt/ ")
	l4.opaque("opt/data")					# hides old1.bin, old2.txt
	l4.file("opt/data/new.bin", rng.randbytes(35000))	# ...but not these
	l4.file("opt/data/new.txt", text(rng, 5000))
	l4.file("opt/app/run.sh", b"#!/bin/sh\nexec /usr/bin/tool \"$@\"\n", 0o755)
	l4.file("opt/app/lib.py", text(rng, 15000))
	l4.symlink("usr/local/bin/app", "/opt/app/run.sh")	# absolute symlink
	l4.symlink("usr/local/bin/py", "../../bin/python3")	# relative, to the hard link

	l5 = Layer("/bin/sh -c pip install requests==2.31.0")
	pip_package(l5, rng, "usr/lib/python3/dist-packages", "requests", "2.31.0", [
	    ("requests/__init__.py", text(rng, 4000)),
	    ("requests/api.py", text(rng, 6500)),
	    ("requests/models.py", text(rng, 34000)),
	    ("requests/sessions.py", text(rng, 29500)),
	], requires=["charset-normalizer", "idna", "urllib3", "certifi"],
	    metadata_pad=4600)

	history = [l0, "/bin/sh -c #(nop)  CMD [\"bash\"]", l1,
	    "/bin/sh -c #(nop)  ENV APP_HOME=/opt/app", l2, l3,
	    "/bin/sh -c #(nop)  LABEL org.example.stage=app", l4, l5,
	    "/bin/sh -c #(nop)  ENTRYPOINT [\"/opt/app/run.sh\"]",
	    "/bin/sh -c #(nop)  CMD [\"--help\"]"]
	return ImageSpec("basic", history, ["/opt/app/run.sh"], ["--help"],
	    env=["PATH=/usr/local/bin:/usr/bin:/bin", "APP_HOME=/opt/app"])


# ---------------------------------------------------------------------------
# Packaging helpers for realistic trees (pip dist-info, dpkg database).

# What the package installers below wrote, as (ecosystem, name, version,
# [paths]): the oracle for package attribution (expected.json "packages").
PKG_BOOK = []


def _record_hash(data):
	return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def pip_package(layer, rng, site, name, version, files, requires=(),
    scripts=(), summary="", metadata_pad=0):
	"""
	Install a wheel the way pip does: the files, then <name>-<version>.dist-info
	with METADATA, WHEEL, top_level.txt, INSTALLER, REQUESTED and a RECORD
	whose hashes and sizes are those of the files written.
	"""
	record = []
	for rel, data in files:
		mode = 0o755 if rel.endswith(".so") else 0o644
		layer.file(site + "/" + rel, data, mode)
		record.append("%s,%s,%d" % (rel, _record_hash(data), len(data)))
	for sname, data in scripts:
		layer.file("usr/local/bin/" + sname, data, 0o755)
		record.append("../../../bin/%s,%s,%d" % (sname, _record_hash(data), len(data)))
	di = "%s-%s.dist-info" % (name.replace("-", "_"), version)
	meta = ("Metadata-Version: 2.1\nName: %s\nVersion: %s\nSummary: %s\n"
	    "License: BSD-3-Clause\n" % (name, version, summary or name + " package"))
	meta += "".join("Requires-Dist: %s\n" % r for r in requires)
	meta = meta.encode() + b"\n"
	if len(meta) < metadata_pad:
		meta += text(rng, metadata_pad - len(meta))
	tops = sorted(set(rel.split("/")[0] for rel, _ in files if "/" in rel))
	extra = [("METADATA", meta),
	    ("WHEEL", b"Wheel-Version: 1.0\nGenerator: bdist_wheel (0.41.2)\n"
		b"Root-Is-Purelib: false\nTag: cp311-cp311-manylinux_2_17_x86_64\n"),
	    ("top_level.txt", ("\n".join(tops) + "\n").encode()),
	    ("INSTALLER", b"pip\n"),
	    ("REQUESTED", b"")]
	for fname, data in extra:
		layer.file("%s/%s/%s" % (site, di, fname), data)
		record.append("%s/%s,%s,%d" % (di, fname, _record_hash(data), len(data)))
	record.append("%s/RECORD,," % di)
	layer.file("%s/%s/RECORD" % (site, di), ("\n".join(record) + "\n").encode())
	PKG_BOOK.append(("pip", name, version,
	    [site + "/" + rel for rel, _ in files] +
	    ["usr/local/bin/" + sname for sname, _ in scripts] +
	    ["%s/%s/%s" % (site, di, f) for f, _ in extra] +
	    ["%s/%s/RECORD" % (site, di)]))


class Deb:
	def __init__(self, name, version, section, depends, desc, arch="amd64",
	    priority="optional"):
		self.name = name
		self.version = version
		self.section = section
		self.depends = depends
		self.desc = desc
		self.arch = arch
		self.priority = priority
		self.files = []		# (path, size)


def deb_install(layer, rng, deb, files):
	"""Install deb's files plus its doc directory; remember them for dpkg."""
	docs = [("usr/share/doc/%s/copyright" % deb.name, text(rng, rng.randint(900, 6000))),
	    ("usr/share/doc/%s/changelog.Debian.gz" % deb.name,
		gzip_bytes(text(rng, rng.randint(3000, 30000)), 9))]
	for item in list(files) + docs:
		path, data = item[0], item[1]
		if data is None:			# a symlink: (path, None, target)
			layer.symlink(path, item[2])
			deb.files.append((path, 0))
			continue
		mode = 0o755 if path.startswith(("usr/bin/", "usr/sbin/")) or ".so" in path else 0o644
		layer.file(path, data, mode)
		deb.files.append((path, len(data)))
	PKG_BOOK.append(("dpkg", deb.name, deb.version, [p for p, _ in deb.files]))


def dpkg_status(debs):
	out = []
	for d in debs:
		size = (sum(s for _, s in d.files) + 1023) // 1024
		s = ("Package: %s\nStatus: install ok installed\nPriority: %s\n"
		    "Section: %s\nInstalled-Size: %d\n"
		    "Maintainer: Debian Maintainers <debian@lists.debian.org>\n"
		    "Architecture: %s\nVersion: %s\n" % (d.name, d.priority, d.section,
			size, d.arch, d.version))
		if d.depends:
			s += "Depends: %s\n" % d.depends
		s += "Description: %s\n %s package for the imgaudit demo image.\n" % (d.desc, d.name)
		out.append(s)
	return "\n".join(out).encode()


def dpkg_list(deb):
	dirs = set()
	for path, _ in deb.files:
		parts = path.split("/")[:-1]
		for i in range(1, len(parts) + 1):
			dirs.add("/" + "/".join(parts[:i]))
	lines = ["/."] + sorted(dirs) + ["/" + p for p, _ in deb.files]
	return ("\n".join(lines) + "\n").encode()


def dpkg_write(layer, all_debs, new_debs):
	layer.file("var/lib/dpkg/status", dpkg_status(all_debs))
	for d in new_debs:
		layer.file("var/lib/dpkg/info/%s.list" % d.name, dpkg_list(d))


# ---------------------------------------------------------------------------
# Image "demo": a small ML model-serving image for `make demo`.

SITE = "usr/local/lib/python3.11/site-packages"
LDSO = "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"	# Debian's is /lib64/..., a link
LIBDIR = "usr/lib/x86_64-linux-gnu"


def spec_demo():
	del PKG_BOOK[:]
	rng = random.Random(2024)
	k = 1024

	# Layer 0: a Debian-like base.
	l0 = Layer("/bin/sh -c #(nop) ADD file:b4a9f6c2d1e07e53a1f0 in / ")
	for name, target in (("bin", "usr/bin"), ("lib", "usr/lib"),
	    ("lib64", "usr/lib64"), ("sbin", "usr/sbin")):
		l0.symlink(name, target)
	for d in ("etc", "home", "root", "tmp", "var/log", "usr/sbin", "usr/local/bin"):
		l0.dir(d, 0o1777 if d == "tmp" else 0o755)
	l0.file("etc/passwd", b"root:x:0:0:root:/root:/bin/bash\n"
	    b"daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
	    b"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n")
	l0.file("etc/group", b"root:x:0:\ndaemon:x:1:\nnogroup:x:65534:\n")
	l0.file("etc/hostname", b"demo\n")
	base = [
	    Deb("base-files", "12.4+deb12u5", "admin", "", "Debian base system miscellaneous files", priority="required"),
	    Deb("libc6", "2.36-9+deb12u4", "libs", "libgcc-s1", "GNU C Library: Shared libraries", priority="required"),
	    Deb("libgcc-s1", "12.2.0-14", "libs", "libc6 (>= 2.35)", "GCC support library", priority="required"),
	    Deb("libstdc++6", "12.2.0-14", "libs", "libc6 (>= 2.36), libgcc-s1 (>= 4.2)", "GNU Standard C++ Library v3"),
	    Deb("zlib1g", "1:1.2.13.dfsg-1", "libs", "libc6 (>= 2.14)", "compression library - runtime", priority="required"),
	    Deb("libssl3", "3.0.11-1~deb12u2", "libs", "libc6 (>= 2.34)", "Secure Sockets Layer toolkit - shared libraries"),
	    Deb("bash", "5.2.15-2+b2", "shells", "base-files (>= 2.1.12)", "GNU Bourne Again SHell", priority="required"),
	    Deb("coreutils", "9.1-1", "utils", "libc6 (>= 2.34)", "GNU core utilities", priority="required"),
	    Deb("tzdata", "2024a-0+deb12u1", "localization", "", "time zone and daylight-saving time data", arch="all", priority="required"),
	]
	bd = {d.name: d for d in base}
	deb_install(l0, rng, bd["base-files"], [
	    ("etc/os-release", b'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\n'
		b'VERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n'),
	    ("etc/debian_version", b"12.5\n"),
	    ("usr/share/common-licenses/GPL-3", text(rng, 35 * k)),
	    ("usr/share/common-licenses/Apache-2.0", text(rng, 11 * k))])
	deb_install(l0, rng, bd["libc6"], [
	    (LIBDIR + "/libc.so.6", elf(rng, 420 * k, soname="libc.so.6", needed=["ld-linux-x86-64.so.2"], interp=LDSO)),
	    (LIBDIR + "/libm.so.6", elf(rng, 180 * k, soname="libm.so.6", needed=["libc.so.6"])),
	    (LIBDIR + "/ld-linux-x86-64.so.2", elf(rng, 90 * k, soname="ld-linux-x86-64.so.2")),
	    ("usr/lib64/ld-linux-x86-64.so.2", None, "/" + LIBDIR + "/ld-linux-x86-64.so.2"),
	    (LIBDIR + "/libpthread.so.0", elf(rng, 20 * k, soname="libpthread.so.0", needed=["libc.so.6"])),
	    ("usr/share/locale/de/LC_MESSAGES/libc.mo", text(rng, 140 * k)),
	    ("usr/share/locale/fr/LC_MESSAGES/libc.mo", text(rng, 135 * k))])
	deb_install(l0, rng, bd["libgcc-s1"], [(LIBDIR + "/libgcc_s.so.1", elf(rng, 60 * k, soname="libgcc_s.so.1", needed=["libc.so.6"]))])
	deb_install(l0, rng, bd["libstdc++6"], [
	    (LIBDIR + "/libstdc++.so.6.0.30", elf(rng, 520 * k, soname="libstdc++.so.6", needed=["libm.so.6", "libc.so.6", "libgcc_s.so.1"])),
	    (LIBDIR + "/libstdc++.so.6", None, "libstdc++.so.6.0.30")])
	deb_install(l0, rng, bd["zlib1g"], [
	    (LIBDIR + "/libz.so.1.2.13", elf(rng, 50 * k, soname="libz.so.1", needed=["libc.so.6"])),
	    (LIBDIR + "/libz.so.1", None, "libz.so.1.2.13")])
	deb_install(l0, rng, bd["libssl3"], [
	    (LIBDIR + "/libssl.so.3", elf(rng, 140 * k, soname="libssl.so.3", needed=["libcrypto.so.3", "libc.so.6"])),
	    (LIBDIR + "/libcrypto.so.3", elf(rng, 460 * k, soname="libcrypto.so.3", needed=["libc.so.6"])),
	    (LIBDIR + "/ossl-modules/legacy.so", elf(rng, 40 * k, needed=["libcrypto.so.3", "libc.so.6"]))])
	deb_install(l0, rng, bd["bash"], [
	    ("usr/bin/bash", elf(rng, 280 * k, etype=3, interp=LDSO, needed=["libc.so.6"])),
	    ("usr/share/man/man1/bash.1.gz", gzip_bytes(text(rng, 120 * k), 9)),
	    ("etc/bash.bashrc", text(rng, 2 * k))])
	deb_install(l0, rng, bd["coreutils"], [("usr/bin/" + n, elf(rng, s * k, interp=LDSO, needed=["libc.so.6"])) for n, s in (
	    ("ls", 140), ("cat", 44), ("cp", 140), ("mv", 136), ("rm", 72), ("mkdir", 84),
	    ("chmod", 64), ("env", 48), ("sort", 120), ("head", 48))] +
	    [("usr/share/locale/de/LC_MESSAGES/coreutils.mo", text(rng, 90 * k))])
	deb_install(l0, rng, bd["tzdata"], [("usr/share/zoneinfo/" + z, rng.randbytes(rng.randint(120, 3000)))
	    for z in ("UTC", "Etc/UTC", "Europe/Berlin", "Europe/London", "America/New_York",
		"America/Los_Angeles", "Asia/Tokyo", "Australia/Sydney")])
	dpkg_write(l0, base, base)
	l0.file("var/log/dpkg.log", text(rng, 12 * k))

	# Layer 1: apt-get install python3, leaving the lists and the .debs.
	l1 = Layer("/bin/sh -c apt-get update && apt-get install -y --no-install-recommends "
	    "python3 python3-pip ca-certificates")
	apt = [
	    Deb("libpython3.11-stdlib", "3.11.2-6", "python", "libc6 (>= 2.36), libssl3 (>= 3.0.0), zlib1g", "Interactive high-level object-oriented language (standard library)"),
	    Deb("python3.11-minimal", "3.11.2-6", "python", "libc6 (>= 2.35), zlib1g (>= 1:1.2.0)", "Minimal subset of the Python language"),
	    Deb("python3.11", "3.11.2-6", "python", "python3.11-minimal (= 3.11.2-6), libpython3.11-stdlib (= 3.11.2-6)", "Interactive high-level object-oriented language (version 3.11)"),
	    Deb("python3", "3.11.2-1+b1", "python", "python3.11 (>= 3.11.2-1~)", "interactive high-level object-oriented language (default python3 version)"),
	    Deb("python3-pip", "23.0.1+dfsg-1", "python", "ca-certificates, python3:any", "Python package installer", arch="all"),
	    Deb("ca-certificates", "20230311", "misc", "libssl3 (>= 3.0.0)", "Common CA certificates", arch="all"),
	]
	ad = {d.name: d for d in apt}
	deb_install(l1, rng, ad["python3.11-minimal"], [("usr/bin/python3.11", elf(rng, 400 * k, interp=LDSO, needed=["libm.so.6", "libz.so.1", "libc.so.6"]))])
	stdlib = [("usr/lib/python3.11/%s.py" % m, text(rng, s * k)) for m, s in (
	    ("os", 39), ("subprocess", 86), ("typing", 118), ("json/__init__", 14), ("json/decoder", 12),
	    ("collections/__init__", 52), ("pathlib", 50), ("shutil", 56), ("tarfile", 104),
	    ("zipfile", 88), ("argparse", 100), ("logging/__init__", 80), ("asyncio/base_events", 76),
	    ("email/message", 46), ("http/client", 58), ("unittest/case", 58), ("inspect", 124))]
	stdlib.append(("usr/lib/python3.11/lib-dynload/_ssl.cpython-311-x86_64-linux-gnu.so", elf(rng, 80 * k, needed=["libssl.so.3", "libcrypto.so.3", "libc.so.6"])))
	stdlib.append(("usr/lib/python3.11/lib-dynload/_ctypes.cpython-311-x86_64-linux-gnu.so", elf(rng, 60 * k, needed=["libc.so.6"])))
	deb_install(l1, rng, ad["libpython3.11-stdlib"], stdlib)
	deb_install(l1, rng, ad["python3.11"], [("usr/share/man/man1/python3.11.1.gz", gzip_bytes(text(rng, 14 * k), 9))])
	deb_install(l1, rng, ad["python3"], [("usr/bin/python3", None, "python3.11")])
	deb_install(l1, rng, ad["python3-pip"], [("usr/lib/python3/dist-packages/pip/%s.py" % m, text(rng, s * k))
	    for m, s in (("__init__", 1), ("_internal/req/req_install", 34), ("_internal/index/package_finder", 38),
		("_vendor/rich/console", 98), ("_vendor/requests/models", 35), ("_vendor/pygments/lexer", 34))] +
	    [("usr/bin/pip3", b"#!/usr/bin/python3\nfrom pip._internal.cli.main import main\nmain()\n")])
	deb_install(l1, rng, ad["ca-certificates"], [("usr/share/ca-certificates/mozilla/%s.crt" % n, text(rng, 2 * k))
	    for n in ("ISRG_Root_X1", "DigiCert_Global_Root_G2", "GlobalSign_Root_CA", "Amazon_Root_CA_1")] +
	    [("usr/sbin/update-ca-certificates", text(rng, 7 * k))])
	l1.file("etc/ssl/certs/ca-certificates.crt", text(rng, 190 * k))
	lists = "var/lib/apt/lists/"
	l1.file(lists + "deb.debian.org_debian_dists_bookworm_InRelease", text(rng, 150 * k))
	l1.file(lists + "deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4", rng.randbytes(600 * k))
	l1.file(lists + "deb.debian.org_debian_dists_bookworm-updates_InRelease", text(rng, 52 * k))
	l1.file(lists + "deb.debian.org_debian-security_dists_bookworm-security_InRelease", text(rng, 48 * k))
	l1.file(lists + "deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages.lz4", rng.randbytes(160 * k))
	l1.file(lists + "lock", b"")
	l1.dir(lists + "partial", 0o700)
	arch = "var/cache/apt/archives/"
	for n, s in (("python3.11-minimal_3.11.2-6_amd64.deb", 420), ("libpython3.11-stdlib_3.11.2-6_amd64.deb", 330),
	    ("python3-pip_23.0.1+dfsg-1_all.deb", 240), ("ca-certificates_20230311_all.deb", 150)):
		l1.file(arch + n, rng.randbytes(s * k))
	l1.file(arch + "lock", b"")
	l1.dir(arch + "partial", 0o700)
	l1.file("var/cache/apt/pkgcache.bin", rng.randbytes(180 * k))
	l1.file("var/cache/apt/srcpkgcache.bin", rng.randbytes(170 * k))
	dpkg_write(l1, base + apt, apt)				# rewrites status: the old one is waste
	l1.file("var/log/apt/history.log", text(rng, 3 * k))
	l1.file("var/log/apt/term.log", text(rng, 14 * k))
	l1.file("var/log/dpkg.log", text(rng, 30 * k))

	# Layer 2: pip install, leaving root/.cache/pip and /tmp build files.
	l2 = Layer("/bin/sh -c pip install torch==2.1.0 numpy==1.26.2 tensorboard==2.15.1 safetensors==0.4.1")
	pip_package(l2, rng, SITE, "torch", "2.1.0", [
	    ("torch/__init__.py", text(rng, 64 * k)),
	    ("torch/_C.cpython-311-x86_64-linux-gnu.so", elf(rng, 40 * k, needed=["libtorch_cpu.so", "libc10.so", "libc.so.6"], runpath="$ORIGIN/lib")),
	    ("torch/lib/libtorch_cpu.so", elf(rng, 1100 * k, debug=400 * k, symtab=True, soname="libtorch_cpu.so", needed=["libc10.so", "libgomp-a34b3233.so.1", "libstdc++.so.6", "libc.so.6"], runpath="$ORIGIN")),
	    ("torch/lib/libc10.so", elf(rng, 300 * k, symtab=True, soname="libc10.so", needed=["libstdc++.so.6", "libc.so.6"])),
	    ("torch/lib/libgomp-a34b3233.so.1", elf(rng, 120 * k, soname="libgomp-a34b3233.so.1", needed=["libc.so.6"])),
	    ("torch/bin/torch_shm_manager", elf(rng, 40 * k, etype=2, interp=LDSO, needed=["libtorch_cpu.so", "libc.so.6"], runpath="$ORIGIN/../lib"))] +
	    [("torch/nn/%s.py" % m, text(rng, s * k)) for m, s in (("functional", 190), ("modules/module", 110), ("init", 22))] +
	    [("torch/include/ATen/%s.h" % h, text(rng, s * k)) for h, s in (("Tensor", 22), ("Functions", 90), ("core/TensorBody", 120), ("ops/add", 6))] +
	    [("torch/testing/_internal/%s.py" % m, text(rng, s * k)) for m, s in (("common_utils", 180), ("common_nn", 150))] +
	    [("torch/utils/tensorboard/writer.py", text(rng, 46 * k))],
	    requires=["filelock", "typing-extensions", "numpy"],
	    scripts=[("torchrun", b"#!/usr/local/bin/python3\nfrom torch.distributed.run import main\nmain()\n")])
	pip_package(l2, rng, SITE, "numpy", "1.26.2", [
	    ("numpy/__init__.py", text(rng, 16 * k)),
	    ("numpy/core/_multiarray_umath.cpython-311-x86_64-linux-gnu.so", elf(rng, 450 * k, needed=["libopenblas64_p-r0-0cf96a72.3.23.dev.so", "libc.so.6"], runpath="$ORIGIN/../../numpy.libs")),
	    ("numpy.libs/libopenblas64_p-r0-0cf96a72.3.23.dev.so", elf(rng, 500 * k, soname="libopenblas64_p-r0-0cf96a72.3.23.dev.so", needed=["libc.so.6"])),
	    ("numpy/core/include/numpy/ndarraytypes.h", text(rng, 68 * k)),
	    ("numpy/lib/function_base.py", text(rng, 190 * k)),
	    ("numpy/core/tests/test_multiarray.py", text(rng, 140 * k))],
	    scripts=[("f2py", b"#!/usr/local/bin/python3\nfrom numpy.f2py.f2py2e import main\nmain()\n")])
	pip_package(l2, rng, SITE, "tensorboard", "2.15.1", [
	    ("tensorboard/__init__.py", text(rng, 4 * k)),
	    ("tensorboard/program.py", text(rng, 32 * k)),
	    ("tensorboard/plugins/scalar/scalars_plugin.py", text(rng, 12 * k)),
	    ("tensorboard/webfiles.zip", rng.randbytes(400 * k))],
	    requires=["absl-py>=0.4", "grpcio>=1.48.2", "markdown>=2.6.8", "numpy>=1.12.0",
		"protobuf>=3.19.6", "tensorboard-data-server<0.8.0,>=0.7.0", "werkzeug>=1.0.1"],
	    scripts=[("tensorboard", b"#!/usr/local/bin/python3\nfrom tensorboard.main import run_main\nrun_main()\n")])
	pip_package(l2, rng, SITE, "tensorboard-data-server", "0.7.2", [
	    ("tensorboard_data_server/__init__.py", text(rng, 1 * k)),
	    ("tensorboard_data_server/bin/server", elf(rng, 380 * k, etype=2, interp=LDSO, needed=["libc.so.6"]))])
	pip_package(l2, rng, SITE, "grpcio", "1.59.3", [
	    ("grpc/__init__.py", text(rng, 90 * k)),
	    ("grpc/_cython/cygrpc.cpython-311-x86_64-linux-gnu.so", elf(rng, 340 * k, needed=["libstdc++.so.6", "libc.so.6"]))])
	pip_package(l2, rng, SITE, "protobuf", "4.25.1", [
	    ("google/protobuf/descriptor.py", text(rng, 48 * k)),
	    ("google/_upb/_message.abi3.so", elf(rng, 210 * k, needed=["libc.so.6"]))])
	pip_package(l2, rng, SITE, "markdown", "3.5.1", [("markdown/core.py", text(rng, 20 * k)),
	    ("markdown/extensions/toc.py", text(rng, 16 * k))], requires=["importlib-metadata"])
	pip_package(l2, rng, SITE, "werkzeug", "3.0.1", [("werkzeug/serving.py", text(rng, 40 * k)),
	    ("werkzeug/debug/shared/debugger.js", text(rng, 12 * k))], requires=["MarkupSafe>=2.1.1"])
	pip_package(l2, rng, SITE, "MarkupSafe", "2.1.3", [("markupsafe/__init__.py", text(rng, 10 * k)),
	    ("markupsafe/_speedups.cpython-311-x86_64-linux-gnu.so", elf(rng, 44 * k, needed=["libc.so.6"]))])
	pip_package(l2, rng, SITE, "absl-py", "2.0.0", [("absl/flags/_flagvalues.py", text(rng, 52 * k))])
	pip_package(l2, rng, SITE, "filelock", "3.13.1", [("filelock/__init__.py", text(rng, 2 * k))])
	pip_package(l2, rng, SITE, "typing-extensions", "4.8.0", [("typing_extensions.py", text(rng, 110 * k))])
	pip_package(l2, rng, SITE, "safetensors", "0.4.1", [("safetensors/__init__.py", text(rng, 1 * k)),
	    ("safetensors/_safetensors_rust.abi3.so", elf(rng, 250 * k, needed=["libgcc_s.so.1", "libc.so.6"]))])
	for i in range(5):
		h = sha256hex(b"pip-cache-%d" % i)
		l2.file("root/.cache/pip/http-v2/%s/%s/%s/%s/%s/%s.body" % (h[0], h[1], h[2], h[3], h[4], h),
		    rng.randbytes(rng.randint(80, 160) * k))
	l2.file("root/.cache/pip/selfcheck/" + sha256hex(b"selfcheck") + ".json", b'{"last_check":"2024-01-01T00:00:00Z","pypi_version":"23.3.2"}')
	l2.file("tmp/wheels/torch-2.1.0-cp311-cp311-manylinux1_x86_64.whl", rng.randbytes(420 * k))
	l2.file("tmp/pip-build-env-7h2k1x/overlay/lib/python3.11/site-packages/setuptools/dist.py", text(rng, 48 * k))
	l2.file("tmp/pip-build-env-7h2k1x/overlay/lib/python3.11/site-packages/wheel/bdist_wheel.py", text(rng, 20 * k))

	# Layer 3: clean /tmp afterwards: the deleted files stay in layer 2.
	l3 = Layer("/bin/sh -c rm -rf /tmp/*")
	l3.dir("tmp", 0o1777)
	l3.whiteout("tmp/pip-build-env-7h2k1x")
	l3.whiteout("tmp/wheels")

	# Layer 4: the application.
	l4 = Layer("/bin/sh -c #(nop) COPY dir:2c0e7f1d9b8a in /app ")
	l4.file("app/server.py", text(rng, 9 * k))
	l4.file("app/model.py", text(rng, 5 * k))
	l4.file("app/requirements.txt", b"torch==2.1.0\nnumpy==1.26.2\ntensorboard==2.15.1\nsafetensors==0.4.1\n")
	l4.file("app/config.yaml", b"model: /models/model.safetensors\nport: 8080\nworkers: 2\n")
	l4.file("app/static/index.html", text(rng, 3 * k))

	# Layer 5: the model weights (safetensors: 8-byte header length, JSON, data).
	l5 = Layer("/bin/sh -c #(nop) COPY file:8d3e5a0c1f27 in /models/model.safetensors ")
	tensors = [("embed.weight", [512, 512]), ("layer0.attn.weight", [512, 512]),
	    ("layer0.mlp.weight", [512, 1024]), ("head.weight", [512, 64])]
	header = {"__metadata__": {"format": "pt"}}
	off = 0
	for name, shape in tensors:
		n = shape[0] * shape[1] * 2
		header[name] = {"dtype": "F16", "shape": shape, "data_offsets": [off, off + n]}
		off += n
	hb = jbytes(header)
	hb += b" " * ((-len(hb)) % 8)
	l5.file("models/model.safetensors", struct.pack("<Q", len(hb)) + hb + rng.randbytes(off))
	l5.file("models/config.json", b'{"architectures":["DemoModel"],"hidden_size":768,"vocab_size":512}\n')

	history = [l0, "/bin/sh -c #(nop)  CMD [\"bash\"]", l1,
	    "/bin/sh -c #(nop)  ENV PYTHONUNBUFFERED=1", l2, l3,
	    "/bin/sh -c #(nop) WORKDIR /app", l4, l5,
	    "/bin/sh -c #(nop)  EXPOSE 8080",
	    "/bin/sh -c #(nop)  ENTRYPOINT [\"python3\" \"/app/server.py\"]",
	    "/bin/sh -c #(nop)  CMD [\"--port\" \"8080\"]"]
	spec = ImageSpec("demo", history, ["python3", "/app/server.py"], ["--port", "8080"],
	    env=["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "PYTHONUNBUFFERED=1"],
	    workdir="/app")
	spec.packages = list(PKG_BOOK)
	return spec


# ---------------------------------------------------------------------------
# Image "serving": a realistic model-serving image, the evidence for the
# knowledge base and the ranked removal candidates (tests/e2e/candidates.sh).
#
# Layers as a Dockerfile writes them: a Debian base with its dpkg database;
# `apt-get install -y build-essential python3 python3-pip` with apt's
# default Recommends, leaving /var/lib/apt/lists behind and marking the
# dependencies Auto-Installed in extended_states; `pip install torch numpy
# scipy safetensors tensorboard jupyter` with the real torch 2.5.1 (cu12)
# requirement list, so the nvidia-*-cu12 wheels, triton, sympy ... come
# along, leaving /root/.cache/pip; the app; the model.  Everything the
# candidates are checked against is written down here as the layers are
# described (class SvBook) and by hand (SV_CLOSURES, SV_CUDA_COMPONENTS,
# SV_DLOPEN): expected.json "serving".  Nothing is read back from the tars
# and nothing comes from imgaudit.

def T(n):
	"""Content: n bytes of text."""
	return ("text", n)


def R(n):
	"""Content: n random bytes."""
	return ("rand", n)


def G(n):
	"""Content: gzip -9 of n bytes of text (man pages, changelogs)."""
	return ("gz", n)


def A(n):
	"""Content: an ar archive (a static library) of n bytes."""
	return ("ar", n)


def L(target):
	"""A symlink to target."""
	return ("link", target)


def E(size, **kw):
	"""Content: an ELF file made by elf(rng, size, **kw)."""
	return ("elf", size, kw)


PYC_MAGIC_311 = b"\xa7\x0d\x0d\x0a"


def pyc_path(py):
	d, _, base = py.rpartition("/")
	return (d + "/" if d else "") + "__pycache__/" + base[:-3] + ".cpython-311.pyc"


def pyc_bytes(rng, src):
	"""A CPython 3.11 .pyc for src: header, then marshal-like bytes."""
	return (PYC_MAGIC_311 + bytes(4) + struct.pack("<II", 0, len(src)) +
	    rng.randbytes(96 + len(src) * 11 // 20))


class SvBook:
	"""
	What the serving image's installers wrote: per package the regular
	files it owns (byte-code next to its .py included, as imgaudit's owners
	rule counts it), its dependencies as resolved by hand, the ELF facts of
	every ELF file written, every symlink.
	"""

	def __init__(self):
		self.pkgs = []		# dicts, in install order
		self.by = {}		# "eco:name" -> dict
		self.elves = {}		# path -> ELF facts
		self.links = {}		# path -> target

	def add(self, eco, name, version, **kw):
		p = {"ecosystem": eco, "name": name, "version": version, "paths": []}
		p.update(kw)
		self.pkgs.append(p)
		self.by["%s:%s" % (eco, name)] = p
		return p


def sv_data(book, rng, path, c):
	"""The bytes of content c for path (an ELF's facts are recorded)."""
	if isinstance(c, (bytes, bytearray)):
		return bytes(c)
	kind = c[0]
	if kind == "text":
		return text(rng, c[1])
	if kind == "rand":
		return rng.randbytes(c[1])
	if kind == "gz":
		return gzip_bytes(text(rng, c[1]), 9)
	if kind == "ar":
		return b"!<arch>\n" + rng.randbytes(c[1] - 8)
	if kind == "elf":
		kw = c[2]
		book.elves[path] = {"etype": kw.get("etype", 3), "interp": kw.get("interp"),
		    "soname": kw.get("soname"), "needed": list(kw.get("needed", ())),
		    "runpath": kw.get("runpath"), "debug": kw.get("debug", 0)}
		return elf(rng, c[1], **kw)
	raise BuildError("%s: unknown content %r" % (path, kind))


def sv_put(layer, book, rng, path, c, mode=None):
	"""Write path with content c; returns its bytes, or None for a symlink."""
	if isinstance(c, tuple) and c[0] == "link":
		layer.symlink(path, c[1])
		book.links[path] = c[1]
		return None
	data = sv_data(book, rng, path, c)
	if mode is None:
		x = path.startswith(("usr/bin/", "usr/sbin/", "usr/local/bin/")) or (
		    isinstance(c, tuple) and c[0] == "elf" and (".so" in path or
		    c[2].get("interp") or c[2].get("etype", 3) == 2))
		mode = 0o755 if x else 0o644
	layer.file(path, data, mode)
	return data


# ---- pip ----

def _pep503(name):
	out = []
	prev = False
	for ch in name.lower():
		if ch in "-_.":
			if not prev:
				out.append("-")
			prev = True
		else:
			out.append(ch)
			prev = False
	return "".join(out)


def _req_name(req):
	n = ""
	for ch in req:
		if ch in " ;<>=!~[(@":
			break
		n += ch
	return n


def sv_pip(layer, book, rng, site, name, version, files, requires=(), edges=(),
    scripts=(), data=(), requested=False, summary="", meta_pad=0,
    license="BSD-3-Clause", tag="cp311-cp311-manylinux_2_17_x86_64"):
	"""
	Install a wheel as pip does: its files, byte-code for every .py (pip
	compiles on install and lists the .pyc in RECORD with no hash), data
	files under the prefix (RECORD names them ../../../share/...), console
	scripts, then <name>-<version>.dist-info.  requires: the Requires-Dist
	lines as written (markers and extras included); edges: the installed
	packages they come to for CPython 3.11 on Linux x86_64, worked out by
	hand (checked below to name only packages the lines name).
	"""
	for e in edges:
		if _pep503(e) not in set(_pep503(_req_name(r)) for r in requires):
			raise BuildError("%s: edge %s is no Requires-Dist" % (name, e))
	record = []
	paths = []
	pys = []
	for rel, c in files:
		path = site + "/" + rel
		d = sv_put(layer, book, rng, path, c)
		record.append("%s,%s,%d" % (rel, _record_hash(d), len(d)))
		paths.append(path)
		if rel.endswith(".py"):
			pys.append((rel, d))
	for rel, d in pys:
		pr = pyc_path(rel)
		layer.file(site + "/" + pr, pyc_bytes(rng, d))
		record.append("%s,," % pr)
		paths.append(site + "/" + pr)
	for rel, c in data:
		d = sv_put(layer, book, rng, "usr/local/" + rel, c)
		record.append("../../../%s,%s,%d" % (rel, _record_hash(d), len(d)))
		paths.append("usr/local/" + rel)
	ep = ""
	for sname, target in scripts:
		body = ("#!/usr/bin/python3\n# -*- coding: utf-8 -*-\nimport re\nimport sys\n"
		    "from %s import %s\nif __name__ == \"__main__\":\n"
		    "    sys.argv[0] = re.sub(r\"(-script\\.pyw|\\.exe)?$\", \"\", sys.argv[0])\n"
		    "    sys.exit(%s())\n" % (target.split(":")[0], target.split(":")[1],
			target.split(":")[1])).encode()
		layer.file("usr/local/bin/" + sname, body, 0o755)
		record.append("../../../bin/%s,%s,%d" % (sname, _record_hash(body), len(body)))
		paths.append("usr/local/bin/" + sname)
		ep += "%s = %s\n" % (sname, target)
	di = "%s-%s.dist-info" % (_pep503(name).replace("-", "_"), version)
	meta = ("Metadata-Version: 2.1\nName: %s\nVersion: %s\nSummary: %s\n"
	    "License: %s\nRequires-Python: >=3.8\n" % (name, version,
		summary or "The %s package" % name, license))
	meta += "".join(("%s\n" % r) if r.startswith("Provides-Extra:") else
	    ("Requires-Dist: %s\n" % r) for r in requires)
	meta = meta.encode() + b"Description-Content-Type: text/markdown\n\n"
	if len(meta) < meta_pad:
		meta += text(rng, meta_pad - len(meta))
	tops = sorted(set(rel.split("/")[0].rsplit(".py", 1)[0] for rel, _ in files
	    if not rel.startswith(di)))
	extra = [("METADATA", meta),
	    ("WHEEL", ("Wheel-Version: 1.0\nGenerator: bdist_wheel (0.44.0)\n"
		"Root-Is-Purelib: %s\nTag: %s\n" % ("false" if "manylinux" in tag else "true",
		tag)).encode())]
	if tops:
		extra.append(("top_level.txt", ("\n".join(tops) + "\n").encode()))
	if ep:
		extra.append(("entry_points.txt", ("[console_scripts]\n" + ep + "\n").encode()))
	extra.append(("INSTALLER", b"pip\n"))
	if requested:
		extra.append(("REQUESTED", b""))
	for fname, d in extra:
		layer.file("%s/%s/%s" % (site, di, fname), d)
		record.append("%s/%s,%s,%d" % (di, fname, _record_hash(d), len(d)))
		paths.append("%s/%s/%s" % (site, di, fname))
	record.append("%s/RECORD,," % di)
	layer.file("%s/%s/RECORD" % (site, di), ("\n".join(record) + "\n").encode())
	paths.append("%s/%s/RECORD" % (site, di))
	p = book.add("pip", name, version, edges=[_pep503(e) for e in edges],
	    requested=requested)
	p["paths"] = paths


# ---- dpkg ----

class SvDeb:
	def __init__(self, name, version, section, desc, arch="amd64",
	    priority="optional", essential=False, auto=False, depends="",
	    pre_depends="", recommends="", multi_arch=None):
		self.name = name
		self.version = version
		self.section = section
		self.desc = desc
		self.arch = arch
		self.priority = priority
		self.essential = essential
		self.auto = auto
		self.depends = depends
		self.pre_depends = pre_depends
		self.recommends = recommends
		self.multi_arch = multi_arch
		self.listed = []	# (path, size) as the .list names them
		self.installed_size = 0


def sv_deb(layer, book, rng, deb, files, docs=True):
	"""
	Install deb's files, /usr/share/doc/NAME/{copyright,changelog.Debian.gz},
	then the byte-code py3compile makes in its postinst for every .py it
	ships outside /usr/share/doc (not in the .list; the owners rule gives
	it to the package).
	"""
	items = [(path, c, rng) for path, c in files]
	if docs:
		# Drawn from the package's own generator, so that resizing one
		# file does not reshuffle every package's documentation.
		drng = random.Random("serving-doc-" + deb.name)
		items += [("usr/share/doc/%s/copyright" % deb.name, T(drng.randint(900, 5000)), drng),
		    ("usr/share/doc/%s/changelog.Debian.gz" % deb.name, G(drng.randint(2000, 16000)), drng)]
	paths = []
	pys = []
	for path, c, r in items:
		d = sv_put(layer, book, r, path, c)
		deb.listed.append((path, 0 if d is None else len(d)))
		if d is not None:
			paths.append(path)
			if path.endswith(".py") and path.startswith(("usr/lib/python3", "usr/share/python3")):
				pys.append((path, d))
	for path, d in pys:
		layer.file(pyc_path(path), pyc_bytes(rng, d))
		paths.append(pyc_path(path))
	deb.installed_size = (sum(s for _, s in deb.listed) + 1023) // 1024
	p = book.add("dpkg", deb.name, deb.version, deb=deb)
	p["paths"] = paths


def sv_dpkg_status(debs):
	out = []
	for d in debs:
		s = "Package: %s\n" % d.name
		if d.essential:
			s += "Essential: yes\n"
		s += ("Status: install ok installed\nPriority: %s\nSection: %s\n"
		    "Installed-Size: %d\nMaintainer: Debian Maintainers "
		    "<debian@lists.debian.org>\nArchitecture: %s\n" % (d.priority,
			d.section, d.installed_size, d.arch))
		if d.multi_arch:
			s += "Multi-Arch: %s\n" % d.multi_arch
		s += "Version: %s\n" % d.version
		if d.depends:
			s += "Depends: %s\n" % d.depends
		if d.pre_depends:
			s += "Pre-Depends: %s\n" % d.pre_depends
		if d.recommends:
			s += "Recommends: %s\n" % d.recommends
		s += "Description: %s\n %s, as installed in the serving test image.\n" % (d.desc, d.name)
		out.append(s)
	return "\n".join(out).encode()


def sv_dpkg_write(layer, all_debs, new_debs):
	layer.file("var/lib/dpkg/status", sv_dpkg_status(all_debs))
	for d in new_debs:
		dirs = set()
		for path, _ in d.listed:
			parts = path.split("/")[:-1]
			for i in range(1, len(parts) + 1):
				dirs.add("/" + "/".join(parts[:i]))
		lines = ["/."] + sorted(dirs) + ["/" + p for p, _ in d.listed]
		layer.file("var/lib/dpkg/info/%s.list" % d.name, ("\n".join(lines) + "\n").encode())


def sv_extended_states(debs):
	"""apt's marks: every Auto-Installed package, Architecture: all filed
	under the native architecture, as apt writes it."""
	out = []
	for d in debs:
		if d.auto:
			out.append("Package: %s\nArchitecture: amd64\nAuto-Installed: 1\n" % d.name)
	return "\n".join(out).encode()

SV_LIBC = ["libc.so.6"]
SV_NV = ["cublas", "cuda_cupti", "cuda_nvrtc", "cuda_runtime", "cudnn", "cufft",
    "curand", "cusolver", "cusparse", "nccl", "nvtx"]
# torch 2.5.1's RUNPATH: the pip CUDA libraries, then its own directory.
SV_TORCH_RUNPATH = ":".join("$ORIGIN/../../nvidia/%s/lib" % c for c in SV_NV) + ":$ORIGIN"


def _exe(size, needed, **kw):
	return E(size, interp=LDSO, needed=list(needed) + SV_LIBC, **kw)


def _lib(size, soname, needed=(), **kw):
	return E(size, soname=soname, needed=list(needed) + (SV_LIBC if soname != "libc.so.6" else []), **kw)


def _solib(dirpath, real, soname, size, needed=(), **kw):
	"""A versioned library and its soname symlink, as Debian ships them."""
	out = [(dirpath + "/" + real, _lib(size, soname, needed, **kw))]
	if real != soname:
		out.append((dirpath + "/" + soname, L(real)))
	return out


def sv_base_layer(book, rng, k):
	"""Layer 0: a Debian bookworm base (debootstrap --variant=minbase)."""
	l0 = Layer("/bin/sh -c #(nop) ADD file:6a1f2d8e0c4b93e1f7d2 in / ")
	for name, target in (("bin", "usr/bin"), ("lib", "usr/lib"),
	    ("lib64", "usr/lib64"), ("sbin", "usr/sbin")):
		l0.symlink(name, target)
	for d in ("etc", "home", "root", "tmp", "var/log", "usr/local/bin", "usr/local/lib"):
		l0.dir(d, 0o1777 if d == "tmp" else 0o755)
	l0.file("etc/passwd", b"root:x:0:0:root:/root:/bin/bash\n"
	    b"daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
	    b"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n")
	l0.file("etc/group", b"root:x:0:\ndaemon:x:1:\nnogroup:x:65534:\n")
	l0.file("etc/hostname", b"serving\n")
	D = SvDeb
	ga = "12.2.0-14"
	lc = "2.36-9+deb12u9"
	debs = [
	    D("base-files", "12.4+deb12u8", "admin", "Debian base system miscellaneous files",
		priority="required", essential=True),
	    D("gcc-12-base", ga, "libs", "GCC, the GNU Compiler Collection (base package)",
		priority="required", multi_arch="same"),
	    D("libgcc-s1", ga, "libs", "GCC support library", priority="required",
		depends="gcc-12-base (= %s), libc6 (>= 2.35)" % ga, multi_arch="same"),
	    D("libc6", lc, "libs", "GNU C Library: Shared libraries", priority="required",
		depends="libgcc-s1", multi_arch="same"),
	    D("libc-bin", lc, "libs", "GNU C Library: Binaries", priority="required",
		essential=True, depends="libc6 (>> 2.36), libc6 (<< 2.37)"),
	    D("libstdc++6", ga, "libs", "GNU Standard C++ Library v3", priority="important",
		depends="gcc-12-base (= %s), libc6 (>= 2.36), libgcc-s1 (>= 4.2)" % ga,
		multi_arch="same"),
	    D("zlib1g", "1:1.2.13.dfsg-1", "libs", "compression library - runtime",
		priority="required", depends="libc6 (>= 2.14)", multi_arch="same"),
	    D("libzstd1", "1.5.4+dfsg2-5", "libs", "fast lossless compression algorithm",
		priority="required", depends="libc6 (>= 2.14)", multi_arch="same"),
	    D("libgmp10", "2:6.2.1+dfsg1-1.1", "libs", "Multiprecision arithmetic library",
		priority="required", depends="libc6 (>= 2.14)", multi_arch="same"),
	    D("libbz2-1.0", "1.0.8-5+b1", "libs", "high-quality block-sorting file compressor library - runtime",
		priority="required", depends="libc6 (>= 2.4)", multi_arch="same"),
	    D("liblzma5", "5.4.1-0.2", "libs", "XZ-format compression library",
		priority="required", depends="libc6 (>= 2.34)", multi_arch="same"),
	    D("libcrypt1", "1:4.4.33-2", "libs", "libcrypt shared library",
		priority="required", depends="libc6 (>= 2.36)", multi_arch="same"),
	    D("libssl3", "3.0.15-1~deb12u1", "libs", "Secure Sockets Layer toolkit - shared libraries",
		priority="important", depends="libc6 (>= 2.34)", multi_arch="same"),
	    D("perl-base", "5.36.0-7+deb12u1", "perl", "minimal Perl system",
		priority="required", essential=True,
		pre_depends="libc6 (>= 2.35), libcrypt1 (>= 1:4.1.0)"),
	    D("debconf", "1.5.82", "admin", "Debian configuration management system",
		arch="all", priority="required", pre_depends="perl-base (>= 5.20.1-3~)"),
	    D("coreutils", "9.1-1", "utils", "GNU core utilities", priority="required",
		essential=True, pre_depends="libc6 (>= 2.34), libgmp10 (>= 2:6.2.1+dfsg1), libssl3 (>= 3.0.0)"),
	    D("bash", "5.2.15-2+b7", "shells", "GNU Bourne Again SHell", priority="required",
		essential=True, depends="base-files (>= 2.1.12)", pre_depends="libc6 (>= 2.36)"),
	    D("tar", "1.34+dfsg-1.2+deb12u1", "utils", "GNU version of the tar archiving utility",
		priority="required", essential=True, pre_depends="libc6 (>= 2.34)"),
	    D("dpkg", "1.21.22", "admin", "Debian package management system",
		priority="required", essential=True,
		pre_depends="libbz2-1.0, libc6 (>= 2.34), liblzma5 (>= 5.4.0), libzstd1 (>= 1.5.2), "
		"zlib1g (>= 1:1.1.4), tar (>= 1.28-1)"),
	    D("tzdata", "2024a-0+deb12u1", "localization", "time zone and daylight-saving time data",
		arch="all", priority="required", depends="debconf (>= 0.5) | debconf-2.0"),
	]
	bd = {d.name: d for d in debs}
	files = {
	    "base-files": [
		("etc/os-release", b'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\n'
		    b'VERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n'),
		("etc/debian_version", b"12.8\n"),
		("usr/share/common-licenses/GPL-3", T(35 * k)),
		("usr/share/common-licenses/Apache-2.0", T(11 * k))],
	    "gcc-12-base": [],
	    "libgcc-s1": [(LIBDIR + "/libgcc_s.so.1", _lib(60 * k, "libgcc_s.so.1"))],
	    "libc6": [
		(LIBDIR + "/libc.so.6", E(420 * k, soname="libc.so.6", needed=["ld-linux-x86-64.so.2"], interp=LDSO)),
		(LIBDIR + "/libm.so.6", _lib(180 * k, "libm.so.6")),
		(LIBDIR + "/ld-linux-x86-64.so.2", E(90 * k, soname="ld-linux-x86-64.so.2")),
		("usr/lib64/ld-linux-x86-64.so.2", L("/" + LIBDIR + "/ld-linux-x86-64.so.2")),
		# glibc 2.34 folded libpthread into libc: the stub is linked by nothing.
		(LIBDIR + "/libpthread.so.0", _lib(21 * k, "libpthread.so.0")),
		("etc/ld.so.conf.d/x86_64-linux-gnu.conf",
		    b"# Multiarch support\n/usr/local/lib/x86_64-linux-gnu\n/lib/x86_64-linux-gnu\n/usr/lib/x86_64-linux-gnu\n")],
	    "libc-bin": [
		("usr/sbin/ldconfig", E(900 * k // 10)),		# static-pie
		("usr/bin/ldd", T(5 * k)),
		("etc/ld.so.conf", b"include /etc/ld.so.conf.d/*.conf\n\n"),
		("etc/ld.so.conf.d/libc.conf", b"# libc default configuration\n/usr/local/lib\n")],
	    "libstdc++6": [
		(LIBDIR + "/libstdc++.so.6.0.30", _lib(520 * k, "libstdc++.so.6", ["libm.so.6", "libgcc_s.so.1"])),
		(LIBDIR + "/libstdc++.so.6", L("libstdc++.so.6.0.30"))],
	    "zlib1g": _solib(LIBDIR, "libz.so.1.2.13", "libz.so.1", 50 * k),
	    "libzstd1": _solib(LIBDIR, "libzstd.so.1.5.4", "libzstd.so.1", 110 * k),
	    "libgmp10": _solib(LIBDIR, "libgmp.so.10.4.1", "libgmp.so.10", 150 * k),
	    "libbz2-1.0": _solib(LIBDIR, "libbz2.so.1.0.4", "libbz2.so.1.0", 30 * k),
	    "liblzma5": _solib(LIBDIR, "liblzma.so.5.4.1", "liblzma.so.5", 60 * k),
	    "libcrypt1": _solib(LIBDIR, "libcrypt.so.1.1.0", "libcrypt.so.1", 40 * k),
	    "libssl3": [
		(LIBDIR + "/libssl.so.3", _lib(140 * k, "libssl.so.3", ["libcrypto.so.3"])),
		(LIBDIR + "/libcrypto.so.3", _lib(300 * k, "libcrypto.so.3")),
		# An OpenSSL provider: libcrypto loads it (a plugin directory).
		(LIBDIR + "/ossl-modules/legacy.so", E(40 * k, needed=["libcrypto.so.3"] + SV_LIBC))],
	    "perl-base": [
		("usr/bin/perl", _exe(200 * k, ["libcrypt.so.1", "libm.so.6"])),
		("usr/lib/x86_64-linux-gnu/perl-base/strict.pm", T(4 * k)),
		("usr/lib/x86_64-linux-gnu/perl-base/warnings.pm", T(20 * k))],
	    "debconf": [
		("usr/share/perl5/Debconf/Config.pm", T(20 * k)),
		("usr/bin/debconf", T(3 * k))],
	    "coreutils": [("usr/bin/" + n, _exe(s * k, [])) for n, s in (
		("ls", 140), ("cat", 44), ("cp", 140), ("mv", 136), ("rm", 72), ("mkdir", 84),
		("env", 48), ("sort", 120))] + [("usr/share/man/man1/ls.1.gz", G(30 * k))],
	    "bash": [
		("usr/bin/bash", _exe(280 * k, [])),
		("etc/bash.bashrc", T(2 * k)),
		("usr/share/man/man1/bash.1.gz", G(120 * k))],
	    "tar": [("usr/bin/tar", _exe(180 * k, []))],
	    "dpkg": [
		("usr/bin/dpkg", _exe(300 * k, ["libz.so.1", "liblzma.so.5", "libzstd.so.1", "libbz2.so.1.0"])),
		("usr/bin/dpkg-query", _exe(140 * k, [])),
		("etc/dpkg/dpkg.cfg", T(446)),
		("usr/share/man/man1/dpkg.1.gz", G(40 * k))],
	    "tzdata": [("usr/share/zoneinfo/" + z, R(rng.randint(120, 3000))) for z in (
		"UTC", "Etc/UTC", "Europe/Berlin", "Europe/London", "America/New_York",
		"America/Los_Angeles", "Asia/Tokyo", "Australia/Sydney")],
	}
	for d in debs:
		sv_deb(l0, book, rng, d, files[d.name])
	sv_dpkg_write(l0, debs, debs)
	l0.file("var/log/dpkg.log", text(rng, 14 * k))
	l0.file("etc/ld.so.cache", rng.randbytes(11 * k))
	return l0, debs


def sv_apt_layer(book, rng, k, base_debs):
	"""
	Layer 1: apt-get install build-essential python3 python3-pip, with
	apt's default Recommends: what Debian bookworm installs, trimmed to a
	readable set (each Depends line is the real one, minus packages left
	out; every package named is installed).  build-essential, python3 and
	python3-pip are manual; the rest Auto-Installed.
	"""
	l1 = Layer("/bin/sh -c apt-get update && apt-get install -y build-essential python3 python3-pip")
	D = SvDeb
	ga = "12.2.0-14"
	lc = "2.36-9+deb12u9"
	bu = "2.40-2"
	pl = "5.36.0-7+deb12u1"
	py = "3.11.2-6+deb12u4"
	st = "66.1.1-1+deb12u1"
	gcc_libs = ("libc6 (>= 2.34), libgmp10 (>= 2:5.0.1~), libisl23 (>= 0.15), libmpc3 (>= 1.1.0), "
	    "libmpfr6 (>= 3.1.3), libzstd1 (>= 1.5.2), zlib1g (>= 1:1.1.4)")
	auto = True
	debs = [
	    D("build-essential", "12.9", "devel", "Informational list of build-essential packages",
		depends="libc6-dev | libc-dev, gcc (>= 4:12.2), g++ (>= 4:12.2), make, dpkg-dev (>= 1.17.11)"),
	    D("gcc", "4:12.2.0-3", "devel", "GNU C compiler", auto=auto,
		depends="cpp (= 4:12.2.0-3), gcc-12 (>= 12.2.0-1~)", recommends="libc6-dev | libc-dev"),
	    D("g++", "4:12.2.0-3", "devel", "GNU C++ compiler", auto=auto,
		depends="cpp (= 4:12.2.0-3), gcc (= 4:12.2.0-3), g++-12 (>= 12.2.0-1~), gcc-12 (>= 12.2.0-1~)"),
	    D("cpp", "4:12.2.0-3", "interpreters", "GNU C preprocessor (cpp)", auto=auto,
		depends="cpp-12 (>= 12.2.0-1~)"),
	    D("gcc-12", ga, "devel", "GNU C compiler", auto=auto,
		depends="cpp-12 (= %s), gcc-12-base (= %s), libcc1-0 (>= %s), binutils (>= 2.40), "
		"libgcc-12-dev (= %s), libc6 (>= 2.36), libgcc-s1 (>= 3.0), libgmp10 (>= 2:5.0.1~), "
		"libisl23 (>= 0.15), libmpc3 (>= 1.1.0), libmpfr6 (>= 3.1.3), libstdc++6 (>= 5), "
		"libzstd1 (>= 1.5.2), zlib1g (>= 1:1.1.4)" % (ga, ga, ga, ga),
		recommends="libc6-dev (>= 2.36)"),
	    D("cpp-12", ga, "interpreters", "GNU C preprocessor", auto=auto,
		depends="gcc-12-base (= %s), %s" % (ga, gcc_libs)),
	    D("g++-12", ga, "devel", "GNU C++ compiler", auto=auto,
		depends="gcc-12-base (= %s), gcc-12 (= %s), libstdc++-12-dev (= %s), %s" % (ga, ga, ga, gcc_libs)),
	    D("libgcc-12-dev", ga, "libdevel", "GCC support library (development files)", auto=auto,
		depends="gcc-12-base (= %s), libgcc-s1 (>= %s), libgomp1 (>= %s), libatomic1 (>= %s), "
		"libasan8 (>= %s), libubsan1 (>= %s)" % (ga, ga, ga, ga, ga, ga), multi_arch="same"),
	    D("libstdc++-12-dev", ga, "libdevel", "GNU Standard C++ Library v3 (development files)",
		auto=auto, depends="gcc-12-base (= %s), libgcc-12-dev (= %s), libstdc++6 (>= %s), "
		"libc6-dev (>= 2.13-5)" % (ga, ga, ga), multi_arch="same"),
	    D("libc6-dev", lc, "libdevel", "GNU C Library: Development Libraries and Header Files",
		auto=auto, depends="libc6 (= %s), libc-dev-bin (= %s), linux-libc-dev, libcrypt-dev" % (lc, lc),
		multi_arch="same"),
	    D("libc-dev-bin", lc, "libdevel", "GNU C Library: Development binaries", auto=auto,
		depends="libc6 (>> 2.36), libc6 (<< 2.37)"),
	    D("linux-libc-dev", "6.1.119-1", "devel", "Linux support headers for userspace development",
		auto=auto, multi_arch="same"),
	    D("libcrypt-dev", "1:4.4.33-2", "libdevel", "libcrypt development files", auto=auto,
		depends="libcrypt1 (= 1:4.4.33-2)", multi_arch="same"),
	    D("binutils", bu, "devel", "GNU assembler, linker and binary utilities", auto=auto,
		depends="binutils-common (= %s), libbinutils (= %s), binutils-x86-64-linux-gnu (= %s)" % (bu, bu, bu)),
	    D("binutils-common", bu, "devel", "Common files for the GNU assembler, linker and binary utilities",
		auto=auto, multi_arch="same"),
	    D("libbinutils", bu, "devel", "GNU binary utilities (private shared library)", auto=auto,
		depends="binutils-common (= %s), libc6 (>= 2.34), libzstd1 (>= 1.5.2), zlib1g (>= 1:1.2.0)" % bu,
		multi_arch="same"),
	    D("binutils-x86-64-linux-gnu", bu, "devel", "GNU binary utilities, for x86-64-linux-gnu target",
		auto=auto, depends="binutils-common (= %s), libbinutils (= %s), libc6 (>= 2.36), "
		"libctf0 (>= 2.36), libstdc++6 (>= 5), libzstd1 (>= 1.5.2), zlib1g (>= 1:1.1.4)" % (bu, bu)),
	    D("libctf0", bu, "libs", "Compact C Type Format library (runtime, BFD dependency)", auto=auto,
		depends="libbinutils (= %s), libc6 (>= 2.14), zlib1g (>= 1:1.2.0)" % bu, multi_arch="same"),
	    D("make", "4.3-4.1", "devel", "utility for directing compilation", auto=auto,
		depends="libc6 (>= 2.34)"),
	    D("dpkg-dev", "1.21.22", "utils", "Debian package development tools", arch="all", auto=auto,
		depends="perl:any, libdpkg-perl (= 1.21.22), tar (>= 1.28-1), bzip2, xz-utils (>= 5.2.4-1+b1), "
		"patch (>= 2.7), make, binutils",
		recommends="build-essential, gcc | c-compiler, fakeroot"),
	    D("libdpkg-perl", "1.21.22", "perl", "Dpkg perl modules", arch="all", auto=auto,
		depends="perl:any, dpkg (>= 1.18.11)"),
	    D("perl", pl, "perl", "Larry Wall's Practical Extraction and Report Language", auto=auto,
		depends="perl-base (= %s), perl-modules-5.36 (>= %s), libperl5.36 (= %s)" % (pl, pl, pl),
		pre_depends="dpkg (>= 1.17.17)"),
	    D("perl-modules-5.36", pl, "perl", "Core Perl modules", arch="all", auto=auto,
		depends="perl-base (>= 5.36.0-1)"),
	    D("libperl5.36", pl, "libs", "shared Perl library", auto=auto,
		depends="libbz2-1.0, libc6 (>= 2.35), libcrypt1 (>= 1:4.1.0), perl-modules-5.36 (>= %s), "
		"zlib1g (>= 1:1.2.2.3)" % pl, multi_arch="same"),
	    D("bzip2", "1.0.8-5+b1", "utils", "high-quality block-sorting file compressor - utilities",
		auto=auto, depends="libbz2-1.0 (= 1.0.8-5+b1), libc6 (>= 2.34)"),
	    D("xz-utils", "5.4.1-0.2", "utils", "XZ-format compression utilities", auto=auto,
		depends="liblzma5 (>= 5.4.0), libc6 (>= 2.34)"),
	    D("patch", "2.7.6-7", "vcs", "Apply a diff file to an original", auto=auto,
		depends="libc6 (>= 2.34)"),
	    D("libcc1-0", ga, "libs", "GCC cc1 plugin for GDB", auto=auto,
		depends="gcc-12-base (= %s), libc6 (>= 2.14), libstdc++6 (>= 5.2)" % ga, multi_arch="same"),
	    D("libisl23", "0.25-1.1", "libs", "manipulating sets and relations of integer points bounded by linear constraints",
		auto=auto, depends="libc6 (>= 2.14), libgmp10 (>= 2:6.2.1+dfsg1)", multi_arch="same"),
	    D("libmpc3", "1.3.1-1", "libs", "multiple precision complex floating-point library", auto=auto,
		depends="libc6 (>= 2.4), libgmp10 (>= 2:5.0.1~), libmpfr6 (>= 4.1.0)", multi_arch="same"),
	    D("libmpfr6", "4.2.0-1", "libs", "multiple precision floating-point computation", auto=auto,
		depends="libc6 (>= 2.14), libgmp10 (>= 2:6.2.1+dfsg1)", multi_arch="same"),
	    D("libgomp1", ga, "libs", "GCC OpenMP (GOMP) support library", auto=auto,
		depends="gcc-12-base (= %s), libc6 (>= 2.34)" % ga, multi_arch="same"),
	    D("libatomic1", ga, "libs", "support library providing __atomic built-in functions", auto=auto,
		depends="gcc-12-base (= %s), libc6 (>= 2.14)" % ga, multi_arch="same"),
	    D("libasan8", ga, "libs", "AddressSanitizer -- a fast memory error detector", auto=auto,
		depends="gcc-12-base (= %s), libc6 (>= 2.34), libgcc-s1" % ga, multi_arch="same"),
	    D("libubsan1", ga, "libs", "UBSan -- undefined behaviour sanitizer (runtime)", auto=auto,
		depends="gcc-12-base (= %s), libc6 (>= 2.34), libgcc-s1 (>= 3.3), libstdc++6 (>= 4.1.1)" % ga,
		multi_arch="same"),
	    D("fakeroot", "1.31-1.2", "utils", "tool for simulating superuser privileges", auto=auto,
		depends="libfakeroot (= 1.31-1.2), libc6 (>= 2.34)"),
	    D("libfakeroot", "1.31-1.2", "libs", "tool for simulating superuser privileges - shared libraries",
		auto=auto, depends="libc6 (>= 2.34)", multi_arch="same"),
	    # python3 and python3-pip
	    D("python3", "3.11.2-1+b1", "python", "interactive high-level object-oriented language (default python3 version)",
		depends="python3.11 (>= 3.11.2-1~), libpython3-stdlib (= 3.11.2-1+b1)",
		pre_depends="python3-minimal (= 3.11.2-1+b1)", multi_arch="allowed"),
	    D("python3-minimal", "3.11.2-1+b1", "python", "minimal subset of the Python language (default python3 version)",
		auto=auto, pre_depends="python3.11-minimal (>= 3.11.2-1~)"),
	    D("python3.11", py, "python", "Interactive high-level object-oriented language (version 3.11)",
		auto=auto, depends="python3.11-minimal (= %s), libpython3.11-stdlib (= %s), "
		"media-types | mime-support, tzdata" % (py, py), recommends="ca-certificates"),
	    D("python3.11-minimal", py, "python", "Minimal subset of the Python language (version 3.11)",
		auto=auto, depends="libpython3.11-minimal (= %s)" % py,
		pre_depends="libc6 (>= 2.36), libexpat1 (>= 2.1~beta3), zlib1g (>= 1:1.2.0)"),
	    D("libpython3.11-minimal", py, "python", "Minimal subset of the Python language (version 3.11)",
		auto=auto, depends="libc6 (>= 2.14), libssl3 (>= 3.0.0)", multi_arch="same"),
	    D("libpython3.11-stdlib", py, "python", "Interactive high-level object-oriented language (standard library, version 3.11)",
		auto=auto, depends="libpython3.11-minimal (= %s), media-types | mime-support, libbz2-1.0, "
		"libc6 (>= 2.34), libcrypt1 (>= 1:4.1.0), libffi8 (>= 3.4), liblzma5 (>= 5.1.1alpha+20120614), "
		"libmpdec3 (>= 2.5.1), libsqlite3-0 (>= 3.36.0), libssl3 (>= 3.0.0)" % py, multi_arch="same"),
	    D("libpython3-stdlib", "3.11.2-1+b1", "python", "interactive high-level object-oriented language (default python3 version)",
		auto=auto, depends="libpython3.11-stdlib (>= 3.11.2-1~)", multi_arch="same"),
	    D("media-types", "10.0.0", "net", "List of standard media types and their usual file extension",
		arch="all", auto=auto),
	    D("libffi8", "3.4.4-1", "libs", "Foreign Function Interface library runtime", auto=auto,
		depends="libc6 (>= 2.34)", multi_arch="same"),
	    D("libmpdec3", "2.5.1-2", "libs", "library for decimal floating point arithmetic (runtime library)",
		auto=auto, depends="libc6 (>= 2.14)", multi_arch="same"),
	    D("libsqlite3-0", "3.40.1-2+deb12u1", "libs", "SQLite 3 shared library", auto=auto,
		depends="libc6 (>= 2.34)", multi_arch="same"),
	    D("libexpat1", "2.5.0-1+deb12u1", "libs", "XML parsing C library - runtime library", auto=auto,
		depends="libc6 (>= 2.25)", multi_arch="same"),
	    D("ca-certificates", "20230311", "misc", "Common CA certificates", arch="all", auto=auto,
		depends="openssl (>= 1.1.1), debconf (>= 0.5) | debconf-2.0"),
	    D("openssl", "3.0.15-1~deb12u1", "utils", "Secure Sockets Layer toolkit - cryptographic utility",
		auto=auto, depends="libc6 (>= 2.34), libssl3 (>= 3.0.9)"),
	    D("python3-pip", "23.0.1+dfsg-1", "python", "Python package installer", arch="all",
		depends="ca-certificates, python3-setuptools, python3-wheel, python3:any",
		recommends="build-essential"),
	    D("python3-setuptools", st, "python", "Python3 Distutils Enhancements", arch="all", auto=auto,
		depends="python3-pkg-resources (= %s), python3:any" % st),
	    D("python3-pkg-resources", st, "python", "Package Discovery and Resource Access using pkg_resources",
		arch="all", auto=auto, depends="python3:any"),
	    D("python3-wheel", "0.38.4-2", "python", "built-package format for Python", arch="all",
		auto=auto, depends="python3:any"),
	]
	GCCLIB = "usr/lib/gcc/x86_64-linux-gnu/12"
	cc1_needs = ["libisl.so.23", "libmpc.so.3", "libmpfr.so.6", "libgmp.so.10", "libzstd.so.1",
	    "libz.so.1", "libm.so.6"]
	man = "usr/share/man/man1/"
	STD = "usr/lib/python3.11/"
	DIST = "usr/lib/python3/dist-packages/"
	files = {
	    "build-essential": [("usr/share/build-essential/essential-packages-list", T(300)),
		("usr/share/build-essential/list", T(1100))],
	    "gcc": [("usr/bin/gcc", L("gcc-12")), ("usr/bin/x86_64-linux-gnu-gcc", L("x86_64-linux-gnu-gcc-12"))],
	    "g++": [("usr/bin/g++", L("g++-12")), ("usr/bin/x86_64-linux-gnu-g++", L("x86_64-linux-gnu-g++-12"))],
	    "cpp": [("usr/bin/cpp", L("cpp-12"))],
	    "gcc-12": [("usr/bin/gcc-12", L("x86_64-linux-gnu-gcc-12")),
		("usr/bin/x86_64-linux-gnu-gcc-12", _exe(250 * k, [])),
		(GCCLIB + "/collect2", _exe(120 * k, [])),
		(GCCLIB + "/lto-wrapper", _exe(90 * k, [])),
		# ld loads it with -plugin: nothing links to it.
		(GCCLIB + "/liblto_plugin.so", E(60 * k, needed=SV_LIBC)),
		(man + "x86_64-linux-gnu-gcc-12.1.gz", G(90 * k))],
	    "cpp-12": [("usr/bin/cpp-12", L("x86_64-linux-gnu-cpp-12")),
		("usr/bin/x86_64-linux-gnu-cpp-12", _exe(200 * k, [])),
		(GCCLIB + "/cc1", _exe(600 * k, cc1_needs))],
	    "g++-12": [("usr/bin/g++-12", L("x86_64-linux-gnu-g++-12")),
		("usr/bin/x86_64-linux-gnu-g++-12", _exe(230 * k, [])),
		(GCCLIB + "/cc1plus", _exe(700 * k, cc1_needs))],
	    "libgcc-12-dev": [(GCCLIB + "/libgcc.a", A(120 * k)), (GCCLIB + "/libgcc_eh.a", A(40 * k)),
		(GCCLIB + "/crtbegin.o", E(3 * k, etype=1)), (GCCLIB + "/crtend.o", E(2 * k, etype=1)),
		(GCCLIB + "/libgomp.so", L("../../../x86_64-linux-gnu/libgomp.so.1")),
		(GCCLIB + "/libatomic.so", L("../../../x86_64-linux-gnu/libatomic.so.1"))],
	    "libstdc++-12-dev": [("usr/include/c++/12/bits/%s.h" % h, T(s * k)) for h, s in (
		("stl_vector", 40), ("basic_string", 150), ("stl_algo", 200), ("shared_ptr_base", 70),
		("unordered_map", 80))] +
		[(GCCLIB + "/libstdc++.a", A(300 * k)), (GCCLIB + "/libsupc++.a", A(40 * k)),
		 (GCCLIB + "/libstdc++.so", L("../../../x86_64-linux-gnu/libstdc++.so.6"))],
	    "libc6-dev": [("usr/include/%s.h" % h, T(s * k)) for h, s in (
		("stdio", 30), ("stdlib", 40), ("string", 20), ("unistd", 45), ("pthread", 50),
		("math", 55), ("errno", 3), ("fcntl", 12), ("signal", 14), ("time", 14))] +
		[("usr/include/x86_64-linux-gnu/bits/%s.h" % h, T(s * k)) for h, s in (
		("types", 8), ("stdio2", 12), ("mathcalls", 22), ("pthreadtypes", 4))] +
		[(LIBDIR + "/crt1.o", E(4 * k, etype=1)), (LIBDIR + "/crti.o", E(2 * k, etype=1)),
		 (LIBDIR + "/crtn.o", E(2 * k, etype=1)),
		 (LIBDIR + "/libc.so", b"/* GNU ld script */\nOUTPUT_FORMAT(elf64-x86-64)\n"
		    b"GROUP ( /lib/x86_64-linux-gnu/libc.so.6 /usr/lib/x86_64-linux-gnu/libc_nonshared.a "
		    b" AS_NEEDED ( /lib64/ld-linux-x86-64.so.2 ) )\n"),
		 (LIBDIR + "/libc.a", A(640 * k)), (LIBDIR + "/libc_nonshared.a", A(20 * k)),
		 (LIBDIR + "/libm.a", A(160 * k)), (LIBDIR + "/libm.so", L("libm.so.6"))],
	    "libc-dev-bin": [("usr/bin/gencat", _exe(30 * k, [])), ("usr/bin/sprof", _exe(30 * k, [])),
		(man + "sprof.1.gz", G(6 * k))],
	    "linux-libc-dev": [("usr/include/linux/%s.h" % h, T(s * k)) for h, s in (
		("bpf", 70), ("perf_event", 45), ("videodev2", 80), ("input-event-codes", 30),
		("fs", 12), ("ioctl", 3), ("netlink", 10), ("if_link", 40), ("ethtool", 80),
		("nl80211", 130))] +
		[("usr/include/asm-generic/%s.h" % h, T(s * k)) for h, s in (
		("errno", 6), ("ioctls", 4), ("unistd", 30))] +
		[("usr/include/x86_64-linux-gnu/asm/%s.h" % h, T(s * k)) for h, s in (
		("unistd_64", 10), ("kvm", 18), ("ptrace", 3))],
	    "libcrypt-dev": [("usr/include/crypt.h", T(10 * k)), (LIBDIR + "/libcrypt.a", A(60 * k)),
		(LIBDIR + "/libcrypt.so", L("libcrypt.so.1.1.0"))],
	    "binutils": [("usr/bin/" + n, L("x86_64-linux-gnu-" + n)) for n in (
		"ld", "as", "objdump", "strip", "readelf")],
	    "binutils-common": [(LIBDIR + "/ldscripts/elf_x86_64.x", T(6 * k)),
		(LIBDIR + "/ldscripts/elf_x86_64.xc", T(6 * k)),
		(LIBDIR + "/ldscripts/elf_x86_64.xd", T(6 * k))],
	    "libbinutils": [
		(LIBDIR + "/libbfd-2.40-system.so", _lib(350 * k, "libbfd-2.40-system.so", ["libz.so.1", "libzstd.so.1"])),
		(LIBDIR + "/libopcodes-2.40-system.so", _lib(120 * k, "libopcodes-2.40-system.so", ["libbfd-2.40-system.so"]))],
	    "binutils-x86-64-linux-gnu": [
		("usr/bin/x86_64-linux-gnu-ld.bfd", _exe(80 * k, ["libbfd-2.40-system.so", "libctf.so.0", "libz.so.1"])),
		("usr/bin/x86_64-linux-gnu-ld", L("x86_64-linux-gnu-ld.bfd")),
		("usr/bin/x86_64-linux-gnu-as", _exe(150 * k, ["libopcodes-2.40-system.so", "libbfd-2.40-system.so"])),
		("usr/bin/x86_64-linux-gnu-objdump", _exe(140 * k, ["libopcodes-2.40-system.so", "libbfd-2.40-system.so", "libctf.so.0"])),
		("usr/bin/x86_64-linux-gnu-strip", _exe(100 * k, ["libbfd-2.40-system.so"])),
		("usr/bin/x86_64-linux-gnu-readelf", _exe(200 * k, ["libz.so.1"])),
		(man + "x86_64-linux-gnu-ld.1.gz", G(60 * k)),
		(man + "x86_64-linux-gnu-objdump.1.gz", G(30 * k))],
	    "libctf0": _solib(LIBDIR, "libctf.so.0.0.0", "libctf.so.0", 90 * k, ["libbfd-2.40-system.so", "libz.so.1"]),
	    "make": [("usr/bin/make", _exe(250 * k, [])), (man + "make.1.gz", G(25 * k))],
	    "dpkg-dev": [("usr/bin/" + n, T(s * k)) for n, s in (
		("dpkg-buildpackage", 30), ("dpkg-source", 20), ("dpkg-shlibdeps", 35),
		("dpkg-architecture", 12), ("dpkg-genchanges", 16))] +
		[(man + "dpkg-buildpackage.1.gz", G(40 * k)), (man + "dpkg-source.1.gz", G(50 * k))],
	    "libdpkg-perl": [("usr/share/perl5/Dpkg/%s.pm" % m, T(s * k)) for m, s in (
		("Source/Package", 30), ("Shlibs/Objdump", 14), ("Control/FieldsCore", 40),
		("Deps", 16), ("Version", 14), ("Vendor/Debian", 8), ("Changelog/Debian", 10))],
	    "perl": [("usr/bin/perl5.36-x86_64-linux-gnu", _exe(30 * k, ["libperl.so.5.36"])),
		("usr/bin/cpan", T(9 * k)), ("usr/bin/perldoc", T(1 * k)),
		(man + "cpan.1.gz", G(20 * k))],
	    "perl-modules-5.36": [("usr/share/perl/5.36/%s.pm" % m, T(s * k)) for m, s in (
		("File/Temp", 50), ("Getopt/Long", 50), ("Pod/Usage", 30), ("Text/Wrap", 6),
		("File/Find", 30), ("CPAN", 140), ("Storable", 40))],
	    "libperl5.36": _solib(LIBDIR, "libperl.so.5.36.0", "libperl.so.5.36", 380 * k,
		["libcrypt.so.1", "libm.so.6"]),
	    "bzip2": [("usr/bin/bzip2", _exe(40 * k, ["libbz2.so.1.0"])), ("usr/bin/bunzip2", L("bzip2")),
		(man + "bzip2.1.gz", G(12 * k))],
	    "xz-utils": [("usr/bin/xz", _exe(80 * k, ["liblzma.so.5"])), ("usr/bin/unxz", L("xz")),
		("usr/bin/xzcat", L("xz")), (man + "xz.1.gz", G(30 * k))],
	    "patch": [("usr/bin/patch", _exe(180 * k, [])), (man + "patch.1.gz", G(14 * k))],
	    "libcc1-0": _solib(LIBDIR, "libcc1.so.0.0.0", "libcc1.so.0", 130 * k, ["libstdc++.so.6"]),
	    "libisl23": _solib(LIBDIR, "libisl.so.23.2.0", "libisl.so.23", 250 * k, ["libgmp.so.10"]),
	    "libmpc3": _solib(LIBDIR, "libmpc.so.3.3.1", "libmpc.so.3", 80 * k, ["libmpfr.so.6", "libgmp.so.10"]),
	    "libmpfr6": _solib(LIBDIR, "libmpfr.so.6.2.0", "libmpfr.so.6", 160 * k, ["libgmp.so.10"]),
	    "libgomp1": _solib(LIBDIR, "libgomp.so.1.0.0", "libgomp.so.1", 120 * k),
	    "libatomic1": _solib(LIBDIR, "libatomic.so.1.2.0", "libatomic.so.1", 20 * k),
	    "libasan8": _solib(LIBDIR, "libasan.so.8.0.0", "libasan.so.8", 200 * k, ["libm.so.6", "libgcc_s.so.1"]),
	    "libubsan1": _solib(LIBDIR, "libubsan.so.1.0.0", "libubsan.so.1", 80 * k, ["libstdc++.so.6"]),
	    "fakeroot": [("usr/bin/fakeroot-sysv", T(8 * k)), ("usr/bin/faked-sysv", _exe(40 * k, [])),
		("usr/bin/fakeroot", L("/etc/alternatives/fakeroot")),
		(man + "fakeroot-sysv.1.gz", G(8 * k))],
	    # LD_PRELOADed by the fakeroot script: nothing links to it.
	    "libfakeroot": [(LIBDIR + "/libfakeroot/libfakeroot-sysv.so", E(60 * k, soname="libfakeroot-0.so", needed=SV_LIBC)),
		("etc/ld.so.conf.d/fakeroot-x86_64-linux-gnu.conf", b"/usr/lib/x86_64-linux-gnu/libfakeroot\n")],
	    "python3": [("usr/bin/python3", L("python3.11")),
		("usr/share/python3/debian_defaults", T(300)),
		("usr/share/python3/debpython/files.py", T(2 * k)),
		("usr/share/python3/debpython/version.py", T(6 * k)),
		(man + "python3.1.gz", L("python3.11.1.gz"))],
	    "python3-minimal": [],
	    "python3.11": [("usr/bin/pydoc3.11", b"#! /usr/bin/python3.11\n\nimport pydoc\nif __name__ == '__main__':\n    pydoc.cli()\n"),
		(man + "python3.11.1.gz", G(14 * k))],
	    "python3.11-minimal": [("usr/bin/python3.11", _exe(500 * k, ["libm.so.6", "libz.so.1", "libexpat.so.1"]))],
	    "libpython3.11-minimal": [(STD + m + ".py", T(s * k)) for m, s in (
		("os", 39), ("abc", 6), ("codecs", 36), ("io", 4), ("site", 23), ("_collections_abc", 32),
		("functools", 38), ("re/__init__", 16), ("re/_compiler", 26), ("enum", 76), ("types", 10),
		("posixpath", 16), ("genericpath", 5), ("stat", 5), ("_sitebuiltins", 3))],
	    "libpython3.11-stdlib": [(STD + m + ".py", T(s * k)) for m, s in (
		("subprocess", 86), ("typing", 118), ("json/__init__", 14), ("json/decoder", 12),
		("collections/__init__", 52), ("pathlib", 50), ("shutil", 56), ("tarfile", 104),
		("zipfile", 88), ("argparse", 100), ("logging/__init__", 80), ("asyncio/base_events", 76),
		("email/message", 46), ("http/client", 58), ("inspect", 124), ("dataclasses", 58),
		("threading", 58), ("socket", 37), ("ssl", 54), ("decimal", 1), ("sqlite3/__init__", 2))] +
		[(STD + "lib-dynload/%s.cpython-311-x86_64-linux-gnu.so" % m, E(s * k, needed=n + SV_LIBC)) for m, s, n in (
		("_ssl", 80, ["libssl.so.3", "libcrypto.so.3"]), ("_ctypes", 60, ["libffi.so.8"]),
		("_decimal", 90, ["libmpdec.so.3", "libm.so.6"]), ("_sqlite3", 40, ["libsqlite3.so.0"]),
		("_json", 30, []))],
	    "libpython3-stdlib": [],
	    "media-types": [("etc/mime.types", T(20 * k))],
	    "libffi8": _solib(LIBDIR, "libffi.so.8.1.2", "libffi.so.8", 40 * k),
	    "libmpdec3": _solib(LIBDIR, "libmpdec.so.2.5.1", "libmpdec.so.3", 120 * k, ["libm.so.6"]),
	    "libsqlite3-0": _solib(LIBDIR, "libsqlite3.so.0.8.6", "libsqlite3.so.0", 300 * k, ["libm.so.6"]),
	    "libexpat1": _solib(LIBDIR, "libexpat.so.1.8.10", "libexpat.so.1", 90 * k),
	    "ca-certificates": [("usr/share/ca-certificates/mozilla/%s.crt" % n, T(2 * k)) for n in (
		"ISRG_Root_X1", "DigiCert_Global_Root_G2", "GlobalSign_Root_CA", "Amazon_Root_CA_1",
		"Baltimore_CyberTrust_Root", "USERTrust_RSA_Certification_Authority")] +
		[("usr/sbin/update-ca-certificates", T(7 * k))],
	    "openssl": [("usr/bin/openssl", _exe(200 * k, ["libssl.so.3", "libcrypto.so.3"])),
		("etc/ssl/openssl.cnf", T(12 * k))],
	    "python3-pip": [("usr/bin/pip3", b"#!/usr/bin/python3\nimport re\nimport sys\n"
		b"from pip._internal.cli.main import main\nif __name__ == '__main__':\n    sys.exit(main())\n")] +
		[(DIST + "pip/%s.py" % m, T(s * k)) for m, s in (
		("__init__", 1), ("_internal/req/req_install", 34), ("_internal/index/package_finder", 38),
		("_internal/resolution/resolvelib/factory", 30), ("_vendor/rich/console", 98),
		("_vendor/requests/models", 35), ("_vendor/pygments/lexer", 34),
		("_vendor/urllib3/connectionpool", 40))],
	    "python3-setuptools": [(DIST + m + ".py", T(s * k)) for m, s in (
		("setuptools/__init__", 9), ("setuptools/dist", 45), ("setuptools/command/build_ext", 16),
		("setuptools/_distutils/ccompiler", 48), ("_distutils_hack/__init__", 6))],
	    "python3-pkg-resources": [(DIST + "pkg_resources/__init__.py", T(140 * k)),
		(DIST + "pkg_resources/_vendor/packaging/version.py", T(16 * k))],
	    "python3-wheel": [(DIST + "wheel/%s.py" % m, T(s * k)) for m, s in (
		("__init__", 1), ("bdist_wheel", 20), ("wheelfile", 7), ("metadata", 6))],
	}
	for d in debs:
		sv_deb(l1, book, rng, d, files[d.name])
	l1.symlink("etc/alternatives/fakeroot", "/usr/bin/fakeroot-sysv")
	l1.file("etc/ssl/certs/ca-certificates.crt", text(rng, 150 * k))	# update-ca-certificates
	lists = "var/lib/apt/lists/"
	l1.file(lists + "deb.debian.org_debian_dists_bookworm_InRelease", text(rng, 151 * k))
	l1.file(lists + "deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4", rng.randbytes(560 * k))
	l1.file(lists + "deb.debian.org_debian_dists_bookworm-updates_InRelease", text(rng, 55 * k))
	l1.file(lists + "deb.debian.org_debian_dists_bookworm-updates_main_binary-amd64_Packages.lz4", rng.randbytes(3 * k))
	l1.file(lists + "deb.debian.org_debian-security_dists_bookworm-security_InRelease", text(rng, 48 * k))
	l1.file(lists + "deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages.lz4", rng.randbytes(150 * k))
	l1.file(lists + "lock", b"")
	l1.dir(lists + "partial", 0o700)
	l1.dir("var/cache/apt/archives/partial", 0o700)	# docker-clean: no .deb, no pkgcache.bin
	l1.file("var/lib/apt/extended_states", sv_extended_states(debs))
	sv_dpkg_write(l1, base_debs + debs, debs)		# rewrites status: the old one is waste
	l1.file("var/log/apt/history.log", text(rng, 6 * k))
	l1.file("var/log/apt/term.log", text(rng, 40 * k))
	l1.file("var/log/dpkg.log", text(rng, 60 * k))	# rewrites layer 0's
	l1.file("etc/ld.so.cache", rng.randbytes(19 * k))		# ldconfig trigger
	return l1, debs

# The nvidia-*-cu12 wheels torch 2.5.1 requires: (wheel, version, directory
# under site-packages/nvidia, libraries (file, soname, size KiB, DT_NEEDED,
# DT_RUNPATH, debug KiB), headers (name, KiB), Requires-Dist).  Sonames as
# the CUDA 12.4 wheels ship them (kb-facts.md 1.3); sizes scaled down.
SV_NVIDIA = [
    ("nvidia-cublas-cu12", "12.4.5.8", "cublas",
	[("libcublas.so.12", 150, ["libcublasLt.so.12"], "$ORIGIN", 0),
	 ("libcublasLt.so.12", 420, [], "$ORIGIN", 0),
	 ("libnvblas.so.12", 17, ["libcublas.so.12"], "$ORIGIN", 0)],
	[("cublas_api.h", 60), ("cublasLt.h", 40), ("cublas_v2.h", 8)], []),
    ("nvidia-cuda-cupti-cu12", "12.4.127", "cuda_cupti",
	[("libcupti.so.12", 95, [], "$ORIGIN", 0),
	 ("libnvperf_host.so", 128, [], "$ORIGIN", 0),
	 ("libpcsamplingutil.so", 14, [], "$ORIGIN", 0)],
	[("cupti.h", 6), ("cupti_activity.h", 70)], []),
    ("nvidia-cuda-nvrtc-cu12", "12.4.127", "cuda_nvrtc",
	[("libnvrtc.so.12", 186, [], "$ORIGIN", 0),
	 ("libnvrtc-builtins.so.12.4", 44, [], "$ORIGIN", 0)],
	[("nvrtc.h", 30)], []),
    ("nvidia-cuda-runtime-cu12", "12.4.127", "cuda_runtime",
	[("libcudart.so.12", 58, [], "$ORIGIN", 0)],
	[("cuda_runtime_api.h", 90), ("driver_types.h", 110), ("cuda.h", 50)], []),
    ("nvidia-cudnn-cu12", "9.1.0.70", "cudnn",
	[("libcudnn.so.9", 9, [], "$ORIGIN", 0),
	 ("libcudnn_graph.so.9", 48, [], "$ORIGIN", 0),
	 ("libcudnn_ops.so.9", 98, ["libcudnn_graph.so.9"], "$ORIGIN", 0),
	 ("libcudnn_cnn.so.9", 34, ["libcudnn_ops.so.9", "libcudnn_graph.so.9"], "$ORIGIN", 0),
	 ("libcudnn_adv.so.9", 113, ["libcudnn_ops.so.9", "libcudnn_graph.so.9"], "$ORIGIN", 0),
	 ("libcudnn_engines_precompiled.so.9", 300, ["libcudnn_graph.so.9"], "$ORIGIN", 0),
	 ("libcudnn_engines_runtime_compiled.so.9", 32, ["libcudnn_graph.so.9"], "$ORIGIN", 0),
	 ("libcudnn_heuristic.so.9", 66, ["libcudnn_graph.so.9"], "$ORIGIN", 0)],
	[("cudnn.h", 3), ("cudnn_graph.h", 36), ("cudnn_ops.h", 64)],
	["nvidia-cublas-cu12"]),
    ("nvidia-cufft-cu12", "11.2.1.3", "cufft",
	[("libcufft.so.11", 270, [], "$ORIGIN", 0),
	 ("libcufftw.so.11", 23, ["libcufft.so.11"], "$ORIGIN", 0)],
	[("cufft.h", 13), ("cufftXt.h", 11)], ["nvidia-nvjitlink-cu12"]),
    ("nvidia-curand-cu12", "10.3.5.147", "curand",
	[("libcurand.so.10", 205, [], "$ORIGIN", 0)],
	[("curand.h", 44), ("curand_kernel.h", 52)], []),
    ("nvidia-cusolver-cu12", "11.6.1.9", "cusolver",
	[("libcusolver.so.11", 236, ["libcublas.so.12", "libcublasLt.so.12", "libcusparse.so.12", "libnvJitLink.so.12"],
	    "$ORIGIN/../../cublas/lib:$ORIGIN/../../cusparse/lib:$ORIGIN/../../nvjitlink/lib:$ORIGIN", 0),
	 ("libcusolverMg.so.11", 106, ["libcublas.so.12", "libcublasLt.so.12", "libnvJitLink.so.12"],
	    "$ORIGIN/../../cublas/lib:$ORIGIN/../../nvjitlink/lib:$ORIGIN", 0)],
	[("cusolverDn.h", 150), ("cusolverSp.h", 20)],
	["nvidia-cublas-cu12", "nvidia-nvjitlink-cu12", "nvidia-cusparse-cu12"]),
    ("nvidia-cusparse-cu12", "12.3.1.170", "cusparse",
	[("libcusparse.so.12", 320, ["libnvJitLink.so.12"], "$ORIGIN/../../nvjitlink/lib:$ORIGIN", 0)],
	[("cusparse.h", 130)], ["nvidia-nvjitlink-cu12"]),
    ("nvidia-nccl-cu12", "2.21.5", "nccl",
	[("libnccl.so.2", 240, [], "$ORIGIN", 70)],
	[("nccl.h", 20), ("nccl_net.h", 18)], []),
    ("nvidia-nvjitlink-cu12", "12.4.127", "nvjitlink",
	[("libnvJitLink.so.12", 165, [], "$ORIGIN", 0)],
	[("nvJitLink.h", 16)], []),
    ("nvidia-nvtx-cu12", "12.4.127", "nvtx",
	[("libnvToolsExt.so.1", 11, [], "$ORIGIN", 0)],
	[("nvToolsExt.h", 52), ("nvToolsExtCuda.h", 6)], []),
]

# torch 2.5.1's Requires-Dist, as PyPI's METADATA has it.
SV_TORCH_REQUIRES = [
    "filelock", "typing-extensions>=4.8.0", "networkx", "jinja2", "fsspec",
    'nvidia-cuda-nvrtc-cu12==12.4.127; platform_system == "Linux" and platform_machine == "x86_64"',
    'nvidia-cuda-runtime-cu12==12.4.127; platform_system == "Linux" and platform_machine == "x86_64"',
    'nvidia-cuda-cupti-cu12==12.4.127; platform_system == "Linux" and platform_machine == "x86_64"',
    'nvidia-cudnn-cu12==9.1.0.70; platform_system == "Linux" and platform_machine == "x86_64"',
    'nvidia-cublas-cu12==12.4.5.8; platform_system == "Linux" and platform_machine == "x86_64"',
    'nvidia-cufft-cu12==11.2.1.3; platform_system == "Linux" and platform_machine == "x86_64"',
    'nvidia-curand-cu12==10.3.5.147; platform_system == "Linux" and platform_machine == "x86_64"',
    'nvidia-cusolver-cu12==11.6.1.9; platform_system == "Linux" and platform_machine == "x86_64"',
    'nvidia-cusparse-cu12==12.3.1.170; platform_system == "Linux" and platform_machine == "x86_64"',
    'nvidia-nccl-cu12==2.21.5; platform_system == "Linux" and platform_machine == "x86_64"',
    'nvidia-nvtx-cu12==12.4.127; platform_system == "Linux" and platform_machine == "x86_64"',
    'nvidia-nvjitlink-cu12==12.4.127; platform_system == "Linux" and platform_machine == "x86_64"',
    'triton==3.1.0; platform_system == "Linux" and platform_machine == "x86_64" and python_version < "3.13"',
    'setuptools; python_version >= "3.12"',
    'sympy==1.12.1; python_version == "3.8"',
    'sympy==1.13.1; python_version >= "3.9"',
    "Provides-Extra: opt-einsum",
    'opt-einsum>=3.3; extra == "opt-einsum"',
    "Provides-Extra: optree",
    'optree>=0.12.0; extra == "optree"',
]
# What they come to for CPython 3.11 on Linux x86_64: setuptools (>= 3.12)
# and sympy 1.12.1 (3.8) drop out, the extras do not count.
SV_TORCH_EDGES = ["filelock", "typing-extensions", "networkx", "jinja2", "fsspec"] + \
    [w[0] for w in SV_NVIDIA] + ["triton", "sympy"]


def sv_pip_layer(book, rng, k):
	"""Layer 2: pip install torch numpy scipy safetensors tensorboard jupyter."""
	l2 = Layer("/bin/sh -c pip install torch==2.5.1 numpy==1.26.4 scipy==1.14.1 "
	    "safetensors==0.4.5 tensorboard==2.18.0 jupyter==1.1.1")
	S = SITE

	def P(name, version, files, **kw):
		sv_pip(l2, book, rng, S, name, version, files, **kw)

	def py(prefix, mods):
		return [("%s/%s.py" % (prefix, m), T(int(s * k))) for m, s in mods]

	def hdr(prefix, hs):
		return [("%s/%s" % (prefix, h), T(int(s * k))) for h, s in hs]

	# torch and what it requires.
	P("torch", "2.5.1", [
	    ("torch/_C.cpython-311-x86_64-linux-gnu.so", E(40 * k, needed=["libtorch_python.so"] + SV_LIBC, runpath="$ORIGIN/lib")),
	    ("torch/lib/libtorch_python.so", E(300 * k, soname="libtorch_python.so", needed=[
		"libtorch.so", "libshm.so", "libtorch_cpu.so", "libtorch_cuda.so", "libc10_cuda.so", "libc10.so",
		"libcudart.so.12", "libnvToolsExt.so.1", "libstdc++.so.6", "libgcc_s.so.1"] + SV_LIBC,
		runpath=SV_TORCH_RUNPATH)),
	    ("torch/lib/libtorch.so", E(20 * k, soname="libtorch.so", needed=["libtorch_cpu.so", "libtorch_cuda.so"] + SV_LIBC,
		runpath="$ORIGIN")),
	    ("torch/lib/libtorch_cpu.so", E(700 * k, soname="libtorch_cpu.so", needed=[
		"libc10.so", "libgomp-a34b3233.so.1", "libstdc++.so.6", "libm.so.6"] + SV_LIBC, runpath="$ORIGIN")),
	    ("torch/lib/libtorch_cuda.so", E(600 * k, soname="libtorch_cuda.so", needed=[
		"libc10_cuda.so", "libcudart.so.12", "libcusparse.so.12", "libcufft.so.11", "libcurand.so.10",
		"libcusolver.so.11", "libcublas.so.12", "libcublasLt.so.12", "libcudnn.so.9", "libnccl.so.2",
		"libnvToolsExt.so.1", "libcupti.so.12", "libtorch_cpu.so", "libc10.so", "libstdc++.so.6"] + SV_LIBC,
		runpath=SV_TORCH_RUNPATH)),
	    ("torch/lib/libc10.so", E(80 * k, soname="libc10.so", needed=["libstdc++.so.6"] + SV_LIBC)),
	    ("torch/lib/libc10_cuda.so", E(40 * k, soname="libc10_cuda.so", needed=["libcudart.so.12", "libc10.so"] + SV_LIBC,
		runpath=SV_TORCH_RUNPATH)),
	    ("torch/lib/libgomp-a34b3233.so.1", E(40 * k, soname="libgomp-a34b3233.so.1", needed=SV_LIBC)),
	    ("torch/lib/libshm.so", E(20 * k, soname="libshm.so", needed=["libtorch_cpu.so", "libc10.so"] + SV_LIBC,
		runpath="$ORIGIN")),
	    ("torch/bin/torch_shm_manager", E(30 * k, interp=LDSO, needed=["libshm.so", "libtorch_cpu.so", "libc10.so"] + SV_LIBC,
		runpath="$ORIGIN/../lib"))] +
	    py("torch", (("__init__", 100), ("_tensor", 60), ("functional", 40), ("nn/__init__", 2),
		("nn/functional", 120), ("nn/modules/module", 100), ("cuda/__init__", 40),
		("_dynamo/eval_frame", 60), ("distributed/run", 30), ("serialization", 55))) +
	    hdr("torch/include", (("ATen/Tensor.h", 10), ("ATen/Functions.h", 60), ("ATen/core/TensorBody.h", 260),
		("ATen/ops/add.h", 4), ("c10/core/TensorImpl.h", 40), ("c10/cuda/CUDAStream.h", 9),
		("torch/csrc/api/include/torch/nn/module.h", 20))),
	    requires=SV_TORCH_REQUIRES, edges=SV_TORCH_EDGES, requested=True, meta_pad=24 * k,
	    scripts=[("torchrun", "torch.distributed.run:main")],
	    summary="Tensors and Dynamic neural networks in Python with strong GPU acceleration")
	for wheel, version, comp, libs, hdrs, req in SV_NVIDIA:
		base = "nvidia/" + comp
		files = [(base + "/__init__.py", b""), (base + "/lib/__init__.py", b"")]
		for fname, size, needed, runpath, debug in libs:
			files.append((base + "/lib/" + fname, E(size * k, soname=fname, needed=needed + SV_LIBC,
			    runpath=runpath, debug=debug * k)))
		files += hdr(base + "/include", hdrs)
		P(wheel, version, files, requires=req, edges=req, meta_pad=1600,
		    license="NVIDIA Proprietary Software", tag="py3-none-manylinux2014_x86_64",
		    summary="CUDA %s native libraries" % comp)
	P("triton", "3.1.0", py("triton", (("__init__", 2), ("compiler/compiler", 16), ("runtime/jit", 38),
	    ("language/core", 70), ("backends/nvidia/driver", 18))) + [
	    # triton ships its own ptxas and cuda.h for torch.compile.
	    ("triton/backends/nvidia/bin/ptxas", E(220 * k, etype=2)),
	    ("triton/backends/nvidia/include/cuda.h", T(48 * k))],
	    requires=["filelock", 'cmake>=3.20; extra == "build"', 'lit; extra == "build"',
		'autopep8; extra == "tests"', 'pytest; extra == "tests"'],
	    edges=["filelock"], meta_pad=900, license="MIT",
	    summary="A language and compiler for custom Deep Learning operations")
	P("sympy", "1.13.1", py("sympy", (("__init__", 29), ("core/expr", 140), ("core/basic", 70),
	    ("printing/latex", 120), ("solvers/solvers", 130), ("core/tests/__init__", 0),
	    ("core/tests/test_expr", 70))),
	    requires=["mpmath<1.4,>=1.1.0", "Provides-Extra: dev", 'hypothesis>=6.70.0; extra == "dev"',
		'pytest>=7.1.0; extra == "dev"'],
	    edges=["mpmath"], meta_pad=2 * k, scripts=[("isympy", "isympy:main")],
	    summary="Computer algebra system (CAS) in Python")
	P("mpmath", "1.3.0", py("mpmath", (("__init__", 8), ("ctx_mp", 49), ("libmp/libmpf", 45),
	    ("tests/__init__", 0), ("tests/test_basic_ops", 15))),
	    requires=["Provides-Extra: tests", 'pytest>=4.6; extra == "tests"'], meta_pad=1500,
	    summary="Python library for arbitrary-precision floating-point arithmetic")
	P("networkx", "3.4.2", py("networkx", (("__init__", 1), ("classes/graph", 70),
	    ("algorithms/shortest_paths/weighted", 80), ("algorithms/tests/__init__", 0),
	    ("algorithms/tests/test_cycles", 34))),
	    requires=["Provides-Extra: default", 'numpy>=1.24; extra == "default"',
		'scipy!=1.11.0,!=1.11.1,>=1.10; extra == "default"'],
	    meta_pad=5 * k, summary="Python package for creating and manipulating graphs and networks")
	P("jinja2", "3.1.4", py("jinja2", (("__init__", 2), ("environment", 60), ("compiler", 72),
	    ("filters", 52))),
	    requires=["MarkupSafe>=2.0", "Provides-Extra: i18n", 'Babel>=2.7; extra == "i18n"'],
	    edges=["MarkupSafe"], meta_pad=3 * k, summary="A very fast and expressive template engine.")
	P("MarkupSafe", "3.0.2", py("markupsafe", (("__init__", 13),)) + [
	    ("markupsafe/_speedups.cpython-311-x86_64-linux-gnu.so", E(44 * k, needed=SV_LIBC)),
	    ("markupsafe/_speedups.pyi", T(1 * k))],
	    meta_pad=3 * k, summary="Safely add untrusted strings to HTML/XML markup.")
	P("fsspec", "2024.10.0", py("fsspec", (("__init__", 2), ("spec", 77), ("core", 24),
	    ("implementations/local", 16))),
	    requires=["Provides-Extra: http", 'aiohttp!=4.0.0a0,!=4.0.0a1; extra == "http"'],
	    meta_pad=11 * k, summary="File-system specification")
	P("filelock", "3.16.1", py("filelock", (("__init__", 2), ("_api", 14), ("_unix", 2))),
	    requires=["Provides-Extra: testing", 'pytest>=8.3.3; extra == "testing"'],
	    meta_pad=2 * k, summary="A platform independent file lock.", license="Unlicense")
	P("typing-extensions", "4.12.2", [("typing_extensions.py", T(134 * k))],
	    meta_pad=3 * k, summary="Backported and Experimental Type Hints for Python 3.8+",
	    license="PSF-2.0")

	# numpy, scipy, safetensors: what the app imports.
	P("numpy", "1.26.4", py("numpy", (("__init__", 16), ("lib/function_base", 190),
	    ("core/numeric", 80), ("linalg/linalg", 90), ("core/tests/__init__", 0),
	    ("core/tests/test_multiarray", 220), ("lib/tests/test_function_base", 110))) + [
	    ("numpy/core/_multiarray_umath.cpython-311-x86_64-linux-gnu.so", E(450 * k,
		needed=["libopenblas64_p-r0-0cf96a72.3.23.dev.so", "libm.so.6"] + SV_LIBC,
		runpath="$ORIGIN/../../numpy.libs")),
	    ("numpy/linalg/_umath_linalg.cpython-311-x86_64-linux-gnu.so", E(110 * k,
		needed=["libopenblas64_p-r0-0cf96a72.3.23.dev.so"] + SV_LIBC, runpath="$ORIGIN/../../numpy.libs")),
	    ("numpy.libs/libopenblas64_p-r0-0cf96a72.3.23.dev.so", E(500 * k,
		soname="libopenblas64_p-r0-0cf96a72.3.23.dev.so",
		needed=["libgfortran-040039e1.so.5.0.0", "libm.so.6"] + SV_LIBC, runpath="$ORIGIN")),
	    ("numpy.libs/libgfortran-040039e1.so.5.0.0", E(140 * k, soname="libgfortran-040039e1.so.5.0.0",
		needed=["libquadmath-96973f99.so.0.0.0"] + SV_LIBC, runpath="$ORIGIN")),
	    ("numpy.libs/libquadmath-96973f99.so.0.0.0", E(50 * k, soname="libquadmath-96973f99.so.0.0.0",
		needed=SV_LIBC))] +
	    hdr("numpy/core/include/numpy", (("ndarraytypes.h", 68), ("ndarrayobject.h", 10),
		("npy_common.h", 36), ("ufuncobject.h", 12))),
	    requested=True, meta_pad=5 * k, scripts=[("f2py", "numpy.f2py.f2py2e:main")],
	    summary="Fundamental package for array computing in Python")
	P("scipy", "1.14.1", py("scipy", (("__init__", 5), ("linalg/_basic", 70),
	    ("optimize/_optimize", 150), ("linalg/tests/__init__", 0), ("linalg/tests/test_basic", 78))) + [
	    ("scipy/linalg/_fblas.cpython-311-x86_64-linux-gnu.so", E(160 * k,
		needed=["libscipy_openblas-c128ec02.so"] + SV_LIBC, runpath="$ORIGIN/../../scipy.libs")),
	    ("scipy.libs/libscipy_openblas-c128ec02.so", E(430 * k, soname="libscipy_openblas-c128ec02.so",
		needed=["libgfortran-040039e1.so.5.0.0"] + SV_LIBC, runpath="$ORIGIN")),
	    ("scipy.libs/libgfortran-040039e1.so.5.0.0", E(140 * k, soname="libgfortran-040039e1.so.5.0.0",
		needed=["libquadmath-96973f99.so.0.0.0"] + SV_LIBC, runpath="$ORIGIN")),
	    ("scipy.libs/libquadmath-96973f99.so.0.0.0", E(50 * k, soname="libquadmath-96973f99.so.0.0.0",
		needed=SV_LIBC))],
	    requires=["numpy<2.3,>=1.23.5", "Provides-Extra: test", 'pytest; extra == "test"',
		'hypothesis>=6.30; extra == "test"'],
	    edges=["numpy"], requested=True, meta_pad=3 * k,
	    summary="Fundamental algorithms for scientific computing in Python")
	P("safetensors", "0.4.5", py("safetensors", (("__init__", 1), ("torch", 18), ("numpy", 6))) + [
	    ("safetensors/_safetensors_rust.abi3.so", E(250 * k, needed=["libgcc_s.so.1"] + SV_LIBC))],
	    requires=["Provides-Extra: torch", 'safetensors[numpy]; extra == "torch"',
		'torch>=1.10; extra == "torch"'],
	    requested=True, meta_pad=4 * k, license="Apache-2.0", tag="cp38-abi3-manylinux_2_17_x86_64",
	    summary="Fast and Safe Tensor serialization")

	# tensorboard 2.18.0 and its requirements.
	P("tensorboard", "2.18.0", py("tensorboard", (("__init__", 4), ("program", 32), ("main", 2),
	    ("manager", 17), ("plugins/scalar/scalars_plugin", 12), ("plugins/core/core_plugin", 30),
	    ("backend/application", 24), ("compat/proto/summary_pb2", 10))) + [
	    ("tensorboard/webfiles.zip", R(200 * k))],
	    requires=["absl-py>=0.4", "grpcio>=1.48.2", "markdown>=2.6.8", "numpy>=1.12.0", "packaging",
		"protobuf!=4.24.0,>=3.19.6", "setuptools>=41.0.0", "six>1.9",
		"tensorboard-data-server<0.8.0,>=0.7.0", "werkzeug>=1.0.1"],
	    edges=["absl-py", "grpcio", "markdown", "numpy", "packaging", "protobuf", "setuptools",
		"six", "tensorboard-data-server", "werkzeug"],
	    requested=True, meta_pad=2 * k, license="Apache 2.0", tag="py3-none-any",
	    scripts=[("tensorboard", "tensorboard.main:run_main")],
	    summary="TensorBoard lets you watch Tensors Flow")
	P("tensorboard-data-server", "0.7.2", [("tensorboard_data_server/__init__.py", T(1 * k)),
	    # The Rust "RustBoard" server, shipped unstripped (tensorboard#6766).
	    ("tensorboard_data_server/bin/server", E(190 * k, interp=LDSO, needed=["libgcc_s.so.1", "libm.so.6"] + SV_LIBC,
		debug=110 * k))],
	    meta_pad=1 * k, license="Apache 2.0", tag="py3-none-manylinux_2_31_x86_64",
	    summary="Fast data loading for TensorBoard")
	P("absl-py", "2.1.0", py("absl", (("__init__", 1), ("app", 16), ("flags/_flagvalues", 52),
	    ("logging/__init__", 46))),
	    meta_pad=2 * k, license="Apache 2.0", tag="py3-none-any",
	    summary="Abseil Python Common Libraries")
	P("grpcio", "1.68.0", py("grpc", (("__init__", 86), ("_channel", 82), ("_server", 54))) + [
	    ("grpc/_cython/cygrpc.cpython-311-x86_64-linux-gnu.so", E(330 * k, needed=["libm.so.6", "libstdc++.so.6"] + SV_LIBC))],
	    requires=["Provides-Extra: protobuf", 'grpcio-tools>=1.68.0; extra == "protobuf"'],
	    meta_pad=4 * k, license="Apache License 2.0", summary="HTTP/2-based RPC framework")
	P("markdown", "3.7", py("markdown", (("__init__", 2), ("core", 21), ("blockprocessors", 27),
	    ("extensions/toc", 17))),
	    requires=['importlib-metadata>=4.4; python_version < "3.10"', "Provides-Extra: docs",
		'mkdocs>=1.5; extra == "docs"'],
	    meta_pad=3 * k, tag="py3-none-any", summary="Python implementation of John Gruber's Markdown.")
	P("protobuf", "5.28.3", py("google/protobuf", (("__init__", 1), ("descriptor", 52),
	    ("message", 15), ("json_format", 38))) + [
	    ("google/_upb/_message.abi3.so", E(210 * k, needed=SV_LIBC))],
	    meta_pad=600, tag="cp38-abi3-manylinux2014_x86_64", summary="")
	P("six", "1.16.0", [("six.py", T(34 * k))], meta_pad=1 * k, license="MIT", tag="py2.py3-none-any",
	    summary="Python 2 and 3 compatibility utilities")
	P("werkzeug", "3.1.3", py("werkzeug", (("__init__", 1), ("serving", 39), ("routing/map", 36),
	    ("wrappers/request", 24))) + [("werkzeug/debug/shared/debugger.js", T(10 * k))],
	    requires=["MarkupSafe>=2.1.1", "Provides-Extra: watchdog", 'watchdog>=2.3; extra == "watchdog"'],
	    edges=["MarkupSafe"], meta_pad=3 * k, tag="py3-none-any",
	    summary="The comprehensive WSGI web application library.")
	P("packaging", "24.2", py("packaging", (("__init__", 1), ("version", 16), ("specifiers", 39),
	    ("requirements", 3), ("markers", 10), ("tags", 21))),
	    meta_pad=3 * k, tag="py3-none-any", summary="Core utilities for Python packages")
	P("setuptools", "75.6.0", py("setuptools", (("__init__", 9), ("dist", 38), ("command/build_ext", 18),
	    ("_distutils/ccompiler", 47), ("tests/__init__", 1), ("tests/test_dist", 9))) +
	    py("pkg_resources", (("__init__", 125),)) + py("_distutils_hack", (("__init__", 6),)) +
	    [("distutils-precedence.pth", b"import os; var = 'SETUPTOOLS_USE_DISTUTILS'; "
		b"enabled = os.environ.get(var, 'local') == 'local'; enabled and "
		b"__import__('_distutils_hack').add_shim(); \n")],
	    requires=["Provides-Extra: test", 'pytest!=8.1.*,>=6; extra == "test"'],
	    meta_pad=6 * k, license="MIT", tag="py3-none-any",
	    summary="Easily download, build, install, upgrade, and uninstall Python packages")

	# jupyter's family, trimmed to 18 packages: every Requires-Dist line
	# below is in the real METADATA; requirements on packages left out of
	# the image are left out of the lines too.
	P("jupyter", "1.1.1", [],
	    requires=["notebook", "jupyter-console", "nbconvert", "ipykernel", "ipywidgets", "jupyterlab"],
	    edges=["notebook", "jupyter-console", "nbconvert", "ipykernel", "ipywidgets", "jupyterlab"],
	    requested=True, meta_pad=1 * k, tag="py2.py3-none-any",
	    summary="Jupyter metapackage. Install all the Jupyter components in one go.")
	P("notebook", "7.2.2", py("notebook", (("__init__", 1), ("app", 13))) + [
	    ("notebook/static/main.js", T(60 * k)), ("notebook/templates/tree.html", T(2 * k))],
	    data=[("share/jupyter/labextensions/@jupyter-notebook/lab-extension/static/remoteEntry.js", T(30 * k)),
		("etc/jupyter/jupyter_server_config.d/notebook.json", b'{\n  "ServerApp": {\n    "jpserver_extensions": {\n      "notebook": true\n    }\n  }\n}\n')],
	    requires=["jupyter-server<3,>=2.4.0", "jupyterlab<4.3,>=4.2.0", "tornado>=6.2.0"],
	    edges=["jupyter-server", "jupyterlab", "tornado"], meta_pad=3 * k, tag="py3-none-any",
	    scripts=[("jupyter-notebook", "notebook.app:main")],
	    summary="Jupyter Notebook - A web-based notebook environment for interactive computing")
	P("jupyterlab", "4.2.5", py("jupyterlab", (("__init__", 1), ("labapp", 36), ("commands", 86))),
	    data=[("share/jupyter/lab/static/%s.js" % n, T(s * k)) for n, s in (
		("jlab_core.4c8e3f", 210), ("remoteEntry.1f0e2a", 18), ("vendors-node_modules.8b1f", 95))] +
		[("share/jupyter/lab/schemas/@jupyterlab/notebook-extension/tracker.json", T(25 * k))],
	    requires=["ipykernel>=6.5.0", "jinja2>=3.0.3", "jupyter-core", "jupyter-server<3,>=2.4.0",
		"packaging", "setuptools>=40.1.0", "tornado>=6.2.0", "traitlets"],
	    edges=["ipykernel", "jinja2", "jupyter-core", "jupyter-server", "packaging", "setuptools",
		"tornado", "traitlets"], meta_pad=5 * k, tag="py3-none-any",
	    scripts=[("jupyter-lab", "jupyterlab.labapp:main"), ("jlpm", "jupyterlab.jlpmapp:main")],
	    summary="JupyterLab computational environment")
	P("ipykernel", "6.29.5", py("ipykernel", (("__init__", 1), ("kernelapp", 27), ("ipkernel", 28),
	    ("kernelbase", 47))),
	    data=[("share/jupyter/kernels/python3/kernel.json", b'{\n "argv": ["python", "-m", "ipykernel_launcher", '
		b'"-f", "{connection_file}"],\n "display_name": "Python 3 (ipykernel)",\n "language": "python"\n}\n')],
	    requires=["comm>=0.1.1", "ipython>=7.23.1", "jupyter-client>=6.1.12", "jupyter-core!=5.0.*,>=4.12",
		"packaging", "pyzmq>=24", "tornado>=6.1", "traitlets>=5.4.0"],
	    edges=["comm", "ipython", "jupyter-client", "jupyter-core", "packaging", "pyzmq", "tornado",
		"traitlets"], meta_pad=2 * k, tag="py3-none-any", summary="IPython Kernel for Jupyter")
	P("ipywidgets", "8.1.5", py("ipywidgets", (("__init__", 2), ("widgets/widget", 30),
	    ("widgets/interaction", 22))),
	    requires=["comm>=0.1.3", "ipython>=6.1.0", "traitlets>=4.3.1"],
	    edges=["comm", "ipython", "traitlets"], meta_pad=2 * k, tag="py3-none-any",
	    summary="Jupyter interactive widgets")
	P("nbconvert", "7.16.4", py("nbconvert", (("__init__", 1), ("exporters/html", 14),
	    ("exporters/templateexporter", 26), ("filters/markdown_mistune", 17))),
	    data=[("share/jupyter/nbconvert/templates/lab/index.html.j2", T(9 * k))],
	    requires=["jinja2>=3.0", "jupyter-core>=4.7", "markupsafe>=2.0", "nbformat>=5.7", "packaging",
		"pygments>=2.4.1", "traitlets>=5.1"],
	    edges=["jinja2", "jupyter-core", "MarkupSafe", "nbformat", "packaging", "pygments", "traitlets"],
	    meta_pad=6 * k, tag="py3-none-any", scripts=[("jupyter-nbconvert", "nbconvert.nbconvertapp:main")],
	    summary="Converting Jupyter Notebooks (.ipynb files) to other formats.")
	P("jupyter-console", "6.6.3", py("jupyter_console", (("__init__", 1), ("app", 5), ("ptshell", 40))),
	    requires=["ipykernel>=6.14", "ipython", "jupyter-client>=7.0.0", "jupyter-core!=5.0.*,>=4.12",
		"prompt-toolkit>=3.0.30", "pygments", "pyzmq>=17", "traitlets>=5.4"],
	    edges=["ipykernel", "ipython", "jupyter-client", "jupyter-core", "prompt-toolkit", "pygments",
		"pyzmq", "traitlets"], meta_pad=2 * k, tag="py3-none-any",
	    scripts=[("jupyter-console", "jupyter_console.app:main")],
	    summary="Jupyter terminal console")
	P("ipython", "8.29.0", py("IPython", (("__init__", 6), ("core/interactiveshell", 150),
	    ("core/completer", 120), ("terminal/interactiveshell", 38), ("core/tests/__init__", 0),
	    ("core/tests/test_interactiveshell", 36))),
	    requires=["prompt-toolkit<3.1.0,>=3.0.41", "pygments>=2.4.0", "traitlets>=5.13.0",
		'typing-extensions>=4.6; python_version < "3.12"', 'exceptiongroup; python_version < "3.11"'],
	    edges=["prompt-toolkit", "pygments", "traitlets", "typing-extensions"], meta_pad=4 * k,
	    tag="py3-none-any", scripts=[("ipython", "IPython:start_ipython"), ("ipython3", "IPython:start_ipython")],
	    summary="IPython: Productive Interactive Computing")
	P("traitlets", "5.14.3", py("traitlets", (("__init__", 1), ("traitlets", 140),
	    ("config/application", 42))),
	    meta_pad=4 * k, tag="py3-none-any", summary="Traitlets Python configuration system")
	P("jupyter-client", "8.6.3", py("jupyter_client", (("__init__", 1), ("manager", 30),
	    ("session", 38), ("connect", 26))),
	    requires=["jupyter-core!=5.0.*,>=4.12", "pyzmq>=23.0", "tornado>=6.2", "traitlets>=5.3"],
	    edges=["jupyter-core", "pyzmq", "tornado", "traitlets"], meta_pad=3 * k, tag="py3-none-any",
	    summary="Jupyter protocol implementation and client libraries")
	P("jupyter-core", "5.7.2", py("jupyter_core", (("__init__", 1), ("paths", 36), ("command", 15))) +
	    [("jupyter.py", T(200))],
	    requires=["traitlets>=5.3"], edges=["traitlets"], meta_pad=2 * k, tag="py3-none-any",
	    scripts=[("jupyter", "jupyter_core.command:main"), ("jupyter-migrate", "jupyter_core.migrate:main")],
	    summary="Jupyter core package. A base package on which Jupyter projects rely.")
	P("jupyter-server", "2.14.2", py("jupyter_server", (("__init__", 1), ("serverapp", 120),
	    ("services/kernels/kernelmanager", 34))) + [("jupyter_server/static/style/bootstrap.min.css", T(120 * k))],
	    requires=["jinja2>=3.0.3", "jupyter-client>=7.4.4", "jupyter-core!=5.0.*,>=4.12", "nbconvert>=6.4.4",
		"nbformat>=5.3.0", "packaging>=22.0", "pyzmq>=24", "tornado>=6.2.0", "traitlets>=5.6.0"],
	    edges=["jinja2", "jupyter-client", "jupyter-core", "nbconvert", "nbformat", "packaging", "pyzmq",
		"tornado", "traitlets"], meta_pad=4 * k, tag="py3-none-any",
	    scripts=[("jupyter-server", "jupyter_server.serverapp:main")],
	    summary="The backend - i.e. core services, APIs, and REST endpoints - to Jupyter web applications.")
	P("nbformat", "5.10.4", py("nbformat", (("__init__", 6), ("v4/nbbase", 5), ("validator", 22))) +
	    [("nbformat/v4/nbformat.v4.schema.json", T(14 * k))],
	    requires=["jupyter-core!=5.0.*,>=4.12", "traitlets>=5.1"], edges=["jupyter-core", "traitlets"],
	    meta_pad=2 * k, tag="py3-none-any", summary="The Jupyter Notebook format")
	P("tornado", "6.4.2", py("tornado", (("__init__", 2), ("web", 140), ("ioloop", 36),
	    ("httpserver", 16), ("test/__init__", 0), ("test/web_test", 120))) + [
	    ("tornado/speedups.abi3.so", E(30 * k, needed=SV_LIBC))],
	    meta_pad=2 * k, license="Apache-2.0", tag="cp38-abi3-manylinux_2_17_x86_64",
	    summary="Tornado is a Python web framework and asynchronous networking library.")
	P("pyzmq", "26.2.0", py("zmq", (("__init__", 2), ("sugar/socket", 34), ("sugar/context", 13))) + [
	    ("zmq/backend/cython/_zmq.cpython-311-x86_64-linux-gnu.so", E(260 * k,
		needed=["libzmq-a430b4ce.so.5.2.5"] + SV_LIBC, runpath="$ORIGIN/../../../pyzmq.libs")),
	    ("pyzmq.libs/libzmq-a430b4ce.so.5.2.5", E(240 * k, soname="libzmq-a430b4ce.so.5.2.5",
		needed=["libstdc++.so.6"] + SV_LIBC))],
	    requires=['cffi; implementation_name == "pypy"'], meta_pad=4 * k,
	    summary="Python bindings for 0MQ")
	P("prompt-toolkit", "3.0.48", py("prompt_toolkit", (("__init__", 1), ("application/application", 60),
	    ("layout/containers", 100), ("key_binding/bindings/emacs", 20))),
	    meta_pad=6 * k, tag="py3-none-any",
	    summary="Library for building powerful interactive command lines in Python")
	P("pygments", "2.18.0", py("pygments", (("__init__", 3), ("lexers/_mapping", 70),
	    ("lexers/python", 53), ("formatters/html", 35))),
	    requires=["Provides-Extra: windows-terminal", 'colorama>=0.4.6; extra == "windows-terminal"'],
	    meta_pad=2 * k, tag="py3-none-any", scripts=[("pygmentize", "pygments.cmdline:main")],
	    summary="Pygments is a syntax highlighting package written in Python.")
	P("comm", "0.2.2", py("comm", (("__init__", 2), ("base_comm", 10))),
	    requires=["traitlets>=4"], edges=["traitlets"], meta_pad=3 * k, tag="py3-none-any",
	    summary="Jupyter Python Comm implementation, for usage in ipykernel, xeus-python etc.")

	# pip's cache, left behind (no --no-cache-dir): HTTP responses (pip >=
	# 23.3 keeps them in http-v2, a small header file and the body) and a
	# wheel built locally from an sdist.
	cache = "root/.cache/pip/"
	for i, n in enumerate((200, 100, 65, 45)):
		h = sha256hex(b"serving-pip-cache-%d" % i)
		d = cache + "http-v2/%s/%s/%s/%s/%s/" % tuple(h[:5])
		l2.file(d + h, text(rng, 600))
		l2.file(d + h + ".body", rng.randbytes(n * k))
	h = sha256hex(b"serving-pip-wheel")
	l2.file(cache + "wheels/%s/%s/%s/%s/pandocfilters-1.5.1-py2.py3-none-any.whl" % (h[:2], h[2:4], h[4:6], h[6:]),
	    rng.randbytes(9 * k))
	l2.file(cache + "selfcheck/" + sha256hex(b"selfcheck-serving") + ".json",
	    b'{"key":"/usr/local","last_check":"2024-01-01T00:00:00Z","pypi_version":"24.3.1"}')
	return l2


def sv_app_layers(rng, k):
	l3 = Layer("/bin/sh -c #(nop) COPY dir:7b2e94d1c0a58f3e in /app ")
	l3.file("app/server.py", text(rng, 9 * k))
	l3.file("app/model.py", text(rng, 6 * k))
	l3.file("app/preprocess.py", text(rng, 4 * k))
	l3.file("app/requirements.txt", b"torch==2.5.1\nnumpy==1.26.4\nscipy==1.14.1\nsafetensors==0.4.5\n"
	    b"tensorboard==2.18.0\njupyter==1.1.1\n")
	l3.file("app/config.yaml", b"model: /models/model.safetensors\nport: 8080\nworkers: 2\n")
	l4 = Layer("/bin/sh -c #(nop) COPY dir:c41f8e2a7d930b65 in /models ")
	tensors = [("embed.weight", [512, 256]), ("layer0.attn.weight", [256, 512]),
	    ("layer0.mlp.weight", [512, 512]), ("head.weight", [256, 256])]
	header = {"__metadata__": {"format": "pt"}}
	off = 0
	for name, shape in tensors:
		n = shape[0] * shape[1] * 2
		header[name] = {"dtype": "F16", "shape": shape, "data_offsets": [off, off + n]}
		off += n
	hb = jbytes(header)
	hb += b" " * ((-len(hb)) % 8)
	l4.file("models/model.safetensors", struct.pack("<Q", len(hb)) + hb + rng.randbytes(off))
	l4.file("models/config.json", b'{"architectures":["ServingModel"],"hidden_size":512,"vocab_size":1024}\n')
	return l3, l4


def spec_serving():
	rng = random.Random(4040)
	k = 128		# sizes below are the real ones in KiB, scaled down by 8
	book = SvBook()
	l0, base_debs = sv_base_layer(book, rng, k)
	l1, apt_debs = sv_apt_layer(book, rng, k, base_debs)
	l2 = sv_pip_layer(book, rng, k)
	l3, l4 = sv_app_layers(rng, k)
	history = [l0, "/bin/sh -c #(nop)  CMD [\"bash\"]", l1,
	    "/bin/sh -c #(nop)  ENV PYTHONUNBUFFERED=1", l2,
	    "/bin/sh -c #(nop) WORKDIR /app", l3, l4,
	    "/bin/sh -c #(nop)  EXPOSE 8080",
	    "/bin/sh -c #(nop)  ENTRYPOINT [\"python3\" \"/app/server.py\"]",
	    "/bin/sh -c #(nop)  CMD [\"--port\" \"8080\"]"]
	spec = ImageSpec("serving", history, ["python3", "/app/server.py"], ["--port", "8080"],
	    env=["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "PYTHONUNBUFFERED=1"],
	    workdir="/app")
	spec.packages = [(p["ecosystem"], p["name"], p["version"], p["paths"]) for p in book.pkgs]
	spec.book = book
	spec.debs = base_debs + apt_debs
	return spec

# ---- the serving image's bookkeeping: what each candidate must free ----

# Exclusive closures, worked out by hand from the Depends / Requires-Dist
# written above, as pip-autoremove and apt would decide (docs/packages.md);
# sv_check_closures() re-derives each mechanically and refuses to build
# when the two disagree.
SV_JUPYTER = ["jupyter", "comm", "ipykernel", "ipython", "ipywidgets", "jupyter-client",
    "jupyter-console", "jupyter-core", "jupyter-server", "jupyterlab", "nbconvert", "nbformat",
    "notebook", "prompt-toolkit", "pygments", "pyzmq", "tornado", "traitlets"]
SV_BUILD_ESSENTIAL = ["build-essential", "binutils", "binutils-common",
    "binutils-x86-64-linux-gnu", "bzip2", "cpp", "cpp-12", "dpkg-dev", "fakeroot", "g++",
    "g++-12", "gcc", "gcc-12", "libasan8", "libatomic1", "libbinutils", "libc-dev-bin",
    "libc6-dev", "libcc1-0", "libcrypt-dev", "libctf0", "libdpkg-perl", "libfakeroot",
    "libgcc-12-dev", "libgomp1", "libisl23", "libmpc3", "libmpfr6", "libperl5.36",
    "libstdc++-12-dev", "libubsan1", "linux-libc-dev", "make", "patch", "perl",
    "perl-modules-5.36", "xz-utils"]
SV_CLOSURES = {
    # pip-autoremove tensorboard: numpy stays (scipy needs it), packaging
    # and setuptools stay (jupyterlab, ipykernel, nbconvert, jupyter-server),
    # MarkupSafe stays (jinja2, which torch needs; nbconvert).
    "pip:tensorboard": ["tensorboard", "absl-py", "grpcio", "markdown", "protobuf", "six",
	"tensorboard-data-server", "werkzeug"],
    # pip-autoremove jupyter: the whole family; jinja2, MarkupSafe and
    # typing-extensions stay (torch), packaging and setuptools (tensorboard).
    "pip:jupyter": SV_JUPYTER,
    # apt-get purge build-essential && apt-get autoremove: every package
    # the RUN step marked Auto-Installed that python3 and python3-pip do not
    # reach through Depends, Pre-Depends or Recommends (python3-pip's
    # Recommends: build-essential goes with build-essential itself).
    "dpkg:build-essential": SV_BUILD_ESSENTIAL,
    # triton: torch still requires it, so it goes alone (and a candidate
    # for it can only be low confidence).
    "pip:triton": ["triton"],
    # apt-get purge python3-pip && apt-get autoremove: setuptools, its
    # pkg-resources and wheel were only pulled in for pip; ca-certificates
    # stays (python3.11 Recommends it).  Purging python3-setuptools or
    # python3-wheel breaks python3-pip (Depends), so apt removes it too and
    # the three removals free the same four packages.
    "dpkg:python3-pip": ["python3-pip", "python3-pkg-resources", "python3-setuptools",
	"python3-wheel"],
    "dpkg:python3-setuptools": ["python3-setuptools", "python3-pip", "python3-pkg-resources",
	"python3-wheel"],
    "dpkg:python3-wheel": ["python3-wheel", "python3-pip", "python3-pkg-resources",
	"python3-setuptools"],
}

# Present only through Recommends: what no manually installed package
# reaches through Depends / Pre-Depends (dpkg-dev Recommends fakeroot).
SV_RECOMMENDS_ONLY = ["fakeroot", "libfakeroot"]

# Libraries nothing links to: no DT_NEEDED chain from an executable, an
# entrypoint or a Python extension reaches them, nor a dlopen rule (the
# table in auditor/linkgraph.c and docs/binaries.md, SV_DLOPEN below).
SV_UNREFERENCED = [
    "usr/lib/x86_64-linux-gnu/libpthread.so.0",		# glibc compat stub
    "usr/lib/gcc/x86_64-linux-gnu/12/liblto_plugin.so",	# ld -plugin
    "usr/lib/x86_64-linux-gnu/libcc1.so.0.0.0",		# gdb's plugin
    "usr/lib/x86_64-linux-gnu/libgomp.so.1.0.0",
    "usr/lib/x86_64-linux-gnu/libatomic.so.1.2.0",
    "usr/lib/x86_64-linux-gnu/libasan.so.8.0.0",
    "usr/lib/x86_64-linux-gnu/libubsan.so.1.0.0",
    "usr/lib/x86_64-linux-gnu/libfakeroot/libfakeroot-sysv.so",	# LD_PRELOAD
    SITE + "/nvidia/cublas/lib/libnvblas.so.12",
    SITE + "/nvidia/cufft/lib/libcufftw.so.11",
    SITE + "/nvidia/cusolver/lib/libcusolverMg.so.11",
    SITE + "/nvidia/cuda_cupti/lib/libpcsamplingutil.so",
]

# dlopen(): (loader file-name prefix, loaded file-name prefixes or path
# globs), as docs/binaries.md and the knowledge base (db/kb/30-dlopen.sql)
# list them: only the rules that concern this image's files matter.
SV_DLOPEN = [
    ("libc.so", ["*/gconv/*.so", "*/libnss_*.so*"]),
    ("libcrypto.so", ["*/ossl-modules/*.so", "*/engines-3/*.so"]),
    ("perl", ["*/perl*/auto/*.so"]), ("libperl.so", ["*/perl*/auto/*.so"]),
    ("libcudnn.so", ["libcudnn_adv.so", "libcudnn_cnn.so", "libcudnn_graph.so", "libcudnn_ops.so"]),
    ("libcudnn_graph.so", ["libcudnn_engines_precompiled.so", "libcudnn_engines_runtime_compiled.so",
	"libcudnn_heuristic.so", "libnvrtc.so"]),
    ("libcudnn_engines_precompiled.so", ["libcublasLt.so", "libnvrtc.so"]),
    ("libcufft.so", ["libnvJitLink.so", "libnvrtc.so"]),
    ("libcublasLt.so", ["libnvrtc.so"]),
    ("libnvrtc.so", ["libnvrtc-builtins.so"]),
    ("libnccl.so", ["libibverbs.so"]),
    ("libcupti.so", ["libnvperf_host.so"]),
]

# The CUDA libraries a serving image may not need, by file name: the
# component names are the knowledge base's (db/kb/20-cuda.sql), the need
# classes kb-facts.md 1.3's.  Libraries every CUDA program needs (cudart,
# cuBLAS ...) or that a framework may use (needed-if-used: cuFFT, NVRTC
# ...) are no removal candidates and have no group.
SV_CUDA_COMPONENTS = {
    "libcupti.so.12": ("CUPTI", "profiling"),
    "libnvperf_host.so": ("CUPTI nvperf_host", "profiling"),
    "libpcsamplingutil.so": ("CUPTI PC-sampling utility", "profiling"),
    "libnccl.so.2": ("NCCL", "multi-gpu-only"),
}


def _rel_names(s):
	"""dpkg relationship field -> [[alternative names]]."""
	out = []
	for grp in s.split(","):
		alts = []
		for alt in grp.split("|"):
			n = alt.strip().split(" ")[0].split("(")[0].split(":")[0]
			if n:
				alts.append(n)
		if alts:
			out.append(alts)
	return out


def _apt_removal(debs, x):
	"""apt-get purge x && apt-get autoremove, re-derived (a cross-check)."""
	by = {d.name: d for d in debs}
	gone = {x}
	changed = True
	while changed:
		changed = False
		for d in debs:
			if d.name in gone:
				continue
			for alts in _rel_names(d.depends) + _rel_names(d.pre_depends):
				inst = [a for a in alts if a in by]
				if inst and all(a in gone for a in inst):
					gone.add(d.name)
					changed = True
					break
	keep = set()
	todo = [d.name for d in debs if d.name not in gone and (not d.auto or d.essential or
	    d.priority == "required")]
	while todo:
		n = todo.pop()
		if n in keep:
			continue
		keep.add(n)
		d = by[n]
		for alts in _rel_names(d.depends) + _rel_names(d.pre_depends) + _rel_names(d.recommends):
			for a in alts:
				if a in by and a not in gone and a not in keep:
					todo.append(a)
	return gone | set(d.name for d in debs if d.auto and d.name not in keep)


def _pip_removal(edges, x):
	"""pip-autoremove x, re-derived (a cross-check)."""
	req_by = {}
	for p, es in edges.items():
		for e in es:
			req_by.setdefault(e, set()).add(p)
	gone = {x}
	changed = True
	while changed:
		changed = False
		for p in edges:
			if p in gone:
				continue
			rb = req_by.get(p, set())
			if rb and rb <= gone:
				gone.add(p)
				changed = True
	return gone


def _link_graph(book, final):
	"""
	The ELF files ld.so would load, from every executable and Python
	extension module (docs/binaries.md); returns (reached paths,
	library paths).  Names resolve through DT_RUNPATH ($ORIGIN = the
	directory the file was found in), then the default directories; a
	symlink in the same directory is followed.
	"""
	def exists(p):
		return p in final or p in book.links

	def real(p):
		for _ in range(8):
			t = book.links.get(p)
			if t is None:
				return p
			p = os.path.normpath(os.path.join(os.path.dirname(p), t)) if not t.startswith("/") else t[1:]
		return p

	def norm(p):
		return os.path.normpath(p).lstrip("/")

	role = {}
	for p, f in book.elves.items():
		base = p.rsplit("/", 1)[1]
		ext = (("site-packages/" in p or "dist-packages/" in p or "lib-dynload/" in p) and
		    base.endswith(".so") and (".cpython-" in base or ".abi3." in base or not base.startswith("lib")))
		if f["etype"] == 3 and ext:
			role[p] = "ext"
		elif f["etype"] == 2 or (f["etype"] == 3 and f["interp"] and not f["soname"]):
			role[p] = "exe"
		elif f["etype"] == 3 and (f["soname"] or ".so" in base):
			role[p] = "lib"
		elif f["etype"] == 3:
			role[p] = "exe"
		else:
			role[p] = "other"
	# /etc/ld.so.conf's directories as layers 0 and 1 write them, then
	# ld.so's own (/lib and /lib64 are symlinks into /usr).
	defaults = ["usr/local/lib", "usr/local/lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu",
	    "usr/lib/x86_64-linux-gnu/libfakeroot", "usr/lib64", "usr/lib"]
	reached = set()
	queue = [p for p in sorted(book.elves) if role[p] in ("exe", "ext")]

	def resolve(frm, name):
		dirs = []
		rp = book.elves[frm]["runpath"]
		if rp:
			dirs += [norm(d.replace("$ORIGIN", "/" + os.path.dirname(frm))) for d in rp.split(":")]
		dirs += defaults
		for d in dirs:
			c = d + "/" + name
			if exists(c):
				return real(c)
		return None
	while True:
		while queue:
			p = queue.pop()
			if p in reached:
				continue
			reached.add(p)
			f = book.elves[p]
			if f["interp"]:
				queue.append(real(f["interp"].lstrip("/")))
			for n in f["needed"]:
				t = resolve(p, n)
				if t is None:
					raise BuildError("%s: DT_NEEDED %s is found nowhere" % (p, n))
				queue.append(t)
		more = []
		for p in sorted(reached):
			base = p.rsplit("/", 1)[1]
			for loader, loads in SV_DLOPEN:
				if not (base.startswith(loader) and base[len(loader):len(loader) + 1] in ("", ".")):
					continue
				for q in book.elves:
					if q in reached or role[q] != "lib":
						continue
					qb = q.rsplit("/", 1)[1]
					for pat in loads:
						if ("/" in pat and fnmatch.fnmatchcase("/" + q, pat)) or (
						    "/" not in pat and qb.startswith(pat) and qb[len(pat):len(pat) + 1] in ("", ".")):
							more.append(q)
		if not more:
			break
		queue = more
	libs = set(p for p in book.elves if role[p] == "lib")
	return reached, libs


def sv_classify(path):
	"""
	The path groups, by our own reading of the paths written above, named
	after the knowledge base's path rules.  A file can be in several.
	"""
	g = []
	if path.startswith("root/.cache/pip/"):
		g.append("pip-cache")
	# apt's lists; not its lock file (0 bytes, apt's own, kept by apt).
	if path.startswith("var/lib/apt/lists/") and path != "var/lib/apt/lists/lock":
		g.append("apt-lists")
	if "/__pycache__/" in path and path.endswith(".pyc"):
		g.append("python-bytecode")
	for sp in ("/site-packages/", "/dist-packages/"):
		if sp in path and any(c in ("tests", "test") for c in path.split(sp, 1)[1].split("/")[:-1]):
			g.append("python-tests")
			break
	# Documentation, not the licences (*/copyright) a distribution must keep.
	if (path.startswith("usr/share/doc/") and not path.endswith("/copyright")) or \
	    path.startswith("usr/share/info/"):
		g.append("docs")
	if path.startswith("usr/share/man/"):
		g.append("man-pages")
	# C/C++ headers, except the cuda.h triton compiles its kernels against
	# at run time.
	if path.endswith(".h") and "/include/" in "/" + path and "/site-packages/triton/" not in path:
		g.append("headers")
	if path.endswith(".a"):
		g.append("static-libraries")
	if path.endswith((".deb", ".rpm", ".whl")):
		g.append("package-archives")
	for d in ("lab", "labextensions", "nbextensions", "kernels"):
		if path.startswith("usr/local/share/jupyter/%s/" % d):
			g.append("jupyter-state")
	if path.startswith("usr/local/etc/jupyter/"):
		g.append("jupyter-state")
	return g


def _group(files, paths, kind, **extra):
	paths = sorted(set(paths), key=lambda p: (-files[p][0], p))
	g = {"kind": kind, "bytes": sum(files[p][0] for p in paths), "files": len(paths),
	    "layers": sorted(set(files[p][1] for p in paths)), "paths": ["/" + p for p in paths]}
	g.update(extra)
	return g


def serving_facts(spec):
	book = spec.book
	a = analyse(spec.layers)
	# The final tree, by the last layer that wrote each path (the serving
	# image deletes nothing); checked against the oracle's walk.
	files = {}
	written = []
	for li, layer in enumerate(spec.layers):
		for e in layer.entries:
			if e.kind == "hardlink" or e.kind in ("whiteout", "opaque"):
				raise BuildError("serving: no hard links or whiteouts, please")
			if e.kind == "file":
				files[e.name] = (e.size, li)
				written.append((e.name, e.size, li))
	if sorted("/" + p for p in files) != sorted(a["final_index"]) or \
	    any(a["final_index"]["/" + p][1] != s for p, (s, _) in files.items()):
		raise BuildError("serving: final tree model disagrees with analyse()")
	wasted = {}
	for p, s, li in written:
		if files[p][1] != li:
			wasted.setdefault(li, []).append((p, s))
	for li, ws in wasted.items():
		if sum(s for _, s in ws) != a["layers"][li]["wasted_bytes"]:
			raise BuildError("serving: waste of layer %d" % li)

	groups = {}
	# Packages: the regular files each owns in the final tree.
	pk = {}
	for p in book.pkgs:
		key = "%s:%s" % (p["ecosystem"], _pep503(p["name"]) if p["ecosystem"] == "pip" else p["name"])
		own = [x for x in p["paths"] if x in files]
		if len(own) != len(p["paths"]):
			raise BuildError("%s: owns files not in the final tree" % key)
		pk[key] = own
	claimed = {}
	for key, own in pk.items():
		for x in own:
			if x in claimed:
				raise BuildError("%s and %s both claim %s" % (claimed[x], key, x))
			claimed[x] = key
	# Closures: by hand (SV_CLOSURES), checked against a re-derivation.
	debs = spec.debs
	edges = {_pep503(p["name"]): p["edges"] for p in book.pkgs if p["ecosystem"] == "pip"}
	auto_orphans = _apt_removal(debs, "\0none") - {"\0none"}
	if auto_orphans:
		raise BuildError("serving: autoremove would remove %r anyway" % sorted(auto_orphans))
	closures = {}
	for key, names in SV_CLOSURES.items():
		eco, name = key.split(":", 1)
		got = _apt_removal(debs, name) if eco == "dpkg" else _pip_removal(edges, _pep503(name))
		want = set(names) if eco == "dpkg" else set(_pep503(n) for n in names)
		if got != want:
			raise BuildError("%s: hand closure %r, derived %r" % (key, sorted(want), sorted(got)))
		members = ["%s:%s" % (eco, n) for n in names]
		paths = [x for m in members for x in pk[m if eco == "dpkg" else "pip:" + _pep503(m.split(":", 1)[1])]]
		closures[key] = members
		groups[key] = _group(files, paths, "uninstall-package", packages=members)
	# Packages present only through Recommends.
	by = {d.name: d for d in debs}
	reach = set()
	todo = [d.name for d in debs if not d.auto]
	while todo:
		n = todo.pop()
		if n in reach:
			continue
		reach.add(n)
		for alts in _rel_names(by[n].depends) + _rel_names(by[n].pre_depends):
			todo += [x for x in alts if x in by]
	if sorted(set(by) - reach) != sorted(SV_RECOMMENDS_ONLY):
		raise BuildError("recommends-only: %r" % sorted(set(by) - reach))
	groups["no-install-recommends"] = _group(files, [x for n in SV_RECOMMENDS_ONLY for x in pk["dpkg:" + n]],
	    "no-install-recommends", packages=["dpkg:" + n for n in SV_RECOMMENDS_ONLY])
	# Path rules.
	rules = {}
	for p in files:
		for r in sv_classify(p):
			rules.setdefault(r, []).append(p)
	for p in files:		# headers: only under include/, nothing else there
		if ("/include/" in "/" + p) != p.endswith(".h"):
			raise BuildError("%s: a header outside include/ or a non-header inside" % p)
	for r, ps in sorted(rules.items()):
		groups["rule:" + r] = _group(files, ps, "remove-paths", rule=r)
	# Waste, per layer that wrote it.
	for li, ws in sorted(wasted.items()):
		ws = sorted(ws, key=lambda x: (-x[1], x[0]))
		groups["wasted:%d" % li] = {"kind": "wasted-layer", "bytes": sum(s for _, s in ws),
		    "files": len(ws), "layers": [li], "paths": ["/" + p for p, _ in ws],
		    "sizes": [s for _, s in ws]}
	# The link graph: unreferenced libraries.
	reached, libs = _link_graph(book, files)
	unref = sorted(libs - reached)
	if unref != sorted(SV_UNREFERENCED):
		raise BuildError("unreferenced: derived %r" % unref)
	groups["unreferenced-libraries"] = _group(files, unref, "unreferenced-libraries")
	# CUDA components a serving image may do without.
	cuda = {}
	for p in sorted(book.elves):
		comp = SV_CUDA_COMPONENTS.get(p.rsplit("/", 1)[1])
		if comp is not None and p.startswith(SITE + "/nvidia/"):
			cuda.setdefault(comp, []).append(p)
	# triton's own ptxas (torch.compile runs it): the CUDA rule says
	# build-only, but triton's own rule is low confidence (torch requires
	# triton), and a bundled copy is no surer than the package holding it.
	cuda[("ptxas", "build-only")] = [SITE + "/triton/backends/nvidia/bin/ptxas"]
	for (comp, need), ps in sorted(cuda.items()):
		groups["cuda:" + comp] = _group(files, ps, "cuda-library", component=comp, need=need)
	groups["cuda:ptxas"]["confidence"] = "low"
	# Debug sections: what `strip --strip-debug` saves, as docs/binaries.md
	# defines it: the .debug_info and .debug_line sections elf() wrote, their
	# two section headers (64 bytes each) and their names in .shstrtab.
	dbg = {p: f["debug"] + 2 * 64 + len(".debug_info\0") + len(".debug_line\0")
	    for p, f in book.elves.items() if f["debug"]}
	groups["strip-debug"] = {"kind": "strip-debug", "bytes": sum(dbg.values()), "files": len(dbg),
	    "layers": sorted(set(files[p][1] for p in dbg)),
	    "paths": ["/" + p for p in sorted(dbg, key=lambda p: (-files[p][0], p))],
	    "per_file": {"/" + p: b for p, b in sorted(dbg.items())}}

	sv_check_separation(groups)
	pkgs = []
	for p in book.pkgs:
		key = "%s:%s" % (p["ecosystem"], _pep503(p["name"]) if p["ecosystem"] == "pip" else p["name"])
		own = pk[key]
		e = {"ecosystem": p["ecosystem"], "name": p["name"], "version": p["version"],
		    "bytes": sum(files[x][0] for x in own), "files": len(own)}
		if p["ecosystem"] == "pip":
			e["requires"] = sorted(p["edges"])
			e["required_by"] = sorted(n for n, es in edges.items() if _pep503(p["name"]) in es)
		else:
			d = p["deb"]
			e["auto"] = d.auto
			e["essential"] = d.essential or d.priority == "required"
			e["requires"] = sorted(set(a for alts in _rel_names(d.depends) + _rel_names(d.pre_depends)
			    for a in alts[:1] if a in by))
			e["required_by"] = sorted(x.name for x in debs if p["name"] in set(
			    a for alts in _rel_names(x.depends) + _rel_names(x.pre_depends) for a in alts))
		pkgs.append(e)
	return {
	    "notes": "The builder's own record of the serving image (test-images/README.md, "
		"\"serving\"): every regular file of the final tree with its size and layer, every "
		"package's files, hand-written exclusive closures (SV_CLOSURES in build.py, checked "
		"against a re-derivation), and the groups a removal candidate is checked against.",
	    "files": {"/" + p: [s, li] for p, (s, li) in sorted(files.items())},
	    "packages": pkgs,
	    "closures": closures,
	    "groups": groups,
	}


def sv_check_separation(groups):
	"""
	No two groups that could both be candidates within 5% of each other,
	so that the ranking cannot hang on how a few bytes are counted.  Two
	names for the same files (python3-pip, -setuptools and -wheel free the
	same packages) are one group; each file a strip-debug candidate may
	hold counts as a group of its own.
	"""
	seen = {}
	size = {}
	for key, g in sorted(groups.items()):
		if g["bytes"] == 0:
			continue
		sig = tuple(g["paths"])
		seen.setdefault(sig, []).append(key)
		size[sig] = g["bytes"]
	# strip-debug candidates come one per package: each file's figure too.
	for p, n in groups["strip-debug"]["per_file"].items():
		seen.setdefault(("strip", p), []).append("strip-debug " + p.rsplit("/", 1)[1])
		size[("strip", p)] = n
	items = sorted(((size[sig], v) for sig, v in seen.items()), key=lambda x: x[0])
	close = []
	for (b1, k1), (b2, k2) in zip(items, items[1:]):
		if b2 < b1 * 1.05:
			close.append("%s %d ~ %s %d" % ("/".join(k1), b1, "/".join(k2), b2))
	if close:
		raise BuildError("serving: groups within 5%%: %s" % "; ".join(close))


# ---------------------------------------------------------------------------
# Image "multiarch": one OCI index, linux/amd64 and linux/arm64/v8.

def specs_multiarch():
	shared = Layer("/bin/sh -c #(nop) COPY dir:5e1b0c9f in /etc/app ")	# same bytes on both
	srng = random.Random(77)
	shared.file("etc/app/config.toml", text(srng, 6000))
	shared.file("etc/app/VERSION", b"1.4.2\n")
	specs = []
	for arch, machine, variant, seed in (("amd64", "x86_64", None, 301), ("arm64", "aarch64", "v8", 302)):
		rng = random.Random(seed)
		triplet = machine + "-linux-gnu"
		l0 = Layer("/bin/sh -c #(nop) ADD file:%s in / " % sha256hex(arch.encode())[:20])
		l0.file("etc/os-release", b'ID=demo\nVERSION_ID="1"\n')
		l0.file("usr/bin/app", elf(rng, 300000 if arch == "amd64" else 260000, machine), 0o755)
		l0.file("usr/lib/%s/libapp.so.1" % triplet, elf(rng, 200000 if arch == "amd64" else 180000, machine))
		l0.symlink("usr/lib/%s/libapp.so" % triplet, "libapp.so.1")
		history = [l0, "/bin/sh -c #(nop)  ENV APP_ARCH=" + arch, shared]
		if arch == "arm64":
			l0.file("usr/bin/app-debug", elf(rng, 50000, machine, debug=20000), 0o755)
			l0.file("usr/share/doc/app/NOTES.arm64", text(rng, 4000))
			l2 = Layer("/bin/sh -c rm /usr/bin/app-debug")
			l2.whiteout("usr/bin/app-debug")
			history.append(l2)
		history.append("/bin/sh -c #(nop)  ENTRYPOINT [\"/usr/bin/app\"]")
		specs.append(ImageSpec("multiarch", history, ["/usr/bin/app"], None,
		    arch=arch, variant=variant))
	return specs


def build_multiarch(outdir):
	imgdir = os.path.join(outdir, "multiarch")
	os.makedirs(imgdir, exist_ok=True)
	specs = specs_multiarch()
	formats = [f for f in OCI_FORMATS]
	comps = comps_for(formats)
	cache = {}
	imgs = [build_image(s, comps, cache) for s in specs]
	platforms = [s.platform for s in specs]
	index_blob = {}
	for c in comps:
		idx = index_bytes([img.manifest[c].descriptor(platform=img.platform_obj()) for img in imgs])
		index_blob[c] = Blob.of(MT_INDEX, idx)
	for f in formats:
		transport, c = FORMATS[f]
		blobs = []
		for img in imgs:
			blobs += oci_blobs(img, c)
		blobs.append(index_blob[c])
		top = index_bytes([index_blob[c].descriptor(annotations={REF_ANNOTATION: "latest"})])
		path = os.path.join(imgdir, f)
		if transport == "oci":
			write_oci_dir(path, blobs, top)
		else:
			write_oci_archive(path, blobs, top)
	for img in imgs:
		e = expected(img, formats)
		e["platforms"] = platforms
		e["image"]["index_digest"] = {c: index_blob[c].digest for c in comps}
		plat = "linux-" + img.spec.arch
		write_json(os.path.join(imgdir, "expected-%s.json" % plat), e)
		if img.spec.arch == "amd64":			# the default platform
			write_json(os.path.join(imgdir, "expected.json"), e)


# ---------------------------------------------------------------------------
# Image "large": the benchmark, built only with --large.

def build_large(outdir):
	imgdir = os.path.join(outdir, "large")
	bdir = os.path.join(imgdir, "oci-gzip", "blobs", "sha256")
	os.makedirs(bdir, exist_ok=True)
	rng = random.Random(4242)
	text_pool = memoryview(b"".join(text(rng, 1 << 20) for _ in range(24)))
	rand_pool = memoryview(rng.randbytes(48 << 20))

	def content(n, random_share):
		pool = rand_pool if rng.random() < random_share else text_pool
		off = rng.randrange(0, len(pool) - n)
		return pool[off:off + n]

	def some_file():
		u = rng.random()
		if u < 0.85:
			n, share = rng.randint(60, 6000), 0.02
		elif u < 0.985:
			n, share = rng.randint(6000, 48000), 0.15
		elif u < 0.9985:
			n, share = rng.randint(48000, 512000), 0.3
		else:
			n, share = rng.randint(1 << 20, 6 << 20), 0.4
		return content(n, share)

	exts = ("py", "txt", "json", "h", "so", "dat", "md", "js")
	layers = []
	paths = []
	pointed = set()		# symlink targets: never deleted, so no link dangles
	for li, (nfiles, what) in enumerate(((9000, "ADD rootfs.tar.gz /"),
	    (8000, "RUN apt-get install -y build-essential"),
	    (8000, "RUN pip install -r requirements.txt"),
	    (5000, "COPY . /srv"))):
		layer = Layer("/bin/sh -c " + what)
		mine = []
		for i in range(nfiles):
			p = "opt/l%d/d%02d/s%02d/f%05d.%s" % (li, i % 40, (i // 40) % 25, i, exts[i % len(exts)])
			layer.file(p, some_file())
			mine.append(p)
			if i % 500 == 7:
				layer.hardlink(p + ".link", p)
			if i % 400 == 3:
				layer.symlink(p + ".sym", p.rsplit("/", 1)[1])
				pointed.add(p)
		layers.append(layer)
		paths.append(mine)
	# A last layer that rewrites and deletes: real waste.
	last = Layer("/bin/sh -c ./cleanup.sh")
	for p in rng.sample(paths[0], 400):
		last.file(p, some_file())
	l1_free = [p for p in paths[1] if p not in pointed and
	    not p.startswith(("opt/l1/d05/", "opt/l1/d07/"))]
	for p in sorted(rng.sample(l1_free, 300)):
		last.whiteout(p)
	last.whiteout("opt/l2/d03")
	last.whiteout("opt/l1/d07")
	last.opaque("opt/l1/d05")
	for i in range(50):
		last.file("opt/l1/d05/new%03d.txt" % i, content(rng.randint(100, 20000), 0.0))
	layers.append(last)
	history = [layers[0], "/bin/sh -c #(nop)  ENV LANG=C.UTF-8"] + layers[1:] + [
	    "/bin/sh -c #(nop)  CMD [\"/srv/run\"]"]
	spec = ImageSpec("large", history, None, ["/srv/run"])

	def one(i):
		return stream_layer(tar_chunks(spec.layers[i].entries), bdir, str(i))

	with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
		res = list(pool.map(one, range(len(spec.layers))))
	built = [BuiltLayer(spec.layers[i], r[0], r[1], {"gzip": r[2]}) for i, r in enumerate(res)]
	img = BuiltImage(spec, built, ["gzip"])
	formats = ["oci-gzip", "docker-archive-gzip.tar"]
	write_formats(imgdir, img, formats)
	write_json(os.path.join(imgdir, "expected.json"), expected(img, formats))


# ---------------------------------------------------------------------------
# Hostile and broken inputs: OUTDIR/bad/.

def _bad_readable(outdir):
	"""Images with hostile entries: readable, the audit completes with findings."""
	bad = os.path.join(outdir, "bad")
	out = []
	formats = ["oci-gzip", "docker-archive.tar"]

	def base_layer(rng, created_by="/bin/sh -c #(nop) ADD file:0b1a in / "):
		l = Layer(created_by)
		l.file("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n")
		l.file("etc/hostname", b"hostile\n")
		l.file("usr/bin/sh", rng.randbytes(30000), 0o755)
		return l

	# traversal: names that climb out of the root, and an absolute name.
	rng = random.Random(501)
	l0 = base_layer(rng)
	l1 = Layer("/bin/sh -c #(nop) ADD file:evil in / ")
	l1.dir("etc")
	l1.raw("../../etc/passwd", "file", b"evil:x:0:0::/:/bin/sh\n")
	l1.raw("a/../../x", "file", b"escaped through a/..\n")
	l1.raw("/etc/shadow", "file", b"root:*:19000:0:99999:7:::\n")
	l1.file("etc/motd", b"welcome\n")
	spec = ImageSpec("traversal", [l0, l1], ["/usr/bin/sh"], None)
	notes = ("Layer 1 holds '../../etc/passwd' and 'a/../../x' (their '..' climbs above "
	    "the root: finding path-traversal; the entries are counted in the layer's bytes/files/"
	    "entries but never placed, so their bytes are wasted and /etc/passwd stays layer 0's, "
	    "and no directory /a appears) and '/etc/shadow' (finding absolute-path; placed as "
	    "/etc/shadow). dive figures are not given: dive keeps such names as they are.")
	build_regular(bad, spec, formats, with_dive=False, notes=notes,
	    allow=("path-traversal", "absolute-path"))
	out.append({"image": "bad/traversal", "findings": ["absolute-path", "path-traversal"]})

	# longname: a 65536-byte name in a pax header.
	rng = random.Random(502)
	l0 = base_layer(rng)
	l1 = Layer("/bin/sh -c #(nop) COPY dir:long in / ")
	l1.file("srv/ok.txt", b"a normal file\n")
	comp = "d" * 250 + "/"
	name = "srv/" + comp * ((65536 - 4) // len(comp))
	name += "f" * (65536 - len(name))
	assert len(name) == 65536
	l1.dir("srv")
	l1.raw(name, "file", rng.randbytes(3000))
	l1.file("srv/after.txt", b"the entry after the long name\n")
	spec = ImageSpec("longname", [l0, l1], ["/usr/bin/sh"], None)
	notes = ("Layer 1 holds a regular file of 3000 bytes whose name is 65536 bytes long "
	    "(components of 250 bytes, so only the path length is over PATH_MAX), stored in a pax "
	    "extended header: finding name-too-long. It counts in layer 1's bytes, files and entries, "
	    "is never placed (nor its parent directories), so its 3000 bytes are wasted. "
	    "dive figures are not given.")
	build_regular(bad, spec, formats, with_dive=False, notes=notes, allow=("name-too-long",))
	out.append({"image": "bad/longname", "findings": ["name-too-long"]})

	# symlink-loop: a -> b, b -> a, c -> c; hostname -> etc/hostname is fine.
	rng = random.Random(503)
	l0 = base_layer(rng)
	l1 = Layer("/bin/sh -c ln -s b a && ln -s a b && ln -s c c")
	l1.symlink("a", "b")
	l1.symlink("b", "a")
	l1.symlink("c", "c")
	l1.symlink("hostname", "etc/hostname")
	spec = ImageSpec("symlink-loop", [l0, l1], ["/usr/bin/sh"], None)
	notes = ("Symlinks /a -> b, /b -> a and /c -> c loop (finding symlink-loop); "
	    "/hostname -> etc/hostname resolves and must not be reported.")
	build_regular(bad, spec, formats, notes=notes, allow=("symlink-loop",))
	out.append({"image": "bad/symlink-loop", "findings": ["symlink-loop"]})

	# hardlink-missing: a hard link to a path that no layer has.
	rng = random.Random(504)
	l0 = base_layer(rng)
	l1 = Layer("/bin/sh -c #(nop) ADD file:links in / ")
	l1.file("usr/bin/real", rng.randbytes(5000), 0o755)
	l1.hardlink("usr/bin/alias", "usr/bin/real")
	l1.hardlink("usr/bin/ghost", "usr/lib/nowhere")
	spec = ImageSpec("hardlink-missing", [l0, l1], ["/usr/bin/sh"], None)
	notes = ("Layer 1 has /usr/bin/ghost, a hard link to usr/lib/nowhere, which exists in no "
	    "layer (finding hardlink-missing): counted in layer 1's files and entries, and placed "
	    "in the final tree as an empty regular file (tree.h). /usr/bin/alias -> usr/bin/real "
	    "is a good hard link in the same layer: 5000 bytes counted once, listed in "
	    "largest_files once, under /usr/bin/alias (the first of its names in byte order).")
	build_regular(bad, spec, formats, notes=notes, allow=("hardlink-missing",))
	out.append({"image": "bad/hardlink-missing", "findings": ["hardlink-missing"]})
	return out


def _bad_base():
	rng = random.Random(600)
	l0 = Layer("/bin/sh -c #(nop) ADD file:base in / ")
	l0.file("etc/os-release", b"ID=bad\n")
	l0.file("usr/bin/busybox", rng.randbytes(300000), 0o755)
	l0.file("usr/lib/libc.so", rng.randbytes(100000))
	l1 = Layer("/bin/sh -c #(nop) COPY file:app in /app ")
	l1.file("app/main.py", text(rng, 20000))
	return ImageSpec("bad", [l0, "/bin/sh -c #(nop)  ENV A=1", l1], ["/bin/sh"], None)


def _oci_single(d, cfg, layer_blobs, descs=None, manifest=None):
	"""An OCI dir from parts, any of which may be broken on purpose."""
	if descs is None:
		descs = [b.descriptor() for b in layer_blobs]
	if manifest is None:
		manifest = manifest_bytes(cfg, descs)
	mblob = Blob.of(MT_MANIFEST, manifest)
	index = index_bytes([mblob.descriptor(annotations={REF_ANNOTATION: "latest"})])
	write_oci_dir(d, layer_blobs + [cfg, mblob], index)


def _bad_unreadable(outdir):
	bad = os.path.join(outdir, "bad")
	spec = _bad_base()
	img = build_image(spec, ["none", "gzip"], {})
	layers = img.layer_blobs("gzip")
	cfg = img.config
	out = []

	def path(n):
		return os.path.join(bad, n)

	# One gzip layer blob cut in half; the manifest still gives the full size.
	_oci_single(path("truncated-blob"), cfg, layers)
	victim = os.path.join(path("truncated-blob"), "blobs", "sha256", layers[0].hex)
	with open(victim, "r+b") as f:
		f.truncate(layers[0].size // 2)
	out.append({"path": "bad/truncated-blob", "expect": "truncated"})

	# A docker archive cut in the middle of its first layer's layer.tar.
	p = path("truncated-archive.tar")
	offs, ids = write_docker_archive(p, img)
	with open(p, "r+b") as f:
		f.truncate(offs[ids[0] + "/layer.tar"] + img.layers[0].tar_bytes // 2)
	out.append({"path": "bad/truncated-archive.tar", "expect": "truncated"})

	# One byte of a gzip layer changed (the header's MTIME field: the stream
	# still inflates to the same tar, so the diff_id matches and only the
	# blob digest does not).
	_oci_single(path("wrong-digest"), cfg, layers)
	victim = os.path.join(path("wrong-digest"), "blobs", "sha256", layers[1].hex)
	with open(victim, "r+b") as f:
		f.seek(4)
		f.write(b"\x01")
	out.append({"path": "bad/wrong-digest", "expect": "digest mismatch"})

	# The manifest blob is not JSON (its digest matches the broken bytes).
	good = manifest_bytes(cfg, [b.descriptor() for b in layers])
	_oci_single(path("broken-manifest"), cfg, layers, manifest=good[:len(good) // 2])
	out.append({"path": "bad/broken-manifest", "expect": "invalid JSON"})

	# The config blob is not JSON (digest and size updated to match).
	bad_cfg = Blob.of(MT_CONFIG, cfg.data[:len(cfg.data) // 2] + b"\x00}")
	_oci_single(path("broken-config"), bad_cfg, layers)
	out.append({"path": "bad/broken-config", "expect": "invalid JSON"})

	# A layer blob that is not there.
	_oci_single(path("missing-blob"), cfg, layers)
	os.remove(os.path.join(path("missing-blob"), "blobs", "sha256", layers[1].hex))
	out.append({"path": "bad/missing-blob", "expect": "missing blob"})

	# A layer media type nobody knows.
	descs = [b.descriptor() for b in layers]
	descs[0]["mediaType"] = "application/vnd.example.unknown"
	_oci_single(path("bad-mediatype"), cfg, layers, descs=descs)
	out.append({"path": "bad/bad-mediatype", "expect": "unsupported media type"})

	# A decompression bomb: 1 GiB of zeros in one file, gzip -9 (about 1 MiB).
	d = path("bomb")
	bdir = os.path.join(d, "blobs", "sha256")
	os.makedirs(bdir)
	zeros = memoryview(bytes(16 << 20))
	gib = 1 << 30

	def bomb_chunks():
		yield tar_header("zeros.bin", "file", gib)
		for _ in range(gib // len(zeros)):
			yield zeros
		yield END_OF_TAR
	tar_len, diff_id, blob = stream_layer(bomb_chunks(), bdir, "bomb", level=9)
	bspec = ImageSpec("bomb", [Layer("/bin/sh -c dd if=/dev/zero of=/zeros.bin bs=1M count=1024")],
	    ["/bin/sh"], None)
	bcfg = Blob.of(MT_CONFIG, config_bytes(bspec, [diff_id]))
	_oci_single(d, bcfg, [blob])
	out.append({"path": "bad/bomb", "expect": "decompression ratio"})

	# Not an image: a plain file-system tar.
	rng = random.Random(601)
	write_tar(path("not-an-image.tar"), [("etc/", None), ("etc/hostname", b"plain\n"),
	    ("usr/", None), ("usr/bin/", None), ("usr/bin/tool", rng.randbytes(4000))])
	out.append({"path": "bad/not-an-image.tar", "expect": "not an image"})

	write_file(path("empty-file.tar"), b"")
	out.append({"path": "bad/empty-file.tar", "expect": "not an image"})

	# An OCI layout without index.json.
	_oci_single(path("no-manifest-dir"), cfg, layers)
	os.remove(os.path.join(path("no-manifest-dir"), "index.json"))
	out.append({"path": "bad/no-manifest-dir", "expect": "index.json"})
	return out


def build_bad(outdir):
	bad = os.path.join(outdir, "bad")
	os.makedirs(bad, exist_ok=True)
	write_json(os.path.join(bad, "readable.json"), _bad_readable(outdir))
	write_json(os.path.join(bad, "unreadable.json"), _bad_unreadable(outdir))


# ---------------------------------------------------------------------------

def build_basic(outdir):
	build_regular(outdir, spec_basic(), ALL_FORMATS)


# The demo only needs what `make demo` and the docs show; every format is
# exercised by basic already, and the demo is large enough to cost disk.
DEMO_FORMATS = ["oci-gzip", "docker-archive.tar", "docker-archive-gzip.tar"]


def build_demo(outdir):
	build_regular(outdir, spec_demo(), DEMO_FORMATS)


# The serving image: what candidates.sh audits (gzip) and a docker archive.
SERVING_FORMATS = ["oci-gzip", "docker-archive.tar"]


def build_serving(outdir):
	spec = spec_serving()
	imgdir = os.path.join(outdir, spec.name)
	os.makedirs(imgdir, exist_ok=True)
	img = build_image(spec, comps_for(SERVING_FORMATS), {})
	write_formats(imgdir, img, SERVING_FORMATS)
	e = expected(img, SERVING_FORMATS)
	e["serving"] = serving_facts(spec)
	write_json(os.path.join(imgdir, "expected.json"), e)


BUILDERS = [("basic", build_basic), ("multiarch", build_multiarch),
    ("demo", build_demo), ("serving", build_serving), ("bad", build_bad),
    ("large", build_large)]


def main(argv):
	args = argv[1:]
	large = "--large" in args
	only = None
	rest = []
	i = 0
	while i < len(args):
		a = args[i]
		if a == "--large":
			pass
		elif a == "--only" and i + 1 < len(args):
			only = args[i + 1].split(",")
			i += 1
		elif a.startswith("--only="):
			only = a.split("=", 1)[1].split(",")
		elif a.startswith("-"):
			rest = []
			break
		else:
			rest.append(a)
		i += 1
	if len(rest) != 1:
		sys.stderr.write("usage: build.py OUTDIR [--large] [--only NAME[,NAME...]]\n"
		    "  images: " + ", ".join(n for n, _ in BUILDERS) + " (large only with --large)\n")
		return 2
	outdir = rest[0]
	os.makedirs(outdir, exist_ok=True)
	known = [n for n, _ in BUILDERS]
	if only:
		for n in only:
			if n not in known:
				sys.stderr.write("build.py: unknown image %s\n" % n)
				return 2
	t0 = time.time()
	for name, fn in BUILDERS:
		if only is not None and name not in only:
			continue
		if only is None and name == "large" and not large:
			continue
		t = time.time()
		shutil.rmtree(os.path.join(outdir, name), ignore_errors=True)
		fn(outdir)
		print("build.py: %-10s %5.1f s" % (name, time.time() - t))
	print("build.py: all        %5.1f s -> %s" % (time.time() - t0, outdir))
	return 0


if __name__ == "__main__":
	sys.exit(main(sys.argv))
