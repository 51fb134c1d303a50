/*
 * The file lease: flock(2) on a path, for writers on one machine. The lock
 * is the kernel's and ends with its process (kill -9 included), so it never
 * expires and needs no heartbeat; the record written into the locked file is
 * only there to name the holder to the writer who waits.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lock_int.h"
#include "banned.h"

#define MAX_RECORD 4096

static int open_lock(struct ecsctl_lock *l, struct ecsctl_error *err)
{
	/* 0644: the record names a user, host and pid, nothing secret */
	int fd = open(l->cfg.path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);

	if (fd < 0)
		ecsctl_error_set(err, ECSCTL_EIO, "lock file %s: %s", l->cfg.path, strerror(errno));
	return fd;
}

static int file_create(struct ecsctl_lock *l, const struct ecsctl_lease *mine, char **version,
                       struct ecsctl_error *err)
{
	char *rec = NULL;
	int fd, rc = 0;

	*version = NULL;
	if ((fd = open_lock(l, err)) < 0)
		return err->code;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		rc = errno == EWOULDBLOCK ? ECSCTL_ELOCKED
		                          : ecsctl_error_set(err, ECSCTL_EIO, "lock file %s: %s",
		                                             l->cfg.path, strerror(errno));
		goto fail;
	}
	if (!(rec = lock_lease_json(mine))) {
		rc = ecsctl_error_nomem(err);
		goto fail;
	}
	if (ftruncate(fd, 0) || pwrite(fd, rec, strlen(rec), 0) != (ssize_t)strlen(rec)) {
		rc = ecsctl_error_set(err, ECSCTL_EIO, "lock file %s: %s", l->cfg.path,
		                      strerror(errno));
		goto fail;
	}
	free(rec);
	l->fd = fd;
	return 0;
fail:
	free(rec);
	close(fd); /* drops the flock if we had it */
	return rc;
}

/* The holder's record, while a process holds the lock. */
static int file_get(struct ecsctl_lock *l, struct ecsctl_lease *out, char **version,
                    struct ecsctl_error *err)
{
	char buf[MAX_RECORD];
	ssize_t n;
	int fd, tries;

	*version = NULL;
	memset(out, 0, sizeof(*out));
	if ((fd = open_lock(l, err)) < 0)
		return err->code;
	/* Free when a shared lock can be had: a record left is a dead one's.
	 * Locked with an empty or half-written record: the holder is between
	 * flock and write (or truncating to release): look again shortly. */
	for (tries = 0; tries < 100; tries++) {
		if (!flock(fd, LOCK_SH | LOCK_NB)) {
			close(fd);
			return ecsctl_error_set(err, ECSCTL_ENOTFOUND, "no lease is held on %s",
			                        l->where);
		}
		n = pread(fd, buf, sizeof(buf), 0);
		if (n > 0 && !lock_lease_parse(out, buf, (size_t)n, err)) {
			close(fd);
			return 0;
		}
		ecsctl_error_release(err);
		usleep(10000);
	}
	close(fd);
	/* a process that locks the file without writing a record (not ecsctl) */
	out->id = strdup("-");
	out->holder = strdup("a process that wrote no record in the lock file");
	out->commit = strdup("");
	if (!out->id || !out->holder || !out->commit) {
		ecsctl_lease_release(out);
		return ecsctl_error_nomem(err);
	}
	return 0;
}

static int file_remove(struct ecsctl_lock *l, const struct ecsctl_lease *old, const char *version,
                       struct ecsctl_error *err)
{
	(void)version;
	if (l->fd < 0 || strcmp(old->id, l->mine.id))
		return ecsctl_error_set(
		    err, ECSCTL_EINVAL,
		    "%s is held by a live process (%s): a file lock ends with its "
		    "process, so stop that process instead",
		    l->where, old->holder);
	/* empty before unlocking: a reader never sees our record as a holder's */
	if (ftruncate(l->fd, 0))
		ecsctl_error_set(err, ECSCTL_EIO, "lock file %s: %s", l->cfg.path, strerror(errno));
	close(l->fd);
	l->fd = -1;
	return err->code;
}

const struct lock_backend lock_file_backend = {file_create, file_get, NULL, file_remove};
