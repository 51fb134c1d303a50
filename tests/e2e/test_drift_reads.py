"""drift reads live ECS as plan does: the same batched, concurrent calls
(ecsctl_reconcile_gather), plus ListServices and DescribeServices for the
services git does not name (drift's "unmanaged"). Before, drift listed
each family's revisions and described task definitions one call at a time,
so it could read another revision than plan compared with."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from ecslocal import ServerRepoCase, delta  # noqa: E402


class DriftReads(ServerRepoCase):
    def drift(self, *args):
        """drift --format json: its reads (per operation) and resources by (kind, name)."""
        before = self.server.stats()
        out = self.run_ok("drift", "--format", "json", *args).stdout
        reads = delta(before, self.server.stats())
        return reads, {(r["kind"], r["name"]): r for r in json.loads(out)["resources"]}

    def plan_reads(self, *args):
        return json.loads(self.run_ok("plan", "--output", "json", *args).stdout)[
            "stats"]["apiCalls"]

    def test_nothing_live_reads_what_plan_reads(self):
        reads, res = self.drift()
        # one DescribeTaskDefinition per family, as plan: no ListTaskDefinitions
        self.assertEqual(reads, self.plan_reads())
        self.assertEqual(reads["DescribeTaskDefinition"], 4)
        self.assertEqual({r["status"] for r in res.values()}, {"missing"})

    def test_deployed_reads_what_plan_reads_plus_the_unmanaged(self):
        self.run_ok("apply", "--auto-approve", "--poll-interval", "100ms")
        ecs = self.server.client()
        # a newer revision of web registered by hand: the service still runs the old
        # one, which its ecsctl:taskdef tag vouches for
        td = ecs.describe_task_definition(taskDefinition="web")["taskDefinition"]
        keep = {k: td[k] for k in ("family", "containerDefinitions", "cpu", "memory",
                                  "networkMode", "requiresCompatibilities",
                                  "executionRoleArn", "taskRoleArn") if k in td}
        keep["containerDefinitions"][0]["image"] = "nginx:by-hand"
        ecs.register_task_definition(**keep)
        web = ecs.describe_services(cluster="shop", services=["web"])["services"][0]
        ecs.create_service(cluster="shop", serviceName="adhoc",
                           taskDefinition=web["taskDefinition"], desiredCount=0,
                           launchType=web.get("launchType", "FARGATE"),
                           networkConfiguration=web.get("networkConfiguration", {}))
        for args, described in (((), 0), (("--refresh",), 5)):
            # without --refresh nothing is described: every service runs the
            # revision its tag names; with it, as before the tags, the family's
            # latest (4) and the revision web runs, which is not web's latest
            want = self.plan_reads(*args)
            self.assertEqual(want.get("DescribeTaskDefinition", 0), described, args)
            want["ListServices"] = 1             # the cluster's services, for the unmanaged
            want["DescribeServices"] += 1        # adhoc, the one git does not name
            reads, res = self.drift(*args)
            self.assertEqual(reads, want, args)
            self.assertEqual(res[("Service", "shop/adhoc")]["status"], "unmanaged")
            # the revision web runs is what its task definition is compared with
            self.assertEqual(res[("TaskDefinition", "web")]["status"], "in-sync")
            self.assertEqual(res[("Service", "shop/web")]["status"], "in-sync")

if __name__ == "__main__":
    unittest.main()
