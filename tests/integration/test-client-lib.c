/* SPDX-License-Identifier: Apache-2.0 */
/* libseccompd against the real daemon: seccompd is started on a temp root ("runtime") holding
 * a copy of profiles/default.json and a broken profile, and every call of client.h is checked
 * against what seccompctl builds offline from the same file and against the kernel.
 *
 * Usage: test-client-lib SECCOMPD SECCOMPCTL SOURCE_DIR */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <openssl/evp.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <seccompd/client.h>

#define BROKEN_JSON "{\n  \"syscalls\": [],\n  \"defaultAction\": \"SCMP_ACT_NOPE\"\n}\n"
/* Allows everything but getppid, which fails with an errno no default profile uses. */
#define GETPPID_EXDEV_JSON                                                                         \
        "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getppid\"], "       \
        "\"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 18}]}"

static const char *arg_seccompd, *arg_seccompctl, *arg_source;

struct bytes {
        uint8_t *data;
        size_t size;
};

struct fixture {
        char dir[64];
        char socket[128];
        char profile[128]; /* $dir/profiles/default.json */
        pid_t daemon;
        struct seccompd *c;
        struct bytes json;    /* the profile's bytes */
        struct bytes bpf;     /* seccompctl compile of it */
        struct bytes bpf_all; /* seccompctl --caps all compile of it */
        char key[65];         /* the blob key seccompctl reported */
        char digest[80];      /* sha256:<hex of the file> */
};

static void bytes_done(struct bytes *b)
{
        free(b->data);
        b->data = NULL;
        b->size = 0;
}

static int read_file(const char *path, struct bytes *ret)
{
        FILE *f = fopen(path, "re");
        uint8_t buf[65536];
        size_t n;

        if (!f)
                return -errno;
        *ret = (struct bytes){0};
        while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
                uint8_t *d = realloc(ret->data, ret->size + n + 1);
                if (!d) {
                        fclose(f);
                        return -ENOMEM;
                }
                memcpy(d + ret->size, buf, n);
                ret->data = d;
                ret->size += n;
                ret->data[ret->size] = 0;
        }
        fclose(f);
        return ret->data ? 0 : -ENODATA;
}

static void write_file(const char *path, const void *data, size_t size)
{
        FILE *f = fopen(path, "we");
        assert_non_null(f);
        assert_int_equal(fwrite(data, 1, size, f), size);
        assert_int_equal(fclose(f), 0);
}

static char *path_in(const struct fixture *f, const char *name)
{
        char *p;
        assert_true(asprintf(&p, "%s/%s", f->dir, name) > 0);
        return p;
}

/* Runs argv with stdout and stderr into files (NULL: /dev/null). Returns the exit status, or
 * -1 when it did not exit normally. */
