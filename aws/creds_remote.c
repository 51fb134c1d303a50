/* Credentials from the ECS container endpoint and EC2 IMDSv2 (JSON answers). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "ecsctl/aws.h"
#include "creds_int.h"
#include "banned.h"

/* An authorization token is one line of a few hundred bytes (EKS Pod
 * Identity); a longer line is cut, and ECS refuses it. */
#define TOKEN_LINE_MAX 8192

/* {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"} as ECS and IMDS send it. */
static int json_creds(struct ecsctl_creds *out, const struct ecsctl_http_exchange *x,
                      const char *what, struct ecsctl_error *err)
{
	json_t *doc = NULL;
	const char *ak, *sk, *tok, *exp;

	if (x->status != 200)
		return ecsctl_error_set(err, ECSCTL_EAWS, "%s credentials: HTTP %ld", what,
		                        x->status);
	doc = json_loadb(x->resp_body.buf, x->resp_body.len, 0, NULL);
	ak = json_string_value(json_object_get(doc, "AccessKeyId"));
	sk = json_string_value(json_object_get(doc, "SecretAccessKey"));
	tok = json_string_value(json_object_get(doc, "Token"));
	exp = json_string_value(json_object_get(doc, "Expiration"));
	if (!ak || !sk || !*ak || !*sk) {
		json_decref(doc);
		return ecsctl_error_set(err, ECSCTL_EIO, "%s credentials: malformed answer", what);
	}
	out->access_key_id = strdup(ak);
	out->secret_access_key = strdup(sk);
	out->session_token = tok && *tok ? strdup(tok) : NULL;
	out->expires_ms = exp ? creds_time_ms(exp) : 0;
	json_decref(doc);
	if (out->expires_ms < 0 || !out->access_key_id || !out->secret_access_key) {
		ecsctl_creds_release(out);
		return ecsctl_error_set(err, ECSCTL_EIO, "%s credentials: bad Expiration", what);
	}
	return 0;
}

static int container_host_allowed(const char *url)
{
	static const char *const hosts[] = {"localhost", "[::1]", "169.254.170.2",
	                                    "169.254.170.23"};
	char *host = ecsctl_aws_url_host(url);
	size_t i, hlen;
	int ok = 0;

	if (!host)
		return 0;
	if (host[0] == '[')
		hlen = strchr(host, ']') ? (size_t)(strchr(host, ']') + 1 - host) : 0;
	else
		hlen = strcspn(host, ":");
	for (i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++)
		if (strlen(hosts[i]) == hlen && !strncmp(host, hosts[i], hlen))
			ok = 1;
	if (!strncmp(host, "127.", 4))
		ok = 1;
	free(host);
	return ok;
}

