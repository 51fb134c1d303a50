/* The config root read from a folder on disk (--worktree): for local
 * iteration, git or not. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ecsctl/buf.h"
#include "ecsctl/source.h"
#include "source_int.h"
#include "banned.h"

struct dir_source {
	struct ecsctl_source base;
	char *root;
	int root_fd; /* the config root, opened once: later steps never leave it */
};

/* A folder being read, with the path that leads to it ("a/b/"). */
struct open_dir {
	DIR *d;
	char *prefix;
};

struct dir_walk {
	struct dir_source *s;
	struct ecsctl_error *err;
	struct open_dir stack[SOURCE_MAX_DEPTH + 1];
	size_t count;
	size_t entries;
	struct source_list files;
};

static int dir_error(struct dir_walk *w, int code, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int dir_error(struct dir_walk *w, int code, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	source_error_v(w->err, code, "", w->s->base.display_root, path, fmt, ap);
	va_end(ap);
	return code;
}

/* Opens `name` in folder `dfd` as a folder, never through a link, and pushes it. */
static int push_dir(struct dir_walk *w, int dfd, const char *name, char *prefix)
{
	int fd;
	DIR *d;

	if (!prefix)
		return ecsctl_error_nomem(w->err);
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		ecsctl_error_set(w->err, ECSCTL_EIO, "cannot read folder '%s%s%s': %s",
		                 w->s->base.display_root, *w->s->base.display_root ? "/" : "",
		                 prefix, strerror(e));
		free(prefix);
		return w->err->code;
	}
	w->stack[w->count].d = d;
	w->stack[w->count].prefix = prefix;
	w->count++;
	return 0;
}

/* One entry of the folder on top of the stack. */
static int walk_entry(struct dir_walk *w, struct open_dir *top, const char *name)
{
	struct ecsctl_buf path = ECSCTL_BUF_INIT;
	struct stat st;
	int rc = 0;

	ecsctl_buf_addf(&path, "%s%s", top->prefix, name);
	if (fstatat(dirfd(top->d), name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		rc = dir_error(w, ECSCTL_EIO, path.buf, "%s", strerror(errno));
	} else if (S_ISDIR(st.st_mode)) {
		if (w->count > SOURCE_MAX_DEPTH) {
			rc = dir_error(w, ECSCTL_EINVAL, path.buf, SOURCE_TOO_DEEP,
			               SOURCE_MAX_DEPTH);
		} else {
			ecsctl_buf_addch(&path, '/');
			if (ecsctl_buf_failed(&path))
				rc = ecsctl_error_nomem(w->err);
			else
				rc = push_dir(w, dirfd(top->d), name, ecsctl_buf_detach(&path));
		}
	} else if (source_wanted(name)) {
		if (S_ISLNK(st.st_mode))
			rc = dir_error(w, ECSCTL_EINVAL, path.buf, "%s", SOURCE_LINK_MESSAGE);
		else if (S_ISREG(st.st_mode))
			source_list_add(&w->files, top->prefix, name);
	}
	ecsctl_buf_release(&path);
	return rc;
}

/*
 * Depth first with an explicit stack of open folders (at most
 * SOURCE_MAX_DEPTH + 1 descriptors), each opened from its parent's
 * descriptor with O_NOFOLLOW: a link is never followed, wherever it points.
 */
static int dir_list(struct ecsctl_source *src, char ***out, size_t *out_count,
                    struct ecsctl_error *err)
{
	struct dir_walk w;
	int rc;

	memset(&w, 0, sizeof(w));
	w.s = (struct dir_source *)src;
	w.err = err;
	*out = NULL;
	*out_count = 0;
	rc = push_dir(&w, w.s->root_fd, ".", strdup(""));
	while (rc == 0 && w.count > 0) {
		struct open_dir *top = &w.stack[w.count - 1];
		struct dirent *de;

		errno = 0;
		de = readdir(top->d);
		if (!de) {
			if (errno)
				rc = dir_error(&w, ECSCTL_EIO, top->prefix, "%s", strerror(errno));
			closedir(top->d);
			free(top->prefix);
			w.count--;
		} else if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) {
			continue;
		} else if (++w.entries > SOURCE_MAX_ENTRIES) {
			/* hidden entries count too, as in a git tree: each costs a readdir */
			rc = dir_error(&w, ECSCTL_EINVAL, top->prefix, SOURCE_TOO_MANY,
			               SOURCE_MAX_ENTRIES);
		} else if (de->d_name[0] != '.') {
			rc = walk_entry(&w, top, de->d_name);
		}
	}
	if (rc == 0)
		rc = source_list_finish(&w.files, err);
	while (w.count > 0) {
		closedir(w.stack[--w.count].d);
		free(w.stack[w.count].prefix);
	}
	if (rc) {
		ecsctl_source_list_free(w.files.items, w.files.count);
		return rc;
	}
	*out = w.files.items;
	*out_count = w.files.count;
	return 0;
}

