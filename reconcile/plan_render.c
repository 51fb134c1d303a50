/* Plans for people: the terminal text, and what names the plan's source. */
#include <stdlib.h>
#include <string.h>

#include "reconcile_int.h"
#include "banned.h"

int ecsctl_plan_set_source(struct ecsctl_plan *p, const char *repo, const char *path,
                           struct ecsctl_error *err)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	const char *scheme = repo ? strstr(repo, "://") : NULL, *host, *at;

	if (!repo)
		return 0;
	host = scheme ? scheme + 3 : repo;
	at = scheme ? memchr(host, '@', strcspn(host, "/")) : NULL;
	/* https://x-access-token:TOKEN@github.com/o/r -> https://github.com/o/r */
	if (at) {
		ecsctl_buf_add(&b, repo, (size_t)(host - repo));
		ecsctl_buf_adds(&b, at + 1);
	} else {
		ecsctl_buf_adds(&b, repo);
	}
	if (path && *path)
		ecsctl_buf_addf(&b, ":%s", path);
	if (ecsctl_buf_failed(&b)) {
		ecsctl_buf_release(&b);
		return reconcile_oom(err);
	}
	free(p->source);
	p->source = ecsctl_buf_detach(&b);
	return 0;
}

void reconcile_plan_title(struct ecsctl_buf *out, const struct ecsctl_plan *p,
                          reconcile_name_fn name)
{
	if (p->commit) {
		ecsctl_buf_adds(out, "commit ");
		name(out, p->commit, strlen(p->commit) < 7 ? strlen(p->commit) : 7);
		/* a sha given as --ref names itself */
		if (p->ref && strncmp(p->ref, p->commit, strlen(p->ref))) {
			ecsctl_buf_adds(out, " (");
			name(out, p->ref, strlen(p->ref));
			ecsctl_buf_adds(out, ")");
		}
	} else {
		ecsctl_buf_adds(out, "the work tree");
	}
	if (p->source) {
		ecsctl_buf_adds(out, " of ");
		name(out, p->source, strlen(p->source));
	}
}

/* A name on a terminal: no escape sequences from a repository path. */
static void plain(struct ecsctl_buf *out, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		ecsctl_buf_addch(out, (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i]);
}

void reconcile_plan_summary_line(struct ecsctl_buf *out, const struct ecsctl_plan *p)
{
	static const char *const verbs[6] = {"to create",  "to register", "to update",
	                                     "to replace", "to delete",   "to deregister"};
	size_t counts[6], i;
	const char *sep = "";

	ecsctl_plan_summary(p, counts);
	ecsctl_buf_adds(out, "Plan: ");
	for (i = 0; i < 6; i++) {
		if (!counts[i])
			continue;
		ecsctl_buf_addf(out, "%s%zu %s", sep, counts[i], verbs[i]);
		sep = ", ";
	}
	if (json_array_size(p->hooks))
		ecsctl_buf_addf(out, "%s%zu hook%s to run", sep, json_array_size(p->hooks),
		                json_array_size(p->hooks) == 1 ? "" : "s");
	ecsctl_buf_adds(out, ".");
}

void reconcile_plan_render_op(struct ecsctl_buf *out, const struct ecsctl_plan *p, size_t i,
                              const struct ecsctl_diff_mask *mk, bool color, bool compact)
{
	struct ecsctl_diff_render_options ro = ECSCTL_DIFF_RENDER_OPTIONS_INIT;

	ro.color = color;
	ro.compact = compact;
	ro.mask = mk;
	ro.forces_replacement = p->ops[i].forces;
	reconcile_render_op(out, &p->ops[i], ecsctl_kind_name(p->ops[i].kind), &ro);
}

void ecsctl_plan_render(struct ecsctl_buf *out, const struct ecsctl_plan *p,
                        const struct ecsctl_plan_render_options *opts)
{
	struct ecsctl_plan_render_options none = ECSCTL_PLAN_RENDER_OPTIONS_INIT;
	const struct ecsctl_plan_render_options *o = opts ? opts : &none;
	struct ecsctl_diff_mask mk = ECSCTL_DIFF_MASK_INIT;
	size_t i;

	/* which commit: a reviewer approves a plan, not whatever HEAD is later */
	ecsctl_buf_adds(out, "Plan for ");
	reconcile_plan_title(out, p, plain);
	ecsctl_buf_adds(out, "\n\n");
	if (!p->count) {
		if (!json_array_size(p->unstable))
			ecsctl_buf_adds(out, "No changes. Live ECS matches git.\n");
		reconcile_render_unstable(out, p);
		return;
	}
	if (reconcile_plan_mask(&mk, p)) {
		ecsctl_buf_fail(out);
		return;
	}
	for (i = 0; i < p->count; i++) {
		/* hooks run between the registers and the services: shown there */
		if (p->ops[i].phase >= ECSCTL_PHASE_SERVICES &&
		    (!i || p->ops[i - 1].phase < ECSCTL_PHASE_SERVICES))
			reconcile_render_hooks(out, p, o->color);
		reconcile_plan_render_op(out, p, i, &mk, o->color, o->compact);
		ecsctl_buf_addch(out, '\n');
	}
	if (!p->count || p->ops[p->count - 1].phase < ECSCTL_PHASE_SERVICES)
		reconcile_render_hooks(out, p, o->color);
	reconcile_plan_summary_line(out, p);
	ecsctl_buf_addch(out, '\n');
	free((void *)mk.names);
	reconcile_render_unstable(out, p);
}
