#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "ecsctl/http.h"
#include "banned.h"

#define MAX_HEADERS_LEN (256u << 10)

struct curl_tr {
	CURLM *multi;
	int inflight;
	char *ca_bundle, *http_proxy, *https_proxy, *no_proxy; /* NULL = none */
};

struct easy_data {
	CURL *easy;
	struct curl_slist *hdrs;
};

void ecsctl_http_exchange_release(struct ecsctl_http_exchange *x)
{
	if (!x)
		return;
	ecsctl_buf_release(&x->resp_headers);
	ecsctl_buf_release(&x->resp_body);
}

char *ecsctl_http_header(const struct ecsctl_http_exchange *x, const char *name)
{
	size_t nlen = strlen(name);
	const char *p = x->resp_headers.buf;

	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);

		if (len > nlen && p[nlen] == ':' && !strncasecmp(p, name, nlen)) {
			const char *v = p + nlen + 1;
			const char *end = p + len;

			while (v < end && (*v == ' ' || *v == '\t'))
				v++;
			while (end > v && (end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
				end--;
			return strndup(v, (size_t)(end - v));
		}
		if (!eol)
			break;
		p = eol + 1;
	}
	return NULL;
}

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
	struct ecsctl_http_exchange *x = arg;
	size_t len = size * n;

	/* a new status line (after 100 Continue) starts a new header block */
	if (len >= 5 && !strncmp(data, "HTTP/", 5))
		ecsctl_buf_reset(&x->resp_headers);
	ecsctl_buf_add(&x->resp_headers, data, len);
	return ecsctl_buf_failed(&x->resp_headers) ? 0 : len;
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct ecsctl_http_exchange *x = arg;
	size_t len = size * n;

	ecsctl_buf_add(&x->resp_body, data, len);
	return ecsctl_buf_failed(&x->resp_body) ? 0 : len;
}

static void easy_free(struct ecsctl_http_exchange *x)
{
	struct easy_data *d = x->transport_data;

	if (!d)
		return;
	curl_easy_cleanup(d->easy);
	curl_slist_free_all(d->hdrs);
	free(d);
	x->transport_data = NULL;
}

static int tr_start(void *ud, struct ecsctl_http_exchange *x, struct ecsctl_error *err)
{
	struct curl_tr *tr = ud;
	struct easy_data *d = calloc(1, sizeof(*d));
	struct curl_slist *l;
	CURL *e = NULL;
	size_t i;

	ecsctl_http_exchange_release(x);
	ecsctl_buf_init(&x->resp_headers, MAX_HEADERS_LEN);
	ecsctl_buf_init(&x->resp_body, ECSCTL_HTTP_MAX_BODY);
	x->finished = 0;
	x->net = ECSCTL_HTTP_OK;
	x->net_message[0] = '\0';
	x->status = 0;
	if (!d || !(e = curl_easy_init()))
		goto oom;
	d->easy = e;
	x->transport_data = d;
	for (i = 0; i < x->nheaders; i++) {
		if (!(l = curl_slist_append(d->hdrs, x->headers[i])))
			goto oom;
		d->hdrs = l;
	}
	/* no "Expect: 100-continue" round trip; curl adds Accept only if asked */
	if (!(l = curl_slist_append(d->hdrs, "Expect:")))
		goto oom;
	d->hdrs = l;
	curl_easy_setopt(e, CURLOPT_URL, x->url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (tr->ca_bundle)
		curl_easy_setopt(e, CURLOPT_CAINFO, tr->ca_bundle);
	/* "" stops libcurl from reading proxies from the process environment:
	 * the caller's settings are the whole truth */
	curl_easy_setopt(e, CURLOPT_PROXY,
	                 !strncasecmp(x->url, "https:", 6)
	                     ? (tr->https_proxy ? tr->https_proxy : "")
	                     : (tr->http_proxy ? tr->http_proxy : ""));
	if (tr->no_proxy)
		curl_easy_setopt(e, CURLOPT_NOPROXY, tr->no_proxy);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
	                 x->connect_timeout_ms > 0 ? x->connect_timeout_ms : 5000L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, x->timeout_ms > 0 ? x->timeout_ms : 60000L);
	if (x->fresh_connect) {
		curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
		curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
	}
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, d->hdrs);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, x->method);
	if (!strcmp(x->method, "GET")) {
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	} else if (!strcmp(x->method, "PUT") || !strcmp(x->method, "POST") || x->body_len) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->body_len);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->body ? x->body : "");
	}
	if (curl_multi_add_handle(tr->multi, e) != CURLM_OK)
		goto oom;
	tr->inflight++;
	return 0;
oom:
	if (d && !x->transport_data) {
		if (e)
			curl_easy_cleanup(e);
		free(d);
	}
	easy_free(x);
	return ecsctl_error_set(err, ECSCTL_ENOMEM, "http: cannot start a request");
}

static enum ecsctl_http_net classify(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
		return ECSCTL_HTTP_CONNECT;
	case CURLE_OPERATION_TIMEDOUT:
		return ECSCTL_HTTP_TIMEOUT;
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return ECSCTL_HTTP_RESET;
	default:
		return ECSCTL_HTTP_OTHER;
	}
}

