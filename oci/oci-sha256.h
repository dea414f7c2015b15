/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* SHA-256 (FIPS 180-4), self-contained, for seccompd-oci's one digest a container start: the
 * sha256 of the linux.seccomp section it sent, compared with the "digest" of the daemon's
 * answer. Not libcrypto (3.0, 4.5 MB): loading and relocating it costs about 1.3 ms per exec
 * on this machine (300 execs of a jansson-only program against the same program also linking
 * libcrypto: 1.4 vs 2.7 ms), doubling what the wrapper costs before it execs crun, for a hash
 * of a few KiB done once. */

#include <stddef.h>
#include <stdint.h>

#define OCI_SHA256_SIZE 32

void oci_sha256(const void *data, size_t size, uint8_t ret[OCI_SHA256_SIZE]);

/* "sha256:<64 lowercase hex digits>", as the daemon writes a profile digest, into `ret`. */
#define OCI_SHA256_DIGEST_SIZE (sizeof("sha256:") + 2 * OCI_SHA256_SIZE)
void oci_sha256_digest(const void *data, size_t size, char ret[OCI_SHA256_DIGEST_SIZE]);
