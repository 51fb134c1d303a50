/*
 * The journal of ecs-local (--state FILE): every request that changed the
 * store, and every clock tick that did, is appended to FILE.journal, and a
 * request is answered only once its record is on disk. One fdatasync
 * serves every request waiting at that moment (group commit), so
 * concurrent writers share the cost of a sync.
 *
 * A record holds the simulated time and the random state its operation ran
 * with, and the request as received: replaying the records after the state
 * file (the last compaction) redoes exactly what happened, ids included.
 * Each record also keeps a hash of its answer, so replay notices if it ever
 * came out differently.
 *
 * Format: "<seq> <len> <hash>\n" + <len> bytes of JSON + "\n", hash being
 * FNV-1a 64 of the JSON: a torn last record (crash mid-write) is recognized
 * and dropped. Sequence numbers carry on across compactions; the state
 * file names the last one it holds, so records it already has are skipped.
 *
 * FILE.lock is held (flock) for the life of the server: a second server on
 * the same state would fork its history.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ecsctl/buf.h"
#include "sim_int.h"
#include "banned.h"

#define HEAD_MAX 64

uint64_t sim_hash(const void *data, size_t len, uint64_t h)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static char *path_with(const char *base, const char *suffix)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;

	ecsctl_buf_addf(&b, "%s%s", base, suffix);
	if (ecsctl_buf_failed(&b)) {
		ecsctl_buf_release(&b);
		return NULL;
	}
	return ecsctl_buf_detach(&b);
}

/* Opens `path` 0600 without following a planted symlink. */
static int open_private(const char *path, int flags)
{
	int fd = open(path, flags | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd >= 0 && fchmod(fd, 0600) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int take_lock(struct sim_journal *j, const char *state_file, struct ecsctl_error *err)
{
	char *path = path_with(state_file, ".lock"), pid[32];
	int rc = 0, n;

	if (!path)
		return ecsctl_error_set(err, ECSCTL_ENOMEM, "out of memory");
	j->lock_fd = open_private(path, O_RDWR);
	if (j->lock_fd < 0) {
		rc = ecsctl_error_set(err, ECSCTL_EIO, "%s: %s", path, strerror(errno));
		goto done;
	}
	if (flock(j->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;
		n = (int)pread(j->lock_fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		if (e == EWOULDBLOCK)
			rc = ecsctl_error_set(err, ECSCTL_EINVAL,
			                      "%s is in use by another ecs-local (pid %s): stop "
			                      "it, or give this one another --state",
			                      state_file, *pid ? pid : "unknown");
		else
			rc = ecsctl_error_set(err, ECSCTL_EIO, "%s: %s", path, strerror(e));
		goto done;
	}
	/* the holder's pid, for the message above; advisory only */
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(j->lock_fd, 0) != 0 || pwrite(j->lock_fd, pid, (size_t)n, 0) != n)
		rc = ecsctl_error_set(err, ECSCTL_EIO, "%s: %s", path, strerror(errno));
done:
	free(path);
	return rc;
}

int sim_journal_open(struct sim_journal *j, const char *state_file, struct ecsctl_error *err)
{
	struct stat st;
	int rc;

	memset(j, 0, sizeof(*j));
	j->fd = j->lock_fd = -1;
	pthread_mutex_init(&j->mu, NULL);
	pthread_cond_init(&j->cv, NULL);
	if ((rc = take_lock(j, state_file, err)))
		return rc;
	j->path = path_with(state_file, ".journal");
	if (!j->path)
		return ecsctl_error_set(err, ECSCTL_ENOMEM, "out of memory");
	j->fd = open_private(j->path, O_RDWR | O_APPEND);
	if (j->fd < 0 || fstat(j->fd, &st) != 0)
		return ecsctl_error_set(err, ECSCTL_EIO, "%s: %s", j->path, strerror(errno));
	j->bytes = (long long)st.st_size;
	return 0;
}

void sim_journal_close(struct sim_journal *j)
{
	if (j->fd >= 0)
		close(j->fd);
	if (j->lock_fd >= 0)
		close(j->lock_fd); /* releases the flock */
	free(j->path);
	pthread_mutex_destroy(&j->mu);
	pthread_cond_destroy(&j->cv);
	j->fd = j->lock_fd = -1;
	j->path = NULL;
}

/* Reads the whole journal; NULL and *len 0 when empty. */
static char *slurp(struct sim_journal *j, size_t *len, struct ecsctl_error *err)
{
	char *data;
	size_t got = 0;

	*len = 0;
	if (j->bytes <= 0)
		return NULL;
	data = malloc((size_t)j->bytes);
	if (!data) {
		ecsctl_error_set(err, ECSCTL_ENOMEM, "%s: out of memory", j->path);
		return NULL;
	}
	while (got < (size_t)j->bytes) {
		ssize_t n = pread(j->fd, data + got, (size_t)j->bytes - got, (off_t)got);
		if (n <= 0) {
			ecsctl_error_set(err, ECSCTL_EIO, "%s: %s", j->path,
			                 n < 0 ? strerror(errno) : "shorter than it was");
			free(data);
			return NULL;
		}
		got += (size_t)n;
	}
	*len = got;
	return data;
}

/* Parses the record at data[off..]; its JSON in *rec. 0, or -1 if torn. */
static int next_record(const char *data, size_t len, size_t *off, unsigned long long *seq,
                       json_t **rec)
{
	char head[HEAD_MAX + 1];
	const char *nl = memchr(data + *off, '\n', len - *off < HEAD_MAX ? len - *off : HEAD_MAX);
	unsigned long long n;
	uint64_t hash;
	size_t at;

	if (!nl)
		return -1;
	memcpy(head, data + *off, (size_t)(nl - (data + *off)));
	head[nl - (data + *off)] = '\0';
	if (sscanf(head, "%llu %llu %" SCNx64, seq, &n, &hash) != 3)
		return -1;
	at = (size_t)(nl - data) + 1;
	if (n > len - at || len - at - n < 1 || data[at + n] != '\n' ||
	    sim_hash(data + at, n, SIM_HASH_SEED) != hash)
		return -1;
	*rec = json_loadb(data + at, n, 0, NULL);
	if (!*rec)
		return -1;
	*off = at + n + 1;
	return 0;
}

int sim_journal_replay(struct sim_journal *j, unsigned long long after,
                       int (*apply)(void *arg, unsigned long long seq, json_t *rec,
                                    struct ecsctl_error *err),
                       void *arg, long long *torn_at, struct ecsctl_error *err)
{
	size_t len = 0, off = 0;
	char *data = slurp(j, &len, err);
	int rc = 0;

	*torn_at = -1;
	j->seq = after;
	if (!data)
		return err->code ? err->code : 0;
	while (off < len) {
		unsigned long long seq;
		json_t *rec = NULL;
		if (next_record(data, len, &off, &seq, &rec)) {
			/* a crash mid-append: what follows was never acknowledged */
			*torn_at = (long long)off;
			if (ftruncate(j->fd, (off_t)off) != 0) {
				rc = ecsctl_error_set(err, ECSCTL_EIO, "%s: %s", j->path,
				                      strerror(errno));
				goto done;
			}
			j->bytes = (long long)off;
			break;
		}
		if (seq <= after && j->seq == after) {
			/* already in the state file (compacted, the cut not yet on disk) */
			json_decref(rec);
			continue;
		}
		if (seq != j->seq + 1) {
			json_decref(rec);
			rc = ecsctl_error_set(
			    err, ECSCTL_EINVAL,
			    "%s: record %llu where %llu was due: the journal does "
			    "not belong to this state file (move it away to start "
			    "from the state file alone)",
			    j->path, seq, j->seq + 1);
			goto done;
		}
		rc = apply(arg, seq, rec, err);
		json_decref(rec);
		if (rc)
			goto done;
		j->seq = seq;
	}
done:
	j->synced = j->last_write = j->seq;
	free(data);
	return rc;
}

unsigned long long sim_journal_append(struct sim_journal *j, const char *json, size_t len,
                                      int is_write)
{
	char head[HEAD_MAX];
	struct iovec iov[3];
	unsigned long long seq = j->seq + 1;
	ssize_t want, n;

	if (j->failed)
		return 0;
	n = snprintf(head, sizeof(head), "%llu %zu %016" PRIx64 "\n", seq, len,
	             sim_hash(json, len, SIM_HASH_SEED));
	iov[0].iov_base = head;
	iov[0].iov_len = (size_t)n;
	iov[1].iov_base = (void *)json;
	iov[1].iov_len = len;
	iov[2].iov_base = "\n";
	iov[2].iov_len = 1;
	want = n + (ssize_t)len + 1;
	n = writev(j->fd, iov, 3);
	pthread_mutex_lock(&j->mu);
	if (n != want) {
		/* sticky: a later record must never follow a torn one */
		j->failed = n < 0 ? errno : EIO;
		seq = 0;
	} else {
		j->seq = seq;
		j->bytes += want;
		if (is_write)
			j->last_write = seq;
	}
	pthread_mutex_unlock(&j->mu);
	return seq;
}

void sim_journal_fail(struct sim_journal *j, int e)
{
	pthread_mutex_lock(&j->mu);
	j->failed = e;
	pthread_cond_broadcast(&j->cv);
	pthread_mutex_unlock(&j->mu);
}

int sim_journal_wait(struct sim_journal *j, unsigned long long seq, struct ecsctl_error *err)
{
	int failed;

	pthread_mutex_lock(&j->mu);
	while (j->synced < seq && !j->failed) {
		unsigned long long target;
		int rc, e;
		if (j->syncing) {
			pthread_cond_wait(&j->cv, &j->mu);
			continue;
		}
		/* this thread syncs for everyone appended so far */
		target = j->seq;
		j->syncing = 1;
		pthread_mutex_unlock(&j->mu);
		rc = fdatasync(j->fd);
		e = errno;
		pthread_mutex_lock(&j->mu);
		j->syncing = 0;
		j->syncs++;
		if (rc != 0)
			j->failed = e;
		else if (target > j->synced)
			j->synced = target;
		pthread_cond_broadcast(&j->cv);
	}
	failed = j->synced < seq ? j->failed : 0;
	pthread_mutex_unlock(&j->mu);
	if (failed)
		return sim_fail(err, "ServerException", "ecs-local cannot write its journal %s: %s",
		                j->path, strerror(failed));
	return 0;
}

int sim_journal_reset(struct sim_journal *j, struct ecsctl_error *err)
{
	int rc = 0;

	pthread_mutex_lock(&j->mu);
	if (ftruncate(j->fd, 0) != 0) {
		rc = ecsctl_error_set(err, ECSCTL_EIO, "%s: %s", j->path, strerror(errno));
	} else {
		/* everything is in the state file, on disk */
		j->bytes = 0;
		j->synced = j->last_write = j->seq;
		j->failed = 0;
		pthread_cond_broadcast(&j->cv);
	}
	pthread_mutex_unlock(&j->mu);
	return rc;
}
