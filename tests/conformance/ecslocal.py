"""Starts an ecs-local on a free loopback port for one test module, and makes
boto3 clients for it. Used by the conformance tests (stdlib + boto3 only)."""
import atexit
import os
import shlex
import signal
import subprocess
import tempfile
import time
import unittest
import warnings

import boto3
from botocore.config import Config

BIN = os.environ.get("ECS_LOCAL") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "bin", "ecs-local")
# ECSCTL_WRAPPER (e.g. "valgrind --error-exitcode=99 ...", scripts/valgrind.sh)
# goes in front of the binary when the harness starts it
WRAPPER = shlex.split(os.environ.get("ECSCTL_WRAPPER", ""))
# botocore keeps pooled sockets open until exit; that is not what we test
warnings.filterwarnings("ignore", category=ResourceWarning)

REGION = "us-east-1"
ACCOUNT = "123456789012"


class Server:
    """ecs-local on 127.0.0.1:0; the URL comes from its "listening on" line.
    Also the launcher of the e2e tests (tests/e2e/ecslocal.py)."""

    def __init__(self, *args, time_scale=50, preexec_fn=None, binary=None):
        # `binary`: another ecs-local than the build's (an installed one)
        self.args = [*WRAPPER, binary or BIN, "--listen", "127.0.0.1:0", "--time-scale", str(time_scale),
                     *args]
        self.preexec_fn = preexec_fn  # e.g. resource limits for the server alone
        self.proc = None
        self.url = None
        self.stderr = ""

    def start(self):
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True,
                                     preexec_fn=self.preexec_fn)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("listening on http://127.0.0.1:"):
            self.proc.kill()
            raise RuntimeError("ecs-local did not start: %r %r" %
                               (line, self.proc.stderr.read()))
        self.url = line.split(" ", 2)[2]
        # never leave a server behind, whatever happens to the test
        atexit.register(self._kill)
        return self

    def _kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc and not self.proc.stderr.closed:
            self.stderr = self.proc.stderr.read()
            self.proc.stdout.close()
            self.proc.stderr.close()
        return self.proc.returncode if self.proc else None

    def client(self, retries=1, key="AKIDEXAMPLE", secret="secret", **cfg):
        return boto3.session.Session().client(
            "ecs", endpoint_url=self.url, region_name=REGION,
            aws_access_key_id=key, aws_secret_access_key=secret,
            config=Config(retries={"total_max_attempts": retries}, **cfg))


class ServerTest(unittest.TestCase):
    """One ecs-local for the whole class; `self.ecs` is a client without retries."""
    server_args = ()

    @classmethod
    def setUpClass(cls):
        cls.server = Server(*cls.server_args).start()
        cls.ecs = cls.server.client()

    @classmethod
    def tearDownClass(cls):
        # a clean exit, so sanitizer reports (leaks) fail the test
        rc = cls.server.stop()
        if rc != 0:
            raise AssertionError("ecs-local exited %r: %s" % (rc, cls.server.stderr[-4000:]))

    def arn(self, rest):
        return "arn:aws:ecs:%s:%s:%s" % (REGION, ACCOUNT, rest)

    def register(self, family, image="nginx:1.25", **kw):
        containers = kw.pop("containers", None) or [
            {"name": "app", "image": image, "memory": 128}]
        return self.ecs.register_task_definition(
            family=family, containerDefinitions=containers, **kw)["taskDefinition"]

    def describe(self, cluster, name):
        return self.ecs.describe_services(cluster=cluster, services=[name])["services"][0]

    def wait_stable(self, cluster, names, attempts=30):
        self.ecs.get_waiter("services_stable").wait(
            cluster=cluster, services=names,
            WaiterConfig={"Delay": 1, "MaxAttempts": attempts})

    def poll(self, fn, timeout=20.0, interval=0.1):
        """Calls fn until it returns a true value; fails after `timeout` s."""
        end = time.monotonic() + timeout
        while True:
            value = fn()
            if value:
                return value
            if time.monotonic() > end:
                self.fail("condition not reached in %.0f s" % timeout)
            time.sleep(interval)


def temp_dir():
    return tempfile.TemporaryDirectory(prefix="ecs-local-test-")
