/*
 * ecs-local's EC2 side: container instances, their attributes, the agent's
 * calls, task placement and DAEMON services (docs/ecs-local.md, "EC2").
 *
 * A cluster with an `_instances` member (created by the first
 * RegisterContainerInstance or by `--instances`) places its EC2 tasks on
 * instances; a cluster without one keeps the unlimited (or --ec2-capacity)
 * behaviour. Instances are kept like everything else, in the shape ECS
 * returns plus '_' members:
 *
 *   cluster._instances  {id -> ContainerInstance + _tasks {taskId -> owner}
 *                        + _tags + _agentUpdateAt}
 *   task._res           {cpu, memory, ports: ["80"], udp: []}, set when placed
 *   task._drain         true while its instance is DRAINING (services replace it)
 *
 * Remaining resources and task counts are not stored: they are summed from
 * the tasks on the instance whenever asked, so they are exact by
 * construction. Owners are "" for standalone tasks, else the service name.
 */
#ifndef SIM_EC2_H
#define SIM_EC2_H

#include "sim_int.h"

/* ---- the cluster query language (query.c) ---- */
struct sim_query;
/* The values of a subject for one candidate, as a new JSON array of strings
 * (empty when the subject has no value there). */
typedef json_t *(*sim_query_lookup_fn)(void *arg, const char *subject);
/* Parses `text`; *out is owned by the caller (sim_query_free). Errors are
 * InvalidParameterException. */
int sim_query_parse(struct sim_query **out, const char *text, struct ecsctl_error *err);
int sim_query_eval(const struct sim_query *q, sim_query_lookup_fn lookup, void *arg);
void sim_query_free(struct sim_query *q);

/* ---- container instances (instances.c) ---- */
int sim_cluster_has_instances(const json_t *cluster);
/* By id or ARN, in any status; NULL when unknown. */
json_t *sim_instance_find(json_t *cluster, const char *ref);
/* A task of the cluster by id, without moving the clock; NULL when gone. */
json_t *sim_cluster_task(json_t *cluster, const char *id);
/* Whether a task still holds resources of its instance at `now`. */
int sim_task_holds(const json_t *task, double now);
/* The query subjects of one instance (for sim_query_eval). */
struct sim_instance_subject {
	json_t *cluster, *inst;
	double now;
};
json_t *sim_instance_lookup(void *arg, const char *subject);
/* Resources in use on an instance: sums the tasks that hold them. */
struct sim_usage {
	long long cpu, memory;
	json_t *ports, *udp; /* new references: arrays of port strings */
	int running, pending;
	int in_group; /* tasks of `group` there */
};
void sim_instance_usage(json_t *cluster, json_t *inst, double now, const char *group,
                        struct sim_usage *u);
void sim_usage_release(struct sim_usage *u);
/* A registered resource's integer value (CPU, MEMORY), or 0. */
long long sim_instance_registered(const json_t *inst, const char *name);
/* The value of an attribute of the instance, or NULL. */
const char *sim_instance_attr(const json_t *inst, const char *name);
/* The answer shape: public members, remainingResources, task counts. */
json_t *sim_instance_render(json_t *cluster, json_t *inst, double now, int with_tags);
/* ACTIVE and DRAINING instances (registeredContainerInstancesCount). */
int sim_cluster_instance_count(const json_t *cluster);
/* Registers an instance from a RegisterContainerInstance request; the new
 * instance (borrowed from the cluster) or NULL with err set. */
json_t *sim_instance_register(struct sim_store *s, json_t *cluster, const json_t *req,
                              struct ecsctl_error *err);
/* Instances changed: every service of the cluster looks again (DAEMON
 * services follow instances; replicas may fit now or must move). */
void sim_instances_changed(struct sim_store *s, json_t *cluster);
/* The agent version UpdateContainerAgent updates to. */
#define SIM_AGENT_LATEST "1.89.1"
/* The instances `--instances` asked for, registered when their cluster is
 * created (or found at start without any). `spec` as in sim_instances_parse. */
int sim_instances_seed(struct sim_store *s, json_t *cluster);
/* Parses "CLUSTER=N[:cpu=..,memory=..,type=..,az=a|b]" ';'-separated into
 * {cluster: {count, cpu, memory, type, azs: [...]}}. */
