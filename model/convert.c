/*
 * Node trees into API payloads, directed by the schema: each member typed as
 * the model says, and checked (unknown members, types, enums, required
 * members, limits, documented rules). Every problem is reported; conversion
 * goes on past it so one run shows them all.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ecsctl/buf.h"
#include "ecsctl/duration.h"
#include "model_int.h"
#include "banned.h"

static void vreport(struct model_conv *c, enum ecsctl_severity sev, const char *file, unsigned line,
                    unsigned col, const char *path, const char *fmt, va_list ap)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;

	if (!model_diag_room(c->diags)) {
		c->errors += sev == ECSCTL_ERROR;
		return;
	}
	ecsctl_buf_vaddf(&b, fmt, ap);
	/* a node from an overlay or a variable file names that file */
	ecsctl_diags_add(c->diags, sev, file ? file : c->file, line, col, c->resource,
	                 path && *path ? path : NULL, "%s", b.buf);
	if (sev == ECSCTL_ERROR)
		c->errors++;
	ecsctl_buf_release(&b);
}

static void report(struct model_conv *c, enum ecsctl_severity sev, const struct mnode *n,
                   unsigned line, unsigned col, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

static void report(struct model_conv *c, enum ecsctl_severity sev, const struct mnode *n,
                   unsigned line, unsigned col, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(c, sev, n ? n->file : NULL, n ? n->line : line, n ? n->column : col, path, fmt, ap);
	va_end(ap);
}

/* At a mapping key: the file its value came from. */
static void report_key(struct model_conv *c, enum ecsctl_severity sev, const struct mnode_entry *e,
                       const char *path, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void report_key(struct model_conv *c, enum ecsctl_severity sev, const struct mnode_entry *e,
                       const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(c, sev, e->value->file, e->line, e->column, path, fmt, ap);
	va_end(ap);
}

/* What a node is, for "got ..." in messages. */
static void describe(struct ecsctl_buf *b, const struct mnode *n)
{
	if (n->type == MNODE_MAP)
		ecsctl_buf_adds(b, "a mapping");
	else if (n->type == MNODE_SEQ)
		ecsctl_buf_adds(b, "a list");
	else if (n->len > 40)
		ecsctl_buf_addf(b, "'%.37s...'", n->value);
	else
		ecsctl_buf_addf(b, "'%s'", n->value);
}

static void type_error(struct model_conv *c, const struct mnode *n, const char *path,
                       const char *what)
{
	struct ecsctl_buf got = ECSCTL_BUF_INIT;

	describe(&got, n);
	report(c, ECSCTL_ERROR, n, 0, 0, path, "'%s' must be %s, got %s%s", path, what,
	       n->quoted && n->type == MNODE_SCALAR ? "the string " : "", got.buf);
	ecsctl_buf_release(&got);
}

static char *child_path(const char *path, const char *member)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;

	if (*path)
		ecsctl_buf_addf(&b, "%s.%s", path, member);
	else
		ecsctl_buf_adds(&b, member);
	return ecsctl_buf_detach(&b);
}

static char *item_path(const char *path, size_t i)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;

	ecsctl_buf_addf(&b, "%s[%zu]", path, i);
	return ecsctl_buf_detach(&b);
}

/* The limits in force: the member's documented ones, else the shape's. */
static struct ecsctl_schema_limits limits_of(const struct ecsctl_schema_shape *s,
                                             const struct ecsctl_schema_member *m)
{
	struct ecsctl_schema_limits l = s->limits;

	if (m && m->limits.has_min) {
		l.has_min = 1;
		l.min = m->limits.min;
	}
	if (m && m->limits.has_max) {
		l.has_max = 1;
		l.max = m->limits.max;
	}
	return l;
}

static void check_count(struct model_conv *c, const struct mnode *n, const char *path,
                        const struct ecsctl_schema_limits *l, double count, const char *unit)
{
	if (l->has_min && count < l->min)
		report(c, ECSCTL_ERROR, n, 0, 0, path, "'%s' has %.0f %s, at least %.0f required",
		       path, count, unit, l->min);
	else if (l->has_max && count > l->max)
		report(c, ECSCTL_ERROR, n, 0, 0, path, "'%s' has %.0f %s, at most %.0f allowed",
		       path, count, unit, l->max);
}

