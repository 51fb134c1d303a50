#!/usr/bin/python3
"""Concurrent writers against one ecs-local (a script, not a test: CI does not
run it; tests/e2e/test_lock.py and test_concurrency.py are the tests).

Per trial: a fresh ecs-local and a copy of tests/e2e/repos/shop, applied once;
then a commit that moves web and worker to a new image, applied by N writers
started at the same moment (`ecsctl apply --auto-approve`). Counted per row
(N writers x trials, one ecsctl build, with or without `lock:`):

- duplicate revisions: RegisterTaskDefinition calls beyond the 2 the change
  needs (web and worker);
- lost updates: trials that ended with live ECS not running git's images
  (web or worker on the old image: a writer rolled the others back);
- false successes: trials where a writer exited 0 but live ended off git;
- exit codes of all writers.

With the lease the writers wait for each other (--lock-timeout 5m): one
registers and deploys, the others plan "No changes". --before-rev REV runs
the same trials with ecsctl built from REV (cached in the temporary folder).

    /usr/bin/python3 bench/concurrency.py --before-rev baec60b
"""
import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import ROOT, EcsLocal, build_rev, machine  # noqa: E402

import boto3  # noqa: E402  (Debian's python3-boto3)
from botocore.config import Config  # noqa: E402

SHOP = os.path.join(ROOT, "tests", "e2e", "repos", "shop")
NEW = "2.0.0"


def git(repo, *args):
    subprocess.run(["git", "-c", "user.email=b@example.com", "-c", "user.name=bench", *args],
                   cwd=repo, check=True, capture_output=True)


def env(url):
    e = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    e.update(AWS_ACCESS_KEY_ID="AKIDBENCH", AWS_SECRET_ACCESS_KEY="secret",
             AWS_REGION="us-east-1", NO_COLOR="1")
    return e


def apply(ecsctl, url, repo, *extra):
    return subprocess.run([ecsctl, "apply", "--auto-approve", "--repo", repo, "--path",
                           "examples", "--endpoint-url", url, "--poll-interval", "200ms",
                           "--timeout", "60s", *extra],
                          capture_output=True, text=True, env=env(url), timeout=600)


def images(url):
    c = boto3.client("ecs", endpoint_url=url, region_name="us-east-1",
                     aws_access_key_id="AKIDBENCH", aws_secret_access_key="secret",
                     config=Config(retries={"total_max_attempts": 3}))
    out = {}
    for s in c.describe_services(cluster="shop", services=["web", "worker"])["services"]:
        td = c.describe_task_definition(taskDefinition=s["taskDefinition"])["taskDefinition"]
        out[s["serviceName"]] = td["containerDefinitions"][0]["image"].rsplit(":", 1)[1]
    return out


def trial(ecsctl, ecs_local, writers, lock, workdir):
    repo = tempfile.mkdtemp(prefix="bench-conc-", dir=workdir)
    shutil.copytree(SHOP, os.path.join(repo, "examples"))
    git(repo, "init", "-q", "-b", "main")
    if lock:
        with open(os.path.join(repo, "examples", "ecsctl.yaml"), "a") as f:
            f.write("lock: {backend: file, path: %s}\n" % os.path.join(repo, "deploy.lock"))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "shop")
    srv = EcsLocal(ecs_local, "--time-scale", "50")
    try:
        first = apply(ecsctl, srv.url, repo)
        if first.returncode:
            raise RuntimeError("first apply failed: " + first.stderr[-2000:])
        # the change: both families on a new image
        for rel in ("task-definitions/web.yaml", "task-definitions/worker.yaml"):
            path = os.path.join(repo, "examples", rel)
            with open(path) as f:
                text = f.read()
            with open(path, "w") as f:
                f.write(text.replace("${IMAGE_TAG:-1.25.3}", NEW)
                        .replace("${WORKER_TAG:-1.4.2}", NEW))
        git(repo, "commit", "-qam", "new image")
        before = srv_stats(srv.url)
        codes, gate = [None] * writers, threading.Barrier(writers)
        extra = ("--lock-timeout", "5m") if lock else ()

        errors = []

        def one(i):
            gate.wait()
            r = apply(ecsctl, srv.url, repo, *extra)
            codes[i] = r.returncode
            if r.returncode not in (0, 3):
                errors.append(r.stderr.strip().splitlines()[-1])
        threads = [threading.Thread(target=one, args=(i,)) for i in range(writers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        after = srv_stats(srv.url)
        live = images(srv.url)
    finally:
        srv.stop()
        shutil.rmtree(repo, ignore_errors=True)
    regs = after.get("RegisterTaskDefinition", 0) - before.get("RegisterTaskDefinition", 0)
    lost = any(v != NEW for v in live.values())
    for e in errors:
        print("  exit 1: %s" % e, file=sys.stderr)
    return {"dups": max(0, regs - 2), "lost": lost, "codes": codes,
            "false_ok": lost and 0 in codes}


def srv_stats(url):
    with urllib.request.urlopen(url + "/_stats", timeout=10) as r:
        return json.load(r)["requests"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--writers", default="2,4")
    ap.add_argument("--trials", type=int, default=6)
    ap.add_argument("--before-rev", help="also run ecsctl built from this git revision")
    ap.add_argument("--ecsctl", default=os.path.join(ROOT, "build", "bin", "ecsctl"))
    ap.add_argument("--ecs-local", default=os.path.join(ROOT, "build", "bin", "ecs-local"))
    args = ap.parse_args()
    builds = [("this build", args.ecsctl, True), ("this build", args.ecsctl, False)]
    if args.before_rev:
        builds.insert(0, ("before (%s)" % args.before_rev,
                          build_rev(args.before_rev, "ecsctl"), False))
    m = machine()
    print("%s, nproc %d, load average %.1f" % (m["date"], m["nproc"], m["load_avg"][0]))
    print("| ecsctl | lock | writers x trials | duplicate revisions | lost updates "
          "| false successes | exit codes |")
    print("|---|---|---|---:|---:|---:|---|")
    with tempfile.TemporaryDirectory(prefix="bench-conc-") as work:
        for name, binary, lock in builds:
            for n in [int(x) for x in args.writers.split(",")]:
                t0 = time.monotonic()
                rows = [trial(binary, args.ecs_local, n, lock, work)
                        for _ in range(args.trials)]
                codes = collections.Counter(c for r in rows for c in r["codes"])
                print("| %s | %s | %d x %d | %d | %d | %d | %s | (%.0f s)" % (
                    name, "file" if lock else "none", n, args.trials,
                    sum(r["dups"] for r in rows), sum(r["lost"] for r in rows),
                    sum(r["false_ok"] for r in rows),
                    ", ".join("%d: %d" % (k, v) for k, v in sorted(codes.items())),
                    time.monotonic() - t0), flush=True)


if __name__ == "__main__":
    main()
