/* A SERVICE argument; the lease and the service deployment promote and
 * abort act on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ecsctl/ops.h"
#include "ecsctl/reconcile.h"
#include "rollout_cli.h"
#include "banned.h"

char *cli_service_arg(const char *arg, const char *cluster, const struct ecsctl_model *m)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	const char *found = NULL;
	size_t i, n = 0;

	if (strchr(arg, '/') || cluster) {
		if (cluster && !strchr(arg, '/'))
			ecsctl_buf_addf(&b, "%s/", cluster);
		ecsctl_buf_adds(&b, arg);
		return ecsctl_buf_detach(&b);
	}
	for (i = 0; i < m->count; i++) {
		const struct ecsctl_resource *r = &m->resources[i];
		const char *sn = json_string_value(json_object_get(r->body, "serviceName"));
		if (r->kind == ECSCTL_KIND_SERVICE && sn && !strcmp(sn, arg)) {
			found = r->name;
			n++;
		}
	}
	if (n != 1) {
		cli_error(n ? "service '%s' is in several clusters of the repository: write "
		              "CLUSTER/%s"
		            : "no service '%s' in the repository (write CLUSTER/%s, or give "
		              "--cluster)",
		          arg, arg);
		return NULL;
	}
	return strdup(found);
}

int cli_rollout_open(struct cli_rollout *r, struct cli_ctx *ctx, const char *cmd, const char *arg,
                     const char *cluster)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	int rc;

	memset(r, 0, sizeof(*r));
	/* the repository says where a bare name is; a qualified one needs it
	 * only for its region and lease, where there is one */
	if ((rc = cli_setup(ctx, strchr(arg, '/') || cluster ? CLI_NEEDS_MODEL : 0)) != EXIT_OK)
		return rc;
	if (!(r->name = cli_service_arg(arg, cluster, &ctx->model)))
		return EXIT_ERROR;
	r->slash = strchr(r->name, '/');
	*r->slash++ = '\0';
	if (ecsctl_ops_rollout_current(&r->sd, ctx->ecs, r->name, r->slash, &err)) {
		cli_print_error(arg, &err);
		ecsctl_error_release(&err);
		return EXIT_ERROR;
	}
	if (!r->sd) {
		cli_error("%s/%s has no service deployment in progress: nothing to %s", r->name,
		          r->slash, cmd);
		return EXIT_ERROR;
	}
	return EXIT_OK;
}

void cli_rollout_close(struct cli_rollout *r)
{
	json_decref(r->sd);
	free(r->name);
	memset(r, 0, sizeof(*r));
}

const char *cli_rollout_str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "?";
}
