"""examples/ec2 (bridge networking, placement constraints and strategies, a
DAEMON service, a migration hook) applies to `ecs-local --instances` and plans
empty afterwards; the quick start's examples/ (staging) does not read it."""
import collections
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from ecslocal import ServerRepoCase  # noqa: E402

FAST = ("--poll-interval", "100ms")
EMPTY = "No changes. Live ECS matches git."


class ExampleEc2(ServerRepoCase):
    server_args = ("--instances", "shop-ec2=3:cpu=2048,memory=4096,type=t3.large,"
                   "az=us-east-1a|us-east-1b|us-east-1c")
    repo_source = "examples"

    def tasks(self, service):
        ecs = self.server.client()
        arns = ecs.list_tasks(cluster="shop-ec2", serviceName=service)["taskArns"]
        return ecs.describe_tasks(cluster="shop-ec2", tasks=arns)["tasks"] if arns else []

    def test_applies_places_and_plans_empty(self):
        r = self.run_ok("apply", "--auto-approve", *FAST, path="examples/ec2")
        self.assertIn("hook migrate: exit 0", r.stderr)
        self.assertIn(EMPTY, self.run_ok("plan", "--detailed-exitcode",
                                         path="examples/ec2").stdout)
        store = self.tasks("storefront")
        self.assertEqual(len({t["containerInstanceArn"] for t in store}), 3)
        jobs = self.tasks("jobs")
        self.assertEqual(len(jobs), 4)
        self.assertEqual({t["availabilityZone"] for t in jobs}, {"us-east-1a", "us-east-1b"})
        per = collections.Counter(t["containerInstanceArn"] for t in self.tasks("node-exporter"))
        self.assertEqual(sorted(per.values()), [1, 1, 1])
        status = self.run_ok("status", path="examples/ec2").stdout
        self.assertIn("shop-ec2/node-exporter  ACTIVE  DAEMON  running 3/3 instances", status)

    def test_quick_start_root_does_not_read_it(self):
        doc = self.run_ok("render", "--env", "staging", "--output", "json").stdout
        self.assertNotIn("shop-ec2", doc)
        self.assertIn("shop-staging", doc)


if __name__ == "__main__":
    unittest.main()
