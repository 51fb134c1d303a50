/*
 * The lease logic common to every store (docs/locking.md): acquire (create,
 * else take an expired lease over, else wait and try again), the heartbeat,
 * release, and unlock --force. Each step is one conditional write, so two
 * writers racing for the same lease never both win.
 */
#include <openssl/rand.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ecsctl/duration.h"
#include "lock_int.h"
#include "banned.h"

#define DEFAULT_TTL_MS 60000
#define POLL_MS 1000

void ecsctl_lease_release(struct ecsctl_lease *l)
{
	if (!l)
		return;
	free(l->id);
	free(l->holder);
	free(l->commit);
	memset(l, 0, sizeof(*l));
}

void ecsctl_lock_config_release(struct ecsctl_lock_config *c)
{
	if (!c)
		return;
	free(c->backend);
	free(c->path);
	free(c->table);
	free(c->bucket);
	free(c->key);
	free(c->region);
	free(c->endpoint);
	memset(c, 0, sizeof(*c));
}

static char *dup_member(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? strdup(s) : NULL;
}

int ecsctl_lock_config_read(struct ecsctl_lock_config *out, const json_t *lock, const char *name,
                            struct ecsctl_error *err)
{
	const char *ttl = json_string_value(json_object_get(lock, "ttl"));
	struct ecsctl_buf path = ECSCTL_BUF_INIT;

	memset(out, 0, sizeof(*out));
	out->backend = dup_member(lock, "backend");
	out->path = dup_member(lock, "path");
	out->table = dup_member(lock, "table");
	out->bucket = dup_member(lock, "bucket");
	out->key = dup_member(lock, "key");
	out->region = dup_member(lock, "region");
	out->endpoint = dup_member(lock, "endpoint");
	out->ttl_ms = DEFAULT_TTL_MS;
	if (ttl && ecsctl_duration_parse(&out->ttl_ms, ttl))
		return ecsctl_error_set(err, ECSCTL_EINVAL, "lock.ttl: '%s' is not a duration",
		                        ttl);
	if (out->ttl_ms < 3000)
		return ecsctl_error_set(err, ECSCTL_EINVAL,
		                        "lock.ttl: %s is too short (at least 3s: the heartbeat "
		                        "renews every third of it)",
		                        ttl);
	if (!out->backend)
		return ecsctl_error_set(err, ECSCTL_EINVAL, "lock: backend is required");
	if (!out->key && !(out->key = strdup(name ? name : "ecsctl")))
		return ecsctl_error_nomem(err);
	if (!strcmp(out->backend, "file") && !out->path) {
		ecsctl_buf_addf(&path, "/tmp/ecsctl-%s.lock", out->key);
		if (!(out->path = ecsctl_buf_detach(&path)))
			return ecsctl_error_nomem(err);
		for (char *c = out->path + 5; *c; c++) /* a key with '/' stays one file */
			if (*c == '/')
				*c = '_';
	}
	if (!strcmp(out->backend, "dynamodb") && !out->table)
		return ecsctl_error_set(err, ECSCTL_EINVAL, "lock: backend dynamodb needs a table");
	if (!strcmp(out->backend, "s3") && !out->bucket)
		return ecsctl_error_set(err, ECSCTL_EINVAL, "lock: backend s3 needs a bucket");
	return 0;
}

int64_t lock_now(const struct ecsctl_lock *l)
{
	return l->o.wall_ms ? l->o.wall_ms(l->o.clock_ud) : ecsctl_clock_wall_ms(NULL);
}

static void lock_sleep(const struct ecsctl_lock *l, int64_t ms)
{
	if (l->o.sleep_ms)
		l->o.sleep_ms(l->o.clock_ud, ms);
	else
		ecsctl_clock_sleep_ms(NULL, ms);
}

char *lock_lease_json(const struct ecsctl_lease *l)
{
	json_t *j = json_pack("{s:s,s:s,s:s,s:I,s:I}", "id", l->id, "holder", l->holder, "commit",
	                      l->commit, "started", (json_int_t)l->started_ms, "expires",
	                      (json_int_t)l->expires_ms);
	char *s = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

	json_decref(j);
	return s;
}

