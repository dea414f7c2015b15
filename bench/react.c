/* SPDX-License-Identifier: Apache-2.0 */
/* bench-react: from a profile file written to the new content served by seccompd.
 *
 *   bench-react SOCK DIR ROOT FILE CHANGES MODE
 *
 * Writes CHANGES successive versions of DIR/FILE (each with its own errno, so its own digest)
 * and, after each, polls every millisecond: first GET /v1/profiles/ROOT/FILE until its
 * "digest" is the new file's sha256, then GET /v1/bpf/ROOT/FILE until the
 * Seccompd-Profile-Digest header is. MODE "rename": the content is written to DIR/../.FILE.tmp
 * and renamed over DIR/FILE (IN_MOVED_TO); "write": DIR/FILE is truncated and written in
 * place (IN_CLOSE_WRITE). The clock starts when the rename or the close returns. Before each
 * write the program sleeps a pseudo-random 0-249 ms, so that writes do not fall in step with
 * the daemon's timers (each write would otherwise follow the previous answer by the same
 * phase).
 * Prints: MODE n=.. profile_p50_ms=.. profile_p99_ms=.. profile_max_ms=.. bpf_p50_ms=..
 * bpf_p99_ms=.. bpf_max_ms=.. */

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "bench.h"

struct buf {
        char *data;
        size_t size;
        char digest[128]; /* Seccompd-Profile-Digest */
};

static size_t on_body(char *p, size_t size, size_t n, void *userdata)
{
        struct buf *b = userdata;
        char *d = realloc(b->data, b->size + size * n + 1);
        if (!d)
                return 0;
        memcpy(d + b->size, p, size * n);
        b->data = d;
        b->size += size * n;
        b->data[b->size] = 0;
        return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *userdata)
{
        struct buf *b = userdata;
        static const char key[] = "seccompd-profile-digest:";
        size_t len = size * n;
        if (len > sizeof(key) - 1 && !strncasecmp(p, key, sizeof(key) - 1)) {
                const char *v = p + sizeof(key) - 1;
                while (*v == ' ')
                        v++;
                size_t vl = len - (size_t)(v - p);
                while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == '\n'))
                        vl--;
                if (vl < sizeof(b->digest)) {
                        memcpy(b->digest, v, vl);
                        b->digest[vl] = 0;
                }
        }
        return len;
}

/* GET url; the profile's digest (from the JSON body, or the header for /v1/bpf) in ret. */
static void get_digest(CURL *c, const char *url, bool header, char ret[128])
{
        struct buf b = {0};
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
        curl_easy_setopt(c, CURLOPT_HEADERDATA, &b);
        ret[0] = 0;
        if (curl_easy_perform(c) != CURLE_OK) {
                free(b.data);
                return;
        }
        if (header) {
                strcpy(ret, b.digest);
        } else if (b.data) {
                json_t *o = json_loads(b.data, 0, NULL);
                const char *d = json_string_value(json_object_get(o, "digest"));
                if (d && strlen(d) < 128)
                        strcpy(ret, d);
                json_decref(o);
        }
        free(b.data);
}

static void sha256_digest(const char *data, size_t size, char ret[128])
{
        unsigned char md[32];
        unsigned len = 0;
        if (!EVP_Digest(data, size, md, &len, EVP_sha256(), NULL) || len != 32)
                die("sha256 failed");
        strcpy(ret, "sha256:");
        for (unsigned i = 0; i < 32; i++)
                sprintf(ret + 7 + 2 * i, "%02x", md[i]);
}

/* Polls every millisecond until `url` shows `want`; returns the time it did. */
static uint64_t wait_for(CURL *c, const char *url, bool header, const char *want, uint64_t t0)
{
        char got[128];
        for (;;) {
                get_digest(c, url, header, got);
                uint64_t t = now_ns();
                if (!strcmp(got, want))
                        return t;
                if (t - t0 > 20000000000ull)
                        die("'%s' did not show %s within 20 s (last: '%s')", url, want, got);
                usleep(1000);
        }
}

