/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Recording: the syscalls a process tree makes, seen through a seccomp user-notification
 * filter (every call is answered SECCOMP_USER_NOTIF_FLAG_CONTINUE), and the allowlist profile
 * made from them. Used by `seccompctl record` (its own child) and by seccompd (containers
 * started through seccompd-oci with the annotation seccompd.record). */

#include <jansson.h>
#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Architectures one recording keeps apart (an x86_64 host: x86_64, x86, x32; aarch64: arm).
 * A call on a further architecture is counted in `n_dropped`, never recorded. */
#define RECORD_MAX_ARCHES 4
/* Syscall numbers kept per architecture (x32's bit removed); a larger number is counted in
 * `n_dropped`: no profile could name it. */
#define RECORD_MAX_NR 1024

/* Fixed size (about 600 bytes): this is the whole memory of one recording. */
struct record_set {
        unsigned n_arches;
        struct {
                uint32_t scmp_arch; /* SCMP_ARCH_*: x32 calls are SCMP_ARCH_X32, not X86_64 */
                uint64_t bits[RECORD_MAX_NR / 64];
        } arches[RECORD_MAX_ARCHES];
        uint64_t n_calls;   /* notifications answered */
        uint64_t n_dropped; /* calls not recordable (see above) */
};

void record_set_init(struct record_set *s);

/* One call, as a notification reports it (AUDIT_ARCH_* value, syscall number). Returns 1 when
 * it is new, 0 when already seen, -E2BIG when it cannot be recorded (counted in n_dropped). */
int record_set_add(struct record_set *s, uint32_t audit_arch, int nr);

/* Number of distinct (arch, syscall) pairs recorded. */
size_t record_set_count(const struct record_set *s);

/* The syscalls OCI runtimes make after they load the container's filter and before the
 * workload's first instruction (crun's and runc's, measured: see lib/record.c), added for every
 * architecture of `s` (the native one when `s` is empty). seccompctl record adds them; a
 * container recorded through seccompd-oci has recorded its runtime's own. */
int record_set_add_runtime_tail(struct record_set *s);

/* The calls a run makes or not by scheduling alone (a shell's rt_sigsuspend when its child
 * has not exited yet, restart_syscall, rt_sigreturn, a contended futex, sched_yield): a
 * second run may need them where the recorded one did not. Added like the runtime tail; both
 * seccompctl record and seccompd add them. */
int record_set_add_timing(struct record_set *s);

/* The recording filter: one instruction, SECCOMP_RET_USER_NOTIF for every call of every
 * architecture. */
extern const struct sock_filter record_filter_insns[1];

/* Answers one pending notification on `listener`: receives it, adds it to `s`, answers
 * CONTINUE. Returns 0, -ENOENT when the caller went away meanwhile (not an error), or -errno. */
int record_notify_one(int listener, struct record_set *s);

enum record_format {
        RECORD_FORMAT_DOCKER, /* the rule carries the comment */
        RECORD_FORMAT_OCI,    /* runtime-spec linux.seccomp: one rule, no comments */
};

struct record_profile_options {
        enum record_format format;
        const char *comment;       /* how it was recorded: put in the rule's comment */
        const char *const *arches; /* more architectures to list (libseccomp names such as
                                      "x86"), seen or not; NULL-terminated, or NULL */
        unsigned default_errno;    /* defaultErrnoRet; 0 means EPERM (1) */
};

/* The smallest allowlist that lets the recorded run happen: defaultAction SCMP_ACT_ERRNO,
 * every architecture seen (the native one first) and those of o->arches, one ALLOW rule with the
 * sorted names seen on any of them. One rule, not one per arch: moby's includes.arches tests
 * the node's arch, not the calling process's (see record.c). Returns 0, -EINVAL for an unknown
 * name in o->arches, or -errno (-ENODATA: nothing recorded). */
int record_profile(const struct record_set *s, const struct record_profile_options *o,
                   json_t **ret);

/* Unions `other` into `base`: every name `other` allows unconditionally (ALLOW rule without
 * args or excludes) on an architecture becomes allowed on that architecture in `base`, whose
 * form is kept (archMap or architectures, comments, its other rules). `other_name` is used in
 * the comment of what is added. Returns 0, or -EINVAL with a message in `*error` (free it)
 * when either is not a profile this can merge (for instance defaultAction is not a deny). */
int record_merge(json_t *base, const json_t *other, const char *other_name, char **error);

/* Writes `j` (indented, trailing newline) to `path` atomically: a temporary file in the same
 * directory, fsync, rename. Mode 0644. Returns 0 or -errno. */
int record_write_profile(const char *path, const json_t *j);
