"""Service life cycle against ecs-local with boto3: create -> stable (waiter),
rolling update within min/max percent, scale, tasks, crashloop with the
circuit breaker and rollback, delete -> INACTIVE (waiter), re-create."""
import time
import unittest

from ecslocal import ServerTest


class LifeCycle(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ecs.create_cluster(clusterName="life")

    def test_create_stable_events_and_tasks(self):
        self.register("life-a")
        svc = self.ecs.create_service(cluster="life", serviceName="a", taskDefinition="life-a",
                                      desiredCount=2)["service"]
        self.assertEqual(svc["status"], "ACTIVE")
        self.assertEqual(svc["deployments"][0]["status"], "PRIMARY")
        self.assertEqual(svc["deployments"][0]["rolloutState"], "IN_PROGRESS")
        self.assertRegex(svc["deployments"][0]["id"], r"^ecs-svc/\d{19}$")
        self.wait_stable("life", ["a"])
        svc = self.describe("life", "a")
        self.assertEqual((svc["runningCount"], svc["pendingCount"]), (2, 0))
        dep = svc["deployments"][0]
        self.assertEqual(dep["rolloutState"], "COMPLETED")
        self.assertEqual(dep["rolloutStateReason"], "ECS deployment %s completed." % dep["id"])
        messages = [e["message"] for e in svc["events"]]
        self.assertEqual(messages[0], "(service a) has reached a steady state.")
        self.assertIn("(service a) (deployment %s) deployment completed." % dep["id"], messages)
        self.assertRegex(messages[-1], r"^\(service a\) has started 2 tasks: "
                                       r"\(task [0-9a-f]{32}\) \(task [0-9a-f]{32}\)\.$")
        arns = self.ecs.list_tasks(cluster="life", serviceName="a")["taskArns"]
        self.assertEqual(len(arns), 2)
        self.ecs.get_waiter("tasks_running").wait(cluster="life", tasks=arns,
                                                  WaiterConfig={"Delay": 1})
        tasks = self.ecs.describe_tasks(cluster="life", tasks=arns)["tasks"]
        for t in tasks:
            self.assertEqual(t["lastStatus"], "RUNNING")
            self.assertEqual(t["group"], "service:a")
            self.assertEqual(t["startedBy"], dep["id"])
            self.assertRegex(t["taskArn"], r"^arn:aws:ecs:us-east-1:123456789012:task/life/"
                                           r"[0-9a-f]{32}$")
        cluster = self.ecs.describe_clusters(clusters=["life"])["clusters"][0]
        self.assertGreaterEqual(cluster["runningTasksCount"], 2)
        self.assertGreaterEqual(cluster["activeServicesCount"], 1)

    def test_rolling_update_respects_percentages(self):
        self.register("life-r")
        self.ecs.create_service(cluster="life", serviceName="r", taskDefinition="life-r",
                                desiredCount=4,
                                deploymentConfiguration={"maximumPercent": 150,
                                                         "minimumHealthyPercent": 50})
        self.wait_stable("life", ["r"])
        td2 = self.register("life-r", image="nginx:1.26")["taskDefinitionArn"]
        svc = self.ecs.update_service(cluster="life", service="r",
                                      taskDefinition="life-r")["service"]
        self.assertEqual(svc["taskDefinition"], td2)
        self.assertEqual([d["status"] for d in svc["deployments"]], ["PRIMARY", "ACTIVE"])
        seen_two = True  # the answer above; polling below may come after the end
        end = time.monotonic() + 20
        while time.monotonic() < end:
            svc = self.describe("life", "r")
            alive = sum(d["runningCount"] + d["pendingCount"] for d in svc["deployments"])
            self.assertLessEqual(alive, 6, "above maximumPercent 150 of 4")
            self.assertGreaterEqual(svc["runningCount"], 2, "below minimumHealthyPercent 50")
            seen_two |= len(svc["deployments"]) == 2
            if len(svc["deployments"]) == 1 and svc["deployments"][0]["rolloutState"] == \
                    "COMPLETED" and svc["runningCount"] == 4:
                break
            time.sleep(0.02)
        self.assertTrue(seen_two)
        self.assertEqual(svc["deployments"][0]["taskDefinition"], td2)
        self.assertEqual(svc["deployments"][0]["rolloutState"], "COMPLETED")
        for t in self.ecs.describe_tasks(cluster="life", tasks=self.ecs.list_tasks(
                cluster="life", serviceName="r")["taskArns"])["tasks"]:
            self.assertEqual(t["taskDefinitionArn"], td2)
        self.assertTrue(any("has stopped" in e["message"] for e in svc["events"]))

    def test_force_new_deployment_and_scaling(self):
        self.register("life-f")
        self.ecs.create_service(cluster="life", serviceName="f", taskDefinition="life-f",
                                desiredCount=1)
        self.wait_stable("life", ["f"])
        first = self.describe("life", "f")["deployments"][0]["id"]
        svc = self.ecs.update_service(cluster="life", service="f", forceNewDeployment=True,
                                      desiredCount=3)["service"]
        self.assertNotEqual(svc["deployments"][0]["id"], first)
        self.wait_stable("life", ["f"])
        self.assertEqual(self.describe("life", "f")["runningCount"], 3)
        self.ecs.update_service(cluster="life", service="f", desiredCount=0)
        self.wait_stable("life", ["f"])
        svc = self.describe("life", "f")
        self.assertEqual((svc["runningCount"], svc["desiredCount"]), (0, 0))
        self.assertEqual(self.ecs.list_tasks(cluster="life", serviceName="f")["taskArns"], [])
        stopped = self.ecs.list_tasks(cluster="life", serviceName="f",
                                      desiredStatus="STOPPED")["taskArns"]
        self.assertGreaterEqual(len(stopped), 3)

    def test_stop_task_is_replaced(self):
        self.register("life-s")
        self.ecs.create_service(cluster="life", serviceName="s", taskDefinition="life-s",
                                desiredCount=1)
        self.wait_stable("life", ["s"])
        arn = self.ecs.list_tasks(cluster="life", serviceName="s")["taskArns"][0]
        task = self.ecs.stop_task(cluster="life", task=arn, reason="test")["task"]
        self.assertEqual(task["desiredStatus"], "STOPPED")
        self.ecs.get_waiter("tasks_stopped").wait(cluster="life", tasks=[arn],
                                                  WaiterConfig={"Delay": 1})
        task = self.ecs.describe_tasks(cluster="life", tasks=[arn])["tasks"][0]
        self.assertEqual((task["stopCode"], task["stoppedReason"]), ("UserInitiated", "test"))
        self.wait_stable("life", ["s"])
        now = self.ecs.list_tasks(cluster="life", serviceName="s")["taskArns"]
        self.assertEqual(len(now), 1)
        self.assertNotEqual(now[0], arn)

    def test_crashloop_breaker_rolls_back(self):
        good = self.register("life-c")["taskDefinitionArn"]
        self.ecs.create_service(
            cluster="life", serviceName="c", taskDefinition=good, desiredCount=2,
            deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True,
                                                                  "rollback": True}})
        self.wait_stable("life", ["c"])
        first = self.describe("life", "c")["deployments"][0]["id"]
        bad = self.register("life-c", image="nginx:crashloop")["taskDefinitionArn"]
        self.ecs.update_service(cluster="life", service="c", taskDefinition=bad)

        self.wait_stable("life", ["c"])
        svc = self.describe("life", "c")
        self.assertEqual(svc["taskDefinition"], good)
        self.assertEqual(len(svc["deployments"]), 1)
        self.assertEqual(svc["deployments"][0]["taskDefinition"], good)
        self.assertEqual(svc["deployments"][0]["rolloutState"], "COMPLETED")
        self.assertNotEqual(svc["deployments"][0]["id"], first)
        messages = " ".join(e["message"] for e in svc["events"])
        self.assertIn("deployment failed: tasks failed to start.", messages)
        self.assertIn("rolling back to deployment", messages)
        stopped = self.ecs.describe_tasks(cluster="life", tasks=self.ecs.list_tasks(
            cluster="life", serviceName="c", desiredStatus="STOPPED")["taskArns"][:10])["tasks"]
        crashed = [t for t in stopped if t["taskDefinitionArn"] == bad]
        self.assertTrue(crashed)
        self.assertEqual(crashed[0]["stoppedReason"], "Essential container in task exited")
        self.assertEqual(crashed[0]["containers"][0]["exitCode"], 1)

    def test_crashloop_breaker_without_rollback_fails(self):
        good = self.register("life-b")["taskDefinitionArn"]
        self.ecs.create_service(
            cluster="life", serviceName="b", taskDefinition=good, desiredCount=2,
            deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True,
                                                                  "rollback": False}})
        self.wait_stable("life", ["b"])
        bad = self.register("life-b", image="nginx:crashloop")["taskDefinitionArn"]
        self.ecs.update_service(cluster="life", service="b", taskDefinition=bad)
        svc = self.poll(lambda: (lambda s: s if s["deployments"][0]["rolloutState"] == "FAILED"
                                 else None)(self.describe("life", "b")))
        primary, old = svc["deployments"]
        self.assertEqual((primary["status"], primary["taskDefinition"]), ("PRIMARY", bad))
        self.assertGreaterEqual(primary["failedTasks"], 3)
        self.assertEqual(primary["rolloutStateReason"],
                         "ECS deployment circuit breaker: tasks failed to start.")
        self.assertEqual((old["status"], old["taskDefinition"], old["runningCount"]),
                         ("ACTIVE", good, 2))
        # the waiter ecsctl must not trust alone: two deployments, never stable
        with self.assertRaises(Exception):
            self.wait_stable("life", ["b"], attempts=2)

    def test_crashloop_without_breaker_keeps_trying(self):
        self.register("life-n", image="repo/app:crashloop")
        self.ecs.create_service(cluster="life", serviceName="n", taskDefinition="life-n",
                                desiredCount=1)
        svc = self.poll(lambda: (lambda s: s if s["deployments"][0]["failedTasks"] >= 5
                                 else None)(self.describe("life", "n")))
        self.assertEqual(svc["deployments"][0]["rolloutState"], "IN_PROGRESS")
        self.assertEqual(svc["runningCount"], 0)

    def test_delete_inactive_and_recreate(self):
        self.register("life-d")
        self.ecs.create_service(cluster="life", serviceName="d", taskDefinition="life-d",
                                desiredCount=1)
        self.wait_stable("life", ["d"])
        with self.assertRaises(self.ecs.exceptions.InvalidParameterException):
            self.ecs.delete_service(cluster="life", service="d")
        svc = self.ecs.delete_service(cluster="life", service="d", force=True)["service"]
        self.assertEqual(svc["status"], "DRAINING")
        arns = self.ecs.list_services(cluster="life")["serviceArns"]
        self.assertNotIn(self.arn("service/life/d"), arns)
        self.ecs.get_waiter("services_inactive").wait(cluster="life", services=["d"],
                                                      WaiterConfig={"Delay": 1})
        self.assertEqual(self.describe("life", "d")["status"], "INACTIVE")
        with self.assertRaises(self.ecs.exceptions.ServiceNotActiveException):
            self.ecs.update_service(cluster="life", service="d", desiredCount=1)
        svc = self.ecs.create_service(cluster="life", serviceName="d", taskDefinition="life-d",
                                      desiredCount=1)["service"]
        self.assertEqual(svc["status"], "ACTIVE")
        self.wait_stable("life", ["d"])

    def test_describe_reflects_every_change(self):
        # answers of services at rest are cached: every change must show at once
        self.register("life-x")
        self.ecs.create_service(cluster="life", serviceName="x", taskDefinition="life-x",
                                desiredCount=1)
        self.wait_stable("life", ["x"])
        for _ in range(2):
            self.assertEqual(self.describe("life", "x")["desiredCount"], 1)
        self.ecs.update_service(cluster="life", service="x", desiredCount=0)
        self.assertEqual(self.describe("life", "x")["desiredCount"], 0)
        arn = self.describe("life", "x")["serviceArn"]
        tagged = lambda: self.ecs.describe_services(cluster="life", services=["x"],
                                                    include=["TAGS"])["services"][0]["tags"]
        self.assertEqual(tagged(), [])
        self.ecs.tag_resource(resourceArn=arn, tags=[{"key": "k", "value": "1"}])
        self.assertEqual(tagged(), [{"key": "k", "value": "1"}])
        self.assertNotIn("tags", self.describe("life", "x"))
        with self.assertRaises(self.ecs.exceptions.InvalidParameterException):
            self.ecs.update_service(cluster="life", service="x", desiredCount=-1)
        self.assertEqual(self.describe("life", "x")["desiredCount"], 0)

    def test_health_checked_containers_become_healthy(self):
        self.register("life-h", containers=[
            {"name": "app", "image": "nginx", "memory": 64,
             "healthCheck": {"command": ["CMD-SHELL", "true"]}},
            {"name": "side", "image": "busybox", "memory": 16, "essential": False}])
        arn = self.ecs.run_task(cluster="life", taskDefinition="life-h")["tasks"][0]["taskArn"]
        self.assertEqual(self.ecs.describe_tasks(cluster="life", tasks=[arn])["tasks"][0]
                         ["healthStatus"], "UNKNOWN")
        self.ecs.get_waiter("tasks_running").wait(cluster="life", tasks=[arn],
                                                  WaiterConfig={"Delay": 1})
        task = self.ecs.describe_tasks(cluster="life", tasks=[arn])["tasks"][0]
        self.assertEqual(task["healthStatus"], "HEALTHY")
        self.assertEqual([c["healthStatus"] for c in task["containers"]],
                         ["HEALTHY", "UNKNOWN"])
        self.assertTrue(all(not k.startswith("_") for c in task["containers"] for k in c))

    def test_run_task_standalone(self):
        td = self.register("life-t")
        tasks = self.ecs.run_task(cluster="life", taskDefinition="life-t", count=2,
                                  startedBy="tester")["tasks"]
        self.assertEqual(len(tasks), 2)
        self.assertEqual(tasks[0]["group"], "family:life-t")
        self.assertEqual(tasks[0]["taskDefinitionArn"], td["taskDefinitionArn"])
        arns = [t["taskArn"] for t in tasks]
        self.ecs.get_waiter("tasks_running").wait(cluster="life", tasks=arns,
                                                  WaiterConfig={"Delay": 1})
        listed = self.ecs.list_tasks(cluster="life", startedBy="tester")["taskArns"]
        self.assertEqual(sorted(listed), sorted(arns))
        listed = self.ecs.list_tasks(cluster="life", family="life-t")["taskArns"]
        self.assertEqual(sorted(listed), sorted(arns))
        with self.assertRaises(self.ecs.exceptions.ClusterContainsTasksException):
            self.ecs.create_cluster(clusterName="life-tmp")
            self.ecs.run_task(cluster="life-tmp", taskDefinition="life-t")
            self.ecs.delete_cluster(cluster="life-tmp")


if __name__ == "__main__":
    unittest.main(warnings="ignore")