int main(int argc, char **argv)
{
        if (argc != 7 || (strcmp(argv[6], "rename") && strcmp(argv[6], "write"))) {
                fprintf(stderr, "usage: bench-react SOCK DIR ROOT FILE CHANGES rename|write\n");
                return 2;
        }
        const char *sock = argv[1], *dir = argv[2], *root = argv[3], *file = argv[4],
                   *mode = argv[6];
        long changes = strtol(argv[5], NULL, 10);
        if (changes < 1 || changes > 100000)
                die("CHANGES must be 1..100000");
        bool rename_mode = !strcmp(mode, "rename");
        char *path, *tmp, *url_profile, *url_bpf;
        if (asprintf(&path, "%s/%s", dir, file) < 0 ||
            asprintf(&tmp, "%s/../.%s.tmp", dir, file) < 0 ||
            asprintf(&url_profile, "http://localhost/v1/profiles/%s/%s", root, file) < 0 ||
            asprintf(&url_bpf, "http://localhost/v1/bpf/%s/%s", root, file) < 0)
                die("out of memory");

        curl_global_init(CURL_GLOBAL_DEFAULT);
        CURL *c = curl_easy_init();
        if (!c)
                die("curl_easy_init failed");
        curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, sock);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);

        uint64_t *tp = calloc((size_t)changes, sizeof(uint64_t)),
                 *tb = calloc((size_t)changes, sizeof(uint64_t));
        if (!tp || !tb)
                die("out of memory");
        unsigned nonce = (unsigned)getpid(), seed = nonce;
        for (long i = 0; i < changes; i++) {
                char *content, want[128];
                /* Small and valid; errno 1000..3999 and the comment make each version distinct. */
                int len =
                        asprintf(&content,
                                 "{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n"
                                 "  \"defaultErrnoRet\": %ld,\n  \"syscalls\": [\n"
                                 "    { \"names\": [\"read\", \"write\", \"exit\", \"exit_group\", "
                                 "\"futex\", \"getppid\"],\n      \"action\": \"SCMP_ACT_ALLOW\", "
                                 "\"comment\": \"%s change %ld of run %u\" }\n  ]\n}\n",
                                 1000 + (i * 7 + nonce) % 3000, mode, i, nonce);
                if (len < 0)
                        die("out of memory");
                sha256_digest(content, (size_t)len, want);
                usleep((useconds_t)(rand_r(&seed) % 250) * 1000);
                uint64_t t0;
                if (rename_mode) {
                        write_all_file(tmp, content, (size_t)len);
                        if (rename(tmp, path) < 0)
                                die("rename: %s", strerror(errno));
                        t0 = now_ns();
                } else {
                        write_all_file(path, content, (size_t)len);
                        t0 = now_ns();
                }
                uint64_t t1 = wait_for(c, url_profile, false, want, t0);
                uint64_t t2 = wait_for(c, url_bpf, true, want, t0);
                tp[i] = t1 - t0;
                tb[i] = t2 - t0;
                free(content);
        }
        uint64_t pmax, bmax;
        double p50 = percentile(tp, (size_t)changes, 50) / 1e6,
               p99 = percentile(tp, (size_t)changes, 99) / 1e6;
        pmax = tp[changes - 1];
        double b50 = percentile(tb, (size_t)changes, 50) / 1e6,
               b99 = percentile(tb, (size_t)changes, 99) / 1e6;
        bmax = tb[changes - 1];
        printf("%s n=%ld profile_p50_ms=%.1f profile_p99_ms=%.1f profile_max_ms=%.1f "
               "bpf_p50_ms=%.1f bpf_p99_ms=%.1f bpf_max_ms=%.1f\n",
               mode, changes, p50, p99, pmax / 1e6, b50, b99, bmax / 1e6);
        curl_easy_cleanup(c);
        curl_global_cleanup();
        return 0;
}
