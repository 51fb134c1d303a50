"""ecsctl watch against ecs-local and a local git repository: applies at
start, follows a new commit on its interval, /metrics parsed by Debian's
prometheus_client, webhook signatures (bad -> 401 and no reconcile, good ->
202 and an early reconcile), suspend, self-heal, JSON logs, exit 0 on
SIGTERM/SIGINT."""
import hashlib
import hmac
import json
import signal
import time
import unittest

from ecslocal import FILES, SECRET, SERVICE, ServerRepoCase, Watch, metrics, sample

class WatchTest(ServerRepoCase):
    repo_source, repo_files = None, FILES

    def start(self, *args):
        w = Watch(self.server, self.repo, *args)
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

        new = self.repo.commit(files={"services/web.yaml":
                                SERVICE.replace("desiredCount: 2", "desiredCount: 3")})
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
        new = self.repo.commit(files={"services/web.yaml":
                                SERVICE.replace("desiredCount: 2", "desiredCount: 1")})
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
        self.repo.commit(files={"ecsctl.yaml": "name: shop\nregion: us-east-1\nsuspend: true\n"})
        w = self.start("--interval", "300ms")
        w.wait_for(lambda d: d.get("result") == "suspended")
        self.assertEqual(self.ecs.list_clusters()["clusterArns"], [])
        fams = metrics(w.get("/metrics")[1])
        self.assertEqual(sample(fams, "ecsctl_drifted_resources", "ecsctl_drifted_resources",
                                kind="Service", status="missing"), 1)
        self.assertEqual(w.get("/readyz")[0], 200)

    def test_failures_back_off(self):
        self.assertEqual(self.server.stop(), 0)  # nothing answers: every reconcile fails
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
        r = self.ecsctl("watch", "--listen", "nowhere")
        self.assertEqual(r.returncode, 1)
        self.assertIn("bad listen address", r.stderr)


if __name__ == "__main__":
    unittest.main()
