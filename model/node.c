/* The node tree: lookups, copies, release; and the UTF-8 check. */
#include <stdlib.h>
#include <string.h>

#include "ecsctl/buf.h"
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

void mnode_place(struct mnode *n, const char *file, unsigned line, unsigned col)
{
	size_t i;

	n->file = file;
	n->line = line;
	n->column = col;
	for (i = 0; n->type == MNODE_SEQ && i < n->count; i++)
		mnode_place(n->items[i], file, line, col);
	for (i = 0; n->type == MNODE_MAP && i < n->count; i++) {
		n->entries[i].line = line;
		n->entries[i].column = col;
		mnode_place(n->entries[i].value, file, line, col);
	}
}

void mnode_mark_file(struct mnode *n, const char *file)
{
	size_t i;

	if (!n->file)
		n->file = file;
	for (i = 0; n->type == MNODE_SEQ && i < n->count; i++)
		mnode_mark_file(n->items[i], file);
	for (i = 0; n->type == MNODE_MAP && i < n->count; i++)
		mnode_mark_file(n->entries[i].value, file);
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

/* The capacity to grow to before adding an item to `count`, or 0 when there is room. */
static size_t grown(size_t count)
{
	return count == mnode_capacity(count) ? (count ? count * 2 : 8) : 0;
}

int mnode_put(struct mnode *map, char *key, unsigned line, unsigned col, struct mnode *value)
{
	size_t cap = grown(map->count);

	if (cap) {
		struct mnode_entry *e = realloc(map->entries, cap * sizeof(*map->entries));
		if (!e)
			return -1;
		map->entries = e;
	}
	map->entries[map->count].key = key;
	map->entries[map->count].line = line;
	map->entries[map->count].column = col;
	map->entries[map->count].value = value;
	map->count++;
	return 0;
}

int mnode_append(struct mnode *seq, struct mnode *item)
{
	size_t cap = grown(seq->count);

	if (cap) {
		struct mnode **it = realloc(seq->items, cap * sizeof(*it));
		if (!it)
			return -1;
		seq->items = it;
	}
	seq->items[seq->count++] = item;
	return 0;
}

static struct mnode *from_json(const json_t *j, size_t depth, int *why)
{
	enum mnode_type t = json_is_object(j)  ? MNODE_MAP
	                    : json_is_array(j) ? MNODE_SEQ
	                                       : MNODE_SCALAR;
	struct mnode *n;
	const char *k;
	json_t *v;
	size_t i;

	if (depth > MODEL_MAX_DEPTH) {
		*why = ECSCTL_EINVAL;
		return NULL;
	}
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->type = t;
	n->line = n->column = 1;
	n->nodes = 1;
	if (t == MNODE_SCALAR) {
		struct ecsctl_buf b = ECSCTL_BUF_INIT;

		if (json_is_string(j))
			ecsctl_buf_add(&b, json_string_value(j), json_string_length(j));
		else if (json_is_integer(j))
			ecsctl_buf_addf(&b, "%" JSON_INTEGER_FORMAT, json_integer_value(j));
		else if (json_is_real(j))
			ecsctl_buf_addf(&b, "%.17g", json_real_value(j));
		else
			ecsctl_buf_adds(&b, json_is_true(j)    ? "true"
			                    : json_is_false(j) ? "false"
			                                       : "null");
		n->quoted = json_is_string(j);
		n->len = b.len;
		n->value = ecsctl_buf_detach(&b);
		if (n->value && memchr(n->value, '\0', n->len))
			*why = ECSCTL_EINVAL;
		if (!n->value || *why) {
			mnode_free(n);
			return NULL;
		}
		return n;
	}
	if (t == MNODE_SEQ) {
		json_array_foreach(j, i, v) {
			struct mnode *c = from_json(v, depth + 1, why);
			if (!c || mnode_append(n, c)) {
				mnode_free(c);
				mnode_free(n);
				return NULL;
			}
		}
		return n;
	}
	json_object_foreach((json_t *)j, k, v) {
		struct mnode *c = from_json(v, depth + 1, why);
		char *key = c ? strdup(k) : NULL;

		if (!key || mnode_put(n, key, 1, 1, c)) {
			free(key);
			mnode_free(c);
			mnode_free(n);
			return NULL;
		}
	}
	return n;
}

struct mnode *mnode_from_json(const json_t *j, int *why)
{
	*why = 0;
	return from_json(j, 1, why);
}
