/* The resolver: lookups grouped by scheme, each group answered at once. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ecsctl/aws.h"
#include "ecsctl/buf.h"
#include "lookup_int.h"
#include "banned.h"

void lookup_fail(struct ecsctl_lookup *r, const char *fmt, ...)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	va_list ap;

	if (r->error)
		return;
	va_start(ap, fmt);
	ecsctl_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	r->error = ecsctl_buf_failed(&b) ? NULL : ecsctl_buf_detach(&b);
	if (!r->error)
		r->error = strdup("out of memory");
	ecsctl_buf_release(&b);
}

void lookup_fail_call(struct ecsctl_lookup *r, const struct ecsctl_error *e)
{
	lookup_fail(r, "%s", e->message ? e->message : "failed");
}

int lookup_aws(struct ecsctl_ecs **out, struct ecsctl_lookup_client *c, const char *config_region,
               struct ecsctl_error *err)
{
	struct ecsctl_ecs_options o = ECSCTL_ECS_OPTIONS_INIT;
	int rc;

	if (!c->aws) {
		o.region = c->o.region;
		o.config_region = config_region;
		o.endpoint_url = c->o.endpoint_url;
		o.profile = c->o.profile;
		o.env = c->o.env;
		o.transport = c->o.transport;
		o.verbosity = c->o.verbosity;
		o.log = c->o.log;
		o.log_ud = c->o.log_ud;
		rc = ecsctl_ecs_new(&c->aws, &o, err);
		if (rc)
			return ecsctl_error_wrap(err, "lookups");
	}
	*out = c->aws;
	return 0;
}

int lookup_endpoint(char **url, struct ecsctl_lookup_client *c, const char *service,
                    struct ecsctl_error *err)
{
	return ecsctl_aws_resolve_endpoint(url, service, NULL, ecsctl_ecs_region(c->aws), c->o.env,
	                                   err);
}

/* The refs of one scheme, as pointers. */
static size_t of_scheme(struct ecsctl_lookup **out, struct ecsctl_lookup *refs, size_t n,
                        const char *scheme)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (!strcmp(refs[i].scheme, scheme))
			out[k++] = &refs[i];
	return k;
}

static int resolve(void *arg, struct ecsctl_lookup *refs, size_t n,
                   const struct ecsctl_lookup_env *env, struct ecsctl_error *err)
{
	struct ecsctl_lookup_client *c = arg;
	struct ecsctl_lookup **group = calloc(n ? n : 1, sizeof(*group));
	struct ecsctl_ecs *aws = NULL;
	size_t k, i;
	int rc = 0;

	if (!group)
		return ecsctl_error_nomem(err);
	/* a state file in the repository needs no AWS at all */
	k = of_scheme(group, refs, n, "tfstate");
	if (k)
		lookup_tfstates(c, env, group, k);
	for (i = 0; i < n; i++)
		if (strcmp(refs[i].scheme, "tfstate"))
			break;
	if (i < n) {
		rc = lookup_aws(&aws, c, env->region, err);
		if (rc)
			goto done;
	}
	if ((k = of_scheme(group, refs, n, "ssm")) != 0)
		lookup_ssm(c, aws, group, k);
	if ((k = of_scheme(group, refs, n, "cfn")) != 0)
		lookup_cfn(c, aws, group, k);
done:
	free(group);
	return rc;
}

int ecsctl_lookup_new(struct ecsctl_lookup_client **out, const struct ecsctl_lookup_options *o,
                      struct ecsctl_error *err)
{
	struct ecsctl_lookup_client *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (!c)
		return ecsctl_error_nomem(err);
	c->o = *o;
	c->resolver.resolve = resolve;
	c->resolver.arg = c;
	*out = c;
	return 0;
}

const struct ecsctl_lookup_resolver *ecsctl_lookup_resolver(struct ecsctl_lookup_client *c)
{
	return &c->resolver;
}

void ecsctl_lookup_free(struct ecsctl_lookup_client *c)
{
	if (!c)
		return;
	ecsctl_ecs_free(c->aws);
	free(c);
}
