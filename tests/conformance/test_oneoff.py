"""One-off tasks (docs/ecs-local.md, "One-off tasks"): a container whose
command ends in `exit N` exits with N after its `sleep`s, an essential one
stops its task; RunTask's `overrides` are kept and change the command; boto3's
tasks_stopped waiter passes on them."""
import unittest

from ecslocal import ServerTest


class OneOff(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ecs.create_cluster(clusterName="once")

    def run_and_wait(self, family, **kw):
        task = self.ecs.run_task(cluster="once", taskDefinition=family, **kw)["tasks"][0]
        self.ecs.get_waiter("tasks_stopped").wait(
            cluster="once", tasks=[task["taskArn"]], WaiterConfig={"Delay": 1, "MaxAttempts": 30})
        return self.ecs.describe_tasks(cluster="once", tasks=[task["taskArn"]])["tasks"][0]

    def test_exit_code_of_the_essential_container_stops_the_task(self):
        self.register("once-migrate", containers=[
            {"name": "migrate", "image": "app:1", "memory": 128,
             "command": ["sh", "-c", "sleep 2; ./migrate && exit 3"]},
            {"name": "log", "image": "fluent-bit:2", "memory": 64, "essential": False}])
        task = self.run_and_wait("once-migrate")
        self.assertEqual(task["lastStatus"], "STOPPED")
        self.assertEqual(task["stopCode"], "EssentialContainerExited")
        self.assertEqual(task["stoppedReason"], "Essential container in task exited")
        c = {c["name"]: c for c in task["containers"]}
        self.assertEqual(c["migrate"]["exitCode"], 3)
        self.assertEqual(c["log"]["exitCode"], 0)
        # ran for the script's sleep, then stopped
        self.assertGreaterEqual((task["stoppingAt"] - task["startedAt"]).total_seconds(), 2.0)

    def test_overrides_replace_the_command_and_are_described(self):
        self.register("once-plain", containers=[
            {"name": "app", "image": "app:1", "memory": 128, "command": ["serve"]}])
        task = self.run_and_wait("once-plain", overrides={"containerOverrides": [
            {"name": "app", "command": ["sh", "-c", "exit 0"],
             "environment": [{"name": "STEP", "value": "seed"}]}]})
        self.assertEqual(task["containers"][0]["exitCode"], 0)
        o = task["overrides"]["containerOverrides"][0]
        self.assertEqual(o["command"], ["sh", "-c", "exit 0"])
        self.assertEqual(o["environment"], [{"name": "STEP", "value": "seed"}])

    def test_a_command_without_exit_keeps_running(self):
        self.register("once-server", containers=[
            {"name": "app", "image": "app:1", "memory": 128, "command": ["echo exit 1 now"]}])
        arn = self.ecs.run_task(cluster="once", taskDefinition="once-server")["tasks"][0]["taskArn"]
        self.ecs.get_waiter("tasks_running").wait(
            cluster="once", tasks=[arn], WaiterConfig={"Delay": 1, "MaxAttempts": 30})
        self.ecs.stop_task(cluster="once", task=arn)

    def test_override_of_an_unknown_container_is_refused(self):
        self.register("once-bad", containers=[{"name": "app", "image": "app:1", "memory": 128}])
        with self.assertRaises(self.ecs.exceptions.InvalidParameterException):
            self.ecs.run_task(cluster="once", taskDefinition="once-bad", overrides={
                "containerOverrides": [{"name": "nope", "command": ["true"]}]})


if __name__ == "__main__":
    unittest.main()
