/*
 * IAM Identity Center (SSO) profiles, as botocore reads them:
 *   - sso_session = NAME, with sso_start_url and sso_region in
 *     "[sso-session NAME]"; the token cached by `aws sso login` is
 *     ~/.aws/sso/cache/<sha1(NAME)>.json and is refreshed through SSO-OIDC
 *     CreateToken (refresh_token grant) when it has less than 15 minutes left;
 *   - legacy: sso_start_url and sso_region in the profile; the cache file is
 *     <sha1(start URL)>.json and is never refreshed.
 * Either way the profile's sso_account_id and sso_role_name go to the portal's
 * GetRoleCredentials with the token in x-amz-sso_bearer_token.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "ecsctl/aws.h"
#include "ecsctl/sigv4.h"
#include "ecsctl/timestamp.h"
#include "creds_int.h"
#include "banned.h"

#define REFRESH_WINDOW_MS (15 * 60 * 1000)
#define MAX_CACHE_FILE (1u << 20)

void creds_sso_settings_release(struct creds_sso_settings *s)
{
	free(s->session);
	free(s->start_url);
	free(s->region);
	free(s->account_id);
	free(s->role_name);
	memset(s, 0, sizeof(*s));
}

int creds_sso_cache_path(char **out, const char *home, const char *key, struct ecsctl_error *err)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	*out = NULL;
	if (!EVP_Digest(key, strlen(key), md, &mdlen, EVP_sha1(), NULL))
		return ecsctl_error_set(err, ECSCTL_EIO, "sha1 failed");
	ecsctl_buf_addf(&b, "%s/.aws/sso/cache/", home);
	ecsctl_buf_addhex(&b, md, mdlen);
	ecsctl_buf_adds(&b, ".json");
	*out = ecsctl_buf_detach(&b);
	return *out ? 0 : ecsctl_error_nomem(err);
}

/* The value of `key` in the sso-session section, which must exist. */
static int session_value(char **out, const char *session, const char *key, const char *const *env,
                         struct ecsctl_error *err)
{
	int found = 0;
	int rc = ecsctl_aws_sso_session_value(out, &found, session, key, env, err);

	if (!rc && !found)
		rc = ecsctl_error_set(err, ECSCTL_EINVAL,
		                      "sso_session '%s' names no [sso-session %s] section in the "
		                      "config file",
		                      session, session);
	return rc;
}

static int creds_sso_resolve(struct creds_sso_settings *s, const char *const *env,
                             struct ecsctl_error *err)
{
	static const char *const keys[] = {"sso_start_url", "sso_region"};
	char **dst[2];
	size_t i;
	int rc = 0;

	dst[0] = &s->start_url;
	dst[1] = &s->region;
	if (s->session) {
		for (i = 0; !rc && i < 2; i++) {
			char *v = NULL;

			rc = session_value(&v, s->session, keys[i], env, err);
			if (!rc && !v)
				rc = ecsctl_error_set(err, ECSCTL_EINVAL,
				                      "[sso-session %s] lacks %s", s->session,
				                      keys[i]);
			else if (!rc && *dst[i] && strcmp(*dst[i], v))
				rc = ecsctl_error_set(err, ECSCTL_EINVAL,
				                      "%s differs between the profile (%s) and "
				                      "[sso-session %s] (%s)",
				                      keys[i], *dst[i], s->session, v);
			if (!rc) {
				free(*dst[i]);
				*dst[i] = v;
			} else {
				free(v);
			}
		}
	}
	if (rc)
		return rc;
	if (!s->start_url || !s->region || !s->account_id || !s->role_name)
		return ecsctl_error_set(err, ECSCTL_EINVAL, "an SSO profile needs %s%s%s%s",
		                        !s->start_url ? "sso_start_url (or sso_session) " : "",
		                        !s->region ? "sso_region " : "",
		                        !s->account_id ? "sso_account_id " : "",
		                        !s->role_name ? "sso_role_name" : "");
	return 0;
}

