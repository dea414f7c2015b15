/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "containers.h"
#include "macro.h"
#include "record.h"
#include "recorder.h"
#include "seccompd/protocol.h"
#include "server-internal.h"
#include "service.h"

void route_recordings(struct server *s, struct MHD_Connection *c, const char *arg,
                      const struct request *rq, struct reply *rp)
{
        reply_json(rp, 200, recorder_list_json(manager_recorder(s->m)));
}

void route_recording_reserve(struct server *s, struct MHD_Connection *c, const char *id,
                             const struct request *rq, struct reply *rp)
{
        _cleanup_free_ char *path = NULL, *name = NULL;
        const char *why = NULL;
        json_error_t e;

        if (!container_id_is_valid(id)) {
                reply_error(rp, -EINVAL, NULL, "invalid container id");
                return;
        }
        if (rq->size > SECCOMPD_RECORDING_BODY_MAX) {
                reply_error(rp, -EFBIG, NULL, "a recording request is at most %d bytes",
                            SECCOMPD_RECORDING_BODY_MAX);
                return;
        }
        _cleanup_(json_decrefp) json_t *j =
                json_loadb(rq->body ? rq->body : "", rq->size, JSON_REJECT_DUPLICATES, &e);
        const char *profile = json_string_value(json_object_get(j, SECCOMPD_KEY_PROFILE));
        if (!profile) {
                reply_error(rp, -EINVAL, NULL, "expected {\"profile\": \"ROOT/NAME\"}");
                return;
        }
        int r = manager_record_target(s->m, profile, &path, &name, &why);
        if (r == 0)
                r = recorder_reserve(manager_recorder(s->m), id, name, path, &why);
        if (r < 0) {
                if (r == -EBUSY)
                        reply_error(rp, -EBUSY, NULL, "container '%s': %s", id, why);
                else
                        reply_error(rp, r, NULL, "cannot record '%s': %s", profile,
                                    why ? why : strerror(-r));
                return;
        }
        _cleanup_free_ char *b64 = base64_encode(record_filter_insns, sizeof(record_filter_insns));
        if (!b64) {
                reply_error(rp, -ENOMEM, NULL, "out of memory");
                return;
        }
        reply_json(rp, 201,
                   json_pack("{s:s, s:s, s:s, s:s, s:s}", SECCOMPD_KEY_ID, id, SECCOMPD_KEY_PROFILE,
                             name, SECCOMPD_KEY_PATH, path, SECCOMPD_KEY_RECEIVER,
                             recorder_socket(manager_recorder(s->m)), SECCOMPD_KEY_BLOB, b64));
}
