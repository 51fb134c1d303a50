"""ecsctl plan/apply against a real ecs-local: convergence, exact API calls,
saved plans, failures, interruption. Each test gets its own server and repo."""
import json
import os
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from ecslocal import ServerRepoCase, delta, popen_ecsctl, writes  # noqa: E402

FAST = ("--poll-interval", "100ms")


class PlanApply(ServerRepoCase):
    def plan_json(self, *args, **kw):
        return json.loads(self.run_ok("plan", "--output", "json", *args, **kw).stdout)

    def apply(self, *args, expect=0, **kw):
        return self.run_ok("apply", "--auto-approve", *FAST, *args, expect=expect, **kw)

    def service(self, name, cluster="shop"):
        return self.server.client().describe_services(cluster=cluster, services=[name],
                                                      include=["TAGS"])["services"][0]

    def test_apply_then_plan_is_empty_and_apply_twice_is_harmless(self):
        r = self.run_ok("plan", "--detailed-exitcode", expect=2)
        self.assertIn("Plan: 5 to create, 4 to register.", r.stdout)
        self.apply()
        r = self.run_ok("plan", "--detailed-exitcode")
        self.assertIn("No changes. Live ECS matches git.", r.stdout)
        before = self.server.stats()
        r = self.apply()
        self.assertIn("No changes", r.stdout)
        self.assertEqual(writes(delta(before, self.server.stats())), {})
        for name in ("web", "worker", "billing", "cron"):
            svc = self.service(name)
            self.assertEqual(svc["runningCount"], svc["desiredCount"], name)
            tags = {t["key"]: t["value"] for t in svc["tags"]}
            self.assertEqual(tags["ecsctl:owner"], "shop")

    def test_plan_json_schema_and_stats(self):
        d = self.plan_json()
        self.assertEqual(d["formatVersion"], 1)
        self.assertEqual(len(d["commit"]), 40)
        self.assertEqual(d["summary"]["create"], 5)
        self.assertEqual(d["summary"]["register"], 4)
        # the minimum reads: one DescribeClusters, one DescribeServices (4 services
        # in one cluster), one DescribeTaskDefinition per family
        self.assertEqual(d["stats"]["apiCalls"], {"DescribeClusters": 1, "DescribeServices": 1,
                                                  "DescribeTaskDefinition": 4})
        kinds = [(c["action"], c["kind"], c["name"]) for c in d["changes"]]
        self.assertEqual(kinds[0], ("create", "Cluster", "shop"))
        self.assertTrue(all(k[1] == "TaskDefinition" for k in kinds[1:5]))
        self.assertTrue(all(k[1] == "Service" for k in kinds[5:]))

    def test_image_change_is_one_register_and_one_update(self):
        self.apply()
        old = self.service("worker")["taskDefinition"]
        before = self.server.stats()
        d = self.plan_json(WORKER_TAG="1.5.0")
        self.assertEqual([(c["action"], c["name"]) for c in d["changes"]],
                         [("register", "worker"), ("update", "shop/worker")])
        paths = {x["path"]: x for x in d["changes"][0]["diff"]}
        self.assertTrue(paths["containerDefinitions[worker].image"]["after"].endswith(":1.5.0"))
        self.apply(WORKER_TAG="1.5.0")
        self.assertEqual(writes(delta(before, self.server.stats())),
                         {"RegisterTaskDefinition": 1, "UpdateService": 1, "TagResource": 1})
        svc = self.service("worker")
        self.assertNotEqual(svc["taskDefinition"], old)
        self.assertEqual(svc["deployments"][0]["taskDefinition"], svc["taskDefinition"])
        self.run_ok("plan", "--detailed-exitcode", WORKER_TAG="1.5.0")
        # going back reuses the old revision (still ACTIVE): nothing registered
        before = self.server.stats()
        d = self.plan_json()
        self.assertEqual([(c["action"], c["name"]) for c in d["changes"]],
                         [("update", "shop/worker")])
        self.assertEqual(d["stats"]["apiCalls"].get("ListTaskDefinitions"), 1)
        self.apply()
        self.assertEqual(writes(delta(before, self.server.stats())),
                         {"UpdateService": 1, "TagResource": 1})
        self.assertEqual(self.service("worker")["taskDefinition"], old)

    def test_prune_deletes_owned_services_that_left_git(self):
        self.apply()
        ecs = self.server.client()
        ecs.create_service(cluster="shop", serviceName="manual", taskDefinition="cron",
                           desiredCount=0, launchType="EC2")  # not ours: never pruned
        docs = self.repo.read("examples/services/storefront.yaml").split("\n---\n")
        kept = [d for d in docs if "serviceName: worker" not in d]
        self.assertEqual(len(kept), len(docs) - 1)
        self.repo.write("examples/services/storefront.yaml", "\n---\n".join(kept))
        self.repo.write("examples/ecsctl.yaml",
                        self.repo.read("examples/ecsctl.yaml").replace("prune: false",
                                                                       "prune: true"))
        self.repo.commit("drop worker")
        d = self.plan_json()
        deletes = [c["name"] for c in d["changes"] if c["action"] == "delete"]
        self.assertEqual(deletes, ["shop/worker"])
        self.apply()
        self.assertIn(self.service("worker")["status"], ("DRAINING", "INACTIVE"))
        self.assertEqual(self.service("manual")["status"], "ACTIVE")
        self.run_ok("plan", "--detailed-exitcode")

    def test_apply_output_json_prints_plan_then_result(self):
        r = self.run_ok("apply", "--output", "yaml", "--auto-approve", expect=64)
        self.assertIn("'--output' takes 'text' or 'json'", r.stderr)
        r = self.apply("--output", "json")
        plan, end = json.JSONDecoder().raw_decode(r.stdout)
        self.assertEqual(plan["summary"]["create"], 5)
        lines = r.stdout[end:].strip().split("\n")
        self.assertEqual(len(lines), 1)
        res = json.loads(lines[0])
        self.assertEqual((res["formatVersion"], res["result"], res["exitCode"]), (1, "applied", 0))
        self.assertEqual(len(res["operations"]), len(plan["changes"]))
        self.assertTrue(all(o["outcome"] == "done" for o in res["operations"]), res)
        svcs = {s["name"]: s for s in res["services"]}
        self.assertEqual(sorted(svcs), ["shop/billing", "shop/cron", "shop/web", "shop/worker"])
        for name, s in svcs.items():
            self.assertEqual(s["outcome"], "stable", name)
            self.assertEqual(s["running"], s["desired"], name)
            self.assertEqual(s["taskDefinition"], self.service(name.split("/")[1])["taskDefinition"])
        # a failed rollout is reported per service, with the exit code
        r = self.apply("--output", "json", "--timeout", "3s", expect=3, WORKER_TAG="crashloop")
        res = json.loads(r.stdout.strip().split("\n")[-1])
        self.assertEqual((res["result"], res["exitCode"]), ("unstable", 3))
        self.assertEqual({s["name"]: s["outcome"] for s in res["services"]},
                         {"shop/worker": "rolledBack"})
        r = self.apply("--output", "json")
        res = json.loads(r.stdout.strip().split("\n")[-1])
        self.assertEqual(res["result"], "noChanges")

    def edit_worker(self, old, new):
        docs = self.repo.read("examples/services/storefront.yaml").split("\n---\n")
        docs = [d.replace(old, new) if "serviceName: worker" in d else d for d in docs]
        self.repo.write("examples/services/storefront.yaml", "\n---\n".join(docs))
        self.repo.commit("worker: %s" % new)

    def test_replace_refused_without_flag_then_delete_wait_create(self):
        self.apply()
        old = self.service("worker")
        self.edit_worker("launchType: FARGATE", "launchType: EC2")
        d = self.plan_json()
        # web's task definition carries the commit: it follows every commit
        self.assertEqual([(c["action"], c["name"]) for c in d["changes"] if "web" not in c["name"]],
                         [("replace", "shop/worker")])
        before = self.server.stats()
        r = self.apply(expect=1)
        self.assertIn("'shop/worker' must be replaced", r.stderr)
        self.assertIn("launchType", r.stderr)
        self.assertIn("--allow-replace", r.stderr)
        self.assertEqual(writes(delta(before, self.server.stats())), {})
        self.assertEqual(self.service("worker")["serviceArn"], old["serviceArn"])
        before = self.server.stats()
        self.apply("--allow-replace")
        calls = writes(delta(before, self.server.stats()))
        self.assertEqual((calls["DeleteService"], calls["CreateService"]), (1, 1))
        svc = self.service("worker")
        self.assertEqual(svc["status"], "ACTIVE")
        self.assertEqual(svc["launchType"], "EC2")
        self.assertEqual(svc["runningCount"], svc["desiredCount"])
        self.assertEqual(svc["deployments"][0]["rolloutState"], "COMPLETED")
        self.run_ok("plan", "--detailed-exitcode")

    def test_prune_of_a_cluster_deletes_its_services_waits_then_the_cluster(self):
        self.repo.write("examples/clusters/old.yaml", "kind: Cluster\nclusterName: old\n")
        self.repo.write("examples/services/old.yaml",
                        "kind: Service\ncluster: old\nserviceName: jobs\ntaskDefinition: cron\n"
                        "desiredCount: 2\nlaunchType: EC2\n---\n"
                        "kind: Service\ncluster: old\nserviceName: api\ntaskDefinition: cron\n"
                        "desiredCount: 1\nlaunchType: EC2\n")
        self.repo.write("examples/ecsctl.yaml",
                        self.repo.read("examples/ecsctl.yaml").replace("prune: false",
                                                                       "prune: true"))
        self.repo.commit("an old cluster")
        self.apply()
        self.assertEqual(self.service("jobs", cluster="old")["runningCount"], 2)
        self.repo.git("rm", "-q", "examples/clusters/old.yaml", "examples/services/old.yaml")
        self.repo.commit("drop the old cluster")
        d = self.plan_json()
        deletes = [(c["kind"], c["name"]) for c in d["changes"] if c["action"] == "delete"]
        self.assertEqual(deletes, [("Service", "old/api"), ("Service", "old/jobs"),
                                   ("Cluster", "old")])
        self.apply()
        ecs = self.server.client()
        self.assertEqual(ecs.describe_clusters(clusters=["old"])["clusters"][0]["status"],
                         "INACTIVE")
        self.run_ok("plan", "--detailed-exitcode")

    def test_prune_keeps_a_cluster_with_a_service_not_ours(self):
        self.repo.write("examples/clusters/old.yaml", "kind: Cluster\nclusterName: old\n")
        self.repo.write("examples/ecsctl.yaml",
                        self.repo.read("examples/ecsctl.yaml").replace("prune: false",
                                                                       "prune: true"))
        self.repo.commit("an old cluster")
        self.apply()
        self.server.client().create_service(cluster="old", serviceName="manual",
                                            taskDefinition="cron", desiredCount=0,
                                            launchType="EC2")
        self.repo.git("rm", "-q", "examples/clusters/old.yaml")
        self.repo.commit("drop the old cluster")
        d = self.plan_json()
        self.assertEqual([c for c in d["changes"] if c["action"] == "delete"], [])
        # the service gone, the same plan deletes the cluster: prune was on
        ecs = self.server.client()
        ecs.delete_service(cluster="old", service="manual", force=True)
        ecs.get_waiter("services_inactive").wait(
            cluster="old", services=["manual"], WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
        d = self.plan_json()
        self.assertEqual([(c["kind"], c["name"]) for c in d["changes"] if c["action"] == "delete"],
                         [("Cluster", "old")])

    def test_keep_revisions_deregisters_old_owned_revisions(self):
        self.repo.write("examples/ecsctl.yaml", self.repo.read("examples/ecsctl.yaml")
                        .replace("keepRevisions: 5", "keepRevisions: 1"))
        self.repo.commit("keep 1")
        self.apply()
        first = self.service("worker")["taskDefinition"]
        self.apply(WORKER_TAG="2")  # worker:1 is in use while planning: kept
        ecs = self.server.client()
        self.assertEqual(ecs.describe_task_definition(taskDefinition=first)
                         ["taskDefinition"]["status"], "ACTIVE")
        d = self.plan_json(WORKER_TAG="3")
        self.assertIn(("deregister", first.split("/")[-1]),
                      [(c["action"], c["name"]) for c in d["changes"]])
        self.apply(WORKER_TAG="3")
        self.assertEqual(ecs.describe_task_definition(taskDefinition=first)
                         ["taskDefinition"]["status"], "INACTIVE")
        # worker:2 was in use while that plan was made; now it is not
        d = self.plan_json(WORKER_TAG="3")
        self.assertEqual([(c["action"], c["name"]) for c in d["changes"]],
                         [("deregister", "worker:2")])
        self.apply(WORKER_TAG="3")
        self.run_ok("plan", "--detailed-exitcode", WORKER_TAG="3")

    def test_lowering_keep_revisions_alone_deregisters_down_to_n(self):
        self.apply()
        self.apply(WORKER_TAG="2")
        self.apply(WORKER_TAG="3")
        ecs = self.server.client()

        def active(family):
            return ecs.list_task_definitions(familyPrefix=family, status="ACTIVE",
                                             sort="DESC")["taskDefinitionArns"]
        self.assertEqual(len(active("worker")), 3)
        # keepRevisions 5, worker at revision 3: no list call can matter
        d = self.plan_json(WORKER_TAG="3")
        self.assertEqual(d["changes"], [])
        self.assertNotIn("ListTaskDefinitions", d["stats"]["apiCalls"])
        self.repo.write("examples/ecsctl.yaml", self.repo.read("examples/ecsctl.yaml")
                        .replace("keepRevisions: 5", "keepRevisions: 1"))
        self.repo.commit("keep 1")  # (web's task definition follows the commit)
        d = self.plan_json(WORKER_TAG="3")
        self.assertEqual(sorted(c["name"] for c in d["changes"] if c["action"] == "deregister"
                                and c["name"].startswith("worker")),
                         ["worker:1", "worker:2"])
        self.apply(WORKER_TAG="3")
        self.assertEqual([a.split("/")[-1] for a in active("worker")], ["worker:3"])
        self.assertEqual(self.service("worker")["taskDefinition"], active("worker")[0])
        # web:1 was in use while planning; the next apply deregisters it
        self.apply(WORKER_TAG="3")
        self.assertEqual(len(active("web")), 1)
        d = self.plan_json(WORKER_TAG="3")
        self.assertEqual(d["changes"], [])
        # the no-change plan lists only the families above keepRevisions (web:2,
        # worker:3; cron and billing are at revision 1) and describes nothing:
        # each service's ecsctl:taskdef tag vouches for the revision it runs
        self.assertEqual(d["stats"]["apiCalls"].get("ListTaskDefinitions"), 2)
        self.assertNotIn("DescribeTaskDefinition", d["stats"]["apiCalls"])

    def test_no_tty_without_auto_approve_refuses(self):
        before = self.server.stats()
        r = self.run_ok("apply", expect=1)
        self.assertIn("--auto-approve", r.stderr)
        self.assertEqual(writes(delta(before, self.server.stats())), {})

    def test_target_limits_the_plan(self):
        d = self.plan_json("--target", "Service/shop/worker")
        self.assertEqual([(c["action"], c["name"]) for c in d["changes"]],
                         [("create", "shop"), ("register", "worker"), ("create", "shop/worker")])
        self.apply("--target", "Service/shop/worker")
        self.assertEqual(self.service("worker")["status"], "ACTIVE")
        r = self.run_ok("plan", "--target", "Service/shop/nope", expect=1)
        self.assertIn("names no resource", r.stderr)

    def test_saved_plan_applies_exactly_and_goes_stale(self):
        plan = os.path.join(self.repo.dir, "p.json")
        self.run_ok("plan", "-o", plan)
        before = self.server.stats()
        self.run_ok("apply", "--auto-approve", *FAST, plan, path=None)
        self.assertEqual(writes(delta(before, self.server.stats())),
                         {"CreateCluster": 1, "RegisterTaskDefinition": 4, "CreateService": 4})
        self.run_ok("plan", "--detailed-exitcode")
        # a plan made, then live changes under it: stale
        self.run_ok("plan", "-o", plan, WORKER_TAG="9.9.9")
        self.server.client().update_service(cluster="shop", service="billing", desiredCount=3)
        before = self.server.stats()
        r = self.run_ok("apply", "--auto-approve", plan, path=None, expect=4)
        self.assertIn("stale", r.stderr)
        self.assertEqual(writes(delta(before, self.server.stats())), {})
        # volatile counters (tasks starting) do not make a plan stale
        self.run_ok("plan", "-o", plan, WORKER_TAG="9.9.9")
        time.sleep(0.3)
        self.run_ok("apply", "--auto-approve", *FAST, plan, path=None)

    def test_crashloop_exits_3_and_rolls_back(self):
        self.apply()
        old = self.service("worker")["taskDefinition"]
        # worker has no circuit breaker: it never fails by itself, the timeout
        # ends the wait and the rollback restores the old revision
        r = self.apply("--rollback-on-failure", "--timeout", "3s", expect=3,
                       WORKER_TAG="crashloop")
        self.assertIn("rolling back", r.stderr)
        svc = self.service("worker")
        self.assertEqual(svc["taskDefinition"], old)
        primary = [d for d in svc["deployments"] if d["status"] == "PRIMARY"][0]
        self.assertEqual(primary["taskDefinition"], old)

    def test_crashloop_with_circuit_breaker_is_a_failure(self):
        # web's circuit breaker rolls back by itself: services_stable would pass, we must not
        self.apply()
        old = self.service("web")["taskDefinition"]
        r = self.run_ok("apply", "--auto-approve", *FAST, "--timeout", "20s", expect=3,
                        IMAGE_TAG="crashloop")
        self.assertIn("failed", r.stderr)
        self.assertEqual(self.service("web")["taskDefinition"], old)


def read_until(p, prefix):
    """Reads ecsctl's stderr until a line starts with `prefix` (apply is underway)."""
    seen = []
    while True:
        line = p.stderr.readline()
        if not line:
            return "".join(seen)
        seen.append(line)
        if line.startswith(prefix):
            return "".join(seen)


class Interrupted(ServerRepoCase):
    server_args = ("--latency-ms", "60")

    def interrupt(self, sig, at):
        """Starts an apply, sends `sig` when it prints `at`; (rc, stderr)."""
        p = popen_ecsctl(self.server, self.repo, "apply", "--auto-approve", *FAST)
        read_until(p, at)
        p.send_signal(sig)
        _, err = p.communicate(timeout=30)
        return p.returncode, err

    def assert_next_apply_converges(self):
        self.run_ok("apply", "--auto-approve", *FAST)
        self.run_ok("plan", "--detailed-exitcode")

    def test_kill_9_mid_apply_then_apply_converges(self):
        self.interrupt(signal.SIGKILL, "create Service")
        self.assert_next_apply_converges()
        regs = self.server.stats().get("RegisterTaskDefinition", 0)
        self.assertLessEqual(regs, 4 + 4)  # never more than one per family per run

    def test_sigint_stops_and_next_apply_converges(self):
        rc, err = self.interrupt(signal.SIGINT, "register TaskDefinition")
        self.assertEqual(rc, 1, err)
        self.assertIn("interrupted", err)
        # services were not created: the interrupt stopped new operations
        self.assertNotIn("CreateService", self.server.stats())
        self.assert_next_apply_converges()


if __name__ == "__main__":
    unittest.main(verbosity=2, warnings="ignore")
