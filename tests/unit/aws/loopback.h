/*
 * A scripted HTTP server on 127.0.0.1 for the aws tests (libmicrohttpd, a
 * thread per connection). The handler decides each answer: a status, body
 * and headers, a delay, or a reset (the connection is closed unanswered).
 */
#ifndef LOOPBACK_H
#define LOOPBACK_H

#include <stddef.h>

struct lb_request {
	const char *method;
	const char *url;     /* path only */
	const char *query;   /* raw query string ("" when none) */
	const char *headers; /* "name: value\n" lines as received */
	const char *body;
	size_t body_len;
	int client_port;
};

struct lb_response {
	int status;
	const char *body; /* copied */
	const char *headers[4][2];
	int delay_ms;
	int reset;
};

typedef void (*lb_handler)(void *ud, const struct lb_request *req, struct lb_response *resp);

struct lb_server;

/* Starts on an ephemeral port; calls to `h` are serialized. NULL on failure. */
struct lb_server *lb_start(lb_handler h, void *ud);
/* The same over TLS with this PEM certificate and key; NULL when libmicrohttpd
 * lacks TLS. */
struct lb_server *lb_start_tls(lb_handler h, void *ud, const char *cert_pem, const char *key_pem);
void lb_stop(struct lb_server *s);
int lb_port(const struct lb_server *s);
/* "http://127.0.0.1:PORT" (static storage in the server). */
const char *lb_url(const struct lb_server *s);
/* The largest number of requests being handled at once so far. */
int lb_max_concurrent(const struct lb_server *s);

/* Value of header `name` in req->headers (case-insensitive), copied; NULL if absent. */
char *lb_header(const struct lb_request *req, const char *name);

/* Checks the request's SigV4 signature with `secret` (as ecs-local would). 1 when valid. */
int lb_sigv4_valid(const struct lb_request *req, const char *secret);

#endif
