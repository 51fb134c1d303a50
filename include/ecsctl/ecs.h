/*
 * The ECS client: AWS JSON 1.1 calls, signed, concurrent, retried.
 *
 * Core: ecsctl_ecs_run() takes many calls (operation + request JSON) and runs
 * them at once on one curl multi loop (at most max_concurrency in flight,
 * reused connections) until every one has its answer or its final error.
 * Typed helpers (batching and paginating to the API limits) are built on it.
 *
 * Retry policy (SDK "standard" mode plus botocore's "adaptive" limiter):
 *   - transient: HTTP 5xx (not 501), RequestTimeout(Exception), InternalError,
 *     ServerException, connection refused/reset, timeouts. At most
 *     max_attempts (default 3) attempts in all.
 *   - throttling: HTTP 429, Throttling, ThrottlingException, ThrottledException,
 *     RequestThrottledException, TooManyRequestsException, RequestLimitExceeded,
 *     ProvisionedThroughputExceededException, ... At most max_throttle_attempts
 *     (default 10) attempts, so parallel deploys slow down rather than fail.
 *   - LimitExceededException is NOT retried: for ECS it is a quota (revisions,
 *     tags, services per cluster), which waiting does not lift, although
 *     botocore's standard mode lists it among throttling codes.
 *   - everything else (4xx client errors) fails at once.
 *   - backoff: full jitter, uniform in [0, min(20 s, 100 ms * 2^(attempt-1))].
 *   - retry quota shared by the client: 500 tokens; a transient retry costs 5,
 *     a retry after a timeout 10; a success refunds the cost of its last retry,
 *     or adds 1 when it needed none. An empty quota stops transient retries.
 *     Throttling retries cost nothing: the rate limiter is what bounds them.
 *   - adaptive rate limiter shared by all calls (botocore's adaptive mode):
 *     off until the first throttle; then a token bucket whose rate is cut to
 *     70% of the measured send rate on a throttle and regrows along a CUBIC
 *     curve (0.4 * (t - K)^3 + Wmax) on success, never above 2x the measured
 *     rate, never below 0.5 request/s. Three changes from botocore, because
 *     its version crawled at 0.5 req/s after a throttled burst: a throttle of
 *     a request sent before the last cut does not cut again (once per window,
 *     as TCP); a burst is measured over at least 100 ms instead of waiting for
 *     a 0.5 s bucket to end; the bucket is emptied at each cut.
 *   - RegisterTaskDefinition (and any call marked not_idempotent) is never
 *     retried when the request may have been processed (timeout, reset, 5xx):
 *     the call fails with maybe_processed set, and
 *     ecsctl_ecs_register_task_definition() then checks the family's latest
 *     revision. Throttles and refused connections are still retried (nothing
 *     was processed). Such calls use a fresh connection, because libcurl
 *     silently resends a request whose kept-alive connection died unanswered.
 *     CreateService without a clientToken gets one derived from its request
 *     (SHA-256 of a per-client nonce and the request's canonical JSON),
 *     whichever way it is sent, so a retried create is idempotent. The
 *     caller's request is not modified.
 *
 * AWS_RETRY_MODE / AWS_MAX_ATTEMPTS (or the profile's retry_mode /
 * max_attempts; ecsctl_aws_settings_load) change this: max_attempts is
 * AWS_MAX_ATTEMPTS (throttles still get at least 10); "standard" drops the
 * limiter and counts throttles against max_attempts and the quota;
 * "legacy" is 5 attempts, no quota, no limiter, a 1 s backoff base. Options
 * set here (max_attempts, backoff_base_ms, no_adaptive) win over them.
 * AWS_CA_BUNDLE and the proxies configure the libcurl transport.
 *
 * Credentials: the default chain (creds.h) unless options.creds is given;
 * for an endpoint on loopback (ecs-local) instance metadata is never asked.
 *
 * A client is driven by one thread at a time (it is not locked).
 *
 * Requests sent per operation are counted (retries included) for plan
 * JSON's stats.apiCalls; see ecsctl_ecs_api_calls().
 *
 * Logging (options.log): verbosity 1 logs one line per call ("ecs
 * DescribeServices status=200 attempts=1 ms=12"), 2 adds request ids and a
 * line per retry, 3 adds request and response bodies with secret-looking
 * values masked. Credentials, signatures, Authorization and
 * X-Amz-Security-Token never reach the log at any level.
 */