static int run(char *const argv[], const char *out, const char *err)
{
        pid_t pid = fork();
        int status;

        assert_true(pid >= 0);
        if (pid == 0) {
                int o = open(out ? out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                             0600);
                int e = open(err ? err : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                             0600);
                if (o < 0 || e < 0 || dup2(o, STDOUT_FILENO) < 0 || dup2(e, STDERR_FILENO) < 0)
                        _exit(127);
                execv(argv[0], argv);
                _exit(127);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void sha256_digest(const struct bytes *b, char ret[80])
{
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned len = 0;

        assert_int_equal(EVP_Digest(b->data, b->size, md, &len, EVP_sha256(), NULL), 1);
        assert_int_equal(len, 32);
        strcpy(ret, "sha256:");
        for (unsigned i = 0; i < len; i++)
                sprintf(ret + 7 + 2 * i, "%02x", md[i]);
}

static bool is_hex(const char *s, size_t len)
{
        if (!s || strlen(s) != len)
                return false;
        for (; *s; s++)
                if (!strchr("0123456789abcdef", *s))
                        return false;
        return true;
}

static int64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* seccompctl compile FILE -o OUT, with the key it reports on stderr when ret_key. */
static void ctl_compile(struct fixture *f, const char *caps, const char *out, char ret_key[65])
{
        char *err = path_in(f, "ctl.err");
        char *argv[8];
        int n = 0;

        argv[n++] = (char *)arg_seccompctl;
        if (caps) {
                argv[n++] = (char *)"--caps";
                argv[n++] = (char *)caps;
        }
        argv[n++] = (char *)"compile";
        argv[n++] = f->profile;
        argv[n++] = (char *)"-o";
        argv[n++] = (char *)out;
        argv[n] = NULL;
        assert_int_equal(run(argv, NULL, err), 0);
        if (ret_key) {
                struct bytes e;
                assert_int_equal(read_file(err, &e), 0);
                const char *k = strstr((char *)e.data, ", key ");
                assert_non_null(k);
                memcpy(ret_key, k + 6, 64);
                ret_key[64] = 0;
                assert_true(is_hex(ret_key, 64));
                bytes_done(&e);
        }
        free(err);
}

static bool daemon_ready(struct fixture *f)
{
        struct seccompd *c = NULL;
        struct seccompd_status *s = NULL;
        bool ready = false;

        if (seccompd_connect(f->socket, 1000, &c) == 0 && seccompd_status(c, &s) == 0)
                ready = s->ready == 1;
        seccompd_status_free(s);
        seccompd_disconnect(c);
        return ready;
}

static void start_daemon(struct fixture *f)
{
        char *root = NULL, *cache = path_in(f, "cache"), *log = path_in(f, "daemon.log");

        assert_true(asprintf(&root, "runtime=%s/profiles", f->dir) > 0);
        f->daemon = fork();
        assert_true(f->daemon >= 0);
        if (f->daemon == 0) {
                int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
                /* Never outlive the test, however it ends. */
                if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || fd < 0 || dup2(fd, STDERR_FILENO) < 0)
                        _exit(127);
                execl(arg_seccompd, arg_seccompd, "--foreground", "--root", root, "--socket",
                      f->socket, "--cache-dir", cache, (char *)NULL);
                _exit(127);
        }
        for (int64_t end = now_ms() + 20000; now_ms() < end;) {
                if (daemon_ready(f))
                        break;
                if (waitpid(f->daemon, NULL, WNOHANG) != 0) {
                        f->daemon = 0; /* exited (and reaped): its log says why */
                        break;
                }
                usleep(50 * 1000);
        }
        if (!daemon_ready(f)) {
                struct bytes l;
                if (read_file(log, &l) == 0)
                        print_message("daemon log:\n%s\n", (char *)l.data);
                if (f->daemon > 0) {
                        kill(f->daemon, SIGTERM);
                        waitpid(f->daemon, NULL, 0);
                }
                fail_msg("seccompd did not become ready on %s", f->socket);
        }
        free(root);
        free(cache);
        free(log);
}

static int group_setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        char *src = NULL, *dir = NULL, *p;

        assert_non_null(f);
        strcpy(f->dir, "/tmp/test-client-lib.XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        snprintf(f->socket, sizeof(f->socket), "%s/seccompd.sock", f->dir);
        snprintf(f->profile, sizeof(f->profile), "%s/profiles/default.json", f->dir);
        dir = path_in(f, "profiles");
        assert_int_equal(mkdir(dir, 0755), 0);

        assert_true(asprintf(&src, "%s/profiles/default.json", arg_source) > 0);
        assert_int_equal(read_file(src, &f->json), 0);
        write_file(f->profile, f->json.data, f->json.size);
        sha256_digest(&f->json, f->digest);
        p = path_in(f, "profiles/broken.json");
        write_file(p, BROKEN_JSON, strlen(BROKEN_JSON));
        free(p);

        p = path_in(f, "default.bpf");
        ctl_compile(f, NULL, p, f->key);
        assert_int_equal(read_file(p, &f->bpf), 0);
        free(p);
        p = path_in(f, "default-all.bpf");
        ctl_compile(f, "all", p, NULL);
        assert_int_equal(read_file(p, &f->bpf_all), 0);
        free(p);

        start_daemon(f);
        assert_int_equal(seccompd_connect(f->socket, 0, &f->c), 0);
        free(src);
        free(dir);
        *state = f;
        return 0;
}

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        return remove(path);
}

static int group_teardown(void **state)
{
        struct fixture *f = *state;

        seccompd_disconnect(f->c);
        if (f->daemon > 0) {
                kill(f->daemon, SIGTERM);
                waitpid(f->daemon, NULL, 0);
        }
        nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        bytes_done(&f->json);
        bytes_done(&f->bpf);
        bytes_done(&f->bpf_all);
        free(f);
        return 0;
}

static void assert_contains(const char *haystack, const char *needle)
{
        if (!haystack || !strstr(haystack, needle))
                fail_msg("\"%s\" does not contain \"%s\"", haystack ? haystack : "(null)", needle);
}

static void assert_blob_equals(const struct seccompd_blob *b, const struct bytes *want)
{
        assert_int_equal(b->size, want->size);
        assert_memory_equal(b->data, want->data, want->size);
        assert_int_equal(b->instructions, want->size / 8);
}

/* --- connect ---------------------------------------------------------------------- */

static void test_connect_ok(void **state)
{
        struct fixture *f = *state;
        struct seccompd *c = NULL;

        assert_int_equal(seccompd_connect(f->socket, 2000, &c), 0);
        assert_non_null(c);
        assert_null(seccompd_last_error(c));
        seccompd_disconnect(c);
}

