"""What RegisterTaskDefinition fills in (ecsctl's "no perpetual diff" rests on
it), revisions and deregistration, and tags on every taggable resource."""
import unittest

from ecslocal import ServerTest


class TaskDefinitionDefaults(ServerTest):
    def test_bridge_defaults(self):
        td = self.ecs.register_task_definition(
            family="def-bridge",
            containerDefinitions=[{"name": "web", "image": "nginx", "memory": 256,
                                   "portMappings": [{"containerPort": 80}]}])["taskDefinition"]
        self.assertEqual(td["taskDefinitionArn"], self.arn("task-definition/def-bridge:1"))
        self.assertEqual((td["revision"], td["status"], td["networkMode"]), (1, "ACTIVE", "bridge"))
        self.assertEqual(td["compatibilities"], ["EC2"])
        self.assertEqual(td["volumes"], [])
        self.assertEqual(td["placementConstraints"], [])
        self.assertEqual(td["registeredBy"], "arn:aws:iam::123456789012:root")
        self.assertIn("registeredAt", td)
        c = td["containerDefinitions"][0]
        self.assertEqual((c["essential"], c["cpu"]), (True, 0))
        self.assertEqual(c["portMappings"], [{"containerPort": 80, "hostPort": 0,
                                              "protocol": "tcp"}])
        for key in ("environment", "mountPoints", "volumesFrom"):
            self.assertEqual(c[key], [])

    def test_fargate_defaults_and_units(self):
        td = self.ecs.register_task_definition(
            family="def-fg", networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
            cpu="1 vCPU", memory="2GB", executionRoleArn="arn:aws:iam::123456789012:role/x",
            taskRoleArn="arn:aws:iam::123456789012:role/t",
            containerDefinitions=[{
                "name": "api", "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/api:1",
                "essential": True,
                "portMappings": [{"containerPort": 8080, "protocol": "udp"}],
                "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "g"}},
            }])["taskDefinition"]
        self.assertEqual((td["cpu"], td["memory"]), ("1024", "2048"))
        self.assertEqual(td["compatibilities"], ["EC2", "FARGATE"])
        self.assertEqual(td["requiresCompatibilities"], ["FARGATE"])
        self.assertEqual(td["containerDefinitions"][0]["portMappings"],
                         [{"containerPort": 8080, "hostPort": 8080, "protocol": "udp"}])
        attrs = {a["name"] for a in td["requiresAttributes"]}
        for want in ("ecs.capability.task-eni", "com.amazonaws.ecs.capability.task-iam-role",
                     "com.amazonaws.ecs.capability.logging-driver.awslogs",
                     "ecs.capability.execution-role-awslogs",
                     "ecs.capability.execution-role-ecr-pull",
                     "com.amazonaws.ecs.capability.ecr-auth",
                     "com.amazonaws.ecs.capability.docker-remote-api.1.19",
                     "com.amazonaws.ecs.capability.docker-remote-api.1.18"):
            self.assertIn(want, attrs)

    def test_host_mode_and_awsvpc_port_rules(self):
        td = self.register("def-host", networkMode="host", containers=[
            {"name": "a", "image": "x", "memory": 8, "portMappings": [{"containerPort": 9}]}])
        self.assertEqual(td["containerDefinitions"][0]["portMappings"][0]["hostPort"], 9)
        with self.assertRaises(self.ecs.exceptions.ClientException):
            self.register("def-vpc", networkMode="awsvpc", containers=[
                {"name": "a", "image": "x", "memory": 8,
                 "portMappings": [{"containerPort": 9, "hostPort": 10}]}])

    def test_rejections(self):
        cases = [
            dict(family="bad", networkMode="bridge", requiresCompatibilities=["FARGATE"],
                 cpu="256", memory="512"),
            dict(family="bad", networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
                 cpu="256", memory="4096"),
            dict(family="bad"),  # container without memory on EC2
            dict(family="bad bad"),
        ]
        for kw in cases:
            with self.subTest(kw=kw), self.assertRaises(self.ecs.exceptions.ClientException):
                self.ecs.register_task_definition(
                    containerDefinitions=[{"name": "a", "image": "x"}], **kw)
        with self.assertRaises(self.ecs.exceptions.ClientException):
            self.register("bad", containers=[{"name": "a", "image": "x", "memory": 8},
                                             {"name": "a", "image": "y", "memory": 8}])
        with self.assertRaises(self.ecs.exceptions.ClientException):
            self.register("bad", containers=[{"name": "a", "image": "x", "memory": 8,
                                              "essential": False}])

    def test_revisions_and_deregister(self):
        for _ in range(3):
            self.register("def-rev")
        out = self.ecs.deregister_task_definition(taskDefinition="def-rev:3")["taskDefinition"]
        self.assertEqual(out["status"], "INACTIVE")
        self.assertIn("deregisteredAt", out)
        latest = self.ecs.describe_task_definition(taskDefinition="def-rev")["taskDefinition"]
        self.assertEqual(latest["revision"], 2)
        self.assertEqual(self.register("def-rev")["revision"], 4)
        inactive = self.ecs.list_task_definitions(familyPrefix="def-rev",
                                                  status="INACTIVE")["taskDefinitionArns"]
        self.assertEqual(inactive, [self.arn("task-definition/def-rev:3")])
        with self.assertRaises(self.ecs.exceptions.ClientException):
            self.ecs.deregister_task_definition(taskDefinition="def-rev")
        self.ecs.create_cluster(clusterName="tdc")
        with self.assertRaises(self.ecs.exceptions.ClientException):
            self.ecs.create_service(cluster="tdc", serviceName="s", desiredCount=0,
                                    taskDefinition="def-rev:3")
        by_arn = self.ecs.describe_task_definition(
            taskDefinition=self.arn("task-definition/def-rev:1"))["taskDefinition"]
        self.assertEqual(by_arn["revision"], 1)


