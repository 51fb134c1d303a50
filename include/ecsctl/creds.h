/*
 * AWS credentials: the SDKs' default chain, with refresh.
 *
 * Order (the first source that is configured wins; later sources are not
 * tried when it fails, so a broken configuration is reported, not masked):
 *   1. env: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN);
 *      skipped when --profile was given explicitly, as the SDKs do
 *   2. web identity: AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE
 *      (+ AWS_ROLE_SESSION_NAME), STS AssumeRoleWithWebIdentity, unsigned
 *   3. shared files for the profile (--profile, AWS_PROFILE, "default"):
 *      role_arn + source_profile (STS AssumeRole signed with the source
 *      profile's keys; chains up to 5 deep) or + credential_source
 *      (Environment, EcsContainer, Ec2InstanceMetadata) or
 *      + web_identity_token_file (AssumeRoleWithWebIdentity), else SSO when the
 *      profile has sso_account_id / sso_role_name (with sso_session naming a
 *      [sso-session NAME] section, or legacy sso_start_url + sso_region): the
 *      token `aws sso login` cached in ~/.aws/sso/cache/<sha1>.json (refreshed
 *      through SSO-OIDC CreateToken for sso_session, saved back 0600), then the
 *      portal's GetRoleCredentials, else aws_access_key_id /
 *      aws_secret_access_key / aws_session_token from the credentials file,
 *      else credential_process (run under /bin/sh -c; its standard output is
 *      JSON Version 1, its standard error passes through; killed with its
 *      process group after ECSCTL_CREDENTIAL_PROCESS_TIMEOUT seconds, default
 *      60), else the keys in the config file
 *   4. ECS container: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (on
 *      169.254.170.2) or AWS_CONTAINER_CREDENTIALS_FULL_URI (https, or
 *      http on a loopback/ECS/EKS address) with AWS_CONTAINER_AUTHORIZATION_TOKEN
 *      or _TOKEN_FILE as the Authorization header
 *   5. EC2 IMDSv2 (token PUT, role name, credentials) on
 *      AWS_EC2_METADATA_SERVICE_ENDPOINT (default http://169.254.169.254),
 *      unless AWS_EC2_METADATA_DISABLED=true
 * STS endpoint: AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, else
 * https://sts.<region>.<dnsSuffix> (https://sts.amazonaws.com without region).
 * SSO: AWS_ENDPOINT_URL_SSO / AWS_ENDPOINT_URL_SSO_OIDC, AWS_ENDPOINT_URL, else
 * https://portal.sso.<sso_region>.<dnsSuffix> / https://oidc.<sso_region>.<dnsSuffix>.
 *
 * Temporary credentials are refreshed when less than the refresh margin
 * (default 5 minutes) is left; if a refresh fails while the old ones have not
 * expired, the old ones are used.
 */
#ifndef ECSCTL_CREDS_H
#define ECSCTL_CREDS_H

#include <stdbool.h>
#include <stdint.h>

#include "ecsctl/error.h"
#include "ecsctl/http.h"

struct ecsctl_creds {
	char *access_key_id;
	char *secret_access_key;
	char *session_token; /* NULL for long-term keys */
	int64_t expires_ms;  /* wall clock; 0 = does not expire */
	const char *source;  /* static: "env", "web-identity", "profile", "assume-role",
	                        "sso", "process", "container", "imds", "static" */
};

/* Frees and zeroes (secrets are wiped first). Accepts NULL. */
void ecsctl_creds_release(struct ecsctl_creds *c);

struct ecsctl_creds_options {
	const char *profile;                     /* --profile; NULL = AWS_PROFILE or "default" */
	const char *region;                      /* for the regional STS endpoint; may be NULL */
	const char *const *env;                  /* NULL = environ */
	struct ecsctl_http_transport *transport; /* borrowed; NULL = a private libcurl one */
	int64_t refresh_margin_ms;               /* 0 = 5 minutes */
	long timeout_ms;                         /* per HTTP request; 0 = 5000 (IMDS: 1000) */
	bool no_imds;                            /* never ask instance metadata (see ecs.h) */
};
#define ECSCTL_CREDS_OPTIONS_INIT                                                                  \
	{                                                                                          \
		NULL, NULL, NULL, NULL, 0, 0, false                                                \
	}

struct ecsctl_creds_provider;

/* Makes a provider for the default chain; nothing is fetched yet. */
int ecsctl_creds_provider_new(struct ecsctl_creds_provider **out,
                              const struct ecsctl_creds_options *opts, struct ecsctl_error *err);

/* A provider that always returns these keys (copied). */
int ecsctl_creds_provider_static(struct ecsctl_creds_provider **out, const char *access_key_id,
                                 const char *secret_access_key, const char *session_token,
                                 struct ecsctl_error *err);

/*
 * Current credentials, resolved on first use and refreshed before expiry.
 * `*out` is borrowed and valid until the next call or the provider's free.
 * ECSCTL_EINVAL when no source is configured or a source is misconfigured,
 * ECSCTL_EAWS when STS refused (err->aws_code set), ECSCTL_ENET/ETIMEOUT when
 * an endpoint could not be reached. Messages never contain secrets.
 */
int ecsctl_creds_get(const struct ecsctl_creds **out, struct ecsctl_creds_provider *p,
                     struct ecsctl_error *err);

void ecsctl_creds_provider_free(struct ecsctl_creds_provider *p);

#endif
