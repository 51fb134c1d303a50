/* Small helpers for ecs-local: ids, JSON access, tokens, names. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecsctl/buf.h"
#include "sim_int.h"
#include "banned.h"

int sim_fail(struct ecsctl_error *err, const char *type, const char *fmt, ...)
{
	va_list ap;

	if (!err || err->code)
		return ECSCTL_EAWS;
	va_start(ap, fmt);
	ecsctl_error_vset(err, ECSCTL_EAWS, fmt, ap);
	va_end(ap);
	err->aws_code = strdup(type);
	err->http_status = strcmp(type, "ServerException") == 0 ? 500 : 400;
	return ECSCTL_EAWS;
}

void sim_hex_id(uint64_t *rng, char out[33])
{
	snprintf(out, 33, "%016llx%016llx", (unsigned long long)ecsctl_rand_next(rng),
	         (unsigned long long)ecsctl_rand_next(rng));
}

void sim_uuid(uint64_t *rng, char out[37])
{
	uint64_t a = ecsctl_rand_next(rng), b = ecsctl_rand_next(rng);

	snprintf(out, 37, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32),
	         (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xfff,
	         (unsigned)((b >> 48) & 0x3fff) | 0x8000,
	         (unsigned long long)(b & 0xffffffffffffULL));
}

void sim_deployment_id(uint64_t *rng, char out[28])
{
	/* ECS deployment ids are "ecs-svc/" and 19 decimal digits */
	snprintf(out, 28, "ecs-svc/%019llu",
	         (unsigned long long)ecsctl_rand_below(rng, 9000000000000000000ULL) +
	             1000000000000000000ULL);
}

int sim_find_named(const json_t *list, const char *name)
{
	const json_t *it;
	size_t i;

	json_array_foreach(list, i, it) {
		const char *n = sim_str(it, "name");

		if (n && !strcmp(n, name))
			return (int)i;
	}
	return -1;
}

const char *sim_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

long long sim_int(const json_t *obj, const char *key, long long dflt)
{
	json_t *v = json_object_get(obj, key);

	return json_is_integer(v) ? json_integer_value(v) : dflt;
}

int sim_bool(const json_t *obj, const char *key, int dflt)
{
	json_t *v = json_object_get(obj, key);

	return json_is_boolean(v) ? json_is_true(v) : dflt;
}

json_t *sim_public(const json_t *obj)
{
	json_t *out = json_object();
	const char *k;
	json_t *v;

	if (!out)
		return NULL;
	json_object_foreach((json_t *)obj, k, v) {
		if (k[0] != '_')
			json_object_set(out, k, v);
	}
	return out;
}

/* Answers are dumped with 13 significant digits: milliseconds of an epoch
 * time print exactly ("1700000000.123"), as ECS sends them. */
json_t *sim_time(double t)
{
	return json_real(floor(t * 1000.0 + 0.5) / 1000.0);
}

const char *sim_arn_tail(const char *ref)
{
	const char *slash;

	if (!ref || strncmp(ref, "arn:", 4) != 0)
		return ref;
	slash = strrchr(ref, '/');
	return slash ? slash + 1 : ref;
}

