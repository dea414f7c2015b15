/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include <syslog.h>

/* Logging to the journal (with PROFILE=, ROOT=, DIGEST= fields) when stderr is the journal
 * or the daemon runs under systemd, to stderr otherwise. Thread-safe. Log once, where the
 * decision is made; the *_errno helpers return the (negative) error they were given. */

void log_setup(int max_level, bool force_journal);
int log_level_from_string(const char *s);
int log_max_level(void);

/* Whether s is well-formed UTF-8 (RFC 3629: no overlong forms, surrogates or code points
 * above U+10FFFF). */
bool utf8_is_valid(const char *s);
/* Copies `in` to `out` (at most size - 1 bytes and a NUL, cut at a whole character), with
 * control characters (below 0x20, and 0x7f) and bytes that are not well-formed UTF-8 written
 * as \xNN: untrusted text (file names, request values) made safe for one log line or a JSON
 * string. Returns the length written. */
size_t text_escape(char *out, size_t size, const char *in);

/* `fields`: NULL or a NULL-terminated list of "KEY=value" journal fields. */
int log_fullv(int level, int error, const char *const *fields, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

#define log_full(level, ...)      log_fullv(level, 0, NULL, __VA_ARGS__)
#define log_debug(...)            log_full(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)             log_full(LOG_INFO, __VA_ARGS__)
#define log_notice(...)           log_full(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...)          log_full(LOG_WARNING, __VA_ARGS__)
#define log_error(...)            log_full(LOG_ERR, __VA_ARGS__)
#define log_error_errno(e, ...)   log_fullv(LOG_ERR, (e), NULL, __VA_ARGS__)
#define log_warning_errno(e, ...) log_fullv(LOG_WARNING, (e), NULL, __VA_ARGS__)

/* A profile event, with its structured fields. */
#define log_profile(level, root, name, digest, ...)                                                \
        log_fullv(level, 0,                                                                        \
                  (const char *const[]){"ROOT", (root), "PROFILE", (name), "DIGEST", (digest),     \
                                        NULL},                                                     \
                  __VA_ARGS__)

/* `t` as RFC 3339 UTC to the second ("2026-12-03T00:12:45Z") into `buf` (at least
 * LOG_TIME_MAX bytes); "?" for a time gmtime_r() cannot take. The API's one format of
 * times to the second. */
#define LOG_TIME_MAX 32
void rfc3339_utc(time_t t, char *buf, size_t size);
