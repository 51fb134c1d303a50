/*
 * SigV4 verification for --require-sigv4, on top of the project's signer
 * (aws/sigv4.c): recompute the signature over exactly the headers the client
 * says it signed and answer failures as ECS does (HTTP 400,
 * InvalidSignatureException / UnrecognizedClientException / ...).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ecsctl/sigv4.h"
#include "sim_int.h"
#include "banned.h"

#define MAX_SIGNED 32
#define SKEW_S 300

static int parse_amz_date(const char *s, double *out)
{
	struct tm tm;
	int y, mo, d, h, mi, se;
	char z;

	if (!s || strlen(s) != 16 ||
	    sscanf(s, "%4d%2d%2dT%2d%2d%2d%c", &y, &mo, &d, &h, &mi, &se, &z) != 7 || z != 'Z')
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	*out = (double)timegm(&tm);
	return 0;
}

static int expired(const char *amz_date, double signed_at, double now, struct ecsctl_error *err)
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

int sim_sigv4_verify(const struct sim_sigv4_request *req, const char *key, const char *secret,
                     double now, struct ecsctl_error *err)
{
	struct ecsctl_error perr = ECSCTL_ERROR_INIT;
	struct ecsctl_sigv4_auth auth;
	struct ecsctl_sigv4_header hdrs[MAX_SIGNED];
	struct ecsctl_sigv4_request sr;
	const char *authz = req->header(req->arg, "Authorization");
	const char *amz_date = req->header(req->arg, "X-Amz-Date");
	char names[1024], sig[65];
	char *p, *save = NULL;
	size_t n = 0;
	double signed_at;

	if (!authz)
		return sim_fail(err, "MissingAuthenticationTokenException",
		                "Missing Authentication Token");
	if (ecsctl_sigv4_parse_authorization(&auth, authz, &perr)) {
		ecsctl_error_release(&perr);
		return sim_fail(err, "IncompleteSignatureException",
		                "Authorization header requires 'Credential', 'Signature' and "
		                "'SignedHeaders' parameters.");
	}
	if (strcmp(auth.access_key, key) != 0)
		return sim_fail(err, "UnrecognizedClientException",
		                "The security token included in the request is invalid.");
	if (parse_amz_date(amz_date, &signed_at))
		return sim_fail(err, "IncompleteSignatureException",
		                "Authorization header requires existence of either a 'X-Amz-Date' "
		                "or a 'Date' header.");
	if (fabs(signed_at - now) > SKEW_S)
		return expired(amz_date, signed_at, now, err);
	if (strncmp(auth.date, amz_date, 8) != 0)
		return sim_fail(err, "InvalidSignatureException",
		                "Date in Credential scope does not match YYYYMMDD from ISO-8601 "
		                "version of date from HTTP: '%s' != '%.8s'",
		                auth.date, amz_date);
	if (strcmp(auth.service, "ecs") != 0)
		return sim_fail(err, "InvalidSignatureException",
		                "Credential should be scoped to correct service: 'ecs'.");
	snprintf(names, sizeof(names), "%s", auth.signed_headers);
	for (p = strtok_r(names, ";", &save); p; p = strtok_r(NULL, ";", &save)) {
		const char *v = req->header(req->arg, p);
		if (!v || n == MAX_SIGNED)
			return sim_fail(err, "InvalidSignatureException",
			                "The request signature we calculated does not match the "
			                "signature you provided. Check your AWS Secret Access Key "
			                "and signing method. Consult the service documentation for "
			                "details.");
		hdrs[n].name = p;
		hdrs[n].value = v;
		n++;
	}
	memset(&sr, 0, sizeof(sr));
	sr.method = req->method;
	sr.path = req->path;
	sr.query = req->query;
	sr.headers = hdrs;
	sr.nheaders = n;
	sr.signed_headers = auth.signed_headers;
	sr.payload = req->body;
	sr.payload_len = req->body_len;
	if (ecsctl_sigv4_signature(sig, &sr, amz_date, auth.region, auth.service, secret, &perr) ||
	    !ecsctl_sigv4_equal(sig, auth.signature)) {
		ecsctl_error_release(&perr);
		return sim_fail(
		    err, "InvalidSignatureException",
		    "The request signature we calculated does not match the signature "
		    "you provided. Check your AWS Secret Access Key and signing method. "
		    "Consult the service documentation for details.");
	}
	return 0;
}
