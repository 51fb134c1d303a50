"""watch's notifications against loopback receivers that check the wire
format: Slack incoming webhooks (a JSON body with text and blocks), GitHub
commit statuses, deployments and deployment statuses (the documented paths,
bodies and headers: Authorization, Accept: application/vnd.github+json,
X-GitHub-Api-Version), and the generic webhook (HMAC-SHA256 signature).
One message per event (a drift that lasts many ticks is sent once); 5xx is
retried with backoff, 4xx is not, timeouts are retried then given up, and
the reconcile loop never waits on a receiver; no secret reaches a log."""
import hashlib
import hmac
import json
import os
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from ecslocal import CLUSTER, FILES, JOB_SVC, JOB_TD, EcsLocal, Repo, ServerRepoCase, Watch  # noqa: E402
from receiver import Receiver  # noqa: E402

TOKEN = "ghp_notARealTokenButSecret0123456789"
HOOK_SECRET = "hook-hmac-key-secret"
SLACK_PATH = "/services/T0001/B0001/sEcReTsLaCkPaTh"


class Notifications(ServerRepoCase):
    repo_source, repo_files = None, FILES

    def setUp(self):
        super().setUp()
        self.rx = Receiver()
        self.addCleanup(self.rx.stop)
        d = tempfile.TemporaryDirectory(prefix="ecsctl-notify-")
        self.addCleanup(d.cleanup)
        self.token_file = os.path.join(d.name, "gh-token")
        with open(self.token_file, "w") as f:
            f.write(TOKEN + "\n")

    def start(self, notifications, interval="300ms"):
        self.repo.commit("notifications", files={
            "ecsctl.yaml": "name: shop\nregion: us-east-1\nnotifications:\n" +
                           "".join("  " + line + "\n" for line in notifications)})
        self.w = Watch(self.server, self.repo, "--interval", interval,
                       SLACK_URL=self.rx.url + SLACK_PATH, HOOK_SECRET=HOOK_SECRET)
        self.addCleanup(self.w.stop)
        return self.w

    def github(self, deployments=True):
        return ["github:",
                "  repository: acme/shop",
                "  apiUrl: %s/api/v3/" % self.rx.url,
                "  tokenFile: %s" % self.token_file,
                "  deployments: %s" % ("true" if deployments else "false")]

    def assert_no_secret_logged(self):
        text = json.dumps(self.w.log)
        for secret in (TOKEN, HOOK_SECRET, "sEcReTsLaCkPaTh"):
            self.assertNotIn(secret, text)

    def test_wire_formats_and_one_message_per_event(self):
        w = self.start(["timeout: 2s",
                        "slack: [{webhookUrlEnv: SLACK_URL}]",
                        "webhooks: [{url: '%s/hook', secretEnv: HOOK_SECRET}]" % self.rx.url,
                        *self.github()])
        sha = self.repo.sha
        self.rx.wait(lambda rs: sum(r["path"].endswith("/deployments/42/statuses")
                                    for r in rs) == 2 and
                     any(r["path"] == "/hook" for r in rs) and
                     any(r["path"] == SLACK_PATH for r in rs))

        # GitHub: the commit status goes pending, then success
        statuses = self.rx.seen("/api/v3/repos/acme/shop/statuses/" + sha)
        self.assertEqual([json.loads(r["body"])["state"] for r in statuses],
                         ["pending", "success"])
        for r in self.rx.seen("/api/v3/"):
            h = r["headers"]
            self.assertEqual(h["Authorization"], "Bearer " + TOKEN)
            self.assertEqual(h["Accept"], "application/vnd.github+json")
            self.assertEqual(h["X-GitHub-Api-Version"], "2022-11-28")
            self.assertEqual(h["Content-Type"], "application/json")
            self.assertTrue(h["User-Agent"].startswith("ecsctl/"))
        st = json.loads(statuses[1]["body"])
        self.assertEqual(st["context"], "ecsctl/deploy")
        self.assertLessEqual(len(st["description"]), 140)
        self.assertEqual(st["description"], "Applied 3 changes")
        self.assertNotIn("target_url", st)  # no --public-url: nothing to link to
        # one deployment for the commit, its status in_progress then success
        deps = self.rx.seen("/api/v3/repos/acme/shop/deployments")
        creates = [json.loads(r["body"]) for r in deps if r["path"].endswith("/deployments")]
        self.assertEqual(len(creates), 1)
        self.assertEqual({k: creates[0][k] for k in ("ref", "environment", "auto_merge",
                                                     "required_contexts", "task")},
                         {"ref": sha, "environment": "production", "auto_merge": False,
                          "required_contexts": [], "task": "deploy"})
        dstat = [json.loads(r["body"]) for r in deps if r["path"].endswith("/42/statuses")]
        self.assertEqual([d["state"] for d in dstat], ["in_progress", "success"])
        self.assertEqual(dstat[1]["environment"], "production")

        # Slack: Block Kit with a fallback text
        slack = self.rx.seen(SLACK_PATH)
        self.assertEqual(len(slack), 1)
        msg = json.loads(slack[0]["body"])
        self.assertEqual(msg["text"], "Sync succeeded")
        self.assertEqual([b["type"] for b in msg["blocks"]],
                         ["header", "section", "section", "context"])
        self.assertEqual(msg["blocks"][0]["text"], {"type": "plain_text",
                                                    "text": "Sync succeeded"})
        self.assertIn("`%s`" % sha, msg["blocks"][1]["text"]["text"])
        self.assertIn("Service `shop/web`: create", msg["blocks"][2]["text"]["text"])
        self.assertEqual(slack[0]["headers"]["Content-Type"], "application/json")

        # the generic webhook: signed body, event header
        hook = self.rx.seen("/hook")
        self.assertEqual(len(hook), 1)
        body = hook[0]["body"]
        self.assertEqual(hook[0]["headers"]["X-Ecsctl-Event"], "sync-succeeded")
        self.assertEqual(hook[0]["headers"]["X-Ecsctl-Signature-256"],
                         "sha256=" + hmac.new(HOOK_SECRET.encode(), body,
                                              hashlib.sha256).hexdigest())
        doc = json.loads(body)
        self.assertEqual((doc["formatVersion"], doc["event"], doc["commit"], doc["ref"]),
                         (1, "sync-succeeded", sha, "main"))
        self.assertEqual(len(doc["resources"]), 3)

        # drift lasting many ticks: one message per receiver
        self.ecs.update_service(cluster="shop", service="web", desiredCount=3)
        self.rx.wait(lambda rs: any(r["path"] == "/hook" and
                                    json.loads(r["body"])["event"] == "drift-detected"
                                    for r in rs))
        self.wait_ticks(w, 4)
        events = [json.loads(r["body"])["event"] for r in self.rx.seen("/hook")]
        self.assertEqual(events, ["sync-succeeded", "drift-detected"])
        drift = json.loads(self.rx.seen("/hook")[1]["body"])
        self.assertEqual(drift["resources"], [{"kind": "Service", "name": "shop/web",
                                               "detail": "desiredCount"}])
        slack = [json.loads(r["body"])["text"] for r in self.rx.seen(SLACK_PATH)]
        self.assertEqual(slack, ["Sync succeeded", "Drift detected"])
        # drift is not a deploy: GitHub heard nothing more
        self.assertEqual(len(self.rx.seen("/api/v3/")), 5)
        self.assert_no_secret_logged()

    def test_retries_4xx_5xx_and_timeouts_never_block_the_loop(self):
        self.rx.script = {SLACK_PATH: [(500, 0), (503, 0), (200, 0)],
                          "/hook": [(404, 0)],
                          "/api/v3/": [(200, 1.5)]}
        t0 = time.time()
        w = self.start(["timeout: 500ms", "retries: 2",
                        "slack: [{webhookUrlEnv: SLACK_URL}]",
                        "webhooks: [{url: '%s/hook'}]" % self.rx.url,
                        *self.github(deployments=False)])
        # the loop goes on while the sender waits on GitHub's timeouts
        w.wait_for(lambda d: d["msg"] == "reconcile done")
        w.wait_for(lambda d: d["msg"] == "reconcile done")
        self.assertLess(time.time() - t0, 5)
        failed = w.wait_for(lambda d: d["msg"] == "notification failed" and
                            d["target"] == "github", timeout=20)
        self.assertIn("Timeout", failed["detail"])
        w.wait_for(lambda d: d["msg"] == "notification sent" and d["target"] == "slack[0]",
                   timeout=20)
        w.wait_for(lambda d: d["msg"] == "notification failed" and d["target"] == "webhooks[0]",
                   timeout=20)
        log = [(d["msg"], d.get("target"), d.get("detail")) for d in w.log
               if d["msg"].startswith("notification")]
        # 5xx twice, retried with backoff, then delivered
        self.assertEqual([x for x in log if x[1] == "slack[0]"],
                         [("notification retry", "slack[0]", "HTTP 500"),
                          ("notification retry", "slack[0]", "HTTP 503"),
                          ("notification sent", "slack[0]", "HTTP 200")])
        at = [r["at"] for r in self.rx.seen(SLACK_PATH)]
        self.assertGreaterEqual(at[1] - at[0], 0.45)
        self.assertGreaterEqual(at[2] - at[1], 0.95)
        # 4xx is final: one request
        self.assertEqual([x for x in log if x[1] == "webhooks[0]"],
                         [("notification failed", "webhooks[0]", "HTTP 404")])
        self.assertEqual(len(self.rx.seen("/hook")), 1)
        # a timeout is tried 1 + retries times (the pending status, then the success)
        w.wait_for(lambda d: d["msg"] == "notification failed" and d["target"] == "github",
                   timeout=20)
        self.assertEqual(len(self.rx.seen("/api/v3/repos/acme/shop/statuses/")), 6)
        self.assert_no_secret_logged()

    def test_failed_degraded_paused_once_each(self):
        # EC2 room for two tasks: a third cannot be placed
        self.server = EcsLocal("--ec2-capacity", "2").start()
        self.addCleanup(self.server.stop_cleanly)
        self.ecs = self.server.client()
        cfg = ("name: shop\nregion: us-east-1\nwait: {timeout: 2s}\nnotifications:\n"
               "  webhooks: [{url: '%s/hook'}]\n" % self.rx.url)
        self.repo = Repo(source=None, files={"ecsctl.yaml": cfg, "clusters/shop.yaml": CLUSTER,
                                             "task-definitions/job.yaml": JOB_TD,
                                             "services/job.yaml": JOB_SVC})
        self.addCleanup(self.repo.cleanup)
        w = Watch(self.server, self.repo, "--interval", "300ms")
        self.addCleanup(w.stop)
        self.rx.wait(lambda rs: len(rs) == 1)
        bad = self.repo.commit(files={"services/job.yaml": JOB_SVC.replace("desiredCount: 2",
                                                                           "desiredCount: 3")})
        self.rx.wait(lambda rs: len(rs) == 3, timeout=30)
        self.wait_ticks(w, 4)
        docs = [json.loads(r["body"]) for r in self.rx.seen("/hook")]
        self.assertEqual([d["event"] for d in docs],
                         ["sync-succeeded", "sync-failed", "health-degraded"])
        failed, degraded = docs[1:]
        self.assertEqual(failed["commit"], bad)
        self.assertEqual([(r["kind"], r["name"]) for r in failed["resources"]],
                         [("Service", "shop/job")])
        self.assertRegex(failed["resources"][0]["detail"], r"2 of 3 tasks running")
        self.assertEqual(degraded["resources"], [{"kind": "Service", "name": "shop/job",
                                                  "detail": "2/3 running, rollout COMPLETED"}])

        # suspended with changes pending: the rollout is paused, said once
        self.repo.commit(files={"ecsctl.yaml": cfg.replace("wait:", "suspend: true\nwait:"),
                                "services/job.yaml": JOB_SVC})
        w.wait_for(lambda d: d.get("result") == "suspended", timeout=20)
        self.wait_ticks(w, 4)
        docs = [json.loads(r["body"]) for r in self.rx.seen("/hook")]
        self.assertEqual([d["event"] for d in docs[3:]], ["rollout-paused"])
        self.assertEqual(docs[3]["summary"], "suspended: not applying")

    def test_github_statuses_link_to_the_status_page(self):
        # EC2 room for two tasks: a third cannot be placed, so the second commit fails
        self.server = EcsLocal("--ec2-capacity", "2").start()
        self.addCleanup(self.server.stop_cleanly)
        cfg = ("name: shop\nregion: us-east-1\nwait: {timeout: 2s}\nnotifications:\n" +
               "".join("  " + line + "\n" for line in self.github()))
        self.repo = Repo(source=None, files={"ecsctl.yaml": cfg, "clusters/shop.yaml": CLUSTER,
                                             "task-definitions/job.yaml": JOB_TD,
                                             "services/job.yaml": JOB_SVC})
        self.addCleanup(self.repo.cleanup)
        good = self.repo.sha
        w = Watch(self.server, self.repo, "--interval", "300ms", "--public-url",
                  "https://deploy.example.com/ecsctl/")
        self.addCleanup(w.stop)
        self.rx.wait(lambda rs: sum(r["path"].endswith("/42/statuses") for r in rs) == 2)
        bad = self.repo.commit(files={"services/job.yaml": JOB_SVC.replace("desiredCount: 2",
                                                                           "desiredCount: 3")})
        self.rx.wait(lambda rs: len([r for r in rs if r["path"].endswith("/statuses/" + bad)])
                     == 2 and sum(r["path"].endswith("/42/statuses") for r in rs) == 4,
                     timeout=30)
        page = "https://deploy.example.com/ecsctl/"

        def sent(suffix):
            return [json.loads(r["body"]) for r in self.rx.seen("/api/v3/")
                    if r["path"].endswith(suffix)]
        self.assertEqual([(s["state"], s["target_url"]) for s in sent("/statuses/" + good)],
                         [("pending", page), ("success", page)])
        # a failed sync links to the resource that failed, its detail on the page
        self.assertEqual([(s["state"], s["target_url"]) for s in sent("/statuses/" + bad)],
                         [("pending", page), ("failure", page + "resources/Service/shop/job")])
        self.assertEqual([(s["state"], s["log_url"]) for s in sent("/42/statuses")],
                         [("in_progress", page), ("success", page), ("in_progress", page),
                          ("failure", page + "resources/Service/shop/job")])
        # and the page answers there
        status, body = w.get("/resources/Service/shop/job")
        self.assertEqual(status, 200)
        self.assertIn("shop/job", body)

    @staticmethod
    def wait_ticks(w, n):
        """Waits for `n` more reconciles: a condition that lasts is not resent."""
        seen = len(w.reconciles())
        w.wait_for(lambda d: d["msg"] == "reconcile done" and len(
            [x for x in w.log if x["msg"] == "reconcile done"]) >= seen + n, timeout=20)

    def test_misconfigured_target_is_logged_once_and_left_out(self):
        w = self.start(["slack: [{webhookUrlEnv: NOT_SET_ANYWHERE}]",
                        "webhooks: [{url: '%s/hook'}]" % self.rx.url])
        bad = w.wait_for(lambda d: d["msg"] == "notifications misconfigured")
        self.assertEqual((bad["target"], bad["detail"]),
                         ("slack[0]", "environment variable NOT_SET_ANYWHERE is not set"))
        self.rx.wait(lambda rs: any(r["path"] == "/hook" for r in rs))
        w.wait_for(lambda d: d["msg"] == "reconcile done")
        w.wait_for(lambda d: d["msg"] == "reconcile done")
        self.assertEqual(len([d for d in w.log if d["msg"] == "notifications misconfigured"]), 1)


if __name__ == "__main__":
    unittest.main()
