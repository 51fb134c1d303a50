#!/usr/bin/python3
"""What a plan and a watch tick cost under ECS's throttling (a script, not a
test: CI does not run it).

Against `ecs-local --throttle-profile ecs` (ECS's token buckets per group of
operations, docs/ecs-local.md "Throttling"), for each fleet size:

  plan   a no-change `ecsctl plan` in a fresh process (no local cache), for
         ecsctl BEFORE (--baseline-bin) and AFTER (--bin), next to sequential
         boto3 making the reads a no-change plan needs (bench/baseline.py):
         wall time, requests ecs-local saw and how many it throttled;
  tick   `ecsctl watch` (AFTER, and BEFORE up to --before-ticks-max services):
         requests and wall time of a steady-state reconcile (the ticks after
         the first);
  rss    VmRSS of one `ecsctl watch` over --rss-ticks reconciles at a short
         interval: after warm-up (the first tenth) and at the end.

The fleet (N services in --clusters clusters, one family each) is deployed by
BEFORE's own `ecsctl apply`, BEFORE measured, then a commit moves every
service to another image and AFTER's `ecsctl apply` deploys it (writing
whatever AFTER records on a deploy) and AFTER is measured: each plans the
fleet as it would have left it. Deploys run with the buckets switched
off (POST /_throttle); every measurement starts with them on and full, as
for a fresh CI job against a quiet account. Builds nothing.

    /usr/bin/python3 bench/cost.py --baseline-bin /tmp/ecsctl-before/build/bin
    /usr/bin/python3 bench/cost.py --quick      # 20 services, seconds
"""
import argparse
import http.client
import json
import os
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

import boto3
from botocore.config import Config

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import baseline  # noqa: E402
import fleet as fleetmod  # noqa: E402
import run as runmod  # noqa: E402

ROOT = runmod.ROOT
NEXT_IMAGE = "nginx:1.27"


def stats(url):
    return fleetmod.Raw(url).stats()


def throttle(url, enabled):
    """Buckets off, or back on and full (ecs-local's POST /_throttle)."""
    u = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    conn.request("POST", "/_throttle", json.dumps({"enabled": enabled}))
    r = conn.getresponse()
    r.read()
    conn.close()
    if r.status != 200:
        raise RuntimeError("POST /_throttle: %d" % r.status)


def counted(url, fn):
    """Runs fn() with the buckets full; (its result, wall s, requests,
    throttled) as ecs-local counted them."""
    throttle(url, False)
    throttle(url, True)
    before = stats(url)
    t = time.monotonic()
    out = fn()
    secs = time.monotonic() - t
    after = stats(url)
    thr = after["errors"].get("ThrottlingException", 0) - \
        before["errors"].get("ThrottlingException", 0)
    return out, secs, after["total"] - before["total"], thr


def deploy(bin_dir, url, repo):
    """The fleet as AFTER's apply deploys it, unthrottled."""
    throttle(url, False)
    rc, _, err, ms, _ = runmod.run_ecsctl(bin_dir, url, repo, "apply", "--auto-approve",
                                          "--poll-interval", "250ms", timeout=3600)
    if rc != 0:
        raise RuntimeError("apply of the fleet: exit %d: %s" % (rc, err[-2000:]))
    return ms / 1000


def plan_once(bin_dir, url, repo):
    rc, out, err, ms, rss = runmod.run_ecsctl(bin_dir, url, repo, "plan", "--output", "json",
                                              timeout=3600)
    if rc != 0:
        return {"error": "exit %d: %s" % (rc, err.strip().splitlines()[-1:])}
    doc = json.loads(out)
    return {"changes": len(doc.get("changes", [])), "rss_kib": rss}


def boto3_reads(url, fl):
    """The reads of a no-change plan, one at a time, as boto3 retries them
    (standard mode: backoff on ThrottlingException; enough attempts that
    none gives up)."""
    ecs = boto3.session.Session().client(
        "ecs", endpoint_url=url, region_name="us-east-1",
        aws_access_key_id="AKIDBENCH", aws_secret_access_key="bench",
        config=Config(retries={"mode": "standard", "total_max_attempts": 30}))
    ecs.list_clusters()  # connection and client set-up are not what we compare
    todo = baseline.reads(fl)

    def go():
        for _, method, kw in todo:
            getattr(ecs, method)(**kw)
        return {"calls": len(todo)}
    return go


