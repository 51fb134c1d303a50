"""ECS's service quotas: a request past one gets ECS's error at once and the
server stays responsive (a desiredCount of 2^31-1 used to wedge it); the
--quota-* flags lower them."""
import signal
import threading
import time
import unittest


from ecslocal import EcsLocal, ServerTest

FAMILY_ARGS = {"containerDefinitions": [{"name": "app", "image": "nginx:1.25", "memory": 64}]}


class Wedge(ServerTest):
    """Default quotas: the huge desiredCount is refused while another client keeps
    being served, and SIGTERM still ends the server (tearDownClass checks exit 0)."""

    def test_huge_desired_count_is_refused_fast_and_others_are_served(self):
        self.ecs.create_cluster(clusterName="q")
        self.register("q")
        answered, errors, stop = [], [], threading.Event()
        other = self.server.client(read_timeout=5, connect_timeout=5)

        def ping():
            while not stop.is_set():
                t0 = time.monotonic()
                try:
                    other.list_clusters()
                    answered.append(time.monotonic() - t0)
                except Exception as e:  # a timeout here is the failure we look for
                    errors.append(repr(e))
                    return
                time.sleep(0.01)

        pinger = threading.Thread(target=ping)
        pinger.start()
        try:
            slow = self.server.client(read_timeout=5, connect_timeout=5)
            for count in (2147483647, 5001):
                t0 = time.monotonic()
                with self.assertRaises(slow.exceptions.InvalidParameterException) as cm:
                    slow.create_service(cluster="q", serviceName="huge", taskDefinition="q",
                                        desiredCount=count)
                self.assertLess(time.monotonic() - t0, 2.0)
                self.assertEqual(cm.exception.response["Error"]["Message"],
                                 "Desired count exceeds limit.")
            time.sleep(0.3)
        finally:
            stop.set()
            pinger.join(10)
        self.assertEqual(errors, [])
        self.assertGreater(len(answered), 5)
        self.assertLess(max(answered), 1.0)
        # nothing was created by the refused calls
        self.assertEqual(self.ecs.list_services(cluster="q")["serviceArns"], [])

    def test_update_past_the_quota_is_refused(self):
        self.ecs.create_cluster(clusterName="qu")
        self.register("qu")
        self.ecs.create_service(cluster="qu", serviceName="web", taskDefinition="qu",
                                desiredCount=1)
        with self.assertRaises(self.ecs.exceptions.InvalidParameterException) as cm:
            self.ecs.update_service(cluster="qu", service="web", desiredCount=2147483647)
        self.assertEqual(cm.exception.response["Error"]["Message"],
                         "Desired count exceeds limit.")
        self.assertEqual(self.describe("qu", "web")["desiredCount"], 1)

    def test_run_task_count_is_at_most_ten(self):
        self.ecs.create_cluster(clusterName="qr")
        self.register("qr")
        with self.assertRaises(self.ecs.exceptions.InvalidParameterException) as cm:
            self.ecs.run_task(cluster="qr", taskDefinition="qr", count=11)
        self.assertIn("between 1 and 10", cm.exception.response["Error"]["Message"])
        self.assertEqual(len(self.ecs.run_task(cluster="qr", taskDefinition="qr",
                                               count=10)["tasks"]), 10)


class LoweredQuotas(ServerTest):
    server_args = ("--quota-tasks-per-service", "3", "--quota-services-per-cluster", "2",
                   "--quota-revisions", "2")

    def test_tasks_per_service(self):
        self.ecs.create_cluster(clusterName="t")
        self.register("t")
        with self.assertRaises(self.ecs.exceptions.InvalidParameterException):
            self.ecs.create_service(cluster="t", serviceName="a", taskDefinition="t",
                                    desiredCount=4)
        self.ecs.create_service(cluster="t", serviceName="a", taskDefinition="t",
                                desiredCount=3)
        with self.assertRaises(self.ecs.exceptions.InvalidParameterException):
            self.ecs.update_service(cluster="t", service="a", desiredCount=4)
        self.ecs.update_service(cluster="t", service="a", desiredCount=0)

    def test_services_per_cluster(self):
        self.ecs.create_cluster(clusterName="s")
        self.register("s")
        for name in ("a", "b"):
            self.ecs.create_service(cluster="s", serviceName=name, taskDefinition="s",
                                    desiredCount=0)
        with self.assertRaises(self.ecs.exceptions.InvalidParameterException) as cm:
            self.ecs.create_service(cluster="s", serviceName="c", taskDefinition="s",
                                    desiredCount=0)
        self.assertIn("maximum number of services (2)",
                      cm.exception.response["Error"]["Message"])
        # a deleted (INACTIVE) service gives its place back
        self.ecs.delete_service(cluster="s", service="b")
        self.poll(lambda: self.describe("s", "b")["status"] == "INACTIVE")
        self.ecs.create_service(cluster="s", serviceName="c", taskDefinition="s",
                                desiredCount=0)

    def test_revisions_per_family(self):
        first = self.register("rev")
        self.ecs.deregister_task_definition(taskDefinition=first["taskDefinitionArn"])
        self.register("rev")
        # deregistered revisions still count, as in ECS
        with self.assertRaises(self.ecs.exceptions.LimitExceededException):
            self.register("rev")
        self.assertEqual(self.ecs.describe_task_definition(
            taskDefinition="rev")["taskDefinition"]["revision"], 2)


class ClusterQuota(ServerTest):
    server_args = ("--quota-clusters", "2")

    def test_clusters_per_account(self):
        self.ecs.create_cluster(clusterName="c0")
        self.ecs.create_cluster(clusterName="c1")
        with self.assertRaises(self.ecs.exceptions.InvalidParameterException) as cm:
            self.ecs.create_cluster(clusterName="c2")
        self.assertIn("maximum number of clusters (2)", cm.exception.response["Error"]["Message"])
        # creating one that exists is no new cluster; a deleted one gives its place back
        self.ecs.create_cluster(clusterName="c1")
        self.ecs.delete_cluster(cluster="c0")
        self.ecs.create_cluster(clusterName="c2")
        self.assertEqual(len(self.ecs.list_clusters()["clusterArns"]), 2)


class Flags(unittest.TestCase):
    def test_quota_flags_are_checked(self):
        for args in (["--quota-clusters", "0"], ["--quota-revisions", "x"],
                     ["--quota-bogus", "3"]):
            srv = EcsLocal(*args)
            with self.assertRaises(RuntimeError):
                srv.start()
            srv.stop(signal.SIGKILL)


if __name__ == "__main__":
    unittest.main()
