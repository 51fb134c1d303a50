"""The one harness of the Python tests: an ecs-local on a free loopback port
(EcsLocal, ServerTest), temporary git repositories holding a desired state
(Repo), ecsctl runs against them (ecsctl, popen_ecsctl, Watch) and boto3
clients that build or read live state. Standard library + boto3 only
(Debian's /usr/bin/python3); prometheus_client where metrics are parsed.

tests/conformance/ecslocal.py is a link to this file, so that both suites
import it by the same name from their own folder.

Every binary starts behind $ECSCTL_WRAPPER when set: scripts/valgrind.sh sets
it to a valgrind command with --error-exitcode, and a run that exits with
that code fails the test whatever exit code the test expected."""
import atexit
import functools
import hashlib
import json
import math
import os
import queue
import shlex
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request
import warnings

import boto3
from botocore.config import Config

SRC = os.environ.get("ECSCTL_SOURCE_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
# the binaries ctest built (cmake/tests.cmake sets both); never one from PATH
ECSCTL = os.environ.get("ECSCTL") or os.path.join(SRC, "build", "bin", "ecsctl")
BIN = os.environ.get("ECS_LOCAL") or os.path.join(SRC, "build", "bin", "ecs-local")
WRAPPER = shlex.split(os.environ.get("ECSCTL_WRAPPER", ""))
REGION = "us-east-1"
ACCOUNT = "123456789012"
# the single-environment shop most e2e tests edit, copied as examples/
SHOP = os.path.join("tests", "e2e", "repos", "shop")
# botocore keeps pooled sockets open until exit; that is not what we test
warnings.filterwarnings("ignore", category=ResourceWarning)


def _vendored_model():
    """boto3 and the AWS CLI read the ECS model ecs-local implements (the
    vendored schema/botocore/, by AWS_DATA_PATH): Debian's botocore predates
    deployment strategies and service deployments."""
    if os.environ.get("AWS_DATA_PATH"):
        return
    root = tempfile.mkdtemp(prefix="ecs-model-")
    atexit.register(shutil.rmtree, root, True)
    where = os.path.join(root, "ecs", "2014-11-13")
    os.makedirs(where)
    for name in ("service-2.json", "paginators-1.json", "waiters-2.json"):
        os.symlink(os.path.join(SRC, "schema", "botocore", name), os.path.join(where, name))
    os.environ["AWS_DATA_PATH"] = root


_vendored_model()


def _wrapper_error_exitcode():
    for arg in WRAPPER:
        if arg.startswith("--error-exitcode="):
            return int(arg.split("=", 1)[1])
    return None


WRAPPER_ERROR = _wrapper_error_exitcode()
# how much longer a run may take behind the wrapper (valgrind: 10-50 times
# slower) before a test gives up on it as hung
WRAPPER_SLOWDOWN = 10 if WRAPPER else 1


# ---- ecs-local ----

class EcsLocal:
    """ecs-local on 127.0.0.1:0; the URL comes from its "listening on" line.
    Usable as a context manager."""

    def __init__(self, *args, time_scale=50, preexec_fn=None, binary=None):
        # `binary`: another ecs-local than the build's (an installed one)
        self.args = [*WRAPPER, binary or BIN, "--listen", "127.0.0.1:0", "--time-scale",
                     str(time_scale), *args]
        self.preexec_fn = preexec_fn  # e.g. resource limits for the server alone
        self.proc = None
        self.url = None
        self.stderr = ""

    def start(self):
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True,
                                     preexec_fn=self.preexec_fn)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("listening on http://127.0.0.1:"):
            self.proc.kill()
            raise RuntimeError("ecs-local did not start: %r %r" %
                               (line, self.proc.stderr.read()))
        self.url = line.split(" ", 2)[2]
        # never leave a server behind, whatever happens to the test
        atexit.register(self._kill)
        return self

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc and not self.proc.stderr.closed:
            self.stderr = self.proc.stderr.read()
            self.proc.stdout.close()
            self.proc.stderr.close()
        return self.proc.returncode if self.proc else None

    def stop_cleanly(self):
        """stop(), failing unless the exit was clean: sanitizer and valgrind
        reports (leaks) fail the test."""
        rc = self.stop()
        if rc != 0:
            raise AssertionError("ecs-local exited %r: %s" % (rc, self.stderr[-4000:]))

    def client(self, retries=1, key="AKIDEXAMPLE", secret="secret", **cfg):
        return boto3.session.Session().client(
            "ecs", endpoint_url=self.url, region_name=REGION,
            aws_access_key_id=key, aws_secret_access_key=secret,
            config=Config(retries={"total_max_attempts": retries}, **cfg))

    def stats(self):
        """Requests served so far, per operation (/_stats)."""
        return self.stats_doc()["requests"]

    def stats_doc(self):
        """All of /_stats: requests, errors, throttled per group, total."""
        with urllib.request.urlopen(self.url + "/_stats", timeout=10) as r:
            return json.load(r)

    def throttle(self, enabled):
        """POST /_throttle: buckets off (every request passes) or on (full)."""
        req = urllib.request.Request(self.url + "/_throttle", method="POST",
                                     data=json.dumps({"enabled": enabled}).encode())
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.load(r)

    def set_alarm(self, name, state):
        """Puts CloudWatch alarm `name` into `state` (ALARM, OK,
        INSUFFICIENT_DATA) now: POST /_alarm."""
        body = json.dumps({"alarmName": name, "state": state}).encode()
        req = urllib.request.Request(self.url + "/_alarm", data=body, method="POST")
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.load(r)


