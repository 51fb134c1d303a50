"""A failed apply says why, without a second command: its text and JSON carry
the rollout reason, the stopped tasks of the deployment (grouped, with exit
codes and reasons) and the events that explain it; progress lines carry the
time waited and each deployment's counts. Success means running == desired,
also for a desiredCount change alone. (watch: test_watch_why.py.)"""
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from ecslocal import ServerRepoCase, ecsctl  # noqa: E402

FAST = ("--poll-interval", "100ms")


class ApplySaysWhy(ServerRepoCase):
    def apply(self, *args, expect=0, **env):
        return self.run_ok("apply", "--auto-approve", *FAST, *args, expect=expect, **env)

    def test_crashloop_prints_reason_stopped_tasks_and_events(self):
        self.apply()
        # web has a circuit breaker with rollback: ECS fails the deployment
        r = self.apply("--timeout", "20s", expect=3, IMAGE_TAG="crashloop")
        err = r.stderr
        self.assertIn("error: 1 service failed to deploy", err)
        self.assertRegex(err, r"\nshop/web: ECS deployment circuit breaker: tasks failed to "
                              r"start\. ECS rolled back to web:1\. The rollback to web:1 "
                              r"completed\.\n")
        self.assertRegex(err, r"\n  stopped tasks of deployment ecs-svc/\d{19}:\n    \d+ tasks: "
                              r"Essential container in task exited \(EssentialContainerExited\), "
                              r"web exit 1\n")
        self.assertRegex(err, r"\n  events:\n    \(service web\) \(deployment ecs-svc/\d+\) "
                              r"deployment failed: tasks failed to start\.\n    \(service web\) "
                              r"rolling back to deployment ecs-svc/\d+\.\n")
        # ECS's breaker already rolled back: ecsctl waits for it, sends no second one
        self.assertNotIn("rolling back to arn:", err)
        # progress: the time waited first, each deployment's own counts
        self.assertRegex(err, r"\n\[\d+s\] shop/web: web:2 running \d/2(, pending \d)?"
                              r"(, failed \d)? \(PRIMARY, IN_PROGRESS\); web:1 running 2/2 "
                              r"\(ACTIVE, COMPLETED\): waiting\n")
        self.assertRegex(err, r"\n\[\d+s\]   shop/web: \(service web\) has started")

    def test_output_json_has_reason_stopped_tasks_and_events(self):
        self.apply()
        # worker has no circuit breaker: the timeout ends it, ecsctl rolls back
        r = self.apply("--output", "json", "--timeout", "3s", expect=3,
                       WORKER_TAG="cannotpull")
        res = json.loads(r.stdout.strip().split("\n")[-1])
        (svc,) = res["services"]
        self.assertEqual((svc["name"], svc["outcome"]), ("shop/worker", "rolledBack"))
        self.assertRegex(svc["reason"], r"^Not stable after \ds: 0 of 1 tasks running, "
                                        r"1 pending, \d+ failed \(rollout IN_PROGRESS\)\. "
                                        r"Rolled back to worker:1\.$")
        (group,) = svc["stoppedTasks"]
        ref = "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/worker:cannotpull"
        pull = ("CannotPullContainerError: pull image manifest has been retried 5 time(s): "
                "failed to resolve ref %s: %s: not found" % (ref, ref))
        self.assertEqual(group["stopCode"], "TaskFailedToStart")
        self.assertEqual(group["stoppedReason"], pull)
        self.assertEqual(group["containers"], [{"name": "worker", "reason": pull}])
        self.assertGreaterEqual(group["count"], 2)
        self.assertEqual(group["summary"], "%d tasks: %s (TaskFailedToStart), container worker"
                         % (group["count"], pull))
        self.assertEqual(svc["events"], [])
        # counts per deployment, the PRIMARY first
        self.assertEqual([(d["status"], d["taskDefinition"]) for d in svc["deployments"]],
                         [("PRIMARY", "worker:1")])
        self.assertIn("rolling back to arn:", r.stderr)

    def test_a_service_left_failing_says_why_when_apply_waits_for_it(self):
        self.repo.write("examples/ecsctl.yaml", self.repo.read("examples/ecsctl.yaml")
                        .replace("rollbackOnFailure: true", "rollbackOnFailure: false"))
        self.repo.commit("no rollback")
        self.apply()
        self.apply("--timeout", "1s", expect=3, WORKER_TAG="crashloop")
        # nothing to change; apply waits for worker, which crash-loops
        r = self.apply("--timeout", "1s", "--output", "json", expect=3, WORKER_TAG="crashloop")
        self.assertRegex(r.stderr, r"\nshop/worker: Not stable after \ds: 0 of 1 tasks running, "
                                   r"1 pending, \d+ failed \(rollout IN_PROGRESS\)\.\n  stopped "
                                   r"tasks of deployment ecs-svc/\d+:\n    \d+ tasks: Essential "
                                   r"container in task exited \(EssentialContainerExited\), "
                                   r"worker exit 1\n")
        res = json.loads(r.stdout.strip().split("\n")[-1])
        self.assertEqual(res["operations"], [])
        (svc,) = res["services"]
        self.assertEqual((svc["name"], svc["outcome"]), ("shop/worker", "waiting"))
        self.assertEqual(svc["stoppedTasks"][0]["containers"], [{"name": "worker", "exitCode": 1}])


class DesiredCountNeedsRoom(ServerRepoCase):
    server_args = ("--ec2-capacity", "2")

    def test_scale_beyond_capacity_is_not_stable(self):
        server, repo = self.server, self.repo
        r = ecsctl(server, repo, "apply", "--auto-approve", *FAST)
        self.assertEqual(r.returncode, 0, r.stderr)
        repo.write("examples/services/cron.yaml",
                   repo.read("examples/services/cron.yaml").replace("desiredCount: 1",
                                                                    "desiredCount: 5"))
        repo.commit("cron: 5")
        t0 = time.monotonic()
        r = ecsctl(server, repo, "apply", "--auto-approve", *FAST, "--timeout", "2s")
        # the deployment stays COMPLETED: only running == desired is success
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertLess(time.monotonic() - t0, 15)
        self.assertIn("error: 1 service did not become stable in time", r.stderr)
        self.assertRegex(r.stderr, r"\nshop/cron: Not stable after \ds: 2 of 5 tasks running "
                                   r"\(rollout COMPLETED\)\.\n  events:\n    \(service cron\) was "
                                   r"unable to place a task because no container instance met "
                                   r"all of its requirements\.")
        self.assertRegex(r.stderr, r"\n\[\d+s\] shop/cron: cron:1 running 2/5 "
                                   r"\(PRIMARY, COMPLETED\): waiting\n")


if __name__ == "__main__":
    unittest.main()
