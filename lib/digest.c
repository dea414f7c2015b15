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

/* OpenSSL 3 looks the implementation of EVP_sha256() up again at every digest (EVP_MD_fetch
 * under a lock: a third of the cost of hashing a small profile, issue 13): fetched once here,
 * kept for the life of the process. */
static const EVP_MD *sha256_md;

static void fetch_sha256(void)
{
        sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
        if (!sha256_md)
                sha256_md = EVP_sha256();
}

static const EVP_MD *md_sha256(void)
{
        static pthread_once_t once = PTHREAD_ONCE_INIT;
        (void)pthread_once(&once, fetch_sha256);
        return sha256_md;
}

int sha256_hex(const void *data, size_t size, char ret[SHA256_HEX_SIZE])
{
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned len = 0;
        if (EVP_Digest(data, size, md, &len, md_sha256(), NULL) != 1 || len != 32)
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
        if (!k->ctx || EVP_DigestInit_ex(k->ctx, md_sha256(), NULL) != 1) {
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
