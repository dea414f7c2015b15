/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <linux/capability.h>
#include <seccomp.h>
#include <string.h>
#include <strings.h>

#include "names.h"

static const char *const action_table[_ACTION_MAX] = {
        [ACTION_KILL_THREAD] = "SCMP_ACT_KILL_THREAD",
        [ACTION_KILL_PROCESS] = "SCMP_ACT_KILL_PROCESS",
        [ACTION_TRAP] = "SCMP_ACT_TRAP",
        [ACTION_ERRNO] = "SCMP_ACT_ERRNO",
        [ACTION_TRACE] = "SCMP_ACT_TRACE",
        [ACTION_ALLOW] = "SCMP_ACT_ALLOW",
        [ACTION_LOG] = "SCMP_ACT_LOG",
        [ACTION_NOTIFY] = "SCMP_ACT_NOTIFY",
};

const char *action_to_string(enum action a)
{
        return a >= 0 && a < _ACTION_MAX ? action_table[a] : NULL;
}

const char *action_to_short(enum action a)
{
        return a >= 0 && a < _ACTION_MAX ? action_table[a] + strlen("SCMP_ACT_") : NULL;
}

enum action action_from_string(const char *s)
{
        if (!s)
                return _ACTION_INVALID;
        if (streq(s, "SCMP_ACT_KILL"))
                return ACTION_KILL_THREAD;
        for (size_t i = 0; i < _ACTION_MAX; i++)
                if (streq(s, action_table[i]))
                        return (enum action)i;
        return _ACTION_INVALID;
}

uint32_t action_to_scmp(enum action a, uint32_t data)
{
        switch (a) {
        case ACTION_KILL_THREAD: return SCMP_ACT_KILL_THREAD;
        case ACTION_KILL_PROCESS: return SCMP_ACT_KILL_PROCESS;
        case ACTION_TRAP: return SCMP_ACT_TRAP;
        case ACTION_ERRNO: return SCMP_ACT_ERRNO(data);
        case ACTION_TRACE: return SCMP_ACT_TRACE(data);
        case ACTION_ALLOW: return SCMP_ACT_ALLOW;
        case ACTION_LOG: return SCMP_ACT_LOG;
        case ACTION_NOTIFY: return SCMP_ACT_NOTIFY;
        default: return SCMP_ACT_KILL_PROCESS;
        }
}

static const char *const op_table[_OP_MAX] = {
        [OP_NE] = "SCMP_CMP_NE",
        [OP_LT] = "SCMP_CMP_LT",
        [OP_LE] = "SCMP_CMP_LE",
        [OP_EQ] = "SCMP_CMP_EQ",
        [OP_GE] = "SCMP_CMP_GE",
        [OP_GT] = "SCMP_CMP_GT",
        [OP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
};

const char *op_to_string(enum op o)
{
        return o >= 0 && o < _OP_MAX ? op_table[o] : NULL;
}

enum op op_from_string(const char *s)
{
        for (size_t i = 0; s && i < _OP_MAX; i++)
                if (streq(s, op_table[i]))
                        return (enum op)i;
        return _OP_INVALID;
}

int op_to_scmp(enum op o)
{
        static const int t[_OP_MAX] = {
                [OP_NE] = SCMP_CMP_NE,
                [OP_LT] = SCMP_CMP_LT,
                [OP_LE] = SCMP_CMP_LE,
                [OP_EQ] = SCMP_CMP_EQ,
                [OP_GE] = SCMP_CMP_GE,
                [OP_GT] = SCMP_CMP_GT,
                [OP_MASKED_EQ] = SCMP_CMP_MASKED_EQ,
        };
        return o >= 0 && o < _OP_MAX ? t[o] : -EINVAL;
}

/* The runtime spec's 23 architectures. libseccomp 2.5.4 builds the first 19; the tokens of
 * the others are 0 so that compiling for them fails while validating still succeeds. */
static const struct arch_info arch_table[] = {
        {"SCMP_ARCH_X86", "x86", "x86", SCMP_ARCH_X86},
        {"SCMP_ARCH_X86_64", "x86_64", "amd64", SCMP_ARCH_X86_64},
        {"SCMP_ARCH_X32", "x32", "x32", SCMP_ARCH_X32},
        {"SCMP_ARCH_ARM", "arm", "arm", SCMP_ARCH_ARM},
        {"SCMP_ARCH_AARCH64", "aarch64", "arm64", SCMP_ARCH_AARCH64},
        {"SCMP_ARCH_MIPS", "mips", "mips", SCMP_ARCH_MIPS, true},
        {"SCMP_ARCH_MIPS64", "mips64", "mips64", SCMP_ARCH_MIPS64, true},
        {"SCMP_ARCH_MIPS64N32", "mips64n32", "mips64n32", SCMP_ARCH_MIPS64N32, true},
        {"SCMP_ARCH_MIPSEL", "mipsel", "mipsel", SCMP_ARCH_MIPSEL},
        {"SCMP_ARCH_MIPSEL64", "mipsel64", "mipsel64", SCMP_ARCH_MIPSEL64},
        {"SCMP_ARCH_MIPSEL64N32", "mipsel64n32", "mipsel64n32", SCMP_ARCH_MIPSEL64N32},
        {"SCMP_ARCH_PPC", "ppc", "ppc", SCMP_ARCH_PPC, true},
        {"SCMP_ARCH_PPC64", "ppc64", "ppc64", SCMP_ARCH_PPC64, true},
        {"SCMP_ARCH_PPC64LE", "ppc64le", "ppc64le", SCMP_ARCH_PPC64LE},
        {"SCMP_ARCH_S390", "s390", "s390", SCMP_ARCH_S390, true},
        {"SCMP_ARCH_S390X", "s390x", "s390x", SCMP_ARCH_S390X, true},
        {"SCMP_ARCH_PARISC", "parisc", "parisc", SCMP_ARCH_PARISC, true},
        {"SCMP_ARCH_PARISC64", "parisc64", "parisc64", SCMP_ARCH_PARISC64, true},
        {"SCMP_ARCH_RISCV64", "riscv64", "riscv64", SCMP_ARCH_RISCV64},
        {"SCMP_ARCH_LOONGARCH64", "loongarch64", "loong64", 0},
        {"SCMP_ARCH_M68K", "m68k", "m68k", 0, true},
        {"SCMP_ARCH_SH", "sh", "sh", 0},
        {"SCMP_ARCH_SHEB", "sheb", "sheb", 0, true},
};

const struct arch_info *arch_lookup(const char *name)
{
        if (!name)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(arch_table); i++)
                if (streq(name, arch_table[i].name) || streq(name, arch_table[i].short_name) ||
                    streq(name, arch_table[i].go_name))
                        return &arch_table[i];
        if (streq(name, "386") || streq(name, "i386") || streq(name, "i686"))
                return &arch_table[0];
        return NULL;
}

