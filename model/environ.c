/*
 * Environments: `variables:` and `environments:` in ecsctl.yaml, the chosen
 * environment's variable files and overlay folders, and the --var-file and
 * --var flags, layered in one documented order (docs/environments.md):
 *   the process environment < ecsctl.yaml `variables` < the environment's
 *   `varFiles` (in order) < its `variables` < --var-file (in order) < --var
 * (a later layer wins; ${NAME:-default} applies only when none sets NAME).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecsctl/buf.h"
#include "ecsctl/source.h"
#include "model_int.h"
#include "source_int.h"
#include "banned.h"

#define READ_CHUNK 8192

const char *model_env_intern(struct model_env *e, const char *s)
{
	char **p = realloc(e->pool, (e->npool + 1) * sizeof(*p));

	if (!p)
		return NULL;
	e->pool = p;
	if (!(p[e->npool] = strdup(s)))
		return NULL;
	return p[e->npool++];
}

static void strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void model_env_release(struct model_env *e)
{
	strv_free(e->pool, e->npool);
	strv_free(e->skip, e->nskip);
	strv_free(e->overlays, e->noverlays);
	mnode_free(e->node);
	memset(e, 0, sizeof(*e));
}

/* Takes member `key` out of a mapping without freeing its value. */
static struct mnode *detach(struct mnode *map, const char *key)
{
	struct mnode_entry *en = mnode_get(map, key);
	struct mnode *v;
	size_t i;

	if (!en)
		return NULL;
	v = en->value;
	i = (size_t)(en - map->entries);
	free(en->key);
	memmove(&map->entries[i], &map->entries[i + 1],
	        (map->count - i - 1) * sizeof(map->entries[0]));
	map->count--;
	return v;
}

static int strv_add(char ***v, size_t *n, char *s)
{
	char **p = s ? realloc(*v, (*n + 1) * sizeof(*p)) : NULL;

	if (!p) {
		free(s);
		return -1;
	}
	*v = p;
	p[(*n)++] = s;
	return 0;
}

struct setup {
	struct model_env *e;
	struct model_vars *vars;
	struct ecsctl_diags *diags;
	const char *file; /* ecsctl.yaml as messages name it */
	size_t errors;
	int oom;
	size_t bytes; /* of the variable files read from the source */
};

static void error_at(struct setup *s, const char *file, const struct mnode *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void error_at(struct setup *s, const char *file, const struct mnode *n, const char *fmt, ...)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	ecsctl_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	ecsctl_diags_add(s->diags, ECSCTL_ERROR, file, n ? n->line : 0, n ? n->column : 0, NULL,
	                 NULL, "%s", b.buf ? b.buf : "out of memory");
	ecsctl_buf_release(&b);
	s->errors++;
}

/* A path in the config root named in ecsctl.yaml: cleaned, or NULL (reported). */
static char *root_path(struct setup *s, const struct mnode *n, const char *what, bool quiet)
{
	char *p = n->type == MNODE_SCALAR && !mnode_is_null(n) ? source_clean_path(n->value) : NULL;

	if (n->type != MNODE_SCALAR)
		return NULL; /* the shape check reports it */
	if ((!p || !*p) && quiet) {
		free(p);
		return NULL;
	}
	if (!p || !*p) {
		error_at(s, s->file, n, "%s '%s' is not a path inside the config root", what,
		         n->value);
		free(p);
		return NULL;
	}
	return p;
}

/* The folders of an `overlays` list, as "dir/" prefixes, into `v`. */
static void add_folders(struct setup *s, const struct mnode *list, bool quiet, char ***v, size_t *n)
{
	size_t i;

	MNODE_EACH(i, list)
	{
		char *p = root_path(s, list->items[i], "overlay folder", quiet);
		struct ecsctl_buf b = ECSCTL_BUF_INIT;

		if (!p)
			continue;
		ecsctl_buf_addf(&b, "%s/", p);
		free(p);
		if (strv_add(v, n, ecsctl_buf_detach(&b)))
			s->oom = 1;
	}
}

