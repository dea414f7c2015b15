/* SPDX-License-Identifier: Apache-2.0 */
/* bench-spawn: time from exec to ready for seccompd, and its memory once ready.
 *
 *   bench-spawn READY_FILE TIMEOUT_S [THEN] -- SECCOMPD ARG...
 *
 * Removes READY_FILE, starts the command (which must be told --ready-file READY_FILE), and
 * waits for the file with inotify on its directory (plus a stat every millisecond, in case an
 * event is missed). Then reads VmHWM and VmRSS of the daemon from /proc, runs THEN with
 * `sh -c` if given (with $DAEMON_PID set; untimed), stops the daemon with SIGTERM and waits.
 * Prints: ready_ms=.. cpu_ms=.. hwm_kib=.. rss_kib=.. exit=..
 * (cpu_ms: the daemon's user + system time, all threads, at ready.) */

#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/wait.h>

#include "bench.h"

static long status_kib(pid_t pid, const char *key)
{
        char path[64], line[256];
        snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
        FILE *f = fopen(path, "re");
        long v = -1;
        if (!f)
                return -1;
        while (fgets(line, sizeof(line), f))
                if (!strncmp(line, key, strlen(key)) && line[strlen(key)] == ':')
                        v = strtol(line + strlen(key) + 1, NULL, 10);
        fclose(f);
        return v;
}

static double cpu_ms(pid_t pid)
{
        char path[64], buf[2048];
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        FILE *f = fopen(path, "re");
        if (!f)
                return -1;
        size_t n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n] = 0;
        char *p = strrchr(buf, ')');
        unsigned long ut = 0, st = 0;
        /* After "(comm)": state, then fields 4..; utime and stime are fields 14 and 15. */
        if (!p ||
            sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
                return -1;
        return (double)(ut + st) * 1000.0 / (double)sysconf(_SC_CLK_TCK);
}

int main(int argc, char **argv)
{
        int sep = 1;
        while (sep < argc && strcmp(argv[sep], "--") != 0)
                sep++;
        if (sep < 3 || sep > 4 || sep + 1 >= argc) {
                fprintf(stderr,
                        "usage: bench-spawn READY_FILE TIMEOUT_S [THEN] -- SECCOMPD ARG...\n");
                return 2;
        }
        const char *ready = argv[1], *then = sep == 4 ? argv[3] : NULL;
        double timeout = atof(argv[2]);

        char *dir = strdup(ready);
        if (!dir)
                die("out of memory");
        if (unlink(ready) < 0 && errno != ENOENT)
                die("cannot remove '%s': %s", ready, strerror(errno));
        int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
        if (in < 0 ||
            inotify_add_watch(in, dirname(dir), IN_CREATE | IN_CLOSE_WRITE | IN_MOVED_TO) < 0)
                die("inotify: %s", strerror(errno));

        uint64_t t0 = now_ns();
        pid_t pid = fork();
        if (pid < 0)
                die("fork: %s", strerror(errno));
        if (pid == 0) {
                execvp(argv[sep + 1], argv + sep + 1);
                _exit(127);
        }
        uint64_t deadline = t0 + (uint64_t)(timeout * 1e9);
        struct stat st;
        while (stat(ready, &st) < 0) {
                int status;
                if (waitpid(pid, &status, WNOHANG) == pid)
                        die("the daemon exited before it was ready (status 0x%x)", status);
                if (now_ns() > deadline) {
                        kill(pid, SIGKILL);
                        waitpid(pid, NULL, 0);
                        die("not ready within %.0f s", timeout);
                }
                struct pollfd pfd = {.fd = in, .events = POLLIN};
                if (poll(&pfd, 1, 1) > 0) {
                        char buf[4096];
                        while (read(in, buf, sizeof(buf)) > 0)
                                ;
                }
        }
        uint64_t t_ready = now_ns();
        double cpu = cpu_ms(pid);
        long hwm = status_kib(pid, "VmHWM"), rss = status_kib(pid, "VmRSS");

        if (then) {
                char env[32];
                snprintf(env, sizeof(env), "%d", (int)pid);
                setenv("DAEMON_PID", env, 1);
                int r = system(then);
                if (r != 0)
                        fprintf(stderr, "bench-spawn: '%s' returned %d\n", then, r);
        }
        kill(pid, SIGTERM);
        int status = 0;
        uint64_t stop_deadline = now_ns() + 20000000000ull;
        while (waitpid(pid, &status, WNOHANG) == 0) {
                if (now_ns() > stop_deadline) {
                        kill(pid, SIGKILL);
                        waitpid(pid, &status, 0);
                        break;
                }
                usleep(1000);
        }
        printf("ready_ms=%.1f cpu_ms=%.0f hwm_kib=%ld rss_kib=%ld exit=%d\n",
               (double)(t_ready - t0) / 1e6, cpu, hwm, rss,
               WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        return 0;
}