static size_t utf8_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* "256" / "0.25 vCPU"; "512" / "1GB", "1 gb" (the API converts these). */
static bool unit_value_ok(const char *s, const char *unit)
{
	char *end = NULL;
	double v;

	if (!*s || isspace((unsigned char)*s))
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v <= 0)
		return false;
	if (!*end)
		return strspn(s, "0123456789") == strlen(s);
	if (*end == ' ')
		end++;
	return !strcasecmp(end, unit);
}

static void check_rule(struct model_conv *c, const struct mnode *n, const char *path, const char *v,
                       unsigned rule)
{
	size_t i;
	int64_t ms;

	switch (rule) {
	case ECSCTL_RULE_NAME:
		for (i = 0; v[i]; i++) {
			unsigned char ch = (unsigned char)v[i];
			if (!isalnum(ch) && ch != '_' && ch != '-') {
				report(
				    c, ECSCTL_ERROR, n, 0, 0, path,
				    "'%s' may contain only letters, digits, '_' and '-', got '%s'",
				    path, v);
				return;
			}
		}
		break;
	case ECSCTL_RULE_ASCII_PRINTABLE:
		for (i = 0; v[i]; i++) {
			if ((unsigned char)v[i] < 33 || (unsigned char)v[i] > 126) {
				report(c, ECSCTL_ERROR, n, 0, 0, path,
				       "'%s' may contain only ASCII characters 33..126", path);
				return;
			}
		}
		break;
	case ECSCTL_RULE_TASK_CPU:
		if (!unit_value_ok(v, "vcpu"))
			report(c, ECSCTL_ERROR, n, 0, 0, path,
			       "'%s' must be CPU units ('256') or vCPUs ('1 vCPU'), got '%s'", path,
			       v);
		break;
	case ECSCTL_RULE_TASK_MEMORY:
		if (!unit_value_ok(v, "gb"))
			report(c, ECSCTL_ERROR, n, 0, 0, path,
			       "'%s' must be MiB ('512') or GB ('1 GB'), got '%s'", path, v);
		break;
	case ECSCTL_RULE_DURATION:
		if (ecsctl_duration_parse(&ms, v))
			report(c, ECSCTL_ERROR, n, 0, 0, path,
			       "'%s' must be a duration such as '90s', '5m' or '1h', got '%s'",
			       path, v);
		break;
	default:
		break;
	}
}

static json_t *conv_string(struct model_conv *c, const struct mnode *n,
                           const struct ecsctl_schema_shape *s,
                           const struct ecsctl_schema_member *m, const char *path)
{
	struct ecsctl_schema_limits l = limits_of(s, m);
	const char *bad;
	size_t len;

	if (n->type != MNODE_SCALAR) {
		type_error(c, n, path, "a string");
		return NULL;
	}
	if (!ecsctl_schema_enum_ok(s, n->value)) {
		struct ecsctl_buf b = ECSCTL_BUF_INIT;
		const char *hint = ecsctl_schema_suggest(s, n->value);
		unsigned i;

		for (i = 0; i < s->nenums; i++)
			ecsctl_buf_addf(&b, "%s%s", i ? ", " : "", s->enums[i]);
		if (hint)
			report(c, ECSCTL_ERROR, n, 0, 0, path,
			       "invalid value '%s' for '%s', did you mean '%s'? (one of: %s)",
			       n->value, path, hint, b.buf);
		else
			report(c, ECSCTL_ERROR, n, 0, 0, path,
			       "invalid value '%s' for '%s' (one of: %s)", n->value, path, b.buf);
		ecsctl_buf_release(&b);
		return NULL;
	}
	len = utf8_len(n->value);
	if (l.has_min && len < l.min && len == 0)
		report(c, ECSCTL_ERROR, n, 0, 0, path, "'%s' must not be empty", path);
	else
		check_count(c, n, path, &l, (double)len, "characters");
	if (m && m->rule)
		check_rule(c, n, path, n->value, m->rule);
	bad = model_pattern_mismatch(s->pattern, n->value);
	if (bad) {
		size_t clen = 1;
		while (((unsigned char)bad[clen] & 0xc0) == 0x80)
			clen++;
		report(c, ECSCTL_ERROR, n, 0, 0, path,
		       "'%s' may not contain '%.*s' (the API's pattern is %s)", path, (int)clen,
		       bad, s->pattern);
	}
	return json_stringn(n->value, n->len);
}

