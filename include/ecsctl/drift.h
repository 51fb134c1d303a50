/*
 * Drift: where live ECS differs from the desired state (docs/drift.md).
 *
 * ecsctl_drift_gather() reads live state with the ECS client and classifies
 * every resource; the formatters turn a report into text, JSON (schema in
 * docs/drift.md), Markdown (a PR comment / CI step summary) or JUnit XML.
 * Values of secret-looking members are masked when the report is built, so
 * no formatter can leak them.
 */
#ifndef ECSCTL_DRIFT_H
#define ECSCTL_DRIFT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "ecsctl/buf.h"
#include "ecsctl/ecs.h"
#include "ecsctl/error.h"
#include "ecsctl/model.h"

struct ecsctl_live; /* ecsctl/reconcile.h */

#define ECSCTL_DRIFT_FORMAT_VERSION 1

enum ecsctl_drift_status {
	ECSCTL_DRIFT_IN_SYNC,
	ECSCTL_DRIFT_DRIFTED,
	ECSCTL_DRIFT_MISSING,
	ECSCTL_DRIFT_UNMANAGED,
	ECSCTL_DRIFT_UNHEALTHY,
	/* equal to git, its rollout under way (the PRIMARY IN_PROGRESS): not
	 * drift, and not a failure yet */
	ECSCTL_DRIFT_PROGRESSING,
};
#define ECSCTL_DRIFT_NSTATUS 6

/* "in-sync", "drifted", "missing", "unmanaged", "unhealthy", "progressing" */
const char *ecsctl_drift_status_name(enum ecsctl_drift_status s);

/* Whether a status counts for --fail-on-drift and as a JUnit failure:
 * drifted, missing and unhealthy. Unmanaged does not: plan would not touch
 * it (only owned resources are ever pruned). */
bool ecsctl_drift_status_fails(enum ecsctl_drift_status s);

struct ecsctl_drift_item {
	enum ecsctl_kind kind;
	char *name; /* as in plans: clusterName | family | cluster/serviceName */
	enum ecsctl_drift_status status;
	json_t *diff;          /* [{"path", "git", "live"}], masked; never NULL */
	char *deployed_commit; /* the ecsctl:revision tag, or NULL */
	char *updated_at;      /* RFC 3339 UTC, or NULL */
	char *message;         /* why unhealthy / missing, or NULL */
	/* Services found live: {"running", "desired", "pending", "rollout" (the
	 * PRIMARY deployment's rolloutState or null), "taskDefinition",
	 * "events": [{"at": RFC 3339, "message"}] (newest first, at most 10)};
	 * NULL otherwise. For watch's status page; not in the drift JSON. */
	json_t *health;
};

struct ecsctl_drift_report {
	char *commit;                    /* the desired state's commit, or NULL (--worktree) */
	struct ecsctl_drift_item *items; /* sorted: kind, then name */
	size_t count;
	size_t alloc;
};

void ecsctl_drift_report_init(struct ecsctl_drift_report *r);
/* Frees every item. Accepts NULL. */
void ecsctl_drift_report_release(struct ecsctl_drift_report *r);

/*
 * Appends one item (strings copied, `diff` reference stolen; NULL = []).
 * For the gatherer and for tests of the formatters. ECSCTL_ENOMEM.
 */
int ecsctl_drift_report_add(struct ecsctl_drift_report *r, enum ecsctl_kind kind, const char *name,
                            enum ecsctl_drift_status status, json_t *diff,
                            const char *deployed_commit, const char *updated_at,
                            const char *message, struct ecsctl_error *err);

/* Sorts items by kind (Cluster, TaskDefinition, Service), then name. */
void ecsctl_drift_report_sort(struct ecsctl_drift_report *r);

/* Items per status, indexed by enum ecsctl_drift_status. */
void ecsctl_drift_report_counts(const struct ecsctl_drift_report *r,
                                size_t counts[ECSCTL_DRIFT_NSTATUS]);

/* True when some item's status fails (see ecsctl_drift_status_fails). */
bool ecsctl_drift_report_fails(const struct ecsctl_drift_report *r);

/*
 * Reads live state for every resource of `m` and classifies it into `out`
 * (initialized by the caller; filled even on error, release it):
 *   - Cluster: missing (absent or INACTIVE), drifted, in-sync;
 *   - TaskDefinition (families defined in git): compared with the revision
 *     the services run (else the family's latest ACTIVE one); missing when
 *     the family has no ACTIVE revision;
 *   - Service: missing, drifted (member diff, task definition content
 *     included), progressing (equal to git, its PRIMARY rollout
 *     IN_PROGRESS: a canary baking, a blue/green shifting), unhealthy (more
 *     than one deployment, running != desired, or a rollout not COMPLETED),
 *     in-sync;
 *   - unmanaged: ACTIVE services in the desired clusters that git does not list.
 * ignoreDifferences of the settings apply. The revisions an ecsctl:taskdef
 * tag vouches for are not read (docs/drift.md, "What drift reads") unless
 * `refresh`. Errors: those of the ECS client.
 */
int ecsctl_drift_gather(struct ecsctl_drift_report *out, const struct ecsctl_model *m,
                        struct ecsctl_ecs *c, bool refresh, struct ecsctl_error *err);

/* The classification of ecsctl_drift_gather from `live` already read
 * (ecsctl_reconcile_gather_with, o->m = m and o->unmanaged): a watch tick
 * reads live once for its drift report and its plan. Errors: ECSCTL_ENOMEM,
 * the diff's. */
int ecsctl_drift_from_live(struct ecsctl_drift_report *out, const struct ecsctl_model *m,
                           const struct ecsctl_live *live, struct ecsctl_error *err);

/* The JSON document of docs/drift.md. New reference; NULL when out of memory. */
json_t *ecsctl_drift_to_json(const struct ecsctl_drift_report *r);

struct ecsctl_drift_format_options {
	bool color;        /* text: ANSI colours */
	bool show_in_sync; /* text: list in-sync resources too (default: only a count) */
};
#define ECSCTL_DRIFT_FORMAT_OPTIONS_INIT                                                           \
	{                                                                                          \
		false, false                                                                       \
	}

/* Formatters: append to `out`; out of memory is left sticky in `out`. */
void ecsctl_drift_format_text(struct ecsctl_buf *out, const struct ecsctl_drift_report *r,
                              const struct ecsctl_drift_format_options *opts);
void ecsctl_drift_format_markdown(struct ecsctl_buf *out, const struct ecsctl_drift_report *r);
void ecsctl_drift_format_junit(struct ecsctl_buf *out, const struct ecsctl_drift_report *r);

/* Escaping used by the formatters, exposed for tests: a Markdown table cell
 * (pipes, backslashes, emphasis and HTML characters escaped; newlines as
 * spaces), and XML character data / attribute values (&<>"' escaped; bytes
 * XML 1.0 forbids replaced by '?'). */
void ecsctl_drift_md_escape(struct ecsctl_buf *out, const char *s);
void ecsctl_drift_xml_escape(struct ecsctl_buf *out, const char *s);

#endif
