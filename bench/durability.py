#!/usr/bin/python3
"""ecs-local --state: write throughput with the journal, and what kill -9 loses
(a script, not a test: CI does not run it; tests/conformance/test_durability.py
is the test).

Two binaries side by side: the current build (build/bin/ecs-local, or --after)
and an older one (--before BIN, or --before-rev REV, built here from `git
archive REV` into a cache folder).

- Throughput: W threads send RegisterTaskDefinition (one family, so every
  call takes the next revision) on keep-alive connections for S seconds;
  requests/s and p50/p99 latency, without --state and with it.
- Durability: per trial a fresh state, W writers register revisions, the
  server gets SIGKILL after a random 0.2-0.6 s, is started again on the same
  state, and every acknowledged revision is read back: lost (missing),
  changed (another image), and how many numbers handed out after the restart
  had already been acknowledged for other content (reused).

    /usr/bin/python3 bench/durability.py --before-rev fa34a06
"""
import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fleet  # noqa: E402
from run import ROOT, EcsLocal, build_rev, machine  # noqa: E402

AFTER_REUSE_PROBES = 20


def td(family, image):
    return {"family": family,
            "containerDefinitions": [{"name": "app", "image": image, "memory": 64}]}


def throughput(binary, state_dir, writers, seconds):
    args = ("--state", os.path.join(state_dir, "state.json")) if state_dir else ()
    srv = EcsLocal(binary, *args)
    raw = fleet.Raw(srv.url)
    lat, lock, end = [], threading.Lock(), time.monotonic() + seconds
    before = raw.stats().get("journal", {})

    def writer(i):
        n, mine = 0, []
        while time.monotonic() < end:
            t0 = time.monotonic()
            raw.call("RegisterTaskDefinition", td("tp", "img:%d-%d" % (i, n)))
            mine.append(time.monotonic() - t0)
            n += 1
        with lock:
            lat.extend(mine)

    t0 = time.monotonic()
    threads = [threading.Thread(target=writer, args=(i,)) for i in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - t0
    after = raw.stats().get("journal", {})
    srv.stop()
    lat.sort()
    out = {"requests": len(lat), "rps": len(lat) / wall,
           "p50_ms": statistics.median(lat) * 1000,
           "p99_ms": lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000}
    if after.get("syncs") is not None:
        syncs = after["syncs"] - before.get("syncs", 0)
        out["writes_per_sync"] = len(lat) / syncs if syncs else None
    return out


def one_trial(binary, writers, rng):
    """(acknowledged, lost, changed, reused) for one kill -9."""
    d = tempfile.mkdtemp(prefix="ecs-local-dur-")
    state = os.path.join(d, "state.json")
    try:
        srv = EcsLocal(binary, "--state", state)
        raw = fleet.Raw(srv.url)
        acked, lock, dead = {}, threading.Lock(), threading.Event()

        def writer(i):
            n = 0
            while not dead.is_set():
                image = "img:%d-%d" % (i, n)
                try:
                    rev = raw.call("RegisterTaskDefinition",
                                   td("d", image))["taskDefinition"]["revision"]
                except (RuntimeError, OSError, ValueError):
                    return  # the server is gone: this one was never acknowledged
                with lock:
                    acked[rev] = image
                n += 1

        threads = [threading.Thread(target=writer, args=(i,)) for i in range(writers)]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.2, 0.6))
        srv.proc.kill()
        dead.set()
        srv.proc.wait()
        srv.proc.stdout.close()
        for t in threads:
            t.join()

        srv = EcsLocal(binary, "--state", state)
        raw = fleet.Raw(srv.url)
        lost = changed = 0
        for rev, image in acked.items():
            try:
                got = raw.call("DescribeTaskDefinition", {"taskDefinition": "d:%d" % rev})
            except RuntimeError:
                lost += 1
                continue
            changed += got["taskDefinition"]["containerDefinitions"][0]["image"] != image
        reused = 0
        for k in range(AFTER_REUSE_PROBES):
            rev = raw.call("RegisterTaskDefinition",
                           td("d", "after:%d" % k))["taskDefinition"]["revision"]
            reused += rev in acked
        srv.stop()
        return len(acked), lost, changed, reused
    finally:
        shutil.rmtree(d, ignore_errors=True)


def durability(binary, trials, writers, seed):
    rng = random.Random(seed)
    rows = [one_trial(binary, writers, rng) for _ in range(trials)]
    return {"trials": trials, "acked": sum(r[0] for r in rows),
            "lost": sum(r[1] for r in rows), "changed": sum(r[2] for r in rows),
            "reused": sum(r[3] for r in rows),
            "trials_with_loss": sum(1 for r in rows if r[1] or r[2])}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--after", default=os.path.join(ROOT, "build", "bin", "ecs-local"))
    ap.add_argument("--before", help="an older ecs-local binary")
    ap.add_argument("--before-rev", help="build the older ecs-local from this git revision")
    ap.add_argument("--writers", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", help="write every figure here too")
    args = ap.parse_args()
    builds = [("after", args.after)]
    before = args.before or (build_rev(args.before_rev) if args.before_rev else None)
    if before:
        builds.insert(0, ("before (%s)" % (args.before_rev or args.before), before))
    out = {"machine": machine(), "writers": args.writers, "runs": []}
    for label, binary in builds:
        run = {"build": label}
        with tempfile.TemporaryDirectory(prefix="ecs-local-tp-") as d:
            run["memory"] = throughput(binary, None, args.writers, args.seconds)
            run["state"] = throughput(binary, d, args.writers, args.seconds)
        run["kill9"] = durability(binary, args.trials, args.writers, args.seed)
        out["runs"].append(run)

    m = out["machine"]
    print("%s, nproc %d, load %.1f, %d writers, %.0f s each\n" % (
        m["date"], m["nproc"], m["load_avg"][0], args.writers, args.seconds))
    print("| ecs-local | state | requests/s | p50 | p99 | writes per fsync |")
    print("|---|---|---:|---:|---:|---:|")
    for run in out["runs"]:
        for key, label in (("memory", "none"), ("state", "--state")):
            r = run[key]
            wps = r.get("writes_per_sync")
            print("| %s | %s | %.0f | %.2f ms | %.2f ms | %s |" % (
                run["build"], label, r["rps"], r["p50_ms"], r["p99_ms"],
                "%.1f" % wps if wps else "-"))
    print("\n| ecs-local | kill -9 trials | acknowledged writes | lost | changed | "
          "trials with a loss | numbers reused (of %d per trial) |" % AFTER_REUSE_PROBES)
    print("|---|---:|---:|---:|---:|---:|---:|")
    for run in out["runs"]:
        k = run["kill9"]
        print("| %s | %d | %d | %d | %d | %d | %d |" % (
            run["build"], k["trials"], k["acked"], k["lost"], k["changed"],
            k["trials_with_loss"], k["reused"]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
