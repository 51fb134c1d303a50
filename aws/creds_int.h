/* Inside the credentials provider (aws/creds*.c). */
#ifndef ECSCTL_CREDS_INT_H
#define ECSCTL_CREDS_INT_H

#include "ecsctl/creds.h"
#include "ecsctl/http.h"

enum creds_source {
	CREDS_NONE,
	CREDS_STATIC,
	CREDS_ENV,
	CREDS_WEB_IDENTITY,
	CREDS_PROFILE,
	CREDS_CONTAINER,
	CREDS_IMDS
};

struct ecsctl_creds_provider {
	enum creds_source source;
	struct ecsctl_creds cur;
	char *profile; /* the profile to read (explicit or AWS_PROFILE or "default") */
	int profile_explicit;
	char *region;
	const char *const *env;
	struct ecsctl_http_transport *transport;
	struct ecsctl_http_transport own_transport;
	int64_t margin_ms;
	long timeout_ms;
	long imds_timeout_ms;
	bool no_imds;
	bool sts_legacy; /* AWS_STS_REGIONAL_ENDPOINTS=legacy */
};

/* An expiry (ISO 8601 UTC, ecsctl/timestamp.h) in ms since the epoch, whole
 * seconds; -1 when malformed or NULL. */
int64_t creds_time_ms(const char *s);

int creds_http(struct ecsctl_http_exchange *x, struct ecsctl_creds_provider *p, const char *method,
               const char *url, const char *const *headers, size_t nheaders, const char *body,
               long timeout_ms, struct ecsctl_error *err);
int creds_sts_web_identity(struct ecsctl_creds *out, struct ecsctl_creds_provider *p,
                           const char *role_arn, const char *token_file, const char *session,
                           struct ecsctl_error *err);
int creds_sts_assume_role(struct ecsctl_creds *out, struct ecsctl_creds_provider *p,
                          const struct ecsctl_creds *source, const char *role_arn,
                          const char *session, const char *external_id, const char *duration,
                          struct ecsctl_error *err);
int creds_container(struct ecsctl_creds *out, struct ecsctl_creds_provider *p,
                    struct ecsctl_error *err);
int creds_imds(struct ecsctl_creds *out, struct ecsctl_creds_provider *p, struct ecsctl_error *err);

/* A profile's SSO keys; start_url and region come from the
 * [sso-session NAME] section when `session` is set. */
struct creds_sso_settings {
	char *session, *start_url, *region, *account_id, *role_name;
};
void creds_sso_settings_release(struct creds_sso_settings *s);
/* HOME/.aws/sso/cache/<sha1 hex of key>.json, as `aws sso login` names it;
 * the key is the session name, or the start URL for a legacy profile. */
int creds_sso_cache_path(char **out, const char *home, const char *key, struct ecsctl_error *err);
/* A GetRoleCredentials answer ({"roleCredentials": {...}}) into `out`. */
int creds_sso_parse_role_credentials(struct ecsctl_creds *out, const char *body, size_t len,
                                     struct ecsctl_error *err);
/* Role credentials for an SSO profile (see creds_sso.c). */
int creds_sso(struct ecsctl_creds *out, struct ecsctl_creds_provider *p, const char *profile,
              struct creds_sso_settings *s, struct ecsctl_error *err);

/* Runs a profile's credential_process (see creds_process.c). */
int creds_process(struct ecsctl_creds *out, struct ecsctl_creds_provider *p, const char *command,
                  struct ecsctl_error *err);
/* Its standard output (JSON, Version 1) into `out`; credentials already
 * expired at `now_ms` are refused. Messages never quote the text. */
int creds_process_parse(struct ecsctl_creds *out, const char *text, size_t len, int64_t now_ms,
                        struct ecsctl_error *err);

#endif
