/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <grp.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "base64.h"
#include "diag-json.h"
#include "log.h"
#include "macro.h"
#include "service.h"
#include "seccompd/protocol.h"
#include "server-internal.h"

char *json_text(const json_t *j, size_t *ret_size)
{
        char *text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (!text)
                return NULL;
        size_t l = strlen(text);
        char *with_nl = realloc(text, l + 2);
        if (!with_nl) {
                free(text);
                return NULL;
        }
        with_nl[l] = '\n';
        with_nl[l + 1] = 0;
        *ret_size = l + 1;
        return with_nl;
}

struct MHD_Response *json_text_response(char *text, size_t size)
{
        if (!text)
                return NULL;
        struct MHD_Response *r = MHD_create_response_from_buffer(size, text, MHD_RESPMEM_MUST_FREE);
        if (!r) {
                free(text);
                return NULL;
        }
        MHD_add_response_header(r, "Content-Type", "application/json");
        return r;
}

struct MHD_Response *json_response(json_t *j)
{
        size_t size = 0;
        char *text = j ? json_text(j, &size) : NULL;
        json_decref(j);
        return json_text_response(text, size);
}

void reply_json(struct reply *rp, unsigned status, json_t *j)
{
        rp->status = status;
        rp->response = json_response(j);
}

/* The one errno -> HTTP status table of the daemon: every error reply goes through it. The
 * clients map back the same way (libseccompd/client.c). */
static const struct {
        int error;
        unsigned status;
        const char *code;
} status_table[] = {
        {EINVAL, 400, SECCOMPD_ERROR_BAD_REQUEST},      /* malformed request */
        {EPERM, 403, SECCOMPD_ERROR_FORBIDDEN},         /* peer not privileged */
        {ENOENT, 404, SECCOMPD_ERROR_NOT_FOUND},        /* no such profile, blob or route */
        {EOPNOTSUPP, 405, SECCOMPD_ERROR_METHOD},       /* known route, other method */
        {EBUSY, 409, SECCOMPD_ERROR_CONFLICT},          /* the profile exists but is not servable */
        {EFBIG, 413, SECCOMPD_ERROR_TOO_LARGE},         /* request body over the limit */
        {EBADMSG, 422, SECCOMPD_ERROR_INVALID_PROFILE}, /* the profile does not compile */
        {EAGAIN, 503, SECCOMPD_ERROR_UNAVAILABLE},      /* not ready: the first scan runs */
};

unsigned http_status_from_errno(int error, const char **ret_code)
{
        for (size_t i = 0; i < ELEMENTSOF(status_table); i++)
                if (status_table[i].error == -error) {
                        if (ret_code)
                                *ret_code = status_table[i].code;
                        return status_table[i].status;
                }
        if (ret_code)
                *ret_code = SECCOMPD_ERROR_INTERNAL;
        return 500;
}

void reply_error(struct reply *rp, int error, const struct diag_list *diags, const char *fmt, ...)
{
        const char *code;
        unsigned status = http_status_from_errno(error, &code);
        char raw[512], msg[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(raw, sizeof(raw), fmt, ap);
        va_end(ap);
        /* Messages quote what the client sent: a name or value that is not UTF-8 would make
         * the JSON (and so the whole answer) fail. */
        text_escape(msg, sizeof(msg), raw);
        json_t *err = json_pack("{s:s, s:s}", SECCOMPD_KEY_CODE, code, SECCOMPD_KEY_MESSAGE, msg);
        if (diags)
                json_object_set_new(err, SECCOMPD_KEY_DIAGNOSTICS, diag_list_to_json(diags));
        reply_json(rp, status, json_pack("{s:o}", SECCOMPD_KEY_ERROR, err));
}

/* Root, the daemon's own user (a daemon run by hand, as scripts/run does), or a member of
 * the configured group (primary or supplementary). */
bool peer_privileged(struct server *s, struct MHD_Connection *c)
{
        const union MHD_ConnectionInfo *info =
                MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        struct ucred cred;
        socklen_t l = sizeof(cred);
        if (!info || getsockopt(info->connect_fd, SOL_SOCKET, SO_PEERCRED, &cred, &l) < 0)
                return false;
        if (cred.uid == 0 || cred.uid == geteuid())
                return true;
        if (!s->has_group)
                return false;
        if (cred.gid == s->group)
                return true;
        gid_t groups[256];
        l = sizeof(groups);
        if (getsockopt(info->connect_fd, SOL_SOCKET, SO_PEERGROUPS, groups, &l) < 0)
                return false;
        for (size_t i = 0; i < l / sizeof(gid_t); i++)
                if (groups[i] == s->group)
                        return true;
        return false;
}

/* The context of a request: the daemon's default, changed by ?arch= &caps= &kernel=. */
int request_context(struct server *s, struct MHD_Connection *c, struct context *ret,
                    struct reply *rp)
{
        struct context ctx = *manager_default_context(s->m);
        const char *arch =
                MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, SECCOMPD_QUERY_ARCH);
        const char *caps =
                MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, SECCOMPD_QUERY_CAPS);
        const char *kernel =
                MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, SECCOMPD_QUERY_KERNEL);
        const char *bad = NULL;
        if (arch && context_set_arch(&ctx, arch) < 0) {
                reply_error(rp, -EINVAL, NULL, "unknown arch '%s'", arch);
                return -EINVAL;
        }
        if (caps && context_set_caps(&ctx, caps, &bad) < 0) {
                reply_error(rp, -EINVAL, NULL, "unknown capability in '%s'", bad ? bad : caps);
                return -EINVAL;
        }
        if (kernel && context_set_kernel(&ctx, kernel) < 0) {
                reply_error(rp, -EINVAL, NULL, "kernel '%s' is not X.Y", kernel);
                return -EINVAL;
        }
        *ret = ctx;
        return 0;
}