def delta(before, after):
    """Requests per operation between two stats() snapshots (zeros left out)."""
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


def wait_stable(ecs, cluster, names, timeout=30.0, delay=0.1):
    """boto3's services_stable waiter: one deployment, running == desired."""
    ecs.get_waiter("services_stable").wait(
        cluster=cluster, services=names,
        WaiterConfig={"Delay": delay, "MaxAttempts": max(1, math.ceil(timeout / delay))})


def temp_dir():
    return tempfile.TemporaryDirectory(prefix="ecs-local-test-")


class ServerTest(unittest.TestCase):
    """One ecs-local for the whole class; `self.ecs` is a client without retries."""
    server_args = ()

    @classmethod
    def setUpClass(cls):
        cls.server = EcsLocal(*cls.server_args).start()
        cls.ecs = cls.server.client()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop_cleanly()

    def arn(self, rest):
        return "arn:aws:ecs:%s:%s:%s" % (REGION, ACCOUNT, rest)

    def register(self, family, image="nginx:1.25", **kw):
        containers = kw.pop("containers", None) or [
            {"name": "app", "image": image, "memory": 128}]
        return self.ecs.register_task_definition(
            family=family, containerDefinitions=containers, **kw)["taskDefinition"]

    def describe(self, cluster, name):
        return self.ecs.describe_services(cluster=cluster, services=[name])["services"][0]

    def wait_stable(self, cluster, names, attempts=30):
        wait_stable(self.ecs, cluster, names, timeout=attempts, delay=1)

    def service_deployment(self, arn):
        return self.ecs.describe_service_deployments(
            serviceDeploymentArns=[arn])["serviceDeployments"][0]

    def current_deployment(self, cluster, name):
        """The service's current service deployment (DescribeServiceDeployments)."""
        return self.service_deployment(self.describe(cluster, name)["currentServiceDeployment"])

    def follow(self, arn, decide=lambda sd, hook: "CONTINUE", timeout=30.0):
        """Watches service deployment `arn` until it ends, answering each
        PAUSE hook that awaits action with decide(sd, hook) (CONTINUE,
        ROLLBACK, or None to let it wait). Returns the final deployment and
        the (lifecycleStage, production weight of the target) pairs seen,
        in order, without repeats."""
        seen, answered = [], set()
        end = time.monotonic() + timeout
        while True:
            sd = self.service_deployment(arn)
            weight = sd["targetServiceRevision"].get("requestedProductionTrafficWeight")
            if sd.get("lifecycleStage") and (not seen or seen[-1] != (sd["lifecycleStage"],
                                                                       weight)):
                seen.append((sd["lifecycleStage"], weight))
            if sd["status"] in ("SUCCESSFUL", "STOPPED", "ROLLBACK_SUCCESSFUL",
                                "ROLLBACK_FAILED"):
                return sd, seen
            for hook in sd["lifecycleHookDetails"]:
                if hook["status"] != "AWAITING_ACTION" or hook["hookId"] in answered:
                    continue
                action = decide(sd, hook)
                if action:
                    answered.add(hook["hookId"])
                    self.ecs.continue_service_deployment(serviceDeploymentArn=arn,
                                                         hookId=hook["hookId"], action=action)
            if time.monotonic() > end:
                self.fail("service deployment still %s at %s after %.0f s" %
                          (sd["status"], sd.get("lifecycleStage"), timeout))
            time.sleep(0.02)

    def poll(self, fn, timeout=20.0, interval=0.1):
        """Calls fn until it returns a true value; fails after `timeout` s."""
        end = time.monotonic() + timeout
        while True:
            value = fn()
            if value:
                return value
            if time.monotonic() > end:
                self.fail("condition not reached in %.0f s" % timeout)
            time.sleep(interval)


