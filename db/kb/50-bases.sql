-- SPDX-License-Identifier: MIT
-- base_rules and base_globs: base images recognised by a file of the final
-- tree (signature) and, when unless is set, the absence of another; the
-- candidate frees the files matching the rule's globs (keep = 1 exempts).
-- Sources: shared/research/kb-facts.md §1.4, docker-library/python,
-- debuerreotype.

-- base_rules
INSERT OR REPLACE INTO base_rules VALUES ('cuda-devel', '/usr/local/cuda*/bin/nvcc', NULL, 'high', 'nvidia/cuda devel base image', 'The -devel flavour adds the compiler toolchain (nvcc, ptxas, cicc), debuggers, profilers, headers and static libraries to the runtime image (9.0-cudnn7: 2.58 GB devel vs 1.15 GB runtime; 12.9.1-devel-ubi9 4.17 GB vs about 1.3 GB). A serving image needs them only if it compiles CUDA code at run time: Triton/torch.compile need ptxas, but pip torch bundles its own (torch/bin/ptxas) and Triton ships one; torch.utils.cpp_extension.load or DeepSpeed op builds at start-up need the devel image.', 'FROM nvidia/cuda:<version>-cudnn-runtime-<os> (the runtime flavour of the same tag) for the serving stage; build extensions in a -devel stage (FROM nvidia/cuda:<version>-cudnn-devel-<os> AS build) and COPY the results', 'https://nvidia.github.io/container-wiki/toolkit/container-images.html ; https://github.com/kubeflow/kubeflow/issues/1783 ; https://github.com/llm-d/llm-d/pull/606 ; https://github.com/saturncloud/images/pull/256 ; https://github.com/pytorch/pytorch/pull/119750 (kb-facts.md §1.4)');
INSERT OR REPLACE INTO base_rules VALUES ('python-full', '/usr/local/lib/python3*/lib-dynload/*-linux-gnu.so', '/etc/dpkg/dpkg.cfg.d/docker', 'medium', 'python full (buildpack-deps) base image', 'The official python:3.X image is built FROM buildpack-deps, which adds compilers, hundreds of -dev packages, git/mercurial/subversion, ImageMagick and all documentation; python:3.X-slim has the same Python in /usr/local without them. Recognised by a CPython built into /usr/local for glibc and the absence of /etc/dpkg/dpkg.cfg.d/docker, the file Debian slim images carry.', 'FROM python:3.X-slim-<debian> (same Python version and Debian release); if a package must be compiled, do it in a FROM python:3.X AS build stage and COPY the wheels or the virtualenv into the slim stage', 'docker-library/python:3.12/bookworm/Dockerfile ; debuerreotype/debuerreotype:scripts/debuerreotype-slimify ; https://learnmlops.ops4life.com/guides/ml-docker-image-optimization/ (kb-facts.md §2)');
INSERT OR REPLACE INTO base_rules VALUES ('duplicate-cuda', '*/site-packages/nvidia/*/lib/libcublas*.so*', NULL, 'medium', 'CUDA libraries both in the base image and in pip wheels', 'PyTorch CUDA wheels load the pip nvidia-* libraries through their RPATH, so the same libraries in /usr/local/cuda (an nvidia/cuda runtime or devel base) are a second copy that nothing loads (one image dropped about 2.3 GB by basing on the base flavour). Check first that no other program (e.g. onnxruntime-gpu, a custom extension) loads them from /usr/local/cuda.', 'FROM nvidia/cuda:<version>-base-<os> (only cudart and the forward-compat driver) or a plain OS image when every CUDA library comes from pip wheels', 'https://github.com/IBM/text-generation-inference/pull/50 ; pytorch/pytorch:.ci/manywheel/build_cuda.sh@799d09f215740cc4fb78e0bd278dce469e33ddcb (kb-facts.md §1.4)');

