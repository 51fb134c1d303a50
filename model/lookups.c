/*
 * Lookups in a load: `${ssm:...}`, `${cfn:...}`, `${tfstate:...}`. The
 * first pass collects every distinct one (with its first use); the caller's
 * resolver then answers them all at once, so SSM gets batches of ten names
 * and a state file is read once, however many documents use it; the second
 * pass substitutes the answers. A load without lookups has one pass.
 */
#include <stdlib.h>
#include <string.h>

#include "ecsctl/buf.h"
#include "model_int.h"
#include "source_int.h"
#include "banned.h"

static const char *const schemes[] = {"ssm", "cfn", "tfstate"};

/* What a reference must look like, checked before anything is asked (and
 * offline, by validate). NULL when fine, else why not. */
static const char *syntax(const char *scheme, const char *ref)
{
	const char *hash;

	if (!*ref)
		return "is empty";
	if (!strcmp(scheme, "ssm"))
		return strchr(ref, ' ') ? "is not a parameter name (no spaces)" : NULL;
	if (!strcmp(scheme, "cfn"))
		return strcspn(ref, "/.") == 0 || !ref[strcspn(ref, "/.")] ||
		               !ref[strcspn(ref, "/.") + 1]
		           ? "takes STACK/OutputKey"
		           : NULL;
	hash = strchr(ref, '#');
	return !hash || hash == ref || !hash[1]
	           ? "takes FILE_OR_S3_URL#ADDRESS (state.json#outputs.name)"
	           : NULL;
}

static struct ecsctl_lookup *find(struct model_lookups *l, const char *scheme, const char *ref)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->refs[i].scheme, scheme) && !strcmp(l->refs[i].ref, ref))
			return &l->refs[i];
	return NULL;
}

static int add(struct model_lookups *l, const char *scheme, const char *ref, const char *where)
{
	struct ecsctl_lookup *r = realloc(l->refs, (l->n + 1) * sizeof(*r));

	if (!r)
		return -1;
	l->refs = r;
	r += l->n;
	memset(r, 0, sizeof(*r));
	r->scheme = strdup(scheme);
	r->ref = strdup(ref);
	r->where = strdup(where);
	l->n++;
	return r->scheme && r->ref && r->where ? 0 : -1;
}

/* The answer as a node: a string typed as YAML would type it when the
 * lookup is the whole value (an SSM "3" is the number 3 for desiredCount),
 * as a variable from the process environment is. */
static int answer(const struct ecsctl_lookup *r, struct mnode **out, char **why)
{
	int bad = 0;

	*out = mnode_from_json(r->value, &bad);
	if (!*out) {
		*why = strdup(bad ? "the value is nested too deep or holds a NUL byte"
		                  : "out of memory");
		return -1;
	}
	if ((*out)->type == MNODE_SCALAR)
		(*out)->quoted = false;
	return 0;
}

static int resolve(void *arg, const char *scheme, const char *ref, const char *where,
                   struct mnode **out, char **why)
{
	struct model_lookups *l = arg;
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	const struct ecsctl_lookup *r;
	const char *bad;
	size_t i;

	*out = NULL;
	*why = NULL;
	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (!strcmp(scheme, schemes[i]))
			break;
	if (i == sizeof(schemes) / sizeof(schemes[0])) {
		ecsctl_buf_addf(&b, "unknown lookup '%s:' (ssm, cfn or tfstate)", scheme);
		*why = ecsctl_buf_detach(&b);
		return -1;
	}
	if ((bad = syntax(scheme, ref)) != NULL) {
		ecsctl_buf_addf(&b, "'${%s:%s}' %s", scheme, ref, bad);
		*why = ecsctl_buf_detach(&b);
		return -1;
	}
	if (!l->user && !l->offline) {
		ecsctl_buf_addf(&b, "lookups such as '${%s:...}' are not supported here", scheme);
		*why = ecsctl_buf_detach(&b);
		return -1;
	}
	r = find(l, scheme, ref);
	if (!l->resolved || l->offline) {
		if (!r && add(l, scheme, ref, where))
			l->oom = 1;
		return 1;
	}
	if (!r || (!r->value && !r->error)) {
		*why = strdup("the lookup was not answered");
		return -1;
	}
	if (r->error) {
		ecsctl_buf_addf(&b, "${%s:%s}: %s", scheme, ref, r->error);
		*why = ecsctl_buf_detach(&b);
		return -1;
	}
	return answer(r, out, why);
}

void model_lookups_init(struct model_lookups *l, const struct ecsctl_lookup_resolver *user,
                        bool offline)
{
	memset(l, 0, sizeof(*l));
	l->user = user;
	l->offline = offline;
	l->r.resolve = resolve;
	l->r.arg = l;
}

int model_lookups_answer(struct model_lookups *l, const struct ecsctl_lookup_env *env)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	size_t i;
	int rc = 0;

	l->resolved = true;
	if (l->user->resolve(l->user->arg, l->refs, l->n, env, &err)) {
		for (i = 0; i < l->n && !rc; i++) {
			if (l->refs[i].error || l->refs[i].value)
				continue;
			if (!(l->refs[i].error = strdup(err.message ? err.message : "failed")))
				rc = -1;
		}
	}
	ecsctl_error_release(&err);
	return rc;
}

static int add_secret(struct ecsctl_model *m, const json_t *v)
{
	char **s;
	const char *k;
	json_t *it;
	size_t i;

	json_object_foreach((json_t *)v, k, it)
		if (add_secret(m, it))
			return -1;
	json_array_foreach(v, i, it)
		if (add_secret(m, it))
			return -1;
	if (!json_is_string(v) || !json_string_length(v))
		return 0;
	s = realloc(m->secrets, (m->nsecrets + 1) * sizeof(*s));
	if (!s)
		return -1;
	m->secrets = s;
	if (!(s[m->nsecrets] = strdup(json_string_value(v))))
		return -1;
	m->nsecrets++;
	return 0;
}

int model_lookups_secrets(const struct model_lookups *l, struct ecsctl_model *m)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->refs[i].secret && l->refs[i].value && add_secret(m, l->refs[i].value))
			return -1;
	return 0;
}

int model_lookups_list(const struct model_lookups *l, struct ecsctl_model *m)
{
	size_t i;

	json_decref(m->lookups);
	if (!(m->lookups = json_array()))
		return -1;
	for (i = 0; i < l->n; i++)
		if (json_array_append_new(
		        m->lookups,
		        json_pack("{s:s,s:s}", "scheme", l->refs[i].scheme, "ref", l->refs[i].ref)))
			return -1;
	return 0;
}

bool model_lookups_file(const struct model_lookups *l, const char *rel)
{
	bool hit = false;
	size_t i;

	for (i = 0; i < l->n && !hit; i++) {
		char *loc, *clean;

		if (strcmp(l->refs[i].scheme, "tfstate") || !strncmp(l->refs[i].ref, "s3://", 5))
			continue;
		loc = strndup(l->refs[i].ref, strcspn(l->refs[i].ref, "#"));
		clean = loc ? source_clean_path(loc) : NULL;
		hit = clean && !strcmp(clean, rel);
		free(loc);
		free(clean);
	}
	return hit;
}

void model_lookups_release(struct model_lookups *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free((char *)l->refs[i].scheme);
		free((char *)l->refs[i].ref);
		free((char *)l->refs[i].where);
		json_decref(l->refs[i].value);
		free(l->refs[i].error);
	}
	free(l->refs);
	l->refs = NULL;
	l->n = 0;
}
