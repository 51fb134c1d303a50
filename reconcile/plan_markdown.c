/*
 * The plan as GitHub-flavoured Markdown, for a pull request comment or a CI
 * job summary ($GITHUB_STEP_SUMMARY): a heading naming the commit, a summary
 * table, then one collapsed <details> per resource holding its text diff in
 * a ```diff block. A comment takes at most 65,536 characters: what does not
 * fit is named in a tail instead of being cut mid-block.
 */
#include <stdlib.h>
#include <string.h>

#include "reconcile_int.h"
#include "banned.h"

#define DEFAULT_MAX_BYTES 65000
#define MAX_MEMBERS 6     /* changed members listed per table row */
#define TAIL_RESERVE 2048 /* kept free for the "N more resources" tail */

/* Longest run of backticks in s[0..n). */
static size_t backtick_run(const char *s, size_t n)
{
	size_t i, run = 0, best = 0;

	for (i = 0; i < n; i++) {
		run = s[i] == '`' ? run + 1 : 0;
		if (run > best)
			best = run;
	}
	return best;
}

/* A code span that survives any content: a delimiter longer than any
 * backtick run inside, `|` escaped (a table would split the cell there),
 * line breaks and control characters as spaces. */
static void md_code(struct ecsctl_buf *out, const char *s, size_t n)
{
	size_t ticks = backtick_run(s, n) + 1, i;
	int pad = n && (s[0] == '`' || s[n - 1] == '`');

	for (i = 0; i < ticks; i++)
		ecsctl_buf_addch(out, '`');
	if (pad)
		ecsctl_buf_addch(out, ' ');
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '|')
			ecsctl_buf_adds(out, "\\|");
		else
			ecsctl_buf_addch(out, c < 0x20 || c == 0x7f ? ' ' : c);
	}
	if (pad)
		ecsctl_buf_addch(out, ' ');
	for (i = 0; i < ticks; i++)
		ecsctl_buf_addch(out, '`');
}

static void md_code_s(struct ecsctl_buf *out, const char *s)
{
	md_code(out, s, strlen(s));
}

/* Text inside raw HTML (<summary>): entities only. */
static void html_text(struct ecsctl_buf *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			ecsctl_buf_adds(out, "&lt;");
		else if (*s == '>')
			ecsctl_buf_adds(out, "&gt;");
		else if (*s == '&')
			ecsctl_buf_adds(out, "&amp;");
		else if (*s == '"')
			ecsctl_buf_adds(out, "&quot;");
		else
			ecsctl_buf_addch(out, (unsigned char)*s < 0x20 ? ' ' : *s);
	}
}

/* What a change's path says changed, at the grain a table can hold: the
 * first step whole ("containerDefinitions[web]", "desiredCount"), plus the
 * member under a list entry ("containerDefinitions[web].environment"). */
static size_t member_len(const char *path)
{
	size_t n = strcspn(path, ".[");
	const char *close;

	if (path[n] != '[')
		return n;
	while (path[n] == '[' && (close = strchr(path + n, ']')))
		n = (size_t)(close - path) + 1;
	if (path[n] == '.')
		n += 1 + strcspn(path + n + 1, ".[");
	return n;
}

static void table_row(struct ecsctl_buf *out, const struct ecsctl_plan_op *op)
{
	const struct ecsctl_diff_changes *c = &op->changes;
	size_t i, j, shown = 0, distinct = 0, n;

	ecsctl_buf_addf(out, "| %s ", ecsctl_kind_name(op->kind));
	md_code_s(out, op->name);
	ecsctl_buf_addf(out, " | %s | ", ecsctl_diff_action_name(op->action));
	for (i = 0; i < c->count; i++) {
		int seen = 0;
		n = member_len(c->items[i].path);
		for (j = 0; j < i && !seen; j++)
			seen = member_len(c->items[j].path) == n &&
			       !strncmp(c->items[j].path, c->items[i].path, n);
		if (seen)
			continue;
		distinct++;
		if (shown == MAX_MEMBERS)
			continue;
		ecsctl_buf_adds(out, shown++ ? ", " : "");
		md_code(out, c->items[i].path, n);
	}
	if (distinct > shown)
		ecsctl_buf_addf(out, " and %zu more", distinct - shown);
	if (!c->count)
		ecsctl_buf_adds(out, "-");
	ecsctl_buf_adds(out, " |\n");
}