/* Every environment's variable files and overlay folders: not base documents.
 * Quiet: the chosen environment's paths are reported when read. */
static void collect_skips(struct setup *s, const struct mnode *envs)
{
	size_t i, j;

	for (i = 0; envs && envs->type == MNODE_MAP && i < envs->count; i++) {
		const struct mnode *env = envs->entries[i].value;
		const struct mnode_entry *vf = mnode_get(env, "varFiles");
		const struct mnode_entry *ov = mnode_get(env, "overlays");

		MNODE_EACH(j, vf ? vf->value : NULL)
		{
			char *p = root_path(s, vf->value->items[j], "variable file", true);
			if (p && strv_add(&s->e->skip, &s->e->nskip, p))
				s->oom = 1;
		}
		if (ov)
			add_folders(s, ov->value, true, &s->e->skip, &s->e->nskip);
	}
}

/* NAME: value pairs of a mapping, one layer (later layers replace). */
static void add_map(struct setup *s, struct mnode *map, const char *file)
{
	size_t i;

	if (!map)
		return;
	if (map->type != MNODE_MAP) {
		error_at(s, file, map, "variables must be a mapping of NAME: value");
		return;
	}
	for (i = 0; i < map->count; i++) {
		struct mnode_entry *en = &map->entries[i];
		struct ecsctl_buf origin = ECSCTL_BUF_INIT;

		if (!model_vars_name_ok(en->key, strlen(en->key))) {
			ecsctl_diags_add(s->diags, ECSCTL_ERROR, file, en->line, en->column, NULL,
			                 NULL,
			                 "invalid variable name '%s' (letters, digits and '_', not "
			                 "starting with a digit)",
			                 en->key);
			s->errors++;
			continue;
		}
		if (mnode_is_null(en->value)) {
			ecsctl_diags_add(
			    s->diags, ECSCTL_ERROR, file, en->line, en->column, NULL, NULL,
			    "variable '%s' has no value (write \"\" for an empty one)", en->key);
			s->errors++;
			continue;
		}
		ecsctl_buf_addf(&origin, "%s:%u:%u", file, en->line, en->column);
		mnode_mark_file(en->value, file);
		if (model_vars_set(s->vars, en->key, en->value, origin.buf))
			s->oom = 1;
		en->value = NULL;
		ecsctl_buf_release(&origin);
	}
}

/* A variable file's text: one mapping of NAME: value. */
static void add_file_text(struct setup *s, const char *name, const char *data, size_t len)
{
	const char *dot = strrchr(name, '.');
	const char *file = model_env_intern(s->e, name);
	struct mfile f = {0};

	if (!file) {
		s->oom = 1;
		return;
	}
	if (model_parse(&f, file, data, len, dot && !strcmp(dot, ".json"), s->diags)) {
		s->errors++;
		return;
	}
	if (f.ndocs > 1)
		error_at(s, file, f.docs[1].root, "a variable file holds one document, not %zu",
		         f.ndocs);
	else if (f.ndocs)
		add_map(s, f.docs[0].root, file);
	mfile_release(&f);
}

static void add_source_file(struct setup *s, struct ecsctl_source *src, const char *rel,
                            const struct mnode *at)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_buf name = ECSCTL_BUF_INIT;
	char *data = NULL;
	size_t len = 0;

	if (*src->display_root)
		ecsctl_buf_addf(&name, "%s/%s", src->display_root, rel);
	else
		ecsctl_buf_adds(&name, rel);
	if (src->read(src, rel, MODEL_MAX_FILE_SIZE, &data, &len, &err)) {
		error_at(s, s->file, at, "variable file '%s': %s", rel,
		         err.message ? err.message : "cannot read");
	} else if (len > MODEL_MAX_LOAD_BYTES - s->bytes) {
		/* one file listed many times must not cost many parses of 4 MiB */
		error_at(s, s->file, at,
		         "variable file '%s': the variable files hold more than %u MiB together, "
		         "the limit of one load",
		         rel, MODEL_MAX_LOAD_BYTES >> 20);
	} else {
		s->bytes += len;
		add_file_text(s, name.buf ? name.buf : rel, data, len);
	}
	free(data);
	ecsctl_buf_release(&name);
	ecsctl_error_release(&err);
}

