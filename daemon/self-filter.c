/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "compile.h"
#include "diag.h"
#include "log.h"
#include "macro.h"
#include "names.h"
#include "profile.h"
#include "resolve.h"
#include "self-filter.h"

static void log_diags(const struct diag_list *l)
{
        for (size_t i = 0; i < l->n; i++)
                if (l->items[i].severity == DIAG_ERROR)
                        log_error("%s:%u:%u: %s", l->file ? l->file : "?", l->items[i].line,
                                  l->items[i].column, l->items[i].message);
}

int self_filter_load(const char *path)
{
        _cleanup_(diag_list_freep) struct diag_list *diags = NULL;
        _cleanup_(profile_freep) struct profile *p = NULL;
        struct resolved *res = NULL;
        struct blob *b = NULL;
        struct context ctx;
        int r;

        struct profile_parse_options o = {.dialect = DIALECT_DEFAULT, .strict = true};
        if ((r = diag_list_new(path, &diags)) < 0)
                return log_error_errno(r, "Self filter: out of memory");
        r = profile_load_file(path, &o, diags, &p);
        if (r == -EINVAL)
                log_diags(diags);
        if (r < 0)
                return log_error_errno(r, "Self filter: failed to load the profile '%s': %m", path);
        if ((r = context_default(&ctx)) < 0 || (r = profile_resolve(p, &ctx, &res)) < 0)
                return log_error_errno(r, "Self filter: failed to resolve '%s': %m", path);
        if (res->default_action != ACTION_ERRNO) {
                resolved_free(res);
                return log_error_errno(-EINVAL,
                                       "Self filter: '%s' has default action %s; it must be "
                                       "SCMP_ACT_ERRNO, so that a missed syscall is an error "
                                       "and not a crash",
                                       path, action_to_string(res->default_action));
        }
        unsigned default_errno = res->default_data;
        r = compile_resolved(res, &(struct compile_options){.optimize = -1}, diags, &b);
        resolved_free(res);
        if (r == -EINVAL)
                log_diags(diags);
        if (r < 0)
                return log_error_errno(r, "Self filter: failed to compile '%s': %m", path);

        struct sock_fprog prog = {.len = (unsigned short)b->n_insns, .filter = b->insns};
        size_t n_insns = b->n_insns;
        /* no_new_privs is required without CAP_SYS_ADMIN (a unit may drop it); TSYNC gives it
         * and the filter to every thread: the watcher, the compile pool, libmicrohttpd's. */
        long t = -1;
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                r = -errno;
        else if ((t = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC,
                              &prog)) != 0)
                r = t < 0 ? -errno : -EBUSY; /* > 0: the thread that could not be synced */
        blob_free(b);
        if (r < 0)
                return log_error_errno(r, "Self filter: failed to load '%s' (thread %ld): %m", path,
                                       t);
        log_info("Self filter: loaded '%s' into every thread, %zu BPF instructions; other "
                 "syscalls fail with errno %u",
                 path, n_insns, default_errno);
        return 0;
}
