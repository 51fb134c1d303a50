"""ecsctl import against ecs-local: live resources made by hand (boto3) are
written as YAML that ecsctl loads, and after `import --adopt` plan shows no
changes and drift says in-sync; without --adopt the only changes are the
ownership tags. Values YAML would misread and `${` survive the round trip."""
import json
import os
import tempfile
import unittest

import yaml

from ecslocal import NETCONF, EcsLocal, ecsctl, git, wait_stable

ENV = [{"name": "FLAG", "value": "true"}, {"name": "ZIP", "value": "0123"},
       {"name": "TEMPLATE", "value": "${HOME}/x"}, {"name": "API_TOKEN", "value": "tok-123"},
       {"name": "EMPTY", "value": "null"}]


class ImportTest(unittest.TestCase):
    def setUp(self):
        self.server = EcsLocal().start()
        self.addCleanup(self.server.stop_cleanly)
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
                               networkConfiguration=NETCONF,
                               deploymentConfiguration={
                                   "maximumPercent": 150, "minimumHealthyPercent": 50,
                                   "deploymentCircuitBreaker": {"enable": True,
                                                                "rollback": True}},
                               tags=[{"key": "tier", "value": "front"}])
        ecs.create_service(cluster="legacy", serviceName="cron", taskDefinition=cron,
                           desiredCount=1, launchType="EC2")
        wait_stable(ecs, "legacy", ["api", "web", "cron"])

    def cmd(self, *args, repo=None):
        r = ecsctl(self.server, repo, *args)
        return r.returncode, r.stdout, r.stderr

    def commit_import(self):
        git(self.out, "init", "-q", "-b", "main")
        git(self.out, "add", "-A")
        git(self.out, "commit", "-q", "-m", "import")

    def test_import_adopt_then_plan_is_empty(self):
        rc, out, err = self.cmd("import", "--cluster", "legacy", "-o", self.out, "--adopt")
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
        rc, out, err = self.cmd("plan", "--detailed-exitcode", repo=self.out)
        self.assertEqual(rc, 0, out + err)
        self.assertIn("No changes", out)
        rc, out, err = self.cmd("drift", "--format", "json", "--fail-on-drift", repo=self.out)
        self.assertEqual(rc, 0, out + err)
        doc = json.loads(out)
        self.assertEqual(doc["summary"]["in-sync"], 6, doc)  # a cluster, 2 families, 3 services
        self.assertTrue(all(r["deployedCommit"] is None for r in doc["resources"]))
        rc, out, err = self.cmd("render", repo=self.out)
        self.assertEqual(rc, 0, err)
        env = {e["name"]: e["value"] for e in
               json.loads(out)["taskDefinitions"][1]["containerDefinitions"][0]["environment"]}
        self.assertEqual(env, {e["name"]: e["value"] for e in ENV})

    def test_without_adopt_only_ownership_tags_change(self):
        rc, out, err = self.cmd("import", "--cluster", "legacy", "--service", "cron",
                                "-o", self.out)
        self.assertEqual(rc, 0, err)
        self.assertFalse(os.path.exists(os.path.join(self.out, "services/web.yaml")))
        self.commit_import()
        rc, out, err = self.cmd("plan", "--output", "json", repo=self.out)
        self.assertEqual(rc, 0, err)
        plan = json.loads(out)
        self.assertTrue(plan["changes"])
        for ch in plan["changes"]:
            self.assertEqual(ch["action"], "update", ch)
            for d in ch["diff"]:
                self.assertTrue(d["path"].startswith("tags[ecsctl:"), d)

    def test_errors(self):
        rc, out, err = self.cmd("import", "--cluster", "nope", "-o", self.out)
        self.assertEqual(rc, 1)
        self.assertIn("cluster 'nope' not found", err)
        rc, out, err = self.cmd("import", "--cluster", "legacy", "--service", "ghost",
                                "-o", self.out)
        self.assertEqual(rc, 1)
        self.assertIn("not found", err)
        self.assertEqual(self.cmd("import", "-o", self.out)[0], 64)
        rc, out, err = self.cmd("import", "--cluster", "legacy", "-o", self.out, "--env", "prod")
        self.assertEqual(rc, 64)
        self.assertIn("--env, --var and --var-file do not apply", err)
        self.assertEqual(self.cmd("import", "--cluster", "legacy", "-o", self.out)[0], 0)
        rc, out, err = self.cmd("import", "--cluster", "legacy", "-o", self.out)
        self.assertEqual(rc, 1)
        self.assertIn("--force", err)
        self.assertEqual(self.cmd("import", "--cluster", "legacy", "-o", self.out, "--force")[0], 0)

    def import_(self, *args):
        return self.cmd("import", "--cluster", "legacy", "-o", self.out, *args)

    def test_owner_and_name_are_values_not_yaml(self):
        # a tag value ECS accepts (U+2028 is a separator, in \p{Z}), but a line
        # break to YAML: written raw inside quotes the spaces around it are
        # folded away, and the owner read back is no longer the tag's
        owner = "team \u2028 payments"
        cluster = self.ecs.describe_clusters(clusters=["legacy"])["clusters"][0]["clusterArn"]
        self.ecs.tag_resource(resourceArn=cluster,
                              tags=[{"key": "ecsctl:owner", "value": owner}])
        rc, out, err = self.import_("--adopt")
        self.assertEqual(rc, 0, err)
        with open(os.path.join(self.out, "ecsctl.yaml")) as f:
            self.assertEqual(yaml.safe_load(f), {"name": owner, "region": "us-east-1"})
        self.commit_import()
        rc, out, err = self.cmd("plan", "--detailed-exitcode", repo=self.out)
        self.assertEqual(rc, 0, out + err)
        # --name cannot add settings either (prune, a region) or substitute a variable
        name = 'x"\nprune: true\nregion: "eu-west-1 ${HOME}'
        rc, out, err = self.import_("--force", "--name", name)
        self.assertEqual(rc, 0, err)
        with open(os.path.join(self.out, "ecsctl.yaml")) as f:
            text = f.read()
        self.assertEqual(yaml.safe_load(text)["name"], name.replace("${", "$${"))
        self.assertEqual(sorted(yaml.safe_load(text)), ["name", "region"])
        # ecsctl reads it back as one name, which the owner-tag pattern refuses
        rc, out, err = self.cmd("validate", "--worktree", repo=self.out)
        self.assertEqual(rc, 1, err)
        self.assertIn("ecsctl.yaml:2:7: 'name' may not contain '\"'", err)

    def test_force_never_writes_through_a_link(self):
        self.assertEqual(self.import_()[0], 0)
        victim = os.path.join(self.tmp.name, "victim")
        with open(victim, "w") as f:
            f.write("precious\n")
        web = os.path.join(self.out, "services/web.yaml")
        os.remove(web)
        os.symlink(victim, web)
        with open(os.path.join(self.out, "ecsctl.yaml"), "w") as f:
            f.write("name: mine\n")
        rc, out, err = self.import_("--force")
        self.assertEqual(rc, 1, err)
        self.assertIn("services/web.yaml' is a symbolic link", err)
        with open(victim) as f:
            self.assertEqual(f.read(), "precious\n")
        self.assertTrue(os.path.islink(web))
        # all or none: the files checked before the link were not replaced either
        with open(os.path.join(self.out, "ecsctl.yaml")) as f:
            self.assertEqual(f.read(), "name: mine\n")
        self.assertEqual(sorted(n for n in os.listdir(self.out) if n.startswith(".")), [])

        # a planted folder link: nothing lands in the folder it points at
        os.remove(web)
        elsewhere = os.path.join(self.tmp.name, "elsewhere")
        os.mkdir(elsewhere)
        clusters = os.path.join(self.out, "clusters")
        os.remove(os.path.join(clusters, "legacy.yaml"))
        os.rmdir(clusters)
        os.symlink(elsewhere, clusters)
        rc, out, err = self.import_("--force")
        self.assertEqual(rc, 1, err)
        self.assertIn("clusters' is a symbolic link or not a folder", err)
        self.assertEqual(os.listdir(elsewhere), [])

    def test_a_refused_file_leaves_nothing_behind(self):
        # services/web.yaml exists: nothing else may be written (before, the
        # settings and the cluster files were, then the import stopped)
        os.makedirs(os.path.join(self.out, "services"))
        with open(os.path.join(self.out, "services/web.yaml"), "w") as f:
            f.write("mine\n")
        rc, out, err = self.import_()
        self.assertEqual(rc, 1, err)
        self.assertIn("services/web.yaml' exists (pass --force to overwrite)", err)
        self.assertEqual(out, "")
        found = [os.path.relpath(os.path.join(d, n), self.out)
                 for d, dirs, names in os.walk(self.out) for n in dirs + names]
        self.assertEqual(sorted(found), ["services", "services/web.yaml"])
        # folders the import made are removed again: clusters/ is made before
        # services (a file here) is refused
        fresh = os.path.join(self.tmp.name, "fresh")
        os.mkdir(fresh)
        with open(os.path.join(fresh, "services"), "w") as f:
            f.write("mine\n")
        rc, out, err = self.cmd("import", "--cluster", "legacy", "-o", fresh)
        self.assertEqual(rc, 1, err)
        self.assertIn("fresh/services' is a symbolic link or not a folder", err)
        self.assertEqual(os.listdir(fresh), ["services"])
        # an owner name that is not text is refused before anything is written
        rc, out, err = self.cmd("import", "--cluster", "legacy", "-o",
                                os.path.join(fresh, "new"), "--name", "\udcff")
        self.assertEqual(rc, 1, err)
        self.assertIn("must be UTF-8 text", err)
        self.assertEqual(os.listdir(fresh), ["services"])

if __name__ == "__main__":
    unittest.main()
