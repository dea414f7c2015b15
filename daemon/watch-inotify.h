/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>

/* libinotifytools 3.22 glue: its instance and watch table live in globals, and it has no
 * getter for its inotify fd. */

/* Initialises the library and finds its inotify fd (made close-on-exec). *ret_initialized
 * says whether inotifytools_cleanup() is due, also on failure. Returns 0, -EBUSY (another
 * instance appeared at the same moment), -ENXIO (none found), -EMFILE (the fd is too high
 * for the library's select()), or -errno. Main thread, before the watcher's thread runs. */
int watch_inotify_open(bool *ret_initialized, int *ret_fd);
