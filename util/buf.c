#include <assert.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecsctl/buf.h"
#include "banned.h"

/* The first allocation: most strings built here are short lines. */
#define MIN_ALLOC 64

const char ecsctl_buf_empty[1];

void ecsctl_buf_init(struct ecsctl_buf *b, size_t max)
{
	b->buf = (char *)ecsctl_buf_empty;
	b->len = 0;
	b->alloc = 0;
	b->max = max;
	b->failed = ECSCTL_BUF_OK;
}

void ecsctl_buf_release(struct ecsctl_buf *b)
{
	if (!b)
		return;
	if (b->alloc)
		free(b->buf);
	ecsctl_buf_init(b, b->max);
}

void ecsctl_buf_reset(struct ecsctl_buf *b)
{
	ecsctl_buf_setlen(b, 0);
}

void ecsctl_buf_setlen(struct ecsctl_buf *b, size_t len)
{
	assert(len <= b->len);
	if (!b->alloc) {
		/* the shared empty string: nothing to shorten, never written */
		assert(b->len == 0 && b->buf == ecsctl_buf_empty);
		return;
	}
	b->len = len;
	b->buf[len] = '\0';
}

void ecsctl_buf_rtrim(struct ecsctl_buf *b)
{
	size_t len = b->len;

	while (len && isspace((unsigned char)b->buf[len - 1]))
		len--;
	ecsctl_buf_setlen(b, len);
}

int ecsctl_buf_failed(const struct ecsctl_buf *b)
{
	return b->failed;
}

int ecsctl_buf_too_large(const struct ecsctl_buf *b)
{
	return b->failed == ECSCTL_BUF_TOO_LARGE;
}

static void set_failed(struct ecsctl_buf *b, int state)
{
	if (!b->failed)
		b->failed = state;
}

void ecsctl_buf_fail(struct ecsctl_buf *b)
{
	set_failed(b, ECSCTL_BUF_NOMEM);
}

void ecsctl_buf_fail_from(struct ecsctl_buf *b, const struct ecsctl_buf *from)
{
	set_failed(b, from->failed);
}

/* Makes room for `extra` more bytes plus the NUL; 0 on success. */
static int grow(struct ecsctl_buf *b, size_t extra)
{
	size_t need, alloc;
	char *p;

	/* own memory always has room for the NUL after len; the shared empty
	 * string is never owned */
	assert(b->alloc ? b->len < b->alloc : b->len == 0 && b->buf == ecsctl_buf_empty);
	if (b->failed)
		return -1;
	if (b->max && (extra > b->max || b->len + extra > b->max)) {
		b->failed = ECSCTL_BUF_TOO_LARGE;
		return -1;
	}
	if (extra > SIZE_MAX - b->len - 1) {
		b->failed = ECSCTL_BUF_NOMEM;
		return -1;
	}
	need = b->len + extra + 1;
	if (need <= b->alloc)
		return 0;
	alloc = b->alloc ? b->alloc : MIN_ALLOC;
	while (alloc < need)
		alloc = alloc < SIZE_MAX / 2 ? alloc * 2 : need;
	assert(alloc >= need);
	p = realloc(b->alloc ? b->buf : NULL, alloc);
	if (!p) {
		b->failed = ECSCTL_BUF_NOMEM;
		return -1;
	}
	if (!b->alloc)
		p[0] = '\0';
	b->buf = p;
	b->alloc = alloc;
	return 0;
}

void ecsctl_buf_add(struct ecsctl_buf *b, const void *data, size_t len)
{
	if (grow(b, len))
		return;
	memcpy(b->buf + b->len, data, len);
	b->len += len;
	b->buf[b->len] = '\0';
}

void ecsctl_buf_adds(struct ecsctl_buf *b, const char *s)
{
	ecsctl_buf_add(b, s, strlen(s));
}

void ecsctl_buf_addch(struct ecsctl_buf *b, int c)
{
	char ch = (char)c;

	ecsctl_buf_add(b, &ch, 1);
}

void ecsctl_buf_vaddf(struct ecsctl_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	if (b->failed)
		return;
	va_copy(cp, ap);
	n = vsnprintf(b->buf + b->len, b->alloc ? b->alloc - b->len : 0, fmt, cp);
	va_end(cp);
	if (n < 0) {
		b->failed = ECSCTL_BUF_NOMEM;
		return;
	}
	if (b->alloc && (size_t)n < b->alloc - b->len) {
		if (b->max && b->len + (size_t)n > b->max) {
			b->buf[b->len] = '\0';
			b->failed = ECSCTL_BUF_TOO_LARGE;
			return;
		}
		b->len += (size_t)n;
		return;
	}
	if (grow(b, (size_t)n))
		return;
	va_copy(cp, ap);
	vsnprintf(b->buf + b->len, b->alloc - b->len, fmt, cp);
	va_end(cp);
	b->len += (size_t)n;
}

void ecsctl_buf_addf(struct ecsctl_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ecsctl_buf_vaddf(b, fmt, ap);
	va_end(ap);
}

void ecsctl_buf_addhex(struct ecsctl_buf *b, const unsigned char *data, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	if (grow(b, len * 2))
		return;
	for (i = 0; i < len; i++) {
		b->buf[b->len++] = digits[data[i] >> 4];
		b->buf[b->len++] = digits[data[i] & 15];
	}
	b->buf[b->len] = '\0';
}

int ecsctl_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *ecsctl_buf_detach(struct ecsctl_buf *b)
{
	char *s;

	if (b->failed) {
		ecsctl_buf_release(b);
		return NULL;
	}
	s = b->alloc ? b->buf : strdup("");
	ecsctl_buf_init(b, b->max);
	return s;
}
