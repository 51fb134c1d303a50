/*
 * A growable string buffer, after git's strbuf.
 *
 * `buf` is never NULL and always NUL-terminated, so it can be printed at any
 * time. Failure is sticky: after out of memory, or an append that would pass
 * `max` (the cap on untrusted input; 0 = no cap), the appends become no-ops and
 * ecsctl_buf_failed() says which, so a series of appends needs one check and
 * the caller can still tell "too large" from "out of memory".
 *
 * Callers change the fields only through these functions. Before the first
 * allocation `buf` points at one read-only empty string shared by every
 * buffer in every thread; only this file knows when writing through `buf` is
 * safe.
 */
#ifndef ECSCTL_BUF_H
#define ECSCTL_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct ecsctl_buf {
	char *buf;
	size_t len;
	size_t alloc; /* 0 while `buf` points at the shared empty string */
	size_t max;
	int failed; /* an ecsctl_buf_state */
};

enum ecsctl_buf_state {
	ECSCTL_BUF_OK = 0,
	ECSCTL_BUF_NOMEM = 1,    /* an allocation failed (or a caller's helper did) */
	ECSCTL_BUF_TOO_LARGE = 2 /* an append would have passed `max` */
};

/* Read-only: a write through it faults instead of racing between threads. */
extern const char ecsctl_buf_empty[1];
#define ECSCTL_BUF_INIT                                                                            \
	{                                                                                          \
		(char *)ecsctl_buf_empty, 0, 0, 0, ECSCTL_BUF_OK                                   \
	}

void ecsctl_buf_init(struct ecsctl_buf *b, size_t max);
void ecsctl_buf_release(struct ecsctl_buf *b);
void ecsctl_buf_reset(struct ecsctl_buf *b); /* len = 0, keeps memory */
/* Shortens to `len` (<= the current length), keeping memory: for undoing the
 * appends since a mark. */
void ecsctl_buf_setlen(struct ecsctl_buf *b, size_t len);
/* Drops trailing ASCII whitespace (a file's final newline, say). */
void ecsctl_buf_rtrim(struct ecsctl_buf *b);

void ecsctl_buf_add(struct ecsctl_buf *b, const void *data, size_t len);
void ecsctl_buf_adds(struct ecsctl_buf *b, const char *s);
void ecsctl_buf_addch(struct ecsctl_buf *b, int c);
void ecsctl_buf_addf(struct ecsctl_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void ecsctl_buf_vaddf(struct ecsctl_buf *b, const char *fmt, va_list ap);
/* Appends `len` bytes as lowercase hex. */
void ecsctl_buf_addhex(struct ecsctl_buf *b, const unsigned char *data, size_t len);
/* The value of one hex digit (either case), or -1 when `c` is not one. */
int ecsctl_hex_digit(int c);

/* ECSCTL_BUF_OK (0), or the ecsctl_buf_state of the first failure. */
int ecsctl_buf_failed(const struct ecsctl_buf *b);
/* 1 when the failure was an append over `max`, not out of memory. */
int ecsctl_buf_too_large(const struct ecsctl_buf *b);
/* Fails `b` as out of memory, for a helper whose result was to be appended
 * (json_dumps, malloc) failing. The first failure's state stays. */
void ecsctl_buf_fail(struct ecsctl_buf *b);
/* Fails `b` with `from`'s state when `from` failed: a scratch buffer built to
 * be appended to `b` was cut short. */
void ecsctl_buf_fail_from(struct ecsctl_buf *b, const struct ecsctl_buf *from);

/* Returns the heap string (caller frees; never NULL unless out of memory) and
 * re-initializes the buffer. */
char *ecsctl_buf_detach(struct ecsctl_buf *b);

/* `s`, or "" for NULL: an optional string (a JSON member that may be
 * absent) where a string is needed. */
static inline const char *ecsctl_or_empty(const char *s)
{
	return s ? s : "";
}

#endif
