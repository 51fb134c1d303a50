/*
 * ecs-local's life: options, the state (durable.c: loaded and replayed at
 * start, compacted when its journal grows and at the end), the clock thread
 * that moves deployments along without anyone polling, and shutdown.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ecsctl/clock.h"
#include "sim_ec2.h"
#include "banned.h"

#define TICK_MS 100
#define COMPACT_RETRY_S 5.0

static void log_line(struct ecsctl_sim *sim, const struct ecsctl_error *err)
{
	if (sim->opts.log && err->message)
		sim->opts.log(sim->opts.log_arg, err->message);
}

static void *ticker(void *arg)
{
	struct ecsctl_sim *sim = arg;

	pthread_mutex_lock(&sim->aux);
	while (!sim->stopping) {
		struct timespec until;
		int compact;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += TICK_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&sim->wake, &sim->aux, &until);
		if (sim->stopping)
			break;
		pthread_mutex_unlock(&sim->aux);

		pthread_mutex_lock(&sim->store.mu);
		sim_durable_tick(sim);
		compact = sim_durable_due(sim);
		pthread_mutex_unlock(&sim->store.mu);
		/* after a failure (disk full, say), retried every few seconds, not each tick */
		if (compact && ecsctl_clock_mono_s() >= sim->compact_after) {
			struct ecsctl_error err = ECSCTL_ERROR_INIT;
			if (sim_durable_compact(sim, &err)) {
				log_line(sim, &err);
				sim->compact_after = ecsctl_clock_mono_s() + COMPACT_RETRY_S;
			}
			ecsctl_error_release(&err);
		}
		pthread_mutex_lock(&sim->aux);
	}
	pthread_mutex_unlock(&sim->aux);
	return NULL;
}

static char *dup_opt(const char *s)
{
	return s ? strdup(s) : NULL;
}

int ecsctl_sim_new(struct ecsctl_sim **out, const struct ecsctl_sim_options *opts,
                   struct ecsctl_error *err)
{
	struct ecsctl_sim *sim = calloc(1, sizeof(*sim));
	int rc = 0;

	*out = NULL;
	if (!sim)
		return ecsctl_error_nomem(err);
	sim->opts = *opts;
	pthread_mutex_init(&sim->aux, NULL);
	pthread_cond_init(&sim->wake, NULL);
	if ((rc = sim_throttle_init(&sim->throttle, opts, ecsctl_clock_mono_s(), err)))
		goto fail;
	sim->state_file = dup_opt(opts->state_file);
	sim->sigv4_key = dup_opt(opts->sigv4_key);
	sim->sigv4_secret = dup_opt(opts->sigv4_secret);
	sim->account = dup_opt(opts->account ? opts->account : "123456789012");
	sim->region = dup_opt(opts->region ? opts->region : "us-east-1");
	sim->stats_ops = json_object();
	sim->stats_errors = json_object();
	sim->fault_rng = opts->seed ? opts->seed * 31 + 7 : ecsctl_rand_seed();
	if (!sim->account || !sim->region || !sim->stats_ops || !sim->stats_errors ||
	    (opts->sigv4_key && (!sim->sigv4_key || !sim->sigv4_secret))) {
		rc = ecsctl_error_nomem(err);
		goto fail;
	}
	if ((rc = sim_store_init(&sim->store, sim->region, sim->account, opts->time_scale,
	                         opts->seed, err)))
		goto fail;
	sim->store.ec2_capacity = opts->ec2_capacity;
	if ((rc = sim_knobs_load(&sim->store, opts->alarms, opts->hooks, err)))
		goto fail;
	sim_quota_defaults(&sim->store.quotas, opts);
	if (opts->instances &&
	    (rc = sim_instances_parse(&sim->store.instance_specs, opts->instances, err)))
		goto fail;
	if (sim->state_file && (rc = sim_durable_open(sim, err)))
		goto fail;
	if (!sim->state_file)
		sim_instances_seed_all(&sim->store);
	if ((rc = sim_server_start(sim, err)))
		goto fail;
	snprintf(sim->store.endpoint, sizeof(sim->store.endpoint), "http://%.*s:%u/",
	         (int)strcspn(opts->listen, ":"), opts->listen, sim->port);
	if (pthread_create(&sim->ticker, NULL, ticker, sim) != 0) {
		rc = ecsctl_error_set(err, ECSCTL_EIO, "cannot start the clock thread");
		goto fail;
	}
	sim->ticker_started = 1;
	*out = sim;
	return 0;
fail:
	ecsctl_sim_free(sim);
	return rc;
}

unsigned ecsctl_sim_port(const struct ecsctl_sim *sim)
{
	return sim->port;
}

int ecsctl_sim_stop(struct ecsctl_sim *sim, struct ecsctl_error *err)
{
	int rc = 0;

	if (sim->stopped)
		return 0;
	sim->stopped = 1;
	/* in-flight requests finish (and are journaled) before this returns */
	sim_server_stop(sim);
	if (sim->ticker_started) {
		pthread_mutex_lock(&sim->aux);
		sim->stopping = 1;
		pthread_cond_signal(&sim->wake);
		pthread_mutex_unlock(&sim->aux);
		pthread_join(sim->ticker, NULL);
		sim->ticker_started = 0;
		if (sim->state_file)
			rc = sim_durable_compact(sim, err);
	}
	return rc;
}

void ecsctl_sim_free(struct ecsctl_sim *sim)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;

	if (!sim)
		return;
	if (ecsctl_sim_stop(sim, &err))
		log_line(sim, &err);
	ecsctl_error_release(&err);
	if (sim->journal) {
		sim_journal_close(sim->journal);
		free(sim->journal);
	}
	if (sim->store.clusters)
		sim_store_release(&sim->store);
	json_decref(sim->stats_ops);
	json_decref(sim->stats_errors);
	pthread_mutex_destroy(&sim->aux);
	pthread_cond_destroy(&sim->wake);
	sim_throttle_release(&sim->throttle);
	free(sim->state_file);
	free(sim->sigv4_key);
	free(sim->sigv4_secret);
	free(sim->account);
	free(sim->region);
	free(sim);
}
