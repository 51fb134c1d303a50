/*
 * The one error type of libecsctl.
 *
 * Every fallible function takes a `struct ecsctl_error *err` as its last
 * argument, returns 0 or a negative ECSCTL_E* code, and on failure fills
 * `err`. The first error set wins: ecsctl_error_set() on an error that is
 * already set changes nothing, so a low-level cause is never overwritten by a
 * vaguer one; callers add what they were doing with ecsctl_error_wrap().
 *
 * Once `code` is set, `message` is never NULL: when there is no memory for
 * the text it points at a static "out of memory" (release knows not to free
 * it). Input positions are not carried here: the model reports them as
 * diagnostics (ecsctl/diag.h), with file, line and column.
 */
#ifndef ECSCTL_ERROR_H
#define ECSCTL_ERROR_H

#include <stdarg.h>

enum ecsctl_errcode {
	ECSCTL_OK = 0,
	ECSCTL_ENOMEM = -1,     /* out of memory */
	ECSCTL_EINVAL = -2,     /* bad configuration or input */
	ECSCTL_EIO = -3,        /* file, git or socket I/O */
	ECSCTL_EAWS = -4,       /* the API answered with an error */
	ECSCTL_ENET = -5,       /* transport failure after retries */
	ECSCTL_ENOTFOUND = -6,  /* a named thing does not exist */
	ECSCTL_ESTALE = -7,     /* saved plan no longer matches live state */
	ECSCTL_ETIMEOUT = -8,   /* a wait ran out of time */
	ECSCTL_EUNSTABLE = -9,  /* a deployment failed or rolled back */
	ECSCTL_ECANCELED = -10, /* interrupted by a signal */
	ECSCTL_EHOOK = -11,     /* a pre-deploy hook failed: nothing after it ran */
	ECSCTL_ELOCKED = -12    /* another writer holds the lease */
};

struct ecsctl_error {
	int code;         /* an ecsctl_errcode; 0 when nothing is set */
	char *message;    /* owned (or the static OOM text); NULL only when code is 0 */
	char *aws_code;   /* owned; AWS error name (`__type`), or NULL */
	int http_status;  /* 0 when not an HTTP answer */
	char *request_id; /* owned; x-amzn-RequestId, or NULL */
};

#define ECSCTL_ERROR_INIT                                                                          \
	{                                                                                          \
		0                                                                                  \
	}

/* Sets code and a printf-style message unless `err` is already set; returns
 * the code `err` holds afterwards, for `return` chaining. `err` may be NULL. */
int ecsctl_error_set(struct ecsctl_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int ecsctl_error_vset(struct ecsctl_error *err, int code, const char *fmt, va_list ap);

/* Sets ECSCTL_ENOMEM with the static message, allocating nothing. */
int ecsctl_error_nomem(struct ecsctl_error *err);

/* Prefixes a context to an error already set, always followed by ": ", so
 * nested wraps read "Service 'shop/web': DescribeServices: message". Pass
 * the context alone, no trailing separator. Returns err->code (0 and no
 * change when nothing is set). */
int ecsctl_error_wrap(struct ecsctl_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Copies `src` into `dst` with every field (code, message, AWS code, HTTP
 * status, request id) unless `dst` is already set (the first cause wins).
 * Returns dst->code (`src`'s code when `dst` is NULL). */
int ecsctl_error_copy(struct ecsctl_error *dst, const struct ecsctl_error *src);

/* Frees the contents and resets to ECSCTL_ERROR_INIT. Accepts NULL. */
void ecsctl_error_release(struct ecsctl_error *err);

/* Moves `src` into `dst` (which must be empty) and leaves `src` empty. */
void ecsctl_error_move(struct ecsctl_error *dst, struct ecsctl_error *src);

#endif
