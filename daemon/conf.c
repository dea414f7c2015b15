/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "recorder.h"
#include "config.h"
#include "containers.h"
#include "log.h"
#include "macro.h"
#include "seccompd/protocol.h"

static int add_root(struct config *c, const char *name, const char *path, enum dialect d,
                    bool recursive)
{
        if (c->n_roots >= CONFIG_MAX_ROOTS)
                return -E2BIG;
        for (size_t i = 0; i < c->n_roots; i++)
                if (streq(c->roots[i].name, name))
                        return -EEXIST;
        struct root_config *r = &c->roots[c->n_roots];
        r->name = strdup(name);
        r->path = strdup(path);
        if (!r->name || !r->path) {
                free(r->name);
                free(r->path);
                return -ENOMEM;
        }
        r->dialect = d;
        r->recursive = recursive;
        c->n_roots++;
        return 0;
}

/* The shipped profiles: installed by meson install; a binary run from its build tree before
 * it is installed serves the source tree's copy instead of waiting for the install. */
static const char *runtime_profiles_dir(void)
{
        if (access(PROFILES_INSTALL_DIR, F_OK) < 0 && access(PROFILES_SOURCE_DIR, F_OK) == 0)
                return PROFILES_SOURCE_DIR;
        return PROFILES_INSTALL_DIR;
}

int config_init(struct config *c)
{
        *c = (struct config){
                .cache_max_bytes = 256ULL << 20,
                .log_level = 6, /* LOG_INFO */
                .max_profile_size = PROFILE_MAX_SIZE_DEFAULT,
                .max_body_size = PROFILE_MAX_SIZE_DEFAULT,
                .max_connections = 64,
                .connection_timeout = 10,
                .request_timeout = 10,
                .compile_timeout = 10,
                .max_connections_per_peer = 32,
                .debounce_ms = 100,
                .max_contexts = 16, /* REGISTRY_MAX_CONTEXTS_DEFAULT */
                .max_containers = CONTAINERS_MAX_DEFAULT,
                .max_recordings = RECORDER_MAX_DEFAULT,
                .max_depth = CONFIG_MAX_DEPTH_DEFAULT,
        };
        int r;
        if ((r = add_root(c, "kubernetes", "/var/lib/kubelet/seccomp",
                          DIALECT_KUBERNETES_CONTAINERD, true)) < 0 ||
            (r = add_root(c, "mesos", "/etc/dcos/mesos/seccomp", DIALECT_MESOS, false)) < 0 ||
            (r = add_root(c, "runtime", runtime_profiles_dir(), DIALECT_DOCKER, false)) < 0)
                return r;
        c->roots_are_defaults = true;
        c->socket_path = strdup("/run/seccompd/seccompd.sock");
        c->cache_dir = strdup("/var/cache/seccompd");
        if (!c->socket_path || !c->cache_dir)
                return -ENOMEM;
        return 0;
}

static void clear_roots(struct config *c)
{
        for (size_t i = 0; i < c->n_roots; i++) {
                free(c->roots[i].name);
                free(c->roots[i].path);
        }
        c->n_roots = 0;
}

void config_done(struct config *c)
{
        clear_roots(c);
        free(c->socket_path);
        free(c->socket_group);
        free(c->record_socket);
        free(c->cache_dir);
        free(c->ready_file);
        free(c->fallback_spool);
        free(c->containers_file);
        free(c->self_filter_profile);
        for (size_t i = 0; i < c->n_log_filters; i++)
                free(c->log_filters[i]);
        free(c->log_filters);
}

/* `value` ("none": NULL), else `name` in the socket's directory. */
static int beside_socket(const struct config *c, const char *value, const char *name, char **ret)
{
        if (value) {
                *ret = streq(value, "none") ? NULL : strdup(value);
                return streq(value, "none") || *ret ? 0 : -ENOMEM;
        }
        const char *slash = strrchr(c->socket_path, '/');
        if (!slash)
                *ret = strdup(name);
        else if (asprintf(ret, "%.*s/%s", (int)(slash - c->socket_path), c->socket_path, name) < 0)
                *ret = NULL;
        return *ret ? 0 : -ENOMEM;
}

int config_fallback_spool(const struct config *c, char **ret)
{
        return beside_socket(c, c->fallback_spool, SECCOMPD_FALLBACK_SPOOL_NAME, ret);
}

int config_containers_file(const struct config *c, char **ret)
{
        return beside_socket(c, c->containers_file, SECCOMPD_CONTAINERS_FILE_NAME, ret);
}

int config_record_socket(const struct config *c, char **ret)
{
        return beside_socket(c, c->record_socket, SECCOMPD_RECORD_SOCKET_NAME, ret);
}

