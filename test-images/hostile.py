#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""hostile.py: images built to hurt an image reader.

    python3 test-images/hostile.py OUTDIR [--only NAME[,NAME...]] [--small]

Writes OUTDIR/NAME/oci (an OCI layout) for each image below, and
OUTDIR/hostile.json listing them with what the builder knows of each:
{"name", "expect": "refused" | "audited" | "either", and facts from its
own bookkeeping (stderr words, finding kinds, sizes written, a memory
bound)}.  Each is something a registry may serve and imgaudit must
survive: it either refuses the image (exit 2, a message naming the
problem) or audits it and lists findings, in bounded time and memory, and
never crashes (tests/e2e/hostile_corpus.sh, tests/e2e/hostile_check.py).
--small shrinks the big ones (entries, depth, bomb size) by 10 for a
quick look, and for AddressSanitizer.

	many-files	one layer of 1,000,000 empty files
	deep-dirs	directories nested 10,000 levels deep
	link-loops	symlink loops, hard links to themselves and in a cycle
	same-layer	a manifest that lists the same layer 1,000 times
	dup-keys	duplicate keys in the manifest and the config
	bad-utf8	invalid UTF-8 in every string: names, links, history,
			environment, labels, package database
	whiteout-root	whiteouts and opaque markers of / itself
	zstd-checksum	a zstd layer whose frame checksum is wrong: refused
	pkgdb-bomb	a 100 MB dpkg status, gzip-compressed to almost
			nothing: not read, a finding
	dpkg-dense	3,000 installed packages of one name, each requiring it
	dpkg-chain	3,000 packages, each requiring the next: removal sets
			of n²/2 entries, cut by deps.c's work budget
	dpkg-wide	400 packages of one name, each requiring it 4,096
			times: a graph cut at deps.c's ceiling, a finding
	gzip-bomb-10g	a 10 GB file of zeros, gzip-compressed to 10 MB (the
			deflate blocks repeated, CRC and diff_id computed):
			refused by the ratio check after a few hundred MB
	sparse-10g	two sparse files of 10 GB apparent size and 8 KiB of
			data, old GNU ('S') and PAX 1.0: audited, counted at
			their apparent size (as dive and an unpacked
			container see them), a sparse-file finding
	config-history-100m  a config of 400,000 history entries, 100 MB:
			refused from its size, before it is read

