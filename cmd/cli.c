#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ecsctl/secret.h"
#include "ecsctl/duration.h"
#include "banned.h"

static const struct cli_flag *global_flags(struct cli_ctx *ctx)
{
	/* rebuilt per call: the table points into this run's ctx */
	static struct cli_flag f[15];
	const struct cli_flag t[] = {
	    {"repo", 0, FLAG_STRING, &ctx->repo, "URL|DIR", "git repository (default: .)"},
	    {"ref", 0, FLAG_STRING, &ctx->ref, "REF", "git ref to read (default: HEAD)"},
	    {"path", 0, FLAG_STRING, &ctx->path, "DIR", "config root inside the repository"},
	    {"worktree", 0, FLAG_BOOL, &ctx->worktree, NULL,
	     "read files on disk instead of git objects"},
	    {"env", 0, FLAG_STRING, &ctx->env_name, "NAME",
	     "environment of ecsctl.yaml to use (docs/environments.md)"},
	    {"var", 0, FLAG_LIST, &ctx->vars, "NAME=VALUE",
	     "set a variable (repeatable; wins over files and environments)"},
	    {"var-file", 0, FLAG_LIST, &ctx->var_files, "FILE",
	     "variables from a YAML/JSON file on disk (repeatable)"},
	    {"region", 0, FLAG_STRING, &ctx->region, "REGION", "AWS region"},
	    {"profile", 0, FLAG_STRING, &ctx->profile, "NAME", "AWS shared-config profile"},
	    {"endpoint-url", 0, FLAG_STRING, &ctx->endpoint_url, "URL", "ECS endpoint"},
	    {"output", 0, FLAG_STRING, &ctx->output, "text|json",
	     "output format (plan also takes markdown)"},
	    {"no-color", 0, FLAG_BOOL, &ctx->no_color, NULL, "never colour the output"},
	    {"verbose", 'v', FLAG_INT, &ctx->verbose, NULL, "log more (repeatable)"},
	    {"help", 'h', FLAG_BOOL, NULL, NULL, "show this help"},
	    {NULL, 0, 0, NULL, NULL, NULL},
	};
	memcpy(f, t, sizeof(t));
	return f;
}

/* The global flags each CLI_READS_* bit stands for; any other global flag
 * (--no-color, -v, --help) is listed for every command. */
static const struct {
	unsigned group;
	const char *names[8];
} flag_groups[] = {
    {CLI_READS_MODEL, {"repo", "ref", "path", "worktree", "env", "var", "var-file", NULL}},
    {CLI_READS_AWS, {"region", "profile", "endpoint-url", NULL}},
    {CLI_READS_OUTPUT, {"output", NULL}},
};

bool cli_flag_listed(const struct cli_command *cmd, const struct cli_flag *own,
                     const struct cli_flag *global)
{
	size_t i, j;

	/* a command's own flag of the same name replaces it (watch's --env) */
	for (; own && own->name; own++)
		if (!strcmp(own->name, global->name))
			return false;

	for (i = 0; i < sizeof(flag_groups) / sizeof(flag_groups[0]); i++)
		for (j = 0; flag_groups[i].names[j]; j++)
			if (!strcmp(flag_groups[i].names[j], global->name))
				return (cmd->reads & flag_groups[i].group) != 0;
	return true;
}

void cli_list_release(struct cli_list *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->count; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->count = 0;
}

/* Every message is redacted (ecsctl/secret.h): errors quote what they
 * were given, a URL with its password or a connection string included. */
static void vmessage(const char *kind, const char *color, const char *fmt, va_list ap)
{
	int tty = isatty(2) && !getenv("NO_COLOR");
	struct ecsctl_buf text = ECSCTL_BUF_INIT, shown = ECSCTL_BUF_INIT;

	ecsctl_buf_vaddf(&text, fmt, ap);
	ecsctl_secret_redact(&shown, text.buf);
	if (tty)
		fprintf(stderr, "\033[%sm%s:\033[0m ", color, kind);
	else
		fprintf(stderr, "%s: ", kind);
	fputs(ecsctl_buf_failed(&text) || ecsctl_buf_failed(&shown) ? "(out of memory)" : shown.buf,
	      stderr);
	fputc('\n', stderr);
	ecsctl_buf_release(&text);
	ecsctl_buf_release(&shown);
}

void cli_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("error", "1;31", fmt, ap);
	va_end(ap);
}

void cli_warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("warning", "1;33", fmt, ap);
	va_end(ap);
}

void cli_notice(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("notice", "1;36", fmt, ap);
	va_end(ap);
}

static const struct cli_flag *find_flag(const struct cli_flag *flags, const char *name, size_t len,
                                        char short_name)
{
	for (; flags && flags->name; flags++) {
		if (short_name ? flags->short_name == short_name
		               : strlen(flags->name) == len && !strncmp(flags->name, name, len))
			return flags;
	}
	return NULL;
}

