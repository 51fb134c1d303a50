"""Fault knobs: --throttle (ThrottlingException as ECS sends it), --fail-rate
(500s and connection resets that boto3 retries until it succeeds) and
--latency-ms."""
import json
import time
import unittest
import urllib.request

from ecslocal import EcsLocal


def stats(srv):
    with urllib.request.urlopen(srv.url + "/_stats", timeout=10) as r:
        return json.loads(r.read())


class Throttle(unittest.TestCase):
    def test_burst_then_throttled(self):
        srv = EcsLocal("--throttle", "5:5").start()
        try:
            ecs = srv.client(retries=1)
            codes = []
            start = time.monotonic()
            for _ in range(30):
                try:
                    ecs.list_clusters()
                    codes.append("ok")
                except ecs.exceptions.ClientError as e:
                    codes.append(e.response["Error"]["Code"])
                    self.assertEqual(e.response["Error"]["Message"], "Rate exceeded")
                    self.assertEqual(e.response["ResponseMetadata"]["HTTPStatusCode"], 400)
            self.assertEqual(codes[:5], ["ok"] * 5)
            self.assertIn("ThrottlingException", codes)
            refill = (time.monotonic() - start) * 5
            self.assertLessEqual(codes.count("ok"), 5 + int(refill) + 1)
            time.sleep(1.0)  # the bucket refills at 5/s
            ecs.list_clusters()
            self.assertGreater(stats(srv)["errors"]["ThrottlingException"], 0)
        finally:
            self.assertEqual(srv.stop(), 0, srv.stderr)


class FailRate(unittest.TestCase):
    def test_boto3_retries_through_faults(self):
        srv = EcsLocal("--fail-rate", "0.2", "--seed", "3").start()
        try:
            ecs = srv.client(retries=10)
            ecs.create_cluster(clusterName="flaky")
            for i in range(12):
                out = ecs.list_clusters()
                self.assertIn("arn:aws:ecs:us-east-1:123456789012:cluster/flaky",
                              out["clusterArns"])
            errors = stats(srv)["errors"]
            self.assertGreater(errors.get("ServerException", 0), 0)
            self.assertGreater(errors.get("ConnectionReset", 0), 0)
        finally:
            self.assertEqual(srv.stop(), 0, srv.stderr)

    def test_without_retries_the_fault_shows(self):
        srv = EcsLocal("--fail-rate", "1", "--seed", "7").start()
        try:
            ecs = srv.client(retries=1)
            with self.assertRaises(Exception):
                ecs.list_clusters()
        finally:
            self.assertEqual(srv.stop(), 0, srv.stderr)


class Latency(unittest.TestCase):
    def test_latency_is_added(self):
        srv = EcsLocal("--latency-ms", "150").start()
        try:
            ecs = srv.client()
            ecs.list_clusters()
            start = time.monotonic()
            ecs.list_clusters()
            self.assertGreaterEqual(time.monotonic() - start, 0.15)
        finally:
            self.assertEqual(srv.stop(), 0, srv.stderr)


if __name__ == "__main__":
    unittest.main(warnings="ignore")
