-- SPDX-License-Identifier: MIT
-- The purposes of DESIGN.md.  removable_inference / removable_training:
-- whether files of the purpose are removal candidates under --profile
-- inference (the default) or --profile training.
INSERT OR REPLACE INTO purposes VALUES
 ('runtime',        0, 0, 'needed to serve: the framework, its libraries, the app'),
 ('training-only',  1, 0, 'used to train or track experiments, not to serve'),
 ('dev-only',       1, 0, 'used to build or develop: compilers, headers, static libraries, linters, notebooks'),
 ('profiling',      1, 1, 'profilers and tracing libraries'),
 ('build-cache',    1, 1, 'caches and byte-code: package-manager downloads, apt lists, __pycache__'),
 ('docs',           1, 1, 'documentation, manual pages, locales'),
 ('tests',          1, 1, 'test suites shipped inside packages'),
 ('debug',          1, 1, 'debug symbols and debug files'),
 ('multi-gpu-only', 1, 0, 'needed only to use several GPUs at once (NCCL, NVSHMEM)'),
 ('other-gpu-arch', 1, 1, 'GPU code for architectures outside --target-arch'),
 ('wasted',         1, 1, 'pulled, but hidden by a later layer'),
 ('unknown',        0, 0, 'not owned by a package and matched by no rule');
