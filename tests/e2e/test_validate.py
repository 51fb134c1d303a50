"""ecsctl validate / render end to end, on git repositories made by the test."""
import json
import os
import subprocess
import unittest

from ecslocal import BARE_SERVICE, BARE_TASKDEF, SRC, Repo, ecsctl

CLUSTER = "kind: Cluster\nclusterName: shop\n"
TASKDEF = BARE_TASKDEF.replace("nginx:1.25", "nginx:${IMAGE_TAG:-1.25}")
SERVICE = BARE_SERVICE + "networkConfiguration: {awsvpcConfiguration: {subnets: [subnet-1]}}\n"


def run(*args, **extra):
    """ecsctl ARGS, with no IMAGE_TAG but the one a test gives."""
    r = ecsctl(None, None, *args, **dict({"IMAGE_TAG": None}, **extra))
    return r.returncode, r.stdout, r.stderr


class ValidateTest(unittest.TestCase):
    def setUp(self):
        self.repo = Repo(source=None, files={
            "deploy/cluster.yaml": CLUSTER, "deploy/td/web.yaml": TASKDEF,
            "deploy/svc/web.yaml": SERVICE, "README.md": "# deploy\n"})
        self.addCleanup(self.repo.cleanup)

    def test_valid_repository_prints_the_summary(self):
        rc, out, err = run("validate", "--repo", self.repo.dir, "--path", "deploy")
        self.assertEqual(rc, 0, err)
        self.assertEqual(out, "ok: 1 cluster, 1 task definition, 1 service\n")
        self.assertEqual(err, "")

    def test_every_error_is_reported_with_its_position(self):
        self.repo.commit(files={
            "deploy/td/web.yaml": TASKDEF.replace("    image:", "    imgae:")
                                         .replace("awsvpc", "awsvcp"),
            "deploy/svc/web.yaml": SERVICE.replace("desiredCount: 2", "desiredCount: two")
                                          .replace("taskDefinition: web", "taskDefinition: api"),
        })
        rc, out, err = run("validate", "--repo", self.repo.dir, "--path", "deploy")
        self.assertEqual(rc, 1)
        self.assertEqual(out, "")
        self.assertEqual(err.splitlines(), [
            "error: deploy/svc/web.yaml:4:17: taskDefinition 'api' in Service 'shop/web' is "
            "not a family defined in the repository (write 'family:revision' or an ARN for one "
            "defined elsewhere)",
            "error: deploy/svc/web.yaml:5:15: 'desiredCount' must be an integer, got 'two'",
            "error: deploy/td/web.yaml:4:14: invalid value 'awsvcp' for 'networkMode', did you "
            "mean 'awsvpc'? (one of: bridge, host, awsvpc, none)",
            "error: deploy/td/web.yaml:8:5: missing required member 'image' in "
            "containerDefinitions[0]",
            "error: deploy/td/web.yaml:9:5: unknown member 'imgae' in containerDefinitions[0], "
            "did you mean 'image'?",
            "error: 5 errors in the desired state",
        ])

    def test_git_ref_versus_worktree(self):
        self.repo.write("deploy/td/web.yaml", TASKDEF.replace("256", "lots"))
        rc, _, err = run("validate", "--repo", self.repo.dir, "--path", "deploy")
        self.assertEqual(rc, 0, err)  # the edit is not committed
        rc, _, err = run("validate", "--repo", self.repo.dir, "--path", "deploy", "--worktree")
        self.assertEqual(rc, 1)
        self.assertIn("'cpu' must be CPU units ('256') or vCPUs ('1 vCPU'), got 'lots'", err)
        self.repo.commit()
        rc, _, _ = run("validate", "--repo", self.repo.dir, "--path", "deploy")
        self.assertEqual(rc, 1)
        rc, _, err = run("validate", "--repo", self.repo.dir, "--path", "deploy",
                         "--ref", "HEAD~1")
        self.assertEqual(rc, 0, err)

    def test_render_is_json_deterministic_and_resolved(self):
        rc, out1, err = run("render", "--repo", self.repo.dir, "--path", "deploy")
        self.assertEqual(rc, 0, err)
        rc, out2, _ = run("render", "--repo", self.repo.dir, "--path", "deploy")
        self.assertEqual(out1, out2)
        doc = json.loads(out1)
        sha = subprocess.run(["git", "-C", self.repo.dir, "rev-parse", "HEAD"],
                             capture_output=True, text=True, check=True).stdout.strip()
        self.assertEqual(doc["formatVersion"], 1)
        self.assertEqual(doc["commit"], sha)
        self.assertEqual([c["clusterName"] for c in doc["clusters"]], ["shop"])
        td = doc["taskDefinitions"][0]
        self.assertEqual(td["cpu"], "256")  # a string member, though written unquoted
        self.assertEqual(td["containerDefinitions"][0]["image"], "nginx:1.25")
        self.assertEqual(td["containerDefinitions"][0]["portMappings"], [{"containerPort": 80}])
        self.assertEqual(doc["services"][0]["desiredCount"], 2)
        rc, out3, _ = run("render", "--repo", self.repo.dir, "--path", "deploy",
                          IMAGE_TAG="2.0")
        self.assertEqual(json.loads(out3)["taskDefinitions"][0]["containerDefinitions"][0]
                         ["image"], "nginx:2.0")

    def test_usage_and_unreadable_sources(self):
        rc, _, err = run("validate", "--no-such-flag")
        self.assertEqual(rc, 64)
        self.assertTrue(err.startswith("error: "), err)
        rc, _, err = run("validate", "--repo", self.repo.dir, "--ref", "nope")
        self.assertEqual(rc, 1)
        self.assertIn("unknown ref 'nope'", err)
        rc, _, err = run("validate", "--repo", self.repo.dir, "--path", "missing")
        self.assertEqual(rc, 1)
        self.assertIn("no folder 'missing'", err)

    def test_guard_rails_give_clean_errors(self):
        bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
            "%s: &%s [%s]\n" % (c, c, ", ".join(["*" + p] * 10))
            for p, c in zip("abcdefgh", "bcdefghi"))
        self.repo.write("deploy/bomb.yaml", bomb)
        self.repo.write("deploy/deep.yaml", "[" * 10000)
        with open(os.path.join(self.repo.dir, "deploy/latin1.yaml"), "wb") as f:
            f.write(b"kind: Cluster\nclusterName: caf\xe9\n")
        with open(os.path.join(self.repo.dir, "deploy/huge.yaml"), "wb") as f:
            f.write(b"#" * (4 * 1024 * 1024 + 1))
        self.repo.commit()
        rc, _, err = run("validate", "--repo", self.repo.dir, "--path", "deploy")
        self.assertEqual(rc, 1)
        lines = err.splitlines()
        self.assertIn("error: deploy/bomb.yaml:6:36: alias '*e' expands beyond the limit of "
                      "1000000 nodes or 32 MiB (an alias bomb?)", lines)
        self.assertIn("error: deploy/deep.yaml:1:65: nesting deeper than 64 levels", lines)
        self.assertIn("error: deploy/latin1.yaml:2:17: invalid UTF-8 (byte 0xe9)", lines)
        self.assertIn("error: deploy/huge.yaml: file is larger than the limit of 4194304 bytes "
                      "(4194305 bytes)", lines)


class ExamplesTest(unittest.TestCase):
    def test_examples_validate(self):
        expected = "ok: 1 cluster, 4 task definitions, 4 services\n"
        git = subprocess.run(["git", "-C", SRC, "rev-parse", "--git-dir"],
                             capture_output=True).returncode == 0
        for env in ("staging", "prod"):
            rc, out, err = run("validate", "--worktree", "--repo", SRC, "--path", "examples",
                               "--env", env)
            self.assertEqual((rc, out), (0, expected), err)
            # from git objects too, when the source tree is a git checkout
            if git:
                rc, out, err = run("validate", "--repo", SRC, "--path", "examples",
                                   "--env", env)
                self.assertEqual((rc, out), (0, expected), err)
        # environments declared: the base alone is not a deployable state
        rc, out, err = run("validate", "--worktree", "--repo", SRC, "--path", "examples")
        self.assertEqual(rc, 1)
        self.assertEqual(err, "error: %s/examples/ecsctl.yaml:19:3: ecsctl.yaml declares "
                              "environments (staging, prod): choose one with --env NAME\n"
                              "error: 1 error in the desired state\n" % SRC)


if __name__ == "__main__":
    unittest.main()