int creds_container(struct ecsctl_creds *out, struct ecsctl_creds_provider *p,
                    struct ecsctl_error *err)
{
	const char *rel = ecsctl_aws_getenv(p->env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = ecsctl_aws_getenv(p->env, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
	const char *tok = ecsctl_aws_getenv(p->env, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
	const char *tokfile = ecsctl_aws_getenv(p->env, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	struct ecsctl_buf url = ECSCTL_BUF_INIT, auth = ECSCTL_BUF_INIT;
	struct ecsctl_http_exchange x;
	const char *hdrs[1];
	int rc = 0;

	memset(&x, 0, sizeof(x));
	if (rel) {
		ecsctl_buf_addf(&url, "http://169.254.170.2%s%s", rel[0] == '/' ? "" : "/", rel);
	} else {
		if (strncasecmp(full, "https://", 8) &&
		    !(!strncasecmp(full, "http://", 7) && container_host_allowed(full))) {
			rc = ecsctl_error_set(err, ECSCTL_EINVAL,
			                      "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https or "
			                      "a loopback or ECS/EKS address");
			goto done;
		}
		ecsctl_buf_adds(&url, full);
		if (tokfile) {
			char line[TOKEN_LINE_MAX];
			FILE *f = fopen(tokfile, "r");

			if (!f || !fgets(line, sizeof(line), f)) {
				if (f)
					fclose(f);
				rc = ecsctl_error_set(
				    err, ECSCTL_EINVAL,
				    "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE '%s'",
				    tokfile);
				goto done;
			}
			fclose(f);
			line[strcspn(line, "\r\n")] = '\0';
			ecsctl_buf_addf(&auth, "Authorization: %s", line);
			memset(line, 0, sizeof(line));
		} else if (tok) {
			if (strpbrk(tok, "\r\n")) {
				rc = ecsctl_error_set(
				    err, ECSCTL_EINVAL,
				    "AWS_CONTAINER_AUTHORIZATION_TOKEN holds a newline");
				goto done;
			}
			ecsctl_buf_addf(&auth, "Authorization: %s", tok);
		}
	}
	hdrs[0] = auth.buf;
	rc = creds_http(&x, p, "GET", url.buf, hdrs, auth.len ? 1 : 0, NULL, p->timeout_ms, err);
	if (!rc)
		rc = json_creds(out, &x, "container", err);
done:
	if (auth.alloc)
		memset(auth.buf, 0, auth.len);
	ecsctl_buf_release(&auth);
	ecsctl_buf_release(&url);
	ecsctl_http_exchange_release(&x);
	return rc;
}

int creds_imds(struct ecsctl_creds *out, struct ecsctl_creds_provider *p, struct ecsctl_error *err)
{
	const char *base = ecsctl_aws_getenv(p->env, "AWS_EC2_METADATA_SERVICE_ENDPOINT");
	struct ecsctl_buf url = ECSCTL_BUF_INIT, th = ECSCTL_BUF_INIT;
	struct ecsctl_http_exchange x;
	const char *put_hdrs[] = {"X-aws-ec2-metadata-token-ttl-seconds: 21600"};
	const char *hdrs[1];
	char *role = NULL;
	size_t blen;
	long timeout = p->imds_timeout_ms;
	int rc;

	memset(&x, 0, sizeof(x));
	if (!base)
		base = "http://169.254.169.254";
	blen = strlen(base);
	while (blen && base[blen - 1] == '/')
		blen--;
	ecsctl_buf_addf(&url, "%.*s/latest/api/token", (int)blen, base);
	rc = creds_http(&x, p, "PUT", url.buf, put_hdrs, 1, "", timeout, err);
	if (rc)
		goto done;
	if (x.status != 200 || !x.resp_body.len || strpbrk(x.resp_body.buf, "\r\n")) {
		rc = ecsctl_error_set(err, ECSCTL_EAWS, "imds: token request answered HTTP %ld",
		                      x.status);
		goto done;
	}
	ecsctl_buf_addf(&th, "X-aws-ec2-metadata-token: %s", x.resp_body.buf);
	hdrs[0] = th.buf;
	ecsctl_buf_reset(&url);
	ecsctl_buf_addf(&url, "%.*s/latest/meta-data/iam/security-credentials/", (int)blen, base);
	ecsctl_http_exchange_release(&x);
	rc = creds_http(&x, p, "GET", url.buf, hdrs, 1, NULL, timeout, err);
	if (rc)
		goto done;
	if (x.status != 200 || !x.resp_body.len) {
		rc = ecsctl_error_set(err, ECSCTL_EAWS, "imds: no instance role (HTTP %ld)",
		                      x.status);
		goto done;
	}
	role = strndup(x.resp_body.buf, strcspn(x.resp_body.buf, "\r\n"));
	if (!role || !*role || strchr(role, '/') || strchr(role, '?')) {
		rc = ecsctl_error_set(err, ECSCTL_EIO, "imds: malformed role name");
		goto done;
	}
	ecsctl_buf_adds(&url, role);
	ecsctl_http_exchange_release(&x);
	rc = creds_http(&x, p, "GET", url.buf, hdrs, 1, NULL, timeout, err);
	if (!rc)
		rc = json_creds(out, &x, "imds", err);
done:
	if (th.alloc)
		memset(th.buf, 0, th.len);
	ecsctl_buf_release(&th);
	ecsctl_buf_release(&url);
	ecsctl_http_exchange_release(&x);
	free(role);
	return rc;
}
