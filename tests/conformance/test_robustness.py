"""Bad and random input never crashes ecs-local: for every operation, request
bodies generated from botocore's ECS model (right and wrong types, nulls,
odd strings, big numbers) get a 200 or a 4xx with `__type`; concurrent
clients are all served."""
import json
import random
import threading
import unittest
import urllib.error
import urllib.request

import botocore.session

from ecslocal import ServerTest

TARGET = "AmazonEC2ContainerServiceV20141113."
OPS = """CreateCluster DescribeClusters ListClusters DeleteCluster UpdateCluster
UpdateClusterSettings RegisterTaskDefinition DescribeTaskDefinition ListTaskDefinitions
ListTaskDefinitionFamilies DeregisterTaskDefinition CreateService UpdateService
DescribeServices ListServices DeleteService ListTasks DescribeTasks RunTask StopTask
TagResource UntagResource ListTagsForResource""".split()
ODD = ["", "default", "rob", "web", "web:1", "a" * 300, "ümlaut", "arn:aws:ecs:us-east-1:"
       "123456789012:cluster/rob", "arn:aws:ecs:us-east-1:123456789012:service/rob/web",
       "arn:aws:ecs:us-east-1:123456789012:task-definition/rob:1", "nginx:crashloop",
       "\u0000", "../..", "%s%n", "FARGATE", "EC2", "ACTIVE"]


def value(shape, rng, depth=0):
    """A value for `shape`, sometimes of the wrong type."""
    if rng.random() < 0.08:
        return rng.choice([None, 1, "x", [], {}, True, 1.5, -1, 2 ** 63])
    t = shape.type_name
    if t == "structure":
        if depth > 4:
            return {}
        return {k: value(m, rng, depth + 1) for k, m in shape.members.items()
                if k in shape.required_members or rng.random() < 0.4}
    if t == "list":
        if depth > 4:
            return []
        return [value(shape.member, rng, depth + 1) for _ in range(rng.choice([0, 1, 2, 11]))]
    if t == "map":
        return {rng.choice(ODD): value(shape.value, rng, depth + 1) for _ in range(2)}
    if t == "string":
        if shape.enum and rng.random() < 0.7:
            return rng.choice(shape.enum)
        return rng.choice(ODD)
    if t in ("integer", "long"):
        return rng.choice([0, 1, 2, 10, 100, 101, -5, 2 ** 31, 2 ** 62])
    if t == "boolean":
        return rng.random() < 0.5
    if t in ("double", "float"):
        return rng.random() * 100
    if t == "timestamp":
        return 1700000000
    return "x"


class Robustness(ServerTest):
    def post(self, op, body):
        req = urllib.request.Request(self.server.url + "/", data=body, method="POST")
        req.add_header("X-Amz-Target", TARGET + op)
        req.add_header("Content-Type", "application/x-amz-json-1.1")
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            with e:
                return e.code, json.loads(e.read())

    def test_generated_requests(self):
        model = botocore.session.get_session().get_service_model("ecs")
        rng = random.Random(1234)
        self.ecs.create_cluster(clusterName="rob")
        self.ecs.register_task_definition(family="rob", containerDefinitions=[
            {"name": "a", "image": "nginx", "memory": 64}])
        self.ecs.create_service(cluster="rob", serviceName="web", taskDefinition="rob",
                                desiredCount=1)
        statuses = {}
        for _ in range(40):
            for op in OPS:
                shape = model.operation_model(op).input_shape
                body = json.dumps(value(shape, rng)).encode()
                status, answer = self.post(op, body)
                statuses[status] = statuses.get(status, 0) + 1
                self.assertIn(status, (200, 400), (op, body, answer))
                if status == 400:
                    self.assertTrue(answer["__type"], (op, body))
                    self.assertIn("message", answer)
        self.assertGreater(statuses.get(200, 0), 50)
        self.assertGreater(statuses.get(400, 0), 50)
        # still serving
        self.assertIn("clusterArns", self.ecs.list_clusters())

    def test_concurrent_clients(self):
        self.ecs.create_cluster(clusterName="par")
        self.ecs.register_task_definition(family="par", containerDefinitions=[
            {"name": "a", "image": "nginx", "memory": 64}])
        errors = []

        def work(n):
            try:
                ecs = self.server.client()
                for i in range(25):
                    name = "s-%d-%d" % (n, i)
                    ecs.create_service(cluster="par", serviceName=name, taskDefinition="par",
                                       desiredCount=1)
                    got = ecs.describe_services(cluster="par", services=[name])["services"]
                    if got[0]["serviceName"] != name:
                        errors.append(name)
            except Exception as e:  # reported below, on the main thread
                errors.append(repr(e))
        threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(errors, [])
        arns = self.ecs.get_paginator("list_services").paginate(
            cluster="par").build_full_result()["serviceArns"]
        self.assertEqual(len(arns), 200)


if __name__ == "__main__":
    unittest.main(warnings="ignore")
