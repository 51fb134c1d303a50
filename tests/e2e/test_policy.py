"""`ecsctl policy` (cmd/cmd_policy.c): its actions are exactly the ECS
operations the code can call (every operation name of the vendored ECS model
that a C source outside sim/ quotes), the calls ecs-local counted while plan,
drift and status ran are all in the --read-only policy and those of apply and
a prune in the full one, and its resources are the repository's clusters,
families and roles."""
import glob
import json
import os
import re
import unittest

from ecslocal import SRC, ServerRepoCase, delta, ecsctl

CODE_DIRS = ("aws", "cmd", "diff", "drift", "import", "model", "ops", "reconcile", "util",
             "watch")


def operations_in_code():
    with open(os.path.join(SRC, "schema", "botocore", "service-2.json")) as f:
        model_ops = set(json.load(f)["operations"])
    text = ""
    for d in CODE_DIRS:
        for path in glob.glob(os.path.join(SRC, d, "*.c")):
            with open(path) as f:
                text += f.read()
    return {op for op in model_ops if '"%s"' % op in text}


def actions(doc, prefix="ecs:"):
    out = set()
    for s in doc["Statement"]:
        a = s["Action"] if isinstance(s["Action"], list) else [s["Action"]]
        out |= {x[len(prefix):] for x in a if x.startswith(prefix)}
    return out


def statement(doc, sid):
    found = [s for s in doc["Statement"] if s["Sid"] == sid]
    return found[0] if found else None


class Policy(ServerRepoCase):
    repo_source = "examples"

    def policy(self, *args):
        r = ecsctl(None, self.repo, "policy", "--env", "staging", *args)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def prune_on(self):
        text = self.repo.read("examples/ecsctl.yaml").replace("prune: false", "prune: true")
        self.repo.write("examples/ecsctl.yaml", text)
        self.repo.commit("prune")

    def test_actions_are_the_operations_the_code_calls(self):
        self.prune_on()
        code = operations_in_code()
        self.assertIn("UpdateService", code)
        self.assertEqual(actions(self.policy()), code)
        read_only = self.policy("--read-only")
        self.assertEqual([s["Sid"] for s in read_only["Statement"]], ["EcsctlRead"])
        self.assertTrue(all(a.startswith(("Describe", "List")) for a in actions(read_only)))
        self.assertEqual(actions(read_only),
                         {op for op in code if op.startswith(("Describe", "List"))})

    def test_calls_made_are_allowed(self):
        self.prune_on()
        read_only, full = actions(self.policy("--read-only")), actions(self.policy())
        before = self.server.stats()
        self.run_ok("plan", "--env", "staging")
        self.run_ok("drift", "--env", "staging")
        reads = delta(before, self.server.stats())
        self.assertLessEqual(set(reads), read_only)
        before = self.server.stats()
        self.run_ok("apply", "--env", "staging", "--auto-approve", "--poll-interval", "100ms")
        self.repo.remove("examples/services/cron.yaml")
        self.repo.commit("drop cron: prune deletes it")
        self.run_ok("apply", "--env", "staging", "--auto-approve", "--poll-interval", "100ms")
        applied = delta(before, self.server.stats())
        self.assertIn("DeleteService", applied)
        self.assertLessEqual(set(applied), full)
        before = self.server.stats()
        self.run_ok("status", "--env", "staging")
        self.assertLessEqual(set(delta(before, self.server.stats())), read_only)

    def test_resources_are_the_repositorys(self):
        doc = self.policy("--account", "123456789012")
        self.assertIsNone(statement(doc, "EcsctlPrune"))  # prune: false in examples/
        self.assertEqual(statement(doc, "EcsctlClusters")["Resource"],
                         ["arn:aws:ecs:*:123456789012:cluster/shop-staging"])
        self.assertEqual(statement(doc, "EcsctlServices")["Resource"],
                         ["arn:aws:ecs:*:123456789012:service/shop-staging/*"])
        families = {re.search(r"task-definition/([^:]+):\*$", r).group(1)
                    for r in statement(doc, "EcsctlTags")["Resource"] if "task-definition" in r}
        self.assertEqual(families, {"web-staging", "worker-staging", "billing-staging",
                                    "cron-staging"})
        self.assertEqual(len(statement(doc, "EcsctlRunTasks")["Resource"]), 4)
        self.assertIn("arn:aws:ecs:*:123456789012:task-definition/web-staging:*",
                      statement(doc, "EcsctlRunTasks")["Resource"])
        self.assertEqual(statement(doc, "EcsctlStopTasks")["Resource"],
                         ["arn:aws:ecs:*:123456789012:task/shop-staging/*"])
        self.assertEqual(statement(doc, "EcsctlRollouts")["Resource"],
                         ["arn:aws:ecs:*:123456789012:service-deployment/shop-staging/*"])
        passing = statement(doc, "EcsctlPassTaskRoles")
        self.assertEqual(sorted(passing["Resource"]),
                         ["arn:aws:iam::123456789012:role/shop-task-execution",
                          "arn:aws:iam::123456789012:role/shop-worker"])
        self.assertEqual(passing["Condition"],
                         {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}})
        self.prune_on()
        prune = statement(self.policy(), "EcsctlPrune")
        self.assertEqual(prune["Condition"],
                         {"StringEquals": {"aws:ResourceTag/ecsctl:owner": "shop-staging"}})

    def test_the_lease_is_its_item_or_object_only(self):
        text = self.repo.read("examples/ecsctl.yaml")
        self.repo.write("examples/ecsctl.yaml",
                        text + "lock: {backend: dynamodb, table: ecsctl-locks}\n")
        self.repo.commit("lock in dynamodb")
        lease = statement(self.policy("--account", "123456789012"), "EcsctlLease")
        self.assertEqual(lease["Resource"],
                         "arn:aws:dynamodb:*:123456789012:table/ecsctl-locks")
        self.assertEqual(lease["Condition"], {"ForAllValues:StringEquals": {
            "dynamodb:LeadingKeys": ["shop-staging"]}})
        self.assertEqual(actions(self.policy(), "dynamodb:"),
                         {"GetItem", "PutItem", "UpdateItem", "DeleteItem"})
        self.assertIsNone(statement(self.policy("--read-only"), "EcsctlLease"))
        self.repo.write("examples/ecsctl.yaml",
                        text + "lock: {backend: s3, bucket: state, key: shop/lock}\n")
        self.repo.commit("lock in s3")
        lease = statement(self.policy(), "EcsctlLease")
        self.assertEqual(lease["Resource"], "arn:aws:s3:::state/shop/lock")
        self.assertEqual(set(lease["Action"]), {"s3:GetObject", "s3:PutObject",
                                                "s3:DeleteObject"})

    def test_bad_flags(self):
        for args, message in ((["--account", "12"], "12-digit"),
                              (["--partition", "AWS!"], "partition")):
            r = ecsctl(None, self.repo, "policy", "--env", "staging", *args)
            self.assertEqual(r.returncode, 64)
            self.assertIn(message, r.stderr)


if __name__ == "__main__":
    unittest.main()
