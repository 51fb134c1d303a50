/*
 * HTTP for the AWS client: a small transport seam with a libcurl default.
 *
 * An exchange is one request and its answer. The transport runs many at once:
 * start() hands one over, wait() drives all of them until at least one has
 * finished or the timeout passes. The libcurl transport uses one curl multi
 * handle, so connections are kept alive and reused across exchanges and
 * threads are not needed. TLS peer and host verification are always on,
 * redirects are never followed, only http and https are spoken.
 *
 * The clock lives here too (now_ms, sleep_ms, wall_ms) so that tests and
 * fault injection can replace time along with the network.
 */
#ifndef ECSCTL_HTTP_H
#define ECSCTL_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "ecsctl/buf.h"
#include "ecsctl/error.h"

/* What went wrong below HTTP; an exchange with net == OK has a status. */
enum ecsctl_http_net {
	ECSCTL_HTTP_OK = 0,
	ECSCTL_HTTP_CONNECT, /* could not connect (refused, DNS, TLS handshake) */
	ECSCTL_HTTP_RESET,   /* connection reset or closed mid-exchange: may have been processed */
	ECSCTL_HTTP_TIMEOUT, /* connect or total timeout: may have been processed */
	ECSCTL_HTTP_TOO_BIG, /* answer over the size cap */
	ECSCTL_HTTP_OTHER    /* anything else (bad URL, out of memory) */
};

struct ecsctl_http_exchange {
	/* request: owned by the caller, untouched until finished */
	const char *method;
	const char *url;
	const char *const *headers; /* "Name: value" lines */
	size_t nheaders;
	const void *body;
	size_t body_len;
	long connect_timeout_ms; /* 0 = 5000 */
	long timeout_ms;         /* 0 = 60000 */
	/* A new connection: libcurl silently resends a request whose reused
	 * connection died before any answer, which must not happen to a
	 * non-idempotent request. */
	int fresh_connect;

	/* answer: filled by the transport */
	int finished;
	enum ecsctl_http_net net;
	char net_message[256]; /* curl's text for net errors */
	long status;
	struct ecsctl_buf resp_headers; /* raw "Name: value\r\n" lines of the last answer */
	struct ecsctl_buf resp_body;    /* capped at ECSCTL_HTTP_MAX_BODY */

	void *transport_data; /* the transport's, while in flight */
};

#define ECSCTL_HTTP_MAX_BODY (64u << 20)

struct ecsctl_http_transport {
	void *ud;
	/* Starts `x` (its answer fields reset first). Returns 0 or a negative code. */
	int (*start)(void *ud, struct ecsctl_http_exchange *x, struct ecsctl_error *err);
	/* Drives the exchanges in flight for up to `timeout_ms` or until one finishes;
	 * finished ones have x->finished set. Returns how many finished, or < 0. With
	 * nothing in flight it sleeps for the timeout. */
	int (*wait)(void *ud, int64_t timeout_ms);
	/* Abandons an exchange in flight (e.g. when the caller gives up). */
	void (*cancel)(void *ud, struct ecsctl_http_exchange *x);
	int64_t (*now_ms)(void *ud);  /* monotonic */
	int64_t (*wall_ms)(void *ud); /* milliseconds since the epoch, for signing and expiry */
	void (*sleep_ms)(void *ud, int64_t ms);
	void (*destroy)(void *ud);
};

/* Frees the answer buffers (the request belongs to the caller). Accepts NULL. */
void ecsctl_http_exchange_release(struct ecsctl_http_exchange *x);

/* Value of the first response header `name` (case-insensitive), trimmed,
 * copied into a new string; NULL when absent or out of memory. */
char *ecsctl_http_header(const struct ecsctl_http_exchange *x, const char *name);

/* What the libcurl transport is told instead of reading the process
 * environment itself, so that the caller's environment seam decides. */
struct ecsctl_http_config {
	int max_host_connections; /* 0 = 16 */
	const char *ca_bundle;    /* PEM file of the CAs to trust; NULL = the system's */
	const char *http_proxy;   /* for http:// URLs; NULL = none */
	const char *https_proxy;  /* for https:// URLs (CONNECT); NULL = none */
	const char *no_proxy;     /* hosts, domains, IPs or CIDRs that bypass them */
};

/*
 * Makes the libcurl transport into `*out`. `max_host_connections` caps
 * connections per host (0 = 16); no proxy, the system's CAs. Release with
 * ecsctl_http_transport_release.
 */
int ecsctl_http_curl_new(struct ecsctl_http_transport *out, int max_host_connections,
                         struct ecsctl_error *err);
/* The same with a CA bundle and proxies (the strings are copied). */
int ecsctl_http_curl_new_config(struct ecsctl_http_transport *out,
                                const struct ecsctl_http_config *cfg, struct ecsctl_error *err);

/* Calls destroy() and zeroes the struct. Accepts NULL and zeroed structs. */
void ecsctl_http_transport_release(struct ecsctl_http_transport *t);

/* Runs one exchange to completion on `t`. Returns 0 when an answer (of any
 * status) arrived, else ECSCTL_ENET/ECSCTL_ETIMEOUT with `err` set. */
int ecsctl_http_run(struct ecsctl_http_transport *t, struct ecsctl_http_exchange *x,
                    struct ecsctl_error *err);

/* The default clock functions are ecsctl/clock.h's. */
#include "ecsctl/clock.h"

#endif