/*
 * Text lines in a ```diff block: the symbol of a changed line ("  ~ image")
 * is repeated in the first column, where GitHub's diff highlighting reads
 * it ("+" green, "-" red, "!" for "~", as tfcmt does for Terraform).
 */
static void diff_block(struct ecsctl_buf *out, const struct ecsctl_buf *text)
{
	const char *s = text->buf, *end = text->buf + text->len, *nl;
	size_t ticks = backtick_run(text->buf, text->len) + 1, i;

	if (ticks < 3)
		ticks = 3;
	for (i = 0; i < ticks; i++)
		ecsctl_buf_addch(out, '`');
	ecsctl_buf_adds(out, "diff\n");
	while (s < end) {
		size_t len, sp;
		nl = memchr(s, '\n', (size_t)(end - s));
		len = nl ? (size_t)(nl - s) : (size_t)(end - s);
		sp = strspn(s, " ");
		if (sp && sp < len && strchr("+-~", s[sp]) && sp + 1 < len &&
		    (s[sp + 1] == ' ' || s[sp + 1] == '/')) {
			ecsctl_buf_addch(out, s[sp] == '~' ? '!' : s[sp]);
			ecsctl_buf_add(out, s + 1, len - 1);
		} else {
			ecsctl_buf_add(out, s, len);
		}
		ecsctl_buf_addch(out, '\n');
		s = nl ? nl + 1 : end;
	}
	for (i = 0; i < ticks; i++)
		ecsctl_buf_addch(out, '`');
	ecsctl_buf_addch(out, '\n');
}

static void section(struct ecsctl_buf *out, const struct ecsctl_plan *p, size_t i,
                    const struct ecsctl_diff_mask *mk, bool compact)
{
	const struct ecsctl_plan_op *op = &p->ops[i];
	struct ecsctl_buf text = ECSCTL_BUF_INIT;

	reconcile_plan_render_op(&text, p, i, mk, false, compact);
	ecsctl_buf_addf(out, "<details><summary>%s <code>", ecsctl_kind_name(op->kind));
	html_text(out, op->name);
	ecsctl_buf_addf(out, "</code>: %s", ecsctl_diff_action_name(op->action));
	/* what the rollout does is the reviewer's first question: in sight */
	if (json_is_true(json_object_get(op->rollout, "startsDeployment")) &&
	    json_string_value(json_object_get(op->rollout, "description"))) {
		ecsctl_buf_adds(out, ", ");
		html_text(out, json_string_value(json_object_get(op->rollout, "description")));
	}
	ecsctl_buf_adds(out, "</summary>\n\n");
	diff_block(out, &text);
	ecsctl_buf_adds(out, "\n</details>\n\n");
	ecsctl_buf_fail_from(out, &text);
	ecsctl_buf_release(&text);
}

/* One table row per hook: where it runs in the order, and its command. */
static void hook_rows(struct ecsctl_buf *out, const struct ecsctl_plan *p)
{
	const json_t *h;
	size_t i;

	json_array_foreach(p->hooks, i, h) {
		const json_t *cmd = json_object_get(h, "command");
		char *c = cmd ? json_dumps(cmd, JSON_COMPACT) : NULL;

		ecsctl_buf_adds(out, "| Hook ");
		md_code_s(out, json_string_value(json_object_get(h, "name")));
		ecsctl_buf_adds(out, " | run before the services change | ");
		if (c)
			md_code_s(out, c);
		else
			ecsctl_buf_adds(out, "its task definition's command");
		ecsctl_buf_adds(out, " |\n");
		free(c);
	}
}

static void hook_section(struct ecsctl_buf *out, const struct ecsctl_plan *p)
{
	struct ecsctl_buf text = ECSCTL_BUF_INIT;

	if (!json_array_size(p->hooks))
		return;
	reconcile_render_hooks(&text, p, false);
	ecsctl_buf_rtrim(&text);
	ecsctl_buf_adds(out, "<details><summary>Hooks: run after the registers, before the "
	                     "services change</summary>\n\n");
	diff_block(out, &text);
	ecsctl_buf_adds(out, "\n</details>\n\n");
	ecsctl_buf_fail_from(out, &text);
	ecsctl_buf_release(&text);
}

