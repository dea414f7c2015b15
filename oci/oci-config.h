/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* A bundle's config.json, and the config derived from it in which crun takes a compiled
 * filter through the run.oci.seccomp_bpf_data annotation instead of compiling linux.seccomp.
 *
 * The config goes through jansson, whose integers are signed 64-bit: a number it cannot hold
 * exactly (a uint64 above INT64_MAX, such as an "unlimited" rlimit or a seccomp argument
 * mask, or any real) is swapped for a unique marker string before parsing and put back,
 * byte for byte, in every text written from it. */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "macro.h"

#define OCI_ANNOTATION_BPF          "run.oci.seccomp_bpf_data"
#define OCI_ANNOTATION_FAIL_UNKNOWN "run.oci.seccomp_fail_unknown_syscall"
#define OCI_ANNOTATION_RECEIVER     "run.oci.seccomp.receiver"
#define OCI_ANNOTATION_PLUGINS      "run.oci.seccomp.plugins"
#define OCI_FLAG_SPEC_ALLOW         "SECCOMP_FILTER_FLAG_SPEC_ALLOW"
#define OCI_FLAG_LOG                "SECCOMP_FILTER_FLAG_LOG"

struct oci_config;

/* Reads and parses the config at `path`, a regular file (a FIFO, a device ... is never
 * opened: never a hang). Returns 0, -errno when it cannot be read (-ELOOP for a symlink loop,
 * -EINVAL when not a regular file, -EFBIG above 64 MiB), or -EBADMSG when it is not a JSON
 * object (duplicate keys included); then (and for -EINVAL and -EFBIG) *ret_error, when not
 * NULL, gets a message to free. `ret_stat`: the file's, to tell it apart
 * from the derived file. */
int oci_config_load(const char *path, struct oci_config **ret, struct stat *ret_stat,
                    char **ret_error);
struct oci_config *oci_config_free(struct oci_config *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct oci_config *, oci_config_free);

enum oci_verdict {
        OCI_VERDICT_COMPILE,    /* linux.seccomp can be compiled by seccompd */
        OCI_VERDICT_NO_SECCOMP, /* no linux.seccomp: nothing to do */
        OCI_VERDICT_PASS,       /* left to crun by design (NOTIFY, ...): a debug line */
        OCI_VERDICT_PASS_WARN,  /* left to crun, and worth a warning (flags, ...) */
        _OCI_VERDICT_MAX,
};

/* Whether linux.seccomp can be replaced by the blob without changing what the container gets:
 * not when crun must set up a NOTIFY listener, when it takes filter flags other than its
 * default (SECCOMP_FILTER_FLAG_SPEC_ALLOW) from linux.seccomp, when the section has keys
 * outside the OCI runtime spec (crun ignores them; seccompd would read Docker's includes,
 * excludes and errno names), or when an annotation asks crun for its own checks.
 * *ret_why: a static or malloc'd reason in *ret_why_buf (free it) for the log. */
enum oci_verdict oci_config_verdict(const struct oci_config *c, const char **ret_why,
                                    char **ret_why_buf);

/* linux.seccomp as compact JSON, numbers as written: the body for POST /v1/compile.
 * Returns 0 or -ENOMEM. */
int oci_config_section(const struct oci_config *c, char **ret, size_t *ret_size);

/* The derived config as compact JSON: annotations[OCI_ANNOTATION_BPF] = `blob_b64` (the raw
 * BPF in standard, padded base64, as crun decodes it), and linux.seccomp removed, or cut down
 * to its filter flags when there are any to keep: crun loads the annotation's blob (it never
 * compiles the section then) with the flags of linux.seccomp, and with
 * SECCOMP_FILTER_FLAG_SPEC_ALLOW alone when there is no linux.seccomp. So a section with
 * "flags" keeps {"defaultAction", "flags"}; `log` (the daemon's --log-filter) adds
 * SECCOMP_FILTER_FLAG_LOG to them (to crun's default when the section had none). Everything
 * else as in the original. `receiver` (a recording: NULL otherwise) is set as the annotation
 * OCI_ANNOTATION_RECEIVER: crun then loads the blob with SECCOMP_FILTER_FLAG_NEW_LISTENER and
 * sends the listener to that socket. Returns 0, -ENOMEM, or -EINVAL when "annotations" (or
 * "linux") is not an object or `blob_b64` is not ASCII (then `c` is unchanged). Works on `c`
 * itself: after a success `c` is the derived config. */
int oci_config_derive(struct oci_config *c, const char *blob_b64, bool log, const char *receiver,
                      char **ret);

/* The string value of annotation `key`, or NULL. */
const char *oci_config_annotation(const struct oci_config *c, const char *key);

/* Writes `data` to `dir`/`name` atomically (a temp file in `dir`, mode 0600, renamed over
 * `name`), unless `name` already holds exactly `data` (a regular file of this user, mode
 * 0600, one link): then nothing is written. Returns 0 or -errno. */
int oci_write_atomic(const char *dir, const char *name, const char *data, size_t size);
