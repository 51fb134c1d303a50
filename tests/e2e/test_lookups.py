"""Lookups end to end: ${ssm:...}, ${cfn:...} and ${tfstate:...} answered by
loopback stand-ins speaking SSM's JSON 1.1, CloudFormation's query protocol
and S3's REST XML (awsstandins.py), every request's SigV4 checked with
botocore; each lookup asked once per run and SSM's in batches of ten; a
SecureString masked in render and plan but sent to ECS; each failure an
error at the file:line:col that used it, before any write."""
import json
import os
import unittest

import boto3

from awsstandins import S3, CloudFormation, Ssm
from ecslocal import ServerRepoCase, delta, ecsctl, writes

STATE = {
    "version": 4, "terraform_version": "1.7.5", "serial": 3, "lineage": "l-1",
    "outputs": {
        "private_subnets": {"value": ["subnet-a1", "subnet-b2"],
                            "type": ["list", "string"]},
        "db_password": {"value": "tf-sensitive-pw", "type": "string", "sensitive": True},
    },
    "resources": [
        {"module": "module.net[\"eu\"]", "mode": "managed", "type": "aws_security_group",
         "name": "web", "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
         "instances": [{"schema_version": 1, "attributes": {"id": "sg-0eu"}}]},
    ],
}

LOCAL_STATE = {
    "version": 4, "outputs": {},
    "resources": [
        {"mode": "managed", "type": "aws_lb_target_group", "name": "web", "each": "map",
         "instances": [
             {"index_key": "blue", "attributes": {"arn": "arn:aws:elasticloadbalancing:"
                                                         "us-east-1:111122223333:targetgroup/"
                                                         "blue/1", "port": 80}},
             {"index_key": "green", "attributes": {"arn": "arn:tg/green", "port": 8080}}]},
    ],
}

CLUSTER = "kind: Cluster\nclusterName: lk\n"

# 12 SSM names: two GetParameters calls (10 + 2)
SSM_ENV = "".join("    - {name: P%d, value: \"${ssm:/shop/p%d}\"}\n" % (i, i) for i in range(10))

TASK = """kind: TaskDefinition
family: lk-web
cpu: "256"
memory: "512"
networkMode: awsvpc
requiresCompatibilities: [FARGATE]
containerDefinitions:
  - name: web
    image: nginx:${ssm:/shop/image-tag}
    essential: true
    environment:
    - {name: DB_HOST, value: "${cfn:shop-db/Endpoint}"}
    - {name: DB_PORT, value: "${cfn:shop-db.Port}"}
    - {name: QUEUE_URL, value: "${cfn:shop-queue/Url}"}
    - {name: DATABASE_URL, value: "postgres://app:${ssm:/shop/db-password}@db/shop"}
    - {name: TF_PW, value: "${tfstate:s3://tf-state/shop/prod.tfstate#outputs.db_password}"}
    - {name: TG, value: "${tfstate:infra/state.json#aws_lb_target_group.web[\\"blue\\"].arn}"}
""" + SSM_ENV

SERVICE = """kind: Service
cluster: lk
serviceName: web
taskDefinition: lk-web
desiredCount: ${ssm:/shop/web-count}
launchType: FARGATE
networkConfiguration:
  awsvpcConfiguration:
    subnets: ${tfstate:s3://tf-state/shop/prod.tfstate#outputs.private_subnets}
    securityGroups:
    - ${tfstate:s3://tf-state/shop/prod.tfstate#module.net["eu"].aws_security_group.web.id}
"""


def params():
    p = {"/shop/p%d" % i: ("String", "v%d" % i) for i in range(10)}
    p.update({"/shop/image-tag": ("String", "1.25.3"), "/shop/web-count": ("String", "2"),
              "/shop/db-password": ("SecureString", "hunter2-from-ssm")})
    return p


