/*
 * An environment's overlay documents merged onto the base ones, the rules
 * Kustomize's strategic merge taught users: mappings merge, lists of named
 * items merge by their key, other lists replace, `$patch: delete` removes.
 * Moved nodes keep the overlay's file and positions, so a message about a
 * value names the file it came from.
 */
#include <stdlib.h>
#include <string.h>

#include "ecsctl/buf.h"
#include "model_int.h"
#include "banned.h"

/* Lists whose items merge by key: the members that name an item. */
struct keyed {
	const char *list;
	const char *key, *key2;
	const char *key2_default; /* what an absent key2 means (ECS's default) */
};

static const struct keyed keyed_lists[] = {
    {"containerDefinitions", "name", NULL, NULL},
    {"environment", "name", NULL, NULL},
    {"secrets", "name", NULL, NULL},
    {"volumes", "name", NULL, NULL},
    {"portMappings", "containerPort", "protocol", "tcp"},
    {"tags", "key", NULL, NULL},
    {"loadBalancers", "targetGroupArn", NULL, NULL},
};

struct merge {
	const char *file;
	struct ecsctl_diags *diags;
	size_t errors;
};

static void error_at(struct merge *m, const struct mnode *n, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void error_at(struct merge *m, const struct mnode *n, const char *path, const char *fmt, ...)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	ecsctl_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	ecsctl_diags_add(m->diags, ECSCTL_ERROR, n->file ? n->file : m->file, n->line, n->column,
	                 NULL, path && *path ? path : NULL, "%s", b.buf ? b.buf : "out of memory");
	ecsctl_buf_release(&b);
	m->errors++;
}

/* `{$patch: delete}` (with the item's key members, in a list). */
static bool is_delete(const struct mnode *n)
{
	const struct mnode_entry *e = mnode_get(n, "$patch");

	return e && e->value->type == MNODE_SCALAR && !strcmp(e->value->value, "delete");
}

static const char *scalar(const struct mnode *map, const char *key, const char *dflt)
{
	const struct mnode_entry *e = key ? mnode_get(map, key) : NULL;

	return e && e->value->type == MNODE_SCALAR ? e->value->value : dflt;
}

static bool same_item(const struct keyed *k, const struct mnode *a, const struct mnode *b)
{
	const char *a1 = scalar(a, k->key, NULL), *b1 = scalar(b, k->key, NULL);
	const char *a2 = scalar(a, k->key2, k->key2_default);
	const char *b2 = scalar(b, k->key2, k->key2_default);

	return a1 && b1 && !strcmp(a1, b1) && (!k->key2 || (a2 && b2 && !strcmp(a2, b2)));
}

static void child_path(struct ecsctl_buf *b, const char *path, const char *key)
{
	ecsctl_buf_addf(b, "%s%s%s", path, *path ? "." : "", key);
}

static void merge_map(struct merge *m, struct mnode *base, struct mnode *patch, const char *path);

static void seq_remove(struct mnode *seq, size_t i)
{
	mnode_free(seq->items[i]);
	memmove(&seq->items[i], &seq->items[i + 1], (seq->count - i - 1) * sizeof(*seq->items));
	seq->count--;
}

static void merge_list(struct merge *m, const struct keyed *k, struct mnode *base,
                       struct mnode *patch, const char *path)
{
	size_t i, j;

	for (i = 0; i < patch->count; i++) {
		struct mnode *item = patch->items[i];
		struct ecsctl_buf ipath = ECSCTL_BUF_INIT;
		const char *name = scalar(item, k->key, NULL);
		bool found = false;

		if (item->type != MNODE_MAP || !name) {
			error_at(m, item, path,
			         "an item of '%s' in an overlay needs '%s': items merge by it",
			         k->list, k->key);
			continue;
		}
		ecsctl_buf_addf(&ipath, "%s[%s]", path, name);
		for (j = 0; j < base->count && !found; j++) {
			if (!same_item(k, base->items[j], item))
				continue;
			found = true;
			if (is_delete(item))
				seq_remove(base, j);
			else
				merge_map(m, base->items[j], item, ipath.buf ? ipath.buf : path);
		}
		if (!found && is_delete(item))
			error_at(m, item, ipath.buf, "nothing to delete: no item '%s' in the base",
			         ipath.buf ? ipath.buf : k->list);
		else if (!found) {
			mnode_mark_file(item, m->file);
			if (mnode_append(base, item))
				m->diags->oom = 1;
			else
				patch->items[i] = NULL;
		}
		ecsctl_buf_release(&ipath);
	}
}

static const struct keyed *keyed_of(const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(keyed_lists) / sizeof(keyed_lists[0]); i++)
		if (!strcmp(keyed_lists[i].list, key))
			return &keyed_lists[i];
	return NULL;
}

static void merge_map(struct merge *m, struct mnode *base, struct mnode *patch, const char *path)
{
	size_t i;

	for (i = 0; i < patch->count; i++) {
		struct mnode_entry *e = &patch->entries[i];
		struct mnode_entry *b = mnode_get(base, e->key);
		struct ecsctl_buf sub = ECSCTL_BUF_INIT;
		const struct keyed *k;

		child_path(&sub, path, e->key);
		if (!strcmp(e->key, "$patch")) {
			if (!is_delete(patch))
				error_at(m, e->value, path,
				         "'$patch' takes 'delete' (the only patch directive)");
		} else if (is_delete(e->value)) {
			if (b)
				mnode_del(base, e->key);
			else
				error_at(m, e->value, sub.buf,
				         "nothing to delete: no member '%s' in the base",
				         sub.buf ? sub.buf : e->key);
		} else if (!b) {
			mnode_mark_file(e->value, m->file);
			if (mnode_put(base, e->key, e->line, e->column, e->value))
				m->diags->oom = 1;
			else
				e->key = NULL, e->value = NULL;
		} else if (b->value->type == MNODE_MAP && e->value->type == MNODE_MAP) {
			merge_map(m, b->value, e->value, sub.buf ? sub.buf : path);
		} else if (b->value->type == MNODE_SEQ && e->value->type == MNODE_SEQ &&
		           (k = keyed_of(e->key))) {
			merge_list(m, k, b->value, e->value, sub.buf ? sub.buf : path);
		} else {
			mnode_mark_file(e->value, m->file);
			mnode_free(b->value);
			b->value = e->value;
			b->line = e->line;
			b->column = e->column;
			e->value = NULL;
		}
		ecsctl_buf_release(&sub);
	}
}

size_t model_overlay_merge(struct mnode *base, struct mnode *patch, const char *file,
                           struct ecsctl_diags *diags)
{
	struct merge m = {file, diags, 0};

	merge_map(&m, base, patch, "");
	return m.errors;
}