const struct arch_info *arch_from_token(uint32_t token)
{
        for (size_t i = 0; token && i < ELEMENTSOF(arch_table); i++)
                if (arch_table[i].token == token)
                        return &arch_table[i];
        return NULL;
}

const struct arch_info *arch_native(void)
{
        return arch_from_token(seccomp_arch_native());
}

/* moby writes "mips3l64n32" (sic) for mipsel64n32 in its default profile; Go's names for the
 * others differ again (386, mipsle, mips64le). */
static const struct {
        const char *alias, *canonical;
} go_aliases[] = {
        {"mips3l64n32", "mipsel64n32"},
        {"386", "x86"},
        {"i386", "x86"},
        {"mipsle", "mipsel"},
        {"mips64le", "mipsel64"},
        {"x86_64", "amd64"},
        {"aarch64", "arm64"},
        {"loongarch64", "loong64"},
};

static const char *go_canonical(const char *go_name)
{
        for (size_t i = 0; i < ELEMENTSOF(go_aliases); i++)
                if (streq(go_name, go_aliases[i].alias))
                        return go_aliases[i].canonical;
        return go_name;
}

bool arch_go_name_known(const char *go_name)
{
        const char *c = go_canonical(go_name);
        for (size_t i = 0; i < ELEMENTSOF(arch_table); i++)
                if (streq(c, arch_table[i].go_name))
                        return true;
        return false;
}

bool arch_go_name_matches(const struct arch_info *arch, const char *go_name)
{
        return arch && streq(go_canonical(go_name), arch->go_name);
}

static const char *const flag_table[_FILTER_FLAG_MAX] = {
        [FILTER_FLAG_TSYNC] = "SECCOMP_FILTER_FLAG_TSYNC",
        [FILTER_FLAG_LOG] = "SECCOMP_FILTER_FLAG_LOG",
        [FILTER_FLAG_SPEC_ALLOW] = "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
        [FILTER_FLAG_WAIT_KILLABLE_RECV] = "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
};

const char *filter_flag_to_string(enum filter_flag f)
{
        return f >= 0 && f < _FILTER_FLAG_MAX ? flag_table[f] : NULL;
}

enum filter_flag filter_flag_from_string(const char *s)
{
        for (size_t i = 0; s && i < _FILTER_FLAG_MAX; i++)
                if (streq(s, flag_table[i]))
                        return (enum filter_flag)i;
        return _FILTER_FLAG_INVALID;
}

