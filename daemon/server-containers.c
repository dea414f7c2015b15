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
