/* Inside the lease (the lock module): the store each backend is, as four
 * conditional operations the common logic in lease.c drives. */
#ifndef ECSCTL_LOCK_INT_H
#define ECSCTL_LOCK_INT_H

#include "ecsctl/aws.h"
#include "ecsctl/ecs.h"
#include "ecsctl/lock.h"

struct lock_backend {
	/* Writes `mine` unless a lease exists: 0 (`*version` set), ECSCTL_ELOCKED. */
	int (*create)(struct ecsctl_lock *l, const struct ecsctl_lease *mine, char **version,
	              struct ecsctl_error *err);
	/* The stored lease and its version: 0, ECSCTL_ENOTFOUND. */
	int (*get)(struct ecsctl_lock *l, struct ecsctl_lease *out, char **version,
	           struct ecsctl_error *err);
	/* Replaces `old` (stored at `version`) by `mine`: 0 (`*new_version` set),
	 * ECSCTL_ELOCKED when it is no longer `old`. NULL: leases never expire. */
	int (*replace)(struct ecsctl_lock *l, const struct ecsctl_lease *old, const char *version,
	               const struct ecsctl_lease *mine, char **new_version,
	               struct ecsctl_error *err);
	/* Deletes `old` (at `version`): 0, ECSCTL_ELOCKED when it is no longer
	 * `old`, ECSCTL_ENOTFOUND when nothing is stored. */
	int (*remove)(struct ecsctl_lock *l, const struct ecsctl_lease *old, const char *version,
	              struct ecsctl_error *err);
};

struct ecsctl_lock {
	const struct lock_backend *be;
	struct ecsctl_lock_config cfg;
	struct ecsctl_lock_options o;
	char *where;
	char *url;    /* dynamodb: the endpoint; s3: the object's URL */
	char *region; /* to sign for */
	int fd;       /* file: the locked file while held, else -1 */
	struct ecsctl_lease mine;
	char *version; /* of our lease while held */
	bool held;
	int64_t renewed_ms;
	char *taken_from; /* the expired lease we took over, described */
};

extern const struct lock_backend lock_file_backend, lock_dynamodb_backend, lock_s3_backend;

int64_t lock_now(const struct ecsctl_lock *l);

/* The lease as JSON {"id", "holder", "commit", "started", "expires"} (S3's
 * body, the file's content) and back; lock_lease_parse: 0 or ECSCTL_EIO. */
char *lock_lease_json(const struct ecsctl_lease *l);
int lock_lease_parse(struct ecsctl_lease *out, const char *text, size_t n,
                     struct ecsctl_error *err);

/* One call to a store through the ECS client's engine (`to`; `operation`
 * names it in counts and logs). `call` is the caller's to release; a failed
 * call's error (aws_code, http_status) is copied into `err`. */
int lock_call(struct ecsctl_ecs_call *call, struct ecsctl_lock *l, const char *operation,
              const struct ecsctl_aws_target *to, struct ecsctl_error *err);

#endif
