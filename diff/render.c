/*
 * A diff as text, in the style of `terraform plan`.
 */
#include <stdlib.h>
#include <string.h>

#include "diff_int.h"
#include "banned.h"

#define GREEN "\033[32m"
#define YELLOW "\033[33m"
#define RED "\033[31m"
#define BOLD "\033[1m"
#define RESET "\033[0m"

/* Each action's name in the plan JSON, and how the text plan shows it. */
static const struct action_look {
	const char *name, *sym, *col, *what;
} looks[] = {
    [ECSCTL_DIFF_CREATE] = {"create", "+", GREEN, "will be created"},
    [ECSCTL_DIFF_REGISTER] = {"register", "+", GREEN, "will be registered as a new revision"},
    [ECSCTL_DIFF_UPDATE] = {"update", "~", YELLOW, "will be updated in-place"},
    [ECSCTL_DIFF_REPLACE] = {"replace", "-/+", RED, "must be replaced"},
    [ECSCTL_DIFF_DELETE] = {"delete", "-", RED, "will be deleted"},
    [ECSCTL_DIFF_DEREGISTER] = {"deregister", "-", RED, "will be deregistered"},
};

static const struct action_look *look(enum ecsctl_diff_action a)
{
	return (unsigned)a < sizeof(looks) / sizeof(looks[0]) ? &looks[a] : NULL;
}

const char *ecsctl_diff_action_name(enum ecsctl_diff_action a)
{
	return look(a) ? look(a)->name : "unknown";
}

/* Text from resources and keys may hold anything: no terminal escapes. */
static void add_safe(struct ecsctl_buf *out, const char *s)
{
	for (; s && *s; s++)
		ecsctl_buf_addch(out, (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
}

/* Backs up to the start of a UTF-8 character. */
static size_t char_start(const char *s, size_t i)
{
	while (i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80)
		i--;
	return i;
}

void ecsctl_diff_render_value(struct ecsctl_buf *out, const json_t *value, size_t max)
{
	char *s;
	size_t len, head, tail;

	if (!value) {
		ecsctl_buf_adds(out, "(absent)");
		return;
	}
	if (max && max < 16)
		max = 16;
	s = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
	if (!s) {
		ecsctl_buf_fail(out);
		return;
	}
	len = strlen(s);
	if (!max || len <= max) {
		ecsctl_buf_add(out, s, len);
	} else {
		/* Keep both ends: image tags and ARNs differ at the end. */
		head = char_start(s, (max - 5) * 2 / 3);
		tail = char_start(s, len - (max - 5) / 3);
		ecsctl_buf_add(out, s, head);
		ecsctl_buf_adds(out, " ... ");
		ecsctl_buf_add(out, s + tail, len - tail);
	}
	free(s);
}

static int forces(const json_t *members, const char *path)
{
	size_t i, n = strcspn(path, ".[");
	json_t *m;

	json_array_foreach(members, i, m)
		if (json_is_string(m) && strlen(json_string_value(m)) == n &&
		    strncmp(json_string_value(m), path, n) == 0)
			return 1;
	return 0;
}

static void header(struct ecsctl_buf *out, enum ecsctl_diff_action a, const char *kind,
                   const char *name, bool color)
{
	/* an unknown action (a corrupt plan) reads as an update, as it always did */
	const struct action_look *l = look(a) ? look(a) : look(ECSCTL_DIFF_UPDATE);
	const char *sym = l->sym, *col = l->col, *what = l->what;

	ecsctl_buf_addf(out, "%*s", strlen(sym) < 3 ? 2 : 0, "");
	if (color)
		ecsctl_buf_addf(out, "%s%s%s", col, sym, RESET);
	else
		ecsctl_buf_adds(out, sym);
	ecsctl_buf_adds(out, " ");
	if (color)
		ecsctl_buf_adds(out, BOLD);
	add_safe(out, kind);
	ecsctl_buf_adds(out, " \"");
	add_safe(out, name);
	ecsctl_buf_adds(out, "\"");
	if (color)
		ecsctl_buf_adds(out, RESET);
	ecsctl_buf_addf(out, " %s\n", what);
}

void ecsctl_diff_render_text(struct ecsctl_buf *out, enum ecsctl_diff_action action,
                             const char *kind, const char *name,
                             const struct ecsctl_diff_changes *changes,
                             const struct ecsctl_diff_render_options *opts)
{
	struct ecsctl_diff_render_options none = ECSCTL_DIFF_RENDER_OPTIONS_INIT;
	const struct ecsctl_diff_render_options *o = opts ? opts : &none;
	size_t i;

	header(out, action, kind, name, o->color);
	if (!o->compact) {
		diff_render_nested(out, changes, o, 6);
		return;
	}
	for (i = 0; changes && i < changes->count; i++) {
		const struct ecsctl_diff_change *c = &changes->items[i];
		json_t *b = ecsctl_diff_mask_value(c->path, c->before, o->mask);
		json_t *a = ecsctl_diff_mask_value(c->path, c->after, o->mask);
		const char *sym = !c->before ? "+" : !c->after ? "-" : "~";
		const char *col = !c->before ? GREEN : !c->after ? RED : YELLOW;

		if ((c->before && !b) || (c->after && !a)) {
			ecsctl_buf_fail(out);
		} else {
			ecsctl_buf_adds(out, "      ");
			if (o->color)
				ecsctl_buf_addf(out, "%s%s%s ", col, sym, RESET);
			else
				ecsctl_buf_addf(out, "%s ", sym);
			add_safe(out, c->path);
			ecsctl_buf_adds(out, ": ");
			if (c->before && c->after) {
				ecsctl_diff_render_value(out, b, o->max_value);
				ecsctl_buf_adds(out, " -> ");
				ecsctl_diff_render_value(out, a, o->max_value);
			} else {
				ecsctl_diff_render_value(out, c->after ? a : b, o->max_value);
			}
			if (forces(o->forces_replacement, c->path))
				ecsctl_buf_adds(out, o->color ? " " RED "# forces replacement" RESET
				                              : " # forces replacement");
			ecsctl_buf_addch(out, '\n');
		}
		json_decref(a);
		json_decref(b);
	}
}
