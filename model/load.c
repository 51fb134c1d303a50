/*
 * ecsctl_model_load(): source -> files -> documents -> resources, then the
 * checks across resources (duplicates, dangling task definition references).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecsctl/buf.h"
#include "ecsctl/source.h"
#include "model_int.h"
#include "source_int.h"
#include "banned.h"

#define SETTINGS_FILE "ecsctl.yaml"

/* A resource while loading, with what the cross checks need. */
struct pending {
	struct ecsctl_resource r;
	unsigned td_line, td_col; /* Service: position of taskDefinition */
	size_t seq;               /* load order, for stable duplicate reports */
	struct mnode *root;       /* the document, kept for the rules across documents */
};

/* A file's content already loaded, and the resources it gave (items[first, end)). */
struct seen_file {
	char *file;
	size_t first, end;
	bool had_errors;
};

struct loader {
	struct ecsctl_diags *diags;
	struct model_vars vars;
	struct pending *items;
	size_t count, alloc;
	struct seen_file *seen;
	size_t nseen;
	json_t *seen_ids; /* content id + parser ("y"/"j") -> index in `seen` */
	size_t bytes;     /* read so far, each content once */
	bool stop;        /* past the byte budget */
	int oom;
};

static const char *const kind_names[] = {"Cluster", "TaskDefinition", "Service"};
static const char *const kind_ops[] = {"CreateCluster", "RegisterTaskDefinition", "CreateService"};

static const char *scalar_of(const struct mnode *map, const char *key)
{
	const struct mnode_entry *e = mnode_get(map, key);

	if (!e || e->value->type != MNODE_SCALAR || mnode_is_null(e->value))
		return NULL;
	return e->value->value;
}

/* "arn:aws:ecs:region:acct:cluster/prod" -> "prod" */
static const char *cluster_short(const char *c)
{
	const char *p;

	if (strncmp(c, "arn:", 4))
		return c;
	p = strstr(c, ":cluster/");
	return p ? p + strlen(":cluster/") : c;
}

static char *resource_name(enum ecsctl_kind kind, const struct mnode *root, char **cluster)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	const char *v;

	*cluster = NULL;
	switch (kind) {
	case ECSCTL_KIND_CLUSTER:
		v = scalar_of(root, "clusterName");
		return strdup(v ? v : "default");
	case ECSCTL_KIND_TASKDEF:
		v = scalar_of(root, "family");
		return v ? strdup(v) : NULL;
	case ECSCTL_KIND_SERVICE:
		v = scalar_of(root, "serviceName");
		if (!v)
			return NULL;
		*cluster = strdup(cluster_short(
		    scalar_of(root, "cluster") ? scalar_of(root, "cluster") : "default"));
		ecsctl_buf_addf(&b, "%s/%s", *cluster ? *cluster : "default", v);
		return ecsctl_buf_detach(&b);
	}
	return NULL;
}

static void pending_release(struct pending *p)
{
	free(p->r.name);
	free(p->r.cluster);
	free(p->r.file);
	json_decref(p->r.body);
	mnode_free(p->root);
}

static void add_pending(struct loader *ld, struct pending *p)
{
	if (ld->count == ld->alloc) {
		size_t n = ld->alloc ? ld->alloc * 2 : 16;
		struct pending *it = realloc(ld->items, n * sizeof(*it));
		if (!it) {
			ld->oom = 1;
			pending_release(p);
			return;
		}
		ld->items = it;
		ld->alloc = n;
	}
	p->seq = ld->count;
	ld->items[ld->count++] = *p;
}

static int find_kind(const char *name)
{
	int k;

	for (k = 0; k < 3; k++)
		if (!strcmp(kind_names[k], name))
			return k;
	return -1;
}

