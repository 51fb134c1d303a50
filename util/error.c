#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecsctl/buf.h"
#include "ecsctl/error.h"
#include "banned.h"

/* Not const only because `message` is `char *`; nothing writes it and
 * release never frees it. */
static char nomem_message[] = "out of memory";

static void free_message(char *message)
{
	if (message != nomem_message)
		free(message);
}

int ecsctl_error_vset(struct ecsctl_error *err, int code, const char *fmt, va_list ap)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;

	if (!err)
		return code;
	if (err->code) {
		/* keep the first cause; it is the precise one */
		return err->code;
	}
	ecsctl_buf_vaddf(&b, fmt, ap);
	err->code = code;
	err->message = ecsctl_buf_detach(&b);
	if (!err->message)
		err->message = nomem_message;
	return code;
}

int ecsctl_error_set(struct ecsctl_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	code = ecsctl_error_vset(err, code, fmt, ap);
	va_end(ap);
	return code;
}

int ecsctl_error_nomem(struct ecsctl_error *err)
{
	if (!err)
		return ECSCTL_ENOMEM;
	if (err->code)
		return err->code;
	err->code = ECSCTL_ENOMEM;
	err->message = nomem_message;
	return ECSCTL_ENOMEM;
}

int ecsctl_error_wrap(struct ecsctl_error *err, const char *fmt, ...)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	va_list ap;
	char *msg;

	if (!err || !err->code)
		return err ? err->code : 0;
	assert(err->message);
	va_start(ap, fmt);
	ecsctl_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	ecsctl_buf_adds(&b, ": ");
	ecsctl_buf_adds(&b, err->message);
	msg = ecsctl_buf_detach(&b);
	if (msg) { /* out of memory keeps the cause without the context */
		free_message(err->message);
		err->message = msg;
	}
	return err->code;
}

int ecsctl_error_copy(struct ecsctl_error *dst, const struct ecsctl_error *src)
{
	if (!dst)
		return src->code;
	if (!src->code || dst->code)
		return dst->code;
	ecsctl_error_set(dst, src->code, "%s", src->message ? src->message : "failed");
	dst->aws_code = src->aws_code ? strdup(src->aws_code) : NULL;
	dst->http_status = src->http_status;
	dst->request_id = src->request_id ? strdup(src->request_id) : NULL;
	if (!dst->aws_code != !src->aws_code || !dst->request_id != !src->request_id) {
		/* half a copy would misname the cause */
		ecsctl_error_release(dst);
		ecsctl_error_nomem(dst);
	}
	return dst->code;
}

void ecsctl_error_release(struct ecsctl_error *err)
{
	if (!err)
		return;
	free_message(err->message);
	free(err->aws_code);
	free(err->request_id);
	memset(err, 0, sizeof(*err));
}

void ecsctl_error_move(struct ecsctl_error *dst, struct ecsctl_error *src)
{
	*dst = *src;
	memset(src, 0, sizeof(*src));
}
