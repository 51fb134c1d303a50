"""watch plans like plan and apply do (one orchestration in the library):
a revert reuses the revision that still exists, keepRevisions deregisters,
and -v logs the ECS calls in the watch's own log format."""
import unittest

import opslib
from opslib import Watch

KEEP_ONE = "name: shop\nregion: us-east-1\nkeepRevisions: 1\n"


def with_image(tag):
    return opslib.TASKDEF.replace("nginx:1.25", "nginx:" + tag)


class WatchPlansLikeApply(unittest.TestCase):
    def setUp(self):
        opslib.set_up(self)

    def start(self, *args):
        w = Watch(self.server, self.repo.path, "--interval", "200ms", *args)
        self.addCleanup(w.stop)
        return w

    def applied(self, w, sha):
        w.wait_for(lambda d: d.get("result") == "applied" and d.get("commit") == sha,
                   timeout=30)

    def revisions(self, status="ACTIVE"):
        return [a.split("/")[-1] for a in self.ecs.list_task_definitions(
            familyPrefix="web", status=status, sort="ASC")["taskDefinitionArns"]]

    def running(self):
        svc = self.ecs.describe_services(cluster="shop", services=["web"])["services"][0]
        return svc["taskDefinition"].split("/")[-1]

    def test_revert_reuses_the_existing_revision(self):
        w = self.start()
        self.applied(w, self.repo.sha)
        self.applied(w, self.repo.commit({"task-definitions/web.yaml": with_image("1.27")}))
        self.assertEqual((self.revisions(), self.running()), (["web:1", "web:2"], "web:2"))
        revert = self.repo.commit({"task-definitions/web.yaml": opslib.TASKDEF}, "revert")
        self.applied(w, revert)
        # web:1 still exists and equals git: no duplicate web:3
        self.assertEqual((self.revisions(), self.running()), (["web:1", "web:2"], "web:1"))

    def test_keep_revisions_deregisters(self):
        self.repo.commit({"ecsctl.yaml": KEEP_ONE})
        w = self.start()
        self.applied(w, self.repo.sha)
        self.applied(w, self.repo.commit({"task-definitions/web.yaml": with_image("1.27")}))
        self.applied(w, self.repo.commit({"task-definitions/web.yaml": with_image("1.29")}))
        # web:1 ran nowhere when web:3 was planned: gone; web:2 ran then: kept
        self.assertEqual(self.revisions("INACTIVE"), ["web:1"])
        self.assertEqual(self.revisions(), ["web:2", "web:3"])

    def test_verbose_logs_ecs_calls(self):
        w = self.start("-v")
        line = w.wait_for(lambda d: d["msg"].startswith("ecs CreateService"))
        self.assertEqual(line["level"], "debug")
        self.assertIn("status=200", line["msg"])


if __name__ == "__main__":
    unittest.main()
