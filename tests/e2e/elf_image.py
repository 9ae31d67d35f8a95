#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""
elf_image.py OUTDIR: compile small ELF programs and libraries with gcc (and
a CUDA library with nvcc when it is there), put them in an image with the
test-image builder, and write OUTDIR/elf/facts.json: what the link graph
must find, by construction, cross-checked against readelf on the same
files (the DT_NEEDED / DT_RUNPATH the build was meant to produce).

  /opt/app/bin/app        ENTRYPOINT; NEEDED liba.so.1, libmissing.so.3
                          (not shipped), libcudnn.so.9, libenv.so.1,
                          libconf.so.1, libc.so.6; RUNPATH $ORIGIN/../lib
  /opt/app/lib/liba.so.1  built with -g; NEEDED libb.so.1
  /usr/lib/x86_64-linux-gnu/libb.so.1            found in the default dirs
  /usr/lib/x86_64-linux-gnu/libcudnn.so.9        loader of ...
  /usr/lib/x86_64-linux-gnu/libcudnn_ops.so.9    reached only by dlopen
  /usr/lib/x86_64-linux-gnu/libunused.so.1       nothing reaches it
  /usr/lib/python3/dist-packages/_ext.cpython-311-x86_64-linux-gnu.so
                          a Python extension; NEEDED libext.so.1
  /usr/lib/x86_64-linux-gnu/libext.so.1
  /usr/lib/x86_64-linux-gnu/libc.so.6, /lib64/ld-linux-x86-64.so.2 (host)
  /opt/ldpath/libenv.so.1 found through the config's LD_LIBRARY_PATH
  /opt/ldpath/libconf.so.1  32-bit (when gcc -m32 -c works): searched
                          before the right one and skipped, unreferenced
  /opt/conf/lib/libconf.so.1  found through /etc/ld.so.conf, whose
                          include names /etc/ld.so.conf.d/*.conf
  /opt/rp/bin/rprog       DT_RPATH $ORIGIN/../rlib; NEEDED librp1.so.1
  /opt/rp/rlib/librp1.so.1  no RPATH; NEEDED librp2.so.1, found only
                          through rprog's inherited DT_RPATH
  /opt/rp/rlib/librp2.so.1
  /opt/app/lib/libcut.so.1  libb.so.1 cut after 2000 bytes: malformed
  /opt/app/lib/libmillion.so.1  libb.so.1 claiming a million sections
  /usr/lib/x86_64-linux-gnu/libgpu.so.1 (nvcc only: sm_80 + sm_90 SASS,
                          compute_90 PTX), NEEDED by nothing: unreferenced
"""
import glob
import json
import os
import re
import shutil
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "test-images"))
import build  # noqa: E402

LIB = "usr/lib/x86_64-linux-gnu"


def sh(*argv, cwd=None):
	subprocess.run(argv, check=True, cwd=cwd, stdout=subprocess.DEVNULL)


def readelf_dynamic(path):
	out = subprocess.run(["readelf", "-d", "-W", path], check=True,
	    capture_output=True, text=True).stdout
	needed, runpath = [], None
	for line in out.splitlines():
		if "(NEEDED)" in line:
			needed.append(line.split("[", 1)[1].rstrip("]"))
		elif "(RUNPATH)" in line:
			runpath = line.split("[", 1)[1].rstrip("]")
	return needed, runpath


def readelf_rpath(path):
	out = subprocess.run(["readelf", "-d", "-W", path], check=True,
	    capture_output=True, text=True).stdout
	for line in out.splitlines():
		if "(RPATH)" in line:
			return line.split("[", 1)[1].rstrip("]")
	return None


def minify_ptx(text):
	"""The PTX text as fatbinary embeds it: per line, // comments
	dropped, runs of blanks made one space, leading and trailing blanks
	dropped (measured on CUDA 13's nvcc against the k.fatbin it keeps)."""
	lines = []
	for line in text.split(b"\n"):
		line = re.sub(rb"//.*", b"", line)
		lines.append(re.sub(rb"[ \t]+", b" ", line).strip(b" "))
	return b"\n".join(lines)


def has_debug(path):
	out = subprocess.run(["readelf", "-S", "-W", path], check=True,
	    capture_output=True, text=True).stdout
	return " .debug_" in out


def strip_saving(path, how):
	tmp = path + ".strip"
	shutil.copyfile(path, tmp)
	sh("strip", how, tmp)
	saved = os.path.getsize(path) - os.path.getsize(tmp)
	os.unlink(tmp)
	return saved


def main():
	out = os.path.join(sys.argv[1], "elf")
	work = os.path.join(out, "work")
	shutil.rmtree(out, ignore_errors=True)
	os.makedirs(work)
	w = lambda *p: os.path.join(work, *p)
	src = {
	    "b.c": "int b(void) { return 2; }\n",
	    "a.c": "int b(void);\nint a(void) { return b() + 1; }\n",
	    "m.c": "int m(void) { return 3; }\n",
	    "u.c": "int u(void) { return 4; }\n",
	    "cudnn.c": "int cudnn(void) { return 5; }\n",
	    "ops.c": "int ops(void) { return 6; }\n",
	    "ext.c": "int ext(void) { return 7; }\n",
	    "e.c": "int ext(void);\nint PyInit__ext(void) { return ext(); }\n",
	    "env.c": "int env(void) { return 8; }\n",
	    "conf.c": "int conf(void) { return 9; }\n",
	    "rp2.c": "int rp2(void) { return 10; }\n",
	    "rp1.c": "int rp2(void);\nint rp1(void) { return rp2(); }\n",
	    "rprog.c": "int rp1(void);\nint main(void) { return rp1(); }\n",
	    "app.c": "int a(void); int m(void); int cudnn(void);\n"
		"int env(void); int conf(void);\n"
		"int main(void) { return a() + m() + cudnn() + env() + conf(); }\n",
	}
	for name, text in src.items():
		with open(w(name), "w") as f:
			f.write(text)
	so = lambda out_, src_, soname, *extra: sh("gcc", "-shared", "-fPIC", "-O1",
	    "-o", w(out_), w(src_), "-Wl,-soname," + soname, *extra)
	so("libb.so.1", "b.c", "libb.so.1")
	sh("ln", "-sf", "libb.so.1", w("libb.so"))
	so("liba.so.1", "a.c", "liba.so.1", "-g", "-L" + work, "-lb")
	sh("ln", "-sf", "liba.so.1", w("liba.so"))
	so("libmissing.so.3", "m.c", "libmissing.so.3")
	sh("ln", "-sf", "libmissing.so.3", w("libmissing.so"))
	so("libunused.so.1", "u.c", "libunused.so.1")
	so("libcudnn.so.9", "cudnn.c", "libcudnn.so.9")
	sh("ln", "-sf", "libcudnn.so.9", w("libcudnn.so"))
	so("libcudnn_ops.so.9", "ops.c", "libcudnn_ops.so.9")
	so("libext.so.1", "ext.c", "libext.so.1")
	sh("ln", "-sf", "libext.so.1", w("libext.so"))
	so("_ext.so", "e.c", "_ext.so", "-L" + work, "-lext")
	so("libenv.so.1", "env.c", "libenv.so.1")
	sh("ln", "-sf", "libenv.so.1", w("libenv.so"))
	so("libconf.so.1", "conf.c", "libconf.so.1")
	sh("ln", "-sf", "libconf.so.1", w("libconf.so"))
	so("librp2.so.1", "rp2.c", "librp2.so.1")
	sh("ln", "-sf", "librp2.so.1", w("librp2.so"))
	so("librp1.so.1", "rp1.c", "librp1.so.1", "-L" + work, "-lrp2")
	sh("ln", "-sf", "librp1.so.1", w("librp1.so"))
	sh("gcc", "-O1", "-o", w("app"), w("app.c"), "-L" + work, "-la", "-lmissing",
	    "-lcudnn", "-lenv", "-lconf", "-Wl,--enable-new-dtags,-rpath,$ORIGIN/../lib",
	    "-Wl,--no-as-needed", "-Wl,-rpath-link," + work)
	sh("gcc", "-O1", "-o", w("rprog"), w("rprog.c"), "-L" + work, "-lrp1",
	    "-Wl,--disable-new-dtags,-rpath,$ORIGIN/../rlib", "-Wl,-rpath-link," + work)
	# A 32-bit libconf.so.1 earlier in the search (LD_LIBRARY_PATH):
	# ld.so skips a library of the wrong class, and so must imgaudit.
	conf32 = False
	try:
		with open(w("c32.c"), "w") as f:
			f.write("int conf(void) { return 32; }\n")
		sh("gcc", "-m32", "-fPIC", "-c", "-o", w("c32.o"), w("c32.c"))
		sh("ld", "-m", "elf_i386", "-shared", "-soname", "libconf.so.1",
		    "-o", w("libconf32.so.1"), w("c32.o"))
		conf32 = True
	except (subprocess.CalledProcessError, OSError):
		pass

	rd = lambda n: open(w(n), "rb").read()
	layer = build.Layer("/bin/sh -c #(nop) COPY dir:elf in / ")
	files = {
	    "opt/app/bin/app": "app", "opt/app/lib/liba.so.1": "liba.so.1",
	    LIB + "/libb.so.1": "libb.so.1", LIB + "/libunused.so.1": "libunused.so.1",
	    LIB + "/libcudnn.so.9": "libcudnn.so.9",
	    LIB + "/libcudnn_ops.so.9": "libcudnn_ops.so.9",
	    LIB + "/libext.so.1": "libext.so.1",
	    "usr/lib/python3/dist-packages/_ext.cpython-311-x86_64-linux-gnu.so": "_ext.so",
	    "opt/ldpath/libenv.so.1": "libenv.so.1",
	    "opt/conf/lib/libconf.so.1": "libconf.so.1",
	    "opt/rp/bin/rprog": "rprog",
	    "opt/rp/rlib/librp1.so.1": "librp1.so.1",
	    "opt/rp/rlib/librp2.so.1": "librp2.so.1",
	}
	if conf32:
		files["opt/ldpath/libconf.so.1"] = "libconf32.so.1"
	libc = os.path.realpath("/lib/x86_64-linux-gnu/libc.so.6")
	ldso = os.path.realpath("/lib64/ld-linux-x86-64.so.2")
	shutil.copyfile(libc, w("libc.so.6"))
	shutil.copyfile(ldso, w("ld.so"))
	files[LIB + "/libc.so.6"] = "libc.so.6"
	files[LIB + "/ld-linux-x86-64.so.2"] = "ld.so"
	gpu = None
	nvcc = os.environ.get("NVCC", "/usr/local/cuda/bin/nvcc")
	if os.access(nvcc, os.X_OK):
		with open(w("k.cu"), "w") as f:
			f.write("__global__ void k(float *x) { x[threadIdx.x] *= 2.0f; }\n"
			    "void launch(float *x) { k<<<1, 32>>>(x); }\n")
		os.makedirs(w("keep"))
		sh(nvcc, "-shared", "-Xcompiler", "-fPIC", "-o", w("libgpu.so.1"), w("k.cu"),
		    "-gencode", "arch=compute_80,code=sm_80",
		    "-gencode", "arch=compute_90,code=sm_90",
		    "-gencode", "arch=compute_90,code=compute_90",
		    "-Xfatbin", "-compress=false", "--keep", "--keep-dir", w("keep"))
		files[LIB + "/libgpu.so.1"] = "libgpu.so.1"
		cub = {}
		# k.compute_80.cubin and k.compute_90.sm_90.cubin, and the
		# device-link ones: the last compute_/sm_ number is the target.
		for p in glob.glob(w("keep", "*.cubin")):
			sm = int(p.rsplit("_", 1)[1].split(".")[0])
			cub[sm] = cub.get(sm, 0) + os.path.getsize(p)
		# The PTX entry is fatbinary's minified copy of the .ptx that
		# --keep leaves (comments dropped, blanks squeezed, lines
		# kept), NUL-terminated and padded to 8 bytes: stored as is
		# with -compress=false.
		with open(w("keep", "k.compute_90.ptx"), "rb") as f:
			ptx = minify_ptx(f.read())
		gpu = {"sass": {"sm_80": cub[80], "sm_90": cub[90]},
		    "ptx": {"sm_80": 0, "sm_90": (len(ptx) + 1 + 7) // 8 * 8}}
	for path, name in sorted(files.items()):
		layer.file(path, rd(name), 0o755)
	# A library cut short after its program headers: the section table
	# it promises lies past the end.
	layer.file("opt/app/lib/libcut.so.1", rd("libb.so.1")[:2000], 0o755)
	# One claiming a million sections (e_shnum 0, the count in section
	# 0's sh_size, as ELF allows for more than 65279).
	million = bytearray(rd("libb.so.1"))
	shoff = struct.unpack_from("<Q", million, 40)[0]
	struct.pack_into("<H", million, 60, 0)
	struct.pack_into("<Q", million, shoff + 32, 1000000)
	layer.file("opt/app/lib/libmillion.so.1", bytes(million), 0o755)
	# ld.so.conf with an include, as Debian ships it.
	layer.file("etc/ld.so.conf", b"include /etc/ld.so.conf.d/*.conf\n")
	layer.file("etc/ld.so.conf.d/opt-conf.conf", b"# a comment\n/opt/conf/lib\n")
	layer.symlink("lib64", "usr/lib/x86_64-linux-gnu")
	layer.symlink(LIB + "/libb.so", "libb.so.1")
	spec = build.ImageSpec("elf", [layer], ["/opt/app/bin/app"], None,
	    env=["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"LD_LIBRARY_PATH=/opt/ldpath"])
	imgdir = os.path.join(out, "elf")
	os.makedirs(imgdir, exist_ok=True)
	img = build.build_image(spec, build.comps_for(["oci-gzip"]), {})
	build.write_formats(imgdir, img, ["oci-gzip"])

	# The build did what it meant to: readelf on the very files.
	need = {p: readelf_dynamic(w(n)) for p, n in files.items()}
	assert need["opt/app/bin/app"][0] == ["liba.so.1", "libmissing.so.3",
	    "libcudnn.so.9", "libenv.so.1", "libconf.so.1", "libc.so.6"], \
	    need["opt/app/bin/app"]
	assert need["opt/app/bin/app"][1] == "$ORIGIN/../lib"
	assert need["opt/app/lib/liba.so.1"][0][0] == "libb.so.1"
	assert need["opt/rp/bin/rprog"][0][0] == "librp1.so.1"
	assert need["opt/rp/bin/rprog"][1] is None
	assert need["opt/rp/rlib/librp1.so.1"] == (["librp2.so.1"], None)
	assert readelf_rpath(w("rprog")) == "$ORIGIN/../rlib"
	assert readelf_rpath(w("librp1.so.1")) is None
	if conf32:
		assert "ELF32" in subprocess.run(["readelf", "-h", w("libconf32.so.1")],
		    check=True, capture_output=True, text=True).stdout
	facts = {
	    "image": os.path.join(out, "elf", "oci-gzip"),
	    "elf_files": len(files) + 2,
	    "malformed": ["/opt/app/lib/libcut.so.1", "/opt/app/lib/libmillion.so.1"],
	    "missing": [["libmissing.so.3", "/opt/app/bin/app"]],
	    # The executables (app, rprog) and the Python extension.
	    "roots": 3,
	    "reached": ["/opt/ldpath/libenv.so.1", "/opt/conf/lib/libconf.so.1",
		"/opt/rp/rlib/librp1.so.1", "/opt/rp/rlib/librp2.so.1"],
	    "unreferenced": sorted(["/" + LIB + "/libunused.so.1", "/opt/app/lib/libcut.so.1",
		"/opt/app/lib/libmillion.so.1"] +
		(["/" + LIB + "/libgpu.so.1"] if gpu else []) +
		(["/opt/ldpath/libconf.so.1"] if conf32 else [])),
	    "unreferenced_bytes": os.path.getsize(w("libunused.so.1")) + 2000 +
		len(million) +
		(os.path.getsize(w("libgpu.so.1")) if gpu else 0) +
		(os.path.getsize(w("libconf32.so.1")) if conf32 else 0),
	    # strip --strip-debug on the one file with .debug_* sections
	    # (readelf -S says which), and --strip-unneeded on all of them.
	    "debug_files": sorted("/" + p for p, n in files.items() if has_debug(w(n))),
	    "debug_bytes": sum(strip_saving(w(n), "--strip-debug")
		for n in files.values() if has_debug(w(n))),
	    "unneeded_bytes": sum(strip_saving(w(n), "--strip-unneeded") for n in files.values()),
	    "gpu": gpu,
	}
	with open(os.path.join(out, "facts.json"), "w") as f:
		json.dump(facts, f, indent=1)


if __name__ == "__main__":
	main()
