"""watch logs why a service did not become stable (one "service not stable"
line per service: reason, stopped tasks, events), and --self-heal succeeds
only when running == desired, like apply (test_deploy_why.py)."""
import hashlib
import hmac
import json
import re
import unittest

from ecslocal import (CLUSTER, FILES, JOB_SVC, JOB_TD, SECRET, SERVICE, TASKDEF, ServerRepoCase,
                      Watch, wait_stable)

WEB_BREAKER = SERVICE + """deploymentConfiguration:
  deploymentCircuitBreaker: {enable: true, rollback: true}
"""


class WatchLogsWhy(ServerRepoCase):
    repo_source = None
    repo_files = dict(FILES, **{
        "ecsctl.yaml": "name: shop\nregion: us-east-1\nwait: {timeout: 20s}\n",
        "task-definitions/web.yaml": TASKDEF.replace("nginx:1.25", "nginx:crashloop"),
        "services/web.yaml": WEB_BREAKER})

    def test_failed_apply_logs_reason_and_stopped_tasks(self):
        w = Watch(self.server, self.repo, "--interval", "1h")
        self.addCleanup(w.stop)
        why = w.wait_for(lambda d: d["msg"] == "service not stable")
        self.assertEqual(why["service"], "shop/web")
        self.assertEqual(why["reason"], "ECS deployment circuit breaker: tasks failed to start.")
        self.assertRegex(why["stopped_tasks"], r"^\d+ tasks: Essential container in task exited "
                                               r"\(EssentialContainerExited\), web exit 1$")
        self.assertIn("deployment failed: tasks failed to start.", why["events"])
        self.assertEqual(w.wait_for(lambda d: d["msg"] == "reconcile done")["result"], "failed")


class SelfHealWhy(ServerRepoCase):
    server_args = ("--ec2-capacity", "2")
    repo_source = None
    repo_files = {"ecsctl.yaml": "name: shop\nregion: us-east-1\nwait: {timeout: 2s}\n",
                  "clusters/shop.yaml": CLUSTER, "task-definitions/job.yaml": JOB_TD,
                  "services/job.yaml": JOB_SVC}

    def test_self_heal_goes_through_running_equals_desired(self):
        w = Watch(self.server, self.repo, "--interval", "1h", "--self-heal")
        self.addCleanup(w.stop)
        self.assertEqual(w.wait_for(lambda d: d["msg"] == "reconcile done")["result"], "applied")
        # someone scales job down and gives the room it had to a service of their own
        self.ecs.update_service(cluster="shop", service="job", desiredCount=1)
        wait_stable(self.ecs, "shop", ["job"])
        self.ecs.create_service(cluster="shop", serviceName="hog", taskDefinition="job",
                                desiredCount=1, launchType="EC2")
        wait_stable(self.ecs, "shop", ["hog"])
        body = json.dumps({"ref": "refs/heads/main", "after": self.repo.sha}).encode()
        sig = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
        self.assertEqual(w.post("/webhook", body, sig), 202)
        w.wait_for(lambda d: d["msg"] == "self-healing drift")
        why = w.wait_for(lambda d: d["msg"] == "service not stable")
        self.assertTrue(re.match(r"Not stable after \ds: 1 of 2 tasks running "
                                 r"\(rollout COMPLETED\)\.$", why["reason"]), why)
        self.assertIn("was unable to place a task", why["events"])
        self.assertEqual(w.wait_for(lambda d: d["msg"] == "reconcile done")["result"], "failed")


if __name__ == "__main__":
    unittest.main()
