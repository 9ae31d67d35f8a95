#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# scan_kill.sh: a scan that survives being killed (issue 10, "Scan
# robustness").  Debian's docker-registry on 127.0.0.1 (registry_lib.sh)
# serves eleven tags in eight repositories:
#
#	basic:latest         oci:$IMAGES/basic/oci-gzip
#	demo:1, demo:copy    the demo image under two tags (one digest: the
#	                     second is "unchanged", one manifest request)
#	serving:latest       oci:$IMAGES/serving/oci-gzip
#	multiarch:latest     an index (skopeo copy --all)
#	good:v1, good:v2     pairs/good-v*: v2 shares five layers with v1
#	bad:v1, bad:v2       pairs/bad-v*: v2 shares four layers with v1
#	many:latest          pairs/many (many small files)
#	corrupt:latest       basic's docker archive, one layer blob corrupted
#	                     in the registry's storage (an error row)
#
# 1. An uninterrupted scan into ref.db; its wall time is T.
# 2. A scan into kill.db, SIGKILLed 20 times and restarted after each kill:
#    the first kill as soon as kill.db appears (the database being
#    created), the second a few ms after the moment the first saw it appear
#    (schema, WAL), the third anywhere in the start-up.  The other 17 fall
#    at random instants of the uninterrupted scan's timeline [0, T], sorted:
#    an instant inside image i+1's audit (after the i-th progress line) is
#    reached by waiting for run k's i-th line (the images already stored
#    cost one manifest request each), then as long as it took the
#    uninterrupted scan to get there from its i-th line.  So the kills move
#    through the scan as work gets done, landing in layer downloads,
#    between a layer's row and the report, between the report and the scan
#    row, in "unchanged" rows, at the end.  The instants come from python's
#    random.Random(KILL_SEED) (default 10): a failure is replayed with the
#    same seed (the fractions of T repeat; T is measured again).  Then one
#    last scan runs to completion.
# 3. Facts, from python's sqlite3 and the sqlite3 CLI (not imgaudit):
#    - after every kill, `PRAGMA integrity_check` says ok (on a copy of
#      kill.db and its WAL, so that the restart recovers the WAL itself);
#      the schema is all there or not at all, with one schema_version row;
#      no scan row names a report that is not stored, no stored report
#      names a layer that is not cached; every image a killed run printed
#      as done has its row (and report) from that run: a finished image is
#      never lost; one run writes at most one row per repo:tag;
#    - every restart exits 0 (done before its kill) or dies by our SIGKILL:
#      no crash, no "database is locked", no refusal at restart;
#    - the final kill.db holds the same layers (diff_id, blob_digest), the
#      same reports (manifest_digest -> JSON, byte for byte) and, for the
#      last row of each repo:tag, the same digest, error and sizes as
#      ref.db; the last scan writes exactly one row per repo:tag.
# Where each kill landed (rows, reports, layers stored by then) is printed
# as notes, with T and the test's wall time.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/registry_lib.sh"

t_start=$EPOCHREALTIME
reg_need_tools
need_binary
for name in basic demo serving multiarch pairs; do need_image "$name"; done

# calc EXPR: EXPR (awk's arithmetic, e.g. on $EPOCHREALTIME) to 4 places.
calc() {
	awk "BEGIN { printf \"%.4f\", $1 }"
}

NKILL=20
KILL_SEED=${KILL_SEED:-10}
SCAN_TIMEOUT=120	# one whole scan; T is a few seconds

reg_start plain none || abort "docker-registry would not start"
addr=${REG_ADDR[plain]}
oci_ref() {
	python3 -c 'import json, sys
m = json.load(open(sys.argv[1] + "/index.json"))["manifests"]
print(m[0].get("annotations", {}).get("org.opencontainers.image.ref.name", ""))' "$1"
}
push_oci() {	# push_oci DIR REPO:TAG [SKOPEO-OPTIONS...]
	local dir=$1 dst=$2
	shift 2
	reg_push plain "oci:$dir:$(oci_ref "$dir")" "$dst" "$@"
}
P=$IMAGES/pairs
push_oci "$IMAGES/basic/oci-gzip" basic:latest &&
push_oci "$IMAGES/demo/oci-gzip" demo:1 &&
push_oci "$IMAGES/demo/oci-gzip" demo:copy &&
push_oci "$IMAGES/serving/oci-gzip" serving:latest &&
push_oci "$IMAGES/multiarch/oci-gzip" multiarch:latest --all &&
push_oci "$P/good-v1/oci-gzip" good:v1 &&
push_oci "$P/good-v2/oci-gzip" good:v2 &&
push_oci "$P/bad-v1/oci-gzip" bad:v1 &&
push_oci "$P/bad-v2/oci-gzip" bad:v2 &&
push_oci "$P/many/oci-gzip" many:latest &&
reg_push plain "docker-archive:$IMAGES/basic/docker-archive.tar" corrupt:latest ||
    abort "pushing the test images failed"
