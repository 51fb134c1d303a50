/*
 * The nested view of one resource's changes, after `terraform plan`:
 * changes grouped under the objects they sit in, only the changed leaves
 * shown, unchanged siblings counted, every value in full, multi-line strings
 * and lists compared line by line. Nothing is shortened: a reviewer cannot
 * approve what is cut out.
 */
#include <stdlib.h>
#include <string.h>

#include "diff_int.h"
#include "banned.h"

#define GREEN "\033[32m"
#define YELLOW "\033[33m"
#define RED "\033[31m"
#define RESET "\033[0m"

/* Above this many cells the line diff of two lists gives up on a minimal
 * edit and shows all removed, then all added (still complete, only longer). */
#define MAX_LCS_CELLS 250000

/* One step of the path: "containerDefinitions[web]", then "image". */
struct node {
	char *label;
	char *path;                              /* the full path up to here */
	size_t member_len;                       /* of label, before any "[key]" */
	const struct ecsctl_diff_change *change; /* a change exactly here, or NULL */
	struct node **kids;
	size_t nkids, alloc;
};

struct render {
	struct ecsctl_buf *out;
	const struct ecsctl_diff_render_options *o;
	const struct ecsctl_diff_changes *changes;
	size_t width; /* of the longest label among the siblings being drawn: their `=` align */
};

static void node_free(struct node *n)
{
	size_t i;

	if (!n)
		return;
	for (i = 0; i < n->nkids; i++)
		node_free(n->kids[i]);
	free(n->kids);
	free(n->label);
	free(n->path);
	free(n);
}

/* Length of the step at `s`: a member name, then any "[key]" groups. */
static size_t step_len(const char *s, size_t *member_len)
{
	size_t i = strcspn(s, ".[");
	const char *close;

	*member_len = i;
	while (s[i] == '[') {
		close = strchr(s + i, ']');
		if (!close)
			return strlen(s);
		i = (size_t)(close - s) + 1;
	}
	return i;
}

static struct node *kid(struct node *n, const char *path, size_t off, size_t len, size_t mlen)
{
	struct node *k;
	size_t i;

	for (i = 0; i < n->nkids; i++)
		if (strlen(n->kids[i]->label) == len &&
		    !strncmp(n->kids[i]->label, path + off, len))
			return n->kids[i];
	if (n->nkids == n->alloc) {
		size_t na = n->alloc ? n->alloc * 2 : 4;
		struct node **v = realloc(n->kids, na * sizeof(*v));
		if (!v)
			return NULL;
		n->kids = v;
		n->alloc = na;
	}
	k = calloc(1, sizeof(*k));
	if (!k)
		return NULL;
	k->label = strndup(path + off, len);
	k->path = strndup(path, off + len);
	k->member_len = mlen;
	if (!k->label || !k->path) {
		node_free(k);
		return NULL;
	}
	n->kids[n->nkids++] = k;
	return k;
}

static int insert(struct node *root, const struct ecsctl_diff_change *c)
{
	const char *p = c->path;
	struct node *n = root;
	size_t off = 0, len, mlen;

	while (p[off]) {
		len = step_len(p + off, &mlen);
		if (!(n = kid(n, p, off, len, mlen)))
			return -1;
		off += len;
		if (p[off] == '.')
			off++;
	}
	n->change = c;
	return 0;
}

/* ---- lines ------------------------------------------------------------- */

static void indent(struct render *r, size_t n)
{
	while (n--)
		ecsctl_buf_addch(r->out, ' ');
}

/* `sym` is '+', '-', '~' or ' ' (context). */
static void put_sym(struct render *r, char sym)
{
	const char *col = sym == '+' ? GREEN : sym == '-' ? RED : YELLOW;

	if (r->o->color && sym != ' ')
		ecsctl_buf_addf(r->out, "%s%c%s ", col, sym, RESET);
	else
		ecsctl_buf_addf(r->out, "%c ", sym);
}

/* Keys and string lines may hold anything: no terminal escapes. */
static void add_safe(struct ecsctl_buf *out, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\t')
			ecsctl_buf_addch(out, ' ');
		else if (c != '\r')
			ecsctl_buf_addch(out, c < 0x20 || c == 0x7f ? '?' : c);
	}
}

static void line_start(struct render *r, size_t ind, char sym, const char *label)
{
	indent(r, ind);
	put_sym(r, sym);
	if (label)
		add_safe(r->out, label, strlen(label));
}

