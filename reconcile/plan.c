/*
 * Plan: desired (model) + live -> ordered operations, each carrying the
 * exact requests apply will send. Task definitions are reused when an
 * existing revision is normalized-equal (never a duplicate register); each
 * service gets ONE UpdateService with every changed member (diff/ builds
 * it), because split calls start duplicate deployments.
 */
#include <stdlib.h>
#include <string.h>

#include "ecsctl/arn.h"
#include "reconcile_int.h"
#include "banned.h"

void ecsctl_plan_init(struct ecsctl_plan *p)
{
	memset(p, 0, sizeof(*p));
}

static void op_release(struct ecsctl_plan_op *op)
{
	free(op->name);
	ecsctl_diff_changes_release(&op->changes);
	json_decref(op->forces);
	json_decref(op->calls);
	json_decref(op->wait);
	json_decref(op->rollout);
	reconcile_compare_release(op);
}

void ecsctl_plan_release(struct ecsctl_plan *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->count; i++)
		op_release(&p->ops[i]);
	free(p->ops);
	free(p->commit);
	free(p->ref);
	free(p->source);
	free(p->digest);
	free(p->fingerprint);
	json_decref(p->desired);
	json_decref(p->scope);
	json_decref(p->api_calls);
	json_decref(p->unstable);
	json_decref(p->hooks);
	ecsctl_plan_init(p);
}

char *ecsctl_plan_placeholder(const char *family)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;

	ecsctl_buf_addf(&b, "(new revision of %s)", family);
	return ecsctl_buf_detach(&b);
}

struct ecsctl_plan_op *reconcile_plan_push(struct ecsctl_plan *p)
{
	struct ecsctl_plan_op *op;

	if (p->count == p->alloc) {
		size_t na = p->alloc ? p->alloc * 2 : 8;
		struct ecsctl_plan_op *v = realloc(p->ops, na * sizeof(*v));
		if (!v)
			return NULL;
		p->ops = v;
		p->alloc = na;
	}
	op = &p->ops[p->count++];
	memset(op, 0, sizeof(*op));
	ecsctl_diff_changes_init(&op->changes);
	ecsctl_diff_changes_init(&op->td_changes);
	return op;
}

/* Appends an op with its name and an empty call list; NULL on OOM. */
static struct ecsctl_plan_op *add_op(struct ecsctl_plan *p, enum ecsctl_diff_action action,
                                     enum ecsctl_kind kind, const char *name,
                                     enum ecsctl_phase phase)
{
	struct ecsctl_plan_op *op = reconcile_plan_push(p);

	if (!op || !(op->name = strdup(name)) || !(op->calls = json_array()))
		return NULL; /* a half-made op is released with the plan */
	op->action = action;
	op->kind = kind;
	op->phase = phase;
	return op;
}

static int add_call(struct ecsctl_plan_op *op, const char *operation, json_t *request)
{
	if (!request)
		return -1;
	return json_array_append_new(
	    op->calls, json_pack("{s:s,s:o}", "operation", operation, "request", request));
}

struct ctx {
	const struct ecsctl_model *m;
	const struct ecsctl_live *live;
	const char *owner;
	const char *commit;
	json_t *resolved; /* family -> ARN or placeholder */
	json_t *users;    /* family -> [indexes of the repo services naming it] */
	json_t *digests;  /* family -> digest of its normalized task definition */
};

static json_t *owner_tags(const json_t *tags, const char *owner)
{
	return reconcile_tags_with(tags, ECSCTL_OWNER_TAG, owner);
}

static int plan_cluster(struct ecsctl_plan *p, struct ctx *c, const struct ecsctl_resource *r,
                        struct ecsctl_error *err)
{
	const json_t *live = json_object_get(c->live->clusters, r->name);
	const char *arn = json_string_value(json_object_get(live, "clusterArn"));
	json_t *desired = json_deep_copy(r->body);
	struct ecsctl_diff_cluster d;
	struct ecsctl_plan_op *op;
	int rc = 0;

