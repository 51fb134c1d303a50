/*
 * Request throttling: token buckets, one over every request (--throttle
 * RATE:BURST) or one per group of operations as ECS throttles them
 * (--throttle-profile ecs, groups overridable with --throttle
 * GROUP=RATE:BURST). The buckets run on the wall clock, not the simulated
 * one: a client's pacing is what they exist to test.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_int.h"
#include "banned.h"

/*
 * The groups, bucket sizes and refill rates of "Request throttling for the
 * Amazon ECS API", section "Request Token Bucket Sizes and Refill Rates"
 * (Amazon ECS API Reference and Developer Guide,
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/request-throttling.html):
 * the same for every Region, per account and Region. The page spells one
 * operation "UpdateContainerInstancesStates"; the API's name is
 * UpdateContainerInstancesState. Operations the page does not list
 * (DiscoverPollEndpoint, an unknown X-Amz-Target) share the "other"
 * bucket, ecs-local's choice: the size of the read groups.
 */
static const struct sim_throttle_group groups[] = {
    {"cluster-modify", 1, 20,
     "CreateCluster DeleteCluster PutClusterCapacityProviders UpdateCluster "
     "UpdateClusterSettings"},
    {"cluster-read", 20, 50, "DescribeClusters ListClusters"},
    {"taskdef-modify", 1, 20, "DeregisterTaskDefinition RegisterTaskDefinition"},
    {"taskdef-read", 20, 50,
     "DescribeTaskDefinition ListTaskDefinitions ListTaskDefinitionFamilies"},
    {"taskdef-delete", 1, 5, "DeleteTaskDefinitions"},
    {"capacity-provider-modify", 1, 10,
     "CreateCapacityProvider DeleteCapacityProvider UpdateCapacityProvider"},
    {"capacity-provider-read", 20, 50, "DescribeCapacityProviders"},
    {"tag-modify", 10, 20, "TagResource UntagResource"},
    {"tag-read", 20, 50, "ListTagsForResource"},
    {"setting-modify", 1, 10, "DeleteAccountSetting PutAccountSetting PutAccountSettingDefault"},
    {"setting-read", 20, 50, "ListAccountSettings"},
    {"cluster-resource-modify", 40, 100,
     "DeleteAttributes DeregisterContainerInstance ExecuteCommand PutAttributes RunTask "
     "StartTask StopTask UpdateContainerAgent UpdateContainerInstancesState"},
    {"cluster-resource-read", 20, 100,
     "DescribeContainerInstances DescribeTasks ListAttributes ListContainerInstances "
     "ListTasks"},
    {"agent-modify", 120, 200,
     "RegisterContainerInstance SubmitAttachmentStateChanges SubmitContainerStateChange "
     "SubmitTaskStateChange"},
    {"service-modify", 5, 50, "CreateService DeleteService UpdateService"},
    {"service-read", 20, 100, "DescribeServices ListServices"},
    {"service-deployment", 20, 50, "DescribeServiceDeployments ListServiceDeployments"},
    {"service-revision", 20, 50, "DescribeServiceRevisions"},
    {"task-protection", 80, 200, "UpdateTaskProtection GetTaskProtection"},
    {"cluster-service-resource-read", 1, 10, "ListServicesByNamespace"},
    {SIM_THROTTLE_OTHER, 20, 50, ""},
};

#define NGROUPS (sizeof(groups) / sizeof(groups[0]))
_Static_assert(NGROUPS == SIM_THROTTLE_BUCKETS, "one bucket per group");

const struct sim_throttle_group *sim_throttle_table(size_t *n)
{
	*n = NGROUPS;
	return groups;
}

/* Whether the space-separated `list` holds `word`. */
static int listed(const char *list, const char *word)
{
	size_t len = strlen(word);

	while (*list) {
		size_t n = strcspn(list, " ");
		if (n == len && strncmp(list, word, len) == 0)
			return 1;
		list += n;
		list += strspn(list, " ");
	}
	return 0;
}

static size_t group_index(const char *op)
{
	size_t i;

	for (i = 0; op && i < NGROUPS; i++)
		if (listed(groups[i].ops, op))
			return i;
	return NGROUPS - 1; /* "other" */
}

const char *sim_throttle_group_of(const char *op)
{
	return groups[group_index(op)].name;
}

