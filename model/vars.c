/*
 * ${NAME}, ${NAME:-default} and $${ in scalar values, before typing, so a
 * plain `${PORT:-80}` still becomes the integer 80.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ecsctl/buf.h"
#include "model_int.h"
#include "banned.h"

static const char *lookup(const struct model_vars *v, const char *name, size_t n, bool *builtin)
{
	const char *const *env = v->env ? v->env : (const char *const *)environ;
	size_t i;

	*builtin = false;
	for (i = 0; i < 3; i++) {
		if (v->builtin[i][0] && strlen(v->builtin[i][0]) == n &&
		    !memcmp(v->builtin[i][0], name, n)) {
			*builtin = true;
			return v->builtin[i][1];
		}
	}
	for (i = 0; env && env[i]; i++)
		if (!strncmp(env[i], name, n) && env[i][n] == '=')
			return env[i] + n + 1;
	return NULL;
}

static bool name_ok(const char *s, size_t n)
{
	size_t i;

	if (!n || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_'))
			return false;
	}
	return true;
}

/* Column of byte `off` in a plain one-line scalar; its start otherwise (quotes
 * and escapes make the exact column unknowable from the value alone). */
static unsigned column_at(const struct mnode *n, size_t off)
{
	unsigned col = n->column;
	size_t i;

	if (n->quoted || memchr(n->value, '\n', n->len))
		return n->column;
	for (i = 0; i < off; i++)
		if (((unsigned char)n->value[i] & 0xc0) != 0x80)
			col++;
	return col;
}

static size_t substitute(struct mnode *n, const struct model_vars *v, const char *file,
                         struct ecsctl_diags *diags)
{
	struct ecsctl_buf out = ECSCTL_BUF_INIT;
	const char *s = n->value;
	size_t i = 0, errors = 0;

	while (i < n->len) {
		const char *close, *dflt = NULL, *val, *name;
		size_t nlen;
		bool builtin;

		if (s[i] != '$') {
			ecsctl_buf_addch(&out, s[i++]);
			continue;
		}
		if (s[i + 1] == '$' && s[i + 2] == '{') {
			ecsctl_buf_adds(&out, "${");
			i += 3;
			continue;
		}
		if (s[i + 1] != '{') {
			ecsctl_buf_addch(&out, s[i++]);
			continue;
		}
		close = strchr(s + i + 2, '}');
		if (!close) {
			ecsctl_diags_add(diags, ECSCTL_ERROR, file, n->line, column_at(n, i), NULL,
			                 NULL,
			                 "unterminated '${' (write '$${' for a literal '${')");
			errors++;
			break;
		}
		name = s + i + 2;
		nlen = (size_t)(close - name);
		{
			const char *sep = strstr(name, ":-");
			if (sep && sep < close) {
				dflt = sep + 2;
				nlen = (size_t)(sep - name);
			}
		}
		if (!name_ok(name, nlen)) {
			ecsctl_diags_add(
			    diags, ECSCTL_ERROR, file, n->line, column_at(n, i), NULL, NULL,
			    "invalid variable reference '%.*s' (use ${NAME} or ${NAME:-default})",
			    (int)(close - s - i + 1), s + i);
			errors++;
		} else {
			val = lookup(v, name, nlen, &builtin);
			if (dflt && (!val || !*val))
				ecsctl_buf_add(&out, dflt, (size_t)(close - dflt));
			else if (val)
				ecsctl_buf_adds(&out, val);
			else {
				ecsctl_diags_add(
				    diags, ECSCTL_ERROR, file, n->line, column_at(n, i), NULL, NULL,
				    "variable '%.*s' is not set%s", (int)nlen, name,
				    builtin ? " (the config root is not read from git)" : "");
				errors++;
			}
		}
		i = (size_t)(close - s) + 1;
	}
	if (ecsctl_buf_failed(&out)) {
		ecsctl_buf_release(&out);
		ecsctl_diags_add(diags, ECSCTL_ERROR, file, n->line, n->column, NULL, NULL,
		                 "out of memory");
		return errors + 1;
	}
	free(n->value);
	n->substituted = true;
	n->len = out.len;
	n->value = ecsctl_buf_detach(&out);
	if (!n->value) { /* detach of an empty buffer failed: keep a valid string */
		n->value = calloc(1, 1);
		n->len = 0;
	}
	return errors;
}

size_t model_vars_apply(struct mnode *n, const struct model_vars *vars, const char *file,
                        struct ecsctl_diags *diags)
{
	size_t i, errors = 0;

	if (!n || !model_diag_room(diags))
		return 0;
	switch (n->type) {
	case MNODE_SCALAR:
		if (memchr(n->value, '$', n->len))
			errors += substitute(n, vars, file, diags);
		break;
	case MNODE_SEQ:
		for (i = 0; i < n->count; i++)
			errors += model_vars_apply(n->items[i], vars, file, diags);
		break;
	case MNODE_MAP:
		for (i = 0; i < n->count; i++)
			errors += model_vars_apply(n->entries[i].value, vars, file, diags);
		break;
	}
	return errors;
}
