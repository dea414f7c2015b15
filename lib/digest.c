/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "digest.h"

static void to_hex(const unsigned char *md, unsigned len, char *out)
{
        static const char hex[] = "0123456789abcdef";
        for (unsigned i = 0; i < len; i++) {
                out[2 * i] = hex[md[i] >> 4];
                out[2 * i + 1] = hex[md[i] & 15];
        }
        out[2 * len] = 0;
}

/* SHA-256 fetched from its provider once. EVP_sha256() makes OpenSSL 3 fetch it again at
 * every digest (a lookup by name and properties under a lock): that was 40% of the digest of a
 * 6 KB compile request in the daemon (perf, BENCHMARKS.md §1). A fetched method is immutable
 * and shared by every thread; it lives as long as the process. */
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;
static EVP_MD *sha256_fetched;

static void sha256_fetch(void)
{
        sha256_fetched = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static const EVP_MD *sha256_md(void)
{
        (void)pthread_once(&sha256_once, sha256_fetch);
        return sha256_fetched ? sha256_fetched : EVP_sha256();
}

int sha256_hex(const void *data, size_t size, char ret[SHA256_HEX_SIZE])
{
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned len = 0;
        if (EVP_Digest(data, size, md, &len, sha256_md(), NULL) != 1 || len != 32)
                return -EIO;
        to_hex(md, len, ret);
        return 0;
}

int sha256_digest_string(const void *data, size_t size, char *ret, size_t len)
{
        char hex[SHA256_HEX_SIZE];
        if (len < sizeof("sha256:") + 64)
                return -ENOBUFS;
        int r = sha256_hex(data, size, hex);
        if (r < 0)
                return r;
        snprintf(ret, len, "sha256:%s", hex);
        return 0;
}

struct keyhash {
        EVP_MD_CTX *ctx;
};

int keyhash_new(struct keyhash **ret)
{
        struct keyhash *k = calloc(1, sizeof(*k));
        if (!k)
                return -ENOMEM;
        k->ctx = EVP_MD_CTX_new();
        if (!k->ctx || EVP_DigestInit_ex(k->ctx, sha256_md(), NULL) != 1) {
                keyhash_free(k);
                return -ENOMEM;
        }
        *ret = k;
        return 0;
}

void keyhash_free(struct keyhash *k)
{
        if (!k)
                return;
        EVP_MD_CTX_free(k->ctx);
        free(k);
}

static int put_len(struct keyhash *k, uint64_t n)
{
        unsigned char b[8];
        for (int i = 0; i < 8; i++)
                b[i] = (unsigned char)(n >> (56 - 8 * i));
        return EVP_DigestUpdate(k->ctx, b, 8) == 1 ? 0 : -EIO;
}

int keyhash_field(struct keyhash *k, const char *tag, const void *data, size_t size)
{
        size_t tl = strlen(tag);
        if (put_len(k, tl) < 0 || EVP_DigestUpdate(k->ctx, tag, tl) != 1 || put_len(k, size) < 0 ||
            EVP_DigestUpdate(k->ctx, data, size) != 1)
                return -EIO;
        return 0;
}

int keyhash_field_str(struct keyhash *k, const char *tag, const char *s)
{
        return keyhash_field(k, tag, s ? s : "", s ? strlen(s) : 0);
}

int keyhash_field_u64(struct keyhash *k, const char *tag, uint64_t v)
{
        unsigned char b[8];
        for (int i = 0; i < 8; i++)
                b[i] = (unsigned char)(v >> (56 - 8 * i));
        return keyhash_field(k, tag, b, sizeof(b));
}

int keyhash_finish(struct keyhash *k, char ret[SHA256_HEX_SIZE])
{
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned len = 0;
        int r = EVP_DigestFinal_ex(k->ctx, md, &len) == 1 && len == 32 ? 0 : -EIO;
        if (r == 0)
                to_hex(md, len, ret);
        keyhash_free(k);
        return r;
}