reg_corrupt_last_layer plain corrupt latest
ntags=11
note "registry $addr: $ntags tags pushed ($(calc "$EPOCHREALTIME - $t_start") s)"

# integrity DB: PRAGMA integrity_check's answer, by the sqlite3 CLI if there
# is one, else by python's sqlite3 module.
integrity() {
	if command -v sqlite3 >/dev/null 2>&1; then
		sqlite3 "$1" 'PRAGMA integrity_check' 2>&1
	else
		python3 -c 'import sqlite3, sys
for r in sqlite3.connect(sys.argv[1]).execute("PRAGMA integrity_check"):
    print(r[0])' "$1" 2>&1
	fi
}

# alive PID: PID runs (a zombie, dead but not yet reaped, does not).
alive() {
	local st
	read -r -a st <"/proc/$1/stat" 2>/dev/null || return 1
	[ "${st[2]}" != Z ]
}

# snapshot K [OUT]: copy kill.db and its WAL to $T/after-K (the restart
# must find the killed process's files as they were: the CLI would
# checkpoint them), and OUT (the run's progress lines, $T/kill-K.out);
# then check the copy's integrity.
snapshot() {
	local d=$T/after-$1 out
	mkdir -p "$d"
	cp "${2:-$T/kill-$1.out}" "$d/progress.out" || fail "run $1: no progress output"
	[ -e "$db" ] || return 0
	cp "$db" "$d/kill.db" || { fail "run $1: cannot copy $db"; return 1; }
	if [ -e "$db-wal" ]; then
		cp "$db-wal" "$d/kill.db-wal" || fail "run $1: cannot copy the WAL"
	fi
	out=$(integrity "$d/kill.db")
	if [ "$out" = ok ]; then
		ok "run $1: integrity_check ok"
	else
		fail "run $1: integrity_check: $(printf '%s' "$out" | head -n 5)"
	fi
}

# wait_lines FILE N PID: until FILE has N lines (PID's progress: one line
# per repo:tag, printed once its row is stored); 1 if PID ends first, 2
# after 60 s.  Builtins only (mapfile), so the wait costs no fork a turn.
wait_lines() {
	local f=$1 n=$2 pid=$3 end=$((${EPOCHREALTIME%.*} + 60)) lines=()
	while :; do
		mapfile -t lines <"$f" || return 1
		[ "${#lines[@]}" -ge "$n" ] && return 0
		alive "$pid" || return 1
		[ "${EPOCHREALTIME%.*}" -lt "$end" ] || return 2
		sleep 0.003
	done
}

# ---- 1. the uninterrupted scan --------------------------------------------

# Each progress line gets the time it was read: the timeline the kill
# points are drawn on.
t0=$EPOCHREALTIME
{
	timeout "$SCAN_TIMEOUT" "$IMGAUDIT" scan "docker://$addr" --db "$T/ref.db" \
	    --tls-verify=false 2>"$T/ref.err" </dev/null
	echo $? >"$T/ref.rc"
} | while IFS= read -r l; do printf '%s %s\n' "$EPOCHREALTIME" "$l"; done >"$T/ref.stamped"
t1=$EPOCHREALTIME
# (OUT, ERR, RC and CMD as run_ia leaves them, for expect_rc and last_run.)
# shellcheck disable=SC2034
OUT=$T/ref.out ERR=$T/ref.err RC=$(cat "$T/ref.rc")
# shellcheck disable=SC2034
CMD=$(quote_cmd "$IMGAUDIT" scan "docker://$addr" --db "$T/ref.db" --tls-verify=false)
cut -d' ' -f2- "$T/ref.stamped" >"$OUT"
expect_rc 0 "uninterrupted scan" || abort "the uninterrupted scan failed: $(last_run)"
T_REF=$(calc "$t1 - $t0")
check "uninterrupted scan: $ntags images, one failed (corrupt) $(last_run)" \
    grep -q "^scanned $ntags images: .* 1 failed" "$OUT"
check "ref.db: integrity_check ok" test "$(integrity "$T/ref.db")" = ok

