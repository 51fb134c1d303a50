/*
 * YAML and JSON files into node trees, with positions, through libyaml's event
 * API. Guard rails: nesting depth, duplicate keys, and an alias expansion
 * budget (aliases are copied, so "billion laughs" is caught by counting, before
 * the memory is spent). JSON that libyaml refuses goes through jansson.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "ecsctl/buf.h"
#include "model_int.h"
#include "banned.h"

#define YAML_TAG_PREFIX "tag:yaml.org,2002:"

struct anchor {
	char *name;
	struct mnode *node;
};

struct frame {
	struct mnode *node;
	char *key; /* mapping: key read, value pending */
	unsigned kline, kcol;
	bool key_merge;        /* the pending key is "<<" */
	char *anchor;          /* registered when the node is complete */
	struct mnode **merges; /* "<<" values, applied when the mapping ends */
	size_t nmerges;
};

struct parser {
	const char *file;
	struct ecsctl_diags *diags;
	struct frame stack[MODEL_MAX_DEPTH + 1];
	size_t depth;
	struct anchor *anchors;
	size_t nanchors, aanchors;
	size_t nodes, bytes; /* spent, for the budget */
	struct mfile *out;
	struct mnode *root;
	unsigned dline, dcol;
	int failed;
};

static void fail(struct parser *p, unsigned line, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Records the first problem of a file: parsing stops there. */
static void fail(struct parser *p, unsigned line, unsigned col, const char *fmt, ...)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	va_list ap;

	if (p->failed++)
		return;
	va_start(ap, fmt);
	ecsctl_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	ecsctl_diags_add(p->diags, ECSCTL_ERROR, p->file, line, col, NULL, NULL, "%s", b.buf);
	ecsctl_buf_release(&b);
}

static struct mnode *node_new(struct parser *p, enum mnode_type type, const yaml_mark_t *m)
{
	struct mnode *n;

	if (++p->nodes > MODEL_MAX_NODES) {
		fail(p, (unsigned)m->line + 1, (unsigned)m->column + 1,
		     "more than %u YAML nodes in one file", MODEL_MAX_NODES);
		return NULL;
	}
	n = calloc(1, sizeof(*n));
	if (!n) {
		fail(p, 0, 0, "out of memory");
		return NULL;
	}
	n->type = type;
	n->line = (unsigned)m->line + 1;
	n->column = (unsigned)m->column + 1;
	n->nodes = 1;
	return n;
}

static int key_cmp(const void *a, const void *b)
{
	const struct mnode_entry *x = *(const struct mnode_entry *const *)a;
	const struct mnode_entry *y = *(const struct mnode_entry *const *)b;
	int c = strcmp(x->key, y->key);

	if (c)
		return c;
	return x < y ? -1 : x > y;
}

/* Duplicate keys, each reported with the first occurrence. */
static void check_duplicates(struct parser *p, const struct mnode *map)
{
	const struct mnode_entry **idx;
	size_t i;

	if (map->count < 2)
		return;
	idx = malloc(map->count * sizeof(*idx));
	if (!idx) {
		fail(p, 0, 0, "out of memory");
		return;
	}
	for (i = 0; i < map->count; i++)
		idx[i] = &map->entries[i];
	qsort(idx, map->count, sizeof(*idx), key_cmp);
	for (i = 1; i < map->count && model_diag_room(p->diags); i++) {
		if (strcmp(idx[i - 1]->key, idx[i]->key))
			continue;
		ecsctl_diags_add(p->diags, ECSCTL_ERROR, p->file, idx[i]->line, idx[i]->column,
		                 NULL, NULL, "duplicate key '%s' (first at line %u)", idx[i]->key,
		                 idx[i - 1]->line);
		p->failed++;
	}
	free(idx);
}

static int map_add(struct parser *p, struct mnode *map, char *key, unsigned line, unsigned col,
                   struct mnode *value)
{
	if (mnode_put(map, key, line, col, value)) {
		fail(p, 0, 0, "out of memory");
		return -1;
	}
	return 0;
}

/* "<<: *base" or "<<: [*a, *b]": keys not set in the mapping itself come from
 * the merged mappings, earlier ones first (the YAML 1.1 merge key). */
