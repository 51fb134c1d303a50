"""--state FILE: state survives kill -TERM and a restart; a state file that is
not ours is refused with a clear error."""
import json
import os
import signal
import subprocess
import unittest

from ecslocal import BIN, EcsLocal, temp_dir


class Persistence(unittest.TestCase):
    def test_instances_and_their_tasks_survive_a_restart(self):
        """--instances seeds a cluster once: a restart with the same flag keeps the
        instances (and what their tasks hold) instead of adding more."""
        flags = ("--instances", "ec2=2:cpu=1024,memory=1024")
        with temp_dir() as d:
            state = os.path.join(d, "state.json")
            srv = EcsLocal("--state", state, *flags).start()
            try:
                ecs = srv.client()
                ecs.create_cluster(clusterName="ec2")
                ecs.register_task_definition(family="p", containerDefinitions=[
                    {"name": "a", "image": "x", "memory": 300, "cpu": 100,
                     "portMappings": [{"containerPort": 80, "hostPort": 80}]}])
                ecs.create_service(cluster="ec2", serviceName="p", taskDefinition="p",
                                   desiredCount=2)
                ecs.get_waiter("services_stable").wait(cluster="ec2", services=["p"],
                                                       WaiterConfig={"Delay": 1})
                arns = ecs.list_container_instances(cluster="ec2")["containerInstanceArns"]
                before = ecs.describe_container_instances(
                    cluster="ec2", containerInstances=arns)["containerInstances"]
            finally:
                self.assertEqual(srv.stop(signal.SIGTERM), 0)
            srv = EcsLocal("--state", state, *flags).start()
            try:
                ecs = srv.client()
                self.assertEqual(ecs.list_container_instances(cluster="ec2")
                                 ["containerInstanceArns"], arns)
                after = ecs.describe_container_instances(
                    cluster="ec2", containerInstances=arns)["containerInstances"]
                self.assertEqual([c["remainingResources"] for c in after],
                                 [c["remainingResources"] for c in before])
                self.assertEqual([c["runningTasksCount"] for c in after], [1, 1])
                # the host port is still taken: a third task does not fit
                out = ecs.run_task(cluster="ec2", taskDefinition="p")
                self.assertEqual({f["reason"] for f in out["failures"]}, {"RESOURCE:PORTS"})
            finally:
                self.assertEqual(srv.stop(signal.SIGTERM), 0)

    def test_survives_sigterm_and_restart(self):
        with temp_dir() as d:
            state = os.path.join(d, "state.json")
            srv = EcsLocal("--state", state).start()
            try:
                ecs = srv.client()
                ecs.create_cluster(clusterName="keep", tags=[{"key": "a", "value": "b"}])
                for image in ("nginx:1", "nginx:2"):
                    ecs.register_task_definition(family="keep", containerDefinitions=[
                        {"name": "a", "image": image, "memory": 64}])
                ecs.create_service(cluster="keep", serviceName="web", taskDefinition="keep:1",
                                   desiredCount=2)
                ecs.get_waiter("services_stable").wait(cluster="keep", services=["web"],
                                                       WaiterConfig={"Delay": 1})
                before = ecs.describe_services(cluster="keep", services=["web"])["services"][0]
                tasks_before = sorted(ecs.list_tasks(cluster="keep")["taskArns"])
            finally:
                self.assertEqual(srv.stop(signal.SIGTERM), 0)
            with open(state) as f:
                self.assertEqual(json.load(f)["formatVersion"], 1)
            self.assertFalse(os.path.exists(state + ".tmp"))

            srv = EcsLocal("--state", state).start()
            try:
                ecs = srv.client()
                after = ecs.describe_services(cluster="keep", services=["web"])["services"][0]
                self.assertEqual(after["serviceArn"], before["serviceArn"])
                self.assertEqual(after["runningCount"], 2)
                self.assertEqual(after["deployments"][0]["id"], before["deployments"][0]["id"])
                self.assertEqual(after["events"][0]["message"], before["events"][0]["message"])
                self.assertEqual(sorted(ecs.list_tasks(cluster="keep")["taskArns"]),
                                 tasks_before)
                tags = ecs.list_tags_for_resource(
                    resourceArn=before["clusterArn"])["tags"]
                self.assertEqual(tags, [{"key": "a", "value": "b"}])
                # numbering and deployments go on where they stopped
                third = ecs.register_task_definition(family="keep", containerDefinitions=[
                    {"name": "a", "image": "nginx:3", "memory": 64}])["taskDefinition"]
                self.assertEqual(third["revision"], 3)
                ecs.update_service(cluster="keep", service="web", taskDefinition="keep:2")
                ecs.get_waiter("services_stable").wait(cluster="keep", services=["web"],
                                                       WaiterConfig={"Delay": 1})
                svc = ecs.describe_services(cluster="keep", services=["web"])["services"][0]
                self.assertTrue(svc["taskDefinition"].endswith(":2"))
                self.assertGreater(svc["deployments"][0]["createdAt"],
                                   before["deployments"][0]["createdAt"])
            finally:
                self.assertEqual(srv.stop(signal.SIGINT), 0)

    def test_bad_state_file_is_refused(self):
        with temp_dir() as d:
            state = os.path.join(d, "state.json")
            with open(state, "w") as f:
                f.write('{"something": "else"}')
            p = subprocess.run([BIN, "--listen", "127.0.0.1:0", "--state", state],
                               capture_output=True, text=True, timeout=10)
            self.assertEqual(p.returncode, 1)
            self.assertIn("not an ecs-local state file", p.stderr)
            with open(state, "w") as f:
                f.write("{broken")
            p = subprocess.run([BIN, "--listen", "127.0.0.1:0", "--state", state],
                               capture_output=True, text=True, timeout=10)
            self.assertEqual(p.returncode, 1)
            self.assertIn("state.json", p.stderr)

    def test_flags_are_checked(self):
        for args in (["--listen", "10.1.2.3:80"], ["--time-scale", "x"],
                     ["--throttle", "5"], ["--fail-rate", "2"], ["--bogus", "1"],
                     ["--require-sigv4", "nocolon"]):
            with self.subTest(args=args):
                p = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=10)
                self.assertNotEqual(p.returncode, 0)
                self.assertIn("error:", p.stderr)


if __name__ == "__main__":
    unittest.main(warnings="ignore")
