/*
 * The apply/wait progress view on stderr. On a TTY: permanent lines for
 * operations and service events, under them a table of every watched service
 * (the PRIMARY deployment's running/desired/pending and rollout, the other
 * deployments apart, time waited) redrawn in place. Off a TTY (CI logs): a
 * plain line per operation, per event, per service state change, and a
 * "still waiting" line when a service had no news for a while. Wait lines
 * start with the time waited.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ecsctl/secret.h"
#include "ecsctl/duration.h"
#include "reconcile_cli.h"
#include "banned.h"

struct row {
	char *name;
	long running, desired, pending;
	char rollout[32];
	char others[160]; /* the deployments besides the PRIMARY */
	char elapsed[ECSCTL_DURATION_FORMAT_SIZE];
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
	fprintf(stderr, "\033[1m%-40s %8s %8s %8s  %-12s %-11s %8s  %s\033[0m\n", "SERVICE",
	        "RUNNING", "DESIRED", "PENDING", "ROLLOUT", "STATE", "WAITED", "OTHER DEPLOYMENTS");
	for (i = 0; i < pv->n; i++) {
		const struct row *r = &pv->rows[i];
		fprintf(stderr, "%-40s %8ld %8ld %8ld  %-12s %-11s %8s  %s\n", r->name, r->running,
		        r->desired, r->pending, r->rollout[0] ? r->rollout : "-",
		        r->state ? r->state : "waiting", r->elapsed,
		        r->others[0] ? r->others : "-");
	}
	pv->drawn = pv->n + 1;
	fflush(stderr);
}

static const char *state_name(const struct ecsctl_progress *ev)
{
	if (ev->superseded)
		return "superseded";
	if (ev->done && ev->failed)
		return "rolled back";
	if (ev->failed)
		return "FAILED";
	if (ev->done)
		return "stable";
	return "waiting";
}

/* "web:5 running 1/2, pending 1 (PRIMARY, IN_PROGRESS)" per deployment from
 * `from`, joined by "; ": each deployment's own counts, never a sum. */
static void add_deployments(struct ecsctl_buf *b, const struct ecsctl_progress *ev, size_t from)
{
	size_t i;

	for (i = from; i < ev->ndeployments; i++) {
		const struct ecsctl_progress_deployment *d = &ev->deployments[i];
		ecsctl_buf_addf(b, "%s%s running %ld/%ld", i > from ? "; " : "",
		                d->task_definition ? d->task_definition : "?", d->running,
		                d->desired);
		if (d->pending > 0)
			ecsctl_buf_addf(b, ", pending %ld", d->pending);
		if (d->failed > 0)
			ecsctl_buf_addf(b, ", failed %ld", d->failed);
		ecsctl_buf_addf(b, " (%s%s%s)", d->status ? d->status : "?",
		                d->rollout && d->rollout[0] ? ", " : "",
		                d->rollout ? d->rollout : "");
	}
	if (from == 0 && !ev->ndeployments)
		ecsctl_buf_adds(b, "no deployment");
}

static void update_row(struct row *r, const struct ecsctl_progress *ev)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;

	r->running = ev->running;
	r->desired = ev->desired;
	r->pending = ev->pending;
	snprintf(r->rollout, sizeof(r->rollout), "%s", ev->rollout ? ev->rollout : "");
	ecsctl_duration_format(r->elapsed, ev->elapsed_ms);
	add_deployments(&b, ev, 1);
	snprintf(r->others, sizeof(r->others), "%s", b.buf && !ecsctl_buf_failed(&b) ? b.buf : "");
	ecsctl_buf_release(&b);
	if (ev->kind == ECSCTL_PROGRESS_SERVICE)
		r->state = state_name(ev);
}

/* "[1m05s] shop/web: web:5 running 1/2 (PRIMARY, IN_PROGRESS): waiting" */
static void service_line(const struct ecsctl_progress *ev)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	char took[ECSCTL_DURATION_FORMAT_SIZE];

	ecsctl_buf_addf(&b, "[%s] %s: ", ecsctl_duration_format(took, ev->elapsed_ms), ev->name);
	if (ev->kind == ECSCTL_PROGRESS_QUIET)
		ecsctl_buf_adds(&b, "still waiting, no news: ");
	add_deployments(&b, ev, 0);
	if (ev->kind == ECSCTL_PROGRESS_SERVICE)
		/* "superseded by deployment ecs-svc/1 (web:6)", "FAILED, service not found" */
		ecsctl_buf_addf(&b, ": %s%s%s", state_name(ev),
		                !ev->message     ? ""
		                : ev->superseded ? " by deployment "
		                                 : ", ",
		                ev->message ? ev->message : "");
	if (!ecsctl_buf_failed(&b))
		fprintf(stderr, "%s\n", b.buf);
	ecsctl_buf_release(&b);
}

void cli_progress_cb(void *ud, const struct ecsctl_progress *ev)
{
	struct cli_progress *pv = ud;
	char took[ECSCTL_DURATION_FORMAT_SIZE];
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
	case ECSCTL_PROGRESS_EVENT: {
		/* ECS's words: they may quote an image URL or an option as given */
		struct ecsctl_buf msg = ECSCTL_BUF_INIT;

		ecsctl_secret_redact(&msg, ev->message);
		fprintf(stderr, "[%s]   %s: %s\n", ecsctl_duration_format(took, ev->elapsed_ms),
		        ev->name, msg.buf);
		ecsctl_buf_release(&msg);
		break;
	}
	case ECSCTL_PROGRESS_HOOK:
		fprintf(stderr, "[%s] hook %s: %s\n", ecsctl_duration_format(took, ev->elapsed_ms),
		        ev->name, ev->message ? ev->message : "");
		break;
	case ECSCTL_PROGRESS_STAGE:
		/* "[40s] shop/web: CANARY IN_PROGRESS at BAKE_TIME, traffic 100% new / 0% old" */
		fprintf(stderr, "[%s] %s: %s\n", ecsctl_duration_format(took, ev->elapsed_ms),
		        ev->name, ev->message ? ev->message : "");
		break;
	case ECSCTL_PROGRESS_ROLLBACK:
		fprintf(stderr, "[%s] %s: rolling back to %s\n",
		        ecsctl_duration_format(took, ev->elapsed_ms), ev->name,
		        ev->message ? ev->message : "");
		break;
	case ECSCTL_PROGRESS_SERVICE:
	case ECSCTL_PROGRESS_QUIET:
		if ((r = row_for(pv, ev->name)))
			update_row(r, ev);
		/* on a TTY the table shows the state; still waiting is said there too */
		if (!pv->tty || ev->kind == ECSCTL_PROGRESS_QUIET)
			service_line(ev);
		break;
	}
	draw_table(pv);
}
