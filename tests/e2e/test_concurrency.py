"""Two writers on one service: apply judges success by the deployment its own
UpdateService/CreateService started, so another writer's deployment is never
taken for a circuit-breaker rollback (and never rolled back by ecsctl)."""
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from ecslocal import ServerRepoCase, popen_ecsctl, stderr_until  # noqa: E402

FAST = ("--poll-interval", "100ms")


class OtherWriter(ServerRepoCase):
    def service(self, name):
        return self.server.client().describe_services(cluster="shop",
                                                      services=[name])["services"][0]

    def other_revision(self, image_tag):
        """Registers worker with another image out of band, as a second
        writer would; returns its ARN."""
        c = self.server.client()
        td = c.describe_task_definition(taskDefinition="worker")["taskDefinition"]
        keep = ("family", "containerDefinitions", "networkMode", "requiresCompatibilities",
                "cpu", "memory", "executionRoleArn", "taskRoleArn")
        req = {k: td[k] for k in keep if k in td}
        image = req["containerDefinitions"][0]["image"]
        req["containerDefinitions"][0]["image"] = image.rsplit(":", 1)[0] + ":" + image_tag
        return c.register_task_definition(**req)["taskDefinition"]["taskDefinitionArn"]

    def test_another_writers_deployment_is_not_a_rollback(self):
        self.run_ok("apply", "--auto-approve", *FAST)
        old = self.service("worker")["taskDefinition"]
        # worker has no circuit breaker: ecsctl's crashlooping deployment stays
        # IN_PROGRESS, so apply is still waiting when the other writer comes
        p = popen_ecsctl(self.server, self.repo, "apply", "--auto-approve", *FAST,
                         "--timeout", "30s", WORKER_TAG="crashloop")
        try:
            seen = stderr_until(p, "shop/worker: worker:2")
            other = self.other_revision("2.0.0")
            resp = self.server.client().update_service(cluster="shop", service="worker",
                                                       taskDefinition=other)
            theirs = [d["id"] for d in resp["service"]["deployments"]
                      if d["status"] == "PRIMARY"][0]
            out, err = p.communicate(timeout=60)
        finally:
            if p.poll() is None:
                p.kill()
                p.communicate()
        err = seen + err
        self.assertEqual(p.returncode, 3, err)
        # not a rollback: ecsctl names the other deployment and leaves it alone
        self.assertNotIn("rolling back", err)
        self.assertNotIn("circuit breaker", err)
        # on the progress line and in the reason under the error
        self.assertRegex(err, r"\] shop/worker: worker:3 running .*: superseded by deployment "
                         + re.escape("%s (worker:3)\n" % theirs))
        self.assertIn("shop/worker: Superseded by deployment %s (worker:3), which another "
                      "writer started" % theirs, err)
        svc = self.service("worker")
        self.assertEqual(svc["taskDefinition"], other)
        self.assertNotEqual(svc["taskDefinition"], old)
        primary = [d for d in svc["deployments"] if d["status"] == "PRIMARY"][0]
        self.assertEqual(primary["id"], theirs)

    def test_own_circuit_breaker_rollback_is_still_a_failure(self):
        # web's own deployment fails and ECS rolls it back: that is ours, and a failure
        self.run_ok("apply", "--auto-approve", *FAST)
        old = self.service("web")["taskDefinition"]
        r = self.run_ok("apply", "--auto-approve", *FAST, "--timeout", "20s", expect=3,
                        IMAGE_TAG="crashloop")
        self.assertIn("ECS deployment circuit breaker", r.stderr)
        self.assertNotIn("superseded", r.stderr)
        self.assertEqual(self.service("web")["taskDefinition"], old)


if __name__ == "__main__":
    unittest.main(verbosity=2, warnings="ignore")
