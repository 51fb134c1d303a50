/*
 * The cluster query language of ECS, the subset real users write: memberOf
 * placement constraints and ListContainerInstances filters.
 *
 *   expr    := or
 *   or      := and (("or" | "||") and)*
 *   and     := unary (("and" | "&&") unary)*
 *   unary   := ("not" | "!") unary | "(" expr ")" | subject op [argument]
 *   op      := == equals != not_equals > greater_than >= greater_than_equal
 *              < less_than <= less_than_equal exists !exists not_exists
 *              in !in not_in =~ matches !~ not_matches
 *   argument:= value | "[" value ("," value)* "]" | "(" value ("," value)* ")"
 *   value   := 'quoted' | "quoted" | bare word
 *
 * Subjects (attribute:NAME, ec2InstanceId, runningTasksCount, task:group,
 * agentVersion, agentConnected, ...) are resolved by the caller, so the
 * parser knows nothing of instances. A subject may have several values
 * (task:group); a comparison holds when one of them satisfies it, `!=`,
 * `not_in` and `!~` when none matches the argument.
 */
#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ecsctl/buf.h"
#include "sim_ec2.h"
#include "banned.h"

#define MAX_ARGS 64
#define MAX_DEPTH 32

enum q_kind { Q_AND, Q_OR, Q_NOT, Q_COND };
enum q_op {
	OP_EQ,
	OP_NE,
	OP_GT,
	OP_GE,
	OP_LT,
	OP_LE,
	OP_EXISTS,
	OP_NEXISTS,
	OP_IN,
	OP_NIN,
	OP_MATCH,
	OP_NMATCH
};

struct sim_query {
	enum q_kind kind;
	struct sim_query *a, *b;
	char *subject;
	enum q_op op;
	char **args;
	size_t nargs;
	regex_t re;
	int has_re;
};

struct lexer {
	const char *src, *p;
	int depth;
	struct ecsctl_error *err;
};

static const struct {
	const char *name;
	enum q_op op;
} op_names[] = {
    {"==", OP_EQ},
    {"equals", OP_EQ},
    {"!=", OP_NE},
    {"not_equals", OP_NE},
    {">=", OP_GE},
    {"greater_than_equal", OP_GE},
    {">", OP_GT},
    {"greater_than", OP_GT},
    {"<=", OP_LE},
    {"less_than_equal", OP_LE},
    {"<", OP_LT},
    {"less_than", OP_LT},
    {"exists", OP_EXISTS},
    {"!exists", OP_NEXISTS},
    {"not_exists", OP_NEXISTS},
    {"in", OP_IN},
    {"!in", OP_NIN},
    {"not_in", OP_NIN},
    {"=~", OP_MATCH},
    {"matches", OP_MATCH},
    {"!~", OP_NMATCH},
    {"not_matches", OP_NMATCH},
};

static int syntax(struct lexer *lx, const char *what)
{
	return sim_fail(lx->err, "InvalidParameterException",
	                "Invalid query expression at character %d: %s.", (int)(lx->p - lx->src) + 1,
	                what);
}

static void skip_space(struct lexer *lx)
{
	while (*lx->p && isspace((unsigned char)*lx->p))
		lx->p++;
}

static int word_char(char c)
{
	return c && !isspace((unsigned char)c) && !strchr("()[],'\"=!<>&|~", c);
}

/* Takes `kw` (case-insensitive) if it is the next whole token. */
static int take_keyword(struct lexer *lx, const char *kw)
{
	size_t n = strlen(kw);

	skip_space(lx);
	if (strncasecmp(lx->p, kw, n) != 0)
		return 0;
	if (isalpha((unsigned char)kw[0]) && word_char(lx->p[n]))
		return 0;
	lx->p += n;
	return 1;
}

/* A value: quoted, or a bare word. Returns a new string or NULL. */
static char *take_value(struct lexer *lx)
{
	const char *start;
	char q;

	skip_space(lx);
	q = *lx->p;
	if (q == '\'' || q == '"') {
		const char *end = strchr(lx->p + 1, q);
		char *v;
		if (!end) {
			syntax(lx, "unterminated quoted value");
			return NULL;
		}
		v = strndup(lx->p + 1, (size_t)(end - lx->p - 1));
		lx->p = end + 1;
		return v;
	}
	start = lx->p;
	while (word_char(*lx->p))
		lx->p++;
	if (lx->p == start) {
		syntax(lx, "a value is expected");
		return NULL;
	}
	return strndup(start, (size_t)(lx->p - start));
}

