/*
 * Writing the imported files: all or none, never through a symbolic link.
 *
 * `-o DIR` may be a checkout someone else prepared, so a file or folder on
 * the way below DIR may be a planted link (services -> /etc). Every step
 * below DIR is an openat() with O_NOFOLLOW from a folder descriptor, and
 * the files are written whole in a staging folder before any of them is
 * moved, so a failure (a full disk, a refused destination) leaves DIR as
 * it was instead of half an import.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ecsctl/buf.h"
#include "ecsctl/import.h"
#include "banned.h"

/* Folders this call created, removed again (deepest first) on failure. */
struct created {
	char **paths;
	size_t count;
};

struct writer {
	const char *dir;
	int dfd;     /* DIR */
	int sfd;     /* the staging folder inside DIR */
	char *stage; /* its name, relative to DIR */
	struct created made;
	bool force;
};

static void created_add(struct created *c, const char *path)
{
	char **p = realloc(c->paths, (c->count + 1) * sizeof(*p));

	if (!p)
		return; /* only cleanup is lost */
	c->paths = p;
	c->paths[c->count] = strdup(path);
	if (c->paths[c->count])
		c->count++;
}

/* Removes the folders again if they are still empty (rmdir refuses otherwise). */
static void created_undo(const struct created *c)
{
	size_t i = c->count;

	while (i > 0)
		rmdir(c->paths[--i]);
}

static void created_release(struct created *c)
{
	size_t i;

	for (i = 0; i < c->count; i++)
		free(c->paths[i]);
	free(c->paths);
	memset(c, 0, sizeof(*c));
}

/* DIR is the user's own choice, so it is created the ordinary way. */
static int make_dir(struct created *made, const char *dir, struct ecsctl_error *err)
{
	char *p = strdup(dir), *s, c;
	int rc = 0;

	if (!p)
		return ecsctl_error_nomem(err);
	for (s = p + 1;; s++) {
		if (*s && *s != '/')
			continue;
		c = *s;
		*s = '\0';
		if (mkdir(p, 0777) == 0)
			created_add(made, p);
		else if (errno != EEXIST)
			rc = ecsctl_error_set(err, ECSCTL_EIO, "cannot create '%s': %s", p,
			                      strerror(errno));
		*s = c;
		if (rc || !c)
			break;
	}
	free(p);
	return rc;
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, data, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		data += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Writes file `i` whole as staging/<i>. */
static int stage_file(struct writer *w, size_t i, const struct ecsctl_import_file *f,
                      struct ecsctl_error *err)
{
	char name[32];
	int fd;

	snprintf(name, sizeof(name), "%zu", i);
	fd = openat(w->sfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
	if (fd < 0 || write_all(fd, f->text, strlen(f->text)) || fsync(fd)) {
		ecsctl_error_set(err, ECSCTL_EIO, "cannot write '%s/%s': %s", w->dir, f->path,
		                 strerror(errno));
		if (fd >= 0)
			close(fd);
		return err->code;
	}
	if (close(fd))
		return ecsctl_error_set(err, ECSCTL_EIO, "cannot write '%s/%s': %s", w->dir,
		                        f->path, strerror(errno));
	return 0;
}

/*
 * Opens the folder holding `path` (relative to DIR), one component at a
 * time without following a link; `create` makes missing folders. Returns
 * the descriptor and points `*base` at the file name, or -1 with `err` set.
 */
static int open_parent(struct writer *w, const char *path, bool create, const char **base,
                       struct ecsctl_error *err)
{
	struct ecsctl_buf so_far = ECSCTL_BUF_INIT;
	const char *p = path, *slash;
	int fd = dup(w->dfd);

	while (fd >= 0 && (slash = strchr(p, '/')) != NULL) {
		char comp[256];
		size_t n = (size_t)(slash - p);
		int next;

		if (n == 0 || n >= sizeof(comp)) {
			ecsctl_error_set(err, ECSCTL_EINVAL, "bad file name '%s'", path);
			goto fail;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		ecsctl_buf_addf(&so_far, "%s%s", so_far.len ? "/" : "", comp);
		next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && errno == ENOENT && create) {
			if (mkdirat(fd, comp, 0777) == 0) {
				struct ecsctl_buf full = ECSCTL_BUF_INIT;

				ecsctl_buf_addf(&full, "%s/%s", w->dir, so_far.buf);
				created_add(&w->made, full.buf);
				ecsctl_buf_release(&full);
			}
			next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (next < 0) {
			/* ELOOP: O_NOFOLLOW met a link; ENOTDIR: a file, or a link to one */
			if (errno == ELOOP || errno == ENOTDIR)
				ecsctl_error_set(
				    err, ECSCTL_EINVAL,
				    "'%s/%s' is a symbolic link or not a folder; import "
				    "writes only into real folders",
				    w->dir, so_far.buf);
			else
				ecsctl_error_set(err, ECSCTL_EIO, "cannot open '%s/%s': %s", w->dir,
				                 so_far.buf, strerror(errno));
			goto fail;
		}
		close(fd);
		fd = next;
		p = slash + 1;
	}
	if (fd < 0) {
		ecsctl_error_set(err, ECSCTL_EIO, "cannot open '%s': %s", w->dir, strerror(errno));
		goto fail;
	}
	ecsctl_buf_release(&so_far);
	*base = p;
	return fd;
fail:
	if (fd >= 0)
		close(fd);
	ecsctl_buf_release(&so_far);
	return -1;
}

/* May file `f` go to its place? Creates the folders it needs. */
static int check_dest(struct writer *w, const struct ecsctl_import_file *f,
                      struct ecsctl_error *err)
{
	const char *base;
	struct stat st;
	int pfd = open_parent(w, f->path, true, &base, err), rc = 0;

	if (pfd < 0)
		return err->code;
	if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISLNK(st.st_mode))
			rc = ecsctl_error_set(err, ECSCTL_EINVAL,
			                      "'%s/%s' is a symbolic link; import does not write "
			                      "through links (remove it first)",
			                      w->dir, f->path);
		else if (!S_ISREG(st.st_mode))
			rc = ecsctl_error_set(err, ECSCTL_EINVAL,
			                      "'%s/%s' exists and is not a file", w->dir, f->path);
		else if (!w->force)
			rc = ecsctl_error_set(err, ECSCTL_EINVAL,
			                      "'%s/%s' exists (pass --force to overwrite)", w->dir,
			                      f->path);
	} else if (errno != ENOENT) {
		rc = ecsctl_error_set(err, ECSCTL_EIO, "cannot read '%s/%s': %s", w->dir, f->path,
		                      strerror(errno));
	}
	close(pfd);
	return rc;
}

/* Moves staging/<i> to its place: a rename replaces (--force) and never
 * follows a link there; a hard link refuses a file that appeared meanwhile. */
static int place(struct writer *w, size_t i, const struct ecsctl_import_file *f,
                 struct ecsctl_error *err)
{
	const char *base;
	char name[32];
	int pfd = open_parent(w, f->path, false, &base, err), rc = 0;

	if (pfd < 0)
		return err->code;
	snprintf(name, sizeof(name), "%zu", i);
	if (w->force ? renameat(w->sfd, name, pfd, base) : linkat(w->sfd, name, pfd, base, 0))
		rc = ecsctl_error_set(err, errno == EEXIST ? ECSCTL_EINVAL : ECSCTL_EIO,
		                      "cannot write '%s/%s': %s%s", w->dir, f->path,
		                      strerror(errno),
		                      errno == EEXIST ? " (pass --force to overwrite)" : "");
	else
		fsync(pfd);
	close(pfd);
	return rc;
}

/* Empties and removes the staging folder. */
static void unstage(struct writer *w, size_t n)
{
	char name[32];
	size_t i;

	if (w->sfd < 0)
		return;
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%zu", i);
		unlinkat(w->sfd, name, 0);
	}
	close(w->sfd);
	w->sfd = -1;
	unlinkat(w->dfd, w->stage, AT_REMOVEDIR);
}

