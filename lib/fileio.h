/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* Writes all `size` bytes, retrying short writes and EINTR. Returns 0 or -errno. */
int write_all(int fd, const void *data, size_t size);

/* Reads until `max` bytes or end of file, retrying short reads and EINTR. Returns the number
 * of bytes read or -errno. */
ssize_t read_at_most(int fd, void *buf, size_t max);

/* Reads the regular file open on `fd` to its end into a new NUL-terminated buffer (`*ret`,
 * its length in `*ret_size`): `cap` bytes at first, doubled while the file fills them; a short
 * read is the end, as a regular file gives it (no read for the EOF). Returns 0, -EFBIG past
 * `max_size` bytes, or -errno of the read. */
int read_fd_capped(int fd, size_t cap, size_t max_size, char **ret, size_t *ret_size);

/* Reads the whole regular file `path` into a new NUL-terminated buffer (`*ret`, its length
 * without the NUL in `*ret_size`). Returns 0, -EISDIR for a directory, -EBADFD for anything
 * else that is not a regular file, -EFBIG when it holds (or grows to) more than `max_size`
 * bytes, or another -errno. */
int read_file_capped(const char *path, size_t max_size, char **ret, size_t *ret_size);

/* Writes `size` bytes to `path` atomically: a temporary file beside it ("PATH.XXXXXX"), mode
 * `mode`, fsync, rename over `path`. On failure the temporary file is removed and `path` is
 * untouched. Returns 0 or -errno. */
int write_file_atomic(const char *path, const void *data, size_t size, mode_t mode);

/* mkdir -p of the directories above the last component of `path` (mode 0755; those that
 * exist are left as they are). Returns 0 or -errno. */
int mkdir_parents(const char *path);