	ecsctl_diff_cluster_init(&d);
	if (!desired ||
	    json_object_set_new(desired, "tags",
	                        owner_tags(json_object_get(r->body, "tags"), c->owner))) {
		rc = reconcile_oom(err);
		goto done;
	}
	if (!live) {
		if (!(op = add_op(p, ECSCTL_DIFF_CREATE, r->kind, r->name,
		                  ECSCTL_PHASE_CLUSTERS)) ||
		    ecsctl_diff_values(&op->changes, NULL, desired, NULL, err) ||
		    add_call(op, "CreateCluster", json_incref(desired)))
			rc = err->code ? err->code : reconcile_oom(err);
		goto done;
	}
	if ((rc = ecsctl_diff_cluster(&d, desired, live, c->m->settings.ignore,
	                              c->m->settings.nignore, err)))
		goto done;
	if (!d.changes.count)
		goto done;
	if (!(op = add_op(p, ECSCTL_DIFF_UPDATE, r->kind, r->name, ECSCTL_PHASE_CLUSTERS))) {
		rc = reconcile_oom(err);
		goto done;
	}
	op->changes = d.changes;
	ecsctl_diff_changes_init(&d.changes);
	if ((d.update && add_call(op, "UpdateCluster", json_incref(d.update))) ||
	    (d.capacity_providers &&
	     add_call(op, "PutClusterCapacityProviders", json_incref(d.capacity_providers))) ||
	    (d.tags_add && json_array_size(d.tags_add) &&
	     add_call(op, "TagResource",
	              json_pack("{s:s,s:O}", "resourceArn", arn, "tags", d.tags_add))) ||
	    (d.tags_remove && json_array_size(d.tags_remove) &&
	     add_call(op, "UntagResource",
	              json_pack("{s:s,s:O}", "resourceArn", arn, "tagKeys", d.tags_remove))))
		rc = reconcile_oom(err);
done:
	ecsctl_diff_cluster_release(&d);
	json_decref(desired);
	return rc;
}

/* The repo family a service names, or NULL (a family:rev or ARN passes through). */
static const char *service_family(const struct ctx *c, const struct ecsctl_resource *svc)
{
	const char *td = json_string_value(json_object_get(svc->body, "taskDefinition"));

	if (!td || strchr(td, ':') || !ecsctl_model_find(c->m, ECSCTL_KIND_TASKDEF, td))
		return NULL;
	return td;
}

/* Which services name each repo family, found once: asking per family
 * made planning quadratic in the number of services (5,000: seconds). */
static int index_users(struct ctx *c)
{
	size_t i;

	for (i = 0; i < c->m->count; i++) {
		const struct ecsctl_resource *s = &c->m->resources[i];
		const char *fam;
		json_t *list;

		if (s->kind != ECSCTL_KIND_SERVICE || !(fam = service_family(c, s)))
			continue;
		if (!(list = json_object_get(c->users, fam)) &&
		    json_object_set_new(c->users, fam, list = json_array()))
			return -1;
		if (json_array_append_new(list, json_integer((json_int_t)i)))
			return -1;
	}
	return 0;
}

static int plan_deregister(struct ecsctl_plan *p, const struct ctx *c, const char *family,
                           bool registering, struct ecsctl_error *err);

static int plan_taskdef(struct ecsctl_plan *p, struct ctx *c, const struct ecsctl_resource *r,
                        struct ecsctl_error *err)
{
	const json_t *cand[64];
	const json_t *latest = json_object_get(c->live->latest, r->name);
	struct ecsctl_plan_op *op;
	json_t *req = NULL, *hist, *tags = NULL;
	char *ph = NULL;
	size_t i, n = 0;
	long idx = -1;
	int rc = 0;

