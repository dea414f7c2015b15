/* SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>

#include "api.h"

/* The destructors of client.h's structs, next to the decoders that build them. libseccompd
 * exports them (its version script takes every seccompd_* symbol). */

API_PUBLIC void seccompd_blob_free(struct seccompd_blob *b)
{
        if (!b)
                return;
        free(b->data);
        free(b->key);
        free(b->digest);
        free(b->state);
        free(b->context);
        free(b);
}

static void fallbacks_free(struct seccompd_fallbacks *fb)
{
        if (!fb)
                return;
        for (size_t i = 0; i < fb->n_recent; i++) {
                free(fb->recent[i].time);
                free(fb->recent[i].container_id);
                free(fb->recent[i].bundle);
                free(fb->recent[i].command);
                free(fb->recent[i].reason);
        }
        free(fb->recent);
        free(fb->spool);
        free(fb);
}

API_PUBLIC void seccompd_status_free(struct seccompd_status *s)
{
        if (!s)
                return;
        free(s->version);
        free(s->libseccomp);
        free(s->node_digest);
        if (s->cache)
                free(s->cache->dir);
        free(s->cache);
        fallbacks_free(s->fallbacks);
        for (size_t i = 0; i < s->n_roots; i++) {
                free(s->roots[i].name);
                free(s->roots[i].path);
                free(s->roots[i].dialect);
        }
        free(s->roots);
        free(s);
}

API_PUBLIC void seccompd_profile_free(struct seccompd_profile *p)
{
        if (!p)
                return;
        free(p->name);
        free(p->root);
        free(p->path);
        free(p->dialect);
        free(p->state);
        free(p->digest);
        free(p->served_digest);
        free(p->updated);
        free(p->default_action);
        for (size_t i = 0; i < p->n_arches; i++)
                free(p->arches[i]);
        free(p->arches);
        api_diagnostics_free(p->diagnostics, p->n_diagnostics);
        for (size_t i = 0; i < p->n_blobs; i++) {
                free(p->blobs[i].key);
                free(p->blobs[i].context);
        }
        free(p->blobs);
        free(p);
}

API_PUBLIC void seccompd_profile_list_free(struct seccompd_profile_list *l)
{
        if (!l)
                return;
        for (size_t i = 0; i < l->n; i++)
                seccompd_profile_free(l->profiles[i]);
        free(l->profiles);
        free(l);
}

API_PUBLIC void seccompd_source_free(struct seccompd_source *s)
{
        if (!s)
                return;
        free(s->data);
        free(s->dialect);
        free(s->digest);
        free(s);
}

API_PUBLIC void seccompd_container_list_free(struct seccompd_container_list *l)
{
        if (!l)
                return;
        for (size_t i = 0; i < l->n; i++) {
                struct seccompd_container *c = &l->containers[i];
                free(c->id);
                free(c->bundle);
                free(c->profile);
                for (size_t k = 0; k < c->n_profiles; k++)
                        free(c->profiles[k]);
                free(c->profiles);
                free(c->digest);
                free(c->key);
                free(c->fallback);
                free(c->started);
                free(c->command);
        }
        free(l->containers);
        free(l);
}

API_PUBLIC void seccompd_denials_free(struct seccompd_denials *d)
{
        if (!d)
                return;
        for (size_t i = 0; i < d->n; i++) {
                struct seccompd_denial *e = &d->denials[i];
                free(e->time);
                free(e->last);
                free(e->comm);
                free(e->exe);
                free(e->arch);
                free(e->syscall);
                free(e->action);
                free(e->container);
                free(e->blob_key);
                free(e->profile);
                free(e->rule);
                free(e->unattributed);
        }
        free(d->denials);
        free(d->reason);
        free(d);
}
