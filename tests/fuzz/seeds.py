#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""seeds.py: seed corpora for the libFuzzer harnesses of tests/fuzz/.

    python3 tests/fuzz/seeds.py IMAGES OUTDIR

Takes small files from the built test images (IMAGES, build/test-images):
OCI documents, layers, package databases and ELF files, and makes small
docker and OCI archives around a few of them, writing OUTDIR/<harness>/*.
Inputs that stand for several files are joined with SEP, as fuzz.h cuts
them.  Ecosystems the test images lack (conda, apk, npm) and the header
parsers get short hand-written seeds.  Seeds are kept small (at most 256
KiB): the fuzzer mutates them many times a second.  Standard library only.
"""

import hashlib
import io
import json
import os
import sys
import tarfile

SEP = b"\n--imgaudit-fuzz-file--\n"
MAX = 256 * 1024
LAYOUT = b'{"imageLayoutVersion":"1.0.0"}'


def put(outdir, harness, name, data):
	d = os.path.join(outdir, harness)
	os.makedirs(d, exist_ok=True)
	with open(os.path.join(d, name), "wb") as f:
		f.write(data)


def sha(data):
	return "sha256:" + hashlib.sha256(data).hexdigest()


def blob(layout, digest):
	with open(os.path.join(layout, "blobs", "sha256", digest[7:]), "rb") as f:
		return f.read()


def layouts(images):
	for root, dirs, files in os.walk(images):
		if "oci-layout" in files and "index.json" in files:
			yield root
		dirs.sort()


def oci_seeds(images, out):
	"""index + manifest + config, digests replaced by @M and @C."""
	n = 0
	for lay in layouts(images):
		try:
			seed_layout(lay, out, n)
			n += 1
		except (OSError, ValueError, KeyError, TypeError, AttributeError):
			continue	# the bad images are meant to be broken
		if n >= 12:
			break


def seed_layout(lay, out, n):
	"""One layout's documents and small layers."""
	with open(os.path.join(lay, "index.json"), "rb") as f:
		index = f.read()
	for k, desc in enumerate(json.loads(index).get("manifests", [])[:2]):
		md = desc["digest"]
		man = blob(lay, md)
		m = json.loads(man)
		if "config" not in m:
			# A nested index: seed it as the "manifest".
			put(out, "fuzz_source_oci", "nested%d-%d" % (n, k),
			    index.replace(md.encode(), b"@M") + SEP + man)
			continue
		cd = m["config"]["digest"]
		cfg = blob(lay, cd)
		put(out, "fuzz_source_oci", "layout%d-%d" % (n, k),
		    index.replace(md.encode(), b"@M") + SEP +
		    man.replace(cd.encode(), b"@C") + SEP + cfg + SEP + LAYOUT)
		for ld in m.get("layers", []):
			b = blob(lay, ld["digest"])
			if len(b) <= MAX:
				put(out, "fuzz_layer", ld["digest"][7:19], b)


def layer_members(images):
	"""(name, data) of every small regular file of the OCI layouts' layers."""
	seen = set()
	for lay in layouts(images):
		for name in sorted(os.listdir(os.path.join(lay, "blobs", "sha256"))):
			if name in seen:
				continue
			seen.add(name)
			try:
				t = tarfile.open(os.path.join(lay, "blobs", "sha256", name))
				for m in t:
					if m.isreg() and m.size <= MAX:
						yield m.name.lstrip("./"), t.extractfile(m).read()
			except (tarfile.TarError, OSError, EOFError):
				continue


def db_seeds(images, out):
	dpkg, pip, elves = {}, {}, 0
	for name, data in layer_members(images):
		base = os.path.basename(name)
		if name in ("var/lib/dpkg/status", "var/lib/apt/extended_states") \
		    or (name.startswith("var/lib/dpkg/info/") and
		    name.endswith(".list") and len(dpkg) < 12):
			dpkg.setdefault(name, data)
		elif base in ("METADATA", "RECORD") and ".dist-info/" in name:
			pip.setdefault(os.path.dirname(name), {})[base] = data
		elif data[:4] == b"\x7fELF" and elves < 16:
			put(out, "fuzz_elf", "elf%d" % elves, data)
			put(out, "fuzz_fatbin", "elf%d" % elves, data)
			elves += 1
	order = ["var/lib/dpkg/status"] + sorted(k for k in dpkg if
	    k.endswith(".list"))[:1] + ["var/lib/apt/extended_states"]
	parts = [dpkg.get(k, b"") for k in order]
	if parts[0]:
		put(out, "fuzz_pkgdb_dpkg", "status", SEP.join(parts))
	for i, (d, files) in enumerate(sorted(pip.items())[:10]):
		put(out, "fuzz_pkgdb_pip", "dist%d" % i,
		    files.get("METADATA", b"") + SEP + files.get("RECORD", b""))


def tar_bytes(members):
	bio = io.BytesIO()
	with tarfile.open(fileobj=bio, mode="w", format=tarfile.GNU_FORMAT) as t:
		for name, data in members:
			ti = tarfile.TarInfo(name)
			if data is None:
				ti.type = tarfile.DIRTYPE
				ti.mode = 0o755
			elif isinstance(data, str):
				ti.type = tarfile.SYMTYPE
				ti.linkname = data
			else:
				ti.size = len(data)
			t.addfile(ti, io.BytesIO(data) if isinstance(data, bytes)
			    else None)
	return bio.getvalue()


def archive_seeds(out):
	"""Small docker and OCI archives, digests right."""
	layer = tar_bytes([("etc", None), ("etc/os-release", b"ID=debian\n"),
	    ("bin", None), ("bin/sh", b"\x7fELF" + b"\0" * 60),
	    ("var/lib/dpkg/status", b"Package: a\nStatus: install ok "
	    b"installed\nVersion: 1\n\n"), ("etc/.wh.old", b""),
	    ("lib", "usr/lib")])
	diff = sha(layer)
	cfg = json.dumps({"architecture": "amd64", "os": "linux",
	    "created": "2024-01-01T00:00:00Z",
	    "config": {"Entrypoint": ["/bin/sh"], "Env": ["A=1"]},
	    "rootfs": {"type": "layers", "diff_ids": [diff]},
	    "history": [{"created_by": "ADD x /"}]}).encode()
	man = json.dumps([{"Config": "config.json", "RepoTags": ["x:1"],
	    "Layers": ["l/layer.tar"]}]).encode()
	put(out, "fuzz_tarindex", "docker", tar_bytes([("manifest.json", man),
	    ("config.json", cfg), ("l", None), ("l/layer.tar", layer)]))
	om = json.dumps({"schemaVersion": 2,
	    "mediaType": "application/vnd.oci.image.manifest.v1+json",
	    "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
	    "digest": sha(cfg), "size": len(cfg)},
	    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
	    "digest": diff, "size": len(layer)}]}).encode()
	idx = json.dumps({"schemaVersion": 2, "manifests": [{"mediaType":
	    "application/vnd.oci.image.manifest.v1+json", "digest": sha(om),
	    "size": len(om), "annotations":
	    {"org.opencontainers.image.ref.name": "latest"}}]}).encode()
	b = "blobs/sha256/"
	put(out, "fuzz_tarindex", "oci", tar_bytes([("oci-layout", LAYOUT),
	    ("index.json", idx), (b + sha(om)[7:], om),
	    (b + sha(cfg)[7:], cfg), (b + diff[7:], layer)]))
	put(out, "fuzz_layer", "small", layer)


HAND = {
	"fuzz_pkgdb_conda": [
	    b'{"name":"numpy","version":"1.26.2","build":"py311_0",'
	    b'"subdir":"linux-64","depends":["python >=3.11,<3.12.0a0",'
	    b'"libblas >=3.9"],"files":["lib/python3.11/site-packages/numpy/'
	    b'__init__.py"],"paths_data":{"paths":[{"_path":"lib/libx.so",'
	    b'"size_in_bytes":1234}]},"size":1234}'],
	"fuzz_pkgdb_apk": [
	    b"C:Q1abc=\nP:musl\nV:1.2.4-r2\nA:x86_64\nS:383000\nI:622592\n"
	    b"T:the musl c library\nD:so:libc.musl-x86_64.so.1 scanelf\n"
	    b"p:so:libc.musl-x86_64.so.1=1 cmd:ldd\nF:lib\nR:ld-musl-x86_64."
	    b"so.1\nR:libc.musl-x86_64.so.1\nF:usr/bin\nR:ldd\n\nP:busybox\n"
	    b"V:1.36\nI:900000\nF:bin\nR:busybox\n"],
	"fuzz_pkgdb_npm": [
	    b'{"name":"express","version":"4.18.2","dependencies":'
	    b'{"accepts":"~1.3.8","body-parser":"1.20.1"},"license":"MIT"}' +
	    SEP + b'{"name":"@types/node","version":"20.1.0"}' + SEP +
	    b'{"name":"b","version":"1.0.0","dependencies":{"a":"*"}}'],
	"fuzz_auth_header": [
	    b'Bearer realm="https://auth.docker.io/token",service='
	    b'"registry.docker.io",scope="repository:library/ubuntu:pull"',
	    b'Basic realm="Registry Realm"',
	    b'Bearer realm="https://h/t", error="invalid_token", '
	    b'error_description="a \\"quoted\\" value"'],
	"fuzz_link_header": [
	    b'</v2/_catalog?last=b&n=100>; rel="next"',
	    b'<https://other/v2/r/tags/list?n=2&last=x>; rel=next, '
	    b'<../prev>; rel="prev"'],
	"fuzz_policy": [
	    b'{"max_final_size":"2GB","max_wasted_size":"100MB",'
	    b'"max_wasted_percent":5,"min_efficiency":0.9,"max_layers":40,'
	    b'"max_removable_size":"1GB","forbidden_purposes":["training-only",'
	    b'"dev-only"]}',
	    b"rules:\n  lowestEfficiency: 0.95\n  highestWastedBytes: 20MB\n"
	    b"  highestUserWastedPercent: 0.20\n",
	    b"rules:\n  lowestEfficiency: disabled\n  highestWastedBytes: "
	    b"'1.5 GiB'   # quoted\n"],
	"fuzz_kb_extra": [
	    b"INSERT INTO package_rules(ecosystem, pattern, purpose, confidence,"
	    b" reason, fix) VALUES ('pip', 'mylib*', 'dev-only', 'high', 'x',"
	    b" 'pip uninstall mylib');\n"],
}


def main():
	if len(sys.argv) != 3:
		sys.exit("usage: seeds.py IMAGES OUTDIR")
	images, out = sys.argv[1], sys.argv[2]
	if os.path.isdir(images):
		oci_seeds(images, out)
		db_seeds(images, out)
	archive_seeds(out)
	for harness, seeds in HAND.items():
		for i, data in enumerate(seeds):
			put(out, harness, "hand%d" % i, data)
	kb = os.path.join(os.path.dirname(__file__), "..", "..", "db", "kb")
	for name in sorted(os.listdir(kb)):
		with open(os.path.join(kb, name), "rb") as f:
			data = f.read()
		if len(data) <= MAX:
			put(out, "fuzz_kb_extra", name, data)


if __name__ == "__main__":
	main()
