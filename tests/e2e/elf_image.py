#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""
elf_image.py OUTDIR: compile small ELF programs and libraries with gcc (and
a CUDA library with nvcc when it is there), put them in an image with the
test-image builder, and write OUTDIR/elf/facts.json: what the link graph
must find, by construction, cross-checked against readelf on the same
files (the DT_NEEDED / DT_RUNPATH the build was meant to produce).

  /opt/app/bin/app        ENTRYPOINT; NEEDED liba.so.1, libcudnn.so.9,
                          libmissing.so.3 (not shipped), libc.so.6;
                          RUNPATH $ORIGIN/../lib
  /opt/app/lib/liba.so.1  built with -g; NEEDED libb.so.1
  /usr/lib/x86_64-linux-gnu/libb.so.1            found in the default dirs
  /usr/lib/x86_64-linux-gnu/libcudnn.so.9        loader of ...
  /usr/lib/x86_64-linux-gnu/libcudnn_ops.so.9    reached only by dlopen
  /usr/lib/x86_64-linux-gnu/libunused.so.1       nothing reaches it
  /usr/lib/python3/dist-packages/_ext.cpython-311-x86_64-linux-gnu.so
                          a Python extension; NEEDED libext.so.1
  /usr/lib/x86_64-linux-gnu/libext.so.1
  /usr/lib/x86_64-linux-gnu/libc.so.6, /lib64/ld-linux-x86-64.so.2 (host)
  /opt/app/lib/libcut.so.1  libb.so.1 cut after 2000 bytes: malformed
  /usr/lib/x86_64-linux-gnu/libgpu.so.1 (nvcc only: sm_80 + sm_90 SASS,
                          compute_90 PTX), NEEDED by nothing: unreferenced
"""
import glob
import json
import os
import shutil
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
	    "app.c": "int a(void); int m(void); int cudnn(void);\n"
		"int main(void) { return a() + m() + cudnn(); }\n",
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
	sh("gcc", "-O1", "-o", w("app"), w("app.c"), "-L" + work, "-la", "-lmissing",
	    "-lcudnn", "-Wl,--enable-new-dtags,-rpath,$ORIGIN/../lib",
	    "-Wl,--no-as-needed", "-Wl,-rpath-link," + work)

	rd = lambda n: open(w(n), "rb").read()
	layer = build.Layer("/bin/sh -c #(nop) COPY dir:elf in / ")
	files = {
	    "opt/app/bin/app": "app", "opt/app/lib/liba.so.1": "liba.so.1",
	    LIB + "/libb.so.1": "libb.so.1", LIB + "/libunused.so.1": "libunused.so.1",
	    LIB + "/libcudnn.so.9": "libcudnn.so.9",
	    LIB + "/libcudnn_ops.so.9": "libcudnn_ops.so.9",
	    LIB + "/libext.so.1": "libext.so.1",
	    "usr/lib/python3/dist-packages/_ext.cpython-311-x86_64-linux-gnu.so": "_ext.so",
	}
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
		gpu = {"sass": {"sm_80": cub[80], "sm_90": cub[90]}}
	for path, name in sorted(files.items()):
		layer.file(path, rd(name), 0o755)
	# A library cut short after its program headers: the section table
	# it promises lies past the end.
	layer.file("opt/app/lib/libcut.so.1", rd("libb.so.1")[:2000], 0o755)
	layer.symlink("lib64", "usr/lib/x86_64-linux-gnu")
	layer.symlink(LIB + "/libb.so", "libb.so.1")
	spec = build.ImageSpec("elf", [layer], ["/opt/app/bin/app"], None,
	    env=["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"])
	imgdir = os.path.join(out, "elf")
	os.makedirs(imgdir, exist_ok=True)
	img = build.build_image(spec, build.comps_for(["oci-gzip"]), {})
	build.write_formats(imgdir, img, ["oci-gzip"])

	# The build did what it meant to: readelf on the very files.
	need = {p: readelf_dynamic(w(n)) for p, n in files.items()}
	assert need["opt/app/bin/app"][0] == ["liba.so.1", "libmissing.so.3",
	    "libcudnn.so.9", "libc.so.6"], need["opt/app/bin/app"]
	assert need["opt/app/bin/app"][1] == "$ORIGIN/../lib"
	assert need["opt/app/lib/liba.so.1"][0][0] == "libb.so.1"
	facts = {
	    "image": os.path.join(out, "elf", "oci-gzip"),
	    "elf_files": len(files) + 1,
	    "malformed": "/opt/app/lib/libcut.so.1",
	    "missing": [["libmissing.so.3", "/opt/app/bin/app"]],
	    "unreferenced": sorted(["/" + LIB + "/libunused.so.1", "/opt/app/lib/libcut.so.1"] +
		(["/" + LIB + "/libgpu.so.1"] if gpu else [])),
	    "unreferenced_bytes": os.path.getsize(w("libunused.so.1")) + 2000 +
		(os.path.getsize(w("libgpu.so.1")) if gpu else 0),
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