int config_add_root(struct config *c, const char *spec)
{
        _cleanup_free_ char *copy = strdup(spec);
        char *save = NULL;
        if (!copy)
                return -ENOMEM;
        char *eq = strchr(copy, '=');
        if (!eq || eq == copy || !eq[1])
                return -EINVAL;
        *eq = 0;
        const char *name = copy;
        if (strchr(name, '/') || streq(name, ".") || streq(name, ".."))
                return -EINVAL;
        char *path = strtok_r(eq + 1, ":", &save);
        if (!path || path[0] != '/')
                return -EINVAL;
        enum dialect d = DIALECT_DEFAULT;
        bool recursive = false;
        for (char *opt = strtok_r(NULL, ":", &save); opt; opt = strtok_r(NULL, ":", &save)) {
                if (streq(opt, "recursive"))
                        recursive = true;
                else if ((d = dialect_from_string(opt)) < 0)
                        return -EINVAL;
        }
        if (c->roots_are_defaults) {
                clear_roots(c);
                c->roots_are_defaults = false;
        }
        return add_root(c, name, path, d, recursive);
}

int config_parse_size(const char *v, uint64_t *ret)
{
        char *end;
        errno = 0;
        unsigned long long n = strtoull(v, &end, 10);
        if (errno || end == v)
                return -EINVAL;
        if (*end == 'K' || *end == 'k')
                n <<= 10, end++;
        else if (*end == 'M')
                n <<= 20, end++;
        else if (*end == 'G')
                n <<= 30, end++;
        if (*end)
                return -EINVAL;
        *ret = n;
        return 0;
}

int config_set_bound(struct config *c, const char *key, const char *v)
{
        uint64_t u;
        if (config_parse_size(v, &u) < 0)
                return -EINVAL;
        if (streq(key, "request-timeout") || streq(key, "compile-timeout")) {
                if (u < 1 || u > 3600)
                        return -ERANGE;
                *(streq(key, "request-timeout") ? &c->request_timeout : &c->compile_timeout) =
                        (unsigned)u;
        } else if (streq(key, "max-connections-per-peer")) {
                if (u > 100000)
                        return -ERANGE;
                c->max_connections_per_peer = (unsigned)u;
        } else
                return -EINVAL;
        return 0;
}

static int parse_bool(const char *v, bool *ret)
{
        if (streq(v, "yes") || streq(v, "true") || streq(v, "1") || streq(v, "on"))
                *ret = true;
        else if (streq(v, "no") || streq(v, "false") || streq(v, "0") || streq(v, "off"))
                *ret = false;
        else
                return -EINVAL;
        return 0;
}

static char *strip(char *s)
{
        while (isspace((unsigned char)*s))
                s++;
        size_t l = strlen(s);
        while (l > 0 && isspace((unsigned char)s[l - 1]))
                s[--l] = 0;
        return s;
}

static int set_string(char **field, const char *v)
{
        char *n = strdup(v);
        if (!n)
                return -ENOMEM;
        free(*field);
        *field = n;
        return 0;
}

/* Applies one `key = value` of the config file. Returns 0, -ENOKEY for a key that is not a
 * setting, or another -errno for a value that is not one of the key's. */
