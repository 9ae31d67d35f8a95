#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# inflate_paths.sh: gzip layers have two readers, isa-l's isal_inflate
# (--inflate=isal, the default) and libarchive's zlib filter
# (--inflate=zlib); an image must read the same through both (issue 9).
#
#  a. Every image the builders make: every OCI layout and every archive
#     under $IMAGES (basic, multiarch -- also --platform linux/arm64 --,
#     demo, serving, bad/*, pairs/*, large when built; zstd and
#     uncompressed formats included), and the Debian image
#     ($DEBIAN_IMAGES/debian/oci-gzip) when it has been built: `audit
#     --format json` gives the same exit status and byte-identical stdout
#     with --inflate=zlib and --inflate=isal, and so does `--format text`
#     when the image is read (exit 0); a refusal (exit 2) is one line
#     naming the input, the same message through both paths, or one that
#     differs only in the library's text after the same "INPUT: layer N
#     (DIGEST): " and says truncated or corrupt.  No field of the report
#     is removed before comparing: none varies from run to run (checked:
#     two runs of every image give identical JSON and text; there are no
#     timings in a report, --bandwidth's pull_seconds is computed, not
#     measured), and a control run here keeps it so.
#  b. test-images/gzipvariants.py's images (multi-member with an empty
#     member, every optional header field, trailing zeros, a member's
#     trailer or header across the 256 KiB read boundary, truncated in the
#     data and in the trailer, bad header CRC (first and second member),
#     bad CRC32, bad ISIZE), each as an OCI layout
#     and a go-containerregistry docker archive, with --verify=full: both
#     paths give the exit status variants.json records (0, or 2 for the
#     broken ones; the one difference by design: libarchive's gzip filter
#     checks no CRC, so the four variants broken only in a header or
#     trailer checksum read under --inflate=zlib, zlib_rc 0, and isa-l's
#     refusal names the CRC); when 0, identical JSON and text and the numbers of the
#     builder's expected.json (check.py expected: files, bytes, tar_bytes,
#     diff_id, digests, final tree); when 2 (JSON only), one line on stderr,
#     "imgaudit: ", naming the input and layer 1, saying truncated or
#     corrupt, nothing on stdout.
#  c. No --inflate is --inflate=isal: the same exit status and stdout (a
#     and b, JSON), and the same for `diff` on a pair of pairs.py.
# Also: --inflate=bogus is a usage error; the binary links isa-l.
#
# A binary without --inflate (or --verify) fails here, once, with a
# message; the rest then runs with the option left out (the zlib path
# twice), so that the checks themselves can be tried.
#
# The variants are $IMAGES/gzipvariants (make test-images); when missing
# or older than their builder, gzipvariants.py writes them into the
# scratch directory (under a second).

. "$(dirname "$0")/lib.sh"

need_binary
need_image basic
DEBIAN_IMAGES=${DEBIAN_IMAGES:-$IMAGES/../debian-image}

# ---- does the binary have the options? --------------------------------------

probe=$IMAGES/basic/oci-gzip
HAVE_INFLATE=1
for mode in zlib isal; do
	run_ia "probe-$mode" audit --quiet --format json "--inflate=$mode" "$probe"
	if [ "$RC" -ne 0 ]; then
		fail "the binary does not take --inflate=$mode $(last_run);" \
		    "the comparisons below leave --inflate out and so compare" \
		    "the one built-in path with itself"
		HAVE_INFLATE=0
	fi
done
VERIFY_FULL=(--verify=full)
run_ia probe-verify audit --quiet --format json --verify=full "$probe"
if [ "$RC" -ne 0 ]; then
	fail "the binary does not take --verify=full $(last_run); left out below"
	VERIFY_FULL=()
fi
if [ "$HAVE_INFLATE" = 1 ]; then
	# "isal" must not be zlib under another name.
	if ldd "$IMGAUDIT" 2>/dev/null | grep -q 'libisal' ||
	    nm "$IMGAUDIT" 2>/dev/null | grep -q ' [TU] isal_inflate$' ||
	    nm -D "$IMGAUDIT" 2>/dev/null | grep -q ' U isal_inflate$'; then
		ok "the binary links isa-l"
	else
		fail "$IMGAUDIT: neither ldd nor nm shows isa-l (isal_inflate)"
	fi
	run_ia usage-bogus audit --quiet --inflate=bogus "$probe"
	if expect_rc 2 "--inflate=bogus"; then
		check "--inflate=bogus: the message names the option $(last_run)" \
		    grep -q '^imgaudit: .*--inflate' "$ERR"
	fi
fi

# ---- running and comparing ---------------------------------------------------

