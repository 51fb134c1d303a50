"""The writers' lease (ecsctl.yaml `lock:`), with each backend: a local file
(flock), DynamoDB and S3 (loopback stand-ins with the real conditional
semantics and error shapes, tests/e2e/awsstandins.py). Two applies at once:
one waits or fails naming the holder, no duplicate revisions, live = git;
unlock --force; takeover of an expired lease; the heartbeat; watch beside
apply."""
import fcntl
import json
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from awsstandins import S3, DynamoDb  # noqa: E402
from ecslocal import ServerRepoCase, Watch, ecsctl, popen_ecsctl, stderr_until  # noqa: E402

FAST = ("--poll-interval", "100ms")


class LockCase(ServerRepoCase):
    """The shop repo with `lock:` set to `self.lock_yaml()`, applied once."""

    def setUp(self):
        super().setUp()
        self.env = self.stores()
        y = self.repo.read("examples/ecsctl.yaml") + "lock: %s\n" % self.lock_yaml()
        self.repo.write("examples/ecsctl.yaml", y)
        self.repo.commit("lock")
        self.apply()

    def stores(self):
        return {}

    def apply(self, *args, expect=0, **env):
        return self.run_ok("apply", "--auto-approve", *FAST, *args, expect=expect,
                           **dict(self.env, **env))

    def popen_apply(self, *args, **env):
        p = popen_ecsctl(self.server, self.repo, "apply", "--auto-approve", *FAST, *args,
                         **dict(self.env, **env))
        self.addCleanup(lambda: p.poll() is None and p.kill())
        return p

    def worker_image(self):
        c = self.server.client()
        td = c.describe_services(cluster="shop", services=["worker"])["services"][0]
        return c.describe_task_definition(taskDefinition=td["taskDefinition"])[
            "taskDefinition"]["containerDefinitions"][0]["image"]

    def registers(self):
        return self.server.stats().get("RegisterTaskDefinition", 0)

    def head(self):
        return self.repo.git("rev-parse", "HEAD")

    def second_writer_fails_naming_the_holder(self):
        before = self.registers()
        # the holder: a crashlooping worker keeps it waiting (and holding)
        a = self.popen_apply("--timeout", "3s", WORKER_TAG="crashloop")
        stderr_until(a, "update Service")
        r = ecsctl(self.server, self.repo, "apply", "--auto-approve", *FAST,
                   **dict(self.env, WORKER_TAG="9.9.9"))
        a.communicate(timeout=60)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertRegex(r.stderr, r"is held by \S+@\S+ pid %d \(commit %s, for \d+s, lease "
                         r"[0-9a-f]{32}\); nothing was applied" % (a.pid, self.head()[:12]))
        self.assertRegex(r.stderr, r"ecsctl unlock --force [0-9a-f]{32}")
        # only the holder registered: the second writer wrote nothing
        self.assertEqual(self.registers() - before, 1)
        return r

    def both_wait_and_converge(self):
        """Two applies of the same change at once, the second waiting for the
        lease: one register, one update, live = git."""
        before, updates = self.registers(), self.server.stats().get("UpdateService", 0)
        a = self.popen_apply("--lock-timeout", "60s", WORKER_TAG="1.5.0")
        b = self.popen_apply("--lock-timeout", "60s", WORKER_TAG="1.5.0")
        (_, ea), (_, eb) = a.communicate(timeout=90), b.communicate(timeout=90)
        self.assertEqual((a.returncode, b.returncode), (0, 0), ea + eb)
        self.assertEqual(self.registers() - before, 1, "duplicate revisions")
        self.assertEqual(self.server.stats().get("UpdateService", 0) - updates, 1)
        self.assertTrue(self.worker_image().endswith(":1.5.0"))
        self.run_ok("plan", "--detailed-exitcode", **dict(self.env, WORKER_TAG="1.5.0"))