static void tail(struct ecsctl_buf *out, const struct ecsctl_plan *p, size_t from, size_t max_bytes)
{
	size_t n = p->count - from, i, limit = out->len + TAIL_RESERVE - 200;

	ecsctl_buf_addf(out, "**%zu more resource%s not shown in full**", n, n == 1 ? "" : "s");
	for (i = from; i < p->count && out->len < limit; i++) {
		ecsctl_buf_adds(out, i == from ? ": " : ", ");
		ecsctl_buf_addf(out, "%s ", ecsctl_kind_name(p->ops[i].kind));
		md_code_s(out, p->ops[i].name);
	}
	if (i < p->count)
		ecsctl_buf_addf(out, " and %zu others", p->count - i);
	ecsctl_buf_addf(out,
	                ": this comment stops at %zu characters (GitHub takes 65,536); "
	                "run `ecsctl plan` for the whole plan.\n",
	                max_bytes);
}

void ecsctl_plan_render_markdown(struct ecsctl_buf *out, const struct ecsctl_plan *p,
                                 const struct ecsctl_plan_render_options *opts)
{
	struct ecsctl_plan_render_options none = ECSCTL_PLAN_RENDER_OPTIONS_INIT;
	const struct ecsctl_plan_render_options *o = opts ? opts : &none;
	size_t max = o->max_bytes ? o->max_bytes : DEFAULT_MAX_BYTES;
	size_t start = out->len, budget, rows = 0, i;
	struct ecsctl_diff_mask mk = ECSCTL_DIFF_MASK_INIT;
	struct ecsctl_buf part = ECSCTL_BUF_INIT;

	budget = max > TAIL_RESERVE ? max - TAIL_RESERVE : 0;
	ecsctl_buf_adds(out, "### ecsctl plan for ");
	reconcile_plan_title(out, p, md_code);
	ecsctl_buf_adds(out, "\n\n");
	if (!p->count && !json_array_size(p->unstable)) {
		ecsctl_buf_adds(out, "**No changes.** Live ECS matches git.\n");
		return;
	}
	if (reconcile_plan_mask(&mk, p)) {
		ecsctl_buf_fail(out);
		return;
	}
	if (p->count) {
		ecsctl_buf_adds(out, "**");
		reconcile_plan_summary_line(out, p);
		ecsctl_buf_adds(out,
		                "**\n\n| Resource | Action | Changed members |\n|---|---|---|\n");
	}
	/* the table first, then as many resources in full as fit */
	for (; rows < p->count; rows++) {
		ecsctl_buf_reset(&part);
		if (p->ops[rows].phase >= ECSCTL_PHASE_SERVICES &&
		    (!rows || p->ops[rows - 1].phase < ECSCTL_PHASE_SERVICES))
			hook_rows(&part, p);
		table_row(&part, &p->ops[rows]);
		if (out->len - start + part.len > budget / 2)
			break;
		ecsctl_buf_add(out, part.buf, part.len);
	}
	if (rows == p->count && (!rows || p->ops[rows - 1].phase < ECSCTL_PHASE_SERVICES))
		hook_rows(out, p);
	ecsctl_buf_adds(out, "\n");
	hook_section(out, p);
	if (json_array_size(p->unstable)) {
		ecsctl_buf_reset(&part);
		reconcile_render_unstable(&part, p);
		diff_block(out, &part);
		ecsctl_buf_adds(out, "\n");
	}
	for (i = 0; i < rows; i++) {
		ecsctl_buf_reset(&part);
		section(&part, p, i, &mk, o->compact);
		if (out->len - start + part.len > budget)
			break;
		ecsctl_buf_add(out, part.buf, part.len);
	}
	if (i < p->count)
		tail(out, p, i, max);
	ecsctl_buf_fail_from(out, &part);
	ecsctl_buf_release(&part);
	free((void *)mk.names);
}