static void load_document(struct loader *ld, const char *file, struct mdoc *doc, bool json)
{
	struct mnode *root = doc->root;
	const struct mnode_entry *ke;
	struct ecsctl_buf label = ECSCTL_BUF_INIT;
	struct model_conv conv = {0};
	struct pending p;
	int kind;

	memset(&p, 0, sizeof(p));
	if (root->type != MNODE_MAP) {
		ecsctl_diags_add(ld->diags, ECSCTL_ERROR, file, root->line, root->column, NULL,
		                 NULL, "a document must be a mapping with a 'kind', got a %s",
		                 root->type == MNODE_SEQ ? "list" : "scalar");
		return;
	}
	ke = mnode_get(root, "kind");
	if (!ke && json && model_describe_taskdef(&doc->root, file, ld->diags) == 0) {
		root = doc->root;
		kind = ECSCTL_KIND_TASKDEF;
	} else if (!ke) {
		ecsctl_diags_add(ld->diags, ECSCTL_ERROR, file, root->line, root->column, NULL,
		                 NULL, "missing 'kind' (Cluster, TaskDefinition or Service)");
		return;
	} else {
		const char *kv = ke->value->type == MNODE_SCALAR ? ke->value->value : "";

		kind = find_kind(kv);
		if (kind < 0) {
			const char *hint = ecsctl_schema_suggest_in(kv, kind_names, 3);

			if (hint)
				ecsctl_diags_add(ld->diags, ECSCTL_ERROR, file, ke->value->line,
				                 ke->value->column, NULL, "kind",
				                 "unknown kind '%s', did you mean '%s'?", kv, hint);
			else
				ecsctl_diags_add(
				    ld->diags, ECSCTL_ERROR, file, ke->value->line,
				    ke->value->column, NULL, "kind",
				    "unknown kind '%s' (Cluster, TaskDefinition or Service)", kv);
			return;
		}
		mnode_del(root, "kind");
	}
	p.r.kind = (enum ecsctl_kind)kind;
	p.r.name = resource_name(p.r.kind, root, &p.r.cluster);
	if (p.r.name)
		ecsctl_buf_addf(&label, "%s '%s'", kind_names[kind], p.r.name);
	else
		ecsctl_buf_adds(&label, kind_names[kind]);
	conv.file = file;
	conv.resource = label.buf;
	conv.diags = ld->diags;
	p.r.body = model_convert(&conv, root, ecsctl_schema_input(kind_ops[kind]), "");
	/* a service's rules need its task definition: see cross_checks() */
	if (p.r.kind == ECSCTL_KIND_TASKDEF)
		model_check_rules(&conv, p.r.kind, root);
	if (p.r.kind == ECSCTL_KIND_SERVICE) {
		const struct mnode_entry *td = mnode_get(root, "taskDefinition");
		if (td) {
			p.td_line = td->value->line;
			p.td_col = td->value->column;
		}
	}
	ecsctl_buf_release(&label);
	p.r.file = strdup(file);
	p.r.line = doc->line;
	p.r.column = doc->column;
	/* no name: the missing member is already reported */
	if (!p.r.name || !p.r.body || !p.r.file) {
		pending_release(&p);
		return;
	}
	p.root = doc->root;
	doc->root = NULL;
	add_pending(ld, &p);
}

/* The key of a content read with a parser: the same bytes may be valid JSON
 * and YAML with another meaning, so the parser is part of it. */
static void seen_key(char *key, size_t size, const char *id, bool json)
{
	snprintf(key, size, "%c%s", json ? 'j' : 'y', id);
}

static const struct seen_file *find_seen(const struct loader *ld, const char *id, bool json)
{
	char key[ECSCTL_SOURCE_ID_MAX + 1];
	json_t *at;

	seen_key(key, sizeof(key), id, json);
	at = json_object_get(ld->seen_ids, key);
	return at ? &ld->seen[json_integer_value(at)] : NULL;
}

static void add_seen(struct loader *ld, const char *id, bool json, const char *file, size_t first,
                     bool had_errors)
{
	struct seen_file *s = realloc(ld->seen, (ld->nseen + 1) * sizeof(*s));
	char key[ECSCTL_SOURCE_ID_MAX + 1];

	if (!s) {
		ld->oom = 1;
		return;
	}
	ld->seen = s;
	s += ld->nseen;
	s->file = strdup(file);
	s->first = first;
	s->end = ld->count;
	s->had_errors = had_errors;
	seen_key(key, sizeof(key), id, json);
	if (!s->file || (!ld->seen_ids && !(ld->seen_ids = json_object())) ||
	    json_object_set_new(ld->seen_ids, key, json_integer((json_int_t)ld->nseen))) {
		free(s->file);
		ld->oom = 1;
		return;
	}
	ld->nseen++;
}