int lock_lease_parse(struct ecsctl_lease *out, const char *text, size_t n, struct ecsctl_error *err)
{
	json_t *j = json_loadb(text, n, 0, NULL);
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!json_is_string(json_object_get(j, "id"))) {
		rc = ecsctl_error_set(err, ECSCTL_EIO, "the lease record is not ecsctl's");
		goto done;
	}
	out->id = dup_member(j, "id");
	out->holder = dup_member(j, "holder");
	out->commit = dup_member(j, "commit");
	out->started_ms = json_integer_value(json_object_get(j, "started"));
	out->expires_ms = json_integer_value(json_object_get(j, "expires"));
	if (!out->id || !out->holder || !out->commit) {
		ecsctl_lease_release(out);
		rc = ecsctl_error_set(err, ECSCTL_EIO, "the lease record misses members");
	}
done:
	json_decref(j);
	return rc;
}

int ecsctl_lock_new(struct ecsctl_lock **out, const struct ecsctl_lock_config *cfg,
                    const struct ecsctl_lock_options *opts, struct ecsctl_error *err)
{
	struct ecsctl_lock *l = calloc(1, sizeof(*l));
	struct ecsctl_buf where = ECSCTL_BUF_INIT;
	int rc = 0;

	*out = NULL;
	if (!l)
		return ecsctl_error_nomem(err);
	l->fd = -1;
	l->o = *opts;
#define COPY(m)                                                                                    \
	if (cfg->m && !(l->cfg.m = strdup(cfg->m)))                                                \
		goto oom;
	COPY(backend)
	COPY(path)
	COPY(table)
	COPY(bucket)
	COPY(key)
	COPY(region)
	COPY(endpoint)
#undef COPY
	l->cfg.ttl_ms = cfg->ttl_ms > 0 ? cfg->ttl_ms : DEFAULT_TTL_MS;
	if (!strcmp(cfg->backend, "file")) {
		l->be = &lock_file_backend;
		ecsctl_buf_addf(&where, "file %s", cfg->path);
	} else if (!strcmp(cfg->backend, "dynamodb") || !strcmp(cfg->backend, "s3")) {
		bool s3 = !strcmp(cfg->backend, "s3");
		const char *region = cfg->region ? cfg->region
		                     : opts->ecs ? ecsctl_ecs_region(opts->ecs)
		                                 : NULL;
		char *ep = NULL;
		l->be = s3 ? &lock_s3_backend : &lock_dynamodb_backend;
		if (!region) {
			rc = ecsctl_error_set(err, ECSCTL_EINVAL, "lock: no region for %s",
			                      cfg->backend);
			goto fail;
		}
		if (!(l->region = strdup(region)))
			goto oom;
		if ((rc = ecsctl_aws_resolve_endpoint(&ep, cfg->backend, cfg->endpoint, region,
		                                      opts->env, err)))
			goto fail;
		if (!s3) {
			l->url = ep;
			ecsctl_buf_addf(&where, "dynamodb table %s key %s", cfg->table, cfg->key);
		} else {
			struct ecsctl_buf url = ECSCTL_BUF_INIT;
			bool custom = cfg->endpoint ||
			              ecsctl_aws_getenv(opts->env, "AWS_ENDPOINT_URL_S3") ||
			              ecsctl_aws_getenv(opts->env, "AWS_ENDPOINT_URL");
			const char *host = strstr(ep, "://") + 3;
			/* path style for a custom endpoint, virtual-hosted for AWS
			 * (buckets made since 2020 have no path style) */
			if (custom)
				ecsctl_buf_addf(&url, "%s/%s/%s", ep, cfg->bucket, cfg->key);
			else
				ecsctl_buf_addf(&url, "https://%s.%s/%s", cfg->bucket, host,
				                cfg->key);
			free(ep);
			if (!(l->url = ecsctl_buf_detach(&url)))
				goto oom;
			ecsctl_buf_addf(&where, "s3://%s/%s", cfg->bucket, cfg->key);
		}
		if (!opts->ecs) {
			rc = ecsctl_error_set(err, ECSCTL_EINVAL, "lock: no client for %s",
			                      cfg->backend);
			goto fail;
		}
	} else {
		rc = ecsctl_error_set(err, ECSCTL_EINVAL,
		                      "lock: unknown backend '%s' (file, dynamodb or s3)",
		                      cfg->backend);
		goto fail;
	}
	if (!(l->where = ecsctl_buf_detach(&where)))
		goto oom;
	*out = l;
	return 0;
oom:
	rc = ecsctl_error_nomem(err);
fail:
	ecsctl_buf_release(&where);
	ecsctl_lock_free(l);
	return rc;
}

void ecsctl_lock_free(struct ecsctl_lock *l)
{
	if (!l)
		return;
	if (l->fd >= 0)
		close(l->fd);
	ecsctl_lock_config_release(&l->cfg);
	ecsctl_lease_release(&l->mine);
	free(l->version);
	free(l->taken_from);
	free(l->where);
	free(l->url);
	free(l->region);
	free(l);
}

