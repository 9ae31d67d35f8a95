# shellcheck shell=bash disable=SC2034,SC2016
# (SC2034: the REG_*/TOK_* variables are for the sourcing case; SC2016:
# single-quoted scripts for bash -c and python are meant not to expand.)
# SPDX-License-Identifier: MIT
#
# tests/e2e/registry_lib.sh: a local Docker Registry v2 for the end-to-end
# cases (sourced after lib.sh, not a case).  Debian's `docker-registry`
# (distribution 2.8) runs on 127.0.0.1 on a free port with a generated
# config, its storage and logs in the case's scratch directory, optionally
# behind htpasswd (bcrypt) or bearer-token auth (tests/e2e/token_server.py);
# images are pushed into it with skopeo.  Every process started here runs in
# its own process group (setsid) and is killed, group and all, when the case
# exits: by the EXIT trap (normal exit, errors, TERM/INT/HUP), or, if the
# case's shell is SIGKILLed, by a watchdog that polls it.
#
#	reg_need_tools              skip (77) unless docker-registry, skopeo
#	                            and python3 are installed
#	reg_start NAME [none|htpasswd FILE|token TOKEN]
#	                            start registry NAME; sets REG_ADDR[NAME]
#	                            (127.0.0.1:PORT), REG_DIR[NAME] (its
#	                            directory: config.yml, storage/,
#	                            access.log, registry.log), and REG (the
#	                            address of the last one started)
#	reg_stop NAME               stop it (reg_stop_all at exit does the rest)
#	reg_htpasswd FILE USER PASS append a bcrypt htpasswd line (no
#	                            htpasswd binary needed: libcrypt's bcrypt
#	                            through python's crypt or ctypes); 1 if
#	                            bcrypt is not available
#	reg_token_start NAME USERS [kid|x5c]
#	                            start token_server.py NAME (USERS: a file
#	                            of USER:PASS lines) with a fresh RSA key
#	                            and self-signed certificate; sets
#	                            TOK_REALM[NAME], TOK_DIR[NAME] (cert.pem,
#	                            key.pem, token.log); pass "token NAME" to
#	                            reg_start to use it.  1 without openssl.
#	reg_push NAME SRC REPO:TAG [SKOPEO-COPY-OPTIONS...]
#	                            skopeo copy SRC to the registry; its output
#	                            in $T/push-*.log; 1 on failure
#	reg_skopeo ARGS...          skopeo with a scratch auth file and policy
#	reg_manifest NAME REPO REF OUT [USER:PASS]
#	                            write the manifest the registry serves to
#	                            OUT (python urllib; Accept: every manifest
#	                            type; basic or bearer auth with USER:PASS);
#	                            sets REG_MANIFEST_DIGEST (sha256 of the
#	                            bytes) and REG_MANIFEST_TYPE
#	reg_blob_file NAME DIGEST   path of a blob's data file in the storage
#	reg_log_mark NAME           print the access log's current line count
#	reg_blob_gets NAME [MARK]   from the access log after line MARK: sets
#	                            REG_BLOB_GETS ("GET /v2/.../blobs/sha256:"
#	                            lines, any status), REG_BLOB_BYTES (bytes
#	                            those sent) and REG_MANIFEST_GETS
#	reg_free_port               print a port nothing listens on right now
#	reg_derive_layout SRC EXPECTED DST CREATED_BY PATH CONTENT
#	                            an OCI layout: SRC plus one small layer
#	reg_flaky_start NAME        a proxy in front of NAME that drops blob
#	                            connections half way, answers 429 and 503
#	                            once per path; sets FLAKY_ADDR, FLAKY_LOG
#
# Environment for everything after reg_need_tools: REGISTRY_AUTH_FILE and
# DOCKER_CONFIG point into $T (so no credentials of the machine are used),
# no_proxy/NO_PROXY cover 127.0.0.1.  The registry itself runs with every
# REGISTRY_* variable removed (it reads them as configuration overrides:
# with REGISTRY_AUTH_FILE set, docker-registry 2.8 refuses to start:
# "configuration error: ... yaml: unmarshal errors").

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	# tests/run.sh runs every tests/e2e/*.sh but lib.sh as a case.
	echo "SKIP: registry_lib.sh is shared code (sourced by registry_audit.sh), not a case"
	exit 77