class LookupsTest(ServerRepoCase):
    def setUp(self):
        super().setUp()
        self.ssm = Ssm(params()).start()
        self.cfn = CloudFormation({"shop-db": {"Endpoint": "db.internal", "Port": "5432"},
                                   "shop-queue": {"Url": "https://sqs/q"}}).start()
        self.s3 = S3({"tf-state": {"shop/prod.tfstate": json.dumps(STATE).encode()}}).start()
        self.repo.write("lk/cluster.yaml", CLUSTER)
        self.repo.write("lk/web.yaml", TASK + "---\n" + SERVICE)
        self.repo.write("lk/infra/state.json", json.dumps(LOCAL_STATE))
        self.repo.commit("lookups")
        self.endpoints = dict(AWS_ENDPOINT_URL_SSM=self.ssm.url,
                              AWS_ENDPOINT_URL_CLOUDFORMATION=self.cfn.url,
                              AWS_ENDPOINT_URL_S3=self.s3.url)

    def tearDown(self):
        for s in (self.ssm, self.cfn, self.s3):
            s.stop()
        super().tearDown()

    def lk(self, *args, expect=0):
        r = ecsctl(self.server, self.repo, *args, path="lk", **self.endpoints)
        self.assertEqual(r.returncode, expect, "%s: %s\n%s" % (args, r.stdout, r.stderr))
        return r

    def forget(self):
        for s in (self.ssm, self.cfn, self.s3):
            s.seen.clear()

    def assert_signed(self):
        for s in (self.ssm, self.cfn, self.s3):
            for req in s.seen:
                self.assertIsNone(req["sigv4"], req)

    def test_render_apply_plan(self):
        r = self.lk("render")
        self.assert_signed()
        # once per run: two SSM batches (10 + 3 names), one call per stack, one GET
        self.assertEqual(sorted(len(b) for b in self.ssm.batches()), [3, 10])
        self.assertEqual(sorted(sum(self.ssm.batches(), [])), sorted(params()))
        self.assertEqual(sorted(self.cfn.stack_names()), ["shop-db", "shop-queue"])
        self.assertEqual(self.s3.paths(), ["/tf-state/shop/prod.tfstate"])
        doc = json.loads(r.stdout)
        td = doc["taskDefinitions"][0]
        c = td["containerDefinitions"][0]
        env = {e["name"]: e["value"] for e in c["environment"]}
        self.assertEqual(c["image"], "nginx:1.25.3")
        self.assertEqual((env["DB_HOST"], env["DB_PORT"], env["QUEUE_URL"]),
                         ("db.internal", "5432", "https://sqs/q"))
        self.assertEqual(env["P7"], "v7")
        self.assertEqual(env["TG"], "arn:aws:elasticloadbalancing:us-east-1:111122223333:"
                                    "targetgroup/blue/1")
        # secret: a SecureString inside a URL, a sensitive output
        self.assertEqual((env["DATABASE_URL"], env["TF_PW"]), ("(sensitive)", "(sensitive)"))
        self.assertNotIn("hunter2", r.stdout)
        self.assertNotIn("tf-sensitive-pw", r.stdout)
        svc = doc["services"][0]
        self.assertEqual(svc["desiredCount"], 2)  # an SSM "2" is the number 2
        net = svc["networkConfiguration"]["awsvpcConfiguration"]
        self.assertEqual(net["subnets"], ["subnet-a1", "subnet-b2"])  # a list output
        self.assertEqual(net["securityGroups"], ["sg-0eu"])

        self.forget()
        r = self.lk("apply", "--auto-approve", "--poll-interval", "100ms")
        self.assertNotIn("hunter2", r.stdout + r.stderr)
        self.assertEqual(len(self.ssm.batches()), 2)
        ecs = boto3.client("ecs", endpoint_url=self.server.url, region_name="us-east-1",
                           aws_access_key_id="AKIDTEST", aws_secret_access_key="secret")
        live = ecs.describe_task_definition(taskDefinition="lk-web")["taskDefinition"]
        env = {e["name"]: e["value"] for e in live["containerDefinitions"][0]["environment"]}
        self.assertEqual(env["DATABASE_URL"], "postgres://app:hunter2-from-ssm@db/shop")
        self.lk("plan", "--detailed-exitcode")

        # the secret rotates: the plan shows a change, never either value
        self.ssm.params["/shop/db-password"] = ("SecureString", "rotated-pw-2")
        for fmt in ("text", "json", "markdown"):
            r = self.lk("plan", "--detailed-exitcode", "--output", fmt, expect=2)
            self.assertIn("DATABASE_URL", r.stdout)
            for secret in ("hunter2", "rotated-pw-2"):
                self.assertNotIn(secret, r.stdout + r.stderr)
        # a saved plan holds the value (for its owner only) and masks it when applied
        plan = os.path.join(self.repo.dir, "plan.json")
        self.lk("plan", "-o", plan)
        self.assertEqual(os.stat(plan).st_mode & 0o777, 0o600)
        r = ecsctl(self.server, self.repo, "apply", plan, "--auto-approve", "--poll-interval",
                   "100ms", path=None, **self.endpoints)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("DATABASE_URL", r.stdout + r.stderr)
        self.assertNotIn("rotated-pw-2", r.stdout + r.stderr)
        live = ecs.describe_task_definition(taskDefinition="lk-web")["taskDefinition"]
        env = {e["name"]: e["value"] for e in live["containerDefinitions"][0]["environment"]}
        self.assertEqual(env["DATABASE_URL"], "postgres://app:rotated-pw-2@db/shop")

    def test_failures_name_the_use_and_write_nothing(self):
        self.repo.write("lk/web.yaml", TASK.replace("/shop/image-tag", "/shop/missing")
                        .replace("shop-queue/Url", "shop-gone/Url")
                        .replace("shop-db.Port", "shop-db.NoSuchOutput")
                        .replace("prod.tfstate#outputs.db_password", "nope.tfstate#outputs.x")
                        .replace('web[\\"blue\\"]', 'web[\\"red\\"]') + "---\n" + SERVICE)
        self.repo.commit("broken")
        before = self.server.stats()
        r = self.lk("plan", expect=1)
        self.assertEqual(writes(delta(before, self.server.stats())), {})
        self.assertEqual(r.stderr.splitlines(), [
            "error: lk/web.yaml:9:18: ${ssm:/shop/missing}: parameter '/shop/missing' does "
            "not exist (or these credentials may not read it)",
            "error: lk/web.yaml:13:30: ${cfn:shop-db.NoSuchOutput}: stack 'shop-db' has no "
            "output 'NoSuchOutput' (it has Endpoint, Port)",
            "error: lk/web.yaml:14:32: ${cfn:shop-gone/Url}: stack 'shop-gone' does not exist "
            "in this account and region",
            "error: lk/web.yaml:16:28: ${tfstate:s3://tf-state/shop/nope.tfstate#outputs.x}: "
            "state 's3://tf-state/shop/nope.tfstate' does not exist (NoSuchKey)",
            "error: lk/web.yaml:17:25: ${tfstate:infra/state.json#aws_lb_target_group."
            "web[\"red\"].arn}: state 'infra/state.json': 'aws_lb_target_group.web' has no "
            "such instance",
            "error: 5 errors in the desired state"])
        # an API error reaches every lookup of the call
        self.ssm.deny = True
        self.repo.write("lk/web.yaml", TASK + "---\n" + SERVICE)
        self.repo.commit("fixed")
        r = self.lk("plan", expect=1)
        self.assertIn("error: lk/web.yaml:9:18: ${ssm:/shop/image-tag}: GetParameters: "
                      "AccessDeniedException: User is not authorized", r.stderr)
        self.assertIn("error: 13 errors in the desired state", r.stderr)

    def test_validate_is_offline(self):
        # no endpoints, no answers: the lookups' values are unknown, and nothing
        # that only follows from that is reported
        r = ecsctl(self.server, self.repo, "validate", path="lk")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "ok: 1 cluster, 1 task definition, 1 service\n")
        self.assertEqual(self.ssm.seen + self.cfn.seen + self.s3.seen, [])
        # an unknown scheme or a malformed reference is still an error
        self.repo.write("lk/cluster.yaml", CLUSTER + "tags:\n- {key: a, value: '${vault:x}'}\n"
                        "- {key: b, value: '${cfn:nostack}'}\n")
        self.repo.commit("bad refs")
        r = ecsctl(self.server, self.repo, "validate", path="lk")
        self.assertEqual(r.returncode, 1)
        self.assertIn("error: lk/cluster.yaml:4:19: unknown lookup 'vault:' (ssm, cfn or "
                      "tfstate)", r.stderr)
        self.assertIn("error: lk/cluster.yaml:5:19: '${cfn:nostack}' takes STACK/OutputKey",
                      r.stderr)

    def test_policy_grants_what_the_lookups_read(self):
        self.repo.write("lk/ecsctl.yaml", 'name: lk\nregion: us-east-1\naccountId: "123456789012"\n')
        self.repo.commit("account")
        for args in ((), ("--read-only",)):
            doc = json.loads(self.lk("policy", "--account", "123456789012", *args).stdout)
            by = {s["Sid"]: s for s in doc["Statement"]}
            ssm = by["EcsctlLookupSsm"]
            self.assertEqual(ssm["Action"], "ssm:GetParameters")
            self.assertEqual(sorted(ssm["Resource"]), sorted(
                "arn:aws:ssm:us-east-1:123456789012:parameter" + p for p in params()))
            cfn = by["EcsctlLookupCloudFormation"]
            self.assertEqual((cfn["Action"], sorted(cfn["Resource"])),
                             ("cloudformation:DescribeStacks",
                              ["arn:aws:cloudformation:us-east-1:123456789012:stack/%s/*" % s
                               for s in ("shop-db", "shop-queue")]))
            # the state in S3 only: the one in the repository reads no AWS
            tf = by["EcsctlLookupTerraformState"]
            self.assertEqual((tf["Action"], tf["Resource"]),
                             ("s3:GetObject", ["arn:aws:s3:::tf-state/shop/prod.tfstate"]))
            self.assertEqual(by["EcsctlAccountGuard"]["Action"], "sts:GetCallerIdentity")
        # without lookups or accountId: none of these statements
        self.repo.remove("lk/web.yaml")
        self.repo.remove("lk/infra/state.json")
        self.repo.write("lk/ecsctl.yaml", "name: lk\n")
        self.repo.commit("no lookups")
        doc = json.loads(self.lk("policy").stdout)
        self.assertFalse([s for s in doc["Statement"]
                          if s["Sid"].startswith(("EcsctlLookup", "EcsctlAccount"))])


if __name__ == "__main__":
    unittest.main()
