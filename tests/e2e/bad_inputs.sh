#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bad_inputs.sh: inputs imgaudit must refuse, and how it must refuse them
# (DESIGN.md "Exit status"; the contract for errors):
#
#  - exit status exactly 2 (never 0, never 3, never a signal);
#  - stderr is exactly one line, starting "imgaudit: ", naming the input
#    and the problem (for the builder's bad images: the substring listed in
#    $IMAGES/bad/unreadable.json, the builder's own record of what is wrong);
#  - nothing on stdout, and with -o OUT neither OUT nor any temporary file
#    is left in OUT's directory.
#
# Plus inputs made here: a missing file, a directory that is not an image,
# an empty file, random bytes, a truncated docker archive; and usage errors
# (unknown option, missing IMAGE, bad option values, unknown command).

. "$(dirname "$0")/lib.sh"

need_binary

# refuse DESC SUBSTRING INPUT ARGS...: imgaudit audit ARGS must fail on
# INPUT as above; SUBSTRING (may be empty) must be in the message.
refuse() {
	local desc=$1 want=$2 input=$3 lines first
	shift 3
	run_ia refuse audit --format json "$@"
	expect_rc 2 "$desc" || return
	lines=$(wc -l <"$ERR")
	first=$(head -n 1 "$ERR")
	check "$desc: stderr is one line (has $lines) $(last_run)" test "$lines" -eq 1
	case $first in
	"imgaudit: "*) ok "$desc: prefix" ;;
	*) fail "$desc: stderr does not start with 'imgaudit: ' $(last_run)" ;;
	esac
	check "$desc: message names the input '$input' $(last_run)" \
	    grep -qF -- "$input" "$ERR"
	if [ -n "$want" ]; then
		check "$desc: message says '$want' $(last_run)" grep -qiF -- "$want" "$ERR"
	fi
	check "$desc: nothing on stdout $(last_run)" test ! -s "$OUT"

	# The same run with -o into an empty directory leaves it empty.
	rm -rf "$T/odir"
	mkdir "$T/odir"
	run_ia refuse_o audit --format json -o "$T/odir/report.json" "$@"
	expect_rc 2 "$desc, with -o" || return
	local left
	left=$(ls -A "$T/odir")
	check "$desc, with -o: no file left behind (found: ${left:-none}) $(last_run)" \
	    test -z "$left"
	check "$desc, with -o: stderr one line $(last_run)" \
	    test "$(wc -l <"$ERR")" -eq 1
}

# ---- the builder's unreadable images -----------------------------------------

list=$IMAGES/bad/unreadable.json
if [ ! -f "$list" ]; then
	fail "no $list (build the test images: python3 test-images/build.py $IMAGES)"
else
	n=0
	while IFS=$'\t' read -r path want; do
		n=$((n + 1))
		input=$IMAGES/$path
		if [ ! -e "$input" ]; then
			fail "unreadable.json lists $path but $input does not exist"
			continue
		fi
		refuse "$path" "$want" "$input" --quiet "$input"
	done < <(python3 -c '
import json, sys
for e in json.load(open(sys.argv[1])):
    print(e["path"] + "\t" + e.get("expect", ""))' "$list")
	check "unreadable.json lists some images ($n)" test "$n" -gt 0
fi

# ---- inputs made here ---------------------------------------------------------

refuse "missing file" "" "$T/no-such-image.tar" --quiet "$T/no-such-image.tar"
refuse "missing oci: dir" "" "$T/no-such-dir" --quiet "oci:$T/no-such-dir"
refuse "missing docker-archive:" "" "$T/nothing.tar" --quiet "docker-archive:$T/nothing.tar"

mkdir -p "$T/notimage/sub"
echo hello >"$T/notimage/readme.txt"
refuse "a directory that is not an image" "" "$T/notimage" --quiet "$T/notimage"
refuse "oci: on a directory without oci-layout" "" "$T/notimage" \
    --quiet "oci:$T/notimage"

: >"$T/empty.tar"
refuse "an empty file" "" "$T/empty.tar" --quiet "$T/empty.tar"

head -c 20000 /dev/urandom >"$T/random.bin"
refuse "random bytes" "" "$T/random.bin" --quiet "$T/random.bin"

# A tar holding only ordinary files (no manifest.json, no oci-layout).
(cd "$T/notimage" && tar -cf "$T/plain.tar" readme.txt)
refuse "a tar that is not an image" "not an image" "$T/plain.tar" --quiet "$T/plain.tar"

# A real docker archive cut in half: its blobs are incomplete.
src=$IMAGES/basic/docker-archive.tar
if [ -f "$src" ]; then
	size=$(stat -c %s "$src")
	head -c $((size / 2)) "$src" >"$T/half.tar"
	refuse "docker archive truncated at half" "" "$T/half.tar" --quiet "$T/half.tar"
	# An OCI ref that is not in the layout.
	for d in "$IMAGES"/basic/oci-*; do
		[ -d "$d" ] || continue
		refuse "oci: ref not in the layout" "no-such-ref" "no-such-ref" \
		    --quiet "oci:$d:no-such-ref"
		break
	done
else
	fail "no $src: cannot make the truncated archive"
fi

# A config whose diff_id for layer 1 is not the sha256 of that layer's tar
# (the blobs themselves are intact, config/manifest/index digests are
# updated to match): only hashing the uncompressed stream can tell, which
# --verify=full does.  The default (--verify=blob) checks the blobs only:
# it reads the image, and says so in the report (image.verified).
if [ -d "$IMAGES/basic/oci-gzip" ]; then
	rm -rf "$T/wrong-diffid"
	if cp -r "$IMAGES/basic/oci-gzip" "$T/wrong-diffid" &&
	    python3 "$E2E_DIR/mutate.py" "$T/wrong-diffid" wrong-diff-id; then
		refuse "config diff_id does not match the layer" "diff_id" "$T/wrong-diffid" \
		    --quiet --verify=full "$T/wrong-diffid"
		run_ia blobonly audit --format json --quiet "$T/wrong-diffid"
		expect_rc 0 "wrong diff_id, --verify=blob (the default): read" &&
		    check "the report says only blobs were verified $(last_run)" \
		    python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["image"]["verified"] != "blob")' "$OUT"
	else
		fail "could not make the wrong-diff_id image"
	fi