/*
 * `file` holds the same bytes as a file loaded before: what parsing it again
 * would give, without the parse. Each resource would be defined twice, so
 * each is added again under this file's name (the duplicate check reports
 * it, naming both); errors in that content were reported for the first.
 */
static void load_again(struct loader *ld, const struct seen_file *seen, const char *file)
{
	size_t i, first = seen->first, end = seen->end;

	if (seen->had_errors)
		ecsctl_diags_add(ld->diags, ECSCTL_ERROR, file, 0, 0, NULL, NULL,
		                 "same content as '%s', whose errors are reported there",
		                 seen->file);
	for (i = first; i < end && !ld->oom; i++) {
		const struct ecsctl_resource *r = &ld->items[i].r;
		struct pending p;

		memset(&p, 0, sizeof(p));
		p.r.kind = r->kind;
		p.r.name = strdup(r->name);
		p.r.cluster = r->cluster ? strdup(r->cluster) : NULL;
		p.r.file = strdup(file);
		p.r.line = r->line;
		p.r.column = r->column;
		p.r.body = json_incref(r->body);
		if (!p.r.name || !p.r.file || (r->cluster && !p.r.cluster)) {
			pending_release(&p);
			ld->oom = 1;
			return;
		}
		add_pending(ld, &p);
	}
}

static void load_file(struct loader *ld, struct ecsctl_source *src, const char *rel,
                      struct ecsctl_model *m)
{
	struct ecsctl_error rerr = ECSCTL_ERROR_INIT;
	struct ecsctl_buf name = ECSCTL_BUF_INIT;
	struct mfile f = {0};
	const char *dot = strrchr(rel, '.');
	bool json = dot && !strcmp(dot, ".json");
	bool settings = !strcmp(rel, SETTINGS_FILE);
	char id[ECSCTL_SOURCE_ID_MAX] = "";
	const struct seen_file *seen;
	size_t first = ld->count, errors = ld->diags->errors;
	char *data = NULL;
	size_t len = 0, i;
	bool ok = true;

	if (*src->display_root)
		ecsctl_buf_addf(&name, "%s/%s", src->display_root, rel);
	else
		ecsctl_buf_adds(&name, rel);
	/* the settings file is read as settings, so it is never "the same" as another */
	if (!settings && src->id && src->id(src, rel, id, sizeof(id)) == 0 &&
	    (seen = find_seen(ld, id, json)) != NULL) {
		load_again(ld, seen, name.buf);
		goto done;
	}
	if (src->read(src, rel, MODEL_MAX_FILE_SIZE, &data, &len, &rerr)) {
		ecsctl_diags_add(ld->diags, ECSCTL_ERROR, name.buf, 0, 0, NULL, NULL, "%s",
		                 rerr.message ? rerr.message : "cannot read");
		ok = false;
	} else if (len > MODEL_MAX_LOAD_BYTES - ld->bytes) {
		ecsctl_diags_add(ld->diags, ECSCTL_ERROR, name.buf, 0, 0, NULL, NULL,
		                 "the files of the config root hold more than %u MiB, the limit "
		                 "of one load (%zu bytes before this file, %zu in it)",
		                 MODEL_MAX_LOAD_BYTES >> 20, ld->bytes, len);
		ld->stop = true;
		goto done;
	}
	ld->bytes += len;
	if (ok && model_parse(&f, name.buf, data, len, json, ld->diags))
		ok = false;
	/* settings get their defaults even when the file is broken */
	if (settings) {
		model_settings_load(&m->settings, &f, name.buf, src->root_name, &ld->vars,
		                    ld->diags);
		goto done;
	}
	for (i = 0; ok && i < f.ndocs && model_diag_room(ld->diags); i++) {
		model_vars_apply(f.docs[i].root, &ld->vars, name.buf, ld->diags);
		load_document(ld, name.buf, &f.docs[i], json);
	}
	if (*id)
		add_seen(ld, id, json, name.buf, first, ld->diags->errors > errors);
done:
	mfile_release(&f);
	free(data);
	ecsctl_buf_release(&name);
	ecsctl_error_release(&rerr);
}