static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int merge(struct parser *p, struct mnode *map, struct mnode *src)
{
	char **keys;
	size_t i, nkeys;

	if (src->type == MNODE_SEQ) {
		for (i = 0; i < src->count; i++)
			if (merge(p, map, src->items[i]))
				return -1;
		return 0;
	}
	if (src->type != MNODE_MAP) {
		fail(p, src->line, src->column, "a merge key ('<<') takes a mapping");
		return -1;
	}
	/* keys already set, sorted, so a big merge is not quadratic; src's own
	 * keys are unique, so the index need not grow while it is merged */
	keys = malloc((map->count + 1) * sizeof(*keys));
	if (!keys) {
		fail(p, 0, 0, "out of memory");
		return -1;
	}
	for (i = 0; i < map->count; i++)
		keys[i] = map->entries[i].key;
	nkeys = map->count;
	qsort(keys, nkeys, sizeof(*keys), str_cmp);
	for (i = 0; i < src->count; i++) {
		struct mnode_entry *e = &src->entries[i];

		if (bsearch(&e->key, keys, nkeys, sizeof(*keys), str_cmp))
			continue;
		if (map_add(p, map, e->key, e->line, e->column, e->value)) {
			free(keys);
			return -1;
		}
		e->key = NULL;
		e->value = NULL;
	}
	free(keys);
	return 0;
}

static int seq_add(struct parser *p, struct mnode *seq, struct mnode *n)
{
	if (mnode_append(seq, n)) {
		fail(p, 0, 0, "out of memory");
		return -1;
	}
	return 0;
}

