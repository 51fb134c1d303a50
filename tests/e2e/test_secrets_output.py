"""Secrets never reach output (docs/security.md, "Secrets in output"): with
credentials planted under neutral names (a URL's password, a connection
string's Password=...;, an AWS key id) and in the process's AWS keys, the
stdout and stderr of -vvv plan, apply, drift, status and watch hold none of
them, while each command did its work."""
import os
import signal
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from ecslocal import ServerRepoCase, popen_ecsctl  # noqa: E402

FAST = ("--poll-interval", "100ms")
URL_PASS = "pa55w0rd"
CONN_PASS = "Hunter2Conn"
KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMIK7MDENGbPxRfiCYzEXAMPLEKEY"
ENV = {"AWS_ACCESS_KEY_ID": "AKIAQWERTYUIOPASDFGH", "AWS_SECRET_ACCESS_KEY": SECRET_KEY}
PLANTED = (URL_PASS, CONN_PASS, KEY_ID, SECRET_KEY, "AKIAQWERTYUIOPASDFGH", "NewHunter2",
           "n3wpa55")


def worker_env(url_pass, conn_pass):
    return ("      - {name: QUEUE, value: default}\n"
            "      - {name: UPSTREAM, value: \"https://admin:%s@db.internal:5432/shop\"}\n"
            "      - {name: CONN, value: \"Server=db;User Id=sa;Password=%s;\"}\n"
            "      - {name: LEGACY_ID, value: %s}\n" % (url_pass, conn_pass, KEY_ID))


class SecretsInOutput(ServerRepoCase):
    def setUp(self):
        super().setUp()
        self.plant(URL_PASS, CONN_PASS)

    def plant(self, url_pass, conn_pass):
        path = "examples/task-definitions/worker.yaml"
        text = self.repo.read(path)
        start = text.index("    environment:\n") + len("    environment:\n")
        end = text.index("    secrets:")
        self.repo.write(path, text[:start] + worker_env(url_pass, conn_pass) + text[end:])
        self.repo.commit("worker talks to the database")

    def clean(self, *args, expect=0, **kw):
        """Runs ecsctl -vvv; asserts the exit code and that no planted secret shows."""
        r = self.run_ok(*args, "-vvv", expect=expect, **ENV, **kw)
        out = r.stdout + r.stderr
        for s in PLANTED:
            self.assertNotIn(s, out, "%s printed by %s" % (s, args))
        return r

    def test_plan_apply_drift_status_at_vvv(self):
        r = self.clean("plan", "--detailed-exitcode", expect=2)
        self.assertIn("Plan: 5 to create, 4 to register.", r.stdout)
        self.assertIn("value = (sensitive)", r.stdout)
        r = self.clean("apply", "--auto-approve", *FAST)
        self.assertIn("Apply complete", r.stderr)
        # the request log ran, masked rather than dropped
        self.assertIn("ecs RegisterTaskDefinition request: ", r.stderr)
        self.assertIn('"name":"CONN","value":"***"', r.stderr)
        # git moves ahead: both sides of each change are secrets
        self.plant("n3wpa55", "NewHunter2")
        r = self.clean("plan", "--detailed-exitcode", expect=2)
        self.assertIn("Plan: 2 to register, 2 to update.", r.stdout)
        self.assertIn("environment[CONN]", r.stdout)
        r = self.clean("drift", "--fail-on-drift", expect=2)
        self.assertIn("worker", r.stdout)
        r = self.clean("status")
        self.assertIn("shop/worker", r.stdout)

    def test_error_messages_are_redacted(self):
        # a value quoted by a validation error: where it is, not what it is
        path = "examples/services/storefront.yaml"
        self.repo.write(path, self.repo.read(path).replace(
            "launchType: FARGATE", "launchType: \"https://admin:%s@x\"" % URL_PASS, 1))
        self.repo.commit("a bad value")
        r = self.clean("plan", expect=1)
        self.assertIn("invalid value 'https://admin:***@x' for 'launchType'", r.stderr)

    def test_watch_log_at_vvv(self):
        p = popen_ecsctl(self.server, self.repo, "watch", "-vvv", "--interval", "1h",
                         "--listen", "127.0.0.1:0", **ENV)
        seen = []
        try:
            for line in p.stderr:
                seen.append(line)
                if "reconcile done" in line:
                    break
        finally:
            p.send_signal(signal.SIGTERM)
            out, err = p.communicate(timeout=30)
        log = "".join(seen) + err
        self.assertIn("reconcile done", log)
        self.assertIn("ecs RegisterTaskDefinition request", log)
        self.assertEqual(p.returncode, 0, log[-2000:])
        for s in PLANTED:
            self.assertNotIn(s, log)


if __name__ == "__main__":
    unittest.main(verbosity=2, warnings="ignore")
