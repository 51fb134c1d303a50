/* ecsctl policy: the least-privilege IAM policy for the repository's desired
 * state: the ECS operations ecsctl calls (docs/iam.md), writes scoped to the
 * clusters, services and task definition families git names, plus
 * iam:PassRole for the roles its task definitions and services name, the
 * writers' lease's item or object (lock:), what its lookups read, and the
 * account guard's call. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "ecsctl/lock.h"
#include "ecsctl/tags.h"
#include "banned.h"

/* Every ECS operation ecsctl calls, and what it may act on.
 * tests/e2e/test_policy.py fails when the code calls one this table lacks. */
enum scope {
	SCOPE_READ,    /* plan, drift, status, import: any resource ("*") */
	SCOPE_CLUSTER, /* the clusters git names */
	SCOPE_SERVICE, /* any service of those clusters (prune deletes ones git dropped) */
	SCOPE_ANY,     /* no resource-level permission in ECS */
	SCOPE_TAGGING, /* the clusters, services and task definition families */
	SCOPE_PRUNE,   /* with prune: true, resources tagged as this owner's */
	SCOPE_RUN,     /* run and pre-deploy hooks: the families git names */
	SCOPE_STOP,    /* their tasks (a run or hook past its timeout is stopped) */
	SCOPE_ROLLOUT, /* the service deployments of those clusters' services (promote, abort) */
};

static const struct policy_op {
	const char *action;
	enum scope scope;
} ops[] = {
    {"ecs:DescribeClusters", SCOPE_READ},
    {"ecs:DescribeServices", SCOPE_READ},
    {"ecs:DescribeTaskDefinition", SCOPE_READ},
    {"ecs:DescribeTasks", SCOPE_READ},
    {"ecs:ListClusters", SCOPE_READ},
    {"ecs:ListServices", SCOPE_READ},
    {"ecs:ListTaskDefinitions", SCOPE_READ},
    {"ecs:ListTasks", SCOPE_READ},
    {"ecs:ListServiceDeployments", SCOPE_READ},
    {"ecs:DescribeServiceDeployments", SCOPE_READ},
    {"ecs:CreateCluster", SCOPE_CLUSTER},
    {"ecs:UpdateCluster", SCOPE_CLUSTER},
    {"ecs:PutClusterCapacityProviders", SCOPE_CLUSTER},
    {"ecs:CreateService", SCOPE_SERVICE},
    {"ecs:UpdateService", SCOPE_SERVICE},
    {"ecs:DeleteService", SCOPE_SERVICE},
    {"ecs:RegisterTaskDefinition", SCOPE_ANY},
    {"ecs:DeregisterTaskDefinition", SCOPE_ANY},
    {"ecs:TagResource", SCOPE_TAGGING},
    {"ecs:UntagResource", SCOPE_TAGGING},
    {"ecs:RunTask", SCOPE_RUN},
    {"ecs:StopTask", SCOPE_STOP},
    {"ecs:StopServiceDeployment", SCOPE_ROLLOUT},
    {"ecs:ContinueServiceDeployment", SCOPE_ROLLOUT},
    {"ecs:DeleteCluster", SCOPE_PRUNE},
    {"ecs:DeleteService", SCOPE_PRUNE},
    {"ecs:UpdateService", SCOPE_PRUNE},
};

struct names {
	json_t *clusters, *families, *task_roles, *service_roles; /* arrays of strings */
};

static void add_unique(json_t *list, const char *s)
{
	size_t i;
	json_t *v;

	if (!s || !*s)
		return;
	json_array_foreach(list, i, v) {
		if (!strcmp(json_string_value(v), s))
			return;
	}
	json_array_append_new(list, json_string(s));
}

/* A role as ECS takes it (a name or an ARN), as an ARN. */
static void add_role(json_t *list, const char *role, const char *partition, const char *account)
{
	char arn[2048];

	if (!role || !*role)
		return;
	if (!strncmp(role, "arn:", 4))
		snprintf(arn, sizeof(arn), "%s", role);
	else
		snprintf(arn, sizeof(arn), "arn:%s:iam::%s:role/%s", partition, account, role);
	add_unique(list, arn);
}

/* The roles a service hands ECS for its rollouts: its Lambda hooks' and its
 * load balancers' (advancedConfiguration, to move traffic). */
