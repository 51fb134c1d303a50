/*
 * The writers' lease (docs/locking.md): one writer at a time per lock, taken
 * before the first write and held, renewed by a heartbeat, until the waits
 * end. The lease is a small record in an existing store, never a protocol of
 * our own:
 *   file      flock(2) on a path, for writers on one machine; the record is
 *             written into the locked file so that a second writer can name
 *             the holder; the kernel ends the lock with its process
 *   dynamodb  an item {LockID: key} written with conditional PutItem
 *             (attribute_not_exists(LockID) to acquire; LeaseID and Expires
 *             equal to what was read to take an expired lease over),
 *             UpdateItem (renew: SET Expires, on the same condition) and
 *             DeleteItem (release, LeaseID = ours)
 *   s3        an object written with conditional PutObject (If-None-Match: *
 *             to acquire, If-Match: ETag to renew or take over) and
 *             DeleteObject with If-Match: ETag to release
 * The record names the lease id, the holder (user@host pid N), the commit and
 * the start and expiry times (milliseconds since the epoch). A lease whose
 * expiry passed (its holder stopped renewing: killed, or cut off) is taken
 * over, conditional on the version read, so two takers never both win.
 */
#ifndef ECSCTL_LOCK_H
#define ECSCTL_LOCK_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "ecsctl/buf.h"
#include "ecsctl/ecs.h"
#include "ecsctl/error.h"
#include "ecsctl/http.h"

/* A lease as stored. */
struct ecsctl_lease {
	char *id;     /* random, 32 hex chars */
	char *holder; /* "user@host pid 1234" */
	char *commit; /* what the holder applies; "" for the work tree */
	int64_t started_ms, expires_ms;
};

void ecsctl_lease_release(struct ecsctl_lease *l);

/* What `lock:` in ecsctl.yaml says, checked. */
struct ecsctl_lock_config {
	char *backend;  /* "file", "dynamodb", "s3" */
	char *path;     /* file: the lock file */
	char *table;    /* dynamodb */
	char *bucket;   /* s3 */
	char *key;      /* dynamodb: the LockID value; s3: the object key */
	char *region;   /* NULL = the ECS client's */
	char *endpoint; /* NULL = AWS_ENDPOINT_URL_DYNAMODB / _S3, AWS_ENDPOINT_URL, AWS */
	int64_t ttl_ms; /* lease duration without a renewal; default 60 s */
};

void ecsctl_lock_config_release(struct ecsctl_lock_config *c);

/*
 * Reads `lock` (ecsctl.yaml's member, already shape-checked) into `out`,
 * with defaults: key = `name` (the owner), path = /tmp/ecsctl-NAME.lock.
 * ECSCTL_EINVAL names what is missing (a table for dynamodb, a bucket for s3).
 */
int ecsctl_lock_config_read(struct ecsctl_lock_config *out, const json_t *lock, const char *name,
                            struct ecsctl_error *err);

struct ecsctl_lock_options {
	/* borrowed: DynamoDB and S3 calls go through the ECS client's engine (its
	 * credentials, SigV4, retries and counts); its region when the config has
	 * none. NULL is fine for the file backend. */
	struct ecsctl_ecs *ecs;
	const char *const *env; /* NULL = environ */
	/* the clock; NULL = ecsctl/clock.h's (tests move time themselves) */
	int64_t (*wall_ms)(void *ud);
	void (*sleep_ms)(void *ud, int64_t ms);
	void *clock_ud;
	const volatile int *cancel; /* a signal's flag: stop waiting for the lock */
};

struct ecsctl_lock;

/* Prepares a lock (nothing is sent). ECSCTL_EINVAL for an unknown backend or
 * a bad endpoint. */
int ecsctl_lock_new(struct ecsctl_lock **out, const struct ecsctl_lock_config *cfg,
                    const struct ecsctl_lock_options *opts, struct ecsctl_error *err);
void ecsctl_lock_free(struct ecsctl_lock *l);

/* "dynamodb table T key K", "s3://B/K", "file P": for messages. */
const char *ecsctl_lock_where(const struct ecsctl_lock *l);

/*
 * Takes the lease for `commit`, waiting up to `timeout_ms` (0: one try)
 * while another holder has it, polling every second. An expired lease is
 * taken over. Held by someone else when time is up: ECSCTL_ELOCKED with a
 * message naming the holder, the commit, the lease's age and id, and the
 * unlock command.
 */
int ecsctl_lock_acquire(struct ecsctl_lock *l, const char *commit, int64_t timeout_ms,
                        struct ecsctl_error *err);

/* The heartbeat: pushes our lease's expiry out by the ttl when a third of it
 * has passed (cheap to call often). ECSCTL_ELOCKED when the lease was taken
 * from us (unlock --force, or a takeover after we stalled past the expiry). */
int ecsctl_lock_renew(struct ecsctl_lock *l, struct ecsctl_error *err);

/* Gives the lease up (conditional: only ours is deleted). Without a lease, 0. */
int ecsctl_lock_release(struct ecsctl_lock *l, struct ecsctl_error *err);

/* The current lease, or ECSCTL_ENOTFOUND when none is held. */
int ecsctl_lock_read(struct ecsctl_lease *out, struct ecsctl_lock *l, struct ecsctl_error *err);

/* unlock --force: deletes the lease whose id is `id`, conditional on it still
 * being that lease. ECSCTL_ENOTFOUND when no lease is held, ECSCTL_EINVAL
 * when another lease is (its holder named). A file lock held by a live
 * process is refused (the kernel ends it with the process). */
int ecsctl_lock_force_unlock(struct ecsctl_lock *l, const char *id, struct ecsctl_error *err);

/* After an acquire that took an expired lease over: that lease, described
 * (ecsctl_lease_describe); else NULL. */
const char *ecsctl_lock_taken_from(const struct ecsctl_lock *l);

/* Our lease while held, else NULL. */
const struct ecsctl_lease *ecsctl_lock_held(const struct ecsctl_lock *l);

/* "held by me@host pid 7 (commit 1a2b3c4, for 2m05s, lease 9f...)" */
void ecsctl_lease_describe(struct ecsctl_buf *out, const struct ecsctl_lease *l, int64_t now_ms);

#endif
