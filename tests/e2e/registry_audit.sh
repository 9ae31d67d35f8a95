#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# registry_audit.sh: `imgaudit audit docker://HOST:PORT/REPO[:TAG|@DIGEST]`
# against Debian's docker-registry (distribution 2.8) run here on 127.0.0.1
# (registry_lib.sh), images pushed into it with skopeo:
#
#	basic:latest      oci:$IMAGES/basic/oci-gzip       (same blobs as the layout)
#	demo:1            oci:$IMAGES/demo/oci-gzip
#	demo:2            demo plus one small layer, made here: shares demo:1's
#	                  six layer blobs
#	demo:archive      docker-archive:$IMAGES/demo/docker-archive.tar
#	                  (skopeo gzips the layers: other blobs, same diff_ids;
#	                  Docker v2 schema 2 manifest)
#	multiarch:latest  skopeo copy --all of $IMAGES/multiarch/oci-gzip (index)
#	corrupt:latest    docker-archive:$IMAGES/basic/docker-archive.tar (blobs
#	                  no other tag uses), corrupted at the end
#
# For each, audited with --tls-verify=false:
#  - the builder's expected.json (totals, per-layer content facts, image
#    fields, dive figures, largest files), and digests, compressed sizes,
#    media types and config digest as the registry's own manifest gives them
#    (fetched here with python urllib); image.digest is the manifest's (or,
#    for an index, the index's) digest;
#  - transport equivalence: the same totals and layers (check.py same-core)
#    as the image audited from its local file;
#  - multiarch: default platform = amd64 facts, --platform linux/arm64 = the
#    arm64 facts and the same as the OCI layout's arm64 audit;
#  - REPO@DIGEST gives the same report as REPO:TAG.
# Errors: exit 2, one line on stderr starting "imgaudit: " and naming the
# input: unknown tag, unknown repository, unknown digest, a port with nothing
# listening (within 30 s), a layer blob corrupted in the registry's storage
# ("digest mismatch"; the corruption is a changed gzip header mtime, so the
# layer still decompresses to the same tar: only a digest check can see it,
# and skopeo must refuse it too).
# Auth (each its own registry): htpasswd (bcrypt) and bearer tokens from
# token_server.py: --creds USER:PASS works; no creds and wrong creds exit 2
# with a message about authentication; the password is never in stdout or
# stderr.  With tokens, the token server must have issued imgaudit a token.
# Then what a second audit of the same image downloads (the registry's
# access log) is printed, not checked: the layer cache belongs to `scan`.
#
# Skips (77) only when docker-registry or skopeo is missing; the htpasswd
# part is skipped (with a note) without a bcrypt implementation, the token
# part without openssl.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/registry_lib.sh"

reg_need_tools
need_binary
for name in basic demo multiarch; do need_image "$name"; done
started=$SECONDS

# The ref name an OCI layout's index.json gives its (only) manifest.
oci_ref() {
	python3 -c 'import json, sys
m = json.load(open(sys.argv[1] + "/index.json"))["manifests"]
print(m[0].get("annotations", {}).get("org.opencontainers.image.ref.name", ""))' "$1"
}

# ---- demo:2: demo with one more layer (new dir /srv, one 2-byte file) --------
# Written here as an OCI layout sharing demo's blobs, with its expected facts
# derived from demo's expected.json (registry_lib.sh, reg_derive_layout).
make_demo2() {
	reg_derive_layout "$IMAGES/demo/oci-gzip" "$IMAGES/demo/expected.json" \
	    "$T/demo2" "/bin/sh -c echo 2 > /srv/VERSION" "srv/VERSION" 2
}