# ia TAG MODE ARGS...: run_ia TAG with ARGS, plus --inflate=MODE right
# after the subcommand (nothing for MODE "default", or when the binary
# lacks the option).  Keeps the exit status and command line by TAG.
declare -A RCOF CMDOF
ia() {
	local tag=$1 mode=$2 sub=$3
	shift 3
	if [ "$mode" = default ] || [ "$HAVE_INFLATE" = 0 ]; then
		run_ia "$tag" "$sub" "$@"
	else
		run_ia "$tag" "$sub" "--inflate=$mode" "$@"
	fi
	RCOF[$tag]=$RC
	CMDOF[$tag]=$CMD
}

# one_line_refusal TAG INPUT: the stderr of run TAG is one line,
# "imgaudit: ", naming INPUT; nothing on stdout.
one_line_refusal() {
	local tag=$1 input=$2 err=$T/$1.err
	check "[${CMDOF[$tag]}] stderr is one line" test "$(wc -l <"$err")" -eq 1
	check "[${CMDOF[$tag]}] message starts 'imgaudit: ' and names the input" \
	    grep -qF -- "imgaudit: $input" "$err"
	check "[${CMDOF[$tag]}] nothing on stdout" test ! -s "$T/$tag.out"
}

# same_message A B: the two refusals say the same, or differ only in the
# decompressor's own words after the same "INPUT: layer N (DIGEST): ", and
# then both say truncated or corrupt.
same_message() {
	local a=$T/$1.err b=$T/$2.err
	if cmp -s "$a" "$b"; then
		return 0
	fi
	python3 - "$a" "$b" <<'PY'
import re, sys
msgs = [open(p, errors="replace").read().strip() for p in sys.argv[1:]]
pre = [re.match(r"imgaudit: .*?: layer \d+ \(sha256:[0-9a-f]+\): ", m) for m in msgs]
if None in pre or pre[0].group(0) != pre[1].group(0):
    sys.exit(f"messages differ:\n  {msgs[0]}\n  {msgs[1]}")
for m in msgs:
    if not re.search(r"truncated|corrupt", m, re.I):
        sys.exit(f"a layer message that says neither truncated nor corrupt: {m}")
PY
}

# agree DESC A B: runs A and B give the same exit status, and then the
# same stdout (not empty) or the same refusal.
agree() {
	local desc=$1 a=$2 b=$3 msg
	local repro="[${CMDOF[$a]}] [${CMDOF[$b]}]"
	if [ "${RCOF[$a]}" != "${RCOF[$b]}" ]; then
		fail "$desc: exit ${RCOF[$a]} vs ${RCOF[$b]} $repro"
		head -n 2 "$T/$a.err" "$T/$b.err" | sed 's/^/    /'
		return 1
	fi
	if [ "${RCOF[$a]}" -eq 0 ]; then
		if [ ! -s "$T/$a.out" ]; then
			fail "$desc: empty report $repro"
		elif cmp -s "$T/$a.out" "$T/$b.out"; then
			ok "$desc: identical"
		else
			fail "$desc: reports differ $repro"
			diff "$T/$a.out" "$T/$b.out" | head -n 20 | sed 's/^/    /'
		fi
	elif msg=$(same_message "$a" "$b" 2>&1); then
		ok "$desc: same refusal (exit ${RCOF[$a]})"
	else
		fail "$desc: $repro"
		printf '%s\n' "$msg" | sed 's/^/    /'
	fi
}

# ---- a, c: every built image --------------------------------------------------

