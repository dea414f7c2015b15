/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "audit.h"
#include "containers.h"

/* Denials: the kernel's seccomp audit records turned into explained denials, kept in a
 * bounded ring. One reader thread (started by denials_start()) receives the records, names
 * the syscall for the record's arch, the action, the container and profile (through the
 * attribution hook) and the rule that decided; HTTP threads read the ring. Its one mutex
 * (`lock`) is taken only in denials.c, briefly, and never by the blob path. */

#define DENIALS_RING       1024 /* recent denials kept; the oldest is dropped */
#define DENIALS_SERIES     256  /* seccompd_denials_total series; the rest: syscall="other" */
#define DENIALS_JOURNAL    256  /* distinct (container, syscall, action) per journal interval */
#define DENIALS_FOLLOWERS  8    /* GET /v1/denials?follow=1 at once; 503 beyond */
#define DENIALS_INTERVAL_S 10   /* the journal: one entry per distinct denial per interval */

/* What the attribution hook finds for a pid. */
struct denial_attribution {
        char container_id[CONTAINERS_ID_MAX + 1];
        char blob_key[65]; /* 64 hex digits, or "" when the container's blob is unknown */
};

/* The hook: 1 and *ret filled when `pid` belongs to a known container, 0 when it does not,
 * -ESRCH when the process is gone. Called from the reader thread only. */
typedef int (*denial_attribute_fn)(void *userdata, pid_t pid, struct denial_attribution *ret);

/* The served profile of a blob key: its name and the rule that decided `code` for syscall
 * `name` (see resolved_name_rule()), and for an ERRNO the errno that rule (or the default
 * action) returns when it alone can have decided (*ret_errno -1 otherwise: the kernel logs no
 * errno). 0, or -ENOENT when no served profile has that blob. */
typedef int (*denial_rule_fn)(void *userdata, const char *blob_key, const char *syscall,
                              uint32_t code, char *profile, size_t profile_size, char *rule,
                              size_t rule_size, int *ret_errno);

struct denial {
        uint64_t seq; /* 1, 2, ... in the order they were made */
        uint64_t time_ms, last_ms;
        uint64_t serial;
        uint64_t count; /* identical denials (pid, syscall, code) within a second */
        pid_t pid;
        char comm[64];
        char exe[256];
        uint32_t arch;
        int syscall_nr;
        bool compat;
        uint32_t code;
        char syscall[40]; /* the name for that arch, or "#NR" */
        char action[24];  /* "KILL_THREAD", "ERRNO" ... */
        int errnum;       /* an ERRNO's errno, from the deciding rule; -1 when not known */
        char container[CONTAINERS_ID_MAX + 1];
        char blob_key[65];
        char profile[256];
        char rule[192];
        char unattributed[64]; /* the reason, or "" when attributed */
};

struct denial_filter {
        const char *profile, *container, *syscall; /* NULL: any */
        uint64_t since;                            /* only seq > since */
};

struct denials_stats {
        uint64_t records, lost, malformed, unattributed, suppressed;
        uint64_t kernel_lost; /* audit records the kernel lost since the reader started (all
                               * kinds: it does not say which), -1 when it cannot be asked */
        bool kernel_lost_known;
        bool reading;     /* the reader runs */
        char reason[160]; /* why it cannot read, when it cannot */
};

struct denials;

int denials_new(struct denials **ret);
/* Opens the audit socket now (before the self filter: socket() of AF_NETLINK is refused after
 * it); when it cannot, says why once in the log and in denials_stats(). */
void denials_open(struct denials *d);
void denials_set_hooks(struct denials *d, denial_attribute_fn attribute, denial_rule_fn rule,
                       void *userdata);
/* Starts the reader thread (when the socket is open). 0 or -errno. */
int denials_start(struct denials *d);
/* Stops and joins the reader and wakes every follower (they end their streams). */
void denials_stop(struct denials *d);
struct denials *denials_free(struct denials *d);

/* Turns one record into a denial (what the reader does for each); public for tests. */
void denials_add(struct denials *d, const struct audit_seccomp *a, uint64_t now_ms);
/* Counts records the kernel or the socket lost. */
void denials_lost(struct denials *d, uint64_t n);

/* The denials matching `f`, oldest first, as a JSON array; *ret_last the newest seq. */
json_t *denials_to_json(struct denials *d, const struct denial_filter *f, uint64_t *ret_last);
json_t *denial_to_json(const struct denial *e);
/* For a follower: waits up to `timeout_ms` for a denial past `since` that matches `f`; copies
 * at most `max` of them (oldest first) into `out`. Returns how many, 0 on timeout, -ECANCELED
 * once stopping. */
int denials_wait(struct denials *d, const struct denial_filter *f, uint64_t *since,
                 struct denial *out, size_t max, unsigned timeout_ms);
/* A follower slot: 0, or -EBUSY when DENIALS_FOLLOWERS are taken. */
int denials_follower_acquire(struct denials *d);
void denials_follower_release(struct denials *d);

void denials_stats(struct denials *d, struct denials_stats *ret);
json_t *denials_status_json(struct denials *d);
void denials_render_metrics(struct denials *d, FILE *f);