static bool parse_int(const char *v, long long *out)
{
	char *end = NULL;
	const char *d = v + (*v == '-' || *v == '+');

	if (!*d || strspn(d, "0123456789") != strlen(d))
		return false;
	errno = 0;
	*out = strtoll(v, &end, 10);
	return !errno && !*end;
}

static json_t *conv_number(struct model_conv *c, const struct mnode *n,
                           const struct ecsctl_schema_shape *s,
                           const struct ecsctl_schema_member *m, const char *path)
{
	struct ecsctl_schema_limits l = limits_of(s, m);
	long long iv = 0;
	double dv = 0;
	char *end = NULL;
	bool integer = s->type != ECSCTL_SCHEMA_DOUBLE;

	if (n->type != MNODE_SCALAR || n->quoted) {
		type_error(c, n, path, integer ? "an integer" : "a number");
		return NULL;
	}
	if (integer) {
		if (!parse_int(n->value, &iv)) {
			type_error(c, n, path, "an integer");
			return NULL;
		}
		if (s->type == ECSCTL_SCHEMA_INTEGER && (iv < INT32_MIN || iv > INT32_MAX)) {
			report(c, ECSCTL_ERROR, n, 0, 0, path,
			       "'%s' is out of range for a 32-bit integer, got %s", path, n->value);
			return NULL;
		}
		dv = (double)iv;
	} else {
		errno = 0;
		dv = strtod(n->value, &end);
		if (errno || !*n->value || *end || !isfinite(dv)) {
			type_error(c, n, path, "a number");
			return NULL;
		}
	}
	if ((l.has_min && dv < l.min) || (l.has_max && dv > l.max)) {
		if (l.has_min && l.has_max)
			report(c, ECSCTL_ERROR, n, 0, 0, path,
			       "'%s' must be between %g and %g, got %s", path, l.min, l.max,
			       n->value);
		else if (l.has_min)
			report(c, ECSCTL_ERROR, n, 0, 0, path, "'%s' must be at least %g, got %s",
			       path, l.min, n->value);
		else
			report(c, ECSCTL_ERROR, n, 0, 0, path, "'%s' must be at most %g, got %s",
			       path, l.max, n->value);
	}
	return integer ? json_integer(iv) : json_real(dv);
}

static json_t *conv_bool(struct model_conv *c, const struct mnode *n, const char *path)
{
	static const char *const t[] = {"true", "True", "TRUE"}, *const f[] = {"false", "False",
	                                                                       "FALSE"};
	int i;

	if (n->type == MNODE_SCALAR && !n->quoted)
		for (i = 0; i < 3; i++) {
			if (!strcmp(n->value, t[i]))
				return json_true();
			if (!strcmp(n->value, f[i]))
				return json_false();
		}
	type_error(c, n, path, "true or false");
	return NULL;
}

static json_t *conv_value(struct model_conv *c, const struct mnode *n,
                          const struct ecsctl_schema_shape *s, const struct ecsctl_schema_member *m,
                          const char *path);