/*
 * Opens `path` (relative, '/'-separated) below folder `dfd` one component
 * at a time, none of them through a link: a file listed could have been
 * replaced by a link, or a folder on its way, since.
 */
/* openat() without following a link; a link is ELOOP also for O_DIRECTORY
 * (which says ENOTDIR for one). */
static int open_nofollow(int dfd, const char *name, int flags)
{
	int fd = openat(dfd, name, flags | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (fd < 0 && errno == ENOTDIR && fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st.st_mode))
		errno = ELOOP;
	return fd;
}

/*
 * Opens `path` (relative, '/'-separated) below folder `dfd` one component
 * at a time, none of them through a link: a file listed could have been
 * replaced by a link, or a folder on its way, since.
 */
static int open_beneath(int dfd, const char *path, int flags)
{
	char comp[NAME_MAX + 1];
	const char *p = path, *slash;
	int fd = dup(dfd), e;

	while (fd >= 0 && (slash = strchr(p, '/')) != NULL) {
		size_t n = (size_t)(slash - p);
		int next = -1;

		if (n == 0 || n > NAME_MAX) {
			errno = EINVAL;
		} else {
			memcpy(comp, p, n);
			comp[n] = '\0';
			next = open_nofollow(fd, comp, O_RDONLY | O_DIRECTORY);
		}
		e = errno;
		close(fd);
		errno = e;
		fd = next;
		p = slash + 1;
	}
	if (fd < 0)
		return -1;
	dfd = fd;
	fd = open_nofollow(dfd, p, flags);
	e = errno;
	close(dfd);
	errno = e;
	return fd;
}

static int dir_read(struct ecsctl_source *src, const char *path, size_t max, char **out,
                    size_t *out_len, struct ecsctl_error *err)
{
	struct dir_source *s = (struct dir_source *)src;
	struct ecsctl_buf full = ECSCTL_BUF_INIT;
	struct stat st;
	char *data = NULL;
	size_t len = 0;
	int fd = -1, rc = 0;

	*out = NULL;
	*out_len = 0;
	ecsctl_buf_addf(&full, "%s/%s", s->root, path);
	fd = open_beneath(s->root_fd, path, O_RDONLY | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) < 0) {
		rc = ecsctl_error_set(err, ECSCTL_EIO, "cannot read '%s': %s", full.buf,
		                      errno == ELOOP ? "a symbolic link (not followed)"
		                                     : strerror(errno));
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = ecsctl_error_set(err, ECSCTL_EIO, "cannot read '%s': not a regular file",
		                      full.buf);
		goto done;
	}
	if (st.st_size < 0 || (unsigned long long)st.st_size > max) {
		rc = ecsctl_error_set(err, ECSCTL_EINVAL,
		                      "file is larger than the limit of %zu bytes (%lld bytes)",
		                      max, (long long)st.st_size);
		goto done;
	}
	/* one byte more than allowed, so a file that grew since fstat is caught */
	data = malloc(max + 2 < (size_t)st.st_size + 2 ? max + 2 : (size_t)st.st_size + 2);
	if (!data) {
		rc = ecsctl_error_set(err, ECSCTL_ENOMEM, "out of memory reading '%s'", path);
		goto done;
	}
	for (;;) {
		ssize_t n = read(fd, data + len, (size_t)st.st_size + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = ecsctl_error_set(err, ECSCTL_EIO, "cannot read '%s': %s", full.buf,
			                      strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > (size_t)st.st_size) {
			rc = ecsctl_error_set(err, ECSCTL_EIO, "'%s' changed while it was read",
			                      full.buf);
			goto done;
		}
	}
	data[len] = '\0';
	*out = data;
	*out_len = len;
	data = NULL;
done:
	if (fd >= 0)
		close(fd);
	free(data);
	ecsctl_buf_release(&full);
	return rc;
}

