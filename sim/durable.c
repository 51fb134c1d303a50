/*
 * --state FILE: what ecs-local acknowledged survives kill -9.
 *
 * FILE is a compaction (the whole store, written atomically, 0600);
 * FILE.journal holds every change since (journal.c). Starting takes
 * FILE.lock, loads FILE, replays the journal, and compacts, so each run
 * starts from one file. The journal is compacted again when it passes
 * COMPACT_BYTES and at a clean stop.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ecsctl/buf.h"
#include "ecsctl/file.h"
#include "sim_ec2.h"
#include "banned.h"

#define COMPACT_BYTES (8LL * 1024 * 1024)

static void say(struct ecsctl_sim *sim, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(struct ecsctl_sim *sim, const char *fmt, ...)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	va_list ap;

	if (!sim->opts.log)
		return;
	va_start(ap, fmt);
	ecsctl_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	if (!ecsctl_buf_failed(&b))
		sim->opts.log(sim->opts.log_arg, b.buf);
	ecsctl_buf_release(&b);
}

/* The record head: what the operation ran with. */
static void record_head(struct ecsctl_buf *b, const char *op, double now, uint64_t rng)
{
	if (op)
		ecsctl_buf_addf(b, "{\"op\":\"%s\",", op);
	else
		ecsctl_buf_adds(b, "{\"tick\":1,");
	ecsctl_buf_addf(b, "\"now\":%.17g,\"rng\":\"%016" PRIx64 "\"", now, rng);
}

unsigned long long sim_durable_request(struct ecsctl_sim *sim, const struct sim_op *op,
                                       const char *body, size_t len, double now, uint64_t rng,
                                       unsigned long long version, const char *text,
                                       const struct ecsctl_error *err)
{
	struct sim_journal *j = sim->journal;
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	unsigned long long seq;

	/* reads that moved the clock of a service change the store too */
	if (!op->mutates && sim->store.version == version)
		return j->last_write;
	record_head(&b, op->name, now, rng);
	ecsctl_buf_addf(&b, ",\"out\":\"%016" PRIx64 "\",\"req\":", sim_request_outcome(text, err));
	if (len)
		ecsctl_buf_add(&b, body, len);
	else
		ecsctl_buf_adds(&b, "{}");
	ecsctl_buf_addch(&b, '}');
	if (ecsctl_buf_failed(&b))
		sim_journal_fail(j, ENOMEM);
	seq = ecsctl_buf_failed(&b) ? 0 : sim_journal_append(j, b.buf, b.len, op->mutates);
	ecsctl_buf_release(&b);
	/* unjournaled: a number never synced, so the wait answers ServerException */
	if (!seq)
		return j->seq + 1;
	/* a read waits for the writes it may have seen */
	return op->mutates ? seq : j->last_write;
}

void sim_durable_tick(struct ecsctl_sim *sim)
{
	struct sim_store *s = &sim->store;
	unsigned long long version = s->version;
	double now = sim_store_now(s), clock = s->fixed_now;
	uint64_t rng = s->rng;
	struct ecsctl_buf b = ECSCTL_BUF_INIT;

	s->fixed_now = now;
	sim_store_tick(s);
	s->fixed_now = clock;
	if (!sim->journal || s->version == version)
		return;
	/* not waited for: a lost tick is redone by the clock after a restart */
	record_head(&b, NULL, now, rng);
	ecsctl_buf_addch(&b, '}');
	if (!ecsctl_buf_failed(&b))
		sim_journal_append(sim->journal, b.buf, b.len, 0);
	ecsctl_buf_release(&b);
}

int sim_durable_due(const struct ecsctl_sim *sim)
{
	/* a failed journal is mended by a compaction that succeeds */
	return sim->journal && (sim->journal->bytes > COMPACT_BYTES || sim->journal->failed);
}

