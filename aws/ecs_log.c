/* -v logging for the ECS client, with secrets masked by the rules plans
 * use (ecsctl/secret.h): JSON by member name and value, every line again as
 * text. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ecsctl/secret.h"
#include "ecs_int.h"
#include "banned.h"

void ecs_log_line(struct ecsctl_ecs *c, int level, const char *line)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;

	if (!c->log || c->verbosity < level)
		return;
	/* a URL, a connection string or a key id anywhere in the line */
	ecsctl_secret_redact(&b, line);
	if (!ecsctl_buf_failed(&b))
		c->log(c->log_ud, level, b.buf);
	ecsctl_buf_release(&b);
}

void ecs_logf(struct ecsctl_ecs *c, int level, const char *fmt, ...)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	va_list ap;

	if (!c->log || c->verbosity < level)
		return;
	va_start(ap, fmt);
	ecsctl_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	if (!ecsctl_buf_failed(&b))
		ecs_log_line(c, level, b.buf);
	ecsctl_buf_release(&b);
}

/* A member whose value is a secret by its name: passwords, tokens, keys;
 * not the tag's "key" member nor the pagination "nextToken". */
static int secret_member(const char *k, const json_t *v)
{
	return !json_is_object(v) && !json_is_array(v) && strcmp(k, "key") &&
	       strcmp(k, "nextToken") && ecsctl_secret_name(k);
}

static void add_value(struct ecsctl_buf *out, const json_t *v);

static void add_string(struct ecsctl_buf *out, const char *s)
{
	json_t *tmp = json_string(s);
	char *d = tmp ? json_dumps(tmp, JSON_ENCODE_ANY) : NULL;

	ecsctl_buf_adds(out, d ? d : "\"\"");
	free(d);
	json_decref(tmp);
}

static void add_object(struct ecsctl_buf *out, const json_t *obj)
{
	const char *k;
	json_t *v;
	const json_t *name = json_object_get(obj, "name");
	const json_t *key = json_object_get(obj, "key");
	/* {"name": "DB_PASSWORD", "value": ...} (environment) and {"key": ..., "value": ...} (tags)
	 */
	int secret_pair = ecsctl_secret_name(json_string_value(name)) ||
	                  ecsctl_secret_name(json_string_value(key));
	int first = 1;

	ecsctl_buf_addch(out, '{');
	json_object_foreach((json_t *)obj, k, v) {
		if (!first)
			ecsctl_buf_addch(out, ',');
		first = 0;
		add_string(out, k);
		ecsctl_buf_addch(out, ':');
		if (secret_member(k, v) || (secret_pair && !strcmp(k, "value")))
			ecsctl_buf_adds(out, "\"" ECSCTL_SECRET_MASK "\"");
		else
			add_value(out, v);
	}
	ecsctl_buf_addch(out, '}');
}

static void add_value(struct ecsctl_buf *out, const json_t *v)
{
	size_t i;
	char *d;

	if (json_is_object(v)) {
		add_object(out, v);
	} else if (json_is_array(v)) {
		ecsctl_buf_addch(out, '[');
		for (i = 0; i < json_array_size(v); i++) {
			if (i)
				ecsctl_buf_addch(out, ',');
			add_value(out, json_array_get(v, i));
		}
		ecsctl_buf_addch(out, ']');
	} else if (json_is_string(v) && ecsctl_secret_value(json_string_value(v))) {
		/* whole, as plans do: a JSON escape must not hide part of it */
		ecsctl_buf_adds(out, "\"" ECSCTL_SECRET_MASK "\"");
	} else {
		d = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
		ecsctl_buf_adds(out, d ? d : "null");
		free(d);
	}
}

void ecs_add_redacted(struct ecsctl_buf *out, const json_t *doc)
{
	if (!doc) {
		ecsctl_buf_adds(out, "null");
		return;
	}
	add_value(out, doc);
}
