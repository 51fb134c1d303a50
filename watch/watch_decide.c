/*
 * What one watch reconcile does with its plan (docs/watch.md, "Decisions").
 * Pure, so that every row of the table is unit-tested without a loop, a
 * clock or ECS. The rule that matters most: a commit whose apply failed is
 * not applied again by itself. Before it, a crash-looping commit behind a
 * circuit breaker was re-applied on every interval (the breaker's rollback
 * made live differ from git again): four failed deployments and four
 * rollbacks in 35 s, forever.
 */
#include <string.h>

#include "ecsctl/watch.h"
#include "banned.h"

static void set(struct ecsctl_watch_decision *d, enum ecsctl_watch_action a, const char *result,
                const char *why)
{
	d->action = a;
	d->result = result;
	d->why = why;
}

void ecsctl_watch_decide(struct ecsctl_watch_decision *out, const struct ecsctl_watch_facts *f)
{
	bool held = f->failed && f->commit && !strcmp(f->failed, f->commit);

	out->moved = !f->synced || !f->commit || strcmp(f->synced, f->commit) != 0;
	if (!f->changes)
		set(out, ECSCTL_WATCH_NOOP, "noop", "live matches git");
	else if (f->suspend)
		set(out, ECSCTL_WATCH_SUSPENDED, "suspended", "suspended: not applying");
	else if (held && f->triggered)
		set(out, ECSCTL_WATCH_APPLY, "applied", "retrying a failed commit: triggered");
	else if (held && f->failed_applies <= f->retry && f->now_ms >= f->retry_at_ms)
		set(out, ECSCTL_WATCH_APPLY, "applied", "retrying a failed commit (--retry)");
	else if (held)
		set(out, ECSCTL_WATCH_HELD, "held",
		    "not applying again: this commit's apply failed; waiting for a new commit, a "
		    "webhook or --retry");
	else if (out->moved)
		set(out, ECSCTL_WATCH_APPLY, "applied", "applying new commit");
	else if (f->self_heal)
		set(out, ECSCTL_WATCH_APPLY, "applied", "self-healing drift");
	else
		set(out, ECSCTL_WATCH_SKIPPED, "skipped",
		    "live drifted from git; not applying without --self-heal");
}
