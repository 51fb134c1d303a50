/*
 * The apply/wait progress view on stderr. On a TTY: permanent lines for
 * operations and service events, under them a table of every watched service
 * (running/desired/pending, rollout) redrawn in place. Off a TTY (CI logs): a
 * plain line per operation, per event, and per service state change.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "reconcile_cli.h"
#include "banned.h"

struct row {
	char *name;
	long running, desired, pending;
	char rollout[32];
	const char *state;
};

struct cli_progress {
	bool tty;
	struct row *rows;
	size_t n;
	size_t drawn; /* table lines currently on screen */
};

struct cli_progress *cli_progress_new(bool tty)
{
	struct cli_progress *pv = calloc(1, sizeof(*pv));

	if (pv)
		pv->tty = tty;
	return pv;
}

void cli_progress_free(struct cli_progress *pv)
{
	size_t i;

	if (!pv)
		return;
	for (i = 0; i < pv->n; i++)
		free(pv->rows[i].name);
	free(pv->rows);
	free(pv);
}

static struct row *row_for(struct cli_progress *pv, const char *name)
{
	size_t i;
	struct row *r;

	for (i = 0; i < pv->n; i++)
		if (!strcmp(pv->rows[i].name, name))
			return &pv->rows[i];
	r = realloc(pv->rows, (pv->n + 1) * sizeof(*r));
	if (!r)
		return NULL;
	pv->rows = r;
	r = &pv->rows[pv->n];
	memset(r, 0, sizeof(*r));
	if (!(r->name = strdup(name)))
		return NULL;
	pv->n++;
	return r;
}

static void clear_table(struct cli_progress *pv)
{
	if (pv->tty && pv->drawn) {
		fprintf(stderr, "\033[%zuA\033[J", pv->drawn);
		pv->drawn = 0;
	}
}

static void draw_table(struct cli_progress *pv)
{
	size_t i;

	if (!pv->tty || !pv->n)
		return;
	fprintf(stderr, "\033[1m%-40s %8s %8s %8s  %-12s %s\033[0m\n", "SERVICE", "RUNNING",
	        "DESIRED", "PENDING", "ROLLOUT", "STATE");
	for (i = 0; i < pv->n; i++) {
		const struct row *r = &pv->rows[i];
		fprintf(stderr, "%-40s %8ld %8ld %8ld  %-12s %s\n", r->name, r->running, r->desired,
		        r->pending, r->rollout[0] ? r->rollout : "-",
		        r->state ? r->state : "waiting");
	}
	pv->drawn = pv->n + 1;
	fflush(stderr);
}

static const char *state_name(const struct ecsctl_progress *ev)
{
	if (ev->done && ev->failed)
		return "rolled back";
	if (ev->failed)
		return "FAILED";
	if (ev->done)
		return "stable";
	return "waiting";
}

void cli_progress_cb(void *ud, const struct ecsctl_progress *ev)
{
	struct cli_progress *pv = ud;
	struct row *r;

	clear_table(pv);
	switch (ev->kind) {
	case ECSCTL_PROGRESS_OP_START:
		fprintf(stderr, "%s %s \"%s\"...\n", ecsctl_diff_action_name(ev->op->action),
		        ecsctl_kind_name(ev->op->kind), ev->op->name);
		break;
	case ECSCTL_PROGRESS_OP_DONE:
		if (ev->error)
			fprintf(stderr, "%s %s \"%s\": failed\n",
			        ecsctl_diff_action_name(ev->op->action),
			        ecsctl_kind_name(ev->op->kind), ev->op->name);
		else
			fprintf(stderr, "%s %s \"%s\": done\n",
			        ecsctl_diff_action_name(ev->op->action),
			        ecsctl_kind_name(ev->op->kind), ev->op->name);
		break;
	case ECSCTL_PROGRESS_EVENT:
		fprintf(stderr, "  %s: %s\n", ev->name, ev->message ? ev->message : "");
		break;
	case ECSCTL_PROGRESS_ROLLBACK:
		fprintf(stderr, "%s: rolling back to %s\n", ev->name,
		        ev->message ? ev->message : "");
		break;
	case ECSCTL_PROGRESS_SERVICE:
		if ((r = row_for(pv, ev->name))) {
			r->running = ev->running;
			r->desired = ev->desired;
			r->pending = ev->pending;
			snprintf(r->rollout, sizeof(r->rollout), "%s",
			         ev->rollout ? ev->rollout : "");
			r->state = state_name(ev);
		}
		if (!pv->tty)
			fprintf(stderr, "%s: running %ld/%ld, pending %ld, rollout %s: %s%s%s\n",
			        ev->name, ev->running, ev->desired, ev->pending,
			        ev->rollout && ev->rollout[0] ? ev->rollout : "-", state_name(ev),
			        ev->message ? ", " : "", ev->message ? ev->message : "");
		break;
	}
	draw_table(pv);
}
