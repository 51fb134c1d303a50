/* Atomic file writes (ecs-local's state, saved plans). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ecsctl/buf.h"
#include "ecsctl/file.h"
#include "banned.h"

static int write_all(int fd, const char *data, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		off += (size_t)w;
	}
	return 0;
}

/* The rename itself must reach the disk too. */
static void sync_folder(const char *path)
{
	char *dir = strdup(path);
	int dfd;

	if (!dir)
		return;
	dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	free(dir);
}

int ecsctl_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
                             struct ecsctl_error *err)
{
	struct ecsctl_buf tmp = ECSCTL_BUF_INIT;
	int fd = -1, rc = 0;

	ecsctl_buf_addf(&tmp, "%s.tmp", path);
	if (ecsctl_buf_failed(&tmp)) {
		rc = ecsctl_error_nomem(err);
		goto done;
	}
	/* O_NOFOLLOW: a symlink planted at PATH.tmp must not redirect the write.
	 * fchmod: open's mode applies only to a file it creates, minus the umask. */
	fd = open(tmp.buf, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0 || fchmod(fd, mode) || write_all(fd, data, len) || fsync(fd)) {
		rc = ecsctl_error_set(err, ECSCTL_EIO, "%s: %s", tmp.buf, strerror(errno));
		goto done;
	}
	if (close(fd)) {
		fd = -1;
		rc = ecsctl_error_set(err, ECSCTL_EIO, "%s: %s", tmp.buf, strerror(errno));
		goto done;
	}
	fd = -1;
	if (rename(tmp.buf, path)) {
		rc = ecsctl_error_set(err, ECSCTL_EIO, "%s: %s", path, strerror(errno));
		goto done;
	}
	sync_folder(path);
done:
	if (fd >= 0)
		close(fd);
	if (rc && !ecsctl_buf_failed(&tmp))
		unlink(tmp.buf);
	ecsctl_buf_release(&tmp);
	return rc;
}