int sim_image_tag_is(const char *image, const char *tag)
{
	const char *slash, *colon;
	size_t n;

	if (!image)
		return 0;
	slash = strrchr(image, '/');
	colon = strchr(slash ? slash : image, ':');
	if (!colon)
		return 0;
	n = strcspn(colon + 1, "@");
	return n == strlen(tag) && strncmp(colon + 1, tag, n) == 0;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

char *sim_token_encode(const char *key)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	const unsigned char *p = (const unsigned char *)key;
	size_t n = strlen(key), i;

	/* a prefix makes tokens look opaque and lets us reject foreign ones */
	ecsctl_buf_adds(&b, "eyJ");
	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
		ecsctl_buf_addch(&b, b64[v >> 18]);
		ecsctl_buf_addch(&b, b64[(v >> 12) & 63]);
		ecsctl_buf_addch(&b, b64[(v >> 6) & 63]);
		ecsctl_buf_addch(&b, b64[v & 63]);
	}
	if (n - i == 1) {
		ecsctl_buf_addch(&b, b64[p[i] >> 2]);
		ecsctl_buf_addch(&b, b64[(p[i] & 3) << 4]);
	} else if (n - i == 2) {
		unsigned v = (unsigned)p[i] << 8 | p[i + 1];
		ecsctl_buf_addch(&b, b64[v >> 10]);
		ecsctl_buf_addch(&b, b64[(v >> 4) & 63]);
		ecsctl_buf_addch(&b, b64[(v & 15) << 2]);
	}
	if (ecsctl_buf_failed(&b)) {
		ecsctl_buf_release(&b);
		return NULL;
	}
	return ecsctl_buf_detach(&b);
}

char *sim_token_decode(const char *token)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	unsigned acc = 0, bits = 0;
	const char *p;

	if (!token || strncmp(token, "eyJ", 3) != 0 || strlen(token) > 2048)
		return NULL;
	for (p = token + 3; *p; p++) {
		const char *at = strchr(b64, *p);
		if (!at) {
			ecsctl_buf_release(&b);
			return NULL;
		}
		acc = (acc << 6) | (unsigned)(at - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			ecsctl_buf_addch(&b, (int)((acc >> bits) & 0xff));
		}
	}
	if (ecsctl_buf_failed(&b) || b.len == 0 || memchr(b.buf, 0, b.len)) {
		ecsctl_buf_release(&b);
		return NULL;
	}
	return ecsctl_buf_detach(&b);
}

int sim_max_results(const json_t *req, int dflt, struct ecsctl_error *err)
{
	json_t *v = json_object_get(req, "maxResults");
	long long n;

	if (!v)
		return dflt;
	n = json_integer_value(v);
	if (n < 1 || n > 100)
		return sim_fail(err, "InvalidParameterException",
		                "maxResults must be between 1 and 100."),
		       -1;
	return (int)n;
}

int sim_include(const json_t *req, const char *what)
{
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(req, "include"), i, v) {
		if (json_string_value(v) && strcmp(json_string_value(v), what) == 0)
			return 1;
	}
	return 0;
}

int sim_valid_name(const char *name)
{
	size_t n = name ? strlen(name) : 0, i;

	if (n < 1 || n > 255)
		return 0;
	for (i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

int sim_page(json_t *resp, const char *result_key, json_t *obj, const json_t *req, int dflt,
             int (*item)(const char *key, json_t *val, void *arg, json_t **out), void *arg,
             struct ecsctl_error *err)
{
	const char *token = sim_str(req, "nextToken");
	json_t *list = json_array();
	int max = sim_max_results(req, dflt, err);
	void *it;
	char *last = NULL;
	const char *key = NULL;

	if (max < 0 || !list) {
		json_decref(list);
		return max < 0 ? ECSCTL_EAWS : ECSCTL_ENOMEM;
	}
	if (token) {
		last = sim_token_decode(token);
		it = last ? json_object_iter_at(obj, last) : NULL;
		if (!it) {
			free(last);
			json_decref(list);
			return sim_fail(err, "InvalidParameterException", "Invalid token %s",
			                token);
		}
		it = json_object_iter_next(obj, it);
	} else {
		it = json_object_iter(obj);
	}
	free(last);
	for (; it; it = json_object_iter_next(obj, it)) {
		json_t *out = NULL;
		const char *k = json_object_iter_key(it);
		if (!item(k, json_object_iter_value(it), arg, &out))
			continue;
		if ((int)json_array_size(list) == max) {
			/* one more exists: the page ends at the previous key */
			char *t = sim_token_encode(key);
			json_decref(out);
			json_object_set_new(resp, "nextToken", json_string(t));
			free(t);
			break;
		}
		json_array_append_new(list, out);
		key = k;
	}
	json_object_set_new(resp, result_key, list);
	return 0;
}
