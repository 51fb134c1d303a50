/*
 * SigV4 checks for --require-sigv4, on the project's verifier
 * (aws/sigv4_verify.c: header form, access key, scope day, signature), plus
 * what ECS adds around it: a missing signature, the two clock-skew messages,
 * and the service in the credential scope.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ecsctl/timestamp.h"
#include "sim_int.h"
#include "banned.h"

#define SKEW_S 300

static const char *header(const struct ecsctl_sigv4_request *req, const char *name)
{
	size_t i;

	for (i = 0; i < req->nheaders; i++) {
		if (strcasecmp(req->headers[i].name, name) == 0)
			return req->headers[i].value;
	}
	return NULL;
}

static int skewed(const char *amz_date, double signed_at, double now, struct ecsctl_error *err)
{
	char now_s[17], edge[17];

	ecsctl_sigv4_amz_date(now_s, (int64_t)floor(now));
	if (signed_at < now - SKEW_S) {
		ecsctl_sigv4_amz_date(edge, (int64_t)floor(now) - SKEW_S);
		return sim_fail(err, "InvalidSignatureException",
		                "Signature expired: %s is now earlier than %s (%s - 5 min.)",
		                amz_date, edge, now_s);
	}
	ecsctl_sigv4_amz_date(edge, (int64_t)floor(now) + SKEW_S);
	return sim_fail(err, "InvalidSignatureException",
	                "Signature not yet current: %s is still later than %s (%s + 5 min.)",
	                amz_date, edge, now_s);
}

int sim_sigv4_verify(const struct ecsctl_sigv4_request *req, const char *key, const char *secret,
                     double now, struct ecsctl_error *err)
{
	struct ecsctl_error verr = ECSCTL_ERROR_INIT;
	struct ecsctl_sigv4_auth scope;
	const char *authz = header(req, "authorization");
	const char *amz_date = header(req, "x-amz-date");
	double signed_at;
	int64_t t;

	if (!authz)
		return sim_fail(err, "MissingAuthenticationTokenException",
		                "Missing Authentication Token");
	/* the clock is checked here, after the signature, for ECS's two messages */
	if (ecsctl_sigv4_verify(&scope, req, authz, key, secret, 0, &verr)) {
		sim_fail(err, verr.aws_code ? verr.aws_code : "InvalidSignatureException", "%s",
		         verr.message ? verr.message : "");
		ecsctl_error_release(&verr);
		return ECSCTL_EAWS;
	}
	/* ecsctl_sigv4_verify took only a well-formed X-Amz-Date */
	signed_at = ecsctl_timestamp_parse(amz_date, &t) ? -1 : (double)t;
	if (fabs(signed_at - now) > SKEW_S)
		return skewed(amz_date, signed_at, now, err);
	if (strcmp(scope.service, "ecs") != 0)
		return sim_fail(err, "InvalidSignatureException",
		                "Credential should be scoped to correct service: 'ecs'.");
	return 0;
}
