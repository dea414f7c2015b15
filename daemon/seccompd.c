/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <getopt.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "conf.h"
#include "config.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "recorder.h"
#include "self-filter.h"

/* LeakSanitizer stops the world with ptrace at exit, and the sanitizers' runtimes make calls
 * the daemon itself never makes: in such a build the self filter is off unless asked for. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZER_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZER_BUILD 1
#endif
#endif
#ifndef SANITIZER_BUILD
#define SANITIZER_BUILD 0
#endif

static void help(void)
{
        printf("seccompd — watches seccomp profile directories, compiles and serves the blobs\n\n"
               "Usage: seccompd [OPTIONS]\n\n"
               "  --config FILE           configuration file (default " CONFIG_FILE_DEFAULT ")\n"
               "  --root NAME=DIR[:DIALECT][:recursive]\n"
               "                          a profile root (repeatable; replaces the defaults:\n"
               "                          kubernetes=/var/lib/kubelet/seccomp, recursive;\n"
               "                          mesos=/etc/dcos/mesos/seccomp; runtime=the shipped)\n"
               "  --socket PATH           API socket (default /run/seccompd/seccompd.sock)\n"
               "  --socket-group GROUP    group allowed to reload and compile (socket 0660)\n"
               "  --cache-dir DIR         blob cache (default /var/cache/seccompd)\n"
               "  --cache-max BYTES       cache bound (default 256M)\n"
               "  --cache-sync            each blob stored is fsync'd before it counts as\n"
               "                          stored (default: the kernel writes it back later;\n"
               "                          a power loss may lose recent ones, never serve one\n"
               "                          torn)\n"
               "  --fallback-spool DIR    seccompd-oci's fallback records (default: fallbacks\n"
               "                          next to the socket; none: not read)\n"
               "  --containers-file FILE  the container table kept across restarts (default:\n"
               "                          containers.json next to the socket; none: not kept)\n"
               "  --record-socket PATH    where crun hands over the listener of a container\n"
               "                          recorded through seccompd-oci (default: record.sock\n"
               "                          next to the socket; none: recording is off)\n"
               "  --max-recordings N      containers recorded at once (default 16; 1 to 256)\n"
               "  --strict                unknown syscalls are errors; stale blobs are refused\n"
               "  --workers N             compile threads (default: one per core)\n"
               "  --request-timeout SECONDS\n"
               "                          a request's headers and body must arrive within\n"
               "                          this (default 10; then 408 and closed)\n"
               "  --compile-timeout SECONDS\n"
               "                          a compile of over 1024 names or 64 argument\n"
               "                          comparisons runs in a child process killed after\n"
               "                          this (default 10; the profile is then invalid)\n"
               "  --max-connections-per-peer N\n"
               "                          connections at once per user, per process for\n"
               "                          root (default 32, 0: no bound; then 429)\n"
               "  --log-level LEVEL       err, warning, notice, info (default), debug\n"
               "  --foreground            run in the foreground (seccompd never forks)\n"
               "  --ready-file FILE       create FILE once the first full scan is done\n"
               "  --max-contexts N        contexts (?arch= &caps= &kernel=) kept per profile\n"
               "                          besides the default, least recently used evicted\n"
               "                          (default 16; 0 to 4096); only root or the socket\n"
               "                          group may ask for a context not compiled yet\n"
               "  --max-depth N           directory levels below a recursive root that are\n"
               "                          scanned and watched (default 64; 1 to 1024); a\n"
               "                          deeper directory is logged and listed in status\n"
               "  --no-self-filter        do not confine the daemon with its own seccomp filter\n"
               "  --self-filter           confine it (the default; needed in a sanitizer build)\n"
               "  --log-filter PATTERN    blobs of profiles whose name matches (fnmatch, e.g.\n"
               "                          'kubernetes/*') are loaded by seccompd-oci with\n"
               "                          SECCOMP_FILTER_FLAG_LOG: ERRNO denials are logged too\n"
               "  --self-filter-profile FILE\n"
               "                          the daemon's own profile (default: the shipped\n"
               "                          seccompd-self.json), loaded once it is initialised\n"
               "  --version               print versions\n");
}

enum {
        ARG_CONFIG = 0x100,
        ARG_ROOT,
        ARG_SOCKET,
        ARG_SOCKET_GROUP,
        ARG_CACHE_DIR,
        ARG_CACHE_MAX,
        ARG_CACHE_SYNC,
        ARG_STRICT,
        ARG_WORKERS,
        ARG_LOG_LEVEL,
        ARG_FOREGROUND,
        ARG_VERSION,
        ARG_READY_FILE,
        ARG_FALLBACK_SPOOL,
        ARG_CONTAINERS_FILE,
        ARG_RECORD_SOCKET,
        ARG_MAX_RECORDINGS,
        ARG_REQUEST_TIMEOUT,
        ARG_COMPILE_TIMEOUT,
        ARG_MAX_CONNECTIONS_PER_PEER,
        ARG_MAX_CONTEXTS,
        ARG_MAX_DEPTH,
        ARG_SELF_FILTER,
        ARG_NO_SELF_FILTER,
        ARG_SELF_FILTER_PROFILE,
        ARG_LOG_FILTER,
};

#define GO_ON (-1) /* not an exit status: parsing goes on */