	/* the revisions services run first: switching a service costs a deployment */
	json_array_foreach(json_object_get(c->users, r->name), i, hist) {
		const struct ecsctl_resource *s = &c->m->resources[json_integer_value(hist)];
		const char *arn;
		if (n >= 63)
			break;
		arn = json_string_value(
		    json_object_get(json_object_get(c->live->services, s->name), "taskDefinition"));
		if (arn && json_object_get(c->live->running, arn))
			cand[n++] = json_object_get(c->live->running, arn);
	}
	if (latest)
		cand[n++] = latest;
	json_array_foreach(json_object_get(c->live->history, r->name), i, hist) {
		if (n < 64)
			cand[n++] = hist;
	}
	if ((rc = ecsctl_diff_taskdef_match(&idx, r->body, cand, n, err)))
		goto done;
	if (idx >= 0) {
		if (json_object_set(c->resolved, r->name,
		                    json_object_get(cand[idx], "taskDefinitionArn")))
			rc = reconcile_oom(err);
		else
			rc = plan_deregister(p, c, r->name, false, err);
		goto done;
	}
	/* the commit registered from: `rollback` tells the user which commit a
	 * revision came from (tags never make a register, diff/taskdef.c) */
	if (!(op = add_op(p, ECSCTL_DIFF_REGISTER, r->kind, r->name, ECSCTL_PHASE_TASKDEFS)) ||
	    !(req = json_deep_copy(r->body)) ||
	    !(tags = owner_tags(json_object_get(r->body, "tags"), c->owner)) ||
	    json_object_set_new(req, "tags",
	                        reconcile_tags_with(tags, ECSCTL_REVISION_TAG, c->commit))) {
		rc = reconcile_oom(err);
		goto done;
	}
	if ((rc = reconcile_compare_register(op, c->m, c->live, json_object_get(c->users, r->name),
	                                     r->body, err)))
		goto done;
	if (!(ph = ecsctl_plan_placeholder(r->name)) ||
	    json_object_set_new(c->resolved, r->name, json_string(ph)) ||
	    add_call(op, "RegisterTaskDefinition", req)) {
		req = NULL;
		rc = reconcile_oom(err);
		goto done;
	}
	req = NULL;
	rc = plan_deregister(p, c, r->name, true, err);
done:
	json_decref(tags);
	json_decref(req);
	free(ph);
	return rc;
}

/* `tags` with ecsctl:taskdef set to `value`, unless NULL. New reference. */
static json_t *with_taskdef_tag(json_t *tags, const char *value)
{
	json_t *out = value ? reconcile_tags_with(tags, ECSCTL_TASKDEF_TAG, value) : NULL;

	if (value) {
		json_decref(tags);
		return out;
	}
	return tags;
}

static int service_calls_update(struct ecsctl_plan_op *op, struct ecsctl_diff_service *d,
                                const char *arn, const struct ctx *c, const char *tdtag)
{
	json_t *add = d->tags_add ? json_deep_copy(d->tags_add) : json_array();
	json_t *tags;
	int rc = 0;

	if (!add)
		return -1;
	if (d->update && add_call(op, "UpdateService", json_incref(d->update)))
		rc = -1;
	/* the revision tag follows every change; it never causes one, and so
	 * does the ecsctl:taskdef tag, written after the update (an update that
	 * fails leaves the old tag, which then names a revision the service does
	 * not run: the next plan reads it) */
	tags = with_taskdef_tag(reconcile_tags_with(add, ECSCTL_REVISION_TAG, c->commit), tdtag);
	if (!rc && (!tags || add_call(op, "TagResource",
	                              json_pack("{s:s,s:O}", "resourceArn", arn, "tags", tags))))
		rc = -1;
	if (!rc && d->tags_remove && json_array_size(d->tags_remove) &&
	    add_call(op, "UntagResource",
	             json_pack("{s:s,s:O}", "resourceArn", arn, "tagKeys", d->tags_remove)))
		rc = -1;
	json_decref(tags);
	json_decref(add);
	return rc;
}

static int plan_service(struct ecsctl_plan *p, struct ctx *c, const struct ecsctl_resource *r,
                        struct ecsctl_error *err)
{
	const json_t *live = json_object_get(c->live->services, r->name);
	const char *fam = service_family(c, r);
	const char *live_rev = ecsctl_reconcile_tag_value(json_object_get(live, "tags"),
	                                                  ECSCTL_REVISION_TAG);
	const char *live_td = json_string_value(json_object_get(live, "taskDefinition"));
	const char *live_tdtag = ecsctl_reconcile_tag_value(json_object_get(live, "tags"),
	                                                    ECSCTL_TASKDEF_TAG);
	struct ecsctl_diff_service_options dopts = ECSCTL_DIFF_SERVICE_OPTIONS_INIT;
	struct ecsctl_diff_service d;
	struct ecsctl_plan_op *op = NULL;
	json_t *desired = json_deep_copy(r->body), *tags = NULL, *upd;
	char *tdtag = NULL;
	const char *td;
	int rc = 0;

