"""What a plan's diffs are against (docs/plan.md, "What a diff compares"):
the revision each service runs, not the family's latest; a service that
switches revision shows what changes with it; services of one family on
different revisions are said so, each with its own diff."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from ecslocal import SERVICE, ServerRepoCase, delta, writes  # noqa: E402

FAST = ("--poll-interval", "100ms")
IMAGE = "public.ecr.aws/nginx/nginx:"
WEB2 = SERVICE.replace("serviceName: web", "serviceName: web2")


class PlanTruth(ServerRepoCase):
    def apply(self, *args, expect=0, **kw):
        return self.run_ok("apply", "--auto-approve", *FAST, *args, expect=expect, **kw)

    def plan_json(self, *args, **kw):
        return json.loads(self.run_ok("plan", "--output", "json", *args, **kw).stdout)

    def running(self, name):
        return self.ecs.describe_services(cluster="shop", services=[name])[
            "services"][0]["taskDefinition"]

    def change(self, doc, kind, name):
        found = [c for c in doc["changes"] if c["kind"] == kind and c["name"] == name]
        self.assertEqual(len(found), 1, doc["changes"])
        return found[0]

    def image_change(self, diff):
        return [(d["before"], d["after"]) for d in diff
                if d["path"] == "containerDefinitions[web].image"]

    def test_after_a_circuit_breaker_rollback_the_diff_is_against_the_running_revision(self):
        self.apply()
        good = self.running("web")
        # web's circuit breaker rolls the crashloop back to web:1; web:2 stays the latest
        self.apply("--timeout", "20s", expect=3, IMAGE_TAG="crashloop")
        self.assertEqual(self.running("web"), good)
        reg = self.change(self.plan_json(IMAGE_TAG="9.9"), "TaskDefinition", "web")
        self.assertEqual(reg["comparedWith"], {"taskDefinition": good, "runBy": ["shop/web"]})
        self.assertEqual(self.image_change(reg["diff"]), [(IMAGE + "1.25.3", IMAGE + "9.9")])
        text = self.run_ok("plan", "--compact", IMAGE_TAG="9.9").stdout
        self.assertIn('~ containerDefinitions[web].image: "%s1.25.3" -> "%s9.9"'
                      % (IMAGE, IMAGE), text)
        self.assertNotIn("crashloop", text)
        self.assertIn("# compared with web:1, the revision running in shop/web", text)

    def test_a_revert_to_an_existing_revision_shows_the_content_that_changes(self):
        self.apply()
        web1 = self.running("web")
        self.repo.write("examples/task-definitions/web.yaml",
                        self.repo.read("examples/task-definitions/web.yaml")
                        .replace("${IMAGE_TAG:-1.25.3}", "1.27.0"))
        self.repo.commit("web 1.27")
        self.apply()
        web2 = self.running("web")
        doc = self.plan_json("--ref", "HEAD~1")
        self.assertEqual([(c["action"], c["kind"]) for c in doc["changes"]],
                         [("update", "Service")])  # web:1 is reused, nothing registered
        svc = doc["changes"][0]
        self.assertEqual([(d["path"], d["before"], d["after"]) for d in svc["diff"]
                          if d["path"] == "taskDefinition"], [("taskDefinition", "web:2", "web:1")])
        td = svc["taskDefinitionDiff"]
        self.assertEqual((td["from"], td["to"]), (web2, web1))
        self.assertEqual(self.image_change(td["diff"]), [(IMAGE + "1.27.0", IMAGE + "1.25.3")])
        text = self.run_ok("plan", "--compact", "--ref", "HEAD~1").stdout
        self.assertIn("# the task definition, web:2 -> web:1:", text)
        self.assertIn('~ containerDefinitions[web].image: "%s1.27.0" -> "%s1.25.3"'
                      % (IMAGE, IMAGE), text)
        self.apply("--ref", "HEAD~1")
        self.assertEqual(self.running("web"), web1)

    def test_services_of_one_family_on_different_revisions(self):
        self.repo.write("examples/services/web2.yaml", WEB2)
        self.repo.commit("web2")
        self.apply()
        web1 = self.running("web2")
        self.apply(IMAGE_TAG="1.27.0")
        web2 = self.running("web")
        self.ecs.update_service(cluster="shop", service="web2", taskDefinition=web1)
        doc = self.plan_json(IMAGE_TAG="1.29.0")
        reg = self.change(doc, "TaskDefinition", "web")
        self.assertEqual(reg["comparedWith"], {"taskDefinition": web2, "runBy": ["shop/web"]})
        self.assertEqual(reg["runningRevisions"], {"shop/web": web2, "shop/web2": web1})
        self.assertEqual(self.image_change(reg["diff"]), [(IMAGE + "1.27.0", IMAGE + "1.29.0")])
        # shop/web runs what the register compares with; shop/web2 gets its own diff
        self.assertNotIn("taskDefinitionDiff", self.change(doc, "Service", "shop/web"))
        td = self.change(doc, "Service", "shop/web2")["taskDefinitionDiff"]
        self.assertEqual((td["from"], td["to"]), (web1, "(new revision of web)"))
        self.assertEqual(self.image_change(td["diff"]), [(IMAGE + "1.25.3", IMAGE + "1.29.0")])
        text = self.run_ok("plan", IMAGE_TAG="1.29.0").stdout
        self.assertIn("# compared with web:2, the latest ACTIVE revision, running in shop/web\n",
                      text)
        self.assertIn("# the services of web run different revisions (shop/web web:2, "
                      "shop/web2 web:1)", text)


    def test_after_a_timed_out_apply_plan_and_apply_report_unstable_services(self):
        self.repo.write("examples/ecsctl.yaml", self.repo.read("examples/ecsctl.yaml")
                        .replace("rollbackOnFailure: true", "rollbackOnFailure: false"))
        self.repo.commit("no rollback")
        self.apply()
        self.apply("--timeout", "1s", expect=3, WORKER_TAG="crashloop")
        # git and live agree on every member, but worker crash-loops
        r = self.run_ok("plan", "--detailed-exitcode", expect=3, WORKER_TAG="crashloop")
        self.assertNotIn("No changes. Live ECS matches git.", r.stdout)
        self.assertIn("1 managed service is not stable:", r.stdout)
        self.assertRegex(r.stdout, r'! Service "shop/worker": deployment in progress: '
                                   r'.*\(running \d of 1, \d+ tasks? failed to start\)')
        doc = self.plan_json(WORKER_TAG="crashloop")
        self.assertEqual(doc["changes"], [])
        self.assertEqual([(u["name"], u["rolloutState"], u["desired"]) for u in doc["unstable"]],
                         [("shop/worker", "IN_PROGRESS", 1)])
        self.assertGreater(doc["unstable"][0]["failedTasks"], 0)
        # apply has nothing to send: it waits for worker, which never gets there
        before = self.server.stats()
        r = self.apply("--timeout", "1s", expect=3, WORKER_TAG="crashloop")
        self.assertIn("Waiting for 1 service that was not stable.", r.stderr)
        self.assertEqual(writes(delta(before, self.server.stats())), {})
        self.apply("--no-wait", expect=3, WORKER_TAG="crashloop")
        # a good commit: applied, waited on, and then nothing is left to report
        self.apply(WORKER_TAG="2")
        r = self.run_ok("plan", "--detailed-exitcode", WORKER_TAG="2")
        self.assertIn("No changes. Live ECS matches git.", r.stdout)
        self.assertEqual(self.plan_json(WORKER_TAG="2")["unstable"], [])


if __name__ == "__main__":
    unittest.main()