static void rollout_roles(struct names *n, const json_t *svc, const char *partition,
                          const char *account)
{
	const json_t *dc = json_object_get(svc, "deploymentConfiguration"), *it;
	size_t i;

	json_array_foreach(json_object_get(dc, "lifecycleHooks"), i, it) {
		add_role(n->service_roles, json_string_value(json_object_get(it, "roleArn")),
		         partition, account);
	}
	json_array_foreach(json_object_get(svc, "loadBalancers"), i, it) {
		add_role(n->service_roles,
		         json_string_value(json_object_get(
		             json_object_get(it, "advancedConfiguration"), "roleArn")),
		         partition, account);
	}
}

static void gather(struct names *n, const struct ecsctl_model *m, const char *partition,
                   const char *account)
{
	size_t i;

	for (i = 0; i < m->count; i++) {
		const struct ecsctl_resource *r = &m->resources[i];

		if (r->kind == ECSCTL_KIND_CLUSTER) {
			add_unique(n->clusters, r->name);
		} else if (r->kind == ECSCTL_KIND_SERVICE) {
			add_unique(n->clusters, r->cluster);
			add_role(n->service_roles,
			         json_string_value(json_object_get(r->body, "role")), partition,
			         account);
			rollout_roles(n, r->body, partition, account);
		} else {
			add_unique(n->families, r->name);
			add_role(n->task_roles,
			         json_string_value(json_object_get(r->body, "taskRoleArn")),
			         partition, account);
			add_role(n->task_roles,
			         json_string_value(json_object_get(r->body, "executionRoleArn")),
			         partition, account);
		}
	}
}

/* ARNs of `list` items: prefix + item + suffix. */
static json_t *arns(const json_t *list, const char *prefix, const char *suffix)
{
	json_t *out = json_array(), *v;
	size_t i;

	json_array_foreach(list, i, v) {
		json_array_append_new(out,
		                      json_sprintf("%s%s%s", prefix, json_string_value(v), suffix));
	}
	return out;
}

static void extend(json_t *list, json_t *more)
{
	json_array_extend(list, more);
	json_decref(more);
}

static json_t *actions(enum scope scope)
{
	json_t *out = json_array();
	size_t i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (ops[i].scope == scope)
			json_array_append_new(out, json_string(ops[i].action));
	return out;
}

static void statement(json_t *doc, const char *sid, json_t *action, json_t *resource,
                      json_t *condition)
{
	json_t *s;

	if (json_is_array(resource) && !json_array_size(resource)) {
		json_decref(action);
		json_decref(resource);
		json_decref(condition);
		return;
	}
	s = json_pack("{s:s, s:s, s:o, s:o}", "Sid", sid, "Effect", "Allow", "Action", action,
	              "Resource", resource);
	if (s && condition)
		json_object_set_new(s, "Condition", condition);
	json_array_append_new(json_object_get(doc, "Statement"), s);
}

/* The writers' lease (docs/locking.md): its DynamoDB item (the table, rows
 * of its key only) or its S3 object; nothing for a lock file. */
static void lease_statement(json_t *doc, const struct ecsctl_model *m, const char *partition,
                            const char *account)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_lock_config c;
	char arn[1024];

	memset(&c, 0, sizeof(c));
	if (!m->settings.lock ||
	    ecsctl_lock_config_read(&c, m->settings.lock, m->settings.name, &err))
		goto done;
	if (!strcmp(c.backend, "dynamodb")) {
		snprintf(arn, sizeof(arn), "arn:%s:dynamodb:%s:%s:table/%s", partition,
		         c.region ? c.region : "*", account, c.table);
		statement(doc, "EcsctlLease",
		          json_pack("[s,s,s,s]", "dynamodb:GetItem", "dynamodb:PutItem",
		                    "dynamodb:UpdateItem", "dynamodb:DeleteItem"),
		          json_string(arn),
		          json_pack("{s:{s:[s]}}", "ForAllValues:StringEquals",
		                    "dynamodb:LeadingKeys", c.key));
	} else if (!strcmp(c.backend, "s3")) {
		snprintf(arn, sizeof(arn), "arn:%s:s3:::%s/%s", partition, c.bucket, c.key);
		statement(doc, "EcsctlLease",
		          json_pack("[s,s,s]", "s3:GetObject", "s3:PutObject", "s3:DeleteObject"),
		          json_string(arn), NULL);
	}
