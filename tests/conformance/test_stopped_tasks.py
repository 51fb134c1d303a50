"""Stopped tasks say why, as ECS's do: stopCode, stoppedReason, startedBy (the
deployment), and per container the exit code or the reason it never ran.
Images tagged `crashloop` exit 1; images tagged `cannotpull` fail their pull."""
import unittest

from ecslocal import ServerTest


class StoppedTasks(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ecs.create_cluster(clusterName="why")

    def first_stopped(self, service):
        def stopped():
            arns = self.ecs.list_tasks(cluster="why", serviceName=service,
                                       desiredStatus="STOPPED")["taskArns"]
            if not arns:
                return None
            tasks = self.ecs.describe_tasks(cluster="why", tasks=arns)["tasks"]
            done = [t for t in tasks if t["lastStatus"] == "STOPPED"]
            return done[0] if done else None
        return self.poll(stopped)

    def test_crashloop_essential_container_exits_1_sidecar_is_stopped(self):
        self.register("why-crash", containers=[
            {"name": "web", "image": "repo/web:crashloop", "memory": 128},
            {"name": "log", "image": "fluent/fluent-bit:2", "memory": 64,
             "essential": False}])
        svc = self.ecs.create_service(cluster="why", serviceName="crash",
                                      taskDefinition="why-crash", desiredCount=1)["service"]
        task = self.first_stopped("crash")
        self.assertEqual(task["stopCode"], "EssentialContainerExited")
        self.assertEqual(task["stoppedReason"], "Essential container in task exited")
        self.assertEqual(task["desiredStatus"], "STOPPED")
        self.assertEqual(task["startedBy"], svc["deployments"][0]["id"])
        self.assertGreaterEqual(task["stoppedAt"], task["startedAt"])
        containers = {c["name"]: c for c in task["containers"]}
        self.assertEqual(containers["web"]["exitCode"], 1)
        self.assertEqual(containers["web"]["lastStatus"], "STOPPED")
        self.assertNotIn("reason", containers["web"])
        self.assertEqual(containers["log"]["exitCode"], 0)

    def test_cannotpull_fails_to_start_with_the_pull_error(self):
        self.register("why-pull", image="nginx:cannotpull")
        self.ecs.create_service(
            cluster="why", serviceName="pull", taskDefinition="why-pull", desiredCount=1,
            deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True,
                                                                  "rollback": False}})
        task = self.first_stopped("pull")
        reason = ("CannotPullContainerError: pull image manifest has been retried 5 time(s): "
                  "failed to resolve ref docker.io/library/nginx:cannotpull: "
                  "docker.io/library/nginx:cannotpull: not found")
        self.assertEqual(task["stopCode"], "TaskFailedToStart")
        self.assertEqual(task["stoppedReason"], reason)
        self.assertNotIn("startedAt", task)
        self.assertIn("pullStoppedAt", task)
        container = task["containers"][0]
        self.assertEqual(container["reason"], reason)
        self.assertEqual(container["lastStatus"], "STOPPED")
        self.assertNotIn("exitCode", container)
        # failed pulls count for the circuit breaker like crashes do
        svc = self.poll(lambda: (lambda s: s if s["deployments"][0]["rolloutState"] == "FAILED"
                                 else None)(self.describe("why", "pull")))
        self.assertGreaterEqual(svc["deployments"][0]["failedTasks"], 3)

    def test_cannotpull_reference_keeps_a_registry_host(self):
        self.register("why-ecr", image="123456789012.dkr.ecr.us-east-1.amazonaws.com/api:cannotpull")
        self.ecs.create_service(cluster="why", serviceName="ecr", taskDefinition="why-ecr",
                                desiredCount=1)
        task = self.first_stopped("ecr")
        self.assertIn("failed to resolve ref "
                      "123456789012.dkr.ecr.us-east-1.amazonaws.com/api:cannotpull: ",
                      task["stoppedReason"])


if __name__ == "__main__":
    unittest.main()