/* " = " after `label`, aligned with its siblings' (nothing without a label). */
static void equals(struct render *r, const char *label)
{
	size_t n = label ? strlen(label) : 0;

	if (!label)
		return;
	for (; n < r->width; n++)
		ecsctl_buf_addch(r->out, ' ');
	ecsctl_buf_adds(r->out, " = ");
}

static void line_end(struct render *r, const char *note)
{
	if (note)
		ecsctl_buf_adds(r->out, r->o->color ? " " RED "# forces replacement" RESET
		                                    : " # forces replacement");
	ecsctl_buf_addch(r->out, '\n');
}

static void comment(struct render *r, size_t ind, size_t n, const char *what, const char *one,
                    const char *many)
{
	indent(r, ind);
	ecsctl_buf_addf(r->out, "# (%zu unchanged %s%s%s hidden)\n", n, what ? what : "",
	                what ? " " : "", n == 1 ? one : many);
}

static int multiline(const json_t *v)
{
	return json_is_string(v) && memchr(json_string_value(v), '\n', json_string_length(v));
}

/* A scalar as JSON; a masked value bare, as Terraform shows (sensitive). */
static void scalar(struct render *r, const json_t *v)
{
	char *s;

	if (json_is_string(v) && !strcmp(json_string_value(v), ECSCTL_DIFF_MASKED)) {
		ecsctl_buf_adds(r->out, ECSCTL_DIFF_MASKED);
		return;
	}
	s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	if (!s) {
		ecsctl_buf_fail(r->out);
		return;
	}
	ecsctl_buf_adds(r->out, s);
	free(s);
}

/* ---- whole values (added, removed) ------------------------------------- */

static void value(struct render *r, char sym, const char *label, const json_t *v, size_t ind,
                  const char *note, int comma);

static void heredoc(struct render *r, char sym, const char *label, const json_t *v, size_t ind,
                    const char *note)
{
	const char *s = json_string_value(v), *end = s + json_string_length(v), *nl;

	line_start(r, ind, sym, label);
	equals(r, label);
	ecsctl_buf_adds(r->out, "<<-EOT");
	line_end(r, note);
	while (s < end) {
		nl = memchr(s, '\n', (size_t)(end - s));
		indent(r, ind + 4);
		add_safe(r->out, s, nl ? (size_t)(nl - s) : (size_t)(end - s));
		ecsctl_buf_addch(r->out, '\n');
		s = nl ? nl + 1 : end;
	}
	indent(r, ind + 2);
	ecsctl_buf_adds(r->out, "EOT\n");
}

static int block(const json_t *v)
{
	return json_is_object(v) && json_object_size(v);
}

static void value(struct render *r, char sym, const char *label, const json_t *v, size_t ind,
                  const char *note, int comma)
{
	size_t i, width = r->width;
	const char *k;
	json_t *m;

	if (multiline(v)) {
		heredoc(r, sym, label, v, ind, note);
		return;
	}
	line_start(r, ind, sym, label);
	if (block(v)) {
		ecsctl_buf_adds(r->out, label ? " {" : "{");
		line_end(r, note);
		r->width = 0;
		json_object_foreach((json_t *)v, k, m)
			if (!block(m) && strlen(k) > r->width)
				r->width = strlen(k);
		json_object_foreach((json_t *)v, k, m)
			value(r, sym, k, m, ind + 4, NULL, 0);
		r->width = width;
		indent(r, ind + 2);
		ecsctl_buf_adds(r->out, comma ? "},\n" : "}\n");
	} else if (json_is_array(v) && json_array_size(v)) {
		equals(r, label);
		ecsctl_buf_addch(r->out, '[');
		line_end(r, note);
		json_array_foreach(v, i, m)
			value(r, sym, NULL, m, ind + 4, NULL, 1);
		indent(r, ind + 2);
		ecsctl_buf_adds(r->out, comma ? "],\n" : "]\n");
	} else {
		equals(r, label);
		scalar(r, v);
		if (comma)
			ecsctl_buf_addch(r->out, ',');
		line_end(r, note);
	}
}

/* ---- sequences compared item by item ------------------------------------ */

/*
 * The edit script turning array `a` into array `b`: '=' (one item of each),
 * '-' (one of a), '+' (one of b), a longest common subsequence kept. NULL
 * when out of memory.
 */
