"""Remote repositories (--repo URL): a bare clone cached under
$XDG_CACHE_HOME/ecsctl/repos/<sha256 of the URL>, fetched (not re-cloned)
on each run; watch follows a commit pushed to a file:// remote; credentials
never reach a message."""
import hashlib
import json
import os
import tempfile
import unittest

from ecslocal import FILES, SERVICE, EcsLocal, Repo, Watch, ecsctl


class RemoteTest(unittest.TestCase):
    def setUp(self):
        self.server = EcsLocal().start()
        self.addCleanup(self.server.stop_cleanly)
        self.origin = Repo(source=None, files=FILES)
        self.addCleanup(self.origin.cleanup)
        self.tmp = tempfile.TemporaryDirectory(prefix="ecsctl-cache-")
        self.addCleanup(self.tmp.cleanup)
        self.url = "file://" + self.origin.dir
        self.cache = os.path.join(self.tmp.name, "ecsctl", "repos",
                                  hashlib.sha256(self.url.encode()).hexdigest())
        self.env = {"XDG_CACHE_HOME": self.tmp.name, "ECSCTL_GIT_TOKEN": "tok-SECRET-123"}

    def render(self, *args):
        r = ecsctl(self.server, self.url, "render", *args, **self.env)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def test_clone_once_then_fetch(self):
        doc = self.render()
        self.assertEqual(doc["commit"], self.origin.sha)
        self.assertTrue(os.path.isfile(os.path.join(self.cache, "HEAD")))
        self.assertFalse(os.path.exists(os.path.join(self.cache, ".git")))  # bare
        marker = os.path.join(self.cache, "ecsctl-test-marker")
        open(marker, "w").close()

        new = self.origin.commit(files={"services/web.yaml":
                                  SERVICE.replace("desiredCount: 2", "desiredCount: 5")})
        doc = self.render()
        self.assertEqual(doc["commit"], new)
        self.assertEqual(doc["services"][0]["desiredCount"], 5)
        self.assertTrue(os.path.exists(marker), "the cache was cloned again")

        # another branch, by name
        self.origin.git("checkout", "-q", "-b", "staging")
        staging = self.origin.commit(files={"services/web.yaml": SERVICE.replace(
            "desiredCount: 2", "desiredCount: 7")})
        self.origin.git("checkout", "-q", "main")
        doc = self.render("--ref", "staging")
        self.assertEqual((doc["commit"], doc["services"][0]["desiredCount"]), (staging, 7))
        self.assertEqual(self.render()["commit"], new)

    def test_unreachable_remote_hides_credentials(self):
        r = ecsctl(self.server, "https://deploy:pa55word@127.0.0.1:9/shop.git", "validate",
                   **self.env)
        self.assertEqual(r.returncode, 1)
        self.assertIn("https://127.0.0.1:9/shop.git", r.stderr)
        for secret in ("pa55word", "tok-SECRET-123"):
            self.assertNotIn(secret, r.stderr + r.stdout)
        r = ecsctl(self.server, "file:///nonexistent/repo.git", "validate", **self.env)
        self.assertEqual(r.returncode, 1)
        self.assertIn("error:", r.stderr)

    def test_watch_follows_a_pushed_commit(self):
        w = Watch(self.server, self.url, "--interval", "300ms", **self.env)
        self.addCleanup(w.stop)
        w.wait_for(lambda d: d.get("result") == "applied" and d.get("commit") == self.origin.sha)
        new = self.origin.commit(files={"services/web.yaml":
                                  SERVICE.replace("desiredCount: 2", "desiredCount: 1")})
        w.wait_for(lambda d: d.get("result") == "applied" and d.get("commit") == new)
        svc = self.server.client().describe_services(cluster="shop", services=["web"])
        self.assertEqual(svc["services"][0]["desiredCount"], 1)
        self.assertEqual(w.stop(), 0)


if __name__ == "__main__":
    unittest.main()
