/* SPDX-License-Identifier: MIT */
/*
 * test_advise.c: the pure parts of the layer advice — what a path is
 * (model weights, code, a dependency manifest, a system file), what an
 * install command installs with, whether a COPY takes the whole context,
 * a layer's class from its facts, and the one-line step shown for a
 * created_by.  The findings over whole images are tests/e2e/diff.sh's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "advise.h"

static void
test_model_paths(void **state)
{
	(void)state;
	assert_true(advise_is_model_path("models/model.safetensors"));
	assert_true(advise_is_model_path("m/llama-7b.Q4_K_M.gguf"));
	assert_true(advise_is_model_path("w/resnet.ONNX"));
	assert_true(advise_is_model_path("ckpt/last.ckpt"));
	assert_true(advise_is_model_path("trt/model.plan"));
	assert_true(advise_is_model_path("x/pytorch_model.bin"));
	assert_false(advise_is_model_path("app/main.py"));
	assert_false(advise_is_model_path("bin"));
	assert_false(advise_is_model_path("x/model.safetensors.json"));
}

static void
test_code_and_manifests(void **state)
{
	(void)state;
	assert_true(advise_is_code_path("app/main.py"));
	assert_true(advise_is_code_path("srv/index.mjs"));
	assert_true(advise_is_code_path("app/requirements.txt"));
	assert_true(advise_is_manifest_path("app/requirements.txt"));
	assert_true(advise_is_manifest_path("requirements-dev.txt"));
	assert_true(advise_is_manifest_path("web/package.json"));
	assert_true(advise_is_manifest_path("pyproject.toml"));
	assert_false(advise_is_manifest_path("app/main.py"));
	assert_false(advise_is_manifest_path("app/requirements.md"));
	assert_false(advise_is_code_path("app/README.md"));
	assert_true(advise_is_system_path("usr/lib/python3/dist-packages/"
	    "x.py"));
	assert_true(advise_is_system_path("usr/local/cuda-12.1/bin/nvcc"));
	assert_true(advise_is_system_path("etc/passwd"));
	assert_false(advise_is_system_path("app/main.py"));
	assert_false(advise_is_system_path("usr/src/app/main.py"));
	assert_false(advise_is_system_path("opt/app/run.sh"));
}

static void
test_install_kind(void **state)
{
	(void)state;
	assert_int_equal(advise_install_kind("/bin/sh -c apt-get update && "
	    "apt-get install -y curl"), INSTALL_APT);
	assert_int_equal(advise_install_kind("RUN /bin/sh -c pip install -r "
	    "requirements.txt # buildkit"), INSTALL_PIP);
	assert_int_equal(advise_install_kind("RUN |1 X=1 /bin/sh -c pip3 "
	    "install torch"), INSTALL_PIP);
	assert_int_equal(advise_install_kind("/bin/sh -c conda install -y "
	    "pytorch"), INSTALL_CONDA);
	assert_int_equal(advise_install_kind("RUN npm ci --omit=dev"),
	    INSTALL_NPM);
	assert_int_equal(advise_install_kind("/bin/sh -c apk add --no-cache "
	    "bash"), INSTALL_APK);
	assert_int_equal(advise_install_kind("COPY . /app # buildkit"),
	    INSTALL_NONE);
	assert_int_equal(advise_install_kind(NULL), INSTALL_NONE);
}

static void
test_copies_context(void **state)
{
	(void)state;
	assert_true(advise_copies_context("COPY . /app # buildkit"));
	assert_true(advise_copies_context("COPY . ."));
	assert_true(advise_copies_context("COPY --chown=app:app ./ /srv/"));
	assert_true(advise_copies_context("ADD . /app"));
	assert_true(advise_copies_context("/bin/sh -c #(nop) COPY . /app"));
	assert_false(advise_copies_context("COPY requirements.txt /app/ "
	    "# buildkit"));
	assert_false(advise_copies_context("COPY src/ /app/src"));
	/* "." as the destination copies nothing of the whole context. */
	assert_false(advise_copies_context("COPY main.py ."));
	assert_false(advise_copies_context("RUN cp -r . /app"));
	assert_false(advise_copies_context("/bin/sh -c #(nop) COPY "
	    "dir:9a7c2e51d0b3 in /opt/ "));
	assert_false(advise_copies_context(NULL));
}

static void
test_classify(void **state)
{
	struct layer_facts f;

	(void)state;
	memset(&f, 0, sizeof(f));
	f.files = 10;
	f.bytes = 1000;
	assert_int_equal(advise_classify(&f, NULL, 0), LC_BASE);
	f.model_bytes = 600;
	assert_int_equal(advise_classify(&f, NULL, 3), LC_MODEL);
	f.model_bytes = 0;
	f.pkg_bytes = 600;
	assert_int_equal(advise_classify(&f, NULL, 3), LC_DEPS);
	/* An install command makes a few package files an install. */
	f.pkg_bytes = 10;
	f.code_bytes = 900;
	f.install = INSTALL_PIP;
	assert_int_equal(advise_classify(&f, NULL, 3), LC_DEPS);
	f.install = INSTALL_NONE;
	assert_int_equal(advise_classify(&f, NULL, 3), LC_APP);
	f.code_bytes = 100;
	assert_int_equal(advise_classify(&f, "COPY src /app", 3), LC_APP);
	assert_int_equal(advise_classify(&f, "RUN make", 3), LC_OTHER);
	/* Mostly whiteouts that delete something: a cleanup. */
	f.whiteouts = 12;
	f.deleted_bytes = 5000;
	assert_int_equal(advise_classify(&f, NULL, 3), LC_CLEANUP);
	f.deleted_bytes = 0;
	memset(&f, 0, sizeof(f));
	assert_int_equal(advise_classify(&f, "RUN true", 2), LC_EMPTY);
	assert_string_equal(advise_class_name(LC_DEPS), "dependencies");
	assert_string_equal(advise_class_name(LC_COUNT), "other");
}

static void
test_step(void **state)
{
	char buf[80];

	(void)state;
	assert_string_equal(advise_step("/bin/sh -c apt-get update", 60, buf,
	    sizeof(buf)), "RUN apt-get update");
	assert_string_equal(advise_step("RUN /bin/sh -c pip install x "
	    "# buildkit", 60, buf, sizeof(buf)), "RUN pip install x");
	assert_string_equal(advise_step("/bin/sh -c #(nop)  COPY dir:ab in "
	    "/app ", 60, buf, sizeof(buf)), "COPY dir:ab in /app");
	assert_string_equal(advise_step("RUN a\n\t&&   b", 60, buf,
	    sizeof(buf)), "RUN a && b");
	assert_string_equal(advise_step(NULL, 60, buf, sizeof(buf)),
	    "(no history)");
	assert_string_equal(advise_step("COPY abcdefghijkl /x", 12, buf,
	    sizeof(buf)), "COPY abcd...");
	/* "é" is two bytes: the cut backs off rather than split it. */
	assert_string_equal(advise_step("COPY \xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "xyz /x", 10, buf, sizeof(buf)), "COPY \xc3\xa9...");
	/* The width is clamped to the buffer. */
	assert_true(strlen(advise_step("COPY 0123456789012345678901234567 /x",
	    200, buf, 20)) <= 16);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_paths),
		cmocka_unit_test(test_code_and_manifests),
		cmocka_unit_test(test_install_kind),
		cmocka_unit_test(test_copies_context),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_step),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
