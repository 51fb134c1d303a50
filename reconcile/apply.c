/*
 * Apply: run a plan's calls phase by phase. Within a phase the operations
 * are independent, so their calls go out together (ecsctl_ecs_run, at most
 * `parallelism` at once); an operation's own calls stay in order (step k of
 * every op, then step k+1). The first failure stops new work; calls in
 * flight finish, so nothing is half-sent.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "ecsctl/arn.h"
#include "reconcile_int.h"
#include "banned.h"

/* A string that is a placeholder becomes the ARN; one that starts with a
 * placeholder and a space (the ecsctl:taskdef tag) gets "family:N" there. */
static json_t *substitute_string(const json_t *v, const json_t *registered)
{
	const char *s = json_string_value(v), *end;
	size_t pl = strlen(RECONCILE_PLACEHOLDER_PREFIX);
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	const json_t *arn;
	char *fam;

	if (strncmp(s, RECONCILE_PLACEHOLDER_PREFIX, pl) || !(end = strchr(s + pl, ')')) ||
	    (end[1] && end[1] != ' '))
		return json_incref((json_t *)v);
	if (!(fam = strndup(s + pl, (size_t)(end - s) - pl)))
		return NULL;
	arn = json_object_get(registered, fam);
	free(fam);
	if (!arn)
		return json_incref((json_t *)v);
	if (!end[1])
		return json_incref((json_t *)arn);
	ecsctl_buf_addf(&b, "%s%s", ecsctl_arn_taskdef(json_string_value(arn)), end + 1);
	if (ecsctl_buf_failed(&b))
		return NULL;
	v = json_string(b.buf);
	ecsctl_buf_release(&b);
	return (json_t *)v;
}

json_t *reconcile_substitute(const json_t *v, const json_t *registered)
{
	json_t *out, *it;
	const char *key;
	size_t i;

	if (json_is_string(v))
		return substitute_string(v, registered);
	if (json_is_object(v)) {
		if (!(out = json_object()))
			return NULL;
		json_object_foreach((json_t *)v, key, it) {
			if (json_object_set_new(out, key, reconcile_substitute(it, registered))) {
				json_decref(out);
				return NULL;
			}
		}
		return out;
	}
	if (json_is_array(v)) {
		if (!(out = json_array()))
			return NULL;
		json_array_foreach(v, i, it) {
			if (json_array_append_new(out, reconcile_substitute(it, registered))) {
				json_decref(out);
				return NULL;
			}
		}
		return out;
	}
	return json_incref((json_t *)v);
}

static void emit(const struct ecsctl_apply_options *o, enum ecsctl_progress_kind kind,
                 const struct ecsctl_plan_op *op, const struct ecsctl_error *e)
{
	struct ecsctl_progress ev;

	if (!o->progress)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.op = op;
	ev.error = e;
	ev.name = op->name;
	ev.rollout = "";
	o->progress(o->progress_ud, &ev);
}

static bool canceled(const struct ecsctl_apply_options *o)
{
	return o->cancel && *o->cancel;
}

struct slot {
	struct ecsctl_plan_op *op;
	struct ecsctl_ecs_call call;
};

/* The wait judges a service by the deployment our own call started (its
 * PRIMARY in the answer), never by "some deployment on another task
 * definition": a second writer's deployment is not a rollback of ours. */
static void note_deployment(struct ecsctl_plan_op *op, const json_t *response)
{
	const json_t *d;
	size_t i;

	if (!op->wait)
		return;
	json_array_foreach(json_object_get(json_object_get(response, "service"), "deployments"), i,
	                   d) {
		const char *st = json_string_value(json_object_get(d, "status"));
		const json_t *id = json_object_get(d, "id");
		if (st && !strcmp(st, "PRIMARY") && json_is_string(id))
			json_object_set(op->wait, "deploymentId", (json_t *)id);
	}
}

/* After a call: register answers feed later placeholders; a register whose
 * answer was lost is finished by the client's never-repeat path. */
static int finish_call(struct slot *s, struct ecsctl_ecs *ecs, json_t *registered,
                       struct ecsctl_error *err)
{
	struct ecsctl_ecs_call *c = &s->call;
	json_t *td = NULL;

	if (!strcmp(c->operation, "RegisterTaskDefinition")) {
		if (!ecsctl_ecs_register_finish(&td, NULL, ecs, c, err)) {
			if (td)
				json_object_set(registered, s->op->name,
				                json_object_get(td, "taskDefinitionArn"));
			json_decref(td);
			return 0;
		}
	} else if (c->response) {
		if (!strcmp(c->operation, "UpdateService") ||
		    !strcmp(c->operation, "CreateService"))
			note_deployment(s->op, c->response);
		return 0;
	} else {
		if (!c->error.code)
			ecsctl_error_set(err, ECSCTL_EAWS, "failed");
		ecsctl_error_copy(err, &c->error);
	}
	/* the client's message already names the operation */
	return ecsctl_error_wrap(err, "%s '%s'", ecsctl_diff_action_name(s->op->action),
	                         s->op->name);
}

/* The client makes each call safe to retry (a clientToken for CreateService,
 * never repeating a RegisterTaskDefinition that may have landed). */
static int prepare(struct slot *s, const json_t *call, const json_t *registered)
{
	memset(&s->call, 0, sizeof(s->call));
	s->call.operation = json_string_value(json_object_get(call, "operation"));
	if (!s->call.operation)
		return -1;
	if (!(s->call.request = reconcile_substitute(json_object_get(call, "request"), registered)))
		return -1;
	return 0;
}

static bool is_wait(const json_t *call)
{
	const char *op = json_string_value(json_object_get(call, "operation"));

	return op && !strcmp(op, RECONCILE_WAIT_INACTIVE);
}

