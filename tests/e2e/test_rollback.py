"""ecsctl rollback against a real ecs-local: after two deployments ecsctl
made, the service goes back to the revision it ran before the last one
(found from the family's revisions and their ecsctl:revision tags), waits
until stable, names the commit to revert (--git prints it), and a plan
afterwards shows the drift honestly; nothing earlier is an error that changes
nothing."""
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from ecslocal import ServerRepoCase  # noqa: E402

FAST = ("--poll-interval", "100ms")


class Rollback(ServerRepoCase):
    def setUp(self):
        super().setUp()
        self.ecs = self.server.client()

    def web(self):
        return self.ecs.describe_services(cluster="shop", services=["web"],
                                          include=["TAGS"])["services"][0]

    def commit(self):
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=self.repo.dir, text=True,
                              capture_output=True, check=True).stdout.strip()

    def test_rollback_then_plan_shows_drift(self):
        # nothing deployed twice yet: nothing to go back to, nothing changed
        self.run_ok("apply", "--auto-approve", *FAST)
        first = self.commit()
        before = self.server.stats()
        r = self.run_ok("rollback", "web", expect=1)
        self.assertIn("no earlier ACTIVE revision of it was deployed by ecsctl", r.stderr)
        self.assertEqual(self.server.stats().get("UpdateService", 0),
                         before.get("UpdateService", 0))

        # a second deployment from a new commit
        path = "examples/task-definitions/web.yaml"
        self.repo.write(path, self.repo.read(path).replace("${IMAGE_TAG:-1.25.3}", "1.27.0"))
        self.repo.commit("nginx 1.27")
        second = self.commit()
        self.run_ok("apply", "--auto-approve", *FAST)
        self.assertTrue(self.web()["taskDefinition"].endswith("/web:2"))
        td = self.ecs.describe_task_definition(taskDefinition="web:2", include=["TAGS"])
        self.assertIn({"key": "ecsctl:revision", "value": second}, td["tags"])

        r = self.run_ok("rollback", "web", *FAST)
        self.assertIn("shop/web: rolled back from web:2 (commit %s) to web:1 (commit %s)"
                      % (second[:7], first[:7]), r.stdout)
        self.assertIn("revert commit %s in git (git revert %s)" % (second[:12], second[:12]),
                      r.stderr)
        svc = self.web()
        self.assertTrue(svc["taskDefinition"].endswith("/web:1"), svc["taskDefinition"])
        self.assertEqual(svc["runningCount"], svc["desiredCount"])
        self.assertEqual([d["status"] for d in svc["deployments"]], ["PRIMARY"])
        self.assertIn({"key": "ecsctl:revision", "value": first}, svc["tags"])

        # git still says web:2: the plan says so, and drift too
        r = self.run_ok("plan", "--detailed-exitcode", expect=2)
        self.assertIn('~ taskDefinition = "web:1" -> "web:2"', r.stdout)
        self.assertIn("1 to update", r.stdout)
        self.run_ok("drift", "--fail-on-drift", expect=2)

        # again: web:1 was deployed from the first commit, nothing before it
        self.run_ok("rollback", "shop/web", expect=1)

        # --git prints the commit now running; apply brings git's revision back
        self.run_ok("apply", "--auto-approve", *FAST)
        self.assertTrue(self.web()["taskDefinition"].endswith("/web:2"))
        r = self.run_ok("rollback", "--cluster", "shop", "web", "--git", *FAST)
        self.assertEqual(r.stdout.strip(), first)

    def test_usage(self):
        self.run_ok("rollback", expect=64)
        r = self.run_ok("rollback", "nosuch", expect=1)
        self.assertIn("no service 'nosuch' in the repository", r.stderr)


if __name__ == "__main__":
    unittest.main()
