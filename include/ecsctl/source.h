/*
 * Where the desired state is read from: a config root inside git objects at a
 * ref (never the work tree), or a plain folder (--worktree). One interface so
 * the loader does not care, and so a remote repository (a cached bare clone,
 * fetched before reading: the watch issue) is one more implementation.
 */
#ifndef ECSCTL_SOURCE_H
#define ECSCTL_SOURCE_H

#include <stdbool.h>
#include <stddef.h>

#include "ecsctl/error.h"

#define ECSCTL_SOURCE_ID_MAX 72 /* a sha-256 in hex, or "dev:inode" */

struct ecsctl_source {
	/*
	 * Lists the *.yaml, *.yml and *.json files under the config root, any
	 * depth, hidden folders and files skipped, as '/'-separated paths
	 * relative to the root, sorted bytewise. `*out` is a heap array of heap
	 * strings (free each, then the array). Links are never followed; a link
	 * named like such a file is an error. ECSCTL_EINVAL, naming the path,
	 * past 32 folder levels or 100,000 files and folders (or a git tree
	 * object over 8 MiB).
	 */
	int (*list)(struct ecsctl_source *src, char ***out, size_t *out_count,
	            struct ecsctl_error *err);
	/*
	 * Reads one listed file into a heap buffer (NUL-terminated, caller
	 * frees). A file larger than `max` bytes is an error (ECSCTL_EINVAL),
	 * found before it is read whole.
	 */
	int (*read)(struct ecsctl_source *src, const char *path, size_t max, char **out,
	            size_t *out_len, struct ecsctl_error *err);
	/*
	 * Optional (NULL: no identity). Writes a NUL-terminated identity of a
	 * listed file's content into `out` (`size` >= ECSCTL_SOURCE_ID_MAX):
	 * two paths with one identity hold the same bytes (a git blob id; a
	 * device and inode on disk), so the loader parses them once. Returns
	 * 0, or -1 when it cannot tell (the file is read as usual).
	 */
	int (*id)(struct ecsctl_source *src, const char *path, char *out, size_t size);
	void (*free)(struct ecsctl_source *src);

	/* Filled by the open functions; all owned by the source. */
	char *origin;          /* the repository as messages name it (a path, or a URL
	                          without credentials) */
	char *commit;          /* full sha read, or of a --worktree folder's HEAD; NULL if none */
	char *ref;             /* the ref given, or HEAD's branch name ("main"); NULL if none */
	char *subject;         /* the commit message's first line; NULL if none (watch's page) */
	long long commit_time; /* the commit's committer time, Unix seconds; 0 if none */
	char *display_root;    /* prefix for file names in messages ("examples"), may be "" */
	char *root_name;       /* the config root's folder name (settings default) */
	bool from_git;         /* read from git objects (not the work tree) */
};

struct ecsctl_source_options {
	const char *repo; /* local path or remote URL (https://, ssh://, git@host:, file://);
	                     default "." */
	const char *ref;  /* default "HEAD" */
	const char *path; /* config root inside the repo; default its root */
	bool worktree;
};
#define ECSCTL_SOURCE_OPTIONS_INIT                                                                 \
	{                                                                                          \
		NULL, NULL, NULL, false                                                            \
	}

/*
 * Opens the source the options name (a remote URL through
 * ecsctl_source_open_remote with the default cache). Errors: ECSCTL_ENOTFOUND
 * for a missing repository, ref or path; ECSCTL_EINVAL for a path outside the
 * repository or a remote URL with --worktree; ECSCTL_EIO for git failures.
 * Release with ecsctl_source_free().
 */
int ecsctl_source_open(struct ecsctl_source **out, const struct ecsctl_source_options *opts,
                       struct ecsctl_error *err);

/* The git implementation: `path` inside the tree of `ref` in the repository at `repo`. */
int ecsctl_source_open_git(struct ecsctl_source **out, const char *repo, const char *ref,
                           const char *path, struct ecsctl_error *err);

/* The folder implementation: `repo`/`path` on disk, git or not. */
int ecsctl_source_open_dir(struct ecsctl_source **out, const char *repo, const char *path,
                           struct ecsctl_error *err);

/*
 * The remote implementation: a bare clone of `url` cached in `cache_dir`/<sha256
 * of the URL> (`cache_dir` NULL: $XDG_CACHE_HOME/ecsctl/repos, else
 * ~/.cache/ecsctl/repos), fetched on each call (branches as local branches,
 * pruned), then read as ecsctl_source_open_git() reads. https takes the
 * token in ECSCTL_GIT_TOKEN, ssh the agent. ECSCTL_EIO when cloning or
 * fetching fails (the message shows the URL without credentials).
 */
int ecsctl_source_open_remote(struct ecsctl_source **out, const char *url, const char *ref,
                              const char *path, const char *cache_dir, struct ecsctl_error *err);

void ecsctl_source_free(struct ecsctl_source *src);

/* Frees a list from src->list. */
void ecsctl_source_list_free(char **list, size_t count);

#endif
