#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "ecsctl/buf.h"
#include "ecsctl/sigv4.h"
#include "loopback.h"

struct lb_server {
	struct MHD_Daemon *d;
	lb_handler h;
	void *ud;
	pthread_mutex_t lock;
	int port, active, max_active;
	char url[64];
};

struct conn {
	struct ecsctl_buf body;
};

static enum MHD_Result add_header(void *cls, enum MHD_ValueKind kind, const char *k, const char *v)
{
	ecsctl_buf_addf(cls, "%s: %s\n", k, v ? v : "");
	return MHD_YES;
}

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *k, const char *v)
{
	struct ecsctl_buf *b = cls;

	if (b->len)
		ecsctl_buf_addch(b, '&');
	ecsctl_sigv4_uri_encode(b, k, strlen(k), 0);
	if (v) {
		ecsctl_buf_addch(b, '=');
		ecsctl_sigv4_uri_encode(b, v, strlen(v), 0);
	}
	return MHD_YES;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *mc, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_size, void **con_cls)
{
	struct lb_server *s = cls;
	struct conn *c = *con_cls;
	struct ecsctl_buf hdrs = ECSCTL_BUF_INIT, query = ECSCTL_BUF_INIT;
	struct lb_request req;
	struct lb_response resp;
	struct MHD_Response *r;
	const union MHD_ConnectionInfo *ci;
	enum MHD_Result ret;
	char *body;
	int i;

	if (!c) {
		c = calloc(1, sizeof(*c));
		ecsctl_buf_init(&c->body, 0);
		*con_cls = c;
		return MHD_YES;
	}
	if (*upload_size) {
		ecsctl_buf_add(&c->body, upload_data, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	MHD_get_connection_values(mc, MHD_HEADER_KIND, add_header, &hdrs);
	MHD_get_connection_values(mc, MHD_GET_ARGUMENT_KIND, add_arg, &query);
	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	req.method = method;
	req.url = url;
	req.query = query.buf;
	req.headers = hdrs.buf;
	req.body = c->body.buf;
	req.body_len = c->body.len;
	ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
		req.client_port = ntohs(((const struct sockaddr_in *)ci->client_addr)->sin_port);
	resp.status = 200;
	pthread_mutex_lock(&s->lock);
	s->active++;
	if (s->active > s->max_active)
		s->max_active = s->active;
	s->h(s->ud, &req, &resp);
	/* handlers answer from shared buffers: copy while still serialized */
	body = strdup(resp.body ? resp.body : "");
	pthread_mutex_unlock(&s->lock);
	if (resp.delay_ms)
		sleep_ms(resp.delay_ms);
	pthread_mutex_lock(&s->lock);
	s->active--;
	pthread_mutex_unlock(&s->lock);
	ecsctl_buf_release(&hdrs);
	ecsctl_buf_release(&query);
	if (resp.reset) {
		free(body);
		return MHD_NO;
	}
	r = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
	for (i = 0; i < 4 && resp.headers[i][0]; i++)
		MHD_add_response_header(r, resp.headers[i][0], resp.headers[i][1]);
	ret = MHD_queue_response(mc, (unsigned)resp.status, r);
	MHD_destroy_response(r);
	return ret;
}

static void on_done(void *cls, struct MHD_Connection *mc, void **con_cls,
                    enum MHD_RequestTerminationCode toe)
{
	struct conn *c = *con_cls;

	if (c) {
		ecsctl_buf_release(&c->body);
		free(c);
		*con_cls = NULL;
	}
}

struct lb_server *lb_start(lb_handler h, void *ud)
{
	return lb_start_tls(h, ud, NULL, NULL);
}

struct lb_server *lb_start_tls(lb_handler h, void *ud, const char *cert_pem, const char *key_pem)
{
	struct lb_server *s = calloc(1, sizeof(*s));
	struct sockaddr_in sa;
	const union MHD_DaemonInfo *di;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->h = h;
	s->ud = ud;
	pthread_mutex_init(&s->lock, NULL);
	if (cert_pem)
		s->d = MHD_start_daemon(
		    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_TLS,
		    0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, &sa,
		    MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL, MHD_OPTION_CONNECTION_TIMEOUT,
		    (unsigned)10, MHD_OPTION_HTTPS_MEM_CERT, cert_pem, MHD_OPTION_HTTPS_MEM_KEY,
		    key_pem, MHD_OPTION_END);
	else
		s->d = MHD_start_daemon(
		    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0, NULL, NULL,
		    on_request, s, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_NOTIFY_COMPLETED, on_done,
		    NULL, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10, MHD_OPTION_END);
	if (!s->d) {
		free(s);
		return NULL;
	}
	di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = di ? di->port : 0;
	snprintf(s->url, sizeof(s->url), "%s://127.0.0.1:%d", cert_pem ? "https" : "http", s->port);
	return s;
}

void lb_stop(struct lb_server *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->d);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

int lb_port(const struct lb_server *s)
{
	return s->port;
}

const char *lb_url(const struct lb_server *s)
{
	return s->url;
}

int lb_max_concurrent(const struct lb_server *s)
{
	return s->max_active;
}

char *lb_header(const struct lb_request *req, const char *name)
{
	size_t nlen = strlen(name);
	const char *p = req->headers;

	while (p && *p) {
		const char *eol = strchr(p, '\n');

		if (!strncasecmp(p, name, nlen) && p[nlen] == ':')
			return strndup(p + nlen + 2, (size_t)(eol - p - nlen - 2));
		p = eol ? eol + 1 : NULL;
	}
	return NULL;
}

int lb_sigv4_valid(const struct lb_request *req, const char *secret)
{
	struct ecsctl_sigv4_header h[32];
	struct ecsctl_sigv4_request sr = {0};
	struct ecsctl_sigv4_auth a;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	char *auth = lb_header(req, "Authorization"), *date = lb_header(req, "X-Amz-Date");
	char *copy = strdup(req->headers), *p = copy, sig[65];
	size_t n = 0;
	int ok = 0;

	while (p && *p && n < 32) {
		char *eol = strchr(p, '\n'), *colon = strchr(p, ':');

		*eol = '\0';
		*colon = '\0';
		h[n].name = p;
		h[n++].value = colon + 2;
		p = eol + 1;
	}
	if (auth && date && !ecsctl_sigv4_parse_authorization(&a, auth, &err)) {
		sr.method = req->method;
		sr.path = req->url;
		sr.query = req->query;
		sr.headers = h;
		sr.nheaders = n;
		sr.signed_headers = a.signed_headers;
		sr.payload = req->body;
		sr.payload_len = req->body_len;
		ok = !ecsctl_sigv4_signature(sig, &sr, date, a.region, a.service, secret, &err) &&
		     ecsctl_sigv4_equal(sig, a.signature);
	}
	ecsctl_error_release(&err);
	free(auth);
	free(date);
	free(copy);
	return ok;
}
