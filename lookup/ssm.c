/*
 * ${ssm:NAME}: SSM GetParameters (JSON 1.1), ten names a call as the API
 * allows, every call at once, WithDecryption so a SecureString comes back
 * in clear, which makes it secret: the model masks it wherever it shows.
 * A name the API lists in InvalidParameters does not exist (or is not
 * readable to these credentials: SSM does not say which).
 */
#include <stdlib.h>
#include <string.h>

#include "ecsctl/aws.h"
#include "ecsctl/buf.h"
#include "lookup_int.h"
#include "banned.h"

#define SSM_BATCH 10 /* GetParameters takes at most ten names */

/* Whether answer `p` is for the name `ref` as asked: "name", "name:3" or
 * "name:label" (the answer names the selector apart), or an ARN. */
static bool answers(const json_t *p, const char *ref)
{
	const char *sel = json_string_value(json_object_get(p, "Selector"));
	const char *keys[] = {"Name", "ARN"};
	size_t i;

	for (i = 0; i < 2; i++) {
		const char *v = json_string_value(json_object_get(p, keys[i]));
		size_t vl = v ? strlen(v) : 0;

		if (v && !strncmp(ref, v, vl) && (!ref[vl] || (sel && !strcmp(ref + vl, sel))))
			return true;
	}
	return false;
}

static bool listed(const json_t *list, const char *ref)
{
	size_t i;
	json_t *v;

	json_array_foreach(list, i, v)
		if (json_is_string(v) && !strcmp(json_string_value(v), ref))
			return true;
	return false;
}

static void take(struct ecsctl_lookup **refs, size_t n, const json_t *resp)
{
	const json_t *params = json_object_get(resp, "Parameters");
	const json_t *invalid = json_object_get(resp, "InvalidParameters");
	size_t i, j;
	json_t *p;

	for (i = 0; i < n; i++) {
		struct ecsctl_lookup *r = refs[i];

		json_array_foreach(params, j, p) {
			json_t *v = json_object_get(p, "Value");

			if (!answers(p, r->ref) || !json_is_string(v))
				continue;
			r->value = json_incref(v);
			r->secret = json_is_string(json_object_get(p, "Type")) &&
			            !strcmp(json_string_value(json_object_get(p, "Type")),
			                    "SecureString");
			break;
		}
		if (r->value)
			continue;
		if (listed(invalid, r->ref))
			lookup_fail(r,
			            "parameter '%s' does not exist (or these credentials may "
			            "not read it)",
			            r->ref);
		else
			lookup_fail(r, "GetParameters did not answer for '%s'", r->ref);
	}
}

void lookup_ssm(struct ecsctl_lookup_client *c, struct ecsctl_ecs *aws, struct ecsctl_lookup **refs,
                size_t n)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	size_t nb = (n + SSM_BATCH - 1) / SSM_BATCH, b, i;
	struct ecsctl_aws_target *to = calloc(nb, sizeof(*to));
	struct ecsctl_ecs_call *calls = calloc(nb, sizeof(*calls));
	char **bodies = calloc(nb, sizeof(*bodies));
	char *url = NULL;

	if (!to || !calls || !bodies) {
		ecsctl_error_nomem(&err);
		goto fail_all;
	}
	if (lookup_endpoint(&url, c, "ssm", &err))
		goto fail_all;
	for (b = 0; b < nb; b++) {
		json_t *req = json_pack("{s:[], s:b}", "Names", "WithDecryption", 1);

		for (i = b * SSM_BATCH; req && i < n && i < (b + 1) * SSM_BATCH; i++)
			json_array_append_new(json_object_get(req, "Names"),
			                      json_string(refs[i]->ref));
		bodies[b] = req ? json_dumps(req, JSON_COMPACT) : NULL;
		json_decref(req);
		if (!bodies[b]) {
			ecsctl_error_nomem(&err);
			goto fail_all;
		}
		to[b].service = "ssm";
		to[b].url = url;
		to[b].target = "AmazonSSM.GetParameters";
		to[b].content_type = "application/x-amz-json-1.1";
		to[b].body = bodies[b];
		calls[b].operation = "GetParameters";
		calls[b].to = &to[b];
	}
	ecsctl_ecs_run(aws, calls, nb, &err);
	for (b = 0; b < nb; b++) {
		size_t first = b * SSM_BATCH, k = n - first < SSM_BATCH ? n - first : SSM_BATCH;

		if (calls[b].error.code)
			for (i = first; i < first + k; i++)
				lookup_fail_call(refs[i], &calls[b].error);
		else
			take(refs + first, k, calls[b].response);
	}
	goto done;
fail_all:
	for (i = 0; i < n; i++)
		lookup_fail_call(refs[i], &err);
done:
	for (b = 0; calls && b < nb; b++)
		ecsctl_ecs_call_release(&calls[b]);
	for (b = 0; bodies && b < nb; b++)
		free(bodies[b]);
	free(bodies);
	free(calls);
	free(to);
	free(url);
	ecsctl_error_release(&err);
}