static char *edit_script(const json_t *a, const json_t *b)
{
	size_t n = json_array_size(a), m = json_array_size(b), i, j, k = 0, pre = 0, suf = 0;
	unsigned *L = NULL;
	char *ops = malloc(n + m + 1);

	if (!ops)
		return NULL;
	while (pre < n && pre < m && json_equal(json_array_get(a, pre), json_array_get(b, pre)))
		pre++;
	while (suf < n - pre && suf < m - pre &&
	       json_equal(json_array_get(a, n - 1 - suf), json_array_get(b, m - 1 - suf)))
		suf++;
	memset(ops, '=', pre);
	k = pre;
	n -= pre + suf;
	m -= pre + suf;
	if (n && m && (n + 1) * (m + 1) <= MAX_LCS_CELLS)
		L = calloc((n + 1) * (m + 1), sizeof(*L));
	if (L) {
#define AT(x, y) L[(x) * (m + 1) + (y)]
		for (i = n; i-- > 0;)
			for (j = m; j-- > 0;)
				AT(i, j) = json_equal(json_array_get(a, pre + i),
				                      json_array_get(b, pre + j))
				               ? AT(i + 1, j + 1) + 1
				           : AT(i + 1, j) >= AT(i, j + 1) ? AT(i + 1, j)
				                                          : AT(i, j + 1);
		for (i = j = 0; i < n || j < m;) {
			if (i < n && j < m &&
			    json_equal(json_array_get(a, pre + i), json_array_get(b, pre + j))) {
				ops[k++] = '=';
				i++, j++;
			} else if (j == m || (i < n && AT(i + 1, j) >= AT(i, j + 1))) {
				ops[k++] = '-';
				i++;
			} else {
				ops[k++] = '+';
				j++;
			}
		}
#undef AT
		free(L);
	} else {
		memset(ops + k, '-', n);
		memset(ops + k + n, '+', m);
		k += n + m;
	}
	memset(ops + k, '=', suf);
	ops[k + suf] = '\0';
	return ops;
}

static void update(struct render *r, const char *label, const json_t *b, const json_t *a,
                   size_t ind, const char *note);

/* Equal items kept on each side of a change, as a unified diff's context;
 * the rest of a run of equal items is counted, not shown. */
#define CONTEXT 2

static void context_item(struct render *r, const json_t *e, size_t ind, int lines)
{
	if (lines) {
		indent(r, ind + 2);
		add_safe(r->out, json_string_value(e), json_string_length(e));
		ecsctl_buf_addch(r->out, '\n');
	} else {
		value(r, ' ', NULL, e, ind, NULL, 1);
	}
}

/* b[j..j+run): equal on both sides; `first`/`last`: no change before/after. */
static void equal_run(struct render *r, const json_t *b, size_t j, size_t run, int first, int last,
                      size_t ind, int lines)
{
	size_t head = first ? 0 : CONTEXT, tail = last ? 0 : CONTEXT, t;

	if (head + tail + 1 >= run) /* a comment would hide one line at most */
		head = run, tail = 0;
	for (t = 0; t < head; t++)
		context_item(r, json_array_get(b, j + t), ind, lines);
	if (run > head + tail)
		comment(r, ind + 2, run - head - tail, NULL, lines ? "line" : "element",
		        lines ? "lines" : "elements");
	for (t = run - tail; t < run; t++)
		context_item(r, json_array_get(b, j + t), ind, lines);
}

static void sequence(struct render *r, const json_t *a, const json_t *b, size_t ind, int lines)
{
	char *ops = edit_script(a, b);
	size_t i = 0, j = 0, k, run;

	if (!ops) {
		ecsctl_buf_fail(r->out);
		return;
	}
	for (k = 0; ops[k];) {
		if (ops[k] == '=') {
			for (run = 0; ops[k + run] == '='; run++)
				;
			equal_run(r, b, j, run, k == 0, !ops[k + run], ind, lines);
			i += run, j += run, k += run;
			continue;
		}
		if (!lines && ops[k] == '-' && ops[k + 1] == '+' &&
		    json_is_string(json_array_get(a, i)) && json_is_string(json_array_get(b, j)) &&
		    (multiline(json_array_get(a, i)) || multiline(json_array_get(b, j)))) {
			/* a script in a command list: its lines compared */
			update(r, NULL, json_array_get(a, i), json_array_get(b, j), ind, NULL);
			i++, j++, k += 2;
			continue;
		}
		{
			const json_t *e = ops[k] == '-' ? json_array_get(a, i++)
			                                : json_array_get(b, j++);
			if (lines) {
				line_start(r, ind, ops[k], NULL);
				add_safe(r->out, json_string_value(e), json_string_length(e));
				ecsctl_buf_addch(r->out, '\n');
			} else {
				value(r, ops[k], NULL, e, ind, NULL, 1);
			}
		}
		k++;
	}
	free(ops);
}

