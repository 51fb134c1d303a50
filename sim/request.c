/*
 * One ECS request from body to answer text, shared by the HTTP front
 * (server.c) and the replay of the journal (durable.c), so a replayed
 * request takes exactly the path it took when it was answered.
 */
#include <stdlib.h>
#include <string.h>

#include "sim_int.h"
#include "banned.h"

int sim_request_parse(const struct sim_op *op, const char *body, size_t len, json_t **req,
                      struct ecsctl_error *err)
{
	json_error_t jerr;

	*req = len ? json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr) : json_object();
	if (!json_is_object(*req)) {
		json_decref(*req);
		*req = NULL;
		return sim_fail(err, "SerializationException",
		                "Request body is not a JSON object.");
	}
	if (sim_validate(op->name, *req, err)) {
		json_decref(*req);
		*req = NULL;
		return ECSCTL_EAWS;
	}
	return 0;
}

int sim_request_run(struct sim_store *s, const struct sim_op *op, json_t *req, double now,
                    char **text, struct ecsctl_error *err)
{
	double clock = s->fixed_now;
	json_t *resp = NULL;
	int rc;

	*text = NULL;
	/* one instant per request: replay gives it the same one */
	s->fixed_now = now;
	rc = op->fn(s, req, &resp, err);
	s->fixed_now = clock;
	if (rc == 0 && resp)
		*text = json_is_string(resp)
		            ? strdup(json_string_value(resp))
		            : json_dumps(resp, JSON_COMPACT | JSON_REAL_PRECISION(13));
	/* even a failed mutation may have touched something: caches go */
	if (op->mutates) {
		s->version++;
		s->mutations++;
	}
	/* both may share members with the store: let go of them under its lock */
	json_decref(req);
	json_decref(resp);
	if (rc == 0 && !*text)
		rc = sim_fail(err, "ServerException", "out of memory");
	return rc;
}

uint64_t sim_request_outcome(const char *text, const struct ecsctl_error *err)
{
	uint64_t h = SIM_HASH_SEED;

	if (text)
		return sim_hash(text, strlen(text), h);
	if (err->aws_code)
		h = sim_hash(err->aws_code, strlen(err->aws_code), h);
	if (err->message)
		h = sim_hash(err->message, strlen(err->message), h ^ 1);
	return h;
}
