"""--ec2-capacity N: EC2 tasks beyond N per cluster are not placed (service
event, RunTask error); Fargate tasks are not limited."""
import unittest

from ecslocal import ServerTest


class Capacity(ServerTest):
    server_args = ("--ec2-capacity", "2")

    def test_ec2_tasks_beyond_capacity_wait(self):
        self.ecs.create_cluster(clusterName="cap")
        self.register("cap")
        self.ecs.create_service(cluster="cap", serviceName="big", taskDefinition="cap",
                                desiredCount=3)
        svc = self.poll(lambda: (lambda s: s if s["runningCount"] == 2 else None)(
            self.describe("cap", "big")))
        self.assertEqual((svc["desiredCount"], svc["pendingCount"]), (3, 0))
        self.assertTrue(any("was unable to place a task" in e["message"]
                            for e in svc["events"]))
        with self.assertRaises(self.ecs.exceptions.InvalidParameterException) as e:
            self.ecs.run_task(cluster="cap", taskDefinition="cap")
        self.assertEqual(e.exception.response["Error"]["Message"],
                         "No Container Instances were found in your cluster.")
        # freeing capacity lets the service complete
        self.ecs.update_service(cluster="cap", service="big", desiredCount=2)
        self.wait_stable("cap", ["big"])

    def test_fargate_is_not_limited(self):
        self.ecs.create_cluster(clusterName="capf")
        self.ecs.register_task_definition(
            family="capf", networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
            cpu="256", memory="512", containerDefinitions=[{"name": "a", "image": "nginx"}])
        svc = self.ecs.create_service(
            cluster="capf", serviceName="f", taskDefinition="capf", desiredCount=4,
            launchType="FARGATE", networkConfiguration={"awsvpcConfiguration": {
                "subnets": ["subnet-1"], "assignPublicIp": "DISABLED"}})["service"]
        self.assertEqual((svc["platformVersion"], svc["platformFamily"]), ("LATEST", "Linux"))
        self.assertEqual(svc["networkConfiguration"]["awsvpcConfiguration"]["assignPublicIp"],
                         "DISABLED")
        self.wait_stable("capf", ["f"])
        svc = self.describe("capf", "f")
        self.assertEqual(svc["runningCount"], 4)
        self.assertEqual((svc["deployments"][0]["platformVersion"],
                          svc["deployments"][0]["platformFamily"]), ("1.4.0", "Linux"))
        task = self.ecs.describe_tasks(cluster="capf", tasks=self.ecs.list_tasks(
            cluster="capf")["taskArns"][:1])["tasks"][0]
        self.assertEqual((task["launchType"], task["platformVersion"]), ("FARGATE", "1.4.0"))


if __name__ == "__main__":
    unittest.main(warnings="ignore")
