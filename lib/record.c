/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "macro.h"
#include "names.h"
#include "record.h"

/* x32 calls reach a filter as AUDIT_ARCH_X86_64 with this bit set in the number
 * (arch/x86/include/uapi/asm/unistd.h). */
#define X32_SYSCALL_BIT 0x40000000

const struct sock_filter record_filter_insns[1] = {
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
};

void record_set_init(struct record_set *s)
{
        memset(s, 0, sizeof(*s));
}

/* The index of `scmp_arch` in `s`, added when there is room; -E2BIG when there is none or
 * libseccomp does not know the arch. */
static int arch_slot(struct record_set *s, uint32_t scmp_arch)
{
        for (unsigned i = 0; i < s->n_arches; i++)
                if (s->arches[i].scmp_arch == scmp_arch)
                        return (int)i;
        if (s->n_arches >= RECORD_MAX_ARCHES || !arch_from_token(scmp_arch))
                return -E2BIG;
        s->arches[s->n_arches].scmp_arch = scmp_arch;
        memset(s->arches[s->n_arches].bits, 0, sizeof(s->arches[s->n_arches].bits));
        return (int)s->n_arches++;
}

static int set_bit(struct record_set *s, uint32_t scmp_arch, int nr)
{
        if (nr < 0 || nr >= RECORD_MAX_NR)
                return -E2BIG;
        int i = arch_slot(s, scmp_arch);
        if (i < 0)
                return i;
        uint64_t *w = &s->arches[i].bits[nr / 64], m = UINT64_C(1) << (nr % 64);
        if (*w & m)
                return 0;
        *w |= m;
        return 1;
}

int record_set_add(struct record_set *s, uint32_t audit_arch, int nr)
{
        /* SCMP_ARCH_* are AUDIT_ARCH_* values, except x32, which the kernel reports as x86_64
         * with X32_SYSCALL_BIT in the number. */
        uint32_t arch = audit_arch;
        if (audit_arch == AUDIT_ARCH_X86_64 && nr >= 0 && (nr & X32_SYSCALL_BIT)) {
                arch = SCMP_ARCH_X32;
                nr &= ~X32_SYSCALL_BIT;
        }
        int r = set_bit(s, arch, nr);
        if (r < 0)
                s->n_dropped++;
        return r;
}

size_t record_set_count(const struct record_set *s)
{
        size_t n = 0;
        for (unsigned i = 0; i < s->n_arches; i++)
                for (size_t k = 0; k < ELEMENTSOF(s->arches[i].bits); k++)
                        n += (size_t)__builtin_popcountll(s->arches[i].bits[k]);
        return n;
}

/* What crun and runc do in the container's process after they load its filter, up to and
 * including the execve() of the workload: without these a recorded profile works under
 * seccompctl exec but fails in a container. Measured on Debian 12 (x86_64, kernel 6.1) with
 *   strace -f -o LOG unshare -m sh -c 'umount /sys/fs/cgroup/unified; \
 *           exec crun --cgroup-manager=disabled run -b BUNDLE ID'        (crun 1.8.1)
 *   strace -f -o LOG unshare -m sh -c '... exec runc run -b BUNDLE ID'  (runc 1.1.5)
 * of a busybox bundle with a profile, noNewPrivileges true and false (false loads the filter
 * before the capabilities and the user are set), uid 0 and 1000: the calls of the container's
 * process after seccomp(SECCOMP_SET_MODE_FILTER) (crun) or prctl(PR_SET_SECCOMP) (runc).
 *   crun: close, prctl, setresgid, setresuid, capset, rt_sigaction, rt_sigprocmask, write,
 *         execve.
 *   runc: openat, epoll_ctl, fstatfs, getdents64, fcntl, close, chdir, capget, read, prctl,
 *         newfstatat, fstat, setgroups, setgid, setuid, getcwd, capset, getppid (runc fails
 *         without it: it checks its parent), getpid, write, futex, nanosleep, rt_sigreturn,
 *         execve.
 * runc's Go runtime may call more there (a thread started after the load inherits the
 * filter): its scheduling and signal calls are added too, unmeasured: sched_yield, tgkill,
 * gettid, mmap, munmap, madvise, clone, sigaltstack. */
