"""ecsctl against an EC2 cluster of ecs-local (`--instances`): a repo with
bridge networking, placement constraints and strategies and a DAEMON
service (tests/e2e/repos/ec2) applies, places its tasks as declared, and
plans empty afterwards, also after the DAEMON service followed a new
instance; status and drift show it; prune deletes it without scaling."""
import collections
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from ecslocal import ServerRepoCase  # noqa: E402

FAST = ("--poll-interval", "100ms")
EMPTY = "No changes. Live ECS matches git."


class Ec2(ServerRepoCase):
    server_args = ("--instances",
                   "yard=3:cpu=2048,memory=4096,type=t3.large,az=us-east-1a|us-east-1b|us-east-1c")
    repo_source = os.path.join("tests", "e2e", "repos", "ec2")

    def tasks(self, service):
        arns = self.ecs.list_tasks(cluster="yard", serviceName=service)["taskArns"]
        return self.ecs.describe_tasks(cluster="yard", tasks=arns)["tasks"] if arns else []

    def test_apply_places_and_second_plan_is_empty(self):
        self.run_ok("apply", "--auto-approve", *FAST)
        self.assertIn(EMPTY, self.run_ok("plan", "--detailed-exitcode").stdout)
        # distinctInstance + one fixed host port: one api task per instance
        api = self.tasks("api")
        self.assertEqual(len({t["containerInstanceArn"] for t in api}), 3)
        # memberOf zones a and b only
        self.assertEqual({t["availabilityZone"] for t in self.tasks("jobs")},
                         {"us-east-1a", "us-east-1b"})
        self.assertEqual(len(self.tasks("jobs")), 4)
        router = self.ecs.describe_services(cluster="yard", services=["log-router"])["services"][0]
        self.assertEqual((router["schedulingStrategy"], router["desiredCount"],
                          router["runningCount"]), ("DAEMON", 3, 3))

        # a new instance: the DAEMON service follows, git still matches
        self.ecs.register_container_instance(
            cluster="yard", instanceIdentityDocument=json.dumps(
                {"instanceType": "t3.large", "availabilityZone": "us-east-1c"}),
            totalResources=[{"name": "CPU", "type": "INTEGER", "integerValue": 2048},
                            {"name": "MEMORY", "type": "INTEGER", "integerValue": 4096}],
            attributes=[{"name": "com.amazonaws.ecs.capability.docker-remote-api.1.21"},
                        {"name": "com.amazonaws.ecs.capability.docker-remote-api.1.19"},
                        {"name": "com.amazonaws.ecs.capability.logging-driver.awslogs"},
                        {"name": "com.amazonaws.ecs.capability.task-iam-role"}])
        self.ecs.get_waiter("services_stable").wait(
            cluster="yard", services=["log-router"], WaiterConfig={"Delay": 1, "MaxAttempts": 30})
        per = collections.Counter(t["containerInstanceArn"] for t in self.tasks("log-router"))
        self.assertEqual(sorted(per.values()), [1, 1, 1, 1])
        self.assertIn(EMPTY, self.run_ok("plan", "--detailed-exitcode").stdout)
        self.run_ok("drift", "--fail-on-drift")
        status = self.run_ok("status").stdout
        self.assertIn("yard/log-router  ACTIVE  DAEMON  running 4/4 instances", status)
        doc = json.loads(self.run_ok("status", "--output", "json").stdout)
        kinds = {s["name"]: s["schedulingStrategy"] for s in doc["services"]}
        self.assertEqual(kinds["yard/log-router"], "DAEMON")
        self.assertEqual(kinds["yard/api"], "REPLICA")

        # a count written for a DAEMON service means nothing: still no changes
        path = "examples/services/log-router.yaml"
        self.repo.write(path, self.repo.read(path) + "desiredCount: 1\n")
        self.repo.commit("count")
        self.assertIn(EMPTY, self.run_ok("plan", "--detailed-exitcode").stdout)

        # prune: the DAEMON service goes with DeleteService alone
        self.repo.remove(path)
        self.repo.remove("examples/task-definitions/log-router.yaml")
        self.repo.commit("no router")
        saved = os.path.join(self.repo.dir, "plan.json")
        self.run_ok("plan", "-o", saved)
        with open(saved) as f:
            plan = json.load(f)
        [op] = [c for c in plan["changes"] if c["name"] == "yard/log-router"]
        self.assertEqual(op["action"], "delete")
        self.assertEqual([c["operation"] for c in op["calls"]], ["DeleteService"])
        self.run_ok("apply", saved, *FAST, path=None)
        router = self.ecs.describe_services(cluster="yard", services=["log-router"])["services"][0]
        self.assertIn(router["status"], ("DRAINING", "INACTIVE"))
        self.assertIn(EMPTY, self.run_ok("plan", "--detailed-exitcode").stdout)


if __name__ == "__main__":
    unittest.main(warnings="ignore")