static json_t *conv_structure(struct model_conv *c, const struct mnode *n,
                              const struct ecsctl_schema_shape *s, const char *path)
{
	json_t *obj = NULL, **vals = NULL;
	const char *where = *path ? path : c->resource;
	bool *present = NULL;
	size_t i;

	if (n->type != MNODE_MAP) {
		type_error(c, n, *path ? path : "the document", "a mapping");
		return NULL;
	}
	obj = json_object();
	vals = calloc(s->nmembers + 1, sizeof(*vals));
	present = calloc(s->nmembers + 1, sizeof(*present));
	if (!obj || !vals || !present) {
		report(c, ECSCTL_ERROR, n, 0, 0, path, "out of memory");
		goto done;
	}
	for (i = 0; i < n->count; i++) {
		const struct mnode_entry *e = &n->entries[i];
		const struct ecsctl_schema_member *m = ecsctl_schema_member(s, e->key);
		char *cp;
		size_t k;

		if (!m && !model_diag_room(c->diags)) {
			c->errors++;
			continue;
		}
		if (!m) {
			const char *hint = ecsctl_schema_suggest(s, e->key);
			char *kp = child_path(path, e->key);

			if (hint)
				report_key(c, ECSCTL_ERROR, e, kp,
				           "unknown member '%s' in %s, did you mean '%s'?", e->key,
				           where, hint);
			else
				report_key(c, ECSCTL_ERROR, e, kp, "unknown member '%s' in %s",
				           e->key, where);
			free(kp);
			continue;
		}
		k = (size_t)(m - s->members);
		if (mnode_is_null(e->value))
			continue;
		present[k] = true;
		cp = child_path(path, e->key);
		if (m->flags & ECSCTL_SCHEMA_DEPRECATED)
			report_key(c, ECSCTL_WARNING, e, cp,
			           "member '%s' is deprecated by the ECS API", cp ? cp : e->key);
		vals[k] = cp ? conv_value(c, e->value, ecsctl_schema_member_shape(m), m, cp) : NULL;
		free(cp);
	}
	for (i = 0; i < s->nmembers; i++) {
		if ((s->members[i].flags & ECSCTL_SCHEMA_REQUIRED) && !present[i])
			report(c, ECSCTL_ERROR, n, 0, 0, path, "missing required member '%s' in %s",
			       s->members[i].name, where);
		/* the model's order, whatever the file's: render output is canonical */
		if (vals[i] && json_object_set_new(obj, s->members[i].name, vals[i]))
			report(c, ECSCTL_ERROR, n, 0, 0, path, "out of memory");
		vals[i] = NULL;
	}
done:
	free(vals);
	free(present);
	return obj;
}

static json_t *conv_list(struct model_conv *c, const struct mnode *n,
                         const struct ecsctl_schema_shape *s, const struct ecsctl_schema_member *m,
                         const char *path)
{
	struct ecsctl_schema_limits l = limits_of(s, m);
	const struct ecsctl_schema_shape *item = ecsctl_schema_at(s->member);
	json_t *arr;
	size_t i;

	if (n->type != MNODE_SEQ) {
		type_error(c, n, path, "a list");
		return NULL;
	}
	check_count(c, n, path, &l, (double)n->count, "items");
	arr = json_array();
	for (i = 0; arr && i < n->count; i++) {
		char *ip = item_path(path, i);
		json_t *v = NULL;

		if (mnode_is_null(n->items[i]))
			report(c, ECSCTL_ERROR, n->items[i], 0, 0, ip, "'%s' is null",
			       ip ? ip : path);
		else if (ip)
			v = conv_value(c, n->items[i], item, NULL, ip);
		if (v)
			json_array_append_new(arr, v);
		free(ip);
	}
	return arr;
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct mnode_entry *const *)a)->key,
	              (*(const struct mnode_entry *const *)b)->key);
}

static json_t *conv_map(struct model_conv *c, const struct mnode *n,
                        const struct ecsctl_schema_shape *s, const struct ecsctl_schema_member *m,
                        const char *path)
{
	struct ecsctl_schema_limits l = limits_of(s, m);
	const struct ecsctl_schema_shape *ks = ecsctl_schema_at(s->key);
	const struct ecsctl_schema_shape *vs = ecsctl_schema_at(s->value);
	const struct mnode_entry **idx = NULL;
	json_t *obj;
	size_t i;

	if (n->type != MNODE_MAP) {
		type_error(c, n, path, "a mapping");
		return NULL;
	}
	check_count(c, n, path, &l, (double)n->count, "entries");
	obj = json_object();
	idx = malloc((n->count + 1) * sizeof(*idx));
	if (!obj || !idx) {
		free(idx);
		return obj;
	}
	for (i = 0; i < n->count; i++)
		idx[i] = &n->entries[i];
	/* sorted keys: the same labels in any order render the same */
	qsort(idx, n->count, sizeof(*idx), entry_cmp);
	for (i = 0; i < n->count; i++) {
		char *kp = child_path(path, idx[i]->key);
		json_t *v = NULL;

		if (ks && !ecsctl_schema_enum_ok(ks, idx[i]->key))
			report_key(c, ECSCTL_ERROR, idx[i], kp, "invalid key '%s' in '%s'",
			           idx[i]->key, path);
		else if (mnode_is_null(idx[i]->value))
			report(c, ECSCTL_ERROR, idx[i]->value, 0, 0, kp, "'%s' is null",
			       kp ? kp : path);
		else if (kp)
			v = conv_value(c, idx[i]->value, vs, NULL, kp);
		if (v)
			json_object_set_new(obj, idx[i]->key, v);
		free(kp);
	}
	free(idx);
	return obj;
}

