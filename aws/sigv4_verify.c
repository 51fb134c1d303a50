/* Server-side SigV4 verification, with the error names ECS answers. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ecsctl/sigv4.h"
#include "ecsctl/timestamp.h"
#include "banned.h"

#define MAX_SKEW_S 300

static int fail(struct ecsctl_error *err, const char *code, const char *fmt, const char *arg)
{
	ecsctl_error_set(err, ECSCTL_EINVAL, fmt, arg);
	if (err && !err->aws_code) {
		err->aws_code = strdup(code);
		err->http_status = 400;
	}
	return ECSCTL_EINVAL;
}

static const char *header(const struct ecsctl_sigv4_request *req, const char *name)
{
	size_t i;

	for (i = 0; i < req->nheaders; i++)
		if (!strcasecmp(req->headers[i].name, name))
			return req->headers[i].value;
	return NULL;
}

static int lists(const char *signed_headers, const char *name)
{
	size_t len = strlen(name);
	const char *p = signed_headers;

	while (p && *p) {
		if (!strncmp(p, name, len) && (p[len] == ';' || !p[len]))
			return 1;
		p = strchr(p, ';');
		p = p ? p + 1 : NULL;
	}
	return 0;
}

int ecsctl_sigv4_verify(struct ecsctl_sigv4_auth *scope, const struct ecsctl_sigv4_request *req,
                        const char *authorization, const char *access_key, const char *secret_key,
                        int64_t now_s, struct ecsctl_error *err)
{
	struct ecsctl_sigv4_auth a;
	struct ecsctl_sigv4_request r = *req;
	struct ecsctl_error perr = ECSCTL_ERROR_INIT;
	const char *date = header(req, "x-amz-date");
	char sig[65], expected_day[9];
	int64_t t;
	int rc;

	if (scope)
		memset(scope, 0, sizeof(*scope));
	if (!authorization || ecsctl_sigv4_parse_authorization(&a, authorization, &perr)) {
		ecsctl_error_release(&perr);
		return fail(err, "IncompleteSignatureException",
		            "Authorization header requires 'Credential', 'Signature' and "
		            "'SignedHeaders' parameters%s",
		            "");
	}
	if (scope)
		*scope = a;
	if (!access_key || strcmp(a.access_key, access_key))
		return fail(err, "UnrecognizedClientException",
		            "The security token included in the request is invalid.%s", "");
	/* X-Amz-Date is the basic form, 16 characters, and nothing else */
	if (!date || strlen(date) != 16 || ecsctl_timestamp_parse(date, &t))
		return fail(err, "IncompleteSignatureException",
		            "Authorization header requires existence of either a 'X-Amz-Date' or "
		            "a 'Date' header.%s",
		            "");
	memcpy(expected_day, date, 8);
	expected_day[8] = '\0';
	if (strcmp(expected_day, a.date))
		return fail(err, "InvalidSignatureException",
		            "Date in Credential scope does not match YYYYMMDD from ISO-8601 "
		            "version of date from HTTP: '%s'",
		            a.date);
	if (now_s && (t < now_s - MAX_SKEW_S || t > now_s + MAX_SKEW_S))
		return fail(err, "InvalidSignatureException",
		            "Signature expired: %s is now earlier or later than the allowed "
		            "5 minutes.",
		            date);
	if (!lists(a.signed_headers, "host"))
		return fail(err, "InvalidSignatureException",
		            "'Host' must be a 'SignedHeader' in the AWS Authorization.%s", "");
	r.signed_headers = a.signed_headers;
	rc = ecsctl_sigv4_signature(sig, &r, date, a.region, a.service, secret_key, &perr);
	if (rc || !ecsctl_sigv4_equal(sig, a.signature)) {
		ecsctl_error_release(&perr);
		return fail(err, "InvalidSignatureException",
		            "The request signature we calculated does not match the signature "
		            "you provided. Check your AWS Secret Access Key and signing method.%s",
		            "");
	}
	return 0;
}
