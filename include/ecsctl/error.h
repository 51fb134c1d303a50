/*
 * The one error type of libecsctl.
 *
 * Every fallible function takes a `struct ecsctl_error *err` as its last
 * argument, returns 0 or a negative ECSCTL_E* code, and on failure fills
 * `err`. The first error set wins: ecsctl_error_set() on an error that is
 * already set keeps the original message and prefixes the new context, so a
 * low-level cause is never overwritten by a vaguer one.
 */
#ifndef ECSCTL_ERROR_H
#define ECSCTL_ERROR_H

#include <stdarg.h>

enum ecsctl_errcode {
	ECSCTL_OK = 0,
	ECSCTL_ENOMEM = -1,    /* out of memory */
	ECSCTL_EINVAL = -2,    /* bad configuration or input */
	ECSCTL_EIO = -3,       /* file, git or socket I/O */
	ECSCTL_EAWS = -4,      /* the API answered with an error */
	ECSCTL_ENET = -5,      /* transport failure after retries */
	ECSCTL_ENOTFOUND = -6, /* a named thing does not exist */
	ECSCTL_ESTALE = -7,    /* saved plan no longer matches live state */
	ECSCTL_ETIMEOUT = -8,  /* a wait ran out of time */
	ECSCTL_EUNSTABLE = -9, /* a deployment failed or rolled back */
	ECSCTL_ECANCELED = -10 /* interrupted by a signal */
};

struct ecsctl_error {
	int code;         /* an ecsctl_errcode; 0 when nothing is set */
	char *message;    /* owned; NULL when nothing is set */
	char *file;       /* owned; input file, or NULL */
	unsigned line;    /* 1-based; 0 when unknown */
	unsigned column;  /* 1-based; 0 when unknown */
	char *aws_code;   /* owned; AWS error name (`__type`), or NULL */
	int http_status;  /* 0 when not an HTTP answer */
	char *request_id; /* owned; x-amzn-RequestId, or NULL */
};

#define ECSCTL_ERROR_INIT {0}

/* Sets code and a printf-style message; returns `code` for `return` chaining. */
int ecsctl_error_set(struct ecsctl_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int ecsctl_error_vset(struct ecsctl_error *err, int code, const char *fmt, va_list ap);

/* Like ecsctl_error_set, with an input position. `file` is copied. */
int ecsctl_error_set_at(struct ecsctl_error *err, int code, const char *file, unsigned line,
			unsigned column, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* Prefixes context ("loading services/web.yaml: ") to an error already set. */
int ecsctl_error_wrap(struct ecsctl_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Frees the contents and resets to ECSCTL_ERROR_INIT. Accepts NULL. */
void ecsctl_error_release(struct ecsctl_error *err);

/* Moves `src` into `dst` (which must be empty) and leaves `src` empty. */
void ecsctl_error_move(struct ecsctl_error *dst, struct ecsctl_error *src);

#endif