# ---- git repositories ----

# a desired state at a repository's root (FILES): the shop, one Fargate service
CLUSTER = "kind: Cluster\nclusterName: shop\ntags: [{key: team, value: shop}]\n"
# the task definition without variables, for tests to add to
BARE_TASKDEF = """kind: TaskDefinition
family: web
requiresCompatibilities: [FARGATE]
networkMode: awsvpc
cpu: 256
memory: 512
containerDefinitions:
  - name: web
    image: nginx:1.25
    portMappings: [{containerPort: 80}]
"""
# ... with a secret among its variables (masked in output)
TASKDEF = BARE_TASKDEF + """    environment:
      - {name: DB_PASSWORD, value: hunter2}
      - {name: MODE, value: prod}
"""
NETCONF = {"awsvpcConfiguration": {"subnets": ["subnet-0abc1234def567890"],
                                   "securityGroups": ["sg-0123456789abcdef0"],
                                   "assignPublicIp": "DISABLED"}}
# the service without its network, for tests to add to
BARE_SERVICE = """kind: Service
cluster: shop
serviceName: web
taskDefinition: web
desiredCount: 2
launchType: FARGATE
"""
SERVICE = BARE_SERVICE + """networkConfiguration:
  awsvpcConfiguration:
    subnets: [subnet-0abc1234def567890]
    securityGroups: [sg-0123456789abcdef0]
    assignPublicIp: DISABLED
"""
# a second, EC2 service (no network to give) that tests break on purpose
JOB_TD = """kind: TaskDefinition
family: job
requiresCompatibilities: [EC2]
containerDefinitions:
  - {name: job, image: busybox:1, memory: 64}
"""
JOB_SVC = """kind: Service
cluster: shop
serviceName: job
taskDefinition: job
desiredCount: 2
launchType: EC2
"""
FILES = {"ecsctl.yaml": "name: shop\nregion: us-east-1\n",
         "clusters/shop.yaml": CLUSTER, "task-definitions/web.yaml": TASKDEF,
         "services/web.yaml": SERVICE}


def git(path, *args):
    """git in `path`; its output, stripped."""
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    return subprocess.run(["git", "-C", path, *args], check=True, env=env, text=True,
                          capture_output=True, timeout=30).stdout.strip()