static const char *const runtime_tail[] = {
        "capget",       "capset",         "chdir",        "clone",       "close",   "epoll_ctl",
        "execve",       "fcntl",          "fstat",        "fstatfs",     "futex",   "getcwd",
        "getdents64",   "getpid",         "getppid",      "gettid",      "madvise", "mmap",
        "munmap",       "nanosleep",      "newfstatat",   "openat",      "prctl",   "read",
        "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sched_yield", "setgid",  "setgroups",
        "setresgid",    "setresuid",      "setuid",       "sigaltstack", "tgkill",  "write",
};

/* Adds `names` (n of them) for every architecture of `s` (the native one when `s` is empty). */
static int add_names(struct record_set *s, const char *const *names, size_t n)
{
        if (s->n_arches == 0) {
                int r = arch_slot(s, seccomp_arch_native());
                if (r < 0)
                        return r;
        }
        for (unsigned i = 0; i < s->n_arches; i++)
                for (size_t k = 0; k < n; k++) {
                        int nr =
                                seccomp_syscall_resolve_name_arch(s->arches[i].scmp_arch, names[k]);
                        if (nr >= 0)
                                (void)set_bit(s, s->arches[i].scmp_arch, nr);
                }
        return 0;
}

int record_set_add_runtime_tail(struct record_set *s)
{
        return add_names(s, runtime_tail, ELEMENTSOF(runtime_tail));
}

/* Calls a run makes or not depending on scheduling alone, so that one recording cannot be
 * trusted to have seen them (found by e2e-record-container and e2e-record: a busybox sh
 * recorded while its child had already exited when it waited, then, run again, waiting in
 * rt_sigsuspend for one that had not, spun on EPERM for ever):
 *   rt_sigsuspend   a shell's wait for a child still running (ash, dash, bash);
 *   restart_syscall the kernel's restart of a sleep a stop signal interrupted;
 *   rt_sigreturn    the return from a signal handler (SIGCHLD arrives at any moment);
 *   futex, sched_yield  a lock or a join found contended (FUTEX_WAIT only then). */
static const char *const timing[] = {"rt_sigsuspend", "restart_syscall", "rt_sigreturn", "futex",
                                     "sched_yield"};

int record_set_add_timing(struct record_set *s)
{
        return add_names(s, timing, ELEMENTSOF(timing));
}

