#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""pairs.py: pairs of builds of one small serving app, for `imgaudit diff`
and the layer-order and base-image advice (docs/diff.md).

    python3 test-images/pairs.py OUTDIR

Writes OUTDIR/pairs/<image>/oci-gzip for each image below and
OUTDIR/pairs/expected.json.  The app is the same everywhere (an nvidia/cuda
like base, apt-get install libgomp1, pip install -r requirements.txt, the
app code, a model file); what differs is how its Dockerfile is ordered:

  good-v1   base -> apt (&& rm lists) -> COPY requirements.txt -> pip
            install -> COPY . /app -> COPY model          (the guidance)
  good-v2   good-v1 after a code change: only the app layer is new
  bad-v1    base -> apt -> RUN rm lists (a separate cleanup) -> COPY . /app
            -> pip install -> COPY model
  bad-v2    bad-v1 after the same code change: the app layer is new, and
            pip install re-ran (the same files, new byte-code time stamps)
  devel-v1  good-v1 on the -devel flavour of the base (nvcc, headers,
            static libraries): with good-v1 it is the base switch
  many      26 tiny RUN layers

and, for the closing figures, the same on build.py's realistic serving
image (Debian, apt-get install build-essential python3 python3-pip, pip
install torch numpy scipy safetensors tensorboard jupyter with the
nvidia-*-cu12 wheels, the app, a model):

  serving-v1      build.py's serving image, rebuilt here (good order)
  serving-v2      serving-v1 after a code change (app/server.py grew)
  serving-bad-v1  the app's COPY moved above pip install
  serving-bad-v2  serving-bad-v1 after the same code change: pip install
                  re-ran (same files, new byte-code time stamps)

Pairs: good (good-v1 -> good-v2), bad (bad-v1 -> bad-v2), base (devel-v1
-> good-v1), serving (serving-v1 -> serving-v2) and serving-bad
(serving-bad-v1 -> serving-bad-v2).  expected.json records, from this file's own bookkeeping
(the layers as written and the blobs as compressed, never imgaudit's
output): per pair, the compressed bytes and number of NEW's layers whose
digest and diff_id OLD lacks, shared/added/removed layer counts, files
added/removed/changed over the final trees (changed: another size, or the
data comes from a layer the two builds do not share), packages added,
removed and upgraded, and whether the measured layer-order finding is due;
per image, the finding kinds (and titles) that must and must not appear.

