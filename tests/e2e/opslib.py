"""Shared by the drift/status/watch/import e2e tests: a git repo made by the
test, an ecs-local on loopback (the conformance tests' launcher), running
ecsctl against it, building live state by hand with boto3, and a running
`ecsctl watch` whose JSON log lines and HTTP endpoints the tests read."""
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "conformance"))
import ecslocal  # noqa: E402

ECSCTL = os.environ.get("ECSCTL", "ecsctl")

CLUSTER = "kind: Cluster\nclusterName: shop\ntags: [{key: team, value: shop}]\n"
TASKDEF = """kind: TaskDefinition
family: web
requiresCompatibilities: [FARGATE]
networkMode: awsvpc
cpu: 256
memory: 512
containerDefinitions:
  - name: web
    image: nginx:1.25
    portMappings: [{containerPort: 80}]
    environment:
      - {name: DB_PASSWORD, value: hunter2}
      - {name: MODE, value: prod}
"""
NETCONF = {"awsvpcConfiguration": {"subnets": ["subnet-0abc1234def567890"],
                                   "securityGroups": ["sg-0123456789abcdef0"],
                                   "assignPublicIp": "DISABLED"}}
SERVICE = """kind: Service
cluster: shop
serviceName: web
taskDefinition: web
desiredCount: 2
launchType: FARGATE
networkConfiguration:
  awsvpcConfiguration:
    subnets: [subnet-0abc1234def567890]
    securityGroups: [sg-0123456789abcdef0]
    assignPublicIp: DISABLED
"""
FILES = {"ecsctl.yaml": "name: shop\nregion: us-east-1\n",
         "clusters/shop.yaml": CLUSTER, "task-definitions/web.yaml": TASKDEF,
         "services/web.yaml": SERVICE}


def git(repo, *args):
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    return subprocess.run(["git", "-C", repo, *args], check=True, env=env, text=True,
                          capture_output=True, timeout=30).stdout.strip()


class Repo:
    def __init__(self, files=None):
        self.tmp = tempfile.TemporaryDirectory(prefix="ecsctl-ops-")
        self.path = self.tmp.name
        git(self.path, "init", "-q", "-b", "main")
        self.commit(files or FILES, "initial")

    def commit(self, files, msg="change"):
        for name, text in files.items():
            full = os.path.join(self.path, name)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w") as f:
                f.write(text)
        git(self.path, "add", "-A")
        git(self.path, "commit", "-q", "-m", msg)
        self.sha = git(self.path, "rev-parse", "HEAD")
        return self.sha

    def close(self):
        self.tmp.cleanup()


def set_up(test, files=None):
    """A fresh ecs-local (an empty account) and repo for `test`, stopped and
    removed by its cleanups: test.server, test.ecs (boto3), test.repo."""
    test.server = ecslocal.Server().start()
    test.addCleanup(test.server.stop)
    test.ecs = test.server.client()
    test.repo = Repo(files)
    test.addCleanup(test.repo.close)


def env_for(server, extra=None):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AWS_") and k != "ECSCTL_GIT_TOKEN"}
    env.update(AWS_ACCESS_KEY_ID="AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY="secret",
               AWS_REGION="us-east-1", AWS_ENDPOINT_URL=server.url,
               AWS_EC2_METADATA_DISABLED="true", NO_COLOR="1")
    env.update(extra or {})
    return env


def run(server, *args, repo=None, timeout=60, extra_env=None):
    cmd = [ECSCTL, *args]
    if repo is not None:
        cmd += ["--repo", repo]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                       env=env_for(server, extra_env))
    return p.returncode, p.stdout, p.stderr


def deploy_by_hand(ecs, sha, desired=2):
    """What an apply of FILES would leave live, made with boto3 so that these
    tests do not depend on ecsctl apply."""
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


def wait_stable(ecs, cluster, names, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        svcs = ecs.describe_services(cluster=cluster, services=names)["services"]
        if all(len(s["deployments"]) == 1 and s["runningCount"] == s["desiredCount"]
               for s in svcs):
            return
        time.sleep(0.1)
    raise AssertionError("services not stable in time")


SECRET = b"s3cr3t-webhook"


class Watch:
    def __init__(self, server, repo, *args, env=None):
        self.tmp = tempfile.TemporaryDirectory(prefix="ecsctl-watch-")
        secret = os.path.join(self.tmp.name, "secret")
        with open(secret, "wb") as f:
            f.write(SECRET + b"\n")
        self.proc = subprocess.Popen(
            [ECSCTL, "watch", "--repo", repo, "--listen", "127.0.0.1:0",
             "--log-format", "json", "--webhook-secret-file", secret, *args],
            env=env_for(server, env), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True)
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
    return {f.name: f for f in text_string_to_metric_families(text)}


def sample(fams, family, name, **labels):
    for s in fams[family].samples:
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
            return s.value
    return None
