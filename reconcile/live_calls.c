/* The batches of reads live state is gathered with (live*.c). */
#include <stdlib.h>
#include <string.h>

#include "reconcile_int.h"
#include "banned.h"

/* A missing family or cluster is an answer ("nothing live"), not an error. */
static bool call_not_found(const struct ecsctl_ecs_call *c)
{
	const char *code = c->error.aws_code;

	if (!code)
		return false;
	if (!strcmp(c->operation, "DescribeTaskDefinition") && !strcmp(code, "ClientException"))
		return true;
	return !strcmp(code, "ClusterNotFoundException");
}

int reconcile_calls_add(struct reconcile_calls *c, const char *op, json_t *req)
{
	if (!req)
		return -1;
	if (c->n == c->alloc) {
		size_t na = c->alloc ? c->alloc * 2 : 16;
		struct ecsctl_ecs_call *v = realloc(c->v, na * sizeof(*v));
		if (!v) {
			json_decref(req);
			return -1;
		}
		c->v = v;
		c->alloc = na;
	}
	memset(&c->v[c->n], 0, sizeof(c->v[0]));
	c->v[c->n].operation = op;
	c->v[c->n].request = req;
	c->n++;
	return 0;
}

void reconcile_calls_release(struct reconcile_calls *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		json_decref(c->v[i].request);
		ecsctl_ecs_call_release(&c->v[i]);
	}
	free(c->v);
	memset(c, 0, sizeof(*c));
}

int reconcile_calls_run(struct ecsctl_ecs *ecs, struct reconcile_calls *c, struct ecsctl_error *err)
{
	struct ecsctl_error ignored = ECSCTL_ERROR_INIT;
	size_t i;

	if (!c->n)
		return 0;
	ecsctl_ecs_run(ecs, c->v, c->n, &ignored);
	ecsctl_error_release(&ignored);
	for (i = 0; i < c->n; i++) {
		struct ecsctl_ecs_call *call = &c->v[i];
		if (call->response || call_not_found(call))
			continue;
		if (err->code) /* the first cause stays */
			return err->code;
		if (!call->error.code)
			return ecsctl_error_set(err, ECSCTL_EAWS, "failed");
		/* the client's message already names the operation */
		return ecsctl_error_copy(err, &call->error);
	}
	return 0;
}

json_t *reconcile_td_with_tags(const json_t *resp)
{
	json_t *td = json_deep_copy(json_object_get(resp, "taskDefinition"));
	json_t *tags = json_object_get(resp, "tags");

	if (td && tags)
		json_object_set(td, "tags", tags);
	return td;
}
