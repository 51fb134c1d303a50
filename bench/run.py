#!/usr/bin/python3
"""ecsctl benchmarks against ecs-local (a script, not a test: CI does not run it).

For each fleet size: starts ecs-local with --latency-ms 20, loads N services in
C clusters (one family per service) straight into it, writes the matching
desired-state repo (a temp git repo), then measures a no-change `ecsctl plan`
(wall time, API calls by operation from the plan JSON's stats, peak RSS with
/usr/bin/time -f %M) next to sequential boto3 doing the same reads, the AWS CLI
for a sample (extrapolated, marked ~), and the floor (minimum calls;
calls / concurrency x latency + critical-path round trips). Then the apply
measurement: one apply that updates K services against one that updates 1.

Builds nothing: uses build/bin (or --bin DIR). Prints a table and, with
--json FILE, writes every figure.

    /usr/bin/python3 bench/run.py                 # 100, 1,000 and 5,000 services
    /usr/bin/python3 bench/run.py --quick         # 100 services, a CI-sized run
"""
import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import baseline  # noqa: E402
import fleet as fleetmod  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class EcsLocal:
    def __init__(self, binary, *args):
        self.proc = subprocess.Popen(
            [binary, "--listen", "127.0.0.1:0", *args],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("listening on "):
            self.proc.kill()
            raise RuntimeError("ecs-local did not start: %r" % line)
        self.url = line.split(" ", 2)[2]

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()


def ecsctl_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="AKIDBENCH", AWS_SECRET_ACCESS_KEY="bench",
               AWS_REGION="us-east-1", NO_COLOR="1")
    return env


def run_ecsctl(bin_dir, url, repo, cmd, *args, timeout=900):
    """Runs ecsctl under /usr/bin/time; returns (rc, stdout, stderr, wall ms,
    peak RSS KiB)."""
    rss_file = tempfile.NamedTemporaryFile(prefix="ecsctl-rss-", delete=False)
    rss_file.close()
    argv = ["/usr/bin/time", "-f", "%M", "-o", rss_file.name,
            os.path.join(bin_dir, "ecsctl"), cmd, "--repo", repo, "--endpoint-url", url,
            "--region", "us-east-1", *args]
    t = time.monotonic()
    p = subprocess.run(argv, capture_output=True, text=True, env=ecsctl_env(),
                       timeout=timeout)
    ms = (time.monotonic() - t) * 1000
    with open(rss_file.name) as f:
        lines = [x for x in f.read().split() if x.isdigit()]
    os.unlink(rss_file.name)
    return p.returncode, p.stdout, p.stderr, ms, int(lines[-1]) if lines else 0


def plan_json(bin_dir, url, repo):
    rc, out, err, ms, rss = run_ecsctl(bin_dir, url, repo, "plan", "--output", "json")
    if rc != 0:
        return None, "exit %d: %s" % (rc, err.strip().splitlines()[-1] if err.strip() else "")
    try:
        doc = json.loads(out)
    except ValueError:
        return None, "not JSON: %r" % out[:200]
    return {"doc": doc, "ms": ms, "rss_kib": rss}, None


