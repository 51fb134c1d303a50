/* Inside the ECS client (aws/ecs_*.c). */
#ifndef ECSCTL_ECS_INT_H
#define ECSCTL_ECS_INT_H

#include <jansson.h>

#include "ecsctl/aws.h"
#include "ecsctl/buf.h"
#include "ecsctl/ecs.h"
#include "retry_int.h"

struct ecsctl_ecs {
	char *region;
	char *endpoint;
	char *host;
	char *path; /* of the endpoint URL, signed as sent: usually "/" */
	struct ecsctl_creds_provider *creds;
	struct ecsctl_creds_provider *own_creds;
	struct ecsctl_http_transport *tr;
	struct ecsctl_http_transport own_tr;
	int max_concurrency, max_attempts, max_throttle_attempts;
	long timeout_ms, connect_timeout_ms;
	int64_t base_ms, cap_ms;
	int adaptive;
	enum ecsctl_aws_retry_mode retry_mode;
	uint64_t rng;
	unsigned char nonce[16];
	struct retry_quota quota;
	struct rate_limiter limiter;
	json_t *calls;  /* {"Op": n} */
	json_t *errors; /* {"Op": {"Code": n}} */
	int verbosity;
	void (*log)(void *ud, int level, const char *line);
	void *log_ud;
	const char *const *env; /* the options', for other services' endpoints */
	bool sts_legacy;        /* AWS_STS_REGIONAL_ENDPOINTS=legacy */
	char *account;          /* GetCallerIdentity's answer, once asked */
};

/* Logs `line` at `level` when verbosity allows, its secrets redacted
 * (ecsctl_secret_redact). Every line of the client goes through here. */
void ecs_log_line(struct ecsctl_ecs *c, int level, const char *line);
/* ecs_log_line() of a printf-style line. */
void ecs_logf(struct ecsctl_ecs *c, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Appends `doc` as compact JSON with secret-looking values masked. */
void ecs_add_redacted(struct ecsctl_buf *out, const json_t *doc);

#endif
