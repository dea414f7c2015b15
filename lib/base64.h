/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Standard, padded base64 (RFC 4648 §4) without line breaks: what GET /v1/bpf?encoding=base64
 * and POST /v1/compile answer, and what crun's run.oci.seccomp_bpf_data takes. One module for
 * the daemon and every client; no dependencies. */

#include <stddef.h>
#include <stdint.h>

/* The encoding of `size` bytes: a new NUL-terminated string, or NULL (ENOMEM). */
char *base64_encode(const void *data, size_t size);

/* The decoded size of `text` (`len` bytes) when it is standard, padded base64, else -1. */
long long base64_decoded_size(const char *text, size_t len);

/* Decodes `text` (`len` bytes), which base64_decoded_size() found to hold `size` bytes, into
 * `out` (`size` bytes). */
void base64_decode(const char *text, size_t len, uint8_t *out, size_t size);
