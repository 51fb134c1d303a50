/*
 * ecs-local: an ECS API server for loopback (docs/ecs-local.md).
 *
 * The server owns every resource in memory behind one mutex, advances the
 * simulated deployments on a clock, and optionally persists to a state file.
 * The library never prints: it reports through `log` in the options.
 */
#ifndef ECSCTL_SIM_H
#define ECSCTL_SIM_H

#include <stdint.h>

#include "ecsctl/error.h"

struct ecsctl_sim_options {
	const char *listen;       /* "127.0.0.1:0" style; port 0 picks a free port */
	int allow_remote;         /* listen on a non-loopback address */
	const char *state_file;   /* NULL: nothing persisted */
	double time_scale;        /* simulated seconds per wall second */
	unsigned latency_ms;      /* added to every answer */
	double throttle_rate;     /* one bucket for every request: tokens per second; 0 = none */
	double throttle_burst;    /* its size */
	double fail_rate;         /* 0..1: share of requests answered 500 or reset */
	const char *sigv4_key;    /* both set: require SigV4 with this key */
	const char *sigv4_secret; /* copied */
	const char *account;      /* 12 digits */
	const char *region;
	uint64_t seed;    /* 0: seeded from the clock */
	unsigned threads; /* request threads */
	int ec2_capacity; /* tasks per cluster for EC2 launch type; 0 = unlimited */
	/* simulated container instances: "CLUSTER=N[:cpu=..,memory=..,type=..,az=a|b]",
	 * several joined by ';'; NULL = none (EC2 capacity unlimited) */
	const char *instances;
	void (*log)(void *arg, const char *line); /* may be NULL */
	void *log_arg;
	/* ECS service quotas; 0 = ECS's default (5,000 tasks per service,
	 * 5,000 services per cluster, 10,000 clusters, 1,000,000 revisions) */
	long long quota_tasks_per_service, quota_services_per_cluster, quota_clusters,
	    quota_revisions;
	/* "ecs": a bucket per group of operations, sized as ECS sizes them
	 * (docs/ecs-local.md "Throttling"); NULL = none unless throttle_groups */
	const char *throttle_profile;
	/* "GROUP=RATE:BURST" items joined by ';': those groups' buckets (over the
	 * profile's; without a profile, only these groups are throttled). Both
	 * exclude throttle_rate. NULL = none */
	const char *throttle_groups;
	/* --alarm NAME=STATE[@SECONDS] and --hook FUNCTION=STATUS[:SECONDS]
	 * values, several joined by ';'; NULL = none (docs/ecs-local.md) */
	const char *alarms, *hooks;
};

#define ECSCTL_SIM_OPTIONS_INIT                                                                    \
	{                                                                                          \
		"127.0.0.1:4566", 0, NULL, 1.0, 0, 0, 0, 0, NULL, NULL, "123456789012",            \
		    "us-east-1", 0, 4, 0, NULL, NULL, NULL, 0, 0, 0, 0, NULL, NULL, NULL, NULL     \
	}

struct ecsctl_sim;

/* Loads the state file (if any), binds and starts serving. `*out` is owned by
 * the caller (ecsctl_sim_free). Errors: ECSCTL_EINVAL (bad option, refused
 * address, unreadable state), ECSCTL_EIO (bind failed), ECSCTL_ENOMEM. */
int ecsctl_sim_new(struct ecsctl_sim **out, const struct ecsctl_sim_options *opts,
                   struct ecsctl_error *err);

/* 0 when `spec` is a valid --instances value, else ECSCTL_EINVAL and why. */
int ecsctl_sim_instances_check(const char *spec, struct ecsctl_error *err);

/* 0 when `spec` is one valid GROUP=RATE:BURST item of throttle_groups,
 * else ECSCTL_EINVAL and why. */
int ecsctl_sim_throttle_check(const char *spec, struct ecsctl_error *err);
/* 0 when `spec` is a valid --alarm / --hook value, else ECSCTL_EINVAL and why. */
int ecsctl_sim_alarm_check(const char *spec, struct ecsctl_error *err);
int ecsctl_sim_hook_check(const char *spec, struct ecsctl_error *err);

/* The bound port (useful with port 0). */
unsigned ecsctl_sim_port(const struct ecsctl_sim *sim);

/* Stops serving (requests under way are finished) and the clock, then
 * writes the state file: its error if that fails. Once; later calls do
 * nothing. */
int ecsctl_sim_stop(struct ecsctl_sim *sim, struct ecsctl_error *err);

/* Stops (if not yet, logging a failed save), frees everything. Accepts NULL. */
void ecsctl_sim_free(struct ecsctl_sim *sim);

#endif
