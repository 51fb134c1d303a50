/* The AWS JSON 1.1 answer parser and the retry classes of error names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecsctl/aws.h"
#include "ecsctl/buf.h"
#include "aws_int.h"
#include "banned.h"

#define MAX_MESSAGE 512

/* Cuts at the first ':' (a "...:http://internal.amazon.com/..." suffix) then
 * keeps what follows the last '#' (a "com.amazonaws.ecs#Name" namespace). */
static char *clean_code(const char *s)
{
	const char *end = strchr(s, ':'), *hash, *p;
	size_t len = end ? (size_t)(end - s) : strlen(s);

	hash = NULL;
	for (p = s; p < s + len; p++)
		if (*p == '#')
			hash = p;
	if (hash) {
		len -= (size_t)(hash + 1 - s);
		s = hash + 1;
	}
	while (len && (*s == ' ' || *s == '\t'))
		s++, len--;
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	return len ? strndup(s, len) : NULL;
}

/* Appends printable text only, capped, so a hostile body cannot forge log lines. */
static void add_clean(struct ecsctl_buf *b, const char *s, size_t len)
{
	size_t i;

	if (len > MAX_MESSAGE)
		len = MAX_MESSAGE;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		ecsctl_buf_addch(b, (c < 0x20 || c == 0x7f) ? ' ' : c);
	}
}

int aws_set_error(struct ecsctl_error *err, long status, const char *code, const char *message,
                  size_t mlen, const char *request_id)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	char *msg;
	int rc;

	if (!err)
		return ECSCTL_EAWS;
	if (err->code)
		return err->code;
	ecsctl_buf_adds(&b, code);
	if (mlen) {
		ecsctl_buf_adds(&b, ": ");
		add_clean(&b, message, mlen);
	}
	msg = ecsctl_buf_detach(&b);
	rc = ecsctl_error_set(err, ECSCTL_EAWS, "%s", msg ? msg : code);
	free(msg);
	err->aws_code = strdup(code);
	err->http_status = (int)status;
	err->request_id = request_id ? strdup(request_id) : NULL;
	return rc;
}

int ecsctl_aws_parse_json_answer(json_t **out, long status, const char *error_type,
                                 const char *request_id, const char *body, size_t len,
                                 struct ecsctl_error *err)
{
	json_t *doc = NULL, *v;
	json_error_t jerr;
	char *code = NULL, status_code[24];
	const char *msg = NULL;
	size_t mlen = 0;
	int rc;

	*out = NULL;
	if (len)
		doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (status >= 200 && status < 300) {
		if (!len) {
			*out = json_object();
			return *out ? 0 : ecsctl_error_nomem(err);
		}
		if (!json_is_object(doc)) {
			json_decref(doc);
			return ecsctl_error_set(err, ECSCTL_EIO,
			                        "malformed answer: not a JSON object (%zu bytes)",
			                        len);
		}
		*out = doc;
		return 0;
	}
	if (error_type && *error_type)
		code = clean_code(error_type);
	if (!code && json_is_object(doc) && json_is_string(v = json_object_get(doc, "__type")))
		code = clean_code(json_string_value(v));
	if (!code && json_is_object(doc) && json_is_string(v = json_object_get(doc, "code")))
		code = clean_code(json_string_value(v));
	if (json_is_object(doc)) {
		if (json_is_string(v = json_object_get(doc, "message")) ||
		    json_is_string(v = json_object_get(doc, "Message"))) {
			msg = json_string_value(v);
			mlen = json_string_length(v);
		}
	} else if (len) {
		/* not JSON (an HTML error page from a proxy): its text is the message */
		msg = body;
		mlen = len;
	}
	snprintf(status_code, sizeof(status_code), "%ld", status);
	rc = aws_set_error(err, status, code ? code : status_code, msg, mlen, request_id);
	free(code);
	json_decref(doc);
	return rc;
}

int ecsctl_aws_is_throttling(const char *code, long http_status)
{
	static const char *const names[] = {
	    "Throttling",
	    "ThrottlingException",
	    "ThrottledException",
	    "RequestThrottledException",
	    "TooManyRequestsException",
	    "ProvisionedThroughputExceededException",
	    "TransactionInProgressException",
	    "RequestLimitExceeded",
	    "BandwidthLimitExceeded",
	    "RequestThrottled",
	    "SlowDown",
	    "PriorRequestNotComplete",
	    "EC2ThrottledException",
	};
	size_t i;

	if (http_status == 429)
		return 1;
	for (i = 0; code && i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(code, names[i]))
			return 1;
	return 0;
}

int ecsctl_aws_is_transient(const char *code, long http_status)
{
	static const char *const names[] = {
	    "RequestTimeout",  "RequestTimeoutException", "InternalError",
	    "ServerException", "ServiceUnavailable",      "InternalFailure",
	};
	size_t i;

	if (http_status >= 500 && http_status != 501)
		return 1;
	for (i = 0; code && i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(code, names[i]))
			return 1;
	return 0;
}