# The kill points: the 17 later kills at random instants p of [0, T],
# sorted, each as "after image i (i progress lines), p - t_i seconds" where
# t_i is when the uninterrupted scan printed its i-th line (t_0 = its
# start): a restart passes the images already stored at one manifest
# request each, then is killed that far into image i+1 (or later, as
# cached layers make it faster).  The second and third kills' offsets come
# from the same generator.
mapfile -t plan < <(python3 - "$KILL_SEED" "$t0" "$t1" "$T/ref.stamped" "$ntags" \
    "$((NKILL - 3))" <<'PY'
import random, sys
seed, t0, t1, stamped, ntags, n = sys.argv[1:7]
t0, t1, ntags, n = float(t0), float(t1), int(ntags), int(n)
rng = random.Random(int(seed))
lines = [float(l.split(" ", 1)[0]) - t0 for l in open(stamped)][:ntags]
marks = [0.0] + lines
for p in sorted(rng.uniform(0, t1 - t0) for _ in range(n)):
    i = max(j for j, m in enumerate(marks) if m <= p)
    print("%d %.4f %.4f" % (i, p - marks[i], p))
print("%.4f" % rng.random())
print("%.4f" % rng.random())
PY
)
[ "${#plan[@]}" -eq $((NKILL - 1)) ] || abort "could not draw the kill points"
frac2=${plan[NKILL - 3]} frac3=${plan[NKILL - 2]}
note "uninterrupted scan: T = $T_REF s; seed $KILL_SEED (KILL_SEED=N to change); kill points (s): $(for x in "${plan[@]:0:NKILL-3}"; do printf '%s ' "${x##* }"; done)"

# ---- 2. killed 20 times, restarted each time ------------------------------

db=$T/kill.db
t_appear=0.05		# until run 1 measures it
nkilled=0
declare -a how=() when=()
t2=$EPOCHREALTIME
for ((k = 1; k <= NKILL; k++)); do
	: >"$T/kill-$k.out"	# there before wait_lines reads it
	"$IMGAUDIT" scan "docker://$addr" --db "$db" --tls-verify=false \
	    >"$T/kill-$k.out" 2>"$T/kill-$k.err" </dev/null &
	pid=$!
	ts=$EPOCHREALTIME
	case $k in
	1)	# As soon as kill.db exists: inside its creation.  Builtins
		# only, bounded by the process and by 5 s.
		end=$((${ts%.*} + 5))
		until [ -e "$db" ] || ! alive "$pid" ||
		    [ "${EPOCHREALTIME%.*}" -ge "$end" ]; do :; done
		te=$EPOCHREALTIME
		kill -KILL "$pid" 2>/dev/null	# before anything that forks
		t_appear=$(calc "$te - $ts")
		when[k]="when kill.db appeared ($t_appear s)" ;;
	2)	# Just after kill.db appeared in run 1: opening, schema, WAL.
		d=$(calc "$t_appear + 0.02 * $frac2")
		sleep "$d"
		when[k]="at $d s" ;;
	3)	# Anywhere in the start-up.
		d=$(calc "2 * $t_appear * $frac3")
		sleep "$d"
		when[k]="at $d s" ;;
	*)	read -r i off p <<<"${plan[k - 4]}"
		wait_lines "$T/kill-$k.out" "$i" "$pid"
		case $? in
		0) sleep "$off" ;;
		2) fail "run $k: not $i images done after 60 s (T is $T_REF s): a hang" ;;
		esac
		when[k]="$off s after line $i (point $p of T)" ;;
	esac
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rc=$?
	case $rc in
	137) nkilled=$((nkilled + 1)); how[k]=killed ;;
	0) how[k]="finished first" ;;
	*) how[k]="exit $rc"
	   fail "run $k: exit $rc before its kill (a crash or a refusal at restart): $(head -c 400 "$T/kill-$k.err")" ;;
	esac
	snapshot "$k"
done
t3=$EPOCHREALTIME
# (Kills drawn near T's end may find the scan done: a quarter must hit.)
check "at least a quarter of the runs were killed ($nkilled)" test "$nkilled" -ge $((NKILL / 4))

run_ia final scan "docker://$addr" --db "$db" --tls-verify=false
expect_rc 0 "the last scan, to completion"
check "the last scan: $ntags images $(last_run)" grep -q "^scanned $ntags images: " "$OUT"
snapshot final "$T/final.out"

# ---- 3. invariants after every kill, then kill.db against ref.db ------------

