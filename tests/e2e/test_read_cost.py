"""What reading live ECS costs (docs/plan.md, "What plan reads"), counted by
ecs-local's /_stats. A service ecsctl deployed carries an ecsctl:taskdef tag
naming the revision it deployed and the digest of the desired task
definition; a plan that finds both unchanged does not describe the revision
(it cannot have changed), so a no-change plan of N services costs
ceil(N/10) DescribeServices and one DescribeClusters. Anything else (another
revision, another digest, no tag, older normalization rules, --refresh) is
read as before."""
import json
import math
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from ecslocal import (BARE_TASKDEF, CLUSTER, NETCONF, SERVICE, ServerRepoCase,  # noqa: E402
                      Watch, delta)

N = 30
TD_READ = "DescribeTaskDefinition"


def fleet(n):
    """A cluster and n Fargate services, each with its own family."""
    files = {"ecsctl.yaml": "name: shop\nregion: us-east-1\n", "clusters/shop.yaml": CLUSTER}
    for i in range(n):
        name = "svc-%02d" % i
        files["task-definitions/%s.yaml" % name] = BARE_TASKDEF.replace(
            "family: web", "family: " + name)
        files["services/%s.yaml" % name] = (
            SERVICE.replace("serviceName: web", "serviceName: " + name)
            .replace("taskDefinition: web", "taskDefinition: " + name)
            .replace("desiredCount: 2", "desiredCount: 1"))
    return files


class PlanCost(ServerRepoCase):
    repo_source, repo_files = None, fleet(N)

    def reads(self, *args, expect=0):
        """Runs ecsctl ARGS; the requests ecs-local served for it."""
        before = self.server.stats()
        r = self.run_ok(*args, expect=expect)
        return delta(before, self.server.stats()), r

    def plan(self, *args):
        reads, r = self.reads("plan", "--output", "json", *args)
        return reads, json.loads(r.stdout)

    def apply(self):
        self.run_ok("apply", "--auto-approve", "--no-wait")

    def changes(self, doc):
        return [(c["action"], c["kind"], c["name"]) for c in doc["changes"]]

    def arn(self, name):
        return self.ecs.describe_services(cluster="shop", services=[name])[
            "services"][0]["serviceArn"]

    def test_a_no_change_plan_reads_only_clusters_and_services(self):
        self.apply()
        tag = self.ecs.list_tags_for_resource(resourceArn=self.arn("svc-07"))["tags"]
        value = {t["key"]: t["value"] for t in tag}["ecsctl:taskdef"]
        self.assertRegex(value, r"^svc-07:1 sha256:[0-9a-f]{64} n1$")
        no_change = {"DescribeClusters": 1, "DescribeServices": math.ceil(N / 10)}
        reads, doc = self.plan()
        self.assertEqual(doc["changes"], [])
        self.assertEqual(reads, no_change)
        self.assertEqual(doc["stats"]["apiCalls"], no_change)
        reads, _ = self.reads("drift")
        self.assertNotIn(TD_READ, reads)
        # --refresh reads every revision, as before the tags; the plan is the same
        reads, doc = self.plan("--refresh")
        self.assertEqual(doc["changes"], [])
        self.assertEqual(reads, dict(no_change, **{TD_READ: N}))
        reads, _ = self.reads("drift", "--refresh")
        self.assertEqual(reads[TD_READ], N)
        reads, _ = self.reads("apply", "--auto-approve", "--no-wait", "--refresh")
        self.assertEqual(reads[TD_READ], N)
        r = self.run_ok("apply", "--refresh", "plan.json", expect=64)
        self.assertIn("--refresh cannot be used with a saved plan", r.stderr)

    def test_a_saved_plan_is_applied_as_it_was_read(self):
        self.apply()
        tmp = tempfile.TemporaryDirectory(prefix="ecsctl-plan-")
        self.addCleanup(tmp.cleanup)
        saved = os.path.join(tmp.name, "p.json")
        for name, args, described in (("svc-01", ("--refresh",), N), ("svc-02", (), 1)):
            path = "task-definitions/%s.yaml" % name
            self.repo.commit(name, files={path: self.repo.read(path).replace("1.25", "1.27")})
            self.run_ok("plan", "-o", saved, *args)
            # re-derived with the same reads: its fingerprint is comparable
            reads, _ = self.reads("apply", "--auto-approve", "--no-wait", saved)
            self.assertEqual(reads[TD_READ], described, args)
            self.assertEqual(reads["UpdateService"], 1, args)

    def test_an_out_of_band_revision_is_read_and_reverted(self):
        self.apply()
        live = self.ecs.describe_task_definition(taskDefinition="svc-03")["taskDefinition"]
        by_hand = self.ecs.register_task_definition(
            family="svc-03", requiresCompatibilities=["FARGATE"], networkMode="awsvpc",
            cpu="256", memory="512",
            containerDefinitions=[dict(live["containerDefinitions"][0], image="nginx:by-hand")])
        self.ecs.update_service(cluster="shop", service="svc-03",
                                taskDefinition=by_hand["taskDefinition"]["taskDefinitionArn"])
        reads, doc = self.plan()
        # svc-03's family (its latest is what it runs now), then, a register
        # being needed, its older revisions: svc-03:1 equals git and is reused
        self.assertEqual(reads[TD_READ], 2)
        self.assertEqual(reads["ListTaskDefinitions"], 1)
        self.assertEqual(self.changes(doc), [("update", "Service", "shop/svc-03")])
        self.assertIn({"path": "taskDefinition", "before": "svc-03:2", "after": "svc-03:1"},
                      doc["changes"][0]["diff"])
        reads, r = self.reads("drift", "--format", "json", expect=0)
        self.assertEqual(reads[TD_READ], 1)
        drifted = {(x["kind"], x["name"]) for x in json.loads(r.stdout)["resources"]
                   if x["status"] == "drifted"}
        self.assertEqual(drifted, {("Service", "shop/svc-03"), ("TaskDefinition", "svc-03")})
        self.apply()
        reads, doc = self.plan()
        self.assertEqual(doc["changes"], [])
        self.assertNotIn(TD_READ, reads)

    def test_no_tag_old_rules_or_a_changed_digest_are_read(self):
        self.apply()
        self.ecs.untag_resource(resourceArn=self.arn("svc-05"), tagKeys=["ecsctl:taskdef"])
        old = self.ecs.list_tags_for_resource(resourceArn=self.arn("svc-06"))["tags"]
        old = {t["key"]: t["value"] for t in old}["ecsctl:taskdef"]
        self.ecs.tag_resource(resourceArn=self.arn("svc-06"), tags=[
            {"key": "ecsctl:taskdef", "value": old[:-1] + "0"}])
        self.repo.commit("svc-07 1.27", files={
            "task-definitions/svc-07.yaml": self.repo.read("task-definitions/svc-07.yaml")
            .replace("nginx:1.25", "nginx:1.27")})
        reads, doc = self.plan()
        self.assertEqual(reads[TD_READ], 3)  # svc-05, svc-06, svc-07: nothing else
        self.assertEqual(self.changes(doc), [("register", "TaskDefinition", "svc-07"),
                                             ("update", "Service", "shop/svc-07")])
        self.apply()
        # svc-07 deployed again carries a tag again; svc-05 and svc-06 did not
        # change, and get theirs with their next deploy (a tag never causes one)
        reads, doc = self.plan()
        self.assertEqual(doc["changes"], [])
        self.assertEqual(reads[TD_READ], 2)
        tags = self.ecs.list_tags_for_resource(resourceArn=self.arn("svc-07"))["tags"]
        self.assertRegex({t["key"]: t["value"] for t in tags}["ecsctl:taskdef"],
                         r"^svc-07:2 sha256:[0-9a-f]{64} n1$")