class Watch:
    """`ecsctl watch` with JSON logs; `tick()` waits for the next reconcile."""

    def __init__(self, bin_dir, url, repo, interval):
        argv = [os.path.join(bin_dir, "ecsctl"), "watch", "--repo", repo, "--endpoint-url",
                url, "--region", "us-east-1", "--listen", "127.0.0.1:0", "--log-format",
                "json", "--interval", interval]
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     text=True, env=runmod.ecsctl_env())
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stderr:
            try:
                self.lines.put(json.loads(line))
            except ValueError:
                self.lines.put({"msg": line.strip()})
        self.lines.put(None)

    def tick(self, timeout=3600):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                d = self.lines.get(timeout=1)
            except queue.Empty:
                continue
            if d is None:
                raise RuntimeError("watch exited %s" % self.proc.poll())
            if d.get("msg") == "reconcile done":
                if d.get("result") == "failed":
                    raise RuntimeError("reconcile failed: %r" % d)
                return d
        raise RuntimeError("no reconcile in %d s" % timeout)

    def rss_kib(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def ticks(bin_dir, url, repo, interval, steady):
    """Requests and seconds of `steady` reconciles after the first. The
    interval lets the buckets refill between reconciles, as a real one
    (minutes) would; requests are ecs-local's count between two "reconcile
    done" lines (only watch talks to it meanwhile)."""
    throttle(url, False)
    throttle(url, True)
    w = Watch(bin_dir, url, repo, interval)
    out = []
    try:
        first = w.tick()
        mark = stats(url)
        for _ in range(steady):
            d = w.tick()
            now = stats(url)
            out.append({"seconds": float(d["seconds"]), "calls": now["total"] - mark["total"],
                        "throttled": now["errors"].get("ThrottlingException", 0) -
                        mark["errors"].get("ThrottlingException", 0),
                        "result": d.get("result")})
            mark = now
    finally:
        w.stop()
    return {"first_s": float(first["seconds"]), "steady": out}


def rss(bin_dir, url, repo, n_ticks, interval):
    """VmRSS after every reconcile of one watch process (buckets off: this
    is about memory, and 1,000 throttled ticks would take an hour)."""
    throttle(url, False)
    w = Watch(bin_dir, url, repo, interval)
    samples = []
    t = time.monotonic()
    try:
        for _ in range(n_ticks):
            w.tick()
            samples.append(w.rss_kib())
    finally:
        w.stop()
    warm = samples[max(0, len(samples) // 10 - 1)]
    return {"ticks": n_ticks, "warm_kib": warm, "final_kib": samples[-1],
            "max_after_warm_kib": max(samples[len(samples) // 10:]), "first_kib": samples[0],
            "growth_pct": round((samples[-1] - warm) * 100.0 / warm, 2),
            "wall_s": round(time.monotonic() - t, 1)}


def measure(args, n, row, name, bin_dir, url, repo):
    """One binary on the fleet it deployed itself, so that each plans its own
    "no change" (a build that tags services differently sees the other's
    tags as changes)."""
    row["deploy_%s_s" % name] = round(deploy(bin_dir, url, repo), 1)
    say("%d services deployed by %s in %.1f s" % (n, name, row["deploy_%s_s" % name]))
    if n in args.plan_sizes:
        res, secs, calls, thr = counted(url, lambda: plan_once(bin_dir, url, repo))
        row["plan_" + name] = dict(res, seconds=round(secs, 2), calls=calls, throttled=thr)
        say("plan %s %d: %r" % (name, n, row["plan_" + name]))
    if n in args.tick_sizes and (name == "after" or n <= args.before_ticks_max):
        row["tick_" + name] = ticks(bin_dir, url, repo, args.tick_interval,
                                    args.steady_ticks if name == "after" else 1)
        say("ticks %s %d: %r" % (name, n, row["tick_" + name]))


def bench_size(args, n, out):
    server = runmod.EcsLocal(args.ecs_local, "--throttle-profile", "ecs", "--latency-ms",
                             str(args.latency_ms), "--time-scale", "50", "--seed", "1")
    tmp = tempfile.mkdtemp(prefix="ecsctl-cost-")
    row = {"services": n, "clusters": args.clusters}
    out.append(row)
    try:
        fl = fleetmod.layout(n, args.clusters)
        fleetmod.write_repo(tmp, fl, 1)
        if args.baseline_bin:
            measure(args, n, row, "before", args.baseline_bin, server.url, tmp)
            # a deploy by AFTER (new image everywhere): what it records on a
            # service is written when it deploys, not by a no-change apply
            fleetmod.write_repo(tmp, fl, 1, image=NEXT_IMAGE)
        measure(args, n, row, "after", args.bin, server.url, tmp)
        if n in args.plan_sizes:
            res, secs, calls, thr = counted(server.url, boto3_reads(server.url, fl))
            row["boto3"] = dict(res, seconds=round(secs, 2), calls=calls, throttled=thr)
            say("boto3 %d: %r" % (n, row["boto3"]))
        if n == args.rss_services and args.rss_ticks > 0:
            row["rss"] = rss(args.bin, server.url, tmp, args.rss_ticks, args.rss_interval)
            say("rss %d: %r" % (n, row["rss"]))
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def say(msg):
    print("cost: " + msg, file=sys.stderr, flush=True)


def steady_median(t, key):
    return statistics.median(x[key] for x in t["steady"])


def report(rows, args):
    lines = ["", "No-change plan under --throttle-profile ecs (wall s / requests / throttled):",
             "", "| services | ecsctl before | ecsctl after | boto3 sequential |",
             "|---:|---:|---:|---:|"]

    def cell(r):
        if not r:
            return "-"
        if "error" in r:
            return "error: %s" % r["error"]
        return "%.2f s / %d / %d" % (r["seconds"], r["calls"], r["throttled"])
    for r in rows:
        if "boto3" in r:
            lines.append("| %s | %s | %s | %s |" % (
                format(r["services"], ","), cell(r.get("plan_before")),
                cell(r.get("plan_after")), cell(r["boto3"])))
    lines += ["", "Steady-state watch tick (median of the ticks after the first; "
              "requests / wall s / throttled):", "",
              "| services | after | before |", "|---:|---:|---:|"]
    for r in rows:
        if "tick_after" not in r:
            continue
        cells = []
        for k in ("tick_after", "tick_before"):
            t = r.get(k)
            cells.append("%d / %.2f s / %d" % (steady_median(t, "calls"),
                                                steady_median(t, "seconds"),
                                                steady_median(t, "throttled"))
                         if t else "-")
        lines.append("| %s | %s | %s |" % (format(r["services"], ","), *cells))
    for r in rows:
        if "rss" in r:
            m = r["rss"]
            lines += ["", "watch RSS, %d services, %d ticks at --interval %s (%.0f s): "
                      "first %d KiB, after warm-up (tick %d) %d KiB, final %d KiB, "
                      "max after warm-up %d KiB: %+.2f%%" % (
                          r["services"], m["ticks"], args.rss_interval, m["wall_s"],
                          m["first_kib"], max(1, m["ticks"] // 10), m["warm_kib"],
                          m["final_kib"], m["max_after_warm_kib"], m["growth_pct"])]
    return "\n".join(lines)


def sizes(s):
    return [int(x) for x in s.split(",") if x]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"),
                    help="AFTER: ecsctl and ecs-local (default build/bin)")
    ap.add_argument("--baseline-bin", help="BEFORE: a folder holding another build's ecsctl")
    ap.add_argument("--plan-sizes", type=sizes, default=[1000, 5000])
    ap.add_argument("--tick-sizes", type=sizes, default=[100, 1000, 5000])
    ap.add_argument("--before-ticks-max", type=int, default=1000,
                    help="largest fleet whose BEFORE tick is measured (each reads it twice)")
    ap.add_argument("--steady-ticks", type=int, default=2)
    ap.add_argument("--tick-interval", default="5s",
                    help="watch --interval for ticks (5 s: the largest bucket refills)")
    ap.add_argument("--rss-services", type=int, default=100)
    ap.add_argument("--rss-ticks", type=int, default=1000, help="0: no RSS run")
    ap.add_argument("--rss-interval", default="100ms")
    ap.add_argument("--clusters", type=int, default=10)
    ap.add_argument("--latency-ms", type=int, default=20)
    ap.add_argument("--quick", action="store_true",
                    help="20 services, 20 RSS ticks: checks the script, measures nothing")
    ap.add_argument("--json", help="write every figure to this file")
    args = ap.parse_args()
    if args.quick:
        args.plan_sizes = args.tick_sizes = [20]
        args.rss_services, args.rss_ticks, args.clusters = 20, 20, 2
        args.tick_interval, args.steady_ticks = "300ms", 1
    args.ecs_local = os.path.join(args.bin, "ecs-local")
    rows = []
    rss_sizes = {args.rss_services} if args.rss_ticks > 0 else set()
    for n in sorted(set(args.plan_sizes) | set(args.tick_sizes) | rss_sizes):
        bench_size(args, n, rows)
    mach = runmod.machine()
    print("machine: %s" % json.dumps(mach))
    print("command: %s" % " ".join(["/usr/bin/python3", "bench/cost.py", *sys.argv[1:]]))
    print(report(rows, args))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": mach, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
