/*
 * ${cfn:STACK/OutputKey}: CloudFormation DescribeStacks (query protocol,
 * XML answers), one call per stack named, all at once. Naming the stack
 * asks for exactly it (the answer holds one stack, never a next page) and
 * needs DescribeStacks on that stack only, where listing every stack of
 * the account would need it on all of them.
 */
#include <stdlib.h>
#include <string.h>

#include "ecsctl/aws.h"
#include "ecsctl/buf.h"
#include "ecsctl/sigv4.h"
#include "lookup_int.h"
#include "banned.h"

#define CFN_VERSION "2010-05-15"

/* STACK and OutputKey of a ref (split at the first '/' or '.': stack names
 * hold neither). */
static char *stack_of(const char *ref)
{
	return strndup(ref, strcspn(ref, "/."));
}

static const char *key_of(const char *ref)
{
	size_t n = strcspn(ref, "/.");

	return ref[n] ? ref + n + 1 : "";
}

/* The outputs of the stack in a DescribeStacks answer, as {key: value}. */
static json_t *outputs(const char *xml, size_t len)
{
	struct ecsctl_aws_xml_span stacks, stack, outs, m;
	const char *end = xml + len, *p;
	json_t *o = json_object();

	if (!o || ecsctl_aws_xml_find(&stacks, xml, end, "Stacks") ||
	    ecsctl_aws_xml_find(&stack, stacks.start, stacks.end, "member"))
		return o;
	if (ecsctl_aws_xml_find(&outs, stack.start, stack.end, "Outputs"))
		return o;
	for (p = outs.start; !ecsctl_aws_xml_find(&m, p, outs.end, "member"); p = m.after) {
		char *k = ecsctl_aws_xml_text(m.start, m.end, "OutputKey");
		char *v = ecsctl_aws_xml_text(m.start, m.end, "OutputValue");

		if (k && v)
			json_object_set_new(o, k, json_string(v));
		free(k);
		free(v);
	}
	return o;
}

/* "A, B, C" for a message. */
static void key_list(struct ecsctl_buf *b, const json_t *outs)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)outs, k, v)
		ecsctl_buf_addf(b, "%s%s", b->len ? ", " : "", k);
}

static void take(struct ecsctl_lookup *r, const char *stack, const char *key, const json_t *outs)
{
	struct ecsctl_buf keys = ECSCTL_BUF_INIT;
	json_t *v = json_object_get(outs, key);

	if (v) {
		r->value = json_incref(v);
		return;
	}
	key_list(&keys, outs);
	lookup_fail(r, "stack '%s' has no output '%s' (%s%s)", stack, key,
	            keys.len ? "it has " : "it has none", keys.buf);
	ecsctl_buf_release(&keys);
}

static void failed(struct ecsctl_lookup *r, const char *stack, const struct ecsctl_error *e)
{
	/* "Stack with id X does not exist": the API's way to say not found */
	if (e->aws_code && !strcmp(e->aws_code, "ValidationError") && e->message &&
	    strstr(e->message, "does not exist"))
		lookup_fail(r, "stack '%s' does not exist in this account and region", stack);
	else
		lookup_fail_call(r, e);
}

void lookup_cfn(struct ecsctl_lookup_client *c, struct ecsctl_ecs *aws, struct ecsctl_lookup **refs,
                size_t n)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_aws_target *to = calloc(n, sizeof(*to));
	struct ecsctl_ecs_call *calls = calloc(n, sizeof(*calls));
	char **stacks = calloc(n, sizeof(*stacks)), **bodies = calloc(n, sizeof(*bodies));
	size_t *call_of = calloc(n, sizeof(*call_of)), ncalls = 0, i, j;
	char *url = NULL;

	if (!to || !calls || !stacks || !bodies || !call_of) {
		ecsctl_error_nomem(&err);
		goto fail_all;
	}
	if (lookup_endpoint(&url, c, "cloudformation", &err))
		goto fail_all;
	for (i = 0; i < n; i++) {
		struct ecsctl_buf b = ECSCTL_BUF_INIT;
		char *stack = stack_of(refs[i]->ref);

		if (!stack) {
			ecsctl_error_nomem(&err);
			goto fail_all;
		}
		for (j = 0; j < ncalls && strcmp(stacks[j], stack); j++)
			;
		call_of[i] = j;
		if (j < ncalls) {
			free(stack);
			continue;
		}
		stacks[ncalls++] = stack;
		ecsctl_buf_adds(&b, "Action=DescribeStacks&Version=" CFN_VERSION "&StackName=");
		ecsctl_sigv4_uri_encode(&b, stack, strlen(stack), 0);
		if (!(bodies[j] = ecsctl_buf_detach(&b))) {
			ecsctl_error_nomem(&err);
			goto fail_all;
		}
		to[j].service = "cloudformation";
		to[j].url = url;
		to[j].content_type = "application/x-www-form-urlencoded; charset=utf-8";
		to[j].body = bodies[j];
		calls[j].operation = "DescribeStacks";
		calls[j].to = &to[j];
	}
	ecsctl_ecs_run(aws, calls, ncalls, &err);
	for (j = 0; j < ncalls; j++) {
		json_t *outs = calls[j].error.code ? NULL
		                                   : outputs(calls[j].answer, calls[j].answer_len);

		for (i = 0; i < n; i++) {
			if (call_of[i] != j)
				continue;
			if (calls[j].error.code)
				failed(refs[i], stacks[j], &calls[j].error);
			else if (!outs)
				lookup_fail(refs[i], "out of memory");
			else
				take(refs[i], stacks[j], key_of(refs[i]->ref), outs);
		}
		json_decref(outs);
	}
	goto done;
fail_all:
	for (i = 0; i < n; i++)
		lookup_fail_call(refs[i], &err);
done:
	for (j = 0; j < ncalls; j++) {
		ecsctl_ecs_call_release(&calls[j]);
		free(stacks[j]);
		free(bodies[j]);
	}
	free(to);
	free(calls);
	free(stacks);
	free(bodies);
	free(call_of);
	free(url);
	ecsctl_error_release(&err);
}
