/*
 * The SDKs' shared settings that are not credentials: retries, the CA
 * bundle, proxies, and the STS endpoint choice. Each is an environment
 * variable first, then a key of the profile in the config file, as in
 * botocore's configprovider.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ecsctl/aws.h"
#include "aws_int.h"
#include "banned.h"

/* Regions whose STS calls went to sts.amazonaws.com before regional
 * endpoints (botocore's sts endpoint-rule-set-1.json, UseGlobalEndpoint). */
static const char *const sts_legacy_global[] = {
    "ap-northeast-1", "ap-south-1",   "ap-southeast-1", "ap-southeast-2",
    "aws-global",     "ca-central-1", "eu-central-1",   "eu-north-1",
    "eu-west-1",      "eu-west-2",    "eu-west-3",      "sa-east-1",
    "us-east-1",      "us-east-2",    "us-west-1",      "us-west-2"};

const char *aws_profile_name(const char *profile, const char *const *env)
{
	if (profile && *profile)
		return profile;
	profile = ecsctl_aws_getenv(env, "AWS_PROFILE");
	return profile ? profile : "default";
}

/* `var` from the environment, else `key` of the profile; `*where` names the
 * one that was found, for messages. */
static int setting(char **out, const char **where, const char *var, const char *key,
                   const char *profile, const char *const *env, struct ecsctl_error *err)
{
	const char *v = ecsctl_aws_getenv(env, var);

	*where = var;
	if (v) {
		*out = strdup(v);
		return *out ? 0 : ecsctl_error_nomem(err);
	}
	*where = key;
	return ecsctl_aws_profile_value(out, NULL, profile, key, 1, env, err);
}

static int parse_retry_mode(enum ecsctl_aws_retry_mode *out, const char *v, const char *where,
                            struct ecsctl_error *err)
{
	if (!v)
		*out = ECSCTL_AWS_RETRY_DEFAULT;
	else if (!strcasecmp(v, "standard"))
		*out = ECSCTL_AWS_RETRY_STANDARD;
	else if (!strcasecmp(v, "adaptive"))
		*out = ECSCTL_AWS_RETRY_ADAPTIVE;
	else if (!strcasecmp(v, "legacy"))
		*out = ECSCTL_AWS_RETRY_LEGACY;
	else
		return ecsctl_error_set(err, ECSCTL_EINVAL,
		                        "%s must be standard, adaptive or legacy, not '%.40s'",
		                        where, v);
	return 0;
}

static int parse_max_attempts(int *out, const char *v, const char *where, struct ecsctl_error *err)
{
	char *end;
	long n;

	*out = 0;
	if (!v)
		return 0;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < 1 || n > 100)
		return ecsctl_error_set(err, ECSCTL_EINVAL,
		                        "%s must be a whole number from 1 to 100, not '%.40s'",
		                        where, v);
	*out = (int)n;
	return 0;
}

static int parse_sts(bool *legacy, const char *v, const char *where, struct ecsctl_error *err)
{
	*legacy = v && !strcasecmp(v, "legacy");
	if (v && !*legacy && strcasecmp(v, "regional"))
		return ecsctl_error_set(err, ECSCTL_EINVAL,
		                        "%s must be regional or legacy, not '%.40s'", where, v);
	return 0;
}

/* The lowercase name first, then the uppercase one, as curl and Python do. */
static int proxy_var(char **out, const char *lower, const char *upper, const char *const *env)
{
	const char *v = ecsctl_aws_getenv(env, lower);

	if (!v)
		v = ecsctl_aws_getenv(env, upper);
	*out = v ? strdup(v) : NULL;
	return v && !*out;
}

int ecsctl_aws_settings_load(struct ecsctl_aws_settings *s, const char *profile,
                             const char *const *env, struct ecsctl_error *err)
{
	const char *name = aws_profile_name(profile, env), *where = NULL;
	char *v = NULL;
	int rc;

	memset(s, 0, sizeof(*s));
	rc = setting(&v, &where, "AWS_RETRY_MODE", "retry_mode", name, env, err);
	if (!rc)
		rc = parse_retry_mode(&s->retry_mode, v, where, err);
	free(v);
	v = NULL;
	if (!rc)
		rc = setting(&v, &where, "AWS_MAX_ATTEMPTS", "max_attempts", name, env, err);
	if (!rc)
		rc = parse_max_attempts(&s->max_attempts, v, where, err);
	free(v);
	v = NULL;
	if (!rc)
		rc = setting(&v, &where, "AWS_STS_REGIONAL_ENDPOINTS", "sts_regional_endpoints",
		             name, env, err);
	if (!rc)
		rc = parse_sts(&s->sts_legacy, v, where, err);
	free(v);
	if (!rc)
		rc = setting(&s->ca_bundle, &where, "AWS_CA_BUNDLE", "ca_bundle", name, env, err);
	/* checked now: a typo would otherwise surface as a TLS failure later */
	if (!rc && s->ca_bundle && access(s->ca_bundle, R_OK))
		rc = ecsctl_error_set(err, ECSCTL_EINVAL, "%s '%s' cannot be read: %s", where,
		                      s->ca_bundle, strerror(errno));
	if (!rc && (proxy_var(&s->http_proxy, "http_proxy", "HTTP_PROXY", env) ||
	            proxy_var(&s->https_proxy, "https_proxy", "HTTPS_PROXY", env) ||
	            proxy_var(&s->no_proxy, "no_proxy", "NO_PROXY", env)))
		rc = ecsctl_error_nomem(err);
	if (rc)
		ecsctl_aws_settings_release(s);
	return rc;
}

void ecsctl_aws_settings_release(struct ecsctl_aws_settings *s)
{
	free(s->ca_bundle);
	free(s->http_proxy);
	free(s->https_proxy);
	free(s->no_proxy);
	memset(s, 0, sizeof(*s));
}

void ecsctl_aws_settings_http(struct ecsctl_http_config *cfg, const struct ecsctl_aws_settings *s,
                              int max_host_connections)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_host_connections = max_host_connections;
	cfg->ca_bundle = s->ca_bundle;
	cfg->http_proxy = s->http_proxy;
	cfg->https_proxy = s->https_proxy;
	cfg->no_proxy = s->no_proxy;
}

int ecsctl_aws_sts_endpoint(char **url, const char **signing_region, const char *region,
                            bool legacy, const char *const *env, struct ecsctl_error *err)
{
	int overridden = ecsctl_aws_getenv(env, "AWS_ENDPOINT_URL_STS") ||
	                 ecsctl_aws_getenv(env, "AWS_ENDPOINT_URL");
	size_t i;

	*url = NULL;
	*signing_region = region ? region : "us-east-1";
	if (!overridden && region && legacy)
		for (i = 0; i < sizeof(sts_legacy_global) / sizeof(sts_legacy_global[0]); i++)
			if (!strcmp(region, sts_legacy_global[i])) {
				region = NULL;
				break;
			}
	if (!overridden && !region) {
		/* the global endpoint, signed for us-east-1 */
		*signing_region = "us-east-1";
		*url = strdup("https://sts.amazonaws.com");
		return *url ? 0 : ecsctl_error_nomem(err);
	}
	return ecsctl_aws_resolve_endpoint(url, "sts", NULL, region, env, err);
}
