/*
 * Answers the desired state's lookups (ecsctl/model.h) from AWS and
 * Terraform states, all of a load at once:
 *   ${ssm:NAME}              SSM GetParameters, ten names a call, all calls
 *                            at once, WithDecryption: a SecureString is secret
 *   ${cfn:STACK/OutputKey}   CloudFormation DescribeStacks, one call per
 *                            stack (STACK.OutputKey too)
 *   ${tfstate:LOC#ADDRESS}   a Terraform state (format version 4): LOC a file
 *                            of the config root or s3://bucket/key[?region=R]
 *                            (S3 GetObject), each read once; ADDRESS as
 *                            ecsctl_lookup_tfstate() reads it
 * Every call goes through the ECS client's engine (ecsctl/ecs.h): the same
 * credentials chain, SigV4, retries and rate limiter. Endpoints as the SDKs
 * find them: AWS_ENDPOINT_URL_SSM, AWS_ENDPOINT_URL_CLOUDFORMATION,
 * AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL, then the region's. A custom S3
 * endpoint is addressed path-style (ENDPOINT/bucket/key), AWS's
 * virtual-hosted when the bucket name allows.
 */
#ifndef ECSCTL_LOOKUP_H
#define ECSCTL_LOOKUP_H

#include <jansson.h>
#include <stdbool.h>

#include "ecsctl/error.h"
#include "ecsctl/http.h"
#include "ecsctl/model.h"

struct ecsctl_lookup_options {
	const char *region;                      /* --region; NULL: as the ECS client finds it */
	const char *profile;                     /* --profile */
	const char *endpoint_url;                /* ECS's --endpoint-url (loopback: no IMDS) */
	const char *const *env;                  /* NULL = environ; must outlive the client */
	struct ecsctl_http_transport *transport; /* borrowed; NULL = libcurl */
	int verbosity;
	void (*log)(void *ud, int level, const char *line);
	void *log_ud;
};
#define ECSCTL_LOOKUP_OPTIONS_INIT                                                                 \
	{                                                                                          \
		0                                                                                  \
	}

struct ecsctl_lookup_client;

/* Nothing is sent, no credentials are read until a load has lookups. The
 * options' strings are borrowed and must outlive the client. */
int ecsctl_lookup_new(struct ecsctl_lookup_client **out, const struct ecsctl_lookup_options *o,
                      struct ecsctl_error *err);
/* The resolver to give ecsctl_model_options.lookups; lives as long as `c`. */
const struct ecsctl_lookup_resolver *ecsctl_lookup_resolver(struct ecsctl_lookup_client *c);
void ecsctl_lookup_free(struct ecsctl_lookup_client *c);

/*
 * The value at `address` in a Terraform state (v4 JSON):
 *   outputs.NAME[.PATH]  (or output.NAME) an output's value; secret when the
 *                        output is sensitive
 *   [module.M[KEY].]...[data.]TYPE.NAME[KEY].ATTR[.PATH]
 *                        an attribute of a resource instance; KEY is [0] for
 *                        count, ["key"] for for_each, required exactly when the
 *                        resource has either; secret when the attribute is
 *                        among the instance's sensitive_attributes
 * PATH steps are .member, [n] or ["member"]. `*out` gets a new reference;
 * -1 with *why (caller frees) naming what is missing, never a value.
 */
int ecsctl_lookup_tfstate(json_t **out, bool *secret, const json_t *state, const char *address,
                          char **why);

#endif
