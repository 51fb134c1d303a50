"""Harness for ecsctl end-to-end tests: an ecs-local on a free loopback port,
temporary git repositories holding a desired state, and ecsctl runs against
them. Standard library + boto3 only (Debian's /usr/bin/python3)."""
import hashlib
import importlib.util
import json
import os
import shlex
import shutil
import subprocess
import tempfile
import unittest
import urllib.request


def _conformance_harness():
    """tests/conformance/ecslocal.py, loaded under its own name: this module
    has the same file name, so a plain import would find itself."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "conformance",
                        "ecslocal.py")
    spec = importlib.util.spec_from_file_location("conformance_ecslocal", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


conformance = _conformance_harness()

SRC = os.environ.get("ECSCTL_SOURCE_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
ECSCTL = os.environ.get("ECSCTL") or os.path.join(SRC, "build", "bin", "ecsctl")
REGION = "us-east-1"
# ECSCTL_WRAPPER (e.g. valgrind, scripts/valgrind.sh) goes in front of both binaries
WRAPPER = shlex.split(os.environ.get("ECSCTL_WRAPPER", ""))


class EcsLocal(conformance.Server):
    """The conformance tests' launcher, used as a context manager, with /_stats."""

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def stats(self):
        with urllib.request.urlopen(self.url + "/_stats", timeout=10) as r:
            return json.load(r)["requests"]


def delta(before, after):
    """Requests per operation between two /_stats snapshots (zeros left out)."""
    return {k: after.get(k, 0) - before.get(k, 0) for k in after
            if after.get(k, 0) - before.get(k, 0)}


WRITES = ("CreateCluster", "UpdateCluster", "DeleteCluster", "RegisterTaskDefinition",
          "DeregisterTaskDefinition", "CreateService", "UpdateService", "DeleteService",
          "TagResource", "UntagResource", "PutClusterCapacityProviders")


def writes(d):
    return {k: v for k, v in d.items() if k in WRITES}


def redigest(plan):
    """Sets a saved plan's desiredDigest to the sha256 of its desired state's
    canonical text (jansson's: compact, sorted keys, UTF-8), as anyone who
    edits the file can: tests of what the digest alone does not stop."""
    text = json.dumps(plan["saved"]["desired"], sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False)
    plan["saved"]["desiredDigest"] = hashlib.sha256(text.encode()).hexdigest()


class Repo:
    """A temporary git repository; starts with a copy of tests/e2e/repos/shop
    (the single-environment shop the tests edit; or of another folder of the
    source tree, `source`) as its examples/ when asked."""

    def __init__(self, examples=True, source=os.path.join("tests", "e2e", "repos", "shop")):
        self.dir = tempfile.mkdtemp(prefix="ecsctl-e2e-")
        self.git("init", "-q", "-b", "main")
        if examples:
            shutil.copytree(os.path.join(SRC, source), os.path.join(self.dir, "examples"))
            self.commit("examples")

    def git(self, *args):
        subprocess.run(["git", "-c", "user.email=e2e@example.com", "-c", "user.name=e2e",
                        *args], cwd=self.dir, check=True, capture_output=True)

    def write(self, rel, text):
        path = os.path.join(self.dir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)

    def read(self, rel):
        with open(os.path.join(self.dir, rel)) as f:
            return f.read()

    def remove(self, rel):
        os.remove(os.path.join(self.dir, rel))

    def commit(self, message):
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def env(**extra):
    e = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    e.update(AWS_ACCESS_KEY_ID="AKIDTEST", AWS_SECRET_ACCESS_KEY="secret", AWS_REGION=REGION,
             NO_COLOR="1", HOME=tempfile.gettempdir())
    e.update(extra)
    # NAME=None takes a variable out (say, the keys, to test other credentials)
    return {k: v for k, v in e.items() if v is not None}


def ecsctl(server, repo, *args, path="examples", timeout=60, stdin=subprocess.DEVNULL,
           binary=None, **extra):
    """Runs ecsctl (the build's, or `binary`) against `server` reading `repo`;
    returns CompletedProcess (text)."""
    cmd = [*WRAPPER, binary or ECSCTL, args[0], "--repo", repo.dir, "--endpoint-url", server.url, *args[1:]]
    if path:
        cmd += ["--path", path]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, stdin=stdin,
                          env=env(**extra))


def popen_ecsctl(server, repo, *args, path="examples", **extra):
    cmd = [*WRAPPER, ECSCTL, args[0], "--repo", repo.dir, "--endpoint-url", server.url, *args[1:],
           "--path", path]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL, env=env(**extra))


def stderr_until(p, needle):
    """Reads a popen_ecsctl process's stderr until a line contains `needle`
    (say, apply is waiting); returns what was read."""
    seen = []
    for line in p.stderr:
        seen.append(line)
        if needle in line:
            break
    return "".join(seen)


class ServerRepoCase(unittest.TestCase):
    """A test case with its own ecs-local (started with `server_args`) and its
    own repo holding a copy of tests/e2e/repos/shop (or of `repo_source`); run_ok() runs
    ecsctl and checks the exit code."""
    server_args = ()
    repo_source = os.path.join("tests", "e2e", "repos", "shop")

    def setUp(self):
        self.server = EcsLocal(*self.server_args).start()
        self.repo = Repo(source=self.repo_source)

    def tearDown(self):
        rc = self.server.stop()
        self.repo.cleanup()
        self.assertEqual(rc, 0, "ecs-local did not exit cleanly")

    def run_ok(self, *args, expect=0, **kw):
        r = ecsctl(self.server, self.repo, *args, **kw)
        self.assertEqual(r.returncode, expect, "ecsctl %s: %s\n%s" % (args, r.stdout, r.stderr))
        return r