static int config_set(struct config *c, const char *k, const char *v)
{
        uint64_t u = 0;
        bool b = false;
        int r;
        if (streq(k, "root"))
                r = config_add_root(c, v);
        else if (streq(k, "socket"))
                r = set_string(&c->socket_path, v);
        else if (streq(k, "socket-group"))
                r = set_string(&c->socket_group, v);
        else if (streq(k, "fallback-spool"))
                r = *v ? set_string(&c->fallback_spool, v) : -EINVAL;
        else if (streq(k, "containers-file"))
                r = *v ? set_string(&c->containers_file, v) : -EINVAL;
        else if (streq(k, "cache-dir"))
                r = set_string(&c->cache_dir, v);
        else if (streq(k, "cache-max"))
                r = config_parse_size(v, &c->cache_max_bytes);
        else if (streq(k, "cache-sync"))
                r = parse_bool(v, &c->cache_sync);
        else if (streq(k, "strict"))
                r = parse_bool(v, &c->strict);
        else if (streq(k, "log-level"))
                r = (c->log_level = log_level_from_string(v)) < 0 ? -EINVAL : 0;
        else if (streq(k, "max-profile-size") || streq(k, "max-body")) {
                r = config_parse_size(v, &u);
                if (r == 0)
                        *(streq(k, "max-body") ? &c->max_body_size : &c->max_profile_size) =
                                (size_t)u;
        } else if (streq(k, "max-connections") || streq(k, "connection-timeout") ||
                   streq(k, "workers")) {
                r = config_parse_size(v, &u);
                if (r == 0 && u > 100000)
                        r = -ERANGE;
                if (r == 0)
                        *(streq(k, "workers")           ? &c->workers
                          : streq(k, "max-connections") ? &c->max_connections
                                                        : &c->connection_timeout) = (unsigned)u;
        } else if (streq(k, "request-timeout") || streq(k, "compile-timeout") ||
                   streq(k, "max-connections-per-peer")) {
                r = config_set_bound(c, k, v);
        } else if (streq(k, "max-contexts")) {
                r = config_parse_size(v, &u);
                if (r == 0 && u > CONFIG_MAX_CONTEXTS_LIMIT)
                        r = -ERANGE;
                if (r == 0)
                        c->max_contexts = (unsigned)u;
        } else if (streq(k, "max-containers")) {
                r = config_parse_size(v, &u);
                if (r == 0 && (u < 1 || u > CONTAINERS_MAX_LIMIT))
                        r = -ERANGE;
                if (r == 0)
                        c->max_containers = (unsigned)u;
        } else if (streq(k, "max-recordings")) {
                r = config_parse_size(v, &u);
                if (r == 0 && (u < 1 || u > RECORDER_MAX_LIMIT))
                        r = -ERANGE;
                if (r == 0)
                        c->max_recordings = (unsigned)u;
        } else if (streq(k, "record-socket")) {
                r = *v ? set_string(&c->record_socket, v) : -EINVAL;
        } else if (streq(k, "max-depth")) {
                r = config_parse_size(v, &u);
                if (r == 0 && (u < 1 || u > CONFIG_MAX_DEPTH_LIMIT))
                        r = -ERANGE;
                if (r == 0)
                        c->max_depth = (unsigned)u;
        } else if (streq(k, "self-filter")) {
                r = parse_bool(v, &b);
                if (r == 0)
                        c->self_filter = b ? 1 : -1;
        } else if (streq(k, "log-filter")) {
                r = config_add_log_filter(c, v);
        } else if (streq(k, "self-filter-profile")) {
                r = *v ? set_string(&c->self_filter_profile, v) : -EINVAL;
        } else if (streq(k, "foreground")) {
                r = parse_bool(v, &b);
                c->foreground = b;
        } else
                return -ENOKEY;
        return r;
}

int config_add_log_filter(struct config *c, const char *pattern)
{
        if (!*pattern)
                return -EINVAL;
        if (c->n_log_filters >= CONFIG_MAX_LOG_FILTERS)
                return -E2BIG;
        char **v = realloc(c->log_filters, (c->n_log_filters + 1) * sizeof(*v));
        if (!v)
                return -ENOMEM;
        c->log_filters = v;
        if (!(v[c->n_log_filters] = strdup(pattern)))
                return -ENOMEM;
        c->n_log_filters++;
        return 0;
}

bool config_log_filter_matches(const struct config *c, const char *name)
{
        for (size_t i = 0; i < c->n_log_filters; i++)
                if (fnmatch(c->log_filters[i], name, 0) == 0)
                        return true;
        return false;
}

int config_load_file(struct config *c, const char *path)
{
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;
        unsigned n = 0;

        if (!f)
                return errno == ENOENT ? 0
                                       : log_error_errno(-errno, "Failed to open '%s': %m", path);
        while (getline(&line, &cap, f) >= 0) {
                n++;
                char *s = strip(line);
                if (!*s || *s == '#' || *s == ';')
                        continue;
                char *eq = strchr(s, '=');
                if (!eq)
                        return log_error_errno(-EINVAL, "%s:%u: expected key = value", path, n);
                *eq = 0;
                char *k = strip(s), *v = strip(eq + 1);
                int r = config_set(c, k, v);
                if (r == -ENOKEY)
                        return log_error_errno(-EINVAL, "%s:%u: unknown setting '%s'", path, n, k);
                if (r < 0)
                        return log_error_errno(r, "%s:%u: invalid value for '%s': '%s'", path, n, k,
                                               v);
        }
        return 0;
}

const char *config_self_filter_profile(const struct config *c)
{
        if (c->self_filter < 0)
                return NULL;
        return c->self_filter_profile ? c->self_filter_profile
               : streq(runtime_profiles_dir(), PROFILES_SOURCE_DIR)
                       ? PROFILES_SOURCE_DIR "/seccompd-self.json"
                       : PROFILES_INSTALL_DIR "/seccompd-self.json";
}