static int pending_cmp(const void *a, const void *b)
{
	const struct pending *x = a, *y = b;
	int c;

	if (x->r.kind != y->r.kind)
		return x->r.kind < y->r.kind ? -1 : 1;
	c = strcmp(x->r.name, y->r.name);
	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The pending entry of a resource of the model (same order, same index). */
static const struct pending *pending_of(const struct loader *ld, const struct ecsctl_model *m,
                                        enum ecsctl_kind kind, const char *name)
{
	const struct ecsctl_resource *r = name ? ecsctl_model_find(m, kind, name) : NULL;

	return r ? &ld->items[r - m->resources] : NULL;
}

/* A service's rules, with its task definition when the repository holds the
 * family it names (a family:revision or ARN names one outside it) and its
 * cluster when the repository holds that. */
static void service_rules(struct loader *ld, const struct ecsctl_model *m, const struct pending *p)
{
	const char *td = json_string_value(json_object_get(p->r.body, "taskDefinition"));
	const struct pending *t =
	    td && !strchr(td, ':') ? pending_of(ld, m, ECSCTL_KIND_TASKDEF, td) : NULL;
	const struct pending *c = pending_of(ld, m, ECSCTL_KIND_CLUSTER, p->r.cluster);
	struct ecsctl_buf label = ECSCTL_BUF_INIT, where = ECSCTL_BUF_INIT;
	struct model_conv conv = {0};

	ecsctl_buf_addf(&label, "Service '%s'", p->r.name);
	if (t)
		ecsctl_buf_addf(&where, "TaskDefinition '%s' (%s:%u:%u)", t->r.name, t->r.file,
		                t->r.line, t->r.column);
	conv.file = p->r.file;
	conv.resource = label.buf;
	conv.diags = ld->diags;
	model_check_service(&conv, p->root, t ? t->root : NULL, t ? where.buf : NULL,
	                    c ? c->root : NULL);
	ecsctl_buf_release(&label);
	ecsctl_buf_release(&where);
}

static void cross_checks(struct loader *ld, struct ecsctl_model *m)
{
	size_t i, keep = 0;

	if (ld->count)
		qsort(ld->items, ld->count, sizeof(*ld->items), pending_cmp);
	m->resources = calloc(ld->count + 1, sizeof(*m->resources));
	if (!m->resources) {
		for (i = 0; i < ld->count; i++)
			pending_release(&ld->items[i]);
		ld->count = 0;
		ld->oom = 1;
		return;
	}
	for (i = 0; i < ld->count; i++) {
		struct pending *p = &ld->items[i];
		const struct pending *first = keep ? &ld->items[keep - 1] : NULL;

		if (first && first->r.kind == p->r.kind && !strcmp(first->r.name, p->r.name)) {
			if (model_diag_room(ld->diags))
				ecsctl_diags_add(ld->diags, ECSCTL_ERROR, p->r.file, p->r.line,
				                 p->r.column, NULL, NULL,
				                 "duplicate %s '%s' (first defined at %s:%u:%u)",
				                 ecsctl_kind_name(p->r.kind), p->r.name,
				                 first->r.file, first->r.line, first->r.column);
			pending_release(p);
			continue;
		}
		ld->items[keep++] = *p;
	}
	ld->count = keep;
	for (i = 0; i < ld->count; i++)
		m->resources[i] = ld->items[i].r;
	m->count = ld->count;
	for (i = 0; i < ld->count; i++) {
		const struct pending *p = &ld->items[i];
		const char *td = json_string_value(json_object_get(p->r.body, "taskDefinition"));
		struct ecsctl_buf label = ECSCTL_BUF_INIT;

		/* family:revision and ARNs name something outside the repo on purpose */
		if (p->r.kind != ECSCTL_KIND_SERVICE || !td || strchr(td, ':') ||
		    ecsctl_model_find(m, ECSCTL_KIND_TASKDEF, td) || !model_diag_room(ld->diags))
			continue;
		ecsctl_buf_addf(&label, "Service '%s'", p->r.name);
		ecsctl_diags_add(
		    ld->diags, ECSCTL_ERROR, p->r.file, p->td_line, p->td_col, label.buf,
		    "taskDefinition",
		    "taskDefinition '%s' in Service '%s' is not a family defined in the "
		    "repository (write 'family:revision' or an ARN for one defined "
		    "elsewhere)",
		    td, p->r.name);
		ecsctl_buf_release(&label);
	}
	for (i = 0; i < ld->count; i++)
		if (ld->items[i].r.kind == ECSCTL_KIND_SERVICE)
			service_rules(ld, m, &ld->items[i]);
	for (i = 0; i < ld->count; i++) {
		mnode_free(ld->items[i].root);
		ld->items[i].root = NULL;
	}
}

static int load_from(struct ecsctl_model *out, struct ecsctl_source *src, const char *ref,
                     const char *const *env, struct ecsctl_diags *diags, struct ecsctl_error *err)
{
	struct loader ld;
	char short_sha[8] = "";
	char **files = NULL;
	size_t nfiles = 0, i, errors_before = diags->errors;
	bool have_settings = false;
	int rc = 0;

	memset(&ld, 0, sizeof(ld));
	if (src->from_git) {
		out->commit = strdup(src->commit);
		out->ref = strdup(src->ref ? src->ref : ref && *ref ? ref : "HEAD");
		if (!out->commit || !out->ref) {
			rc = ecsctl_error_set(err, ECSCTL_ENOMEM, "out of memory");
			goto done;
		}
	}
	if (src->commit)
		memcpy(short_sha, src->commit, 7);
	ld.diags = diags;
	ld.vars.env = env;
	ld.vars.builtin[0][0] = "ECSCTL_GIT_SHA";
	ld.vars.builtin[0][1] = src->commit;
	ld.vars.builtin[1][0] = "ECSCTL_GIT_SHORT_SHA";
	ld.vars.builtin[1][1] = src->commit ? short_sha : NULL;
	ld.vars.builtin[2][0] = "ECSCTL_GIT_REF";
	ld.vars.builtin[2][1] = src->ref;
	rc = src->list(src, &files, &nfiles, err);
	if (rc)
		goto done;
	for (i = 0; i < nfiles && model_diag_room(diags) && !ld.stop; i++) {
		have_settings |= !strcmp(files[i], SETTINGS_FILE);
		load_file(&ld, src, files[i], out);
	}
	if (!have_settings) {
		struct mfile none = {0};
		model_settings_load(&out->settings, &none, SETTINGS_FILE, src->root_name, &ld.vars,
		                    diags);
	}
	cross_checks(&ld, out);
	if (!model_diag_room(diags))
		ecsctl_diags_add(diags, ECSCTL_ERROR, NULL, 0, 0, NULL, NULL,
		                 "too many errors: stopped after %u", MODEL_MAX_ERRORS);
	if (ld.oom || diags->oom) {
		rc =
		    ecsctl_error_set(err, ECSCTL_ENOMEM, "out of memory loading the desired state");
		goto done;
	}
	if (diags->errors > errors_before)
		rc = ecsctl_error_set(err, ECSCTL_EINVAL, "%zu error%s in the desired state",
		                      diags->errors - errors_before,
		                      diags->errors - errors_before == 1 ? "" : "s");
done:
	for (i = 0; i < ld.nseen; i++)
		free(ld.seen[i].file);
	free(ld.seen);
	json_decref(ld.seen_ids);
	free(ld.items);
	ecsctl_source_list_free(files, nfiles);
	return rc;
}

int ecsctl_model_load(struct ecsctl_model *out, const struct ecsctl_model_options *opts,
                      struct ecsctl_diags *diags, struct ecsctl_error *err)
{
	struct ecsctl_source_options so = ECSCTL_SOURCE_OPTIONS_INIT;
	struct ecsctl_source *src = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	so.repo = opts->repo;
	so.ref = opts->ref;
	so.path = opts->path;
	so.worktree = opts->worktree;
	rc = ecsctl_source_open(&src, &so, err);
	if (!rc)
		rc = load_from(out, src, opts->ref, opts->env, diags, err);
	ecsctl_source_free(src);
	return rc;
}

int ecsctl_model_load_buffer(struct ecsctl_model *out, const char *name, const char *data,
                             size_t len, const char *const *env, struct ecsctl_diags *diags,
                             struct ecsctl_error *err)
{
	struct ecsctl_source *src = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = model_source_open_buffer(&src, name, data, len, err);
	if (!rc)
		rc = load_from(out, src, NULL, env, diags, err);
	ecsctl_source_free(src);
	return rc;
}