static void test_connect_socket_from_environment(void **state)
{
        struct fixture *f = *state;
        struct seccompd *c = NULL;
        char *missing = path_in(f, "elsewhere.sock");

        assert_int_equal(setenv(SECCOMPD_SOCKET_ENV, f->socket, 1), 0);
        assert_int_equal(seccompd_connect(NULL, 0, &c), 0);
        seccompd_disconnect(c);
        c = NULL;
        assert_int_equal(setenv(SECCOMPD_SOCKET_ENV, missing, 1), 0);
        assert_int_equal(seccompd_connect(NULL, 0, &c), -ENOENT);
        assert_null(c);
        assert_int_equal(unsetenv(SECCOMPD_SOCKET_ENV), 0);
        free(missing);
}

static void test_connect_missing_socket(void **state)
{
        struct fixture *f = *state;
        struct seccompd *c = (struct seccompd *)state; /* must stay untouched */
        char *p = path_in(f, "no-such.sock");

        assert_int_equal(seccompd_connect(p, 0, &c), -ENOENT);
        assert_ptr_equal(c, (struct seccompd *)state);
        free(p);
}

static int bound_socket(const char *path)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

        assert_true(fd >= 0);
        assert_true(strlen(path) < sizeof(sa.sun_path));
        strcpy(sa.sun_path, path);
        assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        return fd;
}

static void test_connect_refused(void **state)
{
        struct fixture *f = *state;
        struct seccompd *c = NULL;
        char *p = path_in(f, "stale.sock");
        int fd = bound_socket(p); /* bound, never listening: a stale socket file */

        assert_int_equal(seccompd_connect(p, 0, &c), -ECONNREFUSED);
        assert_null(c);
        close(fd);
        unlink(p);
        free(p);
}

static void test_connect_timeout(void **state)
{
        struct fixture *f = *state;
        struct seccompd *c = NULL;
        char *p = path_in(f, "mute.sock");
        int fd = bound_socket(p);

        /* Listening, so connect(2) succeeds from the backlog, but nobody ever answers. */
        assert_int_equal(listen(fd, 4), 0);
        int64_t t0 = now_ms();
        assert_int_equal(seccompd_connect(p, 300, &c), -ETIMEDOUT);
        int64_t took = now_ms() - t0;
        assert_null(c);
        assert_true(took >= 250);
        assert_true(took < 5000);
        close(fd);
        unlink(p);
        free(p);
}

/* A one-shot server that answers `answer` to the first request on `path`. */
static pid_t fake_server(const char *path, const char *answer)
{
        int fd = bound_socket(path);
        assert_int_equal(listen(fd, 4), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                char buf[4096];
                alarm(10); /* the client may never come */
                int conn = accept(fd, NULL, NULL);
                if (conn < 0)
                        _exit(1);
                (void)!read(conn, buf, sizeof(buf));
                (void)!write(conn, answer, strlen(answer));
                close(conn);
                _exit(0);
        }
        close(fd);
        return pid;
}

static void test_connect_not_the_api(void **state)
{
        struct fixture *f = *state;
        struct seccompd *c = NULL;
        char *p = path_in(f, "other.sock");
        int status;

        pid_t pid = fake_server(p, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                                   "Content-Length: 13\r\nConnection: close\r\n\r\n<html></html>");
        assert_int_equal(seccompd_connect(p, 2000, &c), -EPROTO);
        assert_null(c);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        unlink(p);

        pid = fake_server(p, "SSH-2.0-OpenSSH_9.2\r\n");
        int r = seccompd_connect(p, 2000, &c);
        assert_int_equal(r, -EPROTO);
        assert_null(c);
        waitpid(pid, NULL, 0);
        unlink(p);

        /* An HTTP server, but not seccompd: its 404 is no "no such profile". */
        pid = fake_server(p, "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n"
                             "Connection: close\r\n\r\nnot found");
        assert_int_equal(seccompd_connect(p, 2000, &c), -EPROTO);
        assert_null(c);
        waitpid(pid, NULL, 0);
        unlink(p);

        /* Closed after reading the request, without a word. */
        pid = fake_server(p, "");
        assert_int_equal(seccompd_connect(p, 2000, &c), -ECONNRESET);
        assert_null(c);
        waitpid(pid, NULL, 0);
        unlink(p);
        free(p);
}

static void test_invalid_arguments(void **state)
{
        struct fixture *f = *state;
        struct seccompd_blob *b = NULL;

        assert_int_equal(seccompd_connect("", 0, &f->c), -EINVAL);
        assert_non_null(f->c);
        assert_int_equal(seccompd_connect(f->socket, 0, NULL), -EINVAL);
        assert_int_equal(seccompd_get_blob(f->c, "", NULL, &b), -EINVAL);
        assert_int_equal(seccompd_get_blob(f->c, NULL, NULL, &b), -EINVAL);
        assert_int_equal(seccompd_compile(f->c, NULL, 10, NULL, &b), -EINVAL);
        assert_null(b);
        assert_null(seccompd_last_error(NULL));
        /* Every *_free accepts NULL. */
        seccompd_blob_free(NULL);
        seccompd_profiles_free(NULL, 0);
        seccompd_status_free(NULL);
        seccompd_disconnect(NULL);
}