class Repo:
    """A temporary git repository on branch main. `source`, a folder of the
    source tree (the shop by default), is copied as examples/, where ecsctl
    reads it; `files` ({path: text}) are written at the root, where ecsctl
    reads them when there is no source. `sha` is the last commit."""

    def __init__(self, source=SHOP, files=None):
        self.dir = tempfile.mkdtemp(prefix="ecsctl-e2e-")
        self.subdir = "examples" if source else None  # what --path names
        self.sha = None
        git(self.dir, "init", "-q", "-b", "main")
        if source:
            shutil.copytree(os.path.join(SRC, source), os.path.join(self.dir, "examples"))
        if source or files:
            self.commit("initial", files)

    def git(self, *args):
        return git(self.dir, *args)

    def write(self, rel, text):
        path = os.path.join(self.dir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)

    def read(self, rel):
        with open(os.path.join(self.dir, rel), encoding="utf-8") as f:
            return f.read()

    def remove(self, rel):
        os.remove(os.path.join(self.dir, rel))

    def commit(self, message="change", files=None):
        """Writes `files`, commits everything; returns the new commit's sha."""
        for rel, text in (files or {}).items():
            self.write(rel, text)
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        self.sha = self.git("rev-parse", "HEAD")
        return self.sha

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def deploy_by_hand(ecs, sha, desired=2):
    """What an apply of FILES would leave live, made with boto3 so that tests
    of drift and status do not depend on ecsctl apply."""
    ecs.create_cluster(clusterName="shop", tags=[{"key": "team", "value": "shop"},
                                                 {"key": "ecsctl:owner", "value": "shop"}])
    td = ecs.register_task_definition(
        family="web", requiresCompatibilities=["FARGATE"], networkMode="awsvpc",
        cpu="256", memory="512",
        containerDefinitions=[{"name": "web", "image": "nginx:1.25",
                               "portMappings": [{"containerPort": 80}],
                               "environment": [{"name": "MODE", "value": "prod"},
                                               {"name": "DB_PASSWORD", "value": "hunter2"}]}],
        tags=[{"key": "ecsctl:owner", "value": "shop"}])
    arn = td["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(cluster="shop", serviceName="web", taskDefinition=arn,
                       desiredCount=desired, launchType="FARGATE",
                       networkConfiguration=NETCONF,
                       tags=[{"key": "ecsctl:owner", "value": "shop"},
                             {"key": "ecsctl:revision", "value": sha}])
    return arn


# ---- running ecsctl ----

def env(**extra):
    """ecsctl's environment: test keys for ecs-local, no AWS_* or git token of
    the caller's, HOME a temporary folder. NAME=None takes a variable out."""
    e = {k: v for k, v in os.environ.items()
         if not k.startswith("AWS_") and k != "ECSCTL_GIT_TOKEN"}
    e.update(AWS_ACCESS_KEY_ID="AKIDTEST", AWS_SECRET_ACCESS_KEY="secret", AWS_REGION=REGION,
             NO_COLOR="1", HOME=tempfile.gettempdir())
    e.update(extra)
    return {k: v for k, v in e.items() if v is not None}


# `path` not given: the repo's own (Repo.subdir), none for a repo named by a string
REPO_PATH = object()


def ecsctl_cmd(server, repo, *args, path=REPO_PATH, binary=None):
    """The command line of `ecsctl ARGS` (the build's, or `binary`) against
    `server` (None: no endpoint) reading `repo` (a Repo, a folder or URL, or
    None), behind the wrapper."""
    cmd = [*WRAPPER, binary or ECSCTL, *args[:1]]
    if repo is not None:
        cmd += ["--repo", repo if isinstance(repo, str) else repo.dir]
    if server is not None:
        cmd += ["--endpoint-url", server.url]
    cmd += args[1:]
    if path is REPO_PATH:
        path = getattr(repo, "subdir", None)
    if path:
        cmd += ["--path", path]
    return cmd


def ecsctl(server, repo, *args, path=REPO_PATH, timeout=60, binary=None, **extra):
    """Runs ecsctl to its end (environment: env(**extra)); returns the
    CompletedProcess (text). `timeout` (s) is for a native run: behind the
    wrapper it stretches. A wrapper's error exit (valgrind) fails here."""
    r = subprocess.run(ecsctl_cmd(server, repo, *args, path=path, binary=binary),
                       capture_output=True, text=True, timeout=timeout * WRAPPER_SLOWDOWN,
                       stdin=subprocess.DEVNULL, env=env(**extra))
    if WRAPPER_ERROR is not None and r.returncode == WRAPPER_ERROR:
        raise AssertionError("%s found errors in ecsctl %s:\n%s"
                             % (WRAPPER[0], " ".join(args), r.stderr[-8000:]))
    return r


