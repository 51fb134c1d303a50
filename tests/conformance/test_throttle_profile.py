"""--throttle-profile ecs: a token bucket per group of operations, sized as
ECS sizes them (docs/ecs-local.md "Throttling"), seen from boto3 with its
retries off (total_max_attempts 1), so every ThrottlingException shows."""
import subprocess
import time
import unittest

from ecslocal import BIN, EcsLocal


def until_throttled(ecs, call, limit=2000):
    """Calls `call(ecs)` until ECS's ThrottlingException; how many passed."""
    for ok in range(limit):
        try:
            call(ecs)
        except ecs.exceptions.ClientError as e:
            assert e.response["Error"]["Code"] == "ThrottlingException", e.response
            assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 400
            return ok
    raise AssertionError("never throttled in %d calls" % limit)


def list_services(ecs):
    ecs.list_services(cluster="c")


class ThrottleProfile(unittest.TestCase):
    def test_a_group_runs_dry_while_another_answers_and_refills(self):
        srv = EcsLocal("--throttle-profile", "ecs").start()
        try:
            ecs = srv.client(retries=1)
            ecs.create_cluster(clusterName="c")
            # service reads: a bucket of 100 that refills 20 a second
            start = time.monotonic()
            ok = until_throttled(ecs, list_services)
            dry = time.monotonic()
            self.assertGreaterEqual(ok, 100)
            self.assertLessEqual(ok, 100 + int((dry - start) * 20) + 1)
            # cluster reads and task definition reads have buckets of their own
            for _ in range(20):
                ecs.describe_clusters(clusters=["c"])
                ecs.list_task_definitions()
            # half a second later about 10 service reads more, not 100
            time.sleep(max(0.0, 0.5 - (time.monotonic() - dry)))
            more = until_throttled(ecs, list_services)
            self.assertGreaterEqual(more, 10)
            self.assertLessEqual(more, int((time.monotonic() - dry) * 20) + 1)
            s = srv.stats_doc()
            self.assertEqual(s["throttled"]["service-read"], 2)
            self.assertEqual(s["throttled"]["cluster-read"], 0)
            self.assertEqual(s["throttled"]["taskdef-read"], 0)
            self.assertEqual(s["errors"]["ThrottlingException"], 2)
            self.assertEqual(len(s["throttled"]), 21)
        finally:
            self.assertEqual(srv.stop(), 0, srv.stderr)

    def test_a_group_overridden_and_the_switch(self):
        srv = EcsLocal("--throttle-profile", "ecs", "--throttle", "cluster-read=0.01:3",
                       "--throttle", "service-modify=0.01:1").start()
        try:
            ecs = srv.client(retries=1)
            self.assertEqual(until_throttled(ecs, lambda e: e.list_clusters()), 3)
            ecs.create_cluster(clusterName="c")  # cluster-modify: ECS's 20
            ecs.register_task_definition(family="f", containerDefinitions=[
                {"name": "a", "image": "nginx:1.25", "memory": 64}])
            names = iter("s%d" % i for i in range(10))
            self.assertEqual(until_throttled(ecs, lambda e: e.create_service(
                cluster="c", serviceName=next(names), taskDefinition="f",
                desiredCount=0)), 1)
            list_services(ecs)  # service reads keep ECS's size
            # switched off, nothing is throttled; back on, the buckets are full
            self.assertEqual(srv.throttle(False), {"enabled": False})
            for i in range(5):
                ecs.list_clusters()
                ecs.create_service(cluster="c", serviceName="t%d" % i, taskDefinition="f",
                                   desiredCount=0)
            self.assertEqual(srv.throttle(True), {"enabled": True})
            self.assertEqual(until_throttled(ecs, lambda e: e.list_clusters()), 3)
            s = srv.stats_doc()["throttled"]
            self.assertEqual((s["cluster-read"], s["service-modify"], s["service-read"]),
                             (2, 1, 0))
        finally:
            self.assertEqual(srv.stop(), 0, srv.stderr)

    def test_one_bucket_for_all_stays(self):
        srv = EcsLocal("--throttle", "0.01:4").start()
        try:
            ecs = srv.client(retries=1)
            ecs.list_clusters()
            ecs.list_task_definitions()
            ecs.list_clusters()
            self.assertEqual(until_throttled(ecs, lambda e: e.list_task_definitions()), 1)
            self.assertEqual(srv.stats_doc()["throttled"], {"all": 1})
        finally:
            self.assertEqual(srv.stop(), 0, srv.stderr)

    def test_flags_are_checked(self):
        for args, why in (
                (["--throttle", "5:5", "--throttle-profile", "ecs"], "exclude each other"),
                (["--throttle-profile", "ecs", "--throttle", "service-reads=1:2"],
                 "unknown group 'service-reads'"),
                (["--throttle", "service-read=1:0"], "BURST at least 1"),
                (["--throttle-profile", "aws"], "unknown --throttle-profile 'aws'")):
            with self.subTest(args=args):
                p = subprocess.run([BIN, "--listen", "127.0.0.1:0", *args],
                                   capture_output=True, text=True, timeout=10)
                self.assertEqual(p.returncode, 64)
                self.assertIn("error: ", p.stderr)
                self.assertIn(why, p.stderr)


if __name__ == "__main__":
    unittest.main(warnings="ignore")