Helpers come from build.py, imported as a module; nothing here changes it.
"""

import json
import os
import random
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import build as B	# noqa: E402

FORMATS = ["oci-gzip"]
SITE = B.SITE
CUDA = "usr/local/cuda-12.1"
LIBDIR = B.LIBDIR


def base_layer(flavour):
	"""An nvidia/cuda-like Debian base, runtime or devel flavour."""
	rng = random.Random(8001)		# the same bytes in both flavours
	tag = "runtime" if flavour == "runtime" else "devel"
	l0 = B.Layer("/bin/sh -c #(nop) ADD file:%s in / " %
	    ("6a1d0c93b2e4f5a7c8d9" if tag == "runtime" else "7b2e1da4c3f5a6b8d9e0"))
	for name, target in (("bin", "usr/bin"), ("lib", "usr/lib"),
	    ("lib64", "usr/lib64"), ("sbin", "usr/sbin")):
		l0.symlink(name, target)
	for d in ("etc", "root", "tmp", "var/log", "usr/local/bin"):
		l0.dir(d, 0o1777 if d == "tmp" else 0o755)
	l0.file("etc/passwd", b"root:x:0:0:root:/root:/bin/bash\n")
	l0.file("etc/hostname", b"pairs\n")
	debs = [
	    (B.Deb("base-files", "12.4+deb12u5" if tag == "runtime" else "12.4+deb12u4",
		"admin", "", "Debian base system miscellaneous files", priority="required"),
		[("etc/debian_version", b"12.5\n")]),
	    (B.Deb("libc6", "2.36-9+deb12u4", "libs", "", "GNU C Library"),
		[(LIBDIR + "/libc.so.6", B.elf(rng, 300000, soname="libc.so.6"))]),
	    (B.Deb("python3.11-minimal", "3.11.2-6", "python", "libc6", "Python 3.11"),
		[("usr/bin/python3.11", B.elf(rng, 250000, needed=("libc.so.6",),
		    interp=B.LDSO))]),
	    (B.Deb("cuda-cudart-12-1", "12.1.105-1", "libs", "", "CUDA runtime"),
		[(CUDA + "/lib64/libcudart.so.12", B.elf(rng, 120000,
		    soname="libcudart.so.12"))]),
	    (B.Deb("libcublas-12-1", "12.1.3.1-1", "libs", "", "CUBLAS"),
		[(CUDA + "/lib64/libcublas.so.12", B.elf(rng, 600000,
		    soname="libcublas.so.12"))]),
	]
	devel = [
	    (B.Deb("cuda-nvcc-12-1", "12.1.105-1", "devel", "", "CUDA nvcc"),
		[(CUDA + "/bin/nvcc", B.elf(rng, 400000, interp=B.LDSO,
		    needed=("libc.so.6",))),
		 (CUDA + "/bin/ptxas", B.elf(rng, 300000, interp=B.LDSO,
		    needed=("libc.so.6",))),
		 (CUDA + "/include/cuda_runtime.h", B.text(rng, 60000)),
		 (CUDA + "/include/cublas_v2.h", B.text(rng, 40000))]),
	    (B.Deb("libcublas-dev-12-1", "12.1.3.1-1", "devel", "libcublas-12-1",
		"CUBLAS development files"),
		[(CUDA + "/lib64/libcublas_static.a", rng.randbytes(500000))]),
	]
	if tag == "devel":
		debs += devel
	all_debs = []
	for deb, files in debs:
		B.deb_install(l0, rng, deb, files)
		all_debs.append(deb)
	l0.symlink("usr/local/cuda", "cuda-12.1")
	B.dpkg_write(l0, all_debs, all_debs)
	return l0, all_debs


def apt_layer(base_debs, with_lists):
	"""apt-get install libgomp1; the lists stay when with_lists."""
	rng = random.Random(8002)
	cmd = "RUN /bin/sh -c apt-get update && apt-get install -y --no-install-recommends libgomp1"
	if not with_lists:
		cmd += " && rm -rf /var/lib/apt/lists/*"
	l1 = B.Layer(cmd + " # buildkit")
	gomp = B.Deb("libgomp1", "12.2.0-14", "libs", "libc6", "GCC OpenMP support library")
	B.deb_install(l1, rng, gomp, [(LIBDIR + "/libgomp.so.1.0.0",
	    B.elf(rng, 250000, soname="libgomp.so.1"))])
	B.dpkg_write(l1, base_debs + [gomp], [gomp])
	if with_lists:
		for name in ("bookworm_main_binary-amd64_Packages",
		    "bookworm-updates_main_binary-amd64_Packages",
		    "bookworm-security_main_binary-amd64_Packages"):
			l1.file("var/lib/apt/lists/deb.debian.org_debian_dists_" + name,
			    B.text(rng, 150000))
	return l1


def cleanup_layer():
	l = B.Layer("RUN /bin/sh -c rm -rf /var/lib/apt/lists/* # buildkit")
	for name in ("bookworm_main_binary-amd64_Packages",
	    "bookworm-updates_main_binary-amd64_Packages",
	    "bookworm-security_main_binary-amd64_Packages"):
		l.whiteout("var/lib/apt/lists/deb.debian.org_debian_dists_" + name)
	return l


REQUIREMENTS = b"numpy==1.26.2\nsafetensors==0.4.1\nrequests==2.31.0\n"


def req_layer():
	l = B.Layer("COPY requirements.txt /app/ # buildkit")
	l.file("app/requirements.txt", REQUIREMENTS)
	return l


def deps_layer(stamp):
	"""
	pip install -r requirements.txt.  stamp goes into the byte-code headers,
	as the time of the run does: a re-run writes the same files with the
	same sizes but other bytes, so another diff_id.
	"""
	rng = random.Random(8003)		# the same packages on every run
	l = B.Layer("RUN /bin/sh -c pip install --no-cache-dir -r /app/requirements.txt # buildkit")
	pkgs = [
	    ("numpy", "1.26.2", [("numpy/__init__.py", B.text(rng, 9000)),
		("numpy/core/_multiarray_umath.cpython-311-x86_64-linux-gnu.so",
		    B.elf(rng, 900000, soname="_multiarray_umath.so"))]),
	    ("safetensors", "0.4.1", [("safetensors/__init__.py", B.text(rng, 3000)),
		("safetensors/_safetensors_rust.cpython-311-x86_64-linux-gnu.so",
		    B.elf(rng, 350000, soname="_safetensors_rust.so"))]),
	    ("requests", "2.31.0", [("requests/__init__.py", B.text(rng, 4000)),
		("requests/models.py", B.text(rng, 34000))]),
	]
	for name, version, files in pkgs:
		B.pip_package(l, rng, SITE, name, version, files)
		for rel, _ in files:
			if rel.endswith(".py"):
				d, _, f = rel.rpartition("/")
				pyc = "%s/%s/__pycache__/%s.cpython-311.pyc" % (SITE, d, f[:-3])
				body = random.Random(rel).randbytes(2000)
				l.file(pyc, b"\xa7\r\r\n" + stamp.to_bytes(4, "little") + bytes(8) + body)
	return l


def app_files(version):
	rng = random.Random(8100 + version)
	files = [("app/main.py", B.text(rng, 20000 if version == 1 else 26000)),
	    ("app/util.py", B.text(random.Random(8200), 8000))]
	if version == 1:
		files.append(("app/legacy.py", B.text(rng, 5000)))
	else:
		files.append(("app/handlers.py", B.text(rng, 7000)))
	return files


def app_layer(version):
	"""COPY . /app: the whole context, requirements.txt included."""
	l = B.Layer("COPY . /app # buildkit")
	l.file("app/requirements.txt", REQUIREMENTS)
	for path, data in app_files(version):
		l.file(path, data)
	return l


def model_layer():
	l = B.Layer("COPY model.safetensors /models/ # buildkit")
	l.file("models/model.safetensors", random.Random(8300).randbytes(1500000))
	return l


def many_layers():
	rng = random.Random(8400)
	base, _ = base_layer("runtime")
	layers = [base]
	for i in range(26):
		l = B.Layer("RUN /bin/sh -c echo step %d > /etc/step-%02d # buildkit" % (i, i))
		l.file("etc/step-%02d" % i, B.text(rng, 200 + i))
		layers.append(l)
	return layers


def rebuilt(layer, stamp):
	"""
	The layer as a re-run of its step writes it: the same files and sizes,
	but the time stamp in every byte-code header (bytes 8-11) is new.
	"""
	l = B.Layer(layer.created_by)
	for e in layer.entries:
		data = e.data
		if e.kind == "file" and e.name.endswith(".pyc") and len(data) >= 12:
			data = data[:8] + stamp.to_bytes(4, "little") + data[12:]
		l.entries.append(B.Entry(e.name, e.kind, data, e.link, e.mode))
	return l


def code_change(layer):
	"""The app layer after an edit of app/server.py (it grew by 2 kB)."""
	l = B.Layer(layer.created_by)
	for e in layer.entries:
		data = e.data
		if e.name == "app/server.py":
			data = data + B.text(random.Random(8500), 2048)
		l.entries.append(B.Entry(e.name, e.kind, data, e.link, e.mode))
	return l


def serving_specs():
	"""build.py's serving image, a code change, and the bad order."""
	sv = B.spec_serving()
	base, apt, pip, app, model = sv.layers
	app2 = code_change(app)
	pip2 = rebuilt(pip, 1704153600)

	def spec(name, layers):
		return B.ImageSpec(name, layers, sv.entrypoint, sv.cmd, env=sv.env,
		    workdir=sv.workdir)

	out = [spec("serving-v1", [base, apt, pip, app, model]),
	    spec("serving-v2", [base, apt, pip, app2, model]),
	    spec("serving-bad-v1", [base, apt, app, pip, model]),
	    spec("serving-bad-v2", [base, apt, app2, pip2, model])]
	for s_ in out:
		s_.labels = {}
	return out


