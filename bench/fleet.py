"""Fleet generator for the benchmarks: N services in C clusters, one task
definition family per service, loaded straight into ecs-local (raw JSON 1.1
calls from a thread pool on keep-alive connections: much faster than boto3)
and written as the matching desired-state repository (a temporary git repo),
so that `ecsctl plan` on it finds no change.

Stdlib only. Used by bench/run.py; also runnable on its own:

    /usr/bin/python3 bench/fleet.py --url http://127.0.0.1:4566 --services 100 \
        --clusters 2 --repo /tmp/fleet
"""
import argparse
import concurrent.futures
import http.client
import json
import os
import subprocess
import threading
import urllib.parse

TARGET = "AmazonEC2ContainerServiceV20141113."
OWNER = "bench"
IMAGE = "nginx:1.25"


class Raw:
    """Unsigned ECS calls to ecs-local (it accepts any caller without
    --require-sigv4), one keep-alive connection per thread."""

    def __init__(self, url):
        u = urllib.parse.urlparse(url)
        self.host, self.port = u.hostname, u.port
        self.local = threading.local()

    def call(self, op, body):
        for attempt in range(5):
            conn = getattr(self.local, "conn", None)
            if conn is None:
                conn = self.local.conn = http.client.HTTPConnection(
                    self.host, self.port, timeout=60)
            try:
                conn.request("POST", "/", json.dumps(body), {
                    "X-Amz-Target": TARGET + op,
                    "Content-Type": "application/x-amz-json-1.1"})
                r = conn.getresponse()
                data = r.read()
            except (OSError, http.client.HTTPException):
                conn.close()
                self.local.conn = None
                continue
            doc = json.loads(data or b"{}")
            if r.status == 200:
                return doc
            if doc.get("__type") in ("ThrottlingException", "ServerException"):
                continue
            raise RuntimeError("%s: %s %s" % (op, r.status, doc))
        raise RuntimeError("%s: gave up after 5 attempts" % op)

    def stats(self):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        conn.request("GET", "/_stats")
        doc = json.loads(conn.getresponse().read())
        conn.close()
        return doc


def layout(services, clusters):
    """[(cluster, service, family)]: services spread round-robin over the
    clusters, so each cluster holds services // clusters (+1)."""
    out = []
    for i in range(services):
        c = "bench-%02d" % (i % clusters)
        name = "svc-%05d" % i
        out.append((c, name, name))
    return out


def taskdef(family, image=IMAGE):
    return {"family": family,
            "containerDefinitions": [{"name": "app", "image": image, "memory": 128,
                                      "essential": True}]}


def service(cluster, name, family, count):
    return {"cluster": cluster, "serviceName": name, "taskDefinition": family,
            "desiredCount": count, "launchType": "EC2"}


def owner_tags(sha=None):
    tags = [{"key": "ecsctl:owner", "value": OWNER}]
    if sha:
        tags.append({"key": "ecsctl:revision", "value": sha})
    return tags


def git(repo, *args):
    env = dict(os.environ, GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.com",
               GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.com")
    return subprocess.run(["git", "-C", repo, *args], check=True, env=env,
                          capture_output=True, text=True).stdout.strip()


def write_repo(repo, fleet, count, image=IMAGE, only=None):
    """Writes the desired state (one file per service holding its task
    definition and service) and commits it; returns the commit sha. With
    `only` (a set of service names), rewrites just those files."""
    if not os.path.isdir(os.path.join(repo, ".git")):
        os.makedirs(repo, exist_ok=True)
        git(repo, "init", "-q")
    with open(os.path.join(repo, "ecsctl.yaml"), "w") as f:
        f.write("name: %s\nregion: us-east-1\nprune: false\n" % OWNER)
    clusters = sorted({c for c, _, _ in fleet})
    with open(os.path.join(repo, "clusters.yaml"), "w") as f:
        f.write("\n---\n".join("kind: Cluster\nclusterName: %s\n" % c for c in clusters))
    for c, name, family in fleet:
        if only is not None and name not in only:
            continue
        d = os.path.join(repo, "services", c)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, name + ".yaml"), "w") as f:
            f.write("kind: TaskDefinition\nfamily: %s\ncontainerDefinitions:\n"
                    "  - {name: app, image: %s, memory: 128, essential: true}\n---\n"
                    "kind: Service\ncluster: %s\nserviceName: %s\ntaskDefinition: %s\n"
                    "desiredCount: %d\nlaunchType: EC2\n" % (family, image, c, name, family,
                                                             count))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", "fleet")
    return git(repo, "rev-parse", "HEAD")


def populate(url, fleet, count, sha, threads=32):
    """Creates the clusters, registers one revision per family and creates
    each service, all tagged as ecsctl would have tagged them."""
    raw = Raw(url)
    clusters = sorted({c for c, _, _ in fleet})
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda c: raw.call("CreateCluster", {
            "clusterName": c, "tags": owner_tags()}), clusters))

        def one(item):
            c, name, family = item
            td = dict(taskdef(family), tags=owner_tags())
            arn = raw.call("RegisterTaskDefinition", td)["taskDefinition"]["taskDefinitionArn"]
            s = dict(service(c, name, family, count), taskDefinition=arn,
                     tags=owner_tags(sha))
            raw.call("CreateService", s)

        list(pool.map(one, fleet))
    return raw


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--services", type=int, default=100)
    ap.add_argument("--clusters", type=int, default=0, help="default: services / 100, >= 1")
    ap.add_argument("--count", type=int, default=1, help="desiredCount of each service")
    ap.add_argument("--repo", required=True)
    a = ap.parse_args()
    fleet = layout(a.services, a.clusters or max(1, a.services // 100))
    sha = write_repo(a.repo, fleet, a.count)
    populate(a.url, fleet, a.count, sha)
    print("fleet: %d services, repo %s at %s" % (len(fleet), a.repo, sha))


if __name__ == "__main__":
    main()
