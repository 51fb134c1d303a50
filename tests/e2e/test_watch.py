"""ecsctl watch against ecs-local and a local git repository: applies at
start, follows a new commit on its interval, /metrics parsed by Debian's
prometheus_client, webhook signatures (bad -> 401 and no reconcile, good ->
202 and an early reconcile), suspend, self-heal, JSON logs, exit 0 on
SIGTERM/SIGINT."""
import hashlib
import hmac
import json
import os
import queue
import signal
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

import opslib

SECRET = b"s3cr3t-webhook"


class Watch:
    def __init__(self, server, repo, *args, env=None):
        self.tmp = tempfile.TemporaryDirectory(prefix="ecsctl-watch-")
        secret = os.path.join(self.tmp.name, "secret")
        with open(secret, "wb") as f:
            f.write(SECRET + b"\n")
        self.proc = subprocess.Popen(
            [opslib.ECSCTL, "watch", "--repo", repo, "--listen", "127.0.0.1:0",
             "--log-format", "json", "--webhook-secret-file", secret, *args],
            env=opslib.env_for(server, env), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
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


class WatchTest(unittest.TestCase):
    def setUp(self):
        self.server = opslib.ecslocal.Server().start()
        self.addCleanup(self.server.stop)
        self.ecs = self.server.client()
        self.repo = opslib.Repo()
        self.addCleanup(self.repo.close)

    def start(self, *args):
        w = Watch(self.server, self.repo.path, *args)
        self.addCleanup(w.stop)
        return w

    def desired_count(self):
        return self.ecs.describe_services(cluster="shop", services=["web"])[
            "services"][0]["desiredCount"]

    def test_webhook_metrics_and_sigterm(self):
        w = self.start("--interval", "1h")
        first = w.wait_for(lambda d: d["msg"] == "reconcile done")
        self.assertEqual(first["result"], "applied")
        self.assertEqual(first["commit"], self.repo.sha)
        self.assertEqual(self.desired_count(), 2)
        self.assertEqual(w.get("/healthz")[0], 200)
        self.assertEqual(w.get("/readyz")[0], 200)
        self.assertEqual(w.get("/nope")[0], 404)

        status, text = w.get("/metrics")
        self.assertEqual(status, 200)
        fams = metrics(text)
        for name in ("ecsctl_reconcile", "ecsctl_reconcile_duration_seconds",
                     "ecsctl_drifted_resources", "ecsctl_api_calls",
                     "ecsctl_last_applied_commit_timestamp_seconds", "ecsctl_build_info"):
            self.assertIn(name, fams)
            self.assertTrue(fams[name].documentation, name)
        self.assertEqual(fams["ecsctl_reconcile_duration_seconds"].type, "histogram")
        self.assertEqual(sample(fams, "ecsctl_reconcile", "ecsctl_reconcile_total",
                                result="applied"), 1)
        self.assertEqual(sample(fams, "ecsctl_drifted_resources", "ecsctl_drifted_resources",
                                kind="Service", status="in-sync"), 1)
        self.assertGreaterEqual(sample(fams, "ecsctl_api_calls", "ecsctl_api_calls_total",
                                       operation="CreateService", code="ok"), 1)
        self.assertGreater(sample(fams, "ecsctl_last_applied_commit_timestamp_seconds",
                                  "ecsctl_last_applied_commit_timestamp_seconds"),
                           time.time() - 60)

        new = self.repo.commit({"services/web.yaml":
                                opslib.SERVICE.replace("desiredCount: 2", "desiredCount: 3")})
        body = json.dumps({"ref": "refs/heads/main", "after": new}).encode()
        good = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
        bad = "sha256=" + hmac.new(b"wrong", body, hashlib.sha256).hexdigest()
        self.assertEqual(w.post("/webhook", body, bad), 401)
        self.assertEqual(w.post("/webhook", body, None), 401)
        self.assertEqual(w.post("/webhook", body, "sha256=zz"), 401)
        self.assertEqual(w.post("/webhook", body + b" ", good), 401)
        self.assertEqual(len(w.reconciles(1.0)), 1, "a rejected webhook woke the loop")
        self.assertEqual(self.desired_count(), 2)

        self.assertEqual(w.post("/webhook", body, good), 202)
        done = w.wait_for(lambda d: d["msg"] == "reconcile done", timeout=20)
        self.assertEqual((done["result"], done["commit"]), ("applied", new))
        self.assertEqual(self.desired_count(), 3)
        self.assertEqual(w.stop(), 0)
        self.assertEqual(w.log[-1]["msg"], "stopping")

    def test_follows_commits_on_interval_and_self_heals(self):
        w = self.start("--interval", "300ms", "--self-heal")
        w.wait_for(lambda d: d.get("result") == "applied")
        new = self.repo.commit({"services/web.yaml":
                                opslib.SERVICE.replace("desiredCount: 2", "desiredCount: 1")})
        w.wait_for(lambda d: d.get("result") == "applied" and d.get("commit") == new)
        self.assertEqual(self.desired_count(), 1)
        # out-of-band scale: --self-heal puts it back without a new commit
        self.ecs.update_service(cluster="shop", service="web", desiredCount=4)
        w.wait_for(lambda d: d.get("msg") == "self-healing drift")
        w.wait_for(lambda d: d.get("result") == "applied")
        self.assertEqual(self.desired_count(), 1)
        self.assertEqual(w.stop(signal.SIGINT), 0)

    def test_drift_without_self_heal_is_reported_not_applied(self):
        w = self.start("--interval", "300ms")
        w.wait_for(lambda d: d.get("result") == "applied")
        self.ecs.update_service(cluster="shop", service="web", desiredCount=4)
        w.wait_for(lambda d: d.get("result") == "skipped")
        self.assertEqual(self.desired_count(), 4)
        fams = metrics(w.get("/metrics")[1])
        self.assertEqual(sample(fams, "ecsctl_drifted_resources", "ecsctl_drifted_resources",
                                kind="Service", status="drifted"), 1)

    def test_suspend_reports_but_never_applies(self):
        self.repo.commit({"ecsctl.yaml": "name: shop\nregion: us-east-1\nsuspend: true\n"})
        w = self.start("--interval", "300ms")
        w.wait_for(lambda d: d.get("result") == "suspended")
        self.assertEqual(self.ecs.list_clusters()["clusterArns"], [])
        fams = metrics(w.get("/metrics")[1])
        self.assertEqual(sample(fams, "ecsctl_drifted_resources", "ecsctl_drifted_resources",
                                kind="Service", status="missing"), 1)
        self.assertEqual(w.get("/readyz")[0], 200)

    def test_failures_back_off(self):
        self.server.stop()  # nothing answers: every reconcile fails
        self.server.proc = None
        w = self.start("--interval", "200ms", "--max-backoff", "800ms")
        self.assertEqual(w.get("/healthz")[0], 200)
        w.wait_for(lambda d: d.get("failures") == "3", timeout=30)
        waits = [int(d["next_ms"]) for d in w.log if d["msg"] == "reconcile done"]
        self.assertTrue(all(d["result"] == "failed" for d in w.reconciles()))
        # 200ms base doubles, jitter keeps each in [d/2, d], capped at 800ms
        self.assertTrue(100 <= waits[0] <= 200, waits)
        self.assertTrue(200 <= waits[1] <= 400, waits)
        self.assertTrue(400 <= waits[2] <= 800, waits)
        self.assertEqual(w.stop(), 0)

    def test_bad_listen_address_is_an_error(self):
        rc, out, err = opslib.run(self.server, "watch", "--listen", "nowhere",
                                  repo=self.repo.path)
        self.assertEqual(rc, 1)
        self.assertIn("bad listen address", err)


if __name__ == "__main__":
    unittest.main()
