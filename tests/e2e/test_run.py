"""ecsctl run and ecsctl tasks against a real ecs-local: a one-off task runs
with its service's (or the shared) network configuration and overrides,
ecsctl waits for it to stop and exits with its essential container's exit
code (125 when it never started); --no-wait prints the ARNs; --timeout stops
it; tasks lists what runs and what stopped, with exit codes.

ecs-local's one-off convention (docs/ecs-local.md): a command ending in
`exit N` exits with N after its `sleep`s."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from ecslocal import ServerRepoCase  # noqa: E402

FAST = ("--poll-interval", "100ms")
MIGRATE = """kind: TaskDefinition
family: migrate
requiresCompatibilities: [FARGATE]
networkMode: awsvpc
cpu: "256"
memory: 512
executionRoleArn: arn:aws:iam::123456789012:role/shop-task-execution
containerDefinitions:
  - name: migrate
    image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/web:1
    command: [sh, -c, "sleep 2; bin/migrate && exit 0"]
  - name: log
    image: fluent/fluent-bit:2
    essential: false
"""


class Run(ServerRepoCase):
    def setUp(self):
        super().setUp()
        self.ecs = self.server.client()
        self.repo.write("examples/task-definitions/migrate.yaml", MIGRATE)
        self.repo.commit("migrate")
        self.run_ok("apply", "--auto-approve", *FAST)

    def describe(self, arns):
        return self.ecs.describe_tasks(cluster="shop", tasks=arns)["tasks"]

    def test_run_waits_and_exits_with_the_essential_exit_code(self):
        r = self.run_ok("run", "migrate", *FAST)
        self.assertIn("migrate exit 0", r.stdout)
        self.assertIn("Essential container in task exited (EssentialContainerExited)", r.stdout)
        self.assertIn("started 1 task of migrate:1 in cluster shop", r.stderr)
        stopped = self.ecs.list_tasks(cluster="shop", family="migrate",
                                      desiredStatus="STOPPED")["taskArns"]
        [task] = self.describe(stopped)
        # no service runs migrate: the network all of shop's services share
        self.assertEqual((task["launchType"], task["startedBy"], task["group"]),
                         ("FARGATE", "ecsctl", "family:migrate"))

        # the command of the essential container decides; the sidecar does not
        r = self.run_ok("run", "migrate", "--command", 'sh -c "exit 3"', *FAST, expect=3)
        self.assertIn("migrate exit 3", r.stdout)
        r = self.run_ok("run", "migrate", "--container", "log", "--command",
                        '["sh", "-c", "exit 7"]', *FAST)
        self.assertIn("log exit 7", r.stdout)

        # overrides reach ECS as given
        r = self.run_ok("run", "web", "--command", '["sh","-c","exit 0"]', "-e", "STEP=seed",
                        "--env-var", "DRY=1", "--output", "json", *FAST)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["exitCode"], 0)
        [t] = doc["tasks"]
        self.assertEqual(t["taskDefinition"], "web:1")
        [live] = self.describe([t["taskArn"]])
        o = live["overrides"]["containerOverrides"][0]
        self.assertEqual(o["command"], ["sh", "-c", "exit 0"])
        self.assertEqual(o["environment"], [{"name": "STEP", "value": "seed"},
                                            {"name": "DRY", "value": "1"}])

    def test_never_started_is_125_and_bad_input_writes_nothing(self):
        td = self.ecs.register_task_definition(
            family="broken", containerDefinitions=[
                {"name": "app", "image": "nginx:cannotpull", "memory": 128}])["taskDefinition"]
        r = self.run_ok("run", td["taskDefinitionArn"], "--cluster", "shop", "--launch-type",
                        "EC2", *FAST, expect=125)
        self.assertIn("app did not run: CannotPullContainerError", r.stdout)

        before = self.server.stats().get("RunTask", 0)
        r = self.run_ok("run", "migrate", "--env-var", "NOEQUALS", expect=1)
        self.assertIn("--env-var takes NAME=VALUE, not 'NOEQUALS'", r.stderr)
        r = self.run_ok("run", "nosuch", expect=1)
        self.assertIn("'nosuch' is not a task definition family of the repository", r.stderr)
        r = self.run_ok("run", "migrate", "--count", "11", expect=1)
        self.assertIn("--count must be between 1 and 10", r.stderr)
        r = self.run_ok("run", "migrate", "--command", "'open", expect=64)
        self.assertEqual(self.server.stats().get("RunTask", 0), before)

    def test_no_wait_timeout_and_tasks(self):
        r = self.run_ok("run", "migrate", "--no-wait", "--count", "2", "--command",
                        "sh -c 'sleep 100000; exit 0'")
        arns = r.stdout.split()
        self.assertEqual(len(arns), 2)
        self.assertTrue(all(a.startswith("arn:aws:ecs:us-east-1:") for a in arns), arns)

        r = self.run_ok("run", "migrate", "--command", "sh -c 'sleep 100000; exit 0'",
                        "--timeout", "1s", *FAST, expect=1)
        self.assertIn("did not stop within 1s (stopped it)", r.stderr)
        self.run_ok("run", "migrate", "--command", "sh -c 'exit 4'", *FAST, expect=4)

        self.ecs.get_waiter("services_stable").wait(
            cluster="shop", services=["web", "worker", "billing", "cron"],
            WaiterConfig={"Delay": 1, "MaxAttempts": 30})
        doc = json.loads(self.run_ok("tasks", "--output", "json").stdout)
        running = [t for t in doc["tasks"] if t["lastStatus"] == "RUNNING"]
        groups = sorted(t["group"] for t in running)
        self.assertEqual(groups, ["family:migrate"] * 2 + ["service:billing", "service:cron"] +
                         ["service:web"] * 2 + ["service:worker"])
        self.assertFalse([t for t in doc["tasks"] if t["lastStatus"] == "STOPPED"])
        web = [t for t in running if t["service"] == "web"][0]
        self.assertEqual((web["taskDefinition"], web["revision"], web["cluster"]),
                         ("web:1", 1, "shop"))
        self.assertTrue(web["startedAt"].endswith("Z"))

        doc = json.loads(self.run_ok("tasks", "--stopped", "--output", "json").stdout)
        stopped = {t["stoppedReason"]: t for t in doc["tasks"] if t["lastStatus"] == "STOPPED"}
        exited = stopped["Essential container in task exited"]
        self.assertEqual({c["name"]: c["exitCode"] for c in exited["containers"]},
                         {"migrate": 4, "log": 0})
        self.assertIn("ecsctl: timed out after 1s", stopped)

        text = self.run_ok("tasks", "--stopped", "--cluster", "shop").stdout
        self.assertIn("migrate=4 log=0", text)
        self.assertIn("Essential container in task exited", text)
        text = self.run_ok("tasks", "--service", "web").stdout
        self.assertEqual(len([l for l in text.splitlines() if "shop/web " in l]), 2, text)
        self.assertIn("HEALTHY", text)
        r = self.run_ok("tasks", "--service", "nosuch", expect=1)
        self.assertIn("no service 'nosuch' in the repository", r.stderr)


if __name__ == "__main__":
    unittest.main()
