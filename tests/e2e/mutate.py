# SPDX-License-Identifier: MIT
"""tests/e2e/mutate.py DIR MUTATION: damage a copy of an OCI layout in place.

Each mutation reproduces an input that the mutation sweep found to break
imgaudit's contract.  Digests and sizes are fixed up wherever the damage is
not meant to be about them, so that the input reaches the code it targets.
"""
import hashlib
import json
import os
import sys

root, what = sys.argv[1], sys.argv[2]


def path(digest):
    return os.path.join(root, "blobs", *digest.split(":"))


def put(data):
    d = "sha256:" + hashlib.sha256(data).hexdigest()
    with open(path(d), "wb") as f:
        f.write(data)
    return d, len(data)


index = json.load(open(os.path.join(root, "index.json")))
mdesc = index["manifests"][0]
manifest = json.load(open(path(mdesc["digest"])))
config = json.load(open(path(manifest["config"]["digest"])))


def save():
    manifest["config"]["digest"], manifest["config"]["size"] = put(
        json.dumps(config).encode())
    mdesc["digest"], mdesc["size"] = put(json.dumps(manifest).encode())
    with open(os.path.join(root, "index.json"), "w") as f:
        json.dump(index, f)


if what == "wrong-diff-id":
    # Blobs intact, digests of config, manifest and index updated: only
    # hashing the uncompressed stream can tell.
    config["rootfs"]["diff_ids"][1] = \
        "sha256:" + hashlib.sha256(b"not this layer").hexdigest()
    save()
elif what == "fifo-layer":
    p = path(manifest["layers"][0]["digest"])
    os.unlink(p)
    os.mkfifo(p)
elif what == "fifo-index":
    os.unlink(os.path.join(root, "index.json"))
    os.mkfifo(os.path.join(root, "index.json"))
elif what == "newline-media-type":
    manifest["layers"][0]["mediaType"] += "\nsecond line"
    save()
elif what == "no-size":
    del manifest["layers"][0]["size"]
    save()
elif what == "long-blob":
    with open(path(manifest["layers"][0]["digest"]), "ab") as f:
        f.write(b"\0" * 100)
elif what == "many-layers":
    manifest["layers"] = [manifest["layers"][0]] * 1001
    config["rootfs"]["diff_ids"] = [config["rootfs"]["diff_ids"][0]] * 1001
    save()
elif what == "bad-utf8-entrypoint":
    # json.dumps escapes; write the raw bytes \xff\xfe into the string.
    config["config"]["Entrypoint"] = ["@@BAD@@"]
    data = json.dumps(config).encode().replace(b"@@BAD@@", b"\xff\xfe")
    manifest["config"]["digest"], manifest["config"]["size"] = put(data)
    mdesc["digest"], mdesc["size"] = put(json.dumps(manifest).encode())
    with open(os.path.join(root, "index.json"), "w") as f:
        json.dump(index, f)
else:
    sys.exit("mutate.py: unknown mutation " + what)