const char *ecsctl_lock_where(const struct ecsctl_lock *l)
{
	return l->where;
}

const char *ecsctl_lock_taken_from(const struct ecsctl_lock *l)
{
	return l->taken_from;
}

const struct ecsctl_lease *ecsctl_lock_held(const struct ecsctl_lock *l)
{
	return l->held ? &l->mine : NULL;
}

void ecsctl_lease_describe(struct ecsctl_buf *out, const struct ecsctl_lease *l, int64_t now_ms)
{
	char age[ECSCTL_DURATION_FORMAT_SIZE];

	ecsctl_buf_addf(
	    out, "%s (commit %.12s, for %s, lease %s)", l->holder,
	    l->commit && *l->commit ? l->commit : "(work tree)",
	    ecsctl_duration_format(age, now_ms > l->started_ms ? now_ms - l->started_ms : 0),
	    l->id);
}

/* user@host pid N: who to ask, or which process to look for. */
static char *holder_name(void)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	const struct passwd *pw = getpwuid(getuid());
	const char *user = getenv("USER");
	char host[256] = "";

	if (gethostname(host, sizeof(host) - 1))
		snprintf(host, sizeof(host), "unknown-host");
	if (!user || !*user)
		user = pw ? pw->pw_name : NULL;
	if (user)
		ecsctl_buf_addf(&b, "%s@%s pid %ld", user, host, (long)getpid());
	else
		ecsctl_buf_addf(&b, "uid %ld@%s pid %ld", (long)getuid(), host, (long)getpid());
	return ecsctl_buf_detach(&b);
}

static int new_lease(struct ecsctl_lock *l, const char *commit, struct ecsctl_error *err)
{
	unsigned char raw[16];
	struct ecsctl_buf id = ECSCTL_BUF_INIT;

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return ecsctl_error_set(err, ECSCTL_EIO, "no random bytes for a lease id");
	ecsctl_buf_addhex(&id, raw, sizeof(raw));
	ecsctl_lease_release(&l->mine);
	l->mine.id = ecsctl_buf_detach(&id);
	l->mine.holder = holder_name();
	l->mine.commit = strdup(commit ? commit : "");
	l->mine.started_ms = lock_now(l);
	/* a file lock ends with its process: no expiry to renew */
	l->mine.expires_ms = l->be->replace ? l->mine.started_ms + l->cfg.ttl_ms : 0;
	if (!l->mine.id || !l->mine.holder || !l->mine.commit)
		return ecsctl_error_nomem(err);
	return 0;
}

static int held_now(struct ecsctl_lock *l, char *version)
{
	free(l->version);
	l->version = version;
	l->held = true;
	l->renewed_ms = lock_now(l);
	return 0;
}

static int busy(struct ecsctl_lock *l, const struct ecsctl_lease *cur, struct ecsctl_error *err)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;

	ecsctl_lease_describe(&b, cur, lock_now(l));
	ecsctl_error_set(err, ECSCTL_ELOCKED,
	                 "the lock (%s) is held by %s; nothing was applied. Wait for it, or "
	                 "run with a longer --lock-timeout; if that holder is dead, `ecsctl "
	                 "unlock --force %s` removes its lease",
	                 l->where, b.buf ? b.buf : "?", cur->id);
	ecsctl_buf_release(&b);
	return err->code;
}

int ecsctl_lock_acquire(struct ecsctl_lock *l, const char *commit, int64_t timeout_ms,
                        struct ecsctl_error *err)
{
	int64_t deadline;
	int rc;

