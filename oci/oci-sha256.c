/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "oci-sha256.h"

static const uint32_t k256[64] = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
};

static uint32_t ror(uint32_t x, unsigned n)
{
        return (x >> n) | (x << (32 - n));
}

static void block(uint32_t h[8], const uint8_t *p)
{
        uint32_t w[64], a[8];

        for (unsigned i = 0; i < 16; i++)
                w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
                       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
        for (unsigned i = 16; i < 64; i++) {
                uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
                uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
                w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        memcpy(a, h, sizeof(a));
        for (unsigned i = 0; i < 64; i++) {
                uint32_t s1 = ror(a[4], 6) ^ ror(a[4], 11) ^ ror(a[4], 25);
                uint32_t ch = (a[4] & a[5]) ^ (~a[4] & a[6]);
                uint32_t t1 = a[7] + s1 + ch + k256[i] + w[i];
                uint32_t s0 = ror(a[0], 2) ^ ror(a[0], 13) ^ ror(a[0], 22);
                uint32_t maj = (a[0] & a[1]) ^ (a[0] & a[2]) ^ (a[1] & a[2]);
                a[7] = a[6];
                a[6] = a[5];
                a[5] = a[4];
                a[4] = a[3] + t1;
                a[3] = a[2];
                a[2] = a[1];
                a[1] = a[0];
                a[0] = t1 + s0 + maj;
        }
        for (unsigned i = 0; i < 8; i++)
                h[i] += a[i];
}

void oci_sha256(const void *data, size_t size, uint8_t ret[OCI_SHA256_SIZE])
{
        uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                         0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
        const uint8_t *p = data;
        uint8_t tail[128] = {0};
        size_t full = size / 64 * 64, rest = size - full;
        uint64_t bits = (uint64_t)size * 8;

        for (size_t i = 0; i < full; i += 64)
                block(h, p + i);
        if (rest)
                memcpy(tail, p + full, rest);
        tail[rest] = 0x80;
        size_t len = rest < 56 ? 64 : 128;
        for (unsigned i = 0; i < 8; i++)
                tail[len - 1 - i] = (uint8_t)(bits >> (8 * i));
        block(h, tail);
        if (len == 128)
                block(h, tail + 64);
        for (unsigned i = 0; i < 8; i++)
                for (unsigned j = 0; j < 4; j++)
                        ret[4 * i + j] = (uint8_t)(h[i] >> (24 - 8 * j));
}

void oci_sha256_digest(const void *data, size_t size, char ret[OCI_SHA256_DIGEST_SIZE])
{
        static const char hex[] = "0123456789abcdef";
        uint8_t md[OCI_SHA256_SIZE];
        char *p = ret + strlen("sha256:");

        oci_sha256(data, size, md);
        memcpy(ret, "sha256:", strlen("sha256:"));
        for (unsigned i = 0; i < OCI_SHA256_SIZE; i++) {
                *p++ = hex[md[i] >> 4];
                *p++ = hex[md[i] & 15];
        }
        *p = 0;
}
