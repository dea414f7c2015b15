/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json-u64.h"
#include "oci-config.h"

#define CONFIG_SIZE_MAX (64u * 1024 * 1024)

struct oci_config {
        json_t *root;
        struct json_u64 numbers; /* the literals behind the markers (json-u64.h) */
};

struct oci_config *oci_config_free(struct oci_config *c)
{
        if (!c)
                return NULL;
        json_decref(c->root);
        json_u64_done(&c->numbers);
        free(c);
        return NULL;
}

/* Puts the literals back in place of their markers in a text written by jansson (which
 * writes the markers, plain ASCII, as they are). Takes `text`. */
static int restore_numbers(const struct oci_config *c, char *text, char **ret, size_t *ret_size)
{
        *ret = json_u64_unmark(&c->numbers, text, ret_size);
        free(text);
        return *ret ? 0 : -ENOMEM;
}

/* Reads `fd` to its end. `hint`: its size as fstat() saw it, so that a file that does not
 * change is read into one buffer of the right size (one allocation, one read, and the
 * read of 0 that says the end). */
static int read_file(int fd, size_t hint, char **ret, size_t *ret_size)
{
        _cleanup_free_ char *b = NULL;
        size_t len = 0, allocated = 0;

        for (;;) {
                if (allocated - len < 2) {
                        allocated = allocated ? allocated * 2 : hint + 2;
                        char *nb = realloc(b, allocated);
                        if (!nb)
                                return -ENOMEM;
                        b = nb;
                }
                ssize_t n = read(fd, b + len, allocated - len - 1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                len += (size_t)n;
                if (len > CONFIG_SIZE_MAX)
                        return -EFBIG;
        }
        b[len] = 0;
        *ret = TAKE_PTR(b);
        *ret_size = len;
        return 0;
}

static int not_regular(mode_t mode, char **ret_error)
{
        const char *what = S_ISFIFO(mode)   ? "a FIFO"
                           : S_ISCHR(mode)  ? "a character device"
                           : S_ISBLK(mode)  ? "a block device"
                           : S_ISSOCK(mode) ? "a socket"
                           : S_ISDIR(mode)  ? "a directory"
                                            : "not a file";
        if (ret_error && asprintf(ret_error, "%s, not a regular file", what) < 0)
                *ret_error = NULL;
        return -EINVAL;
}

int oci_config_load(const char *path, struct oci_config **ret, struct stat *ret_stat,
                    char **ret_error)
{
        _cleanup_(oci_config_freep) struct oci_config *c = NULL;
        _cleanup_free_ char *raw = NULL, *text = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        size_t size;
        json_error_t jerr;

        /* A FIFO would block the open (and a writer could hold the container start for as
         * long as it likes), a device may act on open or never end: only a regular file is
         * opened, and with O_NONBLOCK in case the path is swapped for one in between. */
        if (stat(path, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return not_regular(st.st_mode, ret_error);
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0 || fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return not_regular(st.st_mode, ret_error);
        if (st.st_size > CONFIG_SIZE_MAX) {
                if (ret_error && asprintf(ret_error,
                                          "%lld bytes, more than the %u MiB a config "
                                          "may have",
                                          (long long)st.st_size, CONFIG_SIZE_MAX >> 20) < 0)
                        *ret_error = NULL;
                return -EFBIG;
        }
        int r = read_file(fd, (size_t)st.st_size, &raw, &size);
        if (r < 0)
                return r;
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        json_u64_init(&c->numbers, raw, size);
        r = json_u64_protect(&c->numbers, raw, size, &text, &size);
        if (r < 0)
                return r;
        /* By length: a NUL byte in the file is an error, not the end of the document. */
        c->root = json_loadb(text, size, JSON_REJECT_DUPLICATES, &jerr);
        if (!c->root || !json_is_object(c->root)) {
                if (ret_error && asprintf(ret_error, "%d:%d: %s", jerr.line, jerr.column,
                                          c->root ? "not a JSON object" : jerr.text) < 0)
                        *ret_error = NULL;
                return -EBADMSG;
        }
        if (ret_stat)
                *ret_stat = st;
        *ret = TAKE_PTR(c);
        return 0;
}

/* linux.seccomp, NULL when absent or null (null counts as absent, as for crun). */
static json_t *get_seccomp(const struct oci_config *c)
{
        json_t *linux_ = json_object_get(c->root, "linux");
        json_t *s = json_is_object(linux_) ? json_object_get(linux_, "seccomp") : NULL;
        return json_is_null(s) ? NULL : s;
}

static bool present(const json_t *o, const char *key)
{
        const json_t *v = json_object_get(o, key);
        return v && !json_is_null(v);
}

static bool is_notify(const json_t *action)
{
        return json_is_string(action) && streq(json_string_value(action), "SCMP_ACT_NOTIFY");
}

/* The first key of `o` not in `allowed` (NULL-terminated), or NULL. */
static const char *foreign_key(const json_t *o, const char *const *allowed)
{
        const char *key;
        json_t *v;

        json_object_foreach ((json_t *)o, key, v) {
                bool ok = false;
                for (size_t i = 0; allowed[i] && !ok; i++)
                        ok = streq(key, allowed[i]);
                if (!ok)
                        return key;
        }
        return NULL;
}

/* The keys of the OCI runtime spec's LinuxSeccomp, LinuxSyscall and LinuxSeccompArg: all that
 * crun reads. */
static const char *const seccomp_keys[] = {
        "defaultAction", "defaultErrnoRet",  "architectures", "flags",
        "listenerPath",  "listenerMetadata", "syscalls",      NULL};
static const char *const syscall_keys[] = {"names", "action", "errnoRet", "args", NULL};
static const char *const arg_keys[] = {"index", "value", "valueTwo", "op", NULL};

/* *buf = the formatted reason (NULL if out of memory); returns it, or `fallback`. */
static const char *why_printf(char **buf, const char *fallback, const char *fmt, ...)
        _printf_(3, 4);

static const char *why_printf(char **buf, const char *fallback, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(buf, fmt, ap) < 0)
                *buf = NULL;
        va_end(ap);
        return *buf ? *buf : fallback;
}

#define FOREIGN_FALLBACK "linux.seccomp has keys outside the OCI runtime spec"

static const char *foreign_key_anywhere(const json_t *s, char **buf)
{
        const char *k = foreign_key(s, seccomp_keys);
        if (k)
                return why_printf(buf, FOREIGN_FALLBACK,
                                  "linux.seccomp has \"%s\", which is not in the OCI runtime "
                                  "spec: crun ignores it, seccompd would not",
                                  k);
        size_t i;
        const json_t *rule;
        json_array_foreach (json_object_get(s, "syscalls"), i, rule) {
                if (!json_is_object(rule))
                        continue;
                k = foreign_key(rule, syscall_keys);
                size_t j;
                const json_t *arg;
                json_array_foreach (json_object_get(rule, "args"), j, arg) {
                        if (!k && json_is_object(arg))
                                k = foreign_key(arg, arg_keys);
                }
                if (k)
                        return why_printf(buf, FOREIGN_FALLBACK,
                                          "linux.seccomp.syscalls[%zu] has \"%s\", which is not "
                                          "in the OCI runtime spec: crun ignores it, seccompd "
                                          "would not",
                                          i, k);
        }
        return NULL;
}

enum oci_verdict oci_config_verdict(const struct oci_config *c, const char **ret_why,
                                    char **ret_why_buf)
{
        const json_t *s = get_seccomp(c);
        const json_t *ann = json_object_get(c->root, "annotations");
        const char *why;

        *ret_why_buf = NULL;
        if (!s) {
                *ret_why = "the bundle has no linux.seccomp";
                return OCI_VERDICT_NO_SECCOMP;
        }
        if (!json_is_object(s)) {
                *ret_why = "linux.seccomp is not an object";
                return OCI_VERDICT_PASS;
        }
        if (json_is_object(ann) && present(ann, OCI_ANNOTATION_BPF)) {
                *ret_why = "the bundle already has a " OCI_ANNOTATION_BPF " annotation";
                return OCI_VERDICT_PASS;
        }
        if (json_is_object(ann) && present(ann, OCI_ANNOTATION_FAIL_UNKNOWN)) {
                *ret_why = "the " OCI_ANNOTATION_FAIL_UNKNOWN " annotation asks crun to check "
                           "the syscall names itself";
                return OCI_VERDICT_PASS;
        }

        /* NOTIFY: crun must create the listener and hand it over (listenerPath). */
        bool notify = present(s, "listenerPath") || present(s, "listenerMetadata") ||
                      is_notify(json_object_get(s, "defaultAction"));
        size_t i;
        const json_t *rule;
        json_array_foreach (json_object_get(s, "syscalls"), i, rule) {
                notify = notify || is_notify(json_object_get(rule, "action"));
        }
        if (notify) {
                *ret_why = "linux.seccomp uses SCMP_ACT_NOTIFY or a listenerPath: crun sets up "
                           "the listener";
                return OCI_VERDICT_PASS;
        }

        why = foreign_key_anywhere(s, ret_why_buf);
        if (why) {
                *ret_why = why;
                return OCI_VERDICT_PASS_WARN;
        }

        /* "flags" is kept in the derived config (oci_config_derive), where crun reads it even
         * when it loads the annotation's blob: whatever it holds, crun treats it as it would
         * with its own compile. */
        *ret_why = NULL;
        return OCI_VERDICT_COMPILE;
}

int oci_config_section(const struct oci_config *c, char **ret, size_t *ret_size)
{
        const json_t *s = get_seccomp(c);
        char *text = s ? json_dumps(s, JSON_COMPACT) : NULL;
        if (!text)
                return -ENOMEM;
        return restore_numbers(c, text, ret, ret_size);
}

/* linux.seccomp cut down to what crun still reads beside the annotation: the filter flags.
 * NULL when there are none to keep (crun's default applies); *ret_error -ENOMEM. */
static json_t *flags_only(const json_t *section, bool log, int *ret_error)
{
        const json_t *flags = json_object_get(section, "flags");
        bool has = flags && !json_is_null(flags);
        *ret_error = 0;
        if (!has && !log)
                return NULL;
        json_t *f = has ? json_deep_copy(flags) : json_pack("[s]", OCI_FLAG_SPEC_ALLOW);
        json_t *s = json_object();
        const json_t *da = json_object_get(section, "defaultAction");
        if (!f || !s || (da && json_object_set(s, "defaultAction", (json_t *)da) < 0)) {
                json_decref(f);
                json_decref(s);
                *ret_error = -ENOMEM;
                return NULL;
        }
        bool present = false;
        const json_t *x;
        size_t i;
        json_array_foreach (f, i, x) {
                present =
                        present || (json_is_string(x) && streq(json_string_value(x), OCI_FLAG_LOG));
        }
        if ((log && json_is_array(f) && !present &&
             json_array_append_new(f, json_string(OCI_FLAG_LOG)) < 0) ||
            json_object_set_new(s, "flags", f) < 0) {
                json_decref(s);
                *ret_error = -ENOMEM;
                return NULL;
        }
        return s;
}

const char *oci_config_annotation(const struct oci_config *c, const char *key)
{
        const json_t *ann = json_object_get(c->root, "annotations");
        return json_is_object(ann) ? json_string_value(json_object_get(ann, key)) : NULL;
}

int oci_config_derive(struct oci_config *c, const char *blob_b64, bool log, const char *receiver,
                      char **ret)
{
        /* In place: a deep copy of the whole config cost a tenth of a millisecond of every
         * container start, and nothing reads the loaded config after this. */
        json_t *root = c->root;
        json_t *linux_ = json_object_get(root, "linux");
        json_t *ann = json_object_get(root, "annotations");
        size_t b64_len = strlen(blob_b64);
        int r;

        /* Both checked before anything changes: on -EINVAL the config is still as read. */
        if (!json_is_object(linux_) || (ann && !json_is_null(ann) && !json_is_object(ann)))
                return -EINVAL;
        /* Plain ASCII or it is no base64 (the caller decoded it), so jansson's UTF-8 check
         * of 13 KB is skipped. */
        for (size_t i = 0; i < b64_len; i++)
                if ((unsigned char)blob_b64[i] >= 0x80 || blob_b64[i] < 0x20)
                        return -EINVAL;
        json_t *kept = flags_only(json_object_get(linux_, "seccomp"), log, &r);
        if (r < 0 || (kept && json_object_set_new(linux_, "seccomp", kept) < 0))
                return -ENOMEM;
        if (!kept)
                (void)json_object_del(linux_, "seccomp");

        if (!ann || json_is_null(ann)) {
                ann = json_object();
                if (!ann || json_object_set_new(root, "annotations", ann) < 0)
                        return -ENOMEM;
        }
        if (json_object_set_new(ann, OCI_ANNOTATION_BPF, json_stringn_nocheck(blob_b64, b64_len)) <
                    0 ||
            (receiver &&
             json_object_set_new(ann, OCI_ANNOTATION_RECEIVER, json_string(receiver)) < 0))
                return -ENOMEM;
        char *text = json_dumps(root, JSON_COMPACT);
        if (!text)
                return -ENOMEM;
        return restore_numbers(c, text, ret, NULL);
}

/* Whether `dir`/`name` already holds exactly `data`: a regular file of this user, mode 0600,
 * one link (so not the bundle's config.json under another name), `size` bytes equal to
 * `data`. Only this user can have written such a file, so taking it is taking what a rename
 * would put in place. */
static bool holds_already(const char *final, const char *data, size_t size)
{
        _cleanup_close_ int fd =
                open(final, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t got = 0;

        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
            (st.st_mode & 07777) != 0600 || st.st_nlink != 1 || (size_t)st.st_size != size)
                return false;
        buf = malloc(size + 1);
        if (!buf)
                return false;
        while (got <= size) {
                ssize_t n = read(fd, buf + got, size + 1 - got);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                got += (size_t)n;
        }
        return got == size && memcmp(buf, data, size) == 0;
}

int oci_write_atomic(const char *dir, const char *name, const char *data, size_t size)
{
        _cleanup_free_ char *tmp = NULL, *final = NULL;
        _cleanup_close_ int fd = -EBADF;
        int r = 0;

        if (asprintf(&tmp, "%s/.%s.XXXXXX", dir, name) < 0) {
                tmp = NULL;
                return -ENOMEM;
        }
        if (asprintf(&final, "%s/%s", dir, name) < 0) {
                final = NULL;
                return -ENOMEM;
        }
        /* A bundle started again (a restart, a benchmark) derives the same bytes. Renaming
         * over the old file costs more than the rest of the start on ext4, whose
         * auto_da_alloc flushes a file renamed over another (0.5 to 5 ms measured here). */
        if (holds_already(final, data, size))
                return 0;
        /* mkostemp creates the file 0600: only crun, running as this user, reads it. */
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        while (size > 0) {
                ssize_t n = write(fd, data, size);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        r = n < 0 ? -errno : -EIO;
                        break;
                }
                data += n;
                size -= (size_t)n;
        }
        /* No fsync: the file lives for one crun invocation, which reads it right away;
         * rename() alone keeps readers from ever seeing it half-written. */
        if (r == 0 && close(TAKE_FD(fd)) < 0)
                r = -errno;
        if (r == 0 && rename(tmp, final) < 0)
                r = -errno;
        if (r < 0)
                (void)unlink(tmp);
        return r;
}