/* --- blobs by name ----------------------------------------------------------------- */

static void test_get_blob_is_seccompctls(void **state)
{
        struct fixture *f = *state;
        struct seccompd_blob *b = NULL;

        assert_int_equal(seccompd_get_blob(f->c, "runtime/default", NULL, &b), 0);
        assert_blob_equals(b, &f->bpf);
        assert_string_equal(b->key, f->key);
        assert_string_equal(b->digest, f->digest);
        assert_string_equal(b->state, SECCOMPD_STATE_VALID);
        assert_contains(b->context, "arch=");
        assert_null(seccompd_last_error(f->c));
        seccompd_blob_free(b);

        /* The file name and the name without ".json" are one profile. */
        assert_int_equal(seccompd_get_blob(f->c, "runtime/default.json", NULL, &b), 0);
        assert_string_equal(b->key, f->key);
        seccompd_blob_free(b);
}

static void test_get_blob_context(void **state)
{
        struct fixture *f = *state;
        struct seccompd_blob *b = NULL, *nulls = NULL;
        const struct seccompd_context all = {.caps = "all"};
        const struct seccompd_context none_set = {0};

        assert_int_equal(seccompd_get_blob(f->c, "runtime/default", &all, &b), 0);
        assert_string_not_equal(b->key, f->key);
        assert_true(is_hex(b->key, 64));
        assert_blob_equals(b, &f->bpf_all);
        assert_contains(b->context, "CAP_SYS_ADMIN");
        assert_string_equal(b->digest, f->digest);

        /* NULL members are the daemon's defaults. */
        assert_int_equal(seccompd_get_blob(f->c, "runtime/default", &none_set, &nulls), 0);
        assert_string_equal(nulls->key, f->key);
        seccompd_blob_free(nulls);
        seccompd_blob_free(b);
}

static void test_get_blob_unknown_name(void **state)
{
        struct fixture *f = *state;
        struct seccompd_blob *b = (struct seccompd_blob *)state;

        assert_int_equal(seccompd_get_blob(f->c, "runtime/nosuch", NULL, &b), -ENOENT);
        assert_ptr_equal(b, (struct seccompd_blob *)state);
        assert_contains(seccompd_last_error(f->c), "no profile 'runtime/nosuch'");
        assert_int_equal(seccompd_get_blob(f->c, "elsewhere/default", NULL, &b), -ENOENT);
}

static void test_get_blob_invalid_profile(void **state)
{
        struct fixture *f = *state;
        struct seccompd_blob *b = NULL;

        assert_int_equal(seccompd_get_blob(f->c, "runtime/broken", NULL, &b), -EBADMSG);
        assert_null(b);
        assert_contains(seccompd_last_error(f->c), "is invalid and not served");
        /* and why: the first error of its diagnostics */
        assert_contains(seccompd_last_error(f->c), "broken.json:3:20: /defaultAction: ");
        assert_contains(seccompd_last_error(f->c), "SCMP_ACT_NOPE");
}

static void test_get_blob_bad_request(void **state)
{
        struct fixture *f = *state;
        struct seccompd_blob *b = NULL;
        const struct seccompd_context bad_arch = {.arch = "pdp11"};
        const struct seccompd_context bad_kernel = {.kernel = "six"};

        assert_int_equal(seccompd_get_blob(f->c, "runtime/../etc/passwd", NULL, &b), -EINVAL);
        assert_contains(seccompd_last_error(f->c), "invalid profile name");
        assert_int_equal(seccompd_get_blob(f->c, "runtime/default", &bad_arch, &b), -EINVAL);
        assert_contains(seccompd_last_error(f->c), "unknown arch 'pdp11'");
        assert_int_equal(seccompd_get_blob(f->c, "runtime/default", &bad_kernel, &b), -EINVAL);
        assert_contains(seccompd_last_error(f->c), "kernel 'six'");
        assert_null(b);
}

static void test_last_error_cleared_by_next_call(void **state)
{
        struct fixture *f = *state;
        struct seccompd_blob *b = NULL;

        assert_int_equal(seccompd_get_blob(f->c, "runtime/nosuch", NULL, &b), -ENOENT);
        assert_non_null(seccompd_last_error(f->c));
        assert_int_equal(seccompd_get_blob(f->c, "runtime/default", NULL, &b), 0);
        assert_null(seccompd_last_error(f->c));
        seccompd_blob_free(b);

        for (int i = 0; i < 2; i++) {
                struct seccompd_profile_info *p = NULL;
                struct seccompd_status *s = NULL;
                assert_int_equal(seccompd_get_blob(f->c, "runtime/broken", NULL, &b), -EBADMSG);
                assert_non_null(seccompd_last_error(f->c));
                if (i == 0) {
                        int n = seccompd_list(f->c, &p);
                        assert_true(n > 0);
                        seccompd_profiles_free(p, (size_t)n);
                } else {
                        assert_int_equal(seccompd_status(f->c, &s), 0);
                        seccompd_status_free(s);
                }
                assert_null(seccompd_last_error(f->c));
        }
}

