/* The default credentials chain and its refresh. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ecsctl/aws.h"
#include "creds_int.h"
#include "banned.h"

#define MAX_ROLE_DEPTH 5

static void wipe_free(char *s)
{
	if (s) {
		memset(s, 0, strlen(s));
		free(s);
	}
}

void ecsctl_creds_release(struct ecsctl_creds *c)
{
	if (!c)
		return;
	wipe_free(c->access_key_id);
	wipe_free(c->secret_access_key);
	wipe_free(c->session_token);
	memset(c, 0, sizeof(*c));
}

static int set_keys(struct ecsctl_creds *c, const char *ak, const char *sk, const char *tok,
                    const char *source, struct ecsctl_error *err)
{
	c->access_key_id = strdup(ak);
	c->secret_access_key = strdup(sk);
	c->session_token = tok && *tok ? strdup(tok) : NULL;
	c->expires_ms = 0;
	c->source = source;
	if (!c->access_key_id || !c->secret_access_key || (tok && *tok && !c->session_token)) {
		ecsctl_creds_release(c);
		return ecsctl_error_nomem(err);
	}
	return 0;
}

static int new_provider(struct ecsctl_creds_provider **out, struct ecsctl_error *err)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : ecsctl_error_nomem(err);
}

int ecsctl_creds_provider_static(struct ecsctl_creds_provider **out, const char *access_key_id,
                                 const char *secret_access_key, const char *session_token,
                                 struct ecsctl_error *err)
{
	int rc = new_provider(out, err);

	if (rc)
		return rc;
	(*out)->source = CREDS_STATIC;
	rc = set_keys(&(*out)->cur, access_key_id, secret_access_key, session_token, "static", err);
	if (rc) {
		ecsctl_creds_provider_free(*out);
		*out = NULL;
	}
	return rc;
}

int ecsctl_creds_provider_new(struct ecsctl_creds_provider **out,
                              const struct ecsctl_creds_options *opts, struct ecsctl_error *err)
{
	struct ecsctl_creds_provider *p = NULL;
	struct ecsctl_aws_settings set;
	struct ecsctl_http_config hc;
	const char *profile;
	int rc = new_provider(&p, err);

	*out = NULL;
	memset(&set, 0, sizeof(set));
	if (rc)
		return rc;
	p->env = opts->env;
	p->profile_explicit = opts->profile && *opts->profile;
	profile = p->profile_explicit ? opts->profile : ecsctl_aws_getenv(opts->env, "AWS_PROFILE");
	p->profile = strdup(profile ? profile : "default");
	p->region = opts->region ? strdup(opts->region) : NULL;
	p->margin_ms = opts->refresh_margin_ms > 0 ? opts->refresh_margin_ms : 5 * 60 * 1000;
	p->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : 5000;
	p->imds_timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : 1000;
	p->no_imds = opts->no_imds;
	if (!p->profile || (opts->region && !p->region)) {
		rc = ecsctl_error_nomem(err);
		goto fail;
	}
	rc = ecsctl_aws_settings_load(&set, p->profile, opts->env, err);
	if (rc)
		goto fail;
	p->sts_legacy = set.sts_legacy;
	if (opts->transport) {
		p->transport = opts->transport;
	} else {
		ecsctl_aws_settings_http(&hc, &set, 4);
		rc = ecsctl_http_curl_new_config(&p->own_transport, &hc, err);
		if (rc)
			goto fail;
		p->transport = &p->own_transport;
	}
	ecsctl_aws_settings_release(&set);
	*out = p;
	return 0;
fail:
	ecsctl_aws_settings_release(&set);
	ecsctl_creds_provider_free(p);
	return rc;
}

void ecsctl_creds_provider_free(struct ecsctl_creds_provider *p)
{
	if (!p)
		return;
	ecsctl_creds_release(&p->cur);
	ecsctl_http_transport_release(&p->own_transport);
	free(p->profile);
	free(p->region);
	free(p);
}

static int env_keys(struct ecsctl_creds *out, const char *const *env, struct ecsctl_error *err)
{
	const char *ak = ecsctl_aws_getenv(env, "AWS_ACCESS_KEY_ID");
	const char *sk = ecsctl_aws_getenv(env, "AWS_SECRET_ACCESS_KEY");

	if (!ak || !sk)
		return ecsctl_error_set(err, ECSCTL_EINVAL,
		                        "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set "
		                        "together");
	return set_keys(out, ak, sk, ecsctl_aws_getenv(env, "AWS_SESSION_TOKEN"), "env", err);
}

struct profile_vals {
	char *role_arn, *source_profile, *credential_source, *session, *external_id, *duration;
	char *web_token_file, *process;
	struct creds_sso_settings sso;
	char *ak, *sk, *tok;
	int in_config, in_creds;
	int keys_in_creds; /* the keys came from the credentials file */
};

