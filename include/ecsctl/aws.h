/*
 * Shared AWS plumbing: the environment seam, region and endpoint resolution,
 * the shared config/credentials files, and the AWS JSON 1.1 answer parser.
 *
 * The environment is always passed in as a NULL-terminated "NAME=value" list
 * (NULL means the process environment) so that tests are hermetic.
 */
#ifndef ECSCTL_AWS_H
#define ECSCTL_AWS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "ecsctl/error.h"
#include "ecsctl/http.h"

/* Value of `name` in `env` (NULL = environ); NULL when unset. An empty value
 * counts as unset, as the SDKs treat it. Borrowed. */
const char *ecsctl_aws_getenv(const char *const *env, const char *name);

/*
 * Region, first found: `flag` (--region), AWS_REGION, AWS_DEFAULT_REGION, the
 * profile's `region` in the config file (profile = `profile`, else
 * AWS_PROFILE, else "default"), then `config_region` (ecsctl.yaml). `*out`
 * is a new string; ECSCTL_EINVAL when none is found or the name is not a
 * valid region (letters, digits, '-').
 */
int ecsctl_aws_resolve_region(char **out, const char *flag, const char *profile,
                              const char *config_region, const char *const *env,
                              struct ecsctl_error *err);

/*
 * Endpoint for `service` ("ecs", "sts", "sso", "sso-oidc"), first found: `flag`
 * (--endpoint-url), AWS_ENDPOINT_URL_<SERVICE> ('-' becomes '_'), AWS_ENDPOINT_URL, else
 * https://<service>.<region>.<dnsSuffix> (portal.sso. for sso, oidc. for sso-oidc), or as
 * endpoint-rule-set-1.json says with AWS_USE_FIPS_ENDPOINT=true (<service>-fips.) and/or
 * AWS_USE_DUALSTACK_ENDPOINT=true (the partition's dualStackDnsSuffix). A
 * trailing '/' is dropped. `*out` is a new string; ECSCTL_EINVAL for a URL that
 * is not http(s), or FIPS/dual-stack with a custom URL or a partition without them.
 */
int ecsctl_aws_resolve_endpoint(char **out, const char *service, const char *flag,
                                const char *region, const char *const *env,
                                struct ecsctl_error *err);

/* The Host header (and SigV4 host) for a URL: lowercase host, port kept
 * unless it is the scheme's default, userinfo dropped. New string or NULL. */
char *ecsctl_aws_url_host(const char *url);

/*
 * Parses an AWS JSON 1.1 answer. A 2xx answer yields its JSON object in
 * `*out` (a new reference; an empty body is {}), or ECSCTL_EIO when the body
 * is not a JSON object. Any other status is ECSCTL_EAWS with err->aws_code,
 * err->http_status and err->request_id filled: the code from the
 * X-Amzn-ErrorType header, else the body's `__type`, else its `code`, cut at
 * the first ':' and after the last '#'; the status as the code when none of
 * these exist ("503"). `error_type` and `request_id` are header values or
 * NULL. Never reads past `len`.
 */
int ecsctl_aws_parse_json_answer(json_t **out, long status, const char *error_type,
                                 const char *request_id, const char *body, size_t len,
                                 struct ecsctl_error *err);

/* An element of an XML answer (query protocol, S3): its content is
 * [start, end), the text after its closing tag starts at `after`. */
struct ecsctl_aws_xml_span {
	const char *start, *end, *after;
};

/* The first <tag> in [from, to) with its content (nested elements of the
 * same name, as list <member>s, are counted). 0, or -1 when absent. */
int ecsctl_aws_xml_find(struct ecsctl_aws_xml_span *out, const char *from, const char *to,
                        const char *tag);
/* [a, b) with the XML entities decoded; a new string, NULL when out of memory. */
char *ecsctl_aws_xml_decode(const char *a, const char *b);
/* The decoded text of the first <tag> in [from, to); NULL when absent. */
char *ecsctl_aws_xml_text(const char *from, const char *to, const char *tag);

