"""The AWS CLI (Debian's /usr/bin/aws) against ecs-local: list-clusters,
describe-services and `aws ecs wait services-stable`."""
import json
import os
import subprocess
import unittest

from ecslocal import ServerTest

AWS = "/usr/bin/aws"


@unittest.skipUnless(os.path.exists(AWS), "Debian's awscli is not installed")
class AwsCli(ServerTest):
    # the CLI waiter polls every 15 s: be stable by its first look
    server_args = ("--time-scale", "1000", "--instances", "cli-ec2=2:type=t3.large")

    def aws(self, *args, check=True):
        env = dict(os.environ, AWS_ACCESS_KEY_ID="AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY="secret",
                   AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE="/dev/null",
                   AWS_SHARED_CREDENTIALS_FILE="/dev/null", AWS_PAGER="")
        p = subprocess.run([AWS, "--endpoint-url", self.server.url, "--output", "json",
                            "ecs", *args], capture_output=True, text=True, env=env, timeout=120)
        if check:
            self.assertEqual(p.returncode, 0, p.stderr)
        return p

    def test_cli_round_trip(self):
        self.aws("create-cluster", "--cluster-name", "cli")
        out = json.loads(self.aws("list-clusters").stdout)
        self.assertIn("arn:aws:ecs:us-east-1:123456789012:cluster/cli", out["clusterArns"])
        self.aws("register-task-definition", "--family", "cli", "--container-definitions",
                 '[{"name":"a","image":"nginx","memory":64}]')
        self.aws("create-service", "--cluster", "cli", "--service-name", "web",
                 "--task-definition", "cli", "--desired-count", "2")
        self.aws("wait", "services-stable", "--cluster", "cli", "--services", "web")
        out = json.loads(self.aws("describe-services", "--cluster", "cli", "--services",
                                  "web").stdout)
        svc = out["services"][0]
        self.assertEqual((svc["runningCount"], svc["desiredCount"]), (2, 2))
        self.assertEqual(svc["deployments"][0]["rolloutState"], "COMPLETED")

    def test_cli_container_instances(self):
        self.aws("create-cluster", "--cluster-name", "cli-ec2")
        arns = json.loads(self.aws("list-container-instances", "--cluster", "cli-ec2",
                                   "--filter", "attribute:ecs.instance-type == t3.large")
                          .stdout)["containerInstanceArns"]
        self.assertEqual(len(arns), 2)
        self.aws("put-attributes", "--cluster", "cli-ec2", "--attributes",
                 "name=stack,value=blue,targetId=%s" % arns[0])
        out = json.loads(self.aws("describe-container-instances", "--cluster", "cli-ec2",
                                  "--container-instances", *arns).stdout)
        self.assertEqual([c["status"] for c in out["containerInstances"]], ["ACTIVE"] * 2)
        self.assertIn({"name": "stack", "value": "blue"}, out["containerInstances"][0]["attributes"])

    def test_cli_error(self):
        p = self.aws("describe-services", "--cluster", "nope", "--services", "x", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("ClusterNotFoundException", p.stderr)
        self.assertIn("Cluster not found.", p.stderr)


if __name__ == "__main__":
    unittest.main(warnings="ignore")