/* A document member (hookDetails): the YAML as JSON, no schema to check it
 * against; plain scalars are numbers, true, false or null where they read
 * as one, as in JSON. */
static json_t *conv_document(struct model_conv *c, const struct mnode *n, const char *path)
{
	json_t *out = NULL, *v;
	size_t i;
	char *end = NULL;
	double d;

	if (n->type == MNODE_MAP) {
		out = json_object();
		for (i = 0; out && i < n->count; i++)
			if ((v = conv_document(c, n->entries[i].value, path)))
				json_object_set_new(out, n->entries[i].key, v);
	} else if (n->type == MNODE_SEQ) {
		out = json_array();
		for (i = 0; out && i < n->count; i++)
			if ((v = conv_document(c, n->items[i], path)))
				json_array_append_new(out, v);
	} else if (!n->quoted && !strcmp(n->value, "true")) {
		out = json_true();
	} else if (!n->quoted && !strcmp(n->value, "false")) {
		out = json_false();
	} else if (!n->quoted && (!strcmp(n->value, "null") || !n->len)) {
		out = json_null();
	} else if (!n->quoted && n->len && (d = strtod(n->value, &end), end && !*end)) {
		out = strspn(n->value, "-0123456789") == n->len ? json_integer((json_int_t)d)
		                                                : json_real(d);
	} else {
		out = json_stringn(n->value, n->len);
	}
	if (!out)
		report(c, ECSCTL_ERROR, n, 0, 0, path, "out of memory");
	return out;
}

static json_t *conv_value(struct model_conv *c, const struct mnode *n,
                          const struct ecsctl_schema_shape *s, const struct ecsctl_schema_member *m,
                          const char *path)
{
	if (!s || mnode_is_null(n))
		return NULL;
	switch (s->type) {
	case ECSCTL_SCHEMA_STRUCTURE:
		if (s->flags & ECSCTL_SCHEMA_DOCUMENT)
			return conv_document(c, n, path);
		return conv_structure(c, n, s, path);
	case ECSCTL_SCHEMA_LIST:
		return conv_list(c, n, s, m, path);
	case ECSCTL_SCHEMA_MAP:
		return conv_map(c, n, s, m, path);
	case ECSCTL_SCHEMA_INTEGER:
	case ECSCTL_SCHEMA_LONG:
	case ECSCTL_SCHEMA_DOUBLE:
		return conv_number(c, n, s, m, path);
	case ECSCTL_SCHEMA_BOOLEAN:
		return conv_bool(c, n, path);
	case ECSCTL_SCHEMA_TIMESTAMP:
		/* epoch seconds as a number, or an ISO 8601 string */
		if (n->type == MNODE_SCALAR && !n->quoted) {
			struct ecsctl_schema_shape d = *s;
			d.type = ECSCTL_SCHEMA_DOUBLE;
			return conv_number(c, n, &d, m, path);
		}
		return conv_string(c, n, s, m, path);
	case ECSCTL_SCHEMA_STRING:
	case ECSCTL_SCHEMA_BLOB:
		return conv_string(c, n, s, m, path);
	}
	return NULL;
}

json_t *model_convert(struct model_conv *c, const struct mnode *n,
                      const struct ecsctl_schema_shape *s, const char *path)
{
	return conv_value(c, n, s, NULL, path);
}
