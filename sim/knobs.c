/*
 * --alarm NAME=STATE[@SECONDS] and --hook FUNCTION=STATUS[:SECONDS]: the
 * CloudWatch alarms and Lambda answers ecs-local stands in for.
 *
 * An alarm is in STATE (ALARM, OK, INSUFFICIENT_DATA) from SECONDS of
 * simulated time after the start on (at once without @). A Lambda hook
 * answers IN_PROGRESS for SECONDS, then STATUS (SUCCEEDED or FAILED);
 * IN_PROGRESS:SECONDS means SUCCEEDED after SECONDS, IN_PROGRESS alone never
 * answers (the hook times out).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_int.h"
#include "banned.h"

static int one_of(const char *s, size_t n, const char *const *list)
{
	for (; *list; list++) {
		if (strlen(*list) == n && strncmp(s, *list, n) == 0)
			return 1;
	}
	return 0;
}

/* SECONDS after `sep` (from `p`, up to the end): 0 when fine. */
static int seconds(const char *p, double *out)
{
	char *end = NULL;

	errno = 0;
	*out = strtod(p, &end);
	return (!*p || *end || errno || *out < 0 || *out > 1e9) ? -1 : 0;
}

struct knob {
	const char *flag, *form;
	char sep; /* before SECONDS */
	const char *const *states;
};

static const char *const alarm_states[] = {"ALARM", "OK", "INSUFFICIENT_DATA", NULL};
static const char *const hook_states[] = {"SUCCEEDED", "FAILED", "IN_PROGRESS", NULL};
static const struct knob alarm_knob = {"--alarm", "NAME=ALARM|OK|INSUFFICIENT_DATA[@SECONDS]", '@',
                                       alarm_states};
static const struct knob hook_knob = {"--hook", "FUNCTION=SUCCEEDED|FAILED|IN_PROGRESS[:SECONDS]",
                                      ':', hook_states};

struct knob_value {
	char name[256], status[32];
	double secs; /* -1: none */
};

static int parse_one(const struct knob *k, const char *spec, struct knob_value *v,
                     struct ecsctl_error *err)
{
	const char *eq = spec ? strchr(spec, '=') : NULL, *at;
	size_t n;

	v->secs = -1;
	if (!eq || eq == spec || (size_t)(eq - spec) >= sizeof(v->name) || strchr(spec, ';'))
		goto bad;
	snprintf(v->name, sizeof(v->name), "%.*s", (int)(eq - spec), spec);
	at = strchr(eq + 1, k->sep);
	n = at ? (size_t)(at - eq - 1) : strlen(eq + 1);
	if (!one_of(eq + 1, n, k->states) || n >= sizeof(v->status))
		goto bad;
	snprintf(v->status, sizeof(v->status), "%.*s", (int)n, eq + 1);
	if (at && seconds(at + 1, &v->secs))
		goto bad;
	return 0;
bad:
	return ecsctl_error_set(err, ECSCTL_EINVAL, "%s needs %s, not '%s'", k->flag, k->form,
	                        spec ? spec : "");
}

int ecsctl_sim_alarm_check(const char *spec, struct ecsctl_error *err)
{
	struct knob_value v;

	return parse_one(&alarm_knob, spec, &v, err);
}

int ecsctl_sim_hook_check(const char *spec, struct ecsctl_error *err)
{
	struct knob_value v;

	return parse_one(&hook_knob, spec, &v, err);
}

/* Each ';'-separated value of `list` through `fn`. */
static int each(struct sim_store *s, const char *list,
                int (*fn)(struct sim_store *s, const char *spec, struct ecsctl_error *err),
                struct ecsctl_error *err)
{
	char *copy = list ? strdup(list) : NULL, *save = NULL, *tok;
	int rc = 0;

	if (list && !copy)
		return ecsctl_error_nomem(err);
	for (tok = copy ? strtok_r(copy, ";", &save) : NULL; tok && !rc;
	     tok = strtok_r(NULL, ";", &save))
		rc = fn(s, tok, err);
	free(copy);
	return rc;
}

static int add_alarm(struct sim_store *s, const char *spec, struct ecsctl_error *err)
{
	struct knob_value v;
	int rc = parse_one(&alarm_knob, spec, &v, err);

	if (!rc)
		json_object_set_new(s->alarms, v.name,
		                    json_pack("{s:s,s:o}", "state", v.status, "at",
		                              sim_time(v.secs < 0 ? 0 : s->sim_start + v.secs)));
	return rc;
}

static int add_hook(struct sim_store *s, const char *spec, struct ecsctl_error *err)
{
	struct knob_value v;
	int rc = parse_one(&hook_knob, spec, &v, err);

	/* IN_PROGRESS for a while ends in SUCCEEDED */
	if (!rc && strcmp(v.status, "IN_PROGRESS") == 0 && v.secs >= 0)
		snprintf(v.status, sizeof(v.status), "SUCCEEDED");
	if (!rc)
		json_object_set_new(s->hooks, v.name,
		                    json_pack("{s:s,s:f}", "status", v.status, "seconds",
		                              v.secs < 0 ? 0.0 : v.secs));
	return rc;
}

int sim_knobs_load(struct sim_store *s, const char *alarms, const char *hooks,
                   struct ecsctl_error *err)
{
	int rc = each(s, alarms, add_alarm, err);

	return rc ? rc : each(s, hooks, add_hook, err);
}
