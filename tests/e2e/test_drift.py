"""ecsctl drift against ecs-local: in-sync after a deploy, out-of-band scale
-> drifted, a hand-made service -> unmanaged, task definition content drift
with secrets masked, missing resources; every format read by a real parser."""
import json
import re
import unittest
import xml.etree.ElementTree as ET

from ecslocal import FILES, NETCONF, ServerRepoCase, deploy_by_hand, wait_stable


class DriftTest(ServerRepoCase):
    repo_source, repo_files = None, FILES

    def drift(self, *args):
        r = self.ecsctl("drift", *args)
        return r.returncode, r.stdout, r.stderr

    def report(self, *args):
        rc, out, err = self.drift("--format", "json", *args)
        self.assertIn(rc, (0, 2), err)
        doc = json.loads(out)
        self.assertEqual(doc["formatVersion"], 1)
        return rc, doc, {(r["kind"], r["name"]): r for r in doc["resources"]}

    def deploy(self):
        arn = deploy_by_hand(self.ecs, self.repo.sha)
        wait_stable(self.ecs, "shop", ["web"])
        return arn

    def test_in_sync_after_deploy(self):
        self.deploy()
        rc, doc, res = self.report("--fail-on-drift")
        self.assertEqual(rc, 0)
        self.assertEqual(doc["commit"], self.repo.sha)
        self.assertEqual(sorted(res), [("Cluster", "shop"), ("Service", "shop/web"),
                                       ("TaskDefinition", "web")])
        for r in doc["resources"]:
            self.assertEqual((r["status"], r["diff"]), ("in-sync", []), r)
        svc = res[("Service", "shop/web")]
        self.assertEqual(svc["deployedCommit"], self.repo.sha)
        self.assertRegex(svc["updatedAt"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(doc["summary"]["in-sync"], 3)
        self.assertTrue(doc["inSync"])

    def test_scale_out_of_band_is_drifted_and_hand_made_service_unmanaged(self):
        arn = self.deploy()
        self.ecs.update_service(cluster="shop", service="web", desiredCount=3)
        self.ecs.create_service(cluster="shop", serviceName="adhoc", taskDefinition=arn,
                                desiredCount=1, launchType="FARGATE",
                                networkConfiguration=NETCONF)
        rc, doc, res = self.report("--fail-on-drift")
        self.assertEqual(rc, 2)
        web = res[("Service", "shop/web")]
        self.assertEqual(web["status"], "drifted")
        self.assertEqual(web["diff"], [{"path": "desiredCount", "git": 2, "live": 3}])
        self.assertEqual(res[("Service", "shop/adhoc")]["status"], "unmanaged")
        self.assertEqual(doc["summary"]["drifted"], 1)
        self.assertEqual(doc["summary"]["unmanaged"], 1)
        # without --fail-on-drift the report is a success
        self.assertEqual(self.drift()[0], 0)

        # markdown: a table whose rows all have the header's column count
        rc, md, err = self.drift("--format", "markdown")
        self.assertEqual(rc, 0, err)
        lines = md.splitlines()
        start = lines.index(next(l for l in lines if l.startswith("| Status |")))
        table = []
        for line in lines[start:]:
            if not line.startswith("|"):
                break
            # cells split at pipes not escaped by a backslash, as GFM does
            table.append([c.strip() for c in re.split(r"(?<!\\)\|", line.strip()[1:-1])])
        self.assertTrue(all(len(row) == len(table[0]) for row in table), table)
        self.assertTrue(all(set(c) <= set("-") for c in table[1]))
        rows = {r[2]: r for r in table[2:]}
        self.assertEqual(rows["shop/web"][0], "drifted")
        self.assertEqual(rows["shop/adhoc"][0], "unmanaged")
        self.assertEqual(len(rows), 4)

        # junit: well-formed XML, one testcase per resource, a failure for drift
        rc, xml, err = self.drift("--format", "junit")
        self.assertEqual(rc, 0, err)
        root = ET.fromstring(xml)
        cases = {c.get("name"): c for c in root.iter("testcase")}
        self.assertEqual(len(cases), 4)
        self.assertIsNotNone(cases["shop/web"].find("failure"))
        self.assertIn("desiredCount", cases["shop/web"].find("failure").text)
        self.assertIsNone(cases["shop/adhoc"].find("failure"))
        self.assertIsNone(cases["shop"].find("failure"))
        self.assertEqual(root.find("testsuite").get("failures"), "1")

        rc, text, err = self.drift()
        self.assertIn('drifted    Service "shop/web"', text)
        self.assertIn("desiredCount: git 2, live 3", text)

    def test_task_definition_drift_masks_secrets(self):
        self.deploy()
        td = self.ecs.register_task_definition(
            family="web", requiresCompatibilities=["FARGATE"], networkMode="awsvpc",
            cpu="256", memory="512",
            containerDefinitions=[{"name": "web", "image": "nginx:1.27",
                                   "portMappings": [{"containerPort": 80}],
                                   "environment": [{"name": "MODE", "value": "prod"},
                                                   {"name": "DB_PASSWORD",
                                                    "value": "letmein"}]}])
        self.ecs.update_service(cluster="shop", service="web",
                                taskDefinition=td["taskDefinition"]["taskDefinitionArn"])
        rc, doc, res = self.report()
        tdr = res[("TaskDefinition", "web")]
        self.assertEqual(tdr["status"], "drifted")
        paths = {d["path"]: d for d in tdr["diff"]}
        self.assertEqual(paths["containerDefinitions[web].image"]["git"], "nginx:1.25")
        self.assertEqual(paths["containerDefinitions[web].image"]["live"], "nginx:1.27")
        self.assertIn(res[("Service", "shop/web")]["status"], ("drifted", "unhealthy"))
        # the secret's difference is reported, with both values masked
        secret = paths["containerDefinitions[web].environment[DB_PASSWORD].value"]
        self.assertEqual((secret["git"], secret["live"]), ("(sensitive)", "(sensitive)"))
        for fmt in ("text", "json", "markdown", "junit"):
            rc, out, err = self.drift("--format", fmt)
            self.assertEqual(rc, 0, err)
            self.assertIn("PASSWORD", out, fmt)
            self.assertIn("(sensitive)", out, fmt)
            self.assertNotIn("hunter2", out, fmt)
            self.assertNotIn("letmein", out, fmt)

    def test_nothing_live_is_missing(self):
        rc, doc, res = self.report("--fail-on-drift")
        self.assertEqual(rc, 2)
        self.assertEqual({r["status"] for r in doc["resources"]}, {"missing"})
        self.assertEqual(doc["summary"]["missing"], 3)

    def test_bad_format_is_a_usage_error(self):
        rc, out, err = self.drift("--format", "yaml")
        self.assertEqual(rc, 64)
        self.assertIn("unknown format", err)


if __name__ == "__main__":
    unittest.main()
