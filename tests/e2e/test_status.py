"""ecsctl status against ecs-local: deployments, counts, rollout state and
events per desired service; --cluster lists services git does not know;
a desired service that does not exist is reported MISSING."""
import json
import unittest

from ecslocal import FILES, NETCONF, ServerRepoCase, deploy_by_hand, ecsctl, wait_stable


class StatusTest(ServerRepoCase):
    repo_source, repo_files = None, FILES

    def status(self, *args, repo=True):
        r = ecsctl(self.server, self.repo if repo else None, "status", *args)
        return r.returncode, r.stdout, r.stderr

    def test_desired_services_json_and_text(self):
        arn = deploy_by_hand(self.ecs, self.repo.sha)
        wait_stable(self.ecs, "shop", ["web"])
        rc, out, err = self.status("--output", "json", "--events", "2")
        self.assertEqual(rc, 0, err)
        doc = json.loads(out)
        self.assertEqual(doc["formatVersion"], 1)
        [svc] = doc["services"]
        self.assertEqual(svc["name"], "shop/web")
        self.assertEqual((svc["runningCount"], svc["desiredCount"]), (2, 2))
        self.assertEqual(svc["rolloutState"], "COMPLETED")
        [dep] = svc["deployments"]
        self.assertEqual(dep["status"], "PRIMARY")
        self.assertEqual(dep["taskDefinition"], arn.rsplit("/", 1)[1])
        self.assertTrue(1 <= len(svc["events"]) <= 2, svc["events"])
        live = self.ecs.describe_services(cluster="shop", services=["web"])["services"][0]
        self.assertEqual(svc["events"][0]["message"], live["events"][0]["message"])

        # a new deployment is shown as the PRIMARY one (the old one may still
        # be draining or already gone: ecs-local runs 50x faster than life)
        self.ecs.update_service(cluster="shop", service="web", desiredCount=2,
                                forceNewDeployment=True)
        live = self.ecs.describe_services(cluster="shop", services=["web"])["services"][0]
        primary = [d["id"] for d in live["deployments"] if d["status"] == "PRIMARY"]
        doc = json.loads(self.status("--output", "json")[1])
        shown = [d["id"] for d in doc["services"][0]["deployments"] if d["status"] == "PRIMARY"]
        self.assertNotEqual(shown, [dep["id"]])
        self.assertEqual(shown, primary)

        rc, text, err = self.status()
        self.assertEqual(rc, 0, err)
        self.assertIn("shop/web  ACTIVE  running", text)
        self.assertIn("PRIMARY", text)
        self.assertIn("events:", text)

    def test_cluster_flag_and_missing(self):
        rc, out, err = self.status("--output", "json")
        self.assertEqual(rc, 0, err)
        self.assertEqual(json.loads(out)["services"][0]["status"], "MISSING")
        arn = deploy_by_hand(self.ecs, self.repo.sha)
        self.ecs.create_service(cluster="shop", serviceName="adhoc", taskDefinition=arn,
                                desiredCount=1, launchType="FARGATE",
                                networkConfiguration=NETCONF)
        rc, out, err = self.status("--cluster", "shop", "--output", "json", repo=False)
        self.assertEqual(rc, 0, err)
        names = sorted(s["name"] for s in json.loads(out)["services"])
        self.assertEqual(names, ["shop/adhoc", "shop/web"])

    def test_unknown_cluster_is_an_error(self):
        rc, out, err = self.status("--cluster", "nope", repo=False)
        self.assertEqual(rc, 1)
        self.assertIn("error:", err)


if __name__ == "__main__":
    unittest.main()
