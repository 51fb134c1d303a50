/*
 * ecsctl tasks: the running (and, with --stopped, recently stopped) tasks of
 * the clusters git manages, or of one cluster or service: revision, status,
 * health, when they started and stopped, why, and with which exit codes.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "ecsctl/ops.h"
#include "banned.h"

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "-";
}

/* "web=0 log=137", or "-" when no container exited */
static void exit_codes(struct ecsctl_buf *b, const json_t *t)
{
	const json_t *c;
	size_t i;

	ecsctl_buf_reset(b);
	json_array_foreach(json_object_get(t, "containers"), i, c) {
		if (!json_is_integer(json_object_get(c, "exitCode")))
			continue;
		ecsctl_buf_addf(b, "%s%s=%lld", b->len ? " " : "", str(c, "name"),
		                (long long)json_integer_value(json_object_get(c, "exitCode")));
	}
	if (!b->len)
		ecsctl_buf_adds(b, "-");
}

static void print_text(const json_t *doc)
{
	const json_t *t;
	struct ecsctl_buf codes;
	size_t i;

	if (!json_array_size(json_object_get(doc, "tasks"))) {
		printf("No tasks.\n");
		return;
	}
	ecsctl_buf_init(&codes, 0);
	printf("%-10s %-22s %-18s %-9s %-9s %-20s %-20s %-12s %s\n", "TASK", "GROUP", "REVISION",
	       "STATUS", "HEALTH", "STARTED", "STOPPED", "EXIT", "STOPPED REASON");
	json_array_foreach(json_object_get(doc, "tasks"), i, t) {
		char id[11];
		const json_t *reason = json_object_get(t, "stoppedReason");

		const json_t *svc = json_object_get(t, "service");
		char group[300];

		snprintf(id, sizeof(id), "%s", str(t, "id"));
		snprintf(group, sizeof(group), "%s/%s", str(t, "cluster"),
		         json_is_string(svc) ? json_string_value(svc) : str(t, "group"));
		exit_codes(&codes, t);
		printf("%-10s %-22s %-18s %-9s %-9s %-20s %-20s %-12s %s\n", id, group,
		       str(t, "taskDefinition"), str(t, "lastStatus"), str(t, "health"),
		       str(t, "startedAt"), str(t, "stoppedAt"), codes.buf,
		       json_is_string(reason) ? json_string_value(reason) : "");
	}
	ecsctl_buf_release(&codes);
}

/* Without --cluster: each cluster of the repository's services (of --service's alone). */
static json_t *clusters_of(const struct ecsctl_model *m, const char *service)
{
	json_t *set = json_object();
	size_t i;

	for (i = 0; set && i < m->count; i++) {
		const struct ecsctl_resource *r = &m->resources[i];
		const char *name = json_string_value(json_object_get(r->body, "serviceName"));

		if (r->kind == ECSCTL_KIND_SERVICE &&
		    (!service || (name && !strcmp(name, service))))
			json_object_set_new(set, r->cluster, json_true());
	}
	return set;
}

int cmd_tasks(int argc, char **argv, struct cli_ctx *ctx)
{
	char *cluster = NULL, *service = NULL;
	bool stopped = false, help;
	const struct cli_flag flags[] = {
	    {"cluster", 0, FLAG_STRING, &cluster, "C",
	     "tasks of cluster C (default: the clusters of the repository's services)"},
	    {"service", 0, FLAG_STRING, &service, "S", "only the tasks of service S"},
	    {"stopped", 0, FLAG_BOOL, &stopped, NULL,
	     "also the tasks stopped recently (ECS lists them for about an hour)"},
	    {NULL, 0, 0, NULL, NULL, NULL},
	};
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	json_t *clusters = NULL, *all = json_array(), *list = NULL, *t, *v;
	const char *name;
	size_t i;
	int npos, rc;

	rc = cli_parse(argc, argv, cli_find_command("tasks"), flags, ctx, &npos, &help);
	if (rc >= 0)
		goto done;
	if (npos) {
		cli_error("'ecsctl tasks' takes no arguments");
		rc = EXIT_USAGE;
		goto done;
	}
	/* --cluster names the tasks' cluster: no desired state to read */
	if ((rc = cli_setup(ctx, cluster ? CLI_NEEDS_MODEL : 0)) != EXIT_OK)
		goto done;
	clusters = cluster ? json_pack("{s:b}", cluster, 1) : clusters_of(&ctx->model, service);
	if (!cluster && service && !json_object_size(clusters)) {
		cli_error("no service '%s' in the repository (give --cluster for another)",
		          service);
		rc = EXIT_ERROR;
		goto done;
	}
	json_object_foreach(clusters, name, v) {
		if (ecsctl_ops_tasks(&list, ctx->ecs, name, service, stopped, &err) < 0) {
			cli_print_error(name, &err);
			rc = EXIT_ERROR;
			goto done;
		}
		json_array_foreach(list, i, t) {
			json_object_set_new(t, "cluster", json_string(name));
		}
		json_array_extend(all, list);
		json_decref(list);
		list = NULL;
	}
	rc = cli_print_list(ctx, "tasks", all, print_text);
done:
	json_decref(all);
	json_decref(list);
	json_decref(clusters);
	ecsctl_error_release(&err);
	free(cluster);
	free(service);
	return rc;
}
