/*
 * HTTP front of ecs-local (libmicrohttpd): POST / with X-Amz-Target, faults
 * (latency, throttling, 5xx, resets), SigV4 checks, request counters
 * (GET /_stats), the throttle switch (POST /_throttle) and
 * x-amzn-RequestId on every answer.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ecsctl/clock.h"
#include "ecsctl/buf.h"
#include "sim_int.h"
#include "banned.h"

#define BODY_MAX (1024 * 1024) /* ECS rejects far smaller bodies; this bounds memory */
#define TARGET_PREFIX "AmazonEC2ContainerServiceV20141113."

struct request {
	struct ecsctl_buf body;
	int too_big;
};

static void count(struct ecsctl_sim *sim, const char *op, const char *error)
{
	pthread_mutex_lock(&sim->aux);
	sim->total++;
	if (op)
		json_object_set_new(sim->stats_ops, op,
		                    json_integer(sim_int(sim->stats_ops, op, 0) + 1));
	if (error)
		json_object_set_new(sim->stats_errors, error,
		                    json_integer(sim_int(sim->stats_errors, error, 0) + 1));
	pthread_mutex_unlock(&sim->aux);
}

static enum MHD_Result send_text(struct MHD_Connection *conn, struct ecsctl_sim *sim,
                                 unsigned status, char *text)
{
	struct MHD_Response *r;
	char rid[37];
	enum MHD_Result rc;

	pthread_mutex_lock(&sim->aux);
	sim_uuid(&sim->fault_rng, rid);
	pthread_mutex_unlock(&sim->aux);
	r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, "x-amzn-RequestId", rid);
	MHD_add_response_header(r, "Content-Type", "application/x-amz-json-1.1");
	rc = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result send_error(struct MHD_Connection *conn, struct ecsctl_sim *sim,
                                  const char *op, const struct ecsctl_error *err)
{
	const char *type = err->aws_code ? err->aws_code : "ServerException";
	json_t *body = json_pack("{s:s,s:s}", "__type", type, "message",
	                         err->message ? err->message : "");
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	unsigned status = err->http_status ? (unsigned)err->http_status : 500;

	json_decref(body);
	count(sim, op, type);
	if (!text)
		return MHD_NO;
	return send_text(conn, sim, status, text);
}

static enum MHD_Result send_stats(struct MHD_Connection *conn, struct ecsctl_sim *sim)
{
	char *text;
	json_t *doc;

	pthread_mutex_lock(&sim->aux);
	doc = json_pack("{s:O,s:O,s:I}", "requests", sim->stats_ops, "errors", sim->stats_errors,
	                "total", (json_int_t)sim->total);
	pthread_mutex_unlock(&sim->aux);
	if (doc)
		json_object_set_new(doc, "throttled", sim_throttle_stats(&sim->throttle));
	/* records and syncs: how well group commit batches (bench/durability.py) */
	if (doc && sim->journal) {
		pthread_mutex_lock(&sim->journal->mu);
		json_object_set_new(doc, "journal",
		                    json_pack("{s:I,s:I}", "records", (json_int_t)sim->journal->seq,
		                              "syncs", (json_int_t)sim->journal->syncs));
		pthread_mutex_unlock(&sim->journal->mu);
	}
	text = doc ? json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(doc);
	return text ? send_text(conn, sim, 200, text) : MHD_NO;
}

/* 0 = no fault, 1 = answer 500, 2 = reset the connection. */
static int roll_fault(struct ecsctl_sim *sim)
{
	double p;
	uint64_t r;

	if (sim->opts.fail_rate <= 0)
		return 0;
	pthread_mutex_lock(&sim->aux);
	r = ecsctl_rand_next(&sim->fault_rng);
	pthread_mutex_unlock(&sim->aux);
	p = (double)(r >> 11) / 9007199254740992.0;
	if (p >= sim->opts.fail_rate)
		return 0;
	return (r & 1) ? 1 : 2;
}

/* POST /_throttle {"enabled": false|true}: a benchmark loads a large fleet
 * unthrottled, then measures under the buckets the flags set (full again). */
static enum MHD_Result set_throttle(struct MHD_Connection *conn, struct ecsctl_sim *sim,
                                    struct request *rq)
{
	json_t *doc = json_loadb(rq->body.buf, rq->body.len, 0, NULL);
	json_t *on = json_object_get(doc, "enabled");
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	enum MHD_Result ret;
	char *text;

