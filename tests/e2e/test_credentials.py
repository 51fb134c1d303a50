"""The credentials people use, end to end: the real ecsctl plans against an
ecs-local that verifies SigV4 for one key (--require-sigv4), so a plan that
works proves ecsctl signed with the key the source gave. Secrets must never
appear in ecsctl's output, even at -vvv."""
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from ecslocal import EcsLocal, Repo, ecsctl  # noqa: E402

KEY, SECRET, TOKEN = "ASIAE2EPROCESS", "e2e-secret/value+1", "e2e-session-token"


class Credentials(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = EcsLocal("--require-sigv4", "%s:%s" % (KEY, SECRET)).start()
        cls.repo = Repo()

    @classmethod
    def tearDownClass(cls):
        rc = cls.server.stop()
        cls.repo.cleanup()
        if rc != 0:
            raise AssertionError("ecs-local exited %r: %s" % (rc, cls.server.stderr[-4000:]))

    def setUp(self):
        self.home = tempfile.mkdtemp(prefix="ecsctl-creds-")
        os.makedirs(os.path.join(self.home, ".aws"))
        self.addCleanup(shutil.rmtree, self.home, True)

    def write(self, rel, text, mode=0o600):
        path = os.path.join(self.home, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    def plan(self, profile, *args, **env):
        """ecsctl -vvv plan with no keys in the environment, HOME = self.home."""
        extra = dict(AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None, HOME=self.home,
                     AWS_PROFILE=profile)
        extra.update(env)
        return ecsctl(self.server, self.repo, "plan", "-vvv", *args, **extra)

    def assert_no_secret(self, r, *secrets):
        for s in (SECRET, TOKEN) + secrets:
            self.assertNotIn(s, r.stdout + r.stderr)

    def process_profile(self, key=KEY, secret=SECRET, exit_code=0):
        helper = self.write("helper.sh",
                            "echo 'helper: asking the vault' >&2\n"
                            "printf '%%s' '{\"Version\": 1, \"AccessKeyId\": \"%s\", "
                            "\"SecretAccessKey\": \"%s\", \"SessionToken\": \"%s\", "
                            "\"Expiration\": \"2099-01-01T00:00:00Z\"}'\nexit %d\n"
                            % (key, secret, TOKEN, exit_code), mode=0o700)
        self.write(".aws/config", "[profile proc]\nregion = us-east-1\n"
                   "credential_process = %s --for 'ecsctl plan'\n" % helper)

    def test_credential_process_signs_with_its_keys(self):
        self.process_profile()
        r = self.plan("proc")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Plan: 5 to create, 4 to register.", r.stdout)
        # the helper's stderr reaches the user
        self.assertIn("helper: asking the vault", r.stderr)
        self.assert_no_secret(r)

    def test_credential_process_with_the_wrong_secret_is_refused_by_ecs(self):
        self.process_profile(secret="not-the-secret")
        r = self.plan("proc")
        self.assertEqual(r.returncode, 1)
        self.assertIn("InvalidSignatureException", r.stderr)
        self.assert_no_secret(r, "not-the-secret")

    def test_credential_process_failure_is_clear(self):
        self.process_profile(exit_code=2)
        r = self.plan("proc")
        self.assertEqual(r.returncode, 1)
        self.assertIn("profile 'proc': credential_process exited with status 2", r.stderr)
        self.assertIn("helper: asking the vault", r.stderr)
        self.assert_no_secret(r)


if __name__ == "__main__":
    unittest.main()