# reg_facts DESC REPORT EXPECTED MANIFEST [INDEX]: the report of an image
# pulled from the registry agrees with the builder's EXPECTED (content facts)
# and with the manifest (and index) the registry serves (blob facts).
reg_facts() {
	local desc=$1
	shift
	pyfact "$desc" "$@" <<'PY'
import hashlib, json, sys
rep = json.load(open(sys.argv[1]))
exp = json.load(open(sys.argv[2]))
man_bytes = open(sys.argv[3], "rb").read()
man = json.loads(man_bytes)
digests = {"sha256:" + hashlib.sha256(man_bytes).hexdigest()}
if len(sys.argv) > 4:
    digests.add("sha256:" + hashlib.sha256(open(sys.argv[4], "rb").read()).hexdigest())
errs = []
def eq(where, got, want, tol=0.0):
    if isinstance(want, float) or isinstance(got, float):
        good = isinstance(got, (int, float)) and abs(got - want) <= tol
    else:
        good = got == want
    if not good:
        errs.append(f"{where}: got {json.dumps(got)[:120]}, want {json.dumps(want)[:120]}")
rt, et = rep.get("totals") or {}, exp["totals"]
for k in ("layers", "layer_bytes", "final_bytes", "final_files", "final_entries",
          "wasted_bytes"):
    eq(f"totals.{k}", rt.get(k), et[k])
eq("totals.efficiency", rt.get("efficiency"), et["efficiency"], 1e-9)
if "tar_bytes" in rt:
    eq("totals.tar_bytes", rt["tar_bytes"], et["tar_bytes"])
eq("totals.compressed_bytes", rt.get("compressed_bytes"),
   sum(l["size"] for l in man["layers"]))
if exp.get("dive"):
    d = exp["dive"]
    eq("totals.dive_efficiency", rt.get("dive_efficiency"), d["efficiency"], 1e-9)
    eq("totals.dive_wasted_bytes", rt.get("dive_wasted_bytes"), d["wasted_bytes"])
    eq("totals.dive_user_wasted_percent", rt.get("dive_user_wasted_percent"),
       d["user_wasted_percent"], 1e-9)
rl = rep.get("layers") or []
eq("number of layers", len(rl), len(exp["layers"]))
for i, (r, e, m) in enumerate(zip(rl, exp["layers"], man["layers"])):
    for k in ("bytes", "files", "tar_bytes", "wasted_bytes", "diff_id", "created_by"):
        eq(f"layers[{i}].{k}", r.get(k), e[k])
    if "entries" in r:
        eq(f"layers[{i}].entries", r["entries"], e["entries"])
    eq(f"layers[{i}].digest (registry manifest)", r.get("digest"), m["digest"])
    eq(f"layers[{i}].compressed_bytes (registry manifest)", r.get("compressed_bytes"), m["size"])
    eq(f"layers[{i}].media_type (registry manifest)", r.get("media_type"), m["mediaType"])
ri, ei = rep.get("image") or {}, exp["image"]
for k in ("platform", "created", "entrypoint", "cmd"):
    eq(f"image.{k}", ri.get(k), ei[k])
eq("image.config_digest (registry manifest)", ri.get("config_digest"), man["config"]["digest"])
if ri.get("digest") not in digests:
    errs.append(f"image.digest: got {ri.get('digest')}, want one of {sorted(digests)}")
el, rlf = exp.get("largest_files") or [], rep.get("largest_files") or []
if len(rlf) < len(el):
    errs.append(f"largest_files: {len(rlf)} entries, want at least {len(el)}")
for i, (path, size) in enumerate(el[:len(rlf)]):
    eq(f"largest_files[{i}]", [rlf[i].get("path"), rlf[i].get("bytes")], [path, size])
for e in errs:
    print(e)
sys.exit(1 if errs else 0)
PY
}

# audit_reg TAG SPEC [ARGS...]: audit docker://SPEC (no TLS) into $T/TAG.out.
audit_reg() {
	local tag=$1 spec=$2
	shift 2
	run_ia "$tag" audit --quiet --format json --tls-verify=false --top 10 "$@" "docker://$spec"
}

