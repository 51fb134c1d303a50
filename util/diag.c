#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ecsctl/buf.h"
#include "ecsctl/diag.h"
#include "banned.h"

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

void ecsctl_diags_add(struct ecsctl_diags *d, enum ecsctl_severity sev, const char *file,
                      unsigned line, unsigned column, const char *resource, const char *path,
                      const char *fmt, ...)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	struct ecsctl_diag *it;
	va_list ap;

	if (d->count == d->alloc) {
		size_t n = d->alloc ? d->alloc * 2 : 16;
		struct ecsctl_diag *p = realloc(d->items, n * sizeof(*p));
		if (!p) {
			d->oom = 1;
			return;
		}
		d->items = p;
		d->alloc = n;
	}
	va_start(ap, fmt);
	ecsctl_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	it = &d->items[d->count];
	memset(it, 0, sizeof(*it));
	it->severity = sev;
	it->line = line;
	it->column = column;
	it->file = dup_or_null(file);
	it->resource = dup_or_null(resource);
	it->path = dup_or_null(path);
	it->message = ecsctl_buf_detach(&b);
	if (!it->message || (file && !it->file) || (resource && !it->resource) ||
	    (path && !it->path)) {
		free(it->file);
		free(it->resource);
		free(it->path);
		free(it->message);
		d->oom = 1;
		return;
	}
	d->count++;
	if (sev == ECSCTL_ERROR)
		d->errors++;
}

static int cmp_pos(const void *a, const void *b)
{
	const struct ecsctl_diag *x = a, *y = b;
	int c = strcmp(x->file ? x->file : "", y->file ? y->file : "");

	if (c)
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->column != y->column)
		return x->column < y->column ? -1 : 1;
	return 0;
}

void ecsctl_diags_sort(struct ecsctl_diags *d)
{
	/* insertion sort keeps ties stable; diagnostic lists are short */
	size_t i, j;

	for (i = 1; i < d->count; i++) {
		struct ecsctl_diag t = d->items[i];
		for (j = i; j > 0 && cmp_pos(&d->items[j - 1], &t) > 0; j--)
			d->items[j] = d->items[j - 1];
		d->items[j] = t;
	}
}

char *ecsctl_diag_format(const struct ecsctl_diag *diag)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;

	if (diag->file) {
		ecsctl_buf_adds(&b, diag->file);
		if (diag->line)
			ecsctl_buf_addf(&b, ":%u:%u", diag->line, diag->column);
		ecsctl_buf_adds(&b, ": ");
	}
	ecsctl_buf_adds(&b, diag->message);
	return ecsctl_buf_detach(&b);
}

static void item_release(struct ecsctl_diag *it)
{
	free(it->file);
	free(it->resource);
	free(it->path);
	free(it->message);
}

void ecsctl_diags_drop(struct ecsctl_diags *d,
                       bool (*drop)(const struct ecsctl_diag *diag, size_t index, void *arg),
                       void *arg)
{
	size_t i, keep = 0;

	for (i = 0; i < d->count; i++) {
		if (!drop(&d->items[i], i, arg)) {
			d->items[keep++] = d->items[i];
			continue;
		}
		if (d->items[i].severity == ECSCTL_ERROR)
			d->errors--;
		item_release(&d->items[i]);
	}
	d->count = keep;
}

void ecsctl_diags_release(struct ecsctl_diags *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->count; i++)
		item_release(&d->items[i]);
	free(d->items);
	memset(d, 0, sizeof(*d));
}
