"""Errors as boto3 sees them: modeled exception classes from `__type`, HTTP
status, messages, limits, idempotency, and raw wire checks."""
import json
import unittest
import urllib.error
import urllib.request

from ecslocal import ServerTest

TARGET = "AmazonEC2ContainerServiceV20141113."


class Errors(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ecs.create_cluster(clusterName="err")
        cls.ecs.register_task_definition(
            family="err", containerDefinitions=[{"name": "a", "image": "nginx", "memory": 64}])

    def raw(self, op, body, headers=None):
        """POSTs `body` (bytes) and returns (status, headers, parsed JSON)."""
        req = urllib.request.Request(self.server.url + "/", data=body, method="POST")
        req.add_header("Content-Type", "application/x-amz-json-1.1")
        req.add_header("X-Amz-Target", TARGET + op)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.headers, json.loads(r.read())
        except urllib.error.HTTPError as e:
            with e:
                return e.code, e.headers, json.loads(e.read())

    def assertError(self, exc, code, message=None):
        err = exc.exception.response["Error"]
        self.assertEqual(err["Code"], code)
        self.assertEqual(exc.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        if message is not None:
            self.assertEqual(err["Message"], message)

    def test_cluster_not_found(self):
        with self.assertRaises(self.ecs.exceptions.ClusterNotFoundException) as e:
            self.ecs.list_services(cluster="nope")
        self.assertError(e, "ClusterNotFoundException", "Cluster not found.")
        with self.assertRaises(self.ecs.exceptions.ClusterNotFoundException):
            self.ecs.describe_services(cluster="nope", services=["x"])

    def test_service_not_found(self):
        with self.assertRaises(self.ecs.exceptions.ServiceNotFoundException) as e:
            self.ecs.update_service(cluster="err", service="ghost", desiredCount=1)
        self.assertError(e, "ServiceNotFoundException", "Service not found.")
        with self.assertRaises(self.ecs.exceptions.ServiceNotFoundException):
            self.ecs.delete_service(cluster="err", service="ghost")

    def test_task_definition_not_found(self):
        with self.assertRaises(self.ecs.exceptions.ClientException) as e:
            self.ecs.describe_task_definition(taskDefinition="ghost:1")
        self.assertError(e, "ClientException", "Unable to describe task definition.")
        with self.assertRaises(self.ecs.exceptions.ClientException) as e:
            self.ecs.create_service(cluster="err", serviceName="x", taskDefinition="ghost",
                                    desiredCount=1)
        self.assertError(e, "ClientException", "TaskDefinition not found.")

    def test_service_arn_names_its_cluster(self):
        self.ecs.create_service(cluster="err", serviceName="arnsvc", taskDefinition="err",
                                desiredCount=0)
        self.ecs.create_cluster(clusterName="err2")
        arn = self.arn("service/err/arnsvc")
        self.assertEqual(self.ecs.describe_services(cluster="err", services=[arn])
                         ["services"][0]["serviceArn"], arn)
        out = self.ecs.describe_services(cluster="err2", services=[arn])
        self.assertEqual(out["failures"], [{"arn": arn, "reason": "MISSING"}])

    def test_describe_services_limit(self):
        names = ["s%d" % i for i in range(11)]
        with self.assertRaises(self.ecs.exceptions.InvalidParameterException) as e:
            self.ecs.describe_services(cluster="err", services=names)
        # the real service's words (quoted in public issue threads)
        self.assertError(e, "InvalidParameterException",
                         "service names can have at most 10 items.")
        out = self.ecs.describe_services(cluster="err", services=names[:10])
        self.assertEqual(len(out["failures"]), 10)
        self.assertEqual(out["failures"][0], {"arn": self.arn("service/err/s0"),
                                              "reason": "MISSING"})

    def test_limits(self):
        with self.assertRaises(self.ecs.exceptions.InvalidParameterException):
            self.ecs.describe_clusters(clusters=["c%d" % i for i in range(101)])
        with self.assertRaises(self.ecs.exceptions.InvalidParameterException):
            self.ecs.list_services(cluster="err", maxResults=101)
        with self.assertRaises(self.ecs.exceptions.InvalidParameterException):
            self.ecs.describe_tasks(cluster="err", tasks=[])
        tags = [{"key": "k%d" % i, "value": "v"} for i in range(51)]
        with self.assertRaises(self.ecs.exceptions.InvalidParameterException):
            self.ecs.create_cluster(clusterName="toomany", tags=tags)

    def test_idempotency(self):
        args = dict(cluster="err", serviceName="idem", taskDefinition="err", desiredCount=0,
                    clientToken="tok-1")
        first = self.ecs.create_service(**args)["service"]
        again = self.ecs.create_service(**args)["service"]
        self.assertEqual(first["serviceArn"], again["serviceArn"])
        self.assertEqual(first["createdAt"], again["createdAt"])
        with self.assertRaises(self.ecs.exceptions.InvalidParameterException) as e:
            self.ecs.create_service(**dict(args, desiredCount=1))
        self.assertError(e, "InvalidParameterException",
                         "Creation of service was not idempotent.")

    def test_cluster_with_services_cannot_be_deleted(self):
        self.ecs.create_cluster(clusterName="busy")
        self.ecs.create_service(cluster="busy", serviceName="s", taskDefinition="err",
                                desiredCount=0)
        with self.assertRaises(self.ecs.exceptions.ClusterContainsServicesException):
            self.ecs.delete_cluster(cluster="busy")
        self.ecs.delete_service(cluster="busy", service="s")
        self.ecs.get_waiter("services_inactive").wait(cluster="busy", services=["s"],
                                                      WaiterConfig={"Delay": 1})
        out = self.ecs.delete_cluster(cluster="busy")["cluster"]
        self.assertEqual(out["status"], "INACTIVE")
        self.assertNotIn(self.arn("cluster/busy"), self.ecs.list_clusters()["clusterArns"])
        with self.assertRaises(self.ecs.exceptions.ClusterNotFoundException):
            self.ecs.list_services(cluster="busy")

    def test_fargate_checks(self):
        with self.assertRaises(self.ecs.exceptions.InvalidParameterException) as e:
            self.ecs.create_service(cluster="err", serviceName="fg", taskDefinition="err",
                                    desiredCount=1, launchType="FARGATE")
        self.assertError(e, "InvalidParameterException",
                         "Task definition does not support launch_type FARGATE.")
        self.ecs.register_task_definition(
            family="err-vpc", networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
            cpu="256", memory="512", containerDefinitions=[{"name": "a", "image": "nginx"}])
        with self.assertRaises(self.ecs.exceptions.InvalidParameterException) as e:
            self.ecs.create_service(cluster="err", serviceName="fg", taskDefinition="err-vpc",
                                    desiredCount=1, launchType="FARGATE")
        self.assertError(e, "InvalidParameterException",
                         "Network Configuration must be provided when networkMode 'awsvpc' "
                         "is specified.")

    def test_wire_format(self):
        status, headers, body = self.raw("ListServices", b'{"cluster": "nope"}')
        self.assertEqual(status, 400)
        self.assertEqual(body, {"__type": "ClusterNotFoundException",
                                "message": "Cluster not found."})
        self.assertRegex(headers["x-amzn-RequestId"], r"^[0-9a-f-]{36}$")
        status, _, body = self.raw("ListClusters", b"")
        self.assertEqual(status, 200)
        self.assertIn("clusterArns", body)

    def test_bad_requests(self):
        status, _, body = self.raw("ListServices", b"{not json")
        self.assertEqual((status, body["__type"]), (400, "SerializationException"))
        status, _, body = self.raw("UpdateService",
                                   b'{"cluster":"err","service":"x","desiredCount":"two"}')
        self.assertEqual((status, body["__type"]), (400, "SerializationException"))
        status, _, body = self.raw("CreateService", b'{"cluster":"err"}')
        self.assertEqual((status, body["__type"]), (400, "InvalidParameterException"))
        self.assertIn("serviceName", body["message"])
        status, _, body = self.raw("ListServices", b'{"cluster":"err","launchType":"MOON"}')
        self.assertEqual((status, body["__type"]), (400, "InvalidParameterException"))
        status, _, body = self.raw("NoSuchOperation", b"{}")
        self.assertEqual((status, body["__type"]), (400, "UnknownOperationException"))
        # unknown members are ignored, as AWS JSON services do
        status, _, body = self.raw("ListClusters", b'{"futureMember": 1}')
        self.assertEqual(status, 200)
        status, _, body = self.raw("ListClusters", b"[" * 100000)
        self.assertEqual((status, body["__type"]), (400, "SerializationException"))
        status, _, body = self.raw("ListClusters", b" " * (2 * 1024 * 1024))
        self.assertEqual((status, body["__type"]), (400, "SerializationException"))

    def test_stats_count_operations_and_errors(self):
        with urllib.request.urlopen(self.server.url + "/_stats", timeout=10) as r:
            before = json.loads(r.read())
        self.ecs.list_clusters()
        with self.assertRaises(self.ecs.exceptions.ClusterNotFoundException):
            self.ecs.describe_services(cluster="no-such-cluster", services=["web"])
        with urllib.request.urlopen(self.server.url + "/_stats", timeout=10) as r:
            after = json.loads(r.read())
        self.assertEqual(after["requests"]["ListClusters"],
                         before["requests"].get("ListClusters", 0) + 1)
        self.assertEqual(after["errors"]["ClusterNotFoundException"],
                         before["errors"].get("ClusterNotFoundException", 0) + 1)


if __name__ == "__main__":
    unittest.main(warnings="ignore")
