/* SPDX-License-Identifier: Apache-2.0 */
#include <limits.h>
#include <string.h>

#include "diag-json.h"
#include "seccompd/protocol.h"

/* jansson refuses strings that are not UTF-8 (a file name can be any bytes): rather than fail
 * the whole answer, such a string goes out with its non-ASCII bytes replaced by '?'. */
static json_t *string_lossy(const char *s)
{
        json_t *v = json_string(s);
        if (v)
                return v;
        _cleanup_free_ char *copy = strdup(s);
        if (!copy)
                return NULL;
        for (char *p = copy; *p; p++)
                if ((unsigned char)*p >= 0x80)
                        *p = '?';
        return json_string(copy);
}

static json_t *diag_to_json(const struct diag *d, const char *file)
{
        const char *severity = diag_severity_to_string(d->severity);
        /* "o" takes the references, and json_pack fails (dropping them) on a NULL one. */
        json_t *o = json_pack("{s:s?, s:o, s:I, s:I, s:o, s:o}", SECCOMPD_KEY_SEVERITY, severity,
                              SECCOMPD_KEY_FILE, file ? string_lossy(file) : json_null(),
                              SECCOMPD_KEY_LINE, (json_int_t)d->line, SECCOMPD_KEY_COLUMN,
                              (json_int_t)d->column, SECCOMPD_KEY_POINTER,
                              string_lossy(d->pointer ? d->pointer : ""), SECCOMPD_KEY_MESSAGE,
                              string_lossy(d->message ? d->message : ""));
        if (o && d->hint && json_object_set_new(o, SECCOMPD_KEY_HINT, string_lossy(d->hint)) < 0) {
                json_decref(o);
                return NULL;
        }
        return o;
}

json_t *diag_list_to_json(const struct diag_list *l)
{
        json_t *a = json_array();
        if (!a)
                return NULL;
        for (size_t i = 0; l && i < l->n; i++)
                if (json_array_append_new(a, diag_to_json(&l->items[i], l->file)) < 0) {
                        json_decref(a);
                        return NULL;
                }
        return a;
}

/* A string member, or NULL when absent or null; -EINVAL when of another type. */
static int get_optional_string(const json_t *o, const char *key, const char **ret)
{
        const json_t *v = json_object_get(o, key);
        if (!v || json_is_null(v)) {
                *ret = NULL;
                return 0;
        }
        if (!json_is_string(v))
                return -EINVAL;
        *ret = json_string_value(v);
        return 0;
}

static int get_optional_uint(const json_t *o, const char *key, unsigned *ret)
{
        const json_t *v = json_object_get(o, key);
        if (!v || json_is_null(v)) {
                *ret = 0;
                return 0;
        }
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > UINT_MAX)
                return -EINVAL;
        *ret = (unsigned)json_integer_value(v);
        return 0;
}

static int diag_from_json(const json_t *o, struct diag_list *l)
{
        const char *severity, *message, *pointer, *hint, *file;
        unsigned line, column;
        int r;

        if (!json_is_object(o))
                return -EINVAL;
        if (get_optional_string(o, SECCOMPD_KEY_SEVERITY, &severity) < 0 || !severity ||
            get_optional_string(o, SECCOMPD_KEY_MESSAGE, &message) < 0 || !message ||
            get_optional_string(o, SECCOMPD_KEY_POINTER, &pointer) < 0 ||
            get_optional_string(o, SECCOMPD_KEY_HINT, &hint) < 0 ||
            get_optional_string(o, SECCOMPD_KEY_FILE, &file) < 0 ||
            get_optional_uint(o, SECCOMPD_KEY_LINE, &line) < 0 ||
            get_optional_uint(o, SECCOMPD_KEY_COLUMN, &column) < 0)
                return -EINVAL;
        r = diag_severity_from_string(severity);
        if (r < 0)
                return -EINVAL;
        return diag_add_at(l, (enum diag_severity)r, line, column, pointer, hint, "%s", message);
}

int diag_list_from_json(const json_t *array, const char *file, struct diag_list **ret)
{
        _cleanup_(diag_list_freep) struct diag_list *l = NULL;
        const json_t *item;
        size_t i;
        int r;

        if (!json_is_array(array))
                return -EINVAL;
        if (!file)
                json_array_foreach (array, i, item) {
                        const char *f;
                        if (!json_is_object(item) ||
                            get_optional_string(item, SECCOMPD_KEY_FILE, &f) < 0)
                                return -EINVAL;
                        if (f) {
                                file = f;
                                break;
                        }
                }
        r = diag_list_new(file, &l);
        if (r < 0)
                return r;
        json_array_foreach (array, i, item) {
                r = diag_from_json(item, l);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

char *diag_list_to_line(const struct diag_list *l)
{
        _cleanup_(json_decrefp) json_t *a = diag_list_to_json(l);
        return a ? json_dumps(a, JSON_COMPACT) : NULL;
}

int diag_list_from_line(const char *text, size_t size, const char *file, struct diag_list **ret)
{
        json_error_t error;
        if (size == 2 && memcmp(text, "[]", 2) == 0) /* most profiles: no JSON parse */
                return diag_list_new(file, ret);
        _cleanup_(json_decrefp) json_t *a = json_loadb(text, size, JSON_REJECT_DUPLICATES, &error);
        if (!a)
                return json_error_code(&error) == json_error_out_of_memory ? -ENOMEM : -EBADMSG;
        int r = diag_list_from_json(a, file, ret);
        return r == -EINVAL ? -EBADMSG : r;
}