int record_notify_one(int listener, struct record_set *s)
{
        struct seccomp_notif *req = NULL;
        struct seccomp_notif_resp *resp = NULL;
        int r = seccomp_notify_alloc(&req, &resp);
        if (r < 0)
                return r;
        /* libseccomp 2.5.4 turns every ioctl failure into -ECANCELED; the ioctl's errno says
         * which (ENOENT: the caller went away, EINTR). */
        errno = 0;
        r = seccomp_notify_receive(listener, req);
        if (r < 0) {
                r = errno > 0 ? -errno : r;
                goto out;
        }
        s->n_calls++;
        (void)record_set_add(s, req->data.arch, req->data.nr);
        resp->id = req->id;
        resp->val = 0;
        resp->error = 0;
        resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
        errno = 0;
        r = seccomp_notify_respond(listener, resp);
        if (r < 0)
                r = errno > 0 ? -errno : r;
out:
        seccomp_notify_free(req, resp);
        return r;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted, distinct names of every call recorded, on every arch. Numbers libseccomp
 * cannot name are left out (they are counted in *ret_unnamed). */
static int collect_names(const struct record_set *s, json_t **ret, size_t *ret_unnamed)
{
        size_t n = 0, unnamed = 0, cap = record_set_count(s);
        char **v = calloc(cap ? cap : 1, sizeof(char *));
        if (!v)
                return -ENOMEM;
        for (unsigned i = 0; i < s->n_arches; i++)
                for (int nr = 0; nr < RECORD_MAX_NR; nr++) {
                        if (!(s->arches[i].bits[nr / 64] & (UINT64_C(1) << (nr % 64))))
                                continue;
                        char *name = seccomp_syscall_resolve_num_arch(s->arches[i].scmp_arch, nr);
                        if (name)
                                v[n++] = name;
                        else
                                unnamed++;
                }
        qsort(v, n, sizeof(char *), cmp_str);
        json_t *a = json_array();
        int r = a ? 0 : -ENOMEM;
        for (size_t k = 0; r == 0 && k < n; k++)
                if ((k == 0 || !streq(v[k], v[k - 1])) &&
                    json_array_append_new(a, json_string(v[k])) < 0)
                        r = -ENOMEM;
        for (size_t k = 0; k < n; k++)
                free(v[k]);
        free(v);
        if (r < 0) {
                json_decref(a);
                return r;
        }
        *ret = a;
        *ret_unnamed = unnamed;
        return 0;
}

static int append_arch(json_t *arches, const struct arch_info *a)
{
        size_t i;
        json_t *v;
        json_array_foreach (arches, i, v)
                if (streq(json_string_value(v), a->name))
                        return 0;
        return json_array_append_new(arches, json_string(a->name)) < 0 ? -ENOMEM : 0;
}

/* One rule for every architecture: "includes": {"arches": [...]} would not do, since moby
 * (and lib/resolve.c after it) tests those against the node's architecture, not the calling
 * process's: a rule for "x86" would be dropped on an x86_64 node, and its 32-bit children
 * denied. libseccomp resolves each name for every arch of the filter (a name an arch lacks,
 * such as x86's mmap2 on x86_64, is left out there), so each arch allows the recorded names
 * it has. */
int record_profile(const struct record_set *s, const struct record_profile_options *o, json_t **ret)
{
        if (record_set_count(s) == 0)
                return -ENODATA;

        json_t *names = NULL;
        size_t unnamed = 0;
        int r = collect_names(s, &names, &unnamed);
        if (r < 0)
                return r;
        if (json_array_size(names) == 0) {
                json_decref(names);
                return -ENODATA;
        }

        json_t *p = json_object(), *arches = json_array(), *rule = json_object(),
               *rules = json_array();
        if (!p || !arches || !rule || !rules)
                r = -ENOMEM;
        /* The native arch first when it was seen, as consumers list it. */
        const struct arch_info *native = arch_native();
        for (unsigned i = 0; r == 0 && native && i < s->n_arches; i++)
                if (s->arches[i].scmp_arch == native->token)
                        r = append_arch(arches, native);
        for (unsigned i = 0; r == 0 && i < s->n_arches; i++)
                r = append_arch(arches, arch_from_token(s->arches[i].scmp_arch));
        for (size_t i = 0; r == 0 && o && o->arches && o->arches[i]; i++) {
                const struct arch_info *a = arch_lookup(o->arches[i]);
                r = a ? append_arch(arches, a) : -EINVAL;
        }
        unsigned errno_ret = o && o->default_errno ? o->default_errno : 1;
        if (r == 0 &&
            (json_object_set_new(p, "defaultAction", json_string("SCMP_ACT_ERRNO")) < 0 ||
             json_object_set_new(p, "defaultErrnoRet", json_integer(errno_ret)) < 0 ||
             json_object_set(p, "architectures", arches) < 0 ||
             json_object_set(rule, "names", names) < 0 ||
             json_object_set_new(rule, "action", json_string("SCMP_ACT_ALLOW")) < 0 ||
             json_array_append(rules, rule) < 0 || json_object_set(p, "syscalls", rules) < 0))
                r = -ENOMEM;
        if (r == 0 && o && o->format == RECORD_FORMAT_DOCKER && o->comment &&
            json_object_set_new(rule, "comment", json_string(o->comment)) < 0)
                r = -ENOMEM;
        json_decref(names);
        json_decref(arches);
        json_decref(rule);
        json_decref(rules);
        if (r < 0) {
                json_decref(p);
                return r;
        }
        *ret = p;
        return 0;
}

int record_write_profile(const char *path, const json_t *j)
{
        _cleanup_free_ char *text = json_dumps(j, JSON_INDENT(2));
        if (!text)
                return -ENOMEM;
        size_t n = strlen(text);
        _cleanup_free_ char *buf = malloc(n + 2);
        if (!buf)
                return -ENOMEM;
        memcpy(buf, text, n);
        buf[n] = '\n';
        buf[n + 1] = 0;
        return write_file_atomic(path, buf, n + 1, 0644);
}
