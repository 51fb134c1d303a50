"""The corpus of real task and service definitions (tests/data/corpus): what real
ECS accepts applies to ecs-local with an empty plan afterwards; what it refuses
fails validate with file:line:col and the rule's name, before any request."""
import hashlib
import json
import os
import re
import shutil
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from ecslocal import SRC, EcsLocal, Repo, delta, ecsctl  # noqa: E402

CORPUS = os.path.join(SRC, "tests", "data", "corpus")
ERROR = re.compile(r"^error: deploy/[^:]+:\d+:\d+: .* \(rule: ([a-z-]+)\)$")

with open(os.path.join(CORPUS, "manifest.json")) as f:
    MANIFEST = json.load(f)


def case_repo(case):
    repo = Repo(source=None)
    shutil.copytree(os.path.join(CORPUS, "cases", case["name"]),
                    os.path.join(repo.dir, "deploy"))
    repo.commit(case["name"])
    return repo


class Manifest(unittest.TestCase):
    def test_thirty_distinct_documents_each_with_source_and_licence(self):
        seen = set()
        with open(os.path.join(CORPUS, "README.md")) as f:
            readme = f.read()
        for case in MANIFEST["cases"]:
            folder = os.path.join(CORPUS, "cases", case["name"])
            listed = [d["file"] for d in case["documents"]] + case["glue"]
            self.assertEqual(sorted(os.listdir(folder)), sorted(listed), case["name"])
            self.assertIn(case["expect"], ("accepted", "rejected"))
            for d in case["documents"]:
                for key in ("repo", "path", "url", "licence", "changes"):
                    self.assertTrue(d[key], (case["name"], d["file"], key))
                self.assertTrue(os.path.exists(os.path.join(CORPUS, d["licenceFile"])))
                self.assertIn("`cases/%s/%s`" % (case["name"], d["file"]), readme)
                with open(os.path.join(folder, d["file"]), "rb") as f:
                    seen.add(hashlib.sha256(f.read()).hexdigest())
        self.assertGreaterEqual(len(seen), 30)


class Corpus(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = EcsLocal().start()

    @classmethod
    def tearDownClass(cls):
        assert cls.server.stop() == 0

    def test_refused_documents_fail_validate_naming_the_rule(self):
        for case in (c for c in MANIFEST["cases"] if c["expect"] == "rejected"):
            with self.subTest(case=case["name"]):
                repo = case_repo(case)
                try:
                    before = self.server.stats()
                    for args in (("validate",), ("plan",)):
                        r = ecsctl(self.server, repo, *args, path="deploy")
                        self.assertEqual(r.returncode, 1, r.stderr)
                        errors = [ln for ln in r.stderr.splitlines()
                                  if ln.startswith("error: ") and " in the desired state" not in ln]
                        self.assertTrue(errors, r.stderr)
                        rules = set()
                        for line in errors:
                            m = ERROR.match(line)
                            self.assertIsNotNone(m, line)
                            rules.add(m.group(1))
                        self.assertEqual(rules, set(case["rules"]), r.stderr)
                    self.assertEqual(delta(before, self.server.stats()), {})
                finally:
                    repo.cleanup()

    def test_accepted_documents_apply_with_an_empty_plan_afterwards(self):
        for case in (c for c in MANIFEST["cases"] if c["expect"] == "accepted"):
            with self.subTest(case=case["name"]):
                repo = case_repo(case)
                try:
                    r = ecsctl(self.server, repo, "validate", path="deploy")
                    self.assertEqual(r.returncode, 0, r.stderr)
                    r = ecsctl(self.server, repo, "apply", "--auto-approve",
                               "--poll-interval", "100ms", path="deploy")
                    self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                    r = ecsctl(self.server, repo, "plan", "--detailed-exitcode", path="deploy")
                    self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                    self.assertIn("No changes. Live ECS matches git.", r.stdout)
                finally:
                    repo.cleanup()


if __name__ == "__main__":
    unittest.main()