int ecsctl_import_write(const struct ecsctl_import_result *r, const char *dir, bool force,
                        struct ecsctl_error *err)
{
	struct writer w = {dir, -1, -1, NULL, {NULL, 0}, force};
	struct ecsctl_buf stage = ECSCTL_BUF_INIT;
	size_t i, placed = 0;
	int rc = 0;

	if ((rc = make_dir(&w.made, dir, err)) < 0)
		goto done;
	w.dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ecsctl_buf_addf(&stage, "%s/.ecsctl-import-XXXXXX", dir);
	if (w.dfd < 0 || ecsctl_buf_failed(&stage) || !mkdtemp(stage.buf)) {
		rc = ecsctl_error_set(err, ECSCTL_EIO, "cannot write in '%s': %s", dir,
		                      strerror(errno));
		goto done;
	}
	w.stage = strrchr(stage.buf, '/') + 1;
	w.sfd = openat(w.dfd, w.stage, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (w.sfd < 0) {
		rc = ecsctl_error_set(err, ECSCTL_EIO, "cannot open '%s': %s", stage.buf,
		                      strerror(errno));
		unlinkat(w.dfd, w.stage, AT_REMOVEDIR);
		goto done;
	}
	for (i = 0; i < r->count && rc == 0; i++)
		rc = stage_file(&w, i, &r->files[i], err);
	for (i = 0; i < r->count && rc == 0; i++)
		rc = check_dest(&w, &r->files[i], err);
	for (i = 0; i < r->count && rc == 0; i++)
		if ((rc = place(&w, i, &r->files[i], err)) == 0)
			placed++;
	if (rc && placed)
		ecsctl_error_wrap(err, "after writing %zu of %zu files", placed, r->count);
	fsync(w.dfd);
done:
	unstage(&w, r->count);
	if (rc && !placed)
		created_undo(&w.made);
	created_release(&w.made);
	if (w.dfd >= 0)
		close(w.dfd);
	ecsctl_buf_release(&stage);
	return rc;
}