bool want_base64(struct MHD_Connection *c)
{
        const char *e =
                MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, SECCOMPD_QUERY_ENCODING);
        return e && streq(e, "base64");
}

static void unref_blob(void *cls)
{
        entry_blob_unref(cls);
}

/* "%zu" without printf: every blob answer has it. */
static const char *format_size(char buf[24], size_t v)
{
        char *q = buf + 23;
        *q = 0;
        do
                *--q = (char)('0' + v % 10);
        while ((v /= 10) > 0);
        return q;
}

/* `hold`, when not NULL, owns b: the raw answer is sent from b's bytes, holding a reference
 * to it until libmicrohttpd is done with them, instead of a copy of them per request. */
static void reply_blob_bytes(struct reply *rp, struct MHD_Connection *c, const struct blob *b,
                             struct entry_blob *hold, const char *digest, const char *state,
                             const char *context)
{
        char etag[SHA256_HEX_SIZE + 2], insns[24];
        etag[0] = '"';
        memcpy(etag + 1, b->key, SHA256_HEX_SIZE - 1);
        etag[SHA256_HEX_SIZE] = '"';
        etag[SHA256_HEX_SIZE + 1] = 0;
        const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
        if (inm && (streq(inm, etag) || streq(inm, b->key))) {
                rp->status = 304;
                rp->response = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        } else if (want_base64(c)) {
                _cleanup_free_ char *b64 = base64_encode(b->insns, blob_size(b));
                char *text = NULL;
                if (b64 && asprintf(&text, "%s\n", b64) < 0)
                        text = NULL;
                rp->status = 200;
                rp->response = text ? MHD_create_response_from_buffer(strlen(text), text,
                                                                      MHD_RESPMEM_MUST_FREE)
                                    : NULL;
                if (rp->response)
                        MHD_add_response_header(rp->response, "Content-Type", "text/plain");
        } else {
                rp->status = 200;
                if (hold) {
                        rp->response = MHD_create_response_from_buffer_with_free_callback_cls(
                                blob_size(b), b->insns, unref_blob, entry_blob_ref(hold));
                        if (!rp->response)
                                entry_blob_unref(hold);
                } else
                        rp->response = MHD_create_response_from_buffer(blob_size(b), b->insns,
                                                                       MHD_RESPMEM_MUST_COPY);
                if (rp->response)
                        MHD_add_response_header(rp->response, "Content-Type",
                                                "application/octet-stream");
        }
        if (!rp->response)
                return;
        MHD_add_response_header(rp->response, "ETag", etag);
        MHD_add_response_header(rp->response, SECCOMPD_HEADER_KEY, b->key);
        MHD_add_response_header(rp->response, SECCOMPD_HEADER_INSNS,
                                format_size(insns, b->n_insns));
        if (digest)
                MHD_add_response_header(rp->response, SECCOMPD_HEADER_DIGEST, digest);
        if (state)
                MHD_add_response_header(rp->response, SECCOMPD_HEADER_STATE, state);
        if (context)
                MHD_add_response_header(rp->response, SECCOMPD_HEADER_CONTEXT, context);
}

void reply_blob(struct reply *rp, struct MHD_Connection *c, const struct blob *b,
                const char *digest, const char *state, const char *context)
{
        reply_blob_bytes(rp, c, b, NULL, digest, state, context);
}

void reply_served_blob(struct reply *rp, struct MHD_Connection *c, struct entry_blob *eb,
                       const char *digest, const char *state, const char *context)
{
        reply_blob_bytes(rp, c, eb->blob, eb, digest, state, context);
}
