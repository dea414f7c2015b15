/* SPDX-License-Identifier: Apache-2.0 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "base64.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *base64_encode(const void *data, size_t size)
{
        const uint8_t *in = data;
        char *out = malloc(4 * ((size + 2) / 3) + 1), *p = out;

        if (!out)
                return NULL;
        for (size_t i = 0; i < size; i += 3) {
                uint32_t v = (uint32_t)in[i] << 16;
                if (i + 1 < size)
                        v |= (uint32_t)in[i + 1] << 8;
                if (i + 2 < size)
                        v |= in[i + 2];
                *p++ = alphabet[(v >> 18) & 63];
                *p++ = alphabet[(v >> 12) & 63];
                *p++ = i + 1 < size ? alphabet[(v >> 6) & 63] : '=';
                *p++ = i + 2 < size ? alphabet[v & 63] : '=';
        }
        *p = 0;
        return out;
}

static bool is_base64_char(char ch)
{
        return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
               ch == '+' || ch == '/';
}

long long base64_decoded_size(const char *text, size_t len)
{
        size_t pad = 0;

        if (len == 0 || len % 4 != 0)
                return -1;
        for (size_t i = 0; i < len; i++) {
                if (text[i] == '=' && i >= len - 2) {
                        pad++;
                        continue;
                }
                if (!is_base64_char(text[i]) || pad > 0)
                        return -1;
        }
        return (long long)(len / 4 * 3 - pad);
}

static int base64_value(char ch)
{
        if (ch >= 'A' && ch <= 'Z')
                return ch - 'A';
        if (ch >= 'a' && ch <= 'z')
                return ch - 'a' + 26;
        if (ch >= '0' && ch <= '9')
                return ch - '0' + 52;
        return ch == '+' ? 62 : ch == '/' ? 63 : -1;
}

void base64_decode(const char *text, size_t len, uint8_t *out, size_t size)
{
        size_t o = 0;
        for (size_t i = 0; i < len; i += 4) {
                uint32_t v = 0;
                for (size_t j = 0; j < 4; j++)
                        v = v << 6 | (uint32_t)(text[i + j] == '=' ? 0 : base64_value(text[i + j]));
                for (size_t j = 0; j < 3 && o < size; j++)
                        out[o++] = (uint8_t)(v >> (16 - 8 * j));
        }
}