# invariants.py STATES DIR...: the invariants a database must keep at any
# instant, on each snapshot in turn: the schema is there whole or not at
# all (one transaction), with one schema_version row; no scan row names a
# report that is not stored; no stored report names a layer that is not
# cached; one run (the rows above the previous snapshot's largest id)
# writes at most one row per repo:tag, and has a row for every image it
# printed as done (DIR/progress.out: a finished image is never lost), with
# the digest it printed and an error if and only if it said "failed"; ids
# never go down.  Writes one line per snapshot, "STAGE ROWS REPORTS LAYERS
# MAXID" (STAGE: "none" no file, "empty" 0 bytes, "noschema", "schema"),
# to STATES; prints what is wrong and exits 1.
cat >"$T/invariants.py" <<'PY'
import json, os, sqlite3, sys
states_file, dirs = sys.argv[1], sys.argv[2:]
bad, states, prev = [], [], 0
for d in dirs:
    db, name = os.path.join(d, "kill.db"), os.path.basename(d)
    if not os.path.exists(db):
        states.append("none 0 0 0 %d" % prev); continue
    if os.path.getsize(db) == 0 and not os.path.exists(db + "-wal"):
        states.append("empty 0 0 0 %d" % prev); continue
    c = sqlite3.connect(db)
    tables = {r[0] for r in c.execute("select name from sqlite_master where type = 'table'")}
    if not tables:
        states.append("noschema 0 0 0 %d" % prev); continue
    want = {"meta", "layers", "reports", "scans"}
    if tables != want:
        bad.append("%s: tables %r, want %r" % (name, sorted(tables), sorted(want)))
        states.append("broken 0 0 0 %d" % prev); continue
    v = c.execute("select value from meta where key = 'schema_version'").fetchall()
    if v != [("2",)]: bad.append("%s: schema_version rows %r" % (name, v))
    layers = set(c.execute("select diff_id, blob_digest from layers"))
    reports = dict(c.execute("select manifest_digest, json from reports"))
    for repo, tag, dg in c.execute("select repo, tag, digest from scans"
                                   " where error is null and digest is not null"):
        if dg not in reports: bad.append("%s: %s:%s: row names %s, no report" % (name, repo, tag, dg))
    for dg, j in reports.items():
        try:
            r = json.loads(j)
        except ValueError as e:
            bad.append("%s: report %s: not JSON (%s)" % (name, dg, e)); continue
        for l in r.get("layers", []):
            if (l.get("diff_id"), l.get("digest")) not in layers:
                bad.append("%s: report %s: layer %s / %s not cached"
                           % (name, dg, l.get("diff_id"), l.get("digest")))
    seen = {}
    for i, repo, tag, dg, err in c.execute("select id, repo, tag, digest, error from scans"
                                           " where id > ? order by id", (prev,)):
        if (repo, tag) in seen:
            bad.append("%s: %s:%s: two rows in one run (ids %d, %d)" % (name, repo, tag, seen[(repo, tag)][0], i))
        seen[(repo, tag)] = (i, dg, err)
    # "REPO:TAG  sha256:0123456789ab  audited|unchanged|failed", complete
    # lines only (a kill may cut the last one); the summary line aside.
    text = open(os.path.join(d, "progress.out")).read()
    for line in text.split("\n")[:-1]:
        f = line.split()
        if len(f) != 3 or line.startswith("scanned "):
            continue
        (repo, tag), dg, what = f[0].split(":", 1), f[1], f[2]
        row = seen.get((repo, tag))
        if row is None:
            bad.append("%s: printed %r, no row stored by that run" % (name, line)); continue
        if (dg == "-") != (row[1] is None) or (row[1] or "-")[:len(dg)] != dg:
            bad.append("%s: printed %r, row has digest %r" % (name, line, row[1]))
        if (what == "failed") != (row[2] is not None):
            bad.append("%s: printed %r, row has error %r" % (name, line, row[2]))
        if what != "failed" and row[1] not in reports:
            bad.append("%s: printed %r, no report" % (name, line))
    n, mx = c.execute("select count(*), coalesce(max(id), 0) from scans").fetchone()
    if mx < prev: bad.append("%s: the largest scan id went down: %d < %d" % (name, mx, prev))
    states.append("schema %d %d %d %d" % (n, len(reports), len(layers), mx))
    prev = mx
    c.close()
with open(states_file, "w") as f:
    f.write("\n".join(states) + "\n")
print("\n".join(bad)); sys.exit(1 if bad else 0)
PY
dirs=()
for ((k = 1; k <= NKILL; k++)); do dirs+=("$T/after-$k"); done
pyfact "invariants after each of the $NKILL kills and after the last scan" \
    "$T/states" "${dirs[@]}" "$T/after-final" <"$T/invariants.py"
