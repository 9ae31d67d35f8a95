-- SPDX-License-Identifier: MIT
-- dlopen_rules: libraries that load others with dlopen(), found as name
-- strings in their string tables (shared/research/kb-facts.md §1.2) plus the
-- plugin directories that auditor/linkgraph.c hard-codes.  loader is a glob
-- on the loader's file name; loads is a glob on the loaded file name, or,
-- when it contains a '/', a glob on its path (plugin directories), as
-- linkgraph.c treats its own table.  Every entry of linkgraph.c's
-- dlopen_rules[] is here, its name prefixes turned into globs.

-- dlopen_rules
INSERT OR REPLACE INTO dlopen_rules VALUES ('libc.so*', '*/gconv/*.so', 'glibc iconv modules: iconv_open(3) loads gconv modules; main:auditor/linkgraph.c dlopen_rules[] (plugin directories)');
INSERT OR REPLACE INTO dlopen_rules VALUES ('libc.so*', '*/libnss_*.so*', 'glibc NSS modules named in nsswitch.conf(5); main:auditor/linkgraph.c dlopen_rules[] (plugin directories)');
INSERT OR REPLACE INTO dlopen_rules VALUES ('libpam.so*', '*/security/pam_*.so', 'PAM modules named in pam.conf(5); main:auditor/linkgraph.c dlopen_rules[] (plugin directories)');
INSERT OR REPLACE INTO dlopen_rules VALUES ('libkrb5.so*', '*/krb5/plugins/*', 'MIT Kerberos plugin modules; main:auditor/linkgraph.c dlopen_rules[] (plugin directories)');
INSERT OR REPLACE INTO dlopen_rules VALUES ('libcrypto.so*', '*/ossl-modules/*.so', 'OpenSSL 3 providers (provider(7ossl)); main:auditor/linkgraph.c dlopen_rules[] (plugin directories)');
INSERT OR REPLACE INTO dlopen_rules VALUES ('libcrypto.so*', '*/engines-3/*.so', 'OpenSSL engines; main:auditor/linkgraph.c dlopen_rules[] (plugin directories)');
INSERT OR REPLACE INTO dlopen_rules VALUES ('perl*', '*/perl*/auto/*.so', 'Perl XS modules loaded by DynaLoader; main:auditor/linkgraph.c dlopen_rules[] (plugin directories)');
INSERT OR REPLACE INTO dlopen_rules VALUES ('libperl.so*', '*/perl*/auto/*.so', 'Perl XS modules loaded by DynaLoader; main:auditor/linkgraph.c dlopen_rules[] (plugin directories)');
INSERT OR REPLACE INTO dlopen_rules VALUES ('libcudnn.so*', 'libcudnn_adv.so*', 'measured: strings on /usr/local/cuda-13.0 (kb-facts.md §1.2)');
INSERT OR REPLACE INTO dlopen_rules VALUES ('libcudnn.so*', 'libcudnn_cnn.so*', 'measured: strings on /usr/local/cuda-13.0 (kb-facts.md §1.2)');
INSERT OR REPLACE INTO dlopen_rules VALUES ('libcudnn.so*', 'libcudnn_graph.so*', 'measured: strings on /usr/local/cuda-13.0 (kb-facts.md §1.2)');
INSERT OR REPLACE INTO dlopen_rules VALUES ('libcudnn.so*', 'libcudnn_ops.so*', 'measured: strings on /usr/local/cuda-13.0 (kb-facts.md §1.2)');
INSERT OR REPLACE INTO dlopen_rules VALUES ('libcudnn_graph.so*', 'libcudnn_engines_precompiled.so*', 'measured: strings on /usr/local/cuda-13.0 (kb-facts.md §1.2)');
INSERT OR REPLACE INTO dlopen_rules VALUES ('libcudnn_graph.so*', 'libcudnn_engines_runtime_compiled.so*', 'measured: strings on /usr/local/cuda-13.0 (kb-facts.md §1.2)');
INSERT OR REPLACE INTO dlopen_rules VALUES ('libcudnn_graph.so*', 'libcudnn_heuristic.so*', 'measured: strings on /usr/local/cuda-13.0 (kb-facts.md §1.2)');
INSERT OR REPLACE INTO dlopen_rules VALUES ('libcudnn_graph.so*', 'libnvrtc.so*', 'measured: strings on /usr/local/cuda-13.0 (kb-facts.md §1.2)');
INSERT OR REPLACE INTO dlopen_rules VALUES ('libcudnn_engines_precompiled.so*', 'libcublasLt.so*', 'measured: strings on /usr/local/cuda-13.0 (kb-facts.md §1.2)');
INSERT OR REPLACE INTO dlopen_rules VALUES ('libcudnn_engines_precompiled.so*', 'libnvrtc.so*', 'measured: strings on /usr/local/cuda-13.0 (kb-facts.md §1.2)');
INSERT OR REPLACE INTO dlopen_rules VALUES ('libcudnn_engines_runtime_compiled.so*', 'libnvrtc.so*', 'kb-facts.md §1.3: "requires NVRTC at run time" (https://docs.nvidia.com/deeplearning/cudnn/frontend/v1.9.0/developer/misc.html) [inferred edge]');
INSERT OR REPLACE INTO dlopen_rules VALUES ('libcudnn.so.8*', 'libcudnn_ops_infer.so*', 'https://docs.nvidia.com/deeplearning/cudnn/archives/cudnn-897/api/index.html (the cudnn shim layer opens the sub-library an API needs at run time) [inferred edge]');
INSERT OR REPLACE INTO dlopen_rules VALUES ('libcudnn.so.8*', 'libcudnn_ops_train.so*', 'https://docs.nvidia.com/deeplearning/cudnn/archives/cudnn-897/api/index.html (the cudnn shim layer opens the sub-library an API needs at run time) [inferred edge]');
INSERT OR REPLACE INTO dlopen_rules VALUES ('libcudnn.so.8*', 'libcudnn_cnn_infer.so*', 'https://docs.nvidia.com/deeplearning/cudnn/archives/cudnn-897/api/index.html (the cudnn shim layer opens the sub-library an API needs at run time) [inferred edge]');
INSERT OR REPLACE INTO dlopen_rules VALUES ('libcudnn.so.8*', 'libcudnn_cnn_train.so*', 'https://docs.nvidia.com/deeplearning/cudnn/archives/cudnn-897/api/index.html (the cudnn shim layer opens the sub-library an API needs at run time) [inferred edge]');
INSERT OR REPLACE INTO dlopen_rules VALUES ('libcudnn.so.8*', 'libcudnn_adv_infer.so*', 'https://docs.nvidia.com/deeplearning/cudnn/archives/cudnn-897/api/index.html (the cudnn shim layer opens the sub-library an API needs at run time) [inferred edge]');
INSERT OR REPLACE INTO dlopen_rules VALUES ('libcudnn.so.8*', 'libcudnn_adv_train.so*', 'https://docs.nvidia.com/deeplearning/cudnn/archives/cudnn-897/api/index.html (the cudnn shim layer opens the sub-library an API needs at run time) [inferred edge]');
INSERT OR REPLACE INTO dlopen_rules VALUES ('libcufft.so*', 'libnvJitLink.so*', 'measured: strings on /usr/local/cuda-13.0 (kb-facts.md §1.2)');
INSERT OR REPLACE INTO dlopen_rules VALUES ('libcufft.so*', 'libnvrtc.so*', 'measured: strings on /usr/local/cuda-13.0 (kb-facts.md §1.2)');
INSERT OR REPLACE INTO dlopen_rules VALUES ('libcublasLt.so*', 'libnvrtc.so*', 'measured: strings on /usr/local/cuda-13.0 (kb-facts.md §1.2)');
INSERT OR REPLACE INTO dlopen_rules VALUES ('libnvrtc.so*', 'libnvrtc-builtins.so*', 'main:auditor/linkgraph.c dlopen_rules[] ; NVRTC loads its builtins library by name (kb-facts.md §1.3) [inferred]');
INSERT OR REPLACE INTO dlopen_rules VALUES ('libnvrtc.so*', 'libnvrtc-builtins*.so*', 'NVRTC loads its builtins library by name (kb-facts.md §1.3, needed when NVRTC is) [inferred]');
INSERT OR REPLACE INTO dlopen_rules VALUES ('libnvrtc.alt.so*', 'libnvrtc-builtins*.so*', 'the .alt NVRTC variant ships a matching libnvrtc-builtins.alt (kb-facts.md §1.1) [inferred]');
INSERT OR REPLACE INTO dlopen_rules VALUES ('libnccl.so*', 'libibverbs.so*', 'measured: strings on /usr/local/cuda-13.0 (kb-facts.md §1.2)');
INSERT OR REPLACE INTO dlopen_rules VALUES ('libcupti.so*', 'libnvperf_host.so*', 'measured: strings on /usr/local/cuda-13.0 (kb-facts.md §1.2)');
