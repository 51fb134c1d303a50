"""ecsctl import against ecs-local: live resources made by hand (boto3) are
written as YAML that ecsctl loads, and after `import --adopt` plan shows no
changes and drift says in-sync; without --adopt the only changes are the
ownership tags. Values YAML would misread and `${` survive the round trip."""
import json
import os
import subprocess
import tempfile
import unittest

import opslib

ENV = [{"name": "FLAG", "value": "true"}, {"name": "ZIP", "value": "0123"},
       {"name": "TEMPLATE", "value": "${HOME}/x"}, {"name": "API_TOKEN", "value": "tok-123"},
       {"name": "EMPTY", "value": "null"}]


class ImportTest(unittest.TestCase):
    def setUp(self):
        self.server = opslib.ecslocal.Server().start()
        self.addCleanup(self.server.stop)
        self.ecs = self.server.client()
        self.tmp = tempfile.TemporaryDirectory(prefix="ecsctl-import-")
        self.addCleanup(self.tmp.cleanup)
        self.out = os.path.join(self.tmp.name, "repo")
        ecs = self.ecs
        ecs.create_cluster(clusterName="legacy",
                           settings=[{"name": "containerInsights", "value": "enabled"}],
                           tags=[{"key": "team", "value": "payments"}])
        web = ecs.register_task_definition(
            family="web", requiresCompatibilities=["FARGATE"], networkMode="awsvpc",
            cpu="512", memory="1024",
            containerDefinitions=[{"name": "web", "image": "nginx:1.27", "essential": True,
                                   "portMappings": [{"containerPort": 8080, "protocol": "tcp"}],
                                   "environment": ENV}],
            tags=[{"key": "team", "value": "payments"}])["taskDefinition"]["taskDefinitionArn"]
        cron = ecs.register_task_definition(
            family="cron", containerDefinitions=[{"name": "cron", "image": "busybox",
                                                  "memory": 64, "command": ["sleep", "60"]}]
        )["taskDefinition"]["taskDefinitionArn"]
        for name in ("api", "web"):  # two services share the web family
            ecs.create_service(cluster="legacy", serviceName=name, taskDefinition=web,
                               desiredCount=2, launchType="FARGATE",
                               networkConfiguration=opslib.NETCONF,
                               deploymentConfiguration={
                                   "maximumPercent": 150, "minimumHealthyPercent": 50,
                                   "deploymentCircuitBreaker": {"enable": True,
                                                                "rollback": True}},
                               tags=[{"key": "tier", "value": "front"}])
        ecs.create_service(cluster="legacy", serviceName="cron", taskDefinition=cron,
                           desiredCount=1, launchType="EC2")
        opslib.wait_stable(ecs, "legacy", ["api", "web", "cron"])

    def commit_import(self):
        opslib.git(self.out, "init", "-q", "-b", "main")
        opslib.git(self.out, "add", "-A")
        opslib.git(self.out, "commit", "-q", "-m", "import")

    def test_import_adopt_then_plan_is_empty(self):
        rc, out, err = opslib.run(self.server, "import", "--cluster", "legacy", "-o", self.out,
                                  "--adopt")
        self.assertEqual(rc, 0, err)
        files = sorted(os.path.relpath(p, self.out) for p in out.split())
        self.assertEqual(files, ["clusters/legacy.yaml", "ecsctl.yaml", "services/api.yaml",
                                 "services/cron.yaml", "services/web.yaml"])
        api = open(os.path.join(self.out, "services/api.yaml")).read()
        web = open(os.path.join(self.out, "services/web.yaml")).read()
        # the shared family is written once, with the first service by name
        self.assertIn("kind: TaskDefinition", api)
        self.assertNotIn("kind: TaskDefinition", web)
        self.assertIn("taskDefinition: web\n", web)
        # defaults and read-only members are dropped
        for gone in ("essential", "protocol: tcp", "taskDefinitionArn", "revision",
                     "registeredAt", "status", "ecsctl:owner", "platformVersion"):
            self.assertNotIn(gone, api)
        self.assertIn('value: "0123"', api)
        self.assertIn('value: "true"', api)
        self.assertIn("$${HOME}/x", api)

        self.commit_import()
        rc, out, err = opslib.run(self.server, "plan", "--detailed-exitcode", repo=self.out)
        self.assertEqual(rc, 0, out + err)
        self.assertIn("No changes", out)
        rc, out, err = opslib.run(self.server, "drift", "--format", "json", "--fail-on-drift",
                                  repo=self.out)
        self.assertEqual(rc, 0, out + err)
        doc = json.loads(out)
        self.assertEqual(doc["summary"]["in-sync"], 6, doc)  # a cluster, 2 families, 3 services
        self.assertTrue(all(r["deployedCommit"] is None for r in doc["resources"]))
        rc, out, err = opslib.run(self.server, "render", repo=self.out)
        self.assertEqual(rc, 0, err)
        env = {e["name"]: e["value"] for e in
               json.loads(out)["taskDefinitions"][1]["containerDefinitions"][0]["environment"]}
        self.assertEqual(env, {e["name"]: e["value"] for e in ENV})

    def test_without_adopt_only_ownership_tags_change(self):
        rc, out, err = opslib.run(self.server, "import", "--cluster", "legacy", "--service",
                                  "cron", "-o", self.out)
        self.assertEqual(rc, 0, err)
        self.assertFalse(os.path.exists(os.path.join(self.out, "services/web.yaml")))
        self.commit_import()
        rc, out, err = opslib.run(self.server, "plan", "--output", "json", repo=self.out)
        self.assertEqual(rc, 0, err)
        plan = json.loads(out)
        self.assertTrue(plan["changes"])
        for ch in plan["changes"]:
            self.assertEqual(ch["action"], "update", ch)
            for d in ch["diff"]:
                self.assertTrue(d["path"].startswith("tags[ecsctl:"), d)

    def test_errors(self):
        rc, out, err = opslib.run(self.server, "import", "--cluster", "nope", "-o", self.out)
        self.assertEqual(rc, 1)
        self.assertIn("cluster 'nope' not found", err)
        rc, out, err = opslib.run(self.server, "import", "--cluster", "legacy", "--service",
                                  "ghost", "-o", self.out)
        self.assertEqual(rc, 1)
        self.assertIn("not found", err)
        self.assertEqual(opslib.run(self.server, "import", "-o", self.out)[0], 64)
        self.assertEqual(opslib.run(self.server, "import", "--cluster", "legacy", "-o",
                                    self.out)[0], 0)
        rc, out, err = opslib.run(self.server, "import", "--cluster", "legacy", "-o", self.out)
        self.assertEqual(rc, 1)
        self.assertIn("--force", err)
        self.assertEqual(opslib.run(self.server, "import", "--cluster", "legacy", "-o",
                                    self.out, "--force")[0], 0)


if __name__ == "__main__":
    unittest.main()