static int group_named(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < NGROUPS; i++)
		if (strlen(groups[i].name) == len && strncmp(groups[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

static int number(const char *s, size_t len, double min, double *out)
{
	char tmp[32], *end = NULL;

	if (!len || len >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	errno = 0;
	*out = strtod(tmp, &end);
	return *end || errno || *out < min || *out > 1e9 ? -1 : 0;
}

/* One "GROUP=RATE:BURST" of `spec` (its first `len` characters). */
static int parse_one(const char *spec, size_t len, int *group, double *rate, double *burst,
                     struct ecsctl_error *err)
{
	const char *eq = memchr(spec, '=', len);
	const char *colon = eq ? memchr(eq, ':', len - (size_t)(eq - spec)) : NULL;

	if (!eq || !colon)
		return ecsctl_error_set(err, ECSCTL_EINVAL,
		                        "--throttle '%.*s' is not RATE:BURST or GROUP=RATE:BURST",
		                        (int)len, spec);
	*group = group_named(spec, (size_t)(eq - spec));
	if (*group < 0)
		return ecsctl_error_set(err, ECSCTL_EINVAL,
		                        "--throttle '%.*s': unknown group '%.*s' (the groups are "
		                        "in docs/ecs-local.md, \"Throttling\")",
		                        (int)len, spec, (int)(eq - spec), spec);
	if (number(eq + 1, (size_t)(colon - eq - 1), 0.001, rate) ||
	    number(colon + 1, len - (size_t)(colon + 1 - spec), 1, burst))
		return ecsctl_error_set(
		    err, ECSCTL_EINVAL,
		    "--throttle '%.*s': RATE must be a number of at least 0.001 "
		    "and BURST at least 1",
		    (int)len, spec);
	return 0;
}

int ecsctl_sim_throttle_check(const char *spec, struct ecsctl_error *err)
{
	int group;
	double rate, burst;

	return parse_one(spec, strlen(spec), &group, &rate, &burst, err);
}

int sim_throttle_init(struct sim_throttle *t, const struct ecsctl_sim_options *o, double now,
                      struct ecsctl_error *err)
{
	const char *spec = o->throttle_groups;
	size_t i;

	memset(t, 0, sizeof(*t));
	pthread_mutex_init(&t->mu, NULL);
	t->global = o->throttle_rate > 0;
	if (o->throttle_profile && strcmp(o->throttle_profile, "ecs") != 0)
		return ecsctl_error_set(err, ECSCTL_EINVAL,
		                        "unknown --throttle-profile '%s' (there is 'ecs')",
		                        o->throttle_profile);
	if (t->global && (o->throttle_profile || (spec && *spec)))
		return ecsctl_error_set(err, ECSCTL_EINVAL,
		                        "--throttle RATE:BURST (one bucket for every operation) "
		                        "and per-group buckets exclude each other");
	for (i = 0; i < NGROUPS; i++) {
		t->b[i].rate = o->throttle_profile ? groups[i].rate : 0;
		t->b[i].burst = o->throttle_profile ? groups[i].burst : 0;
	}
	if (t->global) {
		t->b[0].rate = o->throttle_rate;
		t->b[0].burst = o->throttle_burst;
	}
	while (spec && *spec) {
		size_t len = strcspn(spec, ";");
		int g;
		double rate, burst;

		if (parse_one(spec, len, &g, &rate, &burst, err))
			return err->code;
		t->b[g].rate = rate;
		t->b[g].burst = burst;
		spec += len;
		spec += strspn(spec, ";");
	}
	for (i = 0; i < NGROUPS; i++) {
		t->b[i].tokens = t->b[i].burst;
		t->b[i].refilled_at = now;
	}
	return 0;
}

void sim_throttle_release(struct sim_throttle *t)
{
	pthread_mutex_destroy(&t->mu);
}

int sim_throttle_take(struct sim_throttle *t, const char *op, double now)
{
	struct sim_bucket *b = &t->b[t->global ? 0 : group_index(op)];
	int ok = 1;

	if (b->rate <= 0)
		return 1;
	pthread_mutex_lock(&t->mu);
	if (!t->paused) {
		/* a clock read before another thread's later one can be older */
		if (now > b->refilled_at) {
			b->tokens += (now - b->refilled_at) * b->rate;
			b->refilled_at = now;
		}
		if (b->tokens > b->burst)
			b->tokens = b->burst;
		ok = b->tokens >= 1.0;
		if (ok)
			b->tokens -= 1.0;
		else
			b->throttled++;
	}
	pthread_mutex_unlock(&t->mu);
	return ok;
}

void sim_throttle_pause(struct sim_throttle *t, int paused, double now)
{
	size_t i;

	pthread_mutex_lock(&t->mu);
	/* resumed, every bucket starts full, as at start */
	if (t->paused && !paused)
		for (i = 0; i < NGROUPS; i++) {
			t->b[i].tokens = t->b[i].burst;
			t->b[i].refilled_at = now;
		}
	t->paused = paused;
	pthread_mutex_unlock(&t->mu);
}

json_t *sim_throttle_stats(struct sim_throttle *t)
{
	json_t *out = json_object();
	size_t i;

	if (!out)
		return NULL;
	pthread_mutex_lock(&t->mu);
	for (i = 0; i < NGROUPS; i++) {
		if (t->b[i].rate <= 0)
			continue;
		json_object_set_new(out, t->global ? "all" : groups[i].name,
		                    json_integer((json_int_t)t->b[i].throttled));
	}
	pthread_mutex_unlock(&t->mu);
	return out;
}
