"""Reliability of apply against a faulty ecs-local (loopback, bounded):
  - 20 applies of examples/ from scratch under --fail-rate 0.1 --throttle 20:40
    all converge (the second plan is empty), with no duplicate service and no
    revision registered twice for one change;
  - kill -9 of apply at 10 random points (among the requests a whole apply
    makes), each followed by a plain apply, always converges;
  - ecs-local restarted (--state) mid-apply: that apply converges or fails
    with a clear error and exit 1, and the next apply converges.
Random choices come from RELIABILITY_SEED (printed; default fixed) so a failing
run can be replayed. Figures (runs, faults injected, outcomes) go to stderr."""
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from ecslocal import EcsLocal, Repo, ecsctl, popen_ecsctl  # noqa: E402

SEED = int(os.environ.get("RELIABILITY_SEED", "20261128"))
FAST = ("--poll-interval", "100ms")
FAMILIES = ("billing", "cron", "web", "worker")
SERVICES = ("billing", "cron", "web", "worker")
# every request takes this long, so a kill a little after an answer can land
# while ecsctl handles it or while it awaits the next one
LATENCY_MS = 100
LATENCY = ("--latency-ms", str(LATENCY_MS))
FAULTS = ("ServerException", "ConnectionReset", "ThrottlingException")


def log(msg):
    print("reliability: " + msg, file=sys.stderr, flush=True)


def checker(server):
    """A boto3 client that rides out the server's faults (the checks are not
    what is under test)."""
    import boto3
    from botocore.config import Config
    return boto3.session.Session().client(
        "ecs", endpoint_url=server.url, region_name="us-east-1",
        aws_access_key_id="AKIDTEST", aws_secret_access_key="secret",
        config=Config(retries={"total_max_attempts": 20, "mode": "standard"}))


def stats(server):
    """/_stats, read again when a connection drops (the faulty server resets
    some; under load one can close before it answers)."""
    for _ in range(20):
        try:
            return server.stats_doc()
        except OSError:
            time.sleep(0.05)
    raise AssertionError("/_stats unreachable")


def errors(server):
    return stats(server).get("errors", {})


class Base(unittest.TestCase):
    def apply(self, server, repo, timeout=120):
        return ecsctl(server, repo, "apply", "--auto-approve", *FAST, timeout=timeout)

    def assert_converged(self, server, repo, what):
        """Second plan empty; each service once, running its family's only
        revision; each family registered exactly once."""
        r = ecsctl(server, repo, "plan", "--detailed-exitcode")
        self.assertEqual(r.returncode, 0, "%s: plan not empty:\n%s%s" % (what, r.stdout,
                                                                           r.stderr))
        ecs = checker(server)
        names = []
        for page in ecs.get_paginator("list_services").paginate(cluster="shop"):
            names += [a.rsplit("/", 1)[1] for a in page["serviceArns"]]
        self.assertEqual(sorted(names), sorted(SERVICES), "%s: services %s" % (what, names))
        for fam in FAMILIES:
            revs = []
            for status in ("ACTIVE", "INACTIVE"):
                revs += ecs.list_task_definitions(familyPrefix=fam,
                                                  status=status)["taskDefinitionArns"]
            self.assertEqual(len(revs), 1, "%s: family %s has %s" % (what, fam, revs))
        svcs = ecs.describe_services(cluster="shop", services=list(SERVICES))["services"]
        for s in svcs:
            self.assertEqual(s["status"], "ACTIVE", what)
            self.assertTrue(s["taskDefinition"].endswith(":1"), "%s: %s" % (what, s))


class FaultyServer(Base):
    def test_twenty_applies_from_scratch_converge_under_faults(self):
        runs, first_try, faults = 20, 0, {}
        log("seed %d; %d applies, --fail-rate 0.1 --throttle 20:40" % (SEED, runs))
        start = time.monotonic()
        for i in range(runs):
            seed = str(SEED + i)
            repo = Repo()
            try:
                with EcsLocal("--fail-rate", "0.1", "--throttle", "20:40",
                              "--seed", seed) as server:
                    r = self.apply(server, repo)
                    attempts = 1
                    # a fault that outlasts the retries fails an apply cleanly
                    # (exit 1, nothing half-done); the next apply finishes it
                    while r.returncode == 1 and attempts < 3:
                        self.assertIn("error:", r.stderr)
                        attempts += 1
                        r = self.apply(server, repo)
                    self.assertEqual(r.returncode, 0, "run %d (seed %s): %s" % (
                        i, seed, r.stderr[-2000:]))
                    first_try += attempts == 1
                    self.assert_converged(server, repo, "run %d (seed %s)" % (i, seed))
                    for k, v in errors(server).items():
                        faults[k] = faults.get(k, 0) + v
            finally:
                repo.cleanup()
        injected = sum(faults.get(k, 0) for k in FAULTS)
        log("%d/%d runs converged (%d on the first apply) in %.0f s; faults injected %d %s" %
            (runs, runs, first_try, time.monotonic() - start, injected,
             {k: faults[k] for k in sorted(faults)}))
        self.assertGreater(injected, runs, "the faults were not injected")


