/*
 * The watch listener on libmicrohttpd: one thread (epoll), small bodies.
 *
 * Slow clients must not starve /healthz (70 idle sockets once failed every
 * probe): a client address holds at most PER_IP connections, the pool
 * holds POOL (epoll, so past select's 1024 descriptors), and a connection
 * idle for IDLE_S seconds (headers or body trickled, nothing sent) is
 * closed. A prober on another address always finds a slot unless POOL /
 * PER_IP addresses hold their share at once.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ecsctl/buf.h"
#include "ecsctl/watch.h"
#include "banned.h"

#define PER_IP 16
#define POOL 1024
#define IDLE_S 5

struct ecsctl_watch_http {
	struct MHD_Daemon *d;
	struct ecsctl_watch_state *st;
};

/* Per-request body, capped one byte over the limit so "too large" is seen. */
struct req {
	struct ecsctl_buf body;
};

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **con_cls)
{
	struct ecsctl_watch_http *h = cls;
	struct req *r = *con_cls;
	struct ecsctl_watch_request q = {method, url, NULL, NULL, NULL, NULL, 0, NULL};
	struct ecsctl_watch_response a = {500, NULL, "text/plain; charset=utf-8", NULL};
	struct MHD_Response *resp;
	enum MHD_Result rc;

	(void)version;
	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r)
			return MHD_NO;
		ecsctl_buf_init(&r->body, ECSCTL_WEBHOOK_MAX_BODY + 1);
		*con_cls = r;
		return MHD_YES;
	}
	if (*upload_size) {
		ecsctl_buf_add(&r->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (ecsctl_buf_too_large(&r->body)) {
		a.status = 413;
		a.body = strdup("payload too large\n");
	} else if (ecsctl_buf_failed(&r->body)) {
		a.body = strdup("out of memory\n"); /* status stays 500 */
	} else {
		q.signature = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		                                          "X-Hub-Signature-256");
		q.delivery = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		                                         "X-GitHub-Delivery");
		q.authorization = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		                                              MHD_HTTP_HEADER_AUTHORIZATION);
		q.refresh = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "refresh");
		q.body = r->body.buf;
		q.body_len = r->body.len;
		if (ecsctl_watch_handle(&a, h->st, &q))
			return MHD_NO;
	}
	if (!a.body)
		return MHD_NO;
	resp = MHD_create_response_from_buffer(strlen(a.body), a.body, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(a.body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", a.content_type);
	if (a.www_authenticate)
		MHD_add_response_header(resp, "WWW-Authenticate", a.www_authenticate);
	if (!strncmp(a.content_type, "text/html", 9)) {
		/* the page has inline CSS and nothing else: no script may run, no
		 * frame may hold it */
		MHD_add_response_header(resp, "Content-Security-Policy",
		                        "default-src 'none'; style-src 'unsafe-inline'; "
		                        "form-action 'self'; frame-ancestors 'none'");
		MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
		MHD_add_response_header(resp, "Cache-Control", "no-store");
	}
	rc = MHD_queue_response(conn, (unsigned)a.status, resp);
	MHD_destroy_response(resp);
	return rc;
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
	struct req *r = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (r) {
		ecsctl_buf_release(&r->body);
		free(r);
		*con_cls = NULL;
	}
}

/* "host:port", "[v6]:port". */
static int parse_addr(struct sockaddr_storage *ss, const char *addr)
{
	char host[64];
	const char *colon, *h = addr;
	size_t hl;
	char *end;
	long port;

	memset(ss, 0, sizeof(*ss));
	if (*addr == '[') {
		const char *close = strchr(addr, ']');

		if (!close || close[1] != ':')
			return -1;
		h = addr + 1;
		hl = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(addr, ':');
		if (!colon)
			return -1;
		hl = (size_t)(colon - addr);
	}
	if (!hl || hl >= sizeof(host))
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	port = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || port < 0 || port > 65535)
		return -1;
	if (!strcmp(host, "localhost"))
		memcpy(host, "127.0.0.1", 10);
	{
		struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
		struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
			v4->sin_family = AF_INET;
			v4->sin_port = htons((uint16_t)port);
			return 0;
		}
		if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
			v6->sin6_family = AF_INET6;
			v6->sin6_port = htons((uint16_t)port);
			return 1;
		}
	}
	return -1;
}

int ecsctl_watch_http_start(struct ecsctl_watch_http **out, unsigned *port, const char *addr,
                            struct ecsctl_watch_state *st, struct ecsctl_error *err)
{
	struct ecsctl_watch_http *h = NULL;
	struct sockaddr_storage ss;
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD;
	const union MHD_DaemonInfo *info;
	int v6;

	*out = NULL;
	v6 = parse_addr(&ss, addr ? addr : "127.0.0.1:9464");
	if (v6 < 0)
		return ecsctl_error_set(err, ECSCTL_EINVAL,
		                        "bad listen address '%s' (want HOST:PORT or [V6]:PORT)",
		                        addr);
	if (v6)
		flags |= MHD_USE_IPv6;
	h = calloc(1, sizeof(*h));
	if (!h)
		return ecsctl_error_nomem(err);
	h->st = st;
	h->d = MHD_start_daemon(
	    flags, 0, NULL, NULL, handler, h, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, h, MHD_OPTION_CONNECTION_LIMIT, (unsigned)POOL,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)PER_IP, MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned)IDLE_S, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
	    MHD_OPTION_END);
	if (!h->d) {
		free(h);
		return ecsctl_error_set(err, ECSCTL_EIO, "could not listen on '%s'", addr);
	}
	info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	if (port)
		*port = info ? info->port : 0;
	*out = h;
	return 0;
}

void ecsctl_watch_http_stop(struct ecsctl_watch_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->d);
	free(h);
}
