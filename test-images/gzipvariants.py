#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""gzipvariants.py: one small image whose gzip layers are written oddly.

    python3 test-images/gzipvariants.py OUTDIR

Writes OUTDIR/gzipvariants/NAME/{oci-gzip/,docker-archive-gzip.tar,
expected.json} for each variant below, and OUTDIR/gzipvariants/variants.json
listing them with the exit status imgaudit must give and, for the refused
ones, a word its message must hold.  Every variant holds the same two layers
(the same tars, so the same diff_ids and the same report but for the blob
digests and sizes); only how the gzip bytes are laid out differs.  Both gzip
readers imgaudit has (isa-l's and libarchive's zlib path) must read every
variant alike (tests/e2e/inflate_paths.sh).

	multi-member	layer 0 in 3 gzip members, layer 1 in 5, cut at
			arbitrary tar offsets (inside headers and file data,
			never on a 512-byte boundary), levels 6, 1, 9, 0
			(stored blocks) and 6, an empty member in the middle
			of layer 1 and one at the end of layer 0
	header-fields	layer 1's gzip header written by hand (RFC 1952) with
			FEXTRA (two subfields), FNAME, FCOMMENT and a correct
			FHCRC, MTIME set; raw deflate inside
	header-big	the same with a 65,535-byte FEXTRA (the most XLEN
			allows) and a 6,000-byte FNAME and FCOMMENT (all of it
			inside the first read)
	trailing-zeros	1,024 zero bytes after layer 1's last member:
			libarchive's gzip filter ends the stream at bytes that
			do not start a member; `gzip -t` (1.12) and `igzip -d`
			accept it too, silently
	truncated	layer 1 cut at 60 % of its gzip blob, in the deflate
			data; the manifest's size and digest are those of the
			cut blob, so only the decompressor can tell
	truncated-trailer  layer 1 without the last 4 bytes (ISIZE): every
			tar byte inflates, the trailer is short
	trailer-straddle  layer 1 in 2 members, the first stored and ending
			so that its 8-byte trailer spans blob offset 256 KiB
			(where imgaudit's first read of a blob ends)
	fname-straddle	the same, with the second member's header (FNAME and
			MTIME, what `gzip FILE` writes) spanning 256 KiB
	header-straddle	the same, with header-big's 77 kB header spanning it
	bad-hcrc	layer 1's FHCRC wrong (one member)
	bad-hcrc-second	layer 1 in 2 members, the second's FHCRC wrong
	bad-crc		layer 1's CRC32 trailer off by one bit
	bad-isize	layer 1's ISIZE trailer off by one
			(the tar inflates whole in these four: gzip, igzip and
			Go's compress/gzip, and so docker, refuse all four, and
			so does imgaudit's isa-l path; libarchive's gzip filter
			(3.6) checks neither CRC, so --inflate=zlib reads them:
			variants.json records that as zlib_rc 0)