static size_t anchor_hash(const char *s)
{
	size_t h = 2166136261u; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* The slot of `name` in the open-addressing table, or the empty one where it goes. */
static struct anchor *anchor_slot(struct anchor *table, size_t size, const char *name)
{
	size_t i = anchor_hash(name) & (size - 1);

	while (table[i].name && strcmp(table[i].name, name))
		i = (i + 1) & (size - 1);
	return &table[i];
}

/* Anchors are hashed: a file of many anchors and aliases stays linear. A
 * redefined anchor replaces the earlier one, as YAML says. */
static int add_anchor(struct parser *p, const char *name, struct mnode *n)
{
	struct anchor *slot;

	if (2 * (p->nanchors + 1) > p->aanchors) {
		size_t size = p->aanchors ? p->aanchors * 2 : 16, i;
		struct anchor *t = calloc(size, sizeof(*t));

		if (!t)
			goto oom;
		for (i = 0; i < p->aanchors; i++)
			if (p->anchors[i].name)
				*anchor_slot(t, size, p->anchors[i].name) = p->anchors[i];
		free(p->anchors);
		p->anchors = t;
		p->aanchors = size;
	}
	slot = anchor_slot(p->anchors, p->aanchors, name);
	if (!slot->name) {
		slot->name = strdup(name);
		if (!slot->name)
			goto oom;
		p->nanchors++;
	}
	slot->node = n;
	return 0;
oom:
	fail(p, 0, 0, "out of memory");
	return -1;
}

/*
 * Attaches a finished node to its parent, or makes it the document root.
 * Takes `n` on success; on failure the caller still owns it.
 */
static int attach(struct parser *p, struct mnode *n, const char *anchor)
{
	struct frame *top = p->depth ? &p->stack[p->depth - 1] : NULL;
	size_t nodes = n->nodes, bytes = n->bytes;

	if (top && top->node->type == MNODE_MAP && !top->key) {
		/* n is a key */
		if (n->type != MNODE_SCALAR) {
			fail(p, n->line, n->column, "mapping keys must be plain strings");
			return -1;
		}
		if (anchor) {
			fail(p, n->line, n->column, "anchors on mapping keys are not supported");
			return -1;
		}
		top->key_merge = !n->quoted && !strcmp(n->value, "<<");
		top->key = n->value;
		top->kline = n->line;
		top->kcol = n->column;
		n->value = NULL;
		mnode_free(n);
		return 0;
	}
	if (top && top->node->type == MNODE_MAP && top->key_merge) {
		struct mnode **m;

		if (anchor) {
			fail(p, n->line, n->column,
			     "an anchor on a merge ('<<') value is not supported");
			return -1;
		}
		m = realloc(top->merges, (top->nmerges + 1) * sizeof(*m));
		if (!m) {
			fail(p, 0, 0, "out of memory");
			return -1;
		}
		top->merges = m;
		top->merges[top->nmerges++] = n;
		free(top->key);
		top->key = NULL;
	} else {
		if (anchor && add_anchor(p, anchor, n))
			return -1;
		if (!top) {
			p->root = n;
			return 0;
		}
		if (top->node->type == MNODE_SEQ) {
			if (seq_add(p, top->node, n))
				return -1;
		} else {
			if (map_add(p, top->node, top->key, top->kline, top->kcol, n))
				return -1;
			top->key = NULL;
		}
	}
	/* over-counts merged-away parts: the alias budget stays an upper bound */
	top->node->nodes += nodes;
	top->node->bytes += bytes;
	return 0;
}

static int on_alias(struct parser *p, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	struct mnode *src = NULL, *copy;

	if (p->aanchors)
		src = anchor_slot(p->anchors, p->aanchors, name)->node;
	if (!src) {
		fail(p, (unsigned)ev->start_mark.line + 1, (unsigned)ev->start_mark.column + 1,
		     "undefined alias '*%s' (anchors do not reach across '---' documents)", name);
		return -1;
	}
	if (p->nodes + src->nodes > MODEL_MAX_NODES || p->bytes + src->bytes > MODEL_MAX_BYTES) {
		fail(p, (unsigned)ev->start_mark.line + 1, (unsigned)ev->start_mark.column + 1,
		     "alias '*%s' expands beyond the limit of %u nodes or %u MiB (an alias bomb?)",
		     name, MODEL_MAX_NODES, MODEL_MAX_BYTES >> 20);
		return -1;
	}
	copy = mnode_copy(src);
	if (!copy) {
		fail(p, 0, 0, "out of memory");
		return -1;
	}
	p->nodes += src->nodes;
	p->bytes += src->bytes;
	copy->line = (unsigned)ev->start_mark.line + 1;
	copy->column = (unsigned)ev->start_mark.column + 1;
	if (attach(p, copy, NULL)) {
		mnode_free(copy);
		return -1;
	}
	return 0;
}

static int on_scalar(struct parser *p, const yaml_event_t *ev)
{
	const char *tag = (const char *)ev->data.scalar.tag;
	struct mnode *n;

	if (tag && strncmp(tag, YAML_TAG_PREFIX, strlen(YAML_TAG_PREFIX)) && strcmp(tag, "!")) {
		fail(p, (unsigned)ev->start_mark.line + 1, (unsigned)ev->start_mark.column + 1,
		     "unsupported tag '%s'", tag);
		return -1;
	}
	if (memchr(ev->data.scalar.value, '\0', ev->data.scalar.length)) {
		fail(p, (unsigned)ev->start_mark.line + 1, (unsigned)ev->start_mark.column + 1,
		     "a NUL character in a value");
		return -1;
	}
	n = node_new(p, MNODE_SCALAR, &ev->start_mark);
	if (!n)
		return -1;
	n->value = malloc(ev->data.scalar.length + 1);
	if (!n->value) {
		mnode_free(n);
		fail(p, 0, 0, "out of memory");
		return -1;
	}
	memcpy(n->value, ev->data.scalar.value, ev->data.scalar.length);
	n->value[ev->data.scalar.length] = '\0';
	n->len = ev->data.scalar.length;
	n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
	            (tag && !strcmp(tag, YAML_TAG_PREFIX "str"));
	n->bytes = n->len;
	p->bytes += n->len;
	if (attach(p, n, (const char *)ev->data.scalar.anchor)) {
		mnode_free(n);
		return -1;
	}
	return 0;
}

static int on_start(struct parser *p, const yaml_event_t *ev, enum mnode_type type)
{
	struct mnode *n;

	if (p->depth >= MODEL_MAX_DEPTH) {
		fail(p, (unsigned)ev->start_mark.line + 1, (unsigned)ev->start_mark.column + 1,
		     "nesting deeper than %d levels", MODEL_MAX_DEPTH);
		return -1;
	}
	if (p->depth && p->stack[p->depth - 1].node->type == MNODE_MAP &&
	    !p->stack[p->depth - 1].key) {
		fail(p, (unsigned)ev->start_mark.line + 1, (unsigned)ev->start_mark.column + 1,
		     "mapping keys must be plain strings");
		return -1;
	}
	n = node_new(p, type, &ev->start_mark);
	if (!n)
		return -1;
	memset(&p->stack[p->depth], 0, sizeof(p->stack[0]));
	p->stack[p->depth++].node = n;
	return 0;
}

static int on_end(struct parser *p, const yaml_event_t *ev)
{
	struct frame *f = &p->stack[--p->depth];
	struct mnode *n = f->node;
	char *anchor = f->anchor;
	int rc;

	(void)ev;
	f->node = NULL;
	f->anchor = NULL;
	free(f->key); /* a key without value cannot reach here, but be safe */
	f->key = NULL;
	rc = 0;
	if (n->type == MNODE_MAP) {
		size_t i;

		/* duplicates among the mapping's own keys; merged ones then fill gaps */
		check_duplicates(p, n);
		for (i = 0; i < f->nmerges; i++) {
			if (!rc)
				rc = merge(p, n, f->merges[i]);
			mnode_free(f->merges[i]);
		}
		free(f->merges);
		f->merges = NULL;
		f->nmerges = 0;
	}
	if (!rc)
		rc = attach(p, n, anchor);
	if (rc)
		mnode_free(n);
	free(anchor);
	return rc;
}

static void anchors_clear(struct parser *p)
{
	size_t i;

	for (i = 0; i < p->aanchors; i++) {
		free(p->anchors[i].name);
		p->anchors[i].name = NULL;
		p->anchors[i].node = NULL;
	}
	p->nanchors = 0;
}

static int doc_end(struct parser *p)
{
	struct mdoc *d;

	if (!p->root || mnode_is_null(p->root)) {
		mnode_free(p->root);
		p->root = NULL;
		return 0;
	}
	if (p->out->ndocs == mnode_capacity(p->out->ndocs)) {
		size_t cap = p->out->ndocs ? p->out->ndocs * 2 : 8;

		d = realloc(p->out->docs, cap * sizeof(*d));
		if (!d) {
			fail(p, 0, 0, "out of memory");
			return -1;
		}
		p->out->docs = d;
	}
	d = p->out->docs;
	d[p->out->ndocs].root = p->root;
	d[p->out->ndocs].line = p->dline;
	d[p->out->ndocs].column = p->dcol;
	p->out->ndocs++;
	p->root = NULL;
	return 0;
}

/* `{name: A, value: ${X}}`: the '{' of an unquoted ${X} opens a flow
 * mapping, and libyaml's message says nothing of variables. */
static bool flow_variable(const char *data, size_t len, const yaml_parser_t *yp)
{
	size_t from = yp->context ? yp->context_mark.index : yp->problem_mark.index;
	size_t to = yp->problem_mark.index, i;

	if (!yp->problem || strncmp(yp->problem, "did not find expected ',' or '}'", 32))
		return false;
	for (i = from; i + 1 < len && i <= to; i++)
		if (data[i] == '$' && data[i + 1] == '{')
			return true;
	return false;
}

static int parse_yaml(struct parser *p, const char *data, size_t len, char **problem,
                      unsigned *pline, unsigned *pcol)
{
	yaml_parser_t yp;
	yaml_event_t ev;
	int done = 0, rc = 0;

	if (!yaml_parser_initialize(&yp)) {
		fail(p, 0, 0, "out of memory");
		return -1;
	}
	yaml_parser_set_input_string(&yp, (const unsigned char *)data, len);
	while (!done && !rc) {
		if (!yaml_parser_parse(&yp, &ev)) {
			struct ecsctl_buf b = ECSCTL_BUF_INIT;

			ecsctl_buf_addf(&b, "%s", yp.problem ? yp.problem : "malformed YAML");
			if (yp.context)
				ecsctl_buf_addf(&b, " %s", yp.context);
			if (flow_variable(data, len, &yp))
				ecsctl_buf_adds(&b, " (quote a value that starts with '${': in a "
				                    "flow mapping '{' opens another one)");
			*problem = ecsctl_buf_detach(&b);
			*pline = (unsigned)yp.problem_mark.line + 1;
			*pcol = (unsigned)yp.problem_mark.column + 1;
			rc = -2;
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			p->dline = (unsigned)ev.start_mark.line + 1;
			p->dcol = (unsigned)ev.start_mark.column + 1;
			break;
		case YAML_DOCUMENT_END_EVENT:
			rc = doc_end(p);
			anchors_clear(p); /* anchors are per document */
			break;
		case YAML_ALIAS_EVENT:
			rc = on_alias(p, &ev);
			break;
		case YAML_SCALAR_EVENT:
			rc = on_scalar(p, &ev);
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			rc = on_start(p, &ev,
			              ev.type == YAML_MAPPING_START_EVENT ? MNODE_MAP : MNODE_SEQ);
			/* keep the anchor until the end event registers the node */
			if (!rc &&
			    (ev.type == YAML_MAPPING_START_EVENT ? ev.data.mapping_start.anchor
			                                         : ev.data.sequence_start.anchor)) {
				const char *a = (const char *)(ev.type == YAML_MAPPING_START_EVENT
				                                   ? ev.data.mapping_start.anchor
				                                   : ev.data.sequence_start.anchor);
				p->stack[p->depth - 1].anchor = strdup(a);
				if (!p->stack[p->depth - 1].anchor) {
					fail(p, 0, 0, "out of memory");
					rc = -1;
				}
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			rc = on_end(p, &ev);
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
		if (p->failed && !rc)
			rc = -1;
	}
	yaml_parser_delete(&yp);
	return rc;
}

static void parser_reset(struct parser *p)
{
	size_t i;

	for (i = 0; i < p->depth; i++) {
		size_t j;

		for (j = 0; j < p->stack[i].nmerges; j++)
			mnode_free(p->stack[i].merges[j]);
		free(p->stack[i].merges);
		free(p->stack[i].key);
		free(p->stack[i].anchor);
		mnode_free(p->stack[i].node);
	}
	p->depth = 0;
	mnode_free(p->root);
	p->root = NULL;
	anchors_clear(p);
	free(p->anchors);
	p->anchors = NULL;
	p->aanchors = 0;
	p->nodes = p->bytes = 0;
}

/* JSON through jansson: the strict check for .json files, and the tree when
 * libyaml refuses valid JSON. */
static json_t *load_json(struct parser *p, const char *data, size_t len)
{
	json_error_t jerr;
	json_t *j;

	/* editors on Windows write a byte order mark; jansson refuses it, libyaml skips it */
	if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3)) {
		data += 3;
		len -= 3;
	}
	j = json_loadb(data, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);

	if (!j)
		ecsctl_diags_add(p->diags, ECSCTL_ERROR, p->file,
		                 jerr.line > 0 ? (unsigned)jerr.line : 1,
		                 jerr.column > 0 ? (unsigned)jerr.column : 1, NULL, NULL,
		                 "invalid JSON: %s", jerr.text);
	return j;
}

int model_parse(struct mfile *out, const char *name, const char *data, size_t len, bool json,
                struct ecsctl_diags *diags)
{
	struct parser p;
	json_t *j = NULL;
	int problem_code = 0;
	char *problem = NULL;
	unsigned line, col;
	size_t bad;
	int rc;

	memset(&p, 0, sizeof(p));
	p.file = name;
	p.diags = diags;
	p.out = out;
	memset(out, 0, sizeof(*out));
	if (len > MODEL_MAX_FILE_SIZE) {
		ecsctl_diags_add(diags, ECSCTL_ERROR, name, 0, 0, NULL, NULL,
		                 "file is larger than the limit of 4 MiB (%zu bytes)", len);
		return -1;
	}
	bad = model_utf8_check((const unsigned char *)data, len, &line, &col);
	if (bad < len) {
		ecsctl_diags_add(diags, ECSCTL_ERROR, name, line, col, NULL, NULL,
		                 "invalid UTF-8 (byte 0x%02x)", (unsigned char)data[bad]);
		return -1;
	}
	/* JSON files must be JSON (YAML would take `{"a": }`), but libyaml parses
	 * them for the positions */
	if (json && !(j = load_json(&p, data, len)))
		return -1;
	rc = parse_yaml(&p, data, len, &problem, &line, &col);
	if (rc == -2 && j) {
		/* valid JSON that YAML 1.1 refuses: a tab before a token, a key over
		 * 1024 characters, a surrogate pair escape; positions are lost */
		parser_reset(&p);
		mfile_release(out);
		p.dline = p.dcol = 1;
		p.root = mnode_from_json(j, &problem_code);
		if (!p.root)
			ecsctl_diags_add(diags, ECSCTL_ERROR, name, 1, 1, NULL, NULL, "%s",
			                 problem_code == ECSCTL_EINVAL
			                     ? "nesting deeper than 64 levels or a NUL character"
			                     : "out of memory");
		rc = p.root ? doc_end(&p) : -1;
	} else if (rc == -2) {
		ecsctl_diags_add(diags, ECSCTL_ERROR, name, line, col, NULL, NULL,
		                 "invalid YAML: %s", problem ? problem : "malformed");
	}
	json_decref(j);
	free(problem);
	parser_reset(&p);
	if (rc) {
		mfile_release(out);
		return -1;
	}
	return 0;
}