int sim_durable_compact(struct ecsctl_sim *sim, struct ecsctl_error *err)
{
	char *text = NULL;
	json_t *doc;
	int rc;

	/* under the store lock: no record may slip between the dump and the cut */
	pthread_mutex_lock(&sim->store.mu);
	doc = sim_store_dump(&sim->store, sim->journal ? sim->journal->seq : 0);
	text = doc ? json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(17)) : NULL;
	json_decref(doc);
	if (!text) {
		rc = ecsctl_error_set(err, ECSCTL_ENOMEM, "out of memory");
		goto done;
	}
	rc = ecsctl_file_write_atomic(sim->state_file, text, strlen(text), 0600, err);
	if (rc == 0 && sim->journal)
		rc = sim_journal_reset(sim->journal, err);
done:
	pthread_mutex_unlock(&sim->store.mu);
	free(text);
	return rc;
}

struct replay {
	struct ecsctl_sim *sim;
	unsigned long long records, differ;
	double last_now;
};

static int apply(void *arg, unsigned long long seq, json_t *rec, struct ecsctl_error *err)
{
	struct replay *r = arg;
	struct sim_store *s = &r->sim->store;
	struct ecsctl_error e = ECSCTL_ERROR_INIT;
	const char *name = sim_str(rec, "op"), *rng = sim_str(rec, "rng");
	const struct sim_op *op = sim_op_lookup(name);
	json_t *req = json_incref(json_object_get(rec, "req"));
	double now = json_number_value(json_object_get(rec, "now"));
	char *text = NULL;

	if (!rng || !json_is_number(json_object_get(rec, "now")) ||
	    (!op && !json_object_get(rec, "tick")) || (op && !json_is_object(req))) {
		json_decref(req);
		return ecsctl_error_set(err, ECSCTL_EINVAL, "%s: record %llu is not ours",
		                        r->sim->journal->path, seq);
	}
	s->rng = (uint64_t)strtoull(rng, NULL, 16);
	r->records++;
	r->last_now = now;
	if (!op) {
		double clock = s->fixed_now;
		s->fixed_now = now;
		sim_store_tick(s);
		s->fixed_now = clock;
		return 0;
	}
	/* the checks that ran before the record was written pass again */
	if (sim_validate(op->name, req, &e) == 0)
		sim_request_run(s, op, req, now, &text, &e);
	else
		json_decref(req);
	if (strtoull(sim_str(rec, "out") ? sim_str(rec, "out") : "", NULL, 16) !=
	    sim_request_outcome(text, &e)) {
		if (!r->differ++)
			say(r->sim,
			    "journal record %llu (%s) replayed with another answer than it "
			    "was given",
			    seq, op->name);
	}
	free(text);
	ecsctl_error_release(&e);
	return 0;
}

static int load_snapshot(struct ecsctl_sim *sim, unsigned long long *seq, struct ecsctl_error *err)
{
	json_error_t jerr;
	json_t *doc;
	int rc;

	*seq = 0;
	if (access(sim->state_file, F_OK) != 0)
		return 0;
	doc = json_load_file(sim->state_file, 0, &jerr);
	if (!doc)
		return ecsctl_error_set(err, ECSCTL_EINVAL, "%s:%d:%d: %s", sim->state_file,
		                        jerr.line, jerr.column, jerr.text);
	rc = sim_store_load(&sim->store, doc, seq, err);
	json_decref(doc);
	if (rc)
		ecsctl_error_wrap(err, "%s", sim->state_file);
	return rc;
}

int sim_durable_open(struct ecsctl_sim *sim, struct ecsctl_error *err)
{
	struct replay r = {sim, 0, 0, 0};
	unsigned long long after;
	long long torn;
	int rc;

	sim->journal = calloc(1, sizeof(*sim->journal));
	if (!sim->journal)
		return ecsctl_error_set(err, ECSCTL_ENOMEM, "out of memory");
	if ((rc = sim_journal_open(sim->journal, sim->state_file, err)) ||
	    (rc = load_snapshot(sim, &after, err)) ||
	    (rc = sim_journal_replay(sim->journal, after, apply, &r, &torn, err)))
		return rc;
	if (torn >= 0)
		say(sim, "%s: dropped an incomplete last record at byte %lld (never acknowledged)",
		    sim->journal->path, torn);
	/* time never runs backwards across a restart */
	if (r.last_now > sim->store.sim_start)
		sim->store.sim_start = r.last_now;
	sim_instances_seed_all(&sim->store);
	return sim_durable_compact(sim, err);
}