/* The lines of a string as an array of strings. */
static json_t *split_lines(const json_t *v)
{
	const char *s = json_string_value(v), *end = s + json_string_length(v), *nl;
	json_t *arr = json_array();

	while (arr && s <= end) {
		nl = memchr(s, '\n', (size_t)(end - s));
		if (json_array_append_new(
		        arr, json_stringn(s, nl ? (size_t)(nl - s) : (size_t)(end - s)))) {
			json_decref(arr);
			return NULL;
		}
		if (!nl)
			break;
		s = nl + 1;
	}
	return arr;
}

/* ---- one change -------------------------------------------------------- */

/* Below this, a JSON document in a string reads fine on one line. */
#define JSON_TEXT_MIN 80

/* A string holding a JSON object or array (a config in an environment
 * variable, a label), indented one member a line so that its lines can be
 * compared; NULL when it is not one. New reference. */
static json_t *json_text(const json_t *v)
{
	const char *s = json_string_value(v);
	json_t *doc, *out = NULL;
	char *text;

	s += strspn(s, " \t\r\n");
	if (*s != '{' && *s != '[')
		return NULL;
	doc = json_loads(s, JSON_DECODE_ANY, NULL);
	if ((json_is_object(doc) && json_object_size(doc)) ||
	    (json_is_array(doc) && json_array_size(doc))) {
		text = json_dumps(doc, JSON_INDENT(2));
		out = text ? json_string(text) : NULL;
		free(text);
	}
	json_decref(doc);
	return out;
}

/* A changed list or text in place: "~ label = OPEN", the element-wise
 * sequence of `b` to `a` (`lines`: of a text's lines), CLOSE. */
static void update_sequence(struct render *r, const char *label, const json_t *b, const json_t *a,
                            size_t ind, const char *note, const char *open, int lines,
                            const char *close)
{
	line_start(r, ind, '~', label);
	equals(r, label);
	ecsctl_buf_adds(r->out, open);
	line_end(r, note);
	sequence(r, b, a, ind + 4, lines);
	indent(r, ind + 2);
	ecsctl_buf_adds(r->out, close);
}

static void update(struct render *r, const char *label, const json_t *b, const json_t *a,
                   size_t ind, const char *note)
{
	json_t *lb = NULL, *la = NULL;

	if (json_is_string(b) && json_is_string(a) && !multiline(b) && !multiline(a) &&
	    (json_string_length(b) > JSON_TEXT_MIN || json_string_length(a) > JSON_TEXT_MIN) &&
	    (lb = json_text(b)) && (la = json_text(a))) {
		update(r, label, lb, la, ind, note);
		json_decref(lb);
		json_decref(la);
		return;
	}
	json_decref(lb);
	if (json_equal((json_t *)b, (json_t *)a)) {
		/* equal once masked: a sensitive part changed */
		value(r, '~', label, a, ind, note, 0);
	} else if (json_is_string(b) && json_is_string(a) && (multiline(b) || multiline(a))) {
		lb = split_lines(b);
		la = split_lines(a);
		if (!lb || !la)
			ecsctl_buf_fail(r->out);
		else
			update_sequence(r, label, lb, la, ind, note, "<<-EOT", 1, "EOT\n");
		json_decref(lb);
		json_decref(la);
	} else if (json_is_array(b) && json_is_array(a)) {
		update_sequence(r, label, b, a, ind, note, "[", 0, "]\n");
	} else if (!json_is_object(b) && !json_is_array(b) && !json_is_object(a) &&
	           !json_is_array(a) && !multiline(b) && !multiline(a)) {
		line_start(r, ind, '~', label);
		equals(r, label);
		scalar(r, b);
		ecsctl_buf_adds(r->out, " -> ");
		scalar(r, a);
		line_end(r, note);
	} else {
		value(r, '-', label, b, ind, note, 0);
		value(r, '+', label, a, ind, note, 0);
	}
}

static void change(struct render *r, const struct node *n, size_t ind, const char *note)
{
	const struct ecsctl_diff_change *c = n->change;
	const char *label = *n->label ? n->label : "(value)";
	json_t *b = ecsctl_diff_mask_value(c->path, c->before, r->o->mask);
	json_t *a = ecsctl_diff_mask_value(c->path, c->after, r->o->mask);

	if ((c->before && !b) || (c->after && !a))
		ecsctl_buf_fail(r->out);
	else if (b && a)
		update(r, label, b, a, ind, note);
	else if (a)
		value(r, '+', label, a, ind, note, 0);
	else if (b)
		value(r, '-', label, b, ind, note, 0);
	json_decref(a);
	json_decref(b);
}

