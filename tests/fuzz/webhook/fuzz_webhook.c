/*
 * The watch listener's request handling on arbitrary input: method, URL,
 * X-Hub-Signature-256 value and body, split at the first three NUL bytes.
 * A leading '!' replaces the signature with the body's valid one, so the
 * accepted path (and the wake-up) is reached too. The signature bytes are
 * also the Authorization header, so the page's token check sees them.
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecsctl/watch.h"

#define SECRET "fuzz-secret"

static struct ecsctl_watch_metrics *metrics;
static struct ecsctl_watch_state state;

static const char *next(const char **p, const char *end)
{
	const char *s = *p, *nul = memchr(s, '\0', (size_t)(end - s));

	*p = nul ? nul + 1 : end;
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1), *body_out = NULL, sig[80];
	const char *p, *end, *method, *url, *header, *body, *ct;
	unsigned char mac[EVP_MAX_MD_SIZE], parsed[32];
	unsigned int maclen = 0, i;
	int status = 0;
	struct ecsctl_watch_request q = {0};
	struct ecsctl_watch_response a = {0};

	if (!copy)
		return 0;
	if (!metrics) {
		struct ecsctl_error err = {0};

		if (ecsctl_watch_metrics_new(&metrics, "fuzz", &err) ||
		    ecsctl_watch_state_init(&state, metrics, &err))
			abort();
		state.secret = strdup(SECRET);
		state.secret_len = strlen(SECRET);
		/* the page and the API behind a token, rendering an empty document */
		ecsctl_watch_state_set_ui_token(&state, "fuzz-token", 10);
		ecsctl_watch_state_set_status(
		    &state, json_pack("{s:i, s:[]}", "formatVersion", 1, "resources"));
	}
	memcpy(copy, data, size);
	copy[size] = '\0';
	p = copy;
	end = copy + size;
	method = next(&p, end);
	url = next(&p, end);
	header = next(&p, end);
	body = p;
	if (method[0] == '!') {
		HMAC(EVP_sha256(), SECRET, (int)strlen(SECRET), (const unsigned char *)body,
		     (size_t)(end - body), mac, &maclen);
		memcpy(sig, "sha256=", 8);
		for (i = 0; i < 32; i++)
			snprintf(sig + 7 + 2 * i, 3, "%02x", mac[i]);
		header = sig;
		method++;
	}
	(void)ecsctl_watch_webhook_parse_signature(parsed, header);
	q.method = method;
	q.url = url;
	q.signature = header;
	q.authorization = header; /* the same bytes as a token attempt */
	q.body = body;
	q.body_len = (size_t)(end - body);
	if (ecsctl_watch_handle(&a, &state, &q) == 0) {
		status = a.status;
		body_out = a.body;
		ct = a.content_type;
		if (status < 200 || status > 599 || !body_out || !ct)
			abort();
		/* a webhook is accepted only with the body's own signature */
		if (status == 202 && !ecsctl_watch_webhook_verify(SECRET, strlen(SECRET), header,
		                                                  body, (size_t)(end - body)))
			abort();
	}
	free(body_out);
	(void)ecsctl_watch_state_sleep(&state, 0, NULL); /* consume a wake-up */
	free(copy);
	return 0;
}