/* --var-file: a file on disk (not in git: a flag, like --var). */
static void add_disk_file(struct setup *s, const char *path)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	FILE *f = fopen(path, "rb");
	char chunk[READ_CHUNK];
	size_t n;

	if (!f) {
		error_at(s, path, NULL, "cannot read the variable file: %s", strerror(errno));
		return;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && b.len <= MODEL_MAX_FILE_SIZE)
		ecsctl_buf_add(&b, chunk, n);
	if (ferror(f))
		error_at(s, path, NULL, "cannot read the variable file: %s", strerror(errno));
	else if (ecsctl_buf_failed(&b))
		s->oom = 1;
	else
		add_file_text(s, path, b.buf ? b.buf : "", b.len);
	fclose(f);
	ecsctl_buf_release(&b);
}

/* --var NAME=VALUE: a plain scalar, typed like YAML (3 is a number). */
static void add_flag(struct setup *s, const char *nv)
{
	const char *eq = strchr(nv, '=');
	struct mnode *n;

	if (!eq || !model_vars_name_ok(nv, (size_t)(eq - nv))) {
		error_at(s, NULL, NULL, "--var takes NAME=VALUE, not '%s'", nv);
		return;
	}
	n = calloc(1, sizeof(*n));
	if (n)
		n->value = strdup(eq + 1);
	if (!n || !n->value) {
		mnode_free(n);
		s->oom = 1;
		return;
	}
	n->type = MNODE_SCALAR;
	n->len = strlen(n->value);
	n->nodes = 1;
	n->bytes = n->len;
	{
		char *name = strndup(nv, (size_t)(eq - nv));

		if (!name || model_vars_set(s->vars, name, n, "--var"))
			s->oom = 1;
		free(name);
	}
}

/* "staging, prod" for messages. */
static void env_names(struct ecsctl_buf *b, const struct mnode *envs)
{
	size_t i;

	for (i = 0; envs && envs->type == MNODE_MAP && i < envs->count; i++)
		ecsctl_buf_addf(b, "%s%s", i ? ", " : "", envs->entries[i].key);
}

static void pick(struct setup *s, struct ecsctl_source *src, struct mnode *envs,
                 const struct model_env_input *in)
{
	struct mnode_entry *chosen = in->name ? mnode_get(envs, in->name) : NULL;
	struct ecsctl_buf names = ECSCTL_BUF_INIT;
	const struct mnode_entry *vf, *ov;
	size_t i;

	env_names(&names, envs);
	if (in->settings_broken) {
		/* which environments exist is unknown: documents would only
		 * add errors about their variables */
		s->e->unchosen = in->name != NULL;
	} else if (!in->name && names.len) {
		error_at(s, s->file, envs,
		         "ecsctl.yaml declares environments (%s): choose one with --env NAME",
		         names.buf);
	} else if (in->name && !chosen) {
		if (names.len)
			error_at(s, s->file, envs, "no environment '%s' in ecsctl.yaml (%s)",
			         in->name, names.buf);
		else
			error_at(s, s->file, NULL, "--env %s: ecsctl.yaml declares no environments",
			         in->name);
	}
	s->e->unchosen |= (in->name || names.len) && !chosen;
	ecsctl_buf_release(&names);
	if (!chosen)
		return;
	if (chosen->value->type != MNODE_MAP) {
		error_at(s, s->file, chosen->value,
		         "environment '%s' must be a mapping (variables, varFiles, overlays, "
		         "settings)",
		         in->name);
		s->e->unchosen = true;
		return;
	}
	s->e->name = in->name;
	vf = mnode_get(chosen->value, "varFiles");
	MNODE_EACH(i, vf ? vf->value : NULL)
	{
		char *p = root_path(s, vf->value->items[i], "variable file", false);

		if (p)
			add_source_file(s, src, p, vf->value->items[i]);
		free(p);
	}
	{
		struct mnode *own = detach(chosen->value, "variables");

		add_map(s, own, s->file);
		mnode_free(own);
	}
	ov = mnode_get(chosen->value, "overlays");
	if (ov)
		add_folders(s, ov->value, false, &s->e->overlays, &s->e->noverlays);
	s->e->node = chosen->value;
	chosen->value = NULL;
}