#ifndef ECSCTL_ECS_H
#define ECSCTL_ECS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "ecsctl/creds.h"
#include "ecsctl/error.h"
#include "ecsctl/http.h"

#define ECSCTL_ECS_TARGET_PREFIX "AmazonEC2ContainerServiceV20141113"

struct ecsctl_ecs_options {
	const char *region;                      /* --region */
	const char *config_region;               /* ecsctl.yaml's region, the last resort */
	const char *endpoint_url;                /* --endpoint-url */
	const char *profile;                     /* --profile */
	const char *const *env;                  /* NULL = environ; must outlive the client */
	struct ecsctl_creds_provider *creds;     /* borrowed; NULL = default chain */
	struct ecsctl_http_transport *transport; /* borrowed; NULL = libcurl */
	int max_concurrency;                     /* 0 = 32 */
	int max_attempts;                        /* 0 = 3 */
	int max_throttle_attempts;               /* 0 = 10 */
	long timeout_ms;                         /* per attempt; 0 = 30000 */
	long connect_timeout_ms;                 /* 0 = 5000 */
	int64_t backoff_base_ms;                 /* 0 = 100 */
	int64_t backoff_cap_ms;                  /* 0 = 20000 */
	bool no_adaptive;                        /* turn the client-side rate limiter off */
	uint64_t seed;                           /* jitter seed; 0 = from the clock */
	int verbosity;                           /* 0..3, see above */
	void (*log)(void *ud, int level, const char *line);
	void *log_ud;
};
#define ECSCTL_ECS_OPTIONS_INIT                                                                    \
	{                                                                                          \
		0                                                                                  \
	}

struct ecsctl_ecs;

/* Resolves region and endpoint, sets up credentials and transport. Nothing is
 * sent yet. ECSCTL_EINVAL for no region or a bad endpoint URL. */
int ecsctl_ecs_new(struct ecsctl_ecs **out, const struct ecsctl_ecs_options *opts,
                   struct ecsctl_error *err);
void ecsctl_ecs_free(struct ecsctl_ecs *c);

const char *ecsctl_ecs_region(const struct ecsctl_ecs *c);

/*
 * A call to another AWS service through the same engine (its credentials,
 * SigV4, retries, rate limiter and counts): SSM (JSON 1.1), CloudFormation
 * and STS (query protocol, XML answers), S3 GetObject, and the writers'
 * lease (ecsctl/lock.h): DynamoDB (JSON 1.0) and S3's conditional
 * PutObject / DeleteObject, whose condition headers (If-Match,
 * If-None-Match) are `headers`, signed too. The endpoint is the caller's
 * (ecsctl_aws_resolve_endpoint for the service).
 */
struct ecsctl_aws_target {
	const char *service;        /* signing name: "ssm", "cloudformation", "sts", "s3" */
	const char *url;            /* the whole URL as sent, path encoded once */
	const char *sign_path;      /* the path to sign, not encoded (S3 keys); NULL: the URL's */
	const char *region;         /* to sign for; NULL: the client's */
	const char *method;         /* NULL: "POST" */
	const char *target;         /* X-Amz-Target of a JSON 1.1 call (the answer is then
	                               parsed into `response`); NULL: an XML or raw answer,
	                               kept in `answer` */
	const char *content_type;   /* of `body`; NULL: none */
	const char *body;           /* NULL: empty */
	const char *const *headers; /* more "Name: value" lines, signed; at most 4 */
	size_t nheaders;
};