	if (!json_is_boolean(on)) {
		json_decref(doc);
		sim_fail(&err, "SerializationException", "expected {\"enabled\": true|false}");
		ret = send_error(conn, sim, NULL, &err);
		ecsctl_error_release(&err);
		return ret;
	}
	sim_throttle_pause(&sim->throttle, !json_is_true(on), ecsctl_clock_mono_s());
	text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	return text ? send_text(conn, sim, 200, text) : MHD_NO;
}

#define MAX_HEADERS 64

struct header_list {
	struct ecsctl_sigv4_header h[MAX_HEADERS];
	size_t n;
};

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
	struct header_list *hl = cls;

	if (hl->n == MAX_HEADERS)
		return MHD_NO;
	hl->h[hl->n].name = key;
	hl->h[hl->n].value = value ? value : "";
	hl->n++;
	return MHD_YES;
}

static int check_signature(struct ecsctl_sim *sim, struct MHD_Connection *conn, const char *method,
                           const char *url, struct request *rq, struct ecsctl_error *err)
{
	struct header_list hl;
	struct ecsctl_sigv4_request sr;

	hl.n = 0;
	MHD_get_connection_values(conn, MHD_HEADER_KIND, collect_header, &hl);
	memset(&sr, 0, sizeof(sr));
	sr.method = method;
	sr.path = url;
	sr.query = "";
	sr.headers = hl.h;
	sr.nheaders = hl.n;
	sr.payload = rq->body.buf;
	sr.payload_len = rq->body.len;
	return sim_sigv4_verify(&sr, sim->sigv4_key, sim->sigv4_secret, ecsctl_clock_wall_s(), err);
}

static enum MHD_Result handle(struct ecsctl_sim *sim, struct MHD_Connection *conn, const char *url,
                              const char *method, struct request *rq)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	const char *target = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Amz-Target");
	const char *name = NULL;
	struct ecsctl_error jerr = ECSCTL_ERROR_INIT;
	const struct sim_op *op = NULL;
	unsigned long long version, seq = 0;
	json_t *req = NULL;
	char *text = NULL;
	enum MHD_Result ret;
	uint64_t rng;
	double now;
	int fault;

	if (strcmp(method, "GET") == 0 && strcmp(url, "/_stats") == 0)
		return send_stats(conn, sim);
	if (strcmp(method, "POST") == 0 && strcmp(url, "/_throttle") == 0)
		return set_throttle(conn, sim, rq);
	if (target && strncmp(target, TARGET_PREFIX, strlen(TARGET_PREFIX)) == 0)
		name = target + strlen(TARGET_PREFIX);
	/* our own operations have no X-Amz-Target; each has its path */
	if (name && name[0] == '_')
		name = NULL;
	if (strcmp(url, "/_alarm") == 0 && strcmp(method, "POST") == 0)
		name = "_SetAlarm";
	op = sim_op_lookup(name);
	if (sim->opts.latency_ms)
		usleep(sim->opts.latency_ms * 1000u);
	fault = roll_fault(sim);
	if (fault == 2) {
		count(sim, op ? op->name : NULL, "ConnectionReset");
		return MHD_NO; /* MHD closes the socket without an answer */
	}
	if (fault == 1) {
		sim_fail(&err, "ServerException", "Service Unavailable. Please try again later.");
		goto fail;
	}
	if (sim->sigv4_key && check_signature(sim, conn, method, url, rq, &err))
		goto fail;
	if (!sim_throttle_take(&sim->throttle, op ? op->name : NULL, ecsctl_clock_mono_s())) {
		sim_fail(&err, "ThrottlingException", "Rate exceeded");
		goto fail;
	}
	if (strcmp(method, "POST") != 0 || !op ||
	    strcmp(url, op->name[0] == '_' ? "/_alarm" : "/") != 0) {
		sim_fail(&err, "UnknownOperationException", "%s", "");
		goto fail;
	}
	if (rq->too_big) {
		sim_fail(&err, "SerializationException", "Request body is too large.");
		goto fail;
	}
	if (sim_request_parse(op, rq->body.buf, rq->body.len, &req, &err))
		goto fail;
	pthread_mutex_lock(&sim->store.mu);
	now = sim_store_now(&sim->store);
	rng = sim->store.rng;
	version = sim->store.version;
	sim_request_run(&sim->store, op, req, now, &text, &err);
	req = NULL;
	if (sim->journal)
		seq = sim_durable_request(sim, op, rq->body.buf, rq->body.len, now, rng, version,
		                          text, &err);
	pthread_mutex_unlock(&sim->store.mu);
	/* answered only once what it changed, or saw, is on disk */
	if (sim->journal && sim_journal_wait(sim->journal, seq, &jerr)) {
		free(text);
		text = NULL;
		ecsctl_error_release(&err);
		err = jerr;
		goto fail;
	}
	if (!text)
		goto fail;
	count(sim, op->name, NULL);
	return send_text(conn, sim, 200, text);
