/* The operation table: X-Amz-Target name -> handler. */
#include <string.h>

#include "sim_ec2.h"
#include "banned.h"

static const struct sim_op ops[] = {
    {"CreateCluster", sim_op_create_cluster, 1},
    {"DescribeClusters", sim_op_describe_clusters, 0},
    {"ListClusters", sim_op_list_clusters, 0},
    {"DeleteCluster", sim_op_delete_cluster, 1},
    {"UpdateCluster", sim_op_update_cluster, 1},
    {"UpdateClusterSettings", sim_op_update_cluster_settings, 1},
    {"RegisterTaskDefinition", sim_op_register_task_definition, 1},
    {"DescribeTaskDefinition", sim_op_describe_task_definition, 0},
    {"ListTaskDefinitions", sim_op_list_task_definitions, 0},
    {"ListTaskDefinitionFamilies", sim_op_list_task_definition_families, 0},
    {"DeregisterTaskDefinition", sim_op_deregister_task_definition, 1},
    {"CreateService", sim_op_create_service, 1},
    {"UpdateService", sim_op_update_service, 1},
    {"DescribeServices", sim_op_describe_services, 0},
    {"ListServices", sim_op_list_services, 0},
    {"DeleteService", sim_op_delete_service, 1},
    {"ListTasks", sim_op_list_tasks, 0},
    {"DescribeTasks", sim_op_describe_tasks, 0},
    {"RunTask", sim_op_run_task, 1},
    {"StopTask", sim_op_stop_task, 1},
    {"TagResource", sim_op_tag_resource, 1},
    {"UntagResource", sim_op_untag_resource, 1},
    {"ListTagsForResource", sim_op_list_tags_for_resource, 0},
    {"RegisterContainerInstance", sim_op_register_container_instance, 1},
    {"DeregisterContainerInstance", sim_op_deregister_container_instance, 1},
    {"DescribeContainerInstances", sim_op_describe_container_instances, 0},
    {"ListContainerInstances", sim_op_list_container_instances, 0},
    {"UpdateContainerAgent", sim_op_update_container_agent, 1},
    {"UpdateContainerInstancesState", sim_op_update_container_instances_state, 1},
    {"SubmitContainerStateChange", sim_op_submit_container_state_change, 1},
    {"SubmitTaskStateChange", sim_op_submit_task_state_change, 1},
    {"DiscoverPollEndpoint", sim_op_discover_poll_endpoint, 0},
    {"PutAttributes", sim_op_put_attributes, 1},
    {"DeleteAttributes", sim_op_delete_attributes, 1},
    {"ListAttributes", sim_op_list_attributes, 0},
    {"StartTask", sim_op_start_task, 1},
    {"ListServiceDeployments", sim_op_list_service_deployments, 0},
    {"DescribeServiceDeployments", sim_op_describe_service_deployments, 0},
    {"DescribeServiceRevisions", sim_op_describe_service_revisions, 0},
    {"StopServiceDeployment", sim_op_stop_service_deployment, 1},
    {"ContinueServiceDeployment", sim_op_continue_service_deployment, 1},
    /* ecs-local's own, reached by POST /_alarm only (server.c) */
    {"_SetAlarm", sim_op_set_alarm, 1},
    {NULL, NULL, 0}};

const struct sim_op *sim_op_lookup(const char *name)
{
	const struct sim_op *op;

	if (!name)
		return NULL;
	for (op = ops; op->name; op++) {
		if (strcmp(op->name, name) == 0)
			return op;
	}
	return NULL;
}