static int take_op(struct lexer *lx, enum q_op *op)
{
	size_t i, best = 0;
	int found = -1;

	skip_space(lx);
	for (i = 0; i < sizeof(op_names) / sizeof(op_names[0]); i++) {
		const char *n = op_names[i].name;
		size_t len = strlen(n);
		if (strncasecmp(lx->p, n, len) != 0 || len <= best)
			continue;
		/* words must end there; "in" is not the start of "instance" */
		if (isalpha((unsigned char)n[len - 1]) && word_char(lx->p[len]))
			continue;
		best = len;
		found = (int)i;
	}
	if (found < 0)
		return syntax(lx, "an operator is expected");
	*op = op_names[found].op;
	lx->p += best;
	return 0;
}

static struct sim_query *node(enum q_kind kind)
{
	struct sim_query *q = calloc(1, sizeof(*q));

	if (q)
		q->kind = kind;
	return q;
}

void sim_query_free(struct sim_query *q)
{
	size_t i;

	if (!q)
		return;
	sim_query_free(q->a);
	sim_query_free(q->b);
	free(q->subject);
	for (i = 0; i < q->nargs; i++)
		free(q->args[i]);
	free(q->args);
	if (q->has_re)
		regfree(&q->re);
	free(q);
}

static int add_arg(struct lexer *lx, struct sim_query *q)
{
	char *v;

	if (q->nargs == MAX_ARGS)
		return syntax(lx, "too many values in the list");
	v = take_value(lx);
	if (!v)
		return ECSCTL_EAWS;
	q->args[q->nargs++] = v;
	return 0;
}

static int parse_list(struct lexer *lx, struct sim_query *q)
{
	char close;
	int rc;

	skip_space(lx);
	if (*lx->p != '[' && *lx->p != '(')
		return add_arg(lx, q);
	close = *lx->p == '[' ? ']' : ')';
	lx->p++;
	for (;;) {
		if ((rc = add_arg(lx, q)))
			return rc;
		skip_space(lx);
		if (*lx->p == ',') {
			lx->p++;
			continue;
		}
		if (*lx->p != close)
			return syntax(lx, "',' or the end of the list is expected");
		lx->p++;
		return 0;
	}
}

static struct sim_query *parse_cond(struct lexer *lx)
{
	struct sim_query *q = node(Q_COND);
	int rc = 0;

	if (!q || !(q->args = calloc(MAX_ARGS, sizeof(char *)))) {
		ecsctl_error_nomem(lx->err);
		goto fail;
	}
	skip_space(lx);
	if (!word_char(*lx->p)) {
		syntax(lx, "a subject is expected");
		goto fail;
	}
	if (!(q->subject = take_value(lx)) || take_op(lx, &q->op))
		goto fail;
	if (q->op == OP_EXISTS || q->op == OP_NEXISTS)
		return q;
	if (q->op == OP_IN || q->op == OP_NIN)
		rc = parse_list(lx, q);
	else
		rc = add_arg(lx, q);
	if (rc)
		goto fail;
	if (q->op == OP_MATCH || q->op == OP_NMATCH) {
		struct ecsctl_buf re = ECSCTL_BUF_INIT;
		/* the whole value must match, as with ECS's `t2.*` */
		ecsctl_buf_addf(&re, "^(%s)$", q->args[0]);
		rc = ecsctl_buf_failed(&re) || regcomp(&q->re, re.buf, REG_EXTENDED | REG_NOSUB);
		ecsctl_buf_release(&re);
		if (rc) {
			syntax(lx, "the pattern is not a regular expression");
			goto fail;
		}
		q->has_re = 1;
	}
	return q;
fail:
	sim_query_free(q);
	return NULL;
}

static struct sim_query *parse_or(struct lexer *lx);

static struct sim_query *parse_unary(struct lexer *lx)
{
	struct sim_query *q;

	if (++lx->depth > MAX_DEPTH) {
		syntax(lx, "the expression nests too deeply");
		return NULL;
	}
	skip_space(lx);
	if (take_keyword(lx, "not") || (*lx->p == '!' && lx->p[1] != '=' && lx->p++)) {
		q = node(Q_NOT);
		if (!q || !(q->a = parse_unary(lx))) {
			sim_query_free(q);
			return NULL;
		}
	} else if (*lx->p == '(') {
		lx->p++;
		q = parse_or(lx);
		skip_space(lx);
		if (q && *lx->p != ')') {
			syntax(lx, "')' is expected");
			sim_query_free(q);
			return NULL;
		}
		if (q)
			lx->p++;
	} else {
		q = parse_cond(lx);
	}
	lx->depth--;
	return q;
}

