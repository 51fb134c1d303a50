"""EC2 placement and DAEMON services on `--instances` clusters, through boto3:
default spread over AZs then instances, binpack, distinctInstance, memberOf,
"unable to place" events with ECS's reasons, draining that replaces tasks
within the deployment limits, and DAEMON services that follow instances
(services_stable semantics)."""
import collections
import json
import unittest

from ecslocal import ServerTest

SMALL = [{"name": "app", "image": "nginx", "cpu": 128, "memory": 128}]


class Placement(ServerTest):
    server_args = (
        "--instances", "spread=4:cpu=1024,memory=1024,type=t3.large,az=us-east-1a|us-east-1b",
        "--instances", "pack=3:cpu=1024,memory=1024",
        "--instances", "distinct=3",
        "--instances", "drain=3:cpu=1024,memory=1024,az=us-east-1a|us-east-1b|us-east-1c",
        "--instances", "daemon=3:cpu=1024,memory=1024,az=us-east-1a|us-east-1b",
        "--instances", "roll=2",
        "--instances", "empty=0")

    def instances(self, cluster):
        arns = self.ecs.list_container_instances(cluster=cluster)["containerInstanceArns"]
        return {c["containerInstanceArn"]: c for c in self.ecs.describe_container_instances(
            cluster=cluster, containerInstances=arns)["containerInstances"]} if arns else {}

    def tasks(self, cluster, **kw):
        arns = self.ecs.list_tasks(cluster=cluster, **kw)["taskArns"]
        return self.ecs.describe_tasks(cluster=cluster, tasks=arns)["tasks"] if arns else []

    def az_of(self, cluster):
        return {arn: {a["name"]: a.get("value") for a in c["attributes"]}
                ["ecs.availability-zone"] for arn, c in self.instances(cluster).items()}

    def test_instances_register_with_the_cluster(self):
        self.ecs.create_cluster(clusterName="spread")
        cis = self.instances("spread")
        self.assertEqual(len(cis), 4)
        for c in cis.values():
            attrs = {a["name"]: a.get("value") for a in c["attributes"]}
            self.assertEqual(attrs["ecs.instance-type"], "t3.large")
            self.assertIn("ecs.capability.task-eni", attrs)
            self.assertEqual({r["name"]: r.get("integerValue") for r in c["registeredResources"]
                              if r["type"] == "INTEGER"}, {"CPU": 1024, "MEMORY": 1024})
        self.assertEqual(sorted(collections.Counter(self.az_of("spread").values()).values()),
                         [2, 2])

    def test_service_spreads_over_zones_then_instances(self):
        self.ecs.create_cluster(clusterName="spread")
        self.register("sp", containers=SMALL)
        self.ecs.create_service(cluster="spread", serviceName="web", taskDefinition="sp",
                                desiredCount=4)
        self.wait_stable("spread", ["web"])
        tasks = self.tasks("spread", serviceName="web")
        self.assertEqual(len({t["containerInstanceArn"] for t in tasks}), 4)
        one = tasks[0]["containerInstanceArn"]
        self.assertEqual(self.ecs.list_tasks(cluster="spread", containerInstance=one)["taskArns"],
                         [t["taskArn"] for t in tasks if t["containerInstanceArn"] == one])
        self.assertEqual(collections.Counter(t["availabilityZone"] for t in tasks),
                         {"us-east-1a": 2, "us-east-1b": 2})
        # memberOf with the query language: only zone b
        out = self.ecs.run_task(cluster="spread", taskDefinition="sp", count=3, placementConstraints=[
            {"type": "memberOf", "expression": "attribute:ecs.availability-zone in [us-east-1b]"}])
        self.assertEqual({t["availabilityZone"] for t in out["tasks"]}, {"us-east-1b"})
        out = self.ecs.run_task(cluster="spread", taskDefinition="sp", placementConstraints=[
            {"type": "memberOf", "expression": "attribute:ecs.instance-type == m5.large"}])
        self.assertEqual(out["tasks"], [])
        self.assertEqual({f["reason"] for f in out["failures"]},
                         {"MemberOf placement constraint unsatisfied."})
        with self.assertRaises(self.ecs.exceptions.InvalidParameterException):
            self.ecs.run_task(cluster="spread", taskDefinition="sp", placementConstraints=[
                {"type": "memberOf", "expression": "attribute:ecs.instance-type in [a"}])

    def test_binpack_memory_and_insufficient_memory_event(self):
        self.ecs.create_cluster(clusterName="pack")
        self.register("pk", containers=[{"name": "a", "image": "x", "memory": 300}])
        out = self.ecs.run_task(cluster="pack", taskDefinition="pk", count=3,
                                placementStrategy=[{"type": "binpack", "field": "memory"}])
        self.assertEqual(len({t["containerInstanceArn"] for t in out["tasks"]}), 1)
        used = out["tasks"][0]["containerInstanceArn"]
        ci = self.instances("pack")[used]
        self.assertEqual({r["name"]: r.get("integerValue") for r in ci["remainingResources"]
                          if r["type"] == "INTEGER"}, {"CPU": 1024, "MEMORY": 124})
        # a task that fits nowhere: the event names the closest instance
        self.register("huge", containers=[{"name": "a", "image": "x", "memory": 2000}])
        self.ecs.create_service(cluster="pack", serviceName="huge", taskDefinition="huge",
                                desiredCount=1)
        svc = self.poll(lambda: (lambda s: s if any("unable to place" in e["message"]
                                                    for e in s["events"]) else None)(
            self.describe("pack", "huge")))
        msg = [e["message"] for e in svc["events"] if "unable to place" in e["message"]][0]
        self.assertRegex(msg, r"^\(service huge\) was unable to place a task because no "
                              r"container instance met all of its requirements\. The closest "
                              r"matching \(container-instance [0-9a-f]{32}\) has insufficient "
                              r"memory available\. For more information, see the "
                              r"Troubleshooting section of the Amazon ECS Developer Guide\.$")
        self.assertEqual(svc["runningCount"], 0)

    def test_distinct_instance_and_host_ports(self):
        self.ecs.create_cluster(clusterName="distinct")
        self.register("di", containers=SMALL)
        self.ecs.create_service(cluster="distinct", serviceName="di", taskDefinition="di",
                                desiredCount=4, placementConstraints=[{"type": "distinctInstance"}])
        svc = self.poll(lambda: (lambda s: s if s["runningCount"] == 3 else None)(
            self.describe("distinct", "di")))
        self.assertTrue(any("does not satisfy the placement constraints" in e["message"]
                            for e in svc["events"]), svc["events"])
        self.assertEqual(len({t["containerInstanceArn"] for t in
                              self.tasks("distinct", serviceName="di")}), 3)
        # a fixed host port in bridge mode: one task per instance
        self.register("port", containers=[{"name": "a", "image": "x", "memory": 32,
                                           "portMappings": [{"containerPort": 80,
                                                             "hostPort": 80}]}])
        out = self.ecs.run_task(cluster="distinct", taskDefinition="port", count=5)
        self.assertEqual(len(out["tasks"]), 3)
        self.assertEqual({f["reason"] for f in out["failures"]}, {"RESOURCE:PORTS"})

    def test_draining_replaces_service_tasks_within_limits(self):
        self.ecs.create_cluster(clusterName="drain")
        self.register("dn", containers=SMALL)
        self.ecs.create_service(cluster="drain", serviceName="dn", taskDefinition="dn",
                                desiredCount=3, deploymentConfiguration={
                                    "minimumHealthyPercent": 50, "maximumPercent": 100})
        self.wait_stable("drain", ["dn"])
        victim = self.tasks("drain", serviceName="dn")[0]["containerInstanceArn"]
        out = self.ecs.update_container_instances_state(cluster="drain",
                                                        containerInstances=[victim],
                                                        status="DRAINING")
        self.assertEqual(out["containerInstances"][0]["status"], "DRAINING")
        self.wait_stable("drain", ["dn"])
        tasks = self.tasks("drain", serviceName="dn")
        self.assertEqual(len(tasks), 3)
        self.assertNotIn(victim, {t["containerInstanceArn"] for t in tasks})
        events = [e["message"] for e in self.describe("drain", "dn")["events"]]
        # maximumPercent 100: the old task stopped before its replacement started
        stop_at = next(i for i, m in enumerate(events) if "has stopped 1 running tasks" in m)
        start_at = next(i for i, m in enumerate(events) if "has started 1 tasks" in m)
        self.assertGreater(stop_at, start_at)
        self.assertEqual(self.instances("drain")[victim]["runningTasksCount"], 0)
        # nothing new lands on it
        self.ecs.update_service(cluster="drain", service="dn", desiredCount=6)
        self.wait_stable("drain", ["dn"])
        self.assertNotIn(victim, {t["containerInstanceArn"] for t in
                                  self.tasks("drain", serviceName="dn")})

    def test_daemon_follows_instances(self):
        self.ecs.create_cluster(clusterName="daemon")
        self.register("dmn", containers=SMALL)
        svc = self.ecs.create_service(cluster="daemon", serviceName="agent", taskDefinition="dmn",
                                      schedulingStrategy="DAEMON")["service"]
        self.assertEqual(svc["schedulingStrategy"], "DAEMON")
        self.assertEqual((svc["deploymentConfiguration"]["maximumPercent"],
                          svc["deploymentConfiguration"]["minimumHealthyPercent"]), (100, 0))
        self.wait_stable("daemon", ["agent"])
        svc = self.describe("daemon", "agent")
        self.assertEqual((svc["desiredCount"], svc["runningCount"]), (3, 3))
        per = collections.Counter(t["containerInstanceArn"] for t in
                                  self.tasks("daemon", serviceName="agent"))
        self.assertEqual(sorted(per.values()), [1, 1, 1])
        self.assertEqual(self.ecs.list_services(cluster="daemon", schedulingStrategy="DAEMON")
                         ["serviceArns"], [svc["serviceArn"]])
        # a new instance gets one; a draining one loses it
        new = self.ecs.register_container_instance(
            cluster="daemon", instanceIdentityDocument=json.dumps(
                {"availabilityZone": "us-east-1c", "instanceType": "t3.small"}),
            totalResources=[{"name": "CPU", "type": "INTEGER", "integerValue": 512},
                            {"name": "MEMORY", "type": "INTEGER", "integerValue": 512}]
        )["containerInstance"]["containerInstanceArn"]
        self.wait_stable("daemon", ["agent"])
        self.assertEqual(self.describe("daemon", "agent")["runningCount"], 4)
        self.assertIn(new, {t["containerInstanceArn"] for t in
                            self.tasks("daemon", serviceName="agent")})
        old = sorted(per)[0]
        self.ecs.update_container_instances_state(cluster="daemon", containerInstances=[old],
                                                  status="DRAINING")
        self.wait_stable("daemon", ["agent"])
        svc = self.describe("daemon", "agent")
        self.assertEqual((svc["desiredCount"], svc["runningCount"]), (3, 3))
        self.ecs.deregister_container_instance(cluster="daemon", containerInstance=new,
                                               force=True)
        self.wait_stable("daemon", ["agent"])
        self.assertEqual(self.describe("daemon", "agent")["runningCount"], 2)
        # memberOf: only zone a (one ACTIVE instance left there)
        self.ecs.update_service(cluster="daemon", service="agent", placementConstraints=[
            {"type": "memberOf", "expression": "attribute:ecs.availability-zone == us-east-1a"}])
        self.wait_stable("daemon", ["agent"])
        azs = self.az_of("daemon")
        self.assertEqual({azs[t["containerInstanceArn"]] for t in
                          self.tasks("daemon", serviceName="agent")}, {"us-east-1a"})

    def test_daemon_rolls_a_new_revision(self):
        self.ecs.create_cluster(clusterName="roll")
        self.register("rl", containers=[{"name": "a", "image": "x:1", "memory": 64,
                                         "portMappings": [{"containerPort": 80,
                                                           "hostPort": 80}]}])
        self.ecs.create_service(cluster="roll", serviceName="d", taskDefinition="rl",
                                schedulingStrategy="DAEMON")
        self.wait_stable("roll", ["d"])
        td2 = self.register("rl", containers=[{"name": "a", "image": "x:2", "memory": 64,
                                               "portMappings": [{"containerPort": 80,
                                                                 "hostPort": 80}]}])
        self.ecs.update_service(cluster="roll", service="d", taskDefinition="rl")
        self.wait_stable("roll", ["d"])
        svc = self.describe("roll", "d")
        self.assertEqual(len(svc["deployments"]), 1)
        self.assertEqual(svc["deployments"][0]["rolloutState"], "COMPLETED")
        tasks = self.tasks("roll", serviceName="d")
        self.assertEqual({t["taskDefinitionArn"] for t in tasks}, {td2["taskDefinitionArn"]})
        self.assertEqual(len(tasks), 2)

    def test_daemon_refusals(self):
        self.ecs.create_cluster(clusterName="roll")
        self.register("rf", containers=SMALL)
        with self.assertRaises(self.ecs.exceptions.InvalidParameterException):
            self.ecs.create_service(cluster="roll", serviceName="x", taskDefinition="rf",
                                    schedulingStrategy="DAEMON",
                                    placementStrategy=[{"type": "random"}])

    def test_no_active_instance(self):
        self.ecs.create_cluster(clusterName="empty")
        self.register("em", containers=SMALL)
        with self.assertRaises(self.ecs.exceptions.InvalidParameterException) as e:
            self.ecs.run_task(cluster="empty", taskDefinition="em")
        self.assertEqual(e.exception.response["Error"]["Message"],
                         "No Container Instances were found in your cluster.")


if __name__ == "__main__":
    unittest.main(warnings="ignore")