static int load_json_file(json_t **out, const char *path, struct ecsctl_error *err)
{
	json_error_t jerr;
	FILE *f = fopen(path, "r");

	*out = NULL;
	if (!f)
		return errno == ENOENT ? 0
		                       : ecsctl_error_set(err, ECSCTL_EIO, "cannot read '%s': %s",
		                                          path, strerror(errno));
	*out = json_loadf(f, 0, &jerr);
	fclose(f);
	/* the position only: jansson quotes the text, which holds the token */
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return ecsctl_error_set(err, ECSCTL_EINVAL,
		                        "'%s' is not a JSON object (line %d, column %d)", path,
		                        jerr.line, jerr.column);
	}
	return 0;
}

/* Writes the refreshed token the way `aws sso login` leaves it: the whole
 * file replaced at once, readable by its owner only. */
static int save_json_file(const char *path, json_t *doc, struct ecsctl_error *err)
{
	struct ecsctl_buf tmp = ECSCTL_BUF_INIT;
	FILE *f = NULL;
	int fd, rc = 0;

	ecsctl_buf_addf(&tmp, "%s.XXXXXX", path);
	fd = mkstemp(tmp.buf);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		rc = ecsctl_error_set(err, ECSCTL_EIO, "cannot write '%s': %s", path,
		                      strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp.buf);
		}
		goto done;
	}
	if (json_dumpf(doc, f, JSON_COMPACT) || fclose(f) || rename(tmp.buf, path)) {
		rc = ecsctl_error_set(err, ECSCTL_EIO, "cannot write '%s': %s", path,
		                      strerror(errno));
		unlink(tmp.buf);
	}
done:
	ecsctl_buf_release(&tmp);
	return rc;
}

/* SSO-OIDC CreateToken with the refresh token; updates `tok` in place. */
static int refresh_token(json_t *tok, struct ecsctl_creds_provider *p,
                         const struct creds_sso_settings *s, int64_t now, struct ecsctl_error *err)
{
	const char *hdrs[] = {"Content-Type: application/json"};
	struct ecsctl_http_exchange x;
	json_t *req = NULL, *ans = NULL;
	char *url = NULL, *body = NULL, *etype = NULL, exp[ECSCTL_TIMESTAMP_MAX];
	struct ecsctl_buf u = ECSCTL_BUF_INIT;
	json_int_t expires_in;
	const char *access;
	int rc;

	memset(&x, 0, sizeof(x));
	rc = ecsctl_aws_resolve_endpoint(&url, "sso-oidc", NULL, s->region, p->env, err);
	if (rc)
		goto done;
	ecsctl_buf_addf(&u, "%s/token", url);
	req = json_pack("{s:O?, s:O?, s:s, s:O?}", "clientId", json_object_get(tok, "clientId"),
	                "clientSecret", json_object_get(tok, "clientSecret"), "grantType",
	                "refresh_token", "refreshToken", json_object_get(tok, "refreshToken"));
	body = req ? json_dumps(req, JSON_COMPACT) : NULL;
	if (!body || ecsctl_buf_failed(&u)) {
		rc = ecsctl_error_nomem(err);
		goto done;
	}
	rc = creds_http(&x, p, "POST", u.buf, hdrs, 1, body, p->timeout_ms, err);
	if (!rc) {
		etype = ecsctl_http_header(&x, "x-amzn-ErrorType");
		rc = ecsctl_aws_parse_json_answer(&ans, x.status, etype, NULL, x.resp_body.buf,
		                                  x.resp_body.len, err);
	}
	if (rc) {
		ecsctl_error_wrap(err, "sso-oidc CreateToken");
		goto done;
	}
	access = json_string_value(json_object_get(ans, "accessToken"));
	expires_in = json_integer_value(json_object_get(ans, "expiresIn"));
	if (!access || !*access || expires_in <= 0) {
		rc = ecsctl_error_set(err, ECSCTL_EIO, "sso-oidc CreateToken: malformed answer");
		goto done;
	}
	ecsctl_timestamp_format(exp, (double)((now + (int64_t)expires_in * 1000) / 1000));
	json_object_set(tok, "accessToken", json_object_get(ans, "accessToken"));
	json_object_set_new(tok, "expiresAt", json_string(exp));
	if (json_string_length(json_object_get(ans, "refreshToken")))
		json_object_set(tok, "refreshToken", json_object_get(ans, "refreshToken"));
done:
	if (body) {
		memset(body, 0, strlen(body));
		free(body);
	}
	json_decref(req);
	json_decref(ans);
	ecsctl_http_exchange_release(&x);
	ecsctl_buf_release(&u);
	free(url);
	free(etype);
	return rc;
}

