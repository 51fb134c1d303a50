"""watch logs why a service did not become stable (one "service not stable"
line per service: reason, stopped tasks, events), and --self-heal succeeds
only when running == desired, like apply (test_deploy_why.py)."""
import hashlib
import hmac
import json
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import opslib  # noqa: E402

JOB_TD = """kind: TaskDefinition
family: job
requiresCompatibilities: [EC2]
containerDefinitions:
  - {name: job, image: busybox:1, memory: 64}
"""
JOB_SVC = """kind: Service
cluster: shop
serviceName: job
taskDefinition: job
desiredCount: 2
launchType: EC2
"""
WEB_BREAKER = opslib.SERVICE + """deploymentConfiguration:
  deploymentCircuitBreaker: {enable: true, rollback: true}
"""


class WatchLogsWhy(unittest.TestCase):
    def test_failed_apply_logs_reason_and_stopped_tasks(self):
        files = dict(opslib.FILES)
        files["ecsctl.yaml"] = "name: shop\nregion: us-east-1\nwait: {timeout: 20s}\n"
        files["task-definitions/web.yaml"] = opslib.TASKDEF.replace("nginx:1.25",
                                                                    "nginx:crashloop")
        files["services/web.yaml"] = WEB_BREAKER
        opslib.set_up(self, files)
        w = opslib.Watch(self.server, self.repo.path, "--interval", "1h")
        self.addCleanup(w.stop)
        why = w.wait_for(lambda d: d["msg"] == "service not stable")
        self.assertEqual(why["service"], "shop/web")
        self.assertEqual(why["reason"], "ECS deployment circuit breaker: tasks failed to start.")
        self.assertRegex(why["stopped_tasks"], r"^\d+ tasks: Essential container in task exited "
                                               r"\(EssentialContainerExited\), web exit 1$")
        self.assertIn("deployment failed: tasks failed to start.", why["events"])
        self.assertEqual(w.wait_for(lambda d: d["msg"] == "reconcile done")["result"], "failed")

    def test_self_heal_goes_through_running_equals_desired(self):
        self.server = opslib.ecslocal.Server("--ec2-capacity", "2").start()
        self.addCleanup(self.server.stop)
        self.ecs = self.server.client()
        self.repo = opslib.Repo({"ecsctl.yaml": "name: shop\nregion: us-east-1\n"
                                                "wait: {timeout: 2s}\n",
                                 "clusters/shop.yaml": opslib.CLUSTER,
                                 "task-definitions/job.yaml": JOB_TD,
                                 "services/job.yaml": JOB_SVC})
        self.addCleanup(self.repo.close)
        w = opslib.Watch(self.server, self.repo.path, "--interval", "1h", "--self-heal")
        self.addCleanup(w.stop)
        self.assertEqual(w.wait_for(lambda d: d["msg"] == "reconcile done")["result"], "applied")
        # someone scales job down and gives the room it had to a service of their own
        self.ecs.update_service(cluster="shop", service="job", desiredCount=1)
        opslib.wait_stable(self.ecs, "shop", ["job"])
        self.ecs.create_service(cluster="shop", serviceName="hog", taskDefinition="job",
                                desiredCount=1, launchType="EC2")
        opslib.wait_stable(self.ecs, "shop", ["hog"])
        body = json.dumps({"ref": "refs/heads/main", "after": self.repo.sha}).encode()
        sig = "sha256=" + hmac.new(opslib.SECRET, body, hashlib.sha256).hexdigest()
        self.assertEqual(w.post("/webhook", body, sig), 202)
        w.wait_for(lambda d: d["msg"] == "self-healing drift")
        why = w.wait_for(lambda d: d["msg"] == "service not stable")
        self.assertTrue(re.match(r"Not stable after \ds: 1 of 2 tasks running "
                                 r"\(rollout COMPLETED\)\.$", why["reason"]), why)
        self.assertIn("was unable to place a task", why["events"])
        self.assertEqual(w.wait_for(lambda d: d["msg"] == "reconcile done")["result"], "failed")


if __name__ == "__main__":
    unittest.main()