int sim_instances_parse(json_t **out, const char *spec, struct ecsctl_error *err);
/* Seeds every existing ACTIVE cluster named by --instances (at start). */
void sim_instances_seed_all(struct sim_store *s);

int sim_op_register_container_instance(struct sim_store *, json_t *, json_t **,
                                       struct ecsctl_error *);
int sim_op_deregister_container_instance(struct sim_store *, json_t *, json_t **,
                                         struct ecsctl_error *);
int sim_op_describe_container_instances(struct sim_store *, json_t *, json_t **,
                                        struct ecsctl_error *);
int sim_op_list_container_instances(struct sim_store *, json_t *, json_t **, struct ecsctl_error *);
int sim_op_update_container_agent(struct sim_store *, json_t *, json_t **, struct ecsctl_error *);
int sim_op_update_container_instances_state(struct sim_store *, json_t *, json_t **,
                                            struct ecsctl_error *);

/* ---- attributes (attributes.c) ---- */
int sim_op_put_attributes(struct sim_store *, json_t *, json_t **, struct ecsctl_error *);
int sim_op_delete_attributes(struct sim_store *, json_t *, json_t **, struct ecsctl_error *);
int sim_op_list_attributes(struct sim_store *, json_t *, json_t **, struct ecsctl_error *);

/* ---- the agent's calls (agent.c) ---- */
int sim_op_submit_task_state_change(struct sim_store *, json_t *, json_t **, struct ecsctl_error *);
int sim_op_submit_container_state_change(struct sim_store *, json_t *, json_t **,
                                         struct ecsctl_error *);
int sim_op_discover_poll_endpoint(struct sim_store *, json_t *, json_t **, struct ecsctl_error *);

/* ---- placement (placement.c) ---- */
/* Why a task did not fit: the closest instance and ECS's reason. */
struct sim_place_miss {
	char instance[40];  /* id of the closest instance, "" when none */
	const char *reason; /* "RESOURCE:MEMORY", ... ; NULL = no instances */
};
struct sim_place_req {
	json_t *cluster;
	json_t *task; /* the new task: gets containerInstanceArn and _res */
	const json_t *td;
	const json_t *constraints; /* service/RunTask placementConstraints (or NULL) */
	const json_t *strategy;    /* placementStrategy (or NULL) */
	int default_spread;        /* services: spread by AZ, then instanceId */
	json_t *only;              /* StartTask / DAEMON: the one instance allowed, or NULL */
	const char *owner;         /* the service's name, NULL for standalone tasks */
	double now;
	uint64_t *rng;
};
/* Places the task: 0 placed, 1 did not fit (miss says why), < 0 an error
 * (an unparsable constraint, in err). */
int sim_place(struct sim_place_req *r, struct sim_place_miss *miss, struct ecsctl_error *err);
/* The event text of a miss ("... The closest matching (container-instance
 * X) has insufficient memory available. ..."), into buf. */
void sim_place_miss_text(const struct sim_place_miss *miss, const char *svc_name, char *buf,
                         size_t n);
/* Deploy's hook: places a new service task; 0 placed, 1 not (event added). */
int sim_place_service_task(json_t *svc, json_t *task, const json_t *td, json_t *only,
                           struct sim_deploy_ctx *ctx);
/* InvalidParameterException for a constraint list ECS would refuse. */
int sim_place_check_constraints(const json_t *list, struct ecsctl_error *err);
/* Whether an instance satisfies a service's constraints (DAEMON targets). */
int sim_place_eligible(json_t *cluster, json_t *inst, const json_t *td, const json_t *svc,
                       double now);
/* RunTask of EC2 tasks in a cluster with instances (tasks.c's hook). */
int sim_run_task_placed(struct sim_store *s, json_t *cluster, json_t *td, json_t *req,
                        json_t **resp, struct ecsctl_error *err);
int sim_op_start_task(struct sim_store *, json_t *, json_t **, struct ecsctl_error *);

/* ---- DAEMON services (daemon.c) ---- */
/* One scheduling pass of a DAEMON service; returns its desired count (the
 * instances it should run on). */
int sim_daemon_schedule(json_t *svc, json_t *tasks, struct sim_deploy_ctx *ctx);

#endif
