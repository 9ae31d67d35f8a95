#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# debian_candidates.sh: every high-confidence removal candidate on the real
# Debian image (test-images/debian.py, the image debian_packages.sh uses:
# debootstrap --variant=minbase bookworm plus an apt layer installing
# python3-numpy and python3-requests), applied for real.  Needs root and the
# image (built once, cached in DEBIAN_IMAGES); skipped otherwise, saying why.
#
# For each candidate of confidence "high" that has a "command" (the exact
# shell command of its fix), in a chroot of a fresh copy of the image's
# root, with apt told not to download:
#  - the command runs and exits 0;
#  - the bytes it frees (regular files, hard links once, counted by
#    debian_check.py's snapshot before and after; for a remove-paths
#    candidate the snapshot also looks at the package managers' own
#    directories, since a path rule may delete files there) are within 2%
#    of the candidate's bytes_saved;
#  - python3 -c "import numpy" still works in the chroot.
# Candidates without a command (wasted-layer: bytes outside the final tree)
# are listed and not applied.  The expected numbers are what the commands
# really free, never imgaudit's own.

. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || skip "not root: the Debian image needs debootstrap and chroot"
need_binary

DEBIAN_IMAGES=${DEBIAN_IMAGES:-$IMAGES/../debian-image}
IMG=$DEBIAN_IMAGES/debian
ROOT=$IMG/root
if [ -f "$IMG/expected.json" ] && [ -f "$IMG/oci-gzip/index.json" ] && [ -d "$ROOT/usr" ]; then
	note "using the Debian image in $IMG (not rebuilt)"
else
	python3 "$REPO/test-images/debian.py" "$DEBIAN_IMAGES" >"$T/build.log" 2>&1
	rc=$?
	case $rc in
	0) ;;
	77) skip "$(grep -m1 'cannot build here' "$T/build.log" | sed 's/^debian.py: //')" ;;
	*) sed 's/^/    /' "$T/build.log" | tail -n 30
	   abort "python3 test-images/debian.py $DEBIAN_IMAGES failed (exit $rc)" ;;
	esac
fi

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

APT_CONF='APT::Get::Download "false";
Acquire::http::Proxy "http://127.0.0.1:9/";
Acquire::https::Proxy "http://127.0.0.1:9/";
Acquire::Retries "0";
Dpkg::Use-Pty "0";'

# in_chroot COPY COMMAND: run COMMAND with /bin/sh in a chroot of COPY.
in_chroot() {
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
	    LC_ALL=C HOME=/root APT_CONFIG=/tmp/imgaudit-apt.conf \
	    timeout 600 chroot "$1" /bin/sh -c "$2" </dev/null
}

# snap ROOT OUT KIND: debian_check.py's snapshot; for remove-paths it also
# walks the directories debian_check.py leaves out for package removals
# (var/lib/apt, var/cache, var/log ...), where path rules delete too.
snap() {
	python3 - "$E2E_DIR" "$1" "$2" "$3" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[1])
import debian_check as dc
if sys.argv[4] == "remove-paths":
    dc.EXCLUDE = ("proc", "dev", "sys", "run", "tmp")
json.dump(dc.snapshot(sys.argv[2]), open(sys.argv[3], "w"))
PY
}

run_ia report audit --quiet --format json --top 100 "$IMG/oci-gzip"
expect_rc 0 "debian: JSON report" || finish
REPORT=$OUT

# The candidates to apply: confidence high, with a command that is a plain
# apt-get chain or a `find / -xdev ... -delete` (no other shell syntax).
python3 - "$REPORT" >"$T/todo.txt" <<'PY'
import json, re, sys
r = json.load(open(sys.argv[1]))
for c in r.get("candidates") or []:
    what = c.get("package") or c.get("rule") or c.get("component") or ",".join(map(str, c.get("layers") or []))
    cmd = c.get("command")
    ok = "skip"
    if c.get("confidence") == "high" and isinstance(cmd, str):
        apt = all(p.strip().startswith("apt-get ") and re.match(r"^[A-Za-z0-9 ._+:=/-]+$", p.strip())
                  for p in cmd.split("&&"))
        find = (cmd.startswith("find / -xdev ") and cmd.endswith(" -delete") and
                not re.search(r"[;|`$<>&]", cmd))
        ok = "apply" if apt or find else "unsafe"
    elif c.get("confidence") == "high":
        ok = "nocommand"
    # Fields split by \x1f: not white space to the shell's read, so an
    # empty field stays a field.
    print("\x1f".join([ok, str(c["rank"]), c["kind"], what or "-", str(c["bytes_saved"]),
                       str(c.get("files")), (cmd or "").replace("\x1f", " ").replace("\n", " ")]))
