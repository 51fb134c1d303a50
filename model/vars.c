/*
 * ${NAME}, ${NAME:-default} and $${ in scalar values, before typing, so a
 * plain `${PORT:-80}` still becomes the integer 80. A scalar that is exactly
 * ${NAME} takes the variable's node, so a list or a mapping set in a
 * variable file becomes that YAML node. An unset variable is collected, not
 * reported at once: model_vars_report() names each one once with every use,
 * and drops the errors that only follow from it.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ecsctl/buf.h"
#include "model_int.h"
#include "banned.h"

/* uses listed in one "is not set" error; the rest are counted */
#define MAX_USES_SHOWN 20

struct found {
	const char *text;            /* a process or built-in value, or */
	const struct model_var *def; /* a value set in git or by a flag */
	bool builtin;                /* a built-in name, set or not */
};

static void lookup(const struct model_vars *v, const char *name, size_t n, struct found *out)
{
	const char *const *env = v->env ? v->env : (const char *const *)environ;
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < 3; i++) {
		if (v->builtin[i][0] && strlen(v->builtin[i][0]) == n &&
		    !memcmp(v->builtin[i][0], name, n)) {
			out->builtin = true;
			out->text = v->builtin[i][1];
			return;
		}
	}
	for (i = 0; i < v->ndefs; i++)
		if (strlen(v->defs[i].name) == n && !memcmp(v->defs[i].name, name, n)) {
			out->def = &v->defs[i];
			return;
		}
	for (i = 0; env && env[i]; i++)
		if (!strncmp(env[i], name, n) && env[i][n] == '=') {
			out->text = env[i] + n + 1;
			return;
		}
}

bool model_vars_name_ok(const char *s, size_t n)
{
	size_t i;

	if (!n || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_'))
			return false;
	}
	return true;
}

/* "ssm:/path" and the like: a lower-case scheme then ':' (not ":-"). */
static size_t scheme_len(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && s[i] >= 'a' && s[i] <= 'z')
		i++;
	return i && i < n && s[i] == ':' && (i + 1 >= n || s[i + 1] != '-') ? i : 0;
}

int model_vars_set(struct model_vars *v, const char *name, struct mnode *value, const char *origin)
{
	struct ecsctl_buf label = ECSCTL_BUF_INIT;
	struct model_var *d;
	char *o = strdup(origin ? origin : ""), *nm = strdup(name), *lb;
	size_t i;

	ecsctl_buf_addf(&label, "%s (%s)", name, origin ? origin : "");
	lb = ecsctl_buf_detach(&label);
	if (!o || !nm || !lb)
		goto oom;
	for (i = 0; i < v->ndefs; i++)
		if (!strcmp(v->defs[i].name, name)) {
			free(nm);
			mnode_free(v->defs[i].value);
			free(v->defs[i].origin);
			free(v->defs[i].label);
			v->defs[i].value = value;
			v->defs[i].origin = o;
			v->defs[i].label = lb;
			return 0;
		}
	d = realloc(v->defs, (v->ndefs + 1) * sizeof(*d));
	if (!d)
		goto oom;
	v->defs = d;
	d[v->ndefs].name = nm;
	d[v->ndefs].value = value;
	d[v->ndefs].origin = o;
	d[v->ndefs].label = lb;
	v->ndefs++;
	return 0;
oom:
	free(o);
	free(nm);
	free(lb);
	mnode_free(value);
	return -1;
}

static void pos_release(struct model_pos *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(p[i].file);
	free(p);
}

void model_vars_release(struct model_vars *v)
{
	size_t i;

	for (i = 0; i < v->ndefs; i++) {
		free(v->defs[i].name);
		mnode_free(v->defs[i].value);
		free(v->defs[i].origin);
		free(v->defs[i].label);
	}
	free(v->defs);
	for (i = 0; i < v->nunset; i++) {
		free(v->unset[i].name);
		pos_release(v->unset[i].uses, v->unset[i].count);
	}
	free(v->unset);
	pos_release(v->tainted, v->ntainted);
	v->defs = NULL;
	v->unset = NULL;
	v->tainted = NULL;
	v->ndefs = v->nunset = v->ntainted = 0;
}

