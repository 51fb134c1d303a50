"""Container instances, attributes and the agent's calls through boto3:
RegisterContainerInstance, DescribeContainerInstances, ListContainerInstances
(filters, status, the list_container_instances paginator),
DeregisterContainerInstance (force), UpdateContainerAgent,
UpdateContainerInstancesState, PutAttributes/DeleteAttributes/ListAttributes,
StartTask, SubmitTaskStateChange, SubmitContainerStateChange,
DiscoverPollEndpoint; errors as boto3's modeled exceptions."""
import json
import subprocess
import unittest

from ecslocal import BIN, ServerTest


def resources(ci, key="remainingResources"):
    out = {}
    for r in ci[key]:
        out[r["name"]] = r.get("stringSetValue") if r["type"] == "STRINGSET" else r["integerValue"]
    return out


class Instances(ServerTest):
    def setUp(self):
        self.cluster = self.id().rsplit(".", 1)[-1].replace("test_", "ci-")[:60]
        self.ecs.create_cluster(clusterName=self.cluster)

    def register_instance(self, cpu=1024, memory=2048, az="us-east-1a", itype="t3.large",
                          **kw):
        doc = json.dumps({"instanceId": kw.pop("instance_id", None) or "i-0123456789abcdef0",
                          "instanceType": itype, "availabilityZone": az,
                          "imageId": "ami-12345678", "region": "us-east-1"})
        return self.ecs.register_container_instance(
            cluster=self.cluster, instanceIdentityDocument=doc,
            totalResources=[{"name": "CPU", "type": "INTEGER", "integerValue": cpu},
                            {"name": "MEMORY", "type": "INTEGER", "integerValue": memory}],
            versionInfo=kw.pop("version_info", {"agentVersion": "1.80.0", "agentHash": "abc",
                                                "dockerVersion": "DockerVersion: 20.10"}),
            **kw)["containerInstance"]

    def describe_ci(self, arn):
        return self.ecs.describe_container_instances(
            cluster=self.cluster, containerInstances=[arn])["containerInstances"][0]

    def test_register_describe_and_cluster_count(self):
        ci = self.register_instance(attributes=[{"name": "stack", "value": "blue"}],
                                    tags=[{"key": "team", "value": "core"}])
        self.assertRegex(ci["containerInstanceArn"],
                         r"^arn:aws:ecs:us-east-1:123456789012:container-instance/%s/[0-9a-f]{32}$"
                         % self.cluster)
        self.assertEqual((ci["status"], ci["agentConnected"], ci["version"]), ("ACTIVE", True, 1))
        self.assertEqual(ci["ec2InstanceId"], "i-0123456789abcdef0")
        self.assertEqual(resources(ci, "registeredResources"),
                         {"CPU": 1024, "MEMORY": 2048,
                          "PORTS": ["22", "2375", "2376", "51678", "51679"], "PORTS_UDP": []})
        self.assertEqual(resources(ci), resources(ci, "registeredResources"))
        attrs = {a["name"]: a.get("value") for a in ci["attributes"]}
        self.assertEqual(attrs["ecs.instance-type"], "t3.large")
        self.assertEqual(attrs["ecs.availability-zone"], "us-east-1a")
        self.assertEqual(attrs["ecs.ami-id"], "ami-12345678")
        self.assertEqual(attrs["stack"], "blue")
        self.assertEqual((ci["runningTasksCount"], ci["pendingTasksCount"]), (0, 0))
        out = self.ecs.describe_container_instances(
            cluster=self.cluster, containerInstances=[ci["containerInstanceArn"], "feedbeef"],
            include=["TAGS"])
        self.assertEqual(out["containerInstances"][0]["tags"], [{"key": "team", "value": "core"}])
        self.assertEqual(out["failures"], [{"arn": self.arn(
            "container-instance/%s/feedbeef" % self.cluster), "reason": "MISSING"}])
        cl = self.ecs.describe_clusters(clusters=[self.cluster])["clusters"][0]
        self.assertEqual(cl["registeredContainerInstancesCount"], 1)
        # the agent registering again (restart) keeps the instance
        again = self.register_instance(containerInstanceArn=ci["containerInstanceArn"],
                                       memory=4096)
        self.assertEqual(again["containerInstanceArn"], ci["containerInstanceArn"])
        self.assertEqual(resources(again, "registeredResources")["MEMORY"], 4096)
        self.assertEqual(again["version"], 2)

    def test_resources_follow_tasks_start_task_and_state_changes(self):
        ci = self.register_instance()
        arn = ci["containerInstanceArn"]
        self.register("st", containers=[
            {"name": "app", "image": "nginx", "cpu": 256, "memory": 512,
             "portMappings": [{"containerPort": 80, "hostPort": 8080}]},
            {"name": "side", "image": "busybox", "memoryReservation": 128, "essential": False}])
        # memoryReservation needs an agent with Docker API 1.21 (requiresAttributes)
        out = self.ecs.start_task(cluster=self.cluster, taskDefinition="st",
                                  containerInstances=[arn])
        self.assertEqual((out["tasks"], out["failures"]), ([], [{"arn": arn,
                                                                "reason": "ATTRIBUTE"}]))
        self.ecs.put_attributes(cluster=self.cluster, attributes=[
            {"name": "com.amazonaws.ecs.capability.docker-remote-api.1.21", "targetId": arn}])
        out = self.ecs.start_task(cluster=self.cluster, taskDefinition="st",
                                  containerInstances=[arn], startedBy="me")
        self.assertEqual(out["failures"], [])
        task = out["tasks"][0]
        self.assertEqual(task["containerInstanceArn"], arn)
        self.assertEqual(task["availabilityZone"], "us-east-1a")
        self.assertEqual((task["group"], task["startedBy"]), ("family:st", "me"))
        self.assertEqual(resources(self.describe_ci(arn)),
                         {"CPU": 768, "MEMORY": 1408,
                          "PORTS": ["22", "2375", "2376", "51678", "51679", "8080"],
                          "PORTS_UDP": []})
        self.ecs.get_waiter("tasks_running").wait(
            cluster=self.cluster, tasks=[task["taskArn"]], WaiterConfig={"Delay": 1})
        running = self.ecs.describe_tasks(cluster=self.cluster, tasks=[task["taskArn"]])
        app = [c for c in running["tasks"][0]["containers"] if c["name"] == "app"][0]
        self.assertEqual(app["networkBindings"], [{"bindIP": "0.0.0.0", "containerPort": 80,
                                                   "hostPort": 8080, "protocol": "tcp"}])
        self.assertEqual(self.describe_ci(arn)["runningTasksCount"], 1)
        # the same host port is taken: a second task does not fit there
        again = self.ecs.start_task(cluster=self.cluster, taskDefinition="st",
                                    containerInstances=[arn])
        self.assertEqual(again["tasks"], [])
        self.assertEqual(again["failures"], [{"arn": arn, "reason": "RESOURCE:PORTS"}])
        # the agent reports the essential container exited 3: the task stops
        ack = self.ecs.submit_container_state_change(
            cluster=self.cluster, task=task["taskArn"], containerName="app", status="STOPPED",
            exitCode=3, reason="boom")
        self.assertEqual(ack["acknowledgment"], "ACK")
        self.ecs.get_waiter("tasks_stopped").wait(
            cluster=self.cluster, tasks=[task["taskArn"]], WaiterConfig={"Delay": 1})
        done = self.ecs.describe_tasks(cluster=self.cluster, tasks=[task["taskArn"]])["tasks"][0]
        self.assertEqual((done["stopCode"], done["stoppedReason"]),
                         ("EssentialContainerExited", "Essential container in task exited"))
        app = [c for c in done["containers"] if c["name"] == "app"][0]
        self.assertEqual((app["exitCode"], app["reason"]), (3, "boom"))
        # and the instance has everything back
        self.assertEqual(resources(self.describe_ci(arn)), resources(ci, "registeredResources"))
        self.assertEqual(self.describe_ci(arn)["runningTasksCount"], 0)

    def test_submit_task_state_change_sets_exit_codes(self):
        arn = self.register_instance()["containerInstanceArn"]
        self.register("sub")
        task = self.ecs.start_task(cluster=self.cluster, taskDefinition="sub",
                                   containerInstances=[arn])["tasks"][0]
        self.ecs.submit_task_state_change(cluster=self.cluster, task=task["taskArn"],
                                          status="RUNNING")
        t = self.ecs.describe_tasks(cluster=self.cluster, tasks=[task["taskArn"]])["tasks"][0]
        self.assertEqual(t["lastStatus"], "RUNNING")
        self.ecs.submit_task_state_change(
            cluster=self.cluster, task=task["taskArn"], status="STOPPED", reason="OOM",
            containers=[{"containerName": "app", "exitCode": 137, "status": "STOPPED"}])
        t = self.ecs.describe_tasks(cluster=self.cluster, tasks=[task["taskArn"]])["tasks"][0]
        self.assertEqual((t["lastStatus"], t["desiredStatus"], t["stoppedReason"]),
                         ("STOPPED", "STOPPED", "OOM"))
        self.assertEqual(t["containers"][0]["exitCode"], 137)
        with self.assertRaises(self.ecs.exceptions.InvalidParameterException):
            self.ecs.submit_task_state_change(cluster=self.cluster, task="nope", status="STOPPED")

    def test_start_task_failures(self):
        arn = self.register_instance(memory=256)["containerInstanceArn"]
        self.register("big", containers=[{"name": "a", "image": "x", "memory": 512}])
        out = self.ecs.start_task(cluster=self.cluster, taskDefinition="big",
                                  containerInstances=[arn, "0" * 32])
        self.assertEqual(out["tasks"], [])
        self.assertEqual(out["failures"], [
            {"arn": arn, "reason": "RESOURCE:MEMORY"},
            {"arn": self.arn("container-instance/%s/%s" % (self.cluster, "0" * 32)),
             "reason": "MISSING"}])
        with self.assertRaises(self.ecs.exceptions.ClientException):
            self.ecs.start_task(cluster=self.cluster, taskDefinition="nope",
                                containerInstances=[arn])

    def test_list_filters_status_and_paginator(self):
        arns = [self.register_instance(az="us-east-1" + "ab"[i % 2],
                                       itype="t3.large" if i < 3 else "m5.xlarge")
                ["containerInstanceArn"] for i in range(5)]

        def listed(**kw):
            return self.ecs.list_container_instances(cluster=self.cluster,
                                                     **kw)["containerInstanceArns"]
        self.assertEqual(listed(), arns)
        self.assertEqual(listed(filter="attribute:ecs.instance-type == t3.large"), arns[:3])
        self.assertEqual(listed(filter="attribute:ecs.availability-zone in [us-east-1b]"),
                         [arns[1], arns[3]])
        self.assertEqual(listed(filter="attribute:ecs.instance-type == t3.large and "
                                       "not attribute:ecs.availability-zone == us-east-1a"),
                         [arns[1]])
        self.assertEqual(listed(filter="attribute:ecs.instance-type =~ m5.* or "
                                       "ec2InstanceId == i-nothing"), arns[3:])
        self.assertEqual(listed(filter="runningTasksCount > 0"), [])
        with self.assertRaises(self.ecs.exceptions.InvalidParameterException):
            listed(filter="attribute:ecs.instance-type ==")
        self.ecs.update_container_instances_state(cluster=self.cluster,
                                                  containerInstances=arns[:2], status="DRAINING")
        self.assertEqual(listed(status="DRAINING"), arns[:2])
        self.assertEqual(listed(status="ACTIVE"), arns[2:])
        self.ecs.deregister_container_instance(cluster=self.cluster, containerInstance=arns[4])
        self.assertEqual(listed(), arns[:4])
        pages = list(self.ecs.get_paginator("list_container_instances").paginate(
            cluster=self.cluster, PaginationConfig={"PageSize": 3}))
        self.assertEqual([p["containerInstanceArns"] for p in pages], [arns[:3], arns[3:4]])
        self.assertEqual(self.describe_ci(arns[4])["status"], "INACTIVE")

    def test_deregister_needs_force_with_tasks(self):
        arn = self.register_instance()["containerInstanceArn"]
        self.register("dr")
        task = self.ecs.start_task(cluster=self.cluster, taskDefinition="dr",
                                   containerInstances=[arn])["tasks"][0]
        with self.assertRaises(self.ecs.exceptions.InvalidParameterException):
            self.ecs.deregister_container_instance(cluster=self.cluster, containerInstance=arn)
        ci = self.ecs.deregister_container_instance(cluster=self.cluster, containerInstance=arn,
                                                    force=True)["containerInstance"]
        self.assertEqual((ci["status"], ci["agentConnected"]), ("INACTIVE", False))
        t = self.ecs.describe_tasks(cluster=self.cluster, tasks=[task["taskArn"]])["tasks"][0]
        self.assertEqual(t["desiredStatus"], "STOPPED")
        # the cluster can go once no instance is ACTIVE or DRAINING
        self.ecs.get_waiter("tasks_stopped").wait(cluster=self.cluster, tasks=[task["taskArn"]],
                                                  WaiterConfig={"Delay": 1})
        self.ecs.delete_cluster(cluster=self.cluster)

    def test_delete_cluster_with_instances_is_refused(self):
        self.register_instance()
        with self.assertRaises(self.ecs.exceptions.ClusterContainsContainerInstancesException):
            self.ecs.delete_cluster(cluster=self.cluster)

    def test_update_container_agent(self):
        arn = self.register_instance()["containerInstanceArn"]
        ci = self.ecs.update_container_agent(cluster=self.cluster,
                                             containerInstance=arn)["containerInstance"]
        self.assertEqual(ci["agentUpdateStatus"], "PENDING")
        with self.assertRaises(self.ecs.exceptions.UpdateInProgressException):
            self.ecs.update_container_agent(cluster=self.cluster, containerInstance=arn)
        # 30 simulated seconds later the agent runs the latest version
        ci = self.poll(lambda: (lambda c: c if c.get("agentUpdateStatus") == "UPDATED" else None)(
            self.describe_ci(arn)))
        self.assertNotEqual(ci["versionInfo"]["agentVersion"], "1.80.0")
        with self.assertRaises(self.ecs.exceptions.NoUpdateAvailableException):
            self.ecs.update_container_agent(cluster=self.cluster, containerInstance=arn)
        bare = self.register_instance(version_info={})["containerInstanceArn"]
        with self.assertRaises(self.ecs.exceptions.MissingVersionException):
            self.ecs.update_container_agent(cluster=self.cluster, containerInstance=bare)

    def test_attributes(self):
        a = self.register_instance()["containerInstanceArn"]
        b = self.register_instance()["containerInstanceArn"]
        out = self.ecs.put_attributes(cluster=self.cluster, attributes=[
            {"name": "stack", "value": "prod", "targetId": a},
            {"name": "gpu", "targetId": b.rsplit("/", 1)[1], "targetType": "container-instance"}])
        self.assertEqual(out["attributes"][0], {"name": "stack", "value": "prod",
                                                "targetType": "container-instance",
                                                "targetId": a})
        listed = self.ecs.list_attributes(cluster=self.cluster, targetType="container-instance",
                                          attributeName="stack")["attributes"]
        self.assertEqual(listed, [{"name": "stack", "value": "prod",
                                   "targetType": "container-instance", "targetId": a}])
        self.assertEqual([x["targetId"] for x in self.ecs.list_attributes(
            cluster=self.cluster, targetType="container-instance",
            attributeName="ecs.os-type", attributeValue="linux")["attributes"]], [a, b])
        self.assertEqual(self.ecs.list_container_instances(
            cluster=self.cluster, filter="attribute:gpu exists")["containerInstanceArns"], [b])
        page = self.ecs.list_attributes(cluster=self.cluster, targetType="container-instance",
                                        maxResults=2)
        self.assertEqual(len(page["attributes"]), 2)
        self.assertIn("nextToken", page)
        self.ecs.delete_attributes(cluster=self.cluster,
                                   attributes=[{"name": "stack", "targetId": a}])
        self.assertEqual(self.ecs.list_attributes(cluster=self.cluster,
                                                  targetType="container-instance",
                                                  attributeName="stack")["attributes"], [])
        with self.assertRaises(self.ecs.exceptions.TargetNotFoundException):
            self.ecs.put_attributes(cluster=self.cluster, attributes=[
                {"name": "x", "value": "y", "targetId": "0" * 32}])
        with self.assertRaises(self.ecs.exceptions.InvalidParameterException):
            self.ecs.put_attributes(cluster=self.cluster, attributes=[
                {"name": "bad name!", "targetId": a}])
        # ten custom attributes per instance; the agent's own do not count
        self.ecs.put_attributes(cluster=self.cluster, attributes=[
            {"name": "c%d" % i, "targetId": a} for i in range(10)])
        with self.assertRaises(self.ecs.exceptions.AttributeLimitExceededException):
            self.ecs.put_attributes(cluster=self.cluster, attributes=[
                {"name": "one-more", "targetId": a}])

    def test_discover_poll_endpoint_is_loopback(self):
        arn = self.register_instance()["containerInstanceArn"]
        out = self.ecs.discover_poll_endpoint(cluster=self.cluster, containerInstance=arn)
        self.assertEqual(out["endpoint"], self.server.url + "/")
        self.assertEqual(out["telemetryEndpoint"], self.server.url + "/")

    def test_unknown_cluster_is_modeled(self):
        for call, kw in [
                (self.ecs.list_container_instances, {}),
                (self.ecs.describe_container_instances, {"containerInstances": ["x"]}),
                (self.ecs.list_attributes, {"targetType": "container-instance"}),
                (self.ecs.put_attributes, {"attributes": [{"name": "a", "targetId": "x"}]}),
                (self.ecs.delete_attributes, {"attributes": [{"name": "a", "targetId": "x"}]}),
                (self.ecs.update_container_instances_state,
                 {"containerInstances": ["x"], "status": "DRAINING"}),
                (self.ecs.deregister_container_instance, {"containerInstance": "x"}),
                (self.ecs.update_container_agent, {"containerInstance": "x"}),
                (self.ecs.start_task, {"taskDefinition": "x", "containerInstances": ["x"]}),
                (self.ecs.submit_task_state_change, {"task": "x"}),
                (self.ecs.submit_container_state_change, {"task": "x", "containerName": "a"}),
                (self.ecs.register_container_instance, {"totalResources": []})]:
            with self.assertRaises(self.ecs.exceptions.ClusterNotFoundException, msg=call):
                call(cluster="no-such-cluster", **kw)
        with self.assertRaises(self.ecs.exceptions.InvalidParameterException):
            self.ecs.describe_container_instances(cluster=self.cluster, containerInstances=[])
        with self.assertRaises(self.ecs.exceptions.InvalidParameterException):
            self.ecs.update_container_instances_state(
                cluster=self.cluster, containerInstances=["x"], status="REGISTERING")
        with self.assertRaises(self.ecs.exceptions.InvalidParameterException):
            self.ecs.register_container_instance(
                cluster=self.cluster,
                totalResources=[{"name": "CPU", "type": "INTEGER", "integerValue": 1}])


class InstancesFlag(unittest.TestCase):
    def test_bad_values_exit_64_and_say_why(self):
        for value, why in [("x", "a cluster name is expected before '='"),
                           ("c=abc", "the count must be 0..1000"),
                           ("c=2:cpu=0", "cpu and memory are positive integers"),
                           ("c=2:disk=1", "unknown option (cpu, memory, type, az)")]:
            p = subprocess.run([BIN, "--listen", "127.0.0.1:0", "--instances", value],
                               capture_output=True, text=True, timeout=10)
            self.assertEqual(p.returncode, 64, value)
            self.assertEqual(p.stderr.splitlines()[0],
                             "error: --instances '%s': %s (CLUSTER=N[:cpu=C,memory=M,type=T,"
                             "az=A|B])" % (value, why))


if __name__ == "__main__":
    unittest.main(warnings="ignore")