size_t model_env_setup(struct model_env *e, struct mnode *root, const char *file,
                       struct ecsctl_source *src, const struct model_env_input *in,
                       struct model_vars *vars, struct ecsctl_diags *diags)
{
	struct setup s = {e, vars, diags, file, 0, 0, 0};
	struct mnode *top = NULL, *envs = NULL;
	size_t i;

	if (root && root->type == MNODE_MAP) {
		top = detach(root, "variables");
		envs = detach(root, "environments");
	}
	if (envs && envs->type != MNODE_MAP) {
		error_at(&s, file, envs, "environments must be a mapping of NAME: {...}");
		e->unchosen = true;
		mnode_free(envs);
		envs = NULL;
	}
	collect_skips(&s, envs);
	add_map(&s, top, file);
	pick(&s, src, envs, in);
	for (i = 0; i < in->nvar_files; i++)
		add_disk_file(&s, in->var_files[i]);
	for (i = 0; i < in->nvars; i++)
		add_flag(&s, in->vars[i]);
	mnode_free(top);
	mnode_free(envs);
	if (s.oom)
		diags->oom = 1;
	return s.errors;
}

bool model_env_skipped(const struct model_env *e, const char *rel)
{
	size_t i;

	for (i = 0; i < e->nskip; i++) {
		size_t n = strlen(e->skip[i]);

		if (n && e->skip[i][n - 1] == '/' ? !strncmp(rel, e->skip[i], n)
		                                  : !strcmp(rel, e->skip[i]))
			return true;
	}
	return false;
}

int ecsctl_model_environments(char ***names, size_t *n, const struct ecsctl_model_options *opts,
                              struct ecsctl_error *err)
{
	struct ecsctl_source_options so = ECSCTL_SOURCE_OPTIONS_INIT;
	struct ecsctl_diags diags = ECSCTL_DIAGS_INIT;
	struct ecsctl_source *src = NULL;
	const struct mnode_entry *envs;
	struct mfile f = {0};
	char *data = NULL, **list = NULL;
	size_t len = 0, i;
	int rc;

	*names = NULL;
	*n = 0;
	so.repo = opts->repo;
	so.ref = opts->ref;
	so.path = opts->path;
	so.worktree = opts->worktree;
	rc = ecsctl_source_open(&src, &so, err);
	if (rc)
		goto done;
	if (src->read(src, "ecsctl.yaml", MODEL_MAX_FILE_SIZE, &data, &len, err)) {
		ecsctl_error_release(err); /* no ecsctl.yaml: no environments */
		goto done;
	}
	if (model_parse(&f, "ecsctl.yaml", data, len, false, &diags)) {
		char *line = diags.count ? ecsctl_diag_format(&diags.items[0]) : NULL;

		rc = ecsctl_error_set(err, ECSCTL_EINVAL, "%s", line ? line : "ecsctl.yaml");
		free(line);
		goto done;
	}
	envs = f.ndocs ? mnode_get(f.docs[0].root, "environments") : NULL;
	if (!envs || envs->value->type != MNODE_MAP)
		goto done;
	list = calloc(envs->value->count + 1, sizeof(*list));
	for (i = 0; list && i < envs->value->count; i++)
		if (!(list[i] = strdup(envs->value->entries[i].key)))
			break;
	if (!list || i < envs->value->count) {
		strv_free(list, i);
		rc = ecsctl_error_nomem(err);
		goto done;
	}
	*names = list;
	*n = envs->value->count;
done:
	mfile_release(&f);
	ecsctl_diags_release(&diags);
	free(data);
	ecsctl_source_free(src);
	return rc;
}
