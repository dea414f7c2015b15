/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define SHA256_HEX_SIZE 65

/* SHA-256 (OpenSSL libcrypto) of `size` bytes as lowercase hex into `ret` (65 bytes). */
int sha256_hex(const void *data, size_t size, char ret[SHA256_HEX_SIZE]);
/* "sha256:<hex>", as `sha256sum` prints it, into `ret` of `len` bytes (>= 72). */
int sha256_digest_string(const void *data, size_t size, char *ret, size_t len);

/* Incremental hashing over length-prefixed fields: two different field sequences can never
 * produce the same input. */
struct keyhash;
int keyhash_new(struct keyhash **ret);
void keyhash_free(struct keyhash *k);
int keyhash_field(struct keyhash *k, const char *tag, const void *data, size_t size);
int keyhash_field_str(struct keyhash *k, const char *tag, const char *s);
int keyhash_field_u64(struct keyhash *k, const char *tag, uint64_t v);
/* Finishes and writes the hex digest; the object is freed. */
int keyhash_finish(struct keyhash *k, char ret[SHA256_HEX_SIZE]);