class Tags(ServerTest):
    def test_round_trip_on_every_resource(self):
        cluster = self.ecs.create_cluster(clusterName="tg", tags=[
            {"key": "team", "value": "a"}])["cluster"]
        self.assertEqual(cluster["tags"], [{"key": "team", "value": "a"}])
        td = self.ecs.register_task_definition(
            family="tg", containerDefinitions=[{"name": "a", "image": "x", "memory": 8}],
            tags=[{"key": "ecsctl:owner", "value": "shop"}])
        self.assertEqual(td["tags"], [{"key": "ecsctl:owner", "value": "shop"}])
        svc = self.ecs.create_service(cluster="tg", serviceName="s", taskDefinition="tg",
                                      desiredCount=1, tags=[{"key": "k", "value": "v"}])["service"]
        self.assertNotIn("tags", svc)
        task = self.ecs.run_task(cluster="tg", taskDefinition="tg")["tasks"][0]
        for arn in (cluster["clusterArn"], td["taskDefinition"]["taskDefinitionArn"],
                    svc["serviceArn"], task["taskArn"]):
            with self.subTest(arn=arn):
                self.ecs.tag_resource(resourceArn=arn, tags=[{"key": "x", "value": "1"},
                                                             {"key": "y", "value": ""}])
                self.ecs.tag_resource(resourceArn=arn, tags=[{"key": "x", "value": "2"}])
                self.ecs.untag_resource(resourceArn=arn, tagKeys=["y"])
                tags = self.ecs.list_tags_for_resource(resourceArn=arn)["tags"]
                self.assertIn({"key": "x", "value": "2"}, tags)
                self.assertNotIn("y", [t["key"] for t in tags])
        described = self.ecs.describe_services(cluster="tg", services=["s"],
                                               include=["TAGS"])["services"][0]
        self.assertEqual(described["tags"], [{"key": "k", "value": "v"},
                                             {"key": "x", "value": "2"}])
        plain = self.ecs.describe_clusters(clusters=["tg"])["clusters"][0]
        self.assertEqual(plain["tags"], [])
        self.assertNotIn("settings", plain)  # only with include SETTINGS
        with_settings = self.ecs.describe_clusters(clusters=["tg"],
                                                   include=["SETTINGS"])["clusters"][0]
        self.assertEqual(with_settings["settings"],
                         [{"name": "containerInsights", "value": "disabled"}])
        full = self.ecs.describe_clusters(clusters=["tg"], include=["TAGS", "STATISTICS"])
        self.assertIn({"key": "team", "value": "a"}, full["clusters"][0]["tags"])
        self.assertTrue(full["clusters"][0]["statistics"])
        tdd = self.ecs.describe_task_definition(taskDefinition="tg", include=["TAGS"])
        self.assertIn({"key": "ecsctl:owner", "value": "shop"}, tdd["tags"])

    def test_tag_errors(self):
        self.ecs.create_cluster(clusterName="tge")
        arn = self.arn("cluster/tge")
        with self.assertRaises(self.ecs.exceptions.InvalidParameterException):
            self.ecs.tag_resource(resourceArn=arn, tags=[{"key": "aws:x", "value": "1"}])
        with self.assertRaises(self.ecs.exceptions.InvalidParameterException):
            self.ecs.tag_resource(resourceArn=arn, tags=[
                {"key": "k%d" % i, "value": "v"} for i in range(51)])
        with self.assertRaises(self.ecs.exceptions.ClusterNotFoundException):
            self.ecs.tag_resource(resourceArn=self.arn("cluster/ghost"),
                                  tags=[{"key": "a", "value": "b"}])
        with self.assertRaises(self.ecs.exceptions.ResourceNotFoundException):
            self.ecs.tag_resource(resourceArn=self.arn("service/tge/ghost"),
                                  tags=[{"key": "a", "value": "b"}])
        with self.assertRaises(self.ecs.exceptions.InvalidParameterException):
            self.ecs.list_tags_for_resource(resourceArn="arn:aws:s3:::bucket")


if __name__ == "__main__":
    unittest.main(warnings="ignore")