/* --- ad-hoc compiles --------------------------------------------------------------- */

static void test_compile_same_as_by_name(void **state)
{
        struct fixture *f = *state;
        struct seccompd_blob *b = NULL, *all = NULL;
        const struct seccompd_context ctx_all = {.caps = "all"};

        assert_int_equal(seccompd_compile(f->c, f->json.data, f->json.size, NULL, &b), 0);
        assert_blob_equals(b, &f->bpf);
        assert_string_equal(b->key, f->key);
        assert_string_equal(b->digest, f->digest);
        assert_null(b->state);
        assert_contains(b->context, "arch=");
        seccompd_blob_free(b);

        assert_int_equal(seccompd_compile(f->c, f->json.data, f->json.size, &ctx_all, &all), 0);
        assert_blob_equals(all, &f->bpf_all);
        seccompd_blob_free(all);
}

static void test_compile_invalid(void **state)
{
        struct fixture *f = *state;
        struct seccompd_blob *b = NULL;

        assert_int_equal(seccompd_compile(f->c, BROKEN_JSON, strlen(BROKEN_JSON), NULL, &b),
                         -EBADMSG);
        assert_contains(seccompd_last_error(f->c), "does not compile");
        assert_contains(seccompd_last_error(f->c), "/defaultAction: ");
        assert_int_equal(seccompd_compile(f->c, "{\"defaultAction\": ", 18, NULL, &b), -EBADMSG);
        assert_int_equal(seccompd_compile(f->c, NULL, 0, NULL, &b), -EBADMSG);
        assert_null(b);
}

/* --- list and status --------------------------------------------------------------- */

static void test_list(void **state)
{
        struct fixture *f = *state;
        struct seccompd_profile_info *p = NULL;

        int n = seccompd_list(f->c, &p);
        assert_int_equal(n, 2);
        assert_non_null(p);
        assert_string_equal(p[0].name, "runtime/broken.json");
        assert_string_equal(p[0].state, SECCOMPD_STATE_INVALID);
        assert_int_equal(p[0].errors, 1);
        assert_string_equal(p[0].path, "broken.json");
        assert_string_equal(p[1].name, "runtime/default.json");
        assert_string_equal(p[1].state, SECCOMPD_STATE_VALID);
        assert_string_equal(p[1].root, "runtime");
        assert_string_equal(p[1].path, "default.json");
        assert_string_equal(p[1].dialect, "docker");
        assert_string_equal(p[1].digest, f->digest);
        assert_int_equal(p[1].errors, 0);
        assert_true(p[1].warnings > 0); /* the shipped profile names syscalls newer than
                                           libseccomp 2.5 */
        seccompd_profiles_free(p, (size_t)n);
}

static void test_status(void **state)
{
        struct fixture *f = *state;
        struct seccompd_status *s = NULL;

        assert_int_equal(seccompd_status(f->c, &s), 0);
        assert_int_equal(s->ready, 1);
        assert_string_equal(s->version, "0.1.0");
        assert_non_null(s->libseccomp);
        assert_true(strncmp(s->libseccomp, "2.", 2) == 0);
        assert_true(strncmp(s->node_digest, "sha256:", 7) == 0);
        assert_true(is_hex(s->node_digest + 7, 64));
        assert_string_not_equal(s->node_digest, f->digest); /* over the set, not one file */
        assert_true(s->generation >= 1);
        assert_int_equal(s->valid, 1);
        assert_int_equal(s->invalid, 1);
        assert_int_equal(s->stale, 0);
        assert_int_equal(s->missing, 0);
        assert_true(s->compiles >= 1);
        seccompd_status_free(s);
}

/* --- LIBSECCOMPD_0.2: details, source, reload, the last answer --------------------- */

static size_t count_severity(const struct seccompd_profile *p, const char *severity)
{
        size_t n = 0;
        for (size_t i = 0; i < p->n_diagnostics; i++)
                n += strcmp(p->diagnostics[i].severity, severity) == 0;
        return n;
}