	ecsctl_diff_service_init(&d);
	if (!desired || !(tags = owner_tags(json_object_get(r->body, "tags"), c->owner))) {
		rc = reconcile_oom(err);
		goto done;
	}
	/* compare with the live revision tag: a new sha alone is no change */
	json_object_set_new(
	    desired, "tags",
	    reconcile_tags_with(tags, ECSCTL_REVISION_TAG, live_rev ? live_rev : c->commit));
	if (fam)
		json_object_set(desired, "taskDefinition", json_object_get(c->resolved, fam));
	td = json_string_value(json_object_get(desired, "taskDefinition"));
	/* what the service will run, vouched for: a repo family resolves to a
	 * revision equal to its desired task definition, or to the register of
	 * it (no tag, e.g. out of memory, only costs the next plan a read) */
	if (fam && td)
		tdtag = reconcile_taskdef_tag(td,
		                              json_string_value(json_object_get(c->digests, fam)));
	/* compared with the live one: it never causes a change, and follows each */
	json_object_set_new(desired, "tags",
	                    with_taskdef_tag(json_incref(json_object_get(desired, "tags")),
	                                     live ? live_tdtag : tdtag));
	if (!live) {
		if (!(op = add_op(p, ECSCTL_DIFF_CREATE, r->kind, r->name,
		                  ECSCTL_PHASE_SERVICES)) ||
		    ecsctl_diff_values(&op->changes, NULL, desired, NULL, err) ||
		    add_call(op, "CreateService", json_incref(desired)))
			rc = err->code ? err->code : reconcile_oom(err);
		goto wait;
	}
	dopts.name = r->name;
	dopts.ignore = c->m->settings.ignore;
	dopts.nignore = c->m->settings.nignore;
	if ((rc = ecsctl_diff_service(&d, desired, live, &dopts, err)))
		goto done;
	if (!d.changes.count)
		goto done;
	if (d.replace) {
		const char *name = json_string_value(json_object_get(live, "serviceName"));
		/* ECS refuses the create while the old one is ACTIVE or DRAINING */
		if (!(op = add_op(p, ECSCTL_DIFF_REPLACE, r->kind, r->name,
		                  ECSCTL_PHASE_SERVICES)) ||
		    add_call(op, "DeleteService",
		             json_pack("{s:s,s:s,s:b}", "cluster", r->cluster, "service", name,
		                       "force", 1)) ||
		    add_call(op, RECONCILE_WAIT_INACTIVE,
		             json_pack("{s:s,s:s}", "cluster", r->cluster, "service", name)) ||
		    json_object_set_new(
		        desired, "tags",
		        with_taskdef_tag(json_incref(json_object_get(desired, "tags")), tdtag)) ||
		    add_call(op, "CreateService", json_incref(desired))) {
			rc = reconcile_oom(err);
			goto done;
		}
		op->forces = json_incref(d.replace);
	} else {
		if (!(op = add_op(p, ECSCTL_DIFF_UPDATE, r->kind, r->name,
		                  ECSCTL_PHASE_SERVICES)) ||
		    service_calls_update(
		        op, &d, json_string_value(json_object_get(live, "serviceArn")), c, tdtag)) {
			rc = reconcile_oom(err);
			goto done;
		}
		upd = json_object_get(d.update, "taskDefinition");
		td = upd ? json_string_value(upd) : live_td;
	}
	op->changes = d.changes;
	ecsctl_diff_changes_init(&d.changes);
	if ((rc = reconcile_compare_service(
	         op, p, c->live, fam,
	         fam ? ecsctl_model_find(c->m, ECSCTL_KIND_TASKDEF, fam)->body : NULL, live_td, td,
	         err)))
		goto done;
	if (op->action == ECSCTL_DIFF_UPDATE && !d.update)
		goto done; /* tags only: nothing deploys */
wait:
	if (op && !rc)
		rc = reconcile_rollout_plan(
		    op, r->body, op->action == ECSCTL_DIFF_CREATE ? NULL : live, d.update, err);
	if (op && !rc &&
	    !(op->wait = json_pack("{s:s,s:s,s:s?,s:s?}", "cluster", r->cluster, "service",
	                           json_string_value(json_object_get(r->body, "serviceName")),
	                           "taskDefinition", td, "previousTaskDefinition", live_td)))
		rc = reconcile_oom(err);
done:
	ecsctl_diff_service_release(&d);
	json_decref(desired);
	json_decref(tags);
	free(tdtag);
	return rc;
}

