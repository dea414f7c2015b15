/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* Writes all `size` bytes, retrying short writes and EINTR. Returns 0 or -errno. */
int write_all(int fd, const void *data, size_t size);

/* Reads until `max` bytes or end of file, retrying short reads and EINTR. Returns the number
 * of bytes read or -errno. */
ssize_t read_at_most(int fd, void *buf, size_t max);
