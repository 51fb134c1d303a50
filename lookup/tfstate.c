/*
 * ${tfstate:LOC#ADDRESS}: each state named is read once per load, those in
 * S3 through GetObject all at once, those in the config root from the same
 * commit as the desired state; then every address is looked up in its
 * state (tfstate_addr.c).
 */
#include <stdlib.h>
#include <string.h>

#include "ecsctl/aws.h"
#include "ecsctl/buf.h"
#include "ecsctl/sigv4.h"
#include "lookup_int.h"
#include "banned.h"

/* A state the size of a large account's still fits; S3 answers are capped
 * at the transport's limit (64 MiB) anyway. */
#define TFSTATE_MAX (64u << 20)

struct state {
	char *loc; /* "s3://bucket/key" or a path in the config root */
	json_t *doc;
	char *error;
	/* S3 */
	char *url, *sign_path, *region;
	struct ecsctl_aws_target to;
	struct ecsctl_ecs_call call;
};

static char *loc_of(const char *ref)
{
	return strndup(ref, strcspn(ref, "#"));
}

static void set_error(struct state *s, const char *fmt, const char *a, const char *b)
{
	struct ecsctl_buf m = ECSCTL_BUF_INIT;

	if (s->error)
		return;
	ecsctl_buf_addf(&m, fmt, a, b);
	s->error = ecsctl_buf_detach(&m);
}

static void parse(struct state *s, const char *data, size_t len)
{
	json_error_t jerr;
	json_t *v;

	s->doc = json_loadb(data, len, 0, &jerr);
	v = json_object_get(s->doc, "version");
	if (!s->doc)
		set_error(s, "state '%s' is not JSON: %s", s->loc, jerr.text);
	else if (!json_is_integer(v) || json_integer_value(v) != 4)
		set_error(s, "state '%s' is not a Terraform state of format version 4%s", s->loc,
		          "");
}

/* A bucket name that can be a host name label (no dots: the TLS
 * certificate covers one level of *.s3.REGION.amazonaws.com). */
static bool dns_bucket(const char *b, size_t n)
{
	size_t i;

	if (n < 3 || n > 63)
		return false;
	for (i = 0; i < n; i++)
		if (!((b[i] >= 'a' && b[i] <= 'z') || (b[i] >= '0' && b[i] <= '9') || b[i] == '-'))
			return false;
	return true;
}

/* s3://bucket/key[?region=R] into the request: path-style on a custom
 * endpoint (a stand-in, MinIO), virtual-hosted on AWS's. */
static int s3_prepare(struct state *s, struct ecsctl_lookup_client *c, struct ecsctl_ecs *aws,
                      struct ecsctl_error *err)
{
	const char *bucket = s->loc + 5, *slash = strchr(bucket, '/'), *q;
	const char *region;
	struct ecsctl_buf url = ECSCTL_BUF_INIT, sp = ECSCTL_BUF_INIT;
	char *endpoint = NULL, *key = NULL;
	size_t blen;
	bool custom = ecsctl_aws_getenv(c->o.env, "AWS_ENDPOINT_URL_S3") ||
	              ecsctl_aws_getenv(c->o.env, "AWS_ENDPOINT_URL");
	int rc = 0;

	if (!slash || slash == bucket || !slash[1]) {
		set_error(s, "'%s' is not s3://BUCKET/KEY%s", s->loc, "");
		return 0;
	}
	blen = (size_t)(slash - bucket);
	q = strstr(slash, "?region=");
	key = strndup(slash + 1, q ? (size_t)(q - slash - 1) : strlen(slash + 1));
	s->region = q ? strdup(q + 8) : NULL;
	region = s->region ? s->region : ecsctl_ecs_region(aws);
	if (!key || (q && !s->region)) {
		rc = ecsctl_error_nomem(err);
		goto done;
	}
	rc = ecsctl_aws_resolve_endpoint(&endpoint, "s3", NULL, region, c->o.env, err);
	if (rc)
		goto done;
	if (custom || !dns_bucket(bucket, blen)) {
		ecsctl_buf_addf(&url, "%s/%.*s/", endpoint, (int)blen, bucket);
		ecsctl_buf_addf(&sp, "/%.*s/%s", (int)blen, bucket, key);
	} else {
		/* https://s3.REGION... -> https://BUCKET.s3.REGION... */
		ecsctl_buf_addf(&url, "https://%.*s.%s/", (int)blen, bucket, endpoint + 8);
		ecsctl_buf_addf(&sp, "/%s", key);
	}
	ecsctl_sigv4_uri_encode(&url, key, strlen(key), 1);
	if (ecsctl_buf_failed(&url) || ecsctl_buf_failed(&sp)) {
		rc = ecsctl_error_nomem(err);
		goto done;
	}
	s->url = ecsctl_buf_detach(&url);
	s->sign_path = ecsctl_buf_detach(&sp);
	s->to.service = "s3";
	s->to.url = s->url;
	s->to.sign_path = s->sign_path;
	s->to.region = s->region;
	s->to.method = "GET";
	s->call.operation = "GetObject";
	s->call.to = &s->to;
done:
	ecsctl_buf_release(&url);
	ecsctl_buf_release(&sp);
	free(endpoint);
	free(key);
	return rc;
}

