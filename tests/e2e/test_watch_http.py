"""watch's listener under abuse (docs/watch.md, "HTTP"): slow clients do not
starve /healthz, replays of one signed webhook wake one reconcile, and a
listener other machines can reach without a webhook secret is warned about."""
import hashlib
import hmac
import os
import socket
import sys
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from ecslocal import SECRET, ServerRepoCase, Watch, delta  # noqa: E402

BODY = b'{"ref":"refs/heads/main","after":"0123456789abcdef0123456789abcdef01234567"}'


def closed_by_server(s):
    s.settimeout(0.05)
    try:
        return s.recv(1) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


class WatchHttp(ServerRepoCase):
    def start(self, *args, **kw):
        """ecsctl watch (the harness's Watch: JSON logs); returns once it listens."""
        self.w = Watch(self.server, self.repo, "--interval", "1h", *args, **kw)
        self.addCleanup(self.w.stop)
        self.port = int(self.w.port)

    def wait_for(self, msg):
        return self.w.wait_for(lambda d: d["msg"] == msg)

    def get(self, path, source="127.0.0.1", timeout=2.0):
        """GET from a chosen loopback source address: (status, body, seconds)."""
        t0 = time.time()
        s = socket.create_connection(("127.0.0.1", self.port), timeout=timeout,
                                     source_address=(source, 0))
        try:
            s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" %
                      path.encode())
            data = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        finally:
            s.close()
        head, _, body = data.partition(b"\r\n\r\n")
        return int(head.split()[1]), body, time.time() - t0

    def test_slow_clients_do_not_starve_healthz(self):
        self.start()
        slow = []
        try:
            for _ in range(70):
                s = socket.create_connection(("127.0.0.1", self.port), timeout=5)
                slow.append(s)
                try:
                    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # never the end
                except OSError:
                    pass  # closed already: past the limit of its address
            # 12 probes, as a kubelet would send them, from another address
            for _ in range(12):
                status, body, took = self.get("/healthz", source="127.0.0.2")
                self.assertEqual((status, body), (200, b"ok\n"))
                self.assertLess(took, 1.0)
            # one address holds at most 16: the server closed the others
            self.assertGreaterEqual(sum(map(closed_by_server, slow)), 70 - 16)
        finally:
            for s in slow:
                s.close()

    def test_replays_of_one_webhook_wake_one_reconcile(self):
        self.start()
        self.assertEqual(self.wait_for("reconcile done")["result"], "applied")
        before = self.server.stats()
        sig = "sha256=" + hmac.new(SECRET, BODY, hashlib.sha256).hexdigest()
        answers = {}
        for i in range(200):
            # the id is not signed: a replayer may change it, the body it cannot
            delivery = "72d3162e-cc78-11e3-81ab-4c9367dc0958" if i < 100 else "fresh-%d" % i
            req = urllib.request.Request(
                "http://127.0.0.1:%d/webhook" % self.port, data=BODY, method="POST",
                headers={"X-Hub-Signature-256": sig, "X-GitHub-Delivery": delivery})
            with urllib.request.urlopen(req, timeout=5) as r:
                answers[r.status] = answers.get(r.status, 0) + 1
        self.assertEqual(answers, {202: 1, 200: 199})
        self.wait_for("reconcile done")
        done = self.w.reconciles(timeout=1.5)
        self.assertEqual(len(done), 2, done)  # the first, and the one woken
        calls = sum(delta(before, self.server.stats()).values())
        self.assertLess(calls, 30)  # one no-op reconcile's reads, not 200 of them
        status, metrics, _ = self.get("/metrics")
        self.assertIn(b'ecsctl_webhook_requests_total{result="accepted"} 1\n', metrics)
        self.assertIn(b'ecsctl_webhook_requests_total{result="duplicate"} 199\n', metrics)

    def test_non_loopback_without_secret_warns(self):
        self.start("--listen", "0.0.0.0:0", "--insecure-ui", webhook_secret=False)
        self.wait_for("reconcile done")
        warn = [d for d in self.w.log if d["level"] == "warn" and "non-loopback" in d["msg"]]
        self.assertEqual(len(warn), 1, self.w.log)
        self.assertEqual(warn[0]["address"], "0.0.0.0:0")

    def test_loopback_does_not_warn(self):
        self.start()
        self.wait_for("reconcile done")
        self.assertFalse([d for d in self.w.log if "non-loopback" in d["msg"]])


if __name__ == "__main__":
    unittest.main(verbosity=2, warnings="ignore")