static void test_get_profile(void **state)
{
        struct fixture *f = *state;
        struct seccompd_profile *p = NULL;

        assert_int_equal(seccompd_get_profile(f->c, "runtime/default", &p), 0);
        assert_string_equal(p->name, "runtime/default.json");
        assert_string_equal(p->root, "runtime");
        assert_string_equal(p->path, "default.json");
        assert_string_equal(p->dialect, "docker");
        assert_string_equal(p->state, SECCOMPD_STATE_VALID);
        assert_string_equal(p->digest, f->digest);
        assert_string_equal(p->served_digest, f->digest);
        assert_non_null(p->updated);
        assert_int_equal(p->errors, 0);
        assert_true(p->warnings > 0);
        assert_int_equal(count_severity(p, "warning"), p->warnings);
        assert_true(p->rules > 0 && p->names >= p->rules);
        assert_true(p->has_summary);
        assert_string_equal(p->default_action, "SCMP_ACT_ERRNO");
        assert_true(p->n_arches > 0);
        /* seccompctl compiled it for the host's context before: the daemon holds that blob. */
        assert_true(p->n_blobs >= 1);
        assert_non_null(seccompd_last_answer(f->c));
        assert_int_equal(seccompd_last_answer(f->c)->status, 200);
        seccompd_profile_free(p);
        p = NULL;

        /* An invalid profile is details, not an error: its diagnostics say why. */
        assert_int_equal(seccompd_get_profile(f->c, "runtime/broken", &p), 0);
        assert_string_equal(p->state, SECCOMPD_STATE_INVALID);
        assert_int_equal(p->errors, 1);
        assert_int_equal(p->n_blobs, 0);
        assert_int_equal(count_severity(p, "error"), 1);
        const struct seccompd_diagnostic *d = &p->diagnostics[0];
        for (size_t i = 0; strcmp(d->severity, "error") != 0; i++)
                d = &p->diagnostics[i];
        assert_int_equal(d->line, 3);
        assert_int_equal(d->column, 20);
        assert_string_equal(d->pointer, "/defaultAction");
        assert_contains(d->message, "SCMP_ACT_NOPE");
        seccompd_profile_free(p);
        p = NULL;

        assert_int_equal(seccompd_get_profile(f->c, "runtime/nosuch", &p), -ENOENT);
        assert_null(p);
        assert_int_equal(seccompd_get_profile(f->c, "", &p), -EINVAL);
        assert_int_equal(seccompd_get_profile(NULL, "runtime/default", &p), -EINVAL);
}

static void test_list_profiles(void **state)
{
        struct fixture *f = *state;
        struct seccompd_profile_list *l = NULL;

        assert_int_equal(seccompd_list_profiles(f->c, &l), 0);
        assert_int_equal(l->n, 2);
        assert_string_equal(l->profiles[0]->name, "runtime/broken.json");
        assert_string_equal(l->profiles[0]->state, SECCOMPD_STATE_INVALID);
        assert_int_equal(l->profiles[0]->errors, 1);
        assert_string_equal(l->profiles[1]->name, "runtime/default.json");
        assert_string_equal(l->profiles[1]->digest, f->digest);
        assert_true(l->profiles[1]->rules > 0);
        assert_non_null(l->profiles[1]->updated);
        seccompd_profile_list_free(l);
        seccompd_profile_list_free(NULL);
}

static void test_get_source(void **state)
{
        struct fixture *f = *state;
        struct seccompd_source *s = NULL;

        assert_int_equal(seccompd_get_source(f->c, "runtime/default", &s), 0);
        assert_int_equal(s->size, f->json.size);
        assert_memory_equal(s->data, f->json.data, f->json.size);
        assert_int_equal(s->data[s->size], 0);
        assert_string_equal(s->dialect, "docker");
        assert_string_equal(s->digest, f->digest);
        seccompd_source_free(s);
        s = NULL;

        /* An invalid profile is never served, its source neither. */
        assert_int_equal(seccompd_get_source(f->c, "runtime/broken", &s), -EBADMSG);
        assert_contains(seccompd_last_error(f->c), "is invalid");
        assert_int_equal(seccompd_get_source(f->c, "runtime/nosuch", &s), -ENOENT);
        assert_null(s);
}

static void test_last_answer(void **state)
{
        struct fixture *f = *state;
        struct seccompd_blob *b = NULL;

        assert_null(seccompd_last_answer(NULL));
        assert_int_equal(seccompd_get_blob(f->c, "runtime/nosuch", NULL, &b), -ENOENT);
        const struct seccompd_answer *a = seccompd_last_answer(f->c);
        assert_non_null(a);
        assert_int_equal(a->status, 404);
        assert_string_equal(a->error_code, SECCOMPD_ERROR_NOT_FOUND);
        assert_contains(a->error_message, "no profile 'runtime/nosuch'");
        assert_non_null(a->body);
        assert_contains(a->body, "\"" SECCOMPD_KEY_ERROR "\"");
        assert_int_equal(a->body_size, strlen(a->body));

        /* The daemon's message alone, its diagnostics whole: last_error joins the two. */
        assert_int_equal(seccompd_get_blob(f->c, "runtime/broken", NULL, &b), -EBADMSG);
        a = seccompd_last_answer(f->c);
        assert_int_equal(a->status, 409);
        assert_contains(a->error_message, "is invalid and not served");
        assert_null(strstr(a->error_message, "SCMP_ACT_NOPE"));
        assert_true(a->n_diagnostics >= 1);
        assert_string_equal(a->diagnostics[0].severity, "error");
        assert_string_equal(a->diagnostics[0].pointer, "/defaultAction");
        assert_contains(seccompd_last_error(f->c), a->error_message);
        assert_contains(seccompd_last_error(f->c), "3:20: /defaultAction: ");

        /* A success: the answer, no error. */
        assert_int_equal(seccompd_get_blob(f->c, "runtime/default", NULL, &b), 0);
        a = seccompd_last_answer(f->c);
        assert_int_equal(a->status, 200);
        assert_null(a->body); /* the blob has the bytes */
        assert_null(a->error_code);
        assert_null(a->error_message);
        assert_int_equal(a->n_diagnostics, 0);
        assert_null(seccompd_last_error(f->c));
        seccompd_blob_free(b);
}

