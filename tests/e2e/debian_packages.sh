#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# debian_packages.sh: package attribution and removal closures on a real
# Debian image (test-images/debian.py: debootstrap --variant=minbase
# bookworm, then one apt layer installing python3-numpy and
# python3-requests with their Recommends).  Needs root and the Debian
# mirror; skipped otherwise.  The image is built once and cached in
# DEBIAN_IMAGES (default: IMAGES/../debian-image, i.e. build/debian-image).
#
#  - the image facts (layers, totals, largest files) equal the builder's
#    expected.json, and a tarfile count of the layers (check.py);
#  - every installed dpkg package is in the report's packages[] with
#    dpkg-query's version, and its bytes and files equal the regular files
#    its `dpkg-query -L` lists, sized on disk (debian_check.py packages says
#    how files claimed twice are handled); requires = its Depends and
#    Pre-Depends resolved against the installed set;
#  - for python3-requests (apt keeps ca-certificates, which python3.11 and
#    apt Recommend) and python3-numpy: `imgaudit why` agrees with
#    expected.json, and each removal's fix (removal.apt, removal.full),
#    run in a chroot of a copy of the image's root with apt unable to
#    download, removes exactly the packages the report names and frees the
#    bytes it claims: the regular files the removed packages list that
#    really disappear (outside dpkg's and apt's bookkeeping, caches and
#    logs), with the .pyc files py3compile made for them when the report
#    counts those for the packages (it must do one or the other for all);
#    what else disappears (generated files) is printed; held packages are
#    held by a Recommends of a package that stays, or are manual; every
#    package removed is one the package needs, directly or indirectly.

. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || skip "not root: the Debian image needs debootstrap and chroot"
need_binary

DEBIAN_IMAGES=${DEBIAN_IMAGES:-$IMAGES/../debian-image}
t0=$(date +%s)
python3 "$REPO/test-images/debian.py" "$DEBIAN_IMAGES" >"$T/build.log" 2>&1
rc=$?
case $rc in
0) ;;
77) skip "$(grep -m1 'cannot build here' "$T/build.log" | sed 's/^debian.py: //')" ;;
*) sed 's/^/    /' "$T/build.log" | tail -n 30
   abort "python3 test-images/debian.py $DEBIAN_IMAGES failed (exit $rc)" ;;
esac
note "image ready in $(( $(date +%s) - t0 )) s: $(tail -n 1 "$T/build.log")"

IMG=$DEBIAN_IMAGES/debian
EXP=$IMG/expected.json
ROOT=$IMG/root
DC() { python3 "$E2E_DIR/debian_check.py" "$@"; }

# dcheck DESCRIPTION ARGS...: a debian_check.py check; its lines always
# show (they carry the figures this case reports).
dcheck() {
	local desc=$1 msg
	shift
	if msg=$(DC "$@" 2>&1); then
		ok "$desc"
	else
		fail "$desc"
	fi
	printf '%s\n' "$msg" | sed 's/^/    /'
}

