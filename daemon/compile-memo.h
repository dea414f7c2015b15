/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The answers of POST /v1/compile by the request that asked: the sha256 of the body, the
 * context, the dialect and strictness it was parsed with. seccompd-oci sends the same
 * linux.seccomp at every container start of an image; parsing and resolving its 12 KB to
 * find the blob key cost the daemon more than a millisecond of each start, for an answer
 * that the same bytes always give (parse, resolve and compile are functions of them and of
 * the daemon's fixed configuration). The wrapper checks the answer against the bytes it sent
 * either way (oci/oci-http.h).
 *
 * Bounded: COMPILE_MEMO_ENTRIES answers of at most COMPILE_MEMO_TEXT_MAX bytes each, the
 * least recently used out first. Only answers of a profile that compiled are kept.
 *
 * Thread-safe: one mutex, taken only here, never held while calling out. */

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "digest.h"

#define COMPILE_MEMO_ENTRIES  32
#define COMPILE_MEMO_TEXT_MAX (256u * 1024)

struct compile_memo_entry {
        /* "<sha256 hex of the body>\n<context>\n<dialect>\n<strict>\n<encoding>" */
        char *request;
        char key[SHA256_HEX_SIZE]; /* the blob key of the answer */
        char *text;                /* the JSON answer ("compiled": false), or the raw blob */
        size_t size;
        uint64_t used; /* the clock at the last use */
};

struct compile_memo {
        pthread_mutex_t lock;
        struct compile_memo_entry entries[COMPILE_MEMO_ENTRIES];
        uint64_t clock;
        uint64_t hits, misses;
};

void compile_memo_init(struct compile_memo *m);
void compile_memo_done(struct compile_memo *m);

/* The memo's name of a request: the sha256 of `body`, the parse options and the answer's
 * encoding ("json" or "raw"). Returns 0 and a string to free, or -ENOMEM. */
int compile_memo_request(const char *body, size_t size, const char *context, const char *dialect,
                         int strict, const char *encoding, char **ret);

/* A copy of the answer to `request` in *ret_text (free it), its size and its blob key: 0, or
 * -ENOENT when there is none (counted as a miss), -ENOMEM. */
int compile_memo_get(struct compile_memo *m, const char *request, char **ret_text, size_t *ret_size,
                     char ret_key[SHA256_HEX_SIZE]);

/* Keeps a copy of `text` (`size` bytes) as the answer to `request`, whose blob key is `key`.
 * Larger than COMPILE_MEMO_TEXT_MAX or out of memory: not kept. */
void compile_memo_put(struct compile_memo *m, const char *request, const char *key,
                      const char *text, size_t size);

/* Hits and misses so far, and the answers held. */
void compile_memo_counts(struct compile_memo *m, uint64_t *ret_hits, uint64_t *ret_misses,
                         size_t *ret_entries);
