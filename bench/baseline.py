"""The reads a no-change plan needs, made the naive way, for comparison with
`ecsctl plan`: one call at a time with boto3 (Debian's python3-boto3), and
with the AWS CLI for a sample of calls (each call is a process), plus the
floor: the fewest calls and the shortest time any client could take.

The reads (the minimum for "does live equal git" with prune off):
  DescribeClusters       one call per 100 clusters
  DescribeServices       one call per 10 services of a cluster (include TAGS)
  DescribeTaskDefinition one call per family (its latest ACTIVE revision, include
                         TAGS); every service of the fleet runs that revision
"""
import os
import subprocess
import time

import boto3
from botocore.config import Config


def reads(fleet):
    """[(operation, boto3 method, kwargs)] in the order a sequential client
    would send them."""
    by_cluster = {}
    for c, name, _ in fleet:
        by_cluster.setdefault(c, []).append(name)
    clusters = sorted(by_cluster)
    out = []
    for i in range(0, len(clusters), 100):
        out.append(("DescribeClusters", "describe_clusters",
                    {"clusters": clusters[i:i + 100],
                     "include": ["SETTINGS", "CONFIGURATIONS", "TAGS"]}))
    for c in clusters:
        names = by_cluster[c]
        for i in range(0, len(names), 10):
            out.append(("DescribeServices", "describe_services",
                        {"cluster": c, "services": names[i:i + 10], "include": ["TAGS"]}))
    for _, _, family in fleet:
        out.append(("DescribeTaskDefinition", "describe_task_definition",
                    {"taskDefinition": family, "include": ["TAGS"]}))
    return out


def floor(fleet, concurrency, latency_ms, critical_path=1):
    """The minimum calls, and the minimum wall time at `concurrency` calls in
    flight: calls / concurrency x latency plus the round trips on the
    critical path. Every read above is independent of the others (the
    families are named in git, so their latest revision is described at the
    same time as the services), hence one round trip on the critical path;
    a service running another revision than the latest would add one."""
    calls = len(reads(fleet))
    ms = calls / concurrency * latency_ms + critical_path * latency_ms
    return calls, ms


def client(url):
    return boto3.session.Session().client(
        "ecs", endpoint_url=url, region_name="us-east-1",
        aws_access_key_id="AKIDBENCH", aws_secret_access_key="bench",
        config=Config(retries={"total_max_attempts": 5, "mode": "standard"}))


def boto3_sequential(url, fleet, limit=None):
    """Runs the reads one at a time. With `limit`, only the first `limit`
    calls of each operation are made and the total is extrapolated from
    their mean per operation. Returns (ms, calls_made, extrapolated)."""
    ecs = client(url)
    ecs.list_clusters()  # connection and client set-up are not what we compare
    todo = reads(fleet)
    per_op, seen = {}, {}
    start = time.monotonic()
    for op, method, kw in todo:
        if limit is not None and seen.get(op, 0) >= limit:
            continue
        t = time.monotonic()
        getattr(ecs, method)(**kw)
        per_op.setdefault(op, []).append(time.monotonic() - t)
        seen[op] = seen.get(op, 0) + 1
    elapsed = (time.monotonic() - start) * 1000
    made = sum(seen.values())
    if made == len(todo):
        return elapsed, made, False
    total = 0.0
    for op, _, _ in todo:
        total += sum(per_op[op]) / len(per_op[op]) * 1000
    return total, made, True


def awscli_sample(url, fleet, per_op=3):
    """`aws ecs ...` for `per_op` calls of each operation, extrapolated to all
    the reads from the mean time per operation. Returns (ms, calls_made)."""
    env = dict(os.environ, AWS_ACCESS_KEY_ID="AKIDBENCH", AWS_SECRET_ACCESS_KEY="bench",
               AWS_DEFAULT_REGION="us-east-1", AWS_PAGER="")
    cmds = {"describe_clusters": "describe-clusters", "describe_services": "describe-services",
            "describe_task_definition": "describe-task-definition"}
    todo = reads(fleet)
    times, seen = {}, {}
    for op, method, kw in todo:
        if seen.get(op, 0) >= per_op:
            continue
        argv = ["aws", "--endpoint-url", url, "--output", "json", "ecs", cmds[method]]
        for k, v in kw.items():
            flag = "--" + "".join("-" + ch.lower() if ch.isupper() else ch for ch in k)
            argv.append(flag)
            argv.extend(v if isinstance(v, list) else [v])
        t = time.monotonic()
        subprocess.run(argv, check=True, env=env, stdout=subprocess.DEVNULL, timeout=60)
        times.setdefault(op, []).append(time.monotonic() - t)
        seen[op] = seen.get(op, 0) + 1
    total = sum(sum(times[op]) / len(times[op]) * 1000 for op, _, _ in todo)
    return total, sum(seen.values())


def min_calls_by_op(fleet):
    out = {}
    for op, _, _ in reads(fleet):
        out[op] = out.get(op, 0) + 1
    return out
