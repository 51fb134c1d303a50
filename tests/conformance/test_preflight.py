"""ECS's rules beyond the request shapes, as boto3 sees them from ecs-local:
the exception class and ECS's own text for each preflight rule
(docs/preflight.md), and nothing stored when a request is refused."""
import unittest

from ecslocal import ServerTest

FARGATE = {"requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc", "cpu": "256",
           "memory": "512"}
NET = {"awsvpcConfiguration": {"subnets": ["subnet-1"]}}


def container(name="web", **kw):
    c = {"name": name, "image": "nginx", "memory": 64}
    c.update(kw)
    return c


class Preflight(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ecs.create_cluster(clusterName="pf")
        cls.ecs.register_task_definition(
            family="pf-web", containerDefinitions=[
                {"name": "web", "image": "nginx", "portMappings": [
                    {"containerPort": 80, "name": "http"}]}], **FARGATE)

    def refused(self, op, code, message, **kw):
        fn = getattr(self.ecs, op)
        with self.assertRaises(getattr(self.ecs.exceptions, code)) as e:
            fn(**kw)
        self.assertEqual(e.exception.response["Error"]["Message"], message)

    def register_refused(self, message, family="pf-bad", **kw):
        self.refused("register_task_definition", "ClientException", message, family=family,
                     **kw)
        # a refused register stores no revision
        with self.assertRaises(self.ecs.exceptions.ClientException):
            self.ecs.describe_task_definition(taskDefinition=family)

    def test_fargate_execution_role(self):
        self.register_refused(
            "Fargate requires task definition to have execution role ARN to support log "
            "driver awslogs.",
            containerDefinitions=[container(logConfiguration={"logDriver": "awslogs"})],
            **FARGATE)
        self.register_refused(
            "Fargate requires task definition to have execution role ARN to support ECR "
            "images.",
            containerDefinitions=[container(
                image="123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1")], **FARGATE)

    def test_secrets_execution_role(self):
        self.register_refused(
            "When you are specifying container secrets, you must also specify a value for "
            "'executionRoleArn'.",
            containerDefinitions=[container(secrets=[{"name": "A", "valueFrom": "arn:x"}])])
        self.register_refused(
            "Private repository authentication requires that the task definition specify a "
            "value for executionRoleArn.",
            containerDefinitions=[container(
                repositoryCredentials={"credentialsParameter": "arn:x"})])

    def test_awsvpc_host_port(self):
        self.register_refused(
            "When networkMode=awsvpc, the host ports and container ports in port mappings "
            "must match.",
            containerDefinitions=[container(portMappings=[{"containerPort": 80,
                                                           "hostPort": 8080}])],
            networkMode="awsvpc")

    def test_container_memory(self):
        self.register_refused(
            "Invalid setting for container 'web'. At least one of 'memory' or "
            "'memoryReservation' must be specified.",
            containerDefinitions=[{"name": "web", "image": "nginx"}])
        self.register_refused(
            "Invalid 'memoryReservation' setting for container 'web'. The memoryReservation "
            "must be less than or equal to the memory.",
            containerDefinitions=[container(memoryReservation=128)])

    def test_task_size_sum(self):
        self.register_refused(
            "The sum of all container 'memoryReservation' values cannot be greater than the "
            "value of the task 'memory'.",
            containerDefinitions=[container(memory=400), container("b", memory=200)],
            **FARGATE)
        self.register_refused(
            "The sum of all container 'cpu' values cannot be greater than the value of the "
            "task 'cpu'.",
            containerDefinitions=[container(cpu=512)], **FARGATE)

    def test_fargate_cpu_memory(self):
        self.register_refused(
            "No Fargate configuration exists for given values: 256 CPU, 4096 memory. See the "
            "Amazon ECS documentation for the valid values.",
            containerDefinitions=[container()],
            **dict(FARGATE, memory="4096"))

    def test_references(self):
        self.register_refused(
            "Unknown volume 'data'.",
            containerDefinitions=[container(mountPoints=[{"sourceVolume": "data",
                                                          "containerPath": "/d"}])])
        self.register_refused(
            "Cannot depend on container + 'db' because it does not exist",
            containerDefinitions=[container(dependsOn=[{"containerName": "db",
                                                        "condition": "START"}])])
        self.register_refused(
            "Invalid container reference 'db': no such container in the task definition.",
            containerDefinitions=[container(links=["db:database"])])

    def test_service_rules(self):
        base = dict(cluster="pf", taskDefinition="pf-web", desiredCount=1,
                    launchType="FARGATE", networkConfiguration=NET)
        self.refused("create_service", "InvalidParameterException",
                     "The container app does not exist in the task definition.",
                     serviceName="a", loadBalancers=[
                         {"targetGroupArn": "arn:tg", "containerName": "app",
                          "containerPort": 80}], **base)
        self.refused("create_service", "InvalidParameterException",
                     "The container web did not have a container port 8080 defined.",
                     serviceName="a", loadBalancers=[
                         {"targetGroupArn": "arn:tg", "containerName": "web",
                          "containerPort": 8080}], **base)
        self.refused("create_service", "InvalidParameterException",
                     "The portName 'web' in the Service Connect configuration does not match "
                     "any port mapping name in the task definition.",
                     serviceName="a", serviceConnectConfiguration={
                         "enabled": True, "namespace": "ns", "services": [{"portName": "web"}]},
                     **base)
        self.refused("create_service", "InvalidParameterException",
                     "Network Configuration must be provided when networkMode 'awsvpc' is "
                     "specified.",
                     serviceName="a",
                     **{k: v for k, v in base.items() if k != "networkConfiguration"})
        self.assertEqual(self.ecs.list_services(cluster="pf")["serviceArns"], [])
        # the same service, right: created; then an update ECS refuses
        self.ecs.create_service(serviceName="a", **base)
        self.refused("update_service", "InvalidParameterException",
                     "The container app does not exist in the task definition.",
                     cluster="pf", service="a", loadBalancers=[
                         {"targetGroupArn": "arn:tg", "containerName": "app",
                          "containerPort": 80}])

    def test_launch_type_compatibility(self):
        self.ecs.register_task_definition(family="pf-bridge",
                                          containerDefinitions=[container()])
        self.refused("create_service", "InvalidParameterException",
                     "Task definition does not support launch_type FARGATE.",
                     cluster="pf", serviceName="fg", taskDefinition="pf-bridge", desiredCount=1,
                     launchType="FARGATE")

    def test_platform_version(self):
        self.ecs.register_task_definition(family="pf-ec2",
                                          containerDefinitions=[container()])
        self.refused("create_service", "InvalidParameterException",
                     "The platform version must be null when specifying an EC2 launch type.",
                     cluster="pf", serviceName="ec2", taskDefinition="pf-ec2", desiredCount=1,
                     launchType="EC2", platformVersion="1.4.0")


if __name__ == "__main__":
    unittest.main()