static void test_status_details(void **state)
{
        struct fixture *f = *state;
        struct seccompd_status *s = NULL;
        char *spool = path_in(f, "fallbacks"); /* next to the socket: protocol.h */

        assert_int_equal(seccompd_status(f->c, &s), 0);
        assert_non_null(s->cache);
        assert_true(strncmp(s->cache->dir, f->dir, strlen(f->dir)) == 0);
        assert_true(s->cache->entries >= 1);
        assert_true(s->cache->max_bytes > 0);
        assert_non_null(s->fallbacks);
        assert_string_equal(s->fallbacks->spool, spool);
        assert_int_equal(s->fallbacks->total, 0);
        assert_int_equal(s->fallbacks->n_recent, 0);
        assert_int_equal(s->n_roots, 1);
        assert_string_equal(s->roots[0].name, "runtime");
        assert_true(s->roots[0].exists);
        assert_int_equal(s->roots[0].profiles, 2);
        assert_string_equal(s->roots[0].dialect, "docker");
        seccompd_status_free(s);
        free(spool);
}

static void test_reload(void **state)
{
        struct fixture *f = *state;
        struct seccompd_status *s = NULL;
        uint64_t generation = 0;

        assert_int_equal(seccompd_status(f->c, &s), 0);
        assert_int_equal(seccompd_reload(f->c, &generation), 0);
        assert_true(generation >= s->generation);
        assert_int_equal(seccompd_last_answer(f->c)->status, 202);
        assert_int_equal(seccompd_reload(f->c, NULL), 0);
        assert_int_equal(seccompd_reload(NULL, NULL), -EINVAL);
        seccompd_status_free(s);
}

/* --- the kernel takes the blobs ---------------------------------------------------- */

enum {
        CHILD_OK,
        CHILD_NO_NEW_PRIVS = 10,
        CHILD_SECCOMP,
        CHILD_GETPID,
        CHILD_UNSHARE_ALLOWED,
        CHILD_UNSHARE_ERRNO,
        CHILD_GETPPID_ALLOWED,
        CHILD_GETPPID_ERRNO,
};

static int install(const struct seccompd_blob *b)
{
        struct sock_fprog prog = {
                .len = (unsigned short)b->instructions,
                .filter = (struct sock_filter *)b->data,
        };
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return CHILD_NO_NEW_PRIVS;
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
                return CHILD_SECCOMP;
        return CHILD_OK;
}

/* Runs `fn` in a forked child (the filter stays there) and returns its exit code. */
static int in_child(int (*fn)(const struct seccompd_blob *b), const struct seccompd_blob *b)
{
        pid_t pid = fork();
        int status;

        assert_true(pid >= 0);
        if (pid == 0)
                _exit(fn(b));
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (!WIFEXITED(status))
                fail_msg("child died of signal %d", WTERMSIG(status));
        return WEXITSTATUS(status);
}

static int unshare_user(const struct seccompd_blob *b)
{
        return unshare(CLONE_NEWUSER) == 0 ? CHILD_OK : CHILD_UNSHARE_ERRNO;
}

static int default_profile_child(const struct seccompd_blob *b)
{
        pid_t before = getpid();
        int r = install(b);
        if (r != CHILD_OK)
                return r;
        if (syscall(SYS_getpid) != before)
                return CHILD_GETPID;
        if (unshare(CLONE_NEWUSER) == 0)
                return CHILD_UNSHARE_ALLOWED;
        return errno == EPERM ? CHILD_OK : CHILD_UNSHARE_ERRNO;
}

static int getppid_child(const struct seccompd_blob *b)
{
        pid_t parent = getppid();
        int r = install(b);
        if (r != CHILD_OK)
                return r;
        if (syscall(SYS_getpid) != getpid() || getpid() <= 0)
                return CHILD_GETPID;
        errno = 0;
        if (syscall(SYS_getppid) == parent)
                return CHILD_GETPPID_ALLOWED;
        return errno == EXDEV ? CHILD_OK : CHILD_GETPPID_ERRNO;
}