fi

# ---- usage errors: exit 2, the message first, prefixed ---------------------------

usage() {	# usage DESC SUBSTRING ARGS...
	local desc=$1 want=$2 first
	shift 2
	run_ia usage "$@"
	expect_rc 2 "usage: $desc" || return
	first=$(head -n 1 "$ERR")
	case $first in
	"imgaudit: "*) ok "usage: $desc: prefix" ;;
	*) fail "usage: $desc: first stderr line does not start with 'imgaudit: ' $(last_run)" ;;
	esac
	if [ -n "$want" ]; then
		check "usage: $desc: message says '$want' $(last_run)" \
		    grep -qF -- "$want" "$ERR"
	fi
	check "usage: $desc: nothing on stdout $(last_run)" test ! -s "$OUT"
}

img=$IMAGES/basic/docker-archive.tar
usage "unknown option" "--no-such-option" audit --no-such-option "$img"
usage "no IMAGE" "" audit
usage "two IMAGEs" "" audit "$img" "$img"
usage "unknown format" "xml" audit --format xml "$img"
usage "--jobs not a number" "abc" audit --jobs abc "$img"
usage "--jobs negative" "" audit --jobs -3 "$img"
usage "--top not a number" "ten" audit --top ten "$img"
usage "--platform malformed" "" audit --platform linux "$img"
usage "option without its value" "" audit "$img" --format
usage "unknown command" "frobnicate" frobnicate "$img"
# No arguments at all: a usage error too (the usage text may follow).
run_ia noargs
expect_rc 2 "usage: no arguments" &&
    check "usage: no arguments: says something on stderr" test -s "$ERR"

# ---- regressions from the mutation sweep -----------------------------------
# Each input below once broke the contract (a hang, a message of several
# lines, invalid JSON on stdout, minutes spent on a sparse blob); each is
# made here from a copy of basic/oci-gzip by tests/e2e/mutate.py.
src=$IMAGES/basic/oci-gzip
if [ -d "$src" ]; then
	mk() {	# mk NAME MUTATION: $T/NAME is a mutated copy of basic/oci-gzip
		rm -rf "$T/$1"
		cp -r "$src" "$T/$1" &&
		    python3 "$E2E_DIR/mutate.py" "$T/$1" "$2" ||
		    fail "could not make the $1 image ($2)"
	}
	mk fifo-blob fifo-layer &&
	    refuse "a layer blob that is a fifo" "not a regular file" \
	    "$T/fifo-blob" --quiet "$T/fifo-blob"
	mk fifo-index fifo-index &&
	    refuse "index.json that is a fifo" "not a regular file" \
	    "$T/fifo-index" --quiet "$T/fifo-index"
	mk newline-mt newline-media-type &&
	    refuse "a media type with a newline in it" "unsupported media type" \
	    "$T/newline-mt" --quiet "$T/newline-mt"
	mk no-size no-size &&
	    refuse "a layer descriptor without a size" "size" \
	    "$T/no-size" --quiet "$T/no-size"
	mk long-blob long-blob &&
	    refuse "a blob longer than its descriptor" "longer" \
	    "$T/long-blob" --quiet "$T/long-blob"
	mk many-layers many-layers &&
	    refuse "a manifest listing 1001 layers" "1001 layers" \
	    "$T/many-layers" --quiet "$T/many-layers"
	if mk bad-utf8 bad-utf8-entrypoint; then
		run_ia bad_utf8 audit --quiet --format json "$T/bad-utf8"
		expect_rc 0 "invalid UTF-8 in Entrypoint" &&
		    check "invalid UTF-8 in Entrypoint: stdout is strict UTF-8 JSON with U+FFFD $(last_run)" \
		    python3 -c 'import json, sys
d = json.loads(open(sys.argv[1], "rb").read().decode("utf-8", "strict"))
sys.exit(0 if "\ufffd" in d["image"]["entrypoint"][0] else 1)' "$OUT"
	fi
fi
# A nested index carries the reference name (skopeo's layout): oci:DIR:REF
# finds the manifests below it.
if [ -d "$IMAGES/multiarch/oci-gzip" ]; then
	run_ia nested_ref audit --quiet --format json "oci:$IMAGES/multiarch/oci-gzip:latest"
	expect_rc 0 "oci:DIR:latest where 'latest' names a nested index"
fi

finish
