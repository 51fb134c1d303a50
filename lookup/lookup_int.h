/* Inside the lookup module: the client and one answerer per scheme. */
#ifndef ECSCTL_LOOKUP_INT_H
#define ECSCTL_LOOKUP_INT_H

#include "ecsctl/ecs.h"
#include "ecsctl/lookup.h"

struct ecsctl_lookup_client {
	struct ecsctl_lookup_options o;
	struct ecsctl_lookup_resolver resolver;
	struct ecsctl_ecs *aws; /* made at the first lookup that needs AWS */
};

/* The engine for AWS calls, made on first use with `config_region` (the
 * desired state's region) as the last resort. */
int lookup_aws(struct ecsctl_ecs **out, struct ecsctl_lookup_client *c, const char *config_region,
               struct ecsctl_error *err);
/* The endpoint of `service` ("ssm", "cloudformation", "s3"). */
int lookup_endpoint(char **url, struct ecsctl_lookup_client *c, const char *service,
                    struct ecsctl_error *err);
/* Sets r->error (printf-style) unless it is set. */
void lookup_fail(struct ecsctl_lookup *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The failure of a call as a lookup's error: "GetParameters: CODE: message". */
void lookup_fail_call(struct ecsctl_lookup *r, const struct ecsctl_error *e);

/* Each answers refs[0..n) of its scheme (pointers into the model's array). */
void lookup_ssm(struct ecsctl_lookup_client *c, struct ecsctl_ecs *aws, struct ecsctl_lookup **refs,
                size_t n);
void lookup_cfn(struct ecsctl_lookup_client *c, struct ecsctl_ecs *aws, struct ecsctl_lookup **refs,
                size_t n);
void lookup_tfstates(struct ecsctl_lookup_client *c, const struct ecsctl_lookup_env *env,
                     struct ecsctl_lookup **refs, size_t n);

#endif
