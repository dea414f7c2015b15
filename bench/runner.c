/* SPDX-License-Identifier: Apache-2.0 */
/* bench-runner: times whole commands (container starts), several variants interleaved.
 *
 *   bench-runner -n RUNS [-w WARMUP] -o OUTDIR [-l LOG] LABEL CMD [ARG...] [:: LABEL CMD ...]
 *
 * Each round runs every variant once, in an order that rotates from round to round, so that
 * drift (page cache, CPU frequency, a neighbour) spreads over all variants alike. "{}" in an
 * argument becomes "LABEL-ROUND" (a fresh container ID). Leading NAME=VALUE words of a
 * command are set in its environment (as with env(1), without another exec). The time is fork to
 * waitpid on the monotonic clock; stdout and stderr go to LOG (default /dev/null). Any failing run
 * stops everything with exit 1. OUTDIR/LABEL.ns gets one line per run: wall time and CPU time (user
 * + system of the command and of the descendants it reaped, from wait4), in nanoseconds.
 * stdout gets a summary line per variant (key=value, milliseconds). */

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "bench.h"

struct variant {
        const char *label;
        char **argv; /* a template: "{}" is replaced at each run */
        int argc;
        uint64_t *ns;
        uint64_t *cpu; /* user + system time of the command and the descendants it reaped */
        size_t n;
};

static char **instantiate(const struct variant *v, long round)
{
        char **a = calloc((size_t)v->argc + 1, sizeof(char *));
        char id[256];
        if (!a)
                die("out of memory");
        snprintf(id, sizeof(id), "%s-%ld", v->label, round < 0 ? 1000000 - round : round);
        for (int i = 0; i < v->argc; i++) {
                const char *s = v->argv[i], *p = strstr(s, "{}");
                if (!p) {
                        a[i] = strdup(s);
                } else if (asprintf(&a[i], "%.*s%s%s", (int)(p - s), s, id, p + 2) < 0) {
                        a[i] = NULL;
                }
                if (!a[i])
                        die("out of memory");
        }
        return a;
}

static uint64_t run_once(const struct variant *v, long round, int log_fd, uint64_t *ret_cpu)
{
        char **a = instantiate(v, round);
        uint64_t t0 = now_ns();
        pid_t pid = fork();
        if (pid < 0)
                die("fork: %s", strerror(errno));
        if (pid == 0) {
                int null = open("/dev/null", O_RDONLY);
                dup2(null, 0);
                dup2(log_fd, 1);
                dup2(log_fd, 2);
                char **cmd = a;
                /* Leading NAME=VALUE words set the environment, as env(1) does. */
                while (cmd[0] && cmd[1] && cmd[0][0] != '/' && strchr(cmd[0], '='))
                        putenv(*cmd++);
                execvp(cmd[0], cmd);
                _exit(127);
        }
        int status;
        struct rusage ru;
        while (wait4(pid, &status, 0, &ru) < 0)
                if (errno != EINTR)
                        die("wait4: %s", strerror(errno));
        uint64_t t = now_ns() - t0;
        *ret_cpu = (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ull +
                   (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                die("variant '%s', round %ld: '%s' failed (status 0x%x); see the log", v->label,
                    round, a[0], status);
        for (int i = 0; i < v->argc; i++)
                free(a[i]);
        free(a);
        return t;
}

int main(int argc, char **argv)
{
        long runs = 30, warmup = 3;
        const char *outdir = NULL, *log = "/dev/null";
        int opt;

        while ((opt = getopt(argc, argv, "+n:w:o:l:")) != -1) {
                switch (opt) {
                case 'n': runs = strtol(optarg, NULL, 10); break;
                case 'w': warmup = strtol(optarg, NULL, 10); break;
                case 'o': outdir = optarg; break;
                case 'l': log = optarg; break;
                default: return 2;
                }
        }
        if (!outdir || optind >= argc || runs < 1 || warmup < 0) {
                fprintf(stderr, "usage: bench-runner -n RUNS [-w WARMUP] -o OUTDIR [-l LOG] "
                                "LABEL CMD [ARG...] [:: LABEL CMD ...]\n");
                return 2;
        }

        struct variant vs[16];
        size_t nv = 0;
        for (int i = optind; i < argc;) {
                if (nv == 16)
                        die("too many variants");
                int end = i;
                while (end < argc && strcmp(argv[end], "::") != 0)
                        end++;
                if (end - i < 2)
                        die("a variant needs a label and a command");
                vs[nv] = (struct variant){
                        .label = argv[i], .argv = argv + i + 1, .argc = end - i - 1};
                vs[nv].ns = calloc((size_t)runs, sizeof(uint64_t));
                vs[nv].cpu = calloc((size_t)runs, sizeof(uint64_t));
                if (!vs[nv].ns || !vs[nv].cpu)
                        die("out of memory");
                nv++;
                i = end + 1;
        }

        int log_fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (log_fd < 0)
                die("cannot open '%s': %s", log, strerror(errno));
        /* dup2 in the child clears O_CLOEXEC on 1 and 2. */

        for (long r = -warmup; r < runs; r++) {
                for (size_t k = 0; k < nv; k++) {
                        struct variant *v = &vs[(k + (size_t)(r + warmup)) % nv];
                        uint64_t cpu;
                        uint64_t t = run_once(v, r, log_fd, &cpu);
                        if (r >= 0) {
                                v->cpu[v->n] = cpu;
                                v->ns[v->n++] = t;
                        }
                }
        }

        for (size_t k = 0; k < nv; k++) {
                struct variant *v = &vs[k];
                char *path;
                if (asprintf(&path, "%s/%s.ns", outdir, v->label) < 0)
                        die("out of memory");
                FILE *f = fopen(path, "we");
                if (!f)
                        die("cannot write '%s': %s", path, strerror(errno));
                for (size_t i = 0; i < v->n; i++)
                        fprintf(f, "%llu %llu\n", (unsigned long long)v->ns[i],
                                (unsigned long long)v->cpu[i]);
                fclose(f);
                free(path);
                double mean = mean_u64(v->ns, v->n);
                uint64_t p50 = percentile(v->ns, v->n, 50), p90 = percentile(v->ns, v->n, 90);
                uint64_t cpu50 = percentile(v->cpu, v->n, 50);
                printf("%s n=%zu p50_ms=%.2f p90_ms=%.2f mean_ms=%.2f min_ms=%.2f "
                       "cpu_p50_ms=%.2f\n",
                       v->label, v->n, p50 / 1e6, p90 / 1e6, mean / 1e6, v->ns[0] / 1e6,
                       cpu50 / 1e6);
        }
        return 0;
}
