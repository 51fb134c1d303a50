"""Pagination through boto3's own paginators (paginators-1.json): ListServices
over 250 services (default page 10), ListTaskDefinitions over 120 revisions,
ListTaskDefinitionFamilies, ListClusters, ListTasks over 50 tasks (and
ListContainerInstances in test_instances.py); and DescribeServices in tens."""
import time
import unittest

from ecslocal import ServerTest


class Pagination(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ecs.create_cluster(clusterName="many")
        cls.ecs.register_task_definition(
            family="pg", containerDefinitions=[{"name": "a", "image": "nginx", "memory": 64}])
        for i in range(250):
            cls.ecs.create_service(cluster="many", serviceName="svc-%03d" % i,
                                   taskDefinition="pg", desiredCount=0)
        for i in range(119):
            cls.ecs.register_task_definition(
                family="pg", containerDefinitions=[{"name": "a", "image": "nginx:%d" % i,
                                                    "memory": 64}])

    def test_list_services_default_page_is_10(self):
        pages = list(self.ecs.get_paginator("list_services").paginate(cluster="many"))
        arns = [a for p in pages for a in p["serviceArns"]]
        self.assertEqual(len(pages), 25)
        self.assertTrue(all(len(p["serviceArns"]) == 10 for p in pages))
        self.assertNotIn("nextToken", pages[-1])
        self.assertEqual(len(set(arns)), 250)
        self.assertIn(self.arn("service/many/svc-249"), arns)

    def test_list_services_max_results_and_build_full_result(self):
        out = self.ecs.get_paginator("list_services").paginate(
            cluster="many", PaginationConfig={"PageSize": 100}).build_full_result()
        self.assertEqual(len(out["serviceArns"]), 250)
        out = self.ecs.get_paginator("list_services").paginate(
            cluster="many", PaginationConfig={"MaxItems": 35, "PageSize": 20}).build_full_result()
        self.assertEqual(len(out["serviceArns"]), 35)
        self.assertIn("NextToken", out)

    def test_list_task_definitions_120_revisions(self):
        pages = list(self.ecs.get_paginator("list_task_definitions").paginate(
            familyPrefix="pg", PaginationConfig={"PageSize": 50}))
        arns = [a for p in pages for a in p["taskDefinitionArns"]]
        self.assertEqual([len(p["taskDefinitionArns"]) for p in pages], [50, 50, 20])
        self.assertEqual(arns, [self.arn("task-definition/pg:%d" % r) for r in range(1, 121)])
        desc = self.ecs.get_paginator("list_task_definitions").paginate(
            familyPrefix="pg", sort="DESC").build_full_result()["taskDefinitionArns"]
        self.assertEqual(desc, list(reversed(arns)))
        # default page: up to 100
        first = self.ecs.list_task_definitions(familyPrefix="pg")
        self.assertEqual(len(first["taskDefinitionArns"]), 100)
        self.assertIn("nextToken", first)

    def test_families_and_clusters(self):
        for name in ("pg-b", "pg-a", "other"):
            self.ecs.register_task_definition(
                family=name, containerDefinitions=[{"name": "a", "image": "x", "memory": 8}])
        fams = self.ecs.get_paginator("list_task_definition_families").paginate(
            familyPrefix="pg", PaginationConfig={"PageSize": 1}).build_full_result()["families"]
        self.assertEqual(fams, ["pg", "pg-a", "pg-b"])
        for i in range(5):
            self.ecs.create_cluster(clusterName="pc-%d" % i)
        pages = list(self.ecs.get_paginator("list_clusters").paginate(
            PaginationConfig={"PageSize": 2}))
        arns = [a for p in pages for a in p["clusterArns"]]
        self.assertEqual(len(arns), len(set(arns)))
        self.assertTrue({self.arn("cluster/pc-%d" % i) for i in range(5)} <= set(arns))

    def test_list_tasks_paginator(self):
        self.ecs.create_cluster(clusterName="tasks")
        started = [t["taskArn"] for _ in range(5) for t in self.ecs.run_task(
            cluster="tasks", taskDefinition="pg", count=10)["tasks"]]
        pages = list(self.ecs.get_paginator("list_tasks").paginate(
            cluster="tasks", PaginationConfig={"PageSize": 20}))
        self.assertEqual([len(p["taskArns"]) for p in pages], [20, 20, 10])
        self.assertEqual([a for p in pages for a in p["taskArns"]], started)

    def test_bad_token(self):
        with self.assertRaises(self.ecs.exceptions.InvalidParameterException):
            self.ecs.list_services(cluster="many", nextToken="garbage")

    def test_describe_in_tens_is_fast(self):
        names = ["svc-%03d" % i for i in range(250)]
        start = time.monotonic()
        seen = 0
        for i in range(0, 250, 10):
            out = self.ecs.describe_services(cluster="many", services=names[i:i + 10])
            self.assertEqual(out["failures"], [])
            seen += len(out["services"])
        self.assertEqual(seen, 250)
        self.assertLess(time.monotonic() - start, 10)


if __name__ == "__main__":
    unittest.main(warnings="ignore")