class FileLease(LockCase):
    def lock_yaml(self):
        self.path = os.path.join(self.repo.dir, "deploy.lock")
        return "{backend: file, path: %s}" % self.path

    def test_second_writer_fails_naming_the_holder(self):
        self.second_writer_fails_naming_the_holder()

    def test_two_applies_wait_for_each_other_and_converge(self):
        self.both_wait_and_converge()

    def test_unlock_force_refuses_a_live_file_holder(self):
        a = self.popen_apply("--timeout", "3s", WORKER_TAG="crashloop")
        stderr_until(a, "update Service")
        with open(self.path) as f:
            lease = json.load(f)
        r = self.run_ok("unlock", "--force", lease["id"], expect=1)
        self.assertIn("held by a live process (%s)" % lease["holder"], r.stderr)
        a.communicate(timeout=60)
        # released at the end: the file is free and empty
        with open(self.path) as f:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            self.assertEqual(f.read(), "")

    def test_watch_holds_the_lease_only_while_it_writes(self):
        w = Watch(self.server, self.repo, "--interval", "300ms",
                  AWS_ENDPOINT_URL=self.server.url)
        self.addCleanup(w.stop)
        w.wait_for(lambda d: d["msg"] == "reconcile done")
        # idle between reconciles: an apply gets the lease at once
        self.apply("--lock-timeout", "0s")
        # someone holds the lease (a record naming them): watch does not write
        with open(self.path, "r+") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            f.write(json.dumps({"id": "f" * 32, "holder": "ci@runner-3 pid 77",
                                "commit": "0" * 40, "started": int(time.time() * 1000),
                                "expires": 0}))
            f.flush()
            before = self.registers()
            new = self.repo.read("examples/task-definitions/worker.yaml").replace(
                "${WORKER_TAG:-1.4.2}", "1.6.0")
            self.repo.write("examples/task-definitions/worker.yaml", new)
            self.repo.commit("worker 1.6.0")
            d = w.wait_for(lambda d: d["msg"] == "not applying: no lease")
            self.assertIn("ci@runner-3 pid 77", d["error"])
            self.assertEqual(self.registers(), before)
            f.truncate(0)
        d = w.wait_for(lambda d: d["msg"] == "reconcile done" and d["result"] == "applied")
        self.assertTrue(self.worker_image().endswith(":1.6.0"))
        # and it gave the lease back
        with open(self.path) as f:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)


class DynamoDbLease(LockCase):
    def stores(self):
        self.ddb = DynamoDb().start()
        self.addCleanup(self.ddb.stop)
        return {"AWS_ENDPOINT_URL_DYNAMODB": self.ddb.url}

    def lock_yaml(self):
        return "{backend: dynamodb, table: ecsctl-locks, key: shop/staging, ttl: 3s}"

    def plant(self, expires_in):
        now = int(time.time() * 1000)
        self.ddb.tables["ecsctl-locks"]["shop/staging"] = {
            "LockID": {"S": "shop/staging"}, "LeaseID": {"S": "d" * 32},
            "Holder": {"S": "ghost@ci-7 pid 4242"}, "Commit": {"S": "c0ffee" * 6 + "abcd"},
            "Started": {"N": str(now - 600000)}, "Expires": {"N": str(now + expires_in)}}

    def test_second_writer_fails_naming_the_holder(self):
        self.second_writer_fails_naming_the_holder()
        # the conditional create failed with DynamoDB's own error, then it read
        self.assertIn("GetItem", self.ddb.ops())
        # the lease was signed for DynamoDB with the ECS client's keys
        self.assertIn("/us-east-1/dynamodb/aws4_request", self.ddb.seen[0]["authorization"])
        self.assertIn("Credential=AKIDTEST/", self.ddb.seen[0]["authorization"])
        # and released: the table is empty again
        self.assertEqual(self.ddb.tables["ecsctl-locks"], {})

    def test_two_applies_wait_for_each_other_and_converge(self):
        self.both_wait_and_converge()

    def test_rollback_and_run_fail_at_once_naming_the_holder(self):
        """Every writer takes the lease through the command table's setup:
        rollback and run too, bare names and qualified ones alike."""
        self.plant(expires_in=600000)
        before = self.server.stats()
        for args in (("rollback", "web"), ("rollback", "shop/web"), ("run", "worker"),
                     ("run", "worker:1", "--cluster", "shop")):
            t0 = time.monotonic()
            r = self.run_ok(*args, *FAST, expect=1, **self.env)
            self.assertLess(time.monotonic() - t0, 10, args)
            self.assertIn("is held by ghost@ci-7 pid 4242 (commit c0ffeec0ffee", r.stderr)
            self.assertIn("ecsctl unlock --force " + "d" * 32, r.stderr)
        after = self.server.stats()
        for op in ("UpdateService", "RunTask", "RegisterTaskDefinition"):
            self.assertEqual(after.get(op, 0), before.get(op, 0), op)
        # the holder gone: run takes the lease, and gives it back once its task started
        del self.ddb.tables["ecsctl-locks"]["shop/staging"]
        self.run_ok("run", "worker", "--no-wait", **self.env)
        self.assertEqual(self.server.stats().get("RunTask", 0), before.get("RunTask", 0) + 1)
        self.assertIn("PutItem", self.ddb.ops())
        self.assertEqual(self.ddb.tables["ecsctl-locks"], {})

    def test_heartbeat_renews_while_apply_waits(self):
        # ttl 3s: renewed every second while the crashloop wait goes on
        self.apply("--timeout", "4s", expect=3, WORKER_TAG="crashloop")
        renewals = [s for s in self.ddb.seen if s["op"] == "UpdateItem"
                    and s["body"]["ConditionExpression"] == "LeaseID = :id AND Expires = :exp"]
        self.assertGreaterEqual(len(renewals), 2, self.ddb.ops())
        self.assertEqual(self.ddb.tables["ecsctl-locks"], {})

    def test_unlock_force_removes_a_dead_holders_lease(self):
        self.plant(expires_in=3600000)
        r = self.apply(expect=1, WORKER_TAG="1.5.0")
        self.assertIn("is held by ghost@ci-7 pid 4242 (commit c0ffeec0ffee, for 10m", r.stderr)
        r = self.run_ok("unlock", "--force", "e" * 32, expect=1, **self.env)
        self.assertIn("lease %s is not the one held" % ("e" * 32), r.stderr)
        self.assertIn("ghost@ci-7 pid 4242", r.stderr)
        r = self.run_ok("unlock", "--force", "d" * 32, **self.env)
        self.assertIn("Removed the lease on dynamodb table ecsctl-locks key shop/staging held "
                      "by ghost@ci-7 pid 4242", r.stdout)
        self.apply(WORKER_TAG="1.5.0")
        self.assertTrue(self.worker_image().endswith(":1.5.0"))

    def test_expired_lease_is_taken_over(self):
        self.plant(expires_in=-1000)
        r = self.apply(WORKER_TAG="1.5.0")
        self.assertIn("notice: took over the expired lease on dynamodb table ecsctl-locks key "
                      "shop/staging of ghost@ci-7 pid 4242", r.stderr)
        takeover = [s["body"] for s in self.ddb.seen if s["op"] == "PutItem"][-1]
        self.assertTrue(any(s["op"] == "PutItem" and s["body"]["ExpressionAttributeValues"]
                            [":id"]["S"] == "d" * 32 for s in self.ddb.seen
                            if "ExpressionAttributeValues" in s["body"]), takeover)

    def test_store_refusing_is_an_error_before_any_write(self):
        self.ddb.tables.clear()  # no such table
        before = self.registers()
        r = self.apply(expect=1, WORKER_TAG="1.5.0")
        self.assertIn("ResourceNotFoundException", r.stderr)
        self.assertEqual(self.registers(), before)


