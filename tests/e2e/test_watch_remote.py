"""Remote repositories (--repo URL): a bare clone cached under
$XDG_CACHE_HOME/ecsctl/repos/<sha256 of the URL>, fetched (not re-cloned)
on each run; watch follows a commit pushed to a file:// remote; credentials
never reach a message."""
import hashlib
import json
import os
import subprocess
import tempfile
import unittest

import opslib
from opslib import Watch


class RemoteTest(unittest.TestCase):
    def setUp(self):
        self.server = opslib.ecslocal.Server().start()
        self.addCleanup(self.server.stop)
        self.origin = opslib.Repo()
        self.addCleanup(self.origin.close)
        self.tmp = tempfile.TemporaryDirectory(prefix="ecsctl-cache-")
        self.addCleanup(self.tmp.cleanup)
        self.url = "file://" + self.origin.path
        self.cache = os.path.join(self.tmp.name, "ecsctl", "repos",
                                  hashlib.sha256(self.url.encode()).hexdigest())
        self.env = {"XDG_CACHE_HOME": self.tmp.name, "ECSCTL_GIT_TOKEN": "tok-SECRET-123"}

    def render(self, *args):
        rc, out, err = opslib.run(self.server, "render", *args, repo=self.url,
                                  extra_env=self.env)
        self.assertEqual(rc, 0, err)
        return json.loads(out)

    def test_clone_once_then_fetch(self):
        doc = self.render()
        self.assertEqual(doc["commit"], self.origin.sha)
        self.assertTrue(os.path.isfile(os.path.join(self.cache, "HEAD")))
        self.assertFalse(os.path.exists(os.path.join(self.cache, ".git")))  # bare
        marker = os.path.join(self.cache, "ecsctl-test-marker")
        open(marker, "w").close()

        new = self.origin.commit({"services/web.yaml":
                                  opslib.SERVICE.replace("desiredCount: 2", "desiredCount: 5")})
        doc = self.render()
        self.assertEqual(doc["commit"], new)
        self.assertEqual(doc["services"][0]["desiredCount"], 5)
        self.assertTrue(os.path.exists(marker), "the cache was cloned again")

        # another branch, by name
        opslib.git(self.origin.path, "checkout", "-q", "-b", "staging")
        staging = self.origin.commit({"services/web.yaml": opslib.SERVICE.replace(
            "desiredCount: 2", "desiredCount: 7")})
        opslib.git(self.origin.path, "checkout", "-q", "main")
        doc = self.render("--ref", "staging")
        self.assertEqual((doc["commit"], doc["services"][0]["desiredCount"]), (staging, 7))
        self.assertEqual(self.render()["commit"], new)

    def test_unreachable_remote_hides_credentials(self):
        rc, out, err = opslib.run(self.server, "validate",
                                  repo="https://deploy:pa55word@127.0.0.1:9/shop.git",
                                  extra_env=self.env)
        self.assertEqual(rc, 1)
        self.assertIn("https://127.0.0.1:9/shop.git", err)
        for secret in ("pa55word", "tok-SECRET-123"):
            self.assertNotIn(secret, err + out)
        rc, out, err = opslib.run(self.server, "validate", repo="file:///nonexistent/repo.git",
                                  extra_env=self.env)
        self.assertEqual(rc, 1)
        self.assertIn("error:", err)

    def test_watch_follows_a_pushed_commit(self):
        w = Watch(self.server, self.url, "--interval", "300ms", env=self.env)
        self.addCleanup(w.stop)
        w.wait_for(lambda d: d.get("result") == "applied" and d.get("commit") == self.origin.sha)
        new = self.origin.commit({"services/web.yaml":
                                  opslib.SERVICE.replace("desiredCount: 2", "desiredCount: 1")})
        w.wait_for(lambda d: d.get("result") == "applied" and d.get("commit") == new)
        svc = self.server.client().describe_services(cluster="shop", services=["web"])
        self.assertEqual(svc["services"][0]["desiredCount"], 1)
        self.assertEqual(w.stop(), 0)


if __name__ == "__main__":
    unittest.main()