static struct sim_query *parse_binary(struct lexer *lx, enum q_kind kind)
{
	const char *word = kind == Q_AND ? "and" : "or", *sym = kind == Q_AND ? "&&" : "||";
	struct sim_query *left = kind == Q_AND ? parse_unary(lx) : parse_binary(lx, Q_AND);

	while (left && (take_keyword(lx, word) || take_keyword(lx, sym))) {
		struct sim_query *q = node(kind);
		if (!q) {
			sim_query_free(left);
			return NULL;
		}
		q->a = left;
		left = q;
		q->b = kind == Q_AND ? parse_unary(lx) : parse_binary(lx, Q_AND);
		if (!q->b) {
			sim_query_free(q);
			return NULL;
		}
	}
	return left;
}

static struct sim_query *parse_or(struct lexer *lx)
{
	return parse_binary(lx, Q_OR);
}

int sim_query_parse(struct sim_query **out, const char *text, struct ecsctl_error *err)
{
	struct lexer lx = {text, text, 0, err};
	struct sim_query *q;

	*out = NULL;
	if (!text || strlen(text) > 2000)
		return sim_fail(err, "InvalidParameterException",
		                "The expression can have at most 2000 characters.");
	q = parse_or(&lx);
	if (!q)
		return err->code ? err->code : ECSCTL_EAWS;
	skip_space(&lx);
	if (*lx.p) {
		sim_query_free(q);
		return syntax(&lx, "the end of the expression or 'and'/'or' is expected");
	}
	*out = q;
	return 0;
}

static int is_number(const char *s, double *v)
{
	char *end = NULL;

	if (!s || !*s)
		return 0;
	*v = strtod(s, &end);
	return end && !*end;
}

/* Numbers compare as numbers, dotted versions ("1.14.5") part by part,
 * everything else as strings. */
static int compare(const char *a, const char *b)
{
	double x, y;

	if (is_number(a, &x) && is_number(b, &y))
		return x < y ? -1 : x > y;
	while (*a && *b) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			unsigned long long m = strtoull(a, (char **)&a, 10);
			unsigned long long n = strtoull(b, (char **)&b, 10);
			if (m != n)
				return m < n ? -1 : 1;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++;
		b++;
	}
	return *a ? 1 : *b ? -1 : 0;
}

static int holds(const struct sim_query *q, const char *v)
{
	size_t i;

	switch (q->op) {
	case OP_EQ:
	case OP_NE:
		return strcmp(v, q->args[0]) == 0;
	case OP_GT:
		return compare(v, q->args[0]) > 0;
	case OP_GE:
		return compare(v, q->args[0]) >= 0;
	case OP_LT:
		return compare(v, q->args[0]) < 0;
	case OP_LE:
		return compare(v, q->args[0]) <= 0;
	case OP_IN:
	case OP_NIN:
		for (i = 0; i < q->nargs; i++)
			if (strcmp(v, q->args[i]) == 0)
				return 1;
		return 0;
	case OP_MATCH:
	case OP_NMATCH:
		return regexec(&q->re, v, 0, NULL, 0) == 0;
	default:
		return 1;
	}
}

int sim_query_eval(const struct sim_query *q, sim_query_lookup_fn lookup, void *arg)
{
	json_t *vals, *v;
	size_t i;
	int any = 0, negated;

	switch (q->kind) {
	case Q_AND:
		return sim_query_eval(q->a, lookup, arg) && sim_query_eval(q->b, lookup, arg);
	case Q_OR:
		return sim_query_eval(q->a, lookup, arg) || sim_query_eval(q->b, lookup, arg);
	case Q_NOT:
		return !sim_query_eval(q->a, lookup, arg);
	case Q_COND:
		break;
	}
	vals = lookup(arg, q->subject);
	if (q->op == OP_EXISTS || q->op == OP_NEXISTS) {
		any = json_array_size(vals) > 0;
		json_decref(vals);
		return q->op == OP_EXISTS ? any : !any;
	}
	json_array_foreach(vals, i, v) {
		if (json_is_string(v) && holds(q, json_string_value(v)))
			any = 1;
	}
	json_decref(vals);
	negated = q->op == OP_NE || q->op == OP_NIN || q->op == OP_NMATCH;
	return negated ? !any : any;
}
