/* The node tree: lookups, copies, release; and the UTF-8 check. */
#include <stdlib.h>
#include <string.h>

#include "model_int.h"
#include "banned.h"

size_t mnode_capacity(size_t count)
{
	size_t cap = 8;

	if (!count)
		return 0;
	while (cap < count)
		cap *= 2;
	return cap;
}

void mnode_free(struct mnode *n)
{
	size_t i;

	if (!n)
		return;
	if (n->type == MNODE_SEQ)
		for (i = 0; i < n->count; i++)
			mnode_free(n->items[i]);
	if (n->type == MNODE_MAP)
		for (i = 0; i < n->count; i++) {
			free(n->entries[i].key);
			mnode_free(n->entries[i].value);
		}
	free(n->items);
	free(n->entries);
	free(n->value);
	free(n);
}

void mfile_release(struct mfile *f)
{
	size_t i;

	if (!f)
		return;
	for (i = 0; i < f->ndocs; i++)
		mnode_free(f->docs[i].root);
	free(f->docs);
	f->docs = NULL;
	f->ndocs = 0;
}

bool mnode_is_null(const struct mnode *n)
{
	if (!n)
		return true;
	if (n->type != MNODE_SCALAR || n->quoted || n->substituted)
		return false;
	return !n->len || !strcmp(n->value, "~") || !strcmp(n->value, "null") ||
	       !strcmp(n->value, "Null") || !strcmp(n->value, "NULL");
}

struct mnode_entry *mnode_get(const struct mnode *map, const char *key)
{
	size_t i;

	if (!map || map->type != MNODE_MAP)
		return NULL;
	for (i = 0; i < map->count; i++)
		if (!strcmp(map->entries[i].key, key))
			return &map->entries[i];
	return NULL;
}

void mnode_del(struct mnode *map, const char *key)
{
	struct mnode_entry *e = mnode_get(map, key);
	size_t i;

	if (!e)
		return;
	i = (size_t)(e - map->entries);
	free(e->key);
	mnode_free(e->value);
	memmove(&map->entries[i], &map->entries[i + 1],
	        (map->count - i - 1) * sizeof(map->entries[0]));
	map->count--;
}

/* Copies an anchored subtree for an alias; the caller checked the budget. */
struct mnode *mnode_copy(const struct mnode *src)
{
	struct mnode *n = calloc(1, sizeof(*n));
	size_t i;

	if (!n)
		return NULL;
	*n = *src;
	n->value = NULL;
	n->items = NULL;
	n->entries = NULL;
	n->count = 0;
	if (src->type == MNODE_SCALAR) {
		n->value = malloc(src->len + 1);
		if (!n->value)
			goto fail;
		memcpy(n->value, src->value, src->len + 1);
		return n;
	}
	if (src->count) {
		if (src->type == MNODE_SEQ)
			n->items = calloc(mnode_capacity(src->count), sizeof(*n->items));
		else
			n->entries = calloc(mnode_capacity(src->count), sizeof(*n->entries));
		if (!n->items && !n->entries)
			goto fail;
	}
	for (i = 0; i < src->count; i++, n->count++) {
		if (src->type == MNODE_SEQ) {
			n->items[i] = mnode_copy(src->items[i]);
			if (!n->items[i])
				goto fail;
		} else {
			n->entries[i] = src->entries[i];
			n->entries[i].key = strdup(src->entries[i].key);
			n->entries[i].value = NULL;
			if (n->entries[i].key)
				n->entries[i].value = mnode_copy(src->entries[i].value);
			if (!n->entries[i].value) {
				free(n->entries[i].key);
				goto fail;
			}
		}
	}
	return n;
fail:
	mnode_free(n);
	return NULL;
}

/* Strict UTF-8 (no overlongs, surrogates or values past U+10FFFF). Returns the
 * offset of the first bad byte, or `len` when all is well. */
size_t model_utf8_check(const unsigned char *s, size_t len, unsigned *line, unsigned *col)
{
	size_t i = 0;

	*line = 1;
	*col = 1;
	while (i < len) {
		unsigned char c = s[i];
		size_t n, k;
		unsigned long cp;

		if (c < 0x80) {
			n = 1;
			cp = c;
		} else if (c >= 0xc2 && c <= 0xdf) {
			n = 2;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 3;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 4;
			cp = c & 0x07;
		} else {
			return i;
		}
		if (n > len - i)
			return i;
		for (k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
			return i;
		if (c == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
		i += n;
	}
	return len;
}
