/* Credentials from STS (query protocol, XML answers): AssumeRole, AssumeRoleWithWebIdentity. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ecsctl/aws.h"
#include "ecsctl/sigv4.h"
#include "ecsctl/timestamp.h"
#include "creds_int.h"
#include "banned.h"

#define STS_VERSION "2011-06-15"
/* A web identity token is a JWT of a few KB (EKS, GitHub Actions); a
 * larger file is not one. */
#define WEB_IDENTITY_TOKEN_MAX (64 << 10)
#define READ_CHUNK 4096
int64_t creds_time_ms(const char *s)
{
	int64_t t;

	return ecsctl_timestamp_parse(s, &t) ? -1 : t * 1000;
}

int creds_http(struct ecsctl_http_exchange *x, struct ecsctl_creds_provider *p, const char *method,
               const char *url, const char *const *headers, size_t nheaders, const char *body,
               long timeout_ms, struct ecsctl_error *err)
{
	memset(x, 0, sizeof(*x));
	x->method = method;
	x->url = url;
	x->headers = headers;
	x->nheaders = nheaders;
	x->body = body;
	x->body_len = body ? strlen(body) : 0;
	x->timeout_ms = timeout_ms;
	x->connect_timeout_ms = timeout_ms;
	return ecsctl_http_run(p->transport, x, err);
}

/* An STS answer (XML) into credentials, or its <Error> into `err`. */
static int sts_answer(struct ecsctl_creds *out, const struct ecsctl_http_exchange *x,
                      const char *action, struct ecsctl_error *err)
{
	const char *body = x->resp_body.buf;
	char *reqid = NULL, *exp = NULL;
	const char *creds;
	int rc = 0;

	if (x->status != 200) {
		reqid = ecsctl_http_header(x, "x-amzn-RequestId");
		ecsctl_aws_parse_xml_error(x->status, reqid, body, x->resp_body.len, err);
		rc = ecsctl_error_wrap(err, "sts %s", action);
		goto done;
	}
	creds = strstr(body, "<Credentials>");
	if (creds) {
		const char *end = body + x->resp_body.len;

		out->access_key_id = ecsctl_aws_xml_text(creds, end, "AccessKeyId");
		out->secret_access_key = ecsctl_aws_xml_text(creds, end, "SecretAccessKey");
		out->session_token = ecsctl_aws_xml_text(creds, end, "SessionToken");
		exp = ecsctl_aws_xml_text(creds, end, "Expiration");
	}
	if (!out->access_key_id || !out->secret_access_key || !out->session_token || !exp ||
	    (out->expires_ms = creds_time_ms(exp)) < 0) {
		ecsctl_creds_release(out);
		rc = ecsctl_error_set(err, ECSCTL_EIO, "sts %s: malformed answer", action);
	}
done:
	free(reqid);
	free(exp);
	return rc;
}

static void add_param(struct ecsctl_buf *b, const char *k, const char *v)
{
	if (!v)
		return;
	ecsctl_buf_addf(b, "%s%s=", b->len ? "&" : "", k);
	ecsctl_sigv4_uri_encode(b, v, strlen(v), 0);
}

static void session_name(char out[48], struct ecsctl_creds_provider *p)
{
	snprintf(out, 48, "ecsctl-%lld",
	         (long long)(p->transport->wall_ms(p->transport->ud) / 1000));
}

int creds_sts_web_identity(struct ecsctl_creds *out, struct ecsctl_creds_provider *p,
                           const char *role_arn, const char *token_file, const char *session,
                           struct ecsctl_error *err)
{
	struct ecsctl_buf body = ECSCTL_BUF_INIT, token = ECSCTL_BUF_INIT;
	struct ecsctl_http_exchange x;
	const char *hdrs[] = {"Content-Type: application/x-www-form-urlencoded; charset=utf-8"};
	char *url = NULL, name[48], buf[READ_CHUNK];
	const char *region; /* unsigned call: the endpoint is all that matters */
	size_t n;
	FILE *f = NULL;
	int rc;