Built with test-images/build.py's helpers (tar headers, blobs, layouts);
deterministic like the rest of test-images/.  Standard library only, plus
the zstd command.
"""

import hashlib
import os
import shutil
import struct
import subprocess
import sys
import tarfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import build as B  # noqa: E402

DEB_STANZA = (b"Package: %s\nStatus: install ok installed\nPriority: optional\n"
    b"Architecture: amd64\nVersion: 1.0\nInstalled-Size: 4\n"
    b"Description: x\n\n")


def entry(name, kind="file", data=b"", link="", mode=0o644):
	"""The bytes of one tar entry (header, data, padding)."""
	h = B.tar_header(name, kind, len(data) if kind == "file" else 0, link,
	    mode)
	if kind != "file" or not data:
		return h
	pad = (512 - len(data) % 512) % 512
	return h + data + bytes(pad)


class Image:
	"""An OCI layout being written: layers streamed to blobs, then JSON."""

	def __init__(self, outdir, name):
		self.dir = os.path.join(outdir, name, "oci")
		shutil.rmtree(os.path.join(outdir, name), ignore_errors=True)
		self.bdir = os.path.join(self.dir, "blobs", "sha256")
		os.makedirs(self.bdir)
		self.layers = []	# (diff_id, Blob)
		self.history = []

	def layer(self, chunks, created_by, comp="gzip"):
		"""Add a layer from an iterable of tar bytes (end blocks added)."""
		def all_chunks():
			yield from chunks
			yield B.END_OF_TAR
		if comp == "gzip":
			_, diff_id, blob = B.stream_layer(all_chunks(), self.bdir,
			    "layer%d" % len(self.layers), level=1)
		else:
			tar = b"".join(all_chunks())
			diff_id = "sha256:" + B.sha256hex(tar)
			data = tar if comp == "none" else B.zstd_bytes(tar)
			blob = B.Blob.of(B.MT_LAYER[comp], data)
		self.layers.append((diff_id, blob))
		self.history.append({"created": B.CREATED, "created_by": created_by})
		return diff_id, blob

	def finish(self, config=None, manifest=None, layer_list=None):
		"""
		Write config, manifest and index.  config and manifest may be
		given as bytes (hostile JSON); layer_list repeats or picks layers.
		"""
		layers = self.layers if layer_list is None else layer_list
		if config is None:
			config = B.jbytes({"architecture": "amd64", "os": "linux",
			    "created": B.CREATED, "config": {"Env": ["PATH=/usr/bin"]},
			    "rootfs": {"type": "layers",
			    "diff_ids": [d for d, _ in layers]},
			    "history": self.history if layer_list is None else
			    [{"created_by": "COPY x /"} for _ in layers]})
		cfg = B.Blob.of(B.MT_CONFIG, config)
		if manifest is None:
			manifest = B.jbytes({"schemaVersion": 2,
			    "mediaType": B.MT_MANIFEST, "config": cfg.descriptor(),
			    "layers": [b.descriptor() for _, b in layers]})
		man = B.Blob.of(B.MT_MANIFEST, manifest)
		index = B.index_bytes([man.descriptor(
		    annotations={B.REF_ANNOTATION: "latest"})])
		B.write_oci_dir(self.dir, [b for _, b in self.layers] + [cfg, man],
		    index)


def many_files(img, scale):
	"""1,000,000 empty files, 1,000 to a directory."""
	n = 1000000 // scale

	def chunks():
		buf = []
		for i in range(n):
			if i % 1000 == 0:
				buf.append(entry("d%04d" % (i // 1000), "dir", mode=0o755))
			buf.append(entry("d%04d/f%06d" % (i // 1000, i)))
			if len(buf) >= 4096:
				yield b"".join(buf)
				buf = []
		yield b"".join(buf)
	img.layer(chunks(), "RUN touch a million files")
	img.finish()
	return {"final_files": n}


def deep_dirs(img, scale):
	"""Directories 10,000 levels deep, a file at the bottom."""
	depth = 10000 // scale

	def chunks():
		path = ""
		for i in range(depth):
			path = path + "/a" if path else "a"
			yield entry(path, "dir", mode=0o755)
		yield entry(path + "/bottom", data=b"deep\n")
		yield entry("shallow", data=b"ok\n")
	img.layer(chunks(), "RUN mkdir -p a/a/a/...")
	img.finish()


def link_loops(img, scale):
	chunks = [
	    entry("loop", "dir", mode=0o755),
	    entry("loop/a", "symlink", link="b"),
	    entry("loop/b", "symlink", link="a"),
	    entry("loop/self", "symlink", link="self"),
	    entry("loop/up", "symlink", link="../loop/up"),
	    entry("loop/dir", "symlink", link="."),
	    entry("loop/root", "symlink", link="/"),
	    entry("loop/deep", "symlink", link="dir/dir/dir/dir/dir/deep"),
	    entry("usr", "dir", mode=0o755),
	    entry("usr/lib", "symlink", link="../usr/lib"),
	    entry("lib", "symlink", link="usr/lib"),
	    entry("lib64", "symlink", link="lib"),
	    entry("loop/h1", "hardlink", link="loop/h1"),
	    entry("loop/h2", "hardlink", link="loop/h3"),
	    entry("loop/h3", "hardlink", link="loop/h2"),
	    entry("loop/real", data=b"data\n"),
	    entry("loop/h4", "hardlink", link="loop/real"),
	    entry("loop/h5", "hardlink", link="loop/h4"),
	]
	img.layer(chunks, "RUN ln -s ...")
	img.layer([entry("loop/real", "hardlink", link="loop/h5"),
	    entry("lib/x.so", "hardlink", link="lib64/x.so")], "RUN ln ...")
	img.finish()


def same_layer(img, scale):
	"""One small layer listed 1,000 times (the most imgaudit takes)."""
	diff_id, blob = img.layer([entry("etc", "dir", mode=0o755),
	    entry("etc/motd", data=b"hello\n")], "COPY motd /etc/")
	img.finish(layer_list=[(diff_id, blob)] * (1000 // scale))


def dup_keys(img, scale):
	diff_id, blob = img.layer([entry("etc", "dir", mode=0o755),
	    entry("etc/a", data=b"a\n")], "COPY a /etc/")
	other = "sha256:" + "0" * 64
	cfg = ('{"architecture":"amd64","architecture":"arm64","os":"linux",'
	    '"os":"windows","config":{"Env":["A=1"],"Env":["A=2"],'
	    '"Entrypoint":["/bin/a"],"Entrypoint":"/bin/b"},'
	    '"rootfs":{"type":"layers","diff_ids":["%s"]},'
	    '"rootfs":{"type":"layers","diff_ids":["%s","%s"]},'
	    '"history":[{"created_by":"one","created_by":"two"}],'
	    '"history":[]}' % (diff_id, other, other)).encode()
	c = B.Blob.of(B.MT_CONFIG, cfg)
	desc = B.jbytes(blob.descriptor())
	man = ('{"schemaVersion":2,"schemaVersion":1,"mediaType":"%s",'
	    '"config":%s,"config":{"digest":"sha256:%s","size":1},'
	    '"layers":[%s],"layers":[%s,%s]}' % (B.MT_MANIFEST,
	    B.jbytes(c.descriptor()).decode(), "1" * 64, desc.decode(),
	    desc.decode(), desc.decode())).encode()
	img.finish(config=cfg, manifest=man)


def bad_utf8(img, scale):
	bad = "caf\udce9-\udcff\udcfe-\udcc0\udcaf"	# raw bytes e9, ff fe, c0 af
	status = (b"Package: bad\xff\xfename\nStatus: install ok installed\n"
	    b"Version: 1.\xc0\xaf0\nArchitecture: amd64\nInstalled-Size: 1\n"
	    b"Depends: lib\xe9c (>= 1)\nDescription: \xed\xa0\x80 surrogate\n\n")
	lst = ("/usr/share/" + bad + "\n").encode("utf-8", "surrogateescape")
	chunks = [
	    entry("usr", "dir", mode=0o755),
	    entry("usr/share", "dir", mode=0o755),
	    entry("usr/share/" + bad, data=b"x" * 100),
	    entry("usr/share/" + bad + "-link", "symlink", link=bad),
	    entry("usr/share/" + bad + "-hard", "hardlink",
		link="usr/share/" + bad),
	    entry("var", "dir", mode=0o755),
	    entry("var/lib", "dir", mode=0o755),
	    entry("var/lib/dpkg", "dir", mode=0o755),
	    entry("var/lib/dpkg/info", "dir", mode=0o755),
	    entry("var/lib/dpkg/status", data=status),
	    entry("var/lib/dpkg/info/bad.list", data=lst),
	]
	diff_id, blob = img.layer(chunks, "RUN echo " + bad)
	s = ('{"architecture":"amd64","os":"linux","created":"2024\udcff",'
	    '"config":{"Env":["A=%s"],"Labels":{"%s":"%s"},'
	    '"Entrypoint":["/bin/%s"]},"rootfs":{"type":"layers",'
	    '"diff_ids":["%s"]},"history":[{"created_by":"RUN %s"}]}' %
	    (bad, bad, bad, bad, diff_id, bad))
	img.finish(config=s.encode("utf-8", "surrogateescape"))


def whiteout_root(img, scale):
	img.layer([entry("etc", "dir", mode=0o755),
	    entry("etc/keep", data=b"keep\n")], "ADD base /")
	img.layer([entry(".wh..wh..opq"), entry("./.wh..wh..opq"),
	    entry("/.wh..wh..opq"), entry(".wh."), entry(".wh.."),
	    entry(".wh..."), entry("../.wh.etc"), entry("etc/.wh.."),
	    entry("etc/../.wh.etc"), entry("/"), entry(".", "dir", mode=0o755),
	    entry("./", "dir", mode=0o755)], "RUN rm -rf /")
	img.finish()


def zstd_checksum(img, scale):
	tar = b"".join([entry("etc", "dir", mode=0o755),
	    entry("etc/a", data=b"a" * 5000), B.END_OF_TAR])
	z = subprocess.run(["zstd", "-q", "--check", "-c"], input=tar,
	    stdout=subprocess.PIPE, check=True).stdout
	z = z[:-4] + bytes(b ^ 0xff for b in z[-4:])	# the XXH64 checksum
	blob = B.Blob.of(B.MT_LAYER["zstd"], z)
	img.layers.append(("sha256:" + B.sha256hex(tar), blob))
	img.history.append({"created_by": "COPY a /etc/"})
	img.finish()
	return {"expect": "refused", "stderr": ["checksum"]}


def pkgdb_bomb(img, scale):
	"""A 100 MB var/lib/dpkg/status: over PKGDB_FILE_MAX (64 MiB)."""
	stanza = DEB_STANZA % b"p"
	n = (100 * 1000 * 1000 // scale) // len(stanza)
	size = n * len(stanza)

	def chunks():
		for d in ("var", "var/lib", "var/lib/dpkg"):
			yield entry(d, "dir", mode=0o755)
		yield B.tar_header("var/lib/dpkg/status", "file", size)
		block = stanza * 10000
		left = n
		while left > 0:
			k = min(left, 10000)
			yield block if k == 10000 else stanza * k
			left -= k
		yield bytes((512 - size % 512) % 512)
	img.layer(chunks(), "RUN apt-get install everything")
	img.finish()
	# Past PKGDB_FILE_MAX (64 MiB) it is not read; --small's 10 MB is.
	return {"expect": "audited", "findings": ["package-db-too-large"]
	    if size > 64 * 1024 * 1024 else []}


def dpkg_image(img, status):
	img.layer([entry("var", "dir", mode=0o755),
	    entry("var/lib", "dir", mode=0o755),
	    entry("var/lib/dpkg", "dir", mode=0o755),
	    entry("var/lib/dpkg/status", data=status)], "RUN apt-get install")
	img.finish()


def dpkg_dense(img, scale):
	"""Every requirement met by thousands: removal sets hung on this."""
	dpkg_image(img, b"".join(b"Package: p\nStatus: install ok installed\n"
	    b"Architecture: amd64\nVersion: 1\nDepends: p\n\n"
	    for _ in range(3000 // scale)))
	return {"expect": "audited"}


def dpkg_chain(img, scale):
	"""p00000 needs p00001 ... : one removal cascades through them all."""
	n = 3000 // scale
	dpkg_image(img, b"".join(b"Package: p%05d\nStatus: install ok "
	    b"installed\nArchitecture: amd64\nVersion: 1\nDepends: p%05d\n\n"
	    % (i, i + 1) for i in range(n)))
	# Removal sets n²/2 + n² entries (and held lists): all of them took
	# 277 MB; the work budget (deps.h) keeps it to a fraction.
	return {"expect": "audited", "chain": n, "max_kb": 150000}


def dpkg_wide(img, scale):
	"""
	400 packages named p, each "Depends: p, p, ..." 4,096 times (the most
	relationships a stanza may have): every mention is met by 64 others,
	a graph of 100 million edges, which deps.c cuts at DEPS_EDGES_MAX.
	The 1,638,400 relationships are cut at PKGDB_DEPS_MAX (1,000,000):
	205 MB (1.15 GB with neither ceiling).
	"""
	dep = b", ".join([b"p"] * 4096)
	dpkg_image(img, b"".join(b"Package: p\nStatus: install ok installed\n"
	    b"Architecture: amd64\nVersion: %d\nDepends: %s\n\n" % (i, dep)
	    for i in range(400 // scale)))
	return {"expect": "audited", "findings": ["dependency-graph-too-large"],
	    "max_kb": 300000}


GB = 1000 * 1000 * 1000


def gzip_bomb(img, scale):
	"""
	A tar holding one 10 GB file of zeros, gzip-compressed to about 10 MB.
	The deflate stream is built, not compressed: after a full flush a
	deflate block refers to nothing before it, so the compressed form of
	one 1 MB block of zeros, flushed, can be repeated 10,000 times.  The
	CRC-32 and ISIZE of the gzip trailer, and the diff_id, are computed
	over the 10 GB all the same (about 10 s), so that the stream is valid
	and only its size is hostile.
	"""
	size = 10 * GB // scale
	block = 1000 * 1000
	assert size % (100 * block) == 0 and size % 512 == 0
	header = b"".join(entry(d, "dir", mode=0o755) for d in ("srv",))
	header += B.tar_header("srv/zeros", "file", size)
	zeros = bytes(block)

	def raw(data, mode):
		c = zlib.compressobj(9, zlib.DEFLATED, -15)
		return c.compress(data) + c.flush(mode)
	head = raw(header, zlib.Z_FULL_FLUSH)
	body = raw(zeros, zlib.Z_FULL_FLUSH)
	tail = raw(B.END_OF_TAR, zlib.Z_FINISH)
	crc = zlib.crc32(header)
	h_tar = hashlib.sha256(header)
	for _ in range(size // block):
		crc = zlib.crc32(zeros, crc)
		h_tar.update(zeros)
	crc = zlib.crc32(B.END_OF_TAR, crc)
	h_tar.update(B.END_OF_TAR)
	tar_len = len(header) + size + len(B.END_OF_TAR)
	gz_head = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
	trailer = struct.pack("<II", crc, tar_len & 0xffffffff)
	h_blob = hashlib.sha256(gz_head + head)
	tmp = os.path.join(img.bdir, ".tmp-bomb")
	with open(tmp, "wb") as f:
		f.write(gz_head + head)
		run = body * 100
		for _ in range(size // block // 100):
			f.write(run)
			h_blob.update(run)
		f.write(tail + trailer)
		h_blob.update(tail + trailer)
		blob_len = f.tell()
	os.replace(tmp, os.path.join(img.bdir, h_blob.hexdigest()))
	blob = B.Blob(B.MT_LAYER["gzip"], "sha256:" + h_blob.hexdigest(),
	    blob_len, path=os.path.join(img.bdir, h_blob.hexdigest()))
	img.layers.append(("sha256:" + h_tar.hexdigest(), blob))
	img.history.append({"created": B.CREATED,
	    "created_by": "RUN dd if=/dev/zero of=/srv/zeros"})
	img.finish()
	# Refused by the ratio check (100:1 past 256 MB: docs/limits.md),
	# which must stop it early: the message says how far it read.
	return {"expect": "refused", "stderr": ["decompression ratio"],
	    "uncompressed": size, "compressed": blob_len,
	    "read_floor": 256 * 1000 * 1000, "read_max": 1000 * 1000 * 1000}


def octal_or_256(v, width):
	"""A tar number field: octal with a NUL, or base-256 past that."""
	if v < 8 ** (width - 1):
		return b"%0*o\0" % (width - 1, v)
	return bytes([0x80]) + v.to_bytes(width - 1, "big")


def gnu_sparse_header(name, realsize, segments):
	"""An old GNU sparse ('S') header: up to 4 segments in the header."""
	assert len(segments) <= 4
	stored = sum(n for _, n in segments)
	h = bytearray(512)
	h[0:len(name)] = name.encode()
	h[100:108] = b"0000644\0"
	h[108:116] = b"0000000\0"
	h[116:124] = b"0000000\0"
	h[124:136] = octal_or_256(stored, 12)
	h[136:148] = octal_or_256(0, 12)
	h[156:157] = b"S"
	h[257:265] = b"ustar  \0"
	for i, (off, n) in enumerate(segments):
		h[386 + 24 * i:398 + 24 * i] = octal_or_256(off, 12)
		h[398 + 24 * i:410 + 24 * i] = octal_or_256(n, 12)
	h[482] = 0
	h[483:495] = octal_or_256(realsize, 12)
	h[148:156] = b" " * 8
	h[148:156] = b"%06o\0 " % sum(h)
	return bytes(h)


def pax_sparse_entry(name, realsize, segments, datas):
	"""
	A PAX 1.0 sparse file, as GNU tar --format=pax writes it: the real
	name and size in GNU.sparse.* records, the map at the head of the data.
	"""
	ti = tarfile.TarInfo("GNUSparseFile.0/" + os.path.basename(name))
	ti.mtime = 0
	ti.uid = ti.gid = 0
	ti.uname = ti.gname = ""
	ti.mode = 0o644
	ti.pax_headers = {"GNU.sparse.major": "1", "GNU.sparse.minor": "0",
	    "GNU.sparse.name": name, "GNU.sparse.realsize": str(realsize)}
	m = b"%d\n" % len(segments) + b"".join(b"%d\n%d\n" % s for s in segments)
	m += bytes((512 - len(m) % 512) % 512)
	data = m + b"".join(datas)
	ti.size = len(data)
	out = ti.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")
	return out + data + bytes((512 - len(data) % 512) % 512)


def sparse_10g(img, scale):
	"""
	Two files of 10 GB apparent size that store 8 KiB each: one old GNU
	sparse entry ('S'), one PAX 1.0 sparse entry.  Unpacked, each is a
	10 GB file (holes, on a filesystem that has them).
	"""
	real = 10 * GB
	seg = [(0, 4096), (real - 4096, 4096)]
	datas = [(b"head of a sparse file\n" * 200)[:4096],
	    (b"tail of a sparse file\n" * 200)[:4096]]
	gnu = gnu_sparse_header("srv/gnu-sparse", real, seg) + b"".join(datas)
	img.layer([entry("srv", "dir", mode=0o755), gnu,
	    pax_sparse_entry("srv/pax-sparse", real, seg, datas),
	    entry("srv/plain", data=b"plain\n")], "RUN truncate -s 10G ...")
	img.finish()
	return {"expect": "audited", "findings": ["sparse-file"],
	    "sparse": {"/srv/gnu-sparse": [real, 8192],
	    "/srv/pax-sparse": [real, 8192]},
	    "layer_bytes": 2 * real + len(b"plain\n")}


def config_history(img, scale):
	"""
	A config whose history array is about 100 MB: 400,000 entries with a
	long created_by (over the 64 MiB a JSON document may have).
	"""
	diff_id, _ = img.layer([entry("etc", "dir", mode=0o755),
	    entry("etc/a", data=b"a\n")], "COPY a /etc/")
	line = "RUN " + "echo hostile history && " * 8 + "true"
	hist = B.jbytes({"created": B.CREATED, "created_by": line})
	n = 400000
	cfg = (b'{"architecture":"amd64","os":"linux","created":"%s",'
	    b'"config":{"Env":["PATH=/usr/bin"]},"rootfs":{"type":"layers",'
	    b'"diff_ids":["%s"]},"history":[' % (B.CREATED.encode(),
	    diff_id.encode()) + b",".join([hist] * n) + b"]}")
	img.finish(config=cfg)
	# Refused from its size alone, before it is read: far less memory
	# than the document.
	return {"expect": "refused",
	    "stderr": ["{:,} bytes".format(len(cfg)), "--max-json"],
	    "config_bytes": len(cfg), "max_kb": 60000}


IMAGES = {
	"many-files": many_files,
	"deep-dirs": deep_dirs,
	"link-loops": link_loops,
	"same-layer": same_layer,
	"dup-keys": dup_keys,
	"bad-utf8": bad_utf8,
	"whiteout-root": whiteout_root,
	"zstd-checksum": zstd_checksum,
	"pkgdb-bomb": pkgdb_bomb,
	"dpkg-dense": dpkg_dense,
	"dpkg-chain": dpkg_chain,
	"dpkg-wide": dpkg_wide,
	"gzip-bomb-10g": gzip_bomb,
	"sparse-10g": sparse_10g,
	"config-history-100m": config_history,
}


def main(argv):
	args = argv[1:]
	only, scale = None, 1
	while args and args[0].startswith("--"):
		if args[0] == "--only" and len(args) > 1:
			only = args[1].split(",")
			args = args[2:]
		elif args[0] == "--small":
			scale = 10
			args = args[1:]
		else:
			break
	if len(args) != 1:
		print(__doc__.split("\n\n")[1], file=sys.stderr)
		return 2
	out = args[0]
	os.makedirs(out, exist_ok=True)
	listing = []
	for name in IMAGES:
		if only is not None and name not in only:
			continue
		facts = {"name": name, "expect": "either"}
		facts.update(IMAGES[name](Image(out, name), scale) or {})
		listing.append(facts)
	with open(os.path.join(out, "hostile.json"), "w") as f:
		f.write(B.jbytes(listing).decode() + "\n")
	return 0


if __name__ == "__main__":
	sys.exit(main(sys.argv))