fail:
	ret = send_error(conn, sim, op ? op->name : NULL, &err);
	json_decref(req);
	ecsctl_error_release(&err);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
	struct request *rq = *con_cls;

	if (!rq) {
		rq = calloc(1, sizeof(*rq));
		if (!rq)
			return MHD_NO;
		ecsctl_buf_init(&rq->body, BODY_MAX);
		*con_cls = rq;
		return MHD_YES;
	}
	if (*upload_size) {
		if (!rq->too_big) {
			ecsctl_buf_add(&rq->body, upload, *upload_size);
			if (ecsctl_buf_failed(&rq->body)) {
				rq->too_big = 1;
				ecsctl_buf_release(&rq->body);
				ecsctl_buf_init(&rq->body, 1);
			}
		}
		*upload_size = 0;
		return MHD_YES;
	}
	return handle(cls, conn, url, method, rq);
}

static void on_done(void *cls, struct MHD_Connection *conn, void **con_cls,
                    enum MHD_RequestTerminationCode toe)
{
	struct request *rq = *con_cls;

	if (rq) {
		ecsctl_buf_release(&rq->body);
		free(rq);
		*con_cls = NULL;
	}
}

static int parse_listen(const char *listen, struct sockaddr_in *addr)
{
	char host[64];
	const char *colon = strrchr(listen, ':');
	char *end = NULL;
	long port;

	if (!colon || (size_t)(colon - listen) >= sizeof(host))
		return -1;
	snprintf(host, sizeof(host), "%.*s", (int)(colon - listen), listen);
	port = strtol(colon + 1, &end, 10);
	if (!end || *end || port < 0 || port > 65535)
		return -1;
	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_port = htons((uint16_t)port);
	if (strcmp(host, "localhost") == 0)
		snprintf(host, sizeof(host), "127.0.0.1");
	return inet_pton(AF_INET, host, &addr->sin_addr) == 1 ? 0 : -1;
}

int sim_server_start(struct ecsctl_sim *sim, struct ecsctl_error *err)
{
	struct sockaddr_in addr;
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	unsigned threads = sim->opts.threads ? sim->opts.threads : 4;

	if (parse_listen(sim->opts.listen, &addr))
		return ecsctl_error_set(err, ECSCTL_EINVAL,
		                        "--listen '%s' is not an IPv4 HOST:PORT", sim->opts.listen);
	if ((ntohl(addr.sin_addr.s_addr) >> 24) != 127 && !sim->opts.allow_remote)
		return ecsctl_error_set(err, ECSCTL_EINVAL,
		                        "refusing to listen on non-loopback '%s' without "
		                        "--allow-remote",
		                        sim->opts.listen);
	/* injected latency sleeps in the handler: one thread per connection
	 * keeps concurrent clients from queueing behind each other */
	if (sim->opts.latency_ms) {
		flags |= MHD_USE_THREAD_PER_CONNECTION;
		sim->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, sim,
		                            MHD_OPTION_SOCK_ADDR, &addr,
		                            MHD_OPTION_NOTIFY_COMPLETED, on_done, sim,
		                            MHD_OPTION_CONNECTION_TIMEOUT, 120u, MHD_OPTION_END);
	} else {
		sim->mhd = MHD_start_daemon(
		    flags, 0, NULL, NULL, on_request, sim, MHD_OPTION_SOCK_ADDR, &addr,
		    MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_NOTIFY_COMPLETED, on_done, sim,
		    MHD_OPTION_CONNECTION_TIMEOUT, 120u, MHD_OPTION_END);
	}
	if (!sim->mhd)
		return ecsctl_error_set(err, ECSCTL_EIO, "cannot listen on %s", sim->opts.listen);
	info = MHD_get_daemon_info(sim->mhd, MHD_DAEMON_INFO_BIND_PORT);
	sim->port = info ? info->port : ntohs(addr.sin_port);
	return 0;
}

void sim_server_stop(struct ecsctl_sim *sim)
{
	if (sim->mhd)
		MHD_stop_daemon(sim->mhd);
	sim->mhd = NULL;
}