/* The config file of --config (or the default), so that flags override it. Returns GO_ON or
 * an exit status. */
static int load_config_file(int argc, char **argv, struct config *c)
{
        const char *config_file = CONFIG_FILE_DEFAULT;
        for (int i = 1; i < argc; i++)
                if (streq(argv[i], "--config") && i + 1 < argc)
                        config_file = argv[i + 1];
                else if (strncmp(argv[i], "--config=", 9) == 0)
                        config_file = argv[i] + 9;
        if (config_init(c) < 0) {
                fprintf(stderr, "seccompd: out of memory\n");
                return EXIT_FAILURE;
        }
        log_setup(LOG_INFO, false);
        return config_load_file(c, config_file) < 0 ? EXIT_FAILURE : GO_ON;
}

/* The string setting an option sets, or NULL. */
static char **string_field(int opt, struct config *c)
{
        switch (opt) {
        case ARG_SOCKET: return &c->socket_path;
        case ARG_SOCKET_GROUP: return &c->socket_group;
        case ARG_CACHE_DIR: return &c->cache_dir;
        case ARG_READY_FILE: return &c->ready_file;
        case ARG_FALLBACK_SPOOL: return &c->fallback_spool;
        case ARG_CONTAINERS_FILE: return &c->containers_file;
        case ARG_RECORD_SOCKET: return &c->record_socket;
        case ARG_SELF_FILTER_PROFILE: return &c->self_filter_profile;
        default: return NULL;
        }
}

/* Applies one option of the command line. Returns GO_ON or an exit status. */
static int apply_option(int opt, const char *arg, struct config *c)
{
        char **field = string_field(opt, c);
        uint64_t w;

        if (field) {
                free(*field);
                *field = strdup(arg);
                return GO_ON;
        }
        switch (opt) {
        case 'h': help(); return EXIT_SUCCESS;
        case ARG_CONFIG: return GO_ON;
        case ARG_ROOT:
                if (config_add_root(c, arg) >= 0)
                        return GO_ON;
                log_error("Invalid --root '%s': expected NAME=/DIR[:DIALECT][:recursive]", arg);
                return EXIT_FAILURE;
        case ARG_CACHE_MAX:
                if (config_parse_size(arg, &c->cache_max_bytes) >= 0)
                        return GO_ON;
                log_error("Invalid --cache-max '%s': expected bytes, or a number with K, M or G",
                          arg);
                return EXIT_FAILURE;
        case ARG_STRICT: c->strict = true; return GO_ON;
        case ARG_CACHE_SYNC: c->cache_sync = true; return GO_ON;
        case ARG_WORKERS:
                if (config_parse_size(arg, &w) < 0 || w < 1 || w > 256) {
                        log_error("Invalid --workers '%s': expected 1 to 256", arg);
                        return EXIT_FAILURE;
                }
                c->workers = (unsigned)w;
                return GO_ON;
        case ARG_LOG_LEVEL:
                if ((c->log_level = log_level_from_string(arg)) >= 0)
                        return GO_ON;
                log_error("Unknown log level '%s'", arg);
                return EXIT_FAILURE;
        case ARG_FOREGROUND: c->foreground = true; return GO_ON;
        case ARG_REQUEST_TIMEOUT:
        case ARG_COMPILE_TIMEOUT:
        case ARG_MAX_CONNECTIONS_PER_PEER: {
                const char *key = opt == ARG_REQUEST_TIMEOUT   ? "request-timeout"
                                  : opt == ARG_COMPILE_TIMEOUT ? "compile-timeout"
                                                               : "max-connections-per-peer";
                if (config_set_bound(c, key, arg) >= 0)
                        return GO_ON;
                log_error("Invalid --%s '%s': expected %s", key, arg,
                          opt == ARG_MAX_CONNECTIONS_PER_PEER ? "0 to 100000"
                                                              : "1 to 3600 seconds");
                return EXIT_FAILURE;
        }
        case ARG_LOG_FILTER:
                if (config_add_log_filter(c, arg) >= 0)
                        return GO_ON;
                log_error("Invalid --log-filter '%s': a non-empty pattern, at most %d of them", arg,
                          CONFIG_MAX_LOG_FILTERS);
                return EXIT_FAILURE;
        case ARG_SELF_FILTER: c->self_filter = 1; return GO_ON;
        case ARG_NO_SELF_FILTER: c->self_filter = -1; return GO_ON;
        case ARG_MAX_CONTEXTS:
                if (config_parse_size(arg, &w) < 0 || w > CONFIG_MAX_CONTEXTS_LIMIT) {
                        log_error("Invalid --max-contexts '%s': expected 0 to %d", arg,
                                  CONFIG_MAX_CONTEXTS_LIMIT);
                        return EXIT_FAILURE;
                }
                c->max_contexts = (unsigned)w;
                return GO_ON;
        case ARG_MAX_RECORDINGS:
                if (config_parse_size(arg, &w) < 0 || w < 1 || w > RECORDER_MAX_LIMIT) {
                        log_error("Invalid --max-recordings '%s': expected 1 to %d", arg,
                                  RECORDER_MAX_LIMIT);
                        return EXIT_FAILURE;
                }
                c->max_recordings = (unsigned)w;
                return GO_ON;
        case ARG_MAX_DEPTH:
                if (config_parse_size(arg, &w) < 0 || w < 1 || w > CONFIG_MAX_DEPTH_LIMIT) {
                        log_error("Invalid --max-depth '%s': expected 1 to %d", arg,
                                  CONFIG_MAX_DEPTH_LIMIT);
                        return EXIT_FAILURE;
                }
                c->max_depth = (unsigned)w;
                return GO_ON;
        case ARG_VERSION: {
                const struct scmp_version *v = seccomp_version();
                printf("seccompd %s (libseccomp %u.%u.%u)\n", PACKAGE_VERSION, v->major, v->minor,
                       v->micro);
                return EXIT_SUCCESS;
        }
        default: return 2;
        }
}

