/* Shared by watch's notification files (notify.c, notify_sender.c). */
#ifndef ECSCTL_NOTIFY_INT_H
#define ECSCTL_NOTIFY_INT_H

#include <curl/curl.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdbool.h>

#include "ecsctl/notify.h"

#define EV_SUCCEEDED 1u
#define EV_FAILED 2u
#define EV_DRIFT 4u
#define EV_DEGRADED 8u
#define EV_PAUSED 16u
#define EV_ALL 31u
#define MAX_TARGETS 32
#define MAX_RESPONSE (64 * 1024)

enum target_kind { T_SLACK, T_GITHUB, T_WEBHOOK };

struct target {
	enum target_kind kind;
	char label[32];
	unsigned events;
	char *url;    /* Slack's webhook URL, the webhook's URL, GitHub's API base */
	char *secret; /* the webhook's HMAC key, GitHub's token; NULL = none */
	size_t secret_len;
	char *repo, *context, *environment; /* GitHub */
	bool statuses, deployments;
};

/* One request ready to send, or (deploy) GitHub's deployment + status. */
struct job {
	struct job *next;
	char *label, *event;
	char *url, *body;
	struct curl_slist *headers;
	bool deploy;       /* url: .../deployments; body creates; status_body follows */
	char *commit;      /* deploy: the sha, to reuse the deployment of a start */
	char *status_body; /* deploy */
	long long timeout_ms;
	unsigned retries;
};

struct ecsctl_watch_notifier {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	struct job *head, *tail;
	size_t queued, queue_max;
	unsigned long dropped;
	bool stopping;
	long long deadline_ms; /* stopping: give up what is left after this */
	/* the loop's: */
	struct target targets[MAX_TARGETS];
	size_t ntargets;
	unsigned char digest[SHA256_DIGEST_LENGTH]; /* of the config and its secrets */
	bool configured;
	long long timeout_ms;
	unsigned retries;
	/* copies of the options */
	ecsctl_watch_notify_log_fn log;
	void *log_ud;
	char *user_agent;
	char *public_url; /* without a trailing '/'; NULL = no links */
	const char *const *env;
	long long backoff_base_ms;
	/* the sender's: the deployment GitHub gave for the last started commit */
	char *dep_commit;
	long long dep_id;
};

void notify_say(struct ecsctl_watch_notifier *n, const char *level, const char *msg,
                const char *target, const char *event, const char *detail);

/* Queues `j` (taken), or drops it when the queue is full. */
void notify_queue(struct ecsctl_watch_notifier *n, struct job *j);
void notify_job_free(struct job *j);

/* The sender thread: sends what is queued until stopped. */
void *notify_sender_main(void *arg);

#endif