done:
	ecsctl_lock_config_release(&c);
	ecsctl_error_release(&err);
}

/* The resource a lookup reads (docs/environments.md, "Lookups"), or NULL: an
 * SSM parameter (a name, "name:selector", or an ARN), the CloudFormation
 * stack of "STACK/Output" or "STACK.Output", a Terraform state in S3
 * ("s3://bucket/key[?region=R]#address"; one in the repository reads no
 * AWS). */
static json_t *lookup_arn(const char *scheme, const char *ref, const char *region,
                          const char *partition, const char *account)
{
	size_t n;

	if (!strcmp(scheme, "ssm")) {
		const char *name = ref, *slash;
		if (!strncmp(ref, "arn:", 4)) /* arn:...:parameter/NAME[:selector] */
			return json_stringn(ref, (slash = strrchr(ref, '/')) && strchr(slash, ':')
			                             ? (size_t)(strchr(slash, ':') - ref)
			                             : strlen(ref));
		name += *name == '/';
		return json_sprintf("arn:%s:ssm:%s:%s:parameter/%.*s", partition, region, account,
		                    (int)strcspn(name, ":"), name);
	}
	if (!strcmp(scheme, "cfn"))
		return json_sprintf("arn:%s:cloudformation:%s:%s:stack/%.*s/*", partition, region,
		                    account, (int)strcspn(ref, "/."), ref);
	if (!strcmp(scheme, "tfstate") && !strncmp(ref, "s3://", 5)) {
		n = strcspn(ref + 5, "?#");
		return json_sprintf("arn:%s:s3:::%.*s", partition, (int)n, ref + 5);
	}
	return NULL;
}

/* What the lookups read (plan reads them too), one statement per service,
 * and the account guard's STS call (accountId:). */
static void lookup_statements(json_t *doc, const struct ecsctl_model *m, const char *partition,
                              const char *account)
{
	static const struct {
		const char *scheme, *sid, *action;
	} kinds[] = {
	    {"ssm", "EcsctlLookupSsm", "ssm:GetParameters"},
	    {"cfn", "EcsctlLookupCloudFormation", "cloudformation:DescribeStacks"},
	    {"tfstate", "EcsctlLookupTerraformState", "s3:GetObject"},
	};
	const char *region = m->settings.region ? m->settings.region : "*";
	const json_t *l;
	size_t i, k;

	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		json_t *res = json_array();
		json_array_foreach(m->lookups, i, l) {
			const char *scheme = json_string_value(json_object_get(l, "scheme"));
			json_t *arn;
			if (strcmp(scheme, kinds[k].scheme) ||
			    !(arn = lookup_arn(scheme, json_string_value(json_object_get(l, "ref")),
			                       region, partition, account)))
				continue;
			add_unique(res, json_string_value(arn));
			json_decref(arn);
		}
		statement(doc, kinds[k].sid, json_string(kinds[k].action), res, NULL);
	}
	/* AWS answers GetCallerIdentity whatever the policy says; it is listed
	 * so that the policy names every call ecsctl makes */
	if (m->settings.account_id)
		statement(doc, "EcsctlAccountGuard", json_string("sts:GetCallerIdentity"),
		          json_string("*"), NULL);
}