PY
n_apply=$(grep -c '^apply' "$T/todo.txt")
[ "$n_apply" -gt 0 ] || fail "no high-confidence candidate with a command on the Debian image ($(wc -l <"$T/todo.txt") candidates)"
while IFS=$'\x1f' read -r what rank kind subj bytes files cmd; do
	case $what in
	nocommand) note "candidate $rank ($kind $subj, high, $bytes bytes): no command to apply" ;;
	unsafe) fail "candidate $rank ($kind $subj): command is neither an apt-get chain nor find ... -delete: $cmd" ;;
	esac
done <"$T/todo.txt"

# The image itself must pass the smoke test, or the test below says nothing.
smoke='python3 -c "import numpy; print(numpy.__version__)"'
if ! in_chroot "$ROOT" "$smoke" >"$T/smoke.log" 2>&1; then
	sed 's/^/    /' "$T/smoke.log"
	abort "python3 -c 'import numpy' fails in the image as built: nothing to compare with"
fi

# freed.py BEFORE AFTER CLAIMED FILES: what went (hard links once), against
# the claim; exit 1 beyond 2%.
cat >"$T/freed.py" <<'PY'
import json, sys
b, a = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
claim, nfiles = int(sys.argv[3]), sys.argv[4]
def total(files):
    seen = {}
    for size, ino in files.values():
        seen[ino] = size
    return sum(seen.values())
freed = total(b["files"]) - total(a["files"])
gone = [p for p in b["files"] if p not in a["files"]]
print("freed %d bytes, %d files gone; claimed %d bytes in %s files (%+.2f%%)" %
      (freed, len(gone), claim, nfiles, 100.0 * (freed - claim) / claim if claim else 0))
sys.exit(0 if abs(freed - claim) <= 0.02 * claim else 1)
PY

while IFS=$'\x1f' read -r what rank kind subj bytes files cmd; do
	[ "$what" = apply ] || continue
	tag=c$rank
	copy=$T/root-$tag
	COPIES+=("$copy")
	rm -rf "$copy"
	t1=$(date +%s)
	cp -a "$ROOT" "$copy" || { fail "$tag: cp -a $ROOT $copy"; continue; }
	printf '%s\n' "$APT_CONF" >"$copy/tmp/imgaudit-apt.conf"
	snap "$copy" "$T/$tag.before.json" "$kind" || { fail "$tag: snapshot"; continue; }
	in_chroot "$copy" "$cmd" >"$T/$tag.log" 2>&1
	rc=$?
	desc="candidate $rank ($kind $subj, $bytes bytes in $files files): \`${cmd:0:120}$([ ${#cmd} -gt 120 ] && echo ...)\`"
	if [ "$rc" = 0 ]; then
		ok "$desc exits 0"
	else
		fail "$desc exits $rc in a chroot of a copy of the image"
		tail -n 15 "$T/$tag.log" | sed 's/^/    /'
	fi
	snap "$copy" "$T/$tag.after.json" "$kind" || { fail "$tag: snapshot"; continue; }
	if msg=$(python3 "$T/freed.py" "$T/$tag.before.json" "$T/$tag.after.json" "$bytes" "$files"); then
		ok "$desc frees its bytes_saved, within 2%"
	else
		fail "$desc frees its bytes_saved, within 2%"
	fi
	note "    $msg"
	if in_chroot "$copy" "$smoke" >"$T/$tag.smoke" 2>&1; then
		ok "$desc: import numpy still works"
	else
		fail "$desc: python3 -c 'import numpy' fails afterwards"
		sed 's/^/    /' "$T/$tag.smoke" | tail -n 5
	fi
	note "candidate $rank: $(( $(date +%s) - t1 )) s"
	rm -rf "$copy"
done <"$T/todo.txt"
finish