/* Can the cached token be refreshed (botocore's conditions)? */
static int refreshable(const json_t *tok, int64_t now)
{
	static const char *const need[] = {"refreshToken", "clientId", "clientSecret"};
	const char *reg = json_string_value(json_object_get(tok, "registrationExpiresAt"));
	size_t i;

	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (!json_string_length(json_object_get(tok, need[i])))
			return 0;
	return reg && creds_time_ms(reg) > now;
}

/* The access token for `s`, refreshed and saved when due and possible. */
static int sso_token(char **out, struct ecsctl_creds_provider *p, const char *profile,
                     const struct creds_sso_settings *s, struct ecsctl_error *err)
{
	const char *home = ecsctl_aws_getenv(p->env, "HOME");
	const char *what = s->session ? "sso-session" : "SSO start URL";
	const char *name = s->session ? s->session : s->start_url;
	int64_t now = p->transport->wall_ms(p->transport->ud), expires;
	struct ecsctl_error rerr = ECSCTL_ERROR_INIT;
	char *path = NULL;
	json_t *tok = NULL;
	const char *access;
	int rc;

	*out = NULL;
	if (!home)
		return ecsctl_error_set(err, ECSCTL_EINVAL, "HOME is not set: no SSO token cache");
	rc = creds_sso_cache_path(&path, home, name, err);
	if (!rc)
		rc = load_json_file(&tok, path, err);
	if (rc)
		goto done;
	if (!tok) {
		rc = ecsctl_error_set(err, ECSCTL_EINVAL,
		                      "no SSO token for %s '%s' in %s: run `aws sso login "
		                      "--profile %s`",
		                      what, name, path, profile);
		goto done;
	}
	access = json_string_value(json_object_get(tok, "accessToken"));
	expires = creds_time_ms(json_string_value(json_object_get(tok, "expiresAt")));
	if (!access || !*access || expires < 0) {
		rc = ecsctl_error_set(
		    err, ECSCTL_EINVAL,
		    "the SSO token in %s lacks accessToken or expiresAt: run `aws "
		    "sso login --profile %s`",
		    path, profile);
		goto done;
	}
	if (s->session && expires - now < REFRESH_WINDOW_MS && refreshable(tok, now)) {
		if (!refresh_token(tok, p, s, now, &rerr)) {
			struct ecsctl_error serr = ECSCTL_ERROR_INIT;

			expires = creds_time_ms(
			    json_string_value(json_object_get(tok, "expiresAt")));
			/* a cache that cannot be written (read-only HOME) must not stop
			 * this run, which has its token: the next one refreshes again */
			save_json_file(path, tok, &serr);
			ecsctl_error_release(&serr);
		}
		/* a failed refresh still leaves a token that has not expired */
	}
	if (expires <= now) {
		char when[ECSCTL_TIMESTAMP_MAX];

		ecsctl_timestamp_format(when, (double)(expires / 1000));
		rc = ecsctl_error_set(err, ECSCTL_EINVAL,
		                      "the SSO token for %s '%s' expired at %s%s%s: run `aws sso "
		                      "login --profile %s`",
		                      what, name, when,
		                      rerr.message ? "; refreshing it failed: " : "",
		                      rerr.message ? rerr.message : "", profile);
		goto done;
	}
	if (strpbrk(json_string_value(json_object_get(tok, "accessToken")), "\r\n")) {
		rc = ecsctl_error_set(err, ECSCTL_EINVAL, "the SSO token in %s holds a newline",
		                      path);
		goto done;
	}
	if (!(*out = strdup(json_string_value(json_object_get(tok, "accessToken")))))
		rc = ecsctl_error_nomem(err);
done:
	ecsctl_error_release(&rerr);
	json_decref(tok);
	free(path);
	return rc;
}

