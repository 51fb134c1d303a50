"""Harness for ecsctl end-to-end tests: an ecs-local on a free loopback port,
temporary git repositories holding a desired state, and ecsctl runs against
them. Standard library + boto3 only (Debian's /usr/bin/python3)."""
import json
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import urllib.request
import warnings

SRC = os.environ.get("ECSCTL_SOURCE_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
ECSCTL = os.environ.get("ECSCTL") or os.path.join(SRC, "build", "bin", "ecsctl")
ECS_LOCAL = os.environ.get("ECS_LOCAL") or os.path.join(SRC, "build", "bin", "ecs-local")
REGION = "us-east-1"
# ECSCTL_WRAPPER (e.g. valgrind, scripts/valgrind.sh) goes in front of both binaries
WRAPPER = shlex.split(os.environ.get("ECSCTL_WRAPPER", ""))
warnings.filterwarnings("ignore", category=ResourceWarning)


class EcsLocal:
    """ecs-local on 127.0.0.1:0; the URL comes from its "listening on" line."""

    def __init__(self, *args, time_scale=50):
        self.args = [*WRAPPER, ECS_LOCAL, "--listen", "127.0.0.1:0", "--time-scale", str(time_scale),
                     *args]
        self.proc = None
        self.url = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("listening on http://127.0.0.1:"):
            self.proc.kill()
            raise RuntimeError("ecs-local did not start: %r %r" % (line, self.proc.stderr.read()))
        self.url = line.split(" ", 2)[2]
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.proc.stdout.close()
            self.proc.stderr.close()
        return self.proc.returncode if self.proc else None

    def stats(self):
        with urllib.request.urlopen(self.url + "/_stats", timeout=10) as r:
            return json.load(r)["requests"]

    def client(self):
        import boto3
        from botocore.config import Config
        return boto3.session.Session().client(
            "ecs", endpoint_url=self.url, region_name=REGION, aws_access_key_id="AKIDTEST",
            aws_secret_access_key="secret", config=Config(retries={"total_max_attempts": 1}))


def delta(before, after):
    """Requests per operation between two /_stats snapshots (zeros left out)."""
    return {k: after.get(k, 0) - before.get(k, 0) for k in after
            if after.get(k, 0) - before.get(k, 0)}


WRITES = ("CreateCluster", "UpdateCluster", "DeleteCluster", "RegisterTaskDefinition",
          "DeregisterTaskDefinition", "CreateService", "UpdateService", "DeleteService",
          "TagResource", "UntagResource", "PutClusterCapacityProviders")


def writes(d):
    return {k: v for k, v in d.items() if k in WRITES}


class Repo:
    """A temporary git repository; starts with a copy of examples/ when asked."""

    def __init__(self, examples=True):
        self.dir = tempfile.mkdtemp(prefix="ecsctl-e2e-")
        self.git("init", "-q", "-b", "main")
        if examples:
            shutil.copytree(os.path.join(SRC, "examples"), os.path.join(self.dir, "examples"))
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
    return e


def ecsctl(server, repo, *args, path="examples", timeout=60, stdin=subprocess.DEVNULL, **extra):
    """Runs ecsctl against `server` reading `repo`; returns CompletedProcess (text)."""
    cmd = [*WRAPPER, ECSCTL, args[0], "--repo", repo.dir, "--endpoint-url", server.url, *args[1:]]
    if path:
        cmd += ["--path", path]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, stdin=stdin,
                          env=env(**extra))


def popen_ecsctl(server, repo, *args, path="examples", **extra):
    cmd = [*WRAPPER, ECSCTL, args[0], "--repo", repo.dir, "--endpoint-url", server.url, *args[1:],
           "--path", path]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL, env=env(**extra))
