"""Preflight end to end: a repository holding what ECS would refuse fails
validate, plan and apply with file:line:col and the rule's name, and not one
request reaches ecs-local (docs/preflight.md)."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from ecslocal import (BARE_SERVICE, BARE_TASKDEF, ServerRepoCase, delta, ecsctl,  # noqa: E402
                      redigest, writes)

CLUSTER = "kind: Cluster\nclusterName: shop\n"
TASKDEF = BARE_TASKDEF + """    logConfiguration:
      logDriver: awslogs
      options: {awslogs-group: /ecs/web, awslogs-region: us-east-1, awslogs-stream-prefix: web}
"""
SERVICE = BARE_SERVICE.replace("desiredCount: 2", "desiredCount: 1") + """networkConfiguration: {awsvpcConfiguration: {subnets: [subnet-1]}}
loadBalancers:
  - {targetGroupArn: "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/web/1", containerName: app, containerPort: 80}
"""

EXPECTED = [
    "error: deploy/svc.yaml:9:99: loadBalancers[0] names container 'app', which "
    "TaskDefinition 'web' (deploy/td.yaml:1:1) does not have (rule: load-balancer-container)",
    "error: deploy/td.yaml:12:18: a FARGATE task definition with the awslogs log driver needs "
    "'executionRoleArn' (the role that writes the logs) (rule: fargate-execution-role)",
    "error: 2 errors in the desired state",
]


class Preflight(ServerRepoCase):
    # a service ECS would refuse
    repo_source = None
    repo_files = {"deploy/cluster.yaml": CLUSTER, "deploy/td.yaml": TASKDEF,
                  "deploy/svc.yaml": SERVICE}

    def test_validate_plan_apply_stop_before_any_request(self):
        before = self.server.stats()
        for args in (("validate",), ("plan",), ("apply", "--auto-approve")):
            r = ecsctl(self.server, self.repo, *args, path="deploy")
            self.assertEqual(r.returncode, 1, args)
            self.assertEqual(r.stderr.splitlines(), EXPECTED, args)
        self.assertEqual(delta(before, self.server.stats()), {})

    def test_fixed_repository_applies(self):
        self.fix()
        r = ecsctl(self.server, self.repo, "apply", "--auto-approve", "--no-wait", path="deploy")
        self.assertEqual(r.returncode, 0, r.stderr)

    def fix(self):
        self.repo.write("deploy/td.yaml", TASKDEF.replace(
            "cpu: 256", "cpu: 256\nexecutionRoleArn: arn:aws:iam::1:role/ecsTaskExecutionRole"))
        self.repo.write("deploy/svc.yaml", SERVICE.replace("containerName: app",
                                                           "containerName: web"))
        self.repo.commit("fixed")

    def test_saved_plan_is_checked_before_the_first_write(self):
        self.fix()
        path = os.path.join(self.repo.dir, "plan.json")
        r = ecsctl(self.server, self.repo, "plan", "-o", path, path="deploy")
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(path) as f:
            doc = json.load(f)
        # a hand edit of the desired state it carries (apply plans that again)
        # leaves a request ECS refuses
        for svc in doc["saved"]["desired"]["model"]["services"]:
            svc["loadBalancers"][0]["containerName"] = "app"
        redigest(doc)
        with open(path, "w") as f:
            json.dump(doc, f)
        before = self.server.stats()
        r = ecsctl(self.server, self.repo, "apply", path, path=None)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("1 request of the plan would be refused by ECS:\n"
                      "  CreateService request of Service 'shop/web': loadBalancers[0] names "
                      "container 'app', which its task definition does not have (rule: "
                      "load-balancer-container)", r.stderr)
        self.assertEqual(writes(delta(before, self.server.stats())), {})

    def test_plan_checks_a_pinned_revision_read_from_ecs(self):
        ecs = self.server.client()
        ecs.register_task_definition(family="ext", containerDefinitions=[
            {"name": "api", "image": "nginx", "memory": 64}])
        # the service runs ext:1 already: the plan reads that revision
        ecs.create_cluster(clusterName="shop")
        ecs.create_service(cluster="shop", serviceName="api", taskDefinition="ext:1",
                           desiredCount=1, launchType="EC2")
        self.repo.remove("deploy/td.yaml")
        self.repo.write("deploy/svc.yaml", """kind: Service
cluster: shop
serviceName: api
taskDefinition: ext:1
desiredCount: 1
launchType: EC2
loadBalancers: [{targetGroupArn: tg, containerName: api, containerPort: 8080}]
""")
        self.repo.commit("a service on a revision defined elsewhere")
        before = self.server.stats()
        for args in (("plan",), ("apply", "--auto-approve")):
            r = ecsctl(self.server, self.repo, *args, path="deploy")
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn("UpdateService request of Service 'shop/api': loadBalancers[0] sends "
                          "to port 8080 of container 'api', which has no port mapping with "
                          "that containerPort in its task definition (rule: "
                          "load-balancer-container)", r.stderr)
        self.assertEqual(writes(delta(before, self.server.stats())), {})


if __name__ == "__main__":
    unittest.main()