static void profile_vals_release(struct profile_vals *v)
{
	free(v->role_arn);
	free(v->source_profile);
	free(v->credential_source);
	free(v->session);
	free(v->external_id);
	free(v->duration);
	free(v->web_token_file);
	free(v->process);
	creds_sso_settings_release(&v->sso);
	wipe_free(v->ak);
	wipe_free(v->sk);
	wipe_free(v->tok);
	memset(v, 0, sizeof(*v));
}

static int read_profile(struct profile_vals *v, const char *profile, const char *const *env,
                        struct ecsctl_error *err)
{
	static const char *const keys[] = {"aws_access_key_id", "aws_secret_access_key",
	                                   "aws_session_token"};
	char **dst[3];
	int rc = 0, i, found;

	memset(v, 0, sizeof(*v));
	dst[0] = &v->ak;
	dst[1] = &v->sk;
	dst[2] = &v->tok;
	/* the credentials file wins over the config file for keys, as in botocore */
	for (i = 0; !rc && i < 3; i++) {
		rc = ecsctl_aws_profile_value(dst[i], &found, profile, keys[i], 0, env, err);
		v->in_creds |= found;
	}
	v->keys_in_creds = v->ak && v->sk && *v->ak && *v->sk;
	for (i = 0; !rc && i < 3; i++) {
		if (*dst[i])
			continue;
		rc = ecsctl_aws_profile_value(dst[i], &found, profile, keys[i], 1, env, err);
		v->in_config |= found;
	}
	if (!rc)
		rc = ecsctl_aws_profile_value(&v->role_arn, &found, profile, "role_arn", 1, env,
		                              err);
	v->in_config |= found;
	if (!rc)
		rc = ecsctl_aws_profile_value(&v->source_profile, NULL, profile, "source_profile",
		                              1, env, err);
	if (!rc)
		rc = ecsctl_aws_profile_value(&v->credential_source, NULL, profile,
		                              "credential_source", 1, env, err);
	if (!rc)
		rc = ecsctl_aws_profile_value(&v->session, NULL, profile, "role_session_name", 1,
		                              env, err);
	if (!rc)
		rc = ecsctl_aws_profile_value(&v->external_id, NULL, profile, "external_id", 1, env,
		                              err);
	if (!rc)
		rc = ecsctl_aws_profile_value(&v->duration, NULL, profile, "duration_seconds", 1,
		                              env, err);
	if (!rc)
		rc = ecsctl_aws_profile_value(&v->web_token_file, NULL, profile,
		                              "web_identity_token_file", 1, env, err);
	if (!rc)
		rc = ecsctl_aws_profile_value(&v->process, NULL, profile, "credential_process", 1,
		                              env, err);
	if (!rc)
		rc = ecsctl_aws_profile_value(&v->sso.session, NULL, profile, "sso_session", 1, env,
		                              err);
	if (!rc)
		rc = ecsctl_aws_profile_value(&v->sso.start_url, NULL, profile, "sso_start_url", 1,
		                              env, err);
	if (!rc)
		rc = ecsctl_aws_profile_value(&v->sso.region, NULL, profile, "sso_region", 1, env,
		                              err);
	if (!rc)
		rc = ecsctl_aws_profile_value(&v->sso.account_id, NULL, profile, "sso_account_id",
		                              1, env, err);
	if (!rc)
		rc = ecsctl_aws_profile_value(&v->sso.role_name, NULL, profile, "sso_role_name", 1,
		                              env, err);
	if (rc)
		profile_vals_release(v);
	return rc;
}