def specs():
	"""The images, their layers shared where Docker's cache would share them."""
	base_rt, debs_rt = base_layer("runtime")
	base_dev, debs_dev = base_layer("devel")
	apt_clean_rt = apt_layer(debs_rt, False)
	apt_clean_dev = apt_layer(debs_dev, False)
	apt_lists = apt_layer(debs_rt, True)
	clean = cleanup_layer()
	req = req_layer()
	deps_a, deps_b, deps_c = deps_layer(1704067200), deps_layer(1704153600), deps_layer(1704240000)
	app1, app2 = app_layer(1), app_layer(2)
	model = model_layer()
	env = ["PATH=/usr/local/cuda/bin:/usr/local/bin:/usr/bin:/bin"]

	def spec(name, layers, base_name):
		s = B.ImageSpec(name, layers, ["python3.11", "/app/main.py"], None, env=env)
		s.labels = {"org.opencontainers.image.base.name": base_name}
		return s

	rt = "docker.io/nvidia/cuda:12.1.0-runtime-ubuntu22.04"
	dev = "docker.io/nvidia/cuda:12.1.0-devel-ubuntu22.04"
	return [
	    spec("good-v1", [base_rt, apt_clean_rt, req, deps_a, app1, model], rt),
	    spec("good-v2", [base_rt, apt_clean_rt, req, deps_a, app2, model], rt),
	    spec("bad-v1", [base_rt, apt_lists, clean, app1, deps_a, model], rt),
	    spec("bad-v2", [base_rt, apt_lists, clean, app2, deps_b, model], rt),
	    spec("devel-v1", [base_dev, apt_clean_dev, req, deps_c, app1, model], dev),
	    spec("many", many_layers(), rt),
	] + serving_specs()


