/*
 * ecsctl_model_load(): source -> files -> documents -> resources, then the
 * checks across resources (duplicates, dangling task definition references).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecsctl/arn.h"
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
	const char *td_file;      /* its file when an overlay set it, else NULL */
	size_t seq;               /* load order, for stable duplicate reports */
	struct mnode *root;       /* the document, kept for the rules across documents */
};

/* A document read, variables substituted, waiting for the overlays. */
struct srcdoc {
	const char *file; /* as messages name it (interned in `env`) */
	struct mdoc doc;
	bool json;
	size_t item; /* the pending resource it made, when `made` */
	bool made;
};

/* A file's content already read, and the documents it gave (docs[first, end)). */
struct seen_file {
	const char *file;
	size_t first, end;
};

/* A later file with the same content: its resources are the first's again. */
struct again {
	const char *file;
	size_t seen;
};

struct loader {
	struct ecsctl_diags *diags;
	struct model_vars vars;
	struct model_env env;
	struct srcdoc *docs;
	size_t ndocs;
	bool explain;
	struct pending *items;
	size_t count, alloc;
	struct seen_file *seen;
	size_t nseen;
	json_t *seen_ids; /* content id + parser ("y"/"j") -> index in `seen` */
	struct again *again;
	size_t nagain;
	size_t bytes; /* read so far, each content once */
	bool stop;    /* past the byte budget */
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
		*cluster = strdup(ecsctl_arn_cluster(
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
	json_decref(p->r.explain);
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

/* Each value of `n` with the file:line:col it was written at (`file` unless
 * the node came from elsewhere), for `render --explain`. */
static void explain_walk(json_t *out, const struct mnode *n, const char *path, const char *file)
{
	struct ecsctl_buf sub = ECSCTL_BUF_INIT, from = ECSCTL_BUF_INIT;
	size_t i;

	if (n->type == MNODE_SCALAR) {
		ecsctl_buf_addf(&from, "%s:%u:%u", n->file ? n->file : file, n->line, n->column);
		json_array_append_new(out,
		                      json_pack("{s:s, s:s, s:s?, s:s?}", "path", path, "value",
		                                n->value, "from", from.buf, "via", n->via));
	}
	for (i = 0; i < n->count; i++) {
		ecsctl_buf_reset(&sub);
		if (n->type == MNODE_SEQ)
			ecsctl_buf_addf(&sub, "%s[%zu]", path, i);
		else
			ecsctl_buf_addf(&sub, "%s%s%s", path, *path ? "." : "", n->entries[i].key);
		if (sub.buf)
			explain_walk(out, n->type == MNODE_SEQ ? n->items[i] : n->entries[i].value,
			             sub.buf, file);
	}
	ecsctl_buf_release(&sub);
	ecsctl_buf_release(&from);
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
	if (ld->explain && (p.r.explain = json_array()))
		explain_walk(p.r.explain, root, "", file);
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
			p.td_file = td->value->file;
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

/* A file of the config root as messages name it, interned; NULL when out of memory. */
static const char *shown_name(struct loader *ld, struct ecsctl_source *src, const char *rel)
{
	struct ecsctl_buf name = ECSCTL_BUF_INIT;
	const char *shown;

	if (*src->display_root)
		ecsctl_buf_addf(&name, "%s/%s", src->display_root, rel);
	else
		ecsctl_buf_adds(&name, rel);
	shown = name.buf ? model_env_intern(&ld->env, name.buf) : NULL;
	ecsctl_buf_release(&name);
	if (!shown)
		ld->oom = 1;
	return shown;
}

/* Reads and parses one file of the config root; its name (interned) in *shown. */
static int read_file(struct loader *ld, struct ecsctl_source *src, const char *rel, struct mfile *f,
                     const char **shown)
{
	struct ecsctl_error rerr = ECSCTL_ERROR_INIT;
	const char *dot = strrchr(rel, '.');
	char *data = NULL;
	size_t len = 0;
	int rc = -1;

	if (!(*shown = shown_name(ld, src, rel)))
		goto done;
	if (src->read(src, rel, MODEL_MAX_FILE_SIZE, &data, &len, &rerr)) {
		ecsctl_diags_add(ld->diags, ECSCTL_ERROR, *shown, 0, 0, NULL, NULL, "%s",
		                 rerr.message ? rerr.message : "cannot read");
		goto done;
	}
	if (len > MODEL_MAX_LOAD_BYTES - ld->bytes) {
		ecsctl_diags_add(ld->diags, ECSCTL_ERROR, *shown, 0, 0, NULL, NULL,
		                 "the files of the config root hold more than %u MiB, the limit "
		                 "of one load (%zu bytes before this file, %zu in it)",
		                 MODEL_MAX_LOAD_BYTES >> 20, ld->bytes, len);
		ld->stop = true;
		goto done;
	}
	ld->bytes += len;
	rc = model_parse(f, *shown, data, len, dot && !strcmp(dot, ".json"), ld->diags);
done:
	free(data);
	ecsctl_error_release(&rerr);
	return rc;
}

/* The key of a content read with a parser: the same bytes may be valid JSON
 * and YAML with another meaning, so the parser is part of it. */
static void seen_key(char *key, size_t size, const char *id, bool json)
{
	snprintf(key, size, "%c%s", json ? 'j' : 'y', id);
}

static json_t *find_seen(const struct loader *ld, const char *id, bool json)
{
	char key[ECSCTL_SOURCE_ID_MAX + 1];

	seen_key(key, sizeof(key), id, json);
	return json_object_get(ld->seen_ids, key);
}

static void add_seen(struct loader *ld, const char *id, bool json, const char *file, size_t first)
{
	struct seen_file *s = realloc(ld->seen, (ld->nseen + 1) * sizeof(*s));
	char key[ECSCTL_SOURCE_ID_MAX + 1];

	if (!s) {
		ld->oom = 1;
		return;
	}
	ld->seen = s;
	s += ld->nseen;
	s->file = file;
	s->first = first;
	s->end = ld->ndocs;
	seen_key(key, sizeof(key), id, json);
	if ((!ld->seen_ids && !(ld->seen_ids = json_object())) ||
	    json_object_set_new(ld->seen_ids, key, json_integer((json_int_t)ld->nseen))) {
		ld->oom = 1;
		return;
	}
	ld->nseen++;
}

static void add_again(struct loader *ld, const char *file, size_t seen)
{
	struct again *a = realloc(ld->again, (ld->nagain + 1) * sizeof(*a));

	if (!a) {
		ld->oom = 1;
		return;
	}
	ld->again = a;
	a[ld->nagain].file = file;
	a[ld->nagain].seen = seen;
	ld->nagain++;
}

static bool errors_in(const struct ecsctl_diags *d, const char *file)
{
	size_t i;

	for (i = 0; i < d->count; i++)
		if (d->items[i].severity == ECSCTL_ERROR && d->items[i].file &&
		    !strcmp(d->items[i].file, file))
			return true;
	return false;
}

/*
 * `file` holds the same bytes as a file loaded before: what parsing it again
 * would give, without the parse. Each resource would be defined twice, so
 * each is added again under this file's name (the duplicate check reports
 * it, naming both); errors in that content were reported for the first.
 */
static void load_again(struct loader *ld, const struct again *a)
{
	const struct seen_file *seen = &ld->seen[a->seen];
	size_t i;

	if (errors_in(ld->diags, seen->file))
		ecsctl_diags_add(ld->diags, ECSCTL_ERROR, a->file, 0, 0, NULL, NULL,
		                 "same content as '%s', whose errors are reported there",
		                 seen->file);
	for (i = seen->first; i < seen->end && !ld->oom; i++) {
		const struct ecsctl_resource *r;
		struct pending p;

		if (!ld->docs[i].made)
			continue;
		r = &ld->items[ld->docs[i].item].r;
		memset(&p, 0, sizeof(p));
		p.r.kind = r->kind;
		p.r.name = strdup(r->name);
		p.r.cluster = r->cluster ? strdup(r->cluster) : NULL;
		p.r.file = strdup(a->file);
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

static void add_doc(struct loader *ld, const char *file, struct mdoc *doc, bool json)
{
	struct srcdoc *d = realloc(ld->docs, (ld->ndocs + 1) * sizeof(*d));

	if (!d) {
		ld->oom = 1;
		return;
	}
	ld->docs = d;
	d[ld->ndocs].file = file;
	d[ld->ndocs].doc = *doc;
	d[ld->ndocs].json = json;
	ld->ndocs++;
	doc->root = NULL;
}

/* Whether `rel` sits in a folder below the root that holds its own
 * ecsctl.yaml: another config root (examples/ec2 inside examples/), read
 * with its own --path, never as part of this one. */
static bool in_nested_root(char *const *files, size_t n, const char *rel)
{
	size_t i, len, sl = strlen(SETTINGS_FILE);

	for (i = 0; i < n; i++) {
		len = strlen(files[i]);
		if (len > sl && files[i][len - sl - 1] == '/' &&
		    !strcmp(files[i] + len - sl, SETTINGS_FILE) &&
		    !strncmp(rel, files[i], len - sl))
			return true;
	}
	return false;
}

/* A base file: its documents, variables substituted, kept for the overlays.
 * A content read before is not parsed again (see load_again()). */
static void base_file(struct loader *ld, struct ecsctl_source *src, const char *rel)
{
	const char *dot = strrchr(rel, '.'), *file = NULL;
	bool json = dot && !strcmp(dot, ".json");
	char id[ECSCTL_SOURCE_ID_MAX] = "";
	size_t i, first = ld->ndocs;
	struct mfile f = {0};
	json_t *seen;

	if (src->id && src->id(src, rel, id, sizeof(id)) == 0 &&
	    (seen = find_seen(ld, id, json)) != NULL) {
		if ((file = shown_name(ld, src, rel)))
			add_again(ld, file, (size_t)json_integer_value(seen));
		return;
	}
	if (!read_file(ld, src, rel, &f, &file))
		for (i = 0; i < f.ndocs && model_diag_room(ld->diags); i++) {
			model_vars_apply(f.docs[i].root, &ld->vars, file, ld->diags);
			add_doc(ld, file, &f.docs[i], json);
		}
	mfile_release(&f);
	if (*id && file)
		add_seen(ld, id, json, file, first);
}

/* "Service/shop/web": what an overlay document and its base share. */
static char *identity(const struct mnode *root)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	const char *kind = scalar_of(root, "kind");
	char *name, *cluster;
	int k = kind ? find_kind(kind) : -1;

	if (k < 0)
		return NULL;
	name = resource_name((enum ecsctl_kind)k, root, &cluster);
	free(cluster);
	if (!name)
		return NULL;
	ecsctl_buf_addf(&b, "%s/%s", kind, name);
	free(name);
	return ecsctl_buf_detach(&b);
}

static void overlay_doc(struct loader *ld, const char *file, struct mdoc *doc)
{
	char *id = identity(doc->root), *other;
	size_t i;

	if (!id) {
		ecsctl_diags_add(ld->diags, ECSCTL_ERROR, file, doc->line, doc->column, NULL, NULL,
		                 "an overlay document needs 'kind' and the name of the document "
		                 "it patches (clusterName, family, or cluster and serviceName)");
		return;
	}
	for (i = 0; i < ld->ndocs; i++) {
		struct srcdoc *d = &ld->docs[i];
		bool same;

		if (!d->doc.root)
			continue;
		other = identity(d->doc.root);
		same = other && !strcmp(other, id);
		free(other);
		if (!same)
			continue;
		if (mnode_get(doc->root, "$patch")) {
			const struct mnode_entry *pe = mnode_get(doc->root, "$patch");

			if (pe->value->type == MNODE_SCALAR &&
			    !strcmp(pe->value->value, "delete")) {
				mnode_free(d->doc.root);
				d->doc.root = NULL;
				free(id);
				return;
			}
		}
		mnode_del(doc->root, "kind");
		model_overlay_merge(d->doc.root, doc->root, file, ld->diags);
		free(id);
		return;
	}
	free(id);
	/* nothing to patch: a resource of this environment only */
	mnode_mark_file(doc->root, file);
	add_doc(ld, file, doc, false);
}

static void overlay_files(struct loader *ld, struct ecsctl_source *src, char **files, size_t nfiles)
{
	size_t i, j, k;

	for (i = 0; i < ld->env.noverlays; i++) {
		size_t n = strlen(ld->env.overlays[i]);

		for (j = 0; j < nfiles && model_diag_room(ld->diags) && !ld->stop; j++) {
			struct mfile f = {0};
			const char *file;

			if (strncmp(files[j], ld->env.overlays[i], n) ||
			    read_file(ld, src, files[j], &f, &file))
				continue;
			for (k = 0; k < f.ndocs && model_diag_room(ld->diags); k++) {
				model_vars_apply(f.docs[k].root, &ld->vars, file, ld->diags);
				overlay_doc(ld, file, &f.docs[k]);
			}
			mfile_release(&f);
		}
	}
}

/* ecsctl.yaml first: the environment it declares decides the variables. */
static void settings_file(struct loader *ld, struct ecsctl_source *src, bool present,
                          struct model_env_input *in, struct ecsctl_model *m)
{
	struct mfile f = {0};
	const char *file = SETTINGS_FILE;

	if (present && read_file(ld, src, SETTINGS_FILE, &f, &file)) {
		mfile_release(&f); /* settings get their defaults even when the file is broken */
		in->settings_broken = true;
	}
	model_env_setup(&ld->env, f.ndocs ? f.docs[0].root : NULL, file, src, in, &ld->vars,
	                ld->diags);
	model_settings_load(&m->settings, &f, file, src->root_name, &ld->vars, ld->diags);
	if (ld->env.node)
		model_settings_environment(&m->settings, ld->env.node, ld->env.name, file,
		                           &ld->vars, ld->diags);
	mfile_release(&f);
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
	const struct pending *t = td && !strchr(td, ':')
	                              ? pending_of(ld, m, ECSCTL_KIND_TASKDEF, td)
	                              : NULL;
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
		    ld->diags, ECSCTL_ERROR, p->td_file ? p->td_file : p->r.file, p->td_line,
		    p->td_col, label.buf, "taskDefinition",
		    "taskDefinition '%s' in Service '%s' is not a family defined in the "
		    "repository (write 'family:revision' or an ARN for one defined "
		    "elsewhere)",
		    td, p->r.name);
		ecsctl_buf_release(&label);
	}
	for (i = 0; i < ld->count; i++)
		if (ld->items[i].r.kind == ECSCTL_KIND_SERVICE)
			service_rules(ld, m, &ld->items[i]);
	model_hooks_check(m, ld->diags);
	for (i = 0; i < ld->count; i++) {
		mnode_free(ld->items[i].root);
		ld->items[i].root = NULL;
	}
}

static int load_once(struct ecsctl_model *out, struct ecsctl_source *src,
                     const struct ecsctl_model_options *opts, struct model_lookups *lk,
                     struct ecsctl_diags *diags, struct ecsctl_error *err)
{
	struct model_env_input in = {opts->environment, opts->var_files, opts->nvar_files,
	                             opts->vars,        opts->nvars,     false};
	struct loader ld;
	char short_sha[8] = "";
	char **files = NULL;
	size_t nfiles = 0, i, errors_before = diags->errors;
	bool have_settings = false;
	int rc = 0;

	memset(&ld, 0, sizeof(ld));
	if (src->from_git) {
		out->commit = strdup(src->commit);
		out->ref = strdup(src->ref                  ? src->ref
		                  : opts->ref && *opts->ref ? opts->ref
		                                            : "HEAD");
		out->subject = src->subject ? strdup(src->subject) : NULL;
		out->commit_time = src->commit_time;
		if (!out->commit || !out->ref || (src->subject && !out->subject)) {
			rc = ecsctl_error_nomem(err);
			goto done;
		}
	}
	if (src->commit)
		memcpy(short_sha, src->commit, 7);
	ld.diags = diags;
	ld.explain = opts->explain;
	ld.vars.env = opts->env;
	ld.vars.resolver = &lk->r;
	ld.vars.builtin[0][0] = "ECSCTL_GIT_SHA";
	ld.vars.builtin[0][1] = src->commit;
	ld.vars.builtin[1][0] = "ECSCTL_GIT_SHORT_SHA";
	ld.vars.builtin[1][1] = src->commit ? short_sha : NULL;
	ld.vars.builtin[2][0] = "ECSCTL_GIT_REF";
	ld.vars.builtin[2][1] = src->ref;
	rc = src->list(src, &files, &nfiles, err);
	if (rc)
		goto done;
	for (i = 0; i < nfiles; i++)
		have_settings |= !strcmp(files[i], SETTINGS_FILE);
	settings_file(&ld, src, have_settings, &in, out);
	for (i = 0; i < nfiles && model_diag_room(diags) && !ld.env.unchosen && !ld.stop; i++)
		if (strcmp(files[i], SETTINGS_FILE) && !model_env_skipped(&ld.env, files[i]) &&
		    !model_lookups_file(lk, files[i]) && !in_nested_root(files, nfiles, files[i]))
			base_file(&ld, src, files[i]);
	if (!ld.stop)
		overlay_files(&ld, src, files, nfiles);
	for (i = 0; i < ld.ndocs && model_diag_room(diags); i++) {
		struct srcdoc *d = &ld.docs[i];

		d->item = ld.count;
		if (d->doc.root)
			load_document(&ld, d->file, &d->doc, d->json);
		d->made = ld.count > d->item;
	}
	for (i = 0; i < ld.nagain && !ld.oom; i++)
		load_again(&ld, &ld.again[i]);
	cross_checks(&ld, out);
	model_vars_report(&ld.vars, diags);
	if (!model_diag_room(diags))
		ecsctl_diags_add(diags, ECSCTL_ERROR, NULL, 0, 0, NULL, NULL,
		                 "too many errors: stopped after %u", MODEL_MAX_ERRORS);
	if (ld.oom || diags->oom) {
		rc = ecsctl_error_set(err, ECSCTL_ENOMEM,
		                      "out of memory loading the desired state");
		goto done;
	}
	if (diags->errors > errors_before)
		rc = ecsctl_error_set(err, ECSCTL_EINVAL, "%zu error%s in the desired state",
		                      diags->errors - errors_before,
		                      diags->errors - errors_before == 1 ? "" : "s");
done:
	for (i = 0; i < ld.ndocs; i++)
		mnode_free(ld.docs[i].doc.root);
	free(ld.docs);
	free(ld.seen);
	free(ld.again);
	json_decref(ld.seen_ids);
	free(ld.items);
	model_vars_release(&ld.vars);
	model_env_release(&ld.env);
	ecsctl_source_list_free(files, nfiles);
	return rc;
}

static int read_root_file(void *arg, const char *rel, size_t max, char **data, size_t *len,
                          struct ecsctl_error *err)
{
	struct ecsctl_source *src = arg;
	char *clean = source_clean_path(rel);
	int rc;

	if (!clean || !*clean) {
		free(clean);
		return ecsctl_error_set(err, ECSCTL_EINVAL,
		                        "'%s' is not a path inside the config root", rel);
	}
	rc = src->read(src, clean, max, data, len, err);
	free(clean);
	return rc;
}

static bool from_first_pass(const struct ecsctl_diag *d, size_t index, void *arg)
{
	(void)d;
	return index >= *(const size_t *)arg;
}

/* Two passes when the files hold lookups (lookups.c): the first finds them
 * (its results, built without their values, are dropped), the resolver
 * answers them all at once, the second substitutes the answers. */
static int load_from(struct ecsctl_model *out, struct ecsctl_source *src,
                     const struct ecsctl_model_options *opts, struct ecsctl_diags *diags,
                     struct ecsctl_error *err)
{
	struct model_lookups lk;
	struct ecsctl_lookup_env env = {NULL, read_root_file, src};
	size_t first = diags->count;
	int rc;

	model_lookups_init(&lk, opts->lookups, opts->offline);
	rc = load_once(out, src, opts, &lk, diags, err);
	if (lk.oom) {
		rc = ecsctl_error_nomem(err);
		goto done;
	}
	if (!lk.n)
		goto done;
	env.region = out->settings.region;
	/* offline, the second pass only leaves the state files out */
	if (!opts->offline && model_lookups_answer(&lk, &env)) {
		rc = ecsctl_error_nomem(err);
		goto done;
	}
	ecsctl_model_release(out);
	memset(out, 0, sizeof(*out));
	ecsctl_diags_drop(diags, from_first_pass, &first);
	ecsctl_error_release(err);
	rc = load_once(out, src, opts, &lk, diags, err);
	if (!rc && (model_lookups_secrets(&lk, out) || model_lookups_list(&lk, out)))
		rc = ecsctl_error_nomem(err);
done:
	model_lookups_release(&lk);
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
		rc = load_from(out, src, opts, diags, err);
	ecsctl_source_free(src);
	return rc;
}

int ecsctl_model_load_buffer(struct ecsctl_model *out, const char *name, const char *data,
                             size_t len, const char *const *env, struct ecsctl_diags *diags,
                             struct ecsctl_error *err)
{
	struct ecsctl_model_options opts = ECSCTL_MODEL_OPTIONS_INIT;
	struct ecsctl_source *src = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	opts.env = env;
	rc = model_source_open_buffer(&src, name, data, len, err);
	if (!rc)
		rc = load_from(out, src, &opts, diags, err);
	ecsctl_source_free(src);
	return rc;
}