static int profile_creds(struct ecsctl_creds *out, struct ecsctl_creds_provider *p,
                         const char *profile, int depth, struct ecsctl_error *err)
{
	struct profile_vals v;
	struct ecsctl_creds src = {0};
	int rc = read_profile(&v, profile, p->env, err);

	if (rc)
		return rc;
	if (v.role_arn && *v.role_arn && v.web_token_file && *v.web_token_file &&
	    !v.source_profile && !v.credential_source) {
		rc = creds_sts_web_identity(out, p, v.role_arn, v.web_token_file, v.session, err);
		if (!rc)
			out->source = "web-identity";
		ecsctl_error_wrap(err, "profile '%s'", profile);
	} else if (v.role_arn && *v.role_arn) {
		if (depth >= MAX_ROLE_DEPTH) {
			rc = ecsctl_error_set(err, ECSCTL_EINVAL,
			                      "profile '%s': role chain deeper than %d (a cycle?)",
			                      profile, MAX_ROLE_DEPTH);
		} else if (v.source_profile && *v.source_profile) {
			/* a profile naming itself uses its own keys as the source */
			if (!strcmp(v.source_profile, profile) && v.ak && v.sk)
				rc = set_keys(&src, v.ak, v.sk, v.tok, "profile", err);
			else
				rc = profile_creds(&src, p, v.source_profile, depth + 1, err);
		} else if (v.credential_source && !strcasecmp(v.credential_source, "Environment")) {
			rc = env_keys(&src, p->env, err);
		} else if (v.credential_source &&
		           !strcasecmp(v.credential_source, "EcsContainer")) {
			rc = creds_container(&src, p, err);
		} else if (v.credential_source &&
		           !strcasecmp(v.credential_source, "Ec2InstanceMetadata")) {
			rc = creds_imds(&src, p, err);
		} else {
			rc = ecsctl_error_set(err, ECSCTL_EINVAL,
			                      "profile '%s': role_arn needs source_profile or a "
			                      "known credential_source",
			                      profile);
		}
		if (!rc)
			rc = creds_sts_assume_role(out, p, &src, v.role_arn, v.session,
			                           v.external_id, v.duration, err);
		if (!rc)
			out->source = "assume-role";
		ecsctl_error_wrap(err, "profile '%s'", profile);
	} else if (v.sso.account_id || v.sso.role_name) {
		/* botocore: SSO when the profile names an account or a role */
		rc = creds_sso(out, p, profile, &v.sso, err);
		ecsctl_error_wrap(err, "profile '%s'", profile);
	} else if (v.keys_in_creds || (v.ak && v.sk && *v.ak && *v.sk && !v.process)) {
		/* botocore's order: credentials-file keys, credential_process, config-file keys */
		rc = set_keys(out, v.ak, v.sk, v.tok, "profile", err);
	} else if (v.process && *v.process) {
		rc = creds_process(out, p, v.process, err);
		ecsctl_error_wrap(err, "profile '%s'", profile);
	} else if (v.sso.session || v.sso.start_url) {
		rc = ecsctl_error_set(err, ECSCTL_EINVAL,
		                      "profile '%s' names an SSO session but no sso_account_id and "
		                      "sso_role_name",
		                      profile);
	} else if (v.in_config || v.in_creds) {
		rc = ecsctl_error_set(err, ECSCTL_EINVAL,
		                      "profile '%s' has no credentials: none of aws_access_key_id, "
		                      "role_arn, credential_process, sso_session or sso_start_url",
		                      profile);
	} else {
		rc = ecsctl_error_set(err, ECSCTL_EINVAL, "profile '%s' not found", profile);
	}
	ecsctl_creds_release(&src);
	profile_vals_release(&v);
	return rc;
}

