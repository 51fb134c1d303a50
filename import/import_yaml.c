/* Documents to YAML with libyaml's emitter. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "ecsctl/import.h"
#include "banned.h"

#define MAX_DEPTH 64

static int write_cb(void *data, unsigned char *buffer, size_t size)
{
	struct ecsctl_buf *b = data;

	ecsctl_buf_add(b, buffer, size);
	return !ecsctl_buf_failed(b);
}

/* Would a plain scalar be read back as something other than this string
 * (YAML 1.1 and 1.2 core schema: null, booleans, numbers)? */
static bool needs_quotes(const char *s)
{
	static const char *const words[] = {"",    "~",    "null",  "true", "false",
	                                    "yes", "no",   "on",    "off",  "y",
	                                    "n",   ".inf", "-.inf", ".nan", "+.inf"};
	char *end;
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcasecmp(s, words[i]))
			return true;
	strtod(s, &end);
	if (end != s && !*end)
		return true;
	/* 0x1f, 0o17, 1_000, 12:30 (sexagesimal in 1.1) */
	return strspn(s, "0123456789+-._:xXoObBabcdefABCDEF") == strlen(s) &&
	       strpbrk(s, "0123456789") &&
	       (s[0] == '0' || s[0] == '+' || s[0] == '-' || strchr(s, '_') || strchr(s, ':'));
}

static int scalar(yaml_emitter_t *e, const char *text, bool quote)
{
	yaml_event_t ev;

	yaml_scalar_event_initialize(
	    &ev, NULL, NULL, (yaml_char_t *)text, (int)strlen(text), !quote, 1,
	    quote ? YAML_DOUBLE_QUOTED_SCALAR_STYLE : YAML_ANY_SCALAR_STYLE);
	return yaml_emitter_emit(e, &ev);
}

static int string(yaml_emitter_t *e, const char *s, size_t len)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	size_t i;
	int ok;

	/* the loader substitutes ${NAME}; $${ is its literal ${ */
	for (i = 0; i < len; i++) {
		if (s[i] == '$' && i + 1 < len && s[i + 1] == '{')
			ecsctl_buf_addch(&b, '$');
		ecsctl_buf_addch(&b, s[i]);
	}
	ok = !ecsctl_buf_failed(&b) && memchr(s, '\0', len) == NULL &&
	     scalar(e, b.buf, needs_quotes(b.buf));
	ecsctl_buf_release(&b);
	return ok;
}

static int node(yaml_emitter_t *e, const json_t *v, int depth)
{
	yaml_event_t ev;
	char buf[40];
	const char *k;
	json_t *m;
	size_t i;

	if (depth > MAX_DEPTH)
		return 0;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
		if (!yaml_emitter_emit(e, &ev))
			return 0;
		json_object_foreach((json_t *)v, k, m)
			if (!string(e, k, strlen(k)) || !node(e, m, depth + 1))
				return 0;
		yaml_mapping_end_event_initialize(&ev);
		return yaml_emitter_emit(e, &ev);
	case JSON_ARRAY:
		yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE);
		if (!yaml_emitter_emit(e, &ev))
			return 0;
		json_array_foreach(v, i, m)
			if (!node(e, m, depth + 1))
				return 0;
		yaml_sequence_end_event_initialize(&ev);
		return yaml_emitter_emit(e, &ev);
	case JSON_STRING:
		return string(e, json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return scalar(e, buf, false);
	case JSON_REAL:
		if (!isfinite(json_real_value(v)))
			return 0;
		snprintf(buf, sizeof(buf), "%.17g", json_real_value(v));
		return scalar(e, buf, false);
	case JSON_TRUE:
		return scalar(e, "true", false);
	case JSON_FALSE:
		return scalar(e, "false", false);
	default:
		return scalar(e, "null", false);
	}
}

int ecsctl_import_yaml(struct ecsctl_buf *out, json_t *const *docs, size_t n,
                       struct ecsctl_error *err)
{
	yaml_emitter_t e;
	yaml_event_t ev;
	size_t i;
	int ok;

	if (!yaml_emitter_initialize(&e))
		return ecsctl_error_nomem(err);
	yaml_emitter_set_output(&e, write_cb, out);
	yaml_emitter_set_unicode(&e, 1);
	yaml_emitter_set_width(&e, 100);
	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	ok = yaml_emitter_emit(&e, &ev);
	for (i = 0; ok && i < n; i++) {
		yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, i == 0);
		ok = yaml_emitter_emit(&e, &ev) && node(&e, docs[i], 0);
		if (ok) {
			yaml_document_end_event_initialize(&ev, 1);
			ok = yaml_emitter_emit(&e, &ev);
		}
	}
	if (ok) {
		yaml_stream_end_event_initialize(&ev);
		ok = yaml_emitter_emit(&e, &ev) && yaml_emitter_flush(&e);
	}
	if (!ok && e.problem)
		ecsctl_error_set(err, ECSCTL_EINVAL, "cannot write YAML: %s", e.problem);
	yaml_emitter_delete(&e);
	if (ecsctl_buf_failed(out))
		return ecsctl_error_set(err, ECSCTL_ENOMEM, "out of memory writing YAML");
	if (!ok)
		return ecsctl_error_set(
		    err, ECSCTL_EINVAL,
		    "a value cannot be written as YAML (NUL byte, NaN or too deep)");
	return 0;
}