def bench_plan(args, n):
    clusters = args.clusters
    server = EcsLocal(args.ecs_local, "--latency-ms", str(args.latency_ms), "--time-scale",
                      "50", "--seed", "1")
    tmp = tempfile.mkdtemp(prefix="ecsctl-bench-")
    row = {"services": n, "clusters": clusters}
    try:
        fl = fleetmod.layout(n, clusters)
        t = time.monotonic()
        sha = fleetmod.write_repo(tmp, fl, 1)
        raw = fleetmod.populate(args.url_override or server.url, fl, 1, sha,
                                threads=args.load_threads)
        row["load_s"] = round(time.monotonic() - t, 1)
        time.sleep(1.0)  # let every first deployment complete (time scale 50)

        min_by_op = baseline.min_calls_by_op(fl)
        row["min_calls"], row["floor_ms"] = baseline.floor(
            fl, args.concurrency, args.latency_ms)
        row["min_by_op"] = min_by_op

        first, why = plan_json(args.bin, server.url, tmp)
        if first is None:
            row["plan_error"] = why
        else:
            row["changes_first"] = len(first["doc"].get("changes", []))
            runs = []
            for _ in range(args.repeat):
                before = raw.stats()["total"]
                r, why = plan_json(args.bin, server.url, tmp)
                if r is None:
                    row["plan_error"] = why
                    break
                r["server_calls"] = raw.stats()["total"] - before  # /_stats is not counted
                runs.append(r)
            if runs:
                best = sorted(runs, key=lambda r: r["ms"])[len(runs) // 2]
                stats = best["doc"].get("stats", {})
                row["plan_ms"] = round(statistics.median(r["ms"] for r in runs))
                row["plan_ms_all"] = [round(r["ms"]) for r in runs]
                row["plan_wall_ms_stat"] = stats.get("wallMs")
                row["api_calls"] = stats.get("apiCalls", {})
                row["api_total"] = sum(row["api_calls"].values())
                row["server_calls"] = best["server_calls"]
                row["rss_kib"] = max(r["rss_kib"] for r in runs)
                row["changes"] = len(best["doc"].get("changes", []))

        limit = None if n <= args.boto3_full_max else args.boto3_sample
        ms, made, extra = baseline.boto3_sequential(server.url, fl, limit)
        row["boto3_ms"], row["boto3_calls"], row["boto3_extrapolated"] = round(ms), made, extra
        if not args.no_cli:
            ms, made = baseline.awscli_sample(server.url, fl, args.cli_sample)
            row["awscli_ms"], row["awscli_calls"] = round(ms), made
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return row


def bench_apply(args, n, changed):
    """Apply of an image change to 1 service, then to `changed` services, on a
    fleet of `n`; ecs-local at --time-scale 5 so that one rolling deploy
    takes about 2 s of wall time and waiting dominates."""
    server = EcsLocal(args.ecs_local, "--latency-ms", str(args.latency_ms), "--time-scale",
                      str(args.apply_time_scale), "--seed", "2")
    tmp = tempfile.mkdtemp(prefix="ecsctl-bench-apply-")
    row = {"services": n, "changed": changed}
    try:
        fl = fleetmod.layout(n, args.clusters)
        sha = fleetmod.write_repo(tmp, fl, 1)
        fleetmod.populate(server.url, fl, 1, sha, threads=args.load_threads)
        time.sleep(20.0 / args.apply_time_scale)  # first deployments complete
        for label, k, image in (("one", 1, "nginx:1.26"), ("many", changed, "nginx:1.27")):
            names = {name for _, name, _ in fl[:k]}
            fleetmod.write_repo(tmp, fl, 1, image=image, only=names)
            rc, out, err, ms, rss = run_ecsctl(args.bin, server.url, tmp, "apply",
                                               "--auto-approve", "--poll-interval",
                                               args.poll_interval)
            row[label + "_rc"], row[label + "_ms"], row[label + "_rss_kib"] = rc, round(ms), rss
            if rc != 0:
                row[label + "_error"] = err.strip().splitlines()[-3:]
                break
            p, why = plan_json(args.bin, server.url, tmp)
            row[label + "_after_changes"] = len(p["doc"]["changes"]) if p else why
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return row


def build_rev(rev, target="ecs-local"):
    """`target` (ecs-local or ecsctl) built from git revision `rev`, cached by
    commit id in the temporary folder; returns the binary's path."""
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", rev], check=True,
                            capture_output=True, text=True).stdout.strip()
    cache = os.path.join(tempfile.gettempdir(), "ecs-local-" + commit[:12])
    binary = os.path.join(cache, "build", "bin", target)
    if not os.path.exists(binary):
        os.makedirs(cache, exist_ok=True)
        if not os.path.exists(os.path.join(cache, "CMakeLists.txt")):
            archive = subprocess.Popen(["git", "-C", ROOT, "archive", commit],
                                       stdout=subprocess.PIPE)
            subprocess.run(["tar", "-x", "-C", cache], stdin=archive.stdout, check=True)
            archive.wait()
        subprocess.run(["cmake", "-S", cache, "-B", os.path.join(cache, "build"),
                        "-DCMAKE_BUILD_TYPE=Release"], check=True, capture_output=True)
        subprocess.run(["cmake", "--build", os.path.join(cache, "build"), "--target",
                        target, "-j2"], check=True, capture_output=True)
    return binary