static int tr_wait(void *ud, int64_t timeout_ms)
{
	struct curl_tr *tr = ud;
	int running = 0, left = 0, done = 0;
	CURLMsg *msg;

	if (!tr->inflight) {
		ecsctl_clock_sleep_ms(NULL, timeout_ms);
		return 0;
	}
	if (curl_multi_perform(tr->multi, &running) != CURLM_OK)
		return -1;
	if (running == tr->inflight) {
		if (curl_multi_poll(tr->multi, NULL, 0,
		                    (int)(timeout_ms < 0       ? 0
		                          : timeout_ms > 60000 ? 60000
		                                               : timeout_ms),
		                    NULL) != CURLM_OK)
			return -1;
		if (curl_multi_perform(tr->multi, &running) != CURLM_OK)
			return -1;
	}
	while ((msg = curl_multi_info_read(tr->multi, &left))) {
		struct ecsctl_http_exchange *x = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		if (msg->data.result == CURLE_OK) {
			curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &x->status);
		} else {
			const char *text = curl_easy_strerror(msg->data.result);

			x->net = classify(msg->data.result);
			if (msg->data.result == CURLE_WRITE_ERROR &&
			    (ecsctl_buf_too_large(&x->resp_body) ||
			     ecsctl_buf_too_large(&x->resp_headers)))
				x->net = ECSCTL_HTTP_TOO_BIG;
			snprintf(x->net_message, sizeof(x->net_message), "%s", text);
		}
		curl_multi_remove_handle(tr->multi, msg->easy_handle);
		easy_free(x);
		x->finished = 1;
		tr->inflight--;
		done++;
	}
	return done;
}

static void tr_cancel(void *ud, struct ecsctl_http_exchange *x)
{
	struct curl_tr *tr = ud;
	struct easy_data *d = x->transport_data;

	if (!d)
		return;
	curl_multi_remove_handle(tr->multi, d->easy);
	easy_free(x);
	tr->inflight--;
}

static void tr_free(struct curl_tr *tr)
{
	if (!tr)
		return;
	if (tr->multi)
		curl_multi_cleanup(tr->multi);
	free(tr->ca_bundle);
	free(tr->http_proxy);
	free(tr->https_proxy);
	free(tr->no_proxy);
	free(tr);
}

static void tr_destroy(void *ud)
{
	if (!ud)
		return;
	tr_free(ud);
	curl_global_cleanup();
}

static int dup_opt(char **out, const char *s)
{
	*out = s && *s ? strdup(s) : NULL;
	return s && *s && !*out;
}

int ecsctl_http_curl_new(struct ecsctl_http_transport *out, int max_host_connections,
                         struct ecsctl_error *err)
{
	struct ecsctl_http_config cfg = {0};

	cfg.max_host_connections = max_host_connections;
	return ecsctl_http_curl_new_config(out, &cfg, err);
}

int ecsctl_http_curl_new_config(struct ecsctl_http_transport *out,
                                const struct ecsctl_http_config *cfg, struct ecsctl_error *err)
{
	int max_host_connections = cfg->max_host_connections;
	struct curl_tr *tr = NULL;

	memset(out, 0, sizeof(*out));
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return ecsctl_error_set(err, ECSCTL_EIO, "http: libcurl failed to initialize");
	tr = calloc(1, sizeof(*tr));
	if (!tr || dup_opt(&tr->ca_bundle, cfg->ca_bundle) ||
	    dup_opt(&tr->http_proxy, cfg->http_proxy) ||
	    dup_opt(&tr->https_proxy, cfg->https_proxy) || dup_opt(&tr->no_proxy, cfg->no_proxy) ||
	    !(tr->multi = curl_multi_init())) {
		tr_free(tr);
		curl_global_cleanup();
		return ecsctl_error_nomem(err);
	}
	curl_multi_setopt(tr->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
	                  (long)(max_host_connections > 0 ? max_host_connections : 16));
	curl_multi_setopt(tr->multi, CURLMOPT_MAXCONNECTS,
	                  (long)(max_host_connections > 0 ? max_host_connections : 16) + 4);
	out->ud = tr;
	out->start = tr_start;
	out->wait = tr_wait;
	out->cancel = tr_cancel;
	out->now_ms = ecsctl_clock_now_ms;
	out->wall_ms = ecsctl_clock_wall_ms;
	out->sleep_ms = ecsctl_clock_sleep_ms;
	out->destroy = tr_destroy;
	return 0;
}

void ecsctl_http_transport_release(struct ecsctl_http_transport *t)
{
	if (!t)
		return;
	if (t->destroy)
		t->destroy(t->ud);
	memset(t, 0, sizeof(*t));
}

int ecsctl_http_run(struct ecsctl_http_transport *t, struct ecsctl_http_exchange *x,
                    struct ecsctl_error *err)
{
	int rc = t->start(t->ud, x, err);

	while (!rc && !x->finished) {
		if (t->wait(t->ud, 1000) < 0) {
			t->cancel(t->ud, x);
			return ecsctl_error_set(err, ECSCTL_ENET, "http: transport failure");
		}
	}
	if (rc)
		return rc;
	if (x->net == ECSCTL_HTTP_TIMEOUT)
		return ecsctl_error_set(err, ECSCTL_ETIMEOUT, "%s %s: %s", x->method, x->url,
		                        x->net_message);
	if (x->net != ECSCTL_HTTP_OK)
		return ecsctl_error_set(err, ECSCTL_ENET, "%s %s: %s", x->method, x->url,
		                        x->net_message);
	return 0;
}
