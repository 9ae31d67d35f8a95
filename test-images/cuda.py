#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""
cuda.py OUTDIR: an image of real CUDA libraries, for `make bench-cuda`.

One gzip layer holding libcublasLt, libcudnn_engines_precompiled and
libnccl as they are under /usr/local/cuda (CUDA 13 on these machines), at
usr/local/cuda/lib64/.  Writes OUTDIR/cuda/oci-gzip and expected.json with
the layer's tar bytes (the builder's count).  Exits 77 when the libraries
are not there.  Nothing of it is committed or shipped: the libraries are
NVIDIA's.
"""
import glob
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import build  # noqa: E402

NAMES = ("libcublasLt.so.*", "libcudnn_engines_precompiled.so.*", "libnccl.so.*")
CUDA = os.environ.get("CUDA_HOME", "/usr/local/cuda")


def main():
	out = os.path.join(sys.argv[1], "cuda")
	if os.path.exists(os.path.join(out, "expected.json")):
		return 0
	found = []
	for pat in NAMES:
		hits = sorted(p for p in glob.glob(os.path.join(CUDA, "**", pat), recursive=True)
		    if os.path.isfile(p) and not os.path.islink(p))
		if not hits:
			print("cuda.py: no %s under %s" % (pat, CUDA))
			return 77
		found.append(hits[0])
	layer = build.Layer("/bin/sh -c #(nop) COPY dir:cuda-libs in /usr/local/cuda/lib64 ")
	for p in found:
		with open(p, "rb") as f:
			layer.file("usr/local/cuda/lib64/" + os.path.basename(p), f.read(), 0o755)
	spec = build.ImageSpec("cuda", [layer], ["/bin/sh"], None)
	os.makedirs(out, exist_ok=True)
	img = build.build_image(spec, build.comps_for(["oci-gzip"]), {})
	build.write_formats(out, img, ["oci-gzip"])
	with open(os.path.join(out, "expected.json"), "w") as f:
		json.dump({"libraries": found,
		    "totals": {"tar_bytes": sum(b.tar_bytes for b in img.layers)}}, f, indent=1)
	return 0


if __name__ == "__main__":
	sys.exit(main())