/* ---- the tree ---------------------------------------------------------- */

static size_t unchanged_at(const struct render *r, const char *path)
{
	return (size_t)json_integer_value(json_object_get(r->changes->unchanged, path));
}

/* The counts of what is hidden under `n`: the entries of each list a kid
 * is an entry of ("environment[X]" -> the list "environment"), then n's
 * own members. */
static void hidden(struct render *r, const struct node *n, size_t ind)
{
	struct ecsctl_buf list = ECSCTL_BUF_INIT, member = ECSCTL_BUF_INIT;
	size_t i, j, count;

	for (i = 0; i < n->nkids; i++) {
		const struct node *k = n->kids[i];
		int seen = 0;
		if (k->member_len == strlen(k->label))
			continue;
		for (j = 0; j < i && !seen; j++)
			seen = n->kids[j]->member_len == k->member_len &&
			       n->kids[j]->member_len != strlen(n->kids[j]->label) &&
			       !strncmp(n->kids[j]->label, k->label, k->member_len);
		if (seen)
			continue;
		ecsctl_buf_reset(&list);
		ecsctl_buf_reset(&member);
		ecsctl_buf_addf(&list, "%s%s%.*s", n->path, *n->path ? "." : "", (int)k->member_len,
		                k->label);
		add_safe(&member, k->label, k->member_len);
		count = ecsctl_buf_failed(&list) ? 0 : unchanged_at(r, list.buf);
		if (count)
			comment(r, ind, count, member.buf, "entry", "entries");
	}
	if ((count = unchanged_at(r, n->path)))
		comment(r, ind, count, NULL, "attribute", "attributes");
	ecsctl_buf_fail_from(r->out, &list);
	ecsctl_buf_fail_from(r->out, &member);
	ecsctl_buf_release(&list);
	ecsctl_buf_release(&member);
}

static int forces(const json_t *members, const struct node *n)
{
	size_t i;
	json_t *m;

	json_array_foreach(members, i, m)
		if (json_is_string(m) && strlen(json_string_value(m)) == n->member_len &&
		    !strncmp(json_string_value(m), n->label, n->member_len))
			return 1;
	return 0;
}

/* The `=` column of n's kids: the longest label among those drawn as
 * "label = value" (a change alone, not an entry added or removed whole). */
static size_t kids_width(const struct node *n)
{
	size_t i, w = 0;

	for (i = 0; i < n->nkids; i++) {
		const struct node *k = n->kids[i];
		const json_t *v;
		if (k->nkids || !k->change)
			continue;
		v = k->change->after ? k->change->after : k->change->before;
		if ((!k->change->before || !k->change->after) && block(v))
			continue;
		if (strlen(k->label) > w)
			w = strlen(k->label);
	}
	return w;
}

static void render_kids(struct render *r, const struct node *n, size_t ind, int top);

static void render_node(struct render *r, const struct node *n, size_t ind, int top)
{
	const char *note = top && forces(r->o->forces_replacement, n) ? "" : NULL;

	if (n->change)
		change(r, n, ind, note);
	if (!n->nkids)
		return;
	line_start(r, ind, '~', n->label);
	ecsctl_buf_adds(r->out, " {");
	line_end(r, n->change ? NULL : note);
	render_kids(r, n, ind + 4, 0);
	hidden(r, n, ind + 6);
	indent(r, ind + 2);
	ecsctl_buf_adds(r->out, "}\n");
}

static void render_kids(struct render *r, const struct node *n, size_t ind, int top)
{
	size_t i, width = r->width;

	r->width = kids_width(n);
	for (i = 0; i < n->nkids; i++)
		render_node(r, n->kids[i], ind, top);
	r->width = width;
}

void diff_render_nested(struct ecsctl_buf *out, const struct ecsctl_diff_changes *changes,
                        const struct ecsctl_diff_render_options *o, size_t ind)
{
	struct render r = {out, o, changes, 0};
	struct node root = {0};
	size_t i;

	root.label = "";
	root.path = "";
	for (i = 0; changes && i < changes->count; i++) {
		if (insert(&root, &changes->items[i])) {
			ecsctl_buf_fail(out);
			goto done;
		}
	}
	if (root.change)
		change(&r, &root, ind, NULL);
	render_kids(&r, &root, ind, 1);
	if (changes && changes->count)
		hidden(&r, &root, ind + 2);
done:
	for (i = 0; i < root.nkids; i++)
		node_free(root.kids[i]);
	free(root.kids);
}
