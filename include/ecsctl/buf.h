/*
 * A growable string buffer, after git's strbuf.
 *
 * `buf` is never NULL and always NUL-terminated, so it can be printed at any
 * time. Out of memory is sticky: the appends become no-ops and
 * ecsctl_buf_failed() says so, so a series of appends needs one check. `max`
 * caps the length for untrusted input (0 = no cap); passing it also fails the
 * buffer.
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
	int failed;
};

extern char ecsctl_buf_empty[];
#define ECSCTL_BUF_INIT {ecsctl_buf_empty, 0, 0, 0, 0}

void ecsctl_buf_init(struct ecsctl_buf *b, size_t max);
void ecsctl_buf_release(struct ecsctl_buf *b);
void ecsctl_buf_reset(struct ecsctl_buf *b); /* len = 0, keeps memory */

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

/* 1 when an append failed (out of memory or over `max`). */
int ecsctl_buf_failed(const struct ecsctl_buf *b);

/* Returns the heap string (caller frees; never NULL unless out of memory) and
 * re-initializes the buffer. */
char *ecsctl_buf_detach(struct ecsctl_buf *b);

#endif