def machine():
    cpu = next((ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo")
                if ln.startswith("model name")), platform.processor())
    mem = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout
    return {"nproc": os.cpu_count(), "cpu": cpu, "mem_total": mem.split("\n")[1].split()[1],
            "load_avg": os.getloadavg(), "kernel": platform.release(),
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def fmt_ms(ms, approx=False):
    if ms is None:
        return "-"
    s = "%.2f s" % (ms / 1000) if ms >= 1000 else "%d ms" % ms
    return ("~" + s) if approx else s


def table(rows, apply_rows, mach, args):
    out = ["machine: %s, nproc %d, %s RAM, load %.1f; ecs-local --latency-ms %d; "
           "floor at concurrency %d" % (mach["cpu"], mach["nproc"], mach["mem_total"],
                                        mach["load_avg"][0], args.latency_ms, args.concurrency),
           "",
           "| services | ecsctl plan | API calls (min) | calls/min | peak RSS | boto3 seq. "
           "| vs boto3 | AWS CLI (~) | floor | vs floor |",
           "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        plan = r.get("plan_ms")
        calls = r.get("api_total")
        out.append("| %s | %s | %s (%d) | %s | %s | %s | %s | %s | %s | %s |" % (
            "{:,}".format(r["services"]),
            fmt_ms(plan) if plan else "n/a",
            calls if calls is not None else "-", r["min_calls"],
            "%.2fx" % (calls / r["min_calls"]) if calls else "-",
            "%.1f MiB" % (r["rss_kib"] / 1024) if r.get("rss_kib") else "-",
            fmt_ms(r["boto3_ms"], r["boto3_extrapolated"]),
            "%.1fx" % (r["boto3_ms"] / plan) if plan else "-",
            fmt_ms(r.get("awscli_ms"), True) if r.get("awscli_ms") else "-",
            fmt_ms(r["floor_ms"]),
            "%.2fx" % (plan / r["floor_ms"]) if plan else "-"))
    out.append("")
    for r in rows:
        if r.get("plan_error"):
            out.append("%d services: ecsctl plan failed: %s" % (r["services"], r["plan_error"]))
        if r.get("api_calls"):
            out.append("%d services: apiCalls %s; minimum %s; server saw %s; first plan "
                       "changes %s, measured plans changes %s; runs %s" % (
                           r["services"], json.dumps(r["api_calls"], sort_keys=True),
                           json.dumps(r["min_by_op"], sort_keys=True), r.get("server_calls"),
                           r.get("changes_first"), r.get("changes"), r.get("plan_ms_all")))
    for a in apply_rows:
        out.append("apply on %d services: 1 changed %s (rc %s), %d changed %s (rc %s); "
                   "ratio %s (the sum would be %dx); plan after: %s / %s" % (
                       a["services"], fmt_ms(a.get("one_ms")), a.get("one_rc"), a["changed"],
                       fmt_ms(a.get("many_ms")), a.get("many_rc"),
                       "%.2f" % (a["many_ms"] / a["one_ms"]) if a.get("many_ms") else "-",
                       a["changed"],
                       a.get("one_after_changes"), a.get("many_after_changes")))
        for k in ("one_error", "many_error"):
            if a.get(k):
                out.append("  %s: %s" % (k, a[k]))
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"))
    ap.add_argument("--sizes", default="100,1000,5000")
    ap.add_argument("--quick", action="store_true", help="100 services, no AWS CLI")
    ap.add_argument("--clusters", type=int, default=10)
    ap.add_argument("--latency-ms", type=int, default=20)
    ap.add_argument("--concurrency", type=int, default=32,
                    help="ecsctl's calls in flight (its default), for the floor")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--boto3-full-max", type=int, default=1000,
                    help="above this many services boto3 runs a sample, extrapolated")
    ap.add_argument("--boto3-sample", type=int, default=200, help="calls per operation")
    ap.add_argument("--cli-sample", type=int, default=3, help="AWS CLI calls per operation")
    ap.add_argument("--no-cli", action="store_true")
    ap.add_argument("--no-apply", action="store_true")
    ap.add_argument("--apply-services", type=int, default=100)
    ap.add_argument("--apply-time-scale", type=float, default=5)
    ap.add_argument("--poll-interval", default="250ms", help="apply's wait polling")
    ap.add_argument("--load-threads", type=int, default=32)
    ap.add_argument("--url-override", help=argparse.SUPPRESS)
    ap.add_argument("--json", help="write every figure to this file")
    args = ap.parse_args()
    if args.quick:
        args.sizes, args.no_cli, args.repeat = "100", True, 1
    args.ecs_local = os.path.join(args.bin, "ecs-local")
    for b in ("ecsctl", "ecs-local"):
        if not os.access(os.path.join(args.bin, b), os.X_OK):
            sys.exit("bench: %s/%s not built (sh scripts/build.sh build)" % (args.bin, b))
    if not os.access("/usr/bin/time", os.X_OK):
        sys.exit("bench: /usr/bin/time missing (Debian package 'time'; scripts/setup.sh)")

    mach = machine()
    rows, apply_rows = [], []
    for n in [int(x) for x in args.sizes.split(",")]:
        print("bench: plan at %d services ..." % n, file=sys.stderr, flush=True)
        rows.append(bench_plan(args, n))
    if not args.no_apply:
        k = min(args.apply_services, max(int(x) for x in args.sizes.split(",")))
        print("bench: apply of %d services ..." % k, file=sys.stderr, flush=True)
        apply_rows.append(bench_apply(args, k, k))
    print(table(rows, apply_rows, mach, args))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": mach, "plan": rows, "apply": apply_rows}, f, indent=1)


if __name__ == "__main__":
    main()