	memset(&x, 0, sizeof(x));
	ecsctl_buf_init(&token, WEB_IDENTITY_TOKEN_MAX);
	f = fopen(token_file, "r");
	if (!f) {
		rc = ecsctl_error_set(err, ECSCTL_EINVAL,
		                      "cannot read web identity token file '%s'", token_file);
		goto done;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		ecsctl_buf_add(&token, buf, n);
	ecsctl_buf_rtrim(&token);
	if (ecsctl_buf_failed(&token) || !token.len) {
		rc = ecsctl_error_set(err, ECSCTL_EINVAL,
		                      "web identity token file '%s' is empty or too big",
		                      token_file);
		goto done;
	}
	session_name(name, p);
	rc = ecsctl_aws_sts_endpoint(&url, &region, p->region, p->sts_legacy, p->env, err);
	if (rc)
		goto done;
	add_param(&body, "Action", "AssumeRoleWithWebIdentity");
	add_param(&body, "Version", STS_VERSION);
	add_param(&body, "RoleArn", role_arn);
	add_param(&body, "RoleSessionName", session ? session : name);
	add_param(&body, "WebIdentityToken", token.buf);
	rc = creds_http(&x, p, "POST", url, hdrs, 1, body.buf, p->timeout_ms, err);
	if (!rc)
		rc = sts_answer(out, &x, "AssumeRoleWithWebIdentity", err);
done:
	if (f)
		fclose(f);
	if (token.alloc)
		memset(token.buf, 0, token.len);
	if (body.alloc)
		memset(body.buf, 0, body.len);
	ecsctl_buf_release(&token);
	ecsctl_buf_release(&body);
	ecsctl_http_exchange_release(&x);
	free(url);
	return rc;
}

int creds_sts_assume_role(struct ecsctl_creds *out, struct ecsctl_creds_provider *p,
                          const struct ecsctl_creds *source, const char *role_arn,
                          const char *session, const char *external_id, const char *duration,
                          struct ecsctl_error *err)
{
	struct ecsctl_buf body = ECSCTL_BUF_INIT, auth = ECSCTL_BUF_INIT;
	struct ecsctl_buf h_auth = ECSCTL_BUF_INIT, h_tok = ECSCTL_BUF_INIT,
	                  h_host = ECSCTL_BUF_INIT;
	struct ecsctl_buf h_date = ECSCTL_BUF_INIT;
	struct ecsctl_http_exchange x;
	struct ecsctl_sigv4_header sh[4];
	struct ecsctl_sigv4_request req = {0};
	const char *ctype = "application/x-www-form-urlencoded; charset=utf-8";
	const char *hdrs[5];
	char *url = NULL, *host = NULL, name[48], date[17];
	const char *region;
	size_t nh = 0, nsh = 0;
	int rc;

	memset(&x, 0, sizeof(x));
	rc = ecsctl_aws_sts_endpoint(&url, &region, p->region, p->sts_legacy, p->env, err);
	if (rc)
		goto done;
	if (!(host = ecsctl_aws_url_host(url)))
		goto oom;
	session_name(name, p);
	add_param(&body, "Action", "AssumeRole");
	add_param(&body, "Version", STS_VERSION);
	add_param(&body, "RoleArn", role_arn);
	add_param(&body, "RoleSessionName", session ? session : name);
	add_param(&body, "ExternalId", external_id);
	add_param(&body, "DurationSeconds", duration);
	ecsctl_sigv4_amz_date(date, p->transport->wall_ms(p->transport->ud) / 1000);
	sh[nsh++] = (struct ecsctl_sigv4_header){"content-type", ctype};
	sh[nsh++] = (struct ecsctl_sigv4_header){"host", host};
	sh[nsh++] = (struct ecsctl_sigv4_header){"x-amz-date", date};
	if (source->session_token)
		sh[nsh++] = (struct ecsctl_sigv4_header){"x-amz-security-token",
		                                         source->session_token};
	req.method = "POST";
	req.path = "/";
	req.headers = sh;
	req.nheaders = nsh;
	req.payload = body.buf;
	req.payload_len = body.len;
	rc = ecsctl_sigv4_authorization(&auth, &req, date, region, "sts", source->access_key_id,
	                                source->secret_access_key, err);
	if (rc)
		goto done;
	ecsctl_buf_addf(&h_host, "Host: %s", host);
	ecsctl_buf_addf(&h_date, "X-Amz-Date: %s", date);
	ecsctl_buf_addf(&h_auth, "Authorization: %s", auth.buf);
	hdrs[nh++] = "Content-Type: application/x-www-form-urlencoded; charset=utf-8";
	hdrs[nh++] = h_host.buf;
	hdrs[nh++] = h_date.buf;
	hdrs[nh++] = h_auth.buf;
	if (source->session_token) {
		ecsctl_buf_addf(&h_tok, "X-Amz-Security-Token: %s", source->session_token);
		hdrs[nh++] = h_tok.buf;
	}
	if (ecsctl_buf_failed(&h_tok) || ecsctl_buf_failed(&h_auth) || ecsctl_buf_failed(&body))
		goto oom;
	rc = creds_http(&x, p, "POST", url, hdrs, nh, body.buf, p->timeout_ms, err);
	if (!rc)
		rc = sts_answer(out, &x, "AssumeRole", err);
	goto done;
oom:
	rc = ecsctl_error_nomem(err);
done:
	if (h_tok.alloc)
		memset(h_tok.buf, 0, h_tok.len);
	ecsctl_buf_release(&body);
	ecsctl_buf_release(&auth);
	ecsctl_buf_release(&h_auth);
	ecsctl_buf_release(&h_tok);
	ecsctl_buf_release(&h_host);
	ecsctl_buf_release(&h_date);
	ecsctl_http_exchange_release(&x);
	free(url);
	free(host);
	return rc;
}