struct ecsctl_ecs_call {
	const char *operation;              /* "DescribeServices" */
	json_t *request;                    /* borrowed; NULL = {} */
	const struct ecsctl_aws_target *to; /* borrowed; NULL: ECS with `request` */
	bool not_idempotent;                /* never retry once maybe processed (always so for
	                                       RegisterTaskDefinition) */
	/* results */
	json_t *response; /* owned: new reference on success, else NULL */
	char *answer; /* owned; with `to` and no target: the 2xx answer's body (NUL-terminated) */
	size_t answer_len;
	char *etag; /* owned; with `to`: the 2xx answer's ETag header (S3), else NULL */
	struct ecsctl_error error;
	int attempts;
	int64_t ms;
	bool maybe_processed; /* failed after the request may have been acted on */
};

/* Frees response and error. Accepts NULL. */
void ecsctl_ecs_call_release(struct ecsctl_ecs_call *call);

/*
 * Runs `n` calls concurrently to completion. Each call gets its own response
 * or error. Returns 0 when all succeeded, else the code of the first failed
 * call (in array order) with its message copied into `err`.
 */
int ecsctl_ecs_run(struct ecsctl_ecs *c, struct ecsctl_ecs_call *calls, size_t n,
                   struct ecsctl_error *err);

/* One call: `*out` gets a new reference to the answer. */
int ecsctl_ecs_call(json_t **out, struct ecsctl_ecs *c, const char *operation, json_t *request,
                    struct ecsctl_error *err);

/* Requests sent per operation, retries included: {"DescribeServices": 3, ...}.
 * New reference. */
json_t *ecsctl_ecs_api_calls(const struct ecsctl_ecs *c);
/* Errors per operation and code: {"DescribeServices": {"ThrottlingException": 2}}. */
json_t *ecsctl_ecs_api_errors(const struct ecsctl_ecs *c);
/* Throttling answers seen, and the limiter's current rate (0 when off). */
int ecsctl_ecs_throttles(const struct ecsctl_ecs *c, double *rate);

/*
 * The account of the client's credentials: STS GetCallerIdentity (query
 * protocol, the STS endpoint as the credentials find it: AWS_ENDPOINT_URL_STS,
 * AWS_ENDPOINT_URL, regional or legacy), asked once per client. `*account`
 * is borrowed from the client (12 digits).
 */
int ecsctl_ecs_account(const char **account, struct ecsctl_ecs *c, struct ecsctl_error *err);

/* ---- typed helpers: each batches, paginates and runs concurrently ---- */

/* DescribeClusters in batches of 100, include SETTINGS, CONFIGURATIONS, TAGS.
 * `*clusters` and `*failures` get new arrays (in batch order). */
int ecsctl_ecs_describe_clusters(json_t **clusters, json_t **failures, struct ecsctl_ecs *c,
                                 const char *const *names, size_t n, struct ecsctl_error *err);

/*
 * Paginates `n` List* requests (borrowed; maxResults 100 is added when absent)
 * at once: each round fetches the next page of every unfinished list in one
 * concurrent batch. results[i] gets a new array of the pages' `result_key`
 * items ("serviceArns", "taskDefinitionArns", ...) in order. A nextToken that
 * comes back twice is ECSCTL_EIO. On error every results[i] is NULL.
 */
int ecsctl_ecs_paginate(json_t **results, struct ecsctl_ecs *c, const char *operation,
                        json_t *const *requests, size_t n, const char *result_key,
                        struct ecsctl_error *err);

/* Every service ARN of a cluster (ListServices pages of 100). */
int ecsctl_ecs_list_services(json_t **arns, struct ecsctl_ecs *c, const char *cluster,
                             struct ecsctl_error *err);

/* DescribeServices in batches of 10 with include TAGS, all batches at once. */
int ecsctl_ecs_describe_services(json_t **services, json_t **failures, struct ecsctl_ecs *c,
                                 const char *cluster, const char *const *names, size_t n,
                                 struct ecsctl_error *err);