# refuse_reg DESC NAMES REGEX SPEC [ARGS...]: the audit of docker://SPEC
# exits 2 with one line on stderr, "imgaudit: ...", containing NAMES and
# matching the extended REGEX (case-insensitive; empty: anything).
refuse_reg() {
	local desc=$1 names=$2 regex=$3 spec=$4
	shift 4
	audit_reg refuse "$spec" "$@"
	expect_rc 2 "$desc" || return 1
	check "$desc: stderr is one line $(last_run)" test "$(wc -l <"$ERR")" -eq 1
	check "$desc: starts with 'imgaudit: ' $(last_run)" grep -q '^imgaudit: ' "$ERR"
	check "$desc: names the input '$names' $(last_run)" grep -qF -- "$names" "$ERR"
	if [ -n "$regex" ]; then
		check "$desc: says /$regex/ $(last_run)" grep -qiE -- "$regex" "$ERR"
	fi
	check "$desc: nothing on stdout $(last_run)" test ! -s "$OUT"
}

# no_secret DESC SECRET FILE...: SECRET (and its base64 with the user, as a
# Basic header would carry it) is in none of FILE.
no_secret() {
	local desc=$1 secret=$2 f b64
	shift 2
	b64=$(printf '%s' "$secret" | base64 -w0)
	for f in "$@"; do
		if grep -qF -- "$secret" "$f" || grep -qF -- "$b64" "$f"; then
			fail "$desc: $(basename "$f") contains the password $(last_run)"
		else
			ok "$desc: no password in $(basename "$f")"
		fi
	done
}

# ---- the registry and the images ---------------------------------------------

reg_start main || abort "docker-registry did not start"
R=${REG_ADDR[main]}
note "registry at $R ($(( SECONDS - started )) s)"

make_demo2 || abort "could not write the demo:2 layout"
ref_basic=$(oci_ref "$IMAGES/basic/oci-gzip")
ref_demo=$(oci_ref "$IMAGES/demo/oci-gzip")
ref_multi=$(oci_ref "$IMAGES/multiarch/oci-gzip")
t0=$SECONDS
pushes=(
	"oci:$IMAGES/basic/oci-gzip:$ref_basic|basic:latest"
	"oci:$IMAGES/demo/oci-gzip:$ref_demo|demo:1"
	"oci:$T/demo2:$ref_demo|demo:2"
	"docker-archive:$IMAGES/demo/docker-archive.tar|demo:archive"
	"oci:$IMAGES/multiarch/oci-gzip:$ref_multi|multiarch:latest|--all"
	"docker-archive:$IMAGES/basic/docker-archive.tar|corrupt:latest"
)
for p in "${pushes[@]}"; do
	IFS='|' read -r src dst opt <<<"$p"
	# shellcheck disable=SC2086
	if reg_push main "$src" "$dst" $opt; then
		ok "skopeo pushed $dst"
	else
		abort "skopeo copy $src to $R/$dst failed (the harness, not imgaudit)"
	fi
done
note "pushed ${#pushes[@]} images in $(( SECONDS - t0 )) s"

# What the registry serves, as python reads it (not imgaudit).
m=$T/manifests
mkdir -p "$m"
declare -A MDIGEST=()
for rt in basic:latest demo:1 demo:2 demo:archive multiarch:latest corrupt:latest; do
	reg_manifest main "${rt%%:*}" "${rt#*:}" "$m/${rt/:/_}.json" ||
	    abort "GET manifest $rt from the registry failed"
	MDIGEST[$rt]=$REG_MANIFEST_DIGEST
done
pyfact "registry serves the pushed manifests (harness)" "$m" \
    "$IMAGES" "$T/demo2" <<'PY'