/*
 * A failed query-protocol or S3 answer (status not 2xx) into `err`:
 * ECSCTL_EAWS with aws_code from <Code> (the status when absent: "404"),
 * the message from <Message>, the request id from `request_id` (a header)
 * or <RequestId>. Returns the code set.
 */
int ecsctl_aws_parse_xml_error(long status, const char *request_id, const char *body, size_t len,
                               struct ecsctl_error *err);

/* The error-name classes the retry policy needs. */
int ecsctl_aws_is_throttling(const char *code, long http_status);
int ecsctl_aws_is_transient(const char *code, long http_status);

/*
 * One value from the shared files: `key` in the section for `profile`, from
 * the config file (AWS_CONFIG_FILE or ~/.aws/config; sections "[default]" and
 * "[profile NAME]") when `config` is 1, else from the credentials file
 * (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials; sections "[NAME]").
 * `*out` is a new string or NULL when absent (also when the file is missing).
 * `*section_found` (may be NULL) tells whether the profile's section exists.
 */
int ecsctl_aws_profile_value(char **out, int *section_found, const char *profile, const char *key,
                             int config, const char *const *env, struct ecsctl_error *err);

/* The same for a "[sso-session NAME]" section of the config file. */
int ecsctl_aws_sso_session_value(char **out, int *section_found, const char *session,
                                 const char *key, const char *const *env, struct ecsctl_error *err);

enum ecsctl_aws_retry_mode {
	ECSCTL_AWS_RETRY_DEFAULT = 0, /* unset: adaptive with ecsctl's throttle budget (ecs.h) */
	ECSCTL_AWS_RETRY_STANDARD,
	ECSCTL_AWS_RETRY_ADAPTIVE,
	ECSCTL_AWS_RETRY_LEGACY
};

/*
 * The SDKs' shared settings, each an environment variable, else a key of the
 * profile (`profile`, else AWS_PROFILE, else "default") in the config file:
 *   AWS_RETRY_MODE / retry_mode: standard, adaptive or legacy
 *   AWS_MAX_ATTEMPTS / max_attempts: attempts per call, 1..100
 *   AWS_STS_REGIONAL_ENDPOINTS / sts_regional_endpoints: regional or legacy
 *   AWS_CA_BUNDLE / ca_bundle: a PEM file, which must be readable
 * and the proxies, from the environment only: http_proxy, https_proxy and
 * no_proxy (the lowercase name first, then the uppercase one).
 * ECSCTL_EINVAL names the variable or key holding a bad value.
 */
struct ecsctl_aws_settings {
	enum ecsctl_aws_retry_mode retry_mode;
	int max_attempts; /* 0 = unset */
	bool sts_legacy;
	char *ca_bundle, *http_proxy, *https_proxy, *no_proxy; /* NULL = unset */
};

int ecsctl_aws_settings_load(struct ecsctl_aws_settings *s, const char *profile,
                             const char *const *env, struct ecsctl_error *err);
void ecsctl_aws_settings_release(struct ecsctl_aws_settings *s);
/* The HTTP transport's configuration from `s` (borrows its strings). */
void ecsctl_aws_settings_http(struct ecsctl_http_config *cfg, const struct ecsctl_aws_settings *s,
                              int max_host_connections);

/*
 * The STS endpoint and the region to sign for: AWS_ENDPOINT_URL_STS or
 * AWS_ENDPOINT_URL when set; else https://sts.amazonaws.com (signed for
 * us-east-1) without a region, or with `legacy` for the 16 regions that used
 * it before regional endpoints; else https://sts.<region>.<dnsSuffix>.
 */
int ecsctl_aws_sts_endpoint(char **url, const char **signing_region, const char *region,
                            bool legacy, const char *const *env, struct ecsctl_error *err);

#endif