class WatchCost(ServerRepoCase):
    """A watch tick reads live ECS once for its drift report and its plan,
    and keeps the task definitions it read by ARN."""
    repo_source, repo_files = None, fleet(N)

    def test_a_steady_tick_costs_one_no_change_plan_and_reads_a_revision_once(self):
        self.run_ok("apply", "--auto-approve", "--no-wait")
        # a service deployed before the tag: its revision must be read once
        arn = self.ecs.describe_services(cluster="shop", services=["svc-05"])[
            "services"][0]["serviceArn"]
        self.ecs.untag_resource(resourceArn=arn, tagKeys=["ecsctl:taskdef"])
        before = self.server.stats()
        w = Watch(self.server, self.repo, "--interval", "1s")
        self.addCleanup(w.stop)

        def tick():
            n = len(w.reconciles())
            w.wait_for(lambda d: d["msg"] == "reconcile done" and len(
                [x for x in w.log if x["msg"] == "reconcile done"]) > n, timeout=20)
            return self.server.stats()

        first = tick()
        # the first tick reads svc-05's family (no tag), nothing else
        self.assertEqual(delta(before, first).get(TD_READ), 1)
        ticks = [first, tick(), tick()]
        plan = {"DescribeClusters": 1, "DescribeServices": math.ceil(N / 10)}
        for a, b in zip(ticks, ticks[1:]):
            # one no-change plan's reads: svc-05's revision from the cache, and
            # no listing for drift's unmanaged services (the cluster's
            # activeServicesCount is the number of desired services found)
            self.assertEqual(delta(a, b), plan)
        # a service git does not name: the cluster is listed, and reported
        self.ecs.create_service(cluster="shop", serviceName="adhoc", taskDefinition="svc-01",
                                desiredCount=0, launchType="FARGATE",
                                networkConfiguration=NETCONF)
        w.wait_for(lambda d: d["msg"] == "reconcile done", timeout=20)
        a = tick()
        self.assertEqual(delta(a, tick()), dict(plan, ListServices=1, DescribeServices=4))
        status = json.loads(w.get("/api/v1/status")[1])
        self.assertIn("shop/adhoc", json.dumps(status))


if __name__ == "__main__":
    unittest.main()