fi

declare -A REG_ADDR=() REG_DIR=() REG_PID=() TOK_REALM=() TOK_DIR=() TOK_PID=()
declare -A TOK_SERVICE=() TOK_ISSUER=()
REG=
REG_PIDS=()			# every process group leader started here
REG_READY_TRIES=${REG_READY_TRIES:-100}	# x 0.1 s

_reg_prev_exit_trap=$(trap -p EXIT)
_reg_prev_exit_trap=${_reg_prev_exit_trap#trap -- \'}
_reg_prev_exit_trap=${_reg_prev_exit_trap%\' EXIT}
_reg_prev_exit_trap=${_reg_prev_exit_trap//\'\\\'\'/\'}
# shellcheck disable=SC2064
trap "reg_stop_all; $_reg_prev_exit_trap" EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
trap 'exit 129' HUP

reg_need_tools() {
	local t
	for t in docker-registry skopeo python3; do
		# (the Debian packages have the same names; make deps installs them)
		command -v "$t" >/dev/null 2>&1 || skip "no $t (Debian package $t; make deps)"
	done
	mkdir -p "$T/docker-config"
	printf '{"auths":{}}\n' >"$T/auth.json"
	printf '{"default":[{"type":"insecureAcceptAnything"}]}\n' >"$T/policy.json"
	export REGISTRY_AUTH_FILE=$T/auth.json DOCKER_CONFIG=$T/docker-config
	export no_proxy=127.0.0.1,localhost${no_proxy:+,$no_proxy}
	export NO_PROXY=127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}
}

reg_free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# The watchdog: the EXIT trap stops everything on every exit bash sees, but
# not when bash itself is SIGKILLed (or dies with the rest of its process
# group, which our sessions are not part of).  A small loop in a session of
# its own polls the case's shell and, once it is gone, kills the process
# groups listed in $T/.reg-pids (re-read on every turn, so that it still
# knows them when the scratch directory has been removed).
_reg_watchdog() {
	[ -n "${REG_WATCHDOG:-}" ] && return 0
	REG_PIDFILE=$T/.reg-pids
	: >"$REG_PIDFILE"
	setsid bash -c '
		case_pid=$1 file=$2 pids=
		while kill -0 "$case_pid" 2>/dev/null; do
			pids=$(cat "$file" 2>/dev/null) || break
			sleep 0.5
		done
		[ -n "$pids" ] || exit 0
		for p in $pids; do kill -TERM -- "-$p" 2>/dev/null; done
		sleep 2
		for p in $pids; do kill -KILL -- "-$p" 2>/dev/null; done' \
	    reg-watchdog "$$" "$REG_PIDFILE" </dev/null >/dev/null 2>&1 &
	REG_WATCHDOG=$!
}

_reg_pidfile() {	# rewrite the watchdog's list
	[ -n "${REG_PIDFILE:-}" ] || return 0
	printf '%s\n' "${REG_PIDS[@]}" >"$REG_PIDFILE.tmp" &&
	    mv -f "$REG_PIDFILE.tmp" "$REG_PIDFILE"
}

# _reg_spawn PIDVAR LOG ERRLOG CMD...: start CMD in a new session (its own
# process group, so that one kill reaches its children too).
_reg_spawn() {
	local __var=$1 out=$2 errlog=$3
	shift 3
	_reg_watchdog
	setsid "$@" >"$out" 2>"$errlog" </dev/null &
	printf -v "$__var" '%s' "$!"
	REG_PIDS+=("$!")
	_reg_pidfile
}

# _reg_kill PID: TERM the process group, KILL it after 2 s, reap it.
_reg_kill() {
	local pid=$1 i
	kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
	kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 20; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		# A zombie (exited, not yet reaped) still answers kill -0.
		[ "$(ps -o stat= -p "$pid" 2>/dev/null)" = Z ] && break
		sleep 0.1
	done
	kill -KILL -- "-$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

reg_stop_all() {
	local pid
	for pid in "${REG_PIDS[@]}"; do
		_reg_kill "$pid"
	done
	REG_PIDS=()
	if [ -n "${REG_WATCHDOG:-}" ]; then
		kill -KILL -- "-$REG_WATCHDOG" 2>/dev/null
		wait "$REG_WATCHDOG" 2>/dev/null
		REG_WATCHDOG=
	fi
	return 0
}

_reg_forget() {	# drop PID from REG_PIDS
	local p keep=()
	for p in "${REG_PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	REG_PIDS=("${keep[@]}")
	_reg_pidfile
}

reg_stop() {
	local pid=${REG_PID[$1]:-}
	if [ -n "$pid" ]; then
		_reg_kill "$pid"
		_reg_forget "$pid"
	fi
	unset "REG_PID[$1]"
}

# _yq STRING: STRING as a single-quoted YAML scalar.
_yq() {
	printf "'%s'" "${1//\'/\'\'}"
}

# _reg_wait_http PID URL: wait (bounded) until URL answers any HTTP status
# while process PID lives.  0 ready, 1 the process died, 2 timed out.
_reg_wait_http() {
	python3 - "$1" "$2" "$REG_READY_TRIES" <<'PY'
import os, sys, time, urllib.request, urllib.error
pid, url, tries = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
for _ in range(tries):
    try:
        os.kill(pid, 0)
        with open(f"/proc/{pid}/stat") as f:
            if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                sys.exit(1)
    except (ProcessLookupError, FileNotFoundError):
        sys.exit(1)
    try:
        opener.open(url, timeout=1).close()
        sys.exit(0)
    except urllib.error.HTTPError:
        sys.exit(0)          # 401 and the like: it answers
    except OSError:
        time.sleep(0.1)
sys.exit(2)
PY
}

reg_start() {
	local name=$1 auth=${2:-none} arg=${3:-} dir port try rc pid envs=() v
	dir=$T/registry-$name
	mkdir -p "$dir/storage"
	for v in $(compgen -e); do
		case $v in REGISTRY_*) envs+=(-u "$v") ;; esac
	done
	for ((try = 1; try <= 5; try++)); do
		port=$(reg_free_port) || return 1
		{
			echo "version: 0.1"
			echo "log:"
			echo "  level: info"
			echo "  formatter: text"
			echo "  accesslog:"
			echo "    disabled: false"
			echo "storage:"
			echo "  filesystem:"
			echo "    rootdirectory: $(_yq "$dir/storage")"
			echo "  delete:"
			echo "    enabled: true"
			echo "  maintenance:"
			echo "    uploadpurging:"
			echo "      enabled: false"
			echo "http:"
			echo "  addr: 127.0.0.1:$port"
			echo "  secret: imgaudit-test-$name-$$"
			echo "  headers:"
			echo "    X-Content-Type-Options: [nosniff]"
			case $auth in
			none) ;;
			htpasswd)
				echo "auth:"
				echo "  htpasswd:"
				echo "    realm: imgaudit-test"
				echo "    path: $(_yq "$arg")" ;;
			token)
				echo "auth:"
				echo "  token:"
				echo "    realm: $(_yq "${TOK_REALM[$arg]}")"
				echo "    service: $(_yq "${TOK_SERVICE[$arg]}")"
				echo "    issuer: $(_yq "${TOK_ISSUER[$arg]}")"
				echo "    rootcertbundle: $(_yq "${TOK_DIR[$arg]}/cert.pem")" ;;
			*) echo "reg_start: unknown auth $auth" >&2; return 1 ;;
			esac
		} >"$dir/config.yml"
		# stdout is the access log (combined log format), stderr the rest.
		_reg_spawn pid "$dir/access.log" "$dir/registry.log" \
		    env "${envs[@]}" docker-registry serve "$dir/config.yml"
		_reg_wait_http "$pid" "http://127.0.0.1:$port/v2/"
		rc=$?
		if [ "$rc" -eq 0 ]; then
			REG_ADDR[$name]=127.0.0.1:$port
			REG_DIR[$name]=$dir
			REG_PID[$name]=$pid
			REG=127.0.0.1:$port
			return 0
		fi
		_reg_kill "$pid"
		_reg_forget "$pid"
		if [ "$rc" -eq 1 ] && grep -q 'address already in use' "$dir/registry.log"; then
			continue	# lost the race for the port: another one
		fi
		break
	done
	note "registry $name did not start ($([ "$rc" -eq 2 ] && echo "no answer on" || echo "exited,") port $port); its log:"
	tail -n 20 "$dir/registry.log" | sed 's/^/    /'
	return 1
}