static int pos_add(struct model_pos **list, size_t *count, const char *file, unsigned line,
                   unsigned col)
{
	struct model_pos *p = realloc(*list, (*count + 1) * sizeof(*p));

	if (!p)
		return -1;
	*list = p;
	p[*count].file = strdup(file ? file : "");
	p[*count].line = line;
	p[*count].column = col;
	p[*count].after = 0;
	if (!p[*count].file)
		return -1;
	(*count)++;
	return 0;
}

static void note_unset(struct model_vars *v, const char *name, size_t n, bool builtin,
                       const char *file, unsigned line, unsigned col)
{
	struct model_unset *u = NULL;
	size_t i;

	for (i = 0; i < v->nunset && !u; i++)
		if (strlen(v->unset[i].name) == n && !memcmp(v->unset[i].name, name, n))
			u = &v->unset[i];
	if (!u) {
		u = realloc(v->unset, (v->nunset + 1) * sizeof(*u));
		if (!u) {
			v->oom = 1;
			return;
		}
		v->unset = u;
		u = &v->unset[v->nunset];
		memset(u, 0, sizeof(*u));
		u->name = strndup(name, n);
		u->builtin = builtin;
		if (!u->name) {
			v->oom = 1;
			return;
		}
		v->nunset++;
	}
	if (pos_add(&u->uses, &u->count, file, line, col))
		v->oom = 1;
}

/* Column of byte `off` in a plain one-line scalar; its start otherwise (quotes
 * and escapes make the exact column unknowable from the value alone). */
static unsigned column_at(const struct mnode *n, size_t off)
{
	unsigned col = n->column;
	size_t i;

	if (n->quoted || memchr(n->value, '\n', n->len))
		return n->column;
	for (i = 0; i < off; i++)
		if (((unsigned char)n->value[i] & 0xc0) != 0x80)
			col++;
	return col;
}

/* Makes `n` (a scalar reference) a copy of the node `src`, positions and all. */
static int insert_node(struct mnode *n, const struct mnode *src)
{
	struct mnode *c = mnode_copy(src);

	if (!c)
		return -1;
	free(n->value);
	*n = *c;
	n->substituted = true;
	free(c);
	return 0;
}

struct subst {
	struct model_vars *v;
	const char *file;
	struct ecsctl_diags *diags;
	size_t errors;
	bool tainted;
};

static void error_at(struct subst *s, const struct mnode *n, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void error_at(struct subst *s, const struct mnode *n, size_t off, const char *fmt, ...)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	ecsctl_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	ecsctl_diags_add(s->diags, ECSCTL_ERROR, n->file ? n->file : s->file, n->line,
	                 column_at(n, off), NULL, NULL, "%s", b.buf ? b.buf : "out of memory");
	ecsctl_buf_release(&b);
	s->errors++;
	s->tainted = true; /* what the checks then say of this value follows from it */
}

/* Weighs an insertion against the budget a file has (an alias bomb by variables). */
static bool within_budget(struct subst *s, const struct mnode *n, size_t off, size_t nodes,
                          size_t bytes)
{
	if (s->v->spent_nodes + nodes > MODEL_MAX_NODES ||
	    s->v->spent_bytes + bytes > MODEL_MAX_BYTES) {
		error_at(s, n, off,
		         "variables expand beyond the limit of %u nodes or %u MiB in one load",
		         MODEL_MAX_NODES, MODEL_MAX_BYTES >> 20);
		return false;
	}
	s->v->spent_nodes += nodes;
	s->v->spent_bytes += bytes;
	return true;
}

/* ${scheme:ref}: the resolver's value; a list or mapping only for a value
 * that is exactly the lookup. Returns true when `n` was replaced whole. */
