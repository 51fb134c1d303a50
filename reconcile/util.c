/* Small helpers shared by the reconcile stages. */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile_int.h"
#include "banned.h"

/* sha256 hex (65 bytes with NUL) of `len` bytes; heap string or NULL. */
static char *reconcile_sha256_hex(const void *data, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	char *out;

	if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL))
		return NULL;
	if (!(out = malloc(mdlen * 2 + 1)))
		return NULL;
	for (i = 0; i < mdlen; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[2 * mdlen] = '\0';
	return out;
}

char *reconcile_hash_json(const json_t *v)
{
	char *text = ecsctl_diff_canonical_dump(v), *out;

	if (!text)
		return NULL;
	out = reconcile_sha256_hex(text, strlen(text));
	free(text);
	return out;
}

int reconcile_array_add_unique(json_t *a, const char *s)
{
	size_t i;
	json_t *it;

	json_array_foreach(a, i, it) {
		if (!strcmp(json_string_value(it), s))
			return 0;
	}
	return json_array_append_new(a, json_string(s));
}

const char *ecsctl_reconcile_tag_value(const json_t *tags, const char *key)
{
	size_t i;
	json_t *it;

	json_array_foreach(tags, i, it) {
		const char *k = json_string_value(json_object_get(it, "key"));
		if (k && !strcmp(k, key))
			return json_string_value(json_object_get(it, "value"));
	}
	return NULL;
}

json_t *reconcile_tags_with(const json_t *tags, const char *key, const char *value)
{
	json_t *out = json_array(), *it;
	size_t i;

	if (!out)
		return NULL;
	json_array_foreach(tags, i, it) {
		const char *k = json_string_value(json_object_get(it, "key"));
		if (k && !strcmp(k, key))
			continue;
		if (json_array_append(out, it))
			goto fail;
	}
	if (json_array_append_new(out, json_pack("{s:s,s:s}", "key", key, "value", value)))
		goto fail;
	return out;
fail:
	json_decref(out);
	return NULL;
}

int reconcile_oom(struct ecsctl_error *err)
{
	return ecsctl_error_nomem(err);
}
