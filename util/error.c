#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecsctl/buf.h"
#include "ecsctl/error.h"
#include "banned.h"

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

int ecsctl_error_set_at(struct ecsctl_error *err, int code, const char *file, unsigned line,
			unsigned column, const char *fmt, ...)
{
	va_list ap;
	int had = err && err->code;

	va_start(ap, fmt);
	code = ecsctl_error_vset(err, code, fmt, ap);
	va_end(ap);
	if (err && !had) {
		err->file = file ? strdup(file) : NULL;
		err->line = line;
		err->column = column;
	}
	return code;
}

int ecsctl_error_wrap(struct ecsctl_error *err, const char *fmt, ...)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	va_list ap;
	char *msg;

	if (!err || !err->code)
		return err ? err->code : 0;
	va_start(ap, fmt);
	ecsctl_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	ecsctl_buf_adds(&b, err->message ? err->message : "");
	msg = ecsctl_buf_detach(&b);
	if (msg) {
		free(err->message);
		err->message = msg;
	}
	return err->code;
}

void ecsctl_error_release(struct ecsctl_error *err)
{
	if (!err)
		return;
	free(err->message);
	free(err->file);
	free(err->aws_code);
	free(err->request_id);
	memset(err, 0, sizeof(*err));
}

void ecsctl_error_move(struct ecsctl_error *dst, struct ecsctl_error *src)
{
	*dst = *src;
	memset(src, 0, sizeof(*src));
}
