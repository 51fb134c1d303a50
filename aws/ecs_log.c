/* -v logging for the ECS client, with secrets masked. */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ecs_int.h"
#include "banned.h"

#define MASK "***"

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
		c->log(c->log_ud, level, b.buf);
	ecsctl_buf_release(&b);
}

static int contains_ci(const char *s, const char *word)
{
	size_t wl = strlen(word);

	for (; *s; s++)
		if (!strncasecmp(s, word, wl))
			return 1;
	return 0;
}

/* Member names whose values are secrets, and environment-style names that look secret. */
static int secret_name(const char *name, int env_style)
{
	static const char *const words[] = {"secret",        "password",  "passwd",     "token",
	                                    "credential",    "accesskey", "privatekey", "apikey",
	                                    "authorization", "signature"};
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (contains_ci(name, words[i]))
			return 1;
	return env_style && contains_ci(name, "key");
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
	int secret_pair = (json_is_string(name) && secret_name(json_string_value(name), 1)) ||
	                  (json_is_string(key) && secret_name(json_string_value(key), 1));
	int first = 1;

	ecsctl_buf_addch(out, '{');
	json_object_foreach((json_t *)obj, k, v) {
		if (!first)
			ecsctl_buf_addch(out, ',');
		first = 0;
		add_string(out, k);
		ecsctl_buf_addch(out, ':');
		if ((secret_name(k, 0) && !json_is_object(v) && !json_is_array(v) &&
		     strcmp(k, "nextToken")) ||
		    (secret_pair && !strcmp(k, "value")))
			ecsctl_buf_adds(out, "\"" MASK "\"");
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
