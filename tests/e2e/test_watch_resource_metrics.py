"""watch's per-resource metrics (ecsctl_resource_sync_status, the services'
running and desired tasks, ecsctl_apply_operations_total), the log lines
that name the resources and members changed, and the Grafana dashboard in
examples/ using only metric names /metrics serves."""
import json
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from ecslocal import FILES, SERVICE, ServerRepoCase, Watch, metrics, sample  # noqa: E402

DASHBOARD = os.path.join(os.path.dirname(__file__), "..", "..", "examples", ".grafana",
                         "ecsctl-watch.json")
NEW = {"ecsctl_resource_sync_status", "ecsctl_service_running_tasks",
       "ecsctl_service_desired_tasks", "ecsctl_apply_operations_total"}


def sync(fams, kind, name, status):
    # sample() takes `name` itself, so the labels are matched here
    want = {"kind": kind, "name": name, "env": "", "status": status}
    for s in fams["ecsctl_resource_sync_status"].samples:
        if s.labels == want:
            return s.value
    return None


class ResourceMetrics(ServerRepoCase):
    repo_source, repo_files = None, FILES

    def setUp(self):
        super().setUp()
        self.w = Watch(self.server, self.repo, "--interval", "300ms")
        self.addCleanup(self.w.stop)

    def test_sync_status_tasks_operations_and_logs(self):
        w = self.w
        self.assertEqual(w.wait_for(lambda d: d["msg"] == "reconcile done")["result"], "applied")
        ops = [(d["action"], d["resource"], d.get("members")) for d in w.log
               if d["msg"] == "operation applied"]
        self.assertEqual(sorted(ops), [("create", "Cluster/shop", None),
                                       ("create", "Service/shop/web", None),
                                       ("register", "TaskDefinition/web",
                                        "containerDefinitions, cpu, family, memory, "
                                        "networkMode, requiresCompatibilities")])
        status, text = w.get("/metrics")
        fams = metrics(text)
        for kind, name in (("Cluster", "shop"), ("TaskDefinition", "web"),
                           ("Service", "shop/web")):
            self.assertEqual(sync(fams, kind, name, "in-sync"), 1, (kind, name))
            for other in ("drifted", "missing", "unmanaged", "progressing"):
                self.assertEqual(sync(fams, kind, name, other), 0, (kind, name, other))
        self.assertEqual(sample(fams, "ecsctl_service_running_tasks",
                                "ecsctl_service_running_tasks", service="shop/web"), 2)
        self.assertEqual(sample(fams, "ecsctl_service_desired_tasks",
                                "ecsctl_service_desired_tasks", service="shop/web"), 2)
        for action, kind in (("create", "Cluster"), ("register", "TaskDefinition"),
                             ("create", "Service")):
            self.assertEqual(sample(fams, "ecsctl_apply_operations",
                                    "ecsctl_apply_operations_total", action=action,
                                    kind=kind), 1)

        # out of band: one more task; watch reports it and names the member
        self.ecs.update_service(cluster="shop", service="web", desiredCount=3)
        skipped = w.wait_for(lambda d: d["msg"].startswith("live drifted"), timeout=30)
        self.assertEqual(skipped["resources"], "update Service/shop/web (desiredCount)")
        w.wait_for(lambda d: d.get("result") == "skipped")
        fams = metrics(w.get("/metrics")[1])
        self.assertEqual(sync(fams, "Service", "shop/web", "drifted"), 1)
        self.assertEqual(sync(fams, "Service", "shop/web", "in-sync"), 0)
        self.assertEqual(sample(fams, "ecsctl_service_desired_tasks",
                                "ecsctl_service_desired_tasks", service="shop/web"), 3)

        # a commit: the update's log line names its members, the counter moves
        self.repo.commit(files={"services/web.yaml":
                                SERVICE.replace("desiredCount: 2", "desiredCount: 4")})
        done = w.wait_for(lambda d: d["msg"] == "operation applied"
                          and d["resource"] == "Service/shop/web", timeout=30)
        self.assertEqual((done["action"], done["members"]), ("update", "desiredCount"))
        w.wait_for(lambda d: d.get("result") == "applied")
        fams = metrics(w.get("/metrics")[1])
        self.assertEqual(sample(fams, "ecsctl_apply_operations",
                                "ecsctl_apply_operations_total", action="update",
                                kind="Service"), 1)
        self.assertEqual(sync(fams, "Service", "shop/web", "in-sync"), 1)

        # every metric the dashboard queries is one /metrics serves, and only
        # the per-resource ones
        with open(DASHBOARD) as f:
            board = json.load(f)
        exprs = [t["expr"] for p in board["panels"] for t in p["targets"]]
        exprs.append(board["templating"]["list"][1]["query"]["query"])
        used = {n for e in exprs for n in re.findall(r"\becsctl_[a-z_]+", e)}
        self.assertEqual(used, NEW)
        served = {s.name for fam in fams.values() for s in fam.samples}
        self.assertTrue(used <= served, used - served)


if __name__ == "__main__":
    unittest.main()