/* Runs the daemon on the socket from systemd, if any, else on the configured one. */
static int run(struct config *config)
{
        int listen_fd = -1;
        int n = sd_listen_fds(true);
        if (n > 1) {
                log_error("Expected one socket from systemd, got %d", n);
                return EXIT_FAILURE;
        }
        if (n == 1)
                listen_fd = SD_LISTEN_FDS_START;

        /* manager_new() takes the configuration over: what the self filter needs first. */
        bool self_filter_skip = config->self_filter == 0 && SANITIZER_BUILD;
        _cleanup_free_ char *self_filter = NULL;
        if (config_self_filter_profile(config) &&
            !(self_filter = strdup(config_self_filter_profile(config)))) {
                log_error("Out of memory");
                return EXIT_FAILURE;
        }

        _cleanup_(manager_freep) struct manager *m = NULL;
        if (manager_new(config, &m) < 0)
                return EXIT_FAILURE;
        if (manager_start(m, listen_fd) < 0)
                return EXIT_FAILURE;
        /* Initialised: roots resolved, the socket bound, the watcher, compile and HTTP
         * threads started. From here on, only what profiles/seccompd-self.json lists. */
        if (self_filter_skip)
                log_notice("Self filter: off in a sanitizer build (--self-filter to force it)");
        else if (self_filter && self_filter_load(self_filter) < 0)
                return EXIT_FAILURE;
        return manager_run(m) < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {"config", required_argument, NULL, ARG_CONFIG},
                {"root", required_argument, NULL, ARG_ROOT},
                {"socket", required_argument, NULL, ARG_SOCKET},
                {"socket-group", required_argument, NULL, ARG_SOCKET_GROUP},
                {"cache-dir", required_argument, NULL, ARG_CACHE_DIR},
                {"cache-max", required_argument, NULL, ARG_CACHE_MAX},
                {"cache-sync", no_argument, NULL, ARG_CACHE_SYNC},
                {"strict", no_argument, NULL, ARG_STRICT},
                {"workers", required_argument, NULL, ARG_WORKERS},
                {"log-level", required_argument, NULL, ARG_LOG_LEVEL},
                {"foreground", no_argument, NULL, ARG_FOREGROUND},
                {"version", no_argument, NULL, ARG_VERSION},
                {"ready-file", required_argument, NULL, ARG_READY_FILE},
                {"fallback-spool", required_argument, NULL, ARG_FALLBACK_SPOOL},
                {"containers-file", required_argument, NULL, ARG_CONTAINERS_FILE},
                {"record-socket", required_argument, NULL, ARG_RECORD_SOCKET},
                {"max-recordings", required_argument, NULL, ARG_MAX_RECORDINGS},
                {"request-timeout", required_argument, NULL, ARG_REQUEST_TIMEOUT},
                {"compile-timeout", required_argument, NULL, ARG_COMPILE_TIMEOUT},
                {"max-connections-per-peer", required_argument, NULL, ARG_MAX_CONNECTIONS_PER_PEER},
                {"max-contexts", required_argument, NULL, ARG_MAX_CONTEXTS},
                {"max-depth", required_argument, NULL, ARG_MAX_DEPTH},
                {"self-filter", no_argument, NULL, ARG_SELF_FILTER},
                {"no-self-filter", no_argument, NULL, ARG_NO_SELF_FILTER},
                {"self-filter-profile", required_argument, NULL, ARG_SELF_FILTER_PROFILE},
                {"log-filter", required_argument, NULL, ARG_LOG_FILTER},
                {},
        };
        _cleanup_(config_done) struct config config = {}; /* manager_new() takes it over */
        int opt, r;

        if ((r = load_config_file(argc, argv, &config)) != GO_ON)
                return r;
        while ((opt = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                if ((r = apply_option(opt, optarg, &config)) != GO_ON)
                        return r;
        log_setup(config.log_level, false);
        return run(&config);
}
