/* Writing files whole: a reader sees the old content or the new, never half. */
#ifndef ECSCTL_FILE_H
#define ECSCTL_FILE_H

#include <stddef.h>
#include <sys/types.h>

#include "ecsctl/error.h"

/*
 * Writes `len` bytes to PATH.tmp (never through a symlink), fsyncs it, gives
 * it exactly `mode` (whatever the umask, and also when PATH.tmp existed
 * with another mode), renames it over `path` and fsyncs the folder. The
 * rename replaces `path` with the new inode, so an existing `path` ends with
 * `mode` too. ECSCTL_EIO naming the file and errno's text; ECSCTL_ENOMEM.
 * On error PATH.tmp is removed and `path` is untouched.
 */
int ecsctl_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
                             struct ecsctl_error *err);

#endif
