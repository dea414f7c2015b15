/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile-memo.h"
#include "macro.h"

void compile_memo_init(struct compile_memo *m)
{
        *m = (struct compile_memo){};
        pthread_mutex_init(&m->lock, NULL);
}

static void entry_clear(struct compile_memo_entry *e)
{
        free(e->request);
        free(e->text);
        *e = (struct compile_memo_entry){};
}

void compile_memo_done(struct compile_memo *m)
{
        for (size_t i = 0; i < COMPILE_MEMO_ENTRIES; i++)
                entry_clear(&m->entries[i]);
        pthread_mutex_destroy(&m->lock);
}

int compile_memo_request(const char *body, size_t size, const char *context, const char *dialect,
                         int strict, const char *encoding, char **ret)
{
        char hex[SHA256_HEX_SIZE];
        int r = sha256_hex(body ? body : "", size, hex);
        if (r < 0)
                return r;
        if (asprintf(ret, "%s\n%s\n%s\n%d\n%s", hex, context, dialect ? dialect : "", strict,
                     encoding) < 0)
                return -ENOMEM;
        return 0;
}

static struct compile_memo_entry *find(struct compile_memo *m, const char *request)
{
        for (size_t i = 0; i < COMPILE_MEMO_ENTRIES; i++)
                if (m->entries[i].request && streq(m->entries[i].request, request))
                        return &m->entries[i];
        return NULL;
}

int compile_memo_get(struct compile_memo *m, const char *request, char **ret_text, size_t *ret_size,
                     char ret_key[SHA256_HEX_SIZE])
{
        int r = -ENOENT;
        pthread_mutex_lock(&m->lock);
        struct compile_memo_entry *e = find(m, request);
        if (e) {
                char *t = malloc(e->size + 1);
                if (t) {
                        memcpy(t, e->text, e->size + 1);
                        memcpy(ret_key, e->key, SHA256_HEX_SIZE);
                        *ret_text = t;
                        *ret_size = e->size;
                        e->used = ++m->clock;
                        m->hits++;
                        r = 0;
                } else
                        r = -ENOMEM;
        } else
                m->misses++;
        pthread_mutex_unlock(&m->lock);
        return r;
}

void compile_memo_put(struct compile_memo *m, const char *request, const char *key,
                      const char *text, size_t size)
{
        if (size > COMPILE_MEMO_TEXT_MAX || strlen(key) != SHA256_HEX_SIZE - 1)
                return;
        /* Copied before the lock is taken. */
        char *req = strdup(request), *t = malloc(size + 1);
        if (!req || !t) {
                free(req);
                free(t);
                return;
        }
        memcpy(t, text, size);
        t[size] = 0;

        pthread_mutex_lock(&m->lock);
        struct compile_memo_entry *e = find(m, request);
        if (!e) {
                e = &m->entries[0];
                for (size_t i = 0; i < COMPILE_MEMO_ENTRIES && e->request; i++)
                        if (!m->entries[i].request || m->entries[i].used < e->used)
                                e = &m->entries[i];
        }
        entry_clear(e);
        e->request = req;
        e->text = t;
        e->size = size;
        memcpy(e->key, key, SHA256_HEX_SIZE);
        e->used = ++m->clock;
        pthread_mutex_unlock(&m->lock);
}

void compile_memo_counts(struct compile_memo *m, uint64_t *ret_hits, uint64_t *ret_misses,
                         size_t *ret_entries)
{
        pthread_mutex_lock(&m->lock);
        *ret_hits = m->hits;
        *ret_misses = m->misses;
        *ret_entries = 0;
        for (size_t i = 0; i < COMPILE_MEMO_ENTRIES; i++)
                *ret_entries += m->entries[i].request != NULL;
        pthread_mutex_unlock(&m->lock);
}
