/* The config root read from a folder on disk (--worktree): for local
 * iteration, git or not. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ecsctl/buf.h"
#include "ecsctl/source.h"
#include "source_int.h"
#include "banned.h"

/* deeper folder trees are not config roots; this also stops symlink games */
#define DIR_MAX_DEPTH 32

struct dir_source {
	struct ecsctl_source base;
	char *root;
};

static int walk(struct source_list *l, const char *root, const char *rel, int depth,
                struct ecsctl_error *err)
{
	struct ecsctl_buf dir = ECSCTL_BUF_INIT;
	DIR *d = NULL;
	struct dirent *de;
	int rc = 0;

	ecsctl_buf_addf(&dir, "%s/%s", root, rel);
	d = opendir(dir.buf);
	if (!d) {
		rc = ecsctl_error_set(err, ECSCTL_EIO, "cannot read folder '%s': %s", dir.buf,
		                      strerror(errno));
		goto done;
	}
	while ((de = readdir(d)) != NULL && !rc) {
		struct ecsctl_buf full = ECSCTL_BUF_INIT, sub = ECSCTL_BUF_INIT;
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		ecsctl_buf_addf(&full, "%s/%s", dir.buf, de->d_name);
		/* lstat first: a symlinked folder could loop; a symlinked file is fine */
		if (lstat(full.buf, &st) == 0 && S_ISDIR(st.st_mode)) {
			if (depth >= DIR_MAX_DEPTH) {
				rc = ecsctl_error_set(
				    err, ECSCTL_EINVAL,
				    "folders nested deeper than %d levels under '%s'",
				    DIR_MAX_DEPTH, root);
			} else {
				ecsctl_buf_addf(&sub, "%s%s/", rel, de->d_name);
				rc = walk(l, root, sub.buf, depth + 1, err);
			}
		} else if (stat(full.buf, &st) == 0 && S_ISREG(st.st_mode) &&
		           source_wanted(de->d_name)) {
			source_list_add(l, rel, de->d_name);
		}
		ecsctl_buf_release(&full);
		ecsctl_buf_release(&sub);
	}
done:
	if (d)
		closedir(d);
	ecsctl_buf_release(&dir);
	return rc;
}

static int dir_list(struct ecsctl_source *src, char ***out, size_t *out_count,
                    struct ecsctl_error *err)
{
	struct dir_source *s = (struct dir_source *)src;
	struct source_list l = {0};

	*out = NULL;
	*out_count = 0;
	if (walk(&l, s->root, "", 0, err)) {
		ecsctl_source_list_free(l.items, l.count);
		return err->code;
	}
	if (source_list_finish(&l, err))
		return ECSCTL_ENOMEM;
	*out = l.items;
	*out_count = l.count;
	return 0;
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
	fd = open(full.buf, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		rc = ecsctl_error_set(err, ECSCTL_EIO, "cannot read '%s': %s", full.buf,
		                      strerror(errno));
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

static void dir_free(struct ecsctl_source *src)
{
	struct dir_source *s = (struct dir_source *)src;

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
	struct stat st;
	int rc = 0;

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
	if (stat(root.buf, &st) < 0 || !S_ISDIR(st.st_mode)) {
		rc = ecsctl_error_set(err, ECSCTL_ENOTFOUND, "no folder '%s'", root.buf);
		goto done;
	}
	s = calloc(1, sizeof(*s));
	if (!s || ecsctl_buf_failed(&root) || ecsctl_buf_failed(&disp)) {
		rc = ecsctl_error_set(err, ECSCTL_ENOMEM, "out of memory");
		goto done;
	}
	s->base.list = dir_list;
	s->base.read = dir_read;
	s->base.free = dir_free;
	s->root = ecsctl_buf_detach(&root);
	s->base.display_root = disp.alloc ? ecsctl_buf_detach(&disp) : strdup("");
	s->base.root_name = source_basename(realpath(s->root, real) ? real : s->root);
	if (!s->root || !s->base.display_root || !s->base.root_name) {
		rc = ecsctl_error_set(err, ECSCTL_ENOMEM, "out of memory");
		goto done;
	}
	head_info(s);
	*out = &s->base;
	s = NULL;
done:
	if (s) {
		free(s->base.display_root);
		free(s->base.root_name);
		free(s->root);
		free(s);
	}
	ecsctl_buf_release(&root);
	ecsctl_buf_release(&disp);
	free(clean);
	return rc;
}