static bool in_use(const struct ecsctl_live *live, const char *arn)
{
	const json_t *sets[2] = {live->services, live->orphans};
	const char *key;
	json_t *svc;
	size_t i;

	for (i = 0; i < 2; i++) {
		json_object_foreach((json_t *)sets[i], key, svc) {
			const char *td = json_string_value(json_object_get(svc, "taskDefinition"));
			if (td && !strcmp(td, arn))
				return true;
		}
	}
	return false;
}

/* keepRevisions: the newest `keep` ACTIVE revisions stay (a revision this plan
 * registers counts as one of them), and so do the ones in use. */
static int plan_deregister(struct ecsctl_plan *p, const struct ctx *c, const char *family,
                           bool registering, struct ecsctl_error *err)
{
	const json_t *arns = json_object_get(c->live->revisions, family);
	const char *used = json_string_value(json_object_get(c->resolved, family));
	long keep = c->m->settings.keep_revisions;
	size_t i, kept = registering ? 1 : 0;
	json_t *it;

	if (keep <= 0 || !arns)
		return 0;
	json_array_foreach(arns, i, it) {
		const char *arn = json_string_value(it), *owner;
		const json_t *td;
		struct ecsctl_plan_op *op;
		if (kept < (size_t)keep) {
			kept++;
			continue;
		}
		if (!arn || in_use(c->live, arn) || (used && !strcmp(used, arn)))
			continue;
		td = reconcile_known_td(c->live, arn);
		owner = td ? ecsctl_reconcile_tag_value(json_object_get(td, "tags"),
		                                        ECSCTL_OWNER_TAG)
		           : NULL;
		/* not described, or not ours: never touched */
		if (!owner || !c->owner[0] || strcmp(owner, c->owner))
			continue;
		if (!(op = add_op(p, ECSCTL_DIFF_DEREGISTER, ECSCTL_KIND_TASKDEF,
		                  ecsctl_arn_taskdef(arn), ECSCTL_PHASE_DEREGISTER)) ||
		    add_call(op, "DeregisterTaskDefinition",
		             json_pack("{s:s}", "taskDefinition", arn)))
			return reconcile_oom(err);
	}
	return 0;
}

/* A cluster is deleted when every service it has is one this plan deletes:
 * the services go first (their phase), apply waits for them to be INACTIVE
 * (ECS refuses DeleteCluster while one is ACTIVE or DRAINING), then the
 * cluster goes. One with a service that is not ours is never deleted.
 * 0, or -1 on OOM. */
static int plan_cluster_delete(struct ecsctl_plan *p, const struct ecsctl_live *live,
                               const char *name, const json_t *cluster)
{
	json_int_t active = json_integer_value(json_object_get(cluster, "activeServicesCount"));
	size_t len = strlen(name), ours = 0;
	struct ecsctl_plan_op *op;
	const char *key;
	json_t *it, *waits = json_array();
	size_t i;

	if (!waits)
		return -1;
	json_object_foreach(live->orphans, key, it) {
		if (strncmp(key, name, len) || key[len] != '/')
			continue;
		ours++;
		if (json_array_append_new(
		        waits, json_pack("{s:s,s:s}", "cluster", name, "service",
		                         json_string_value(json_object_get(it, "serviceName"))))) {
			json_decref(waits);
			return -1;
		}
	}
	if ((json_int_t)ours != active) {
		json_decref(waits);
		return 0; /* never delete a cluster that keeps services */
	}
	if (!(op = add_op(p, ECSCTL_DIFF_DELETE, ECSCTL_KIND_CLUSTER, name,
	                  ECSCTL_PHASE_CLUSTER_DELETES))) {
		json_decref(waits);
		return -1;
	}
	json_array_foreach(waits, i, it) {
		if (add_call(op, RECONCILE_WAIT_INACTIVE, json_incref(it))) {
			json_decref(waits);
			return -1;
		}
	}
	json_decref(waits);
	return add_call(op, "DeleteCluster", json_pack("{s:s}", "cluster", name)) ? -1 : 0;
}

