/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Recording containers (the annotation seccompd.record, issue 12).
 *
 * seccompd-oci reserves a recording for a container id (recorder_reserve(), from
 * POST /v1/recordings/ID) and gives crun the one-instruction filter that notifies every call
 * (lib/record.h) and the annotation run.oci.seccomp.receiver = the record socket. crun loads
 * the filter in the container with SECCOMP_FILTER_FLAG_NEW_LISTENER and sends the listener
 * there with its state (JSON: id, pid, annotations). The recorder thread takes it for the
 * reserved id, answers every notification CONTINUE and records (arch, syscall); once every
 * process of the container is gone (the listener reports POLLHUP), it writes the profile
 * into the root, atomically (merged into the file when there is one already), where the
 * watcher validates and serves it like any other.
 *
 * Bounds: at most `max` recordings reserved or running at once (max-recordings, default
 * RECORDER_MAX_DEFAULT; the next reservation gets 503); each is a fixed struct record_set
 * (under 1 KiB) whatever the container does; a reservation unused for
 * RECORDER_RESERVE_TTL_MS is dropped; a connection to the record socket must send its listener
 * and state (at most RECORDER_PAYLOAD_MAX bytes) within RECORDER_CONNECT_TTL_MS, and at most
 * `max` wait at once; a peer that is not uid 0 is closed at once. The last
 * RECORDER_HISTORY finished recordings are listed.
 *
 * If seccompd goes away during a recording, the listener closes with it: from then on every
 * call of the container fails with ENOSYS (the kernel's answer when a notifying filter has no
 * listener). It is never left unfiltered; it dies or fails, and nothing is written.
 *
 * Thread-safe: one mutex, taken only here. */

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#define RECORDER_MAX_DEFAULT    16
#define RECORDER_MAX_LIMIT      256
#define RECORDER_HISTORY        64
#define RECORDER_RESERVE_TTL_MS 60000
#define RECORDER_CONNECT_TTL_MS 5000
#define RECORDER_PAYLOAD_MAX    65536

struct recorder;

/* Binds the record socket at `socket_path` (mode 0600; NULL: recording is off) for `max`
 * recordings at once. A socket that cannot be bound turns recording off with a warning: the
 * daemon runs on. Returns 0 or -ENOMEM. Must be called before the self filter. */
int recorder_new(const char *socket_path, unsigned max, struct recorder **ret);
int recorder_start(struct recorder *r);
/* Ends the thread; running recordings are abandoned (logged, nothing written). */
void recorder_stop(struct recorder *r);
struct recorder *recorder_free(struct recorder *r);

/* The socket crun sends the listener to, or NULL when recording is off. */
const char *recorder_socket(const struct recorder *r);

/* Reserves a recording of container `id`, to be written to `path` and served as `name`.
 * Returns 0; -EAGAIN when recording is off or every slot is taken (*ret_why says which);
 * -EBUSY when `id` is reserved or recording already; -ENOMEM. */
int recorder_reserve(struct recorder *r, const char *id, const char *name, const char *path,
                     const char **ret_why);

/* GET /v1/recordings. */
json_t *recorder_list_json(struct recorder *r);
void recorder_render_metrics(struct recorder *r, FILE *f);