static json_t *policy(const struct ecsctl_model *m, bool read_only, const char *partition,
                      const char *account)
{
	struct names n = {json_array(), json_array(), json_array(), json_array()};
	char ecs[256];
	json_t *doc, *tagged;

	gather(&n, m, partition, account);
	snprintf(ecs, sizeof(ecs), "arn:%s:ecs:*:%s:", partition, account);
	doc = json_pack("{s:s, s:[]}", "Version", "2012-10-17", "Statement");
	statement(doc, "EcsctlRead", actions(SCOPE_READ), json_string("*"), NULL);
	lookup_statements(doc, m, partition, account);
	if (!read_only) {
		char prefix[512];

		snprintf(prefix, sizeof(prefix), "%scluster/", ecs);
		statement(doc, "EcsctlClusters", actions(SCOPE_CLUSTER),
		          arns(n.clusters, prefix, ""), NULL);
		snprintf(prefix, sizeof(prefix), "%sservice/", ecs);
		statement(doc, "EcsctlServices", actions(SCOPE_SERVICE),
		          arns(n.clusters, prefix, "/*"), NULL);
		snprintf(prefix, sizeof(prefix), "%sservice-deployment/", ecs);
		statement(doc, "EcsctlRollouts", actions(SCOPE_ROLLOUT),
		          arns(n.clusters, prefix, "/*"), NULL);
		statement(doc, "EcsctlTaskDefinitions", actions(SCOPE_ANY), json_string("*"), NULL);
		snprintf(prefix, sizeof(prefix), "%scluster/", ecs);
		tagged = arns(n.clusters, prefix, "");
		snprintf(prefix, sizeof(prefix), "%sservice/", ecs);
		extend(tagged, arns(n.clusters, prefix, "/*"));
		snprintf(prefix, sizeof(prefix), "%stask-definition/", ecs);
		extend(tagged, arns(n.families, prefix, ":*"));
		statement(doc, "EcsctlTags", actions(SCOPE_TAGGING), tagged, NULL);
		/* `ecsctl run` and hooks run the repository's families in its clusters */
		snprintf(prefix, sizeof(prefix), "%stask-definition/", ecs);
		statement(doc, "EcsctlRunTasks", actions(SCOPE_RUN), arns(n.families, prefix, ":*"),
		          NULL);
		snprintf(prefix, sizeof(prefix), "%stask/", ecs);
		statement(doc, "EcsctlStopTasks", actions(SCOPE_STOP),
		          arns(n.clusters, prefix, "/*"), NULL);
		if (m->settings.prune)
			statement(doc, "EcsctlPrune", actions(SCOPE_PRUNE), json_string("*"),
			          json_pack("{s:{s:s}}", "StringEquals",
			                    "aws:ResourceTag/" ECSCTL_OWNER_TAG, m->settings.name));
		statement(doc, "EcsctlPassTaskRoles", json_string("iam:PassRole"),
		          json_incref(n.task_roles),
		          json_pack("{s:{s:s}}", "StringEquals", "iam:PassedToService",
		                    "ecs-tasks.amazonaws.com"));
		statement(doc, "EcsctlPassServiceRoles", json_string("iam:PassRole"),
		          json_incref(n.service_roles),
		          json_pack("{s:{s:s}}", "StringEquals", "iam:PassedToService",
		                    "ecs.amazonaws.com"));
		lease_statement(doc, m, partition, account);
	}
	json_decref(n.clusters);
	json_decref(n.families);
	json_decref(n.task_roles);
	json_decref(n.service_roles);
	return doc;
}

int cmd_policy(int argc, char **argv, struct cli_ctx *ctx)
{
	bool read_only = false, help;
	char *partition = NULL, *account = NULL;
	const struct cli_flag flags[] = {
	    {"read-only", 0, FLAG_BOOL, &read_only, NULL,
	     "only what plan, drift, status and import read"},
	    {"account", 0, FLAG_STRING, &account, "ID", "the AWS account in ARNs (default: *)"},
	    {"partition", 0, FLAG_STRING, &partition, "P", "the ARN partition (default: aws)"},
	    {NULL, 0, 0, NULL, NULL, NULL}};
	json_t *doc = NULL;
	int npos, rc;

	rc = cli_parse(argc, argv, cli_find_command("policy"), flags, ctx, &npos, &help);
	if (rc >= 0)
		goto done;
	if (npos) {
		cli_error("'ecsctl policy' takes no arguments");
		rc = EXIT_USAGE;
		goto done;
	}
	if (account && strcmp(account, "*") &&
	    (strlen(account) != 12 || strspn(account, "0123456789") != 12)) {
		cli_error("option '--account' takes a 12-digit account id, not '%s'", account);
		rc = EXIT_USAGE;
		goto done;
	}
	if (partition && (!*partition ||
	                  strspn(partition, "abcdefghijklmnopqrstuvwxyz-") != strlen(partition))) {
		cli_error("option '--partition' takes a partition such as aws or aws-cn, not '%s'",
		          partition);
		rc = EXIT_USAGE;
		goto done;
	}
	rc = cli_setup(ctx, 0);
	if (rc != EXIT_OK)
		goto done;
	doc = policy(&ctx->model, read_only, partition ? partition : "aws",
	             account ? account : "*");
	if (!doc || json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) ||
	    fputc('\n', stdout) == EOF) {
		cli_error("could not write the policy");
		rc = EXIT_ERROR;
	}
done:
	json_decref(doc);
	free(partition);
	free(account);
	return rc;
}
