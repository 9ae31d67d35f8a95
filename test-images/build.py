#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""build.py: imgaudit's deterministic test images and the facts they hold.

    python3 test-images/build.py OUTDIR [--large] [--only NAME[,NAME...]]

Builds basic, multiarch, demo and bad (and large with --large) into OUTDIR,
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


BUILDERS = [("basic", build_basic), ("multiarch", build_multiarch),
    ("demo", build_demo), ("bad", build_bad), ("large", build_large)]


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