static bool lookup_ref(struct subst *s, struct mnode *n, size_t off, const char *name, size_t nlen,
                       size_t slen, bool whole, struct ecsctl_buf *out)
{
	struct ecsctl_buf where = ECSCTL_BUF_INIT;
	const char *file = n->file ? n->file : s->file;
	unsigned line = n->line, col = column_at(n, off);
	struct mnode *got = NULL;
	char *why = NULL, *scheme = strndup(name, slen),
	     *ref = strndup(name + slen + 1, nlen - slen - 1);
	bool replaced = false;
	int rc;

	ecsctl_buf_addf(&where, "%s:%u:%u", file, line, col);
	if (!scheme || !ref || ecsctl_buf_failed(&where)) {
		s->v->oom = 1;
		goto done;
	}
	if (!s->v->resolver) {
		error_at(s, n, off, "lookups such as '${%s:...}' are not supported here", scheme);
		goto done;
	}
	rc = s->v->resolver->resolve(s->v->resolver->arg, scheme, ref, where.buf, &got, &why);
	if (rc < 0) {
		error_at(s, n, off, "%s", why ? why : "lookup failed");
	} else if (rc > 0) {
		s->tainted = true; /* resolved in the next pass, or offline */
	} else if (got->type != MNODE_SCALAR && !whole) {
		error_at(s, n, off,
		         "'${%.*s}' is %s: only a value that is exactly the lookup takes it, not a "
		         "longer string",
		         (int)nlen, name, got->type == MNODE_SEQ ? "a list" : "a mapping");
	} else if (got->type != MNODE_SCALAR) {
		if (within_budget(s, n, off, got->nodes, got->bytes)) {
			mnode_place(got, file, line, n->column);
			free(n->value);
			*n = *got;
			n->substituted = true;
			free(got);
			got = NULL;
			replaced = true;
		}
	} else if (within_budget(s, n, off, 1, got->len)) {
		ecsctl_buf_add(out, got->value, got->len);
	}
done:
	mnode_free(got);
	free(why);
	free(scheme);
	free(ref);
	ecsctl_buf_release(&where);
	return replaced;
}

static void substitute(struct subst *s, struct mnode *n)
{
	struct ecsctl_buf out = ECSCTL_BUF_INIT;
	const char *v = n->value;
	size_t i = 0;

	while (i < n->len) {
		const char *close, *dflt = NULL, *name, *sep;
		size_t nlen;
		bool whole;
		struct found f;

		if (v[i] != '$') {
			ecsctl_buf_addch(&out, v[i++]);
			continue;
		}
		if (v[i + 1] == '$' && v[i + 2] == '{') {
			ecsctl_buf_adds(&out, "${");
			i += 3;
			continue;
		}
		if (v[i + 1] != '{') {
			ecsctl_buf_addch(&out, v[i++]);
			continue;
		}
		close = strchr(v + i + 2, '}');
		if (!close) {
			error_at(s, n, i, "unterminated '${' (write '$${' for a literal '${')");
			break;
		}
		name = v + i + 2;
		nlen = (size_t)(close - name);
		whole = i == 0 && (size_t)(close - v) + 1 == n->len;
		sep = strstr(name, ":-");
		if (sep && sep < close) {
			dflt = sep + 2;
			nlen = (size_t)(sep - name);
		}
		if (!dflt && scheme_len(name, nlen)) {
			if (lookup_ref(s, n, i, name, nlen, scheme_len(name, nlen), whole, &out)) {
				ecsctl_buf_release(&out);
				return;
			}
			i = (size_t)(close - v) + 1;
			continue;
		}
		if (!model_vars_name_ok(name, nlen)) {
			error_at(
			    s, n, i,
			    "invalid variable reference '%.*s' (use ${NAME} or ${NAME:-default})",
			    (int)(close - v - i + 1), v + i);
			i = (size_t)(close - v) + 1;
			continue;
		}
		lookup(s->v, name, nlen, &f);
		if (f.def && f.def->value->type != MNODE_SCALAR) {
			const char *what = f.def->value->type == MNODE_SEQ ? "a list" : "a mapping";

			if (!whole)
				error_at(s, n, i,
				         "variable '%.*s' is %s (set in %s): only a value that is "
				         "exactly '${%.*s}' takes it, not a longer string",
				         (int)nlen, name, what, f.def->origin, (int)nlen, name);
			else if (within_budget(s, n, i, f.def->value->nodes, f.def->value->bytes) &&
			         insert_node(n, f.def->value))
				s->v->oom = 1;
			ecsctl_buf_release(&out);
			return;
		}
		if (f.def && (f.def->value->len || !dflt)) {
			if (within_budget(s, n, i, 0, f.def->value->len))
				ecsctl_buf_add(&out, f.def->value->value, f.def->value->len);
			n->via = f.def->label;
			/* a whole reference keeps the value's type: "3" quoted in a
			 * variable file stays a string */
			if (whole && f.def->value->quoted)
				n->quoted = true;
		} else if (dflt && (!f.text || !*f.text)) {
			ecsctl_buf_add(&out, dflt, (size_t)(close - dflt));
		} else if (f.text) {
			if (within_budget(s, n, i, 0, strlen(f.text)))
				ecsctl_buf_adds(&out, f.text);
		} else {
			note_unset(s->v, name, nlen, f.builtin, n->file ? n->file : s->file,
			           n->line, column_at(n, i));
			s->tainted = true;
		}
		i = (size_t)(close - v) + 1;
	}
	if (ecsctl_buf_failed(&out)) {
		ecsctl_buf_release(&out);
		s->v->oom = 1;
		return;
	}
	free(n->value);
	n->substituted = true;
	n->len = out.len;
	n->value = ecsctl_buf_detach(&out);
	if (!n->value) { /* detach of an empty buffer failed: keep a valid string */
		n->value = calloc(1, 1);
		n->len = 0;
		if (!n->value)
			s->v->oom = 1;
	}
}