# Every OCI layout (a directory with oci-layout; not descended into) and
# every .tar under $IMAGES but gzipvariants/ (part b), sorted.
mapfile -t inputs < <(python3 - "$IMAGES" <<'PY'
import os, sys
top = sys.argv[1]
out = []
for d, subs, files in os.walk(top):
    subs[:] = sorted(s for s in subs if not (d == top and s == "gzipvariants"))
    if "oci-layout" in files:
        out.append(d)
        subs[:] = []
        continue
    out += [os.path.join(d, f) for f in files if f.endswith(".tar")]
print("\n".join(sorted(out)))
PY
)
[ ${#inputs[@]} -ge 40 ] ||
    fail "only ${#inputs[@]} images under $IMAGES (build them: make test-images)"
deb=$DEBIAN_IMAGES/debian/oci-gzip
if [ -f "$deb/index.json" ]; then
	inputs+=("$deb")
else
	note "no Debian image at $deb (test-images/debian.py builds it): not compared"
fi

# The control: the same command twice gives the same bytes, so that a
# difference between the paths is theirs.
for img in "$IMAGES/demo/oci-gzip" "$IMAGES/serving/oci-gzip" "$deb"; do
	[ -d "$img" ] || continue
	for fmt in json text; do
		ia ctl1 zlib audit --quiet --format "$fmt" "$img"
		ia ctl2 zlib audit --quiet --format "$fmt" "$img"
		agree "control: $fmt, zlib twice, $img" ctl1 ctl2
	done
done

n=0
for img in "${inputs[@]}"; do
	plats=("")
	case $img in */multiarch/*) plats+=(linux/arm64) ;; esac
	for plat in "${plats[@]}"; do
		args=(--quiet)
		[ -n "$plat" ] && args+=(--platform "$plat")
		label=${img#"$IMAGES"/}${plat:+ ($plat)}
		n=$((n + 1))
		ia "z$n" zlib audit "${args[@]}" --format json "$img"
		ia "i$n" isal audit "${args[@]}" --format json "$img"
		ia "d$n" default audit "${args[@]}" --format json "$img"
		agree "$label json: zlib and isal" "z$n" "i$n"
		agree "$label json: default and isal" "d$n" "i$n"
		if [ "${RCOF[z$n]}" -ne 0 ]; then
			# A refusal: said once per path; text would say it again.
			if [ "${RCOF[z$n]}" -eq "${RCOF[i$n]}" ]; then
				one_line_refusal "z$n" "$img"
				one_line_refusal "i$n" "$img"
			fi
			continue
		fi
		ia "zt$n" zlib audit "${args[@]}" --format text "$img"
		ia "it$n" isal audit "${args[@]}" --format text "$img"
		agree "$label text: zlib and isal" "zt$n" "it$n"
		rm -f "$T"/[zid]"$n".out "$T"/[zi]t"$n".out
	done
done

# diff reads layers too: the same through both paths.
P=$IMAGES/pairs
if [ -d "$P/good-v1/oci-gzip" ] && [ -d "$P/good-v2/oci-gzip" ]; then
	for mode in zlib isal default; do
		ia "diff-$mode" "$mode" diff --quiet --format json \
		    "$P/good-v1/oci-gzip" "$P/good-v2/oci-gzip"
	done
	agree "diff good-v1 good-v2: zlib and isal" diff-zlib diff-isal
	agree "diff good-v1 good-v2: default and isal" diff-default diff-isal
else
	fail "no $P/good-v1/oci-gzip, good-v2 (make test-images)"
fi

# ---- b: the gzip variants ------------------------------------------------------

G=$IMAGES/gzipvariants
if [ ! -f "$G/variants.json" ] ||
    [ "$REPO/test-images/gzipvariants.py" -nt "$G/variants.json" ] ||
    [ "$REPO/test-images/build.py" -nt "$G/variants.json" ]; then
	note "no current $G/variants.json: building the variants into $T"
	python3 "$REPO/test-images/gzipvariants.py" "$T/images" >/dev/null ||
	    abort "test-images/gzipvariants.py failed"
	G=$T/images/gzipvariants
fi
mapfile -t variants < <(python3 -c '
import json, sys
for v in json.load(open(sys.argv[1])):
    for f in v["formats"]:
        print("\t".join([v["name"], f, str(v["rc"]),
            str(v.get("zlib_rc", v["rc"]))]))' "$G/variants.json")
[ ${#variants[@]} -ge 26 ] || fail "$G/variants.json lists ${#variants[@]} images, want 13 x 2"

for line in "${variants[@]}"; do
	IFS=$'\t' read -r name f iwant zwant <<<"$line"
	img=$G/$name/$f
	label="gzipvariants/$name/$f"
	for fmt in json text; do
		# A refusal is the same in any format: said once, in JSON.
		[ "$fmt" = text ] && [ "$iwant" -ne 0 ] && continue
		n=$((n + 1))
		modes=(zlib isal)
		[ "$fmt" = json ] && modes+=(default)
		for mode in "${modes[@]}"; do
			want=$iwant
			[ "$mode" = zlib ] && want=$zwant
			ia "$mode$n" "$mode" audit --quiet --top 10 "${VERIFY_FULL[@]}" \
			    --format "$fmt" "$img"
			expect_rc "$want" "$label $fmt --inflate=$mode" || continue
			if [ "$want" -eq 0 ] && [ "$fmt" = json ]; then
				pycheck "$label: report equals the builder's expected.json [$CMD]" \
				    expected "$OUT" "$G/$name/expected.json" "$f"
			elif [ "$want" -ne 0 ]; then
				one_line_refusal "$mode$n" "$img"
				check "[$CMD] the message names layer 1 and says truncated or corrupt" \
				    grep -qE ': layer 1 .*(truncated|corrupt)' "$ERR"
			fi
		done
		# The one documented difference: libarchive checks no gzip CRC.
		if [ "$iwant" -eq "$zwant" ]; then
			agree "$label $fmt: zlib and isal" "zlib$n" "isal$n"
		else
			check "[$CMD] isa-l says which checksum is wrong" \
			    grep -qE 'CRC' "$T/isal$n.err"
		fi
		[ "$fmt" = json ] && agree "$label $fmt: default and isal" "default$n" "isal$n"
	done
done

finish