def popen_ecsctl(server, repo, *args, path=REPO_PATH, stdout=subprocess.PIPE, **extra):
    """ecsctl started in the background; the caller waits for it."""
    return subprocess.Popen(ecsctl_cmd(server, repo, *args, path=path), stdout=stdout,
                            stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL,
                            env=env(**extra))


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
    own Repo(repo_source, repo_files); ecsctl() and run_ok() run ecsctl on
    them, `ecs` is a boto3 client. ecs-local must exit cleanly."""
    server_args = ()
    repo_source = SHOP
    repo_files = None

    def setUp(self):
        self.server = EcsLocal(*self.server_args).start()
        self.addCleanup(self.server.stop_cleanly)
        self.repo = Repo(self.repo_source, self.repo_files)
        self.addCleanup(self.repo.cleanup)

    @functools.cached_property
    def ecs(self):
        return self.server.client()  # made when first used: it takes 0.3 s

    def ecsctl(self, *args, **kw):
        return ecsctl(self.server, self.repo, *args, **kw)

    def run_ok(self, *args, expect=0, **kw):
        r = self.ecsctl(*args, **kw)
        self.assertEqual(r.returncode, expect, "ecsctl %s: %s\n%s" % (args, r.stdout, r.stderr))
        return r


# ---- ecsctl watch ----

SECRET = b"s3cr3t-webhook"


class Watch:
    """A running `ecsctl watch` whose JSON log lines and HTTP endpoints the
    tests read. Its webhooks are signed with SECRET; webhook_secret=False
    starts it without one."""

    def __init__(self, server, repo, *args, webhook_secret=True, **extra):
        self.tmp = tempfile.TemporaryDirectory(prefix="ecsctl-watch-")
        flags = ["--listen", "127.0.0.1:0", "--log-format", "json"]
        if webhook_secret:
            secret = os.path.join(self.tmp.name, "secret")
            with open(secret, "wb") as f:
                f.write(SECRET + b"\n")
            flags += ["--webhook-secret-file", secret]
        self.proc = popen_ecsctl(server, repo, "watch", *flags, *args,
                                 stdout=subprocess.DEVNULL, **extra)
        self.lines = queue.Queue()
        self.log = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.rc = None
        self.port = self.wait_for(lambda d: d["msg"] == "listening")["port"]

    def _read(self):
        for line in self.proc.stderr:
            self.lines.put(line)

    def wait_for(self, pred, timeout=20):
        end = time.time() + timeout
        while time.time() < end:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                continue
            d = json.loads(line)  # every line must be one JSON object
            # and every field a string: absent rather than null
            assert all(isinstance(v, str) for v in d.values()), d
            self.log.append(d)
            if pred(d):
                return d
        raise AssertionError("log line not seen; log so far: %r" % self.log)

    def reconciles(self, timeout=0.0):
        """Reconcile lines seen so far, after draining for `timeout` s."""
        end = time.time() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, min(0.1, end - time.time())))
                self.log.append(json.loads(line))
            except queue.Empty:
                if time.time() >= end:
                    break
        return [d for d in self.log if d["msg"] == "reconcile done"]

    def get(self, path):
        try:
            with urllib.request.urlopen("http://127.0.0.1:%s%s" % (self.port, path),
                                        timeout=5) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def post(self, path, body, signature):
        req = urllib.request.Request("http://127.0.0.1:%s%s" % (self.port, path), data=body,
                                     method="POST")
        if signature:
            req.add_header("X-Hub-Signature-256", signature)
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code

    def stop(self, sig=signal.SIGTERM):
        if self.rc is not None:
            return self.rc
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.rc = self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            self.rc = "hung"
        self.reader.join(timeout=5)
        self.reconciles()  # keep the last lines
        self.proc.stderr.close()
        self.tmp.cleanup()
        return self.rc


def metrics(text):
    """Prometheus text -> {family name: family} (prometheus_client's parser)."""
    from prometheus_client.parser import text_string_to_metric_families
    return {f.name: f for f in text_string_to_metric_families(text)}


def sample(fams, family, name, **labels):
    for s in fams[family].samples:
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
            return s.value
    return None