# Copies of the root for the fixes; removed on any exit.  (Nothing is
# mounted in them: apt-get purge and autoremove need no /proc.)
COPIES=()
cleanup() {
	local c
	for c in "${COPIES[@]}"; do
		if grep -qF " ${c}/" /proc/self/mounts || grep -qF " ${c} " /proc/self/mounts; then
			echo "not removing $c: something is mounted in it" >&2
			continue
		fi
		rm -rf "$c"
	done
	if [ -z "${E2E_RUNNER:-}" ] && [ "${KEEP:-0}" != 1 ]; then
		rm -rf "$TMPDIR"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- the image itself -------------------------------------------------------

t1=$(date +%s)
for f in oci-gzip docker-archive.tar; do
	run_ia "audit-$f" audit --format json --quiet --top 10 "$IMG/$f"
	expect_rc 0 "audit $f" || continue
	pycheck "debian $f: report equals expected.json [$CMD]" expected "$OUT" "$EXP" "$f"
	[ "$f" = oci-gzip ] && REPORT=$OUT
done
note "audit of the oci-gzip image: $(( $(date +%s) - t1 )) s for two audits"
[ -n "${REPORT:-}" ] || abort "no report to check packages against"
pycheck "debian oci-gzip: layers counted here from the image bytes" \
    image-layers "$REPORT" "$IMG/oci-gzip" --tree

# ---- packages ---------------------------------------------------------------

dcheck "packages[] equal dpkg-query and the files on disk [$(quote_cmd "$IMGAUDIT" audit --format json "$IMG/oci-gzip")]" \
    packages "$REPORT" "$EXP"

# ---- closures, applied for real ---------------------------------------------

APT_CONF='APT::Get::Download "false";
Acquire::http::Proxy "http://127.0.0.1:9/";
Acquire::https::Proxy "http://127.0.0.1:9/";
Acquire::Retries "0";
Dpkg::Use-Pty "0";'

# apply_fix WHY KIND TAG: run removal.KIND.fix in a chroot of a fresh copy
# of the root; compare what went with what the report claims.
apply_fix() {
	local why=$1 kind=$2 tag=$3 fix copy rc
	if ! fix=$(DC fix "$why" "$kind"); then
		fail "$tag: $fix"
		return
	fi
	copy=$T/root-$tag
	COPIES+=("$copy")
	rm -rf "$copy"
	cp -a "$ROOT" "$copy" || { fail "$tag: cp -a $ROOT $copy"; return; }
	printf '%s\n' "$APT_CONF" >"$copy/tmp/imgaudit-apt.conf"
	DC snapshot "$copy" "$T/$tag.before.json" || { fail "$tag: snapshot"; return; }
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
	    LC_ALL=C HOME=/root APT_CONFIG=/tmp/imgaudit-apt.conf \
	    timeout 600 chroot "$copy" /bin/sh -c "$fix" >"$T/$tag.apt.log" 2>&1 </dev/null
	rc=$?
	if [ "$rc" != 0 ]; then
		fail "$tag: \`$fix\` in a chroot of a copy of the image exited $rc"
		tail -n 15 "$T/$tag.apt.log" | sed 's/^/    /'
	fi
	DC snapshot "$copy" "$T/$tag.after.json" || { fail "$tag: snapshot"; return; }
	rm -rf "$copy"
	dcheck "$tag: \`$fix\` removes the packages and frees the bytes removal.$kind claims" \
	    removal "$why" "$kind" "$T/$tag.before.json" "$T/$tag.after.json" "$REPORT" "$EXP"
}

for pkg in python3-requests python3-numpy; do
	t1=$(date +%s)
	run_ia "why-$pkg" why "$IMG/oci-gzip" "$pkg" --format json
	expect_rc 0 "why $pkg" || continue
	WHY=$OUT
	dcheck "why $pkg agrees with dpkg [$CMD]" why "$WHY" "$REPORT" "$EXP"
	apply_fix "$WHY" apt "$pkg-apt"
	same=$(python3 -c 'import json,sys
r = json.load(open(sys.argv[1])).get("removal") or {}
a, f = r.get("apt") or {}, r.get("full") or {}
print(int(a.get("fix") == f.get("fix") and a.get("packages") == f.get("packages")))' "$WHY")
	if [ "$same" = 1 ]; then
		note "$pkg: removal.full is removal.apt (nothing held); not applied twice"
		dcheck "$pkg-full: the same fix, the same check" removal "$WHY" full \
		    "$T/$pkg-apt.before.json" "$T/$pkg-apt.after.json" "$REPORT" "$EXP"
	else
		apply_fix "$WHY" full "$pkg-full"
	fi
	note "$pkg: $(( $(date +%s) - t1 )) s"
done

note "debian_packages: $(( $(date +%s) - t0 )) s in all"
finish