int creds_sso_parse_role_credentials(struct ecsctl_creds *out, const char *body, size_t len,
                                     struct ecsctl_error *err)
{
	json_t *doc = json_loadb(body, len, 0, NULL);
	json_t *rc_obj = json_object_get(doc, "roleCredentials");
	const char *ak = json_string_value(json_object_get(rc_obj, "accessKeyId"));
	const char *sk = json_string_value(json_object_get(rc_obj, "secretAccessKey"));
	const char *tok = json_string_value(json_object_get(rc_obj, "sessionToken"));
	json_t *exp = json_object_get(rc_obj, "expiration");
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!ak || !*ak || !sk || !*sk || !tok || !*tok || !json_is_integer(exp) ||
	    json_integer_value(exp) <= 0) {
		rc = ecsctl_error_set(err, ECSCTL_EIO, "sso GetRoleCredentials: malformed answer");
	} else {
		out->access_key_id = strdup(ak);
		out->secret_access_key = strdup(sk);
		out->session_token = strdup(tok);
		out->expires_ms = json_integer_value(exp); /* epoch milliseconds */
		out->source = "sso";
		if (!out->access_key_id || !out->secret_access_key || !out->session_token) {
			ecsctl_creds_release(out);
			rc = ecsctl_error_nomem(err);
		}
	}
	json_decref(doc);
	return rc;
}

int creds_sso(struct ecsctl_creds *out, struct ecsctl_creds_provider *p, const char *profile,
              struct creds_sso_settings *s, struct ecsctl_error *err)
{
	struct ecsctl_buf url = ECSCTL_BUF_INIT, hdr = ECSCTL_BUF_INIT;
	struct ecsctl_http_exchange x;
	json_t *ignored = NULL;
	const char *hdrs[1];
	char *base = NULL, *token = NULL, *etype = NULL, *reqid = NULL;
	int rc;

	memset(&x, 0, sizeof(x));
	memset(out, 0, sizeof(*out));
	rc = creds_sso_resolve(s, p->env, err);
	if (!rc)
		rc = sso_token(&token, p, profile, s, err);
	if (!rc)
		rc = ecsctl_aws_resolve_endpoint(&base, "sso", NULL, s->region, p->env, err);
	if (rc)
		goto done;
	ecsctl_buf_addf(&url, "%s/federation/credentials?account_id=", base);
	ecsctl_sigv4_uri_encode(&url, s->account_id, strlen(s->account_id), 0);
	ecsctl_buf_adds(&url, "&role_name=");
	ecsctl_sigv4_uri_encode(&url, s->role_name, strlen(s->role_name), 0);
	ecsctl_buf_addf(&hdr, "x-amz-sso_bearer_token: %s", token);
	if (ecsctl_buf_failed(&url) || ecsctl_buf_failed(&hdr)) {
		rc = ecsctl_error_nomem(err);
		goto done;
	}
	hdrs[0] = hdr.buf;
	rc = creds_http(&x, p, "GET", url.buf, hdrs, 1, NULL, p->timeout_ms, err);
	if (rc)
		goto done;
	if (x.status == 200) {
		rc = creds_sso_parse_role_credentials(out, x.resp_body.buf, x.resp_body.len, err);
		goto done;
	}
	etype = ecsctl_http_header(&x, "x-amzn-ErrorType");
	reqid = ecsctl_http_header(&x, "x-amzn-RequestId");
	rc = ecsctl_aws_parse_json_answer(&ignored, x.status, etype, reqid, x.resp_body.buf,
	                                  x.resp_body.len, err);
	if (!rc)
		rc = ecsctl_error_set(err, ECSCTL_EAWS, "HTTP %ld", x.status);
	if (x.status == 401)
		ecsctl_error_wrap(err,
		                  "the SSO portal refused the cached token (run `aws sso login "
		                  "--profile %s`)",
		                  profile);
	ecsctl_error_wrap(err, "sso GetRoleCredentials for account %s role %s", s->account_id,
	                  s->role_name);
done:
	json_decref(ignored);
	if (token) {
		memset(token, 0, strlen(token));
		free(token);
	}
	if (hdr.alloc)
		memset(hdr.buf, 0, hdr.len);
	ecsctl_buf_release(&hdr);
	ecsctl_buf_release(&url);
	ecsctl_http_exchange_release(&x);
	free(base);
	free(etype);
	free(reqid);
	return rc;
}