static int run_phase(struct ecsctl_plan *p, enum ecsctl_phase phase, struct ecsctl_ecs *ecs,
                     json_t *registered, const struct ecsctl_apply_options *o,
                     struct ecsctl_error *err)
{
	size_t par = o->parallelism > 0 ? (size_t)o->parallelism : 8, step, i, n;
	struct slot *slots = calloc(p->count + 1, sizeof(*slots));
	json_t *waits = json_array();
	bool more = true;
	int rc = 0;

	if (!slots || !waits) {
		free(slots);
		json_decref(waits);
		return reconcile_oom(err);
	}
	for (i = 0; i < p->count; i++)
		if (p->ops[i].phase == phase)
			emit(o, ECSCTL_PROGRESS_OP_START, &p->ops[i], NULL);
	for (step = 0; more && !rc; step++) {
		more = false;
		n = 0;
		for (i = 0; i < p->count; i++) {
			struct ecsctl_plan_op *op = &p->ops[i];
			json_t *call;
			if (op->phase != phase || !(call = json_array_get(op->calls, step)))
				continue;
			more = true;
			/* slots holds one call per op of the phase, and a spare */
			assert(n < p->count + 1);
			if (is_wait(call)) {
				if (json_array_append(waits, json_object_get(call, "request")))
					rc = reconcile_oom(err);
				continue;
			}
			slots[n].op = op;
			if (prepare(&slots[n++], call, registered)) {
				rc = ecsctl_error_set(err, ECSCTL_EINVAL, "%s '%s': malformed call",
				                      ecsctl_kind_name(op->kind), op->name);
				break;
			}
		}
		for (i = 0; i < n && !rc; i += par) {
			struct ecsctl_error ignored = ECSCTL_ERROR_INIT;
			size_t j, m = n - i < par ? n - i : par;
			struct ecsctl_ecs_call *calls = calloc(m, sizeof(*calls));
			if (canceled(o)) {
				free(calls);
				rc = ecsctl_error_set(
				    err, ECSCTL_ECANCELED,
				    "interrupted: no new operations were started");
				break;
			}
			if (!calls) {
				rc = reconcile_oom(err);
				break;
			}
			for (j = 0; j < m; j++)
				calls[j] = slots[i + j].call;
			ecsctl_ecs_run(ecs, calls, m, &ignored);
			ecsctl_error_release(&ignored);
			for (j = 0; j < m; j++) {
				slots[i + j].call = calls[j];
				if (!rc)
					rc = finish_call(&slots[i + j], ecs, registered, err);
				if (rc && !slots[i + j].call.response)
					emit(o, ECSCTL_PROGRESS_OP_DONE, slots[i + j].op, err);
			}
			free(calls);
		}
		for (i = 0; i < n; i++) {
			json_decref(slots[i].call.request);
			ecsctl_ecs_call_release(&slots[i].call);
		}
		/* after this step's deletes: wait for their names to be free */
		if (!rc && json_array_size(waits))
			rc = reconcile_wait_inactive(ecs, waits, o, err);
		json_array_clear(waits);
	}
	if (!rc)
		for (i = 0; i < p->count; i++)
			if (p->ops[i].phase == phase)
				emit(o, ECSCTL_PROGRESS_OP_DONE, &p->ops[i], NULL);
	free(slots);
	json_decref(waits);
	return rc;
}

int ecsctl_plan_check_replace(const struct ecsctl_plan *p, bool allow_replace,
                              struct ecsctl_error *err)
{
	size_t i;

	for (i = 0; i < p->count && !allow_replace; i++) {
		if (p->ops[i].action == ECSCTL_DIFF_REPLACE) {
			char *members = json_dumps(p->ops[i].forces, JSON_COMPACT);
			ecsctl_error_set(
			    err, ECSCTL_EINVAL,
			    "%s '%s' must be replaced (immutable member%s %s changed): it would "
			    "be deleted and created again; nothing was applied: run again with "
			    "--allow-replace",
			    ecsctl_kind_name(p->ops[i].kind), p->ops[i].name,
			    json_array_size(p->ops[i].forces) == 1 ? "" : "s",
			    members ? members : "[]");
			free(members);
			return err->code;
		}
	}
	return 0;
}

int ecsctl_plan_apply(struct ecsctl_plan *p, struct ecsctl_ecs *ecs, bool allow_replace,
                      const struct ecsctl_apply_options *opts, struct ecsctl_error *err)
{
	struct ecsctl_apply_options none = ECSCTL_APPLY_OPTIONS_INIT;
	json_t *registered = json_object();
	size_t i;
	int phase, rc = 0;

	if (!opts)
		opts = &none;
	if (!registered)
		return reconcile_oom(err);
	if ((rc = ecsctl_plan_check_replace(p, allow_replace, err)))
		goto done;
	for (phase = 0; phase < ECSCTL_PHASE_COUNT && !rc; phase++) {
		if (opts->heartbeat && (rc = opts->heartbeat(opts->heartbeat_ud, err)))
			break;
		/* the hooks: after the registers (they may run a new revision),
		 * before anything a service runs changes */
		if (phase == ECSCTL_PHASE_SERVICES)
			rc = reconcile_run_hooks(p, ecs, registered, opts, err);
		if (!rc)
			rc = run_phase(p, phase, ecs, registered, opts, err);
	}
	for (i = 0; i < p->count; i++) {
		json_t *w = p->ops[i].wait, *td;
		if (!w ||
		    !(td = reconcile_substitute(json_object_get(w, "taskDefinition"), registered)))
			continue;
		json_object_set_new(w, "taskDefinition", td);
	}
done:
	json_decref(registered);
	return rc;
}