# _reg_bcrypt PASS: print a bcrypt hash ($2b$, cost 5: the registry checks
# it on every request, and cost 10+ would cost ~100 ms each).  python's crypt
# module (deprecated, gone in 3.13) or libcrypt through ctypes: both are
# Debian's libxcrypt, which does bcrypt.
_reg_bcrypt() {
	PW=$1 python3 -W ignore - <<'PY'
import os, sys
pw = os.environ["PW"]
h = None
try:
    import crypt
    h = crypt.crypt(pw, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << 5))
except Exception:
    h = None
if not (h and h.startswith("$2")):
    import ctypes, ctypes.util
    try:
        lib = ctypes.CDLL(ctypes.util.find_library("crypt") or "libcrypt.so.1")
        lib.crypt_gensalt.restype = ctypes.c_char_p
        lib.crypt_gensalt.argtypes = [ctypes.c_char_p, ctypes.c_ulong,
                                      ctypes.c_char_p, ctypes.c_int]
        lib.crypt.restype = ctypes.c_char_p
        lib.crypt.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
        salt = lib.crypt_gensalt(b"$2b$", 5, os.urandom(16), 16)
        h = lib.crypt(pw.encode(), salt).decode() if salt else None
    except (OSError, AttributeError):
        h = None
if not (h and h.startswith("$2") and len(h) == 60):
    sys.exit(1)