/* Which source is configured; the SDKs' order. */
static int pick_source(struct ecsctl_creds_provider *p, struct ecsctl_error *err)
{
	const char *const *env = p->env;
	struct profile_vals v;
	const char *md;
	int rc;

	if (!p->profile_explicit && (ecsctl_aws_getenv(env, "AWS_ACCESS_KEY_ID") ||
	                             ecsctl_aws_getenv(env, "AWS_SECRET_ACCESS_KEY"))) {
		p->source = CREDS_ENV;
		return 0;
	}
	if (ecsctl_aws_getenv(env, "AWS_ROLE_ARN") &&
	    ecsctl_aws_getenv(env, "AWS_WEB_IDENTITY_TOKEN_FILE")) {
		p->source = CREDS_WEB_IDENTITY;
		return 0;
	}
	rc = read_profile(&v, p->profile, env, err);
	if (rc)
		return rc;
	if (v.in_config || v.in_creds || p->profile_explicit) {
		/* an explicit profile that does not exist is an error, not a fallthrough */
		p->source = CREDS_PROFILE;
		profile_vals_release(&v);
		return 0;
	}
	profile_vals_release(&v);
	if (ecsctl_aws_getenv(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") ||
	    ecsctl_aws_getenv(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
		p->source = CREDS_CONTAINER;
		return 0;
	}
	md = ecsctl_aws_getenv(env, "AWS_EC2_METADATA_DISABLED");
	if (p->no_imds || (md && !strcasecmp(md, "true")))
		return ecsctl_error_set(err, ECSCTL_EINVAL,
		                        "no AWS credentials: set AWS_ACCESS_KEY_ID/"
		                        "AWS_SECRET_ACCESS_KEY, a profile, web identity or "
		                        "container credentials");
	p->source = CREDS_IMDS;
	return 0;
}

static int fetch(struct ecsctl_creds *out, struct ecsctl_creds_provider *p,
                 struct ecsctl_error *err)
{
	int rc;

	switch (p->source) {
	case CREDS_ENV:
		return env_keys(out, p->env, err);
	case CREDS_WEB_IDENTITY:
		rc = creds_sts_web_identity(
		    out, p, ecsctl_aws_getenv(p->env, "AWS_ROLE_ARN"),
		    ecsctl_aws_getenv(p->env, "AWS_WEB_IDENTITY_TOKEN_FILE"),
		    ecsctl_aws_getenv(p->env, "AWS_ROLE_SESSION_NAME"), err);
		if (!rc)
			out->source = "web-identity";
		return rc;
	case CREDS_PROFILE:
		return profile_creds(out, p, p->profile, 0, err);
	case CREDS_CONTAINER:
		rc = creds_container(out, p, err);
		if (!rc)
			out->source = "container";
		return rc;
	case CREDS_IMDS:
		rc = creds_imds(out, p, err);
		if (!rc)
			out->source = "imds";
		else
			ecsctl_error_wrap(err,
			                  "no AWS credentials found (tried env, web identity, "
			                  "profile '%s', container, then instance metadata)",
			                  p->profile);
		return rc;
	default:
		return ecsctl_error_set(err, ECSCTL_EINVAL, "no credentials source");
	}
}

int ecsctl_creds_get(const struct ecsctl_creds **out, struct ecsctl_creds_provider *p,
                     struct ecsctl_error *err)
{
	struct ecsctl_creds fresh = {0};
	struct ecsctl_error ferr = ECSCTL_ERROR_INIT;
	int64_t now;
	int rc;

	*out = NULL;
	if (p->source == CREDS_STATIC) {
		*out = &p->cur;
		return 0;
	}
	if (p->source == CREDS_NONE) {
		rc = pick_source(p, err);
		if (rc)
			return rc;
	}
	if (p->cur.access_key_id) {
		now = p->transport->wall_ms(p->transport->ud);
		if (!p->cur.expires_ms || now + p->margin_ms < p->cur.expires_ms) {
			*out = &p->cur;
			return 0;
		}
	}
	rc = fetch(&fresh, p, &ferr);
	if (rc) {
		/* a failed advisory refresh keeps the credentials that still work */
		if (p->cur.access_key_id &&
		    p->transport->wall_ms(p->transport->ud) < p->cur.expires_ms) {
			ecsctl_error_release(&ferr);
			*out = &p->cur;
			return 0;
		}
		if (err && !err->code)
			ecsctl_error_move(err, &ferr);
		else
			ecsctl_error_release(&ferr);
		return rc;
	}
	ecsctl_creds_release(&p->cur);
	p->cur = fresh;
	*out = &p->cur;
	return 0;
}
