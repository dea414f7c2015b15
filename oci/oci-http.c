/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api-socket.h"
#include "api.h"
#include "config.h"
#include "oci-http.h"
#include "seccompd/protocol.h"

void oci_compiled_done(struct oci_compiled *c)
{
        free(c->blob_b64);
        free(c->key);
        *c = (struct oci_compiled){0};
}

/* The blob of a 200 answer: the base64 as the daemon sent it, checked. */
static int compiled_from_answer(const struct api_response *resp, struct oci_compiled *ret)
{
        _cleanup_(json_decrefp) json_t *j = NULL;
        const char *b64, *key;
        size_t size;
        unsigned insns;

        if (api_json_object(resp->body, resp->body_size, &j) < 0 ||
            api_blob_b64_from_json(j, &b64, &size, &insns, &key) < 0)
                return -EPROTO;
        *ret = (struct oci_compiled){
                .blob_b64 = strdup(b64),
                .size = size,
                .instructions = insns,
                .key = strdup(key),
        };
        if (!ret->blob_b64 || !ret->key) {
                oci_compiled_done(ret);
                return -ENOMEM;
        }
        return 0;
}

int oci_compile(const char *socket_path, unsigned timeout_ms, const char *body, size_t size,
                struct oci_compiled *ret, char **ret_error)
{
        struct api_socket sock = {
                .socket_path = socket_path,
                .user_agent = "seccompd-oci/" PACKAGE_VERSION,
                .deadline_ms = api_socket_now_ms() + timeout_ms,
        };
        const struct api_transport t = {.send = api_socket_send, .userdata = &sock};
        /* The JSON answer: its base64 goes into the derived config as it is. */
        const struct api_request req = {
                .method = "POST",
                .target = SECCOMPD_ROUTE_COMPILE,
                .body = body,
                .body_size = size,
        };
        _cleanup_(api_response_freep) struct api_response *resp = NULL, *answer = NULL;
        _cleanup_(api_error_freep) struct api_error *e = NULL;
        int r;

        *ret_error = NULL;
        r = api_call(&t, &req, &resp, &answer, &e);
        if (r == 0)
                return compiled_from_answer(resp, ret);
        if (!answer)
                return r; /* no answer */
        if (!e)
                return -EPROTO; /* not the API's error answer */
        *ret_error = api_error_describe(e);
        return r;
}