static void test_blob_loads_into_the_kernel(void **state)
{
        struct fixture *f = *state;
        struct seccompd_blob *b = NULL;

        /* Without a filter, unshare(CLONE_NEWUSER) must work here, or its denial proves
         * nothing. */
        if (in_child(unshare_user, NULL) != CHILD_OK)
                skip();
        assert_int_equal(seccompd_get_blob(f->c, "runtime/default", NULL, &b), 0);
        assert_int_equal(in_child(default_profile_child, b), CHILD_OK);
        seccompd_blob_free(b);
}

static void test_compiled_blob_loads_into_the_kernel(void **state)
{
        struct fixture *f = *state;
        struct seccompd_blob *b = NULL;

        assert_int_equal(
                seccompd_compile(f->c, GETPPID_EXDEV_JSON, strlen(GETPPID_EXDEV_JSON), NULL, &b),
                0);
        assert_int_equal(in_child(getppid_child, b), CHILD_OK);
        seccompd_blob_free(b);
}

/* --- a caller that is neither root nor in the socket's group ------------------------ */

enum {
        NOBODY_OK,
        NOBODY_DROP = 20,
        NOBODY_CONNECT,
        NOBODY_GET_BLOB,
        NOBODY_COMPILE,
        NOBODY_MESSAGE,
        NOBODY_EACCES,
};

static int drop_to_nobody(void)
{
        if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
                return NOBODY_DROP;
        return NOBODY_OK;
}

static void test_unprivileged_caller(void **state)
{
        struct fixture *f = *state;
        int status;

        if (geteuid() != 0)
                skip();
        /* The socket's directory closed to others: connect(2) says EACCES. */
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                struct seccompd *c = NULL;
                int r = drop_to_nobody();
                if (r != NOBODY_OK)
                        _exit(r);
                _exit(seccompd_connect(f->socket, 0, &c) == -EACCES ? NOBODY_OK : NOBODY_EACCES);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), NOBODY_OK);

        /* Reachable: blobs by name are for everyone, ad-hoc compiles are not. */
        assert_int_equal(chmod(f->dir, 0711), 0);
        assert_int_equal(chmod(f->socket, 0666), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                struct seccompd *c = NULL;
                struct seccompd_blob *b = NULL;
                int r = drop_to_nobody();
                if (r != NOBODY_OK)
                        _exit(r);
                if (seccompd_connect(f->socket, 0, &c) < 0)
                        _exit(NOBODY_CONNECT);
                if (seccompd_get_blob(c, "runtime/default", NULL, &b) < 0)
                        _exit(NOBODY_GET_BLOB);
                if (seccompd_compile(c, f->json.data, f->json.size, NULL, &b) != -EPERM)
                        _exit(NOBODY_COMPILE);
                if (!seccompd_last_error(c) || !strstr(seccompd_last_error(c), "needs root"))
                        _exit(NOBODY_MESSAGE);
                _exit(NOBODY_OK);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_int_equal(chmod(f->dir, 0700), 0);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), NOBODY_OK);
}

int main(int argc, char **argv)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_connect_ok),
                cmocka_unit_test(test_connect_socket_from_environment),
                cmocka_unit_test(test_connect_missing_socket),
                cmocka_unit_test(test_connect_refused),
                cmocka_unit_test(test_connect_timeout),
                cmocka_unit_test(test_connect_not_the_api),
                cmocka_unit_test(test_invalid_arguments),
                cmocka_unit_test(test_get_blob_is_seccompctls),
                cmocka_unit_test(test_get_blob_context),
                cmocka_unit_test(test_get_blob_unknown_name),
                cmocka_unit_test(test_get_blob_invalid_profile),
                cmocka_unit_test(test_get_blob_bad_request),
                cmocka_unit_test(test_last_error_cleared_by_next_call),
                cmocka_unit_test(test_compile_same_as_by_name),
                cmocka_unit_test(test_compile_invalid),
                cmocka_unit_test(test_list),
                cmocka_unit_test(test_status),
                cmocka_unit_test(test_get_profile),
                cmocka_unit_test(test_list_profiles),
                cmocka_unit_test(test_get_source),
                cmocka_unit_test(test_last_answer),
                cmocka_unit_test(test_status_details),
                cmocka_unit_test(test_reload),
                cmocka_unit_test(test_blob_loads_into_the_kernel),
                cmocka_unit_test(test_compiled_blob_loads_into_the_kernel),
                cmocka_unit_test(test_unprivileged_caller),
        };

        if (argc != 4) {
                fprintf(stderr, "usage: %s SECCOMPD SECCOMPCTL SOURCE_DIR\n", argv[0]);
                return 2;
        }
        arg_seccompd = argv[1];
        arg_seccompctl = argv[2];
        arg_source = argv[3];
        return cmocka_run_group_tests_name("client-lib", tests, group_setup, group_teardown);
}