class KillNine(Base):
    def test_kill_9_at_ten_random_points_then_apply_converges(self):
        rnd = random.Random(SEED)
        # how many requests a whole apply makes: kill points are drawn among
        # them, so they spread over its phases however fast the machine is
        # (points drawn in seconds from one timed apply fell past the end of
        # a later, faster one on a loaded machine, and too few were kills)
        with EcsLocal(*LATENCY) as server:
            repo = Repo()
            try:
                self.assertEqual(self.apply(server, repo).returncode, 0)
                total = stats(server)["total"]
            finally:
                repo.cleanup()
        log("seed %d; a whole apply makes %d requests" % (SEED, total))
        # after request N is answered, a random part of one request's latency
        # more: the kill lands while ecsctl handles an answer or awaits one
        points = sorted((rnd.randint(1, total - 1), rnd.uniform(0, LATENCY_MS / 1000))
                        for _ in range(10))
        outcomes = []
        for at, extra in points:
            repo = Repo()
            try:
                with EcsLocal(*LATENCY) as server:
                    p = popen_ecsctl(server, repo, "apply", "--auto-approve", *FAST)
                    while p.poll() is None and stats(server)["total"] < at:
                        time.sleep(0.02)
                    time.sleep(extra)
                    if p.poll() is None:
                        p.send_signal(signal.SIGKILL)
                        outcomes.append("killed")
                    else:
                        outcomes.append("finished")
                    p.communicate(timeout=30)
                    writes = sum(server.stats().get(k, 0) for k in (
                        "CreateCluster", "RegisterTaskDefinition", "CreateService"))
                    what = "kill after request %d of %d" % (at, total)
                    r = self.apply(server, repo)
                    self.assertEqual(r.returncode, 0, "%s: %s" % (what, r.stderr))
                    self.assert_converged(server, repo, what)
                    outcomes[-1] += " after request %d, %d writes" % (at, writes)
            finally:
                repo.cleanup()
        log("kill -9 points: " + "; ".join(outcomes))
        self.assertGreaterEqual(sum(o.startswith("killed") for o in outcomes), 5)


class Restart(Base):
    def test_ecs_local_restarted_mid_apply(self):
        rnd = random.Random(SEED + 1)
        outcomes = []
        for round_ in range(3):
            with tempfile.TemporaryDirectory(prefix="ecsctl-rel-") as tmp:
                state = os.path.join(tmp, "state.json")
                repo = Repo()
                server = EcsLocal("--latency-ms", "30", "--state", state).start()
                port = server.url.rsplit(":", 1)[1]
                try:
                    p = popen_ecsctl(server, repo, "apply", "--auto-approve", *FAST)
                    time.sleep(rnd.uniform(0.2, 1.0))
                    self.assertEqual(server.stop(), 0)
                    down = rnd.uniform(0.0, 1.0)
                    time.sleep(down)
                    server = EcsLocal("--latency-ms", "30", "--state", state,
                                      "--listen", "127.0.0.1:" + port).start()
                    out, err = p.communicate(timeout=120)
                    # converged, or failed with a clear error; never a crash
                    self.assertIn(p.returncode, (0, 1), err)
                    if p.returncode == 1:
                        self.assertRegex(err, r"(?m)^error: ")
                    last = [ln for ln in err.splitlines() if ln.startswith("error: ")]
                    outcomes.append("exit %d (down %.2f s)%s" % (
                        p.returncode, down, ": " + last[0] if last else ""))
                    r = self.apply(server, repo)
                    self.assertEqual(r.returncode, 0, r.stderr)
                    self.assert_converged(server, repo, "restart round %d" % round_)
                finally:
                    server.stop()
                    repo.cleanup()
        log("restart mid-apply (seed %d): %s" % (SEED + 1, "; ".join(outcomes)))


if __name__ == "__main__":
    unittest.main(verbosity=2, warnings="ignore")
