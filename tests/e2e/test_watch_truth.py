"""watch plans like plan and apply do (one orchestration in the library):
a revert reuses the revision that still exists, keepRevisions deregisters,
and -v logs the ECS calls in the watch's own log format. And it does no
harm: a commit whose apply failed is applied once, not on every interval;
it is tried again on a new commit, a webhook, or a bounded --retry."""
import hashlib
import hmac
import json
import unittest
import urllib.request

from ecslocal import FILES, SECRET, SERVICE, TASKDEF, ServerRepoCase, Watch, metrics, sample

KEEP_ONE = "name: shop\nregion: us-east-1\nkeepRevisions: 1\n"
# a circuit breaker that rolls back: live differs from git again after each failure
BREAKER = SERVICE + """deploymentConfiguration:
  deploymentCircuitBreaker: {enable: true, rollback: true}
"""


def with_image(tag):
    return TASKDEF.replace("nginx:1.25", "nginx:" + tag)


class WatchPlansLikeApply(ServerRepoCase):
    repo_source, repo_files = None, FILES

    def start(self, *args):
        w = Watch(self.server, self.repo, "--interval", "200ms", *args)
        self.addCleanup(w.stop)
        return w

    def applied(self, w, sha):
        w.wait_for(lambda d: d.get("result") == "applied" and d.get("commit") == sha,
                   timeout=30)

    def revisions(self, status="ACTIVE"):
        return [a.split("/")[-1] for a in self.ecs.list_task_definitions(
            familyPrefix="web", status=status, sort="ASC")["taskDefinitionArns"]]

    def running(self):
        svc = self.ecs.describe_services(cluster="shop", services=["web"])["services"][0]
        return svc["taskDefinition"].split("/")[-1]

    def test_revert_reuses_the_existing_revision(self):
        w = self.start()
        self.applied(w, self.repo.sha)
        self.applied(w, self.repo.commit(files={"task-definitions/web.yaml": with_image("1.27")}))
        self.assertEqual((self.revisions(), self.running()), (["web:1", "web:2"], "web:2"))
        revert = self.repo.commit("revert", files={"task-definitions/web.yaml": TASKDEF})
        self.applied(w, revert)
        # web:1 still exists and equals git: no duplicate web:3
        self.assertEqual((self.revisions(), self.running()), (["web:1", "web:2"], "web:1"))

    def test_keep_revisions_deregisters(self):
        self.repo.commit(files={"ecsctl.yaml": KEEP_ONE})
        w = self.start()
        self.applied(w, self.repo.sha)
        self.applied(w, self.repo.commit(files={"task-definitions/web.yaml": with_image("1.27")}))
        self.applied(w, self.repo.commit(files={"task-definitions/web.yaml": with_image("1.29")}))
        # web:1 ran nowhere when web:3 was planned: gone; web:2 ran then: kept
        self.assertEqual(self.revisions("INACTIVE"), ["web:1"])
        self.assertEqual(self.revisions(), ["web:2", "web:3"])

    def test_services_not_stable_are_reported_and_not_synced(self):
        first = self.repo.commit(files={"ecsctl.yaml": "name: shop\nregion: us-east-1\n"
                                                 "wait: {timeout: 1s}\n"})
        w = self.start()
        self.applied(w, first)
        bad = self.repo.commit(files={"task-definitions/web.yaml": with_image("crashloop")})
        w.wait_for(lambda d: d["msg"] == "apply failed" and d["commit"] == bad, timeout=30)
        # no rollback: live equals git member by member, but web crash-loops
        line = w.wait_for(lambda d: d["msg"] == "services not stable")
        self.assertEqual((line["commit"], line["count"]), (bad, "1"))
        self.assertRegex(line["services"], r"^shop/web: deployment in progress: .*failed to start")
        done = w.wait_for(lambda d: d["msg"] == "reconcile done" and d["result"] == "noop")
        self.assertEqual((done["commit"], done["synced"]), (bad, first))
        fams = metrics(w.get("/metrics")[1])
        self.assertEqual(sample(fams, "ecsctl_unstable_services", "ecsctl_unstable_services"), 1)
        self.assertEqual(sample(fams, "ecsctl_last_applied_commit_info",
                                "ecsctl_last_applied_commit_info", commit=first), 1)

    def test_verbose_logs_ecs_calls(self):
        w = self.start("-v")
        line = w.wait_for(lambda d: d["msg"].startswith("ecs CreateService"))
        self.assertEqual(line["level"], "debug")
        self.assertIn("status=200", line["msg"])