static int plan_prune(struct ecsctl_plan *p, const struct ecsctl_live *live,
                      struct ecsctl_error *err)
{
	const char *key;
	json_t *it;

	json_object_foreach(live->orphans, key, it) {
		const char *cl = json_string_value(json_object_get(it, "clusterArn"));
		const char *svc = json_string_value(json_object_get(it, "serviceName"));
		const char *sched = json_string_value(json_object_get(it, "schedulingStrategy"));
		struct ecsctl_plan_op *op = add_op(p, ECSCTL_DIFF_DELETE, ECSCTL_KIND_SERVICE, key,
		                                   ECSCTL_PHASE_SERVICE_DELETES);
		/* scale to 0 first, so tasks drain; a DAEMON service has no count
		 * of its own to scale (one task per instance): DeleteService stops them */
		if (!op || !cl || !svc ||
		    ((!sched || strcmp(sched, "DAEMON") != 0) &&
		     add_call(op, "UpdateService",
		              json_pack("{s:s,s:s,s:i}", "cluster", cl, "service", svc,
		                        "desiredCount", 0))) ||
		    add_call(op, "DeleteService",
		             json_pack("{s:s,s:s,s:b}", "cluster", cl, "service", svc, "force", 1)))
			return reconcile_oom(err);
	}
	json_object_foreach(live->orphan_clusters, key, it) {
		if (plan_cluster_delete(p, live, key, it))
			return reconcile_oom(err);
	}
	return 0;
}

static bool targeted(const struct ecsctl_plan_op *op, const struct ecsctl_plan_options *o)
{
	const char *kind = ecsctl_kind_name(op->kind);
	size_t i, kl = strlen(kind);

	for (i = 0; i < o->ntargets; i++) {
		const char *t = o->targets[i];
		if (!strncmp(t, kind, kl) && t[kl] == '/' && !strcmp(t + kl + 1, op->name))
			return true;
	}
	return false;
}

/* Keeps the targeted ops and the registers their services need. */
static int filter_targets(struct ecsctl_plan *p, const struct ctx *c,
                          const struct ecsctl_plan_options *o, struct ecsctl_error *err)
{
	size_t i, j, k = 0;
	bool *keep = calloc(p->count + 1, sizeof(*keep));

	if (!keep)
		return reconcile_oom(err);
	for (i = 0; i < o->ntargets; i++) {
		const char *t = o->targets[i], *slash = strchr(t, '/');
		bool found = false;
		for (j = 0; j < c->m->count && slash; j++) {
			const struct ecsctl_resource *r = &c->m->resources[j];
			const char *kind = ecsctl_kind_name(r->kind);
			if (strlen(kind) == (size_t)(slash - t) &&
			    !strncmp(t, kind, strlen(kind)) && !strcmp(slash + 1, r->name))
				found = true;
		}
		for (j = 0; j < p->count && !found; j++)
			found = targeted(&p->ops[j], &(struct ecsctl_plan_options){&o->targets[i],
			                                                           1, false, NULL});
		if (!found) {
			free(keep);
			return ecsctl_error_set(
			    err, ECSCTL_EINVAL,
			    "target '%s' names no resource (use Kind/name, e.g. "
			    "Service/cluster/name or TaskDefinition/family)",
			    t);
		}
	}
	for (i = 0; i < p->count; i++) {
		const char *td, *cl;
		if (!targeted(&p->ops[i], o))
			continue;
		keep[i] = true;
		td = json_string_value(json_object_get(p->ops[i].wait, "taskDefinition"));
		cl = json_string_value(json_object_get(p->ops[i].wait, "cluster"));
		for (j = 0; td && j < p->count; j++) {
			char *ph = ecsctl_plan_placeholder(p->ops[j].name);
			if (p->ops[j].action == ECSCTL_DIFF_REGISTER && ph && !strcmp(ph, td))
				keep[j] = true;
			/* a service needs its cluster to exist */
			if (p->ops[j].kind == ECSCTL_KIND_CLUSTER &&
			    p->ops[j].action != ECSCTL_DIFF_DELETE && cl &&
			    !strcmp(p->ops[j].name, cl))
				keep[j] = true;
			free(ph);
		}
	}
	for (i = 0; i < p->count; i++) {
		if (keep[i])
			p->ops[k++] = p->ops[i];
		else
			op_release(&p->ops[i]);
	}
	p->count = k;
	free(keep);
	return 0;
}