print(h)
PY
}

reg_htpasswd() {
	local file=$1 user=$2 pass=$3 hash
	if command -v htpasswd >/dev/null 2>&1; then
		hash=$(htpasswd -nbB -C 5 "$user" "$pass" 2>/dev/null | head -n 1)
		hash=${hash#*:}
	fi
	case ${hash:-} in
	'$2'*) ;;
	*) hash=$(_reg_bcrypt "$pass") || return 1 ;;
	esac
	printf '%s:%s\n' "$user" "$hash" >>"$file"
}

reg_token_start() {
	local name=$1 users=$2 mode=${3:-kid} dir pid i
	command -v openssl >/dev/null 2>&1 || { note "no openssl: no token server"; return 1; }
	dir=$T/token-$name
	mkdir -p "$dir"
	if ! openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 2 \
	    -subj "/CN=imgaudit-test-token-$name" \
	    -keyout "$dir/key.pem" -out "$dir/cert.pem" >"$dir/openssl.log" 2>&1; then
		note "openssl req failed:"; sed 's/^/    /' "$dir/openssl.log"
		return 1
	fi
	rm -f "$dir/port"
	_reg_spawn pid "$dir/stdout.log" "$dir/stderr.log" \
	    python3 "$E2E_DIR/token_server.py" --key "$dir/key.pem" \
	    --cert "$dir/cert.pem" --users "$users" --port-file "$dir/port" \
	    --issuer "imgaudit-test-issuer-$name" \
	    --service "imgaudit-test-registry-$name" \
	    --key-id "$mode" --log "$dir/token.log"
	for ((i = 0; i < REG_READY_TRIES; i++)); do
		[ -s "$dir/port" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if ! [ -s "$dir/port" ]; then
		note "token server $name did not start:"; sed 's/^/    /' "$dir/stderr.log"
		_reg_kill "$pid"
		_reg_forget "$pid"
		return 1
	fi
	TOK_REALM[$name]=http://127.0.0.1:$(cat "$dir/port")/token
	TOK_SERVICE[$name]=imgaudit-test-registry-$name
	TOK_ISSUER[$name]=imgaudit-test-issuer-$name
	TOK_DIR[$name]=$dir
	TOK_PID[$name]=$pid
}

reg_skopeo() {
	timeout 120 skopeo --insecure-policy --policy "$T/policy.json" "$@"
}

REG_NPUSH=0
reg_push() {
	local name=$1 src=$2 dst=$3 log
	shift 3
	REG_NPUSH=$((REG_NPUSH + 1))
	log=$T/push-$REG_NPUSH.log
	if reg_skopeo copy --retry-times 0 --dest-tls-verify=false "$@" \
	    "$src" "docker://${REG_ADDR[$name]}/$dst" >"$log" 2>&1; then
		return 0
	fi
	note "skopeo copy $src to $dst failed:"
	tail -n 5 "$log" | sed 's/^/    /'
	return 1
}

reg_manifest() {
	local name=$1 repo=$2 ref=$3 out=$4 creds=${5:-} meta
	meta=$(CREDS=$creds python3 - "http://${REG_ADDR[$name]}/v2/$repo/manifests/$ref" "$out" <<'PY'
import base64, hashlib, json, os, re, sys
import urllib.error, urllib.parse, urllib.request
url, out = sys.argv[1], sys.argv[2]
accept = ", ".join([
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json"])
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
creds = os.environ.get("CREDS", "")
basic = "Basic " + base64.b64encode(creds.encode()).decode() if creds else None
def get(auth):
    req = urllib.request.Request(url, headers={"Accept": accept})
    if auth:
        req.add_header("Authorization", auth)
    return opener.open(req, timeout=10)
try:
    r = get(basic)
except urllib.error.HTTPError as e:
    chal = e.headers.get("WWW-Authenticate", "")
    if e.code != 401 or not chal.startswith("Bearer "):
        sys.exit(f"GET {url}: HTTP {e.code}")
    p = dict(re.findall(r'(\w+)="([^"]*)"', chal))
    q = {"service": p.get("service", "")}
    if "scope" in p:
        q["scope"] = p["scope"]
    treq = urllib.request.Request(p["realm"] + "?" + urllib.parse.urlencode(q))
    if basic:
        treq.add_header("Authorization", basic)
    r = get("Bearer " + json.load(opener.open(treq, timeout=10))["token"])
body = r.read()
with open(out, "wb") as f:
    f.write(body)
print(r.headers.get("Content-Type", ""), "sha256:" + hashlib.sha256(body).hexdigest())
PY
) || return 1
	REG_MANIFEST_TYPE=${meta% *}
	REG_MANIFEST_DIGEST=${meta##* }
}

reg_blob_file() {
	local hex=${2#sha256:}
	printf '%s\n' "${REG_DIR[$1]}/storage/docker/registry/v2/blobs/sha256/${hex:0:2}/$hex/data"
}

# reg_corrupt_last_layer NAME REPO TAG: overwrite one byte of the last layer
# blob of REPO:TAG in registry NAME's storage (its digest then fails).
reg_corrupt_last_layer() {
	local name=$1 repo=$2 tag=$3 last f
	reg_manifest "$name" "$repo" "$tag" "$T/$repo-$tag.manifest.json" ||
	    abort "no manifest for $repo:$tag"
	last=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["layers"][-1]["digest"])' \
	    "$T/$repo-$tag.manifest.json")
	f=$(reg_blob_file "$name" "$last")
	printf 'X' | dd of="$f" bs=1 seek=4 conv=notrunc 2>/dev/null || abort "cannot corrupt $f"
}

reg_log_mark() {
	local n
	n=$(wc -l <"${REG_DIR[$1]}/access.log")
	printf '%s\n' "$((n))"
}

reg_blob_gets() {
	local name=$1 mark=${2:-0} out
	out=$(tail -n +"$((mark + 1))" "${REG_DIR[$name]}/access.log" | awk '
		$6 == "\"GET" && $7 ~ /^\/v2\/.*\/blobs\/sha256:/ { n++; if ($10 ~ /^[0-9]+$/) b += $10 }
		$6 == "\"GET" && $7 ~ /^\/v2\/.*\/manifests\// { m++ }
		END { printf "%d %d %d\n", n, b, m }')
	read -r REG_BLOB_GETS REG_BLOB_BYTES REG_MANIFEST_GETS <<<"$out"
}

# reg_derive_layout SRC EXPECTED DST CREATED_BY PATH CONTENT: write DST, an
# OCI layout of the image of the layout SRC plus one layer holding the
# directory PATH's first component and the file PATH (CONTENT and a
# newline), with history CREATED_BY; it shares every blob of SRC but the new
# layer, config and manifest.  DST/expected.json is EXPECTED with that layer
# added (its bytes, 1 file, 2 entries, hiding nothing); its dive figures are
# not derived.
reg_derive_layout() {
	python3 - "$@" <<'PY'
import copy, gzip, hashlib, io, json, os, shutil, sys, tarfile
src, exp_path, dst, created_by, path, content = sys.argv[1:7]
dirname = path.split("/")[0]
data = (content + "\n").encode()
def blob(d):
    with open(os.path.join(src, "blobs", "sha256", d.split(":")[1]), "rb") as f:
        return f.read()
def put(data):
    d = hashlib.sha256(data).hexdigest()
    with open(os.path.join(dst, "blobs", "sha256", d), "wb") as f:
        f.write(data)
    return "sha256:" + d
os.makedirs(os.path.join(dst, "blobs", "sha256"))
for name in os.listdir(os.path.join(src, "blobs", "sha256")):
    shutil.copyfile(os.path.join(src, "blobs", "sha256", name),
                    os.path.join(dst, "blobs", "sha256", name))
shutil.copyfile(os.path.join(src, "oci-layout"), os.path.join(dst, "oci-layout"))
index = json.load(open(os.path.join(src, "index.json")))
manifest = json.loads(blob(index["manifests"][0]["digest"]))
config = json.loads(blob(manifest["config"]["digest"]))

buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tf:
    d = tarfile.TarInfo(dirname + "/"); d.type = tarfile.DIRTYPE; d.mode = 0o755
    tf.addfile(d)
    f = tarfile.TarInfo(path); f.size = len(data); f.mode = 0o644
    tf.addfile(f, io.BytesIO(data))
tar = buf.getvalue()
gz = gzip.compress(tar, mtime=0)
diff_id = "sha256:" + hashlib.sha256(tar).hexdigest()
config["rootfs"]["diff_ids"].append(diff_id)
config["history"].append({"created": "2024-01-02T00:00:00Z", "created_by": created_by})
layer = {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
         "digest": put(gz), "size": len(gz)}
cfg = json.dumps(config, separators=(",", ":")).encode()
manifest["config"] = dict(manifest["config"], digest=put(cfg), size=len(cfg))
manifest["layers"].append(layer)
man = json.dumps(manifest, separators=(",", ":")).encode()
index["manifests"][0] = dict(index["manifests"][0], digest=put(man), size=len(man))
with open(os.path.join(dst, "index.json"), "w") as f:
    json.dump(index, f)

exp = json.load(open(exp_path))
e2 = copy.deepcopy(exp)
e2["layers"].append({"bytes": len(data), "files": 1, "entries": 2, "tar_bytes": len(tar),
                     "wasted_bytes": 0, "diff_id": diff_id, "created_by": created_by})
t = e2["totals"]
t["layers"] += 1; t["layer_bytes"] += len(data); t["tar_bytes"] += len(tar)
t["final_bytes"] += len(data); t["final_files"] += 1; t["final_entries"] += 2
t["efficiency"] = t["final_bytes"] / t["layer_bytes"]
e2["dive"] = None          # not derived here
e2["image"]["config_digest"] = manifest["config"]["digest"]
e2["note"] = "the source image plus one layer, derived by registry_lib.sh"
with open(os.path.join(dst, "expected.json"), "w") as f:
    json.dump(e2, f, indent=1)
PY
}

# reg_flaky_start NAME: a proxy on 127.0.0.1 in front of registry NAME that
# misbehaves once per request path: the first GET of each blob over 1 KiB
# sends the headers and half the body, then closes the connection; the
# first GET of each manifest answers 429 (Retry-After: 0); the first GET of
# each tag list answers 503.  Everything else, Range included, is passed
# through.  Sets FLAKY_ADDR (127.0.0.1:PORT) and FLAKY_LOG (one JSON line
# per request: method, path, range, what the proxy did).
reg_flaky_start() {
	local name=$1 pid i
	cat >"$T/flaky_proxy.py" <<'PY'
import http.client, json, socket, sys, threading
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
upstream, port_file, log_file = sys.argv[1], sys.argv[2], sys.argv[3]
seen, lock = set(), threading.Lock()
HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade"}
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a):
        pass
    def log(self, did):
        with lock, open(log_file, "a") as f:
            f.write(json.dumps({"method": self.command, "path": self.path,
                                "range": self.headers.get("Range"), "did": did}) + "\n")
    def first(self, kind):
        key = (kind, self.path)
        with lock:
            if key in seen:
                return False
            seen.add(key)
            return True
    def plain(self, code, extra=()):
        self.send_response(code)
        for k, v in extra:
            self.send_header(k, v)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def handle_any(self, body_wanted):
        p = self.path.split("?")[0]
        if self.command == "GET" and "/manifests/" in p and self.first("m"):
            self.log("429")
            return self.plain(429, [("Retry-After", "0")])
        if self.command == "GET" and p.endswith("/tags/list") and self.first("t"):
            self.log("503")
            return self.plain(503)
        c = http.client.HTTPConnection(upstream, timeout=30)
        hdrs = {k: v for k, v in self.headers.items() if k.lower() not in HOP and k.lower() != "host"}
        c.request(self.command, self.path, headers=hdrs)
        r = c.getresponse()
        body = r.read()
        c.close()
        drop = (self.command == "GET" and "/blobs/" in p and r.status == 200
                and len(body) > 1024 and self.first("b"))
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in HOP and k.lower() != "content-length":
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not body_wanted:
            self.log("pass")
            return
        if drop:
            self.wfile.write(body[:len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            self.log("drop after %d of %d" % (len(body) // 2, len(body)))
            return
        self.wfile.write(body)
        self.log("pass %d" % r.status)
    def do_GET(self):
        self.handle_any(True)
    def do_HEAD(self):
        self.handle_any(False)
class S(ThreadingHTTPServer):
    daemon_threads = True
    def handle_error(self, request, address):
        pass
srv = S(("127.0.0.1", 0), H)
with open(port_file + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
import os
os.rename(port_file + ".tmp", port_file)
srv.serve_forever()
PY
	rm -f "$T/flaky.port"
	FLAKY_LOG=$T/flaky.log
	: >"$FLAKY_LOG"
	_reg_spawn pid "$T/flaky.out" "$T/flaky.err" \
	    python3 "$T/flaky_proxy.py" "${REG_ADDR[$name]}" "$T/flaky.port" "$FLAKY_LOG"
	for ((i = 0; i < REG_READY_TRIES; i++)); do
		[ -s "$T/flaky.port" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	[ -s "$T/flaky.port" ] || { note "flaky proxy did not start: $(head -c 300 "$T/flaky.err")"; return 1; }
	FLAKY_ADDR=127.0.0.1:$(cat "$T/flaky.port")
}
