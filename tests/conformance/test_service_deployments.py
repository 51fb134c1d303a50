"""Service deployments and service revisions with boto3 and the AWS CLI:
every rollout (ROLLING included) is one, ListServiceDeployments /
DescribeServiceDeployments / DescribeServiceRevisions read them,
StopServiceDeployment rolls back or aborts, the circuit breaker's rollback
shows in them, ECS's strategy rules are enforced, and the AWS developer
guide's blue/green service definition is accepted."""
import datetime
import json
import os
import subprocess
import unittest

import botocore.exceptions

from ecslocal import SRC, ServerTest

AWS = "/usr/bin/aws"
DOC_EXAMPLE = os.path.join(SRC, "tests", "data", "aws-docs", "blue-green-service-definition.json")
NET = {"awsvpcConfiguration": {"subnets": ["subnet-0abc1234def567890"]}}
LB = {"targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/b/1",
      "containerName": "app", "containerPort": 80}
ADVANCED = {"alternateTargetGroupArn":
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/g/2",
            "productionListenerRule":
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/l/1/2/3",
            "roleArn": "arn:aws:iam::123456789012:role/ecsInfrastructureRole"}
ENDED = ("SUCCESSFUL", "STOPPED", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED")


class ServiceDeployments(ServerTest):
    server_args = ("--time-scale", "100")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ecs.create_cluster(clusterName="sd")

    def service(self, name, image="nginx:1", **kw):
        self.register(name, image=image)
        self.ecs.create_service(cluster="sd", serviceName=name, taskDefinition=name,
                                desiredCount=kw.pop("desiredCount", 2), **kw)

    def update(self, name, image, **kw):
        self.register(name, image=image)
        return self.ecs.update_service(cluster="sd", service=name, taskDefinition=name,
                                       **kw)["service"]

    def wait_ended(self, arn, timeout=30.0):
        return self.poll(lambda: (lambda sd: sd if sd["status"] in ENDED else None)(
            self.service_deployment(arn)), timeout=timeout)

    def test_rolling_rollout_is_a_service_deployment(self):
        self.service("roll")
        first = self.describe("sd", "roll")["currentServiceDeployment"]
        self.assertRegex(first, r"^arn:aws:ecs:us-east-1:123456789012:service-deployment/sd/"
                                r"roll/[A-Za-z0-9_-]{20}$")
        self.assertEqual(self.wait_ended(first)["status"], "SUCCESSFUL")
        svc = self.update("roll", "nginx:2")
        second = svc["currentServiceDeployment"]
        self.assertNotEqual(first, second)
        sd, seen = self.follow(second)
        self.assertEqual(sd["status"], "SUCCESSFUL")
        self.assertEqual(sd["statusReason"], "Service deployment completed successfully.")
        self.assertEqual([s for s, _ in seen][-1], "CLEAN_UP")
        self.assertIn("finishedAt", sd)
        self.assertEqual(sd["deploymentCircuitBreaker"]["status"], "DISABLED")
        self.assertEqual(sd["alarms"]["status"], "DISABLED")
        target = sd["targetServiceRevision"]
        self.assertEqual((target["requestedTaskCount"], target["runningTaskCount"],
                          target["pendingTaskCount"]), (2, 2, 0))
        # a rolling rollout shifts no traffic: no weights
        self.assertNotIn("requestedProductionTrafficWeight", target)
        [source] = sd["sourceServiceRevisions"]
        self.assertEqual(source["runningTaskCount"], 0)
        first_sd = self.service_deployment(first)
        self.assertEqual(source["arn"], first_sd["targetServiceRevision"]["arn"])
        revs = self.ecs.describe_service_revisions(
            serviceRevisionArns=[target["arn"], source["arn"]])
        self.assertEqual(revs["failures"], [])
        new, old = revs["serviceRevisions"]
        self.assertEqual(new["containerImages"], [{"containerName": "app", "image": "nginx:2"}])
        self.assertEqual(old["containerImages"], [{"containerName": "app", "image": "nginx:1"}])
        self.assertTrue(new["taskDefinition"].endswith("task-definition/roll:2"))
        svc = self.describe("sd", "roll")
        self.assertEqual(svc["currentServiceRevisions"],
                         [{"arn": target["arn"], "requestedTaskCount": 2,
                           "runningTaskCount": 2, "pendingTaskCount": 0}])
        # deployments[] keep working as before
        self.assertEqual(svc["deployments"][0]["rolloutState"], "COMPLETED")

    def test_list_filters_and_pages(self):
        self.service("many")
        for n in range(2, 5):
            self.update("many", "nginx:%d" % n)
        arns = self.ecs.list_service_deployments(cluster="sd", service="many")
        briefs = arns["serviceDeployments"]
        self.assertEqual(len(briefs), 4)
        # newest first; the superseded ones are STOPPED
        self.assertEqual(briefs[0]["serviceDeploymentArn"],
                         self.describe("sd", "many")["currentServiceDeployment"])
        self.wait_ended(briefs[0]["serviceDeploymentArn"])
        briefs = self.ecs.list_service_deployments(cluster="sd",
                                                   service="many")["serviceDeployments"]
        self.assertEqual(briefs[0]["status"], "SUCCESSFUL")
        self.assertTrue(briefs[0]["targetServiceRevisionArn"].startswith(
            "arn:aws:ecs:us-east-1:123456789012:service-revision/sd/many/"))
        for b in briefs[1:]:
            self.assertIn(b["status"], ("STOPPED", "SUCCESSFUL"))
        stopped = self.ecs.list_service_deployments(cluster="sd", service="many",
                                                    status=["SUCCESSFUL"])["serviceDeployments"]
        self.assertTrue(all(b["status"] == "SUCCESSFUL" for b in stopped))
        page = self.ecs.list_service_deployments(cluster="sd", service="many", maxResults=3)
        rest = self.ecs.list_service_deployments(cluster="sd", service="many",
                                                 nextToken=page["nextToken"])
        self.assertEqual([b["serviceDeploymentArn"] for b in page["serviceDeployments"] +
                          rest["serviceDeployments"]],
                         [b["serviceDeploymentArn"] for b in briefs])
        later = self.ecs.list_service_deployments(
            cluster="sd", service="many",
            createdAt={"after": briefs[0]["createdAt"] + datetime.timedelta(seconds=1)})
        self.assertEqual(later["serviceDeployments"], [])
        with self.assertRaises(botocore.exceptions.ClientError) as e:
            self.ecs.list_service_deployments(cluster="sd", service="nope")
        self.assertEqual(e.exception.response["Error"]["Code"], "ServiceNotFoundException")

    def test_describe_missing_answers_failures(self):
        arn = self.arn("service-deployment/sd/nope/AAAAAAAAAAAAAAAAAAAA")
        out = self.ecs.describe_service_deployments(serviceDeploymentArns=[arn])
        self.assertEqual(out["serviceDeployments"], [])
        self.assertEqual(out["failures"], [{"arn": arn, "reason": "MISSING"}])
        rev = self.arn("service-revision/sd/nope/1234567890123456789")
        out = self.ecs.describe_service_revisions(serviceRevisionArns=[rev])
        self.assertEqual(out["failures"], [{"arn": rev, "reason": "MISSING"}])
        with self.assertRaises(botocore.exceptions.ClientError) as e:
            self.ecs.stop_service_deployment(serviceDeploymentArn=arn)
        self.assertEqual(e.exception.response["Error"]["Code"],
                         "ServiceDeploymentNotFoundException")

    def test_stop_with_rollback_restores_the_source(self):
        self.service("stop")
        self.wait_ended(self.describe("sd", "stop")["currentServiceDeployment"])
        # tasks of a `crashloop` image never run: the rollout stays in progress
        arn = self.update("stop", "nginx:crashloop")["currentServiceDeployment"]
        self.ecs.stop_service_deployment(serviceDeploymentArn=arn, stopType="ROLLBACK")
        sd = self.wait_ended(arn)
        self.assertEqual(sd["status"], "ROLLBACK_SUCCESSFUL")
        self.assertEqual(sd["rollback"]["reason"],
                         "Service deployment rolled back by StopServiceDeployment.")
        self.assertEqual(sd["rollback"]["serviceRevisionArn"],
                         sd["sourceServiceRevisions"][0]["arn"])
        svc = self.describe("sd", "stop")
        self.assertTrue(svc["taskDefinition"].endswith("task-definition/stop:1"))
        with self.assertRaises(botocore.exceptions.ClientError) as e:
            self.ecs.stop_service_deployment(serviceDeploymentArn=arn)
        self.assertEqual(e.exception.response["Error"]["Code"], "ConflictException")

    def test_abort_stops_without_rollback(self):
        self.service("abort")
        self.wait_ended(self.describe("sd", "abort")["currentServiceDeployment"])
        arn = self.update("abort", "nginx:crashloop")["currentServiceDeployment"]
        self.ecs.stop_service_deployment(serviceDeploymentArn=arn, stopType="ABORT")
        sd = self.wait_ended(arn)
        self.assertEqual(sd["status"], "STOPPED")
        self.assertEqual(sd["statusReason"],
                         "Service deployment stopped by StopServiceDeployment (ABORT).")
        self.assertIn("stoppedAt", sd)
        self.assertNotIn("rollback", sd)
        svc = self.describe("sd", "abort")
        self.assertTrue(svc["taskDefinition"].endswith("task-definition/abort:2"))
        self.assertEqual(svc["deployments"][0]["rolloutState"], "FAILED")

    def test_circuit_breaker_rollback_shows_in_the_service_deployment(self):
        self.service("cb", deploymentConfiguration={
            "deploymentCircuitBreaker": {"enable": True, "rollback": True}})
        self.wait_ended(self.describe("sd", "cb")["currentServiceDeployment"])
        arn = self.update("cb", "nginx:crashloop")["currentServiceDeployment"]
        self.assertEqual(self.service_deployment(arn)["deploymentCircuitBreaker"]["status"],
                         "MONITORING")
        sd = self.wait_ended(arn, timeout=60)
        self.assertEqual(sd["status"], "ROLLBACK_SUCCESSFUL")
        self.assertEqual(sd["statusReason"],
                         "ECS deployment circuit breaker: tasks failed to start.")
        cb = sd["deploymentCircuitBreaker"]
        self.assertEqual((cb["status"], cb["threshold"]), ("TRIGGERED", 3))
        self.assertGreaterEqual(cb["failureCount"], 3)
        self.assertEqual(sd["rollback"]["serviceRevisionArn"],
                         sd["sourceServiceRevisions"][0]["arn"])
        self.assertTrue(self.describe("sd", "cb")["taskDefinition"].endswith("cb:1"))

    def assertInvalid(self, message, **kw):
        with self.assertRaises(botocore.exceptions.ClientError) as e:
            self.ecs.create_service(cluster="sd", serviceName="bad", taskDefinition="bad-td",
                                    desiredCount=1, **kw)
        self.assertEqual(e.exception.response["Error"]["Code"], "InvalidParameterException")
        self.assertEqual(e.exception.response["Error"]["Message"], message)

    def test_strategy_rules(self):
        self.register("bad-td")
        bg = {"strategy": "BLUE_GREEN"}
        self.assertInvalid("advancedConfiguration is required for each load balancer when the "
                           "deployment strategy is BLUE_GREEN, LINEAR or CANARY.",
                           deploymentConfiguration=bg, loadBalancers=[LB])
        self.assertInvalid("advancedConfiguration is only supported with the BLUE_GREEN, "
                           "LINEAR and CANARY deployment strategies.",
                           loadBalancers=[dict(LB, advancedConfiguration=ADVANCED)])
        self.assertInvalid("advancedConfiguration needs alternateTargetGroupArn, "
                           "productionListenerRule and roleArn.", deploymentConfiguration=bg,
                           loadBalancers=[dict(LB, advancedConfiguration={
                               "alternateTargetGroupArn": ADVANCED["alternateTargetGroupArn"]})])
        self.assertInvalid("bakeTimeInMinutes must be between 0 and 1440.",
                           deploymentConfiguration=dict(bg, bakeTimeInMinutes=1441))
        self.assertInvalid("linearConfiguration.stepPercent must be a multiple of 0.1 from "
                           "3.0 to 100.0.", deploymentConfiguration={
                               "strategy": "LINEAR", "linearConfiguration": {"stepPercent": 2.5}})
        self.assertInvalid("canaryConfiguration.canaryPercent must be a multiple of 0.1 from "
                           "0.1 to 100.0.", deploymentConfiguration={
                               "strategy": "CANARY", "canaryConfiguration": {
                                   "canaryPercent": 10.05}})
        self.assertInvalid("canaryConfiguration.canaryBakeTimeInMinutes must be between 0 and "
                           "1440.", deploymentConfiguration={
                               "strategy": "CANARY",
                               "canaryConfiguration": {"canaryBakeTimeInMinutes": 2000}})
        self.assertInvalid("canaryConfiguration is only valid with the CANARY deployment "
                           "strategy.", deploymentConfiguration={
                               "strategy": "LINEAR", "canaryConfiguration": {
                                   "canaryPercent": 10.0}})
        self.assertInvalid("lifecycleHooks are only supported with the BLUE_GREEN, LINEAR and "
                           "CANARY deployment strategies.", deploymentConfiguration={
                               "lifecycleHooks": [{"targetType": "PAUSE",
                                                   "lifecycleStages": ["PRE_SCALE_UP"]}]})
        self.assertInvalid("Invalid lifecycleHooks: a PAUSE hook cannot run at "
                           "PRODUCTION_TRAFFIC_SHIFT (a rollback passes that stage too).",
                           deploymentConfiguration=dict(bg, lifecycleHooks=[{
                               "targetType": "PAUSE",
                               "lifecycleStages": ["PRODUCTION_TRAFFIC_SHIFT"]}]))
        self.assertInvalid("Invalid lifecycleHooks: an AWS_LAMBDA hook needs hookTargetArn.",
                           deploymentConfiguration=dict(bg, lifecycleHooks=[{
                               "lifecycleStages": ["PRE_SCALE_UP"]}]))
        # the model's own ranges are checked too (boto3 would refuse to send it)
        with self.assertRaises(botocore.exceptions.ClientError) as e:
            self.server.client(parameter_validation=False).create_service(
                cluster="sd", serviceName="bad", taskDefinition="bad-td", desiredCount=1,
                deploymentConfiguration=dict(bg, lifecycleHooks=[{
                    "targetType": "PAUSE", "lifecycleStages": ["PRE_SCALE_UP"],
                    "timeoutConfiguration": {"timeoutInMinutes": 0}}]))
        self.assertIn("timeoutInMinutes", e.exception.response["Error"]["Message"])
        # an update is checked as the service would be after it
        self.service("upd")
        with self.assertRaises(botocore.exceptions.ClientError) as e:
            self.ecs.update_service(cluster="sd", service="upd", deploymentConfiguration={
                "canaryConfiguration": {"canaryPercent": 5.0}})
        self.assertEqual(e.exception.response["Error"]["Message"],
                         "canaryConfiguration is only valid with the CANARY deployment "
                         "strategy.")

    def doc_example_prerequisites(self, cluster):
        self.ecs.create_cluster(clusterName=cluster)
        self.register("sample-fargate", requiresCompatibilities=["FARGATE"],
                      networkMode="awsvpc", cpu="256", memory="512",
                      containers=[{"name": "fargate-app", "image": "nginx:1.25",
                                   "portMappings": [{"containerPort": 80}]}])

    def test_aws_docs_blue_green_service_definition(self):
        with open(DOC_EXAMPLE) as f:
            doc = json.load(f)
        self.doc_example_prerequisites("sample-fargate-cluster")
        svc = self.ecs.create_service(**doc)["service"]
        dc = svc["deploymentConfiguration"]
        self.assertEqual((dc["strategy"], dc["bakeTimeInMinutes"]), ("BLUE_GREEN", 2))
        self.assertEqual(dc["lifecycleHooks"], doc["deploymentConfiguration"]["lifecycleHooks"])
        self.assertEqual(svc["loadBalancers"], doc["loadBalancers"])
        sd, seen = self.follow(svc["currentServiceDeployment"])
        self.assertEqual(sd["status"], "SUCCESSFUL")
        [hook] = sd["lifecycleHookDetails"]
        self.assertEqual((hook["targetType"], hook["status"], hook["targetArn"]),
                         ("AWS_LAMBDA", "SUCCEEDED",
                          "arn:aws:lambda:us-west-2:7123456789012:function:checkExample"))
        self.assertEqual(sd["alarms"], {"status": "MONITORING_COMPLETE",
                                        "alarmNames": ["myAlarm"]})
        self.assertEqual(seen[-1], ("CLEAN_UP", 100.0))


@unittest.skipUnless(os.path.exists(AWS), "Debian's awscli is not installed")
class ServiceDeploymentsCli(ServerTest):
    server_args = ("--time-scale", "100")

    def aws(self, *args):
        env = dict(os.environ, AWS_ACCESS_KEY_ID="AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY="secret",
                   AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE="/dev/null",
                   AWS_SHARED_CREDENTIALS_FILE="/dev/null", AWS_PAGER="")
        p = subprocess.run([AWS, "--endpoint-url", self.server.url, "--output", "json",
                            "ecs", *args], capture_output=True, text=True, env=env, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout) if p.stdout.strip() else None

    def test_cli_operations(self):
        ServiceDeployments.doc_example_prerequisites(self, "sample-fargate-cluster")
        self.ecs.register_task_definition(
            family="sample-fargate", requiresCompatibilities=["FARGATE"], networkMode="awsvpc",
            cpu="256", memory="512",
            containerDefinitions=[{"name": "fargate-app", "image": "nginx:1.27",
                                   "portMappings": [{"containerPort": 80}]}])
        svc = self.aws("create-service", "--cli-input-json", "file://" + DOC_EXAMPLE)["service"]
        self.assertEqual(svc["deploymentConfiguration"]["strategy"], "BLUE_GREEN")
        first = svc["currentServiceDeployment"]
        self.follow(first)
        # a second rollout, paused at POST_SCALE_UP by a PAUSE hook, continued by the CLI
        self.aws("update-service", "--cluster", "sample-fargate-cluster", "--service",
                 "myBlueGreenService", "--task-definition", "sample-fargate:2",
                 "--deployment-configuration", json.dumps({
                     "lifecycleHooks": [{"targetType": "PAUSE",
                                         "lifecycleStages": ["POST_SCALE_UP"]}]}))
        listed = self.aws("list-service-deployments", "--cluster", "sample-fargate-cluster",
                          "--service", "myBlueGreenService")["serviceDeployments"]
        self.assertEqual(len(listed), 2)
        arn = listed[0]["serviceDeploymentArn"]
        sd = self.poll(lambda: (lambda d: d if d["lifecycleHookDetails"] else None)(
            self.aws("describe-service-deployments", "--service-deployment-arns",
                     arn)["serviceDeployments"][0]))
        self.assertEqual(sd["lifecycleStage"], "POST_SCALE_UP")
        hook = sd["lifecycleHookDetails"][0]
        self.assertEqual((hook["targetType"], hook["status"]), ("PAUSE", "AWAITING_ACTION"))
        self.aws("continue-service-deployment", "--service-deployment-arn", arn, "--hook-id",
                 hook["hookId"], "--action", "CONTINUE")
        sd, _ = self.follow(arn)
        self.assertEqual(sd["status"], "SUCCESSFUL")
        revs = self.aws("describe-service-revisions", "--service-revision-arns",
                        sd["targetServiceRevision"]["arn"])["serviceRevisions"]
        self.assertEqual(revs[0]["containerImages"][0]["image"], "nginx:1.27")
        self.aws("update-service", "--cluster", "sample-fargate-cluster", "--service",
                 "myBlueGreenService", "--force-new-deployment")
        third = self.aws("list-service-deployments", "--cluster", "sample-fargate-cluster",
                         "--service", "myBlueGreenService", "--status",
                         "IN_PROGRESS")["serviceDeployments"][0]["serviceDeploymentArn"]
        out = self.aws("stop-service-deployment", "--service-deployment-arn", third,
                       "--stop-type", "ROLLBACK")
        self.assertEqual(out["serviceDeploymentArn"], third)
        sd, _ = self.follow(third)
        self.assertEqual(sd["status"], "ROLLBACK_SUCCESSFUL")


if __name__ == "__main__":
    unittest.main()
