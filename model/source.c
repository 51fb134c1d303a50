/* Choosing a source, and what its implementations share. */
#include <stdlib.h>
#include <string.h>

#include "ecsctl/buf.h"
#include "ecsctl/source.h"
#include "source_int.h"
#include "banned.h"

void source_list_add(struct source_list *l, const char *prefix, const char *name)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;

	if (l->count == l->alloc) {
		size_t n = l->alloc ? l->alloc * 2 : 32;
		char **p = realloc(l->items, n * sizeof(*p));
		if (!p) {
			l->oom = 1;
			return;
		}
		l->items = p;
		l->alloc = n;
	}
	ecsctl_buf_addf(&b, "%s%s", prefix, name);
	l->items[l->count] = ecsctl_buf_detach(&b);
	if (!l->items[l->count])
		l->oom = 1;
	else
		l->count++;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int source_list_finish(struct source_list *l, struct ecsctl_error *err)
{
	if (l->oom) {
		ecsctl_source_list_free(l->items, l->count);
		memset(l, 0, sizeof(*l));
		return ecsctl_error_set(err, ECSCTL_ENOMEM, "out of memory listing files");
	}
	if (l->count)
		qsort(l->items, l->count, sizeof(*l->items), str_cmp);
	return 0;
}

void ecsctl_source_list_free(char **list, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		free(list[i]);
	free(list);
}

bool source_wanted(const char *name)
{
	const char *dot = strrchr(name, '.');

	return dot && dot != name &&
	       (!strcmp(dot, ".yaml") || !strcmp(dot, ".yml") || !strcmp(dot, ".json"));
}

char *source_clean_path(const char *path)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	const char *p = path ? path : "";

	if (*p == '/')
		return NULL;
	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 2 && !strncmp(p, "..", 2)) {
			ecsctl_buf_release(&b);
			return NULL;
		}
		if (n && !(n == 1 && *p == '.')) {
			if (b.len)
				ecsctl_buf_addch(&b, '/');
			ecsctl_buf_add(&b, p, n);
		}
		p += n;
		while (*p == '/')
			p++;
	}
	if (ecsctl_buf_failed(&b)) {
		ecsctl_buf_release(&b);
		return NULL;
	}
	if (!b.alloc)
		return strdup("");
	return ecsctl_buf_detach(&b);
}

char *source_basename(const char *path)
{
	size_t end = strlen(path), start;
	char *out;

	while (end > 1 && path[end - 1] == '/')
		end--;
	start = end;
	while (start > 0 && path[start - 1] != '/')
		start--;
	if (end - start > 4 && !strncmp(path + end - 4, ".git", 4))
		end -= 4;
	out = malloc(end - start + 1);
	if (out) {
		memcpy(out, path + start, end - start);
		out[end - start] = '\0';
	}
	return out;
}

int source_error_v(struct ecsctl_error *err, int code, const char *lead, const char *root,
                   const char *path, const char *fmt, va_list ap)
{
	struct ecsctl_buf msg = ECSCTL_BUF_INIT;

	if (*lead)
		ecsctl_buf_addf(&msg, "%s: ", lead);
	if (*root || *path)
		ecsctl_buf_addf(&msg, "%s%s%s: ", root, *root && *path ? "/" : "", path);
	ecsctl_buf_vaddf(&msg, fmt, ap);
	ecsctl_error_set(err, code, "%s", msg.buf);
	ecsctl_buf_release(&msg);
	return code;
}

static bool is_url(const char *repo)
{
	return strstr(repo, "://") || (!strchr(repo, '/') && strchr(repo, ':')) ||
	       !strncmp(repo, "git@", 4);
}

int ecsctl_source_open(struct ecsctl_source **out, const struct ecsctl_source_options *opts,
                       struct ecsctl_error *err)
{
	const char *repo = opts->repo && *opts->repo ? opts->repo : ".";

	*out = NULL;
	if (is_url(repo)) {
		if (opts->worktree)
			return ecsctl_error_set(err, ECSCTL_EINVAL,
			                        "--worktree reads a folder on disk, not a remote "
			                        "repository");
		return ecsctl_source_open_remote(
		    out, repo, opts->ref && *opts->ref ? opts->ref : "HEAD", opts->path, NULL, err);
	}
	if (opts->worktree)
		return ecsctl_source_open_dir(out, repo, opts->path, err);
	return ecsctl_source_open_git(out, repo, opts->ref && *opts->ref ? opts->ref : "HEAD",
	                              opts->path, err);
}

void ecsctl_source_free(struct ecsctl_source *src)
{
	if (!src)
		return;
	free(src->origin);
	free(src->commit);
	free(src->ref);
	free(src->subject);
	free(src->display_root);
	free(src->root_name);
	src->free(src);
}