class WatchDoesNoHarm(ServerRepoCase):
    repo_source, repo_files = None, dict(FILES, **{"services/web.yaml": BREAKER})

    def start(self, *args):
        w = Watch(self.server, self.repo, "--interval", "200ms", *args)
        self.addCleanup(w.stop)
        w.wait_for(lambda d: d.get("result") == "applied")
        return w

    def updates(self):
        with urllib.request.urlopen(self.server.url + "/_stats", timeout=10) as r:
            return json.load(r)["requests"].get("UpdateService", 0)

    def crashloop(self):
        return self.repo.commit("crashloop", files={"task-definitions/web.yaml": TASKDEF.replace(
            "nginx:1.25", "nginx:crashloop")})

    def attempts(self, w, sha):
        return [d for d in w.log if d["msg"] in ("applying new commit",
                                                 "retrying a failed commit (--retry)",
                                                 "retrying a failed commit: triggered")
                and d["commit"] == sha]

    def failed_metrics(self, w):
        fams = metrics(w.get("/metrics")[1])
        return (sample(fams, "ecsctl_failed_commit_info", "ecsctl_failed_commit_info",
                       commit=self.repo.sha),
                sample(fams, "ecsctl_failed_applies", "ecsctl_failed_applies_total"))

    def test_a_failed_commit_is_applied_once_then_on_webhook_or_new_commit(self):
        w = self.start()
        bad = self.crashloop()
        w.wait_for(lambda d: d["msg"] == "apply failed" and d["commit"] == bad, timeout=30)
        w.wait_for(lambda d: d.get("result") == "held" and d["commit"] == bad)
        before = self.updates()
        w.reconciles(1.5)  # several intervals
        self.assertEqual(self.updates(), before, "the failed commit was applied again")
        self.assertEqual(len(self.attempts(w, bad)), 1)
        first = self.attempts(w, bad)[0]
        self.assertIn("register TaskDefinition/web (containerDefinitions[web].image)",
                      first["resources"])
        self.assertIn("update Service/shop/web (taskDefinition)", first["resources"])
        held = [d for d in w.log if d["msg"].startswith("not applying again")]
        self.assertTrue(held and all(d["commit"] == bad for d in held), held)
        self.assertEqual(w.get("/readyz")[0], 200)
        self.assertEqual(self.failed_metrics(w), (1, 1))
        fams = metrics(w.get("/metrics")[1])
        self.assertGreaterEqual(sample(fams, "ecsctl_reconcile", "ecsctl_reconcile_total",
                                       result="held"), 2)

        # an explicit trigger (a verified webhook) tries once more
        body = json.dumps({"ref": "refs/heads/main", "after": bad}).encode()
        sig = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
        self.assertEqual(w.post("/webhook", body, sig), 202)
        w.wait_for(lambda d: d["msg"] == "retrying a failed commit: triggered")
        w.wait_for(lambda d: d["msg"] == "apply failed" and d["commit"] == bad, timeout=30)
        w.wait_for(lambda d: d.get("result") == "held")
        self.assertEqual(self.failed_metrics(w), (1, 2))

        # git moves: the new commit is applied and nothing is held any more
        good = self.repo.commit("fix", files={"task-definitions/web.yaml": TASKDEF.replace(
            "nginx:1.25", "nginx:1.27")})
        w.wait_for(lambda d: d.get("result") == "applied" and d["commit"] == good,
                   timeout=30)
        self.assertEqual(self.failed_metrics(w), (None, 2))

    def test_retry_is_bounded(self):
        w = self.start("--retry", "1", "--max-backoff", "400ms")
        bad = self.crashloop()
        w.wait_for(lambda d: d["msg"] == "retrying a failed commit (--retry)", timeout=30)
        w.wait_for(lambda d: d.get("result") == "held", timeout=30)
        w.reconciles(1.5)
        tries = self.attempts(w, bad)
        self.assertEqual([d.get("attempt") for d in tries], [None, "2"])
        self.assertEqual(self.failed_metrics(w)[1], 2)


if __name__ == "__main__":
    unittest.main()