def labelled(img, labels):
	"""Put Labels into the image's config; rebuild the manifests over it."""
	cfg = json.loads(img.config.data)
	if not labels:
		return img
	cfg["config"]["Labels"] = labels
	img.config = B.Blob.of(B.MT_CONFIG, B.jbytes(cfg))
	for c in img.comps:
		descs = [b.blobs[c].descriptor() for b in img.layers]
		img.manifest[c] = B.Blob.of(B.MT_MANIFEST, B.manifest_bytes(img.config, descs))
	return img


def final_tree(spec):
	"""path -> (size, layer index): regular files, later layers win.  The
	pairs have no whiteouts but the cleanup's, applied as deletes."""
	tree = {}
	for i, layer in enumerate(spec.layers):
		for e in layer.entries:
			if e.kind == "whiteout":
				parent, _, base = e.name.rpartition("/")
				victim = (parent + "/" if parent else "") + base[len(".wh."):]
				for p in [p for p in tree if p == victim or p.startswith(victim + "/")]:
					del tree[p]
			elif e.kind == "file":
				tree[e.name] = (e.size, i)
			elif e.name.rstrip("/") in tree:
				del tree[e.name.rstrip("/")]
	return tree


def packages(book_slice):
	"""(ecosystem, name) -> version, from what the installers wrote."""
	return {(eco, name): version for eco, name, version, _ in book_slice}


def version_key(v):
	import re
	return [int(x) if x.isdigit() else x for x in re.findall(r"\d+|[^\d]+", v)]


def pair_facts(old, new, pkgs_old, pkgs_new):
	"""The bookkeeping of one pair: old and new are BuiltImages."""
	comp = "gzip"
	old_digests = {b.blobs[comp].digest for b in old.layers}
	old_ids = {b.diff_id for b in old.layers}
	new_ids = {b.diff_id for b in new.layers}
	pulled = [b for b in new.layers if b.blobs[comp].digest not in old_digests
	    and b.diff_id not in old_ids]
	shared = sum(1 for b in new.layers if b.diff_id in old_ids)
	to = final_tree(old.spec)
	tn = final_tree(new.spec)
	changed = 0
	for p in set(to) & set(tn):
		so, lo = to[p]
		sn, ln = tn[p]
		if so != sn or old.layers[lo].diff_id != new.layers[ln].diff_id:
			changed += 1
	po, pn = pkgs_old, pkgs_new
	upgraded = sorted("%s:%s" % k for k in set(po) & set(pn)
	    if version_key(po[k]) < version_key(pn[k]))
	return {
	    "repulled_bytes": sum(b.blobs[comp].size for b in pulled),
	    "repulled_layers": len(pulled),
	    "shared": shared,
	    "added": len(new.layers) - shared,
	    "removed": sum(1 for b in old.layers if b.diff_id not in new_ids),
	    "cold_bytes": sum(b.blobs[comp].size for b in new.layers),
	    "files": {"added": len(set(tn) - set(to)), "removed": len(set(to) - set(tn)),
		"changed": changed},
	    "packages": {"added": sorted("%s:%s" % k for k in set(pn) - set(po)),
		"removed": sorted("%s:%s" % k for k in set(po) - set(pn)),
		"upgraded": upgraded},
	}