static void s3_fetch(struct state *st, size_t ns, struct ecsctl_lookup_client *c,
                     const struct ecsctl_lookup_env *env)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_ecs_call *calls = NULL;
	struct ecsctl_ecs *aws = NULL;
	size_t i, k = 0;

	for (i = 0; i < ns; i++)
		k += !strncmp(st[i].loc, "s3://", 5);
	if (!k)
		return;
	if (lookup_aws(&aws, c, env->region, &err))
		goto fail;
	for (i = 0; i < ns; i++)
		if (!strncmp(st[i].loc, "s3://", 5) && s3_prepare(&st[i], c, aws, &err))
			goto fail;
	calls = calloc(k, sizeof(*calls));
	if (!calls) {
		ecsctl_error_nomem(&err);
		goto fail;
	}
	for (i = 0, k = 0; i < ns; i++)
		if (st[i].call.to)
			calls[k++] = st[i].call;
	ecsctl_ecs_run(aws, calls, k, &err);
	for (i = 0, k = 0; i < ns; i++) {
		struct ecsctl_ecs_call *call;

		if (!st[i].call.to)
			continue;
		call = &calls[k++];
		if (call->error.code && call->error.aws_code &&
		    !strcmp(call->error.aws_code, "NoSuchKey"))
			set_error(&st[i], "state '%s' does not exist (NoSuchKey)%s", st[i].loc, "");
		else if (call->error.code)
			set_error(&st[i], "state '%s': %s", st[i].loc, call->error.message);
		else
			parse(&st[i], call->answer, call->answer_len);
		ecsctl_ecs_call_release(call);
	}
	free(calls);
	ecsctl_error_release(&err);
	return;
fail:
	for (i = 0; i < ns; i++)
		if (!strncmp(st[i].loc, "s3://", 5))
			set_error(&st[i], "state '%s': %s", st[i].loc,
			          err.message ? err.message : "failed");
	free(calls);
	ecsctl_error_release(&err);
}

static void file_fetch(struct state *s, const struct ecsctl_lookup_env *env)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	char *data = NULL;
	size_t len = 0;

	if (env->read(env->read_arg, s->loc, TFSTATE_MAX, &data, &len, &err))
		set_error(s, "state '%s': %s", s->loc, err.message ? err.message : "cannot read");
	else
		parse(s, data, len);
	free(data);
	ecsctl_error_release(&err);
}

void lookup_tfstates(struct ecsctl_lookup_client *c, const struct ecsctl_lookup_env *env,
                     struct ecsctl_lookup **refs, size_t n)
{
	struct state *st = calloc(n, sizeof(*st));
	size_t ns = 0, i, j;

	if (!st) {
		for (i = 0; i < n; i++)
			lookup_fail(refs[i], "out of memory");
		return;
	}
	for (i = 0; i < n; i++) {
		char *loc = loc_of(refs[i]->ref);

		for (j = 0; loc && j < ns && strcmp(st[j].loc, loc); j++)
			;
		if (loc && j == ns)
			st[ns++].loc = loc;
		else
			free(loc);
	}
	s3_fetch(st, ns, c, env);
	for (j = 0; j < ns; j++)
		if (strncmp(st[j].loc, "s3://", 5))
			file_fetch(&st[j], env);
	for (i = 0; i < n; i++) {
		const char *hash = strchr(refs[i]->ref, '#');
		size_t ll = (size_t)(hash - refs[i]->ref);
		char *why = NULL;

		for (j = 0;
		     j < ns && (strlen(st[j].loc) != ll || strncmp(st[j].loc, refs[i]->ref, ll));
		     j++)
			;
		if (j == ns)
			lookup_fail(refs[i], "out of memory");
		else if (st[j].error)
			lookup_fail(refs[i], "%s", st[j].error);
		else if (ecsctl_lookup_tfstate(&refs[i]->value, &refs[i]->secret, st[j].doc,
		                               hash + 1, &why))
			lookup_fail(refs[i], "state '%s': %s", st[j].loc,
			            why ? why : "out of memory");
		free(why);
	}
	for (j = 0; j < ns; j++) {
		free(st[j].loc);
		json_decref(st[j].doc);
		free(st[j].error);
		free(st[j].url);
		free(st[j].sign_path);
		free(st[j].region);
	}
	free(st);
}