/* A task definition ("family", "family:rev" or ARN) with its tags: `*td` the
 * taskDefinition object, `*tags` the tags array (either may be NULL). */
int ecsctl_ecs_describe_task_definition(json_t **td, json_t **tags, struct ecsctl_ecs *c,
                                        const char *name, struct ecsctl_error *err);

/* Revision ARNs of one family, newest first when `desc`, of `status`
 * ("ACTIVE", "INACTIVE"). All pages. */
int ecsctl_ecs_list_task_definitions(json_t **arns, struct ecsctl_ecs *c, const char *family,
                                     const char *status, bool desc, struct ecsctl_error *err);

/*
 * RegisterTaskDefinition, safely: when the answer is lost after the request
 * may have been processed, the family's latest ACTIVE revision is described
 * and, if its content equals `request` (same members as sent, compared
 * after dropping what ECS adds), it is the result: no second revision.
 * Otherwise the register is sent once more. `*td` gets the taskDefinition.
 * `*reused` (may be NULL) tells whether the lost answer was recovered.
 */
int ecsctl_ecs_register_task_definition(json_t **td, bool *reused, struct ecsctl_ecs *c,
                                        json_t *request, struct ecsctl_error *err);

/*
 * The same for a RegisterTaskDefinition `call` already run with others in
 * one ecsctl_ecs_run(): answered, `*td` gets its taskDefinition; answer lost
 * after it may have been processed, the latest revision is checked as
 * above before anything is sent again. Otherwise the call's error is moved
 * into `err` and returned. `call` keeps its request; results may change.
 */
int ecsctl_ecs_register_finish(json_t **td, bool *reused, struct ecsctl_ecs *c,
                               struct ecsctl_ecs_call *call, struct ecsctl_error *err);

/* CreateService: `*service` gets the answer's service (the client adds the
 * clientToken, see above). */
int ecsctl_ecs_create_service(json_t **service, struct ecsctl_ecs *c, json_t *request,
                              struct ecsctl_error *err);

/* UpdateService: `*service` (may be NULL) gets a new reference to the answer's
 * service. */
int ecsctl_ecs_update_service(json_t **service, struct ecsctl_ecs *c, json_t *request,
                              struct ecsctl_error *err);
/*
 * Service deployments (ECS's record of each rollout, its stage, traffic and
 * hooks). ListServiceDeployments of one service, all pages, newest first as
 * ECS lists them; `created_after` (epoch seconds, 0 = any) keeps those
 * created after it, `statuses` (NULL-terminated, NULL = any) those in one of
 * them. `*briefs` gets the ServiceDeploymentBrief array.
 */
int ecsctl_ecs_list_service_deployments(json_t **briefs, struct ecsctl_ecs *c, const char *cluster,
                                        const char *service, double created_after,
                                        const char *const *statuses, struct ecsctl_error *err);
/* DescribeServiceDeployments in batches of 20, all at once. */
int ecsctl_ecs_describe_service_deployments(json_t **deployments, json_t **failures,
                                            struct ecsctl_ecs *c, const char *const *arns, size_t n,
                                            struct ecsctl_error *err);
/* StopServiceDeployment: `stop_type` "ROLLBACK" (NULL) or "ABORT". */
int ecsctl_ecs_stop_service_deployment(struct ecsctl_ecs *c, const char *arn, const char *stop_type,
                                       struct ecsctl_error *err);
/* ContinueServiceDeployment of the hook `hook_id` (its lifecycleHookDetails
 * entry AWAITING_ACTION) with `action` "CONTINUE" (NULL) or "ROLLBACK". */
int ecsctl_ecs_continue_service_deployment(struct ecsctl_ecs *c, const char *arn,
                                           const char *hook_id, const char *action,
                                           struct ecsctl_error *err);

/* TagResource in chunks of 50 (the API's limit per call). */
int ecsctl_ecs_tag_resource(struct ecsctl_ecs *c, const char *arn, json_t *tags,
                            struct ecsctl_error *err);

#endif