PAIRS = [
    # name, old, new, the measured finding due?, the layers rebuilt
    ("good", "good-v1", "good-v2", False),
    ("bad", "bad-v1", "bad-v2", True),
    ("base", "devel-v1", "good-v1", False),
    ("serving", "serving-v1", "serving-v2", False),
    ("serving-bad", "serving-bad-v1", "serving-bad-v2", True),
]

ORDER_KINDS = ["layer-order", "layer-order-context", "layer-cleanup", "layer-count"]

FINDINGS = {
    "good-v1": {"must": [["base-image", "base: nvidia/cuda runtime"]],
	"must_not": ORDER_KINDS},
    "good-v2": {"must": [], "must_not": ORDER_KINDS},
    "bad-v1": {"must": [["layer-order", None], ["layer-order-context", None],
	["layer-cleanup", None]], "must_not": ["layer-count"]},
    "bad-v2": {"must": [["layer-order", None], ["layer-order-context", None],
	["layer-cleanup", None]], "must_not": ["layer-count"]},
    "devel-v1": {"must": [["base-image", "base: nvidia/cuda devel"]],
	"must_not": ORDER_KINDS},
    "many": {"must": [["layer-count", None]],
	"must_not": ["layer-order", "layer-order-context", "layer-cleanup"]},
    "serving-v1": {"must": [], "must_not": ORDER_KINDS},
    "serving-bad-v1": {"must": [["layer-order", None], ["layer-order-context", None]],
	"must_not": ["layer-cleanup", "layer-count"]},
}


def main(argv):
	if len(argv) != 2 or argv[1].startswith("-"):
		sys.stderr.write("usage: pairs.py OUTDIR\n")
		return 2
	out = os.path.join(argv[1], "pairs")
	shutil.rmtree(out, ignore_errors=True)
	os.makedirs(out)
	cache = {}
	built = {}
	pkgs = {}
	for spec in specs():
		# The package book of this image: every installer call of its layers.
		del B.PKG_BOOK[:]
		img = B.build_image(spec, B.comps_for(FORMATS), cache)
		img = labelled(img, spec.labels)
		d = os.path.join(out, spec.name)
		os.makedirs(d)
		B.write_formats(d, img, FORMATS)
		built[spec.name] = img
		pkgs[spec.name] = spec
	# Packages per image: rebuild the book from the layers' dpkg/pip writes.
	books = package_books()
	exp = {"images": {n: n + "/oci-gzip" for n in built}, "pairs": {},
	    "findings": FINDINGS}
	for name, old, new, measured in PAIRS:
		f = pair_facts(built[old], built[new], books[old], books[new])
		f.update({"old": old, "new": new, "measured_finding": measured})
		if measured:
			# The rebuilt layer: the same files and sizes, another diff_id.
			nl = built[new].layers
			f["stop_repulling_bytes"] = sum(b.blobs["gzip"].size for b in nl
			    if "pip install" in b.layer.created_by
			    and b.diff_id not in {x.diff_id for x in built[old].layers})
		exp["pairs"][name] = f
	B.write_json(os.path.join(out, "expected.json"), exp)
	print("pairs.py: %d images, %d pairs -> %s" % (len(built), len(PAIRS), out))
	return 0


def package_books():
	"""
	(ecosystem, name) -> version per image, from the installers' own
	record: build each image's layers again into PKG_BOOK (the layer
	functions are deterministic) and keep what was installed.
	"""
	books = {}
	recipes = {
	    "runtime": lambda: base_layer("runtime"),
	    "devel": lambda: base_layer("devel"),
	}
	for name in ("good-v1", "good-v2", "bad-v1", "bad-v2", "devel-v1", "many"):
		del B.PKG_BOOK[:]
		flavour = "devel" if name == "devel-v1" else "runtime"
		_, debs = recipes[flavour]()
		if name != "many":
			apt_layer(debs, False)
			deps_layer(0)
		books[name] = packages(list(B.PKG_BOOK))
	# The serving pairs install the same packages on both sides (the
	# rebuilt pip layer writes the same files): nothing added or removed.
	for name in ("serving-v1", "serving-v2", "serving-bad-v1", "serving-bad-v2"):
		books[name] = {}
	return books


if __name__ == "__main__":
	sys.exit(main(sys.argv))
