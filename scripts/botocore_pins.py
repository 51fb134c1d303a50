"""The vendored botocore model (schema/botocore/) and its pins.

load(name) reads schema/botocore/<name>, checks its sha256 against
schema/botocore/PINS and returns (parsed JSON, pin line for a generated file's
header): a vendored file changed without its pin stops the generators.
load(name, path) reads another copy (a trial of a newer model, a test's
edited one) and says "unpinned" in the header line instead.
"""
import hashlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
VENDOR = os.path.join(HERE, "..", "schema", "botocore")


def pins():
    out = {}
    with open(os.path.join(VENDOR, "PINS"), encoding="utf-8") as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                name, version, sha = line.split()
                out[name] = (version, sha)
    return out


def load(name, path=None):
    if path:
        with open(path, "rb") as f:
            raw = f.read()
        sha = hashlib.sha256(raw).hexdigest()
        return json.loads(raw), "unpinned %s sha256 %s" % (name, sha)
    path = os.path.join(VENDOR, name)
    with open(path, "rb") as f:
        raw = f.read()
    sha = hashlib.sha256(raw).hexdigest()
    version, pinned = pins()[name]
    if sha != pinned:
        sys.exit("%s: sha256 %s is not the pinned %s (schema/botocore/PINS)" % (path, sha, pinned))
    return json.loads(raw), "botocore %s %s sha256 %s" % (version, name, sha)
