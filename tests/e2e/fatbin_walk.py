#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""
fatbin_walk.py FILE...: CUDA GPU code per architecture in ELF files, as a
second opinion on imgaudit's fatbin scanner (auditor/fatbin.c), written
from kb-facts.md 4.3 and sharing no code or method with it.

imgaudit streams every byte of a file past a byte-wise signature search;
this reads the ELF section table (64-bit little-endian only: CUDA's
libraries) and, in each section with file bytes, looks for containers at
8-aligned offsets from the section's start, walking each one's entries
by their sizes.  A container is taken when its header says version 1,
header size 16, and its entries all have a known kind, version 0x0101,
a header of 64 to 512 bytes, and fit in it.

Prints one line per file, then one per architecture and kind:

	file PATH containers N bytes B
	arch SM KIND STORED UNCOMPRESSED ENTRIES

KIND is sass (cubin, ELF kind 2 or old cubin 4), ptx (1) or ir (NVVM IR,
8); STORED sums the entries' padded payload sizes (headers excluded, as
imgaudit counts), UNCOMPRESSED the decompressed size from the entry
header when it is compressed (flags 0x2000 or 0x8000), else the stored
size; B sums the containers' bytes, headers included.
"""
import mmap
import struct
import sys

MAGIC = struct.pack("<IHH", 0xBA55ED50, 1, 16)
KINDS = {1: "ptx", 2: "sass", 4: "sass", 8: "ir"}


def sections(m):
	if m[:4] != b"\x7fELF" or m[4] != 2 or m[5] != 1:
		sys.exit("fatbin_walk.py: only ELF64 little-endian files")
	shoff, = struct.unpack_from("<Q", m, 0x28)
	shentsize, shnum = struct.unpack_from("<HH", m, 0x3A)
	for i in range(1, shnum):
		h = shoff + i * shentsize
		typ, = struct.unpack_from("<I", m, h + 4)
		off, size = struct.unpack_from("<QQ", m, h + 24)
		if typ != 8 and size > 0:		# not SHT_NOBITS
			yield off, off + size


def entries(m, start, end):
	"""The entries of the container at start, or None if it is not one."""
	fat, = struct.unpack_from("<Q", m, start + 8)
	cend = start + 16 + fat
	if fat < 64 or cend > end:
		return None
	out, e = [], start + 16
	while cend - e >= 64:
		kind, ver, hsize, payload = struct.unpack_from("<HHIQ", m, e)
		arch, = struct.unpack_from("<I", m, e + 0x1C)
		flags, = struct.unpack_from("<Q", m, e + 0x28)
		dsize, = struct.unpack_from("<Q", m, e + 0x38)
		if kind not in KINDS or ver != 0x0101 or not 64 <= hsize <= 512 \
		    or e + hsize + payload > cend:
			return None
		full = dsize if flags & 0xA000 and dsize else payload
		out.append((arch, KINDS[kind], payload, full))
		e += hsize + payload
	return out, cend


def walk(path):
	with open(path, "rb") as f:
		m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
	sums, n, total = {}, 0, 0
	for lo, hi in sorted(sections(m)):
		at = m.find(MAGIC, lo, hi)
		while at >= 0:
			got = entries(m, at, hi) if (at - lo) % 8 == 0 else None
			if got is None:
				at = m.find(MAGIC, at + 1, hi)
				continue
			ents, cend = got
			n += 1
			total += cend - at
			for arch, kind, stored, full in ents:
				s = sums.setdefault((arch, kind), [0, 0, 0])
				s[0] += stored
				s[1] += full
				s[2] += 1
			at = m.find(MAGIC, cend, hi)
	m.close()
	print("file %s containers %d bytes %d" % (path, n, total))
	for (arch, kind), (stored, full, k) in sorted(sums.items()):
		print("arch %d %s %d %d %d" % (arch, kind, stored, full, k))


if __name__ == "__main__":
	for p in sys.argv[1:]:
		walk(p)