static int dir_id(struct ecsctl_source *src, const char *path, char *out, size_t size)
{
	int fd = open_beneath(((struct dir_source *)src)->root_fd, path, O_RDONLY | O_NONBLOCK);
	struct stat st;
	int rc = -1;

	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		snprintf(out, size, "%llu:%llu", (unsigned long long)st.st_dev,
		         (unsigned long long)st.st_ino);
		rc = 0;
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

static void dir_free(struct ecsctl_source *src)
{
	struct dir_source *s = (struct dir_source *)src;

	if (s->root_fd >= 0)
		close(s->root_fd);
	free(s->root);
	free(s);
}

/* ECSCTL_GIT_* for a folder that sits in a git work tree: its HEAD. */
static void head_info(struct dir_source *s)
{
	git_repository *repo = NULL;
	git_reference *head = NULL;
	char hex[GIT_OID_HEXSZ + 1];
	git_oid id;

	git_libgit2_init();
	if (git_repository_open_ext(&repo, s->root, 0, NULL) == 0 &&
	    git_reference_name_to_id(&id, repo, "HEAD") == 0) {
		git_oid_tostr(hex, sizeof(hex), &id);
		s->base.commit = strdup(hex);
		if (git_repository_head(&head, repo) == 0)
			s->base.ref = strdup(git_reference_shorthand(head));
	}
	git_reference_free(head);
	git_repository_free(repo);
	git_libgit2_shutdown();
}

int ecsctl_source_open_dir(struct ecsctl_source **out, const char *repo, const char *path,
                           struct ecsctl_error *err)
{
	struct ecsctl_buf root = ECSCTL_BUF_INIT, disp = ECSCTL_BUF_INIT;
	struct dir_source *s = NULL;
	char real[PATH_MAX];
	char *clean = source_clean_path(path);
	int rc = 0, repo_fd = -1, root_fd = -1;

	*out = NULL;
	if (!clean) {
		rc = ecsctl_error_set(err, ECSCTL_EINVAL,
		                      "--path '%s' must be a relative path inside the repository",
		                      path);
		goto done;
	}
	ecsctl_buf_adds(&root, repo);
	if (*clean)
		ecsctl_buf_addf(&root, "/%s", clean);
	if (strcmp(repo, ".")) {
		ecsctl_buf_adds(&disp, repo);
		if (*clean)
			ecsctl_buf_addf(&disp, "/%s", clean);
	} else {
		ecsctl_buf_adds(&disp, clean);
	}
	/* the repository is the user's choice; --path inside it may be a checkout's link */
	repo_fd = open(repo, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	root_fd = repo_fd < 0 ? -1
	          : *clean    ? open_beneath(repo_fd, clean, O_RDONLY | O_DIRECTORY)
	                      : dup(repo_fd);
	if (root_fd < 0) {
		if (errno == ELOOP)
			rc = ecsctl_error_set(err, ECSCTL_EINVAL,
			                      "'%s' is reached through a symbolic link; --worktree "
			                      "does not follow links inside the repository",
			                      root.buf);
		else
			rc = ecsctl_error_set(err, ECSCTL_ENOTFOUND, "no folder '%s'", root.buf);
		goto done;
	}
	s = calloc(1, sizeof(*s));
	if (s)
		s->root_fd = -1;
	if (!s || ecsctl_buf_failed(&root) || ecsctl_buf_failed(&disp)) {
		rc = ecsctl_error_nomem(err);
		goto done;
	}
	s->base.list = dir_list;
	s->base.read = dir_read;
	s->base.id = dir_id;
	s->base.free = dir_free;
	s->root_fd = root_fd;
	root_fd = -1;
	s->root = ecsctl_buf_detach(&root);
	s->base.origin = strdup(repo);
	s->base.display_root = disp.alloc ? ecsctl_buf_detach(&disp) : strdup("");
	s->base.root_name = source_basename(realpath(s->root, real) ? real : s->root);
	if (!s->root || !s->base.display_root || !s->base.root_name || !s->base.origin) {
		rc = ecsctl_error_nomem(err);
		goto done;
	}
	head_info(s);
	*out = &s->base;
	s = NULL;
done:
	if (s) {
		free(s->base.origin);
		free(s->base.display_root);
		free(s->base.root_name);
		dir_free(&s->base);
	}
	if (root_fd >= 0)
		close(root_fd);
	if (repo_fd >= 0)
		close(repo_fd);
	ecsctl_buf_release(&root);
	ecsctl_buf_release(&disp);
	free(clean);
	return rc;
}