	if (l->held)
		return 0;
	if ((rc = new_lease(l, commit, err)))
		return rc;
	deadline = lock_now(l) + (timeout_ms > 0 ? timeout_ms : 0);
	for (;;) {
		struct ecsctl_lease cur;
		char *version = NULL;
		int64_t now, left;
		if (!(rc = l->be->create(l, &l->mine, &version, err)))
			return held_now(l, version);
		if (rc != ECSCTL_ELOCKED)
			return rc;
		ecsctl_error_release(err);
		rc = l->be->get(l, &cur, &version, err);
		if (rc == ECSCTL_ENOTFOUND) { /* released meanwhile: create again */
			ecsctl_error_release(err);
			continue;
		}
		if (rc)
			return rc;
		now = lock_now(l);
		if (!strcmp(cur.id, l->mine.id)) {
			/* our own write, whose answer was lost and retried */
			ecsctl_lease_release(&cur);
			return held_now(l, version);
		}
		if (cur.expires_ms && cur.expires_ms < now && l->be->replace) {
			char *nv = NULL;
			/* its holder stopped renewing: take it over, only if it is
			 * still exactly the lease we read */
			struct ecsctl_buf was = ECSCTL_BUF_INIT;
			l->mine.expires_ms = now + l->cfg.ttl_ms;
			rc = l->be->replace(l, &cur, version, &l->mine, &nv, err);
			free(version);
			ecsctl_lease_describe(&was, &cur, now);
			ecsctl_lease_release(&cur);
			if (!rc) {
				free(l->taken_from);
				l->taken_from = ecsctl_buf_detach(&was);
				return held_now(l, nv);
			}
			ecsctl_buf_release(&was);
			if (rc != ECSCTL_ELOCKED)
				return rc;
			ecsctl_error_release(err);
			continue;
		}
		free(version);
		left = deadline - now;
		if (left <= 0 || (l->o.cancel && *l->o.cancel)) {
			rc = busy(l, &cur, err);
			ecsctl_lease_release(&cur);
			return rc;
		}
		ecsctl_lease_release(&cur);
		lock_sleep(l, left < POLL_MS ? left : POLL_MS);
	}
}

int ecsctl_lock_renew(struct ecsctl_lock *l, struct ecsctl_error *err)
{
	struct ecsctl_lease next;
	char *nv = NULL;
	int64_t now = lock_now(l);
	int rc;

	if (!l->held || !l->be->replace || now - l->renewed_ms < l->cfg.ttl_ms / 3)
		return 0;
	next = l->mine;
	next.expires_ms = now + l->cfg.ttl_ms;
	rc = l->be->replace(l, &l->mine, l->version, &next, &nv, err);
	if (rc == ECSCTL_ELOCKED) {
		l->held = false;
		ecsctl_error_release(err);
		return ecsctl_error_set(err, ECSCTL_ELOCKED,
		                        "the lease %s on %s was taken from us (unlock --force, or "
		                        "a takeover after it expired): stopped",
		                        l->mine.id, l->where);
	}
	if (rc)
		return rc;
	l->mine.expires_ms = next.expires_ms;
	return held_now(l, nv);
}

int ecsctl_lock_release(struct ecsctl_lock *l, struct ecsctl_error *err)
{
	int rc;

	if (!l->held)
		return 0;
	l->held = false;
	rc = l->be->remove(l, &l->mine, l->version, err);
	if (rc == ECSCTL_ENOTFOUND || rc == ECSCTL_ELOCKED) {
		/* gone or someone else's now: nothing of ours to delete */
		ecsctl_error_release(err);
		rc = 0;
	}
	return rc;
}

int ecsctl_lock_read(struct ecsctl_lease *out, struct ecsctl_lock *l, struct ecsctl_error *err)
{
	char *version = NULL;
	int rc = l->be->get(l, out, &version, err);

	free(version);
	return rc;
}

int ecsctl_lock_force_unlock(struct ecsctl_lock *l, const char *id, struct ecsctl_error *err)
{
	struct ecsctl_lease cur;
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	char *version = NULL;
	int rc;

	if ((rc = l->be->get(l, &cur, &version, err))) {
		if (rc == ECSCTL_ENOTFOUND) {
			ecsctl_error_release(err);
			ecsctl_error_set(err, rc, "no lease is held on %s", l->where);
		}
		return rc;
	}
	if (strcmp(cur.id, id)) {
		ecsctl_lease_describe(&b, &cur, lock_now(l));
		rc = ecsctl_error_set(err, ECSCTL_EINVAL,
		                      "lease %s is not the one held on %s: that is %s", id,
		                      l->where, b.buf ? b.buf : "?");
	} else {
		rc = l->be->remove(l, &cur, version, err);
		if (rc == ECSCTL_ELOCKED) {
			ecsctl_error_release(err);
			ecsctl_error_set(
			    err, rc, "the lease on %s changed meanwhile: read it again", l->where);
		}
	}
	ecsctl_buf_release(&b);
	ecsctl_lease_release(&cur);
	free(version);
	return rc;
}

int lock_call(struct ecsctl_ecs_call *call, struct ecsctl_lock *l, const char *operation,
              const struct ecsctl_aws_target *to, struct ecsctl_error *err)
{
	int rc;

	memset(call, 0, sizeof(*call));
	call->operation = operation;
	call->to = to;
	rc = ecsctl_ecs_run(l->o.ecs, call, 1, err);
	if (rc && !err->code)
		ecsctl_error_copy(err, &call->error);
	return rc;
}
