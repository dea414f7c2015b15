/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "containers.h"
#include "log.h"
#include "macro.h"
#include "seccompd/protocol.h"
#include "server-internal.h"
#include "service.h"

void route_containers(struct server *s, struct MHD_Connection *c, const char *arg,
                      const struct request *rq, struct reply *rp)
{
        reply_json(rp, 200, manager_containers_json(s->m));
}

void route_container_report(struct server *s, struct MHD_Connection *c, const char *id,
                            const struct request *rq, struct reply *rp)
{
        _cleanup_(container_done) struct container ct = {};
        const char *why = NULL;

        if (rq->size > SECCOMPD_CONTAINER_BODY_MAX) {
                reply_error(rp, -EFBIG, NULL, "a container report is at most %d bytes",
                            SECCOMPD_CONTAINER_BODY_MAX);
                return;
        }
        int r = container_parse(id, rq->body, rq->size, &ct, &why);
        if (r == -EINVAL) {
                reply_error(rp, -EINVAL, NULL, "%s", why);
                return;
        }
        if (r < 0) {
                reply_error(rp, r, NULL, "cannot take the report: %s", strerror(-r));
                return;
        }
        r = manager_container_report(s->m, &ct);
        if (r == -ENOSPC) {
                reply_error(rp, -EAGAIN, NULL,
                            "the container table is full (%u live containers): not recorded",
                            manager_config(s->m)->max_containers);
                return;
        }
        if (r < 0) {
                reply_error(rp, r, NULL, "cannot record the container: %s", strerror(-r));
                return;
        }
        log_debug("Container '%s' %s", id, r == 1 ? "reported again" : "reported");
        reply_json(rp, r == 1 ? 200 : 201, json_pack("{s:s}", SECCOMPD_KEY_ID, id));
}

static bool json_is_null_or_absent(const json_t *j, const char *key)
{
        const json_t *v = json_object_get(j, key);
        return !v || json_is_null(v);
}

const char *compile_report(struct server *s, struct MHD_Connection *c, const char *key,
                           const char *digest)
{
        _cleanup_(container_done) struct container ct = {};
        const char *id =
                MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, SECCOMPD_QUERY_REPORT_ID);
        const char *body =
                MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, SECCOMPD_QUERY_REPORT);
        const char *why = NULL, *code = NULL;

        if (!id && !body)
                return NULL;
        size_t size = body ? strlen(body) : 0;
        if (!id || !body || size > SECCOMPD_CONTAINER_BODY_MAX) {
                (void)http_status_from_errno(-EINVAL, &code);
                return code;
        }
        /* The answer's blob is what the container gets, unless the wrapper says otherwise
         * (a report of its own, after refusing the answer): the report itself names no key
         * nor fallback, and the digest, when it names one, is the body's. */
        _cleanup_(json_decrefp) json_t *j = json_loadb(body, size, JSON_REJECT_DUPLICATES, NULL);
        _cleanup_free_ char *full = NULL;
        const char *dg = json_string_value(json_object_get(j, SECCOMPD_KEY_DIGEST));
        int r = 0;
        if (!json_is_object(j) || !json_is_null_or_absent(j, SECCOMPD_KEY_KEY) ||
            !json_is_null_or_absent(j, SECCOMPD_KEY_FALLBACK) || (dg && !streq(dg, digest)))
                r = -EINVAL;
        else if (json_object_set_new(j, SECCOMPD_KEY_KEY, json_string(key)) < 0 ||
                 json_object_set_new(j, SECCOMPD_KEY_DIGEST, json_string(digest)) < 0 ||
                 !(full = json_dumps(j, JSON_COMPACT)))
                r = -ENOMEM;
        if (r == 0)
                r = container_parse(id, full, strlen(full), &ct, &why);
        if (r == 0)
                r = manager_container_report(s->m, &ct);
        if (r == -ENOSPC)
                r = -EAGAIN;
        if (r < 0) {
                log_debug("Container '%s' not reported with its compile: %s", id,
                          why ? why : strerror(-r));
                (void)http_status_from_errno(r, &code);
                return code ? code : "error";
        }
        log_debug("Container '%s' %s with its compile", id, r == 1 ? "reported again" : "reported");
        return r == 1 ? "200" : "201";
}

void route_container_delete(struct server *s, struct MHD_Connection *c, const char *id,
                            const struct request *rq, struct reply *rp)
{
        if (!container_id_is_valid(id)) {
                reply_error(rp, -EINVAL, NULL, "invalid container id");
                return;
        }
        if (manager_container_forget(s->m, id) < 0) {
                reply_error(rp, -ENOENT, NULL, "no container '%s'", id);
                return;
        }
        reply_json(rp, 200, json_pack("{s:s}", SECCOMPD_KEY_ID, id));
}