The expected facts come from build.py's bookkeeping for the two layers
(expected(): counts, tar_bytes, diff_ids, final tree, dive figures), the
blob digests and sizes from the bytes written here.  Deterministic like the
rest of test-images/: fixed content (seeded), gzip MTIME 0 but where set on
purpose, no name but where set on purpose.  Standard library only.
"""

import json
import os
import random
import shutil
import struct
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import build as B  # noqa: E402

FORMATS = ["oci-gzip", "docker-archive-gzip.tar"]

# gzip header flags (RFC 1952, 2.3.1)
FHCRC, FEXTRA, FNAME, FCOMMENT = 0x02, 0x04, 0x08, 0x10


def spec():
	"""Two layers of mixed content: random data compresses badly, text well."""
	rng = random.Random(900)
	l0 = B.Layer("/bin/sh -c #(nop) ADD file:gzipvariants in / ")
	l0.file("etc/os-release", b"ID=gzipvariants\n")
	l0.file("usr/bin/tool", rng.randbytes(150001), 0o755)
	l0.hardlink("usr/bin/tool-alias", "usr/bin/tool")
	l0.symlink("usr/bin/t", "tool")
	for i in range(40):
		l0.file("usr/share/doc/gz/part%02d.txt" % i, B.text(rng, 700 + 97 * i))
	l0.file("usr/lib/libdata.so", rng.randbytes(90000))
	l0.file("var/empty", b"")
	l1 = B.Layer("/bin/sh -c apt-get install -y gzip-things")
	l1.file("etc/os-release", b"ID=gzipvariants\nVERSION=2\n")
	l1.whiteout("usr/share/doc/gz/part07.txt")
	l1.file("opt/model.bin", rng.randbytes(200000))
	l1.file("opt/notes.txt", B.text(rng, 120000))
	for i in range(25):
		l1.file("opt/conf/c%02d.ini" % i, B.text(rng, 300 + 31 * i))
	return B.ImageSpec("gzipvariants", [l0, "/bin/sh -c #(nop)  ENV GZ=1", l1],
	    ["/usr/bin/tool"], ["--serve"])


def member(data, level=B.GZIP_LEVEL):
	"""One ordinary gzip member (MTIME 0, no name), as build.py writes."""
	c = zlib.compressobj(level, zlib.DEFLATED, 31)
	return c.compress(data) + c.flush()


def cut_points(rng, n, pieces):
	"""pieces-1 offsets in (0, n), none on a 512-byte boundary."""
	out = set()
	while len(out) < pieces - 1:
		k = rng.randrange(1, n)
		if k % 512:
			out.add(k)
	return sorted(out)


def multi_member(tar, rng, pieces, levels, empty_at):
	"""tar in `pieces` members cut at random offsets; an empty member at index empty_at."""
	cuts = [0] + cut_points(rng, len(tar), pieces) + [len(tar)]
	parts = [member(tar[a:b], levels[i % len(levels)])
	    for i, (a, b) in enumerate(zip(cuts, cuts[1:]))]
	parts.insert(empty_at, member(b""))
	return b"".join(parts), cuts[1:-1]


def handmade(tar, extra, name, comment, mtime, hcrc=True):
	"""
	One member with the optional header fields given (RFC 1952 2.3):
	FEXTRA (extra: list of (SI1SI2, data) subfields; None: no FEXTRA),
	FNAME and FCOMMENT (None: absent), FHCRC (the low 16 bits of the CRC32
	of the header bytes before it), as `gzip FILE` writes FNAME and MTIME.
	"""
	flags = (FEXTRA if extra is not None else 0) | \
	    (FNAME if name is not None else 0) | \
	    (FCOMMENT if comment is not None else 0) | (FHCRC if hcrc else 0)
	h = b"\x1f\x8b\x08" + bytes([flags])
	h += struct.pack("<I", mtime) + b"\x00\x03"	# XFL 0, OS 3 (Unix)
	if extra is not None:
		xfield = b"".join(si + struct.pack("<H", len(d)) + d for si, d in extra)
		if len(xfield) > 0xffff:
			raise B.BuildError("FEXTRA of %d bytes: XLEN is 16 bits" % len(xfield))
		h += struct.pack("<H", len(xfield)) + xfield
	for s in (name, comment):
		if s is not None:
			h += s + b"\0"
	if hcrc:
		h += struct.pack("<H", zlib.crc32(h) & 0xffff)
	c = zlib.compressobj(B.GZIP_LEVEL, zlib.DEFLATED, -15)
	body = c.compress(tar) + c.flush()
	return h + body + struct.pack("<II", zlib.crc32(tar), len(tar) & 0xffffffff)


IN_CHUNK = 256 * 1024	# auditor/layer_pipe.c: blob bytes per read


def stored_prefix(tar, length):
	"""k such that member(tar[:k], 0), stored blocks, is length bytes long."""
	k = length
	for _ in range(20):
		d = len(member(tar[:k], 0)) - length
		if d == 0:
			return k
		k -= d
	raise B.BuildError("no stored member of %d bytes" % length)


def hcrc_at(extra, name, comment):
	"""Offset of FHCRC in a handmade() header with these fields."""
	return 10 + 2 + sum(4 + len(d) for _, d in extra) + len(name) + 1 + \
	    len(comment) + 1


def bad_hcrc(tar, extra):
	m = bytearray(handmade(tar, extra, b"layer.tar", b"", 0))
	m[hcrc_at(extra, b"layer.tar", b"")] ^= 0xff
	return m


def variants(tars):
	"""
	name -> (layer 0 blob, layer 1 blob, rc, message word, notes).  tars:
	the two layer tars.  The refused ones break layer 1 only.
	"""
	t0, t1 = tars
	rng = random.Random(901)
	plain0, plain1 = member(t0), member(t1)
	out = {}

	m0, c0 = multi_member(t0, rng, 3, [6, 1, 9], 3)
	m1, c1 = multi_member(t1, rng, 5, [6, 1, 9, 0, 6], 2)
	out["multi-member"] = (m0, m1, 0, "",
	    "layer 0: 3 members + an empty one at the end, cut at %s; layer 1: "
	    "5 members (levels 6, 1, 9, 0, 6) + an empty one after the second, "
	    "cut at %s (tar offsets)" % (c0, c1))

	small = [(b"AP", b"imgaud"), (b"Zx", bytes(range(40)))]
	out["header-fields"] = (plain0, handmade(t1, small, b"layer.tar",
	    b"written by gzipvariants.py", 1700000000), 0, "",
	    "layer 1: FEXTRA (2 subfields), FNAME, FCOMMENT, FHCRC, MTIME set")

	big = [(b"BG", bytes(rng.randrange(256) for _ in range(65535 - 4)))]
	out["header-big"] = (plain0, handmade(t1, big, b"n" * 6000,
	    b"c" * 6000, 1700000000), 0, "",
	    "layer 1: a 65535-byte FEXTRA, 6000-byte FNAME and FCOMMENT, FHCRC")

	out["trailing-zeros"] = (plain0, plain1 + bytes(1024), 0, "",
	    "layer 1: 1024 zero bytes after the only member; libarchive's gzip "
	    "filter ends the stream at bytes that do not start a member")

	out["truncated"] = (plain0, plain1[:len(plain1) * 6 // 10], 2, "truncated",
	    "layer 1 cut to %d of %d bytes, inside the deflate data; manifest "
	    "size and digest match the cut blob" % (len(plain1) * 6 // 10, len(plain1)))

	out["truncated-trailer"] = (plain0, plain1[:-4], 2, "truncated",
	    "layer 1 without its ISIZE (last 4 bytes); manifest size and digest "
	    "match the cut blob")

	# Where the reader's buffers end: a member's trailer across the
	# 256 KiB mark (the first read of layer_pipe.c and of most readers
	# of a file), then a 77 kB header across the same mark in another.
	k = stored_prefix(t1, IN_CHUNK + 4)
	out["trailer-straddle"] = (plain0, member(t1[:k], 0) + member(t1[k:]),
	    0, "", "layer 1: a stored member of %d tar bytes whose trailer "
	    "spans blob offset %d, then the rest" % (k, IN_CHUNK))
	k = stored_prefix(t1, IN_CHUNK - 8)
	out["fname-straddle"] = (plain0, member(t1[:k], 0) + handmade(t1[k:],
	    None, b"layer.tar.2", None, 1700000000, hcrc=False), 0, "",
	    "layer 1: a stored member of %d tar bytes, then one with the header "
	    "`gzip FILE` writes (FNAME, MTIME), starting 8 bytes before blob "
	    "offset %d" % (k, IN_CHUNK))
	k = stored_prefix(t1, IN_CHUNK - 30000)
	out["header-straddle"] = (plain0, member(t1[:k], 0) + handmade(t1[k:],
	    big, b"n" * 6000, b"c" * 6000, 0), 0, "",
	    "layer 1: a stored member of %d tar bytes, then one whose 77 kB "
	    "header spans blob offset %d" % (k, IN_CHUNK))

	# A header CRC that does not match, in the first member and in the
	# second: gzip, igzip and Go's compress/gzip refuse both.
	h = bytearray(handmade(t1, small, b"layer.tar", b"", 0))
	h[hcrc_at(small, b"layer.tar", b"")] ^= 0xff
	out["bad-hcrc"] = (plain0, bytes(h), 2, "corrupt",
	    "layer 1: one member whose FHCRC is wrong")
	k = len(t1) // 3
	out["bad-hcrc-second"] = (plain0, member(t1[:k]) + bytes(
	    bad_hcrc(t1[k:], small)), 2, "corrupt",
	    "layer 1: %d tar bytes in a good member, the rest in one whose "
	    "FHCRC is wrong" % k)

	crc = bytearray(plain1)
	crc[-8] ^= 0x01
	out["bad-crc"] = (plain0, bytes(crc), 2, "corrupt",
	    "layer 1's CRC32 trailer with its lowest bit flipped; the deflate "
	    "data and so the tar are intact, the manifest digest matches")

	isz = bytearray(plain1)
	isz[-4:] = struct.pack("<I", (len(t1) + 1) & 0xffffffff)
	out["bad-isize"] = (plain0, bytes(isz), 2, "corrupt",
	    "layer 1's ISIZE is the tar length + 1; the manifest digest matches")
	return out


# Broken only in a checksum: the deflate data, and so the tar, are whole.
CHECKSUM_ONLY = ("bad-hcrc", "bad-hcrc-second", "bad-crc", "bad-isize")


def check_bookkeeping(name, blob, tar, rc):
	"""
	What the variant claims of itself, checked with zlib here so that a
	wrong variant fails the build rather than the test: a good blob
	inflates (members concatenated, trailing zeros after the last one
	ignored) to exactly the tar.
	"""
	if rc != 0:
		return
	got = bytearray()
	rest = blob
	while rest and rest[:2] == b"\x1f\x8b":
		d = zlib.decompressobj(31)
		got += d.decompress(rest)
		if not d.eof:
			raise B.BuildError("%s: member does not end" % name)
		rest = d.unused_data
	if bytes(got) != tar or rest.strip(b"\0"):
		raise B.BuildError("%s: blob does not inflate to the layer tar" % name)


def build(outdir):
	top = os.path.join(outdir, "gzipvariants")
	shutil.rmtree(top, ignore_errors=True)
	os.makedirs(top)
	sp = spec()
	tars = [b"".join(B.tar_chunks(l.entries)) for l in sp.layers]
	listing = []
	for name, (b0, b1, rc, word, notes) in variants(tars).items():
		built = []
		for layer, tar, blob in zip(sp.layers, tars, (b0, b1)):
			check_bookkeeping(name, blob, tar, rc)
			built.append(B.BuiltLayer(layer, len(tar),
			    "sha256:" + B.sha256hex(tar),
			    {"gzip": B.Blob.of(B.MT_LAYER["gzip"], blob)}))
		img = B.BuiltImage(sp, built, ["gzip"])
		d = os.path.join(top, name)
		os.makedirs(d)
		B.write_formats(d, img, FORMATS)
		B.write_json(os.path.join(d, "expected.json"),
		    B.expected(img, FORMATS, notes=notes))
		# libarchive's gzip filter checks no CRC: the checksum
		# variants read whole through --inflate=zlib.
		zrc = 0 if name in CHECKSUM_ONLY else rc
		listing.append({"name": name, "path": "gzipvariants/" + name,
		    "formats": FORMATS, "rc": rc, "zlib_rc": zrc, "expect": word,
		    "notes": notes})
	B.write_json(os.path.join(top, "variants.json"), listing)
	return listing


def main(argv):
	if len(argv) != 2 or argv[1].startswith("-"):
		sys.stderr.write("usage: gzipvariants.py OUTDIR\n")
		return 2
	n = len(build(argv[1]))
	print("gzipvariants.py: %d variants -> %s" % (n, os.path.join(argv[1], "gzipvariants")))
	return 0


if __name__ == "__main__":
	sys.exit(main(sys.argv))