static const char *const cap_table[CAP_COUNT] = {
        "CAP_CHOWN",
        "CAP_DAC_OVERRIDE",
        "CAP_DAC_READ_SEARCH",
        "CAP_FOWNER",
        "CAP_FSETID",
        "CAP_KILL",
        "CAP_SETGID",
        "CAP_SETUID",
        "CAP_SETPCAP",
        "CAP_LINUX_IMMUTABLE",
        "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST",
        "CAP_NET_ADMIN",
        "CAP_NET_RAW",
        "CAP_IPC_LOCK",
        "CAP_IPC_OWNER",
        "CAP_SYS_MODULE",
        "CAP_SYS_RAWIO",
        "CAP_SYS_CHROOT",
        "CAP_SYS_PTRACE",
        "CAP_SYS_PACCT",
        "CAP_SYS_ADMIN",
        "CAP_SYS_BOOT",
        "CAP_SYS_NICE",
        "CAP_SYS_RESOURCE",
        "CAP_SYS_TIME",
        "CAP_SYS_TTY_CONFIG",
        "CAP_MKNOD",
        "CAP_LEASE",
        "CAP_AUDIT_WRITE",
        "CAP_AUDIT_CONTROL",
        "CAP_SETFCAP",
        "CAP_MAC_OVERRIDE",
        "CAP_MAC_ADMIN",
        "CAP_SYSLOG",
        "CAP_WAKE_ALARM",
        "CAP_BLOCK_SUSPEND",
        "CAP_AUDIT_READ",
        "CAP_PERFMON",
        "CAP_BPF",
        "CAP_CHECKPOINT_RESTORE",
};

int cap_from_string(const char *s)
{
        for (int i = 0; s && i < CAP_COUNT; i++)
                if (strcasecmp(s, cap_table[i]) == 0 ||
                    (strncasecmp(s, "CAP_", 4) != 0 && strcasecmp(s, cap_table[i] + 4) == 0))
                        return i;
        return -EINVAL;
}

const char *cap_to_string(int cap)
{
        return cap >= 0 && cap < CAP_COUNT ? cap_table[cap] : NULL;
}

const char *const docker_default_caps[14] = {
        "CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
        "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
        "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
        "CAP_KILL",    "CAP_AUDIT_WRITE",
};

int errno_from_name(const char *s)
{
        /* glibc 2.32+ names every errno it knows; that is the same table Go's syscall package
         * and containers/common use on Linux. */
        if (!s || s[0] != 'E')
                return -EINVAL;
        for (int e = 1; e < 4096; e++) {
                const char *n = strerrorname_np(e);
                if (n && streq(n, s))
                        return e;
        }
        return -EINVAL;
}

static size_t edit_distance(const char *a, const char *b)
{
        size_t la = strlen(a), lb = strlen(b);
        if (la > 64 || lb > 64)
                return SIZE_MAX;
        size_t prev[65], cur[65];
        for (size_t j = 0; j <= lb; j++)
                prev[j] = j;
        for (size_t i = 1; i <= la; i++) {
                cur[0] = i;
                for (size_t j = 1; j <= lb; j++) {
                        size_t cost = tolower((unsigned char)a[i - 1]) !=
                                      tolower((unsigned char)b[j - 1]);
                        size_t v = prev[j - 1] + cost;
                        if (prev[j] + 1 < v)
                                v = prev[j] + 1;
                        if (cur[j - 1] + 1 < v)
                                v = cur[j - 1] + 1;
                        cur[j] = v;
                }
                memcpy(prev, cur, sizeof(size_t) * (lb + 1));
        }
        return prev[lb];
}

const char *names_closest(const char *word, const char *const *candidates, size_t n)
{
        const char *best = NULL;
        size_t best_d = SIZE_MAX;
        for (size_t i = 0; word && i < n; i++) {
                if (!candidates[i])
                        continue;
                size_t d = edit_distance(word, candidates[i]);
                if (d < best_d) {
                        best_d = d;
                        best = candidates[i];
                }
        }
        size_t limit = strlen(word ? word : "") / 3;
        if (limit < 1)
                limit = 1;
        if (limit > 4)
                limit = 4;
        return best_d <= limit ? best : NULL;
}

size_t names_all(const char *kind, const char *const **ret)
{
        if (streq(kind, "action")) {
                *ret = action_table;
                return _ACTION_MAX;
        }
        if (streq(kind, "op")) {
                *ret = op_table;
                return _OP_MAX;
        }
        if (streq(kind, "flag")) {
                *ret = flag_table;
                return _FILTER_FLAG_MAX;
        }
        if (streq(kind, "arch")) {
                static const char *const arch_names[] = {
                        "SCMP_ARCH_X86",      "SCMP_ARCH_X86_64",      "SCMP_ARCH_X32",
                        "SCMP_ARCH_ARM",      "SCMP_ARCH_AARCH64",     "SCMP_ARCH_MIPS",
                        "SCMP_ARCH_MIPS64",   "SCMP_ARCH_MIPS64N32",   "SCMP_ARCH_MIPSEL",
                        "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
                        "SCMP_ARCH_PPC64",    "SCMP_ARCH_PPC64LE",     "SCMP_ARCH_S390",
                        "SCMP_ARCH_S390X",    "SCMP_ARCH_PARISC",      "SCMP_ARCH_PARISC64",
                        "SCMP_ARCH_RISCV64",  "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",
                        "SCMP_ARCH_SH",       "SCMP_ARCH_SHEB",
                };
                _Static_assert(ELEMENTSOF(arch_names) == ELEMENTSOF(arch_table), "arch names");
                *ret = arch_names;
                return ELEMENTSOF(arch_names);
        }
        if (streq(kind, "cap")) {
                *ret = cap_table;
                return CAP_COUNT;
        }
        *ret = NULL;
        return 0;
}
