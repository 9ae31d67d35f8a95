#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""limits_image.py: the image tests/e2e/limits.sh moves the --max-* limits
around.

    python3 tests/e2e/limits_image.py OUTDIR

Writes OUTDIR/limits/oci, an OCI layout (gzip layers) built with
test-images/hostile.py's Image (test-images/build.py's tar headers and
blobs), deterministic:

	layer 0	var/lib/dpkg/status with three installed packages (alpha,
		beta, gamma), and one file whose name is 300 bytes long (the
		longest name in the image; no component over 255 bytes)
	layer 1	a directory many/ and 1,000 empty files in it
	config	a label of 3,000 bytes, so that the config is the largest of
		the three JSON documents (index, manifest, config)

The numbers limits.sh checks against are not taken from here: it counts
the entries and measures the names and files itself (python's tarfile,
stat).
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "test-images"))
import build as B  # noqa: E402
import hostile as H  # noqa: E402

STATUS = b"".join(b"Package: %s\nStatus: install ok installed\n"
    b"Priority: optional\nArchitecture: amd64\nVersion: 1.0\n"
    b"Description: the %s package\n\n" % (n, n)
    for n in (b"alpha", b"beta", b"gamma"))
LONG = "long/" + "a" * 200 + "/" + "b" * 94	# 5 + 200 + 1 + 94 = 300


def main(argv):
	if len(argv) != 2:
		print(__doc__.split("\n\n")[1], file=sys.stderr)
		return 2
	img = H.Image(argv[1], "limits")
	img.layer([H.entry("var", "dir", mode=0o755),
	    H.entry("var/lib", "dir", mode=0o755),
	    H.entry("var/lib/dpkg", "dir", mode=0o755),
	    H.entry("var/lib/dpkg/status", data=STATUS),
	    H.entry("long", "dir", mode=0o755),
	    H.entry(LONG, data=b"x")], "RUN apt-get install alpha beta gamma")
	img.layer([H.entry("many", "dir", mode=0o755)] +
	    [H.entry("many/f%04d" % i) for i in range(1000)],
	    "RUN touch many/f0000 ... many/f0999")
	config = B.jbytes({"architecture": "amd64", "os": "linux",
	    "created": B.CREATED,
	    "config": {"Env": ["PATH=/usr/bin"], "Labels": {"pad": "p" * 3000}},
	    "rootfs": {"type": "layers", "diff_ids": [d for d, _ in img.layers]},
	    "history": img.history})
	img.finish(config=config)
	return 0


if __name__ == "__main__":
	sys.exit(main(sys.argv))