mapfile -t states <"$T/states"
read -r _ n_rows n_reports n_layers _ <<<"${states[NKILL]:-? 0 0 0 0}"
mid=0 prev=0
for ((k = 1; k <= NKILL; k++)); do
	read -r stage rows reports layers maxid <<<"${states[k - 1]:-? 0 0 0 0}"
	[ "$reports" -gt 0 ] && [ "$reports" -lt "$n_reports" ] && mid=$((mid + 1))
	note "run $k: ${when[k]:-?}: ${how[k]:-?}; kill.db: $stage, $rows rows, $reports reports, $layers layers"
	prev=$maxid
done
note "$nkilled of $NKILL runs killed, $mid of them mid-scan (some reports stored, not all); $(calc "$t3 - $t2") s; at the end: $n_rows rows, $n_reports reports, $n_layers layers"

# What differs legitimately, and is not compared:
#  - scans.id and the number of rows: every run (killed or not) adds one row
#    per tag it reached; only the last row of each repo:tag says where the
#    scan ended;
#  - scans.scanned_at and reports.stored_at: times;
#  - layers.data: a layer's cached bytes need not be byte-identical between
#    two runs (per-file compressed-size estimates follow how the bytes
#    arrived, e.g. a blob resumed with Range); the reports built from them
#    are compared byte for byte instead, and how many rows differ is a note.
pyfact "kill.db after $NKILL kills equals ref.db: layers, reports, last rows" \
    "$T/ref.db" "$db" "$prev" "$ntags" <<'PY'
import sqlite3, sys
ref, got = (sqlite3.connect(p) for p in sys.argv[1:3])
prev, ntags = int(sys.argv[3]), int(sys.argv[4])
bad = []
def q(c, sql, *a): return c.execute(sql, a).fetchall()
la = set(q(ref, "select diff_id, blob_digest from layers"))
lb = set(q(got, "select diff_id, blob_digest from layers"))
if la != lb or not la:
    bad.append("layers: %d in ref, %d in kill; only in ref %r, only in kill %r"
               % (len(la), len(lb), sorted(la - lb)[:3], sorted(lb - la)[:3]))
ra = dict(q(ref, "select manifest_digest, json from reports"))
rb = dict(q(got, "select manifest_digest, json from reports"))
if set(ra) != set(rb) or not ra:
    bad.append("reports: ref %r, kill %r" % (sorted(ra), sorted(rb)))
for d in sorted(set(ra) & set(rb)):
    x, y = ra[d], rb[d]
    if x != y:
        i = next((i for i, (u, v) in enumerate(zip(x, y)) if u != v), min(len(x), len(y)))
        bad.append("report %s differs at byte %d: ref ...%s... kill ...%s..."
                   % (d, i, x[max(0, i - 40):i + 40], y[max(0, i - 40):i + 40]))
last = ("select repo, tag, digest, error, compressed_bytes, final_bytes, wasted_bytes,"
        " removable_bytes from scans s where id = (select max(id) from scans t"
        " where t.repo = s.repo and t.tag is s.tag) order by repo, tag")
a, b = q(ref, last), q(got, last)
if len(a) != ntags: bad.append("ref: %d repo:tags, want %d" % (len(a), ntags))
for x, y in zip(a, b):
    if x != y: bad.append("last row: ref %r\n      kill %r" % (x, y))
if len(a) != len(b): bad.append("repo:tags: ref %d, kill %d" % (len(a), len(b)))
errs = [r for r in a if r[3] is not None]
if [r[0] for r in errs] != ["corrupt"]: bad.append("error rows in ref: %r" % errs)
if q(ref, "select count(*) from scans") != [(ntags,)]: bad.append("ref: not one row per tag")
fin = q(got, "select repo, tag from scans where id > ? order by repo, tag", prev)
if fin != [r[:2] for r in a]: bad.append("the last scan's rows %r, want one per tag" % fin)
print("\n".join(bad)); sys.exit(1 if bad else 0)
PY
note "layers.data: $(python3 - "$T/ref.db" "$db" <<'PY'
import sqlite3, sys
a, b = (dict(((x, y), z) for x, y, z in sqlite3.connect(p).execute(
    "select diff_id, blob_digest, data from layers")) for p in sys.argv[1:3])
print("%d of %d rows differ from ref.db's" % (sum(a[k] != b.get(k) for k in a), len(a)))
PY
)"
note "whole test: $(calc "$EPOCHREALTIME - $t_start") s"
finish
