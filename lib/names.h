/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "macro.h"

/* The vocabularies of the profile formats: actions, operators, architectures, flags,
 * capabilities and errno names. Each enum has to_string and from_string tables. */

enum action {
        ACTION_KILL_THREAD,
        ACTION_KILL_PROCESS,
        ACTION_TRAP,
        ACTION_ERRNO,
        ACTION_TRACE,
        ACTION_ALLOW,
        ACTION_LOG,
        ACTION_NOTIFY,
        _ACTION_MAX,
        _ACTION_INVALID = -EINVAL,
};

/* "SCMP_ACT_ERRNO"; SCMP_ACT_KILL parses as ACTION_KILL_THREAD (libseccomp's alias). */
const char *action_to_string(enum action a) _pure_;
enum action action_from_string(const char *s) _pure_;
/* Short form used in output: "ERRNO", "KILL_THREAD". */
const char *action_to_short(enum action a) _pure_;
/* Whether the action carries a return value (errnoRet). */
static inline bool action_has_data(enum action a)
{
        return a == ACTION_ERRNO || a == ACTION_TRACE;
}
/* The libseccomp action value; `data` is the errno (or trace message). */
uint32_t action_to_scmp(enum action a, uint32_t data);

enum op {
        OP_NE,
        OP_LT,
        OP_LE,
        OP_EQ,
        OP_GE,
        OP_GT,
        OP_MASKED_EQ,
        _OP_MAX,
        _OP_INVALID = -EINVAL,
};
const char *op_to_string(enum op o) _pure_;
enum op op_from_string(const char *s) _pure_;
int op_to_scmp(enum op o);

struct arch_info {
        const char *name;       /* SCMP_ARCH_X86_64 */
        const char *short_name; /* x86_64, as libseccomp names it */
        const char *go_name;    /* amd64, as moby's includes/excludes name it */
        uint32_t token;         /* SCMP_ARCH_* value, 0 when libseccomp 2.5.4 cannot build it */
        bool big_endian;        /* libseccomp writes such filters in the target's byte order */
};
/* Every architecture of the runtime spec. Accepts SCMP_ARCH_X86_64, x86_64 and amd64. */
const struct arch_info *arch_lookup(const char *name) _pure_;
const struct arch_info *arch_from_token(uint32_t token) _pure_;
const struct arch_info *arch_native(void);
/* Whether `go_name` is an arch name used in includes/excludes (moby's, including the
 * historic misspelling "mips3l64n32"). */
bool arch_go_name_known(const char *go_name) _pure_;
/* Whether a moby-style arch name from includes/excludes denotes `arch`. */
bool arch_go_name_matches(const struct arch_info *arch, const char *go_name) _pure_;

enum filter_flag {
        FILTER_FLAG_TSYNC,
        FILTER_FLAG_LOG,
        FILTER_FLAG_SPEC_ALLOW,
        FILTER_FLAG_WAIT_KILLABLE_RECV,
        _FILTER_FLAG_MAX,
        _FILTER_FLAG_INVALID = -EINVAL,
};
const char *filter_flag_to_string(enum filter_flag f) _pure_;
enum filter_flag filter_flag_from_string(const char *s) _pure_;

/* Capability names (CAP_SYS_ADMIN ...). Returns the number or -EINVAL. */
int cap_from_string(const char *s) _pure_;
const char *cap_to_string(int cap) _pure_;
#define CAP_COUNT 41
/* Docker's default bounding set, the caps assumed when a context names none. */
extern const char *const docker_default_caps[14];

/* errno names as containers/common accepts them ("ENOSYS"). Returns the number or -EINVAL. */
int errno_from_name(const char *s) _pure_;

/* Suggests the closest of `candidates` to `word` (edit distance <= 3, case-insensitive), or
 * NULL. */
const char *names_closest(const char *word, const char *const *candidates, size_t n);
/* The action/op/arch/flag/cap names as arrays, for suggestions. */
size_t names_all(const char *kind, const char *const **ret);