-- base_globs
INSERT OR REPLACE INTO base_globs VALUES ('cuda-devel', '/usr/local/cuda*/bin/*', 0);
INSERT OR REPLACE INTO base_globs VALUES ('cuda-devel', '/usr/local/cuda*/nvvm/*', 0);
INSERT OR REPLACE INTO base_globs VALUES ('cuda-devel', '/usr/local/cuda*/include/*', 0);
INSERT OR REPLACE INTO base_globs VALUES ('cuda-devel', '/usr/local/cuda*/targets/*/include/*', 0);
INSERT OR REPLACE INTO base_globs VALUES ('cuda-devel', '/usr/local/cuda*/*.a', 0);
INSERT OR REPLACE INTO base_globs VALUES ('cuda-devel', '/usr/local/cuda*/lib64/stubs/*', 0);
INSERT OR REPLACE INTO base_globs VALUES ('cuda-devel', '/usr/local/cuda*/targets/*/lib/stubs/*', 0);
INSERT OR REPLACE INTO base_globs VALUES ('cuda-devel', '/usr/local/cuda*/lib64/cmake/*', 0);
INSERT OR REPLACE INTO base_globs VALUES ('cuda-devel', '/usr/local/cuda*/targets/*/lib/cmake/*', 0);
INSERT OR REPLACE INTO base_globs VALUES ('cuda-devel', '/usr/local/cuda*/nsight*/*', 0);
INSERT OR REPLACE INTO base_globs VALUES ('cuda-devel', '/opt/nvidia/nsight*/*', 0);
INSERT OR REPLACE INTO base_globs VALUES ('cuda-devel', '/usr/local/cuda*/extras/*', 0);
INSERT OR REPLACE INTO base_globs VALUES ('cuda-devel', '/usr/local/cuda*/compute-sanitizer/*', 0);
INSERT OR REPLACE INTO base_globs VALUES ('cuda-devel', '/usr/local/cuda*/libnvvp/*', 0);
INSERT OR REPLACE INTO base_globs VALUES ('cuda-devel', '/usr/local/cuda*/nvml/*', 0);
INSERT OR REPLACE INTO base_globs VALUES ('cuda-devel', '/usr/include/cudnn*', 0);
INSERT OR REPLACE INTO base_globs VALUES ('cuda-devel', '/usr/include/*-linux-gnu/cudnn*', 0);
INSERT OR REPLACE INTO base_globs VALUES ('cuda-devel', '/usr/lib/*-linux-gnu/libcudnn*_static*.a', 0);
INSERT OR REPLACE INTO base_globs VALUES ('cuda-devel', '/usr/include/nccl*.h', 0);
INSERT OR REPLACE INTO base_globs VALUES ('cuda-devel', '/usr/lib/*-linux-gnu/libnccl_static.a', 0);
INSERT OR REPLACE INTO base_globs VALUES ('python-full', '/usr/include/*', 0);
INSERT OR REPLACE INTO base_globs VALUES ('python-full', '/usr/lib/gcc/*', 0);
INSERT OR REPLACE INTO base_globs VALUES ('python-full', '/usr/libexec/gcc/*', 0);
INSERT OR REPLACE INTO base_globs VALUES ('python-full', '/usr/bin/gcc*', 0);
INSERT OR REPLACE INTO base_globs VALUES ('python-full', '/usr/bin/g++*', 0);
INSERT OR REPLACE INTO base_globs VALUES ('python-full', '/usr/bin/c++*', 0);
INSERT OR REPLACE INTO base_globs VALUES ('python-full', '/usr/bin/cpp*', 0);
INSERT OR REPLACE INTO base_globs VALUES ('python-full', '/usr/bin/*-linux-gnu-*', 0);
INSERT OR REPLACE INTO base_globs VALUES ('python-full', '/usr/lib/*-linux-gnu/*.a', 0);
INSERT OR REPLACE INTO base_globs VALUES ('python-full', '/usr/share/doc/*', 0);
INSERT OR REPLACE INTO base_globs VALUES ('python-full', '/usr/share/man/*', 0);
INSERT OR REPLACE INTO base_globs VALUES ('python-full', '/usr/share/info/*', 0);
INSERT OR REPLACE INTO base_globs VALUES ('python-full', '/usr/share/locale/*', 0);
INSERT OR REPLACE INTO base_globs VALUES ('python-full', '/usr/share/perl/*', 0);
INSERT OR REPLACE INTO base_globs VALUES ('python-full', '/usr/lib/*-linux-gnu/perl/*', 0);
INSERT OR REPLACE INTO base_globs VALUES ('python-full', '/usr/lib/git-core/*', 0);
INSERT OR REPLACE INTO base_globs VALUES ('python-full', '/usr/bin/git*', 0);
INSERT OR REPLACE INTO base_globs VALUES ('python-full', '/usr/share/git-core/*', 0);
INSERT OR REPLACE INTO base_globs VALUES ('python-full', '/usr/bin/hg', 0);
INSERT OR REPLACE INTO base_globs VALUES ('python-full', '/usr/lib/python3/dist-packages/mercurial/*', 0);
INSERT OR REPLACE INTO base_globs VALUES ('python-full', '/usr/bin/svn*', 0);
INSERT OR REPLACE INTO base_globs VALUES ('python-full', '/usr/lib/*-linux-gnu/libsvn_*', 0);
INSERT OR REPLACE INTO base_globs VALUES ('python-full', '/usr/lib/*-linux-gnu/ImageMagick-*', 0);
INSERT OR REPLACE INTO base_globs VALUES ('python-full', '/usr/lib/*-linux-gnu/libMagick*', 0);
INSERT OR REPLACE INTO base_globs VALUES ('python-full', '/usr/lib/*-linux-gnu/libicu*', 0);
INSERT OR REPLACE INTO base_globs VALUES ('python-full', '/usr/share/icu/*', 0);
INSERT OR REPLACE INTO base_globs VALUES ('python-full', '/usr/share/doc/*/copyright', 1);
INSERT OR REPLACE INTO base_globs VALUES ('python-full', '/usr/share/locale/locale.alias', 1);
INSERT OR REPLACE INTO base_globs VALUES ('duplicate-cuda', '/usr/local/cuda*/targets/*/lib/*.so*', 0);
INSERT OR REPLACE INTO base_globs VALUES ('duplicate-cuda', '/usr/local/cuda*/lib64/*.so*', 0);
INSERT OR REPLACE INTO base_globs VALUES ('duplicate-cuda', '/usr/local/cuda*/extras/CUPTI/lib64/*.so*', 0);
INSERT OR REPLACE INTO base_globs VALUES ('duplicate-cuda', '/usr/lib/*-linux-gnu/libcudnn*.so*', 0);
INSERT OR REPLACE INTO base_globs VALUES ('duplicate-cuda', '/usr/lib/*-linux-gnu/libnccl.so*', 0);
INSERT OR REPLACE INTO base_globs VALUES ('duplicate-cuda', '/usr/local/cuda*/libcudart.so*', 1);
INSERT OR REPLACE INTO base_globs VALUES ('duplicate-cuda', '/usr/local/cuda*/compat/*', 1);