import hashlib, json, os, sys
m, images, demo2 = sys.argv[1:4]
errs = []
def load(n): return json.load(open(os.path.join(m, n)))
def raw_digest(n): return "sha256:" + hashlib.sha256(open(os.path.join(m, n), "rb").read()).hexdigest()
def exp(p): return json.load(open(p))
# Pushed from OCI layouts: the very same manifest (byte for byte).
for n, e in (("basic_latest.json", f"{images}/basic/expected.json"),
             ("demo_1.json", f"{images}/demo/expected.json")):
    want = exp(e)["image"]["manifest_digest"]["gzip"]
    if raw_digest(n) != want:
        errs.append(f"{n}: digest {raw_digest(n)}, the layout's is {want}")
idx = exp(f"{images}/multiarch/expected.json")["image"]["index_digest"]["gzip"]
if raw_digest("multiarch_latest.json") != idx:
    errs.append(f"multiarch: index digest {raw_digest('multiarch_latest.json')}, the layout's is {idx}")
if len(load("multiarch_latest.json").get("manifests", [])) != 2:
    errs.append("multiarch: the index does not list 2 manifests")
l1 = [l["digest"] for l in load("demo_1.json")["layers"]]
l2 = [l["digest"] for l in load("demo_2.json")["layers"]]
if l2[:-1] != l1 or len(l2) != len(l1) + 1:
    errs.append("demo:2 does not share demo:1's layer blobs")
da = load("demo_archive.json")
if da.get("mediaType") != "application/vnd.docker.distribution.manifest.v2+json":
    errs.append(f"demo:archive: media type {da.get('mediaType')}")
print("\n".join(errs))
sys.exit(1 if errs else 0)
PY
for rt in basic:latest demo:2 multiarch:latest; do
	if reg_skopeo inspect --tls-verify=false "docker://$R/$rt" >"$T/inspect.json" 2>&1 &&
	    grep -q '"Digest"' "$T/inspect.json"; then
		ok "skopeo inspect sees $rt"
	else
		fail "skopeo inspect docker://$R/$rt: $(head -c 300 "$T/inspect.json")"
	fi
done

# ---- the same images audited from their local files (reference) --------------

local_audit() {	# local_audit TAG ARGS...: must succeed
	run_ia "$1" audit --quiet --format json --top 10 "${@:2}"
	expect_rc 0 "local reference audit ${*:2}"
}
local_audit local-basic "$IMAGES/basic/oci-gzip"
local_audit local-demo "$IMAGES/demo/oci-gzip"
local_audit local-demo2 "$T/demo2"
local_audit local-demo-archive "docker-archive:$IMAGES/demo/docker-archive.tar"
local_audit local-multi-amd64 "$IMAGES/multiarch/oci-gzip"
local_audit local-multi-arm64 --platform linux/arm64 "$IMAGES/multiarch/oci-gzip"
local_audit local-basic-archive "docker-archive:$IMAGES/basic/docker-archive.tar"

# ---- audits via docker:// -----------------------------------------------------

# rt | expected.json | manifest | local reference | extra args
audits=(
	"basic:latest|$IMAGES/basic/expected.json|basic_latest|local-basic|"
	"demo:1|$IMAGES/demo/expected.json|demo_1|local-demo|"
	"demo:2|$T/demo2/expected.json|demo_2|local-demo2|"
	"demo:archive|$IMAGES/demo/expected.json|demo_archive|local-demo-archive|"
	"corrupt:latest|$IMAGES/basic/expected.json|corrupt_latest|local-basic-archive|"
)
for a in "${audits[@]}"; do
	IFS='|' read -r rt exp man ref _ <<<"$a"
	audit_reg "reg-${rt/:/-}" "$R/$rt"
	expect_rc 0 "audit docker://$R/$rt" || continue
	reg_facts "docker://$rt: expected.json and the registry's manifest [$CMD]" \
	    "$OUT" "$exp" "$m/$man.json"
	pycheck "docker://$rt: same totals and layers as $ref [$CMD]" \
	    same-core "$T/$ref.out" "$OUT" "$ref" "docker://$rt"
done

