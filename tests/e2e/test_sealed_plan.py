"""Saved plans are sealed (docs/security.md, "The saved plan file"): apply FILE
runs the plan of the desired state the file carries, made again, and refuses
a file whose calls, changes or digest were edited; with ECSCTL_PLAN_KEY the
file carries an HMAC seal that apply checks."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from ecslocal import ServerRepoCase, delta, redigest, writes  # noqa: E402

FAST = ("--poll-interval", "100ms")
KEY = "k3y-that-must-never-show-up"
EVIL = "public.ecr.aws/evil/miner:latest"


class SealedPlan(ServerRepoCase):
    def setUp(self):
        super().setUp()
        self.run_ok("apply", "--auto-approve", *FAST)
        self.plan = os.path.join(self.repo.dir, "p.json")

    def make_plan(self, **kw):
        """A plan that moves web to a new image: register web, update shop/web."""
        self.run_ok("plan", "-o", self.plan, IMAGE_TAG="1.27.0", **kw)
        with open(self.plan) as f:
            return json.load(f)

    def save(self, doc):
        with open(self.plan, "w") as f:
            json.dump(doc, f)

    def change(self, doc, action, name):
        return [c for c in doc["changes"] if c["action"] == action and c["name"] == name][0]

    def apply_refused(self, msg, **kw):
        """apply FILE exits 1 naming `msg`, with no write to ECS."""
        before = self.server.stats()
        r = self.run_ok("apply", *FAST, self.plan, path=None, expect=1, **kw)
        self.assertIn(msg, r.stderr)
        self.assertEqual(writes(delta(before, self.server.stats())), {})
        return r

    def web_image(self):
        c = self.server.client()
        arn = c.describe_services(cluster="shop", services=["web"])["services"][0][
            "taskDefinition"]
        td = c.describe_task_definition(taskDefinition=arn)["taskDefinition"]
        return td["containerDefinitions"][0]["image"]

    def test_image_swapped_only_in_the_call_is_refused(self):
        doc = self.make_plan()
        reg = self.change(doc, "register", "web")
        reg["calls"][0]["request"]["containerDefinitions"][0]["image"] = EVIL
        self.save(doc)
        r = self.apply_refused("call 1 (RegisterTaskDefinition) is not one its reviewed "
                               "change makes")
        self.assertIn("register TaskDefinition 'web'", r.stderr)
        self.assertNotEqual(self.web_image(), EVIL)

    def test_added_force_delete_is_refused(self):
        doc = self.make_plan()
        upd = self.change(doc, "update", "shop/web")
        upd["calls"].append({"operation": "DeleteService",
                             "request": {"cluster": "shop", "service": "billing",
                                         "force": True}})
        self.save(doc)
        # the update's calls are UpdateService and TagResource (the commit tag)
        self.apply_refused("change 2 (update Service 'shop/web'): call 3 (DeleteService) is "
                           "not one its reviewed change makes")
        svc = self.server.client().describe_services(cluster="shop", services=["billing"])
        self.assertEqual(svc["services"][0]["status"], "ACTIVE")

    def test_delete_outside_the_reviewed_actions_is_refused(self):
        doc = self.make_plan()
        doc["changes"].append({"action": "delete", "kind": "Service", "name": "shop/billing",
                               "phase": 3, "diff": [],
                               "calls": [{"operation": "DeleteService",
                                          "request": {"cluster": "shop", "service": "billing",
                                                      "force": True}}]})
        self.save(doc)
        self.apply_refused("change 3 (delete Service 'shop/billing') is not in the plan of the "
                           "reviewed desired state")

    def test_zeroed_desired_digest_is_refused(self):
        doc = self.make_plan()
        doc["saved"]["desiredDigest"] = "0" * 64
        self.save(doc)
        self.apply_refused("desiredDigest is not the sha256 of its desired state")

    def test_desired_state_edited_with_its_digest_is_refused_by_the_diff(self):
        # whoever can write the file can recompute a digest: the reviewed diff
        # (and calls) must still be what the desired state plans
        doc = self.make_plan()
        tds = doc["saved"]["desired"]["model"]["taskDefinitions"]
        web = [t for t in tds if t["family"] == "web"][0]
        web["containerDefinitions"][0]["image"] = EVIL
        redigest(doc)
        self.save(doc)
        self.apply_refused("change 1 (register TaskDefinition 'web'): call 1 "
                           "(RegisterTaskDefinition) is not one its reviewed change makes")

    def test_untouched_plan_applies_what_was_reviewed(self):
        self.make_plan()
        before = self.server.stats()
        r = self.run_ok("apply", *FAST, self.plan, path=None)
        self.assertIn("Plan: 1 to register, 1 to update.", r.stdout)
        self.assertEqual(writes(delta(before, self.server.stats())),
                         {"RegisterTaskDefinition": 1, "UpdateService": 1, "TagResource": 1})
        self.assertEqual(self.web_image(), "public.ecr.aws/nginx/nginx:1.27.0")

    def test_sealed_plan_applies_and_a_bad_or_missing_seal_is_refused(self):
        doc = self.make_plan(ECSCTL_PLAN_KEY=KEY)
        self.assertEqual(doc["seal"]["alg"], "HMAC-SHA256")
        self.assertEqual(len(doc["seal"]["mac"]), 64)
        self.assertNotIn(KEY, json.dumps(doc))
        outputs = []
        # one byte of the reviewed state changed, seal kept: refused
        bad = json.loads(json.dumps(doc))
        bad["saved"]["desired"]["model"]["services"][0]["desiredCount"] = 9
        self.save(bad)
        r = self.apply_refused("seal does not match", ECSCTL_PLAN_KEY=KEY)
        outputs.append(r.stdout + r.stderr)
        # another key: refused
        self.save(doc)
        r = self.apply_refused("seal does not match", ECSCTL_PLAN_KEY="other")
        outputs.append(r.stdout + r.stderr)
        # seal taken out: refused while a key is set
        unsealed = dict(doc)
        del unsealed["seal"]
        self.save(unsealed)
        r = self.apply_refused("not sealed", ECSCTL_PLAN_KEY=KEY)
        outputs.append(r.stdout + r.stderr)
        # an empty key (an unset CI secret) is an error, not "no seal"
        self.save(doc)
        self.apply_refused("ECSCTL_PLAN_KEY is set but empty", ECSCTL_PLAN_KEY="")
        # the good one, its key from a file
        keyfile = os.path.join(self.repo.dir, "plan.key")
        with open(keyfile, "w") as f:
            f.write(KEY + "\n")
        before = self.server.stats()
        r = self.run_ok("apply", *FAST, self.plan, path=None, ECSCTL_PLAN_KEY_FILE=keyfile)
        outputs.append(r.stdout + r.stderr)
        self.assertIn("Apply complete: 2 changes.", r.stderr)
        self.assertEqual(writes(delta(before, self.server.stats())),
                         {"RegisterTaskDefinition": 1, "UpdateService": 1, "TagResource": 1})
        for out in outputs:
            self.assertNotIn(KEY, out)

    def test_sealed_plan_without_a_key_warns(self):
        self.make_plan(ECSCTL_PLAN_KEY=KEY)
        r = self.run_ok("apply", *FAST, self.plan, path=None)
        self.assertIn("the seal was not checked", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2, warnings="ignore")