static int set_flag(const struct cli_flag *f, const char *value, const char *shown)
{
	switch (f->type) {
	case FLAG_BOOL:
		*(bool *)f->dest = true;
		return 0;
	case FLAG_INT:
		if (!value) { /* a counter such as -v */
			(*(long *)f->dest)++;
			return 0;
		} else {
			char *end;
			errno = 0;
			long v = strtol(value, &end, 10);
			if (errno || end == value || *end || v < 0) {
				cli_error("option '%s' takes a non-negative number, not '%s'",
				          shown, value);
				return -1;
			}
			*(long *)f->dest = v;
			return 0;
		}
	case FLAG_DURATION:
		if (ecsctl_duration_parse(f->dest, value)) {
			cli_error("option '%s' takes a duration such as 90s, 5m or 1h, not '%s'",
			          shown, value);
			return -1;
		}
		return 0;
	case FLAG_STRING: {
		char *copy = strdup(value);
		if (!copy)
			return -1;
		free(*(char **)f->dest);
		*(char **)f->dest = copy;
		return 0;
	}
	case FLAG_LIST: {
		struct cli_list *l = f->dest;
		char **p = realloc(l->items, (l->count + 1) * sizeof(*p));
		if (!p)
			return -1;
		l->items = p;
		if (!(l->items[l->count] = strdup(value)))
			return -1;
		l->count++;
		return 0;
	}
	}
	return -1;
}

bool cli_flag_takes_value(const struct cli_flag *f)
{
	return f->type != FLAG_BOOL && !(f->type == FLAG_INT && f->short_name == 'v');
}

int cli_parse(int argc, char **argv, const struct cli_command *cmd, const struct cli_flag *flags,
              struct cli_ctx *ctx, int *out_npos, bool *out_help)
{
	const struct cli_flag *globals = global_flags(ctx);
	int i, npos = 0, only_pos = 0;

	*out_help = false;
	if (ctx->describe) {
		*out_help = true;
		ctx->describe(ctx->describe_ud, cmd, flags, globals);
		return EXIT_OK;
	}
	for (i = 1; i < argc; i++) {
		char *a = argv[i];
		const struct cli_flag *f = NULL;
		const char *value = NULL;
		char shown[3] = "-?";

		if (only_pos || a[0] != '-' || !a[1]) {
			argv[npos++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			only_pos = 1;
			continue;
		}
		if (a[1] == '-') {
			const char *name = a + 2, *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			f = find_flag(flags, name, len, 0);
			if (!f)
				f = find_flag(globals, name, len, 0);
			if (!f) {
				cli_error("unknown option '--%.*s' for 'ecsctl %s' (see 'ecsctl %s "
				          "--help')",
				          (int)len, name, cmd->name, cmd->name);
				return EXIT_USAGE;
			}
			if (eq) {
				if (!cli_flag_takes_value(f)) {
					cli_error("option '--%s' takes no value", f->name);
					return EXIT_USAGE;
				}
				value = eq + 1;
			}
		} else {
			/* short flags may be bundled: -vv */
			const char *s;
			for (s = a + 1; *s; s++) {
				shown[1] = *s;
				f = find_flag(flags, NULL, 0, *s);
				if (!f)
					f = find_flag(globals, NULL, 0, *s);
				if (!f) {
					cli_error("unknown option '-%c' for 'ecsctl %s' (see "
					          "'ecsctl %s --help')",
					          *s, cmd->name, cmd->name);
					return EXIT_USAGE;
				}
				if (cli_flag_takes_value(f) && s[1]) {
					value = s + 1;
					break;
				}
				if (cli_flag_takes_value(f))
					break;
				if (!strcmp(f->name, "help")) {
					*out_help = true;
					cli_print_help(cmd, flags, globals);
					return EXIT_OK;
				}
				if (set_flag(f, NULL, shown))
					return EXIT_USAGE;
				f = NULL;
			}
			if (!f)
				continue;
		}
		if (!strcmp(f->name, "help")) {
			*out_help = true;
			cli_print_help(cmd, flags, globals);
			return EXIT_OK;
		}
		if (cli_flag_takes_value(f) && !value) {
			if (i + 1 >= argc) {
				cli_error("option '--%s' needs a value", f->name);
				return EXIT_USAGE;
			}
			value = argv[++i];
		}
		if (set_flag(f, value, a))
			return EXIT_USAGE;
	}
	*out_npos = npos;
	/* markdown: plan only, for PR comments (apply prints progress, not a review) */
	if (ctx->output && strcmp(ctx->output, "text") && strcmp(ctx->output, "json") &&
	    (strcmp(ctx->output, "markdown") || !cmd || strcmp(cmd->name, "plan"))) {
		cli_error("option '--output' takes 'text' or 'json'%s, not '%s'",
		          cmd && !strcmp(cmd->name, "plan") ? " or 'markdown'" : "", ctx->output);
		return EXIT_USAGE;
	}
	ctx->color = !ctx->no_color && !getenv("NO_COLOR") && isatty(1);
	return -1; /* parsed; the command goes on */
}

void cli_signals_catch(struct cli_signals *s, void (*handler)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &s->old_int);
	sigaction(SIGTERM, &sa, &s->old_term);
	s->caught = true;
}

void cli_signals_restore(struct cli_signals *s)
{
	if (!s->caught)
		return;
	sigaction(SIGINT, &s->old_int, NULL);
	sigaction(SIGTERM, &s->old_term, NULL);
	s->caught = false;
}

int cli_print_list(const struct cli_ctx *ctx, const char *key, json_t *list,
                   void (*text)(const json_t *doc))
{
	json_t *doc = json_pack("{s:i, s:O}", "formatVersion", 1, key, list);

	if (!doc) {
		cli_error("out of memory");
		return EXIT_ERROR;
	}
	if (ctx->output && !strcmp(ctx->output, "json")) {
		json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
	} else {
		text(doc);
	}
	json_decref(doc);
	return EXIT_OK;
}