static void apply(struct subst *s, struct mnode *n)
{
	size_t i;

	if (!n || !model_diag_room(s->diags) || s->v->oom)
		return;
	switch (n->type) {
	case MNODE_SCALAR:
		if (!memchr(n->value, '$', n->len))
			break;
		s->tainted = false;
		substitute(s, n);
		if (s->tainted && pos_add(&s->v->tainted, &s->v->ntainted,
		                          n->file ? n->file : s->file, n->line, n->column))
			s->v->oom = 1;
		else if (s->tainted)
			s->v->tainted[s->v->ntainted - 1].after = s->diags->count;
		break;
	case MNODE_SEQ:
		for (i = 0; i < n->count; i++)
			apply(s, n->items[i]);
		break;
	case MNODE_MAP:
		for (i = 0; i < n->count; i++)
			apply(s, n->entries[i].value);
		break;
	}
}

size_t model_vars_apply(struct mnode *n, struct model_vars *vars, const char *file,
                        struct ecsctl_diags *diags)
{
	struct subst s = {vars, file, diags, 0, false};

	apply(&s, n);
	return s.errors;
}

static bool pos_eq(const struct model_pos *p, const struct ecsctl_diag *d)
{
	return d->file && p->line == d->line && p->column == d->column && !strcmp(p->file, d->file);
}

/* An error reported at a node a missing variable left incomplete, after it was. */
static bool follows(const struct ecsctl_diag *d, size_t index, void *arg)
{
	const struct model_vars *v = arg;
	size_t j;

	for (j = 0; j < v->ntainted && d->severity == ECSCTL_ERROR; j++)
		if (index >= v->tainted[j].after && pos_eq(&v->tainted[j], d))
			return true;
	return false;
}

size_t model_vars_report(struct model_vars *v, struct ecsctl_diags *diags)
{
	size_t i, j;

	if (v->ntainted)
		ecsctl_diags_drop(diags, follows, v);
	for (i = 0; i < v->nunset; i++) {
		const struct model_unset *u = &v->unset[i];
		struct ecsctl_buf b = ECSCTL_BUF_INIT;

		ecsctl_buf_addf(&b, "variable '%s' is not set", u->name);
		if (u->builtin)
			ecsctl_buf_adds(&b, " (the config root is not read from git)");
		for (j = 1; j < u->count && j <= MAX_USES_SHOWN; j++)
			ecsctl_buf_addf(&b, "%s%s:%u:%u", j == 1 ? "; also used at " : ", ",
			                u->uses[j].file, u->uses[j].line, u->uses[j].column);
		if (u->count > MAX_USES_SHOWN + 1)
			ecsctl_buf_addf(&b, " and %zu more", u->count - MAX_USES_SHOWN - 1);
		ecsctl_diags_add(diags, ECSCTL_ERROR, u->uses[0].file, u->uses[0].line,
		                 u->uses[0].column, NULL, NULL, "%s",
		                 b.buf ? b.buf : "a variable is not set");
		ecsctl_buf_release(&b);
	}
	if (v->oom)
		diags->oom = 1;
	return v->nunset;
}