class S3Lease(LockCase):
    def stores(self):
        self.s3 = S3({"ecsctl-state": {}}).start()
        self.addCleanup(self.s3.stop)
        return {"AWS_ENDPOINT_URL_S3": self.s3.url}

    def lock_yaml(self):
        return "{backend: s3, bucket: ecsctl-state, key: shop/deploy.lock}"

    def plant(self, expires_in):
        now = int(time.time() * 1000)
        body = json.dumps({"id": "a" * 32, "holder": "ghost@ci-9 pid 99", "commit": "b" * 40,
                           "started": now - 60000, "expires": now + expires_in}).encode()
        self.s3.buckets["ecsctl-state"]["shop/deploy.lock"] = body
        return S3.etag(body)

    def test_second_writer_fails_naming_the_holder(self):
        self.second_writer_fails_naming_the_holder()
        puts = [s for s in self.s3.seen if s.get("op") == "PUT"]
        self.assertTrue(all(s["if_none_match"] == "*" or s["if_match"] for s in puts))
        self.assertIn("/us-east-1/s3/aws4_request", self.s3.seen[0]["authorization"])
        self.assertEqual(self.s3.buckets["ecsctl-state"], {})

    def test_two_applies_wait_for_each_other_and_converge(self):
        self.both_wait_and_converge()

    def test_unlock_force_and_takeover(self):
        etag = self.plant(expires_in=3600000)
        r = self.apply(expect=1)
        self.assertIn("is held by ghost@ci-9 pid 99 (commit bbbbbbbbbbbb, for 1m", r.stderr)
        self.run_ok("unlock", "--force", "a" * 32, **self.env)
        deletes = [s for s in self.s3.seen if s.get("op") == "DELETE"]
        self.assertEqual(deletes[-1]["if_match"], etag)
        etag = self.plant(expires_in=-1)
        r = self.apply(WORKER_TAG="1.5.0")
        self.assertIn("took over the expired lease", r.stderr)
        self.assertIn(etag, [s["if_match"] for s in self.s3.seen if s.get("op") == "PUT"])
        # every request was signed as botocore signs for S3
        self.assertEqual([s["sigv4"] for s in self.s3.seen if s["sigv4"]], [])
        self.assertEqual(self.s3.buckets["ecsctl-state"], {})


class BadLockConfig(ServerRepoCase):
    def test_unknown_backend_is_a_clear_error_before_any_call(self):
        y = self.repo.read("examples/ecsctl.yaml") + "lock: {backend: etcd}\n"
        self.repo.write("examples/ecsctl.yaml", y)
        self.repo.commit("bad lock")
        r = self.run_ok("apply", "--auto-approve", expect=1)
        self.assertRegex(r.stderr, r"error: examples/ecsctl.yaml:\d+:\d+: .*etcd")
        self.assertEqual(re.findall(r"Register|Create", json.dumps(self.server.stats())), [])


if __name__ == "__main__":
    unittest.main(verbosity=2, warnings="ignore")