# By digest: the same report as by tag.
audit_reg reg-demo-by-tag "$R/demo:1"
cp "$OUT" "$T/by-tag.json"
audit_reg reg-demo-by-digest "$R/demo@${MDIGEST[demo:1]}"
if expect_rc 0 "audit docker://$R/demo@${MDIGEST[demo:1]}"; then
	reg_facts "docker://demo@digest: expected.json and the manifest [$CMD]" \
	    "$OUT" "$IMAGES/demo/expected.json" "$m/demo_1.json"
	pycheck "docker://demo@digest: same as demo:1 [$CMD]" \
	    same-core "$T/by-tag.json" "$OUT" "demo:1" "demo@digest"
fi

# Multi-platform: the index, the default platform and --platform.
arm_digest=$(python3 -c 'import json, sys
for d in json.load(open(sys.argv[1]))["manifests"]:
    if d.get("platform", {}).get("architecture") == "arm64": print(d["digest"])' \
    "$m/multiarch_latest.json")
amd_digest=$(python3 -c 'import json, sys
for d in json.load(open(sys.argv[1]))["manifests"]:
    if d.get("platform", {}).get("architecture") == "amd64": print(d["digest"])' \
    "$m/multiarch_latest.json")
reg_manifest main multiarch "$arm_digest" "$m/multiarch_arm64.json" ||
    fail "GET the arm64 manifest $arm_digest (harness)"
reg_manifest main multiarch "$amd_digest" "$m/multiarch_amd64.json" ||
    fail "GET the amd64 manifest $amd_digest (harness)"
for pa in ":amd64:local-multi-amd64" "linux/amd64:amd64:local-multi-amd64" \
    "linux/arm64:arm64:local-multi-arm64" "linux/arm64/v8:arm64:local-multi-arm64"; do
	IFS=: read -r plat arch ref <<<"$pa"
	if [ -n "$plat" ]; then
		audit_reg "reg-multi-$arch" "$R/multiarch:latest" --platform "$plat"
	else
		audit_reg "reg-multi-$arch" "$R/multiarch:latest"
	fi
	expect_rc 0 "audit docker://$R/multiarch:latest ${plat:-(default platform)}" || continue
	reg_facts "docker://multiarch ${plat:-default}: expected-linux-$arch.json [$CMD]" \
	    "$OUT" "$IMAGES/multiarch/expected-linux-$arch.json" "$m/multiarch_$arch.json" \
	    "$m/multiarch_latest.json"
	pycheck "docker://multiarch ${plat:-default}: same as the OCI layout's $arch audit [$CMD]" \
	    same-core "$T/$ref.out" "$OUT" "$ref" "docker://multiarch"
done
refuse_reg "multiarch --platform linux/s390x" "$R/multiarch:latest" "linux/s390x" \
    "$R/multiarch:latest" --platform linux/s390x

# ---- what a second audit downloads (printed; the cache is scan's) -------------

downloads() {	# downloads LABEL SPEC: audit SPEC, note its blob GETs
	local mark
	mark=$(reg_log_mark main)
	audit_reg dl "$1"
	reg_blob_gets main "$mark"
	note "downloads: $2: exit $RC, $REG_BLOB_GETS blob GETs, $REG_BLOB_BYTES bytes, $REG_MANIFEST_GETS manifest GETs"
}
downloads "$R/demo:1" "demo:1 (again)"
downloads "$R/demo:1" "demo:1 (once more)"
downloads "$R/demo:2" "demo:2 (shares 6 of 7 layers with demo:1)"

# ---- errors ---------------------------------------------------------------------

refuse_reg "unknown tag" "$R/demo:nope" "not found|unknown|no such|does not exist" "$R/demo:nope"
refuse_reg "unknown repository" "$R/nosuchrepo:latest" \
    "not found|unknown|no such|does not exist" "$R/nosuchrepo:latest"
zero=sha256:0000000000000000000000000000000000000000000000000000000000000000
refuse_reg "unknown digest" "$R/demo@$zero" "not found|unknown|no such|does not exist" \
    "$R/demo@$zero"
dead=$(reg_free_port)
t0=$SECONDS
IA_TIMEOUT=30 refuse_reg "nothing listening on port $dead" "127.0.0.1:$dead/basic:latest" "" \
    "127.0.0.1:$dead/basic:latest"
note "nothing listening: gave up after $(( SECONDS - t0 )) s"

# A corrupted layer blob.  The gzip header's MTIME field (bytes 4-7) is
# changed: gunzip still gives the same tar, only the digest differs.
# The largest layer of corrupt:latest that no other manifest uses (skopeo's
# blob cache could make it reuse a blob pushed before).
corrupt_layer=$(python3 -c 'import glob, json, os, sys
m = sys.argv[1]
own = json.load(open(os.path.join(m, "corrupt_latest.json")))["layers"]
other = set()
for f in glob.glob(os.path.join(m, "*.json")):
    if not f.endswith("/corrupt_latest.json"):
        other |= {l["digest"] for l in json.load(open(f)).get("layers", [])}
free = [l for l in own if l["digest"] not in other]
print(max(free, key=lambda l: l["size"])["digest"] if free else "")' "$m")
blobfile=$(reg_blob_file main "${corrupt_layer:-none}")
if [ -z "$corrupt_layer" ]; then
	fail "every layer blob of corrupt:latest is shared with another tag: nothing to corrupt (harness)"
elif [ -f "$blobfile" ]; then
	cp "$blobfile" "$T/blob.orig"
	printf '\x01\x02\x03\x04' | dd of="$blobfile" bs=1 seek=4 conv=notrunc status=none
	pyfact "corrupted blob still gunzips to the same tar, digest differs (harness)" \
	    "$T/blob.orig" "$blobfile" "$corrupt_layer" <<'PY'
import gzip, hashlib, sys
a, b = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
errs = []
if "sha256:" + hashlib.sha256(b).hexdigest() == sys.argv[3]:
    errs.append("the blob still has its digest")
if gzip.decompress(a) != gzip.decompress(b):
    errs.append("the corrupted blob decompresses differently")
print("\n".join(errs)); sys.exit(1 if errs else 0)
PY
	if reg_skopeo copy --src-tls-verify=false "docker://$R/corrupt:latest" \
	    "dir:$T/corrupt-pull" >"$T/skopeo-corrupt.log" 2>&1; then
		fail "skopeo copy of the corrupted image succeeded: the corruption is not visible (harness)"
	else
		check "skopeo sees the corrupted blob: $(grep -o 'Digest did not match[^"]*' "$T/skopeo-corrupt.log" | head -n 1)" \
		    grep -qi 'digest' "$T/skopeo-corrupt.log"
	fi
	refuse_reg "corrupted layer blob" "$R/corrupt:latest" "digest mismatch" "$R/corrupt:latest"
else
	fail "no blob file $blobfile in the registry storage (harness)"
fi

# ---- htpasswd ---------------------------------------------------------------------

user=alice pass="pw-$RANDOM$RANDOM-secret"
: >"$T/htpasswd"
if reg_htpasswd "$T/htpasswd" "$user" "$pass"; then
	if reg_start basicauth htpasswd "$T/htpasswd"; then
		B=${REG_ADDR[basicauth]}
		if reg_push basicauth "oci:$IMAGES/basic/oci-gzip:$ref_basic" basic:latest \
		    --dest-creds "$user:$pass"; then
			ok "skopeo pushed with --dest-creds (htpasswd)"
			reg_manifest basicauth basic latest "$m/basicauth.json" "$user:$pass" ||
			    fail "GET manifest with basic auth (harness)"
			audit_reg basic-ok "$B/basic:latest" --creds "$user:$pass"
			if expect_rc 0 "htpasswd: audit --creds $user:***"; then
				reg_facts "htpasswd: expected.json [$CMD]" "$OUT" \
				    "$IMAGES/basic/expected.json" "$m/basicauth.json"
				pycheck "htpasswd: same as the local audit [$CMD]" \
				    same-core "$T/local-basic.out" "$OUT" local docker://
			fi
			no_secret "htpasswd, right creds" "$pass" "$OUT" "$ERR"
			refuse_reg "htpasswd: no creds" "$B/basic:latest" "auth|credential" "$B/basic:latest"
			refuse_reg "htpasswd: wrong password" "$B/basic:latest" "auth|credential" \
			    "$B/basic:latest" --creds "$user:wrong-$pass"
			no_secret "htpasswd, wrong password" "wrong-$pass" "$OUT" "$ERR"
			no_secret "htpasswd, wrong password (right one)" "$pass" "$OUT" "$ERR"
			refuse_reg "htpasswd: unknown user" "$B/basic:latest" "auth|credential" \
			    "$B/basic:latest" --creds "mallory:$pass"
			no_secret "htpasswd, unknown user" "$pass" "$OUT" "$ERR"
		else
			fail "skopeo push with htpasswd auth failed (harness)"
		fi
		reg_stop basicauth
	else
		fail "docker-registry with htpasswd auth did not start (harness)"
	fi
else
	note "htpasswd part skipped: no bcrypt (python crypt / libcrypt, or htpasswd from apache2-utils)"
fi

# ---- bearer tokens -------------------------------------------------------------------

tuser=bob tpass="tok-$RANDOM$RANDOM-secret"
printf '%s:%s\n' "$tuser" "$tpass" >"$T/token-users"
if reg_token_start tok "$T/token-users" kid; then
	if reg_start tokenauth token tok; then
		K=${REG_ADDR[tokenauth]}
		if reg_push tokenauth "oci:$IMAGES/basic/oci-gzip:$ref_basic" basic:latest \
		    --dest-creds "$tuser:$tpass"; then
			ok "skopeo pushed with --dest-creds (token)"
			reg_manifest tokenauth basic latest "$m/tokenauth.json" "$tuser:$tpass" ||
			    fail "GET manifest with a bearer token (harness)"
			tlog=${TOK_DIR[tok]}/token.log
			before=$(wc -l <"$tlog")
			audit_reg token-ok "$K/basic:latest" --creds "$tuser:$tpass"
			if expect_rc 0 "token: audit --creds $tuser:***"; then
				reg_facts "token: expected.json [$CMD]" "$OUT" \
				    "$IMAGES/basic/expected.json" "$m/tokenauth.json"
				pycheck "token: same as the local audit [$CMD]" \
				    same-core "$T/local-basic.out" "$OUT" local docker://
				# shellcheck disable=SC2016
				check "token: imgaudit got a token for $tuser from the token server" \
				    awk -v n="$before" -v u="\"user\": \"$tuser\"" \
				    'NR > n && index($0, u) && index($0, "\"status\": 200") { f = 1 } END { exit !f }' "$tlog"
			fi
			no_secret "token, right creds" "$tpass" "$OUT" "$ERR"
			refuse_reg "token: no creds" "$K/basic:latest" "auth|credential|denied" "$K/basic:latest"
			refuse_reg "token: wrong password" "$K/basic:latest" "auth|credential|denied" \
			    "$K/basic:latest" --creds "$tuser:wrong-$tpass"
			no_secret "token, wrong password" "wrong-$tpass" "$OUT" "$ERR"
			no_secret "token, wrong password (right one)" "$tpass" "$OUT" "$ERR"
		else
			fail "skopeo push with token auth failed (harness)"
		fi
		reg_stop tokenauth
	else
		fail "docker-registry with token auth did not start (harness)"
	fi
else
	note "token part skipped: the token server did not start (openssl missing?)"
fi

note "registry_audit: $(( SECONDS - started )) s"
finish
