# imgaudit — audit container images for ML model serving.
# `make help` lists the targets.

CC      ?= cc
PKGS     = libarchive libcjson libcrypto libcurl libisal sqlite3
CFLAGS  ?= -O2 -g
# Warnings are errors (`make WERROR=` to build past a new compiler's ones).
WERROR  ?= -Werror
WARN     = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wformat=2 -Wvla -Wpointer-arith -Wcast-qual -Wundef $(WERROR)
ALLCFLAGS = -std=c17 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(MOREFLAGS) \
            $(shell pkg-config --cflags $(PKGS) 2>/dev/null) -Iauditor
LDLIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -larchive -lcjson -lcrypto -lcurl -lisal -lsqlite3) \
           -lmagic -lpthread -lm

BUILD   ?= build
BIN     ?= imgaudit
SRCS     = $(sort $(wildcard auditor/*.c))
LIBSRCS  = $(filter-out auditor/main.c,$(SRCS))
# Files built into the binary: the knowledge base (tools/embed.awk).
KBFILES  = db/schema.sql $(sort $(wildcard db/kb/*.sql))
# The HTML report's template, stylesheet and script (auditor/report_html.c).
REPORTFILES = reports/report.html reports/report.css reports/report.js
GENOBJS  = $(BUILD)/obj/kb_files.o $(BUILD)/obj/report_assets.o
OBJS     = $(patsubst auditor/%.c,$(BUILD)/obj/%.o,$(SRCS)) $(GENOBJS)
LIBOBJS  = $(patsubst auditor/%.c,$(BUILD)/obj/%.o,$(LIBSRCS)) $(GENOBJS)
UNITSRCS = $(sort $(wildcard tests/unit/test_*.c))
UNITBINS = $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNITSRCS))

# Debian packages the build, the tests and the demo need.
DEPS = build-essential pkg-config python3 libarchive-dev libsqlite3-dev \
       libmagic-dev libcjson-dev libcurl4-openssl-dev libssl-dev libisal-dev isal \
       libcmocka-dev zstd gzip tar skopeo umoci docker-registry time \
       debootstrap openssl chromium clang libclang-rt-14-dev libarchive-tools llvm

.PHONY: all help deps check check-asan test-images unit demo bench bench-cuda bench-html clean \
        check-sanitize fuzz fuzz-build fuzz-coverage fuzz-replay

## all: build ./imgaudit
all: $(BIN)

help:
	@grep -E '^## ' Makefile | sed 's/^## /  make /'

## deps: apt-get install the Debian packages that are missing (needs root)
deps:
	@missing=""; for p in $(DEPS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" \
	    || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	else echo "deps: all $(words $(DEPS)) packages present"; fi

$(BIN): $(OBJS)
	$(CC) $(ALLCFLAGS) -o $@ $(OBJS) $(LDLIBS)

$(BUILD)/obj/%.o: auditor/%.c auditor/*.h | $(BUILD)/obj
	$(CC) $(ALLCFLAGS) -c -o $@ $<

$(BUILD)/gen/kb_files.c: $(KBFILES) tools/embed.awk | $(BUILD)/gen
	awk -v name=kb_files -f tools/embed.awk $(KBFILES) > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/kb_files.o: $(BUILD)/gen/kb_files.c auditor/embed.h | $(BUILD)/obj
	$(CC) $(ALLCFLAGS) -c -o $@ $<

$(BUILD)/gen/report_assets.c: $(REPORTFILES) tools/embed.awk | $(BUILD)/gen
	awk -v name=report_assets -f tools/embed.awk $(REPORTFILES) > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/report_assets.o: $(BUILD)/gen/report_assets.c auditor/embed.h | $(BUILD)/obj
	$(CC) $(ALLCFLAGS) -c -o $@ $<

$(BUILD)/obj $(BUILD)/tests $(BUILD)/gen:
	mkdir -p $@

$(BUILD)/tests/test_%: tests/unit/test_%.c tests/unit/*.h $(LIBOBJS) | $(BUILD)/tests
	$(CC) $(ALLCFLAGS) -o $@ $< $(LIBOBJS) $(LDLIBS) -lcmocka

## test-images: build the deterministic test images into build/test-images
test-images: $(BUILD)/test-images/.stamp

$(BUILD)/test-images/.stamp: test-images/build.py test-images/pairs.py \
    test-images/gzipvariants.py
	rm -rf $(BUILD)/test-images
	python3 test-images/build.py $(BUILD)/test-images
	python3 test-images/pairs.py $(BUILD)/test-images
	python3 test-images/gzipvariants.py $(BUILD)/test-images
	touch $@

unit: $(UNITBINS)

## check: install deps, build (warnings are errors), run unit and end-to-end tests, then check-sanitize
check: deps
	$(MAKE) WERROR=-Werror imgaudit unit test-images
	tests/run.sh $(BUILD); rc=$$?; $(MAKE) check-sanitize || rc=1; exit $$rc

# The e2e cases check-sanitize runs under ASan: the hostile inputs and the
# parsers' paths, not the slow image builds (check-asan runs them all).
ASAN_CASES ?= bad_inputs hostile hostile_corpus formats platform kb policy limits \
              packages elf_links output_file audit_db
ASANFLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
            -fno-sanitize-recover=all

## check-sanitize: under ASan/UBSan, the unit tests, ASAN_CASES and the fuzz regression inputs
check-sanitize: test-images
	$(MAKE) BUILD=build-asan BIN=build-asan/imgaudit CFLAGS="$(ASANFLAGS)" \
	  WERROR=-Werror build-asan/imgaudit unit
	$(MAKE) fuzz-replay
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
	  IMGAUDIT=$(CURDIR)/build-asan/imgaudit IMAGES=$(CURDIR)/$(BUILD)/test-images \
	  tests/run.sh build-asan $(patsubst tests/unit/%.c,%,$(UNITSRCS)) $(ASAN_CASES)

## check-asan: the same tests under AddressSanitizer and UBSan
check-asan: deps
	$(MAKE) BUILD=build-asan BIN=build-asan/imgaudit \
	  CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all" \
	  WERROR=-Werror build-asan/imgaudit unit
	$(MAKE) test-images
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
	  IMGAUDIT=$(CURDIR)/build-asan/imgaudit IMAGES=$(CURDIR)/$(BUILD)/test-images \
	  tests/run.sh build-asan

# libFuzzer harnesses (tests/fuzz/fuzz_*.c), built with clang into
# build-fuzz/: the library objects with -fsanitize=fuzzer-no-link, each
# harness linked with libFuzzer's main.
FUZZCC   ?= clang
FUZZBUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZSRCS  = $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZBINS  = $(patsubst tests/fuzz/%.c,$(FUZZBUILD)/fuzz/%,$(FUZZSRCS))
FUZZFLAGS = -O1 -g -fno-omit-frame-pointer -fno-sanitize-recover=all \
            -fsanitize=fuzzer-no-link,address,undefined

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(LIBOBJS)
	@mkdir -p $(BUILD)/fuzz
	$(CC) $(ALLCFLAGS) -fsanitize=fuzzer -o $@ $< $(LIBOBJS) $(LDLIBS)

fuzz-build:
	@command -v $(FUZZCC) >/dev/null || \
	  { echo "fuzz: $(FUZZCC) not found (make deps installs clang)"; exit 1; }
	$(MAKE) BUILD=$(FUZZBUILD) CC=$(FUZZCC) CFLAGS="$(FUZZFLAGS)" $(FUZZBINS)

## fuzz: run each libFuzzer harness for FUZZ_SECONDS (default 60) on its seeds
fuzz: fuzz-build
	tests/fuzz/run.sh $(FUZZBUILD) $(FUZZ_SECONDS) $(BUILD)/test-images

## fuzz-coverage: lines and branches of each parser that the fuzz corpus (make fuzz) reaches
FUZZCOVBUILD ?= build-fuzzcov
fuzz-coverage:
	@command -v $(FUZZCC) >/dev/null || \
	  { echo "fuzz-coverage: $(FUZZCC) not found (make deps installs clang)"; exit 1; }
	$(MAKE) BUILD=$(FUZZCOVBUILD) CC=$(FUZZCC) \
	  CFLAGS="-O1 -g -fprofile-instr-generate -fcoverage-mapping -fsanitize=fuzzer-no-link" \
	  $(patsubst tests/fuzz/%.c,$(FUZZCOVBUILD)/fuzz/%,$(FUZZSRCS))
	tests/fuzz/coverage.sh $(FUZZCOVBUILD) $(FUZZBUILD)

## fuzz-replay: run each harness once on tests/fuzz/regress/ (needs clang)
fuzz-replay:
	@if command -v $(FUZZCC) >/dev/null; then \
	  $(MAKE) fuzz-build && tests/fuzz/replay.sh $(FUZZBUILD); \
	else echo "fuzz-replay: skipped: $(FUZZCC) not found"; fi

## demo: build the bundled sample image, audit it, write demo-report.json
demo: deps imgaudit
	rm -rf $(BUILD)/demo-images
	python3 test-images/build.py $(BUILD)/demo-images --only demo
	./imgaudit audit --quiet --format json -o demo-report.json \
	  $(BUILD)/demo-images/demo/oci-gzip
	./imgaudit audit $(BUILD)/demo-images/demo/oci-gzip

## bench: time cold and warm audits of a >= 3 GB image of real files against igzip, gzip, tar (docs/performance.md)
bench: $(BIN)
	IMGAUDIT=$(CURDIR)/$(BIN) tests/bench.sh $(BUILD)

## bench-html: size and load time of the HTML report in headless Chromium
bench-html: $(BIN)
	IMGAUDIT=$(CURDIR)/$(BIN) tests/bench_html.sh $(BUILD)

## bench-cuda: the same against real CUDA libraries (/usr/local/cuda), if there
bench-cuda: $(BIN)
	python3 test-images/cuda.py $(BUILD)/bench-cuda; rc=$$?; \
	if [ $$rc = 77 ]; then echo "bench-cuda: skipped (no CUDA libraries)"; exit 0; fi; \
	[ $$rc = 0 ] && IMGAUDIT=$(CURDIR)/$(BIN) BENCH_IMAGES=$(BUILD)/bench-cuda tests/bench.sh $(BUILD) && \
	./$(BIN) audit --quiet $(BUILD)/bench-cuda/cuda/oci-gzip --target-arch sm_90 | \
	  sed -n '/^FINDINGS/,$$p'

## clean: remove everything the build made
clean:
	rm -rf build build-asan $(FUZZBUILD) imgaudit demo-report.json