static int op_cmp(const void *a, const void *b)
{
	const struct ecsctl_plan_op *x = a, *y = b;

	if (x->phase != y->phase)
		return x->phase < y->phase ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* What the plan is a function of, besides live ECS: the model and the
 * targets (a saved plan is planned again from it). */
static json_t *desired_doc(const struct ecsctl_model *m, const struct ecsctl_plan_options *opts)
{
	json_t *targets = json_array();
	size_t i;

	for (i = 0; targets && opts && i < opts->ntargets; i++)
		if (json_array_append_new(targets, json_string(opts->targets[i]))) {
			json_decref(targets);
			return NULL;
		}
	return targets
	           ? json_pack("{s:o,s:o}", "model", ecsctl_model_to_json(m), "targets", targets)
	           : NULL;
}

int ecsctl_plan_make(struct ecsctl_plan *out, const struct ecsctl_model *m,
                     const struct ecsctl_live *live, const json_t *scope,
                     const struct ecsctl_plan_options *opts, struct ecsctl_error *err)
{
	struct ctx c = {m, live, m->settings.name ? m->settings.name : "", NULL, NULL, NULL, NULL};
	size_t i;
	int rc = 0;

	c.commit = m->commit ? m->commit : "worktree";
	c.resolved = json_object();
	c.users = json_object();
	if ((rc = reconcile_taskdef_digests(&c.digests, m, err)))
		goto done;
	if (!c.resolved || !c.users || index_users(&c) || !(out->scope = json_deep_copy(scope)) ||
	    (m->commit && !(out->commit = strdup(m->commit))) ||
	    (m->ref && !(out->ref = strdup(m->ref))) ||
	    !(out->fingerprint = strdup(live->fingerprint ? live->fingerprint : "")) ||
	    !(out->desired = desired_doc(m, opts)) ||
	    !(out->digest = reconcile_hash_json(out->desired))) {
		rc = reconcile_oom(err);
		goto done;
	}
	/* model resources come sorted by kind: clusters, task definitions, services */
	for (i = 0; i < m->count && !rc; i++) {
		const struct ecsctl_resource *r = &m->resources[i];
		if (r->kind == ECSCTL_KIND_CLUSTER)
			rc = plan_cluster(out, &c, r, err);
		else if (r->kind == ECSCTL_KIND_TASKDEF)
			rc = plan_taskdef(out, &c, r, err);
		else
			rc = plan_service(out, &c, r, err);
		if (rc)
			ecsctl_error_wrap(err, "%s '%s'", ecsctl_kind_name(r->kind), r->name);
	}
	if (!rc && m->settings.prune)
		rc = plan_prune(out, live, err);
	if (!rc && out->count)
		qsort(out->ops, out->count, sizeof(*out->ops), op_cmp);
	if (!rc && opts && opts->ntargets)
		rc = filter_targets(out, &c, opts, err);
	if (!rc)
		rc = reconcile_plan_hooks(out, m, live, err);
done:
	json_decref(c.resolved);
	json_decref(c.users);
	json_decref(c.digests);
	return rc;
}
